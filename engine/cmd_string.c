/* cmd_string.c -- string commands (Redis 7 semantics and error texts).
 *
 * Change records: every write is logged in a form that replays to the same
 * state without the clock or the old value: relative expiries become
 * PXAT, counters and INCRBYFLOAT log the resulting value (SET ... KEEPTTL),
 * APPEND and SETRANGE log themselves (deterministic given the prior state,
 * and far smaller than the resulting value).
 */
#include "eng_commands.h"
#include "keyspace.h"
#include "util.h"
#include "rdbstr.h"

#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <errno.h>
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define ERR_WRONGTYPE "WRONGTYPE Operation against a key holding the wrong kind of value"

static int check_string(eng_ctx *x, const kv_entry *e) {
    if (e && e->type != ENG_TYPE_STRING) {
        eng_reply_error(x, ERR_WRONGTYPE);
        return -1;
    }
    return 0;
}

static kv_table *cur_db(eng_ctx *x) {
    return eng_ks_db(eng_keyspace_of(x->eng), x->c->db);
}

/* Store the string p[0..n) (NULL: n zero bytes) under key, creating or
 * replacing, with an expiry: exp > 0 absolute ms, exp == KV_NO_EXPIRE
 * clears, keepttl keeps. A fresh value: its encoding follows its content. */
static kv_entry *store_into(eng_ctx *x, kv_entry *e, const eng_arg *key, const char *p,
                            size_t n, int64_t exp, int keepttl);

static kv_entry *store(eng_ctx *x, const eng_arg *key, const char *p, size_t n,
                       int64_t exp, int keepttl) {
    return store_into(x, kv_find(cur_db(x), key->p, key->n), key, p, n, exp, keepttl);
}

/* store() when the caller has looked the key up already: e is its entry,
 * or NULL if it does not exist. */
static kv_entry *store_into(eng_ctx *x, kv_entry *e, const eng_arg *key, const char *p,
                            size_t n, int64_t exp, int keepttl) {
    kv_table *t = cur_db(x);
    if (e) {
        e = kv_set_val(t, e, p, n);
        if (!keepttl) kv_set_expire(t, e, exp);
    } else {
        e = kv_insert(t, key->p, key->n, p, n);
        if (exp != KV_NO_EXPIRE) kv_set_expire(t, e, exp);
    }
    e->type = ENG_TYPE_STRING;
    e->flags = 0;
    e->lru = (uint32_t)(x->now_ms / 1000);
    return e;
}

/* Log "SET key value [PXAT ms]" from the entry's current state. */
static void emit_set_state(eng_ctx *x, const kv_entry *e) {
    eng_arg key = {e->key, e->klen}, val = {kv_cval(e), e->vlen};
    if (e->expire_ms != KV_NO_EXPIRE)
        eng_emitv(x, x->c->db, "saasl", "SET", &key, &val, "PXAT",
                  (long long)e->expire_ms);
    else
        eng_emitv(x, x->c->db, "saa", "SET", &key, &val);
}

/* Converts a relative or absolute expire argument to absolute ms.
 * unit_ms is 1000 for seconds, 1; absolute says *AT. Replies with Redis's
 * error and returns -1 on a bad value. */
static int expire_arg(eng_ctx *x, const eng_arg *a, long long unit_ms,
                      int absolute, const char *cmdname, int64_t *out) {
    long long v;
    if (eng_arg_ll(x, a, &v) != 0) return -1;
    if (v <= 0 || (unit_ms == 1000 && (v > LLONG_MAX / 1000))) goto bad;
    v *= unit_ms;
    if (!absolute) {
        if (v > LLONG_MAX - x->now_ms) goto bad;
        v += x->now_ms;
    }
    *out = v;
    return 0;
bad:
    eng_reply_error(x, "ERR invalid expire time in '%s' command", cmdname);
    return -1;
}

void cmd_get(eng_ctx *x) {
    kv_entry *e = eng_lookup_read(x, &x->argv[1]);
    if (!e) { eng_reply_null(x); return; }
    if (check_string(x, e)) return;
    eng_reply_bulk(x, kv_val(e), e->vlen);
}

