/*
 * The kernel backend: ESP SAs and IPsec policies in XFRM, over one libnl-xfrm-3 socket.
 *
 * libnl folds the kernel's errnos into a few NLE_ codes: the errno and the extended-ack
 * text are taken from the NLMSG_ERROR itself (on_nlmsgerr()), so callers and logs get the
 * kernel's own reason.  Counters are read as async events (XFRM_MSG_GETAE), which carry no
 * keys, rather than with XFRM_MSG_GETSA.  Keys pass through libnl objects, whose buffers
 * libnl frees without clearing them.
 *
 * libnl-xfrm 3.7's dump parsers leak two (SA) or four (policy) small address objects per
 * entry listed; only kernel_flush_pluto() lists, once at start-up.
 */
#include "kernel.h"

#include <errno.h>
#include <stdarg.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include <linux/netlink.h>
#include <linux/xfrm.h>

#include <netlink/attr.h>
#include <netlink/netlink.h>
#include <netlink/socket.h>
#include <netlink/xfrm/ae.h>
#include <netlink/xfrm/lifetime.h>
#include <netlink/xfrm/sa.h>
#include <netlink/xfrm/selector.h>
#include <netlink/xfrm/sp.h>
#include <netlink/xfrm/template.h>

#include "pluto/ike_alg.h"
#include "crypto.h"
#include "log.h"
#include "pluto.h"

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))
#define GCM_SALT_BYTES 4
#define DESC_LEN 200

static struct nl_sock *sk;
static int last_errno;	   /* from the kernel's NLMSG_ERROR, for the request in flight */
static char last_ext[128]; /* its extended ack message, if any */

/* ---- algorithms ------------------------------------------------------------------ */

static const struct encr_alg {
	uint16_t encr;
	const char *name;
	uint16_t default_bits;
	uint16_t bits[3]; /* the key lengths allowed; 0 ends the list */
	uint8_t salt_bytes;
	uint16_t icv_bits; /* AEAD only */
} encr_algs[] = {
	{ESP_3DES, "cbc(des3_ede)", 192, {192}, 0, 0},
	{ESP_AES, "cbc(aes)", 128, {128, 192, 256}, 0, 0},
	{ESP_AES_GCM_16, "rfc4106(gcm(aes))", 128, {128, 192, 256}, GCM_SALT_BYTES, 128},
};

static const struct integ_alg {
	uint16_t integ;
	const char *name;
	uint16_t key_bits;
	uint16_t trunc_bits;
} integ_algs[] = {
	{AUTH_ALG_HMAC_MD5, "hmac(md5)", 128, 96},	    /* RFC 2403 */
	{AUTH_ALG_HMAC_SHA1, "hmac(sha1)", 160, 96},	    /* RFC 2404 */
	{AUTH_ALG_HMAC_SHA2_256, "hmac(sha256)", 256, 128}, /* RFC 4868 */
	{AUTH_ALG_HMAC_SHA2_384, "hmac(sha384)", 384, 192},
	{AUTH_ALG_HMAC_SHA2_512, "hmac(sha512)", 512, 256},
};

static const struct encr_alg *encr_lookup(uint16_t encr)
{
	for (size_t i = 0; i < ARRAY_LEN(encr_algs); i++)
		if (encr_algs[i].encr == encr)
			return &encr_algs[i];
	return NULL;
}

static const struct integ_alg *integ_lookup(uint16_t integ)
{
	for (size_t i = 0; i < ARRAY_LEN(integ_algs); i++)
		if (integ_algs[i].integ == integ)
			return &integ_algs[i];
	return NULL;
}

static bool keylen_ok(const struct encr_alg *e, unsigned bits)
{
	for (size_t i = 0; i < ARRAY_LEN(e->bits) && e->bits[i] != 0; i++)
		if (e->bits[i] == bits)
			return true;
	return false;
}

/* A reason quoting what was wrong, in a static buffer: one request is checked at a time. */
static const char *reasonf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static const char *reasonf(const char *fmt, ...)
{
	static char reason[160];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(reason, sizeof(reason), fmt, ap);
	va_end(ap);
	return reason;
}

