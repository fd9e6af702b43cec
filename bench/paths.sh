#!/usr/bin/env bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# paths.sh: the same 8 backends reached directly, through sluice, through the one-lookup
# reference program, through iptables DNAT and through an HAProxy sidecar, per load shape.
#
# Usage: bench/paths.sh BUILD-DIR RESULTS.jsonl (as root; appends one JSON line per run).
# Two network namespaces of its own, loopback only: "plain" (no netfilter rules: direct,
# sluice, reference) and "nf" (NAT rules load conntrack for the whole namespace: its own
# direct baseline, DNAT, sidecar). Paths take turns within each repetition.
# Environment: BENCH_QUICK=1 (1 short run per path and shape), BENCH_SHAPES (a subset of
# "crr rr bulk udp"), BENCH_THREADS (client threads, 2), BENCH_CONNS (16).
set -euo pipefail

self=$(cd "$(dirname "$0")" && pwd)/$(basename "$0")
root=$(cd "$(dirname "$self")/.." && pwd)
# shellcheck source=bench/lib.sh
. "$root/bench/lib.sh"
bench_need_root
bench_args sluiced sluicectl bench/load bench/bench-server bench/ref-loader bench/progstat -- "$@"
ns=${SLUICE_BENCH_NS:-}
if [ -z "$ns" ]; then
	# bpf_enable_stats: run_time_ns / run_cnt of the programs while this runs.
	exec env SLUICE_BENCH_NS=plain unshare --net --mount --propagation private \
		"$build/bench/progstat" enable -- "$self" "$@"
fi

quick=${BENCH_QUICK:-0}
shapes=${BENCH_SHAPES:-"crr rr bulk udp"}
threads=${BENCH_THREADS:-2}
conns=${BENCH_CONNS:-16}
if [ "$quick" = 1 ]; then
	reps_crr=1 reps=1 dur=1 dur_crr=1 warm=0.3
else
	reps_crr=5 reps=3 dur=2 dur_crr=3 warm=0.5
fi
cg2=$(bench_cgroup2)
tmp=$(mktemp -d "/tmp/sluice-bench-$ns.XXXXXX")
cg="$cg2/sluice-bench-$ns-$$"
pids=()

cleanup() {
	set +e
	local p c
	for p in "${pids[@]}"; do stop_pid "$p"; done
	if [ -d "$tmp/bpf/sluice" ]; then
		"$build/sluicectl" -b "$tmp/bpf/sluice" teardown >/dev/null 2>&1
	fi
	umount -l "$tmp/bpf" 2>/dev/null
	for c in "$cg"/*/; do [ -d "$c" ] && rm_cgroup "${c%/}"; done
	rm_cgroup "$cg"
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

bench_net_init
mkdir -p "$cg"
for c in direct sluice ref nat; do mkdir -p "$cg/$c"; done

# Backends: one server on 0.0.0.0 answers for 127.0.1.1-8: echo on 9000 (TCP and UDP),
# sink on 9001. Every path reaches the same 8 addresses.
"$build/bench/bench-server" -t 2 -p 9000 > "$tmp/server.out" 2>&1 & pids+=($!)
wait_line "$tmp/server.out" ready
backends() { local i; for i in 1 2 3 4 5 6 7 8; do printf '127.0.1.%d %d\n' "$i" "$1"; done; }
backends 9000 > "$tmp/direct-echo.txt"
backends 9001 > "$tmp/direct-sink.txt"

# RUN LABEL REP SHAPE CGROUP TARGETS-FILE SECONDS: one load run, one line in results.
run() {
	local label=$1 rep=$2 shape=$3 c=$4 targets=$5 d=$6 out line http=
	# Churn as HTTP/1.1 with "Connection: close": the server closes first, as HTTP servers
	# do, so TIME_WAIT stays off the client's ports (a single VIP would exhaust them).
	if [ "$shape" = crr ]; then http=-H; fi
	out=$(in_cgroup "$cg/$c" "$build/bench/load" -m "$shape" $http -t "$threads" -c "$conns" \
		-d "$d" -w "$warm" -F "$targets" -l "$label")
	line="{\"section\":\"paths\",\"ns\":\"$ns\",\"path\":\"$label\",\"shape\":\"$shape\",\"rep\":$rep,\"load\":$out}"
	echo "$line" >> "$results"
	printf 'bench: paths %-6s %-5s %-8s rep %d: %s\n' "$ns" "$shape" "$label" "$rep" \
		"$(sed -n 's/.*"rate":\([0-9.]*\).*/\1 ops\/s/p' <<< "$out")"
}

