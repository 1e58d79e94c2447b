/* keyspace.c -- values, databases, lazy and active expiry.
 *
 * Values are one allocation (header + bytes) so a string costs one malloc
 * besides its entry. Expiry is policy, kept here and out of kv.c: a
 * look-up that finds an expired key deletes it and logs a DEL through
 * eng_emit, exactly like an explicit DEL, so replaying the log never
 * depends on the clock of the replaying machine.
 */
#include "util.h"
#include "keyspace.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

/* -------------------------------------------------------------- values */

static eng_val *val_alloc(size_t n, size_t cap) {
    if (cap < n) cap = n;
    eng_val *v = malloc(sizeof(eng_val) + cap + 1);
    if (!v) abort();
    v->len = (uint32_t)n;
    v->cap = (uint32_t)cap;
    v->type = ENG_TYPE_STRING;
    v->data[n] = '\0';
    return v;
}

/* A buffer the caller fills in place (SETRANGE creating a key): like a
 * string Redis builds in place, it is "raw", so it always gets spare
 * capacity (the raw marker, see eng_val_encoding). Use eng_val_new for a
 * value Redis would store with its int/embstr/raw encoding by content. */
eng_val *eng_val_new_cap(size_t n, size_t cap) {
    return val_alloc(n, cap > n ? cap : n + 1);
}

eng_val *eng_val_new(const char *p, size_t n) {
    eng_val *v = val_alloc(n, n);
    if (n) memcpy(v->data, p, n);
    return v;
}

/* The copy keeps the capacity: spare capacity is what marks a string
 * modified in place as "raw" (see eng_val_encoding), and Redis's COPY keeps
 * the encoding of the source. */
eng_val *eng_val_dup(const eng_val *v) {
    eng_val *d = val_alloc(v->len, v->cap);
    if (v->len) memcpy(d->data, v->data, v->len);
    d->type = v->type;
    return d;
}

void eng_val_free(void *v) { free(v); }

/* Always leaves spare capacity (cap > n): that marks the value as modified
 * in place, i.e. Redis's "raw" encoding (see eng_val_encoding). */
eng_val *eng_val_grow(eng_val *v, size_t n) {
    if (n < v->cap) return v;
    size_t cap = n < 1024 * 1024 ? n * 2 : n + 1024 * 1024;
    if (cap <= n) cap = n + 1;
    if (cap > UINT32_MAX - 1) cap = n;
    eng_val *nv = realloc(v, sizeof(eng_val) + cap + 1);
    if (!nv) abort();
    nv->cap = (uint32_t)cap;
    return nv;
}

/* Redis's string encodings: SET/INCR/... store "int" (an integer of at
 * most 20 chars), "embstr" (at most 44 bytes) or "raw" by content, but a
 * string modified in place (APPEND, SETRANGE growth) is always "raw". Only
 * eng_val_grow leaves spare capacity, so cap > len marks those values.
 * eng_val_new_cap (buffers built in place) also leaves spare capacity.
 * (Not marked: SETRANGE within the current length, which writes in place
 * without calling any of these.) */
const char *eng_val_encoding(const eng_val *v) {
    if (v->cap > v->len) return "raw";
    long long ll;
    if (v->len <= 20 && eng_parse_ll(v->data, v->len, &ll) == 0) return "int";
    return v->len <= 44 ? "embstr" : "raw";
}

const char *eng_type_name(int type) {
    switch (type) {
    case ENG_TYPE_STRING: return "string";
    default: return "none";
    }
}

/* ----------------------------------------------------------- databases */

struct eng_keyspace {
    int n;
    kv_table **db;
    uint8_t seed[16];
    void (*retire)(void *ud, kv_table *t);
    void *retire_ud;
};

eng_keyspace *eng_ks_create(int databases) {
    eng_keyspace *ks = calloc(1, sizeof(*ks));
    if (!ks) return NULL;
    uint8_t *seed = ks->seed;
    kv_seed_random(seed);
    ks->n = databases;
    ks->db = calloc((size_t)databases, sizeof(kv_table *));
    if (!ks->db) abort();
    for (int i = 0; i < databases; i++) {
        ks->db[i] = kv_create(seed, eng_val_free);
        if (!ks->db[i]) abort();
    }
    return ks;
}

void eng_ks_destroy(eng_keyspace *ks) {
    if (!ks) return;
    for (int i = 0; i < ks->n; i++) kv_destroy(ks->db[i]);
    free(ks->db);
    free(ks);
}

