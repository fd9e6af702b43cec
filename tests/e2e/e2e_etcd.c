// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* e2e_etcd.c: the etcd registry source against a real three-member etcd cluster on loopback
 * addresses of the test's network namespace, its keys put and deleted with etcdctl. */
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include "cases.h"
#include "inputs/etcd_msg.h"

#define MEMBERS 3
#define KEY(id) "/sluice/e2e.local/orders/" id
#define SEEN_MS 2000   /* a bound on a change reaching the maps; the time taken is printed */
#define DOWN_MS 8000   /* every endpoint failing: a round of connects and a pause */

static const char *const member_addr[MEMBERS] = { "127.0.0.41", "127.0.0.42", "127.0.0.43" };
static pid_t member[MEMBERS] = { -1, -1, -1 };
static char etcd_dir[400];

/* A program's exit status, its output in the etcd directory's log (-1: it could not run). */
static int run(char *const argv[])
{
	char log[512];
	int st = -1;
	pid_t pid;

	snprintf(log, sizeof(log), "%s/tools.log", etcd_dir);
	pid = fork();
	if (pid == 0) {
		int fd = open(log, O_WRONLY | O_CREAT | O_APPEND, 0644);

		dup2(fd, 1);
		dup2(fd, 2);
		setenv("ETCDCTL_API", "3", 1);
		execvp(argv[0], argv);
		_exit(127);
	}
	if (pid > 0 && waitpid(pid, &st, 0) == pid)
		return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
	return -1;
}

/* etcdctl against the members up (all three named: it finds one that answers). */
/* etcdctl a b c against every member; tried up to 5 times 0.3 s apart: with a member just
 * killed, a request can meet the election that follows ("leader changed"). What it runs
 * (put, del, compact) may be repeated. */
static int etcdctl(const char *a, const char *b, const char *c)
{
	char eps[256];
	char *argv[] = { "etcdctl", eps, "--command-timeout=5s", (char *)a, (char *)b, (char *)c,
			 NULL };
	int ret = -1;

	snprintf(eps, sizeof(eps), "--endpoints=http://%s:2379,http://%s:2379,http://%s:2379",
		 member_addr[0], member_addr[1], member_addr[2]);
	for (int i = 0; i < 5 && ret; i++) {
		if (i)
			usleep(300000);
		ret = run(argv);
	}
	return ret;
}

/* One transaction through the gateway (curl: etcdctl's txn reads its operations from a
 * terminal): delete key del_key and put put_key, at one revision. */
static int txn(const char *del_key, const char *put_key, const char *value)
{
	char *dk = sl_base64_encode(del_key, strlen(del_key));
	char *pk = sl_base64_encode(put_key, strlen(put_key));
	char *pv = sl_base64_encode(value, strlen(value));
	char body[2048], url[64];
	char *argv[] = { "curl", "-sf", "-X", "POST", url, "-d", body, NULL };

	snprintf(url, sizeof(url), "http://%s:2379/v3/kv/txn", member_addr[1]);
	snprintf(body, sizeof(body), "{\"success\": [{\"requestDeleteRange\": {\"key\": \"%s\"}},"
		 " {\"requestPut\": {\"key\": \"%s\", \"value\": \"%s\"}}]}", dk, pk, pv);
	free(dk);
	free(pk);
	free(pv);
	return run(argv);
}

/* The value of an instance served by pool server name (H1-H12). */
static const char *instance_of(const char *name)
{
	static char v[256];

	snprintf(v, sizeof(v), "{\"HealthStatus\": \"HEALTHY\", \"Attributes\": "
		 "{\"AWS_INSTANCE_IPV4\": \"%s\", \"AWS_INSTANCE_PORT\": \"%d\"}}", pool_addr(name),
		 POOL_PORT);
	return v;
}

static int put(const char *key, const char *value)
{
	return etcdctl("put", key, value);
}

static int del(const char *key)
{
	return etcdctl("del", key, NULL);
}

