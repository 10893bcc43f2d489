#!/usr/bin/env bash
# Runs libFuzzer targets for a bounded time from their seed corpora in tests/fuzz/corpus/<name>.
# Exit 0 when no input crashed; otherwise the crashing input is left in BUILD_DIR/tests/fuzz
# (printed) — add it to the corpus and fix the code.
#
#   tests/fuzz/run.sh [SECONDS_PER_TARGET] [BUILD_DIR] [NAME...]
# BUILD_DIR (default ./build-asan) is the clang ASan + UBSan build of make test-asan, where the
# fuzzers are CMake targets <name>_fuzz (tests/fuzz/CMakeLists.txt). With no NAME, every
# tests/fuzz/<name>_fuzz.cc is built and run; ctest names one.
set -euo pipefail

root="$(cd "$(dirname "$0")/../.." && pwd)"
seconds="${1:-30}"
build_dir="$(cd "${2:-$root/build-asan}" && pwd)"
shift $(( $# < 2 ? $# : 2 ))
names=("$@")
if (( ${#names[@]} == 0 )); then
  for source in "$root"/tests/fuzz/*_fuzz.cc; do
    name="$(basename "$source" _fuzz.cc)"
    names+=("$name")
  done
  cmake --build "$build_dir" -j 2 --target "${names[@]/%/_fuzz}"
fi

work="$build_dir/tests/fuzz"
for name in "${names[@]}"; do
  corpus="$work/corpus-$name"
  mkdir -p "$corpus"
  echo "fuzz: $name for ${seconds}s (seeds: tests/fuzz/corpus/$name)"
  (cd "$work" && "./${name}_fuzz" -max_total_time="$seconds" -max_len=4096 -timeout=10 \
      -print_final_stats=1 "$corpus" "$root/tests/fuzz/corpus/$name" 2>&1 | tail -12)
done
