#!/usr/bin/env bash
# Benchmark: slogen vs slokit on N synthetic SLOs (default 1000 and 10000).
#
#   bash bench/run.sh [sizes...]
#
# For each size, bench/generate.py writes the same SLOs as slogen TOML and as
# Sloth prometheus/v1 YAML (100 SLOs per service file). Each tool compiles
# them once unmeasured (its exit status is checked; this run also warms the
# page cache), then 3 times under /usr/bin/time -v, each time into a new
# output path; the tables show the median of the 3 timed runs. Outputs are
# removed after the last run of a size, not before each run: deleting
# 10,000 files just before a run slows the file creations of that run (ext4
# skips recently freed inodes), which would measure the deletion.
#   slogen: `slogen build --slo DIR --out DIR` (every spec and every query is
#           validated, each query parsed as PromQL; it writes rules, routing
#           and a runbook per SLO; the promtool tests are `slogen test`'s).
#   slokit: one `slokit generate -i DIR -o FILE` over the directory of YAML
#           specs (it validates every spec before generating).
# Both run with the temp dir as working directory, so slogen uses its built-in
# templates and no settings file. Exits non-zero if a tool fails at any size;
# the tables are still printed, with the failed tool's unmeasured run.
# Results and their reading: BENCHMARKS.md.
set -euo pipefail

cd "$(dirname "$0")/.."
ROOT=$(pwd)
RUNS=3
if [ "$#" -gt 0 ]; then SIZES=("$@"); else SIZES=(1000 10000); fi
for size in "${SIZES[@]}"; do
  [[ "$size" =~ ^[1-9][0-9]*$ ]] || { echo "run.sh: size must be a positive integer: $size" >&2; exit 2; }
done

# shellcheck source=bench/common.sh
. "$ROOT/bench/common.sh"

# GNU time, for -v (the shell keyword `time` reports no peak RSS).
need /usr/bin/time time

# slogen, release build of this checkout.
build_slogen

# slokit (cargo install), only when it is not installed yet.
export PATH="$PATH:${CARGO_HOME:-$HOME/.cargo}/bin"
if ! command -v slokit >/dev/null; then
  log "installing slokit"
  cargo install slokit --locked || cargo install slokit
fi
SLOKIT=$(command -v slokit)

WORK=$(mktemp -d "${TMPDIR:-/tmp}/slogen-bench.XXXXXX")
trap 'rm -rf "$WORK"' EXIT

# measure NAME OUT_PATH COMMAND...: one run under /usr/bin/time -v in $WORK,
# with each argument @OUT@ of COMMAND replaced by OUT_PATH, which must not
# exist yet. Prints "rc wall_s cpu_s rss_kib"; the tool's own output goes to
# $WORK/NAME.log, time's report to $WORK/NAME.time.
measure() {
  local name=$1 out=$2
  shift 2
  local args=() arg
  for arg in "$@"; do
    if [ "$arg" = "@OUT@" ]; then args+=("$out"); else args+=("$arg"); fi
  done
  local rc=0
  (cd "$WORK" && /usr/bin/time -v -o "$WORK/$name.time" "${args[@]}" >"$WORK/$name.log" 2>&1) || rc=$?
  # "Elapsed (wall clock) time (h:mm:ss or m:ss): 0:02.14" -> seconds;
  # CPU = user + system; "Maximum resident set size (kbytes)".
  awk -F': ' -v rc="$rc" '
    /Elapsed \(wall clock\) time/ {
      n = split($NF, p, ":"); wall = 0
      for (i = 1; i <= n; i++) wall = wall * 60 + p[i] }
    /User time \(seconds\)/ { cpu += $NF }
    /System time \(seconds\)/ { cpu += $NF }
    /Maximum resident set size/ { rss = $NF }
    END { printf "%d %.3f %.3f %d\n", rc, wall, cpu, rss }' "$WORK/$name.time"
}

median() { printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }

