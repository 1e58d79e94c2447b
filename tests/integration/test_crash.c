/* test_crash.c -- SIGKILL at a random moment under concurrent writers.
 *
 * NTHREADS writer threads, each with its own connection and its own keys,
 * run SET/INCR/APPEND/DEL/EXPIRE with appendfsync always and keep a model
 * of what the server acknowledged. The server is killed with SIGKILL after
 * a random 50-500 ms (every fifth cycle: stopped with SIGTERM under the
 * same load), restarted on the same directory, and every key must
 * be exactly as acknowledged -- or, for the one key a thread had a command
 * in flight on, as if that command had also been applied. The model then
 * follows what was found and the next cycle goes on with the same keys.
 *
 * Then the same with appendfsync everysec, where a reply waits for write()
 * only, so a SIGKILL (not a machine crash) must lose nothing either: small
 * groups are written by the engine thread itself, the others (and every
 * segment rollover) by the WAL writer, and both must hold. Then always
 * with pipelines of 16 commands per writer, each on its own key: the WAL
 * writer writes a group while the syncer thread syncs the one before, and
 * the commands in flight that survived must be a prefix of each pipeline.
 * Then always again with one writer, whose groups the thread that ran
 * them writes and fsyncs (inline commits).
 *
 * SB_CRASH_CYCLES=n runs n cycles (default 20; everysec: n/2);
 * SB_CRASH_SEED=s replays a seed (printed at the start). Values are binary (NUL, CR, LF included) and
 * of random length so that records and groups cross segment boundaries
 * (16 KB segments). */
#include "harness.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <signal.h>
#include <time.h>
#include <unistd.h>

#define NTHREADS 4
static int nthreads = NTHREADS; /* writers of this run (one: inline commits) */
static int depth = 1;           /* commands each writer sends per round trip */
#define NSTR 40  /* string keys per thread: SET, APPEND, DEL, EXPIRE */
#define NCTR 10  /* counters per thread: INCR, DEL */
#define NKEYS (NSTR + NCTR)
#define MAXVAL 512

enum { OP_SET, OP_APPEND, OP_DEL, OP_EXPIRE, OP_INCR };
static const char *op_names[] = {"SET", "APPEND", "DEL", "EXPIRE", "INCR"};

typedef struct keystate {
    int present, ttl;
    size_t len;
    unsigned char val[MAXVAL];
} keystate;

typedef struct op {
    int kind, key;
    size_t len;
    unsigned char arg[MAXVAL];
} op;

#define MAXDEPTH 16

typedef struct worker {
    int id, port, cycle;
    uint64_t rng;
    keystate k[NKEYS];   /* 0..NSTR-1 strings, NSTR.. counters */
    op cur[MAXDEPTH];    /* the pipeline sent last, each on its own key */
    int ncur, nreplied;  /* in flight (sent, no reply came): [nreplied, ncur) */
    long acked;
    char err[512];       /* an unexpected reply */
} worker;

static atomic_int connected;
static atomic_long acks; /* writes acknowledged this cycle, all clients */
static int inflight_applied; /* in-flight commands found applied (verify) */

static uint64_t next_rand(uint64_t *s) { /* xorshift64* */
    uint64_t x = *s;
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    *s = x;
    return x * 2685821657736338717ull;
}

static void key_name(char *buf, size_t cap, int thread, int key) {
    if (key < NSTR) snprintf(buf, cap, "t%d:s%d", thread, key);
    else snprintf(buf, cap, "t%d:c%d", thread, key - NSTR);
}

/* Apply o to k as the server does. */
static void apply(keystate *k, const op *o) {
    switch (o->kind) {
    case OP_SET:
        k->present = 1;
        k->ttl = 0;
        memcpy(k->val, o->arg, o->len);
        k->len = o->len;
        break;
    case OP_APPEND:
        if (!k->present) {
            k->present = 1;
            k->ttl = 0;
            k->len = 0;
        }
        memcpy(k->val + k->len, o->arg, o->len);
        k->len += o->len;
        break;
    case OP_DEL:
        k->present = 0;
        k->ttl = 0;
        k->len = 0;
        break;
    case OP_EXPIRE:
        if (k->present) k->ttl = 1;
        break;
    case OP_INCR: {
        long long v = 0;
        if (k->present) {
            char tmp[32];
            memcpy(tmp, k->val, k->len);
            tmp[k->len] = 0;
            v = atoll(tmp);
        } else {
            k->ttl = 0;
        }
        k->present = 1;
        k->len = (size_t)snprintf((char *)k->val, MAXVAL, "%lld", v + 1);
        break;
    }
    }
}

