/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* source.h: a registry source, where instances come from (a file or a directory of files, or
 * DNS): the one interface sluiced's loop drives, whatever the source's protocol. */
#ifndef SL_SOURCE_H
#define SL_SOURCE_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>
#include "inputs/config.h"
#include "inputs/registry.h"
#include "lib/err.h"

struct sl_source;

/* How one part of a source stands (a DNS source's part: one service's name), for the status. */
struct sl_source_part {
	const char *name;    /* "orders.prod.local SRV" */
	size_t instances;    /* in its last good set */
	time_t last_ok;      /* when it last answered (wall clock), 0: never */
	const char *failure; /* why its last query failed (its last good set kept), or NULL */
};

struct sl_source_ops {
	/* Readable when the source has work: then dispatch. -1 when it never has. */
	int (*fd)(const struct sl_source *s);
	/* Do the work that is ready (tick: the loop's periodic call, every few seconds, for
	 * what has no fd to wake it). True when its instances changed. */
	bool (*dispatch)(struct sl_source *s, bool tick);
	/* Its instances: the last good ones of every part it has. */
	const struct sl_instances *(*instances)(const struct sl_source *s);
	/* Why it cannot be read now (its last good instances kept), NULL when it can. */
	const char *(*problem)(const struct sl_source *s);
	/* Parts (files, DNS names) that fail now, each keeping its last good content. */
	unsigned (*failing)(const struct sl_source *s);
	void (*free)(struct sl_source *s);
	/* The ops below are optional (NULL: the source has no such thing). */
	/* A reload kept the source (configured the same): it learns the new config's
	 * services. True when its instances changed. */
	bool (*reconfigure)(struct sl_source *s, const struct sl_ns_cfg *config);
	/* Still reading for the first time, within a bound of its own: opening the registry
	 * (sl_sources_open) waits for it, dispatching its fd. */
	bool (*settling)(const struct sl_source *s);
	/* Its parts that fail now (at most max, in *out; their strings live until the next
	 * dispatch): how many were written. */
	size_t (*failing_parts)(const struct sl_source *s, struct sl_source_part *out, size_t max);
};

/* What a source's reads came to, for the metrics: a read is one refresh of a file source,
 * one answer (or failure) of a service's queries in a DNS source, one poll of a service in
 * the Cloud Map source. */
struct sl_source_reads {
	unsigned long long ok, failed;
	time_t last_ok; /* wall clock of the last read that succeeded; 0: none yet */
};

struct sl_source {
	const struct sl_source_ops *ops;
	struct sl_source_cfg cfg; /* what it was opened for (owned) */
	char *name;               /* for messages: "registry /etc/sluice/registry" */
	struct sl_source_reads reads; /* kept by the source (sl_source_count) */
};

/* A source for cfg, read once (a DNS source: its queries sent, see settling), for config's
 * services. Instances are bounded (max, and 1 KiB each in bytes). NULL with err set only
 * when cfg names nothing usable or a resource is lacking. */
struct sl_source *sl_source_open(const struct sl_source_cfg *cfg, const struct sl_ns_cfg *config,
				 size_t max_instances, struct sl_err *err);
void sl_source_free(struct sl_source *s);
/* Count one read of s that succeeded (ok) or failed. */
void sl_source_count(struct sl_source *s, bool ok);
/* s's name without "registry ": a path, or "dns 10.0.0.2". */
const char *sl_source_label(const struct sl_source *s);

/* The file source (source_file.c). */
struct sl_source *sl_source_file_open(const struct sl_source_cfg *cfg, size_t max_instances,
				      struct sl_err *err);
/* The DNS source (source_dns.c). */
struct sl_source *sl_source_dns_open(const struct sl_source_cfg *cfg,
				     const struct sl_ns_cfg *config, size_t max_instances,
				     struct sl_err *err);
/* The etcd source (source_etcd.c). */
struct sl_source *sl_source_etcd_open(const struct sl_source_cfg *cfg,
				      const struct sl_ns_cfg *config, size_t max_instances,
				      struct sl_err *err);

/* The Cloud Map API source (source_cloudmap.c). */
struct sl_source *sl_source_cloudmap_open(const struct sl_source_cfg *cfg,
					  const struct sl_ns_cfg *config, size_t max_instances,
					  struct sl_err *err);

#endif
