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
 * Replies: GET a bulk as long as the last SET's value (32 bytes before any
 * SET: the suite's load sets the size); PING +PONG; CONFIG GET p -> [p, ""];
 * INCR and its kin, FCALL, EVALSHA :1; anything else +OK. Requests must be
 * RESP arrays (redis-benchmark's); anything else closes the connection.
 *
 *     sb-bench-floor PORT [--log FILE [--fsync always|no]]
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
#include <sys/socket.h>
#include <unistd.h>

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

static void fl_read(fl_conn *c) {
    if (c->in.cap - c->in.len < FL_READ) {
        size_t cap = c->in.cap ? c->in.cap : FL_READ;
        while (cap - c->in.len < FL_READ) cap *= 2;
        if (!(c->in.p = realloc(c->in.p, cap))) fl_die("realloc");
        c->in.cap = cap;
    }
    ssize_t r = read(c->fd, c->in.p + c->in.len, FL_READ);
    if (r < 0 && (errno == EAGAIN || errno == EINTR)) return;
    if (r <= 0 || (c->in.len += (size_t)r, fl_serve(c) < 0)) fl_close(c);
}

int main(int argc, char **argv) {
    if (argc < 2) {
        fprintf(stderr, "usage: %s PORT [--log FILE [--fsync always|no]]\n", argv[0]);
        return 2;
    }
    int port = atoi(argv[1]);
    for (int i = 2; i < argc; i += 2) {
        if (i + 1 < argc && !strcmp(argv[i], "--log")) {
            fl_log = open(argv[i + 1], O_WRONLY | O_CREAT | O_TRUNC | O_APPEND, 0644);
            if (fl_log < 0) fl_die(argv[i + 1]);
        } else if (i + 1 < argc && !strcmp(argv[i], "--fsync")) {
            fl_sync = !strcmp(argv[i + 1], "always");
        } else {
            fprintf(stderr, "%s: unknown option %s\n", argv[0], argv[i]);
            return 2;
        }
    }
    fl_set_value(32);
    signal(SIGPIPE, SIG_IGN);

    int ls = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0), one = 1;
    if (ls < 0) fl_die("socket");
    setsockopt(ls, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((unsigned short)port),
                             .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    if (bind(ls, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(ls, 511) < 0) fl_die("bind");
    if ((fl_epfd = epoll_create1(0)) < 0) fl_die("epoll_create1");
    struct epoll_event ev = {.events = EPOLLIN, .data.ptr = NULL};
    if (epoll_ctl(fl_epfd, EPOLL_CTL_ADD, ls, &ev) < 0) fl_die("epoll_ctl");

    struct epoll_event evs[FL_EVENTS];
    for (;;) {
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
                struct epoll_event cev = {.events = EPOLLIN, .data.ptr = c};
                if (epoll_ctl(fl_epfd, EPOLL_CTL_ADD, fd, &cev) < 0) fl_die("epoll_ctl");
                continue;
            }
            if (c->fd < 0) continue;
            if (evs[i].events & EPOLLOUT) fl_flush(c);
            if (c->fd >= 0 && (evs[i].events & (EPOLLIN | EPOLLHUP | EPOLLERR))) fl_read(c);
        }
        /* Redis's beforeSleep: the log first (always), then the replies */
        if (fl_logbuf.len) {
            if (write(fl_log, fl_logbuf.p, fl_logbuf.len) != (ssize_t)fl_logbuf.len ||
                (fl_sync && fdatasync(fl_log) < 0))
                fl_die("log");
            fl_logbuf.len = 0;
        }
        while (fl_pending) {
            fl_conn *c = fl_pending;
            fl_pending = c->next;
            c->queued = 0;
            if (c->fd >= 0) fl_flush(c); /* (which may close it: queued again) */
            if (c->fd < 0 && !c->queued) {
                free(c->in.p);
                free(c->out.p);
                free(c);
            }
        }
    }
}
