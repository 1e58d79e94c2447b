/* resp_write.c -- reply builder: resp_buf and the resp_add_* encoders.
 *
 * Why it is shaped this way:
 *  - Every reply element is appended straight into one growable buffer that
 *    the networking layer writes out; each encoder reserves its worst case
 *    once and then stores bytes directly, so a reply costs one capacity
 *    check, not one per fragment.
 *  - Headers (`:n`, `$n`, `*n`, ...) are the hot path of every reply, so
 *    integers go through our own ll2string (two digits per step from a
 *    table) instead of snprintf. Only doubles and resp_add_errorf use the
 *    printf family.
 *  - Protocol differences (RESP2 vs RESP3) are a branch per encoder, with
 *    RESP2 degrading exactly like Redis (see resp.h).
 *  - Status and error text may come from user data (e.g. an error quoting a
 *    key); CR and LF in it are replaced by spaces so a reply can never be
 *    split into two protocol lines.
 *  - Out of memory aborts with a message (like Redis's zmalloc): callers
 *    never need to check, and a half-written reply cannot happen.
 */
#include "resp.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ------------------------------------------------------------- resp_buf */

void resp_buf_init(resp_buf *b)
{
    b->data = NULL;
    b->len = b->cap = 0;
}

void resp_buf_free(resp_buf *b)
{
    free(b->data);
    resp_buf_init(b);
}

void resp_buf_reset(resp_buf *b)
{
    b->len = 0;
}

void resp_buf_reserve(resp_buf *b, size_t extra)
{
    size_t need, nc;
    char *d;

    if (extra <= b->cap - b->len) return;
    if (extra > SIZE_MAX - b->len) {
        fprintf(stderr, "resp: reply buffer size overflow\n");
        abort();
    }
    need = b->len + extra;
    nc = b->cap > 64 ? b->cap : 64;
    while (nc < need) nc = nc > SIZE_MAX / 2 ? need : nc * 2;
    d = realloc(b->data, nc);
    if (!d) {
        fprintf(stderr, "resp: out of memory allocating %zu bytes\n", nc);
        abort();
    }
    b->data = d;
    b->cap = nc;
}

void resp_buf_append(resp_buf *b, const void *p, size_t n)
{
    if (!n) return;
    resp_buf_reserve(b, n);
    memcpy(b->data + b->len, p, n);
    b->len += n;
}

/* ------------------------------------------------------------- numbers */

/* Writes v in decimal to dst (>= 21 bytes, no NUL); returns the length. */
static size_t ll2str(char *dst, long long v)
{
    static const char pairs[201] =
        "0001020304050607080910111213141516171819"
        "2021222324252627282930313233343536373839"
        "4041424344454647484950515253545556575859"
        "6061626364656667686970717273747576777879"
        "8081828384858687888990919293949596979899";
    char tmp[20], *t = tmp + sizeof tmp;
    unsigned long long u = v < 0 ? 0ULL - (unsigned long long)v
                                 : (unsigned long long)v;
    size_t n, neg = v < 0;

    while (u >= 100) {
        unsigned i = (unsigned)(u % 100) * 2;
        u /= 100;
        *--t = pairs[i + 1];
        *--t = pairs[i];
    }
    if (u >= 10) {
        unsigned i = (unsigned)u * 2;
        *--t = pairs[i + 1];
        *--t = pairs[i];
    } else {
        *--t = (char)('0' + u);
    }
    n = (size_t)(tmp + sizeof tmp - t);
    if (neg) *dst++ = '-';
    memcpy(dst, t, n);
    return n + neg;
}

/* Appends <type><v>\r\n. */
static void add_hdr(resp_buf *b, char type, long long v)
{
    char *p;
    resp_buf_reserve(b, 24);
    p = b->data + b->len;
    *p++ = type;
    p += ll2str(p, v);
    *p++ = '\r';
    *p++ = '\n';
    b->len = (size_t)(p - b->data);
}

int resp_fmt_double(char *out, size_t cap, double d)
{
    const char *s = NULL;
    int n;

    if (isnan(d)) s = "nan";                     /* never "-nan" */
    else if (isinf(d)) s = d > 0 ? "inf" : "-inf";
    if (s) n = snprintf(out, cap, "%s", s);
    else n = snprintf(out, cap, "%.17g", d);
    if (n < 0) n = 0;
    if ((size_t)n >= cap) n = cap ? (int)cap - 1 : 0;
    return n;
}

/* ------------------------------------------------------------- replies */

