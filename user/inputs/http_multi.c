// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* http_multi.c: libcurl's multi interface driven from a private epoll fd (curl's sockets, a
 * timerfd for curl's timeout and one for the owner's schedule): requests in, callbacks out. */
#include <curl/curl.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>
#include <sys/epoll.h>
#include <sys/timerfd.h>
#include "inputs/http_multi.h"

#define EVENTS 64
#define ERROR_TYPE_LEN 128
#define MAX_CONNECTIONS 8 /* per host: HTTP/1.1 keep-alive connections reused */

struct transfer {
	struct sl_http *h;
	struct transfer *prev, *next; /* under way */
	CURL *easy;
	struct curl_slist *headers;
	char *body, *userpwd;
	char *buf;
	size_t len, cap, max;
	bool too_long;
	char error_type[ERROR_TYPE_LEN];
	char curl_error[CURL_ERROR_SIZE];
	sl_http_done_fn done;
	void *arg;
};

struct sl_http {
	CURLM *multi;
	int ep, curl_tfd, wake_tfd;
	unsigned in_flight;
	struct transfer *head;
};

static void link_in(struct sl_http *h, struct transfer *t)
{
	t->next = h->head;
	if (h->head)
		h->head->prev = t;
	h->head = t;
	h->in_flight++;
}

static void unlink_out(struct sl_http *h, struct transfer *t)
{
	if (t->prev)
		t->prev->next = t->next;
	else
		h->head = t->next;
	if (t->next)
		t->next->prev = t->prev;
	h->in_flight--;
	curl_multi_remove_handle(h->multi, t->easy);
}

static void timer_set(int fd, uint64_t ns, bool abs)
{
	struct itimerspec its = { 0 };

	if (ns) {
		its.it_value.tv_sec = (time_t)(ns / 1000000000ULL);
		its.it_value.tv_nsec = (long)(ns % 1000000000ULL);
	}
	timerfd_settime(fd, abs ? TFD_TIMER_ABSTIME : 0, &its, NULL);
}

static int on_socket(CURL *easy, curl_socket_t s, int what, void *userp, void *socketp)
{
	struct sl_http *h = userp;
	struct epoll_event ev = { .data.fd = s };

	(void)easy;
	(void)socketp;
	if (what == CURL_POLL_REMOVE) {
		epoll_ctl(h->ep, EPOLL_CTL_DEL, s, NULL);
		return 0;
	}
	ev.events = (what & CURL_POLL_IN ? EPOLLIN : 0) | (what & CURL_POLL_OUT ? EPOLLOUT : 0);
	if (epoll_ctl(h->ep, EPOLL_CTL_MOD, s, &ev) && errno == ENOENT)
		epoll_ctl(h->ep, EPOLL_CTL_ADD, s, &ev); /* else the request ends by its timeout */
	return 0;
}

static int on_timer(CURLM *multi, long timeout_ms, void *userp)
{
	struct sl_http *h = userp;

	(void)multi;
	if (timeout_ms < 0)
		timer_set(h->curl_tfd, 0, false);
	else
		timer_set(h->curl_tfd, timeout_ms ? (uint64_t)timeout_ms * 1000000ULL : 1, false);
	return 0;
}

static size_t on_data(char *p, size_t size, size_t n, void *arg)
{
	struct transfer *t = arg;
	size_t len = size * n;

	if (t->len + len > t->max) {
		t->too_long = true;
		return 0; /* curl ends it: CURLE_WRITE_ERROR */
	}
	if (t->len + len + 1 > t->cap) {
		size_t cap = (t->len + len + 1) * 2;
		char *b = realloc(t->buf, cap > t->max + 1 ? t->max + 1 : cap);

		if (!b)
			return 0;
		t->buf = b;
		t->cap = cap > t->max + 1 ? t->max + 1 : cap;
	}
	memcpy(t->buf + t->len, p, len);
	t->len += len;
	t->buf[t->len] = 0;
	return len;
}

static size_t on_header(char *p, size_t size, size_t n, void *arg)
{
	static const char name[] = "x-amzn-errortype:";
	struct transfer *t = arg;
	size_t len = size * n, k = sizeof(name) - 1, e;

	if (len > k && !strncasecmp(p, name, k)) {
		p += k;
		len -= k;
		while (len && (*p == ' ' || *p == '\t'))
			p++, len--;
		for (e = len; e && (p[e - 1] == '\r' || p[e - 1] == '\n' || p[e - 1] == ' ');)
			e--;
		snprintf(t->error_type, sizeof(t->error_type), "%.*s", (int)e, p);
	}
	return size * n;
}

