# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# lib.sh: what the benchmark scripts share (sourced): running as root in namespaces of their
# own, child cgroups, processes started and stopped, the tree measured, BENCHMARKS.md sections.

bench_need_root() {
	if [ "$(id -u)" -ne 0 ]; then
		echo "bench: needs root (network namespace, cgroup, BPF): sudo make bench" >&2
		exit 1
	fi
}

# NEEDED... -- ARGS: the scripts' arguments, BUILD-DIR RESULTS.jsonl, into $build and $results;
# the programs NEEDED (paths under BUILD-DIR) must be built.
bench_args() {
	local need=() f
	while [ $# -gt 0 ] && [ "$1" != -- ]; do need+=("$1"); shift; done
	shift
	[ $# -eq 2 ] || { echo "usage: $0 BUILD-DIR RESULTS.jsonl" >&2; exit 2; }
	build=$(cd "$1" && pwd)
	results=$(realpath -m "$2")
	for f in "${need[@]}"; do
		[ -x "$build/$f" ] || { echo "bench: $build/$f missing" >&2; exit 1; }
	done
}

# The network namespace a script made: loopback up, every ephemeral port, and no TIME_WAIT:
# one client address churning to one VIP reuses ports the server still holds in TIME_WAIT
# (it closes first), and through NAT such a SYN stalls for a second. Real clients come from
# many addresses; every path gets the same.
bench_net_init() {
	ip link set lo up
	sysctl -qw net.ipv4.ip_local_port_range="1024 65535"
	sysctl -qw net.ipv4.tcp_max_tw_buckets=0
}

# The cgroup2 mount (hybrid or unified), from /proc/mounts.
bench_cgroup2() {
	local cg2
	cg2=$(awk '$3 == "cgroup2" { print $2; exit }' /proc/mounts)
	[ -n "$cg2" ] || { echo "bench: no cgroup2 mounted (see /proc/mounts)" >&2; return 1; }
	echo "$cg2"
}

# PID: SIGTERM, then SIGKILL after 3 s; reaped when it is our child.
stop_pid() {
	local p=$1 i
	kill "$p" 2>/dev/null || return 0
	for i in $(seq 60); do kill -0 "$p" 2>/dev/null || break; sleep 0.05; done
	kill -9 "$p" 2>/dev/null || true
	{ wait "$p"; } 2>/dev/null || true
}

# A cgroup this run made: removed once its processes are gone (bounded).
rm_cgroup() {
	local cg=$1 i
	[ -d "$cg" ] || return 0
	for i in $(seq 60); do rmdir "$cg" 2>/dev/null && return 0; sleep 0.05; done
	echo "bench: could not remove $cg" >&2
}

# CGROUP CMD...: runs CMD inside CGROUP.
in_cgroup() { bash -c 'echo $$ > "$0/cgroup.procs" && exec "${@}"' "$@"; }

# FILE WORD: waits (bounded, 10 s) for a line starting with WORD in FILE (what a program
# prints once it serves); fails, showing FILE, when it does not come.
wait_line() {
	local f=$1 w=$2 i
	for i in $(seq 200); do
		grep -q "^$w" "$f" 2>/dev/null && return 0
		sleep 0.05
	done
	echo "bench: no \"$w\" from $f:" >&2
	cat "$f" >&2
	return 1
}

# The commit measured, +dirty when tracked files differ from it.
bench_commit() {
	local root=$1 c
	c=$(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo unknown)
	if [ "$c" != unknown ] &&
	   [ -n "$(git -C "$root" status --porcelain --untracked-files=no 2>/dev/null)" ]; then
		c+="+dirty"
	fi
	echo "$c"
}

# NAME SECTION-FILE OUT: puts the section (which starts with <!-- NAME:begin --> and ends
# with <!-- NAME:end -->) into OUT in place of the old one, or at its end.
splice_section() {
	local name=$1 sec=$2 out=$3 tmp
	if [ -f "$out" ] && grep -q "<!-- $name:begin -->" "$out" &&
	   grep -q "<!-- $name:end -->" "$out"; then
		tmp=$(mktemp)
		awk -v sec="$sec" -v b="<!-- $name:begin -->" -v e="<!-- $name:end -->" '
			$0 == b { while ((getline l < sec) > 0) print l; skip = 1; next }
			$0 == e { skip = 0; next }
			!skip' "$out" > "$tmp"
		cat "$tmp" > "$out"
		rm -f "$tmp"
	elif [ -f "$out" ]; then
		{ echo; cat "$sec"; } >> "$out"
	else
		{ printf '# Benchmarks\n\n'; cat "$sec"; } > "$out"
	fi
}
