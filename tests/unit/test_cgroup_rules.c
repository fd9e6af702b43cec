// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* test_cgroup_rules.c: the presets against cgroup paths as the runtimes make them (ECS on
 * cgroup v2 and v1, Docker's two drivers, Kubernetes' QoS levels and cgroupfs), and globs. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <setjmp.h>
#include <cmocka.h>
#include "inputs/cgroup_rules.h"

/* Real paths (relative to the cgroup2 mount) and the task each one belongs to ("" for none). */
static const struct sample {
	const char *preset, *path, *task;
} samples[] = {
	/* ECS agent, task with limits, cgroup v2 (Amazon Linux 2023) */
	{ "ecs", "ecstasks.slice/ecstasks-4f8b9a1c2d3e4f5a6b7c8d9e0f1a2b3c.slice",
	  "ecstasks.slice/ecstasks-4f8b9a1c2d3e4f5a6b7c8d9e0f1a2b3c.slice" },
	{ "ecs",
	  "ecstasks.slice/ecstasks-4f8b9a1c2d3e4f5a6b7c8d9e0f1a2b3c.slice/"
	  "docker-0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef.scope",
	  "ecstasks.slice/ecstasks-4f8b9a1c2d3e4f5a6b7c8d9e0f1a2b3c.slice" },
	/* ECS on cgroup v1 (Amazon Linux 2) */
	{ "ecs", "ecs/4f8b9a1c2d3e4f5a6b7c8d9e0f1a2b3c/0123456789abcdef",
	  "ecs/4f8b9a1c2d3e4f5a6b7c8d9e0f1a2b3c" },
	/* ECS task without limits: Docker's layout */
	{ "ecs", "system.slice/docker-0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef.scope",
	  "system.slice/docker-0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef.scope" },
	{ "ecs", "ecstasks.slice", "" },
	{ "ecs", "system.slice/ecs.service", "" },
	{ "ecs", "system.slice/docker.service", "" },
	/* Docker, systemd driver and cgroupfs driver */
	{ "docker", "system.slice/docker-aa11.scope", "system.slice/docker-aa11.scope" },
	{ "docker", "docker/aa11bb22", "docker/aa11bb22" },
	{ "docker", "docker/aa11bb22/nested", "docker/aa11bb22" },
	{ "docker", "system.slice/containerd.service", "" },
	{ "docker", "system.slice/docker.socket", "" },
	{ "docker", "user.slice/user-1000.slice", "" },
	{ "docker", "docker", "" },
	/* Kubernetes, systemd driver: guaranteed, burstable, best-effort */
	{ "kubernetes",
	  "kubepods.slice/kubepods-pod7d2f4c1e_5b6a_4c3d_9e8f_1a2b3c4d5e6f.slice/"
	  "cri-containerd-89abcdef.scope",
	  "kubepods.slice/kubepods-pod7d2f4c1e_5b6a_4c3d_9e8f_1a2b3c4d5e6f.slice" },
	{ "kubernetes",
	  "kubepods.slice/kubepods-burstable.slice/"
	  "kubepods-burstable-pod7d2f4c1e_5b6a_4c3d_9e8f_1a2b3c4d5e6f.slice/cri-containerd-89ab.scope",
	  "kubepods.slice/kubepods-burstable.slice/"
	  "kubepods-burstable-pod7d2f4c1e_5b6a_4c3d_9e8f_1a2b3c4d5e6f.slice" },
	{ "kubernetes",
	  "kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-podab12.slice",
	  "kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-podab12.slice" },
	{ "kubernetes", "kubepods.slice/kubepods-burstable.slice", "" },
	{ "kubernetes", "kubepods.slice/kubepods-besteffort.slice", "" },
	/* Kubernetes, cgroupfs driver */
	{ "kubernetes", "kubepods/pod7d2f4c1e-5b6a-4c3d-9e8f-1a2b3c4d5e6f/89abcdef",
	  "kubepods/pod7d2f4c1e-5b6a-4c3d-9e8f-1a2b3c4d5e6f" },
	{ "kubernetes", "kubepods/burstable/podab12/89ab", "kubepods/burstable/podab12" },
	{ "kubernetes", "kubepods/besteffort/podab12", "kubepods/besteffort/podab12" },
	{ "kubernetes", "kubepods/burstable", "" },
	{ "kubernetes", "system.slice/kubelet.service", "" },
};

