// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* dataplane.c: loading the embedded BPF object with its maps pinned by name under the
 * bpffs dir (adopting those already there), pinning programs, updating surviving links. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>
#include <linux/magic.h>
#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include "kernel/attach.h"
#include "kernel/dataplane.h"
#include "lib/fsutil.h"
#include "lib/log.h"
#include "sluice.skel.h"

#define PROG_PREFIX "sluice_"

static bool on_bpffs(const char *path)
{
	struct statfs sfs;

	return !statfs(path, &sfs) && sfs.f_type == BPF_FS_MAGIC;
}

/* The deepest existing ancestor of dir (or dir itself) into buf. */
static void existing_ancestor(const char *dir, char *buf, size_t len)
{
	struct stat st;
	char *slash;

	sl_pathf(buf, len, "%s", dir);
	while (stat(buf, &st) && (slash = strrchr(buf, '/'))) {
		if (slash == buf) {
			buf[1] = '\0';
			break;
		}
		*slash = '\0';
	}
}

static int ensure_bpffs(const char *dir, struct sl_err *err)
{
	char anc[PATH_MAX];
	int ret;

	existing_ancestor(dir, anc, sizeof(anc));
	if (!on_bpffs(anc) && !strcmp(anc, "/sys/fs/bpf")) {
		pr_info("mounting a BPF filesystem on /sys/fs/bpf");
		if (mount("bpf", "/sys/fs/bpf", "bpf", 0, "mode=0700"))
			return sl_err_set(err, "bpffs %s: /sys/fs/bpf is not a BPF filesystem and "
					  "mounting one failed: %s", dir, strerror(errno));
	}
	if (!on_bpffs(anc))
		return sl_err_set(err, "bpffs %s: %s is not a BPF filesystem; mount one (mount -t "
				  "bpf bpf /sys/fs/bpf) or set \"bpffs\" to a directory on one",
				  dir, anc);
	ret = sl_mkdir_p(dir, 0700);
	if (ret)
		return sl_err_set(err, "bpffs %s: %s", dir, strerror(-ret));
	return 0;
}

static void set_limits(struct sluice *skel, const struct sl_limits *lim)
{
	bpf_map__set_max_entries(skel->maps.frontends, lim->frontends);
	bpf_map__set_max_entries(skel->maps.backend_sets, 2 * lim->services);
	bpf_map__set_max_entries(skel->maps.services, lim->services);
	bpf_map__set_max_entries(skel->maps.service_stats, lim->services);
	bpf_map__set_max_entries(skel->maps.backends, lim->backends);
	bpf_map__set_max_entries(skel->maps.backend_stats, lim->backends);
	bpf_map__set_max_entries(skel->maps.sock_vips, lim->sockets);
	bpf_map__set_max_entries(skel->maps.service_policies, lim->services);
	bpf_map__set_max_entries(skel->maps.rr_cursors, 2 * lim->services);
	bpf_map__set_max_entries(skel->maps.backend_health, lim->backends);
	bpf_map__set_max_entries(skel->maps.affinities, lim->affinities);
}

/* libbpf would only say "couldn't reuse pinned map": say what differs and what to do. */
static int check_pinned(struct sluice *skel, struct sl_err *err)
{
	struct bpf_map *map;

	bpf_object__for_each_map(map, skel->obj) {
		const char *path = bpf_map__pin_path(map);
		struct bpf_map_info info = {};
		__u32 len = sizeof(info);
		const char *what = NULL;
		unsigned int have = 0, want = 0;
		int fd;

		if (!path)
			continue;
		fd = bpf_obj_get(path);
		if (fd < 0)
			continue;
		if (bpf_obj_get_info_by_fd(fd, &info, &len)) {
			close(fd);
			continue;
		}
		close(fd);
		if (info.type != bpf_map__type(map))
			what = "type", have = info.type, want = bpf_map__type(map);
		else if (info.key_size != bpf_map__key_size(map))
			what = "key size", have = info.key_size, want = bpf_map__key_size(map);
		else if (info.value_size != bpf_map__value_size(map))
			what = "value size", have = info.value_size, want = bpf_map__value_size(map);
		else if (info.max_entries != bpf_map__max_entries(map))
			what = "max_entries (limits)", have = info.max_entries,
			want = bpf_map__max_entries(map);
		else if (info.map_flags != bpf_map__map_flags(map))
			what = "flags", have = info.map_flags, want = bpf_map__map_flags(map);
		if (what)
			return sl_err_set(err, "pinned map %s has %s %u, this sluiced wants %u: it "
					  "was made with other limits or another sluice version; "
					  "keep its limits, or run `sluicectl teardown` (routing "
					  "stops until sluiced starts again)",
					  path, what, have, want);
	}
	return 0;
}

static int check_meta(struct sl_dataplane *dp, struct sl_err *err)
{
	struct sluice_meta meta = {};
	__u32 zero = 0;

	if (bpf_map_lookup_elem(dp->maps.meta, &zero, &meta))
		return sl_err_set(err, "map meta: %s", strerror(errno));
	if (meta.abi_version == SLUICE_ABI_VERSION)
		return 0;
	if (meta.abi_version)
		return sl_err_set(err, "maps under %s are of sluice map ABI %u, this is %u: run "
				  "`sluicectl teardown` first", dp->dir, meta.abi_version,
				  SLUICE_ABI_VERSION);
	meta.abi_version = SLUICE_ABI_VERSION;
	if (bpf_map_update_elem(dp->maps.meta, &zero, &meta, BPF_ANY))
		return sl_err_set(err, "map meta: %s", strerror(errno));
	return 0;
}