static const char *check_algs(const struct kernel_sa *sa, struct kernel_xfrm_algs *out)
{
	const struct encr_alg *e = encr_lookup(sa->encr);
	if (e == NULL)
		return reasonf("ESP transform %u is not supported", sa->encr);
	unsigned bits = sa->enc_keylen_bits != 0 ? sa->enc_keylen_bits : e->default_bits;
	if (!keylen_ok(e, bits))
		return reasonf("%s takes no %u-bit key", e->name, bits);
	unsigned want = bits / 8 + e->salt_bytes;
	if (sa->enc_key_len != want)
		return reasonf("%s-%u takes a %u-byte key%s, not %u", e->name, bits, want,
			       e->salt_bytes ? " (with salt)" : "", sa->enc_key_len);
	const struct integ_alg *a = integ_lookup(sa->integ);
	if (e->icv_bits != 0 && sa->integ != AUTH_ALG_NONE)
		return reasonf(
			"%s has its own integrity check: integrity algorithm %u must be none",
			e->name, sa->integ);
	if (e->icv_bits == 0 && a == NULL)
		return reasonf("integrity algorithm %u is not supported%s", sa->integ,
			       sa->integ == AUTH_ALG_NONE ? " with a non-AEAD cipher" : "");
	if (a != NULL && sa->auth_key_len != a->key_bits / 8)
		return reasonf("%s takes a %u-byte key, not %u", a->name, a->key_bits / 8,
			       sa->auth_key_len);
	if (a == NULL && sa->auth_key_len != 0)
		return reasonf("an integrity key without an integrity algorithm");
	*out = (struct kernel_xfrm_algs){
		.enc_name = e->name,
		.enc_key_bits = want * 8,
		.aead = e->icv_bits != 0,
		.icv_bits = e->icv_bits,
		.auth_name = a != NULL ? a->name : NULL,
		.auth_key_bits = a != NULL ? a->key_bits : 0,
		.auth_trunc_bits = a != NULL ? a->trunc_bits : 0,
	};
	return NULL;
}

/* ---- argument checks --------------------------------------------------------------- */

static bool af_ok(int af)
{
	return af == AF_INET || af == AF_INET6;
}

static bool subnet_ok(const ip_subnet *s)
{
	return s != NULL && af_ok(s->addr.af) && s->maskbits <= ip_af_bits(s->addr.af);
}

static const char *check_ends(const struct kernel_sa *sa)
{
	if (sa->proto != IPPROTO_ESP)
		return reasonf("protocol %u is not supported (ESP only)", sa->proto);
	if (!af_ok(sa->src.af) || sa->src.af != sa->dst.af)
		return "the outer addresses must be both IPv4 or both IPv6";
	if (sa->spi < 256)
		return reasonf("SPI 0x%x is reserved (RFC 4303: 0-255)", sa->spi);
	if (!kernel_reqid_is_ours(sa->reqid))
		return reasonf("reqid %u is outside pluto's band 0x%x-0x%x", sa->reqid,
			       KERNEL_REQID_MIN, KERNEL_REQID_MAX);
	bool s_set = sa->src_client.addr.af != AF_UNSPEC,
	     d_set = sa->dst_client.addr.af != AF_UNSPEC;
	if (s_set != d_set)
		return "only one of the client subnets is set";
	if (s_set && (!subnet_ok(&sa->src_client) || !subnet_ok(&sa->dst_client) ||
		      sa->src_client.addr.af != sa->dst_client.addr.af))
		return "the client subnets must be both IPv4 or both IPv6";
	if (s_set && !sa->tunnel && sa->src_client.addr.af != sa->src.af)
		return "transport mode cannot carry another address family";
	return NULL;
}

const char *kernel_sa_check(const struct kernel_sa *sa, struct kernel_xfrm_algs *algs)
{
	struct kernel_xfrm_algs unused;

	if (sa == NULL)
		return "no SA";
	const char *err = check_ends(sa);
	if (err == NULL)
		err = check_algs(sa, algs != NULL ? algs : &unused);
	if (err != NULL)
		return err;
	if (sa->replay_window > KERNEL_REPLAY_WINDOW_MAX)
		return reasonf("replay window %u is over %u", sa->replay_window,
			       KERNEL_REPLAY_WINDOW_MAX);
	if ((sa->hard_seconds != 0 && sa->soft_seconds > sa->hard_seconds) ||
	    (sa->hard_bytes != 0 && sa->soft_bytes > sa->hard_bytes))
		return "a soft lifetime exceeds its hard lifetime";
	return NULL;
}

/* ---- descriptions for log lines ---------------------------------------------------- */

static const char *proto_name(uint8_t proto)
{
	return proto == IPPROTO_ESP ? "ESP" : proto == IPPROTO_AH ? "AH" : "proto?";
}

static const char *dir_name(int dir)
{
	switch (dir) {
	case XFRM_POLICY_OUT:
		return "out";
	case XFRM_POLICY_IN:
		return "in";
	case XFRM_POLICY_FWD:
		return "fwd";
	default:
		return "bad-dir";
	}
}

static void sa_desc(char *b, const struct kernel_sa *sa)
{
	snprintf(b, DESC_LEN, "%s SA 0x%08x %s->%s", proto_name(sa->proto), sa->spi,
		 ip_addr_str(&sa->src), ip_addr_str(&sa->dst));
}

static void sa_id_desc(char *b, const ip_address *dst, uint32_t spi, uint8_t proto)
{
	snprintf(b, DESC_LEN, "%s SA 0x%08x to %s", proto_name(proto), spi,
		 dst != NULL ? ip_addr_str(dst) : "(none)");
}