static void pick_op(worker *w, op *o, long n) {
    uint64_t r = next_rand(&w->rng);
    if (r % 4 == 0) { /* a counter */
        o->key = NSTR + (int)(next_rand(&w->rng) % NCTR);
        o->kind = next_rand(&w->rng) % 10 == 0 ? OP_DEL : OP_INCR;
        o->len = 0;
        return;
    }
    o->key = (int)(next_rand(&w->rng) % NSTR);
    unsigned pct = (unsigned)(next_rand(&w->rng) % 100);
    o->kind = pct < 45 ? OP_SET : pct < 75 ? OP_APPEND : pct < 88 ? OP_DEL : OP_EXPIRE;
    if (o->kind == OP_APPEND && w->k[o->key].len > MAXVAL / 2) o->kind = OP_SET;
    o->len = 0;
    if (o->kind == OP_SET || o->kind == OP_APPEND) {
        /* a unique prefix, then random bytes, binary included */
        int m = snprintf((char *)o->arg, 64, "%d.%d.%ld|", w->id, w->cycle, n);
        o->len = (size_t)m;
        size_t extra = (size_t)(next_rand(&w->rng) % (o->kind == OP_SET ? 200 : 40));
        for (size_t i = 0; i < extra; i++) o->arg[o->len++] = (unsigned char)next_rand(&w->rng);
    }
}

/* Is the reply what the model predicts? */
static int reply_ok(worker *w, const op *o, const redisReply *r) {
    const keystate *k = &w->k[o->key];
    switch (o->kind) {
    case OP_SET:
        return r->type == REDIS_REPLY_STATUS && !strcmp(r->str, "OK");
    case OP_APPEND:
        return r->type == REDIS_REPLY_INTEGER &&
               r->integer == (long long)((k->present ? k->len : 0) + o->len);
    case OP_DEL:
        return r->type == REDIS_REPLY_INTEGER && r->integer == k->present;
    case OP_EXPIRE:
        return r->type == REDIS_REPLY_INTEGER && r->integer == k->present;
    case OP_INCR: {
        keystate t = *k;
        apply(&t, o);
        char tmp[32];
        memcpy(tmp, t.val, t.len);
        tmp[t.len] = 0;
        return r->type == REDIS_REPLY_INTEGER && r->integer == atoll(tmp);
    }
    }
    return 0;
}

static void *writer(void *arg) {
    worker *w = arg;
    struct timeval tv = {15, 0};
    redisContext *c = redisConnectWithTimeout("127.0.0.1", w->port, tv);
    atomic_fetch_add(&connected, 1);
    if (!c || c->err) {
        snprintf(w->err, sizeof(w->err), "connect: %s", c ? c->errstr : "oom");
        if (c) redisFree(c);
        return NULL;
    }
    redisSetTimeout(c, tv);
    for (long n = 0;; n += depth) {
        /* a pipeline of depth commands, each on a key of its own: the
         * model of a key is then only ever one command behind */
        w->ncur = w->nreplied = 0;
        for (int d = 0; d < depth; d++) {
            op *o = &w->cur[d];
            int again;
            do {
                pick_op(w, o, n + d);
                again = 0;
                for (int e = 0; e < d; e++) again |= w->cur[e].key == o->key;
            } while (again);
            char key[32];
            key_name(key, sizeof(key), w->id, o->key);
            switch (o->kind) {
            case OP_SET: redisAppendCommand(c, "SET %s %b", key, o->arg, o->len); break;
            case OP_APPEND: redisAppendCommand(c, "APPEND %s %b", key, o->arg, o->len); break;
            case OP_DEL: redisAppendCommand(c, "DEL %s", key); break;
            case OP_EXPIRE: redisAppendCommand(c, "EXPIRE %s 100000", key); break;
            default: redisAppendCommand(c, "INCR %s", key); break;
            }
        }
        w->ncur = depth;
        for (; w->nreplied < w->ncur; w->nreplied++) {
            op *o = &w->cur[w->nreplied];
            redisReply *r = NULL;
            if (redisGetReply(c, (void **)&r) != REDIS_OK || !r) goto gone; /* in flight */
            if (!reply_ok(w, o, r)) {
                char key[32];
                key_name(key, sizeof(key), w->id, o->key);
                snprintf(w->err, sizeof(w->err), "thread %d: %s %s: unexpected reply %s", w->id,
                         op_names[o->kind], key, reply_str(r));
                freeReplyObject(r);
                goto gone;
            }
            freeReplyObject(r);
            apply(&w->k[o->key], o);
            w->acked++;
            atomic_fetch_add(&acks, 1);
        }
    }
gone:
    redisFree(c);
    return NULL;
}

