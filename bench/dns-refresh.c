// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* dns-refresh.c: the DNS source (user/inputs/source_dns.c, as sluiced runs it) asking NAMES
 * names every 5 s of a real server: how soon records added meanwhile appear, its CPU, failures. */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "inputs/source.h"
#include "lib/log.h"
#include "refresh.h"

#define NAMESPACE "bench.local"
#define REFRESH_MS 5000
#define TIMEOUT_MS 2000
#define MAX_PENDING 4096

/* A record added, waited for in the source's instances. */
struct pending {
	double added; /* when; -1 once seen */
};

/* One dynamic update (knsupdate) of the zone at server: 0 when it was sent. */
static int update(const char *server, const char *lines)
{
	FILE *p;
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "knsupdate >/dev/null");
	p = popen(cmd, "w");
	if (!p)
		return -1;
	fprintf(p, "server %s 53\nzone " NAMESPACE ".\n%ssend\n", server, lines);
	return pclose(p) == 0 ? 0 : -1;
}

/* The records added that in now lists, their latencies noted: an added record's id is
 * n<round>-<k>, its index round * per_round + k. */
static void note_seen(const struct sl_instances *in, struct pending *pend, size_t npend,
		      size_t per_round, double *lat, size_t *nlat)
{
	size_t i, r, k;

	for (i = 0; i < in->n; i++) {
		if (in->v[i].id[0] != 'n' || sscanf(in->v[i].id, "n%zu-%zu", &r, &k) != 2 ||
		    r * per_round + k >= npend || pend[r * per_round + k].added <= 0)
			continue;
		lat[(*nlat)++] = now_s() - pend[r * per_round + k].added;
		pend[r * per_round + k].added = -1;
	}
}

int main(int argc, char **argv)
{
	struct sl_service_cfg *svc;
	struct sl_dns_server server;
	struct sl_source_cfg scfg = { .kind = SL_SOURCE_DNS, .servers = &server, .nservers = 1,
				      .refresh_ms = REFRESH_MS, .timeout_ms = TIMEOUT_MS };
	struct sl_ns_cfg ns = { .namespace = NAMESPACE };
	struct pending *pend = calloc(MAX_PENDING, sizeof(*pend));
	double *lat = calloc(MAX_PENDING, sizeof(*lat)), t0, c0, end, next_change, started;
	size_t names, seconds, per_round, npend = 0, nlat = 0, late = 0, i, round = 0;
	unsigned worst_failing = 0;
	struct sl_source *src;
	struct sl_err err;
	char *lines;

	if (argc != 5 || sl_addr_parse(argv[1], &server.addr)) {
		fprintf(stderr, "usage: dns-refresh SERVER NAMES SECONDS CHANGES-PER-ROUND\n");
		return 2;
	}
	server.port = 53;
	names = strtoul(argv[2], NULL, 10);
	seconds = strtoul(argv[3], NULL, 10);
	per_round = strtoul(argv[4], NULL, 10);
	sl_log_set_level(SL_LOG_WARN);
	svc = calloc(names, sizeof(*svc));
	lines = malloc(per_round * 256 + 1);
	if (!svc || !pend || !lat || !lines)
		return 1;
	for (i = 0; i < names; i++) {
		if (asprintf(&svc[i].name, "s%zu", i) < 0 ||
		    asprintf(&svc[i].dns.name, "s%zu." NAMESPACE, i) < 0)
			return 1;
		svc[i].dns.type = SL_DNS_SRV;
	}
	ns.services = svc;
	ns.nservices = names;

	started = now_s();
	src = sl_source_open(&scfg, &ns, 8 * names + 1024, &err);
	if (!src) {
		fprintf(stderr, "dns-refresh: %s\n", err.msg);
		return 1;
	}
	/* The first round: every name once. */
	while (src->ops->settling(src)) {
		struct pollfd p = { .fd = src->ops->fd(src), .events = POLLIN };

		poll(&p, 1, 100);
		src->ops->dispatch(src, false);
	}
	printf("{\"names\": %zu, \"first_round_s\": %.2f, \"instances\": %zu, \"problem\": \"%s\"",
	       names, now_s() - started, src->ops->instances(src)->n,
	       src->ops->problem(src) ? src->ops->problem(src) : "");

	t0 = now_s();
	c0 = cpu_s();
	end = t0 + (double)seconds;
	next_change = t0 + 1;
	while (now_s() < end) {
		struct pollfd p = { .fd = src->ops->fd(src), .events = POLLIN };
		bool changed;

		if (now_s() >= next_change && npend + per_round <= MAX_PENDING &&
		    now_s() < end - 2 * REFRESH_MS / 1000.0) {
			size_t off = 0, k;

			for (k = 0; k < per_round; k++) {
				size_t s = (size_t)rand() % names;

				off += (size_t)sprintf(lines + off,
						       "update add n%zu-%zu.s%zu." NAMESPACE ". 5 A 10.9.%zu.%zu\n"
						       "update add s%zu." NAMESPACE ". 5 SRV 1 1 80 n%zu-%zu.s%zu."
						       NAMESPACE ".\n", round, k, s, round % 250, k % 250, s,
						       round, k, s);
			}
			if (update(argv[1], lines))
				fprintf(stderr, "dns-refresh: knsupdate failed\n");
			for (k = 0; k < per_round; k++)
				pend[npend + k].added = now_s();
			npend += per_round;
			round++;
			next_change += 1;
		}
		poll(&p, 1, 50);
		changed = src->ops->dispatch(src, false);
		if (src->ops->failing(src) > worst_failing)
			worst_failing = src->ops->failing(src);
		if (changed)
			note_seen(src->ops->instances(src), pend, npend, per_round, lat, &nlat);
	}
	for (i = 0; i < npend; i++)
		late += pend[i].added > 0;
	qsort(lat, nlat, sizeof(*lat), cmp_double);
	printf(", \"seconds\": %.1f, \"cpu_percent\": %.1f, \"added\": %zu, \"seen\": %zu, "
	       "\"never_seen\": %zu, \"seen_p50_s\": %.2f, \"seen_p99_s\": %.2f, \"seen_max_s\": %.2f, "
	       "\"worst_failing\": %u}\n", now_s() - t0, 100 * (cpu_s() - c0) / (now_s() - t0), npend,
	       nlat, late, nlat ? lat[nlat / 2] : 0, nlat ? lat[nlat * 99 / 100] : 0,
	       nlat ? lat[nlat - 1] : 0, worst_failing);
	sl_source_free(src);
	return 0;
}
