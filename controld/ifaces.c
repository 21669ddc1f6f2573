/* Interface discovery and the IKE UDP sockets. */
#include "ifaces.h"

#include <errno.h>
#include <ifaddrs.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <netlink/netlink.h>
#include <netlink/route/route.h>

#include "dataplane.h"
#include "evloop.h"
#include "log.h"
#include "pluto.h"

#define IKE_MAX_DATAGRAM 65536

struct iface *interfaces;
static iface_receive_fn receiver;
static int defaultroute_ifindex; /* interfaces=%defaultroute, found at each rescan */
static int default_route(int af, int *oif, ip_address *gw);
static int generation;

void ifaces_set_receiver(iface_receive_fn fn)
{
	receiver = fn;
}

static iface_gone_fn gone_hook;

void ifaces_set_gone_hook(iface_gone_fn fn)
{
	gone_hook = fn;
}

static void iface_readable(int fd, uint32_t events, void *arg)
{
	static uint8_t buf[IKE_MAX_DATAGRAM];
	struct iface *ifp = arg;

	/* bounded: at most 64 datagrams before other work gets a turn */
	for (int i = 0; i < 64; i++) {
		struct sockaddr_storage ss;
		socklen_t sl = sizeof(ss);
		ssize_t n = recvfrom(fd, buf, sizeof(buf), MSG_DONTWAIT, (struct sockaddr *)&ss, &sl);
		if (n < 0)
			return;
		ip_address from;
		uint16_t port;
		if (ip_addr_from_sockaddr((struct sockaddr *)&ss, &from, &port) < 0)
			continue;
		if (receiver != NULL)
			receiver(ifp, buf, (size_t)n, &from, port);
		else
			dbg(DBG_CONTROL, "dropping %zd-byte packet from %s:%u: no IKE engine", n,
			    ip_addr_str(&from), port);
	}
}

/* addr:port, with IPv6 addresses in brackets; static rotating buffer for log arguments. */
const char *iface_endpoint(const struct iface *p)
{
	static char bufs[2][IP_ADDR_STRLEN + 8];
	static unsigned n;
	char *b = bufs[n++ % 2];

	snprintf(b, sizeof(bufs[0]), p->addr.af == AF_INET6 ? "[%s]:%u" : "%s:%u",
		 ip_addr_str(&p->addr), p->port);
	return b;
}

static bool wanted(const struct ifaddrs *ifa)
{
	if (ifa->ifa_addr == NULL || !(ifa->ifa_flags & IFF_UP))
		return false;
	if (ifa->ifa_addr->sa_family != AF_INET && ifa->ifa_addr->sa_family != AF_INET6)
		return false;
	if (ifa->ifa_addr->sa_family == AF_INET6) {
		const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)ifa->ifa_addr;
		if (IN6_IS_ADDR_LINKLOCAL(&s6->sin6_addr))
			return false;
	}
	switch (pluto.interfaces_mode) {
	case IFACES_ALL:
		return true;
	case IFACES_NONE:
		return false;
	case IFACES_DEFAULTROUTE:
		return (int)if_nametoindex(ifa->ifa_name) == defaultroute_ifindex;
	case IFACES_LIST:
		for (int i = 0; i < pluto.ninterfaces; i++) {
			if (strcmp(pluto.interfaces[i], ifa->ifa_name) == 0)
				return true;
		}
		return false;
	}
	return false;
}

static struct iface *find(const char *name, const ip_address *a)
{
	for (struct iface *p = interfaces; p != NULL; p = p->next) {
		if (strcmp(p->name, name) == 0 && ip_addr_eq(&p->addr, a))
			return p;
	}
	return NULL;
}

static int open_socket(struct iface *p)
{
	struct sockaddr_storage ss;
	socklen_t sl;
	int one = 1;

	ip_addr_to_sockaddr(&p->addr, p->port, &ss, &sl);
	int fd = socket(p->addr.af, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, IPPROTO_UDP);
	if (fd < 0)
		return -errno;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (p->addr.af == AF_INET6)
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&ss, sl) < 0) {
		int e = errno;
		close(fd);
		return -e;
	}
	return fd;
}

static void add_iface(const char *name, const ip_address *a)
{
	struct iface *p = calloc(1, sizeof(*p));

	if (p == NULL)
		return;
	snprintf(p->name, sizeof(p->name), "%s", name);
	p->ifindex = (int)if_nametoindex(name);
	p->addr = *a;
	p->port = pluto.ikeport;
	p->gen = generation;
	p->fd = open_socket(p);
	if (p->fd < 0) {
		plog("cannot listen on %s %s:%u: %s", name, ip_addr_str(a), p->port,
		     strerror(-p->fd));
		free(p);
		return;
	}
	evloop_add_fd(p->fd, EPOLLIN, iface_readable, p);
	struct iface **pp = &interfaces;
	while (*pp != NULL)
		pp = &(*pp)->next;
	*pp = p;
	plog("adding interface %s/%s %s", name, name, iface_endpoint(p));
}

static void drop_iface(struct iface *p)
{
	if (gone_hook != NULL)
		gone_hook(p);
	evloop_del_fd(p->fd);
	close(p->fd);
	free(p);
}

static void drop_stale(void)
{
	struct iface **pp = &interfaces;

	while (*pp != NULL) {
		struct iface *p = *pp;
		if (p->gen == generation) {
			pp = &p->next;
			continue;
		}
		plog("shutting down interface %s/%s %s", p->name, p->name, iface_endpoint(p));
		*pp = p->next;
		drop_iface(p);
	}
}

