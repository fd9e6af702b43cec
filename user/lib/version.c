// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* version.c: the build's version string, from the generated version_string.h (the Makefile
 * rewrites it only when the version changes, so a new commit rebuilds this file alone). */
#include "lib/version.h"
#include "version_string.h"

const char *sl_version(void)
{
	return SL_VERSION_STRING;
}
