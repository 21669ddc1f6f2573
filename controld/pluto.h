/* pluto's run-time settings: the command line, then ipsec.conf's config setup. */
#ifndef PLUTO_PLUTO_H
#define PLUTO_PLUTO_H

#include <stdbool.h>
#include <stdint.h>

#include "id.h"
#include "ip_addr.h"

#define PLUTO_MAX_INTERFACES 64
#define PLUTO_DEFAULT_RUNDIR "/run/pluto"
#define PLUTO_DEFAULT_SECRETS "/etc/ipsec.secrets"
#define PLUTO_DEFAULT_IKEPORT 500
/*
 * Half-open ISAKMP SAs (responder states before our MR3): Libreswan's max-halfopen-ike
 * default in all, and per peer address a few more than strongSwan's block_threshold (5),
 * since pluto starts one Main Mode per connection and a peer may have several.
 */
#define PLUTO_DEFAULT_MAX_HALFOPEN 50000
#define PLUTO_DEFAULT_MAX_HALFOPEN_PEER 16
#ifndef PLUTO_UPDOWN_DEFAULT
#define PLUTO_UPDOWN_DEFAULT "/usr/local/libexec/pluto-xdp/_updown"
#endif

enum ifaces_mode {
	IFACES_ALL,	     /* every configured interface (no --interface) */
	IFACES_LIST,	     /* those named by --interface or interfaces= */
	IFACES_DEFAULTROUTE, /* interfaces=%defaultroute: the default route's interface */
	IFACES_NONE,	     /* interfaces=%none */
};

struct pluto_config {
	char ctl_path[256];	 /* the whack socket */
	char lock_path[256];	 /* the pid lock file */
	char bpf_pin_dir[256];	 /* where the BPF maps are pinned */
	char secretsfile[1024];	 /* a glob pattern */
	char config_file[1024];	 /* --config, or empty */
	uint16_t ikeport;
	bool nofork;
	bool noklips;		 /* negotiate, install nothing */
	bool nobpf;
	bool uniqueids;
	bool force_busy;	 /* --force-busy: XDP rate-limits IKE per source, always */
	unsigned max_halfopen;	 /* --max-halfopen-ike */
	unsigned max_halfopen_peer; /* --max-halfopen-ike-per-peer */
	enum ifaces_mode interfaces_mode;
	const char *interfaces[PLUTO_MAX_INTERFACES]; /* --interface / interfaces= */
	int ninterfaces;
	ip_address listen_addr;	 /* --listen ipaddr; unset: every address */
	int nhelpers;		 /* -1: CPUs - 1 */
	struct ike_id myid;	 /* %myid */
	bool listening;		 /* whack --listen happened */
	bool shutting_down;
};

extern struct pluto_config pluto;

#endif