static void member_start(int i)
{
	char name[8], data[512], client[64], peer[64], cluster[512], log[512];

	snprintf(name, sizeof(name), "m%d", i);
	snprintf(data, sizeof(data), "%s/%s", etcd_dir, name);
	snprintf(client, sizeof(client), "http://%s:2379", member_addr[i]);
	snprintf(peer, sizeof(peer), "http://%s:2380", member_addr[i]);
	snprintf(cluster, sizeof(cluster), "m0=http://%s:2380,m1=http://%s:2380,m2=http://%s:2380",
		 member_addr[0], member_addr[1], member_addr[2]);
	snprintf(log, sizeof(log), "%s/%s.log", etcd_dir, name);
	member[i] = fork();
	if (member[i] == 0) {
		int fd = open(log, O_WRONLY | O_CREAT | O_APPEND, 0644);

		dup2(fd, 1);
		dup2(fd, 2);
		execlp("etcd", "etcd", "--name", name, "--data-dir", data, "--listen-client-urls",
		       client, "--advertise-client-urls", client, "--listen-peer-urls", peer,
		       "--initial-advertise-peer-urls", peer, "--initial-cluster", cluster,
		       "--initial-cluster-token", "sluice-e2e", "--heartbeat-interval", "50",
		       "--election-timeout", "500", "--log-level", "warn", (char *)NULL);
		_exit(127);
	}
}

static void member_kill(int i)
{
	if (member[i] <= 0)
		return;
	kill(member[i], SIGKILL);
	waitpid(member[i], NULL, 0);
	member[i] = -1;
}

/* The cluster answers a write (a leader elected), within about 10 s. */
static bool cluster_writable(void)
{
	int i;

	for (i = 0; i < 50; i++) {
		if (put("/sluice-e2e/ping", "1") == 0)
			return true;
		usleep(200000);
	}
	return false;
}

void etcd_cluster_stop(void)
{
	int i;

	for (i = 0; i < MEMBERS; i++)
		member_kill(i);
	if (*etcd_dir) /* the next case's cluster starts empty: no key of this one serves there */
		rm_rf(etcd_dir);
}

/* Three members on loopback addresses of the test's namespace, data in its directory; o1 on
 * H1 and o2 on H2 put before sluiced starts. */
int etcd_cluster_start(void)
{
	int i;

	snprintf(etcd_dir, sizeof(etcd_dir), "%s/etcd", B.dir);
	mkdir(etcd_dir, 0700);
	for (i = 0; i < MEMBERS; i++)
		member_start(i);
	if (!cluster_writable() || put(KEY("o1"), instance_of("H1")) ||
	    put(KEY("o2"), instance_of("H2"))) {
		fprintf(stderr, "    the etcd cluster does not take writes (see %s/*.log)\n", etcd_dir);
		etcd_cluster_stop();
		return -1;
	}
	return 0;
}

/* Of 20 connects to orders, how many reach one of names (NULL-terminated), and how many
 * failed. */
static int reach_any(const char *const *names, int *failed)
{
	struct result res = connects("orders", 20);
	int n = 0;

	for (; *names; names++)
		n += count_of(&res, *names);
	*failed = res.failed;
	return n;
}

/* The status file's etcd source (a new reference), once pred holds of it, within timeout_ms;
 * NULL when it did not. */
static json_t *etcd_status(bool (*pred)(const json_t *src), int timeout_ms)
{
	unsigned long long end = now_ms() + slow_ms(timeout_ms);
	json_t *root, *src;
	size_t i;

	do {
		root = json_load_file(status_file(), 0, NULL);
		json_array_foreach(json_object_get(json_object_get(root, "registry"), "sources"), i,
				   src) {
			if (!strcmp(json_string_value(json_object_get(src, "kind")) ?: "", "etcd") &&
			    pred(src)) {
				json_incref(src);
				json_decref(root);
				return src;
			}
		}
		json_decref(root);
		usleep(50000);
	} while (now_ms() < end);
	return NULL;
}

static bool has_failing_key(const json_t *src)
{
	return json_integer_value(json_object_get(src, "failingKeys")) > 0;
}

static bool no_failing_key(const json_t *src)
{
	return !has_failing_key(src) && json_is_null(json_object_get(src, "problem"));
}

static bool unreachable(const json_t *src)
{
	return strstr(json_string_value(json_object_get(src, "problem")) ?: "",
		      "etcd unreachable since") != NULL;
}

/* Keys put and deleted reach the maps in milliseconds (real connects to the backends they
 * name); a bad value, a key of the wrong shape: refused naming the key, nothing changes. */
