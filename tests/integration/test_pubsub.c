/* test_pubsub.c -- SUBSCRIBE / PSUBSCRIBE / PUBLISH / PUBSUB against a real
 * server:
 *  - the byte streams of redis-server 7.0.15 for the same requests
 *    (RESP2 subscribed mode and its command restriction, PING's
 *    ["pong", ""], RESP3 pushes, a RESP3 subscriber publishing to itself,
 *    UNSUBSCRIBE / PUNSUBSCRIBE of all, PUBSUB NUMSUB / NUMPAT / CHANNELS);
 *  - a disconnected subscriber leaves no trace (NUMSUB, INFO);
 *  - a message is not data: a script that published and wrote is re-run
 *    when the memory is rebuilt from the files after a WAL failure, and
 *    its message is not delivered a second time;
 *  - a subscriber that does not read is cut off at the pubsub class of
 *    client-output-buffer-limit.
 */
#include "harness.h"

#include <string.h>
#include <unistd.h>

static char rbuf[1 << 16];

#define SEND(fd, lit) raw_send((fd), (lit), sizeof(lit) - 1)

/* what arrives on fd within timeout_ms of quiet (NUL-terminated in rbuf) */
static size_t read_quiet(int fd, int timeout_ms) {
    int closed = 0;
    return raw_read(fd, rbuf, sizeof(rbuf), sizeof(rbuf) - 1, timeout_ms, &closed);
}

#define EXPECT_BYTES(fd, want) do { size_t _n = read_quiet((fd), 300); \
    CHECK_MSG(_n == sizeof(want) - 1 && !memcmp(rbuf, (want), _n), \
              "expected %s\n got %.*s", (want), (int)_n, rbuf); } while (0)

static void t_redis_bytes(sb_server *s) {
    int a = raw_connect(s), b = raw_connect(s), c = raw_connect(s);
    SEND(a, "SUBSCRIBE ch1 ch2\r\nPSUBSCRIBE c*\r\nGET x\r\nPING\r\nPING hi\r\n");
    EXPECT_BYTES(a, "*3\r\n$9\r\nsubscribe\r\n$3\r\nch1\r\n:1\r\n*3\r\n$9\r\nsubscribe\r\n$3\r\nch2\r\n:2\r\n"
                    "*3\r\n$10\r\npsubscribe\r\n$2\r\nc*\r\n:3\r\n"
                    "-ERR Can't execute 'get': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / "
                    "RESET are allowed in this context\r\n"
                    "*2\r\n$4\r\npong\r\n$0\r\n\r\n*2\r\n$4\r\npong\r\n$2\r\nhi\r\n");
    SEND(c, "HELLO 3\r\nSUBSCRIBE ch1\r\n");
    read_quiet(c, 300);
    static const char pubs[] = "PUBLISH ch1 hello\r\nPUBLISH other x\r\nPUBSUB NUMSUB ch1 ch2 nope\r\n"
                               "PUBSUB NUMPAT\r\nPUBSUB CHANNELS ch1\r\n";
    raw_send(b, pubs, sizeof(pubs) - 1);
    EXPECT_BYTES(b, ":3\r\n:0\r\n*6\r\n$3\r\nch1\r\n:2\r\n$3\r\nch2\r\n:1\r\n$4\r\nnope\r\n:0\r\n"
                    ":1\r\n*1\r\n$3\r\nch1\r\n");
    EXPECT_BYTES(a, "*3\r\n$7\r\nmessage\r\n$3\r\nch1\r\n$5\r\nhello\r\n"
                    "*4\r\n$8\r\npmessage\r\n$2\r\nc*\r\n$3\r\nch1\r\n$5\r\nhello\r\n");
    EXPECT_BYTES(c, ">3\r\n$7\r\nmessage\r\n$3\r\nch1\r\n$5\r\nhello\r\n");
    SEND(a, "UNSUBSCRIBE\r\nPUNSUBSCRIBE\r\nUNSUBSCRIBE\r\nGET x\r\n");
    size_t n = read_quiet(a, 300); /* (the channels in the server's order) */
    CHECK_MSG(n > 0 && strstr(rbuf, "$11\r\nunsubscribe\r\n$3\r\nch2\r\n") &&
              strstr(rbuf, "$11\r\nunsubscribe\r\n$3\r\nch1\r\n") &&
              strstr(rbuf, "*3\r\n$12\r\npunsubscribe\r\n$2\r\nc*\r\n:0\r\n"
                           "*3\r\n$11\r\nunsubscribe\r\n$-1\r\n:0\r\n$-1\r\n"),
              "unsubscribing from all: %.*s", (int)n, rbuf);
    /* RESP3: a subscriber may publish; its own message comes first */
    SEND(c, "PUBLISH ch1 self\r\nGET x\r\n");
    EXPECT_BYTES(c, ">3\r\n$7\r\nmessage\r\n$3\r\nch1\r\n$4\r\nself\r\n:1\r\n_\r\n");
    close(a);
    close(b);
    close(c);
}

