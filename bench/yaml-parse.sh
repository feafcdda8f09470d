#!/usr/bin/env bash
# How fast Rust YAML parsers read slogen's output back: builds N synthetic
# SLOs (default 1000) with slogen, then times four parsers' events over its
# rule and test files (bench/yaml-parse, median of 5 reads each).
# Usage: bash bench/yaml-parse.sh [SLOS]
set -euo pipefail
cd "$(dirname "$0")/.."
slos=${1:-1000}
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-target}
case "$CARGO_TARGET_DIR" in
  /*) bin="$CARGO_TARGET_DIR/release" ;;
  *) bin="$(pwd)/$CARGO_TARGET_DIR/release" ;;
esac
cargo build --release --quiet
cargo build --release --quiet --manifest-path bench/yaml-parse/Cargo.toml
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
python3 bench/generate.py "$slos" "$work/in" >/dev/null
(cd "$work" && "$bin/slogen" build --slo in/slogen --out out >/dev/null)
cd "$work/out"
"$bin/yaml-parse" prometheus/*.yml tests/*.yml
