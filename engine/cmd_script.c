/* cmd_script.c -- FUNCTION, FCALL, EVAL, SCRIPT, and the change records
 * that make them durable and replayable.
 *
 * What the WAL sees (engine-internal records; their names start with '@',
 * which no client command has, see WAL_FORMAT.md):
 *   @function-load <code>          FUNCTION LOAD [REPLACE] / RESTORE
 *   @function-delete <library>     FUNCTION DELETE
 *   @function-flush                FUNCTION FLUSH / RESTORE FLUSH
 *   @script-load <body>            SCRIPT LOAD of a new script
 *   @script-flush                  SCRIPT FLUSH
 *   @fcall2 <library> <version> <function> <time_us> <seed> <digest>
 *          <numkeys> <key>... <arg>...
 *   @eval2 <body> <time_us> <seed> <digest> <numkeys> <key>... <arg>...
 *   (@fcall / @eval: the same, written by older builds: replayed under
 *   script API 1, see script.h)
 * An FCALL or EVAL that changed nothing logs nothing; one that failed was
 * rolled back and logs nothing either. One that changed something logs
 * its invocation instead of its effects: replay runs it again with the
 * same time and random seed and compares the SHA-1 of the effects it
 * produces (the change records, encoded) with the logged digest. A
 * mismatch stops recovery: replay never drifts silently.
 */
#include "eng_commands.h"
#include "keyspace.h"
#include "script.h"
#include "util.h"
#include "wal.h"
#include "log.h"

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>


static scr_vm *vm_of(eng_ctx *x) { return eng_scripts(x->eng); }

