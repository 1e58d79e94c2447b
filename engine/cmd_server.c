/* cmd_server.c -- server commands that need only the engine: TIME,
 * LASTSAVE, DEBUG, SLOWLOG, and the answers of a standalone server (ROLE,
 * WAIT, CLUSTER, READONLY, MODULE) that client libraries ask on connect or
 * to detect a topology. (INFO, CONFIG, COMMAND and SHUTDOWN need the
 * process and live in server/.)
 */
#include "eng_commands.h"
#include "keyspace.h"
#include "slowlog.h"
#include "persist.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

void cmd_time(eng_ctx *x) {
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    if (x->time_us) { /* inside a script: its logged time, for replay */
        ts.tv_sec = (time_t)(x->time_us / 1000000);
        ts.tv_nsec = (long)(x->time_us % 1000000) * 1000;
    }
    resp_add_array_len(x->out, 2);
    resp_add_bulk_ll(x->out, (long long)ts.tv_sec);
    resp_add_bulk_ll(x->out, (long long)(ts.tv_nsec / 1000));
}

void cmd_lastsave(eng_ctx *x) {
    int64_t ms = persist_lastsave_ms();
    eng_reply_int(x, (ms ? ms : eng_start_time_ms(x->eng)) / 1000);
}

void cmd_slowlog(eng_ctx *x) { eng_cmd_slowlog(x); }

/* A master without replicas, as Redis 7.0 answers: master, offset 0, no
 * replicas. */
void cmd_role(eng_ctx *x) {
    resp_add_array_len(x->out, 3);
    resp_add_bulk_cstr(x->out, "master");
    resp_add_int(x->out, 0);
    resp_add_array_len(x->out, 0);
}

/* WAIT numreplicas timeout: the replicas that acknowledged, which is none
 * (there are none): 0 at once, even where Redis would wait out the
 * timeout for replicas that cannot come. WAITAOF is the durability wait. */
void cmd_wait(eng_ctx *x) {
    long long n, timeout;
    if (eng_arg_ll(x, &x->argv[1], &n)) return;
    if (eng_parse_ll(x->argv[2].p, x->argv[2].n, &timeout)) {
        eng_reply_error(x, "ERR timeout is not an integer or out of range");
        return;
    }
    if (timeout < 0) {
        eng_reply_error(x, "ERR timeout is negative");
        return;
    }
    eng_reply_int(x, 0);
}

/* CLUSTER <anything> and READONLY / READWRITE (cluster replica reads). */
void cmd_cluster(eng_ctx *x) {
    eng_reply_error(x, "ERR This instance has cluster support disabled");
}
void cmd_readonly(eng_ctx *x) { cmd_cluster(x); }

void cmd_module(eng_ctx *x) {
    const eng_arg *sub = &x->argv[1];
    if (eng_arg_is(sub, "list")) {
        resp_add_array_len(x->out, 0);
    } else if (eng_arg_is(sub, "help")) {
        static const char *const help[] = {
            "MODULE <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
            "LIST",
            "    Return a list of loaded modules.",
            "LOAD <path> [<arg> ...]",
            "    Load a module library from <path>, passing to it any optional arguments.",
            "LOADEX <path> [[CONFIG NAME VALUE] [CONFIG NAME VALUE]] [ARGS ...]",
            "    Load a module library from <path>, while passing it module configurations and optional arguments.",
            "UNLOAD <name>",
            "    Unload a module.",
            "HELP",
            "    Prints this help."};
        eng_reply_lines(x, help, sizeof(help) / sizeof(help[0]));
    } else {
        eng_reply_error(x, "ERR MODULE %s is not supported: strongbox does not load modules",
                        eng_arg_is(sub, "unload") ? "UNLOAD" : "LOAD");
    }
}

/* Is the client on this machine (loopback, or a unix socket)? */
static int client_is_local(const eng_client *c) {
    return !strncmp(c->addr, "127.", 4) || !strncmp(c->addr, "[::1]", 5) || c->addr[0] == '/';
}

