/* test_keys.c -- the generic key commands against a real server, with
 * Redis 7.0's exact replies and error strings (checked against
 * redis-server 7.0.15):
 *
 *   DEL UNLINK EXISTS TOUCH TYPE KEYS SCAN RANDOMKEY RENAME RENAMENX COPY
 *   MOVE SWAPDB SELECT DBSIZE FLUSHDB FLUSHALL EXPIRE PEXPIRE EXPIREAT
 *   PEXPIREAT TTL PTTL EXPIRETIME PEXPIRETIME PERSIST OBJECT, strongbox's
 *   DELSTRICT, lazy and active expiry, INFO keyspace / stats.
 *
 * The SCAN guarantee (every key present for the whole scan is returned at
 * least once) is checked on 20k keys while other keys are inserted and
 * deleted between the calls so that the table grows, shrinks and is in the
 * middle of incremental rehashing when SCAN runs.
 */
#include "harness.h"

#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <time.h>
#include <unistd.h>

/* ------------------------------------------------------------ helpers */

static void sleep_ms(int ms) { usleep((useconds_t)ms * 1000); }

/* An integer reply, or LLONG_MIN (and a failure) for anything else. */
static long long int_of(redisReply *r, const char *file, int line) {
    long long v = LLONG_MIN;
    if (r && r->type == REDIS_REPLY_INTEGER) {
        v = r->integer;
    } else {
        fprintf(stderr, "%s:%d: expected an integer, got %s\n", file, line,
                reply_str(r));
        tu_failures++;
    }
    if (r) freeReplyObject(r);
    return v;
}
#define INT_OF(r) int_of((r), __FILE__, __LINE__)

/* An integer reply in [lo, hi]. */
#define CHECK_INT_RANGE(r, lo, hi) do { long long _v = INT_OF(r); \
    if (_v < (long long)(lo) || _v > (long long)(hi)) { fprintf(stderr, \
    "%s:%d: %lld not in [%lld, %lld]\n", __FILE__, __LINE__, _v, \
    (long long)(lo), (long long)(hi)); tu_failures++; } } while (0)

typedef struct bkey {
    const char *p;
    size_t n;
} bkey;

static int bkey_cmp(const void *a, const void *b) {
    const bkey *x = a, *y = b;
    size_t n = x->n < y->n ? x->n : y->n;
    int c = memcmp(x->p, y->p, n);
    if (c) return c;
    return x->n < y->n ? -1 : x->n > y->n;
}

/* The reply is an array of bulk strings equal, as a multiset, to exp[0..n). */
static void check_keyset(const char *file, int line, redisReply *r,
                         const bkey *exp, size_t n) {
    int ok = r && r->type == REDIS_REPLY_ARRAY && r->elements == n;
    if (ok) {
        bkey *got = calloc(n + 1, sizeof(*got)), *want = calloc(n + 1, sizeof(*want));
        for (size_t i = 0; i < n; i++) {
            if (r->element[i]->type != REDIS_REPLY_STRING) ok = 0;
            got[i].p = r->element[i]->str;
            got[i].n = r->element[i]->len;
            want[i] = exp[i];
        }
        if (ok) {
            qsort(got, n, sizeof(*got), bkey_cmp);
            qsort(want, n, sizeof(*want), bkey_cmp);
            for (size_t i = 0; i < n && ok; i++) ok = bkey_cmp(&got[i], &want[i]) == 0;
        }
        free(got);
        free(want);
    }
    if (!ok) {
        fprintf(stderr, "%s:%d: expected %zu keys {", file, line, n);
        for (size_t i = 0; i < n; i++) fprintf(stderr, "%s\"%.*s\"", i ? "," : "", (int)exp[i].n, exp[i].p);
        fprintf(stderr, "}, got %s\n", reply_str(r));
        tu_failures++;
    }
    if (r) freeReplyObject(r);
}

/* CHECK_KEYS(reply, "k1", "k2", ...) for C-string keys; CHECK_NOKEYS for []. */
static void check_keys_v(const char *file, int line, redisReply *r, ...) {
    bkey exp[64];
    size_t n = 0;
    va_list ap;
    va_start(ap, r);
    for (const char *k; (k = va_arg(ap, const char *)) != NULL && n < 64;)
        exp[n++] = (bkey){k, strlen(k)};
    va_end(ap);
    check_keyset(file, line, r, exp, n);
}
#define CHECK_KEYS(r, ...) check_keys_v(__FILE__, __LINE__, (r), __VA_ARGS__, (const char *)NULL)
#define CHECK_NOKEYS(r) check_keys_v(__FILE__, __LINE__, (r), (const char *)NULL)

/* A SCAN reply: [cursor, [keys...]]. Returns the cursor (or 0 after a
 * failure) and hands the keys array to *keys (caller frees the reply). */
static int scan_ok(const char *file, int line, redisReply *r) {
    int ok = r && r->type == REDIS_REPLY_ARRAY && r->elements == 2 &&
             r->element[0]->type == REDIS_REPLY_STRING &&
             r->element[1]->type == REDIS_REPLY_ARRAY;
    if (!ok) {
        fprintf(stderr, "%s:%d: expected a SCAN reply, got %s\n", file, line, reply_str(r));
        tu_failures++;
    }
    return ok;
}

/* Full SCAN with extra arguments (e.g. "MATCH", "k*"), collecting the
 * distinct keys; checks the keys against exp (as a set). */
static void check_full_scan(const char *file, int line, redisContext *c,
                            const char **extra, int nextra, const bkey *exp, size_t n) {
    char cursor[32] = "0";
    bkey *got = NULL;
    size_t ngot = 0, cap = 0;
    redisReply **keep = NULL;
    size_t nkeep = 0;
    int calls = 0;
    do {
        const char *argv[16];
        int argc = 0;
        argv[argc++] = "SCAN";
        argv[argc++] = cursor;
        for (int i = 0; i < nextra && argc < 16; i++) argv[argc++] = extra[i];
        redisReply *r = redisCommandArgv(c, argc, argv, NULL);
        if (!scan_ok(file, line, r)) { if (r) freeReplyObject(r); break; }
        snprintf(cursor, sizeof(cursor), "%s", r->element[0]->str);
        for (size_t i = 0; i < r->element[1]->elements; i++) {
            if (ngot == cap) {
                cap = cap ? cap * 2 : 64;
                got = realloc(got, cap * sizeof(*got));
            }
            got[ngot++] = (bkey){r->element[1]->element[i]->str, r->element[1]->element[i]->len};
        }
        keep = realloc(keep, (nkeep + 1) * sizeof(*keep));
        keep[nkeep++] = r;
    } while (strcmp(cursor, "0") != 0 && ++calls < 100000);
    if (ngot) qsort(got, ngot, sizeof(*got), bkey_cmp);
    size_t u = 0; /* dedupe: SCAN may return a key more than once */
    for (size_t i = 0; i < ngot; i++)
        if (u == 0 || bkey_cmp(&got[u - 1], &got[i])) got[u++] = got[i];
    bkey *want = calloc(n + 1, sizeof(*want));
    if (n) memcpy(want, exp, n * sizeof(*want));
    qsort(want, n, sizeof(*want), bkey_cmp);
    int ok = u == n;
    for (size_t i = 0; ok && i < n; i++) ok = bkey_cmp(&got[i], &want[i]) == 0;
    if (!ok) {
        fprintf(stderr, "%s:%d: full SCAN returned %zu distinct keys, expected %zu:", file, line, u, n);
        for (size_t i = 0; i < u && i < 20; i++) fprintf(stderr, " \"%.*s\"", (int)got[i].n, got[i].p);
        fprintf(stderr, "\n");
        tu_failures++;
    }
    free(want);
    free(got);
    for (size_t i = 0; i < nkeep; i++) freeReplyObject(keep[i]);
    free(keep);
}

/* A field of INFO (e.g. "expired_keys") as an integer; -1 if absent. */
static long long info_ll(redisContext *c, const char *section, const char *field) {
    redisReply *r = cmd(c, "INFO %s", section);
    long long v = -1;
    if (r && r->type == REDIS_REPLY_STRING) {
        char pat[128];
        snprintf(pat, sizeof(pat), "\r\n%s:", field);
        const char *p = strstr(r->str, pat);
        if (p) v = strtoll(p + strlen(pat), NULL, 10);
    } else {
        fprintf(stderr, "INFO %s failed: %s\n", section, reply_str(r));
        tu_failures++;
    }
    if (r) freeReplyObject(r);
    return v;
}

/* The "dbN:..." line of INFO keyspace into out ("" if the db is absent). */
static void info_keyspace_line(redisContext *c, int db, char *out, size_t cap) {
    redisReply *r = cmd(c, "INFO keyspace");
    out[0] = '\0';
    if (r && r->type == REDIS_REPLY_STRING) {
        char pat[32];
        snprintf(pat, sizeof(pat), "\ndb%d:", db);
        const char *p = strstr(r->str, pat);
        if (p) {
            p++;
            size_t n = strcspn(p, "\r\n");
            if (n >= cap) n = cap - 1;
            memcpy(out, p, n);
            out[n] = '\0';
        }
    }
    if (r) freeReplyObject(r);
}

/* INFO keyspace says keys=K, expires=E for db, and avg_ttl in [0, max]. */
static void check_keyspace(const char *file, int line, redisContext *c, int db,
                           long long keys, long long expires, long long max_avg) {
    char got[256], prefix[96];
    info_keyspace_line(c, db, got, sizeof(got));
    if (keys == 0) {
        if (got[0]) {
            fprintf(stderr, "%s:%d: expected no db%d line, got \"%s\"\n", file, line, db, got);
            tu_failures++;
        }
        return;
    }
    int n = snprintf(prefix, sizeof(prefix), "db%d:keys=%lld,expires=%lld,avg_ttl=", db, keys, expires);
    char *end = NULL;
    long long avg = strncmp(got, prefix, (size_t)n) == 0 ? strtoll(got + n, &end, 10) : -1;
    if (avg < 0 || avg > max_avg || !end || *end != '\0' || end == got + n) {
        fprintf(stderr, "%s:%d: expected \"%s<0..%lld>\", got \"%s\"\n", file, line,
                prefix, max_avg, got);
        tu_failures++;
    }
}
#define CHECK_KEYSPACE(c, db, k, e, max) check_keyspace(__FILE__, __LINE__, (c), (db), (k), (e), (max))

/* Server time in ms (TIME). */
static long long server_ms(redisContext *c) {
    redisReply *r = cmd(c, "TIME");
    long long ms = 0;
    if (r && r->type == REDIS_REPLY_ARRAY && r->elements == 2)
        ms = strtoll(r->element[0]->str, NULL, 10) * 1000 +
             strtoll(r->element[1]->str, NULL, 10) / 1000;
    else { fprintf(stderr, "TIME failed: %s\n", reply_str(r)); tu_failures++; }
    if (r) freeReplyObject(r);
    return ms;
}

/* Pipelined "SET prefix<i> v" for i in [from, to) (optionally PX px). */
static void pipe_set(redisContext *c, const char *prefix, int from, int to, long px) {
    for (int i = from; i < to; i++) {
        if (px > 0) redisAppendCommand(c, "SET %s%d v PX %ld", prefix, i, px);
        else redisAppendCommand(c, "SET %s%d v", prefix, i);
    }
    for (int i = from; i < to; i++) {
        redisReply *r = NULL;
        if (redisGetReply(c, (void **)&r) != REDIS_OK || !r || r->type != REDIS_REPLY_STATUS) {
            fprintf(stderr, "pipelined SET failed: %s\n", reply_str(r));
            tu_failures++;
        }
        if (r) freeReplyObject(r);
    }
}

static void pipe_del(redisContext *c, const char *prefix, int from, int to) {
    for (int i = from; i < to; i++) redisAppendCommand(c, "DEL %s%d", prefix, i);
    for (int i = from; i < to; i++) {
        redisReply *r = NULL;
        if (redisGetReply(c, (void **)&r) != REDIS_OK || !r || r->type != REDIS_REPLY_INTEGER ||
            r->integer != 1) {
            fprintf(stderr, "pipelined DEL %s%d failed: %s\n", prefix, i, reply_str(r));
            tu_failures++;
        }
        if (r) freeReplyObject(r);
    }
}

#define WRONG_ARGS(name) "ERR wrong number of arguments for '" name "' command"

/* ------------------------------------------------------ arity errors */

