/* test_limits.c -- the limits that protect the server from its clients:
 * maxclients, client-output-buffer-limit (normal class),
 * client-query-buffer-limit, idle timeout, and many connections at once.
 * Each limit closes the offending connection and nothing else, and the
 * server's memory stays bounded while it does.
 */
#include "harness.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static char rbuf[1 << 20];

/* Under AddressSanitizer freed memory is quarantined, not returned: only
 * the peak can be checked then. */
#if defined(__SANITIZE_ADDRESS__)
#define SANITIZED 1
#else
#define SANITIZED 0
#endif

/* A raw connection with a small receive buffer (set before connect, so
 * the window stays small): the kernel absorbs little of what the server
 * sends to a client that does not read. */
static int connect_small_rcvbuf(sb_server *s) {
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    int sz = 4096;
    setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &sz, sizeof(sz));
    struct sockaddr_in a = {0};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    a.sin_port = htons((uint16_t)s->port);
    if (connect(fd, (struct sockaddr *)&a, sizeof(a)) != 0) {
        perror("connect");
        exit(2);
    }
    return fd;
}

/* Read and discard until the peer closes (1) or timeout (0). *total gets
 * the bytes read. */
static int drain_until_closed(int fd, double timeout_s, size_t *total) {
    double deadline = clock_s() + timeout_s;
    *total = 0;
    while (clock_s() < deadline) {
        struct pollfd p = {fd, POLLIN, 0};
        if (poll(&p, 1, 100) <= 0) continue;
        ssize_t n = recv(fd, rbuf, sizeof(rbuf), 0);
        if (n == 0) return 1;
        if (n < 0) {
            if (errno == EINTR || errno == EAGAIN) continue;
            return 1;   /* ECONNRESET: closed too */
        }
        *total += (size_t)n;
    }
    return 0;
}

static long long info_int(redisContext *c, const char *section, const char *field) {
    redisReply *r = cmd(c, "INFO %s", section);
    long long v = -1;
    if (r && r->type == REDIS_REPLY_STRING) {
        char key[128];
        snprintf(key, sizeof(key), "\r\n%s:", field);
        const char *p = strstr(r->str, key);
        if (p) v = atoll(p + strlen(key));
    }
    if (r) freeReplyObject(r);
    return v;
}

/* Wait until the server counts exactly n connected clients. */
static int wait_clients(redisContext *c, long long n) {
    double deadline = clock_s() + 5;
    while (clock_s() < deadline) {
        if (info_int(c, "clients", "connected_clients") == n) return 1;
        usleep(20000);
    }
    return 0;
}

/* ----------------------------------------------------------- maxclients */

static void test_maxclients(void) {
    sb_server *s = srv_start("--maxclients", "10", "--appendonly", "no", NULL);
    redisContext *cs[10];
    cs[0] = srv_connect(s);
    CHECK(wait_clients(cs[0], 1));  /* the harness's start-up probe is gone */
    for (int i = 1; i < 10; i++) {
        cs[i] = srv_connect(s);
        CHECK_STATUS(cmd(cs[i], "PING"), "PONG");
    }
    CHECK_EQ_INT(info_int(cs[0], "clients", "connected_clients"), 10);
    CHECK_EQ_INT(info_int(cs[0], "clients", "maxclients"), 10);
    /* the 11th: Redis's error, then closed */
    for (int k = 0; k < 3; k++) {
        int fd = raw_connect(s);
        int cl;
        raw_send(fd, "PING\r\n", 6);
        size_t n = raw_read(fd, rbuf, sizeof(rbuf), 64, 3000, &cl);
        CHECK(n == 36 && !memcmp(rbuf, "-ERR max number of clients reached\r\n", 36));
        if (!cl) raw_read(fd, rbuf, sizeof(rbuf), 1, 3000, &cl);
        CHECK(cl);
        close(fd);
    }
    /* hiredis sees the same error */
    redisContext *x = redisConnect("127.0.0.1", s->port);
    CHECK(x && !x->err);
    if (x && !x->err) CHECK_ERROR(cmd(x, "PING"), "ERR max number of clients reached");
    if (x) redisFree(x);
    /* the existing clients still work */
    for (int i = 0; i < 10; i++) CHECK_STATUS(cmd(cs[i], "PING"), "PONG");
    CHECK_STATUS(cmd(cs[3], "SET k v"), "OK");
    CHECK_BULK(cmd(cs[7], "GET k"), "v");
    CHECK_EQ_INT(info_int(cs[0], "stats", "rejected_connections"), 4);
    /* a slot frees up when a client leaves */
    redisFree(cs[9]);
    CHECK(wait_clients(cs[0], 9));
    cs[9] = srv_connect(s);
    CHECK_STATUS(cmd(cs[9], "PING"), "PONG");
    /* raising maxclients at run time lets more in */
    CHECK_STATUS(cmd(cs[0], "CONFIG SET maxclients 11"), "OK");
    x = srv_connect(s);
    CHECK_STATUS(cmd(x, "PING"), "PONG");
    redisFree(x);
    for (int i = 0; i < 10; i++) redisFree(cs[i]);
    CHECK(srv_alive(s));
    srv_stop(s);
}

