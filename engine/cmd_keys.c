/* cmd_keys.c -- generic key commands (Redis 7 semantics and error texts).
 *
 * Change records: DEL per deleted key; RENAME/COPY/MOVE/SWAPDB/FLUSH* log
 * themselves (deterministic given the prior state); every expiry is logged
 * as an absolute PEXPIREAT, or as DEL when it is already in the past.
 */
#include "eng_commands.h"
#include "keyspace.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static kv_table *cur_table(eng_ctx *x) {
    return eng_ks_db(eng_keyspace_of(x->eng), x->c->db);
}

/* Redis's lookupKeyReadWithFlags(LOOKUP_NOTOUCH): counts a keyspace hit or
 * miss but leaves the access time alone (EXISTS, TYPE, TTL..., OBJECT). */
static kv_entry *lookup_read_notouch(eng_ctx *x, const eng_arg *key) {
    kv_entry *e = eng_lookup(x, x->c->db, key);
    eng_stats *st = (eng_stats *)eng_get_stats(x->eng);
    if (e) st->keyspace_hits++;
    else st->keyspace_misses++;
    return e;
}

/* ------------------------------------------------------ glob matching */

/* Characters are compared as plain (signed on x86) chars, like Redis's
 * stringmatchlen does, so ranges with bytes >= 0x80 behave the same. */
static int lower(int c, int nocase) {
    return nocase && c >= 'A' && c <= 'Z' ? c + 32 : c;
}

/* Redis's stringmatchlen, iterative for '*' with bounded backtracking
 * (remember the last star) so hostile patterns stay linear-ish. */
int eng_glob_match(const char *p, size_t plen, const char *s, size_t slen,
                   int nocase) {
    const char *pe = p + plen, *se = s + slen;
    const char *star_p = NULL, *star_s = NULL;
    /* Redis: an empty string matches only the empty pattern (even "*"
     * does not match it; KEYS and SCAN special-case a lone "*"). */
    if (slen == 0) return plen == 0;
    while (s < se) {
        if (p < pe && *p == '*') {
            while (p < pe && *p == '*') p++;
            if (p == pe) return 1;
            star_p = p;
            star_s = s;
            continue;
        }
        int ok = 0;
        const char *np = p;
        if (p < pe) {
            if (*p == '?') {
                ok = 1;
                np = p + 1;
            } else if (*p == '[') {
                const char *q = p + 1;
                int neg = 0, match = 0;
                if (q < pe && *q == '^') { neg = 1; q++; }
                while (q < pe && *q != ']') {
                    if (*q == '\\' && q + 1 < pe) {
                        q++;
                        if (lower(*q, nocase) == lower(*s, nocase)) match = 1;
                        q++;
                    } else if (q + 2 < pe && q[1] == '-') {
                        /* like Redis, "a-]" is a range up to ']' */
                        int a = lower(q[0], nocase);
                        int b = lower(q[2], nocase);
                        int c = lower(*s, nocase);
                        if (a > b) { int t = a; a = b; b = t; }
                        if (c >= a && c <= b) match = 1;
                        q += 3;
                    } else {
                        if (lower(*q, nocase) == lower(*s, nocase)) match = 1;
                        q++;
                    }
                }
                /* an unterminated class matches like Redis: up to the end */
                np = q < pe ? q + 1 : q;
                ok = neg ? !match : match;
            } else {
                const char *c = p;
                if (*c == '\\' && c + 1 < pe) c++;
                ok = lower(*c, nocase) == lower(*s, nocase);
                np = c + 1;
            }
        }
        if (ok) {
            p = np;
            s++;
        } else if (star_p) {
            p = star_p;
            s = ++star_s;
        } else {
            return 0;
        }
    }
    while (p < pe && *p == '*') p++;
    return p == pe;
}

/* ------------------------------------------------------------- delete */

