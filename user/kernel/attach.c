// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* attach.c: cgroup attachments as bpf_links pinned per cgroup, so they outlive sluiced and
 * are adopted by the next one; detaching, listing, garbage-collecting and teardown. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>
#include <linux/magic.h>
#include "kernel/attach.h"
#include "kernel/cgroup.h"
#include "lib/log.h"

const struct sl_prog_desc sl_progs[] = {
	{ "connect4", BPF_CGROUP_INET4_CONNECT },
	{ "connect6", BPF_CGROUP_INET6_CONNECT },
	{ "sendmsg4", BPF_CGROUP_UDP4_SENDMSG },
	{ "sendmsg6", BPF_CGROUP_UDP6_SENDMSG },
	{ "recvmsg4", BPF_CGROUP_UDP4_RECVMSG },
	{ "recvmsg6", BPF_CGROUP_UDP6_RECVMSG },
	{ "getpeername4", BPF_CGROUP_INET4_GETPEERNAME },
	{ "getpeername6", BPF_CGROUP_INET6_GETPEERNAME },
	{ "sockops", BPF_CGROUP_SOCK_OPS },
};
const size_t sl_nprogs = sizeof(sl_progs) / sizeof(sl_progs[0]);

static void link_dir(char *buf, size_t len, const char *dir, uint64_t id)
{
	sl_pathf(buf, len, "%s/links/%llu", dir, (unsigned long long)id);
}

/* Detach the link pinned at ldir/name (even while others hold it) and unpin it. */
static void drop_link(const char *ldir, const char *name)
{
	char path[PATH_MAX];
	int fd;

	if (sl_pathf(path, sizeof(path), "%s/%s", ldir, name))
		return;
	fd = bpf_obj_get(path);
	if (fd >= 0) {
		bpf_link_detach(fd);
		close(fd);
	}
	unlink(path);
}

/* Remove every link pinned under ldir and the directory. */
static void drop_links(const char *ldir)
{
	struct dirent *de;
	DIR *d = opendir(ldir);

	if (!d)
		return;
	while ((de = readdir(d)))
		if (de->d_name[0] != '.')
			drop_link(ldir, de->d_name);
	closedir(d);
	rmdir(ldir);
}

static int open_prog(const char *dir, size_t i, struct sl_err *err)
{
	char path[PATH_MAX];
	int fd;

	sl_pathf(path, sizeof(path), "%s/progs/%s", dir, sl_progs[i].name);
	fd = bpf_obj_get(path);
	if (fd < 0) {
		fd = -errno;
		sl_err_set(err, "%s: %s (has sluiced loaded the programs?)", path, strerror(errno));
	}
	return fd;
}

/* The name and map ids (at most max) of the program fd. */
static int prog_maps(int fd, char name[BPF_OBJ_NAME_LEN], uint32_t *ids, uint32_t max)
{
	struct bpf_prog_info info = {};
	uint32_t len = sizeof(info);

	info.nr_map_ids = max;
	info.map_ids = (uint64_t)(uintptr_t)ids;
	if (bpf_obj_get_info_by_fd(fd, &info, &len))
		return -errno;
	memcpy(name, info.name, BPF_OBJ_NAME_LEN);
	name[BPF_OBJ_NAME_LEN - 1] = '\0';
	return (int)(info.nr_map_ids < max ? info.nr_map_ids : max);
}

/* Another data plane's connect4 (a sluice program on other maps than those of the programs
 * pinned under dir, if any) runs for the cgroup cg (attached to it or above it): refused, since
 * both would rewrite its connects, each to its own backends. */
