// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* sockterm_iter.c: socket termination by BPF iterators (iter/tcp, iter/udp) that call
 * bpf_sock_destroy on the sockets sluice routed to the backends in doomed_backends. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "kernel/sockterm_methods.h"
#include "lib/log.h"
#include "sluice.h"
#include "sockterm.skel.h"

#define MAX_ITER_READS 65536 /* reads of one iterator before giving up */

struct sockterm_iter {
	struct sockterm *skel;
	int doomed_fd;
	uint32_t doomed_max;
};

/* Run one iterator to its end in the calling thread's network namespace. */
static int iter_run(struct bpf_link *link, const char *what, char *msg, size_t len)
{
	char buf[256];
	int fd, i, ret = -ETIMEDOUT;

	fd = bpf_iter_create(bpf_link__fd(link));
	if (fd < 0) {
		ret = -errno;
		snprintf(msg, len, "creating the %s iterator: %s", what, strerror(errno));
		return ret;
	}
	for (i = 0; i < MAX_ITER_READS; i++) {
		ssize_t n = read(fd, buf, sizeof(buf));

		if (n > 0)
			continue;
		if (!n) {
			ret = 0;
			break;
		}
		if (errno == EINTR || errno == EAGAIN)
			continue;
		ret = -errno;
		break;
	}
	if (ret)
		snprintf(msg, len, "reading the %s iterator: %s", what, strerror(-ret));
	close(fd);
	return ret;
}

int sockterm_iter_netns(struct sockterm_iter *it, const struct sockterm_pass *p, char *msg,
			size_t len)
{
	int ret = 0;

	if (p->tcp)
		ret = iter_run(it->skel->links.sockterm_tcp, "TCP", msg, len);
	if (!ret)
		ret = iter_run(it->skel->links.sockterm_udp, "UDP", msg, len);
	return ret;
}

static void doomed_clear(struct sockterm_iter *it)
{
	struct sluice_doomed_key key;
	uint32_t i;

	for (i = 0; i <= it->doomed_max; i++) {
		if (bpf_map_get_next_key(it->doomed_fd, NULL, &key))
			break;
		if (bpf_map_delete_elem(it->doomed_fd, &key))
			break;
	}
}

static int doomed_put(struct sockterm_iter *it, const struct sl_departure *d, uint8_t proto)
{
	struct sluice_doomed_key key = {};
	uint8_t one = 1;

	memcpy(key.addr, d->addr.a, sizeof(key.addr));
	key.port = htons(d->port);
	key.proto = proto;
	return bpf_map_update_elem(it->doomed_fd, &key, &one, BPF_ANY) ? -errno : 0;
}

int sockterm_iter_load(struct sockterm_iter *it, const struct sl_departure *v, size_t n,
		       struct sl_err *err)
{
	uint32_t used = 0;
	size_t i;
	int ret;

	__atomic_store_n(&it->skel->bss->destroyed, 0, __ATOMIC_RELAXED);
	__atomic_store_n(&it->skel->bss->failed, 0, __ATOMIC_RELAXED);
	doomed_clear(it);
	for (i = 0; i < n && used + 2 <= it->doomed_max; i++) {
		ret = doomed_put(it, &v[i], IPPROTO_UDP);
		if (!ret && v[i].terminate_tcp)
			ret = doomed_put(it, &v[i], IPPROTO_TCP);
		if (ret)
			return sl_err_set(err, "socket termination: map doomed_backends: %s",
					  strerror(-ret)), ret;
		used += v[i].terminate_tcp ? 2 : 1;
	}
	return (int)i;
}

void sockterm_iter_unload(struct sockterm_iter *it, unsigned *destroyed)
{
	uint64_t failed;

	doomed_clear(it);
	*destroyed += (unsigned)__atomic_load_n(&it->skel->bss->destroyed, __ATOMIC_RELAXED);
	failed = __atomic_load_n(&it->skel->bss->failed, __ATOMIC_RELAXED);
	if (failed)
		pr_warn("socket termination: bpf_sock_destroy failed on %llu sockets",
			(unsigned long long)failed);
}

int sockterm_iter_open(struct sockterm_iter **out, int sock_routes_fd, struct sl_err *err)
{
	struct sockterm_iter *it;
	struct sockterm *skel;
	int ret;

	*out = NULL;
	if (sock_routes_fd < 0)
		return sl_err_set(err, "BPF socket iterators: no sock_routes map");
	skel = sockterm__open();
	if (!skel) {
		ret = -errno;
		sl_err_set(err, "BPF socket iterators: opening the object: %s", strerror(errno));
		return ret ? ret : -EINVAL;
	}
	/* sluiced's sock_routes, not one pinned (or to pin) under the default bpffs root */
	ret = bpf_map__set_pin_path(skel->maps.sock_routes, NULL);
	if (!ret)
		ret = bpf_map__reuse_fd(skel->maps.sock_routes, sock_routes_fd);
	if (ret) {
		sl_err_set(err, "BPF socket iterators: map sock_routes: %s", strerror(-ret));
		goto fail;
	}
	ret = sockterm__load(skel);
	if (ret) {
		sl_err_set(err, "BPF socket iterators: loading: %s (kernel 6.5+ with "
			   "bpf_sock_destroy needed; run with -v for the verifier's log)",
			   strerror(-ret));
		goto fail;
	}
	ret = sockterm__attach(skel);
	if (ret) {
		sl_err_set(err, "BPF socket iterators: attaching: %s", strerror(-ret));
		goto fail;
	}
	it = calloc(1, sizeof(*it));
	if (!it) {
		ret = sl_err_set(err, "BPF socket iterators: out of memory");
		goto fail;
	}
	it->skel = skel;
	it->doomed_fd = bpf_map__fd(skel->maps.doomed_backends);
	it->doomed_max = bpf_map__max_entries(skel->maps.doomed_backends);
	*out = it;
	return 0;
fail:
	sockterm__destroy(skel);
	return ret < 0 ? ret : -EINVAL;
}

void sockterm_iter_free(struct sockterm_iter *it)
{
	if (!it)
		return;
	sockterm__destroy(it->skel);
	free(it);
}
