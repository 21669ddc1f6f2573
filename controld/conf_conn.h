/*
 * What ipsec.conf's keys mean: a conn section becomes a struct whack_msg (the same request
 * the whack connection form produces), config setup becomes a struct conf_setup.
 *
 * Every keyword is in one table (conf_conn.c) with its section and what is done with it:
 * applied, accepted and ignored (it changes nothing here), accepted only with the value
 * that changes nothing ("aggressive=no"), or not supported yet (an error).  An unknown
 * keyword is an error.  Errors read "file:line: what", quoting the offending text.
 */
#ifndef PLUTO_CONF_CONN_H
#define PLUTO_CONF_CONN_H

#include <stdbool.h>
#include <stdint.h>

#include "id.h"
#include "ip_addr.h"
#include "ipsec_conf.h"
#include "whack_msg.h"

enum conf_auto {
	CONF_AUTO_ADD,	  /* auto=add (the default): load only */
	CONF_AUTO_ROUTE,  /* auto=route: POLICY_ROUTE */
	CONF_AUTO_START,  /* auto=start: POLICY_UP */
	CONF_AUTO_IGNORE, /* auto=ignore: not loaded at all */
};

struct conf_conn {
	struct whack_msg msg; /* ops = WHACK_OP_CONN; end[0] is left, end[1] right */
	enum conf_auto autostart;
	const char *file; /* where the conn section starts */
	unsigned line;
	/*
	 * leftrsasigkey= / rightrsasigkey=: RFC 3110 public keys (len 0: none). pluto adds
	 * each as a public key of that end's identity (conf_conn_key_id()).
	 */
	struct {
		uint16_t len;
		uint8_t key[WHACK_KEY_MAX];
	} rsasigkey[2];
};

/*
 * Map a conn (from ipsec_conf_next_conn()) to *out.  Every problem is appended to errs.
 * Returns false when the conn must not be loaded (including a conn already marked broken
 * by ipsec_conf_load(), whose reason is already in the list).  A conn with auto=ignore
 * returns true with out->autostart CONF_AUTO_IGNORE and nothing else looked at: pluto
 * skips it (so templates meant only for also= need not be complete).
 */
bool conf_conn_to_whack(const struct conf_section *conn, struct conf_conn *out,
			struct conf_errors *errs);

/*
 * The identity an end's rsasigkey belongs to: its leftid=, else its host address.
 * Returns NULL or the reason (conf_conn_to_whack() has already checked that one exists).
 */
const char *conf_conn_key_id(const struct conf_conn *c, int end, struct ike_id *out);

#define CONF_MAX_INTERFACES 64
#define CONF_IFNAME_MAX 16 /* IFNAMSIZ */

/* Which config setup keys were given (struct conf_setup.set). */
enum conf_setup_bit {
	CONF_S_LOGFILE = 1u << 0,
	CONF_S_LOGTIME = 1u << 1,
	CONF_S_LOGAPPEND = 1u << 2,
	CONF_S_LOGIP = 1u << 3,
	CONF_S_PLUTODEBUG = 1u << 4,
	CONF_S_UNIQUEIDS = 1u << 5,
	CONF_S_LISTEN = 1u << 6,
	CONF_S_NHELPERS = 1u << 7,
	CONF_S_SECRETSFILE = 1u << 8,
	CONF_S_IPSECDIR = 1u << 9,
	CONF_S_IKEPORT = 1u << 10,
	CONF_S_MYID = 1u << 11,
	CONF_S_INTERFACES = 1u << 12,
	CONF_S_STDERRLOG = 1u << 13,
	CONF_S_MAX_HALFOPEN = 1u << 14,
	CONF_S_MAX_HALFOPEN_PEER = 1u << 15,
};

enum conf_interfaces {
	CONF_IFACES_LIST,	  /* the names in ifnames[] */
	CONF_IFACES_DEFAULTROUTE, /* %defaultroute: the default route's interface */
	CONF_IFACES_NONE,	  /* %none */
};

/*
 * config setup, for pluto to apply where its command line did not set the same option.
 * A field means something only when its bit is in set.
 */
struct conf_setup {
	uint32_t set; /* enum conf_setup_bit */
	char logfile[WHACK_PATH_MAX];
	bool logtime, logappend, logip;
	uint32_t plutodebug; /* enum debug_class bits: the whole set, not a change */
	bool uniqueids;
	ip_address listen;
	int nhelpers; /* -1: CPUs - 1 */
	char secretsfile[WHACK_PATH_MAX];
	char ipsecdir[WHACK_PATH_MAX];
	uint16_t ikeport;
	char myid[WHACK_STR_MAX]; /* formatted, as whack --myid sends it */
	enum conf_interfaces interfaces;
	unsigned ninterfaces;
	char ifnames[CONF_MAX_INTERFACES][CONF_IFNAME_MAX];
	char stderrlog[WHACK_PATH_MAX]; /* plutostderrlog= */
	unsigned max_halfopen;		/* max-halfopen-ike= */
	unsigned max_halfopen_peer;	/* max-halfopen-ike-per-peer= */
};

/*
 * Read config setup (none: *out is all unset).  Problems are appended to errs; returns
 * false if there were any (the keys without a problem are still in *out).
 */
bool conf_setup_get(const struct ipsec_conf *conf, struct conf_setup *out,
		    struct conf_errors *errs);

#endif
