/*
 * The control socket: whack connects, sends one request, and reads numbered reply lines
 * until pluto closes. A request that starts a negotiation (--initiate without
 * --asynchronous) keeps its client open: the state holds a reference and releases it
 * when the negotiation ends.
 */
#ifndef PLUTO_CTL_H
#define PLUTO_CTL_H

#include <stdbool.h>
#include <sys/types.h>

#include "whack_msg.h"

struct ctl_client;

/* Create the socket (mode 0600) at path and start accepting; returns 0 or -errno. */
int ctl_init(const char *path);
void ctl_fini(void);
const char *ctl_socket_path(void);

/* Queue one reply line "NNN text\n". */
void ctl_client_line(struct ctl_client *c, enum rc_type rc, const char *text);
/* Keep the client open after its request returns; pair with ctl_client_release. */
struct ctl_client *ctl_client_hold(struct ctl_client *c);
void ctl_client_release(struct ctl_client *c);
bool ctl_client_gone(const struct ctl_client *c);

/* Implemented by the request dispatcher (whack_cmds.c). */
void whack_handle(struct ctl_client *c, const struct whack_msg *m);

#endif
