#!/usr/bin/env bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# tasks.sh: task classification: the time from a task cgroup's mkdir, under a directory an
# attach rule watches, to its entry in the tasks map and to the first routed connect of a
# process connecting from its first moment in it; quiet, then with other cgroups churning.
#
# Usage: bench/tasks.sh BUILD-DIR RESULTS.jsonl (as root; appends JSON lines). A network and
# mount namespace of its own, a child cgroup (the watched directory), a private bpffs.
# Environment: BENCH_QUICK=1 (30 tasks per run, not 200), BENCH_TASKS (the count),
# BENCH_TASKS_CHURN (cgroups made, and as many removed, a second beside them; default 100).
set -euo pipefail

self=$(cd "$(dirname "$0")" && pwd)/$(basename "$0")
root=$(cd "$(dirname "$self")/.." && pwd)
# shellcheck source=bench/lib.sh
. "$root/bench/lib.sh"
bench_need_root
bench_args sluiced sluicectl bench/taskclass bench/bench-server -- "$@"
if [ -z "${SLUICE_BENCH_INNER:-}" ]; then
	exec env SLUICE_BENCH_INNER=1 unshare --net --mount --propagation private "$self" "$@"
fi

quick=${BENCH_QUICK:-0}
ntasks=${BENCH_TASKS:-200}
[ "$quick" = 1 ] && ntasks=${BENCH_TASKS:-30}
churn_rate=${BENCH_TASKS_CHURN:-100}
vip=127.255.0.10
cg2=$(bench_cgroup2)
tmp=$(mktemp -d /tmp/sluice-bench-tasks.XXXXXX)
cg="$cg2/sluice-bench-tasks-$$" # the watched directory: the programs are attached here only
bpffs=$tmp/bpf/sluice
pids=()
daemon=
churn=

cleanup() {
	set +e
	local p d
	[ -n "$churn" ] && stop_pid "$churn"
	for p in "${pids[@]}"; do stop_pid "$p"; done
	[ -n "$daemon" ] && stop_pid "$daemon"
	[ -d "$bpffs" ] && "$build/sluicectl" -b "$bpffs" teardown >/dev/null 2>&1
	umount -l "$tmp/bpf" 2>/dev/null
	for d in "$cg"/task-* "$cg"/idle-*; do rm_cgroup "$d"; done
	rm_cgroup "$cg"
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

bench_net_init
mkdir -p "$cg" "$tmp/bpf" "$tmp/registry"
mount -t bpf bpf "$tmp/bpf"
"$build/bench/bench-server" -t 1 -p 9000 > "$tmp/server.out" 2>&1 & pids+=($!)
wait_line "$tmp/server.out" ready

# One service at a fixed VIP, one backend (the server on loopback); the rule finds task-*.
cat > "$tmp/registry/web.json" <<EOF
{"Instances":[{"InstanceId":"b1","ServiceName":"web",
  "Attributes":{"AWS_INSTANCE_IPV4":"127.0.0.1","AWS_INSTANCE_PORT":"9000"}}]}
EOF
cat > "$tmp/sluice.json" <<EOF
{"namespace":"bench.local","registry":{"file":"$tmp/registry"},"bpffs":"$bpffs",
 "hostsFile":"$tmp/hosts","stateFile":"$tmp/state.json","statusFile":"$tmp/status.json",
 "attach":[{"watch":"$cg","match":"task-*"}],
 "services":[{"discoveryName":"web","vip":"$vip","clientAliases":[{"port":80}]}]}
EOF
"$build/sluiced" --config "$tmp/sluice.json" > "$tmp/sluiced.log" 2>&1 & daemon=$!
wait_line "$tmp/sluiced.log" "sluiced: ready"
for _ in $(seq 100); do grep -q "attached at $cg" "$tmp/sluiced.log" && break; sleep 0.05; done
grep -q "attached at $cg" "$tmp/sluiced.log" ||
	{ echo "bench: tasks: $cg was not attached:" >&2; cat "$tmp/sluiced.log" >&2; exit 1; }

emit() { echo "{\"section\":\"tasks\",$1}" >> "$results"; }
# NAME: the median and max of the figure NAME over the JSON lines on stdin.
field() {
	sed -n "s/.*\"$1\":\([0-9][0-9.]*\).*/\1/p" | sort -n |
		awk '{ v[NR] = $1 } END {
			m = NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
			printf "median %.2f ms, max %.2f ms", m, v[NR]
		}'
}
# PHASE: the helper's lines (one per task) into the results, with the phase.
measure() {
	local phase=$1 out n
	out=$("$build/bench/taskclass" measure "$cg" "task-$phase" "$ntasks" "$vip" 80 "$bpffs/tasks")
	n=$(grep -c '^{' <<< "$out" || true)
	[ "$n" = "$ntasks" ] || { echo "bench: tasks: $phase: $n of $ntasks tasks measured" >&2; exit 1; }
	# shellcheck disable=SC2001 # each line's start
	sed "s/^{/{\"section\":\"tasks\",\"what\":\"task\",\"phase\":\"$phase\",/" <<< "$out" >> "$results"
	echo "bench: tasks: $phase: $n tasks: entry $(field entry_ms <<< "$out"); routed $(field routed_ms <<< "$out")"
}

# The 1-minute load average as it starts: what else the machine runs shows in the tails.
emit "\"what\":\"setup\",\"tasks\":$ntasks,\"connect_gap_us\":50,\"poll_us\":20,\"churn_rate\":$churn_rate,\"loadavg\":$(cut -d' ' -f1 /proc/loadavg)"

# 1. Quiet: nothing else happens under the watched directory.
measure quiet

# 2. Churn: another process makes and removes unrelated cgroups (idle-N, which the rule's
#    glob does not match) under the watched directory meanwhile; bounded at 10 minutes.
"$build/bench/taskclass" churn "$cg" idle "$churn_rate" 600 > "$tmp/churn.out" 2> "$tmp/churn.err" &
churn=$!
sleep 0.5
measure churn
stop_pid "$churn"
churn=
c=$(grep '^{' "$tmp/churn.out" | tail -1)
[ -n "$c" ] || { echo "bench: tasks: the churn said nothing:" >&2; cat "$tmp/churn.err" >&2; exit 1; }
echo "bench: tasks: churn beside them: $c"
c=${c#\{}
emit "\"what\":\"churn\",${c%\}}"
