/* test_check.c -- strongbox-check on data directories made by a real
 * server, and STRONGBOX FILES.
 *
 * Sections (run one with `test_check <name>`):
 *  tool     list, verify [--replay], dump (text, JSON, checkpoint), --help,
 *           STRONGBOX FILES on a healthy directory with a checkpoint, a
 *           function library and several segments
 *  damage   verify's exit code and message for a torn tail, a mid-log bit
 *           flip, a missing segment and a corrupt checkpoint; the repair it
 *           names lets the server start with exactly what it promised
 *  pitr     repair --to-lsn and --to-time give the expected dataset key by
 *           key; without --yes and no TTY nothing changes; side files kept
 *  export   export | redis-cli --pipe into a real redis-server: same keys,
 *           values, TTLs (within 1 s) and functions
 *  backup   backup while a writer runs (and checkpoints happen): a server
 *           on the copy has a prefix of the acknowledged writes
 */
#include "harness.h"
#include "testfs.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static char out[1 << 20];

/* Run strongbox-check with args (printf-style), stdout+stderr into out;
 * returns its exit status. stdin is /dev/null (no TTY). */
static int tool(const char *fmt, ...) {
    char args[2048], line[2400];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(args, sizeof(args), fmt, ap);
    va_end(ap);
    snprintf(line, sizeof(line), "%s %s 2>&1 </dev/null", SB_CHECK_PATH, args);
    return run_capture(line, out, sizeof(out));
}

