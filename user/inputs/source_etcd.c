// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* source_etcd.c: the etcd registry source: a range of the namespace's keys, then a watch from
 * the next revision, through the v3 JSON gateway with libcurl's multi interface (its sockets
 * and two timerfds on one private epoll fd): never blocking, no thread. */
#include <curl/curl.h>
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/epoll.h>
#include <sys/timerfd.h>
#include "inputs/etcd_msg.h"
#include "inputs/etcd_store.h"
#include "inputs/source.h"
#include "lib/clock.h"
#include "lib/log.h"

#define TAG_CURL_TIMER (1ULL << 40) /* epoll tags; a curl socket's is its fd */
#define TAG_SCHED (2ULL << 40)
#define NS_PER_MS 1000000ULL
#define RETRY_MIN_MS 100          /* after every endpoint failed in a row; doubling */
#define RETRY_MAX_MS 5000
#define REQUEST_TIMEOUTS 5        /* a range or authenticate has timeoutSeconds x this */
#define SETTLE_MARGIN_MS 1000
#define BYTES_PER_INSTANCE 2048   /* a range's or a watch message's bound, per instance */
#define MIN_BODY (1U << 20)
#define KEEPIDLE_S 5L             /* a watch on a member gone silent fails within about */
#define KEEPINTVL_S 2L            /* KEEPIDLE + 9 x KEEPINTVL (the kernel's probes) */

enum req_kind { REQ_NONE, REQ_AUTH, REQ_RANGE, REQ_WATCH };

struct buf {
	char *p;
	size_t n, cap;
};

struct etcd_source {
	struct sl_source base;
	CURLM *multi;
	CURL *easy;             /* the request under way, or NULL */
	enum req_kind kind;
	struct curl_slist *headers;
	char *body_out;         /* its request body */
	struct buf in;          /* its response (AUTH, RANGE) or a watch's partial line */
	size_t max_body;
	bool abort_relist;      /* the watch is being ended: re-list (compaction, resync) */
	bool abort_reauth;      /* the watch is being ended: the token expired */
	char *abort_why;        /* the watch is being ended: a failure */
	int ep, curl_timer, sched;
	size_t endpoint;        /* the one in use */
	char *token;            /* an auth token, once authenticated */
	char *ns_prefix;        /* "<prefix><namespace>/" */
	int64_t rev;            /* every event up to it applied */
	bool synced;            /* a range was taken */
	bool watching;          /* the watch was created */
	bool need_relist;
	unsigned failures;      /* requests failed in a row */
	uint64_t retry_ns;      /* next attempt when idle (0: none due) */
	uint64_t resync_ns;     /* next full re-list */
	uint64_t created_by_ns; /* a watch not created by then is given up */
	uint64_t settle_until_ns;
	time_t down_since;      /* first failure since the last good answer; 0: none */
	time_t last_good;
	char *last_error;
	char *ep_error[16];     /* each endpoint's last failure, said once (config: at most 16) */
	char *refused;          /* a whole re-list refused (too many keys), or NULL */
	struct sl_etcd_store store;
	struct sl_instances all;
	bool dirty;
	char problem_buf[1024];
};

static struct etcd_source *of(const struct sl_source *s)
{
	return (struct etcd_source *)s;
}

static const char *endpoint(const struct etcd_source *d)
{
	return d->base.cfg.endpoints[d->endpoint];
}

static size_t nendpoints(const struct etcd_source *d)
{
	return d->base.cfg.nendpoints;
}

static void set_str(char **at, const char *s)
{
	free(*at);
	*at = s ? strdup(s) : NULL;
}

static const char *iso(time_t t, char *buf, size_t len)
{
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm);
	return buf;
}

/* ---- the schedule ---- */

static void arm_sched(struct etcd_source *d)
{
	struct itimerspec its = { 0 };
	uint64_t due = UINT64_MAX, now = sl_now_ns();

	if (!d->easy && d->retry_ns)
		due = d->retry_ns;
	if (d->resync_ns && d->resync_ns < due)
		due = d->resync_ns;
	if (d->kind == REQ_WATCH && !d->watching && d->created_by_ns < due)
		due = d->created_by_ns;
	if (due != UINT64_MAX) {
		uint64_t wait = due > now ? due - now : 1;

		its.it_value.tv_sec = (time_t)(wait / 1000000000ULL);
		its.it_value.tv_nsec = (long)(wait % 1000000000ULL);
	}
	timerfd_settime(d->sched, 0, &its, NULL);
}