static long long numsub(redisContext *c, const char *ch) {
    redisReply *r = cmd(c, "PUBSUB NUMSUB %s", ch);
    long long v = r && r->type == REDIS_REPLY_ARRAY && r->elements == 2 ? r->element[1]->integer : -1;
    if (r) freeReplyObject(r);
    return v;
}

static void t_disconnect(sb_server *s) {
    redisContext *c = srv_connect(s), *sub = srv_connect(s);
    redisReply *r = cmd(sub, "SUBSCRIBE gone");
    if (r) freeReplyObject(r);
    r = cmd(c, "PSUBSCRIBE x*"); /* and a pattern, dropped again */
    if (r) freeReplyObject(r);
    r = cmd(c, "PUNSUBSCRIBE");
    if (r) freeReplyObject(r);
    CHECK_INT(cmd(c, "PUBSUB NUMPAT"), 0);
    CHECK(numsub(c, "gone") == 1);
    r = cmd(c, "CLIENT LIST");
    CHECK(r && r->type == REDIS_REPLY_STRING && strstr(r->str, "flags=P db=0 sub=1 psub=0"));
    if (r) freeReplyObject(r);
    redisFree(sub);
    long long left = -1;
    for (int i = 0; i < 50 && left != 0; i++) { /* (the close reaches the engine) */
        left = numsub(c, "gone");
        if (left) usleep(10000);
    }
    CHECK_MSG(left == 0, "a closed subscriber still counts: %lld", left);
    r = cmd(c, "INFO stats");
    CHECK(r && r->type == REDIS_REPLY_STRING && strstr(r->str, "pubsub_channels:0\r\n"));
    if (r) freeReplyObject(r);
    CHECK_INT(cmd(c, "PUBLISH gone x"), 0);
    redisFree(c);
}

/* The WAL fails; the memory is rebuilt by replaying the files, with the
 * subscriber connected: the script's PUBLISH is not delivered again. */
static void t_replay(void) {
    sb_server *s = srv_start(NULL);
    redisContext *c = srv_connect(s), *o = srv_connect(s);
    int sub = raw_connect(s);
    SEND(sub, "SUBSCRIBE news\r\n");
    read_quiet(sub, 300);
    CHECK_INT(cmd(c, "EVAL %s 1 k", "redis.call('set', KEYS[1], 'v') "
                                    "return redis.call('publish', 'news', 'once')"), 1);
    size_t n = read_quiet(sub, 300);
    CHECK_MSG(n > 0 && strstr(rbuf, "$4\r\nonce\r\n"), "the message: %.*s", (int)n, rbuf);
    CHECK_STATUS(cmd(o, "DEBUG WAL-FAULT write EIO"), "OK");
    redisReply *r = cmd(o, "SET x 1"); /* fails the WAL: the memory is rebuilt */
    if (r) freeReplyObject(r);
    redisFree(o);
    for (int i = 0; i < 50; i++) {
        r = cmd(c, "INFO persistence");
        int failed = r && r->type == REDIS_REPLY_STRING && strstr(r->str, "wal_status:failed");
        if (r) freeReplyObject(r);
        if (failed) break;
        usleep(20000);
    }
    CHECK_BULK(cmd(c, "GET k"), "v"); /* served from the rebuilt memory */
    n = read_quiet(sub, 500);
    CHECK_MSG(n == 0, "the subscriber got a message again after the rebuild: %.*s", (int)n, rbuf);
    close(sub);
    redisFree(c);
    srv_kill(s);
}

/* A subscriber that does not read: closed at the pubsub hard limit. */
static void t_output_limit(void) {
    sb_server *s = srv_start("--client-output-buffer-limit", "pubsub 1mb 0 0", NULL);
    redisContext *c = srv_connect(s);
    int sub = raw_connect(s);
    SEND(sub, "SUBSCRIBE flood\r\n");
    read_quiet(sub, 300);
    static char big[64 * 1024];
    memset(big, 'm', sizeof(big) - 1);
    long long delivered = 0;
    for (int i = 0; i < 400; i++) { /* 25 MB, more than the socket buffers hold */
        redisReply *r = cmd(c, "PUBLISH flood %s", big);
        if (r && r->type == REDIS_REPLY_INTEGER) delivered += r->integer;
        if (r) freeReplyObject(r);
        if (i > 50 && numsub(c, "flood") == 0) break;
    }
    long long left = -1;
    for (int i = 0; i < 100 && left != 0; i++) {
        left = numsub(c, "flood");
        if (left) usleep(20000);
    }
    CHECK_MSG(left == 0, "a subscriber over the pubsub limit is still there");
    redisReply *r = cmd(c, "INFO stats");
    CHECK(r && r->type == REDIS_REPLY_STRING && !strstr(r->str, "client_output_buffer_limit_disconnections:0\r\n"));
    if (r) freeReplyObject(r);
    CHECK(delivered > 0);
    close(sub);
    redisFree(c);
    srv_stop(s);
}

int main(void) {
    sb_server *s = srv_start(NULL);
    t_redis_bytes(s);
    t_disconnect(s);
    srv_stop(s);
    t_replay();
    t_output_limit();
    TU_DONE();
}