static void t_arity(redisContext *c) {
    CHECK_ERROR(cmd(c, "DEL"), WRONG_ARGS("del"));
    CHECK_ERROR(cmd(c, "UNLINK"), WRONG_ARGS("unlink"));
    CHECK_ERROR(cmd(c, "DELSTRICT"), WRONG_ARGS("delstrict"));
    CHECK_ERROR(cmd(c, "EXISTS"), WRONG_ARGS("exists"));
    CHECK_ERROR(cmd(c, "TOUCH"), WRONG_ARGS("touch"));
    CHECK_ERROR(cmd(c, "TYPE"), WRONG_ARGS("type"));
    CHECK_ERROR(cmd(c, "TYPE a b"), WRONG_ARGS("type"));
    CHECK_ERROR(cmd(c, "KEYS"), WRONG_ARGS("keys"));
    CHECK_ERROR(cmd(c, "KEYS * x"), WRONG_ARGS("keys"));
    CHECK_ERROR(cmd(c, "SCAN"), WRONG_ARGS("scan"));
    CHECK_ERROR(cmd(c, "RANDOMKEY x"), WRONG_ARGS("randomkey"));
    CHECK_ERROR(cmd(c, "RENAME a"), WRONG_ARGS("rename"));
    CHECK_ERROR(cmd(c, "RENAME a b c"), WRONG_ARGS("rename"));
    CHECK_ERROR(cmd(c, "RENAMENX a"), WRONG_ARGS("renamenx"));
    CHECK_ERROR(cmd(c, "COPY a"), WRONG_ARGS("copy"));
    CHECK_ERROR(cmd(c, "MOVE a"), WRONG_ARGS("move"));
    CHECK_ERROR(cmd(c, "MOVE a 1 2"), WRONG_ARGS("move"));
    CHECK_ERROR(cmd(c, "SWAPDB 0"), WRONG_ARGS("swapdb"));
    CHECK_ERROR(cmd(c, "SWAPDB 0 1 2"), WRONG_ARGS("swapdb"));
    CHECK_ERROR(cmd(c, "DBSIZE x"), WRONG_ARGS("dbsize"));
    CHECK_ERROR(cmd(c, "SELECT"), WRONG_ARGS("select"));
    CHECK_ERROR(cmd(c, "EXPIRE a"), WRONG_ARGS("expire"));
    CHECK_ERROR(cmd(c, "PEXPIRE a"), WRONG_ARGS("pexpire"));
    CHECK_ERROR(cmd(c, "EXPIREAT a"), WRONG_ARGS("expireat"));
    CHECK_ERROR(cmd(c, "PEXPIREAT a"), WRONG_ARGS("pexpireat"));
    CHECK_ERROR(cmd(c, "TTL"), WRONG_ARGS("ttl"));
    CHECK_ERROR(cmd(c, "TTL a b"), WRONG_ARGS("ttl"));
    CHECK_ERROR(cmd(c, "PTTL"), WRONG_ARGS("pttl"));
    CHECK_ERROR(cmd(c, "EXPIRETIME"), WRONG_ARGS("expiretime"));
    CHECK_ERROR(cmd(c, "PEXPIRETIME a b"), WRONG_ARGS("pexpiretime"));
    CHECK_ERROR(cmd(c, "PERSIST"), WRONG_ARGS("persist"));
    CHECK_ERROR(cmd(c, "OBJECT"), WRONG_ARGS("object"));
    CHECK_ERROR(cmd(c, "OBJECT ENCODING"), WRONG_ARGS("object|encoding"));
    CHECK_ERROR(cmd(c, "OBJECT ENCODING a b"), WRONG_ARGS("object|encoding"));
    CHECK_ERROR(cmd(c, "OBJECT IDLETIME"), WRONG_ARGS("object|idletime"));
    CHECK_ERROR(cmd(c, "OBJECT HELP x"), WRONG_ARGS("object|help"));
}

/* ---------------------------------- DEL UNLINK EXISTS TOUCH TYPE */

static void t_del_exists(redisContext *c) {
    CHECK_STATUS(cmd(c, "FLUSHALL"), "OK");
    CHECK_STATUS(cmd(c, "MSET a 1 b 2"), "OK");
    CHECK_INT(cmd(c, "DEL a b c"), 2);
    CHECK_INT(cmd(c, "DEL a"), 0);
    CHECK_INT(cmd(c, "EXISTS a b"), 0);
    CHECK_STATUS(cmd(c, "SET a 1"), "OK");
    CHECK_INT(cmd(c, "DEL a a a"), 1);            /* deleted once, counted once */
    CHECK_NIL(cmd(c, "GET a"));

    CHECK_STATUS(cmd(c, "MSET a 1 b 2"), "OK");
    CHECK_INT(cmd(c, "UNLINK a b x"), 2);
    CHECK_INT(cmd(c, "UNLINK a a"), 0);
    CHECK_INT(cmd(c, "DBSIZE"), 0);

    /* EXISTS counts every argument, duplicates included */
    CHECK_STATUS(cmd(c, "SET a 1"), "OK");
    CHECK_INT(cmd(c, "EXISTS a"), 1);
    CHECK_INT(cmd(c, "EXISTS a a a x"), 3);
    CHECK_INT(cmd(c, "EXISTS x y"), 0);
    CHECK_INT(cmd(c, "TOUCH a a x"), 2);
    CHECK_INT(cmd(c, "TOUCH x"), 0);
    CHECK_STATUS(cmd(c, "TYPE a"), "string");
    CHECK_STATUS(cmd(c, "TYPE nokey"), "none");

    /* binary-safe key names: NUL, CR LF, spaces, empty */
    CHECK_STATUS(cmd(c, "SET %b v", "k\0\r\n x", (size_t)6), "OK");
    CHECK_STATUS(cmd(c, "SET %b empty", "", (size_t)0), "OK");
    CHECK_INT(cmd(c, "EXISTS %b %b %b", "k\0\r\n x", (size_t)6, "k", (size_t)1, "", (size_t)0), 2);
    CHECK_STATUS(cmd(c, "TYPE %b", "", (size_t)0), "string");
    CHECK_INT(cmd(c, "DEL %b %b", "k\0\r\n x", (size_t)6, "", (size_t)0), 2);
    CHECK_INT(cmd(c, "EXISTS %b", "", (size_t)0), 0);

    /* keyspace hits/misses like Redis: EXISTS, TYPE, TTL, TOUCH, OBJECT
     * and COPY's source count; DEL, RENAME, EXPIRE, DBSIZE, KEYS don't */
    long long h0 = info_ll(c, "stats", "keyspace_hits");
    long long m0 = info_ll(c, "stats", "keyspace_misses");
    CHECK_INT(cmd(c, "EXISTS a nokey"), 1);
    CHECK_STATUS(cmd(c, "TYPE a"), "string");
    CHECK_STATUS(cmd(c, "TYPE nokey"), "none");
    CHECK_INT(cmd(c, "TTL a"), -1);
    CHECK_INT(cmd(c, "PTTL nokey"), -2);
    CHECK_INT(cmd(c, "TOUCH a nokey"), 1);
    CHECK_BULK(cmd(c, "OBJECT ENCODING a"), "int");
    CHECK_NIL(cmd(c, "OBJECT ENCODING nokey"));
    CHECK_INT(cmd(c, "COPY a a2"), 1);
    CHECK_INT(cmd(c, "COPY nokey a3"), 0);
    CHECK(info_ll(c, "stats", "keyspace_hits") - h0 == 6);
    CHECK(info_ll(c, "stats", "keyspace_misses") - m0 == 6);
    h0 = info_ll(c, "stats", "keyspace_hits");
    m0 = info_ll(c, "stats", "keyspace_misses");
    CHECK_INT(cmd(c, "DEL a2 nokey"), 1);
    CHECK_STATUS(cmd(c, "RENAME a a4"), "OK");
    CHECK_INT(cmd(c, "EXPIRE a4 100"), 1);
    CHECK_INT(cmd(c, "PERSIST a4"), 1);
    CHECK_INT(cmd(c, "DBSIZE"), 1);
    CHECK_KEYS(cmd(c, "KEYS *"), "a4");
    CHECK(info_ll(c, "stats", "keyspace_hits") == h0);
    CHECK(info_ll(c, "stats", "keyspace_misses") == m0);
}

/* ------------------------------------------------------------- KEYS */

typedef struct glob_case {
    const char *pat;
    size_t plen;
    size_t n;
    bkey keys[24];
} glob_case;

/* Expected results recorded from redis-server 7.0.15 on the same keys
 * (bytes >= 0x80 compare as signed chars, as in Redis's stringmatchlen). */
static const glob_case glob_cases[] = {
    {"*", 1, 23, {{"", 0}, {"-", 1}, {"Hello", 5}, {"[", 1}, {"]", 1}, {"^", 1}, {"a", 1}, {"a\x00""b", 3}, {"a-b", 3}, {"ab", 2}, {"b", 1}, {"c", 1}, {"h*llo", 5}, {"h?llo", 5}, {"h[a]llo", 7}, {"h\\llo", 5}, {"hallo", 5}, {"heeello", 7}, {"hello", 5}, {"hllo", 4}, {"hxllo", 5}, {"z", 1}, {"\xc3""\xa9""", 2}}},
    {"**", 2, 22, {{"-", 1}, {"Hello", 5}, {"[", 1}, {"]", 1}, {"^", 1}, {"a", 1}, {"a\x00""b", 3}, {"a-b", 3}, {"ab", 2}, {"b", 1}, {"c", 1}, {"h*llo", 5}, {"h?llo", 5}, {"h[a]llo", 7}, {"h\\llo", 5}, {"hallo", 5}, {"heeello", 7}, {"hello", 5}, {"hllo", 4}, {"hxllo", 5}, {"z", 1}, {"\xc3""\xa9""", 2}}},
    {"?", 1, 8, {{"-", 1}, {"[", 1}, {"]", 1}, {"^", 1}, {"a", 1}, {"b", 1}, {"c", 1}, {"z", 1}}},
    {"*?", 2, 22, {{"-", 1}, {"Hello", 5}, {"[", 1}, {"]", 1}, {"^", 1}, {"a", 1}, {"a\x00""b", 3}, {"a-b", 3}, {"ab", 2}, {"b", 1}, {"c", 1}, {"h*llo", 5}, {"h?llo", 5}, {"h[a]llo", 7}, {"h\\llo", 5}, {"hallo", 5}, {"heeello", 7}, {"hello", 5}, {"hllo", 4}, {"hxllo", 5}, {"z", 1}, {"\xc3""\xa9""", 2}}},
    {"h?llo", 5, 6, {{"h*llo", 5}, {"h?llo", 5}, {"h\\llo", 5}, {"hallo", 5}, {"hello", 5}, {"hxllo", 5}}},
    {"h*llo", 5, 9, {{"h*llo", 5}, {"h?llo", 5}, {"h[a]llo", 7}, {"h\\llo", 5}, {"hallo", 5}, {"heeello", 7}, {"hello", 5}, {"hllo", 4}, {"hxllo", 5}}},
    {"h[ae]llo", 8, 2, {{"hallo", 5}, {"hello", 5}}},
    {"h[^e]llo", 8, 5, {{"h*llo", 5}, {"h?llo", 5}, {"h\\llo", 5}, {"hallo", 5}, {"hxllo", 5}}},
    {"h[a-b]llo", 9, 1, {{"hallo", 5}}},
    {"h[b-a]llo", 9, 1, {{"hallo", 5}}},
    {"h\\*llo", 6, 1, {{"h*llo", 5}}},
    {"h\\?llo", 6, 1, {{"h?llo", 5}}},
    {"h\\[a]llo", 8, 1, {{"h[a]llo", 7}}},
    {"h\\\\llo", 6, 1, {{"h\\llo", 5}}},
    {"[]", 2, 0, {}},
    {"[]]", 3, 0, {}},
    {"[^]", 3, 8, {{"-", 1}, {"[", 1}, {"]", 1}, {"^", 1}, {"a", 1}, {"b", 1}, {"c", 1}, {"z", 1}}},
    {"[^a]", 4, 7, {{"-", 1}, {"[", 1}, {"]", 1}, {"^", 1}, {"b", 1}, {"c", 1}, {"z", 1}}},
    {"[", 1, 0, {}},
    {"\\[", 2, 1, {{"[", 1}}},
    {"[a-", 3, 2, {{"-", 1}, {"a", 1}}},
    {"[a-]", 4, 3, {{"]", 1}, {"^", 1}, {"a", 1}}},
    {"[-]", 3, 1, {{"-", 1}}},
    {"[\\]]", 4, 1, {{"]", 1}}},
    {"[\\-]", 4, 1, {{"-", 1}}},
    {"\\", 1, 0, {}},
    {"a\\", 2, 0, {}},
    {"[[]", 3, 1, {{"[", 1}}},
    {"[^^]", 4, 7, {{"-", 1}, {"[", 1}, {"]", 1}, {"a", 1}, {"b", 1}, {"c", 1}, {"z", 1}}},
    {"[a-c]", 5, 3, {{"a", 1}, {"b", 1}, {"c", 1}}},
    {"[!a]", 4, 1, {{"a", 1}}},
    {"HELLO", 5, 0, {}},
    {"hello", 5, 1, {{"hello", 5}}},
    {"h*", 2, 9, {{"h*llo", 5}, {"h?llo", 5}, {"h[a]llo", 7}, {"h\\llo", 5}, {"hallo", 5}, {"heeello", 7}, {"hello", 5}, {"hllo", 4}, {"hxllo", 5}}},
    {"*o", 2, 10, {{"Hello", 5}, {"h*llo", 5}, {"h?llo", 5}, {"h[a]llo", 7}, {"h\\llo", 5}, {"hallo", 5}, {"heeello", 7}, {"hello", 5}, {"hllo", 4}, {"hxllo", 5}}},
    {"*a*b*", 5, 3, {{"a\x00""b", 3}, {"a-b", 3}, {"ab", 2}}},
    {"", 0, 1, {{"", 0}}},
    {"[a", 2, 1, {{"a", 1}}},
    {"a[b", 3, 1, {{"ab", 2}}},
    {"a[]", 3, 0, {}},
    {"[a-b-c]", 7, 4, {{"-", 1}, {"a", 1}, {"b", 1}, {"c", 1}}},
    {"[^a-y]", 6, 5, {{"-", 1}, {"[", 1}, {"]", 1}, {"^", 1}, {"z", 1}}},
    {"a[-]b", 5, 1, {{"a-b", 3}}},
    {"a?b", 3, 2, {{"a\x00""b", 3}, {"a-b", 3}}},
    {"h[a\\]llo", 8, 0, {}},
    {"*\xa9""", 2, 1, {{"\xc3""\xa9""", 2}}},
    {"[\x80""-\xff""]*", 6, 1, {{"\xc3""\xa9""", 2}}},
    {"[a-\xff""]", 5, 5, {{"-", 1}, {"[", 1}, {"]", 1}, {"^", 1}, {"a", 1}}},
    {"a*b", 3, 3, {{"a\x00""b", 3}, {"a-b", 3}, {"ab", 2}}},
    {"*[^a-z]*", 8, 12, {{"-", 1}, {"Hello", 5}, {"[", 1}, {"]", 1}, {"^", 1}, {"a\x00""b", 3}, {"a-b", 3}, {"h*llo", 5}, {"h?llo", 5}, {"h[a]llo", 7}, {"h\\llo", 5}, {"\xc3""\xa9""", 2}}},
    {"h**llo", 6, 9, {{"h*llo", 5}, {"h?llo", 5}, {"h[a]llo", 7}, {"h\\llo", 5}, {"hallo", 5}, {"heeello", 7}, {"hello", 5}, {"hllo", 4}, {"hxllo", 5}}},
    {"***", 3, 22, {{"-", 1}, {"Hello", 5}, {"[", 1}, {"]", 1}, {"^", 1}, {"a", 1}, {"a\x00""b", 3}, {"a-b", 3}, {"ab", 2}, {"b", 1}, {"c", 1}, {"h*llo", 5}, {"h?llo", 5}, {"h[a]llo", 7}, {"h\\llo", 5}, {"hallo", 5}, {"heeello", 7}, {"hello", 5}, {"hllo", 4}, {"hxllo", 5}, {"z", 1}, {"\xc3""\xa9""", 2}}},
};

