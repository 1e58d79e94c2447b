/* test_kv.c -- unit tests for engine/kv.c: hashing, growth/shrink with
 * incremental rehash, SCAN guarantees under resizing, the expires index,
 * random sampling, detach/clear, binary keys and value ownership. */
#include "kv.h"
#include "testutil.h"

#include <stdint.h>

#define MAXID 300000

static const uint8_t seed0[16] = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15};

static size_t mk(char *buf, int i) { return (size_t)sprintf(buf, "k%d", i); }

static kv_entry *find_id(kv_table *t, int i) {
    char b[32];
    size_t n = mk(b, i);
    return kv_find(t, b, n);
}
static kv_entry *insert_id(kv_table *t, int i, void *val) {
    char b[32];
    size_t n = mk(b, i);
    return kv_insert(t, b, n, val);
}
static int delete_id(kv_table *t, int i) {
    char b[32];
    size_t n = mk(b, i);
    return kv_delete(t, b, n);
}
static void drain(kv_table *t) {
    while (kv_rehash_step(t, 100)) {}
}

/* Per-value free counters: a value is a pointer to its own counter. */
static int freed[MAXID];
static void count_free(void *p) { (*(int *)p)++; }

/* Scan collector: counts how often each id is returned. */
static int seen[MAXID];
static int foreign;
static void on_scan(void *ud, kv_entry *e) {
    (void)ud;
    int id = (e->key[0] == 'k') ? atoi(e->key + 1) : -1;
    if (id < 0 || id >= MAXID) foreign++;
    else seen[id]++;
}
static void reset_seen(void) {
    memset(seen, 0, sizeof(seen));
    foreign = 0;
}

/* Deterministic test PRNG (independent of the table's own). */
static uint64_t trng = 88172645463325252ULL;
static uint32_t tr(void) {
    trng ^= trng << 13;
    trng ^= trng >> 7;
    trng ^= trng << 17;
    return (uint32_t)(trng >> 11);
}

static int is_pow2(size_t x) { return x && !(x & (x - 1)); }

/* ---------------------------------------------------------------- tests */

static void test_siphash(void) {
    /* SipHash-1-3 reference vectors: key 00..0f, input 00 01 .. (i-1). */
    static const struct { int len; uint64_t h; } vec[] = {
        {0, 0xabac0158050fc4dcULL},  {1, 0xc9f49bf37d57ca93ULL},
        {7, 0xd3927d989bb11140ULL},  {8, 0x369095118d299a8eULL},
        {15, 0xd320d86d2a519956ULL}, {16, 0xcc4fdd1a7d908b66ULL},
        {63, 0x9d199062b7bbb3a8ULL},
    };
    char in[64];
    for (int i = 0; i < 64; i++) in[i] = (char)i;
    kv_table *t = kv_create(seed0, NULL);
    for (size_t i = 0; i < sizeof(vec) / sizeof(vec[0]); i++)
        CHECK(kv_hash(t, in, (size_t)vec[i].len) == vec[i].h);
    kv_destroy(t);

    /* Zero key, empty input. */
    uint8_t z[16] = {0};
    t = kv_create(z, NULL);
    CHECK(kv_hash(t, "", 0) == 0xd1fba762150c532cULL);
    kv_destroy(t);

    /* Random seeds differ, and so do the hashes. */
    uint8_t s1[16], s2[16];
    kv_seed_random(s1);
    kv_seed_random(s2);
    CHECK(memcmp(s1, s2, 16) != 0);
    kv_table *a = kv_create(s1, NULL), *b = kv_create(s2, NULL);
    CHECK(kv_hash(a, "hello", 5) != kv_hash(b, "hello", 5));
    kv_destroy(a);
    kv_destroy(b);
}

