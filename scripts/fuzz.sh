#!/usr/bin/env bash
# Runs every fuzz target for SECONDS (default 60) each, one after another,
# on the corpora kept in fuzz/corpus/. Needs `cargo install cargo-fuzz` and
# the nightly toolchain. A crash stops the script with libFuzzer's report
# and leaves the input in fuzz/artifacts/<target>/ (docs/fuzzing.md).
set -euo pipefail
cd "$(dirname "$0")/.."

seconds="${1:-60}"
targets=(journal segments config document changelog at)
if [ "$#" -gt 1 ]; then
  targets=("${@:2}")
fi

cargo +nightly fuzz build
for target in "${targets[@]}"; do
  echo "== $target: ${seconds}s" >&2
  cargo +nightly fuzz run "$target" "fuzz/corpus/$target" -- \
    -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1
done