static void t_keys(redisContext *c) {
    static const bkey all[] = {
        {"hello", 5}, {"hallo", 5}, {"hxllo", 5}, {"hllo", 4}, {"heeello", 7},
        {"h*llo", 5}, {"h?llo", 5}, {"h[a]llo", 7}, {"h\\llo", 5}, {"a", 1},
        {"b", 1}, {"c", 1}, {"]", 1}, {"-", 1}, {"^", 1}, {"[", 1}, {"Hello", 5},
        {"", 0}, {"ab", 2}, {"a-b", 3}, {"z", 1}, {"\xc3\xa9", 2}, {"a\0b", 3}};
    size_t nall = sizeof(all) / sizeof(all[0]);
    CHECK_STATUS(cmd(c, "FLUSHDB"), "OK");
    CHECK_NOKEYS(cmd(c, "KEYS *"));
    for (size_t i = 0; i < nall; i++)
        CHECK_STATUS(cmd(c, "SET %b 1", all[i].p, all[i].n), "OK");
    CHECK_INT(cmd(c, "DBSIZE"), (long long)nall);
    for (size_t i = 0; i < sizeof(glob_cases) / sizeof(glob_cases[0]); i++) {
        const glob_case *g = &glob_cases[i];
        redisReply *r = cmd(c, "KEYS %b", g->pat, g->plen);
        check_keyset(__FILE__, __LINE__, r, g->keys, g->n);
        /* SCAN MATCH uses the same matcher */
        const char *extra[] = {"MATCH", g->pat, "COUNT", "7"};
        char patbuf[64];
        if (g->plen < sizeof(patbuf) && !memchr(g->pat, '\0', g->plen)) {
            memcpy(patbuf, g->pat, g->plen);
            patbuf[g->plen] = '\0';
            extra[1] = patbuf;
            check_full_scan(__FILE__, __LINE__, c, extra, 4, g->keys, g->n);
        }
    }
    /* KEYS skips expired keys (not deleted yet: active expiry is off) */
    CHECK_STATUS(cmd(c, "DEBUG SET-ACTIVE-EXPIRE 0"), "OK");
    CHECK_STATUS(cmd(c, "SET hidden 1 PX 1"), "OK");
    sleep_ms(10);
    CHECK_NOKEYS(cmd(c, "KEYS hid*"));
    CHECK_NOKEYS(cmd(c, "KEYS hidden"));
    CHECK_STATUS(cmd(c, "DEBUG SET-ACTIVE-EXPIRE 1"), "OK");
    CHECK_STATUS(cmd(c, "FLUSHDB"), "OK");
}

/* ------------------------------------------------------------- SCAN */

static void t_scan_basic(redisContext *c) {
    CHECK_STATUS(cmd(c, "FLUSHDB"), "OK");
    redisReply *r = cmd(c, "SCAN 0");
    if (scan_ok(__FILE__, __LINE__, r)) {
        CHECK(strcmp(r->element[0]->str, "0") == 0);
        CHECK(r->element[1]->elements == 0);
    }
    if (r) freeReplyObject(r);

    /* cursor parsing is strtoul's: sign and leading zeros allowed, spaces
     * and trailing garbage not, overflow not */
    CHECK_ERROR(cmd(c, "SCAN abc"), "ERR invalid cursor");
    CHECK_ERROR(cmd(c, "SCAN 1.5"), "ERR invalid cursor");
    CHECK_ERROR(cmd(c, "SCAN %s", " 0"), "ERR invalid cursor");
    CHECK_ERROR(cmd(c, "SCAN %s", "0 "), "ERR invalid cursor");
    CHECK_ERROR(cmd(c, "SCAN 0x1"), "ERR invalid cursor");
    CHECK_ERROR(cmd(c, "SCAN -"), "ERR invalid cursor");
    CHECK_ERROR(cmd(c, "SCAN 18446744073709551616"), "ERR invalid cursor");
    CHECK_ERROR(cmd(c, "SCAN -18446744073709551616"), "ERR invalid cursor");

    CHECK_STATUS(cmd(c, "SET one 1"), "OK");
    const char *ok_cursors[] = {"", "00", "+0", "-0", "000000000000000000000000000000"};
    for (size_t i = 0; i < sizeof(ok_cursors) / sizeof(ok_cursors[0]); i++) {
        r = cmd(c, "SCAN %s", ok_cursors[i]);
        if (scan_ok(__FILE__, __LINE__, r)) {
            CHECK(strcmp(r->element[0]->str, "0") == 0);
            CHECK(r->element[1]->elements == 1);
        }
        if (r) freeReplyObject(r);
    }
    /* huge and "negative" (wrapped) cursors are valid too */
    const char *big[] = {"18446744073709551615", "-1", "+18446744073709551615"};
    for (size_t i = 0; i < 3; i++) {
        r = cmd(c, "SCAN %s", big[i]);
        if (scan_ok(__FILE__, __LINE__, r)) CHECK(strcmp(r->element[0]->str, "0") == 0);
        if (r) freeReplyObject(r);
    }

    /* options */
    CHECK_ERROR(cmd(c, "SCAN 0 COUNT 0"), "ERR syntax error");
    CHECK_ERROR(cmd(c, "SCAN 0 COUNT -1"), "ERR syntax error");
    CHECK_ERROR(cmd(c, "SCAN 0 COUNT abc"), "ERR value is not an integer or out of range");
    CHECK_ERROR(cmd(c, "SCAN 0 COUNT 9223372036854775808"), "ERR value is not an integer or out of range");
    CHECK_ERROR(cmd(c, "SCAN 0 COUNT"), "ERR syntax error");
    CHECK_ERROR(cmd(c, "SCAN 0 MATCH"), "ERR syntax error");
    CHECK_ERROR(cmd(c, "SCAN 0 TYPE"), "ERR syntax error");
    CHECK_ERROR(cmd(c, "SCAN 0 FOO bar"), "ERR syntax error");
    CHECK_ERROR(cmd(c, "SCAN 0 MATCH * COUNT"), "ERR syntax error");
    CHECK_ERROR(cmd(c, "SCAN abc COUNT 0"), "ERR invalid cursor");

    /* 100 keys k:0..k:99 plus "one" */
    pipe_set(c, "k:", 0, 100, 0);
    bkey all[101], ones[11];
    char names[100][8];
    size_t nones = 0;
    for (int i = 0; i < 100; i++) {
        snprintf(names[i], sizeof(names[i]), "k:%d", i);
        all[i] = (bkey){names[i], strlen(names[i])};
        if (names[i][2] == '1') ones[nones++] = all[i];
    }
    all[100] = (bkey){"one", 3};
    check_full_scan(__FILE__, __LINE__, c, NULL, 0, all, 101);
    const char *o1[] = {"COUNT", "1"};
    check_full_scan(__FILE__, __LINE__, c, o1, 2, all, 101);
    const char *o2[] = {"MATCH", "k:1*", "COUNT", "3"};
    check_full_scan(__FILE__, __LINE__, c, o2, 4, ones, nones);
    const char *o3[] = {"TYPE", "string"};
    check_full_scan(__FILE__, __LINE__, c, o3, 2, all, 101);
    const char *o4[] = {"TYPE", "STRING", "MATCH", "o*"};
    check_full_scan(__FILE__, __LINE__, c, o4, 4, &all[100], 1);
    const char *o5[] = {"TYPE", "hash"};          /* no such values: none */
    check_full_scan(__FILE__, __LINE__, c, o5, 2, NULL, 0);
    const char *o6[] = {"TYPE", "nosuchtype"};    /* 7.0: no error, nothing */
    check_full_scan(__FILE__, __LINE__, c, o6, 2, NULL, 0);
    const char *o7[] = {"MATCH", "x*", "MATCH", "one"}; /* the last one wins */
    check_full_scan(__FILE__, __LINE__, c, o7, 4, &all[100], 1);
    const char *o8[] = {"MATCH", "*"};
    check_full_scan(__FILE__, __LINE__, c, o8, 2, all, 101);

    /* a COUNT larger than the table finishes in one call */
    r = cmd(c, "SCAN 0 COUNT 1000");
    if (scan_ok(__FILE__, __LINE__, r)) {
        CHECK(strcmp(r->element[0]->str, "0") == 0);
        CHECK_EQ_INT(r->element[1]->elements, 101);
    }
    if (r) freeReplyObject(r);
    CHECK_STATUS(cmd(c, "FLUSHDB"), "OK");
}

/* Every key present for the whole scan is returned at least once, while
 * other keys are inserted and deleted between calls: the table doubles
 * several times (20k -> 140k keys), shrinks back (140k -> 20k keys, under
 * 10% fill) and is mid-rehash during many calls. */
