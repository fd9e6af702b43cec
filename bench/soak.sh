#!/usr/bin/env bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# soak.sh: make soak: faults under load (bench/soak.c drives it) and BENCHMARKS.md's soak
# section; exits 1 when a goal is missed. A benchmark-style run, not a test.
#
# Usage: bench/soak.sh BUILD-DIR (as root). Needs BUILD-DIR/{sluiced,asan/sluiced,sluicectl,
# tools/sluice-echo,bench/soak}. A network and mount namespace of its own (loopback only), a
# private bpffs, child cgroups it creates and removes, also on failure.
# Environment: SOAK_SECONDS (default 300), SOAK_QUICK=1 (20 s, for CI), SOAK_CONNS (connects
# in flight, default 64), SOAK_OUT (default BENCHMARKS.md beside bench/; "-" writes none).
set -euo pipefail

self=$(cd "$(dirname "$0")" && pwd)/$(basename "$0")
root=$(cd "$(dirname "$self")/.." && pwd)
# shellcheck source=bench/lib.sh
. "$root/bench/lib.sh"
bench_need_root
build=$(cd "${1:-build}" && pwd)
for f in sluiced asan/sluiced sluicectl tools/sluice-echo bench/soak; do
	[ -x "$build/$f" ] || { echo "soak: $build/$f missing: make all $build/$f" >&2; exit 1; }
done
if [ -z "${SLUICE_BENCH_INNER:-}" ]; then
	exec env SLUICE_BENCH_INNER=1 unshare --net --mount --propagation private "$self" "$build"
fi

quick=${SOAK_QUICK:-0}
secs=${SOAK_SECONDS:-300}
[ "$quick" = 1 ] && secs=${SOAK_SECONDS:-20}
# The last fifth (at least 5 s) one daemon lives, for its RSS; before, it is SIGKILLed.
long=$(awk -v s="$secs" 'BEGIN { l = s / 5; if (l < 5) l = 5; printf "%d", l }')
conns=${SOAK_CONNS:-64}
out=${SOAK_OUT:-$root/BENCHMARKS.md}
logs=$build/bench/soak-logs
cg2=$(bench_cgroup2)
tmp=$(mktemp -d /tmp/sluice-soak.XXXXXX)
cg="$cg2/sluice-soak-$$"
driver=

