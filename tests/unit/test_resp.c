/* test_resp.c -- unit tests of resp/: the request parser and reply writers.
 *
 * The parser is tested through "transcripts": every command a stream yields
 * is rendered as "[arg][arg]...\n" (non-printable bytes and [ ] \ as \xHH),
 * an error as "!<text>\n" (and the stream stops there), and if the stream
 * ends mid-command "pending=N\n". Each corpus entry is fed whole, split at
 * every point into two pieces, one byte at a time and in a few chunk sizes;
 * every feeding must give the expected transcript. Each piece is copied to a
 * malloc of its exact size so ASan catches any read past a piece.
 */
#include "resp.h"
#include "testutil.h"

#include <limits.h>
#include <math.h>
#include <stdint.h>
#include <time.h>

/* ------------------------------------------------------------ helpers */

typedef struct { char *s; size_t n, cap; } tstr;

static void ts_put(tstr *t, const void *p, size_t n)
{
    if (t->n + n + 1 > t->cap) {
        t->cap = (t->n + n + 1) * 2;
        t->s = realloc(t->s, t->cap);
        if (!t->s) abort();
    }
    memcpy(t->s + t->n, p, n);
    t->n += n;
    t->s[t->n] = '\0';
}
static void ts_puts(tstr *t, const char *s) { ts_put(t, s, strlen(s)); }

static void render_arg(tstr *t, const char *a, size_t n)
{
    ts_puts(t, "[");
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)a[i];
        if (c < 0x20 || c >= 0x7f || c == '[' || c == ']' || c == '\\') {
            char x[5];
            snprintf(x, sizeof x, "\\x%02x", c);
            ts_puts(t, x);
        } else {
            ts_put(t, &c, 1);
        }
    }
    ts_puts(t, "]");
}

/* One parser run producing a transcript. */
typedef struct { resp_parser p; tstr t; int dead; } run_t;

static void run_init(run_t *r, const resp_limits *lim)
{
    memset(r, 0, sizeof *r);
    resp_parser_init(&r->p, lim);
    ts_puts(&r->t, "");
}

static void run_feed(run_t *r, const char *d, size_t n)
{
    char *copy = malloc(n ? n : 1);
    size_t off = 0;
    if (!copy) abort();
    if (n) memcpy(copy, d, n);
    while (!r->dead) {
        resp_status st;
        size_t used = resp_parse(&r->p, copy + off, n - off, &st);
        if (used > n - off) { CHECK(used <= n - off); break; }
        off += used;
        if (st == RESP_COMMAND) {
            CHECK(r->p.argc > 0);
            CHECK(used > 0);
            if (used == 0) break;
            CHECK_EQ_INT(resp_parser_pending(&r->p), 0);
            for (int i = 0; i < r->p.argc; i++) {
                CHECK(r->p.argv[i][r->p.argvlen[i]] == '\0');
                render_arg(&r->t, r->p.argv[i], r->p.argvlen[i]);
            }
            ts_puts(&r->t, "\n");
            continue;
        }
        if (st == RESP_ERROR) {
            ts_puts(&r->t, "!");
            ts_puts(&r->t, r->p.error);
            ts_puts(&r->t, "\n");
            r->dead = 1;
            /* the parser stays dead */
            CHECK_EQ_INT(resp_parse(&r->p, "PING\r\n", 6, &st), 0);
            CHECK_EQ_INT(st, RESP_ERROR);
            break;
        }
        CHECK_EQ_INT(st, RESP_NEED_MORE);
        CHECK_EQ_INT(off, n);
        break;
    }
    free(copy);
}

static char *run_end(run_t *r)
{
    if (!r->dead && resp_parser_pending(&r->p)) {
        char x[48];
        snprintf(x, sizeof x, "pending=%zu\n", resp_parser_pending(&r->p));
        ts_puts(&r->t, x);
    }
    resp_parser_free(&r->p);
    return r->t.s;
}

/* Transcript of `in` fed as pieces of `chunk` bytes (first piece `first`). */
static char *transcript(const char *in, size_t n, const resp_limits *lim,
                        size_t first, size_t chunk)
{
    run_t r;
    size_t off = 0;
    run_init(&r, lim);
    if (first > n) first = n;
    run_feed(&r, in, first);
    off = first;
    while (off < n) {
        size_t c = n - off < chunk ? n - off : chunk;
        run_feed(&r, in + off, c);
        off += c;
    }
    return run_end(&r);
}

static void same(const char *name, const char *how, size_t k,
                 const char *got, const char *want)
{
    if (strcmp(got, want) != 0) {
        fprintf(stderr, "case %s (%s %zu):\n  got  %.300s\n  want %.300s\n",
                name, how, k, got, want);
        tu_failures++;
    }
}

/* The core check: every way of feeding `in` gives `want`. Long inputs get
 * a sample of split points (every one near both ends). */
static void check_stream(const char *name, const char *in, size_t n,
                         const resp_limits *lim, const char *want)
{
    static const size_t chunks[] = {1, 2, 3, 5, 7, 16, 4096};
    size_t step = n > 2000 ? n / 300 : 1;
    char *t = transcript(in, n, lim, n, n ? n : 1);
    same(name, "whole", n, t, want);
    free(t);
    for (size_t k = 0; k <= n; k++) {
        if (k > 100 && k + 100 < n && k % step) continue;
        t = transcript(in, n, lim, k, n);
        same(name, "split at", k, t, want);
        free(t);
    }
    for (size_t i = 0; i < sizeof chunks / sizeof chunks[0]; i++) {
        t = transcript(in, n, lim, chunks[i], chunks[i]);
        same(name, "chunks of", chunks[i], t, want);
        free(t);
    }
}

