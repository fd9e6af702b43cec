/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* answerer.h: sluiced's DNS answerer in one task network namespace: UDP and TCP sockets on its
 * loopback, where the data plane sends the tasks' queries; alias names answered, the rest
 * forwarded unchanged to the server each query was for, from inside that namespace. */
#ifndef SL_ANSWERER_H
#define SL_ANSWERER_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <sys/uio.h>
#include "names/alias_names.h"
#include "kernel/maps.h"
#include "lib/err.h"
#include "sluice.h"

#define SL_ANSWERER_PENDING 1024     /* forwarded UDP queries awaiting a reply, per answerer */
#define SL_ANSWERER_TCP_CONNS 64     /* TCP clients at once, per answerer */
#define SL_ANSWERER_QUERY_NS (5ULL * 1000000000) /* a forwarded query's reply waits this long */
#define SL_ANSWERER_TCP_IDLE_NS (10ULL * 1000000000) /* an idle TCP client is closed after */

#define SL_ANSWERER_BATCH 8 /* datagrams read by one recvmmsg */
#define SL_ANSWERER_MSG_MAX 65535

/* Where datagrams are read into: one for every answerer (one thread). */
struct sl_answerer_batch {
	uint8_t buf[SL_ANSWERER_BATCH][SL_ANSWERER_MSG_MAX + 1];
	struct sockaddr_storage from[SL_ANSWERER_BATCH];
	struct iovec iov[SL_ANSWERER_BATCH];
	struct mmsghdr msg[SL_ANSWERER_BATCH];
};

/* What every answerer shares, owned by the names module. */
struct sl_answerer_env {
	struct sl_answerer_batch *batch;
	int ep;          /* the epoll set its sockets join (data.ptr: a struct sl_answerer_io) */
	int sock_vips_fd; /* where the data plane wrote each query's server */
	const struct sl_maps *maps; /* the answerer's own sockets are marked exempt there */
	const struct sl_alias_names *names; /* the current names (the module swaps them) */
	struct sl_answerer_stats *stats;
};

/* What the answerers count (sluiced's log and status). */
struct sl_answerer_stats {
	uint64_t answered, forwarded, replies, unknown_client, dropped, timeouts, tcp_conns;
};

struct sl_answerer;

/* An epoll registration: what woke, for sl_answerer_io. */
struct sl_answerer_io {
	struct sl_answerer *a;
	void *conn;  /* TCP: its connection */
	uint8_t kind;
	uint8_t idx;
};

/* An answerer in the network namespace of nsfd (kept open; the answerer owns it), dev and
 * ino its identity. Its sockets are made by a short-lived thread that enters it. */
int sl_answerer_open(struct sl_answerer **out, int nsfd, dev_t dev, ino_t ino,
		     const struct sl_answerer_env *env, struct sl_err *err);
void sl_answerer_free(struct sl_answerer *a);
bool sl_answerer_is(const struct sl_answerer *a, dev_t dev, ino_t ino);
/* Its network namespace's inode (what ip netns and /proc show), for messages. */
unsigned long sl_answerer_ino(const struct sl_answerer *a);
/* Its network namespace's cookie (the dns_answerers key). */
uint64_t sl_answerer_cookie(const struct sl_answerer *a);
/* Its dns_answerers value, leased until until_ns. */
void sl_answerer_entry(const struct sl_answerer *a, uint64_t until_ns,
		       struct sluice_dns_answerer *out);
/* One of its sockets is ready (epoll events ev). */
void sl_answerer_io(struct sl_answerer_io *io, uint32_t ev);
/* Free the TCP connections closed while handling a batch of events (which may name them). */
void sl_answerer_reap(struct sl_answerer *a);
/* Periodic: replies that never came, idle TCP clients. */
void sl_answerer_tick(struct sl_answerer *a, uint64_t now_ns);

#endif
