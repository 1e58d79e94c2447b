/* engine.c -- the engine thread: inbox, dispatch, replies, change records.
 *
 * Why a separate thread: the keyspace has exactly one writer, so commands
 * need no locks and a command (later: a Lua function) runs alone. The I/O
 * thread parses and hands over whole batches; the engine answers a batch
 * with one eng_outbatch, so the cost of crossing threads (one mutex, one
 * eventfd wake-up each way) is paid per batch, not per command.
 *
 * Why the outbatch carries need_seq: under appendfsync always a reply may
 * not leave before every change executed before it is durable (DESIGN.md,
 * durability rules 1 and 2). The engine only records the sequence number;
 * whoever receives the batch (the WAL writer, later) decides when to let it
 * go.
 */
#include "util.h"
#include "engine.h"
#include "spin.h"
#include "keyspace.h"
#include "slowlog.h"
#include "cmdstats.h"
#include "script.h"
#include "multi.h"
#include "pubsub.h"
#include "eng_commands.h"
#include "rdbstr.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <malloc.h>
#include <math.h>
#include <pthread.h>
#include <sched.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <uv.h>

struct eng_engine {
    eng_options o;
    eng_keyspace *ks;

    uv_thread_t thread;
    uv_mutex_t mu;          /* protects in_head/in_tail/stopping/sleeping */
    uv_cond_t cond;         /* signalled when a batch arrives for a sleeper */
    int sleeping;
    eng_inbatch *in_head, *in_tail;
    _Atomic int has_in;     /* in_head != NULL, for polling without mu */
    int stopping;

    eng_client *clients;
    size_t nclients;
    eng_stats stats;
    uint64_t seq, dirty;
    eng_change_hook *hook;
    void *hook_ud;

    eng_arg *argv;          /* scratch argv for the current command */
    size_t argv_cap;
    eng_outbatch *out;      /* replies of the current wake-up */
    eng_slowlog *slowlog;
    eng_cmdstats *cmdstats;   /* INFO commandstats, errorstats */
    int64_t start_ms;
    int64_t mono_now_us;    /* monotonic time at the end of the last command */
    int64_t mono_base_us, real_base_ms; /* wall clock = base + mono delta */
    _Atomic(eng_outbatch *) spare_out; /* recycled batches (any thread) */
    _Atomic(eng_inbatch *) spare_in;
    resp_buf unit;          /* changes of the running command (encoded) */
    uint32_t unit_n;        /* how many */
    eng_client replay_client; /* the pseudo-client replay runs as */
    eng_loading_info loading;
    long long used_memory;  /* heap bytes at the last cron tick; -1 while
                             * maxmemory is off (not measured then) */
    int busy;               /* background work pending: don't sleep */
    _Atomic int owner;      /* who may run commands now (OWNER_*, below) */
    _Atomic int wants;      /* the engine thread waits to take the engine */
    uv_cond_t take_cond;    /* (with mu) signalled when an inline run lets go
                             * while it waits */
    int inline_run;         /* eng_run_inline is running a batch */
    int yielded;            /* eng_inline_yield was called: stop the batch */
    uint64_t need_fsync;    /* WAITAOF in this wake-up: fsync up to here */
    uint64_t unit_reserve;  /* the running command's foreseen unit bytes (unit_limit) */
    int unlogged;           /* a command's change could not be logged: this
                             * wake-up's replies must not go (flush_out) */
    int capture;            /* encode changes even if not logged (scripts) */
    uint64_t out_gen;       /* bumped whenever a reply batch is handed on */
    scr_vm *scripts;        /* the Lua runtime */
    int busy_script;        /* polling inside a long script: 1 script, 2 function */
    eng_client *busy_client;   /* whose script it is */
    eng_inbatch *deferred;  /* that client's messages meanwhile, in order */
    multi_index *watch;     /* watched keys (multi.c) */
    pubsub *pubsub;         /* channels and patterns (pubsub.c) */
    uint64_t rng;           /* splitmix64 state for script seeds */
};

/* ------------------------------------------------------------ batches */

typedef struct msg_hdr {
    eng_client *c;
    uint32_t kind, argc;
    size_t total;           /* bytes of this message including header */
} msg_hdr;

#define ALIGN8(n) (((n) + 7) & ~(size_t)7)

eng_inbatch *eng_inbatch_new(void) {
    eng_inbatch *b = calloc(1, sizeof(*b));
    if (!b) abort();
    resp_buf_init(&b->buf);
    return b;
}

void eng_inbatch_free(eng_inbatch *b) {
    if (!b) return;
    resp_buf_free(&b->buf);
    free(b);
}

void eng_inbatch_add(eng_inbatch *b, eng_client *c, int kind, int argc,
                     char **argv, const size_t *argvlen) {
    size_t total = sizeof(msg_hdr) + sizeof(size_t) * (size_t)argc;
    for (int i = 0; i < argc; i++) total += argvlen[i] + 1;
    total = ALIGN8(total);
    resp_buf_reserve(&b->buf, total);
    char *p = b->buf.data + b->buf.len;
    msg_hdr h = {c, (uint32_t)kind, (uint32_t)argc, total};
    memcpy(p, &h, sizeof(h));
    size_t *lens = (size_t *)(p + sizeof(h));
    char *d = (char *)(lens + argc);
    for (int i = 0; i < argc; i++) {
        lens[i] = argvlen[i];
        memcpy(d, argv[i], argvlen[i]);
        d[argvlen[i]] = '\0';
        d += argvlen[i] + 1;
    }
    b->buf.len += total;
    b->count++;
}

void eng_outbatch_free(eng_outbatch *b) {
    if (!b) return;
    resp_buf_free(&b->data);
    free(b->spans);
    free(b);
}

static eng_outbatch *outbatch_alloc(void) {
    eng_outbatch *b = calloc(1, sizeof(*b));
    if (!b) abort();
    resp_buf_init(&b->data);
    return b;
}

/* Batches travel in a circle (I/O -> engine -> I/O) at every round trip;
 * one spare of each kind is handed back instead of freed, so the steady
 * state allocates nothing. Buffers grown by a huge batch are not kept. */
#define RECYCLE_MAX (1024 * 1024)

static eng_outbatch *outbatch_new(eng_engine *e) {
    eng_outbatch *b = atomic_exchange(&e->spare_out, NULL);
    return b ? b : outbatch_alloc();
}

void eng_outbatch_recycle(eng_engine *e, eng_outbatch *b) {
    if (b->data.cap > RECYCLE_MAX || b->spans_cap > RECYCLE_MAX / sizeof(eng_span)) {
        eng_outbatch_free(b);
        return;
    }
    b->data.len = 0;
    b->nspans = 0;
    b->next = NULL;
    eng_outbatch_free(atomic_exchange(&e->spare_out, b));
}

eng_inbatch *eng_inbatch_get(eng_engine *e) {
    eng_inbatch *b = atomic_exchange(&e->spare_in, NULL);
    return b ? b : eng_inbatch_new();
}

static void inbatch_recycle(eng_engine *e, eng_inbatch *b) {
    if (b->buf.cap > RECYCLE_MAX) {
        eng_inbatch_free(b);
        return;
    }
    b->buf.len = 0;
    b->count = 0;
    b->next = NULL;
    eng_inbatch_free(atomic_exchange(&e->spare_in, b));
}

/* Append a span for the bytes [off, end of data) of client c, merging it
 * into the previous span when that is the same client with no flags. */
static void out_span(eng_outbatch *b, eng_client *c, size_t off,
                     uint32_t ncmds, uint32_t flags, uint64_t lsn) {
    size_t len = b->data.len - off;
    if (b->nspans) {
        eng_span *l = &b->spans[b->nspans - 1];
        if (l->c == c && l->flags == 0 && l->off + l->len == off) {
            l->len += len;
            l->ncmds += ncmds;
            l->flags = flags;
            if (lsn > l->lsn) l->lsn = lsn;
            return;
        }
    }
    if (b->nspans == b->spans_cap) {
        b->spans_cap = b->spans_cap ? b->spans_cap * 2 : 64;
        b->spans = realloc(b->spans, b->spans_cap * sizeof(eng_span));
        if (!b->spans) abort();
    }
    b->spans[b->nspans++] = (eng_span){c, off, len, ncmds, flags, lsn};
}

/* ------------------------------------------------------------ replies */

void eng_reply_ok(eng_ctx *x) { resp_add_simple(x->out, "OK", 2); }
void eng_reply_null(eng_ctx *x) { resp_add_null(x->out, x->proto); }
void eng_reply_int(eng_ctx *x, long long v) { resp_add_int(x->out, v); }
void eng_reply_bulk(eng_ctx *x, const void *p, size_t n) {
    resp_add_bulk(x->out, p, n);
}

void eng_reply_error(eng_ctx *x, const char *fmt, ...) {
    char buf[512];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(buf, sizeof(buf), fmt, ap);
    va_end(ap);
    if (n < 0) n = 0;
    if ((size_t)n >= sizeof(buf)) n = sizeof(buf) - 1;
    resp_add_error(x->out, buf, (size_t)n);
}

void eng_reply_wrong_args(eng_ctx *x) {
    char name[96];
    if (x->cmd && x->cmd->subcmds == NULL && x->argc > 0 &&
        strchr(x->cmd->name, '|'))
        snprintf(name, sizeof(name), "%s", x->cmd->name);
    else
        snprintf(name, sizeof(name), "%s", x->cmd ? x->cmd->name : "?");
    eng_reply_error(x, "ERR wrong number of arguments for '%s' command", name);
}

