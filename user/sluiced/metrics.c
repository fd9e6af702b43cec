// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* metrics.c: the HTTP endpoint. Its thread never touches the daemon's state: a scrape asks the
 * loop (an eventfd) and waits, bounded, for the text the loop renders; health is a heartbeat. */
#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/eventfd.h>
#include <microhttpd.h>
#include "lib/addr.h"
#include "lib/clock.h"
#include "lib/log.h"
#include "sluiced/metrics.h"

#define RENDER_WAIT_MS 5000      /* a scrape waits this long for the loop, then gets 503 */
#define HEALTHY_BEAT_MS 10000    /* /healthz fails when the loop has not turned for this long */
#define CONTENT_TYPE "text/plain; version=0.0.4; charset=utf-8"

struct sl_metrics {
	struct MHD_Daemon *httpd;
	int efd;                 /* the loop's: a scrape wants a render */
	pthread_mutex_t mu;
	pthread_cond_t cv;
	uint64_t asked, answered; /* renders asked for and answered */
	char *text;              /* the last rendered text */
	uint64_t beat_ms;        /* the loop's last turn (atomic) */
	int ready;               /* atomic */
};

static enum MHD_Result reply(struct MHD_Connection *c, unsigned status, const char *body,
			     const char *type)
{
	struct MHD_Response *r = MHD_create_response_from_buffer(strlen(body), (void *)body,
								 MHD_RESPMEM_MUST_COPY);
	enum MHD_Result ret;

	if (!r)
		return MHD_NO;
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, type);
	ret = MHD_queue_response(c, status, r);
	MHD_destroy_response(r);
	return ret;
}

/* Ask the loop for a render and wait for it (bounded); a copy of the text, or NULL. */
static char *fresh_text(struct sl_metrics *m)
{
	uint64_t one = 1, want;
	struct timespec until;
	char *copy = NULL;

	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += RENDER_WAIT_MS / 1000;
	pthread_mutex_lock(&m->mu);
	want = ++m->asked;
	if (write(m->efd, &one, sizeof(one)) != sizeof(one))
		goto out;
	while (m->answered < want)
		if (pthread_cond_timedwait(&m->cv, &m->mu, &until) == ETIMEDOUT)
			goto out;
	if (m->text)
		copy = strdup(m->text);
out:
	pthread_mutex_unlock(&m->mu);
	return copy;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url,
				  const char *method, const char *version, const char *data,
				  size_t *size, void **state)
{
	struct sl_metrics *m = cls;
	enum MHD_Result ret;
	char *text;

	(void)version;
	(void)data;
	(void)size;
	(void)state;
	if (strcmp(method, "GET") && strcmp(method, "HEAD"))
		return reply(c, MHD_HTTP_METHOD_NOT_ALLOWED, "GET only\n", "text/plain");
	if (!strcmp(url, "/healthz")) {
		bool turns = sl_now_ms() - __atomic_load_n(&m->beat_ms, __ATOMIC_RELAXED) <
			     HEALTHY_BEAT_MS;

		return reply(c, turns ? MHD_HTTP_OK : MHD_HTTP_SERVICE_UNAVAILABLE,
			     turns ? "ok\n" : "the event loop does not turn\n", "text/plain");
	}
	if (!strcmp(url, "/readyz")) {
		bool ready = __atomic_load_n(&m->ready, __ATOMIC_RELAXED);

		return reply(c, ready ? MHD_HTTP_OK : MHD_HTTP_SERVICE_UNAVAILABLE,
			     ready ? "ready\n" : "not ready: see sluicectl status\n", "text/plain");
	}
	if (strcmp(url, "/metrics"))
		return reply(c, MHD_HTTP_NOT_FOUND, "/metrics, /healthz or /readyz\n", "text/plain");
	text = fresh_text(m);
	if (!text)
		return reply(c, MHD_HTTP_SERVICE_UNAVAILABLE, "no metrics: the loop did not answer\n",
			     "text/plain");
	ret = reply(c, MHD_HTTP_OK, text, CONTENT_TYPE);
	free(text);
	return ret;
}

int sl_metrics_fd(const struct sl_metrics *m)
{
	return m->efd;
}

bool sl_metrics_wanted(struct sl_metrics *m)
{
	uint64_t n;

	return read(m->efd, &n, sizeof(n)) == sizeof(n);
}

void sl_metrics_answer(struct sl_metrics *m, char *text)
{
	pthread_mutex_lock(&m->mu);
	free(m->text);
	m->text = text;
	m->answered = m->asked;
	pthread_cond_broadcast(&m->cv);
	pthread_mutex_unlock(&m->mu);
}

void sl_metrics_beat(struct sl_metrics *m, bool ready)
{
	__atomic_store_n(&m->beat_ms, sl_now_ms(), __ATOMIC_RELAXED);
	__atomic_store_n(&m->ready, ready, __ATOMIC_RELAXED);
}

static void log_mhd(void *cls, const char *fmt, va_list ap)
{
	char line[512];

	(void)cls;
	vsnprintf(line, sizeof(line), fmt, ap);
	pr_warn("metrics: %s", line);
}

int sl_metrics_open(struct sl_metrics **out, const char *listen, struct sl_err *err)
{
	struct sl_metrics *m = calloc(1, sizeof(*m));
	struct sockaddr_in6 sa6 = { .sin6_family = AF_INET6 };
	struct sockaddr_in sa4 = { .sin_family = AF_INET };
	unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ERROR_LOG;
	struct sockaddr *sa;
	struct sl_addr a;
	uint16_t port;

	*out = NULL;
	if (!m)
		return sl_err_set(err, "metrics: out of memory");
	if (sl_endpoint_parse(listen, &a, &port)) {
		free(m);
		return sl_err_set(err, "metrics: listen %s: not ADDRESS:PORT", listen);
	}
	if (sl_addr_is_v4(&a)) {
		sa4.sin_addr.s_addr = a.a[3];
		sa4.sin_port = htons(port);
		sa = (struct sockaddr *)&sa4;
	} else {
		memcpy(&sa6.sin6_addr, a.a, sizeof(a.a));
		sa6.sin6_port = htons(port);
		sa = (struct sockaddr *)&sa6;
		flags |= MHD_USE_IPv6;
	}
	pthread_mutex_init(&m->mu, NULL);
	pthread_cond_init(&m->cv, NULL);
	m->beat_ms = sl_now_ms();
	m->efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (m->efd < 0) {
		sl_metrics_free(m);
		return sl_err_set(err, "metrics: eventfd: %s", strerror(errno));
	}
	m->httpd = MHD_start_daemon(flags, port, NULL, NULL, on_request, m,
				    MHD_OPTION_EXTERNAL_LOGGER, log_mhd, NULL,
				    MHD_OPTION_SOCK_ADDR, sa, MHD_OPTION_CONNECTION_TIMEOUT, 10U,
				    MHD_OPTION_CONNECTION_LIMIT, 64U, MHD_OPTION_END);
	if (!m->httpd) {
		int e = errno;

		sl_metrics_free(m);
		return sl_err_set(err, "metrics: cannot serve on %s: %s", listen,
				  e ? strerror(e) : "libmicrohttpd refused");
	}
	*out = m;
	return 0;
}

void sl_metrics_free(struct sl_metrics *m)
{
	if (!m)
		return;
	if (m->httpd)
		MHD_stop_daemon(m->httpd);
	if (m->efd >= 0)
		close(m->efd);
	pthread_cond_destroy(&m->cv);
	pthread_mutex_destroy(&m->mu);
	free(m->text);
	free(m);
}
