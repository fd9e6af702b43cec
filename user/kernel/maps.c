// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* maps.c: reading the routing model out of the pinned maps and writing plans into them;
 * slot tables are created whole as new inner maps, frozen, and swapped in with one write. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/resource.h>
#include <arpa/inet.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "lib/log.h"
#include "lib/vec.h"
#include "kernel/maps.h"

#define SL_ENOTSUPP 524 /* the kernel's "operation not supported" (no batch ops) */

#define SL_MAP_SPEC(name, size) { #name, size },
const struct sl_map_spec sl_map_specs[SL_NMAPS] = { SL_MAP_LIST(SL_MAP_SPEC) };

uint32_t sl_map_max_entries(enum sl_map_size size, const struct sl_limits *lim)
{
	switch (size) {
	case SL_SIZE_SERVICES:
		return lim->services;
	case SL_SIZE_SERVICE_SETS:
		return 2 * lim->services;
	case SL_SIZE_BACKENDS:
		return lim->backends;
	case SL_SIZE_FRONTENDS:
		return lim->frontends;
	case SL_SIZE_SOCKETS:
		return lim->sockets;
	case SL_SIZE_AFFINITIES:
		return lim->affinities;
	case SL_SIZE_FIXED:
		break;
	}
	return 0;
}

int sl_maps_open_pinned(const char *dir, struct sl_maps *m, struct sl_err *err)
{
	char path[PATH_MAX];
	size_t i;
	int ret;

	memset(m, 0, sizeof(*m));
	for (i = 0; i < SL_NMAPS; i++)
		m->fds[i] = -1;
	m->btf_fd = -1;
	m->owned = true;
	m->ncpus = libbpf_num_possible_cpus();
	for (i = 0; i < SL_NMAPS; i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, sl_map_specs[i].name);
		m->fds[i] = bpf_obj_get(path);
		if (m->fds[i] < 0) {
			ret = -errno;
			sl_err_set(err, "%s: %s%s", path, strerror(errno),
				   errno == ENOENT ? " (is sluiced running? see --bpffs)" : "");
			sl_maps_close(m);
			return ret;
		}
	}
	ret = sl_health_map_open(&m->health, m->backend_health, err);
	if (ret)
		sl_maps_close(m);
	return ret;
}

void sl_maps_close(struct sl_maps *m)
{
	size_t i;

	sl_health_map_close(&m->health);
	if (!m->owned)
		return;
	for (i = 0; i < SL_NMAPS; i++)
		if (m->fds[i] >= 0)
			close(m->fds[i]);
	memset(m, 0, sizeof(*m));
}

int sl_maps_mark_exempt(const struct sl_maps *m, int fd)
{
	struct sluice_sock_route r = { .flags = SLUICE_SOCK_EXEMPT };

	return bpf_map_update_elem(m->sock_routes, &fd, &r, BPF_ANY) ? -errno : 0;
}

long sl_maps_count(int fd, size_t key_size)
{
	char key[64], next[64];
	long n = 0;
	void *prev = NULL;

	if (key_size > sizeof(key))
		return -EINVAL;
	while (!bpf_map_get_next_key(fd, prev, next)) {
		memcpy(key, next, key_size);
		prev = key;
		n++;
	}
	return n;
}

/* ---- reading ---- */

static int read_services(const struct sl_maps *maps, struct sl_model *m)
{
	uint32_t key, *prev = NULL;
	struct sluice_service v;
	size_t cap = 0;

	while (!bpf_map_get_next_key(maps->services, prev, &key)) {
		prev = &key;
		if (bpf_map_lookup_elem(maps->services, &key, &v))
			continue;
		if (sl_vec_room(m->services, m->nservices, cap))
			return -ENOMEM;
		memset(&m->services[m->nservices], 0, sizeof(*m->services));
		bpf_map_lookup_elem(maps->service_policies, &key, &m->services[m->nservices].policy);
		m->services[m->nservices].id = key;
		m->services[m->nservices].ns_id = v.ns_id;
		memcpy(m->services[m->nservices].name, v.name, sizeof(v.name));
		m->services[m->nservices].name[SLUICE_NAME_LEN - 1] = '\0';
		m->nservices++;
	}
	return 0;
}

