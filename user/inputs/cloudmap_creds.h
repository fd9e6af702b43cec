/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* cloudmap_creds.h: the Cloud Map source's credentials, fetched from the chain's provider
 * (aws_creds.h) on its HTTP multi (http_multi.h) and refreshed before they expire. */
#ifndef SL_CLOUDMAP_CREDS_H
#define SL_CLOUDMAP_CREDS_H

#include <stdbool.h>
#include <stdint.h>
#include "inputs/aws_creds.h"
#include "inputs/http_multi.h"

struct sl_cm_creds;

/* Credentials from the chain the environment (get) configures, fetched on h; messages start
 * with label. NULL when out of memory. */
struct sl_cm_creds *sl_cm_creds_new(struct sl_http *h, const char *label, uint32_t timeout_ms,
				    sl_getenv_fn get, void *arg);
/* Before h is freed: the callbacks of its requests left are ignored from now on. */
void sl_cm_creds_closing(struct sl_cm_creds *c);
/* Free it, after h. */
void sl_cm_creds_free(struct sl_cm_creds *c);
/* Start a fetch when one is due (none yet, their refresh time, a retry's): the monotonic ns
 * it next wants to be woken at, 0: none. */
uint64_t sl_cm_creds_tick(struct sl_cm_creds *c);
/* The credentials to sign with now, or NULL (problem says why). */
const struct sl_aws_creds *sl_cm_creds_get(const struct sl_cm_creds *c);
/* Why there are none, or why the last fetch failed; NULL when all is well. */
const char *sl_cm_creds_problem(const struct sl_cm_creds *c);
/* A first fetch had its outcome (or none is needed). */
bool sl_cm_creds_settled(const struct sl_cm_creds *c);
/* The API refused them (expired, revoked): fetched anew (not the environment's). */
void sl_cm_creds_refused(struct sl_cm_creds *c);
/* Where they come from: "environment", "ECS container credentials", "IMDSv2". */
const char *sl_cm_creds_provider(const struct sl_cm_creds *c);

#endif
