// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* runner.c: runs one row of the case table: sets up what the row says (daemon, inputs, pool
 * servers), runs the case, and restores the shared state so the next case sees the base. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include "cases.h"

bool case_failed;
struct agent agent;
const struct e2e_case *current_case;

static bool shared_up; /* the shared daemon runs, on the base inputs, and no case broke it */

static bool adds_inputs(const struct e2e_case *c)
{
	return c->services || c->fields || c->instances[0];
}

/* Stop the daemon with sig, if one runs, and remove what it left. Its exit status, or 0. */
static int daemon_reset(int sig)
{
	int st = daemon_alive() ? daemon_stop(sig) : 0;

	shared_up = false;
	dataplane_remove();
	return st;
}

static int setup(const struct e2e_case *c)
{
	size_t i;

	if (c->daemon == SHARED_DAEMON && adds_inputs(c)) {
		printf("    setup: the row adds inputs, so it needs a daemon of its own\n");
		return -1;
	}
	for (i = 0; i < CASE_POOL && c->pool[i]; i++)
		if (pool_up(c->pool[i])) {
			printf("    setup: pool server %s does not listen\n", c->pool[i]);
			return -1;
		}
	if (c->daemon == SHARED_DAEMON && shared_up && daemon_alive())
		return 0;
	daemon_reset(SIGKILL);
	if (c->before && c->before()) {
		printf("    setup: the case's before() failed\n");
		return -1;
	}
	if (write_config(NULL, NULL) || write_registry(NULL, NULL) || daemon_start()) {
		printf("    setup: sluiced did not start on the case's inputs\n");
		return -1;
	}
	if (c->daemon == KILLED_DAEMON && daemon_stop(SIGKILL) != 128 + SIGKILL) {
		printf("    setup: sluiced did not die of SIGKILL\n");
		return -1;
	}
	shared_up = c->daemon == SHARED_DAEMON;
	return 0;
}

/* Back to the base: no pool server listens, a daemon of the case's own is gone with its
 * data plane, and so is the shared one if the case failed (it may have left it in any
 * state), and the agent is idle. The next setup writes the inputs it needs. */
static void restore(const struct e2e_case *c)
{
	pool_down();
	if (c->after)
		c->after();
	if (c->daemon != SHARED_DAEMON) {
		int st = daemon_reset(SIGTERM);

		expect(st == 0, "after the case, sluiced exited %d on SIGTERM (leak or error)", st);
	}
	if (case_failed) {
		daemon_reset(SIGKILL);
		agent_stop(&agent); /* it may still run a request of the case */
		if (agent_start(&agent, B.cgroup))
			printf("    restore: the agent did not start again\n");
	}
	current_case = NULL;
}

bool run_case(const struct e2e_case *c)
{
	long from = log_size();

	current_case = c;
	case_failed = false;
	B.log_mark = from;
	if (setup(c)) {
		case_failed = true;
	} else {
		B.log_mark = log_size();
		c->fn();
	}
	restore(c);
	B.log_mark = 0;
	printf("%s - %s\n", case_failed ? "not ok" : "ok", c->name);
	if (case_failed) {
		char *log = log_since(from);

		printf("    --- sluiced log from the case's setup on ---\n%s    --- end ---\n",
		       log ? log : "");
		free(log);
	}
	fflush(stdout);
	return !case_failed;
}
