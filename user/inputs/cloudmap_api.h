/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* cloudmap_api.h: Cloud Map's DiscoverInstances and DiscoverInstancesRevision as JSON: the
 * request bodies, the answers checked into instances, and the errors sorted by what to do. Pure. */
#ifndef SL_CLOUDMAP_API_H
#define SL_CLOUDMAP_API_H

#include <stddef.h>
#include <stdint.h>
#include "inputs/config.h"
#include "inputs/registry.h"
#include "lib/err.h"

#define SL_CM_MAX_RESULTS 1000 /* DiscoverInstances' MaxResults at most: asked for it */
#define SL_CM_TARGET_PREFIX "Route53AutoNaming_v20170314."
#define SL_CM_CONTENT_TYPE "application/x-amz-json-1.1"

/* What the source asks of one service. */
struct sl_cm_query {
	const char *cm_namespace; /* NamespaceName */
	const char *service;      /* ServiceName: the service's discoveryName */
	const char *namespace;    /* the config's namespace, the instances' NamespaceName */
	enum sl_cm_health health;
};

/* The body of a DiscoverInstances (MaxResults SL_CM_MAX_RESULTS, HealthStatus) or a
 * DiscoverInstancesRevision request, malloc'd, NULL when out of memory. */
char *sl_cm_instances_body(const struct sl_cm_query *q);
char *sl_cm_revision_body(const struct sl_cm_query *q);
const char *sl_cm_health_name(enum sl_cm_health h);

/* A DiscoverInstances answer of len bytes: its instances (each ServiceName and
 * NamespaceName as asked, case aside; more than SL_CM_MAX_RESULTS refused) in *out, their
 * ServiceName the service's and NamespaceName q->namespace; *revision its
 * InstancesRevision (-1 when it gives none). On error err says what is wrong and where, and
 * *out is left empty. */
int sl_cm_parse_instances(const char *body, size_t len, const struct sl_cm_query *q,
			  struct sl_instances *out, int64_t *revision, struct sl_err *err);
/* A DiscoverInstancesRevision answer: its InstancesRevision (required, an integer >= 0). */
int sl_cm_parse_revision(const char *body, size_t len, int64_t *revision, struct sl_err *err);

/* What an answer other than 200 calls for. */
enum sl_cm_fail {
	SL_CM_FAIL_THROTTLED, /* ThrottlingException, RequestLimitExceeded, 429, ...: back off */
	SL_CM_FAIL_SERVER,    /* 5xx: back off */
	SL_CM_FAIL_AUTH,      /* the credentials or the signature refused (403, ExpiredToken) */
	SL_CM_FAIL_REQUEST,   /* any other 4xx: NamespaceNotFound, ServiceNotFound, ... */
};

/* An error answer (HTTP status, its body, the x-amzn-ErrorType header or NULL): its kind,
 * and "HTTP 400 ThrottlingException: Rate exceeded" in why (the message cut at len). */
enum sl_cm_fail sl_cm_parse_error(long status, const char *body, size_t len,
				  const char *error_type, char *why, size_t why_len);

#define SL_CM_BACKOFF_MAX_MS 60000 /* throttling backs off up to this (or the poll interval) */

/* The wait after rounds throttled rounds in a row (0: the first): the poll interval doubling
 * per round up to SL_CM_BACKOFF_MAX_MS (or poll_ms if longer), drawn from the upper half of that
 * (equal jitter) by draw in [0, 1). */
uint64_t sl_cm_backoff_ms(uint32_t poll_ms, unsigned rounds, double draw);

#endif
