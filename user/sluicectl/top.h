/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* top.h: sluicectl top: per-backend rates from two reads of the pinned per-CPU counters. A
 * read (a sample) holds every backend of the model with its counters summed over CPUs; two
 * samples give the rows, each backend's increase over the interval and its rate per second,
 * sorted by connect rate. Reading is kernel work; the rows and their output are pure. */
#ifndef CTL_TOP_H
#define CTL_TOP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <jansson.h>
#include "kernel/maps.h"

/* The counters a row carries (the order of top_counters). */
enum top_counter {
	TOP_CONNECTS,
	TOP_DATAGRAMS,
	TOP_REFUSED,
	TOP_TIMED_OUT,
	TOP_UNREACHABLE,
	TOP_SENT,
	TOP_RECEIVED,
	TOP_NCOUNTERS,
};

/* A row of the counter table: its JSON key, its column, whether it counts bytes. */
struct top_counter_spec {
	const char *key;  /* "connects": "counted" and "perSecond" members */
	const char *head; /* "CONN/s" */
	bool bytes;
};

extern const struct top_counter_spec top_counters[TOP_NCOUNTERS];

/* One backend as one read saw it. */
struct top_backend {
	uint32_t id;
	char ns[SLUICE_NAME_LEN];
	char service[SLUICE_NAME_LEN];
	char instance[SLUICE_INSTANCE_ID_LEN];
	char endpoint[SL_ENDPOINT_STRLEN]; /* address:port */
	uint8_t state;                     /* enum sluice_backend_state */
	uint64_t c[TOP_NCOUNTERS];         /* summed over CPUs */
	uint32_t active;                   /* TCP connections established and not closed */
};

/* One service: what refuses when none of its backends serves. */
struct top_service {
	uint32_t id;
	char ns[SLUICE_NAME_LEN];
	char name[SLUICE_NAME_LEN];
	uint32_t serving;
	uint64_t refused;
};

struct top_sample {
	uint64_t at_ns; /* CLOCK_MONOTONIC, when the read began */
	struct top_backend *b;
	size_t nb;
	struct top_service *s;
	size_t ns;
};

/* A backend over an interval: the later read's, and how much each counter grew. */
struct top_row {
	const struct top_backend *b;
	uint64_t counted[TOP_NCOUNTERS];
	double rate[TOP_NCOUNTERS]; /* counted / seconds */
	bool fresh; /* not in the earlier read (or its counters were reset): counted from 0 */
};

struct top_service_row {
	const struct top_service *s;
	uint64_t refused;
	double rate;
};

/* Two samples compared (top_diff); points into the later sample. */
struct top_view {
	double seconds; /* between the two reads */
	struct top_row *rows; /* by connect rate, then datagram rate, then name, highest first */
	size_t nrows;
	struct top_service_row *services; /* in the later sample's order */
	size_t nservices;
};

/* Read the model and every backend's and service's counters now. */
int top_read(const struct sl_maps *m, struct top_sample *out, struct sl_err *err);
void top_sample_free(struct top_sample *s);

/* The later sample b against the earlier a (a backend is the same when its id, service,
 * instance and address are): 0 or -ENOMEM. */
int top_diff(const struct top_sample *a, const struct top_sample *b, struct top_view *v);
void top_view_free(struct top_view *v);

/* The view as JSON: {"intervalSeconds", "backends": [...], "services": [...]}. */
json_t *top_view_json(const struct top_view *v);

/* The view as text lines, each at most width columns (0: no limit), at most height lines in
 * all (0: no limit; the rows that do not fit are counted in a last line). Each line is given
 * to fn without its newline. */
void top_view_text(const struct top_view *v, unsigned width, unsigned height,
		   void (*fn)(void *ctx, const char *line), void *ctx);

/* A rate as the text view shows it ("0", "3.5", "120", bytes "1.5K", "2.0M"), in buf. */
const char *top_format_rate(double rate, bool bytes, char *buf, size_t len);

#endif
