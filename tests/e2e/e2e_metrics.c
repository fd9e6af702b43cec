// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* e2e_metrics.c: sluiced's /metrics as Prometheus sees it: promtool checks the text, and a real
 * Prometheus started here scrapes sluiced and answers a query with the connects the case made;
 * every expression of the Grafana dashboard (deploy/grafana) runs against it, on metrics it has. */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include "cases.h"

#define METRICS_PORT 9810 /* sluiced's default, on 127.0.0.1 of the test's netns */
#define PROM_PORT 19090

/* GET path from 127.0.0.1:port: the status (-1: no answer) and the body (malloc'd). */
static int http_get(int port, const char *path, char **body)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons(port),
				  .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	struct timeval tv = { .tv_sec = 10 };
	size_t len = 0, cap = 1 << 16;
	char *req = NULL, *buf = malloc(cap), *start;
	int fd, status = -1;
	ssize_t n;

	*body = NULL;
	fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || !buf)
		goto out;
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)))
		goto out;
	if (asprintf(&req, "GET %s HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n", path) < 0) {
		req = NULL;
		goto out;
	}
	if (write(fd, req, strlen(req)) != (ssize_t)strlen(req))
		goto out;
	while ((n = read(fd, buf + len, cap - len - 1)) > 0) {
		len += (size_t)n;
		if (len + 1 == cap) {
			char *more = realloc(buf, cap * 2);

			if (!more)
				goto out;
			buf = more;
			cap *= 2;
		}
	}
	buf[len] = '\0';
	if (sscanf(buf, "HTTP/1.%*d %d", &status) != 1)
		status = -1;
	start = strstr(buf, "\r\n\r\n");
	*body = strdup(start ? start + 4 : "");
out:
	if (fd >= 0)
		close(fd);
	free(req);
	free(buf);
	return status;
}

/* The value of the first sample of family name whose labels hold every one of needles (up to
 * three, NULL-terminated), in a /metrics text; -1 when there is none. */
static double sample(const char *text, const char *name, const char *n1, const char *n2)
{
	const char *line = text;
	size_t len = strlen(name);

	while (line && *line) {
		const char *end = strchr(line, '\n'), *sp;
		char buf[1024];
		size_t l = end ? (size_t)(end - line) : strlen(line);

		if (l < sizeof(buf) && !strncmp(line, name, len) && line[len] == '{') {
			memcpy(buf, line, l);
			buf[l] = '\0';
			sp = strrchr(buf, ' ');
			if (sp && (!n1 || strstr(buf, n1)) && (!n2 || strstr(buf, n2)))
				return atof(sp + 1);
		}
		line = end ? end + 1 : NULL;
	}
	return -1;
}

/* /metrics now; NULL when it does not answer 200. */
static char *scrape(void)
{
	char *body = NULL;

	if (http_get(METRICS_PORT, "/metrics", &body) != 200) {
		free(body);
		return NULL;
	}
	return body;
}

/* promtool check metrics on text: its exit status. */
static int promtool_check(const char *text)
{
	FILE *p = popen("promtool check metrics > /dev/null 2>&1", "w");

	if (!p)
		return -1;
	fputs(text, p);
	return WEXITSTATUS(pclose(p));
}

static pid_t start_prometheus(void)
{
	char cfg[400], data[400], flag_cfg[450], flag_data[450];
	pid_t pid;

	snprintf(cfg, sizeof(cfg), "%s/prometheus.yml", B.dir);
	snprintf(data, sizeof(data), "%s/prometheus-data", B.dir);
	write_file(cfg, "global:\n  scrape_interval: 1s\n  scrape_timeout: 1s\n"
			"scrape_configs:\n  - job_name: sluice\n    static_configs:\n"
			"      - targets: ['127.0.0.1:9810']\n");
	snprintf(flag_cfg, sizeof(flag_cfg), "--config.file=%s", cfg);
	snprintf(flag_data, sizeof(flag_data), "--storage.tsdb.path=%s", data);
	pid = fork();
	if (!pid) {
		int fd = open("/dev/null", O_WRONLY);

		dup2(fd, 1);
		dup2(fd, 2);
		execlp("prometheus", "prometheus", flag_cfg, flag_data,
		       "--web.listen-address=127.0.0.1:19090", "--log.level=error", (char *)NULL);
		_exit(127);
	}
	return pid;
}

