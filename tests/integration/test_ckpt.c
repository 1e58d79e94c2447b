/* test_ckpt.c -- checkpoints (ckpt-<LSN>.sbc): point-in-time exactness,
 * recovery from a checkpoint plus the WAL after it, damaged and truncated
 * checkpoints, the commands that make them, and what one costs in memory.
 *
 * Sections (run some with `test_ckpt <name>...`; SB_SEED=<n> replays the
 * pseudo-random parts of a run, whose seed is printed first):
 *  exact      a BGSAVE under one pipelined writer (SET, DEL, APPEND,
 *             SETRANGE, INCR, EXPIRE, PEXPIREAT, PERSIST, RENAME, MOVE, COPY,
 *             SWAPDB, FLUSHDB, MSET) over ~200k keys in 4 dbs: the file alone
 *             holds exactly the client-side model at its LSN (every key,
 *             value, expiry), the format is checked with an independent
 *             CRC32C, and checkpoint + WAL give the final state
 *  restart    checkpoint + more WAL after a kill: everything acknowledged;
 *             segments and checkpoints below the newest one are removed
 *             (kept with keep-wal yes)
 *  corrupt    a damaged newest checkpoint: fall back (older checkpoint or
 *             the whole WAL) with keep-wal yes; refuse to start, naming the
 *             file and why, when the WAL no longer covers it, or when the
 *             WAL ends before the damaged checkpoint's LSN
 *  truncated  a cut trailer, a cut block, a dropped block: refused the same
 *             way; a leftover ckpt-*.sbc.tmp is ignored and removed
 *  lifecycle  SHUTDOWN NOSAVE / SHUTDOWN / SIGTERM, DEBUG RELOAD, LASTSAVE,
 *             BGSAVE while one runs, BGSAVE SCHEDULE, SAVE during a BGSAVE
 *  databases  a checkpoint with more dbs than the server has; more than
 *             4096 dbs
 *  memory     RSS peak during a BGSAVE under overwrites vs the steady state
 */
#include "harness.h"
#include "testfs.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdint.h>
#include <strings.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* Every server: no free-disk guard (a small CI disk), no automatic
 * checkpoints (the tests decide when one is made). */
#define ARGS(...) ((const char *[]){"--min-free-disk", "0", "--auto-checkpoint-percentage", "0", \
                                    __VA_ARGS__, NULL})
#define ARGS0 ((const char *[]){"--min-free-disk", "0", "--auto-checkpoint-percentage", "0", NULL})

/* ------------------------------------------------------------ helpers */

static int64_t wall_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static uint64_t seed;
static int64_t far_ms; /* a fixed time ~40 days ahead: exact expiries */

typedef struct rng { uint64_t s; } rng;
static uint64_t rnd(rng *r) { /* splitmix64 */
    uint64_t z = (r->s += UINT64_C(0x9e3779b97f4a7c15));
    z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
    z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
    return z ^ (z >> 31);
}
static uint32_t below(rng *r, uint32_t n) { return (uint32_t)(rnd(r) % n); }

/* Copy the files of src (not server.log) into a new directory. */
static const char *copy_dir(const char *src) {
    const char *dst = new_dir();
    DIR *d = opendir(src);
    struct dirent *de;
    while (d && (de = readdir(d))) {
        if (de->d_name[0] == '.' || !strcmp(de->d_name, "server.log")) continue;
        char from[600], to[600];
        snprintf(from, sizeof(from), "%s/%s", src, de->d_name);
        snprintf(to, sizeof(to), "%s/%s", dst, de->d_name);
        size_t len;
        unsigned char *b = read_all(from, &len);
        if (b) write_file(to, b, len);
        free(b);
    }
    if (d) closedir(d);
    return dst;
}

/* Names in dir starting with prefix and ending with suffix, sorted (the
 * 20-digit LSNs sort as text); returns how many. */
static int list_files(const char *dir, const char *prefix, const char *suffix,
                      char names[][64], int max) {
    DIR *d = opendir(dir);
    int n = 0;
    if (!d) return 0;
    struct dirent *de;
    size_t pl = strlen(prefix), sl = strlen(suffix);
    while ((de = readdir(d)) && n < max) {
        size_t l = strlen(de->d_name);
        if (l >= pl + sl && l < 64 && !strncmp(de->d_name, prefix, pl) &&
            !strcmp(de->d_name + l - sl, suffix))
            memcpy(names[n++], de->d_name, l + 1);
    }
    closedir(d);
    for (int i = 1; i < n; i++)
        for (int j = i; j > 0 && strcmp(names[j - 1], names[j]) > 0; j--) {
            char t[64];
            memcpy(t, names[j], 64);
            memcpy(names[j], names[j - 1], 64);
            memcpy(names[j - 1], t, 64);
        }
    return n;
}

/* LSNs of the checkpoints (ascending); returns how many. */
static int ckpt_lsns(const char *dir, uint64_t *out, int max) {
    char names[64][64];
    int n = list_files(dir, "ckpt-", ".sbc", names, 64);
    int k = 0;
    for (int i = 0; i < n && k < max; i++)
        if (strlen(names[i]) == 29) out[k++] = strtoull(names[i] + 5, NULL, 10);
    return k;
}

/* First LSNs of the WAL segments (ascending); returns how many. */
static int seg_firsts(const char *dir, uint64_t *out, int max) {
    char names[256][64];
    int n = list_files(dir, "wal-", ".log", names, 256);
    int k = 0;
    for (int i = 0; i < n && k < max; i++)
        if (strlen(names[i]) == 28) out[k++] = strtoull(names[i] + 4, NULL, 10);
    return k;
}

static void ckpt_path(char *out, size_t cap, const char *dir, uint64_t lsn) {
    snprintf(out, cap, "%s/ckpt-%020" PRIu64 ".sbc", dir, lsn);
}

static void dump_log(const char *dir) {
    char cmdl[700];
    snprintf(cmdl, sizeof(cmdl), "tail -n 12 '%s/server.log' >&2", dir);
    if (system(cmdl)) {}
}