/* ------------------------------------------------ output buffer limit */

static void fill_values(redisContext *c, int nkeys, size_t size) {
    char *val = malloc(size);
    memset(val, 'v', size);
    for (int i = 0; i < nkeys; i++)
        redisAppendCommand(c, "SET big:%d %b", i, val, size);
    for (int i = 0; i < nkeys; i++) {
        redisReply *r;
        if (redisGetReply(c, (void **)&r) != REDIS_OK) { tu_failures++; break; }
        freeReplyObject(r);
    }
    free(val);
}

/* Send req on a small-window socket and never read: the server must
 * disconnect it, keep serving `other`, and not balloon. */
static void flood_unread(sb_server *s, redisContext *other, const char *req, size_t len,
                         const char *what, long base_kb) {
    /* (counted before sending: the server may cut it off at once) */
    long long disc = 0, before = info_int(other, "stats", "client_output_buffer_limit_disconnections");
    int fd = connect_small_rcvbuf(s);
    raw_send(fd, req, len);
    long peak = 0;
    double t0 = clock_s();
    while (clock_s() - t0 < 10) {
        long r = srv_rss_kb(s);
        if (r > peak) peak = r;
        disc = info_int(other, "stats", "client_output_buffer_limit_disconnections");
        if (disc > before) break;
        usleep(5000);
    }
    CHECK_EQ_INT(disc, before + 1);
    /* meanwhile and afterwards, the other client is served */
    CHECK_STATUS(cmd(other, "PING"), "PONG");
    redisReply *r = cmd(other, "STRLEN big:1");
    CHECK(r && r->type == REDIS_REPLY_INTEGER && r->integer == 100000);
    if (r) freeReplyObject(r);
    /* the flooder's connection is closed: it gets at most what the kernel
     * buffered, never the whole reply */
    size_t got;
    CHECK(drain_until_closed(fd, 5, &got));
    close(fd);
    long after = srv_rss_kb(s);
    fprintf(stderr, "%s: rss base %ld kB, peak %ld kB, after %ld kB, flooder got %zu bytes\n",
            what, base_kb, peak, after, got);
    CHECK(got < 16u * 1024 * 1024);
    CHECK(peak - base_kb < 160 * 1024);
    CHECK(SANITIZED || after - base_kb < 40 * 1024);
}

static void test_output_limit(void) {
    sb_server *s = srv_start("--client-output-buffer-limit", "normal 1mb 512kb 1",
                             "--appendonly", "no", NULL);
    redisContext *c = srv_connect(s);
    fill_values(c, 200, 100000);
    long base = srv_rss_kb(s);
    CHECK_EQ_INT(info_int(c, "stats", "client_output_buffer_limit_disconnections"), 0);

    /* one huge reply: MGET of 200 x 100 kB */
    char req[8192];
    size_t n = (size_t)snprintf(req, sizeof(req), "*201\r\n$4\r\nMGET\r\n");
    for (int i = 0; i < 200; i++) {
        char k[16];
        int kl = snprintf(k, sizeof(k), "big:%d", i);
        n += (size_t)snprintf(req + n, sizeof(req) - n, "$%d\r\n%s\r\n", kl, k);
    }
    flood_unread(s, c, req, n, "MGET 20 MB", base);

    /* many big replies: 20000 pipelined GETs (2 GB of replies) */
    size_t cap = 20000 * 40, len = 0;
    char *pipe = malloc(cap);
    for (int i = 0; i < 20000; i++)
        len += (size_t)snprintf(pipe + len, cap - len, "GET big:%d\r\n", i % 200);
    flood_unread(s, c, pipe, len, "20000 GETs", base);
    free(pipe);

    /* a client that reads each reply before asking for the next is fine,
     * however much it reads in total */
    redisContext *reader = srv_connect(s);
    for (int i = 0; i < 200; i++) {
        redisReply *r = cmd(reader, "GET big:%d", i);
        CHECK(r && r->type == REDIS_REPLY_STRING && r->len == 100000);
        if (r) freeReplyObject(r);
    }
    CHECK_EQ_INT(info_int(c, "stats", "client_output_buffer_limit_disconnections"), 2);
    /* turning the limit off at run time: the same MGET is then answered
     * in full even to a client that reads late */
    CHECK_STATUS(cmd(c, "CONFIG SET client-output-buffer-limit %s", "normal 0 0 0"), "OK");
    int fd = connect_small_rcvbuf(s);
    raw_send(fd, req, n);
    usleep(500000);
    size_t want = 0;
    want += (size_t)snprintf(NULL, 0, "*200\r\n") + 200 * (size_t)snprintf(NULL, 0, "$100000\r\n\r\n") + 200 * 100000;
    size_t got = 0;
    int cl = 0;
    while (got < want && !cl) {
        size_t m = raw_read(fd, rbuf, sizeof(rbuf), sizeof(rbuf) - 1, 3000, &cl);
        if (!m) break;
        got += m;
    }
    CHECK_EQ_INT(got, want);
    CHECK(!cl);
    close(fd);
    redisFree(reader);
    redisFree(c);
    CHECK(srv_alive(s));
    srv_stop(s);
}