#define EXPECT_TOOL(code, needle, ...) do { int _rc = tool(__VA_ARGS__); \
    if (_rc != (code) || !strstr(out, (needle))) { fprintf(stderr, \
    "%s:%d: strongbox-check %s: exit %d (expected %d), output lacks '%s':\n%s\n", \
    __FILE__, __LINE__, #__VA_ARGS__, _rc, (code), (needle), out); tu_failures++; } } while (0)

static void copy_dir(const char *from, const char *to) {
    char line[1200];
    snprintf(line, sizeof(line), "cp -a '%s'/. '%s'/", from, to);
    if (system(line) != 0) { fprintf(stderr, "%s failed\n", line); exit(2); }
}

static void set_n(redisContext *c, const char *prefix, int from, int to) {
    for (int i = from; i <= to; i++) CHECK_STATUS(cmd(c, "SET %s%d v%d", prefix, i, i), "OK");
}

/* k<from..to> hold v<i>, and DBSIZE is `total`. */
static void expect_keys(sb_server *s, const char *prefix, int from, int to, long long total) {
    redisContext *c = srv_connect(s);
    for (int i = from; i <= to; i++) {
        char v[32];
        snprintf(v, sizeof(v), "v%d", i);
        CHECK_BULK(cmd(c, "GET %s%d", prefix, i), v);
    }
    CHECK_INT(cmd(c, "DBSIZE"), total);
    redisFree(c);
}

/* scripts/bank.lua, as copied next to the server binary by the build */
static unsigned char *read_bank(size_t *len) {
    char path[1024];
    snprintf(path, sizeof(path), "%s", SB_SERVER_PATH);
    snprintf(strrchr(path, '/'), sizeof(path) - (size_t)(strrchr(path, '/') - path),
             "/scripts/bank.lua");
    unsigned char *b = read_all(path, len);
    if (!b) { fprintf(stderr, "can't read %s\n", path); exit(2); }
    return b;
}

static const char *small_segs[] = {"--wal-segment-size", "4kb", NULL};

/* The LSN named by "--to-lsn N" in out (0 if none). */
static unsigned long long named_lsn(void) {
    const char *p = strstr(out, "--to-lsn ");
    return p ? strtoull(p + 9, NULL, 10) : 0;
}

/* ---------------------------------------------------------------- tool */

static void test_tool(void) {
    sb_server *s = srv_startv(small_segs);
    redisContext *c = srv_connect(s);
    size_t len;
    unsigned char *lib = read_bank(&len);
    CHECK(lib != NULL);
    redisReply *r = redisCommand(c, "FUNCTION LOAD %b", lib, len);
    CHECK(r && r->type == REDIS_REPLY_STRING);
    if (r) freeReplyObject(r);
    free(lib);
    set_n(c, "k", 1, 30);
    CHECK_INT(cmd(c, "FCALL deposit 1 acct:a 100"), 100);
    CHECK_STATUS(cmd(c, "BGSAVE"), "Background saving started");
    CHECK(srv_wait_bgsave(c));
    set_n(c, "m", 1, 150);
    r = cmd(c, "FCALL transfer 2 acct:a acct:b 30");
    CHECK(r && r->type == REDIS_REPLY_ARRAY);
    if (r) freeReplyObject(r);
    CHECK_STATUS(cmd(c, "SELECT 2"), "OK");
    CHECK_STATUS(cmd(c, "SET d2key hello"), "OK");
    /* STRONGBOX FILES: the checkpoint and the segments, with LSN ranges */
    r = cmd(c, "STRONGBOX FILES");
    CHECK(r && r->type == REDIS_REPLY_ARRAY && r->elements >= 2);
    int ck = 0, wal = 0;
    for (size_t i = 0; r && r->type == REDIS_REPLY_ARRAY && i < r->elements; i++) {
        redisReply *f = r->element[i];
        CHECK(f->type == REDIS_REPLY_ARRAY && f->elements == 12);
        if (f->elements != 12) continue;
        char path[600];
        snprintf(path, sizeof(path), "%s/%s", s->dir, f->element[1]->str);
        CHECK(access(path, F_OK) == 0);
        ck += !strcmp(f->element[3]->str, "checkpoint");
        wal += !strcmp(f->element[3]->str, "wal");
        CHECK(f->element[7]->integer >= f->element[5]->integer - 1);
    }
    CHECK_EQ_INT(ck, 1);
    CHECK(wal >= 2);
    if (r) freeReplyObject(r);
    /* and the same files in INFO persistence, one line each */
    r = cmd(c, "INFO persistence");
    CHECK(r && r->type == REDIS_REPLY_STRING && strstr(r->str, "file_0:name=ckpt-") &&
          strstr(r->str, "kind=wal,first_lsn=") && strstr(r->str, ",needed=1"));
    if (r) freeReplyObject(r);
    CHECK_ERROR(cmd(c, "STRONGBOX NOPE"), "ERR unknown subcommand 'NOPE'. Try STRONGBOX HELP.");
    redisFree(c);
    srv_kill(s); /* the WAL stays: a checkpoint + segments after it */

    EXPECT_TOOL(0, "needed (loaded at start)", "list %s", s->dir);
    CHECK(strstr(out, "wal-") && strstr(out, "db2: 1 keys") && strstr(out, "in 1 library"));
    EXPECT_TOOL(0, "OK: a server started on", "verify %s", s->dir);
    EXPECT_TOOL(0, "keys: 183", "verify %s --replay", s->dir);
    char digest[64] = "";
    const char *d = strstr(out, "digest: ");
    if (d) snprintf(digest, sizeof(digest), "%.40s", d + 8);
    /* dump: the last segment holds the transfer, as its invocation */
    char segs[64][300];
    int n = 0;
    {
        char line[700];
        snprintf(line, sizeof(line), "ls %s/wal-*.log", s->dir);
        run_capture(line, out, sizeof(out));
        for (char *p = strtok(out, "\n"); p && n < 64; p = strtok(NULL, "\n"))
            snprintf(segs[n++], 300, "%s", p);
    }
    CHECK(n >= 2);
    EXPECT_TOOL(0, "@fcall2 bank", "dump %s", segs[n - 1]);
    CHECK(strstr(out, "transfer") && strstr(out, "db 2  SET d2key hello"));
    EXPECT_TOOL(0, "\"args\":[\"SET\",\"d2key\",\"hello\"]", "dump %s --json", segs[n - 1]);
    EXPECT_TOOL(0, "\"lsn\":", "dump %s --json --from-lsn 2 --to-lsn 3", segs[0]);
    CHECK(!strstr(out, "\"lsn\":1,") && !strstr(out, "\"lsn\":4,"));
    char ckpt[600];
    snprintf(ckpt, sizeof(ckpt), "ls %s/ckpt-*.sbc", s->dir);
    run_capture(ckpt, ckpt, sizeof(ckpt));
    ckpt[strcspn(ckpt, "\n")] = 0;
    EXPECT_TOOL(0, "library  db 0  bank", "dump %s", ckpt);
    CHECK(strstr(out, "string  db 0  k30  v30") != NULL);
    EXPECT_TOOL(0, "usage: strongbox-check repair", "repair --help");
    EXPECT_TOOL(64, "usage", "verify");
    EXPECT_TOOL(64, "bad option", "verify %s --frobnicate", s->dir);

    /* the server recovers the same state as the replay */
    sb_server *s2 = srv_start_in(s->dir, NULL);
    c = srv_connect(s2);
    CHECK_INT(cmd(c, "DBSIZE"), 182);
    CHECK_BULK(cmd(c, "GET acct:b"), "30");
    redisFree(c);
    srv_kill(s2);
    EXPECT_TOOL(0, digest, "verify %s --replay", s->dir);
}

/* -------------------------------------------------------------- damage */

/* k1..k<n>, one SET per LSN (nothing else is logged), several segments. */
static sb_server *make_log(int n) {
    sb_server *s = srv_startv(small_segs);
    redisContext *c = srv_connect(s);
    set_n(c, "k", 1, n);
    redisFree(c);
    srv_kill(s);
    return s;
}

static void flip(const char *path, size_t off) { flip_byte(path, off, 0x40); }

static int last_seg(const char *dir, char *path, size_t cap) {
    char line[700], buf[8192];
    snprintf(line, sizeof(line), "ls %s/wal-*.log", dir);
    run_capture(line, buf, sizeof(buf));
    int n = 0;
    for (char *p = strtok(buf, "\n"); p; p = strtok(NULL, "\n")) {
        snprintf(path, cap, "%s", p);
        n++;
    }
    return n;
}

static void test_damage(void) {
    char seg[600];
    /* torn tail: the last record cut in half */
    sb_server *s = make_log(300);
    int nsegs = last_seg(s->dir, seg, sizeof(seg));
    CHECK(nsegs >= 3);
    size_t len;
    unsigned char *b = read_all(seg, &len);
    CHECK(b && len > 40);
    while (len > 40 && b[len - 1] == 0) len--; /* preallocated zeros after the records */
    write_file(seg, b, len - 5);
    free(b);
    EXPECT_TOOL(1, "TORN TAIL", "verify %s", s->dir);
    CHECK(strstr(out, seg) && strstr(out, "--truncate-torn"));
    EXPECT_TOOL(2, "without --yes", "repair %s --truncate-torn", s->dir);
    EXPECT_TOOL(0, "done", "repair %s --truncate-torn --yes", s->dir);
    CHECK_EQ_INT(count_files(s->dir, ".torn-"), 1);
    EXPECT_TOOL(0, "recovers up to LSN 299", "verify %s", s->dir);
    sb_server *r = srv_start_in(s->dir, NULL);
    expect_keys(r, "k", 1, 299, 299);
    srv_kill(r);

    /* a bit flip in the middle of the last segment: corruption */
    s = make_log(300);
    last_seg(s->dir, seg, sizeof(seg));
    b = read_all(seg, &len);
    flip(seg, 32 + 8 + 12);  /* inside the first record's body */
    free(b);
    EXPECT_TOOL(2, "REFUSE", "verify %s", s->dir);
    CHECK(strstr(out, "CRC mismatch at offset 32") && strstr(out, seg));
    unsigned long long keep = named_lsn();
    CHECK(keep > 1 && keep < 300);
    EXPECT_TOOL(0, "done", "repair %s --to-lsn %llu --yes", s->dir, keep);
    CHECK_EQ_INT(count_files(s->dir, ".dropped-"), 1);
    r = srv_start_in(s->dir, NULL);
    expect_keys(r, "k", 1, (int)keep, (long long)keep);
    srv_kill(r);

    /* a missing segment in the middle */
    s = make_log(300);
    char segs[64][300];
    char line[700], buf[8192];
    snprintf(line, sizeof(line), "ls %s/wal-*.log", s->dir);
    run_capture(line, buf, sizeof(buf));
    int n = 0;
    for (char *p = strtok(buf, "\n"); p && n < 64; p = strtok(NULL, "\n")) snprintf(segs[n++], 300, "%s", p);
    CHECK(n >= 3);
    unsigned long long second = strtoull(strrchr(segs[2], '-') + 1, NULL, 10);
    unlink(segs[1]);
    EXPECT_TOOL(2, "LSN gap", "verify %s", s->dir);
    keep = named_lsn();
    CHECK(keep > 0 && keep < second);
    EXPECT_TOOL(0, "done", "repair %s --to-lsn %llu --yes", s->dir, keep);
    r = srv_start_in(s->dir, NULL);
    expect_keys(r, "k", 1, (int)keep, (long long)keep);
    srv_kill(r);

    /* a corrupt checkpoint whose WAL is gone: refuse, name it */
    s = srv_startv(small_segs);
    redisContext *c = srv_connect(s);
    set_n(c, "k", 1, 300);  /* several segments: those below the checkpoint go */
    CHECK_STATUS(cmd(c, "SAVE"), "OK");
    set_n(c, "k", 301, 305);
    redisFree(c);
    srv_kill(s);
    snprintf(line, sizeof(line), "ls %s/ckpt-*.sbc", s->dir);
    run_capture(line, buf, sizeof(buf));
    buf[strcspn(buf, "\n")] = 0;
    flip(buf, 64 + 8 + 20);
    EXPECT_TOOL(2, "the newest checkpoint is unreadable", "verify %s", s->dir);
    CHECK(strstr(out, buf) && strstr(out, "strongbox-check repair"));
    int status = 0;
    CHECK(srv_try_start_in(s->dir, NULL, &status) == NULL && status == 1);
    /* list still shows everything, and says it is unreadable */
    EXPECT_TOOL(2, "UNREADABLE", "list %s", s->dir);
}

/* ---------------------------------------------------------------- pitr */

static void test_pitr(void) {
    sb_server *s = srv_startv(small_segs);
    redisContext *c = srv_connect(s);
    set_n(c, "k", 1, 50);                   /* LSN 1..50 */
    CHECK_STATUS(cmd(c, "BGSAVE"), "Background saving started");
    usleep(1100000);
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    double t = (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
    usleep(1100000);
    CHECK_STATUS(cmd(c, "SET k1 changed"), "OK");   /* LSN 51 */
    CHECK_INT(cmd(c, "DEL k2"), 1);                /* 52 */
    CHECK_STATUS(cmd(c, "SET new 1"), "OK");       /* 53 */
    CHECK_STATUS(cmd(c, "BGSAVE"), "Background saving started");
    CHECK(srv_wait_bgsave(c)); /* (its file must be there at the kill) */
    CHECK_STATUS(cmd(c, "SET k3 later"), "OK");    /* 54 */
    redisFree(c);
    srv_kill(s);
    const char *a = new_dir(), *b = new_dir(), *nt = new_dir();
    copy_dir(s->dir, a);
    copy_dir(s->dir, b);
    copy_dir(s->dir, nt);

    /* without --yes and without a TTY: nothing changes */
    EXPECT_TOOL(2, "without --yes", "repair %s --to-lsn 50", nt);
    EXPECT_TOOL(0, "recovers up to LSN 54", "verify %s", nt);

    EXPECT_TOOL(0, "dropping 4 readable WAL record(s) after LSN 50", "repair %s --to-lsn 50 --yes", a);
    CHECK(strstr(out, "recovers up to LSN 50") != NULL);
    CHECK(count_files(a, ".dropped-") >= 2); /* the newer checkpoint and WAL bytes */
    EXPECT_TOOL(0, "done", "repair %s --to-time %.3f --yes", b, t);
    CHECK(strstr(out, "recovers up to LSN 50") != NULL);
    for (int k = 0; k < 2; k++) {
        sb_server *r = srv_start_in(k ? b : a, NULL);
        expect_keys(r, "k", 1, 50, 50);
        c = srv_connect(r);
        CHECK_NIL(cmd(c, "GET new"));
        redisFree(c);
        srv_kill(r);
    }
    /* --to-lsn 52: k1 changed, k2 deleted, no "new" yet */
    const char *m = new_dir();
    copy_dir(nt, m);
    EXPECT_TOOL(0, "done", "repair %s --to-lsn 52 --yes", m);
    sb_server *r = srv_start_in(m, NULL);
    c = srv_connect(r);
    CHECK_BULK(cmd(c, "GET k1"), "changed");
    CHECK_NIL(cmd(c, "GET k2"));
    CHECK_NIL(cmd(c, "GET new"));
    CHECK_BULK(cmd(c, "GET k3"), "v3");
    CHECK_INT(cmd(c, "DBSIZE"), 49);
    redisFree(c);
    srv_kill(r);
}

/* -------------------------------------------------------------- export */

static void test_export(void) {
    sb_server *s = srv_start(NULL);
    redisContext *c = srv_connect(s);
    /* (bank.lua uses math at load time, which Redis 7.0 does not allow) */
    redisReply *rr = cmd(c, "FUNCTION LOAD %s", "#!lua name=mylib\n"
        "redis.register_function('setget', function(keys, args) "
        "redis.call('SET', keys[1], args[1]) return redis.call('GET', keys[1]) end)\n"
        "redis.register_function{function_name='get', callback=function(keys, args) "
        "return redis.call('GET', keys[1]) end, flags={'no-writes'}}");
    CHECK(rr && rr->type == REDIS_REPLY_STRING);
    if (rr) freeReplyObject(rr);
    CHECK_BULK(cmd(c, "FCALL setget 1 acct:x 5"), "5");
    for (int i = 0; i < 200; i++) {
        char k[32];
        snprintf(k, sizeof(k), "key:%d", i);
        CHECK_STATUS(cmd(c, "SET %s val\r\n%d", k, i), "OK");
        if (i % 3 == 0) CHECK_INT(cmd(c, "EXPIRE %s %d", k, 1000 + i), 1);
    }
    CHECK_STATUS(cmd(c, "SET %b %b", "bin\0key", (size_t)7, "\x00\xff\r\n", (size_t)4), "OK");
    CHECK_STATUS(cmd(c, "SET gone x PX 50"), "OK");
    CHECK_STATUS(cmd(c, "SELECT 5"), "OK");
    CHECK_STATUS(cmd(c, "SET in5 five"), "OK");
    redisFree(c);
    usleep(100000);
    srv_stop(s); /* final checkpoint: export reads it */

    redisContext *rc = redis_start();
    CHECK(rc != NULL);
    if (!rc) return;
    int port = rc->tcp.port;
    char line[1200];
    snprintf(line, sizeof(line), "%s export %s | redis-cli -p %d --pipe 2>&1", SB_CHECK_PATH,
             s->dir, port);
    int st = run_capture(line, out, sizeof(out));
    CHECK(st == 0 && strstr(out, "errors: 0"));
    if (st || !strstr(out, "errors: 0")) fprintf(stderr, "%s\n", out);

    sb_server *src = srv_start_in(s->dir, NULL);
    c = srv_connect(src);
    for (int db = 0; db < 6; db += 5) {
        redisReply *keys = cmd(c, "KEYS *");
        CHECK_STATUS(cmd(rc, "SELECT %d", db), "OK");
        redisReply *n = cmd(rc, "DBSIZE");
        CHECK(keys && n && (long long)keys->elements == n->integer);
        for (size_t i = 0; keys && i < keys->elements; i++) {
            redisReply *k = keys->element[i];
            redisReply *v1 = cmd(c, "GET %b", k->str, k->len), *v2 = cmd(rc, "GET %b", k->str, k->len);
            CHECK(v1 && v2 && v1->type == v2->type && v1->len == v2->len &&
                  !memcmp(v1->str, v2->str, v1->len));
            redisReply *t1 = cmd(c, "PTTL %b", k->str, k->len), *t2 = cmd(rc, "PTTL %b", k->str, k->len);
            CHECK(t1 && t2 && (t1->integer < 0) == (t2->integer < 0) &&
                  llabs(t1->integer - t2->integer) <= 1000);
            freeReplyObject(v1); freeReplyObject(v2); freeReplyObject(t1); freeReplyObject(t2);
        }
        if (keys) freeReplyObject(keys);
        if (n) freeReplyObject(n);
        CHECK_STATUS(cmd(c, "SELECT 5"), "OK");
    }
    CHECK_STATUS(cmd(rc, "SELECT 0"), "OK");
    CHECK_NIL(cmd(rc, "GET gone"));
    CHECK_BULK(cmd(rc, "FCALL_RO get 1 acct:x"), "5");
    redisFree(c);
    redisFree(rc);
    srv_kill(src);
}

/* -------------------------------------------------------------- backup */

static sb_server *bsrv;
static atomic_int acked, stop_writer;

static void *writer(void *arg) {
    (void)arg;
    redisContext *c = srv_connect(bsrv);
    for (int i = 1; !atomic_load(&stop_writer); i++) {
        redisReply *r = redisCommand(c, "SET w:%d %d", i, i);
        int ok = r && r->type == REDIS_REPLY_STATUS;
        if (r) freeReplyObject(r);
        if (!ok) break;
        atomic_store(&acked, i);
    }
    redisFree(c);
    return NULL;
}

static void test_backup(void) {
    const char *args[] = {"--wal-segment-size", "16kb", NULL};
    bsrv = srv_startv(args);
    pthread_t th;
    pthread_create(&th, NULL, writer, NULL);
    redisContext *c = srv_connect(bsrv);
    for (int round = 0; round < 4; round++) {
        usleep(200000);
        if (round % 2 == 0) CHECK_STATUS(cmd(c, "BGSAVE"), "Background saving started");
        usleep(20000);
        int before = atomic_load(&acked);
        const char *dest = new_dir();
        EXPECT_TOOL(0, "verified", "backup %s %s --quiet", bsrv->dir, dest);
        char backup_out[2048];
        snprintf(backup_out, sizeof(backup_out), "%.2000s", out);
        int after = atomic_load(&acked);
        sb_server *r = srv_start_in(dest, NULL);
        redisContext *rc = srv_connect(r);
        redisReply *n = cmd(rc, "DBSIZE");
        long long m = n && n->type == REDIS_REPLY_INTEGER ? n->integer : -1;
        if (n) freeReplyObject(n);
        int failures = tu_failures;
        CHECK(m >= before && m <= after + 1);
        /* a prefix: w:1..w:m and nothing else */
        for (long long i = 1; i <= m; i += (i < m - 50 ? 97 : 1)) {
            char v[32];
            snprintf(v, sizeof(v), "%lld", i);
            CHECK_BULK(cmd(rc, "GET w:%lld", i), v);
        }
        CHECK_NIL(cmd(rc, "GET w:%lld", m + 1));
        if (tu_failures != failures) {
            /* (seen once in CI, never reproduced): keep everything that
             * could explain it -- the copy, both servers' view, the files */
            redisReply *s1 = cmd(c, "GET w:1");
            fprintf(stderr, "backup round %d: acked before %d, after %d; copy DBSIZE %lld, "
                    "restored on port %d (pid %d); the source has w:1 = %s\n%s\n", round, before,
                    after, m, r->port, (int)r->pid, s1 && s1->str ? s1->str : "(nil)", backup_out);
            if (s1) freeReplyObject(s1);
            tool("list %s", dest);
            fprintf(stderr, "list of the copy:\n%s\n", out);
            tool("list %s", bsrv->dir);
            fprintf(stderr, "list of the source:\n%s\n", out);
            char keep[700];
            snprintf(keep, sizeof(keep), "cp -a '%s' /tmp/sb-backup-failure.%d && "
                     "echo kept in /tmp/sb-backup-failure.%d >&2", dest, (int)getpid(), (int)getpid());
            if (system(keep)) {}
        }
        redisFree(rc);
        srv_kill(r);
    }
    atomic_store(&stop_writer, 1);
    pthread_join(th, NULL);
    redisFree(c);
    srv_stop(bsrv);
}

#define CHECK_OUT(cond, what) do { if (!(cond)) { fprintf(stderr, "%s:%d: %s:\n%s\n", \
    __FILE__, __LINE__, (what), out); tu_failures++; } } while (0)

