// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* hz.c: finding the kernel's HZ: its Kconfig where the distribution ships it (Debian and
 * Amazon Linux in /boot, others in /proc/config.gz), else a measurement of jiffies. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/utsname.h>
#include <zlib.h>
#include "kernel/hz.h"

#define KCONFIG_MAX (1 << 20)    /* a Kconfig file is a few hundred KiB */
#define MEASURE_NS 100000000LL  /* how long jiffies are watched when no Kconfig is found */

static const unsigned int kconfig_hz[] = { 100, 250, 300, 1000 };

unsigned int sl_hz_from_kconfig(const char *text)
{
	const char *p = text;

	while ((p = strstr(p, "CONFIG_HZ=")) != NULL) {
		if (p == text || p[-1] == '\n') {
			char *end;
			unsigned long hz = strtoul(p + strlen("CONFIG_HZ="), &end, 10);

			if ((*end == '\n' || !*end) && hz > 0 && hz <= 10000)
				return (unsigned int)hz;
		}
		p++;
	}
	return 0;
}

unsigned int sl_hz_nearest(double measured)
{
	for (size_t i = 0; i < sizeof(kconfig_hz) / sizeof(kconfig_hz[0]); i++) {
		double d = measured - kconfig_hz[i];

		if ((d < 0 ? -d : d) <= kconfig_hz[i] * 0.1)
			return kconfig_hz[i];
	}
	return 0;
}

/* The HZ of a Kconfig file, plain or gzip'd (zlib reads both); 0: none. */
static unsigned int hz_of_file(const char *path)
{
	gzFile f = gzopen(path, "rb");
	char *buf;
	int n;
	unsigned int hz = 0;

	if (!f)
		return 0;
	buf = malloc(KCONFIG_MAX + 1);
	if (buf) {
		n = gzread(f, buf, KCONFIG_MAX);
		if (n > 0) {
			buf[n] = '\0';
			hz = sl_hz_from_kconfig(buf);
		}
		free(buf);
	}
	gzclose(f);
	return hz;
}

/* The first "jiffies: N" line of /proc/timer_list, and the monotonic time it was read at. */
static int read_jiffies(unsigned long long *jiffies, long long *ns)
{
	FILE *f = fopen("/proc/timer_list", "re");
	struct timespec ts;
	char line[256];
	int ret = -ENOENT;

	if (!f)
		return -errno;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "jiffies: %llu", jiffies) == 1) {
			ret = 0;
			break;
		}
	fclose(f);
	*ns = ts.tv_sec * 1000000000LL + ts.tv_nsec;
	return ret;
}

static unsigned int hz_measured(void)
{
	unsigned long long j0, j1;
	long long t0, t1;
	struct timespec pause = { 0, MEASURE_NS };

	if (read_jiffies(&j0, &t0))
		return 0;
	nanosleep(&pause, NULL);
	if (read_jiffies(&j1, &t1) || t1 <= t0 || j1 < j0)
		return 0;
	return sl_hz_nearest((double)(j1 - j0) * 1e9 / (double)(t1 - t0));
}

unsigned int sl_kernel_hz(const char **from)
{
	static char boot[300];
	struct utsname u;
	unsigned int hz;

	if (!uname(&u)) {
		snprintf(boot, sizeof(boot), "/boot/config-%s", u.release);
		if ((hz = hz_of_file(boot))) {
			*from = boot;
			return hz;
		}
	}
	if ((hz = hz_of_file("/proc/config.gz"))) {
		*from = "/proc/config.gz";
		return hz;
	}
	*from = "/proc/timer_list (measured)";
	return hz_measured();
}
