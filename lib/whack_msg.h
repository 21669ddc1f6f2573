/*
 * The whack <-> pluto control protocol.
 *
 * A request is one message: a fixed header (magic, version, length) followed by
 * type-length-value fields, each checked against one table (whack_msg.c) on decode.
 * pluto answers with lines of text, each starting with a three-digit code (enum rc_type),
 * then closes the connection.
 */
#ifndef PLUTO_WHACK_MSG_H
#define PLUTO_WHACK_MSG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ip_addr.h"

#define WHACK_MAGIC 0x77686b31u /* "whk1" */
#define WHACK_VERSION 1
#define WHACK_MSG_MAX 65536

#define WHACK_NAME_MAX 128
#define WHACK_STR_MAX 528 /* fits ID_STRLEN */
#define WHACK_PATH_MAX 1024
#define WHACK_KEY_MAX 2048 /* RFC 3110 public key bytes */

/* Operations a request carries; pluto performs them in this order. */
enum whack_op {
	WHACK_OP_DELETE = 1u << 0,	/* --delete (alone, or with a connection: replace) */
	WHACK_OP_DELETESTATE = 1u << 1, /* --deletestate N */
	WHACK_OP_MYID = 1u << 2,	/* --myid */
	WHACK_OP_DEBUG = 1u << 3,	/* --debug-* */
	WHACK_OP_CONN = 1u << 4,	/* connection form */
	WHACK_OP_KEY = 1u << 5,		/* --keyid [--addkey] [--pubkeyrsa] */
	WHACK_OP_LISTEN = 1u << 6,
	WHACK_OP_UNLISTEN = 1u << 7,
	WHACK_OP_ROUTE = 1u << 8,
	WHACK_OP_UNROUTE = 1u << 9,
	WHACK_OP_INITIATE = 1u << 10,
	WHACK_OP_TERMINATE = 1u << 11,
	WHACK_OP_OPPO = 1u << 12, /* --oppohere/--oppothere */
	WHACK_OP_STATUS = 1u << 13,
	WHACK_OP_SHUTDOWN = 1u << 14,
	WHACK_OP_REREADSECRETS = 1u << 15,
};
#define WHACK_OP_ALL ((1u << 16) - 1)

enum whack_flag {
	WHACK_F_ASYNC = 1u << 0,  /* --asynchronous */
	WHACK_F_ADDKEY = 1u << 1, /* --addkey */
};

/* Connection policy bits (the connection form's flags). */
enum policy_bit {
	POLICY_PSK = 1u << 0,
	POLICY_RSASIG = 1u << 1,
	POLICY_ENCRYPT = 1u << 2,
	POLICY_AUTHENTICATE = 1u << 3,
	POLICY_COMPRESS = 1u << 4,
	POLICY_TUNNEL = 1u << 5,
	POLICY_PFS = 1u << 6,
	POLICY_DISABLEARRIVALCHECK = 1u << 7,
	POLICY_DONTREKEY = 1u << 8,
	POLICY_SHUNT_PASS = 1u << 9,   /* type=passthrough */
	POLICY_SHUNT_DROP = 1u << 10,  /* type=drop */
	POLICY_SHUNT_REJECT = 1u << 11, /* type=reject */
	POLICY_UP = 1u << 12,	       /* auto=start: initiate once listening */
	POLICY_ROUTE = 1u << 13,       /* auto=route: route once listening */
};
#define POLICY_SHUNT_MASK (POLICY_SHUNT_PASS | POLICY_SHUNT_DROP | POLICY_SHUNT_REJECT)
#define POLICY_ALL ((1u << 14) - 1)

/* dpdaction= / --dpdaction: what to do when the peer stops answering R-U-THERE. */
enum whack_dpd_action {
	WHACK_DPD_DEFAULT = 0, /* not given: hold */
	WHACK_DPD_HOLD,	       /* delete the SAs, put the TRAP eroute back */
	WHACK_DPD_CLEAR,       /* delete the SAs and the eroute */
	WHACK_DPD_RESTART,     /* delete the SAs and negotiate again at once */
};
#define WHACK_DPD_ACTION_MAX WHACK_DPD_RESTART

enum whack_host_type {
	WHACK_HOST_NONE = 0, /* not given */
	WHACK_HOST_ADDR,
	WHACK_HOST_ANY,		 /* %any: road warrior */
	WHACK_HOST_OPPORTUNISTIC, /* %opportunistic */
	WHACK_HOST_DEFAULTROUTE,  /* %defaultroute (ipsec.conf) */
};

struct whack_end {
	char id[WHACK_STR_MAX];	     /* textual identity; empty: the host address */
	uint8_t host_type;	     /* enum whack_host_type */
	ip_address host;
	uint16_t ikeport;	     /* 0: 500 */
	ip_address nexthop;	     /* unset: %direct (the peer) */
	uint8_t has_client;
	ip_subnet client;
	char updown[WHACK_PATH_MAX]; /* empty: the default */
	uint8_t dnskeyondemand;
};

struct whack_msg {
	uint32_t ops;	/* enum whack_op bits */
	uint32_t flags; /* enum whack_flag bits */
	char name[WHACK_NAME_MAX];

