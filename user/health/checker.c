// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* checker.c: the active health check engine: libcurl's multi interface on a private epoll fd,
 * a timerfd for curl's timeouts and one for the schedule, a min-heap of due checks. */
#include <ctype.h>
#include <curl/curl.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/random.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>
#include "lib/clock.h"
#include "health/checker.h"
#include "health/check_state.h"
#include "lib/log.h"

#define USER_AGENT "sluice-health"
#define MAX_BODY (64 * 1024) /* response bytes read; a longer body is cut, the status kept */
#define MIN_INFLIGHT 16      /* checks in flight at once: half the fd limit, within these */
#define MAX_INFLIGHT 4096
#define EVENTS_PER_DISPATCH 64
#define REASON_LEN 256

/* on_socket must not call back into the checker. */

struct check;

/* One backend to check: a copy of its target, its standing and its place in the schedule. */
struct target {
	uint32_t backend_id;
	struct sl_addr addr;
	uint16_t port;
	struct sl_health_check_cfg cfg; /* deep copy */
	char *service;
	char *url;
	char *host_header;
	char name[SL_ENDPOINT_STRLEN]; /* "a.b.c.d:port" or "[x::y]:port" */
	struct sl_hc_state state;
	char reason[REASON_LEN];        /* why the last check failed */
	struct sl_hc_sched sched;
	struct check *running;          /* the check in flight, or NULL */
	uint64_t gen;                   /* the last sl_checker_set that kept it */
};

/* One check in flight: a curl easy handle and what it found. */
struct check {
	struct sl_checker *c;
	struct target *t;
	CURL *easy;
	struct curl_slist *headers;
	bool refused;     /* on_socket refused its socket */
	bool body_capped; /* the body was cut at MAX_BODY */
	size_t body;
	char errbuf[CURL_ERROR_SIZE];
};

struct sl_checker {
	sl_check_socket_fn on_socket;
	void *ctx;
	int ep;        /* private epoll: curl's sockets and the two timers */
	int curl_tfd;  /* curl's timeout */
	int sched_tfd; /* the first due check */
	bool curl_ready;
	CURLM *multi;
	struct target **targets; /* sorted by backend_id */
	size_t ntargets;
	uint64_t gen;
	struct sl_hc_heap heap;
	size_t inflight, max_inflight;
	unsigned int changed; /* healthy flags that changed in this dispatch */
	uint64_t passes, failures; /* checks ended, since the checker started */
	uint64_t seed;
	struct sl_hc_rand rand;
};

static const char *plural(size_t n)
{
	return n == 1 ? "" : "s";
}

/* xorshift64*: timers need spreading, not secrecy. */
static uint32_t rand_next(void *ctx)
{
	uint64_t *s = ctx;

	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return (uint32_t)((*s * 0x2545F4914F6CDD1DULL) >> 32);
}

static void rand_seed(struct sl_checker *c)
{
	struct timespec ts;

	if (getrandom(&c->seed, sizeof(c->seed), GRND_NONBLOCK) != sizeof(c->seed)) {
		clock_gettime(CLOCK_MONOTONIC, &ts);
		c->seed = (uint64_t)ts.tv_nsec << 20 ^ (uint64_t)ts.tv_sec ^ (uint64_t)getpid();
	}
	if (!c->seed)
		c->seed = 0x9E3779B97F4A7C15ULL;
	c->rand.next = rand_next;
	c->rand.ctx = &c->seed;
}

/* Half the fd limit (a check holds one socket), within MIN_INFLIGHT..MAX_INFLIGHT. */
static size_t inflight_limit(void)
{
	struct rlimit rl;
	rlim_t n;

	if (getrlimit(RLIMIT_NOFILE, &rl) || rl.rlim_cur == RLIM_INFINITY)
		return MAX_INFLIGHT;
	n = rl.rlim_cur / 2;
	return n < MIN_INFLIGHT ? MIN_INFLIGHT : n > MAX_INFLIGHT ? MAX_INFLIGHT : n;
}

static struct target *sched_target(struct sl_hc_sched *s)
{
	return (struct target *)((char *)s - offsetof(struct target, sched));
}

/* ---- timers ---- */

static void timer_set(int tfd, int flags, uint64_t ms)
{
	struct itimerspec its = { .it_value = { (time_t)(ms / 1000), (long)(ms % 1000) * 1000000 } };

	if (!its.it_value.tv_sec && !its.it_value.tv_nsec)
		its.it_value.tv_nsec = 1; /* zero would disarm it */
	timerfd_settime(tfd, flags, &its, NULL);
}

