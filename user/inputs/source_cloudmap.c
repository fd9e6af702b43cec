// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* source_cloudmap.c: the Cloud Map API registry source: per service DiscoverInstancesRevision
 * polls and DiscoverInstances fetches, SigV4-signed by libcurl, on one private epoll fd. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>
#include "inputs/cloudmap_api.h"
#include "inputs/cloudmap_creds.h"
#include "inputs/http_multi.h"
#include "inputs/source.h"
#include "lib/clock.h"
#include "lib/log.h"
#include "lib/vec.h"

#define MAX_IN_FLIGHT 16      /* requests under way at once (Cloud Map throttles an account) */
#define MAX_BODY (2 * 1024 * 1024) /* a DiscoverInstances answer of 1000 instances fits */
#define JITTER 0.1            /* polls fall within +-10% of pollSeconds */
#define LOG_BURST 10
#define NS_PER_MS 1000000ULL

struct cm_source;

struct cm_service {
	struct cm_source *src;
	char *service;            /* discoveryName: ServiceName */
	struct sl_instances set;  /* its last good instances */
	int64_t revision;         /* of set; -1: none yet */
	uint64_t due_ns, full_due_ns; /* next poll; next DiscoverInstances at the latest */
	bool busy, gone, full_next; /* full_next: the revision moved */
	unsigned refs;
	bool outcome, failing;
	char *cause;              /* why it fails, NULL: it answers */
	time_t last_ok;
};

struct cm_source {
	struct sl_source base;
	struct sl_http *http;
	struct sl_cm_creds *creds;
	char *cm_namespace, *namespace, *endpoint, *sigv4, *target_hdr_full, *target_hdr_rev;
	size_t max_instances;
	struct cm_service **svc;
	size_t nsvc, waiting, nfailing;
	uint64_t settle_until_ns;
	uint64_t gate_ns;         /* throttled: no request before */
	uint64_t gate_set_ns;     /* when gate_ns was last set: answers to requests sent
				   * earlier belong to a round already counted */
	unsigned throttles;       /* throttled answers in a row */
	uint64_t rng;
	struct sl_instances all;
	bool dirty, over_limit, closing;
	bool had_creds;           /* at the last start_due (else services fail) */
	unsigned logged, unlogged;
};

struct call {
	struct cm_service *svc;
	uint64_t sent_ns;
	bool full;
	char *body;
};

static struct cm_source *of(const struct sl_source *s)
{
	return (struct cm_source *)s;
}

static double draw(struct cm_source *d)
{
	d->rng ^= d->rng << 13;
	d->rng ^= d->rng >> 7;
	d->rng ^= d->rng << 17;
	return (double)(d->rng >> 11) / 9007199254740992.0;
}

static void service_free(struct cm_service *s)
{
	sl_instances_free(&s->set);
	free(s->cause);
	free(s->service);
	free(s);
}

static void service_unref(struct cm_service *s)
{
	if (!--s->refs && s->gone)
		service_free(s);
}

/* Say a change of s's cause (NULL: it answers), once per change. */
static void set_cause(struct cm_service *s, const char *cause)
{
	struct cm_source *d = s->src;
	bool same = (!cause && !s->cause) || (cause && s->cause && !strcmp(cause, s->cause));
	bool failing = cause != NULL;

	d->nfailing += (size_t)failing - (size_t)s->failing;
	s->failing = failing;
	if (same)
		return;
	if (d->logged >= LOG_BURST)
		d->unlogged++;
	else if (cause)
		pr_warn("%s: %s: %s; keeping its last good set (%zu instances)", d->base.name,
			s->service, cause, s->set.n), d->logged++;
	else if (s->cause)
		pr_info("%s: %s: answers again (%zu instances)", d->base.name, s->service,
			s->set.n), d->logged++;
	free(s->cause);
	s->cause = cause ? strdup(cause) : NULL;
	if (cause && !s->cause)
		s->cause = strdup("failed");
}

