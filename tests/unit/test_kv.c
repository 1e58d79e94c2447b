/* test_kv.c -- unit tests for engine/kv.c: hashing, growth/shrink with
 * incremental rehash, SCAN guarantees under resizing, the expires index,
 * random sampling, move/clear, binary keys, values stored in the entry
 * (resizing moves the entry and re-points its links), pre-image hooks. */
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
/* Entries made by insert_id hold their id as a 4-byte value. */
static kv_entry *insert_id(kv_table *t, int i) {
    char b[32];
    size_t n = mk(b, i);
    return kv_insert(t, b, n, (const char *)&i, sizeof(i));
}
static int ival(kv_entry *e) {
    int v;
    memcpy(&v, kv_val(e), sizeof(v));
    return v;
}
static int delete_id(kv_table *t, int i) {
    char b[32];
    size_t n = mk(b, i);
    return kv_delete(t, b, n);
}
static void drain(kv_table *t) {
    while (kv_rehash_step(t, 100)) {}
}

/* Per-id free counters, bumped by the free hook. */
static int freed[MAXID];
static void count_free(kv_entry *e) {
    if (e->vlen == sizeof(int)) freed[ival(e)]++;
}

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

    int zero = 0;
    kv_entry *e = kv_insert(t, "hello", 5, (const char *)&zero, sizeof(zero));
    CHECK(e != NULL);
    CHECK_EQ_INT(e->klen, 5);
    CHECK_MEM(e->key, e->klen, "hello");
    CHECK(e->key[5] == '\0');
    CHECK(e->expire_ms == KV_NO_EXPIRE);
    CHECK_EQ_INT(e->vlen, 4);
    CHECK(kv_val(e)[4] == '\0');
    CHECK_EQ_INT(ival(e), 0);
    CHECK(kv_find(t, "hello", 5) == e);
    CHECK(kv_find(t, "hell", 4) == NULL);
    CHECK(kv_find(t, "hello!", 6) == NULL);
    CHECK_EQ_INT(kv_size(t), 1);

    /* Same size: in place. Bigger: the entry may move; the table follows. */
    kv_entry *same = kv_set_val(t, e, "abcd", 4);
    CHECK(same == e && kv_find(t, "hello", 5) == e);
    CHECK_MEM(kv_val(e), e->vlen, "abcd");
    char big[5000];
    memset(big, 'x', sizeof(big));
    e = kv_set_val(t, e, big, sizeof(big));
    CHECK(kv_find(t, "hello", 5) == e);
    CHECK_EQ_INT(e->vlen, sizeof(big));
    CHECK(kv_val(e)[sizeof(big)] == '\0');
    size_t ov_big = kv_overhead(t);
    e = kv_set_val(t, e, "hi", 2);        /* much smaller: shrinks */
    CHECK(kv_find(t, "hello", 5) == e);
    CHECK_MEM(kv_val(e), e->vlen, "hi");
    CHECK(kv_overhead(t) + 4000 < ov_big);
    e = kv_set_val(t, e, NULL, 3);        /* NULL: zeroes */
    CHECK(e->vlen == 3 && !kv_val(e)[0] && !kv_val(e)[1] && !kv_val(e)[2]);
    e = kv_grow_val(t, e, 100);           /* capacity only */
    CHECK(kv_vcap(e) >= 100 && e->vlen == 3);
    CHECK(kv_find(t, "hello", 5) == e);
    e = kv_set_val(t, e, (const char *)&zero, sizeof(zero));
    CHECK_EQ_INT(freed[0], 0);

    CHECK_EQ_INT(kv_delete(t, "hello", 5), 1);
    CHECK_EQ_INT(freed[0], 1);             /* the hook saw the entry */
    CHECK_EQ_INT(kv_delete(t, "hello", 5), 0);
    CHECK_EQ_INT(kv_size(t), 0);
    CHECK(kv_overhead(t) > 0);
    kv_destroy(t);
    CHECK_EQ_INT(freed[0], 1);

    /* NULL free_val is allowed. */
    t = kv_create(seed0, NULL);
    kv_insert(t, "x", 1, "1", 1);
    kv_set_val(t, kv_find(t, "x", 1), "2", 1);
    CHECK_EQ_INT(kv_delete(t, "x", 1), 1);
    kv_destroy(t);
}