static void t_scan_guarantee(redisContext *c) {
    enum { STABLE = 20000, TMP_BATCH = 2000, TMP_ROUNDS = 60 };
    CHECK_STATUS(cmd(c, "FLUSHDB"), "OK");
    pipe_set(c, "s:", 0, STABLE, 0);
    CHECK_INT(cmd(c, "DBSIZE"), STABLE);

    unsigned char *seen = calloc(STABLE, 1);
    char cursor[32] = "0";
    int calls = 0, tmp_next = 0, tmp_del = 0, phase = 0, bad = 0;
    long long others = 0;
    do {
        redisReply *r = cmd(c, "SCAN %s COUNT 50", cursor);
        if (!scan_ok(__FILE__, __LINE__, r)) { if (r) freeReplyObject(r); break; }
        snprintf(cursor, sizeof(cursor), "%s", r->element[0]->str);
        for (size_t i = 0; i < r->element[1]->elements; i++) {
            const redisReply *k = r->element[1]->element[i];
            if (k->len > 2 && memcmp(k->str, "s:", 2) == 0) {
                long idx = strtol(k->str + 2, NULL, 10);
                if (idx >= 0 && idx < STABLE) seen[idx] = 1;
                else bad++;
            } else if (k->len > 2 && memcmp(k->str, "t:", 2) == 0) {
                others++;
            } else {
                bad++;
            }
        }
        freeReplyObject(r);
        calls++;
        /* churn between calls: grow, then shrink, then small mixed steps */
        if (phase == 0) {
            pipe_set(c, "t:", tmp_next, tmp_next + TMP_BATCH, 0);
            tmp_next += TMP_BATCH;
            if (tmp_next >= TMP_BATCH * TMP_ROUNDS) phase = 1;
        } else if (phase == 1) {
            pipe_del(c, "t:", tmp_del, tmp_del + TMP_BATCH);
            tmp_del += TMP_BATCH;
            if (tmp_del >= tmp_next) phase = 2;
        } else if (phase == 2) {
            pipe_set(c, "t:", tmp_next, tmp_next + 300, 0);
            pipe_del(c, "t:", tmp_del, tmp_del + 300);
            tmp_next += 300;
            tmp_del += 300;
        }
    } while (strcmp(cursor, "0") != 0 && calls < 200000);
    CHECK(strcmp(cursor, "0") == 0);
    CHECK(phase == 2); /* the whole grow/shrink cycle happened mid-scan */
    CHECK_EQ_INT(bad, 0);
    size_t missing = 0;
    for (int i = 0; i < STABLE; i++) missing += !seen[i];
    if (missing) fprintf(stderr, "SCAN missed %zu of %d stable keys (%d calls)\n",
                         missing, STABLE, calls);
    CHECK_EQ_INT(missing, 0);
    CHECK(others > 0);
    free(seen);
    CHECK_STATUS(cmd(c, "FLUSHDB"), "OK");
}

/* -------------------------------------------------------- RANDOMKEY */

static void t_randomkey(redisContext *c) {
    CHECK_STATUS(cmd(c, "FLUSHDB"), "OK");
    CHECK_NIL(cmd(c, "RANDOMKEY"));
    CHECK_STATUS(cmd(c, "SET only 1"), "OK");
    for (int i = 0; i < 5; i++) CHECK_BULK(cmd(c, "RANDOMKEY"), "only");
    CHECK_STATUS(cmd(c, "SET %b 1", "", (size_t)0), "OK");
    CHECK_INT(cmd(c, "DEL only"), 1);
    CHECK_BULK(cmd(c, "RANDOMKEY"), "");

    /* many expired keys and one live key: expired picks are deleted and
     * the live key is always found (Redis's dbRandomKey) */
    CHECK_STATUS(cmd(c, "FLUSHDB"), "OK");
    CHECK_STATUS(cmd(c, "DEBUG SET-ACTIVE-EXPIRE 0"), "OK");
    pipe_set(c, "dead:", 0, 500, 1);
    CHECK_STATUS(cmd(c, "SET live 1"), "OK");
    sleep_ms(20);
    CHECK_BULK(cmd(c, "RANDOMKEY"), "live");
    CHECK_BULK(cmd(c, "RANDOMKEY"), "live");
    CHECK_INT(cmd(c, "DEL live"), 1);
    CHECK_NIL(cmd(c, "RANDOMKEY"));  /* only expired keys left: nil */
    CHECK_INT(cmd(c, "DBSIZE"), 0);  /* ... and they were all deleted */
    CHECK_STATUS(cmd(c, "DEBUG SET-ACTIVE-EXPIRE 1"), "OK");
}

/* -------------------------------------------------- RENAME RENAMENX */

static void t_rename(redisContext *c) {
    CHECK_STATUS(cmd(c, "FLUSHDB"), "OK");
    CHECK_ERROR(cmd(c, "RENAME nokey x"), "ERR no such key");
    CHECK_ERROR(cmd(c, "RENAMENX nokey x"), "ERR no such key");
    CHECK_ERROR(cmd(c, "RENAME nokey nokey"), "ERR no such key");
    CHECK_ERROR(cmd(c, "RENAMENX nokey nokey"), "ERR no such key");
    CHECK_INT(cmd(c, "EXISTS x nokey"), 0);

    CHECK_STATUS(cmd(c, "SET a va EX 100"), "OK");
    CHECK_STATUS(cmd(c, "RENAME a a"), "OK");     /* same name: no-op */
    CHECK_INT(cmd(c, "RENAMENX a a"), 0);
    CHECK_BULK(cmd(c, "GET a"), "va");
    CHECK_INT_RANGE(cmd(c, "TTL a"), 99, 100);

    /* the TTL travels with the value; the destination's old TTL is gone */
    CHECK_STATUS(cmd(c, "SET b vb"), "OK");
    CHECK_STATUS(cmd(c, "RENAME a b"), "OK");
    CHECK_INT(cmd(c, "EXISTS a"), 0);
    CHECK_BULK(cmd(c, "GET b"), "va");
    CHECK_INT_RANGE(cmd(c, "TTL b"), 99, 100);
    CHECK_STATUS(cmd(c, "SET c vc"), "OK");
    CHECK_STATUS(cmd(c, "RENAME c b"), "OK");
    CHECK_BULK(cmd(c, "GET b"), "vc");
    CHECK_INT(cmd(c, "TTL b"), -1);
    CHECK_INT(cmd(c, "DBSIZE"), 1);

    CHECK_STATUS(cmd(c, "SET d vd PX 50000"), "OK");
    CHECK_INT(cmd(c, "RENAMENX d b"), 0);         /* destination exists */
    CHECK_BULK(cmd(c, "GET d"), "vd");
    CHECK_BULK(cmd(c, "GET b"), "vc");
    CHECK_INT(cmd(c, "RENAMENX d e"), 1);
    CHECK_INT(cmd(c, "EXISTS d"), 0);
    CHECK_BULK(cmd(c, "GET e"), "vd");
    CHECK_INT_RANGE(cmd(c, "PTTL e"), 49000, 50000);

    /* binary names */
    CHECK_STATUS(cmd(c, "RENAME e %b", "n\0m", (size_t)3), "OK");
    CHECK_BULK(cmd(c, "GET %b", "n\0m", (size_t)3), "vd");
    CHECK_INT(cmd(c, "EXISTS n"), 0);

    /* an expired source is missing */
    CHECK_STATUS(cmd(c, "SET gone 1 PX 1"), "OK");
    sleep_ms(5);
    CHECK_ERROR(cmd(c, "RENAME gone x"), "ERR no such key");
    CHECK_ERROR(cmd(c, "RENAMENX gone x"), "ERR no such key");
    /* an expired destination does not block RENAMENX */
    CHECK_STATUS(cmd(c, "SET dst 1 PX 1"), "OK");
    CHECK_STATUS(cmd(c, "SET src 2"), "OK");
    sleep_ms(5);
    CHECK_INT(cmd(c, "RENAMENX src dst"), 1);
    CHECK_BULK(cmd(c, "GET dst"), "2");
    CHECK_INT(cmd(c, "TTL dst"), -1);
}

/* ------------------------------------------------------------- COPY */

static void t_copy(redisContext *c) {
    CHECK_STATUS(cmd(c, "FLUSHALL"), "OK");
    CHECK_STATUS(cmd(c, "SET src hello EX 1000"), "OK");
    CHECK_ERROR(cmd(c, "COPY src src"), "ERR source and destination objects are the same");
    CHECK_ERROR(cmd(c, "COPY nokey nokey"), "ERR source and destination objects are the same");
    CHECK_ERROR(cmd(c, "COPY src src DB 0"), "ERR source and destination objects are the same");
    CHECK_ERROR(cmd(c, "COPY src dst DB"), "ERR syntax error");
    CHECK_ERROR(cmd(c, "COPY src dst FOO"), "ERR syntax error");
    CHECK_ERROR(cmd(c, "COPY src dst DB 16"), "ERR DB index is out of range");
    CHECK_ERROR(cmd(c, "COPY src dst DB -1"), "ERR DB index is out of range");
    CHECK_ERROR(cmd(c, "COPY nokey dst DB 99"), "ERR DB index is out of range");
    CHECK_ERROR(cmd(c, "COPY src dst DB abc"), "ERR value is not an integer or out of range");
    CHECK_ERROR(cmd(c, "COPY src dst DB 2147483648"),
                "ERR value is out of range, value must between -2147483648 and 2147483647");
    CHECK_ERROR(cmd(c, "COPY src dst DB 4294967296"),
                "ERR value is out of range, value must between -2147483648 and 2147483647");
    CHECK_INT(cmd(c, "EXISTS dst"), 0);

    CHECK_INT(cmd(c, "COPY nokey dst"), 0);
    CHECK_INT(cmd(c, "COPY src dst"), 1);
    CHECK_BULK(cmd(c, "GET dst"), "hello");
    CHECK_INT_RANGE(cmd(c, "TTL dst"), 999, 1000);  /* the TTL is copied */
    CHECK_BULK(cmd(c, "GET src"), "hello");
    /* an independent copy */
    CHECK_INT(cmd(c, "APPEND dst !"), 6);
    CHECK_BULK(cmd(c, "GET src"), "hello");
    CHECK_INT(cmd(c, "COPY src dst"), 0);           /* exists, no REPLACE */
    CHECK_BULK(cmd(c, "GET dst"), "hello!");
    CHECK_INT(cmd(c, "COPY src dst REPLACE"), 1);
    CHECK_BULK(cmd(c, "GET dst"), "hello");
    CHECK_INT(cmd(c, "COPY src dst replace REPLACE"), 1);

    /* REPLACE with a source without TTL clears the destination's TTL */
    CHECK_STATUS(cmd(c, "SET plain p"), "OK");
    CHECK_INT(cmd(c, "COPY plain dst REPLACE"), 1);
    CHECK_INT(cmd(c, "TTL dst"), -1);

    /* other db: same name allowed */
    CHECK_INT(cmd(c, "COPY src src DB 1"), 1);
    CHECK_STATUS(cmd(c, "SELECT 1"), "OK");
    CHECK_BULK(cmd(c, "GET src"), "hello");
    CHECK_INT_RANGE(cmd(c, "TTL src"), 999, 1000);
    CHECK_STATUS(cmd(c, "SET other x"), "OK");
    CHECK_STATUS(cmd(c, "SELECT 0"), "OK");
    CHECK_INT(cmd(c, "COPY plain other DB 1"), 0);
    CHECK_INT(cmd(c, "COPY plain other db 1 replace"), 1);
    CHECK_STATUS(cmd(c, "SELECT 1"), "OK");
    CHECK_BULK(cmd(c, "GET other"), "p");
    CHECK_INT(cmd(c, "DBSIZE"), 2);
    CHECK_STATUS(cmd(c, "SELECT 0"), "OK");
    CHECK_INT(cmd(c, "EXISTS other"), 0);
    CHECK_INT(cmd(c, "DBSIZE"), 3);

    /* an expired source copies nothing */
    CHECK_STATUS(cmd(c, "SET gone 1 PX 1"), "OK");
    sleep_ms(5);
    CHECK_INT(cmd(c, "COPY gone g2"), 0);
    CHECK_INT(cmd(c, "EXISTS g2"), 0);
    CHECK_STATUS(cmd(c, "FLUSHALL"), "OK");
}

/* ------------------------------------------------------------- MOVE */

