/*
 * pluto-bpf: the dataplane by hand, for operators (loader.h does the work).
 *
 *   pluto-bpf [--pin-dir DIR] [--ikeport PORT] [--max-eroutes N] load
 *   pluto-bpf [--pin-dir DIR] attach IFNAME...
 *   pluto-bpf [--pin-dir DIR] detach IFNAME...
 *   pluto-bpf [--pin-dir DIR] show
 *   pluto-bpf [--pin-dir DIR] cleanup
 *
 * What pluto-bpf loads has no lease: it acts until detached. Exit status 0, 1 when the
 * command failed, 2 for a usage error.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "loader.h"

#define DEFAULT_PIN_DIR "/sys/fs/bpf/pluto"

static struct pl_opts opts = {.pin_dir = DEFAULT_PIN_DIR};

static int fail(const char *what, int r, const char *why)
{
	fprintf(stderr, "pluto-bpf: %s: %s%s%s\n", what, why ? why : "", why ? ": " : "",
		strerror(-r));
	return 1;
}

static int cmd_load(int argc, char **argv)
{
	char probe[512];
	struct stat sb;
	struct pl_dp *dp;
	const char *why = NULL;
	int r;

	snprintf(probe, sizeof(probe), "%s/pl_eroutes", opts.pin_dir);
	if (stat(probe, &sb) == 0) {
		fprintf(stderr, "pluto-bpf: already loaded in %s (pluto-bpf cleanup first)\n",
			opts.pin_dir);
		return 1;
	}
	r = pl_dp_load(&opts, &dp, &why);
	if (r < 0)
		return fail("load", r, why);
	printf("loaded: maps and programs pinned in %s\n", opts.pin_dir);
	pl_dp_close(dp, false);
	return 0;
}

static int each_ifname(int argc, char **argv, bool attach)
{
	struct pl_dp *dp;
	const char *why = NULL;
	int r = pl_dp_open_pinned(opts.pin_dir, &dp, &why), status = 0;

	if (r < 0)
		return fail(opts.pin_dir, r, why);
	for (int i = 0; i < argc; i++) {
		int ifindex = (int)if_nametoindex(argv[i]);
		struct pl_attach_result res;
		if (ifindex == 0) {
			fprintf(stderr, "pluto-bpf: no interface `%s'\n", argv[i]);
			status = 1;
			continue;
		}
		r = attach ? pl_dp_attach(dp, ifindex, true, &res) : pl_dp_detach(dp, ifindex);
		if (r < 0) {
			status = fail(argv[i], r, attach ? res.link.why : NULL);
			continue;
		}
		if (attach && res.l3)
			fprintf(stderr, "pluto-bpf: %s: no link-layer header: TC (L3) attached, "
					"no XDP\n", argv[i]);
		else if (attach && !res.xdp)
			fprintf(stderr, "pluto-bpf: %s: TC attached, XDP not: %s\n", argv[i],
				strerror(-res.xdp_err));
		printf("%s %s\n", attach ? "attached to" : "detached from", argv[i]);
	}
	pl_dp_close(dp, false);
	return status;
}

static int cmd_attach(int argc, char **argv)
{
	return each_ifname(argc, argv, true);
}

static int cmd_detach(int argc, char **argv)
{
	return each_ifname(argc, argv, false);
}

static void show_interfaces(void)
{
	struct if_nameindex *ifs = if_nameindex();

	for (struct if_nameindex *i = ifs; i != NULL && i->if_index != 0; i++) {
		struct pl_attach_info a;
		if (pl_query_ifindex((int)i->if_index, &a) < 0 ||
		    (!a.tc_ingress && !a.tc_egress && !a.xdp_prog_id))
			continue;
		printf("interface %s: tc ingress %s, tc egress %s, xdp %s\n", i->if_name,
		       a.tc_ingress ? "yes" : "no", a.tc_egress ? "yes" : "no",
		       a.xdp_prog_id ? (a.xdp_link ? "yes (link)" : "yes") : "no");
	}
	if (ifs != NULL)
		if_freenameindex(ifs);
}

static void show_eroute(const struct pl_dp *dp, uint32_t id, const struct pl_eroute *e)
{
	struct pl_sel s = {.family = e->family, .len = e->src_len};
	struct pl_sel d = {.family = e->family, .len = e->dst_len};
	struct pl_er_stats st = {0};
	char a[64], b[64];

	memcpy(s.addr, e->src, 16);
	memcpy(d.addr, e->dst, 16);
	pl_sel_format(&s, a, sizeof(a));
	pl_sel_format(&d, b, sizeof(b));
	pl_eroute_stats(dp, id, &st);
	printf("eroute #%u %s -> %s => %s", id, a, b, pl_action_name(e->action));
	if (e->action == PL_ACT_IPSEC)
		printf(" esp.%x/esp.%x", ntohl(e->spi_out), ntohl(e->spi_in));
	printf(": out %llu packets %llu bytes %llu dropped %llu traps; in %llu packets "
	       "%llu dropped\n",
	       (unsigned long long)st.out_packets, (unsigned long long)st.out_bytes,
	       (unsigned long long)st.out_dropped, (unsigned long long)st.traps,
	       (unsigned long long)st.in_packets, (unsigned long long)st.in_dropped);
}

static void show_sas(const struct pl_dp *dp)
{
	int fd = pl_dp_map_fd(dp, PL_MAP_SPI);
	struct pl_spi_key k, cur;
	const void *prev = NULL;

	while (bpf_map_get_next_key(fd, prev, &k) == 0) {
		struct pl_sa_stats st = {0};
		pl_spi_stats(dp, k.spi, k.dir, &st);
		printf("SA esp.%x (%s): %llu packets %llu bytes\n", ntohl(k.spi),
		       k.dir == PL_DIR_IN ? "in" : "out", (unsigned long long)st.packets,
		       (unsigned long long)st.bytes);
		cur = k;
		prev = &cur;
	}
}

static int cmd_show(int argc, char **argv)
{
	uint64_t v[PL_CNT_MAX];
	struct pl_dp *dp;
	const char *why = NULL;
	int r = pl_dp_open_pinned(opts.pin_dir, &dp, &why);

	if (r < 0)
		return fail(opts.pin_dir, r, why);
	printf("pin directory %s\n", opts.pin_dir);
	show_interfaces();
	for (uint32_t id = 0; id < pl_dp_max_eroutes(dp); id++) {
		struct pl_eroute e;
		if (bpf_map_lookup_elem(pl_dp_map_fd(dp, PL_MAP_EROUTES), &id, &e) == 0 &&
		    e.action != PL_ACT_NONE)
			show_eroute(dp, id, &e);
	}
	show_sas(dp);
	if (pl_counters_read(dp, v) == 0) {
		for (unsigned i = 0; i < PL_CNT_MAX; i++)
			printf("counter %s %llu\n", pl_counter_name(i), (unsigned long long)v[i]);
	}
	pl_dp_close(dp, false);
	return 0;
}

static int cmd_cleanup(int argc, char **argv)
{
	int r = pl_cleanup_all(opts.pin_dir);

	if (r < 0)
		return fail("cleanup", r, NULL);
	printf("no pluto program left on any interface; %s removed\n", opts.pin_dir);
	return 0;
}

static const struct command {
	const char *name;
	int min_args, max_args;
	int (*fn)(int argc, char **argv);
	const char *help;
} commands[] = {
	{"load", 0, 0, cmd_load, "load the programs; pin maps and programs in the pin directory"},
	{"attach", 1, 64, cmd_attach, "IFNAME...: XDP and TC ingress/egress on each"},
	{"detach", 1, 64, cmd_detach, "IFNAME...: take pluto's programs off each"},
	{"show", 0, 0, cmd_show, "interfaces, eroutes, SAs and counters"},
	{"cleanup", 0, 0, cmd_cleanup, "detach from every interface, remove the pin directory"},
};

static int usage(FILE *f, int status)
{
	fprintf(f, "usage: pluto-bpf [--pin-dir DIR] [--ikeport PORT] [--max-eroutes N] COMMAND\n");
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		fprintf(f, "  %-8s %s\n", commands[i].name, commands[i].help);
	fprintf(f, "default pin directory: %s\n", DEFAULT_PIN_DIR);
	return status;
}

static bool number(const char *opt, const char *s, unsigned long max, unsigned long *out)
{
	char *end;

	errno = 0;
	*out = strtoul(s, &end, 10);
	if (errno != 0 || *end != '\0' || *s == '\0' || *out == 0 || *out > max) {
		fprintf(stderr, "pluto-bpf: %s: `%s' is not a number from 1 to %lu\n", opt, s, max);
		return false;
	}
	return true;
}

int main(int argc, char **argv)
{
	static const struct option lopts[] = {
		{"pin-dir", required_argument, NULL, 'd'},
		{"ikeport", required_argument, NULL, 'p'},
		{"max-eroutes", required_argument, NULL, 'm'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	unsigned long n;
	int c;

	while ((c = getopt_long(argc, argv, "h", lopts, NULL)) != -1) {
		switch (c) {
		case 'd':
			opts.pin_dir = optarg;
			break;
		case 'p':
			if (!number("--ikeport", optarg, 65535, &n))
				return 2;
			opts.ike_port = (uint16_t)n;
			break;
		case 'm':
			if (!number("--max-eroutes", optarg, 1u << 20, &n))
				return 2;
			opts.max_eroutes = (uint32_t)n;
			break;
		case 'h':
			return usage(stdout, 0);
		default:
			return usage(stderr, 2);
		}
	}
	if (optind >= argc)
		return usage(stderr, 2);
	libbpf_set_print(NULL);
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++) {
		const struct command *cmd = &commands[i];
		int nargs = argc - optind - 1;
		if (strcmp(argv[optind], cmd->name) != 0)
			continue;
		if (nargs < cmd->min_args || nargs > cmd->max_args) {
			fprintf(stderr, "pluto-bpf: %s: wrong number of arguments\n", cmd->name);
			return usage(stderr, 2);
		}
		return cmd->fn(nargs, argv + optind + 1);
	}
	fprintf(stderr, "pluto-bpf: unknown command `%s'\n", argv[optind]);
	return usage(stderr, 2);
}
