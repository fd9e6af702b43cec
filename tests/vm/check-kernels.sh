#!/usr/bin/env bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# check-kernels.sh: boots Debian 12's generic 6.1 kernel under qemu and runs the e2e suite and
# the unit tests that touch the kernel in it, with the binaries already built in BUILD.
#
# Usage: check-kernels.sh BUILD [-t NAME]... [-l]   (as root; make check-kernels builds and calls it)
#   -t NAME, -l   go to the e2e binary (cases whose name contains NAME; -l lists them, on the host)
# Environment:
#   CHECK_KERNELS_SMOKE=1     a small subset (routing, one health case, socket termination by
#                             sock_diag), about a minute, for when the full run does not fit
#   CHECK_KERNELS_TIMEOUT=S   the VM's wall-clock limit (default 2700 s, smoke 900 s)
#   CHECK_KERNELS_SLOW=N      E2E_SLOW in the guest (tests/e2e/harness.h: the harness's waits N
#                             times as long; default 8 under TCG, 1 under KVM)
#   CHECK_KERNELS_PKG=NAME    the kernel package (default: the newest
#                             linux-image-6.1.0-N-amd64-unsigned apt knows)
# The packages are fetched with apt-get download into BUILD/vm/cache (kept for the next run) and
# unpacked under BUILD/vm; nothing is installed. The guest mounts the host root read-only, the
# source tree read-only and BUILD read-write (9p); its output comes over the serial console and
# its exit status through BUILD/vm/run/rc. The exit status is the suite's.
set -euo pipefail

