#!/usr/bin/env bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# failover.sh: the failover benchmark (make bench): a backend dies under a steady connect load;
# how long connects keep failing and how many, per health mode. Writes BENCHMARKS.md's section.
#
# Usage: bench/failover.sh BUILD-DIR (as root). Needs BUILD-DIR/{sluiced,sluicectl,
# tools/sluice-echo,bench/failover}. Everything runs in a network and mount namespace of its
# own, with a bpffs and a child cgroup it creates and removes.
# Environment: BENCH_QUICK=1 (1 run per mode, shorter runs), BENCH_REPEAT (runs per mode,
# default 5), BENCH_RATE (connects/s, default 1000), BENCH_MODES (a subset, e.g. "passive
# active"), BENCH_OUT (default BENCHMARKS.md beside bench/; "-" writes none).
set -euo pipefail

self=$(cd "$(dirname "$0")" && pwd)/$(basename "$0")
root=$(cd "$(dirname "$self")/.." && pwd)
# shellcheck source=bench/lib.sh
. "$root/bench/lib.sh"
bench_need_root
build=$(cd "${1:-build}" && pwd)
for f in sluiced sluicectl tools/sluice-echo bench/failover; do
	[ -x "$build/$f" ] || { echo "bench: $build/$f missing: make all $build/$f" >&2; exit 1; }
done
if [ -z "${SLUICE_BENCH_INNER:-}" ]; then
	# Our own netns (nothing leaves it: loopback and a sink device only) and mount ns (bpffs).
	exec env SLUICE_BENCH_INNER=1 unshare --net --mount --propagation private "$self" "$build"
fi

quick=${BENCH_QUICK:-0}
[ "$quick" = 1 ] && repeat=${BENCH_REPEAT:-1} || repeat=${BENCH_REPEAT:-3}
rate=${BENCH_RATE:-1000}
modes=${BENCH_MODES:-"passive active both registry passive-bh passive-bh-ct active-bh"}
out=${BENCH_OUT:-$root/BENCHMARKS.md}
reg_delay=5      # registry-only: the registry drops the dead instance this long after its death
kill_at=2        # seconds of load before the death
[ "$quick" = 1 ] && kill_at=1
vip=127.255.0.10
vport=8080
victim=2         # which of the 4 backends dies
ct_ms=150        # passive-bh-ct: the service's connectTimeoutMs
runs="$build/bench/failover-runs"   # per-run summaries, failed connects, sluiced logs

cg2=$(bench_cgroup2)
tmp=$(mktemp -d /tmp/sluice-bench.XXXXXX)
cg="$cg2/sluice-bench-$$"
servers=()
daemon=
load=

stop_run() {
	local p i
	[ -n "$load" ] && stop_pid "$load"
	load=
	[ -n "$daemon" ] && stop_pid "$daemon"
	daemon=
	for p in "${servers[@]}"; do kill -9 "$p" 2>/dev/null || true; done
	for p in "${servers[@]}"; do # disowned (no "Killed" notices): polled until gone
		for i in $(seq 100); do kill -0 "$p" 2>/dev/null || break; sleep 0.02; done
	done
	servers=()
	if [ -d "$tmp/bpf/sluice" ]; then
		"$build/sluicectl" -b "$tmp/bpf/sluice" teardown >/dev/null 2>&1 || true
	fi
}

