/*
 * The IKEv1 engine's own declarations: the per-state protocol data (struct ikev1_sa,
 * hung off struct state's proto), the message being processed, the transition table
 * row, and each file's entry points.
 *
 *   ikev1_demux.c  receive: header, state lookup, duplicates, decrypt, payload check,
 *                  transition table, dispatch, commit (state_change, reply, timers)
 *   ikev1_main.c   Main Mode          ikev1_quick.c  Quick Mode
 *   ikev1_info.c   Informational      ikev1_spdb.c   SA payloads: build and select
 *   ikev1_crypt.c  message encryption ikev1_timer.c  retransmit, rekey, expire
 *   ikev1_ipsec.c  the kernel hook for established IPsec SAs
 */
#ifndef PLUTO_IKEV1_SA_H
#define PLUTO_IKEV1_SA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "connections.h"
#include "crypto.h"
#include "ike_codec.h"
#include "ikev1.h"
#include "ikev1_kdf.h"
#include "state.h"

#define IKEV1_MSG_MAX 8192		/* our messages */
#define IKEV1_MAX_DATAGRAM 65536	/* received ones */
#define IKEV1_NONCE_LEN 32		/* what we send (16..32 wanted for interop) */
#define IKEV1_MAX_KE 512		/* MODP4096 */
#define IKEV1_SPI_LEN 4
#define IKEV1_DIGEST_LEN 20		/* SHA-1 of a message: to know its retransmission */
#define IKEV1_MAX_KEYMAT (36 + 64)	/* AES-256-GCM + salt, or AES-256 + SHA2-512 */
#define IKEV1_MAX_RETRANSMITS 3		/* "at most three times" (the manual) */
#define IKEV1_RETRANSMIT_MS 10000	/* then 20 s, 40 s */
#define IKEV1_MIN_SPI 0x1000		/* 0..0xFFF: IANA and manual keying (the manual) */
/* public values and nonces of both sides, freed once the SA is established */
#define IKEV1_EXCH_SIZE (2 * IKEV1_MAX_KE + 2 * IKEV1_MAX_NONCE)
/* a Quick Mode's exchange block also holds its KEYMAT both ways */
#define IKEV1_EXCH_SIZE_P2 (IKEV1_EXCH_SIZE + 2 * IKEV1_MAX_KEYMAT)
/*
 * A responder that sent MR1 does not retransmit it (the initiator resends MI1, which gets
 * MR1 again: a forged MI1 is answered once, not four times); it waits this long for MI2.
 */
#define IKEV1_HALFOPEN_R1_MS 30000

/* The negotiated Phase 1 suite. */
struct ikev1_p1_alg {
	uint16_t encr;		/* enum oakley_encr */
	uint16_t keylen;	/* bits; 0: the cipher's only length */
	uint16_t hash;		/* enum oakley_hash */
	uint16_t auth;		/* enum oakley_auth */
	uint16_t group;		/* enum oakley_group */
	uint32_t life;		/* seconds */
};

/* The negotiated ESP suite. */
struct ikev1_p2_alg {
	uint16_t transform;	/* enum esp_transform */
	uint16_t keylen;	/* bits; 0: the cipher's only length */
	uint16_t auth;		/* enum ipsec_auth_alg */
	uint16_t group;		/* PFS group, 0: none */
	uint16_t encap;		/* enum isakmp_encapsulation */
	uint32_t life;		/* seconds */
};

enum ikev1_event {
	IKEV1_EV_NONE,
	IKEV1_EV_RETRANSMIT,
	IKEV1_EV_SA_REPLACE,
	IKEV1_EV_SA_EXPIRE,
	IKEV1_EV_SO_DISCARD,	/* a half-open responder state waited long enough */
};

struct ikev1_transition;

/*
 * A transition whose handler handed its expensive part to a crypto helper
 * (STF_SUSPEND): what receiving the message knew and needs again when the helper's
 * job resumes the transition (ikev1_demux.c).
 */
