/* kv.c -- the keyspace hash table of one database (see kv.h).
 *
 * Design, modelled on Redis's dict.c:
 *
 *  - Two chained hash tables ht[0] and ht[1], each with a power-of-two number
 *    of buckets (index = hash & mask). Normally only ht[0] is in use.
 *
 *  - Resizing is INCREMENTAL. A resize allocates ht[1] with the new size and
 *    sets rehashidx = 0; from then on every kv_find/kv_insert/kv_delete/
 *    kv_move/kv_random moves one bucket of ht[0] into ht[1] (rehash_step,
 *    like _dictRehashStep), and kv_rehash_step(t, n) moves n buckets for the
 *    engine's cron. Buckets of ht[0] below rehashidx are empty. While
 *    rehashing, look-ups probe both tables and inserts go to ht[1]. When ht[0]
 *    is empty, ht[1] becomes ht[0]. Entries are relinked, never reallocated,
 *    so kv_entry pointers stay valid across rehashing.
 *
 *  - Resize policy: grow (to the next power of two > size, i.e. double) when
 *    size >= buckets, checked on insert and in kv_rehash_step; shrink (to the
 *    next power of two >= size, at least KV_MIN_BUCKETS) when size < 10% of
 *    buckets, checked on delete and in kv_rehash_step. No new resize starts
 *    while one is in progress; when one finishes inside kv_rehash_step the
 *    next one (if due) is started at once, so a cron loop ends with a table
 *    of the right size. A shrink needs no re-hashing of keys: the new index
 *    is the old index masked down.
 *
 *  - Hash: SipHash-1-3 (64-bit output) keyed with the process-wide 16-byte
 *    seed, so clients cannot craft colliding keys.
 *
 *  - Entries are one allocation each: header, key bytes, NUL, value bytes,
 *    NUL, spare capacity. A value that outgrows its capacity (or shrinks a
 *    lot) reallocates the entry; realloc_entry then re-points the one chain
 *    link and the expires-index slot that referenced the old address.
 *
 *  - Expires index: a dense array of the entries with an expiry; each such
 *    entry knows its slot (exp_idx). Removal moves the last element into the
 *    hole. This makes kv_random_expiring O(1) and uniform.
 *
 *  - kv_scan is dictScan: the cursor is a bucket index whose masked bits are
 *    incremented from the most significant one downwards ("reverse binary
 *    increment"). Bucket i of a 2^n table splits into buckets i and i + 2^n
 *    of a 2^(n+1) table (and they merge back on shrinking); in reverse order
 *    the cursors already returned cover, at any size, exactly the buckets
 *    holding what was already visited, so a resize between calls can cause
 *    duplicates but never misses. While rehashing, a cursor visits its bucket
 *    in the smaller table and then every bucket of the larger table that it
 *    expands to. kv_scan itself never rehashes.
 *
 *  - kv_random and kv_random_expiring use a private xorshift64* generator
 *    seeded from the hash seed and the table address.
 */
#include "kv.h"

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
/* An entry's value capacity is whatever its allocation really holds, so
 * the entry needs no capacity field: malloc_usable_size (glibc, musl). */
#include <malloc.h>
#define KV_USABLE(p) malloc_usable_size((void *)(p))

#define KV_MIN_BUCKETS 4         /* smallest table (and the initial one) */
#define KV_EMPTY_VISITS 10       /* empty buckets skipped per bucket move */
#define KV_NOT_REHASHING SIZE_MAX
#define KV_HC_KEY 32             /* keys up to this long use the hash cache */
#define KV_HC_BITS 7             /* 128 cache slots: more than a prefetch window's keys */

typedef struct kv_hc {
    uint64_t h;
    uint32_t n1;                 /* key length + 1; 0: empty slot */
    char copy[KV_HC_KEY];
} kv_hc;

typedef struct kv_ht {
    kv_entry **table;
    size_t size; /* number of buckets, a power of two (0 only for ht[1]) */
    size_t mask; /* size - 1 */
    size_t used; /* entries linked into this table */
} kv_ht;

struct kv_table {
    kv_ht ht[2];
    size_t rehashidx;      /* next ht[0] bucket to move, or KV_NOT_REHASHING */
    uint64_t k0, k1;       /* SipHash key */
    void (*free_val)(kv_entry *);
    kv_entry **exp;        /* expires index */
    size_t exp_len, exp_cap;
    size_t entry_bytes;    /* heap bytes of all entries */
    uint64_t rng;          /* xorshift64* state, never 0 */
    uint32_t epoch;        /* checkpoint epoch, 0 = none */
    size_t min_size;       /* kv_reserve: never shrink below this */
    kv_preimage_fn *pre;
    void *pre_ud;
    /* Recently hashed keys, by content: a command's key is hashed several
     * times (the engine's prefetch window, the look-up, a script's undo
     * save, an insert), from different buffers (the request, a Lua
     * string). Direct-mapped on a cheap mix of the key's bytes: a clash
     * only costs a miss. Allocated at the first hash. */
    kv_hc *hc;
};

