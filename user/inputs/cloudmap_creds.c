// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* cloudmap_creds.c: credentials fetched as the SDKs fetch them: the ECS endpoint (GET, its
 * authorization token), or IMDSv2 (PUT a token, GET the role, GET its credentials). */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "inputs/cloudmap_creds.h"
#include "lib/clock.h"
#include "lib/fsutil.h"
#include "lib/log.h"

#define DOC_MAX (64 * 1024)
#define IMDS_TOKEN_TTL "21600"
#define ROLE_MAX 128
#define NS_PER_MS 1000000ULL
#define NS_PER_S 1000000000ULL

enum stage { IDLE, ECS_GET, IMDS_TOKEN, IMDS_ROLE, IMDS_CREDS };

struct sl_cm_creds {
	struct sl_http *h;
	char *label;
	uint32_t timeout_ms;
	struct sl_aws_chain chain;
	struct sl_aws_creds cur;  /* the last fetched (or the environment's) */
	time_t refresh_at;        /* wall clock; 0: never */
	enum stage stage;         /* of the fetch under way */
	bool settled, closing;
	unsigned failures;
	uint64_t retry_ns;        /* monotonic: no fetch before */
	char *imds_token, *role;
	char *problem;            /* of the last fetch, NULL: it worked */
};

static void set_problem(struct sl_cm_creds *c, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* A fetch failed: said once per change of cause; tried again after a backoff. */
static void set_problem(struct sl_cm_creds *c, const char *fmt, ...)
{
	char buf[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	c->stage = IDLE;
	c->settled = true;
	c->retry_ns = sl_now_ns() + sl_aws_retry_ms(c->failures++, time(NULL), c->cur.expires) *
				    NS_PER_MS;
	if (c->problem && !strcmp(c->problem, buf))
		return;
	if (sl_aws_creds_valid(&c->cur, time(NULL)))
		pr_warn("%s: credentials (%s): %s; the current ones serve until they expire",
			c->label, sl_aws_provider_name(c->chain.kind), buf);
	else
		pr_warn("%s: credentials (%s): %s", c->label, sl_aws_provider_name(c->chain.kind),
			buf);
	free(c->problem);
	c->problem = strdup(buf);
}

static void took(struct sl_cm_creds *c, struct sl_aws_creds *fresh)
{
	time_t now = time(NULL);
	char when[32];
	struct tm tm;

	sl_aws_creds_free(&c->cur);
	c->cur = *fresh;
	c->refresh_at = sl_aws_refresh_at(now, c->cur.expires);
	c->stage = IDLE;
	c->settled = true;
	c->failures = 0;
	c->retry_ns = 0;
	gmtime_r(&c->cur.expires, &tm);
	strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm);
	if (c->problem)
		pr_info("%s: credentials (%s) fetched again, key %s, expiring %s", c->label,
			sl_aws_provider_name(c->chain.kind), c->cur.key_id, when);
	else
		pr_debug("%s: credentials (%s): key %s, expiring %s", c->label,
			 sl_aws_provider_name(c->chain.kind), c->cur.key_id, when);
	free(c->problem);
	c->problem = NULL;
}

static void on_done(void *arg, long status, const char *body, size_t len, const char *etype,
		    const char *cerr);

static void get(struct sl_cm_creds *c, enum stage stage, const char *method, const char *url,
		const char *const *headers)
{
	struct sl_http_req rq = {
		.method = method, .url = url, .headers = headers, .no_proxy = true,
		.timeout_ms = c->timeout_ms, .max_body = DOC_MAX, .done = on_done, .arg = c,
	};
	int ret;

	c->stage = stage;
	ret = sl_http_start(c->h, &rq);
	if (ret)
		set_problem(c, "cannot start a request: %s", strerror(-ret));
}

/* The ECS endpoint, with the authorization token of a full URI (from its file first). */
static void ecs_get(struct sl_cm_creds *c)
{
	char *tok = NULL, *hdr = NULL;
	const char *headers[2] = { NULL, NULL };
	size_t len;
	int ret;

	if (c->chain.auth_token_file) {
		ret = sl_read_file(c->chain.auth_token_file, 16384, &tok, &len);
		if (ret)
			return set_problem(c, "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE %s: %s",
					   c->chain.auth_token_file, strerror(-ret));
		tok[strcspn(tok, "\r\n")] = 0;
	}
	if ((tok || c->chain.auth_token) &&
	    asprintf(&hdr, "Authorization: %s", tok ? tok : c->chain.auth_token) < 0)
		hdr = NULL;
	headers[0] = hdr;
	get(c, ECS_GET, "GET", c->chain.url, headers);
	free(hdr);
	free(tok);
}

static void imds_token(struct sl_cm_creds *c)
{
	static const char *const headers[] = {
		"X-aws-ec2-metadata-token-ttl-seconds: " IMDS_TOKEN_TTL, NULL };
	char url[600];

	snprintf(url, sizeof(url), "%s/latest/api/token", c->chain.url);
	get(c, IMDS_TOKEN, "PUT", url, headers);
}

static void imds_get(struct sl_cm_creds *c, enum stage stage)
{
	char url[800], *hdr;
	const char *headers[2] = { NULL, NULL };

	snprintf(url, sizeof(url), "%s/latest/meta-data/iam/security-credentials/%s",
		 c->chain.url, stage == IMDS_CREDS ? c->role : "");
	if (asprintf(&hdr, "X-aws-ec2-metadata-token: %s", c->imds_token) < 0)
		return set_problem(c, "out of memory");
	headers[0] = hdr;
	get(c, stage, "GET", url, headers);
	free(hdr);
}

static bool role_char(char ch)
{
	return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
	       strchr("+=,.@_-", ch);
}

/* The first line of the role listing, an IAM role's name. */
static char *role_of(const char *body)
{
	size_t n = strcspn(body, "\r\n"), i;

	if (!n || n > ROLE_MAX)
		return NULL;
	for (i = 0; i < n; i++)
		if (!role_char(body[i]))
			return NULL;
	return strndup(body, n);
}

static const char *stage_name(enum stage s)
{
	switch (s) {
	case ECS_GET:
		return "GET";
	case IMDS_TOKEN:
		return "PUT /latest/api/token";
	case IMDS_ROLE:
		return "GET /latest/meta-data/iam/security-credentials/";
	case IMDS_CREDS:
		return "GET /latest/meta-data/iam/security-credentials/ROLE";
	case IDLE:
		break;
	}
	return "";
}

static void on_done(void *arg, long status, const char *body, size_t len, const char *etype,
		    const char *cerr)
{
	struct sl_cm_creds *c = arg;
	struct sl_aws_creds fresh;
	struct sl_err err = { 0 };
	enum stage st = c->stage;

	(void)etype;
	if (c->closing)
		return;
	if (!status)
		return set_problem(c, "%s %s: %s", stage_name(st), c->chain.url, cerr);
	if (status != 200)
		return set_problem(c, "%s: HTTP %ld", stage_name(st), status);
	switch (st) {
	case IMDS_TOKEN:
		free(c->imds_token);
		c->imds_token = strndup(body, strcspn(body, "\r\n"));
		if (!c->imds_token || !*c->imds_token || strpbrk(c->imds_token, ":"))
			return set_problem(c, "%s: no token in the answer", stage_name(st));
		return imds_get(c, IMDS_ROLE);
	case IMDS_ROLE:
		free(c->role);
		c->role = role_of(body);
		if (!c->role)
			return set_problem(c, "%s: no IAM role (is an instance profile attached?)",
					   stage_name(st));
		return imds_get(c, IMDS_CREDS);
	case ECS_GET:
	case IMDS_CREDS:
		if (sl_aws_creds_parse(body, len, st == IMDS_CREDS, &fresh, &err))
			return set_problem(c, "%s", err.msg);
		return took(c, &fresh);
	case IDLE:
		break;
	}
}

uint64_t sl_cm_creds_tick(struct sl_cm_creds *c)
{
	time_t now = time(NULL);
	uint64_t mono = sl_now_ns();
	bool due;

	if (c->chain.kind == SL_AWS_ENV || c->chain.kind == SL_AWS_NONE)
		return 0;
	if (c->stage != IDLE)
		return 0; /* its requests wake the fd */
	due = !c->cur.key_id || (c->refresh_at && now >= c->refresh_at);
	if (due && mono >= c->retry_ns) {
		if (c->chain.kind == SL_AWS_ECS)
			ecs_get(c);
		else
			imds_token(c);
		return c->stage == IDLE ? c->retry_ns : 0;
	}
	if (due)
		return c->retry_ns;
	return c->refresh_at ? mono + (uint64_t)(c->refresh_at - now) * NS_PER_S : 0;
}

const struct sl_aws_creds *sl_cm_creds_get(const struct sl_cm_creds *c)
{
	return sl_aws_creds_valid(&c->cur, time(NULL)) ? &c->cur : NULL;
}

const char *sl_cm_creds_problem(const struct sl_cm_creds *c)
{
	static char buf[600];

	if (c->chain.kind == SL_AWS_NONE)
		return c->chain.problem;
	if (c->problem) {
		snprintf(buf, sizeof(buf), "credentials (%s): %s",
			 sl_aws_provider_name(c->chain.kind), c->problem);
		return buf;
	}
	if (c->cur.key_id && !sl_aws_creds_valid(&c->cur, time(NULL))) {
		snprintf(buf, sizeof(buf), "credentials (%s) expired, not fetched again yet",
			 sl_aws_provider_name(c->chain.kind));
		return buf;
	}
	return NULL;
}

bool sl_cm_creds_settled(const struct sl_cm_creds *c)
{
	return c->settled;
}

void sl_cm_creds_refused(struct sl_cm_creds *c)
{
	if (c->chain.kind == SL_AWS_ECS || c->chain.kind == SL_AWS_IMDS)
		c->refresh_at = time(NULL);
}

const char *sl_cm_creds_provider(const struct sl_cm_creds *c)
{
	return sl_aws_provider_name(c->chain.kind);
}

struct sl_cm_creds *sl_cm_creds_new(struct sl_http *h, const char *label, uint32_t timeout_ms,
				    sl_getenv_fn getenv_fn, void *arg)
{
	struct sl_cm_creds *c = calloc(1, sizeof(*c));

	if (!c)
		return NULL;
	c->h = h;
	c->timeout_ms = timeout_ms;
	c->label = strdup(label);
	if (!c->label || sl_aws_chain_from_env(&c->chain, getenv_fn, arg)) {
		sl_cm_creds_free(c);
		return NULL;
	}
	if (c->chain.kind == SL_AWS_ENV) {
		if (sl_aws_creds_copy(&c->cur, &c->chain.env)) {
			sl_cm_creds_free(c);
			return NULL;
		}
		c->settled = true;
	} else if (c->chain.kind == SL_AWS_NONE) {
		pr_warn("%s: %s", label, c->chain.problem);
		c->settled = true;
	}
	return c;
}

void sl_cm_creds_closing(struct sl_cm_creds *c)
{
	if (c)
		c->closing = true;
}

void sl_cm_creds_free(struct sl_cm_creds *c)
{
	if (!c)
		return;
	sl_aws_chain_free(&c->chain);
	sl_aws_creds_free(&c->cur);
	free(c->imds_token);
	free(c->role);
	free(c->problem);
	free(c->label);
	free(c);
}