/* The generic SET: flags from SET's options. */
#define SET_NX 1
#define SET_XX 2
#define SET_GET 4
#define SET_KEEPTTL 8
#define SET_EX 16
#define SET_PX 32
#define SET_EXAT 64
#define SET_PXAT 128
#define SET_PERSIST 256
#define SET_ANY_EXP (SET_EX | SET_PX | SET_EXAT | SET_PXAT)

/* Redis compares option names as C strings (argv is NUL-terminated), so
 * "nx\0junk" is NX there too. */
static int opt_is(const eng_arg *a, const char *lit) {
    return strcasecmp(a->p, lit) == 0;
}

/* Redis's parseExtendedStringArgumentsOrReply for SET (getex = 0, options
 * from argv[3]) and GETEX (getex = 1, from argv[2]). Only the syntax is
 * checked here: the expire argument (the last one given wins) is returned
 * unparsed in *expire, as Redis validates it later. */
static int parse_string_opts(eng_ctx *x, int getex, int *flags,
                             const eng_arg **expire) {
    *flags = 0;
    *expire = NULL;
    for (int j = getex ? 2 : 3; j < x->argc; j++) {
        const eng_arg *a = &x->argv[j];
        const eng_arg *next = j == x->argc - 1 ? NULL : &x->argv[j + 1];
        int f = *flags;
        if (!getex && opt_is(a, "nx") && !(f & SET_XX)) {
            *flags |= SET_NX;
        } else if (!getex && opt_is(a, "xx") && !(f & SET_NX)) {
            *flags |= SET_XX;
        } else if (!getex && opt_is(a, "get")) {
            *flags |= SET_GET;
        } else if (!getex && opt_is(a, "keepttl") &&
                   !(f & (SET_PERSIST | SET_ANY_EXP))) {
            *flags |= SET_KEEPTTL;
        } else if (getex && opt_is(a, "persist") &&
                   !(f & (SET_KEEPTTL | SET_ANY_EXP))) {
            *flags |= SET_PERSIST;
        } else if (next && !(f & (SET_KEEPTTL | SET_PERSIST)) &&
                   ((opt_is(a, "ex") && !(f & (SET_ANY_EXP & ~SET_EX))) ||
                    (opt_is(a, "px") && !(f & (SET_ANY_EXP & ~SET_PX))) ||
                    (opt_is(a, "exat") && !(f & (SET_ANY_EXP & ~SET_EXAT))) ||
                    (opt_is(a, "pxat") && !(f & (SET_ANY_EXP & ~SET_PXAT))))) {
            *flags |= opt_is(a, "ex") ? SET_EX : opt_is(a, "px") ? SET_PX
                      : opt_is(a, "exat") ? SET_EXAT : SET_PXAT;
            *expire = next;
            j++;
        } else {
            eng_reply_syntax(x);
            return -1;
        }
    }
    return 0;
}

/* The expire argument of SET/GETEX to absolute ms (replies on error). */
static int opts_expire(eng_ctx *x, int flags, const eng_arg *expire,
                       const char *cmdname, int64_t *out) {
    *out = KV_NO_EXPIRE;
    if (!expire) return 0;
    int secs = (flags & (SET_EX | SET_EXAT)) != 0;
    int abs = (flags & (SET_EXAT | SET_PXAT)) != 0;
    return expire_arg(x, expire, secs ? 1000 : 1, abs, cmdname, out);
}