/* "name:value" of INFO persistence ("" if missing). */
static void info_field(redisContext *c, const char *name, char *out, size_t cap) {
    out[0] = 0;
    redisReply *r = cmd(c, "INFO persistence");
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


/* Wait for a server that was told to stop (SHUTDOWN); its exit status, or
 * -1 if it had to be killed. */
static int wait_exit(sb_server *s) {
    double deadline = clock_s() + 30;
    int st = 0;
    while (waitpid(s->pid, &st, WNOHANG) == 0) {
        if (clock_s() > deadline) {
            kill(s->pid, SIGKILL);
            waitpid(s->pid, &st, 0);
            s->pid = 0;
            return -1;
        }
        usleep(2000);
    }
    s->pid = 0;
    srv_stop(s); /* only looks at the log for sanitizer reports now */
    return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

/* SIGTERM and wait: the exit status (-1 if it had to be killed). */
static int term_status(sb_server *s) {
    kill(s->pid, SIGTERM);
    return wait_exit(s);
}

/* ------------------------------------------ simple deterministic keys */

/* The value set_range gives prefix<i> in version ver. */
static size_t val_of(char *v, size_t cap, const char *prefix, int i, int ver) {
    int m = snprintf(v, cap, "v%d-%s%d-", ver, prefix, i);
    size_t n = 20 + (size_t)(i * 7 + ver) % 60;
    if (n < (size_t)m) n = (size_t)m;
    if (n > cap - 1) n = cap - 1;
    for (size_t j = (size_t)m; j < n; j++) v[j] = (char)('a' + (size_t)(i + ver) * 31 % 26 + j % 3);
    v[n] = 0;
    return n;
}

/* Keys with an exact expiry (far_ms + i): every ttl_every-th one. */
static int has_ttl(int i, int ttl_every) { return ttl_every > 0 && i % ttl_every == 0; }

/* SET prefix<from..to-1> (pipelined, 500 at a time). */
static void set_range(redisContext *c, const char *prefix, int from, int to, int ver, int ttl_every) {
    for (int i = from; i < to;) {
        int end = i + 500 < to ? i + 500 : to;
        for (int j = i; j < end; j++) {
            char k[64], v[128];
            snprintf(k, sizeof(k), "%s%d", prefix, j);
            size_t n = val_of(v, sizeof(v), prefix, j, ver);
            if (has_ttl(j, ttl_every))
                redisAppendCommand(c, "SET %s %b PXAT %lld", k, v, n, (long long)(far_ms + j));
            else
                redisAppendCommand(c, "SET %s %b", k, v, n);
        }
        for (int j = i; j < end; j++) {
            redisReply *r = NULL;
            if (redisGetReply(c, (void **)&r) != REDIS_OK) r = NULL;
            CHECK_STATUS(r, "OK");
        }
        i = end;
    }
}

/* One pipelined command per key of prefix<from..to-1>, fmt takes the key. */
static void each_key(redisContext *c, const char *fmt, const char *prefix, int from, int to,
                     long long want) {
    for (int i = from; i < to;) {
        int end = i + 500 < to ? i + 500 : to;
        for (int j = i; j < end; j++) {
            char k[64];
            snprintf(k, sizeof(k), "%s%d", prefix, j);
            redisAppendCommand(c, fmt, k);
        }
        for (int j = i; j < end; j++) {
            redisReply *r = NULL;
            if (redisGetReply(c, (void **)&r) != REDIS_OK) r = NULL;
            CHECK_INT(r, want);
        }
        i = end;
    }
}

/* Are prefix<from..to-1> there in version ver with their expiries (or all
 * absent when ver < 0)? Returns the number of wrong keys (first few
 * printed). */
static int check_range(redisContext *c, const char *prefix, int from, int to, int ver, int ttl_every) {
    int bad = 0;
    for (int i = from; i < to;) {
        int end = i + 500 < to ? i + 500 : to;
        for (int j = i; j < end; j++) {
            char k[64];
            snprintf(k, sizeof(k), "%s%d", prefix, j);
            redisAppendCommand(c, "GET %s", k);
            redisAppendCommand(c, "PEXPIRETIME %s", k);
        }
        for (int j = i; j < end; j++) {
            redisReply *r = NULL, *t = NULL;
            if (redisGetReply(c, (void **)&r) != REDIS_OK) r = NULL;
            if (redisGetReply(c, (void **)&t) != REDIS_OK) t = NULL;
            char v[128];
            size_t n = ver >= 0 ? val_of(v, sizeof(v), prefix, j, ver) : 0;
            long long want_t = ver < 0 ? -2 : has_ttl(j, ttl_every) ? far_ms + j : -1;
            int ok = ver < 0 ? r && r->type == REDIS_REPLY_NIL
                             : r && r->type == REDIS_REPLY_STRING && r->len == n && !memcmp(r->str, v, n);
            ok = ok && t && t->type == REDIS_REPLY_INTEGER && t->integer == want_t;
            if (!ok) {
                if (bad < 5) {
                    fprintf(stderr, "  %s%d: GET %s", prefix, j, reply_str(r));
                    fprintf(stderr, ", PEXPIRETIME %s (want %s, %lld)\n", reply_str(t),
                            ver < 0 ? "absent" : "present", want_t);
                }
                bad++;
            }
            if (r) freeReplyObject(r);
            if (t) freeReplyObject(t);
        }
        i = end;
    }
    return bad;
}

static long long dbsize(redisContext *c, int db) {
    redisReply *r = cmd(c, "SELECT %d", db);
    if (r) freeReplyObject(r);
    r = cmd(c, "DBSIZE");
    long long n = r && r->type == REDIS_REPLY_INTEGER ? r->integer : -1;
    if (r) freeReplyObject(r);
    r = cmd(c, "SELECT 0");
    if (r) freeReplyObject(r);
    return n;
}

/* ------------------------------------------ independent format reader */

typedef struct ck_scan {
    uint64_t lsn, entries, blocks;
    uint32_t databases;
    int64_t created_ms;
    size_t nblock_offs;
    size_t block_off[256];     /* offsets of the first blocks */
    size_t trailer_off, size;
    uint64_t per_db[16];
    uint64_t scripting;        /* library and script entries */
    char err[200];
} ck_scan;

/* Check a whole checkpoint against the documented format. 0 or -1. */
static int ck_parse(const char *path, ck_scan *o) {
    memset(o, 0, sizeof(*o));
    size_t n;
    unsigned char *b = read_all(path, &n);
    if (!b) { snprintf(o->err, sizeof(o->err), "can't read"); return -1; }
    o->size = n;
    static const char magic[8] = {'S', 'B', 'C', 'K', 'P', 'T', '\r', '\n'};
    int rc = -1;
    if (n < 64 || memcmp(b, magic, 8) || get32(b + 8) != 2 || get32(b + 60) != crc32c(b, 60)) {
        snprintf(o->err, sizeof(o->err), "bad header");
        goto out;
    }
    for (int i = 32; i < 60; i++)
        if (b[i]) { snprintf(o->err, sizeof(o->err), "reserved header byte %d is not 0", i); goto out; }
    o->databases = get32(b + 12);
    o->lsn = get64(b + 16);
    o->created_ms = (int64_t)get64(b + 24);
    size_t off = 64;
    for (;;) {
        if (n - off < 8) { snprintf(o->err, sizeof(o->err), "no trailer at %zu", off); goto out; }
        uint32_t len = get32(b + off), crc = get32(b + off + 4);
        if (len == 0) {
            if (n - off != 32) { snprintf(o->err, sizeof(o->err), "trailer at %zu is not the end", off); goto out; }
            if (crc != crc32c(b + off + 8, 24) || get64(b + off + 8) != o->entries ||
                get64(b + off + 16) != o->blocks || get64(b + off + 24) != 0) {
                snprintf(o->err, sizeof(o->err), "bad trailer");
                goto out;
            }
            o->trailer_off = off;
            break;
        }
        if (len > n - off - 8 || crc32c(b + off + 8, len) != crc) {
            snprintf(o->err, sizeof(o->err), "bad block at %zu", off);
            goto out;
        }
        if (o->nblock_offs < 256) o->block_off[o->nblock_offs++] = off;
        const unsigned char *p = b + off + 8, *end = p + len;
        while (p < end) {
            if (end - p < 21) { snprintf(o->err, sizeof(o->err), "short entry"); goto out; }
            uint32_t db = get32(p + 1), kl = get32(p + 13);
            /* 0 string, 16 function library, 17 script */
            if ((p[0] != 0 && p[0] != 16 && p[0] != 17) || db >= o->databases ||
                (size_t)(end - p - 21) < kl) {
                snprintf(o->err, sizeof(o->err), "bad entry (type %d, db %u)", p[0], db);
                goto out;
            }
            uint32_t vl = get32(p + 17 + kl);
            if ((size_t)(end - p - 21 - kl) < vl) { snprintf(o->err, sizeof(o->err), "bad value length"); goto out; }
            if (p[0] == 0 && db < 16) o->per_db[db]++;
            if (p[0] != 0) o->scripting++;
            o->entries++;
            p += 21 + kl + vl;
        }
        o->blocks++;
        off += 8 + len;
    }
    rc = 0;
out:
    free(b);
    return rc;
}

/* --------------------------------------------- the client-side model */

#define NDB 4             /* dbs the exact test writes: 0-2 big, 3 small */
#define EXP_NONE (-1LL)
#define EXP_REL (-2LL)    /* EXPIRE n: far ahead, the exact ms is the server's */

typedef struct ment {
    char *k, *v;
    uint32_t kl, vl;
    int64_t exp;
    int32_t next;
    uint32_t seen;
} ment;

typedef struct mdb {
    ment *e;
    int32_t n, cap;
    int32_t *b;
    uint32_t nb;
} mdb;

typedef struct model { mdb *db[NDB]; } model;

static uint64_t fnv(const char *p, size_t n) {
    uint64_t h = 14695981039346656037ull;
    for (size_t i = 0; i < n; i++) h = (h ^ (unsigned char)p[i]) * 1099511628211ull;
    return h ^ (h >> 29);
}

static char *dupmem(const char *p, size_t n) {
    char *s = malloc(n + 1);
    if (!s) abort();
    if (n) memcpy(s, p, n);
    s[n] = 0;
    return s;
}

static int32_t m_find(const mdb *d, const char *k, size_t kl) {
    if (!d->nb) return -1;
    for (int32_t i = d->b[fnv(k, kl) & (d->nb - 1)]; i >= 0; i = d->e[i].next)
        if (d->e[i].kl == kl && !memcmp(d->e[i].k, k, kl)) return i;
    return -1;
}

static void m_link(mdb *d, int32_t i) {
    uint32_t h = (uint32_t)(fnv(d->e[i].k, d->e[i].kl) & (d->nb - 1));
    d->e[i].next = d->b[h];
    d->b[h] = i;
}

static void m_unlink(mdb *d, int32_t i) {
    uint32_t h = (uint32_t)(fnv(d->e[i].k, d->e[i].kl) & (d->nb - 1));
    int32_t *l = &d->b[h];
    while (*l != i) l = &d->e[*l].next;
    *l = d->e[i].next;
}

/* Set key to a copy of v with expiry exp (insert or replace). */
static void m_put(mdb *d, const char *k, size_t kl, const char *v, size_t vl, int64_t exp) {
    int32_t i = m_find(d, k, kl);
    if (i >= 0) {
        char *nv = dupmem(v, vl);
        free(d->e[i].v);
        d->e[i].v = nv;
        d->e[i].vl = (uint32_t)vl;
        d->e[i].exp = exp;
        return;
    }
    if (d->n == d->cap) {
        d->cap = d->cap ? d->cap * 2 : 1024;
        d->e = realloc(d->e, (size_t)d->cap * sizeof(ment));
        if (!d->e) abort();
    }
    if ((uint32_t)d->n >= d->nb) {
        d->nb = d->nb ? d->nb * 2 : 1024;
        d->b = realloc(d->b, d->nb * sizeof(int32_t));
        if (!d->b) abort();
        memset(d->b, 0xff, d->nb * sizeof(int32_t));
        for (int32_t j = 0; j < d->n; j++) m_link(d, j);
    }
    i = d->n++;
    d->e[i] = (ment){dupmem(k, kl), dupmem(v, vl), (uint32_t)kl, (uint32_t)vl, exp, -1, 0};
    m_link(d, i);
}

static void m_del(mdb *d, int32_t i) {
    m_unlink(d, i);
    free(d->e[i].k);
    free(d->e[i].v);
    int32_t last = d->n - 1;
    if (i != last) {
        m_unlink(d, last);
        d->e[i] = d->e[last];
        m_link(d, i);
    }
    d->n--;
}

static void m_clear(mdb *d) {
    for (int32_t i = 0; i < d->n; i++) {
        free(d->e[i].k);
        free(d->e[i].v);
    }
    d->n = 0;
    if (d->nb) memset(d->b, 0xff, d->nb * sizeof(int32_t));
}

static void model_init(model *m) {
    for (int i = 0; i < NDB; i++) {
        m->db[i] = calloc(1, sizeof(mdb));
        if (!m->db[i]) abort();
    }
}

static void model_free(model *m) {
    for (int i = 0; i < NDB; i++) {
        m_clear(m->db[i]);
        free(m->db[i]->e);
        free(m->db[i]->b);
        free(m->db[i]);
        m->db[i] = NULL;
    }
}

/* ------------------------------------------------------------- ops */

/* One command: argc lengths (u32) then the argument bytes, each followed
 * by a NUL, in one allocation; the db it runs in and its expected reply
 * ('S' +OK or 'I' an integer), filled in by apply(). */
typedef struct op {
    char *blob;
    int16_t db, argc;
    char rtype;
    long long rint;
} op;

typedef struct opvec { op *v; size_t n, cap; } opvec;

#define MAXARG 16

static int op_args(const op *o, const char **a, size_t *l) {
    const char *p = o->blob + 4 * (size_t)o->argc;
    for (int i = 0; i < o->argc; i++) {
        uint32_t n;
        memcpy(&n, o->blob + 4 * (size_t)i, 4);
        a[i] = p;
        l[i] = n;
        p += n + 1;
    }
    return o->argc;
}

static op *op_push(opvec *v, int db, int argc, const char **a, const size_t *l) {
    if (v->n == v->cap) {
        v->cap = v->cap ? v->cap * 2 : 4096;
        v->v = realloc(v->v, v->cap * sizeof(op));
        if (!v->v) abort();
    }
    size_t total = 4 * (size_t)argc;
    for (int i = 0; i < argc; i++) total += l[i] + 1;
    char *b = malloc(total);
    if (!b) abort();
    char *p = b + 4 * (size_t)argc;
    for (int i = 0; i < argc; i++) {
        uint32_t n = (uint32_t)l[i];
        memcpy(b + 4 * (size_t)i, &n, 4);
        memcpy(p, a[i], l[i]);
        p[l[i]] = 0;
        p += l[i] + 1;
    }
    op *o = &v->v[v->n++];
    *o = (op){b, (int16_t)db, (int16_t)argc, 'S', 0};
    return o;
}

static void opvec_free(opvec *v) {
    for (size_t i = 0; i < v->n; i++) free(v->v[i].blob);
    free(v->v);
    memset(v, 0, sizeof(*v));
}

static int is(const char *a, size_t l, const char *s) { return l == strlen(s) && !strncasecmp(a, s, l); }

/* Apply o to the model as the server does, and note the reply it must get. */
static void apply(model *m, op *o) {
    const char *a[MAXARG];
    size_t l[MAXARG];
    int n = op_args(o, a, l);
    mdb *d = m->db[o->db];
    o->rtype = 'S';
    o->rint = 0;
    if (is(a[0], l[0], "SET")) {
        int64_t exp = EXP_NONE;
        if (n == 5 && is(a[3], l[3], "PXAT")) exp = atoll(a[4]);
        else if (n == 5 && is(a[3], l[3], "EX")) exp = EXP_REL;
        m_put(d, a[1], l[1], a[2], l[2], exp);
    } else if (is(a[0], l[0], "MSET")) {
        for (int i = 1; i + 1 < n; i += 2) m_put(d, a[i], l[i], a[i + 1], l[i + 1], EXP_NONE);
    } else if (is(a[0], l[0], "DEL")) {
        m_del(d, m_find(d, a[1], l[1]));
        o->rtype = 'I';
        o->rint = 1;
    } else if (is(a[0], l[0], "APPEND") || is(a[0], l[0], "SETRANGE")) {
        int app = is(a[0], l[0], "APPEND");
        const char *s = a[app ? 2 : 3];
        size_t sl = l[app ? 2 : 3];
        int32_t i = m_find(d, a[1], l[1]);
        size_t old = i >= 0 ? d->e[i].vl : 0;
        size_t off = app ? old : (size_t)atoll(a[2]);
        size_t nl = off + sl > old ? off + sl : old;
        char *nv = calloc(1, nl + 1);
        if (i >= 0) memcpy(nv, d->e[i].v, old);
        memcpy(nv + off, s, sl);
        m_put(d, a[1], l[1], nv, nl, i >= 0 ? d->e[i].exp : EXP_NONE);
        free(nv);
        o->rtype = 'I';
        o->rint = (long long)nl;
    } else if (is(a[0], l[0], "INCR")) {
        int32_t i = m_find(d, a[1], l[1]);
        long long cur = i >= 0 ? atoll(d->e[i].v) + 1 : 1;
        char buf[32];
        int bl = snprintf(buf, sizeof(buf), "%lld", cur);
        m_put(d, a[1], l[1], buf, (size_t)bl, i >= 0 ? d->e[i].exp : EXP_NONE);
        o->rtype = 'I';
        o->rint = cur;
    } else if (is(a[0], l[0], "EXPIRE") || is(a[0], l[0], "PEXPIREAT") || is(a[0], l[0], "PERSIST")) {
        int32_t i = m_find(d, a[1], l[1]);
        d->e[i].exp = is(a[0], l[0], "EXPIRE") ? EXP_REL : is(a[0], l[0], "PERSIST") ? EXP_NONE
                                                                                  : atoll(a[2]);
        o->rtype = 'I';
        o->rint = 1;
    } else if (is(a[0], l[0], "RENAME") || is(a[0], l[0], "MOVE") || is(a[0], l[0], "COPY")) {
        int ren = is(a[0], l[0], "RENAME"), mov = is(a[0], l[0], "MOVE");
        int32_t i = m_find(d, a[1], l[1]);
        char *v = dupmem(d->e[i].v, d->e[i].vl);
        size_t vl = d->e[i].vl;
        int64_t exp = d->e[i].exp;
        mdb *dd = ren ? d : m->db[atoi(a[mov ? 2 : 4])];
        if (ren || mov) m_del(d, i);
        const char *dk = mov ? a[1] : a[2];
        size_t dkl = mov ? l[1] : l[2];
        m_put(dd, dk, dkl, v, vl, exp);
        free(v);
        if (!ren) {
            o->rtype = 'I';
            o->rint = 1;
        }
    } else if (is(a[0], l[0], "SWAPDB")) {
        int x = atoi(a[1]), y = atoi(a[2]);
        mdb *t = m->db[x];
        m->db[x] = m->db[y];
        m->db[y] = t;
    } else if (is(a[0], l[0], "FLUSHDB")) {
        m_clear(d);
    } else {
        fprintf(stderr, "model: unknown command %.*s\n", (int)l[0], a[0]);
        abort();
    }
}

/* letters, 1..40 of them */
static size_t rand_val(rng *r, char *buf) {
    size_t n = 1 + below(r, 40);
    for (size_t i = 0; i < n; i++) buf[i] = (char)('a' + below(r, 26));
    buf[n] = 0;
    return n;
}

static int is_int(const char *v, size_t n) {
    if (n == 0 || n > 18) return 0;
    if (n > 1 && v[0] == '0') return 0;
    for (size_t i = 0; i < n; i++)
        if (v[i] < '0' || v[i] > '9') return 0;
    return 1;
}

#define PUSH(db, ...) do { const char *_a[] = {__VA_ARGS__}; size_t _l[MAXARG]; \
    int _n = (int)(sizeof(_a) / sizeof(_a[0])); \
    for (int _i = 0; _i < _n; _i++) _l[_i] = strlen(_a[_i]); \
    apply(m, op_push(v, (db), _n, _a, _l)); } while (0)

/* The preload: per big db `per_db` keys, db 3 a few hundred; one in five
 * with an exact expiry. Values have 10..60 letters. */
static void gen_preload(model *m, opvec *v, rng *r, int per_db) {
    for (int db = 0; db < NDB; db++) {
        int count = db < 3 ? per_db : 300;
        for (int i = 0; i < count; i++) {
            char k[48], val[80], ms[32];
            snprintf(k, sizeof(k), "p:%d:%d", db, i);
            size_t vl = 10 + below(r, 50);
            for (size_t j = 0; j < vl; j++) val[j] = (char)('a' + below(r, 26));
            val[vl] = 0;
            if (below(r, 5) == 0) {
                snprintf(ms, sizeof(ms), "%lld", (long long)(far_ms + below(r, 10000000)));
                PUSH(db, "SET", k, val, "PXAT", ms);
            } else {
                PUSH(db, "SET", k, val);
            }
        }
    }
}

/* A random key of db d (NULL if empty). */
static const ment *pick(const model *m, int d, rng *r) {
    const mdb *x = m->db[d];
    return x->n ? &x->e[below(r, (uint32_t)x->n)] : NULL;
}

/* The BGSAVE is sent after n/5 writes; shortly after, db 2 and the small
 * db 3 are swapped and the (now big) db 3 flushed: a table that the walk
 * is probably still reading is retired. Again at 3n/5. */
static size_t big_flush(size_t n) { return n / 5 + n / 100; }

/* n writes, each a real change (so each has one LSN). */
static void gen_writes(model *m, opvec *v, rng *r, size_t n) {
    for (size_t i = 0; i < n; i++) {
        char k1[64], k2[64], val[64], num[32], num2[32];
        if (i == big_flush(n) || i == n * 3 / 5) { PUSH(0, "SWAPDB", "2", "3"); continue; }
        if ((i == big_flush(n) + 1 || i == n * 3 / 5 + 1) && m->db[3]->n) { PUSH(3, "FLUSHDB"); continue; }
        int db = below(r, 100) < 10 ? 3 : (int)below(r, 3);
        uint32_t kind = below(r, 1000);
        const ment *e = pick(m, db, r);
        snprintf(k1, sizeof(k1), "n:%u", below(r, 30000));
        rand_val(r, val);
        if (kind < 3) { /* SWAPDB among the big ones */
            int a = (int)below(r, 3), b = (int)((unsigned)(a + 1 + below(r, 2)) % 3);
            snprintf(num, sizeof(num), "%d", a);
            snprintf(num2, sizeof(num2), "%d", b);
            PUSH(db, "SWAPDB", num, num2);
        } else if (kind < 5 && m->db[3]->n > 0 && m->db[3]->n < 5000) {
            PUSH(3, "FLUSHDB");
        } else if (kind < 200 || !e) {
            if (below(r, 4) == 0) {
                snprintf(num, sizeof(num), "%lld", (long long)(far_ms + below(r, 10000000)));
                PUSH(db, "SET", k1, val, "PXAT", num);
            } else if (below(r, 8) == 0) {
                PUSH(db, "SET", k1, val, "EX", "3000000");
            } else if (e && below(r, 2)) {
                PUSH(db, "SET", e->k, val); /* overwrite a live key */
            } else {
                PUSH(db, "SET", k1, val);
            }
        } else if (kind < 300) {
            PUSH(db, "DEL", e->k);
        } else if (kind < 380) {
            PUSH(db, "APPEND", below(r, 4) ? e->k : k1, val);
        } else if (kind < 440) {
            snprintf(num, sizeof(num), "%u", below(r, 50));
            PUSH(db, "SETRANGE", below(r, 4) ? e->k : k1, num, val);
        } else if (kind < 520) {
            snprintf(k2, sizeof(k2), "c:%u", below(r, 100));
            int32_t j = m_find(m->db[db], k2, strlen(k2));
            if (j >= 0 && !is_int(m->db[db]->e[j].v, m->db[db]->e[j].vl)) PUSH(db, "SET", k2, "7");
            else PUSH(db, "INCR", k2);
        } else if (kind < 580) {
            PUSH(db, "EXPIRE", e->k, "2000000");
        } else if (kind < 620) {
            snprintf(num, sizeof(num), "%lld", (long long)(far_ms + below(r, 10000000)));
            PUSH(db, "PEXPIREAT", e->k, num);
        } else if (kind < 680) {
            if (e->exp != EXP_NONE) PUSH(db, "PERSIST", e->k);
            else PUSH(db, "EXPIRE", e->k, "2500000");
        } else if (kind < 760) {
            const ment *d2 = below(r, 3) == 0 ? pick(m, db, r) : NULL;
            const char *dst = d2 && !(d2->kl == e->kl && !memcmp(d2->k, e->k, e->kl)) ? d2->k : k1;
            if (!strcmp(dst, e->k)) PUSH(db, "DEL", e->k); /* k1 happened to be it */
            else PUSH(db, "RENAME", e->k, dst);
        } else if (kind < 830) {
            int to = (int)((unsigned)(db + 1 + below(r, NDB - 1)) % NDB);
            snprintf(num, sizeof(num), "%d", to);
            if (m_find(m->db[to], e->k, e->kl) >= 0) PUSH(db, "SET", k1, val);
            else PUSH(db, "MOVE", e->k, num);
        } else if (kind < 900) {
            int to = (int)below(r, NDB);
            snprintf(num, sizeof(num), "%d", to);
            const char *dst = below(r, 2) ? k1 : e->k;
            if (to == db && !strcmp(dst, e->k)) dst = strcmp(e->k, "copy:a") ? "copy:a" : "copy:b";
            PUSH(db, "COPY", e->k, dst, "DB", num, "REPLACE");
        } else {
            char ks[4][64], vs[4][64];
            int np = 2 + (int)below(r, 3);
            for (int p = 0; p < 4; p++) {
                snprintf(ks[p], sizeof(ks[p]), "n:%u", below(r, 30000));
                rand_val(r, vs[p]);
            }
            if (np == 2) PUSH(db, "MSET", ks[0], vs[0], ks[1], vs[1]);
            else if (np == 3) PUSH(db, "MSET", ks[0], vs[0], ks[1], vs[1], ks[2], vs[2]);
            else PUSH(db, "MSET", ks[0], vs[0], ks[1], vs[1], ks[2], vs[2], ks[3], vs[3]);
        }
    }
}

/* Sends ops[from..to) pipelined, chunk at a time, checking every reply. */
typedef struct runner {
    redisContext *c;
    const op *ops;
    size_t from, to;
    int chunk;
    int cur_db;
    _Atomic size_t done;   /* ops acknowledged so far (absolute index) */
    atomic_int dead;       /* the connection failed */
    long bad;
    char why[600];
} runner;

static void run_ops(runner *r) {
    size_t i = r->from;
    char *is_sel = malloc((size_t)r->chunk * 2);
    while (i < r->to) {
        size_t end = i + (size_t)r->chunk < r->to ? i + (size_t)r->chunk : r->to;
        int k = 0;
        for (size_t j = i; j < end; j++) {
            const op *o = &r->ops[j];
            if (o->db != r->cur_db) {
                redisAppendCommand(r->c, "SELECT %d", (int)o->db);
                r->cur_db = o->db;
                is_sel[k++] = 1;
            }
            const char *a[MAXARG];
            size_t l[MAXARG];
            int n = op_args(o, a, l);
            redisAppendCommandArgv(r->c, n, a, l);
            is_sel[k++] = 0;
        }
        size_t j = i;
        for (int q = 0; q < k; q++) {
            redisReply *rep = NULL;
            if (redisGetReply(r->c, (void **)&rep) != REDIS_OK) rep = NULL;
            const op *o = is_sel[q] ? NULL : &r->ops[j++];
            int ok = rep && ((!o || o->rtype == 'S') ? rep->type == REDIS_REPLY_STATUS && !strcmp(rep->str, "OK")
                                                      : rep->type == REDIS_REPLY_INTEGER && rep->integer == o->rint);
            if (!ok) {
                if (!r->bad) {
                    const char *a[MAXARG];
                    size_t l[MAXARG];
                    int n = o ? op_args(o, a, l) : 0;
                    int w = snprintf(r->why, sizeof(r->why), "op %zu (db %d):", o ? j - 1 : j, o ? o->db : -1);
                    for (int x = 0; x < n && w > 0 && (size_t)w < sizeof(r->why) - 80; x++)
                        w += snprintf(r->why + w, sizeof(r->why) - (size_t)w, " %.*s", (int)(l[x] > 40 ? 40 : l[x]), a[x]);
                    snprintf(r->why + w, sizeof(r->why) - (size_t)w, " -> %s, expected %c %lld",
                             reply_str(rep), o ? o->rtype : 'S', o ? o->rint : 0);
                }
                r->bad++;
            }
            if (rep) freeReplyObject(rep);
            if (!rep) { atomic_store(&r->dead, 1); free(is_sel); return; }
        }
        atomic_store(&r->done, end);
        i = end;
    }
    free(is_sel);
}

static void *runner_main(void *arg) {
    run_ops(arg);
    return NULL;
}

/* Compare every db of the server with the model: DBSIZE, then SCAN every
 * key, its value (MGET) and its expiry (PEXPIRETIME: exact, or far ahead
 * for EXPIRE's). Returns the number of differences (first ones printed). */
static long verify(redisContext *c, model *m, const char *what) {
    static uint32_t gen;
    gen++;
    long bad = 0;
    int64_t now = wall_ms();
#define DIFF(...) do { if (bad < 12) { fprintf(stderr, "  %s: ", what); fprintf(stderr, __VA_ARGS__); \
    fputc('\n', stderr); } bad++; } while (0)
    for (int db = 0; db < 16; db++) {
        long long size = dbsize(c, db);
        long long want = db < NDB ? m->db[db]->n : 0;
        if (size != want) DIFF("db %d has %lld keys, expected %lld", db, size, want);
        if (db >= NDB || size == 0) continue;
        mdb *d = m->db[db];
        redisReply *r = cmd(c, "SELECT %d", db);
        if (r) freeReplyObject(r);
        char cursor[32] = "0";
        long matched = 0;
        do {
            r = cmd(c, "SCAN %s COUNT 1000", cursor);
            if (!r || r->type != REDIS_REPLY_ARRAY || r->elements != 2) {
                DIFF("SCAN failed: %s", reply_str(r));
                if (r) freeReplyObject(r);
                break;
            }
            snprintf(cursor, sizeof(cursor), "%s", r->element[0]->str);
            redisReply *keys = r->element[1];
            size_t nk = keys->elements;
            if (nk) {
                const char **a = malloc((nk + 1) * sizeof(char *));
                size_t *l = malloc((nk + 1) * sizeof(size_t));
                a[0] = "MGET";
                l[0] = 4;
                for (size_t i = 0; i < nk; i++) {
                    a[i + 1] = keys->element[i]->str;
                    l[i + 1] = keys->element[i]->len;
                }
                redisAppendCommandArgv(c, (int)nk + 1, a, l);
                for (size_t i = 0; i < nk; i++)
                    redisAppendCommand(c, "PEXPIRETIME %b", a[i + 1], l[i + 1]);
                redisReply *vals = NULL;
                if (redisGetReply(c, (void **)&vals) != REDIS_OK) vals = NULL;
                for (size_t i = 0; i < nk; i++) {
                    redisReply *t = NULL;
                    if (redisGetReply(c, (void **)&t) != REDIS_OK) t = NULL;
                    int32_t j = m_find(d, a[i + 1], l[i + 1]);
                    redisReply *val = vals && vals->type == REDIS_REPLY_ARRAY && vals->elements == nk
                                          ? vals->element[i] : NULL;
                    if (j < 0) {
                        DIFF("db %d: unexpected key '%.*s' = %s", db, (int)l[i + 1], a[i + 1], reply_str(val));
                    } else {
                        ment *e = &d->e[j];
                        if (e->seen != gen) { e->seen = gen; matched++; }
                        if (!val || val->type != REDIS_REPLY_STRING || val->len != e->vl ||
                            memcmp(val->str, e->v, e->vl))
                            DIFF("db %d: '%s' = %s, expected '%.*s'", db, e->k, reply_str(val),
                                 (int)(e->vl > 80 ? 80 : e->vl), e->v);
                        long long te = t && t->type == REDIS_REPLY_INTEGER ? t->integer : -3;
                        int ok = e->exp == EXP_NONE ? te == -1
                               : e->exp == EXP_REL ? te > now + 1000000000LL
                               : te == e->exp;
                        if (!ok) DIFF("db %d: '%s' PEXPIRETIME %lld, expected %lld", db, e->k, te, (long long)e->exp);
                    }
                    if (t) freeReplyObject(t);
                }
                if (vals) freeReplyObject(vals);
                free(a);
                free(l);
            }
            freeReplyObject(r);
        } while (strcmp(cursor, "0"));
        if (matched != want) {
            DIFF("db %d: SCAN returned %ld of the %lld expected keys", db, matched, want);
            int shown = 0;
            for (int32_t i = 0; i < d->n && shown < 5; i++)
                if (d->e[i].seen != gen) {
                    DIFF("db %d: missing '%s'", db, d->e[i].k);
                    shown++;
                }
        }
    }
    redisReply *r = cmd(c, "SELECT 0");
    if (r) freeReplyObject(r);
    if (bad) fprintf(stderr, "  %s: %ld difference(s)\n", what, bad);