static long long del_keys(eng_ctx *x) {
    long long n = 0;
    for (int i = 1; i < x->argc; i++) {
        if (eng_lookup_write(x, &x->argv[i])) {
            eng_emitv(x, x->c->db, "sa", "DEL", &x->argv[i]);
            eng_db_delete(x, x->c->db, &x->argv[i]);
            n++;
        }
    }
    return n;
}

void cmd_del(eng_ctx *x) { eng_reply_int(x, del_keys(x)); }
void cmd_unlink(eng_ctx *x) { eng_reply_int(x, del_keys(x)); }

/* strongbox's strict delete: all keys or none. Every key must exist (an
 * expired key does not); otherwise the error names the first missing key
 * and nothing is deleted. A key given twice exists, so it is no error: it
 * is deleted once and counted once, as DEL counts it. */
void cmd_delstrict(eng_ctx *x) {
    for (int i = 1; i < x->argc; i++) {
        if (!eng_lookup_write(x, &x->argv[i])) {
            eng_reply_error(x, "ERR no such key '%.*s': DELSTRICT deleted nothing",
                            (int)(x->argv[i].n > 128 ? 128 : x->argv[i].n),
                            x->argv[i].p);
            return;
        }
    }
    eng_reply_int(x, del_keys(x));
}

void cmd_exists(eng_ctx *x) {
    long long n = 0;
    for (int i = 1; i < x->argc; i++)
        if (lookup_read_notouch(x, &x->argv[i])) n++;
    eng_reply_int(x, n);
}

/* A read look-up (hit/miss stats) that always updates the access time,
 * even for a CLIENT NO-TOUCH client (as in Redis). */
void cmd_touch(eng_ctx *x) {
    long long n = 0;
    for (int i = 1; i < x->argc; i++) {
        kv_entry *e = lookup_read_notouch(x, &x->argv[i]);
        if (e) {
            e->lru = (uint32_t)(x->now_ms / 1000);
            n++;
        }
    }
    eng_reply_int(x, n);
}

void cmd_type(eng_ctx *x) {
    kv_entry *e = lookup_read_notouch(x, &x->argv[1]);
    const char *t = e ? eng_type_name(e->type) : "none";
    resp_add_status(x->out, t);
}

/* --------------------------------------------------------- iteration */

typedef struct collect {
    kv_entry **v;
    size_t n, cap;
} collect;

static void collect_fn(void *ud, kv_entry *e) {
    collect *c = ud;
    if (c->n == c->cap) {
        c->cap = c->cap ? c->cap * 2 : 64;
        c->v = realloc(c->v, c->cap * sizeof(*c->v));
        if (!c->v) abort();
    }
    c->v[c->n++] = e;
}

static int has_glob(const char *p, size_t n) {
    for (size_t i = 0; i < n; i++)
        if (p[i] == '*' || p[i] == '?' || p[i] == '[' || p[i] == '\\') return 1;
    return 0;
}

void cmd_keys(eng_ctx *x) {
    const eng_arg *pat = &x->argv[1];
    kv_table *t = cur_table(x);
    if (!has_glob(pat->p, pat->n)) {
        /* like Redis's KEYS: an expired key is skipped, not deleted */
        kv_entry *e = kv_find(t, pat->p, pat->n);
        if (e && eng_expired(x, e)) e = NULL;
        resp_add_array_len(x->out, e ? 1 : 0);
        if (e) resp_add_bulk(x->out, e->key, e->klen);
        return;
    }
    collect c = {0};
    uint64_t cur = 0;
    do cur = kv_scan_n(t, cur, KV_SCAN_CHUNK, collect_fn, &c); while (cur);
    int all = pat->n == 1 && pat->p[0] == '*';
    size_t n = 0;
    for (size_t i = 0; i < c.n; i++) {
        kv_entry *e = c.v[i];
        if (eng_expired(x, e)) continue;
        if (!all && !eng_glob_match(pat->p, pat->n, e->key, e->klen, 0)) continue;
        c.v[n++] = e;
    }
    resp_add_array_len(x->out, (long long)n);
    for (size_t i = 0; i < n; i++) resp_add_bulk(x->out, c.v[i]->key, c.v[i]->klen);
    free(c.v);
}