#define STREAM(in, want) check_stream(#in, in, sizeof(in) - 1, NULL, want)
#define STREAM_LIM(lim, in, want) check_stream(#in, in, sizeof(in) - 1, lim, want)

/* ------------------------------------------------------ parser corpus */

#define E_MB    "!ERR Protocol error: invalid multibulk length\n"
#define E_BULK  "!ERR Protocol error: invalid bulk length\n"
#define E_QUOTE "!ERR Protocol error: unbalanced quotes in request\n"
#define E_BIGMB "!ERR Protocol error: too big mbulk count string\n"
#define E_BIGB  "!ERR Protocol error: too big bulk count string\n"
#define E_BIGI  "!ERR Protocol error: too big inline request\n"
#define E_DOLLAR(c) "!ERR Protocol error: expected '$', got '" c "'\n"

static void test_valid_corpus(void)
{
    STREAM("*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$1\r\nv\r\n", "[SET][k][v]\n");
    STREAM("*1\r\n$4\r\nPING\r\n*2\r\n$4\r\nECHO\r\n$0\r\n\r\n",
           "[PING]\n[ECHO][]\n");
    STREAM("*1\r\n$0\r\n\r\n", "[]\n");
    /* binary-safe bulks: CR, LF, NUL inside */
    STREAM("*2\r\n$3\r\nGET\r\n$7\r\na\r\n\0\r\nb\r\n",
           "[GET][a\\x0d\\x0a\\x00\\x0d\\x0ab]\n");
    STREAM("*1\r\n$2\r\n\r\n\r\n", "[\\x0d\\x0a]\n");
    /* empty multibulks are skipped */
    STREAM("*0\r\n*-1\r\n*-5\r\n*1\r\n$4\r\nPING\r\n", "[PING]\n");
    STREAM("*0\r\n", "");
    /* inline */
    STREAM("PING\r\nPING\nping  \t  extra\r\n", "[PING]\n[PING]\n[ping][extra]\n");
    STREAM("\r\n\n   \r\n\t\n*1\r\n$1\r\nx\r\n", "[x]\n");
    STREAM("set k \"a b\"\r\n", "[set][k][a b]\n");
    STREAM("echo \"\\x41\\x4a\\n\\r\\t\\b\\a\\\\\\\"\\q\" 'it\\'s' '\\n'\n",
           "[echo][AJ\\x0a\\x0d\\x09\\x08\\x07\\x5c\"q][it's][\\x5cn]\n");
    STREAM("e \"\\x4g\" \"\\x\" \"\\xZ1\" \"\\xff\\x00\"\n",
           "[e][x4g][x][xZ1][\\xff\\x00]\n");
    STREAM("a\"b c\" \"\" ''\n", "[ab c][][]\n");
    STREAM("a'b\"c' 'x\"y'\n", "[ab\"c][x\"y]\n");
    STREAM("a\vb\f c\n", "[a\\x0bb\\x0c][c]\n");
    STREAM("\"a\"\v'b'\t\"c\"\r\n", "[a][b][c]\n");
    STREAM("a\rb\r\n", "[a][b]\n");
    STREAM("a\r\r\n", "[a]\n");
    STREAM("a\0b c\nPING\n", "[a]\n[PING]\n");          /* NUL ends a line */
    STREAM("$3\r\n:1\r\n+OK\n", "[$3]\n[:1]\n[+OK]\n");
    STREAM("PING\r\n*2\r\n$4\r\nECHO\r\n$2\r\nhi\r\nECHO \"x y\"\n",
           "[PING]\n[ECHO][hi]\n[ECHO][x y]\n");
    /* Redis quirks: the byte after a header's CR and the two bytes after a
     * payload are skipped unchecked */
    STREAM("*1\r\n$3\r\nfooXY*1\rZ$1\rZaQQ", "[foo]\n[a]\n");
    /* incomplete commands: pending counts what was consumed for them */
    STREAM("*2\r\n$3\r\nfoo\r\n$3\r\nba", "pending=19\n");
    STREAM("*1\r", "pending=3\n");
    STREAM("*1\r\n$3", "pending=6\n");
    STREAM("PIN", "pending=3\n");
    STREAM("PING\r", "pending=5\n");
    STREAM("PING\r\nPI", "[PING]\npending=2\n");
    STREAM("*1048576\r\n", "pending=10\n");
    STREAM("*1\r\n$536870912\r\n", "pending=16\n");
    STREAM("*1\r\n$1\r\na\r", "pending=10\n");
    STREAM("", "");
}