static int check_foreign(const char *dir, int cg, const char *real, struct sl_err *err)
{
	uint32_t own[32], maps[32], ids[64], n = 64, flags = 0, i;
	char path[PATH_MAX], name[BPF_OBJ_NAME_LEN];
	int fd, nown = 0, m, k, j;

	sl_pathf(path, sizeof(path), "%s/progs/%s", dir, sl_progs[0].name);
	fd = bpf_obj_get(path);
	if (fd >= 0) {
		nown = prog_maps(fd, name, own, 32);
		close(fd);
		if (nown < 0)
			nown = 0;
	}
	if (bpf_prog_query(cg, BPF_CGROUP_INET4_CONNECT, BPF_F_QUERY_EFFECTIVE, &flags, ids, &n))
		return sl_err_set(err, "cgroup %s: listing the connect4 programs that run for it: %s",
				  real, strerror(errno));
	for (i = 0; i < n; i++) {
		bool ours = false;

		fd = bpf_prog_get_fd_by_id(ids[i]);
		if (fd < 0)
			continue; /* gone meanwhile */
		m = prog_maps(fd, name, maps, 32);
		close(fd);
		if (m < 0 || strcmp(name, "sluice_connect4"))
			continue;
		for (k = 0; k < m && !ours; k++)
			for (j = 0; j < nown && !ours; j++)
				ours = maps[k] == own[j];
		if (!ours)
			return sl_err_set(err, "cgroup %s: another sluice data plane routes it already "
					  "(program %u, attached to it or to a cgroup above it, on "
					  "maps not those of %s): two would both rewrite its connects; "
					  "detach it (sluicectl -b ITS-BPFFS detach) or give this "
					  "sluiced its bpffs", real, ids[i], dir);
	}
	return 0;
}

int sl_attach_check(const char *dir, const char *cgroup, struct sl_err *err)
{
	char real[PATH_MAX];
	uint32_t level;
	uint64_t id;
	int cg, ret;

	cg = sl_cgroup_open(cgroup, true, &id, &level, real, err);
	if (cg < 0)
		return 0; /* not there (yet): said when it is attached */
	ret = check_foreign(dir, cg, real, err);
	close(cg);
	return ret;
}

int sl_attach(const char *dir, int attachments_fd, const char *cgroup, uint32_t flags,
	      bool force, struct sl_err *err)
{
	char real[PATH_MAX], ldir[PATH_MAX], path[PATH_MAX];
	struct sluice_attachment att = {};
	bool made[16] = {};
	uint32_t level;
	uint64_t id;
	size_t i;
	int cg, ret = 0;

	cg = sl_cgroup_open(cgroup, force, &id, &level, real, err);
	if (cg < 0)
		return cg;
	ret = check_foreign(dir, cg, real, err);
	if (ret)
		goto out;
	sl_pathf(path, sizeof(path), "%s/links", dir);
	mkdir(path, 0700);
	link_dir(ldir, sizeof(ldir), dir, id);
	if (mkdir(ldir, 0700) && errno != EEXIST) {
		ret = -errno;
		sl_err_set(err, "%s: %s", ldir, strerror(errno));
		goto out;
	}
	for (i = 0; i < sl_nprogs; i++) {
		int prog, link;

		sl_pathf(path, sizeof(path), "%s/%s", ldir, sl_progs[i].name);
		if (!access(path, F_OK))
			continue;
		prog = open_prog(dir, i, err);
		if (prog < 0) {
			ret = prog;
			goto undo;
		}
		link = bpf_link_create(prog, cg, sl_progs[i].type, NULL);
		close(prog);
		if (link < 0) {
			ret = -errno;
			sl_err_set(err, "attach %s to %s: %s", sl_progs[i].name, real,
				   strerror(errno));
			goto undo;
		}
		if (bpf_obj_pin(link, path)) {
			ret = -errno;
			sl_err_set(err, "pin %s: %s", path, strerror(errno));
			bpf_link_detach(link);
			close(link);
			goto undo;
		}
		close(link);
		made[i] = true;
	}
	if (sl_pathf(att.path, sizeof(att.path), "%s", real)) {
		ret = sl_err_set(err, "cgroup %s: path longer than %d characters", real,
				 SLUICE_CGROUP_PATH_LEN - 1);
		goto undo;
	}
	att.flags = flags;
	{
		struct sluice_attachment old;

		if (!bpf_map_lookup_elem(attachments_fd, &id, &old))
			att.flags |= old.flags;
	}
	if (bpf_map_update_elem(attachments_fd, &id, &att, BPF_ANY)) {
		ret = -errno;
		sl_err_set(err, "map attachments: %s", strerror(errno));
		goto undo;
	}
	goto out;
undo:
	for (i = 0; i < sl_nprogs; i++)
		if (made[i])
			drop_link(ldir, sl_progs[i].name);
	rmdir(ldir);
out:
	close(cg);
	return ret;
}