/* ---- requests ---- */

static size_t on_data(char *ptr, size_t size, size_t nmemb, void *user);

static void end_request(struct etcd_source *d)
{
	if (d->easy) {
		curl_multi_remove_handle(d->multi, d->easy);
		curl_easy_cleanup(d->easy);
	}
	curl_slist_free_all(d->headers);
	free(d->body_out);
	free(d->in.p);
	free(d->abort_why);
	d->easy = NULL;
	d->headers = NULL;
	d->body_out = NULL;
	memset(&d->in, 0, sizeof(d->in));
	d->abort_why = NULL;
	d->abort_relist = d->abort_reauth = false;
	d->kind = REQ_NONE;
	d->watching = false;
}

static void fail_request(struct etcd_source *d, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* The request failed: said when the cause changed, the next endpoint tried now, after a round
 * of them with a growing pause. The last good instances keep serving. */
static void fail_request(struct etcd_source *d, const char *fmt, ...)
{
	char why[512], since[32];
	unsigned round;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	if (d->watching) /* in step until now */
		d->last_good = time(NULL);
	end_request(d);
	sl_source_count(&d->base, false);
	if (!d->down_since)
		d->down_since = time(NULL);
	if (d->endpoint < 16 && (!d->ep_error[d->endpoint] || strcmp(d->ep_error[d->endpoint], why)))
		pr_warn("%s: %s; keeping its last good instances (%zu), down since %s", d->base.name,
			why, d->all.n, iso(d->down_since, since, sizeof(since)));
	set_str(&d->last_error, why);
	if (d->endpoint < 16)
		set_str(&d->ep_error[d->endpoint], why);
	d->failures++;
	d->endpoint = (d->endpoint + 1) % nendpoints(d);
	round = d->failures / (unsigned)nendpoints(d);
	if (d->failures % nendpoints(d))
		d->retry_ns = sl_now_ns();
	else
		d->retry_ns = sl_now_ns() + (round > 6 ? RETRY_MAX_MS :
					      RETRY_MIN_MS << (round - 1 < 6 ? round - 1 : 6)) *
					     NS_PER_MS;
	if (d->retry_ns > sl_now_ns() + RETRY_MAX_MS * NS_PER_MS)
		d->retry_ns = sl_now_ns() + RETRY_MAX_MS * NS_PER_MS;
}

/* An answer from the cluster: it is reachable. */
static void good_contact(struct etcd_source *d)
{
	size_t i;

	if (d->down_since)
		pr_info("%s: %s answers again", d->base.name, endpoint(d));
	for (i = 0; i < 16; i++)
		set_str(&d->ep_error[i], NULL);
	d->failures = 0;
	d->down_since = 0;
	d->last_good = time(NULL);
	set_str(&d->last_error, NULL);
}

static int start_request(struct etcd_source *d, enum req_kind kind, const char *path, char *body)
{
	const struct sl_source_cfg *c = &d->base.cfg;
	char url[512], auth[1024];
	CURL *e;

	d->retry_ns = 0;
	if (!body)
		return -ENOMEM;
	snprintf(url, sizeof(url), "%s%s", endpoint(d), path);
	e = curl_easy_init();
	d->body_out = body;
	d->headers = curl_slist_append(NULL, "Content-Type: application/json");
	d->headers = d->headers ? curl_slist_append(d->headers, "Expect:") : NULL;
	if (d->token && d->headers) {
		snprintf(auth, sizeof(auth), "Authorization: %s", d->token);
		d->headers = curl_slist_append(d->headers, auth);
	}
	if (!e || !d->headers) {
		curl_easy_cleanup(e);
		return -ENOMEM;
	}
	curl_easy_setopt(e, CURLOPT_URL, url);
	curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(e, CURLOPT_HTTPHEADER, d->headers);
	curl_easy_setopt(e, CURLOPT_POSTFIELDS, d->body_out);
	curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_data);
	curl_easy_setopt(e, CURLOPT_WRITEDATA, d);
	curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, (long)c->timeout_ms);
	curl_easy_setopt(e, CURLOPT_TCP_KEEPALIVE, 1L);
	curl_easy_setopt(e, CURLOPT_TCP_KEEPIDLE, KEEPIDLE_S);
	curl_easy_setopt(e, CURLOPT_TCP_KEEPINTVL, KEEPINTVL_S);
	curl_easy_setopt(e, CURLOPT_NOPROXY, "*"); /* the cluster is reached directly */
	if (kind != REQ_WATCH)
		curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, (long)c->timeout_ms * REQUEST_TIMEOUTS);
	if (c->tls_ca)
		curl_easy_setopt(e, CURLOPT_CAINFO, c->tls_ca);
	if (c->tls_cert) {
		curl_easy_setopt(e, CURLOPT_SSLCERT, c->tls_cert);
		curl_easy_setopt(e, CURLOPT_SSLKEY, c->tls_key);
	}
	d->easy = e;
	d->kind = kind;
	if (kind == REQ_WATCH)
		d->created_by_ns = sl_now_ns() + (uint64_t)c->timeout_ms * REQUEST_TIMEOUTS * NS_PER_MS;
	if (curl_multi_add_handle(d->multi, e) != CURLM_OK)
		return -ENOMEM;
	return 0;
}