#undef DIFF
    return bad;
}

/* ------------------------------------------------------------ exact */

static void t_exact(void) {
    int per_db = SB_ASAN ? 25000 : 66000;
    size_t nwrites = SB_ASAN ? 40000 : 120000;
    rng r = {seed};
    model m;
    model_init(&m);
    opvec ops = {0};
    opvec *v = &ops;
    gen_preload(&m, v, &r, per_db);
    size_t npre = ops.n;
    gen_writes(&m, v, &r, nwrites);
    printf("  %zu preload writes, %zu writes; keys at the end: %d %d %d %d\n", npre, nwrites,
           m.db[0]->n, m.db[1]->n, m.db[2]->n, m.db[3]->n);

    const char *dir = new_dir();
    sb_server *s = srv_start_in(dir, ARGS0);
    redisContext *c = srv_connect(s), *wc = srv_connect(s);
    runner pre = {.c = wc, .ops = ops.v, .from = 0, .to = npre, .chunk = 1000};
    run_ops(&pre);
    CHECK_MSG(pre.bad == 0, "preload: %ld bad replies, first: %s", pre.bad, pre.why);
    long long base = info_ll(c, "wal_lsn");
    CHECK_EQ_INT(base, (long long)npre);

    /* one writer; BGSAVE from another connection a fifth of the way in;
     * again (up to 5 times, while 2/5 of the writes are left) if the
     * poller never saw it running, or fewer than 500 writes were
     * acknowledged during it: on a loaded machine the poller or the writer
     * can be descheduled, or one fsync last, longer than the whole walk.
     * A checkpoint that never overlaps writes fails every attempt. */
    runner w = {.c = wc, .ops = ops.v, .from = npre, .to = ops.n, .chunk = 200, .cur_db = pre.cur_db};
    atomic_store(&w.done, npre);
    pthread_t th;
    pthread_create(&th, NULL, runner_main, &w);
    size_t at_send = npre + nwrites / 5;
    while (atomic_load(&w.done) < at_send && !atomic_load(&w.dead)) usleep(200);
    usleep(below(&r, 4000)); /* a few chunks later or not, by the seed */
    int seen_running = 0, attempts = 0;
    size_t at_done = 0;
    long long L = -1;
    double walk_s = 0;
    for (;;) {
        attempts++;
        at_send = atomic_load(&w.done);
        double t0 = clock_s();
        CHECK_STATUS(cmd(c, "BGSAVE"), "Background saving started");
        seen_running = 0;
        at_done = 0;
        for (;;) {
            long long ip = info_ll(c, "rdb_bgsave_in_progress");
            if (ip == 1) seen_running++;
            if (ip != 1) { at_done = atomic_load(&w.done); break; }
            if (clock_s() - t0 > 60) { CHECK_MSG(0, "BGSAVE did not end in 60 s"); break; }
            usleep(1000);
        }
        walk_s = clock_s() - t0;
        L = info_ll(c, "checkpoint_lsn"); /* (set as rdb_bgsave_in_progress drops to 0) */
        int overlapped = seen_running > 0 && (at_done > (size_t)L + 500 || at_done == ops.n);
        if (overlapped || attempts == 5 || atomic_load(&w.dead) ||
            ops.n - atomic_load(&w.done) < nwrites * 2 / 5)
            break;
        printf("  BGSAVE after write %zu: %.0f ms, rdb_bgsave_in_progress:1 seen %d times, "
               "%lld writes acknowledged after its LSN: again\n", at_send - npre, walk_s * 1000,
               seen_running, (long long)at_done - L);
    }
    pthread_join(th, NULL);
    CHECK_MSG(w.bad == 0, "writer: %ld unexpected replies, first: %s", w.bad, w.why);
    CHECK_EQ_INT(info_ll(c, "checkpoint_lsn"), L);
    long long last = info_ll(c, "wal_lsn");
    printf("  BGSAVE (attempt %d) sent after write %zu, checkpoint LSN %lld = write %lld, done by write %zu "
           "(%.0f ms, rdb_bgsave_in_progress:1 seen %d times); big flush at write %zu (%s)\n",
           attempts, at_send - npre, L, L - base, at_done - npre, walk_s * 1000, seen_running,
           big_flush(nwrites) + 2,
           npre + big_flush(nwrites) + 2 > (size_t)L && npre + big_flush(nwrites) + 2 < at_done
               ? "during the walk" : "not during the walk");
    CHECK_EQ_INT(last, (long long)ops.n); /* every write was one LSN */
    CHECK_MSG(seen_running > 0, "rdb_bgsave_in_progress:1 was never seen");
    CHECK_MSG(L >= (long long)at_send && L < (long long)ops.n,
              "checkpoint LSN %lld is not inside the writes [%zu, %zu)", L, at_send, ops.n);
    CHECK_MSG(at_done > (size_t)L + 500 || at_done == ops.n,
              "the walk overlapped only %lld writes", (long long)at_done - L);

    /* the live server is the final model (checks the model itself) */
    CHECK(verify(c, &m, "live server vs final model") == 0);

    /* the file, checked against the format */
    char ck[600];
    ckpt_path(ck, sizeof(ck), dir, (uint64_t)L);
    ck_scan cs;
    int prc = ck_parse(ck, &cs);
    CHECK_MSG(prc == 0, "%s: %s", ck, cs.err);
    CHECK_EQ_INT(cs.lsn, L);
    CHECK_EQ_INT(cs.databases, 16);

    /* checkpoint + WAL after a kill: the final state */
    redisFree(c);
    redisFree(wc);
    srv_kill(s);
    s = srv_start_in(dir, ARGS0);
    c = srv_connect(s);
    CHECK_EQ_INT(info_ll(c, "wal_lsn"), (long long)ops.n);
    CHECK(verify(c, &m, "checkpoint + WAL vs final model") == 0);
    redisFree(c);
    srv_kill(s);

    /* the model at L */
    model_free(&m);
    model_init(&m);
    for (size_t i = 0; i < (size_t)L; i++) apply(&m, &ops.v[i]);
    long long total = 0;
    for (int d = 0; d < NDB; d++) total += m.db[d]->n;
    CHECK_EQ_INT(cs.entries, total);
    for (int d = 0; d < NDB; d++)
        CHECK_MSG(cs.per_db[d] == (uint64_t)m.db[d]->n, "db %d: %llu entries in the file, %d at LSN %lld",
                  d, (unsigned long long)cs.per_db[d], m.db[d]->n, L);

    /* the checkpoint alone, in a fresh directory */
    const char *only = new_dir();
    char to[600];
    ckpt_path(to, sizeof(to), only, (uint64_t)L);
    size_t len;
    unsigned char *b = read_all(ck, &len);
    CHECK(b != NULL);
    if (b) write_file(to, b, len);
    free(b);
    s = srv_start_in(only, ARGS0);
    c = srv_connect(s);
    CHECK_EQ_INT(info_ll(c, "wal_lsn"), L);
    CHECK_EQ_INT(info_ll(c, "checkpoint_lsn"), L);
    CHECK(verify(c, &m, "checkpoint alone vs model at its LSN") == 0);
    redisFree(c);
    srv_kill(s);
    model_free(&m);
    opvec_free(&ops);
}

