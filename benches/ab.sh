#!/usr/bin/env bash
# Compares two builds of conform as runners, alternately, on the same mocks: step 1 of
# benches/throughput.sh with BASE set (the current tree's release build against OTHER).
#
#   bash benches/ab.sh /path/to/other/conform     # a binary
#   bash benches/ab.sh main~3                     # a git revision: built in target/ab/
#
# A revision is exported with `git archive` (no worktree, no checkout) into target/ab/src-REV
# and built there with `cargo build --release --locked --bin conform` and its own target
# directory, target/ab/target (first a copy of target/release, so the dependencies are not
# compiled again; kept, so the next build is incremental). The rest of the
# environment passes through to throughput.sh (ROUNDS, DURATION, CASES, CONCURRENCY, INSTALL;
# STEPS defaults to 1 here).
set -euo pipefail
if [ $# -ne 1 ]; then
  echo "usage: bash benches/ab.sh OTHER-CONFORM-BINARY | GIT-REVISION" >&2
  exit 2
fi
other=$1
base=""
if [ -f "$other" ] && [ -x "$other" ]; then base=$(realpath "$other"); fi
cd "$(dirname "$0")/.."
ROOT=$PWD

if [ -z "$base" ]; then
  rev=$(git rev-parse --verify --quiet "$other^{commit}") || {
    echo "'$other' is neither an executable file nor a git revision" >&2
    exit 2
  }
  src=$ROOT/target/ab/src-${rev:0:12}
  if [ ! -f "$src/Cargo.toml" ]; then
    mkdir -p "$src"
    git archive "$rev" | tar -x -C "$src"
  fi
  # The first time, start from a copy of this tree's release artefacts: the dependencies are
  # then reused and only the workspace crates are compiled.
  if [ ! -d "$ROOT/target/ab/target/release" ] && [ -d "$ROOT/target/release/deps" ]; then
    mkdir -p "$ROOT/target/ab/target"
    cp -a "$ROOT/target/release" "$ROOT/target/ab/target/release"
  fi
  echo "building $other (${rev:0:12}) in $src ..."
  (cd "$src" && CARGO_TARGET_DIR=$ROOT/target/ab/target cargo build --release --locked --quiet --bin conform)
  # One binary per revision, so a later build of another revision does not replace it.
  base=$ROOT/target/ab/conform-${rev:0:12}
  cp "$ROOT/target/ab/target/release/conform" "$base"
fi
BASE=$base STEPS=${STEPS:-1} exec bash "$ROOT/benches/throughput.sh"
