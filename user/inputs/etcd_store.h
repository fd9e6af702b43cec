/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* etcd_store.h: one namespace's instance keys as an etcd source last saw them: each key's last
 * good instance, or why its value is refused, changed by puts, deletes and whole re-lists. */
#ifndef SL_ETCD_STORE_H
#define SL_ETCD_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>
#include "inputs/etcd_msg.h"
#include "inputs/registry.h"

struct sl_etcd_entry {
	char *key;
	bool has_good;
	struct sl_instance good; /* its last value that parsed */
	time_t good_at;          /* when it was taken (wall clock) */
	char *bad;               /* why its value now is refused (good, if any, serves); NULL */
};

struct sl_etcd_store {
	char *ns_prefix;         /* "<prefix><namespace>/" */
	char *ns;                /* the namespace */
	size_t max;              /* instances at most */
	struct sl_etcd_entry *v; /* by key */
	size_t n, cap;
	size_t ngood, nbad;
};

/* An empty store of the keys below prefix for namespace ns: 0 or -ENOMEM. */
int sl_etcd_store_init(struct sl_etcd_store *st, const char *prefix, const char *ns, size_t max);
void sl_etcd_store_free(struct sl_etcd_store *st);
/* A key's new value: taken when it parses as an instance (registry.h's shape, InstanceId and
 * ServiceName from the key) and there is room, else refused (said, its last good value kept).
 * 1 when the instances changed, 0 when not, -ENOMEM. */
int sl_etcd_store_put(struct sl_etcd_store *st, const struct sl_etcd_kv *kv, time_t now);
/* A key deleted: 1 when the instances changed, 0, -ENOMEM. */
int sl_etcd_store_delete(struct sl_etcd_store *st, const char *key);
/* The keys of a whole re-list in place of those held (a key's last good value is kept when
 * its value is refused). 1 when the instances changed, 0, -ENOMEM (the store then holds
 * the keys the re-list did not take over). */
int sl_etcd_store_replace(struct sl_etcd_store *st, const struct sl_etcd_kv *kvs, size_t n,
			  time_t now);
/* The good instances in key order (deep copies) into *out: 0 or -ENOMEM. */
int sl_etcd_store_instances(const struct sl_etcd_store *st, struct sl_instances *out);

#endif
