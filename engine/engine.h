/* engine.h -- the single-writer engine: the thread that owns the keyspace.
 *
 * Owns: the databases (kv tables), the engine-side state of every client
 * (selected db, protocol, name), the engine thread and its event loop, the
 * inbox of command batches and the change-record path.
 *
 * Threads:
 *  - eng_create / eng_start / eng_stop / eng_destroy: the main thread.
 *  - eng_submit, eng_batch_*: any thread (the I/O thread in practice); the
 *    inbox is a mutex-protected list, one wake-up per submitted batch.
 *  - eng_run_inline: the I/O thread, which then holds the engine.
 *  - Everything reached from a command handler (eng_ctx and the eng_db_*
 *    functions of keyspace.h) runs ONLY while holding the engine: on the
 *    engine thread, or on the I/O thread inside eng_run_inline while the
 *    engine thread waits for input. One thread at a time, handed over
 *    with acquire/release, so "engine thread" below means whichever of
 *    the two holds the engine.
 *
 * Promises:
 *  - Commands are executed in submission order, so each connection's order
 *    is preserved; one batch from the I/O thread is one wake-up, or none
 *    when it runs inline.
 *  - Every change to the keyspace goes through eng_emit(), in deterministic
 *    form (absolute expiry times, resulting values). That is the one hook
 *    the write-ahead log consumes.
 *  - Replies are produced into an eng_outbatch tagged with the change
 *    sequence number it depends on (need_seq). The batch is handed to the
 *    release function given at creation, which may hold it until that
 *    sequence is durable; batches are released in order.
 */
#ifndef ENGINE_H
#define ENGINE_H

#include <stddef.h>
#include <stdint.h>
#include "resp.h"

/* The Redis version we answer as (INFO redis_version, HELLO version): the
 * one whose command semantics we follow. */
#define ENG_REDIS_COMPAT_VERSION "7.0.15"

typedef struct eng_engine eng_engine;
typedef struct eng_keyspace eng_keyspace;

/* ------------------------------------------------------------- clients */

#define ENG_CLIENT_KILLED   (1u << 0) /* CLIENT KILL / QUIT: ignore the rest */
#define ENG_CLIENT_NO_EVICT (1u << 1)
#define ENG_CLIENT_NO_TOUCH (1u << 2)
/* CLIENT REPLY OFF / SKIP: the replies of this client's commands are
 * dropped (SKIP_NEXT becomes SKIP for the next command only) */
#define ENG_CLIENT_REPLY_OFF  (1u << 3)
#define ENG_CLIENT_REPLY_SKIP (1u << 4)
#define ENG_CLIENT_REPLY_SKIP_NEXT (1u << 5)

/* Engine-side state of one connection. The I/O layer embeds it in its own
 * connection object; the id and addresses are set before the OPEN message
 * and never change. All other fields belong to the engine thread. */
typedef struct eng_client {
    uint64_t id;
    char addr[64];   /* "ip:port" of the peer */
    char laddr[64];  /* "ip:port" of our side */
    int fd;
    int64_t ctime_ms;

    /* engine thread only */
    int db;
    int proto;                   /* RESP2 or RESP3 */
    unsigned flags;
    int authenticated;
    uint64_t last_lsn;           /* LSN of this client's last write */
    uint64_t out_gen;            /* the reply batch out_bytes counts in */
    size_t out_bytes;            /* reply bytes made for it in that batch */
    char *name, *lib_name, *lib_ver;
    int64_t last_ms;             /* last command time */
    const char *last_cmd;        /* name from the command table, or NULL */
    struct multi_state *mstate;  /* MULTI / WATCH state (multi.c), NULL until used */
    struct ps_client *ps;        /* its subscriptions (pubsub.c), NULL until used */
    struct eng_client *prev, *next; /* engine registry */
} eng_client;

/* ---------------------------------------------------- batches (in/out) */

enum eng_msg_kind {
    ENG_MSG_OPEN = 1,   /* connection accepted: register the client */
    ENG_MSG_CMD = 2,    /* a command: argc args follow */
    ENG_MSG_PROTOERR = 3, /* protocol error: one arg, the text; reply+close */
    ENG_MSG_CLOSE = 4   /* connection gone: unregister, then release it */
};

/* A batch of messages from the I/O thread, serialized in one buffer so a
 * batch of thousands of pipelined commands is one allocation. */
