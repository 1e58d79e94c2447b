/* test_bank.c -- the shipped `bank` function library (scripts/bank.lua)
 * under concurrency and under crashes.
 *
 * 1. invariant: 100 accounts acct:0..99 get 1000 each (FCALL deposit);
 *    NCLIENTS threads, one connection each, run FCALL transfer between
 *    random distinct accounts with random amounts (many larger than the
 *    balance: "ERR insufficient funds"; a few invalid: negative / not a
 *    number / the same account) for SB_BANK_SECONDS (default 3) seconds,
 *    while a sampler thread checks that FCALL_RO total over the 100
 *    accounts, and the sum of an MGET of them, is 100000 every time. At the
 *    end: every balance is exactly 1000 + the acknowledged transfers in -
 *    out (so a failed transfer left no trace and every acknowledged one is
 *    there), nothing is negative, the total is 100000, and INFO persistence
 *    wal_lsn grew by exactly 1 (the library load from functions-dir) + 100
 *    (the deposits) + the successful transfers: failed calls log nothing.
 *    A clean restart replays the log to the very same balances and LSN.
 *
 * 2. crash: each client owns p:<client>:a and p:<client>:b and moves random
 *    amounts between them only (its model of the balances is exact and
 *    every reply is checked against it), plus, one call in ten, a transfer
 *    between two random shared acct:* accounts. The server is SIGKILLed at
 *    a random moment SB_CRASH_CYCLES times (default 4) and restarted on the
 *    same directory (every other cycle a BGSAVE runs under the load
 *    before the kill); then: the library is still there (FUNCTION LIST), the
 *    private accounts' total is unchanged, each client's two balances are
 *    the acknowledged ones or those after its one in-flight transfer (sent,
 *    no reply), and the shared accounts still hold 100000 in all.
 *
 * SB_CRASH_SEED=s replays a seed (printed at the start). `test_bank
 * invariant` or `test_bank crash` runs one of the two. */
#include "harness.h"

#include <limits.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <time.h>
#include <unistd.h>

#define NCLIENTS 50
#define NACCTS 100
#define INITIAL 1000
#define SHARED_TOTAL ((long long)NACCTS * INITIAL)

/* ------------------------------------------------------------ helpers */

static uint64_t next_rand(uint64_t *s) { /* xorshift64* */
    uint64_t x = *s;
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    *s = x;
    return x * 2685821657736338717ull;
}

static long long rnd(uint64_t *s, long long n) { return (long long)(next_rand(s) % (uint64_t)n); }


/* The source tree's scripts folder (where bank.lua is), from __FILE__. */
static char scripts[PATH_MAX];

static void find_scripts(void) {
    const char *f = __FILE__, *suffix = "tests/integration/test_bank.c";
    size_t n = strlen(f), m = strlen(suffix);
    if (n >= m && !strcmp(f + n - m, suffix))
        snprintf(scripts, sizeof(scripts), "%.*sscripts", (int)(n - m), f);
    else
        snprintf(scripts, sizeof(scripts), "scripts");
    char lua[PATH_MAX + 16], abs[PATH_MAX];
    snprintf(lua, sizeof(lua), "%s/bank.lua", scripts);
    if (access(lua, R_OK) != 0 || !realpath(scripts, abs)) {
        fprintf(stderr, "can't find scripts/bank.lua (looked at %s; __FILE__ is %s)\n", lua, f);
        exit(2);
    }
    snprintf(scripts, sizeof(scripts), "%s", abs);
}

static long long info_ll(redisContext *c, const char *name) {
    redisReply *r = cmd(c, "INFO persistence");
    long long v = -1;
    if (r && r->type == REDIS_REPLY_STRING) {
        size_t n = strlen(name);
        for (const char *p = r->str; p && *p; p = strchr(p, '\n')) {
            if (*p == '\n') p++;
            if (!strncmp(p, name, n) && p[n] == ':') { v = atoll(p + n + 1); break; }
        }
    }
    if (v < 0) {
        fprintf(stderr, "INFO persistence has no %s: %s\n", name, reply_str(r));
        tu_failures++;
    }
    if (r) freeReplyObject(r);
    return v;
}

/* argv of "FCALL_RO total N key..." or "MGET key..." over keys[0..n). */
typedef struct keylist {
    int n;
    char names[2 * NCLIENTS > NACCTS ? 2 * NCLIENTS : NACCTS][32];
    const char *argv[4 + (2 * NCLIENTS > NACCTS ? 2 * NCLIENTS : NACCTS)];
    size_t lens[4 + (2 * NCLIENTS > NACCTS ? 2 * NCLIENTS : NACCTS)];
    char nbuf[16];
} keylist;

