/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* checker.h: active health checks (TCP connect, HTTP GET) of backends, all from one event loop:
 * libcurl's multi interface on a private epoll fd that sluiced's loop watches, jittered timers. */
#ifndef SL_CHECKER_H
#define SL_CHECKER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "lib/addr.h"
#include "inputs/config.h"
#include "lib/err.h"

struct sl_checker;

/* One backend to check. Everything is copied by sl_checker_set. */
struct sl_check_target {
	uint32_t backend_id;                    /* the key: one check per backend id */
	struct sl_addr addr;
	uint16_t port;                          /* host order: healthCheck.port or the instance's */
	const struct sl_health_check_cfg *cfg;  /* enabled */
	const char *service;                    /* for messages */
	bool start_unhealthy;                   /* a new target starts unhealthy (it was, before
						 * sluiced restarted) */
};

/* Called with each check socket after it is created and before it connects; non-zero
 * aborts that check (counted as a failure). */
typedef int (*sl_check_socket_fn)(void *ctx, int fd);

struct sl_checker *sl_checker_new(sl_check_socket_fn on_socket, void *ctx, struct sl_err *err);
void sl_checker_free(struct sl_checker *c);
/* Readable when there is work: then call sl_checker_dispatch. */
int sl_checker_fd(const struct sl_checker *c);
/* Run what is ready; the number of backends whose verdict (sl_checker_status) changed. */
unsigned int sl_checker_dispatch(struct sl_checker *c);
/* Replace the set of targets. A backend id kept with the same address, port and check keeps
 * its state and schedule; a new or changed one starts healthy (or as start_unhealthy says),
 * first checked after a random delay within its interval (at most 1 s). 0 or -ENOMEM (the
 * old set is kept). */
int sl_checker_set(struct sl_checker *c, const struct sl_check_target *t, size_t n);
/* 1 healthy, 0 unhealthy, -ENOENT: not a target. */
int sl_checker_status(const struct sl_checker *c, uint32_t backend_id);
size_t sl_checker_count(const struct sl_checker *c);
/* Checks that passed and failed since the checker started. */
void sl_checker_totals(const struct sl_checker *c, uint64_t *passes, uint64_t *failures);

#endif
