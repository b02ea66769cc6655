#!/usr/bin/env bash
# Builds the fuzz targets (tests/fuzz/) with clang, libFuzzer, AddressSanitizer and
# UndefinedBehaviorSanitizer, and runs them.
#   scripts/fuzz.sh                     every target for 60 s each
#   scripts/fuzz.sh TARGET [SECONDS]    one target (default 600 s)
#   scripts/fuzz.sh all SECONDS         every target for SECONDS each
# Targets: safetensors checkpoint tokenizer_json sentencepiece jsonl_record compressed cache
# run_params sp_normalizer
# New inputs go to build-fuzz/corpus/TARGET (the committed seeds in tests/fuzz/corpus stay
# as they are); a crash leaves build-fuzz/crashes/TARGET-crash-*. Minimise it
# (build-fuzz/tests/fuzz/fuzz_TARGET -minimize_crash=1 FILE), fix the bug, and commit the
# reproducer to tests/fuzz/crashes/TARGET/: every build replays it (CTest fuzz_replay_*).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
missing=()
for p in clang libclang-rt-14-dev; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  SUDO=""
  [[ $(id -u) -ne 0 ]] && SUDO="sudo"
  $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

ALL=(safetensors checkpoint tokenizer_json sentencepiece jsonl_record compressed cache run_params
     sp_normalizer)
BUILD=${FUZZ_BUILD_DIR:-build-fuzz}
SAN="-fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer"
cmake -S . -B "$BUILD" -G Ninja -DLADM_FUZZ=ON -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DCMAKE_CXX_COMPILER=clang++ -DCMAKE_CXX_FLAGS="$SAN -fsanitize=fuzzer-no-link" \
  -DCMAKE_EXE_LINKER_FLAGS="$SAN" -DCMAKE_SHARED_LINKER_FLAGS="$SAN" >/dev/null
cmake --build "$BUILD" -j"$(nproc)"

if [[ $# -eq 0 ]]; then
  targets=("${ALL[@]}"); secs=60
elif [[ $1 == all ]]; then
  targets=("${ALL[@]}"); secs=${2:-600}
else
  targets=("$1"); secs=${2:-600}
fi
mkdir -p "$BUILD/crashes"
for t in "${targets[@]}"; do
  [[ -x "$BUILD/tests/fuzz/fuzz_$t" ]] || { echo "unknown target '$t' (${ALL[*]})"; exit 64; }
  mkdir -p "$BUILD/corpus/$t"
  echo "== $t: $secs s"
  ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1} \
    "$BUILD/tests/fuzz/fuzz_$t" -max_total_time="$secs" -print_final_stats=1 -timeout=20 \
    -rss_limit_mb=4096 -artifact_prefix="$BUILD/crashes/$t-" \
    "$BUILD/corpus/$t" "tests/fuzz/corpus/$t" \
    $([[ -d tests/fuzz/crashes/$t ]] && echo "tests/fuzz/crashes/$t")
done
