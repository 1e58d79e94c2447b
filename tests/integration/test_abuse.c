/* test_abuse.c -- hostile clients (issue 6's list) against a real server:
 * each time the server survives, its memory stays bounded (RSS), and a
 * well-behaved client keeps being served while it happens.
 *
 *   conns      5,000 connections at once (maxclients honoured above it)
 *   slowloris  hundreds of connections trickling a command a byte at a
 *              time; those that go quiet are closed by `timeout`
 *   bigbulk    a declared 2 GB bulk string (allowed by proto-max-bulk-len)
 *              fed slowly: nothing is allocated for what has not arrived,
 *              and client-query-buffer-limit ends it
 *   bigarray   a declared 10M-element array, and a 1 MB inline line
 *   mget       a client that never reads the replies to a huge MGET: the
 *              output buffer limit disconnects it
 * (The protocol errors themselves are checked in test_protocol, the limits
 * one by one in test_limits; Lua abuse in test_script.)
 */
#include "harness.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define EXPECT(cond, ...) do { if (!(cond)) { fprintf(stderr, "%s:%d: ", __FILE__, __LINE__); \
    fprintf(stderr, __VA_ARGS__); fputc('\n', stderr); tu_failures++; } } while (0)

/* Sanitizer builds run several times slower. */
#if defined(__SANITIZE_ADDRESS__)
#define SLOW 4.0
#define MEM 3 /* freed memory sits in the sanitizer's quarantine */
#else
#define SLOW 1.0
#define MEM 1
#endif

/* A well-behaved client is served promptly (one PING within 2 s on this
 * shared 2-core machine). */
static void check_served(redisContext *c, const char *during) {
    double t0 = clock_s();
    redisReply *r = cmd(c, "PING");
    double dt = clock_s() - t0;
    EXPECT(r && r->type == REDIS_REPLY_STATUS && !strcmp(r->str, "PONG") && dt < 2.0 * SLOW,
           "PING during %s: %s after %.2f s", during, reply_str(r), dt);
    if (r) freeReplyObject(r);
}

static long connected(redisContext *c) {
    redisReply *r = cmd(c, "INFO clients");
    const char *p = r && r->type == REDIS_REPLY_STRING ? strstr(r->str, "connected_clients:") : NULL;
    long n = p ? atol(p + 18) : -1;
    if (r) freeReplyObject(r);
    return n;
}

static int wait_connected(redisContext *c, long want, double secs) {
    double end = clock_s() + secs;
    while (clock_s() < end) {
        if (connected(c) == want) return 1;
        usleep(50 * 1000);
    }
    return 0;
}

static void raise_fd_limit(rlim_t want) {
    struct rlimit rl;
    getrlimit(RLIMIT_NOFILE, &rl);
    if (rl.rlim_cur < want) {
        rl.rlim_cur = want < rl.rlim_max ? want : rl.rlim_max;
        setrlimit(RLIMIT_NOFILE, &rl);
    }
}

/* ---------------------------------------------------------------- conns */

static void test_conns(void) {
    enum { N = 5000 };
    raise_fd_limit(N + 256); /* the server inherits it */
    struct rlimit rl;
    getrlimit(RLIMIT_NOFILE, &rl);
    if (rl.rlim_cur < N + 128) {
        fprintf(stderr, "conns: skipped, only %llu file descriptors\n",
                (unsigned long long)rl.rlim_cur);
        return;
    }
    sb_server *s = srv_start("--appendonly", "no", "--maxclients", "5001", NULL);
    redisContext *c = srv_connect(s);
    long rss0 = srv_rss_kb(s);
    static int fds[N + 1];
    int opened = 0;
    for (int i = 0; i < N; i++) {
        fds[i] = raw_connect(s);
        if (fds[i] < 0) break;
        opened++;
        raw_send(fds[i], "PING\r\n", 6);
        if (i % 1000 == 0) check_served(c, "5,000 connections");
    }
    EXPECT(opened == N, "opened %d of %d connections", opened, N);
    /* every one of them is served */
    int pong = 0;
    static char buf[64];
    for (int i = 0; i < opened; i++) {
        int cl = 0;
        size_t n = raw_read(fds[i], buf, sizeof(buf), 7, 5000, &cl);
        pong += n == 7 && !memcmp(buf, "+PONG\r\n", 7);
    }
    EXPECT(pong == opened, "%d of %d connections got PONG", pong, opened);
    check_served(c, "5,000 connections");
    /* one more than maxclients is refused, the others stay */
    int extra = raw_connect(s);
    int cl = 0;
    size_t n = raw_read(extra, buf, sizeof(buf), 36, 3000, &cl);
    EXPECT(n >= 36 && !memcmp(buf, "-ERR max number of clients reached", 34),
           "connection over maxclients: '%.*s'", (int)n, buf);
    close(extra);
    long rss = srv_rss_kb(s);
    EXPECT(rss - rss0 < 200 * 1024 * MEM, "RSS grew by %ld KB for 5,000 connections", rss - rss0);
    for (int i = 0; i < opened; i++) close(fds[i]);
    EXPECT(wait_connected(c, 1, 10), "connections not released: %ld left", connected(c));
    redisFree(c);
    srv_stop(s);
}

