#!/usr/bin/env bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# etcd.sh: the etcd registry source against a real three-member etcd cluster on 127.0.0.41-43
# of a network namespace of its own (data in a temporary directory): from a put sent to the
# source holding it (bench/etcd-watch.c), at 1 and at 1,000 changes a second. Prints a JSON
# line each. Usage: bench/etcd.sh BUILD-DIR [SECONDS] (as root; loopback only).
set -euo pipefail

build=$(cd "${1:-build}" && pwd)
seconds=${2:-10}
[ "$(id -u)" -eq 0 ] || { echo "bench/etcd.sh: needs root (a network namespace)" >&2; exit 1; }
command -v etcd >/dev/null || { echo "bench/etcd.sh: needs etcd-server (deploy/install-deps.sh)" >&2; exit 1; }
tmp=$(mktemp -d /tmp/sluice-bench-etcd.XXXXXX)
trap 'rm -rf "$tmp"' EXIT

cat > "$tmp/run.sh" <<RUN
set -euo pipefail
ip link set lo up
cluster=m0=http://127.0.0.41:2380,m1=http://127.0.0.42:2380,m2=http://127.0.0.43:2380
pids=()
trap 'kill -9 "\${pids[@]}" 2>/dev/null; wait 2>/dev/null' EXIT
for i in 0 1 2; do
	a=127.0.0.4\$((i + 1))
	etcd --name m\$i --data-dir "$tmp/m\$i" --listen-client-urls http://\$a:2379 \
		--advertise-client-urls http://\$a:2379 --listen-peer-urls http://\$a:2380 \
		--initial-advertise-peer-urls http://\$a:2380 --initial-cluster \$cluster \
		--initial-cluster-token sluice-bench --log-level warn > "$tmp/m\$i.log" 2>&1 &
	pids+=(\$!)
done
for i in \$(seq 50); do
	ETCDCTL_API=3 etcdctl --endpoints=http://127.0.0.41:2379 put /bench/ping 1 >/dev/null 2>&1 && break
	sleep 0.2
done
"$build/bench/etcd-watch" http://127.0.0.41:2379 1 $seconds
"$build/bench/etcd-watch" http://127.0.0.41:2379 1000 $seconds
RUN
unshare -n bash "$tmp/run.sh"