/* Next poll after interval_ms, jittered (spread over the whole of it after the first). */
static void schedule(struct cm_service *s, uint64_t interval_ms, bool spread)
{
	struct cm_source *d = s->src;
	double f = spread ? draw(d) : 1.0 - JITTER + 2 * JITTER * draw(d);

	s->due_ns = sl_now_ns() + (uint64_t)((double)interval_ms * f * NS_PER_MS);
}

static void outcome(struct cm_service *s, const char *cause)
{
	struct cm_source *d = s->src;
	bool first = !s->outcome;

	s->busy = false;
	d->waiting -= first;
	s->outcome = true;
	if (!cause)
		s->last_ok = time(NULL);
	sl_source_count(&d->base, !cause);
	set_cause(s, cause);
	if (!s->gone && (cause || !s->full_next)) /* a moved revision is fetched at once */
		schedule(s, d->base.cfg.poll_ms, first && !cause);
}

static int cmp_instance(const void *x, const void *y)
{
	return strcmp(((const struct sl_instance *)x)->id, ((const struct sl_instance *)y)->id);
}

static bool same_instance(const struct sl_instance *a, const struct sl_instance *b)
{
	return !strcmp(a->id, b->id) && a->health == b->health && a->has_v4 == b->has_v4 &&
	       a->has_v6 == b->has_v6 && (!a->has_v4 || sl_addr_eq(&a->addr4, &b->addr4)) &&
	       (!a->has_v6 || sl_addr_eq(&a->addr6, &b->addr6)) && a->port == b->port &&
	       a->weight == b->weight;
}

/* A DiscoverInstances answer's instances become s's set: true when it changed. */
static bool take(struct cm_service *s, struct sl_instances *fresh)
{
	size_t i;
	bool same = fresh->n == s->set.n;

	if (fresh->n)
		qsort(fresh->v, fresh->n, sizeof(*fresh->v), cmp_instance);
	for (i = 0; same && i < fresh->n; i++)
		same = same_instance(&fresh->v[i], &s->set.v[i]);
	if (same) {
		sl_instances_free(fresh);
		return false;
	}
	sl_instances_free(&s->set);
	s->set = *fresh;
	return true;
}

/* Throttled (or a server error) answering a request sent at sent_ns: every request waits,
 * exponentially longer, jittered; answers to requests sent before the wait began (of a round
 * already counted) do not add to it. */
static void back_off(struct cm_source *d, uint64_t sent_ns)
{
	uint64_t ms, now = sl_now_ns();

	if (sent_ns < d->gate_set_ns)
		return;
	ms = sl_cm_backoff_ms(d->base.cfg.poll_ms, d->throttles++, draw(d));
	d->gate_ns = now + ms * NS_PER_MS;
	d->gate_set_ns = now;
	if (d->throttles == 1)
		pr_warn("%s: throttled: backing off (%.1f s, doubling up to %.0f s while it lasts)",
			d->base.name, (double)ms / 1000,
			(d->base.cfg.poll_ms > SL_CM_BACKOFF_MAX_MS ? d->base.cfg.poll_ms :
			 SL_CM_BACKOFF_MAX_MS) / 1000.0);
}

