/* keyspace.c -- values, databases, lazy and active expiry.
 *
 * A string value lives inside its kv_entry (see kv.h). Expiry is policy,
 * kept here and out of kv.c: a look-up that finds an expired key deletes
 * it and logs a DEL through eng_emit, exactly like an explicit DEL, so
 * replaying the log never depends on the clock of the replaying machine.
 */
#include "util.h"
#include "keyspace.h"
#include "script.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

/* -------------------------------------------------------------- values */

/* Redis's string encodings: SET/INCR/... store "int" (an integer of at
 * most 20 chars), "embstr" (at most 44 bytes) or "raw" by content, but a
 * string built or modified in place (APPEND, SETRANGE) is always "raw":
 * those commands set ENG_F_RAW, and storing a new value clears it. */
const char *eng_val_encoding(const kv_entry *e) {
    if (e->flags & ENG_F_RAW) return "raw";
    long long ll;
    if (!(e->flags & ENG_F_NOINT) && e->vlen <= 20 && eng_parse_ll(kv_cval(e), e->vlen, &ll) == 0) return "int";
    return e->vlen <= 44 ? "embstr" : "raw";
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
        ks->db[i] = kv_create(seed, NULL);
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
        ks->db[db] = kv_create(ks->seed, NULL);
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
    if (x->in_script) scr_save_expiring(eng_scripts(x->eng), db, e->key, e->klen);
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
    int64_t start = sb_mono_us(), deadline = start + budget_us;
    size_t total = 0, sampled = 0;
    int capped = 0;
    for (int db = 0; db < ks->n && !capped; db++) {
        kv_table *t = ks->db[db];
        for (;;) {
            size_t n = kv_expires_size(t);
            if (n == 0) break;
            int sample = n < 20 ? (int)n : 20, expired = 0, i;
            for (i = 0; i < sample; i++) {
                kv_entry *e = kv_random_expiring(t);
                if (e && eng_expired(x, e)) {
                    if (!eng_unit_room(x->eng, e->klen + 32)) { /* next cycle */
                        capped = 1;
                        break;
                    }
                    expire_now(x, db, t, e);
                    expired++;
                }
            }
            total += (size_t)expired;
            sampled += (size_t)i; /* (fewer when the unit had no room) */
            if (capped || expired * 4 <= sample) break;
            if (sb_mono_us() > deadline) {
                capped = 1;
                break;
            }
        }
        if (!capped && db + 1 < ks->n && sb_mono_us() > deadline) capped = 1;
    }
    /* INFO stats, as Redis keeps them: the time, the cycles cut short,
     * and a moving average of the share of expired keys in the samples */
    eng_stats *st = (eng_stats *)eng_get_stats(x->eng);
    st->expire_cycle_us += (uint64_t)(sb_mono_us() - start);
    st->expire_time_cap_reached += (uint64_t)capped;
    double perc = sampled ? (double)total / (double)sampled : 0.0;
    st->expired_stale_perc = perc * 0.05 + st->expired_stale_perc * 0.95;
    return total;
}
