// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* cloudmap_api.c: Cloud Map's DiscoverInstances and DiscoverInstancesRevision bodies built and
 * their answers checked with jansson: nothing of a bad answer is taken. */
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include "inputs/cloudmap_api.h"
#include "lib/json.h"

#define CODE_LEN 64

const char *sl_cm_health_name(enum sl_cm_health h)
{
	switch (h) {
	case SL_CM_HEALTHY:
		return "HEALTHY";
	case SL_CM_HEALTHY_OR_ELSE_ALL:
		return "HEALTHY_OR_ELSE_ALL";
	case SL_CM_ALL:
		break;
	}
	return "ALL";
}

static char *dump(json_t *o)
{
	char *s = o ? json_dumps(o, JSON_COMPACT) : NULL;

	json_decref(o);
	return s;
}

char *sl_cm_instances_body(const struct sl_cm_query *q)
{
	return dump(json_pack("{s:s, s:s, s:i, s:s}", "NamespaceName", q->cm_namespace,
			      "ServiceName", q->service, "MaxResults", SL_CM_MAX_RESULTS,
			      "HealthStatus", sl_cm_health_name(q->health)));
}

char *sl_cm_revision_body(const struct sl_cm_query *q)
{
	return dump(json_pack("{s:s, s:s}", "NamespaceName", q->cm_namespace, "ServiceName",
			      q->service));
}

/* The document of len bytes: a JSON object (a NUL in it refused). */
static int load(struct sl_json *j, const char *body, size_t len, json_t **root)
{
	if (body && memchr(body, 0, len))
		return sl_json_fail(j, "a NUL byte in the answer");
	return sl_json_load(j, body, len, root);
}

/* "InstancesRevision": an integer >= 0; -1 when absent and not required. */
static int revision_of(struct sl_json *j, const json_t *root, bool required, int64_t *out)
{
	const json_t *v = json_object_get(root, "InstancesRevision");
	json_int_t r;
	size_t saved;
	int ret;

	*out = -1;
	if (!v)
		return required ? sl_json_fail_key(j, "InstancesRevision", NULL, "is required") : 0;
	saved = sl_json_push_key(j, "InstancesRevision");
	ret = sl_json_int(j, v, 0, INT64_MAX, &r);
	sl_json_pop(j, saved);
	if (!ret)
		*out = r;
	return ret;
}

/* Instances[i]'s name field, given, is what was asked (Cloud Map's names are not
 * case-sensitive). */
static int check_name(struct sl_json *j, size_t i, const char *key, const char *got,
		      const char *asked)
{
	char at[64];

	if (!got || !strcasecmp(got, asked))
		return 0;
	snprintf(at, sizeof(at), "Instances[%zu].%s", i, key);
	return sl_json_fail(j, "%s: \"%.80s\", but %s \"%s\" was asked", at, got, key, asked);
}

/* The instances as the config names them: ServiceName the service's, NamespaceName the
 * config's namespace. */
static int rename_all(struct sl_instances *list, const struct sl_cm_query *q)
{
	size_t i;

	for (i = 0; i < list->n; i++) {
		char *svc = strdup(q->service), *ns = strdup(q->namespace);

		if (!svc || !ns) {
			free(svc);
			free(ns);
			return -ENOMEM;
		}
		free(list->v[i].service);
		free(list->v[i].namespace);
		list->v[i].service = svc;
		list->v[i].namespace = ns;
	}
	return 0;
}

int sl_cm_parse_instances(const char *body, size_t len, const struct sl_cm_query *q,
			  struct sl_instances *out, int64_t *revision, struct sl_err *err)
{
	char origin[300];
	struct sl_json j = { .origin = origin, .err = err, .quiet = true };
	struct sl_instances list = { 0 };
	json_t *root = NULL;
	char *text = NULL;
	size_t i;
	int ret;