static void set_generic(eng_ctx *x, const eng_arg *key, const eng_arg *val,
                        int flags, int64_t exp, int ok_reply) {
    if (eng_check_value_len(x, val->n)) return;
    /* with GET, Redis reads the old value first (a keyspace hit/miss) */
    kv_entry *old = (flags & SET_GET) ? eng_lookup_read(x, key)
                                      : eng_lookup_write(x, key);
    if ((flags & SET_GET) && check_string(x, old)) return;
    if (((flags & SET_NX) && old) || ((flags & SET_XX) && !old)) {
        if (flags & SET_GET) {
            if (old) eng_reply_bulk(x, kv_val(old), old->vlen);
            else eng_reply_null(x);
        } else if (ok_reply) {
            eng_reply_null(x);
        } else {
            eng_reply_int(x, 0);
        }
        return;
    }
    if (flags & SET_GET) {
        if (old) eng_reply_bulk(x, kv_val(old), old->vlen);
        else eng_reply_null(x);
    } else if (ok_reply) {
        eng_reply_ok(x);
    } else {
        eng_reply_int(x, 1);
    }
    if (exp != KV_NO_EXPIRE && exp <= x->now_ms) {
        /* already expired: the key simply goes away */
        if (old) {
            eng_emitv(x, x->c->db, "sa", "DEL", key);
            eng_db_delete(x, x->c->db, key);
        }
        return;
    }
    kv_entry *e = store_into(x, old, key, val->p, val->n, exp, (flags & SET_KEEPTTL) != 0);
    emit_set_state(x, e);
}

void cmd_set(eng_ctx *x) {
    int flags;
    const eng_arg *expire;
    int64_t exp;
    if (parse_string_opts(x, 0, &flags, &expire) ||
        opts_expire(x, flags, expire, "set", &exp))
        return;
    set_generic(x, &x->argv[1], &x->argv[2], flags, exp, 1);
}

void cmd_setnx(eng_ctx *x) {
    set_generic(x, &x->argv[1], &x->argv[2], SET_NX, KV_NO_EXPIRE, 0);
}

static void setex_generic(eng_ctx *x, long long unit, const char *name) {
    int64_t exp;
    if (expire_arg(x, &x->argv[2], unit, 0, name, &exp)) return;
    set_generic(x, &x->argv[1], &x->argv[3], 0, exp, 1);
}

void cmd_setex(eng_ctx *x) { setex_generic(x, 1000, "setex"); }
void cmd_psetex(eng_ctx *x) { setex_generic(x, 1, "psetex"); }

void cmd_getset(eng_ctx *x) {
    set_generic(x, &x->argv[1], &x->argv[2], SET_GET, KV_NO_EXPIRE, 1);
}

void cmd_getdel(eng_ctx *x) {
    kv_entry *e = eng_lookup_read(x, &x->argv[1]);
    if (!e) { eng_reply_null(x); return; }
    if (check_string(x, e)) return;
    eng_reply_bulk(x, kv_val(e), e->vlen);
    eng_emitv(x, x->c->db, "sa", "DEL", &x->argv[1]);
    eng_db_delete(x, x->c->db, &x->argv[1]);
}

void cmd_getex(eng_ctx *x) {
    int flags;
    const eng_arg *expire;
    if (parse_string_opts(x, 1, &flags, &expire)) return;
    /* Redis looks the key up before it validates the expire time. */
    kv_entry *e = eng_lookup_read(x, &x->argv[1]);
    if (!e) { eng_reply_null(x); return; }
    if (check_string(x, e)) return;
    int64_t exp;
    if (opts_expire(x, flags, expire, "getex", &exp)) return;
    eng_reply_bulk(x, kv_val(e), e->vlen);
    kv_table *t = eng_ks_db(eng_keyspace_of(x->eng), x->c->db);
    if (exp != KV_NO_EXPIRE) {
        if (exp <= x->now_ms) {
            eng_emitv(x, x->c->db, "sa", "DEL", &x->argv[1]);
            kv_delete(t, e->key, e->klen);
        } else {
            kv_set_expire(t, e, exp);
            eng_emitv(x, x->c->db, "sal", "PEXPIREAT", &x->argv[1], (long long)exp);
        }
    } else if ((flags & SET_PERSIST) && e->expire_ms != KV_NO_EXPIRE) {
        kv_set_expire(t, e, KV_NO_EXPIRE);
        eng_emitv(x, x->c->db, "sa", "PERSIST", &x->argv[1]);
    }
}

void cmd_mget(eng_ctx *x) {
    resp_add_array_len(x->out, x->argc - 1);
    for (int i = 1; i < x->argc; i++) {
        kv_entry *e = eng_lookup_read(x, &x->argv[i]);
        if (!e || e->type != ENG_TYPE_STRING) eng_reply_null(x);
        else eng_reply_bulk(x, kv_val(e), e->vlen);
    }
}

