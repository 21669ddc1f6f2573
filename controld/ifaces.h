/*
 * Public interfaces: discovered at whack --listen (all configured interfaces, or those named
 * by --interface, or the one address of --listen ipaddr), each address with its own UDP
 * socket on the IKE port.
 */
#ifndef PLUTO_IFACES_H
#define PLUTO_IFACES_H

#include <net/if.h>
#include <stddef.h>
#include <stdint.h>

#include "ip_addr.h"

struct iface {
	char name[IF_NAMESIZE];
	int ifindex;
	ip_address addr;
	uint16_t port;
	int fd;
	int gen; /* rescan generation that last saw it */
	struct iface *next;
};

extern struct iface *interfaces;

/* A datagram arrived on iface from (from, port). */
typedef void (*iface_receive_fn)(struct iface *ifp, const uint8_t *buf, size_t len,
				 const ip_address *from, uint16_t port);
void ifaces_set_receiver(iface_receive_fn fn);
/* Called before an interface is freed: whatever refers to it must let go. */
typedef void (*iface_gone_fn)(struct iface *ifp);
void ifaces_set_gone_hook(iface_gone_fn fn);

/* Rescan: add new addresses, drop vanished ones, log each change. Returns how many. */
int ifaces_rescan(void);
void ifaces_close_all(void);
struct iface *iface_by_addr(const ip_address *a);
/* Send a datagram from ifp; returns 0 or -errno. */
int iface_send(struct iface *ifp, const uint8_t *buf, size_t len, const ip_address *to,
	       uint16_t port);
void ifaces_status(void);
const char *iface_endpoint(const struct iface *p);
/* The address of the interface holding the default route of family af (%defaultroute). */
int iface_defaultroute(int af, ip_address *out, ip_address *gateway);

#endif
