/* test_protocol.c -- the wire protocol over raw sockets, byte for byte:
 * inline commands, RESP2 protocol errors (Redis's exact text, then the
 * connection is closed), no allocation for declared sizes, pipelining,
 * one byte per write, per-connection reply order, HELLO / RESP3.
 *
 * Expected bytes were taken from redis-server 7.0.15 for the same input.
 */
#include "harness.h"

#include <errno.h>
#include <poll.h>
#include <stdarg.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define BIG (8u * 1024 * 1024)
static char rbuf[BIG];

/* Printable form of bytes for failure messages. */
static const char *esc(const char *p, size_t n) {
    static char out[4][1200];
    static int k;
    char *o = out[k++ % 4];
    size_t j = 0;
    for (size_t i = 0; i < n && j < sizeof(out[0]) - 8; i++) {
        unsigned char c = (unsigned char)p[i];
        if (c == '\r') { o[j++] = '\\'; o[j++] = 'r'; }
        else if (c == '\n') { o[j++] = '\\'; o[j++] = 'n'; }
        else if (c < 32 || c > 126) j += (size_t)sprintf(o + j, "\\x%02x", c);
        else o[j++] = (char)c;
    }
    if (j >= sizeof(out[0]) - 8) { memcpy(o + j, "...", 3); j += 3; }
    o[j] = 0;
    return o;
}

/* Send `req` on fd, expect exactly `want` back; if `closed` the server
 * must then close the connection, otherwise it must stay open. */
static void expect_at(int line, int fd, const char *req, size_t reqlen,
                      const char *want, int closed) {
    size_t wl = strlen(want);
    int cl = 0;
    if (reqlen) raw_send(fd, req, reqlen);
    size_t n = raw_read(fd, rbuf, sizeof(rbuf), wl, 5000, &cl);
    if (n != wl || memcmp(rbuf, want, wl) != 0) {
        fprintf(stderr, "test_protocol.c:%d: sent \"%s\"\n  expected \"%s\"\n  got      \"%s\"\n",
                line, esc(req, reqlen), esc(want, wl), esc(rbuf, n));
        tu_failures++;
        return;
    }
    /* nothing more may arrive; and the connection is closed or not */
    size_t more = raw_read(fd, rbuf, sizeof(rbuf), 1, closed ? 3000 : 30, &cl);
    if (more) {
        fprintf(stderr, "test_protocol.c:%d: unexpected extra bytes \"%s\"\n", line,
                esc(rbuf, more));
        tu_failures++;
    }
    if (cl != closed) {
        fprintf(stderr, "test_protocol.c:%d: connection %s, expected it %s\n", line,
                cl ? "closed" : "still open", closed ? "closed" : "open");
        tu_failures++;
    }
}
#define EXPECT(fd, req, want) expect_at(__LINE__, fd, req, strlen(req), want, 0)
#define EXPECT_CLOSE(fd, req, want) expect_at(__LINE__, fd, req, strlen(req), want, 1)
#define EXPECTN(fd, req, n, want, cl) expect_at(__LINE__, fd, req, n, want, cl)

/* A fresh connection, one exchange that must end with the server closing. */
static void fresh_close_at(int line, sb_server *s, const char *req, size_t n, const char *want) {
    int fd = raw_connect(s);
    expect_at(line, fd, req, n, want, 1);
    close(fd);
}
#define FRESH_CLOSE(s, req, want) fresh_close_at(__LINE__, s, req, strlen(req), want)

/* Send everything while reading, so neither side can block the other.
 * Returns the bytes received (until `want` arrived, close or timeout). */
static size_t xfer(int fd, const char *out, size_t outlen, char *in, size_t want,
                   int timeout_ms) {
    size_t sent = 0, got = 0;
    double deadline = clock_s() + timeout_ms / 1000.0;
    while (got < want && clock_s() < deadline) {
        struct pollfd p = {fd, POLLIN | (sent < outlen ? POLLOUT : 0), 0};
        if (poll(&p, 1, 100) <= 0) continue;
        if ((p.revents & POLLOUT) && sent < outlen) {
            ssize_t w = send(fd, out + sent, outlen - sent, MSG_NOSIGNAL | MSG_DONTWAIT);
            if (w > 0) sent += (size_t)w;
        }
        if (p.revents & (POLLIN | POLLHUP | POLLERR)) {
            ssize_t r = recv(fd, in + got, want - got, MSG_DONTWAIT);
            if (r == 0) break;
            if (r > 0) got += (size_t)r;
            else if (errno != EAGAIN && errno != EINTR) break;
        }
    }
    return got;
}

