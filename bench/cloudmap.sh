#!/usr/bin/env bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# cloudmap.sh: the Cloud Map API source against the tests' stand-in for AWS
# (tests/tools/cloudmap-standin.py, SigV4 checked), in a network namespace of its own: SERVICES
# services polled every POLL seconds for SECONDS while instances register (bench/cloudmap-refresh.c).
# Prints one JSON line: when the added instances appeared against POLL, the source's CPU, the
# requests by kind.
# Usage: bench/cloudmap.sh BUILD-DIR [SERVICES [POLL [SECONDS [ADDED-PER-SECOND]]]] (as root).
set -euo pipefail

cd "$(dirname "$0")/.."
build=$(cd "${1:-build}" && pwd)
services=${2:-200}
poll=${3:-5}
seconds=${4:-60}
per_round=${5:-5}
[ "$(id -u)" -eq 0 ] || { echo "bench/cloudmap.sh: needs root (a network namespace)" >&2; exit 1; }
tmp=$(mktemp -d /tmp/sluice-bench-cloudmap.XXXXXX)
trap 'rm -rf "$tmp"' EXIT

cat > "$tmp/run.sh" <<RUN
set -euo pipefail
ip link set lo up
echo '{"namespace": "bench"}' > "$tmp/state.json"
python3 tests/tools/cloudmap-standin.py "$tmp/state.json" "$tmp/log" 127.0.0.60:8780 2>"$tmp/err" &
standin=\$!
trap 'kill \$standin 2>/dev/null || true' EXIT
for i in \$(seq 50); do grep -q '"ready"' "$tmp/log" 2>/dev/null && break; sleep 0.1; done
export AWS_ACCESS_KEY_ID=AKIDSTANDIN0000000001
export AWS_SECRET_ACCESS_KEY=standin/static/secret/key/000000000001
out=\$("$build/bench/cloudmap-refresh" http://127.0.0.60:8780 "$tmp/state.json" $services $poll \
	$seconds $per_round)
rev=\$(grep -c '"DiscoverInstancesRevision"' "$tmp/log" || true)
full=\$(grep -c '"DiscoverInstances"' "$tmp/log" || true)
bad=\$(grep -c '"status": 403' "$tmp/log" || true)
echo "\${out%\}}, \"revision_requests\": \$rev, \"full_requests\": \$full, \"refused\": \$bad}"
RUN
unshare -n bash "$tmp/run.sh"
