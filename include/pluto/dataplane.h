/*
 * The BPF dataplane's maps, shared by the programs (bpf/) and userspace (loader/, controld/).
 * Fixed-width types only; every map key and value is here, so `bpftool map dump pinned
 * /sys/fs/bpf/pluto/pl_eroutes` prints them with these field names (the maps carry BTF).
 *
 * Eroute lookup, "most specific on both selectors" (docs/dataplane.md has the proof):
 *
 *   pl_dst  LPM trie  (family, destination prefix)   -> node
 *   pl_src  LPM trie  (node, source prefix)           -> eroute id
 *   pl_eroutes array  eroute id                       -> struct pl_eroute
 *
 * A node exists for every destination prefix D that some eroute uses. Its source trie holds,
 * for every source prefix S of an eroute whose destination contains D, the eroute (S, D')
 * with the longest such D'. The destination lookup finds the longest D holding the packet's
 * destination; every eroute whose destination holds the packet's destination has a
 * destination containing D, so the source lookup then picks, among all eroutes matching the
 * packet, the longest source prefix, and for equal sources the longest destination prefix
 * (KLIPS's order: its eroute table is keyed source first). Two lookups whatever the number
 * of eroutes. Userspace (loader/eroute.c) keeps the inherited entries up to date.
 *
 * The other maps: pl_er_stats (per-eroute counters, per CPU), pl_pending (eroute id ->
 * when its TRAP event was sent: one event per eroute until pluto deletes the entry),
 * pl_spi (the SPIs pluto handed out or uses, with per-SA counters, per CPU), pl_counters
 * (enum pl_counter, per CPU), pl_ctl (the lease), pl_events (the TRAP ring buffer),
 * pl_ike_cfg and pl_ike_rl (IKE rate-limited per source while pluto is busy; only the XDP
 * program declares them).
 *
 * All addresses are in network byte order; IPv4 uses the first 4 bytes of the 16.
 */
#ifndef PLUTO_DATAPLANE_H
#define PLUTO_DATAPLANE_H

#include <linux/types.h>

#define PL_AF_INET 4 /* selector and event families (not AF_*: the same on both sides) */
#define PL_AF_INET6 6

/* What an eroute does to a cleartext packet that matches it (outbound, TC egress). */
enum pl_action {
	PL_ACT_NONE = 0,   /* a free slot in pl_eroutes */
	PL_ACT_TRAP = 1,   /* drop; report to pluto once (pl_pending); pluto negotiates */
	PL_ACT_PASS = 2,   /* send in the clear (type=passthrough shunt) */
	PL_ACT_DROP = 3,   /* drop silently (type=drop) */
	PL_ACT_REJECT = 4, /* drop, answer with ICMP "administratively prohibited" (type=reject) */
	PL_ACT_IPSEC = 5,  /* an SA is up: XFRM encrypts; cleartext that gets here is a leak */
};

/* struct pl_eroute.flags */
#define PL_ER_F_NO_ARRIVAL_CHECK 0x01 /* --disablearrivalcheck: no inbound cleartext check */

/* pl_dst key: prefixlen = 8 + destination prefix length (the family byte is matched). */
struct pl_dst_key {
	__u32 prefixlen;
	__u8 family;   /* PL_AF_INET or PL_AF_INET6 */
	__u8 addr[16]; /* destination prefix, host bits zero */
	__u8 pad[3];   /* zero; beyond every prefixlen */
};

/* pl_src key: prefixlen = 32 + source prefix length (the node is matched exactly). */
struct pl_src_key {
	__u32 prefixlen;
	__u32 node;    /* from pl_dst */
	__u8 addr[16]; /* source prefix, host bits zero */
};

/* An eroute: pl_eroutes[id]. */
struct pl_eroute {
	__u8 action;  /* enum pl_action */
	__u8 flags;   /* PL_ER_F_* */
	__u8 family;  /* PL_AF_INET or PL_AF_INET6 */
	__u8 src_len; /* source prefix length */
	__u8 dst_len; /* destination prefix length */
	__u8 pad[3];
	__u32 spi_out; /* PL_ACT_IPSEC: the outbound SA's SPI (network order), else 0 */
	__u32 spi_in;  /* PL_ACT_IPSEC: the inbound SA's SPI (network order), else 0 */
	__u8 src[16];  /* the selectors, for bpftool and `pluto-bpf show` */
	__u8 dst[16];
	__u8 peer[16]; /* PL_ACT_IPSEC: the peer's (outer) address: decapsulated packets
			* for this eroute must have come through an SA from it */
};