static void t_move(redisContext *c) {
    CHECK_STATUS(cmd(c, "FLUSHALL"), "OK");
    CHECK_STATUS(cmd(c, "SET a va EX 500"), "OK");
    CHECK_ERROR(cmd(c, "MOVE a 0"), "ERR source and destination objects are the same");
    CHECK_ERROR(cmd(c, "MOVE nokey 0"), "ERR source and destination objects are the same");
    CHECK_ERROR(cmd(c, "MOVE a 16"), "ERR DB index is out of range");
    CHECK_ERROR(cmd(c, "MOVE a -1"), "ERR DB index is out of range");
    CHECK_ERROR(cmd(c, "MOVE a abc"), "ERR value is not an integer or out of range");
    CHECK_ERROR(cmd(c, "MOVE a 2147483648"),
                "ERR value is out of range, value must between -2147483648 and 2147483647");
    CHECK_INT(cmd(c, "MOVE nokey 1"), 0);

    CHECK_INT(cmd(c, "MOVE a 2"), 1);
    CHECK_INT(cmd(c, "EXISTS a"), 0);
    CHECK_STATUS(cmd(c, "SELECT 2"), "OK");
    CHECK_BULK(cmd(c, "GET a"), "va");
    CHECK_INT_RANGE(cmd(c, "TTL a"), 499, 500);     /* TTL moves along */
    CHECK_ERROR(cmd(c, "MOVE a 2"), "ERR source and destination objects are the same");
    CHECK_INT(cmd(c, "MOVE a 0"), 1);
    CHECK_INT(cmd(c, "DBSIZE"), 0);
    CHECK_STATUS(cmd(c, "SELECT 0"), "OK");
    CHECK_BULK(cmd(c, "GET a"), "va");

    /* existing destination: nothing moves */
    CHECK_STATUS(cmd(c, "SET k here"), "OK");
    CHECK_STATUS(cmd(c, "SELECT 1"), "OK");
    CHECK_STATUS(cmd(c, "SET k there"), "OK");
    CHECK_STATUS(cmd(c, "SELECT 0"), "OK");
    CHECK_INT(cmd(c, "MOVE k 1"), 0);
    CHECK_BULK(cmd(c, "GET k"), "here");
    CHECK_STATUS(cmd(c, "SELECT 1"), "OK");
    CHECK_BULK(cmd(c, "GET k"), "there");
    /* an expired destination does not count */
    CHECK_STATUS(cmd(c, "SET k there PX 1"), "OK");
    sleep_ms(5);
    CHECK_STATUS(cmd(c, "SELECT 0"), "OK");
    CHECK_INT(cmd(c, "MOVE k 1"), 1);
    CHECK_STATUS(cmd(c, "SELECT 1"), "OK");
    CHECK_BULK(cmd(c, "GET k"), "here");
    CHECK_INT(cmd(c, "TTL k"), -1);
    CHECK_STATUS(cmd(c, "SELECT 0"), "OK");
    CHECK_STATUS(cmd(c, "FLUSHALL"), "OK");
}

/* ---------------------------------------------------- SWAPDB SELECT */

static void t_select_swapdb(sb_server *s, redisContext *c) {
    CHECK_STATUS(cmd(c, "FLUSHALL"), "OK");
    CHECK_ERROR(cmd(c, "SELECT 16"), "ERR DB index is out of range");
    CHECK_ERROR(cmd(c, "SELECT -1"), "ERR DB index is out of range");
    CHECK_ERROR(cmd(c, "SELECT abc"), "ERR value is not an integer or out of range");
    CHECK_ERROR(cmd(c, "SELECT 1.0"), "ERR value is not an integer or out of range");
    CHECK_ERROR(cmd(c, "SELECT %s", ""), "ERR value is not an integer or out of range");
    CHECK_STATUS(cmd(c, "SELECT 15"), "OK");
    CHECK_STATUS(cmd(c, "SELECT 0"), "OK");

    /* dbs are isolated; the selected db is per connection */
    redisContext *c2 = srv_connect(s);
    CHECK_STATUS(cmd(c, "SET k db0"), "OK");
    CHECK_STATUS(cmd(c2, "SELECT 1"), "OK");
    CHECK_NIL(cmd(c2, "GET k"));
    CHECK_STATUS(cmd(c2, "SET k db1"), "OK");
    CHECK_STATUS(cmd(c2, "SET k1b x"), "OK");
    CHECK_BULK(cmd(c, "GET k"), "db0");
    CHECK_INT(cmd(c, "DBSIZE"), 1);
    CHECK_INT(cmd(c2, "DBSIZE"), 2);
    CHECK_NOKEYS(cmd(c, "KEYS k1*"));
    CHECK_INT(cmd(c, "DEL k1b"), 0);
    CHECK_INT(cmd(c2, "EXISTS k1b"), 1);

    CHECK_ERROR(cmd(c, "SWAPDB a 0"), "ERR invalid first DB index");
    CHECK_ERROR(cmd(c, "SWAPDB 0 a"), "ERR invalid second DB index");
    CHECK_ERROR(cmd(c, "SWAPDB 1.5 0"), "ERR invalid first DB index");
    CHECK_ERROR(cmd(c, "SWAPDB 4294967296 0"), "ERR invalid first DB index");
    CHECK_ERROR(cmd(c, "SWAPDB 0 9223372036854775808"), "ERR invalid second DB index");
    CHECK_ERROR(cmd(c, "SWAPDB 0 16"), "ERR DB index is out of range");
    CHECK_ERROR(cmd(c, "SWAPDB -1 0"), "ERR DB index is out of range");
    CHECK_STATUS(cmd(c, "SWAPDB 0 0"), "OK");
    CHECK_BULK(cmd(c, "GET k"), "db0");

    /* the data swaps under connections that keep their db index */
    CHECK_STATUS(cmd(c, "SET t0 1 EX 300"), "OK");
    CHECK_STATUS(cmd(c, "SWAPDB 0 1"), "OK");
    CHECK_BULK(cmd(c, "GET k"), "db1");
    CHECK_BULK(cmd(c2, "GET k"), "db0");
    CHECK_INT(cmd(c, "DBSIZE"), 2);
    CHECK_INT(cmd(c2, "DBSIZE"), 2);
    CHECK_INT_RANGE(cmd(c2, "TTL t0"), 299, 300);
    CHECK_INT(cmd(c, "EXISTS k1b t0"), 1);
    CHECK_STATUS(cmd(c2, "SWAPDB 1 0"), "OK");
    CHECK_BULK(cmd(c, "GET k"), "db0");
    CHECK_BULK(cmd(c2, "GET k"), "db1");
    /* with an empty db */
    CHECK_STATUS(cmd(c, "SWAPDB 0 7"), "OK");
    CHECK_INT(cmd(c, "DBSIZE"), 0);
    CHECK_STATUS(cmd(c, "SELECT 7"), "OK");
    CHECK_BULK(cmd(c, "GET k"), "db0");
    CHECK_STATUS(cmd(c, "SWAPDB 7 0"), "OK");
    CHECK_INT(cmd(c, "DBSIZE"), 0);
    CHECK_STATUS(cmd(c, "SELECT 0"), "OK");
    CHECK_BULK(cmd(c, "GET k"), "db0");
    redisFree(c2);
    CHECK_STATUS(cmd(c, "FLUSHALL"), "OK");
}

/* ----------------------------------------- DBSIZE FLUSHDB FLUSHALL */

static void t_flush(redisContext *c) {
    CHECK_STATUS(cmd(c, "FLUSHALL"), "OK");
    CHECK_INT(cmd(c, "DBSIZE"), 0);
    CHECK_ERROR(cmd(c, "FLUSHDB foo"), "ERR syntax error");
    CHECK_ERROR(cmd(c, "FLUSHDB ASYNC extra"), "ERR syntax error");
    CHECK_ERROR(cmd(c, "FLUSHDB SYNC ASYNC"), "ERR syntax error");
    CHECK_ERROR(cmd(c, "FLUSHALL lazy"), "ERR syntax error");
    CHECK_ERROR(cmd(c, "FLUSHALL ASYNC x"), "ERR syntax error");

    for (int round = 0; round < 3; round++) {
        static const char *mode[] = {"", " ASYNC", " sync"};
        CHECK_STATUS(cmd(c, "MSET a 1 b 2 c 3"), "OK");
        CHECK_STATUS(cmd(c, "SELECT 3"), "OK");
        CHECK_STATUS(cmd(c, "MSET a 1 b 2"), "OK");
        CHECK_STATUS(cmd(c, "SELECT 0"), "OK");
        CHECK_INT(cmd(c, "DBSIZE"), 3);
        char buf[32];
        snprintf(buf, sizeof(buf), "FLUSHDB%s", mode[round]);
        CHECK_STATUS(cmd(c, buf), "OK");
        CHECK_INT(cmd(c, "DBSIZE"), 0);
        CHECK_STATUS(cmd(c, "SELECT 3"), "OK");
        CHECK_INT(cmd(c, "DBSIZE"), 2);             /* other dbs untouched */
        CHECK_STATUS(cmd(c, "SELECT 0"), "OK");
        CHECK_STATUS(cmd(c, "SET x 1"), "OK");
        snprintf(buf, sizeof(buf), "FLUSHALL%s", mode[round]);
        CHECK_STATUS(cmd(c, buf), "OK");
        CHECK_INT(cmd(c, "DBSIZE"), 0);
        CHECK_STATUS(cmd(c, "SELECT 3"), "OK");
        CHECK_INT(cmd(c, "DBSIZE"), 0);
        CHECK_STATUS(cmd(c, "SELECT 0"), "OK");
    }
    CHECK_STATUS(cmd(c, "FLUSHDB"), "OK");          /* empty is fine */
    CHECK_STATUS(cmd(c, "FLUSHALL"), "OK");
    CHECK_NIL(cmd(c, "RANDOMKEY"));
}

/* ------------------------------------------------ EXPIRE and friends */

