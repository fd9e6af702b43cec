// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* cgroup_rules.c: the runtimes' cgroup layouts as presets, and globs of one '*' per level
 * matched against cgroup names, level by level. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include "inputs/cgroup_rules.h"

/* Docker: the systemd cgroup driver, then cgroupfs. */
#define DOCKER_LAYOUTS { "system.slice", "docker-*.scope" }, { "docker", "*" }

static const struct sl_layout ecs[] = {
	/* a task that sets CPU or memory limits, with cgroup v2 */
	{ "ecstasks.slice", "ecstasks-*.slice" },
	/* cgroup v1 (in the unified hierarchy of a hybrid host) */
	{ "ecs", "*" },
	/* a task without limits: Docker's own layout */
	DOCKER_LAYOUTS,
	{ NULL, NULL },
};

static const struct sl_layout docker[] = { DOCKER_LAYOUTS, { NULL, NULL } };

static const struct sl_layout kubernetes[] = {
	/* the systemd driver: guaranteed pods, then burstable and best-effort ones */
	{ "kubepods.slice", "kubepods-pod*.slice" },
	{ "kubepods.slice", "kubepods-burstable.slice/kubepods-burstable-pod*.slice" },
	{ "kubepods.slice", "kubepods-besteffort.slice/kubepods-besteffort-pod*.slice" },
	/* cgroupfs */
	{ "kubepods", "pod*" },
	{ "kubepods", "burstable/pod*" },
	{ "kubepods", "besteffort/pod*" },
	{ NULL, NULL },
};

const char *const sl_preset_names[] = { "ecs", "docker", "kubernetes", NULL };

const struct sl_layout *sl_preset_layouts(const char *preset)
{
	if (!strcmp(preset, "ecs"))
		return ecs;
	if (!strcmp(preset, "docker"))
		return docker;
	if (!strcmp(preset, "kubernetes"))
		return kubernetes;
	return NULL;
}

int sl_match_levels(const char *match, char levels[SL_RULE_MAX_LEVELS][256], const char **why)
{
	const char *p = match, *slash;
	int n = 0;

	if (!*match || match[0] == '/')
		return *why = "must be a relative path of one glob per level", -EINVAL;
	for (;;) {
		size_t len;

		slash = strchr(p, '/');
		len = slash ? (size_t)(slash - p) : strlen(p);
		if (n == SL_RULE_MAX_LEVELS)
			return *why = "has more than 4 levels", -EINVAL;
		if (!len || len >= 256)
			return *why = "has an empty or too long level", -EINVAL;
		memcpy(levels[n], p, len);
		levels[n][len] = '\0';
		if (!strcmp(levels[n], ".") || !strcmp(levels[n], ".."))
			return *why = "may not hold '.' or '..' levels", -EINVAL;
		if (strpbrk(levels[n], "?[]\\"))
			return *why = "may hold only '*' as a wildcard", -EINVAL;
		if (strchr(levels[n], '*') != strrchr(levels[n], '*'))
			return *why = "may hold one '*' per level", -EINVAL;
		n++;
		if (!slash)
			return n;
		p = slash + 1;
	}
}

bool sl_level_match(const char *glob, const char *name)
{
	const char *star = strchr(glob, '*');
	size_t pre, post, len = strlen(name);

	if (!star)
		return !strcmp(glob, name);
	pre = (size_t)(star - glob);
	post = strlen(star + 1);
	return len >= pre + post && !strncmp(name, glob, pre) &&
	       !strcmp(name + len - post, star + 1);
}

bool sl_match_path(const char *match, const char *rel)
{
	char levels[SL_RULE_MAX_LEVELS][256];
	const char *why, *p = rel;
	int n, i;

	n = sl_match_levels(match, levels, &why);
	for (i = 0; i < n; i++) {
		const char *slash = strchr(p, '/');
		char name[256];
		size_t len = slash ? (size_t)(slash - p) : strlen(p);

		if (!len || len >= sizeof(name) || (!slash) != (i == n - 1))
			return false;
		memcpy(name, p, len);
		name[len] = '\0';
		if (!sl_level_match(levels[i], name))
			return false;
		p = slash ? slash + 1 : p + len;
	}
	return n > 0;
}

size_t sl_layout_task(const struct sl_layout *layout, const char *path)
{
	size_t wlen = strlen(layout->watch), end;
	const char *rel = path;
	char task[4096];
	int levels = 0;

	if (wlen) {
		if (strncmp(path, layout->watch, wlen) || path[wlen] != '/')
			return 0;
		rel = path + wlen + 1;
	}
	for (const char *m = layout->match; *m; m++)
		levels += *m == '/';
	levels++;
	end = 0;
	for (int i = 0; i < levels; i++) {
		const char *slash = strchr(rel + end, '/');

		if (!rel[end])
			return 0;
		end = slash ? (size_t)(slash - rel) : strlen(rel);
		if (i < levels - 1) {
			if (!slash)
				return 0;
			end++;
		}
	}
	if (end >= sizeof(task))
		return 0;
	memcpy(task, rel, end);
	task[end] = '\0';
	if (!sl_match_path(layout->match, task))
		return 0;
	return (size_t)(rel - path) + end;
}
