// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* e2e_health.c: end-to-end tests of failover: passive ejection in the kernel, active TCP and
 * HTTP checks, panic mode, round robin, least request, affinity, socket termination. */
#include <errno.h>
#include <jansson.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "cases.h"

/* Passive: the data plane ejects a dead backend after consecutiveFailures failed connects. */
void t_passive(void)
{
	unsigned long long t_kill;
	struct result res;

	expect(routes_to("pas", "H1", 2000) && routes_to("pas", "H2", 2000),
	       "pas does not reach both backends");
	t_kill = now_ms();
	pool_kill("H1");
	res = connects("pas", 200);
	expect(res.failed == 3, "%d failed connects after H1 died, consecutiveFailures is 3 "
	       "(errno %d)", res.failed, res.last_errno);
	expect(res.ok == 197 && count_of(&res, "H2") == 197, "%d ok, %d by H2", res.ok,
	       count_of(&res, "H2"));
	if (res.last_fail_at)
		printf("    passive: %d failed connects, the last %llu ms after the death\n",
		       res.failed, res.last_fail_at - t_kill);
	wait_log("ejected after 3 failed connects", 1, 2000);
	expect(log_count("pas: backend 127.0.0.21:9100 ejected after 3 failed connects") == 1,
	       "sluiced did not log the ejection");
	res = connects("pas", 100);
	expect(res.failed == 0 && count_of(&res, "H2") == 100,
	       "after the ejection: %d failed, %d to H2", res.failed, count_of(&res, "H2"));
	/* Back after baseEjectionSeconds (1 s, times E2E_SLOW) once it listens again. */
	pool_revive("H1");
	expect(routes_to("pas", "H1", slow_ms(4000)),
	       "H1 not re-admitted within 4 s (times E2E_SLOW, as its ejection) of its restart");
	expect(log_count("backend 127.0.0.21:9100 re-admitted") >= 1, "no re-admission logged");
}

/* A backend that leaves the registry while ejected and comes back keeps its record: still out
 * for the rest of its ejection (no failed connect), and its next ejection doubles. */
void t_ejection_survives_readd(void)
{
	char first[96], second[96]; /* the ejections logged: 2 s, then 4 s (times E2E_SLOW) */
	struct result res;

	snprintf(first, sizeof(first), "ejected after 3 failed connects in a row, for %d.000 s",
		 2 * slow_factor());
	snprintf(second, sizeof(second), "ejected after 3 failed connects in a row, for %d.000 s",
		 4 * slow_factor());

	expect(routes_to("churn", "H1", 2000) && routes_to("churn", "H2", 2000),
	       "churn does not reach both backends");
	pool_kill("H1");
	res = connects("churn", 50);
	expect(res.failed == 3, "%d failed connects, consecutiveFailures is 3", res.failed);
	wait_log(first, 1, 2000);
	expect(log_count(first) == 1, "no 2 s ejection logged");
	expect(!write_registry("c1", NULL), "remove c1");
	wait_log("maps updated", 2, 2000);
	expect(!write_registry(NULL, NULL), "add c1 again");
	wait_log("is back, still ejected", 1, 2000);
	expect(log_count("is back, still ejected") == 1, "the re-added backend's record was lost");
	res = connects("churn", 30);
	expect(res.failed == 0 && count_of(&res, "H2") == 30,
	       "the re-added, still ejected backend got connects: %d failed", res.failed);
	/* Its time is up, it is still dead: three failures, and twice the time. */
	wait_log("re-admitted after its ejection", 1, 4000);
	res = connects("churn", 50);
	expect(res.failed == 3, "%d failed connects after the re-admission", res.failed);
	wait_log(second, 1, 2000);
	expect(log_count(second) == 1, "the second ejection did not double");
}

/* Backends of a service that sluicectl shows as ejected. */
static int ejected_in(const char *service)
{
	json_t *root = services_json(), *b;
	size_t i;
	int n = 0;

	json_array_foreach(json_object_get(service_named(root, service), "backends"), i, b)
		n += !strcmp(json_string_value(json_object_get(b, "state")) ?: "", "ejected");
	json_decref(root);
	return n;
}

/* maxEjectionPercent 50 of 2 backends: when both die, one is ejected, the other kept. */
void t_ejection_cap(void)
{
	struct result res;

	pool_kill("H1");
	pool_kill("H2");
	res = connects("pas", 40);
	expect(res.failed == 40, "%d of 40 connects failed with both backends dead", res.failed);
	usleep(200000);
	expect(ejected_in("pas") == 1, "%d backends of pas ejected, the cap allows 1",
	       ejected_in("pas"));
	pool_revive("H1");
	pool_revive("H2");
	expect(routes_to("pas", "H1", slow_ms(4000)) && routes_to("pas", "H2", slow_ms(4000)),
	       "pas not back on both backends within 4 s (times E2E_SLOW, as the ejections)");
}

