/* The connection part of whack --status, in the style of pluto's. */
#include <stdio.h>
#include <string.h>

#include "connections.h"
#include "ifaces.h"
#include "log.h"
#include "pluto.h"

static const struct {
	uint32_t bit;
	const char *name;
} policy_names[] = {
	{ POLICY_PSK, "PSK" },
	{ POLICY_RSASIG, "RSASIG" },
	{ POLICY_ENCRYPT, "ENCRYPT" },
	{ POLICY_AUTHENTICATE, "AUTHENTICATE" },
	{ POLICY_COMPRESS, "COMPRESS" },
	{ POLICY_TUNNEL, "TUNNEL" },
	{ POLICY_PFS, "PFS" },
	{ POLICY_DISABLEARRIVALCHECK, "DISABLEARRIVALCHECK" },
	{ POLICY_DONTREKEY, "DONTREKEY" },
	{ POLICY_SHUNT_PASS, "PASS" },
	{ POLICY_SHUNT_DROP, "DROP" },
	{ POLICY_SHUNT_REJECT, "REJECT" },
	{ POLICY_UP, "UP" },
	{ POLICY_ROUTE, "ROUTE" },
};

static void format_policy(uint32_t policy, char *buf, size_t len)
{
	size_t o = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < sizeof(policy_names) / sizeof(policy_names[0]); i++) {
		if ((policy & policy_names[i].bit) && o < len)
			o += (size_t)snprintf(buf + o, len - o, "%s%s", o ? "+" : "",
					      policy_names[i].name);
	}
	if (o == 0)
		snprintf(buf, len, "none");
}

static const char *routing_name(enum routing r)
{
	switch (r) {
	case RT_UNROUTED:
		return "unrouted";
	case RT_ROUTED_PROSPECTIVE:
		return "prospective erouted";
	case RT_ROUTED_TUNNEL:
		return "erouted";
	case RT_ROUTED_SHUNT:
		return "shunt erouted";
	}
	return "?";
}

static void format_host(const struct end *e, char *buf, size_t len)
{
	switch (e->host_type) {
	case WHACK_HOST_ANY:
		snprintf(buf, len, "%s", ip_addr_is_set(&e->host) ? ip_addr_str(&e->host) : "%any");
		break;
	case WHACK_HOST_OPPORTUNISTIC:
		snprintf(buf, len, "%%opportunistic");
		break;
	case WHACK_HOST_DEFAULTROUTE:
		snprintf(buf, len, "%s",
			 ip_addr_is_set(&e->host) ? ip_addr_str(&e->host) : "%defaultroute");
		break;
	default:
		snprintf(buf, len, "%s", ip_addr_str(&e->host));
	}
	if (e->ikeport != PLUTO_DEFAULT_IKEPORT) {
		size_t o = strlen(buf);
		snprintf(buf + o, len - o, ":%u", e->ikeport);
	}
}

/* Per-end settings that are not the defaults: updown command, dnskeyondemand. */
static void end_extras_status(const char *prefix, const struct connection *c)
{
	char line[2 * 1100] = "";
	size_t o = 0;

	for (int i = 0; i < 2; i++) {
		const struct end *e = &c->end[i];
		if (e->updown != NULL)
			o += (size_t)snprintf(line + o, sizeof(line) - o, "%s%s updown: %s",
					      o ? "; " : "", i ? "right" : "left", e->updown);
		if (e->dnskeyondemand && o < sizeof(line))
			o += (size_t)snprintf(line + o, sizeof(line) - o, "%s%s dnskeyondemand",
					      o ? "; " : "", i ? "right" : "left");
	}
	if (o > 0)
		whack_log(RC_COMMENT, "%s:   %s", prefix, line);
}

/* client===host[id]---nexthop, or the mirror image for the far end. */
static void format_end(const struct end *e, bool far, char *buf, size_t len)
{
	char host[64], client[64] = "", id[ID_STRLEN + 2] = "", hop[64] = "";

	format_host(e, host, sizeof(host));
	if (e->has_client)
		snprintf(client, sizeof(client), "%s", ip_subnet_str(&e->client));
	if (id_is_set(e->id))
		snprintf(id, sizeof(id), "[%s]", id_str(e->id));
	if (ip_addr_is_set(&e->nexthop))
		snprintf(hop, sizeof(hop), "%s", ip_addr_str(&e->nexthop));
	if (!far)
		snprintf(buf, len, "%s%s%s%s%s%s", client, client[0] ? "===" : "", host, id,
			 hop[0] ? "---" : "", hop);
	else
		snprintf(buf, len, "%s%s%s%s%s%s", hop, hop[0] ? "---" : "", host, id,
			 client[0] ? "===" : "", client);
}

static void connection_status(const struct connection *c)
{
	char prefix[256], a[700], b[700], pol[256], algs[1024];
	const struct end *first = c->this ? c->this : &c->end[0];
	const struct end *second = c->this ? c->that : &c->end[1];

	connection_fmt_prefix(c, prefix, sizeof(prefix));
	format_end(first, false, a, sizeof(a));
	format_end(second, true, b, sizeof(b));
	whack_log(RC_COMMENT, "%s: %s...%s; %s; eroute owner: #%lu", prefix, a, b,
		  routing_name(c->routing), c->eroute_owner);
	whack_log(RC_COMMENT,
		  "%s:   ike_life: %us; ipsec_life: %us; rekey_margin: %us; rekey_fuzz: %u%%; "
		  "keyingtries: %u",
		  prefix, c->ikelifetime, c->ipseclifetime, c->rekeymargin, c->rekeyfuzz,
		  c->keyingtries);
	if (c->dpd_delay != 0)
		whack_log(RC_COMMENT, "%s:   dpd_delay: %us; dpd_timeout: %us; dpd_action: %s",
			  prefix, c->dpd_delay, c->dpd_timeout,
			  whack_dpd_action_name(c->dpd_action));
	format_policy(c->policy, pol, sizeof(pol));
	char dbgs[200] = "";
	if (c->debugging != 0) {
		strcpy(dbgs, "; debug: ");
		debug_class_format(c->debugging, dbgs + 9, sizeof(dbgs) - 9);
	}
	whack_log(RC_COMMENT, "%s:   policy: %s; interface: %s; %s%s", prefix, pol,
		  c->interface ? c->interface->name : "unset",
		  c->this ? (c->this == &c->end[0] ? "oriented (this end is left)"
						   : "oriented (this end is right)")
			  : "unoriented",
		  dbgs);
	end_extras_status(prefix, c);
	whack_log(RC_COMMENT, "%s:   newest ISAKMP SA: #%lu; newest IPsec SA: #%lu", prefix,
		  c->newest_isakmp_sa, c->newest_ipsec_sa);
	alg_list_format(c->ike_algs, false, algs, sizeof(algs));
	whack_log(RC_COMMENT, "%s:   IKE algorithms wanted: %s", prefix, algs);
	if (!connection_isakmp_only(c)) {
		alg_list_format(c->esp_algs, true, algs, sizeof(algs));
		whack_log(RC_COMMENT, "%s:   ESP algorithms wanted: %s", prefix, algs);
	}
}

void connections_status(void)
{
	for (const struct connection *c = connections; c != NULL; c = c->next)
		connection_status(c);
}