/* The command of w in flight on key i: its index in w->cur, or -1. */
static int inflight_on(const worker *w, int i) {
    for (int d = w->nreplied; d < w->ncur; d++)
        if (w->cur[d].key == i) return d;
    return -1;
}

static int same_value(const keystate *k, const redisReply *get, const redisReply *pttl) {
    if (!k->present)
        return get->type == REDIS_REPLY_NIL && pttl->type == REDIS_REPLY_INTEGER &&
               pttl->integer == -2;
    if (get->type != REDIS_REPLY_STRING || get->len != k->len ||
        memcmp(get->str, k->val, k->len) != 0 || pttl->type != REDIS_REPLY_INTEGER)
        return 0;
    if (k->ttl) return pttl->integer > 0 && pttl->integer <= 100000 * 1000LL;
    return pttl->integer == -1;
}

/* Printable: the first bytes, non-printable ones as \xNN. */
static void escape(char *buf, size_t cap, const void *p, size_t n) {
    const unsigned char *c = p;
    size_t o = 0;
    for (size_t i = 0; i < n && i < 24 && o + 5 < cap; i++)
        o += (size_t)snprintf(buf + o, cap - o, c[i] >= 32 && c[i] < 127 && c[i] != '\\' ?
                              "%c" : "\\x%02x", c[i]);
    buf[o] = 0;
}

static void describe_state(char *buf, size_t cap, int present, const void *p, size_t n,
                           long long pttl) {
    char esc[128];
    escape(esc, sizeof(esc), p, n);
    if (!present) snprintf(buf, cap, "(absent)");
    else snprintf(buf, cap, "%zu bytes \"%s...\"%s", n, esc,
                  pttl > 0 ? " with a TTL" : pttl == -1 ? " without TTL" : "");
}

/* An INFO persistence count of s, field "name:" (0 if it cannot tell). */
static long long wal_count(sb_server *s, const char *name) {
    redisContext *c = srv_connect(s);
    redisReply *r = cmd(c, "INFO persistence");
    const char *p = r && r->type == REDIS_REPLY_STRING ? strstr(r->str, name) : NULL;
    long long n = p ? atoll(p + strlen(name)) : 0;
    if (r) freeReplyObject(r);
    redisFree(c);
    return n;
}

/* Every key of every worker against the model; the model then follows
 * the in-flight command if it turned out to be applied. Returns the
 * number of keys that should exist. */