static void answered(struct call *c, long status, const char *body, size_t len,
		     const char *etype, const char *cerr)
{
	struct cm_service *s = c->svc;
	struct cm_source *d = s->src;
	struct sl_cm_query q = { d->cm_namespace, s->service, d->namespace, d->base.cfg.health };
	struct sl_instances fresh;
	struct sl_err err = { 0 };
	char why[400];
	int64_t rev;

	if (!status) {
		snprintf(why, sizeof(why), "%s: %s", d->endpoint, cerr);
		return outcome(s, why);
	}
	if (status != 200) {
		switch (sl_cm_parse_error(status, body, len, etype, why, sizeof(why))) {
		case SL_CM_FAIL_THROTTLED:
		case SL_CM_FAIL_SERVER:
			back_off(d, c->sent_ns);
			break;
		case SL_CM_FAIL_AUTH:
			sl_cm_creds_refused(d->creds);
			break;
		case SL_CM_FAIL_REQUEST:
			break;
		}
		return outcome(s, why);
	}
	if (c->sent_ns >= d->gate_set_ns) /* not an answer from before the throttling */
		d->throttles = 0;
	if (!c->full) {
		if (sl_cm_parse_revision(body, len, &rev, &err))
			return outcome(s, err.msg);
		if (rev != s->revision) { /* fetched at once */
			s->full_next = true;
			s->due_ns = sl_now_ns();
		}
		return outcome(s, NULL);
	}
	if (sl_cm_parse_instances(body, len, &q, &fresh, &rev, &err))
		return outcome(s, err.msg);
	s->full_next = false;
	s->revision = rev;
	s->full_due_ns = sl_now_ns() + (uint64_t)d->base.cfg.full_ms * NS_PER_MS;
	if (take(s, &fresh))
		d->dirty = true;
	outcome(s, NULL);
}

static void on_done(void *arg, long status, const char *body, size_t len, const char *etype,
		    const char *cerr)
{
	struct call *c = arg;
	struct cm_service *s = c->svc;

	if (!s->gone && !s->src->closing)
		answered(c, status, body, len, etype, cerr);
	free(c->body);
	free(c);
	service_unref(s);
}

/* Ask s: DiscoverInstances when its revision moved, it has none, or a full fetch is due;
 * else DiscoverInstancesRevision. */
static void ask(struct cm_source *d, struct cm_service *s, const struct sl_aws_creds *cr)
{
	struct sl_cm_query q = { d->cm_namespace, s->service, d->namespace, d->base.cfg.health };
	bool full = s->full_next || s->revision < 0 || sl_now_ns() >= s->full_due_ns;
	char *token = NULL;
	const char *headers[4] = { full ? d->target_hdr_full : d->target_hdr_rev,
				   "Content-Type: " SL_CM_CONTENT_TYPE, NULL, NULL };
	struct call *c = calloc(1, sizeof(*c));
	struct sl_http_req rq = {
		.method = "POST", .url = d->endpoint, .headers = headers, .sigv4 = d->sigv4,
		.key_id = cr->key_id, .secret = cr->secret, .timeout_ms = d->base.cfg.timeout_ms,
		.max_body = MAX_BODY, .done = on_done, .arg = c,
	};
	int ret = -ENOMEM;

	if (c) {
		c->svc = s;
		c->sent_ns = sl_now_ns();
		c->full = full;
		c->body = full ? sl_cm_instances_body(&q) : sl_cm_revision_body(&q);
		rq.body = c->body;
	}
	if (cr->token && asprintf(&token, "X-Amz-Security-Token: %s", cr->token) < 0)
		token = NULL;
	headers[2] = token;
	if (c && c->body && (!cr->token || token))
		ret = sl_http_start(d->http, &rq);
	free(token);
	s->busy = true;
	if (ret) {
		if (c)
			free(c->body);
		free(c);
		outcome(s, "out of memory starting a request");
		return;
	}
	s->refs++;
}

/* Start the polls that are due (while requests in flight leave room and no backoff holds
 * them); without credentials each due service fails, saying why. */