int sl_detach_id(const char *dir, int attachments_fd, uint64_t id, struct sl_err *err)
{
	char ldir[PATH_MAX];
	struct stat st;
	bool known;

	link_dir(ldir, sizeof(ldir), dir, id);
	known = !stat(ldir, &st);
	drop_links(ldir);
	if (!bpf_map_delete_elem(attachments_fd, &id))
		known = true;
	if (!known)
		return sl_err_set(err, "cgroup id %llu: not attached", (unsigned long long)id),
		       -ENOENT;
	return 0;
}

int sl_detach_get_id(const char *cgroup, uint64_t *id, struct sl_err *err)
{
	unsigned long long n;
	struct stat st;
	char *end;

	errno = 0;
	n = strtoull(cgroup, &end, 10);
	if (*cgroup && !*end && !errno) {
		*id = n;
		return 0;
	}
	if (stat(cgroup, &st))
		return sl_err_set(err, "cgroup %s: %s", cgroup, strerror(errno)), -ENOENT;
	*id = st.st_ino;
	return 0;
}

int sl_detach(const char *dir, int attachments_fd, const char *cgroup, struct sl_err *err)
{
	uint64_t id;
	int ret = sl_detach_get_id(cgroup, &id, err);

	return ret ? ret : sl_detach_id(dir, attachments_fd, id, err);
}

static unsigned int count_links(const char *ldir, bool *alive)
{
	struct bpf_link_info info;
	char path[PATH_MAX];
	struct dirent *de;
	unsigned int n = 0;
	DIR *d = opendir(ldir);

	*alive = false;
	if (!d)
		return 0;
	while ((de = readdir(d))) {
		__u32 len = sizeof(info);
		int fd;

		if (de->d_name[0] == '.')
			continue;
		sl_pathf(path, sizeof(path), "%s/%s", ldir, de->d_name);
		fd = bpf_obj_get(path);
		if (fd < 0)
			continue;
		n++;
		memset(&info, 0, sizeof(info));
		if (!bpf_obj_get_info_by_fd(fd, &info, &len) && info.cgroup.cgroup_id)
			*alive = true;
		close(fd);
	}
	closedir(d);
	return n;
}

int sl_attachments_list(const char *dir, int attachments_fd, struct sl_attachment_info **out,
			size_t *n, struct sl_err *err)
{
	char ldir[PATH_MAX];
	struct sl_attachment_info *v = NULL;
	struct dirent *de;
	size_t cnt = 0;
	DIR *d;

	*out = NULL;
	*n = 0;
	sl_pathf(ldir, sizeof(ldir), "%s/links", dir);
	d = opendir(ldir);
	if (!d)
		return errno == ENOENT ? 0 : (sl_err_set(err, "%s: %s", ldir, strerror(errno)), -EIO);
	while ((de = readdir(d))) {
		struct sl_attachment_info *a;
		struct sluice_attachment att;
		char sub[PATH_MAX];
		void *nv;

		if (de->d_name[0] == '.')
			continue;
		nv = realloc(v, (cnt + 1) * sizeof(*v));
		if (!nv) {
			closedir(d);
			free(v);
			return -ENOMEM;
		}
		v = nv;
		a = &v[cnt++];
		memset(a, 0, sizeof(*a));
		a->cgroup_id = strtoull(de->d_name, NULL, 10);
		sl_pathf(sub, sizeof(sub), "%s/%s", ldir, de->d_name);
		a->nlinks = count_links(sub, &a->alive);
		if (!bpf_map_lookup_elem(attachments_fd, &a->cgroup_id, &att)) {
			memcpy(a->path, att.path, sizeof(a->path));
			a->path[sizeof(a->path) - 1] = '\0';
			a->flags = att.flags;
		}
	}
	closedir(d);
	*out = v;
	*n = cnt;
	return 0;
}