void eng_reply_syntax(eng_ctx *x) { eng_reply_error(x, "ERR syntax error"); }

void eng_reply_lines(eng_ctx *x, const char *const *lines, size_t n) {
    resp_add_array_len(x->out, (long long)n);
    for (size_t i = 0; i < n; i++) resp_add_status(x->out, lines[i]);
}

/* ---------------------------------------------------- argument parsing */

int eng_arg_is(const eng_arg *a, const char *lit) {
    return strcasecmp(a->p, lit) == 0 && strlen(lit) == a->n;
}

/* Strict integer parse like Redis's string2ll: no spaces, no leading '+',
 * no leading zeros, fits in long long. */
static int parse_ll(const char *s, size_t n, long long *out) {
    if (n == 0 || n > 20) return -1;
    const char *p = s, *end = s + n;
    int neg = 0;
    if (*p == '-') {
        neg = 1;
        if (++p == end) return -1;
    }
    if (*p == '0' && (end - p > 1 || neg)) return -1;
    unsigned long long v = 0;
    for (; p < end; p++) {
        if (*p < '0' || *p > '9') return -1;
        unsigned d = (unsigned)(*p - '0');
        if (v > (ULLONG_MAX - d) / 10) return -1;
        v = v * 10 + d;
    }
    if (neg) {
        if (v > (unsigned long long)LLONG_MAX + 1) return -1;
        *out = v == (unsigned long long)LLONG_MAX + 1 ? LLONG_MIN : -(long long)v;
    } else {
        if (v > (unsigned long long)LLONG_MAX) return -1;
        *out = (long long)v;
    }
    return 0;
}

int eng_parse_ll(const char *s, size_t n, long long *out) {
    return parse_ll(s, n, out);
}

int eng_arg_ll(eng_ctx *x, const eng_arg *a, long long *v) {
    if (parse_ll(a->p, a->n, v) == 0) return 0;
    eng_reply_error(x, "ERR value is not an integer or out of range");
    return -1;
}

int eng_parse_double(const char *s, size_t n, double *out) {
    if (n == 0 || n > 5000 || isspace((unsigned char)s[0])) return -1;
    char *end;
    errno = 0;
    double d = strtod(s, &end);
    if ((size_t)(end - s) != n || isnan(d)) return -1;
    if (errno == ERANGE && (d == HUGE_VAL || d == -HUGE_VAL || d == 0))
        return -1;
    *out = d;
    return 0;
}

int eng_arg_double(eng_ctx *x, const eng_arg *a, double *v) {
    if (eng_parse_double(a->p, a->n, v) == 0) return 0;
    eng_reply_error(x, "ERR value is not a valid float");
    return -1;
}

/* ------------------------------------------------------ change records */

#define UNIT_HEADER 12 /* i64 time_ms + u32 nchanges, filled at commit */

/* The single change-record path: append one change to the unit of the
 * running command. Nothing is logged during replay. The record is encoded
 * straight into space reserved once: a change has many small fields. */
void eng_emit(eng_ctx *x, int db, int argc, const eng_arg *argv) {
    eng_engine *e = x->eng;
    if (x->replaying && !e->capture) return;
    if (multi_nwatched(e->watch))
        multi_touch(e, db, e->o.lookup(argv[0].p, argv[0].n), argc, argv, x->now_ms);
    e->dirty++;
    e->unit_n++;
    if (!e->hook && !e->capture) return; /* nothing consumes records: don't encode */
    size_t head = e->unit.len == 0 ? UNIT_HEADER : 0;
    size_t need = head + 8;
    for (int i = 0; i < argc; i++) need += 4 + argv[i].n;
    resp_buf_reserve(&e->unit, need);
    unsigned char *p = (unsigned char *)e->unit.data + e->unit.len;
    memset(p, 0, head);
    p += head;
    sb_put32(p, (uint32_t)db);
    sb_put32(p + 4, (uint32_t)argc);
    p += 8;
    for (int i = 0; i < argc; i++) {
        sb_put32(p, (uint32_t)argv[i].n);
        if (argv[i].n) memcpy(p + 4, argv[i].p, argv[i].n);
        p += 4 + argv[i].n;
    }
    e->unit.len += need;
}

/* End of a command (or cron step): if it changed anything, give the unit
 * its LSN and hand it to the log. -1: the log refused it (it failed since
 * the command was let in). */
static int unit_commit(eng_engine *e, int64_t now_ms) {
    int rc = 0;
    if (e->unit_n == 0) return 0;
    e->seq++;
    if (e->hook) {
        unsigned char *h = (unsigned char *)e->unit.data;
        uint64_t t = (uint64_t)now_ms;
        for (int i = 0; i < 8; i++) h[i] = (unsigned char)(t >> (8 * i));
        for (int i = 0; i < 4; i++) h[8 + i] = (unsigned char)(e->unit_n >> (8 * i));
        /* not logged (the WAL failed): the change stays in memory but takes
         * no LSN (the memory is rebuilt from the durable state before the
         * next wake-up: persist_before_batch) */
        if (e->hook(e->hook_ud, e->seq, e->unit.data, e->unit.len) != 0) {
            e->seq--;
            rc = -1;
        }
        e->unit.len = 0;
        if (e->unit.cap > 1024 * 1024) resp_buf_free(&e->unit);
    }
    e->unit_n = 0;
    return rc;
}

eng_unit_mark eng_unit_mark_get(eng_engine *e) {
    eng_unit_mark m = {e->unit.len, e->unit_n};
    return m;
}

void eng_unit_rollback(eng_engine *e, eng_unit_mark m) {
    if (e->unit_n > m.n) e->dirty -= e->unit_n - m.n;
    e->unit.len = m.len;
    e->unit_n = m.n;
}

const void *eng_unit_since(eng_engine *e, eng_unit_mark m, size_t *len) {
    size_t from = m.len < UNIT_HEADER ? UNIT_HEADER : m.len;
    if (e->unit.len <= from) {
        *len = 0;
        return "";
    }
    *len = e->unit.len - from;
    return e->unit.data + from;
}

void eng_unit_capture(eng_engine *e, int on) { e->capture = on; }
int eng_unit_open(const eng_engine *e) { return e->unit_n > 0; }
struct multi_index *eng_multi_index(eng_engine *e) { return e->watch; }
struct pubsub *eng_pubsub(eng_engine *e) { return e->pubsub; }

struct scr_vm *eng_scripts(eng_engine *e) { return e->scripts; }

uint64_t eng_random64(eng_engine *e) {
    uint64_t z = (e->rng += UINT64_C(0x9e3779b97f4a7c15));
    z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
    z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
    return z ^ (z >> 31);
}

/* fmt letters: s = C string, a = eng_arg*, l = long long, d = int */
void eng_emitv(eng_ctx *x, int db, const char *fmt, ...) {
    eng_arg argv[16];
    char nums[16][24];
    int argc = 0;
    va_list ap;
    va_start(ap, fmt);
    for (const char *f = fmt; *f && argc < 16; f++, argc++) {
        switch (*f) {
        case 's': {
            const char *s = va_arg(ap, const char *);
            argv[argc] = (eng_arg){s, strlen(s)};
            break;
        }
        case 'a':
            argv[argc] = *va_arg(ap, const eng_arg *);
            break;
        case 'l': {
            int n = sb_fmt_ll(nums[argc], va_arg(ap, long long));
            argv[argc] = (eng_arg){nums[argc], (size_t)n};
            break;
        }
        default: abort();
        }
    }
    va_end(ap);
    eng_emit(x, db, argc, argv);
}

void eng_set_change_hook(eng_engine *e, eng_change_hook *fn, void *ud) {
    e->hook = fn;
    e->hook_ud = ud;
}

void eng_set_release(eng_engine *e, void (*release)(void *, eng_outbatch *), void *ud) {
    e->o.release = release;
    e->o.release_ud = ud;
}

void eng_set_lsn(eng_engine *e, uint64_t lsn) { e->seq = lsn; }

/* ------------------------------------------------------------- replay */

int eng_unit_decode(const void *payload, size_t len, int64_t *time_ms,
                    eng_unit_change_fn *fn, void *ud) {
    const unsigned char *p = payload, *end = p + len;
    if (len < UNIT_HEADER) return -1;
    int64_t t = 0;
    for (int i = 7; i >= 0; i--) t = (t << 8) | p[i];
    if (time_ms) *time_ms = t;
    uint32_t n = sb_get32(p + 8);
    p += UNIT_HEADER;
    eng_arg small[16], *argv = small;
    size_t cap = 16;
    int rc = 0;
    for (uint32_t k = 0; k < n && rc == 0; k++) {
        if (end - p < 8) { rc = -1; break; }
        uint32_t db = sb_get32(p), argc = sb_get32(p + 4);
        p += 8;
        if (argc == 0 || argc > (1u << 30)) { rc = -1; break; }
        if (argc > cap) {
            cap = argc;
            eng_arg *na = realloc(argv == small ? NULL : argv, cap * sizeof(eng_arg));
            if (!na) abort();
            argv = na;
        }
        for (uint32_t i = 0; i < argc && rc == 0; i++) {
            if (end - p < 4) { rc = -1; break; }
            uint32_t l = sb_get32(p);
            if ((size_t)(end - p - 4) < l) { rc = -1; break; }
            argv[i] = (eng_arg){(const char *)p + 4, l};
            p += 4 + l;
        }
        if (rc == 0 && fn) rc = fn(ud, db, argc, argv);
    }
    if (argv != small) free(argv);
    if (rc == 0 && p != end) rc = -1;
    return rc;
}

