/*
 * whack requests as pluto's control socket receives them: whack_msg_decode(), and for
 * what it accepts, an encode/decode round trip that must give the same message back,
 * then pluto's handler for the forms that act on its own tables only (delete,
 * deletestate, myid, debug, the connection form, public keys, route/unroute/initiate/
 * terminate without interfaces, status).  Everything the request added is dropped after.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "connections.h"
#include "ctl.h"
#include "keys.h"
#include "log.h"
#include "pluto.h"
#include "sandbox.h"
#include "state.h"
#include "whack_msg.h"

/* What whack_handle() may do here: nothing that listens, rereads files or shuts down. */
#define SAFE_OPS                                                                                   \
	(WHACK_OP_DELETE | WHACK_OP_DELETESTATE | WHACK_OP_MYID | WHACK_OP_DEBUG | WHACK_OP_CONN | \
	 WHACK_OP_KEY | WHACK_OP_ROUTE | WHACK_OP_UNROUTE | WHACK_OP_INITIATE |                    \
	 WHACK_OP_TERMINATE | WHACK_OP_STATUS)

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct whack_msg *m, *again;
static uint8_t *wire;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	fuzz_quiet_log();
	m = malloc(sizeof(*m));
	again = malloc(sizeof(*again));
	wire = malloc(WHACK_MSG_MAX);
	if (m == NULL || again == NULL || wire == NULL)
		abort();
	return 0;
}

/* Encoding what decode accepted and decoding that must give the same message. */
static void round_trip(void)
{
	int n = whack_msg_encode(m, wire, WHACK_MSG_MAX);
	const char *err;

	if (n < 0) {
		fprintf(stderr, "encode of a decoded message failed: %d\n", n);
		abort();
	}
	err = whack_msg_decode(wire, (size_t)n, again);
	if (err != NULL) {
		fprintf(stderr, "re-decode failed: %s\n", err);
		abort();
	}
	if (memcmp(m, again, sizeof(*m)) != 0) {
		fprintf(stderr, "round trip changed the message\n");
		abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (whack_msg_decode(data, size, m) != NULL)
		return 0;
	round_trip();
	m->ops &= SAFE_OPS;
	whack_handle(NULL, m);
	log_reset_context();
	connection_delete_all();
	states_delete_all();
	pubkeys_free_all();
	memset(&pluto.myid, 0, sizeof(pluto.myid));
	base_debugging = cur_debugging = 0;
	return 0;
}
