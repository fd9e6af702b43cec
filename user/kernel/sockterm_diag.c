// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* sockterm_diag.c: socket termination by netlink sock_diag: dump a namespace's connected
 * sockets to the departed backends, keep those of attached cgroups, SOCK_DESTROY each. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <linux/inet_diag.h>
#include <linux/netlink.h>
#include <linux/sock_diag.h>
#include <libmnl/libmnl.h>
#include "kernel/sockterm_methods.h"
#include "lib/log.h"
#include "lib/vec.h"

#define MAX_DIAG_RECVS 65536 /* netlink reads of one dump before giving up */
#define MAX_DIAG_SOCKS 65536 /* matching sockets taken from one network namespace */
#define NL_TIMEOUT_S 5       /* a netlink read that waits longer fails */
#define DIAG_BUF_SIZE 32768  /* dump messages are at most this long (as ss reads them) */

/* TCP states worth a destroy: connected or closing, not listening, timewait or closed. */
#define TCP_DOOM_STATES                                                                     \
	((1U << 1) /* ESTABLISHED */ | (1U << 2) /* SYN_SENT */ | (1U << 4) /* FIN_WAIT1 */ | \
	 (1U << 5) /* FIN_WAIT2 */ | (1U << 8) /* CLOSE_WAIT */ | (1U << 9) /* LAST_ACK */ |  \
	 (1U << 11) /* CLOSING */)
#define UDP_CONNECTED_STATE (1U << 1) /* a connected UDP socket reports TCP_ESTABLISHED */

/* One socket sock_diag found to destroy. */
struct diag_sock {
	uint8_t family;
	uint8_t proto;
	struct inet_diag_sockid id;
};

/* A dump's matching sockets. */
struct diag_dump {
	const struct sockterm_pass *pass;
	uint8_t proto;
	struct diag_sock *v;
	size_t n, cap;
	unsigned no_cgroup; /* sockets the kernel gave no cgroup id for */
	unsigned dropped;   /* over MAX_DIAG_SOCKS */
	int ret;
};

static int diag_open(struct mnl_socket **out, char *msg, size_t len)
{
	struct timeval tv = { .tv_sec = NL_TIMEOUT_S };
	struct mnl_socket *nl;
	int ret;

	nl = mnl_socket_open2(NETLINK_SOCK_DIAG, SOCK_CLOEXEC);
	if (!nl) {
		ret = -errno;
		snprintf(msg, len, "netlink sock_diag socket: %s", strerror(errno));
		return ret;
	}
	if (mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) ||
	    setsockopt(mnl_socket_get_fd(nl), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv))) {
		ret = -errno;
		snprintf(msg, len, "netlink sock_diag socket: %s", strerror(errno));
		mnl_socket_close(nl);
		return ret;
	}
	*out = nl;
	return 0;
}

/* SOCK_DESTROY one socket: 0, or negative errno (-ENOENT: it is gone). */
static int diag_destroy(struct mnl_socket *nl, uint8_t family, uint8_t proto,
			const struct inet_diag_sockid *id, uint32_t seq, char *buf)
{
	struct inet_diag_req_v2 *req;
	struct nlmsghdr *nlh;
	int i, n, ret;

	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = SOCK_DESTROY;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
	nlh->nlmsg_seq = seq;
	req = mnl_nlmsg_put_extra_header(nlh, sizeof(*req));
	req->sdiag_family = family;
	req->sdiag_protocol = proto;
	req->id = *id;
	if (mnl_socket_sendto(nl, nlh, nlh->nlmsg_len) < 0)
		return -errno;
	for (i = 0; i < 16; i++) {
		n = mnl_socket_recvfrom(nl, buf, DIAG_BUF_SIZE);
		if (n < 0)
			return errno == EAGAIN ? -ETIMEDOUT : -errno;
		ret = mnl_cb_run(buf, n, seq, mnl_socket_get_portid(nl), NULL, NULL);
		if (ret < 0)
			return -errno;
		if (ret == MNL_CB_STOP)
			return 0;
	}
	return -EPROTO;
}

static int diag_attr_cb(const struct nlattr *attr, void *data)
{
	const struct nlattr **tb = data;

	if (mnl_attr_type_valid(attr, INET_DIAG_MAX) > 0 &&
	    mnl_attr_get_type(attr) == INET_DIAG_CGROUP_ID &&
	    mnl_attr_validate(attr, MNL_TYPE_U64) >= 0)
		tb[INET_DIAG_CGROUP_ID] = attr;
	return MNL_CB_OK;
}