/* Redis's parseScanCursorOrReply: strtoul in base 10, no leading space,
 * nothing after the digits, no overflow. So "-1" (wraps), "+5", "" (0) and
 * "007" are valid cursors, like in Redis. */
static int parse_cursor(const eng_arg *a, uint64_t *out) {
    const char *p = a->p;
    if (isspace((unsigned char)p[0])) return -1;
    char *end;
    errno = 0;
    unsigned long long v = strtoull(p, &end, 10);
    if (end[0] != '\0' || errno == ERANGE) return -1;
    *out = (uint64_t)v;
    return 0;
}

void cmd_scan(eng_ctx *x) {
    uint64_t cursor;
    if (parse_cursor(&x->argv[1], &cursor)) {
        eng_reply_error(x, "ERR invalid cursor");
        return;
    }
    long long count = 10;
    const eng_arg *pat = NULL, *type = NULL;
    for (int i = 2; i < x->argc; i++) {
        const eng_arg *a = &x->argv[i];
        if (i + 1 >= x->argc) { eng_reply_syntax(x); return; }
        if (eng_arg_is(a, "count")) {
            if (eng_arg_ll(x, &x->argv[++i], &count)) return;
            if (count < 1) { eng_reply_syntax(x); return; }
        } else if (eng_arg_is(a, "match")) {
            pat = &x->argv[++i];
        } else if (eng_arg_is(a, "type")) {
            type = &x->argv[++i];
        } else {
            eng_reply_syntax(x);
            return;
        }
    }
    if (pat && pat->n == 1 && pat->p[0] == '*') pat = NULL;
    kv_table *t = cur_table(x);
    collect c = {0};
    long long maxiter = count * 10;
    do {
        cursor = kv_scan(t, cursor, collect_fn, &c);
    } while (cursor && maxiter-- && (long long)c.n < count);
    /* filter; delete expired keys after the walk (safe for the cursor) */
    size_t n = 0;
    for (size_t i = 0; i < c.n; i++) {
        kv_entry *e = c.v[i];
        if (pat && !eng_glob_match(pat->p, pat->n, e->key, e->klen, 0)) continue;
        if (type && !eng_arg_is(type, eng_type_name(e->type)))
            continue;
        c.v[n++] = e;
    }
    resp_add_array_len(x->out, 2);
    char buf[24];
    int bl = snprintf(buf, sizeof(buf), "%llu", (unsigned long long)cursor);
    resp_add_bulk(x->out, buf, (size_t)bl);
    /* expired keys are left out of the reply and deleted */
    size_t live = 0;
    for (size_t i = 0; i < n; i++)
        if (!eng_expired(x, c.v[i])) live++;
    resp_add_array_len(x->out, (long long)live);
    for (size_t i = 0; i < n; i++)
        if (!eng_expired(x, c.v[i])) resp_add_bulk(x->out, c.v[i]->key, c.v[i]->klen);
    for (size_t i = 0; i < n; i++) {
        if (eng_expired(x, c.v[i])) {
            if (!eng_unit_room(x->eng, c.v[i]->klen + 32)) break; /* later, then */
            eng_arg k = {c.v[i]->key, c.v[i]->klen};
            eng_lookup(x, x->c->db, &k); /* deletes and logs it */
        }
    }
    free(c.v);
}

/* Like Redis's dbRandomKey on a master: an expired pick is deleted and
 * another one drawn, until a live key is found or the db is empty (every
 * round deletes a key, so this ends). A fixed number of tries would answer
 * nil while live keys exist among many expired ones. */