/* ------------------------------------------------- query buffer limit */

static void test_query_limit(void) {
    sb_server *s = srv_start("--client-query-buffer-limit", "1mb", "--appendonly", "no", NULL);
    redisContext *c = srv_connect(s);
    long base = srv_rss_kb(s);
    /* a 2 MB bulk, sent in part: closed once more than 1 MB is pending */
    int fd = raw_connect(s);
    const char *hdr = "*3\r\n$3\r\nSET\r\n$4\r\nqbuf\r\n$2000000\r\n";
    raw_send(fd, hdr, strlen(hdr));
    char *chunk = malloc(1500000);
    memset(chunk, 'q', 1500000);
    raw_send(fd, chunk, 1500000);
    size_t got;
    CHECK(drain_until_closed(fd, 5, &got));
    CHECK_EQ_INT(got, 0);  /* no reply, just closed (like Redis) */
    close(fd);
    CHECK_EQ_INT(info_int(c, "stats", "client_query_buffer_limit_disconnections"), 1);
    CHECK_INT(cmd(c, "EXISTS qbuf"), 0);
    /* under the limit is fine, even in pieces */
    fd = raw_connect(s);
    hdr = "*3\r\n$3\r\nSET\r\n$4\r\nqbuf\r\n$900000\r\n";
    raw_send(fd, hdr, strlen(hdr));
    for (int i = 0; i < 9; i++) {
        raw_send(fd, chunk, 100000);
        usleep(10000);
    }
    raw_send(fd, "\r\n", 2);
    int cl;
    size_t n = raw_read(fd, rbuf, sizeof(rbuf), 5, 3000, &cl);
    CHECK(n == 5 && !memcmp(rbuf, "+OK\r\n", 5));
    /* a partial bulk under the limit keeps the connection open */
    raw_send(fd, hdr, strlen(hdr));
    raw_send(fd, chunk, 800000);
    n = raw_read(fd, rbuf, sizeof(rbuf), 1, 1000, &cl);
    CHECK(n == 0 && !cl);
    close(fd);
    redisReply *r = cmd(c, "STRLEN qbuf");
    CHECK(r && r->type == REDIS_REPLY_INTEGER && r->integer == 900000);
    if (r) freeReplyObject(r);
    /* many complete pipelined commands are not a "query buffer" problem */
    size_t cap = 3 * 1024 * 1024, len = 0;
    char *pipe = malloc(cap);
    while (len + 64 < cap) len += (size_t)snprintf(pipe + len, cap - len, "INCR ctr\r\n");
    long long ncmds = (long long)(len / 10);
    fd = raw_connect(s);
    raw_send(fd, pipe, len);   /* the server answers while we send */
    size_t want = 0;
    for (long long i = 1; i <= ncmds; i++) want += (size_t)snprintf(NULL, 0, ":%lld\r\n", i);
    /* every reply, however long the server stalls in between (up to 10 s);
     * then 100 ms more, in which nothing more may come */
    size_t tot = 0;
    cl = 0;
    double deadline = clock_s() + 10;
    while (!cl && tot < want && clock_s() < deadline)
        tot += raw_read(fd, rbuf, sizeof(rbuf), sizeof(rbuf) - 1, 500, &cl);
    if (!cl) tot += raw_read(fd, rbuf, sizeof(rbuf), 1, 100, &cl);
    CHECK(!cl);
    CHECK_EQ_INT(tot, want);
    close(fd);
    r = cmd(c, "GET ctr");
    CHECK(r && r->type == REDIS_REPLY_STRING && atoll(r->str) == ncmds);
    if (r) freeReplyObject(r);
    free(pipe);
    free(chunk);
    /* memory came back */
    CHECK(SANITIZED || srv_rss_kb(s) - base < 40 * 1024);
    CHECK_EQ_INT(info_int(c, "stats", "client_query_buffer_limit_disconnections"), 1);
    redisFree(c);
    srv_stop(s);
}

/* --------------------------------------------------------- idle timeout */

