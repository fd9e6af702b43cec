/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* sources.h: the registry as the config names it: its sources, their instances merged in the
 * order written, and a reload that changes them without dropping what serves. */
#ifndef SL_SOURCES_H
#define SL_SOURCES_H

#include <stdbool.h>
#include <stddef.h>
#include "inputs/config.h"
#include "inputs/source.h"

struct sl_sources {
	struct sl_source **v;       /* serving, in the config's order */
	size_t n;
	struct sl_source_cfg *want; /* a reload's sources, until every new one reads (owned) */
	size_t nwant;
	struct sl_source **pending; /* the new ones among them */
	size_t npending;
	struct sl_instances merged; /* of v, the first source listing an instance winning */
	size_t max_instances;
	unsigned generation;        /* changes whenever v does: the loop's fds follow it */
};

/* Open the sources cfg names (none: no registry), waiting (each within its own bound) for
 * those that read for the first time in the background (DNS). A source that cannot be read
 * now is said and kept at nothing until it can. 0, or -errno with err set. */
int sl_sources_open(struct sl_sources *ss, const struct sl_ns_cfg *cfg, size_t max_instances,
		    struct sl_err *err);
void sl_sources_close(struct sl_sources *ss);
/* The sources of a reloaded config. Those configured as before are kept as they are (and
 * learn cfg's services: a DNS source asks the new names); new ones are opened; while a new
 * one cannot be read, the set in use keeps serving (pending) and sl_sources_tick tries
 * again. True when the set in use changed. */
bool sl_sources_reload(struct sl_sources *ss, const struct sl_ns_cfg *cfg);
/* fd is one of the sources' (sl_sources_fds): true when the merged instances changed. */
bool sl_sources_dispatch(struct sl_sources *ss, int fd);
/* Periodic work of every source (and a pending set): true when the merged instances (or the
 * set in use) changed. */
bool sl_sources_tick(struct sl_sources *ss);
/* The fds the loop watches, at most max; how many. */
size_t sl_sources_fds(const struct sl_sources *ss, int *fds, size_t max);
const struct sl_instances *sl_sources_instances(const struct sl_sources *ss);
/* Some source cannot be read, or has a part that fails (its last good content kept). */
bool sl_sources_incomplete(const struct sl_sources *ss);
/* The first source's problem and name, for one-line status (NULL when none). */
const struct sl_source *sl_sources_first_problem(const struct sl_sources *ss);
/* Parts that fail, over every source. */
unsigned sl_sources_failing(const struct sl_sources *ss);

#endif
