/*
 * Helper of selftests/bench/trap-latency.sh (not a test): a UDP sender and receiver that
 * stamp each datagram with CLOCK_MONOTONIC, which every network namespace of one kernel
 * shares, so that "first datagram sent" and "first datagram received" compare directly.
 *
 *   udp_stamp send SRC DST PORT INTERVAL_US SECONDS
 *       datagrams SRC -> DST:PORT every INTERVAL_US, for SECONDS at most (or until
 *       killed); each carries its sequence number and send time; a send the stack refuses
 *       (ENOBUFS, EPERM, EAGAIN...) counts as sent. Prints "first SEND_NS" at the start.
 *   udp_stamp recv ADDR PORT SECONDS
 *       waits up to SECONDS for the first datagram; prints
 *       "got SEQ SENT_NS RECEIVED_NS" and exits 0, or exits 1 on timeout.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

struct stamp {
	uint64_t seq;
	uint64_t sent_ns;
};

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static int udp_socket(const char *addr, int port, struct sockaddr_in *sa)
{
	int fd = socket(AF_INET, SOCK_DGRAM, 0);

	memset(sa, 0, sizeof(*sa));
	sa->sin_family = AF_INET;
	sa->sin_port = htons((uint16_t)port);
	if (fd < 0 || inet_pton(AF_INET, addr, &sa->sin_addr) != 1) {
		fprintf(stderr, "udp_stamp: bad address %s\n", addr);
		return -1;
	}
	return fd;
}

static int do_send(const char *src, const char *dst, int port, long interval_us, int secs)
{
	struct sockaddr_in from, to;
	int fd = udp_socket(src, 0, &from);

	if (fd < 0 || udp_socket(dst, port, &to) < 0)
		return 2;
	if (bind(fd, (struct sockaddr *)&from, sizeof(from)) < 0) {
		fprintf(stderr, "udp_stamp: bind %s: %s\n", src, strerror(errno));
		return 2;
	}
	uint64_t start = now_ns(), end = start + (uint64_t)secs * 1000000000ull;
	struct timespec gap = {interval_us / 1000000, (interval_us % 1000000) * 1000};
	for (uint64_t seq = 0; now_ns() < end; seq++) {
		struct stamp s = {seq, now_ns()};
		if (seq == 0) {
			printf("first %llu\n", (unsigned long long)s.sent_ns);
			fflush(stdout);
		}
		(void)!sendto(fd, &s, sizeof(s), MSG_DONTWAIT, (struct sockaddr *)&to, sizeof(to));
		nanosleep(&gap, NULL);
	}
	return 0;
}

static int do_recv(const char *addr, int port, int secs)
{
	struct sockaddr_in sa;
	struct stamp s;
	int fd = udp_socket(addr, port, &sa);

	if (fd < 0)
		return 2;
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		fprintf(stderr, "udp_stamp: bind %s:%d: %s\n", addr, port, strerror(errno));
		return 2;
	}
	printf("ready\n");
	fflush(stdout);
	struct pollfd p = {.fd = fd, .events = POLLIN};
	for (;;) {
		int r = poll(&p, 1, secs * 1000);
		if (r == 0)
			return 1;
		if (r < 0 && errno != EINTR)
			return 2;
		if (r > 0 && recv(fd, &s, sizeof(s), 0) == (ssize_t)sizeof(s))
			break;
	}
	printf("got %llu %llu %llu\n", (unsigned long long)s.seq, (unsigned long long)s.sent_ns,
	       (unsigned long long)now_ns());
	return 0;
}

int main(int argc, char **argv)
{
	if (argc == 7 && strcmp(argv[1], "send") == 0)
		return do_send(argv[2], argv[3], atoi(argv[4]), atol(argv[5]), atoi(argv[6]));
	if (argc == 5 && strcmp(argv[1], "recv") == 0)
		return do_recv(argv[2], atoi(argv[3]), atoi(argv[4]));
	fprintf(stderr, "usage: udp_stamp send SRC DST PORT INTERVAL_US SECONDS\n"
			"       udp_stamp recv ADDR PORT SECONDS\n");
	return 2;
}