static void t_expire(redisContext *c) {
    CHECK_STATUS(cmd(c, "FLUSHALL"), "OK");
    CHECK_STATUS(cmd(c, "SET a 1"), "OK");

    /* options are checked before the time argument */
    CHECK_ERROR(cmd(c, "EXPIRE a 100 foo"), "ERR Unsupported option foo");
    CHECK_ERROR(cmd(c, "EXPIRE a abc foo"), "ERR Unsupported option foo");
    CHECK_ERROR(cmd(c, "EXPIRE a abc nx xx"),
                "ERR NX and XX, GT or LT options at the same time are not compatible");
    CHECK_ERROR(cmd(c, "PEXPIRE a 100 NX GT"),
                "ERR NX and XX, GT or LT options at the same time are not compatible");
    CHECK_ERROR(cmd(c, "EXPIREAT a 100 nx lt"),
                "ERR NX and XX, GT or LT options at the same time are not compatible");
    CHECK_ERROR(cmd(c, "PEXPIREAT a 100 gt lt"),
                "ERR GT and LT options at the same time are not compatible");
    CHECK_ERROR(cmd(c, "EXPIRE a 100 xx gt lt"),
                "ERR GT and LT options at the same time are not compatible");
    CHECK_ERROR(cmd(c, "EXPIRE nokey 100 bogus"), "ERR Unsupported option bogus");
    CHECK_ERROR(cmd(c, "EXPIRE a 100 %b", "x\0y", (size_t)3), "ERR Unsupported option x");
    CHECK_ERROR(cmd(c, "EXPIRE a abc"), "ERR value is not an integer or out of range");
    CHECK_ERROR(cmd(c, "EXPIRE a 1.5"), "ERR value is not an integer or out of range");
    CHECK_ERROR(cmd(c, "EXPIRE a %s", " 5"), "ERR value is not an integer or out of range");
    CHECK_ERROR(cmd(c, "PEXPIRE a %s", ""), "ERR value is not an integer or out of range");
    CHECK_INT(cmd(c, "TTL a"), -1);

    /* overflow: unit conversion or adding the base time */
    CHECK_ERROR(cmd(c, "EXPIRE a 9223372036854775807"), "ERR invalid expire time in 'expire' command");
    CHECK_ERROR(cmd(c, "EXPIRE a 9223372036854776"), "ERR invalid expire time in 'expire' command");
    CHECK_ERROR(cmd(c, "EXPIRE a 9223372036854775"), "ERR invalid expire time in 'expire' command");
    CHECK_ERROR(cmd(c, "EXPIRE a -9223372036854776"), "ERR invalid expire time in 'expire' command");
    CHECK_ERROR(cmd(c, "EXPIRE a -9223372036854775808"), "ERR invalid expire time in 'expire' command");
    CHECK_ERROR(cmd(c, "PEXPIRE a 9223372036854775807"), "ERR invalid expire time in 'pexpire' command");
    CHECK_ERROR(cmd(c, "EXPIREAT a 9223372036854775807"), "ERR invalid expire time in 'expireat' command");
    CHECK_ERROR(cmd(c, "EXPIREAT a 9223372036854776"), "ERR invalid expire time in 'expireat' command");
    CHECK_ERROR(cmd(c, "EXPIRE nokey 9223372036854775807"), "ERR invalid expire time in 'expire' command");
    CHECK_INT(cmd(c, "TTL a"), -1);                 /* untouched by errors */

    /* missing keys */
    CHECK_INT(cmd(c, "EXPIRE nokey 100"), 0);
    CHECK_INT(cmd(c, "PEXPIRE nokey 100"), 0);
    CHECK_INT(cmd(c, "EXPIREAT nokey 1"), 0);
    CHECK_INT(cmd(c, "PEXPIREAT nokey 1"), 0);
    CHECK_INT(cmd(c, "EXISTS nokey"), 0);

    /* the largest representable times are accepted */
    CHECK_INT(cmd(c, "PEXPIREAT a 9223372036854775807"), 1);
    CHECK_INT(cmd(c, "PEXPIRETIME a"), 9223372036854775807LL);
    CHECK_INT(cmd(c, "EXPIRETIME a"), 9223372036854775LL);
    CHECK_INT(cmd(c, "EXPIREAT a 9223372036854775"), 1);
    CHECK_INT(cmd(c, "PEXPIRETIME a"), 9223372036854775000LL);
    CHECK_INT(cmd(c, "PEXPIRE a 9223370000000000000"), 1);
    CHECK_INT_RANGE(cmd(c, "TTL a"), 9223369999999999LL, 9223370000000000LL);
    CHECK_INT(cmd(c, "PERSIST a"), 1);

    /* absolute times, exactly */
    CHECK_INT(cmd(c, "EXPIREAT a 33177600000"), 1);
    CHECK_INT(cmd(c, "EXPIRETIME a"), 33177600000LL);
    CHECK_INT(cmd(c, "PEXPIRETIME a"), 33177600000000LL);
    CHECK_INT(cmd(c, "PEXPIREAT a 33177600000999"), 1);
    CHECK_INT(cmd(c, "EXPIRETIME a"), 33177600000LL); /* rounded down */
    CHECK_INT(cmd(c, "PEXPIRETIME a"), 33177600000999LL);
    long long now = server_ms(c);
    CHECK_INT(cmd(c, "EXPIREAT a %lld", now / 1000 + 100), 1);
    CHECK_INT_RANGE(cmd(c, "TTL a"), 99, 101);
    CHECK_INT(cmd(c, "PEXPIREAT a %lld", now + 100000), 1);
    CHECK_INT_RANGE(cmd(c, "PTTL a"), 95000, 100000);
    CHECK_INT(cmd(c, "PEXPIRETIME a"), now + 100000);

    /* relative times */
    CHECK_INT(cmd(c, "EXPIRE a 100"), 1);
    CHECK_INT(cmd(c, "TTL a"), 100);
    CHECK_INT_RANGE(cmd(c, "PTTL a"), 99000, 100000);
    now = server_ms(c);
    CHECK_INT_RANGE(cmd(c, "PEXPIRETIME a"), now + 95000, now + 100000);
    CHECK_INT(cmd(c, "PEXPIRE a 1400"), 1);
    CHECK_INT(cmd(c, "TTL a"), 1);                  /* rounded: (ms + 500) / 1000 */
    CHECK_INT(cmd(c, "PEXPIRE a 1900"), 1);
    CHECK_INT(cmd(c, "TTL a"), 2);
    CHECK_INT(cmd(c, "PEXPIRE a 2900"), 1);
    CHECK_INT(cmd(c, "TTL a"), 3);
    CHECK_INT(cmd(c, "PEXPIRE a 400"), 1);
    CHECK_INT(cmd(c, "TTL a"), 0);

    /* zero, negative or past: the key is deleted, reply 1 */
    const char *del_cmds[] = {"EXPIRE a 0", "EXPIRE a -1", "PEXPIRE a 0",
                              "PEXPIRE a -1000000", "EXPIREAT a 1", "PEXPIREAT a 0",
                              "EXPIREAT a -5", "PEXPIRE a -9223372036854775808",
                              "EXPIRE a -9223372036854775",
                              "PEXPIREAT a -9223372036854775808"};
    long long exp0 = info_ll(c, "stats", "expired_keys");
    for (size_t i = 0; i < sizeof(del_cmds) / sizeof(del_cmds[0]); i++) {
        CHECK_STATUS(cmd(c, "SET a 1 EX 100"), "OK");
        redisReply *r = cmd(c, del_cmds[i]);
        if (!r || r->type != REDIS_REPLY_INTEGER || r->integer != 1) {
            fprintf(stderr, "%s:%d: %s: expected :1, got %s\n", __FILE__, __LINE__,
                    del_cmds[i], reply_str(r));
            tu_failures++;
        }
        if (r) freeReplyObject(r);
        CHECK_INT(cmd(c, "EXISTS a"), 0);
        CHECK_INT(cmd(c, "TTL a"), -2);
    }
    /* that is a deletion, not an expiry */
    CHECK(info_ll(c, "stats", "expired_keys") == exp0);
    CHECK_INT(cmd(c, "DBSIZE"), 0);

    /* NX XX GT LT (case-insensitive, repeatable) */
    CHECK_STATUS(cmd(c, "SET k v"), "OK");
    CHECK_INT(cmd(c, "EXPIRE k 100 XX"), 0);        /* no TTL yet */
    CHECK_INT(cmd(c, "EXPIRE k 100 GT"), 0);        /* no TTL = infinite */
    CHECK_INT(cmd(c, "TTL k"), -1);
    CHECK_INT(cmd(c, "EXPIRE k 100 lt"), 1);        /* infinite > 100 */
    CHECK_INT(cmd(c, "TTL k"), 100);
    CHECK_INT(cmd(c, "PERSIST k"), 1);
    CHECK_INT(cmd(c, "EXPIRE k 100 nx nx"), 1);
    CHECK_INT(cmd(c, "EXPIRE k 50 nX"), 0);
    CHECK_INT(cmd(c, "TTL k"), 100);
    CHECK_INT(cmd(c, "EXPIRE k 200 xx"), 1);
    CHECK_INT(cmd(c, "TTL k"), 200);
    CHECK_INT(cmd(c, "EXPIRE k 100 gt"), 0);
    CHECK_INT(cmd(c, "PEXPIREAT k 33177600000000"), 1);
    CHECK_INT(cmd(c, "PEXPIREAT k 33177600000000 GT"), 0); /* equal is not greater */
    CHECK_INT(cmd(c, "PEXPIREAT k 33177600000000 LT"), 0); /* nor less */
    CHECK_INT(cmd(c, "EXPIREAT k 33177600000 gt"), 0);
    CHECK_INT(cmd(c, "PEXPIREAT k 33177600000001 gt"), 1);
    CHECK_INT(cmd(c, "PEXPIRETIME k"), 33177600000001LL);
    CHECK_INT(cmd(c, "EXPIRE k 300 Gt gt"), 0);     /* 300 s < year 3021 */
    CHECK_INT(cmd(c, "EXPIRE k 300 lt"), 1);
    CHECK_INT(cmd(c, "TTL k"), 300);
    CHECK_INT(cmd(c, "EXPIRE k 400 lt"), 0);
    CHECK_INT(cmd(c, "EXPIRE k 100 LT XX"), 1);
    CHECK_INT(cmd(c, "TTL k"), 100);
    CHECK_INT(cmd(c, "PEXPIRE k 100000 lt"), 0);    /* equal is not less */
    CHECK_INT(cmd(c, "PEXPIRE k 200000 xx gt"), 1);
    CHECK_INT(cmd(c, "TTL k"), 200);
    now = server_ms(c);
    CHECK_INT(cmd(c, "PEXPIREAT k %lld GT", now + 100000), 0);
    CHECK_INT(cmd(c, "EXPIREAT k %lld LT", now / 1000 + 50), 1);
    CHECK_INT_RANGE(cmd(c, "TTL k"), 49, 51);
    CHECK_INT(cmd(c, "EXPIRE k -1 GT"), 0);         /* not greater: kept */
    CHECK_INT(cmd(c, "EXISTS k"), 1);
    CHECK_INT(cmd(c, "EXPIRE k -1 LT"), 1);         /* less, in the past: deleted */
    CHECK_INT(cmd(c, "EXISTS k"), 0);
    CHECK_INT(cmd(c, "EXPIRE k 100 NX"), 0);        /* missing key */

    /* TTL PTTL EXPIRETIME PEXPIRETIME PERSIST */
    CHECK_INT(cmd(c, "TTL nokey"), -2);
    CHECK_INT(cmd(c, "PTTL nokey"), -2);
    CHECK_INT(cmd(c, "EXPIRETIME nokey"), -2);
    CHECK_INT(cmd(c, "PEXPIRETIME nokey"), -2);
    CHECK_STATUS(cmd(c, "SET p v"), "OK");
    CHECK_INT(cmd(c, "TTL p"), -1);
    CHECK_INT(cmd(c, "PTTL p"), -1);
    CHECK_INT(cmd(c, "EXPIRETIME p"), -1);
    CHECK_INT(cmd(c, "PEXPIRETIME p"), -1);
    CHECK_INT(cmd(c, "PERSIST p"), 0);
    CHECK_INT(cmd(c, "PERSIST nokey"), 0);
    CHECK_INT(cmd(c, "PEXPIRE p 5000"), 1);
    CHECK_INT(cmd(c, "PERSIST p"), 1);
    CHECK_INT(cmd(c, "PERSIST p"), 0);
    CHECK_INT(cmd(c, "TTL p"), -1);
    CHECK_BULK(cmd(c, "GET p"), "v");
    /* SET without KEEPTTL drops the TTL; EXPIRE survives APPEND */
    CHECK_INT(cmd(c, "EXPIRE p 100"), 1);
    CHECK_INT(cmd(c, "APPEND p w"), 2);
    CHECK_INT(cmd(c, "TTL p"), 100);
    CHECK_STATUS(cmd(c, "SET p v"), "OK");
    CHECK_INT(cmd(c, "TTL p"), -1);
    CHECK_STATUS(cmd(c, "FLUSHALL"), "OK");
}

/* ----------------------------------------------------------- OBJECT */