static void timer_stop(int tfd)
{
	struct itimerspec its = {};

	timerfd_settime(tfd, 0, &its, NULL);
}

static void timer_drain(int tfd)
{
	uint64_t n;

	if (read(tfd, &n, sizeof(n)) < 0 && errno != EAGAIN)
		pr_debug("health: timerfd read: %s", strerror(errno));
}

/* Wake for the first due check; not while the in-flight limit is reached (a check that
 * ends runs the schedule again). */
static void arm_schedule(struct sl_checker *c)
{
	struct sl_hc_sched *s = sl_hc_heap_peek(&c->heap);

	if (!s || c->inflight >= c->max_inflight)
		timer_stop(c->sched_tfd);
	else
		timer_set(c->sched_tfd, TFD_TIMER_ABSTIME, s->due_ms);
}

/* ---- curl's callbacks ---- */

/* CURLMOPT_SOCKETFUNCTION: watch a socket on the private epoll as curl asks. */
static int on_curl_socket(CURL *easy, curl_socket_t s, int what, void *userp, void *socketp)
{
	struct sl_checker *c = userp;
	struct epoll_event ev = { .data.fd = s };

	(void)easy;
	(void)socketp;
	if (what == CURL_POLL_REMOVE) {
		epoll_ctl(c->ep, EPOLL_CTL_DEL, s, NULL);
		return 0;
	}
	if (what & CURL_POLL_IN)
		ev.events |= EPOLLIN;
	if (what & CURL_POLL_OUT)
		ev.events |= EPOLLOUT;
	if (epoll_ctl(c->ep, EPOLL_CTL_ADD, s, &ev) && (errno != EEXIST ||
						       epoll_ctl(c->ep, EPOLL_CTL_MOD, s, &ev)))
		/* That check then ends by its timeout. */
		pr_err("health: epoll_ctl of a check socket: %s", strerror(errno));
	return 0;
}

/* CURLMOPT_TIMERFUNCTION: curl wants to be called in timeout_ms (-1: never). */
static int on_curl_timer(CURLM *multi, long timeout_ms, void *userp)
{
	struct sl_checker *c = userp;

	(void)multi;
	if (timeout_ms < 0)
		timer_stop(c->curl_tfd);
	else
		timer_set(c->curl_tfd, 0, (uint64_t)timeout_ms);
	return 0;
}

/* CURLOPT_OPENSOCKETFUNCTION: the check's socket, shown to on_socket before it connects. */
static curl_socket_t open_check_socket(void *clientp, curlsocktype purpose,
				       struct curl_sockaddr *a)
{
	struct check *k = clientp;
	struct sl_checker *c = k->c;
	int fd;

	(void)purpose;
	fd = socket(a->family, a->socktype | SOCK_CLOEXEC, a->protocol);
	if (fd < 0)
		return CURL_SOCKET_BAD;
	if (c->on_socket && c->on_socket(c->ctx, fd)) {
		k->refused = true;
		close(fd);
		return CURL_SOCKET_BAD;
	}
	return fd;
}

/* CURLOPT_WRITEFUNCTION: only the status matters; read a bounded body and drop it. */
static size_t discard_body(char *ptr, size_t size, size_t nmemb, void *userdata)
{
	struct check *k = userdata;
	size_t n = size * nmemb;

	(void)ptr;
	k->body += n;
	if (k->body > MAX_BODY) {
		k->body_capped = true;
		return 0; /* ends the transfer with CURLE_WRITE_ERROR */
	}
	return n;
}

/* ---- checks ---- */

static int set_common_options(struct check *k)
{
	const struct target *t = k->t;
	long timeout = t->cfg.timeout_ms ? (long)t->cfg.timeout_ms : 1;
	CURL *e = k->easy;
	int bad = 0;

	bad |= curl_easy_setopt(e, CURLOPT_URL, t->url);
	bad |= curl_easy_setopt(e, CURLOPT_PRIVATE, k);
	bad |= curl_easy_setopt(e, CURLOPT_ERRORBUFFER, k->errbuf);
	bad |= curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http");
	bad |= curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
	bad |= curl_easy_setopt(e, CURLOPT_PROXY, "");
	bad |= curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, timeout);
	bad |= curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, timeout);
	bad |= curl_easy_setopt(e, CURLOPT_FORBID_REUSE, 1L);
	bad |= curl_easy_setopt(e, CURLOPT_FRESH_CONNECT, 1L);
	bad |= curl_easy_setopt(e, CURLOPT_OPENSOCKETFUNCTION, open_check_socket);
	bad |= curl_easy_setopt(e, CURLOPT_OPENSOCKETDATA, k);
	return bad ? -EINVAL : 0;
}

