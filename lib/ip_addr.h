/* IPv4/IPv6 addresses and subnets: parsing (ipsec_atoaddr/atosubnet forms) and formatting. */
#ifndef PLUTO_IP_ADDR_H
#define PLUTO_IP_ADDR_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>

typedef struct {
	uint8_t af;	   /* AF_UNSPEC (unset), AF_INET or AF_INET6 */
	uint8_t bytes[16]; /* network order; IPv4 uses the first 4 */
} ip_address;

typedef struct {
	ip_address addr; /* network address (host bits zero) */
	uint8_t maskbits;
} ip_subnet;

#define IP_ADDR_STRLEN 48
#define IP_SUBNET_STRLEN 52

/* Length in bytes of the address family's addresses (4, 16, or 0). */
unsigned ip_af_len(int af);
unsigned ip_af_bits(int af);
const char *ip_af_name(int af);

/*
 * Parse a numeric address. af may be AF_UNSPEC (either), AF_INET or AF_INET6.
 * Returns NULL on success or a reason ("`%s' is not an IPv4 address").
 * When resolve is true, a name that is not numeric is looked up (getaddrinfo).
 */
const char *ip_addr_parse(const char *src, int af, bool resolve, ip_address *out);
void ip_addr_format(const ip_address *a, char buf[IP_ADDR_STRLEN]);
/* Returns a pointer to a static rotating buffer; for log arguments only. */
const char *ip_addr_str(const ip_address *a);

bool ip_addr_eq(const ip_address *a, const ip_address *b);
/* The MurmurHash3 finaliser: a bijection that spreads every input bit over the output. */
uint64_t hash_mix64(uint64_t h);
/*
 * A hash of the address for table lookups, keyed by seed: peers choose their addresses,
 * so a table indexed by them takes a random seed that they cannot know.
 */
uint64_t ip_addr_hash(const ip_address *a, uint64_t seed);
bool ip_addr_is_set(const ip_address *a);
bool ip_addr_is_any(const ip_address *a); /* 0.0.0.0 or :: */
ip_address ip_addr_any(int af);
int ip_addr_to_sockaddr(const ip_address *a, uint16_t port, struct sockaddr_storage *ss,
			socklen_t *len);
int ip_addr_from_sockaddr(const struct sockaddr *sa, ip_address *a, uint16_t *port);

/*
 * Parse "addr/bits", "addr/dotted-mask" or a bare address (a /32 or /128 host subnet).
 * Host bits set in the address are an error, as ipsec_atosubnet(3) says.
 */
const char *ip_subnet_parse(const char *src, int af, ip_subnet *out);
void ip_subnet_format(const ip_subnet *s, char buf[IP_SUBNET_STRLEN]);
const char *ip_subnet_str(const ip_subnet *s);
ip_subnet ip_subnet_from_addr(const ip_address *a);
bool ip_subnet_eq(const ip_subnet *a, const ip_subnet *b);
uint64_t ip_subnet_hash(const ip_subnet *s, uint64_t seed);
bool ip_subnet_contains(const ip_subnet *s, const ip_address *a);
bool ip_subnet_is_host(const ip_subnet *s);
/* The netmask of a subnet as an address (for PLUTO_MY_CLIENT_MASK). */
ip_address ip_subnet_mask(const ip_subnet *s);

#endif
