#!/usr/bin/env bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# scale.sh: connect cost and latency with 1 to 100,000 services of 8 backends each, through
# sluice, the one-lookup reference and iptables DNAT with as many services (rules).
#
# Usage: bench/scale.sh BUILD-DIR RESULTS.jsonl (as root; appends JSON lines). sluice and the
# reference run in one network namespace, DNAT in a fresh one per size; loopback only.
# Clients connect (churn: connect, an HTTP GET with "Connection: close", its answer, close) to
# services drawn at random.
# Environment: BENCH_QUICK=1 (sizes 1 and 1000, one short run), BENCH_SIZES (e.g. "1 1000").
set -euo pipefail

self=$(cd "$(dirname "$0")" && pwd)/$(basename "$0")
root=$(cd "$(dirname "$self")/.." && pwd)
# shellcheck source=bench/lib.sh
. "$root/bench/lib.sh"
bench_need_root
bench_args sluiced sluicectl bench/load bench/bench-server bench/ref-loader bench/progstat -- "$@"
ns=${SLUICE_BENCH_NS:-}
if [ -z "$ns" ]; then
	exec env SLUICE_BENCH_NS=plain unshare --net --mount --propagation private \
		"$build/bench/progstat" enable -- "$self" "$@"
fi

quick=${BENCH_QUICK:-0}
if [ "$quick" = 1 ]; then
	sizes=${BENCH_SIZES:-"1 1000"} reps=1 dur=1 warm=0.3
else
	sizes=${BENCH_SIZES:-"1 1000 10000 100000"} reps=3 dur=2 warm=0.5
fi
nft_bound=120 # seconds iptables-restore may take for one size
cg2=$(bench_cgroup2)
tmp=$(mktemp -d "/tmp/sluice-bench-scale-$ns.XXXXXX")
cg="$cg2/sluice-bench-scale-$ns-$$"
pids=()
daemon=
ref=

cleanup() {
	set +e
	local p c
	[ -n "$ref" ] && stop_pid "$ref"
	[ -n "$daemon" ] && stop_pid "$daemon"
	for p in "${pids[@]}"; do stop_pid "$p"; done
	[ -d "$tmp/bpf/sluice" ] && "$build/sluicectl" -b "$tmp/bpf/sluice" teardown >/dev/null 2>&1
	umount -l "$tmp/bpf" 2>/dev/null
	for c in "$cg"/*/; do [ -d "$c" ] && rm_cgroup "${c%/}"; done
	rm_cgroup "$cg"
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

bench_net_init
mkdir -p "$cg/direct" "$cg/sluice" "$cg/ref" "$cg/nat"
"$build/bench/bench-server" -t 2 -p 9000 > "$tmp/server.out" 2>&1 & pids+=($!)
wait_line "$tmp/server.out" ready

emit() { echo "{\"section\":\"$1\",$2}" >> "$results"; }
now() { date +%s.%N; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.3f", b - a }'; }

# PATH N REP CGROUP TARGETS: one churn run over random targets.
run() {
	local out
	out=$(in_cgroup "$cg/$4" "$build/bench/load" -m crr -H -t 2 -c 16 -d "$dur" -w "$warm" \
		-r -F "$5" -l "$1")
	emit scale "\"path\":\"$1\",\"services\":$2,\"rep\":$3,\"load\":$out"
	printf 'bench: scale %-7s %6d services rep %d: %s\n' "$1" "$2" "$3" \
		"$(sed -n 's/.*"rate":\([0-9.]*\).*"connect_us":{"p50":\([0-9.]*\).*/\1 conn\/s, connect p50 \2 us/p' <<< "$out")"
}

# PATH N REP PROG WHEN: the program's counters, to subtract after the run.
cost() {
	emit cost "\"path\":\"$1\",\"services\":$2,\"rep\":$3,\"when\":\"$5\",\"prog\":$("$build/bench/progstat" show "$4")"
}

if [ "$ns" = nf ]; then
	# One size, in a namespace of its own: the rules, then the churn.
	n=$SLUICE_BENCH_N
	awk -v b=8 -f "$root/bench/dnat-rules.awk" "$SLUICE_BENCH_SERVICES" > "$tmp/rules"
	t=$(now)
	if ! timeout "$nft_bound" iptables-restore < "$tmp/rules"; then
		emit scale_setup "\"path\":\"dnat\",\"services\":$n,\"seconds\":null,\"note\":\"iptables-restore did not finish within ${nft_bound} s\""
		exit 0
	fi
	emit scale_setup "\"path\":\"dnat\",\"services\":$n,\"seconds\":$(since "$t"),\"rules\":$(($(wc -l < "$tmp/rules") - 3))"
	sysctl -qw net.netfilter.nf_conntrack_tcp_timeout_time_wait=2 # as in paths.sh
	for rep in $(seq "$reps"); do run dnat "$n" "$rep" nat "$SLUICE_BENCH_SERVICES"; done
	exit 0
fi

mkdir -p "$tmp/bpf"
mount -t bpf bpf "$tmp/bpf"
for i in 1 2 3 4 5 6 7 8; do echo "127.0.1.$i 9000"; done > "$tmp/direct.txt"
for n in $sizes; do
	gen=$tmp/gen-$n
	"$root/bench/gen-services.sh" "$n" 8 "$gen" "$cg/sluice" "$tmp/bpf/sluice" 9000
	t=$(now)
	"$build/sluiced" --config "$gen/sluice.json" > "$gen/sluiced.log" 2>&1 & daemon=$!
	for i in $(seq 1200); do
		grep -q 'sluiced: ready' "$gen/sluiced.log" && break
		kill -0 "$daemon" 2>/dev/null || break
		sleep 0.05
	done
	grep -q 'sluiced: ready' "$gen/sluiced.log" || { cat "$gen/sluiced.log" >&2; exit 1; }
	emit scale_setup "\"path\":\"sluice\",\"services\":$n,\"seconds\":$(since "$t")"
	awk '{ print $1, $2, "127.0.1.1", 9000 }' "$gen/services.txt" > "$gen/ref-map.txt"
	t=$(now)
	"$build/bench/ref-loader" -g "$cg/ref" -f "$gen/ref-map.txt" -p "$tmp/bpf/ref_connect4" \
		> "$gen/ref.out" 2>&1 & ref=$!
	wait_line "$gen/ref.out" ready
	emit scale_setup "\"path\":\"ref\",\"services\":$n,\"seconds\":$(since "$t")"
	for rep in $(seq "$reps"); do
		for p in sluice ref direct; do
			case $p in
			sluice) prog=$tmp/bpf/sluice/progs/connect4 targets=$gen/services.txt ;;
			ref) prog=$tmp/bpf/ref_connect4 targets=$gen/services.txt ;;
			direct) prog= targets=$tmp/direct.txt ;;
			esac
			if [ -n "$prog" ]; then cost "$p" "$n" "$rep" "$prog" before; fi
			run "$p" "$n" "$rep" "$p" "$targets"
			if [ -n "$prog" ]; then cost "$p" "$n" "$rep" "$prog" after; fi
		done
	done
	stop_pid "$ref"
	ref=
	stop_pid "$daemon"
	daemon=
	"$build/sluicectl" -b "$tmp/bpf/sluice" teardown > /dev/null
	# DNAT with as many services, in a fresh namespace (its server started there).
	SLUICE_BENCH_NS=nf SLUICE_BENCH_N=$n SLUICE_BENCH_SERVICES=$gen/services.txt \
		unshare --net "$self" "$build" "$results"
	rm -rf "$gen"
done
