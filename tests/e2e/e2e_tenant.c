// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* e2e_tenant.c: how far one client's evidence reaches: a tenant in a user and network namespace
 * of its own takes a backend from no one else; a dead one is out for whoever sees it fail. */
#include <jansson.h>
#include <stdio.h>
#include <string.h>
#include "cases.h"

#define H1_ADDR "127.0.0.21"
#define H1_EJECTED_LOG "ten: backend 127.0.0.21:9100 ejected after"
#define THRESHOLD 3        /* the row's consecutiveFailures */
#define CLIENT_CONNECTS 40 /* a batch from one client: H1 gets about half, well over 3 */
#define SHARE_CONNECTS 200 /* from the test's namespace: H1 gets 1 in 2, 30 % to 70 % */
#define SYN_TIMEOUT_MS 1500 /* past the first SYN retransmission timeout (1 s) */
#define CONNECT_WAIT_MS 500 /* for a refused or answered connect on loopback */

/* Backend addr of service as sluicectl --json services shows it (in root), or NULL. */
static json_t *backend_at(json_t *root, const char *service, const char *addr)
{
	json_t *b;
	size_t i;

	json_array_foreach(json_object_get(service_named(root, service), "backends"), i, b)
		if (!strcmp(json_string_value(json_object_get(b, "address")) ?: "", addr))
			return b;
	return NULL;
}

/* A number sluicectl shows of H1 of ten (-1: none). */
static int h1_shows(const char *field)
{
	json_t *root = services_json();
	json_t *v = json_object_get(backend_at(root, "ten", H1_ADDR), field);
	int n = json_is_integer(v) ? (int)json_integer_value(v) : -1;

	json_decref(root);
	return n;
}

/* H1 of ten is in state (sluicectl's word for it). */
static bool h1_is(const char *state)
{
	json_t *root = services_json();
	const char *s = json_string_value(json_object_get(backend_at(root, "ten", H1_ADDR),
							  "state"));
	bool is = s && !strcmp(s, state);

	json_decref(root);
	return is;
}

/* A batch of OP_TCP_PENDING connects to ten from agent a, each kept up to wait_ms. */
static struct result batch(struct agent *a, int wait_ms)
{
	struct request rq = req(OP_TCP_PENDING, AF_INET, "ten", false, false, 80, CLIENT_CONNECTS);
	struct result res;

	rq.duration_ms = wait_ms;
	if (agent_run(a, &rq, &res)) {
		memset(&res, 0, sizeof(res));
		res.failed = -1; /* the agent did not answer: matches no expectation */
	}
	return res;
}

/* The client in the test's namespace (sluiced's) reaches H1 and H2 as their weights say. */
static void expect_share(const char *after)
{
	struct result res = connects("ten", SHARE_CONNECTS);
	int h1 = count_of(&res, "H1");

	printf("    after %s: %d of %d connects from the test's namespace reached H1\n", after, h1,
	       SHARE_CONNECTS);
	expect(res.ok == SHARE_CONNECTS && h1 >= SHARE_CONNECTS * 3 / 10 &&
	       h1 <= SHARE_CONNECTS * 7 / 10,
	       "after %s: %d of %d ok, %d to H1, %d to H2 (1:1 expected)", after, res.ok,
	       SHARE_CONNECTS, h1, count_of(&res, "H2"));
}

/* The review's attack: nobody, in a user and network namespace of its own inside the attached
 * cgroup, makes H1's address refuse connects there, then drop SYNs, and aborts connects: H1
 * is out for that tenant alone, and the others keep their share of it. */
