#!/usr/bin/env bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# run-unit.sh: runs each cmocka test binary given, then prints one closing line
# "unit: N passed, N failed" over all of their test cases; exits non-zero on any failure.
set -uo pipefail
passed=0 failed=0 status=0
for t in "$@"; do
	out=$("$t" 2>&1); rc=$?
	printf '%s\n' "$out"
	p=$(printf '%s\n' "$out" | sed -n 's/^\[  PASSED  \] \([0-9]*\) test.*/\1/p' | tail -1)
	f=$(printf '%s\n' "$out" | sed -n 's/^\[  FAILED  \] \([0-9]*\) test.*/\1/p' | tail -1)
	passed=$((passed + ${p:-0}))
	failed=$((failed + ${f:-0}))
	if [ $rc -ne 0 ]; then
		status=1
		[ -z "$f" ] && failed=$((failed + 1)) && echo "$t: exited $rc"
	fi
done
echo "unit: $passed passed, $failed failed"
exit $status
