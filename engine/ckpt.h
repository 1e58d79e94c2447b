/* ckpt.h -- checkpoints: a point-in-time image of every database at an LSN.
 *
 * Owns: checkpoint files (ckpt-<lsn>.sbc, format in CKPT_FORMAT.md), the
 * job that writes one in the background, and the reader.
 *
 * Threads: ckpt_start / ckpt_step / ckpt_poll / ckpt_finish and the
 * pre-image path run on the engine thread; each job has a writer thread
 * that only writes the blocks handed to it. ckpt_read and ckpt_list run on
 * any one thread (recovery, tools).
 *
 * Promises:
 *  - The image is exactly the keyspace at the LSN given to ckpt_start, even
 *    while commands keep changing it: the walk saves each entry once, and
 *    an entry about to change before the walk reached it is saved first
 *    (kv pre-images). No second copy of the dataset is made, and the engine
 *    is never blocked for longer than one ckpt_step budget.
 *  - The file is written under a temporary name, fsynced, renamed and the
 *    directory fsynced: a checkpoint either exists complete or not at all.
 *  - Every block has a CRC32C, and a trailer counts entries and blocks, so
 *    a truncated or damaged checkpoint is always detected by ckpt_read.
 */
#ifndef CKPT_H
#define CKPT_H

#include <stddef.h>
#include <stdint.h>
#include "keyspace.h"

#define CKPT_FORMAT_VERSION 2   /* reads 1 and 2 */

/* Entry types besides the value types of keyspace.h (ENG_TYPE_*). */
#define CKPT_TYPE_LIBRARY 16    /* key: library name, value: its code */
#define CKPT_TYPE_SCRIPT  17    /* key: SHA-1 (hex), value: the script */
#define CKPT_HEADER_SIZE 64

typedef struct ckpt_info {
    uint64_t lsn;
    int64_t created_ms;
    uint32_t databases;
    uint64_t entries, blocks, bytes;
} ckpt_info;

/* Called for each entry of a checkpoint; return non-zero to stop. */
typedef int ckpt_entry_fn(void *ud, uint32_t db, int type, int64_t expire_ms,
                          const char *key, size_t klen, const char *val, size_t vlen);

/* Read and verify a whole checkpoint. Returns 0, the callback's non-zero
 * value, or -1 with a message naming the file and offset. */
int ckpt_read(const char *path, ckpt_entry_fn *fn, void *ud, ckpt_info *info,
              char *err, size_t errlen);
/* The same on an open file, read from its current offset (which must be
 * 0) to the trailer; path only names it in messages. The fd is left open.
 * (The fuzz target feeds it a memfd.) */
int ckpt_read_fd(int fd, const char *path, ckpt_entry_fn *fn, void *ud, ckpt_info *info,
                 char *err, size_t errlen);

/* The entry count from a checkpoint's trailer (0 if unreadable): a hint
 * for sizing tables before loading; ckpt_read still verifies it. */
uint64_t ckpt_peek_entries(const char *path);
/* The number of databases in a checkpoint's header (0 if unreadable). */
uint32_t ckpt_peek_databases(const char *path);

typedef struct ckpt_file {
    char path[512];
    uint64_t lsn;
    uint64_t size;
} ckpt_file;
/* Checkpoint files of dir, newest (highest LSN) first. Caller frees. */
int ckpt_list(const char *dir, ckpt_file **out, size_t *n);
/* Remove leftovers of interrupted checkpoints (*.sbc.tmp). */
void ckpt_remove_temps(const char *dir);

typedef struct ckpt_job ckpt_job;

/* Begin a checkpoint of ks, and of the function libraries and scripts of
 * vm (may be NULL), at lsn (engine thread, between commands). */
struct scr_vm;
ckpt_job *ckpt_start(eng_keyspace *ks, struct scr_vm *vm, const char *dir, uint64_t lsn,
                     char *err, size_t errlen);
/* Walk for about budget_us. Returns 1 once everything is handed to the
 * writer, 0 if there is more to walk. */
int ckpt_step(ckpt_job *j, long budget_us);
/* 0 while the file is being written, 1 done (durable), -1 failed. */
int ckpt_poll(ckpt_job *j);
/* Wait for the writer (after the walk) and free the job. Returns 0 on
 * success, -1 with err on failure. */
int ckpt_finish(ckpt_job *j, ckpt_info *info, char *err, size_t errlen);
uint64_t ckpt_job_lsn(const ckpt_job *j);

#endif
