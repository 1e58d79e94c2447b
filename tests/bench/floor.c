/* floor.c -- sb-bench-floor: a server that does nothing, to measure what a
 * request costs before any server does anything (not a test).
 *
 * Why: the suite's target "CPU time per request at most 0.7x Redis's" is
 * out of reach at -P 1 if most of Redis's CPU time there is the kernel's
 * work for each request's read and write, which any server on sockets makes
 * too. This program measures that floor directly instead of arguing it
 * from kernel shares: it speaks just enough RESP for redis-benchmark, keeps
 * no data, and does the I/O exactly as Redis does: one epoll loop on one
 * thread, one read(16 KB) per readable connection, all the replies of a
 * loop iteration written after it, one write() per connection; with
 * --log FILE, the iteration's write commands are first appended to FILE
 * with one write(), and with --fsync always also fdatasync'ed (Redis's
 * appendonly, appendfsync everysec and always; everysec's one fsync a
 * second is left out). Its CPU time per request, divided by Redis's in the
 * same run (suite.py's floor columns), is the lowest CPU ratio a server
 * with Redis's I/O pattern can reach.
 *
 * Two variants show what a different I/O pattern would reach (floors.py
 * compares them). --sleep US sleeps that long before each wait for events
 * while at least 8 connections are open, as strongbox's io-coalesce does
 * (with more conditions), so that an iteration finds more requests.
 * --uring (built where liburing is) replaces epoll, read and write by
 * io_uring: a recv armed per connection, a send per reply buffer, and one
 * io_uring_enter per loop iteration for all of them, so the system calls
 * per request fall as the requests per iteration grow.
 *
 * Replies: GET a bulk as long as the last SET's value (32 bytes before any
 * SET: the suite's load sets the size); PING +PONG; CONFIG GET p -> [p, ""];
 * INCR and its kin, FCALL, EVALSHA :1; anything else +OK. Requests must be
 * RESP arrays (redis-benchmark's); anything else closes the connection.
 *
 *     sb-bench-floor PORT [--log FILE [--fsync always|no]] [--sleep US] [--uring]
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#ifdef SB_FLOOR_URING
#include <liburing.h>
#endif

#define FL_READ 16384 /* Redis's PROTO_IOBUF_LEN */
#define FL_EVENTS 128

typedef struct fl_buf {
    char *p;
    size_t len, cap;
} fl_buf;

typedef struct fl_conn {
    int fd;
    int queued;           /* on the pending list: replies to write, or closed */
    int want_out;         /* EPOLLOUT registered */
    fl_buf in, out;
    size_t out_off;
    fl_buf sending;       /* --uring: the buffer a send is armed with */
    size_t soff;          /* its part already sent */
    int recv_armed, send_armed;
    struct fl_conn *next; /* pending list */
} fl_conn;

static void fl_die(const char *what) {
    perror(what);
    exit(1);
}

static void fl_put(fl_buf *b, const void *p, size_t n) {
    if (b->len + n > b->cap) {
        size_t cap = b->cap ? b->cap : 256;
        while (cap < b->len + n) cap *= 2;
        if (!(b->p = realloc(b->p, cap))) fl_die("realloc");
        b->cap = cap;
    }
    memcpy(b->p + b->len, p, n);
    b->len += n;
}

/* One decimal number ended by CRLF at p (within end): the position after
 * the CRLF, or NULL when incomplete; *bad on a malformed line. */
static const char *fl_num(const char *p, const char *end, long *v, int *bad) {
    const char *cr = memchr(p, '\r', (size_t)(end - p));
    if (!cr || cr + 1 >= end) return NULL;
    char *e;
    *v = strtol(p, &e, 10);
    if (e != cr || cr[1] != '\n' || *v < 0) *bad = 1;
    return cr + 2;
}

/* One complete command at p: its length (0: incomplete, -1: malformed),
 * and its first three arguments (empty where it has fewer). */