static int64_t wall_us(void) {
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* ----------------------------------------------------------- running */

/* Parse "numkeys key... arg..." at argv[at]. fcall: FCALL's error texts. */
static int parse_keys(eng_ctx *x, int at, int fcall, scr_call *c) {
    long long nk;
    if (eng_parse_ll(x->argv[at].p, x->argv[at].n, &nk) != 0) {
        eng_reply_error(x, fcall ? "ERR Bad number of keys provided"
                                 : "ERR value is not an integer or out of range");
        return -1;
    }
    if (nk < 0) {
        eng_reply_error(x, "ERR Number of keys can't be negative");
        return -1;
    }
    if (nk > x->argc - at - 1) {
        eng_reply_error(x, "ERR Number of keys can't be greater than number of args");
        return -1;
    }
    c->nkeys = (int)nk;
    c->keys = &x->argv[at + 1];
    c->nargs = x->argc - at - 1 - (int)nk;
    c->args = &x->argv[at + 1 + nk];
    return 0;
}

/* Run c; if it committed changes and something logs them, replace its
 * change records by the invocation record (built by `record`). */
typedef void record_fn(eng_ctx *x, const scr_call *c, const char *digest, void *ud);

static void run_logged(eng_ctx *x, scr_call *c, record_fn *record, void *ud) {
    eng_unit_mark m = eng_unit_mark_get(x->eng);
    c->time_us = wall_us();
    c->seed = eng_random64(x->eng);
    if (scr_run(vm_of(x), x, c) != 0) return;
    size_t len;
    const void *fx = eng_unit_since(x->eng, m, &len);
    if (len == 0) return; /* changed nothing, or nothing is logged */
    char digest[41];
    scr_sha1hex(fx, len, digest);
    eng_unit_rollback(x->eng, m);
    record(x, c, digest, ud);
}

/* The tail shared by both records: numkeys key... arg... */
static int add_call_args(eng_arg *v, int n, const scr_call *c, char *nk) {
    sb_fmt_ll(nk, c->nkeys);
    v[n++] = (eng_arg){nk, strlen(nk)};
    for (int i = 0; i < c->nkeys; i++) v[n++] = c->keys[i];
    for (int i = 0; i < c->nargs; i++) v[n++] = c->args[i];
    return n;
}

static void emit_invocation(eng_ctx *x, int fixed, eng_arg *head, const scr_call *c) {
    eng_arg stack[32]; /* most calls have a few keys and arguments */
    size_t n = (size_t)fixed + 1 + (size_t)c->nkeys + (size_t)c->nargs;
    eng_arg *v = n <= sizeof(stack) / sizeof(stack[0]) ? stack : malloc(n * sizeof(eng_arg));
    if (!v) abort();
    memcpy(v, head, (size_t)fixed * sizeof(eng_arg));
    char nk[24];
    eng_emit(x, x->c->db, add_call_args(v, fixed, c, nk), v);
    if (v != stack) free(v);
}

static void record_fcall(eng_ctx *x, const scr_call *c, const char *digest, void *ud) {
    (void)ud;
    char t[24], s[24];
    sb_fmt_ll(t, (long long)c->time_us);
    sb_fmt_ull(s, (unsigned long long)c->seed);
    scr_lib *lib = c->fn->lib;
    eng_arg head[7] = {{"@fcall2", 7}, {lib->name, strlen(lib->name)}, {lib->sha, 40},
                       {c->fn->name, strlen(c->fn->name)}, {t, strlen(t)}, {s, strlen(s)},
                       {digest, 40}};
    emit_invocation(x, 7, head, c);
}

static void record_eval(eng_ctx *x, const scr_call *c, const char *digest, void *ud) {
    const eng_arg *body = ud;
    char t[24], s[24];
    sb_fmt_ll(t, (long long)c->time_us);
    sb_fmt_ull(s, (unsigned long long)c->seed);
    eng_arg head[5] = {{"@eval2", 6}, *body, {t, strlen(t)}, {s, strlen(s)}, {digest, 40}};
    emit_invocation(x, 5, head, c);
}

static void fcall_generic(eng_ctx *x, int ro) {
    scr_call c = {0};
    c.fn = scr_fn_find(vm_of(x), x->argv[1].p, x->argv[1].n);
    if (!c.fn) {
        eng_reply_error(x, "ERR Function not found");
        return;
    }
    if (parse_keys(x, 2, 1, &c)) return;
    if (ro && !(c.fn->flags & SCR_F_NO_WRITES)) {
        eng_reply_error(x, "ERR Can not execute a script with write flag using *_ro command.");
        return;
    }
    c.readonly = ro;
    run_logged(x, &c, record_fcall, NULL);
}

void cmd_fcall(eng_ctx *x) { fcall_generic(x, 0); }
void cmd_fcall_ro(eng_ctx *x) { fcall_generic(x, 1); }

static void eval_generic(eng_ctx *x, int by_sha, int ro) {
    scr_call c = {0};
    if (parse_keys(x, 2, 0, &c)) return;
    char sha[41];
    eng_arg body = x->argv[1];
    if (by_sha) {
        size_t n;
        const char *b = x->argv[1].n == 40 ? scr_script_body(vm_of(x), x->argv[1].p, &n) : NULL;
        if (!b) {
            resp_add_error(x->out, "NOSCRIPT No matching script. Please use EVAL.", 45);
            return;
        }
        body = (eng_arg){b, n};
        memcpy(sha, x->argv[1].p, 40);
        sha[40] = '\0';
    } else {
        char err[600];
        if (scr_script_add(vm_of(x), body.p, body.n, sha, err, sizeof(err))) {
            eng_reply_error(x, "%s", err);
            return;
        }
    }
    unsigned flags = 0;
    if (ro && scr_script_flags(vm_of(x), sha, &flags) == 1 && !(flags & SCR_F_NO_WRITES)) {
        eng_reply_error(x, "ERR Can not execute a script with write flag using *_ro command.");
        return;
    }
    c.sha = sha;
    c.readonly = ro;
    run_logged(x, &c, record_eval, &body);
}

void cmd_eval(eng_ctx *x) { eval_generic(x, 0, 0); }
void cmd_evalsha(eng_ctx *x) { eval_generic(x, 1, 0); }
void cmd_eval_ro(eng_ctx *x) { eval_generic(x, 0, 1); }
void cmd_evalsha_ro(eng_ctx *x) { eval_generic(x, 1, 1); }

/* ---------------------------------------------------------- FUNCTION */

static void function_load(eng_ctx *x) {
    int replace = 0, i = 2;
    for (; i < x->argc - 1; i++) {
        if (eng_arg_is(&x->argv[i], "replace")) replace = 1;
        else {
            eng_reply_error(x, "ERR Unknown option given: %s", x->argv[i].p);
            return;
        }
    }
    if (i != x->argc - 1) {
        eng_reply_error(x, "ERR Function code is missing");
        return;
    }
    const eng_arg *code = &x->argv[x->argc - 1];
    char err[600];
    scr_lib *lib;
    if (scr_lib_load(vm_of(x), code->p, code->n, replace, &lib, err, sizeof(err))) {
        eng_reply_error(x, "%s", err);
        return;
    }
    eng_emitv(x, 0, "sa", "@function-load", code);
    resp_add_bulk_cstr(x->out, lib->name);
}

static void function_delete(eng_ctx *x) {
    scr_lib *lib = scr_lib_find(vm_of(x), x->argv[2].p, x->argv[2].n);
    if (!lib) {
        eng_reply_error(x, "ERR Library not found");
        return;
    }
    eng_emitv(x, 0, "sa", "@function-delete", &x->argv[2]);
    scr_lib_delete(vm_of(x), lib);
    eng_reply_ok(x);
}

/* Redis 7.0's replies, word for word ("support" for SCRIPT). */
static int flush_mode_ok(eng_ctx *x) {
    int script = eng_arg_is(&x->argv[0], "script");
    if (x->argc > 3 && !script) {
        eng_reply_error(x, "ERR unknown subcommand or wrong number of arguments for '%.*s'. "
                           "Try FUNCTION HELP.", (int)x->argv[1].n, x->argv[1].p);
        return 0;
    }
    if (x->argc > 3 ||
        (x->argc == 3 && !eng_arg_is(&x->argv[2], "async") && !eng_arg_is(&x->argv[2], "sync"))) {
        eng_reply_error(x, script ? "ERR SCRIPT FLUSH only support SYNC|ASYNC option"
                                  : "ERR FUNCTION FLUSH only supports SYNC|ASYNC option");
        return 0;
    }
    return 1;
}

static void function_flush(eng_ctx *x) {
    if (!flush_mode_ok(x)) return;
    if (scr_lib_count(vm_of(x))) eng_emitv(x, 0, "s", "@function-flush");
    scr_lib_flush(vm_of(x));
    eng_reply_ok(x);
}

static void add_fn_flags(eng_ctx *x, unsigned flags) {
    static const struct { unsigned bit; const char *name; } names[] = {
        {SCR_F_NO_WRITES, "no-writes"}, {SCR_F_ALLOW_OOM, "allow-oom"},
        {SCR_F_ALLOW_STALE, "allow-stale"}, {SCR_F_NO_CLUSTER, "no-cluster"},
        {SCR_F_CROSS_SLOT, "allow-cross-slot-keys"}};
    int n = 0;
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) n += (flags & names[i].bit) != 0;
    resp_add_set_len(x->out, x->proto, n);
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
        if (flags & names[i].bit) resp_add_bulk_cstr(x->out, names[i].name);
}