static long verify(sb_server *s, worker *ws, int cycle) {
    redisContext *c = srv_connect(s);
    long present = 0;
    for (int t = 0; t < nthreads; t++) {
        worker *w = &ws[t];
        /* of each command in flight: found applied (1), found not applied
         * (0), or either (2: it changed nothing) */
        int found[MAXDEPTH];
        for (int d = 0; d < MAXDEPTH; d++) found[d] = 2;
        for (int i = 0; i < NKEYS; i++) {
            char key[32];
            key_name(key, sizeof(key), t, i);
            redisAppendCommand(c, "GET %s", key);
            redisAppendCommand(c, "PTTL %s", key);
        }
        for (int i = 0; i < NKEYS; i++) {
            char key[32];
            key_name(key, sizeof(key), t, i);
            redisReply *g = NULL, *p = NULL;
            if (redisGetReply(c, (void **)&g) != REDIS_OK ||
                redisGetReply(c, (void **)&p) != REDIS_OK) {
                fprintf(stderr, "cycle %d: connection lost while verifying\n", cycle);
                exit(1);
            }
            keystate *a = &w->k[i];
            int ok = same_value(a, g, p), d = inflight_on(w, i);
            if (d >= 0) {
                keystate b = *a;
                apply(&b, &w->cur[d]);
                int applied = same_value(&b, g, p);
                found[d] = ok && applied ? 2 : applied;
                if (!ok && applied) {
                    *a = b; /* the in-flight command made it: fine */
                    ok = 1;
                    inflight_applied++;
                }
            }
            if (!ok) {
                char want[256], got[256];
                describe_state(want, sizeof(want), a->present, a->val, a->len, a->ttl ? 1 : -1);
                describe_state(got, sizeof(got), g->type == REDIS_REPLY_STRING, g->str,
                               g->type == REDIS_REPLY_STRING ? g->len : 0,
                               p->type == REDIS_REPLY_INTEGER ? p->integer : 0);
                fprintf(stderr, "cycle %d: %s is %s, the acknowledged state is %s%s%s\n",
                        cycle, key, got, want, d >= 0 ? "; in flight: " : "",
                        d >= 0 ? op_names[w->cur[d].kind] : "");
                tu_failures++;
                /* follow the server so that one loss is reported once */
                a->present = g->type == REDIS_REPLY_STRING;
                a->len = a->present ? (g->len > MAXVAL ? MAXVAL : g->len) : 0;
                if (a->present) memcpy(a->val, g->str, a->len);
                a->ttl = p->type == REDIS_REPLY_INTEGER && p->integer > 0;
            }
            present += a->present;
            freeReplyObject(g);
            freeReplyObject(p);
        }
        /* the log keeps a connection's commands in order: those of its
         * pipeline in flight that survived are a prefix of it */
        for (int d = w->nreplied; d < w->ncur; d++)
            for (int e = d + 1; e < w->ncur; e++)
                if (found[d] == 0 && found[e] == 1) {
                    fprintf(stderr, "cycle %d: thread %d's command %d in flight (%s) was "
                            "applied, but not its command %d before it (%s)\n", cycle, t, e,
                            op_names[w->cur[e].kind], d, op_names[w->cur[d].kind]);
                    tu_failures++;
                }
        w->ncur = w->nreplied = 0;
    }
    redisReply *r = cmd(c, "DBSIZE");
    if (!r || r->type != REDIS_REPLY_INTEGER || r->integer != present) {
        fprintf(stderr, "cycle %d: DBSIZE is %s, expected %ld\n", cycle, reply_str(r), present);
        tu_failures++;
    }
    if (r) freeReplyObject(r);
    redisFree(c);
    return present;
}

