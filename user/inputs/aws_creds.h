/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* aws_creds.h: AWS credentials as the SDKs find them on a host: the environment, the ECS
 * container credentials endpoint, IMDSv2; their documents read and their refresh timed. Pure. */
#ifndef SL_AWS_CREDS_H
#define SL_AWS_CREDS_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>
#include "lib/err.h"

#define SL_AWS_ECS_HOST "http://169.254.170.2"
#define SL_AWS_IMDS_ENDPOINT "http://169.254.169.254"
#define SL_AWS_IMDS_ENDPOINT6 "http://[fd00:ec2::254]"
#define SL_AWS_REFRESH_BEFORE_S 300 /* refreshed this long before Expiration (at most half
				     * their lifetime) */
#define SL_AWS_RETRY_MAX_MS 60000   /* a failed fetch is tried again after 1 s, 2 s, ... this */

struct sl_aws_creds {
	char *key_id, *secret, *token; /* token NULL: long-term keys */
	time_t expires;                /* "Expiration"; 0: never */
};

/* Where the credentials come from: the first provider of the SDKs' order that the
 * environment configures. */
enum sl_aws_provider {
	SL_AWS_NONE = 0, /* none: problem says why */
	SL_AWS_ENV,      /* AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN */
	SL_AWS_ECS,      /* AWS_CONTAINER_CREDENTIALS_RELATIVE_URI or _FULL_URI */
	SL_AWS_IMDS,     /* the instance's role through IMDSv2 */
};

struct sl_aws_chain {
	enum sl_aws_provider kind;
	struct sl_aws_creds env;  /* SL_AWS_ENV */
	char *url;                /* SL_AWS_ECS: the credentials' URL; SL_AWS_IMDS: the endpoint */
	char *auth_token;         /* SL_AWS_ECS: AWS_CONTAINER_AUTHORIZATION_TOKEN */
	char *auth_token_file;    /* SL_AWS_ECS: AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE (wins) */
	char problem[256];        /* SL_AWS_NONE: why; a variable that is wrong */
};

typedef const char *(*sl_getenv_fn)(const char *name, void *arg);

/* The chain the environment (get: getenv's like) configures, in the SDKs' order: both keys of
 * the environment; else the ECS endpoint (a relative URI against 169.254.170.2, or a full URI
 * to loopback, the ECS or EKS agent, or https); else IMDSv2 (AWS_EC2_METADATA_DISABLED=true
 * turns it off; AWS_EC2_METADATA_SERVICE_ENDPOINT, _ENDPOINT_MODE=IPv6). A variable that is
 * wrong (one key without the other, a full URI elsewhere) is kind SL_AWS_NONE with the
 * problem: no later provider is used behind its back. 0 or -ENOMEM. */
int sl_aws_chain_from_env(struct sl_aws_chain *c, sl_getenv_fn get, void *arg);
void sl_aws_chain_free(struct sl_aws_chain *c);
const char *sl_aws_provider_name(enum sl_aws_provider p);

/* A credentials document of the ECS endpoint or of IMDS (imds: its "Code" must be
 * "Success"): AccessKeyId, SecretAccessKey, Token, Expiration (ISO 8601, UTC) required. */
int sl_aws_creds_parse(const char *body, size_t len, bool imds, struct sl_aws_creds *out,
		       struct sl_err *err);
/* "2026-12-02T07:00:00Z" (fractions and +00:00 too) as a time_t; -1 when it is not one. */
time_t sl_aws_parse_time(const char *s);
int sl_aws_creds_copy(struct sl_aws_creds *dst, const struct sl_aws_creds *src);
void sl_aws_creds_free(struct sl_aws_creds *c);

/* When credentials fetched at fetched and expiring at expires are fetched anew:
 * SL_AWS_REFRESH_BEFORE_S before they expire, or halfway through a shorter lifetime; 0 for
 * credentials that never expire. */
time_t sl_aws_refresh_at(time_t fetched, time_t expires);
/* Still good at now (not expired). */
bool sl_aws_creds_valid(const struct sl_aws_creds *c, time_t now);
/* The wait before trying again after failures fetches in a row (1 s doubling, at most
 * SL_AWS_RETRY_MAX_MS), never past half the time left to expires (0: none) at now. */
unsigned sl_aws_retry_ms(unsigned failures, time_t now, time_t expires);

#endif