static void test_invalid_corpus(void)
{
    STREAM("*x\r\n", E_MB);
    STREAM("*\r\n", E_MB);
    STREAM("*01\r\n", E_MB);
    STREAM("*+1\r\n", E_MB);
    STREAM("* 1\r\n", E_MB);
    STREAM("*1 \r\n", E_MB);
    STREAM("*-\r\n", E_MB);
    STREAM("*-0\r\n", E_MB);
    STREAM("*99999999999999999999\r\n", E_MB);
    STREAM("*1048577\r\n", E_MB);
    STREAM("*2147483648\r\n", E_MB);
    STREAM("*1\0\r\n", E_MB);
    STREAM("*1\r\nX\r\n", E_DOLLAR("X"));
    STREAM("*1\r\n\r\n", E_DOLLAR(" "));
    STREAM("*1\r\n\n\r\n", E_DOLLAR(" "));
    STREAM("*1\r\n\0\r\n", E_DOLLAR(" "));
    STREAM("*1\r\n*1\r\n", E_DOLLAR("*"));
    STREAM("*2\r\n$1\r\na\r\n:1\r\n", E_DOLLAR(":"));
    STREAM("*1\r\nfoo", "pending=7\n"); /* '$' checked once the line is in */
    STREAM("*1\r\n$-1\r\n", E_BULK);
    STREAM("*1\r\n$abc\r\n", E_BULK);
    STREAM("*1\r\n$\r\n", E_BULK);
    STREAM("*1\r\n$01\r\n", E_BULK);
    STREAM("*1\r\n$ 1\r\n", E_BULK);
    STREAM("*1\r\n$536870913\r\n", E_BULK);
    STREAM("*1\r\n$1000000000000\r\n", E_BULK);
    STREAM("*1\r\n$2147483648\r\n", E_BULK);
    STREAM("*1\r\n$99999999999999999999999\r\n", E_BULK);
    STREAM("set k \"abc\n", E_QUOTE);
    STREAM("set k 'abc\n", E_QUOTE);
    STREAM("\"a\"b\n", E_QUOTE);
    STREAM("'a'b\n", E_QUOTE);
    STREAM("echo \"abc\\\"\n", E_QUOTE);
    STREAM("echo \"abc\\\n", E_QUOTE);
    STREAM("a\"b\n", E_QUOTE);
    STREAM("\"a\0\"\n", E_QUOTE);
    /* commands before an error are delivered, nothing after it */
    STREAM("PING\r\n*1\r\nX\r\nPING\r\n", "[PING]\n" E_DOLLAR("X"));
    STREAM("*1\r\n$1\r\na\r\n*1\r\n$-2\r\n*1\r\n$1\r\nb\r\n", "[a]\n" E_BULK);
}

/* Inputs too long to spell out: 64 KiB boundaries of every line kind. */
static char *rep(const char *pre, int c, size_t n, const char *post,
                 size_t *len)
{
    size_t a = strlen(pre), z = strlen(post);
    char *s = malloc(a + n + z + 1);
    if (!s) abort();
    memcpy(s, pre, a);
    memset(s + a, c, n);
    memcpy(s + a + n, post, z + 1);
    *len = a + n + z;
    return s;
}

static void check_rep(const char *pre, int c, size_t n, const char *post,
                      const resp_limits *lim, const char *want)
{
    size_t len;
    char *s = rep(pre, c, n, post, &len);
    char name[96];
    snprintf(name, sizeof name, "\"%s\" + %zu x '%c' + \"%s\"", pre, n, c,
             post);
    check_stream(name, s, len, lim, want);
    free(s);
}

static void test_long_lines(void)
{
    const size_t K64 = 64 * 1024;
    char want[64];
    tstr t = {0};

    /* '*' line: > 65536 bytes before the CR is "too big" */
    check_rep("*", '1', K64 - 1, "\r\n", NULL, E_MB);
    check_rep("*", '1', K64, "\r\n", NULL, E_BIGMB);
    check_rep("*", '1', K64, "", NULL, E_BIGMB);
    check_rep("*", '1', K64 - 1, "", NULL, "pending=65536\n");
    /* '$' line */
    check_rep("*1\r\n$", '1', K64 - 1, "\r\n", NULL, E_BULK);
    check_rep("*1\r\n$", '1', K64, "\r\n", NULL, E_BIGB);
    check_rep("*1\r\n$", '1', K64, "", NULL, E_BIGB);
    check_rep("*1\r\nX", '1', K64, "", NULL, E_BIGB);
    check_rep("*1\r\nX", '1', K64 - 1, "\r\n", NULL, E_DOLLAR("X"));
    /* inline: > max_inline_len bytes before the '\n' */
    {
        size_t len;
        char *a = rep("", 'a', K64, "", &len);
        render_arg(&t, a, len);
        ts_puts(&t, "\n");
        free(a);
    }
    check_rep("", 'a', K64, "\n", NULL, t.s);
    check_rep("", 'a', K64 + 1, "\n", NULL, E_BIGI);
    check_rep("", 'a', K64 + 1, "", NULL, E_BIGI);
    snprintf(want, sizeof want, "pending=%zu\n", K64);
    check_rep("", 'a', K64, "", NULL, want);
    check_rep("", 'a', K64, "\r\n", NULL, E_BIGI);   /* the CR counts */
    check_rep("", ' ', K64, "\n*1\r\n$1\r\nx\r\n", NULL, "[x]\n");
    free(t.s);
}

