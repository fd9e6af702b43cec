// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* dnsload.c: DNS load for the names benchmark: CONC connected UDP sockets, each with one query
 * in flight (built with ldns, its ID changed per query), for SECONDS; prints one JSON object:
 * answers per second, latency p50 and p99 (microseconds), lost queries (no reply within 1 s).
 * Usage: dnsload SERVER NAME SECONDS CONC (IPv4 server, port 53). */
#include <arpa/inet.h>
#include <errno.h>
#include <ldns/ldns.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MAX_CONC 256
#define MAX_SAMPLES (1 << 22)
#define LOST_NS 1000000000ULL

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

struct slot {
	int fd;
	uint16_t id;
	uint64_t sent;
};

int main(int argc, char **argv)
{
	static uint32_t lat[MAX_SAMPLES];
	struct slot s[MAX_CONC];
	struct sockaddr_in to = { .sin_family = AF_INET, .sin_port = htons(53) };
	uint8_t *wire = NULL, buf[4096];
	size_t wlen, nlat = 0, i;
	uint64_t answers = 0, lost = 0, start, end;
	ldns_pkt *q = NULL;
	int ep, conc, seconds;

	if (argc != 5 || inet_pton(AF_INET, argv[1], &to.sin_addr) != 1) {
		fprintf(stderr, "usage: dnsload SERVER NAME SECONDS CONC\n");
		return 2;
	}
	seconds = atoi(argv[3]);
	conc = atoi(argv[4]);
	if (conc < 1 || conc > MAX_CONC || seconds < 1)
		return 2;
	if (ldns_pkt_query_new_frm_str(&q, argv[2], LDNS_RR_TYPE_A, LDNS_RR_CLASS_IN, LDNS_RD) !=
		    LDNS_STATUS_OK ||
	    ldns_pkt2wire(&wire, q, &wlen) != LDNS_STATUS_OK)
		return 1;
	ep = epoll_create1(0);
	for (i = 0; i < (size_t)conc; i++) {
		struct epoll_event ev = { .events = EPOLLIN, .data.u32 = (uint32_t)i };

		s[i].fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);
		if (s[i].fd < 0 || connect(s[i].fd, (struct sockaddr *)&to, sizeof(to)) ||
		    epoll_ctl(ep, EPOLL_CTL_ADD, s[i].fd, &ev)) {
			perror("dnsload: socket");
			return 1;
		}
		s[i].id = (uint16_t)(i * 251);
	}
	start = now_ns();
	end = start + (uint64_t)seconds * 1000000000ULL;
	for (i = 0; i < (size_t)conc; i++) {
		wire[0] = (uint8_t)(s[i].id >> 8);
		wire[1] = (uint8_t)s[i].id;
		s[i].sent = now_ns();
		if (send(s[i].fd, wire, wlen, 0) < 0)
			return 1;
	}
	for (;;) {
		struct epoll_event evs[64];
		uint64_t t = now_ns();
		int n = epoll_wait(ep, evs, 64, 100), k;

		if (t >= end)
			break;
		for (k = 0; k < n; k++) {
			struct slot *sl = &s[evs[k].data.u32];
			ssize_t r = recv(sl->fd, buf, sizeof(buf), 0);

			if (r < 2 || ((uint16_t)(buf[0] << 8 | buf[1])) != sl->id)
				continue;
			t = now_ns();
			answers++;
			if (nlat < MAX_SAMPLES)
				lat[nlat++] = (uint32_t)((t - sl->sent) / 1000);
			sl->id++;
			wire[0] = (uint8_t)(sl->id >> 8);
			wire[1] = (uint8_t)sl->id;
			sl->sent = t;
			send(sl->fd, wire, wlen, 0);
		}
		for (i = 0; i < (size_t)conc; i++) /* a lost query: ask again */
			if (t - s[i].sent > LOST_NS) {
				lost++;
				s[i].id++;
				wire[0] = (uint8_t)(s[i].id >> 8);
				wire[1] = (uint8_t)s[i].id;
				s[i].sent = t;
				send(s[i].fd, wire, wlen, 0);
			}
	}
	qsort(lat, nlat, sizeof(lat[0]), cmp_u32);
	printf("{\"qps\": %.0f, \"p50_us\": %u, \"p99_us\": %u, \"lost\": %llu}\n",
	       (double)answers / ((double)(now_ns() - start) / 1e9), nlat ? lat[nlat / 2] : 0,
	       nlat ? lat[nlat * 99 / 100] : 0, (unsigned long long)lost);
	free(wire);
	ldns_pkt_free(q);
	return 0;
}