static void t_object(redisContext *c) {
    CHECK_STATUS(cmd(c, "FLUSHALL"), "OK");
    static const struct { const char *val, *enc; } enc[] = {
        {"12345", "int"}, {"-5", "int"}, {"0", "int"},
        {"9223372036854775807", "int"}, {"-9223372036854775808", "int"},
        {"9223372036854775808", "embstr"}, {"1.5", "embstr"}, {"0123", "embstr"},
        {"-0", "embstr"}, {" 1", "embstr"}, {"1 ", "embstr"}, {"+1", "embstr"},
        {"", "embstr"}, {"hello", "embstr"},
        {"12345678901234567890123456789012345678901234", "embstr"},  /* 44 */
        {"123456789012345678901234567890123456789012345", "raw"},    /* 45 */
    };
    for (size_t i = 0; i < sizeof(enc) / sizeof(enc[0]); i++) {
        CHECK_STATUS(cmd(c, "SET k%d %s", (int)i, enc[i].val), "OK");
        redisReply *r = cmd(c, "OBJECT ENCODING k%d", (int)i);
        if (!r || r->type != REDIS_REPLY_STRING || strcmp(r->str, enc[i].enc)) {
            fprintf(stderr, "%s:%d: OBJECT ENCODING of \"%s\": expected %s, got %s\n",
                    __FILE__, __LINE__, enc[i].val, enc[i].enc, reply_str(r));
            tu_failures++;
        }
        if (r) freeReplyObject(r);
    }
    CHECK_BULK(cmd(c, "object encoding k0"), "int");
    CHECK_NIL(cmd(c, "OBJECT ENCODING nokey"));
    /* strings changed in place are raw, whatever they hold */
    CHECK_STATUS(cmd(c, "SET i 123456"), "OK");
    CHECK_INT(cmd(c, "APPEND i 1"), 7);
    CHECK_BULK(cmd(c, "OBJECT ENCODING i"), "raw");
    CHECK_INT(cmd(c, "APPEND i 1234567"), 14);      /* fills the spare room */
    CHECK_BULK(cmd(c, "OBJECT ENCODING i"), "raw");
    CHECK_STATUS(cmd(c, "SET e %s", ""), "OK");
    CHECK_INT(cmd(c, "APPEND e %s", ""), 0);
    CHECK_BULK(cmd(c, "OBJECT ENCODING e"), "raw");
    CHECK_INT(cmd(c, "APPEND newkey 42"), 2);       /* a new key: by content */
    CHECK_BULK(cmd(c, "OBJECT ENCODING newkey"), "int");
    CHECK_INT(cmd(c, "SETRANGE sr 0 12"), 2);       /* built in place */
    CHECK_BULK(cmd(c, "OBJECT ENCODING sr"), "raw");
    CHECK_STATUS(cmd(c, "SET g x"), "OK");
    CHECK_INT(cmd(c, "SETRANGE g 3 z"), 4);         /* grown in place */
    CHECK_BULK(cmd(c, "OBJECT ENCODING g"), "raw");
    CHECK_STATUS(cmd(c, "SET w 1"), "OK");
    CHECK_INT(cmd(c, "SETRANGE w 0 2"), 1);         /* written within its length */
    CHECK_BULK(cmd(c, "OBJECT ENCODING w"), "raw");
    CHECK_INT(cmd(c, "OBJECT REFCOUNT w"), 1);
    CHECK_INT(cmd(c, "COPY i icopy"), 1);           /* COPY keeps the encoding */
    CHECK_BULK(cmd(c, "OBJECT ENCODING icopy"), "raw");
    CHECK_INT(cmd(c, "COPY k0 k0copy"), 1);
    CHECK_BULK(cmd(c, "OBJECT ENCODING k0copy"), "int");
    CHECK_STATUS(cmd(c, "RENAME i iren"), "OK");
    CHECK_BULK(cmd(c, "OBJECT ENCODING iren"), "raw");
    CHECK_INT(cmd(c, "INCR iren"), 12345611234568LL); /* INCR stores an int */
    CHECK_BULK(cmd(c, "OBJECT ENCODING iren"), "int");
    CHECK_STATUS(cmd(c, "SET iren 123"), "OK");      /* SET re-encodes */
    CHECK_BULK(cmd(c, "OBJECT ENCODING iren"), "int");

    /* REFCOUNT: the shared integers 0..9999 report INT_MAX */
    CHECK_STATUS(cmd(c, "MSET z 0 z9999 9999 z10000 10000 neg -1 str abc"), "OK");
    CHECK_INT(cmd(c, "OBJECT REFCOUNT z"), 2147483647);
    CHECK_INT(cmd(c, "OBJECT REFCOUNT z9999"), 2147483647);
    CHECK_INT(cmd(c, "OBJECT REFCOUNT z10000"), 1);
    CHECK_INT(cmd(c, "OBJECT REFCOUNT neg"), 1);
    CHECK_INT(cmd(c, "OBJECT REFCOUNT str"), 1);
    CHECK_NIL(cmd(c, "OBJECT REFCOUNT nokey"));
    CHECK_STATUS(cmd(c, "SET ap 1"), "OK");
    CHECK_INT(cmd(c, "APPEND ap 2"), 2);            /* "12" but raw: not shared */
    CHECK_INT(cmd(c, "OBJECT REFCOUNT ap"), 1);

    /* IDLETIME (the time-dependent part is in t_active_expiry), FREQ */
    CHECK_INT_RANGE(cmd(c, "OBJECT IDLETIME z"), 0, 1);
    CHECK_NIL(cmd(c, "OBJECT IDLETIME nokey"));
    CHECK_ERROR(cmd(c, "OBJECT FREQ z"),
                "ERR An LFU maxmemory policy is not selected, access frequency not tracked. "
                "Please note that when switching between policies at runtime LRU and LFU "
                "data will take some time to adjust.");
    CHECK_NIL(cmd(c, "OBJECT FREQ nokey"));

    /* errors and HELP */
    CHECK_ERROR(cmd(c, "OBJECT foo"), "ERR unknown subcommand 'foo'. Try OBJECT HELP.");
    CHECK_ERROR(cmd(c, "OBJECT foo bar"), "ERR unknown subcommand 'foo'. Try OBJECT HELP.");
    static const char *help[] = {
        "OBJECT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
        "ENCODING <key>",
        "    Return the kind of internal representation used in order to store the value",
        "    associated with a <key>.",
        "FREQ <key>",
        "    Return the access frequency index of the <key>. The returned integer is",
        "    proportional to the logarithm of the recent access frequency of the key.",
        "IDLETIME <key>",
        "    Return the idle time of the <key>, that is the approximated number of",
        "    seconds elapsed since the last access to the key.",
        "REFCOUNT <key>",
        "    Return the number of references of the value associated with the specified",
        "    <key>.",
        "HELP",
        "    Prints this help."};
    size_t nhelp = sizeof(help) / sizeof(help[0]);
    for (int v = 0; v < 2; v++) {
        redisReply *r = cmd(c, v ? "object help" : "OBJECT HELP");
        int ok = r && r->type == REDIS_REPLY_ARRAY && r->elements == nhelp;
        for (size_t i = 0; ok && i < nhelp; i++)
            ok = r->element[i]->type == REDIS_REPLY_STATUS && !strcmp(r->element[i]->str, help[i]);
        if (!ok) {
            fprintf(stderr, "%s:%d: OBJECT HELP: got %s\n", __FILE__, __LINE__, reply_str(r));
            tu_failures++;
        }
        if (r) freeReplyObject(r);
    }
    CHECK_STATUS(cmd(c, "FLUSHALL"), "OK");
}

/* -------------------------------------------------------- DELSTRICT */

/* A field of a MEMORY STATS reply (RESP2: name, value, ...) as a number. */
static long long stats_num(redisReply *r, const char *name) {
    for (size_t i = 0; r && r->type == REDIS_REPLY_ARRAY && i + 1 < r->elements; i += 2)
        if (r->element[i]->type == REDIS_REPLY_STRING && !strcmp(r->element[i]->str, name))
            return r->element[i + 1]->type == REDIS_REPLY_INTEGER ? r->element[i + 1]->integer
                                                                  : atoll(r->element[i + 1]->str);
    return -1;
}

/* MEMORY: USAGE as Redis checks its arguments, STATS counting what the
 * keyspace holds, DOCTOR, MALLOC-STATS, PURGE, HELP. */
static void t_memory(redisContext *c) {
    CHECK_STATUS(cmd(c, "FLUSHALL"), "OK");
    CHECK_NIL(cmd(c, "MEMORY USAGE nokey"));
    char val[1001];
    memset(val, 'v', 1000);
    val[1000] = 0;
    CHECK_STATUS(cmd(c, "SET mk %s", val), "OK");
    redisReply *r = cmd(c, "MEMORY USAGE mk");
    CHECK(r && r->type == REDIS_REPLY_INTEGER && r->integer >= 1002 && r->integer < 1200);
    if (r) freeReplyObject(r);
    r = cmd(c, "MEMORY USAGE mk SAMPLES 0");
    CHECK(r && r->type == REDIS_REPLY_INTEGER && r->integer >= 1002);
    if (r) freeReplyObject(r);
    CHECK_ERROR(cmd(c, "MEMORY USAGE mk SAMPLES"), "ERR syntax error");
    CHECK_ERROR(cmd(c, "MEMORY USAGE mk SAMPLES -1"), "ERR syntax error");
    CHECK_ERROR(cmd(c, "MEMORY USAGE mk SAMPLES x"), "ERR value is not an integer or out of range");
    CHECK_ERROR(cmd(c, "MEMORY USAGE mk FOO 1"), "ERR syntax error");
    CHECK_ERROR(cmd(c, "MEMORY USAGE"), "ERR wrong number of arguments for 'memory|usage' command");
    CHECK_ERROR(cmd(c, "MEMORY FOO"), "ERR unknown subcommand 'FOO'. Try MEMORY HELP.");
    pipe_set(c, "mem:", 0, 5000, 0);
    r = cmd(c, "MEMORY STATS");
    CHECK(r && r->type == REDIS_REPLY_ARRAY && r->elements % 2 == 0);
    CHECK_EQ_INT(stats_num(r, "keys.count"), 5001);
    long long total = stats_num(r, "total.allocated"), dataset = stats_num(r, "dataset.bytes");
    CHECK(total > 0 && stats_num(r, "peak.allocated") >= total);
    /* 5000 entries of at least 38 + 8 bytes each, and the 1000-byte one */
    CHECK(dataset > 5000 * 46 && dataset < total);
    int has_db0 = 0;
    for (size_t i = 0; r && i + 1 < r->elements; i += 2)
        if (!strcmp(r->element[i]->str, "db.0"))
            has_db0 = r->element[i + 1]->type == REDIS_REPLY_ARRAY &&
                      r->element[i + 1]->elements == 4 &&
                      r->element[i + 1]->element[1]->integer > 5000 * 8 - 1;
    CHECK(has_db0);
    if (r) freeReplyObject(r);
    r = cmd(c, "MEMORY DOCTOR");
    CHECK(r && r->type == REDIS_REPLY_STRING && r->len > 10);
    if (r) freeReplyObject(r);
    r = cmd(c, "MEMORY MALLOC-STATS");
    CHECK(r && r->type == REDIS_REPLY_STRING && strstr(r->str, "<malloc") != NULL);
    if (r) freeReplyObject(r);
    CHECK_STATUS(cmd(c, "MEMORY PURGE"), "OK");
    r = cmd(c, "MEMORY HELP");
    CHECK(r && r->type == REDIS_REPLY_ARRAY && r->elements == 14);
    if (r) freeReplyObject(r);
    CHECK_STATUS(cmd(c, "FLUSHALL"), "OK");
}

static void t_delstrict(redisContext *c) {
    CHECK_STATUS(cmd(c, "FLUSHALL"), "OK");
    CHECK_STATUS(cmd(c, "MSET a 1 b 2 c 3"), "OK");
    CHECK_INT(cmd(c, "DELSTRICT a b"), 2);
    CHECK_INT(cmd(c, "EXISTS a b c"), 1);
    CHECK_INT(cmd(c, "DELSTRICT c"), 1);
    CHECK_INT(cmd(c, "DBSIZE"), 0);

    /* any missing key: an error naming the first missing one, and nothing
     * is deleted */
    CHECK_STATUS(cmd(c, "MSET a 1 b 2 c 3"), "OK");
    CHECK_ERROR(cmd(c, "DELSTRICT a x b y"), "ERR no such key 'x': DELSTRICT deleted nothing");
    CHECK_ERROR(cmd(c, "DELSTRICT y a"), "ERR no such key 'y': DELSTRICT deleted nothing");
    CHECK_ERROR(cmd(c, "DELSTRICT a b c z"), "ERR no such key 'z': DELSTRICT deleted nothing");
    CHECK_ERROR(cmd(c, "DELSTRICT nokey"), "ERR no such key 'nokey': DELSTRICT deleted nothing");
    CHECK_INT(cmd(c, "EXISTS a b c"), 3);
    CHECK_BULK(cmd(c, "GET a"), "1");
    CHECK_INT(cmd(c, "DBSIZE"), 3);
    /* a key given twice exists: deleted once, counted once (like DEL) */
    CHECK_INT(cmd(c, "DELSTRICT a a"), 1);
    CHECK_INT(cmd(c, "EXISTS a"), 0);
    /* ... but once deleted it is missing */
    CHECK_ERROR(cmd(c, "DELSTRICT b a"), "ERR no such key 'a': DELSTRICT deleted nothing");
    CHECK_INT(cmd(c, "EXISTS b"), 1);
    /* an expired key is missing */
    CHECK_STATUS(cmd(c, "SET gone 1 PX 1"), "OK");
    sleep_ms(5);
    CHECK_ERROR(cmd(c, "DELSTRICT b gone"), "ERR no such key 'gone': DELSTRICT deleted nothing");
    CHECK_INT(cmd(c, "EXISTS b"), 1);
    /* the key name is quoted as given (CR/LF made spaces, long names cut) */
    CHECK_ERROR(cmd(c, "DELSTRICT %b", "x\r\ny", (size_t)4),
                "ERR no such key 'x  y': DELSTRICT deleted nothing");
    char longkey[300], want[400];
    memset(longkey, 'k', sizeof(longkey) - 1);
    longkey[sizeof(longkey) - 1] = '\0';
    snprintf(want, sizeof(want), "ERR no such key '%.128s': DELSTRICT deleted nothing", longkey);
    CHECK_ERROR(cmd(c, "DELSTRICT b %s", longkey), want);
    /* other dbs are not looked at */
    CHECK_STATUS(cmd(c, "SELECT 1"), "OK");
    CHECK_ERROR(cmd(c, "DELSTRICT b"), "ERR no such key 'b': DELSTRICT deleted nothing");
    CHECK_STATUS(cmd(c, "SELECT 0"), "OK");
    CHECK_INT(cmd(c, "DELSTRICT b c"), 2);
    CHECK_INT(cmd(c, "DBSIZE"), 0);
    /* binary names */
    CHECK_STATUS(cmd(c, "SET %b v", "a\0b", (size_t)3), "OK");
    CHECK_INT(cmd(c, "DELSTRICT %b", "a\0b", (size_t)3), 1);
}