static void function_list(eng_ctx *x) {
    const eng_arg *pat = NULL;
    int withcode = 0;
    for (int i = 2; i < x->argc; i++) {
        if (eng_arg_is(&x->argv[i], "withcode") && !withcode) {
            withcode = 1;
        } else if (eng_arg_is(&x->argv[i], "libraryname") && !pat) {
            if (i + 1 >= x->argc) {
                eng_reply_error(x, "ERR library name argument was not given");
                return;
            }
            pat = &x->argv[++i];
        } else {
            eng_reply_error(x, "ERR Unknown argument %s", x->argv[i].p);
            return;
        }
    }
    scr_vm *vm = vm_of(x);
    long long n = 0;
    for (scr_lib *l = scr_libs(vm); l; l = l->next)
        n += !pat || eng_glob_match(pat->p, pat->n, l->name, strlen(l->name), 1);
    resp_add_array_len(x->out, n);
    for (scr_lib *l = scr_libs(vm); l; l = l->next) {
        if (pat && !eng_glob_match(pat->p, pat->n, l->name, strlen(l->name), 1)) continue;
        resp_add_map_len(x->out, x->proto, withcode ? 4 : 3);
        resp_add_bulk_cstr(x->out, "library_name");
        resp_add_bulk_cstr(x->out, l->name);
        resp_add_bulk_cstr(x->out, "engine");
        resp_add_bulk_cstr(x->out, "LUA");
        resp_add_bulk_cstr(x->out, "functions");
        resp_add_array_len(x->out, l->nfns);
        for (int i = 0; i < l->nfns; i++) {
            resp_add_map_len(x->out, x->proto, 3);
            resp_add_bulk_cstr(x->out, "name");
            resp_add_bulk_cstr(x->out, l->fns[i].name);
            resp_add_bulk_cstr(x->out, "description");
            if (l->fns[i].desc) resp_add_bulk_cstr(x->out, l->fns[i].desc);
            else resp_add_null(x->out, x->proto);
            resp_add_bulk_cstr(x->out, "flags");
            add_fn_flags(x, l->fns[i].flags);
        }
        if (withcode) {
            resp_add_bulk_cstr(x->out, "library_code");
            resp_add_bulk(x->out, l->code, l->code_len);
        }
    }
}