static void test_custom_limits(void)
{
    resp_limits lim;
    resp_limits_default(&lim);
    CHECK_EQ_INT(lim.max_bulk_len, 512LL * 1024 * 1024);
    CHECK_EQ_INT(lim.max_multibulk_len, 1024 * 1024);
    CHECK_EQ_INT(lim.max_inline_len, 64 * 1024);

    lim.max_bulk_len = 10;
    lim.max_multibulk_len = 3;
    lim.max_inline_len = 8;
    STREAM_LIM(&lim, "*1\r\n$10\r\n0123456789\r\n", "[0123456789]\n");
    STREAM_LIM(&lim, "*1\r\n$11\r\n", E_BULK);
    STREAM_LIM(&lim, "*1\r\n$1000000000000\r\n", E_BULK);
    STREAM_LIM(&lim, "*3\r\n", "pending=4\n");
    STREAM_LIM(&lim, "*4\r\n", E_MB);
    STREAM_LIM(&lim, "*0\r\n*-1\r\n", "");
    STREAM_LIM(&lim, "12345678\n", "[12345678]\n");
    STREAM_LIM(&lim, "1234567\r\n", "[1234567]\n");
    STREAM_LIM(&lim, "12345678\r\n", E_BIGI);
    STREAM_LIM(&lim, "123456789\n", E_BIGI);
    STREAM_LIM(&lim, "123456789", E_BIGI);
    STREAM_LIM(&lim, "12345678", "pending=8\n");

    /* a huge configured limit still cannot overflow argc */
    lim.max_multibulk_len = SIZE_MAX;
    lim.max_bulk_len = SIZE_MAX;
    STREAM_LIM(&lim, "*2147483648\r\n", E_MB);
    STREAM_LIM(&lim, "*2147483647\r\n", "pending=13\n");
    STREAM_LIM(&lim, "*1\r\n$2147483648\r\n", "pending=17\n");
    lim.max_inline_len = SIZE_MAX;
    STREAM_LIM(&lim, "PING\n", "[PING]\n");
}

/* Memory follows what arrived, never what was declared. */
static void test_no_alloc_on_declared(void)
{
    resp_parser p;
    resp_status st;
    const char *s;
    char *big;
    size_t n, mb = 1024 * 1024;
    resp_limits lim;

    /* rejected headers allocate nothing */
    resp_parser_init(&p, NULL);
    s = "*1\r\n$1000000000000\r\n";
    resp_parse(&p, s, strlen(s), &st);
    CHECK_EQ_INT(st, RESP_ERROR);
    CHECK_EQ_INT(p.store_cap, 0);
    CHECK_EQ_INT(p.argv_cap, 0);
    resp_parser_free(&p);

    resp_limits_default(&lim);
    lim.max_bulk_len = 16;
    resp_parser_init(&p, &lim);
    s = "*1\r\n$1000000000000\r\n";
    resp_parse(&p, s, strlen(s), &st);
    CHECK_EQ_INT(st, RESP_ERROR);
    CHECK(strcmp(p.error, "ERR Protocol error: invalid bulk length") == 0);
    CHECK_EQ_INT(p.store_cap, 0);
    resp_parser_free(&p);

    resp_parser_init(&p, NULL);
    s = "*1\r\n$2147483648\r\n";      /* 2 GB > 512 MB */
    resp_parse(&p, s, strlen(s), &st);
    CHECK_EQ_INT(st, RESP_ERROR);
    CHECK_EQ_INT(p.store_cap, 0);
    resp_parser_free(&p);

    /* an accepted 512 MB declaration reserves only what arrives */
    resp_parser_init(&p, NULL);
    s = "*1\r\n$536870912\r\nabc";
    n = resp_parse(&p, s, strlen(s), &st);
    CHECK_EQ_INT(st, RESP_NEED_MORE);
    CHECK_EQ_INT(n, strlen(s));
    CHECK(p.store_cap <= 1024);
    big = calloc(1, mb);
    if (!big) abort();
    resp_parse(&p, big, mb, &st);
    CHECK_EQ_INT(st, RESP_NEED_MORE);
    CHECK(p.store_cap <= 2 * (mb + 4) + 64);
    CHECK_EQ_INT(resp_parser_pending(&p), strlen(s) + mb);
    resp_parser_free(&p);

    /* a declared 1M-element array allocates argv slots as args arrive */
    resp_parser_init(&p, NULL);
    s = "*1048576\r\n$1\r\na\r\n$1\r\nb\r\n";
    resp_parse(&p, s, strlen(s), &st);
    CHECK_EQ_INT(st, RESP_NEED_MORE);
    CHECK(p.argv_cap <= 8);
    CHECK(p.store_cap <= 1024);
    resp_parser_free(&p);

    /* a 2 MB argument is complete; its buffer is dropped by the next cmd */
    resp_parser_init(&p, NULL);
    {
        char hdr[32];
        size_t hl = (size_t)snprintf(hdr, sizeof hdr, "*1\r\n$%zu\r\n", 2 * mb);
        big = realloc(big, hl + 2 * mb + 2);
        if (!big) abort();
        memcpy(big, hdr, hl);
        memset(big + hl, 'z', 2 * mb);
        memcpy(big + hl + 2 * mb, "\r\n", 2);
        n = resp_parse(&p, big, hl + 2 * mb + 2, &st);
        CHECK_EQ_INT(st, RESP_COMMAND);
        CHECK_EQ_INT(n, hl + 2 * mb + 2);
        CHECK_EQ_INT(p.argc, 1);
        CHECK_EQ_INT(p.argvlen[0], 2 * mb);
        CHECK(p.argv[0][0] == 'z' && p.argv[0][2 * mb - 1] == 'z');
        CHECK(p.store_cap >= 2 * mb);
        s = "*1\r\n$4\r\nPING\r\n";
        resp_parse(&p, s, strlen(s), &st);
        CHECK_EQ_INT(st, RESP_COMMAND);
        CHECK(p.store_cap <= 1024);
    }
    free(big);
    resp_parser_free(&p);
}