struct ikev1_pending {
	const struct ikev1_transition *t; /* NULL: no message (our QI1 with PFS) */
	uint8_t digest[IKEV1_DIGEST_LEN];   /* of the message: last_in once committed */
	uint8_t saved_iv[CRYPTO_MAX_BLOCK]; /* the IV before it: restored on failure */
	bool fresh;			    /* the state was made for the message */
	struct iface *iface;		    /* where it came from: clear notifications */
	ip_address from;
	uint16_t port;
	uint8_t icookie[IKEV1_COOKIE_LEN], rcookie[IKEV1_COOKIE_LEN];
};

/* What only an ISAKMP SA's state holds. */
struct ikev1_isakmp_part {
	struct ikev1_kdf kdf;
	const struct ike_id *peer_id; /* kept (id_keep()); id_none until MI3/MR3 */
	/* ikev1_main.c: the established ISAKMP SAs by peer ID (--uniqueids) */
	struct ikev1_sa *id_next;
	struct state *id_state; /* this SA's state while filed there, else NULL */
	bool want_phase2;	/* start Quick Mode once the ISAKMP SA is up */
	bool halfopen;		/* counted as a half-open responder (ikev1_halfopen.c) */

	/* dead peer detection (RFC 3706): ikev1_dpd.c */
	bool peer_dpd;		   /* the peer sent the DPD vendor ID */
	struct evtimer *dpd_event; /* the next probe or timeout check */
	uint32_t dpd_seq;	   /* the last R-U-THERE we sent */
	uint32_t dpd_acked;	   /* the last one answered (first: the one before the first) */
	uint32_t dpd_unacked;	   /* how many sent since an ACK last came (0: none) */
	uint64_t dpd_since_ms;	   /* evloop_now_ms() of the first unanswered one */
	uint32_t dpd_peer_seq;	   /* the peer's last R-U-THERE */
	bool dpd_peer_seq_set;
	uint64_t dpd_in_packets; /* inbound ESP packets of the connection, last probe time */
	bool dpd_foreign;	 /* an IPsec SA of another connection went in under it */
};

/* What only an IPsec SA's state holds. */
struct ikev1_ipsec_part {
	uint32_t msgid;
	struct ikev1_p2_alg p2;
	uint8_t our_spi[IKEV1_SPI_LEN];	 /* inbound */
	uint8_t peer_spi[IKEV1_SPI_LEN]; /* outbound */
	/*
	 * IKEV1_MAX_KEYMAT bytes each, in the exchange block (exch): each wiped once its SA
	 * is in the kernel (ikev1_install_ipsec_sa()), gone with the block at establishment
	 */
	uint8_t *keymat_in, *keymat_out;
	size_t enc_keylen, auth_keylen;
	ip_subnet our_client, peer_client;
	unsigned installed; /* IKEV1_INSTALLED_* */
	/*
	 * Its ISAKMP SA's keys, kept when that SA went while this Quick Mode was still
	 * negotiating (ikev1_demux.c: orphan_quick_modes()); freed once it is established.
	 */
	struct ikev1_sa *kept_keys;
};

/*
 * What a state holds beyond struct state: one per ISAKMP SA and per IPsec SA.  The part
 * of the other kind of SA is not allocated (ikev1_state_new()): an ISAKMP SA's state
 * has no .ipsec, an IPsec SA's no .isakmp.
 */
struct ikev1_sa {
	bool initiator;
	uint8_t icookie[IKEV1_COOKIE_LEN];
	uint8_t rcookie[IKEV1_COOKIE_LEN];
	struct iface *iface;
	ip_address peer;
	uint16_t peer_port;