void t_etcd_watch(void)
{
	static const char *const h2[] = { "H2", NULL }, *const h2h3[] = { "H2", "H3", NULL };
	const char *bad = "{\"Attributes\": {\"AWS_INSTANCE_IPV4\": \"127.0.0.23\", "
			  "\"AWS_INSTANCE_PORT\": \"0\"}}";
	json_t *src, *part;
	char *log;
	int failed;
	long ms;

	expect(routes_to("orders", "H1", 2000) && routes_to("orders", "H2", 2000),
	       "orders does not reach the two instances put before the start");
	log = log_since(B.spawn_mark);
	expect(log && strstr(log, "2 keys at revision") && strstr(log, "watching from"),
	       "the source does not say it listed 2 keys and watches");
	free(log);

	expect(!put(KEY("o3"), instance_of("H3")), "etcdctl put");
	ms = reached_after("orders", "H3", SEEN_MS);
	expect(ms >= 0, "an instance put is not reached within %d ms", SEEN_MS);
	printf("    an instance put: its backend reached after %ld ms\n", ms);

	expect(!del(KEY("o1")), "etcdctl del");
	ms = gone_after("orders", "H1", SEEN_MS);
	expect(ms >= 0, "an instance deleted still gets connects after %d ms", SEEN_MS);
	printf("    an instance deleted: no connect reached it after %ld ms\n", ms);
	expect(reach_any(h2h3, &failed) == 20 && !failed, "the others do not serve");

	/* a transaction: o2 deleted and o4 put at one revision, both taken */
	expect(!txn(KEY("o2"), KEY("o4"), instance_of("H4")), "a transaction through the gateway");
	expect(reached_after("orders", "H4", SEEN_MS) >= 0, "a transaction's put is not taken");
	expect(gone_after("orders", "H2", SEEN_MS) >= 0, "a transaction's delete is not taken");
	expect(!put(KEY("o2"), instance_of("H2")), "etcdctl put");
	expect(reached_after("orders", "H2", SEEN_MS) >= 0, "o2 put again is not taken");
	expect(!del(KEY("o4")), "etcdctl del");
	expect(gone_after("orders", "H4", SEEN_MS) >= 0, "o4 deleted is not taken");

	/* a bad value of o3: refused, naming the key and the field; o3 keeps serving */
	expect(!put(KEY("o3"), bad), "etcdctl put");
	wait_log(KEY("o3") ": Attributes.AWS_INSTANCE_PORT: must be", 1, 3000);
	expect(log_count(KEY("o3") ": Attributes.AWS_INSTANCE_PORT: must be") == 1,
	       "the bad value is not refused naming its key and field");
	src = etcd_status(has_failing_key, 2000);
	part = src ? json_array_get(json_object_get(src, "failing"), 0) : NULL;
	expect(part && !strcmp(json_string_value(json_object_get(part, "name")) ?: "", KEY("o3")),
	       "the status does not list the key failing");
	expect(part && json_integer_value(json_object_get(part, "instances")) == 1,
	       "the status does not say the key keeps its instance");
	json_decref(src);
	expect(reach_any(h2h3, &failed) == 20 && !failed,
	       "a bad value changed what serves (%d failed)", failed);
	/* a key that is no instance's */
	expect(!put("/sluice/e2e.local/orders", instance_of("H4")), "etcdctl put");
	wait_log("key /sluice/e2e.local/orders: not /sluice/e2e.local/<service>/<instance-id>", 1,
		 3000);
	expect(log_count("key /sluice/e2e.local/orders: not") == 1, "a key of the wrong shape "
	       "is not refused");
	expect(alias_hits("orders", "H4", 20) == 0, "the key of the wrong shape serves");
	expect(alias_hits("orders", "H2", 20) > 0 || alias_hits("orders", "H2", 20) > 0,
	       "o2 no longer serves");

	/* good again, and the stray key deleted: nothing fails */
	expect(!put(KEY("o3"), instance_of("H5")) && !del("/sluice/e2e.local/orders"), "etcdctl");
	expect(reached_after("orders", "H5", SEEN_MS) >= 0, "o3's good value is not taken");
	src = etcd_status(no_failing_key, 2000);
	expect(src, "the status still lists failing keys");
	json_decref(src);
	expect(reach_any((const char *const[]){ "H2", "H5", NULL }, &failed) == 20,
	       "o2 and o3 do not serve");
	(void)h2;
}

/* One member killed: nothing changes, and changes keep coming (the watch resumes on another
 * member); every member down: the last state serves and the status says since when; back,
 * what changed meanwhile arrives. */
