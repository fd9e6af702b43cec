/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* hosts_file.h: the generated hosts file that maps each client alias to its VIP, written in
 * place because tasks bind-mount it (a bind mount does not follow a rename). */
#ifndef SL_HOSTS_FILE_H
#define SL_HOSTS_FILE_H

#include <stdbool.h>
#include "lib/err.h"
#include "model/vip.h"

/* The file's content (malloc'd): a header comment, the usual localhost lines (tasks may
 * mount it over /etc/hosts), then one line per VIP, IPv4 first, each table sorted by
 * name: "VIP<TAB>name name.namespace" (the second name left out when name already ends
 * in ".namespace"). NULL on allocation failure. */
char *sl_hosts_render(const char *namespace, const struct sl_vip_table *v4,
		      const struct sl_vip_table *v6);
/* Make the file at path hold content in place (sl_write_in_place, mode 0644: tasks bind-mount
 * it, and a bind mount does not follow a rename); an unchanged file is not touched. 0 or
 * -errno with err set. */
int sl_hosts_write(const char *path, const char *content, bool *changed, struct sl_err *err);

#endif