/* cycles crash cycles with appendfsync mode. */
static void run_mode(const char *mode, int cycles, uint64_t *rngp) {
    uint64_t rng = *rngp;
    const char *args[] = {"--appendonly", "yes", "--appendfsync", mode,
                          "--wal-segment-size", "16384", NULL};
    printf("appendfsync %s:\n", mode);
    sb_server *first = srv_startv(args);
    char dir[256];
    snprintf(dir, sizeof(dir), "%s", first->dir);
    srv_stop(first); /* the next servers all run on this directory */

    static worker ws[NTHREADS];
    memset(ws, 0, sizeof(ws)); /* a new directory: no key exists yet */
    long total_acked = 0;
    long long inline_commits = 0, overlaps = 0;
    double t0 = clock_s();
    sb_server *s = srv_start_in(dir, args);
    for (int cycle = 0; cycle < cycles && !tu_failures; cycle++) {
        atomic_store(&connected, 0);
        atomic_store(&acks, 0);
        pthread_t th[NTHREADS];
        for (int t = 0; t < nthreads; t++) {
            ws[t].id = t;
            ws[t].port = s->port;
            ws[t].cycle = cycle;
            ws[t].rng = next_rand(&rng) | 1;
            ws[t].acked = 0;
            ws[t].ncur = ws[t].nreplied = 0;
            pthread_create(&th[t], NULL, writer, &ws[t]);
        }
        while (atomic_load(&connected) < nthreads) usleep(1000);
        /* the random delay counts from the first acknowledgement: a restart
         * and a slow first fsync must not leave a cycle without one */
        for (int i = 0; i < 10000 && !atomic_load(&acks); i++) usleep(1000);
        long delay_ms = 50 + (long)(next_rand(&rng) % 451);
        usleep((useconds_t)delay_ms * 1000);
        if (nthreads == 1) inline_commits += wal_count(s, "wal_inline_commits:");
        if (depth > 1) overlaps += wal_count(s, "wal_sync_overlaps:");
        /* every fifth cycle a clean stop (SIGTERM) under the same load */
        int term = cycle % 5 == 4;
        if (term) srv_stop(s);
        else srv_kill(s);
        long acked = 0;
        int inflight = 0;
        for (int t = 0; t < nthreads; t++) {
            pthread_join(th[t], NULL);
            if (ws[t].err[0]) {
                fprintf(stderr, "cycle %d: %s\n", cycle, ws[t].err);
                tu_failures++;
            }
            acked += ws[t].acked;
            inflight += ws[t].ncur - ws[t].nreplied;
        }
        total_acked += acked;
        s = srv_start_in(dir, args);
        inflight_applied = 0;
        long keys = verify(s, ws, cycle);
        printf("cycle %2d: %s after %3ld ms, %5ld writes acknowledged, %d in flight "
               "(%d of them applied), %ld keys verified\n", cycle, term ? "SIGTERM" : "SIGKILL",
               delay_ms, acked, inflight, inflight_applied, keys);
        fflush(stdout);
        if (acked == 0) {
            fprintf(stderr, "cycle %d: no write was acknowledged in %ld ms\n", cycle, delay_ms);
            tu_failures++;
        }
    }
    /* a clean stop at the end keeps everything too */
    srv_stop(s);
    CHECK(!srv_alive(s));
    s = srv_start_in(dir, args);
    verify(s, ws, cycles);
    srv_stop(s);
    printf("%s, %d writer(s), pipelines of %d: %ld acknowledged writes in %d crash cycles, "
           "%d torn tail(s) cut, %.1f s\n", mode, nthreads, depth, total_acked, cycles,
           count_in_log(s->log, "torn write"), clock_s() - t0);
    if (nthreads == 1) {
        printf("%s, one writer: %lld groups committed inline\n", mode, inline_commits);
        CHECK(inline_commits > 0);
    }
    if (depth > 1) {
        printf("%s, pipelines: %lld groups written while the syncer synced\n", mode, overlaps);
        CHECK(overlaps > 0);
    }
    *rngp = rng;
}

int main(void) {
    int cycles = getenv("SB_CRASH_CYCLES") ? atoi(getenv("SB_CRASH_CYCLES")) : 20;
    uint64_t seed = getenv("SB_CRASH_SEED") ? strtoull(getenv("SB_CRASH_SEED"), NULL, 10)
                                            : (uint64_t)time(NULL) ^ ((uint64_t)getpid() << 20);
    if (!seed) seed = 1;
    printf("test_crash: seed=%llu cycles=%d (SB_CRASH_SEED / SB_CRASH_CYCLES to change)\n",
           (unsigned long long)seed, cycles);
    fflush(stdout);
    uint64_t rng = seed;
    run_mode("always", cycles, &rng);
    if (!tu_failures) run_mode("everysec", cycles / 2 > 0 ? cycles / 2 : 1, &rng);
    /* pipelines: the WAL writer writes the next group while the syncer
     * syncs the last (wal.c, pipelined syncs) */
    depth = MAXDEPTH;
    if (!tu_failures) run_mode("always", cycles / 2 > 0 ? cycles / 2 : 1, &rng);
    depth = 1;
    /* one writer: with appendfsync always its writes are committed by the
     * thread that runs them, not the WAL writer (wal.c, inline commits) */
    nthreads = 1;
    if (!tu_failures) run_mode("always", cycles / 2 > 0 ? cycles / 2 : 1, &rng);
    if (tu_failures) printf("seed was %llu\n", (unsigned long long)seed);
    TU_DONE();
}