void t_etcd_members(void)
{
	static const char *const h12[] = { "H1", "H2", NULL }, *const h123[] = { "H1", "H2", "H3",
										 NULL };
	struct request rq = req(OP_TCP, AF_INET, "orders", false, false, 80, 0);
	struct result res;
	json_t *src;
	int i, failed;
	long ms;

	expect(routes_to("orders", "H1", 2000) && routes_to("orders", "H2", 2000),
	       "orders does not reach its two instances");
	rq.op = OP_TCP_LOOP;
	rq.duration_ms = 1500;
	expect(!agent_send(&agent, &rq), "agent");
	member_kill(0); /* the first endpoint: the one watched */
	expect(!agent_wait(&agent, &res, 10000), "agent");
	expect(res.failed == 0 && res.ok > 20, "connects while a member died: %d ok, %d failed "
	       "(errno %d)", res.ok, res.failed, res.last_errno);
	expect(!put(KEY("o3"), instance_of("H3")), "etcdctl put with a member down");
	ms = reached_after("orders", "H3", SEEN_MS + 1000);
	expect(ms >= 0, "a put with a member down is not reached");
	printf("    one member killed: %d connects, none failed; a put reached after %ld ms\n",
	       res.ok, ms);
	expect(reach_any(h123, &failed) == 20 && !failed, "not all three serve");

	member_kill(1);
	member_kill(2);
	src = etcd_status(unreachable, DOWN_MS);
	expect(src, "with every member down, the status does not say etcd is unreachable");
	if (src)
		printf("    every member down: \"%s\"\n",
		       json_string_value(json_object_get(src, "problem")));
	json_decref(src);
	expect(reach_any(h123, &failed) == 20 && !failed,
	       "with every member down, the last state does not serve (%d failed)", failed);

	/* sluiced restarts while the cluster is down: the adopted maps are held, none fails */
	rq.duration_ms = 3000;
	expect(!agent_send(&agent, &rq), "agent");
	usleep(300000);
	expect(daemon_stop(SIGTERM) == 0, "SIGTERM: sluiced did not exit cleanly");
	expect(!daemon_spawn(), "sluiced did not start again with the cluster down");
	wait_log("changing nothing until it can", 1, DOWN_MS);
	expect(log_count("changing nothing until it can") == 1, "the restart does not hold the "
	       "adopted maps");
	expect(!agent_wait(&agent, &res, 20000), "agent");
	expect(res.failed == 0 && res.ok > 50, "connects across a restart with the cluster down: "
	       "%d ok, %d failed (errno %d)", res.ok, res.failed, res.last_errno);
	printf("    restarted with every member down: %d connects, none failed\n", res.ok);

	for (i = 0; i < MEMBERS; i++)
		member_start(i);
	expect(cluster_writable(), "the cluster does not come back");
	expect(!del(KEY("o1")), "etcdctl del");
	expect(gone_after("orders", "H1", SEEN_MS + DOWN_MS) >= 0,
	       "a delete after the cluster came back is not taken");
	src = etcd_status(no_failing_key, DOWN_MS);
	expect(src, "the status still says the cluster is unreachable");
	json_decref(src);
	expect(log_count("the registry reads whole again") == 1, "the hold is not released");
	expect(!daemon_wait_ready(3000), "not ready after the hold lifted");
	expect(reach_any((const char *const[]){ "H2", "H3", NULL }, &failed) == 20, "o2 and o3 "
	       "do not serve");
	(void)h12;
}

/* The watched member down while the others take a put, a delete and a compaction past them:
 * back, the watch's revision is compacted and the source re-lists. Then sluiced restarts
 * under a connect loop: none fails. */
