/* IPv4/IPv6 addresses and subnets. */
#include "ip_addr.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

unsigned ip_af_len(int af)
{
	return af == AF_INET ? 4 : af == AF_INET6 ? 16 : 0;
}

unsigned ip_af_bits(int af)
{
	return ip_af_len(af) * 8;
}

const char *ip_af_name(int af)
{
	return af == AF_INET ? "IPv4" : af == AF_INET6 ? "IPv6" : "unspecified";
}

static bool parse_numeric(const char *src, int af, ip_address *out)
{
	memset(out, 0, sizeof(*out));
	if ((af == AF_UNSPEC || af == AF_INET) && inet_pton(AF_INET, src, out->bytes) == 1) {
		out->af = AF_INET;
		return true;
	}
	if ((af == AF_UNSPEC || af == AF_INET6) && inet_pton(AF_INET6, src, out->bytes) == 1) {
		out->af = AF_INET6;
		return true;
	}
	return false;
}

static bool looks_like_name(const char *src)
{
	if (*src == '\0' || strlen(src) > 253)
		return false;
	for (const char *p = src; *p; p++) {
		if (!isalnum((unsigned char)*p) && *p != '-' && *p != '.')
			return false;
	}
	return true;
}

static bool resolve_name(const char *src, int af, ip_address *out)
{
	struct addrinfo hints = { .ai_family = af, .ai_socktype = SOCK_DGRAM };
	struct addrinfo *res = NULL;

	if (getaddrinfo(src, NULL, &hints, &res) != 0 || res == NULL)
		return false;
	int r = ip_addr_from_sockaddr(res->ai_addr, out, NULL);
	freeaddrinfo(res);
	return r == 0;
}

const char *ip_addr_parse(const char *src, int af, bool resolve, ip_address *out)
{
	static __thread char why[128];

	if (src == NULL || *src == '\0')
		return "empty address";
	if (parse_numeric(src, af, out))
		return NULL;
	if (resolve && looks_like_name(src) && resolve_name(src, af, out))
		return NULL;
	if (af == AF_UNSPEC && parse_numeric(src, AF_UNSPEC, out))
		return NULL;
	snprintf(why, sizeof(why), "`%.64s' is not %s", src,
		 af == AF_INET	  ? "an IPv4 address"
		 : af == AF_INET6 ? "an IPv6 address"
		 : resolve	  ? "an IP address or a resolvable name"
				  : "an IP address");
	/* an address of the other family is a clearer error */
	ip_address other;
	if (af != AF_UNSPEC && parse_numeric(src, AF_UNSPEC, &other))
		snprintf(why, sizeof(why), "`%.64s' is an %s address, %s expected", src,
			 ip_af_name(other.af), ip_af_name(af));
	return why;
}

void ip_addr_format(const ip_address *a, char buf[IP_ADDR_STRLEN])
{
	if (a->af != AF_INET && a->af != AF_INET6) {
		snprintf(buf, IP_ADDR_STRLEN, "<unset>");
		return;
	}
	inet_ntop(a->af, a->bytes, buf, IP_ADDR_STRLEN);
}

const char *ip_addr_str(const ip_address *a)
{
	static __thread char bufs[4][IP_ADDR_STRLEN];
	static __thread unsigned n;
	char *b = bufs[n++ % 4];

	ip_addr_format(a, b);
	return b;
}

bool ip_addr_eq(const ip_address *a, const ip_address *b)
{
	return a->af == b->af && memcmp(a->bytes, b->bytes, ip_af_len(a->af)) == 0;
}

uint64_t hash_mix64(uint64_t h)
{
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdULL;
	h ^= h >> 33;
	h *= 0xc4ceb9fe1a85ec53ULL;
	h ^= h >> 33;
	return h;
}

uint64_t ip_addr_hash(const ip_address *a, uint64_t seed)
{
	uint64_t w[2] = {0, 0};

	memcpy(w, a->bytes, ip_af_len(a->af));
	return hash_mix64(hash_mix64(seed ^ a->af ^ w[0]) ^ w[1]);
}

bool ip_addr_is_set(const ip_address *a)
{
	return a->af == AF_INET || a->af == AF_INET6;
}

bool ip_addr_is_any(const ip_address *a)
{
	static const uint8_t zero[16];

	return ip_addr_is_set(a) && memcmp(a->bytes, zero, ip_af_len(a->af)) == 0;
}

ip_address ip_addr_any(int af)
{
	ip_address a = { .af = (uint8_t)af };
	return a;
}

int ip_addr_to_sockaddr(const ip_address *a, uint16_t port, struct sockaddr_storage *ss,
			socklen_t *len)
{
	memset(ss, 0, sizeof(*ss));
	if (a->af == AF_INET) {
		struct sockaddr_in *sin = (struct sockaddr_in *)ss;
		sin->sin_family = AF_INET;
		sin->sin_port = htons(port);
		memcpy(&sin->sin_addr, a->bytes, 4);
		*len = sizeof(*sin);
		return 0;
	}
	if (a->af == AF_INET6) {
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)ss;
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons(port);
		memcpy(&sin6->sin6_addr, a->bytes, 16);
		*len = sizeof(*sin6);
		return 0;
	}
	return -EAFNOSUPPORT;
}

