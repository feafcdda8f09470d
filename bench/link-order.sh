#!/usr/bin/env bash
# Writes bench/link-order.txt: the functions of the release binary that
# `slogen build` of 1,000 SLOs and `slogen --version` run, which build.rs
# has the linker lay out first (see its header and BENCHMARKS.md).
#
#   bash bench/link-order.sh
#
# Run it when `bash bench/run.sh` shows slogen's peak memory at 1,000 SLOs
# creeping up: functions added or renamed since the list was written are
# only placed after the listed ones, and a new Rust release renames them
# all. The list names functions as the linker sees them (mangled), so it
# must come from a binary built like the one it orders: a release build of
# this checkout with this toolchain. Needs valgrind (callgrind), installed
# when missing, as bench/run.sh installs GNU time.
set -euo pipefail
export LC_ALL=C

cd "$(dirname "$0")/.."
ROOT=$(pwd)

# shellcheck source=bench/common.sh
. "$ROOT/bench/common.sh"
need valgrind valgrind
build_slogen

WORK=$(mktemp -d "${TMPDIR:-/tmp}/slogen-order.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
python3 "$ROOT/bench/generate.py" 1000 "$WORK/input" >/dev/null

# Every function that runs, under its mangled name.
log "recording the functions a build runs (callgrind)"
(cd "$WORK" && valgrind --tool=callgrind --demangle=no --callgrind-out-file="$WORK/build.out" \
  "$SLOGEN" build -q --slo input/slogen --out out 2>/dev/null)
(cd "$WORK" && valgrind --tool=callgrind --demangle=no --callgrind-out-file="$WORK/version.out" \
  "$SLOGEN" --version >/dev/null 2>&1)
# callgrind names a function on its first `fn=`/`cfn=` line: `fn=(12) name`.
sed -n 's/^c\{0,1\}fn=([0-9]*) //p' "$WORK/build.out" "$WORK/version.out" | sort -u >"$WORK/ran"
# Only the binary's own symbols: libc's and the loader's are not linked here.
nm "$SLOGEN" | awk 'NF == 3 { print $3 }' | sort -u >"$WORK/symbols"
comm -12 "$WORK/ran" "$WORK/symbols" >"$ROOT/bench/link-order.txt"
log "bench/link-order.txt: $(wc -l <"$ROOT/bench/link-order.txt") functions of $(wc -l <"$WORK/symbols") symbols"
