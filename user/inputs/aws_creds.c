// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* aws_creds.c: the SDKs' credential chain read from the environment, credential documents of
 * the ECS endpoint and IMDS checked, and when credentials are fetched again. */
#include <arpa/inet.h>
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include "inputs/aws_creds.h"
#include "lib/json.h"

#define KEY_MAX 256
#define SECRET_MAX 256
#define TOKEN_MAX 8192

const char *sl_aws_provider_name(enum sl_aws_provider p)
{
	switch (p) {
	case SL_AWS_ENV:
		return "environment";
	case SL_AWS_ECS:
		return "ECS container credentials";
	case SL_AWS_IMDS:
		return "IMDSv2";
	case SL_AWS_NONE:
		break;
	}
	return "none";
}

static const char *var(sl_getenv_fn get, void *arg, const char *name)
{
	const char *v = get(name, arg);

	return v && *v ? v : NULL;
}

static int none(struct sl_aws_chain *c, const char *fmt, const char *a, const char *b)
{
	c->kind = SL_AWS_NONE;
	snprintf(c->problem, sizeof(c->problem), fmt, a, b);
	return 0;
}

/* An http:// full URI's host the SDKs accept: loopback, the ECS agent, the EKS pod identity
 * agent. */
static bool allowed_http_host(const char *url)
{
	static const char *const hosts[] = { "localhost", "[::1]", "169.254.170.2",
					     "169.254.170.23", "[fd00:ec2::23]", NULL };
	const char *h = url + strlen("http://");
	size_t n = h[0] == '[' ? strcspn(h, "]") + 1 : strcspn(h, ":/?#");
	char host[64];
	struct in_addr a;
	size_t i;

	if (n >= sizeof(host))
		return false;
	memcpy(host, h, n);
	host[n] = 0;
	for (i = 0; hosts[i]; i++)
		if (!strcmp(host, hosts[i]))
			return true;
	return inet_pton(AF_INET, host, &a) == 1 && (ntohl(a.s_addr) >> 24) == 127;
}

static int ecs(struct sl_aws_chain *c, sl_getenv_fn get, void *arg, const char *rel,
	       const char *full)
{
	const char *tok = var(get, arg, "AWS_CONTAINER_AUTHORIZATION_TOKEN");
	const char *file = var(get, arg, "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE");

	if (rel && rel[0] != '/')
		return none(c, "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI \"%.100s\" does not start "
			    "with '/'%s", rel, "");
	if (!rel && strncmp(full, "https://", 8) && strncmp(full, "http://", 7))
		return none(c, "AWS_CONTAINER_CREDENTIALS_FULL_URI \"%.100s\" is not http:// or "
			    "https://%s", full, "");
	if (!rel && !strncmp(full, "http://", 7) && !allowed_http_host(full))
		return none(c, "AWS_CONTAINER_CREDENTIALS_FULL_URI \"%.100s\": http:// only to "
			    "loopback or the ECS or EKS agent (169.254.170.2, 169.254.170.23)%s",
			    full, "");
	c->kind = SL_AWS_ECS;
	if (rel ? asprintf(&c->url, "%s%s", SL_AWS_ECS_HOST, rel) < 0 :
		  !(c->url = strdup(full)))
		return c->url = NULL, -ENOMEM;
	/* the token goes with a full URI only, as the SDKs send it */
	if (!rel && ((file && !(c->auth_token_file = strdup(file))) ||
		     (tok && !(c->auth_token = strdup(tok)))))
		return -ENOMEM;
	return 0;
}

int sl_aws_chain_from_env(struct sl_aws_chain *c, sl_getenv_fn get, void *arg)
{
	const char *id = var(get, arg, "AWS_ACCESS_KEY_ID");
	const char *secret = var(get, arg, "AWS_SECRET_ACCESS_KEY");
	const char *token = var(get, arg, "AWS_SESSION_TOKEN");
	const char *rel = var(get, arg, "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI");
	const char *full = var(get, arg, "AWS_CONTAINER_CREDENTIALS_FULL_URI");
	const char *disabled = var(get, arg, "AWS_EC2_METADATA_DISABLED");
	const char *ep = var(get, arg, "AWS_EC2_METADATA_SERVICE_ENDPOINT");
	const char *mode = var(get, arg, "AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE");

	memset(c, 0, sizeof(*c));
	if (id && !secret)
		return none(c, "AWS_ACCESS_KEY_ID is set but AWS_SECRET_ACCESS_KEY is not%s%s", "",
			    "");
	if (secret && !id)
		return none(c, "AWS_SECRET_ACCESS_KEY is set but AWS_ACCESS_KEY_ID is not%s%s", "",
			    "");
	if (id) {
		c->kind = SL_AWS_ENV;
		c->env.key_id = strdup(id);
		c->env.secret = strdup(secret);
		c->env.token = token ? strdup(token) : NULL;
		return c->env.key_id && c->env.secret && (!token || c->env.token) ? 0 : -ENOMEM;
	}
	if (rel || full)
		return ecs(c, get, arg, rel, full);
	if (disabled && !strcasecmp(disabled, "true"))
		return none(c, "no credentials: none in the environment, no ECS container "
			    "credentials, and AWS_EC2_METADATA_DISABLED is true%s%s", "", "");
	if (ep && strncmp(ep, "http://", 7) && strncmp(ep, "https://", 8))
		return none(c, "AWS_EC2_METADATA_SERVICE_ENDPOINT \"%.100s\" is not http:// or "
			    "https://%s", ep, "");
	if (mode && strcasecmp(mode, "IPv4") && strcasecmp(mode, "IPv6"))
		return none(c, "AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE \"%.40s\" is neither IPv4 "
			    "nor IPv6%s", mode, "");
	c->kind = SL_AWS_IMDS;
	c->url = strdup(ep ? ep : mode && !strcasecmp(mode, "IPv6") ? SL_AWS_IMDS_ENDPOINT6 :
			SL_AWS_IMDS_ENDPOINT);
	if (!c->url)
		return -ENOMEM;
	if (c->url[strlen(c->url) - 1] == '/') /* paths are appended: /latest/... */
		c->url[strlen(c->url) - 1] = 0;
	return 0;
}

