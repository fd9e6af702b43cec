#!/usr/bin/python3
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# cloudmap-standin.py: the tests' stand-in for AWS (no AWS is reachable here): Cloud Map's
# DiscoverInstances and DiscoverInstancesRevision from a table the test writes (STATE, a JSON
# file read at each request), every request's SigV4 signature checked as AWS documents it
# (canonical request, string to sign, HMAC chain: computed here, not by curl), throttling on
# demand, and the IMDSv2 and ECS container credential endpoints handing out expiring
# credentials. Each request is logged as a JSON line to LOG.
# Usage: cloudmap-standin.py STATE LOG ADDR:PORT [ADDR:PORT...]  (standard library only)
import datetime, hashlib, hmac, json, os, secrets, sys, threading, time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

STATE, LOG = sys.argv[1], sys.argv[2]
REGION, SERVICE = 'us-east-1', 'servicediscovery'
STATIC = {'AKIDSTANDIN0000000001': 'standin/static/secret/key/000000000001'}
issued = {}  # access key -> (secret, token, expires)
imds_tokens = set()
lock = threading.Lock()


def state():
    try:
        with open(STATE) as f:
            return json.load(f)
    except (OSError, ValueError):
        return {}


def log(entry):
    entry['t'] = time.time()
    with lock, open(LOG, 'a') as f:
        f.write(json.dumps(entry) + '\n')


def iso(t):
    return datetime.datetime.fromtimestamp(t, datetime.timezone.utc).strftime('%Y-%m-%dT%H:%M:%SZ')


def issue(st, kind):
    life = st.get('credLifetime', 3600)
    key = 'ASIA' + secrets.token_hex(8).upper()
    sec, tok = secrets.token_urlsafe(30), secrets.token_urlsafe(60)
    exp = time.time() + life
    with lock:
        issued[key] = (sec, tok, exp)
    log({'kind': kind, 'key': key, 'expires': exp})
    return {'AccessKeyId': key, 'SecretAccessKey': sec, 'Token': tok, 'Expiration': iso(exp)}


def hmac256(key, msg):
    return hmac.new(key, msg.encode(), hashlib.sha256).digest()


def check_signature(h, body):
    """None when the request is signed right, else (status, code, message) as AWS answers."""
    auth = h.headers.get('Authorization', '')
    if not auth.startswith('AWS4-HMAC-SHA256 '):
        return 403, 'MissingAuthenticationTokenException', 'Missing Authentication Token'
    parts = dict(p.strip().split('=', 1) for p in auth[len('AWS4-HMAC-SHA256 '):].split(','))
    try:
        key, date, region, service, term = parts['Credential'].split('/')
        signed = parts['SignedHeaders'].split(';')
        got = parts['Signature']
    except (KeyError, ValueError):
        return 400, 'IncompleteSignatureException', 'Authorization header is malformed'
    amz_date = h.headers.get('X-Amz-Date', '')
    if region != REGION or service != SERVICE or term != 'aws4_request' or not amz_date.startswith(date):
        return 403, 'InvalidSignatureException', 'Credential should be scoped correctly'
    for need in ('host', 'x-amz-date', 'x-amz-target', 'content-type'):
        if need not in signed:
            return 403, 'InvalidSignatureException', '%s is not signed' % need
    try:
        t = datetime.datetime.strptime(amz_date, '%Y%m%dT%H%M%SZ').replace(tzinfo=datetime.timezone.utc)
    except ValueError:
        return 403, 'InvalidSignatureException', 'bad X-Amz-Date'
    if abs(t.timestamp() - time.time()) > 300:
        return 403, 'InvalidSignatureException', 'Signature expired'
    st = state()
    token = h.headers.get('X-Amz-Security-Token')
    if key in STATIC:
        secret = st.get('staticSecret', STATIC[key])
    elif key in issued:
        secret, tok, exp = issued[key]
        if token != tok:
            return 403, 'UnrecognizedClientException', 'The security token included in the request is invalid.'
        if 'x-amz-security-token' not in signed:
            return 403, 'InvalidSignatureException', 'x-amz-security-token is not signed'
        if time.time() >= exp:
            return 400, 'ExpiredTokenException', 'The security token included in the request is expired'
    else:
        return 403, 'UnrecognizedClientException', 'The security token included in the request is invalid.'
    # the canonical request (path "/", no query), as AWS's SigV4 documentation builds it
    headers = []
    for name in signed:
        vals = h.headers.get_all(name) or []
        headers.append('%s:%s\n' % (name, ','.join(' '.join(v.split()) for v in vals)))
    canonical = '\n'.join([h.command, '/', '', ''.join(headers), ';'.join(signed),
                           hashlib.sha256(body).hexdigest()])
    scope = '/'.join([date, region, service, term])
    to_sign = '\n'.join(['AWS4-HMAC-SHA256', amz_date, scope,
                         hashlib.sha256(canonical.encode()).hexdigest()])
    k = hmac256(('AWS4' + secret).encode(), date)
    k = hmac256(k, region)
    k = hmac256(k, service)
    k = hmac256(k, term)
    want = hmac.new(k, to_sign.encode(), hashlib.sha256).hexdigest()
    if not hmac.compare_digest(want, got):
        return 403, 'InvalidSignatureException', ('The request signature we calculated does not '
                                                  'match the signature you provided.')
    return None


