// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* sock_lookup.c: SOCK_DIAG_BY_FAMILY without NLM_F_DUMP (the kernel's "dump one"): the socket
 * of an exact 4-tuple and its cookie, answered synchronously, read without waiting. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <linux/inet_diag.h>
#include <linux/netlink.h>
#include <linux/sock_diag.h>
#include <libmnl/libmnl.h>
#include "names/sock_lookup.h"

#define LOOKUP_BUF 8192

struct sl_sock_lookup {
	struct mnl_socket *nl;
	uint32_t seq;
	char buf[LOOKUP_BUF];
};

int sl_sock_lookup_open(struct sl_sock_lookup **out)
{
	struct sl_sock_lookup *l = calloc(1, sizeof(*l));
	int ret;

	if (!l)
		return -ENOMEM;
	l->nl = mnl_socket_open2(NETLINK_SOCK_DIAG, SOCK_CLOEXEC | SOCK_NONBLOCK);
	if (!l->nl || mnl_socket_bind(l->nl, 0, MNL_SOCKET_AUTOPID)) {
		ret = -errno;
		if (l->nl)
			mnl_socket_close(l->nl);
		free(l);
		return ret;
	}
	*out = l;
	return 0;
}

void sl_sock_lookup_close(struct sl_sock_lookup *l)
{
	if (!l)
		return;
	mnl_socket_close(l->nl);
	free(l);
}

/* An address of sin6 (v4-mapped for AF_INET) into a sock_diag id's words. */
static void put_addr(__be32 out[4], int family, const struct sockaddr_in6 *sin6)
{
	memset(out, 0, 16);
	if (family == AF_INET)
		memcpy(out, &sin6->sin6_addr.s6_addr[12], 4);
	else
		memcpy(out, &sin6->sin6_addr, 16);
}

static int msg_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct inet_diag_msg *m;
	uint64_t *cookie = data;

	if (nlh->nlmsg_type != SOCK_DIAG_BY_FAMILY || mnl_nlmsg_get_payload_len(nlh) < sizeof(*m))
		return MNL_CB_OK;
	m = mnl_nlmsg_get_payload(nlh);
	*cookie = (uint64_t)m->id.idiag_cookie[0] | (uint64_t)m->id.idiag_cookie[1] << 32;
	return MNL_CB_STOP;
}

/* One exact lookup with the id's source as src, its destination as dst. */
static int lookup_once(struct sl_sock_lookup *l, int family, uint8_t proto,
		       const struct sockaddr_in6 *src, const struct sockaddr_in6 *dst,
		       uint64_t *cookie)
{
	struct inet_diag_req_v2 *req;
	struct nlmsghdr *nlh;
	uint32_t seq = ++l->seq;
	ssize_t n;
	int ret;

	nlh = mnl_nlmsg_put_header(l->buf);
	nlh->nlmsg_type = SOCK_DIAG_BY_FAMILY;
	nlh->nlmsg_flags = NLM_F_REQUEST;
	nlh->nlmsg_seq = seq;
	req = mnl_nlmsg_put_extra_header(nlh, sizeof(*req));
	req->sdiag_family = (uint8_t)family;
	req->sdiag_protocol = proto;
	req->idiag_states = ~0U;
	req->id.idiag_sport = src->sin6_port;
	req->id.idiag_dport = dst->sin6_port;
	put_addr(req->id.idiag_src, family, src);
	put_addr(req->id.idiag_dst, family, dst);
	req->id.idiag_cookie[0] = INET_DIAG_NOCOOKIE;
	req->id.idiag_cookie[1] = INET_DIAG_NOCOOKIE;
	if (mnl_socket_sendto(l->nl, nlh, nlh->nlmsg_len) < 0)
		return -errno;
	/* the kernel answers an exact lookup before sendto returns */
	n = mnl_socket_recvfrom(l->nl, l->buf, sizeof(l->buf));
	if (n < 0)
		return errno == EAGAIN ? -ETIMEDOUT : -errno;
	*cookie = 0;
	ret = mnl_cb_run(l->buf, (size_t)n, seq, mnl_socket_get_portid(l->nl), msg_cb, cookie);
	if (ret < 0)
		return -errno;
	return *cookie ? 0 : -ENOENT;
}

int sl_sock_lookup_cookie(struct sl_sock_lookup *l, int family, uint8_t proto,
			  const struct sockaddr_in6 *peer, const struct sockaddr_in6 *local,
			  uint64_t *cookie)
{
	/* TCP's lookup takes the id's source as the socket's local end; UDP's has them the
	 * other way round ("swapped for historical reasons", udp_diag.c) */
	if (proto == IPPROTO_UDP)
		return lookup_once(l, family, proto, local, peer, cookie);
	return lookup_once(l, family, proto, peer, local, cookie);
}