/* Per-eroute counters: pl_er_stats[id], one per CPU (sum them). */
struct pl_er_stats {
	__u64 out_packets; /* cleartext packets that matched at TC egress */
	__u64 out_bytes;
	__u64 out_dropped; /* ... of which dropped (trap, drop, reject, leak guard) */
	__u64 traps;	   /* TRAP events sent to pluto */
	__u64 in_packets;  /* decapsulated packets accepted at TC ingress */
	__u64 in_bytes;
	__u64 in_dropped; /* inbound cleartext (or wrong SA) dropped at TC ingress */
	__u64 last_ns;	  /* bpf_ktime_get_ns() of the last packet, 0: none */
};

/* pl_spi key: an SPI pluto handed out (inbound) or uses (outbound). */
#define PL_DIR_IN 0
#define PL_DIR_OUT 1
struct pl_spi_key {
	__u32 spi; /* network order */
	__u32 dir; /* PL_DIR_IN or PL_DIR_OUT */
};

/* Per-SA counters: the value of pl_spi, one per CPU (sum them; max last_ns). */
struct pl_sa_stats {
	__u64 packets; /* ESP packets: inbound at XDP, outbound at TC egress */
	__u64 bytes;   /* their IP length */
	__u64 last_ns;
};

/* pl_ctl[0]: written by userspace. */
struct pl_ctl {
	/*
	 * 0: no lease (pluto-bpf). Else the programs act only while bpf_ktime_get_ns() is
	 * below it; pluto renews it every second, so after a crash everything passes
	 * within PL_LEASE_NS and no stale eroute keeps dropping traffic.
	 */
	__u64 lease_until_ns;
};

/*
 * pl_ike_cfg[0]: written by pluto. While busy (the half-open limit is reached, or
 * --force-busy), XDP lets through at most one IKE datagram per interval_ns from each source
 * address on average, and up to burst packets at once: a GCRA whose state per source is
 * one theoretical arrival time in pl_ike_rl (an LRU hash: the oldest sources go first).
 */
struct pl_ike_cfg {
	__u32 busy;	   /* 0: IKE passes untouched */
	__u32 pad;
	__u64 interval_ns; /* 1e9 / packets per second */
	__u64 burst_ns;	   /* (burst - 1) * interval_ns: how far ahead a source may run */
};

/* pl_ike_rl key (value: __u64, the source's theoretical arrival time, ktime ns). */
struct pl_ike_src {
	__u8 family; /* PL_AF_INET or PL_AF_INET6 */
	__u8 pad[3];
	__u8 addr[16];
};

#define PL_IKE_RL_ENTRIES 65536u
#define PL_IKE_RATE_DEFAULT 10u	 /* IKE packets per second from one source, while busy */
#define PL_IKE_BURST_DEFAULT 20u /* ... and this many at once */

/* A TRAP event in pl_events: a packet hit a TRAP eroute (and was dropped). */
struct pl_trap_event {
	__u64 ts_ns;   /* bpf_ktime_get_ns() */
	__u32 eroute;  /* eroute id */
	__u32 ifindex; /* where it was leaving */
	__u8 family;   /* PL_AF_INET or PL_AF_INET6 */
	__u8 proto;    /* IP protocol (0 when unknown: a non-first fragment) */
	__u16 sport;   /* host order; ICMP: type */
	__u16 dport;   /* host order; ICMP: code */
	__u8 pad[2];
	__u8 src[16];
	__u8 dst[16];
};