/* Active only: a dead backend is out within interval x threshold (+ timeout). */
void t_active_tcp(void)
{
	struct request rq = req(OP_TCP_LOOP, AF_INET, "act", false, false, 80, 0);
	unsigned long long t_kill;
	struct result res;

	expect(routes_to("act", "H3", 2000), "act does not reach H3");
	rq.duration_ms = slow_ms(1500);
	expect(!agent_send(&agent, &rq), "agent");
	usleep(slow_ms(200) * 1000);
	t_kill = now_ms();
	pool_kill("H3");
	expect(!agent_wait(&agent, &res, 10000), "agent");
	expect(res.failed > 0, "no connect failed: H3 was not chosen at all?");
	/* the check's times scale with E2E_SLOW (inputs.c), and so does the bound */
	expect(res.last_fail_at && res.last_fail_at - t_kill <= (unsigned)slow_ms(200 * 2 + 100 + 300),
	       "connects still failed %llu ms after the death (interval 200 ms x 2 + 100 ms, times "
	       "E2E_SLOW %d)", res.last_fail_at - t_kill, slow_factor());
	printf("    active: %d failed connects, the last %llu ms after the death\n", res.failed,
	       res.last_fail_at ? res.last_fail_at - t_kill : 0);
	res = connects("act", 50);
	expect(res.failed == 0 && count_of(&res, "H4") == 50, "afterwards: %d failed", res.failed);
	expect(log_count("127.0.0.23:9100 is now unhealthy") == 1, "no unhealthy line logged");
	pool_revive("H3");
	expect(routes_to("act", "H3", slow_ms(3000)), "H3 not back within 3 s of its restart");
}

/* A backend failing its check before sluiced restarts is still out after the restart. */
void t_check_state_survives_restart(void)
{
	struct result res;

	pool_kill("H4");
	wait_log("127.0.0.24:9100 is now unhealthy", 1, 3000);
	expect(log_count("127.0.0.24:9100 is now unhealthy") == 1, "H4 not found unhealthy");
	expect(daemon_stop(SIGTERM) == 0, "SIGTERM: sluiced did not exit cleanly");
	expect(!daemon_start(), "sluiced did not start again");
	res = connects("act", 50);
	expect(res.failed == 0 && count_of(&res, "H3") == 50,
	       "just after the restart: %d failed, %d of 50 to H3", res.failed,
	       count_of(&res, "H3"));
	pool_revive("H4");
	expect(routes_to("act", "H4", slow_ms(3000)), "H4 not back within 3 s of its restart");
}

void t_active_http(void)
{
	struct result res;

	expect(routes_to("http", "H9", 2000), "http does not reach H9");
	pool_http_status("H9", 503);
	expect(routes_to("http", "H10", slow_ms(100)), "http does not reach H10");
	usleep(slow_ms(800) * 1000); /* 2 failed checks at 200 ms, and margin */
	res = connects("http", 40);
	expect(res.ok == 40 && count_of(&res, "H10") == 40,
	       "with /healthz answering 503 H9 still got %d of 40", count_of(&res, "H9"));
	pool_http_status("H9", 301); /* 3xx passes by default */
	expect(routes_to("http", "H9", slow_ms(3000)), "H9 not back after /healthz answers 301");
}

/* Panic mode overrides sluice's own verdicts only: with every check failing, the three the
 * registry serves all get traffic, the one it calls UNHEALTHY none. */
void t_panic(void)
{
	struct json_t *root;
	struct result res;
	bool panic;

	/* B1-B3's checks (B4, the registry's UNHEALTHY, may be checked too, before or after),
	 * counted from the daemon's start: they fail from then on, often before the case runs */
	B.log_mark = B.spawn_mark;
	wait_log("127.0.0.11:9 is now unhealthy", 1, 3000);
	wait_log("127.0.0.12:9 is now unhealthy", 1, 3000);
	wait_log("127.0.0.13:9 is now unhealthy", 1, 3000);
	expect(log_count("127.0.0.11:9 is now unhealthy") == 1 &&
	       log_count("127.0.0.12:9 is now unhealthy") == 1 &&
	       log_count("127.0.0.13:9 is now unhealthy") == 1, "not every check failed");
	root = services_json();
	panic = root && json_is_true(json_object_get(service_named(root, "pan"), "panic"));
	json_decref(root);
	expect(panic, "pan is not in panic mode with every check failing");
	res = connects("pan", 90);
	expect(res.ok == 90, "%d of 90 ok", res.ok);
	expect(count_of(&res, "B1") > 10 && count_of(&res, "B2") > 10 && count_of(&res, "B3") > 10,
	       "0 of 3 passing is under panicThresholdPercent 50, so all 3 get traffic: "
	       "B1 %d, B2 %d, B3 %d", count_of(&res, "B1"), count_of(&res, "B2"),
	       count_of(&res, "B3"));
	expect(count_of(&res, "B4") == 0, "the registry's UNHEALTHY B4 got %d", count_of(&res, "B4"));
}