static void pol_desc(char *b, int dir, const ip_subnet *src, const ip_subnet *dst)
{
	snprintf(b, DESC_LEN, "%s policy %s->%s", dir_name(dir),
		 src != NULL ? ip_subnet_str(src) : "(none)",
		 dst != NULL ? ip_subnet_str(dst) : "(none)");
}

/* ---- requests and their errors ----------------------------------------------------- */

/*
 * NLMSG_ERROR: keep the kernel's errno and its extended ack message.  The socket has
 * NETLINK_CAP_ACK, so the request (and any key in it) is not echoed and the ack TLVs
 * follow the struct nlmsgerr directly.
 */
static int on_nlmsgerr(struct sockaddr_nl *who, struct nlmsgerr *e, void *arg)
{
	const struct nlmsghdr *h = (const void *)((const char *)e - NLMSG_HDRLEN);
	size_t off = NLMSG_HDRLEN + sizeof(*e);

	last_errno = -e->error;
	last_ext[0] = '\0';
	if ((h->nlmsg_flags & NLM_F_ACK_TLVS) && (h->nlmsg_flags & NLM_F_CAPPED) &&
	    h->nlmsg_len > off) {
		struct nlattr *tlvs = (struct nlattr *)((char *)h + off);
		struct nlattr *m = nla_find(tlvs, (int)(h->nlmsg_len - off), NLMSGERR_ATTR_MSG);
		if (m != NULL)
			nla_strlcpy(last_ext, m, sizeof(last_ext));
	}
	return NL_STOP;
}

static void req_begin(void)
{
	last_errno = 0;
	last_ext[0] = '\0';
}

/* A libnl result as 0 or -errno: the kernel's errno when it sent one. */
static int req_result(int nlerr)
{
	static const struct {
		int nle, err;
	} map[] = {
		{NLE_NOMEM, ENOMEM},
		{NLE_PERM, EPERM},
		{NLE_NOACCESS, EACCES},
		{NLE_AF_NOSUPPORT, EAFNOSUPPORT},
		{NLE_PROTO_MISMATCH, EPROTONOSUPPORT},
		{NLE_OBJ_NOTFOUND, ENOENT},
		{NLE_EXIST, EEXIST},
		{NLE_INVAL, EINVAL},
		{NLE_MISSING_ATTR, EINVAL},
		{NLE_BAD_SOCK, EBADF},
		{NLE_AGAIN, EAGAIN},
		{NLE_BUSY, EBUSY},
		{NLE_RANGE, ERANGE},
		{NLE_NODEV, ENODEV},
		{NLE_OPNOTSUPP, EOPNOTSUPP},
	};

	if (nlerr >= 0)
		return 0;
	if (last_errno > 0)
		return -last_errno;
	for (size_t i = 0; i < ARRAY_LEN(map); i++)
		if (map[i].nle == -nlerr)
			return -map[i].err;
	return -EIO;
}

/* "ERROR: kernel refused ESP SA 0x... a->b: Protocol not supported (Requested type ...)" */
static void log_refused(const char *verb, const char *what, int err)
{
	bool ext = last_errno == -err && last_ext[0] != '\0';

	loglog(RC_LOG_SERIOUS, "ERROR: kernel refused %s%s: %s%s%s%s", verb, what, strerror(-err),
	       ext ? " (" : "", ext ? last_ext : "", ext ? ")" : "");
}

static void log_invalid(const char *verb, const char *what, const char *why)
{
	loglog(RC_LOG_SERIOUS, "ERROR: cannot %s %s: %s", verb, what, why);
}

static int need_socket(const char *verb, const char *what)
{
	if (sk != NULL)
		return 0;
	loglog(RC_LOG_SERIOUS, "ERROR: cannot %s %s: no XFRM socket (kernel_init failed?)", verb,
	       what);
	return -ENOTCONN;
}

int kernel_init(void)
{
	int one = 1;

	if (pluto.noklips) {
		dbg(DBG_KERNEL, "noklips: not opening the XFRM netlink socket");
		return 0;
	}
	if (sk != NULL)
		return 0;
	sk = nl_socket_alloc();
	if (sk == NULL) {
		loglog(RC_LOG_SERIOUS, "ERROR: cannot allocate a netlink socket: %s",
		       strerror(ENOMEM));
		return -ENOMEM;
	}
	req_begin();
	int err = req_result(nl_connect(sk, NETLINK_XFRM));
	if (err < 0) {
		loglog(RC_LOG_SERIOUS, "ERROR: cannot open the XFRM netlink socket: %s",
		       strerror(-err));
		nl_socket_free(sk);
		sk = NULL;
		return err;
	}
	nl_socket_modify_err_cb(sk, NL_CB_CUSTOM, on_nlmsgerr, NULL);
	/* both optional: without them errors just lose the kernel's explanation */
	setsockopt(nl_socket_get_fd(sk), SOL_NETLINK, NETLINK_CAP_ACK, &one, sizeof(one));
	setsockopt(nl_socket_get_fd(sk), SOL_NETLINK, NETLINK_EXT_ACK, &one, sizeof(one));
	dbg(DBG_KERNEL, "XFRM netlink socket open");
	return 0;
}

