/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* http_multi.h: HTTP requests under way at once through libcurl's multi interface, on one
 * private epoll fd (curl's sockets, its timeout's timerfd and a wake-up timerfd): no blocking. */
#ifndef SL_HTTP_MULTI_H
#define SL_HTTP_MULTI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct sl_http;

/* A request's outcome: status 0 when there was no answer (curl_error says why); body (NUL
 * ended, len bytes) and the x-amzn-ErrorType header (or NULL) live for the call. */
typedef void (*sl_http_done_fn)(void *arg, long status, const char *body, size_t len,
				const char *error_type, const char *curl_error);

struct sl_http_req {
	const char *method;       /* "GET", "PUT", "POST" */
	const char *url;
	const char *const *headers; /* "Name: value", NULL-ended; may be NULL */
	const char *body;         /* PUT and POST, NULL: none */
	const char *sigv4;        /* CURLOPT_AWS_SIGV4 ("aws:amz:REGION:SERVICE"), or NULL */
	const char *key_id, *secret; /* the signing keys, with sigv4 */
	bool no_proxy;            /* the link-local credential endpoints: never through a proxy */
	const char *tls_ca;       /* PEM files: the CAs to check the server against (NULL: the
				   * system's), a client certificate and its key (or NULL) */
	const char *tls_cert, *tls_key;
	uint32_t timeout_ms;
	uint32_t connect_timeout_ms; /* 0: timeout_ms */
	size_t max_body;          /* a longer answer fails ("answer too long") */
	sl_http_done_fn done;
	void *arg;
};

/* NULL when out of memory or curl cannot start (errno set). */
struct sl_http *sl_http_new(void);
/* Every request left is called back with status 0, "cancelled". */
void sl_http_free(struct sl_http *h);
int sl_http_fd(const struct sl_http *h);
/* Start a request (everything in rq is copied): 0, or -errno (not called back). */
int sl_http_start(struct sl_http *h, const struct sl_http_req *rq);
/* Do what is ready: the requests done are called back. */
void sl_http_dispatch(struct sl_http *h);
/* Make the fd readable at (CLOCK_MONOTONIC ns, sl_now_ns) at the latest; 0: not at all. */
void sl_http_wake_at(struct sl_http *h, uint64_t at_ns);
unsigned sl_http_in_flight(const struct sl_http *h);

#endif