	/* Phase 1 (in a Quick Mode state: ni/nr/dh/gi/gr are Quick Mode's) */
	struct ikev1_p1_alg p1;
	uint8_t *sai_b;		/* the initiator's SA payload body (HASH_I/R) */
	size_t sai_b_len;
	struct crypto_dh *dh;
	/*
	 * The public values and nonces, in one block (exch, IKEV1_EXCH_SIZE bytes) while
	 * the SA is negotiated, freed when it is established: nothing reads them later,
	 * and an established SA is then 1.5 KiB smaller.
	 */
	uint8_t *exch;
	uint8_t *gi, *gr;	/* IKEV1_MAX_KE bytes each */
	size_t gi_len, gr_len;
	uint8_t *ni, *nr;	/* IKEV1_MAX_NONCE bytes each */
	size_t ni_len, nr_len;
	bool keyed; /* an ISAKMP SA's kdf and iv are set */
	/*
	 * The running CBC IV: phase 1's (after establishment, the last phase 1 block,
	 * from which phase 2 and informational IVs derive), or this Quick Mode's.
	 */
	uint8_t iv[CRYPTO_MAX_BLOCK];
	size_t iv_len;

	/* retransmission, duplicates, lifetime */
	uint8_t *last_out;
	size_t last_out_len;
	uint8_t last_in[IKEV1_DIGEST_LEN]; /* of the last message acted on */
	bool have_last_in;
	unsigned retransmits;
	unsigned keying_try;	/* 1 for the first attempt */
	unsigned long replacing;	/* serial of the SA this one replaces, 0 */
	uint64_t established_ms;
	uint32_t lifetime;	/* seconds, once established */
	bool peer_deleted;	/* the peer said Delete: do not tell it back */
	uint64_t expire_ms;	/* evloop_now_ms() when it expires */

	/* while a crypto helper works for it (allocated by ikev1_offload()) */
	struct ikev1_pending *pending;

	union { /* last: only one is allocated */
		struct ikev1_isakmp_part isakmp;
		struct ikev1_ipsec_part ipsec;
	};
};

static inline struct ikev1_sa *ikev1_sa(const struct state *st)
{
	return (struct ikev1_sa *)st->proto;
}

/* How a handler ended. */
enum ikev1_stf {
	STF_OK,		/* move to the row's next state; send the reply if one was built */
	STF_IGNORE,	/* drop the message, keep the state as it was */
	STF_FAIL,	/* refuse: send notification msg->notify (if set), keep waiting */
	STF_FATAL,	/* give up this state */
	STF_SUSPEND,	/* a crypto helper has the rest: its job resumes the transition */
};

/* The message being processed. */
struct ikev1_msg {
	struct iface *iface;
	ip_address from;
	uint16_t port;
	const uint8_t *raw;
	size_t raw_len;
	struct ike_digest *d;
	const uint8_t *plain;	/* the (decrypted) payloads */
	size_t plain_len;
	struct cursor_out out;	/* the reply, when the handler builds one */
	bool have_reply;
	uint16_t notify;	/* STF_FAIL: the notification to send, 0: none */
};

typedef enum ikev1_stf (*ikev1_handler_fn)(struct state *st, struct ikev1_msg *m);

/*
 * Work for a crypto helper (crypto_helpers.h): the steps it does, in this order.  One
 * job may ask for several (the responder's MI2: KE, SHARED and SKEYID).
 */
enum ikev1_job_step {
	IKEV1_JOB_KE = 1u << 0,	    /* a fresh DH key pair (dh) and our public value */
	IKEV1_JOB_SHARED = 1u << 1, /* g^xy from dh and the peer's public value */
	IKEV1_JOB_SKEYID = 1u << 2, /* phase 1: SKEYID and children, enc key, IV from g^xy */
	IKEV1_JOB_SIGN = 1u << 3,   /* sig = RSA signature of hash with keys[0] */
	IKEV1_JOB_VERIFY = 1u << 4, /* is sig a signature of hash by one of keys? */
};

struct ikev1_job;
/*
 * The rest of a handler, on the main thread once the helper has done the job (or at
 * once when nothing needed a helper).  m carries no payloads any more: only where the
 * message came from and the reply to build.  Returns as a handler does; STF_SUSPEND
 * again when it hands on another job.
 */
typedef enum ikev1_stf (*ikev1_resume_fn)(struct state *st, struct ikev1_msg *m,
					  struct ikev1_job *j);

/*
 * One job: its inputs, copied from the state (or moved: dh; or referenced: keys, which
 * each hold their own reference), and its outputs.  Nothing in it points at a state,
 * so the helper may work while the state is deleted.  An exchange that needs more
 * embeds this at the start of its own struct (ikev1_job_new(size, ...)).
 */
