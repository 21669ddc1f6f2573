/*
 * The IKEv1 protocol engine: Main Mode (PSK and RSA signatures), Quick Mode (ESP, tunnel
 * or transport, PFS) and Informational exchanges (Delete, Notify), as the pluto manual
 * describes them.  This is the interface the rest of pluto sees; the engine's own
 * declarations are in ikev1_sa.h.
 */
#ifndef PLUTO_IKEV1_H
#define PLUTO_IKEV1_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ip_addr.h"

struct connection;
struct ctl_client;
struct iface;

/* Register the packet receiver and the state hooks; call once at start-up. */
void ikev1_init(void);

/*
 * Start negotiating c: Quick Mode under an established ISAKMP SA, or Main Mode first.
 * whack (may be NULL) is held by the new state and gets progress until the SA is up.
 */
void ikev1_initiate(struct connection *c, struct ctl_client *whack);

/* A datagram arrived on an IKE socket (the ifaces receiver). */
void ikev1_receive(struct iface *ifp, const uint8_t *buf, size_t len, const ip_address *from,
		   uint16_t port);

/*
 * For tests: send datagrams through fn instead of the interface's socket (NULL: the
 * socket again).
 */
typedef void (*ikev1_send_fn)(struct iface *ifp, const uint8_t *buf, size_t len,
			      const ip_address *to, uint16_t port);
void ikev1_set_send_hook(ikev1_send_fn fn);

/* whack --status: the half-open ISAKMP SAs and what their limits refused, if anything. */
void ikev1_halfopen_status(void);

#endif