/* ------------------------------------------------------------- helpers */

static void kv_oom(size_t n) {
    fprintf(stderr, "kv: out of memory allocating %zu bytes\n", n);
    abort();
}

static inline int rehashing(const kv_table *t) {
    return t->rehashidx != KV_NOT_REHASHING;
}

static uint64_t load64le(const uint8_t *p) {
    uint64_t v = 0;
    for (int i = 7; i >= 0; i--) v = (v << 8) | p[i];
    return v;
}

static uint64_t splitmix64(uint64_t *x) {
    uint64_t z = (*x += UINT64_C(0x9e3779b97f4a7c15));
    z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
    z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
    return z ^ (z >> 31);
}

/* xorshift64*: fast, good enough for sampling; never returns to state 0. */
static uint64_t rng_next(kv_table *t) {
    uint64_t x = t->rng;
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    t->rng = x;
    return x * UINT64_C(0x2545f4914f6cdd1d);
}

/* Random number in [0, n), n > 0. The modulo bias is negligible for 64 bits. */
static size_t rng_below(kv_table *t, size_t n) {
    return (size_t)(rng_next(t) % n);
}

/* Bit-reverse a 64-bit word (for the SCAN cursor). */
static uint64_t rev64(uint64_t v) {
    v = ((v >> 1) & UINT64_C(0x5555555555555555)) | ((v & UINT64_C(0x5555555555555555)) << 1);
    v = ((v >> 2) & UINT64_C(0x3333333333333333)) | ((v & UINT64_C(0x3333333333333333)) << 2);
    v = ((v >> 4) & UINT64_C(0x0f0f0f0f0f0f0f0f)) | ((v & UINT64_C(0x0f0f0f0f0f0f0f0f)) << 4);
    v = ((v >> 8) & UINT64_C(0x00ff00ff00ff00ff)) | ((v & UINT64_C(0x00ff00ff00ff00ff)) << 8);
    v = ((v >> 16) & UINT64_C(0x0000ffff0000ffff)) | ((v & UINT64_C(0x0000ffff0000ffff)) << 16);
    return (v >> 32) | (v << 32);
}

/* Smallest power of two >= n, at least KV_MIN_BUCKETS; 0 on overflow. */
static size_t next_pow2(size_t n) {
    size_t s = KV_MIN_BUCKETS;
    while (s < n) {
        if (s > SIZE_MAX / 2) return 0;
        s <<= 1;
    }
    return s;
}

static int ht_init(kv_ht *h, size_t size) {
    kv_entry **tab = calloc(size, sizeof(*tab));
    if (!tab) return -1;
    h->table = tab;
    h->size = size;
    h->mask = size - 1;
    h->used = 0;
    return 0;
}

/* Bytes of an entry with these key and value capacities. */
static inline size_t entry_size(size_t klen, size_t vcap) {
    return offsetof(kv_entry, key) + klen + 1 + vcap + 1;
}

_Static_assert(offsetof(kv_entry, key) == 38, "kv_entry header grew: see kv.h");

static inline size_t entry_bytes(const kv_entry *e) { return KV_USABLE(e); }

size_t kv_vcap(const kv_entry *e) {
    size_t cap = KV_USABLE(e) - offsetof(kv_entry, key) - e->klen - 2;
    return cap < UINT32_MAX - 1 ? cap : UINT32_MAX - 2;
}

static inline int key_eq(const kv_entry *e, const char *key, size_t klen) {
    return e->klen == klen && (klen == 0 || memcmp(e->key, key, klen) == 0);
}

/* --------------------------------------------------------- SipHash-1-3 */

#define ROTL64(x, b) (uint64_t)(((x) << (b)) | ((x) >> (64 - (b))))
#define SIPROUND do { \
    v0 += v1; v1 = ROTL64(v1, 13); v1 ^= v0; v0 = ROTL64(v0, 32); \
    v2 += v3; v3 = ROTL64(v3, 16); v3 ^= v2; \
    v0 += v3; v3 = ROTL64(v3, 21); v3 ^= v0; \
    v2 += v1; v1 = ROTL64(v1, 17); v1 ^= v2; v2 = ROTL64(v2, 32); \
} while (0)