cleanup() {
	set +e
	[ -n "$driver" ] && stop_pid "$driver"
	local b
	for b in sluice other; do
		[ -d "$tmp/bpf/$b" ] && "$build/sluicectl" -b "$tmp/bpf/$b" teardown >/dev/null 2>&1
	done
	umount -l "$tmp/bpf" 2>/dev/null
	rm_cgroup "$cg/load"
	rm_cgroup "$cg/ctl"
	rm_cgroup "$cg"
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

bench_net_init
mkdir -p "$cg/load" "$cg/ctl" "$tmp/bpf" "$tmp/registry" "$logs"
rm -f "$logs"/*
mount -t bpf bpf "$tmp/bpf"

config() { # BPFFS-NAME FILES-PREFIX
	cat <<JSON
{
  "namespace": "soak.local",
  "registry": { "file": "$tmp/registry" },
  "bpffs": "$tmp/bpf/$1",
  "hostsFile": "$tmp/$2hosts",
  "stateFile": "$tmp/$2state.json",
  "statusFile": "$tmp/$2status.json",
  "cgroups": [ "$cg/load" ],
  "services": [
    { "discoveryName": "orders", "vip": "127.255.0.10",
      "outlierDetection": { "consecutiveFailures": 3, "baseEjectionSeconds": 1,
                            "maxEjectionSeconds": 10, "maxEjectionPercent": 50 },
      "clientAliases": [ { "dnsName": "orders", "port": 8080 } ] },
    { "discoveryName": "stock", "vip": "127.255.0.11",
      "clientAliases": [ { "dnsName": "stock", "port": 8081 } ] }
  ]
}
JSON
}
config sluice "" > "$tmp/sluice.json"
config sluice "" > "$tmp/probe-bpffs.json"       # a second sluiced as the first: the lock
config other probe- > "$tmp/probe-cgroup.json"   # another data plane on the same cgroup

commit=$(bench_commit "$root")
load_before=$(cut -d' ' -f1-3 /proc/loadavg)
echo "soak: ${secs} s (the last ${long} s with one long-lived sluiced), $conns connects in flight; load average before: $load_before"
in_cgroup "$cg/load" env ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 \
	"$build/bench/soak" -d "$secs" -L "$long" -c "$conns" -a "$build/asan/sluiced" \
	-s "$build/sluiced" -f "$tmp/sluice.json" -p "$tmp/probe-bpffs.json" \
	-q "$tmp/probe-cgroup.json" -e "$build/tools/sluice-echo" -g "$cg/ctl" \
	-r "$tmp/registry" -l "$logs" > "$logs/summary.json" & driver=$!
# The machine's load while it runs (it is shared), sampled from outside the run.
busy=()
while kill -0 "$driver" 2>/dev/null; do
	busy+=("$(cut -d' ' -f1 /proc/loadavg)")
	sleep 5
done
rc=0
wait "$driver" || rc=$?
driver=
[ "$rc" = 0 ] || { echo "soak: the driver failed ($rc); logs in $logs" >&2; exit 1; }
load_during=$(printf '%s\n' "${busy[@]}" | sort -g | awk '{ v[NR] = $1 } END { printf "%s-%s", v[1], v[NR] }')
cp "$tmp"/registry/*.json "$logs/" 2>/dev/null || true

j() { # a value from the summary: a dotted path of keys
	python3 -c 'import json,sys
v = json.load(open(sys.argv[1]))
for k in sys.argv[2].split("."): v = v[k]
print(v)' "$logs/summary.json" "$1"
}
cat "$logs/summary.json"

# The goals.
missed=()
misroutes=$(( $(j orders.misroutes) + $(j stock.misroutes) ))
unexplained=$(( $(j orders.failed_unexplained) + $(j stock.failed_unexplained) ))
failed=$(( $(j orders.failed) + $(j stock.failed) ))
growth=$(( $(j rss_kb.last) - $(j rss_kb.first) ))
[ "$misroutes" = 0 ] || missed+=("$misroutes misroutes (e.g. $(j misroute_example))")
[ "$(j stale)" = 0 ] || missed+=("$(j stale) connects to a backend removed a reconcile before")
[ "$(j crashes)" = 0 ] || missed+=("$(j crashes) crashes ($(j crash))")
[ "$(j sanitizer_reports)" = 0 ] || missed+=("$(j sanitizer_reports) sanitizer reports ($(j crash))")
[ "$unexplained" = 0 ] || missed+=("$unexplained failed connects while every backend was alive")
[ "$(j probe_same_bpffs.accepted)" = 0 ] || missed+=("a second sluiced on the same bpffs was not refused")
[ "$(j probe_same_cgroup.accepted)" = 0 ] || missed+=("a second sluiced on the same cgroup was not refused")
[ "$growth" -le 1024 ] || missed+=("sluiced's RSS grew by $growth kB")
[ "$(j rss_kb.samples)" -ge 3 ] || missed+=("too few RSS samples")

verdict="every goal met"
[ ${#missed[@]} = 0 ] || verdict="**missed: $(printf '%s; ' "${missed[@]}")**"
verdict=${verdict%; \*\*}
[ ${#missed[@]} = 0 ] || verdict+="**"

cpu=$(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo)
section=$(cat <<EOF
<!-- soak:begin -->
## Soak: faults under load

\`make soak\` (bench/soak.sh, bench/soak.c), $(date -u +%Y-%m-%d), commit $commit; $(nproc) CPUs
($cpu), kernel $(uname -r). The machine was shared: load average $load_before before the run,
$load_during during it (sampled every 5 s), so the rate is what was left for the run, not what
the machine sustains alone.

$(j seconds) s of a closed-loop connect load ($conns connects in flight, each: connect, read the
backend's name, close; 3 s timeout) from an attached cgroup to two VIPs: orders (three quarters
of the connects) and stock. At once: orders' registry file flips between {orders-1,2,3} and
{orders-3,4,5} every 100 ms (orders-6, in the file at the start, is in neither); an orders
backend is SIGKILLed every 0.5-2 s and restarted 0.3-1.2 s later; stock's file is replaced
(atomically) by garbage, a FIFO, a directory or a symlink loop for 0.2-0.8 s, 1-2.5 s apart; a
second sluiced starts every 1-3 s, with the same config (the bpffs lock) or with a bpffs of its
own on the same cgroup; sluiced (the ASan build) is SIGKILLed and restarted every 2-4 s, but for
the last $long s, where one plain build lives and its RSS is sampled every 0.5 s.

| | figure |
|---|---|
| connects | $(( $(j orders.attempts) + $(j stock.attempts) )) ($(j rate)/s; the longest $(j max_connect_ms) ms; the driver's longest stall between two turns of its loop $(j max_stall_ms) ms) |
| failed connects | $failed: $(j orders.failed_backend_dead) while an orders backend was dead, $unexplained while every backend was alive |
| orders failures by error | refused $(j orders.ECONNREFUSED), reset $(j orders.ECONNRESET), timeout $(j orders.ETIMEDOUT), EOF $(j orders.EOF), other $(j orders.other) |
| stock failures (its backends never die) | $(j stock.failed) |
| misroutes (a backend outside both sets, or the other service's) | $misroutes |
| connects to a backend removed a reconcile before | $(j stale) |
| sluiced crashes, sanitizer reports | $(j crashes), $(j sanitizer_reports) |
| sluiced SIGKILLed, started | $(j sluiced_kills) ($(j killed_before_ready) before it was ready), $(j sluiced_starts) |
| registry flips, reconciles that wrote the maps | $(j flips), $(j reconciles) |
| backends SIGKILLed | $(j backend_kills) |
| stock file faults | garbage $(j faults.garbage), FIFO $(j faults.fifo), directory $(j faults.directory), symlink loop $(j faults.symlink_loop) |
| second sluiced, same bpffs: refused / runs | $(j probe_same_bpffs.refused) / $(j probe_same_bpffs.runs) |
| second sluiced, same cgroup: refused / runs | $(j probe_same_cgroup.refused) / $(j probe_same_cgroup.runs) |
| sluiced RSS, long-lived phase | $(j rss_kb.first) kB → $(j rss_kb.last) kB (max $(j rss_kb.max) kB, $(j rss_kb.samples) samples): growth $growth kB |
| connects per backend | $(j backends | tr -d "{}'" | sed 's/, /; /g') |

Goals: 0 misroutes, 0 connects to a backend removed a reconcile before, 0 crashes and sanitizer
reports, every second sluiced refused, no failed connect while every backend was alive, RSS
growth within 1 MiB. Result: $verdict.

- A failed connect cannot say which backend it reached (getpeername says the VIP): it counts as
  a dead backend's when one of the service's backends was dead (killed, or restarted but not yet
  listening) at some time between its start and its end.
- "Removed a reconcile before": a connect that began after a reconcile had written the maps
  ("maps updated") whose read of the file (sluiced's "read, parses") was more than the 20 ms
  debounce after the removal (the flip's rename), or after a sluiced started after the removal
  said ready; sluiced's lines carry their CLOCK_MONOTONIC time (\`--log-time\`).
- Logs (sluiced's, the second sluiceds', the connects that missed a goal, the summary):
  build/bench/soak-logs/.
<!-- soak:end -->
EOF
)
echo
echo "soak: $verdict"
if [ "$out" != - ]; then
	printf '%s\n' "$section" > "$tmp/section"
	splice_section soak "$tmp/section" "$out"
	echo "soak: written $out"
fi
[ ${#missed[@]} = 0 ]