static int set_http_options(struct check *k)
{
	CURL *e = k->easy;
	int bad = 0;

	k->headers = curl_slist_append(NULL, k->t->host_header);
	if (!k->headers)
		return -ENOMEM;
	bad |= curl_easy_setopt(e, CURLOPT_HTTPHEADER, k->headers);
	bad |= curl_easy_setopt(e, CURLOPT_USERAGENT, USER_AGENT);
	bad |= curl_easy_setopt(e, CURLOPT_HTTP_VERSION, (long)CURL_HTTP_VERSION_1_1);
	bad |= curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 0L);
	bad |= curl_easy_setopt(e, CURLOPT_PATH_AS_IS, 1L);
	bad |= curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, discard_body);
	bad |= curl_easy_setopt(e, CURLOPT_WRITEDATA, k);
	return bad ? -EINVAL : 0;
}

static int set_options(struct check *k)
{
	int ret = set_common_options(k);

	if (ret)
		return ret;
	if (k->t->cfg.proto == SL_HC_HTTP)
		return set_http_options(k);
	/* TCP: passes once connected. */
	return curl_easy_setopt(k->easy, CURLOPT_CONNECT_ONLY, 1L) ? -EINVAL : 0;
}

static int start_check(struct sl_checker *c, struct target *t)
{
	struct check *k = calloc(1, sizeof(*k));
	int ret = -ENOMEM;

	if (!k)
		return -ENOMEM;
	k->c = c;
	k->t = t;
	k->easy = curl_easy_init();
	if (!k->easy)
		goto fail;
	ret = set_options(k);
	if (ret)
		goto fail;
	if (curl_multi_add_handle(c->multi, k->easy) != CURLM_OK) {
		ret = -ENOMEM;
		goto fail;
	}
	t->running = k;
	c->inflight++;
	return 0;
fail:
	curl_easy_cleanup(k->easy);
	curl_slist_free_all(k->headers);
	free(k);
	return ret;
}

/* End a check, done or not: its socket closes and leaves the epoll. */
static void drop_check(struct sl_checker *c, struct check *k)
{
	curl_multi_remove_handle(c->multi, k->easy);
	curl_easy_cleanup(k->easy);
	curl_slist_free_all(k->headers);
	k->t->running = NULL;
	c->inflight--;
	free(k);
}

/* What curl's error means, briefly: "connection refused", "timed out after 2000 ms". */
static void describe_error(const struct check *k, CURLcode res, char *buf, size_t len)
{
	long oserr = 0;

	if (res == CURLE_OPERATION_TIMEDOUT) {
		snprintf(buf, len, "timed out after %u ms", k->t->cfg.timeout_ms);
		return;
	}
	curl_easy_getinfo(k->easy, CURLINFO_OS_ERRNO, &oserr);
	if (res == CURLE_COULDNT_CONNECT && oserr)
		snprintf(buf, len, "%s", strerror((int)oserr));
	else
		snprintf(buf, len, "%s", k->errbuf[0] ? k->errbuf : curl_easy_strerror(res));
	buf[0] = (char)tolower((unsigned char)buf[0]);
}

/* Pass or fail, and why in reason. */
static bool judge(const struct check *k, CURLcode res, char *reason, size_t len)
{
	long status = 0;

	if (k->refused) {
		snprintf(reason, len, "the check socket was refused");
		return false;
	}
	if (res == CURLE_WRITE_ERROR && k->body_capped)
		res = CURLE_OK;
	if (res != CURLE_OK) {
		describe_error(k, res, reason, len);
		return false;
	}
	if (k->t->cfg.proto != SL_HC_HTTP) {
		snprintf(reason, len, "connected");
		return true;
	}
	curl_easy_getinfo(k->easy, CURLINFO_RESPONSE_CODE, &status);
	snprintf(reason, len, "HTTP status %ld", status);
	return sl_hc_status_ok(&k->t->cfg, status);
}

