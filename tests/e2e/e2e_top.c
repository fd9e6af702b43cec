// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* e2e_top.c: sluicectl top against a real data plane: a known number of connects (completed,
 * refused, held open) made while it samples, and the rates it reports for each backend
 * checked against them; one sample as text when stdout is no terminal; the live view on a
 * terminal (a pty) redrawn in place and left cleanly on SIGINT. */
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <poll.h>
#include <pty.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include "cases.h"

#define WEB_CONNECTS 20  /* to topweb's t1, each closed at once */
#define HELD 3           /* to t1, held open past the second read */
#define DEAD_CONNECTS 4  /* to topdead's x1, refused */
/* What t1 sent and received on each closed connection as the kernel counts it
 * (tcpi_bytes_acked, tcpi_bytes_received: sequence space): nothing sent but the SYN, and the
 * FIN when its ACK came before the close; the pool server's name, "H9", and its FIN when it
 * came before the socket was done with (an orphan in FIN_WAIT2 is not). */
#define NAME_BYTES 2

/* sluicectl --bpffs <bpffs> top args... in the background, stdout and stderr to path. */
static pid_t top_start(const char *path, const char *const *args)
{
	const char *argv[16] = { "sluicectl", "--bpffs", B.bpffs, "top" };
	int n = 4;
	pid_t pid;

	while (n < 15 && args[n - 4]) {
		argv[n] = args[n - 4];
		n++;
	}
	argv[n] = NULL;
	pid = fork();
	if (!pid) {
		int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);

		dup2(fd, 1);
		dup2(fd, 2);
		execv(B.sluicectl, (char **)argv);
		_exit(127);
	}
	return pid;
}