struct ikev1_job {
	unsigned steps;		/* enum ikev1_job_step */
	ikev1_resume_fn resume;
	size_t size;		/* of the whole allocation (wiped when freed) */
	bool initiator;		/* ours is gi (initiator) or gr; the peer's the other */
	/* Diffie-Hellman */
	uint16_t group;
	struct crypto_dh *dh;	/* made by KE or moved in from the state; freed with the job */
	uint8_t gi[IKEV1_MAX_KE], gr[IKEV1_MAX_KE];
	size_t gi_len, gr_len;
	uint8_t gxy[IKEV1_MAX_KE];
	size_t gxy_len;
	/* phase 1 keys */
	struct ikev1_p1_alg p1;
	uint8_t *psk;		/* a copy, PSK authentication only */
	size_t psk_len;
	uint8_t ni[IKEV1_MAX_NONCE], nr[IKEV1_MAX_NONCE];
	size_t ni_len, nr_len;
	uint8_t icookie[IKEV1_COOKIE_LEN], rcookie[IKEV1_COOKIE_LEN];
	struct ikev1_kdf kdf;
	uint8_t iv[CRYPTO_MAX_BLOCK];
	size_t iv_len;
	/* RSA */
	EVP_PKEY **keys;
	unsigned nkeys;
	uint8_t hash[CRYPTO_MAX_HASH];
	size_t hash_len;
	uint8_t *sig;		/* IKEV1_JOB_SIG_ROOM bytes after the job, SIGN or VERIFY only */
	size_t sig_len;
	/* results */
	int rc;			/* 0, or -errno: the helper could not do it */
	const char *err;	/* NULL, or why the peer's values were refused (a literal) */
};

/* The room for an RSA signature of a SIGN or VERIFY job (16384 bits): only theirs. */
#define IKEV1_JOB_SIG_ROOM (CRYPTO_RSA_MAX_BITS / 8)

/* One row of the transition table. */
struct ikev1_transition {
	enum state_kind from, to;
	uint8_t xchg;
	bool encrypted;
	uint32_t required;	/* 1u << payload type */
	uint32_t optional;
	ikev1_handler_fn handler;
	const char *what;	/* "MI1" */
};
#define P(t) (1u << (t))
#define IKEV1_INSTALLED_IN 1u
#define IKEV1_INSTALLED_OUT 2u

/* ikev1_demux.c */
/*
 * A zeroed job of size bytes (>= sizeof(struct ikev1_job)) for steps, and room for a
 * signature (sig) when they sign or verify; NULL: no memory.
 */
struct ikev1_job *ikev1_job_new(size_t size, unsigned steps);
/* Give a key to job j (takes a reference of its own); false: no memory. */
bool ikev1_job_add_key(struct ikev1_job *j, EVP_PKEY *key);
void ikev1_job_free(struct ikev1_job *j);
/*
 * A job for sa's Diffie-Hellman in group: both public values copied in (the peer's is
 * what a SHARED step uses); without a KE step, sa's key pair moves into the job.
 */
struct ikev1_job *ikev1_dh_job(size_t size, unsigned steps, struct ikev1_sa *sa, uint16_t group);
/* After a KE step: our public value into sa, and the key pair unless SHARED used it. */
void ikev1_job_take_ke(struct ikev1_job *j, struct ikev1_sa *sa);
/*
 * Hand j to a crypto helper for st; resume finishes the handler later.  Returns
 * STF_SUSPEND, or STF_FATAL when it could not (j is freed either way).
 */
enum ikev1_stf ikev1_offload(struct state *st, struct ikev1_job *j, ikev1_resume_fn resume);
/* Append the ISAKMP header of a message of sa's SA to o. */
bool ikev1_start_msg(struct cursor_out *o, const struct ikev1_sa *sa, uint8_t xchg, uint8_t flags,
		     uint32_t msgid);
