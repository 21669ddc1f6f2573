/* Encoding and table-checked decoding of whack requests. */
#include "whack_msg.h"

#include "debug_class.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

enum field_kind {
	FK_U8,
	FK_U16,
	FK_U32,
	FK_STR,	   /* NUL-terminated in the struct, sent without the NUL */
	FK_ADDR,   /* af(1) + 16 bytes */
	FK_SUBNET, /* af(1) + 16 bytes + bits(1) */
	FK_PUBKEY, /* bytes into pubkey[], length into pubkey_len */
};

struct field {
	uint16_t tag;
	uint8_t kind;
	uint16_t size; /* capacity in the struct */
	size_t off;
	const char *name;
};

#define F(tag, kind, member, name)                                                                \
	{                                                                                         \
		tag, kind, sizeof(((struct whack_msg *)0)->member),                               \
			offsetof(struct whack_msg, member), name                                  \
	}
#define END_FIELDS(base, e)                                                                       \
	F(base + 0, FK_STR, end[e].id, "id"), F(base + 1, FK_U8, end[e].host_type, "host type"),  \
		F(base + 2, FK_ADDR, end[e].host, "host"),                                        \
		F(base + 3, FK_U16, end[e].ikeport, "ikeport"),                                   \
		F(base + 4, FK_ADDR, end[e].nexthop, "nexthop"),                                  \
		F(base + 5, FK_U8, end[e].has_client, "has client"),                              \
		F(base + 6, FK_SUBNET, end[e].client, "client"),                                  \
		F(base + 7, FK_STR, end[e].updown, "updown"),                                     \
		F(base + 8, FK_U8, end[e].dnskeyondemand, "dnskeyondemand")

/* The one table: every field a request may carry, its tag and its checks. */
static const struct field fields[] = {
	F(1, FK_U32, ops, "ops"),
	F(2, FK_U32, flags, "flags"),
	F(3, FK_STR, name, "name"),
	F(4, FK_U32, policy, "policy"),
	F(5, FK_U8, host_af, "host address family"),
	F(6, FK_U8, tunnel_af, "tunnel address family"),
	F(7, FK_U32, ikelifetime, "ikelifetime"),
	F(8, FK_U32, ipseclifetime, "ipseclifetime"),
	F(9, FK_U32, rekeymargin, "rekeymargin"),
	F(10, FK_U32, rekeyfuzz, "rekeyfuzz"),
	F(11, FK_U32, keyingtries, "keyingtries"),
	F(12, FK_STR, ike, "ike"),
	F(13, FK_STR, esp, "esp"),
	F(14, FK_U32, deletestate, "deletestate"),
	F(15, FK_STR, keyid, "keyid"),
	F(16, FK_PUBKEY, pubkey, "pubkeyrsa"),
	F(17, FK_STR, myid, "myid"),
	F(18, FK_U32, debug_on, "debug on"),
	F(19, FK_U32, debug_off, "debug off"),
	F(20, FK_ADDR, oppo_here, "oppohere"),
	F(21, FK_ADDR, oppo_there, "oppothere"),
	F(22, FK_U32, dpd_delay, "dpddelay"),
	F(23, FK_U32, dpd_timeout, "dpdtimeout"),
	F(24, FK_U8, dpd_action, "dpdaction"),
	END_FIELDS(100, 0),
	END_FIELDS(200, 1),
};
#define NFIELDS (sizeof(fields) / sizeof(fields[0]))

void whack_msg_init(struct whack_msg *m)
{
	memset(m, 0, sizeof(*m));
	m->ikelifetime = WHACK_DEFAULT_IKELIFETIME;
	m->ipseclifetime = WHACK_DEFAULT_IPSECLIFETIME;
	m->rekeymargin = WHACK_DEFAULT_REKEYMARGIN;
	m->rekeyfuzz = WHACK_DEFAULT_REKEYFUZZ;
	m->keyingtries = WHACK_DEFAULT_KEYINGTRIES;
}

static void put16(uint8_t *p, uint16_t v)
{
	v = htons(v);
	memcpy(p, &v, 2);
}

static void put32(uint8_t *p, uint32_t v)
{
	v = htonl(v);
	memcpy(p, &v, 4);
}

static uint16_t get16(const uint8_t *p)
{
	uint16_t v;
	memcpy(&v, p, 2);
	return ntohs(v);
}

static uint32_t get32(const uint8_t *p)
{
	uint32_t v;
	memcpy(&v, p, 4);
	return ntohl(v);
}