static uint64_t siphash13(uint64_t k0, uint64_t k1, const uint8_t *in, size_t len) {
    uint64_t v0 = UINT64_C(0x736f6d6570736575) ^ k0;
    uint64_t v1 = UINT64_C(0x646f72616e646f6d) ^ k1;
    uint64_t v2 = UINT64_C(0x6c7967656e657261) ^ k0;
    uint64_t v3 = UINT64_C(0x7465646279746573) ^ k1;
    size_t blocks = len & ~(size_t)7, i;
    uint64_t b = (uint64_t)len << 56; /* length in the top byte */

    for (i = 0; i < blocks; i += 8) { /* one compression round per block */
        uint64_t m = load64le(in + i);
        v3 ^= m;
        SIPROUND;
        v0 ^= m;
    }
    for (; i < len; i++) /* tail bytes, little-endian */
        b |= (uint64_t)in[i] << (8 * (i - blocks));
    v3 ^= b;
    SIPROUND;
    v0 ^= b;
    v2 ^= 0xff; /* three finalization rounds */
    SIPROUND;
    SIPROUND;
    SIPROUND;
    return v0 ^ v1 ^ v2 ^ v3;
}

/* The cache slot of a key (klen <= KV_HC_KEY): its first and last 8 bytes
 * and its length, mixed. */
static size_t hc_slot(const char *key, size_t klen) {
    uint64_t a = 0, b = 0;
    if (klen >= 8) {
        memcpy(&a, key, 8);
        memcpy(&b, key + klen - 8, 8);
    } else {
        for (size_t i = 0; i < klen; i++) a = a << 8 | (unsigned char)key[i];
    }
    uint64_t x = (a ^ b * UINT64_C(0x9e3779b97f4a7c15) ^ klen) * UINT64_C(0xff51afd7ed558ccd);
    return (size_t)(x >> (64 - KV_HC_BITS));
}

uint64_t kv_hash(const kv_table *t, const char *key, size_t klen) {
    kv_table *m = (kv_table *)t; /* the cache is not part of the table's state */
    if (!key || klen > KV_HC_KEY ||
        (!m->hc && !(m->hc = calloc((size_t)1 << KV_HC_BITS, sizeof(kv_hc)))))
        return siphash13(t->k0, t->k1, (const uint8_t *)key, klen);
    kv_hc *c = &m->hc[hc_slot(key, klen)];
    if (c->n1 == klen + 1 && memcmp(c->copy, key, klen) == 0) return c->h;
    uint64_t h = siphash13(t->k0, t->k1, (const uint8_t *)key, klen);
    c->h = h;
    c->n1 = (uint32_t)klen + 1;
    if (klen) memcpy(c->copy, key, klen);
    return h;
}

uint64_t kv_hash_once(const kv_table *t, const char *key, size_t klen) {
    return siphash13(t->k0, t->k1, (const uint8_t *)key, klen);
}

void kv_seed_random(uint8_t seed[16]) {
    FILE *f = fopen("/dev/urandom", "rb");
    size_t got = 0;
    if (f) {
        got = fread(seed, 1, 16, f);
        fclose(f);
    }
    if (got == 16) return;
    /* Fallback: mix the clock, the pid and an address (ASLR). */
    struct timespec ts = {0, 0};
    timespec_get(&ts, TIME_UTC);
    uint64_t x = (uint64_t)ts.tv_sec * UINT64_C(1000000000) + (uint64_t)ts.tv_nsec;
    x ^= (uint64_t)getpid() << 32;
    x ^= (uint64_t)(uintptr_t)&ts;
    x ^= (uint64_t)clock();
    for (int i = 0; i < 16; i += 8) {
        uint64_t r = splitmix64(&x);
        for (int j = 0; j < 8; j++) seed[i + j] = (uint8_t)(r >> (8 * j));
    }
}

/* ------------------------------------------------------ create/destroy */

kv_table *kv_create(const uint8_t seed[16], void (*free_val)(kv_entry *)) {
    kv_table *t = calloc(1, sizeof(*t));
    if (!t) kv_oom(sizeof(*t));
    if (ht_init(&t->ht[0], KV_MIN_BUCKETS) != 0) kv_oom(KV_MIN_BUCKETS * sizeof(void *));
    t->rehashidx = KV_NOT_REHASHING;
    t->k0 = load64le(seed);
    t->k1 = load64le(seed + 8);
    t->free_val = free_val;
    uint64_t s = t->k0 ^ ROTL64(t->k1, 17) ^ (uint64_t)(uintptr_t)t;
    t->rng = splitmix64(&s);
    if (t->rng == 0) t->rng = UINT64_C(0x9e3779b97f4a7c15);
    return t;
}

