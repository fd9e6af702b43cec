#!/usr/bin/env bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# check-notify.sh: sluiced's side of Type=notify, as systemd would see it: READY=1 with STATUS=,
# RELOADING=1 then READY=1 around a reload (a failed one too), STOPPING=1, and WATCHDOG=1 every
# half of WATCHDOG_USEC (only for its own WATCHDOG_PID). A listener stands in for systemd's
# notify socket; sluiced runs in a network and mount namespace of its own, with its own bpffs.
# Usage: check-notify.sh SLUICED (as root; SLUICED may be deploy/unit-caps.sh, SLUICED_REAL set).
set -euo pipefail

py=${PYTHON:-/usr/bin/python3}
if [ "$(id -u)" -ne 0 ]; then
	echo "check-notify: needs root (network namespace, bpffs); run: sudo make e2e-unit" >&2
	exit 1
fi
if [ -z "${SLUICE_NOTIFY_INNER:-}" ]; then
	exec env SLUICE_NOTIFY_INNER=1 unshare --net --mount --propagation private "$0" "$@"
fi
sluiced=$(realpath "$1")

tmp=$(mktemp -d /tmp/sluice-notify.XXXXXX)
listener= daemon= fails=0
cleanup() {
	set +e
	[ -n "$daemon" ] && kill -KILL "$daemon" 2>/dev/null && wait "$daemon" 2>/dev/null
	[ -n "$listener" ] && kill "$listener" 2>/dev/null && wait "$listener" 2>/dev/null
	umount -l "$tmp/bpf" 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT
ok() { echo "ok - $*"; }
fail() { echo "not ok - $*"; fails=$((fails + 1)); }

ip link set lo up
mkdir -p "$tmp/bpf" "$tmp/registry"
mount -t bpf -o mode=0700 bpf "$tmp/bpf"
write_config() { # $1: the services array
	cat > "$tmp/sluice.json" <<EOF
{ "namespace": "notify.test", "registry": { "file": "$tmp/registry" },
  "bpffs": "$tmp/bpf/sluice", "hostsFile": "$tmp/hosts", "stateFile": "$tmp/state.json",
  "statusFile": "$tmp/status.json", "services": $1 }
EOF
}
write_config '[ { "discoveryName": "web", "clientAliases": [ { "port": 80 } ] } ]'

# systemd's notify socket: every datagram, a line each ("<seconds> <message with \n as |>").
"$py" - "$tmp/notify.sock" "$tmp/notify.log" <<'EOF' &
import socket, sys, time
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
with open(sys.argv[2], "a", buffering=1) as log:
    while True:
        msg = s.recv(4096).decode(errors="replace")
        log.write("%.3f %s\n" % (time.monotonic(), msg.replace("\n", "|")))
EOF
listener=$!
for _ in $(seq 100); do [ -S "$tmp/notify.sock" ] && break; sleep 0.05; done

count() { grep -c -- "$1" "$tmp/notify.log" 2>/dev/null || true; }
wait_for() { # $1: pattern, $2: how many, $3: tenths of a second
	for _ in $(seq "$3"); do [ "$(count "$1")" -ge "$2" ] && return 0; sleep 0.1; done
	return 1
}
start() { # $@: environment for sluiced
	: > "$tmp/notify.log"
	env NOTIFY_SOCKET="$tmp/notify.sock" "$@" "$sluiced" --config "$tmp/sluice.json" \
		>> "$tmp/sluiced.log" 2>&1 &
	daemon=$!
}
stop() {
	kill -TERM "$daemon"
	wait "$daemon" || true
	daemon=
}

# 1. Readiness, the watchdog at half its timeout, a reload, a failed reload, the exit.
start WATCHDOG_USEC=400000
if wait_for '^[0-9.]* READY=1|STATUS=' 1 100; then ok "READY=1 with a STATUS= line"
else fail "no READY=1|STATUS= (log: $(cat "$tmp/notify.log"))"; fi
sleep 1.1
n=$(count ' WATCHDOG=1$')
if [ "$n" -ge 4 ] && [ "$n" -le 8 ]; then ok "WATCHDOG=1 every half of WATCHDOG_USEC ($n in 1.1 s at 0.2 s)"
else fail "WATCHDOG=1 sent $n times in 1.1 s, not about 5"; fi
kill -HUP "$daemon"
if wait_for ' RELOADING=1$' 1 50 && wait_for ' READY=1|' 2 50; then
	ok "SIGHUP: RELOADING=1, then READY=1"
else fail "SIGHUP: no RELOADING=1 then READY=1 (log: $(cat "$tmp/notify.log"))"; fi
echo '{ "namespace": "notify.test", "services": [ { "discoveryName": 1 } ] }' > "$tmp/sluice.json"
kill -HUP "$daemon"
if wait_for ' RELOADING=1$' 2 50 && wait_for ' READY=1|' 3 50 &&
   grep ' READY=1|' "$tmp/notify.log" | tail -n 1 | grep -q 'the last reload failed'; then
	ok "a failed reload: RELOADING=1, READY=1 (the old config serves), STATUS= says it failed"
else fail "a failed reload: not framed, or not in STATUS= (log: $(cat "$tmp/notify.log"))"; fi
stop
if [ "$(count ' STOPPING=1$')" -eq 1 ]; then ok "SIGTERM: STOPPING=1"
else fail "SIGTERM: no STOPPING=1"; fi
write_config '[ { "discoveryName": "web", "clientAliases": [ { "port": 80 } ] } ]'

# 2. WATCHDOG_PID names sluiced (as systemd sets it): pings; another process: none.
: > "$tmp/notify.log"
NOTIFY_SOCKET="$tmp/notify.sock" WATCHDOG_USEC=400000 bash -c \
	'export WATCHDOG_PID=$$; exec "$0" --config "$1"' "$sluiced" "$tmp/sluice.json" \
	>> "$tmp/sluiced.log" 2>&1 &
daemon=$!
wait_for ' READY=1|' 1 100 || true
sleep 0.7
if [ "$(count ' WATCHDOG=1$')" -ge 2 ]; then ok "WATCHDOG_PID of sluiced: pings"
else fail "WATCHDOG_PID of sluiced: no pings"; fi
stop
start WATCHDOG_USEC=400000 WATCHDOG_PID=1
wait_for ' READY=1|' 1 100 || true
sleep 0.7
if [ "$(count ' WATCHDOG=1$')" -eq 0 ]; then ok "WATCHDOG_PID of another process: no pings"
else fail "WATCHDOG_PID of another process: pinged anyway"; fi
stop

# 3. No WatchdogSec (no WATCHDOG_USEC): no pings.
start
wait_for ' READY=1|' 1 100 || true
sleep 0.7
if [ "$(count ' WATCHDOG=1$')" -eq 0 ]; then ok "no WATCHDOG_USEC: no pings"
else fail "no WATCHDOG_USEC: pinged anyway"; fi
stop

if [ "$fails" -ne 0 ]; then
	echo "check-notify: $fails failed; sluiced's log:" >&2
	cat "$tmp/sluiced.log" >&2
	exit 1
fi
echo "check-notify: all passed"