typedef struct replay_state {
    eng_engine *e;
    uint64_t lsn;
    int64_t t;
    resp_buf scratch, out;
    char *err;
    size_t errlen;
} replay_state;

/* One change of a unit: copy its arguments NUL-terminated (as handlers
 * expect) and run it. 1 stops the unit with rs->err set. */
static int replay_change(void *ud, uint32_t db, uint32_t argc, const eng_arg *args) {
    replay_state *rs = ud;
    eng_engine *e = rs->e;
    if (db >= (uint32_t)e->o.databases) {
        snprintf(rs->err, rs->errlen, "LSN %llu: a change to db %u, but the server has only %d "
                 "databases: start it with --databases %u or more",
                 (unsigned long long)rs->lsn, db, e->o.databases, db + 1);
        return 1;
    }
    size_t total = argc;
    for (uint32_t i = 0; i < argc; i++) total += args[i].n;
    rs->scratch.len = 0;
    resp_buf_reserve(&rs->scratch, total);
    if (argc > e->argv_cap) {
        e->argv_cap = argc + 16;
        e->argv = realloc(e->argv, e->argv_cap * sizeof(eng_arg));
        if (!e->argv) abort();
    }
    for (uint32_t i = 0; i < argc; i++) {
        char *d = rs->scratch.data + rs->scratch.len;
        memcpy(d, args[i].p, args[i].n);
        d[args[i].n] = '\0';
        rs->scratch.len += args[i].n + 1;
        e->argv[i] = (eng_arg){d, args[i].n};
    }
    const eng_cmd *cmd = e->argv[0].n && e->argv[0].p[0] == '@'
                             ? eng_internal_lookup(e->argv[0].p, e->argv[0].n)
                             : e->o.lookup(e->argv[0].p, e->argv[0].n);
    if (!cmd || !cmd->fn || !(cmd->flags & CMD_WRITE)) {
        snprintf(rs->err, rs->errlen, "LSN %llu: unknown change '%.*s'", (unsigned long long)rs->lsn,
                 (int)(e->argv[0].n > 64 ? 64 : e->argv[0].n), e->argv[0].p);
        return 1;
    }
    e->replay_client.db = (int)db;
    eng_ctx x = {0};
    x.eng = e;
    x.c = &e->replay_client;
    x.argc = (int)argc;
    x.argv = e->argv;
    x.out = &rs->out;
    x.proto = RESP2;
    x.cmd = cmd;
    x.now_ms = rs->t;
    x.replaying = 1;
    rs->out.len = 0;
    cmd->fn(&x);
    if (rs->out.len && rs->out.data[0] == '-') {
        snprintf(rs->err, rs->errlen, "LSN %llu: replaying '%.*s' failed: %.*s",
                 (unsigned long long)rs->lsn, (int)(e->argv[0].n > 64 ? 64 : e->argv[0].n),
                 e->argv[0].p, (int)(rs->out.len > 200 ? 200 : rs->out.len - 2), rs->out.data + 1);
        return 1;
    }
    return 0;
}

int eng_replay_unit(eng_engine *e, uint64_t lsn, const void *payload, size_t len,
                    char *err, size_t errlen) {
    replay_state rs = {.e = e, .lsn = lsn, .err = err, .errlen = errlen};
    resp_buf_init(&rs.scratch);
    resp_buf_init(&rs.out);
    int rc = eng_unit_decode(payload, len, &rs.t, replay_change, &rs);
    resp_buf_free(&rs.scratch);
    resp_buf_free(&rs.out);
    if (rc < 0)
        snprintf(err, errlen, "LSN %llu: malformed change unit (%zu bytes)", (unsigned long long)lsn, len);
    if (rc) return -1;
    e->seq = lsn;
    return 0;
}

int eng_databases(const eng_engine *e) { return e->o.databases; }
uint64_t eng_dirty(const eng_engine *e) { return e->dirty; }
uint64_t eng_change_seq(const eng_engine *e) { return e->seq; }
eng_keyspace *eng_keyspace_of(eng_engine *e) { return e->ks; }
const eng_limits *eng_get_limits(const eng_engine *e) { return e->o.limits; }
const eng_stats *eng_get_stats(const eng_engine *e) { return &e->stats; }
eng_slowlog *eng_get_slowlog(eng_engine *e) { return e->slowlog; }
eng_cmdstats *eng_get_cmdstats(eng_engine *e) { return e->cmdstats; }
void eng_reset_stats(eng_engine *e) {
    memset(&e->stats, 0, sizeof(e->stats));
    eng_cmdstats_reset(e->cmdstats);
}
void eng_count_auth_failure(eng_engine *e) { e->stats.auth_failures++; }
const char *eng_requirepass(eng_engine *e) {
    return e->o.requirepass ? e->o.requirepass(e->o.requirepass_ud) : NULL;
}
int64_t eng_start_time_ms(const eng_engine *e) { return e->start_ms; }

/* ----------------------------------------------------- client registry */

eng_client *eng_clients(eng_engine *e) { return e->clients; }
size_t eng_client_count(eng_engine *e) { return e->nclients; }

static void client_register(eng_engine *e, eng_client *c) {
    c->db = 0;
    c->proto = RESP2;
    /* Like Redis: a connection made while no password is required is
     * authenticated as the default user and stays so if one is set later. */
    const char *pw = eng_requirepass(e);
    c->authenticated = !(pw && *pw);
    c->prev = NULL;
    c->next = e->clients;
    if (e->clients) e->clients->prev = c;
    e->clients = c;
    e->nclients++;
    e->stats.connections_received++;
}

static void client_unregister(eng_engine *e, eng_client *c) {
    if (c->prev) c->prev->next = c->next;
    else e->clients = c->next;
    if (c->next) c->next->prev = c->prev;
    c->prev = c->next = NULL;
    e->nclients--;
    multi_client_free(e, c);
    pubsub_client_free(e->pubsub, c);
    free(c->name);
    free(c->lib_name);
    free(c->lib_ver);
    c->name = c->lib_name = c->lib_ver = NULL;
}

void eng_kill_client(eng_ctx *x, eng_client *c) {
    if (c->flags & ENG_CLIENT_KILLED) return;
    c->flags |= ENG_CLIENT_KILLED;
    if (c == x->c) {
        x->out_flags |= ENG_OUT_CLOSE;
    } else {
        /* an empty span that tells the I/O thread to close it */
        out_span(x->eng->out, c, x->eng->out->data.len, 0, ENG_OUT_CLOSE, 0);
    }
}

/* ------------------------------------------------------------ dispatch */



/* Quote an argument for the "unknown command" message like Redis: at most
 * 128 bytes, single-quoted. */
static void append_quoted_args(char *dst, size_t cap, eng_ctx *x, int from) {
    size_t len = strlen(dst);
    for (int i = from; i < x->argc && len + 4 < cap; i++) {
        int n = snprintf(dst + len, cap - len, "'%.*s' ",
                         (int)(x->argv[i].n > 128 ? 128 : x->argv[i].n),
                         x->argv[i].p);
        if (n < 0) break;
        len += (size_t)n;
        if (len >= cap) { dst[cap - 1] = '\0'; break; }
    }
}

static int arity_ok(const eng_cmd *c, int argc) {
    return c->arity > 0 ? argc == c->arity : argc >= -c->arity;
}

/* The command of argv, or its subcommand; NULL if unknown (*bad_sub set
 * when the command exists but not the subcommand). */
static const eng_cmd *lookup_sub(eng_engine *e, int argc, const eng_arg *argv,
                                 const eng_cmd **parent) {
    const eng_cmd *cmd = e->o.lookup(argv[0].p, argv[0].n);
    *parent = NULL;
    if (!cmd || !cmd->subcmds || argc < 2) return cmd;
    for (const eng_cmd *s = cmd->subcmds; s->name; s++) {
        const char *bar = strchr(s->name, '|');
        const char *sn = bar ? bar + 1 : s->name;
        if (strlen(sn) == argv[1].n && strcasecmp(sn, argv[1].p) == 0) return s;
    }
    *parent = cmd;
    return NULL;
}

/* max-key-length and max-keys-per-request, from the legacy key positions.
 * Returns -1 with the error text in err. */
int eng_key_range(const eng_cmd *cmd, int argc, int *last, int *step) {
    if (cmd->first_key <= 0) return 0;
    *last = cmd->last_key < 0 ? argc + cmd->last_key : cmd->last_key;
    if (*last >= argc) *last = argc - 1;
    *step = cmd->key_step > 0 ? cmd->key_step : 1;
    return 1;
}

int eng_cmd_other_db(const eng_cmd *cmd, int argc, const eng_arg *argv, int databases,
                     int *key_arg) {
    long long v = -1;
    if (cmd->fn == cmd_move && argc == 3) {
        *key_arg = 1;
        if (eng_parse_ll(argv[2].p, argv[2].n, &v) != 0) return -1;
    } else if (cmd->fn == cmd_copy) {
        *key_arg = 2;
        for (int i = 3; i + 1 < argc; i++)
            if (eng_arg_is(&argv[i], "db")) {
                if (eng_parse_ll(argv[i + 1].p, argv[i + 1].n, &v) != 0) return -1;
                break;
            }
    }
    return v >= 0 && v < databases ? (int)v : -1;
}

