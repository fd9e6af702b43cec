/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* ref.h: the one-lookup reference connect4's map key and value, shared by ref.bpf.c
 * (vmlinux.h types) and ref-loader.c (linux/types.h). Fixed width, no padding holes. */
#ifndef SLUICE_REF_H
#define SLUICE_REF_H

#ifndef __bpf__
#include <linux/types.h>
#endif

/* ref_frontends key: a VIP and port, network byte order. */
struct ref_key {
	__be32 addr;
	__be16 port;
	__u16 pad;
};

/* ref_frontends value: the backend the VIP:port is rewritten to, network byte order. */
struct ref_value {
	__be32 addr;
	__be16 port;
	__u16 pad;
};

#endif /* SLUICE_REF_H */