/* Wait (bounded) for pid, which this case started; kill it if it overstays. Exit status. */
static int wait_bounded(pid_t pid, int timeout_ms)
{
	unsigned long long end = now_ms() + timeout_ms;
	int st;

	if (pid <= 0)
		return -1;
	while (waitpid(pid, &st, WNOHANG) == 0) {
		if (now_ms() > end) {
			kill(pid, SIGKILL);
			waitpid(pid, &st, 0);
			return -1;
		}
		usleep(10000);
	}
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

static long long counted(json_t *b, const char *key)
{
	return json_integer_value(json_object_get(json_object_get(b, "counted"), key));
}

static double rate(json_t *b, const char *key)
{
	return json_number_value(json_object_get(json_object_get(b, "perSecond"), key));
}

/* The rate top gives for n over its interval (to the thousandth, as it rounds). */
static bool rate_is(json_t *b, const char *key, long long n, double seconds)
{
	double want = (double)n / seconds, got = rate(b, key);

	return got > want - 0.002 && got < want + 0.002;
}

/* Wait (bounded) until pid sleeps in clock_nanosleep: top's first read is done and it waits
 * for its second. False when it never does. */
static bool wait_sleeping(pid_t pid, int timeout_ms)
{
	unsigned long long end = now_ms() + (unsigned)slow_ms(timeout_ms);
	char path[64], line[64];

	snprintf(path, sizeof(path), "/proc/%d/syscall", (int)pid);
	do {
		FILE *f = fopen(path, "re");
		long nr = -1;

		if (f && fgets(line, sizeof(line), f))
			nr = strtol(line, NULL, 10);
		if (f)
			fclose(f);
		if (nr == SYS_clock_nanosleep)
			return true;
		usleep(2000);
	} while (now_ms() < end);
	return false;
}

/* The rates of one sample of top --once --json, its interval a second (times E2E_SLOW), the
 * connects made in it: after its first read, which the test waits for. */
static void top_json_rates(void)
{
	struct request web = req(OP_TCP, AF_INET, "topweb", false, false, 80, WEB_CONNECTS);
	struct request dead = req(OP_TCP, AF_INET, "topdead", false, false, 80, DEAD_CONNECTS);
	struct request hold = req(OP_TCP_OPEN, AF_INET, "topweb", false, false, 80, HELD);
	char interval[16];
	const char *args[] = { "--once", "--json", "--interval", interval, NULL };
	double want_secs = slow_ms(1000) / 1000.0;
	struct agent holder = {};
	struct result res, held;
	char path[400], *out;
	json_t *top, *t1, *x1, *b;
	long long n;
	double secs;
	size_t i;
	pid_t pid;
	int st;

	snprintf(path, sizeof(path), "%s/top.json", B.dir);
	expect(!agent_start(&holder, B.cgroup), "the holder agent did not start");
	snprintf(interval, sizeof(interval), "%.0f", want_secs);
	pid = top_start(path, args);
	/* Its first read done: what follows falls between its two reads. */
	expect(wait_sleeping(pid, 2000), "sluicectl top never waited for its second read");
	hold.duration_ms = (int)(want_secs * 1000) + slow_ms(1000); /* open past the 2nd read */
	expect(!agent_send(&holder, &hold), "the holder agent takes no request");
	expect(!agent_run(&agent, &web, &res) && count_of(&res, "H9") == WEB_CONNECTS,
	       "%d connects to topweb reached H9, want %d", count_of(&res, "H9"), WEB_CONNECTS);
	expect(!agent_run(&agent, &dead, &res) && res.failed == DEAD_CONNECTS &&
	       res.last_errno == ECONNREFUSED, "topdead: %d of %d refused", res.failed,
	       DEAD_CONNECTS);
	st = wait_bounded(pid, slow_ms(5000));
	expect(st == 0, "sluicectl top --once --json exited %d", st);
	expect(!agent_wait(&holder, &held, hold.duration_ms + 10000) &&
	       count_of(&held, "H9") == HELD,
	       "the holder's connections: %d reached H9, want %d", count_of(&held, "H9"), HELD);
	agent_stop(&holder);

	out = read_file(path);
	top = out ? json_loads(out, 0, NULL) : NULL;
	expect(top, "top's output is no JSON: %s", out ?: "(none)");
	if (!top)
		goto out;
	secs = json_number_value(json_object_get(top, "intervalSeconds"));
	expect(secs >= want_secs - 0.001 && secs < want_secs * 1.3, "intervalSeconds %.3f, want %.0f",
	       secs, want_secs);
	t1 = element_with(json_object_get(top, "backends"), "service", "topweb");
	x1 = element_with(json_object_get(top, "backends"), "service", "topdead");
	expect(t1 && x1, "no topweb or topdead backend in %s", out);
	if (!t1 || !x1)
		goto out;
	/* topweb: every connect made, none failed, the held ones active, the closed ones' bytes */
	expect(json_array_get(json_object_get(top, "backends"), 0) == t1,
	       "the first row is not topweb's (sorted by connect rate)");
	expect(!strcmp(json_string_value(json_object_get(t1, "instance")) ?: "", "t1") &&
	       !strcmp(json_string_value(json_object_get(t1, "address")) ?: "",
		       "127.0.0.29:9100") &&
	       !strcmp(json_string_value(json_object_get(t1, "namespace")) ?: "", "e2e.local") &&
	       !strcmp(json_string_value(json_object_get(t1, "state")) ?: "", "serving"),
	       "topweb's row: %s", out);
	expect(counted(t1, "connects") == WEB_CONNECTS + HELD &&
	       rate_is(t1, "connects", WEB_CONNECTS + HELD, secs),
	       "topweb: %lld connects at %.3f/s, want %d at %.3f/s", counted(t1, "connects"),
	       rate(t1, "connects"), WEB_CONNECTS + HELD, (WEB_CONNECTS + HELD) / secs);
	expect(counted(t1, "refused") == 0 && counted(t1, "timedOut") == 0 &&
	       counted(t1, "unreachable") == 0 && counted(t1, "datagrams") == 0,
	       "topweb: failures or datagrams counted: %s", out);
	expect(json_integer_value(json_object_get(t1, "active")) == HELD,
	       "topweb: %lld active, want %d", json_integer_value(json_object_get(t1, "active")),
	       HELD);
	n = counted(t1, "receivedBytes");
	expect(n >= WEB_CONNECTS * NAME_BYTES && n <= WEB_CONNECTS * (NAME_BYTES + 1) &&
	       rate_is(t1, "receivedBytes", n, secs),
	       "topweb: %lld bytes received at %.3f/s, want %d to %d", n,
	       rate(t1, "receivedBytes"), WEB_CONNECTS * NAME_BYTES,
	       WEB_CONNECTS * (NAME_BYTES + 1));
	n = counted(t1, "sentBytes");
	expect(n >= WEB_CONNECTS && n <= WEB_CONNECTS * 2 && rate_is(t1, "sentBytes", n, secs),
	       "topweb: %lld bytes sent at %.3f/s, want %d to %d", n, rate(t1, "sentBytes"),
	       WEB_CONNECTS, WEB_CONNECTS * 2);
	/* topdead: each connect refused by its backend */
	expect(json_array_get(json_object_get(top, "backends"), 1) == x1,
	       "the second row is not topdead's");
	expect(counted(x1, "connects") == DEAD_CONNECTS &&
	       rate_is(x1, "connects", DEAD_CONNECTS, secs) &&
	       counted(x1, "refused") == DEAD_CONNECTS &&
	       rate_is(x1, "refused", DEAD_CONNECTS, secs) && counted(x1, "timedOut") == 0 &&
	       counted(x1, "unreachable") == 0 &&
	       json_integer_value(json_object_get(x1, "active")) == 0,
	       "topdead: %lld connects, %lld refused at %.3f/s, want %d", counted(x1, "connects"),
	       counted(x1, "refused"), rate(x1, "refused"), DEAD_CONNECTS);
	/* nobody else connected */
	json_array_foreach(json_object_get(top, "backends"), i, b)
		if (b != t1 && b != x1)
			expect(counted(b, "connects") == 0 && rate(b, "connects") == 0,
			       "%s: connects counted", json_string_value(json_object_get(b,
											 "service")));
out:
	json_decref(top);
	free(out);
}

/* s without its CSI escapes (ESC [, parameters, a final letter), in place. */
static void strip_escapes(char *s)
{
	char *esc, *end;

	while ((esc = strstr(s, "\033["))) {
		for (end = esc + 2; *end && strchr("0123456789;?", *end); end++)
			;
		if (*end)
			end++;
		memmove(esc, end, strlen(end) + 1);
	}
}

/* What fd gives for ms (or until it ends: EIO once a pty's child is gone), after buf[*len],
 * terminated. */
static void read_for(int fd, char *buf, size_t size, size_t *len, int ms)
{
	unsigned long long end = now_ms() + ms;

	while (now_ms() < end && *len + 1 < size) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		ssize_t n;

		if (poll(&p, 1, 100) != 1)
			continue;
		n = read(fd, buf + *len, size - 1 - *len);
		if (n <= 0)
			break;
		*len += (size_t)n;
	}
	buf[*len] = '\0';
}

