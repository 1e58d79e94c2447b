/* script.h -- the Lua 5.4 runtime: function libraries, EVAL scripts, and
 * running either atomically with rollback.
 *
 * Owns: the engine's one lua_State (sandboxed: no io, os but os.clock,
 * require, loadfile, dofile, debug, string.dump, binary chunks; globals
 * read-only), the registry of function libraries (FUNCTION LOAD) and the
 * cache of EVAL scripts by SHA-1, and the undo log of a running script.
 *
 * Threads: engine thread only.
 *
 * Promises:
 *  - scr_run either commits (every change the script made stays, in the
 *    engine's current unit) or rolls back: on any error, a kill or the
 *    memory limit, every key it changed is restored and its change records
 *    are dropped from the unit, so nothing of it is logged.
 *  - Given the same time_us and seed, a run sees the same TIME, the same
 *    math.random sequence and therefore, on the same data, makes the same
 *    changes: the basis of replay from the WAL.
 *  - Type conversion Lua <-> RESP and error texts follow Redis 7.0.
 */
#ifndef SCRIPT_H
#define SCRIPT_H

#include <stddef.h>
#include <stdint.h>
#include "engine.h"

/* Function flags (redis.register_function{flags = {...}}). */
#define SCR_F_NO_WRITES   (1u << 0)
#define SCR_F_ALLOW_OOM   (1u << 1)
#define SCR_F_ALLOW_STALE (1u << 2)
#define SCR_F_NO_CLUSTER  (1u << 3)
#define SCR_F_CROSS_SLOT  (1u << 4)

typedef struct scr_vm scr_vm;
typedef struct scr_lib scr_lib;

typedef struct scr_fn {
    char *name;
    char *desc;          /* or NULL */
    unsigned flags;
    int ref;             /* the Lua function, in the registry */
    scr_lib *lib;
    uint64_t calls;      /* FUNCTION STATS-style counter */
    unsigned inline_skip; /* calls left that go to the engine thread at once */
    unsigned inline_late; /* inline runs in a row that passed the deadline */
} scr_fn;

struct scr_lib {
    char *name;
    char *code;
    size_t code_len;
    char sha[41];        /* SHA-1 of the code: the library's version */
    scr_fn *fns;
    int nfns;
    scr_lib *next;
};

scr_vm *scr_create(eng_engine *e);
void scr_destroy(scr_vm *vm);

/* Lua memory in use, bytes (INFO used_memory_lua). */
size_t scr_memory(const scr_vm *vm);
void scr_set_limits(scr_vm *vm, size_t memory_limit, int64_t busy_us);

/* ---- libraries ---- */

/* FUNCTION LOAD: compile and run the library code, registering its
 * functions. With replace, an existing library of that name is replaced
 * (atomically: on error the old one stays). Returns 0 and the library, or
 * -1 with Redis's error text in err. */
int scr_lib_load(scr_vm *vm, const char *code, size_t len, int replace, scr_lib **out,
                 char *err, size_t errlen);
scr_lib *scr_lib_find(scr_vm *vm, const char *name, size_t n);
/* FCALL's look-up: the exact name, else one that differs only in case. */
scr_fn *scr_fn_find(scr_vm *vm, const char *name, size_t n);
void scr_lib_delete(scr_vm *vm, scr_lib *lib);
void scr_lib_flush(scr_vm *vm);
scr_lib *scr_libs(scr_vm *vm);          /* list, via ->next */
size_t scr_lib_count(scr_vm *vm);
size_t scr_fn_count(scr_vm *vm);

/* ---- EVAL scripts ---- */

/* Compile body and cache it under its SHA-1 (hex in sha). Returns 0, or -1
 * with Redis's error text ("ERR Error compiling script ..."). */
int scr_script_add(scr_vm *vm, const char *body, size_t len, char sha[41], char *err,
                   size_t errlen);
/* The body of a cached script (sha: 40 hex chars, any case), or NULL. */
const char *scr_script_body(scr_vm *vm, const char *sha, size_t *len);
void scr_script_flush(scr_vm *vm);
/* A cached script's flags ("#!lua flags=..."): 1 if it has a shebang line,
 * 0 if not, -1 if it is not cached. */
int scr_script_flags(scr_vm *vm, const char *sha, unsigned *flags);
size_t scr_script_count(scr_vm *vm);
/* Visit the cached scripts (checkpoints). */
void scr_script_each(scr_vm *vm, void (*fn)(void *ud, const char *sha, const char *body,
                                             size_t len), void *ud);

/* ---- running ---- */

typedef struct scr_call {
    scr_fn *fn;                /* FCALL: the function, or NULL for a script */
    const char *sha;           /* EVAL: the cached script's SHA-1 */
    int nkeys, nargs;
    const eng_arg *keys, *args;
    int readonly;              /* *_RO command, or a no-writes function */
    int64_t time_us;           /* what TIME returns inside */
    uint64_t seed;             /* math.random's seed */
    int api;                   /* script API it runs under: SCR_API (0 = that),
                                * or SCR_API_1 to replay an older build's call */
} scr_call;

/* The script API: what the redis library and the sandbox do. A logged call
 * replays under the API it ran under (the WAL record says which: @fcall /
 * @eval are API 1, @fcall2 / @eval2 API 2), so that a change here never
 * changes what an older record does. API 1 (before 2026-12-07): the global
 * pcall is Lua's own (a redis.call error is caught as a table),
 * redis.error_reply and status_reply keep their argument as given and
 * take numbers, redis.pcall raises its argument errors, redis.sha1hex
 * ignores extra arguments, print exists (and does nothing). API 2: Redis
 * 7.0.15's answers (README "Transactions"). */
#define SCR_API_1 1
#define SCR_API 2

/* Run it as part of the command in x: the reply (or error) goes to x->out.
 * Returns 0 when it committed, -1 when it was rolled back. In an inline
 * run (eng_inline_deadline) also SCR_YIELDED: it could not finish there
 * (the deadline, a command that is not quick, redis.log), left no trace
 * and no reply, and called eng_inline_yield. A script that yielded goes
 * to the engine thread at once for its next SCR_INLINE_SKIP calls; past
 * the deadline, only the second time in a row (once may be a preempted
 * I/O thread). */
int scr_run(scr_vm *vm, eng_ctx *x, const scr_call *c);
#define SCR_YIELDED (-2)
#define SCR_INLINE_SKIP 63

/* A command of the running script is about to delete key (of db) because
 * it expired (lazy expiry): save it with the script's other pre-images, so
 * a rollback (an error, a kill, an inline run's yield) restores it, as it
 * drops the DEL record. Otherwise the key would be gone without a record,
 * the next script reading it would not log its expiry, and replaying that
 * script (where the key still exists) would not match its digest. No-op
 * when no script runs. */
void scr_save_expiring(scr_vm *vm, int db, const char *key, size_t klen);

/* The running script (for SCRIPT KILL / FUNCTION KILL and -BUSY), or 0. */
int scr_running(const scr_vm *vm, int *is_function);
/* Its name (function name or script SHA-1) and how long it has run. */
const char *scr_running_name(const scr_vm *vm, int64_t *ms);
void scr_kill(scr_vm *vm);

/* Load every *.lua library file of dir (sorted by name) whose code is not
 * live already, as FUNCTION LOAD REPLACE (logged), after recovery: the
 * shipped handlers. Problems are logged, not fatal. */
void scr_load_dir(eng_engine *e, const char *dir);

/* SHA-1 of p[0..n) as 40 lower-case hex characters. */
void scr_sha1hex(const void *p, size_t n, char out[41]);

#endif
