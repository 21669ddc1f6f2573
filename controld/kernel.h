/*
 * The kernel backend: IPsec SAs and policies in XFRM, over netlink with libnl-xfrm-3
 * (controld/kernel_xfrm.c).  XFRM does ESP; a routed connection without an SA is a TRAP
 * eroute in the BPF map and has no XFRM policy (docs/design.md): the policies added here
 * always carry a template and go in with the SAs they use.
 *
 * Errors: every function returns 0 or -errno (the kernel's own errno where it gave one),
 * and logs the failure once, naming the SA or policy:
 *	ERROR: kernel refused ESP SA 0xc0ffee01 192.0.2.1->192.0.2.2: Protocol not supported
 * With pluto.noklips set nothing is installed: every call checks its arguments, logs at
 * debug level (DBG_KERNEL) what it would have done, and returns 0.
 *
 * What is pluto's: every SA and every policy template pluto installs carries a reqid in
 * [KERNEL_REQID_MIN, KERNEL_REQID_MAX], and kernel_add_sa()/kernel_add_policy() refuse any
 * other.  kernel_flush_pluto() removes exactly the SAs with such a reqid and the policies
 * whose template has one, so SAs and policies of other daemons (or of `ip xfrm`) survive a
 * pluto restart.  The band is far above strongSwan's (from 1) and Libreswan's (from 16384),
 * and below 2^31, where libnl's int getters would turn negative.
 */
#ifndef PLUTO_KERNEL_H
#define PLUTO_KERNEL_H

#include <stdbool.h>
#include <stdint.h>

#include "ip_addr.h"

#define KERNEL_REQID_MIN 0x70000000u
#define KERNEL_REQID_MAX 0x7fffffffu

/* The kernel keeps a 32-packet window without ESN (larger ones it silently cuts to 32). */
#define KERNEL_REPLAY_WINDOW_DEFAULT 32
#define KERNEL_REPLAY_WINDOW_MAX 32

/* Key buffers: AES-256 + the 4-byte GCM salt; HMAC-SHA2-512's 64-byte key. */
#define KERNEL_ENC_KEY_MAX 36
#define KERNEL_AUTH_KEY_MAX 64

struct kernel_sa {
	ip_address src, dst; /* outer addresses: sender and receiver */
	uint32_t spi;	     /* host order; chosen by the receiver (dst) */
	uint8_t proto;	     /* IPPROTO_ESP (the only one supported) */
	bool tunnel;	     /* tunnel mode, else transport */
	/*
	 * The traffic the SA carries: src_client -> dst_client (the inner addresses in tunnel
	 * mode).  Left unset (af AF_UNSPEC), the host subnets of src and dst.
	 */
	ip_subnet src_client, dst_client;
	uint16_t encr;		  /* enum esp_transform: ESP_3DES, ESP_AES, ESP_AES_GCM_16 */
	uint16_t enc_keylen_bits; /* the cipher key without GCM's salt; 0: 192 3DES, 128 AES */
	uint16_t integ;		  /* enum ipsec_auth_alg; AUTH_ALG_NONE with GCM only */
	/* KEYMAT as RFC 2409 5.5 lays it out: the cipher key (for GCM: key || 4-byte salt,
	 * RFC 4106 8.1), then the integrity key. */
	uint8_t enc_key[KERNEL_ENC_KEY_MAX];
	uint8_t enc_key_len; /* bytes used in enc_key */
	uint8_t auth_key[KERNEL_AUTH_KEY_MAX];
	uint8_t auth_key_len;	/* bytes used in auth_key */
	uint32_t replay_window; /* packets, 0 (no replay check) to KERNEL_REPLAY_WINDOW_MAX */
	uint64_t soft_seconds, hard_seconds; /* since the SA was added; 0: no limit */
	uint64_t soft_bytes, hard_bytes;     /* 0: no limit */
	uint32_t reqid; /* KERNEL_REQID_MIN..KERNEL_REQID_MAX; the policy's template's */
};

/* What the kernel is told for an SA's algorithms (filled by kernel_sa_check()). */
struct kernel_xfrm_algs {
	const char *enc_name;  /* "cbc(aes)", "cbc(des3_ede)", "rfc4106(gcm(aes))" */
	unsigned enc_key_bits; /* as given to the kernel: GCM's includes the 32-bit salt */
	bool aead;	       /* enc_name is an AEAD: no separate integrity algorithm */
	unsigned icv_bits;     /* AEAD ICV length (128 for ESP_AES_GCM_16) */
	const char *auth_name; /* "hmac(sha256)" etc.; NULL with an AEAD */
	unsigned auth_key_bits;
	unsigned auth_trunc_bits; /* the ICV: 96 for MD5 and SHA-1, half the hash for SHA-2 */
};

/* Opens the netlink socket (nothing under noklips).  0 or -errno (logged). */
int kernel_init(void);
void kernel_fini(void);

/*
 * Checks an SA's fields (addresses, SPI, reqid band, algorithms, key lengths, replay
 * window, lifetimes) and says what the kernel would be told (algs may be NULL).  NULL when
 * the SA can be installed, else the reason ("cbc(des3_ede)-192 takes a 24-byte key, not 16").
 */
const char *kernel_sa_check(const struct kernel_sa *sa, struct kernel_xfrm_algs *algs);

/*
 * XFRM_MSG_NEWSA (-EEXIST if the SA's dst/SPI/proto is taken), or XFRM_MSG_UPDSA when update
 * (-ESRCH if there is no such SA).  Mind what the kernel's update does: it fills in a larval
 * SA (an SPI reserved without keys) completely, but of a live ESP SA it changes only the
 * lifetimes, never the keys, algorithms or selector (selftests/vm/20-kernel-xfrm.sh shows
 * the lifetimes change and the keys stay).  A rekey is a new SA under a new SPI, then
 * kernel_del_sa() of the old one.
 */
int kernel_add_sa(const struct kernel_sa *sa, bool update);
int kernel_del_sa(const ip_address *dst, uint32_t spi, uint8_t proto);
/*
 * The SA's current lifetime: bytes and packets it carried, and when it was last used
 * (seconds since the epoch; 0 if never).  Under noklips all are 0.
 */
int kernel_get_sa_stats(const ip_address *dst, uint32_t spi, uint8_t proto, uint64_t *bytes,
			uint64_t *packets, uint64_t *use_time);

/*
 * A policy for src -> dst traffic in direction dir (XFRM_POLICY_OUT, _IN or _FWD) that
 * requires one SA of proto from tmpl_src to tmpl_dst with reqid.  The subnets' family may
 * differ from the template addresses' (IPv6 over IPv4, tunnel mode).  A second add with the
 * same selector and direction is -EEXIST; update replaces that policy, or adds it when
 * there is none (XFRM_MSG_UPDPOLICY).  The selector covers all protocols and ports.
 */
int kernel_add_policy(int dir, const ip_subnet *src, const ip_subnet *dst,
		      const ip_address *tmpl_src, const ip_address *tmpl_dst, uint8_t proto,
		      bool tunnel, uint32_t reqid, uint32_t priority, bool update);
int kernel_del_policy(int dir, const ip_subnet *src, const ip_subnet *dst);

/* Removes every SA and policy in pluto's reqid band (see above): SAs first, so that
 * traffic is dropped rather than sent in clear while the policies go.  0 or -errno. */
int kernel_flush_pluto(void);

static inline bool kernel_reqid_is_ours(uint32_t reqid)
{
	return reqid >= KERNEL_REQID_MIN && reqid <= KERNEL_REQID_MAX;
}

#endif