/* The next step: authenticate (no token yet), re-list (never synced, compacted, resync),
 * else watch from the revision after the last seen. */
static void start(struct etcd_source *d)
{
	const struct sl_source_cfg *c = &d->base.cfg;
	int ret;

	if (c->username && !d->token)
		ret = start_request(d, REQ_AUTH, "/v3/auth/authenticate",
				    sl_etcd_auth_request(c->username, c->password));
	else if (!d->synced || d->need_relist)
		ret = start_request(d, REQ_RANGE, "/v3/kv/range",
				    sl_etcd_range_request(d->ns_prefix, (int64_t)d->store.max + 1));
	else
		ret = start_request(d, REQ_WATCH, "/v3/watch",
				    sl_etcd_watch_request(d->ns_prefix, d->rev + 1));
	if (ret)
		fail_request(d, "out of memory starting a request");
}

/* A whole re-list: the store becomes it (keys refused one by one keep their last good
 * values); one of more keys than the registry may hold is refused whole. */
static void take_range(struct etcd_source *d, const struct sl_etcd_range *r)
{
	char msg[512];
	int ret;

	if (r->more || r->count > (int64_t)d->store.max || r->n > d->store.max) {
		snprintf(msg, sizeof(msg), "%s: holds %lld keys, more than the %zu instances the "
			 "registry may hold (limits.backends): re-list refused, the last good "
			 "instances (%zu) kept", d->ns_prefix, (long long)r->count, d->store.max,
			 d->all.n);
		if (!d->refused || strcmp(d->refused, msg))
			pr_err("%s: %s", d->base.name, msg);
		set_str(&d->refused, msg);
		sl_source_count(&d->base, false);
		end_request(d);
		d->retry_ns = sl_now_ns() + RETRY_MAX_MS * NS_PER_MS;
		return;
	}
	if (d->refused)
		pr_info("%s: %s: re-list taken again", d->base.name, d->ns_prefix);
	set_str(&d->refused, NULL);
	ret = sl_etcd_store_replace(&d->store, r->kvs, r->n, time(NULL));
	if (ret < 0) {
		fail_request(d, "out of memory taking a re-list");
		return;
	}
	d->dirty |= ret > 0;
	if (!d->synced || d->need_relist)
		pr_info("%s: %zu keys at revision %lld; watching from %lld", d->base.name, r->n,
			(long long)r->revision, (long long)r->revision + 1);
	d->rev = r->revision;
	d->synced = true;
	d->need_relist = false;
	d->resync_ns = sl_now_ns() + (uint64_t)d->base.cfg.resync_ms * NS_PER_MS;
	sl_source_count(&d->base, true);
	end_request(d);
	start(d);
}