static void test_timeout(void) {
    sb_server *s = srv_start("--timeout", "1", "--appendonly", "no", NULL);
    int idle = raw_connect(s);
    redisContext *active = srv_connect(s);
    int cl;
    raw_send(idle, "PING\r\n", 6);
    size_t n = raw_read(idle, rbuf, sizeof(rbuf), 7, 2000, &cl);
    CHECK(n == 7 && !memcmp(rbuf, "+PONG\r\n", 7));
    double t0 = clock_s(), closed_at = 0;
    while (clock_s() - t0 < 4) {
        CHECK_STATUS(cmd(active, "PING"), "PONG");
        struct pollfd p = {idle, POLLIN, 0};
        if (!closed_at && poll(&p, 1, 250) > 0) {
            n = raw_read(idle, rbuf, sizeof(rbuf), 1, 100, &cl);
            CHECK_EQ_INT(n, 0);   /* closed without a message */
            if (cl) closed_at = clock_s() - t0;
        } else if (closed_at) {
            usleep(250000);
        }
    }
    fprintf(stderr, "idle client closed after %.2f s\n", closed_at);
    CHECK(closed_at >= 0.9 && closed_at <= 3.2);
    /* the active client was never closed */
    CHECK_STATUS(cmd(active, "PING"), "PONG");
    /* timeout 0 disables it */
    CHECK_STATUS(cmd(active, "CONFIG SET timeout 0"), "OK");
    int idle2 = raw_connect(s);
    n = raw_read(idle2, rbuf, sizeof(rbuf), 1, 2500, &cl);
    CHECK(n == 0 && !cl);
    raw_send(idle2, "PING\r\n", 6);
    n = raw_read(idle2, rbuf, sizeof(rbuf), 7, 2000, &cl);
    CHECK(n == 7 && !memcmp(rbuf, "+PONG\r\n", 7));
    close(idle2);
    close(idle);
    redisFree(active);
    srv_stop(s);
}

/* ---------------------------------------------------- many connections */

static void test_many(void) {
    enum { N = 500 };
    struct rlimit rl;
    getrlimit(RLIMIT_NOFILE, &rl);
    if (rl.rlim_cur < N + 64 && rl.rlim_max >= N + 64) {
        rl.rlim_cur = N + 64;
        setrlimit(RLIMIT_NOFILE, &rl);
    }
    sb_server *s = srv_start("--appendonly", "no", NULL);
    int fds[N];
    for (int i = 0; i < N; i++) {
        fds[i] = raw_connect(s);
        if (fds[i] < 0) { tu_failures++; fprintf(stderr, "connect %d failed\n", i); return; }
    }
    /* every connection sends at once, then all read */
    for (int i = 0; i < N; i++) {
        char req[96];
        int n = snprintf(req, sizeof(req), "SET conn:%d %d\r\nINCR total\r\nGET conn:%d\r\n", i, i * 3, i);
        raw_send(fds[i], req, (size_t)n);
    }
    int ok = 0;
    static char seen[N + 1];
    for (int i = 0; i < N; i++) {
        /* +OK, :k (k is this connection's turn), $len value: 4 CRLFs */
        size_t n = 0;
        int cl = 0, crlf = 0;
        while (crlf < 4 && !cl) {
            size_t m = raw_read(fds[i], rbuf + n, sizeof(rbuf) - n, 1, 5000, &cl);
            if (!m) break;
            for (size_t j = n ? n - 1 : 0; j + 1 < n + m; j++)
                crlf += rbuf[j] == '\r' && rbuf[j + 1] == '\n';
            n += m;
        }
        char val[32], tail[64];
        snprintf(val, sizeof(val), "%d", i * 3);
        snprintf(tail, sizeof(tail), "\r\n$%zu\r\n%s\r\n", strlen(val), val);
        long k = n > 6 ? atol(rbuf + 6) : 0;
        if (n > strlen(tail) && !strncmp(rbuf, "+OK\r\n:", 6) &&
            !strcmp(rbuf + n - strlen(tail), tail) && k >= 1 && k <= N && !seen[k]) {
            seen[k] = 1;
            ok++;
        } else {
            fprintf(stderr, "conn %d got \"%.*s\"\n", i, (int)n, rbuf);
        }
    }
    CHECK_EQ_INT(ok, N);
    redisContext *c = srv_connect(s);
    CHECK_BULK(cmd(c, "GET total"), "500");
    CHECK_EQ_INT(info_int(c, "clients", "connected_clients"), N + 1);
    for (int i = 0; i < N; i++) close(fds[i]);
    CHECK(wait_clients(c, 1));
    redisFree(c);
    srv_stop(s);
}

int main(void) {
    test_maxclients();
    test_output_limit();
    test_query_limit();
    test_timeout();
    test_many();
    TU_DONE();
}
