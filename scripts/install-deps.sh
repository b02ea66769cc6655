#!/usr/bin/env bash
# Installs every Debian 12 package LADM Studio needs to build, test and run.
# Safe to run repeatedly; needs root (or sudo) for apt-get.
set -euo pipefail

PKGS=(
  build-essential cmake ninja-build pkg-config git clang-format
  # the layering check (tests/arch) and test fixtures
  python3
  # scoring engine: libtorch (CPU) + a fast BLAS. Without OpenBLAS, Debian's
  # libtorch falls back to the reference BLAS and matmuls run ~40x slower.
  libtorch-dev libopenblas0-pthread
  # GUI
  qt6-base-dev qt6-charts-dev libqt6opengl6-dev libgl-dev
  # tokenizers, corpus formats, cache
  libsentencepiece-dev sentencepiece libpcre2-dev
  libzstd-dev zlib1g-dev libsqlite3-dev nlohmann-json3-dev libxxhash-dev libutf8proc-dev
  # cluster integration test: a real local Slurm cluster
  slurm-wlm munge
  # the .deb test: desktop file and AppStream metainfo validation
  desktop-file-utils appstream
  # long prose the bundled calculator's recipe reads (train-calculator's default text)
  python3.11-doc perl-doc git-doc
  # headless GUI tests and screenshots
  xvfb xauth xdotool imagemagick x11-utils
)

missing=()
# Node.js + npm run the reference tokenizers (transformers.js) in the tests. Images that
# already ship Node (e.g. from NodeSource) keep theirs.
if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
  PKGS+=(nodejs npm)
fi
for p in "${PKGS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done

if ((${#missing[@]})); then
  SUDO=""
  [[ $(id -u) -ne 0 ]] && SUDO="sudo"
  echo "Installing: ${missing[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

# Make sure the BLAS alternative points at OpenBLAS (pthread build), not the
# reference implementation.
if command -v update-alternatives >/dev/null; then
  for alt in libblas.so.3-x86_64-linux-gnu liblapack.so.3-x86_64-linux-gnu; do
    cand=$(update-alternatives --list "$alt" 2>/dev/null | grep openblas-pthread | head -n1 || true)
    if [[ -n "$cand" ]]; then
      SUDO=""
      [[ $(id -u) -ne 0 ]] && SUDO="sudo"
      $SUDO update-alternatives --set "$alt" "$cand" >/dev/null
    fi
  done
fi
