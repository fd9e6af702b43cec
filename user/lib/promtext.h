/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* promtext.h: Prometheus' text exposition format (version 0.0.4) written into a growing
 * buffer: families with HELP and TYPE, samples with escaped labels, histograms. Pure. */
#ifndef SL_PROMTEXT_H
#define SL_PROMTEXT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct sl_prom {
	char *buf;
	size_t len, cap;
	bool failed; /* out of memory: the text is cut; sl_prom_done says so */
};

/* A label set: name=value pairs, values escaped as the format wants (\\, \", \n). */
struct sl_prom_label {
	const char *name;
	const char *value;
};

/* "# HELP name help" and "# TYPE name type" (counter, gauge, histogram). */
void sl_prom_family(struct sl_prom *p, const char *name, const char *type, const char *help);
/* name{labels} value: n labels (0: none). */
void sl_prom_sample(struct sl_prom *p, const char *name, const struct sl_prom_label *l, size_t n,
		    double value);
/* A histogram's samples: name_bucket{labels,le} for each bound (cumulative counts[i] of the
 * n bounds, then +Inf = count), name_sum, name_count. */
void sl_prom_histogram(struct sl_prom *p, const char *name, const struct sl_prom_label *l,
		       size_t nl, const double *bounds, const uint64_t *cumulative, size_t n,
		       double sum, uint64_t count);
/* The text (NUL-terminated, owned by p), or NULL when writing it ran out of memory. */
const char *sl_prom_text(const struct sl_prom *p);
void sl_prom_free(struct sl_prom *p);

#endif
