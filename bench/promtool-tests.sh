#!/usr/bin/env bash
# Benchmark: how long `promtool test rules` takes on the tests `slogen build`
# writes for N synthetic SLOs (bench/generate.py; default 128).
# Usage: bash bench/promtool-tests.sh [SLOS]
# Prints, per test file, its promtool test groups, then promtool's wall
# time and peak RSS (one run each: a run takes minutes). Every promtool step
# evaluates every rule of the files, so the time grows with the number of
# test groups times the number of rules.
set -euo pipefail
cd "$(dirname "$0")/.."
slos=${1:-128}
[[ "$slos" =~ ^[1-9][0-9]*$ ]] || { echo "promtool-tests.sh: SLOS must be a positive integer: $slos" >&2; exit 2; }
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-target}
command -v promtool >/dev/null || { echo "promtool is required: apt-get install prometheus" >&2; exit 2; }
[ -x /usr/bin/time ] || { echo "GNU time is required: apt-get install time" >&2; exit 2; }
cargo build --release --quiet
slogen="$CARGO_TARGET_DIR/release/slogen"

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
python3 bench/generate.py "$slos" "$work/specs" >/dev/null
"$slogen" build --slo "$work/specs/slogen" --out "$work/out" --quiet
cd "$work/out"
for file in tests/*.yml; do
  groups=$(grep -c '^  - name:' "$file" || true)
  if ! /usr/bin/time -f '%e %M' -o "$work/time" promtool test rules "$file" >"$work/log" 2>&1; then
    echo "promtool test rules $file failed:" >&2
    tail -20 "$work/log" >&2
    exit 1
  fi
  read -r seconds kib <"$work/time"
  printf '%-26s %3s test groups %9.1f s %8.1f MiB\n' "$file" "$groups" "$seconds" "$(echo "$kib / 1024" | bc -l)"
done