/* Free every entry and value and both bucket arrays and the index. */
static void free_all(kv_table *t) {
    for (int i = 0; i < 2; i++) {
        kv_ht *h = &t->ht[i];
        for (size_t b = 0; b < h->size && h->used > 0; b++) {
            kv_entry *e = h->table[b];
            while (e) {
                kv_entry *next = e->next;
                if (t->free_val) t->free_val(e);
                free(e);
                h->used--;
                e = next;
            }
        }
        free(h->table);
        memset(h, 0, sizeof(*h));
    }
    free(t->exp);
    t->exp = NULL;
    t->exp_len = t->exp_cap = 0;
    t->entry_bytes = 0;
    t->rehashidx = KV_NOT_REHASHING;
}

void kv_clear(kv_table *t) {
    free_all(t);
    if (ht_init(&t->ht[0], KV_MIN_BUCKETS) != 0) kv_oom(KV_MIN_BUCKETS * sizeof(void *));
}

void kv_destroy(kv_table *t) {
    if (!t) return;
    free_all(t);
    free(t->hc);
    free(t);
}

/* --------------------------------------------------------------- stats */

size_t kv_size(const kv_table *t) { return t->ht[0].used + t->ht[1].used; }
size_t kv_expires_size(const kv_table *t) { return t->exp_len; }
size_t kv_buckets(const kv_table *t) { return t->ht[0].size + t->ht[1].size; }
int kv_is_rehashing(const kv_table *t) { return rehashing(t); }

void kv_mem(const kv_table *t, size_t *buckets, size_t *expires, size_t *entries) {
    *buckets = kv_buckets(t) * sizeof(kv_entry *);
    *expires = t->exp_cap * sizeof(kv_entry *);
    *entries = t->entry_bytes;
}

size_t kv_entry_mem(const kv_entry *e) {
    /* glibc's chunk for exactly this key and value (its 8-byte header,
     * 16-byte steps): not the allocation itself, whose spare room (APPEND)
     * a reload from a checkpoint drops, so that a script that stores the
     * answer replays to the same value */
    return (entry_size(e->klen, e->vlen) + 8 + 15) & ~(size_t)15;
}

size_t kv_overhead(const kv_table *t) {
    return sizeof(*t) + kv_buckets(t) * sizeof(kv_entry *) +
           t->exp_cap * sizeof(kv_entry *) + t->entry_bytes;
}

/* ------------------------------------------------------------ rehashing */

/* Start resizing ht[0] to `size` buckets. An empty table is swapped at once;
 * otherwise ht[1] is allocated and incremental rehashing begins. If the
 * allocation fails the table simply keeps its current size. */
static void start_resize(kv_table *t, size_t size) {
    kv_ht n;
    if (size == 0 || size == t->ht[0].size || rehashing(t)) return;
    if (ht_init(&n, size) != 0) return;
    if (t->ht[0].used == 0) {
        free(t->ht[0].table);
        t->ht[0] = n;
        return;
    }
    t->ht[1] = n;
    t->rehashidx = 0;
}

/* Grow at load factor 1, shrink below 10% fill. */
static void resize_if_needed(kv_table *t) {
    const kv_ht *h = &t->ht[0];
    if (rehashing(t)) return;
    if (h->used >= h->size)
        start_resize(t, h->used < SIZE_MAX ? next_pow2(h->used + 1) : 0);
    else if (h->size > KV_MIN_BUCKETS && h->size > t->min_size && h->used * 10 < h->size) {
        size_t want = next_pow2(h->used); /* < 10% full */
        start_resize(t, want > t->min_size ? want : t->min_size);
    }
}

#define REHASH_AHEAD 8 /* buckets whose chain is prefetched ahead of the move */

/* Move up to n non-empty buckets from ht[0] to ht[1], visiting at most
 * n*KV_EMPTY_VISITS empty ones. Returns 1 while rehashing continues. */