static void test_basic(void) {
    kv_table *t = kv_create(seed0, count_free);
    memset(freed, 0, sizeof(freed));
    CHECK_EQ_INT(kv_size(t), 0);
    CHECK(kv_find(t, "a", 1) == NULL);
    CHECK(kv_random(t) == NULL);
    CHECK_EQ_INT(kv_scan(t, 0, on_scan, NULL), 0);

    kv_entry *e = kv_insert(t, "hello", 5, &freed[0]);
    CHECK(e != NULL);
    CHECK_EQ_INT(e->klen, 5);
    CHECK_MEM(e->key, e->klen, "hello");
    CHECK(e->key[5] == '\0');
    CHECK(e->expire_ms == KV_NO_EXPIRE);
    CHECK(e->val == &freed[0]);
    CHECK(kv_find(t, "hello", 5) == e);
    CHECK(kv_find(t, "hell", 4) == NULL);
    CHECK(kv_find(t, "hello!", 6) == NULL);
    CHECK_EQ_INT(kv_size(t), 1);

    kv_set_val(t, e, &freed[1]);        /* old value freed once */
    CHECK_EQ_INT(freed[0], 1);
    CHECK(e->val == &freed[1]);
    kv_set_val(t, e, &freed[1]);        /* same pointer: not freed */
    CHECK_EQ_INT(freed[1], 0);

    CHECK_EQ_INT(kv_delete(t, "hello", 5), 1);
    CHECK_EQ_INT(freed[1], 1);
    CHECK_EQ_INT(kv_delete(t, "hello", 5), 0);
    CHECK_EQ_INT(kv_size(t), 0);
    CHECK(kv_overhead(t) > 0);
    kv_destroy(t);
    CHECK_EQ_INT(freed[0], 1);
    CHECK_EQ_INT(freed[1], 1);

    /* NULL free_val is allowed. */
    t = kv_create(seed0, NULL);
    kv_insert(t, "x", 1, (void *)1);
    kv_set_val(t, kv_find(t, "x", 1), (void *)2);
    CHECK_EQ_INT(kv_delete(t, "x", 1), 1);
    kv_destroy(t);
}

static void test_bulk(void) {
    enum { N = 200000 };
    kv_table *t = kv_create(seed0, free);
    size_t ov0 = kv_overhead(t);
    kv_entry *sample[64];
    int saw_rehash = 0;

    for (int i = 0; i < N; i++) {
        int *v = malloc(sizeof(int));
        *v = i;
        kv_entry *e = insert_id(t, i, v);
        if (i < 64) sample[i] = e;
        saw_rehash |= kv_is_rehashing(t);
    }
    CHECK(saw_rehash);
    CHECK_EQ_INT(kv_size(t), N);
    CHECK(kv_overhead(t) > ov0 + (size_t)N * sizeof(kv_entry));
    for (int i = 0; i < N; i++) {
        kv_entry *e = find_id(t, i);
        CHECK(e && *(int *)e->val == i);
        if (!e || *(int *)e->val != i) break;
    }
    for (int i = 0; i < 64; i++) CHECK(find_id(t, i) == sample[i]); /* stable */
    drain(t);
    CHECK(!kv_is_rehashing(t));
    CHECK(is_pow2(kv_buckets(t)));
    CHECK(kv_buckets(t) > kv_size(t));          /* load factor < 1 */
    CHECK(kv_buckets(t) <= 2 * (size_t)N + 2);  /* not over-grown */
    CHECK(find_id(t, N) == NULL);

    /* Delete the odd ones. */
    for (int i = 1; i < N; i += 2) CHECK_EQ_INT(delete_id(t, i), 1);
    CHECK_EQ_INT(kv_size(t), N / 2);
    for (int i = 0; i < N; i++) {
        kv_entry *e = find_id(t, i);
        if ((i & 1) ? e != NULL : (e == NULL || *(int *)e->val != i)) {
            CHECK(!"wrong presence after deleting odd keys");
            break;
        }
    }
    for (int i = 0; i < 64; i += 2) CHECK(find_id(t, i) == sample[i]);

    /* Delete all but 10: the table shrinks. */
    for (int i = 20; i < N; i += 2) CHECK_EQ_INT(delete_id(t, i), 1);
    CHECK_EQ_INT(kv_size(t), 10);
    drain(t);
    CHECK(!kv_is_rehashing(t));
    CHECK_EQ_INT(kv_buckets(t), 16);
    for (int i = 0; i < 20; i++) CHECK((find_id(t, i) != NULL) == !(i & 1));
    for (int i = 0; i < 20; i += 2) CHECK_EQ_INT(delete_id(t, i), 1);
    CHECK_EQ_INT(kv_size(t), 0);
    drain(t);
    CHECK_EQ_INT(kv_buckets(t), 4);
    CHECK(kv_overhead(t) < ov0 + 4096);
    for (int i = 0; i < N; i += 997) CHECK(find_id(t, i) == NULL);
    kv_destroy(t);
}