/* A growable string for building requests and expected replies. */
typedef struct sbuf { char *p; size_t n, cap; } sbuf;
static void sb_addf(sbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void sb_addf(sbuf *b, const char *fmt, ...) {
    char tmp[512];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(tmp, sizeof(tmp), fmt, ap);
    va_end(ap);
    if (b->n + (size_t)n + 1 > b->cap) {
        b->cap = (b->cap + (size_t)n + 1) * 2;
        b->p = realloc(b->p, b->cap);
    }
    memcpy(b->p + b->n, tmp, (size_t)n + 1);
    b->n += (size_t)n;
}

static long long client_id(int fd) {
    int cl;
    raw_send(fd, "CLIENT ID\r\n", 11);
    raw_read(fd, rbuf, sizeof(rbuf), 3, 2000, &cl);
    while (!strstr(rbuf, "\r\n")) {
        size_t n = strlen(rbuf);
        raw_read(fd, rbuf + n, sizeof(rbuf) - n, 1, 2000, &cl);
        if (cl) break;
    }
    return rbuf[0] == ':' ? atoll(rbuf + 1) : -1;
}

static const char *hello_reply(int proto, long long id) {
    static char buf[512];
    snprintf(buf, sizeof(buf),
             "%s$6\r\nserver\r\n$5\r\nredis\r\n$7\r\nversion\r\n$6\r\n7.0.15\r\n"
             "$5\r\nproto\r\n:%d\r\n$2\r\nid\r\n:%lld\r\n$4\r\nmode\r\n$10\r\nstandalone\r\n"
             "$4\r\nrole\r\n$6\r\nmaster\r\n$7\r\nmodules\r\n*0\r\n",
             proto == 3 ? "%7\r\n" : "*14\r\n", proto, id);
    return buf;
}

/* ------------------------------------------------------------- inline */

static void test_inline(sb_server *s) {
    int fd = raw_connect(s);
    EXPECT(fd, "PING\r\n", "+PONG\r\n");
    EXPECT(fd, "PING\n", "+PONG\r\n");                  /* LF alone ends a line */
    EXPECT(fd, "ping  \t hello  \r\n", "$5\r\nhello\r\n");
    EXPECT(fd, "\r\n\r\n\nPING\r\n", "+PONG\r\n");      /* blank lines skipped */
    EXPECT(fd, "set k \"a b\"\r\nget k\r\n", "+OK\r\n$3\r\na b\r\n");
    EXPECT(fd, "set k \"a\\x41\\n\\\"q\\t\\\\\"\r\nget k\r\n", "+OK\r\n$7\r\naA\n\"q\t\\\r\n");
    EXPECT(fd, "set k 'it\\'s'\r\nget k\r\n", "+OK\r\n$4\r\nit's\r\n");
    EXPECT(fd, "set k 'no \\n escape'\r\nget k\r\n", "+OK\r\n$12\r\nno \\n escape\r\n");
    EXPECT(fd, "set e \"\"\r\nstrlen e\r\nexists e\r\n", "+OK\r\n:0\r\n:1\r\n");
    EXPECT(fd, "SET k \"\\xff\\x00\"\r\nSTRLEN k\r\n", "+OK\r\n:2\r\n");
    EXPECT(fd, "nosuchcmd a 'b c'\r\n",
           "-ERR unknown command 'nosuchcmd', with args beginning with: 'a' 'b c' \r\n");
    /* inline and multibulk mixed in one write */
    EXPECT(fd, "*1\r\n$4\r\nPING\r\nPING\r\n*2\r\n$4\r\nECHO\r\n$2\r\nhi\r\n",
           "+PONG\r\n+PONG\r\n$2\r\nhi\r\n");
    close(fd);

    /* QUIT: the reply, then the connection closes; nothing after it runs */
    fd = raw_connect(s);
    EXPECT_CLOSE(fd, "PING\r\nQUIT\r\nSET afterquit 1\r\n", "+PONG\r\n+OK\r\n");
    close(fd);
    fd = raw_connect(s);
    EXPECT(fd, "EXISTS afterquit\r\n", ":0\r\n");
    close(fd);

    /* unbalanced quotes: Redis's error, then the connection is closed */
    FRESH_CLOSE(s, "set k \"abc\r\n", "-ERR Protocol error: unbalanced quotes in request\r\n");
    FRESH_CLOSE(s, "set k 'abc\r\n", "-ERR Protocol error: unbalanced quotes in request\r\n");
    FRESH_CLOSE(s, "set k \"abc\"x\r\n", "-ERR Protocol error: unbalanced quotes in request\r\n");
    /* commands before the bad line run; nothing after it does */
    fd = raw_connect(s);
    EXPECT_CLOSE(fd, "set before 1\r\nset k \"x\r\nset after 1\r\n",
                 "+OK\r\n-ERR Protocol error: unbalanced quotes in request\r\n");
    close(fd);
    fd = raw_connect(s);
    EXPECT(fd, "exists before after\r\n", ":1\r\n");
    close(fd);

    /* an inline line with no newline may not exceed 64 KiB */
    char *big = malloc(100000);
    memset(big, 'a', 100000);
    fresh_close_at(__LINE__, s, big, 100000, "-ERR Protocol error: too big inline request\r\n");
    free(big);
}

/* ------------------------------------------------------ RESP2 errors */

static void test_resp_errors(sb_server *s) {
    FRESH_CLOSE(s, "*x\r\n", "-ERR Protocol error: invalid multibulk length\r\n");
    FRESH_CLOSE(s, "*\r\n", "-ERR Protocol error: invalid multibulk length\r\n");
    FRESH_CLOSE(s, "*01\r\n$4\r\nPING\r\n", "-ERR Protocol error: invalid multibulk length\r\n");
    FRESH_CLOSE(s, "*2147483648\r\n", "-ERR Protocol error: invalid multibulk length\r\n");
    FRESH_CLOSE(s, "*1\r\nx\r\n", "-ERR Protocol error: expected '$', got 'x'\r\n");
    FRESH_CLOSE(s, "*2\r\n$4\r\nECHO\r\n:1\r\n", "-ERR Protocol error: expected '$', got ':'\r\n");
    FRESH_CLOSE(s, "*1\r\n\r\n", "-ERR Protocol error: expected '$', got ' '\r\n");
    FRESH_CLOSE(s, "*1\r\n$x\r\n", "-ERR Protocol error: invalid bulk length\r\n");
    FRESH_CLOSE(s, "*1\r\n$-1\r\n", "-ERR Protocol error: invalid bulk length\r\n");
    FRESH_CLOSE(s, "*1\r\n$+4\r\nPING\r\n", "-ERR Protocol error: invalid bulk length\r\n");
    FRESH_CLOSE(s, "*1\r\n$04\r\nPING\r\n", "-ERR Protocol error: invalid bulk length\r\n");
    FRESH_CLOSE(s, "*1\r\n$ 4\r\nPING\r\n", "-ERR Protocol error: invalid bulk length\r\n");
    /* over proto-max-bulk-len (512mb) */
    FRESH_CLOSE(s, "*1\r\n$536870913\r\n", "-ERR Protocol error: invalid bulk length\r\n");
    FRESH_CLOSE(s, "*1\r\n$2147483648\r\n", "-ERR Protocol error: invalid bulk length\r\n");
    FRESH_CLOSE(s, "*1\r\n$99999999999999999999999\r\n", "-ERR Protocol error: invalid bulk length\r\n");
    /* CONFIG SET proto-max-bulk-len applies to the open connection too */
    int fd = raw_connect(s);
    EXPECT(fd, "CONFIG SET proto-max-bulk-len 1mb\r\n", "+OK\r\n");
    EXPECT_CLOSE(fd, "*2\r\n$4\r\nECHO\r\n$1048577\r\n", "-ERR Protocol error: invalid bulk length\r\n");
    close(fd);
    fd = raw_connect(s);
    EXPECT(fd, "*2\r\n$4\r\nECHO\r\n$1048576\r\n", "");  /* the limit itself is fine */
    close(fd);
    /* a client still sending the oversized value: the server reads and
     * drops the rest instead of resetting the connection under it, so all
     * of it is sent, and then the error and the close are read */
    {
        size_t vlen = 4u << 20;
        char *req = malloc(vlen + 64);
        int hl = sprintf(req, "*2\r\n$4\r\nECHO\r\n$%zu\r\n", vlen);
        memset(req + hl, 'v', vlen);
        memcpy(req + hl + vlen, "\r\n", 2);
        fd = raw_connect(s);
        size_t sent = 0, total = (size_t)hl + vlen + 2;
        int err = 0;
        while (sent < total) {
            ssize_t w = send(fd, req + sent, total - sent, MSG_NOSIGNAL);
            if (w < 0 && errno == EINTR) continue;
            if (w < 0) { err = errno; break; }
            sent += (size_t)w;
        }
        if (sent != total)
            fprintf(stderr, "test_protocol.c:%d: sent %zu of %zu bytes: %s\n", __LINE__, sent,
                    total, strerror(err));
        CHECK_EQ_INT(sent, total);
        expect_at(__LINE__, fd, "", 0, "-ERR Protocol error: invalid bulk length\r\n", 1);
        close(fd);
        free(req);
    }
    fd = raw_connect(s);
    EXPECT(fd, "CONFIG SET proto-max-bulk-len 512mb\r\n", "+OK\r\n");
    close(fd);
    /* a connection draining after its protocol error counts as closed:
     * not in connected_clients nor CLIENT LIST, not against maxclients */
    {
        redisContext *c = srv_connect(s);
        fd = raw_connect(s);
        EXPECT(fd, "PING\r\n", "+PONG\r\n");
        redisReply *r = cmd(c, "INFO clients");
        CHECK(r && r->type == REDIS_REPLY_STRING && strstr(r->str, "connected_clients:2\r\n"));
        if (r) freeReplyObject(r);
        raw_send(fd, "*1\r\n$+4\r\nPING\r\n", 15);
        int cl = 0;
        size_t got = raw_read(fd, rbuf, sizeof(rbuf), 42, 2000, &cl);
        CHECK(got == 42 && !strncmp(rbuf, "-ERR Protocol error: invalid bulk length\r\n", 42));
        int ok = 0;
        for (int i = 0; i < 50 && !ok; i++) { /* (the engine frees it in its next wake-up) */
            r = cmd(c, "INFO clients");
            ok = r && r->type == REDIS_REPLY_STRING && strstr(r->str, "connected_clients:1\r\n");
            if (r) freeReplyObject(r);
            if (!ok) usleep(10000);
        }
        CHECK_MSG(ok, "a draining connection still counts in connected_clients");
        r = cmd(c, "CLIENT LIST");
        CHECK(r && r->type == REDIS_REPLY_STRING && !strchr(strchr(r->str, '\n') + 1, 'i'));
        if (r) freeReplyObject(r);
        close(fd);
        redisFree(c);
    }
    /* header lines longer than 64 KiB without CR */
    char *big = malloc(70002);
    big[0] = '*';
    memset(big + 1, '1', 70001);
    fresh_close_at(__LINE__, s, big, 70001, "-ERR Protocol error: too big mbulk count string\r\n");
    memcpy(big, "*1\r\n$", 5);
    fresh_close_at(__LINE__, s, big, 70001, "-ERR Protocol error: too big bulk count string\r\n");
    free(big);

    /* replies to the commands before the error come first; the commands
     * after it are never executed */
    fd = raw_connect(s);
    EXPECT_CLOSE(fd, "*1\r\n$4\r\nPING\r\n*3\r\n$3\r\nSET\r\n$2\r\nk1\r\n$1\r\n1\r\n*1\r\n$04\r\nPING\r\n"
                     "*3\r\n$3\r\nSET\r\n$2\r\nk2\r\n$1\r\n2\r\n",
                 "+PONG\r\n+OK\r\n-ERR Protocol error: invalid bulk length\r\n");
    close(fd);
    fd = raw_connect(s);
    EXPECT(fd, "EXISTS k1 k2\r\n", ":1\r\n");
    /* empty and negative multibulk counts are ignored, like Redis */
    EXPECT(fd, "*0\r\n*-1\r\n*-5\r\n*1\r\n$4\r\nPING\r\n", "+PONG\r\n");
    /* the two bytes after a bulk are not checked (Redis 7 quirk) */
    EXPECT(fd, "*1\r\n$4\r\nPINGxx*1\r\n$4\r\nPING\r\n", "+PONG\r\n+PONG\r\n");
    /* binary-safe bulk */
    static const char bin[] = "*3\r\n$3\r\nSET\r\n$1\r\nb\r\n$3\r\na\0b\r\n*2\r\n$3\r\nGET\r\n$1\r\nb\r\n";
    raw_send(fd, bin, sizeof(bin) - 1);
    int cl;
    size_t n = raw_read(fd, rbuf, sizeof(rbuf), 14, 2000, &cl);
    CHECK(n == 14 && memcmp(rbuf, "+OK\r\n$3\r\na\0b\r\n", 14) == 0);
    close(fd);
}

/* The server must not allocate for sizes it was only told about. */
static void test_no_alloc(sb_server *s) {
    long base = srv_rss_kb(s);
    CHECK(base > 0);
    int fds[12];
    /* the largest legal bulk, announced but never sent: no reply, open */
    for (int i = 0; i < 6; i++) {
        fds[i] = raw_connect(s);
        raw_send(fds[i], "*2\r\n$3\r\nGET\r\n$536870912\r\nabcdef", 31);
    }
    /* 10M arguments announced (Redis 7.0 accepts counts up to INT_MAX) */
    for (int i = 6; i < 12; i++) {
        fds[i] = raw_connect(s);
        raw_send(fds[i], "*10000000\r\n$1\r\na\r\n", 18);
    }
    usleep(300000);
    for (int i = 0; i < 12; i++) {
        int cl;
        size_t n = raw_read(fds[i], rbuf, sizeof(rbuf), 1, 100, &cl);
        if (n || cl) {
            fprintf(stderr, "no_alloc conn %d: got \"%s\" closed=%d\n", i, esc(rbuf, n), cl);
            tu_failures++;
        }
    }
    long after = srv_rss_kb(s);
    fprintf(stderr, "rss before %ld kB, after 12 announced huge commands %ld kB\n", base, after);
    CHECK(after - base < 16 * 1024);
    /* the server still answers everyone else */
    int fd = raw_connect(s);
    EXPECT(fd, "PING\r\n", "+PONG\r\n");
    close(fd);
    for (int i = 0; i < 12; i++) close(fds[i]);

    /* declared sizes over the limits: error, close, no memory either */
    for (int i = 0; i < 20; i++) {
        FRESH_CLOSE(s, "*1\r\n$2147483648\r\n", "-ERR Protocol error: invalid bulk length\r\n");
        FRESH_CLOSE(s, "*2147483648\r\n", "-ERR Protocol error: invalid multibulk length\r\n");
    }
    CHECK(srv_rss_kb(s) - base < 16 * 1024);
}

/* ---------------------------------------------------------- pipelining */

static void test_pipeline(sb_server *s) {
    enum { N = 50000 };
    sbuf req = {0}, want = {0};
    for (int i = 0; i < N; i++) {
        char k[32], v[32];
        int kl = snprintf(k, sizeof(k), "pk:%d", i), vl = snprintf(v, sizeof(v), "value-%d", i * 7);
        sb_addf(&req, "*3\r\n$3\r\nSET\r\n$%d\r\n%s\r\n$%d\r\n%s\r\n", kl, k, vl, v);
        sb_addf(&want, "+OK\r\n");
    }
    for (int i = 0; i < N; i++) {
        char k[32], v[32];
        int kl = snprintf(k, sizeof(k), "pk:%d", i), vl = snprintf(v, sizeof(v), "value-%d", i * 7);
        sb_addf(&req, "*2\r\n$3\r\nGET\r\n$%d\r\n%s\r\n", kl, k);
        sb_addf(&want, "$%d\r\n%s\r\n", vl, v);
    }
    int fd = raw_connect(s);
    EXPECT(fd, "SELECT 5\r\n", "+OK\r\n");
    /* the whole 100k-command request is one send() call */
    ssize_t w = send(fd, req.p, req.n, MSG_NOSIGNAL);
    size_t sent = w > 0 ? (size_t)w : 0;
    size_t got = xfer(fd, req.p + sent, req.n - sent, rbuf, want.n, 15000);
    CHECK_EQ_INT(got, want.n);
    if (got != want.n || memcmp(rbuf, want.p, want.n) != 0) {
        size_t i = 0;
        while (i < got && i < want.n && rbuf[i] == want.p[i]) i++;
        fprintf(stderr, "pipeline: replies differ at byte %zu: got \"%s\" want \"%s\"\n", i,
                esc(rbuf + i, got > i ? (got - i < 60 ? got - i : 60) : 0),
                esc(want.p + i, want.n - i < 60 ? want.n - i : 60));
        tu_failures++;
    }
    EXPECT(fd, "DBSIZE\r\n", ":50000\r\n");
    close(fd);
    free(req.p);
    free(want.p);

    /* inline pipeline too */
    req = (sbuf){0};
    want = (sbuf){0};
    for (int i = 1; i <= 20000; i++) {
        sb_addf(&req, "INCR ctr\r\n");
        sb_addf(&want, ":%d\r\n", i);
    }
    fd = raw_connect(s);
    got = xfer(fd, req.p, req.n, rbuf, want.n, 10000);
    CHECK(got == want.n && memcmp(rbuf, want.p, want.n) == 0);
    close(fd);
    free(req.p);
    free(want.p);
}

/* Every byte in its own write: framing must not depend on the split. */
static void test_one_byte(sb_server *s) {
    const char *req =
        "*3\r\n$3\r\nSET\r\n$2\r\nob\r\n$5\r\nhello\r\n"
        "GET ob\r\n"
        "*2\r\n$6\r\nAPPEND\r\n$2\r\nob\r\n*2\r\n$3\r\nGET\r\n$2\r\nob\r\n" /* ECHO-less quirk: $2 key */
        "set q \"x y\"\r\n"
        "*1\r\n$4\r\nPING\r\n";
    /* "*2 APPEND ob" then "*2 GET ob": APPEND has only a key, so it errors */
    const char *want =
        "+OK\r\n$5\r\nhello\r\n"
        "-ERR wrong number of arguments for 'append' command\r\n$5\r\nhello\r\n"
        "+OK\r\n+PONG\r\n";
    int fd = raw_connect(s);
    for (size_t i = 0; req[i]; i++) {
        raw_send(fd, req + i, 1);
        usleep(500);
    }
    EXPECT(fd, "", want);
    /* a protocol error split byte by byte is still detected */
    const char *bad = "*1\r\n$4x\r\n";
    for (size_t i = 0; bad[i]; i++) {
        raw_send(fd, bad + i, 1);
        usleep(500);
    }
    EXPECT_CLOSE(fd, "", "-ERR Protocol error: invalid bulk length\r\n");
    close(fd);
}

/* One connection's replies stay in order while another one keeps the
 * server busy with a big pipeline. */
static void test_order_while_busy(sb_server *s) {
    enum { NA = 100000, NB = 2000 };
    sbuf a = {0}, b = {0}, wantb = {0};
    for (int i = 0; i < NA; i++) sb_addf(&a, "*2\r\n$4\r\nINCR\r\n$4\r\nbusy\r\n");
    for (int i = 1; i <= NB; i++) {
        sb_addf(&b, "*2\r\n$4\r\nINCR\r\n$5\r\norder\r\n*2\r\n$4\r\nECHO\r\n$%d\r\n%d\r\n",
                (int)snprintf(NULL, 0, "%d", i), i);
        sb_addf(&wantb, ":%d\r\n$%d\r\n%d\r\n", i, (int)snprintf(NULL, 0, "%d", i), i);
    }
    int fa = raw_connect(s), fb = raw_connect(s);
    /* A: start the flood, don't read yet */
    ssize_t w = send(fa, a.p, a.n, MSG_NOSIGNAL | MSG_DONTWAIT);
    size_t asent = w > 0 ? (size_t)w : 0;
    /* B: its commands in small writes, interleaved with A's flood */
    size_t got = 0, bsent = 0;
    static char bb[1 << 20], abuf[2 << 20];
    double deadline = clock_s() + 15;
    size_t aread = 0;
    while ((got < wantb.n || asent < a.n) && clock_s() < deadline) {
        if (bsent < b.n) {
            size_t chunk = b.n - bsent < 300 ? b.n - bsent : 300;
            raw_send(fb, b.p + bsent, chunk);
            bsent += chunk;
        }
        if (asent < a.n) {
            w = send(fa, a.p + asent, a.n - asent, MSG_NOSIGNAL | MSG_DONTWAIT);
            if (w > 0) asent += (size_t)w;
        }
        ssize_t r;
        while (aread < sizeof(abuf) &&
               (r = recv(fa, abuf + aread, sizeof(abuf) - aread, MSG_DONTWAIT)) > 0)
            aread += (size_t)r;
        while (got < wantb.n &&
               (r = recv(fb, bb + got, wantb.n - got, MSG_DONTWAIT)) > 0)
            got += (size_t)r;
        usleep(200);
    }
    CHECK_EQ_INT(got, wantb.n);
    CHECK(got == wantb.n && memcmp(bb, wantb.p, wantb.n) == 0);
    /* A's replies: :1 .. :NA, in order */
    sbuf wanta = {0};
    for (int i = 1; i <= NA; i++) sb_addf(&wanta, ":%d\r\n", i);
    int cl;
    while (aread < wanta.n) {
        size_t n = raw_read(fa, abuf + aread, sizeof(abuf) - aread, wanta.n - aread, 3000, &cl);
        if (!n) break;
        aread += n;
    }
    CHECK_EQ_INT(aread, wanta.n);
    CHECK(aread == wanta.n && memcmp(abuf, wanta.p, wanta.n) == 0);
    free(wanta.p);
    close(fa);
    close(fb);
    free(a.p);
    free(b.p);
    free(wantb.p);
}

/* ---------------------------------------------------------- HELLO/RESP3 */

static void test_resp3(sb_server *s) {
    int fd = raw_connect(s);
    long long id = client_id(fd);
    CHECK(id > 0);
    EXPECT(fd, "HELLO 3\r\n", hello_reply(3, id));
    EXPECT(fd, "GET missing\r\n", "_\r\n");
    EXPECT(fd, "MGET missing missing\r\n", "*2\r\n_\r\n_\r\n");
    EXPECT(fd, "CONFIG GET maxclients\r\n", "%1\r\n$10\r\nmaxclients\r\n$5\r\n10000\r\n");
    EXPECT(fd, "CONFIG GET nosuchoption\r\n", "%0\r\n");
    /* Redis 7.0.15 answers INCRBYFLOAT with a bulk string even in RESP3 */
    EXPECT(fd, "SET f 1.5\r\nINCRBYFLOAT f 1\r\n", "+OK\r\n$3\r\n2.5\r\n");
    EXPECT(fd, "SET s hello\r\nGET s\r\nEXISTS s\r\n", "+OK\r\n$5\r\nhello\r\n:1\r\n");
    EXPECT(fd, "COMMAND INFO nosuchcommand\r\n", "*1\r\n_\r\n");
    EXPECT(fd, "GET\r\n", "-ERR wrong number of arguments for 'get' command\r\n");
    EXPECT(fd, "CLIENT GETNAME\r\n", "_\r\n");
    /* a script's booleans follow its redis.setresp (2 by default), not the
     * caller's HELLO; its nulls and verbatim strings follow the caller */
    EXPECT(fd, "EVAL \"return {true, false}\" 0\r\n", "*2\r\n:1\r\n_\r\n");
    EXPECT(fd, "EVAL \"redis.setresp(3) return {true, false}\" 0\r\n", "*2\r\n#t\r\n#f\r\n");
    EXPECT(fd, "EVAL \"return {verbatim_string={format='markdown', string='hi'}}\" 0\r\n",
           "=6\r\nmar:hi\r\n");
    EXPECT(fd, "EVAL \"return {verbatim_string={format='x', string='hi'}}\" 0\r\n",
           "=6\r\nx  :hi\r\n");
    /* verbatim strings */
    raw_send(fd, "CLIENT INFO\r\n", 13);
    int cl;
    size_t n = raw_read(fd, rbuf, sizeof(rbuf), 64, 2000, &cl);
    CHECK(n > 8 && rbuf[0] == '=');
    const char *txt = strstr(rbuf, "\r\ntxt:id=");
    CHECK(txt != NULL);
    CHECK(strstr(rbuf, " resp=3 ") != NULL || strstr(rbuf, " resp=3\n") != NULL);
    if (txt) {  /* =<len> counts "txt:" and the text */
        long len = atol(rbuf + 1);
        size_t hdr = (size_t)(txt - rbuf) + 2;
        while (n < hdr + (size_t)len + 2) {
            size_t m = raw_read(fd, rbuf + n, sizeof(rbuf) - n, 1, 1000, &cl);
            if (!m) break;
            n += m;
        }
        CHECK_EQ_INT(n, hdr + (size_t)len + 2);
    }
    raw_send(fd, "INFO server\r\n", 13);
    n = raw_read(fd, rbuf, sizeof(rbuf), 32, 2000, &cl);
    CHECK(rbuf[0] == '=' && strstr(rbuf, "\r\ntxt:# Server\r\nredis_version:7.0.15\r\n") != NULL);
    raw_read(fd, rbuf, sizeof(rbuf), sizeof(rbuf) - 1, 200, &cl); /* drain */
    /* maps nested in COMMAND DOCS */
    EXPECT(fd, "COMMAND DOCS echo\r\n",
           "%1\r\n$4\r\necho\r\n%4\r\n$7\r\nsummary\r\n$21\r\nEcho the given string\r\n"
           "$5\r\nsince\r\n$5\r\n1.0.0\r\n$5\r\ngroup\r\n$10\r\nconnection\r\n"
           "$10\r\ncomplexity\r\n$4\r\nO(1)\r\n");
    /* HELLO without a version answers in the current protocol */
    EXPECT(fd, "HELLO\r\n", hello_reply(3, id));
    /* back to RESP2 */
    EXPECT(fd, "HELLO 2\r\n", hello_reply(2, id));
    EXPECT(fd, "GET missing\r\n", "$-1\r\n");
    EXPECT(fd, "EVAL \"redis.setresp(3) return {true, false}\" 0\r\n", "*2\r\n:1\r\n:0\r\n");
    EXPECT(fd, "EVAL \"return {verbatim_string={format='txt', string='hi'}}\" 0\r\n", "$2\r\nhi\r\n");
    EXPECT(fd, "CONFIG GET maxclients\r\n", "*2\r\n$10\r\nmaxclients\r\n$5\r\n10000\r\n");
    EXPECT(fd, "COMMAND INFO nosuchcommand\r\n", "*1\r\n$-1\r\n");
    /* bad versions: error, protocol unchanged, connection open */
    EXPECT(fd, "HELLO 4\r\n", "-NOPROTO unsupported protocol version\r\n");
    EXPECT(fd, "HELLO 1\r\n", "-NOPROTO unsupported protocol version\r\n");
    EXPECT(fd, "HELLO 0\r\n", "-NOPROTO unsupported protocol version\r\n");
    EXPECT(fd, "HELLO x\r\n", "-ERR Protocol version is not an integer or out of range\r\n");
    EXPECT(fd, "HELLO 03\r\n", "-ERR Protocol version is not an integer or out of range\r\n");
    EXPECT(fd, "HELLO 3 FOO\r\n", "-ERR Syntax error in HELLO option 'FOO'\r\n");
    EXPECT(fd, "HELLO 3 SETNAME\r\n", "-ERR Syntax error in HELLO option 'SETNAME'\r\n");
    EXPECT(fd, "HELLO 3 AUTH default\r\n", "-ERR Syntax error in HELLO option 'AUTH'\r\n");
    EXPECT(fd, "GET missing\r\n", "$-1\r\n");
    /* SETNAME */
    char want[1024];
    snprintf(want, sizeof(want), "%s$6\r\nmyname\r\n", hello_reply(3, id));
    EXPECT(fd, "HELLO 3 SETNAME myname\r\nCLIENT GETNAME\r\n", want);
    EXPECT(fd, "HELLO 2 SETNAME \"bad name\"\r\n",
           "-ERR Client names cannot contain spaces, newlines or special characters.\r\n");
    EXPECT(fd, "CLIENT GETNAME\r\n", "$6\r\nmyname\r\n");   /* still RESP3, unchanged */
    /* AUTH with no password configured: "default" with anything works */
    EXPECT(fd, "HELLO 2 AUTH default whatever\r\n", hello_reply(2, id));
    EXPECT(fd, "HELLO 2 AUTH someone pw\r\n",
           "-WRONGPASS invalid username-password pair or user is disabled.\r\n");
    /* RESET goes back to RESP2 */
    snprintf(want, sizeof(want), "%s+RESET\r\n$-1\r\n", hello_reply(3, id));
    EXPECT(fd, "HELLO 3\r\nRESET\r\nGET missing\r\n", want);
    close(fd);
}

static void test_hello_auth(void) {
    sb_server *s = srv_start("--requirepass", "s3cret", NULL);
    int fd = raw_connect(s);
    EXPECT(fd, "HELLO 3\r\n",
           "-NOAUTH HELLO must be called with the client already authenticated, otherwise the "
           "HELLO AUTH <user> <pass> option can be used to authenticate the client and select "
           "the RESP protocol version at the same time\r\n");
    EXPECT(fd, "GET k\r\n", "-NOAUTH Authentication required.\r\n");
    EXPECT(fd, "HELLO 3 AUTH default wrong\r\n",
           "-WRONGPASS invalid username-password pair or user is disabled.\r\n");
    EXPECT(fd, "HELLO 3 AUTH nobody s3cret\r\n",
           "-WRONGPASS invalid username-password pair or user is disabled.\r\n");
    EXPECT(fd, "GET k\r\n", "-NOAUTH Authentication required.\r\n");
    raw_send(fd, "HELLO 3 AUTH default s3cret SETNAME app\r\n", 41);
    int cl;
    size_t n = raw_read(fd, rbuf, sizeof(rbuf), 100, 2000, &cl);
    CHECK(n > 4 && memcmp(rbuf, "%7\r\n", 4) == 0);
    raw_read(fd, rbuf + n, sizeof(rbuf) - n, sizeof(rbuf) - 1 - n, 200, &cl);
    EXPECT(fd, "GET k\r\nCLIENT GETNAME\r\n", "_\r\n$3\r\napp\r\n");
    close(fd);
    /* a failed SETNAME does not undo the authentication (as in Redis) */
    fd = raw_connect(s);
    EXPECT(fd, "HELLO 2 AUTH default s3cret SETNAME \"a b\"\r\nGET k\r\n",
           "-ERR Client names cannot contain spaces, newlines or special characters.\r\n$-1\r\n");
    close(fd);
    srv_stop(s);
}

int main(void) {
    sb_server *s = srv_start("--appendonly", "no", NULL);
    test_inline(s);
    test_resp_errors(s);
    test_no_alloc(s);
    test_pipeline(s);
    test_one_byte(s);
    test_order_while_busy(s);
    test_resp3(s);
    CHECK(srv_alive(s));
    srv_stop(s);
    test_hello_auth();
    TU_DONE();
}