static int rehash(kv_table *t, int n) {
    kv_ht *from = &t->ht[0], *to = &t->ht[1];
    size_t empty_visits = (size_t)(n > 0 ? n : 0) * KV_EMPTY_VISITS;
    int shrinking;

    if (!rehashing(t)) return 0;
    shrinking = to->size < from->size;
    while (n-- > 0 && from->used != 0) {
        /* from->used != 0 guarantees a non-empty bucket at >= rehashidx. */
        while (from->table[t->rehashidx] == NULL) {
            t->rehashidx++;
            if (--empty_visits == 0) return 1;
        }
        /* the chains a few buckets on are a cache miss each: fetch the
         * next calls' ahead (the slots themselves are read in order): a
         * chain's head, both lines its key may lie on, and, half-way
         * there, its second entry. (Inserting 2M new keys: rehash's share
         * of the time from 14% to 10.4% with the last two.) */
        if (t->rehashidx + REHASH_AHEAD < from->size) {
            const kv_entry *ahead = from->table[t->rehashidx + REHASH_AHEAD];
            if (ahead) {
                __builtin_prefetch(ahead);
                __builtin_prefetch((const char *)ahead + 63); /* (the key may cross a line) */
            }
            const kv_entry *mid = from->table[t->rehashidx + REHASH_AHEAD / 2];
            if (mid && mid->next) __builtin_prefetch(mid->next); /* (fetched by now) */
        }
        kv_entry *e = from->table[t->rehashidx];
        while (e) {
            kv_entry *next = e->next;
            size_t idx = shrinking ? (t->rehashidx & to->mask)
                                   /* not kv_hash: a moved key is not about to be
                                    * looked up, keep the cache for those */
                                   : (siphash13(t->k0, t->k1, (const uint8_t *)e->key,
                                                e->klen) & to->mask);
            e->next = to->table[idx];
            to->table[idx] = e;
            from->used--;
            to->used++;
            e = next;
        }
        from->table[t->rehashidx] = NULL;
        t->rehashidx++;
    }
    if (from->used == 0) { /* done: ht[1] becomes ht[0] */
        free(from->table);
        *from = *to;
        memset(to, 0, sizeof(*to));
        t->rehashidx = KV_NOT_REHASHING;
        return 0;
    }
    return 1;
}

void kv_reserve(kv_table *t, size_t n) {
    t->min_size = n ? next_pow2(n) : 0;
    if (n && !rehashing(t) && t->ht[0].size < t->min_size) start_resize(t, t->min_size);
}

int kv_rehash_step(kv_table *t, int n) {
    resize_if_needed(t);
    if (rehash(t, n)) return 1;
    /* Finished (or idle): a completed rehash may leave the table needing
     * another resize (e.g. a long shrink), so report that one too. */
    resize_if_needed(t);
    return rehashing(t);
}

/* -------------------------------------------------------- expires index */

static void exp_add(kv_table *t, kv_entry *e) {
    if (t->exp_len == t->exp_cap) {
        size_t cap = t->exp_cap ? t->exp_cap * 2 : 16;
        if (cap > (size_t)UINT32_MAX + 1) cap = (size_t)UINT32_MAX + 1;
        if (cap <= t->exp_len) kv_oom(SIZE_MAX); /* exp_idx would overflow */
        kv_entry **a = realloc(t->exp, cap * sizeof(*a));
        if (!a) kv_oom(cap * sizeof(*a));
        t->exp = a;
        t->exp_cap = cap;
    }
    e->exp_idx = (uint32_t)t->exp_len;
    t->exp[t->exp_len++] = e;
}

static void exp_remove(kv_table *t, kv_entry *e) {
    size_t i = e->exp_idx;
    kv_entry *last = t->exp[--t->exp_len];
    t->exp[i] = last; /* move the last slot into the hole */
    last->exp_idx = (uint32_t)i;
    e->exp_idx = 0;
    /* Give memory back when the index is mostly empty. */
    if (t->exp_cap > 16 && t->exp_len < t->exp_cap / 4) {
        kv_entry **a = realloc(t->exp, (t->exp_cap / 2) * sizeof(*a));
        if (a) {
            t->exp = a;
            t->exp_cap /= 2;
        }
    }
}

void kv_set_epoch(kv_table *t, uint32_t epoch, kv_preimage_fn *pre, void *ud) {
    t->epoch = epoch;
    t->pre = pre;
    t->pre_ud = ud;
}

uint32_t kv_epoch(const kv_table *t) { return t->epoch; }

void kv_mark(kv_table *t, kv_entry *e) { e->epoch = t->epoch; }

void kv_will_change(kv_table *t, kv_entry *e) {
    if (t->epoch && e->epoch != t->epoch) {
        if (t->pre) t->pre(t->pre_ud, t, e);
        e->epoch = t->epoch;
    }
}

void kv_set_expire(kv_table *t, kv_entry *e, int64_t expire_ms) {
    if (expire_ms != e->expire_ms) kv_will_change(t, e);
    int had = e->expire_ms != KV_NO_EXPIRE, has = expire_ms != KV_NO_EXPIRE;
    if (had && !has) exp_remove(t, e);
    else if (!had && has) exp_add(t, e);
    e->expire_ms = expire_ms;
}

kv_entry *kv_random_expiring(kv_table *t) {
    if (t->exp_len == 0) return NULL;
    return t->exp[rng_below(t, t->exp_len)];
}

/* -------------------------------------------------- find/insert/delete */