static bool diag_is_target(const struct sockterm_pass *p, uint8_t proto, const struct sl_addr *a,
			   uint16_t port)
{
	size_t i;

	for (i = 0; i < p->n; i++)
		if (p->v[i].port == port && (proto == IPPROTO_UDP || p->v[i].terminate_tcp) &&
		    sl_addr_eq(&p->v[i].addr, a))
			return true;
	return false;
}

static int diag_dump_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct nlattr *tb[INET_DIAG_MAX + 1] = {};
	struct diag_dump *dd = data;
	const struct inet_diag_msg *m;
	struct sl_addr a;
	uint16_t port;

	if (nlh->nlmsg_type != SOCK_DIAG_BY_FAMILY ||
	    mnl_nlmsg_get_payload_len(nlh) < sizeof(*m))
		return MNL_CB_OK;
	m = mnl_nlmsg_get_payload(nlh);
	port = ntohs(m->id.idiag_dport);
	if (!port)
		return MNL_CB_OK; /* unconnected: never */
	if (m->idiag_family == AF_INET)
		sl_addr_from_v4(&a, m->id.idiag_dst[0]);
	else if (m->idiag_family == AF_INET6)
		memcpy(a.a, m->id.idiag_dst, sizeof(a.a));
	else
		return MNL_CB_OK;
	if (!diag_is_target(dd->pass, dd->proto, &a, port))
		return MNL_CB_OK;
	mnl_attr_parse(nlh, sizeof(*m), diag_attr_cb, tb);
	if (!tb[INET_DIAG_CGROUP_ID]) {
		dd->no_cgroup++;
		return MNL_CB_OK;
	}
	if (!sockterm_u64_has(dd->pass->cg, dd->pass->ncg,
			      mnl_attr_get_u64(tb[INET_DIAG_CGROUP_ID])))
		return MNL_CB_OK; /* not in an attached cgroup: sluice did not route it */
	if (sockterm_u64_has(dd->pass->own, dd->pass->nown, m->idiag_inode))
		return MNL_CB_OK; /* sluiced's own */
	if (dd->n >= MAX_DIAG_SOCKS) {
		dd->dropped++;
		return MNL_CB_OK;
	}
	if (sl_vec_room(dd->v, dd->n, dd->cap)) {
		dd->ret = -ENOMEM;
		return MNL_CB_ERROR;
	}
	dd->v[dd->n].family = m->idiag_family;
	dd->v[dd->n].proto = dd->proto;
	dd->v[dd->n].id = m->id;
	dd->n++;
	return MNL_CB_OK;
}

/* Dump the family's proto sockets in the states that matter, keeping the ones to destroy.
 * (The kernel sends every socket's INET_DIAG_CGROUP_ID unasked, since 5.7.) */
static int diag_dump(struct mnl_socket *nl, uint8_t family, uint8_t proto, uint32_t seq,
		     char *buf, struct diag_dump *dd)
{
	struct inet_diag_req_v2 *req;
	struct nlmsghdr *nlh;
	int i, n, ret;

	dd->proto = proto;
	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = SOCK_DIAG_BY_FAMILY;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	nlh->nlmsg_seq = seq;
	req = mnl_nlmsg_put_extra_header(nlh, sizeof(*req));
	req->sdiag_family = family;
	req->sdiag_protocol = proto;
	req->idiag_states = proto == IPPROTO_TCP ? TCP_DOOM_STATES : UDP_CONNECTED_STATE;
	if (mnl_socket_sendto(nl, nlh, nlh->nlmsg_len) < 0)
		return -errno;
	for (i = 0; i < MAX_DIAG_RECVS; i++) {
		n = mnl_socket_recvfrom(nl, buf, DIAG_BUF_SIZE);
		if (n < 0)
			return errno == EAGAIN ? -ETIMEDOUT : -errno;
		ret = mnl_cb_run(buf, n, seq, mnl_socket_get_portid(nl), diag_dump_cb, dd);
		if (ret < 0)
			return dd->ret ? dd->ret : -errno;
		if (ret == MNL_CB_STOP)
			return 0;
	}
	return -ETIMEDOUT;
}