/* ------------------------------------------------------------ restart */

static void t_restart(void) {
    const char *dir = new_dir();
    sb_server *s = srv_start_in(dir, ARGS("--wal-segment-size", "65536"));
    redisContext *c = srv_connect(s);
    set_range(c, "a:", 0, 20000, 0, 7);
    uint64_t segs[256];
    int nseg = seg_firsts(dir, segs, 256);
    CHECK_MSG(nseg >= 10, "only %d segments", nseg);
    CHECK_STATUS(cmd(c, "SAVE"), "OK");
    long long L1 = info_ll(c, "checkpoint_lsn");
    CHECK_EQ_INT(L1, 20000);
    CHECK_EQ_INT(info_ll(c, "rdb_bgsave_in_progress"), 0);
    uint64_t cks[8];
    CHECK_EQ_INT(ckpt_lsns(dir, cks, 8), 1);
    CHECK_EQ_INT(cks[0], L1);
    /* segments wholly below L1 are gone: at most one starts at or below it */
    int n2 = seg_firsts(dir, segs, 256);
    int below_l = 0;
    for (int i = 0; i < n2; i++) below_l += segs[i] <= (uint64_t)L1;
    CHECK_MSG(below_l <= 1 && n2 <= 2, "after SAVE at %lld: %d segments, %d start at or below it",
              L1, n2, below_l);
    CHECK_MSG(n2 == 0 || segs[n2 - 1] <= (uint64_t)L1 + 1,
              "the segment holding LSN %lld was removed (first segment starts at %llu)", L1,
              (unsigned long long)(n2 ? segs[0] : 0));

    /* changes after it, a second checkpoint, more changes, a kill */
    set_range(c, "b:", 0, 5000, 0, 0);
    each_key(c, "DEL %s", "a:", 0, 1000, 1);
    set_range(c, "a:", 1000, 2000, 1, 3);
    CHECK_STATUS(cmd(c, "BGSAVE"), "Background saving started");
    CHECK(srv_wait_bgsave(c));
    long long L2 = info_ll(c, "checkpoint_lsn");
    CHECK_EQ_INT(L2, 20000 + 5000 + 1000 + 1000);
    CHECK_EQ_INT(ckpt_lsns(dir, cks, 8), 1);
    CHECK_EQ_INT(cks[0], L2);
    set_range(c, "c:", 0, 3000, 0, 5);
    each_key(c, "DEL %s", "b:", 0, 100, 1);
    long long last = info_ll(c, "wal_lsn");
    CHECK_EQ_INT(last, L2 + 3100);
    redisFree(c);
    srv_kill(s);

    s = srv_start_in(dir, ARGS("--wal-segment-size", "65536"));
    c = srv_connect(s);
    CHECK_EQ_INT(info_ll(c, "checkpoint_lsn"), L2);
    CHECK_EQ_INT(info_ll(c, "wal_lsn"), last);
    char want[64];
    snprintf(want, sizeof(want), "at LSN %lld", L2);
    CHECK_MSG(log_has(dir, "Loaded checkpoint", want, NULL), "no 'Loaded checkpoint ... %s' in the log", want);
    snprintf(want, sizeof(want), "checkpoint LSN %lld + %lld WAL records", L2, last - L2);
    CHECK_MSG(log_has(dir, "DB loaded", want, NULL), "no '%s' in the log", want);
    CHECK_EQ_INT(check_range(c, "a:", 0, 1000, -1, 0), 0);
    CHECK_EQ_INT(check_range(c, "a:", 1000, 2000, 1, 3), 0);
    CHECK_EQ_INT(check_range(c, "a:", 2000, 20000, 0, 7), 0);
    CHECK_EQ_INT(check_range(c, "b:", 0, 100, -1, 0), 0);
    CHECK_EQ_INT(check_range(c, "b:", 100, 5000, 0, 0), 0);
    CHECK_EQ_INT(check_range(c, "c:", 0, 3000, 0, 5), 0);
    CHECK_EQ_INT(dbsize(c, 0), 19000 + 4900 + 3000);

    /* keep-wal yes: nothing is removed any more */
    CHECK_STATUS(cmd(c, "CONFIG SET keep-wal yes"), "OK");
    int nseg_before = seg_firsts(dir, segs, 256);
    CHECK_STATUS(cmd(c, "SAVE"), "OK");
    CHECK_EQ_INT(ckpt_lsns(dir, cks, 8), 2);
    CHECK_EQ_INT(seg_firsts(dir, segs, 256), nseg_before);
    redisFree(c);
    srv_kill(s);
}