void kernel_fini(void)
{
	if (sk != NULL)
		nl_socket_free(sk);
	sk = NULL;
}

/* ---- libnl objects ---------------------------------------------------------------- */

static struct nl_addr *nladdr(const ip_address *a)
{
	return nl_addr_build(a->af, a->bytes, ip_af_len(a->af));
}

static struct xfrmnl_sel *sel_new(const ip_subnet *src, const ip_subnet *dst)
{
	struct xfrmnl_sel *sel = xfrmnl_sel_alloc();
	struct nl_addr *s = nladdr(&src->addr), *d = nladdr(&dst->addr);

	if (sel != NULL && s != NULL && d != NULL) {
		xfrmnl_sel_set_family(sel, src->addr.af);
		xfrmnl_sel_set_saddr(sel, s);
		xfrmnl_sel_set_prefixlen_s(sel, src->maskbits);
		xfrmnl_sel_set_daddr(sel, d);
		xfrmnl_sel_set_prefixlen_d(sel, dst->maskbits);
	} else if (sel != NULL) {
		xfrmnl_sel_put(sel);
		sel = NULL;
	}
	nl_addr_put(s);
	nl_addr_put(d);
	return sel;
}

/* Limits: bytes and seconds as given (0: none), packets never. */
static struct xfrmnl_ltime_cfg *ltime_new(uint64_t soft_s, uint64_t hard_s, uint64_t soft_b,
					  uint64_t hard_b)
{
	struct xfrmnl_ltime_cfg *lt = xfrmnl_ltime_cfg_alloc();

	if (lt == NULL)
		return NULL;
	xfrmnl_ltime_cfg_set_soft_bytelimit(lt, soft_b != 0 ? soft_b : XFRM_INF);
	xfrmnl_ltime_cfg_set_hard_bytelimit(lt, hard_b != 0 ? hard_b : XFRM_INF);
	xfrmnl_ltime_cfg_set_soft_packetlimit(lt, XFRM_INF);
	xfrmnl_ltime_cfg_set_hard_packetlimit(lt, XFRM_INF);
	xfrmnl_ltime_cfg_set_soft_addexpires(lt, soft_s);
	xfrmnl_ltime_cfg_set_hard_addexpires(lt, hard_s);
	return lt;
}

/* Identity, mode, selector and lifetimes of an SA.  0 or -ENOMEM. */
static int sa_fill_ids(struct xfrmnl_sa *x, const struct kernel_sa *sa)
{
	ip_subnet sc = sa->src_client, dc = sa->dst_client;
	struct nl_addr *s = nladdr(&sa->src), *d = nladdr(&sa->dst);
	struct xfrmnl_sel *sel;
	struct xfrmnl_ltime_cfg *lt;
	int err = -ENOMEM;

	if (sc.addr.af == AF_UNSPEC) {
		sc = ip_subnet_from_addr(&sa->src);
		dc = ip_subnet_from_addr(&sa->dst);
	}
	sel = sel_new(&sc, &dc);
	lt = ltime_new(sa->soft_seconds, sa->hard_seconds, sa->soft_bytes, sa->hard_bytes);
	if (s == NULL || d == NULL || sel == NULL || lt == NULL)
		goto cleanup;
	xfrmnl_sa_set_family(x, sa->src.af);
	if (xfrmnl_sa_set_saddr(x, s) < 0 || xfrmnl_sa_set_daddr(x, d) < 0)
		goto cleanup;
	xfrmnl_sa_set_spi(x, sa->spi);
	xfrmnl_sa_set_proto(x, sa->proto);
	xfrmnl_sa_set_mode(x, sa->tunnel ? XFRM_MODE_TUNNEL : XFRM_MODE_TRANSPORT);
	xfrmnl_sa_set_reqid(x, sa->reqid);
	xfrmnl_sa_set_replay_window(x, sa->replay_window);
	xfrmnl_sa_set_sel(x, sel);
	xfrmnl_sa_set_lifetime_cfg(x, lt);
	err = 0;
cleanup:
	nl_addr_put(s);
	nl_addr_put(d);
	if (sel != NULL)
		xfrmnl_sel_put(sel);
	if (lt != NULL)
		xfrmnl_ltime_cfg_put(lt);
	return err;
}