/* The progress bar: drawn on a terminal (script(1) gives the tool one),
 * never with --quiet or into a pipe. */
static void test_progress(void) {
    const char *d = new_dir();
    sb_server *s = srv_start_in(d, NULL);
    redisContext *c = srv_connect(s);
    set_n(c, "p", 1, 2000);
    redisFree(c);
    srv_kill(s);
    char line[1200];
    snprintf(line, sizeof(line), "script -qec '%s verify %s --replay' /dev/null 2>&1",
             SB_CHECK_PATH, d);
    run_capture(line, out, sizeof(out));
    CHECK_OUT(strstr(out, "replay ") && strstr(out, "%"), "no progress bar on a terminal");
    snprintf(line, sizeof(line), "script -qec '%s verify %s --replay --quiet' /dev/null 2>&1",
             SB_CHECK_PATH, d);
    run_capture(line, out, sizeof(out));
    CHECK_OUT(!strstr(out, "%"), "a progress bar with --quiet");
    tool("verify %s --replay", d); /* a pipe */
    CHECK_OUT(!strstr(out, "%"), "a progress bar into a pipe");
    drop_dir(d);
}

static const struct { const char *name; void (*fn)(void); } sections[] = {
    {"tool", test_tool}, {"damage", test_damage}, {"pitr", test_pitr},
    {"export", test_export}, {"backup", test_backup}, {"progress", test_progress}};

int main(int argc, char **argv) {
    for (size_t i = 0; i < sizeof(sections) / sizeof(sections[0]); i++) {
        if (argc > 1 && strcmp(argv[1], sections[i].name)) continue;
        printf("== %s\n", sections[i].name);
        fflush(stdout);
        sections[i].fn();
    }
    TU_DONE();
}