/* On a pty of 100 x 12: the live view, redrawn in place, cut to the terminal; SIGINT ends it
 * with the cursor shown again and exit 0. */
static void top_live(void)
{
	struct winsize ws = { .ws_row = 12, .ws_col = 100 };
	char buf[65536], *line, *save = NULL;
	size_t len = 0;
	int master, st, frames = 0, longest = 0;
	pid_t pid;

	pid = forkpty(&master, NULL, NULL, &ws);
	if (!pid) {
		execl(B.sluicectl, "sluicectl", "--bpffs", B.bpffs, "top", "--interval", "0.2",
		      (char *)NULL);
		_exit(127);
	}
	expect(pid > 0, "forkpty: %s", strerror(errno));
	if (pid <= 0)
		return;
	read_for(master, buf, sizeof(buf), &len, slow_ms(1500));
	kill(pid, SIGINT);
	read_for(master, buf, sizeof(buf), &len, slow_ms(2000));
	st = wait_bounded(pid, slow_ms(3000));
	close(master);
	expect(st == 0, "sluicectl top exited %d on SIGINT", st);
	expect(!strncmp(buf, "\033[?25l", 6), "the cursor is not hidden first");
	expect(len >= 6 && !strcmp(buf + len - 6, "\033[?25h"), "the cursor is not shown again");
	for (line = strstr(buf, "\033[H"); line; line = strstr(line + 3, "\033[H"))
		frames++;
	expect(frames >= 4, "%d frames drawn in place in %d ms at 0.2 s", frames, slow_ms(1500));
	expect(strstr(buf, "topweb") && strstr(buf, "CONN/s"), "no table in the live view");
	for (line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		int l;

		strip_escapes(line);
		l = (int)strcspn(line, "\r");
		longest = l > longest ? l : longest;
	}
	expect(longest <= 100, "a line of %d columns on a terminal of 100", longest);
}

void t_ctl_top(void)
{
	char *out = NULL;
	int rc;

	top_json_rates();
	/* stdout no terminal: one sample as text, no escapes */
	rc = ctl(&out, "top", "--interval", "0.2", NULL);
	expect(rc == 0 && out && strstr(out, "sluice top ") && strstr(out, "CONN/s") &&
	       strstr(out, "topweb") && strstr(out, "127.0.0.29:9100") && !strchr(out, '\033'),
	       "top to a pipe: exit %d: %s", rc, out ?: "");
	free(out);
	rc = ctl(&out, "top", "--interval", "0", NULL);
	expect(rc == 2 && out && strstr(out, "--interval"), "--interval 0: exit %d: %s", rc,
	       out ?: "");
	free(out);
	top_live();
}
