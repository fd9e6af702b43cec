#!/usr/bin/env bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# names.sh: names without mounts under load: dnsmasq as the task's server in a network
# namespace of the run's own; bench/dnsload asks it from outside the task cgroup (direct), then
# from inside it (through sluiced's answerer: forwarded), then asks an alias name (answered by
# sluiced). Prints one JSON line per path: queries per second, p50 and p99 latency; with
# BENCH_OUT (default BENCHMARKS.md beside bench/; "-" writes none), its section there too.
# Usage: bench/names.sh BUILD-DIR [SECONDS [CONC]] (as root; loopback only).
set -euo pipefail
self=$(cd "$(dirname "$0")" && pwd)/$(basename "$0")
root=$(cd "$(dirname "$self")/.." && pwd)
# shellcheck source=bench/lib.sh
. "$root/bench/lib.sh"
bench_need_root
build=$(cd "${1:-build}" && pwd)
seconds=${2:-10}
conc=${3:-16}
[ "${BENCH_QUICK:-0}" = 1 ] && seconds=${2:-3}
out=${BENCH_OUT:-$root/BENCHMARKS.md}
for f in sluiced sluicectl bench/dnsload; do
	[ -x "$build/$f" ] || { echo "bench: $build/$f missing" >&2; exit 1; }
done
command -v dnsmasq >/dev/null || { echo "bench: needs dnsmasq (deploy/install-deps.sh)" >&2; exit 1; }
if [ -z "${SLUICE_BENCH_INNER:-}" ]; then
	exec env SLUICE_BENCH_INNER=1 unshare --net --mount --propagation private "$self" "$@"
fi

server=127.0.0.54
cg2=$(bench_cgroup2)
tmp=$(mktemp -d /tmp/sluice-bench-names.XXXXXX)
cg="$cg2/sluice-bench-names-$$"
bpffs=$tmp/bpf/sluice
daemon=
dns=
holder=

cleanup() {
	set +e
	[ -n "$daemon" ] && stop_pid "$daemon"
	[ -n "$dns" ] && stop_pid "$dns"
	[ -n "$holder" ] && stop_pid "$holder"
	[ -e "$cg/cgroup.kill" ] && echo 1 > "$cg/cgroup.kill" # what the run started there
	[ -d "$bpffs" ] && "$build/sluicectl" -b "$bpffs" teardown >/dev/null 2>&1
	umount -l "$tmp/bpf" 2>/dev/null
	rm_cgroup "$cg"
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

bench_net_init
mkdir -p "$cg" "$tmp/bpf"
mount -t bpf bpf "$tmp/bpf"
dnsmasq --keep-in-foreground --no-resolv --no-hosts --bind-interfaces \
	--listen-address=$server --port=53 --user=root --pid-file --conf-file=/dev/null \
	--host-record=ext.test,10.9.8.7 --log-facility=/dev/null & dns=$!
cat > "$tmp/sluice.json" <<CONF
{"namespace":"bench.local","bpffs":"$bpffs","hostsFile":"$tmp/hosts",
 "stateFile":"$tmp/state.json","statusFile":"$tmp/status.json","metrics":false,
 "cgroups":["$cg"],
 "services":[{"discoveryName":"orders","clientAliases":[{"port":80}]}]}
CONF
"$build/sluiced" --config "$tmp/sluice.json" > "$tmp/sluiced.log" 2>&1 & daemon=$!
# the answerer opens once a task's process is in the cgroup: one waits there for the run
in_cgroup "$cg" sleep $((seconds * 3 + 30)) & holder=$!
for _ in $(seq 100); do grep -q "names: answering DNS" "$tmp/sluiced.log" && break; sleep 0.1; done
grep -q "names: answering DNS" "$tmp/sluiced.log" ||
	{ echo "bench: names: no answerer:" >&2; cat "$tmp/sluiced.log" >&2; exit 1; }
direct=$("$build/bench/dnsload" $server ext.test "$seconds" "$conc")
forwarded=$(in_cgroup "$cg" "$build/bench/dnsload" $server ext.test "$seconds" "$conc")
answered=$(in_cgroup "$cg" "$build/bench/dnsload" $server orders "$seconds" "$conc")
echo "{\"section\":\"names\",\"path\":\"direct\",${direct#\{}"
echo "{\"section\":\"names\",\"path\":\"forwarded\",${forwarded#\{}"
echo "{\"section\":\"names\",\"path\":\"alias\",${answered#\{}"

# one figure of a dnsload line
fig() { sed -E "s/.*\"$2\": ([0-9]+).*/\1/" <<< "$1"; }
ratio=$(awk -v f="$(fig "$forwarded" qps)" -v d="$(fig "$direct" qps)" 'BEGIN { printf "%.2f", f / d }')
if [ "$out" != - ]; then
	cat > "$tmp/section" <<SECTION
<!-- names:begin -->
## Names without mounts: DNS through sluiced's answerer

\`bench/names.sh\` (bench/dnsload.c), $(date -u +%Y-%m-%d), commit $(bench_commit "$root"); $(nproc)
CPUs, kernel $(uname -r). dnsmasq answers its own record; $conc connected UDP sockets with one
query in flight each, for $seconds s, from outside the task cgroup (direct) and from inside it
(through the answerer: the query and the reply each cross sluiced); the alias name is answered
by sluiced alone. The load generator, dnsmasq and sluiced share the machine's CPUs.

| path | queries/s | p50 | p99 |
|---|---|---|---|
| direct to dnsmasq | $(fig "$direct" qps) | $(fig "$direct" p50_us) µs | $(fig "$direct" p99_us) µs |
| forwarded through sluiced | $(fig "$forwarded" qps) | $(fig "$forwarded" p50_us) µs | $(fig "$forwarded" p99_us) µs |
| alias answered by sluiced | $(fig "$answered" qps) | $(fig "$answered" p50_us) µs | $(fig "$answered" p99_us) µs |

Forwarded over direct: ${ratio}x (the goal is 0.9x). Each forwarded query costs sluiced's one
thread a receive, a sock_diag lookup of the client socket's cookie, a map lookup, a send, and
the same back for the reply.
<!-- names:end -->
SECTION
	splice_section names "$tmp/section" "$out"
	echo "written: $out"
fi
