/* test_wal.c -- the write-ahead log on disk and its failure modes.
 *
 * Sections (run one with `test_wal <name>`):
 *  format    the segment and record layout of WAL_FORMAT.md, CRC32C checked
 *            with an independent implementation
 *  torn      a torn tail at every byte of the last record (cut, garbage,
 *            zeros, garbage appended): start, keep all before, warn, save;
 *            zeros after the last record (preallocated space): a clean end
 *  corrupt   a damaged record with intact ones after it, a damaged header,
 *            a duplicated record: refuse to start, name file and offset
 *  segments  several segments, finished ones without preallocated zeros;
 *            a missing middle or first segment, a cut non-last segment:
 *            refuse; a torn new segment header: removed
 *  crafted   records with valid CRCs but bad content: refuse, no crash
 *  fault     DEBUG WAL-FAULT write/fsync EIO/ENOSPC/EDQUOT: no OK for the
 *            failed write, MISCONF after, reads served, INFO, restart
 *  expiry    expired keys stay expired after replay, TTLs are kept
 *  everysec  appendfsync everysec, CONFIG SET appendfsync at run time
 *  waitaof   WAITAOF numlocal/numreplicas, with and without appendonly
 *  aofno     appendonly no writes nothing, replays what exists
 *  order     replies keep their order across group commits (pipelined
 *            clients, clients closing with replies pending)
 *  inline    a lone client's writes are committed by the thread holding
 *            the engine (always mode), two clients' by the writer thread;
 *            all acknowledged writes survive a SIGKILL either way
 *  pipeline  wal-pipeline: a group written while the syncer syncs waits
 *            for the next sync; off, the writer syncs itself
 */
#include "harness.h"
#include "testfs.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* ------------------------------------------------------------ helpers */

static int64_t wall_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static uint64_t rng_state = 88172645463325252ull;
static uint64_t rnd(void) {
    uint64_t x = rng_state;
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    rng_state = x;
    return x * 2685821657736338717ull;
}

static long file_size(const char *path) {
    struct stat st;
    return stat(path, &st) == 0 ? (long)st.st_size : -1;
}

static void seg_path(char *out, size_t cap, const char *dir, uint64_t first) {
    snprintf(out, cap, "%s/wal-%020llu.log", dir, (unsigned long long)first);
}

/* The wal-*.log files of dir, sorted; returns how many. */
static int list_segs(const char *dir, char paths[][300], int max) {
    DIR *d = opendir(dir);
    int n = 0;
    if (!d) return 0;
    struct dirent *de;
    while ((de = readdir(d)) && n < max) {
        size_t l = strlen(de->d_name);
        if (!strncmp(de->d_name, "wal-", 4) && l == 28 && !strcmp(de->d_name + l - 4, ".log"))
            snprintf(paths[n++], 300, "%s/%s", dir, de->d_name);
    }
    closedir(d);
    for (int i = 1; i < n; i++) /* insertion sort: same-length names */
        for (int j = i; j > 0 && strcmp(paths[j - 1], paths[j]) > 0; j--) {
            char t[300];
            memcpy(t, paths[j], 300);
            memcpy(paths[j], paths[j - 1], 300);
            memcpy(paths[j - 1], t, 300);
        }
    return n;
}

/* Copy the wal-*.log files of src into dst. */
static void copy_wal(const char *src, const char *dst) {
    char segs[256][300];
    int n = list_segs(src, segs, 256);
    for (int i = 0; i < n; i++) {
        size_t len;
        unsigned char *b = read_all(segs[i], &len);
        char to[600];
        snprintf(to, sizeof(to), "%s/%s", dst, strrchr(segs[i], '/') + 1);
        write_file(to, b, len);
        free(b);
    }
}

static void dump_log(const char *dir) {
    char cmdl[700];
    snprintf(cmdl, sizeof(cmdl), "tail -n 40 '%s/server.log' >&2", dir);
    if (system(cmdl)) {}
}

