/* resp.h -- the Redis protocol (RESP2 requests, RESP2/RESP3 replies), no I/O.
 *
 * Owns: a request parser (resp_parser) and a reply builder (resp_buf + the
 * resp_add_* functions). Neither does any I/O nor knows about the engine, so
 * both can be unit-tested byte by byte.
 *
 * Threads: no shared state. A resp_parser is used by one thread at a time
 * (the I/O thread owns one per connection); a resp_buf likewise.
 *
 * Promises:
 *  - The parser is incremental: feeding any split of a byte stream (down to
 *    one byte per call) yields exactly the same commands and errors as
 *    feeding it whole.
 *  - Every limit (bulk length, multibulk length, inline line length, header
 *    line length) is checked on the declared size BEFORE any allocation for
 *    it, so a hostile peer cannot make the parser allocate more than it has
 *    actually sent (plus a bounded constant).
 *  - Error texts are Redis's, e.g. "ERR Protocol error: invalid bulk length";
 *    after a protocol error the caller must send it and close the connection.
 */
#ifndef RESP_H
#define RESP_H

#include <stddef.h>
#include <stdint.h>

/* ---------------------------------------------------------------- parser */

typedef struct resp_limits {
    size_t max_bulk_len;       /* proto-max-bulk-len, default 512 MiB */
    size_t max_multibulk_len;  /* max args in one command, default 1024*1024 */
    size_t max_inline_len;     /* longest inline line, default 64 KiB */
} resp_limits;

void resp_limits_default(resp_limits *lim);

typedef enum resp_status {
    RESP_NEED_MORE = 0, /* all input consumed, no complete command yet */
    RESP_COMMAND = 1,   /* a complete command is available (p->argc > 0) */
    RESP_ERROR = 2      /* protocol error, p->error holds the message */
} resp_status;

typedef struct resp_parser {
    /* Result of the last RESP_COMMAND: argv[i] points at argvlen[i] bytes
     * followed by a NUL (not counted). Valid until the next resp_parse. */
    int argc;
    char **argv;
    size_t *argvlen;
    /* Result of the last RESP_ERROR: Redis's text without '-' and CRLF. */
    const char *error;

    /* private (see resp_parse.c) */
    resp_limits lim;
    int state;           /* where in the grammar we are */
    int nargs;           /* arguments completed in the command being built */
    long long mb_left;   /* args still expected in this multibulk */
    size_t bulk_len;     /* declared length of the bulk being read */
    size_t bulk_got;     /* bytes of it read so far (payload + CRLF) */
    size_t arg_off;      /* offset in store where that bulk starts */
    size_t hdr_len;      /* bytes before the CR of a split header line */
    int hdr_cr;          /* that line's CR seen, the byte after it pending */
    char hdr[32];        /* first bytes of the split header line */
    char *line;          /* inline line split across calls */
    size_t line_len, line_cap;
    char *store;         /* argument bytes (each + NUL) of the command */
    size_t store_len, store_cap;
    size_t *offs;        /* offsets of each arg within store */
    size_t argv_cap;     /* capacity of argv, argvlen and offs */
    size_t pending_bytes;/* bytes consumed for the incomplete command */
    char errbuf[64];     /* formatted error text ("expected '$', ...") */
} resp_parser;

/* lim may be NULL for resp_limits_default(). */
void resp_parser_init(resp_parser *p, const resp_limits *lim);
void resp_parser_free(resp_parser *p);

/* Parse from data[0..len). Returns how many bytes were consumed and sets
 * *status. On RESP_NEED_MORE that is always len (the parser keeps what it
 * needs). On RESP_COMMAND the caller handles the command and calls again
 * with the rest of the data. Empty commands (`*0`, `*-1`, blank inline lines)
 * are skipped silently, like Redis. After RESP_ERROR the parser must not be
 * used again (the connection is to be closed). */
size_t resp_parse(resp_parser *p, const char *data, size_t len,
                  resp_status *status);

/* Bytes the parser holds for a command not yet complete (for the
 * client-query-buffer-limit check): the input consumed since the command
 * began, i.e. what Redis's query buffer would hold. 0 between commands. */
size_t resp_parser_pending(const resp_parser *p);

/* Split an inline command line into arguments with Redis's sdssplitargs
 * rules ("..." with \n \r \t \b \a \\ \" \xHH escapes, '...' with \').
 * Calls cb for each argument. Returns 0, or -1 on unbalanced quotes (then
 * cb is not called at all). Like sdssplitargs, a NUL byte ends the line. */
int resp_split_inline(const char *line, size_t len,
                      void (*cb)(void *ud, const char *arg, size_t n), void *ud);

/* --------------------------------------------------------- reply builder */

/* A growable byte buffer. */
typedef struct resp_buf {
    char *data;
    size_t len, cap;
} resp_buf;

void resp_buf_init(resp_buf *b);
void resp_buf_free(resp_buf *b);
void resp_buf_reserve(resp_buf *b, size_t extra); /* aborts on OOM */
void resp_buf_append(resp_buf *b, const void *p, size_t n);
void resp_buf_reset(resp_buf *b);                  /* len = 0, keeps memory */

/* Protocol versions for replies. */
#define RESP2 2
#define RESP3 3

/* Each function appends one reply element in protocol `proto`.
 * In RESP2 the RESP3-only types degrade like Redis does:
 *   null -> $-1, null array -> *-1, map -> flat array of 2n, set -> array,
 *   double -> bulk string, bool -> :1/:0, big number -> bulk string,
 *   verbatim -> bulk string. */
void resp_add_simple(resp_buf *b, const char *s, size_t n);  /* +s */
void resp_add_status(resp_buf *b, const char *s);            /* +s, C string */
void resp_add_error(resp_buf *b, const char *s, size_t n);   /* -s (no '-') */
void resp_add_errorf(resp_buf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
void resp_add_int(resp_buf *b, long long v);                 /* :v */
void resp_add_bulk(resp_buf *b, const void *p, size_t n);    /* $n p */
void resp_add_bulk_cstr(resp_buf *b, const char *s);         /* NULL: $-1 */
void resp_add_bulk_ll(resp_buf *b, long long v);             /* as bulk */
void resp_add_array_len(resp_buf *b, long long n);           /* *n */
void resp_add_null(resp_buf *b, int proto);                  /* $-1 / _ */
void resp_add_null_array(resp_buf *b, int proto);            /* *-1 / _ */
void resp_add_map_len(resp_buf *b, int proto, long long n);  /* %n / *2n */
void resp_add_set_len(resp_buf *b, int proto, long long n);  /* ~n / *n */
void resp_add_push_len(resp_buf *b, int proto, long long n); /* >n / *n (pub/sub) */
void resp_add_double(resp_buf *b, int proto, double d);      /* ,d / $ */
void resp_add_bool(resp_buf *b, int proto, int v);           /* #t / :1 */
void resp_add_bignum(resp_buf *b, int proto, const char *s, size_t n);
void resp_add_verbatim(resp_buf *b, int proto, const char *fmt3,
                       const char *s, size_t n);             /* =n txt:s */
/* (fmt3 shorter than 3 chars is padded with spaces, like Redis.) */

/* Formats a double the way Redis replies with it ("%.17g", with "inf",
 * "-inf", "nan"); returns the length written into out (>= 32 bytes). */
int resp_fmt_double(char *out, size_t cap, double d);

#endif