static void test_pending(void)
{
    resp_parser p;
    resp_status st;
    const char *s;
    size_t n;

    resp_parser_init(&p, NULL);
    CHECK_EQ_INT(resp_parser_pending(&p), 0);
    s = "*2\r\n$3\r\nfo";
    CHECK_EQ_INT(resp_parse(&p, s, strlen(s), &st), strlen(s));
    CHECK_EQ_INT(st, RESP_NEED_MORE);
    CHECK_EQ_INT(resp_parser_pending(&p), 10);
    s = "o\r\n$1\r\nx\r\n*1\r\n";
    n = resp_parse(&p, s, strlen(s), &st);
    CHECK_EQ_INT(st, RESP_COMMAND);
    CHECK_EQ_INT(n, 10);
    CHECK_EQ_INT(p.argc, 2);
    CHECK_MEM(p.argv[0], p.argvlen[0], "foo");
    CHECK_MEM(p.argv[1], p.argvlen[1], "x");
    CHECK_EQ_INT(resp_parser_pending(&p), 0);
    CHECK_EQ_INT(resp_parse(&p, s + n, strlen(s) - n, &st), 4);
    CHECK_EQ_INT(st, RESP_NEED_MORE);
    CHECK_EQ_INT(p.argc, 0);
    CHECK_EQ_INT(resp_parser_pending(&p), 4);
    CHECK_EQ_INT(resp_parse(&p, "$", 1, &st), 1);
    CHECK_EQ_INT(resp_parser_pending(&p), 5);
    CHECK_EQ_INT(resp_parse(&p, "0\r\n\r\n*0\r\n", 9, &st), 5);
    CHECK_EQ_INT(st, RESP_COMMAND);
    CHECK_EQ_INT(p.argvlen[0], 0);
    CHECK_EQ_INT(resp_parse(&p, "*0\r\n", 4, &st), 4);  /* skipped */
    CHECK_EQ_INT(st, RESP_NEED_MORE);
    CHECK_EQ_INT(resp_parser_pending(&p), 0);
    CHECK_EQ_INT(resp_parse(&p, "  \r\nPI", 6, &st), 6);
    CHECK_EQ_INT(resp_parser_pending(&p), 2);
    CHECK_EQ_INT(resp_parse(&p, "NG\n", 3, &st), 3);
    CHECK_EQ_INT(st, RESP_COMMAND);
    CHECK_MEM(p.argv[0], p.argvlen[0], "PING");
    CHECK_EQ_INT(resp_parser_pending(&p), 0);
    CHECK_EQ_INT(resp_parse(&p, NULL, 0, &st), 0);
    CHECK_EQ_INT(st, RESP_NEED_MORE);
    resp_parser_free(&p);
}

/* 100k pipelined commands in one buffer: correct, linear, no realloc. */
static void test_pipeline(void)
{
    enum { N = 100000 };
    tstr in = {0};
    resp_parser p;
    resp_status st;
    char tmp[96], key[32];
    size_t off = 0, n;
    int got = 0, ok = 1;
    char *store0 = NULL;
    char **argv0 = NULL;
    struct timespec t0, t1;

    for (int i = 0; i < N; i++) {
        int kl = snprintf(key, sizeof key, "key:%d", i);
        if (i % 10 == 9)
            snprintf(tmp, sizeof tmp, "SET %s \"v a l\"\r\n", key);
        else
            snprintf(tmp, sizeof tmp,
                     "*3\r\n$3\r\nSET\r\n$%d\r\n%s\r\n$5\r\nv a l\r\n", kl, key);
        ts_puts(&in, tmp);
    }
    resp_parser_init(&p, NULL);
    clock_gettime(CLOCK_MONOTONIC, &t0);
    while (off < in.n) {
        n = resp_parse(&p, in.s + off, in.n - off, &st);
        off += n;
        if (st != RESP_COMMAND) break;
        snprintf(key, sizeof key, "key:%d", got);
        if (p.argc != 3 || p.argvlen[0] != 3 || memcmp(p.argv[0], "SET", 3) ||
            p.argvlen[1] != strlen(key) || memcmp(p.argv[1], key, strlen(key)) ||
            p.argvlen[2] != 5 || memcmp(p.argv[2], "v a l", 5))
            ok = 0;
        if (got == 20) { store0 = p.store; argv0 = p.argv; }
        if (got > 20 && (p.store != store0 || p.argv != argv0)) ok = 0;
        got++;
    }
    clock_gettime(CLOCK_MONOTONIC, &t1);
    CHECK(ok);
    CHECK_EQ_INT(got, N);
    CHECK_EQ_INT(off, in.n);
    printf("pipeline: %d commands (%zu bytes) in %.1f ms\n", N, in.n,
           (double)(t1.tv_sec - t0.tv_sec) * 1e3 +
               (double)(t1.tv_nsec - t0.tv_nsec) / 1e6);
    resp_parser_free(&p);

    /* the same stream in 4096-byte reads and 1 byte at a time */
    for (size_t chunk = 4096; chunk; chunk = chunk == 4096 ? 1 : 0) {
        run_t r;
        char *t;
        size_t lines = 0;
        run_init(&r, NULL);
        for (off = 0; off < in.n; off += chunk)
            run_feed(&r, in.s + off, in.n - off < chunk ? in.n - off : chunk);
        t = run_end(&r);
        for (char *c = t; *c; c++) lines += *c == '\n';
        CHECK_EQ_INT(lines, N);
        CHECK(strncmp(t, "[SET][key:0][v a l]\n[SET][key:1][v a l]\n", 40) == 0);
        free(t);
    }
    free(in.s);
}

