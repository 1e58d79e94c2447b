/* resp_parse.c -- incremental RESP2 request parser (multibulk + inline).
 *
 * Why it is shaped this way:
 *  - It is a byte-driven state machine (START, '*' header, '$' header, bulk
 *    payload, inline line) whose every decision depends only on the bytes
 *    seen since the command began, never on where the input was split. That
 *    is what makes any split of the stream give identical results. Redis's
 *    own checks depend on how much sits in its query buffer; here each limit
 *    is a count of bytes *before a terminator*, which Redis enforces for a
 *    slow sender and which we also enforce when the line arrives whole.
 *  - Fast path: when a header line or inline line lies entirely inside the
 *    caller's buffer it is parsed in place; only lines split across calls
 *    are copied (headers: just their first 32 bytes, which is all a valid
 *    number can need, plus a count). Bulk payloads are memcpy'd once into
 *    `store`, each followed by a NUL, so argv[] can be NUL-terminated
 *    without writing into the caller's (const) data. store/argv are reused
 *    from command to command: no malloc per command in steady state.
 *  - Allocation follows arrival, never declaration: a `$536870912` header
 *    allocates nothing; store grows (doubling) only as payload bytes arrive,
 *    so memory held is at most ~2x what the peer really sent. argv arrays
 *    grow geometrically per completed argument, not per declared `*n`.
 *    Buffers that grew past STORE_KEEP / ARGV_KEEP for one huge command are
 *    released when the next command starts.
 *  - Redis 7 quirks kept on purpose (processMultibulkBuffer): a header line
 *    ends at the first CR and the byte after it is skipped unchecked; the two
 *    bytes after a bulk payload are skipped unchecked; the '$' check happens
 *    once the whole header line is there. Numbers use Redis's string2ll
 *    rules (no '+', no leading zeros, no spaces). Differences: NUL bytes are
 *    ordinary bytes for framing (Redis's strchr would stall on them), and a
 *    NUL/CR/LF shown in "expected '$', got 'X'" is printed as a space.
 */
#include "resp.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define HDR_MAX    (64 * 1024)  /* PROTO_INLINE_MAX_SIZE: '*'/'$' line limit */
#define STORE_KEEP (1u << 20)   /* keep at most this much store between cmds */
#define ARGV_KEEP  1024         /* ... and argv arrays of this many slots */

enum { ST_START, ST_MB_HDR, ST_BULK_HDR, ST_BULK, ST_INLINE, ST_ERROR };

void resp_limits_default(resp_limits *lim)
{
    lim->max_bulk_len = (size_t)512 * 1024 * 1024;
    lim->max_multibulk_len = 1024 * 1024;
    lim->max_inline_len = 64 * 1024;
}

static void *xrealloc(void *ptr, size_t n)
{
    void *q = realloc(ptr, n ? n : 1);
    if (!q) {
        fprintf(stderr, "resp: out of memory allocating %zu bytes\n", n);
        abort();
    }
    return q;
}

void resp_parser_init(resp_parser *p, const resp_limits *lim)
{
    memset(p, 0, sizeof *p);
    if (lim)
        p->lim = *lim;
    else
        resp_limits_default(&p->lim);
    p->state = ST_START;
}

void resp_parser_free(resp_parser *p)
{
    free(p->argv);
    free(p->argvlen);
    free(p->offs);
    free(p->line);
    free(p->store);
    memset(p, 0, sizeof *p);
}

size_t resp_parser_pending(const resp_parser *p)
{
    return p->pending_bytes;
}

/* Redis's string2ll: optional '-', then "0" alone or [1-9][0-9]*, fitting a
 * long long; fewer than 21 chars. Checks the length before reading. */
static int str2ll(const char *s, size_t n, long long *out)
{
    size_t i = 0;
    int neg = 0;
    unsigned long long v;

    if (n == 0 || n >= 21) return 0;
    if (n == 1 && s[0] == '0') { *out = 0; return 1; }
    if (s[0] == '-') { neg = 1; if (++i == n) return 0; }
    if (s[i] < '1' || s[i] > '9') return 0;
    v = (unsigned long long)(s[i++] - '0');
    for (; i < n; i++) {
        unsigned d = (unsigned)(s[i] - '0');
        if (d > 9 || v > (ULLONG_MAX - d) / 10) return 0;
        v = v * 10 + d;
    }
    if (neg) {
        if (v > (unsigned long long)LLONG_MAX + 1) return 0;
        *out = v == (unsigned long long)LLONG_MAX + 1 ? LLONG_MIN
                                                       : -(long long)v;
    } else {
        if (v > (unsigned long long)LLONG_MAX) return 0;
        *out = (long long)v;
    }
    return 1;
}

