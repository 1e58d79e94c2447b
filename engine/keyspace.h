/* keyspace.h -- databases, values and expiry policy on top of kv tables.
 *
 * Owns: the value types and encodings, the array of databases, lazy
 * expiry on access and the bounded active-expiry cycle.
 *
 * Threads: engine thread only.
 *
 * Promises:
 *  - A key whose expiry time has passed is never returned by a look-up: it
 *    is deleted on access and the deletion goes through eng_emit as a DEL,
 *    so the log sees expiries as ordinary, deterministic deletes.
 *  - The active cycle samples keys with an expiry and stops after a time
 *    budget, so it never stalls the engine.
 */
#ifndef KEYSPACE_H
#define KEYSPACE_H

#include <stddef.h>
#include <stdint.h>
#include "engine.h"
#include "kv.h"

#define ENG_TYPE_STRING 0

/* kv_entry.flags: the string was built or modified in place (Redis's
 * "raw" encoding, whatever its content). */
#define ENG_F_RAW 1
/* kv_entry.flags: a string Redis never encodes as "int" (INCRBYFLOAT's
 * result is an embstr even when it reads like an integer). */
#define ENG_F_NOINT 2

/* A string value is the entry's value bytes (kv_val, binary safe and
 * NUL-terminated); e->type is ENG_TYPE_*. */
const char *eng_val_encoding(const kv_entry *e);   /* "int", "embstr", "raw" */
const char *eng_type_name(int type);

/* The databases. */
eng_keyspace *eng_ks_create(int databases);
void eng_ks_destroy(eng_keyspace *ks);
kv_table *eng_ks_db(eng_keyspace *ks, int db);
void eng_ks_swap(eng_keyspace *ks, int a, int b);
/* FLUSHDB of one db: clears it, or, while a checkpoint walks the table,
 * gives the table to `retire` (the checkpoint frees it) and installs an
 * empty one. */
void eng_ks_flush(eng_keyspace *ks, int db);
void eng_ks_set_retire(eng_keyspace *ks, void (*fn)(void *ud, kv_table *t), void *ud);
int eng_ks_count(const eng_keyspace *ks);

/* The keyspace of the engine running the command. */
eng_keyspace *eng_keyspace_of(eng_engine *e);

/* Look up a key of the client's current db (or `db`), deleting it first if
 * it has expired. Updates hit/miss stats when `stats` is set. */
kv_entry *eng_lookup(eng_ctx *x, int db, const eng_arg *key);
kv_entry *eng_lookup_read(eng_ctx *x, const eng_arg *key);   /* counts hits */
kv_entry *eng_lookup_write(eng_ctx *x, const eng_arg *key);

/* Is the entry expired at x->now_ms? */
int eng_expired(const eng_ctx *x, const kv_entry *e);

/* Delete a key (no emit: the caller emits). Returns 1 if it existed. */
int eng_db_delete(eng_ctx *x, int db, const eng_arg *key);

/* Active expiry: sample keys with an expiry in every db, deleting (and
 * emitting DEL for) the expired ones, until `budget_us` is spent. Returns
 * the number of keys expired. */
size_t eng_active_expire(eng_ctx *x, long budget_us);

#endif
