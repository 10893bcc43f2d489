#!/usr/bin/env bash
# Builds each libFuzzer target with clang (ASan + UBSan) and runs it for a bounded time from its
# seed corpus in tests/fuzz/corpus/<target>. Exit 0 when no input crashed; otherwise the crashing
# input is left in the work directory (printed) — add it to the corpus and fix the code.
#
#   tests/fuzz/run.sh [SECONDS_PER_TARGET] [BUILD_DIR]
# BUILD_DIR (default ./build) must hold the generated protobuf code (make build); the fuzzers
# and their growing corpora live in BUILD_DIR/fuzz.
set -euo pipefail

root="$(cd "$(dirname "$0")/../.." && pwd)"
seconds="${1:-30}"
build_dir="$(cd "${2:-$root/build}" && pwd)"
work="$build_dir/fuzz"
mkdir -p "$work"
flags=(-std=c++20 -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined
       -I"$root" -I"$build_dir/proto")
libs="$(pkg-config --libs protobuf absl_strings absl_status absl_statusor absl_str_format \
        absl_time absl_flat_hash_map absl_cord) -lcrypto"

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
build record "$root/tests/fuzz/record_fuzz.cc" "$root/storage/record.cc" "$root/storage/crc32c.cc" \
  "$root/storage/sha256.cc"
domain=()
for source in "$root"/services/domain/*.cc; do
  case "$source" in *_test.cc|*_test_util.cc) ;; *) domain+=("$source") ;; esac
done
protos=("$build_dir"/proto/scc/v1/{common,events,state}.pb.cc "$build_dir"/proto/google/rpc/error_details.pb.cc)
build decide "$root/tests/fuzz/decide_fuzz.cc" "${domain[@]}" "${protos[@]}"
run csv
run record
run decide