/* Returns the link that points at the entry for key (so it can be unlinked)
 * and the table it lives in, or NULL. */
static kv_entry **find_link(kv_table *t, const char *key, size_t klen, int *which) {
    uint64_t h = kv_hash(t, key, klen);
    for (int i = 0; i < 2; i++) {
        kv_ht *ht = &t->ht[i];
        if (ht->used == 0) continue;
        kv_entry **link = &ht->table[h & ht->mask];
        for (; *link; link = &(*link)->next) {
            if (key_eq(*link, key, klen)) {
                if (which) *which = i;
                return link;
            }
        }
    }
    return NULL;
}

void kv_prefetch(const kv_table *t, uint64_t h, const char *key, size_t klen, int stage) {
    for (int i = 0; i < 2; i++) {
        const kv_ht *ht = &t->ht[i];
        if (ht->size == 0) continue;
        kv_entry *const *slot = &ht->table[h & ht->mask];
        if (stage == 0) {
            __builtin_prefetch(slot);
        } else if (stage == 1) {
            if (*slot) __builtin_prefetch(*slot);
        } else {
            for (const kv_entry *e = *slot; e; e = e->next)
                if (key_eq(e, key, klen)) {
                    /* the value is in the entry after the key: its first
                     * and last lines, and the allocator's size field before
                     * the entry (kv_vcap, for a SET in place) */
                    __builtin_prefetch(kv_cval(e));
                    __builtin_prefetch(kv_cval(e) + e->vlen);
                    __builtin_prefetch((const char *)e - sizeof(size_t));
                    return;
                }
        }
    }
}

kv_entry *kv_find(kv_table *t, const char *key, size_t klen) {
    rehash(t, 1);
    kv_entry **link = find_link(t, key, klen, NULL);
    return link ? *link : NULL;
}

/* Link a new or moved entry with hash h into t. */
static void link_hashed(kv_table *t, kv_entry *e, uint64_t h) {
    e->epoch = t->epoch; /* not part of a checkpoint in progress */
    t->entry_bytes += entry_bytes(e);
    /* While rehashing new entries go to ht[1], so ht[0] only drains. */
    kv_ht *ht = &t->ht[rehashing(t) ? 1 : 0];
    size_t idx = h & ht->mask;
    e->next = ht->table[idx];
    ht->table[idx] = e;
    ht->used++;
    if (e->expire_ms != KV_NO_EXPIRE) exp_add(t, e);
}

kv_entry *kv_entry_new(const char *key, size_t klen, const char *val, size_t vlen) {
    /* keys and values are limited to 4 GiB */
    if (klen >= UINT32_MAX) kv_oom(klen);
    if (vlen >= UINT32_MAX) kv_oom(vlen);
    size_t sz = entry_size(klen, vlen);
    kv_entry *e = malloc(sz);
    if (!e) kv_oom(sz);
    if (klen) memcpy(e->key, key, klen);
    e->key[klen] = '\0';
    e->klen = (uint32_t)klen;
    e->vlen = (uint32_t)vlen;
    char *v = kv_val(e);
    if (val) memcpy(v, val, vlen);
    else memset(v, 0, vlen);
    v[vlen] = '\0';
    e->expire_ms = KV_NO_EXPIRE;
    e->exp_idx = 0;
    e->lru = 0;
    e->type = 0;
    e->flags = 0;
    e->epoch = 0;
    e->next = NULL;
    return e;
}

void kv_entry_free(kv_entry *e) { free(e); }

/* Link e (hash h); with check_dup, link nothing and return -1 if its key
 * is already there (the same chain walk as a look-up). */
static int link_checked(kv_table *t, kv_entry *e, uint64_t h, int check_dup) {
    rehash(t, 1);
    resize_if_needed(t);
    if (check_dup)
        for (int i = 0; i < 2; i++) {
            kv_ht *ht = &t->ht[i];
            if (ht->used == 0) continue;
            for (kv_entry *o = ht->table[h & ht->mask]; o; o = o->next)
                if (key_eq(o, e->key, e->klen)) return -1;
        }
    link_hashed(t, e, h);
    return 0;
}

int kv_link_new(kv_table *t, kv_entry *e, uint64_t h) {
    return link_checked(t, e, h, 1);
}

kv_entry *kv_insert(kv_table *t, const char *key, size_t klen,
                    const char *val, size_t vlen) {
    kv_entry *e = kv_entry_new(key, klen, val, vlen);
    link_checked(t, e, kv_hash(t, key, klen), 0);
    return e;
}

kv_entry *kv_insert_new(kv_table *t, const char *key, size_t klen,
                        const char *val, size_t vlen) {
    kv_entry *e = kv_entry_new(key, klen, val, vlen);
    if (link_checked(t, e, kv_hash(t, key, klen), 1) == 0) return e;
    free(e);
    return NULL;
}