static int sa_fill_algs(struct xfrmnl_sa *x, const struct kernel_sa *sa,
			const struct kernel_xfrm_algs *a)
{
	const char *ek = (const char *)sa->enc_key, *ak = (const char *)sa->auth_key;
	int err;

	if (a->aead) {
		err = xfrmnl_sa_set_aead_params(x, a->enc_name, a->enc_key_bits, a->icv_bits, ek);
	} else {
		err = xfrmnl_sa_set_crypto_params(x, a->enc_name, a->enc_key_bits, ek);
		if (err == 0)
			err = xfrmnl_sa_set_auth_params(x, a->auth_name, a->auth_key_bits,
							a->auth_trunc_bits, ak);
	}
	return err < 0 ? -ENOMEM : 0;
}

/* ---- SAs ------------------------------------------------------------------------- */

/*
 * xfrmnl_sa_add()/_update() as libnl does them, but the request, which holds the keys, is
 * wiped before it is freed.  (The copies libnl keeps in the xfrmnl_sa object are freed
 * unwiped: its API gives no way to reach them.)  A libnl result.
 */
static int sa_send(struct xfrmnl_sa *x, bool update)
{
	struct nl_msg *msg = NULL;
	int err = update ? xfrmnl_sa_build_update_request(x, 0, &msg)
			 : xfrmnl_sa_build_add_request(x, 0, &msg);

	if (err < 0)
		return err;
	err = nl_send_auto_complete(sk, msg);
	struct nlmsghdr *h = nlmsg_hdr(msg);
	crypto_cleanse(h, h->nlmsg_len);
	nlmsg_free(msg);
	return err < 0 ? err : nl_wait_for_ack(sk);
}

int kernel_add_sa(const struct kernel_sa *sa, bool update)
{
	const char *verb = update ? "replace" : "add";
	struct kernel_xfrm_algs a;
	char what[DESC_LEN] = "SA";

	if (sa != NULL)
		sa_desc(what, sa);
	const char *why = kernel_sa_check(sa, &a);
	if (why != NULL) {
		log_invalid(verb, what, why);
		return -EINVAL;
	}
	if (pluto.noklips) {
		dbg(DBG_KERNEL, "noklips: not %s %s (%s-%u%s%s, reqid %u)",
		    update ? "replacing" : "adding", what, a.enc_name, a.enc_key_bits,
		    a.auth_name ? " " : "", a.auth_name ? a.auth_name : "", sa->reqid);
		return 0;
	}
	int err = need_socket(verb, what);
	if (err < 0)
		return err;
	struct xfrmnl_sa *x = xfrmnl_sa_alloc();
	err = x == NULL ? -ENOMEM : sa_fill_ids(x, sa);
	if (err == 0)
		err = sa_fill_algs(x, sa, &a);
	if (err == 0) {
		req_begin();
		err = req_result(sa_send(x, update));
		if (err < 0)
			log_refused(update ? "to replace " : "", what, err);
	} else {
		log_invalid(verb, what, strerror(-err));
	}
	if (x != NULL)
		xfrmnl_sa_put(x);
	if (err == 0)
		dbg(DBG_KERNEL, "%s %s (%s, reqid %u)", update ? "replaced" : "added", what,
		    a.enc_name, sa->reqid);
	return err;
}

static const char *check_sa_id(const ip_address *dst, uint32_t spi, uint8_t proto)
{
	if (dst == NULL || !af_ok(dst->af))
		return "no destination address";
	if (proto != IPPROTO_ESP)
		return "not ESP";
	if (spi < 256)
		return "reserved SPI";
	return NULL;
}

/* An SA by its ID, in a fresh libnl object (for the delete request). */
static struct xfrmnl_sa *sa_by_id(const ip_address *dst, uint32_t spi, uint8_t proto)
{
	struct xfrmnl_sa *x = xfrmnl_sa_alloc();
	struct nl_addr *d = nladdr(dst);

	if (x != NULL && d != NULL) {
		xfrmnl_sa_set_family(x, dst->af);
		xfrmnl_sa_set_daddr(x, d);
		xfrmnl_sa_set_spi(x, spi);
		xfrmnl_sa_set_proto(x, proto);
	} else if (x != NULL) {
		xfrmnl_sa_put(x);
		x = NULL;
	}
	nl_addr_put(d);
	return x;
}

int kernel_del_sa(const ip_address *dst, uint32_t spi, uint8_t proto)
{
	char what[DESC_LEN];

	sa_id_desc(what, dst, spi, proto);
	const char *why = check_sa_id(dst, spi, proto);
	if (why != NULL) {
		log_invalid("delete", what, why);
		return -EINVAL;
	}
	if (pluto.noklips) {
		dbg(DBG_KERNEL, "noklips: not deleting %s", what);
		return 0;
	}
	int err = need_socket("delete", what);
	if (err < 0)
		return err;
	struct xfrmnl_sa *x = sa_by_id(dst, spi, proto);
	if (x == NULL) {
		log_invalid("delete", what, strerror(ENOMEM));
		return -ENOMEM;
	}
	req_begin();
	err = req_result(xfrmnl_sa_delete(sk, x, 0));
	xfrmnl_sa_put(x);
	if (err < 0)
		log_refused("to delete ", what, err);
	else
		dbg(DBG_KERNEL, "deleted %s", what);
	return err;
}

