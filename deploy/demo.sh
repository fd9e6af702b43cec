#!/usr/bin/env bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# demo.sh: the whole sluice loop in a throwaway network namespace, mount namespace and cgroup:
# sample backends, sluiced on an embedded config, a client reaching them by alias, the split,
# a backend going unhealthy and away, one dying and ejected by the kernel.
# Usage: demo.sh BUILD-DIR (as root; make demo does it).
set -euo pipefail

build=$(cd "${1:-build}" && pwd)
if [ "$(id -u)" -ne 0 ]; then
	echo "demo: needs root (network namespace, cgroup, BPF): sudo make demo" >&2
	exit 1
fi
if [ -z "${SLUICE_DEMO_INNER:-}" ]; then
	# Our own netns (nothing leaves it) and mount ns (bpffs and /etc/hosts stay private).
	exec env SLUICE_DEMO_INNER=1 unshare --net --mount --propagation private "$0" "$build"
fi

cg2=$(awk '$3 == "cgroup2" { print $2; exit }' /proc/mounts)
[ -n "$cg2" ] || { echo "demo: no cgroup2 mounted (see /proc/mounts)" >&2; exit 1; }
tmp=$(mktemp -d /tmp/sluice-demo.XXXXXX)
cg="$cg2/sluice-demo-$$"
pids=()
daemon=

cleanup() {
	set +e
	[ -n "$daemon" ] && kill "$daemon" 2>/dev/null && wait "$daemon" 2>/dev/null
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
	wait 2>/dev/null
	[ -d "$tmp/bpf/sluice" ] && "$build/sluicectl" -b "$tmp/bpf/sluice" teardown >/dev/null
	umount -l "$tmp/bpf" 2>/dev/null
	for i in $(seq 50); do rmdir "$cg" 2>/dev/null && break; sleep 0.05; done
	rm -rf "$tmp"
}
trap cleanup EXIT

step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
ctl() { "$build/sluicectl" -b "$tmp/bpf/sluice" "$@"; }
in_cgroup() { bash -c 'echo $$ > "$0/cgroup.procs" && exec "$@"' "$cg" "$@"; }

ip link set lo up
mkdir -p "$tmp/bpf" "$tmp/registry" "$cg"
mount -t bpf bpf "$tmp/bpf"

step "Three backends of service 'orders' (127.0.0.21-23), in a private network namespace"
for i in 1 2 3; do
	"$build/tools/sluice-echo" "orders-$i" "127.0.0.2$i" "900$i" & pids+=($!)
done

cat > "$tmp/sluice.json" <<JSON
{
  "namespace": "demo.local",
  "registry": { "file": "$tmp/registry" },
  "bpffs": "$tmp/bpf/sluice",
  "hostsFile": "$tmp/hosts",
  "stateFile": "$tmp/state.json",
  "statusFile": "$tmp/status.json",
  "cgroups": [ "$cg" ],
  "services": [
    { "portName": "http", "discoveryName": "orders",
      "clientAliases": [ { "dnsName": "orders", "port": 8080 } ] }
  ]
}
JSON
registry() { # weight-or-state of each instance, Cloud Map's discover-instances shape
	local out='{"Instances": [' sep='' i
	for i in 1 2 3; do
		local spec=${!i} health=HEALTHY weight=1
		[ "$spec" = gone ] && continue
		[ "$spec" = unhealthy ] && health=UNHEALTHY || weight=$spec
		out+="$sep{\"InstanceId\": \"orders-$i\", \"NamespaceName\": \"demo.local\", \"ServiceName\": \"orders\", \"HealthStatus\": \"$health\", \"Attributes\": {\"AWS_INSTANCE_IPV4\": \"127.0.0.2$i\", \"AWS_INSTANCE_PORT\": \"900$i\", \"weight\": \"$weight\"}}"
		sep=', '
	done
	printf '%s]}\n' "$out" > "$tmp/registry/orders.json.tmp"
	mv "$tmp/registry/orders.json.tmp" "$tmp/registry/orders.json"
}
registry 1 1 2
step "The config (ECS serviceConnectConfiguration shape) and registry (Cloud Map discover-instances)"
cat "$tmp/sluice.json"
cat "$tmp/registry/orders.json"

step "sluiced starts: loads the programs, pins the maps, attaches the task cgroup"
"$build/sluiced" --config "$tmp/sluice.json" & daemon=$!
for i in $(seq 100); do [ -s "$tmp/hosts" ] && break; sleep 0.05; done
sleep 0.2

step "The generated hosts file, bind-mounted over /etc/hosts as a task would"
mount --bind "$tmp/hosts" /etc/hosts
cat /etc/hosts

step "A client in the task cgroup connects to orders:8080 by name (weights 1:1:2)"
in_cgroup "$build/tools/sluice-hit" orders 8080 400

step "The same connect from outside the attached cgroup is not touched (the VIP is a dead end)"
"$build/tools/sluice-hit" orders 8080 3 || true

step "orders-3 turns UNHEALTHY in the registry: gone from the next connect"
registry 1 1 unhealthy
sleep 0.3
in_cgroup "$build/tools/sluice-hit" orders 8080 200

step "orders-1 leaves the registry; orders-3 comes back"
registry gone 1 1
sleep 0.3
in_cgroup "$build/tools/sluice-hit" orders 8080 200

step "orders-2's process dies: the kernel ejects it after 3 failed connects (outlierDetection)"
kill "${pids[1]}"
in_cgroup "$build/tools/sluice-hit" orders 8080 200
sleep 0.2

step "sluicectl services: aliases, VIPs, backends, weights, state (orders-2 ejected), counters"
ctl services

step "The maps are BTF-typed: bpftool map dump pinned .../frontends"
bpftool map dump pinned "$tmp/bpf/sluice/frontends" | head -20

step "sluiced is killed (SIGKILL): the data plane keeps serving its last state"
kill -9 "$daemon"; wait "$daemon" 2>/dev/null || true; daemon=
in_cgroup "$build/tools/sluice-hit" orders 8080 100

step "Every backend goes: connects fail fast with ECONNREFUSED (sluiced restarted, adopting the maps)"
"$build/sluiced" --config "$tmp/sluice.json" & daemon=$!
sleep 0.5
registry gone gone gone
sleep 0.3
in_cgroup "$build/tools/sluice-hit" orders 8080 5

step "Done; everything made here is removed"