/* The chain link that points at e (e must be in t). */
static kv_entry **link_of(kv_table *t, const kv_entry *e) {
    uint64_t h = kv_hash(t, e->key, e->klen);
    for (int i = 0; i < 2; i++) {
        kv_ht *ht = &t->ht[i];
        if (ht->size == 0) continue;
        for (kv_entry **link = &ht->table[h & ht->mask]; *link; link = &(*link)->next)
            if (*link == e) return link;
    }
    fprintf(stderr, "kv: entry '%.*s' is not in its table\n",
            (int)(e->klen > 64 ? 64 : e->klen), e->key);
    abort();
}

/* Give e a value capacity of vcap bytes (keeping min(vlen, vcap) of its
 * value) and re-point whatever referenced its old address. */
static kv_entry *realloc_entry(kv_table *t, kv_entry *e, size_t vcap) {
    if (vcap >= UINT32_MAX) kv_oom(vcap);
    kv_entry **link = link_of(t, e);
    size_t sz = entry_size(e->klen, vcap);
    t->entry_bytes -= entry_bytes(e);
    kv_entry *n = realloc(e, sz);
    if (!n) kv_oom(sz);
    if (n->vlen > vcap) n->vlen = (uint32_t)vcap;
    kv_val(n)[n->vlen] = '\0';
    t->entry_bytes += entry_bytes(n);
    if (n != e) {
        *link = n;
        if (n->expire_ms != KV_NO_EXPIRE) t->exp[n->exp_idx] = n;
    }
    return n;
}

kv_entry *kv_set_val(kv_table *t, kv_entry *e, const char *val, size_t vlen) {
    kv_will_change(t, e);
    if (vlen >= UINT32_MAX) kv_oom(vlen);
    /* Overwrites of a similar size stay in place; a value that no longer
     * fits, or would leave most of the capacity unused, reallocates. */
    size_t cap = kv_vcap(e);
    if (vlen > cap || cap - vlen > 16 + vlen / 4) e = realloc_entry(t, e, vlen);
    char *v = kv_val(e);
    if (!val) memset(v, 0, vlen);
    else if (vlen && val != v) memcpy(v, val, vlen);
    v[vlen] = '\0';
    e->vlen = (uint32_t)vlen;
    return e;
}

kv_entry *kv_grow_val(kv_table *t, kv_entry *e, size_t need) {
    kv_will_change(t, e);
    if (need <= kv_vcap(e)) return e;
    size_t cap = need < 1024 * 1024 ? need * 2 : need + 1024 * 1024;
    if (cap >= UINT32_MAX) cap = need;
    return realloc_entry(t, e, cap);
}

/* Unlink the entry for key from its chain and from the expires index; the
 * caller frees or relinks it. */
static kv_entry *unlink_key(kv_table *t, const char *key, size_t klen) {
    int which = 0;
    rehash(t, 1);
    kv_entry **link = find_link(t, key, klen, &which);
    if (!link) return NULL;
    kv_entry *e = *link;
    kv_will_change(t, e);
    *link = e->next;
    t->ht[which].used--;
    if (e->expire_ms != KV_NO_EXPIRE) exp_remove(t, e);
    t->entry_bytes -= entry_bytes(e);
    resize_if_needed(t);
    return e;
}

int kv_delete(kv_table *t, const char *key, size_t klen) {
    kv_entry *e = unlink_key(t, key, klen);
    if (!e) return 0;
    if (t->free_val) t->free_val(e);
    free(e);
    return 1;
}

kv_entry *kv_move(kv_table *from, const char *key, size_t klen,
                  kv_table *to, const char *nkey, size_t nklen) {
    if (nklen >= UINT32_MAX) kv_oom(nklen);
    kv_entry *e = unlink_key(from, key, klen);
    if (!e) return NULL;
    if (nklen != klen) { /* a new home for the header and value */
        size_t sz = entry_size(nklen, e->vlen);
        kv_entry *n = malloc(sz);
        if (!n) kv_oom(sz);
        memcpy(n, e, offsetof(kv_entry, key));
        n->klen = (uint32_t)nklen;
        memcpy(kv_val(n), kv_val(e), (size_t)e->vlen + 1);
        free(e);
        e = n;
    }
    if (nklen) memmove(e->key, nkey, nklen);
    e->key[nklen] = '\0';
    rehash(to, 1);
    resize_if_needed(to);
    link_hashed(to, e, kv_hash(to, e->key, nklen));
    return e;
}

/* ------------------------------------------------------- random, scan */

