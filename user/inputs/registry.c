// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* registry.c: parsing and checking one `aws servicediscovery discover-instances` document
 * into service instances; every error names the file, the field path and the bad value. */
#include <arpa/inet.h>
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <jansson.h>
#include "inputs/registry.h"
#include "lib/json.h"

#define MAX_ID_LEN 63

static const struct sl_json_enum health_names[] = {
	{ "HEALTHY", SL_HEALTH_HEALTHY },
	{ "UNHEALTHY", SL_HEALTH_UNHEALTHY },
	{ "UNKNOWN", SL_HEALTH_UNKNOWN },
	{ NULL, 0 },
};

/* Attributes.AWS_INSTANCE_IPV4 (struct sl_addr): a dotted quad. */
static int parse_ipv4(struct sl_json *j, const struct sl_json_row *row, const json_t *v,
		      void *base)
{
	struct in_addr a4;
	const char *s;
	int ret;

	ret = sl_json_string(j, v, 0, 0, &s);
	if (ret)
		return ret;
	if (inet_pton(AF_INET, s, &a4) != 1)
		return sl_json_fail_got(j, v, "must be an IPv4 address");
	sl_addr_from_v4(sl_json_field(base, row), a4.s_addr);
	return 0;
}

/* Attributes.AWS_INSTANCE_IPV6 (struct sl_addr): neither an IPv4 literal nor v4-mapped. */
static int parse_ipv6(struct sl_json *j, const struct sl_json_row *row, const json_t *v,
		      void *base)
{
	struct sl_addr *out = sl_json_field(base, row);
	const char *s;
	int ret;

	ret = sl_json_string(j, v, 0, 0, &s);
	if (ret)
		return ret;
	if (sl_addr_parse(s, out) || sl_addr_is_v4(out))
		return sl_json_fail_got(j, v, "must be an IPv6 address (not IPv4 or v4-mapped)");
	return 0;
}

static int check_address(struct sl_json *j, const json_t *obj, void *base)
{
	const struct sl_instance *in = base;

	(void)obj;
	if (!in->has_v4 && !in->has_v6)
		return sl_json_fail(j, "needs AWS_INSTANCE_IPV4 or AWS_INSTANCE_IPV6");
	return 0;
}

#define INST(f) SL_JSON_AT(struct sl_instance, f)

/* Cloud Map attribute values are strings; numbers pass as integers too. */
static const struct sl_json_row attribute_rows[] = { /* fill the instance */
	{ "AWS_INSTANCE_IPV4", SL_JSON_CUSTOM, INST(addr4),
	  .has = SL_JSON_HAS(struct sl_instance, has_v4), .parse = parse_ipv4 },
	{ "AWS_INSTANCE_IPV6", SL_JSON_CUSTOM, INST(addr6),
	  .has = SL_JSON_HAS(struct sl_instance, has_v6), .parse = parse_ipv6 },
	{ .type = SL_JSON_CHECK, .check = check_address },
	/* absent (an A-record-only registration): 0, the service's "port" then */
	{ "AWS_INSTANCE_PORT", SL_JSON_INT_TEXT, INST(port), .min = 1, .max = 65535 },
	{ "weight", SL_JSON_INT_TEXT, INST(weight), .max = SL_MAX_WEIGHT, .def = 1 },
	{ 0 },
};

static const struct sl_json_row instance_rows[] = {
	{ "InstanceId", SL_JSON_STRING, INST(id), .min = 1, .max = MAX_ID_LEN, .required = true },
	{ "ServiceName", SL_JSON_STRING, INST(service), .min = 1, .required = true },
	{ "NamespaceName", SL_JSON_STRING, INST(namespace) },
	{ "HealthStatus", SL_JSON_CHOICE, INST(health), .names = health_names,
	  .def = SL_HEALTH_UNKNOWN },
	{ "Attributes", SL_JSON_OBJECT, .rows = attribute_rows, .open = true, .required = true },
	{ 0 },
};

static const struct sl_json_row instance = {
	.type = SL_JSON_OBJECT, .rows = instance_rows, .open = true,
};

static const struct sl_json_row doc_rows[] = {
	{ "Instances", SL_JSON_ARRAY, SL_JSON_ARRAY_AT(struct sl_instances, v, n),
	  .elem = &instance, .required = true },
	{ 0 },
};

/* Other keys (InstancesRevision, NextToken, an instance's own) pass: they are AWS's. */
static const struct sl_json_row registry_doc = {
	.type = SL_JSON_OBJECT, .rows = doc_rows, .open = true,
};

static void instance_free(struct sl_instance *in)
{
	free(in->id);
	free(in->service);
	free(in->namespace);
	memset(in, 0, sizeof(*in));
}

/* Copy the scalars and duplicate the strings (ns may be NULL). 0, or -ENOMEM with in freed. */
static int instance_fill(struct sl_instance *in, const struct sl_instance *scalars,
			 const char *id, const char *service, const char *ns)
{
	*in = *scalars;
	in->id = strdup(id);
	in->service = strdup(service);
	in->namespace = ns ? strdup(ns) : NULL;
	if (!in->id || !in->service || (ns && !in->namespace)) {
		instance_free(in);
		return -ENOMEM;
	}
	return 0;
}

