// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* pool.c: backends the health tests can kill and bring back: TCP servers that answer with
 * their name and keep the connection open, and HTTP health endpoints with a settable status;
 * a case's servers listen from pool_up until pool_down. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>
#include "harness.h"

#define POOL_HTTP_PORT 9180
#define TAG_LISTEN 1U
#define TAG_HTTP 2U
#define TAG_CONN 3U
#define POOL_BACKLOG 1024

struct pool_server {
	const char *name, *addr;
	int lfd, hfd;
	int http_status;
	unsigned long hits;
};

static struct pool_server pool[] = {
	{ .name = "H1", .addr = "127.0.0.21" },  { .name = "H2", .addr = "127.0.0.22" },
	{ .name = "H3", .addr = "127.0.0.23" },  { .name = "H4", .addr = "127.0.0.24" },
	{ .name = "H5", .addr = "127.0.0.25" },  { .name = "H6", .addr = "127.0.0.26" },
	{ .name = "H7", .addr = "127.0.0.27" },  { .name = "H8", .addr = "127.0.0.28" },
	{ .name = "H9", .addr = "127.0.0.29" },  { .name = "H10", .addr = "127.0.0.30" },
	{ .name = "H11", .addr = "127.0.0.31" }, { .name = "H12", .addr = "127.0.0.32" },
};
#define NPOOL (sizeof(pool) / sizeof(pool[0]))

static int pool_ep = -1;

static uint64_t tag(unsigned kind, unsigned idx, int fd)
{
	return (uint64_t)kind << 56 | (uint64_t)idx << 32 | (uint32_t)fd;
}

static struct pool_server *find(const char *name)
{
	size_t i;

	for (i = 0; i < NPOOL; i++)
		if (!strcmp(pool[i].name, name))
			return &pool[i];
	return NULL;
}

static int listen_on(const char *addr, int port, int backlog)
{
	struct sockaddr_in sin = { .sin_family = AF_INET, .sin_port = htons(port) };
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0), one = 1;

	if (fd < 0)
		return -1;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (inet_pton(AF_INET, addr, &sin.sin_addr) != 1 || bind(fd, (void *)&sin, sizeof(sin)) ||
	    listen(fd, backlog)) {
		close(fd);
		return -1;
	}
	return fd;
}

static int watch(int fd, uint64_t data)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.u64 = data };

	return epoll_ctl(pool_ep, EPOLL_CTL_ADD, fd, &ev);
}

static void answer_http(struct pool_server *s, int lfd)
{
	char req[1024], resp[128];
	int c = accept(lfd, NULL, NULL);
	struct timeval tv = { .tv_sec = 1 };

	if (c < 0)
		return;
	setsockopt(c, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	if (read(c, req, sizeof(req)) > 0) {
		int st = __atomic_load_n(&s->http_status, __ATOMIC_RELAXED);

		snprintf(resp, sizeof(resp), "HTTP/1.1 %d X\r\nContent-Length: 0\r\n"
			 "Connection: close\r\n\r\n", st);
		if (write(c, resp, strlen(resp)) < 0)
			perror("pool http write");
	}
	close(c);
}

static void *serve(void *arg)
{
	struct epoll_event evs[32];

	(void)arg;
	for (;;) {
		int n = epoll_wait(pool_ep, evs, 32, -1), i;

		for (i = 0; i < n; i++) {
			unsigned kind = evs[i].data.u64 >> 56;
			unsigned idx = (evs[i].data.u64 >> 32) & 0xffffff;
			int fd = (int)(uint32_t)evs[i].data.u64, c;
			struct pool_server *s = &pool[idx];
			char buf[256];

			if (kind == TAG_HTTP) {
				answer_http(s, fd);
			} else if (kind == TAG_LISTEN) {
				c = accept4(fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
				if (c < 0)
					continue;
				__atomic_fetch_add(&s->hits, 1, __ATOMIC_RELAXED);
				if (write(c, s->name, strlen(s->name)) < 0 ||
				    watch(c, tag(TAG_CONN, idx, c)))
					close(c);
			} else if (read(fd, buf, sizeof(buf)) <= 0) {
				/* the client closed (or reset): so do we */
				epoll_ctl(pool_ep, EPOLL_CTL_DEL, fd, NULL);
				close(fd);
			}
		}
	}
	return NULL;
}

/* Listen on port into *fd (unless it listens already), served as kind. */
static int listen_watched(struct pool_server *s, int *fd, int port, unsigned kind)
{
	if (*fd > 0)
		return 0;
	*fd = listen_on(s->addr, port, POOL_BACKLOG);
	if (*fd < 0 || watch(*fd, tag(kind, s - pool, *fd))) {
		fprintf(stderr, "pool: %s %s:%d: %s\n", s->name, s->addr, port, strerror(errno));
		return -1;
	}
	return 0;
}

int pool_revive(const char *name)
{
	struct pool_server *s = find(name);

	return s ? listen_watched(s, &s->lfd, POOL_PORT, TAG_LISTEN) : -1;
}

static void unwatch(int *fd)
{
	if (*fd <= 0)
		return;
	epoll_ctl(pool_ep, EPOLL_CTL_DEL, *fd, NULL);
	close(*fd);
	*fd = 0;
}

int pool_kill(const char *name)
{
	struct pool_server *s = find(name);

	if (!s || s->lfd <= 0)
		return -1;
	unwatch(&s->lfd);
	return 0;
}

int pool_listen_at(const char *name, int backlog)
{
	struct pool_server *s = find(name);

	return s ? listen_on(s->addr, POOL_PORT, backlog) : -1;
}

const char *pool_addr(const char *name)
{
	struct pool_server *s = find(name);

	return s ? s->addr : NULL;
}

int pool_up(const char *name)
{
	struct pool_server *s = find(name);

	if (!s)
		return -1;
	pool_http_status(name, 200);
	return listen_watched(s, &s->lfd, POOL_PORT, TAG_LISTEN) ||
	       listen_watched(s, &s->hfd, POOL_HTTP_PORT, TAG_HTTP) ? -1 : 0;
}

void pool_down(void)
{
	size_t i;

	for (i = 0; i < NPOOL; i++) {
		unwatch(&pool[i].lfd);
		unwatch(&pool[i].hfd);
	}
}

void pool_http_status(const char *name, int status)
{
	struct pool_server *s = find(name);

	if (s)
		__atomic_store_n(&s->http_status, status, __ATOMIC_RELAXED);
}

unsigned long pool_hits(const char *name)
{
	struct pool_server *s = find(name);

	return s ? __atomic_load_n(&s->hits, __ATOMIC_RELAXED) : 0;
}

int pool_start(void)
{
	pthread_t th;

	pool_ep = epoll_create1(EPOLL_CLOEXEC);
	if (pool_ep < 0 || pthread_create(&th, NULL, serve, NULL))
		return -1;
	pthread_detach(th);
	return 0;
}