typedef struct eng_inbatch {
    struct eng_inbatch *next;
    resp_buf buf;
    size_t count;
} eng_inbatch;

eng_inbatch *eng_inbatch_new(void);
void eng_inbatch_free(eng_inbatch *b);
void eng_inbatch_add(eng_inbatch *b, eng_client *c, int kind, int argc,
                     char **argv, const size_t *argvlen);

/* Span flags of the output. */
#define ENG_OUT_CLOSE   (1u << 0) /* close the connection after these bytes */
#define ENG_OUT_RELEASE (1u << 1) /* engine is done with the client: free it */
#define ENG_OUT_OBUF    (1u << 2) /* over the output hard limit: close, drop the bytes */
#define ENG_OUT_PUBSUB  (1u << 3) /* it has subscriptions now: the pubsub output limits */
#define ENG_OUT_NOPUBSUB (1u << 4) /* it has none now: the normal client limits */

typedef struct eng_span {
    eng_client *c;
    size_t off, len;   /* bytes in the batch's data */
    uint32_t ncmds;    /* commands answered by these bytes */
    uint32_t flags;
    uint64_t lsn;      /* highest LSN written by these commands, 0 = none */
} eng_span;

/* Replies produced by one engine wake-up. */
typedef struct eng_outbatch {
    struct eng_outbatch *next;
    resp_buf data;
    eng_span *spans;
    size_t nspans, spans_cap;
    uint64_t need_seq; /* change sequence that must be durable first */
    uint64_t need_fsync_seq; /* fsynced first even in everysec/no (WAITAOF) */
} eng_outbatch;

void eng_outbatch_free(eng_outbatch *b);
/* Instead of freeing: hand a delivered batch (or get an empty one) back
 * for reuse, so a round trip allocates nothing. Any thread. */
void eng_outbatch_recycle(eng_engine *e, eng_outbatch *b);
eng_inbatch *eng_inbatch_get(eng_engine *e);

/* ------------------------------------------------------------ commands */

typedef struct eng_arg {
    const char *p; /* NUL-terminated */
    size_t n;
} eng_arg;

typedef struct eng_ctx {
    eng_engine *eng;
    eng_client *c;
    int argc;
    eng_arg *argv;
    resp_buf *out;
    int proto;
    const struct eng_cmd *cmd;
    int64_t now_ms;   /* command time: fixed for the whole command */
    uint32_t out_flags; /* ENG_OUT_* to put on this reply's span */
    int replaying;      /* re-executing a logged change: no limits, no log */
    uint64_t span_lsn;  /* the reply depends on this LSN (WAITAOF) */
    int64_t time_us;    /* TIME inside a script: fixed (0 = the clock) */
    int in_script;      /* issued by a script (redis.call) */
} eng_ctx;

typedef void eng_cmd_fn(eng_ctx *x);

/* Command flags (names as in Redis's COMMAND reply). */
#define CMD_WRITE      (1u << 0)
#define CMD_READONLY   (1u << 1)
#define CMD_DENYOOM    (1u << 2)
#define CMD_ADMIN      (1u << 3)
#define CMD_PUBSUB     (1u << 4)
#define CMD_NOSCRIPT   (1u << 5)
#define CMD_LOADING    (1u << 6)
#define CMD_STALE      (1u << 7)
#define CMD_FAST       (1u << 8)
#define CMD_NOAUTH     (1u << 9)
#define CMD_NO_MULTI   (1u << 10)
#define CMD_SKIP_SLOWLOG (1u << 11)
#define CMD_MAY_REPLICATE (1u << 12)
#define CMD_ALLOW_BUSY (1u << 13)
/* Ours, not Redis's (COMMAND does not show it): not @fast, but cheap and
 * bounded by its arguments, so it may run on the I/O thread
 * (eng_run_inline) like the @fast ones. On FCALL and EVALSHA: the script
 * runs there under a deadline and moves to the engine thread past it
 * (eng_inline_deadline). */
#define CMD_INLINE     (1u << 14)
/* Only what COMMAND reports (Redis's flags of the script commands, whose
 * keys are given by a numkeys argument): */
#define CMD_SKIP_MONITOR      (1u << 15)
#define CMD_NO_MANDATORY_KEYS (1u << 16)
#define CMD_MOVABLE_KEYS      (1u << 17)

typedef struct eng_subcmd eng_subcmd;