/* Values that grow and shrink in a table that is rehashing, with chains
 * and an expires index: every resize re-points the chain link and the
 * index slot, so every key stays findable with its own value. */
static void test_resize_values(void) {
    enum { N = 20000 };
    kv_table *t = kv_create(seed0, NULL);
    static uint16_t len[N];
    char buf[3000];
    for (int i = 0; i < N; i++) {
        insert_id(t, i);
        len[i] = sizeof(int);
        if (i % 3 == 0) kv_set_expire(t, find_id(t, i), 1000 + i);
    }
    int moved = 0;
    for (int round = 0; round < 4 * N; round++) {
        int i = (int)(tr() % N);
        kv_entry *e = find_id(t, i);
        if (!e) { CHECK(!"key lost"); break; }
        size_t n = sizeof(int) + tr() % 2900;
        memset(buf, 'a' + (i % 26), n);
        memcpy(buf, &i, sizeof(i));
        kv_entry *ne;
        if (tr() & 1) {
            ne = kv_set_val(t, e, buf, n);
        } else { /* grow, then fill in place */
            ne = kv_grow_val(t, e, n);
            CHECK(kv_vcap(ne) >= n);
            memcpy(kv_val(ne), buf, n);
            ne->vlen = (uint32_t)n;
            kv_val(ne)[n] = '\0';
        }
        moved += ne != e;
        len[i] = (uint16_t)n;
        if (round % 100 == 0) kv_rehash_step(t, 1);
        if (round == N) /* grow the table under the entries */
            for (int j = N; j < 3 * N; j++) insert_id(t, j);
    }
    CHECK(moved > 1000);
    int bad = 0;
    for (int i = 0; i < N; i++) {
        kv_entry *e = find_id(t, i);
        if (!e || e->vlen != len[i] || ival(e) != i ||
            (len[i] > 4 && kv_val(e)[len[i] - 1] != 'a' + (i % 26)) ||
            kv_val(e)[len[i]] != '\0' ||
            (e->expire_ms != KV_NO_EXPIRE) != (i % 3 == 0))
            bad++;
    }
    CHECK_EQ_INT(bad, 0);
    for (int d = 0; d < 5000; d++) { /* the index points at live entries */
        kv_entry *e = kv_random_expiring(t);
        if (!e || find_id(t, ival(e)) != e || e->expire_ms != 1000 + ival(e)) {
            CHECK(!"stale expires index");
            break;
        }
    }
    kv_destroy(t);
}