static void record(struct sl_checker *c, struct target *t, bool pass, const char *reason)
{
	const struct sl_hc_state *s = &t->state;

	if (pass)
		c->passes++;
	else
		c->failures++;
	if (!pass) {
		snprintf(t->reason, sizeof(t->reason), "%s", reason);
		pr_debug("health: service %s backend %s: check failed: %s", t->service, t->name,
			 reason);
	}
	if (!sl_hc_state_record(&t->state, &t->cfg, pass))
		return;
	if (s->healthy)
		pr_info("health: service %s backend %s is now healthy (%u check%s passed)",
			t->service, t->name, s->passes, plural(s->passes));
	else
		pr_info("health: service %s backend %s is now unhealthy (%u check%s failed: %s)",
			t->service, t->name, s->failures, plural(s->failures), t->reason);
	c->changed++;
}

static void finish_check(struct sl_checker *c, struct check *k, CURLcode res)
{
	struct target *t = k->t;
	char reason[REASON_LEN];
	bool pass = judge(k, res, reason, sizeof(reason));

	drop_check(c, k);
	record(c, t, pass, reason);
}

static void harvest(struct sl_checker *c)
{
	CURLMsg *m;
	int left;

	while ((m = curl_multi_info_read(c->multi, &left))) {
		CURLcode res = m->data.result;
		void *k = NULL;

		if (m->msg != CURLMSG_DONE)
			continue;
		curl_easy_getinfo(m->easy_handle, CURLINFO_PRIVATE, &k);
		if (k)
			finish_check(c, k, res);
	}
}

/* Start the checks that are due, within the in-flight limit. */
static void run_due(struct sl_checker *c)
{
	uint64_t now = sl_now_ms();
	struct sl_hc_sched *s;

	while ((s = sl_hc_heap_peek(&c->heap)) && s->due_ms <= now) {
		struct target *t = sched_target(s);

		if (t->running)
			pr_debug("health: service %s backend %s: the last check still runs",
				 t->service, t->name);
		else if (c->inflight >= c->max_inflight)
			break;
		else if (start_check(c, t))
			pr_warn("health: service %s backend %s: cannot start a check", t->service,
				t->name);
		sl_hc_heap_update(&c->heap, s, now + sl_hc_next_delay_ms(t->cfg.interval_ms,
									  &c->rand));
	}
	arm_schedule(c);
}

static int curl_events(uint32_t ev)
{
	int mask = 0;

	if (ev & EPOLLIN)
		mask |= CURL_CSELECT_IN;
	if (ev & EPOLLOUT)
		mask |= CURL_CSELECT_OUT;
	if (ev & (EPOLLERR | EPOLLHUP))
		mask |= CURL_CSELECT_ERR;
	return mask;
}

unsigned int sl_checker_dispatch(struct sl_checker *c)
{
	struct epoll_event evs[EVENTS_PER_DISPATCH];
	int n, i, running;

	c->changed = 0;
	n = epoll_wait(c->ep, evs, EVENTS_PER_DISPATCH, 0);
	for (i = 0; i < n; i++) {
		int fd = evs[i].data.fd;

		if (fd == c->sched_tfd) {
			timer_drain(fd);
		} else if (fd == c->curl_tfd) {
			timer_drain(fd);
			curl_multi_socket_action(c->multi, CURL_SOCKET_TIMEOUT, 0, &running);
		} else {
			curl_multi_socket_action(c->multi, fd, curl_events(evs[i].events),
						 &running);
		}
	}
	harvest(c);
	run_due(c);
	return c->changed;
}

int sl_checker_fd(const struct sl_checker *c)
{
	return c->ep;
}

/* ---- targets ---- */

static struct target *find_target(const struct sl_checker *c, uint32_t id)
{
	size_t lo = 0, hi = c->ntargets;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		struct target *t = c->targets[mid];

