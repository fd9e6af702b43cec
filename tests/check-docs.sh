#!/usr/bin/env bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# check-docs.sh: the manuals and deployment files against the code: every config field of
# config.c's rows (type, range, default, choices) in sluice.json(5), every sluicectl command
# and option in sluicectl(8) and its bash completion, every sluiced option in sluiced(8), the
# pages lint-clean (groff -ww, man --warnings); the unit verified (systemd-analyze verify,
# its Documentation= resolving to these pages) and its exposure kept (systemd-analyze
# security); the example config, the ECS task definition, the Kubernetes DaemonSet and its
# ConfigMap parsed, their fields checked, their configs passed through sluiced --check; every
# COPY source of the Containerfile present. Usage: check-docs.sh BUILD-DIR (make docs).
set -euo pipefail

cd "$(dirname "$0")/.."
build=$(realpath "${1:-build}")
py=${PYTHON:-/usr/bin/python3}
# The unit's exposure (systemd-analyze security, x10) may not grow past this.
max_exposure=26
fails=0
fail() { echo "check-docs: $*" >&2; fails=$((fails + 1)); }
tmp=$(mktemp -d /tmp/sluice-docs.XXXXXX)
trap 'rm -rf "$tmp"' EXIT

# ---- the pages cover the code ----
"$py" - <<'EOF' || fails=$((fails + 1))
import re, sys

def read(p):
    return open(p).read()

bad = []
def fail(msg):
    bad.append(msg)

# roff to plain text, enough to find words in: font macros joined as groff joins them,
# font escapes and \- \(dq unescaped.
def plain(lines):
    out = []
    for l in lines:
        if l.startswith('.\\"'):
            continue
        m = re.match(r'^\.(B|I|BR|RB|IR|RI|BI|IB)\s+(.*)$', l)
        if m:
            args = re.findall(r'"([^"]*)"|(\S+)', m.group(2))
            args = [a or b for a, b in args]
            l = (' ' if m.group(1) in ('B', 'I') else '').join(args)
        elif l.startswith('.'):
            continue
        out.append(l)
    s = ' '.join(out)
    s = re.sub(r'\\f[BIRP]', '', s)
    return s.replace('\\-', '-').replace('\\(dq', '"').replace('\\&', '').replace('\\(bu', '*')

# A page's sections: {".SH or .SS title": [lines]}, and its tagged items per section.
def sections(path):
    secs, cur = {}, None
    for l in read(path).splitlines():
        m = re.match(r'^\.(SH|SS)\s+"?([^"]*)"?\s*$', l)
        if m:
            cur = secs.setdefault(m.group(2), [])
            continue
        if cur is not None:
            cur.append(l)
    return secs

def items(lines):
    """The .TP items: [(tag line, [body lines])]."""
    out, i = [], 0
    while i < len(lines):
        if lines[i] == '.TP' and i + 1 < len(lines):
            tag, body, i = lines[i + 1], [], i + 2
            while i < len(lines) and lines[i] != '.TP':
                body.append(lines[i])
                i += 1
            out.append((tag, body))
        else:
            i += 1
    return out

# ---- constants of the C sources ----
defs = {}
for p in ('include/sluice.h', 'user/inputs/config.h', 'user/inputs/config.c'):
    for m in re.finditer(r'^#define\s+(\w+)\s+(.+?)\s*(?:/\*.*)?$', read(p), re.M):
        defs[m.group(1)] = m.group(2)
def value(expr):
    expr = expr.strip()
    for _ in range(10):
        new = re.sub(r'\b([A-Z_][A-Z0-9_]+)\b', lambda m: defs.get(m.group(1), m.group(1)), expr)
        if new == expr:
            break
        expr = new
    if expr.startswith('"'):
        return expr.strip('"')
    if expr in ('true', 'false'):
        return expr
    return eval(re.sub(r'(\d+)U\b', r'\1', expr))