void cmd_randomkey(eng_ctx *x) {
    kv_table *t = cur_table(x);
    int full = 0; /* draws since the unit had no room for another DEL */
    for (;;) {
        kv_entry *e = kv_random(t);
        if (!e) break;
        if (!eng_expired(x, e)) {
            resp_add_bulk(x->out, e->key, e->klen);
            return;
        }
        if (eng_unit_room(x->eng, e->klen + 32)) {
            eng_arg k = {e->key, e->klen};
            eng_lookup(x, x->c->db, &k);
        } else if (++full == 100) {
            break; /* (gigabytes of DELs in one unit already) */
        }
    }
    eng_reply_null(x);
}

/* ------------------------------------------------------------- rename */

static int same_key(const eng_arg *a, const eng_arg *b) {
    return a->n == b->n && memcmp(a->p, b->p, a->n) == 0;
}

static void rename_generic(eng_ctx *x, int nx) {
    const eng_arg *src = &x->argv[1], *dst = &x->argv[2];
    kv_entry *e = eng_lookup_write(x, src);
    if (!e) { eng_reply_error(x, "ERR no such key"); return; }
    if (same_key(src, dst)) {
        if (nx) eng_reply_int(x, 0);
        else eng_reply_ok(x);
        return;
    }
    kv_entry *d = eng_lookup_write(x, dst);
    if (d && nx) { eng_reply_int(x, 0); return; }
    kv_table *t = cur_table(x);
    eng_emitv(x, x->c->db, "saa", "RENAME", src, dst);
    if (d) kv_delete(t, dst->p, dst->n);
    kv_entry *ne = kv_move(t, src->p, src->n, t, dst->p, dst->n);
    ne->lru = (uint32_t)(x->now_ms / 1000);
    if (nx) eng_reply_int(x, 1);
    else eng_reply_ok(x);
}

void cmd_rename(eng_ctx *x) { rename_generic(x, 0); }
void cmd_renamenx(eng_ctx *x) { rename_generic(x, 1); }

/* Redis's getIntFromObjectOrReply followed by selectDb (MOVE, COPY DB). */
static int parse_db(eng_ctx *x, const eng_arg *a, int *db) {
    long long v;
    if (eng_arg_ll(x, a, &v)) return -1;
    if (v < INT_MIN || v > INT_MAX) {
        eng_reply_error(x, "ERR value is out of range, value must between %d and %d",
                        INT_MIN, INT_MAX);
        return -1;
    }
    if (v < 0 || v >= eng_databases(x->eng)) {
        eng_reply_error(x, "ERR DB index is out of range");
        return -1;
    }
    *db = (int)v;
    return 0;
}

void cmd_copy(eng_ctx *x) {
    const eng_arg *src = &x->argv[1], *dst = &x->argv[2];
    int dbid = x->c->db, replace = 0;
    for (int i = 3; i < x->argc; i++) {
        if (eng_arg_is(&x->argv[i], "replace")) replace = 1;
        else if (eng_arg_is(&x->argv[i], "db") && i + 1 < x->argc) {
            if (parse_db(x, &x->argv[++i], &dbid)) return;
        } else { eng_reply_syntax(x); return; }
    }
    if (dbid == x->c->db && same_key(src, dst)) {
        eng_reply_error(x, "ERR source and destination objects are the same");
        return;
    }
    kv_entry *e = eng_lookup_read(x, src); /* Redis: lookupKeyRead */
    if (!e) { eng_reply_int(x, 0); return; }
    kv_entry *d = eng_lookup(x, dbid, dst);
    if (d && !replace) { eng_reply_int(x, 0); return; }
    kv_table *dt = eng_ks_db(eng_keyspace_of(x->eng), dbid);
    eng_emitv(x, x->c->db, replace ? "saasls" : "saasl", "COPY", src, dst,
              "DB", (long long)dbid, "REPLACE");
    if (d) kv_delete(dt, dst->p, dst->n); /* never e: not the same key */
    kv_entry *ne = kv_insert(dt, dst->p, dst->n, kv_val(e), e->vlen);
    ne->type = e->type;
    ne->flags = e->flags; /* Redis's COPY keeps the encoding */
    if (e->expire_ms != KV_NO_EXPIRE) kv_set_expire(dt, ne, e->expire_ms);
    ne->lru = (uint32_t)(x->now_ms / 1000); /* a new object */
    eng_reply_int(x, 1);
}