/* ------------------------------------------------------------ corrupt */

/* Make dir hold: a:0..na (SAVE), b:0..nb (SAVE if two), c:0..2000 after
 * the last checkpoint; killed. Returns the LSN of the last checkpoint. */
static long long make_data(const char *dir, const char **args, int na, int nb, int two) {
    sb_server *s = srv_start_in(dir, args);
    redisContext *c = srv_connect(s);
    set_range(c, "a:", 0, na, 0, 5);
    if (two) CHECK_STATUS(cmd(c, "SAVE"), "OK");
    set_range(c, "b:", 0, nb, 0, 0);
    CHECK_STATUS(cmd(c, "SAVE"), "OK");
    long long L = info_ll(c, "checkpoint_lsn");
    set_range(c, "c:", 0, 2000, 0, 3);
    redisFree(c);
    srv_kill(s);
    return L;
}

static void check_all(sb_server *s, int na, int nb) {
    redisContext *c = srv_connect(s);
    CHECK_EQ_INT(check_range(c, "a:", 0, na, 0, 5), 0);
    CHECK_EQ_INT(check_range(c, "b:", 0, nb, 0, 0), 0);
    CHECK_EQ_INT(check_range(c, "c:", 0, 2000, 0, 3), 0);
    CHECK_EQ_INT(dbsize(c, 0), na + nb + 2000);
    redisFree(c);
}

static void flip(const char *path, size_t off) { flip_byte(path, off, 0x20); }

/* The server refuses dir: exit status non-zero, the log names the file and
 * says why (each of needles on the line naming the file). */
static void expect_refusal(const char *dir, const char **args, const char *file, const char *why) {
    size_t n0;
    unsigned char *before = read_all(file, &n0);
    int st = 0;
    sb_server *s = srv_try_start_in(dir, args, &st);
    CHECK_MSG(s == NULL, "the server started on %s (%s)", dir, why);
    if (s) { srv_kill(s); free(before); return; }
    CHECK_MSG(st != 0 && st < 128, "exit status %d (a crash?)", st);
    CHECK_MSG(log_has(dir, file, why, NULL), "the log has no line naming %s with '%s'", file, why);
    CHECK_MSG(log_has(dir, "Refusing to start", NULL), "no 'Refusing to start' in the log");
    CHECK_MSG(before && same_file(file, before, n0), "%s was changed by the failed start", file);
    if (tu_failures) dump_log(dir);
    free(before);
}

static void t_corrupt(void) {
    const char **kw = ARGS("--keep-wal", "yes", "--wal-segment-size", "65536");
    const char **nw = ARGS("--wal-segment-size", "65536");
    char ck[600], old[600];

    /* A: keep-wal, an older checkpoint: falls back to it + the WAL */
    {
        const char *dir = new_dir();
        long long L2 = make_data(dir, kw, 8000, 8000, 1);
        uint64_t cks[8];
        CHECK_EQ_INT(ckpt_lsns(dir, cks, 8), 2);
        CHECK_EQ_INT(cks[0], 8000);
        CHECK_EQ_INT(cks[1], L2);
        ckpt_path(ck, sizeof(ck), dir, (uint64_t)L2);
        ckpt_path(old, sizeof(old), dir, 8000);
        ck_scan cs;
        CHECK(ck_parse(ck, &cs) == 0 && cs.nblock_offs >= 3);
        flip(ck, cs.block_off[1] + 8 + 1000); /* inside the second block */
        sb_server *s = srv_start_in(dir, kw);
        check_all(s, 8000, 8000);
        redisContext *c = srv_connect(s);
        CHECK_EQ_INT(info_ll(c, "checkpoint_lsn"), 8000);
        redisFree(c);
        CHECK_MSG(log_has(dir, "Checkpoint", ck, "unreadable", "damaged block", NULL),
                  "the log does not say %s is unreadable", ck);
        CHECK_MSG(log_has(dir, "Fell back", old, NULL), "the log does not say it fell back to %s", old);
        srv_kill(s);
    }
    /* B: keep-wal, the only checkpoint damaged: the whole WAL */
    {
        const char *dir = new_dir();
        long long L = make_data(dir, kw, 8000, 8000, 0);
        ckpt_path(ck, sizeof(ck), dir, (uint64_t)L);
        flip(ck, 64 + 8 + 5);
        sb_server *s = srv_start_in(dir, kw);
        check_all(s, 8000, 8000);
        redisContext *c = srv_connect(s);
        CHECK_EQ_INT(info_ll(c, "checkpoint_lsn"), 0);
        CHECK_EQ_INT(info_ll(c, "wal_lsn"), 18000);
        redisFree(c);
        CHECK_MSG(log_has(dir, ck, "unreadable", NULL), "the log does not say %s is unreadable", ck);
        CHECK_MSG(log_has(dir, "Fell back to the whole WAL", NULL), "the log does not say it fell back");
        srv_kill(s);
    }
    /* C: keep-wal no: the WAL below the checkpoint is gone: refuse */
    {
        const char *dir = new_dir();
        long long L = make_data(dir, nw, 12000, 8000, 1);
        uint64_t segs[256] = {0}, cks[8];
        CHECK_EQ_INT(ckpt_lsns(dir, cks, 8), 1);
        int nsegs = seg_firsts(dir, segs, 256);
        CHECK_MSG(nsegs > 0 && segs[0] > 1, "%d segments, the first starts at %llu", nsegs,
                  (unsigned long long)segs[0]);
        ckpt_path(ck, sizeof(ck), dir, (uint64_t)L);
        const char *d2 = copy_dir(dir), *d3 = copy_dir(dir);
        flip(ck, 64 + 8 + 300);
        expect_refusal(dir, nw, ck, "damaged block at offset 64");
        /* a damaged header */
        ckpt_path(ck, sizeof(ck), d2, (uint64_t)L);
        flip(ck, 20);
        expect_refusal(d2, nw, ck, "bad checkpoint header");
        /* still refused with keep-wal yes: it can't bring segments back */
        ckpt_path(ck, sizeof(ck), d3, (uint64_t)L);
        flip(ck, 64 + 8 + 300);
        expect_refusal(d3, kw, ck, "damaged block");
    }
    /* D: keep-wal, the WAL complete from LSN 1 but ending before the
     * damaged checkpoint's LSN (its last records lost): falling back would
     * lose what only the checkpoint has: refuse */
    {
        const char *dir = new_dir();
        sb_server *s = srv_start_in(dir, kw);
        redisContext *c = srv_connect(s);
        set_range(c, "a:", 0, 3000, 0, 5);
        CHECK_STATUS(cmd(c, "SAVE"), "OK");
        redisFree(c);
        srv_kill(s);
        uint64_t segs[256];
        int n = seg_firsts(dir, segs, 256);
        char seg[600];
        /* the segment of LSN 2990 becomes the last (one made after it, when
         * it was full, has no records yet: a crash could come before it) */
        while (n > 1 && segs[n - 1] > 2990) {
            snprintf(seg, sizeof(seg), "%s/wal-%020" PRIu64 ".log", dir, segs[--n]);
            unlink(seg);
        }
        snprintf(seg, sizeof(seg), "%s/wal-%020" PRIu64 ".log", dir, segs[n - 1]);
        size_t len;
        unsigned char *b = read_all(seg, &len);
        size_t off = 32, cut = 0;
        while (b && off + 8 <= len) { /* cut after the record of LSN 2990 */
            uint32_t bl = get32(b + off);
            if (get64(b + off + 8) == 2990) { cut = off + 8 + bl; break; }
            off += 8 + bl;
        }
        CHECK_MSG(cut > 0, "record 2990 not found in %s", seg);
        if (b && cut) write_file(seg, b, cut);
        free(b);
        ckpt_path(ck, sizeof(ck), dir, 3000);
        const char *d2 = copy_dir(dir);
        /* the checkpoint intact: it has everything, the WAL goes on after it */
        s = srv_start_in(d2, kw);
        c = srv_connect(s);
        CHECK_EQ_INT(check_range(c, "a:", 0, 3000, 0, 5), 0);
        CHECK_EQ_INT(info_ll(c, "wal_lsn"), 3000);
        CHECK_STATUS(cmd(c, "SET after x"), "OK");
        redisFree(c);
        srv_kill(s);
        s = srv_start_in(d2, kw);
        c = srv_connect(s);
        CHECK_EQ_INT(check_range(c, "a:", 0, 3000, 0, 5), 0);
        CHECK_BULK(cmd(c, "GET after"), "x");
        redisFree(c);
        srv_kill(s);
        /* damaged */
        flip(ck, 64 + 8 + 300);
        expect_refusal(dir, kw, ck, "damaged block");
        CHECK_MSG(log_has(dir, "Refusing", NULL) && log_has(dir, ck, "the WAL ends at LSN 2990", "LSN 3000", NULL),
                  "the log does not say the WAL ends at 2990, before the checkpoint's 3000");
    }
}