static int key_limits(eng_engine *e, const eng_cmd *cmd, int argc, const eng_arg *argv,
                      char *err, size_t errlen) {
    int last, step;
    if (!eng_key_range(cmd, argc, &last, &step)) return 0;
    const eng_limits *lim = e->o.limits;
    long long maxlen = lim ? lim->max_key_length : 0;
    long long maxkeys = lim ? lim->max_keys_per_request : 0;
    long long nkeys = 0;
    for (int i = cmd->first_key; i <= last; i += step) {
        nkeys++;
        if (maxlen > 0 && (long long)argv[i].n > maxlen) {
            snprintf(err, errlen, "ERR key is too long: %zu bytes exceeds max-key-length (%lld)",
                     argv[i].n, maxlen);
            return -1;
        }
    }
    if (maxkeys > 0 && nkeys > maxkeys) {
        snprintf(err, errlen, "ERR too many keys in one request: %lld exceeds max-keys-per-request (%lld)",
                 nkeys, maxkeys);
        return -1;
    }
    return 0;
}

static long long max_string(const eng_engine *e);

uint64_t eng_unit_bound(eng_engine *e, const eng_cmd *cmd, int argc, const eng_arg *argv,
                        int lookup) {
    uint64_t b = UNIT_HEADER + 64;
    for (int i = 0; i < argc; i++) b += 64 + argv[i].n;
    /* a named key may be logged twice: its lazy expiry's DEL, then the change */
    int last, step;
    if (eng_key_range(cmd, argc, &last, &step))
        for (int i = cmd->first_key; i <= last; i += step) b += argv[i].n;
    if (cmd->fn == cmd_restore && argc >= 4) {
        uint64_t n = rdbstr_stated_len(argv[3].p, argv[3].n);
        b += n > ENG_UNIT_MAX ? ENG_UNIT_MAX + 1 : n; /* (no wrap) */
    } else if (cmd->fn == cmd_function && argc >= 3 && !strcmp(cmd->name, "function|restore")) {
        b += 8 * (uint64_t)argv[2].n;
    } else if ((cmd->fn == cmd_evalsha || cmd->fn == cmd_evalsha_ro) && argc >= 2) {
        /* logged with the script's body; one not cached yet (SCRIPT LOAD
         * later in the same MULTI) may be as long as a string can be */
        size_t blen = 0;
        if (!lookup || argv[1].n != 40 || !scr_script_body(e->scripts, argv[1].p, &blen))
            blen = (size_t)max_string(e);
        b += blen;
    } else if ((cmd->fn == cmd_fcall || cmd->fn == cmd_fcall_ro) && argc >= 2) {
        /* logged with its library's name (no longer than the library) */
        scr_fn *f = lookup ? scr_fn_find(e->scripts, argv[1].p, argv[1].n) : NULL;
        b += f ? strlen(f->lib->name) : (uint64_t)max_string(e);
    }
    return b;
}

static long long max_string(const eng_engine *e) {
    return e->o.limits ? e->o.limits->proto_max_bulk_len : 512LL * 1024 * 1024;
}

/* ENG_UNIT_MAX, or lower (DEBUG SET-UNIT-MAX) */
static uint64_t unit_max(const eng_engine *e) {
    long long lim = e->o.limits ? e->o.limits->unit_max : 0;
    return lim > 0 && (uint64_t)lim < ENG_UNIT_MAX ? (uint64_t)lim : ENG_UNIT_MAX;
}

int eng_unit_room(const eng_engine *e, size_t bytes) {
    return e->unit.len + e->unit_reserve + bytes + 64 <= unit_max(e);
}

/* A command whose changes might not fit in one WAL record, or that would
 * bring its MULTI's queue past that: refused before anything runs. */
static int unit_limit(eng_ctx *x, const eng_cmd *cmd) {
    eng_engine *e = x->eng;
    uint64_t max = unit_max(e);
    /* (alone, a script's body or library name is first bounded by the
     * longest string, as it can be no longer: no look-up on every call) */
    int queued = x->c->mstate && multi_active(x->c) && !multi_runs_at_once(cmd);
    /* (after a queued FUNCTION LOAD etc., FCALL's library is not known yet) */
    int lookup = queued && !multi_functions_queued(x->c);
    uint64_t b = eng_unit_bound(e, cmd, x->argc, x->argv, lookup);
    if (!queued && b > max) b = eng_unit_bound(e, cmd, x->argc, x->argv, 1);
    if (queued || cmd->fn == cmd_exec) b += multi_queued_bound(x->c);
    /* what eng_unit_room keeps free for it (EXEC: the whole queue) */
    e->unit_reserve = b;
    if (b <= max) return 0;
    eng_reply_error(x, "ERR %s could change up to %llu bytes, more than one WAL record holds "
                    "(%llu): split it into smaller %s", queued ? "this transaction" : "this command",
                    (unsigned long long)b, (unsigned long long)max,
                    queued ? "transactions" : "commands");
    return -1;
}

static int over_maxmemory(eng_engine *e) {
    return e->o.limits && e->o.limits->maxmemory > 0 &&
           eng_used_memory(e) > e->o.limits->maxmemory;
}

/* Resolve the command (and subcommand), check arity, auth and limits. */
static const eng_cmd *resolve(eng_ctx *x) {
    eng_engine *e = x->eng;
    const eng_cmd *parent;
    const eng_cmd *cmd = lookup_sub(e, x->argc, x->argv, &parent);
    if (!cmd && !parent) {
        char msg[600];
        snprintf(msg, sizeof(msg),
                 "ERR unknown command '%.*s', with args beginning with: ",
                 (int)(x->argv[0].n > 128 ? 128 : x->argv[0].n), x->argv[0].p);
        append_quoted_args(msg, sizeof(msg), x, 1);
        resp_add_error(x->out, msg, strlen(msg));
        return NULL;
    }
    if (!cmd) {
        char up[64];
        size_t i;
        for (i = 0; parent->name[i] && i < sizeof(up) - 1; i++)
            up[i] = (char)(parent->name[i] >= 'a' && parent->name[i] <= 'z'
                               ? parent->name[i] - 32 : parent->name[i]);
        up[i] = '\0';
        eng_reply_error(x, "ERR unknown subcommand '%.*s'. Try %s HELP.",
                        (int)(x->argv[1].n > 128 ? 128 : x->argv[1].n),
                        x->argv[1].p, up);
        return NULL;
    }
    x->cmd = cmd;
    if (!arity_ok(cmd, x->argc)) {
        eng_reply_error(x, "ERR wrong number of arguments for '%s' command",
                        cmd->name);
        return NULL;
    }
    if (e->busy_script && !(cmd->flags & CMD_ALLOW_BUSY)) {
        eng_reply_error(x, "BUSY Redis is busy running a script. You can only call %s KILL or "
                           "SHUTDOWN NOSAVE.", e->busy_script == 2 ? "FUNCTION" : "SCRIPT");
        return NULL;
    }
    if (e->busy_script && !strcmp(cmd->name, "shutdown")) scr_kill(e->scripts); /* rolled back */
    if (e->loading.loading && !(cmd->flags & CMD_LOADING)) {
        eng_reply_error(x, "LOADING Strongbox is loading the dataset in memory");
        return NULL;
    }
    if (!x->c->authenticated && !(cmd->flags & CMD_NOAUTH)) {
        const char *pw = e->o.requirepass ? e->o.requirepass(e->o.requirepass_ud) : NULL;
        if (pw && *pw) {
            resp_add_error(x->out, "NOAUTH Authentication required.", 31);
            return NULL;
        }
    }
    if (x->c->ps && x->c->proto == RESP2 && pubsub_count(x->c) && !pubsub_allowed_subscribed(cmd)) {
        eng_reply_error(x, "ERR Can't execute '%s': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING "
                           "/ QUIT / RESET are allowed in this context", cmd->name);
        return NULL;
    }
    /* in MULTI, EXEC carries the flags of what it would run */
    uint32_t flags = x->c->mstate ? multi_cmd_flags(x->c, cmd) : cmd->flags;
    if ((cmd->flags & CMD_NO_MULTI) && x->c->mstate && multi_active(x->c)) {
        eng_reply_error(x, "ERR Command not allowed inside a transaction");
        return NULL;
    }
    if ((flags & CMD_DENYOOM) && over_maxmemory(e)) {
        eng_reply_error(x, "OOM command not allowed when used memory > 'maxmemory'.");
        return NULL;
    }
    if ((flags & CMD_WRITE) && e->o.write_refused) {
        const char *why = e->o.write_refused(e->o.write_refused_ud);
        if (why) {
            eng_reply_error(x, "MISCONF %s", why);
            return NULL;
        }
    }
    char err[200];
    if (key_limits(e, cmd, x->argc, x->argv, err, sizeof(err))) {
        resp_add_error(x->out, err, strlen(err));
        return NULL;
    }
    if (unit_limit(x, cmd)) return NULL;
    return cmd;
}