static void mset_generic(eng_ctx *x, int nx) {
    if (x->argc % 2 == 0) { eng_reply_wrong_args(x); return; }
    for (int i = 2; i < x->argc; i += 2)
        if (eng_check_value_len(x, x->argv[i].n)) return;
    if (nx) {
        for (int i = 1; i < x->argc; i += 2)
            if (eng_lookup_write(x, &x->argv[i])) {
                eng_reply_int(x, 0);
                return;
            }
    }
    for (int i = 1; i < x->argc; i += 2) {
        kv_entry *e = store(x, &x->argv[i], x->argv[i + 1].p, x->argv[i + 1].n,
                            KV_NO_EXPIRE, 0);
        emit_set_state(x, e);
    }
    if (nx) eng_reply_int(x, 1);
    else eng_reply_ok(x);
}

void cmd_mset(eng_ctx *x) { mset_generic(x, 0); }
void cmd_msetnx(eng_ctx *x) { mset_generic(x, 1); }

/* Store a new string value into an existing entry or a new key, keeping
 * the TTL, and log it as SET ... KEEPTTL. */
static kv_entry *store_keepttl(eng_ctx *x, const eng_arg *key, const char *p,
                               size_t n) {
    kv_entry *e = store(x, key, p, n, KV_NO_EXPIRE, 1);
    eng_arg val = {p, n};
    eng_emitv(x, x->c->db, "saas", "SET", key, &val, "KEEPTTL");
    return e;
}

static void incr_generic(eng_ctx *x, long long by) {
    kv_entry *e = eng_lookup_write(x, &x->argv[1]);
    if (check_string(x, e)) return;
    long long cur = 0;
    if (e) {
        if (eng_parse_ll(kv_val(e), e->vlen, &cur) != 0) {
            eng_reply_error(x, "ERR value is not an integer or out of range");
            return;
        }
    }
    if ((by < 0 && cur < 0 && by < LLONG_MIN - cur) ||
        (by > 0 && cur > 0 && by > LLONG_MAX - cur)) {
        eng_reply_error(x, "ERR increment or decrement would overflow");
        return;
    }
    cur += by;
    char buf[24];
    int n = sb_fmt_ll(buf, cur); /* (snprintf was 2% of INCR -P 16) */
    /* the result is a value like any other: max-value-length applies */
    if (eng_check_value_len(x, (size_t)n)) return;
    store_keepttl(x, &x->argv[1], buf, (size_t)n);
    eng_reply_int(x, cur);
}

void cmd_incr(eng_ctx *x) { incr_generic(x, 1); }
void cmd_decr(eng_ctx *x) { incr_generic(x, -1); }

void cmd_incrby(eng_ctx *x) {
    long long by;
    if (eng_arg_ll(x, &x->argv[2], &by)) return;
    incr_generic(x, by);
}

void cmd_decrby(eng_ctx *x) {
    long long by;
    if (eng_arg_ll(x, &x->argv[2], &by)) return;
    if (by == LLONG_MIN) {
        eng_reply_error(x, "ERR decrement would overflow");
        return;
    }
    incr_generic(x, -by);
}

/* Format a long double the way Redis's INCRBYFLOAT does (ld2string with
 * LD_STR_HUMAN: %.17Lf, then trim trailing zeroes after the point). */
static int fmt_incrbyfloat(char *buf, size_t cap, long double v) {
    int n = snprintf(buf, cap, "%.17Lf", v);
    if (n <= 0 || (size_t)n >= cap) return -1;
    if (strchr(buf, '.')) {
        while (n > 0 && buf[n - 1] == '0') n--;
        if (n > 0 && buf[n - 1] == '.') n--;
        buf[n] = '\0';
    }
    if (n == 2 && memcmp(buf, "-0", 2) == 0) { buf[0] = '0'; buf[1] = 0; n = 1; }
    return n;
}