/* ------------------------------------------------------------ slowloris */

static void test_slowloris(void) {
    enum { N = 300 };
    raise_fd_limit(N + 256);
    sb_server *s = srv_start("--appendonly", "no", "--timeout", "2", NULL);
    redisContext *c = srv_connect(s);
    long rss0 = srv_rss_kb(s);
    static int fds[N];
    const char req[] = "*3\r\n$3\r\nSET\r\n$4\r\nslow\r\n$4\r\nloris\r\n";
    for (int i = 0; i < N; i++) fds[i] = raw_connect(s);
    /* half of them trickle a byte every 100 ms for 2.5 s, the other half
     * send a few bytes and go quiet */
    for (int i = N / 2; i < N; i++) raw_send(fds[i], req, 5);
    size_t sent = 0;
    double t0 = clock_s();
    while (clock_s() - t0 < 2.5 && sent < sizeof(req) - 1) {
        for (int i = 0; i < N / 2; i++) raw_send(fds[i], req + sent, 1);
        sent++;
        check_served(c, "slowloris");
        usleep(100 * 1000);
    }
    long rss = srv_rss_kb(s);
    EXPECT(rss - rss0 < 64 * 1024 * MEM, "RSS grew by %ld KB with %d slow clients", rss - rss0, N);
    /* the quiet half is gone after the timeout; the trickling half is not idle */
    EXPECT(wait_connected(c, N / 2 + 1, 6), "after the timeout: %ld connected, want %d",
           connected(c), N / 2 + 1);
    for (int i = 0; i < N; i++) close(fds[i]);
    check_served(c, "slowloris");
    redisFree(c);
    srv_stop(s);
}

/* -------------------------------------------------------------- bigbulk */

static void test_bigbulk(void) {
    sb_server *s = srv_start("--appendonly", "no", "--proto-max-bulk-len", "4000mb",
                             "--client-query-buffer-limit", "64mb", NULL);
    redisContext *c = srv_connect(s);
    long rss0 = srv_rss_kb(s);
    int fd = raw_connect(s);
    raw_send(fd, "*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$2000000000\r\n", 34);
    usleep(300 * 1000);
    long rss1 = srv_rss_kb(s);
    EXPECT(rss1 - rss0 < 16 * 1024 * MEM, "a declared 2 GB bulk grew RSS by %ld KB before any data",
           rss1 - rss0);
    check_served(c, "a declared 2 GB bulk");
    /* feed it: the query buffer limit ends it long before 2 GB */
    static char chunk[1 << 20];
    memset(chunk, 'x', sizeof(chunk));
    int closed = 0;
    for (int i = 0; i < 200 && !closed; i++) {
        ssize_t w = send(fd, chunk, sizeof(chunk), MSG_NOSIGNAL);
        if (w < 0) closed = 1;
        if (i % 20 == 0) check_served(c, "feeding a 2 GB bulk");
    }
    EXPECT(closed, "a 2 GB bulk was still accepted after 200 MB (query buffer limit 64mb)");
    long rss = srv_rss_kb(s);
    EXPECT(rss - rss0 < 200 * 1024 * MEM, "RSS grew by %ld KB for a 2 GB bulk", rss - rss0);
    CHECK_NIL(cmd(c, "GET k"));
    close(fd);
    redisFree(c);
    srv_stop(s);
}

