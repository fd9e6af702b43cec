/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* etcd_msg.h: etcd's v3 JSON gateway as sluice speaks it: request bodies built, responses
 * (range, a watch stream's messages, authenticate, errors) parsed and checked. Pure. */
#ifndef SL_ETCD_MSG_H
#define SL_ETCD_MSG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "lib/err.h"

/* One key and its value (both decoded from base64, NUL-terminated; keys with a NUL refused). */
struct sl_etcd_kv {
	char *key;
	char *value;
	size_t value_len;
	int64_t mod_revision;
};

/* A range response: the keys and the store's revision they are of. */
struct sl_etcd_range {
	int64_t revision; /* header.revision */
	int64_t count;    /* keys in the range in all (more than kvs when limited) */
	bool more;
	struct sl_etcd_kv *kvs;
	size_t n;
};

enum sl_etcd_ev_type { SL_ETCD_PUT = 0, SL_ETCD_DELETE = 1 }; /* PUT: "type" omitted */

struct sl_etcd_event {
	enum sl_etcd_ev_type type;
	struct sl_etcd_kv kv; /* a DELETE's value is empty; its mod_revision the deletion's */
};

/* One message of a watch stream. */
struct sl_etcd_watch {
	int64_t revision;         /* header.revision */
	bool created, canceled;
	int64_t compact_revision; /* canceled because start_revision was compacted: > 0 */
	char *cancel_reason;      /* NULL when none given */
	struct sl_etcd_event *events;
	size_t n;
};

/* Parsing: 0; -EINVAL for what is no such message (err: "what, where"); -EPROTO when the
 * gateway answered an error ({"error": ..., "code": N, "message": ...}, plain or as a
 * stream's {"error": {...}}), err its message; -EACCES the same for an auth error (the token
 * expired or was refused: authenticate again); -ENOMEM. On failure *out is zeroed. */
int sl_etcd_range_parse(const char *text, size_t len, struct sl_etcd_range *out,
			struct sl_err *err);
void sl_etcd_range_free(struct sl_etcd_range *r);
int sl_etcd_watch_parse(const char *text, size_t len, struct sl_etcd_watch *out,
			struct sl_err *err);
void sl_etcd_watch_free(struct sl_etcd_watch *w);
/* An authenticate response's token (malloc'd) into *token. */
int sl_etcd_auth_parse(const char *text, size_t len, char **token, struct sl_err *err);

/* A lease grant's or keepalive's answer (a keepalive's as its stream writes it, in
 * {"result": ...}): its ID and TTL (0: the lease is gone). */
int sl_etcd_lease_parse(const char *text, size_t len, int64_t *id, int64_t *ttl,
			struct sl_err *err);
/* A put's or delete's answer: 0 when it has a header (done); errors as above. */
int sl_etcd_done_parse(const char *text, size_t len, struct sl_err *err);

/* Request bodies (malloc'd JSON; NULL: out of memory). The range of keys starting with
 * prefix: [prefix, prefix with its last byte + 1). limit 0: no limit. */
char *sl_etcd_range_request(const char *prefix, int64_t limit);
/* A watch of the prefix from start_revision on, with progress notifications. */
char *sl_etcd_watch_request(const char *prefix, int64_t start_revision);
char *sl_etcd_auth_request(const char *user, const char *password);
char *sl_etcd_grant_request(int64_t ttl_s);
char *sl_etcd_keepalive_request(int64_t id);
/* A put of key (value of value_len bytes) under lease id (0: none). */
char *sl_etcd_put_request(const char *key, const char *value, int64_t lease);
char *sl_etcd_delete_request(const char *key);

/* A key below ns_prefix ("/sluice/prod/") as "<service>/<instance-id>", both non-empty,
 * printable, without '/' more; their copies into *service and *id. -EINVAL (err says why,
 * naming the key), -ENOMEM. */
int sl_etcd_key_split(const char *key, const char *ns_prefix, char **service, char **id,
		      struct sl_err *err);

/* base64 (RFC 4648, padded) of len bytes; NULL: out of memory. */
char *sl_base64_encode(const void *data, size_t len);
/* Decoded (NUL-terminated, *len its length) or NULL for what is not base64 or out of memory
 * (errno EINVAL or ENOMEM). */
char *sl_base64_decode(const char *s, size_t *len);

#endif