/* The SA's current lifetime, as an async event: no keys leave the kernel. */
static int sa_counters(const ip_address *dst, uint32_t spi, uint8_t proto,
		       unsigned long long cur[4])
{
	struct nl_addr *d = nladdr(dst);
	struct xfrmnl_ae *ae = NULL;

	if (d == NULL)
		return -ENOMEM;
	req_begin();
	int err = req_result(xfrmnl_ae_get_kernel(sk, d, spi, proto, 0, 0, &ae));
	if (err == 0 &&
	    (ae == NULL || xfrmnl_ae_get_curlifetime(ae, &cur[0], &cur[1], &cur[2], &cur[3]) < 0))
		err = -EIO;
	if (ae != NULL)
		xfrmnl_ae_put(ae);
	nl_addr_put(d);
	return err;
}

int kernel_get_sa_stats(const ip_address *dst, uint32_t spi, uint8_t proto, uint64_t *bytes,
			uint64_t *packets, uint64_t *use_time)
{
	unsigned long long cur[4] = {0}; /* bytes, packets, add time, use time */
	char what[DESC_LEN];
	int err = 0;

	sa_id_desc(what, dst, spi, proto);
	const char *why = check_sa_id(dst, spi, proto);
	if (why != NULL) {
		log_invalid("read", what, why);
		err = -EINVAL;
	} else if (!pluto.noklips) {
		err = need_socket("read", what);
		if (err == 0)
			err = sa_counters(dst, spi, proto, cur);
		if (err < 0 && err != -ENOTCONN)
			loglog(RC_LOG_SERIOUS, "ERROR: cannot read %s from the kernel: %s", what,
			       strerror(-err));
	}
	if (bytes != NULL)
		*bytes = err == 0 ? cur[0] : 0;
	if (packets != NULL)
		*packets = err == 0 ? cur[1] : 0;
	if (use_time != NULL)
		*use_time = err == 0 ? cur[3] : 0;
	return err;
}

/* ---- policies -------------------------------------------------------------------- */

static const char *check_policy(int dir, const ip_subnet *src, const ip_subnet *dst)
{
	if (dir != XFRM_POLICY_OUT && dir != XFRM_POLICY_IN && dir != XFRM_POLICY_FWD)
		return "direction must be out, in or fwd";
	if (!subnet_ok(src) || !subnet_ok(dst))
		return "not an IPv4 or IPv6 subnet";
	if (src->addr.af != dst->addr.af)
		return "the subnets must be both IPv4 or both IPv6";
	return NULL;
}

static const char *check_tmpl(const ip_subnet *src, const ip_address *ts, const ip_address *td,
			      uint8_t proto, bool tunnel, uint32_t reqid)
{
	if (ts == NULL || td == NULL || !af_ok(ts->af) || ts->af != td->af)
		return "the template addresses must be both IPv4 or both IPv6";
	if (!tunnel && ts->af != src->addr.af)
		return "transport mode cannot carry another address family";
	if (proto != IPPROTO_ESP)
		return "protocol not supported (ESP only)";
	if (!kernel_reqid_is_ours(reqid))
		return reasonf("reqid %u is outside pluto's band 0x%x-0x%x", reqid,
			       KERNEL_REQID_MIN, KERNEL_REQID_MAX);
	return NULL;
}

/* One required template: an SA of proto from ts to td with reqid, any algorithm. */
static struct xfrmnl_user_tmpl *tmpl_new(const ip_address *ts, const ip_address *td, uint8_t proto,
					 bool tunnel, uint32_t reqid)
{
	struct xfrmnl_user_tmpl *t = xfrmnl_user_tmpl_alloc();
	struct nl_addr *s = nladdr(ts), *d = nladdr(td);

	if (t != NULL && s != NULL && d != NULL) {
		xfrmnl_user_tmpl_set_family(t, ts->af);
		xfrmnl_user_tmpl_set_saddr(t, s);
		xfrmnl_user_tmpl_set_daddr(t, d);
		xfrmnl_user_tmpl_set_proto(t, proto);
		xfrmnl_user_tmpl_set_reqid(t, reqid);
		xfrmnl_user_tmpl_set_mode(t, tunnel ? XFRM_MODE_TUNNEL : XFRM_MODE_TRANSPORT);
		/* all ~0: the kernel sets allalgs and does not filter on algorithms */
		xfrmnl_user_tmpl_set_aalgos(t, ~0u);
		xfrmnl_user_tmpl_set_ealgos(t, ~0u);
		xfrmnl_user_tmpl_set_calgos(t, ~0u);
	} else if (t != NULL) {
		xfrmnl_user_tmpl_free(t);
		t = NULL;
	}
	nl_addr_put(s);
	nl_addr_put(d);
	return t;
}

