/* eng_commands.h -- the command handlers the engine implements.
 *
 * Each handler runs on the engine thread with its arity already checked by
 * the dispatcher (engine.c) against the command table (server/commands.c).
 * A handler writes exactly one reply into x->out and logs every change it
 * makes through eng_emit.
 */
#ifndef ENG_COMMANDS_H
#define ENG_COMMANDS_H

#include "engine.h"

/* strings (cmd_string.c) */
eng_cmd_fn cmd_get, cmd_set, cmd_setnx, cmd_setex, cmd_psetex, cmd_getset,
    cmd_getdel, cmd_getex, cmd_mget, cmd_mset, cmd_msetnx, cmd_incr, cmd_decr,
    cmd_incrby, cmd_decrby, cmd_incrbyfloat, cmd_append, cmd_strlen,
    cmd_getrange, cmd_setrange, cmd_lcs, cmd_dump, cmd_restore;

/* keys (cmd_keys.c) */
eng_cmd_fn cmd_del, cmd_unlink, cmd_delstrict, cmd_exists, cmd_touch,
    cmd_type, cmd_keys, cmd_scan, cmd_randomkey, cmd_rename, cmd_renamenx,
    cmd_copy, cmd_move, cmd_swapdb, cmd_dbsize, cmd_flushdb, cmd_flushall,
    cmd_expire, cmd_pexpire, cmd_expireat, cmd_pexpireat, cmd_ttl, cmd_pttl,
    cmd_expiretime, cmd_pexpiretime, cmd_persist, cmd_object, cmd_memory_usage;

/* connection (cmd_conn.c) */
eng_cmd_fn cmd_ping, cmd_echo, cmd_quit, cmd_reset, cmd_hello, cmd_select,
    cmd_auth, cmd_client;

/* scripting (cmd_script.c) */
eng_cmd_fn cmd_eval, cmd_evalsha, cmd_eval_ro, cmd_evalsha_ro, cmd_fcall, cmd_fcall_ro,
    cmd_function, cmd_script;

/* transactions (multi.c) */
eng_cmd_fn cmd_multi, cmd_exec, cmd_discard, cmd_watch, cmd_unwatch;

/* server (cmd_server.c) */
eng_cmd_fn cmd_time, cmd_lastsave, cmd_debug, cmd_slowlog;
/* what a standalone server without replication, cluster or modules says */
eng_cmd_fn cmd_role, cmd_wait, cmd_cluster, cmd_readonly, cmd_module;

/* Glob-style pattern match with Redis's rules (* ? [a-z] [^x] \x);
 * nocase for CONFIG GET and FUNCTION LIST LIBRARYNAME. */
int eng_glob_match(const char *pat, size_t plen, const char *s, size_t slen,
                   int nocase);

#endif