/* Random valid streams (multibulk with binary args, inline when safe) fed
 * in random pieces must give the generated commands back. */
static uint64_t rng = 0x9e3779b97f4a7c15ULL;
static uint64_t rnd(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}

static void test_random_streams(void)
{
    for (int round = 0; round < 40; round++) {
        tstr in = {0}, want = {0};
        run_t r;
        char *t;
        size_t off;
        ts_puts(&in, "");
        ts_puts(&want, "");
        for (int c = 0; c < 200; c++) {
            int argc = 1 + (int)(rnd() % 5), inl = rnd() % 3 == 0;
            char hdr[32], arg[3000];
            if (rnd() % 20 == 0) ts_puts(&in, rnd() % 2 ? "*0\r\n" : "\r\n");
            if (!inl) {
                snprintf(hdr, sizeof hdr, "*%d\r\n", argc);
                ts_puts(&in, hdr);
            }
            for (int a = 0; a < argc; a++) {
                size_t len = rnd() % 8 == 0 ? rnd() % sizeof arg : rnd() % 12;
                for (size_t i = 0; i < len; i++)
                    arg[i] = inl ? (char)('a' + rnd() % 26) : (char)rnd();
                if (inl && len == 0) { arg[0] = 'q'; len = 1; }
                render_arg(&want, arg, len);
                if (inl) {
                    if (a) ts_puts(&in, rnd() % 2 ? " " : " \t ");
                    if (rnd() % 4 == 0) {
                        ts_puts(&in, "\"");
                        ts_put(&in, arg, len);
                        ts_puts(&in, "\"");
                    } else {
                        ts_put(&in, arg, len);
                    }
                } else {
                    snprintf(hdr, sizeof hdr, "$%zu\r\n", len);
                    ts_puts(&in, hdr);
                    ts_put(&in, arg, len);
                    ts_puts(&in, "\r\n");
                }
            }
            if (inl) ts_puts(&in, rnd() % 2 ? "\r\n" : "\n");
            ts_puts(&want, "\n");
        }
        run_init(&r, NULL);
        for (off = 0; off < in.n;) {
            size_t c = rnd() % 4 == 0 ? 1 + rnd() % 9000 : 1 + rnd() % 40;
            if (c > in.n - off) c = in.n - off;
            run_feed(&r, in.s + off, c);
            off += c;
        }
        t = run_end(&r);
        same("random stream", "round", (size_t)round, t, want.s);
        free(t);
        free(in.s);
        free(want.s);
    }
}

/* Random garbage over the protocol's alphabet: any feeding gives the same
 * transcript as feeding it whole (and nothing crashes under ASan). */
static void test_random_garbage(void)
{
    static const char alpha[] = "*$\r\n\r\n0123456789-\"' \\xaA\t:";
    resp_limits lim;
    resp_limits_default(&lim);
    lim.max_inline_len = 40;
    lim.max_bulk_len = 30;
    for (int round = 0; round < 3000; round++) {
        char in[160];
        size_t n = rnd() % sizeof in;
        char *whole, *t;
        for (size_t i = 0; i < n; i++) {
            uint64_t x = rnd();
            in[i] = x % 7 == 0 ? (char)(x >> 8) : alpha[(x >> 8) % (sizeof alpha - 1)];
        }
        whole = transcript(in, n, &lim, n, n ? n : 1);
        t = transcript(in, n, &lim, 1, 1);
        same("garbage", "bytes", (size_t)round, t, whole);
        free(t);
        t = transcript(in, n, &lim, rnd() % (n + 1), 1 + rnd() % 9);
        same("garbage", "chunks", (size_t)round, t, whole);
        free(t);
        free(whole);
    }
}

/* ----------------------------------------------------- split_inline */

static void collect(void *ud, const char *a, size_t n)
{
    render_arg(ud, a, n);
}