static struct xfrmnl_sp *sp_new(int dir, const ip_subnet *src, const ip_subnet *dst,
				uint32_t priority, struct xfrmnl_user_tmpl *t)
{
	struct xfrmnl_sp *sp = xfrmnl_sp_alloc();
	struct xfrmnl_sel *sel = sel_new(src, dst);
	struct xfrmnl_ltime_cfg *lt = ltime_new(0, 0, 0, 0);

	if (sp != NULL && sel != NULL && lt != NULL && t != NULL) {
		xfrmnl_sp_set_sel(sp, sel);
		xfrmnl_sp_set_lifetime_cfg(sp, lt);
		xfrmnl_sp_set_dir(sp, dir);
		xfrmnl_sp_set_action(sp, XFRM_POLICY_ALLOW);
		xfrmnl_sp_set_priority(sp, priority);
		xfrmnl_sp_add_usertemplate(sp, t); /* the policy owns it now */
	} else {
		if (sp != NULL)
			xfrmnl_sp_put(sp);
		if (t != NULL)
			xfrmnl_user_tmpl_free(t);
		sp = NULL;
	}
	if (sel != NULL)
		xfrmnl_sel_put(sel);
	if (lt != NULL)
		xfrmnl_ltime_cfg_put(lt);
	return sp;
}

int kernel_add_policy(int dir, const ip_subnet *src, const ip_subnet *dst,
		      const ip_address *tmpl_src, const ip_address *tmpl_dst, uint8_t proto,
		      bool tunnel, uint32_t reqid, uint32_t priority, bool update)
{
	const char *verb = update ? "replace" : "add";
	char what[DESC_LEN];

	pol_desc(what, dir, src, dst);
	const char *why = check_policy(dir, src, dst);
	if (why == NULL)
		why = check_tmpl(src, tmpl_src, tmpl_dst, proto, tunnel, reqid);
	if (why != NULL) {
		log_invalid(verb, what, why);
		return -EINVAL;
	}
	size_t o = strlen(what);
	snprintf(what + o, sizeof(what) - o, " via %s %s->%s reqid %u", proto_name(proto),
		 ip_addr_str(tmpl_src), ip_addr_str(tmpl_dst), reqid);
	if (pluto.noklips) {
		dbg(DBG_KERNEL, "noklips: not %s %s", update ? "replacing" : "adding", what);
		return 0;
	}
	int err = need_socket(verb, what);
	if (err < 0)
		return err;
	struct xfrmnl_sp *sp =
		sp_new(dir, src, dst, priority, tmpl_new(tmpl_src, tmpl_dst, proto, tunnel, reqid));
	if (sp == NULL) {
		log_invalid(verb, what, strerror(ENOMEM));
		return -ENOMEM;
	}
	req_begin();
	err = req_result(update ? xfrmnl_sp_update(sk, sp, 0) : xfrmnl_sp_add(sk, sp, 0));
	xfrmnl_sp_put(sp);
	if (err < 0)
		log_refused(update ? "to replace " : "", what, err);
	else
		dbg(DBG_KERNEL, "%s %s priority %u", update ? "replaced" : "added", what, priority);
	return err;
}

/* XFRM_MSG_DELPOLICY by selector and direction (the kernel picks the index). */
static int policy_delete(int dir, const ip_subnet *src, const ip_subnet *dst)
{
	struct xfrmnl_sp *sp = xfrmnl_sp_alloc();
	struct xfrmnl_sel *sel = sel_new(src, dst);
	int err = -NLE_NOMEM;

	if (sp != NULL && sel != NULL) {
		xfrmnl_sp_set_sel(sp, sel);
		xfrmnl_sp_set_dir(sp, dir);
		err = xfrmnl_sp_delete(sk, sp, 0);
	}
	if (sel != NULL)
		xfrmnl_sel_put(sel);
	if (sp != NULL)
		xfrmnl_sp_put(sp);
	return err;
}

int kernel_del_policy(int dir, const ip_subnet *src, const ip_subnet *dst)
{
	char what[DESC_LEN];

	pol_desc(what, dir, src, dst);
	const char *why = check_policy(dir, src, dst);
	if (why != NULL) {
		log_invalid("delete", what, why);
		return -EINVAL;
	}
	if (pluto.noklips) {
		dbg(DBG_KERNEL, "noklips: not deleting %s", what);
		return 0;
	}
	int err = need_socket("delete", what);
	if (err < 0)
		return err;
	req_begin();
	err = req_result(policy_delete(dir, src, dst));
	if (err < 0)
		log_refused("to delete ", what, err);
	else
		dbg(DBG_KERNEL, "deleted %s", what);
	return err;
}

/* ---- flush ----------------------------------------------------------------------- */

static void tmpl_is_ours(struct xfrmnl_user_tmpl *t, void *arg)
{
	int reqid = xfrmnl_user_tmpl_get_reqid(t);

	if (reqid > 0 && kernel_reqid_is_ours((uint32_t)reqid))
		*(bool *)arg = true;
}

