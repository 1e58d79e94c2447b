/* fuzz_resp.c -- the RESP request parser (resp_parse) on arbitrary bytes.
 *
 * Input: byte 0 picks the limits (bit 7: Redis's defaults, else tiny ones
 * from bits 0-6 and byte 1, so that declared sizes far past the limits, and
 * right at them, are reached with small inputs), byte 2 seeds the split
 * pattern; the rest is the byte stream of one connection.
 *
 * The stream is parsed whole, one byte per call, and in pieces of
 * pseudo-random sizes, each piece in a malloc of its exact size. Checked:
 * every feeding gives the same transcript (commands, the error, the pending
 * count at the end), as resp.h promises; argv[i] is NUL-terminated; a call
 * never consumes more than it was given and NEED_MORE consumes it all; no
 * command is empty; the parser's buffers stay within a constant factor of
 * the bytes actually fed (never the declared sizes).
 */
#include "fuzz.h"
#include "resp.h"

#include <string.h>

typedef struct {
    unsigned char *s;
    size_t n, cap;
} tbuf;

static void tb_put(tbuf *t, const void *p, size_t n) {
    if (t->n + n > t->cap) {
        t->cap = (t->n + n) * 2 + 64;
        if (!(t->s = realloc(t->s, t->cap))) abort();
    }
    memcpy(t->s + t->n, p, n);
    t->n += n;
}

typedef struct {
    resp_parser p;
    tbuf t;
    int dead;
    size_t fed;       /* bytes given to the parser so far */
    size_t cmd_start; /* fed when the last command completed */
} run;

/* The parser may hold about twice what arrived (doubling), plus constants. */
static void check_memory(const run *r) {
    size_t bound = 2 * (r->fed + 1) + 512;
    FUZZ_CHECK(r->p.store_cap <= bound);
    FUZZ_CHECK(r->p.line_cap <= bound);
    FUZZ_CHECK(r->p.argv_cap <= bound);
}

static void feed(run *r, const unsigned char *d, size_t n) {
    unsigned char *copy = fuzz_dup(d, n);
    size_t off = 0;
    r->fed += n;
    while (!r->dead) {
        resp_status st;
        size_t used = resp_parse(&r->p, (const char *)copy + off, n - off, &st);
        FUZZ_CHECK(used <= n - off);
        off += used;
        if (st == RESP_COMMAND) {
            FUZZ_CHECK(r->p.argc > 0);
            FUZZ_CHECK(used > 0);
            FUZZ_CHECK(resp_parser_pending(&r->p) == 0);
            uint32_t argc = (uint32_t)r->p.argc;
            tb_put(&r->t, "C", 1);
            tb_put(&r->t, &argc, sizeof argc);
            for (int i = 0; i < r->p.argc; i++) {
                size_t l = r->p.argvlen[i];
                FUZZ_CHECK(r->p.argv[i][l] == '\0');
                tb_put(&r->t, &l, sizeof l);
                tb_put(&r->t, r->p.argv[i], l);
            }
            r->cmd_start = r->fed - (n - off);
            continue;
        }
        if (st == RESP_ERROR) {
            FUZZ_CHECK(r->p.error && r->p.error[0]);
            tb_put(&r->t, "E", 1);
            tb_put(&r->t, r->p.error, strlen(r->p.error) + 1);
            r->dead = 1;
            break;
        }
        FUZZ_CHECK(st == RESP_NEED_MORE);
        FUZZ_CHECK(off == n);
        FUZZ_CHECK(resp_parser_pending(&r->p) <= r->fed - r->cmd_start);
        break;
    }
    check_memory(r);
    free(copy);
}

static void finish(run *r) {
    if (!r->dead) {
        size_t pend = resp_parser_pending(&r->p);
        tb_put(&r->t, "P", 1);
        tb_put(&r->t, &pend, sizeof pend);
    }
    resp_parser_free(&r->p);
}

static void same(const run *a, const run *b) {
    FUZZ_CHECK(a->t.n == b->t.n);
    FUZZ_CHECK(memcmp(a->t.s, b->t.s, a->t.n) == 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size < 3) return 0;
    resp_limits lim;
    resp_limits_default(&lim);
    if (!(data[0] & 0x80)) {
        lim.max_bulk_len = data[1];                 /* 0..255 */
        lim.max_multibulk_len = data[0] & 0x0f;     /* 0..15 */
        lim.max_inline_len = (size_t)(data[0] >> 4 & 7) * 16 + (data[1] & 15); /* 0..127 */
    }
    uint32_t seed = data[2] * 2654435761u + 1;
    const unsigned char *s = data + 3;
    size_t n = size - 3;

    run whole = {0}, bytes = {0}, pieces = {0};
    resp_parser_init(&whole.p, &lim);
    resp_parser_init(&bytes.p, &lim);
    resp_parser_init(&pieces.p, &lim);

    feed(&whole, s, n);
    for (size_t i = 0; i < n; i++) feed(&bytes, s + i, 1);
    for (size_t i = 0; i < n;) {
        seed = seed * 1103515245u + 12345u;
        size_t k = (seed >> 16) % 9 == 0 ? 0 : 1 + (seed >> 16) % (n - i < 40 ? n - i : 40);
        feed(&pieces, s + i, k); /* k == 0: an empty call between pieces */
        i += k;
    }
    finish(&whole);
    finish(&bytes);
    finish(&pieces);
    same(&whole, &bytes);
    same(&whole, &pieces);
    free(whole.t.s);
    free(bytes.t.s);
    free(pieces.t.s);
    return 0;
}