		if (t->backend_id == id)
			return t;
		if (t->backend_id < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

static const char *service_name(const struct sl_check_target *in)
{
	return in->service ? in->service : "?";
}

static bool same_target(const struct target *t, const struct sl_check_target *in)
{
	return sl_addr_eq(&t->addr, &in->addr) && t->port == in->port &&
	       sl_hc_cfg_eq(&t->cfg, in->cfg);
}

static void target_free(struct target *t)
{
	if (!t)
		return;
	free(t->cfg.path);
	free(t->cfg.expect);
	free(t->service);
	free(t->url);
	free(t->host_header);
	free(t);
}

static int copy_cfg(struct sl_health_check_cfg *dst, const struct sl_health_check_cfg *src)
{
	*dst = *src;
	dst->path = strdup(src->path ? src->path : "/");
	dst->expect = NULL;
	if (!dst->path)
		return -ENOMEM;
	if (!src->nexpect)
		return 0;
	dst->expect = calloc(src->nexpect, sizeof(*dst->expect));
	if (!dst->expect)
		return -ENOMEM;
	memcpy(dst->expect, src->expect, src->nexpect * sizeof(*dst->expect));
	return 0;
}

static struct target *target_new(const struct sl_check_target *in)
{
	struct target *t = calloc(1, sizeof(*t));

	if (!t)
		return NULL;
	t->backend_id = in->backend_id;
	t->addr = in->addr;
	t->port = in->port;
	t->sched.pos = SL_HC_NOT_QUEUED;
	sl_hc_state_init(&t->state);
	t->state.healthy = !in->start_unhealthy;
	sl_endpoint_format(&t->addr, t->port, t->name, sizeof(t->name));
	if (copy_cfg(&t->cfg, in->cfg) || !(t->service = strdup(service_name(in))))
		goto fail;
	/* asprintf leaves its pointer undefined on failure. */
	if (asprintf(&t->url, "http://%s%s", t->name, t->cfg.path) < 0) {
		t->url = NULL;
		goto fail;
	}
	if (asprintf(&t->host_header, "Host: %s", t->name) < 0) {
		t->host_header = NULL;
		goto fail;
	}
	return t;
fail:
	target_free(t);
	return NULL;
}

static void target_remove(struct sl_checker *c, struct target *t)
{
	if (t->running)
		drop_check(c, t->running);
	sl_hc_heap_remove(&c->heap, &t->sched);
	target_free(t);
}

/* One entry of the new set, prepared before anything is committed. */
struct slot {
	struct target *t;
	bool fresh;   /* t is new */
	char *rename; /* a kept target's new service name, or NULL */
};

static int cmp_index(const void *a, const void *b, void *arg)
{
	const struct sl_check_target *in = arg;
	size_t x = *(const size_t *)a, y = *(const size_t *)b;

	if (in[x].backend_id != in[y].backend_id)
		return in[x].backend_id < in[y].backend_id ? -1 : 1;
	return x < y ? -1 : x > y;
}

/* The input's indices by backend id, first of each id only: its count. */
static size_t unique_order(const struct sl_check_target *in, size_t n, size_t *idx)
{
	size_t i, m = 0;

	for (i = 0; i < n; i++)
		idx[i] = i;
	qsort_r(idx, n, sizeof(*idx), cmp_index, (void *)in);
	for (i = 0; i < n; i++) {
		if (!in[idx[i]].cfg)
			continue;
		if (m && in[idx[m - 1]].backend_id == in[idx[i]].backend_id) {
			pr_debug("health: backend id %u given twice; the first one is checked",
				 in[idx[i]].backend_id);
			continue;
		}
		idx[m++] = idx[i];
	}
	return m;
}

static void slots_free(struct slot *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (s[i].fresh)
			target_free(s[i].t);
		free(s[i].rename);
	}
	free(s);
}

/* Fill s[k] for in: the kept target or a new one. 0 or -ENOMEM. */
static int prepare_slot(const struct sl_checker *c, const struct sl_check_target *in,
			struct slot *s)
{
	struct target *old = find_target(c, in->backend_id);

	if (old && same_target(old, in)) {
		s->t = old;
		if (!strcmp(old->service, service_name(in)))
			return 0;
		s->rename = strdup(service_name(in));
		return s->rename ? 0 : -ENOMEM;
	}
	s->t = target_new(in);
	s->fresh = true;
	return s->t ? 0 : -ENOMEM;
}

/* Everything that can fail: the slots, room in the heap and for changes. */
static int prepare(struct sl_checker *c, const struct sl_check_target *in, size_t n,
		   struct slot **out, size_t *nout)
{
	size_t *idx = calloc(n ? n : 1, sizeof(*idx));
	struct slot *s = NULL;
	size_t m = 0, i;
	int ret = -ENOMEM;

