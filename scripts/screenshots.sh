#!/usr/bin/env bash
# Starts LADM Studio under Xvfb on a corpus, waits for scoring to finish, and saves
# screenshots of the main views (sample viewer, distributions & selection).
#   scripts/screenshots.sh [OUT_DIR] [MODEL_DIR] [CORPUS]
# Defaults: docs/screenshots; the bundled calculator when it exists, otherwise the tiny
# test checkpoint (random weights: the picture is real, the scores are not); a small demo
# corpus built with `ladm demo-corpus`.
set -euo pipefail
cd "$(dirname "$0")/.."
OUT=${1:-docs/screenshots}
BUILD=${BUILD_DIR:-build}
[[ -x $BUILD/app/ladm-studio ]] || { echo "build first: scripts/test.sh (or cmake --build $BUILD)" >&2; exit 1; }
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
MODEL=${2:-}
CORPUS=${3:-}
EXTRA=()  # extra ladm-studio options
if [[ -z $MODEL ]]; then
  if [[ -f resources/calculator/config.json ]]; then
    MODEL=resources/calculator
  else
    MODEL=$WORK/model
    "$BUILD/tests/ladm-test-fixture" model "$MODEL" # tiny random model: scores mean nothing
  fi
fi
if [[ -z $CORPUS ]]; then
  if [[ -f resources/demo/demo.jsonl.zst ]]; then
    CORPUS=resources/demo/demo.jsonl.zst
  else
    CORPUS=$WORK/demo.jsonl.zst
    "$BUILD/app/ladm" demo-corpus --samples 40 "$CORPUS"
  fi
fi
mkdir -p "$OUT"
# a private settings/cache folder so the user's own state is neither used nor changed
export XDG_CONFIG_HOME=$WORK/config XDG_DATA_HOME=$WORK/data XDG_RUNTIME_DIR=$WORK/run
mkdir -p "$XDG_RUNTIME_DIR" && chmod 700 "$XDG_RUNTIME_DIR"
timeout 900 xvfb-run -a -s "-screen 0 1600x1000x24" "$BUILD/app/ladm-studio" --model "$MODEL" \
  "${EXTRA[@]}" --screenshots "$OUT" "$CORPUS"
ls -l "$OUT"