/* Redis's string2ld: strtold over the whole (NUL-free) string, shorter
 * than MAX_LONG_DOUBLE_CHARS, no leading space, no NaN, no overflow or
 * underflow to zero. "inf" is accepted (Redis then refuses the result). */
#define MAX_LONG_DOUBLE_CHARS (5 * 1024)
static int string2ld(const char *s, size_t n, long double *out) {
    char buf[MAX_LONG_DOUBLE_CHARS];
    if (n == 0 || n >= sizeof(buf)) return -1;
    memcpy(buf, s, n);
    buf[n] = '\0';
    char *end;
    errno = 0;
    long double v = strtold(buf, &end);
    if (isspace((unsigned char)buf[0]) || *end != '\0' ||
        (size_t)(end - buf) != n ||
        (errno == ERANGE && (v == HUGE_VALL || v == -HUGE_VALL || v == 0)) ||
        errno == EINVAL || isnan(v))
        return -1;
    *out = v;
    return 0;
}

void cmd_incrbyfloat(eng_ctx *x) {
    kv_entry *e = eng_lookup_write(x, &x->argv[1]);
    if (check_string(x, e)) return;
    long double cur = 0, by;
    if ((e && string2ld(kv_val(e), e->vlen, &cur) != 0) ||
        string2ld(x->argv[2].p, x->argv[2].n, &by) != 0) {
        eng_reply_error(x, "ERR value is not a valid float");
        return;
    }
    cur += by;
    if (isnan(cur) || isinf(cur)) {
        eng_reply_error(x, "ERR increment would produce NaN or Infinity");
        return;
    }
    char buf[MAX_LONG_DOUBLE_CHARS];
    int n = fmt_incrbyfloat(buf, sizeof(buf), cur);
    if (n < 0) {
        eng_reply_error(x, "ERR value is not a valid float");
        return;
    }
    if (eng_check_value_len(x, (size_t)n)) return;
    store_keepttl(x, &x->argv[1], buf, (size_t)n)->flags |= ENG_F_NOINT;
    eng_reply_bulk(x, buf, (size_t)n);
}

static long long proto_max_bulk(eng_ctx *x) {
    const eng_limits *l = eng_get_limits(x->eng);
    return l && l->proto_max_bulk_len > 0 ? l->proto_max_bulk_len
                                          : 512LL * 1024 * 1024;
}

/* Redis's checkStringLength plus our max-value-length. */
static int check_len(eng_ctx *x, size_t total) {
    if (total >= UINT32_MAX || (!x->replaying && (long long)total > proto_max_bulk(x))) {
        eng_reply_error(x, "ERR string exceeds maximum allowed size (proto-max-bulk-len)");
        return -1;
    }
    return eng_check_value_len(x, total);
}

void cmd_append(eng_ctx *x) {
    const eng_arg *key = &x->argv[1], *add = &x->argv[2];
    kv_entry *e = eng_lookup_write(x, key);
    if (check_string(x, e)) return;
    size_t len;
    if (!e) {
        if (check_len(x, add->n)) return;
        store(x, key, add->p, add->n, KV_NO_EXPIRE, 0);
        len = add->n;
    } else {
        if (check_len(x, (size_t)e->vlen + add->n)) return;
        /* grows in place or moves; a checkpoint gets the old value first */
        e = kv_grow_val(cur_db(x), e, (size_t)e->vlen + add->n);
        memcpy(kv_val(e) + e->vlen, add->p, add->n);
        e->vlen += (uint32_t)add->n;
        kv_val(e)[e->vlen] = '\0';
        e->flags |= ENG_F_RAW;
        len = e->vlen;
    }
    eng_emitv(x, x->c->db, "saa", "APPEND", key, add);
    eng_reply_int(x, (long long)len);
}

void cmd_strlen(eng_ctx *x) {
    kv_entry *e = eng_lookup_read(x, &x->argv[1]);
    if (check_string(x, e)) return;
    eng_reply_int(x, e ? e->vlen : 0);
}

