#!/usr/bin/env bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# check-dashboard.sh: the Grafana dashboard (deploy/grafana/sluice-dashboard.json) against what
# sluiced serves (the families user/sluiced/metrics_render.c renders): it parses; its panels
# have unique ids, the datasource variable, a grid place that overlaps no other, targets with
# expressions; every variable an expression uses is defined; every sluice_ metric it names is
# one sluiced serves (a histogram's as _bucket, _sum or _count), counters only under rate(),
# irate() or increase() and gauges never; every family sluiced serves is on some panel; and
# every expression passes Prometheus' own parser (promtool check rules). The e2e metrics case
# runs the same expressions against a real Prometheus scraping a real sluiced.
# Usage: check-dashboard.sh (make dashboard, in make check).
set -euo pipefail

cd "$(dirname "$0")/.."
py=${PYTHON:-/usr/bin/python3}
tmp=$(mktemp -d /tmp/sluice-dashboard.XXXXXX)
trap 'rm -rf "$tmp"' EXIT

"$py" - "$tmp/rules.yml" <<'EOF'
import json, re, sys

DASH = 'deploy/grafana/sluice-dashboard.json'
bad = []
def fail(msg):
    bad.append(msg)

# ---- what sluiced serves: every family's name and type, as metrics_render.c writes them ----
src = open('user/sluiced/metrics_render.c').read()
families = dict(re.findall(r'"(sluice_[a-z0-9_]+)",\s*"(counter|gauge|histogram)"', src))
if len(families) < 10:
    fail('user/sluiced/metrics_render.c: found only %d metric families; has its shape changed?'
         % len(families))
series = {}  # a series name -> (its family, its type)
for name, kind in families.items():
    if kind == 'histogram':
        for suffix in ('_bucket', '_sum', '_count'):
            series[name + suffix] = (name, 'counter')
    else:
        series[name] = (name, kind)

# ---- the dashboard ----
try:
    dash = json.load(open(DASH))
except (OSError, ValueError) as e:
    print('check-dashboard: %s: %s' % (DASH, e), file=sys.stderr)
    sys.exit(1)
for key in ('title', 'uid', 'schemaVersion', 'panels', 'templating'):
    if key not in dash:
        fail('%s: no "%s"' % (DASH, key))
variables = {v.get('name'): v for v in dash.get('templating', {}).get('list', [])}
if variables.get('datasource', {}).get('type') != 'datasource' or \
   variables['datasource'].get('query') != 'prometheus':
    fail('%s: no datasource variable "datasource" of Prometheus data sources' % DASH)
BUILTIN = {'__rate_interval', '__interval', '__range', '__interval_ms', '__range_s'}

def panels_of(ps):
    for p in ps:
        yield p
        yield from panels_of(p.get('panels', []))

exprs = []  # (where, PromQL)
ids, cells = set(), []
for p in panels_of(dash.get('panels', [])):
    where = '%s: panel %r' % (DASH, p.get('title'))
    if not isinstance(p.get('id'), int) or p['id'] in ids:
        fail('%s: id %r is not a unique number' % (where, p.get('id')))
    ids.add(p.get('id'))
    g = p.get('gridPos', {})
    if not all(isinstance(g.get(k), int) for k in 'xywh') or g['x'] < 0 or g['x'] + g['w'] > 24:
        fail('%s: gridPos %r is not within the 24 columns' % (where, g))
    else:
        for other, og in cells:
            if g['x'] < og['x'] + og['w'] and og['x'] < g['x'] + g['w'] and \
               g['y'] < og['y'] + og['h'] and og['y'] < g['y'] + g['h']:
                fail('%s: overlaps panel %r' % (where, other))
        cells.append((p.get('title'), g))
    if p.get('type') == 'row':
        continue
    if p.get('datasource', {}).get('uid') != '${datasource}':
        fail('%s: its datasource is not ${datasource}' % where)
    targets = p.get('targets', [])
    if not targets:
        fail('%s: no targets' % where)
    refs = [t.get('refId') for t in targets]
    if len(set(refs)) != len(refs):
        fail('%s: refIds %r are not unique' % (where, refs))
    for t in targets:
        if not t.get('expr', '').strip():
            fail('%s: target %s has no expr' % (where, t.get('refId')))
        else:
            exprs.append(('%s %s' % (where, t.get('refId')), t['expr']))