static long fl_command(const char *p, const char *end, const char *a[3], long l[3]) {
    const char *s = p;
    long argc, len;
    int bad = 0;
    if (p >= end) return 0;
    if (*p != '*') return -1;
    if (!(p = fl_num(p + 1, end, &argc, &bad)) || bad) return bad ? -1 : 0;
    for (int i = 0; i < 3; i++) a[i] = "", l[i] = 0;
    for (long i = 0; i < argc; i++) {
        if (p >= end) return 0;
        if (*p != '$') return -1;
        if (!(p = fl_num(p + 1, end, &len, &bad)) || bad) return bad ? -1 : 0;
        if (end - p < len + 2) return 0;
        if (i < 3) a[i] = p, l[i] = len;
        p += len + 2;
    }
    return (long)(p - s);
}

static int fl_is(const char *a, long l, const char *name) {
    return (size_t)l == strlen(name) && strncasecmp(a, name, (size_t)l) == 0;
}

static int fl_epfd, fl_log = -1, fl_sync;
static long fl_sleep_us;
static int fl_conns; /* open connections */
static fl_buf fl_logbuf;
static fl_conn *fl_pending;
static fl_buf fl_get;     /* GET's reply */
static long fl_vlen = -1; /* its value's length */

static void fl_set_value(long len) {
    char h[32];
    int k = snprintf(h, sizeof(h), "$%ld\r\n", len);
    if (len == fl_vlen) return;
    fl_get.len = 0;
    fl_put(&fl_get, h, (size_t)k);
    for (long i = 0; i < len; i++) fl_put(&fl_get, "v", 1);
    fl_put(&fl_get, "\r\n", 2);
    fl_vlen = len;
}

static void fl_queue(fl_conn *c) {
    if (c->queued) return;
    c->queued = 1;
    c->next = fl_pending;
    fl_pending = c;
}

/* Freed at the end of the loop iteration, from the pending list: nothing
 * of the iteration refers to it then. */
static void fl_close(fl_conn *c) {
    close(c->fd); /* also leaves the epoll set */
    c->fd = -1;
    fl_queue(c);
}

/* Answers every complete command in c->in; 0, or -1 to close. */
static int fl_serve(fl_conn *c) {
    const char *p = c->in.p, *end = c->in.p + c->in.len;
    for (;;) {
        const char *a[3];
        long l[3], n = fl_command(p, end, a, l);
        if (n < 0) return -1;
        if (n == 0) break;
        if (fl_is(a[0], l[0], "GET")) {
            fl_put(&c->out, fl_get.p, fl_get.len);
        } else if (fl_is(a[0], l[0], "PING")) {
            fl_put(&c->out, "+PONG\r\n", 7);
        } else if (fl_is(a[0], l[0], "CONFIG")) { /* GET param: [param, ""] */
            char h[64];
            int k = snprintf(h, sizeof(h), "*2\r\n$%ld\r\n", l[2]);
            fl_put(&c->out, h, (size_t)k);
            fl_put(&c->out, a[2], (size_t)l[2]);
            fl_put(&c->out, "\r\n$0\r\n\r\n", 8);
        } else { /* a write: logged with --fsync */
            if (fl_is(a[0], l[0], "INCR") || fl_is(a[0], l[0], "DECR") ||
                fl_is(a[0], l[0], "INCRBY") || fl_is(a[0], l[0], "FCALL") ||
                fl_is(a[0], l[0], "EVALSHA"))
                fl_put(&c->out, ":1\r\n", 4);
            else
                fl_put(&c->out, "+OK\r\n", 5);
            if (fl_is(a[0], l[0], "SET")) fl_set_value(l[2]);
            if (fl_log >= 0) fl_put(&fl_logbuf, p, (size_t)n);
        }
        p += n;
    }
    size_t used = (size_t)(p - c->in.p);
    memmove(c->in.p, p, c->in.len - used);
    c->in.len -= used;
    if (c->out.len > c->out_off) fl_queue(c);
    return 0;
}

/* Before each wait for events (--sleep): with one or a few clients the
 * sleep would only add to each request's time (io-coalesce's rule). */