/* (a) full scan, plus a scan during an in-progress rehash (d). */
static void test_scan_static(void) {
    enum { N = 10000 };
    kv_table *t = kv_create(seed0, NULL);
    for (int i = 0; i < N; i++) insert_id(t, i, NULL);
    drain(t);

    reset_seen();
    uint64_t c = 0;
    int calls = 0;
    do { c = kv_scan(t, c, on_scan, NULL); calls++; } while (c);
    for (int i = 0; i < N; i++) CHECK_EQ_INT(seen[i], 1); /* no resize: exactly once */
    CHECK_EQ_INT(foreign, 0);
    CHECK_EQ_INT(calls, kv_buckets(t));

    /* (d) Insert until a grow starts, then scan while it is in progress. */
    int n = N;
    while (!kv_is_rehashing(t)) insert_id(t, n++, NULL);
    reset_seen();
    c = 0;
    do { c = kv_scan(t, c, on_scan, NULL); } while (c);
    CHECK(kv_is_rehashing(t)); /* scan did not advance the rehash to the end */
    for (int i = 0; i < n; i++) CHECK(seen[i] >= 1);
    CHECK_EQ_INT(foreign, 0);

    /* ... and with the rehash advancing (and completing) between calls. */
    reset_seen();
    c = 0;
    do { c = kv_scan(t, c, on_scan, NULL); kv_rehash_step(t, 1); } while (c);
    for (int i = 0; i < n; i++) CHECK(seen[i] >= 1);
    drain(t);

    /* A shrink in progress: delete most keys without draining. */
    for (int i = 0; i < n; i++) if (i % 20) delete_id(t, i);
    CHECK(kv_is_rehashing(t));
    reset_seen();
    c = 0;
    do { c = kv_scan(t, c, on_scan, NULL); } while (c);
    for (int i = 0; i < n; i++) CHECK_EQ_INT(seen[i] >= 1, i % 20 == 0);
    reset_seen();
    c = 0;
    do { c = kv_scan(t, c, on_scan, NULL); kv_rehash_step(t, 1); } while (c);
    for (int i = 0; i < n; i++) CHECK_EQ_INT(seen[i] >= 1, i % 20 == 0);
    kv_destroy(t);
}

/* (b) the table grows (several times) between cursor calls. */
static void test_scan_grow(void) {
    enum { N0 = 1000, ADD = 60000 };
    kv_table *t = kv_create(seed0, NULL);
    for (int i = 0; i < N0; i++) insert_id(t, i, NULL);
    drain(t);
    size_t b0 = kv_buckets(t);
    reset_seen();
    uint64_t c = 0;
    int next = N0;
    do {
        c = kv_scan(t, c, on_scan, NULL);
        for (int k = 0; k < 50 && next < N0 + ADD; k++) insert_id(t, next++, NULL);
    } while (c);
    CHECK(kv_buckets(t) >= 16 * b0);
    for (int i = 0; i < N0; i++) CHECK(seen[i] >= 1);
    CHECK_EQ_INT(foreign, 0);
    kv_destroy(t);
}

/* (c) the table shrinks between cursor calls. Deletions come in two bursts
 * late in the scan, so the shrinks (32768 -> 4096 -> 512 buckets) happen
 * when the cursor is far beyond the new table size. */
static void test_scan_shrink(void) {
    enum { N = 20000, KEEP = 50 };
    kv_table *t = kv_create(seed0, NULL);
    for (int i = 0; i < N; i++) insert_id(t, i, NULL);
    drain(t);
    size_t b0 = kv_buckets(t), calls = 0;
    reset_seen();
    uint64_t c = 0;
    do {
        c = kv_scan(t, c, on_scan, NULL);
        calls++;
        if (calls == b0 / 2 || calls == b0 * 3 / 4) {
            int from = calls == b0 / 2 ? 0 : N / 2, to = from + N / 2;
            for (int i = from; i < to; i++)
                if (i % KEEP) delete_id(t, i);
        }
        kv_rehash_step(t, 20);
    } while (c);
    CHECK_EQ_INT(kv_size(t), N / KEEP);
    drain(t);
    CHECK(kv_buckets(t) <= b0 / 32);
    for (int i = 0; i < N; i += KEEP) CHECK(seen[i] >= 1);
    CHECK_EQ_INT(foreign, 0);
    kv_destroy(t);
}

/* Random mix of inserts/deletes (growth and shrink, rehashes interleaved
 * with scan calls): keys never deleted must be seen. */
