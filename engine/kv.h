/* kv.h -- the keyspace hash table of one database.
 *
 * Owns: the entries of one database and the index of entries that have an
 * expiry. An entry is ONE allocation: header, key bytes, NUL, value bytes,
 * NUL, spare value capacity. (One malloc per key instead of three is most
 * of why a key costs less memory here than in Redis, and why loading a
 * checkpoint is fast.) The value bytes are opaque to the table: the engine
 * stores strings there, and may store a pointer for other types, freed
 * through the free callback.
 *
 * Threads: engine thread only. No locking.
 *
 * Promises:
 *  - Chained hash table with power-of-two sizes, grown and shrunk by
 *    INCREMENTAL rehashing (a few buckets per operation and per
 *    kv_rehash_step call), so no single call stalls on a big table.
 *  - Keyed hash (SipHash-1-3 with a per-process random key) so clients cannot
 *    force collisions.
 *  - kv_scan has Redis's SCAN guarantees: reverse-binary cursor; every entry
 *    present during the whole scan is returned at least once, even if the
 *    table grows, shrinks or is rehashing between calls; cursor 0 ends it.
 *  - An entry moves in memory only when ITS value is resized (kv_set_val,
 *    kv_grow_val) or it is renamed (kv_move): those return the entry's new
 *    address and the old pointer is dead. Anything else (rehashing, other
 *    keys' inserts, deletes and resizes) leaves it where it is, so callers
 *    may hold a kv_entry* across operations on OTHER keys.
 *  - Every entry with expire_ms != KV_NO_EXPIRE is in the expires index;
 *    kv_random_expiring samples it in O(1).
 *  - The table never looks at the clock: expiry policy lives in the engine.
 */
#ifndef KV_H
#define KV_H

#include <stddef.h>
#include <stdint.h>

#define KV_NO_EXPIRE INT64_C(-1)

typedef struct kv_entry {
    struct kv_entry *next; /* bucket chain, private */
    int64_t expire_ms;     /* absolute unix time in ms, or KV_NO_EXPIRE */
    uint32_t exp_idx;      /* private: slot in the expires index */
    uint32_t epoch;        /* private: checkpoint epoch it was saved in */
    uint32_t lru;          /* free for the engine (access clock, seconds) */
    uint32_t klen;
    uint32_t vlen;         /* value bytes in use (capacity: kv_vcap) */
    uint8_t type;          /* free for the engine (value type) */
    uint8_t flags;         /* free for the engine (encoding marks) */
    char key[];            /* klen bytes, NUL, value, NUL, spare bytes */
} kv_entry;
/* The header is 38 bytes: with a 16-byte key and a 32-byte value an entry
 * is 88 bytes, one 96-byte malloc chunk. Keep it that small. */

/* The value bytes: vlen of them, followed by a NUL. */
size_t kv_vcap(const kv_entry *e); /* value capacity: the allocation's */
static inline char *kv_val(kv_entry *e) { return e->key + e->klen + 1; }
static inline const char *kv_cval(const kv_entry *e) { return e->key + e->klen + 1; }

typedef struct kv_table kv_table;

/* free_val (may be NULL) is called on an entry about to be freed, for
 * values that own memory elsewhere. seed must be 16 bytes shared by all
 * tables of the process (so SWAPDB/MOVE keep working); kv_seed_random()
 * makes one. */
void kv_seed_random(uint8_t seed[16]);
kv_table *kv_create(const uint8_t seed[16], void (*free_val)(kv_entry *));
void kv_destroy(kv_table *t);

uint64_t kv_hash(const kv_table *t, const char *key, size_t klen);
/* The same hash without the recent-keys cache, for keys hashed once (a
 * checkpoint's): reads only the seed, so any thread may call it while the
 * table's owner works on the table. */
uint64_t kv_hash_once(const kv_table *t, const char *key, size_t klen);

size_t kv_size(const kv_table *t);
size_t kv_expires_size(const kv_table *t);
size_t kv_buckets(const kv_table *t);     /* total slots of both tables */
int kv_is_rehashing(const kv_table *t);

/* Look-up only; no expiry logic. NULL when absent. */
kv_entry *kv_find(kv_table *t, const char *key, size_t klen);

/* Insert a key that must not exist, with a copy of the vlen value bytes
 * (val NULL: vlen zero bytes). Returns the new entry (expire_ms =
 * KV_NO_EXPIRE, type, flags and lru 0). */
kv_entry *kv_insert(kv_table *t, const char *key, size_t klen,
                    const char *val, size_t vlen);

/* Like kv_insert, but returns NULL if the key is already present: one
 * hash, one chain walk (bulk loading). */
kv_entry *kv_insert_new(kv_table *t, const char *key, size_t klen,
                        const char *val, size_t vlen);

/* Prefetching for a batch of look-ups or inserts (the engine and the
 * checkpoint loader work in rounds so that the cache misses of several keys
 * overlap instead of adding up). Pure hints: they change nothing and any
 * stage may be skipped.
 *   stage 0: the bucket slot(s) of hash h
 *   stage 1: the first entry of those buckets (reads the slots)
 *   stage 2: the value of the entry for key, if present (walks the chain) */