/* ------------------------------------------------------ lazy expiry */

static void t_lazy_expiry(redisContext *c) {
    CHECK_STATUS(cmd(c, "FLUSHALL"), "OK");
    CHECK_STATUS(cmd(c, "DEBUG SET-ACTIVE-EXPIRE 0"), "OK");
    long long exp0 = info_ll(c, "stats", "expired_keys");
    const char *names[] = {"g", "e", "t", "y", "k", "s", "r", "c", "m", "o", "p", "d"};
    enum { N = 12 };
    for (int i = 0; i < N; i++) CHECK_STATUS(cmd(c, "SET %s v PX 50", names[i]), "OK");
    CHECK_STATUS(cmd(c, "SET live v"), "OK");
    CHECK_STATUS(cmd(c, "SET later v EX 1000"), "OK");
    CHECK_KEYSPACE(c, 0, N + 2, N + 1, 1000000);
    sleep_ms(120);
    /* not accessed: still counted */
    CHECK_INT(cmd(c, "DBSIZE"), N + 2);
    CHECK_KEYSPACE(c, 0, N + 2, N + 1, 1000000);
    CHECK(info_ll(c, "stats", "expired_keys") == exp0);

    /* every kind of access sees nothing and deletes it */
    CHECK_NIL(cmd(c, "GET g"));
    CHECK_INT(cmd(c, "EXISTS e"), 0);
    CHECK_INT(cmd(c, "TTL t"), -2);
    CHECK_STATUS(cmd(c, "TYPE y"), "none");
    CHECK_NOKEYS(cmd(c, "KEYS k"));
    CHECK_INT(cmd(c, "DEL s"), 0);
    CHECK_ERROR(cmd(c, "RENAME r x"), "ERR no such key");
    CHECK_INT(cmd(c, "COPY c x"), 0);
    CHECK_INT(cmd(c, "MOVE m 1"), 0);
    CHECK_NIL(cmd(c, "OBJECT ENCODING o"));
    CHECK_INT(cmd(c, "PERSIST p"), 0);
    CHECK_INT(cmd(c, "EXPIRE d 100"), 0);
    CHECK_INT(cmd(c, "DBSIZE"), 3);                 /* k (KEYS) not deleted */
    CHECK_KEYSPACE(c, 0, 3, 2, 1000000);
    CHECK(info_ll(c, "stats", "expired_keys") - exp0 == N - 1);
    /* SCAN leaves expired keys out and deletes them */
    CHECK_KEYS(cmd(c, "KEYS *"), "live", "later");
    const char *none[] = {"COUNT", "100"};
    bkey two[] = {{"live", 4}, {"later", 5}};
    check_full_scan(__FILE__, __LINE__, c, none, 2, two, 2);
    CHECK_INT(cmd(c, "DBSIZE"), 2);
    CHECK(info_ll(c, "stats", "expired_keys") - exp0 == N);
    CHECK_KEYSPACE(c, 0, 2, 1, 1000000);
    CHECK_STATUS(cmd(c, "DEBUG SET-ACTIVE-EXPIRE 1"), "OK");
    CHECK_STATUS(cmd(c, "FLUSHALL"), "OK");
}

/* ---------------------------------------------------- active expiry */

/* OBJECT IDLETIME key (of the selected db) is in [lo, hi], hi being 1 +
 * the whole seconds the client saw go by from `since` (taken before the
 * command that last touched the key was sent) to the reply: on a loaded
 * machine seconds may pass between any two commands. */
static void check_idle(const char *file, int line, redisContext *c, const char *key,
                       long long lo, double since) {
    long long v = int_of(cmd(c, "OBJECT IDLETIME %s", key), file, line);
    double el = clock_s() - since;
    long long hi = (long long)el + 1;
    if (v < lo || v > hi) {
        fprintf(stderr, "%s:%d: OBJECT IDLETIME %s is %lld, not in [%lld, %lld] "
                "(%.2f s since it was last touched, by the client's clock)\n",
                file, line, key, v, lo, hi, el);
        tu_failures++;
    }
}
#define CHECK_IDLE(c, key, lo, since) check_idle(__FILE__, __LINE__, (c), (key), (lo), (since))

static void t_active_expiry(redisContext *c) {
    enum { N = 2000 };
    CHECK_STATUS(cmd(c, "FLUSHALL"), "OK");
    /* access-time keys in db 5 (checked after the wait below) */
    CHECK_STATUS(cmd(c, "SELECT 5"), "OK");
    const char *idle_keys[] = {"i_exists", "i_type", "i_ttl", "i_obj", "i_get", "i_touch", "i_keys"};
    double t_idle0 = clock_s(); /* (before the first SET: the upper bound of their idle times) */
    for (size_t i = 0; i < 7; i++) CHECK_STATUS(cmd(c, "SET %s v", idle_keys[i]), "OK");
    double t_idle = clock_s();
    CHECK_STATUS(cmd(c, "SELECT 0"), "OK");

    long long exp0 = info_ll(c, "stats", "expired_keys");
    CHECK_STATUS(cmd(c, "SET keep v"), "OK");
    double t_keep2 = clock_s();
    CHECK_STATUS(cmd(c, "SET keep2 v EX 1000"), "OK");
    /* (1 s: all still there for the count below after slow fsyncs; only
     * if the client saw 1 s go by from sending the first SET to the
     * count's reply, some may have expired already: no count then) */
    double t_ax = clock_s();
    pipe_set(c, "ax:", 0, N, 1000);
    {
        char ks[256], want[96];
        ks[0] = '\0';
        info_keyspace_line(c, 0, ks, sizeof(ks));
        double el = clock_s() - t_ax;
        int wl = snprintf(want, sizeof(want), "db0:keys=%d,expires=%d,avg_ttl=", N + 2, N + 1);
        if (el >= 1.0)
            fprintf(stderr, "note: %.2f s for %d pipelined SETs PX 1000 and INFO: their "
                    "count not checked (%s)\n", el, N, ks);
        else
            CHECK_MSG(!strncmp(ks, want, (size_t)wl), "expected \"%s...\", got \"%s\"", want, ks);
    }
    /* never accessed: the background cycle removes them (within 10 s: it
     * takes about 1 s, but the cron's ticks can be late on a loaded
     * machine; DBSIZE and INFO access no key) */
    double t0 = clock_s();
    long long n = -1;
    while (clock_s() - t0 < 10) {
        redisReply *r = cmd(c, "DBSIZE");
        n = r && r->type == REDIS_REPLY_INTEGER ? r->integer : -1;
        if (r) freeReplyObject(r);
        if (n == 2) break;
        sleep_ms(50);
    }
    if (n != 2) fprintf(stderr, "active expiry: DBSIZE still %lld after %.1f s\n", n, clock_s() - t0);
    CHECK_EQ_INT(n, 2);
    CHECK(info_ll(c, "stats", "expired_keys") - exp0 == N);
    CHECK_KEYSPACE(c, 0, 2, 1, 1000000);
    /* untouched by the cycle: 1000 s less the whole seconds since its SET */
    {
        long long ttl = INT_OF(cmd(c, "TTL keep2"));
        long long lo = 1000 - (long long)(clock_s() - t_keep2) - 1;
        CHECK_MSG(ttl >= lo && ttl <= 1000, "TTL keep2 is %lld, not in [%lld, 1000]", ttl, lo);
    }

    /* with active expiry off, expired keys stay until accessed */
    CHECK_STATUS(cmd(c, "DEBUG SET-ACTIVE-EXPIRE 0"), "OK");
    exp0 = info_ll(c, "stats", "expired_keys");
    pipe_set(c, "px:", 0, 100, 100);
    sleep_ms(400);
    CHECK_INT(cmd(c, "DBSIZE"), 102);
    CHECK_KEYSPACE(c, 0, 102, 101, 1000000);
    CHECK(info_ll(c, "stats", "expired_keys") == exp0);
    CHECK_NIL(cmd(c, "GET px:7"));
    CHECK_INT(cmd(c, "EXISTS px:8 px:9"), 0);
    CHECK_INT(cmd(c, "DBSIZE"), 99);
    CHECK(info_ll(c, "stats", "expired_keys") - exp0 == 3);
    /* switching it back on cleans up */
    CHECK_STATUS(cmd(c, "DEBUG SET-ACTIVE-EXPIRE 1"), "OK");
    t0 = clock_s();
    while (clock_s() - t0 < 10) {
        redisReply *r = cmd(c, "DBSIZE");
        n = r && r->type == REDIS_REPLY_INTEGER ? r->integer : -1;
        if (r) freeReplyObject(r);
        if (n == 2) break;
        sleep_ms(50);
    }
    CHECK_EQ_INT(n, 2);
    CHECK(info_ll(c, "stats", "expired_keys") - exp0 == 100);

    /* access times: wait until the db 5 keys are >= 2 s idle */
    double left = 2.2 - (clock_s() - t_idle);
    if (left > 0) usleep((useconds_t)(left * 1e6));
    CHECK_STATUS(cmd(c, "SELECT 5"), "OK");
    CHECK_INT(cmd(c, "EXISTS i_exists"), 1);        /* these don't touch */
    CHECK_STATUS(cmd(c, "TYPE i_type"), "string");
    CHECK_INT(cmd(c, "TTL i_ttl"), -1);
    CHECK_BULK(cmd(c, "OBJECT ENCODING i_obj"), "embstr");
    CHECK_KEYS(cmd(c, "KEYS i_k*"), "i_keys");
    double t_get = clock_s();
    CHECK_BULK(cmd(c, "GET i_get"), "v");           /* these do */
    double t_touch = clock_s();
    CHECK_INT(cmd(c, "TOUCH i_touch"), 1);
    /* (upper bounds from the client's clock: about 3 for the untouched,
     * 1 for the touched, unless the client was descheduled meanwhile) */
    CHECK_IDLE(c, "i_exists", 2, t_idle0);
    CHECK_IDLE(c, "i_type", 2, t_idle0);
    CHECK_IDLE(c, "i_ttl", 2, t_idle0);
    CHECK_IDLE(c, "i_obj", 2, t_idle0);
    CHECK_IDLE(c, "i_keys", 2, t_idle0);
    CHECK_IDLE(c, "i_get", 0, t_get);
    CHECK_IDLE(c, "i_touch", 0, t_touch);
    /* a copy is a new object; a moved key keeps its (just touched) time */
    double t_copy = clock_s();
    CHECK_INT(cmd(c, "COPY i_exists i_copy"), 1);
    CHECK_IDLE(c, "i_copy", 0, t_copy);
    double t_move = clock_s();
    CHECK_INT(cmd(c, "MOVE i_type 6"), 1);
    CHECK_STATUS(cmd(c, "SELECT 6"), "OK");
    CHECK_IDLE(c, "i_type", 0, t_move);
    CHECK_STATUS(cmd(c, "SELECT 0"), "OK");
    CHECK_STATUS(cmd(c, "FLUSHALL"), "OK");
}

/* Run a section; stop at once if the connection broke (the rest would
 * only repeat "connection error"). */
#define RUN(call) do { call; if (c->err) { fprintf(stderr, \
    "%s: connection error after %s: %s\n", __FILE__, #call, c->errstr); \
    tu_failures++; TU_DONE(); } } while (0)

int main(void) {
    sb_server *s = srv_start(NULL);
    redisContext *c = srv_connect(s);
    CHECK_STATUS(cmd(c, "PING"), "PONG");
    RUN(t_arity(c));
    RUN(t_del_exists(c));
    RUN(t_keys(c));
    RUN(t_scan_basic(c));
    RUN(t_scan_guarantee(c));
    RUN(t_randomkey(c));
    RUN(t_rename(c));
    RUN(t_copy(c));
    RUN(t_move(c));
    RUN(t_select_swapdb(s, c));
    RUN(t_flush(c));
    RUN(t_expire(c));
    RUN(t_object(c));
    RUN(t_memory(c));
    RUN(t_delstrict(c));
    RUN(t_lazy_expiry(c));
    RUN(t_active_expiry(c));
    CHECK_STATUS(cmd(c, "PING"), "PONG");
    redisFree(c);
    srv_stop(s);
    CHECK(!srv_alive(s));
    TU_DONE();
}