int ifaces_rescan(void)
{
	struct ifaddrs *ifas = NULL;
	int n = 0;

	if (pluto.interfaces_mode == IFACES_DEFAULTROUTE) {
		ip_address gw;
		if (default_route(AF_INET, &defaultroute_ifindex, &gw) < 0 &&
		    default_route(AF_INET6, &defaultroute_ifindex, &gw) < 0)
			plog("interfaces=%%defaultroute: there is no default route");
	}
	if (getifaddrs(&ifas) < 0) {
		plog("cannot list interfaces: %s", strerror(errno));
		return 0;
	}
	generation++;
	for (struct ifaddrs *ifa = ifas; ifa != NULL; ifa = ifa->ifa_next) {
		ip_address a;
		if (!wanted(ifa) || ip_addr_from_sockaddr(ifa->ifa_addr, &a, NULL) < 0)
			continue;
		if (ip_addr_is_set(&pluto.listen_addr) && !ip_addr_eq(&pluto.listen_addr, &a))
			continue;
		struct iface *p = find(ifa->ifa_name, &a);
		if (p != NULL)
			p->gen = generation;
		else
			add_iface(ifa->ifa_name, &a);
	}
	freeifaddrs(ifas);
	drop_stale();
	dataplane_ifaces_changed(); /* BPF programs on new interfaces, off gone ones */
	for (struct iface *p = interfaces; p != NULL; p = p->next)
		n++;
	if (n == 0)
		plog("no public interfaces found%s",
		     ip_addr_is_set(&pluto.listen_addr) ? " with the --listen address" : "");
	return n;
}

void ifaces_close_all(void)
{
	while (interfaces != NULL) {
		struct iface *p = interfaces;
		interfaces = p->next;
		plog("shutting down interface %s/%s %s", p->name, p->name, iface_endpoint(p));
		drop_iface(p);
	}
	dataplane_ifaces_changed();
}

struct iface *iface_by_addr(const ip_address *a)
{
	for (struct iface *p = interfaces; p != NULL; p = p->next) {
		if (ip_addr_eq(&p->addr, a))
			return p;
	}
	return NULL;
}

int iface_send(struct iface *ifp, const uint8_t *buf, size_t len, const ip_address *to,
	       uint16_t port)
{
	struct sockaddr_storage ss;
	socklen_t sl;

	if (ip_addr_to_sockaddr(to, port, &ss, &sl) < 0)
		return -EAFNOSUPPORT;
	if (sendto(ifp->fd, buf, len, 0, (struct sockaddr *)&ss, sl) < 0)
		return -errno;
	return 0;
}

void ifaces_status(void)
{
	for (struct iface *p = interfaces; p != NULL; p = p->next)
		whack_log(RC_COMMENT, "interface %s/%s %s", p->name, p->name, iface_endpoint(p));
}

/* The default route through libnl-route: its output interface and gateway. */
static int default_route(int af, int *oif, ip_address *gw)
{
	struct nl_sock *sk = nl_socket_alloc();
	struct nl_cache *cache = NULL;
	int r = -ENOENT;

	if (sk == NULL)
		return -ENOMEM;
	if (nl_connect(sk, NETLINK_ROUTE) < 0 || rtnl_route_alloc_cache(sk, af, 0, &cache) < 0) {
		r = -EIO;
		goto cleanup;
	}
	for (struct nl_object *o = nl_cache_get_first(cache); o; o = nl_cache_get_next(o)) {
		struct rtnl_route *rt = (struct rtnl_route *)o;
		struct nl_addr *dst = rtnl_route_get_dst(rt);
		if (rtnl_route_get_table(rt) != RT_TABLE_MAIN || nl_addr_get_prefixlen(dst) != 0 ||
		    rtnl_route_get_nnexthops(rt) < 1)
			continue;
		struct rtnl_nexthop *nh = rtnl_route_nexthop_n(rt, 0);
		*oif = rtnl_route_nh_get_ifindex(nh);
		struct nl_addr *g = rtnl_route_nh_get_gateway(nh);
		memset(gw, 0, sizeof(*gw));
		if (g != NULL && nl_addr_get_len(g) == ip_af_len(af)) {
			gw->af = (uint8_t)af;
			memcpy(gw->bytes, nl_addr_get_binary_addr(g), ip_af_len(af));
		}
		r = 0;
		break;
	}
cleanup:
	if (cache != NULL)
		nl_cache_free(cache);
	nl_socket_free(sk);
	return r;
}

int iface_defaultroute(int af, ip_address *out, ip_address *gateway)
{
	int oif = 0;
	struct ifaddrs *ifas = NULL;
	int r = default_route(af, &oif, gateway);

	if (r < 0)
		return r;
	if (getifaddrs(&ifas) < 0)
		return -errno;
	r = -EADDRNOTAVAIL;
	for (struct ifaddrs *ifa = ifas; ifa != NULL; ifa = ifa->ifa_next) {
		if (ifa->ifa_addr == NULL || ifa->ifa_addr->sa_family != af ||
		    (int)if_nametoindex(ifa->ifa_name) != oif)
			continue;
		if (ip_addr_from_sockaddr(ifa->ifa_addr, out, NULL) == 0) {
			r = 0;
			break;
		}
	}
	freeifaddrs(ifas);
	return r;
}