void kv_prefetch(const kv_table *t, uint64_t h, const char *key, size_t klen, int stage);

/* Bulk loading in stages, so a loader can prefetch buckets ahead of the
 * inserts (a checkpoint load is bound by cache misses): make a detached
 * entry and hash its key, kv_prefetch the bucket, and a few entries later
 * kv_link_new it. kv_link_new returns -1 (linking nothing) if the key is
 * already present; the caller then frees e with kv_entry_free. */
kv_entry *kv_entry_new(const char *key, size_t klen, const char *val, size_t vlen);
void kv_entry_free(kv_entry *e);
int kv_link_new(kv_table *t, kv_entry *e, uint64_t h);

/* Replace the value bytes of an entry (val NULL: vlen zero bytes; type
 * and flags are the caller's).
 * Returns the entry, which may have moved. */
kv_entry *kv_set_val(kv_table *t, kv_entry *e, const char *val, size_t vlen);

/* Make room for at least `need` value bytes (amortised growth, for APPEND
 * and SETRANGE), keeping the current value. The caller then writes the
 * bytes, sets vlen and the NUL. Returns the entry, which may have moved. */
kv_entry *kv_grow_val(kv_table *t, kv_entry *e, size_t need);

/* Remove a key (and its value). Returns 1 if it existed, else 0. */
int kv_delete(kv_table *t, const char *key, size_t klen);

/* RENAME and MOVE: the entry of `key` in `from` becomes the entry of `nkey`
 * in `to` (which may be `from`), keeping value, expiry, lru, type and
 * flags. nkey must not exist in `to`. Returns the moved entry, or NULL if
 * key does not exist. */
kv_entry *kv_move(kv_table *from, const char *key, size_t klen,
                  kv_table *to, const char *nkey, size_t nklen);

/* Set or clear (KV_NO_EXPIRE) the expiry of an entry; maintains the index. */
void kv_set_expire(kv_table *t, kv_entry *e, int64_t expire_ms);

/* A uniformly-ish random entry (NULL if empty): RANDOMKEY. */
kv_entry *kv_random(kv_table *t);
/* A uniformly random entry with an expiry (NULL if none). */
kv_entry *kv_random_expiring(kv_table *t);

/* Visit the entries of the bucket(s) at `cursor` and return the next cursor
 * (0 when the scan is complete). fn must not insert or delete. */
typedef void kv_scan_fn(void *ud, kv_entry *e);
uint64_t kv_scan(kv_table *t, uint64_t cursor, kv_scan_fn *fn, void *ud);
/* n calls of kv_scan in one (fewer if the scan completes): the same
 * entries in the same order, the same cursor returned, but the cache
 * misses of the buckets overlap (prefetching ahead). For long walks. */
uint64_t kv_scan_n(kv_table *t, uint64_t cursor, size_t n, kv_scan_fn *fn, void *ud);
#define KV_SCAN_CHUNK 64 /* an n for whole-table walks: a few prefetch distances */

/* Size the table for n entries now (bulk loading: no incremental growth)
 * and don't shrink below that until kv_reserve(t, 0). Untouched buckets
 * cost only address space (calloc). */
void kv_reserve(kv_table *t, size_t n);

/* Remove everything (FLUSHDB). */
void kv_clear(kv_table *t);

/* Do up to n bucket moves of an ongoing rehash and start a resize if the
 * load factor asks for one. Returns 1 if rehashing is still in progress. */
int kv_rehash_step(kv_table *t, int n);

/* ---- checkpoint support (point-in-time image without a copy) ----
 * While a table has a non-zero epoch, every entry that existed when the
 * epoch was set is handed to `pre` exactly once before its first change
 * (new value, expiry, in-place edit, delete), unless the checkpoint walk
 * saved it first (kv_mark). Entries inserted afterwards carry the epoch
 * already, so they are not part of the image. */
typedef void kv_preimage_fn(void *ud, kv_table *t, kv_entry *e);
void kv_set_epoch(kv_table *t, uint32_t epoch, kv_preimage_fn *pre, void *ud);
uint32_t kv_epoch(const kv_table *t);
/* The walk saved e: no pre-image needed any more. */
static inline int kv_saved(const kv_table *t, const kv_entry *e, uint32_t epoch) {
    (void)t;
    return e->epoch == epoch;
}
void kv_mark(kv_table *t, kv_entry *e);
/* Call before changing e's value in place (APPEND, SETRANGE). */
void kv_will_change(kv_table *t, kv_entry *e);

/* Approximate heap bytes used by the table itself (buckets + entries, not
 * values), for INFO memory. */
size_t kv_overhead(const kv_table *t);
/* The same in parts (MEMORY STATS): the bucket arrays, the expiry index,
 * the entries (keys and values with them). */
void kv_mem(const kv_table *t, size_t *buckets, size_t *expires, size_t *entries);
/* Heap bytes of one entry of its key and value lengths (MEMORY USAGE: a
 * function of the lengths only, not of the allocation's spare room). */
size_t kv_entry_mem(const kv_entry *e);

#endif