static void test_bulk(void) {
    enum { N = 200000 };
    kv_table *t = kv_create(seed0, NULL);
    size_t ov0 = kv_overhead(t);
    kv_entry *sample[64];
    int saw_rehash = 0;

    for (int i = 0; i < N; i++) {
        kv_entry *e = insert_id(t, i);
        if (i < 64) sample[i] = e;
        saw_rehash |= kv_is_rehashing(t);
    }
    CHECK(saw_rehash);
    CHECK_EQ_INT(kv_size(t), N);
    CHECK(kv_overhead(t) > ov0 + (size_t)N * sizeof(kv_entry));
    for (int i = 0; i < N; i++) {
        kv_entry *e = find_id(t, i);
        CHECK(e && ival(e) == i);
        if (!e || ival(e) != i) break;
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
        if ((i & 1) ? e != NULL : (e == NULL || ival(e) != i)) {
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
    for (int i = 0; i < N; i++) insert_id(t, i);
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
    while (!kv_is_rehashing(t)) insert_id(t, n++);
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

/* kv_scan_n is n calls of kv_scan: the same entries in the same order and
 * the same cursors, on static, growing and shrinking (rehashing) tables,
 * for chunk sizes around its prefetch distances. */
typedef struct order { kv_entry **e; size_t n, cap; } order;
static void on_order(void *ud, kv_entry *e) {
    order *o = ud;
    if (o->n == o->cap) {
        o->cap = o->cap ? 2 * o->cap : 1024;
        o->e = realloc(o->e, o->cap * sizeof(*o->e));
        if (!o->e) abort();
    }
    o->e[o->n++] = e;
}

static void check_scan_n(kv_table *t, size_t chunk) {
    order a = {0}, b = {0};
    uint64_t ca = 0, cb = 0;
    int steps = 0;
    do {
        for (size_t k = 0; k < chunk && (k == 0 || ca); k++) ca = kv_scan(t, ca, on_order, &a);
        cb = kv_scan_n(t, cb, chunk, on_order, &b);
        CHECK_MSG(ca == cb, "chunk %zu step %d: cursor %llu, kv_scan gives %llu", chunk, steps,
                  (unsigned long long)cb, (unsigned long long)ca);
        steps++;
    } while (ca && ca == cb);
    CHECK_EQ_INT(a.n, b.n);
    CHECK(a.n == b.n && (a.n == 0 || !memcmp(a.e, b.e, a.n * sizeof(*a.e))));
    free(a.e);
    free(b.e);
}

static void test_scan_n(void) {
    static const size_t chunks[] = {1, 2, 7, 8, 9, 16, 17, 31, 32, 33, 64, 1000, 100000};
    static const int sizes[] = {0, 1, 5, 100, 5000, 40000};
    for (size_t si = 0; si < sizeof(sizes) / sizeof(sizes[0]); si++) {
        kv_table *t = kv_create(seed0, NULL);
        for (int i = 0; i < sizes[si]; i++) insert_id(t, i);
        drain(t);
        for (size_t ci = 0; ci < sizeof(chunks) / sizeof(chunks[0]); ci++)
            check_scan_n(t, chunks[ci]);
        /* rehashing: a grow, then a shrink, in progress */
        if (sizes[si] >= 100) {
            int n = sizes[si];
            while (!kv_is_rehashing(t)) insert_id(t, n++);
            for (size_t ci = 0; ci < sizeof(chunks) / sizeof(chunks[0]); ci++)
                check_scan_n(t, chunks[ci]);
            drain(t);
            for (int i = 0; i < n; i++) if (i % 20) delete_id(t, i);
            CHECK(kv_is_rehashing(t));
            for (size_t ci = 0; ci < sizeof(chunks) / sizeof(chunks[0]); ci++)
                check_scan_n(t, chunks[ci]);
        }
        /* n = 0 visits nothing and keeps the cursor */
        order o = {0};
        CHECK_EQ_INT(kv_scan_n(t, 12345, 0, on_order, &o), 12345);
        CHECK_EQ_INT(o.n, 0);
        kv_destroy(t);
    }
}

/* (b) the table grows (several times) between cursor calls. */
static void test_scan_grow(void) {
    enum { N0 = 1000, ADD = 60000 };
    kv_table *t = kv_create(seed0, NULL);
    for (int i = 0; i < N0; i++) insert_id(t, i);
    drain(t);
    size_t b0 = kv_buckets(t);
    reset_seen();
    uint64_t c = 0;
    int next = N0;
    do {
        c = kv_scan(t, c, on_scan, NULL);
        for (int k = 0; k < 50 && next < N0 + ADD; k++) insert_id(t, next++);
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
    for (int i = 0; i < N; i++) insert_id(t, i);
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
        for (int i = 0; i < STABLE; i++) insert_id(t, i);
        for (int i = 0; i < (int)(tr() % VOL); i++) {
            insert_id(t, STABLE + i);
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
                if (want && !live[id]) { insert_id(t, id); live[id] = 1; }
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
    for (int i = 0; i < N; i++) insert_id(t, i);
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
    for (int i = N; i < 20 * N; i++) insert_id(t, i);
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

    /* Moving an expiring key to another table takes value and expiry. */
    kv_table *t2 = kv_create(seed0, count_free);
    kv_entry *m = kv_move(t, "k10000", 6, t2, "k10000", 6);
    CHECK(m && m->expire_ms == 77 && ival(m) == 10000);
    CHECK_EQ_INT(freed[10000], 0);
    CHECK_EQ_INT(kv_expires_size(t), 150);
    CHECK_EQ_INT(kv_expires_size(t2), 1);
    CHECK(kv_random_expiring(t2) == m && kv_find(t2, "k10000", 6) == m);
    CHECK(find_id(t, 10000) == NULL);

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
    kv_destroy(t2);
    CHECK_EQ_INT(freed[10000], 1);
}

static void test_random(void) {
    kv_table *t = kv_create(seed0, NULL);
    for (int i = 0; i < 5000; i++) insert_id(t, i);
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
    while (!kv_is_rehashing(t)) insert_id(t, n++);
    reset_seen();
    for (int d = 0; d < 3000 && kv_is_rehashing(t); d++) {
        kv_entry *e = kv_random(t);
        CHECK(e != NULL);
        if (e) on_scan(NULL, e);
    }
    for (int i = n; i < MAXID; i++) CHECK_EQ_INT(seen[i], 0);
    kv_destroy(t);
}

static void test_move_clear(void) {
    kv_table *t = kv_create(seed0, count_free);
    memset(freed, 0, sizeof(freed));
    CHECK(kv_move(t, "nope", 4, t, "x", 1) == NULL);

    for (int i = 0; i < 3000; i++) insert_id(t, i);
    kv_set_expire(t, find_id(t, 7), 123);
    find_id(t, 5)->lru = 42;
    find_id(t, 5)->flags = 3;
    /* RENAME to a longer name: value, lru and flags come along. */
    kv_entry *e = kv_move(t, "k5", 2, t, "renamed", 7);
    CHECK(e && kv_find(t, "renamed", 7) == e && find_id(t, 5) == NULL);
    CHECK(ival(e) == 5 && e->lru == 42 && e->flags == 3 && e->expire_ms == KV_NO_EXPIRE);
    CHECK_MEM(e->key, e->klen, "renamed");
    CHECK_EQ_INT(freed[5], 0);
    CHECK_EQ_INT(kv_size(t), 3000);
    /* Same length, with an expiry: the index follows. */
    e = kv_move(t, "k7", 2, t, "q7", 2);
    CHECK(e && e->expire_ms == 123 && kv_random_expiring(t) == e && ival(e) == 7);
    CHECK_EQ_INT(kv_expires_size(t), 1);
    /* Shorter. */
    e = kv_move(t, "q7", 2, t, "", 0);
    CHECK(e && kv_find(t, "", 0) == e && e->klen == 0 && ival(e) == 7);
    CHECK(kv_random_expiring(t) == e);
    CHECK_EQ_INT(kv_delete(t, "", 0), 1);
    CHECK_EQ_INT(freed[7], 1);
    CHECK_EQ_INT(kv_expires_size(t), 0);

    /* Clear while a rehash is in progress. */
    int n = 3000;
    while (!kv_is_rehashing(t)) { insert_id(t, n); n++; }
    for (int i = 0; i < 3000; i += 2) kv_set_expire(t, find_id(t, i), 1);
    kv_clear(t);
    CHECK_EQ_INT(kv_size(t), 0);
    CHECK_EQ_INT(kv_expires_size(t), 0);
    CHECK(!kv_is_rehashing(t));
    CHECK_EQ_INT(kv_buckets(t), 4);
    CHECK(kv_random(t) == NULL && kv_random_expiring(t) == NULL);
    for (int i = 0; i < n; i++) CHECK_EQ_INT(freed[i], 1);
    CHECK(find_id(t, 1) == NULL);
    /* Usable after clear. */
    insert_id(t, 1);
    CHECK(find_id(t, 1) && ival(find_id(t, 1)) == 1);
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
        kv_entry *e = kv_insert(t, keys[i].k, keys[i].n, (const char *)&i, sizeof(i));
        CHECK_EQ_INT(e->klen, keys[i].n);
        CHECK(memcmp(e->key, keys[i].k, keys[i].n) == 0 && e->key[keys[i].n] == '\0');
    }
    CHECK_EQ_INT(kv_size(t), K);
    for (int i = 0; i < K; i++) {
        kv_entry *e = kv_find(t, keys[i].k, keys[i].n);
        CHECK(e && ival(e) == i);
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
        CHECK(kv_insert_new(t, k, (size_t)n, k, (size_t)n) != NULL);
    }
    CHECK_EQ_INT(kv_buckets(t), b0);      /* no growth, no rehash */
    CHECK(!kv_is_rehashing(t));
    CHECK(kv_insert_new(t, "key:7", 5, "other", 5) == NULL); /* duplicate */
    CHECK_MEM(kv_val(kv_find(t, "key:7", 5)), 5, "key:7");
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

/* Checkpoint pre-images: every entry that existed when the epoch was set
 * is handed over once, with its OLD value, before its first change of any
 * kind; saved (kv_mark) and new entries never are. */
static int pre_calls[64], pre_old[64];
static void on_pre(void *ud, kv_table *t, kv_entry *e) {
    (void)ud; (void)t;
    int id = ival(e);
    pre_calls[id]++;
    pre_old[id] = e->vlen;
}
static void test_preimage(void) {
    kv_table *t = kv_create(seed0, NULL), *t2 = kv_create(seed0, NULL);
    for (int i = 0; i < 8; i++) insert_id(t, i);
    kv_set_epoch(t, 7, on_pre, NULL);
    kv_set_epoch(t2, 7, on_pre, NULL);
    char buf[600];
    memset(buf, 'z', sizeof(buf));
    int one = 1;
    memcpy(buf, &one, sizeof(one));
    kv_entry *e = kv_set_val(t, find_id(t, 1), buf, sizeof(buf));   /* moves */
    kv_set_val(t, e, buf, 8);                                        /* again */
    e = kv_grow_val(t, find_id(t, 2), 5000);
    kv_set_expire(t, find_id(t, 3), 99);
    kv_delete(t, "k4", 2);
    kv_move(t, "k5", 2, t2, "k5", 2);
    kv_set_val(t2, kv_find(t2, "k5", 2), "\5\0\0\0", 4);              /* new there */
    kv_mark(t, find_id(t, 6));
    kv_set_val(t, find_id(t, 6), "\6\0\0\0", 4);                       /* saved */
    kv_entry *n = insert_id(t, 9);
    kv_set_val(t, n, "\11\0\0\0xyz", 7);                              /* new */
    kv_will_change(t, find_id(t, 7));
    kv_will_change(t, find_id(t, 7));
    for (int i = 1; i <= 5; i++) CHECK_EQ_INT(pre_calls[i], 1);
    CHECK_EQ_INT(pre_old[1], 4);                  /* the old value, not the new */
    CHECK_EQ_INT(pre_calls[0] + pre_calls[6] + pre_calls[9], 0);
    CHECK_EQ_INT(pre_calls[7], 1);
    kv_destroy(t);
    kv_destroy(t2);
}

int main(void) {
    test_reserve_insert_new();
    test_siphash();
    test_basic();
    test_bulk();
    test_scan_static();
    test_scan_n();
    test_scan_grow();
    test_scan_shrink();
    test_scan_fuzz();
    test_expires();
    test_random();
    test_move_clear();
    test_resize_values();
    test_preimage();
    test_binary_keys();
    TU_DONE();
}