/* Pin each program as progs/<name>, replacing the old pin in one rename. */
static int pin_programs(struct sl_dataplane *dp, struct sl_err *err)
{
	char path[PATH_MAX], tmp[PATH_MAX];
	struct bpf_program *prog;

	sl_pathf(path, sizeof(path), "%s/progs", dp->dir);
	if (mkdir(path, 0700) && errno != EEXIST)
		return sl_err_set(err, "%s: %s", path, strerror(errno));
	bpf_object__for_each_program(prog, dp->skel->obj) {
		const char *name = bpf_program__name(prog) + strlen(PROG_PREFIX);

		sl_pathf(path, sizeof(path), "%s/progs/%s", dp->dir, name);
		sl_pathf(tmp, sizeof(tmp), "%s/progs/new_%s", dp->dir, name);
		unlink(tmp);
		if (bpf_program__pin(prog, tmp) || rename(tmp, path)) {
			unlink(tmp);
			return sl_err_set(err, "pin program %s: %s", path, strerror(errno));
		}
	}
	return 0;
}

static void fill_maps(struct sl_dataplane *dp)
{
	struct sluice *s = dp->skel;
	struct btf *btf = bpf_object__btf(s->obj);
	int id;

	dp->maps.frontends = bpf_map__fd(s->maps.frontends);
	dp->maps.backend_sets = bpf_map__fd(s->maps.backend_sets);
	dp->maps.services = bpf_map__fd(s->maps.services);
	dp->maps.backends = bpf_map__fd(s->maps.backends);
	dp->maps.backend_stats = bpf_map__fd(s->maps.backend_stats);
	dp->maps.service_stats = bpf_map__fd(s->maps.service_stats);
	dp->maps.sock_vips = bpf_map__fd(s->maps.sock_vips);
	dp->maps.attachments = bpf_map__fd(s->maps.attachments);
	dp->maps.meta = bpf_map__fd(s->maps.meta);
	dp->maps.service_policies = bpf_map__fd(s->maps.service_policies);
	dp->maps.backend_health = bpf_map__fd(s->maps.backend_health);
	dp->maps.rr_cursors = bpf_map__fd(s->maps.rr_cursors);
	dp->maps.affinities = bpf_map__fd(s->maps.affinities);
	dp->maps.health_events = bpf_map__fd(s->maps.health_events);
	dp->maps.sock_routes = bpf_map__fd(s->maps.sock_routes);
	dp->maps.ncpus = libbpf_num_possible_cpus();
	dp->maps.owned = false;
	dp->maps.btf_fd = -1;
	if (!btf)
		return;
	id = btf__find_by_name_kind(btf, "sluice_slot", BTF_KIND_STRUCT);
	if (id > 0) {
		dp->maps.btf_slot_id = id;
		id = btf__find_by_name_kind(btf, "__u32", BTF_KIND_TYPEDEF);
	}
	if (id > 0) {
		dp->maps.btf_key_id = id;
		dp->maps.btf_fd = bpf_object__btf_fd(s->obj);
	}
}

int sl_dataplane_open(struct sl_dataplane *dp, const char *dir, const struct sl_limits *lim,
		      struct sl_err *err)
{
	LIBBPF_OPTS(bpf_object_open_opts, opts, .pin_root_path = dir);
	char path[PATH_MAX];
	unsigned int updated;
	int ret;

	memset(dp, 0, sizeof(*dp));
	dp->dir = strdup(dir);
	if (!dp->dir)
		return -ENOMEM;
	ret = ensure_bpffs(dir, err);
	if (ret)
		goto fail;
	sl_pathf(path, sizeof(path), "%s/frontends", dir);
	dp->adopted = !access(path, F_OK);
	dp->skel = sluice__open_opts(&opts);
	if (!dp->skel) {
		ret = -errno;
		sl_err_set(err, "opening the BPF object: %s", strerror(errno));
		goto fail;
	}
	set_limits(dp->skel, lim);
	ret = check_pinned(dp->skel, err);
	if (ret)
		goto fail;
	ret = sluice__load(dp->skel);
	if (ret) {
		sl_err_set(err, "loading the BPF programs: %s (run with -v for the verifier's "
			   "log; needs root, kernel 5.18+ with BTF and cgroup BPF)", strerror(-ret));
		goto fail;
	}
	fill_maps(dp);
	ret = sl_maps_map_health(&dp->maps, err);
	if (!ret)
		ret = check_meta(dp, err);
	if (!ret)
		ret = pin_programs(dp, err);
	if (!ret)
		ret = sl_links_update(dir, &updated, err);
	if (ret)
		goto fail;
	if (updated)
		pr_info("moved %u pinned links onto the new programs", updated);
	return 0;
fail:
	sl_dataplane_close(dp);
	return ret ? ret : -EINVAL;
}

void sl_dataplane_close(struct sl_dataplane *dp)
{
	sl_maps_close(&dp->maps);
	if (dp->skel)
		sluice__destroy(dp->skel);
	free(dp->dir);
	memset(dp, 0, sizeof(*dp));
}
