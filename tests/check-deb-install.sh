#!/usr/bin/env bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# check-deb-install.sh: the package installed for real, into a throwaway Debian 12 root
# (debootstrap --variant=minbase bookworm, from the Debian mirror this host's apt uses; the
# bootstrapped root is kept as a tarball under BUILD-DIR/debroot/ for a week, so reruns skip
# it): apt-get install of the .deb resolving its Depends from the mirror, in a chroot in a
# mount namespace of its own (its /proc goes with it), where no systemd runs; then its
# programs run there (ldd, sluicectl --version, sluiced --check on the packaged config), the
# maintainer scripts' work is checked (the registry directory made, the unit enabled for the
# next boot and not started), then apt-get remove (the conffile stays) and purge (the state,
# the conffile and the unit's enablement go; a file of the admin's in the registry stays).
# No mirror reachable: skipped, saying so (exit 0). Usage: check-deb-install.sh BUILD-DIR DEB
# (tests/check-deb.sh runs it); SLUICE_DEB_MIRROR=URL bootstraps from another mirror.
set -euo pipefail

cd "$(dirname "$0")/.."
build=$1
deb=$(realpath "$2")
version=$(dpkg-deb --field "$deb" Version)
suite=bookworm
arch=$(dpkg --print-architecture)
cache_dir=$build/debroot
cache=$cache_dir/$suite-minbase-$arch.tar.gz
fails=0
fail() { echo "check-deb-install: $*" >&2; fails=$((fails + 1)); }
ok() { echo "ok - $*"; }
skip() { echo "check-deb-install: skipped, the package is not installed for real: $*"; exit 0; }

[ "$(id -u)" -eq 0 ] || { echo "check-deb-install: needs root (debootstrap, chroot)" >&2; exit 1; }
for tool in debootstrap chroot unshare; do
	command -v "$tool" >/dev/null ||
		{ echo "check-deb-install: no $tool (deploy/install-deps.sh --deb)" >&2; exit 1; }
done

# The mirror this host's apt takes Debian's $suite main from ($SLUICE_DEB_MIRROR: another).
mirror=${SLUICE_DEB_MIRROR:-}
[ -n "$mirror" ] || mirror=$(apt-get indextargets --format '$(SITE) $(RELEASE) $(COMPONENT) $(IDENTIFIER)' 2>/dev/null |
	awk -v s="$suite" '$2 == s && $3 == "main" && $4 == "Packages" { print $1; exit }')
[ -n "$mirror" ] || skip "this host's apt sources name no mirror of Debian $suite main"
if ! why=$(/usr/bin/python3 - "$mirror/dists/$suite/Release" 2>&1 <<'EOF'
import sys, urllib.request
try:
    urllib.request.urlopen(sys.argv[1], timeout=20).read(64)
except Exception as e:
    print(e)
    sys.exit(1)
EOF
); then
	skip "the mirror $mirror does not answer (its $suite Release file: $why)"
fi

root=$(mktemp -d /tmp/sluice-debroot.XXXXXX)
chmod 0755 "$root" # its / as a system's: apt's _apt user goes through it
# Mounts are made only in the chroot's own mount namespace (unshare), so none outlives it;
# still, nothing is removed while anything is mounted below the root.
cleanup() {
	if findmnt -rn -o TARGET | grep -q "^$root"; then
		echo "check-deb-install: $root still has mounts; left in place" >&2
		return
	fi
	rm -rf --one-file-system "$root"
}
trap cleanup EXIT

start=$(date +%s)
mkdir -p "$cache_dir"
if [ -f "$cache" ] && [ -n "$(find "$cache" -mtime -7)" ]; then
	tar --numeric-owner -xzf "$cache" -C "$root"
	how="from $cache"
else
	if ! debootstrap --variant=minbase "$suite" "$root" "$mirror" > "$cache_dir/debootstrap.log" 2>&1; then
		echo "check-deb-install: debootstrap $suite from $mirror failed:" >&2
		tail -n 20 "$cache_dir/debootstrap.log" >&2
		exit 1
	fi
	rm -rf "$root/var/cache/apt/archives/"*.deb
	tar --numeric-owner -czf "$cache.tmp" -C "$root" . && mv "$cache.tmp" "$cache"
	how="bootstrapped from $mirror in $(($(date +%s) - start)) s, kept in $cache"
fi
chmod 0755 "$root" # (a tarball's "." of before had mktemp's 0700)
ok "a Debian $suite root ($how)"