void t_etcd_compaction(void)
{
	struct request rq = req(OP_TCP, AF_INET, "orders", false, false, 80, 0);
	char rev[32] = "", path[512], cmd[1024], *log;
	struct result res;
	FILE *f;
	int failed;

	expect(routes_to("orders", "H1", 2000) && routes_to("orders", "H2", 2000),
	       "orders does not reach its two instances");
	member_kill(0); /* the one endpoint the row gives */
	expect(!put(KEY("o3"), instance_of("H3")) && !del(KEY("o1")), "etcdctl with a member down");
	/* compact at the revision now: the revision of a write of a key of its own */
	snprintf(path, sizeof(path), "%s/rev", etcd_dir);
	snprintf(cmd, sizeof(cmd), "ETCDCTL_API=3 etcdctl --endpoints=http://%s:2379 -w fields "
		 "put /sluice-e2e/ping 2 | sed -n 's/^\"Revision\" : //p' > %s", member_addr[1],
		 path);
	expect(system(cmd) == 0, "etcdctl put -w fields");
	f = fopen(path, "r");
	expect(f && fgets(rev, sizeof(rev), f), "no revision");
	if (f)
		fclose(f);
	rev[strcspn(rev, "\n")] = '\0';
	expect(!etcdctl("compact", rev, NULL), "etcdctl compact %s", rev);
	member_start(0);
	wait_log("is compacted", 1, DOWN_MS);
	log = log_since(B.log_mark);
	expect(log && strstr(log, "is compacted") && strstr(log, "re-listing"),
	       "the compaction is not said (a re-list)");
	free(log);
	expect(reached_after("orders", "H3", SEEN_MS) >= 0, "the re-list does not bring o3");
	expect(gone_after("orders", "H1", SEEN_MS) >= 0, "the re-list does not take o1");
	expect(reach_any((const char *const[]){ "H2", "H3", NULL }, &failed) == 20 && !failed,
	       "o2 and o3 do not serve after the re-list");

	/* sluiced restarts under a connect loop */
	rq.op = OP_TCP_LOOP;
	rq.duration_ms = 3000;
	expect(!agent_send(&agent, &rq), "agent");
	usleep(300000);
	expect(daemon_stop(SIGTERM) == 0, "SIGTERM: sluiced did not exit cleanly");
	expect(!daemon_start(), "sluiced did not start again");
	expect(!agent_wait(&agent, &res, 20000), "agent");
	expect(res.failed == 0 && res.ok > 50, "connects across a restart: %d ok, %d failed "
	       "(errno %d)", res.ok, res.failed, res.last_errno);
	printf("    %d connects across a restart, %d failed\n", res.ok, res.failed);
	expect(!put(KEY("o4"), instance_of("H4")), "etcdctl put");
	expect(reached_after("orders", "H4", SEEN_MS) >= 0, "the restarted sluiced does not watch");
}

/* The value etcd holds at key ("" when none), into buf. */
static const char *get(const char *key, char *buf, size_t len)
{
	char cmd[1024], path[512];
	FILE *f;
	size_t n = 0;

	snprintf(path, sizeof(path), "%s/get.out", etcd_dir);
	snprintf(cmd, sizeof(cmd), "ETCDCTL_API=3 etcdctl --endpoints=http://%s:2379,http://%s:2379"
		 " --command-timeout=3s get --print-value-only '%s' > %s 2>/dev/null",
		 member_addr[1], member_addr[2], key, path);
	buf[0] = '\0';
	if (system(cmd) == 0 && (f = fopen(path, "r"))) {
		n = fread(buf, 1, len - 1, f);
		fclose(f);
	}
	buf[n] = '\0';
	return buf;
}

/* The lease key is put under (etcdctl get -w fields: "Lease" : N), 0 without one or when
 * the key is missing. */
static long long lease_of(const char *key)
{
	char cmd[1024], path[512], line[256];
	long long lease = 0;
	FILE *f;

	snprintf(path, sizeof(path), "%s/lease.out", etcd_dir);
	snprintf(cmd, sizeof(cmd), "ETCDCTL_API=3 etcdctl --endpoints=http://%s:2379,http://%s:2379"
		 " --command-timeout=3s get -w fields '%s' > %s 2>/dev/null",
		 member_addr[1], member_addr[2], key, path);
	if (system(cmd) == 0 && (f = fopen(path, "r"))) {
		while (fgets(line, sizeof(line), f))
			if (sscanf(line, " \"Lease\" : %lld", &lease) == 1)
				break;
		fclose(f);
	}
	return lease;
}

/* ms until key holds (want true) or lacks (false) a value, or -1 after timeout_ms. */
static long key_after(const char *key, bool want, int timeout_ms)
{
	unsigned long long t0 = now_ms(), end = t0 + timeout_ms;
	char buf[2048];

	do {
		if (!!*get(key, buf, sizeof(buf)) == want)
			return (long)(now_ms() - t0);
		usleep(20000);
	} while (now_ms() < end);
	return -1;
}