static void shared_keys(keylist *k) {
    k->n = NACCTS;
    for (int i = 0; i < NACCTS; i++) snprintf(k->names[i], sizeof(k->names[i]), "acct:%d", i);
}

static void private_keys(keylist *k) {
    k->n = 2 * NCLIENTS;
    for (int i = 0; i < NCLIENTS; i++) {
        snprintf(k->names[2 * i], sizeof(k->names[0]), "p:%d:a", i);
        snprintf(k->names[2 * i + 1], sizeof(k->names[0]), "p:%d:b", i);
    }
}

/* FCALL_RO total over the list: the sum, or LLONG_MIN with *err set. */
static long long fcall_total(redisContext *c, keylist *k, char *err, size_t cap) {
    int a = 0;
    k->argv[a] = "FCALL_RO"; k->lens[a++] = 8;
    k->argv[a] = "total"; k->lens[a++] = 5;
    snprintf(k->nbuf, sizeof(k->nbuf), "%d", k->n);
    k->argv[a] = k->nbuf; k->lens[a++] = strlen(k->nbuf);
    for (int i = 0; i < k->n; i++) { k->argv[a] = k->names[i]; k->lens[a++] = strlen(k->names[i]); }
    redisReply *r = redisCommandArgv(c, a, k->argv, k->lens);
    long long v = LLONG_MIN;
    if (r && r->type == REDIS_REPLY_INTEGER) v = r->integer;
    else reply_describe(r, err, cap);
    if (r) freeReplyObject(r);
    return v;
}

/* MGET of the list into vals[] (a missing key is 0, as bank.lua has it).
 * 0, or -1 with *err set (not an array, or a value that is no integer). */
static int mget_all(redisContext *c, keylist *k, long long *vals, char *err, size_t cap) {
    int a = 0;
    k->argv[a] = "MGET"; k->lens[a++] = 4;
    for (int i = 0; i < k->n; i++) { k->argv[a] = k->names[i]; k->lens[a++] = strlen(k->names[i]); }
    redisReply *r = redisCommandArgv(c, a, k->argv, k->lens);
    int ret = 0;
    if (!r || r->type != REDIS_REPLY_ARRAY || r->elements != (size_t)k->n) {
        reply_describe(r, err, cap);
        ret = -1;
    } else {
        for (int i = 0; i < k->n; i++) {
            redisReply *e = r->element[i];
            if (e->type == REDIS_REPLY_NIL) { vals[i] = 0; continue; }
            char *end;
            vals[i] = e->type == REDIS_REPLY_STRING ? strtoll(e->str, &end, 10) : 0;
            if (e->type != REDIS_REPLY_STRING || e->len == 0 || *end) {
                char d[128];
                reply_describe(e, d, sizeof(d));
                snprintf(err, cap, "%s holds %s, not an integer", k->names[i], d);
                ret = -1;
            }
        }
    }
    if (r) freeReplyObject(r);
    return ret;
}

/* Is the library there, with its six functions? */
static void check_library(redisContext *c, const char *when) {
    redisReply *r = cmd(c, "FUNCTION LIST LIBRARYNAME bank");
    int ok = 0;
    if (r && r->type == REDIS_REPLY_ARRAY && r->elements == 1 &&
        r->element[0]->type == REDIS_REPLY_ARRAY) {
        redisReply *lib = r->element[0];
        int name = 0, funcs = 0;
        for (size_t i = 0; i + 1 < lib->elements; i += 2) {
            redisReply *k = lib->element[i], *v = lib->element[i + 1];
            if (k->type != REDIS_REPLY_STRING) continue;
            if (!strcmp(k->str, "library_name") && v->type == REDIS_REPLY_STRING &&
                !strcmp(v->str, "bank"))
                name = 1;
            if (!strcmp(k->str, "functions") && v->type == REDIS_REPLY_ARRAY)
                funcs = (int)v->elements;
        }
        ok = name && funcs == 6;
    }
    if (!ok) {
        fprintf(stderr, "%s: FUNCTION LIST LIBRARYNAME bank is not the bank library with its 6 "
                "functions: %s\n", when, reply_str(r));
        tu_failures++;
    }
    if (r) freeReplyObject(r);
}

static redisContext *thread_connect(int port, char *err, size_t cap) {
    struct timeval tv = {30, 0};
    redisContext *c = redisConnectWithTimeout("127.0.0.1", port, tv);
    if (!c || c->err) {
        snprintf(err, cap, "connect: %s", c ? c->errstr : "out of memory");
        if (c) redisFree(c);
        return NULL;
    }
    redisSetTimeout(c, tv);
    return c;
}