/* SIGTERM and wait; returns the exit status (-1: had to be killed). */
static int stop_status(sb_server *s) {
    if (s->pid <= 0) return -1;
    kill(s->pid, SIGTERM);
    double deadline = clock_s() + 20;
    int st = 0;
    while (waitpid(s->pid, &st, WNOHANG) == 0) {
        if (clock_s() > deadline) {
            kill(s->pid, SIGKILL);
            waitpid(s->pid, &st, 0);
            s->pid = 0;
            srv_stop(s);
            return -1;
        }
        usleep(2000);
    }
    s->pid = 0;
    srv_stop(s); /* only looks at the log for sanitizer reports now */
    return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

/* "name:value" of INFO persistence into out ("" if missing). */
static void info_field(redisContext *c, const char *name, char *out, size_t cap) {
    out[0] = 0;
    redisReply *r = cmd(c, "INFO"); /* (the default sections: persistence, stats...) */
    if (!r || r->type != REDIS_REPLY_STRING) { if (r) freeReplyObject(r); return; }
    size_t nl = strlen(name);
    for (char *p = r->str; p && *p; p = strchr(p, '\n') ? strchr(p, '\n') + 1 : NULL) {
        if (!strncmp(p, name, nl) && p[nl] == ':') {
            size_t i = 0;
            for (const char *v = p + nl + 1; *v && *v != '\r' && *v != '\n' && i + 1 < cap; v++)
                out[i++] = *v;
            out[i] = 0;
            break;
        }
    }
    freeReplyObject(r);
}

static long long info_ll(redisContext *c, const char *name) {
    char v[64];
    info_field(c, name, v, sizeof(v));
    return v[0] ? atoll(v) : -1;
}

/* Wait (up to 5 s) until INFO field `name` reaches at least `want`: work the
 * writer does after the replies went out, such as an eager rollover. */
static int wait_info_ll(redisContext *c, const char *name, long long want) {
    for (double end = clock_s() + 5; info_ll(c, name) < want; usleep(1000))
        if (clock_s() > end) return 0;
    return 1;
}

/* One record of a segment. */
typedef struct rec {
    size_t off, len;      /* whole record, header included */
    uint64_t lsn;
    int type;
} rec;

/* Check the segment header and every record; returns the number of
 * records (or -1 with a message). */
static int parse_segment(const unsigned char *b, size_t n, uint64_t name_lsn, rec *out, int max) {
    static const unsigned char magic[8] = {'S', 'B', 'W', 'A', 'L', '\r', '\n', 0x1a};
    if (n < 32 || memcmp(b, magic, 8) || get32(b + 8) < 1 || get32(b + 8) > 2 || get32(b + 12) ||
        get64(b + 16) != name_lsn || get32(b + 24) || get32(b + 28) != crc32c(b, 28)) {
        fprintf(stderr, "bad segment header\n");
        return -1;
    }
    size_t off = 32;
    int k = 0;
    while (off < n) {
        size_t z = off;
        while (z < n && b[z] == 0) z++;
        if (z == n) break; /* zeros to the end: preallocated, not written yet */
        if (n - off < 8) { fprintf(stderr, "short record header at %zu\n", off); return -1; }
        uint32_t blen = get32(b + off);
        if (blen < 9 || blen > n - off - 8) { fprintf(stderr, "bad length at %zu\n", off); return -1; }
        if (crc32c(b + off + 8, blen) != get32(b + off + 4)) {
            fprintf(stderr, "CRC32C mismatch at %zu\n", off);
            return -1;
        }
        if (k < max) out[k] = (rec){off, 8 + (size_t)blen, get64(b + off + 8), b[off + 16]};
        k++;
        off += 8 + blen;
    }
    return k;
}

/* The value set_keys gives key i: "value-<i>-" then letters, vlen bytes
 * (at least the prefix, at most cap - 1); returns its length. */
static size_t key_value(int i, size_t vlen, char *v, size_t cap) {
    int m = snprintf(v, cap, "value-%d-", i);
    for (size_t j = (size_t)m; j < vlen && j < cap - 1; j++) v[j] = (char)('a' + (i + (int)j) % 26);
    size_t n = vlen > (size_t)m ? vlen : (size_t)m;
    return n > cap - 1 ? cap - 1 : n;
}

static void set_keys(redisContext *c, const char *prefix, int from, int to, size_t vlen) {
    for (int i = from; i < to; i++) {
        char k[64], v[4096];
        snprintf(k, sizeof(k), "%s%d", prefix, i);
        size_t n = key_value(i, vlen, v, sizeof(v));
        CHECK_STATUS(cmd(c, "SET %s %b", k, v, n), "OK");
    }
}

/* set_keys in pipelines of 100: groups of many blocks. */
static void pipe_keys(redisContext *c, const char *prefix, int from, int to, size_t vlen) {
    for (int i = from; i < to; i += 100) {
        int end = i + 100 < to ? i + 100 : to;
        for (int j = i; j < end; j++) {
            char k[64], v[4096];
            snprintf(k, sizeof(k), "%s%d", prefix, j);
            size_t n = key_value(j, vlen, v, sizeof(v));
            redisAppendCommand(c, "SET %s %b", k, v, n);
        }
        for (int j = i; j < end; j++) {
            redisReply *r = NULL;
            if (redisGetReply(c, (void **)&r) != REDIS_OK) r = NULL;
            CHECK_STATUS(r, "OK");
        }
    }
}

/* Are prefix<from..to-1> there with the values set_keys gives them? */
static int keys_ok(redisContext *c, const char *prefix, int from, int to, size_t vlen) {
    int bad = 0;
    for (int i = from; i < to; i++) {
        char k[64], v[4096];
        snprintf(k, sizeof(k), "%s%d", prefix, i);
        size_t n = key_value(i, vlen, v, sizeof(v));
        redisReply *r = cmd(c, "GET %s", k);
        if (!r || r->type != REDIS_REPLY_STRING || r->len != n || memcmp(r->str, v, n)) {
            if (!bad) fprintf(stderr, "  %s is %s\n", k, reply_str(r));
            bad++;
        }
        if (r) freeReplyObject(r);
    }
    return bad == 0;
}

/* Start a server on d, check prefix<from..to-1> (keys_ok) and stop it cleanly. */
static void restart_keys_ok(const char *d, const char **args, const char *prefix, int from,
                            int to, size_t vlen) {
    sb_server *s = srv_start_in(d, args);
    redisContext *c = srv_connect(s);
    CHECK(keys_ok(c, prefix, from, to, vlen));
    redisFree(c);
    srv_stop(s);
}

static const char *no_args[] = {NULL};

/* ------------------------------------------------------------ inline */

static void two_round_trippers(int engine_thread) {
    const char *d = new_dir();
    const char *args[] = {"--busy-poll", "0", "--inline-batch", engine_thread ? "0" : "1024",
                          NULL};
    sb_server *s = srv_start_in(d, args);
    redisContext *c = srv_connect(s), *c2 = srv_connect(s);
    const char *what = engine_thread ? "io_reply_waits" : "wal_inline_commits";
    long long w0 = info_ll(c, what);
    for (int i = 0; i < 100; i++) {
        redisContext *x[2] = {c, c2};
        long long got[2] = {0, 0};
        for (int j = 0; j < 2; j++) {
            redisAppendCommand(x[j], "SET w%d %d", 2 * i + j, 2 * i + j);
            redisAppendCommand(x[j], "INCR wc");
            flush_pipeline(x[j]);
        }
        for (int j = 0; j < 2; j++) {
            CHECK_STATUS(get_reply(x[j]), "OK");
            redisReply *r = get_reply(x[j]);
            CHECK(r && r->type == REDIS_REPLY_INTEGER);
            if (r && r->type == REDIS_REPLY_INTEGER) got[j] = r->integer;
            if (r) freeReplyObject(r);
        }
        /* the two INCRs ran in either order, each once */
        CHECK(got[0] + got[1] == 4 * i + 3 && (got[0] == 2 * i + 1 || got[0] == 2 * i + 2));
    }
    long long w = info_ll(c, what) - w0;
    CHECK_MSG(w >= 50, "100 round trips of two clients: %s went up by %lld", what, w);
    redisFree(c2);
    redisFree(c);
    srv_kill(s);
    s = srv_start_in(d, no_args);
    c = srv_connect(s);
    CHECK_BULK(cmd(c, "GET wc"), "200");
    CHECK_BULK(cmd(c, "GET w199"), "199");
    redisFree(c);
    srv_stop(s);
    drop_dir(d);
}

/* SETs keys prefix0..prefix<n-1> one at a time, up to `tries` times until
 * at least `need` of them committed inline; checks that some try did.
 * Returns the last try's count. */
static long long lone_inline(redisContext *c, const char *prefix, int n, long long need,
                             int tries, const char *what) {
    long long got = 0;
    for (int try = 0; try < tries && got < need; try++) {
        long long i0 = info_ll(c, "wal_inline_commits");
        set_keys(c, prefix, 0, n, 20);
        got = info_ll(c, "wal_inline_commits") - i0;
        if (got < need) fprintf(stderr, "  %s, try %d: %lld of %d inline\n", what, try + 1, got, n);
    }
    CHECK_MSG(got >= need, "%s: %lld of %d writes committed inline", what, got, n);
    return got;
}

static void test_inline(void) {
    const char *d = new_dir();
    sb_server *s = srv_start_in(d, no_args); /* appendfsync always */
    redisContext *c = srv_connect(s);
    usleep(30 * 1000); /* the harness's probe counted as a client for 10 ms */
    /* (A write of a lone client that finds the engine at its cron tick, or
     * the writer not idle yet -- its thread preempted on a loaded machine
     * -- goes to the writer: a few in a hundred may. Up to 3 tries; with
     * inline commits broken every try has none or few.) */
    long long n = lone_inline(c, "l", 300, 270, 3, "a lone client");
    /* two clients at work, pipelining: the writer thread commits, and the
     * next batch runs during its fsync. (The count of clients at work is
     * per 10 ms, the last period's while the next begins: a round read
     * across a period boundary, or one that comes a period or more after
     * the one before on a loaded machine, with its two clients' batches
     * read apart, may find it at 1 and commit a batch inline -- 0-6 of 30
     * seen with both CPUs busy. Committing them all inline, the bug, is
     * one or two a round, 30 or more. Up to 3 attempts.) */
    redisContext *c2 = srv_connect(s);
    for (int attempt = 0; attempt < 3; attempt++) {
        long long i0 = info_ll(c, "wal_inline_commits");
        for (int i = 0; i < 300; i += 10) {
            redisContext *x[2] = {c, c2};
            for (int j = 0; j < 10; j++) {
                char k[64], v[4096];
                snprintf(k, sizeof(k), "t%d", i + j);
                size_t len = key_value(i + j, 20, v, sizeof(v));
                redisAppendCommand(x[j % 2], "SET %s %b", k, v, len);
            }
            flush_pipeline(c);
            flush_pipeline(c2);
            for (int j = 0; j < 10; j++) CHECK_STATUS(get_reply(x[j % 2]), "OK");
        }
        n = info_ll(c, "wal_inline_commits") - i0;
        if (n <= 10) break;
        fprintf(stderr, "  two clients pipelining, attempt %d: %lld of 30 rounds inline\n",
                attempt + 1, n);
    }
    CHECK_MSG(n <= 10, "two clients pipelining: %lld of 30 rounds committed inline", n);
    /* alone again (the count is per 10 ms): inline again */
    redisFree(c2);
    usleep(40 * 1000);
    lone_inline(c, "m", 100, 90, 3, "alone again");
    redisFree(c);
    srv_kill(s);
    sb_server *r = srv_start_in(d, no_args);
    c = srv_connect(r);
    CHECK(keys_ok(c, "l", 0, 300, 20));
    CHECK(keys_ok(c, "t", 0, 300, 20));
    CHECK(keys_ok(c, "m", 0, 100, 20));
    redisFree(c);
    srv_stop(r);
    drop_dir(d);
    /* Two clients that wait for their replies before they send more: the
     * I/O thread commits what it ran itself (the network layer's hint to
     * wal.c), as for a lone client. With inline-batch 0 the engine thread
     * runs the commands and the writer commits them, and the I/O thread
     * waits for the replies rather than for input (net.c wait_replies; no
     * busy poll, which could catch them first). Every reply comes, right,
     * and each write survives SIGKILL. */
    for (int mode = 0; mode < 2; mode++)
        two_round_trippers(mode);
}

/* ------------------------------------------------------------ format */

static void test_format(void) {
    const char *d = new_dir();
    sb_server *s = srv_start_in(d, no_args);
    redisContext *c = srv_connect(s);
    int64_t t0 = wall_ms();
    CHECK_STATUS(cmd(c, "SET %s %s", "alpha", "one"), "OK");
    CHECK_STATUS(cmd(c, "SELECT 3"), "OK");
    CHECK_STATUS(cmd(c, "SET %s %b", "bin", "a\0b\r\nc", (size_t)6), "OK");
    CHECK_STATUS(cmd(c, "SET x 1"), "OK");
    CHECK_STATUS(cmd(c, "SET y 2"), "OK");
    CHECK_INT(cmd(c, "DEL x y nosuch"), 2);         /* one unit, two changes */
    CHECK_STATUS(cmd(c, "SET t v PX 100000"), "OK"); /* logged with PXAT */
    CHECK_INT(cmd(c, "INCR n"), 1);                 /* logged as SET ... KEEPTTL */
    CHECK_NIL(cmd(c, "GET nosuch"));                /* reads log nothing */
    int64_t t1 = wall_ms();
    redisFree(c);
    srv_kill(s); /* the WAL as written (a clean stop may also checkpoint) */

    char segs[8][300];
    CHECK_EQ_INT(list_segs(d, segs, 8), 1);
    char want[600];
    seg_path(want, sizeof(want), d, 1);
    CHECK(!strcmp(segs[0], want));
    size_t len;
    unsigned char *b = read_all(want, &len);
    CHECK(b != NULL);
    if (!b) return;
    rec r[32];
    int n = parse_segment(b, len, 1, r, 32);
    CHECK_EQ_INT(n, 7);
    CHECK_EQ_INT(get32(b + 8), 2); /* format version */
    /* expected change vectors of each unit: argc strings, "|" between changes */
    const char *expect[] = {
        "0:SET alpha one", "3:SET bin a\\0b\\r\\nc", "3:SET x 1", "3:SET y 2",
        "3:DEL x|3:DEL y", "3:SET t v PXAT *", "3:SET n 1 KEEPTTL"};
    for (int i = 0; i < n && i < 7; i++) {
        CHECK_EQ_INT(r[i].lsn, i + 1);
        CHECK_EQ_INT(r[i].type, 1);
        const unsigned char *p = b + r[i].off + 17, *end = b + r[i].off + r[i].len;
        int64_t t = (int64_t)get64(p);
        CHECK_MSG(t >= t0 - 1000 && t <= t1 + 1000, "record %d: time %lld not in [%lld, %lld]",
                  i, (long long)t, (long long)t0, (long long)t1);
        uint32_t nch = get32(p + 8);
        p += 12;
        char got[512];
        size_t gl = 0;
        int bad = 0;
        for (uint32_t k = 0; k < nch && !bad; k++) {
            if (end - p < 8) { bad = 1; break; }
            uint32_t db = get32(p), argc = get32(p + 4);
            p += 8;
            gl += (size_t)snprintf(got + gl, sizeof(got) - gl, "%s%u:", k ? "|" : "", db);
            for (uint32_t a = 0; a < argc; a++) {
                if (end - p < 4 || (size_t)(end - p - 4) < get32(p)) { bad = 1; break; }
                uint32_t l = get32(p);
                p += 4;
                if (a) got[gl++] = ' ';
                int is_pxat_ms = a == 4 && gl >= 6 && !memcmp(got + gl - 6, " PXAT ", 6);
                if (is_pxat_ms) {
                    char num[32];
                    snprintf(num, sizeof(num), "%.*s", (int)l, (const char *)p);
                    long long ms = atoll(num);
                    CHECK_MSG(ms >= t0 + 100000 - 1000 && ms <= t1 + 100000 + 1000,
                              "PXAT %lld is not about now + 100 s", ms);
                    got[gl++] = '*';
                } else {
                    for (uint32_t q = 0; q < l && gl + 4 < sizeof(got); q++) {
                        unsigned char ch = p[q];
                        if (ch == 0) { memcpy(got + gl, "\\0", 2); gl += 2; }
                        else if (ch == '\r') { memcpy(got + gl, "\\r", 2); gl += 2; }
                        else if (ch == '\n') { memcpy(got + gl, "\\n", 2); gl += 2; }
                        else got[gl++] = (char)ch;
                    }
                }
                p += l;
            }
            got[gl] = 0;
        }
        CHECK_MSG(!bad && p == end, "record %d: payload does not parse", i);
        CHECK_MSG(!strcmp(got, expect[i]), "record %d is \"%s\", expected \"%s\"", i, got,
                  expect[i]);
    }
    free(b);
    /* and it comes back */
    s = srv_start_in(d, no_args);
    c = srv_connect(s);
    CHECK_BULK(cmd(c, "GET alpha"), "one");
    CHECK_STATUS(cmd(c, "SELECT 3"), "OK");
    redisReply *g = cmd(c, "GET bin");
    CHECK(g && g->type == REDIS_REPLY_STRING && g->len == 6 && !memcmp(g->str, "a\0b\r\nc", 6));
    if (g) freeReplyObject(g);
    CHECK_INT(cmd(c, "EXISTS x y"), 0);
    CHECK_BULK(cmd(c, "GET n"), "1");
    CHECK_INT(cmd(c, "DBSIZE"), 3);
    redisFree(c);
    srv_stop(s);
    drop_dir(d);
}

/* ------------------------------------------------------------ torn tails */

#define NBASE 20

/* A WAL with k0..k19 then "SET z 1" as its last record. */
static unsigned char *make_base(const char *d, size_t *len, rec *last, rec *all, int *nrec) {
    sb_server *s = srv_start_in(d, no_args);
    redisContext *c = srv_connect(s);
    set_keys(c, "k", 0, NBASE, 0);
    CHECK_STATUS(cmd(c, "SET z 1"), "OK");
    redisFree(c);
    srv_kill(s); /* the WAL as written (a clean stop may also checkpoint) */
    char p[600];
    seg_path(p, sizeof(p), d, 1);
    unsigned char *b = read_all(p, len);
    if (!b) { fprintf(stderr, "no WAL in %s\n", d); exit(1); }
    static rec tmp[64];
    rec *r = all ? all : tmp;
    int n = parse_segment(b, *len, 1, r, 64);
    if (n != NBASE + 1) { fprintf(stderr, "base WAL has %d records\n", n); exit(1); }
    *last = r[n - 1];
    *len = last->off + last->len; /* without the preallocated zeros */
    if (nrec) *nrec = n;
    return b;
}

/* Start on a segment image that has a torn tail at torn_off (or none if
 * torn_off is SIZE_MAX); z must be there iff z_there. */
static void torn_case(const char *what, const unsigned char *img, size_t len, size_t torn_off,
                      int z_there, int restart) {
    int f0 = tu_failures;
    const char *d = new_dir();
    char seg[600];
    seg_path(seg, sizeof(seg), d, 1);
    write_file(seg, img, len);
    int status;
    sb_server *s = srv_try_start_in(d, no_args, &status);
    if (!s) {
        fprintf(stderr, "%s: the server did not start (exit status %d)\n", what, status);
        dump_log(d);
        tu_failures++;
        return;
    }
    redisContext *c = srv_connect(s);
    CHECK(keys_ok(c, "k", 0, NBASE, 0));
    if (z_there) CHECK_BULK(cmd(c, "GET z"), "1");
    else CHECK_NIL(cmd(c, "GET z"));
    CHECK_INT(cmd(c, "DBSIZE"), NBASE + z_there);
    /* zeros at the end are preallocated space, never written: not kept
     * (the records used here never end with a zero byte) */
    size_t end = len;
    while (end > 0 && img[end - 1] == 0) end--;
    if (torn_off != SIZE_MAX) {
        char offs[64], side[700];
        snprintf(offs, sizeof(offs), "offset %zu", torn_off);
        CHECK_MSG(log_has(d, "torn write", seg, offs, NULL),
                  "%s: no torn-write warning naming %s and %s", what, seg, offs);
        snprintf(side, sizeof(side), "%s.torn-%zu", seg, torn_off);
        CHECK_MSG(same_file(side, img + torn_off, end - torn_off),
                  "%s: %s does not hold the %zu cut bytes", what, side, end - torn_off);
        CHECK_EQ_INT(file_size(seg), (long)torn_off);
    } else {
        CHECK_MSG(!log_has(d, "torn", NULL), "%s: unexpected torn-write warning", what);
        CHECK_EQ_INT(file_size(seg), (long)len); /* left as it is */
        CHECK_EQ_INT(count_files(d, ".torn-"), 0);
    }
    if (restart) { /* the WAL goes on after the cut */
        CHECK_STATUS(cmd(c, "SET after %s", "cut"), "OK");
        redisFree(c);
        srv_stop(s);
        s = srv_start_in(d, no_args);
        c = srv_connect(s);
        CHECK(keys_ok(c, "k", 0, NBASE, 0));
        CHECK_BULK(cmd(c, "GET after"), "cut");
        if (z_there) CHECK_BULK(cmd(c, "GET z"), "1");
        else CHECK_NIL(cmd(c, "GET z"));
    }
    redisFree(c);
    srv_stop(s);
    if (tu_failures != f0) {
        fprintf(stderr, "  (case: %s)\n", what);
        dump_log(d);
    }
    drop_dir(d);
}

static void test_torn(void) {
    const char *base = new_dir();
    size_t len;
    rec last;
    unsigned char *b = make_base(base, &len, &last, NULL, NULL);
    CHECK_EQ_INT(last.off + last.len, len);
    printf("  last record: offset %zu, %zu bytes\n", last.off, last.len);
    unsigned char *img = malloc(len + 8192);
    int ncase = 0;
    /* cut at every byte of the last record (cut == off: a clean end) */
    for (size_t cut = last.off; cut < last.off + last.len; cut++) {
        char what[64];
        snprintf(what, sizeof(what), "cut to %zu bytes", cut);
        torn_case(what, b, cut, cut == last.off ? SIZE_MAX : last.off, 0, ncase++ % 8 == 0);
    }
    /* the tail from every byte of the last record on overwritten */
    for (int zeros = 0; zeros < 2; zeros++)
        for (size_t p = last.off; p < last.off + last.len; p++) {
            memcpy(img, b, len);
            for (size_t i = p; i < len; i++) img[i] = zeros ? 0 : (unsigned char)rnd();
            if (p >= last.off + 8 && !zeros && !memcmp(img + p, b + p, len - p))
                img[p] ^= 0xff; /* random bytes that happen to be the same */
            char what[64];
            snprintf(what, sizeof(what), "%s from %zu", zeros ? "zeros" : "garbage", p);
            /* all of the last record zeros: it was never written, and
             * zeros are the preallocated end of a segment */
            size_t torn = zeros && p == last.off ? SIZE_MAX : last.off;
            torn_case(what, img, len, torn, 0, ncase++ % 8 == 0);
        }
    /* garbage after an intact last record: torn; zeros: the preallocated
     * end of the segment, read past without a warning */
    memcpy(img, b, len);
    for (size_t i = len; i < len + 37; i++) img[i] = (unsigned char)rnd();
    torn_case("37 garbage bytes appended", img, len + 37, len, 1, 1);
    memset(img + len, 0, 4096);
    torn_case("4096 zeros appended", img, len + 4096, SIZE_MAX, 1, 1);
    memset(img + len, 0, 5);
    torn_case("5 zeros appended", img, len + 5, SIZE_MAX, 1, 0);
    /* zeros, then a stray non-zero byte: not a clean end */
    memset(img + len, 0, 4096);
    img[len + 3000] = 7;
    torn_case("zeros with a stray byte appended", img, len + 4096, len, 1, 0);
    printf("  %d torn-tail cases\n", ncase + 3);
    free(img);
    free(b);
    drop_dir(base);
}

/* ------------------------------------------------------------ corruption */

/* The server must refuse img, naming seg and (if off != SIZE_MAX) the
 * offset, and leave the file alone. */
static void refuse_case(const char *what, const char *d, const char *seg, const unsigned char *img,
                        size_t len, size_t off, const char *also) {
    int f0 = tu_failures;
    int status;
    const char *args[] = {NULL};
    sb_server *s = srv_try_start_in(d, args, &status);
    if (s) {
        fprintf(stderr, "%s: the server started on a damaged WAL\n", what);
        tu_failures++;
        srv_stop(s);
    } else {
        CHECK_MSG(status != 0 && status != -1, "%s: exit status %d", what, status);
        char offs[64];
        snprintf(offs, sizeof(offs), "offset %zu", off);
        CHECK_MSG(log_has(d, seg, off == SIZE_MAX ? seg : offs, also ? also : seg, NULL),
                  "%s: no message naming %s%s%s", what, seg, off == SIZE_MAX ? "" : " and ",
                  off == SIZE_MAX ? "" : offs);
        CHECK_MSG(log_has(d, "strongbox-check", NULL), "%s: strongbox-check not mentioned", what);
        CHECK_MSG(!log_has(d, "ERROR: AddressSanitizer", NULL) &&
                      !log_has(d, "runtime error:", NULL) && !log_has(d, "LeakSanitizer", NULL),
                  "%s: sanitizer report", what);
        if (img) CHECK_MSG(same_file(seg, img, len), "%s: the segment was modified", what);
        CHECK_EQ_INT(count_files(d, ".torn-"), 0);
    }
    if (tu_failures != f0) dump_log(d);
}

static void test_corrupt(void) {
    const char *base = new_dir();
    size_t len;
    rec last, r[64];
    int n;
    unsigned char *b = make_base(base, &len, &last, r, &n);
    unsigned char *img = malloc(len);
    const int victim = 5;
    struct { const char *what; size_t at; } flips[] = {
        {"length field, low byte", 0}, {"length field, high byte", 3}, {"CRC field", 4},
        {"LSN", 8}, {"record type", 16}, {"unit time", 17}, {"change count", 25},
        {"last payload byte", (size_t)-1}};
    for (int rec_i = 0; rec_i < 2; rec_i++) {
        int k = rec_i ? 0 : victim; /* a middle record, then the first */
        for (size_t i = 0; i < sizeof(flips) / sizeof(flips[0]); i++) {
            const char *d = new_dir();
            char seg[600], what[128];
            seg_path(seg, sizeof(seg), d, 1);
            memcpy(img, b, len);
            size_t at = r[k].off + (flips[i].at == (size_t)-1 ? r[k].len - 1 : flips[i].at);
            img[at] ^= flips[i].at == 3 ? 0x40 : 0x01;
            write_file(seg, img, len);
            snprintf(what, sizeof(what), "record %d: %s flipped", k, flips[i].what);
            refuse_case(what, d, seg, img, len, r[k].off, NULL);
            drop_dir(d);
        }
    }
    /* a copy of record 5 in place of record 6: intact, wrong LSN */
    if (r[victim].len == r[victim + 1].len) {
        const char *d = new_dir();
        char seg[600];
        seg_path(seg, sizeof(seg), d, 1);
        memcpy(img, b, len);
        memcpy(img + r[victim + 1].off, b + r[victim].off, r[victim].len);
        write_file(seg, img, len);
        refuse_case("record 6 replaced by a copy of record 5", d, seg, img, len,
                    r[victim + 1].off, "LSN");
        drop_dir(d);
    } else {
        fprintf(stderr, "records 5 and 6 differ in length: duplicate case skipped\n");
        tu_failures++;
    }
    /* a damaged segment header */
    size_t hdr_bytes[] = {0, 8, 20, 28};
    for (size_t i = 0; i < sizeof(hdr_bytes) / sizeof(hdr_bytes[0]); i++) {
        const char *d = new_dir();
        char seg[600], what[64];
        seg_path(seg, sizeof(seg), d, 1);
        memcpy(img, b, len);
        img[hdr_bytes[i]] ^= 0x02;
        write_file(seg, img, len);
        snprintf(what, sizeof(what), "header byte %zu flipped", hdr_bytes[i]);
        refuse_case(what, d, seg, img, len, SIZE_MAX, NULL);
        drop_dir(d);
    }
    /* a segment whose name does not match its header */
    {
        const char *d = new_dir();
        char seg[600];
        seg_path(seg, sizeof(seg), d, 7);
        write_file(seg, b, len);
        refuse_case("segment renamed", d, seg, b, len, SIZE_MAX, NULL);
        drop_dir(d);
    }
    free(img);
    free(b);
    drop_dir(base);
}

/* ------------------------------------------------------------ segments */

static void test_segments(void) {
    const char *args[] = {"--wal-segment-size", "4096", "--keep-wal", "yes", NULL};
    const char *base = new_dir();
    sb_server *s = srv_start_in(base, args);
    redisContext *c = srv_connect(s);
    set_keys(c, "s", 0, 60, 300);
    redisFree(c);
    /* SIGKILL: a clean stop may checkpoint and drop the older segments */
    srv_kill(s);
    char segs[64][300];
    int n = list_segs(base, segs, 64);
    printf("  %d segments of 4096 bytes\n", n);
    CHECK(n >= 4);
    if (n < 4) return;
    uint64_t next = 1;
    uint64_t first[64];
    int last = 0; /* the last segment with records */
    for (int i = 0; i < n; i++) {
        size_t len;
        unsigned char *b = read_all(segs[i], &len);
        first[i] = strtoull(strrchr(segs[i], '-') + 1, NULL, 10);
        CHECK_EQ_INT(first[i], next);
        rec r[64];
        int k = parse_segment(b, len, first[i], r, 64);
        /* (a full segment is closed right after its last group: the last
         * one may be empty) */
        CHECK(k > 0 || (k == 0 && i + 1 == n));
        if (k > 0) last = i;
        for (int j = 0; j < k && j < 64; j++) CHECK_EQ_INT(r[j].lsn, next + (uint64_t)j);
        if (i + 1 < n) CHECK_MSG(len >= 4096, "segment %d has only %zu bytes", i, len);
        /* a finished segment ends with its last record: its preallocated
         * zeros are cut at the rollover */
        if (i + 1 < n && k > 0 && k <= 64)
            CHECK_EQ_INT(r[k - 1].off + r[k - 1].len, len);
        next += (uint64_t)(k > 0 ? k : 0);
        free(b);
    }
    CHECK_EQ_INT(next, 61);

    /* a copy comes back whole, and goes on writing */
    const char *d = new_dir();
    copy_wal(base, d);
    s = srv_start_in(d, args);
    c = srv_connect(s);
    CHECK(keys_ok(c, "s", 0, 60, 300));
    set_keys(c, "s", 60, 80, 300);
    redisFree(c);
    srv_stop(s);
    {   /* a clean stop leaves no preallocated zeros (keep-wal yes) */
        char ds[64][300];
        int m = list_segs(d, ds, 64);
        CHECK(m > n);
        size_t len;
        unsigned char *b = m > 0 ? read_all(ds[m - 1], &len) : NULL;
        rec r[64];
        int k = b ? parse_segment(b, len, strtoull(strrchr(ds[m - 1], '-') + 1, NULL, 10), r, 64)
                  : -1;
        CHECK(k > 0 && k <= 64);
        if (k > 0 && k <= 64) CHECK_EQ_INT(r[k - 1].off + r[k - 1].len, len);
        free(b);
    }
    restart_keys_ok(d, args, "s", 0, 80, 300);
    drop_dir(d);

    /* a missing middle segment */
    d = new_dir();
    copy_wal(base, d);
    char gone[600], after[600];
    seg_path(gone, sizeof(gone), d, first[2]);
    seg_path(after, sizeof(after), d, first[3]);
    unlink(gone);
    refuse_case("middle segment missing", d, after, NULL, 0, SIZE_MAX, "LSN gap");
    drop_dir(d);

    /* a missing first segment: the data of LSN 1.. is gone */
    d = new_dir();
    copy_wal(base, d);
    seg_path(gone, sizeof(gone), d, 1);
    seg_path(after, sizeof(after), d, first[1]);
    unlink(gone);
    refuse_case("first segment missing", d, after, NULL, 0, SIZE_MAX, "LSN gap");
    drop_dir(d);

    /* a non-last segment cut short is corruption, not a torn tail */
    d = new_dir();
    copy_wal(base, d);
    {
        char seg[600];
        seg_path(seg, sizeof(seg), d, first[1]);
        size_t len;
        unsigned char *b = read_all(seg, &len);
        rec r[64];
        int k = parse_segment(b, len, first[1], r, 64);
        write_file(seg, b, len - 10);
        char offs[64];
        snprintf(offs, sizeof(offs), "offset %zu", r[k - 1].off);
        refuse_case("middle segment cut short", d, seg, b, len - 10, r[k - 1].off, NULL);
        free(b);
    }
    drop_dir(d);

    /* the last segment cut: a torn tail, the rest is kept (a torn write
     * can only be in the segment being written: an empty one after it,
     * made when its predecessor was synced and closed, is removed) */
    d = new_dir();
    copy_wal(base, d);
    {
        char seg[600];
        for (int i = last + 1; i < n; i++) {
            seg_path(seg, sizeof(seg), d, first[i]);
            unlink(seg);
        }
        seg_path(seg, sizeof(seg), d, first[last]);
        /* 10 bytes off its last record (not off the file: the segment
         * being written may end in zeros written ahead, when the kill
         * came after the preallocation) */
        size_t len;
        unsigned char *b = read_all(seg, &len);
        rec r[64];
        int k = parse_segment(b, len, first[last], r, 64);
        free(b);
        CHECK(k > 0 && k <= 64);
        size_t end = k > 0 && k <= 64 ? r[k - 1].off + r[k - 1].len : len;
        if (truncate(seg, (off_t)end - 10) != 0) perror("truncate");
        s = srv_start_in(d, args);
        c = srv_connect(s);
        CHECK(keys_ok(c, "s", 0, 59, 300));
        CHECK_NIL(cmd(c, "GET s59"));
        CHECK(log_has(d, "torn write", seg, NULL));
        redisFree(c);
        srv_stop(s);
    }
    drop_dir(d);

    /* a crash while creating a new segment: an incomplete header (0, 10 or
     * 31 bytes) in a last segment is removed with a warning */
    size_t hl[] = {0, 10, 31};
    for (size_t i = 0; i < 3; i++) {
        d = new_dir();
        copy_wal(base, d);
        char seg[600];
        seg_path(seg, sizeof(seg), d, 61);
        unsigned char h[32] = {'S', 'B', 'W', 'A', 'L', '\r', '\n', 0x1a, 1};
        write_file(seg, h, hl[i]);
        s = srv_start_in(d, args);
        c = srv_connect(s);
        CHECK(keys_ok(c, "s", 0, 60, 300));
        CHECK_MSG(log_has(d, "torn write", seg, NULL), "no warning about the %zu-byte segment",
                  hl[i]);
        CHECK_STATUS(cmd(c, "SET more 1"), "OK");
        redisFree(c);
        srv_stop(s);
        s = srv_start_in(d, args);
        c = srv_connect(s);
        CHECK(keys_ok(c, "s", 0, 60, 300));
        CHECK_BULK(cmd(c, "GET more"), "1");
        redisFree(c);
        srv_stop(s);
        drop_dir(d);
    }
    drop_dir(base);
}

/* ------------------------------------------------------------ crafted */

/* Append a record of type `type` and raw payload to the image. */
static size_t add_record(unsigned char *img, size_t len, uint64_t lsn, int type,
                         const void *payload, size_t plen) {
    unsigned char *p = img + len;
    put32(p, (uint32_t)(9 + plen));
    put64(p + 8, lsn);
    p[16] = (unsigned char)type;
    memcpy(p + 17, payload, plen);
    put32(p + 4, crc32c(p + 8, 9 + plen));
    return len + 17 + plen;
}

/* A unit payload: time, then changes given as "db argc arg..." strings
 * with | between changes (args may not contain spaces or |). */
static size_t make_unit(unsigned char *out, int64_t t, const char *spec) {
    size_t n = 12;
    uint32_t nch = 0;
    put64(out, (uint64_t)t);
    char buf[1024];
    snprintf(buf, sizeof(buf), "%s", spec);
    char *save1;
    for (char *ch = strtok_r(buf, "|", &save1); ch; ch = strtok_r(NULL, "|", &save1)) {
        char *save2;
        char *db = strtok_r(ch, " ", &save2);
        char *argv[16];
        int argc = 0;
        for (char *a = strtok_r(NULL, " ", &save2); a && argc < 16; a = strtok_r(NULL, " ", &save2))
            argv[argc++] = a;
        put32(out + n, (uint32_t)atoi(db));
        put32(out + n + 4, (uint32_t)argc);
        n += 8;
        for (int i = 0; i < argc; i++) {
            size_t l = strlen(argv[i]);
            put32(out + n, (uint32_t)l);
            memcpy(out + n + 4, argv[i], l);
            n += 4 + l;
        }
        nch++;
    }
    put32(out + 8, nch);
    return n;
}

static void test_crafted(void) {
    unsigned char hdr[32] = {'S', 'B', 'W', 'A', 'L', '\r', '\n', 0x1a, 1};
    put64(hdr + 16, 1);
    put32(hdr + 28, crc32c(hdr, 28));
    unsigned char img[8192], unit[1024];
    int64_t t = wall_ms();

    /* a WAL written by the test alone is replayed (the format is the spec) */
    {
        const char *d = new_dir();
        size_t len = 32;
        memcpy(img, hdr, 32);
        len = add_record(img, len, 1, 1, unit, make_unit(unit, t, "0 SET a 1"));
        len = add_record(img, len, 2, 1, unit, make_unit(unit, t, "2 SET b 2|2 SET c 3"));
        len = add_record(img, len, 3, 1, unit, make_unit(unit, t, "0 APPEND a 23"));
        len = add_record(img, len, 4, 1, unit, make_unit(unit, t, "2 DEL c"));
        char pxat[64];
        snprintf(pxat, sizeof(pxat), "0 SET gone x PXAT %lld", (long long)(t - 1000));
        len = add_record(img, len, 5, 1, unit, make_unit(unit, t - 2000, pxat));
        char seg[600];
        seg_path(seg, sizeof(seg), d, 1);
        write_file(seg, img, len);
        sb_server *s = srv_start_in(d, no_args);
        redisContext *c = srv_connect(s);
        CHECK_BULK(cmd(c, "GET a"), "123");
        CHECK_NIL(cmd(c, "GET gone"));
        CHECK_STATUS(cmd(c, "SELECT 2"), "OK");
        CHECK_BULK(cmd(c, "GET b"), "2");
        CHECK_NIL(cmd(c, "GET c"));
        CHECK_STATUS(cmd(c, "SET d 4"), "OK");
        redisFree(c);
        srv_kill(s);
        size_t l2;
        unsigned char *b = read_all(seg, &l2);
        rec r[16];
        /* the crafted segment is left as it was; new records (SET d 4, and
         * the DEL of "gone" if GET expired it lazily) go to a fresh segment
         * that starts at LSN 6 */
        int k = parse_segment(b, l2, 1, r, 16);
        CHECK_EQ_INT(k, 5);
        free(b);
        char seg6[600];
        seg_path(seg6, sizeof(seg6), d, 6);
        b = read_all(seg6, &l2);
        CHECK(b != NULL);
        if (b) {
            k = parse_segment(b, l2, 6, r, 16);
            CHECK(k == 1 || k == 2);
            for (int i = 0; i < k && i < 16; i++) CHECK_EQ_INT(r[i].lsn, i + 6);
            free(b);
        }
        drop_dir(d);
    }

    /* valid CRCs, bad content: each must stop recovery, naming the place */
    struct { const char *what, *spec; int type; const char *msg; } bad[] = {
        {"unknown record type", "0 SET a 1", 7, "record type"},
        {"unknown command", "0 FROB a 1", 1, "FROB"},
        {"read-only command", "0 GET a", 1, "GET"},
        {"db out of range", "99 SET a 1", 1, "a change to db 99"},
        {"failing change", "0 SET a 1 PXAT notanumber", 1, "LSN 2"},
        {"no arguments", NULL, 1, "malformed"},
        {"truncated change", NULL, 1, "malformed"},
        {"huge argc", NULL, 1, "malformed"},
        {"huge length", NULL, 1, "malformed"},
        {"extra bytes", NULL, 1, "malformed"},
        {"short unit", NULL, 1, "malformed"},
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        const char *d = new_dir();
        size_t len = 32;
        memcpy(img, hdr, 32);
        len = add_record(img, len, 1, 1, unit, make_unit(unit, t, "0 SET ok 1"));
        size_t rec_off = len, ul;
        if (bad[i].spec) {
            ul = make_unit(unit, t, bad[i].spec);
        } else if (!strcmp(bad[i].what, "no arguments")) {
            ul = make_unit(unit, t, "0 SET a 1");
            put32(unit + 16, 0); /* argc 0 */
            ul = 20;
        } else if (!strcmp(bad[i].what, "truncated change")) {
            ul = make_unit(unit, t, "0 SET abc 1") - 3;
        } else if (!strcmp(bad[i].what, "huge argc")) {
            ul = make_unit(unit, t, "0 SET a 1");
            put32(unit + 16, 0xFFFFFFFFu);
        } else if (!strcmp(bad[i].what, "huge length")) {
            ul = make_unit(unit, t, "0 SET a 1");
            put32(unit + 20, 0xFFFFFFF0u);
        } else if (!strcmp(bad[i].what, "extra bytes")) {
            ul = make_unit(unit, t, "0 SET a 1");
            memcpy(unit + ul, "xyz", 3);
            ul += 3;
        } else {
            ul = 7;
        }
        len = add_record(img, len, 2, bad[i].type, unit, ul);
        len = add_record(img, len, 3, 1, unit, make_unit(unit, t, "0 SET after 1"));
        char seg[600];
        seg_path(seg, sizeof(seg), d, 1);
        write_file(seg, img, len);
        refuse_case(bad[i].what, d, seg, img, len, rec_off, bad[i].msg);
        drop_dir(d);
    }
}

/* ------------------------------------------------------------ faults */

static void fault_case(const char *op, const char *errname, const char *errtext, long after) {
    int f0 = tu_failures;
    const char *d = new_dir();
    sb_server *s = srv_start_in(d, no_args);
    redisContext *c = srv_connect(s);
    /* a lone client (once the harness's probe is 10 ms past): its writes
     * are committed inline (test_inline), so that is where the fault
     * strikes; in test_fault's flood, in the writer thread. (One that
     * meets the engine at its cron tick, or the writer not idle yet on a
     * loaded machine, goes to the writer: up to 5 tries of 10.) */
    usleep(30 * 1000);
    char what[64];
    snprintf(what, sizeof(what), "%s %s", op, errname);
    lone_inline(c, "a", 10, 9, 5, what);
    char n[16];
    snprintf(n, sizeof(n), "%ld", after);
    CHECK_STATUS(cmd(c, "DEBUG WAL-FAULT %s %s %s", op, errname, n), "OK");
    /* `after` more writes go through, then one fails: its client gets no
     * reply, its connection is closed */
    int acked = 0;
    redisReply *r = NULL;
    for (int i = 0; i < after + 5; i++) {
        r = cmd(c, "SET b%d v", i);
        if (!r || r->type != REDIS_REPLY_STATUS) break;
        acked++;
        freeReplyObject(r);
        r = NULL;
    }
    CHECK_MSG(r == NULL && c->err, "%s %s: the failed write got %s", op, errname, reply_str(r));
    CHECK_EQ_INT(acked, after);
    if (r) freeReplyObject(r);
    redisFree(c);

    c = srv_connect(s);
    r = cmd(c, "SET y 1");
    CHECK_MSG(r && r->type == REDIS_REPLY_ERROR && !strncmp(r->str, "MISCONF ", 8) &&
                  strstr(r->str, errtext) && strstr(r->str, op) && strstr(r->str, "wal-"),
              "%s %s: SET after the failure got %s", op, errname, reply_str(r));
    if (r) freeReplyObject(r);
    r = cmd(c, "INCR a0");
    CHECK(r && r->type == REDIS_REPLY_ERROR && !strncmp(r->str, "MISCONF", 7));
    if (r) freeReplyObject(r);
    r = cmd(c, "DEL a1");
    CHECK(r && r->type == REDIS_REPLY_ERROR && !strncmp(r->str, "MISCONF", 7));
    if (r) freeReplyObject(r);
    CHECK(keys_ok(c, "a", 0, 10, 20)); /* reads are served */
    CHECK_STATUS(cmd(c, "PING"), "PONG");
    char v[512];
    info_field(c, "wal_status", v, sizeof(v));
    CHECK_MSG(!strcmp(v, "failed"), "wal_status:%s", v);
    info_field(c, "aof_last_write_status", v, sizeof(v));
    CHECK_MSG(!strcmp(v, "err"), "aof_last_write_status:%s", v);
    info_field(c, "wal_error", v, sizeof(v));
    CHECK_MSG(strstr(v, errtext) != NULL, "wal_error:%s", v);
    CHECK(log_has(d, "WAL", op, errtext, NULL));
    redisFree(c);
    /* a clean stop still works, and everything acknowledged is there */
    CHECK_EQ_INT(stop_status(s), 0);
    s = srv_start_in(d, no_args);
    c = srv_connect(s);
    CHECK(keys_ok(c, "a", 0, 10, 20));
    for (int i = 0; i < acked; i++) {
        char k[16];
        snprintf(k, sizeof(k), "b%d", i);
        CHECK_BULK(cmd(c, "GET %s", k), "v");
    }
    CHECK_NIL(cmd(c, "GET y"));
    if (!strcmp(op, "write") && after == 0) CHECK_NIL(cmd(c, "GET b0")); /* never written */
    char v2[64];
    info_field(c, "wal_status", v2, sizeof(v2));
    CHECK_MSG(!strcmp(v2, "ok"), "wal_status after restart: %s", v2);
    CHECK_STATUS(cmd(c, "SET z 1"), "OK"); /* writable again */
    redisFree(c);
    srv_stop(s);
    s = srv_start_in(d, no_args);
    c = srv_connect(s);
    CHECK_BULK(cmd(c, "GET z"), "1");
    redisFree(c);
    srv_stop(s);
    if (tu_failures != f0) {
        fprintf(stderr, "  (case: %s %s after %ld)\n", op, errname, after);
        dump_log(d);
    }
    drop_dir(d);
}

/* Clients with writes in flight when the WAL fails: none gets +OK. */
typedef struct flood { int port, id; atomic_int *go; int oks, errs, closed; } flood;

static void *flood_main(void *arg) {
    flood *f = arg;
    redisContext *c = redisConnect("127.0.0.1", f->port);
    struct timeval tv = {10, 0};
    redisSetTimeout(c, tv);
    while (!atomic_load(f->go)) usleep(100);
    for (int i = 0; i < 50; i++) redisAppendCommand(c, "SET f%d:%d v", f->id, i);
    for (int i = 0; i < 50; i++) {
        redisReply *r;
        if (redisGetReply(c, (void **)&r) != REDIS_OK) { f->closed = 1; break; }
        if (r->type == REDIS_REPLY_STATUS) f->oks++;
        else if (r->type == REDIS_REPLY_ERROR && !strncmp(r->str, "MISCONF", 7)) f->errs++;
        freeReplyObject(r);
    }
    redisFree(c);
    return NULL;
}

static void test_fault(void) {
    fault_case("fsync", "EIO", "Input/output error", 0);
    fault_case("write", "EIO", "Input/output error", 0);
    fault_case("write", "ENOSPC", "No space left on device", 0);
    fault_case("fsync", "EDQUOT", "Disk quota exceeded", 0);
    fault_case("write", "EIO", "Input/output error", 3);
    fault_case("fsync", "ENOSPC", "No space left on device", 2);

    /* nothing durable yet when the fsync fails: the rebuilt state is
     * empty (a durable LSN of 0 once meant "replay all") */
    {
        const char *d0 = new_dir();
        sb_server *s0 = srv_start_in(d0, no_args);
        redisContext *w = srv_connect(s0), *r = srv_connect(s0);
        CHECK_STATUS(cmd(w, "DEBUG WAL-FAULT fsync EIO"), "OK");
        redisReply *x = cmd(w, "SET x 1");
        CHECK_MSG(!x || x->type == REDIS_REPLY_ERROR, "SET x got %s", reply_str(x));
        if (x) freeReplyObject(x);
        CHECK_NIL(cmd(r, "GET x"));
        CHECK_INT(cmd(r, "DBSIZE"), 0);
        redisFree(w);
        redisFree(r);
        CHECK_EQ_INT(stop_status(s0), 0);
        drop_dir(d0);
    }

    /* many clients with pipelined writes when the fsync fails */
    const char *d = new_dir();
    sb_server *s = srv_start_in(d, no_args);
    redisContext *c = srv_connect(s);
    CHECK_STATUS(cmd(c, "DEBUG WAL-FAULT fsync EIO"), "OK");
    atomic_int go = 0;
    flood fl[6];
    pthread_t th[6];
    for (int i = 0; i < 6; i++) {
        fl[i] = (flood){s->port, i, &go, 0, 0, 0};
        pthread_create(&th[i], NULL, flood_main, &fl[i]);
    }
    usleep(50000);
    atomic_store(&go, 1);
    int oks = 0, closed = 0, errs = 0;
    for (int i = 0; i < 6; i++) {
        pthread_join(th[i], NULL);
        oks += fl[i].oks;
        closed += fl[i].closed;
        errs += fl[i].errs;
    }
    CHECK_MSG(oks == 0, "%d writes acknowledged although the WAL's fsync failed", oks);
    CHECK(closed >= 1);
    printf("  flood: %d connections closed, %d MISCONF replies, %d OK\n", closed, errs, oks);
    CHECK_STATUS(cmd(c, "PING"), "PONG");
    redisFree(c);
    CHECK_EQ_INT(stop_status(s), 0);
    drop_dir(d);

    /* WAL-FAULT off disarms */
    d = new_dir();
    s = srv_start_in(d, no_args);
    c = srv_connect(s);
    CHECK_STATUS(cmd(c, "DEBUG WAL-FAULT write EIO 2"), "OK");
    CHECK_STATUS(cmd(c, "DEBUG WAL-FAULT off"), "OK");
    set_keys(c, "o", 0, 10, 10);
    char st[64];
    info_field(c, "wal_status", st, sizeof(st));
    CHECK_MSG(!strcmp(st, "ok"), "wal_status:%s after WAL-FAULT off", st);
    redisReply *bad = cmd(c, "DEBUG WAL-FAULT write EBADF");
    CHECK(bad && bad->type == REDIS_REPLY_ERROR);
    if (bad) freeReplyObject(bad);
    redisFree(c);
    srv_stop(s);
    drop_dir(d);

    /* the WAL fails after a write was let in, before its change is logged
     * (a race with the writer thread; `append` makes it certain): the
     * change never becomes durable, so neither its reply nor a read of it
     * in the same wake-up may go out; later reads see the durable state */
    for (int pipelined = 0; pipelined < 2; pipelined++) {
        s = srv_start(NULL);
        c = srv_connect(s);
        CHECK_STATUS(cmd(c, "SET before 1"), "OK");
        CHECK_STATUS(cmd(c, "DEBUG WAL-FAULT append EIO"), "OK");
        redisReply *r = NULL, *g = NULL;
        if (pipelined) { /* one read, one wake-up: the GET sees the change */
            redisAppendCommand(c, "SET lost 1");
            redisAppendCommand(c, "GET lost");
            if (redisGetReply(c, (void **)&r) == REDIS_OK && r)
                redisGetReply(c, (void **)&g);
        } else {
            r = cmd(c, "SET lost 1");
        }
        CHECK_MSG(r == NULL && g == NULL, "a change the log refused got %s (GET: %s)",
                  reply_str(r), reply_str(g));
        if (r) freeReplyObject(r);
        if (g) freeReplyObject(g);
        redisFree(c);
        c = srv_connect(s);
        CHECK_NIL(cmd(c, "GET lost"));
        CHECK_BULK(cmd(c, "GET before"), "1");
        bad = cmd(c, "SET after 1");
        CHECK_MSG(bad && bad->type == REDIS_REPLY_ERROR && !strncmp(bad->str, "MISCONF", 7),
                  "a write after the failure got %s", reply_str(bad));
        if (bad) freeReplyObject(bad);
        redisFree(c);
        srv_kill(s);
    }

    /* failures while a new segment is made: every write below fills one
     * (values bigger than the segment size), and the next is made right
     * after its fsync. "write 0" and "fsync 0" fail the group of r3 itself,
     * "write 1" and "fsync 1" the header of the segment made after it (r3
     * is acknowledged, r4 cannot be). Restart: everything acknowledged is
     * there, and it goes on. */
    static const struct { const char *op; long after; } rot[] = {
        {"write", 0}, {"write", 1}, {"fsync", 0}, {"fsync", 1}};
    const char *seg_args[] = {"--wal-segment-size", "4096", NULL};
    for (size_t i = 0; i < sizeof(rot) / sizeof(rot[0]); i++) {
        int f0 = tu_failures;
        d = new_dir();
        s = srv_start_in(d, seg_args);
        c = srv_connect(s);
        set_keys(c, "r", 0, 3, 5000);
        /* (the rollover after r2 runs once its reply is out: the fault
         * must count from the segment it makes, in use once its header and
         * the directory are synced) */
        CHECK(wait_info_ll(c, "wal_segment_first_lsn", 4));
        char n[16];
        snprintf(n, sizeof(n), "%ld", rot[i].after);
        CHECK_STATUS(cmd(c, "DEBUG WAL-FAULT %s EIO %s", rot[i].op, n), "OK");
        static char big[5000];
        memset(big, 'x', sizeof(big));
        redisReply *r = cmd(c, "SET r3 %b", big, sizeof(big));
        int acked = r && r->type == REDIS_REPLY_STATUS;
        CHECK_MSG(acked == (rot[i].after == 1), "rotation %s %ld: the write got %s", rot[i].op,
                  rot[i].after, reply_str(r));
        if (r) freeReplyObject(r);
        if (acked) {
            r = cmd(c, "SET r4 %s", "x");
            CHECK_MSG(!r || r->type == REDIS_REPLY_ERROR, "rotation %s %ld: a write after the "
                      "failed segment got %s", rot[i].op, rot[i].after, reply_str(r));
            if (r) freeReplyObject(r);
        }
        redisFree(c);
        CHECK_EQ_INT(stop_status(s), 0);
        s = srv_start_in(d, seg_args);
        c = srv_connect(s);
        CHECK(keys_ok(c, "r", 0, 3, 5000));
        r = cmd(c, "STRLEN r3");
        /* (unacknowledged, it may be there or not: like a crash after write) */
        CHECK_MSG(r && (r->integer == 5000 || (!acked && r->integer == 0)), "rotation %s %ld: "
                  "r3 (acknowledged: %d) has %s bytes after a restart", rot[i].op, rot[i].after,
                  acked, reply_str(r));
        if (r) freeReplyObject(r);
        set_keys(c, "r", 10, 13, 5000);
        redisFree(c);
        srv_stop(s);
        s = srv_start_in(d, seg_args);
        c = srv_connect(s);
        CHECK(keys_ok(c, "r", 0, 3, 5000));
        CHECK(keys_ok(c, "r", 10, 13, 5000));
        redisFree(c);
        srv_stop(s);
        if (tu_failures != f0) {
            fprintf(stderr, "  (rotation case %s %ld)\n", rot[i].op, rot[i].after);
            dump_log(d);
        }
        drop_dir(d);
    }

    /* everysec: a failed background fsync fails the WAL too, and WAITAOF
     * never claims a durability it does not have */
    d = new_dir();
    const char *every[] = {"--appendfsync", "everysec", NULL};
    s = srv_start_in(d, every);
    c = srv_connect(s);
    CHECK_STATUS(cmd(c, "DEBUG WAL-FAULT fsync EIO"), "OK");
    CHECK_STATUS(cmd(c, "SET k v"), "OK"); /* everysec does not wait */
    redisReply *w = cmd(c, "WAITAOF 1 0 0");
    CHECK_MSG(w == NULL || (w->type == REDIS_REPLY_ARRAY && w->elements == 2 &&
                            w->element[0]->integer == 0),
              "WAITAOF after a failed fsync: %s", reply_str(w));
    if (w) freeReplyObject(w);
    redisFree(c);
    c = srv_connect(s);
    double deadline = clock_s() + 3;
    info_field(c, "wal_status", st, sizeof(st));
    while (strcmp(st, "failed") && clock_s() < deadline) {
        usleep(20000);
        info_field(c, "wal_status", st, sizeof(st));
    }
    CHECK_MSG(!strcmp(st, "failed"), "wal_status:%s", st);
    w = cmd(c, "SET k2 v");
    CHECK(w && w->type == REDIS_REPLY_ERROR && !strncmp(w->str, "MISCONF", 7));
    if (w) freeReplyObject(w);
    redisFree(c);
    CHECK_EQ_INT(stop_status(s), 0);
    drop_dir(d);

    /* appendonly no: there is no WAL to fail */
    s = srv_start("--appendonly", "no", NULL);
    c = srv_connect(s);
    redisReply *r = cmd(c, "DEBUG WAL-FAULT fsync EIO");
    CHECK(r && r->type == REDIS_REPLY_ERROR);
    if (r) freeReplyObject(r);
    redisFree(c);
    srv_stop(s);
}

/* ------------------------------------------------------------ expiry */

static void test_expiry(void) {
    const char *d = new_dir();
    sb_server *s = srv_start_in(d, no_args);
    redisContext *c = srv_connect(s);
    /* no active expiry: the replay itself must drop what expired */
    CHECK_STATUS(cmd(c, "DEBUG SET-ACTIVE-EXPIRE 0"), "OK");
    CHECK_STATUS(cmd(c, "SET e1 v PX 100"), "OK");
    CHECK_STATUS(cmd(c, "SET e2 v PX 60000"), "OK");
    CHECK_STATUS(cmd(c, "SET e3 v"), "OK");
    CHECK_INT(cmd(c, "PEXPIRE e3 50000"), 1);
    CHECK_STATUS(cmd(c, "SET e4 v EX 100"), "OK");
    CHECK_INT(cmd(c, "PERSIST e4"), 1);
    CHECK_STATUS(cmd(c, "SET e5 10 EX 100"), "OK");
    CHECK_INT(cmd(c, "INCR e5"), 11);                /* keeps the TTL */
    CHECK_STATUS(cmd(c, "SET e6 v PX 100"), "OK");   /* expires lazily before the crash */
    CHECK_STATUS(cmd(c, "SET e7 v EX 100"), "OK");
    CHECK_INT(cmd(c, "PEXPIRE e7 200"), 1);          /* shortened, expires before the crash */
    CHECK_STATUS(cmd(c, "SET e8 v PX 100"), "OK");
    CHECK_STATUS(cmd(c, "SET e8 w"), "OK");          /* overwritten: no TTL any more */
    usleep(300 * 1000);
    CHECK_NIL(cmd(c, "GET e6"));
    redisReply *r = cmd(c, "PTTL e2");
    long long pttl2 = r && r->type == REDIS_REPLY_INTEGER ? r->integer : -100;
    if (r) freeReplyObject(r);
    r = cmd(c, "PTTL e3");
    long long pttl3 = r && r->type == REDIS_REPLY_INTEGER ? r->integer : -100;
    if (r) freeReplyObject(r);
    double t_before = clock_s();
    redisFree(c);
    srv_kill(s);
    s = srv_start_in(d, no_args);
    c = srv_connect(s);
    double elapsed_ms = (clock_s() - t_before) * 1000;
    CHECK_NIL(cmd(c, "GET e1"));
    CHECK_INT(cmd(c, "EXISTS e1 e6 e7"), 0);
    r = cmd(c, "PTTL e2");
    CHECK_MSG(r && r->type == REDIS_REPLY_INTEGER && r->integer <= pttl2 - elapsed_ms + 50 &&
                  r->integer >= pttl2 - elapsed_ms - 1000,
              "PTTL e2 after restart %s, before %lld, %.0f ms later", reply_str(r), pttl2,
              elapsed_ms);
    if (r) freeReplyObject(r);
    r = cmd(c, "PTTL e3");
    CHECK_MSG(r && r->type == REDIS_REPLY_INTEGER && r->integer <= pttl3 - elapsed_ms + 50 &&
                  r->integer >= pttl3 - elapsed_ms - 1000,
              "PTTL e3 after restart %s, before %lld, %.0f ms later", reply_str(r), pttl3,
              elapsed_ms);
    if (r) freeReplyObject(r);
    CHECK_INT(cmd(c, "PTTL e4"), -1);
    CHECK_BULK(cmd(c, "GET e5"), "11");
    r = cmd(c, "PTTL e5");
    CHECK_MSG(r && r->type == REDIS_REPLY_INTEGER && r->integer > 90000 && r->integer <= 100000,
              "PTTL e5 %s", reply_str(r));
    if (r) freeReplyObject(r);
    CHECK_BULK(cmd(c, "GET e8"), "w");
    CHECK_INT(cmd(c, "PTTL e8"), -1);

    /* active expiry on: the cron's deletions are logged as well */
    CHECK_STATUS(cmd(c, "SET a1 v PX 50"), "OK");
    CHECK_STATUS(cmd(c, "SET a2 v PX 50"), "OK");
    usleep(400 * 1000);
    CHECK_INT(cmd(c, "EXISTS a1 a2"), 0);
    redisFree(c);
    srv_kill(s);
    s = srv_start_in(d, no_args);
    c = srv_connect(s);
    CHECK_INT(cmd(c, "EXISTS a1 a2 e1"), 0);
    CHECK_BULK(cmd(c, "GET e2"), "v");
    redisFree(c);
    srv_stop(s);
    drop_dir(d);
}

/* ------------------------------------------------------------ everysec */

static void test_everysec(void) {
    const char *d = new_dir();
    const char *every[] = {"--appendfsync", "everysec", NULL};
    sb_server *s = srv_start_in(d, every);
    redisContext *c = srv_connect(s);
    char v[64];
    info_field(c, "appendfsync", v, sizeof(v));
    CHECK_MSG(!strcmp(v, "everysec"), "appendfsync:%s", v);
    long long f0 = info_ll(c, "wal_fsyncs");
    double t0 = clock_s();
    set_keys(c, "e", 0, 300, 50);
    double secs = clock_s() - t0;
    long long f1 = info_ll(c, "wal_fsyncs");
    CHECK_MSG(f1 - f0 <= (long long)secs + 2, "%lld fsyncs for 300 writes in %.2f s (everysec)",
              f1 - f0, secs);
    redisFree(c);
    srv_stop(s); /* a clean stop fsyncs the rest */
    s = srv_start_in(d, every);
    c = srv_connect(s);
    CHECK(keys_ok(c, "e", 0, 300, 50));

    /* always at run time: one fsync per sequential write */
    CHECK_STATUS(cmd(c, "CONFIG SET appendfsync always"), "OK");
    redisReply *r = cmd(c, "CONFIG GET appendfsync");
    CHECK(r && r->type == REDIS_REPLY_ARRAY && r->elements == 2 &&
          !strcmp(r->element[1]->str, "always"));
    if (r) freeReplyObject(r);
    info_field(c, "appendfsync", v, sizeof(v));
    CHECK_MSG(!strcmp(v, "always"), "appendfsync:%s", v);
    f0 = info_ll(c, "wal_fsyncs");
    set_keys(c, "w", 0, 20, 10);
    f1 = info_ll(c, "wal_fsyncs");
    CHECK_MSG(f1 - f0 >= 20, "%lld fsyncs for 20 writes (always)", f1 - f0);
    CHECK_EQ_INT(info_ll(c, "wal_durable_lsn"), info_ll(c, "wal_lsn"));

    /* and back to everysec */
    CHECK_STATUS(cmd(c, "CONFIG SET appendfsync everysec"), "OK");
    f0 = info_ll(c, "wal_fsyncs");
    t0 = clock_s();
    set_keys(c, "x", 0, 200, 10);
    secs = clock_s() - t0;
    f1 = info_ll(c, "wal_fsyncs");
    CHECK_MSG(f1 - f0 <= (long long)secs + 2, "%lld fsyncs for 200 writes in %.2f s (everysec)",
              f1 - f0, secs);
    /* within about a second everything is durable */
    double deadline = clock_s() + 3;
    while (clock_s() < deadline && info_ll(c, "wal_durable_lsn") != info_ll(c, "wal_lsn"))
        usleep(20000);
    CHECK_EQ_INT(info_ll(c, "wal_durable_lsn"), info_ll(c, "wal_lsn"));
    r = cmd(c, "CONFIG SET appendfsync sometimes");
    CHECK(r && r->type == REDIS_REPLY_ERROR);
    if (r) freeReplyObject(r);
    CHECK_STATUS(cmd(c, "CONFIG SET appendfsync no"), "OK");
    set_keys(c, "n", 0, 20, 10);
    redisFree(c);
    /* SIGKILL loses nothing that was written (the page cache survives) */
    srv_kill(s);
    s = srv_start_in(d, no_args);
    c = srv_connect(s);
    CHECK(keys_ok(c, "e", 0, 300, 50));
    CHECK(keys_ok(c, "w", 0, 20, 10));
    CHECK(keys_ok(c, "x", 0, 200, 10));
    CHECK(keys_ok(c, "n", 0, 20, 10));
    redisFree(c);
    srv_stop(s);
    drop_dir(d);
}

/* ------------------------------------------------------------ WAITAOF */

static void check_waitaof(redisContext *c, const char *args, long long local) {
    char a1[24], a2[24], a3[24];
    if (sscanf(args, "%23s %23s %23s", a1, a2, a3) != 3) abort();
    redisReply *r = cmd(c, "WAITAOF %s %s %s", a1, a2, a3);
    CHECK_MSG(r && r->type == REDIS_REPLY_ARRAY && r->elements == 2 &&
                  r->element[0]->type == REDIS_REPLY_INTEGER && r->element[0]->integer == local &&
                  r->element[1]->type == REDIS_REPLY_INTEGER && r->element[1]->integer == 0,
              "WAITAOF %s: %s, expected [%lld,0]", args, reply_str(r), local);
    if (r) freeReplyObject(r);
}

static void test_waitaof(void) {
    sb_server *s = srv_start("--appendfsync", "everysec", NULL);
    redisContext *c = srv_connect(s);
    check_waitaof(c, "1 0 0", 1); /* nothing written yet */
    for (int i = 0; i < 5; i++) {
        CHECK_STATUS(cmd(c, "SET k%d v", i), "OK");
        double t0 = clock_s();
        check_waitaof(c, "1 0 0", 1);
        double waited = clock_s() - t0;
        CHECK_MSG(waited < 1.5, "WAITAOF took %.2f s", waited);
        long long lsn = info_ll(c, "wal_lsn"), durable = info_ll(c, "wal_durable_lsn");
        CHECK_MSG(durable >= lsn, "after WAITAOF: durable %lld < lsn %lld", durable, lsn);
    }
    /* with a timeout, and numlocal 0 */
    CHECK_STATUS(cmd(c, "SET k v"), "OK");
    check_waitaof(c, "1 0 100", 1);
    redisReply *r = cmd(c, "WAITAOF 0 0 0");
    CHECK(r && r->type == REDIS_REPLY_ARRAY && r->elements == 2);
    if (r) freeReplyObject(r);
    r = cmd(c, "WAITAOF 0 1 0");
    CHECK_MSG(r && r->type == REDIS_REPLY_ERROR && !strncmp(r->str, "ERR", 3),
              "WAITAOF 0 1 0: %s", reply_str(r));
    if (r) freeReplyObject(r);
    r = cmd(c, "WAITAOF 1 1 100");
    CHECK_MSG(r && r->type == REDIS_REPLY_ERROR, "WAITAOF 1 1 100: %s", reply_str(r));
    if (r) freeReplyObject(r);
    CHECK_ERROR(cmd(c, "WAITAOF 1 0 -1"), "ERR timeout is negative");
    /* a pipeline of writes then WAITAOF: all of them durable */
    for (int i = 0; i < 50; i++) redisAppendCommand(c, "SET p%d v", i);
    redisAppendCommand(c, "WAITAOF 1 0 0");
    for (int i = 0; i < 51; i++) {
        redisReply *x;
        if (redisGetReply(c, (void **)&x) != REDIS_OK) { tu_failures++; break; }
        if (i == 50)
            CHECK_MSG(x->type == REDIS_REPLY_ARRAY && x->elements == 2 &&
                          x->element[0]->integer == 1,
                      "pipelined WAITAOF: %s", reply_str(x));
        freeReplyObject(x);
    }
    CHECK(info_ll(c, "wal_durable_lsn") >= info_ll(c, "wal_lsn"));
    /* appendfsync no: WAITAOF forces the fsync */
    CHECK_STATUS(cmd(c, "CONFIG SET appendfsync no"), "OK");
    CHECK_STATUS(cmd(c, "SET q v"), "OK");
    check_waitaof(c, "1 0 0", 1);
    CHECK(info_ll(c, "wal_durable_lsn") >= info_ll(c, "wal_lsn"));
    /* always: already durable */
    CHECK_STATUS(cmd(c, "CONFIG SET appendfsync always"), "OK");
    CHECK_STATUS(cmd(c, "SET q w"), "OK");
    check_waitaof(c, "1 0 0", 1);
    redisFree(c);
    srv_stop(s);

    s = srv_start("--appendonly", "no", NULL);
    c = srv_connect(s);
    CHECK_STATUS(cmd(c, "SET k v"), "OK");
    CHECK_ERROR(cmd(c, "WAITAOF 1 0 0"),
                "ERR WAITAOF cannot be used when numlocal is set but appendonly is disabled.");
    check_waitaof(c, "0 0 0", 0);
    redisFree(c);
    srv_stop(s);
}

/* ------------------------------------------------------------ appendonly no */

static void test_aofno(void) {
    const char *d = new_dir();
    const char *no[] = {"--appendonly", "no", NULL};
    sb_server *s = srv_start_in(d, no);
    redisContext *c = srv_connect(s);
    set_keys(c, "k", 0, 50, 10);
    char v[64];
    info_field(c, "aof_enabled", v, sizeof(v));
    CHECK_MSG(!strcmp(v, "0"), "aof_enabled:%s", v);
    info_field(c, "wal_status", v, sizeof(v));
    CHECK_MSG(!strcmp(v, "off"), "wal_status:%s", v);
    redisFree(c);
    srv_stop(s);
    CHECK_EQ_INT(count_files(d, "wal-"), 0);
    s = srv_start_in(d, no);
    c = srv_connect(s);
    CHECK_INT(cmd(c, "DBSIZE"), 0);
    redisFree(c);
    srv_kill(s);
    CHECK_EQ_INT(count_files(d, "wal-"), 0);

    /* an existing WAL is replayed and left alone (killed: a graceful stop
     * would leave a final checkpoint and no WAL) */
    s = srv_start_in(d, no_args);
    c = srv_connect(s);
    set_keys(c, "w", 0, 10, 10);
    redisFree(c);
    srv_kill(s);
    char seg[600];
    seg_path(seg, sizeof(seg), d, 1);
    size_t len;
    unsigned char *before = read_all(seg, &len);
    s = srv_start_in(d, no);
    c = srv_connect(s);
    CHECK(keys_ok(c, "w", 0, 10, 10));
    CHECK_STATUS(cmd(c, "SET mem only"), "OK");
    redisFree(c);
    srv_stop(s);
    CHECK(same_file(seg, before, len));
    CHECK_EQ_INT(count_files(d, "wal-"), 1);
    free(before);
    s = srv_start_in(d, no_args);
    c = srv_connect(s);
    CHECK(keys_ok(c, "w", 0, 10, 10));
    CHECK_NIL(cmd(c, "GET mem"));
    redisFree(c);
    srv_stop(s);
    drop_dir(d);
}

/* ------------------------------------------------------------ order */

typedef struct orderer {
    int port, id;
    double until;
    long rounds, bad, closes;
    char err[256];
} orderer;

static void *order_main(void *arg) {
    orderer *o = arg;
    uint64_t r = 0x9E3779B97F4A7C15ull * (uint64_t)(o->id + 1);
    char buf[256];
    int fd = -1;
    sb_server fake = {0};
    fake.port = o->port;
    while (clock_s() < o->until && !o->bad) {
        if (fd < 0) fd = raw_connect(&fake);
        if (fd < 0) { o->bad++; snprintf(o->err, sizeof(o->err), "connect"); break; }
        r ^= r << 13; r ^= r >> 7; r ^= r << 17;
        /* a write, then (in a separate packet, so often in a later engine
         * batch) a read: the replies must come back in order */
        char w[64];
        int n = snprintf(w, sizeof(w), "*3\r\n$3\r\nSET\r\n$2\r\nk%d\r\n$1\r\nv\r\n", o->id);
        raw_send(fd, w, (size_t)n);
        if (r % 3) usleep((useconds_t)(r % 200));
        raw_send(fd, "PING\r\n", 6);
        if (r % 16 == 0) { /* go away with the replies pending */
            close(fd);
            fd = -1;
            o->closes++;
            continue;
        }
        int closed;
        size_t got = raw_read(fd, buf, sizeof(buf), 12, 5000, &closed);
        if (got != 12 || memcmp(buf, "+OK\r\n+PONG\r\n", 12)) {
            snprintf(o->err, sizeof(o->err), "client %d round %ld: got \"%.*s\"", o->id,
                     o->rounds, (int)got, buf);
            o->bad++;
        }
        o->rounds++;
    }
    if (fd >= 0) close(fd);
    return NULL;
}

static void test_order(void) {
    sb_server *s = srv_start(NULL);
    enum { N = 8 };
    orderer o[N];
    pthread_t th[N];
    double until = clock_s() + 2.0;
    for (int i = 0; i < N; i++) {
        o[i] = (orderer){s->port, i, until, 0, 0, 0, {0}};
        pthread_create(&th[i], NULL, order_main, &o[i]);
    }
    long rounds = 0, closes = 0;
    for (int i = 0; i < N; i++) {
        pthread_join(th[i], NULL);
        rounds += o[i].rounds;
        closes += o[i].closes;
        if (o[i].bad) {
            fprintf(stderr, "replies out of order: %s\n", o[i].err);
            tu_failures++;
        }
    }
    printf("  %ld write+read rounds, %ld closes with replies pending\n", rounds, closes);
    CHECK(srv_alive(s));
    redisContext *c = srv_connect(s);
    CHECK_STATUS(cmd(c, "PING"), "PONG");
    redisFree(c);
    srv_stop(s);
}

/* ------------------------------------------------------------ spare */

/* 1 if path exists and holds only zeros (*size: its size), 0 if it holds
 * something else, -1 if it does not exist. */
static int zeros_only(const char *path, long *size) {
    FILE *f = fopen(path, "rb");
    if (!f) return -1;
    int z = 1, ch;
    long n = 0;
    while ((ch = fgetc(f)) != EOF) {
        n++;
        if (ch) z = 0;
    }
    fclose(f);
    if (size) *size = n;
    return z;
}

/* The next segment is made in advance (wal-spare.tmp, zeros): rollovers
 * use it, a clean stop removes it, and one left by a crash -- whatever it
 * holds -- is not part of the log and is replaced at start. */
static void test_spare(void) {
    const char *d = new_dir();
    const char *args[] = {"--wal-segment-size", "16384", NULL};
    sb_server *s = srv_start_in(d, args);
    redisContext *c = srv_connect(s);
    set_keys(c, "s", 0, 200, 500); /* ~100 KB: several rollovers */
    char spare[600];
    snprintf(spare, sizeof(spare), "%s/wal-spare.tmp", d);
    long size = 0;
    int z = -1;
    /* (until it is complete: it is zeros while still being written) */
    for (int i = 0; i < 200 && ((z = zeros_only(spare, &size)) != 1 || size != 16384); i++)
        usleep(10000);
    CHECK_MSG(z == 1 && size == 16384, "wal-spare.tmp: %s, %ld bytes",
              z < 0 ? "missing" : z ? "zeros" : "not zeros", size);
    redisFree(c);
    srv_kill(s);
    /* a crash left it; make it garbage (as if torn mid-rename) */
    FILE *f = fopen(spare, "wb");
    CHECK(f != NULL);
    if (f) {
        for (int i = 0; i < 20000; i++) fputc("strongbox"[i % 9], f);
        fclose(f);
    }
    s = srv_start_in(d, args);
    CHECK(zeros_only(spare, NULL) != 0); /* replaced (zeros) or gone */
    c = srv_connect(s);
    CHECK(keys_ok(c, "s", 0, 200, 500));
    set_keys(c, "s", 200, 400, 500);
    redisFree(c);
    srv_stop(s);
    CHECK_MSG(zeros_only(spare, NULL) == -1, "wal-spare.tmp outlived a clean stop");
    restart_keys_ok(d, args, "s", 0, 400, 500);
    drop_dir(d);
}

/* ------------------------------------------------------------ zeros */

/* Trailing zero bytes of the newest segment in dir (-1: none readable). */
static long tail_zeros(const char *dir) {
    char ds[64][300];
    int m = list_segs(dir, ds, 64);
    size_t len;
    unsigned char *buf = m > 0 ? read_all(ds[m - 1], &len) : NULL;
    if (!buf) return -1;
    long run = 0;
    while ((size_t)run < len && !buf[len - 1 - (size_t)run]) run++;
    free(buf);
    return run;
}

/* Zeros are written ahead of the log only in always mode, where they make
 * each fdatasync cheaper. With everysec or no they would cost: each chunk's
 * fdatasync flushes every record written before it ("no" would sync after
 * all), and a write that caught up with the zeros waited for that flush.
 * The spare segment is still made in advance. */
static void test_zeros(void) {
    /* a spare segment (zeros, synced) is still made in advance */
    const char *sargs[] = {"--appendfsync", "no", "--wal-segment-size", "16384", NULL};
    sb_server *s = srv_startv(sargs);
    redisContext *c = srv_connect(s);
    set_keys(c, "y", 0, 200, 500);
    char spare[600];
    snprintf(spare, sizeof(spare), "%s/wal-spare.tmp", s->dir);
    int z = -1;
    for (int i = 0; i < 200 && (z = zeros_only(spare, NULL)) != 1; i++) usleep(10000);
    CHECK_MSG(z == 1, "appendfsync no: wal-spare.tmp %s", z < 0 ? "missing" : "not zeros");
    redisFree(c);
    srv_stop(s);

    /* one segment (the first is made at start, not from a spare) */
    const char *d = new_dir();
    const char *args[] = {"--appendfsync", "no", NULL};
    s = srv_start_in(d, args);
    c = srv_connect(s);
    set_keys(c, "z", 0, 1000, 500);
    usleep(200000);
    long tz = tail_zeros(d);
    CHECK_MSG(tz == 0, "appendfsync no: the segment ends with %ld zero bytes", tz);
    CHECK_STATUS(cmd(c, "CONFIG SET appendfsync everysec"), "OK");
    set_keys(c, "z", 1000, 1400, 500);
    usleep(200000);
    tz = tail_zeros(d);
    CHECK_MSG(tz == 0, "appendfsync everysec: the segment ends with %ld zero bytes", tz);
    CHECK_STATUS(cmd(c, "CONFIG SET appendfsync always"), "OK");
    set_keys(c, "z", 1400, 1600, 500);
    for (int i = 0; i < 200 && (tz = tail_zeros(d)) <= 0; i++) usleep(10000);
    CHECK_MSG(tz > 0, "appendfsync always: no zeros ahead of the log (%ld)", tz);
    CHECK_STATUS(cmd(c, "CONFIG SET appendfsync no"), "OK");
    set_keys(c, "z", 1600, 2000, 500); /* over the zeros, then appending */
    CHECK(keys_ok(c, "z", 0, 2000, 500));
    redisFree(c);
    srv_kill(s);
    restart_keys_ok(d, args, "z", 0, 2000, 500);
    drop_dir(d);
}

/* ------------------------------------------------------------ direct */

/* The ranges test_direct writes: prefix d, [from, to) with values of vlen. */
static const struct { int from, to; size_t vlen; } direct_ranges[] = {
    {0, 200, 100}, {200, 1200, 3000}, {1200, 1300, 100}, {1300, 1400, 700},
    {1400, 1600, 700}, {1600, 1700, 700}, {1700, 2000, 3000}};

static int direct_keys_ok(redisContext *c, const char *big, size_t bign) {
    int ok = 1;
    for (size_t i = 0; i < sizeof(direct_ranges) / sizeof(direct_ranges[0]); i++)
        ok &= keys_ok(c, "d", direct_ranges[i].from, direct_ranges[i].to, direct_ranges[i].vlen);
    redisReply *r = cmd(c, "GET big");
    ok &= r && r->type == REDIS_REPLY_STRING && r->len == bign && !memcmp(r->str, big, bign);
    if (r) freeReplyObject(r);
    return ok;
}

/* In always mode a group is written with O_DIRECT, from the block that
 * holds the log's end (its first bytes again, kept in memory) to the next
 * block boundary; groups over 8 MB, the other modes and a file system that
 * refuses O_DIRECT go through the page cache. Every mix of the two, across
 * rollovers, small groups and groups of many blocks, must give one log that
 * replays whole after a kill. */
static void test_direct(void) {
    const char *d = new_dir();
    const char *args[] = {"--wal-segment-size", "1mb", "--auto-checkpoint-percentage", "0", NULL};
    sb_server *s = srv_start_in(d, args);
    redisContext *c = srv_connect(s);
    /* (a file system without O_DIRECT, such as tmpfs before Linux 6.6:
     * everything below still goes through the page cache and must replay) */
    int direct = info_ll(c, "wal_direct_io") == 1;
    if (!direct) printf("  O_DIRECT refused in %s: only the page-cache path is tested\n", d);
    size_t bign = 9u << 20;
    char *big = malloc(bign);
    for (size_t i = 0; i < bign; i++) big[i] = (char)('A' + (i * 7 + i / 4093) % 26);
    set_keys(c, "d", 0, 200, 100);        /* groups within a block */
    pipe_keys(c, "d", 200, 1200, 3000);   /* of many blocks; rollovers */
    long long g0 = info_ll(c, "wal_direct_groups");
    CHECK_MSG(direct ? g0 >= 200 : g0 == 0, "%lld groups written directly", g0);
    CHECK_STATUS(cmd(c, "SET big %b", big, bign), "OK"); /* 9 MB: page cache */
    CHECK_EQ_INT(info_ll(c, "wal_direct_groups"), g0);
    set_keys(c, "d", 1200, 1300, 100);    /* direct again after it */
    CHECK_STATUS(cmd(c, "CONFIG SET appendfsync everysec"), "OK");
    long long g1 = info_ll(c, "wal_direct_groups");
    CHECK(direct ? g1 >= g0 + 100 : g1 == 0);
    set_keys(c, "d", 1300, 1400, 700);
    CHECK_EQ_INT(info_ll(c, "wal_direct_groups"), g1); /* everysec: page cache */
    CHECK_STATUS(cmd(c, "CONFIG SET appendfsync always"), "OK");
    pipe_keys(c, "d", 1400, 1600, 700);
    /* refused: the same group goes through the page cache, and all after it */
    if (direct) CHECK_STATUS(cmd(c, "DEBUG WAL-FAULT direct EINVAL"), "OK");
    long long g2 = info_ll(c, "wal_direct_groups");
    CHECK_MSG(direct ? g2 > g1 : g2 == 0, "%lld direct groups after always again", g2 - g1);
    set_keys(c, "d", 1600, 1700, 700);
    CHECK_EQ_INT(info_ll(c, "wal_direct_io"), 0);
    CHECK_EQ_INT(info_ll(c, "wal_direct_groups"), g2);
    char st[64];
    info_field(c, "wal_status", st, sizeof(st));
    CHECK_MSG(!strcmp(st, "ok"), "wal_status:%s", st);
    pipe_keys(c, "d", 1700, 2000, 3000);
    CHECK(direct_keys_ok(c, big, bign));
    CHECK_MSG(info_ll(c, "wal_segments") >= 5, "%lld segments", info_ll(c, "wal_segments"));
    redisFree(c);
    srv_kill(s);
    char logp[600];
    snprintf(logp, sizeof(logp), "%s/server.log", d);
    size_t ln = 0;
    char *log = (char *)read_all(logp, &ln);
    CHECK_MSG(log && memmem(log, ln, "does not take O_DIRECT", 22), "no notice in %s", logp);
    free(log);
    /* a tail block left by a buffered write, without a rollover between:
     * a 9 MB group in a 64 MB segment, then direct groups after it */
    const char *args2[] = {"--wal-segment-size", "64mb", "--auto-checkpoint-percentage", "0",
                           NULL};
    s = srv_start_in(d, args2);
    c = srv_connect(s);
    CHECK(direct_keys_ok(c, big, bign));
    CHECK_EQ_INT(info_ll(c, "wal_direct_io"), direct); /* (a new process tries again) */
    long long seg0 = info_ll(c, "wal_segments");
    big[0] = 'z';
    CHECK_STATUS(cmd(c, "SET big %b", big, bign - 5), "OK");
    set_keys(c, "e", 0, 50, 100);
    pipe_keys(c, "e", 50, 300, 3000);
    CHECK_EQ_INT(info_ll(c, "wal_segments"), seg0);
    redisFree(c);
    srv_kill(s);
    s = srv_start_in(d, args2);
    c = srv_connect(s);
    CHECK(direct_keys_ok(c, big, bign - 5));
    CHECK(keys_ok(c, "e", 0, 50, 100) && keys_ok(c, "e", 50, 300, 3000));
    redisFree(c);
    srv_stop(s);
    free(big);
    drop_dir(d);
}

/* ------------------------------------------------------------ rollsync */

/* everysec: a full segment must be synced before the next one exists, and
 * it may hold up to a second of writes. That sync must not hold up the
 * replies either: the log is lent to the engine during it, and only a
 * last, short sync (what came meanwhile) keeps writes waiting. A disk of
 * 10 MB/s (100 ms per MB) and a client writing 5 MB/s into 2 MB segments,
 * in batches the writer thread takes (100 KB) and in batches the engine
 * writes itself (40 KB): a rollover that synced its segment with the log
 * held made a batch wait about 200 ms (now 15-50 ms) -- at every rollover.
 * Each phase writes 3 s, and on until 2 rollovers (a loaded machine may be
 * slower), and at most one batch may take 150 ms or more (a loaded machine
 * may stall one: 177 ms seen once with both CPUs busy); with the log held,
 * the rollovers' batches take 190-240 ms. Up to 2 attempts a phase. */
static void test_rollsync(void) {
    sb_server *s = srv_start("--appendfsync", "everysec", "--wal-segment-size", "2mb", "--keep-wal",
                             "yes", "--auto-checkpoint-percentage", "0", NULL);
    redisContext *c = srv_connect(s);
    CHECK_STATUS(cmd(c, "DEBUG WAL-FAULT slow-fsync 100 per-mb"), "OK");
    static char v[1024];
    memset(v, 'r', sizeof(v));
    for (int kb = 100; kb >= 40; kb -= 60) {
        long long rolled = 0;
        double worst = 0, worst2 = 0; /* the slowest batch, the second slowest */
        int ok = 1;
        for (int attempt = 0; attempt < 2; attempt++) {
            long long seg0 = info_ll(c, "wal_segments");
            double end = clock_s() + 3, cap = clock_s() + 15, pause = 0.02 * kb / 100;
            int batches = 0;
            rolled = 0;
            worst = worst2 = 0;
            while ((clock_s() < end || rolled < 2) && clock_s() < cap && ok) {
                double t0 = clock_s();
                for (int i = 0; i < kb; i++)
                    redisAppendCommand(c, "SET roll%d %b", i, v, sizeof(v));
                for (int i = 0; i < kb && ok; i++) {
                    redisReply *r = NULL;
                    ok = redisGetReply(c, (void **)&r) == REDIS_OK && r &&
                         r->type == REDIS_REPLY_STATUS;
                    if (r) freeReplyObject(r);
                }
                double dt = clock_s() - t0;
                if (dt > worst) worst2 = worst, worst = dt;
                else if (dt > worst2) worst2 = dt;
                batches++;
                if (dt < pause) usleep((useconds_t)((pause - dt) * 1e6));
                if (clock_s() >= end) rolled = info_ll(c, "wal_segments") - seg0;
            }
            /* (segments end past 2 MB: writes go on during the lent syncs) */
            rolled = info_ll(c, "wal_segments") - seg0;
            printf("  %d batches of %d KB, %lld new segment(s), slowest batches %.0f and %.0f ms\n",
                   batches, kb, rolled, worst * 1000, worst2 * 1000);
            if (!ok || (rolled >= 2 && worst2 < 0.15)) break;
        }
        CHECK(ok);
        CHECK_MSG(rolled >= 2, "%d KB batches: %lld rollover(s) in 15 s", kb, rolled);
        CHECK_MSG(worst2 < 0.15, "batches of %d KB waited %.0f and %.0f ms for rollovers", kb,
                  worst * 1000, worst2 * 1000);
    }
    CHECK_STATUS(cmd(c, "DEBUG WAL-FAULT off"), "OK");
    redisFree(c);
    srv_stop(s);
}

/* ------------------------------------------------------------ slowsync */

/* everysec: a slow fsync (a second's worth of data can take long) holds up
 * WAITAOF only, never the replies to writes: the engine goes on writing
 * while the writer syncs. A pipelined client sends 100 KB batches (groups
 * the writer thread would take) for 2.5 s while every fsync takes 800 ms
 * longer; no batch may wait for one. */
/* The buckets of an INFO histogram ("lt64=N,...,ge131072=N"): their sum,
 * and the last bucket's count in *slowest. -1 if the field is missing or
 * malformed. */
static long long hist_sum(redisContext *c, const char *name, long long *slowest) {
    char v[600];
    info_field(c, name, v, sizeof(v));
    if (strncmp(v, "lt64=", 5) || !strstr(v, ",ge131072=")) return -1;
    long long sum = 0;
    int buckets = 0;
    for (char *eq = strchr(v, '='); eq; eq = strchr(eq + 1, '=')) {
        *slowest = atoll(eq + 1);
        sum += *slowest;
        buckets++;
    }
    return buckets == 13 ? sum : -1;
}

static void test_slowsync(void) {
    /* (one segment: a rollover syncs the old segment, slowly here, and a
     * WAITAOF after OFF would wait for that; the batches are paced to at
     * most 50 MB/s, so 15 s stay far below the size) */
    sb_server *s = srv_start("--appendfsync", "everysec", "--wal-segment-size", "64gb", NULL);
    redisContext *c = srv_connect(s);
    CHECK_STATUS(cmd(c, "DEBUG WAL-FAULT slow-fsync 800"), "OK");
    static char v[1024];
    memset(v, 'x', sizeof(v));
    long long f0 = info_ll(c, "wal_fsyncs");
    /* 2.5 s, and on until a slow fsync has finished (a loaded machine may
     * take longer to sync a second's worth of writes) */
    double end = clock_s() + 2.5, cap = clock_s() + 15, worst = 0;
    int batches = 0, synced_any = 0, failed = 0;
    while ((clock_s() < end || !synced_any) && clock_s() < cap && !failed) {
        double t0 = clock_s();
        for (int i = 0; i < 100; i++) redisAppendCommand(c, "SET slow%d %b", i, v, sizeof(v));
        for (int i = 0; i < 100; i++) {
            redisReply *r = NULL;
            if (redisGetReply(c, (void **)&r) != REDIS_OK || !r || r->type != REDIS_REPLY_STATUS) {
                CHECK_MSG(0, "a write got %s", reply_str(r));
                failed = 1;
                if (r) freeReplyObject(r);
                break;
            }
            freeReplyObject(r);
        }
        double dt = clock_s() - t0;
        if (dt > worst) worst = dt;
        if (dt < 0.002) usleep((useconds_t)((0.002 - dt) * 1e6));
        if (++batches % 20 == 0) synced_any = info_ll(c, "wal_fsyncs") > f0;
    }
    long long synced = info_ll(c, "wal_fsyncs") - f0;
    printf("  %d batches of 100 KB, slowest %.0f ms, %lld slow fsync(s) meanwhile\n", batches,
           worst * 1000, synced);
    CHECK(synced >= 1);
    /* the histograms count every fsync and every group's write; the slow
     * fsyncs (800 ms) in the last bucket */
    long long slowest = 0;
    CHECK_EQ_INT(hist_sum(c, "wal_fsync_us_hist", &slowest), info_ll(c, "wal_fsyncs"));
    CHECK_MSG(slowest >= synced, "%lld fsyncs of 131 ms or more, %lld slow ones", slowest, synced);
    CHECK_EQ_INT(hist_sum(c, "wal_write_us_hist", &slowest), info_ll(c, "wal_groups"));
    CHECK_EQ_INT(info_ll(c, "wal_segments"), 1);
    /* (a batch that waited for a slow fsync took 800 ms or more; a loaded
     * machine may stall one for a few hundred) */
    CHECK_MSG(worst < 0.7, "a batch waited %.0f ms (an fsync takes 800 ms more)", worst * 1000);
    /* WAITAOF does wait for it: for a write made just before, which only
     * an fsync begun after t0 covers -- 800 ms at least (without it, a slow
     * fsync that began after the batches' last write could be nearly
     * done) */
    double t0 = clock_s();
    CHECK_STATUS(cmd(c, "SET before v"), "OK");
    check_waitaof(c, "1 0 0", 1);
    CHECK_MSG(clock_s() - t0 >= 0.5, "WAITAOF took %.0f ms", (clock_s() - t0) * 1000);
    CHECK_STATUS(cmd(c, "DEBUG WAL-FAULT off"), "OK");
    check_waitaof(c, "1 0 0", 1); /* (a slow fsync already under way ends first) */
    /* then fast again (a real fsync on a loaded machine may take a few
     * hundred ms; a slow one still, 800 ms or more) */
    t0 = clock_s();
    CHECK_STATUS(cmd(c, "SET after v"), "OK");
    check_waitaof(c, "1 0 0", 1);
    CHECK_MSG(clock_s() - t0 < 0.7, "WAITAOF after OFF took %.0f ms", (clock_s() - t0) * 1000);
    redisFree(c);
    srv_stop(s);
}

/* ------------------------------------------------------------ pipeline */

/* With wal-pipeline (always mode) the writer writes a group while the
 * syncer syncs the one before; a group written during a sync is durable
 * only after the next one, which began after its write. Every fsync made
 * 400 ms slow: a 100 KB SET (too big to commit inline) starts a sync at
 * t0; a small SET from another client 150 ms later is written during it
 * (counted in wal_sync_overlaps) and must not be answered before a second
 * sync, 800 ms after t0 at the earliest. Had the syncer counted as synced
 * what was written while it synced, the answer would come at about
 * 400 ms. With wal-pipeline no the writer syncs itself, and writes
 * nothing during its sync. Both sets survive a SIGKILL. Then the syncer's
 * sync fails: the SET that waited for it gets no reply. */
static void test_pipeline(void) {
    const char *d = new_dir();
    sb_server *s = srv_start_in(d, no_args);
    redisContext *a = srv_connect(s), *b = srv_connect(s);
    redisReply *r = cmd(a, "CONFIG GET wal-pipeline");
    CHECK(r && r->type == REDIS_REPLY_ARRAY && r->elements == 2 &&
          !strcmp(r->element[1]->str, "yes"));
    if (r) freeReplyObject(r);
    static char big[100 * 1024];
    memset(big, 'p', sizeof(big));
    CHECK_STATUS(cmd(a, "DEBUG WAL-FAULT slow-fsync 400"), "OK");
    for (int on = 1; on >= 0; on--) {
        CHECK_STATUS(cmd(a, "CONFIG SET wal-pipeline %s", on ? "yes" : "no"), "OK");
        long long ov0 = info_ll(a, "wal_sync_overlaps");
        double t0 = clock_s();
        redisAppendCommand(a, "SET big%d %b", on, big, sizeof(big));
        flush_pipeline(a);
        usleep(150 * 1000);
        double t1 = clock_s();
        redisAppendCommand(b, "SET small%d v", on);
        flush_pipeline(b);
        CHECK_STATUS(get_reply(a), "OK");
        double ta = clock_s();
        CHECK_STATUS(get_reply(b), "OK");
        double tb = clock_s();
        long long ov = info_ll(a, "wal_sync_overlaps") - ov0;
        printf("  wal-pipeline %s: 100 KB SET answered after %.0f ms, the SET sent %.0f ms "
               "later after %.0f ms; %lld group(s) written during a sync\n", on ? "yes" : "no",
               (ta - t0) * 1000, (t1 - t0) * 1000, (tb - t0) * 1000, ov);
        CHECK_MSG(ta - t0 >= 0.39, "the 100 KB SET was answered after %.0f ms, before its "
                  "400 ms fsync", (ta - t0) * 1000);
        CHECK_MSG(tb - t0 >= 0.79, "the SET written during the first sync was answered "
                  "%.0f ms after it began: before a second sync", (tb - t0) * 1000);
        if (on) CHECK_MSG(ov >= 1, "wal-pipeline yes: no group written during a sync");
        else CHECK_MSG(ov == 0, "wal-pipeline no: %lld group(s) written during a sync", ov);
    }
    CHECK_STATUS(cmd(a, "DEBUG WAL-FAULT off"), "OK");
    redisFree(b);
    redisFree(a);
    srv_kill(s);
    s = srv_start_in(d, no_args);
    a = srv_connect(s);
    for (int on = 0; on < 2; on++) {
        r = cmd(a, "STRLEN big%d", on);
        CHECK(r && r->type == REDIS_REPLY_INTEGER && r->integer == (long long)sizeof(big));
        if (r) freeReplyObject(r);
        CHECK_BULK(cmd(a, "GET small%d", on), "v");
    }
    /* The syncer's sync fails: the 100 KB SET's sync (slow) succeeds, the
     * SET written during it needs the next one, which fails. That SET gets
     * no reply (its connection is closed: its outcome is unknown, as after
     * a crash), the WAL is failed, reads show the durable state only. */
    b = srv_connect(s);
    CHECK_STATUS(cmd(a, "DEBUG WAL-FAULT slow-fsync 300"), "OK");
    CHECK_STATUS(cmd(a, "DEBUG WAL-FAULT fsync EIO 1"), "OK");
    redisAppendCommand(a, "SET big2 %b", big, sizeof(big));
    flush_pipeline(a);
    usleep(150 * 1000);
    redisAppendCommand(b, "SET small2 v");
    flush_pipeline(b);
    CHECK_STATUS(get_reply(a), "OK");
    r = NULL;
    int rc = redisGetReply(b, (void **)&r);
    CHECK_MSG(rc != REDIS_OK || !r || r->type == REDIS_REPLY_ERROR,
              "the SET whose sync failed got %s", reply_str(r));
    if (r) freeReplyObject(r);
    redisFree(b);
    redisFree(a);
    a = srv_connect(s);
    char st[64];
    info_field(a, "wal_status", st, sizeof(st));
    CHECK_MSG(!strcmp(st, "failed"), "wal_status:%s", st);
    r = cmd(a, "STRLEN big2");
    CHECK(r && r->type == REDIS_REPLY_INTEGER && r->integer == (long long)sizeof(big));
    if (r) freeReplyObject(r);
    CHECK_NIL(cmd(a, "GET small2"));
    r = cmd(a, "SET x 1");
    CHECK_MSG(r && r->type == REDIS_REPLY_ERROR && !strncmp(r->str, "MISCONF", 7),
              "SET after the failure got %s", reply_str(r));
    if (r) freeReplyObject(r);
    redisFree(a);
    CHECK_EQ_INT(stop_status(s), 0);
    s = srv_start_in(d, no_args);
    a = srv_connect(s);
    r = cmd(a, "STRLEN big2");
    CHECK(r && r->type == REDIS_REPLY_INTEGER && r->integer == (long long)sizeof(big));
    if (r) freeReplyObject(r);
    redisFree(a);
    srv_stop(s);
    drop_dir(d);
}

/* ------------------------------------------------------------ scriptapi */

/* The last segment of d with its script record renamed to `name` and its
 * body replaced by `body` (the other fields, the digest among them, kept);
 * what followed that record is dropped. Returns 0, or -1 if not found. */
static int rewrite_script_record(const char *d, const char *name, const char *body) {
    char segs[16][300];
    int n = list_segs(d, segs, 16);
    if (n < 1) return -1;
    size_t len;
    unsigned char *b = read_all(segs[n - 1], &len);
    rec r[64];
    int k = b ? parse_segment(b, len, strtoull(strrchr(segs[n - 1], '-') + 1, NULL, 10), r, 64) : -1;
    int at = -1;
    for (int i = 0; i < k && i < 64; i++) {
        const unsigned char *p = b + r[i].off + 17; /* unit payload: time, n changes */
        /* first change: db, argc, then its first argument's length and bytes */
        if (r[i].len > 17 + 12 + 8 + 4 + 6 && get32(p + 20) == 6 && !memcmp(p + 24, "@eval2", 6))
            at = i;
    }
    if (at < 0) {
        free(b);
        return -1;
    }
    const unsigned char *p = b + r[at].off + 17, *end = b + r[at].off + r[at].len;
    unsigned char *out = malloc(r[at].len + strlen(body) + 64);
    memcpy(out, p, 20); /* time, 1 change, db, argc */
    size_t o = 20;
    const unsigned char *q = p + 20;
    uint32_t argc = get32(p + 16);
    for (uint32_t i = 0; i < argc && q + 4 <= end; i++) {
        uint32_t l = get32(q);
        const char *v = (const char *)q + 4;
        size_t vl = l;
        if (i == 0) v = name, vl = strlen(name);
        if (i == 1) v = body, vl = strlen(body);
        put32(out + o, (uint32_t)vl);
        memcpy(out + o + 4, v, vl);
        o += 4 + vl;
        q += 4 + l;
    }
    size_t nl = add_record(b, r[at].off, r[at].lsn, r[at].type, out, o);
    unsigned char *img = malloc(nl); /* (add_record wrote into b: copy out) */
    memcpy(img, b, nl);
    write_file(segs[n - 1], img, nl);
    free(img);
    free(out);
    free(b);
    return 0;
}

/* A script call logged by an older build (@eval, script API 1) replays
 * under API 1 -- Lua's own pcall, so a redis.call error is caught as a
 * table, and print exists -- and one logged now (@eval2) under Redis
 * 7.0's API, where pcall gives the error's text: each record does what
 * it did when it ran, or recovery refuses. The records are made by this
 * build and rewritten: the effects (SET out table) and their digest are
 * those of the first script; the rewritten body must reproduce them. */
static void test_scriptapi(void) {
    static const char *with_print = /* (print: API 1 had it) */
        "local ok, e = pcall(redis.call, 'incr', KEYS[1]) print('x') "
        "redis.call('set', KEYS[2], type(e))";
    static const char *without = "local ok, e = pcall(redis.call, 'incr', KEYS[1]) "
                                 "redis.call('set', KEYS[2], type(e))";
    for (int round = 0; round < 2; round++) {
        const char *d = new_dir();
        sb_server *s = srv_start_in(d, no_args);
        redisContext *c = srv_connect(s);
        CHECK_STATUS(cmd(c, "SET notint abc"), "OK");
        /* this build's API: the error's text, and no print */
        CHECK_NIL(cmd(c, "EVAL %s 2 notint out2", without));
        CHECK_BULK(cmd(c, "GET out2"), "string");
        redisReply *r = cmd(c, "EVAL %s 2 notint out2", with_print);
        CHECK(r && r->type == REDIS_REPLY_ERROR &&
              strstr(r->str, "nonexistent global variable 'print'") != NULL);
        if (r) freeReplyObject(r);
        CHECK_STATUS(cmd(c, "EVAL %s 2 notint out", "return redis.call('set', KEYS[2], 'table')"),
                     "OK");
        redisFree(c);
        srv_kill(s);
        CHECK_EQ_INT(rewrite_script_record(d, round == 0 ? "@eval" : "@eval2",
                                           round == 0 ? with_print : without), 0);
        int status = 0;
        s = srv_try_start_in(d, no_args, &status);
        if (round == 0) { /* API 1: the table, as logged */
            CHECK(s != NULL);
            if (s) {
                c = srv_connect(s);
                CHECK_BULK(cmd(c, "GET out"), "table");
                redisFree(c);
                srv_stop(s);
            }
        } else { /* API 2 would store "string": the digest differs, refuse */
            CHECK(s == NULL && status != 0);
            if (s) srv_kill(s);
            char log[400];
            snprintf(log, sizeof(log), "%s/server.log", d);
            CHECK(count_in_log(log, "is not deterministic") > 0);
        }
        drop_dir(d);
    }
}

/* ------------------------------------------------------------ main */

static const struct { const char *name; void (*fn)(void); } sections[] = {
    {"format", test_format},   {"torn", test_torn},         {"corrupt", test_corrupt},
    {"segments", test_segments}, {"crafted", test_crafted}, {"fault", test_fault},
    {"expiry", test_expiry},   {"everysec", test_everysec}, {"waitaof", test_waitaof},
    {"aofno", test_aofno},     {"order", test_order},       {"spare", test_spare}, {"zeros", test_zeros}, {"rollsync", test_rollsync},
    {"slowsync", test_slowsync}, {"inline", test_inline}, {"pipeline", test_pipeline},
    {"scriptapi", test_scriptapi},
    /* (last: in the ASan build its 9 MB values left the test process slow
     * enough for rollsync's timing check to fail after it) */
    {"direct", test_direct},
};

int main(int argc, char **argv) {
    setvbuf(stdout, NULL, _IONBF, 0);
    double t_all = clock_s();
    int ran = 0;
    for (size_t i = 0; i < sizeof(sections) / sizeof(sections[0]); i++) {
        int wanted = argc < 2;
        for (int a = 1; a < argc; a++) wanted |= !strcmp(argv[a], sections[i].name);
        if (!wanted) continue;
        int f0 = tu_failures;
        double t0 = clock_s();
        printf("%s:\n", sections[i].name);
        sections[i].fn();
        printf("%s: %s (%.2f s)\n", sections[i].name, tu_failures == f0 ? "ok" : "FAILED",
               clock_s() - t0);
        ran++;
    }
    if (!ran) {
        fprintf(stderr, "no such section\n");
        return 2;
    }
    printf("total %.2f s\n", clock_s() - t_all);
    TU_DONE();
}