# bench TOOL SIZE OUT COMMAND...: the checked unmeasured run, then $RUNS
# timed runs, each writing to its own path OUT.N (@OUT@ in COMMAND). Sets
# RESULT="status wall_s cpu_s rss_kib" (medians when ok).
bench() {
  local tool=$1 size=$2 out=$3
  shift 3
  local rc wall cpu rss
  read -r rc wall cpu rss < <(measure "$tool-$size-check" "$out.0" "$@")
  if [ "$rc" -ne 0 ]; then
    log "$tool FAILED on $size SLOs (exit $rc after ${wall}s, peak RSS $((rss / 1024)) MiB); its first lines:"
    head -n 12 "$WORK/$tool-$size-check.log" >&2
    RESULT="FAIL $wall $cpu $rss"
    return 1
  fi
  local walls=() cpus=() rsss=()
  for ((i = 1; i <= RUNS; i++)); do
    read -r rc wall cpu rss < <(measure "$tool-$size-$i" "$out.$i" "$@")
    if [ "$rc" -ne 0 ]; then
      log "$tool FAILED on $size SLOs in timed run $i (exit $rc)"
      RESULT="FAIL $wall $cpu $rss"
      return 1
    fi
    walls+=("$wall")
    cpus+=("$cpu")
    rsss+=("$rss")
  done
  RESULT="ok $(median "${walls[@]}") $(median "${cpus[@]}") $(median "${rsss[@]}")"
}

failed=0
ROWS=()
for size in "${SIZES[@]}"; do
  dir="$WORK/input-$size"
  log "generating $size SLOs"
  python3 "$ROOT/bench/generate.py" "$size" "$dir"

  log "slogen, $size SLOs"
  bench slogen "$size" "$WORK/out-slogen-$size" \
    "$SLOGEN" build --slo "$dir/slogen" --out @OUT@ || failed=1
  g=$RESULT

  log "slokit, $size SLOs"
  bench slokit "$size" "$WORK/out-slokit-$size.yaml" \
    "$SLOKIT" generate -i "$dir/slokit" -o @OUT@ || failed=1
  k=$RESULT

  ROWS+=("$size $g $k")
  rm -rf "$dir" "$WORK"/out-slogen-"$size".* "$WORK"/out-slokit-"$size".yaml.*
done

REV=$(git -C "$ROOT" describe --always --dirty 2>/dev/null || echo unknown)
echo
echo "slogen $("$SLOGEN" --version | awk '{ print $2 }') ($REV) vs slokit $("$SLOKIT" --version | awk '{ print $2 }')," \
  "$(nproc) cores, load average at end: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "median of $RUNS runs after one checked, unmeasured run; ratio = slogen / slokit (below 1: slogen is faster / smaller)"
echo "FAIL: the tool exited non-zero; its figures are those of the failed run, and no ratio is given"
echo
# table TITLE FIELD: FIELD 1 = wall s, 2 = CPU s, 3 = peak RSS (MiB).
table() {
  local title=$1 field=$2
  printf '| %6s | %18s | %18s | %6s |\n' SLOs "slogen $title" "slokit $title" ratio
  printf '|%s|%s|%s|%s|\n' "-------:" "-------------------:" "-------------------:" "-------:"
  for row in "${ROWS[@]}"; do
    awk -v f="$field" -v row="$row" 'BEGIN {
      split(row, r, " ")
      n = r[1]; gs = r[2]; ks = r[6]
      g = (f == 1) ? r[3] : (f == 2) ? r[4] : r[5] / 1024
      k = (f == 1) ? r[7] : (f == 2) ? r[8] : r[9] / 1024
      fmt = (f == 3) ? "%.1f" : "%.2f"
      gt = sprintf(fmt, g); if (gs != "ok") gt = "FAIL " gt
      kt = sprintf(fmt, k); if (ks != "ok") kt = "FAIL " kt
      ratio = (gs == "ok" && ks == "ok" && k > 0) ? sprintf("%.2f", g / k) : "n/a"
      printf "| %6d | %18s | %18s | %6s |\n", n, gt, kt, ratio
    }'
  done
  echo
}
table "wall s" 1
table "RSS MiB" 3
table "CPU s" 2

if [ "$failed" -ne 0 ]; then
  echo "run.sh: a tool failed (see FAIL above and the log on stderr)" >&2
  exit 1
fi