const eng_cmd *eng_script_resolve(eng_ctx *x, int argc, const eng_arg *argv, int readonly,
                                  int allow_oom, char *err, size_t errlen) {
    eng_engine *e = x->eng;
    const eng_cmd *parent;
    const eng_cmd *cmd = argc ? lookup_sub(e, argc, argv, &parent) : NULL;
    if (!cmd) {
        snprintf(err, errlen, "ERR Unknown Redis command called from script");
        return NULL;
    }
    if (!arity_ok(cmd, argc)) {
        snprintf(err, errlen, "ERR Wrong number of args calling Redis command from script");
        return NULL;
    }
    if (cmd->flags & CMD_NOSCRIPT) {
        snprintf(err, errlen, "ERR This Redis command is not allowed from script");
        return NULL;
    }
    if (cmd->flags & CMD_WRITE) {
        if (readonly) {
            snprintf(err, errlen, "ERR Write commands are not allowed from read-only scripts.");
            return NULL;
        }
        /* by handler, not name: this runs for every write of a script */
        if (cmd->fn == cmd_flushall || cmd->fn == cmd_flushdb || cmd->fn == cmd_swapdb) {
            snprintf(err, errlen, "ERR %s is not allowed from scripts: strongbox rolls a failed "
                     "script back, and this command could not be undone", cmd->name);
            return NULL;
        }
        /* a replayed call did these writes once: no guard refuses them now
         * (rebuilding the durable state after a WAL failure re-runs logged
         * scripts while writes are refused) */
        const char *why = e->o.write_refused && !x->replaying
                              ? e->o.write_refused(e->o.write_refused_ud) : NULL;
        if (why) {
            snprintf(err, errlen, "MISCONF %s", why);
            return NULL;
        }
    }
    if ((cmd->flags & CMD_DENYOOM) && !allow_oom && !x->replaying && over_maxmemory(e)) {
        snprintf(err, errlen, "OOM command not allowed when used memory > 'maxmemory'.");
        return NULL;
    }
    if (!x->replaying && key_limits(e, cmd, argc, argv, err, errlen)) return NULL;
    return cmd;
}

void eng_script_exec(eng_ctx *x, const eng_cmd *cmd, eng_client *sc, int proto, int argc,
                     eng_arg *argv, resp_buf *out) {
    eng_ctx y = *x;
    y.c = sc;
    y.argc = argc;
    y.argv = argv;
    y.out = out;
    y.proto = proto;
    y.cmd = cmd;
    y.out_flags = 0;
    y.in_script = 1;
    cmd->fn(&y);
    if (y.span_lsn > x->span_lsn) x->span_lsn = y.span_lsn;
}

int eng_check_value_len(eng_ctx *x, size_t n) {
    if (x->replaying) return 0; /* it was within the limits when it ran */
    long long max = x->eng->o.limits ? x->eng->o.limits->max_value_length : 0;
    if (max > 0 && (long long)n > max) {
        eng_reply_error(x, "ERR value is too long: %zu bytes exceeds max-value-length (%lld)",
                        n, max);
        return -1;
    }
    return 0;
}

/* Stats and slow log of a command that ran for dur microseconds. */
static void command_done(eng_engine *e, eng_ctx *x, int64_t dur) {
    e->stats.commands++;
    eng_cmdstats_call(e->cmdstats, x->cmd, dur,
                      !e->o.limits || atomic_load_explicit(&e->o.limits->latency_tracking,
                                                           memory_order_relaxed));
    if (e->o.limits && e->o.limits->slowlog_slower_than >= 0 &&
        dur >= e->o.limits->slowlog_slower_than && !(x->cmd->flags & CMD_SKIP_SLOWLOG))
        eng_slowlog_add(e->slowlog, x, dur, (size_t)(e->o.limits->slowlog_max_len));
}

void eng_exec_queued(eng_ctx *x, const eng_cmd *cmd, int argc, eng_arg *argv) {
    eng_engine *e = x->eng;
    eng_ctx y = *x;
    y.argc = argc;
    y.argv = argv;
    y.cmd = cmd;
    y.proto = x->c->proto; /* a queued HELLO changes it for the next ones */
    y.out_flags = 0;
    y.span_lsn = 0;
    size_t off = x->out->len;
    int64_t t0 = sb_mono_us();
    x->c->last_cmd = cmd->name;
    cmd->fn(&y);
    command_done(e, &y, sb_mono_us() - t0);
    if (x->out->len > off && x->out->data[off] == '-') {
        e->stats.error_replies++;
        eng_cmdstats_error(e->cmdstats, cmd, 1, x->out->data + off, x->out->len - off);
    }
    x->out_flags |= y.out_flags;
    if (y.span_lsn > x->span_lsn) x->span_lsn = y.span_lsn;
}

/* a message for c, from pubsub_flush: a span of its own, answering nothing */
static void push_span(void *ud, eng_client *c, size_t off) {
    out_span(ud, c, off, 0, 0, 0);
}

static void exec_command(eng_engine *e, eng_client *c, int argc) {
    eng_ctx x = {0};
    x.eng = e;
    x.c = c;
    x.argc = argc;
    x.argv = e->argv;
    x.out = &e->out->data;
    x.proto = c->proto;
    size_t off = e->out->data.len;
    uint64_t wrote = 0;

    if (c->flags & ENG_CLIENT_KILLED) return;
    int had_ps = c->ps != NULL;
    /* one clock read per command: the end of one is the start of the next,
     * and wall time is derived from the monotonic clock (synced per batch) */
    int64_t t0 = e->mono_now_us;
    x.now_ms = e->real_base_ms + (t0 - e->mono_base_us) / 1000;
    eng_outbatch *ob = e->out;
    const eng_cmd *cmd = resolve(&x);
    c->last_ms = x.now_ms;
    if (!cmd) {
        if (c->mstate || x.cmd) multi_rejected(&x, off);
    } else if (c->mstate && multi_queue(&x, cmd)) {
        cmd = NULL; /* +QUEUED: it runs at EXEC */
    }
    if (cmd) {
        c->last_cmd = cmd->name;
        uint64_t seq0 = e->seq;
        cmd->fn(&x);
        if (e->yielded) { /* not run after all: the engine thread runs it */
            e->out->data.len = off;
            pubsub_drop(e->pubsub); /* (it publishes again when it runs) */
            return;
        }
        /* (a race with a WAL failure: its reply, and any read after it of
         * what it changed, must not go out; cron's expiry deletes need no
         * such care, nothing answers them) */
        if (unit_commit(e, x.now_ms) != 0) e->unlogged = 1;
        if (e->seq != seq0) c->last_lsn = wrote = e->seq;
        e->mono_now_us = sb_mono_us();
        command_done(e, &x, e->mono_now_us - t0);
    }
    if (e->out != ob) off = 0; /* a long script flushed replies meanwhile */
    if (e->out->data.len > off && e->out->data.data[off] == '-') {
        e->stats.error_replies++;
        /* (cmd NULL: refused before it ran, or queued by MULTI) */
        eng_cmdstats_error(e->cmdstats, cmd ? cmd : x.cmd, cmd != NULL,
                           e->out->data.data + off, e->out->data.len - off);
    }
    /* Redis's hard output limit, checked as replies are made: a client that
     * pipelined many big reads is cut off here, before the engine builds
     * gigabytes the I/O thread would only discard (it enforces the limit
     * again on what is waiting to be written) */
    long long hard = e->o.limits ? e->o.limits->obuf_hard : 0;
    if (hard > 0) {
        if (c->out_gen != e->out_gen) {
            c->out_gen = e->out_gen;
            c->out_bytes = 0;
        }
        c->out_bytes += e->out->data.len - off;
        if ((long long)c->out_bytes > hard && !(c->flags & ENG_CLIENT_KILLED)) {
            c->flags |= ENG_CLIENT_KILLED; /* its further commands are skipped */
            x.out_flags |= ENG_OUT_OBUF;  /* the I/O thread closes, counts and logs it */
        }
    }
    if (c->flags & (ENG_CLIENT_REPLY_OFF | ENG_CLIENT_REPLY_SKIP | ENG_CLIENT_REPLY_SKIP_NEXT)) {
        /* CLIENT REPLY, as Redis's resetClient: the reply goes nowhere (the
         * span stays: it is how the I/O thread counts the request
         * answered); SKIP lasts one command, SKIP_NEXT starts it */
        if (c->flags & (ENG_CLIENT_REPLY_OFF | ENG_CLIENT_REPLY_SKIP)) e->out->data.len = off;
        c->flags &= ~(unsigned)ENG_CLIENT_REPLY_SKIP;
        if (c->flags & ENG_CLIENT_REPLY_SKIP_NEXT) {
            c->flags &= ~(unsigned)ENG_CLIENT_REPLY_SKIP_NEXT;
            c->flags |= ENG_CLIENT_REPLY_SKIP;
        }
    }
    /* (had_ps: RESET frees c->ps, and the I/O thread must hear of it) */
    if (c->ps || had_ps) x.out_flags |= pubsub_count(c) ? ENG_OUT_PUBSUB : ENG_OUT_NOPUBSUB;
    out_span(e->out, c, off, 1, x.out_flags, wrote > x.span_lsn ? wrote : x.span_lsn);
    /* after the publisher's reply; not while a long script that published
     * waits in a busy poll: its messages go with its own reply's batch */
    if (!e->busy_script) pubsub_flush(e->pubsub, &e->out->data, push_span, e->out);
}

static void sync_clock(eng_engine *e) {
    e->mono_base_us = e->mono_now_us = sb_mono_us();
    e->real_base_ms = sb_wall_ms();
}

