#!/usr/bin/env bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# control.sh: the control plane's figures: 10,000 services x 10 backends loaded from a registry
# file, registry changes seen by the next connect, sluiced's memory and the maps' memory.
#
# Usage: bench/control.sh BUILD-DIR RESULTS.jsonl (as root; appends JSON lines). A network and
# mount namespace of its own, a child cgroup, a private bpffs.
# Environment: BENCH_QUICK=1 (1,000 services, 2 changes), BENCH_CP_SERVICES, BENCH_CP_BACKENDS.
set -euo pipefail

self=$(cd "$(dirname "$0")" && pwd)/$(basename "$0")
root=$(cd "$(dirname "$self")/.." && pwd)
# shellcheck source=bench/lib.sh
. "$root/bench/lib.sh"
bench_need_root
bench_args sluiced sluicectl bench/cplane bench/bench-server -- "$@"
if [ -z "${SLUICE_BENCH_INNER:-}" ]; then
	exec env SLUICE_BENCH_INNER=1 unshare --net --mount --propagation private "$self" "$@"
fi

quick=${BENCH_QUICK:-0}
nsvc=${BENCH_CP_SERVICES:-10000}
nbk=${BENCH_CP_BACKENDS:-10}
changes=5
if [ "$quick" = 1 ]; then
	nsvc=${BENCH_CP_SERVICES:-1000} changes=2
fi
cg2=$(bench_cgroup2)
tmp=$(mktemp -d /tmp/sluice-bench-cp.XXXXXX)
cg="$cg2/sluice-bench-cp-$$"
pids=()
daemon=

cleanup() {
	set +e
	local p
	for p in "${pids[@]}"; do stop_pid "$p"; done
	[ -n "$daemon" ] && stop_pid "$daemon"
	[ -d "$tmp/bpf/sluice" ] && "$build/sluicectl" -b "$tmp/bpf/sluice" teardown >/dev/null 2>&1
	umount -l "$tmp/bpf" 2>/dev/null
	rm_cgroup "$cg"
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

bench_net_init
mkdir -p "$cg" "$tmp/bpf" "$tmp/pending"
mount -t bpf bpf "$tmp/bpf"
"$build/bench/bench-server" -t 1 -p 9000 > "$tmp/server.out" 2>&1 & pids+=($!)
wait_line "$tmp/server.out" ready

emit() { echo "{\"section\":\"control\",$1}" >> "$results"; }
vip_of() { sed -n "$(($1 + 1))p" "$tmp/gen/services.txt" | cut -d' ' -f1; }
rss_kb() { awk -v k="$2:" '$1 == k { print $2 }' "/proc/$1/status"; }

# N services x B backends; the last service's instances in a file of their own.
"$root/bench/gen-services.sh" "$nsvc" "$nbk" "$tmp/gen" "$cg" "$tmp/bpf/sluice" 9000 1
reg=$tmp/gen/registry
last_vip=$(vip_of $((nsvc - 1)))
big_vip=$(vip_of $((nsvc - 2))) # the last service of the big file
bytes=$(cat "$reg"/*.json | wc -c)

# 1. The registry file lands while sluiced runs with the config (every service without
#    backends: connects are refused): the time is from its rename into the registry
#    directory until a connect to its last service (in the last batch of tables) gets through.
[ "$(ls "$reg")" = "last.json
s0.json" ] || { echo "bench: control: expected last.json and s0.json in $reg" >&2; exit 1; }
mv "$reg"/*.json "$tmp/pending/"
"$build/sluiced" --config "$tmp/gen/sluice.json" > "$tmp/sluiced.log" 2>&1 & daemon=$!
wait_line "$tmp/sluiced.log" "sluiced: ready"
rss_idle=$(rss_kb "$daemon" VmRSS)
mv "$tmp/pending/last.json" "$reg/"
in_cgroup "$cg" "$build/bench/cplane" wait ok "$last_vip" 80 10 > /dev/null
out=$(in_cgroup "$cg" "$build/bench/cplane" wait ok "$big_vip" 80 30 "$tmp/pending/s0.json" "$reg/s0.json")
ms=$(sed -n 's/.*"ms":\([0-9.]*\).*/\1/p' <<< "$out")
reconcile=$(grep 'maps updated' "$tmp/sluiced.log" | tail -1 | sed -n 's/.*reconciled in \([0-9.]*\) ms.*/\1/p')
echo "bench: control: ${nsvc} x ${nbk} loaded: first connect ${ms} ms after the file landed (reconcile ${reconcile} ms)"
emit "\"what\":\"load\",\"services\":$nsvc,\"backends\":$((nsvc * nbk)),\"file_bytes\":$bytes,\"ms\":$ms,\"reconcile_ms\":${reconcile:-null}"

# 2. Memory: sluiced's resident set (idle with the config only, then loaded) and the maps'.
rss_loaded=$(rss_kb "$daemon" VmRSS)
hwm=$(rss_kb "$daemon" VmHWM)
mem=$("$build/bench/cplane" mapmem "$tmp/bpf/sluice")
emit "\"what\":\"memory\",\"services\":$nsvc,\"backends\":$((nsvc * nbk)),\"rss_idle_kb\":$rss_idle,\"rss_kb\":$rss_loaded,\"hwm_kb\":$hwm,\"maps\":$mem"
echo "bench: control: sluiced RSS ${rss_idle} kB with the config only, ${rss_loaded} kB loaded (peak ${hwm} kB)"

# 3. Changes with everything loaded: the last service's small file loses its instances (the
#    next connect is refused) and gets them back (the next connect gets through).
# After the load sluiced still writes the hosts file and state of 10,000 aliases: let it settle.
sleep 1
cp "$reg/last.json" "$tmp/last.full"
echo '{"Instances": []}' > "$tmp/last.empty"
for n in $(seq "$changes"); do
	for what in remove add; do
		if [ $what = remove ]; then
			cp "$tmp/last.empty" "$tmp/pending/last.json"; want=refused
		else
			cp "$tmp/last.full" "$tmp/pending/last.json"; want=ok
		fi
		sleep 0.2 # apart from the previous change, which sluiced has handled
		out=$(in_cgroup "$cg" "$build/bench/cplane" wait $want "$last_vip" 80 10 \
			"$tmp/pending/last.json" "$reg/last.json")
		ms=$(sed -n 's/.*"ms":\([0-9.]*\).*/\1/p' <<< "$out")
		emit "\"what\":\"change\",\"change\":\"$what\",\"services\":$nsvc,\"rep\":$n,\"ms\":$ms"
		echo "bench: control: change $n ($what): the next connect saw it after $ms ms"
	done
done
sleep 0.2
grep 'reconciled in' "$tmp/sluiced.log" | tail -n $((2 * changes)) |
	sed -n 's/.*reconciled in \([0-9.]*\) ms.*/\1/p' | while read -r r; do
		emit "\"what\":\"reconcile\",\"services\":$nsvc,\"ms\":$r"
	done