/* One event of the watch, in revision order: those up to base (the revision seen before its
 * message; a transaction's events share one) were applied. */
static void take_event(struct etcd_source *d, const struct sl_etcd_event *ev, int64_t base)
{
	int ret;

	if (ev->kv.mod_revision <= base)
		return;
	ret = ev->type == SL_ETCD_PUT ? sl_etcd_store_put(&d->store, &ev->kv, time(NULL)) :
					sl_etcd_store_delete(&d->store, ev->kv.key);
	if (ret < 0) { /* not applied: a re-list makes it good */
		pr_err("%s: out of memory taking %s; re-listing", d->base.name, ev->kv.key);
		d->abort_relist = true;
		return;
	}
	d->dirty |= ret > 0;
	d->rev = ev->kv.mod_revision;
}

/* One line of the watch stream. False: end the stream (the abort flags say why). */
static bool take_watch_line(struct etcd_source *d, const char *line, size_t len)
{
	struct sl_err err = { { 0 } };
	struct sl_etcd_watch w;
	int64_t base;
	size_t i;
	int ret;

	ret = sl_etcd_watch_parse(line, len, &w, &err);
	if (ret == -EACCES) {
		d->abort_reauth = true;
		return false;
	}
	if (ret) {
		if (asprintf(&d->abort_why, "%s: %s", endpoint(d),
			     ret == -ENOMEM ? "out of memory" : err.msg) < 0)
			d->abort_why = NULL;
		return false;
	}
	if (w.created) {
		d->watching = true;
		good_contact(d);
	}
	if (w.canceled && w.compact_revision > 0) {
		pr_warn("%s: revision %lld is compacted (the cluster keeps from %lld): re-listing",
			d->base.name, (long long)d->rev + 1, (long long)w.compact_revision);
		d->abort_relist = true;
	} else if (w.canceled) {
		if (asprintf(&d->abort_why, "%s: the watch was canceled: %s", endpoint(d),
			     w.cancel_reason ? w.cancel_reason : "no reason given") < 0)
			d->abort_why = NULL;
	}
	base = d->rev;
	for (i = 0; !w.canceled && i < w.n && !d->abort_relist; i++)
		take_event(d, &w.events[i], base);
	/* a progress notification: every event up to its revision was sent */
	if (!w.created && !w.canceled && !w.n && w.revision > d->rev)
		d->rev = w.revision;
	sl_source_count(&d->base, !w.canceled || w.compact_revision > 0);
	sl_etcd_watch_free(&w);
	return !w.canceled && !d->abort_relist && !d->abort_why;
}

static int buf_add(struct buf *b, const char *p, size_t n, size_t max)
{
	size_t need = b->n + n + 1;

	if (need > max)
		return -EFBIG;
	if (need > b->cap) {
		size_t cap = b->cap ? b->cap : 4096;
		char *q;

		while (cap < need)
			cap *= 2;
		q = realloc(b->p, cap);
		if (!q)
			return -ENOMEM;
		b->p = q;
		b->cap = cap;
	}
	memcpy(b->p + b->n, p, n);
	b->n += n;
	b->p[b->n] = '\0';
	return 0;
}

/* A watch's bytes: each complete line a message. */
static bool take_watch_bytes(struct etcd_source *d, const char *p, size_t n)
{
	const char *nl;

	while (n) {
		nl = memchr(p, '\n', n);
		if (buf_add(&d->in, p, nl ? (size_t)(nl - p) : n, d->max_body)) {
			if (asprintf(&d->abort_why, "%s: a watch message of more than %zu bytes",
				     endpoint(d), d->max_body) < 0)
				d->abort_why = NULL;
			return false;
		}
		if (!nl)
			return true;
		if (d->in.n && !take_watch_line(d, d->in.p, d->in.n))
			return false;
		d->in.n = 0;
		n -= (size_t)(nl - p) + 1;
		p = nl + 1;
	}
	return true;
}

static size_t on_data(char *ptr, size_t size, size_t nmemb, void *user)
{
	struct etcd_source *d = user;
	size_t n = size * nmemb;
	long code = 0;

	curl_easy_getinfo(d->easy, CURLINFO_RESPONSE_CODE, &code);
	if (d->kind == REQ_WATCH && code == 200)
		return take_watch_bytes(d, ptr, n) ? n : 0;
	return buf_add(&d->in, ptr, n, d->max_body) ? 0 : n;
}