void cmd_debug(eng_ctx *x) {
    const eng_arg *sub = &x->argv[1];
    const eng_limits *lim = eng_get_limits(x->eng);
    long long allow = lim ? lim->enable_debug : 1;
    if (!x->replaying && !x->in_script && !(allow == 1 || (allow == 2 && client_is_local(x->c)))) {
        eng_reply_error(x, "ERR DEBUG command not allowed. If the enable-debug-command option is "
                           "set to \"local\", you can run it from a local connection, otherwise "
                           "you need to set this option in the configuration file, and then "
                           "restart the server.");
        return;
    }
    if (eng_arg_is(sub, "sleep") && x->argc == 3) {
        double secs;
        if (eng_arg_double(x, &x->argv[2], &secs)) return;
        if (secs > 0) {
            struct timespec ts = {(time_t)secs,
                                  (long)((secs - floor(secs)) * 1e9)};
            while (nanosleep(&ts, &ts) != 0) {}
        }
        eng_reply_ok(x);
    } else if (eng_arg_is(sub, "reload") && x->argc == 2) {
        persist_debug_reload(x);
    } else if (eng_arg_is(sub, "wal-fault") && x->argc >= 3 && x->argc <= 5) {
        persist_debug_fault(x);
    } else if (eng_arg_is(sub, "set-active-expire") && x->argc == 3) {
        /* Redis parses this with atoi: anything non-numeric is 0 */
        long long v = atoll(x->argv[2].p);
        eng_limits *l = (eng_limits *)eng_get_limits(x->eng);
        if (l) l->active_expire = v != 0;
        eng_reply_ok(x);
    } else if (eng_arg_is(sub, "set-unit-max") && x->argc == 3) {
        /* tests: the unit limit (engine.h ENG_UNIT_MAX) without 4 GB of data */
        long long v;
        if (eng_arg_ll(x, &x->argv[2], &v)) return;
        eng_limits *l = (eng_limits *)eng_get_limits(x->eng);
        if (l) l->unit_max = v > 0 ? v : 0;
        eng_reply_ok(x);
    } else if (eng_arg_is(sub, "object") && x->argc == 3) {
        kv_entry *e = eng_lookup(x, x->c->db, &x->argv[2]);
        if (!e) { eng_reply_error(x, "ERR no such key"); return; }
        char buf[256];
        snprintf(buf, sizeof(buf),
                 "Value at:%p refcount:1 encoding:%s serializedlength:%u lru:%u lru_seconds_idle:%lld",
                 (void *)e, eng_val_encoding(e), e->vlen, e->lru,
                 (long long)(x->now_ms / 1000 - e->lru));
        resp_add_status(x->out, buf);
    } else if (eng_arg_is(sub, "help")) {
        static const char *help[] = {
            "DEBUG <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
            "OBJECT <key>", "    Show low level info about the key and associated value.",
            "SET-ACTIVE-EXPIRE <0|1>",
            "    Setting it to 0 disables expiring keys in background when they are not",
            "    accessed (otherwise the Redis behavior). Setting it to 1 reenables back the",
            "    default.",
            "RELOAD", "    Save a checkpoint, empty the memory and load the checkpoint back.",
            "SLEEP <seconds>", "    Stop the server for <seconds>. Decimals allowed.",
            "WAL-FAULT <write|fsync|append|direct|off> [EIO|ENOSPC|EDQUOT|EINVAL] [<after-n>]",
            "    Make the WAL's next write or fsync (after n good ones) fail, or fail it",
            "    when the next change is logged, or fail its next O_DIRECT write (EINVAL:",
            "    as if the file system refused O_DIRECT) (tests).",
            "WAL-FAULT slow-fsync <ms> [PER-MB]",
            "    Make every fsync of the WAL take <ms> longer, or <ms> per MB written since",
            "    the previous one; 0 or OFF ends it (tests).",
            "SET-UNIT-MAX <bytes>",
            "    Refuse commands and transactions whose changes could take more than <bytes>",
            "    in one WAL record; 0 restores the limit of the record format (tests).",
            "HELP", "    Prints this help."};
        eng_reply_lines(x, help, sizeof(help) / sizeof(help[0]));
    } else {
        eng_reply_error(x, "ERR unknown subcommand or wrong number of arguments for '%.*s'. Try DEBUG HELP.",
                        (int)sub->n, sub->p);
    }
}
