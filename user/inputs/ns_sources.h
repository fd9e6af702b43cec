/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* ns_sources.h: every namespace's registry: a source set (sources.h) per namespace of the
 * config, each giving that namespace's instances, followed by name across reloads. */
#ifndef SL_NS_SOURCES_H
#define SL_NS_SOURCES_H

#include <stdbool.h>
#include <stddef.h>
#include "inputs/config.h"
#include "inputs/sources.h"

struct sl_ns_sources {
	struct sl_sources *v; /* by namespace, in the config's order */
	char **names;         /* their namespaces' names */
	size_t n;
	struct sl_instances *instances; /* v[i]'s merged instances, by namespace (views) */
	unsigned generation;  /* bumped when sets come or go (sl_ns_sources_generation) */
};

/* Open every namespace's sources (sl_sources_open each). 0, or -errno with err set (what
 * was opened is closed). */
int sl_ns_sources_open(struct sl_ns_sources *nss, const struct sl_config *cfg,
		       size_t max_instances, struct sl_err *err);
void sl_ns_sources_close(struct sl_ns_sources *nss);
/* A reloaded config: a namespace kept (by name) keeps its set (sl_sources_reload), a new one
 * opens its own, one that went closes. True when a set in use changed. */
bool sl_ns_sources_reload(struct sl_ns_sources *nss, const struct sl_config *cfg);
/* fd is one of the sets' (sl_ns_sources_fds): true when some namespace's instances changed. */
bool sl_ns_sources_dispatch(struct sl_ns_sources *nss, int fd);
bool sl_ns_sources_tick(struct sl_ns_sources *nss);
size_t sl_ns_sources_fds(const struct sl_ns_sources *nss, int *fds, size_t max);
/* The instances of each namespace, an array of n (for sl_desired_input). */
const struct sl_instances *sl_ns_sources_instances(struct sl_ns_sources *nss);
/* Over every namespace: a source cannot be read or has failing parts; the first such source;
 * failing parts; sources of a reload not read yet. */
bool sl_ns_sources_incomplete(const struct sl_ns_sources *nss);
const struct sl_source *sl_ns_sources_first_problem(const struct sl_ns_sources *nss);
unsigned sl_ns_sources_failing(const struct sl_ns_sources *nss);
size_t sl_ns_sources_pending(const struct sl_ns_sources *nss);
/* Changes whenever any set's sources do (the loop's fds follow it). */
unsigned sl_ns_sources_generation(const struct sl_ns_sources *nss);
/* Instances over every namespace. */
size_t sl_ns_sources_count(const struct sl_ns_sources *nss);

#endif
