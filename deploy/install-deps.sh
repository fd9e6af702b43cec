#!/usr/bin/env bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# install-deps.sh: installs the Debian 12 packages sluice builds, tests and runs with,
# when any is missing (needs root then). Prints nothing when all are there.
# Usage: install-deps.sh [--bench | --deb | --kernels | --fuzz | --check] (--bench: also what
# `make bench` compares against and plots with: iptables, HAProxy, wrk, gnuplot; --deb: also what
# `make deb` and tests/check-deb.sh build, check and install the package with: debhelper,
# dpkg-dev, fakeroot, lintian, debootstrap (a throwaway Debian 12 root to install it in);
# --kernels: also qemu, for `make check-kernels`, which boots Debian 12's 6.1 kernel in a VM;
# --fuzz: also clang's runtimes for `make fuzz`: libFuzzer and the sanitizers;
# --check: install nothing, name what is missing and fail, as the build does before its first
# compile). The DNS source asks with c-ares and reads the answers with ldns; Knot (knotd,
# knsupdate) is the DNS server its end-to-end cases and benchmark start in their own namespace;
# etcd (etcd-server, etcdctl from etcd-client) the cluster the etcd source's cases start there.
# python3 runs the Cloud Map source's stand-in for AWS (tests/tools/cloudmap-standin.py).
# dnsmasq (dnsmasq-base: no service) is the task's own resolver in the names cases, and
# musl-tools builds the musl program they resolve with too.
set -euo pipefail

mode=${1:-}
# What the build needs (all --check looks at), then what the tests start.
pkgs=(make gcc clang llvm libbpf-dev bpftool libelf-dev zlib1g-dev pkg-config libcurl4-openssl-dev libmnl-dev
      libjansson-dev libcmocka-dev libmicrohttpd-dev libc-ares-dev libldns-dev)
if [ "$mode" != --check ]; then
	pkgs+=(iproute2 util-linux prometheus knot knot-dnsutils python3 dnsmasq-base musl-tools)
	pkgs+=(etcd-server etcd-client)
	# tests/check-docs.sh (make check): lints the man pages, verifies the unit, parses the
	# deployment files.
	pkgs+=(groff-base man-db systemd python3 python3-yaml)
fi
if [ "$mode" = --bench ]; then
	pkgs+=(iptables haproxy wrk gnuplot-nox procps)
fi
if [ "$mode" = --deb ]; then
	pkgs+=(debhelper dpkg-dev fakeroot lintian debootstrap)
fi
if [ "$mode" = --kernels ]; then
	pkgs+=(qemu-system-x86)
fi
if [ "$mode" = --fuzz ]; then
	pkgs+=(libclang-rt-14-dev)
fi
missing=()
# Not a Debian system: nothing to check against; the compiler will say what is missing.
command -v dpkg-query >/dev/null || exit 0
for p in "${pkgs[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$mode" = --check ]; then
	echo "sluice: missing build packages: ${missing[*]}" >&2
	echo "sluice: 'sudo make deps' installs them (so do 'sudo make check' and 'sudo make demo')" >&2
	exit 1
fi
if [ "$(id -u)" -ne 0 ]; then
	echo "install-deps: missing packages: ${missing[*]}; run as root (sudo make ...)" >&2
	exit 1
fi
echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
# The benchmarks start HAProxy, and the tests Prometheus and Knot, themselves, in network
# namespaces of their own; a service a package started on the host would only sit idle (or
# hold a port: Knot's 53, etcd's 2379).
for svc in haproxy prometheus knot etcd; do
	pkg=$svc; [ "$svc" = etcd ] && pkg=etcd-server
	if [[ " ${missing[*]} " == *" $pkg "* ]] && command -v systemctl >/dev/null &&
	   systemctl is-system-running >/dev/null 2>&1; then
		systemctl disable --now "$svc" >/dev/null 2>&1 || true
	fi
done
