// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* registry.c: parsing and checking one `aws servicediscovery discover-instances` document
 * into service instances; every error names the file, the field path and the bad value. */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <jansson.h>
#include "inputs/registry.h"

#define MAX_ID_LEN 63
#define VALUE_LEN 80 /* longest bad value quoted in a message */

/* Where a message points: the document and the instance being checked. */
struct where {
	const char *origin;
	size_t idx;
	struct sl_err *err;
};

/* A JSON value as a message shows it: scalars as JSON (strings quoted), containers by kind. */
static const char *show_value(const json_t *v, char *buf, size_t len)
{
	char *s;

	if (json_is_object(v))
		return "an object";
	if (json_is_array(v))
		return "an array";
	s = json_dumps(v, JSON_ENCODE_ANY | JSON_COMPACT);
	if (!s)
		return "a value";
	if (strlen(s) < len)
		snprintf(buf, len, "%s", s);
	else
		snprintf(buf, len, "%.*s...", (int)len - 4, s);
	free(s);
	return buf;
}

/* "origin: Instances[i].field: what, got VALUE"; field NULL names the instance itself. */
static int bad_value(const struct where *w, const char *field, const char *what, const json_t *v)
{
	char buf[VALUE_LEN];

	return sl_err_set(w->err, "%s: Instances[%zu]%s%s: %s, got %s", w->origin, w->idx,
			  field ? "." : "", field ? field : "", what,
			  show_value(v, buf, sizeof(buf)));
}

static int missing(const struct where *w, const char *field)
{
	return sl_err_set(w->err, "%s: Instances[%zu].%s: is required", w->origin, w->idx, field);
}

/* The string at field of obj: *out NULL when absent (an error when required). */
static int get_string(const struct where *w, const json_t *obj, const char *field,
		      bool required, const char **out)
{
	json_t *v = json_object_get(obj, field);

	*out = NULL;
	if (!v)
		return required ? missing(w, field) : 0;
	if (!json_is_string(v))
		return bad_value(w, field, "must be a string", v);
	*out = json_string_value(v);
	return 0;
}

/* A number in [min, max] given as a JSON integer or as a string of decimal digits (Cloud
 * Map attribute values are strings). */
static int get_number(const struct where *w, const json_t *v, const char *field,
		      unsigned long min, unsigned long max, unsigned long *out)
{
	unsigned long n = 0;
	char what[64];
	const char *s;

	snprintf(what, sizeof(what), "must be %lu-%lu", min, max);
	if (json_is_integer(v)) {
		json_int_t i = json_integer_value(v);

		if (i < (json_int_t)min || i > (json_int_t)max)
			return bad_value(w, field, what, v);
		*out = i;
		return 0;
	}
	if (!json_is_string(v))
		return bad_value(w, field, what, v);
	s = json_string_value(v);
	if (!*s)
		return bad_value(w, field, what, v);
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return bad_value(w, field, what, v);
		n = n * 10 + (*s - '0');
		if (n > max)
			return bad_value(w, field, what, v);
	}
	if (n < min)
		return bad_value(w, field, what, v);
	*out = n;
	return 0;
}

static int parse_health(const char *s, enum sl_health *out)
{
	if (!s)
		*out = SL_HEALTH_UNKNOWN;
	else if (!strcmp(s, "HEALTHY"))
		*out = SL_HEALTH_HEALTHY;
	else if (!strcmp(s, "UNHEALTHY"))
		*out = SL_HEALTH_UNHEALTHY;
	else if (!strcmp(s, "UNKNOWN"))
		*out = SL_HEALTH_UNKNOWN;
	else
		return -EINVAL;
	return 0;
}

/* Attributes.AWS_INSTANCE_IPV4 must be a dotted quad, Attributes.AWS_INSTANCE_IPV6 a real
 * IPv6 address (neither an IPv4 literal nor a v4-mapped one). *has false when absent. */
static int parse_ip_attr(const struct where *w, const json_t *attrs, bool v4, bool *has,
			 struct sl_addr *out)
{
	const char *key = v4 ? "AWS_INSTANCE_IPV4" : "AWS_INSTANCE_IPV6";
	const char *field = v4 ? "Attributes.AWS_INSTANCE_IPV4" : "Attributes.AWS_INSTANCE_IPV6";
	json_t *v = json_object_get(attrs, key);
	struct in_addr a4;
	const char *s;

	*has = false;
	if (!v)
		return 0;
	if (!json_is_string(v))
		return bad_value(w, field, "must be a string", v);
	s = json_string_value(v);
	if (v4) {
		if (inet_pton(AF_INET, s, &a4) != 1)
			return bad_value(w, field, "must be an IPv4 address", v);
		sl_addr_from_v4(out, a4.s_addr);
	} else if (sl_addr_parse(s, out) || sl_addr_is_v4(out)) {
		return bad_value(w, field, "must be an IPv6 address (not IPv4 or v4-mapped)", v);
	}
	*has = true;
	return 0;
}