static void transfer_free(struct transfer *t)
{
	if (t->easy)
		curl_easy_cleanup(t->easy);
	curl_slist_free_all(t->headers);
	if (t->userpwd)
		explicit_bzero(t->userpwd, strlen(t->userpwd));
	free(t->userpwd);
	free(t->body);
	free(t->buf);
	free(t);
}

static int setup(struct transfer *t, const struct sl_http_req *rq)
{
	CURL *e = t->easy;
	const char *const *hd;
	CURLcode bad = CURLE_OK;

	for (hd = rq->headers; hd && *hd; hd++) {
		struct curl_slist *l = curl_slist_append(t->headers, *hd);

		if (!l)
			return -ENOMEM;
		t->headers = l;
	}
	if (rq->body && !(t->body = strdup(rq->body)))
		return -ENOMEM;
	bad |= curl_easy_setopt(e, CURLOPT_URL, rq->url);
	bad |= curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
	bad |= curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
	bad |= curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 0L);
	bad |= curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, (long)rq->timeout_ms);
	bad |= curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, (long)(rq->connect_timeout_ms ?
								   rq->connect_timeout_ms :
								   rq->timeout_ms));
	bad |= curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_data);
	bad |= curl_easy_setopt(e, CURLOPT_WRITEDATA, t);
	bad |= curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, on_header);
	bad |= curl_easy_setopt(e, CURLOPT_HEADERDATA, t);
	bad |= curl_easy_setopt(e, CURLOPT_ERRORBUFFER, t->curl_error);
	bad |= curl_easy_setopt(e, CURLOPT_PRIVATE, t);
	bad |= curl_easy_setopt(e, CURLOPT_HTTPHEADER, t->headers);
	bad |= curl_easy_setopt(e, CURLOPT_USERAGENT, "sluiced");
	if (rq->no_proxy)
		bad |= curl_easy_setopt(e, CURLOPT_PROXY, "");
	if (rq->tls_ca)
		bad |= curl_easy_setopt(e, CURLOPT_CAINFO, rq->tls_ca);
	if (rq->tls_cert) {
		bad |= curl_easy_setopt(e, CURLOPT_SSLCERT, rq->tls_cert);
		bad |= curl_easy_setopt(e, CURLOPT_SSLKEY, rq->tls_key);
	}
	if (t->body) {
		bad |= curl_easy_setopt(e, CURLOPT_POSTFIELDS, t->body);
		bad |= curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE, (long)strlen(t->body));
	}
	if (strcmp(rq->method, "POST") && strcmp(rq->method, "GET"))
		bad |= curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, rq->method);
	if (!strcmp(rq->method, "PUT") && !t->body)
		bad |= curl_easy_setopt(e, CURLOPT_POSTFIELDS, "");
	if (rq->sigv4) {
		if (asprintf(&t->userpwd, "%s:%s", rq->key_id, rq->secret) < 0) {
			t->userpwd = NULL;
			return -ENOMEM;
		}
		bad |= curl_easy_setopt(e, CURLOPT_AWS_SIGV4, rq->sigv4);
		bad |= curl_easy_setopt(e, CURLOPT_USERPWD, t->userpwd);
	}
	return bad ? -EINVAL : 0;
}

int sl_http_start(struct sl_http *h, const struct sl_http_req *rq)
{
	struct transfer *t = calloc(1, sizeof(*t));
	int ret;

	if (!t)
		return -ENOMEM;
	t->h = h;
	t->max = rq->max_body;
	t->done = rq->done;
	t->arg = rq->arg;
	t->easy = curl_easy_init();
	ret = t->easy ? setup(t, rq) : -ENOMEM;
	if (!ret && curl_multi_add_handle(h->multi, t->easy) != CURLM_OK)
		ret = -ENOMEM;
	if (ret) {
		transfer_free(t);
		return ret;
	}
	link_in(h, t);
	return 0;
}

static void finish(struct sl_http *h, struct transfer *t, CURLcode res)
{
	long status = 0;
	const char *why = NULL;

	unlink_out(h, t);
	if (res == CURLE_OK)
		curl_easy_getinfo(t->easy, CURLINFO_RESPONSE_CODE, &status);
	else if (t->too_long)
		why = "answer too long";
	else if (res == CURLE_OPERATION_TIMEDOUT)
		why = "timeout";
	else
		why = t->curl_error[0] ? t->curl_error : curl_easy_strerror(res);
	t->done(t->arg, status, t->buf ? t->buf : "", t->len,
		t->error_type[0] ? t->error_type : NULL, why);
	transfer_free(t);
}

