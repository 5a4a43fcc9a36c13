#!/usr/bin/env bash
# Runs each fuzz target for a bounded time: fuzz/run.sh SECONDS [TARGET...]
# Needs a nightly toolchain and cargo-fuzz (cargo install cargo-fuzz); see fuzz/README.md.
# Builds are optimised with debug assertions and overflow checks on (cargo-fuzz's default).
# Crashes land in fuzz/artifacts/TARGET/; the growing corpus in fuzz/corpus/TARGET/ (both
# ignored by git). Not part of .ci/run.
set -euo pipefail
cd "$(dirname "$0")/.."

seconds="${1:?usage: fuzz/run.sh SECONDS [TARGET...]}"
shift || true
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
  targets=(spec_loader checks)
fi

cargo +nightly fuzz build
status=0
for target in "${targets[@]}"; do
  mkdir -p "fuzz/corpus/$target" "fuzz/seeds/$target"
  dict=()
  if [ -f "fuzz/dict/$target.dict" ]; then
    dict=("-dict=fuzz/dict/$target.dict")
  fi
  echo "== $target for ${seconds}s"
  # -timeout: one input taking longer than 10 s is a hang; -rss_limit_mb: memory is bounded.
  cargo +nightly fuzz run "$target" "fuzz/corpus/$target" "fuzz/seeds/$target" -- \
    -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 "${dict[@]}" \
    || status=$?
done
exit "$status"
