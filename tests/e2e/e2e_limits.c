// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* e2e_limits.c: a service's connection limits in the kernel: connectTimeoutMs fails connects
 * to a backend that drops SYNs within the timeout, idleTimeoutSeconds turns keepalive on for
 * routed connections, maxConnectionsPerBackend passes over full backends and refuses when all
 * are (Envoy's circuit breaker max_connections, counted as overflow). */
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include "cases.h"

#define CONNECT_TIMEOUT_MS 300 /* the slow service's connectTimeoutMs */
#define IDLE_S 30              /* its timeout.idleTimeoutSeconds */
#define PENDING 4              /* connects to its SYN-dropping backend */
/* Past the timeout, and short of the kernel's own first SYN retransmission timeout (1 s):
 * connects still pending then were not bounded by connectTimeoutMs's first timeout. */
#define PENDING_WAIT_MS 800
#define CAP 2   /* the capped service's maxConnectionsPerBackend */
#define HELD 4  /* connections held open to it: both backends full */
#define HOLD_MS 3000

/* A number sluicectl --json services shows of service (-1: none). */
static long service_shows(const char *service, const char *field)
{
	json_t *root = services_json();
	json_t *v = json_object_get(service_named(root, service), field);
	long n = json_is_integer(v) ? (long)json_integer_value(v) : -1;

	json_decref(root);
	return n;
}

/* The active connections sluicectl shows of every backend of service, summed (-1: none). */
static long active_of(const char *service)
{
	json_t *root = services_json(), *b;
	long n = -1;
	size_t i;

	json_array_foreach(json_object_get(service_named(root, service), "backends"), i, b)
		n = (n < 0 ? 0 : n) + (long)json_integer_value(json_object_get(b, "active"));
	json_decref(root);
	return n;
}

/* connectTimeoutMs: SYNs to H1 dropped (a full accept queue in the agent's namespace):
 * every connect fails ETIMEDOUT within the timeout, none is left pending; the timeout is
 * off once a connection is established, where keepalive is on (idleTimeoutSeconds), and a
 * service without either leaves the socket as the application made it. */
void t_connect_timeout(void)
{
	static const struct netns_view dropping = { .at = { { "H1", ANSWER_DROPPED } } };
	static const struct netns_view open = { .at = { { "H1", ANSWER_OPEN } } };
	struct request rq = req(OP_TCP_PENDING, AF_INET, "slow", false, false, 80, PENDING);
	struct agent a = {}, b = {};
	struct result res;

	expect(!agent_start_in(&a, B.cgroup, &dropping), "agent (H1 drops SYNs)");
	rq.duration_ms = slow_ms(PENDING_WAIT_MS);
	expect(!agent_run(&a, &rq, &res), "pending connects");
	expect(res.failed == PENDING && res.abandoned == 0 && res.last_errno == ETIMEDOUT,
	       "SYNs dropped, connectTimeoutMs %d: %d failed (errno %d), %d still connecting "
	       "after %d ms, of %d", CONNECT_TIMEOUT_MS, res.failed, res.last_errno,
	       res.abandoned, PENDING_WAIT_MS, PENDING);
	agent_stop(&a);

	expect(!agent_start_in(&b, B.cgroup, &open), "agent (H1 answers)");
	rq = req(OP_TCP_OPTS, AF_INET, "slow", false, false, 80, 1);
	expect(!agent_run(&b, &rq, &res) && res.ok == 1,
	       "slow does not reach H1: %d ok, errno %d", res.ok, res.last_errno);
	expect(res.opts.user_timeout == 0, "established, TCP_USER_TIMEOUT is still %d ms",
	       res.opts.user_timeout);
	expect(res.opts.keepalive == 1 && res.opts.keepidle == IDLE_S &&
	       res.opts.keepintvl == IDLE_S / 3 && res.opts.keepcnt == 3,
	       "idleTimeoutSeconds %d: keepalive %d, idle %d s, interval %d s, %d probes", IDLE_S,
	       res.opts.keepalive, res.opts.keepidle, res.opts.keepintvl, res.opts.keepcnt);
	agent_stop(&b);

	rq = req(OP_TCP_OPTS, AF_INET, "web", false, false, 80, 1);
	expect(!agent_run(&agent, &rq, &res) && res.ok == 1, "web: %d ok", res.ok);
	expect(res.opts.keepalive == 0 && res.opts.user_timeout == 0,
	       "a service without limits changed the socket: keepalive %d, user timeout %d",
	       res.opts.keepalive, res.opts.user_timeout);
}

/* maxConnectionsPerBackend: HELD connections held open fill both backends, CAP each; the next
 * connect is refused at once and counted as overflow, not as "no backend"; once they close,
 * connects go through again. */
void t_max_connections(void)
{
	struct request hold = req(OP_TCP_OPEN, AF_INET, "capped", false, false, 80, HELD);
	struct request one = req(OP_TCP, AF_INET, "capped", false, false, 80, 1);
	struct agent holder = {};
	struct result held, res;
	unsigned long long end;

	expect(!agent_start(&holder, B.cgroup), "holding agent");
	hold.duration_ms = HOLD_MS;
	expect(!agent_send(&holder, &hold), "hold connections");
	for (end = now_ms() + slow_ms(2000); active_of("capped") < HELD && now_ms() < end;)
		usleep(10000);
	expect(active_of("capped") == HELD, "%ld connections held, want %d", active_of("capped"),
	       HELD);
	expect(!agent_run(&agent, &one, &res), "a connect while both are full");
	expect(res.ok == 0 && res.failed == 1 && res.last_errno == ECONNREFUSED,
	       "both backends full: %d ok, errno %d (ECONNREFUSED expected)", res.ok,
	       res.last_errno);
	expect(service_shows("capped", "overflow") == 1 && service_shows("capped", "refused") == 0,
	       "overflow %ld (1), refused %ld (0)", service_shows("capped", "overflow"),
	       service_shows("capped", "refused"));
	expect(!agent_wait(&holder, &held, HOLD_MS + 5000), "the held connections");
	expect(held.ok == HELD && count_of(&held, "H2") == CAP && count_of(&held, "H3") == CAP,
	       "held: %d ok, %d to H2, %d to H3 (%d each)", held.ok, count_of(&held, "H2"),
	       count_of(&held, "H3"), CAP);
	agent_stop(&holder);
	one.count = HELD;
	expect(!agent_run(&agent, &one, &res) && res.ok == HELD,
	       "after the close: %d of %d connects ok (errno %d)", res.ok, HELD, res.last_errno);
}
