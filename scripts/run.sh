#!/usr/bin/env bash
# The README's start command: installs what is missing (Debian 12 packages), builds the
# app, builds the demo corpus once (from text Debian installs), and starts LADM Studio on
# it with the bundled calculator (resources/calculator); scoring starts at once and
# resumes where it stopped when started again.
#   scripts/run.sh [ladm-studio options / other corpora...]
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
BUILD=${BUILD_DIR:-build}
cmake -S . -B "$BUILD" -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build "$BUILD" -j"$(nproc)" --target ladm ladm-studio ladm_sp_shim
DEMO=$BUILD/demo/demo.jsonl.zst
if [[ ! -f $DEMO ]]; then
  mkdir -p "$(dirname "$DEMO")"
  "$BUILD/app/ladm" demo-corpus "$DEMO.tmp.jsonl.zst"
  mv "$DEMO.tmp.jsonl.zst" "$DEMO"
fi
if [[ -z ${DISPLAY:-} && -z ${WAYLAND_DISPLAY:-} ]]; then
  echo "No display (DISPLAY/WAYLAND_DISPLAY unset): log in graphically, use ssh -X, or run" >&2
  echo "  xvfb-run -a $BUILD/app/ladm-studio --score $DEMO" >&2
  echo "The command line works without a display:  $BUILD/app/ladm score --cache demo.db $DEMO" >&2
  exit 1
fi
ARGS=("$@")
((${#ARGS[@]})) || ARGS=("$DEMO")
exec "$BUILD/app/ladm-studio" --model resources/calculator --score "${ARGS[@]}"