void cmd_move(eng_ctx *x) {
    const eng_arg *key = &x->argv[1];
    int dbid;
    if (parse_db(x, &x->argv[2], &dbid)) return;
    if (dbid == x->c->db) {
        eng_reply_error(x, "ERR source and destination objects are the same");
        return;
    }
    kv_entry *e = eng_lookup_write(x, key);
    if (!e || eng_lookup(x, dbid, key)) { eng_reply_int(x, 0); return; }
    eng_emitv(x, x->c->db, "sal", "MOVE", key, (long long)dbid);
    /* the same object moves: it keeps its access time */
    kv_table *dt = eng_ks_db(eng_keyspace_of(x->eng), dbid);
    kv_move(cur_table(x), key->p, key->n, dt, key->p, key->n);
    eng_reply_int(x, 1);
}

void cmd_swapdb(eng_ctx *x) {
    long long a, b;
    /* Redis's getIntFromObject: not an integer or not an int */
    if (eng_parse_ll(x->argv[1].p, x->argv[1].n, &a) || a < INT_MIN || a > INT_MAX) {
        eng_reply_error(x, "ERR invalid first DB index");
        return;
    }
    if (eng_parse_ll(x->argv[2].p, x->argv[2].n, &b) || b < INT_MIN || b > INT_MAX) {
        eng_reply_error(x, "ERR invalid second DB index");
        return;
    }
    int n = eng_databases(x->eng);
    if (a < 0 || a >= n || b < 0 || b >= n) {
        eng_reply_error(x, "ERR DB index is out of range");
        return;
    }
    if (a != b) {
        eng_emitv(x, x->c->db, "sll", "SWAPDB", a, b);
        eng_ks_swap(eng_keyspace_of(x->eng), (int)a, (int)b);
    }
    eng_reply_ok(x);
}

void cmd_dbsize(eng_ctx *x) { eng_reply_int(x, (long long)kv_size(cur_table(x))); }

static int flush_mode_ok(eng_ctx *x) {
    if (x->argc > 2 || (x->argc == 2 && !eng_arg_is(&x->argv[1], "sync") &&
                        !eng_arg_is(&x->argv[1], "async"))) {
        eng_reply_syntax(x);
        return 0;
    }
    return 1;
}

void cmd_flushdb(eng_ctx *x) {
    if (!flush_mode_ok(x)) return;
    kv_table *t = cur_table(x);
    if (kv_size(t)) {
        eng_emitv(x, x->c->db, "s", "FLUSHDB");
        eng_ks_flush(eng_keyspace_of(x->eng), x->c->db);
    }
    eng_reply_ok(x);
}

void cmd_flushall(eng_ctx *x) {
    if (!flush_mode_ok(x)) return;
    eng_keyspace *ks = eng_keyspace_of(x->eng);
    int any = 0;
    for (int i = 0; i < eng_ks_count(ks); i++) any |= kv_size(eng_ks_db(ks, i)) > 0;
    if (any) {
        eng_emitv(x, x->c->db, "s", "FLUSHALL");
        for (int i = 0; i < eng_ks_count(ks); i++) eng_ks_flush(ks, i);
    }
    eng_reply_ok(x);
}

/* ------------------------------------------------------------- expiry */

#define EXP_NX 1
#define EXP_XX 2
#define EXP_GT 4
#define EXP_LT 8

