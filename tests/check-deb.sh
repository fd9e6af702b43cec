#!/usr/bin/env bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# check-deb.sh: builds the Debian package (make deb) and checks it without installing it on
# this host: its control fields (version, the shared libraries dpkg-shlibdeps found), its
# files, conffiles and maintainer scripts; then, unpacked in a directory of its own, the
# programs run from it (--version; sluiced --check on its default config), the unit verifies
# and keeps its exposure, the man pages render; lintian when it is there; then installed for
# real in a throwaway Debian 12 root and purged (tests/check-deb-install.sh).
# Usage: check-deb.sh BUILD-DIR (.ci/run runs it).
set -euo pipefail

cd "$(dirname "$0")/.."
build=${1:-build}
fails=0
fail() { echo "check-deb: $*" >&2; fails=$((fails + 1)); }
ok() { echo "ok - $*"; }

make --no-print-directory BUILD="$build" deb
version=$(cat VERSION)
deb=$build/deb/sluice_${version}_$(dpkg --print-architecture).deb
[ -f "$deb" ] || { echo "check-deb: $deb was not built" >&2; exit 1; }
tmp=$(mktemp -d /tmp/sluice-deb.XXXXXX)
trap 'rm -rf "$tmp"' EXIT

# ---- control ----
field() { dpkg-deb --field "$deb" "$1"; }
[ "$(field Package)" = sluice ] || fail "Package is '$(field Package)', not sluice"
[ "$(field Version)" = "$version" ] || fail "Version $(field Version), VERSION says $version"
head -n 1 debian/changelog | grep -qF "sluice ($version)" ||
	fail "debian/changelog's first entry is not $version (VERSION)"
depends=$(field Depends)
for lib in libbpf1 libjansson4 libcurl4 libmnl0 libmicrohttpd12 libc-ares2 libldns3 libc6; do
	[[ $depends == *"$lib "* || $depends == *"$lib," || $depends == *"$lib" ]] ||
		fail "Depends has no $lib: $depends"
done
ok "control: sluice $version, Depends: $depends"
# The image (deploy/Containerfile) installs the same libraries by hand: every one Depends names.
runtime=$(sed -n '/^FROM debian:12$/,$p' deploy/Containerfile | tr -s ' \\\n' ' ')
for lib in $(echo "$depends" | tr ',' '\n' | sed 's/(.*//; s/|.*//' | tr -d ' '); do
	[ "$lib" = libc6 ] || [[ " $runtime " == *" $lib "* ]] ||
		fail "deploy/Containerfile: its runtime stage does not install $lib (Depends has it)"
done

# ---- files ----
dpkg-deb --contents "$deb" | awk '{ print $6 }' | sed 's|^\./|/|' > "$tmp/contents"
for f in /usr/sbin/sluiced /usr/sbin/sluicectl /lib/systemd/system/sluiced.service \
	/etc/sluice/sluice.json /usr/share/man/man8/sluiced.8.gz \
	/usr/share/man/man8/sluicectl.8.gz /usr/share/man/man5/sluice.json.5.gz \
	/usr/share/bash-completion/completions/sluicectl /usr/share/doc/sluice/copyright \
	/usr/share/sluice/grafana/sluice-dashboard.json; do
	grep -qxF "$f" "$tmp/contents" || fail "the package has no $f"
done
grep -q '^/etc/sluice/registry' "$tmp/contents" &&
	fail "the package owns /etc/sluice/registry (the admin's: postinst makes it)"
ok "files: the programs, the unit, the config, 3 man pages, the completion, the dashboard"

# ---- control archive: conffiles, maintainer scripts ----
dpkg-deb --control "$deb" "$tmp/control"
[ "$(cat "$tmp/control/conffiles")" = /etc/sluice/sluice.json ] ||
	fail "conffiles: '$(cat "$tmp/control/conffiles")', not /etc/sluice/sluice.json alone"
for s in postinst prerm postrm; do
	[ -f "$tmp/control/$s" ] || { fail "no $s"; continue; }
	sh -n "$tmp/control/$s" || fail "$s: sh -n"
done
grep -q 'mkdir -p -m 0755 /etc/sluice/registry' "$tmp/control/postinst" ||
	fail "postinst does not make /etc/sluice/registry"
grep -q 'deb-systemd-helper.*enable.*sluiced.service' "$tmp/control/postinst" ||
	fail "postinst does not enable sluiced.service (dh_installsystemd)"
