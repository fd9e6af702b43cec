#!/usr/bin/env bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# dns.sh: the DNS registry source at scale: Knot, in a network namespace of its own, holds NAMES
# services (2 SRV records each and their targets' A records); the source asks every one every
# 5 s for SECONDS while records are added (bench/dns-refresh.c). Prints one JSON line.
# Usage: bench/dns.sh BUILD-DIR [NAMES [SECONDS [ADDED-PER-SECOND]]] (as root; loopback only).
set -euo pipefail

build=$(cd "${1:-build}" && pwd)
names=${2:-10000}
seconds=${3:-60}
per_round=${4:-20}
server=127.0.0.53
[ "$(id -u)" -eq 0 ] || { echo "bench/dns.sh: needs root (a network namespace)" >&2; exit 1; }
command -v knotd >/dev/null || { echo "bench/dns.sh: needs knot (deploy/install-deps.sh --bench)" >&2; exit 1; }
tmp=$(mktemp -d /tmp/sluice-bench-dns.XXXXXX)
trap 'rm -rf "$tmp"' EXIT

awk -v n="$names" -v s="$server" 'BEGIN {
	print "$ORIGIN bench.local.\n$TTL 5\n@ SOA ns admin 1 60 60 600 5\n@ NS ns\nns A " s
	for (i = 0; i < n; i++) {
		printf "s%d SRV 1 1 80 a%d.s%d\ns%d SRV 1 1 80 b%d.s%d\n", i, i, i, i, i, i
		printf "a%d.s%d A 10.%d.%d.1\nb%d.s%d A 10.%d.%d.2\n", i, i, int(i / 256) % 256, i % 256,
		       i, i, int(i / 256) % 256, i % 256
	}
}' > "$tmp/bench.local.zone"
cat > "$tmp/knot.conf" <<CONF
server:
  rundir: "$tmp"
  listen: $server@53
  udp-max-payload: 1232
log:
  - target: stderr
    any: warning
database:
  storage: "$tmp/db"
mod-stats:
  - id: default
    request-protocol: on
acl:
  - id: update
    address: 127.0.0.0/8
    action: update
template:
  - id: default
    storage: "$tmp"
    zonefile-sync: -1
    zonefile-load: whole
    journal-content: none
    global-module: mod-stats/default
zone:
  - domain: bench.local
    file: "bench.local.zone"
    acl: update
CONF

# The requests Knot answered so far (UDP and TCP).
cat > "$tmp/run.sh" <<RUN
set -euo pipefail
ip link set lo up
knotd -c "$tmp/knot.conf" -d
for i in \$(seq 50); do kdig @$server +time=1 +retry=0 bench.local SOA >/dev/null 2>&1 && break; sleep 0.2; done
requests() { knotc -c "$tmp/knot.conf" stats mod-stats.request-protocol 2>/dev/null |
	awk -F' = ' '{ n += \$2 } END { print n + 0 }'; }
r0=\$(requests); t0=\$(date +%s.%N)
out=\$("$build/bench/dns-refresh" $server $names $seconds $per_round)
r1=\$(requests); t1=\$(date +%s.%N)
drops=\$(awk '/^Udp:/ && \$2 ~ /^[0-9]/ { print \$6 }' /proc/net/snmp) # RcvbufErrors
knotc -c "$tmp/knot.conf" stop >/dev/null
echo "\${out%\}}, \"server_qps\": \$(echo "(\$r1 - \$r0) / (\$t1 - \$t0)" | bc), \"udp_drops\": \$drops}"
RUN
unshare -n bash "$tmp/run.sh"