/* The registry's UNHEALTHY always wins: with every instance UNHEALTHY, panic mode (on by
 * default) routes to none of them and connects are refused. */
void t_all_unhealthy(void)
{
	unsigned long b1 = backend_hits("B1"), b2 = backend_hits("B2");
	struct result res = connects("unh", 5);

	expect(res.ok == 0 && res.failed == 5 && res.last_errno == ECONNREFUSED,
	       "%d ok, %d failed, errno %d", res.ok, res.failed, res.last_errno);
	expect(backend_hits("B1") == b1 && backend_hits("B2") == b2,
	       "an UNHEALTHY backend was reached");
}

/* Any two connects in a row reach both of two equal backends (random: 1 in 2 each time). */
void t_round_robin(void)
{
	int i, split = 0;

	for (i = 0; i < 20; i++) {
		struct result res = connects("rr", 2);

		split += count_of(&res, "B3") == 1 && count_of(&res, "B4") == 1;
	}
	expect(split == 20, "only %d of 20 pairs of connects went one to B3, one to B4", split);
}

/* Least request: with H5 holding 20 long-lived connections, new ones go mostly to H6. */
void t_least_request(void)
{
	struct request hold = req(OP_TCP_OPEN, AF_INET, "lr", false, false, 80, 20);
	struct agent holder = {};
	struct result res, held;
	int h6;

	hold.duration_ms = 4000;
	expect(!agent_start(&holder, B.cgroup) && !agent_send(&holder, &hold), "holder agent");
	usleep(500000);
	expect(!write_registry(NULL, "l2 lr H6"), "registry");
	expect(routes_to("lr", "H6", 3000), "lr does not reach the added H6");
	res = connects("lr", 200);
	h6 = count_of(&res, "H6");
	/* Two draws over two backends: both H5 a quarter of the time, so ~150 of 200. */
	expect(res.ok == 200 && h6 >= 130, "H6 got %d of 200 new connects while H5 held %d", h6,
	       20);
	expect(!agent_wait(&holder, &held, 10000) && count_of(&held, "H5") == 20,
	       "the holder's 20 connections did not all go to H5 (%d)", count_of(&held, "H5"));
	agent_stop(&holder);
}

void t_affinity(void)
{
	struct result res = connects("aff", 50);
	const char *first = count_of(&res, "H7") ? "H7" : "H8";
	const char *other = strcmp(first, "H7") ? "H7" : "H8";

	expect(count_of(&res, first) == 50, "50 connects of one client: H7 %d, H8 %d",
	       count_of(&res, "H7"), count_of(&res, "H8"));
	expect(!write_registry(strcmp(first, "H7") ? "f2" : "f1", NULL), "registry");
	expect(routes_to("aff", other, 3000), "affinity did not move off the removed %s", first);
	res = connects("aff", 30);
	expect(count_of(&res, other) == 30, "after the move, %d of 30 to %s", count_of(&res, other),
	       other);
	expect(!write_registry(NULL, NULL), "restore");
}

void t_terminate_udp(void)
{
	struct request rq = req(OP_UDP_KEEP, AF_INET, "tu", false, false, 53, 1);
	struct result res;

	rq.duration_ms = 1500;
	expect(!agent_send(&agent, &rq), "agent");
	usleep(400000);
	expect(!write_registry("u1", "u2 tu B5"), "registry");
	expect(!agent_wait(&agent, &res, 10000), "agent");
	expect(count_of(&res, "B4") == 1, "the first exchange did not reach B4");
	expect(res.late_errno == ECONNABORTED,
	       "the connected socket to the removed B4 got errno %d (%s), not ECONNABORTED",
	       res.late_errno, strerror(res.late_errno));
	expect(!res.port_changed && !strcmp(res.late_name, "B5"),
	       "the unconnected socket: port changed %d, answered by %s (B5 expected)",
	       res.port_changed, res.late_name);
	expect(log_count("destroyed 1 sockets") >= 1, "no socket destruction logged");
}

void t_terminate_tcp(void)
{
	struct request rq = req(OP_TCP_KEEP, AF_INET, "tt", false, false, 80, 1);
	struct result res;

	rq.duration_ms = 1500;
	expect(!agent_send(&agent, &rq), "agent");
	usleep(400000);
	expect(!write_registry("t1", "t2 tt H12"), "registry");
	expect(!agent_wait(&agent, &res, 10000), "agent");
	expect(count_of(&res, "H11") == 1, "the connection did not reach H11");
	expect(res.late_errno == ECONNABORTED,
	       "the connection to the removed H11 (terminateTcp) got errno %d (%s)",
	       res.late_errno, strerror(res.late_errno));
	expect(routes_to("tt", "H12", 1000), "tt does not reach H12");
}