struct state *ikev1_state_new(struct connection *c, enum state_kind kind, bool initiator);
/* Send a new request (not a reply): keeps it for retransmission, arms the timer. */
void ikev1_send_request(struct state *st, const uint8_t *buf, size_t len);
void ikev1_send_raw(const struct ikev1_sa *sa, const uint8_t *buf, size_t len);
void ikev1_send_to(struct iface *ifp, const ip_address *to, uint16_t port, const uint8_t *buf,
		   size_t len);
/* Our MI1 awaiting its MR1 (the responder cookie is not known yet). */
struct state *ikev1_find_main_i1(const uint8_t *icookie);
void ikev1_keep_last_out(struct ikev1_sa *sa, const uint8_t *buf, size_t len);
/* state_change() and the progress line to the log and the state's whack client. */
void ikev1_change(struct state *st, enum state_kind to);
/* Point log lines at the state (and its whack client); returns the previous client. */
struct ctl_client *ikev1_log_state(struct state *st);
void ikev1_log_done(struct ctl_client *prev);
/* Fail a negotiation: rc to whack (if any), then delete the state. */
void ikev1_fail(struct state *st, enum rc_type rc, const char *why);
struct state *ikev1_find_isakmp(const uint8_t *icookie, const uint8_t *rcookie);
/* The ISAKMP SA whose keys protect st's messages (st itself in phase 1), else NULL. */
struct ikev1_sa *ikev1_keys(const struct state *st);
/* File st in the state index under its initiator cookie, once that is set. */
void ikev1_index_state(struct state *st);
/* The connection's newest established ISAKMP SA, or NULL. */
struct state *ikev1_usable_isakmp(struct connection *c);
const struct ikev1_transition *ikev1_transition_for(enum state_kind from, uint8_t xchg);
/* Check each payload is allowed and each required one present; NULL or the reason. */
const char *ikev1_check_payloads(const struct ike_digest *d, uint32_t required,
				 uint32_t optional);

/* ikev1_main.c */
void ikev1_main_outI1(struct connection *c, struct ctl_client *whack, unsigned keying_try,
		      unsigned long replacing, bool want_phase2);
/* A first Main Mode message: find (or instantiate) the connection, make the R0 state. */
struct state *ikev1_main_responder_state(struct ikev1_msg *m);
enum ikev1_stf ikev1_main_inI1_outR1(struct state *st, struct ikev1_msg *m);
enum ikev1_stf ikev1_main_inR1_outI2(struct state *st, struct ikev1_msg *m);
enum ikev1_stf ikev1_main_inI2_outR2(struct state *st, struct ikev1_msg *m);
enum ikev1_stf ikev1_main_inR2_outI3(struct state *st, struct ikev1_msg *m);
enum ikev1_stf ikev1_main_inI3_outR3(struct state *st, struct ikev1_msg *m);
enum ikev1_stf ikev1_main_inR3(struct state *st, struct ikev1_msg *m);
/* Fill an ID payload body for our end of the connection. */
void ikev1_our_id(const struct connection *c, struct ike_id *id);
/* --uniqueids: st's peer ID now lives at st's peer address; older ones go. */
void ikev1_unique_ids(struct state *st);
/* File an established ISAKMP SA by its peer's ID (for --uniqueids); take it out again. */
void ikev1_id_file(struct state *st);
void ikev1_id_unfile(struct state *st);
bool ikev1_id_to_payload(const struct ike_id *id, struct ike_id_payload *p, uint8_t *buf,
			 size_t size);
const char *ikev1_id_from_payload(const struct ike_id_payload *p, struct ike_id *id);

/* ikev1_halfopen.c */
struct ikev1_halfopen_stats {
	unsigned count;		/* half-open now */
	unsigned peak;		/* the most there ever were */
	uint64_t dropped_total;	/* MI1s dropped: the total limit */
	uint64_t dropped_peer;	/* MI1s dropped: the per-peer limit */
	uint64_t evicted;	/* half-open states deleted to make room for a known peer */
	bool busy;		/* IKE is rate-limited per source in XDP */
};
void ikev1_halfopen_init(void);
/*
 * May a new MI1 from `from' make a responder state?  known: it is for a permanent
 * connection (or an instance established before).  NULL, or why not (counted).
 */