# A query variable's label_values(SELECTOR, label): its selector is PromQL too.
for name, v in variables.items():
    if v.get('type') != 'query':
        continue
    q = v.get('query', {})
    q = q.get('query', '') if isinstance(q, dict) else q
    m = re.match(r'^label_values\((.*),\s*([a-zA-Z_]\w*)\)$', q.strip())
    if not m:
        fail('%s: variable %s: %r is not label_values(SELECTOR, LABEL)' % (DASH, name, q))
    else:
        exprs.append(('%s: variable %s' % (DASH, name), m.group(1)))

# ---- each expression: variables defined, metrics served, counters under rate() ----
def innermost_call(text, pos):
    """The name of the function whose parentheses enclose text[pos], or None."""
    depth = 0
    for i in range(pos - 1, -1, -1):
        c = text[i]
        if c == ')':
            depth += 1
        elif c == '(':
            if depth == 0:
                m = re.search(r'([a-z_]+)\s*$', text[:i])
                return m.group(1) if m else None
            depth -= 1
    return None

used = set()
RATES = ('rate', 'irate', 'increase')
for where, e in exprs:
    for v in re.findall(r'\$\{?(\w+)', e):
        if v not in variables and v not in BUILTIN:
            fail('%s: variable $%s is not defined' % (where, v))
    bare = re.sub(r'"(?:[^"\\]|\\.)*"', '""', e)  # label values left out
    for m in re.finditer(r'\b(sluice_[a-z0-9_]+)\b', bare):
        name = m.group(1)
        if name not in series:
            hint = ' (a histogram: _bucket, _sum or _count)' if families.get(name) == 'histogram' else ''
            fail('%s: %s is not a metric sluiced serves%s' % (where, name, hint))
            continue
        family, kind = series[name]
        used.add(family)
        call = innermost_call(bare, m.start())
        if kind == 'counter' and call not in RATES:
            fail('%s: counter %s not under rate(), irate() or increase()' % (where, name))
        if kind == 'gauge' and call in RATES:
            fail('%s: gauge %s under %s()' % (where, name, call))
for family in sorted(set(families) - used):
    fail('%s: %s (metrics_render.c) is on no panel' % (DASH, family))

# ---- for promtool: every expression a recording rule, variables given values ----
def concrete(e):
    e = re.sub(r'\$\{?__rate_interval\}?', '5m', e)
    e = re.sub(r'\$\{?__interval\}?', '1m', e)
    e = re.sub(r'\$\{?__range\}?', '1h', e)
    return re.sub(r'\$\{?\w+\}?', '.*', e)
with open(sys.argv[1], 'w') as f:
    f.write('groups:\n  - name: dashboard\n    rules:\n')
    for i, (where, e) in enumerate(exprs):
        f.write('      - record: dashboard:expr_%d\n        expr: %s\n' % (i, json.dumps(concrete(e))))

for b in bad:
    print('check-dashboard: ' + b, file=sys.stderr)
if bad:
    sys.exit(1)
print('check-dashboard: %d panels, %d expressions, %d of %d families shown'
      % (len(ids), len(exprs), len(used), len(families)))
EOF

if ! command -v promtool >/dev/null; then
	echo "check-dashboard: promtool is not installed (Debian's prometheus: deploy/install-deps.sh)" >&2
	exit 1
fi
if ! out=$(promtool check rules "$tmp/rules.yml" 2>&1); then
	echo "check-dashboard: promtool check rules on the dashboard's expressions:" >&2
	echo "$out" >&2
	exit 1
fi
echo "check-dashboard: promtool parses every expression"