static void function_stats(eng_ctx *x) {
    scr_vm *vm = vm_of(x);
    resp_add_map_len(x->out, x->proto, 2);
    resp_add_bulk_cstr(x->out, "running_script");
    int64_t ms = 0;
    int is_fn = 0;
    const char *name = scr_running_name(vm, &ms);
    if (name && scr_running(vm, &is_fn) && is_fn) {
        resp_add_map_len(x->out, x->proto, 3);
        resp_add_bulk_cstr(x->out, "name");
        resp_add_bulk_cstr(x->out, name);
        resp_add_bulk_cstr(x->out, "command");
        resp_add_array_len(x->out, 2);
        resp_add_bulk_cstr(x->out, "fcall");
        resp_add_bulk_cstr(x->out, name);
        resp_add_bulk_cstr(x->out, "duration_ms");
        resp_add_int(x->out, ms);
    } else {
        resp_add_null(x->out, x->proto);
    }
    resp_add_bulk_cstr(x->out, "engines");
    resp_add_map_len(x->out, x->proto, 1);
    resp_add_bulk_cstr(x->out, "LUA");
    resp_add_map_len(x->out, x->proto, 2);
    resp_add_bulk_cstr(x->out, "libraries_count");
    resp_add_int(x->out, (long long)scr_lib_count(vm));
    resp_add_bulk_cstr(x->out, "functions_count");
    resp_add_int(x->out, (long long)scr_fn_count(vm));
}

static void kill_generic(eng_ctx *x, int functions) {
    int is_fn = 0;
    if (!scr_running(vm_of(x), &is_fn)) {
        resp_add_error(x->out, "NOTBUSY No scripts in execution right now.", 42);
        return;
    }
    if (is_fn != functions) {
        eng_reply_error(x, functions ? "BUSY Redis is busy running a script. You can only call "
                                       "SCRIPT KILL or SHUTDOWN NOSAVE."
                                     : "BUSY Redis is busy running a function. You can only "
                                       "call FUNCTION KILL or SHUTDOWN NOSAVE.");
        return;
    }
    /* always allowed, even after writes: the script is rolled back */
    scr_kill(vm_of(x));
    eng_reply_ok(x);
}

/* FUNCTION DUMP payload (version 1, little endian):
 *   "SBFN" | u16 version | u32 nlibs | nlibs x (u32 len | code) | u32 crc32c
 * The CRC covers everything before it. */
#define DUMP_MAGIC "SBFN"
#define DUMP_VERSION 1

static void function_dump(eng_ctx *x) {
    scr_vm *vm = vm_of(x);
    resp_buf b;
    resp_buf_init(&b);
    unsigned char h[10];
    memcpy(h, DUMP_MAGIC, 4);
    h[4] = DUMP_VERSION & 0xff;
    h[5] = DUMP_VERSION >> 8;
    sb_put32(h + 6, (uint32_t)scr_lib_count(vm));
    resp_buf_append(&b, h, sizeof(h));
    for (scr_lib *l = scr_libs(vm); l; l = l->next) {
        unsigned char n[4];
        sb_put32(n, (uint32_t)l->code_len);
        resp_buf_append(&b, n, 4);
        resp_buf_append(&b, l->code, l->code_len);
    }
    unsigned char crc[4];
    sb_put32(crc, wal_crc32c(b.data, b.len));
    resp_buf_append(&b, crc, 4);
    resp_add_bulk(x->out, b.data, b.len);
    resp_buf_free(&b);
}

