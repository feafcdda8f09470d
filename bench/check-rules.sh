#!/usr/bin/env bash
# Benchmark: `slogen check --rules` against `promtool check rules` on the
# same large rule files (slogen's own output for N synthetic SLOs).
# Usage: bash bench/check-rules.sh [SLOS]   (default 2000)
# Prints the median wall time of 5 runs of each and the ratio.
set -euo pipefail
cd "$(dirname "$0")/.."
slos=${1:-2000}
runs=5
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-target}
cargo build --release --quiet
slogen="$CARGO_TARGET_DIR/release/slogen"
command -v promtool >/dev/null || { echo "promtool is required: apt-get install prometheus" >&2; exit 2; }

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/slo"
python3 - "$work/slo" "$slos" <<'PY'
import sys
out, count = sys.argv[1], int(sys.argv[2])
per_file = 100
for file_index in range((count + per_file - 1) // per_file):
    service = f"svc-{file_index:04d}"
    lines = [f'[service]\nname = "{service}"\nteam = "team-{file_index % 10:02d}"\n']
    for index in range(file_index * per_file, min(count, (file_index + 1) * per_file)):
        if index % 2 == 0:
            lines.append(f'''[[slo]]
name = "availability-{index:05d}"
objective = 99.9
[slo.sli.ratio]
errors = 'sum(rate(http_requests_total{{job="{service}",handler="/h{index}",code=~"5.."}}[{{{{window}}}}]))'
total = 'sum(rate(http_requests_total{{job="{service}",handler="/h{index}"}}[{{{{window}}}}]))'
''')
        else:
            lines.append(f'''[[slo]]
name = "latency-{index:05d}"
objective = 99.0
[slo.sli.latency]
histogram = "http_request_duration_seconds"
threshold = "250ms"
selector = '{{job="{service}",handler="/h{index}"}}'
''')
    with open(f"{out}/{service}.toml", "w") as handle:
        handle.write("\n".join(lines))
PY
"$slogen" build --slo "$work/slo" --out "$work/out" --quiet
files=("$work"/out/prometheus/*.yml)
rules=$(grep -c -E '^      - (record|alert):' "${files[@]}" | awk -F: '{s+=$2} END {print s}')
bytes=$(cat "${files[@]}" | wc -c)

median() {
  local label=$1; shift
  local times=()
  for _ in $(seq "$runs"); do
    local start end
    start=$(date +%s.%N)
    "$@" >/dev/null 2>&1 || { echo "$label failed: $*" >&2; "$@" 2>&1 | tail -5 >&2; exit 1; }
    end=$(date +%s.%N)
    times+=("$(echo "$end - $start" | bc -l)")
  done
  printf '%s\n' "${times[@]}" | sort -n | sed -n "$(( (runs + 1) / 2 ))p"
}

ours=$(median slogen "$slogen" check --rules "${files[@]}" --slo "$work/none")
theirs=$(median promtool promtool check rules --lint=duplicate-rules "${files[@]}")
printf 'input: %s SLOs -> %s rules, %s bytes in 2 files\n' "$slos" "$rules" "$bytes"
printf '%-44s %8.3f s\n' "slogen check --rules (median of $runs)" "$ours"
printf '%-44s %8.3f s\n' "promtool check rules (median of $runs)" "$theirs"
printf '%-44s %8.1fx\n' "promtool / slogen" "$(echo "$theirs / $ours" | bc -l)"