# ---- sluice.json(5) against config.c's rows ----
src = read('user/inputs/config.c')
macros = {}
for m in re.finditer(r'^#define\s+(\w+)\(T\)\s*((?:.*\\\n)*.*)$', src, re.M):
    macros[m.group(1)] = m.group(2).replace('\\\n', ' ')
enums = {}
for m in re.finditer(r'static const struct sl_json_enum (\w+)\[\] = \{(.*?)\};', src, re.S):
    enums[m.group(1)] = re.findall(r'\{\s*"([^"]+)",\s*([^}]+?)\s*\}', m.group(2))

def rows_of(body):
    """The rows of a table body: each '{ ... }' at depth one, macros expanded."""
    for name, text in macros.items():
        body = re.sub(r'\b%s\([^)]*\)' % name, text, body)
    rows, depth, start = [], 0, None
    for i, c in enumerate(body):
        if c == '{':
            depth += 1
            if depth == 1:
                start = i
        elif c == '}':
            depth -= 1
            if depth == 0:
                rows.append(body[start + 1:i])
    return rows

tables, elems = {}, {}
for m in re.finditer(r'static const struct sl_json_row (\w+)\[\] = \{(.*?)\n\};', src, re.S):
    tables[m.group(1)] = rows_of(m.group(2))
for m in re.finditer(r'static const struct sl_json_row (\w+) = \{([^;]*)\};', src):
    r = re.search(r'\.rows = (\w+)', m.group(2))
    elems[m.group(1)] = r.group(1) if r else None

def key_of(row):
    m = re.match(r'\s*"([^"]+)"', row) or re.search(r'\.key = "([^"]+)"', row)
    return m.group(1) if m else None
def field(row, name):
    m = re.search(r'\.%s = ([^,]+?)\s*(?:,|$)' % name, row)
    return m.group(1).strip() if m else None

# The tables from the document down, each with the section title the page gives it.
order, todo = [], [('top_rows', 'Top level', '')]
while todo:
    table, title, prefix = todo.pop(0)
    order.append((table, title))
    for row in tables[table]:
        key = key_of(row)
        sub = field(row, 'rows')
        elem = field(row, 'elem')
        if elem:
            sub = elems.get(elem.lstrip('&'))
            key_path = prefix + key + '[]'
        else:
            key_path = prefix + (key or '')
        if sub and key:
            todo.append((sub, key_path, key_path + '.'))
# Tables a custom parser reads (not reached through .rows or .elem): their sections, by hand.
custom = {'registry_obj_rows': 'registry', 'metrics_rows': 'metrics',
          'dns_source_rows': 'registry.dns', 'cloudmap_source_rows': 'registry.cloudMap',
          'etcd_source_rows': 'registry.etcd', 'etcd_tls_rows': 'registry.etcd.tls',
          'registration_rows': 'registration', 'ns_rows': 'namespaces[]',
          'cgroup_rows': 'cgroups[]'}
reached = set(t for t, _ in order)
for table in tables:
    if table in reached:
        continue
    if table in custom:
        order.append((table, custom[table]))
    else:
        fail('config.c: table %s is read by a custom parser: name its section of sluice.json(5) '
             'in tests/check-docs.sh\'s "custom"' % table)