grep -q 'sluiced.service' "$tmp/control/prerm" || fail "prerm does not stop sluiced.service"
ok "control archive: conffiles, postinst (registry, enable, start), prerm, postrm"

# ---- unpacked: the programs, the unit, the pages ----
root=$tmp/root
dpkg-deb -x "$deb" "$root"
ldd "$root/usr/sbin/sluiced" "$root/usr/sbin/sluicectl" > "$tmp/ldd"
grep -q 'not found' "$tmp/ldd" && fail "unresolved libraries: $(grep 'not found' "$tmp/ldd")"
out=$("$root/usr/sbin/sluiced" --version) && [[ $out == "sluiced $version"* ]] ||
	fail "sluiced --version: $out"
out=$("$root/usr/sbin/sluicectl" --version) && [[ $out == "sluicectl $version"* ]] ||
	fail "sluicectl --version: $out"
# Its default config, but for the registry and state paths (not this host's /etc, /var).
mkdir -p "$tmp/registry"
sed -e "s|/etc/sluice/registry|$tmp/registry|" "$root/etc/sluice/sluice.json" |
	/usr/bin/python3 -c 'import json, sys
c = json.load(sys.stdin); c["stateFile"] = sys.argv[1]; print(json.dumps(c))' \
	"$tmp/state.json" > "$tmp/sluice.json"
out=$("$root/usr/sbin/sluiced" --check --config "$tmp/sluice.json" 2>&1) ||
	fail "sluiced --check on the packaged config: $out"
ok "unpacked: sluiced and sluicectl $version run; sluiced --check passes the packaged config"

unit=$root/lib/systemd/system/sluiced.service
grep -q '^ExecStart=/usr/sbin/sluiced --config /etc/sluice/sluice.json$' "$unit" ||
	fail "the unit's ExecStart is not /usr/sbin/sluiced --config /etc/sluice/sluice.json"
grep -q '/usr/local' "$unit" && fail "the unit still names /usr/local"
# verify --root would want a whole system there: the unit as packaged, pointed at the
# unpacked programs, with the packaged pages for its Documentation=.
mkdir -p "$tmp/unit"
sed "s|/usr/sbin/|$root/usr/sbin/|g" "$unit" > "$tmp/unit/sluiced.service"
out=$(MANPATH="$root/usr/share/man" systemd-analyze verify "$tmp/unit/sluiced.service" 2>&1) ||
	fail "systemd-analyze verify: $out"
[ -z "$out" ] || fail "systemd-analyze verify: $out"
score=$(systemd-analyze security --offline=yes --root="$root" sluiced.service 2>&1 | tail -n 1)
[[ $score == *" OK "* || $score == *" SAFE "* || $score == *" PERFECT "* ]] ||
	fail "systemd-analyze security: $score"
ok "unit: verifies, its man pages found; ${score#→ }"
for p in man8/sluiced.8 man8/sluicectl.8 man5/sluice.json.5; do
	out=$(MANWIDTH=80 man --warnings -l "$root/usr/share/man/$p.gz" 2>&1 >/dev/null) ||
		fail "man $p: $out"
	[ -z "$out" ] || fail "man $p: $out"
done
ok "man pages render without warnings"

# ---- lintian ----
if command -v lintian >/dev/null; then
	cp "$deb" "$tmp/"
	chmod -R a+rX "$tmp"
	# As nobody (lintian unpacks what it is given), from $tmp: nobody may not enter the
	# checkout (.ci/run's clone is under a 0700 mktemp directory), nor be sent back to it (OLDPWD).
	if ! out=$(cd "$tmp" && runuser -u nobody -- env -u OLDPWD HOME="$tmp" lintian \
		--fail-on error,warning "$tmp/${deb##*/}" 2>&1); then
		fail "lintian: $out"
	else
		ok "lintian: no errors or warnings${out:+ ($(echo "$out" | wc -l) notes)}"
	fi
else
	fail "lintian is not installed (deploy/install-deps.sh --deb)"
fi

# ---- installed for real, in a throwaway Debian 12 root (skipped when no mirror answers) ----
tests/check-deb-install.sh "$build" "$deb" || fail "the package does not install, run and purge cleanly"

if [ "$fails" -ne 0 ]; then
	echo "check-deb: $fails check(s) failed" >&2
	exit 1
fi
echo "check-deb: $deb checked"