struct inst_ref {
	const struct sl_instance *in;
	size_t idx;
};

static int ref_cmp(const void *a, const void *b)
{
	const struct inst_ref *x = a, *y = b;
	int c = strcmp(x->in->service, y->in->service);

	if (!c)
		c = strcmp(x->in->id, y->in->id);
	if (!c)
		c = (x->idx > y->idx) - (x->idx < y->idx);
	return c;
}

/* "Instances[i].InstanceId: ...", of the later of two instances of one id and service. */
static int duplicate(struct sl_json *j, const struct inst_ref *first, const struct inst_ref *later)
{
	size_t saved = sl_json_push_key(j, "Instances");
	int ret;

	sl_json_push_index(j, later->idx);
	ret = sl_json_fail_key(j, "InstanceId", NULL,
			       "duplicate \"%s\" in service \"%s\", also Instances[%zu]",
			       later->in->id, later->in->service, first->idx);
	sl_json_pop(j, saved);
	return ret;
}

/* Two instances with the same InstanceId in one ServiceName: an error naming both. */
static int check_duplicates(struct sl_json *j, const struct sl_instances *list)
{
	struct inst_ref *refs;
	size_t i;
	int ret = 0;

	if (list->n < 2)
		return 0;
	refs = calloc(list->n, sizeof(*refs));
	if (!refs)
		return sl_json_oom(j);
	for (i = 0; i < list->n; i++) {
		refs[i].in = &list->v[i];
		refs[i].idx = i;
	}
	qsort(refs, list->n, sizeof(*refs), ref_cmp);
	for (i = 1; i < list->n && !ret; i++)
		if (!strcmp(refs[i].in->service, refs[i - 1].in->service) &&
		    !strcmp(refs[i].in->id, refs[i - 1].in->id))
			ret = duplicate(j, &refs[i - 1], &refs[i]);
	free(refs);
	return ret;
}

int sl_registry_parse(const char *text, const char *origin, struct sl_instances *out,
		      struct sl_err *err)
{
	struct sl_instances list = { 0 };
	struct sl_json j = { .origin = origin, .err = err, .quiet = true };
	json_t *root;
	int ret;

	out->v = NULL;
	out->n = 0;
	ret = sl_json_load(&j, text, text ? strlen(text) : 0, &root);
	if (ret)
		return ret;
	ret = sl_json_object(&j, &registry_doc, root, &list) ?: check_duplicates(&j, &list);
	json_decref(root);
	if (ret) {
		sl_instances_free(&list);
		return ret;
	}
	*out = list;
	return 0;
}

/* key, absent from obj, set to want; given, it must be want. */
static int key_default(struct sl_json *j, json_t *obj, const char *key, const char *want)
{
	const json_t *v = json_object_get(obj, key);

	if (!want)
		return 0;
	if (!v)
		return json_object_set_new(obj, key, json_string(want)) ? sl_json_oom(j) : 0;
	if (!json_is_string(v) || strcmp(json_string_value(v), want))
		return sl_json_fail_key(j, key, v, "must be \"%s\" (the key's) or left out", want);
	return 0;
}

int sl_registry_instance_parse(const char *text, size_t len, const char *origin, const char *id,
			       const char *service, const char *ns, struct sl_instance *out,
			       struct sl_err *err)
{
	struct sl_json j = { .origin = origin, .err = err };
	json_t *root;
	int ret;

	memset(out, 0, sizeof(*out));
	ret = sl_json_load(&j, text, len, &root);
	if (ret)
		return ret;
	ret = key_default(&j, root, "InstanceId", id) ?:
	      key_default(&j, root, "ServiceName", service) ?:
	      key_default(&j, root, "NamespaceName", ns) ?:
	      sl_json_object(&j, &instance, root, out);
	json_decref(root);
	if (ret)
		instance_free(out);
	return ret;
}

void sl_instance_free(struct sl_instance *in)
{
	instance_free(in);
}

void sl_instances_free(struct sl_instances *list)
{
	size_t i;

	if (!list)
		return;
	for (i = 0; i < list->n; i++)
		instance_free(&list->v[i]);
	free(list->v);
	list->v = NULL;
	list->n = 0;
}

int sl_instances_append(struct sl_instances *dst, const struct sl_instances *src)
{
	struct sl_instance *v;
	size_t i;

	if (!src->n)
		return 0;
	if (src->n > SIZE_MAX / sizeof(*v) - dst->n)
		return -ENOMEM;
	v = realloc(dst->v, (dst->n + src->n) * sizeof(*v));
	if (!v)
		return -ENOMEM;
	dst->v = v;
	for (i = 0; i < src->n; i++) {
		const struct sl_instance *s = &src->v[i];

		if (instance_fill(&v[dst->n + i], s, s->id, s->service, s->namespace))
			goto err_copy;
	}
	dst->n += src->n;
	return 0;

err_copy:
	while (i--)
		instance_free(&v[dst->n + i]);
	return -ENOMEM;
}
