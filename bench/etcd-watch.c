// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* etcd-watch.c: the etcd source (user/inputs/source_etcd.c, as sluiced runs it) watching a real
 * cluster while this program puts RATE changes a second: from a put sent to the source's
 * instances holding it, p50/p99/max, and what never arrived. */
#include <curl/curl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "inputs/etcd_msg.h"
#include "inputs/source.h"
#include "lib/log.h"

#define NAMESPACE "bench.local"
#define PREFIX "/sluice/"
#define MAX_IN_FLIGHT 64 /* puts under way at once (a connection each: HTTP/1.1) */
#define TAIL_S 3.0 /* after the last put, how long what is missing is waited for */

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* One put: key k<seq % keys> of service s, its weight (seq / keys) % 10000 + 1. */
struct put {
	CURL *e;
	char *body;
	size_t seq;
};

static size_t discard(char *ptr, size_t size, size_t nmemb, void *user)
{
	(void)ptr;
	(void)user;
	return size * nmemb;
}

static int start_put(CURLM *m, const char *url, size_t seq, size_t keys, struct put *p)
{
	char key[128], value[256], *k, *v;

	snprintf(key, sizeof(key), PREFIX NAMESPACE "/s/k%zu", seq % keys);
	snprintf(value, sizeof(value), "{\"Attributes\": {\"AWS_INSTANCE_IPV4\": \"10.1.%zu.%zu\", "
		 "\"AWS_INSTANCE_PORT\": \"80\", \"weight\": \"%zu\"}}", (seq % keys) / 250,
		 (seq % keys) % 250 + 1, (seq / keys) % 10000 + 1);
	k = sl_base64_encode(key, strlen(key));
	v = sl_base64_encode(value, strlen(value));
	p->seq = seq;
	if (!k || !v || asprintf(&p->body, "{\"key\":\"%s\",\"value\":\"%s\"}", k, v) < 0)
		return -1;
	free(k);
	free(v);
	p->e = curl_easy_init();
	curl_easy_setopt(p->e, CURLOPT_URL, url);
	curl_easy_setopt(p->e, CURLOPT_POSTFIELDS, p->body);
	curl_easy_setopt(p->e, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(p->e, CURLOPT_WRITEFUNCTION, discard);
	curl_easy_setopt(p->e, CURLOPT_PRIVATE, p);
	return curl_multi_add_handle(m, p->e) == CURLM_OK ? 0 : -1;
}

/* The puts the instances show: their latencies noted, sent[] cleared. */
static void note_seen(const struct sl_instances *in, double *sent, const double *acked,
		      size_t nsent, size_t keys, double *lat, double *alat, size_t *nlat)
{
	size_t i, j, seq;

	for (i = 0; i < in->n; i++) {
		if (sscanf(in->v[i].id, "k%zu", &j) != 1 || !in->v[i].weight)
			continue;
		seq = (size_t)(in->v[i].weight - 1) * keys + j;
		if (seq < nsent && sent[seq] > 0) {
			alat[*nlat] = acked[seq] > 0 ? now_s() - acked[seq] : 0;
			lat[(*nlat)++] = now_s() - sent[seq];
			sent[seq] = -1;
		}
	}
}

int main(int argc, char **argv)
{
	struct sl_source_cfg scfg = { .kind = SL_SOURCE_ETCD, .prefix = PREFIX, .timeout_ms = 2000,
				      .resync_ms = 300000 };
	struct sl_ns_cfg ns = { .namespace = NAMESPACE };
	size_t rate, seconds, keys, total, nsent = 0, nlat = 0, inflight = 0, failed = 0;
	double *sent, *lat, *acked, *alat, t0, end, last_sent = 0;
	char url[256], *endpoints[1];
	struct sl_source *src;
	struct pollfd pfd;
	struct sl_err err;
	CURLMsg *msg;
	CURLM *m;
	int left;

	if (argc != 4) {
		fprintf(stderr, "usage: etcd-watch ENDPOINT RATE SECONDS\n");
		return 2;
	}
	endpoints[0] = argv[1];
	scfg.endpoints = endpoints;
	scfg.nendpoints = 1;
	rate = strtoul(argv[2], NULL, 10);
	seconds = strtoul(argv[3], NULL, 10);
	keys = rate < 1000 ? rate : 1000; /* a key is put again a second or more later */
	total = rate * seconds;
	sl_log_set_level(SL_LOG_WARN);
	sent = calloc(total + 1, sizeof(*sent));
	lat = calloc(total + 1, sizeof(*lat));
	acked = calloc(total + 1, sizeof(*acked));
	alat = calloc(total + 1, sizeof(*alat));
	src = sl_source_open(&scfg, &ns, 2 * keys + 16, &err);
	if (!src || !sent || !lat || !acked || !alat) {
		fprintf(stderr, "etcd-watch: %s\n", src ? "out of memory" : err.msg);
		return 1;
	}
	snprintf(url, sizeof(url), "%s/v3/kv/put", argv[1]);
	m = curl_multi_init();
	pfd.fd = src->ops->fd(src);
	pfd.events = POLLIN;
	t0 = now_s();
	end = t0 + (double)seconds;
	while (now_s() < end + TAIL_S && (nsent < total || nlat + failed < total)) {
		double t = now_s();
		int running;

		while (nsent < total && inflight < MAX_IN_FLIGHT && t0 + (double)nsent / rate <= t) {
			struct put *p = calloc(1, sizeof(*p));

			if (!p || start_put(m, url, nsent, keys, p))
				return 1;
			sent[nsent++] = now_s();
			last_sent = sent[nsent - 1];
			inflight++;
		}
		curl_multi_perform(m, &running);
		while ((msg = curl_multi_info_read(m, &left))) {
			struct put *p;

			if (msg->msg != CURLMSG_DONE)
				continue;
			curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, (char **)&p);
			failed += msg->data.result != CURLE_OK;
			if (sent[p->seq] > 0)
				acked[p->seq] = now_s();
			curl_multi_remove_handle(m, p->e);
			curl_easy_cleanup(p->e);
			free(p->body);
			free(p);
			inflight--;
		}
		pfd.revents = 0;
		curl_multi_poll(m, NULL, 0, 0, NULL);
		if (poll(&pfd, 1, 1) > 0 && src->ops->dispatch(src, false))
			note_seen(src->ops->instances(src), sent, acked, nsent, keys, lat, alat,
				  &nlat);
	}
	qsort(lat, nlat, sizeof(*lat), cmp_double);
	qsort(alat, nlat, sizeof(*alat), cmp_double);
	/* after_ack: from etcd's answer to the put (committed) to the source holding it; a put
	 * seen before its answer arrived counts 0 */
	printf("{\"bench\": \"etcd-watch\", \"rate\": %zu, \"seconds\": %zu, \"puts\": %zu, "
	       "\"put_failed\": %zu, \"seen\": %zu, \"p50_ms\": %.2f, \"p99_ms\": %.2f, "
	       "\"max_ms\": %.2f, \"after_ack_p50_ms\": %.2f, \"after_ack_p99_ms\": %.2f, "
	       "\"sent_per_s\": %.0f}\n", rate, seconds, nsent, failed, nlat, nlat ? lat[nlat / 2] * 1e3 : -1,
	       nlat ? lat[(size_t)(nlat * 0.99)] * 1e3 : -1, nlat ? lat[nlat - 1] * 1e3 : -1,
	       nlat ? alat[nlat / 2] * 1e3 : -1, nlat ? alat[(size_t)(nlat * 0.99)] * 1e3 : -1,
	       nsent > 1 ? (nsent - 1) / (last_sent - t0) : 0);
	sl_source_free(src);
	curl_multi_cleanup(m);
	free(sent);
	free(lat);
	free(acked);
	free(alat);
	return 0;
}