/* A request that ended (curl's verdict res). */
static void finished(struct etcd_source *d, CURLcode res)
{
	struct sl_err err = { { 0 } };
	struct sl_etcd_range r;
	long code = 0;
	char *token;
	int ret;

	curl_easy_getinfo(d->easy, CURLINFO_RESPONSE_CODE, &code);
	if (d->kind == REQ_WATCH && (d->abort_relist || d->abort_reauth)) {
		if (d->abort_reauth)
			set_str(&d->token, NULL);
		d->need_relist |= d->abort_relist;
		end_request(d);
		return start(d);
	}
	if (d->kind == REQ_WATCH && d->abort_why) {
		char *why = strdup(d->abort_why);

		fail_request(d, "%s", why ? why : "watch failed");
		free(why);
		return;
	}
	if (res != CURLE_OK && !(res == CURLE_WRITE_ERROR && code != 200))
		return fail_request(d, "%s: %s", endpoint(d), res == CURLE_WRITE_ERROR ?
				    "an answer larger than the registry may hold" :
				    curl_easy_strerror(res));
	if (d->kind == REQ_WATCH && code != 200)
		return fail_request(d, "%s: watch: HTTP %ld: %.300s", endpoint(d), code,
				    d->in.p ? d->in.p : "");
	if (d->kind == REQ_WATCH)
		return fail_request(d, "%s: the watch stream ended", endpoint(d));
	if (d->kind == REQ_AUTH) {
		ret = sl_etcd_auth_parse(d->in.p ? d->in.p : "", d->in.n, &token, &err);
		if (ret)
			return fail_request(d, "%s: authenticate as %s: %s", endpoint(d),
					    d->base.cfg.username, ret == -ENOMEM ? "out of memory" :
					    err.msg);
		free(d->token);
		d->token = token;
		end_request(d);
		return start(d);
	}
	ret = sl_etcd_range_parse(d->in.p ? d->in.p : "", d->in.n, &r, &err);
	if (ret == -EACCES) {
		set_str(&d->token, NULL);
		end_request(d);
		return start(d);
	}
	if (ret)
		return fail_request(d, "%s: range (HTTP %ld): %s", endpoint(d), code,
				    ret == -ENOMEM ? "out of memory" : err.msg);
	good_contact(d);
	take_range(d, &r);
	sl_etcd_range_free(&r);
}

static void drain_done(struct etcd_source *d)
{
	CURLMsg *m;
	int left;

	while ((m = curl_multi_info_read(d->multi, &left)))
		if (m->msg == CURLMSG_DONE && m->easy_handle == d->easy)
			finished(d, m->data.result);
}

/* Due work of the schedule: a retry, a resync, a watch that was never created. */
static void run_schedule(struct etcd_source *d)
{
	uint64_t now = sl_now_ns();

	if (d->kind == REQ_WATCH && !d->watching && now >= d->created_by_ns) {
		fail_request(d, "%s: the watch was not created within %g s", endpoint(d),
			     d->base.cfg.timeout_ms * REQUEST_TIMEOUTS / 1000.0);
	} else if (d->resync_ns && now >= d->resync_ns && d->synced) {
		pr_debug("%s: periodic re-list", d->base.name);
		d->resync_ns = 0;
		d->need_relist = true;
		if (d->kind == REQ_WATCH) {
			end_request(d);
			start(d);
		}
	}
	if (!d->easy && d->retry_ns && now >= d->retry_ns)
		start(d);
}

/* ---- libcurl's sockets and timer on the private epoll fd ---- */

static int on_socket(CURL *e, curl_socket_t s, int what, void *user, void *sockp)
{
	struct etcd_source *d = user;
	struct epoll_event ev = { .data.u64 = (uint64_t)(uint32_t)s };

	(void)e;
	(void)sockp;
	if (what == CURL_POLL_REMOVE) {
		epoll_ctl(d->ep, EPOLL_CTL_DEL, s, NULL);
		return 0;
	}
	ev.events = (what & CURL_POLL_IN ? EPOLLIN : 0) | (what & CURL_POLL_OUT ? EPOLLOUT : 0);
	if (epoll_ctl(d->ep, EPOLL_CTL_MOD, s, &ev) && errno == ENOENT)
		epoll_ctl(d->ep, EPOLL_CTL_ADD, s, &ev);
	return 0;
}