/* Appends <type><s with CR/LF as spaces>\r\n. */
static void add_line(resp_buf *b, char type, const char *s, size_t n)
{
    char *p;
    resp_buf_reserve(b, n + 3);
    p = b->data + b->len;
    *p++ = type;
    for (size_t i = 0; i < n; i++)
        p[i] = (s[i] == '\r' || s[i] == '\n') ? ' ' : s[i];
    p += n;
    *p++ = '\r';
    *p++ = '\n';
    b->len = (size_t)(p - b->data);
}

void resp_add_simple(resp_buf *b, const char *s, size_t n)
{
    add_line(b, '+', s, n);
}

void resp_add_status(resp_buf *b, const char *s)
{
    add_line(b, '+', s, strlen(s));
}

void resp_add_error(resp_buf *b, const char *s, size_t n)
{
    add_line(b, '-', s, n);
}

void resp_add_errorf(resp_buf *b, const char *fmt, ...)
{
    char small[256], *s = small;
    va_list ap;
    int n;

    va_start(ap, fmt);
    n = vsnprintf(small, sizeof small, fmt, ap);
    va_end(ap);
    if (n < 0) n = 0;
    if ((size_t)n >= sizeof small) {
        s = malloc((size_t)n + 1);
        if (!s) {
            fprintf(stderr, "resp: out of memory allocating %d bytes\n", n);
            abort();
        }
        va_start(ap, fmt);
        vsnprintf(s, (size_t)n + 1, fmt, ap);
        va_end(ap);
    }
    add_line(b, '-', s, (size_t)n);
    if (s != small) free(s);
}

void resp_add_int(resp_buf *b, long long v)
{
    add_hdr(b, ':', v);
}

void resp_add_bulk(resp_buf *b, const void *p, size_t n)
{
    resp_buf_reserve(b, n + 24 + 2);   /* one check for header+payload+CRLF */
    add_hdr(b, '$', (long long)n);
    if (n) memcpy(b->data + b->len, p, n);
    b->len += n;
    b->data[b->len++] = '\r';
    b->data[b->len++] = '\n';
}

void resp_add_bulk_cstr(resp_buf *b, const char *s)
{
    if (!s) resp_buf_append(b, "$-1\r\n", 5);
    else resp_add_bulk(b, s, strlen(s));
}

void resp_add_bulk_ll(resp_buf *b, long long v)
{
    char tmp[24];
    resp_add_bulk(b, tmp, ll2str(tmp, v));
}

void resp_add_array_len(resp_buf *b, long long n)
{
    add_hdr(b, '*', n);
}

void resp_add_null(resp_buf *b, int proto)
{
    if (proto == RESP3) resp_buf_append(b, "_\r\n", 3);
    else resp_buf_append(b, "$-1\r\n", 5);
}

void resp_add_null_array(resp_buf *b, int proto)
{
    if (proto == RESP3) resp_buf_append(b, "_\r\n", 3);
    else resp_buf_append(b, "*-1\r\n", 5);
}

void resp_add_map_len(resp_buf *b, int proto, long long n)
{
    if (proto == RESP3) add_hdr(b, '%', n);
    else add_hdr(b, '*', n * 2);
}

void resp_add_set_len(resp_buf *b, int proto, long long n)
{
    add_hdr(b, proto == RESP3 ? '~' : '*', n);
}

void resp_add_push_len(resp_buf *b, int proto, long long n)
{
    add_hdr(b, proto == RESP3 ? '>' : '*', n);
}

void resp_add_double(resp_buf *b, int proto, double d)
{
    char tmp[64];
    int n = resp_fmt_double(tmp, sizeof tmp, d);
    if (proto == RESP3) add_line(b, ',', tmp, (size_t)n);
    else resp_add_bulk(b, tmp, (size_t)n);
}

void resp_add_bool(resp_buf *b, int proto, int v)
{
    if (proto == RESP3) resp_buf_append(b, v ? "#t\r\n" : "#f\r\n", 4);
    else resp_buf_append(b, v ? ":1\r\n" : ":0\r\n", 4);
}

void resp_add_bignum(resp_buf *b, int proto, const char *s, size_t n)
{
    if (proto == RESP3) add_line(b, '(', s, n);
    else resp_add_bulk(b, s, n);
}

void resp_add_verbatim(resp_buf *b, int proto, const char *fmt3,
                       const char *s, size_t n)
{
    char *p;
    if (proto != RESP3) {
        resp_add_bulk(b, s, n);
        return;
    }
    resp_buf_reserve(b, n + 24 + 4 + 2);
    add_hdr(b, '=', (long long)n + 4);
    p = b->data + b->len;
    for (int i = 0; i < 3; i++)         /* like Redis: pad a short format */
        p[i] = *fmt3 ? *fmt3++ : ' ';
    p[3] = ':';
    if (n) memcpy(p + 4, s, n);
    p[4 + n] = '\r';
    p[5 + n] = '\n';
    b->len += n + 6;
}
