// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* fuzz_etcd.c: libFuzzer target of the etcd gateway's responses (etcd_msg.c: a range, a watch
 * stream's message, authenticate) and of what the etcd source does with them (etcd_store.c). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "inputs/etcd_msg.h"
#include "inputs/etcd_store.h"
#include "fuzz.h"

#define MAX_INSTANCES 8

/* The store's counts are those of its entries; keys sorted, unique; instances of the key. */
static void check_store(const struct sl_etcd_store *st)
{
	struct sl_instances list;
	size_t i, good = 0, bad = 0;

	for (i = 0; i < st->n; i++) {
		const struct sl_etcd_entry *e = &st->v[i];

		FUZZ_CHECK(!i || strcmp(st->v[i - 1].key, e->key) < 0, "keys out of order");
		good += e->has_good;
		bad += !!e->bad;
		FUZZ_CHECK(e->has_good || e->bad, "an entry neither good nor refused");
		if (e->has_good)
			FUZZ_CHECK(!strncmp(e->key, st->ns_prefix, strlen(st->ns_prefix)) &&
				   !strcmp(e->good.namespace, st->ns) && *e->good.id &&
				   (e->good.has_v4 || e->good.has_v6), "a good entry out of shape");
	}
	FUZZ_CHECK(good == st->ngood && bad == st->nbad && good <= st->max, "counts: %zu/%zu good, "
		   "%zu/%zu bad", good, st->ngood, bad, st->nbad);
	FUZZ_CHECK(!sl_etcd_store_instances(st, &list) && list.n == good, "instances");
	sl_instances_free(&list);
}

static void check_kv(const struct sl_etcd_kv *kv)
{
	FUZZ_CHECK(kv->key && *kv->key && kv->value && strlen(kv->value) <= kv->value_len,
		   "a kv out of shape");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sl_err err = { "" };
	struct sl_etcd_store st;
	struct sl_etcd_range r;
	struct sl_etcd_watch w;
	char *token;
	size_t i;
	int ret;

	FUZZ_CHECK(!sl_etcd_store_init(&st, "/sluice/", "e2e.local", MAX_INSTANCES), "init");
	ret = sl_etcd_range_parse((const char *)data, size, &r, &err);
	if (ret) {
		FUZZ_CHECK(ret == -EINVAL || ret == -EPROTO || ret == -EACCES || ret == -ENOMEM,
			   "range: %d", ret);
		FUZZ_CHECK(*err.msg && !r.kvs && !r.n, "a failed range left kvs or said nothing");
	} else {
		FUZZ_CHECK(r.revision >= 0, "a negative revision");
		for (i = 0; i < r.n; i++)
			check_kv(&r.kvs[i]);
		FUZZ_CHECK(sl_etcd_store_replace(&st, r.kvs, r.n, 1) >= 0, "replace");
		check_store(&st);
		sl_etcd_range_free(&r);
	}
	ret = sl_etcd_watch_parse((const char *)data, size, &w, &err);
	if (ret) {
		FUZZ_CHECK(*err.msg && !w.events && !w.n && !w.cancel_reason, "a failed watch");
	} else {
		for (i = 0; i < w.n; i++) {
			check_kv(&w.events[i].kv);
			FUZZ_CHECK(w.events[i].kv.mod_revision > 0, "an event at revision <= 0");
			ret = w.events[i].type == SL_ETCD_PUT ?
			      sl_etcd_store_put(&st, &w.events[i].kv, 2) :
			      sl_etcd_store_delete(&st, w.events[i].kv.key);
			FUZZ_CHECK(ret >= 0, "an event: %d", ret);
			check_store(&st);
		}
		sl_etcd_watch_free(&w);
	}
	if (!sl_etcd_auth_parse((const char *)data, size, &token, &err)) {
		FUZZ_CHECK(token && *token && !strpbrk(token, "\r\n"), "a token out of shape");
		free(token);
	}
	sl_etcd_store_free(&st);
	return 0;
}