/* Prometheus' answer to an instant query (its JSON), or NULL when it does not answer 200. */
static json_t *prom_api(const char *query)
{
	size_t i, k = 0, n = strlen(query);
	char *path = malloc(3 * n + 32), *body = NULL;
	json_t *j = NULL;

	if (!path)
		return NULL;
	k = (size_t)sprintf(path, "/api/v1/query?query=");
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)query[i];

		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		    c == '_')
			path[k++] = (char)c;
		else
			k += (size_t)sprintf(path + k, "%%%02X", c);
	}
	path[k] = '\0';
	if (http_get(PROM_PORT, path, &body) == 200)
		j = json_loads(body, 0, NULL);
	free(body);
	free(path);
	return j;
}

/* The results of an answer: an array (NULL when the query failed). */
static json_t *prom_results(json_t *answer)
{
	if (strcmp(json_string_value(json_object_get(answer, "status")) ?: "", "success"))
		return NULL;
	return json_object_get(json_object_get(answer, "data"), "result");
}

/* A result's value as a number. */
static double result_value(json_t *r)
{
	return atof(json_string_value(json_array_get(json_object_get(r, "value"), 1)) ?: "-1");
}

/* The value Prometheus answers for query (one series), or -1. */
static double prom_query(const char *query)
{
	json_t *j = prom_api(query), *r = json_array_get(prom_results(j), 0);
	double v = r ? result_value(r) : -1;

	json_decref(j);
	return v;
}

/* What sockops measures: connect times (one per connect), bytes at close, and failed connects
 * by reason (the dead service's backend refuses). */
static void t_metrics_traffic(void)
{
	struct request rq = req(OP_TCP, AF_INET, "mdead", false, false, 80, 5);
	char *before = scrape(), *after;
	struct result res;
	double c0, c1, r0, r1;

	agent_run(&agent, &rq, &res);
	expect(res.failed == 5 && res.last_errno == ECONNREFUSED, "mdead: %d failed", res.failed);
	rq = req(OP_TCP, AF_INET, "web", false, false, 80, 10);
	agent_run(&agent, &rq, &res);
	usleep(200000); /* the closes counted */
	after = scrape();
	expect(before && after, "/metrics does not answer");
	if (!before || !after)
		goto out;
	c0 = sample(before, "sluice_backend_connect_duration_seconds_count", "service=\"web\"",
		    NULL);
	c1 = sample(after, "sluice_backend_connect_duration_seconds_count", "service=\"web\"",
		    NULL);
	expect(c1 == c0 + 10, "connect times counted: %.0f then %.0f, want 10 more", c0, c1);
	r0 = sample(before, "sluice_backend_connect_failures_total", "service=\"mdead\"",
		    "reason=\"refused\"");
	r1 = sample(after, "sluice_backend_connect_failures_total", "service=\"mdead\"",
		    "reason=\"refused\"");
	expect(r1 == r0 + 5, "refused connects: %.0f then %.0f, want 5 more", r0, r1);
	expect(sample(after, "sluice_backend_received_bytes_total", "service=\"web\"", NULL) >
	       sample(before, "sluice_backend_received_bytes_total", "service=\"web\"", NULL),
	       "no bytes counted from web's backend");
out:
	free(before);
	free(after);
}

/* A registry file that fails and reads again: sluice_registry_reads_total counts each
 * result, sluice_registry_last_success_timestamp_seconds moves with the good read only. */