/* Make store hold at least `need` bytes; doubling keeps appends amortised
 * O(1) and cap < 2 * need, i.e. proportional to bytes that really arrived. */
static void store_need(resp_parser *p, size_t need)
{
    size_t nc;
    if (need <= p->store_cap) return;
    nc = p->store_cap > 64 ? p->store_cap : 64;
    while (nc < need) nc = nc > SIZE_MAX / 2 ? need : nc * 2;
    p->store = xrealloc(p->store, nc);
    p->store_cap = nc;
}

/* Record a completed argument (off/len within store). */
static void push_arg(resp_parser *p, size_t off, size_t len)
{
    if ((size_t)p->nargs == p->argv_cap) {
        size_t nc = p->argv_cap ? p->argv_cap * 2 : 8;
        p->argv = xrealloc(p->argv, nc * sizeof *p->argv);
        p->argvlen = xrealloc(p->argvlen, nc * sizeof *p->argvlen);
        p->offs = xrealloc(p->offs, nc * sizeof *p->offs);
        p->argv_cap = nc;
    }
    p->offs[p->nargs] = off;
    p->argvlen[p->nargs] = len;
    p->nargs++;
}

/* A new command starts: reset, dropping buffers one huge command inflated. */
static void begin_command(resp_parser *p)
{
    if (p->store_cap > STORE_KEEP) {
        free(p->store);
        p->store = NULL;
        p->store_cap = 0;
    }
    if (p->argv_cap > ARGV_KEEP) {
        free(p->argv); free(p->argvlen); free(p->offs);
        p->argv = NULL; p->argvlen = NULL; p->offs = NULL;
        p->argv_cap = 0;
    }
    p->store_len = 0;
    p->nargs = 0;
    p->pending_bytes = 0;
}

static size_t finish(resp_parser *p, size_t pos, resp_status *st)
{
    for (int i = 0; i < p->nargs; i++) p->argv[i] = p->store + p->offs[i];
    p->argc = p->nargs;
    p->pending_bytes = 0;
    p->state = ST_START;
    *st = RESP_COMMAND;
    return pos;
}

static size_t fail(resp_parser *p, const char *msg, size_t pos,
                   resp_status *st)
{
    p->error = msg;
    p->argc = 0;
    p->state = ST_ERROR;
    *st = RESP_ERROR;
    return pos;
}

/* Window of the input that may still hold the terminator of a line that
 * already has `have` bytes and may have at most `max` before it: one byte
 * more than allowed, so "not found in a full window" means "too long". */
static size_t line_window(size_t avail, size_t have, size_t max)
{
    size_t room = max - have;
    return avail <= room ? avail : room + 1;
}

/* Collect a '*' or '$' header line: bytes up to the first CR, then one more
 * byte skipped unchecked. Returns 1 with *l, *ln set (only the first
 * sizeof p->hdr bytes of *l are readable if *ln is larger), 0 when all input
 * was consumed without completing it, -1 if more than HDR_MAX bytes precede
 * the CR. */
static int take_header(resp_parser *p, const char *d, size_t len,
                       size_t *pos, const char **l, size_t *ln)
{
    size_t i = *pos, avail = len - i, win, n;
    const char *cr;

    if (p->hdr_cr) {                      /* only the byte after CR missing */
        if (!avail) return 0;
        goto done_split;
    }
    win = line_window(avail, p->hdr_len, HDR_MAX);
    cr = memchr(d + i, '\r', win);
    if (!cr && win > HDR_MAX - p->hdr_len) return -1;  /* window was full */
    n = cr ? (size_t)(cr - (d + i)) : win;
    if (cr && p->hdr_len == 0 && n + 1 < avail) {    /* whole line here */
        *l = d + i;
        *ln = n;
        *pos = i + n + 2;
        p->pending_bytes += n + 2;
        return 1;
    }
    if (p->hdr_len < sizeof p->hdr) {
        size_t keep = sizeof p->hdr - p->hdr_len;
        memcpy(p->hdr + p->hdr_len, d + i, n < keep ? n : keep);
    }
    p->hdr_len += n;
    p->pending_bytes += n;
    i += n;
    if (!cr) { *pos = i; return 0; }
    i++;                                   /* the CR */
    p->pending_bytes++;
    p->hdr_cr = 1;
    *pos = i;
    if (i == len) return 0;
done_split:
    *pos += 1;                             /* the byte after CR (LF) */
    p->pending_bytes++;
    p->hdr_cr = 0;
    *l = p->hdr;
    *ln = p->hdr_len;
    p->hdr_len = 0;
    return 1;
}