static void test_scan_fuzz(void) {
    static unsigned char live[MAXID];
    for (int round = 0; round < 6; round++) {
        kv_table *t = kv_create(seed0, NULL);
        enum { STABLE = 300, VOL = 8000 };
        memset(live, 0, sizeof(live));
        for (int i = 0; i < STABLE; i++) insert_id(t, i, NULL);
        for (int i = 0; i < (int)(tr() % VOL); i++) {
            insert_id(t, STABLE + i, NULL);
            live[STABLE + i] = 1;
        }
        reset_seen();
        uint64_t c = 0;
        int calls = 0;
        size_t bmin = SIZE_MAX, bmax = 0;
        do {
            c = kv_scan(t, c, on_scan, NULL);
            calls++;
            if (kv_buckets(t) < bmin) bmin = kv_buckets(t);
            if (kv_buckets(t) > bmax) bmax = kv_buckets(t);
            int phase = (calls / 150 + round) % 3; /* grow, shrink, churn */
            int ops = (int)(tr() % 40);
            for (int k = 0; k < ops; k++) {
                int id = STABLE + (int)(tr() % VOL);
                int want = phase == 0 ? 1 : phase == 1 ? 0 : (int)(tr() & 1);
                if (want && !live[id]) { insert_id(t, id, NULL); live[id] = 1; }
                else if (!want && live[id]) { delete_id(t, id); live[id] = 0; }
            }
            if (tr() % 4 == 0) kv_rehash_step(t, (int)(tr() % 8));
        } while (c && calls < 2000000);
        CHECK(c == 0);
        CHECK(bmax >= 8 * bmin); /* the table really resized during the scan */
        for (int i = 0; i < STABLE; i++) CHECK(seen[i] >= 1);
        CHECK_EQ_INT(foreign, 0);
        kv_destroy(t);
    }
}

static void test_expires(void) {
    enum { N = 1000 };
    kv_table *t = kv_create(seed0, count_free);
    memset(freed, 0, sizeof(freed));
    CHECK(kv_random_expiring(t) == NULL);
    for (int i = 0; i < N; i++) insert_id(t, i, &freed[i]);
    for (int i = 0; i < 300; i++) kv_set_expire(t, find_id(t, i), 1000 + i);
    CHECK_EQ_INT(kv_expires_size(t), 300);
    for (int i = 0; i < 300; i += 3) kv_set_expire(t, find_id(t, i), KV_NO_EXPIRE);
    CHECK_EQ_INT(kv_expires_size(t), 200);
    kv_set_expire(t, find_id(t, 500), KV_NO_EXPIRE); /* clear a non-expiring */
    CHECK_EQ_INT(kv_expires_size(t), 200);
    for (int i = 1; i < 300; i += 3) kv_set_expire(t, find_id(t, i), 5000 + i);
    CHECK_EQ_INT(kv_expires_size(t), 200);     /* overwrite: no change */
    CHECK(find_id(t, 1)->expire_ms == 5001);
    for (int i = 2; i < 300; i += 6) CHECK_EQ_INT(delete_id(t, i), 1);
    CHECK_EQ_INT(kv_expires_size(t), 150);
    CHECK_EQ_INT(delete_id(t, 999), 1);       /* non-expiring delete */
    CHECK_EQ_INT(kv_expires_size(t), 150);

    /* Grow the table (rehash) under the index; pointers stay valid. */
    for (int i = N; i < 20 * N; i++) insert_id(t, i, &freed[i]);
    kv_set_expire(t, find_id(t, 10000), 77);
    CHECK_EQ_INT(kv_expires_size(t), 151);

    /* The index matches the entries. */
    size_t with = 0;
    for (int i = 0; i < 20 * N; i++) {
        kv_entry *e = find_id(t, i);
        if (e && e->expire_ms != KV_NO_EXPIRE) with++;
    }
    CHECK_EQ_INT(with, kv_expires_size(t));

    /* Sampling returns only expiring entries and covers them all. */
    reset_seen();
    for (int d = 0; d < 20000; d++) {
        kv_entry *e = kv_random_expiring(t);
        CHECK(e && e->expire_ms != KV_NO_EXPIRE);
        if (!e) break;
        on_scan(NULL, e);
    }
    size_t covered = 0;
    for (int i = 0; i < 20 * N; i++) {
        kv_entry *e = find_id(t, i);
        if (e && e->expire_ms != KV_NO_EXPIRE) {
            CHECK(seen[i] > 0);
            covered += seen[i] > 0;
        } else {
            CHECK_EQ_INT(seen[i], 0);
        }
    }
    CHECK_EQ_INT(covered, 151);

    /* Detach of an expiring key hands back value and expiry. */
    void *v = NULL;
    int64_t ex = 0;
    CHECK_EQ_INT(kv_detach(t, "k10000", 6, &v, &ex), 1);
    CHECK(v == &freed[10000] && ex == 77);
    CHECK_EQ_INT(freed[10000], 0);
    CHECK_EQ_INT(kv_expires_size(t), 150);

    /* Remove every expiry. */
    for (int i = 0; i < 300; i++) {
        kv_entry *e = find_id(t, i);
        if (e) kv_set_expire(t, e, KV_NO_EXPIRE);
    }
    CHECK_EQ_INT(kv_expires_size(t), 0);
    CHECK(kv_random_expiring(t) == NULL);
    kv_destroy(t);
    for (int i = 0; i < 20 * N; i++)
        if (i != 10000) CHECK_EQ_INT(freed[i], 1);
    CHECK_EQ_INT(freed[10000], 0);
}