page = sections('man/sluice.json.5')
for table, title in order:
    if title not in page:
        fail('sluice.json.5: no section ".SS %s" for the fields of %s' % (title, table))
        continue
    documented = {}
    for tag, body in items(page[title]):
        m = re.match(r'^\.B\s+"?([A-Za-z0-9]+)"?$', tag)
        if m:
            documented[m.group(1)] = plain(body)
    keys = []
    for row in tables[table]:
        key = key_of(row)
        if not key:
            continue
        keys.append(key)
        if key not in documented:
            fail('sluice.json.5: %s: field "%s" (config.c %s) is not documented' % (title, key, table))
            continue
        text, where = documented[key], 'sluice.json.5: %s.%s' % (title, key)
        kind = re.match(r'\s*"[^"]+",\s*(SL_JSON_\w+)', row)
        kind = kind.group(1) if kind else field(row, 'type')
        if kind == 'SL_JSON_IGNORED':
            if 'ignored' not in text:
                fail('%s: an ignored field, not said so' % where)
            continue
        if field(row, 'required') == 'true' and 'required' not in text:
            fail('%s: required, not said so' % where)
        d, ds = field(row, 'def'), field(row, 'def_str')
        lo, hi = field(row, 'min'), field(row, 'max')
        if kind == 'SL_JSON_SECONDS':
            if d and 'default %g' % (value(d) / 1000) not in text:
                fail('%s: "default %g" missing' % (where, value(d) / 1000))
            if hi and 'at most %g' % value(hi) not in text:
                fail('%s: "at most %g" missing' % (where, value(hi)))
        elif kind in ('SL_JSON_INT', 'SL_JSON_PERCENT'):
            lo = value(lo) if lo else 0
            hi = value(hi) if hi else (100 if kind == 'SL_JSON_PERCENT' else None)
            if hi is not None and '%d to %d' % (lo, hi) not in text:
                fail('%s: the range "%d to %d" missing' % (where, lo, hi))
            if d and 'default %d' % value(d) not in text:
                fail('%s: "default %d" missing' % (where, value(d)))
        elif kind == 'SL_JSON_BOOL':
            want = 'default %s' % (value(d) if d else 'false')
            if want not in text:
                fail('%s: "%s" missing' % (where, want))
        elif kind == 'SL_JSON_CHOICE':
            names = enums[field(row, 'names')]
            for n, _ in names:
                if n not in text:
                    fail('%s: choice "%s" missing' % (where, n))
            dv = d if d else None
            dn = [n for n, v in names if dv and v == dv]
            if dn and not re.search(r'\b%s \(default' % re.escape(dn[0]), text):
                fail('%s: its default "%s" is not marked "(default" ' % (where, dn[0]))
        if ds and 'default %s' % value(ds) not in text:
            fail('%s: "default %s" missing' % (where, value(ds)))
    for key in documented:
        if key not in keys:
            fail('sluice.json.5: %s: "%s" is documented but config.c (%s) has no such field'
                 % (title, key, table))

# ---- sluicectl(8): the command table and the options ----
def option_tags(path, section='OPTIONS'):
    tags = {}
    for tag, body in items(sections(path).get(section, [])):
        longs = re.findall(r'\\-\\-([a-z][a-z\\-]*)', tag)
        shorts = re.findall(r'(?<![\\-])\\-([A-Za-z])\b', tag)
        for l in longs:
            tags[l.replace('\\-', '-')] = shorts
    return tags
def long_opts(path, var):
    body = re.search(r'struct option %s\[\] = \{(.*?)\};' % var, read(path), re.S).group(1)
    return re.findall(r'\{\s*"([a-z-]+)",\s*\w+,\s*NULL,\s*\'(.)\'\s*\}', body)

cmds = re.findall(r'^\s*\{\s*"([a-z]+)",\s*cmd_\w+', read('user/sluicectl/main.c'), re.M)
doc = [re.match(r'^\.BI?\s+"?([a-z]+)', t).group(1)
       for t, _ in items(sections('man/sluicectl.8').get('COMMANDS', []))
       if re.match(r'^\.BI?\s+"?([a-z]+)', t)]
for c in cmds:
    if c not in doc:
        fail('sluicectl.8: command "%s" (user/sluicectl/main.c) is not in COMMANDS' % c)
for c in doc:
    if c not in cmds:
        fail('sluicectl.8: COMMANDS has "%s", which the command table has not' % c)
for page, src, var in (('man/sluicectl.8', 'user/sluicectl/cli.c', 'long_opts'),
                       ('man/sluiced.8', 'user/sluiced/main.c', 'opts')):
    tags, opts = option_tags(page), long_opts(src, var)
    for name, short in opts:
        if name not in tags:
            fail('%s: option --%s (%s) is not in OPTIONS' % (page, name, src))
        elif short not in tags[name]:
            fail('%s: option --%s: its short form -%s is not given' % (page, name, short))
    for name in tags:
        if name not in [n for n, _ in opts]:
            fail('%s: OPTIONS has --%s, which %s has not' % (page, name, src))