/* Collect an inline line: bytes up to '\n' (exclusive, consumed). Same
 * return convention as take_header; -1 if more than max_inline_len bytes
 * precede the '\n'. */
static int take_inline(resp_parser *p, const char *d, size_t len,
                       size_t *pos, const char **l, size_t *ln)
{
    size_t i = *pos, avail = len - i, max = p->lim.max_inline_len, win, n;
    const char *nl;

    win = line_window(avail, p->line_len, max);
    nl = memchr(d + i, '\n', win);
    if (!nl && win > max - p->line_len) return -1;     /* window was full */
    n = nl ? (size_t)(nl - (d + i)) : win;
    if (nl && p->line_len == 0) {                    /* whole line here */
        *l = d + i;
        *ln = n;
        *pos = i + n + 1;
        p->pending_bytes += n + 1;
        return 1;
    }
    if (p->line_len + n > p->line_cap) {
        size_t nc = p->line_cap ? p->line_cap : 256;
        while (nc < p->line_len + n) nc *= 2;
        p->line = xrealloc(p->line, nc);
        p->line_cap = nc;
    }
    memcpy(p->line + p->line_len, d + i, n);
    p->line_len += n;
    p->pending_bytes += n;
    if (!nl) { *pos = i + n; return 0; }
    *pos = i + n + 1;
    p->pending_bytes++;
    *l = p->line;
    *ln = p->line_len;
    p->line_len = 0;
    return 1;
}

/* ------------------------------------------------------ inline splitting */

static int is_space(int c)   /* isspace() in the C locale */
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' ||
           c == '\r';
}