void sl_aws_chain_free(struct sl_aws_chain *c)
{
	sl_aws_creds_free(&c->env);
	free(c->url);
	free(c->auth_token);
	free(c->auth_token_file);
	memset(c, 0, sizeof(*c));
}

time_t sl_aws_parse_time(const char *s)
{
	struct tm tm = { 0 };
	const char *p;

	if (!s)
		return -1;
	p = strptime(s, "%Y-%m-%dT%H:%M:%S", &tm);
	if (!p)
		return -1;
	if (*p == '.')
		for (p++; *p >= '0' && *p <= '9'; p++)
			;
	if (strcmp(p, "Z") && strcmp(p, "+00:00") && strcmp(p, "UTC"))
		return -1;
	return timegm(&tm);
}

static int str_field(struct sl_json *j, const json_t *root, const char *key, size_t max,
		     char **out)
{
	const json_t *v = json_object_get(root, key);
	const char *s;
	size_t saved;
	int ret;

	if (!v)
		return sl_json_fail_key(j, key, NULL, "is required");
	saved = sl_json_push_key(j, key);
	ret = sl_json_string(j, v, 1, max, &s);
	sl_json_pop(j, saved);
	if (!ret && strpbrk(s, "\r\n:"))
		ret = sl_json_fail_key(j, key, NULL, "holds a character no header may carry");
	return ret ?: sl_json_set_str(j, out, s);
}

int sl_aws_creds_parse(const char *body, size_t len, bool imds, struct sl_aws_creds *out,
		       struct sl_err *err)
{
	struct sl_json j = { .origin = imds ? "IMDS credentials" : "ECS container credentials",
			     .err = err, .quiet = true };
	struct sl_aws_creds c = { 0 };
	const json_t *code, *exp;
	json_t *root = NULL;
	int ret;

	memset(out, 0, sizeof(*out));
	if (body && memchr(body, 0, len))
		return sl_json_fail(&j, "a NUL byte in the document");
	ret = sl_json_load(&j, body, len, &root);
	if (ret)
		return ret;
	code = json_object_get(root, "Code");
	if (imds && code && (!json_is_string(code) || strcmp(json_string_value(code), "Success")))
		ret = sl_json_fail_key(&j, "Code", code, "is not \"Success\"");
	ret = ret ?: str_field(&j, root, "AccessKeyId", KEY_MAX, &c.key_id) ?:
	      str_field(&j, root, "SecretAccessKey", SECRET_MAX, &c.secret) ?:
	      str_field(&j, root, "Token", TOKEN_MAX, &c.token);
	exp = json_object_get(root, "Expiration");
	if (!ret && (!json_is_string(exp) ||
		     (c.expires = sl_aws_parse_time(json_string_value(exp))) <= 0))
		ret = sl_json_fail_key(&j, "Expiration", exp,
				       "must be an ISO 8601 time (2026-12-02T07:00:00Z)");
	json_decref(root);
	if (ret) {
		sl_aws_creds_free(&c);
		return ret;
	}
	*out = c;
	return 0;
}

int sl_aws_creds_copy(struct sl_aws_creds *dst, const struct sl_aws_creds *src)
{
	*dst = *src;
	dst->key_id = src->key_id ? strdup(src->key_id) : NULL;
	dst->secret = src->secret ? strdup(src->secret) : NULL;
	dst->token = src->token ? strdup(src->token) : NULL;
	if ((src->key_id && !dst->key_id) || (src->secret && !dst->secret) ||
	    (src->token && !dst->token)) {
		sl_aws_creds_free(dst);
		return -ENOMEM;
	}
	return 0;
}

void sl_aws_creds_free(struct sl_aws_creds *c)
{
	if (c->secret)
		explicit_bzero(c->secret, strlen(c->secret));
	free(c->key_id);
	free(c->secret);
	free(c->token);
	memset(c, 0, sizeof(*c));
}

time_t sl_aws_refresh_at(time_t fetched, time_t expires)
{
	time_t life, before;

	if (!expires)
		return 0;
	life = expires > fetched ? expires - fetched : 0;
	before = life / 2 < SL_AWS_REFRESH_BEFORE_S ? life / 2 : SL_AWS_REFRESH_BEFORE_S;
	return expires - before;
}

bool sl_aws_creds_valid(const struct sl_aws_creds *c, time_t now)
{
	return c->key_id && (!c->expires || now < c->expires);
}

unsigned sl_aws_retry_ms(unsigned failures, time_t now, time_t expires)
{
	unsigned ms = failures >= 6 ? SL_AWS_RETRY_MAX_MS : 1000U << failures;

	if (ms > SL_AWS_RETRY_MAX_MS)
		ms = SL_AWS_RETRY_MAX_MS;
	if (expires > now && (unsigned long)(expires - now) * 500 < ms)
		ms = (unsigned)(expires - now) * 500;
	return ms ? ms : 1000;
}
