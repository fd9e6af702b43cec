#!/usr/bin/env bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# run.sh: make fuzz: runs each target for SECONDS, one after the other, on a copy of its seeds and
# regressions in DIR/work/TARGET (the repo's corpus is never written); a line of figures each.
# A crash, leak, undefined behaviour, broken invariant or timeout fails the run, naming the
# reproducer (to copy into tests/fuzz/regressions/TARGET/ with the fix).
# Usage: run.sh DIR SECONDS TARGET... (DIR: the fuzz build, holding fuzz_TARGET)
set -uo pipefail
dir=$1 secs=$2
shift 2
src=$(cd "$(dirname "$0")" && pwd)
status=0
for t in "$@"; do
	bin=$dir/fuzz_$t work=$dir/work/$t
	if [ ! -x "$bin" ] || [ ! -d "$src/corpus/$t" ]; then
		echo "fuzz: no target '$t' (tests/fuzz/fuzz_$t.c and corpus/$t/)" >&2
		status=1
		continue
	fi
	rm -rf "$work"
	mkdir -p "$work/corpus" "$work/crashes"
	cp "$src/corpus/$t"/* "$work/corpus/"
	if [ -d "$src/regressions/$t" ]; then cp "$src/regressions/$t"/* "$work/corpus/"; fi
	opts=(-max_total_time="$secs" -timeout=10 -max_len=8192 -print_final_stats=1
	      -artifact_prefix="$work/crashes/")
	if [ -f "$src/$t.dict" ]; then opts+=(-dict="$src/$t.dict"); fi
	"$bin" "${opts[@]}" "$work/corpus" >"$work/log" 2>&1
	rc=$?
	# "#123 DONE cov: 1 ft: 2 corp: 3/4b ..." and "stat::number_of_executed_units: 123"
	last=$(grep -E '^#[0-9]+' "$work/log" | tail -1)
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$work/log")
	cov=$(sed -n 's/.* cov: \([0-9]*\).*/\1/p' <<<"$last")
	ft=$(sed -n 's/.* ft: \([0-9]*\).*/\1/p' <<<"$last")
	corp=$(sed -n 's/.* corp: \([^ ]*\).*/\1/p' <<<"$last")
	printf 'fuzz %-12s %ss: %s executions, cov %s, ft %s, corpus %s\n' "$t" "$secs" \
		"${execs:-${last%%[[:space:]]*}}" "${cov:-?}" "${ft:-?}" "${corp:-?}"
	if [ $rc -ne 0 ]; then
		status=1
		grep -E 'ERROR: |SUMMARY: |fuzz: .*:[0-9]+: |^    #[0-9]+ ' "$work/log" | head -40
		found=0
		for f in "$work/crashes"/*; do
			[ -e "$f" ] || continue
			echo "fuzz $t: FAILED (exit $rc); reproducer: $f (replay: $bin $f)"
			found=1
		done
		[ $found = 1 ] || echo "fuzz $t: FAILED (exit $rc), no reproducer written"
		echo "fuzz $t: the whole log: $work/log"
	fi
done
exit $status