void t_tenant_attack(void)
{
	static const struct netns_view refusing = {
		.unprivileged = true, .at = { { "H2", ANSWER_OPEN } },
	};
	static const struct netns_view dropping = {
		.unprivileged = true, .at = { { "H1", ANSWER_DROPPED }, { "H2", ANSWER_OPEN } },
	};
	struct agent t1 = {}, t2 = {};
	struct result res;

	expect(routes_to("ten", "H1", 2000) && routes_to("ten", "H2", 2000),
	       "ten does not reach both backends");
	expect(!agent_start_in(&t1, B.cgroup, &refusing), "tenant agent");
	res = batch(&t1, CONNECT_WAIT_MS);
	expect(res.failed >= THRESHOLD && res.failed + res.ok == CLIENT_CONNECTS,
	       "in the tenant's namespace H1 refuses: %d failed, %d ok of %d", res.failed, res.ok,
	       CLIENT_CONNECTS);
	res = batch(&t1, CONNECT_WAIT_MS);
	expect(res.failed == 0 && res.ok == CLIENT_CONNECTS,
	       "H1 is not out for the tenant that saw it fail: %d of %d failed", res.failed,
	       CLIENT_CONNECTS);
	expect(h1_shows("clientEjections") == 1 && h1_shows("failures") == 0,
	       "H1: %d client ejections (1: the tenant's), %d failures in the shared run (0)",
	       h1_shows("clientEjections"), h1_shows("failures"));
	expect_share("the refusing tenant");

	expect(!agent_start_in(&t2, B.cgroup, &dropping), "tenant agent");
	res = batch(&t2, 0);
	expect(res.failed == 0 && res.abandoned == CLIENT_CONNECTS,
	       "aborted connects: %d failed, %d abandoned of %d", res.failed, res.abandoned,
	       CLIENT_CONNECTS);
	expect(h1_shows("clientEjections") == 1,
	       "connects the tenant aborted counted: %d client ejections of H1",
	       h1_shows("clientEjections"));
	res = batch(&t2, SYN_TIMEOUT_MS);
	expect(res.failed == 0 && res.abandoned >= THRESHOLD &&
	       res.abandoned + res.ok == CLIENT_CONNECTS,
	       "SYNs to H1 dropped: %d failed, %d timed out, %d ok of %d", res.failed,
	       res.abandoned, res.ok, CLIENT_CONNECTS);
	expect(h1_shows("clientEjections") == 2 && h1_shows("failures") == 0,
	       "H1: %d client ejections (2: both tenants'), %d failures in the shared run (0)",
	       h1_shows("clientEjections"), h1_shows("failures"));
	expect_share("the dropping tenant");
	expect(log_count(" ejected after ") == 0 && h1_is("serving"),
	       "a tenant's failures ejected a backend for every client");
	agent_stop(&t1);
	agent_stop(&t2);
}

/* Clients in namespaces made by root, where H1's address refuses: one alone takes it out for
 * itself only; once H1 is dead, two in a row take it out for every client. */
void t_two_clients(void)
{
	static const struct netns_view h1_refuses = { .at = { { "H2", ANSWER_OPEN } } };
	struct agent x = {}, y = {}, z = {};
	struct result res;
	int failed;

	expect(routes_to("ten", "H1", 2000) && routes_to("ten", "H2", 2000),
	       "ten does not reach both backends");
	expect(!agent_start_in(&x, B.cgroup, &h1_refuses), "client agent");
	res = batch(&x, CONNECT_WAIT_MS);
	failed = res.failed;
	expect(failed >= THRESHOLD, "H1 refuses client x: only %d of %d failed", failed,
	       CLIENT_CONNECTS);
	res = batch(&x, CONNECT_WAIT_MS);
	expect(res.failed == 0 && res.ok == CLIENT_CONNECTS,
	       "H1 is not out for client x that saw it fail: %d of %d failed", res.failed,
	       CLIENT_CONNECTS);
	expect(h1_shows("clientEjections") == 1 && h1_shows("failures") == failed &&
	       h1_is("serving"),
	       "H1 after x alone: %d client ejections (1), %d failures in the shared run (%d), "
	       "ejected for everyone %d", h1_shows("clientEjections"), h1_shows("failures"),
	       failed, h1_is("ejected"));
	expect_share("one client that saw H1 fail");
	expect(h1_shows("failures") == 0, "established connects did not restart the shared run");

	pool_kill("H1");
	expect(!agent_start_in(&y, B.cgroup, &h1_refuses), "client agent");
	res = batch(&y, CONNECT_WAIT_MS);
	expect(res.failed >= THRESHOLD && h1_is("serving") && !log_count(H1_EJECTED_LOG),
	       "client y alone (%d failed): H1 ejected for everyone", res.failed);
	expect(!agent_start_in(&z, B.cgroup, &h1_refuses), "client agent");
	res = batch(&z, CONNECT_WAIT_MS);
	expect(res.failed >= 1, "client z: no connect to the dead H1 failed");
	wait_log(H1_EJECTED_LOG, 1, 2000);
	expect(log_count(H1_EJECTED_LOG) == 1, "y and z saw H1 fail, sluiced logged no ejection");
	res = connects("ten", SHARE_CONNECTS);
	expect(res.failed == 0 && count_of(&res, "H2") == SHARE_CONNECTS,
	       "the test's namespace after the ejection: %d failed, %d to H2", res.failed,
	       count_of(&res, "H2"));
	agent_stop(&x);
	agent_stop(&y);
	agent_stop(&z);
}