static uint64_t seed;

/* ------------------------------------------------------- 1. invariant */

enum { T_OK, T_SHORT, T_BADAMOUNT, T_SAME, T_NKINDS };
static const char *kind_names[] = {"transferred", "insufficient funds", "bad amount",
                                   "same account"};

typedef struct teller {
    int id, port;
    uint64_t rng;
    double deadline;
    long long delta[NACCTS]; /* net effect of its acknowledged transfers */
    long count[T_NKINDS];
    char err[512];
} teller;

static atomic_int tellers_running;

static void *teller_main(void *arg) {
    teller *t = arg;
    redisContext *c = thread_connect(t->port, t->err, sizeof(t->err));
    if (!c) { atomic_fetch_sub(&tellers_running, 1); return NULL; }
    while (clock_s() < t->deadline) {
        int from = (int)rnd(&t->rng, NACCTS), to = (int)rnd(&t->rng, NACCTS - 1);
        if (to >= from) to++;
        long long amount;
        char amt[32];
        int expect; /* T_OK means "T_OK or T_SHORT": other clients move money too */
        int p = (int)rnd(&t->rng, 100);
        if (p < 65) amount = 1 + rnd(&t->rng, 300);
        else if (p < 90) amount = 300 + rnd(&t->rng, 2500);
        else if (p < 95) amount = SHARED_TOTAL + 1 + rnd(&t->rng, 1000000); /* never there */
        else amount = -1;
        expect = amount > SHARED_TOTAL ? T_SHORT : T_OK;
        if (amount >= 0) {
            snprintf(amt, sizeof(amt), "%lld", amount);
        } else if (p < 97) {
            snprintf(amt, sizeof(amt), p == 95 ? "-%d" : "%d.5", 1 + (int)rnd(&t->rng, 50));
            expect = T_BADAMOUNT;
        } else {
            snprintf(amt, sizeof(amt), "%d", 1 + (int)rnd(&t->rng, 50));
            to = from;
            expect = T_SAME;
        }
        redisReply *r = redisCommand(c, "FCALL transfer 2 acct:%d acct:%d %s", from, to, amt);
        int got = -1;
        if (r && r->type == REDIS_REPLY_ARRAY && r->elements == 2 &&
            r->element[0]->type == REDIS_REPLY_INTEGER &&
            r->element[1]->type == REDIS_REPLY_INTEGER && r->element[0]->integer >= 0 &&
            r->element[1]->integer >= amount && r->element[0]->integer + r->element[1]->integer <=
                                                    SHARED_TOTAL)
            got = T_OK;
        else if (r && r->type == REDIS_REPLY_ERROR && !strcmp(r->str, "ERR insufficient funds"))
            got = T_SHORT;
        else if (r && r->type == REDIS_REPLY_ERROR &&
                 !strcmp(r->str, "ERR amount must be a non-negative integer"))
            got = T_BADAMOUNT;
        else if (r && r->type == REDIS_REPLY_ERROR &&
                 !strcmp(r->str, "ERR cannot transfer to the same account"))
            got = T_SAME;
        if (got < 0 || (got != expect && !(expect == T_OK && got == T_SHORT))) {
            char d[256];
            reply_describe(r, d, sizeof(d));
            snprintf(t->err, sizeof(t->err),
                     "client %d: FCALL transfer 2 acct:%d acct:%d %s: unexpected reply %s "
                     "(expected %s)", t->id, from, to, amt, d,
                     expect == T_OK ? "{from balance >= 0, to balance >= amount} or "
                                      "-ERR insufficient funds" : kind_names[expect]);
            if (r) freeReplyObject(r);
            break;
        }
        if (got == T_OK) {
            t->delta[from] -= amount;
            t->delta[to] += amount;
        }
        t->count[got]++;
        freeReplyObject(r);
    }
    redisFree(c);
    atomic_fetch_sub(&tellers_running, 1);
    return NULL;
}

typedef struct sampler {
    int port;
    long samples;
    char err[512];
} sampler;