static void run_msg(eng_engine *e, char *p) {
    msg_hdr h;
    memcpy(&h, p, sizeof(h));
    size_t *lens = (size_t *)(p + sizeof(h));
    char *d = (char *)(lens + h.argc);
    if (h.argc > e->argv_cap) {
        e->argv_cap = h.argc + 16;
        e->argv = realloc(e->argv, e->argv_cap * sizeof(eng_arg));
        if (!e->argv) abort();
    }
    for (uint32_t i = 0; i < h.argc; i++) {
        e->argv[i] = (eng_arg){d, lens[i]};
        d += lens[i] + 1;
    }
    switch (h.kind) {
    case ENG_MSG_OPEN:
        client_register(e, h.c);
        break;
    case ENG_MSG_CMD:
        exec_command(e, h.c, (int)h.argc);
        break;
    case ENG_MSG_PROTOERR: {
        size_t off = e->out->data.len;
        resp_add_error(&e->out->data, e->argv[0].p, e->argv[0].n);
        h.c->flags |= ENG_CLIENT_KILLED;
        out_span(e->out, h.c, off, 0, ENG_OUT_CLOSE, 0);
        break;
    }
    case ENG_MSG_CLOSE:
        client_unregister(e, h.c);
        out_span(e->out, h.c, e->out->data.len, 0, ENG_OUT_RELEASE, 0);
        break;
    }
}

/* Commands are run in windows of up to PF_WINDOW, and their keys are
 * looked up ahead in stages with prefetches -- bucket slots two windows
 * ahead, first entries one window ahead, values just before -- so that
 * their cache misses overlap each other and the work of the windows in
 * between: the keyspace is far bigger than the caches, and each key
 * otherwise costs two or three misses in a row. (Staging a window's keys
 * back to back, as first done, left each stage waiting for the misses of
 * the one before: at SET -P 16 under appendfsync always, 12% of the
 * server's CPU time was spent in those waits.) A command's key is argv[1]
 * for almost every command; the multi-key commands whose look-ups
 * dominate their cost are known by name (pf_key_args), among them FCALL
 * and EVALSHA, whose keys follow numkeys. Hints only: a stage reads the
 * table as it is when it runs (the windows before may have changed it),
 * and SELECT inside the batch or a command whose key is elsewhere just
 * makes a useless prefetch. */
#define PF_WINDOW 16
#define PF_KEYS 48              /* keys prefetched per window at most */
#define PF_DEPTH 4              /* windows in the pipeline */

typedef struct pf_key {
    int db;
    const char *key;
    size_t klen;
    uint64_t h;
} pf_key;

typedef struct pf_win {
    char *msgs[PF_WINDOW];
    int n, nk;
    pf_key k[PF_KEYS];
} pf_win;

static int name_is(const char *a, size_t n, const char *lit) {
    return strlen(lit) == n && strncasecmp(a, lit, n) == 0;
}

/* The arguments of a message that are keys: first..last, every step-th
 * (none when first > last). a is argv[0], followed by the others, each
 * NUL-terminated. */
static void pf_key_args(const char *a, const size_t *lens, int argc, int *first, int *last,
                        int *step) {
    size_t n = lens[0];
    *first = *last = *step = 1;
    switch (a[0] | 0x20) {
    case 'd': case 'e': case 'f': case 'm': case 'u': break;
    default: return; /* the common case: argv[1] */
    }
    if (name_is(a, n, "mget") || name_is(a, n, "del") || name_is(a, n, "exists") ||
        name_is(a, n, "unlink")) {
        *last = argc - 1;
    } else if (name_is(a, n, "mset") || name_is(a, n, "msetnx")) {
        *last = argc - 1;
        *step = 2;
    } else if (name_is(a, n, "fcall") || name_is(a, n, "fcall_ro") || name_is(a, n, "evalsha") ||
               name_is(a, n, "evalsha_ro") || name_is(a, n, "eval") || name_is(a, n, "eval_ro")) {
        long long nk;
        *first = 3;
        *last = 0;
        if (argc > 3 && eng_parse_ll(a + n + 1 + lens[1] + 1, lens[2], &nk) == 0 && nk > 0 &&
            nk <= argc - 3)
            *last = 2 + (int)nk;
    }
}

/* Takes the next window of messages from *p and hashes its keys,
 * prefetching their bucket slots (stage 0). */
static void pf_take(eng_engine *e, char **p, char *end, pf_win *w) {
    w->n = w->nk = 0;
    while (*p < end && w->n < PF_WINDOW) {
        msg_hdr h;
        memcpy(&h, *p, sizeof(h));
        w->msgs[w->n++] = *p;
        *p += h.total;
    }
    if (e->busy_script) return;
    for (int i = 0; i < w->n && w->nk < PF_KEYS; i++) {
        msg_hdr h;
        memcpy(&h, w->msgs[i], sizeof(h));
        if (h.kind != ENG_MSG_CMD || h.argc < 2 || h.c->db < 0 ||
            h.c->db >= e->o.databases)
            continue;
        size_t *lens = (size_t *)(w->msgs[i] + sizeof(h));
        const char *a = (const char *)(lens + h.argc);
        int first, last, step;
        pf_key_args(a, lens, (int)h.argc, &first, &last, &step);
        kv_table *t = eng_ks_db(e->ks, h.c->db);
        for (int j = 0; j <= last && w->nk < PF_KEYS; j++) {
            if (j >= first && (j - first) % step == 0) {
                pf_key *pk = &w->k[w->nk++];
                pk->db = h.c->db;
                pk->key = a;
                pk->klen = lens[j];
                pk->h = kv_hash(t, a, lens[j]);
                kv_prefetch(t, pk->h, a, lens[j], 0);
            }
            a += lens[j] + 1;
        }
    }
}

/* Stage 1 (first entries) or 2 (values) for the keys of w, on the tables
 * as they are now (by db index: FLUSHALL and SWAPDB replace tables). */
static void pf_stage(eng_engine *e, const pf_win *w, int stage) {
    if (e->busy_script) return;
    for (int i = 0; i < w->nk; i++) {
        const pf_key *k = &w->k[i];
        kv_prefetch(eng_ks_db(e->ks, k->db), k->h, k->key, k->klen, stage);
    }
}

/* Run the messages of b. During a busy poll the messages of the client
 * whose script runs (commands, its disconnection) are set aside, in order,
 * to run after everything taken before them (drain_inbox). Returns NULL,
 * or in an inline run, the message whose script yielded (not run). */
static char *process_batch(eng_engine *e, eng_inbatch *b) {
    char *p = b->buf.data, *end = b->buf.data + b->buf.len;
    pf_win win[PF_DEPTH];
    sync_clock(e);
    for (int j = 0; j < PF_DEPTH - 1; j++) pf_take(e, &p, end, &win[j]);
    if (win[1].n == 0 && win[0].nk < 2) win[0].nk = 0; /* nothing to overlap */
    pf_stage(e, &win[0], 1);
    pf_stage(e, &win[1], 1);
    pf_stage(e, &win[0], 2);
    for (unsigned k = 0; win[k % PF_DEPTH].n; k++) {
        pf_win *w = &win[k % PF_DEPTH];
        pf_take(e, &p, end, &win[(k + 3) % PF_DEPTH]); /* (empty at the end) */
        pf_stage(e, &win[(k + 2) % PF_DEPTH], 1);
        pf_stage(e, &win[(k + 1) % PF_DEPTH], 2);
        for (int i = 0; i < w->n; i++) {
            msg_hdr h;
            memcpy(&h, w->msgs[i], sizeof(h));
            if (e->busy_script && h.c == e->busy_client) {
                if (!e->deferred) e->deferred = eng_inbatch_get(e);
                resp_buf_append(&e->deferred->buf, w->msgs[i], h.total);
                e->deferred->count++;
                continue;
            }
            run_msg(e, w->msgs[i]);
            if (e->yielded) return w->msgs[i];
        }
    }
    return NULL;
}

static void flush_out(eng_engine *e) {
    e->out_gen++;
    if (e->out->nspans == 0) {
        e->unlogged = 0;
        /* nothing to answer, but staged records must still reach the log */
        if (e->hook) e->o.release(e->o.release_ud, NULL);
        return;
    }
    /* unlogged: like a change that never became durable -- the wake-up's
     * replies are dropped and their connections closed (wal.c) */
    e->out->need_seq = e->unlogged ? UINT64_MAX : e->seq;
    e->unlogged = 0;
    e->out->need_fsync_seq = e->need_fsync;
    e->need_fsync = 0;
    eng_outbatch *b = e->out;
    e->out = outbatch_new(e);
    e->o.release(e->o.release_ud, b);
}

/* Bytes the allocator has handed out (the sanitizer allocator replaces
 * glibc's in the ASan build, and glibc's statistics then read 0). */
#ifdef SB_ASAN
/* provided by the sanitizer runtime (gcc ships no header for it) */
size_t __sanitizer_get_current_allocated_bytes(void);
long long eng_heap_in_use(void) { return (long long)__sanitizer_get_current_allocated_bytes(); }
long long eng_heap_held(long long *in_use) {
    *in_use = eng_heap_in_use();
    return *in_use;
}
#else
long long eng_heap_in_use(void) {
    struct mallinfo2 mi = mallinfo2();
    return (long long)(mi.uordblks + mi.hblkhd);
}
long long eng_heap_held(long long *in_use) {
    struct mallinfo2 mi = mallinfo2(); /* (one walk of the free chunks for both) */
    *in_use = (long long)(mi.uordblks + mi.hblkhd);
    return (long long)(mi.arena + mi.hblkhd);
}
#endif
#define heap_in_use eng_heap_in_use