void cmd_getrange(eng_ctx *x) {
    long long start, end;
    if (eng_arg_ll(x, &x->argv[2], &start) || eng_arg_ll(x, &x->argv[3], &end))
        return;
    kv_entry *e = eng_lookup_read(x, &x->argv[1]);
    if (check_string(x, e)) return;
    if (!e) { eng_reply_bulk(x, "", 0); return; }
    long long len = e->vlen;
    if (start < 0 && end < 0 && start > end) { eng_reply_bulk(x, "", 0); return; }
    if (start < 0) start += len;
    if (end < 0) end += len;
    if (start < 0) start = 0;
    if (end < 0) end = 0;
    if (end >= len) end = len - 1;
    if (len == 0 || start > end) { eng_reply_bulk(x, "", 0); return; }
    eng_reply_bulk(x, kv_val(e) + start, (size_t)(end - start + 1));
}

void cmd_setrange(eng_ctx *x) {
    const eng_arg *key = &x->argv[1], *val = &x->argv[3];
    long long off;
    if (eng_arg_ll(x, &x->argv[2], &off)) return;
    if (off < 0) { eng_reply_error(x, "ERR offset is out of range"); return; }
    kv_entry *e = eng_lookup_write(x, key);
    if (check_string(x, e)) return;
    if (val->n == 0) { /* nothing to write: reply the length, no change */
        eng_reply_int(x, e ? e->vlen : 0);
        return;
    }
    if ((unsigned long long)off > SIZE_MAX / 2 || check_len(x, (size_t)off + val->n))
        return;
    size_t need = (size_t)off + val->n;
    if (!e) {
        e = store(x, key, NULL, need, KV_NO_EXPIRE, 0);
    } else {
        /* grows in place or moves; a checkpoint gets the old value first */
        e = kv_grow_val(cur_db(x), e, need);
        if (need > e->vlen) {
            memset(kv_val(e) + e->vlen, 0, need - e->vlen);
            e->vlen = (uint32_t)need;
            kv_val(e)[need] = '\0';
        }
    }
    /* Redis unshares the value first: an int/embstr becomes raw even when
     * written within its length */
    e->flags |= ENG_F_RAW;
    memcpy(kv_val(e) + off, val->p, val->n);
    eng_emitv(x, x->c->db, "saaa", "SETRANGE", key, &x->argv[2], val);
    eng_reply_int(x, e->vlen);
}

