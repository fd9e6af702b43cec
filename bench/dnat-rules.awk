# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# dnat-rules.awk: iptables-restore input routing services the way kube-proxy does: nat OUTPUT
# jumps to one chain of all services, each service's rule to its own chain of DNATs picked
# with -m statistic. Input lines: "VIP PORT [BACKEND-PORT]"; backends 127.0.1.1..b (-v b=8),
# at BACKEND-PORT (default 9000).
BEGIN { print "*nat"; print ":SLB-SERVICES - [0:0]" }
NF >= 2 { vip[NR] = $1; port[NR] = $2; bport[NR] = NF > 2 ? $3 : 9000; printf ":SLB-SVC-%d - [0:0]\n", NR }
END {
	print "-A OUTPUT -j SLB-SERVICES"
	for (i = 1; i <= NR; i++) {
		if (!(i in vip))
			continue
		printf "-A SLB-SERVICES -p tcp -d %s/32 --dport %s -j SLB-SVC-%d\n", vip[i], port[i], i
		for (j = 1; j < b; j++)
			printf "-A SLB-SVC-%d -p tcp -m statistic --mode random --probability %.10f -j DNAT --to-destination 127.0.1.%d:%d\n", i, 1 / (b - j + 1), j, bport[i]
		printf "-A SLB-SVC-%d -p tcp -j DNAT --to-destination 127.0.1.%d:%d\n", i, b, bport[i]
	}
	print "COMMIT"
}
