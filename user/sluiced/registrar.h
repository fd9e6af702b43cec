/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* registrar.h: this host's own instances (config "registration": a file or directory in the
 * registry file's shape) published in the registry's etcd cluster under one lease. */
#ifndef SL_REGISTRAR_H
#define SL_REGISTRAR_H

#include "inputs/config.h"
#include "lib/err.h"

struct sl_registrar;

/* A registrar for cfg's "registration", publishing to its first registry.etcd source's
 * cluster: NULL with err empty when cfg has no registration, NULL with err set when it cannot
 * be (no etcd source, a resource lacking). */
struct sl_registrar *sl_registrar_open(const struct sl_config *cfg, struct sl_err *err);
void sl_registrar_close(struct sl_registrar *r);
/* Readable when it has work: then dispatch. */
int sl_registrar_fd(const struct sl_registrar *r);
void sl_registrar_dispatch(struct sl_registrar *r);
/* The same registration and cluster (a reload keeps it). */
bool sl_registrar_same(const struct sl_registrar *r, const struct sl_config *cfg);

#endif
