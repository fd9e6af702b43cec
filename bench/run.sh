#!/usr/bin/env bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# run.sh: make bench: every benchmark in turn (failover, paths, scale, control plane, the wrk
# cross-check, task classification), then BENCHMARKS.md's sections and plots from their results.
#
# Usage: bench/run.sh BUILD-DIR (as root). Each script sets up and removes its own network
# namespaces, cgroups and bpffs. Environment: BENCH_QUICK=1 (short runs, for CI),
# BENCH_OUT (default BENCHMARKS.md beside bench/; "-" prints the report and writes nothing),
# BENCH_ONLY (a subset of "failover paths scale control crosscheck tasks names").
set -euo pipefail

self=$(cd "$(dirname "$0")" && pwd)/$(basename "$0")
root=$(cd "$(dirname "$self")/.." && pwd)
# shellcheck source=bench/lib.sh
. "$root/bench/lib.sh"
bench_need_root
build=$(cd "${1:-build}" && pwd)
only=${BENCH_ONLY:-"failover paths scale control crosscheck tasks names"}
out=${BENCH_OUT:-$root/BENCHMARKS.md}
quick=${BENCH_QUICK:-0}
results=$build/bench/results.jsonl
plots=$build/bench/plots
mkdir -p "$plots"
rm -f "$results" "$plots"/*

# The tree measured and the machine, read at the start.
commit=$(bench_commit "$root")
t0=$(date +%s)
for s in $only; do
	case $s in
	failover) BENCH_OUT=$out "$root/bench/failover.sh" "$build" ;;
	names) BENCH_OUT=$out "$root/bench/names.sh" "$build" ;;
	paths|scale|control|crosscheck|tasks) "$root/bench/$s.sh" "$build" "$results" ;;
	*) echo "bench: unknown benchmark $s (BENCH_ONLY)" >&2; exit 2 ;;
	esac
done
[ "$only" = failover ] || [ "$only" = names ] && exit 0

esc() { sed 's/\\/\\\\/g; s/"/\\"/g' <<< "$1"; }
printf '{"section":"meta","commit":"%s","kernel":"%s","cpu":"%s","ncpu":%d,"date":"%s","quick":%d,"iptables":"%s","haproxy":"%s","seconds":%d}\n' \
	"$commit" "$(uname -r)" "$(esc "$(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo)")" \
	"$(nproc)" "$(date -u +%Y-%m-%d)" "$quick" "$(esc "$(iptables --version 2>/dev/null || echo none)")" \
	"$(esc "$(haproxy -v 2>/dev/null | head -1 | cut -d' ' -f1-3)")" "$(( $(date +%s) - t0 ))" \
	>> "$results"

# The section's prose is bench/report.md.in's; bench/report fills in the figures and tables.
"$build/bench/report" "$results" "$plots" "$root/bench/report.md.in" > "$build/bench/perf.md"
for g in "$plots"/*.gp; do
	if [ -e "$g" ]; then gnuplot "$g" || echo "bench: gnuplot $g failed" >&2; fi
done
if [ "$out" = - ]; then
	cat "$build/bench/perf.md"
	echo "bench: results in $results, plots in $plots"
	exit 0
fi
# The plots go beside BENCHMARKS.md, where its section links them.
mkdir -p "$(dirname "$out")/bench/plots"
cp "$plots"/*.png "$(dirname "$out")/bench/plots/" 2>/dev/null || true
splice_section perf "$build/bench/perf.md" "$out"
echo "bench: written $out (results in $results)"
