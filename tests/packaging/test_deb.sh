#!/usr/bin/env bash
# Builds the .deb with CPack, checks its metadata and contents, validates the desktop file
# and AppStream metainfo, unpacks it into a temporary root and runs the unpacked
# `ladm --version` and a small `ladm score` on the bundled calculator it carries.
# usage: test_deb.sh BUILD_DIR VERSION
set -euo pipefail
BUILD=$1
VERSION=$2
W=$(mktemp -d /tmp/ladm-deb.XXXXXX)
trap 'rm -rf "$W"' EXIT
fail() {
  echo "FAIL: $*" >&2
  exit 1
}

cpack --config "$BUILD/CPackConfig.cmake" -B "$W/out" >"$W/cpack.log" 2>&1 || {
  cat "$W/cpack.log" >&2
  fail "cpack failed"
}
DEB=$(ls "$W"/out/ladm-studio_"$VERSION"_*.deb 2>/dev/null | head -n1)
[[ -f $DEB ]] || fail "no ladm-studio_${VERSION}_*.deb in $(ls "$W/out")"
echo "built $(basename "$DEB") ($(du -h "$DEB" | cut -f1))"

# --- metadata ----------------------------------------------------------------------------
field() { dpkg-deb -f "$DEB" "$1"; }
[[ $(field Package) == ladm-studio ]] || fail "Package: $(field Package)"
[[ $(field Version) == "$VERSION" ]] || fail "Version: $(field Version)"
[[ $(field Architecture) == "$(dpkg --print-architecture)" ]] || fail "Architecture: $(field Architecture)"
[[ $(field Section) == science ]] || fail "Section: $(field Section)"
DEPENDS=$(field Depends)
echo "Depends: $DEPENDS"
# the libraries the binaries really link, as dpkg-shlibdeps found them
for pkg in libtorch1.13 libqt6widgets6 libqt6charts6 libsentencepiece0 libzstd1 libsqlite3-0 \
  libpcre2-8-0 libutf8proc2 libxxhash0 libc6 libstdc++6; do
  sed 's/, /\n/g; s/ ([^)]*)//g' <<<"$DEPENDS" | grep -qxF "$pkg" || fail "Depends lacks $pkg"
done
grep -q libopenblas0-pthread <<<"$(field Recommends)" || fail "Recommends lacks libopenblas0-pthread"
[[ -n $(field Description) ]] || fail "no Description"

# --- contents ----------------------------------------------------------------------------
dpkg-deb -c "$DEB" | awk '{print $6}' | sed 's|^\./|/|' >"$W/files"
for f in /usr/bin/ladm /usr/bin/ladm-studio /usr/lib/ladm-studio/libladm_sp_shim.so \
  /usr/share/ladm-studio/calculator/config.json \
  /usr/share/ladm-studio/calculator/model.safetensors \
  /usr/share/ladm-studio/calculator/tokenizer.model \
  /usr/share/ladm-studio/calculator/tokenizer_config.json \
  /usr/share/applications/io.github.ladmstudio.LadmStudio.desktop \
  /usr/share/icons/hicolor/scalable/apps/io.github.ladmstudio.LadmStudio.svg \
  /usr/share/metainfo/io.github.ladmstudio.LadmStudio.metainfo.xml \
  /usr/share/man/man1/ladm.1.gz /usr/share/man/man1/ladm-studio.1.gz \
  /usr/share/doc/ladm-studio/examples/ladm-score.sbatch; do
  grep -qx "$f" "$W/files" || fail "$f missing from the package"
done
grep -q "train-state" "$W/files" && fail "the calculator's train-state must not be packaged"
size=$(dpkg-deb -c "$DEB" | awk '$6 ~ /calculator\/model.safetensors$/ {print $3}')
((size <= 16 * 1024 * 1024)) || fail "bundled calculator is $size bytes (> 16 MB)"

# --- unpack and run ----------------------------------------------------------------------
R=$W/root
dpkg-deb -x "$DEB" "$R"
if command -v desktop-file-validate >/dev/null; then
  desktop-file-validate "$R/usr/share/applications/io.github.ladmstudio.LadmStudio.desktop"
fi
if command -v appstreamcli >/dev/null; then
  appstreamcli validate --no-net \
    "$R/usr/share/metainfo/io.github.ladmstudio.LadmStudio.metainfo.xml" ||
    fail "appstreamcli validate"
fi
gzip -t "$R/usr/share/man/man1/ladm.1.gz"
zcat "$R/usr/share/man/man1/ladm.1.gz" | grep -q "^\.TH LADM 1" || fail "ladm.1 has no .TH"
zcat "$R/usr/share/man/man1/ladm.1.gz" | grep -q "@PROJECT_VERSION@" && fail "ladm.1 not configured"

out=$("$R/usr/bin/ladm" --version)
[[ $out == *"$VERSION"* ]] || fail "ladm --version printed: $out"
echo "unpacked ladm --version: $out"

# a small corpus: two licences as a folder of text files (one sample per file)
mkdir -p "$W/corpus/licenses"
cp /usr/share/common-licenses/GPL-3 /usr/share/common-licenses/Apache-2.0 "$W/corpus/licenses/"
# no --model: the unpacked binary must find the calculator unpacked beside it
"$R/usr/bin/ladm" score --cache "$W/scores.db" --max-len 4096 "$W/corpus" 2>"$W/score.log" || {
  cat "$W/score.log" >&2
  fail "unpacked ladm score failed"
}
grep -q "$R/usr/share/ladm-studio/calculator" "$W/score.log" ||
  fail "ladm score did not use the unpacked bundled calculator: $(cat "$W/score.log")"
"$R/usr/bin/ladm" stats --cache "$W/scores.db" --json >"$W/stats.json"
grep -Eq '"ok": *2' "$W/stats.json" || fail "expected 2 scored samples: $(cat "$W/stats.json")"
echo "unpacked ladm score: 2 samples scored with the packaged calculator"
echo "PASS"