cleanup() {
	set +e
	stop_run
	umount -l "$tmp/bpf" 2>/dev/null
	rm_cgroup "$cg"
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

in_cgroup() { bash -c 'echo $$ > "$0/cgroup.procs" && exec "$@"' "$cg" "$@"; }
jget() { sed -n "s/.*\"$1\":\([^,}]*\).*/\1/p" "$2"; } # KEY FILE: a number from a summary

ip link set lo up
# Backends on 10.9.0.21-24, local addresses of lo. 10.9.0.0/24 is routed into an ifb device,
# which drops what it is sent: an address taken off lo becomes a blackhole (SYNs unanswered).
ip link add sluicebh0 type ifb
ip link set sluicebh0 up
ip route add 10.9.0.0/24 dev sluicebh0
for i in 1 2 3 4; do ip addr add "10.9.0.2$i/32" dev lo; done
mkdir -p "$tmp/bpf" "$tmp/registry" "$cg" "$runs"
rm -f "$runs"/*
mount -t bpf bpf "$tmp/bpf"

registry() { # the instances that are in it: Cloud Map's discover-instances shape
	local body='{"Instances": [' sep='' i
	for i in "$@"; do
		body+="$sep{\"InstanceId\": \"orders-$i\", \"NamespaceName\": \"bench.local\", \"ServiceName\": \"orders\", \"HealthStatus\": \"HEALTHY\", \"Attributes\": {\"AWS_INSTANCE_IPV4\": \"10.9.0.2$i\", \"AWS_INSTANCE_PORT\": \"9001\"}}"
		sep=', '
	done
	printf '%s]}\n' "$body" > "$tmp/registry/orders.json.tmp"
	mv "$tmp/registry/orders.json.tmp" "$tmp/registry/orders.json"
}

outlier_on='"outlierDetection": { "consecutiveFailures": 3, "baseEjectionSeconds": 30, "maxEjectionSeconds": 300, "maxEjectionPercent": 50 }'
outlier_off='"outlierDetection": false'
check='"healthCheck": { "protocol": "tcp", "intervalSeconds": 1, "timeoutSeconds": 0.5, "unhealthyThreshold": 2, "healthyThreshold": 2 }'

config() { # MODE
	local health
	case $1 in
	passive|passive-bh) health="$outlier_on" ;;
	passive-bh-ct) health="$outlier_on, \"connectTimeoutMs\": $ct_ms" ;;
	active|active-bh) health="$outlier_off, $check" ;;
	both) health="$outlier_on, $check" ;;
	registry) health="$outlier_off" ;;
	esac
	cat > "$tmp/sluice.json" <<JSON
{
  "namespace": "bench.local",
  "registry": { "file": "$tmp/registry" },
  "bpffs": "$tmp/bpf/sluice",
  "hostsFile": "$tmp/hosts",
  "stateFile": "$tmp/state.json",
  "statusFile": "$tmp/status.json",
  "cgroups": [ "$cg" ],
  "services": [
    { "portName": "http", "discoveryName": "orders", "vip": "$vip", "panicThresholdPercent": 0,
      $health,
      "clientAliases": [ { "dnsName": "orders", "port": $vport } ] }
  ]
}
JSON
}

label() {
	case $1 in
	passive) echo "passive (outlierDetection)" ;;
	active) echo "active-only (tcp check 1 s, threshold 2)" ;;
	both) echo "passive + active" ;;
	registry) echo "registry-only (registry drops it after ${reg_delay} s, assumed)" ;;
	passive-bh) echo "passive, blackholed" ;;
	passive-bh-ct) echo "passive, blackholed, connectTimeoutMs $ct_ms" ;;
	active-bh) echo "active-only, blackholed" ;;
	*) return 1 ;;
	esac
}

tail_s() { # MODE: seconds of load after the death (enough to see the recovery)
	local q=$quick
	case $1 in
	passive|both) echo 1.5 ;;
	active) [ "$q" = 1 ] && echo 3 || echo 3.5 ;;
	registry) echo "$((reg_delay + 1)).5" ;;
	passive-bh) [ "$q" = 1 ] && echo 4 || echo 4.5 ;;
	passive-bh-ct) echo 1.5 ;;
	active-bh) [ "$q" = 1 ] && echo 4.5 || echo 5 ;;
	esac
}

# Start sluiced for MODE and wait (bounded) until the VIP routes to all four backends.
start_run() {
	local mode=$1 log=$2 i
	for i in 1 2 3 4; do
		"$build/tools/sluice-echo" "orders-$i" "10.9.0.2$i" 9001 & servers+=($!)
		disown $!
	done
	registry 1 2 3 4
	config "$mode"
	rm -f "$tmp/hosts"
	"$build/sluiced" --config "$tmp/sluice.json" > "$log" 2>&1 & daemon=$!
	for i in $(seq 100); do
		if in_cgroup "$build/bench/failover" load -r 400 -d 0.1 -t 0.5 "$vip" "$vport" \
			> "$tmp/probe.json" 2>/dev/null &&
		   [ "$(jget failed "$tmp/probe.json")" = 0 ] &&
		   [ "$(grep -o '"orders-[1-4]"' "$tmp/probe.json" | sort -u | wc -l)" = 4 ]; then
			return 0
		fi
		kill -0 "$daemon" 2>/dev/null || break
		sleep 0.1
	done
	echo "bench: sluiced did not come up for mode $mode; its log:" >&2
	cat "$log" >&2
	return 1
}

# The client's connect timeout: 1 s, 3 s where the backend is blackholed (a client that waits
# longer than the kernel's first SYN retransmission, which passive detection counts).
connect_timeout() {
	case $1 in *-bh|*-bh-ct) echo 3 ;; *) echo 1 ;; esac
}

# One run of MODE (number N): load, the death at kill_at, recovery; the summary in runs/.
run_one() {
	local mode=$1 n=$2 base="$runs/$1-$2" dur i
	dur=$(awk -v a="$kill_at" -v b="$(tail_s "$mode")" 'BEGIN { print a + b }')
	start_run "$mode" "$base.sluiced.log"
	rm -f "$tmp/ready" "$tmp/kill"
	in_cgroup timeout $((${dur%.*} + 15)) "$build/bench/failover" load -r "$rate" -d "$dur" \
		-t "$(connect_timeout "$mode")" \
		-k "$tmp/kill" -R "$tmp/ready" -o "$tmp/records.jsonl" "$vip" "$vport" \
		> "$base.json" & load=$!
	for i in $(seq 200); do [ -s "$tmp/ready" ] && break; sleep 0.01; done
	[ -s "$tmp/ready" ] || { echo "bench: the load did not start" >&2; return 1; }
	sleep "$kill_at"
	case $mode in
	*-bh|*-bh-ct) "$build/bench/failover" stamp "$tmp/kill" ip addr del "10.9.0.2$victim/32" dev lo ;;
	*) "$build/bench/failover" kill "${servers[$((victim - 1))]}" "$tmp/kill" ;;
	esac
	if [ "$mode" = registry ]; then
		sleep "$reg_delay"
		registry 1 3 4
	fi
	wait "$load" || { echo "bench: the load failed (mode $mode)" >&2; return 1; }
	load=
	grep '"err"' "$tmp/records.jsonl" > "$base.failed.jsonl" || true
	stop_run
	case $mode in *-bh|*-bh-ct) ip addr add "10.9.0.2$victim/32" dev lo ;; esac
	echo "$dur" > "$base.dur"
}

stats() { # numbers on stdin -> "median min max"
	sort -g | awk '{ v[NR] = $1 } END {
		if (!NR) { print "nan nan nan"; exit }
		m = NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
		print m, v[1], v[NR] }'
}

fmt_ms() { # ms -> "2.1 ms" or "2.03 s"
	awk -v x="$1" 'BEGIN { if (x == "nan" || x == "null") print "none";
		else if (x < 1000) printf "%.1f ms\n", x; else printf "%.2f s\n", x / 1000 }'
}

fmt_n() { awk -v x="$1" 'BEGIN { if (x == "nan") print "none"; else if (x == int(x)) printf "%d\n", x; else printf "%.1f\n", x }'; }

# One table row for MODE from its runs.
row() {
	local mode=$1 f k e lastv=() failv=() notes=() stuck=0 before=0 lag=0
	local -A errs=()
	for f in "$runs/$mode-"[0-9]*.json; do
		local last fail end_ms dur kill_at_ms
		last=$(jget last_fail_ms "$f")
		fail=$(jget failed "$f")
		[ "$last" = null ] && last=0
		lastv+=("$last")
		failv+=("$fail")
		before=$((before + $(jget failed_before_kill "$f")))
		for e in ECONNREFUSED ECONNRESET ETIMEDOUT EOF other; do
			errs[$e]=$(( ${errs[$e]:-0} + $(jget "$e" "$f") ))
		done
		# Still failing in the last 0.5 s of the load: not recovered within the run.
		dur=$(cat "${f%.json}.dur")
		kill_at_ms=$(jget kill_at_ms "$f")
		end_ms=$(awk -v d="$dur" -v k="$kill_at_ms" 'BEGIN { print d * 1000 - k }')
		awk -v l="$last" -v e="$end_ms" 'BEGIN { exit !(l > e - 500) }' && stuck=$((stuck + 1))
		awk -v m="$(jget max_lag_ms "$f")" 'BEGIN { exit !(m > 20) }' && lag=$((lag + 1))
	done
	read -r lm lmin lmax < <(printf '%s\n' "${lastv[@]}" | stats)
	read -r fm fmin fmax < <(printf '%s\n' "${failv[@]}" | stats)
	case $mode in
	*-bh) notes+=("blackholed: SYNs dropped, so connects to it time out (3 s)") ;;
	*-bh-ct) notes+=("blackholed: SYNs dropped, connects to it fail at ${ct_ms} ms") ;;
	*) notes+=("kill -9: connects to it are refused (RST)") ;;
	esac
	e=
	k=0
	for f in ECONNREFUSED ECONNRESET ETIMEDOUT EOF other; do
		[ "${errs[$f]}" -gt 0 ] && e+="${e:+, }$f ${errs[$f]}" && k=$((k + 1))
	done
	[ "$k" = 1 ] && notes+=("all ${e% *}")
	[ "$k" -gt 1 ] && notes+=("$e (all runs)")
	[ "$before" -gt 0 ] && notes+=("$before failed before the death")
	[ "$stuck" -gt 0 ] && notes+=("**still failing at the end of $stuck of ${#lastv[@]} runs**")
	[ "$lag" -gt 0 ] && notes+=("load fell behind >20 ms in $lag runs")
	e=$(printf '%s; ' "${notes[@]}")
	printf '| %s | %s [%s–%s] | %s [%s–%s] | %s |\n' "$(label "$mode")" \
		"$(fmt_ms "$lm")" "$(fmt_ms "$lmin")" "$(fmt_ms "$lmax")" \
		"$(fmt_n "$fm")" "$(fmt_n "$fmin")" "$(fmt_n "$fmax")" "${e%; }"
}

for m in $modes; do
	label "$m" > /dev/null || { echo "bench: unknown mode $m" >&2; exit 2; }
done
# The tree measured (read at the start: it may change while this runs).
commit=$(bench_commit "$root")
t_start=$(date +%s)
for n in $(seq "$repeat"); do
	for m in $modes; do
		printf 'bench: %-10s run %d/%d ... ' "$m" "$n" "$repeat"
		run_one "$m" "$n"
		printf 'failed %s, last failed connect %s after the death\n' \
			"$(jget failed "$runs/$m-$n.json")" "$(fmt_ms "$(jget last_fail_ms "$runs/$m-$n.json")")"
	done
done

cpu=$(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo)
total=$(( $(date +%s) - t_start ))

table=$(
	echo "| mode | time from death to last failed connect, median [min–max] | failed connects, median [min–max] | notes |"
	echo "|---|---|---|---|"
	for m in $modes; do row "$m"; done
)
dns=$(awk -v r="$rate" 'BEGIN { printf "%d", 60 * r }')
dns_share=$(awk -v r="$rate" 'BEGIN { printf "%d", 60 * r / 4 }')

quarter=$(awk -v r="$rate" 'BEGIN { printf "%g", r / 4 }')
section=$(cat <<EOF
<!-- failover:begin -->
## Failover: a backend dies under a steady connect load

\`make bench\` (bench/failover.sh, bench/failover.c), $(date -u +%Y-%m-%d), commit $commit;
$(nproc) CPUs ($cpu), kernel $(uname -r).

One alias with 4 backends (sluice-echo) on loopback addresses of a private network namespace.
A client in the attached cgroup opens $rate TCP connects/s, paced (open loop; each: connect, read
the reply, close; connect timeout 1 s, 3 s when blackholed); backend 2 dies ${kill_at} s in. Time: from the death to
the issue of the last connect that failed. Failed connects: all in the run. $repeat run(s) per
mode, sluiced restarted for each, panicThresholdPercent 0 (${total} s in all). Passive:
outlierDetection, consecutiveFailures 3. Active: tcp check, intervalSeconds 1, timeoutSeconds
0.5, unhealthyThreshold 2.

$table

- Passive: the kernel ejects the backend at its 3rd failed connect in a row; the time is what 3
  connects take to reach it at a quarter of the load ($quarter/s). More fail when connects reach
  it before the RSTs of earlier ones are processed (durations in build/bench/failover-runs/).
- Active: the first failing check comes 0-1.1 s after the death (1 s ± 10 % jitter), the second
  one interval later; blackholed, each check also waits out its 0.5 s timeout.
- Blackholed, passive: sockops counts a connect as failed at its SYN's first retransmission
  timeout (1 s), so the backend is ejected about 1 s after the death whatever the clients' own
  connect timeout (3 s here; a client without one waits out Linux's SYN retries, about 127 s);
  the connects sent to it in that second still fail, when their clients give up.
- Blackholed, with connectTimeoutMs ${ct_ms}: the SYN's first retransmission timeout is a third of
  it (BPF_SOCK_OPS_TIMEOUT_INIT), so passive health counts the failure then and ejects the
  backend at its 3rd; each connect sent to it fails at ${ct_ms} ms (TCP_USER_TIMEOUT) rather than
  at the client's own 3 s.
- Registry-only is an assumption: a registry that notices the death ${reg_delay} s after it and
  rewrites the file; the figure is that delay plus sluiced's reaction to the file change.

DNS instead: Cloud Map's default TTL is 60 s. A client that caches an answer holding the dead
address keeps connecting to it until the TTL runs out (after Cloud Map has dropped the instance):
up to 60 s × $rate/s = $dns failed connects for a client pinned to that address ($dns_share if it
spreads its connects over the 4 addresses). sluice picks the backend at each connect from maps
that the kernel (passive) or sluiced (active, registry) updates, so no client keeps a stale answer.
<!-- failover:end -->
EOF
)

echo
echo "$table"
echo
echo "DNS (Cloud Map default TTL 60 s): up to $dns failed connects at $rate/s for a client that keeps the dead address"
echo "per-run summaries, failed connects and sluiced logs: $runs"

if [ "$out" != - ]; then
	printf '%s\n' "$section" > "$tmp/section"
	splice_section failover "$tmp/section" "$out"
	echo "written: $out"
fi