int sl_attach_gc(const char *dir, int attachments_fd, unsigned int *removed)
{
	struct sl_attachment_info *v;
	struct sl_err err;
	size_t n, i;
	int ret;

	*removed = 0;
	ret = sl_attachments_list(dir, attachments_fd, &v, &n, &err);
	if (ret)
		return ret;
	for (i = 0; i < n; i++) {
		if (v[i].alive || !v[i].nlinks)
			continue;
		pr_info("cgroup %s (id %llu) is gone: removing its links", v[i].path,
			(unsigned long long)v[i].cgroup_id);
		sl_detach_id(dir, attachments_fd, v[i].cgroup_id, &err);
		(*removed)++;
	}
	free(v);
	return 0;
}

int sl_links_update(const char *dir, unsigned int *updated, struct sl_err *err)
{
	char ldir[PATH_MAX], sub[PATH_MAX], path[PATH_MAX];
	struct dirent *de;
	int progs[16];
	size_t i;
	DIR *d;
	int ret = 0;

	*updated = 0;
	for (i = 0; i < sl_nprogs; i++) {
		sl_pathf(path, sizeof(path), "%s/progs/%s", dir, sl_progs[i].name);
		progs[i] = bpf_obj_get(path);
	}
	sl_pathf(ldir, sizeof(ldir), "%s/links", dir);
	d = opendir(ldir);
	while (d && (de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		sl_pathf(sub, sizeof(sub), "%s/%s", ldir, de->d_name);
		for (i = 0; i < sl_nprogs; i++) {
			int fd;

			sl_pathf(path, sizeof(path), "%s/%s", sub, sl_progs[i].name);
			fd = bpf_obj_get(path);
			if (fd < 0)
				continue;
			if (progs[i] < 0 || bpf_link_update(fd, progs[i], NULL)) {
				ret = -errno;
				sl_err_set(err, "update link %s: %s", path, strerror(errno));
			} else {
				(*updated)++;
			}
			close(fd);
		}
	}
	if (d)
		closedir(d);
	for (i = 0; i < sl_nprogs; i++)
		if (progs[i] >= 0)
			close(progs[i]);
	return ret;
}

static void remove_tree(const char *path)
{
	char sub[PATH_MAX];
	struct dirent *de;
	DIR *d = opendir(path);

	if (!d) {
		unlink(path);
		return;
	}
	while ((de = readdir(d))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		sl_pathf(sub, sizeof(sub), "%s/%s", path, de->d_name);
		remove_tree(sub);
	}
	closedir(d);
	rmdir(path);
}

int sl_teardown(const char *dir, struct sl_err *err)
{
	char ldir[PATH_MAX], sub[PATH_MAX];
	struct dirent *de;
	struct stat st;
	DIR *d;

	if (stat(dir, &st))
		return sl_err_set(err, "%s: %s", dir, strerror(errno)), -ENOENT;
	sl_pathf(ldir, sizeof(ldir), "%s/links", dir);
	d = opendir(ldir);
	while (d && (de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		sl_pathf(sub, sizeof(sub), "%s/%s", ldir, de->d_name);
		drop_links(sub);
	}
	if (d)
		closedir(d);
	remove_tree(dir);
	if (!stat(dir, &st))
		return sl_err_set(err, "%s: could not remove everything", dir), -EBUSY;
	return 0;
}