#define FL_SLEEP_CONNS 8
static void fl_nap(void) {
    if (fl_sleep_us <= 0 || fl_conns < FL_SLEEP_CONNS) return;
    struct timespec ts = {fl_sleep_us / 1000000, (fl_sleep_us % 1000000) * 1000};
    nanosleep(&ts, NULL);
}

/* Redis's beforeSleep: the iteration's writes to the log (always: synced)
 * before any of its replies. */
static void fl_log_flush(void) {
    if (!fl_logbuf.len) return;
    if (write(fl_log, fl_logbuf.p, fl_logbuf.len) != (ssize_t)fl_logbuf.len ||
        (fl_sync && fdatasync(fl_log) < 0))
        fl_die("log");
    fl_logbuf.len = 0;
}

static void fl_watch(fl_conn *c, int out) {
    struct epoll_event ev = {.events = EPOLLIN | (out ? EPOLLOUT : 0), .data.ptr = c};
    if (epoll_ctl(fl_epfd, EPOLL_CTL_MOD, c->fd, &ev) < 0) fl_die("epoll_ctl");
    c->want_out = out;
}

static void fl_flush(fl_conn *c) {
    while (c->out_off < c->out.len) {
        ssize_t w = write(c->fd, c->out.p + c->out_off, c->out.len - c->out_off);
        if (w < 0 && errno == EINTR) continue;
        if (w < 0 && errno == EAGAIN) {
            if (!c->want_out) fl_watch(c, 1);
            return;
        }
        if (w < 0) {
            fl_close(c);
            return;
        }
        c->out_off += (size_t)w;
    }
    c->out.len = c->out_off = 0;
    if (c->want_out) fl_watch(c, 0);
}

/* Room for one read of FL_READ bytes after the input kept. */
static void fl_room(fl_conn *c) {
    if (c->in.cap - c->in.len < FL_READ) {
        size_t cap = c->in.cap ? c->in.cap : FL_READ;
        while (cap - c->in.len < FL_READ) cap *= 2;
        if (!(c->in.p = realloc(c->in.p, cap))) fl_die("realloc");
        c->in.cap = cap;
    }
}

static void fl_read(fl_conn *c) {
    fl_room(c);
    ssize_t r = read(c->fd, c->in.p + c->in.len, FL_READ);
    if (r < 0 && (errno == EAGAIN || errno == EINTR)) return;
    if (r <= 0 || (c->in.len += (size_t)r, fl_serve(c) < 0)) fl_close(c);
}

/* Redis's loop: epoll, one read per readable connection, one write per
 * connection with replies. */
static void fl_epoll_main(int ls) {
    int one = 1;
    if ((fl_epfd = epoll_create1(0)) < 0) fl_die("epoll_create1");
    struct epoll_event ev = {.events = EPOLLIN, .data.ptr = NULL};
    if (epoll_ctl(fl_epfd, EPOLL_CTL_ADD, ls, &ev) < 0) fl_die("epoll_ctl");

    struct epoll_event evs[FL_EVENTS];
    for (;;) {
        fl_nap();
        int n = epoll_wait(fl_epfd, evs, FL_EVENTS, -1);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) fl_die("epoll_wait");
        for (int i = 0; i < n; i++) {
            fl_conn *c = evs[i].data.ptr;
            if (!c) {
                int fd = accept4(ls, NULL, NULL, SOCK_NONBLOCK);
                if (fd < 0) continue;
                setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
                if (!(c = calloc(1, sizeof(*c)))) fl_die("calloc");
                c->fd = fd;
                fl_conns++;
                struct epoll_event cev = {.events = EPOLLIN, .data.ptr = c};
                if (epoll_ctl(fl_epfd, EPOLL_CTL_ADD, fd, &cev) < 0) fl_die("epoll_ctl");
                continue;
            }
            if (c->fd < 0) continue;
            if (evs[i].events & EPOLLOUT) fl_flush(c);
            if (c->fd >= 0 && (evs[i].events & (EPOLLIN | EPOLLHUP | EPOLLERR))) fl_read(c);
        }
        fl_log_flush(); /* the log first, then the replies */
        while (fl_pending) {
            fl_conn *c = fl_pending;
            fl_pending = c->next;
            c->queued = 0;
            if (c->fd >= 0) fl_flush(c); /* (which may close it: queued again) */
            if (c->fd < 0 && !c->queued) {
                fl_conns--;
                free(c->in.p);
                free(c->out.p);
                free(c);
            }
        }
    }
}

