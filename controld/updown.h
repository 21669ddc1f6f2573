/* The updown command: routes and firewall rules at the points the manual gives. */
#ifndef PLUTO_UPDOWN_H
#define PLUTO_UPDOWN_H

#include <stdbool.h>

struct connection;

/* The updown command that means "run none" (Libreswan's leftupdown=%disabled). */
#define UPDOWN_DISABLED "%disabled"

/*
 * Run the connection's updown command for what ("prepare", "route", "unroute", "up",
 * "down"): the verb becomes what-host or what-client (-v6 for IPv6 gateways). Output is
 * logged; returns true when it exited 0.
 */
bool updown_run(const struct connection *c, const char *what);
/* The default updown script's path. */
const char *updown_default(void);

#endif
