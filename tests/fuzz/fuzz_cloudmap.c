// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* fuzz_cloudmap.c: libFuzzer target of what the Cloud Map source reads from the network:
 * DiscoverInstances and DiscoverInstancesRevision answers, error answers, and the ECS and IMDS
 * credential documents (the first byte picks the reader). A failed parse takes nothing. */
#include <stdlib.h>
#include <string.h>
#include "inputs/aws_creds.h"
#include "inputs/cloudmap_api.h"
#include "sluice.h"
#include "fuzz.h"

static const struct sl_cm_query Q = { "prod.local", "orders", "prod", SL_CM_ALL };

static void instances(const char *body, size_t len)
{
	struct sl_instances list;
	struct sl_err err = { "" };
	int64_t rev;
	size_t i;
	int ret = sl_cm_parse_instances(body, len, &Q, &list, &rev, &err);

	if (ret) {
		FUZZ_CHECK(rev == -1, "a failed parse left a revision");
		fuzz_check_failed(ret, err.msg, "DiscoverInstances orders", &list, sizeof(list));
		return;
	}
	FUZZ_CHECK(list.n <= SL_CM_MAX_RESULTS && rev >= -1, "more than MaxResults, or a revision");
	for (i = 0; i < list.n; i++) {
		const struct sl_instance *in = &list.v[i];

		FUZZ_CHECK(!strcmp(in->service, "orders") && !strcmp(in->namespace, "prod") &&
			   *in->id && strlen(in->id) < SLUICE_INSTANCE_ID_LEN &&
			   (in->has_v4 || in->has_v6) && in->weight <= SL_MAX_WEIGHT,
			   "Instances[%zu] is not as asked", i);
	}
	sl_instances_free(&list);
}

static void creds(const char *body, size_t len, bool imds)
{
	struct sl_aws_creds c;
	struct sl_err err = { "" };
	int ret = sl_aws_creds_parse(body, len, imds, &c, &err);

	if (ret) {
		fuzz_check_failed(ret, err.msg, imds ? "IMDS credentials" : "ECS container credentials",
				  &c, sizeof(c));
		return;
	}
	FUZZ_CHECK(*c.key_id && *c.secret && *c.token && c.expires > 0 &&
		   !strpbrk(c.key_id, "\r\n:") && !strpbrk(c.token, "\r\n"),
		   "credentials that could not be sent");
	sl_aws_creds_free(&c);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char why[256], *text;
	struct sl_err err = { "" };
	int64_t rev;

	if (!size)
		return 0;
	text = fuzz_text(data + 1, size - 1);
	switch (data[0] % 5) {
	case 0:
		instances(text, size - 1);
		break;
	case 1:
		if (sl_cm_parse_revision(text, size - 1, &rev, &err))
			FUZZ_CHECK(rev == -1 && *err.msg, "a failed revision parse");
		else
			FUZZ_CHECK(rev >= 0, "a negative revision");
		break;
	case 2:
		sl_cm_parse_error(400 + data[0] % 200, text, size - 1, NULL, why, sizeof(why));
		FUZZ_CHECK(!strncmp(why, "HTTP ", 5) && !strpbrk(why, "\r\n"),
			   "an error said with a line break");
		break;
	default:
		creds(text, size - 1, data[0] % 5 == 4);
		break;
	}
	free(text);
	return 0;
}