static void *sampler_main(void *arg) {
    sampler *s = arg;
    redisContext *c = thread_connect(s->port, s->err, sizeof(s->err));
    if (!c) return NULL;
    static keylist k;
    shared_keys(&k);
    long long vals[NACCTS];
    char e[256] = "";
    /* until the last teller is done, and at least a few times */
    while (atomic_load(&tellers_running) > 0 || s->samples < 10) {
        long long sum;
        const char *how;
        if (s->samples % 2 == 0) {
            how = "FCALL_RO total";
            sum = fcall_total(c, &k, e, sizeof(e));
        } else {
            how = "the sum of MGET";
            sum = LLONG_MIN;
            if (mget_all(c, &k, vals, e, sizeof(e)) == 0) {
                sum = 0;
                for (int i = 0; i < NACCTS; i++) {
                    if (vals[i] < 0 && !e[0])
                        snprintf(e, sizeof(e), "acct:%d is %lld", i, vals[i]);
                    sum += vals[i];
                }
            }
        }
        if (sum != SHARED_TOTAL || e[0]) {
            snprintf(s->err, sizeof(s->err), "sample %ld: %s of the 100 accounts is %lld "
                     "(expected %lld) %s", s->samples, how, sum == LLONG_MIN ? -1 : sum,
                     SHARED_TOTAL, e);
            break;
        }
        s->samples++;
    }
    redisFree(c);
    return NULL;
}

