// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* e2e.c: end-to-end tests of sluice against the real kernel (real sockets, cgroups, servers
 * and daemon), one table row per case as in the kernel's prog_tests/sock_addr.c. Needs root. */
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "cases.h"

#define MAX_FILTERS 16

static int passed, failed_cases;

static void usage(FILE *f)
{
	fprintf(f, "usage: e2e SLUICED SLUICECTL [-t NAME]... [-l] (as root)\n"
		   "  -t NAME  run only the cases whose name contains NAME (several: any of them)\n"
		   "  -l       list the names of the cases (those -t selects), run nothing\n");
}

static bool selected(const struct e2e_case *c, char **filters, int nfilters)
{
	int i;

	for (i = 0; i < nfilters; i++)
		if (strstr(c->name, filters[i]))
			return true;
	return !nfilters;
}

static void on_alarm(int sig)
{
	(void)sig;
	printf("e2e: timed out\n");
	agent_stop(&agent);
	bench_cleanup();
	printf("e2e: %d passed, %d failed\n", passed, failed_cases + 1);
	_exit(1);
}

int main(int argc, char **argv)
{
	char *filters[MAX_FILTERS];
	int nfilters = 0, nselected = 0, opt;
	bool list = false;
	size_t i;

	while ((opt = getopt(argc, argv, "t:lh")) != -1) {
		if (opt == 't' && nfilters < MAX_FILTERS) {
			filters[nfilters++] = optarg;
		} else if (opt == 'l') {
			list = true;
		} else {
			usage(opt == 'h' ? stdout : stderr);
			return opt == 'h' ? 0 : 2;
		}
	}
	for (i = 0; i < ncases; i++) {
		if (!selected(&cases[i], filters, nfilters))
			continue;
		nselected++;
		if (list)
			printf("%s\n", cases[i].name);
	}
	if (list)
		return 0;
	if (argc - optind != 2) {
		usage(stderr);
		return 2;
	}
	if (!nselected) {
		fprintf(stderr, "e2e: no case name contains the -t names given (-l lists them)\n");
		return 2;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	signal(SIGALRM, on_alarm);
	signal(SIGPIPE, SIG_IGN); /* an agent that died fails its case (EPIPE), not the suite */
	alarm(240 * slow_factor());
	if (bench_setup(argv[optind], argv[optind + 1]) || backends_start() || pool_start() ||
	    agent_start(&agent, B.cgroup)) {
		printf("e2e: setup failed\n");
		agent_stop(&agent);
		bench_cleanup();
		printf("e2e: 0 passed, 1 failed\n");
		return 1;
	}
	for (i = 0; i < ncases; i++) {
		if (!selected(&cases[i], filters, nfilters))
			continue;
		if (run_case(&cases[i]))
			passed++;
		else
			failed_cases++;
	}
	agent_stop(&agent);
	bench_cleanup();
	printf("e2e: %d passed, %d failed\n", passed, failed_cases);
	return failed_cases ? 1 : 0;
}