/* ---------------------------------------------------------- truncated */

static void t_truncated(void) {
    const char **nw = ARGS("--wal-segment-size", "65536");
    const char **kw = ARGS("--keep-wal", "yes", "--wal-segment-size", "65536");
    const char *dir = new_dir();
    long long L = make_data(dir, nw, 12000, 8000, 1);
    const char *full = new_dir();
    long long Lk = make_data(full, kw, 12000, 8000, 1);
    char ck[600];
    ckpt_path(ck, sizeof(ck), dir, (uint64_t)L);
    ck_scan cs;
    CHECK(ck_parse(ck, &cs) == 0);
    CHECK_MSG(cs.blocks >= 3, "only %llu blocks", (unsigned long long)cs.blocks);
    CHECK_EQ_INT(cs.entries, 20000);
    size_t n;
    unsigned char *b = read_all(ck, &n);
    if (!b || cs.blocks < 3) { free(b); return; }

    struct { const char *name; size_t keep; size_t drop_from, drop_to; const char *why; } cases[] = {
        {"no trailer", n - 32, 0, 0, "no trailer"},
        {"half a trailer", n - 10, 0, 0, "bad trailer"},
        {"cut in a block", cs.block_off[1] + 5000, 0, 0, "damaged block"},
        {"cut in a block header", cs.block_off[2] + 4, 0, 0, "no trailer"},
        {"a block dropped", n, cs.block_off[1], cs.block_off[2], "bad trailer"},
        {"only the header", 64, 0, 0, "no trailer"},
        {"empty", 0, 0, 0, "bad checkpoint header"},
        {"a block length damaged", n, 0, 0, "damaged block"}, /* patched below */
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        const char *d = copy_dir(dir);
        char p[600];
        ckpt_path(p, sizeof(p), d, (uint64_t)L);
        unsigned char *m = malloc(n);
        size_t ml = 0;
        for (size_t j = 0; j < cases[i].keep; j++)
            if (j < cases[i].drop_from || j >= cases[i].drop_to) m[ml++] = b[j];
        if (!strcmp(cases[i].name, "a block length damaged")) m[cs.block_off[1] + 3] ^= 0x10;
        write_file(p, m, ml);
        free(m);
        int f0 = tu_failures;
        expect_refusal(d, nw, p, cases[i].why);
        if (tu_failures != f0) fprintf(stderr, "  (case: %s)\n", cases[i].name);
    }
    free(b);

    /* a checkpoint under another LSN's name */
    {
        const char *d = copy_dir(dir);
        char p[600], q[600];
        ckpt_path(p, sizeof(p), d, (uint64_t)L);
        ckpt_path(q, sizeof(q), d, (uint64_t)L + 1000);
        CHECK(rename(p, q) == 0);
        expect_refusal(d, nw, q, "the file name says");
    }

    /* with the whole WAL: a cut trailer falls back to it */
    {
        const char *d = copy_dir(full);
        char p[600];
        ckpt_path(p, sizeof(p), d, (uint64_t)Lk);
        size_t m;
        unsigned char *kb = read_all(p, &m);
        if (kb) write_file(p, kb, m - 32);
        free(kb);
        sb_server *s = srv_start_in(d, kw);
        check_all(s, 12000, 8000);
        CHECK_MSG(log_has(d, p, "unreadable", "no trailer", NULL), "the log does not say %s is incomplete", p);
        srv_kill(s);
    }

    /* leftovers of interrupted checkpoints: ignored and removed */
    {
        char t1[600], t2[600], t3[600];
        snprintf(t1, sizeof(t1), "%s/ckpt-%020lld.sbc.tmp", dir, L + 500);
        snprintf(t2, sizeof(t2), "%s/ckpt-%020lld.sbc.tmp", dir, L + 900);
        snprintf(t3, sizeof(t3), "%s/ckpt-%020lld.sbc.tmp", dir, L);
        write_file(t1, "garbage", 7);
        size_t m;
        unsigned char *kb = read_all(ck, &m);
        if (kb) {
            write_file(t2, kb, m);       /* a complete-looking one */
            write_file(t3, kb, m / 2);   /* the same LSN, half written */
        }
        free(kb);
        sb_server *s = srv_start_in(dir, nw);
        check_all(s, 12000, 8000);
        redisContext *c = srv_connect(s);
        CHECK_EQ_INT(info_ll(c, "checkpoint_lsn"), L);
        redisFree(c);
        struct stat st;
        CHECK_MSG(stat(t1, &st) != 0 && stat(t2, &st) != 0 && stat(t3, &st) != 0,
                  "a ckpt-*.sbc.tmp is still there after the start");
        /* and the next checkpoint is fine */
        c = srv_connect(s);
        CHECK_STATUS(cmd(c, "SET z 1"), "OK");
        CHECK_STATUS(cmd(c, "SAVE"), "OK");
        CHECK_INT(cmd(c, "DEL z"), 1);
        redisFree(c);
        srv_kill(s);
        s = srv_start_in(dir, nw);
        check_all(s, 12000, 8000);
        srv_kill(s);
    }
}

/* ---------------------------------------------------------- lifecycle */