static void run_cron(eng_engine *e) {
    eng_ctx x = {0};
    x.eng = e;
    x.out = &e->out->data;
    x.now_ms = sb_wall_ms();
    e->unit_reserve = 0;
    if (!e->o.limits || e->o.limits->active_expire)
        eng_active_expire(&x, 1000);
    unit_commit(e, x.now_ms);
    for (int i = 0; i < e->o.databases; i++)
        kv_rehash_step(eng_ks_db(e->ks, i), 100);
    /* maxmemory is checked against this: mallinfo2 is too slow to call
     * per command, and 100 ms of growth is the tolerance. It walks every
     * free chunk (about 1 ms under a SET load), so not at all while
     * maxmemory is off: INFO measures for itself. */
    e->used_memory = e->o.limits && e->o.limits->maxmemory > 0 ? heap_in_use() : -1;
    if (e->o.tick) e->o.tick(e->o.tick_ud);
    flush_out(e);
}

/* Measured at once when maxmemory was just switched on (-1: not yet). */
long long eng_used_memory(eng_engine *e) {
    if (e->used_memory < 0) e->used_memory = heap_in_use();
    return e->used_memory;
}

#define CRON_US 100000 /* the engine's cron runs every 100 ms (hz 10) */

/* The engine thread: wait for batches (or the next cron tick), run them,
 * hand back the replies. A condition variable rather than an event loop:
 * the engine has no sockets, and a futex wake is the cheapest hand-over. */
/* Take and run whatever the I/O thread queued; used by the main loop and,
 * during recovery, by eng_loading_poll (commands then get -LOADING). */
static int drain_inbox(eng_engine *e) {
    /* before taking the list: the hook may itself answer what is queued
     * (a reload polls), and taking first would run older batches after
     * newer ones. It is a cheap check when there is nothing to do. */
    if (e->o.before_batch) e->o.before_batch(e->o.background_ud, e);
    uv_mutex_lock(&e->mu);
    eng_inbatch *list = e->in_head;
    e->in_head = e->in_tail = NULL;
    atomic_store_explicit(&e->has_in, 0, memory_order_relaxed);
    uv_mutex_unlock(&e->mu);
    int any = list != NULL;
    while (list) {
        eng_inbatch *next = list->next;
        process_batch(e, list);
        e->stats.batches++;
        inbatch_recycle(e, list);
        list = next;
    }
    while (e->deferred) { /* a long script's client's messages, after it */
        eng_inbatch *b = e->deferred;
        e->deferred = NULL;
        process_batch(e, b);
        inbatch_recycle(e, b);
    }
    flush_out(e);
    return any;
}

void eng_loading_poll(eng_engine *e) { drain_inbox(e); }

void eng_exec_internal(eng_engine *e, int argc, eng_arg *argv, resp_buf *out) {
    eng_ctx x = {0};
    x.eng = e;
    x.c = &e->replay_client;
    x.argc = argc;
    x.argv = argv;
    x.out = out;
    x.proto = RESP2;
    x.now_ms = sb_wall_ms();
    e->replay_client.db = 0;
    const eng_cmd *parent;
    const eng_cmd *cmd = lookup_sub(e, argc, argv, &parent);
    if (!cmd || !cmd->fn || !arity_ok(cmd, argc)) {
        resp_add_error(out, "ERR internal command not found", 30);
        return;
    }
    x.cmd = cmd;
    cmd->fn(&x);
    unit_commit(e, x.now_ms);
}

void eng_busy_poll(eng_ctx *x, int is_function) {
    eng_engine *e = x->eng;
    if (x->replaying || e->busy_script) return;
    /* what ran before the script goes out first, then the -BUSY replies,
     * then (later) the script's own reply: each client's order holds */
    flush_out(e);
    /* other clients' commands need their own argv scratch: the script's
     * command still points into this one */
    eng_arg *saved_argv = e->argv;
    size_t saved_cap = e->argv_cap;
    e->argv_cap = 16;
    e->argv = malloc(e->argv_cap * sizeof(eng_arg));
    if (!e->argv) abort();
    /* the script's changes so far are not a unit of the commands run now:
     * keep them out of the way (they commit or roll back with the script) */
    resp_buf saved_unit = e->unit;
    uint32_t saved_n = e->unit_n;
    resp_buf_init(&e->unit);
    e->unit_n = 0;
    e->busy_script = is_function ? 2 : 1;
    e->busy_client = x->c;
    uint64_t run = multi_script_pause(e);
    uv_mutex_lock(&e->mu);
    eng_inbatch *list = e->in_head;
    e->in_head = e->in_tail = NULL;
    atomic_store_explicit(&e->has_in, 0, memory_order_relaxed);
    uv_mutex_unlock(&e->mu);
    while (list) {
        eng_inbatch *next = list->next;
        process_batch(e, list);
        e->stats.batches++;
        inbatch_recycle(e, list);
        list = next;
    }
    flush_out(e);
    resp_buf_free(&e->unit);
    e->unit = saved_unit;
    e->unit_n = saved_n;
    free(e->argv);
    e->argv = saved_argv;
    e->argv_cap = saved_cap;
    multi_script_resume(e, run);
    e->busy_script = 0;
    e->busy_client = NULL;
    x->out = &e->out->data; /* the script replies into the current batch */
}

void eng_require_fsync(eng_ctx *x, uint64_t lsn) {
    if (lsn > x->eng->need_fsync) x->eng->need_fsync = lsn;
}

void eng_set_loading(eng_engine *e, int on) {
    e->loading.loading = on;
    if (on) {
        e->loading.start_ms = sb_wall_ms();
        e->loading.total_bytes = e->loading.done_bytes = 0;
        e->loading.records = e->loading.entries = 0;
    }
}

eng_loading_info *eng_loading(eng_engine *e) { return &e->loading; }

/* ------------------------------------------------ running on the I/O thread
 *
 * Why: with one command per client round trip (-P 1), a batch is one or
 * two commands that take a microsecond or two to run, while handing them
 * to the sleeping engine thread and the replies back costs a futex wake-up
 * one way and an eventfd wake-up the other, each more than the commands
 * themselves (at -c 1 more than half of all server CPU). So when the
 * engine thread is idle and a batch is small and made only of quick
 * commands, the I/O thread runs it itself, exactly as the engine thread
 * would (same replies, same release path, same change records); big
 * batches still go to the engine thread, where running them overlaps with
 * the I/O thread's reading and writing.
 *
 * Scripts (FCALL, EVALSHA) are quick as a rule, but nothing bounds them,
 * and the I/O thread must not stall: a -BUSY reply or a SCRIPT KILL could
 * not even be read. So a script there has a deadline, and one that would
 * pass it (or do what cannot be taken back) yields: rolled back like a
 * failed script, with no reply, it and the rest of the batch go to the
 * engine thread, which runs it from the start. Rollback is what makes
 * this cheap: a run that is thrown away leaves nothing to undo by hand.
 *
 * The engine is held by one thread at a time: owner is OWNER_ENGINE while
 * the engine thread works (from creation: recovery runs first), OWNER_NONE
 * while it waits for input, OWNER_IO while the I/O thread runs a batch.
 * The engine thread takes it back (waiting for an inline batch to finish)
 * before it takes the inbox, and the I/O thread, once it holds it, runs a
 * batch only if the inbox is empty -- everything submitted before has run:
 * order holds. While the engine thread waits to take it, no inline run
 * begins once it has seen that (engine_take): the batch goes to the
 * inbox. Small means few messages AND few bytes: a big value is a copy
 * the engine thread should make, not the network's thread. */
enum { OWNER_NONE, OWNER_ENGINE, OWNER_IO };

static void engine_take(eng_engine *e) {
    /* While it waits, no inline run begins (eng_run_inline; one that
     * began just before it set wants lets go as usual): under a
     * stream of round-tripping clients the I/O thread holds the engine
     * for most of each loop iteration (a batch and, under appendfsync
     * always, its fsync) and let go only for a moment; yielding in a loop
     * until one of those moments came burnt 1.5 us of CPU per request at
     * -c 50 -P 1 (7 ms per cron tick), a tenth of the server's. So: a
     * few yields (an inline batch alone is a few microseconds), then
     * sleep until the running batch lets go (the 1 ms bound is a
     * safety net only). */
    atomic_store(&e->wants, 1);
    for (int i = 0;; i++) {
        int none = OWNER_NONE;
        if (atomic_compare_exchange_strong(&e->owner, &none, OWNER_ENGINE)) break;
        if (i < 8) {
            sched_yield();
            continue;
        }
        uv_mutex_lock(&e->mu);
        if (atomic_load(&e->owner) != OWNER_NONE)
            uv_cond_timedwait(&e->take_cond, &e->mu, 1000 * 1000);
        uv_mutex_unlock(&e->mu);
    }
    atomic_store_explicit(&e->wants, 0, memory_order_relaxed);
}

/* An inline run lets go of the engine, and wakes the engine thread if it
 * waits for it (engine_take: it set wants before it looked at owner, and
 * this thread looks at wants after it stored owner, all sequentially
 * consistent, so one of them sees the other). */
static void inline_let_go(eng_engine *e) {
    atomic_store(&e->owner, OWNER_NONE);
    if (atomic_load(&e->wants)) {
        uv_mutex_lock(&e->mu);
        uv_cond_signal(&e->take_cond);
        uv_mutex_unlock(&e->mu);
    }
}