static void expire_generic(eng_ctx *x, long long unit, int absolute) {
    const eng_arg *key = &x->argv[1];
    long long when;
    int flags = 0;
    /* like Redis: the options are checked before the time argument */
    for (int i = 3; i < x->argc; i++) {
        const eng_arg *a = &x->argv[i];
        if (eng_arg_is(a, "nx")) flags |= EXP_NX;
        else if (eng_arg_is(a, "xx")) flags |= EXP_XX;
        else if (eng_arg_is(a, "gt")) flags |= EXP_GT;
        else if (eng_arg_is(a, "lt")) flags |= EXP_LT;
        else {
            eng_reply_error(x, "ERR Unsupported option %s", a->p);
            return;
        }
    }
    if ((flags & EXP_NX) && (flags & (EXP_XX | EXP_GT | EXP_LT))) {
        eng_reply_error(x, "ERR NX and XX, GT or LT options at the same time are not compatible");
        return;
    }
    if ((flags & EXP_GT) && (flags & EXP_LT)) {
        eng_reply_error(x, "ERR GT and LT options at the same time are not compatible");
        return;
    }
    if (eng_arg_ll(x, &x->argv[2], &when)) return;
    /* to absolute ms, with Redis's overflow checks */
    if (unit == 1000 && (when > LLONG_MAX / 1000 || when < LLONG_MIN / 1000))
        goto bad;
    when *= unit;
    if (!absolute) {
        if (when > 0 && x->now_ms > LLONG_MAX - when) goto bad;
        when += x->now_ms;
    }
    kv_entry *e = eng_lookup_write(x, key);
    if (!e) { eng_reply_int(x, 0); return; }
    int64_t cur = e->expire_ms;
    if ((flags & EXP_NX) && cur != KV_NO_EXPIRE) { eng_reply_int(x, 0); return; }
    if ((flags & EXP_XX) && cur == KV_NO_EXPIRE) { eng_reply_int(x, 0); return; }
    if ((flags & EXP_GT) && (cur == KV_NO_EXPIRE || when <= cur)) {
        eng_reply_int(x, 0);
        return;
    }
    if ((flags & EXP_LT) && cur != KV_NO_EXPIRE && when >= cur) {
        eng_reply_int(x, 0);
        return;
    }
    if (when <= x->now_ms) {
        eng_emitv(x, x->c->db, "sa", "DEL", key);
        eng_db_delete(x, x->c->db, key);
    } else {
        kv_set_expire(cur_table(x), e, when);
        eng_emitv(x, x->c->db, "sal", "PEXPIREAT", key, when);
    }
    eng_reply_int(x, 1);
    return;
bad:
    eng_reply_error(x, "ERR invalid expire time in '%s' command", x->cmd->name);
}

void cmd_expire(eng_ctx *x) { expire_generic(x, 1000, 0); }
void cmd_pexpire(eng_ctx *x) { expire_generic(x, 1, 0); }
void cmd_expireat(eng_ctx *x) { expire_generic(x, 1000, 1); }
void cmd_pexpireat(eng_ctx *x) { expire_generic(x, 1, 1); }

/* mode: 0 TTL, 1 PTTL, 2 EXPIRETIME, 3 PEXPIRETIME */
static void ttl_generic(eng_ctx *x, int mode) {
    kv_entry *e = lookup_read_notouch(x, &x->argv[1]);
    if (!e) { eng_reply_int(x, -2); return; }
    if (e->expire_ms == KV_NO_EXPIRE) { eng_reply_int(x, -1); return; }
    long long ttl = e->expire_ms - x->now_ms;
    if (ttl < 0) ttl = 0;
    switch (mode) {
    case 0: eng_reply_int(x, (ttl + 500) / 1000); break;
    case 1: eng_reply_int(x, ttl); break;
    case 2: eng_reply_int(x, e->expire_ms / 1000); break;
    default: eng_reply_int(x, e->expire_ms); break;
    }
}

