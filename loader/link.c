/*
 * Which programs fit an interface (loader.h, pl_link_probe()). The TC programs find the IP
 * header either behind an Ethernet header or at the start of the packet; which one is a
 * property of the device, told by its ARPHRD type (libnl-route reads it by ifindex):
 *
 *   ARPHRD_ETHER (veth, physical NICs, bridges, VLANs, bonds, gretap, vxlan, wifi)
 *       Ethernet programs and XDP
 *   ARPHRD_TUNNEL, TUNNEL6, SIT, IPGRE, IP6GRE, NONE (tun, wireguard), RAWIP, PPP
 *       no link-layer header in front of IP at TC: the L3 programs; no XDP (generic XDP on
 *       them would hand the Ethernet parser an IP header)
 *   GRE without a fixed unicast remote (NBMA or multicast): refused, its header_ops put the
 *       outer IP and GRE headers on before TC egress sees the packet
 *   loopback, anything else (InfiniBand, CAN, IEEE 802.15.4, ...): refused
 */
#include <errno.h>
#include <net/if.h>
#include <string.h>

#include <linux/if_arp.h>
#include <netlink/addr.h>
#include <netlink/netlink.h>
#include <netlink/route/link.h>

#include "internal.h"

static bool is_l3(unsigned t)
{
	switch (t) {
	case ARPHRD_TUNNEL:
	case ARPHRD_TUNNEL6:
	case ARPHRD_SIT:
	case ARPHRD_IPGRE:
	case ARPHRD_IP6GRE:
	case ARPHRD_NONE:
	case ARPHRD_RAWIP:
	case ARPHRD_PPP:
		return true;
	default:
		return false;
	}
}

/* A GRE device's broadcast address is its remote: zero or multicast means header_ops. */
static bool gre_without_remote(struct rtnl_link *link, unsigned t)
{
	struct nl_addr *b = rtnl_link_get_broadcast(link);
	const uint8_t *a = b != NULL ? nl_addr_get_binary_addr(b) : NULL;
	unsigned len = b != NULL ? nl_addr_get_len(b) : 0;
	uint8_t any = 0;

	if (t != ARPHRD_IPGRE && t != ARPHRD_IP6GRE)
		return false;
	if (a == NULL || (len != 4 && len != 16))
		return true;
	for (unsigned i = 0; i < len; i++)
		any |= a[i];
	return any == 0 || (len == 4 && a[0] >= 224 && a[0] < 240) || (len == 16 && a[0] == 0xff);
}

int pl_link_probe(int ifindex, struct pl_link *out)
{
	struct nl_sock *sk = nl_socket_alloc();
	struct rtnl_link *link = NULL;
	int r = -ENOMEM;

	memset(out, 0, sizeof(*out));
	out->why = "cannot ask the kernel about it";
	if (sk == NULL)
		return r;
	if (nl_connect(sk, NETLINK_ROUTE) < 0 || rtnl_link_get_kernel(sk, ifindex, NULL, &link) < 0) {
		r = -ENODEV;
		goto cleanup;
	}
	out->arphrd = rtnl_link_get_arptype(link);
	out->why = NULL;
	if (rtnl_link_get_flags(link) & IFF_LOOPBACK) {
		out->why = "loopback";
	} else if (out->arphrd == ARPHRD_ETHER) {
		out->kind = PL_LINK_ETHER;
	} else if (gre_without_remote(link, out->arphrd)) {
		out->why = "a GRE device without a fixed unicast remote puts its outer headers on "
			   "before TC sees the packet";
	} else if (is_l3(out->arphrd)) {
		out->kind = PL_LINK_L3;
	} else {
		out->why = "neither Ethernet nor a layer-3 device (ipip, gre, sit, ip6tnl, tun, "
			   "wireguard, ppp)";
	}
	r = out->kind == PL_LINK_REFUSED ? -EOPNOTSUPP : 0;
cleanup:
	if (link != NULL)
		rtnl_link_put(link);
	nl_socket_free(sk);
	return r;
}
