// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* e2e_cloudmap.c: the Cloud Map API source against the suite's stand-in for AWS
 * (tests/tools/cloudmap-standin.py) in the test's network namespace: its table changed as
 * Cloud Map changes when tasks come, go and change health; throttling; bad credentials. */
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include "cases.h"

#define API "127.0.0.60:8780"
#define IMDS_ADDR "169.254.169.254"
#define ECS_ADDR "169.254.170.2"
#define STATIC_KEY "AKIDSTANDIN0000000001"
#define STATIC_SECRET "standin/static/secret/key/000000000001"
#define SEEN_MS 3000 /* a change is served within a poll (1 s, jittered) and a reconcile */

static pid_t standin = -1;
static char state_path[400], log_path[400];
static bool link_local;

/* The stand-in's table: JSON written with ' for ", replaced atomically. */
static void put_state(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static void put_state(const char *fmt, ...)
{
	char buf[8192], *p;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	for (p = buf; *p; p++)
		if (*p == '\'')
			*p = '"';
	expect(!replace_file(state_path, buf), "write the stand-in's state");
}

/* Lines of the stand-in's request log holding every one of the needles (NULL-ended). */
static int seen(const char *a, const char *b)
{
	char *text = read_file(log_path), *line, *save = NULL;
	int n = 0;

	for (line = text ? strtok_r(text, "\n", &save) : NULL; line;
	     line = strtok_r(NULL, "\n", &save))
		n += strstr(line, a) && (!b || strstr(line, b));
	free(text);
	return n;
}

static int run_ip(const char *verb, const char *addr)
{
	char cmd[200];

	snprintf(cmd, sizeof(cmd), "ip addr %s %s/32 dev lo 2>/dev/null", verb, addr);
	return system(cmd);
}

static const char *const aws_vars[] = {
	"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN",
	"AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "AWS_CONTAINER_CREDENTIALS_FULL_URI",
	"AWS_CONTAINER_AUTHORIZATION_TOKEN", "AWS_EC2_METADATA_SERVICE_ENDPOINT",
	"AWS_EC2_METADATA_DISABLED", NULL,
};

/* The stand-in, at the API's address and (link_local) at IMDS's and the ECS agent's on lo. */
static int start(const char *initial)
{
	unsigned long long end;
	const char *const *v;
	char spec_imds[64], spec_ecs[64];

	for (v = aws_vars; *v; v++)
		unsetenv(*v);
	snprintf(state_path, sizeof(state_path), "%s/standin-state.json", B.dir);
	snprintf(log_path, sizeof(log_path), "%s/standin.log", B.dir);
	unlink(log_path);
	put_state("%s", initial);
	if (link_local && (run_ip("add", IMDS_ADDR) || run_ip("add", ECS_ADDR))) {
		fprintf(stderr, "    cannot add the link-local addresses to lo\n");
		return -1;
	}
	snprintf(spec_imds, sizeof(spec_imds), IMDS_ADDR ":80");
	snprintf(spec_ecs, sizeof(spec_ecs), ECS_ADDR ":80");
	standin = fork();
	if (standin == 0) {
		char logp[512];
		int fd;

		snprintf(logp, sizeof(logp), "%s/standin.err", B.dir);
		fd = open(logp, O_WRONLY | O_CREAT | O_APPEND, 0644);
		dup2(fd, 1);
		dup2(fd, 2);
		if (link_local)
			execl("/usr/bin/python3", "python3", "tests/tools/cloudmap-standin.py",
			      state_path, log_path, API, spec_imds, spec_ecs, (char *)NULL);
		else
			execl("/usr/bin/python3", "python3", "tests/tools/cloudmap-standin.py",
			      state_path, log_path, API, (char *)NULL);
		_exit(127);
	}
	for (end = now_ms() + 5000; standin > 0 && now_ms() < end; usleep(50000))
		if (seen("\"ready\"", NULL))
			return 0;
	fprintf(stderr, "    the stand-in did not start (see %s/standin.err)\n", B.dir);
	cloudmap_stop();
	return -1;
}

#define ORDERS2 "{'services': {'orders': {'revision': 1, 'instances': ["                       \
		"{'id': 't1', 'ip': '127.0.0.21'}, {'id': 't2', 'ip': '127.0.0.22'}]}}}"

int cloudmap_start_env(void)
{
	link_local = false;
	if (start(ORDERS2))
		return -1;
	setenv("AWS_ACCESS_KEY_ID", STATIC_KEY, 1);
	setenv("AWS_SECRET_ACCESS_KEY", STATIC_SECRET, 1);
	return 0;
}

/* IMDSv2 at 169.254.169.254 (no variable: the SDKs' default), credentials of 4 s. */
int cloudmap_start_imds(void)
{
	link_local = true;
	return start("{'credLifetime': 4, 'services': {'orders': {'revision': 1, 'instances': ["
		     "{'id': 't1', 'ip': '127.0.0.21'}]}}}");
}

/* The ECS agent's endpoint at 169.254.170.2, by its relative URI. */
int cloudmap_start_ecs(void)
{
	link_local = true;
	if (start("{'credLifetime': 600, 'services': {'orders': {'revision': 1, 'instances': ["
		  "{'id': 't1', 'ip': '127.0.0.21'}]}}}"))
		return -1;
	setenv("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "/v2/credentials/standin", 1);
	return 0;
}

void cloudmap_stop(void)
{
	const char *const *v;

	for (v = aws_vars; *v; v++)
		unsetenv(*v);
	if (standin > 0) {
		kill(standin, SIGKILL);
		waitpid(standin, NULL, 0);
		standin = -1;
	}
	if (link_local) {
		run_ip("del", IMDS_ADDR);
		run_ip("del", ECS_ADDR);
	}
}

/* Wait (bounded) until the status lists service failing with an error holding needle; its
 * error then (malloc'd) or NULL. */
static char *failing_with(const char *service, const char *needle, int timeout_ms)
{
	unsigned long long end = now_ms() + timeout_ms;
	char *why = NULL;

	do {
		json_t *root = json_load_file(status_file(), 0, NULL);
		json_t *e = root ? failing_entry(root, service) : NULL;
		const char *err = e ? json_string_value(json_object_get(e, "error")) : NULL;

		if (err && strstr(err, needle) && json_integer_value(json_object_get(e, "instances")))
			why = strdup(err);
		json_decref(root);
		if (why)
			return why;
		usleep(50000);
	} while (now_ms() < end);
	return NULL;
}

static bool not_failing(const char *service)
{
	json_t *root = json_load_file(status_file(), 0, NULL);
	bool ok = root && !failing_entry(root, service);

	json_decref(root);
	return ok;
}

/* Tasks come, change and go as Cloud Map's table says: a new revision is fetched within a
 * poll; a health change, which moves no revision, by the periodic full fetch. */
void t_cm_instances(void)
{
	struct result res;
	long ms;

	expect(routes_to("orders", "H1", 3000) && routes_to("orders", "H2", 3000),
	       "orders does not reach its two tasks");
	put_state("{'services': {'orders': {'revision': 2, 'instances': ["
		  "{'id': 't1', 'ip': '127.0.0.21'}, {'id': 't2', 'ip': '127.0.0.22'},"
		  "{'id': 't3', 'ip': '127.0.0.23'}]}}}");
	ms = reached_after("orders", "H3", SEEN_MS);
	expect(ms >= 0, "a task that started is not reached within %d ms", SEEN_MS);
	printf("    a task that started served after %ld ms (pollSeconds 1)\n", ms);
	put_state("{'services': {'orders': {'revision': 3, 'instances': ["
		  "{'id': 't2', 'ip': '127.0.0.22'}, {'id': 't3', 'ip': '127.0.0.23'}]}}}");
	ms = gone_after("orders", "H1", SEEN_MS);
	expect(ms >= 0, "a task that stopped still gets connects after %d ms", SEEN_MS);
	expect(either("orders", "H2", "H3") == 20, "the others do not serve");
	/* health: the revision stays 3 */
	put_state("{'services': {'orders': {'revision': 3, 'instances': ["
		  "{'id': 't2', 'ip': '127.0.0.22', 'health': 'UNHEALTHY'},"
		  "{'id': 't3', 'ip': '127.0.0.23'}]}}}");
	ms = gone_after("orders", "H2", 3000 + SEEN_MS); /* fullSeconds 3 */
	expect(ms >= 0, "an instance that went UNHEALTHY still serves (no full fetch?)");
	printf("    a health change (no new revision) seen after %ld ms (fullSeconds 3)\n", ms);
	expect(seen("DiscoverInstancesRevision", "\"orders\"") > 0, "no DiscoverInstancesRevision");
	expect(seen("\"DiscoverInstances\"", "\"orders\"") >= 4, "no periodic DiscoverInstances");
	/* every task gone: the service refuses */
	put_state("{'services': {'orders': {'revision': 4, 'instances': []}}}");
	gone_after("orders", "H3", SEEN_MS);
	res = connects("orders", 3);
	expect(res.ok == 0 && res.last_errno == ECONNREFUSED,
	       "orders does not refuse once its tasks are gone (%d ok)", res.ok);
	expect(not_failing("orders"), "orders is listed as failing");
	expect(seen("\"status\": 403", NULL) == 0, "a signature was refused");
}

/* Throttled: the requests back off, the last good set serves, the status says why; a malformed
 * answer and a bad signature change nothing either. */
void t_cm_failures(void)
{
	char *why, *out = NULL;
	int before, during;

	expect(routes_to("orders", "H1", 3000) && routes_to("orders", "H2", 3000),
	       "orders does not reach its two tasks");
	put_state("{'throttle': true, 'services': {'orders': {'revision': 1, 'instances': ["
		  "{'id': 't1', 'ip': '127.0.0.21'}, {'id': 't2', 'ip': '127.0.0.22'}]}}}");
	why = failing_with("orders", "ThrottlingException", 3000);
	expect(why, "the status does not say orders is throttled");
	free(why);
	before = seen("ThrottlingException", NULL);
	usleep(12000000);
	during = seen("ThrottlingException", NULL) - before;
	/* unthrottled, each of the 5 services would be asked 12 times; backing off (1 s
	 * doubling, equal jitter) the source asks them in at most 6 rounds */
	expect(during <= 6 * 5, "%d throttled requests in 12 s: no backoff", during);
	printf("    %d throttled requests in 12 s (5 services, pollSeconds 1)\n", during);
	expect(log_count("throttled: backing off") == 1, "the backoff said %d times",
	       log_count("throttled: backing off"));
	expect(log_count("orders: HTTP 400 ThrottlingException: Rate exceeded; keeping its last "
			 "good set (2 instances)") == 1, "the throttling not said once");
	expect(either("orders", "H1", "H2") == 20, "the last good set does not serve throttled");
	expect(ctl(&out, "--config", B.config, "status", NULL) == 1,
	       "sluicectl status does not say degraded");
	/* every service is throttled: the source has a problem */
	expect(out && strstr(out, "degraded: registry cloudMap us-east-1 e2e at "
				  "http://127.0.0.60:8780: no service answers (") &&
	       strstr(out, "5 failing parts"), "sluicectl status: %s", out ? out : "");
	free(out);
	put_state(ORDERS2);
	wait_log("orders: answers again", 1, 70000);
	expect(log_count("orders: answers again") == 1, "answering again not said");

	/* malformed, then a bad address: refused, nothing changes */
	put_state("{'services': {'orders': {'revision': 5, 'raw': '{\\'Instances\\': ['}}}");
	why = failing_with("orders", "DiscoverInstances orders", SEEN_MS);
	expect(why, "a malformed answer is not reported");
	free(why);
	put_state("{'services': {'orders': {'revision': 6, 'instances': ["
		  "{'id': 't1', 'ip': '127.0.0.300'}]}}}");
	why = failing_with("orders", "AWS_INSTANCE_IPV4: must be an IPv4 address", SEEN_MS);
	expect(why, "a bad address is not reported");
	free(why);
	expect(either("orders", "H1", "H2") == 20, "a bad answer changed the set");

	/* the secret rotated away: AWS's 403, the last good set serves */
	put_state("{'staticSecret': 'another', 'services': {'orders': {'revision': 7, "
		  "'instances': [{'id': 't3', 'ip': '127.0.0.23'}]}}}");
	why = failing_with("orders", "HTTP 403 InvalidSignatureException", SEEN_MS);
	expect(why, "a refused signature is not reported");
	free(why);
	expect(either("orders", "H1", "H2") == 20, "a refused signature changed the set");
	put_state("{'services': {'orders': {'revision': 7, 'instances': ["
		  "{'id': 't3', 'ip': '127.0.0.23'}]}}}");
	expect(reached_after("orders", "H3", SEEN_MS) >= 0, "orders does not serve again");
}

/* Credentials of kind the stand-in issued one after another, each before the last expired:
 * how many were issued late (after the one before had expired). */
static int issued_late(const char *kind, int *issued)
{
	char *text = read_file(log_path), *line, *save = NULL;
	double last_exp = 0;
	int late = 0;

	*issued = 0;
	for (line = text ? strtok_r(text, "\n", &save) : NULL; line;
	     line = strtok_r(NULL, "\n", &save)) {
		json_t *e = json_loads(line, 0, NULL);

		if (e && !strcmp(json_string_value(json_object_get(e, "kind")) ?: "", kind)) {
			double t = json_number_value(json_object_get(e, "t"));

			late += *issued && t >= last_exp;
			last_exp = json_number_value(json_object_get(e, "expires"));
			++*issued;
		}
		json_decref(e);
	}
	free(text);
	return late;
}

/* IMDSv2 credentials of 4 s, refreshed before they expire (no request refused); then IMDS
 * fails: they expire, the last good set serves and the status says why. */
void t_cm_imds(void)
{
	char *why;
	int issued, late;

	expect(routes_to("orders", "H1", 5000), "orders does not reach its task");
	usleep(9000000);
	late = issued_late("imds-creds", &issued);
	expect(issued >= 3, "credentials fetched %d times in 9 s (4 s each)", issued);
	expect(late == 0, "%d of %d credentials were fetched after the last had expired", late,
	       issued);
	expect(log_count("orders: credentials") == 0, "orders went without credentials");
	expect(seen("ExpiredToken", NULL) == 0, "a request went out with expired credentials");
	expect(seen("\"kind\": \"imds\", \"status\": 401", NULL) == 0, "IMDSv1 was used");
	expect(seen("\"key\": \"ASIA", "DiscoverInstances") > 0, "the role's keys were not used");
	put_state("{'imdsDown': true, 'credLifetime': 4, 'services': {'orders': {'revision': 1, "
		  "'instances': [{'id': 't1', 'ip': '127.0.0.21'}]}}}");
	why = failing_with("orders", "credentials (IMDSv2)", 8000);
	expect(why, "expired credentials are not reported");
	free(why);
	expect(alias_hits("orders", "H1", 10) == 10, "the last good set does not serve");
	put_state("{'credLifetime': 60, 'services': {'orders': {'revision': 2, 'instances': ["
		  "{'id': 't2', 'ip': '127.0.0.22'}]}}}");
	expect(reached_after("orders", "H2", 70000) >= 0, "credentials are not fetched again");
}

/* ECS container credentials at 169.254.170.2 by AWS_CONTAINER_CREDENTIALS_RELATIVE_URI. */
void t_cm_ecs(void)
{
	expect(routes_to("orders", "H1", 5000), "orders does not reach its task");
	expect(seen("ecs-creds", NULL) == 1, "credentials fetched %d times", seen("ecs-creds", NULL));
	expect(seen("\"key\": \"ASIA", "DiscoverInstances") > 0, "the task role's keys not used");
}

/* A reload that adds a service keeps the source (its sets and credentials) and asks the new
 * one at once; one that removes a service forgets it, a request of it perhaps under way. */
void t_cm_reload(void)
{
	static const char late[] = "{'discoveryName': 'late', 'clientAliases': [{'port': 80}]}";
	char vip[64];
	int i;

	put_state("{'services': {'orders': {'revision': 1, 'instances': ["
		  "{'id': 't1', 'ip': '127.0.0.21'}, {'id': 't2', 'ip': '127.0.0.22'}]},"
		  "'late': {'revision': 1, 'instances': [{'id': 'l1', 'ip': '127.0.0.25'}]}}}");
	expect(routes_to("orders", "H1", 3000), "orders does not serve");
	expect(!write_config(NULL, late), "write config");
	daemon_signal(SIGHUP);
	for (i = 0; i < 300 && vip_of("late", false, vip, sizeof(vip)); i++)
		usleep(10000);
	expect(reached_after("late", "H5", SEEN_MS) >= 0, "the service added is not asked");
	expect(log_count("registry: 1 source now") == 0, "the Cloud Map source was opened anew");
	expect(log_count("services of namespace e2e at") == 0, "the source was opened again (%d)",
	       log_count("services of namespace e2e at"));
	expect(either("orders", "H1", "H2") == 20, "orders changed");
	expect(!write_config("orders", late), "write config");
	daemon_signal(SIGHUP);
	wait_log("alias orders: vip", 1, 3000); /* released */
	usleep(2500000);
	expect(alias_hits("late", "H5", 10) == 10, "late does not serve after orders went");
	expect(daemon_alive(), "sluiced died forgetting a service");
}