static void function_restore(eng_ctx *x) {
    scr_vm *vm = vm_of(x);
    int policy = 0; /* 0 append, 1 replace, 2 flush */
    if (x->argc == 4) {
        if (eng_arg_is(&x->argv[3], "append")) policy = 0;
        else if (eng_arg_is(&x->argv[3], "replace")) policy = 1;
        else if (eng_arg_is(&x->argv[3], "flush")) policy = 2;
        else {
            eng_reply_error(x, "ERR Wrong restore policy given, value should be either FLUSH, "
                               "APPEND or REPLACE.");
            return;
        }
    } else if (x->argc > 4) {
        eng_reply_syntax(x);
        return;
    }
    const unsigned char *p = (const unsigned char *)x->argv[2].p;
    size_t len = x->argv[2].n;
    if (len < 14 || memcmp(p, DUMP_MAGIC, 4) || (p[4] | p[5] << 8) != DUMP_VERSION ||
        sb_get32(p + len - 4) != wal_crc32c(p, len - 4)) {
        eng_reply_error(x, "ERR DUMP payload version or checksum are wrong");
        return;
    }
    uint32_t nlibs = sb_get32(p + 6);
    size_t off = 10;
    for (uint32_t i = 0; i < nlibs; i++) { /* check the framing first */
        if (len - 4 - off < 4 || len - 4 - off - 4 < sb_get32(p + off)) {
            eng_reply_error(x, "ERR DUMP payload version or checksum are wrong");
            return;
        }
        off += 4 + sb_get32(p + off);
    }
    /* all or nothing: load into a fresh runtime's view first by checking
     * names, then apply */
    if (policy == 0) {
        off = 10;
        for (uint32_t i = 0; i < nlibs; i++) {
            uint32_t n = sb_get32(p + off);
            const char *code = (const char *)p + off + 4;
            const char *nl = memchr(code, '\n', n);
            const char *nm = memmem(code, nl ? (size_t)(nl - code) : n, "name=", 5);
            if (nm) {
                const char *e = nm + 5;
                while (e < code + n && *e != ' ' && *e != '\n' && *e != '\r') e++;
                if (scr_lib_find(vm, nm + 5, (size_t)(e - nm - 5))) {
                    eng_reply_error(x, "ERR Library '%.*s' already exists", (int)(e - nm - 5),
                                    nm + 5);
                    return;
                }
            }
            off += 4 + n;
        }
    }
    /* all or nothing: on a failure the libraries as they were come back
     * and the records of what was applied leave the unit */
    size_t nold = scr_lib_count(vm), k = 0;
    char **old = malloc((nold ? nold : 1) * sizeof(char *));
    size_t *oldlen = malloc((nold ? nold : 1) * sizeof(size_t));
    if (!old || !oldlen) abort();
    for (scr_lib *l = scr_libs(vm); l; l = l->next, k++) {
        old[k] = malloc(l->code_len + 1);
        if (!old[k]) abort();
        memcpy(old[k], l->code, l->code_len + 1);
        oldlen[k] = l->code_len;
    }
    eng_unit_mark m = eng_unit_mark_get(x->eng);
    if (policy == 2 && nold) {
        eng_emitv(x, 0, "s", "@function-flush");
        scr_lib_flush(vm);
    }
    off = 10;
    char err[600] = "";
    for (uint32_t i = 0; i < nlibs && !err[0]; i++) {
        uint32_t n = sb_get32(p + off);
        eng_arg code = {(const char *)p + off + 4, n};
        if (scr_lib_load(vm, code.p, code.n, policy != 0, NULL, err, sizeof(err)) == 0)
            eng_emitv(x, 0, "sa", "@function-load", &code);
        off += 4 + n;
    }
    if (err[0]) {
        eng_unit_rollback(x->eng, m);
        scr_lib_flush(vm);
        char ignored[600];
        for (k = 0; k < nold; k++) /* they loaded before: they load again */
            scr_lib_load(vm, old[k], oldlen[k], 1, NULL, ignored, sizeof(ignored));
        eng_reply_error(x, "%s", err);
    } else {
        eng_reply_ok(x);
    }
    for (k = 0; k < nold; k++) free(old[k]);
    free(old);
    free(oldlen);
}

static void function_help(eng_ctx *x) {
    static const char *lines[] = {
        "FUNCTION <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
        "LOAD [REPLACE] <FUNCTION CODE>",
        "    Create a new library with the given library name and code.",
        "DELETE <LIBRARY NAME>", "    Delete the given library.",
        "LIST [LIBRARYNAME PATTERN] [WITHCODE]", "    Return general information on all the libraries:",
        "    * Library name", "    * The engine used to run the Library",
        "    * Library description", "    * Functions list", "    * Library code (if WITHCODE is given)",
        "    It also possible to get only function that matches a pattern using LIBRARYNAME argument.",
        "STATS", "    Return information about the current function running:", "    * Function name",
        "    * Command used to run the function", "    * Duration in MS that the function is running",
        "    If no function is running, return nil", "    In addition, returns a list of available engines.",
        "KILL", "    Kill the current running function.",
        "FLUSH [ASYNC|SYNC]", "    Delete all the libraries.",
        "    When called without the optional mode argument, the behavior is determined by the",
        "    lazyfree-lazy-user-flush configuration directive. Valid modes are:",
        "    * ASYNC: Asynchronously flush the libraries.", "    * SYNC: Synchronously flush the libraries.",
        "DUMP", "    Return a serialized payload representing the current libraries, can be restored using FUNCTION RESTORE command",
        "RESTORE <PAYLOAD> [FLUSH|APPEND|REPLACE]",
        "    Restore the libraries represented by the given payload, it is possible to give a restore policy to",
        "    control how to handle existing libraries (default APPEND):",
        "    * FLUSH: delete all existing libraries.",
        "    * APPEND: appends the restored libraries to the existing libraries. On collision, abort.",
        "    * REPLACE: appends the restored libraries to the existing libraries, On collision, replace the old",
        "      libraries with the new libraries (notice that even on this option there is a chance of failure",
        "      in case of functions name collision with another library).",
        "HELP", "    Prints this help."};
    eng_reply_lines(x, lines, sizeof(lines) / sizeof(lines[0]));
}