usage() {
	echo "usage: $0 BUILD [-t NAME]... [-l]" >&2
	exit 2
}
[ $# -ge 1 ] || usage
src=$(cd "$(dirname "$0")/../.." && pwd)
mkdir -p "$1"
build=$(cd "$1" && pwd)
shift
e2e_args=("$@")

# The smoke subset (CHECK_KERNELS_SMOKE=1), as e2e -t filters; the unit tests that touch what
# differs between kernels (socket termination: sock_diag where there are no iterators), in both
# modes. (test_checker, network-only, asserts on its check schedule, which emulation skews.)
smoke_cases=("tcp4 connect to VIP" "udp4 connected" "active TCP check"
	     "connected UDP socket to a removed backend" "terminateTcp" "names: a task in")
units=(test_sockterm)

log() { echo "check-kernels: $*"; }
die() {
	echo "check-kernels: error: $*" >&2
	exit 1
}

for a in "${e2e_args[@]}"; do
	if [ "$a" = -l ]; then
		exec "$build/e2e/e2e" "${e2e_args[@]}"
	fi
done
[ "$(id -u)" -eq 0 ] || die "needs root (qemu reads the host root over 9p as root)"
command -v qemu-system-x86_64 >/dev/null ||
	die "qemu-system-x86_64 missing: deploy/install-deps.sh --kernels installs it"
for f in e2e/e2e asan/sluiced sluicectl "${units[@]/#/tests/}"; do
	[ -x "$build/$f" ] || die "$build/$f is not built (make check-kernels builds it)"
done

smoke=${CHECK_KERNELS_SMOKE:-0}
if [ "$smoke" = 1 ]; then
	for c in "${smoke_cases[@]}"; do
		e2e_args+=(-t "$c")
	done
	limit=${CHECK_KERNELS_TIMEOUT:-900}
else
	limit=${CHECK_KERNELS_TIMEOUT:-2700}
fi
[[ "$limit" =~ ^[0-9]+$ ]] || die "CHECK_KERNELS_TIMEOUT must be seconds, got '$limit'"

vm=$build/vm
cache=$vm/cache
run=$vm/run
mkdir -p "$cache"

# ---- the packages: the newest generic 6.1 image (the -cloud- one has no 9p) and busybox ----
newest_kernel() {
	apt-cache search --names-only '^linux-image-6\.1\.0-[0-9]+-amd64-unsigned$' 2>/dev/null |
		awk '{ print $1 }' | sort -V | tail -n 1
}
pkg=${CHECK_KERNELS_PKG:-}
if [ -z "$pkg" ]; then
	pkg=$(newest_kernel)
	if [ -z "$pkg" ]; then
		# apt's lists may not have been fetched yet (a fresh machine): once.
		log "apt knows no linux-image-6.1.0-*-amd64-unsigned; apt-get update"
		apt-get update -qq || true
		pkg=$(newest_kernel)
	fi
	if [ -z "$pkg" ]; then
		# no lists at all: the newest kernel in the cache, if any
		pkg=$(find "$cache" -maxdepth 1 -name 'linux-image-6.1.0-*-amd64-unsigned_*.deb' \
			-printf '%f\n' | sed 's/_.*//' | sort -V | tail -n 1)
	fi
	[ -n "$pkg" ] || die "no linux-image-6.1.0-*-amd64-unsigned package found (apt-get update?)"
fi
[[ "$pkg" =~ ^linux-image-6\.1\.0-[0-9]+-amd64-unsigned$ ]] ||
	die "CHECK_KERNELS_PKG must be linux-image-6.1.0-N-amd64-unsigned, got '$pkg'"
kver=${pkg#linux-image-}
kver=${kver%-unsigned}

cached_deb() { find "$cache" -maxdepth 1 -name "$1_*.deb" -printf '%p\n' | sort -V | tail -n 1; }
fetch() {
	local name=$1 deb
	deb=$(cached_deb "$name")
	if [ -z "$deb" ]; then
		log "downloading $name into $cache" >&2
		(cd "$cache" && apt-get download -q -o APT::Sandbox::User=root "$name" >/dev/null) ||
			die "apt-get download $name failed"
		deb=$(cached_deb "$name")
		[ -n "$deb" ] || die "apt-get download $name left no .deb in $cache"
	fi
	echo "$deb"
}
kdeb=$(fetch "$pkg")
bdeb=$(fetch busybox-static)
# Older kernels in the cache are not needed any more.
find "$cache" -maxdepth 1 -name 'linux-image-6.1.0-*-amd64-unsigned_*.deb' \
	! -name "$(basename "$kdeb")" -delete

# Unpacked once per .deb (a stamp says it completed).
unpack() {
	local deb=$1 dir=$2
	if [ ! -e "$dir/.unpacked" ] || [ "$(cat "$dir/.unpacked")" != "$(basename "$deb")" ]; then
		rm -rf "$dir"
		mkdir -p "$dir"
		dpkg-deb -x "$deb" "$dir"
		basename "$deb" > "$dir/.unpacked"
	fi
}
unpack "$kdeb" "$vm/kernel"
unpack "$bdeb" "$vm/busybox"
vmlinuz=$vm/kernel/boot/vmlinuz-$kver
moddir=$vm/kernel/lib/modules/$kver
[ -f "$vmlinuz" ] || die "$kdeb has no boot/vmlinuz-$kver"

# ---- the initramfs: busybox, init, the modules, where things are ----
initrd=$vm/initramfs.cpio.gz
stage=$vm/initramfs
rm -rf "$stage" "$run"
mkdir -p "$stage"/{bin,etc,lib/modules} "$run"
cp "$vm/busybox/bin/busybox" "$stage/bin/busybox"
cp "$src/tests/vm/init" "$stage/init"
chmod 0755 "$stage/init"
ko_of() { find "$moddir" \( -name "$1.ko" -o -name "$1.ko.xz" -o -name "$1.ko.zst" \) | head -n 1; }
ko_read() {
	case "$1" in
	*.xz) xz -dc "$1" ;;
	*.zst) zstd -qdc "$1" ;;
	*) cat "$1" ;;
	esac
}
# A module after its dependencies (modinfo's depends=), each once; bounded by the depth.
declare -A added=()
add_module() {
	local m=$1 depth=$2 ko d
	[ -z "${added[$m]:-}" ] || return 0
	[ "$depth" -lt 16 ] || die "module dependencies nest too deep at $m"
	ko=$(ko_of "$m")
	[ -n "$ko" ] || die "module $m not in $pkg"
	ko_read "$ko" > "$stage/lib/modules/$m.ko"
	for d in $(tr '\0' '\n' < "$stage/lib/modules/$m.ko" | sed -n 's/^depends=//p' | tr ',' ' '); do
		add_module "$d" $((depth + 1))
	done
	added[$m]=1
	echo "$m" >> "$stage/etc/modules"
}
: > "$stage/etc/modules"
for m in $(grep -v -e '^#' -e '^$' "$src/tests/vm/modules"); do
	add_module "$m" 0
