/* fuzz_inline.c -- the inline command tokenizer (resp_split_inline) on
 * arbitrary bytes.
 *
 * Checked: it returns 0 or -1, and on -1 it never called back (all or
 * nothing); each argument is NUL-terminated and the arguments together are
 * no longer than the line; a NUL ends the line (splitting the prefix before
 * it gives the same arguments); and splitting is a round trip: quoting every
 * argument back with "\xHH" escapes and splitting that line gives the same
 * arguments again.
 */
#include "fuzz.h"
#include "resp.h"

#include <string.h>

typedef struct {
    unsigned char *s; /* u32 length + bytes per argument */
    size_t n, cap;
    size_t args, total;
} args_t;

static void cb(void *ud, const char *arg, size_t n) {
    args_t *a = ud;
    FUZZ_CHECK(arg[n] == '\0');
    if (a->n + n + 4 > a->cap) {
        a->cap = (a->n + n + 4) * 2;
        if (!(a->s = realloc(a->s, a->cap))) abort();
    }
    uint32_t l = (uint32_t)n;
    memcpy(a->s + a->n, &l, 4);
    memcpy(a->s + a->n + 4, arg, n);
    a->n += 4 + n;
    a->args++;
    a->total += n;
}

static int split(const unsigned char *line, size_t n, args_t *a) {
    unsigned char *copy = fuzz_dup(line, n);
    memset(a, 0, sizeof(*a));
    int r = resp_split_inline((const char *)copy, n, cb, a);
    free(copy);
    FUZZ_CHECK(r == 0 || r == -1);
    if (r) FUZZ_CHECK(a->args == 0);
    FUZZ_CHECK(a->total <= n);
    return r;
}

static int same(const args_t *x, const args_t *y) {
    return x->n == y->n && (x->n == 0 || memcmp(x->s, y->s, x->n) == 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    args_t a, b;
    int r = split(data, size, &a);

    const unsigned char *z = memchr(data, '\0', size);
    if (z) { /* a NUL ends the line */
        int r2 = split(data, (size_t)(z - data), &b);
        FUZZ_CHECK(r2 == r && same(&a, &b));
        free(b.s);
    }

    if (r == 0) { /* round trip through "\xHH" quoting */
        size_t qn = 0;
        unsigned char *q = malloc(a.total * 4 + a.args * 3 + 1);
        if (!q) abort();
        for (size_t off = 0; off < a.n;) {
            uint32_t l;
            memcpy(&l, a.s + off, 4);
            q[qn++] = '"';
            for (uint32_t i = 0; i < l; i++)
                qn += (size_t)sprintf((char *)q + qn, "\\x%02x", a.s[off + 4 + i]);
            q[qn++] = '"';
            q[qn++] = ' ';
            off += 4 + l;
        }
        FUZZ_CHECK(split(q, qn, &b) == 0);
        FUZZ_CHECK(same(&a, &b));
        free(b.s);
        free(q);
    }
    free(a.s);
    return 0;
}