static void test_split_inline(void)
{
    tstr t = {0};
    const char *s = "  set  \"a\\x20b\" 'c\\'d' e\"f g\"  ";
    char big[2000];

    ts_puts(&t, "");
    CHECK_EQ_INT(resp_split_inline(s, strlen(s), collect, &t), 0);
    CHECK(strcmp(t.s, "[set][a b][c'd][ef g]") == 0);
    t.n = 0; t.s[0] = 0;
    CHECK_EQ_INT(resp_split_inline("", 0, collect, &t), 0);
    CHECK_EQ_INT(resp_split_inline(" \t\r\n ", 5, collect, &t), 0);
    CHECK_EQ_INT(t.n, 0);
    /* unbalanced: -1 and no callback at all */
    CHECK_EQ_INT(resp_split_inline("a b \"c", 6, collect, &t), -1);
    CHECK_EQ_INT(resp_split_inline("a 'b'c", 6, collect, &t), -1);
    CHECK_EQ_INT(t.n, 0);
    /* a NUL ends the line, like sdssplitargs */
    CHECK_EQ_INT(resp_split_inline("a b\0 \"", 6, collect, &t), 0);
    CHECK(strcmp(t.s, "[a][b]") == 0);
    t.n = 0;
    /* long line (heap scratch) */
    memset(big, 'x', sizeof big);
    big[1000] = ' ';
    CHECK_EQ_INT(resp_split_inline(big, sizeof big, collect, &t), 0);
    CHECK_EQ_INT(t.n, 1000 + 2 + 999 + 2);
    free(t.s);
}

/* ----------------------------------------------------------- writers */

#define EXPECT(b, lit) do { CHECK_MEM((b)->data, (b)->len, lit); \
    resp_buf_reset(b); } while (0)

static void test_buf(void)
{
    resp_buf b;
    resp_buf_init(&b);
    CHECK(b.data == NULL && b.len == 0 && b.cap == 0);
    resp_buf_append(&b, "abc", 3);
    resp_buf_append(&b, NULL, 0);
    EXPECT(&b, "abc");
    CHECK(b.cap >= 3);
    for (int i = 0; i < 100000; i++) resp_buf_append(&b, "0123456789", 10);
    CHECK_EQ_INT(b.len, 1000000);
    CHECK(memcmp(b.data + 999990, "0123456789", 10) == 0);
    resp_buf_reset(&b);
    CHECK_EQ_INT(b.len, 0);
    CHECK(b.cap >= 1000000);
    resp_buf_reserve(&b, 5000000);
    CHECK(b.cap >= 5000000);
    resp_buf_free(&b);
    CHECK(b.data == NULL && b.cap == 0);
}

static void test_ints(void)
{
    static const long long vals[] = {
        0, 1, -1, 9, 10, 11, 99, 100, 101, 999, 1000, -10, -99, -100,
        123456789, -987654321, 4294967296LL, 1000000000000000000LL,
        999999999999999999LL, LLONG_MAX, LLONG_MIN, LLONG_MIN + 1};
    resp_buf b;
    char want[64];
    resp_buf_init(&b);
    for (size_t i = 0; i < sizeof vals / sizeof vals[0] + 20000; i++) {
        long long v = i < sizeof vals / sizeof vals[0] ? vals[i]
                      : (long long)(rnd() >> (rnd() % 64));
        if (i % 2 && v != LLONG_MIN) v = -v;
        snprintf(want, sizeof want, ":%lld\r\n", v);
        resp_add_int(&b, v);
        EXPECT(&b, want);
        snprintf(want, sizeof want, "*%lld\r\n", v);
        resp_add_array_len(&b, v);
        EXPECT(&b, want);
        snprintf(want, sizeof want, "$%d\r\n%lld\r\n",
                 snprintf(NULL, 0, "%lld", v), v);
        resp_add_bulk_ll(&b, v);
        EXPECT(&b, want);
    }
    resp_buf_free(&b);
}