static int cmp_str(const void *a, const void *b) {
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Every key of db 0 and 5 with value and PEXPIRETIME, as one string. */
static char *snapshot(redisContext *c) {
    size_t cap = 1 << 20, len = 0;
    char *out = malloc(cap);
    for (int db = 0; db <= 5; db += 5) {
        redisReply *r = cmd(c, "SELECT %d", db);
        if (r) freeReplyObject(r);
        /* KEYS: sorted here for a stable comparison */
        r = cmd(c, "KEYS *");
        if (!r || r->type != REDIS_REPLY_ARRAY) { if (r) freeReplyObject(r); continue; }
        size_t nk = r->elements;
        char **ks = malloc((nk + 1) * sizeof(char *));
        for (size_t i = 0; i < nk; i++) ks[i] = r->element[i]->str;
        qsort(ks, nk, sizeof(char *), cmp_str);
        for (size_t i = 0; i < nk; i++) {
            redisAppendCommand(c, "GET %s", ks[i]);
            redisAppendCommand(c, "PEXPIRETIME %s", ks[i]);
        }
        for (size_t i = 0; i < nk; i++) {
            redisReply *g = NULL, *t = NULL;
            if (redisGetReply(c, (void **)&g) != REDIS_OK) g = NULL;
            if (redisGetReply(c, (void **)&t) != REDIS_OK) t = NULL;
            char line[512];
            int ln = snprintf(line, sizeof(line), "%d %s=%s", db, ks[i], reply_str(g));
            ln += snprintf(line + ln, sizeof(line) - (size_t)ln, " %s\n", reply_str(t));
            while (len + (size_t)ln + 1 > cap) { cap *= 2; out = realloc(out, cap); }
            memcpy(out + len, line, (size_t)ln);
            len += (size_t)ln;
            if (g) freeReplyObject(g);
            if (t) freeReplyObject(t);
        }
        free(ks);
        freeReplyObject(r);
    }
    out[len] = 0;
    redisReply *r = cmd(c, "SELECT 0");
    if (r) freeReplyObject(r);
    return out;
}

static void t_lifecycle(void) {
    const char *dir = new_dir();
    uint64_t cks[8];
    sb_server *s = srv_start_in(dir, ARGS0);
    redisContext *c = srv_connect(s);
    set_range(c, "k:", 0, 20000, 0, 4);
    CHECK_STATUS(cmd(c, "SELECT 5"), "OK");
    set_range(c, "f:", 0, 1000, 0, 2);
    CHECK_STATUS(cmd(c, "SET %s %b", "bin\r\n", "a\0b", (size_t)3), "OK");
    CHECK_STATUS(cmd(c, "SELECT 0"), "OK");
    long long last = info_ll(c, "wal_lsn");

    /* SHUTDOWN NOSAVE: no checkpoint */
    redisReply *r = cmd(c, "SHUTDOWN NOSAVE");
    CHECK_MSG(r == NULL, "SHUTDOWN NOSAVE replied %s", reply_str(r));
    if (r) freeReplyObject(r);
    redisFree(c);
    CHECK_EQ_INT(wait_exit(s), 0);
    CHECK_EQ_INT(ckpt_lsns(dir, cks, 8), 0);
    CHECK(count_files(dir, "wal-") > 0);
    s = srv_start_in(dir, ARGS0);
    c = srv_connect(s);
    CHECK_EQ_INT(info_ll(c, "wal_lsn"), last);
    CHECK_EQ_INT(check_range(c, "k:", 0, 20000, 0, 4), 0);

    /* SHUTDOWN: a checkpoint at the last LSN */
    r = cmd(c, "SHUTDOWN");
    if (r) freeReplyObject(r);
    redisFree(c);
    CHECK_EQ_INT(wait_exit(s), 0);
    CHECK_EQ_INT(ckpt_lsns(dir, cks, 8), 1);
    CHECK_EQ_INT(cks[0], last);
    CHECK_EQ_INT(count_files(dir, "wal-"), 0); /* the checkpoint holds it all */
    s = srv_start_in(dir, ARGS0);
    c = srv_connect(s);
    CHECK_EQ_INT(info_ll(c, "checkpoint_lsn"), last);
    CHECK_EQ_INT(info_ll(c, "wal_lsn"), last);
    CHECK_EQ_INT(check_range(c, "k:", 0, 20000, 0, 4), 0);

    /* SIGTERM: a checkpoint at the new last LSN, the old one removed */
    set_range(c, "k:", 0, 500, 1, 4);
    last = info_ll(c, "wal_lsn");
    redisFree(c);
    CHECK_EQ_INT(term_status(s), 0);
    CHECK_EQ_INT(ckpt_lsns(dir, cks, 8), 1);
    CHECK_EQ_INT(cks[0], last);
    /* SIGTERM with nothing new: the same checkpoint */
    s = srv_start_in(dir, ARGS0);
    CHECK_EQ_INT(term_status(s), 0);
    CHECK_EQ_INT(ckpt_lsns(dir, cks, 8), 1);
    CHECK_EQ_INT(cks[0], last);

    /* DEBUG RELOAD keeps every key, value and expiry */
    s = srv_start_in(dir, ARGS0);
    c = srv_connect(s);
    char v7[128];
    CHECK_INT(cmd(c, "APPEND k:7 tail"), (long long)val_of(v7, sizeof(v7), "k:", 7, 1) + 4); /* grown in place */
    CHECK_INT(cmd(c, "SETRANGE k:8 100 x"), 101);     /* zero-filled */
    CHECK_STATUS(cmd(c, "SET e:1 v PX 5000000"), "OK");
    char *before = snapshot(c);
    long long n0 = dbsize(c, 0), n5 = dbsize(c, 5);
    CHECK_STATUS(cmd(c, "DEBUG RELOAD"), "OK");
    char *after = snapshot(c);
    CHECK_EQ_INT(dbsize(c, 0), n0);
    CHECK_EQ_INT(dbsize(c, 5), n5);
    CHECK_MSG(!strcmp(before, after), "DEBUG RELOAD changed the data (%zu vs %zu bytes of snapshot)",
              strlen(before), strlen(after));
    CHECK_EQ_INT(check_range(c, "k:", 500, 20000, 0, 4), 0);
    CHECK_EQ_INT(info_ll(c, "checkpoint_lsn"), info_ll(c, "wal_lsn"));
    free(before);
    free(after);

    /* LASTSAVE moves with a BGSAVE */
    r = cmd(c, "LASTSAVE");
    long long ls0 = r && r->type == REDIS_REPLY_INTEGER ? r->integer : -1;
    if (r) freeReplyObject(r);
    CHECK_MSG(ls0 > 0 && ls0 <= wall_ms() / 1000, "LASTSAVE %lld", ls0);
    while (wall_ms() / 1000 <= ls0) usleep(20000);
    CHECK_STATUS(cmd(c, "SET moved 1"), "OK");
    CHECK_STATUS(cmd(c, "BGSAVE"), "Background saving started");
    CHECK(srv_wait_bgsave(c));
    r = cmd(c, "LASTSAVE");
    long long ls1 = r && r->type == REDIS_REPLY_INTEGER ? r->integer : -1;
    if (r) freeReplyObject(r);
    CHECK_MSG(ls1 > ls0, "LASTSAVE %lld after a BGSAVE, %lld before", ls1, ls0);
    CHECK_EQ_INT(info_ll(c, "rdb_last_save_time"), ls1);

    /* BGSAVE while one runs; BGSAVE SCHEDULE; SAVE during a BGSAVE */
    long long saves0 = info_ll(c, "rdb_saves");
    int fd = raw_connect(s);
    const char *two = "*1\r\n$6\r\nBGSAVE\r\n*1\r\n$6\r\nBGSAVE\r\n*3\r\n$3\r\nSET\r\n$5\r\nsched\r\n$1\r\n1\r\n"
                      "*2\r\n$6\r\nBGSAVE\r\n$8\r\nSCHEDULE\r\n";
    raw_send(fd, two, strlen(two));
    const char *want = "+Background saving started\r\n-ERR Background save already in progress\r\n"
                       "+OK\r\n+Background saving scheduled\r\n";
    char buf[512];
    int closed;
    raw_read(fd, buf, sizeof(buf), strlen(want), 3000, &closed);
    CHECK_MSG(!strcmp(buf, want), "BGSAVE twice + SCHEDULE got:\n%s", buf);
    close(fd);
    long long lsn_sched = info_ll(c, "wal_lsn");
    double t0 = clock_s();
    while (clock_s() - t0 < 20 && (info_ll(c, "rdb_bgsave_in_progress") || info_ll(c, "rdb_saves") < saves0 + 2))
        usleep(2000);
    CHECK_MSG(info_ll(c, "rdb_saves") >= saves0 + 2, "the scheduled BGSAVE did not run (%lld saves, was %lld)",
              info_ll(c, "rdb_saves"), saves0);
    CHECK_EQ_INT(info_ll(c, "checkpoint_lsn"), lsn_sched);
    /* SAVE while a BGSAVE runs: done, at the last LSN */
    CHECK_STATUS(cmd(c, "SET during 1"), "OK");
    redisAppendCommand(c, "BGSAVE");
    redisAppendCommand(c, "SET during 2");
    redisAppendCommand(c, "SAVE");
    for (int i = 0; i < 3; i++) {
        redisReply *x = NULL;
        if (redisGetReply(c, (void **)&x) != REDIS_OK) x = NULL;
        CHECK_MSG(x && x->type == REDIS_REPLY_STATUS, "reply %d: %s", i, reply_str(x));
        if (x) freeReplyObject(x);
    }
    CHECK_EQ_INT(info_ll(c, "checkpoint_lsn"), info_ll(c, "wal_lsn"));
    CHECK_EQ_INT(info_ll(c, "rdb_bgsave_in_progress"), 0);
    CHECK_EQ_INT(ckpt_lsns(dir, cks, 8), 1);
    last = info_ll(c, "wal_lsn");
    redisFree(c);
    srv_kill(s);
    s = srv_start_in(dir, ARGS0);
    c = srv_connect(s);
    CHECK_EQ_INT(info_ll(c, "wal_lsn"), last);
    CHECK_BULK(cmd(c, "GET during"), "2");
    CHECK_EQ_INT(check_range(c, "k:", 500, 20000, 0, 4), 0);

    /* automatic checkpoints on WAL growth */
    long long saves = info_ll(c, "rdb_saves");
    CHECK_STATUS(cmd(c, "CONFIG SET auto-checkpoint-min-size 1mb"), "OK");
    CHECK_STATUS(cmd(c, "CONFIG SET auto-checkpoint-percentage 50"), "OK");
    set_range(c, "auto:", 0, 15000, 0, 0); /* > 1 MB of WAL */
    t0 = clock_s();
    while (clock_s() - t0 < 5 && (info_ll(c, "rdb_saves") == saves || info_ll(c, "rdb_bgsave_in_progress")))
        usleep(5000);
    CHECK_MSG(info_ll(c, "rdb_saves") > saves, "no automatic checkpoint after 1 MB of WAL");
    CHECK_MSG(log_has(dir, "Starting a checkpoint: the WAL grew", NULL), "no 'Starting a checkpoint' in the log");
    CHECK_STATUS(cmd(c, "CONFIG SET auto-checkpoint-percentage 0"), "OK");
    redisFree(c);
    srv_kill(s);

    /* appendonly no: no checkpoints */
    s = srv_startv(ARGS("--appendonly", "no"));
    c = srv_connect(s);
    CHECK_STATUS(cmd(c, "SET a 1"), "OK");
    CHECK_ERROR(cmd(c, "BGSAVE"), "ERR checkpoints need appendonly yes");
    CHECK_ERROR(cmd(c, "SAVE"), "ERR checkpoints need appendonly yes");
    CHECK_ERROR(cmd(c, "DEBUG RELOAD"), "ERR DEBUG RELOAD needs appendonly yes");
    r = cmd(c, "SHUTDOWN");
    if (r) freeReplyObject(r);
    redisFree(c);
    char sdir[256];
    snprintf(sdir, sizeof(sdir), "%s", s->dir);
    CHECK_EQ_INT(wait_exit(s), 0);
    CHECK_EQ_INT(ckpt_lsns(sdir, cks, 8), 0);
}

/* -------------------------------------------------------------- flush */

/* FLUSHALL, SWAPDB and FLUSHDB right after a BGSAVE (same batch, so before
 * the walk has read anything): every table goes to the job whole. */
static void t_flush(void) {
    const char *dir = new_dir();
    sb_server *s = srv_start_in(dir, ARGS0);
    redisContext *c = srv_connect(s);
    set_range(c, "a:", 0, 60000, 0, 5);
    CHECK_STATUS(cmd(c, "SELECT 1"), "OK");
    set_range(c, "b:", 0, 40000, 0, 0);
    CHECK_STATUS(cmd(c, "SELECT 0"), "OK");
    long long L = info_ll(c, "wal_lsn");
    const char *cmds[] = {"BGSAVE", "FLUSHALL", "SET x 1", "SELECT 1", "SET y 2", "SWAPDB 0 1",
                          "FLUSHDB", "SELECT 0", "SET z 3"};
    const char *want[] = {"Background saving started", "OK", "OK", "OK", "OK", "OK", "OK", "OK", "OK"};
    for (size_t i = 0; i < 9; i++) redisAppendCommand(c, cmds[i]);
    for (size_t i = 0; i < 9; i++) {
        redisReply *r = NULL;
        if (redisGetReply(c, (void **)&r) != REDIS_OK) r = NULL;
        CHECK_STATUS(r, want[i]);
    }
    CHECK(srv_wait_bgsave(c));
    CHECK_EQ_INT(info_ll(c, "checkpoint_lsn"), L);
    /* db 0: the table that had y, plus z; db 1: flushed (it had x) */
    CHECK_EQ_INT(dbsize(c, 0), 2);
    CHECK_EQ_INT(dbsize(c, 1), 0);
    long long last = info_ll(c, "wal_lsn");
    CHECK_EQ_INT(last, L + 6); /* FLUSHALL, SET, SET, SWAPDB, FLUSHDB, SET */
    redisFree(c);
    srv_kill(s);

    /* the checkpoint alone: everything before the flush */
    const char *only = new_dir();
    char ck[600], to[600];
    ckpt_path(ck, sizeof(ck), dir, (uint64_t)L);
    ckpt_path(to, sizeof(to), only, (uint64_t)L);
    size_t len;
    unsigned char *b = read_all(ck, &len);
    CHECK(b != NULL);
    if (b) write_file(to, b, len);
    free(b);
    s = srv_start_in(only, ARGS0);
    c = srv_connect(s);
    CHECK_EQ_INT(dbsize(c, 0), 60000);
    CHECK_EQ_INT(dbsize(c, 1), 40000);
    CHECK_EQ_INT(check_range(c, "a:", 0, 60000, 0, 5), 0);
    CHECK_STATUS(cmd(c, "SELECT 1"), "OK");
    CHECK_EQ_INT(check_range(c, "b:", 0, 40000, 0, 0), 0);
    redisFree(c);
    srv_kill(s);

    /* checkpoint + WAL: the state after */
    s = srv_start_in(dir, ARGS0);
    c = srv_connect(s);
    CHECK_EQ_INT(info_ll(c, "wal_lsn"), last);
    CHECK_EQ_INT(dbsize(c, 0), 2);
    CHECK_EQ_INT(dbsize(c, 1), 0);
    CHECK_BULK(cmd(c, "GET y"), "2");
    CHECK_BULK(cmd(c, "GET z"), "3");
    redisFree(c);
    srv_kill(s);
}

/* ---------------------------------------------------------- databases */

static void t_databases(void) {
    /* a checkpoint with data in db 10, the server restarted with 4 dbs */
    {
        const char *dir = new_dir();
        sb_server *s = srv_start_in(dir, ARGS0);
        redisContext *c = srv_connect(s);
        CHECK_STATUS(cmd(c, "SET a 1"), "OK");
        CHECK_STATUS(cmd(c, "SELECT 10"), "OK");
        CHECK_STATUS(cmd(c, "SET b 2"), "OK");
        CHECK_STATUS(cmd(c, "SAVE"), "OK");
        redisFree(c);
        srv_kill(s);
        char ck[600];
        ckpt_path(ck, sizeof(ck), dir, 2);
        expect_refusal(dir, ARGS("--databases", "4"), ck, "db 10");
        /* with 16 again it is all there */
        s = srv_start_in(dir, ARGS0);
        c = srv_connect(s);
        CHECK_STATUS(cmd(c, "SELECT 10"), "OK");
        CHECK_BULK(cmd(c, "GET b"), "2");
        redisFree(c);
        srv_kill(s);
    }
    /* more than 4096 dbs: every one is in the checkpoint */
    {
        const char *dir = new_dir();
        const char **a = ARGS("--databases", "5000");
        sb_server *s = srv_start_in(dir, a);
        redisContext *c = srv_connect(s);
        CHECK_STATUS(cmd(c, "SET a 1"), "OK");
        CHECK_STATUS(cmd(c, "SELECT 4999"), "OK");
        CHECK_STATUS(cmd(c, "SET b 2"), "OK");
        CHECK_STATUS(cmd(c, "SELECT 4096"), "OK");
        CHECK_STATUS(cmd(c, "SET c 3"), "OK");
        CHECK_STATUS(cmd(c, "SAVE"), "OK");
        CHECK_STATUS(cmd(c, "SET d 4"), "OK");
        redisFree(c);
        srv_kill(s);
        char ck[600];
        ckpt_path(ck, sizeof(ck), dir, 3);
        ck_scan cs;
        CHECK_MSG(ck_parse(ck, &cs) == 0, "%s: %s", ck, cs.err);
        CHECK_EQ_INT(cs.databases, 5000);
        CHECK_EQ_INT(cs.entries, 3);
        /* the checkpoint alone */
        const char *only = new_dir();
        char to[600];
        ckpt_path(to, sizeof(to), only, 3);
        size_t len;
        unsigned char *b = read_all(ck, &len);
        if (b) write_file(to, b, len);
        free(b);
        s = srv_start_in(only, a);
        c = srv_connect(s);
        CHECK_BULK(cmd(c, "GET a"), "1");
        CHECK_STATUS(cmd(c, "SELECT 4999"), "OK");
        CHECK_BULK(cmd(c, "GET b"), "2");
        CHECK_STATUS(cmd(c, "SELECT 4096"), "OK");
        CHECK_BULK(cmd(c, "GET c"), "3");
        redisFree(c);
        srv_kill(s);
        /* checkpoint + WAL */
        s = srv_start_in(dir, a);
        c = srv_connect(s);
        CHECK_STATUS(cmd(c, "SELECT 4999"), "OK");
        CHECK_BULK(cmd(c, "GET b"), "2");
        CHECK_STATUS(cmd(c, "SELECT 4096"), "OK");
        CHECK_BULK(cmd(c, "GET d"), "4");
        redisFree(c);
        srv_kill(s);
    }
}

/* A key twice in a checkpoint (its CRCs made right): the load stops at
 * the second one, early in a checkpoint of many blocks, while the reader
 * thread still has blocks to hand over. The log names the file and the
 * key; the whole WAL is still there, so the server starts from it with
 * every key, and without it the server refuses to start. */
static void t_duplicate(void) {
    const char *dir = new_dir();
    sb_server *s = srv_start_in(dir, ARGS0);
    redisContext *c = srv_connect(s);
    const int n = SB_ASAN ? 20000 : 60000;
    for (int i = 0; i < n; i++) redisAppendCommand(c, "SET dup:%06d value-of-twenty-bytes", i);
    for (int i = 0; i < n; i++) {
        redisReply *r = NULL;
        if (redisGetReply(c, (void **)&r) != REDIS_OK) r = NULL;
        CHECK(r && r->type == REDIS_REPLY_STATUS);
        if (r) freeReplyObject(r);
        else break;
    }
    CHECK_STATUS(cmd(c, "SAVE"), "OK");
    redisFree(c);
    srv_kill(s);
    char ck[600];
    ckpt_path(ck, sizeof(ck), dir, (uint64_t)n);
    ck_scan cs;
    CHECK_MSG(ck_parse(ck, &cs) == 0, "%s: %s", ck, cs.err);
    CHECK_MSG(cs.blocks >= 4, "%" PRIu64 " blocks", cs.blocks);
    size_t len;
    unsigned char *b = read_all(ck, &len);
    if (!b || cs.blocks < 2) { free(b); return; }
    /* the first block's second entry gets the first entry's key */
    unsigned char *blk = b + cs.block_off[0], *e1 = blk + 8;
    uint32_t kl1 = get32(e1 + 13), vl1 = get32(e1 + 17 + kl1);
    unsigned char *e2 = e1 + 21 + kl1 + vl1;
    CHECK_EQ_INT(get32(e2 + 13), kl1);
    memcpy(e2 + 17, e1 + 17, kl1);
    put32(blk + 4, crc32c(blk + 8, get32(blk)));
    char key[64];
    snprintf(key, sizeof(key), "key '%.*s' appears twice in db 0", (int)kl1, (const char *)e1 + 17);
    write_file(ck, b, len);
    free(b);
    s = srv_start_in(dir, ARGS0);
    c = srv_connect(s);
    CHECK_EQ_INT(dbsize(c, 0), n);
    CHECK_BULK(cmd(c, "GET dup:%06d", n - 1), "value-of-twenty-bytes");
    redisFree(c);
    srv_kill(s);
    CHECK_MSG(log_has(dir, ck, key, NULL), "the log has no line naming %s with '%s'", ck, key);
    /* the checkpoint alone */
    const char *only = new_dir();
    char to[600];
    ckpt_path(to, sizeof(to), only, (uint64_t)n);
    b = read_all(ck, &len);
    if (b) write_file(to, b, len);
    free(b);
    expect_refusal(only, ARGS0, to, key);
}

/* ------------------------------------------------------------- memory */

typedef struct overwriter {
    redisContext *c;
    int keys;
    atomic_int stop;
    atomic_long writes; /* read by the test while the writer runs */
    long bad;
    uint64_t rs;
} overwriter;

/* SETs per round trip: small, so that even a short checkpoint of an ASan
 * build on a loaded machine sees some of them complete */
#define OVERWRITE_BATCH 20

static void *overwriter_main(void *arg) {
    overwriter *o = arg;
    rng r = {o->rs};
    char v[101];
    while (!atomic_load(&o->stop)) {
        for (int i = 0; i < OVERWRITE_BATCH; i++) {
            for (int j = 0; j < 100; j++) v[j] = (char)('a' + below(&r, 26));
            v[100] = 0;
            redisAppendCommand(o->c, "SET m:%u %b", below(&r, (uint32_t)o->keys), v, (size_t)100);
        }
        for (int i = 0; i < OVERWRITE_BATCH; i++) {
            redisReply *x = NULL;
            if (redisGetReply(o->c, (void **)&x) != REDIS_OK) x = NULL;
            if (!x || x->type != REDIS_REPLY_STATUS) o->bad++;
            if (x) freeReplyObject(x);
            if (!x) return NULL;
        }
        atomic_fetch_add(&o->writes, OVERWRITE_BATCH);
    }
    return NULL;
}

static void t_memory(void) {
    int keys = SB_ASAN ? 100000 : 300000;
    const char *dir = new_dir();
    sb_server *s = srv_start_in(dir, ARGS0);
    redisContext *c = srv_connect(s);
    char v[101];
    rng r = {seed ^ 0xabcdef};
    for (int i = 0; i < keys;) {
        int end = i + 1000 < keys ? i + 1000 : keys;
        for (int j = i; j < end; j++) {
            for (int q = 0; q < 100; q++) v[q] = (char)('a' + below(&r, 26));
            redisAppendCommand(c, "SET m:%d %b", j, v, (size_t)100);
        }
        for (int j = i; j < end; j++) {
            redisReply *x = NULL;
            if (redisGetReply(c, (void **)&x) != REDIS_OK) x = NULL;
            if (!x || x->type != REDIS_REPLY_STATUS) tu_failures++;
            if (x) freeReplyObject(x);
        }
        i = end;
    }
    long rss_loaded = srv_rss_kb(s);

    overwriter o = {.c = srv_connect(s), .keys = keys, .rs = seed ^ 0x5555};
    pthread_t th;
    pthread_create(&th, NULL, overwriter_main, &o);
    /* steady state: the same writer, no checkpoint */
    long steady = 0;
    double t0 = clock_s();
    while (clock_s() - t0 < 1.5) {
        long k = srv_rss_kb(s);
        if (k > steady) steady = k;
        usleep(5000);
    }
    /* a checkpoint under the same writer; again (up to 5 times) if no
     * overwrite completed during it: on a loaded CI machine one WAL fsync
     * took longer than a whole ASan BGSAVE (207 ms) */
    long peak = 0, w0 = 0, w1 = 0;
    double dur = 0;
    for (int attempt = 0; attempt < 5 && w1 - w0 == 0; attempt++) {
        w0 = o.writes;
        CHECK_STATUS(cmd(c, "BGSAVE"), "Background saving started");
        int polls = 0;
        t0 = clock_s();
        while (clock_s() - t0 < 60) {
            long k = srv_rss_kb(s);
            if (k > peak) peak = k;
            if (++polls % 4 == 0 && info_ll(c, "rdb_bgsave_in_progress") == 0) break;
            usleep(2000);
        }
        dur = clock_s() - t0;
        w1 = o.writes;
        if (w1 - w0 == 0) printf("  no overwrite completed during a %.0f ms BGSAVE: again\n", dur * 1000);
    }
    atomic_store(&o.stop, 1);
    pthread_join(th, NULL);
    CHECK_EQ_INT(o.bad, 0);
    long allowed = steady + steady / 5 + 8192;
    printf("  %d keys of 100 bytes: RSS %ld kB loaded, %ld kB steady under writes, peak %ld kB during "
           "a %.0f ms BGSAVE with %ld overwrites (limit %ld kB)%s\n", keys, rss_loaded, steady, peak,
           dur * 1000, w1 - w0, allowed, SB_ASAN ? " [ASan: not checked]" : "");
    if (!SB_ASAN)
        CHECK_MSG(peak <= allowed, "peak RSS %ld kB > 1.2 x %ld kB + 8 MB", peak, steady);
    CHECK_MSG(w1 - w0 > 0, "no writes during the BGSAVE");
    char st[16];
    info_field(c, "rdb_last_bgsave_status", st, sizeof(st));
    CHECK_MSG(!strcmp(st, "ok"), "rdb_last_bgsave_status:%s", st);
    redisFree(o.c);

    /* killed during a BGSAVE: the .tmp is left, and removed at the start */
    uint64_t cks[8];
    int nck = ckpt_lsns(dir, cks, 8);
    CHECK_STATUS(cmd(c, "SET last 1"), "OK");
    CHECK_STATUS(cmd(c, "BGSAVE"), "Background saving started");
    srv_kill(s);
    redisFree(c);
    char tmps[8][64];
    int ntmp = list_files(dir, "ckpt-", ".sbc.tmp", tmps, 8);
    if (ntmp == 0) printf("  (the BGSAVE was done before the kill: no .tmp to look at)\n");
    CHECK_EQ_INT(ckpt_lsns(dir, cks, 8), nck);
    s = srv_start_in(dir, ARGS0);
    c = srv_connect(s);
    CHECK_EQ_INT(list_files(dir, "ckpt-", ".sbc.tmp", tmps, 8), 0);
    CHECK_EQ_INT(dbsize(c, 0), keys + 1);
    redisFree(c);
    srv_kill(s);
}

/* ---------------------------------------------------------------- main */

static const struct { const char *name; void (*fn)(void); } sections[] = {
    {"exact", t_exact},         {"restart", t_restart},     {"corrupt", t_corrupt},
    {"truncated", t_truncated}, {"lifecycle", t_lifecycle}, {"flush", t_flush},
    {"databases", t_databases}, {"duplicate", t_duplicate},
    {"memory", t_memory},
};

int main(int argc, char **argv) {
    setvbuf(stdout, NULL, _IONBF, 0);
    const char *env = getenv("SB_SEED");
    seed = env ? strtoull(env, NULL, 0) : (uint64_t)wall_ms() ^ ((uint64_t)getpid() << 32);
    far_ms = (wall_ms() / 1000 + 40 * 86400) * 1000;
    printf("seed %" PRIu64 " (SB_SEED=%" PRIu64 " replays it)%s\n", seed, seed,
           SB_ASAN ? ", ASan build: smaller data" : "");
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
        printf("%s: %s (%.2f s)\n", sections[i].name, tu_failures == f0 ? "ok" : "FAILED", clock_s() - t0);
        ran++;
    }
    if (!ran) {
        fprintf(stderr, "no such section\n");
        return 2;
    }
    printf("total %.2f s\n", clock_s() - t_all);
    TU_DONE();
}