#ifdef SB_FLOOR_URING
/* ------------------------------------------------------------ --uring */

static struct io_uring fl_ring;
enum { FL_OP_ACCEPT = 1, FL_OP_RECV = 2, FL_OP_SEND = 3 }; /* in user_data's low bits */

static struct io_uring_sqe *fl_sqe(void) {
    struct io_uring_sqe *s = io_uring_get_sqe(&fl_ring);
    if (!s) { /* the ring is full: submit what is there */
        io_uring_submit(&fl_ring);
        s = io_uring_get_sqe(&fl_ring);
    }
    if (!s) fl_die("io_uring_get_sqe");
    return s;
}

static void fl_arm(struct io_uring_sqe *s, fl_conn *c, int op) {
    io_uring_sqe_set_data64(s, (uint64_t)(uintptr_t)c | (uint64_t)op);
}

static void fl_arm_accept(int ls) {
    struct io_uring_sqe *s = fl_sqe();
    io_uring_prep_multishot_accept(s, ls, NULL, NULL, 0);
    fl_arm(s, NULL, FL_OP_ACCEPT);
}

static void fl_arm_recv(fl_conn *c) {
    fl_room(c);
    struct io_uring_sqe *s = fl_sqe();
    io_uring_prep_recv(s, c->fd, c->in.p + c->in.len, FL_READ, 0);
    fl_arm(s, c, FL_OP_RECV);
    c->recv_armed = 1;
}

/* One send at a time per connection, from `sending`; replies made
 * meanwhile gather in `out` and are swapped in when it is done. */
static void fl_arm_send(fl_conn *c) {
    if (c->send_armed || c->fd < 0) return;
    if (c->soff == c->sending.len) {
        fl_buf t = c->sending;
        c->sending = c->out;
        c->out = t;
        c->out.len = 0;
        c->soff = 0;
        if (!c->sending.len) return;
    }
    struct io_uring_sqe *s = fl_sqe();
    io_uring_prep_send(s, c->fd, c->sending.p + c->soff, c->sending.len - c->soff, 0);
    fl_arm(s, c, FL_OP_SEND);
    c->send_armed = 1;
}

/* shutdown() ends an armed recv (with 0); the connection is freed once
 * nothing is armed and it is off the pending list. */
static void fl_uring_close(fl_conn *c) {
    if (c->fd < 0) return;
    shutdown(c->fd, SHUT_RDWR);
    close(c->fd);
    c->fd = -1;
}

static void fl_uring_reap(fl_conn *c) {
    if (c->fd < 0 && !c->recv_armed && !c->send_armed && !c->queued) {
        fl_conns--;
        free(c->in.p);
        free(c->out.p);
        free(c->sending.p);
        free(c);
    }
}