const char *ikev1_halfopen_admit(const ip_address *from, bool known);
/* Count st (a new responder state for sa->peer) as half-open; leave: stop counting it. */
void ikev1_halfopen_enter(struct state *st);
void ikev1_halfopen_leave(struct state *st);
unsigned ikev1_halfopen_count(void);
void ikev1_halfopen_get_stats(struct ikev1_halfopen_stats *out);

/* ikev1_quick.c */
struct state *ikev1_quick_outI1(struct connection *c, struct state *isakmp, struct ctl_client *whack,
				unsigned long replacing);
enum ikev1_stf ikev1_quick_inI1_outR1(struct state *st, struct ikev1_msg *m);
enum ikev1_stf ikev1_quick_inR1_outI2(struct state *st, struct ikev1_msg *m);
enum ikev1_stf ikev1_quick_inI2(struct state *st, struct ikev1_msg *m);
/* Prepare a new Quick Mode responder state for msgid under isakmp; NULL if impossible. */
struct state *ikev1_quick_responder_state(struct state *isakmp, uint32_t msgid);
uint32_t ikev1_new_msgid(const struct state *isakmp);

/* ikev1_info.c */
void ikev1_info_receive(struct ikev1_msg *m);
/* Send a Delete for an established SA (phase 1 or 2) unless the peer deleted it. */
void ikev1_info_send_delete(struct state *st);
/* An encrypted Notification under an ISAKMP SA. */
void ikev1_info_send_notify(struct state *isakmp, uint16_t type, uint8_t protocol,
			    const uint8_t *spi, uint8_t spi_size);
/* The same for a notification made by the caller, without logging it. */
void ikev1_info_send_notification(struct state *isakmp, const struct ike_notify *n);
/* A Notification in the clear (Main Mode before keys exist). */
void ikev1_info_send_clear_notify(struct ikev1_msg *m, uint16_t type);

/* ikev1_dpd.c: dead peer detection (RFC 3706) */
#define IKEV1_DPD_VID_LEN 16
extern const uint8_t ikev1_dpd_vid[IKEV1_DPD_VID_LEN];
/* Append the DPD vendor ID (we always send it in MI1 and MR1). */
bool ikev1_dpd_emit_vid(struct cursor_out *o);
/* Note whether m's vendor IDs include DPD (MI1 / MR1) into the ISAKMP SA's state. */
void ikev1_dpd_note_vids(struct state *st, const struct ikev1_msg *m);
/* An ISAKMP SA is established: probe its peer if both sides want DPD. */
void ikev1_dpd_start(struct state *st);
/* st's inbound SA is in: if it is another connection's, its ISAKMP SA counts its ESP too. */
void ikev1_dpd_note_child(const struct state *st);
/* The state goes: cancel its DPD timer. */
void ikev1_dpd_stop(struct state *st);
/* A R-U-THERE or R-U-THERE-ACK received under the ISAKMP SA isakmp. */
void ikev1_dpd_receive(struct state *isakmp, const struct ike_notify *n);
/* For --status of an ISAKMP SA: "; DPD ..." or "". */
void ikev1_dpd_status(const struct state *st, char *buf, size_t len);
/*
 * The wire format, for tests too: a R-U-THERE(-ACK) under the cookies with seq as its
 * data (data: 4 bytes of storage n->data points to); and the reverse, NULL or why not.
 */
void ikev1_dpd_notify(struct ike_notify *n, uint16_t type, const uint8_t *icookie,
		      const uint8_t *rcookie, uint32_t seq, uint8_t *data);
const char *ikev1_dpd_parse(const struct ike_notify *n, uint32_t *seq);
/* Is the notification's SPI this cookie pair (as RFC 3706 says it should be)? */
bool ikev1_dpd_cookies_match(const struct ike_notify *n, const uint8_t *icookie,
			     const uint8_t *rcookie);