typedef struct eng_cmd {
    const char *name;     /* lower case */
    eng_cmd_fn *fn;
    int arity;            /* Redis convention: -N means >= N */
    uint32_t flags;
    int first_key, last_key, key_step; /* Redis's legacy key positions */
    const char *group;    /* "string", "generic", "connection", "server" */
    const char *summary;
    const char *since;
    const struct eng_cmd *subcmds; /* NULL-terminated array, or NULL */
} eng_cmd;

/* Tunables read by the engine at each command. The server's config module
 * owns the storage and updates it (CONFIG SET runs on the engine thread;
 * atomics because the I/O thread may read neighbouring values). */
typedef struct eng_limits {
    _Atomic long long max_key_length;       /* 0 = no limit */
    _Atomic long long max_value_length;     /* 0 = no limit */
    _Atomic long long max_keys_per_request; /* 0 = no limit */
    _Atomic long long slowlog_slower_than;  /* us; <0 disables */
    _Atomic long long slowlog_max_len;
    _Atomic long long active_expire;        /* DEBUG SET-ACTIVE-EXPIRE */
    _Atomic long long proto_max_bulk_len;   /* largest string value */
    _Atomic long long maxmemory;            /* 0 = no limit (noeviction) */
    _Atomic long long busy_reply_ms;        /* a script past this answers -BUSY */
    _Atomic long long lua_memory_limit;     /* bytes of the Lua state; 0 = none */
    _Atomic long long enable_debug;         /* DEBUG: 0 no, 1 yes, 2 local clients */
    _Atomic long long obuf_hard;            /* normal clients' output hard limit; 0 none */
    _Atomic long long busy_poll_us;         /* threads poll this long before sleeping */
    _Atomic long long inline_max;           /* eng_run_inline: commands per batch; 0 never */
    _Atomic long long latency_tracking;     /* INFO latencystats' histograms */
    _Atomic long long unit_max;             /* 0 = ENG_UNIT_MAX (tests lower it) */
} eng_limits;

/* Options given by the server at creation. */
typedef struct eng_options {
    int databases;
    /* command table lookup (case-insensitive); parent NULL for top level */
    const eng_cmd *(*lookup)(const char *name, size_t n);
    /* hand a batch of replies to the I/O layer (called on the engine
     * thread, in order); the receiver frees it */
    void (*release)(void *ud, eng_outbatch *b);
    void *release_ud;
    /* limits, read at each command; CONFIG SET changes them at run time */
    const eng_limits *limits;
    /* run first on the engine thread (recovery); may call
     * eng_set_release / eng_set_change_hook / eng_loading_poll */
    void (*startup)(void *ud, eng_engine *e);
    void *startup_ud;
    /* background work between batches (checkpoint walk); returns 1 while
     * it has more to do, so the engine does not sleep */
    int (*background)(void *ud, eng_engine *e);
    /* before each batch is run (reacts to a WAL failure first) */
    void (*before_batch)(void *ud, eng_engine *e);
    /* last thing on the engine thread before it exits (final checkpoint) */
    void (*stopping)(void *ud, eng_engine *e);
    void *background_ud;   /* for background and stopping */
    /* called from the engine's cron (every 100 ms) */
    void (*tick)(void *ud);
    void *tick_ud;
    /* non-NULL: why writes are refused now (e.g. the WAL failed) */
    const char *(*write_refused)(void *ud);
    void *write_refused_ud;
    /* requirepass: returns the password or NULL/"" (engine thread) */
    const char *(*requirepass)(void *ud);
    void *requirepass_ud;
} eng_options;

eng_engine *eng_create(const eng_options *opts);
int eng_start(eng_engine *e);          /* spawns the engine thread */
void eng_submit(eng_engine *e, eng_inbatch *b);
/* I/O thread, instead of eng_submit: runs b at once on the calling thread
 * when the engine thread is idle (waiting for input), b has at most
 * limits->inline_max messages in at most ENG_INLINE_BYTES, and its
 * commands are all quick ones (CMD_FAST or CMD_INLINE, at most
 * ENG_INLINE_ARGC arguments), while writes are not refused.
 * Returns 1 when it ran: b is emptied for reuse and its replies went to the
 * release function as usual; 0 when the caller must eng_submit it. That
 * may also follow a partial run: a script that did not finish within
 * ENG_INLINE_SCRIPT_US left no trace (eng_inline_yield), and b then holds
 * it and the messages after it, for the engine thread; the replies of
 * those before it went to the release function. */
