/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* attach.h: attaching the pinned programs to task cgroups through bpf_links pinned under
 * <bpffs>/links/<cgroup id>/, detaching them, listing them, and tearing everything down. */
#ifndef SL_ATTACH_H
#define SL_ATTACH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <bpf/bpf.h>
#include "lib/err.h"
#include "sluice.h"

struct sl_prog_desc {
	const char *name; /* pin name under <bpffs>/progs, program name without "sluice_" */
	enum bpf_attach_type type;
};

extern const struct sl_prog_desc sl_progs[];
extern const size_t sl_nprogs;

struct sl_attachment_info {
	uint64_t cgroup_id;
	char path[SLUICE_CGROUP_PATH_LEN];
	uint32_t flags;
	unsigned int nlinks; /* pinned links (sl_nprogs when complete) */
	bool alive;          /* the cgroup still exists */
};

/* Attach every program to the cgroup at path (cgroup v2). Idempotent; all or nothing: on
 * failure the links made by this call are removed. The cgroup2 root is refused unless
 * force, and so is a cgroup that another data plane routes (sl_attach_check). flags are
 * SLUICE_ATTACH_* recorded in the attachments map. */
int sl_attach(const char *dir, int attachments_fd, const char *cgroup, uint32_t flags,
	      bool force, struct sl_err *err);
/* Refused (-EINVAL, said in err) when another sluice data plane (programs on maps not those
 * pinned under dir) routes the cgroup at path already; 0 when it does not, or is not there. */
int sl_attach_check(const char *dir, const char *cgroup, struct sl_err *err);
/* The cgroup id a detach argument names: a cgroup path, or an id (decimal). */
int sl_detach_get_id(const char *cgroup, uint64_t *id, struct sl_err *err);
/* Detach by cgroup path or by cgroup id (decimal). -ENOENT when nothing is attached. */
int sl_detach(const char *dir, int attachments_fd, const char *cgroup, struct sl_err *err);
int sl_detach_id(const char *dir, int attachments_fd, uint64_t cgroup_id, struct sl_err *err);
/* Every attachment, from the links pinned under dir and the attachments map. */
int sl_attachments_list(const char *dir, int attachments_fd, struct sl_attachment_info **out,
			size_t *n, struct sl_err *err);
/* Remove the links of cgroups that no longer exist; *removed counts the cgroups. */
int sl_attach_gc(const char *dir, int attachments_fd, unsigned int *removed);
/* Point every pinned link at the programs now pinned under dir/progs (after an upgrade). */
int sl_links_update(const char *dir, unsigned int *updated, struct sl_err *err);
/* Detach every link and remove every pin under dir, then dir itself. */
int sl_teardown(const char *dir, struct sl_err *err);

#endif
