#!/usr/bin/env bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# run-unit.sh: runs each cmocka test binary given (a line each; the full output of any that
# fails), then one closing line "unit: N passed, N failed" (", N skipped" when a test skipped:
# one the kernel cannot run); exits non-zero on any failure.
set -uo pipefail
passed=0 failed=0 skipped=0 status=0
for t in "$@"; do
	out=$("$t" 2>&1); rc=$?
	p=$(printf '%s\n' "$out" | sed -n 's/^\[  PASSED  \] \([0-9]*\) test.*/\1/p' | tail -1)
	f=$(printf '%s\n' "$out" | sed -n 's/^\[  FAILED  \] \([0-9]*\) test.*/\1/p' | tail -1)
	s=$(printf '%s\n' "$out" | sed -n 's/^\[  SKIPPED \] \([0-9]*\) test.*/\1/p' | tail -1)
	passed=$((passed + ${p:-0}))
	failed=$((failed + ${f:-0}))
	skipped=$((skipped + ${s:-0}))
	if [ $rc -ne 0 ] || [ -n "$f" ]; then
		status=1
		printf '%s\n' "$out"
		[ -z "$f" ] && failed=$((failed + 1)) && echo "$t: exited $rc"
	else
		echo "$(basename "$t"): ${p:-0} passed${s:+, $s skipped}"
		# what was skipped, and why (the test says)
		[ -z "$s" ] || printf '%s\n' "$out" | grep -E '^(skipped: |\[  SKIPPED \] [a-z])' | sort -u
	fi
done
if [ "$skipped" -gt 0 ]; then
	echo "unit: $passed passed, $failed failed, $skipped skipped"
else
	echo "unit: $passed passed, $failed failed"
fi
exit $status