int eng_run_inline(eng_engine *e, eng_inbatch *b);
#define ENG_INLINE_DEFAULT 1024
#define ENG_INLINE_ARGC 64
#define ENG_INLINE_BYTES (64 * 1024)  /* a batch bigger than this never runs inline */
#define ENG_INLINE_SCRIPT_US 500      /* scripts of an inline run: time for all */
/* Holder of the engine: while an inline run is in progress, the
 * monotonic time (sb_mono_us) by which its scripts must be done; 0 when
 * commands run on the engine thread. A script that cannot be done by then,
 * or that would do what the I/O thread must not (a command that is not
 * quick, a line in the server log), rolls back everything it did, writes
 * no reply and calls eng_inline_yield: the engine thread runs it again
 * from the start. */
int64_t eng_inline_deadline(const eng_engine *e);
void eng_inline_yield(eng_engine *e);
void eng_stop(eng_engine *e);          /* finishes queued work, joins */
void eng_destroy(eng_engine *e);

/* ---- the change-record path (engine thread) ---- */

/* Record one change to database db as a command vector in deterministic
 * form. Every write of every command goes through here exactly once per
 * change; a command that changes nothing does not call it. */
void eng_emit(eng_ctx *x, int db, int argc, const eng_arg *argv);
/* Convenience: eng_emit with C strings / eng_arg mixes. */
void eng_emitv(eng_ctx *x, int db, const char *fmt, ...);

/* The changes of one command (or one cron step) form a unit, the atomic
 * thing the WAL logs. Payload (little endian, see WAL_FORMAT.md):
 *   i64 time_ms | u32 nchanges | nchanges x (u32 db | u32 argc |
 *   argc x (u32 len | bytes)).
 * The hook returns -1 if the unit could not be logged. */
typedef int eng_change_hook(void *ud, uint64_t lsn, const void *payload, size_t len);
/* The largest unit a command (or a whole MULTI/EXEC) may make: a WAL
 * record frames its body with a 32-bit length (wal.h WAL_REC_MAX_BODY).
 * Before it runs, a command -- or the command that would bring a MULTI's
 * queue past this -- whose changes could take more is refused (see
 * eng_unit_bound), so nothing is changed that could not be logged.
 * eng_limits.unit_max lowers it (tests: DEBUG SET-UNIT-MAX). */
#define ENG_UNIT_MAX UINT64_C(0xFFFF0000)
/* An upper bound of the bytes the changes of argv (a command that has
 * been resolved to cmd) can take in a unit: every change copies at most
 * its command's arguments, with 64 bytes of framing per argument, and a
 * named key may be logged twice (its lazy expiry's DEL, then the change);
 * RESTORE adds the length its payload states, FUNCTION RESTORE eight
 * times its payload (a library's framing), EVALSHA the script's body,
 * FCALL its library's name (without lookup: as long as the longest string
 * can be). Changes it cannot foresee -- the DELs of keys
 * a command finds expired without naming them (SCAN, RANDOMKEY) and of
 * active expiry -- are made only while eng_unit_room says so (the key
 * stays, expired and invisible, for a later command). Should a
 * unit still outgrow a record, the WAL refuses it and fails (wal.c): a
 * safety net, not a path. Engine thread. */
uint64_t eng_unit_bound(eng_engine *e, const eng_cmd *cmd, int argc, const eng_arg *argv,
                        int lookup);
/* Room for bytes more in the running command's unit besides what
 * eng_unit_bound foresaw for it (EXEC: for its whole queue). */
int eng_unit_room(const eng_engine *e, size_t bytes);
void eng_set_change_hook(eng_engine *e, eng_change_hook *fn, void *ud);
/* Engine thread: replace the release function (the WAL interposes). */
void eng_set_release(eng_engine *e, void (*release)(void *, eng_outbatch *), void *ud);
/* Continue LSNs after recovery. */
void eng_set_lsn(eng_engine *e, uint64_t lsn);

/* Re-execute one logged unit (recovery, engine thread). Returns 0, or -1
 * with a message when the unit does not apply (divergence). */
int eng_replay_unit(eng_engine *e, uint64_t lsn, const void *payload, size_t len,
                    char *err, size_t errlen);