static void test_writers(void)
{
    resp_buf b;
    char big[300], want[400], d[64];
    resp_buf_init(&b);

    resp_add_simple(&b, "OK", 2);
    EXPECT(&b, "+OK\r\n");
    resp_add_simple(&b, "a\r\nb", 4);
    EXPECT(&b, "+a  b\r\n");
    resp_add_status(&b, "PONG");
    EXPECT(&b, "+PONG\r\n");
    resp_add_status(&b, "");
    EXPECT(&b, "+\r\n");
    resp_add_error(&b, "ERR bad", 7);
    EXPECT(&b, "-ERR bad\r\n");
    resp_add_error(&b, "ERR x\r\n-y\nz\r", 12);
    EXPECT(&b, "-ERR x  -y z \r\n");
    resp_add_errorf(&b, "ERR %s %d", "wrong\nkey", 5);
    EXPECT(&b, "-ERR wrong key 5\r\n");
    memset(big, 'k', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    resp_add_errorf(&b, "ERR unknown '%s'", big);
    snprintf(want, sizeof want, "-ERR unknown '%s'\r\n", big);
    EXPECT(&b, want);

    resp_add_bulk(&b, "foo", 3);
    EXPECT(&b, "$3\r\nfoo\r\n");
    resp_add_bulk(&b, NULL, 0);
    EXPECT(&b, "$0\r\n\r\n");
    resp_add_bulk(&b, "a\r\n\0b", 5);
    CHECK(b.len == 11 && memcmp(b.data, "$5\r\na\r\n\0b\r\n", 11) == 0);
    resp_buf_reset(&b);
    resp_add_bulk_cstr(&b, "bar");
    EXPECT(&b, "$3\r\nbar\r\n");
    resp_add_bulk_cstr(&b, NULL);
    EXPECT(&b, "$-1\r\n");
    resp_add_bulk_ll(&b, -42);
    EXPECT(&b, "$3\r\n-42\r\n");
    resp_add_int(&b, 0);
    EXPECT(&b, ":0\r\n");
    resp_add_array_len(&b, 3);
    EXPECT(&b, "*3\r\n");
    resp_add_array_len(&b, -1);
    EXPECT(&b, "*-1\r\n");

    resp_add_null(&b, RESP2);
    EXPECT(&b, "$-1\r\n");
    resp_add_null(&b, RESP3);
    EXPECT(&b, "_\r\n");
    resp_add_null_array(&b, RESP2);
    EXPECT(&b, "*-1\r\n");
    resp_add_null_array(&b, RESP3);
    EXPECT(&b, "_\r\n");
    resp_add_map_len(&b, RESP2, 2);
    EXPECT(&b, "*4\r\n");
    resp_add_map_len(&b, RESP3, 2);
    EXPECT(&b, "%2\r\n");
    resp_add_map_len(&b, RESP2, 0);
    EXPECT(&b, "*0\r\n");
    resp_add_set_len(&b, RESP2, 5);
    EXPECT(&b, "*5\r\n");
    resp_add_set_len(&b, RESP3, 5);
    EXPECT(&b, "~5\r\n");
    resp_add_bool(&b, RESP2, 1);
    EXPECT(&b, ":1\r\n");
    resp_add_bool(&b, RESP2, 0);
    EXPECT(&b, ":0\r\n");
    resp_add_bool(&b, RESP3, 7);
    EXPECT(&b, "#t\r\n");
    resp_add_bool(&b, RESP3, 0);
    EXPECT(&b, "#f\r\n");
    resp_add_bignum(&b, RESP2, "1234567890123456789012345678901234567890", 40);
    EXPECT(&b, "$40\r\n1234567890123456789012345678901234567890\r\n");
    resp_add_bignum(&b, RESP3, "-12345678901234567890", 21);
    EXPECT(&b, "(-12345678901234567890\r\n");
    resp_add_verbatim(&b, RESP2, "txt", "Some string", 11);
    EXPECT(&b, "$11\r\nSome string\r\n");
    resp_add_verbatim(&b, RESP3, "txt", "Some string", 11);
    EXPECT(&b, "=15\r\ntxt:Some string\r\n");
    resp_add_verbatim(&b, RESP3, "markdown", "# a\r\nb", 6);
    EXPECT(&b, "=10\r\nmar:# a\r\nb\r\n");
    resp_add_verbatim(&b, RESP3, "md", "", 0);
    EXPECT(&b, "=4\r\nmd :\r\n");

    /* doubles */
    resp_add_double(&b, RESP2, 1.5);
    EXPECT(&b, "$3\r\n1.5\r\n");
    resp_add_double(&b, RESP3, 1.5);
    EXPECT(&b, ",1.5\r\n");
    resp_add_double(&b, RESP2, 0.1);
    EXPECT(&b, "$19\r\n0.10000000000000001\r\n");
    resp_add_double(&b, RESP3, 0.1);
    EXPECT(&b, ",0.10000000000000001\r\n");
    resp_add_double(&b, RESP3, 3);
    EXPECT(&b, ",3\r\n");
    resp_add_double(&b, RESP3, -0.0);
    EXPECT(&b, ",-0\r\n");
    resp_add_double(&b, RESP3, 1e300);
    EXPECT(&b, ",1.0000000000000001e+300\r\n");
    resp_add_double(&b, RESP3, -2.2250738585072014e-308);
    EXPECT(&b, ",-2.2250738585072014e-308\r\n");
    resp_add_double(&b, RESP2, INFINITY);
    EXPECT(&b, "$3\r\ninf\r\n");
    resp_add_double(&b, RESP2, -INFINITY);
    EXPECT(&b, "$4\r\n-inf\r\n");
    resp_add_double(&b, RESP3, INFINITY);
    EXPECT(&b, ",inf\r\n");
    resp_add_double(&b, RESP3, -INFINITY);
    EXPECT(&b, ",-inf\r\n");
    resp_add_double(&b, RESP2, NAN);
    EXPECT(&b, "$3\r\nnan\r\n");
    resp_add_double(&b, RESP3, -NAN);
    EXPECT(&b, ",nan\r\n");
    CHECK_EQ_INT(resp_fmt_double(d, 32, 2.5), 3);
    CHECK(strcmp(d, "2.5") == 0);
    CHECK_EQ_INT(resp_fmt_double(d, 32, -INFINITY), 4);
    CHECK(strcmp(d, "-inf") == 0);
    CHECK_EQ_INT(resp_fmt_double(d, 32, -1.2345678901234568e-300), 24);
    CHECK(strcmp(d, "-1.2345678901234568e-300") == 0);

    /* elements append: a small nested reply */
    resp_add_map_len(&b, RESP3, 1);
    resp_add_bulk_cstr(&b, "k");
    resp_add_set_len(&b, RESP3, 2);
    resp_add_int(&b, 1);
    resp_add_null(&b, RESP3);
    EXPECT(&b, "%1\r\n$1\r\nk\r\n~2\r\n:1\r\n_\r\n");
    resp_buf_free(&b);
}

int main(void)
{
    test_valid_corpus();
    test_invalid_corpus();
    test_long_lines();
    test_custom_limits();
    test_no_alloc_on_declared();
    test_pending();
    test_pipeline();
    test_random_streams();
    test_random_garbage();
    test_split_inline();
    test_buf();
    test_ints();
    test_writers();
    TU_DONE();
}
