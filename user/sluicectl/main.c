// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* main.c: sluicectl's command table, a row per command (name, handler, usage, what it needs);
 * options and dispatch are cli.c's, the commands commands.c's, status.c's, tasks.c's and top.c's. */
#include "sluicectl/commands.h"

static int cmd_help(struct ctl *c);

static const struct ctl_cmd cmds[] = {
	{ "status", cmd_status, NULL, "is sluiced serving and ready; what is degraded",
	  0, 0, CTL_NEEDS_BPFFS | CTL_NEEDS_STATUS },
	{ "services", cmd_services, NULL, "services, aliases, VIPs, backends, state, counters",
	  0, 0, CTL_NEEDS_MAPS },
	{ "top", cmd_top, NULL, "per-backend rates, live: connects, failures, bytes, active",
	  0, 0, CTL_NEEDS_MAPS },
	{ "attach", cmd_attach, "CGROUP", "route a cgroup's connects (its root: --force)",
	  1, 1, CTL_NEEDS_MAPS },
	{ "detach", cmd_detach, "CGROUP|ID", "stop routing a cgroup", 1, 1, CTL_NEEDS_MAPS },
	{ "attached", cmd_attached, NULL, "the cgroups sluice is attached to", 0, 0,
	  CTL_NEEDS_MAPS },
	{ "tasks", cmd_tasks, NULL, "the task cgroups: namespace, level, attached or found, path",
	  0, 0, CTL_NEEDS_MAPS },
	{ "teardown", cmd_teardown, NULL, "detach and unpin all (sluiced stopped, or --force)",
	  0, 0, CTL_NEEDS_BPFFS },
	{ "help", cmd_help, NULL, "this text", 0, 0, 0 },
};

#define NCMDS (sizeof(cmds) / sizeof(cmds[0]))

static int cmd_help(struct ctl *c)
{
	(void)c;
	ctl_print_usage(cmds, NCMDS);
	return 0;
}

int main(int argc, char **argv)
{
	return ctl_main(cmds, NCMDS, argc, argv);
}
