#!/usr/bin/env bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# unit-sandbox.sh: runs sluiced as deploy/sluiced.service confines it, without systemd, to
# prove the unit's sandbox leaves it working: CapabilityBoundingSet= (read from the unit, and
# checked as the process that becomes sluiced has it: bounding, permitted and effective sets
# exactly the unit's, no inheritable or ambient ones),
# NoNewPrivileges=, SystemCallFilter= (an allow-list made from the unit's lines with systemd's
# own group lists; any other call kills the process, stricter than the unit's EPERM),
# SystemCallArchitectures=native, RestrictAddressFamilies=, RestrictNamespaces=,
# MemoryDenyWriteExecute= (PR_SET_MDWE), and in a mount namespace of its own: everything
# read-only but /tmp, /dev and the bpffs at /sys/fs/bpf (ProtectSystem=strict,
# ProtectKernelTunables=, ProtectControlGroups=), /proc with hidepid=invisible (ProtectProc=),
# no /root or /home (ProtectHome=), a /dev of the basic nodes (PrivateDevices=). /tmp stays
# shared (the tests' files are there), so PrivateTmp= is not reproduced.
# Usage: SLUICED_REAL=BINARY unit-sandbox.sh ARGS... (make e2e-unit runs the end-to-end tests
# with it as SLUICED). SLUICE_UNIT=FILE reads another unit; SLUICE_CAPS="CAP_A CAP_B" overrides
# the capabilities, to find out which are needed. Not for ASan builds: LeakSanitizer ptraces.
set -euo pipefail

unit=$(realpath "${SLUICE_UNIT:-$(dirname "$0")/sluiced.service}")
real=$(realpath "${SLUICED_REAL:?SLUICED_REAL: the sluiced binary to run}")
py=${PYTHON:-/usr/bin/python3}

if [ -z "${SLUICE_SANDBOX_INNER:-}" ]; then
	exec env SLUICE_SANDBOX_INNER=1 unshare --mount --propagation slave "$0" "$@"
fi
unset SLUICE_SANDBOX_INNER

