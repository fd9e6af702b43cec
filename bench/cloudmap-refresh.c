// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* cloudmap-refresh.c: the Cloud Map source (user/inputs/source_cloudmap.c, as sluiced runs it)
 * polling SERVICES services of the tests' stand-in every POLL s: how soon instances registered
 * meanwhile appear, against the poll interval, and its CPU. */
#include <jansson.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>
#include "inputs/source.h"
#include "lib/fsutil.h"
#include "lib/log.h"
#include "refresh.h"

#define NAMESPACE "bench"
#define MAX_PENDING 4096

/* The stand-in's table: each service's instances and revision, written atomically. */
static int put_state(const char *path, json_t *services)
{
	json_t *st = json_pack("{s:s, s:O}", "namespace", NAMESPACE, "services", services);
	char *text = st ? json_dumps(st, JSON_COMPACT) : NULL;
	struct sl_err err;
	int ret = text ? sl_write_atomic(path, text, strlen(text), 0644, &err) : -1;

	free(text);
	json_decref(st);
	return ret;
}

static void add_instance(json_t *services, size_t s, const char *id, unsigned a, unsigned b)
{
	char name[32], ip[32];
	json_t *svc;

	snprintf(name, sizeof(name), "s%zu", s);
	snprintf(ip, sizeof(ip), "10.%u.%u.%u", (unsigned)(s / 256) % 256, a, b);
	svc = json_object_get(services, name);
	if (!svc) {
		svc = json_pack("{s:i, s:[]}", "revision", 1, "instances");
		json_object_set_new(services, name, svc);
	}
	json_array_append_new(json_object_get(svc, "instances"),
			      json_pack("{s:s, s:s}", "id", id, "ip", ip));
	json_object_set_new(svc, "revision",
			    json_integer(json_integer_value(json_object_get(svc, "revision")) + 1));
}

int main(int argc, char **argv)
{
	struct sl_source_cfg scfg = { .kind = SL_SOURCE_CLOUDMAP, .region = "us-east-1",
				      .cm_namespace = NAMESPACE, .health = SL_CM_ALL };
	struct sl_ns_cfg cfg = { .namespace = NAMESPACE };
	double *added = calloc(MAX_PENDING, sizeof(*added)), *lat = calloc(MAX_PENDING, sizeof(*lat));
	double t0, c0, end, next_change, started;
	size_t nsvc, seconds, per_round, npend = 0, nlat = 0, late = 0, i, round = 0;
	json_t *services = json_object();
	struct sl_service_cfg *svc;
	unsigned worst_failing = 0;
	struct sl_source *src;
	struct sl_err err;
	char id[32];

	if (argc != 7) {
		fprintf(stderr, "usage: cloudmap-refresh ENDPOINT STATE SERVICES POLL SECONDS "
				"ADDED-PER-SECOND\n");
		return 2;
	}
	scfg.endpoint = argv[1];
	nsvc = strtoul(argv[3], NULL, 10);
	scfg.poll_ms = (uint32_t)(atof(argv[4]) * 1000);
	scfg.full_ms = 6 * scfg.poll_ms;
	scfg.timeout_ms = scfg.poll_ms < 5000 ? scfg.poll_ms : 5000;
	seconds = strtoul(argv[5], NULL, 10);
	per_round = strtoul(argv[6], NULL, 10);
	sl_log_set_level(SL_LOG_WARN);
	svc = calloc(nsvc, sizeof(*svc));
	if (!svc || !added || !lat || !services)
		return 1;
	for (i = 0; i < nsvc; i++) {
		if (asprintf(&svc[i].name, "s%zu", i) < 0)
			return 1;
		add_instance(services, i, "a", 1, 1);
		add_instance(services, i, "b", 1, 2);
	}
	if (put_state(argv[2], services))
		return 1;
	cfg.services = svc;
	cfg.nservices = nsvc;

	started = now_s();
	src = sl_source_open(&scfg, &cfg, 8 * nsvc + MAX_PENDING, &err);
	if (!src) {
		fprintf(stderr, "cloudmap-refresh: %s\n", err.msg);
		return 1;
	}
	while (src->ops->settling(src)) {
		struct pollfd p = { .fd = src->ops->fd(src), .events = POLLIN };

		poll(&p, 1, 100);
		src->ops->dispatch(src, false);
	}
	printf("{\"services\": %zu, \"poll_s\": %.1f, \"first_round_s\": %.2f, \"instances\": %zu, "
	       "\"problem\": \"%s\"", nsvc, scfg.poll_ms / 1000.0, now_s() - started,
	       src->ops->instances(src)->n, src->ops->problem(src) ? src->ops->problem(src) : "");

	t0 = now_s();
	c0 = cpu_s();
	end = t0 + (double)seconds;
	next_change = t0 + 1;
	while (now_s() < end) {
		struct pollfd p = { .fd = src->ops->fd(src), .events = POLLIN };
		const struct sl_instances *in;
		size_t r, k;

		if (now_s() >= next_change && npend + per_round <= MAX_PENDING &&
		    now_s() < end - 2 * scfg.poll_ms / 1000.0) {
			for (k = 0; k < per_round; k++) {
				snprintf(id, sizeof(id), "n%zu-%zu", round, k);
				add_instance(services, (size_t)rand() % nsvc, id, 2 + round % 250,
					     k % 250);
			}
			if (put_state(argv[2], services))
				fprintf(stderr, "cloudmap-refresh: the state was not written\n");
			for (k = 0; k < per_round; k++)
				added[npend + k] = now_s();
			npend += per_round;
			round++;
			next_change += 1;
		}
		poll(&p, 1, 50);
		if (!src->ops->dispatch(src, false))
			continue;
		if (src->ops->failing(src) > worst_failing)
			worst_failing = src->ops->failing(src);
		in = src->ops->instances(src);
		for (i = 0; i < in->n; i++)
			if (sscanf(in->v[i].id, "n%zu-%zu", &r, &k) == 2 &&
			    r * per_round + k < npend && added[r * per_round + k] > 0) {
				lat[nlat++] = now_s() - added[r * per_round + k];
				added[r * per_round + k] = -1;
			}
	}
	for (i = 0; i < npend; i++)
		late += added[i] > 0;
	qsort(lat, nlat, sizeof(*lat), cmp_double);
	printf(", \"seconds\": %.1f, \"cpu_percent\": %.1f, \"added\": %zu, \"seen\": %zu, "
	       "\"never_seen\": %zu, \"seen_p50_s\": %.2f, \"seen_p99_s\": %.2f, \"seen_max_s\": %.2f, "
	       "\"worst_failing\": %u}\n", now_s() - t0, 100 * (cpu_s() - c0) / (now_s() - t0), npend,
	       nlat, late, nlat ? lat[nlat / 2] : 0, nlat ? lat[nlat * 99 / 100] : 0,
	       nlat ? lat[nlat - 1] : 0, worst_failing);
	sl_source_free(src);
	json_decref(services);
	return 0;
}
