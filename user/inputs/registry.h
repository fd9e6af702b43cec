/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* registry.h: service instances as AWS Cloud Map's `discover-instances` prints them,
 * parsed and checked. Pure. */
#ifndef SL_REGISTRY_H
#define SL_REGISTRY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "lib/addr.h"
#include "lib/err.h"

#define SL_MAX_WEIGHT 10000

enum sl_health {
	SL_HEALTH_HEALTHY = 0,
	SL_HEALTH_UNHEALTHY = 1,
	SL_HEALTH_UNKNOWN = 2, /* serves, as Cloud Map's UNKNOWN does */
};

struct sl_instance {
	char *id;        /* "InstanceId" (required, at most 63 characters) */
	char *service;   /* "ServiceName" (required) */
	char *namespace; /* "NamespaceName", NULL when absent */
	enum sl_health health; /* "HealthStatus"; absent counts as UNKNOWN */
	bool has_v4, has_v6;
	struct sl_addr addr4;  /* Attributes.AWS_INSTANCE_IPV4 (v4-mapped) */
	struct sl_addr addr6;  /* Attributes.AWS_INSTANCE_IPV6 */
	uint16_t port;         /* Attributes.AWS_INSTANCE_PORT (1-65535); 0 when absent (an
				* A-record-only registration: the service's "port" serves) */
	uint32_t weight;       /* Attributes.weight, 0-SL_MAX_WEIGHT, default 1; 0 drains */
};

struct sl_instances {
	struct sl_instance *v;
	size_t n;
};

/* Parse one discover-instances document. At least one of the two address attributes
 * is required. Duplicate InstanceIds within a ServiceName are an error. On error, err
 * says "origin: Instances[3].Attributes.AWS_INSTANCE_PORT: what is wrong" and *out is
 * left empty. */
int sl_registry_parse(const char *text, const char *origin, struct sl_instances *out,
		      struct sl_err *err);
/* Parse one instance (a JSON object in the shape of one of Instances[]) of len bytes of text,
 * as a key of a store (etcd) holds it: InstanceId, ServiceName and NamespaceName default to
 * id, service and ns (ns may be NULL), and one given must be the same. On error, err says
 * "origin: Attributes.AWS_INSTANCE_PORT: what is wrong" and *out is left empty. */
int sl_registry_instance_parse(const char *text, size_t len, const char *origin, const char *id,
			       const char *service, const char *ns, struct sl_instance *out,
			       struct sl_err *err);
void sl_instance_free(struct sl_instance *in);
void sl_instances_free(struct sl_instances *list);
/* Deep-copy src's instances onto the end of dst. 0 or -ENOMEM. */
int sl_instances_append(struct sl_instances *dst, const struct sl_instances *src);

#endif