kv_entry *kv_random(kv_table *t) {
    kv_entry *head = NULL, *e;
    size_t len = 0;

    if (kv_size(t) == 0) return NULL;
    rehash(t, 1);
    /* Pick random non-empty buckets (as dictGetRandomKey). While rehashing,
     * ht[0] buckets below rehashidx are known empty, so skip them. */
    if (rehashing(t)) {
        size_t lo = t->rehashidx, span = t->ht[0].size + t->ht[1].size - lo;
        do {
            size_t h = lo + rng_below(t, span);
            head = h >= t->ht[0].size ? t->ht[1].table[h - t->ht[0].size]
                                      : t->ht[0].table[h];
        } while (!head);
    } else {
        do {
            head = t->ht[0].table[rng_next(t) & t->ht[0].mask];
        } while (!head);
    }
    /* Then a random element of that chain. */
    for (e = head; e; e = e->next) len++;
    for (len = rng_below(t, len), e = head; len--; e = e->next) {}
    return e;
}

static void scan_bucket(kv_entry *e, kv_scan_fn *fn, void *ud) {
    while (e) {
        kv_entry *next = e->next; /* fn may not delete, but be defensive */
        fn(ud, e);
        e = next;
    }
}

/* The cursor after v in a table of mask m (0 after the last bucket): set
 * the unmasked high bits so that incrementing the reversed cursor carries
 * into the masked bits only. */
static inline uint64_t next_cursor(uint64_t v, uint64_t m) {
    return rev64(rev64(v | ~m) + 1);
}

uint64_t kv_scan(kv_table *t, uint64_t v, kv_scan_fn *fn, void *ud) {
    if (kv_size(t) == 0) return 0;
    if (!rehashing(t)) {
        uint64_t m0 = t->ht[0].mask;
        scan_bucket(t->ht[0].table[v & m0], fn, ud);
        return next_cursor(v, m0);
    }
    const kv_ht *small = &t->ht[0], *large = &t->ht[1];
    if (small->size > large->size) {
        small = &t->ht[1];
        large = &t->ht[0];
    }
    uint64_t m0 = small->mask, m1 = large->mask;
    scan_bucket(small->table[v & m0], fn, ud);
    /* Visit every bucket of the larger table that bucket v&m0 of the smaller
     * table expands to: those whose low bits equal v&m0. */
    do {
        scan_bucket(large->table[v & m1], fn, ud);
        v |= ~m1;
        v = rev64(v);
        v++;
        v = rev64(v);
    } while (v & (m0 ^ m1)); /* until the bits beyond m0 wrap around */
    return v;
}

/* The reverse-binary order visits buckets far apart, so a walk of a large
 * table misses the cache twice per bucket (its slot, then its first
 * entry): 80% of a checkpoint's time. Here the next cursors are known in
 * advance, so slots are prefetched SCAN_SLOTS_AHEAD buckets ahead and the
 * entries they point to SCAN_ENTRIES_AHEAD ahead, and the misses overlap.
 * A rehashing table (two tables per cursor) is scanned plainly. */
#define SCAN_RING 32 /* a power of two above SCAN_SLOTS_AHEAD */
#define SCAN_SLOTS_AHEAD 16
#define SCAN_ENTRIES_AHEAD 8

uint64_t kv_scan_n(kv_table *t, uint64_t v, size_t n, kv_scan_fn *fn, void *ud) {
    if (n == 0) return v;
    if (kv_size(t) == 0) return 0;
    if (rehashing(t)) {
        do v = kv_scan(t, v, fn, ud); while (--n && v);
        return v;
    }
    const uint64_t m = t->ht[0].mask;
    kv_entry *const *tab = t->ht[0].table;
    uint64_t ring[SCAN_RING];
    size_t made = 0; /* cursors put in the ring (and their slots prefetched) */
    int wrapped = 0; /* v is past the last bucket */
    for (size_t i = 0;; i++) {
        while (!wrapped && made < n && made <= i + SCAN_SLOTS_AHEAD) {
            ring[made++ % SCAN_RING] = v;
            __builtin_prefetch(&tab[v & m]);
            v = next_cursor(v, m);
            wrapped = v == 0;
        }
        if (i >= made) break; /* n visited, or the end */
        if (i + SCAN_ENTRIES_AHEAD < made) {
            const kv_entry *e = tab[ring[(i + SCAN_ENTRIES_AHEAD) % SCAN_RING] & m];
            if (e) {
                __builtin_prefetch(e);
                __builtin_prefetch((const char *)e + 64); /* the rest of a small entry */
            }
        }
        scan_bucket(tab[ring[i % SCAN_RING] & m], fn, ud);
    }
    return v;
}
