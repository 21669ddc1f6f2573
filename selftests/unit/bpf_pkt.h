/*
 * Packet fixtures for the BPF program tests: Ethernet frames carrying IPv4 or IPv6 (with
 * extension headers), then UDP, ICMP, ESP or raw bytes. Lengths and the IPv4 checksum
 * are right unless a test breaks them on purpose afterwards (truncation, bad fields).
 */
#ifndef PLUTO_TEST_BPF_PKT_H
#define PLUTO_TEST_BPF_PKT_H

#include <arpa/inet.h>
#include <stdint.h>
#include <string.h>

#define PKT_MAX 512

struct pkt {
	uint8_t b[PKT_MAX];
	size_t len;
	size_t l3; /* offset of the IP header */
};

static inline void pkt_put(struct pkt *p, const void *data, size_t len)
{
	memcpy(p->b + p->len, data, len);
	p->len += len;
}

static inline void pkt_eth(struct pkt *p, uint16_t ethertype, int vlans)
{
	static const uint8_t macs[12] = {2, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0, 1};
	uint8_t t[2];

	p->len = 0;
	pkt_put(p, macs, sizeof(macs));
	for (int i = 0; i < vlans; i++) {
		uint8_t tag[4] = {0x81, 0x00, 0x00, (uint8_t)(10 + i)};
		pkt_put(p, tag, sizeof(tag));
	}
	t[0] = (uint8_t)(ethertype >> 8);
	t[1] = (uint8_t)ethertype;
	pkt_put(p, t, 2);
	p->l3 = p->len;
}

static inline uint16_t pkt_csum(const uint8_t *h, size_t len)
{
	uint32_t s = 0;

	for (size_t i = 0; i + 1 < len; i += 2)
		s += (uint32_t)(h[i] << 8 | h[i + 1]);
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)~s;
}

/* Ethernet + IPv4 (frag_off as on the wire, host order here) + payload. */
static inline void pkt_ip4(struct pkt *p, const char *src, const char *dst, uint8_t proto,
			   uint16_t frag_off, const void *payload, size_t len)
{
	uint8_t h[20] = {0x45, 0};
	uint16_t tot = (uint16_t)(20 + len);

	pkt_eth(p, 0x0800, 0);
	h[2] = (uint8_t)(tot >> 8);
	h[3] = (uint8_t)tot;
	h[6] = (uint8_t)(frag_off >> 8);
	h[7] = (uint8_t)frag_off;
	h[8] = 64;
	h[9] = proto;
	inet_pton(AF_INET, src, h + 12);
	inet_pton(AF_INET, dst, h + 16);
	uint16_t c = pkt_csum(h, 20);
	h[10] = (uint8_t)(c >> 8);
	h[11] = (uint8_t)c;
	pkt_put(p, h, 20);
	pkt_put(p, payload, len);
}

/* Ethernet + IPv6 + extension headers (each 8 bytes: type, then padding) + payload. */
static inline void pkt_ip6(struct pkt *p, const char *src, const char *dst, const uint8_t *exts,
			   int nexts, uint8_t proto, const void *payload, size_t len)
{
	uint8_t h[40] = {0x60, 0};
	uint16_t plen = (uint16_t)(8 * nexts + len);

	pkt_eth(p, 0x86dd, 0);
	h[4] = (uint8_t)(plen >> 8);
	h[5] = (uint8_t)plen;
	h[6] = nexts > 0 ? exts[0] : proto;
	h[7] = 64;
	inet_pton(AF_INET6, src, h + 8);
	inet_pton(AF_INET6, dst, h + 24);
	pkt_put(p, h, 40);
	for (int i = 0; i < nexts; i++) {
		uint8_t e[8] = {i + 1 < nexts ? exts[i + 1] : proto, 0};
		pkt_put(p, e, 8);
	}
	pkt_put(p, payload, len);
}

/* A transport payload: 4 bytes of ports (or type/code, or SPI), then filler. */
static inline size_t pkt_l4(uint8_t *buf, uint32_t first4, size_t len)
{
	memset(buf, 0xab, len);
	buf[0] = (uint8_t)(first4 >> 24);
	buf[1] = (uint8_t)(first4 >> 16);
	buf[2] = (uint8_t)(first4 >> 8);
	buf[3] = (uint8_t)first4;
	return len;
}

#define PORTS(s, d) ((uint32_t)(s) << 16 | (uint32_t)(d))

static inline void pkt_udp4(struct pkt *p, const char *src, const char *dst, uint16_t sport,
			    uint16_t dport)
{
	uint8_t l4[32];

	pkt_ip4(p, src, dst, IPPROTO_UDP, 0, l4, pkt_l4(l4, PORTS(sport, dport), sizeof(l4)));
}

static inline void pkt_udp6(struct pkt *p, const char *src, const char *dst, uint16_t sport,
			    uint16_t dport)
{
	uint8_t l4[32];

	pkt_ip6(p, src, dst, NULL, 0, IPPROTO_UDP, l4, pkt_l4(l4, PORTS(sport, dport), sizeof(l4)));
}

static inline void pkt_esp4(struct pkt *p, const char *src, const char *dst, uint32_t spi,
			    size_t len)
{
	uint8_t l4[64];

	pkt_ip4(p, src, dst, IPPROTO_ESP, 0, l4, pkt_l4(l4, spi, len));
}

#endif
