#!/usr/bin/env bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# run-e2e.sh: runs the end-to-end tests (root only: netns, cgroups, bpffs); removes any test
# cgroup a crashed run left behind. Usage: run-e2e.sh E2E-BINARY SLUICED SLUICECTL [-t NAME]...
# [-l]: the options go to the binary (-t: only the cases whose name contains NAME; -l: list).
set -uo pipefail
if [ "$(id -u)" -ne 0 ]; then
	echo "e2e: needs root (network namespaces, cgroups, BPF); run: sudo make check" >&2
	exit 1
fi
cg2=$(awk '$3 == "cgroup2" { print $2; exit }' /proc/mounts)
if [ -z "$cg2" ]; then
	echo "e2e: no cgroup2 filesystem mounted (see /proc/mounts)" >&2
	exit 1
fi
# E2E_SLOW=N: a machine N times slower (tests/e2e/harness.h): waits and this limit N times as long.
slow=${E2E_SLOW:-1}
[[ "$slow" =~ ^([1-9]|1[0-9]|20)$ ]] || slow=1
ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 timeout $((300 * slow)) "$1" "$2" "$3" \
	"${@:4}"
rc=$?
# Test cgroups are named sluice-e2e-PID[-...] after the run that made them: those of a run
# still going (another e2e run at the same time) are its own.
for d in "$cg2"/sluice-e2e-*; do
	[ -d "$d" ] || continue
	pid=${d##*/sluice-e2e-}
	pid=${pid%%-*}
	[[ $pid =~ ^[0-9]+$ ]] && kill -0 "$pid" 2>/dev/null && continue
	rmdir "$d" 2>/dev/null
done
exit $rc
