/* multi.h -- transactions: MULTI / EXEC / DISCARD and optimistic locking
 * with WATCH / UNWATCH, with Redis 7.0's semantics and error texts.
 *
 * Owns:
 *  - the transaction state of every client (eng_client.mstate): whether it
 *    is in MULTI, the commands it queued (copies of their arguments), the
 *    "queueing failed" (EXECABORT) and "a watched key changed" (null EXEC)
 *    marks, and the keys it watches;
 *  - the engine's watched-keys index, (db, key) -> the clients watching it,
 *    one table per database (multi_index, created by the engine).
 *
 * Threads: engine thread only, like the keyspace.
 *
 * Promises:
 *  - A command of a client in MULTI is checked like any other (resolve in
 *    engine.c: unknown command, arity, auth, no_multi, OOM, MISCONF, key
 *    limits) and then queued with +QUEUED; a refused one flags the
 *    transaction so EXEC answers -EXECABORT. EXEC, DISCARD, MULTI, WATCH,
 *    QUIT and RESET run at once, as in Redis.
 *  - EXEC runs the queued commands in order inside the EXEC command itself,
 *    so all their changes join ONE change unit (one LSN, one WAL record):
 *    after a crash either all of them are there or none, and the EXEC reply
 *    is held until that unit is durable like any reply. A runtime error of
 *    one command does not stop the others. All of them see one clock (the
 *    EXEC's), which is also the time the unit is logged and replayed with.
 *  - Every change goes through eng_emit, which calls multi_touch when any
 *    key is watched (multi_nwatched != 0: the only cost when nobody
 *    watches). The keys a change touches come from its command vector and
 *    the command table's key positions, plus the target db of MOVE and
 *    COPY; FLUSHDB / FLUSHALL / SWAPDB touch the watched keys that exist in
 *    the databases they empty or swap. Lazy and active expiry are DELs, so
 *    they touch too. A key that existed when watched and has expired by
 *    EXEC time aborts the transaction; a key that had already expired when
 *    watched does not, unless it is written (Redis 7).
 *  - EXEC, DISCARD, UNWATCH, RESET and disconnection clear a client's
 *    watches; DISCARD, RESET and disconnection free its queued commands.
 */
#ifndef MULTI_H
#define MULTI_H

#include <stddef.h>
#include <stdint.h>
#include "engine.h"

typedef struct multi_index multi_index;

multi_index *multi_index_create(int databases);
void multi_index_destroy(multi_index *ix);
/* How many (client, key) watches exist: 0 means a change costs nothing. */
size_t multi_nwatched(const multi_index *ix);

/* A change (argv as given to eng_emit, cmd its command table row or NULL
 * for an engine-internal record) about to be applied to db at time now_ms:
 * mark the clients watching a key it touches. Call before the change is
 * made (eng_emit is). */
void multi_touch(eng_engine *e, int db, const eng_cmd *cmd, int argc, const eng_arg *argv,
                 int64_t now_ms);
/* Around a script run (script.c): a client whose watched key the script
 * changed is marked as usual, and unmarked again if the script is rolled
 * back (an error, a kill, an inline run's yield): its changes never
 * happened, so an EXEC watching them goes on. Likewise a watched key that
 * had expired when watched and that the script deleted (a read expires it)
 * is again one that had expired: the rollback brings it back. */
void multi_script_begin(eng_engine *e);
void multi_script_end(eng_engine *e, int rolled_back);
/* While a long script polls for other clients' commands (eng_busy_poll),
 * their changes are not the script's: pause, then resume with the value. */
uint64_t multi_script_pause(eng_engine *e);
void multi_script_resume(eng_engine *e, uint64_t run);
/* All databases are about to be emptied and loaded again (DEBUG RELOAD,
 * rebuilding the durable state): touch every watched key that exists. */
void multi_touch_all(eng_engine *e, int64_t now_ms);

/* ---- hooks of the dispatcher (engine.c) ---- */

/* c is in MULTI (queueing, or running the queue in EXEC). */
int multi_active(const eng_client *c);
/* How many commands c has queued, -1 when not in MULTI (CLIENT LIST). */
int multi_queued(const eng_client *c);
/* The flags resolve() checks cmd against for client c: in MULTI, EXEC
 * also carries the write / denyoom flags of what it would run, and every
 * command that would be queued counts as denyoom (Redis refuses to queue
 * while over maxmemory). */
uint32_t multi_cmd_flags(const eng_client *c, const eng_cmd *cmd);
/* The sum of eng_unit_bound over the client's queued commands: what its
 * EXEC could log at most (engine.c refuses a command that brings it past
 * the unit limit, as Redis refuses a command while queueing). */
uint64_t multi_queued_bound(const eng_client *c);
/* A command that changes the function libraries is queued (FCALLs after
 * it cannot be bounded by their library as it is now). */
int multi_functions_queued(const eng_client *c);
/* EXEC, DISCARD, MULTI, WATCH, QUIT, RESET: they run even in MULTI. */
int multi_runs_at_once(const eng_cmd *cmd);
/* resolve() refused the command of x with the error now at x->out[off..]:
 * flag the transaction (EXEC will answer -EXECABORT); a refused EXEC
 * itself aborts the transaction with "-EXECABORT Transaction discarded
 * because of: <error>", like Redis. */
void multi_rejected(eng_ctx *x, size_t off);
/* The client is in MULTI and cmd is to be queued: copy it, reply +QUEUED
 * and return 1; 0 if cmd must run now (EXEC, DISCARD, MULTI, WATCH, QUIT,
 * RESET). */
int multi_queue(eng_ctx *x, const eng_cmd *cmd);
/* RESET: leave MULTI, drop the queue and the watches (state kept). */
void multi_client_reset(eng_engine *e, eng_client *c);
/* Disconnection: the same, and free the state. */
void multi_client_free(eng_engine *e, eng_client *c);

#endif