void cmd_function(eng_ctx *x) {
    const eng_arg *sub = &x->argv[1];
    if (eng_arg_is(sub, "load")) function_load(x);
    else if (eng_arg_is(sub, "delete")) function_delete(x);
    else if (eng_arg_is(sub, "flush")) function_flush(x);
    else if (eng_arg_is(sub, "list")) function_list(x);
    else if (eng_arg_is(sub, "stats")) function_stats(x);
    else if (eng_arg_is(sub, "kill")) kill_generic(x, 1);
    else if (eng_arg_is(sub, "dump")) function_dump(x);
    else if (eng_arg_is(sub, "restore")) function_restore(x);
    else function_help(x);
}

/* ------------------------------------------------------------ SCRIPT */

void cmd_script(eng_ctx *x) {
    const eng_arg *sub = &x->argv[1];
    scr_vm *vm = vm_of(x);
    if (eng_arg_is(sub, "load")) {
        char sha[41], err[600];
        size_t before = scr_script_count(vm);
        if (scr_script_add(vm, x->argv[2].p, x->argv[2].n, sha, err, sizeof(err))) {
            eng_reply_error(x, "%s", err);
            return;
        }
        if (scr_script_count(vm) != before) eng_emitv(x, 0, "sa", "@script-load", &x->argv[2]);
        resp_add_bulk(x->out, sha, 40);
    } else if (eng_arg_is(sub, "exists")) {
        resp_add_array_len(x->out, x->argc - 2);
        for (int i = 2; i < x->argc; i++)
            resp_add_int(x->out, x->argv[i].n == 40 && scr_script_body(vm, x->argv[i].p, NULL));
    } else if (eng_arg_is(sub, "flush")) {
        if (!flush_mode_ok(x)) return;
        if (scr_script_count(vm)) eng_emitv(x, 0, "s", "@script-flush");
        scr_script_flush(vm);
        eng_reply_ok(x);
    } else if (eng_arg_is(sub, "kill")) {
        kill_generic(x, 0);
    } else {
        static const char *lines[] = {
            "SCRIPT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
            "DEBUG (YES|SYNC|NO)", "    Set the debug mode for subsequent scripts executed.",
            "EXISTS <sha1> [<sha1> ...]",
            "    Return information about the existence of the scripts in the script cache.",
            "FLUSH [ASYNC|SYNC]",
            "    Flush the Lua scripts cache. Very dangerous on replicas.",
            "    When called without the optional mode argument, the behavior is determined by the",
            "    lazyfree-lazy-user-flush configuration directive. Valid modes are:",
            "    * ASYNC: Asynchronously flush the scripts cache.",
            "    * SYNC: Synchronously flush the scripts cache.",
            "KILL", "    Kill the currently executing Lua script.",
            "LOAD <script>", "    Load a script into the scripts cache without executing it.",
            "HELP", "    Prints this help."};
        eng_reply_lines(x, lines, sizeof(lines) / sizeof(lines[0]));
    }
}

/* ------------------------------------------------- replaying records */

static void rec_function_load(eng_ctx *x) {
    char err[600];
    if (scr_lib_load(vm_of(x), x->argv[1].p, x->argv[1].n, 1, NULL, err, sizeof(err)))
        eng_reply_error(x, "ERR FUNCTION LOAD of the log failed: %s", err);
    else eng_reply_ok(x);
}

static void rec_function_delete(eng_ctx *x) {
    scr_lib *lib = scr_lib_find(vm_of(x), x->argv[1].p, x->argv[1].n);
    if (lib) scr_lib_delete(vm_of(x), lib);
    eng_reply_ok(x);
}

static void rec_function_flush(eng_ctx *x) {
    scr_lib_flush(vm_of(x));
    eng_reply_ok(x);
}

static void rec_script_load(eng_ctx *x) {
    char sha[41], err[600];
    if (scr_script_add(vm_of(x), x->argv[1].p, x->argv[1].n, sha, err, sizeof(err)))
        eng_reply_error(x, "%s", err);
    else eng_reply_ok(x);
}

static void rec_script_flush(eng_ctx *x) {
    scr_script_flush(vm_of(x));
    eng_reply_ok(x);
}