static int read_backends(const struct sl_maps *maps, struct sl_model *m)
{
	uint32_t key, *prev = NULL;
	struct sluice_backend v;

	while (!bpf_map_get_next_key(maps->backends, prev, &key)) {
		struct sl_service_model *s;
		struct sl_backend_model *b;
		void *nv;

		prev = &key;
		if (bpf_map_lookup_elem(maps->backends, &key, &v))
			continue;
		s = (struct sl_service_model *)sl_model_find_service(m, v.service_id);
		if (!s) {
			pr_debug("backend %u names service %u, which is not in the maps", key,
				 v.service_id);
			continue;
		}
		nv = realloc(s->backends, (s->nbackends + 1) * sizeof(*s->backends));
		if (!nv)
			return -ENOMEM;
		s->backends = nv;
		b = &s->backends[s->nbackends++];
		memset(b, 0, sizeof(*b));
		b->id = key;
		memcpy(b->addr.a, v.addr, sizeof(v.addr));
		b->port = ntohs(v.port);
		b->state = v.state;
		b->weight = v.weight;
		memcpy(b->instance_id, v.instance_id, sizeof(v.instance_id));
		b->instance_id[SLUICE_INSTANCE_ID_LEN - 1] = '\0';
	}
	return 0;
}

static int read_table(const struct sl_maps *maps, uint32_t service_id, int fam,
		      struct sl_table_model *t)
{
	uint32_t idx = SLUICE_SET_INDEX(service_id, fam), inner_id, k;
	struct bpf_map_info info = {};
	__u32 len = sizeof(info);
	int fd, ret = 0;

	if (bpf_map_lookup_elem(maps->backend_sets, &idx, &inner_id))
		return 0; /* no table: serves nothing in this family */
	fd = bpf_map_get_fd_by_id(inner_id);
	if (fd < 0)
		return -errno;
	if (bpf_obj_get_info_by_fd(fd, &info, &len)) {
		ret = -errno;
		goto out;
	}
	t->slots = calloc(info.max_entries, sizeof(*t->slots));
	if (!t->slots) {
		ret = -ENOMEM;
		goto out;
	}
	for (k = 0; k < info.max_entries; k++) {
		if (bpf_map_lookup_elem(fd, &k, &t->slots[k])) {
			ret = -errno;
			goto out;
		}
	}
	t->nslots = info.max_entries;
out:
	close(fd);
	return ret;
}

/* READ_KEYED(name, map, keytype): read every entry of map into m->name (an array of
 * structs with .key and .value); entries deleted while walking are skipped. */
