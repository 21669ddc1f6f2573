/* The event loop: one thread, epoll for file descriptors, a heap of monotonic timers. */
#ifndef PLUTO_EVLOOP_H
#define PLUTO_EVLOOP_H

#include <stdbool.h>
#include <stdint.h>

typedef void (*evloop_fd_fn)(int fd, uint32_t events, void *arg);
typedef void (*evloop_timer_fn)(void *arg);

struct evtimer; /* opaque */

int evloop_init(void);
void evloop_fini(void);
/* events: EPOLLIN / EPOLLOUT; returns 0 or -errno. */
int evloop_add_fd(int fd, uint32_t events, evloop_fd_fn fn, void *arg);
int evloop_mod_fd(int fd, uint32_t events);
void evloop_del_fd(int fd);

/* Milliseconds from now; returns NULL on allocation failure. */
struct evtimer *evloop_timer_add(uint64_t ms, evloop_timer_fn fn, void *arg);
void evloop_timer_cancel(struct evtimer *t);
/* When the timer fires, in ms from now (0 if due). */
uint64_t evloop_timer_remaining(const struct evtimer *t);

/*
 * before runs at the start of every iteration, before the loop may sleep (it may add
 * timers and handle work); after runs once the wait is over.  One pair (the crypto
 * helpers', so that a finished job needs no wake-up while the loop is busy anyway).
 */
void evloop_set_wait_hooks(void (*before)(void), void (*after)(void));

uint64_t evloop_now_ms(void); /* CLOCK_MONOTONIC */
uint64_t evloop_now_us(void); /* the same clock in microseconds: any thread, any time */
/* Run until evloop_stop(); returns 0 or -errno. */
int evloop_run(void);
void evloop_stop(void);
/* Run one iteration with at most timeout_ms wait (tests). */
void evloop_once(int timeout_ms);

#endif