/* ------------------------------------------------------------- bigarray */

static void test_bigarray(void) {
    sb_server *s = srv_start("--appendonly", "no", NULL);
    redisContext *c = srv_connect(s);
    long rss0 = srv_rss_kb(s);
    int fd = raw_connect(s);
    raw_send(fd, "*10000000\r\n$3\r\nGET\r\n", 20);
    usleep(300 * 1000);
    check_served(c, "a declared 10M-element array");
    long rss = srv_rss_kb(s);
    EXPECT(rss - rss0 < 16 * 1024 * MEM, "a declared 10M array grew RSS by %ld KB", rss - rss0);
    close(fd);
    /* a 1 MB inline line is refused, not buffered */
    fd = raw_connect(s);
    static char line[1 << 20];
    memset(line, 'a', sizeof(line));
    ssize_t w = send(fd, line, sizeof(line), MSG_NOSIGNAL);
    (void)w;
    static char buf[128];
    int cl = 0;
    size_t n = raw_read(fd, buf, sizeof(buf), 45, 5000, &cl);
    EXPECT(n >= 45 && !memcmp(buf, "-ERR Protocol error: too big inline request\r\n", 45),
           "1 MB inline line: '%.*s'", (int)n, buf);
    close(fd);
    check_served(c, "a 1 MB inline line");
    redisFree(c);
    srv_stop(s);
}

/* ----------------------------------------------------------------- mget */

static void test_mget(void) {
    sb_server *s = srv_start("--appendonly", "no", "--client-output-buffer-limit",
                             "normal 32mb 16mb 5", NULL);
    redisContext *c = srv_connect(s);
    static char val[64 * 1024];
    memset(val, 'm', sizeof(val));
    for (int i = 0; i < 100; i++) CHECK_STATUS(cmd(c, "SET m%d %b", i, val, sizeof(val)), "OK");
    long rss0 = srv_rss_kb(s);
    /* MGET of the 100 keys, 1,000 times over, never read: 6.4 GB of replies */
    int fd = raw_connect(s);
    char req[1400];
    int n = snprintf(req, sizeof(req), "*101\r\n$4\r\nMGET\r\n");
    for (int i = 0; i < 100; i++)
        n += snprintf(req + n, sizeof(req) - (size_t)n, "$%d\r\nm%d\r\n", i < 10 ? 2 : 3, i);
    int closed = 0;
    for (int rep = 0; rep < 1000 && !closed; rep++)
        if (send(fd, req, (size_t)n, MSG_NOSIGNAL) < 0) closed = 1;
    double t0 = clock_s();
    while (!closed && clock_s() - t0 < 10) {
        struct pollfd p = {fd, POLLOUT, 0};
        poll(&p, 1, 100);
        if (p.revents & (POLLERR | POLLHUP)) closed = 1;
        else if (send(fd, "PING\r\n", 6, MSG_NOSIGNAL | MSG_DONTWAIT) < 0 && errno != EAGAIN)
            closed = 1;
        check_served(c, "a client that never reads");
    }
    EXPECT(closed, "the client that never reads was not disconnected");
    long rss = srv_rss_kb(s);
    EXPECT(rss - rss0 < 160 * 1024 * MEM, "RSS grew by %ld KB for a non-reading client", rss - rss0);
    close(fd);
    check_served(c, "after the non-reading client");
    redisFree(c);
    srv_stop(s);
}

int main(int argc, char **argv) {
    static const struct { const char *name; void (*fn)(void); } t[] = {
        {"conns", test_conns}, {"slowloris", test_slowloris}, {"bigbulk", test_bigbulk},
        {"bigarray", test_bigarray}, {"mget", test_mget}};
    for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
        if (argc > 1 && strcmp(argv[1], t[i].name)) continue;
        printf("== %s\n", t[i].name);
        fflush(stdout);
        t[i].fn();
    }
    TU_DONE();
}
