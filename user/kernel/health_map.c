// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* health_map.c: backend_health mmapped (single words, release and acquire where the data plane
 * acts on what sluiced wrote, and back); client_health walked; the health_events ring read
 * through libbpf. */
#include <errno.h>
#include <string.h>
#include <sys/mman.h>
#include <stdlib.h>
#include <time.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "kernel/health_map.h"

int sl_health_map_open(struct sl_health_map *hm, int fd, struct sl_err *err)
{
	struct bpf_map_info info = {};
	__u32 len = sizeof(info);
	void *p;

	memset(hm, 0, sizeof(*hm));
	if (bpf_obj_get_info_by_fd(fd, &info, &len))
		return sl_err_set(err, "map backend_health: %s", strerror(errno));
	if (info.value_size != sizeof(*hm->v) || !info.max_entries)
		return sl_err_set(err, "map backend_health: value size %u, want %zu",
				  info.value_size, sizeof(*hm->v));
	p = mmap(NULL, (size_t)info.max_entries * sizeof(*hm->v), PROT_READ | PROT_WRITE,
		 MAP_SHARED, fd, 0);
	if (p == MAP_FAILED)
		return sl_err_set(err, "mmap of map backend_health: %s", strerror(errno));
	hm->v = p;
	hm->n = info.max_entries;
	return 0;
}

void sl_health_map_close(struct sl_health_map *hm)
{
	if (hm->v)
		munmap(hm->v, (size_t)hm->n * sizeof(*hm->v));
	memset(hm, 0, sizeof(*hm));
}

static struct sluice_backend_health *entry(const struct sl_health_map *hm, uint32_t id)
{
	return hm && hm->v && id < hm->n ? &hm->v[id] : NULL;
}

struct sluice_backend_health sl_health_map_read(const struct sl_health_map *hm, uint32_t id)
{
	const struct sluice_backend_health *h = entry(hm, id);
	struct sluice_backend_health out = {};

	if (h) {
		out.active = __atomic_load_n(&h->active, __ATOMIC_RELAXED);
		out.failures = __atomic_load_n(&h->failures, __ATOMIC_RELAXED);
		out.ejected = __atomic_load_n(&h->ejected, __ATOMIC_ACQUIRE);
		out.flags = __atomic_load_n(&h->flags, __ATOMIC_RELAXED);
		out.run_netns = __atomic_load_n(&h->run_netns, __ATOMIC_RELAXED);
		out.client_ejected_until_ns = __atomic_load_n(&h->client_ejected_until_ns,
							      __ATOMIC_RELAXED);
		out.client_entries_until_ns = __atomic_load_n(&h->client_entries_until_ns,
							      __ATOMIC_RELAXED);
	}
	return out;
}

bool sl_health_map_ejected(const struct sl_health_map *hm, uint32_t id)
{
	const struct sluice_backend_health *h = entry(hm, id);

	return h && __atomic_load_n(&h->ejected, __ATOMIC_ACQUIRE);
}

void sl_health_map_readmit(const struct sl_health_map *hm, uint32_t id)
{
	struct sluice_backend_health *h = entry(hm, id);

	if (!h)
		return;
	__atomic_store_n(&h->failures, 0, __ATOMIC_RELAXED);
	__atomic_store_n(&h->run_netns, 0, __ATOMIC_RELAXED);
	__atomic_store_n(&h->ejected, 0, __ATOMIC_RELEASE);
}

void sl_health_map_set_flags(const struct sl_health_map *hm, uint32_t id, uint32_t flags)
{
	struct sluice_backend_health *h = entry(hm, id);

	if (h && __atomic_load_n(&h->flags, __ATOMIC_RELAXED) != flags)
		__atomic_store_n(&h->flags, flags, __ATOMIC_RELEASE);
}

void sl_health_map_reset(const struct sl_health_map *hm, uint32_t id)
{
	struct sluice_backend_health *h = entry(hm, id);

	if (!h)
		return;
	__atomic_store_n(&h->failures, 0, __ATOMIC_RELAXED);
	__atomic_store_n(&h->run_netns, 0, __ATOMIC_RELAXED);
	__atomic_store_n(&h->ejected, 0, __ATOMIC_RELAXED);
	/* Client ejections of an earlier holder lapse unseen: ids are not reused at once. */
	__atomic_store_n(&h->client_ejected_until_ns, 0, __ATOMIC_RELAXED);
	__atomic_store_n(&h->client_entries_until_ns, 0, __ATOMIC_RELAXED);
	__atomic_store_n(&h->flags, 0, __ATOMIC_RELEASE);
}

int sl_client_ejections(int fd, uint32_t *counts, uint32_t n)
{
	struct sluice_client_key key, *prev = NULL;
	struct sluice_client_health v;
	struct timespec ts;
	uint64_t now;

	memset(counts, 0, (size_t)n * sizeof(*counts));
	if (clock_gettime(CLOCK_MONOTONIC, &ts)) /* bpf_ktime_get_ns()'s clock */
		return -errno;
	now = (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
	while (!bpf_map_get_next_key(fd, prev, &key)) {
		prev = &key;
		if (!bpf_map_lookup_elem(fd, &key, &v) && v.ejected && now < v.until_ns &&
		    key.backend_id < n)
			counts[key.backend_id]++;
	}
	return 0;
}

struct sl_health_events {
	struct ring_buffer *ring;
	sl_health_event_fn fn;
	void *ctx;
};

static int on_record(void *ctx, void *data, size_t len)
{
	struct sl_health_events *e = ctx;

	if (len >= sizeof(struct sluice_health_event))
		e->fn(e->ctx, data);
	return 0;
}

struct sl_health_events *sl_health_events_open(int ring_fd, sl_health_event_fn fn, void *ctx,
					       struct sl_err *err)
{
	struct sl_health_events *e = calloc(1, sizeof(*e));

	if (!e) {
		sl_err_set(err, "ring buffer health_events: out of memory");
		return NULL;
	}
	e->fn = fn;
	e->ctx = ctx;
	e->ring = ring_buffer__new(ring_fd, on_record, e, NULL);
	if (!e->ring) {
		sl_err_set(err, "ring buffer health_events: %s", strerror(errno));
		free(e);
		return NULL;
	}
	return e;
}

void sl_health_events_free(struct sl_health_events *e)
{
	if (!e)
		return;
	ring_buffer__free(e->ring);
	free(e);
}

int sl_health_events_fd(const struct sl_health_events *e)
{
	return ring_buffer__epoll_fd(e->ring);
}

void sl_health_events_consume(struct sl_health_events *e)
{
	ring_buffer__consume(e->ring);
}