static void harvest(struct sl_http *h)
{
	CURLMsg *m;
	int left;

	while ((m = curl_multi_info_read(h->multi, &left))) {
		struct transfer *t;

		if (m->msg != CURLMSG_DONE)
			continue;
		curl_easy_getinfo(m->easy_handle, CURLINFO_PRIVATE, (char **)&t);
		finish(h, t, m->data.result);
	}
}

static int curl_events(uint32_t ev)
{
	return (ev & EPOLLIN ? CURL_CSELECT_IN : 0) | (ev & EPOLLOUT ? CURL_CSELECT_OUT : 0) |
	       (ev & (EPOLLERR | EPOLLHUP) ? CURL_CSELECT_ERR : 0);
}

void sl_http_dispatch(struct sl_http *h)
{
	struct epoll_event evs[EVENTS];
	uint64_t ticks;
	int n, i, running;

	do {
		n = epoll_wait(h->ep, evs, EVENTS, 0);
		for (i = 0; i < n; i++) {
			int fd = evs[i].data.fd;

			if (fd == h->wake_tfd) {
				if (read(fd, &ticks, sizeof(ticks)) < 0)
					continue;
			} else if (fd == h->curl_tfd) {
				if (read(fd, &ticks, sizeof(ticks)) < 0)
					continue;
				curl_multi_socket_action(h->multi, CURL_SOCKET_TIMEOUT, 0, &running);
			} else {
				curl_multi_socket_action(h->multi, fd, curl_events(evs[i].events),
							 &running);
			}
		}
		harvest(h);
	} while (n == EVENTS);
}

void sl_http_wake_at(struct sl_http *h, uint64_t at_ns)
{
	timer_set(h->wake_tfd, at_ns, true);
}

int sl_http_fd(const struct sl_http *h)
{
	return h->ep;
}

unsigned sl_http_in_flight(const struct sl_http *h)
{
	return h->in_flight;
}

struct sl_http *sl_http_new(void)
{
	struct sl_http *h = calloc(1, sizeof(*h));
	struct epoll_event ev = { .events = EPOLLIN };
	CURLMcode bad = CURLM_OK;

	if (!h)
		return NULL;
	h->ep = h->curl_tfd = h->wake_tfd = -1;
	if (curl_global_init(CURL_GLOBAL_DEFAULT)) {
		free(h);
		errno = ENOMEM;
		return NULL;
	}
	h->multi = curl_multi_init();
	h->ep = epoll_create1(EPOLL_CLOEXEC);
	h->curl_tfd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
	h->wake_tfd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
	if (!h->multi || h->ep < 0 || h->curl_tfd < 0 || h->wake_tfd < 0)
		goto fail;
	ev.data.fd = h->curl_tfd;
	if (epoll_ctl(h->ep, EPOLL_CTL_ADD, h->curl_tfd, &ev))
		goto fail;
	ev.data.fd = h->wake_tfd;
	if (epoll_ctl(h->ep, EPOLL_CTL_ADD, h->wake_tfd, &ev))
		goto fail;
	bad |= curl_multi_setopt(h->multi, CURLMOPT_SOCKETFUNCTION, on_socket);
	bad |= curl_multi_setopt(h->multi, CURLMOPT_SOCKETDATA, h);
	bad |= curl_multi_setopt(h->multi, CURLMOPT_TIMERFUNCTION, on_timer);
	bad |= curl_multi_setopt(h->multi, CURLMOPT_TIMERDATA, h);
	bad |= curl_multi_setopt(h->multi, CURLMOPT_MAX_HOST_CONNECTIONS, (long)MAX_CONNECTIONS);
	if (bad)
		goto fail;
	return h;
fail:
	sl_http_free(h);
	errno = ENOMEM;
	return NULL;
}

void sl_http_free(struct sl_http *h)
{
	if (!h)
		return;
	if (h->multi) {
		while (h->head) {
			struct transfer *t = h->head;

			unlink_out(h, t);
			t->done(t->arg, 0, "", 0, NULL, "cancelled");
			transfer_free(t);
		}
		curl_multi_cleanup(h->multi);
		curl_global_cleanup();
	}
	if (h->ep >= 0)
		close(h->ep);
	if (h->curl_tfd >= 0)
		close(h->curl_tfd);
	if (h->wake_tfd >= 0)
		close(h->wake_tfd);
	free(h);
}