static int hexval(int c)
{
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

/* sdssplitargs, transcribed: s[n] (and anything after a NUL) reads as the
 * terminating NUL. Unescaped arguments are written to out, each followed by
 * a NUL; out needs n + 1 bytes (every argument byte and every NUL is paid
 * for by at least one input byte, except the final NUL). cb may be NULL
 * (validation only). Returns 0, or -1 on unbalanced quotes. */
static int split_core(const char *s, size_t n, char *out,
                      void (*cb)(void *, const char *, size_t), void *ud)
{
    const char *z = memchr(s, '\0', n);
    size_t i = 0;
    char *o = out;

    if (z) n = (size_t)(z - s);
#define CH(k) ((k) < n ? (unsigned char)s[k] : 0)
    for (;;) {
        char *tok = o;
        int inq = 0, insq = 0, done = 0;

        while (i < n && is_space(CH(i))) i++;
        if (i >= n) return 0;
        while (!done) {
            int c = CH(i), c1 = CH(i + 1);
            if (inq) {
                if (c == '\\' && c1 == 'x' && hexval(CH(i + 2)) >= 0 &&
                    hexval(CH(i + 3)) >= 0) {
                    *o++ = (char)(hexval(CH(i + 2)) * 16 + hexval(CH(i + 3)));
                    i += 3;
                } else if (c == '\\' && c1) {
                    i++;
                    switch (c1) {
                    case 'n': *o++ = '\n'; break;
                    case 'r': *o++ = '\r'; break;
                    case 't': *o++ = '\t'; break;
                    case 'b': *o++ = '\b'; break;
                    case 'a': *o++ = '\a'; break;
                    default: *o++ = (char)c1; break;
                    }
                } else if (c == '"') {
                    /* closing quote must be followed by a space or nothing */
                    if (c1 && !is_space(c1)) return -1;
                    done = 1;
                } else if (!c) {
                    return -1;                     /* unterminated quotes */
                } else {
                    *o++ = (char)c;
                }
            } else if (insq) {
                if (c == '\\' && c1 == '\'') {
                    i++;
                    *o++ = '\'';
                } else if (c == '\'') {
                    if (c1 && !is_space(c1)) return -1;
                    done = 1;
                } else if (!c) {
                    return -1;
                } else {
                    *o++ = (char)c;
                }
            } else {
                switch (c) {
                case ' ': case '\n': case '\r': case '\t': case 0:
                    done = 1;
                    break;
                case '"': inq = 1; break;
                case '\'': insq = 1; break;
                default: *o++ = (char)c; break;
                }
            }
            if (i < n) i++;
        }
        *o = '\0';
        if (cb) cb(ud, tok, (size_t)(o - tok));
        o++;
    }
#undef CH
}

int resp_split_inline(const char *line, size_t len,
                      void (*cb)(void *ud, const char *arg, size_t n), void *ud)
{
    char small[512];
    char *out = len < sizeof small ? small : xrealloc(NULL, len + 1);
    int r = split_core(line, len, out, NULL, NULL);  /* all or nothing */
    if (r == 0) split_core(line, len, out, cb, ud);
    if (out != small) free(out);
    return r;
}

/* split_core callback of the parser: args are already in store. */
static void inline_arg(void *ud, const char *arg, size_t n)
{
    resp_parser *p = ud;
    push_arg(p, (size_t)(arg - p->store), n);
}

/* ------------------------------------------------------------ the parser */

size_t resp_parse(resp_parser *p, const char *data, size_t len,
                  resp_status *st)
{
    size_t pos = 0;
    const char *l;
    size_t ln;
    long long v;
    int r;

    p->argc = 0;
    if (p->state == ST_ERROR) { *st = RESP_ERROR; return 0; }
    while (pos < len) {
        switch (p->state) {
        case ST_START:
            begin_command(p);
            p->state = data[pos] == '*' ? ST_MB_HDR : ST_INLINE;
            break;

        case ST_MB_HDR:
            r = take_header(p, data, len, &pos, &l, &ln);
            if (r < 0)
                return fail(p, "ERR Protocol error: too big mbulk count string",
                            pos, st);
            if (r == 0) break;
            if (!str2ll(l + 1, ln - 1, &v) || v > INT_MAX ||
                (v > 0 && (unsigned long long)v > p->lim.max_multibulk_len))
                return fail(p, "ERR Protocol error: invalid multibulk length",
                            pos, st);
            if (v <= 0) {                         /* empty command: skip */
                p->pending_bytes = 0;
                p->state = ST_START;
                break;
            }
            p->mb_left = v;
            p->state = ST_BULK_HDR;
            break;

        case ST_BULK_HDR:
            r = take_header(p, data, len, &pos, &l, &ln);
            if (r < 0)
                return fail(p, "ERR Protocol error: too big bulk count string",
                            pos, st);
            if (r == 0) break;
            if (ln == 0 || l[0] != '$') {
                /* an empty line's first byte is its CR */
                char c = ln ? l[0] : '\r';
                if (c == '\0' || c == '\r' || c == '\n') c = ' ';
                snprintf(p->errbuf, sizeof p->errbuf,
                         "ERR Protocol error: expected '$', got '%c'", c);
                return fail(p, p->errbuf, pos, st);
            }
            if (!str2ll(l + 1, ln - 1, &v) || v < 0 ||
                (unsigned long long)v > p->lim.max_bulk_len ||
                (unsigned long long)v > SIZE_MAX / 2)
                return fail(p, "ERR Protocol error: invalid bulk length",
                            pos, st);
            p->bulk_len = (size_t)v;
            p->bulk_got = 0;
            p->arg_off = p->store_len;
            p->state = ST_BULK;
            break;

        case ST_BULK: {
            size_t avail = len - pos, n;
            if (p->bulk_got < p->bulk_len) {          /* payload */
                n = p->bulk_len - p->bulk_got;
                if (n > avail) n = avail;
                store_need(p, p->store_len + n + 1);
                memcpy(p->store + p->store_len, data + pos, n);
                p->store_len += n;
                p->bulk_got += n;
                pos += n;
                avail -= n;
                p->pending_bytes += n;
            }
            n = p->bulk_len + 2 - p->bulk_got;            /* CRLF, unchecked */
            if (n > avail) n = avail;
            p->bulk_got += n;
            pos += n;
            p->pending_bytes += n;
            if (p->bulk_got < p->bulk_len + 2) break;
            store_need(p, p->store_len + 1);
            p->store[p->store_len++] = '\0';
            push_arg(p, p->arg_off, p->bulk_len);
            if (--p->mb_left == 0) return finish(p, pos, st);
            p->state = ST_BULK_HDR;
            break;
        }

        case ST_INLINE:
            r = take_inline(p, data, len, &pos, &l, &ln);
            if (r < 0)
                return fail(p, "ERR Protocol error: too big inline request",
                            pos, st);
            if (r == 0) break;
            if (ln && l[ln - 1] == '\r') ln--;
            store_need(p, ln + 1);                /* split output <= ln + 1 */
            if (split_core(l, ln, p->store, inline_arg, p) < 0)
                return fail(p, "ERR Protocol error: unbalanced quotes in "
                               "request", pos, st);
            if (p->nargs == 0) {                  /* blank line: skip */
                p->pending_bytes = 0;
                p->state = ST_START;
                break;
            }
            return finish(p, pos, st);
        }
    }
    *st = RESP_NEED_MORE;
    return len;
}