kv_table *eng_ks_db(eng_keyspace *ks, int db) { return ks->db[db]; }
int eng_ks_count(const eng_keyspace *ks) { return ks->n; }

void eng_ks_set_retire(eng_keyspace *ks, void (*fn)(void *ud, kv_table *t), void *ud) {
    ks->retire = fn;
    ks->retire_ud = ud;
}

void eng_ks_flush(eng_keyspace *ks, int db) {
    kv_table *t = ks->db[db];
    if (kv_epoch(t) && ks->retire) {
        /* a checkpoint is still walking it: hand the whole table over
         * (no copy, no pre-images) and start this db afresh */
        ks->db[db] = kv_create(ks->seed, eng_val_free);
        if (!ks->db[db]) abort();
        ks->retire(ks->retire_ud, t);
    } else {
        kv_clear(t);
    }
}

void eng_ks_swap(eng_keyspace *ks, int a, int b) {
    kv_table *t = ks->db[a];
    ks->db[a] = ks->db[b];
    ks->db[b] = t;
}

/* -------------------------------------------------------------- expiry */

int eng_expired(const eng_ctx *x, const kv_entry *e) {
    return e->expire_ms != KV_NO_EXPIRE && e->expire_ms <= x->now_ms;
}

/* Delete an expired entry and log it as a DEL. */
static void expire_now(eng_ctx *x, int db, kv_table *t, kv_entry *e) {
    eng_arg key = {e->key, e->klen};
    eng_arg argv[2] = {{"DEL", 3}, key};
    /* emit before freeing: the record references the key bytes */
    eng_emit(x, db, 2, argv);
    kv_delete(t, e->key, e->klen);
    eng_stats *st = (eng_stats *)eng_get_stats(x->eng);
    st->expired_keys++;
}

kv_entry *eng_lookup(eng_ctx *x, int db, const eng_arg *key) {
    kv_table *t = eng_ks_db(eng_keyspace_of(x->eng), db);
    kv_entry *e = kv_find(t, key->p, key->n);
    if (e && eng_expired(x, e) && !x->replaying && eng_loading(x->eng)->loading) {
        /* while the WAL is replayed, only replay (with the logged time)
         * may decide that a key is gone: a later record may PERSIST it */
        return NULL;
    }
    if (e && eng_expired(x, e)) {
        expire_now(x, db, t, e);
        return NULL;
    }
    return e;
}

kv_entry *eng_lookup_read(eng_ctx *x, const eng_arg *key) {
    kv_entry *e = eng_lookup(x, x->c->db, key);
    eng_stats *st = (eng_stats *)eng_get_stats(x->eng);
    if (e) {
        st->keyspace_hits++;
        if (!(x->c->flags & ENG_CLIENT_NO_TOUCH))
            e->lru = (uint32_t)(x->now_ms / 1000);
    } else {
        st->keyspace_misses++;
    }
    return e;
}

kv_entry *eng_lookup_write(eng_ctx *x, const eng_arg *key) {
    kv_entry *e = eng_lookup(x, x->c->db, key);
    if (e) e->lru = (uint32_t)(x->now_ms / 1000);
    return e;
}

int eng_db_delete(eng_ctx *x, int db, const eng_arg *key) {
    kv_table *t = eng_ks_db(eng_keyspace_of(x->eng), db);
    return kv_delete(t, key->p, key->n);
}


/* Like Redis's activeExpireCycle: per db, sample 20 keys with an expiry;
 * go on while more than a quarter of a sample was expired and time is
 * left. */
size_t eng_active_expire(eng_ctx *x, long budget_us) {
    eng_keyspace *ks = eng_keyspace_of(x->eng);
    int64_t deadline = sb_mono_us() + budget_us;
    size_t total = 0;
    for (int db = 0; db < ks->n; db++) {
        kv_table *t = ks->db[db];
        for (;;) {
            size_t n = kv_expires_size(t);
            if (n == 0) break;
            int sample = n < 20 ? (int)n : 20, expired = 0;
            for (int i = 0; i < sample; i++) {
                kv_entry *e = kv_random_expiring(t);
                if (e && eng_expired(x, e)) {
                    expire_now(x, db, t, e);
                    expired++;
                }
            }
            total += (size_t)expired;
            if (expired * 4 <= sample || sb_mono_us() > deadline) break;
        }
        if (sb_mono_us() > deadline) break;
    }
    return total;
}