# ---- the file system, as the unit's mount namespace has it ----
mountpoint -q /tmp || mount -n --rbind /tmp /tmp
while read -r mp; do
	case $mp in
	/tmp | /tmp/* | /dev | /dev/* | /proc | /proc/* | /sys/fs/bpf | /sys/fs/bpf/*) ;;
	*\\*) ;; # an escaped name (a space in it): left alone
	*) mount -n -o remount,bind,ro "$mp" 2>/dev/null || true ;;
	esac
done < <(awk '{ print $5 }' /proc/self/mountinfo | sort -u)
mount -n -t proc -o hidepid=invisible proc /proc
mount -n --bind /proc/sys /proc/sys && mount -n -o remount,bind,ro /proc/sys
for d in /root /home /run/user; do
	[ -d "$d" ] && mount -n -t tmpfs -o mode=0000,size=4k tmpfs "$d"
done
devs=$(mktemp -d /tmp/sluice-dev.XXXXXX)
for n in null zero full random urandom tty; do
	touch "$devs/$n" && mount -n --bind "/dev/$n" "$devs/$n"
done
mount -n -t tmpfs -o mode=0755,nosuid tmpfs /dev
for n in null zero full random urandom tty; do
	touch "/dev/$n" && mount -n --move "$devs/$n" "/dev/$n"
done
rm -f "${devs:?}"/* && rmdir "$devs"
ln -s /proc/self/fd /dev/fd

# ---- capabilities, then the seccomp filter (the last thing before sluiced runs) ----
caps=${SLUICE_CAPS-$(sed -n 's/^CapabilityBoundingSet=//p' "$unit" | tr '\n' ' ')}
set=-all
mask=0
for c in $caps; do
	c=${c#CAP_}
	set+=",+${c,,}"
	n=$(awk -v c="CAP_$c" '$1 == "#define" && $2 == c { print $3 }' /usr/include/linux/capability.h)
	[ -n "$n" ] || { echo "unit-sandbox: no capability CAP_$c" >&2; exit 1; }
	mask=$((mask | (1 << n)))
done
# systemd's syscall groups: a group's name, then its calls and subgroups, indented.
groups=$(systemd-analyze syscall-filter 2>/dev/null)

loader='
import ctypes, ctypes.util, os, re, sys

unit, real, args = sys.argv[1], sys.argv[2], sys.argv[3:]
lines = open(unit).read().splitlines()
def values(key):
    out = []
    for l in lines:
        if l.startswith(key + "="):
            out.append(l[len(key) + 1:].split())
    return out

# Group name -> its calls and subgroups, as systemd-analyze printed them.
groups, cur = {}, None
for l in os.environ["SLUICE_GROUPS"].splitlines():
    s = l.strip()
    if not s or s.startswith("#"):
        continue
    if not l.startswith(" "):
        cur = groups.setdefault(s, [])
    else:
        cur.append(s)
def expand(name, seen):
    if not name.startswith("@"):
        return {name}
    if name in seen:
        return set()
    seen.add(name)
    if name not in groups:
        sys.exit("unit-sandbox: group %s: run systemd-analyze syscall-filter %s" % (name, name))
    out = set()
    for n in groups[name]:
        out |= expand(n, seen)
    return out
allowed = set()
for v in values("SystemCallFilter"):
    deny = v[0].startswith("~")
    names = set()
    for n in ([v[0][1:]] + v[1:]) if deny else v:
        names |= expand(n, set())
    allowed = allowed - names if deny else allowed | names

sc = ctypes.CDLL(ctypes.util.find_library("seccomp") or "libseccomp.so.2", use_errno=True)
libc = ctypes.CDLL(None, use_errno=True)
SCMP_ACT_TRAP, SCMP_ACT_ALLOW = 0x00030000, 0x7fff0000
def ERRNO(e): return 0x00050000 | e
class Arg(ctypes.Structure):
    _fields_ = [("arg", ctypes.c_uint), ("op", ctypes.c_int),
                ("a", ctypes.c_uint64), ("b", ctypes.c_uint64)]
CMP_EQ, CMP_MASKED_EQ = 4, 7
sc.seccomp_init.restype = ctypes.c_void_p
sc.seccomp_init.argtypes = [ctypes.c_uint32]
sc.seccomp_syscall_resolve_name.argtypes = [ctypes.c_char_p]
sc.seccomp_rule_add_array.argtypes = [ctypes.c_void_p, ctypes.c_uint32, ctypes.c_int,
                                      ctypes.c_uint, ctypes.POINTER(Arg)]
sc.seccomp_load.argtypes = [ctypes.c_void_p]
ctx = sc.seccomp_init(SCMP_ACT_TRAP)
def rule(action, name, *cmps):
    nr = sc.seccomp_syscall_resolve_name(name.encode())
    if nr < 0:
        return  # not a call of this architecture
    arr = (Arg * max(len(cmps), 1))(*[Arg(*c) for c in cmps])
    r = sc.seccomp_rule_add_array(ctx, action, nr, len(cmps), arr)
    if r < 0:
        sys.exit("unit-sandbox: seccomp rule for %s: %s" % (name, os.strerror(-r)))

# RestrictNamespaces=: setns only into the types allowed, unshare and clone only with
# their flags; clone3 (flags out of reach in a struct) fails with ENOSYS, as systemd has it.
NS = {"cgroup": 0x02000000, "ipc": 0x08000000, "net": 0x40000000, "mnt": 0x00020000,
      "pid": 0x20000000, "user": 0x10000000, "uts": 0x04000000}
ns_rules = values("RestrictNamespaces")
ns_ok = None
if ns_rules:
    ns_ok = 0
    for n in ns_rules[-1]:
        ns_ok |= NS[n]
    ns_bad = sum(NS.values()) & ~ns_ok
# RestrictAddressFamilies=: socket() only for those.
AF = {"AF_UNIX": 1, "AF_INET": 2, "AF_INET6": 10, "AF_NETLINK": 16, "AF_PACKET": 17}
af_rules = values("RestrictAddressFamilies")
for name in sorted(allowed):
    if ns_ok is not None and name in ("setns", "unshare", "clone", "clone3"):
        continue
    if af_rules and name == "socket":
        continue
    rule(SCMP_ACT_ALLOW, name)
if ns_ok is not None:
    for bit in NS.values():
        if bit & ns_ok and "setns" in allowed:
            rule(SCMP_ACT_ALLOW, "setns", (1, CMP_EQ, bit, 0))
    if "unshare" in allowed:
        rule(SCMP_ACT_ALLOW, "unshare", (0, CMP_MASKED_EQ, ns_bad, 0))
    if "clone" in allowed:
        rule(SCMP_ACT_ALLOW, "clone", (0, CMP_MASKED_EQ, ns_bad, 0))
    rule(ERRNO(38), "clone3")
if af_rules:
    for f in af_rules[-1]:
        rule(SCMP_ACT_ALLOW, "socket", (0, CMP_EQ, AF[f], 0))
# MemoryDenyWriteExecute=yes: PR_SET_MDWE, PR_MDWE_REFUSE_EXEC_GAIN (kept across execve).
if ["yes"] in values("MemoryDenyWriteExecute") and libc.prctl(65, 1, 0, 0, 0):
    sys.exit("unit-sandbox: PR_SET_MDWE: %s" % os.strerror(ctypes.get_errno()))
# What sluiced will run with (execve keeps it: root, no file capabilities, no_new_privs):
# exactly the set of the unit, bounding, permitted and effective; none inheritable or ambient.
status = dict(l.split(":", 1) for l in open("/proc/self/status").read().splitlines() if ":" in l)
want = int(os.environ["SLUICE_CAPMASK"])
for key, value in (("CapBnd", want), ("CapPrm", want), ("CapEff", want), ("CapInh", 0),
                   ("CapAmb", 0), ("NoNewPrivs", 1)):
    if int(status[key].strip(), 16 if key.startswith("Cap") else 10) != value:
        sys.exit("unit-sandbox: %s is %s, not %x as the unit says" % (key, status[key].strip(), value))
r = sc.seccomp_load(ctx)
if r < 0:
    sys.exit("unit-sandbox: seccomp_load: %s" % os.strerror(-r))
os.execv(real, [real] + args)
'
export SLUICE_GROUPS="$groups" SLUICE_CAPMASK=$mask
exec setpriv --bounding-set="$set" --inh-caps=-all --ambient-caps=-all --no-new-privs \
	-- "$py" -c "$loader" "$unit" "$real" "$@"
