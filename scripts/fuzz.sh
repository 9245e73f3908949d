#!/usr/bin/env bash
# Bounded libFuzzer run of the FIX framer/indexer (native/fuzz/README.md).
#   scripts/fuzz.sh [seconds]      default 60; exits non-zero on a crash, leak or sanitizer report
# Environment: GATEWAY_FUZZ_BUILD (build dir, default <repo>/build-fuzz), GATEWAY_REFDATA (shared data).
set -euo pipefail
SECS=${1:-60}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${GATEWAY_FUZZ_BUILD:-$ROOT/build-fuzz}
if ! command -v clang >/dev/null 2>&1; then
  echo "fuzz.sh: clang not found (apt-get install clang libclang-rt-dev)" >&2
  exit 2
fi
CC=clang CXX=clang++ cmake -S "$ROOT" -B "$BUILD" -DGATEWAY_FUZZ=ON -DCMAKE_BUILD_TYPE=RelWithDebInfo >"$BUILD.configure.log" 2>&1 ||
  { cat "$BUILD.configure.log" >&2; exit 1; }
grep "fix_fuzz" "$BUILD.configure.log" || true
cmake --build "$BUILD" --target fix_fuzz fix_fuzz_seeds -j 2
CORPUS="$BUILD/fuzz-corpus"
mkdir -p "$CORPUS"
"$BUILD/fix_fuzz_seeds" "$CORPUS"
echo "fuzz.sh: running fix_fuzz for ${SECS}s"
"$BUILD/fix_fuzz" -max_total_time="$SECS" -max_len=8192 -timeout=20 -rss_limit_mb=2048 -print_final_stats=1 \
  -artifact_prefix="$BUILD/crash-" "$CORPUS"
