/* undo.h -- pre-images of keys, so a script's writes can be rolled back.
 *
 * Owns: copies of the state of keys (value, type, flags, expiry, access
 * time, or "absent") taken before a write command of a script touches
 * them.
 *
 * Threads: engine thread only.
 *
 * Promises:
 *  - undo_rollback(u, ks, mark) puts every key saved since mark back to its
 *    saved state, newest save first, so a key saved twice ends as it was at
 *    the first save. Nothing else in the keyspace is touched.
 *  - Saving is proportional to the size of the saved values; a script that
 *    commits (undo_forget) costs those copies and nothing more.
 *  - Restoring goes through the kv API, so a checkpoint in progress still
 *    sees the pre-image of the first change (kv pre-image hook) and the
 *    image stays the keyspace at its LSN.
 */
#ifndef UNDO_H
#define UNDO_H

#include <stddef.h>
#include <stdint.h>
#include "engine.h"

typedef struct eng_undo {
    char *buf;              /* packed records */
    size_t len, cap;
    size_t *offs;           /* start of each record */
    size_t n, ncap;
} eng_undo;

void undo_init(eng_undo *u);
void undo_free(eng_undo *u);
static inline size_t undo_mark(const eng_undo *u) { return u->n; }

/* Save the current state of key in db (present or absent). */
void undo_save(eng_undo *u, eng_keyspace *ks, int db, const char *key, size_t klen);

/* Save every key the command argv (of the db `db`) may change: its key
 * positions, and the keys of another db that MOVE and COPY ... DB name. */
void undo_save_command(eng_undo *u, eng_keyspace *ks, int db, const eng_cmd *cmd,
                       int argc, const eng_arg *argv);

/* Restore the saves made since mark, newest first, and drop them. */
void undo_rollback(eng_undo *u, eng_keyspace *ks, size_t mark);
/* Drop the saves made since mark (the script committed). */
void undo_forget(eng_undo *u, size_t mark);

#endif
