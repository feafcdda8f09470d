#!/usr/bin/env python3
"""Generate N synthetic SLOs twice: as slogen TOML and as Sloth prometheus/v1 YAML.

Usage: generate.py COUNT OUTDIR [--per-file 100] [--latency-every 4]

Writes OUTDIR/slogen/svc-NNNN.toml and OUTDIR/slokit/svc-NNNN.yaml, one file
per service, PER_FILE SLOs per service (the last file takes the remainder).
Every LATENCY_EVERY-th SLO uses a latency SLI, the others a ratio SLI. Both
formats carry the same queries, so both tools compile the same SLOs.
Standard library only.
"""

import argparse
import os
import sys


def ratio_queries(svc):
    errors = f'sum(rate(http_requests_total{{job="{svc}",code=~"5.."}}[{{{{window}}}}]))'
    total = f'sum(rate(http_requests_total{{job="{svc}"}}[{{{{window}}}}]))'
    return errors, total


def slogen_slo(svc, idx, latency):
    if latency:
        return (
            "[[slo]]\n"
            f'name = "latency-{idx:05d}"\n'
            "objective = 99.0\n"
            "\n"
            "[slo.sli.latency]\n"
            'histogram = "http_request_duration_seconds"\n'
            'threshold = "250ms"\n'
            f"selector = '{{job=\"{svc}\"}}'\n"
        )
    errors, total = ratio_queries(svc)
    return (
        "[[slo]]\n"
        f'name = "availability-{idx:05d}"\n'
        "objective = 99.9\n"
        "\n"
        "[slo.sli.ratio]\n"
        f"errors = '{errors}'\n"
        f"total = '{total}'\n"
    )


def sloth_slo(svc, idx, latency):
    # Sloth/slokit use the Go-template token {{.window}}.
    if latency:
        name = f"latency-{idx:05d}"
        objective = "99.0"
        count = f'sum(rate(http_request_duration_seconds_count{{job="{svc}"}}[{{{{.window}}}}]))'
        good = (
            f'sum(rate(http_request_duration_seconds_bucket{{job="{svc}",le="0.25"}}'
            f"[{{{{.window}}}}]))"
        )
        errors, total = f"{count} - {good}", count
    else:
        name = f"availability-{idx:05d}"
        objective = "99.9"
        errors, total = (q.replace("{{window}}", "{{.window}}") for q in ratio_queries(svc))
    return (
        f"  - name: {name}\n"
        f"    objective: {objective}\n"
        "    sli:\n"
        "      events:\n"
        f"        error_query: '{errors}'\n"
        f"        total_query: '{total}'\n"
        "    alerting:\n"
        f"      name: {name}\n"
        "      page_alert:\n"
        "        labels:\n"
        "          severity: page\n"
        "      ticket_alert:\n"
        "        labels:\n"
        "          severity: ticket\n"
    )


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("count", type=int, help="total number of SLOs")
    ap.add_argument("outdir", help="output directory (slogen/ and slokit/ are created in it)")
    ap.add_argument("--per-file", type=int, default=100, help="SLOs per service file")
    ap.add_argument("--latency-every", type=int, default=4, help="every Nth SLO is a latency SLO")
    args = ap.parse_args()
    if args.count < 1 or args.per_file < 1 or args.latency_every < 1:
        sys.exit("generate.py: count, --per-file and --latency-every must be >= 1")

    slogen_dir = os.path.join(args.outdir, "slogen")
    slokit_dir = os.path.join(args.outdir, "slokit")
    os.makedirs(slogen_dir, exist_ok=True)
    os.makedirs(slokit_dir, exist_ok=True)

    files = 0
    idx = 0
    while idx < args.count:
        files += 1
        svc = f"svc-{files:04d}"
        team = f"team-{files % 10:02d}"
        n = min(args.per_file, args.count - idx)
        toml = [f'[service]\nname = "{svc}"\nteam = "{team}"\n']
        yaml = [f'version: "prometheus/v1"\nservice: {svc}\nlabels:\n  team: {team}\nslos:\n']
        for _ in range(n):
            idx += 1
            latency = idx % args.latency_every == 0
            toml.append(slogen_slo(svc, idx, latency))
            yaml.append(sloth_slo(svc, idx, latency))
        with open(os.path.join(slogen_dir, f"{svc}.toml"), "w", encoding="utf-8") as f:
            f.write("\n".join(toml))
        with open(os.path.join(slokit_dir, f"{svc}.yaml"), "w", encoding="utf-8") as f:
            f.write("".join(yaml))

    print(f"generated {args.count} SLOs in {files} service files under {args.outdir}",
          file=sys.stderr)


if __name__ == "__main__":
    main()