static void test_random(void) {
    kv_table *t = kv_create(seed0, NULL);
    for (int i = 0; i < 5000; i++) insert_id(t, i, NULL);
    drain(t);
    for (int d = 0; d < 1000; d++) {
        kv_entry *e = kv_random(t);
        CHECK(e && find_id(t, atoi(e->key + 1)) == e);
    }
    /* Few keys left in a big table (during the shrink rehash and after). */
    for (int i = 10; i < 5000; i++) delete_id(t, i);
    for (int pass = 0; pass < 2; pass++) {
        reset_seen();
        for (int d = 0; d < 3000; d++) {
            kv_entry *e = kv_random(t);
            CHECK(e != NULL);
            if (e) on_scan(NULL, e);
        }
        for (int i = 0; i < 10; i++) CHECK(seen[i] > 0);
        CHECK_EQ_INT(foreign, 0);
        drain(t);
    }
    /* A grow in progress. */
    int n = 10;
    while (!kv_is_rehashing(t)) insert_id(t, n++, NULL);
    reset_seen();
    for (int d = 0; d < 3000 && kv_is_rehashing(t); d++) {
        kv_entry *e = kv_random(t);
        CHECK(e != NULL);
        if (e) on_scan(NULL, e);
    }
    for (int i = n; i < MAXID; i++) CHECK_EQ_INT(seen[i], 0);
    kv_destroy(t);
}

static void test_detach_clear(void) {
    kv_table *t = kv_create(seed0, count_free);
    memset(freed, 0, sizeof(freed));
    void *v = (void *)1;
    int64_t ex = 0;
    CHECK_EQ_INT(kv_detach(t, "nope", 4, &v, &ex), 0);
    CHECK(v == (void *)1);

    for (int i = 0; i < 3000; i++) insert_id(t, i, &freed[i]);
    kv_set_expire(t, find_id(t, 7), 123);
    CHECK_EQ_INT(kv_detach(t, "k5", 2, &v, &ex), 1);
    CHECK(v == &freed[5] && ex == KV_NO_EXPIRE);
    CHECK_EQ_INT(freed[5], 0);
    CHECK(find_id(t, 5) == NULL);
    CHECK_EQ_INT(kv_size(t), 2999);
    /* Re-insert the detached value under a new name (RENAME). */
    kv_entry *e = kv_insert(t, "renamed", 7, v);
    kv_set_expire(t, e, ex);
    CHECK_EQ_INT(kv_expires_size(t), 1);
    CHECK_EQ_INT(kv_detach(t, "k7", 2, NULL, NULL), 1); /* NULL outs ok */
    CHECK_EQ_INT(freed[7], 0);
    CHECK_EQ_INT(kv_expires_size(t), 0);

    /* Clear while a rehash is in progress. */
    int n = 3000;
    while (!kv_is_rehashing(t)) { insert_id(t, n, &freed[n]); n++; }
    for (int i = 0; i < 3000; i += 2) kv_set_expire(t, find_id(t, i), 1);
    kv_clear(t);
    CHECK_EQ_INT(kv_size(t), 0);
    CHECK_EQ_INT(kv_expires_size(t), 0);
    CHECK(!kv_is_rehashing(t));
    CHECK_EQ_INT(kv_buckets(t), 4);
    CHECK(kv_random(t) == NULL && kv_random_expiring(t) == NULL);
    for (int i = 0; i < n; i++) CHECK_EQ_INT(freed[i], (i == 7) ? 0 : 1);
    CHECK(find_id(t, 1) == NULL);
    /* Usable after clear. */
    insert_id(t, 1, &freed[1]);
    CHECK(find_id(t, 1) && find_id(t, 1)->val == &freed[1]);
    kv_clear(t);
    kv_clear(t); /* clearing an empty table is fine */
    CHECK_EQ_INT(freed[1], 2);
    kv_destroy(t);
}

