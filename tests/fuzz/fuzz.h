/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* fuzz.h: what the fuzz targets (fuzz_*.c) share: the input as text, invariants that abort with
 * a message, and the model build that a config, registry or state which parsed must pass. */
#ifndef FUZZ_H
#define FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include "inputs/config.h"
#include "inputs/registry.h"
#include "model/vip.h"

/* The entry point each target defines: libFuzzer's, and replay.c's (make check). */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The size bytes of data and a NUL after them (malloc'd; a NUL in data ends the text early,
 * the bytes after it stay in the buffer). Never NULL. */
char *fuzz_text(const uint8_t *data, size_t size);

/* An invariant: unless cond, "fuzz: FILE:LINE: ..." on stderr and abort(), which libFuzzer
 * reports as a crash and keeps the input of. */
#define FUZZ_CHECK(cond, ...) ((cond) ? (void)0 : fuzz_fail(__FILE__, __LINE__, __VA_ARGS__))
void fuzz_fail(const char *file, int line, const char *fmt, ...)
	__attribute__((noreturn, format(printf, 3, 4)));

/* A parse that failed: ret is -EINVAL or -ENOMEM, msg names origin first ("origin: ..." or
 * "origin:LINE:COL: ..."), and the n bytes of the parser's output at out are all zero. */
void fuzz_check_failed(int ret, const char *msg, const char *origin, const void *out, size_t n);

/* What a config that parsed must pass: sl_desired_build with these instances and previous VIPs
 * (arrays of cfg->nnamespaces, by namespace; NULL: none) succeeds or runs out of room
 * (-ENOSPC), never refuses it; its model is well formed (ids in the limits, sorted and unique;
 * frontends unique, on VIPs in their namespace's ranges; slots of serving backends); built
 * again from the VIPs it handed out, none moves. */
void fuzz_build(const struct sl_config *cfg, const struct sl_instances *instances,
		const struct sl_vip_table *prev4, const struct sl_vip_table *prev6);

/* A config of two namespaces whose services the registry and state seeds name
 * (tests/fuzz/corpus), parsed once: small VIP ranges, so that VIPs from a state file collide. */
const struct sl_config *fuzz_config(void);

#endif