static void test_invariant(void) {
    double t0 = clock_s();
    double secs = getenv("SB_BANK_SECONDS") ? atof(getenv("SB_BANK_SECONDS")) : 3.0;
    printf("invariant: %d clients, %.1f s of transfers\n", NCLIENTS, secs);
    fflush(stdout);
    uint64_t rng = seed;
    sb_server *s = srv_start("--functions-dir", scripts, "--appendonly", "yes", "--appendfsync",
                             "always", NULL);
    redisContext *c = srv_connect(s);
    check_library(c, "invariant, start");
    /* the library from functions-dir is the first record of a fresh log */
    long long lsn0 = info_ll(c, "wal_lsn");
    if (lsn0 != 1) {
        fprintf(stderr, "fresh server with functions-dir: wal_lsn is %lld, expected 1 "
                "(the FUNCTION LOAD of scripts/bank.lua)\n", lsn0);
        tu_failures++;
    }
    for (int i = 0; i < NACCTS; i++) CHECK_INT(cmd(c, "FCALL deposit 1 acct:%d %d", i, INITIAL), INITIAL);
    long long lsn1 = info_ll(c, "wal_lsn");
    CHECK_EQ_INT(lsn1 - lsn0, NACCTS);

    static teller ts[NCLIENTS];
    static sampler sm;
    pthread_t th[NCLIENTS], sth;
    double deadline = clock_s() + secs;
    atomic_store(&tellers_running, NCLIENTS);
    memset(&sm, 0, sizeof(sm));
    sm.port = s->port;
    for (int i = 0; i < NCLIENTS; i++) {
        memset(&ts[i], 0, sizeof(ts[i]));
        ts[i].id = i;
        ts[i].port = s->port;
        ts[i].rng = next_rand(&rng) | 1;
        ts[i].deadline = deadline;
        pthread_create(&th[i], NULL, teller_main, &ts[i]);
    }
    pthread_create(&sth, NULL, sampler_main, &sm);
    long count[T_NKINDS] = {0};
    long long expect[NACCTS];
    for (int a = 0; a < NACCTS; a++) expect[a] = INITIAL;
    for (int i = 0; i < NCLIENTS; i++) {
        pthread_join(th[i], NULL);
        if (ts[i].err[0]) {
            fprintf(stderr, "invariant: %s\n", ts[i].err);
            tu_failures++;
        }
        for (int k = 0; k < T_NKINDS; k++) count[k] += ts[i].count[k];
        for (int a = 0; a < NACCTS; a++) expect[a] += ts[i].delta[a];
    }
    pthread_join(sth, NULL);
    if (sm.err[0]) {
        fprintf(stderr, "invariant: sampler: %s\n", sm.err);
        tu_failures++;
    }
    double took = clock_s() - deadline + secs;

    /* the end state: exactly the acknowledged transfers */
    static keylist k;
    shared_keys(&k);
    char e[256] = "";
    long long total = fcall_total(c, &k, e, sizeof(e));
    if (total != SHARED_TOTAL) {
        fprintf(stderr, "invariant: final FCALL_RO total is %lld, expected %lld %s\n", total,
                SHARED_TOTAL, e);
        tu_failures++;
    }
    long long vals[NACCTS], sum = 0;
    if (mget_all(c, &k, vals, e, sizeof(e)) != 0) {
        fprintf(stderr, "invariant: final MGET: %s\n", e);
        tu_failures++;
    } else {
        int wrong = 0;
        for (int a = 0; a < NACCTS; a++) {
            sum += vals[a];
            if (vals[a] < 0) {
                fprintf(stderr, "invariant: acct:%d is negative: %lld\n", a, vals[a]);
                tu_failures++;
            }
            if (vals[a] != expect[a] && wrong++ < 10) {
                fprintf(stderr, "invariant: acct:%d is %lld, the acknowledged transfers make it "
                        "%lld\n", a, vals[a], expect[a]);
                tu_failures++;
            }
        }
        if (sum != SHARED_TOTAL) {
            fprintf(stderr, "invariant: the GETs sum to %lld, expected %lld\n", sum,
                    SHARED_TOTAL);
            tu_failures++;
        }
    }
    /* one WAL record per successful transfer, none for a failed one */
    long long lsn2 = info_ll(c, "wal_lsn");
    if (lsn2 - lsn1 != count[T_OK]) {
        fprintf(stderr, "invariant: wal_lsn went from %lld to %lld (+%lld) for %ld successful "
                "transfers (and %ld insufficient funds, %ld bad amounts, %ld same-account "
                "errors, which must log nothing)\n", lsn1, lsn2, lsn2 - lsn1, count[T_OK],
                count[T_SHORT], count[T_BADAMOUNT], count[T_SAME]);
        tu_failures++;
    }
    CHECK_EQ_INT(info_ll(c, "wal_durable_lsn"), lsn2);
    redisFree(c);
    printf("invariant: %ld transfers, %ld insufficient funds, %ld bad amounts, %ld same-account "
           "in %.1f s; %ld consistent samples; wal_lsn %lld -> %lld -> %lld\n", count[T_OK],
           count[T_SHORT], count[T_BADAMOUNT], count[T_SAME], took, sm.samples, lsn0, lsn1,
           lsn2);
    fflush(stdout);
    if (count[T_OK] < 100 || count[T_SHORT] == 0) {
        fprintf(stderr, "invariant: too little happened (%ld transfers, %ld insufficient funds)\n",
                count[T_OK], count[T_SHORT]);
        tu_failures++;
    }

    /* a clean restart replays the log to the same balances and LSN, and
     * does not load the (unchanged) library file again */
    char dir[256];
    snprintf(dir, sizeof(dir), "%s", s->dir);
    srv_stop(s);
    const char *args[] = {"--functions-dir", scripts, "--appendonly", "yes", NULL};
    s = srv_start_in(dir, args);
    c = srv_connect(s);
    check_library(c, "invariant, after a restart");
    CHECK_EQ_INT(info_ll(c, "wal_lsn"), lsn2);
    long long again[NACCTS];
    if (mget_all(c, &k, again, e, sizeof(e)) != 0) {
        fprintf(stderr, "invariant: MGET after the restart: %s\n", e);
        tu_failures++;
    } else {
        int wrong = 0;
        for (int a = 0; a < NACCTS; a++)
            if (again[a] != expect[a] && wrong++ < 10) {
                fprintf(stderr, "invariant: after a restart acct:%d is %lld, expected %lld\n", a,
                        again[a], expect[a]);
                tu_failures++;
            }
    }
    redisFree(c);
    srv_stop(s);
    int loads = count_in_log(s->log, "Loaded function library file");
    if (loads != 1) {
        fprintf(stderr, "invariant: \"Loaded function library file\" %d times in %s, expected "
                "once (the restart has it from the log)\n", loads, s->log);
        tu_failures++;
    }
    printf("invariant: done in %.1f s\n", clock_s() - t0);
    fflush(stdout);
}

/* ----------------------------------------------------------- 2. crash */

typedef struct client {
    int id, port;
    uint64_t rng;
    long long a, b;      /* the acknowledged balances of p:<id>:a, p:<id>:b */
    int inflight;        /* a private transfer was sent, no reply came */
    int dir;             /* of it: 0 a -> b, 1 b -> a */
    long long amount;
    int shared_inflight; /* the same for a transfer between acct:* */
    long acked, shorts, shared;
    char err[512];
} client;

static atomic_int connected;
static atomic_long acks; /* writes acknowledged this cycle, all clients */

static void apply(long long *a, long long *b, int dir, long long amount) {
    long long *from = dir ? b : a, *to = dir ? a : b;
    if (*from < amount) return; /* insufficient funds: nothing */
    *from -= amount;
    *to += amount;
}