static int on_timer(CURLM *m, long timeout_ms, void *user)
{
	struct etcd_source *d = user;
	struct itimerspec its = { 0 };

	(void)m;
	if (timeout_ms == 0)
		its.it_value.tv_nsec = 1;
	else if (timeout_ms > 0) {
		its.it_value.tv_sec = timeout_ms / 1000;
		its.it_value.tv_nsec = (timeout_ms % 1000) * 1000000L;
	}
	timerfd_settime(d->curl_timer, 0, &its, NULL);
	return 0;
}

static void rebuild(struct etcd_source *d)
{
	struct sl_instances all;

	if (sl_etcd_store_instances(&d->store, &all)) {
		pr_warn("%s: out of memory; keeping its last instances", d->base.name);
		return;
	}
	sl_instances_free(&d->all);
	d->all = all;
}

static bool dispatch(struct sl_source *src, bool tick)
{
	struct etcd_source *d = of(src);
	struct epoll_event evs[16];
	uint64_t ticks;
	int n, i, running;

	do {
		n = epoll_wait(d->ep, evs, 16, 0);
		for (i = 0; i < n; i++) {
			uint64_t tag = evs[i].data.u64;
			int flags = (evs[i].events & EPOLLIN ? CURL_CSELECT_IN : 0) |
				    (evs[i].events & EPOLLOUT ? CURL_CSELECT_OUT : 0) |
				    (evs[i].events & (EPOLLERR | EPOLLHUP) ? CURL_CSELECT_ERR : 0);

			if (tag == TAG_CURL_TIMER) {
				if (read(d->curl_timer, &ticks, sizeof(ticks)) > 0)
					curl_multi_socket_action(d->multi, CURL_SOCKET_TIMEOUT, 0,
								 &running);
			} else if (tag == TAG_SCHED) {
				if (read(d->sched, &ticks, sizeof(ticks)) > 0)
					run_schedule(d);
			} else {
				curl_multi_socket_action(d->multi, (curl_socket_t)tag, flags,
							 &running);
			}
			drain_done(d);
		}
	} while (n == 16);
	if (tick)
		run_schedule(d);
	drain_done(d);
	arm_sched(d);
	if (!d->dirty)
		return false;
	d->dirty = false;
	rebuild(d);
	return true;
}

/* ---- the source's interface ---- */

static int fd_of(const struct sl_source *s)
{
	return of(s)->ep;
}

static const struct sl_instances *instances(const struct sl_source *s)
{
	return &of(s)->all;
}

static const char *problem(const struct sl_source *s)
{
	struct etcd_source *d = of(s);
	char since[32], good[32];

	if (d->refused)
		return d->refused;
	if (!d->synced && d->failures < nendpoints(d))
		return "not read yet";
	if (d->failures < nendpoints(d))
		return NULL;
	snprintf(d->problem_buf, sizeof(d->problem_buf),
		 "etcd unreachable since %s (%s); %s", iso(d->down_since, since, sizeof(since)),
		 d->last_error ? d->last_error : "?",
		 d->synced ? "serving its last good instances" : "never read");
	if (d->synced && d->last_good)
		snprintf(d->problem_buf + strlen(d->problem_buf),
			 sizeof(d->problem_buf) - strlen(d->problem_buf),
			 " (%zu, of revision %lld, in step until %s)", d->all.n, (long long)d->rev,
			 iso(d->last_good, good, sizeof(good)));
	return d->problem_buf;
}

static unsigned failing(const struct sl_source *s)
{
	return (unsigned)of(s)->store.nbad;
}

static size_t failing_parts(const struct sl_source *s, struct sl_source_part *out, size_t max)
{
	const struct sl_etcd_store *st = &of(s)->store;
	size_t i, k = 0;

	for (i = 0; st->nbad && i < st->n && k < max; i++)
		if (st->v[i].bad)
			out[k++] = (struct sl_source_part){ .name = st->v[i].key,
							    .instances = st->v[i].has_good,
							    .last_ok = st->v[i].good_at,
							    .failure = st->v[i].bad };
	return k;
}