# COST LABEL PROG REP: a program's run_time_ns and run_cnt, kept to subtract later.
cost() {
	echo "{\"section\":\"paths_cost\",\"path\":\"$1\",\"services\":1,\"rep\":$3,\"when\":\"$4\",\"prog\":$("$build/bench/progstat" show "$2")}" >> "$results"
}

# Every shape, every path of this namespace, REPS times, the order rotated per repetition.
# PATHS: "label:cgroup:echo-targets:sink-targets" (sink for bulk).
measure() {
	local shape rep n i k entry label c echo sink targets
	local -a paths=("$@")
	for shape in $shapes; do
		n=$reps
		if [ "$shape" = crr ]; then n=$reps_crr; fi
		for rep in $(seq "$n"); do
			for k in $(seq 0 $((${#paths[@]} - 1))); do
				i=$(( (k + rep - 1) % ${#paths[@]} ))
				IFS=: read -r label c echo sink <<< "${paths[$i]}"
				if [ "$shape" = udp ] && [ "$label" != direct ] && [ "$label" != sluice ]; then
					continue
				fi
				targets=$echo
				if [ "$shape" = bulk ]; then targets=$sink; fi
				if [ "$shape" = crr ] && [ -n "${progs[$label]:-}" ]; then
					cost "$label" "${progs[$label]}" "$rep" before
				fi
				run "$label" "$rep" "$shape" "$c" "$targets" \
					"$([ "$shape" = crr ] && echo "$dur_crr" || echo "$dur")"
				if [ "$shape" = crr ] && [ -n "${progs[$label]:-}" ]; then
					cost "$label" "${progs[$label]}" "$rep" after
				fi
			done
		done
	done
}
declare -A progs=()

if [ "$ns" = plain ]; then
	# sluice: services "api" (echo, TCP and UDP) and "sink", 8 backends each.
	mkdir -p "$tmp/bpf" "$tmp/registry"
	mount -t bpf bpf "$tmp/bpf"
	for svc in api sink; do
		port=9000
		[ $svc = sink ] && port=9001
		{
			printf '{"Instances": ['
			for i in 1 2 3 4 5 6 7 8; do
				printf '%s{"InstanceId": "%s-%d", "ServiceName": "%s", "Attributes": {"AWS_INSTANCE_IPV4": "127.0.1.%d", "AWS_INSTANCE_PORT": "%d"}}' \
					"$([ $i = 1 ] || echo ,)" "$svc" "$i" "$svc" "$i" "$port"
			done
			printf ']}\n'
		} > "$tmp/registry/$svc.json"
	done
	cat > "$tmp/sluice.json" <<JSON
{
  "namespace": "bench.local",
  "registry": { "file": "$tmp/registry" },
  "bpffs": "$tmp/bpf/sluice", "hostsFile": "$tmp/hosts", "stateFile": "$tmp/state.json", "statusFile": "$tmp/status.json",
  "cgroups": [ "$cg/sluice" ],
  "vipCidr": "127.64.0.0/16",
  "services": [
    { "discoveryName": "api", "vip": "127.64.0.1", "protocol": "both",
      "clientAliases": [ { "dnsName": "api", "port": 80 } ] },
    { "discoveryName": "sink", "vip": "127.64.0.2",
      "clientAliases": [ { "dnsName": "sink", "port": 81 } ] }
  ]
}
JSON
	"$build/sluiced" --config "$tmp/sluice.json" > "$tmp/sluiced.log" 2>&1 & pids+=($!)
	wait_line "$tmp/sluiced.log" "sluiced: ready"
	echo "127.64.0.1 80" > "$tmp/sluice-echo.txt"
	echo "127.64.0.2 81" > "$tmp/sluice-sink.txt"
	progs[sluice]=$tmp/bpf/sluice/progs/connect4

	# The reference: one hash lookup, one rewrite (to backend 1).
	printf '127.65.0.1 80 127.0.1.1 9000\n127.65.0.2 81 127.0.1.1 9001\n' > "$tmp/ref-map.txt"
	"$build/bench/ref-loader" -g "$cg/ref" -f "$tmp/ref-map.txt" -p "$tmp/bpf/ref_connect4" \
		> "$tmp/ref.out" 2>&1 & pids+=($!)
	wait_line "$tmp/ref.out" ready
	echo "127.65.0.1 80" > "$tmp/ref-echo.txt"
	echo "127.65.0.2 81" > "$tmp/ref-sink.txt"
	progs[ref]=$tmp/bpf/ref_connect4

	measure "direct:direct:$tmp/direct-echo.txt:$tmp/direct-sink.txt" \
		"sluice:sluice:$tmp/sluice-echo.txt:$tmp/sluice-sink.txt" \
		"ref:ref:$tmp/ref-echo.txt:$tmp/ref-sink.txt"
	# The rules' own namespace: a child of this one's processes, network apart.
	stop_pid "${pids[0]}"
	pids=("${pids[@]:1}")
	SLUICE_BENCH_NS=nf unshare --net "$self" "$build" "$results"
	exit 0
fi

# ns = nf: iptables DNAT (kube-proxy's shape: a jump per service, then -m statistic per
# backend) and a sidecar (HAProxy, TCP mode, behind REDIRECT of the VIP range).
printf '127.66.0.1 80 9000\n127.66.0.2 81 9001\n' | awk -v b=8 -f "$root/bench/dnat-rules.awk" |
	iptables-restore
# Churn at tens of thousands of connections a second would fill the conntrack table (262,144
# entries) with TIME_WAIT entries kept 120 s, and new connections would be dropped: a host
# running kube-proxy at this rate needs the same tuning.
sysctl -qw net.netfilter.nf_conntrack_tcp_timeout_time_wait=2
# The sidecar: the VIP range redirected to HAProxy (port 81, bulk, to its second frontend).
iptables -t nat -I OUTPUT 1 -p tcp -d 127.67.0.0/16 -j REDIRECT --to-ports 15001
{
	echo "global"
	echo "  maxconn 8000"
	echo "  nbthread 2"
	echo "defaults"
	echo "  mode tcp"
	echo "  timeout connect 5s"
	echo "  timeout client 60s"
	echo "  timeout server 60s"
	for fe in 15001:9000 15002:9001; do
		echo "listen p${fe%:*}"
		echo "  bind 127.0.0.1:${fe%:*}"
		echo "  balance roundrobin"
		for i in 1 2 3 4 5 6 7 8; do echo "  server b$i 127.0.1.$i:${fe#*:}"; done
	done
} > "$tmp/haproxy.cfg"
iptables -t nat -I OUTPUT 1 -p tcp -d 127.67.0.0/16 --dport 81 -j REDIRECT --to-ports 15002
haproxy -db -f "$tmp/haproxy.cfg" > "$tmp/haproxy.out" 2>&1 & pids+=($!)
for i in $(seq 100); do
	ss -Hltn 'sport = :15002' | grep -q . && break
	kill -0 "${pids[-1]}" 2>/dev/null || { cat "$tmp/haproxy.out" >&2; exit 1; }
	sleep 0.05
done
echo "127.66.0.1 80" > "$tmp/dnat-echo.txt"
echo "127.66.0.2 81" > "$tmp/dnat-sink.txt"
echo "127.67.0.1 80" > "$tmp/sidecar-echo.txt"
echo "127.67.0.2 81" > "$tmp/sidecar-sink.txt"
measure "direct:direct:$tmp/direct-echo.txt:$tmp/direct-sink.txt" \
	"dnat:nat:$tmp/dnat-echo.txt:$tmp/dnat-sink.txt" \
	"sidecar:nat:$tmp/sidecar-echo.txt:$tmp/sidecar-sink.txt"