/* Decode a logged unit (the payload above) without running it: its time
 * into *time_ms, then fn for every change in order, with its db and its
 * arguments (pointers into payload, NOT NUL-terminated). fn returns
 * non-zero to stop. Returns 0, fn's non-zero value, or -1 when the payload
 * is malformed. Any thread; the replay and strongbox-check's dump both use
 * it, so there is one reader of the format. */
typedef int eng_unit_change_fn(void *ud, uint32_t db, uint32_t argc, const eng_arg *argv);
int eng_unit_decode(const void *payload, size_t len, int64_t *time_ms,
                    eng_unit_change_fn *fn, void *ud);

/* Loading state (recovery): while on, commands without CMD_LOADING get
 * -LOADING. eng_loading_poll answers what arrived meanwhile. */
void eng_set_loading(eng_engine *e, int on);
void eng_loading_poll(eng_engine *e);
typedef struct eng_loading_info {
    int loading;
    int64_t start_ms;
    uint64_t total_bytes, done_bytes; /* checkpoint (estimated) + WAL bytes */
    uint64_t records;                 /* WAL records replayed */
    uint64_t entries;                 /* checkpoint entries loaded */
} eng_loading_info;
eng_loading_info *eng_loading(eng_engine *e);

/* ---- scripts (engine thread) ---- */

/* A position in the unit of the running command, to roll back to (a
 * script that failed) or to read the changes made since (the effects
 * digest of a script). */
typedef struct eng_unit_mark {
    size_t len;
    uint32_t n;
} eng_unit_mark;
eng_unit_mark eng_unit_mark_get(eng_engine *e);
void eng_unit_rollback(eng_engine *e, eng_unit_mark m);
/* The encoded changes since m (see the unit payload above). */
const void *eng_unit_since(eng_engine *e, eng_unit_mark m, size_t *len);
/* Encode changes even while replaying or with nothing logging them (the
 * digest of a script's effects needs them). */
void eng_unit_capture(eng_engine *e, int on);

/* redis.call: resolve argv as a command issued by a script running in x.
 * Returns the command, or NULL with Redis's error text in err: unknown
 * command, wrong arity, commands not allowed from scripts, a write when
 * `readonly`, FLUSHALL / FLUSHDB / SWAPDB (they cannot be rolled back),
 * OOM (unless allow_oom), MISCONF, key limits. */
const eng_cmd *eng_script_resolve(eng_ctx *x, int argc, const eng_arg *argv, int readonly,
                                  int allow_oom, char *err, size_t errlen);
/* Run a resolved command as client sc (the script's own client state,
 * e.g. its SELECTed db), reply into out in protocol proto. Its changes
 * join x's unit. */
void eng_script_exec(eng_ctx *x, const eng_cmd *cmd, eng_client *sc, int proto, int argc,
                     eng_arg *argv, resp_buf *out);
/* From inside a long-running script (x is its command): answer what other
 * clients sent meanwhile, -BUSY to all but CMD_ALLOW_BUSY commands (SCRIPT
 * KILL, FUNCTION KILL, SHUTDOWN NOSAVE...). Does nothing while replaying. */
void eng_busy_poll(eng_ctx *x, int is_function);
/* Run a command as the engine itself (start-up work such as loading the
 * functions-dir), logged like a client's; its reply goes to out. Engine
 * thread, outside any command. */
void eng_exec_internal(eng_engine *e, int argc, eng_arg *argv, resp_buf *out);
/* The engine's Lua runtime. */
struct scr_vm *eng_scripts(eng_engine *e);
/* Engine-internal change records (names starting with '@': function
 * libraries, script invocations), for replay; defined by cmd_script.c. */
const eng_cmd *eng_internal_lookup(const char *name, size_t n);
/* A random 64-bit number (script seeds). */
uint64_t eng_random64(eng_engine *e);

/* ---- engine-thread services for command handlers ---- */

int eng_databases(const eng_engine *e);
uint64_t eng_dirty(const eng_engine *e);      /* changes since last save */
uint64_t eng_change_seq(const eng_engine *e); /* last change sequence */

