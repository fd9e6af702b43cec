// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* etcd_msg.c: the v3 JSON gateway's messages: base64 keys and values, int64 as strings, zero
 * values omitted (a PUT event has no "type"), errors plain or wrapped as a stream's. */
#include <errno.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "inputs/etcd_msg.h"

#define GRPC_UNAUTHENTICATED 16
#define GRPC_PERMISSION_DENIED 7
#define MAX_ID_LEN 63

static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

char *sl_base64_encode(const void *data, size_t len)
{
	const unsigned char *p = data;
	char *out = malloc(len / 3 * 4 + 5), *o = out;
	size_t i;

	if (!out)
		return NULL;
	for (i = 0; i + 2 < len; i += 3) {
		*o++ = b64[p[i] >> 2];
		*o++ = b64[(p[i] & 3) << 4 | p[i + 1] >> 4];
		*o++ = b64[(p[i + 1] & 15) << 2 | p[i + 2] >> 6];
		*o++ = b64[p[i + 2] & 63];
	}
	if (i < len) {
		*o++ = b64[p[i] >> 2];
		*o++ = b64[(p[i] & 3) << 4 | (i + 1 < len ? p[i + 1] >> 4 : 0)];
		*o++ = i + 1 < len ? b64[(p[i + 1] & 15) << 2] : '=';
		*o++ = '=';
	}
	*o = '\0';
	return out;
}

static int b64_value(char c)
{
	const char *at = c ? strchr(b64, c) : NULL;

	return at ? (int)(at - b64) : -1;
}

char *sl_base64_decode(const char *s, size_t *len)
{
	size_t n = strlen(s), i, k = 0, pad = 0;
	char *out;

	if (n % 4) {
		errno = EINVAL;
		return NULL;
	}
	if (n && s[n - 1] == '=')
		pad = n > 1 && s[n - 2] == '=' ? 2 : 1;
	out = malloc(n / 4 * 3 + 1);
	if (!out)
		return NULL;
	for (i = 0; i < n; i += 4) {
		int v[4], q;
		bool last = i + 4 == n;

		for (q = 0; q < 4; q++) {
			v[q] = last && q >= 4 - (int)pad ? 0 : b64_value(s[i + q]);
			if (v[q] < 0) {
				free(out);
				errno = EINVAL;
				return NULL;
			}
		}
		out[k++] = (char)(v[0] << 2 | v[1] >> 4);
		if (!last || pad < 2)
			out[k++] = (char)((v[1] & 15) << 4 | v[2] >> 2);
		if (!last || pad < 1)
			out[k++] = (char)((v[2] & 3) << 6 | v[3]);
	}
	out[k] = '\0';
	*len = k;
	return out;
}

/* ---- reading ---- */

