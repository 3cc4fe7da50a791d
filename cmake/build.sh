#!/usr/bin/env bash
# Configures (once) and builds rapidnn in build/ (Release). Idempotent and incremental.
set -euo pipefail
top="$(cd "$(dirname "$0")/.." && pwd)"
cd "$top"
if [ ! -f build/build.ninja ]; then
  cmake --preset release >/dev/null
fi
cmake --build build -j "$(nproc)"
