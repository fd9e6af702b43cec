// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* sluice-hit.c: a demo client: connects COUNT times to HOST:PORT (resolved like any app
 * would, /etc/hosts included) and prints which backend answered how often. */
#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define MAX_NAMES 16

int main(int argc, char **argv)
{
	struct addrinfo hints = { .ai_family = AF_INET, .ai_socktype = SOCK_STREAM };
	char names[MAX_NAMES][32], peer[INET6_ADDRSTRLEN] = "?";
	int counts[MAX_NAMES] = {}, n = 0, failed = 0, last_errno = 0, i, k, count;
	struct addrinfo *ai;

	if (argc != 4 || (count = atoi(argv[3])) <= 0) {
		fprintf(stderr, "usage: sluice-hit HOST PORT COUNT\n");
		return 2;
	}
	if (getaddrinfo(argv[1], argv[2], &hints, &ai)) {
		fprintf(stderr, "sluice-hit: cannot resolve %s\n", argv[1]);
		return 1;
	}
	for (i = 0; i < count; i++) {
		struct sockaddr_in sin;
		socklen_t len = sizeof(sin);
		char buf[32] = {};
		ssize_t r;
		int fd = socket(AF_INET, SOCK_STREAM, 0);

		if (connect(fd, ai->ai_addr, ai->ai_addrlen)) {
			failed++;
			last_errno = errno;
			close(fd);
			continue;
		}
		if (!getpeername(fd, (void *)&sin, &len))
			inet_ntop(AF_INET, &sin.sin_addr, peer, sizeof(peer));
		r = read(fd, buf, sizeof(buf) - 1);
		close(fd);
		if (r <= 0) {
			failed++;
			continue;
		}
		for (k = 0; k < n && strcmp(names[k], buf); k++)
			;
		if (k == n && n < MAX_NAMES)
			strcpy(names[n++], buf);
		if (k < n)
			counts[k]++;
	}
	printf("%d connects to %s:%s (the app sees its peer as %s):\n", count, argv[1], argv[2],
	       peer);
	for (k = 0; k < n; k++)
		printf("  %-10s %5d  %5.1f%%\n", names[k], counts[k], 100.0 * counts[k] / count);
	if (failed)
		printf("  failed     %5d  (%s)\n", failed, strerror(last_errno));
	freeaddrinfo(ai);
	return 0;
}