	/* connection form */
	struct whack_end end[2]; /* [0]: before --to, [1]: after */
	uint32_t policy;	 /* enum policy_bit */
	uint8_t host_af;	 /* AF_INET (default) or AF_INET6 */
	uint8_t tunnel_af;	 /* 0: as host_af */
	uint32_t ikelifetime;	 /* seconds */
	uint32_t ipseclifetime;
	uint32_t rekeymargin;
	uint32_t rekeyfuzz;	 /* percent */
	uint32_t keyingtries;	 /* 0: for ever */
	char ike[WHACK_STR_MAX]; /* Libreswan ike= syntax; empty: defaults */
	char esp[WHACK_STR_MAX];
	uint32_t dpd_delay;   /* seconds between R-U-THERE probes; 0: no DPD */
	uint32_t dpd_timeout; /* seconds without an answer; 0: the default */
	uint8_t dpd_action;   /* enum whack_dpd_action */

	uint32_t deletestate; /* state serial */

	/* key form */
	char keyid[WHACK_STR_MAX];
	uint16_t pubkey_len;
	uint8_t pubkey[WHACK_KEY_MAX];

	char myid[WHACK_STR_MAX];

	uint32_t debug_on; /* debug classes to set */
	uint32_t debug_off; /* debug classes to clear (applied first) */

	ip_address oppo_here;
	ip_address oppo_there;
};

/* Defaults of the connection form, as the pluto manual gives them. */
#define WHACK_DEFAULT_IKELIFETIME 3600
#define WHACK_MAX_IKELIFETIME 28800
#define WHACK_DEFAULT_IPSECLIFETIME 28800
#define WHACK_MAX_IPSECLIFETIME 86400
#define WHACK_DEFAULT_REKEYMARGIN 540
#define WHACK_DEFAULT_REKEYFUZZ 100
#define WHACK_DEFAULT_KEYINGTRIES 3
/* Dead peer detection (RFC 3706): Libreswan's default timeout and the bound of both times. */
#define WHACK_DEFAULT_DPDTIMEOUT 120
#define WHACK_MAX_DPDTIME 86400

/* Zero the message and fill in the connection form's defaults. */
void whack_msg_init(struct whack_msg *m);

/*
 * Encode into buf (capacity cap); returns the length or -ENOSPC.
 * Decode checks every field against the table; returns NULL or the reason.
 */
int whack_msg_encode(const struct whack_msg *m, uint8_t *buf, size_t cap);
const char *whack_msg_decode(const uint8_t *buf, size_t len, struct whack_msg *m);
/* The total length announced by a header, or 0 if the header is not a whack header. */
size_t whack_msg_peek_len(const uint8_t *hdr, size_t len);
#define WHACK_HDR_LEN 12

/*
 * Reply codes: each line pluto sends starts with the code as three digits.
 * whack's exit status is the code of the last line that is not a comment or log line,
 * with RC_SUCCESS mapped to 0 (the pluto manual, "EXIT STATUS").
 */
enum rc_type {
	RC_COMMENT = 0,	       /* informational; no effect on the exit status */
	RC_WHACK_PROBLEM = 1,  /* whack-detected problem */
	RC_LOG = 2,	       /* message aimed at the log */
	RC_LOG_SERIOUS = 3,    /* serious message aimed at the log */
	RC_SUCCESS = 4,	       /* success (exit status 0) */
	RC_RETRANSMISSION = 10, /* failure, but not definitive */
	RC_DUPNAME = 20,       /* attempt to reuse a connection name */
	RC_UNKNOWN_NAME = 21,  /* connection name or state number unknown */
	RC_ORIENT = 22,	       /* cannot orient connection */
	RC_CLASH = 23,	       /* clash between two Road Warrior connections */
	RC_DEAF = 24,	       /* need --listen before --initiate */
	RC_ROUTE = 25,	       /* cannot route */
	RC_RTBUSY = 26,	       /* cannot unroute: route busy */
	RC_BADID = 27,	       /* malformed --id */
	RC_NOKEY = 28,	       /* no key found */
	RC_NOPEERIP = 29,      /* cannot initiate when peer IP is unknown */
	RC_INITSHUNT = 30,     /* cannot initiate a shunt-only connection */
	/* permanent failure (FreeS/WAN starts this range at 30, sharing it with the above) */
	RC_BADWHACKMESSAGE = 30,
	RC_NORETRANSMISSION = 31,
	RC_INTERNALERR = 32,
	RC_OPPOFAILURE = 33,
	RC_NOTSUPPORTED = 35,  /* ours: recognised but not supported yet */
	RC_NEW_STATE = 100,    /* + the new state's number: progress */
	RC_NOTIFICATION = 200, /* + an IKE notification type */
};

/* "hold", "clear", "restart" (WHACK_DPD_DEFAULT: "hold"); NULL for a bad value. */
const char *whack_dpd_action_name(unsigned action);
/* The action a dpdaction word names, or WHACK_DPD_DEFAULT if none does. */
enum whack_dpd_action whack_dpd_action_lookup(const char *word);

/* Exit status for a reply line's code, or -1 if the line does not set it. */
int whack_rc_exit_status(int rc);

#endif