static int parse_attributes(const struct where *w, const json_t *inst, struct sl_instance *in)
{
	json_t *attrs, *v;
	unsigned long n;
	int ret;

	attrs = json_object_get(inst, "Attributes");
	if (!attrs)
		return missing(w, "Attributes");
	if (!json_is_object(attrs))
		return bad_value(w, "Attributes", "must be an object", attrs);

	ret = parse_ip_attr(w, attrs, true, &in->has_v4, &in->addr4);
	if (ret)
		return ret;
	ret = parse_ip_attr(w, attrs, false, &in->has_v6, &in->addr6);
	if (ret)
		return ret;
	if (!in->has_v4 && !in->has_v6)
		return sl_err_set(w->err,
				  "%s: Instances[%zu].Attributes: needs AWS_INSTANCE_IPV4 or AWS_INSTANCE_IPV6",
				  w->origin, w->idx);

	v = json_object_get(attrs, "AWS_INSTANCE_PORT");
	if (!v)
		return missing(w, "Attributes.AWS_INSTANCE_PORT");
	ret = get_number(w, v, "Attributes.AWS_INSTANCE_PORT", 1, 65535, &n);
	if (ret)
		return ret;
	in->port = n;

	in->weight = 1;
	v = json_object_get(attrs, "weight");
	if (v) {
		ret = get_number(w, v, "Attributes.weight", 0, SL_MAX_WEIGHT, &n);
		if (ret)
			return ret;
		in->weight = n;
	}
	return 0;
}

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

static int parse_instance(const struct where *w, const json_t *inst, struct sl_instance *out)
{
	const char *id, *service, *ns, *health;
	struct sl_instance in = { 0 };
	int ret;

	if (!json_is_object(inst))
		return bad_value(w, NULL, "must be an object", inst);

	ret = get_string(w, inst, "InstanceId", true, &id);
	if (ret)
		return ret;
	if (!*id || strlen(id) > MAX_ID_LEN)
		return bad_value(w, "InstanceId", "must be 1-63 characters",
				 json_object_get(inst, "InstanceId"));
	ret = get_string(w, inst, "ServiceName", true, &service);
	if (ret)
		return ret;
	if (!*service)
		return bad_value(w, "ServiceName", "must not be empty",
				 json_object_get(inst, "ServiceName"));
	ret = get_string(w, inst, "NamespaceName", false, &ns);
	if (ret)
		return ret;
	ret = get_string(w, inst, "HealthStatus", false, &health);
	if (ret)
		return ret;
	if (parse_health(health, &in.health))
		return bad_value(w, "HealthStatus",
				 "must be \"HEALTHY\", \"UNHEALTHY\" or \"UNKNOWN\"",
				 json_object_get(inst, "HealthStatus"));
	ret = parse_attributes(w, inst, &in);
	if (ret)
		return ret;
	return instance_fill(out, &in, id, service, ns);
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

/* Two instances with the same InstanceId in one ServiceName: an error naming both. */
static int check_duplicates(const struct sl_instances *list, const char *origin,
			    struct sl_err *err)
{
	struct inst_ref *refs;
	size_t i;
	int ret = 0;

	if (list->n < 2)
		return 0;
	refs = calloc(list->n, sizeof(*refs));
	if (!refs)
		return -ENOMEM;
	for (i = 0; i < list->n; i++) {
		refs[i].in = &list->v[i];
		refs[i].idx = i;
	}
	qsort(refs, list->n, sizeof(*refs), ref_cmp);
	for (i = 1; i < list->n; i++) {
		if (strcmp(refs[i].in->service, refs[i - 1].in->service) ||
		    strcmp(refs[i].in->id, refs[i - 1].in->id))
			continue;
		ret = sl_err_set(err,
				 "%s: Instances[%zu].InstanceId: duplicate \"%s\" in service \"%s\", also Instances[%zu]",
				 origin, refs[i].idx, refs[i].in->id, refs[i].in->service,
				 refs[i - 1].idx);
		break;
	}
	free(refs);
	return ret;
}

static int parse_doc(const json_t *root, const char *origin, struct sl_instances *out,
		     struct sl_err *err)
{
	struct where w = { .origin = origin, .err = err };
	char buf[VALUE_LEN];
	json_t *insts, *inst;
	int ret;

	if (!json_is_object(root))
		return sl_err_set(err, "%s: the document must be an object, got %s", origin,
				  show_value(root, buf, sizeof(buf)));
	insts = json_object_get(root, "Instances");
	if (!insts)
		return sl_err_set(err, "%s: Instances: is required", origin);
	if (!json_is_array(insts))
		return sl_err_set(err, "%s: Instances: must be an array, got %s", origin,
				  show_value(insts, buf, sizeof(buf)));
	if (!json_array_size(insts))
		return 0;
	out->v = calloc(json_array_size(insts), sizeof(*out->v));
	if (!out->v)
		return -ENOMEM;
	json_array_foreach(insts, w.idx, inst) {
		ret = parse_instance(&w, inst, &out->v[w.idx]);
		if (ret)
			return ret;
		out->n++;
	}
	return check_duplicates(out, origin, err);
}

int sl_registry_parse(const char *text, const char *origin, struct sl_instances *out,
		      struct sl_err *err)
{
	struct sl_instances list = { 0 };
	json_error_t jerr;
	json_t *root;
	int ret;

	out->v = NULL;
	out->n = 0;
	if (!text)
		return sl_err_set(err, "%s: no content", origin);
	root = json_loads(text, JSON_REJECT_DUPLICATES, &jerr);
	if (!root)
		return sl_err_set(err, "%s:%d:%d: %s", origin, jerr.line, jerr.column, jerr.text);
	ret = parse_doc(root, origin, &list, err);
	json_decref(root);
	if (ret) {
		if (ret == -ENOMEM)
			sl_err_set(err, "%s: out of memory", origin);
		sl_instances_free(&list);
		return ret;
	}
	*out = list;
	return 0;
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
