#!/usr/bin/env bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# gen-services.sh: writes a sluice config and a Cloud Map registry file with N services of B
# backends each, for the scale and control-plane benchmarks; VIPs and backends are fixed.
#
# Usage: bench/gen-services.sh N B DIR CGROUP BPFFS [PORT [LAST-APART]]
#   DIR/sluice.json   services s0..s(N-1), fixed vip 127.64.0.0 + i + 1, alias port 80, TCP
#   DIR/registry/sK.json   B instances per service, 127.0.1.1..B at PORT (default 9000), one
#                          file per 10,000 services (sluiced reads files of up to 64 MiB);
#                          with LAST-APART 1, the last service's in DIR/registry/last.json
#   DIR/services.txt  one "VIP PORT" line per service (what iptables DNAT gets too)
set -euo pipefail
[ $# -ge 5 ] || { echo "usage: $0 N B DIR CGROUP BPFFS [PORT]" >&2; exit 2; }
n=$1 b=$2 dir=$3 cg=$4 bpffs=$5 port=${6:-9000} apart=${7:-0}
mkdir -p "$dir/registry"
awk -v n="$n" -v b="$b" -v dir="$dir" -v cg="$cg" -v bpffs="$bpffs" -v port="$port" -v apart="$apart" '
function vip(i,   a) { a = i + 1; return sprintf("127.%d.%d.%d", 64 + int(a / 65536), int(a / 256) % 256, a % 256) }
BEGIN {
	cfg = dir "/sluice.json"; txt = dir "/services.txt"
	printf "{\"namespace\":\"bench.local\",\"registry\":{\"file\":\"%s/registry\"},", dir > cfg
	printf "\"bpffs\":\"%s\",\"hostsFile\":\"%s/hosts\",\"stateFile\":\"%s/state.json\",\"statusFile\":\"%s/status.json\",", bpffs, dir, dir, dir > cfg
	printf "\"cgroups\":[\"%s\"],\"vipCidr\":\"127.64.0.0/10\",", cg > cfg
	printf "\"limits\":{\"services\":%d,\"backends\":%d,\"frontends\":%d},", n + 16, n * b + 16, n + 16 > cfg
	printf "\"services\":[\n" > cfg
	for (i = 0; i < n; i++) {
		printf "%s{\"discoveryName\":\"s%d\",\"vip\":\"%s\",\"clientAliases\":[{\"port\":80}]}\n", i ? "," : "", i, vip(i) > cfg
		print vip(i), 80 > txt
		if (i % 10000 == 0 || (apart && i == n - 1)) {
			if (i) { printf "]}\n" > reg; close(reg) }
			reg = sprintf("%s/registry/s%d.json", dir, i)
			if (apart && i == n - 1)
				reg = dir "/registry/last.json"
			printf "{\"Instances\":[\n" > reg
			first = 1
		}
		for (j = 1; j <= b; j++) {
			printf "%s{\"InstanceId\":\"i%d\",\"ServiceName\":\"s%d\",\"Attributes\":{\"AWS_INSTANCE_IPV4\":\"127.0.1.%d\",\"AWS_INSTANCE_PORT\":\"%d\"}}\n", first ? "" : ",", j, i, j, port > reg
			first = 0
		}
	}
	printf "]}\n" > cfg
	if (n) printf "]}\n" > reg
}'