/* Commands cheap enough to run on the I/O thread: Redis's @fast ones,
 * except those that manage the connection or transactions (NOSCRIPT) or
 * the server, and ours (CMD_INLINE): the plain string writers, whose cost
 * is their arguments' size, like reading them was, and FCALL and EVALSHA,
 * which yield past a deadline (eng_inline_yield). */
static int inline_ok(eng_engine *e, const char *p) {
    msg_hdr h;
    memcpy(&h, p, sizeof(h));
    if (h.kind != ENG_MSG_CMD) return 1;
    if (h.argc == 0 || h.argc > ENG_INLINE_ARGC) return 0;
    const size_t *lens = (const size_t *)(p + sizeof(h));
    const char *a = (const char *)(lens + h.argc);
    const eng_cmd *cmd = e->o.lookup(a, lens[0]);
    if (!cmd || cmd->subcmds) return 0;
    if (cmd->flags & CMD_INLINE) return 1;
    return (cmd->flags & CMD_FAST) && !(cmd->flags & (CMD_ADMIN | CMD_NOSCRIPT));
}

/* (from the batch's start, which process_batch's sync_clock read: no
 * second clock read per inline batch) */
int64_t eng_inline_deadline(const eng_engine *e) {
    return e->inline_run ? e->mono_base_us + ENG_INLINE_SCRIPT_US : 0;
}

void eng_inline_yield(eng_engine *e) {
    if (e->inline_run) e->yielded = 1;
}

int eng_run_inline(eng_engine *e, eng_inbatch *b) {
    long long max = e->o.limits ? e->o.limits->inline_max : ENG_INLINE_DEFAULT;
    if (b->count == 0 || (long long)b->count > max || b->buf.len > ENG_INLINE_BYTES ||
        atomic_load_explicit(&e->has_in, memory_order_relaxed) || atomic_load(&e->wants))
        return 0;
    for (char *p = b->buf.data, *end = p + b->buf.len; p < end;) {
        msg_hdr h;
        memcpy(&h, p, sizeof(h));
        if (!inline_ok(e, p)) return 0;
        p += h.total;
    }
    int none = OWNER_NONE;
    if (!atomic_compare_exchange_strong_explicit(&e->owner, &none, OWNER_IO,
                                                 memory_order_acquire, memory_order_relaxed))
        return 0;
    /* Everything submitted before must have run: an empty inbox says so
     * (only this thread fills it; the engine thread empties it only while
     * holding the engine, and finishes what it took before letting go).
     * While writes are refused (a failed WAL, a full disk) batches go to
     * the engine thread: its before_batch hook rebuilds the durable state
     * first, work that must not stall the network. */
    if (atomic_load_explicit(&e->has_in, memory_order_acquire) ||
        (e->o.write_refused && e->o.write_refused(e->o.write_refused_ud))) {
        inline_let_go(e);
        return 0;
    }
    e->inline_run = 1;
    char *rest = process_batch(e, b);
    e->inline_run = 0;
    e->yielded = 0;
    e->stats.batches++;
    e->stats.inline_batches++;
    if (rest) e->stats.inline_yields++;
    flush_out(e);
    inline_let_go(e);
    if (rest) {
        /* the yielded script and what came after it, for the engine
         * thread: the caller submits b, and only it submits, so nothing
         * can get in between */
        size_t left = (size_t)(b->buf.data + b->buf.len - rest);
        memmove(b->buf.data, rest, left);
        b->buf.len = left;
        b->count = 0;
        for (char *p = b->buf.data, *end = p + left; p < end; b->count++) {
            msg_hdr h;
            memcpy(&h, p, sizeof(h));
            p += h.total;
        }
        return 0;
    }
    b->buf.len = 0;
    b->count = 0;
    return 1;
}

static int has_input(void *ud) {
    eng_engine *e = ud;
    return atomic_load_explicit(&e->has_in, memory_order_acquire);
}

static void engine_main(void *arg) {
    eng_engine *e = arg;
    pthread_setname_np(pthread_self(), "sb-engine"); /* for ps, top, tests */
#ifdef SCHED_BATCH
    /* Woken engine threads must not preempt the I/O thread in the middle of
     * its loop (on a busy 2-core machine they share a core): it would cut
     * batches short and double the context switches. SCHED_BATCH turns off
     * wake-up preemption for this thread only. */
    struct sched_param sp = {0};
    pthread_setschedparam(pthread_self(), SCHED_BATCH, &sp);
#endif
    if (e->o.startup) e->o.startup(e->o.startup_ud, e);
    int64_t next_cron = sb_mono_us() + CRON_US;
    /* owner is OWNER_ENGINE from eng_create: nothing runs inline before
     * recovery is over */
    sb_spin spin;
    sb_spin_init(&spin, e->o.limits ? &e->o.limits->busy_poll_us : NULL);
    for (;;) {
        /* poll a little before sleeping: the next batch is often a few
         * microseconds away, and a futex wake-up costs more (spin.h) */
        int waiting = !e->busy;
        int64_t t0 = waiting ? sb_spin_now() : 0;
        if (waiting) {
            atomic_store_explicit(&e->owner, OWNER_NONE, memory_order_release);
            sb_spin_wait(&spin, has_input, e);
        }
        uv_mutex_lock(&e->mu);
        while (!e->in_head && !e->stopping && !e->busy) {
            int64_t wait = next_cron - sb_mono_us();
            if (wait <= 0) break;
            e->sleeping = 1;
            uv_cond_timedwait(&e->cond, &e->mu, (uint64_t)wait * 1000);
            e->sleeping = 0;
        }
        int stopping = e->stopping;
        uv_mutex_unlock(&e->mu);
        if (waiting) {
            sb_spin_note(&spin, sb_spin_now() - t0);
            engine_take(e);
        }

        drain_inbox(e);
        e->busy = e->o.background && e->o.background(e->o.background_ud, e);
        if (sb_mono_us() >= next_cron) {
            run_cron(e);
            next_cron = sb_mono_us() + CRON_US;
            /* a checkpoint the cron began walks from now on, not at the
             * next batch (with batches running inline, that may be never) */
            if (!e->busy && e->o.background)
                e->busy = e->o.background(e->o.background_ud, e);
        }
        if (stopping) {
            uv_mutex_lock(&e->mu);
            int more = e->in_head != NULL;
            uv_mutex_unlock(&e->mu);
            if (!more) break;
        }
    }
    if (e->o.stopping) e->o.stopping(e->o.background_ud, e);
    flush_out(e);
    /* the I/O layer frees the connections; drop our state */
    while (e->clients) client_unregister(e, e->clients);
}

/* ------------------------------------------------------------ lifecycle */

eng_engine *eng_create(const eng_options *opts) {
    eng_engine *e = calloc(1, sizeof(*e));
    if (!e) return NULL;
    e->o = *opts;
    if (e->o.databases < 1) e->o.databases = 16;
    e->ks = eng_ks_create(e->o.databases);
    e->slowlog = eng_slowlog_create();
    e->cmdstats = eng_cmdstats_new();
    e->out = outbatch_alloc();
    e->start_ms = sb_wall_ms();
    e->used_memory = -1;
    e->replay_client.authenticated = 1;
    e->replay_client.proto = RESP2;
    snprintf(e->replay_client.addr, sizeof(e->replay_client.addr), "replay");
    resp_buf_init(&e->unit);
    e->argv_cap = 64;
    e->argv = malloc(e->argv_cap * sizeof(eng_arg));
    if (!e->ks || !e->slowlog || !e->argv) abort();
    e->rng = (uint64_t)sb_mono_us() ^ ((uint64_t)sb_wall_ms() << 20) ^ (uint64_t)(uintptr_t)e;
    e->scripts = scr_create(e);
    e->watch = multi_index_create(e->o.databases);
    e->pubsub = pubsub_create();
    uv_mutex_init(&e->mu);
    uv_cond_init(&e->cond);
    uv_cond_init(&e->take_cond);
    atomic_init(&e->owner, OWNER_ENGINE);
    atomic_init(&e->wants, 0);
    return e;
}

int eng_start(eng_engine *e) {
    return uv_thread_create(&e->thread, engine_main, e);
}

void eng_submit(eng_engine *e, eng_inbatch *b) {
    b->next = NULL;
    uv_mutex_lock(&e->mu);
    if (e->in_tail) e->in_tail->next = b;
    else e->in_head = b;
    e->in_tail = b;
    atomic_store_explicit(&e->has_in, 1, memory_order_release);
    if (e->sleeping) uv_cond_signal(&e->cond);
    uv_mutex_unlock(&e->mu);
}

void eng_stop(eng_engine *e) {
    uv_mutex_lock(&e->mu);
    e->stopping = 1;
    uv_cond_signal(&e->cond);
    uv_mutex_unlock(&e->mu);
    uv_thread_join(&e->thread);
}

void eng_destroy(eng_engine *e) {
    if (!e) return;
    uv_cond_destroy(&e->cond);
    uv_cond_destroy(&e->take_cond);
    uv_mutex_destroy(&e->mu);
    scr_destroy(e->scripts); /* before the keyspace: it may hold undo state */
    multi_index_destroy(e->watch);
    pubsub_destroy(e->pubsub);
    eng_ks_destroy(e->ks);
    eng_slowlog_destroy(e->slowlog);
    eng_cmdstats_free(e->cmdstats);
    eng_outbatch_free(e->out);
    resp_buf_free(&e->unit);
    eng_outbatch_free(atomic_exchange(&e->spare_out, NULL));
    eng_inbatch_free(atomic_exchange(&e->spare_in, NULL));
    free(e->argv);
    free(e);
}