static void fl_uring_cqe(int ls, struct io_uring_cqe *cqe) {
    int op = (int)(cqe->user_data & 7);
    fl_conn *c = (fl_conn *)(uintptr_t)(cqe->user_data & ~(uint64_t)7);
    if (op == FL_OP_ACCEPT) {
        if (cqe->res >= 0) {
            int one = 1;
            setsockopt(cqe->res, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
            if (!(c = calloc(1, sizeof(*c)))) fl_die("calloc");
            c->fd = cqe->res;
            fl_conns++;
            fl_arm_recv(c);
        }
        if (!(cqe->flags & IORING_CQE_F_MORE)) fl_arm_accept(ls);
        return;
    }
    if (op == FL_OP_RECV) {
        c->recv_armed = 0;
        if (c->fd >= 0 && cqe->res > 0) {
            c->in.len += (size_t)cqe->res;
            if (fl_serve(c) < 0) fl_uring_close(c);
            else fl_arm_recv(c);
        } else if (c->fd >= 0 && (cqe->res == -EAGAIN || cqe->res == -EINTR)) {
            fl_arm_recv(c);
        } else {
            fl_uring_close(c);
        }
    } else if (op == FL_OP_SEND) {
        c->send_armed = 0;
        if (cqe->res < 0) fl_uring_close(c);
        else c->soff += (size_t)cqe->res;
        fl_arm_send(c); /* the rest, or what gathered meanwhile */
    }
    fl_uring_reap(c);
}

static void fl_uring_main(int ls) {
    struct io_uring_params p = {0};
    /* completions are run by this thread when it enters the ring, not
     * by interrupting it (kernel 6.1 and later) */
    p.flags = IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_DEFER_TASKRUN;
    int rc = io_uring_queue_init_params(4096, &fl_ring, &p);
    if (rc < 0) {
        errno = -rc;
        fl_die("io_uring_queue_init (io_uring may be disabled or filtered here)");
    }
    fl_arm_accept(ls);
    for (;;) {
        fl_nap();
        rc = io_uring_submit_and_wait(&fl_ring, 1);
        if (rc < 0 && rc != -EINTR) {
            errno = -rc;
            fl_die("io_uring_submit_and_wait");
        }
        struct io_uring_cqe *cqe;
        unsigned head, seen = 0;
        io_uring_for_each_cqe(&fl_ring, head, cqe) {
            fl_uring_cqe(ls, cqe);
            seen++;
        }
        io_uring_cq_advance(&fl_ring, seen);
        fl_log_flush(); /* the log first, then the replies */
        while (fl_pending) {
            fl_conn *c = fl_pending;
            fl_pending = c->next;
            c->queued = 0;
            fl_arm_send(c);
            fl_uring_reap(c);
        }
    }
}
#endif

int main(int argc, char **argv) {
    const char *usage = "usage: %s PORT [--log FILE [--fsync always|no]] [--sleep US] [--uring]\n";
    if (argc < 2) {
        fprintf(stderr, usage, argv[0]);
        return 2;
    }
    int port = atoi(argv[1]), uring = 0;
    for (int i = 2; i < argc; i++) {
        if (i + 1 < argc && !strcmp(argv[i], "--log")) {
            fl_log = open(argv[++i], O_WRONLY | O_CREAT | O_TRUNC | O_APPEND, 0644);
            if (fl_log < 0) fl_die(argv[i]);
        } else if (i + 1 < argc && !strcmp(argv[i], "--fsync")) {
            fl_sync = !strcmp(argv[++i], "always");
        } else if (i + 1 < argc && !strcmp(argv[i], "--sleep")) {
            fl_sleep_us = atol(argv[++i]);
            prctl(PR_SET_TIMERSLACK, 1000UL); /* (as io-coalesce: 1 us, not 50) */
        } else if (!strcmp(argv[i], "--uring")) {
            uring = 1;
        } else {
            fprintf(stderr, usage, argv[0]);
            return 2;
        }
    }
#ifndef SB_FLOOR_URING
    if (uring) {
        fprintf(stderr, "%s: built without liburing (apt-get install liburing-dev, then "
                "rebuild): --uring is not available\n", argv[0]);
        return 2;
    }
#endif
    fl_set_value(32);
    signal(SIGPIPE, SIG_IGN);

    int ls = socket(AF_INET, SOCK_STREAM | (uring ? 0 : SOCK_NONBLOCK), 0), one = 1;
    if (ls < 0) fl_die("socket");
    setsockopt(ls, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((unsigned short)port),
                             .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    if (bind(ls, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(ls, 511) < 0) fl_die("bind");
#ifdef SB_FLOOR_URING
    if (uring) fl_uring_main(ls);
#endif
    fl_epoll_main(ls);
    return 0;
}
