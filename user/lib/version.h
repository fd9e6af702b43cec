/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* version.h: the version of this build of sluice (the VERSION file, and the git commit when
 * built from a checkout), as --version and status report it. */
#ifndef SL_VERSION_H
#define SL_VERSION_H

/* "0.5.0" or "0.5.0+g1a2b3c4" (a checkout) or "0.5.0+g1a2b3c4.dirty". */
const char *sl_version(void);

#endif