struct flush_ops {
	const char *kind, *kinds; /* singular, plural */
	bool (*is_ours)(struct nl_object *o);
	int (*del)(struct nl_object *o);
	void (*desc)(struct nl_object *o, char *b);
};

/* Deletes the objects of a dump that are pluto's; 0 or the first error. */
static int flush_cache(struct nl_cache *cache, const struct flush_ops *ops)
{
	int first = 0, n = 0;

	for (struct nl_object *o = nl_cache_get_first(cache); o != NULL; o = nl_cache_get_next(o)) {
		if (!ops->is_ours(o))
			continue;
		req_begin();
		int err = req_result(ops->del(o));
		if (err == 0) {
			n++;
		} else if (err != -ESRCH && err != -ENOENT) { /* else gone meanwhile */
			char what[DESC_LEN];
			ops->desc(o, what);
			log_refused("to delete the stale ", what, err);
			if (first == 0)
				first = err;
		}
	}
	if (n > 0) /* worth telling: an earlier pluto died without cleaning up */
		plog("removed %d %s left by an earlier pluto", n, n == 1 ? ops->kind : ops->kinds);
	else
		dbg(DBG_KERNEL, "no %s left by an earlier pluto", ops->kinds);
	return first;
}

static bool sa_is_ours(struct nl_object *o)
{
	int reqid = xfrmnl_sa_get_reqid((struct xfrmnl_sa *)o);

	return reqid > 0 && kernel_reqid_is_ours((uint32_t)reqid);
}

static int sa_del(struct nl_object *o)
{
	return xfrmnl_sa_delete(sk, (struct xfrmnl_sa *)o, 0);
}

static void sa_obj_desc(struct nl_object *o, char *b)
{
	struct xfrmnl_sa *x = (struct xfrmnl_sa *)o;
	char d[INET6_ADDRSTRLEN + 8];

	snprintf(b, DESC_LEN, "%s SA 0x%08x to %s", proto_name((uint8_t)xfrmnl_sa_get_proto(x)),
		 (uint32_t)xfrmnl_sa_get_spi(x), nl_addr2str(xfrmnl_sa_get_daddr(x), d, sizeof(d)));
}

static bool sp_is_ours(struct nl_object *o)
{
	bool ours = false;

	xfrmnl_sp_foreach_usertemplate((struct xfrmnl_sp *)o, tmpl_is_ours, &ours);
	return ours;
}

static int sp_del(struct nl_object *o)
{
	return xfrmnl_sp_delete(sk, (struct xfrmnl_sp *)o, 0); /* by index and direction */
}

static void sp_obj_desc(struct nl_object *o, char *b)
{
	struct xfrmnl_sp *sp = (struct xfrmnl_sp *)o;
	struct xfrmnl_sel *sel = xfrmnl_sp_get_sel(sp);
	char s[INET6_ADDRSTRLEN + 8] = "?", d[INET6_ADDRSTRLEN + 8] = "?";

	if (sel != NULL) {
		nl_addr2str(xfrmnl_sel_get_saddr(sel), s, sizeof(s));
		nl_addr2str(xfrmnl_sel_get_daddr(sel), d, sizeof(d));
	}
	snprintf(b, DESC_LEN, "%s policy %s->%s", dir_name(xfrmnl_sp_get_dir(sp)), s, d);
}

static const struct flush_ops sa_flush = {"SA", "SAs", sa_is_ours, sa_del, sa_obj_desc};
static const struct flush_ops sp_flush = {"policy", "policies", sp_is_ours, sp_del, sp_obj_desc};

int kernel_flush_pluto(void)
{
	struct nl_cache *sas = NULL, *sps = NULL;

	if (pluto.noklips) {
		dbg(DBG_KERNEL, "noklips: not flushing SAs and policies with reqids 0x%x-0x%x",
		    KERNEL_REQID_MIN, KERNEL_REQID_MAX);
		return 0;
	}
	int err = need_socket("flush", "pluto's SAs and policies");
	if (err < 0)
		return err;
	req_begin();
	err = req_result(xfrmnl_sa_alloc_cache(sk, &sas));
	if (err == 0) {
		err = flush_cache(sas, &sa_flush);
		req_begin();
		int e2 = req_result(xfrmnl_sp_alloc_cache(sk, &sps));
		if (e2 == 0)
			e2 = flush_cache(sps, &sp_flush);
		else
			loglog(RC_LOG_SERIOUS, "ERROR: cannot list the kernel's IPsec policies: %s",
			       strerror(-e2));
		if (err == 0)
			err = e2;
	} else {
		loglog(RC_LOG_SERIOUS, "ERROR: cannot list the kernel's IPsec SAs: %s",
		       strerror(-err));
	}
	if (sas != NULL)
		nl_cache_free(sas);
	if (sps != NULL)
		nl_cache_free(sps);
	return err;
}