static int write_registration(const char *ids_on)
{
	char path[512], doc[4096];
	size_t off;

	snprintf(path, sizeof(path), "%s/registration", B.dir);
	mkdir(path, 0755);
	snprintf(path, sizeof(path), "%s/registration/host.json", B.dir);
	off = (size_t)snprintf(doc, sizeof(doc), "{\"Instances\": [");
	if (ids_on)
		off += (size_t)snprintf(doc + off, sizeof(doc) - off, "{\"InstanceId\": \"r1\", "
					"\"ServiceName\": \"orders\", \"Attributes\": "
					"{\"AWS_INSTANCE_IPV4\": \"%s\", \"AWS_INSTANCE_PORT\": "
					"\"%d\"}}", pool_addr(ids_on), POOL_PORT);
	snprintf(doc + off, sizeof(doc) - off, "]}");
	return replace_file(path, doc);
}

/* The cluster, and this host's registration file with r1 on H3 before sluiced starts. */
int etcd_registration_start(void)
{
	return etcd_cluster_start() ?: write_registration("H3");
}

/* This host's own instances: published under a lease (the same sluiced then routes to them
 * through the watch), changed and removed as the file says; the lease revoked: granted again
 * and the key put again; sluiced killed: the key leaves etcd within the lease's TTL. */
void t_etcd_registration(void)
{
	char buf[2048], cmd[1024];
	unsigned long long t0;
	long long lease, now;
	long ms;

	expect(key_after(KEY("r1"), true, 5000) >= 0, "r1 is not published");
	expect(strstr(get(KEY("r1"), buf, sizeof(buf)), pool_addr("H3")) != NULL,
	       "r1's value does not name H3: %s", buf);
	expect(reached_after("orders", "H3", SEEN_MS) >= 0, "the registered instance is not served");

	expect(!write_registration("H4"), "registration file");
	expect(reached_after("orders", "H4", SEEN_MS) >= 0, "the registration's change is not served");
	expect(!write_registration(NULL), "registration file");
	ms = key_after(KEY("r1"), false, 3000);
	expect(ms >= 0, "r1 removed from the file stays in etcd");
	expect(gone_after("orders", "H4", SEEN_MS) >= 0, "a deregistered instance still serves");
	expect(!write_registration("H3"), "registration file");
	expect(reached_after("orders", "H3", SEEN_MS) >= 0, "registered again, r1 is not served");

	/* every lease revoked: the next keepalive finds it gone; granted again, r1 put again
	 * under the new one (its absence between the two can be shorter than an etcdctl get) */
	lease = lease_of(KEY("r1"));
	expect(lease != 0, "r1 is not under a lease");
	snprintf(cmd, sizeof(cmd), "for l in $(ETCDCTL_API=3 etcdctl --endpoints=http://%s:2379 lease "
		 "list | sed -n 's/^\\([0-9a-f]*\\)$/\\1/p'); do ETCDCTL_API=3 etcdctl "
		 "--endpoints=http://%s:2379 lease revoke $l >/dev/null; done", member_addr[1],
		 member_addr[1]);
	expect(system(cmd) == 0, "etcdctl lease revoke");
	t0 = now_ms();
	wait_log("granting another and putting every key again", 1, 3000);
	expect(log_count("granting another and putting every key again") == 1,
	       "the lost lease is not said");
	for (now = lease; now == lease || !now; usleep(20000)) {
		now = lease_of(KEY("r1"));
		if (now_ms() - t0 > (unsigned long long)slow_ms(5000))
			break;
	}
	expect(now && now != lease, "r1 is not put again under a new lease (lease %llx, then %llx)",
	       lease, now);
	ms = (long)(now_ms() - t0);
	printf("    lease revoked: r1 put again after %ld ms\n", ms);
	expect(reached_after("orders", "H3", SEEN_MS) >= 0, "r1 is not served again");

	/* sluiced killed: its lease expires, r1 leaves etcd within the TTL (2 s) */
	expect(!daemon_signal(SIGKILL), "SIGKILL");
	ms = key_after(KEY("r1"), false, slow_ms(2000 + 2000));
	expect(ms >= 0, "r1 stays in etcd after its sluiced died");
	printf("    sluiced killed: r1 gone from etcd after %ld ms (ttlSeconds 2)\n", ms);
	daemon_stop(SIGKILL);
}