done
printf 'SRC=%q\nBUILD=%q\nRUN=%q\n' "$src" "$build" "$run" > "$stage/etc/vm.conf"
(cd "$stage" && find . | "$stage/bin/busybox" cpio -o -H newc 2>/dev/null | gzip -1) > "$initrd"

# ---- the accelerator: KVM if qemu can start a vCPU with it, else TCG ----
accel=(-accel tcg,thread=multi -cpu max)
kvm_works() {
	[ -w /dev/kvm ] || return 1
	(echo quit | timeout 20 qemu-system-x86_64 -accel kvm -cpu host -nodefaults -no-user-config \
		-display none -S -monitor stdio -m 64) >/dev/null 2>&1
}
slow=8
if kvm_works; then
	accel=(-accel kvm -cpu host)
	slow=1
fi
slow=${CHECK_KERNELS_SLOW:-$slow}
[[ "$slow" =~ ^([1-9]|1[0-9]|20)$ ]] || die "CHECK_KERNELS_SLOW must be 1-20, got '$slow'"

# ---- the job: what guest.sh runs ----
{
	printf 'SRC=%q\nBUILD=%q\nE2E_SLOW=%q\n' "$src" "$build" "$slow"
	printf 'UNITS=('
	for u in "${units[@]}"; do printf '%q ' "$build/tests/$u"; done
	printf ')\nE2E_ARGS=('
	for a in "${e2e_args[@]}"; do printf '%q ' "$a"; done
	printf ')\n'
} > "$run/job"

qpid=
cleanup() {
	if [ -n "$qpid" ] && kill -0 "$qpid" 2>/dev/null; then
		kill "$qpid" 2>/dev/null || true
		for _ in $(seq 50); do kill -0 "$qpid" 2>/dev/null || break; sleep 0.1; done
		kill -9 "$qpid" 2>/dev/null || true
	fi
	[ -z "$qpid" ] || wait "$qpid" 2>/dev/null || true
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

v9p=security_model=passthrough,multidevs=remap
log "$pkg (${accel[1]%%,*}), $([ "$smoke" = 1 ] && echo smoke || echo full) run, limit ${limit}s"
start=$(date +%s.%N)
qemu-system-x86_64 -nodefaults -no-user-config -display none -no-reboot -nic none \
	"${accel[@]}" -smp 2 -m 3072 \
	-kernel "$vmlinuz" -initrd "$initrd" \
	-append "console=ttyS0 panic=-1 quiet loglevel=4" \
	-chardev "stdio,id=con,signal=off,logfile=$run/console.log" -serial chardev:con \
	-virtfs "local,path=/,mount_tag=hostroot,readonly=on,$v9p" \
	-virtfs "local,path=$src,mount_tag=src,readonly=on,$v9p" \
	-virtfs "local,path=$build,mount_tag=build,$v9p" \
	< /dev/null &
qpid=$!
timed_out=0
for _ in $(seq "$limit"); do
	kill -0 "$qpid" 2>/dev/null || break
	sleep 1
done
if kill -0 "$qpid" 2>/dev/null; then
	timed_out=1
	log "the VM ran past ${limit}s: stopped"
fi
cleanup
qpid=
wall=$(awk -v a="$start" -v b="$(date +%s.%N)" 'BEGIN { printf "%.0f", b - a }')

rc=1
if [ "$timed_out" = 0 ] && [ -f "$run/rc" ]; then
	rc=$(cat "$run/rc")
elif [ "$timed_out" = 0 ]; then
	log "the guest gave no exit status (see $run/console.log)"
fi
times=$(cat "$run/times" 2>/dev/null || true)
log "$kver: exit $rc, ${wall}s wall clock (boot to poweroff); $times"
# One closing line for both runners: their "N passed, N failed[, N skipped]" lines added up.
sum() {
	sed -n "s/^\(unit\|e2e\): .*\b\([0-9][0-9]*\) $1.*/\2/p" "$run/unit.out" "$run/e2e.out" \
		2>/dev/null | tail -n 2 | awk '{ n += $1 } END { print n + 0 }'
}
p=$(sum passed) f=$(sum failed) s=$(sum skipped)
[ "$rc" = 0 ] || [ "$f" -gt 0 ] || f=1 # no counts (a crash, the limit): one failure
log "$p passed, $f failed, $s skipped"
exit "$rc"
