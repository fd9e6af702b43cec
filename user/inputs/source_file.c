// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* source_file.c: the file registry as a source: its inotify fd and a debounce timer (writes
 * settle before a read) on one private epoll fd, the path polled at each tick while missing. */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/epoll.h>
#include <sys/timerfd.h>
#include "inputs/registry_file.h"
#include "inputs/source.h"

#define DEBOUNCE_NS (20 * 1000 * 1000) /* registry writes settle this long before a read */
#define BYTES_PER_INSTANCE 1024         /* the files' size bound, with the instances' */

struct file_source {
	struct sl_source base;
	struct sl_registry_file *reg;
	int ep, debounce;
};

static struct file_source *of(const struct sl_source *s)
{
	return (struct file_source *)s;
}

static int fd_of(const struct sl_source *s)
{
	return of(s)->ep;
}

static bool refresh(struct file_source *f)
{
	bool changed = false;
	int ret = sl_registry_file_refresh(f->reg, &changed); /* what fails is said there */

	sl_source_count(&f->base, !ret && !sl_registry_file_problem(f->reg) &&
				  !sl_registry_file_bad_files(f->reg));
	return changed;
}

static bool dispatch(struct sl_source *s, bool tick)
{
	struct file_source *f = of(s);
	struct epoll_event evs[4];
	struct itimerspec its = { .it_value = { 0, DEBOUNCE_NS } };
	bool changed = false;
	uint64_t ticks;
	int n, i;

	if (tick)
		return sl_registry_file_problem(f->reg) ? refresh(f) : false;
	n = epoll_wait(f->ep, evs, 4, 0);
	for (i = 0; i < n; i++) {
		if (evs[i].data.fd == f->debounce) {
			if (read(f->debounce, &ticks, sizeof(ticks)) == sizeof(ticks))
				changed |= refresh(f);
		} else if (sl_registry_file_drain(f->reg)) {
			timerfd_settime(f->debounce, 0, &its, NULL);
		}
	}
	return changed;
}

static const struct sl_instances *instances(const struct sl_source *s)
{
	return sl_registry_file_instances(of(s)->reg);
}

static const char *problem(const struct sl_source *s)
{
	return sl_registry_file_problem(of(s)->reg);
}

static unsigned failing(const struct sl_source *s)
{
	return sl_registry_file_bad_files(of(s)->reg);
}

static void free_file(struct sl_source *s)
{
	struct file_source *f = of(s);

	sl_registry_file_close(f->reg);
	if (f->ep >= 0)
		close(f->ep);
	if (f->debounce >= 0)
		close(f->debounce);
	sl_source_cfg_release(&s->cfg);
	free(s->name);
	free(f);
}

static const struct sl_source_ops file_ops = {
	.fd = fd_of, .dispatch = dispatch, .instances = instances, .problem = problem,
	.failing = failing, .free = free_file,
};

static int watch(int ep, int fd)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.fd = fd };

	return epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev);
}

struct sl_source *sl_source_file_open(const struct sl_source_cfg *cfg, size_t max_instances,
				      struct sl_err *err)
{
	struct file_source *f = calloc(1, sizeof(*f));

	if (!f) {
		sl_err_set(err, "registry %s: out of memory", cfg->file);
		return NULL;
	}
	f->base.ops = &file_ops;
	f->ep = f->debounce = -1;
	if (sl_source_cfg_copy(&f->base.cfg, cfg) ||
	    asprintf(&f->base.name, "registry %s", cfg->file) < 0) {
		f->base.name = NULL;
		sl_err_set(err, "registry %s: out of memory", cfg->file);
		goto fail;
	}
	f->reg = sl_registry_file_open(cfg->file, err);
	if (!f->reg)
		goto fail;
	f->ep = epoll_create1(EPOLL_CLOEXEC);
	f->debounce = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
	if (f->ep < 0 || f->debounce < 0 || watch(f->ep, f->debounce) ||
	    watch(f->ep, sl_registry_file_fd(f->reg))) {
		sl_err_set(err, "registry %s: event loop: %s", cfg->file, strerror(errno));
		goto fail;
	}
	sl_registry_file_set_limits(f->reg, max_instances * BYTES_PER_INSTANCE, max_instances);
	refresh(f);
	return &f->base;
fail:
	free_file(&f->base);
	return NULL;
}