/* Serialize one field's value into val; returns its length (0: nothing to send). */
static size_t field_value(const struct field *f, const struct whack_msg *m, uint8_t *val)
{
	const uint8_t *p = (const uint8_t *)m + f->off;

	switch (f->kind) {
	case FK_U8:
		val[0] = *p;
		return *p ? 1 : 0;
	case FK_U16: {
		uint16_t v;
		memcpy(&v, p, 2);
		put16(val, v);
		return v ? 2 : 0;
	}
	case FK_U32: {
		uint32_t v;
		memcpy(&v, p, 4);
		put32(val, v);
		return v ? 4 : 0;
	}
	case FK_STR: {
		size_t n = strnlen((const char *)p, f->size);
		memcpy(val, p, n);
		return n;
	}
	case FK_ADDR: {
		const ip_address *a = (const ip_address *)p;
		if (!ip_addr_is_set(a))
			return 0;
		val[0] = a->af;
		memcpy(val + 1, a->bytes, 16);
		return 17;
	}
	case FK_SUBNET: {
		const ip_subnet *s = (const ip_subnet *)p;
		if (!ip_addr_is_set(&s->addr))
			return 0;
		val[0] = s->addr.af;
		memcpy(val + 1, s->addr.bytes, 16);
		val[17] = s->maskbits;
		return 18;
	}
	case FK_PUBKEY:
		memcpy(val, m->pubkey, m->pubkey_len);
		return m->pubkey_len;
	}
	return 0;
}

int whack_msg_encode(const struct whack_msg *m, uint8_t *buf, size_t cap)
{
	uint8_t val[WHACK_KEY_MAX + WHACK_PATH_MAX];
	size_t off = WHACK_HDR_LEN;

	if (cap < WHACK_HDR_LEN || cap > WHACK_MSG_MAX * 4)
		return -ENOSPC;
	for (size_t i = 0; i < NFIELDS; i++) {
		size_t n = field_value(&fields[i], m, val);
		if (n == 0)
			continue;
		if (off + 4 + n > cap || off + 4 + n > WHACK_MSG_MAX)
			return -ENOSPC;
		put16(buf + off, fields[i].tag);
		put16(buf + off + 2, (uint16_t)n);
		memcpy(buf + off + 4, val, n);
		off += 4 + n;
	}
	put32(buf, WHACK_MAGIC);
	put16(buf + 4, WHACK_VERSION);
	put16(buf + 6, 0);
	put32(buf + 8, (uint32_t)off);
	return (int)off;
}

size_t whack_msg_peek_len(const uint8_t *hdr, size_t len)
{
	if (len < WHACK_HDR_LEN || get32(hdr) != WHACK_MAGIC)
		return 0;
	return get32(hdr + 8);
}

static const struct field *find_field(uint16_t tag)
{
	for (size_t i = 0; i < NFIELDS; i++) {
		if (fields[i].tag == tag)
			return &fields[i];
	}
	return NULL;
}

static bool addr_ok(const uint8_t *v)
{
	return v[0] == AF_INET || v[0] == AF_INET6;
}

/* Check one field's value against its kind and store it. */
static const char *store_field(const struct field *f, const uint8_t *v, uint16_t n,
			       struct whack_msg *m)
{
	uint8_t *p = (uint8_t *)m + f->off;

	switch (f->kind) {
	case FK_U8:
		if (n != 1)
			return "bad length";
		*p = v[0];
		return NULL;
	case FK_U16: {
		if (n != 2)
			return "bad length";
		uint16_t x = get16(v);
		memcpy(p, &x, 2);
		return NULL;
	}
	case FK_U32: {
		if (n != 4)
			return "bad length";
		uint32_t x = get32(v);
		memcpy(p, &x, 4);
		return NULL;
	}
	case FK_STR:
		if (n >= f->size)
			return "string too long";
		if (memchr(v, '\0', n) != NULL || memchr(v, '\n', n) != NULL)
			return "string contains NUL or newline";
		memcpy(p, v, n);
		p[n] = '\0';
		return NULL;
	case FK_ADDR: {
		if (n != 17 || !addr_ok(v))
			return "bad address";
		ip_address *a = (ip_address *)p;
		a->af = v[0];
		memcpy(a->bytes, v + 1, 16);
		return NULL;
	}
	case FK_SUBNET: {
		if (n != 18 || !addr_ok(v) || v[17] > ip_af_bits(v[0]))
			return "bad subnet";
		ip_subnet *s = (ip_subnet *)p;
		s->addr.af = v[0];
		memcpy(s->addr.bytes, v + 1, 16);
		s->maskbits = v[17];
		return NULL;
	}
	case FK_PUBKEY:
		if (n > WHACK_KEY_MAX)
			return "key too long";
		memcpy(m->pubkey, v, n);
		m->pubkey_len = n;
		return NULL;
	}
	return "unknown field kind";
}