/* The task of path under any layout of the preset, as a string ("" for none). */
static void task_of(const char *preset, const char *path, char *out, size_t size)
{
	const struct sl_layout *l = sl_preset_layouts(preset);
	size_t best = 0;

	for (assert_non_null(l); l->watch; l++) {
		size_t n = sl_layout_task(l, path);

		if (n > best)
			best = n;
	}
	assert_true(best < size);
	memcpy(out, path, best);
	out[best] = '\0';
}

static void test_presets_on_real_paths(void **state)
{
	char task[4096];

	(void)state;
	for (size_t i = 0; i < sizeof(samples) / sizeof(samples[0]); i++) {
		task_of(samples[i].preset, samples[i].path, task, sizeof(task));
		if (strcmp(task, samples[i].task))
			fail_msg("%s: %s: task \"%s\", expected \"%s\"", samples[i].preset,
				 samples[i].path, task, samples[i].task);
	}
}

static void test_preset_names(void **state)
{
	(void)state;
	for (const char *const *n = sl_preset_names; *n; n++) {
		const struct sl_layout *l = sl_preset_layouts(*n);
		char levels[SL_RULE_MAX_LEVELS][256];
		const char *why;

		assert_non_null(l);
		for (; l->watch; l++)
			if (sl_match_levels(l->match, levels, &why) < 1)
				fail_msg("preset %s: match %s %s", *n, l->match, why);
	}
	assert_null(sl_preset_layouts("podman"));
	assert_null(sl_preset_layouts(""));
}

static void test_glob_levels(void **state)
{
	char levels[SL_RULE_MAX_LEVELS][256];
	const char *why = NULL;

	(void)state;
	assert_int_equal(sl_match_levels("a-*.slice/b-*", levels, &why), 2);
	assert_string_equal(levels[0], "a-*.slice");
	assert_string_equal(levels[1], "b-*");
	assert_int_equal(sl_match_levels("task", levels, &why), 1);
	static const char *const bad[] = {
		"", "/abs", "a//b", "a/", "a/../b", ".", "a**", "*-*", "a?", "a[0-9]", "a\\*",
		"a/b/c/d/e",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		why = NULL;
		if (sl_match_levels(bad[i], levels, &why) >= 0)
			fail_msg("match \"%s\" taken", bad[i]);
		assert_non_null(why);
	}
}

static void test_level_match(void **state)
{
	(void)state;
	assert_true(sl_level_match("docker-*.scope", "docker-ab.scope"));
	assert_true(sl_level_match("docker-*.scope", "docker-.scope")); /* '*' may be empty */
	assert_false(sl_level_match("docker-*.scope", "docker-ab.service"));
	assert_false(sl_level_match("docker-*.scope", "docker.scope")); /* prefix and suffix overlap */
	assert_true(sl_level_match("*", "anything"));
	assert_true(sl_level_match("exact", "exact"));
	assert_false(sl_level_match("exact", "exactly"));
	assert_true(sl_match_path("pod*/c-*", "pod1/c-2"));
	assert_false(sl_match_path("pod*/c-*", "pod1"));
	assert_false(sl_match_path("pod*/c-*", "pod1/c-2/deeper"));
	assert_false(sl_match_path("pod*", "pod1/"));
	assert_false(sl_match_path("a**", "abc")); /* an invalid glob matches nothing */
}

static void test_watch_root(void **state)
{
	const struct sl_layout root = { "", "task-*" };
	const struct sl_layout deep = { "a/b", "t-*" };

	(void)state;
	assert_int_equal(sl_layout_task(&root, "task-1/x"), strlen("task-1"));
	assert_int_equal(sl_layout_task(&root, "other"), 0);
	assert_int_equal(sl_layout_task(&deep, "a/b/t-9"), strlen("a/b/t-9"));
	assert_int_equal(sl_layout_task(&deep, "a/bc/t-9"), 0);
	assert_int_equal(sl_layout_task(&deep, "a/b"), 0);
	assert_int_equal(sl_layout_task(&deep, "a/b/"), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_presets_on_real_paths),
		cmocka_unit_test(test_preset_names),
		cmocka_unit_test(test_glob_levels),
		cmocka_unit_test(test_level_match),
		cmocka_unit_test(test_watch_root),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
