/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* commands.h: the handlers of sluicectl's command table (main.c), and the attachments'
 * output that attached and status share. */
#ifndef CTL_COMMANDS_H
#define CTL_COMMANDS_H

#include <jansson.h>
#include <stddef.h>
#include "kernel/attach.h"
#include "sluicectl/cli.h"

/* commands.c */
int cmd_services(struct ctl *c);
int cmd_attach(struct ctl *c);
int cmd_detach(struct ctl *c);
int cmd_attached(struct ctl *c);
int cmd_teardown(struct ctl *c);

/* "attached", "partial" (not every program's link is pinned) or "gone" (no such cgroup). */
const char *ctl_attachment_state(const struct sl_attachment_info *a);
json_t *ctl_attachments_json(const struct sl_attachment_info *v, size_t n);
/* A line each: "ID STATE PATH[ (config)]", after indent. */
void ctl_attachments_print(const struct sl_attachment_info *v, size_t n, const char *indent);

/* tasks.c */
int cmd_tasks(struct ctl *c);

/* top.c */
int cmd_top(struct ctl *c);

/* status.c */
int cmd_status(struct ctl *c);

#endif