	if (!idx)
		return -ENOMEM;
	m = unique_order(in, n, idx);
	s = calloc(m ? m : 1, sizeof(*s));
	if (!s)
		goto out;
	for (i = 0; i < m; i++)
		if (prepare_slot(c, &in[idx[i]], &s[i]))
			goto out;
	if (sl_hc_heap_reserve(&c->heap, m))
		goto out;
	*out = s;
	*nout = m;
	s = NULL;
	ret = 0;
out:
	if (s)
		slots_free(s, m);
	free(idx);
	return ret;
}

int sl_checker_set(struct sl_checker *c, const struct sl_check_target *in, size_t n)
{
	struct target **v;
	struct slot *s;
	uint64_t now = sl_now_ms();
	size_t m, i;
	int ret;

	ret = prepare(c, in, n, &s, &m);
	if (ret)
		return ret;
	v = calloc(m ? m : 1, sizeof(*v));
	if (!v) {
		slots_free(s, m);
		return -ENOMEM;
	}
	c->gen++;
	for (i = 0; i < m; i++) {
		v[i] = s[i].t;
		v[i]->gen = c->gen;
	}
	for (i = 0; i < c->ntargets; i++)
		if (c->targets[i]->gen != c->gen)
			target_remove(c, c->targets[i]);
	for (i = 0; i < m; i++) {
		if (s[i].rename) {
			free(v[i]->service);
			v[i]->service = s[i].rename;
		}
		if (s[i].fresh)
			sl_hc_heap_push(&c->heap, &v[i]->sched,
					now + sl_hc_first_delay_ms(v[i]->cfg.interval_ms, &c->rand));
	}
	free(s);
	free(c->targets);
	c->targets = v;
	c->ntargets = m;
	arm_schedule(c);
	return 0;
}

int sl_checker_status(const struct sl_checker *c, uint32_t backend_id)
{
	const struct target *t = find_target(c, backend_id);

	return t ? t->state.healthy : -ENOENT;
}

void sl_checker_totals(const struct sl_checker *c, uint64_t *passes, uint64_t *failures)
{
	*passes = c->passes;
	*failures = c->failures;
}

size_t sl_checker_count(const struct sl_checker *c)
{
	return c->ntargets;
}

/* ---- life ---- */

static int watch(int ep, int fd)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.fd = fd };

	return epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev);
}

static int open_fds(struct sl_checker *c, struct sl_err *err)
{
	c->ep = epoll_create1(EPOLL_CLOEXEC);
	if (c->ep < 0)
		return sl_err_set(err, "health checks: epoll_create1: %s", strerror(errno));
	c->curl_tfd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	c->sched_tfd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	if (c->curl_tfd < 0 || c->sched_tfd < 0)
		return sl_err_set(err, "health checks: timerfd_create: %s", strerror(errno));
	if (watch(c->ep, c->curl_tfd) || watch(c->ep, c->sched_tfd))
		return sl_err_set(err, "health checks: epoll_ctl: %s", strerror(errno));
	return 0;
}

static int open_multi(struct sl_checker *c, struct sl_err *err)
{
	int bad = 0;

	if (curl_global_init(CURL_GLOBAL_DEFAULT))
		return sl_err_set(err, "health checks: curl_global_init failed");
	c->curl_ready = true;
	c->multi = curl_multi_init();
	if (!c->multi)
		return sl_err_set(err, "health checks: curl_multi_init failed");
	bad |= curl_multi_setopt(c->multi, CURLMOPT_SOCKETFUNCTION, on_curl_socket);
	bad |= curl_multi_setopt(c->multi, CURLMOPT_SOCKETDATA, c);
	bad |= curl_multi_setopt(c->multi, CURLMOPT_TIMERFUNCTION, on_curl_timer);
	bad |= curl_multi_setopt(c->multi, CURLMOPT_TIMERDATA, c);
	if (bad)
		return sl_err_set(err, "health checks: curl_multi_setopt failed");
	return 0;
}

struct sl_checker *sl_checker_new(sl_check_socket_fn on_socket, void *ctx, struct sl_err *err)
{
	struct sl_checker *c = calloc(1, sizeof(*c));

	if (!c) {
		sl_err_set(err, "health checks: out of memory");
		return NULL;
	}
	c->on_socket = on_socket;
	c->ctx = ctx;
	c->ep = c->curl_tfd = c->sched_tfd = -1;
	c->max_inflight = inflight_limit();
	rand_seed(c);
	if (open_fds(c, err) || open_multi(c, err)) {
		sl_checker_free(c);
		return NULL;
	}
	return c;
}

static void close_fd(int fd)
{
	if (fd >= 0)
		close(fd);
}

void sl_checker_free(struct sl_checker *c)
{
	size_t i;

	if (!c)
		return;
	for (i = 0; i < c->ntargets; i++)
		target_remove(c, c->targets[i]);
	free(c->targets);
	if (c->multi)
		curl_multi_cleanup(c->multi);
	if (c->curl_ready)
		curl_global_cleanup();
	close_fd(c->ep);
	close_fd(c->curl_tfd);
	close_fd(c->sched_tfd);
	sl_hc_heap_free(&c->heap);
	free(c);
}