static void start_due(struct cm_source *d)
{
	const struct sl_aws_creds *cr = sl_cm_creds_get(d->creds);
	uint64_t now = sl_now_ns();
	size_t i;

	if (cr && !d->had_creds) /* credentials again: those that failed for want of them */
		for (i = 0; i < d->nsvc; i++)
			if (!d->svc[i]->busy && d->svc[i]->failing && d->svc[i]->due_ns > now)
				d->svc[i]->due_ns = now;
	d->had_creds = cr != NULL;
	if (now < d->gate_ns)
		return;
	for (i = 0; i < d->nsvc && sl_http_in_flight(d->http) < MAX_IN_FLIGHT; i++) {
		struct cm_service *s = d->svc[i];

		if (s->busy || s->due_ns > now)
			continue;
		if (cr) {
			ask(d, s, cr);
		} else if (sl_cm_creds_settled(d->creds)) {
			s->busy = true;
			outcome(s, sl_cm_creds_problem(d->creds) ?: "no credentials");
		}
	}
}

/* The wake-up timer at the next poll, backoff's end or credential refresh. */
static void arm(struct cm_source *d, uint64_t creds_at)
{
	uint64_t at = creds_at, now = sl_now_ns();
	bool can = sl_cm_creds_get(d->creds) || sl_cm_creds_settled(d->creds);
	size_t i;

	/* while the first credentials are fetched, their answer wakes the fd */
	if (can && sl_http_in_flight(d->http) < MAX_IN_FLIGHT)
		for (i = 0; i < d->nsvc; i++) {
			uint64_t t = d->svc[i]->due_ns;

			if (d->svc[i]->busy)
				continue;
			if (t < d->gate_ns)
				t = d->gate_ns;
			if (!at || t < at)
				at = t;
		}
	if (at && at <= now)
		at = now + 1;
	sl_http_wake_at(d->http, at);
}

/* Every service's set, in the config's order, at most max_instances. */
static void rebuild(struct cm_source *d)
{
	struct sl_instances all = { 0 };
	size_t i, total = 0, room;

	for (i = 0; i < d->nsvc; i++)
		total += d->svc[i]->set.n;
	if (total > d->max_instances && !d->over_limit)
		pr_warn("%s: %zu instances, more than the %zu the registry may hold: the first "
			"%zu serve", d->base.name, total, d->max_instances, d->max_instances);
	d->over_limit = total > d->max_instances;
	for (i = 0; i < d->nsvc && all.n < d->max_instances; i++) {
		struct sl_instances part = d->svc[i]->set;

		room = d->max_instances - all.n;
		if (part.n > room)
			part.n = room;
		if (sl_instances_append(&all, &part)) {
			sl_instances_free(&all);
			pr_warn("%s: out of memory; keeping its last instances", d->base.name);
			return;
		}
	}
	sl_instances_free(&d->all);
	d->all = all;
}

static void work(struct cm_source *d)
{
	uint64_t creds_at;

	d->logged = d->unlogged = 0;
	sl_http_dispatch(d->http);
	creds_at = sl_cm_creds_tick(d->creds);
	start_due(d);
	arm(d, creds_at);
	if (d->unlogged)
		pr_warn("%s: %u more services changed how they answer (sluicectl status lists "
			"those that fail)", d->base.name, d->unlogged);
}

static bool dispatch(struct sl_source *src, bool tick)
{
	struct cm_source *d = of(src);

	(void)tick;
	work(d);
	if (!d->dirty)
		return false;
	d->dirty = false;
	rebuild(d);
	return true;
}

static int fd_of(const struct sl_source *s)
{
	return sl_http_fd(of(s)->http);
}

static const struct sl_instances *instances(const struct sl_source *s)
{
	return &of(s)->all;
}

static const char *problem(const struct sl_source *s)
{
	static char buf[700];
	const struct cm_source *d = of(s);
	size_t i;

	if (d->waiting) {
		const char *why = sl_cm_creds_get(d->creds) ? NULL : sl_cm_creds_problem(d->creds);

		snprintf(buf, sizeof(buf), "%zu of %zu services not answered yet%s%s", d->waiting,
			 d->nsvc, why ? ": " : "", why ? why : "");
		return buf;
	}
	if (!d->nsvc || d->nfailing < d->nsvc)
		return NULL;
	for (i = 0; !d->svc[i]->failing; i++)
		;
	snprintf(buf, sizeof(buf), "no service answers (%s: %s)", d->svc[i]->service,
		 d->svc[i]->cause);
	return buf;
}