static void t_metrics_registry(void)
{
	char path[400], *a = scrape(), *b = NULL, *c = NULL;
	double ok0, bad0, ts0;
	time_t t0 = time(NULL);

	snprintf(path, sizeof(path), "%s/main.json", B.registry);
	expect(a != NULL, "/metrics does not answer");
	if (!a)
		return;
	ok0 = sample(a, "sluice_registry_reads_total", "result=\"ok\"", NULL);
	bad0 = sample(a, "sluice_registry_reads_total", "result=\"failed\"", NULL);
	ts0 = sample(a, "sluice_registry_last_success_timestamp_seconds", "source=", NULL);
	expect(ok0 >= 1 && ts0 > 0 && ts0 <= (double)t0,
	       "before: %.0f good reads, the last at %.0f (now %lld)", ok0, ts0, (long long)t0);
	sleep(1); /* the next good read's second differs */
	expect(!replace_file(path, "{\"Instances\": ["), "write a bad registry file");
	usleep(400000);
	b = scrape();
	expect(b && sample(b, "sluice_registry_reads_total", "result=\"failed\"", NULL) > bad0,
	       "a failed read is not counted");
	expect(b && sample(b, "sluice_registry_last_success_timestamp_seconds", "source=",
			   NULL) == ts0, "a failed read moved the last success");
	expect(b && sample(b, "sluice_registry_source_up", "source=", NULL) == 1,
	       "a bad file (its path reads) took the source down");
	expect(!write_registry(NULL, NULL), "restore the registry");
	usleep(400000);
	c = scrape();
	expect(c && sample(c, "sluice_registry_reads_total", "result=\"ok\"", NULL) > ok0,
	       "a good read is not counted");
	expect(c && sample(c, "sluice_registry_last_success_timestamp_seconds", "source=",
			   NULL) > ts0, "a good read did not move the last success");
	free(a);
	free(b);
	free(c);
}

#define DASHBOARD "deploy/grafana/sluice-dashboard.json"

/* An expression of the dashboard as Grafana sends it: every node, namespace and service
 * (.*), $__rate_interval a minute. malloc'd. */
static char *concrete(const char *e)
{
	char *out = malloc(strlen(e) + 16), name[64];
	size_t k = 0, n;

	while (out && *e) {
		if (*e != '$') {
			out[k++] = *e++;
			continue;
		}
		e += 1 + (e[1] == '{');
		for (n = 0; (isalnum((unsigned char)*e) || *e == '_') && n + 1 < sizeof(name); e++)
			name[n++] = *e;
		name[n] = '\0';
		e += *e == '}';
		k += (size_t)sprintf(out + k, "%s", !strcmp(name, "__rate_interval") ||
					!strcmp(name, "__interval") ? "1m" :
					!strcmp(name, "__range") ? "1h" : ".*");
	}
	if (out)
		out[k] = '\0';
	return out;
}

/* Every panel's expressions (panels within rows too) into exprs, as [title, expr] pairs. */
static void panel_exprs(json_t *panels, json_t *exprs)
{
	json_t *p, *t;
	size_t i, j;

	json_array_foreach(panels, i, p) {
		json_array_foreach(json_object_get(p, "targets"), j, t)
			json_array_append_new(exprs, json_pack("[O, O]", json_object_get(p, "title"),
							       json_object_get(t, "expr")));
		panel_exprs(json_object_get(p, "panels"), exprs);
	}
}

/* The dashboard's variables' label_values(SELECTOR, LABEL) selectors into exprs. */
static void variable_exprs(json_t *dash, json_t *exprs)
{
	json_t *v;
	size_t i;

	json_array_foreach(json_object_get(json_object_get(dash, "templating"), "list"), i, v) {
		const char *q = json_string_value(json_object_get(json_object_get(v, "query"),
								  "query"));
		const char *comma = q ? strrchr(q, ',') : NULL;

		if (q && comma && !strncmp(q, "label_values(", 13))
			json_array_append_new(exprs, json_pack("[s, s%]", "variable", q + 13,
							       (size_t)(comma - q - 13)));
	}
}

/* Whether a metric name (the sluice_ word at e) is in names, an array of Prometheus' results
 * of count by (__name__). */
static bool scraped(json_t *names, const char *e, size_t len)
{
	json_t *r;
	size_t i;

	json_array_foreach(names, i, r) {
		const char *n = json_string_value(json_object_get(json_object_get(r, "metric"),
								  "__name__"));

		if (n && strlen(n) == len && !strncmp(n, e, len))
			return true;
	}
	return false;
}

/* Every expression of the Grafana dashboard as Prometheus takes it: accepted, on metrics it
 * scraped from sluiced; the connect rate panel shows web's connects. */