static bool settling(const struct sl_source *s)
{
	const struct etcd_source *d = of(s);

	return !d->synced && !d->refused && sl_now_ns() < d->settle_until_ns;
}

static void free_etcd(struct sl_source *src)
{
	struct etcd_source *d = of(src);
	size_t i;

	end_request(d);
	if (d->multi)
		curl_multi_cleanup(d->multi);
	if (d->ep >= 0)
		close(d->ep);
	if (d->curl_timer >= 0)
		close(d->curl_timer);
	if (d->sched >= 0)
		close(d->sched);
	sl_etcd_store_free(&d->store);
	sl_instances_free(&d->all);
	if (d->token)
		explicit_bzero(d->token, strlen(d->token));
	free(d->token);
	free(d->ns_prefix);
	free(d->last_error);
	for (i = 0; i < 16; i++)
		free(d->ep_error[i]);
	free(d->refused);
	sl_source_cfg_release(&src->cfg);
	free(src->name);
	free(d);
}

static const struct sl_source_ops etcd_ops = {
	.fd = fd_of, .dispatch = dispatch, .instances = instances, .problem = problem,
	.failing = failing, .free = free_etcd, .settling = settling,
	.failing_parts = failing_parts,
};

static int watch_fd(int ep, int fd, uint64_t tag)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.u64 = tag };

	return epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev);
}

struct sl_source *sl_source_etcd_open(const struct sl_source_cfg *cfg,
				      const struct sl_ns_cfg *config, size_t max_instances,
				      struct sl_err *err)
{
	struct etcd_source *d = calloc(1, sizeof(*d));
	char label[1024];

	sl_source_cfg_label(cfg, label, sizeof(label));
	if (!d || curl_global_init(CURL_GLOBAL_DEFAULT)) {
		free(d);
		sl_err_set(err, "registry %s: out of memory", label);
		return NULL;
	}
	d->base.ops = &etcd_ops;
	d->ep = d->curl_timer = d->sched = -1;
	d->max_body = max_instances * BYTES_PER_INSTANCE + MIN_BODY;
	if (sl_source_cfg_copy(&d->base.cfg, cfg) ||
	    asprintf(&d->base.name, "registry %s", label) < 0 ||
	    sl_etcd_store_init(&d->store, cfg->prefix, config->namespace, max_instances) ||
	    !(d->ns_prefix = strdup(d->store.ns_prefix))) {
		if (!d->base.name || !d->base.name[0])
			d->base.name = NULL;
		sl_err_set(err, "registry %s: out of memory", label);
		goto fail;
	}
	d->ep = epoll_create1(EPOLL_CLOEXEC);
	d->curl_timer = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
	d->sched = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
	if (d->ep < 0 || d->curl_timer < 0 || d->sched < 0 ||
	    watch_fd(d->ep, d->curl_timer, TAG_CURL_TIMER) || watch_fd(d->ep, d->sched, TAG_SCHED)) {
		sl_err_set(err, "registry %s: event loop: %s", label, strerror(errno));
		goto fail;
	}
	d->multi = curl_multi_init();
	if (!d->multi) {
		sl_err_set(err, "registry %s: out of memory", label);
		goto fail;
	}
	curl_multi_setopt(d->multi, CURLMOPT_SOCKETFUNCTION, on_socket);
	curl_multi_setopt(d->multi, CURLMOPT_SOCKETDATA, d);
	curl_multi_setopt(d->multi, CURLMOPT_TIMERFUNCTION, on_timer);
	curl_multi_setopt(d->multi, CURLMOPT_TIMERDATA, d);
	d->settle_until_ns = sl_now_ns() + ((uint64_t)cfg->timeout_ms * 2 * cfg->nendpoints +
					    SETTLE_MARGIN_MS) * NS_PER_MS;
	start(d);
	arm_sched(d);
	return &d->base;
fail:
	free_etcd(&d->base);
	return NULL;
}
