#!/usr/bin/env bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# crosscheck.sh: the churn figure measured twice, by wrk (Debian's) and by bench/load, both
# with HTTP/1.1 "Connection: close" (a new connection per request), direct and through sluice.
#
# Usage: bench/crosscheck.sh BUILD-DIR RESULTS.jsonl (as root; appends JSON lines). A network
# and mount namespace of its own, a child cgroup, a private bpffs; loopback only.
# Environment: BENCH_QUICK=1 (one short run each).
set -euo pipefail

self=$(cd "$(dirname "$0")" && pwd)/$(basename "$0")
root=$(cd "$(dirname "$self")/.." && pwd)
# shellcheck source=bench/lib.sh
. "$root/bench/lib.sh"
bench_need_root
bench_args sluiced sluicectl bench/load bench/bench-server -- "$@"
command -v wrk > /dev/null || { echo "bench: wrk missing (deploy/install-deps.sh --bench)" >&2; exit 1; }
if [ -z "${SLUICE_BENCH_INNER:-}" ]; then
	exec env SLUICE_BENCH_INNER=1 unshare --net --mount --propagation private "$self" "$@"
fi

if [ "${BENCH_QUICK:-0}" = 1 ]; then reps=1 dur=1; else reps=3 dur=2; fi
cg2=$(bench_cgroup2)
tmp=$(mktemp -d /tmp/sluice-bench-xc.XXXXXX)
cg="$cg2/sluice-bench-xc-$$"
pids=()

cleanup() {
	set +e
	local p
	for p in "${pids[@]}"; do stop_pid "$p"; done
	[ -d "$tmp/bpf/sluice" ] && "$build/sluicectl" -b "$tmp/bpf/sluice" teardown >/dev/null 2>&1
	umount -l "$tmp/bpf" 2>/dev/null
	rm_cgroup "$cg/sluice"
	rm_cgroup "$cg/direct"
	rm_cgroup "$cg"
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

bench_net_init
mkdir -p "$cg/sluice" "$cg/direct" "$tmp/bpf" "$tmp/registry"
mount -t bpf bpf "$tmp/bpf"
"$build/bench/bench-server" -t 2 -p 9000 > "$tmp/server.out" 2>&1 & pids+=($!)
wait_line "$tmp/server.out" ready
# One backend, so that wrk (one URL) and load go to the same place on both paths.
cat > "$tmp/registry/web.json" <<'JSON'
{"Instances": [{"InstanceId": "web-1", "ServiceName": "web",
  "Attributes": {"AWS_INSTANCE_IPV4": "127.0.1.1", "AWS_INSTANCE_PORT": "9000"}}]}
JSON
cat > "$tmp/sluice.json" <<JSON
{ "namespace": "bench.local", "registry": { "file": "$tmp/registry" },
  "bpffs": "$tmp/bpf/sluice", "hostsFile": "$tmp/hosts", "stateFile": "$tmp/state.json", "statusFile": "$tmp/status.json",
  "cgroups": [ "$cg/sluice" ], "vipCidr": "127.64.0.0/16",
  "services": [ { "discoveryName": "web", "vip": "127.64.0.1",
                  "clientAliases": [ { "dnsName": "web", "port": 80 } ] } ] }
JSON
"$build/sluiced" --config "$tmp/sluice.json" > "$tmp/sluiced.log" 2>&1 & pids+=($!)
wait_line "$tmp/sluiced.log" "sluiced: ready"

# wrk's "50%   1.23ms" -> microseconds.
wrk_us() {
	awk -v q="$1" '$1 == q {
		v = $2; u = v; sub(/[0-9.]+/, "", u); sub(/[a-z]+$/, "", v)
		m = u == "us" ? 1 : u == "ms" ? 1000 : u == "s" ? 1e6 : 0
		printf "%.1f", v * m; found = 1; exit }
		END { if (!found) print "null" }'
}

for rep in $(seq "$reps"); do
	for p in direct sluice; do
		addr=127.0.1.1:9000
		[ $p = sluice ] && addr=127.64.0.1:80
		w=$(in_cgroup "$cg/$p" wrk -t 2 -c 16 -d "${dur}s" --latency \
			-H "Connection: close" "http://$addr/")
		rate=$(awk '$1 == "Requests/sec:" { print $2 }' <<< "$w")
		[ -n "$rate" ] || { echo "bench: wrk gave no rate:" >&2; echo "$w" >&2; exit 1; }
		echo "{\"section\":\"wrk\",\"tool\":\"wrk\",\"path\":\"$p\",\"rep\":$rep,\"rate\":$rate,\"p50_us\":$(wrk_us 50% <<< "$w"),\"p99_us\":$(wrk_us 99% <<< "$w")}" >> "$results"
		l=$(in_cgroup "$cg/$p" "$build/bench/load" -m crr -H -t 2 -c 16 -d "$dur" -w 0.5 \
			-T "$addr" -l "$p")
		echo "{\"section\":\"wrk\",\"tool\":\"load\",\"path\":\"$p\",\"rep\":$rep,\"rate\":$(sed -n 's/.*"rate":\([0-9.]*\).*/\1/p' <<< "$l"),\"p50_us\":$(sed -n 's/.*"lat_us":{"p50":\([0-9.]*\).*/\1/p' <<< "$l"),\"p99_us\":$(sed -n 's/.*"lat_us":{[^}]*"p99":\([0-9.]*\).*/\1/p' <<< "$l")}" >> "$results"
		printf 'bench: crosscheck %-6s rep %d: wrk %s req/s, load %s conn/s\n' "$p" "$rep" "$rate" \
			"$(sed -n 's/.*"rate":\([0-9.]*\).*/\1/p' <<< "$l")"
	done
done
