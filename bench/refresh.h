/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* refresh.h: what the registry sources' refresh benchmarks (dns-refresh.c, cloudmap-refresh.c)
 * share: monotonic seconds, the process's CPU seconds, and doubles sorted for percentiles. */
#ifndef SL_BENCH_REFRESH_H
#define SL_BENCH_REFRESH_H

#include <sys/resource.h>
#include <time.h>

static inline double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static inline double cpu_s(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 + ru.ru_stime.tv_sec +
	       ru.ru_stime.tv_usec / 1e6;
}

static inline int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

#endif