static bool af_ok(uint8_t af)
{
	return af == 0 || af == AF_INET || af == AF_INET6;
}

static bool subnet_proper(const ip_subnet *s)
{
	ip_subnet copy;

	if (!ip_addr_is_set(&s->addr))
		return true;
	/* parse our own formatting back: that applies the host-bits rule in one place */
	return ip_subnet_parse(ip_subnet_str(s), s->addr.af, &copy) == NULL;
}

/* Meaning, after syntax: values within their enums, no unknown bits. */
static const char *check_values(const struct whack_msg *m)
{
	if (m->ops & ~WHACK_OP_ALL)
		return "unknown operation requested";
	if (m->flags & ~(WHACK_F_ASYNC | WHACK_F_ADDKEY))
		return "unknown flags";
	if (m->policy & ~POLICY_ALL)
		return "unknown policy bits";
	if ((m->debug_on | m->debug_off) & ~DBG_EVERYTHING)
		return "unknown debug classes";
	if (!af_ok(m->host_af) || !af_ok(m->tunnel_af))
		return "bad address family";
	if (m->dpd_delay > WHACK_MAX_DPDTIME || m->dpd_timeout > WHACK_MAX_DPDTIME)
		return "dpddelay or dpdtimeout exceeds the maximum";
	if (m->dpd_action > WHACK_DPD_ACTION_MAX)
		return "bad dpdaction";
	for (int e = 0; e < 2; e++) {
		if (m->end[e].host_type > WHACK_HOST_DEFAULTROUTE)
			return "bad host type";
		if (!subnet_proper(&m->end[e].client))
			return "improper client subnet: host-part bits on";
	}
	return NULL;
}

const char *whack_msg_decode(const uint8_t *buf, size_t len, struct whack_msg *m)
{
	static __thread char why[128];
	uint8_t seen[512] = { 0 };

	memset(m, 0, sizeof(*m));
	if (len < WHACK_HDR_LEN || get32(buf) != WHACK_MAGIC)
		return "not a whack message";
	if (get16(buf + 4) != WHACK_VERSION) {
		snprintf(why, sizeof(why), "whack message version %u, pluto speaks version %u",
			 get16(buf + 4), WHACK_VERSION);
		return why;
	}
	if (get32(buf + 8) != len || len > WHACK_MSG_MAX)
		return "whack message length does not match what was received";
	for (size_t off = WHACK_HDR_LEN; off < len;) {
		if (len - off < 4)
			return "truncated field header";
		uint16_t tag = get16(buf + off), n = get16(buf + off + 2);
		if (len - off - 4 < n)
			return "field runs past the end of the message";
		const struct field *f = find_field(tag);
		if (f == NULL || tag >= sizeof(seen)) {
			snprintf(why, sizeof(why), "unknown field %u", tag);
			return why;
		}
		if (seen[tag]++) {
			snprintf(why, sizeof(why), "field %s given twice", f->name);
			return why;
		}
		const char *err = store_field(f, buf + off + 4, n, m);
		if (err != NULL) {
			snprintf(why, sizeof(why), "field %s: %s", f->name, err);
			return why;
		}
		off += 4 + n;
	}
	return check_values(m);
}

static const char *const dpd_action_names[] = {
	[WHACK_DPD_DEFAULT] = "hold",
	[WHACK_DPD_HOLD] = "hold",
	[WHACK_DPD_CLEAR] = "clear",
	[WHACK_DPD_RESTART] = "restart",
};

const char *whack_dpd_action_name(unsigned action)
{
	return action <= WHACK_DPD_ACTION_MAX ? dpd_action_names[action] : NULL;
}

enum whack_dpd_action whack_dpd_action_lookup(const char *word)
{
	for (unsigned a = WHACK_DPD_HOLD; a <= WHACK_DPD_ACTION_MAX; a++) {
		if (strcmp(word, dpd_action_names[a]) == 0)
			return (enum whack_dpd_action)a;
	}
	return WHACK_DPD_DEFAULT;
}

int whack_rc_exit_status(int rc)
{
	if (rc == RC_COMMENT || rc == RC_LOG || rc == RC_LOG_SERIOUS)
		return -1;
	if (rc == RC_SUCCESS)
		return 0;
	return rc > 255 ? 255 : rc; /* an exit status has 8 bits */
}