#define READ_KEYED(fn, name, map, keytype)                                            \
	static int fn(const struct sl_maps *maps, struct sl_model *m)                 \
	{                                                                             \
		keytype key, *prev = NULL;                                            \
		size_t cap = 0;                                                       \
                                                                                      \
		while (!bpf_map_get_next_key(maps->map, prev, &key)) {                \
			prev = &key;                                                  \
			if (sl_vec_room(m->name, m->n##name, cap))                    \
				return -ENOMEM;                                       \
			memcpy(&m->name[m->n##name].key, &key, sizeof(key));          \
			if (bpf_map_lookup_elem(maps->map, &key,                      \
						&m->name[m->n##name].value))          \
				continue;                                             \
			m->n##name++;                                                 \
		}                                                                     \
		return 0;                                                             \
	}

READ_KEYED(read_frontends, frontends, frontends, struct sluice_frontend_key)
READ_KEYED(read_vip_ports, vip_ports, vip_ports, struct sluice_vip_key)

static int read_namespaces(const struct sl_maps *maps, struct sl_model *m)
{
	uint32_t key, *prev = NULL;
	size_t cap = 0;

	while (!bpf_map_get_next_key(maps->namespaces, prev, &key)) {
		prev = &key;
		if (sl_vec_room(m->namespaces, m->nnamespaces, cap))
			return -ENOMEM;
		m->namespaces[m->nnamespaces].id = key;
		if (bpf_map_lookup_elem(maps->namespaces, &key,
					&m->namespaces[m->nnamespaces].value))
			continue;
		m->nnamespaces++;
	}
	return 0;
}

int sl_maps_read_model(const struct sl_maps *maps, struct sl_model *out, struct sl_err *err)
{
	struct sl_model m = {};
	size_t i;
	int ret, fam;

	ret = read_services(maps, &m);
	if (!ret) {
		sl_model_sort(&m); /* by id, for read_backends' lookups */
		ret = read_backends(maps, &m);
	}
	for (i = 0; !ret && i < m.nservices; i++)
		for (fam = 0; !ret && fam < 2; fam++)
			ret = read_table(maps, m.services[i].id, fam, &m.services[i].table[fam]);
	if (!ret)
		ret = read_frontends(maps, &m);
	if (!ret)
		ret = read_vip_ports(maps, &m);
	if (!ret)
		ret = read_namespaces(maps, &m);
	if (ret) {
		sl_err_set(err, "reading the pinned maps: %s", strerror(-ret));
		sl_model_free(&m);
		return ret;
	}
	sl_model_sort(&m);
	*out = m;
	return 0;
}

/* ---- writing ---- */

static int fail(struct sl_err *err, const char *map, const char *what, uint32_t id)
{
	int ret = -errno;

	sl_err_set(err, "map %s: %s %u: %s", map, what, id, strerror(errno));
	return ret ? ret : -EIO;
}

static int zero_percpu(int fd, uint32_t id, size_t value_size, int ncpus)
{
	size_t sz = ((value_size + 7) & ~7UL) * ncpus;
	void *zeros = calloc(1, sz);
	int ret;

	if (!zeros)
		return -ENOMEM;
	ret = bpf_map_update_elem(fd, &id, zeros, BPF_ANY);
	free(zeros);
	return ret;
}

static int put_backend(const struct sl_maps *m, const struct sl_backend_op *op,
		       struct sl_err *err)
{
	const struct sl_backend_model *b = op->backend;
	struct sluice_backend v = {};

	if (op->fresh && zero_percpu(m->backend_traffic, b->id,
				     sizeof(struct sluice_backend_traffic), m->ncpus))
		return fail(err, "backend_traffic", "reset backend", b->id);
	if (op->fresh && zero_percpu(m->backend_stats, b->id, sizeof(struct sluice_backend_stats),
				     m->ncpus))
		return fail(err, "backend_stats", "reset backend", b->id);
	if (op->fresh)
		sl_health_map_reset(&m->health, b->id);
	memcpy(v.addr, b->addr.a, sizeof(v.addr));
	v.port = htons(b->port);
	v.state = b->state;
	v.service_id = op->service_id;
	v.weight = b->weight;
	memcpy(v.instance_id, b->instance_id, sizeof(v.instance_id));
	if (bpf_map_update_elem(m->backends, &b->id, &v, BPF_ANY))
		return fail(err, "backends", "update backend", b->id);
	return 0;
}

static int put_service(const struct sl_maps *m, const struct sl_service_op *op,
		       struct sl_err *err)
{
	const struct sl_service_model *s = op->service;
	struct sluice_service v = {};

	if (bpf_map_update_elem(m->service_policies, &s->id, &s->policy, BPF_ANY))
		return fail(err, "service_policies", "update service", s->id);
	if (op->fresh && zero_percpu(m->service_stats, s->id, sizeof(struct sluice_service_stats),
				     m->ncpus))
		return fail(err, "service_stats", "reset service", s->id);
	memcpy(v.name, s->name, sizeof(v.name));
	v.nbackends = s->nbackends;
	v.nserving = sl_service_nserving(s);
	v.ns_id = s->ns_id;
	if (bpf_map_update_elem(m->services, &s->id, &v, BPF_ANY))
		return fail(err, "services", "update service", s->id);
	return 0;
}

/* The slot keys 0..SLUICE_MAX_SLOTS-1, for filling a table with one batch write. */
static const uint32_t *slot_keys(void)
{
	static uint32_t keys[SLUICE_MAX_SLOTS];

	if (!keys[SLUICE_MAX_SLOTS - 1])
		for (uint32_t k = 0; k < SLUICE_MAX_SLOTS; k++)
			keys[k] = k;
	return keys;
}

/* A new inner map holding the table, frozen: nobody changes a table once published. It is
 * filled with one batch write (one write per slot where the kernel has no batch ops). */
static int make_table(const struct sl_maps *m, const struct sl_table_model *t)
{
	LIBBPF_OPTS(bpf_map_create_opts, opts, .map_flags = BPF_F_INNER_MAP);
	uint32_t k, count = t->nslots;
	int fd;

	if (m->btf_fd >= 0) {
		opts.btf_fd = m->btf_fd;
		opts.btf_key_type_id = m->btf_key_id;
		opts.btf_value_type_id = m->btf_slot_id;
	}
	fd = bpf_map_create(BPF_MAP_TYPE_ARRAY, "sluice_slots", sizeof(uint32_t),
			    sizeof(struct sluice_slot), t->nslots, &opts);
	if (fd < 0)
		return -errno;
	if (bpf_map_update_batch(fd, slot_keys(), t->slots, &count, NULL)) {
		if (errno != EINVAL && errno != SL_ENOTSUPP && errno != EOPNOTSUPP)
			goto fail;
		for (k = 0; k < t->nslots; k++)
			if (bpf_map_update_elem(fd, &k, &t->slots[k], BPF_ANY))
				goto fail;
	}
	if (bpf_map_freeze(fd))
		goto fail;
	return fd;
fail:
	k = errno;
	close(fd);
	return -(int)k;
}

/* Tables published per batch write to backend_sets. Each write to an outer map waits for
 * an RCU grace period (milliseconds), once per batch instead of once per table; a batch
 * holds its tables' fds open, so it stays well inside the open-files limit. */
static size_t tables_per_batch(void)
{
	struct rlimit rl;
	size_t n = 4096;

	if (!getrlimit(RLIMIT_NOFILE, &rl) && rl.rlim_cur != RLIM_INFINITY &&
	    rl.rlim_cur / 4 < n)
		n = rl.rlim_cur / 4;
	return n ? n : 1;
}

/* Swap n made tables in: one batch write, finished one write at a time from where a
 * kernel without batch ops on map-in-map (or a partial batch) stopped. */
static int publish_tables(const struct sl_maps *m, const struct sl_table_op **ops,
			  const uint32_t *keys, const int *fds, uint32_t n, struct sl_err *err)
{
	uint32_t i = n;

	if (!n)
		return 0;
	if (!bpf_map_update_batch(m->backend_sets, keys, fds, &i, NULL))
		return 0;
	if (errno != EINVAL && errno != SL_ENOTSUPP && errno != EOPNOTSUPP)
		return fail(err, "backend_sets", "swap table of service",
			    ops[i < n ? i : 0]->service_id);
	for (i = i < n ? i : 0; i < n; i++)
		if (bpf_map_update_elem(m->backend_sets, &keys[i], &fds[i], BPF_ANY))
			return fail(err, "backend_sets", "swap table of service",
				    ops[i]->service_id);
	return 0;
}

/* Every table op of the plan: empty tables are cleared, the others made and published in
 * batches. A connect sees a service's whole old table or its whole new one. */
static int put_tables(const struct sl_maps *m, const struct sl_table_op *ops, size_t n,
		      struct sl_err *err)
{
	size_t batch = tables_per_batch(), i = 0, j;
	const struct sl_table_op **made = calloc(batch, sizeof(*made));
	uint32_t *keys = calloc(batch, sizeof(*keys));
	int *fds = calloc(batch, sizeof(*fds));
	uint32_t nmade = 0;
	int ret = 0;

	if (!made || !keys || !fds) {
		sl_err_set(err, "publishing %zu slot tables: out of memory", n);
		ret = -ENOMEM;
		goto out;
	}
	while (i < n && !ret) {
		for (nmade = 0; i < n && nmade < batch && !ret; i++) {
			const struct sl_table_op *op = &ops[i];
			uint32_t idx = SLUICE_SET_INDEX(op->service_id, op->fam);
			int fd;

			if (!op->table->nslots) {
				if (bpf_map_delete_elem(m->backend_sets, &idx) && errno != ENOENT)
					ret = fail(err, "backend_sets", "clear table of service",
						   op->service_id);
				continue;
			}
			fd = make_table(m, op->table);
			if (fd < 0) {
				errno = -fd;
				ret = fail(err, "sluice_slots", "create table of service",
					   op->service_id);
				continue;
			}
			made[nmade] = op;
			keys[nmade] = idx;
			fds[nmade++] = fd;
		}
		if (!ret)
			ret = publish_tables(m, made, keys, fds, nmade, err);
		for (j = 0; j < nmade; j++)
			close(fds[j]);
	}
out:
	free(made);
	free(keys);
	free(fds);
	return ret;
}

static int drop_service(const struct sl_maps *m, uint32_t id, struct sl_err *err)
{
	static const struct sluice_policy none;
	int fam;

	for (fam = 0; fam < 2; fam++) {
		uint32_t idx = SLUICE_SET_INDEX(id, fam);

		if (bpf_map_delete_elem(m->backend_sets, &idx) && errno != ENOENT)
			return fail(err, "backend_sets", "delete table of service", id);
	}
	if (bpf_map_delete_elem(m->services, &id) && errno != ENOENT)
		return fail(err, "services", "delete service", id);
	if (bpf_map_update_elem(m->service_policies, &id, &none, BPF_ANY))
		return fail(err, "service_policies", "reset service", id);
	return 0;
}

int sl_maps_apply(const struct sl_maps *m, const struct sl_plan *p, struct sl_err *err)
{
	size_t i;
	int ret;

	for (i = 0; i < p->nnamespace_upserts; i++) {
		const struct sl_namespace_model *ns = p->namespace_upserts[i];

		if (bpf_map_update_elem(m->namespaces, &ns->id, &ns->value, BPF_ANY))
			return fail(err, "namespaces", "update namespace", ns->id);
	}
	for (i = 0; i < p->nbackend_upserts; i++)
		if ((ret = put_backend(m, &p->backend_upserts[i], err)))
			return ret;
	for (i = 0; i < p->nservice_upserts; i++)
		if ((ret = put_service(m, &p->service_upserts[i], err)))
			return ret;
	if ((ret = put_tables(m, p->tables, p->ntables, err)))
		return ret;
	for (i = 0; i < p->nfrontend_upserts; i++) {
		const struct sl_frontend_model *f = p->frontend_upserts[i];

		if (bpf_map_update_elem(m->frontends, &f->key, &f->value, BPF_ANY))
			return fail(err, "frontends", "update frontend of service",
				    f->value.service_id);
	}
	for (i = 0; i < p->nvip_port_upserts; i++) {
		const struct sl_vip_port_model *v = p->vip_port_upserts[i];

		if (bpf_map_update_elem(m->vip_ports, &v->key, &v->value, BPF_ANY))
			return fail(err, "vip_ports", "update VIP port", ntohs(v->key.port));
	}
	for (i = 0; i < p->nvip_port_deletes; i++) {
		const struct sl_vip_port_model *v = p->vip_port_deletes[i];

		if (bpf_map_delete_elem(m->vip_ports, &v->key) && errno != ENOENT)
			return fail(err, "vip_ports", "delete VIP port", ntohs(v->key.port));
	}
	for (i = 0; i < p->nfrontend_deletes; i++) {
		const struct sl_frontend_model *f = p->frontend_deletes[i];

		if (bpf_map_delete_elem(m->frontends, &f->key) && errno != ENOENT)
			return fail(err, "frontends", "delete frontend of service",
				    f->value.service_id);
	}
	for (i = 0; i < p->nservice_deletes; i++)
		if ((ret = drop_service(m, p->service_deletes[i], err)))
			return ret;
	for (i = 0; i < p->nbackend_deletes; i++)
		if (bpf_map_delete_elem(m->backends, &p->backend_deletes[i]) && errno != ENOENT)
			return fail(err, "backends", "delete backend", p->backend_deletes[i]);
	for (i = 0; i < p->nnamespace_deletes; i++)
		if (bpf_map_delete_elem(m->namespaces, &p->namespace_deletes[i]) && errno != ENOENT)
			return fail(err, "namespaces", "delete namespace", p->namespace_deletes[i]);
	return 0;
}

static int sum_percpu(int fd, uint32_t id, size_t value_size, int ncpus, __u64 *sum,
		      size_t nfields)
{
	size_t stride = (value_size + 7) & ~7UL, f;
	char *vals = calloc(ncpus, stride);
	int cpu, ret = 0;

	if (!vals)
		return -ENOMEM;
	memset(sum, 0, nfields * sizeof(*sum));
	if (bpf_map_lookup_elem(fd, &id, vals)) {
		ret = -errno;
		goto out;
	}
	for (cpu = 0; cpu < ncpus; cpu++)
		for (f = 0; f < nfields; f++)
			sum[f] += ((__u64 *)(vals + cpu * stride))[f];
out:
	free(vals);
	return ret;
}

int sl_maps_backend_traffic(const struct sl_maps *m, uint32_t id,
			    struct sluice_backend_traffic *s)
{
	return sum_percpu(m->backend_traffic, id, sizeof(*s), m->ncpus, (__u64 *)s,
			  sizeof(*s) / sizeof(__u64));
}

int sl_maps_backend_stats(const struct sl_maps *m, uint32_t id, struct sluice_backend_stats *s)
{
	return sum_percpu(m->backend_stats, id, sizeof(*s), m->ncpus, (__u64 *)s,
			  sizeof(*s) / sizeof(__u64));
}

int sl_maps_service_stats(const struct sl_maps *m, uint32_t id, struct sluice_service_stats *s)
{
	return sum_percpu(m->service_stats, id, sizeof(*s), m->ncpus, (__u64 *)s,
			  sizeof(*s) / sizeof(__u64));
}
