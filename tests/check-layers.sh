#!/usr/bin/env bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# check-layers.sh: the control plane's architecture as a rule on its includes: each folder of
# user/ may include only the folders before it in the pipeline (README: How the control plane
# works). Prints every include that breaks the rule and fails; silent when all is well.
set -uo pipefail
cd "$(dirname "$0")/.."

# folder: the folders its files may include (besides its own). health/ reaches the kernel only
# through the one owner of backend_health and health_events (kernel/health_map.h).
declare -A may=(
	[lib]=""
	[inputs]="lib"
	[model]="lib inputs"
	[health]="lib inputs model kernel/health_map.h"
	[files]="lib inputs model"
	[kernel]="lib inputs model"
	[names]="lib inputs model kernel"
	[sluiced]="lib inputs model health files kernel names"
	[sluicectl]="lib inputs model health files kernel"
)
bad=0
for dir in user/*/; do
	stage=$(basename "$dir")
	if [ -z "${may[$stage]+x}" ]; then
		echo "layers: user/$stage/ is not a stage of the pipeline (tests/check-layers.sh)" >&2
		bad=1
		continue
	fi
	while IFS=: read -r file line inc; do
		target=${inc%%/*}
		[ "$target" = "$stage" ] && continue
		ok=0
		for m in ${may[$stage]}; do
			if [ "$m" = "$target" ] || [ "$m" = "$inc" ]; then ok=1; fi
		done
		if [ $ok = 0 ]; then
			echo "layers: $file:$line includes $inc: user/$stage/ may include only: ${may[$stage]:-nothing}" >&2
			bad=1
		fi
	done < <(grep -HnoE '#include "[a-z_]+/[a-z_]+\.h"' "$dir"*.[ch] 2>/dev/null |
		 sed -E 's/#include "(.*)"/\1/')
done
exit $bad