/* LCS key1 key2 [LEN] [IDX] [MINMATCHLEN n] [WITHMATCHLEN] */
void cmd_lcs(eng_ctx *x) {
    int getlen = 0, getidx = 0, withmatchlen = 0;
    long long minmatch = 0;
    for (int i = 3; i < x->argc; i++) {
        const eng_arg *a = &x->argv[i];
        if (opt_is(a, "len")) getlen = 1;
        else if (opt_is(a, "idx")) getidx = 1;
        else if (opt_is(a, "withmatchlen")) withmatchlen = 1;
        else if (opt_is(a, "minmatchlen") && i + 1 < x->argc) {
            if (eng_arg_ll(x, &x->argv[++i], &minmatch)) return;
            if (minmatch < 0) minmatch = 0;
        } else { eng_reply_syntax(x); return; }
    }
    if (getlen && getidx) {
        eng_reply_error(x, "ERR If you want both the length and indexes, please just use IDX.");
        return;
    }
    kv_entry *ea = eng_lookup_read(x, &x->argv[1]);
    kv_entry *eb = eng_lookup_read(x, &x->argv[2]);
    if (check_string(x, ea) || check_string(x, eb)) return;
    const char *a = ea ? kv_cval(ea) : "";
    const char *b = eb ? kv_cval(eb) : "";
    size_t alen = ea ? ea->vlen : 0;
    size_t blen = eb ? eb->vlen : 0;
    if (alen >= UINT32_MAX - 1 || blen >= UINT32_MAX - 1) {
        eng_reply_error(x, "ERR String too long for LCS");
        return;
    }
    /* Redis 7.0.15: the table may not exceed proto-max-bulk-len bytes */
    unsigned long long cells = (unsigned long long)(alen + 1) * (blen + 1);
    unsigned long long bytes = cells * sizeof(uint32_t);
    if (bytes > SIZE_MAX || bytes / cells != sizeof(uint32_t) ||
        bytes > (unsigned long long)proto_max_bulk(x)) {
        eng_reply_error(x, "ERR Insufficient memory, transient memory for LCS exceeds proto-max-bulk-len");
        return;
    }
    uint32_t *dp = malloc((size_t)bytes);
    if (!dp) {
        eng_reply_error(x, "ERR Insufficient memory, failed allocating transient memory for LCS");
        return;
    }
#define LCS(i, j) dp[(j) + ((i) * (blen + 1))]
    for (size_t i = 0; i <= alen; i++)
        for (size_t j = 0; j <= blen; j++) {
            if (i == 0 || j == 0) LCS(i, j) = 0;
            else if (a[i - 1] == b[j - 1]) LCS(i, j) = LCS(i - 1, j - 1) + 1;
            else LCS(i, j) = LCS(i - 1, j) > LCS(i, j - 1) ? LCS(i - 1, j) : LCS(i, j - 1);
        }
    uint32_t idx = LCS(alen, blen);
    char *res = malloc((size_t)idx + 1);
    if (!res) abort();
    res[idx] = 0;
    /* walk back, collecting matches for IDX */
    size_t i = alen, j = blen, k = idx;
    long long arange_start = (long long)alen, arange_end = 0, brange_start = 0, brange_end = 0;
    size_t nmatch = 0;
    resp_buf tmp;
    resp_buf_init(&tmp);
    while (k > 0 && i > 0 && j > 0) {
        int emit_range = 0;
        if (a[i - 1] == b[j - 1]) {
            res[--k] = a[i - 1];
            if (arange_start == (long long)alen) {
                arange_start = (long long)i - 1; arange_end = (long long)i - 1;
                brange_start = (long long)j - 1; brange_end = (long long)j - 1;
            } else if (arange_start == (long long)i && brange_start == (long long)j) {
                arange_start--; brange_start--;
            } else {
                emit_range = 1;
            }
            if (arange_start == 0 || brange_start == 0) emit_range = 1;
            i--; j--;
        } else {
            if (LCS(i - 1, j) > LCS(i, j - 1)) i--; else j--;
            if (arange_start != (long long)alen) emit_range = 1;
        }
        if (emit_range) {
            long long mlen = arange_end - arange_start + 1;
            if (getidx && mlen >= minmatch) {
                resp_add_array_len(&tmp, withmatchlen ? 3 : 2);
                resp_add_array_len(&tmp, 2);
                resp_add_int(&tmp, arange_start); resp_add_int(&tmp, arange_end);
                resp_add_array_len(&tmp, 2);
                resp_add_int(&tmp, brange_start); resp_add_int(&tmp, brange_end);
                if (withmatchlen) resp_add_int(&tmp, mlen);
                nmatch++;
            }
            arange_start = (long long)alen;
        }
    }
    if (arange_start != (long long)alen) {
        long long mlen = arange_end - arange_start + 1;
        if (getidx && mlen >= minmatch) {
            resp_add_array_len(&tmp, withmatchlen ? 3 : 2);
            resp_add_array_len(&tmp, 2);
            resp_add_int(&tmp, arange_start); resp_add_int(&tmp, arange_end);
            resp_add_array_len(&tmp, 2);
            resp_add_int(&tmp, brange_start); resp_add_int(&tmp, brange_end);
            if (withmatchlen) resp_add_int(&tmp, mlen);
            nmatch++;
        }
    }
    if (getidx) {
        resp_add_map_len(x->out, x->proto, 2);
        resp_add_bulk_cstr(x->out, "matches");
        resp_add_array_len(x->out, (long long)nmatch);
        resp_buf_append(x->out, tmp.data, tmp.len);
        resp_add_bulk_cstr(x->out, "len");
        resp_add_int(x->out, idx);
    } else if (getlen) {
        eng_reply_int(x, idx);
    } else {
        eng_reply_bulk(x, res, idx);
    }
#undef LCS
    resp_buf_free(&tmp);
    free(res);
    free(dp);
}

/* ---------------------------------------------------------- DUMP RESTORE */