/* Re-run a logged invocation and compare its effects with the digest. */
static void replay_run(eng_ctx *x, scr_call *c, const eng_arg *digest, const char *what) {
    resp_buf out;
    resp_buf_init(&out);
    eng_ctx y = *x;
    y.out = &out;
    eng_unit_capture(x->eng, 1);
    eng_unit_mark m = eng_unit_mark_get(x->eng);
    int rc = scr_run(vm_of(x), &y, c);
    size_t len;
    const void *fx = eng_unit_since(x->eng, m, &len);
    char got[41];
    scr_sha1hex(fx, len, got);
    eng_unit_rollback(x->eng, m);
    eng_unit_capture(x->eng, 0);
    if (rc != 0) {
        eng_reply_error(x, "ERR %s failed on replay, where it had succeeded: %.*s", what,
                        (int)(out.len > 300 ? 300 : out.len > 2 ? out.len - 2 : 0),
                        out.data + (out.len ? 1 : 0));
    } else if (digest->n != 40 || memcmp(got, digest->p, 40) != 0) {
        eng_reply_error(x, "ERR %s is not deterministic: replaying it changed the data "
                           "differently (effects digest %s, logged %.*s). The function must "
                           "only depend on its keys, arguments, TIME and math.random",
                        what, got, (int)digest->n, digest->p);
    } else {
        eng_reply_ok(x);
    }
    resp_buf_free(&out);
}

/* time_us and seed at argv[at], then digest, then numkeys key... arg... */
static int parse_logged(eng_ctx *x, int at, scr_call *c) {
    long long t;
    const eng_arg *s = &x->argv[at + 1];
    char *end = NULL;
    if (eng_parse_ll(x->argv[at].p, x->argv[at].n, &t) || s->n == 0 ||
        (c->seed = strtoull(s->p, &end, 10), end != s->p + s->n)) {
        eng_reply_error(x, "ERR malformed script record");
        return -1;
    }
    c->time_us = t;
    return parse_keys(x, at + 3, 0, c);
}

/* @fcall (script API 1) and @fcall2 (API 2): the same fields */
static void rec_fcall_api(eng_ctx *x, int api) {
    scr_call c = {.api = api};
    if (x->argc < 8 || parse_logged(x, 4, &c)) {
        if (x->argc < 8) eng_reply_error(x, "ERR malformed @fcall record");
        return;
    }
    c.fn = scr_fn_find(vm_of(x), x->argv[3].p, x->argv[3].n);
    char what[300];
    snprintf(what, sizeof(what), "FCALL %.*s (library %.*s version %.*s)",
             (int)x->argv[3].n, x->argv[3].p, (int)x->argv[1].n, x->argv[1].p,
             (int)x->argv[2].n, x->argv[2].p);
    if (!c.fn || strlen(c.fn->lib->name) != x->argv[1].n ||
        memcmp(c.fn->lib->name, x->argv[1].p, x->argv[1].n) || x->argv[2].n != 40 ||
        memcmp(c.fn->lib->sha, x->argv[2].p, 40)) {
        eng_reply_error(x, "ERR %s: that library version is not loaded at this point of the "
                           "log (%s)", what,
                        c.fn ? "another version of the library is" : "the function is missing");
        return;
    }
    replay_run(x, &c, &x->argv[6], what);
}

static void rec_fcall(eng_ctx *x) { rec_fcall_api(x, SCR_API_1); }
static void rec_fcall2(eng_ctx *x) { rec_fcall_api(x, SCR_API); }

static void rec_eval_api(eng_ctx *x, int api) {
    scr_call c = {.api = api};
    if (x->argc < 6) {
        eng_reply_error(x, "ERR malformed @eval record");
        return;
    }
    if (parse_logged(x, 2, &c)) return;
    char sha[41], err[600];
    if (scr_script_add(vm_of(x), x->argv[1].p, x->argv[1].n, sha, err, sizeof(err))) {
        eng_reply_error(x, "%s", err);
        return;
    }
    c.sha = sha;
    char what[80];
    snprintf(what, sizeof(what), "EVAL of script %s", sha);
    replay_run(x, &c, &x->argv[4], what);
}

static void rec_eval(eng_ctx *x) { rec_eval_api(x, SCR_API_1); }
static void rec_eval2(eng_ctx *x) { rec_eval_api(x, SCR_API); }

