#!/usr/bin/env bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# guest.sh: what the VM runs in the host root (init mounts it, switches to it): the unit tests that
# touch the kernel, then the e2e suite, as the job file says; exit status and times go to RUN.
# Usage (from init): guest.sh RUN (RUN/job, written by check-kernels.sh, sets SRC, BUILD,
# E2E_SLOW, the UNITS and E2E_ARGS arrays).
set -euo pipefail
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin HOME=/tmp LC_ALL=C
run=$1
# shellcheck source=/dev/null
. "$run/job"
export E2E_SLOW
rc=0
now() { date +%s.%N; }
took() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }'; }

echo "guest: kernel $(uname -r), $(nproc) CPUs, E2E_SLOW=$E2E_SLOW; sock_diag modules:" \
	"$(awk '$1 ~ /_diag$/ { printf "%s ", $1 }' /proc/modules)"
cd "$SRC"
t0=$(now)
unit_rc=0
if [ ${#UNITS[@]} -gt 0 ]; then
	tests/run-unit.sh "${UNITS[@]}" | tee "$run/unit.out" || unit_rc=$?
fi
unit_s=$(took "$t0")
t1=$(now)
e2e_rc=0
tests/run-e2e.sh "$BUILD/e2e/e2e" "$BUILD/asan/sluiced" "$BUILD/sluicectl" "${E2E_ARGS[@]}" |
	tee "$run/e2e.out" || e2e_rc=$?
e2e_s=$(took "$t1")
[ "$unit_rc" -eq 0 ] && [ "$e2e_rc" -eq 0 ] || rc=1
printf 'unit_rc=%s unit_s=%s e2e_rc=%s e2e_s=%s\n' "$unit_rc" "$unit_s" "$e2e_rc" "$e2e_s" \
	> "$run/times"
echo "$rc" > "$run/rc"
echo "guest: unit tests ${unit_s}s (exit $unit_rc), e2e ${e2e_s}s (exit $e2e_rc)"
exit "$rc"