# ---- the bash completion: the same commands and options ----
comp = read('deploy/sluicectl.bash-completion')
words = lambda var: set(re.search(r'^%s="([^"]*)"' % var, comp, re.M).group(1).split())
want = set('--' + n for n, _ in long_opts('user/sluicectl/cli.c', 'long_opts')) | \
       set('-' + s for _, s in long_opts('user/sluicectl/cli.c', 'long_opts'))
if words('_sluicectl_commands') != set(cmds):
    fail('sluicectl.bash-completion: commands %s, the table has %s'
         % (sorted(words('_sluicectl_commands')), sorted(cmds)))
if words('_sluicectl_options') != want:
    fail('sluicectl.bash-completion: options %s, cli.c has %s'
         % (sorted(words('_sluicectl_options')), sorted(want)))

for b in bad:
    print('check-docs: ' + b, file=sys.stderr)
sys.exit(1 if bad else 0)
EOF

# ---- the pages lint clean ----
for page in man/*.[1-8]; do
	out=$(groff -man -ww -z "$page" 2>&1) || true
	[ -z "$out" ] || fail "$page: groff -man -ww: $out"
	if command -v man >/dev/null; then
		out=$(MANWIDTH=80 man --warnings -l "$page" 2>&1 >/dev/null) || true
		[ -z "$out" ] || fail "$page: man --warnings: $out"
	fi
done

# ---- the completion works (commands, options, cgroup directories) ----
complete_words() { # the words completed for "$@" (the last one being completed)
	bash -c 'source deploy/sluicectl.bash-completion; COMP_WORDS=("$@")
		COMP_CWORD=$(($# - 1)); _sluicectl; printf "%s\n" "${COMPREPLY[@]}"' _ "$@"
}
bash -n deploy/sluicectl.bash-completion || fail "sluicectl.bash-completion: bash -n"
[ "$(complete_words sluicectl at | tr '\n' ' ')" = "attach attached " ] ||
	fail "completion: 'sluicectl at' does not give attach attached"
[ "$(complete_words sluicectl -b /tmp --js)" = "--json" ] ||
	fail "completion: 'sluicectl -b /tmp --js' does not give --json"
cg2=$(awk '$3 == "cgroup2" { print $2; exit }' /proc/mounts)
if [ -n "$cg2" ]; then
	[ "$(complete_words sluicectl attach "$cg2")" = "$cg2" ] ||
		fail "completion: 'sluicectl attach $cg2' does not complete the directory"
	complete_words sluicectl attach "" | grep -v "^$cg2/" | grep -q . &&
		fail "completion: 'sluicectl attach' offers more than directories under $cg2"
	[ -z "$(complete_words sluicectl detach "$cg2" "")" ] ||
		fail "completion: detach takes one cgroup, but a second was offered"
fi

# ---- the unit: it verifies, its pages exist, its exposure does not grow ----
mkdir -p "$tmp/unit" "$tmp/man/man5" "$tmp/man/man8"
cp man/*.5 "$tmp/man/man5/"
cp man/*.8 "$tmp/man/man8/"
sed "s|/usr/local/sbin|$build|g" deploy/sluiced.service > "$tmp/unit/sluiced.service"
out=$(MANPATH="$tmp/man" systemd-analyze verify "$tmp/unit/sluiced.service" 2>&1) ||
	fail "sluiced.service: systemd-analyze verify: $out"
[ -z "$out" ] || fail "sluiced.service: systemd-analyze verify: $out"
grep -q '^Documentation=man:sluiced(8)' deploy/sluiced.service ||
	fail "sluiced.service: Documentation= does not start with man:sluiced(8)"
if ! out=$(systemd-analyze security --offline=yes --threshold=$max_exposure \
	"$tmp/unit/sluiced.service" 2>&1); then
	fail "sluiced.service: exposure above $max_exposure/10: $(echo "$out" | tail -n 1)"
fi

# ExecReload's check, as systemd runs it ($$ is $): a good config passes, and so does one
# whose registry has a bad file (a reload tolerates that); a config that does not load fails.
reload=$(sed -n "s/^ExecReload=\/bin\/sh -c '\(.*\)'$/\1/p" "$tmp/unit/sluiced.service" |
	sed -e 's/\$\$/$/g' -e "s|/etc/sluice/sluice.json|$tmp/reload.json|g")
mkdir -p "$tmp/reload-registry"
reload_json() {
	printf '{"namespace": %s, "registry": {"file": "%s"}, "stateFile": "%s", "services": []}\n' \
		"$1" "$tmp/reload-registry" "$tmp/reload-state.json" > "$tmp/reload.json"
}
if [ -z "$reload" ]; then
	fail "sluiced.service: no ExecReload=/bin/sh -c '...' check"
else
	reload_json '"n"'
	sh -c "$reload" >/dev/null 2>&1 || fail "ExecReload's check fails a good config"
	echo '{' > "$tmp/reload-registry/bad.json"
	sh -c "$reload" >/dev/null 2>&1 || fail "ExecReload's check fails a bad registry file"
	reload_json 1
	out=$(sh -c "$reload" 2>&1) && fail "ExecReload's check passes a config that does not load"
	[[ $out == *"namespace: must be a string"* ]] ||
		fail "ExecReload's check does not say why the config fails: $out"
fi

# ---- the deployment files ----
mkdir -p "$tmp/registry"
check_config() { # $1: a config's text, $2: what it is, [$3: its registry directory]: run
	# through sluiced --check (the registry's files too)
	"$py" -c 'import json, sys
c = json.loads(sys.argv[1])
c["registry"] = {"file": sys.argv[2]}
c["stateFile"] = sys.argv[3]
print(json.dumps(c))' "$1" "${3:-$tmp/registry}" "$tmp/state.json" > "$tmp/config.json"
	out=$("$build/sluiced" --check --config "$tmp/config.json" 2>&1) ||
		fail "$2: sluiced --check: $out"
}
check_config "$(cat deploy/sluice.json)" deploy/sluice.json
"$py" - "$tmp" <<'EOF' || fails=$((fails + 1))
import json, os, sys, yaml

tmp, bad = sys.argv[1], []
def need(cond, what):
    if not cond:
        bad.append(what)

# ECS: a task definition for a DAEMON service on EC2.
td = json.load(open('deploy/ecs/task-definition.json'))
where = 'deploy/ecs/task-definition.json'
need(td.get('networkMode') == 'host', where + ': networkMode is not "host"')
need(td.get('pidMode') == 'host', where + ': pidMode is not "host"')
need('EC2' in td.get('requiresCompatibilities', []), where + ': not for EC2')
c = [c for c in td.get('containerDefinitions', []) if c.get('name') == 'sluiced']
need(len(c) == 1, where + ': no container "sluiced"')
c = c[0] if c else {}
need(c.get('privileged') is True, where + ': sluiced is not privileged')
need(c.get('essential') is True, where + ': sluiced is not essential')
vols = {v['name']: v.get('host', {}).get('sourcePath') for v in td.get('volumes', [])}
mounts = {m['containerPath']: vols.get(m['sourceVolume']) for m in c.get('mountPoints', [])}
for p in ('/sys/fs/bpf', '/sys/fs/cgroup', '/run/sluice', '/etc/sluice', '/var/lib/sluice'):
    need(mounts.get(p) == p, '%s: %s is not mounted from the host\'s %s' % (where, p, p))
ulimits = {u['name']: u for u in c.get('ulimits', [])}
need(ulimits.get('memlock', {}).get('softLimit') == -1, where + ': no unlimited memlock ulimit')

# Kubernetes: the ConfigMap and the DaemonSet.
where = 'deploy/kubernetes/daemonset.yaml'
docs = [d for d in yaml.safe_load_all(open(where)) if d]
kinds = {d['kind']: d for d in docs}
for k in ('Namespace', 'ConfigMap', 'DaemonSet'):
    need(k in kinds, '%s: no %s' % (where, k))
maps = {d['metadata']['name']: d for d in docs if d['kind'] == 'ConfigMap'}
ds = kinds.get('DaemonSet', {})
spec = ds.get('spec', {}).get('template', {}).get('spec', {})
need(spec.get('hostPID') is True, where + ': hostPID is not true')
need(spec.get('hostNetwork') is True, where + ': hostNetwork is not true')
need(ds.get('spec', {}).get('updateStrategy', {}).get('type') == 'RollingUpdate',
     where + ': no RollingUpdate strategy')
ctr = [c for c in spec.get('containers', []) if c.get('name') == 'sluiced']
need(len(ctr) == 1, where + ': no container "sluiced"')
ctr = ctr[0] if ctr else {}
need(ctr.get('securityContext', {}).get('privileged') is True, where + ': sluiced is not privileged')
vols = {v['name']: v for v in spec.get('volumes', [])}
mounts = {m['mountPath']: vols.get(m['name'], {}) for m in ctr.get('volumeMounts', [])}
for p in ('/sys/fs/bpf', '/sys/fs/cgroup', '/run/sluice', '/var/lib/sluice'):
    need(mounts.get(p, {}).get('hostPath', {}).get('path') == p,
         '%s: %s is not mounted from the host\'s %s' % (where, p, p))
need(mounts.get('/sys/fs/bpf', {}) and
     [m for m in ctr.get('volumeMounts', []) if m['mountPath'] == '/sys/fs/bpf'][0]
     .get('mountPropagation') == 'Bidirectional',
     where + ': /sys/fs/bpf is not mounted with Bidirectional propagation')
# /etc/sluice is a ConfigMap holding sluice.json; the registry it names, another, whole.
cm = maps.get(mounts.get('/etc/sluice', {}).get('configMap', {}).get('name'), {})
need('sluice.json' in cm.get('data', {}), where + ': /etc/sluice is no ConfigMap with sluice.json')
config = json.loads(cm.get('data', {}).get('sluice.json', '{}'))
open(tmp + '/k8s-config.json', 'w').write(json.dumps(config))
reg = config.get('registry', {}).get('file', '')
rm = maps.get(mounts.get(reg, {}).get('configMap', {}).get('name'), {})
need(rm, where + ': the registry %s is not a ConfigMap mounted there' % reg)
os.makedirs(tmp + '/k8s-registry')
for name, text in rm.get('data', {}).items():
    need(name.endswith('.json'), where + ': registry file %s does not end in .json' % name)
    open(tmp + '/k8s-registry/' + name, 'w').write(text)
for m in ctr.get('volumeMounts', []):
    need('subPath' not in m, where + ': %s uses subPath, which never sees ConfigMap updates'
         % m['mountPath'])
cmd = ctr.get('command', []) + ctr.get('args', [])
need('--config' in cmd, where + ': sluiced is not given --config')
for b in bad:
    print('check-docs: ' + b, file=sys.stderr)
sys.exit(1 if bad else 0)
EOF
[ -s "$tmp/k8s-config.json" ] && check_config "$(cat "$tmp/k8s-config.json")" \
	"deploy/kubernetes/daemonset.yaml: the ConfigMaps' sluice.json and registry" \
	"$tmp/k8s-registry"

# The Containerfile cannot be built here (no container engine): its COPY sources must exist.
while read -r src; do
	[ -e "$src" ] || fail "deploy/Containerfile: COPY $src: no such file in the repository"
done < <(awk 'toupper($1) == "COPY" && $2 !~ /^--from=/ {
	for (i = 2; i < NF; i++) if ($i !~ /^--/) print $i }' deploy/Containerfile)
grep -q '^FROM debian:12' deploy/Containerfile ||
	fail "deploy/Containerfile: not built FROM debian:12"

if [ "$fails" -ne 0 ]; then
	echo "check-docs: $fails check(s) failed" >&2
	exit 1
fi
echo "check-docs: man pages, completion, unit and deployment files in step with the code"