static void *client_main(void *arg) {
    client *w = arg;
    redisContext *c = thread_connect(w->port, w->err, sizeof(w->err));
    atomic_fetch_add(&connected, 1);
    if (!c) return NULL;
    for (;;) {
        if (rnd(&w->rng, 10) == 0) { /* a shared transfer */
            int from = (int)rnd(&w->rng, NACCTS), to = (int)rnd(&w->rng, NACCTS - 1);
            if (to >= from) to++;
            long long amount = 1 + rnd(&w->rng, 1500);
            w->shared_inflight = 1;
            redisReply *r = redisCommand(c, "FCALL transfer 2 acct:%d acct:%d %lld", from, to,
                                         amount);
            if (!r) {
                if (c->err != REDIS_ERR_IO && c->err != REDIS_ERR_EOF)
                    snprintf(w->err, sizeof(w->err), "client %d: FCALL transfer: %s", w->id,
                             c->errstr);
                break;
            }
            if (!(r->type == REDIS_REPLY_ERROR && !strcmp(r->str, "ERR insufficient funds")) &&
                !(r->type == REDIS_REPLY_ARRAY && r->elements == 2 &&
                  r->element[0]->type == REDIS_REPLY_INTEGER &&
                  r->element[1]->type == REDIS_REPLY_INTEGER && r->element[0]->integer >= 0 &&
                  r->element[1]->integer >= amount)) {
                char d[256];
                reply_describe(r, d, sizeof(d));
                snprintf(w->err, sizeof(w->err), "client %d: FCALL transfer 2 acct:%d acct:%d "
                         "%lld: unexpected reply %s", w->id, from, to, amount, d);
                freeReplyObject(r);
                break;
            }
            w->shared += r->type == REDIS_REPLY_ARRAY;
            w->shared_inflight = 0;
            freeReplyObject(r);
            continue;
        }
        int dir = (int)rnd(&w->rng, 2);
        long long from = dir ? w->b : w->a, to = dir ? w->a : w->b;
        /* mostly what is there, sometimes more (insufficient funds) */
        long long amount = rnd(&w->rng, 7) == 0 ? from + 1 + rnd(&w->rng, 100)
                                                : rnd(&w->rng, from + 1);
        w->dir = dir;
        w->amount = amount;
        w->inflight = 1;
        /* (hiredis's format has no %c) */
        char fk[32], tk[32];
        snprintf(fk, sizeof(fk), "p:%d:%c", w->id, dir ? 'b' : 'a');
        snprintf(tk, sizeof(tk), "p:%d:%c", w->id, dir ? 'a' : 'b');
        redisReply *r = redisCommand(c, "FCALL transfer 2 %s %s %lld", fk, tk, amount);
        if (!r) { /* the server is gone: this transfer stays in flight */
            if (c->err != REDIS_ERR_IO && c->err != REDIS_ERR_EOF)
                snprintf(w->err, sizeof(w->err), "client %d: FCALL transfer: %s", w->id,
                         c->errstr);
            break;
        }
        int ok = amount <= from
                 ? r->type == REDIS_REPLY_ARRAY && r->elements == 2 &&
                   r->element[0]->type == REDIS_REPLY_INTEGER &&
                   r->element[1]->type == REDIS_REPLY_INTEGER &&
                   r->element[0]->integer == from - amount && r->element[1]->integer == to + amount
                 : r->type == REDIS_REPLY_ERROR && !strcmp(r->str, "ERR insufficient funds");
        if (!ok) {
            char d[256];
            reply_describe(r, d, sizeof(d));
            snprintf(w->err, sizeof(w->err), "client %d: FCALL transfer 2 p:%d:%c p:%d:%c %lld "
                     "with a=%lld b=%lld: unexpected reply %s (expected %s{%lld,%lld})", w->id,
                     w->id, dir ? 'b' : 'a', w->id, dir ? 'a' : 'b', amount, w->a, w->b, d,
                     amount <= from ? "" : "-ERR insufficient funds, not ", from - amount,
                     to + amount);
            freeReplyObject(r);
            break;
        }
        freeReplyObject(r);
        apply(&w->a, &w->b, dir, amount);
        w->shorts += amount > from;
        w->inflight = 0;
        w->acked++;
        atomic_fetch_add(&acks, 1);
    }
    redisFree(c);
    return NULL;
}

static int inflight_applied;