/* Reply helpers that use the client's protocol. */
void eng_reply_ok(eng_ctx *x);
void eng_reply_error(eng_ctx *x, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
void eng_reply_wrong_args(eng_ctx *x);   /* ERR wrong number of arguments */
void eng_reply_syntax(eng_ctx *x);       /* ERR syntax error */
void eng_reply_null(eng_ctx *x);
void eng_reply_int(eng_ctx *x, long long v);
void eng_reply_bulk(eng_ctx *x, const void *p, size_t n);
void eng_reply_lines(eng_ctx *x, const char *const *lines, size_t n); /* HELP texts */

/* Argument parsing helpers (reply with Redis's error and return -1). */
int eng_arg_ll(eng_ctx *x, const eng_arg *a, long long *v);  /* "value is not an integer or out of range" */
int eng_arg_double(eng_ctx *x, const eng_arg *a, double *v); /* "value is not a valid float" */
int eng_arg_is(const eng_arg *a, const char *lit);           /* case-insensitive */
/* Strict parsers without replies (Redis's string2ll / strtold rules). */
int eng_parse_ll(const char *s, size_t n, long long *out);
int eng_parse_double(const char *s, size_t n, double *out);
/* max-value-length check: replies with the error and returns -1. */
int eng_check_value_len(eng_ctx *x, size_t n);
const eng_limits *eng_get_limits(const eng_engine *e);

/* The key arguments of argv by the command table's key positions: indexes
 * first..*last by *step. Returns 0 (and sets nothing) if it has none. */
int eng_key_range(const eng_cmd *cmd, int argc, int *last, int *step);
/* The other database a command vector writes a key to: the db argument of
 * MOVE key db and COPY src dst ... DB db, with *key_arg the index of that
 * key in argv; -1 if none or not a valid db number. */
int eng_cmd_other_db(const eng_cmd *cmd, int argc, const eng_arg *argv, int databases,
                     int *key_arg);

/* EXEC (multi.c): run one queued command as part of the running command x
 * (the EXEC): its changes join x's unit, it sees x's time and the
 * client's current protocol; it is counted, and slow-logged, as a command
 * of its own. Its reply goes to x->out. */
void eng_exec_queued(eng_ctx *x, const eng_cmd *cmd, int argc, eng_arg *argv);
/* The watched-keys index (multi.c). */
struct multi_index *eng_multi_index(eng_engine *e);
/* Channels and patterns (pubsub.c). */
struct pubsub *eng_pubsub(eng_engine *e);
/* The running command has already made changes that have no LSN yet (an
 * EXEC in the middle of its queue): a checkpoint now would not be the
 * state at any LSN. */
int eng_unit_open(const eng_engine *e);

/* WAITAOF: the replies of this wake-up go out only after everything up to
 * lsn is fsynced, whatever appendfsync says. */
void eng_require_fsync(eng_ctx *x, uint64_t lsn);

/* Client registry (engine thread). */
eng_client *eng_clients(eng_engine *e);  /* list head, via ->next */
size_t eng_client_count(eng_engine *e);
void eng_kill_client(eng_ctx *x, eng_client *c); /* close after pending replies */

/* Stats for INFO (engine thread). */
typedef struct eng_stats {
    uint64_t commands, expired_keys, keyspace_hits, keyspace_misses;
    uint64_t connections_received;
    uint64_t batches;
    uint64_t inline_batches;  /* of them, run on the I/O thread */
    uint64_t inline_yields;   /* scripts moved from there to the engine thread */
    uint64_t auth_failures;   /* wrong AUTH/HELLO passwords */
    uint64_t error_replies;
    uint64_t expire_cycle_us;         /* time in active expiry */
    uint64_t expire_time_cap_reached; /* its cycles cut short (time, unit room) */
    double expired_stale_perc;        /* moving average of expired/sampled */
} eng_stats;
void eng_count_auth_failure(eng_engine *e);
const char *eng_requirepass(eng_engine *e);  /* NULL or "" when none */
int64_t eng_start_time_ms(const eng_engine *e);
eng_keyspace *eng_keyspace_of(eng_engine *e);
const eng_stats *eng_get_stats(const eng_engine *e);
/* Heap bytes handed out by the allocator right now (any thread). */
long long eng_heap_in_use(void);
/* The bytes the allocator holds from the system (glibc: arena + mmapped;
 * the sanitizer build: in use), with *in_use as eng_heap_in_use, from one
 * look at the allocator (any thread). */
long long eng_heap_held(long long *in_use);
/* Heap in use as of the last cron tick (for maxmemory and INFO). */
long long eng_used_memory(eng_engine *e);
void eng_reset_stats(eng_engine *e);

#endif
