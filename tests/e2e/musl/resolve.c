// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* resolve.c: getaddrinfo as a musl program does it (built static with musl-gcc: musl's own
 * resolver, which sends its A and AAAA queries together on one unconnected UDP socket):
 * prints each address of NAME, one a line. Usage: resolve-musl NAME [4|6]. */
#include <netdb.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <arpa/inet.h>
#include <netinet/in.h>

int main(int argc, char **argv)
{
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM }, *res, *ai;
	char buf[INET6_ADDRSTRLEN];
	int ret;

	if (argc < 2 || argc > 3)
		return 2;
	if (argc == 3)
		hints.ai_family = !strcmp(argv[2], "6") ? AF_INET6 : AF_INET;
	ret = getaddrinfo(argv[1], "80", &hints, &res);
	if (ret) {
		printf("error: %s\n", gai_strerror(ret));
		return 1;
	}
	for (ai = res; ai; ai = ai->ai_next) {
		const void *a = ai->ai_family == AF_INET ?
			(const void *)&((struct sockaddr_in *)ai->ai_addr)->sin_addr :
			(const void *)&((struct sockaddr_in6 *)ai->ai_addr)->sin6_addr;

		printf("%s\n", inet_ntop(ai->ai_family, a, buf, sizeof(buf)));
	}
	freeaddrinfo(res);
	return 0;
}