/* After a restart: the library, the totals, every client's balances. */
static void verify(sb_server *s, client *cs, int cycle) {
    char when[64];
    snprintf(when, sizeof(when), "crash cycle %d, after the restart", cycle);
    redisContext *c = srv_connect(s);
    check_library(c, when);
    static keylist pk, sk;
    private_keys(&pk);
    shared_keys(&sk);
    char e[256] = "";
    long long want = (long long)NCLIENTS * 2 * INITIAL;
    long long total = fcall_total(c, &pk, e, sizeof(e));
    if (total != want) {
        fprintf(stderr, "%s: FCALL_RO total of the %d private accounts is %lld, expected %lld "
                "%s\n", when, 2 * NCLIENTS, total, want, e);
        tu_failures++;
    }
    long long vals[2 * NCLIENTS];
    if (mget_all(c, &pk, vals, e, sizeof(e)) != 0) {
        fprintf(stderr, "%s: MGET of the private accounts: %s\n", when, e);
        tu_failures++;
    } else {
        for (int i = 0; i < NCLIENTS; i++) {
            client *w = &cs[i];
            long long ga = vals[2 * i], gb = vals[2 * i + 1];
            int ok = ga == w->a && gb == w->b;
            long long na = w->a, nb = w->b;
            if (w->inflight) apply(&na, &nb, w->dir, w->amount);
            if (!ok && w->inflight && ga == na && gb == nb) {
                ok = 1;
                inflight_applied++;
            }
            if (!ok) {
                char fl[160] = "";
                if (w->inflight)
                    snprintf(fl, sizeof(fl), ", or a=%lld b=%lld after the transfer in flight "
                             "(%lld from %c to %c)", na, nb, w->amount, w->dir ? 'b' : 'a',
                             w->dir ? 'a' : 'b');
                fprintf(stderr, "%s: client %d: p:%d:a=%lld p:%d:b=%lld, expected the "
                        "acknowledged a=%lld b=%lld%s (%ld transfers acknowledged this "
                        "cycle)\n", when, i, i, ga, i, gb, w->a, w->b, fl, w->acked);
                tu_failures++;
            }
            /* follow the server: one loss is reported once */
            w->a = ga;
            w->b = gb;
            w->inflight = 0;
        }
    }
    total = fcall_total(c, &sk, e, sizeof(e));
    if (total != SHARED_TOTAL) {
        fprintf(stderr, "%s: FCALL_RO total of the shared accounts is %lld, expected %lld %s\n",
                when, total, SHARED_TOTAL, e);
        tu_failures++;
    }
    long long sv[NACCTS], sum = 0;
    if (mget_all(c, &sk, sv, e, sizeof(e)) != 0) {
        fprintf(stderr, "%s: MGET of the shared accounts: %s\n", when, e);
        tu_failures++;
    } else {
        for (int a = 0; a < NACCTS; a++) {
            sum += sv[a];
            if (sv[a] < 0) {
                fprintf(stderr, "%s: acct:%d is negative: %lld\n", when, a, sv[a]);
                tu_failures++;
            }
        }
        if (sum != SHARED_TOTAL) {
            fprintf(stderr, "%s: the shared accounts' GETs sum to %lld, expected %lld\n", when,
                    sum, SHARED_TOTAL);
            tu_failures++;
        }
    }
    redisFree(c);
}

