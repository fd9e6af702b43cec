// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* paths.c: the data plane's directory and the status file sluicectl looks at, from the
 * command line, the environment, the daemon's config or the defaults. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "inputs/config.h"
#include "sluicectl/paths.h"

static int set(char **out, const char *s)
{
	*out = strdup(s);
	return *out ? 0 : -ENOMEM;
}

int ctl_paths_choose(const struct ctl_where *w, struct ctl_paths *out, struct sl_err *warning,
		     struct sl_err *err)
{
	const char *env = w->env_bpffs && *w->env_bpffs ? w->env_bpffs : NULL;
	const char *given = w->bpffs ? w->bpffs : env;
	const char *bpffs = SL_DEFAULT_BPFFS, *status_file = SL_DEFAULT_STATUS_FILE;
	struct sl_config cfg = {};
	bool loaded = false;
	int ret = 0;

	memset(out, 0, sizeof(*out));
	warning->msg[0] = '\0';
	if (w->config || !given || w->want_status_file) {
		ret = sl_config_load(w->config ? w->config : w->default_config, &cfg, err);
		loaded = !ret;
		if (ret && w->config)
			return ret;
		if (ret && ret != -ENOENT)
			sl_err_set(warning, "%s; using the defaults (%s, %s)", err->msg, bpffs,
				   status_file);
	}
	if (loaded) {
		bpffs = cfg.bpffs;
		status_file = cfg.status_file;
	}
	ret = set(&out->bpffs, given ? given : bpffs) ?: set(&out->status_file, status_file);
	sl_config_free(&cfg);
	if (ret) {
		ctl_paths_free(out);
		return sl_err_set(err, "out of memory"), ret;
	}
	return 0;
}

void ctl_paths_free(struct ctl_paths *p)
{
	free(p->bpffs);
	free(p->status_file);
	p->bpffs = p->status_file = NULL;
}
