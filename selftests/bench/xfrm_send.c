/*
 * Helper of selftests/bench/classifier.sh (not a test): the cost per packet of sending UDP
 * from a local socket through the stack, which is where XFRM looks up its output policies
 * (ip_route_output_flow -> xfrm_lookup_route). Prints the median over ROUNDS rounds of
 * the nanoseconds per packet of one sendmmsg() burst of BATCH datagrams (8 bytes each),
 * from SRC (bound with IP_TRANSPARENT, so it need not be a local address) to DST:53.
 *
 *   xfrm_send SRC DST [ROUNDS]
 *
 * The script runs it in a namespace without policies and with N of them; the difference is
 * what the policy lookup adds. Needs root (CAP_NET_ADMIN for IP_TRANSPARENT).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define BATCH 256

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static int open_socket(const char *src)
{
	struct sockaddr_in sa = {.sin_family = AF_INET};
	int one = 1;
	int fd = socket(AF_INET, SOCK_DGRAM, 0);

	if (fd < 0 || inet_pton(AF_INET, src, &sa.sin_addr) != 1 ||
	    setsockopt(fd, SOL_IP, IP_TRANSPARENT, &one, sizeof(one)) < 0 ||
	    bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		fprintf(stderr, "xfrm_send: socket from %s: %s\n", src, strerror(errno));
		return -1;
	}
	return fd;
}

int main(int argc, char **argv)
{
	static struct mmsghdr msgs[BATCH];
	static struct iovec iov[BATCH];
	static char payload[8] = "pluto-xd";
	struct sockaddr_in dst = {.sin_family = AF_INET, .sin_port = htons(53)};
	int rounds = argc > 3 ? atoi(argv[3]) : 101;

	if (argc < 3 || rounds < 1 || rounds > 10000 || inet_pton(AF_INET, argv[2], &dst.sin_addr) != 1) {
		fprintf(stderr, "usage: xfrm_send SRC DST [ROUNDS]\n");
		return 2;
	}
	int fd = open_socket(argv[1]);
	if (fd < 0)
		return 1;
	for (int i = 0; i < BATCH; i++) {
		iov[i] = (struct iovec){ payload, sizeof(payload) };
		msgs[i].msg_hdr = (struct msghdr){ .msg_name = &dst, .msg_namelen = sizeof(dst),
						   .msg_iov = &iov[i], .msg_iovlen = 1 };
	}
	uint64_t *ns = calloc((size_t)rounds, sizeof(*ns));
	if (ns == NULL)
		return 1;
	for (int r = -3; r < rounds; r++) { /* three rounds to warm up */
		uint64_t t0 = now_ns();
		int sent = 0;
		while (sent < BATCH) {
			int n = sendmmsg(fd, msgs + sent, (unsigned)(BATCH - sent), 0);
			if (n < 0) {
				fprintf(stderr, "xfrm_send: sendmmsg: %s\n", strerror(errno));
				return 1;
			}
			sent += n;
		}
		if (r >= 0)
			ns[r] = (now_ns() - t0) / BATCH;
	}
	qsort(ns, (size_t)rounds, sizeof(*ns), cmp_u64);
	printf("%llu\n", (unsigned long long)ns[rounds / 2]);
	return 0;
}