# The host's name resolution and the apt settings it needs for the mirror (a snapshot's Release
# may be past its Valid-Until; a proxy).
cp /etc/resolv.conf "$root/etc/resolv.conf"
apt-config dump | grep -E '^Acquire::(Check-Valid-Until|Check-Date|https?::Proxy) ' \
	> "$root/etc/apt/apt.conf.d/99host" || true
cp "$deb" "$root/tmp/"

# Run a shell script (stdin) in the chroot, /proc and a devpts instance mounted in a mount
# namespace of its own.
in_root() {
	unshare --mount --fork /bin/sh -c 'mount -t proc proc "$1/proc" &&
		mount -t devpts -o newinstance,ptmxmode=0666 devpts "$1/dev/pts" &&
		exec chroot "$1" /bin/sh -eu' _ "$root"
}

if ! out=$(in_root 2>&1 <<EOF
export DEBIAN_FRONTEND=noninteractive LC_ALL=C.UTF-8 PATH=/usr/sbin:/usr/bin:/sbin:/bin
apt-get update -qq
apt-get install -y -qq --no-install-recommends /tmp/${deb##*/}
EOF
); then
	fail "apt-get install ./${deb##*/} in the $suite root: $(echo "$out" | tail -n 20)"
	exit 1
fi
ok "apt-get install ./${deb##*/}: its Depends resolved from the mirror ($(
	grep -o 'Setting up [^ ]*' <<<"$out" | wc -l) packages set up)"
[ -d "$root/run/systemd/system" ] && fail "the root has /run/systemd/system: systemd would seem to run"

# What the maintainer scripts did, and the programs as installed.
out=$(in_root 2>&1 <<'EOF'
dpkg-query -W -f '${Status}\n' sluice
test -d /etc/sluice/registry && echo registry made
test -L /etc/systemd/system/multi-user.target.wants/sluiced.service && echo unit enabled
ldd /usr/sbin/sluiced /usr/sbin/sluicectl | grep 'not found' || echo libraries found
sluicectl --version
sluiced --version
sluiced --check > /tmp/check.out 2>&1 && echo check passed || { cat /tmp/check.out; echo check failed; }
EOF
) || true
for want in "install ok installed" "registry made" "unit enabled" "libraries found" \
	"sluicectl $version" "sluiced $version" "check passed"; do
	grep -q "^$want" <<<"$out" || fail "installed: no '$want' in: $out"
done
ok "installed: /etc/sluice/registry made, sluiced.service enabled (not started: no systemd), libraries found, sluicectl and sluiced $version run, sluiced --check passes the packaged config"

# Remove: the programs go, the conffile stays; purge: the rest goes, the admin's files stay.
out=$(in_root 2>&1 <<'EOF'
export DEBIAN_FRONTEND=noninteractive
mkdir -p /var/lib/sluice && echo '{}' > /var/lib/sluice/state.json
echo '{"Instances": []}' > /etc/sluice/registry/mine.json
apt-get remove -y -qq sluice >/dev/null
test -e /usr/sbin/sluiced && echo removed: sluiced left
test -f /etc/sluice/sluice.json && echo removed: conffile kept
dpkg-query -W -f '${Status}\n' sluice | sed 's/^/removed: /'
apt-get purge -y -qq sluice >/dev/null
test -e /etc/sluice/sluice.json && echo purged: conffile left
test -e /var/lib/sluice && echo purged: state left
test -e /etc/systemd/system/multi-user.target.wants/sluiced.service && echo purged: enablement left
test -f /etc/sluice/registry/mine.json && echo purged: admin file kept
if s=$(dpkg-query -W -f '${Status}' sluice 2>/dev/null); then echo "purged: $s"; else echo purged: unknown to dpkg; fi
EOF
) || fail "remove and purge: $out"
for want in "removed: conffile kept" "removed: deinstall ok config-files" "purged: admin file kept"; do
	grep -q "^$want" <<<"$out" || fail "no '$want' in: $out"
done
for bad in "removed: sluiced left" "purged: conffile left" "purged: state left" \
	"purged: enablement left"; do
	grep -q "^$bad" <<<"$out" && fail "$bad"
done
grep -q -E '^purged: (unknown to dpkg|unknown ok not-installed)' <<<"$out" ||
	fail "after purge dpkg still knows sluice: $out"
ok "remove keeps the conffile; purge takes it, /var/lib/sluice and the enablement, and leaves the admin's registry file"

if [ "$fails" -ne 0 ]; then
	echo "check-deb-install: $fails check(s) failed" >&2
	exit 1
fi
echo "check-deb-install: ${deb##*/} installed, run and purged in a Debian $suite root in $(($(date +%s) - start)) s"
