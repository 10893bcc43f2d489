#!/usr/bin/env bash
# Builds each libFuzzer target with clang (ASan + UBSan) and runs it for a bounded time from its
# seed corpus in tests/fuzz/corpus/<target>. Exit 0 when no input crashed; otherwise the crashing
# input is left in the work directory (printed) — add it to the corpus and fix the code.
#
#   tests/fuzz/run.sh [SECONDS_PER_TARGET] [WORK_DIR]
set -euo pipefail

root="$(cd "$(dirname "$0")/../.." && pwd)"
seconds="${1:-30}"
work="${2:-$root/build/fuzz}"
mkdir -p "$work"
flags=(-std=c++20 -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined
       -I"$root")
libs="$(pkg-config --libs absl_strings absl_status absl_statusor) -lcrypto"

build() {  # build TARGET SOURCES...
  local target="$1"; shift
  if [[ ! -x "$work/$target" || -n "$(find "$@" -newer "$work/$target" 2>/dev/null)" ]]; then
    echo "fuzz: building $target"
    # shellcheck disable=SC2086
    clang++ "${flags[@]}" "$@" -o "$work/$target" $libs
  fi
}

run() {  # run TARGET
  local target="$1"
  local corpus="$work/corpus-$target"
  mkdir -p "$corpus"
  echo "fuzz: $target for ${seconds}s (seeds: tests/fuzz/corpus/$target)"
  (cd "$work" && "./$target" -max_total_time="$seconds" -max_len=4096 -timeout=10 \
      -print_final_stats=1 "$corpus" "$root/tests/fuzz/corpus/$target" 2>&1 | tail -12)
}

build csv "$root/tests/fuzz/csv_fuzz.cc" "$root/clients/import/csv.cc"
build record "$root/tests/fuzz/record_fuzz.cc" "$root/storage/record.cc" "$root/storage/crc32c.cc"
run csv
run record
