// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* sluice-echo.c: a demo backend: answers every TCP connection and every UDP datagram on
 * ADDR:PORT with its NAME. Usage: sluice-echo NAME ADDR PORT */
#include <arpa/inet.h>
#include <netdb.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static int open_sock(const char *addr, const char *port, int type)
{
	struct addrinfo hints = { .ai_socktype = type, .ai_flags = AI_NUMERICHOST | AI_PASSIVE };
	struct addrinfo *ai;
	int fd, one = 1;

	if (getaddrinfo(addr, port, &hints, &ai)) {
		fprintf(stderr, "sluice-echo: bad address %s port %s\n", addr, port);
		return -1;
	}
	fd = socket(ai->ai_family, type, 0);
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (fd < 0 || bind(fd, ai->ai_addr, ai->ai_addrlen) ||
	    (type == SOCK_STREAM && listen(fd, 512))) {
		perror("sluice-echo: bind");
		freeaddrinfo(ai);
		return -1;
	}
	freeaddrinfo(ai);
	return fd;
}

int main(int argc, char **argv)
{
	struct pollfd p[2];
	const char *name;

	if (argc != 4) {
		fprintf(stderr, "usage: sluice-echo NAME ADDR PORT\n");
		return 2;
	}
	name = argv[1];
	p[0].fd = open_sock(argv[2], argv[3], SOCK_STREAM);
	p[1].fd = open_sock(argv[2], argv[3], SOCK_DGRAM);
	if (p[0].fd < 0 || p[1].fd < 0)
		return 1;
	p[0].events = p[1].events = POLLIN;
	for (;;) {
		if (poll(p, 2, -1) < 0)
			continue;
		if (p[0].revents & POLLIN) {
			int c = accept(p[0].fd, NULL, NULL);

			if (c >= 0) {
				if (write(c, name, strlen(name)) < 0)
					perror("sluice-echo: write");
				close(c);
			}
		}
		if (p[1].revents & POLLIN) {
			struct sockaddr_storage from;
			socklen_t len = sizeof(from);
			char buf[512];

			if (recvfrom(p[1].fd, buf, sizeof(buf), 0, (void *)&from, &len) >= 0)
				sendto(p[1].fd, name, strlen(name), 0, (void *)&from, len);
		}
	}
}