static unsigned failing(const struct sl_source *s)
{
	return (unsigned)of(s)->nfailing;
}

static size_t failing_parts(const struct sl_source *s, struct sl_source_part *out, size_t max)
{
	const struct cm_source *d = of(s);
	size_t i, k = 0;

	for (i = 0; d->nfailing && i < d->nsvc && k < max; i++) {
		const struct cm_service *v = d->svc[i];

		if (v->failing)
			out[k++] = (struct sl_source_part){ .name = v->service, .instances = v->set.n,
							    .last_ok = v->last_ok,
							    .failure = v->cause };
	}
	return k;
}

static bool settling(const struct sl_source *s)
{
	const struct cm_source *d = of(s);

	return d->waiting && sl_now_ns() < d->settle_until_ns;
}

static void retire(struct cm_source *d, struct cm_service *s)
{
	d->waiting -= !s->outcome;
	d->nfailing -= s->failing;
	s->gone = true;
	if (!s->refs)
		service_free(s);
}

static struct cm_service *service_new(struct cm_source *d, const char *name)
{
	struct cm_service *s = calloc(1, sizeof(*s));

	if (!s || !(s->service = strdup(name))) {
		free(s);
		return NULL;
	}
	s->src = d;
	s->revision = -1;
	s->due_ns = sl_now_ns();
	return s;
}

/* The services of config: those of the same name keep their state; new ones are due now;
 * those gone take their instances with them (*changed). */
static int set_services(struct cm_source *d, const struct sl_ns_cfg *config, bool *changed)
{
	struct cm_service **next = calloc(config->nservices + 1, sizeof(*next));
	bool *taken = calloc(d->nsvc + 1, sizeof(*taken));
	bool *made = calloc(config->nservices + 1, sizeof(*made));
	size_t i, k;

	for (i = 0; next && taken && made && i < config->nservices; i++) {
		for (k = 0; k < d->nsvc; k++)
			if (!taken[k] && !strcmp(d->svc[k]->service, config->services[i].name))
				break;
		if (k < d->nsvc) {
			taken[k] = true;
			next[i] = d->svc[k];
		} else if (!(next[i] = service_new(d, config->services[i].name))) {
			break;
		} else {
			made[i] = true;
		}
	}
	if (!next || !taken || !made || i < config->nservices) {
		for (k = 0; next && made && k < i; k++)
			if (made[k])
				service_free(next[k]);
		free(next);
		free(taken);
		free(made);
		return -ENOMEM;
	}
	for (i = 0; i < config->nservices; i++)
		d->waiting += made[i];
	for (k = 0; k < d->nsvc; k++)
		if (!taken[k]) {
			*changed |= d->svc[k]->set.n > 0;
			retire(d, d->svc[k]);
		}
	free(taken);
	free(made);
	free(d->svc);
	d->svc = next;
	d->nsvc = config->nservices;
	return 0;
}

static bool reconfigure(struct sl_source *src, const struct sl_ns_cfg *config)
{
	struct cm_source *d = of(src);
	bool changed = false;

	if (set_services(d, config, &changed)) {
		pr_err("%s: out of memory learning the new services; asking the old ones", src->name);
		return false;
	}
	work(d);
	if (changed || d->dirty) {
		d->dirty = false;
		rebuild(d);
		return true;
	}
	return false;
}

static void free_cm(struct sl_source *src)
{
	struct cm_source *d = of(src);
	size_t i;

	d->closing = true;
	for (i = 0; i < d->nsvc; i++)
		retire(d, d->svc[i]);
	sl_cm_creds_closing(d->creds);
	sl_http_free(d->http); /* calls back every request left: their services go */
	sl_cm_creds_free(d->creds);
	sl_instances_free(&d->all);
	free(d->svc);
	free(d->cm_namespace);
	free(d->namespace);
	free(d->endpoint);
	free(d->sigv4);
	free(d->target_hdr_full);
	free(d->target_hdr_rev);
	sl_source_cfg_release(&src->cfg);
	free(src->name);
	free(d);
}