void cmd_ttl(eng_ctx *x) { ttl_generic(x, 0); }
void cmd_pttl(eng_ctx *x) { ttl_generic(x, 1); }
void cmd_expiretime(eng_ctx *x) { ttl_generic(x, 2); }
void cmd_pexpiretime(eng_ctx *x) { ttl_generic(x, 3); }

void cmd_persist(eng_ctx *x) {
    kv_entry *e = eng_lookup_write(x, &x->argv[1]);
    if (!e || e->expire_ms == KV_NO_EXPIRE) { eng_reply_int(x, 0); return; }
    kv_set_expire(cur_table(x), e, KV_NO_EXPIRE);
    eng_emitv(x, x->c->db, "sa", "PERSIST", &x->argv[1]);
    eng_reply_int(x, 1);
}

/* OBJECT ENCODING|FREQ|IDLETIME|REFCOUNT key, OBJECT HELP */
/* MEMORY USAGE key [SAMPLES count]: the heap bytes of the key's entry
 * (key, value and header are one allocation) and its bucket slot, from the
 * lengths (kv_entry_mem), so the same in a replay. SAMPLES is checked as
 * Redis checks it; a string has nothing to sample. */
void cmd_memory_usage(eng_ctx *x) {
    for (int i = 3; i < x->argc; i++) {
        long long samples;
        if (!eng_arg_is(&x->argv[i], "samples") || i + 1 >= x->argc) {
            eng_reply_syntax(x);
            return;
        }
        if (eng_arg_ll(x, &x->argv[++i], &samples)) return;
        if (samples < 0) {
            eng_reply_syntax(x);
            return;
        }
    }
    kv_entry *e = lookup_read_notouch(x, &x->argv[2]);
    if (!e) {
        eng_reply_null(x);
        return;
    }
    eng_reply_int(x, (long long)(kv_entry_mem(e) + sizeof(kv_entry *)));
}

void cmd_object(eng_ctx *x) {
    const eng_arg *sub = &x->argv[1];
    if (eng_arg_is(sub, "help") && x->argc == 2) {
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
        eng_reply_lines(x, help, sizeof(help) / sizeof(help[0]));
        return;
    }
    if (x->argc != 3) {
        eng_reply_error(x, "ERR unknown subcommand or wrong number of arguments for '%.*s'. Try OBJECT HELP.",
                        (int)sub->n, sub->p);
        return;
    }
    int enc = eng_arg_is(sub, "encoding"), freq = eng_arg_is(sub, "freq");
    int idle = eng_arg_is(sub, "idletime"), ref = eng_arg_is(sub, "refcount");
    if (!enc && !freq && !idle && !ref) {
        eng_reply_error(x, "ERR unknown subcommand '%.*s'. Try OBJECT HELP.",
                        (int)sub->n, sub->p);
        return;
    }
    /* OBJECT does not touch the key (but counts a hit or miss) */
    kv_entry *e = lookup_read_notouch(x, &x->argv[2]);
    if (!e) { eng_reply_null(x); return; }
    if (enc) {
        resp_add_bulk_cstr(x->out, eng_val_encoding(e));
    } else if (idle) {
        long long now_s = x->now_ms / 1000;
        eng_reply_int(x, now_s > e->lru ? now_s - e->lru : 0);
    } else if (ref) {
        long long ll;
        /* Redis shares the objects of the integers 0..9999, but only for
         * int-encoded values (an APPENDed "12" is a raw string of its own) */
        int shared = e->vlen <= 4 && !strcmp(eng_val_encoding(e), "int") &&
                     eng_parse_ll(kv_val(e), e->vlen, &ll) == 0 &&
                     ll >= 0 && ll < 10000;
        eng_reply_int(x, shared ? INT_MAX : 1);
    } else {
        eng_reply_error(x, "ERR An LFU maxmemory policy is not selected, access frequency not tracked. Please note that when switching between policies at runtime LRU and LFU data will take some time to adjust.");
    }
}