static void t_dashboard_queries(void)
{
	json_t *dash = json_load_file(DASHBOARD, 0, NULL), *exprs = json_array(), *pair;
	json_t *names_answer = prom_api("count by (__name__) ({__name__=~\"sluice_.+\"})");
	json_t *names = prom_results(names_answer);
	int queries = 0, web_rate = 0;
	size_t i;

	expect(dash, "%s does not load", DASHBOARD);
	expect(json_array_size(names) >= 30, "prometheus has %zu sluice_ metrics",
	       json_array_size(names));
	panel_exprs(json_object_get(dash, "panels"), exprs);
	variable_exprs(dash, exprs);
	json_array_foreach(exprs, i, pair) {
		const char *title = json_string_value(json_array_get(pair, 0)) ?: "?";
		const char *expr = json_string_value(json_array_get(pair, 1)) ?: "";
		char *q = concrete(expr);
		json_t *answer = q ? prom_api(q) : NULL, *results = prom_results(answer), *r;
		const char *e;
		size_t j;

		expect(results, "dashboard: %s: prometheus does not take %s", title, q ?: expr);
		queries += results != NULL;
		for (e = strstr(expr, "sluice_"); e; e = strstr(e + 1, "sluice_")) {
			size_t len = strspn(e, "abcdefghijklmnopqrstuvwxyz0123456789_");

			if (e == expr || !(isalnum((unsigned char)e[-1]) || e[-1] == '_'))
				expect(scraped(names, e, len), "dashboard: %s: %.*s: prometheus has no "
				       "such metric from sluiced", title, (int)len, e);
		}
		json_array_foreach(results, j, r)
			if (!strcmp(title, "Connect rate by service") &&
			    !strcmp(json_string_value(json_object_get(json_object_get(r, "metric"),
								      "service")) ?: "", "web") &&
			    result_value(r) > 0)
				web_rate++;
		json_decref(answer);
		free(q);
	}
	expect(json_array_size(exprs) >= 30 && queries == (int)json_array_size(exprs),
	       "dashboard: %d of %zu expressions taken", queries, json_array_size(exprs));
	expect(web_rate == 1, "dashboard: the connect rate panel shows no connects to web");
	json_decref(exprs);
	json_decref(names_answer);
	json_decref(dash);
}

/* /metrics passes promtool and holds the connects a client made; a real Prometheus scraping
 * sluiced answers a query with them, and every expression of the dashboard; /healthz and /readyz
 * answer. */
void t_metrics_scraped(void)
{
	struct request rq = req(OP_TCP, AF_INET, "web", false, false, 80, 25);
	const char *q = "sluice_backend_connects_total{service=\"web\",instance_id=\"w1\"}";
	char *body = NULL, want[256];
	unsigned long long end;
	struct result res;
	double before, got = -1;
	pid_t prom;
	int st;

	expect(http_get(METRICS_PORT, "/healthz", &body) == 200, "/healthz does not answer 200");
	free(body);
	expect(http_get(METRICS_PORT, "/readyz", &body) == 200, "/readyz does not answer 200");
	free(body);
	expect(http_get(METRICS_PORT, "/nope", &body) == 404, "an unknown path is not 404");
	free(body);
	st = http_get(METRICS_PORT, "/metrics", &body);
	expect(st == 200 && body && strstr(body, "# TYPE sluice_backend_connects_total counter"),
	       "/metrics: status %d", st);
	expect(body && promtool_check(body) == 0, "promtool check metrics fails on /metrics");
	free(body);

	prom = start_prometheus();
	expect(prom > 0, "prometheus did not start");
	before = -1;
	for (end = now_ms() + 20000; before < 0 && now_ms() < end; usleep(200000))
		before = prom_query(q);
	expect(before >= 0, "prometheus has no sample of %s within 20 s", q);
	expect(!agent_run(&agent, &rq, &res) && count_of(&res, "B1") == 25, "25 connects to web");
	for (end = now_ms() + 15000; now_ms() < end; usleep(200000)) {
		got = prom_query(q);
		if (got == before + 25)
			break;
	}
	snprintf(want, sizeof(want), "%.0f", before + 25);
	expect(got == before + 25, "prometheus says %.0f connects to w1, want %s", got, want);
	t_metrics_traffic();
	t_metrics_registry();
	t_dashboard_queries();
	if (prom > 0) {
		kill(prom, SIGTERM);
		waitpid(prom, &st, 0);
	}
}