static const struct sl_source_ops cm_ops = {
	.fd = fd_of, .dispatch = dispatch, .instances = instances, .problem = problem,
	.failing = failing, .free = free_cm, .reconfigure = reconfigure, .settling = settling,
	.failing_parts = failing_parts,
};

static const char *env_get(const char *name, void *arg)
{
	(void)arg;
	return getenv(name);
}

/* Cloud Map's data plane endpoint of the region (DiscoverInstances' host prefix "data-"). */
static int endpoint_of(const struct sl_source_cfg *cfg, char **out)
{
	const char *suffix = strncmp(cfg->region, "cn-", 3) ? "amazonaws.com" : "amazonaws.com.cn";

	if (cfg->endpoint)
		return (*out = strdup(cfg->endpoint)) ? 0 : -ENOMEM;
	return asprintf(out, "https://data-servicediscovery.%s.%s", cfg->region, suffix) < 0 ?
		       (*out = NULL, -ENOMEM) : 0;
}

struct sl_source *sl_source_cloudmap_open(const struct sl_source_cfg *cfg,
					  const struct sl_ns_cfg *config, size_t max_instances,
					  struct sl_err *err)
{
	struct cm_source *d = calloc(1, sizeof(*d));
	char label[700];
	bool changed = false;

	sl_source_cfg_label(cfg, label, sizeof(label));
	if (!d) {
		sl_err_set(err, "registry %s: out of memory", label);
		return NULL;
	}
	d->base.ops = &cm_ops;
	d->max_instances = max_instances;
	d->rng = sl_now_ns() ^ ((uint64_t)getpid() << 32) ^ (uintptr_t)d;
	if (!d->rng)
		d->rng = 1;
	if (sl_source_cfg_copy(&d->base.cfg, cfg) ||
	    asprintf(&d->base.name, "registry %s", label) < 0) {
		d->base.name = NULL;
		goto oom;
	}
	d->http = sl_http_new();
	if (!d->http) {
		sl_err_set(err, "registry %s: HTTP client: %s", label, strerror(errno));
		goto fail;
	}
	d->creds = sl_cm_creds_new(d->http, d->base.name, cfg->timeout_ms, env_get, NULL);
	d->cm_namespace = strdup(cfg->cm_namespace ? cfg->cm_namespace : config->namespace);
	d->namespace = strdup(config->namespace);
	if (!d->creds || !d->cm_namespace || !d->namespace || endpoint_of(cfg, &d->endpoint) ||
	    asprintf(&d->sigv4, "aws:amz:%s:servicediscovery", cfg->region) < 0 ||
	    asprintf(&d->target_hdr_full, "X-Amz-Target: " SL_CM_TARGET_PREFIX
		     "DiscoverInstances") < 0 ||
	    asprintf(&d->target_hdr_rev, "X-Amz-Target: " SL_CM_TARGET_PREFIX
		     "DiscoverInstancesRevision") < 0)
		goto oom;
	if (set_services(d, config, &changed))
		goto oom;
	pr_info("%s: %zu services of namespace %s at %s, credentials from %s", d->base.name,
		d->nsvc, d->cm_namespace, d->endpoint, sl_cm_creds_provider(d->creds));
	/* credentials (up to three requests), then a request each */
	d->settle_until_ns = sl_now_ns() + (5 * (uint64_t)cfg->timeout_ms + 1000) * NS_PER_MS;
	work(d);
	return &d->base;
oom:
	sl_err_set(err, "registry %s: out of memory", label);
fail:
	free_cm(&d->base);
	return NULL;
}