int sockterm_diag_netns(const struct sockterm_pass *p, unsigned *destroyed, char *msg,
			size_t len)
{
	static const uint8_t families[] = { AF_INET, AF_INET6 };
	static const uint8_t protos[] = { IPPROTO_TCP, IPPROTO_UDP };
	struct diag_dump dd = { .pass = p };
	struct mnl_socket *nl = NULL;
	uint32_t seq = (uint32_t)time(NULL);
	char *buf;
	size_t i, f, k;
	int ret;

	buf = malloc(DIAG_BUF_SIZE);
	if (!buf) {
		snprintf(msg, len, "sock_diag: out of memory");
		return -ENOMEM;
	}
	ret = diag_open(&nl, msg, len);
	if (ret)
		goto cleanup;
	for (f = 0; f < 2; f++)
		for (k = 0; k < 2; k++) {
			if (protos[k] == IPPROTO_TCP && !p->tcp)
				continue;
			ret = diag_dump(nl, families[f], protos[k], ++seq, buf, &dd);
			if (ret) {
				snprintf(msg, len, "sock_diag: dumping %s %s "
					 "sockets: %s", families[f] == AF_INET ? "IPv4" : "IPv6",
					 protos[k] == IPPROTO_TCP ? "TCP" : "UDP", strerror(-ret));
				goto cleanup;
			}
		}
	if (dd.dropped)
		pr_warn("socket termination: %u more sockets to destroy than it takes at once (%d): "
			"they stay", dd.dropped, MAX_DIAG_SOCKS);
	if (dd.no_cgroup)
		pr_debug("socket termination: %u sockets to a backend left alone: the kernel "
			 "gives no cgroup id (needs 5.7+)", dd.no_cgroup);
	for (i = 0; i < dd.n; i++) {
		const struct diag_sock *s = &dd.v[i];
		char abuf[SL_ADDR_STRLEN];
		struct sl_addr a;
		int r;

		r = diag_destroy(nl, s->family, s->proto, &s->id, ++seq, buf);
		if (s->family == AF_INET)
			sl_addr_from_v4(&a, s->id.idiag_dst[0]);
		else
			memcpy(a.a, s->id.idiag_dst, sizeof(a.a));
		sl_addr_format(&a, abuf, sizeof(abuf));
		if (!r) {
			(*destroyed)++;
			pr_debug("socket termination: destroyed a %s socket to %s port %u",
				 s->proto == IPPROTO_TCP ? "TCP" : "UDP", abuf,
				 ntohs(s->id.idiag_dport));
		} else if (r != -ENOENT && !ret) { /* ENOENT: closed meanwhile */
			ret = r;
			snprintf(msg, len, "sock_diag: SOCK_DESTROY of a %s "
				 "socket to %s port %u: %s", s->proto == IPPROTO_TCP ? "TCP" : "UDP",
				 abuf, ntohs(s->id.idiag_dport), strerror(-r));
		}
	}
cleanup:
	if (nl)
		mnl_socket_close(nl);
	free(dd.v);
	free(buf);
	return ret;
}

/* Is SOCK_DESTROY there? Destroying a socket that does not exist says ENOENT if it is,
 * EOPNOTSUPP without CONFIG_INET_DIAG_DESTROY. */
int sockterm_diag_probe(struct sl_err *err)
{
	struct inet_diag_sockid id = {};
	struct mnl_socket *nl;
	char msg[256];
	char *buf;
	int ret;

	ret = diag_open(&nl, msg, sizeof(msg));
	if (ret)
		return sl_err_set(err, "%s", msg), ret;
	buf = malloc(DIAG_BUF_SIZE);
	if (!buf) {
		mnl_socket_close(nl);
		return -ENOMEM;
	}
	id.idiag_cookie[0] = INET_DIAG_NOCOOKIE;
	id.idiag_cookie[1] = INET_DIAG_NOCOOKIE;
	ret = diag_destroy(nl, AF_INET, IPPROTO_TCP, &id, (uint32_t)time(NULL), buf);
	free(buf);
	mnl_socket_close(nl);
	if (ret == -ENOENT || !ret)
		return 0;
	return sl_err_set(err, "netlink sock_diag SOCK_DESTROY: %s%s", strerror(-ret),
			  ret == -EOPNOTSUPP ? " (kernel without CONFIG_INET_DIAG_DESTROY)" : ""),
	       ret;
}