static void test_crash(void) {
    double t0 = clock_s();
    int cycles = getenv("SB_CRASH_CYCLES") ? atoi(getenv("SB_CRASH_CYCLES")) : 4;
    printf("crash: %d clients, %d SIGKILL cycles\n", NCLIENTS, cycles);
    fflush(stdout);
    uint64_t rng = seed ^ 0x9e3779b97f4a7c15ull;
    const char *args[] = {"--functions-dir", scripts, "--appendonly", "yes", "--appendfsync",
                          "always", NULL};
    sb_server *s = srv_startv(args);
    char dir[256];
    snprintf(dir, sizeof(dir), "%s", s->dir);
    redisContext *c = srv_connect(s);
    check_library(c, "crash, start");
    static client cs[NCLIENTS];
    for (int i = 0; i < NCLIENTS; i++) {
        memset(&cs[i], 0, sizeof(cs[i]));
        cs[i].id = i;
        CHECK_INT(cmd(c, "FCALL deposit 1 p:%d:a %d", i, INITIAL), INITIAL);
        CHECK_INT(cmd(c, "FCALL deposit 1 p:%d:b %d", i, INITIAL), INITIAL);
        cs[i].a = cs[i].b = INITIAL;
    }
    for (int i = 0; i < NACCTS; i++) CHECK_INT(cmd(c, "FCALL deposit 1 acct:%d %d", i, INITIAL), INITIAL);
    redisFree(c);

    long total_acked = 0, total_inflight = 0, total_applied = 0;
    for (int cycle = 0; cycle < cycles && !tu_failures; cycle++) {
        atomic_store(&connected, 0);
        atomic_store(&acks, 0);
        pthread_t th[NCLIENTS];
        for (int i = 0; i < NCLIENTS; i++) {
            client *w = &cs[i];
            w->port = s->port;
            w->rng = next_rand(&rng) | 1;
            w->acked = w->shorts = w->shared = 0;
            w->inflight = w->shared_inflight = 0;
            w->err[0] = 0;
            pthread_create(&th[i], NULL, client_main, w);
        }
        while (atomic_load(&connected) < NCLIENTS) usleep(1000);
        /* the random delay counts from the first acknowledgement: a restart
         * and a slow first fsync must not leave a cycle without one */
        for (int i = 0; i < 10000 && !atomic_load(&acks); i++) usleep(1000);
        long delay_ms = 100 + (long)rnd(&rng, 600);
        if (cycle % 2 == 1) {
            /* a checkpoint under the load, maybe still running at the kill:
             * the restart then has checkpoint + WAL tail to replay on it */
            long before = (long)rnd(&rng, delay_ms);
            usleep((useconds_t)before * 1000);
            redisContext *bc = srv_connect(s);
            redisReply *r = cmd(bc, "BGSAVE");
            if (!r || r->type != REDIS_REPLY_STATUS || strncmp(r->str, "Background saving", 17)) {
                fprintf(stderr, "crash cycle %d: BGSAVE: %s\n", cycle, reply_str(r));
                tu_failures++;
            }
            if (r) freeReplyObject(r);
            redisFree(bc);
            usleep((useconds_t)(delay_ms - before) * 1000);
        } else {
            usleep((useconds_t)delay_ms * 1000);
        }
        srv_kill(s);
        long acked = 0, shorts = 0, shared = 0, inflight = 0;
        for (int i = 0; i < NCLIENTS; i++) {
            pthread_join(th[i], NULL);
            if (cs[i].err[0]) {
                fprintf(stderr, "crash cycle %d: %s\n", cycle, cs[i].err);
                tu_failures++;
            }
            acked += cs[i].acked;
            shorts += cs[i].shorts;
            shared += cs[i].shared;
            inflight += cs[i].inflight + cs[i].shared_inflight;
        }
        double r0 = clock_s();
        s = srv_start_in(dir, args);
        double restart = clock_s() - r0;
        inflight_applied = 0;
        verify(s, cs, cycle);
        total_acked += acked;
        total_inflight += inflight;
        total_applied += inflight_applied;
        printf("crash cycle %d: SIGKILL after %3ld ms: %5ld private transfers acknowledged (%ld "
               "of them insufficient funds), %ld shared ones, %ld in flight (%d private ones "
               "applied); restart %.2f s\n", cycle, delay_ms, acked, shorts, shared, inflight,
               inflight_applied, restart);
        fflush(stdout);
        if (acked == 0) {
            fprintf(stderr, "crash cycle %d: nothing was acknowledged in %ld ms\n", cycle,
                    delay_ms);
            tu_failures++;
        }
    }
    /* a clean stop keeps everything too (nothing is in flight now) */
    srv_stop(s);
    s = srv_start_in(dir, args);
    verify(s, cs, cycles);
    srv_stop(s);
    int loads = count_in_log(s->log, "Loaded function library file");
    int replaced = count_in_log(s->log, "differs from the live library");
    if (loads != 1 || replaced) {
        fprintf(stderr, "crash: the library file was loaded %d times and replaced %d times "
                "(see %s): expected one load, restarts having it from the log\n", loads,
                replaced, s->log);
        tu_failures++;
    }
    printf("crash: %ld acknowledged private transfers, %ld in flight at a kill (%ld applied), "
           "%d cycles in %.1f s\n", total_acked, total_inflight, total_applied, cycles,
           clock_s() - t0);
    fflush(stdout);
}

int main(int argc, char **argv) {
    const char *only = argc > 1 ? argv[1] : NULL;
    seed = getenv("SB_CRASH_SEED") ? strtoull(getenv("SB_CRASH_SEED"), NULL, 10)
                                   : (uint64_t)time(NULL) ^ ((uint64_t)getpid() << 20);
    if (!seed) seed = 1;
    printf("test_bank: seed=%llu (SB_CRASH_SEED to replay)\n", (unsigned long long)seed);
    fflush(stdout);
    find_scripts();
    if (!only || !strcmp(only, "invariant")) test_invariant();
    if (!tu_failures && (!only || !strcmp(only, "crash"))) test_crash();
    if (tu_failures) printf("seed was %llu\n", (unsigned long long)seed);
    TU_DONE();
}
