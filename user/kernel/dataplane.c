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
#include <sys/socket.h>
#include <sys/statfs.h>
#include <unistd.h>
#include <linux/magic.h>
#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include "kernel/attach.h"
#include "kernel/bpffs.h"
#include "kernel/dataplane.h"
#include "kernel/hz.h"
#include "lib/fsutil.h"
#include "lib/log.h"
#include "sluice.skel.h"

#define PROG_PREFIX "sluice_"

/* The object's map for each entry of the one list; an error when the two disagree (a map
 * pinned by the object that is not in the list, or one in the list the object lacks). */
static int find_maps(struct sluice *skel, struct bpf_map *out[SL_NMAPS], struct sl_err *err)
{
	struct bpf_map *map;
	size_t i, pinned = 0;

	for (i = 0; i < SL_NMAPS; i++) {
		out[i] = bpf_object__find_map_by_name(skel->obj, sl_map_specs[i].name);
		if (!out[i])
			return sl_err_set(err, "the BPF object has no map %s (kernel/maps.h lists it)",
					  sl_map_specs[i].name);
	}
	bpf_object__for_each_map(map, skel->obj)
		pinned += bpf_map__pin_path(map) != NULL;
	if (pinned != SL_NMAPS)
		return sl_err_set(err, "the BPF object pins %zu maps, kernel/maps.h lists %d",
				  pinned, SL_NMAPS);
	return 0;
}

static void set_limits(struct bpf_map *const maps[SL_NMAPS], const struct sl_limits *lim)
{
	size_t i;

	for (i = 0; i < SL_NMAPS; i++)
		if (sl_map_specs[i].size != SL_SIZE_FIXED)
			bpf_map__set_max_entries(maps[i],
						 sl_map_max_entries(sl_map_specs[i].size, lim));
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

/* The kernel's HZ, for connectTimeoutMs's first SYN retransmission timeout (in jiffies). */
static __u32 kernel_hz(void)
{
	const char *from = NULL;
	unsigned int hz = sl_kernel_hz(&from);

	if (hz)
		pr_debug("kernel HZ %u (%s)", hz, from);
	else
		pr_warn("the kernel's HZ is unknown (no /boot/config-RELEASE, /proc/config.gz or "
			"/proc/timer_list): connectTimeoutMs bounds a connect, but its SYN is first "
			"sent again after the kernel's 1 s");
	return hz;
}

/* The cookie of sluiced's own network namespace, which the programs compare a client's with:
 * failures seen from it are not one client's (README: Health and failover). 0 when the
 * kernel cannot tell (SO_NETNS_COOKIE is 5.14+): then no client is sluiced's. */
static __u64 own_netns_cookie(void)
{
	socklen_t len = sizeof(__u64);
	__u64 cookie = 0;
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	if (fd < 0 || getsockopt(fd, SOL_SOCKET, SO_NETNS_COOKIE, &cookie, &len)) {
		pr_warn("cannot read this network namespace's cookie (%s): connects failing "
			"from it count as one client's", strerror(errno));
		cookie = 0;
	}
	if (fd >= 0)
		close(fd);
	return cookie;
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

static void fill_maps(struct sl_dataplane *dp, struct bpf_map *const maps[SL_NMAPS])
{
	struct btf *btf = bpf_object__btf(dp->skel->obj);
	size_t i;
	int id;

	for (i = 0; i < SL_NMAPS; i++)
		dp->maps.fds[i] = bpf_map__fd(maps[i]);
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
		dp->maps.btf_fd = bpf_object__btf_fd(dp->skel->obj);
	}
}

int sl_dataplane_open(struct sl_dataplane *dp, const char *dir, const struct sl_limits *lim,
		      struct sl_err *err)
{
	LIBBPF_OPTS(bpf_object_open_opts, opts, .pin_root_path = dir);
	struct bpf_map *maps[SL_NMAPS];
	char path[PATH_MAX];
	unsigned int updated;
	int ret;

	memset(dp, 0, sizeof(*dp));
	dp->lock_fd = -1;
	dp->dir = strdup(dir);
	if (!dp->dir)
		return -ENOMEM;
	ret = sl_bpffs_prepare(dir, err);
	if (!ret)
		ret = sl_bpffs_lock(dir, &dp->lock_fd, err);
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
	ret = find_maps(dp->skel, maps, err);
	if (ret)
		goto fail;
	set_limits(maps, lim);
	dp->skel->rodata->sluiced_netns_cookie = own_netns_cookie();
	dp->skel->rodata->kernel_hz = kernel_hz();
	ret = check_pinned(dp->skel, err);
	if (ret)
		goto fail;
	ret = sluice__load(dp->skel);
	if (ret) {
		sl_err_set(err, "loading the BPF programs: %s (run with -v for the verifier's "
			   "log; needs root, kernel 5.18+ with BTF and cgroup BPF)", strerror(-ret));
		goto fail;
	}
	fill_maps(dp, maps);
	ret = sl_health_map_open(&dp->maps.health, dp->maps.backend_health, err);
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
	if (dp->lock_fd >= 0)
		close(dp->lock_fd);
	sl_maps_close(&dp->maps);
	if (dp->skel)
		sluice__destroy(dp->skel);
	free(dp->dir);
	memset(dp, 0, sizeof(*dp));
}

bool sl_dataplane_intact(const struct sl_dataplane *dp)
{
	struct bpf_map_info mine = {}, pinned = {};
	__u32 len = sizeof(mine);
	char path[PATH_MAX];
	bool same;
	int fd;

	if (bpf_obj_get_info_by_fd(dp->maps.frontends, &mine, &len))
		return true; /* cannot tell: no reason to think it is gone */
	sl_pathf(path, sizeof(path), "%s/frontends", dp->dir);
	fd = bpf_obj_get(path);
	if (fd < 0)
		return false;
	len = sizeof(pinned);
	same = !bpf_obj_get_info_by_fd(fd, &pinned, &len) && pinned.id == mine.id;
	close(fd);
	return same;
}