class Handler(BaseHTTPRequestHandler):
    protocol_version = 'HTTP/1.1'

    def log_message(self, *a):
        pass

    def reply(self, status, body, ctype='application/x-amz-json-1.1', extra=None):
        data = body if isinstance(body, bytes) else body.encode()
        self.send_response(status)
        self.send_header('Content-Type', ctype)
        self.send_header('Content-Length', str(len(data)))
        self.send_header('x-amzn-RequestId', secrets.token_hex(8))
        for k, v in (extra or {}).items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(data)

    def error(self, status, code, msg):
        self.reply(status, json.dumps({'__type': 'com.amazonaws.servicediscovery#' + code,
                                       'message': msg}), extra={'x-amzn-ErrorType': code})

    def body(self):
        n = int(self.headers.get('Content-Length') or 0)
        return self.rfile.read(n) if n else b''

    def do_PUT(self):
        body = self.body()
        st = state()
        if self.path == '/latest/api/token':
            if st.get('imdsDown'):
                log({'kind': 'imds-token', 'status': 500})
                return self.reply(500, 'down', 'text/plain')
            ttl = self.headers.get('X-aws-ec2-metadata-token-ttl-seconds')
            if not ttl or not ttl.isdigit():
                return self.reply(400, 'ttl', 'text/plain')
            tok = secrets.token_urlsafe(40)
            imds_tokens.add(tok)
            log({'kind': 'imds-token', 'status': 200})
            return self.reply(200, tok, 'text/plain')
        del body
        self.reply(404, 'no', 'text/plain')

    def do_GET(self):
        st = state()
        p = self.path
        if p.startswith('/latest/meta-data/iam/security-credentials/'):
            if self.headers.get('X-aws-ec2-metadata-token') not in imds_tokens:
                log({'kind': 'imds', 'status': 401})
                return self.reply(401, '', 'text/plain')  # IMDSv2 only: no IMDSv1
            if st.get('imdsDown'):
                return self.reply(500, 'down', 'text/plain')
            role = p[len('/latest/meta-data/iam/security-credentials/'):]
            if not role:
                return self.reply(200, 'sluice-role', 'text/plain')
            if role != 'sluice-role':
                return self.reply(404, '', 'text/plain')
            d = issue(st, 'imds-creds')
            d.update({'Code': 'Success', 'Type': 'AWS-HMAC', 'LastUpdated': iso(time.time())})
            return self.reply(200, json.dumps(d), 'text/plain')
        if p == st.get('ecsPath', '/v2/credentials/standin'):
            want = st.get('ecsAuth')
            if want and self.headers.get('Authorization') != want:
                log({'kind': 'ecs', 'status': 403})
                return self.reply(403, '{}', 'application/json')
            if st.get('ecsDown'):
                return self.reply(500, '{}', 'application/json')
            d = issue(st, 'ecs-creds')
            d['RoleArn'] = 'arn:aws:iam::123456789012:role/sluice'
            return self.reply(200, json.dumps(d), 'application/json')
        self.reply(404, 'no', 'text/plain')

    def do_POST(self):
        body = self.body()
        st = state()
        target = self.headers.get('X-Amz-Target', '')
        op = target.split('.', 1)[-1]
        entry = {'kind': 'api', 'op': op, 'key': None}
        bad = check_signature(self, body)
        auth = self.headers.get('Authorization', '')
        if 'Credential=' in auth:
            entry['key'] = auth.split('Credential=', 1)[1].split('/', 1)[0]
        if bad:
            entry.update(status=bad[0], error=bad[1])
            log(entry)
            return self.error(*bad)
        if st.get('throttle'):
            entry.update(status=400, error='ThrottlingException')
            log(entry)
            return self.error(400, 'ThrottlingException', 'Rate exceeded')
        if self.headers.get('Content-Type') != 'application/x-amz-json-1.1' or \
                not target.startswith('Route53AutoNaming_v20170314.'):
            return self.error(400, 'UnknownOperationException', 'unknown operation')
        try:
            req = json.loads(body)
        except ValueError:
            return self.error(400, 'SerializationException', 'bad body')
        name = req.get('ServiceName')
        entry['service'] = name
        svc = st.get('services', {}).get(name, {'revision': 0, 'instances': []})
        if req.get('NamespaceName') != st.get('namespace', 'e2e'):
            entry.update(status=400, error='ServiceNotFound')
            log(entry)
            return self.error(400, 'ServiceNotFound', 'Service not found.')
        entry['status'] = 200
        log(entry)
        if op == 'DiscoverInstancesRevision':
            return self.reply(200, json.dumps({'InstancesRevision': svc.get('revision', 1)}))
        if op != 'DiscoverInstances':
            return self.error(400, 'UnknownOperationException', 'unknown operation')
        if req.get('MaxResults') != 1000:
            return self.error(400, 'InvalidInput', 'MaxResults')
        if 'raw' in svc:
            return self.reply(200, svc['raw'])
        want = req.get('HealthStatus', 'HEALTHY')
        out = []
        for i in svc.get('instances', []):
            health = i.get('health', 'HEALTHY')
            if want == 'HEALTHY' and health != 'HEALTHY':
                continue
            attrs = {'AWS_INSTANCE_IPV4': i['ip'], 'AWS_INSTANCE_PORT': str(i.get('port', 9100))}
            out.append({'InstanceId': i['id'], 'NamespaceName': st.get('namespace', 'e2e'),
                        'ServiceName': name, 'HealthStatus': health, 'Attributes': attrs})
        self.reply(200, json.dumps({'Instances': out, 'InstancesRevision': svc.get('revision', 1)}))


class Server(ThreadingHTTPServer):
    request_queue_size = 128  # socketserver's 5 drops the SYNs of a burst of connects


def main():
    servers = []
    for spec in sys.argv[3:]:
        host, port = spec.rsplit(':', 1)
        srv = Server((host, int(port)), Handler)
        srv.daemon_threads = True
        servers.append(srv)
    for srv in servers[1:]:
        threading.Thread(target=srv.serve_forever, daemon=True).start()
    log({'kind': 'ready'})
    servers[0].serve_forever()


main()