static int fail(struct sl_err *err, int ret, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int fail(struct sl_err *err, int ret, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	va_end(ap);
	return ret;
}

/* An int64 member: absent is 0 (the gateway omits zero values); a string of digits, as
 * proto3's JSON writes int64, or a JSON integer. */
static int get_int64(const json_t *obj, const char *key, const char *where, int64_t *out,
		     struct sl_err *err)
{
	const json_t *v = json_object_get(obj, key);
	const char *s;
	char *end;
	long long n;

	*out = 0;
	if (!v)
		return 0;
	if (json_is_integer(v)) {
		*out = json_integer_value(v);
		return 0;
	}
	if (!json_is_string(v))
		return fail(err, -EINVAL, "%s.%s: must be an int64 (a string of digits)", where, key);
	s = json_string_value(v);
	errno = 0;
	n = strtoll(s, &end, 10);
	if (!*s || *end || errno || (*s != '-' && (*s < '0' || *s > '9')))
		return fail(err, -EINVAL, "%s.%s: must be an int64 (a string of digits), got \"%.40s\"",
			    where, key, s);
	*out = n;
	return 0;
}

/* A gateway error: {"error": "...", "code": N, "message": "..."} (unary) or
 * {"error": {"grpc_code": N, "http_code": N, "message": "...", ...}} (a stream's). 1 when
 * root is none. */
static int gateway_error(const json_t *root, struct sl_err *err)
{
	const json_t *e = json_object_get(root, "error"), *src = root, *m;
	json_int_t code = 0;

	if (!e || json_object_get(root, "header") || json_object_get(root, "result"))
		return 1;
	if (json_is_object(e))
		src = e;
	m = json_object_get(src, "message");
	if (!json_is_string(m))
		m = json_is_string(e) ? e : NULL;
	if (json_is_integer(json_object_get(src, "code")))
		code = json_integer_value(json_object_get(src, "code"));
	else if (json_is_integer(json_object_get(src, "grpc_code")))
		code = json_integer_value(json_object_get(src, "grpc_code"));
	fail(err, -EPROTO, "etcd answers an error: %.300s (code %lld)",
	     m ? json_string_value(m) : "(no message)", (long long)code);
	if (code == GRPC_UNAUTHENTICATED || (m && strstr(json_string_value(m), "auth token")))
		return -EACCES;
	return -EPROTO;
}

static int load(const char *text, size_t len, const char *what, json_t **root, struct sl_err *err)
{
	json_error_t je;
	int ret;

	*root = json_loadb(text, len, JSON_REJECT_DUPLICATES, &je);
	if (!*root)
		return fail(err, -EINVAL, "%s: not JSON: %s (line %d, column %d)", what, je.text,
			    je.line, je.column);
	if (!json_is_object(*root)) {
		ret = fail(err, -EINVAL, "%s: not a JSON object", what);
		goto out;
	}
	ret = gateway_error(*root, err);
	if (ret <= 0)
		goto out;
	return 0;
out:
	json_decref(*root);
	*root = NULL;
	return ret;
}

/* A base64 member (absent: empty) decoded into *out. */
static int get_bytes(const json_t *obj, const char *key, const char *where, char **out,
		     size_t *len, struct sl_err *err)
{
	const json_t *v = json_object_get(obj, key);
	size_t n = 0;

	*out = NULL;
	if (v && !json_is_string(v))
		return fail(err, -EINVAL, "%s.%s: must be a base64 string", where, key);
	*out = sl_base64_decode(v ? json_string_value(v) : "", &n);
	if (!*out)
		return errno == ENOMEM ? -ENOMEM :
		       fail(err, -EINVAL, "%s.%s: not base64", where, key);
	if (len)
		*len = n;
	return 0;
}

static void kv_free(struct sl_etcd_kv *kv)
{
	free(kv->key);
	free(kv->value);
	memset(kv, 0, sizeof(*kv));
}

static int read_kv(const json_t *v, const char *where, struct sl_etcd_kv *kv, struct sl_err *err)
{
	size_t klen = 0;
	int ret;

	if (!json_is_object(v))
		return fail(err, -EINVAL, "%s: must be an object", where);
	ret = get_bytes(v, "key", where, &kv->key, &klen, err) ?:
	      get_bytes(v, "value", where, &kv->value, &kv->value_len, err) ?:
	      get_int64(v, "mod_revision", where, &kv->mod_revision, err);
	if (!ret && (!klen || strlen(kv->key) != klen))
		ret = fail(err, -EINVAL, "%s.key: %s", where, klen ? "holds a NUL byte" : "empty");
	if (ret)
		kv_free(kv);
	return ret;
}

static int header_revision(const json_t *root, const char *what, int64_t *rev, struct sl_err *err)
{
	const json_t *h = json_object_get(root, "header");
	char where[64];

	snprintf(where, sizeof(where), "%s.header", what);
	if (!json_is_object(h))
		return fail(err, -EINVAL, "%s: no header", what);
	return get_int64(h, "revision", where, rev, err) ?:
	       (*rev < 0 ? fail(err, -EINVAL, "%s.revision: negative", where) : 0);
}

/* The kvs array of a range, or a watch's events, into a new array of n elements. */
static int read_kvs(const json_t *a, const char *what, struct sl_etcd_range *r, struct sl_err *err)
{
	char where[64];
	size_t i;
	int ret;

	if (!a)
		return 0;
	if (!json_is_array(a))
		return fail(err, -EINVAL, "%s.kvs: must be an array", what);
	r->kvs = calloc(json_array_size(a) + 1, sizeof(*r->kvs));
	if (!r->kvs)
		return -ENOMEM;
	for (i = 0; i < json_array_size(a); i++) {
		snprintf(where, sizeof(where), "%s.kvs[%zu]", what, i);
		ret = read_kv(json_array_get(a, i), where, &r->kvs[i], err);
		if (ret)
			return ret;
		r->n++;
	}
	return 0;
}

void sl_etcd_range_free(struct sl_etcd_range *r)
{
	size_t i;

	for (i = 0; i < r->n; i++)
		kv_free(&r->kvs[i]);
	free(r->kvs);
	memset(r, 0, sizeof(*r));
}

int sl_etcd_range_parse(const char *text, size_t len, struct sl_etcd_range *out,
			struct sl_err *err)
{
	const json_t *more;
	json_t *root;
	int ret;

	memset(out, 0, sizeof(*out));
	ret = load(text, len, "range response", &root, err);
	if (ret)
		return ret;
	more = json_object_get(root, "more");
	ret = header_revision(root, "range response", &out->revision, err) ?:
	      get_int64(root, "count", "range response", &out->count, err) ?:
	      (more && !json_is_boolean(more) ?
	       fail(err, -EINVAL, "range response.more: must be a boolean") : 0) ?:
	      read_kvs(json_object_get(root, "kvs"), "range response", out, err);
	out->more = json_is_true(more);
	json_decref(root);
	if (ret)
		sl_etcd_range_free(out);
	return ret;
}

void sl_etcd_watch_free(struct sl_etcd_watch *w)
{
	size_t i;

	for (i = 0; i < w->n; i++)
		kv_free(&w->events[i].kv);
	free(w->events);
	free(w->cancel_reason);
	memset(w, 0, sizeof(*w));
}

static int read_event(const json_t *v, const char *where, struct sl_etcd_event *ev,
		      struct sl_err *err)
{
	const json_t *type = json_object_get(v, "type");
	char kvwhere[80];

	if (!json_is_object(v))
		return fail(err, -EINVAL, "%s: must be an object", where);
	if (!type || (json_is_string(type) && !strcmp(json_string_value(type), "PUT")))
		ev->type = SL_ETCD_PUT;
	else if (json_is_string(type) && !strcmp(json_string_value(type), "DELETE"))
		ev->type = SL_ETCD_DELETE;
	else if (json_is_integer(type) && json_integer_value(type) >= 0 &&
		 json_integer_value(type) <= 1)
		ev->type = (enum sl_etcd_ev_type)json_integer_value(type);
	else
		return fail(err, -EINVAL, "%s.type: must be \"PUT\" (or omitted) or \"DELETE\"", where);
	snprintf(kvwhere, sizeof(kvwhere), "%s.kv", where);
	return read_kv(json_object_get(v, "kv"), kvwhere, &ev->kv, err);
}

static int read_watch(const json_t *res, struct sl_etcd_watch *w, struct sl_err *err)
{
	const json_t *evs = json_object_get(res, "events"), *reason;
	char where[64];
	size_t i;
	int ret;

	ret = header_revision(res, "watch response", &w->revision, err) ?:
	      get_int64(res, "compact_revision", "watch response", &w->compact_revision, err);
	if (ret)
		return ret;
	w->created = json_is_true(json_object_get(res, "created"));
	w->canceled = json_is_true(json_object_get(res, "canceled"));
	reason = json_object_get(res, "cancel_reason");
	if (json_is_string(reason) && !(w->cancel_reason = strdup(json_string_value(reason))))
		return -ENOMEM;
	if (!evs)
		return 0;
	if (!json_is_array(evs))
		return fail(err, -EINVAL, "watch response.events: must be an array");
	w->events = calloc(json_array_size(evs) + 1, sizeof(*w->events));
	if (!w->events)
		return -ENOMEM;
	for (i = 0; i < json_array_size(evs); i++) {
		snprintf(where, sizeof(where), "watch response.events[%zu]", i);
		ret = read_event(json_array_get(evs, i), where, &w->events[i], err);
		if (ret)
			return ret;
		if (w->events[i].kv.mod_revision <= 0) {
			kv_free(&w->events[i].kv);
			return fail(err, -EINVAL, "%s.kv.mod_revision: must be positive", where);
		}
		w->n++;
	}
	return 0;
}

int sl_etcd_watch_parse(const char *text, size_t len, struct sl_etcd_watch *out,
			struct sl_err *err)
{
	const json_t *res;
	json_t *root;
	int ret;

	memset(out, 0, sizeof(*out));
	ret = load(text, len, "watch response", &root, err);
	if (ret)
		return ret;
	res = json_object_get(root, "result"); /* the gateway wraps a stream's messages */
	if (res && !json_is_object(res))
		ret = fail(err, -EINVAL, "watch response.result: must be an object");
	else
		ret = read_watch(res ? res : root, out, err);
	json_decref(root);
	if (ret)
		sl_etcd_watch_free(out);
	return ret;
}

int sl_etcd_auth_parse(const char *text, size_t len, char **token, struct sl_err *err)
{
	const json_t *t;
	json_t *root;
	int ret;

	*token = NULL;
	ret = load(text, len, "authenticate response", &root, err);
	if (ret)
		return ret == -EACCES ? -EPROTO : ret; /* a refused login is no expired token */
	t = json_object_get(root, "token");
	if (!json_is_string(t) || !json_string_length(t) || strpbrk(json_string_value(t), "\r\n"))
		ret = fail(err, -EINVAL, "authenticate response: no token");
	else if (!(*token = strdup(json_string_value(t))))
		ret = -ENOMEM;
	json_decref(root);
	return ret;
}

int sl_etcd_lease_parse(const char *text, size_t len, int64_t *id, int64_t *ttl,
			struct sl_err *err)
{
	const json_t *res;
	json_t *root;
	int ret;

	*id = *ttl = 0;
	ret = load(text, len, "lease response", &root, err);
	if (ret)
		return ret;
	res = json_object_get(root, "result");
	if (!res)
		res = root;
	ret = !json_is_object(res) ? fail(err, -EINVAL, "lease response: not an object") :
	      !json_is_object(json_object_get(res, "header")) ?
	      fail(err, -EINVAL, "lease response: no header") :
	      get_int64(res, "ID", "lease response", id, err) ?:
	      get_int64(res, "TTL", "lease response", ttl, err);
	json_decref(root);
	return ret;
}

int sl_etcd_done_parse(const char *text, size_t len, struct sl_err *err)
{
	json_t *root;
	int ret;

	ret = load(text, len, "response", &root, err);
	if (ret)
		return ret;
	ret = json_is_object(json_object_get(root, "header")) ? 0 :
	      fail(err, -EINVAL, "response: no header");
	json_decref(root);
	return ret;
}

/* ---- requests ---- */

/* prefix's range end: its last byte that is not 0xff plus one, what follows dropped ("\0":
 * every key, as etcd's clientv3.GetPrefixRangeEnd). */
static char *range_end(const char *prefix, size_t *len)
{
	size_t n = strlen(prefix);
	char *end = malloc(n + 1);

	if (!end)
		return NULL;
	memcpy(end, prefix, n + 1);
	while (n && (unsigned char)end[n - 1] == 0xff)
		n--;
	if (!n) {
		end[0] = '\0';
		*len = 1;
		return end;
	}
	end[n - 1] = (char)((unsigned char)end[n - 1] + 1);
	*len = n;
	return end;
}

/* {"key": b64(prefix), "range_end": b64(end)} plus extra members (taken). */
static json_t *prefix_range(const char *prefix)
{
	char *end, *k, *e;
	size_t elen = 0;
	json_t *o;

	end = range_end(prefix, &elen);
	k = sl_base64_encode(prefix, strlen(prefix));
	e = end ? sl_base64_encode(end, elen) : NULL;
	o = k && e ? json_pack("{s:s, s:s}", "key", k, "range_end", e) : NULL;
	free(end);
	free(k);
	free(e);
	return o;
}

static char *dump(json_t *o)
{
	char *s = o ? json_dumps(o, JSON_COMPACT) : NULL;

	json_decref(o);
	return s;
}

char *sl_etcd_range_request(const char *prefix, int64_t limit)
{
	json_t *o = prefix_range(prefix);
	char n[24];

	if (o && limit) {
		snprintf(n, sizeof(n), "%lld", (long long)limit);
		json_object_set_new(o, "limit", json_string(n));
	}
	return dump(o);
}

char *sl_etcd_watch_request(const char *prefix, int64_t start_revision)
{
	json_t *o = prefix_range(prefix);
	char n[24];

	if (!o)
		return NULL;
	snprintf(n, sizeof(n), "%lld", (long long)start_revision);
	json_object_set_new(o, "start_revision", json_string(n));
	json_object_set_new(o, "progress_notify", json_true());
	return dump(json_pack("{s:o}", "create_request", o));
}

char *sl_etcd_auth_request(const char *user, const char *password)
{
	return dump(json_pack("{s:s, s:s}", "name", user, "password", password));
}

static json_t *int64_str(int64_t n)
{
	char s[24];

	snprintf(s, sizeof(s), "%lld", (long long)n);
	return json_string(s);
}

char *sl_etcd_grant_request(int64_t ttl_s)
{
	return dump(json_pack("{s:o}", "TTL", int64_str(ttl_s)));
}

char *sl_etcd_keepalive_request(int64_t id)
{
	return dump(json_pack("{s:o}", "ID", int64_str(id)));
}

char *sl_etcd_put_request(const char *key, const char *value, int64_t lease)
{
	char *k = sl_base64_encode(key, strlen(key)), *v = sl_base64_encode(value, strlen(value));
	json_t *o = k && v ? json_pack("{s:s, s:s}", "key", k, "value", v) : NULL;

	free(k);
	free(v);
	if (o && lease)
		json_object_set_new(o, "lease", int64_str(lease));
	return dump(o);
}

char *sl_etcd_delete_request(const char *key)
{
	char *k = sl_base64_encode(key, strlen(key));
	json_t *o = k ? json_pack("{s:s}", "key", k) : NULL;

	free(k);
	return dump(o);
}

/* ---- keys ---- */

static const char *part_problem(const char *s, size_t len, size_t max)
{
	size_t i;

	if (!len)
		return "is empty";
	if (len > max)
		return "is too long";
	for (i = 0; i < len; i++)
		if (s[i] <= ' ' || s[i] > '~')
			return "holds a space or a character that is not printable ASCII";
	return NULL;
}

int sl_etcd_key_split(const char *key, const char *ns_prefix, char **service, char **id,
		      struct sl_err *err)
{
	size_t plen = strlen(ns_prefix);
	const char *rest = key + plen, *slash, *why;

	*service = *id = NULL;
	if (strncmp(key, ns_prefix, plen))
		return fail(err, -EINVAL, "key %.200s: not below %s", key, ns_prefix);
	slash = strchr(rest, '/');
	if (!slash)
		return fail(err, -EINVAL, "key %.200s: not %s<service>/<instance-id>", key, ns_prefix);
	if ((why = part_problem(rest, (size_t)(slash - rest), 255)))
		return fail(err, -EINVAL, "key %.200s: its service %s", key, why);
	if (strchr(slash + 1, '/'))
		return fail(err, -EINVAL, "key %.200s: its instance id holds a '/' (keys are "
			    "%s<service>/<instance-id>)", key, ns_prefix);
	if ((why = part_problem(slash + 1, strlen(slash + 1), MAX_ID_LEN)))
		return fail(err, -EINVAL, "key %.200s: its instance id %s%s", key, why,
			    strlen(slash + 1) > MAX_ID_LEN ? " (at most 63 characters)" : "");
	*service = strndup(rest, (size_t)(slash - rest));
	*id = strdup(slash + 1);
	if (!*service || !*id) {
		free(*service);
		free(*id);
		*service = *id = NULL;
		return -ENOMEM;
	}
	return 0;
}
