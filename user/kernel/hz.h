/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* hz.h: the running kernel's HZ (jiffies per second), which a sockops program's
 * BPF_SOCK_OPS_TIMEOUT_INIT reply is counted in. */
#ifndef SL_HZ_H
#define SL_HZ_H

/* CONFIG_HZ of the running kernel: from /boot/config-RELEASE, else /proc/config.gz, else
 * measured from /proc/timer_list's jiffies over 100 ms and taken as the nearest of the
 * values Kconfig offers (100, 250, 300, 1000). *from names where it came from. 0 when none
 * of these can be read. */
unsigned int sl_kernel_hz(const char **from);
/* The HZ a CONFIG_HZ=N line of Kconfig text gives (0: none). Pure: for the tests. */
unsigned int sl_hz_from_kconfig(const char *text);
/* The Kconfig HZ nearest to a measured rate of jiffies per second (0: none is within 10%). */
unsigned int sl_hz_nearest(double measured);

#endif