int ip_addr_from_sockaddr(const struct sockaddr *sa, ip_address *a, uint16_t *port)
{
	memset(a, 0, sizeof(*a));
	if (sa->sa_family == AF_INET) {
		const struct sockaddr_in *sin = (const struct sockaddr_in *)sa;
		a->af = AF_INET;
		memcpy(a->bytes, &sin->sin_addr, 4);
		if (port)
			*port = ntohs(sin->sin_port);
		return 0;
	}
	if (sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *sin6 = (const struct sockaddr_in6 *)sa;
		a->af = AF_INET6;
		memcpy(a->bytes, &sin6->sin6_addr, 16);
		if (port)
			*port = ntohs(sin6->sin6_port);
		return 0;
	}
	return -EAFNOSUPPORT;
}

/* Count the leading one bits of a mask; -1 if the ones are not contiguous. */
static int mask_to_bits(const ip_address *m)
{
	unsigned len = ip_af_len(m->af), bits = 0;
	bool zero_seen = false;

	for (unsigned i = 0; i < len * 8; i++) {
		bool one = m->bytes[i / 8] & (0x80 >> (i % 8));
		if (one && zero_seen)
			return -1;
		if (!one)
			zero_seen = true;
		else
			bits++;
	}
	return (int)bits;
}

static bool host_bits_clear(const ip_address *a, unsigned bits)
{
	for (unsigned i = bits; i < ip_af_bits(a->af); i++) {
		if (a->bytes[i / 8] & (0x80 >> (i % 8)))
			return false;
	}
	return true;
}

static const char *parse_mask(const char *m, const ip_address *addr, unsigned *bits)
{
	static __thread char why[128];
	char *end;

	if (*m != '\0' && isdigit((unsigned char)*m) && strchr(m, '.') == NULL &&
	    strchr(m, ':') == NULL) {
		unsigned long v = strtoul(m, &end, 10);
		if (*end != '\0' || v > ip_af_bits(addr->af)) {
			snprintf(why, sizeof(why), "bad mask length `%.32s' for an %s subnet", m,
				 ip_af_name(addr->af));
			return why;
		}
		*bits = (unsigned)v;
		return NULL;
	}
	ip_address mask;
	if (!parse_numeric(m, addr->af, &mask)) {
		snprintf(why, sizeof(why), "bad mask `%.48s'", m);
		return why;
	}
	int b = mask_to_bits(&mask);
	if (b < 0) {
		snprintf(why, sizeof(why), "mask `%.48s' is not contiguous", m);
		return why;
	}
	*bits = (unsigned)b;
	return NULL;
}

const char *ip_subnet_parse(const char *src, int af, ip_subnet *out)
{
	static __thread char why[160];
	char buf[128];
	const char *err;

	if (src == NULL || *src == '\0')
		return "empty subnet";
	if (strcmp(src, "%default") == 0) {
		/* ipsec_atosubnet(3): the default route's subnet, 0.0.0.0/0 or ::/0 */
		memset(out, 0, sizeof(*out));
		out->addr.af = af == AF_INET6 ? AF_INET6 : AF_INET;
		return NULL;
	}
	if (strlen(src) >= sizeof(buf)) {
		snprintf(why, sizeof(why), "subnet `%.40s...' too long", src);
		return why;
	}
	strcpy(buf, src);
	char *slash = strchr(buf, '/');
	if (slash != NULL)
		*slash = '\0';
	memset(out, 0, sizeof(*out));
	err = ip_addr_parse(buf, af, false, &out->addr);
	if (err != NULL)
		return err;
	unsigned bits = ip_af_bits(out->addr.af);
	if (slash != NULL) {
		err = parse_mask(slash + 1, &out->addr, &bits);
		if (err != NULL)
			return err;
	}
	if (!host_bits_clear(&out->addr, bits)) {
		snprintf(why, sizeof(why), "improper subnet `%.64s': host-part bits on", src);
		return why;
	}
	out->maskbits = (uint8_t)bits;
	return NULL;
}

void ip_subnet_format(const ip_subnet *s, char buf[IP_SUBNET_STRLEN])
{
	char a[IP_ADDR_STRLEN];

	ip_addr_format(&s->addr, a);
	snprintf(buf, IP_SUBNET_STRLEN, "%s/%u", a, s->maskbits);
}

const char *ip_subnet_str(const ip_subnet *s)
{
	static __thread char bufs[4][IP_SUBNET_STRLEN];
	static __thread unsigned n;
	char *b = bufs[n++ % 4];

	ip_subnet_format(s, b);
	return b;
}

ip_subnet ip_subnet_from_addr(const ip_address *a)
{
	ip_subnet s = { .addr = *a, .maskbits = (uint8_t)ip_af_bits(a->af) };
	return s;
}

bool ip_subnet_eq(const ip_subnet *a, const ip_subnet *b)
{
	return a->maskbits == b->maskbits && ip_addr_eq(&a->addr, &b->addr);
}

uint64_t ip_subnet_hash(const ip_subnet *s, uint64_t seed)
{
	return ip_addr_hash(&s->addr, seed ^ ((uint64_t)s->maskbits << 56));
}

bool ip_subnet_contains(const ip_subnet *s, const ip_address *a)
{
	if (s->addr.af != a->af)
		return false;
	for (unsigned i = 0; i < s->maskbits; i++) {
		uint8_t bit = 0x80 >> (i % 8);
		if ((s->addr.bytes[i / 8] & bit) != (a->bytes[i / 8] & bit))
			return false;
	}
	return true;
}

bool ip_subnet_is_host(const ip_subnet *s)
{
	return s->maskbits == ip_af_bits(s->addr.af);
}

ip_address ip_subnet_mask(const ip_subnet *s)
{
	ip_address m = { .af = s->addr.af };

	for (unsigned i = 0; i < s->maskbits; i++)
		m.bytes[i / 8] |= 0x80 >> (i % 8);
	return m;
}