/* Global counters: pl_counters[PL_CNT_*], one per CPU. */
enum pl_counter {
	PL_CNT_XDP_PACKETS,	/* every packet the XDP program saw */
	PL_CNT_XDP_NOT_IP,	/* not IPv4/IPv6 (passed) */
	PL_CNT_XDP_BAD_IP,	/* truncated or malformed IP header (passed: the stack drops it) */
	PL_CNT_XDP_IKE,		/* UDP to the IKE ports (passed, always) */
	PL_CNT_XDP_ESP_OK,	/* ESP to an SPI pluto handed out (passed) */
	PL_CNT_XDP_ESP_UNKNOWN, /* ESP to any other SPI (dropped) */
	PL_CNT_XDP_ESP_SHORT,	/* ESP too short to hold SPI and sequence number (dropped) */
	PL_CNT_EG_PACKETS,	/* every packet TC egress saw */
	PL_CNT_EG_BAD_IP,	/* truncated or malformed IP header (passed) */
	PL_CNT_EG_ESP,		/* ESP out (passed) */
	PL_CNT_EG_IKE,		/* IKE out (passed, always) */
	PL_CNT_EG_NO_EROUTE,	/* cleartext no eroute covers (passed) */
	PL_CNT_EG_PASS,		/* cleartext a PASS shunt covers (passed) */
	PL_CNT_EG_DROP,		/* cleartext a DROP or REJECT shunt covers (dropped) */
	PL_CNT_EG_TRAP,		/* cleartext a TRAP eroute covers (dropped) */
	PL_CNT_EG_TRAP_EVENT,	/* ... that were reported to pluto */
	PL_CNT_EG_TRAP_LOST,	/* ... that could not be (ring buffer full) */
	PL_CNT_EG_LEAK,		/* cleartext an IPSEC eroute covers: the leak guard (dropped) */
	PL_CNT_EG_REJECT_ICMP,	/* REJECT: answered with an ICMP error (bpf/pl_reject.h) */
	PL_CNT_EG_REJECT_LIMITED, /* REJECT: not answered, over reject_per_sec */
	PL_CNT_EG_REJECT_QUIET,	/* REJECT: not answerable (an ICMP error, a fragment, ...) */
	PL_CNT_EG_REJECT_FAILED, /* REJECT: the skb could not be turned into the error */
	PL_CNT_IN_PACKETS,	/* every packet TC ingress saw */
	PL_CNT_IN_BAD_IP,	/* truncated or malformed IP header (passed) */
	PL_CNT_IN_DECAP,	/* decapsulated, for an eroute's clients (passed) */
	PL_CNT_IN_CLEAR_DROP,	/* cleartext that must arrive protected (dropped) */
	PL_CNT_IN_WRONG_SA,	/* decapsulated, but not from the eroute's peer (dropped) */
	PL_CNT_LEASE_EXPIRED,	/* packets passed untouched because pluto's lease ran out */
	PL_CNT_XDP_IKE_LIMITED, /* IKE to us over its source's rate while busy (dropped) */
	PL_CNT_MAX
};

/* Map sizes and names. Every map is pinned under the pin directory by its name. */
#define PL_MAX_EROUTES_DEFAULT 16384u
#define PL_SRC_PER_EROUTE 4u /* pl_src max entries: inherited entries included */
#define PL_EVENTS_BYTES (256u * 1024u)
#define PL_LEASE_NS (10ull * 1000000000ull)
#define PL_TRAP_HOLD_NS_DEFAULT (60ull * 1000000000ull)
#define PL_REJECT_PER_SEC_DEFAULT 10u /* ICMP errors for REJECT shunts, per CPU and second */

/* TC filters: pluto's are these on clsact ingress and egress (found again after a crash). */
#define PL_TC_HANDLE 0x504cu
#define PL_TC_PRIORITY 0x504cu

/* The layouts both compilers must agree on (clang -target bpf, cc). */
_Static_assert(sizeof(struct pl_dst_key) == 24, "pl_dst_key");
_Static_assert(sizeof(struct pl_src_key) == 24, "pl_src_key");
_Static_assert(sizeof(struct pl_eroute) == 64, "pl_eroute");
_Static_assert(sizeof(struct pl_er_stats) == 64, "pl_er_stats");
_Static_assert(sizeof(struct pl_spi_key) == 8, "pl_spi_key");
_Static_assert(sizeof(struct pl_sa_stats) == 24, "pl_sa_stats");
_Static_assert(sizeof(struct pl_ctl) == 8, "pl_ctl");
_Static_assert(sizeof(struct pl_trap_event) == 56, "pl_trap_event");
_Static_assert(sizeof(struct pl_ike_cfg) == 24, "pl_ike_cfg");
_Static_assert(sizeof(struct pl_ike_src) == 20, "pl_ike_src");

/* Program names (the kernel keeps 15 characters). */
#define PL_PROG_XDP_NAME "pl_xdp"
#define PL_PROG_TC_IN_NAME "pl_tc_ingress"
#define PL_PROG_TC_EG_NAME "pl_tc_egress"
#define PL_PROG_TC_IN_L3_NAME "pl_tc_in_l3" /* the same, for devices without an L2 header */
#define PL_PROG_TC_EG_L3_NAME "pl_tc_eg_l3"

#endif