/* DUMP key: the value in Redis's serialization (rdbstr.h), which RESTORE
 * here or in Redis takes back. */
void cmd_dump(eng_ctx *x) {
    kv_entry *e = eng_lookup_read(x, &x->argv[1]);
    if (!e) {
        eng_reply_null(x);
        return;
    }
    size_t cap = rdbstr_dump_size(e->vlen);
    char *buf = malloc(cap);
    if (!buf) abort();
    size_t n = rdbstr_dump(kv_val(e), e->vlen, buf);
    eng_reply_bulk(x, buf, n);
    free(buf);
}

/* RESTORE key ttl payload [REPLACE] [ABSTTL] [IDLETIME s] [FREQ f], as
 * Redis 7.0 checks it; a string payload (Redis's or ours) only. Logged as
 * the SET it amounts to. */
void cmd_restore(eng_ctx *x) {
    int replace = 0, absttl = 0, idle_given = 0, freq_given = 0;
    for (int j = 4; j < x->argc; j++) {
        const eng_arg *a = &x->argv[j];
        int more = x->argc - j - 1;
        long long v;
        if (opt_is(a, "replace")) {
            replace = 1;
        } else if (opt_is(a, "absttl")) {
            absttl = 1;
        } else if (opt_is(a, "idletime") && more >= 1 && !freq_given) {
            if (eng_arg_ll(x, &x->argv[++j], &v)) return;
            if (v < 0) {
                eng_reply_error(x, "ERR Invalid IDLETIME value, must be >= 0");
                return;
            }
            idle_given = 1;
        } else if (opt_is(a, "freq") && more >= 1 && !idle_given) {
            if (eng_arg_ll(x, &x->argv[++j], &v)) return;
            if (v < 0 || v > 255) {
                eng_reply_error(x, "ERR Invalid FREQ value, must be >= 0 and <= 255");
                return;
            }
            freq_given = 1;
        } else {
            eng_reply_syntax(x);
            return;
        }
    }
    const eng_arg *key = &x->argv[1];
    kv_entry *old = eng_lookup_write(x, key);
    if (!replace && old) {
        eng_reply_error(x, "BUSYKEY Target key name already exists.");
        return;
    }
    long long ttl;
    if (eng_arg_ll(x, &x->argv[2], &ttl)) return;
    if (ttl < 0) {
        eng_reply_error(x, "ERR Invalid TTL value, must be >= 0");
        return;
    }
    char *val;
    size_t n;
    int type;
    /* (at most what SET could store: checked before the value is made) */
    size_t max = x->replaying ? UINT32_MAX - 1 : (size_t)proto_max_bulk(x);
    int rc = rdbstr_restore(x->argv[3].p, x->argv[3].n, max, &val, &n, &type);
    if (rc == RDBSTR_TOO_LONG) {
        eng_reply_error(x, "ERR string exceeds maximum allowed size (proto-max-bulk-len)");
        return;
    }
    if (rc == RDBSTR_BAD_CHECKSUM) {
        eng_reply_error(x, "ERR DUMP payload version or checksum are wrong");
        return;
    }
    if (rc == RDBSTR_NOT_STRING) {
        eng_reply_error(x, "ERR Bad data format: strongbox holds strings only, and this "
                           "payload is of RDB type %d", type);
        return;
    }
    if (rc != RDBSTR_OK) {
        eng_reply_error(x, "ERR Bad data format");
        return;
    }
    if (check_len(x, n)) {
        free(val);
        return;
    }
    int64_t exp = KV_NO_EXPIRE;
    if (ttl) exp = absttl ? ttl : (ttl > LLONG_MAX - x->now_ms ? LLONG_MAX : ttl + x->now_ms);
    eng_reply_ok(x);
    if (exp != KV_NO_EXPIRE && exp <= x->now_ms) { /* already expired: not created */
        if (old) {
            eng_emitv(x, x->c->db, "sa", "DEL", key);
            eng_db_delete(x, x->c->db, key);
        }
    } else {
        kv_entry *e = store_into(x, old, key, val, n, exp, 0);
        emit_set_state(x, e);
    }
    free(val);
}
