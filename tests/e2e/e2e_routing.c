// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* e2e_routing.c: the routing cases: the hosts file, TCP and UDP to VIPs (v4, v6, v4-mapped),
 * weights, processes outside the cgroup, refusals without backends, counters. */
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include "cases.h"
#include "sluice.h"

void t_hosts_file(void)
{
	char *hosts = read_file(B.hosts), vip[64];

	expect(hosts != NULL, "no hosts file at %s", B.hosts);
	if (!hosts)
		return;
	expect(strstr(hosts, "127.0.0.1\tlocalhost"), "no localhost line:\n%s", hosts);
	expect(strstr(hosts, "\tweb web.e2e.local\n"), "no web line:\n%s", hosts);
	expect(!vip_of("web", false, vip, sizeof(vip)) && !strncmp(vip, "127.255.", 8),
	       "web VIP %s not in 127.255.0.0/16", vip);
	expect(!vip_of("web", true, vip, sizeof(vip)) && !strncmp(vip, "fd00:5c1c::", 11),
	       "web IPv6 VIP %s not in fd00:5c1c::/64", vip);
	free(hosts);
}

void t_route(void)
{
	const struct route *c = &current_case->route;
	struct request rq = req(c->op, c->family, c->alias, c->v6vip, c->mapped, c->port, 20);
	unsigned long before = backend_hits(c->backend);
	struct result res;

	expect(!agent_run(&agent, &rq, &res), "agent did not answer");
	expect(res.ok == 20 && res.failed == 0, "%d ok, %d failed (errno %d: %s)", res.ok,
	       res.failed, res.last_errno, strerror(res.last_errno));
	expect(count_of(&res, c->backend) == 20, "%d of 20 answered by %s", count_of(&res, c->backend),
	       c->backend);
	expect(backend_hits(c->backend) - before == 20, "%s saw %lu", c->backend,
	       backend_hits(c->backend) - before);
	expect(res.peer_mismatch == 0, "getpeername showed something other than %s:%d %d times",
	       rq.addr, rq.port, res.peer_mismatch);
	expect(res.src_mismatch == 0, "replies came from somewhere other than %s:%d %d times",
	       rq.addr, rq.port, res.src_mismatch);
}

void t_weighted_split(void)
{
	struct request rq = req(OP_TCP, AF_INET, "split", false, false, 80, 1000);
	struct result res;
	int b3, b4;

	expect(!agent_run(&agent, &rq, &res), "agent did not answer");
	b3 = count_of(&res, "B3");
	b4 = count_of(&res, "B4");
	/* weights 1:3 -> B4 expects 750 of 1000; sd 13.7, the bounds are over 5 sd away */
	expect(res.ok == 1000 && b3 + b4 == 1000, "ok %d, B3 %d, B4 %d", res.ok, b3, b4);
	expect(b4 >= 680 && b4 <= 820, "B4 got %d of 1000 (weight 3 of 4: 750 expected)", b4);
}

void t_outside_cgroup(void)
{
	struct request rq = req(OP_TCP, AF_INET, "web", false, false, 80, 3);
	unsigned long before = backend_hits("B1");
	struct result res;

	run_request(&rq, &res);
	expect(res.failed == 3 && res.last_errno == ECONNREFUSED,
	       "a process outside the cgroup: %d ok, %d failed, errno %d", res.ok, res.failed,
	       res.last_errno);
	expect(backend_hits("B1") == before, "B1 was reached from outside the cgroup");
}

void t_no_backends(void)
{
	struct request tcp = req(OP_TCP, AF_INET, "dead", false, false, 80, 2);
	struct request udp = req(OP_UDPU, AF_INET, "dead", false, false, 80, 2);
	struct request udpc = req(OP_UDPC, AF_INET6, "dead", true, false, 80, 1);
	unsigned long before = backend_hits("B5");
	struct result res;
	json_t *root, *s;

	agent_run(&agent, &tcp, &res);
	expect(res.failed == 2 && res.last_errno == ECONNREFUSED, "tcp: %d failed, errno %d (%s)",
	       res.failed, res.last_errno, strerror(res.last_errno));
	agent_run(&agent, &udp, &res);
	expect(res.failed == 2 && res.last_errno == ECONNREFUSED, "udp sendto: %d failed, errno %d",
	       res.failed, res.last_errno);
	agent_run(&agent, &udpc, &res);
	expect(res.failed == 1 && res.last_errno == ECONNREFUSED, "udp6 connect: errno %d",
	       res.last_errno);
	expect(backend_hits("B5") == before, "the unhealthy backend was reached");
	root = services_json();
	s = service_named(root, "dead");
	expect(s && json_integer_value(json_object_get(s, "refused")) == 5,
	       "sluicectl shows %lld refusals for dead, 5 expected",
	       s ? json_integer_value(json_object_get(s, "refused")) : -1LL);
	json_decref(root);
}

void t_counters(void)
{
	struct request rq = req(OP_TCP, AF_INET, "web", false, false, 80, 7);
	long long before = 0, after = 0;
	struct result res;
	json_t *root, *s;

	root = services_json();
	s = service_named(root, "web");
	expect(s != NULL, "sluicectl --json services has no web");
	if (s)
		before = json_integer_value(json_object_get(
			json_array_get(json_object_get(s, "backends"), 0), "connects"));
	json_decref(root);
	agent_run(&agent, &rq, &res);
	root = services_json();
	s = service_named(root, "web");
	if (s)
		after = json_integer_value(json_object_get(
			json_array_get(json_object_get(s, "backends"), 0), "connects"));
	expect(after - before == 7, "web's backend counted %lld connects, 7 made", after - before);
	json_decref(root);
}

/* TCP connects keep their VIP in socket storage: no reverse entry in sock_vips at all
 * (getpeername showing the VIP is checked by the routing cases). */
void t_reverse_entries_released(void)
{
	struct request rq = req(OP_TCP, AF_INET, "web", false, false, 80, 200);
	struct sluice_sock_key key, *prev = NULL;
	char path[400];
	int fd, tcp = 0, total = 0;
	struct result res;

	agent_run(&agent, &rq, &res);
	expect(res.ok == 200, "%d of 200 connects ok", res.ok);
	snprintf(path, sizeof(path), "%s/sock_vips", B.bpffs);
	fd = bpf_obj_get(path);
	expect(fd >= 0, "cannot open %s", path);
	while (fd >= 0 && !bpf_map_get_next_key(fd, prev, &key)) {
		prev = &key;
		total++;
		tcp += key.proto == 6;
	}
	expect(tcp == 0, "%d TCP reverse entries left after every socket closed (%d in all)", tcp,
	       total);
	if (fd >= 0)
		close(fd);
}