static void test_binary_keys(void) {
    static const struct { const char *k; size_t n; } keys[] = {
        {"", 0}, {"\0", 1}, {"\0\0", 2}, {"a", 1}, {"a\0", 2},
        {"a\0b", 3}, {"a\0c", 3}, {"\0a", 2}, {"\xff\0\xfe", 3},
    };
    enum { K = sizeof(keys) / sizeof(keys[0]) };
    kv_table *t = kv_create(seed0, count_free);
    memset(freed, 0, sizeof(freed));
    for (int i = 0; i < K; i++) {
        kv_entry *e = kv_insert(t, keys[i].k, keys[i].n, &freed[i]);
        CHECK_EQ_INT(e->klen, keys[i].n);
        CHECK(memcmp(e->key, keys[i].k, keys[i].n) == 0 && e->key[keys[i].n] == '\0');
    }
    CHECK_EQ_INT(kv_size(t), K);
    for (int i = 0; i < K; i++) {
        kv_entry *e = kv_find(t, keys[i].k, keys[i].n);
        CHECK(e && e->val == &freed[i]);
    }
    CHECK_EQ_INT(kv_delete(t, "a\0b", 3), 1);
    CHECK(kv_find(t, "a\0b", 3) == NULL);
    CHECK(kv_find(t, "a\0c", 3) != NULL);
    CHECK(kv_find(t, "a", 1) != NULL);
    CHECK(kv_find(t, "a\0", 2) != NULL);
    CHECK(kv_find(t, NULL, 0) == kv_find(t, "", 0)); /* empty key, no bytes */
    CHECK_EQ_INT(kv_delete(t, "", 0), 1);
    CHECK(kv_find(t, "\0", 1) != NULL);
    CHECK_EQ_INT(kv_size(t), K - 2);
    kv_destroy(t);
    for (int i = 0; i < K; i++) CHECK_EQ_INT(freed[i], 1);
}

/* Bulk loading: kv_reserve sizes the table up front and keeps it from
 * shrinking until released; kv_insert_new refuses duplicates. */
static void test_reserve_insert_new(void) {
    uint8_t seed[16] = {1};
    kv_table *t = kv_create(seed, NULL);
    kv_reserve(t, 100000);
    CHECK(kv_buckets(t) >= 100000);
    size_t b0 = kv_buckets(t);
    char k[32];
    for (int i = 0; i < 50000; i++) {
        int n = snprintf(k, sizeof(k), "key:%d", i);
        CHECK(kv_insert_new(t, k, (size_t)n, (void *)(intptr_t)(i + 1)) != NULL);
    }
    CHECK_EQ_INT(kv_buckets(t), b0);      /* no growth, no rehash */
    CHECK(!kv_is_rehashing(t));
    CHECK(kv_insert_new(t, "key:7", 5, (void *)99) == NULL); /* duplicate */
    CHECK(kv_find(t, "key:7", 5)->val == (void *)8);
    CHECK_EQ_INT(kv_size(t), 50000);
    for (int i = 0; i < 50000; i++) {
        int n = snprintf(k, sizeof(k), "key:%d", i);
        kv_delete(t, k, (size_t)n);
    }
    CHECK_EQ_INT(kv_buckets(t), b0);      /* the floor holds while reserved */
    kv_reserve(t, 0);
    while (kv_rehash_step(t, 1000)) {}
    CHECK(kv_buckets(t) < b0);            /* and is gone once released */
    kv_destroy(t);
}

int main(void) {
    test_reserve_insert_new();
    test_siphash();
    test_basic();
    test_bulk();
    test_scan_static();
    test_scan_grow();
    test_scan_shrink();
    test_scan_fuzz();
    test_expires();
    test_random();
    test_detach_clear();
    test_binary_keys();
    TU_DONE();
}