	out->v = NULL;
	out->n = 0;
	*revision = -1;
	snprintf(origin, sizeof(origin), "DiscoverInstances %s", q->service);
	ret = load(&j, body, len, &root);
	if (!ret && json_array_size(json_object_get(root, "Instances")) > SL_CM_MAX_RESULTS)
		ret = sl_json_fail(&j, "Instances: %zu, more than the MaxResults %d asked for",
				   json_array_size(json_object_get(root, "Instances")),
				   SL_CM_MAX_RESULTS);
	if (!ret)
		ret = revision_of(&j, root, false, revision);
	json_decref(root);
	if (ret)
		return ret;
	text = strndup(body, len); /* sl_registry_parse reads a string */
	if (!text)
		return sl_err_set(err, "%s: out of memory", origin);
	ret = sl_registry_parse(text, origin, &list, err);
	free(text);
	for (i = 0; !ret && i < list.n; i++)
		ret = check_name(&j, i, "ServiceName", list.v[i].service, q->service) ?:
		      check_name(&j, i, "NamespaceName", list.v[i].namespace, q->cm_namespace);
	if (!ret && rename_all(&list, q))
		ret = sl_err_set(err, "%s: out of memory", origin);
	if (ret) {
		sl_instances_free(&list);
		*revision = -1;
		return ret;
	}
	*out = list;
	return 0;
}

int sl_cm_parse_revision(const char *body, size_t len, int64_t *revision, struct sl_err *err)
{
	struct sl_json j = { .origin = "DiscoverInstancesRevision", .err = err, .quiet = true };
	json_t *root = NULL;
	int ret;

	*revision = -1;
	ret = load(&j, body, len, &root) ?: revision_of(&j, root, true, revision);
	json_decref(root);
	return ret;
}

/* The error's code: after the last '#' of "__type" (or of the header), and before a ':'
 * (x-amzn-ErrorType's "Code:http://..."). */
static void code_of(const char *type, char *code, size_t len)
{
	const char *hash = strrchr(type, '#');
	size_t n;

	type = hash ? hash + 1 : type;
	n = strcspn(type, ":");
	snprintf(code, len, "%.*s", (int)n, type);
}

static bool printable(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < ' ' || (unsigned char)*s == 0x7f)
			return false;
	return true;
}

static bool is_one_of(const char *code, const char *const *names)
{
	for (; *names; names++)
		if (!strcmp(code, *names))
			return true;
	return false;
}

static const char *const throttles[] = {
	"ThrottlingException", "RequestLimitExceeded", "Throttling", "ThrottledException",
	"TooManyRequestsException", "RequestThrottled", "RequestThrottledException",
	"SlowDown", "ProvisionedThroughputExceededException", NULL,
};

static const char *const auth_failures[] = {
	"InvalidSignatureException", "SignatureDoesNotMatch", "IncompleteSignature",
	"UnrecognizedClientException", "InvalidClientTokenId", "ExpiredTokenException",
	"ExpiredToken", "RequestExpired", "AccessDeniedException", "MissingAuthenticationToken",
	"InvalidAccessKeyId", "AuthFailure", NULL,
};

enum sl_cm_fail sl_cm_parse_error(long status, const char *body, size_t len,
				  const char *error_type, char *why, size_t why_len)
{
	char code[CODE_LEN] = "", msg[200] = "";
	json_t *root = NULL;
	const char *s;

	if (body && len && !memchr(body, 0, len))
		root = json_loadb(body, len, JSON_REJECT_DUPLICATES, NULL);
	s = json_string_value(json_object_get(root, "__type"));
	if ((s || (s = error_type)) && printable(s))
		code_of(s, code, sizeof(code));
	s = json_string_value(json_object_get(root, "message")) ?:
	    json_string_value(json_object_get(root, "Message"));
	if (s && printable(s))
		snprintf(msg, sizeof(msg), "%s", s);
	json_decref(root);
	snprintf(why, why_len, "HTTP %ld%s%s%s%s", status, *code ? " " : "", code,
		 *msg ? ": " : "", msg);
	if (status == 429 || is_one_of(code, throttles))
		return SL_CM_FAIL_THROTTLED;
	if (status >= 500)
		return SL_CM_FAIL_SERVER;
	if (status == 401 || status == 403 || is_one_of(code, auth_failures))
		return SL_CM_FAIL_AUTH;
	return SL_CM_FAIL_REQUEST;
}

uint64_t sl_cm_backoff_ms(uint32_t poll_ms, unsigned rounds, double draw)
{
	uint64_t cap = poll_ms > SL_CM_BACKOFF_MAX_MS ? poll_ms : SL_CM_BACKOFF_MAX_MS;
	uint64_t ms = poll_ms;
	unsigned i;

	for (i = 0; i < rounds && ms < cap; i++)
		ms *= 2;
	if (ms > cap)
		ms = cap;
	return ms - ms / 2 + (uint64_t)((double)(ms / 2) * draw);
}