static const eng_cmd internal[] = {
    {"@function-load", rec_function_load, 2, CMD_WRITE, 0, 0, 0, "internal", "", "", NULL},
    {"@function-delete", rec_function_delete, 2, CMD_WRITE, 0, 0, 0, "internal", "", "", NULL},
    {"@function-flush", rec_function_flush, 1, CMD_WRITE, 0, 0, 0, "internal", "", "", NULL},
    {"@script-load", rec_script_load, 2, CMD_WRITE, 0, 0, 0, "internal", "", "", NULL},
    {"@script-flush", rec_script_flush, 1, CMD_WRITE, 0, 0, 0, "internal", "", "", NULL},
    {"@fcall", rec_fcall, -8, CMD_WRITE, 0, 0, 0, "internal", "", "", NULL},
    {"@eval", rec_eval, -6, CMD_WRITE, 0, 0, 0, "internal", "", "", NULL},
    {"@fcall2", rec_fcall2, -8, CMD_WRITE, 0, 0, 0, "internal", "", "", NULL},
    {"@eval2", rec_eval2, -6, CMD_WRITE, 0, 0, 0, "internal", "", "", NULL},
};

const eng_cmd *eng_internal_lookup(const char *name, size_t n) {
    for (size_t i = 0; i < sizeof(internal) / sizeof(internal[0]); i++)
        if (strlen(internal[i].name) == n && !strncasecmp(internal[i].name, name, n))
            return &internal[i];
    return NULL;
}

/* ------------------------------------------------------ functions-dir */

static int cmp_names(const void *a, const void *b) {
    return strcmp(*(char *const *)a, *(char *const *)b);
}

void scr_load_dir(eng_engine *e, const char *dir) {
    DIR *d = opendir(dir);
    if (!d) {
        sb_log(LOG_VERBOSE, "No functions-dir %s (%s): no libraries loaded from files", dir,
               strerror(errno));
        return;
    }
    char **names = NULL;
    size_t n = 0, cap = 0;
    struct dirent *de;
    while ((de = readdir(d))) {
        size_t l = strlen(de->d_name);
        if (l < 5 || strcmp(de->d_name + l - 4, ".lua") || de->d_name[0] == '.') continue;
        if (n == cap) {
            cap = cap ? cap * 2 : 16;
            names = realloc(names, cap * sizeof(*names));
            if (!names) abort();
        }
        names[n++] = strdup(de->d_name);
    }
    closedir(d);
    qsort(names, n, sizeof(*names), cmp_names);
    scr_vm *vm = eng_scripts(e);
    resp_buf out;
    resp_buf_init(&out);
    for (size_t i = 0; i < n; i++) {
        char path[1024];
        snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
        FILE *f = fopen(path, "rb");
        char *code = NULL;
        size_t len = 0;
        if (f) {
            resp_buf b;
            resp_buf_init(&b);
            char chunk[8192];
            size_t r;
            while ((r = fread(chunk, 1, sizeof(chunk), f)) > 0) resp_buf_append(&b, chunk, r);
            int bad = ferror(f);
            fclose(f);
            if (!bad) {
                code = b.data; /* handed over */
                len = b.len;
            } else {
                resp_buf_free(&b);
            }
        }
        if (!code) {
            sb_log(LOG_WARNING, "Can't read function library file %s: %s", path, strerror(errno));
            continue;
        }
        /* the same code is live already (from the data): nothing to do */
        char sha[41];
        scr_sha1hex(code, len, sha);
        int same = 0, known = 0;
        for (scr_lib *l = scr_libs(vm); l; l = l->next) {
            if (!strcmp(l->sha, sha)) same = 1;
        }
        if (!same) {
            char *nl = memchr(code, '\n', len);
            char *nm = memmem(code, nl ? (size_t)(nl - code) : len, "name=", 5);
            if (nm) {
                char *end = nm + 5;
                while (end < code + len && *end != ' ' && *end != '\r' && *end != '\n') end++;
                known = scr_lib_find(vm, nm + 5, (size_t)(end - nm - 5)) != NULL;
            }
            eng_arg argv[4] = {{"FUNCTION", 8}, {"LOAD", 4}, {"REPLACE", 7}, {code, len}};
            out.len = 0;
            eng_exec_internal(e, 4, argv, &out);
            if (out.len && out.data[0] == '-')
                sb_log(LOG_WARNING, "Function library file %s does not load: %.*s", path,
                       (int)(out.len - 3), out.data + 1);
            else if (known)
                sb_log(LOG_NOTICE, "Function library file %s differs from the live library: "
                       "replaced it (FUNCTION LOAD REPLACE)", path);
            else
                sb_log(LOG_NOTICE, "Loaded function library file %s", path);
        }
        free(code);
    }
    resp_buf_free(&out);
    for (size_t i = 0; i < n; i++) free(names[i]);
    free(names);
}