/* Is the vendor ID DPD's (its major version 1, any minor)? */
bool ikev1_dpd_vid_match(const uint8_t *vid, size_t len);
/* Sequence numbers (RFC 1982 arithmetic): is seq after last? */
bool ikev1_dpd_seq_after(uint32_t seq, uint32_t last);
/*
 * Does an ACK for seq answer a R-U-THERE we sent (up to last) that no ACK has answered yet
 * (all up to acked are)?  A late answer to an earlier probe counts: it proves life too.
 */
bool ikev1_dpd_ack_matches(uint32_t seq, uint32_t acked, uint32_t last);

/* ikev1_spdb.c */
bool ikev1_spdb_emit_p1(struct cursor_out *o, const struct connection *c);
bool ikev1_spdb_emit_p2(struct cursor_out *o, const struct connection *c,
			const uint8_t *spi, uint16_t p1_group);
/*
 * Choose from a peer's proposals the first transform our configuration allows, in the
 * order of OUR list.  On success *chosen describes it and *prop and *trans point into sa;
 * otherwise the reason for the log.
 */
const char *ikev1_spdb_select_p1(const struct connection *c, const struct ike_sa *sa,
				 struct ikev1_p1_alg *chosen, const struct ike_proposal **prop,
				 const struct ike_transform **trans);
const char *ikev1_spdb_select_p2(const struct connection *c, const struct ike_sa *sa,
				 uint16_t p1_group, struct ikev1_p2_alg *chosen,
				 const struct ike_proposal **prop,
				 const struct ike_transform **trans);
/* The responder's reply: one proposal (our SPI for phase 2) with the chosen transform. */
bool ikev1_spdb_emit_reply(struct cursor_out *o, const struct ike_proposal *prop,
			   const struct ike_transform *trans, const uint8_t *spi,
			   uint8_t spi_size);
void ikev1_p1_alg_format(const struct ikev1_p1_alg *a, char *buf, size_t len);
void ikev1_p2_alg_format(const struct ikev1_p2_alg *a, char *buf, size_t len);
/* Key lengths of the ESP suite: encryption (GCM: with salt) and integrity, bytes. */
size_t ikev1_esp_enc_keylen(const struct ikev1_p2_alg *a);
size_t ikev1_esp_auth_keylen(const struct ikev1_p2_alg *a);

/* ikev1_crypt.c */
/*
 * Pad the payloads after the header to the block size, encrypt them in place with iv
 * (then the last ciphertext block) and finish the message.
 */
bool ikev1_encrypt_finish(struct cursor_out *o, uint16_t encr, const uint8_t *key,
			  size_t keylen, uint8_t *iv);
/* Decrypt a body into plain (plain_size >= body length); iv as above.  NULL or why. */
const char *ikev1_decrypt(uint16_t encr, const uint8_t *key, size_t keylen, uint8_t *iv,
			  struct ike_chunk body, uint8_t *plain, size_t plain_size);
/* The IV of a phase 2 / informational exchange under the ISAKMP SA isakmp. */
bool ikev1_msgid_iv(const struct ikev1_sa *isakmp, uint32_t msgid, uint8_t *iv);
size_t ikev1_blocksize(const struct ikev1_sa *isakmp);

/* ikev1_timer.c */
void ikev1_schedule(struct state *st, enum ikev1_event ev, uint64_t ms);
/* After establishment: the replace (rekey) and expiry events. */
void ikev1_schedule_lifetime(struct state *st);
/*
 * When a connection's newest SA goes first, the newest of its others takes over:
 * ikev1_heir() finds it (an established ISAKMP SA; an IPsec SA with its outbound SA in the
 * kernel; none while the connection's states are torn down), ikev1_inherit() makes it the
 * newest, and for an ISAKMP SA probes with it (DPD).  Its rekeying is as scheduled.
 */
struct state *ikev1_heir(const struct state *gone);
void ikev1_inherit(struct state *heir, const struct state *gone);
void ikev1_timer_status(const struct state *st, char *buf, size_t len);

/* ikev1_ipsec.c */
bool ikev1_install_ipsec_sa(struct state *st, bool inbound_only);
void ikev1_remove_ipsec_sa(struct state *st);

#endif
