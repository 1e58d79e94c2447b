/* recover.h -- what a start on a data directory does with its files: load
 * the newest checkpoint that reads back whole, replay the WAL after it, and
 * decide between recovering, cutting a torn tail, and refusing (the rules of
 * DESIGN.md "Recovery" and WAL_FORMAT.md "Reading rules").
 *
 * Owns nothing: it reads the files of a directory (through wal_scan and
 * ckpt_read, the one reader of each format) into an engine it is given.
 * Shared by the server's start-up (persist.c) and strongbox-check, so that
 * the tool's verdict on a directory is exactly the server's.
 *
 * Threads: the thread that owns the engine: the engine thread in the
 * server; in a tool, its only thread, with the engine created but never
 * started (eng_create without eng_start).
 *
 * Promises:
 *  - rec_run never drops data silently: it returns -1 with a message naming
 *    the file, the offset and the strongbox-check command that repairs it
 *    whenever the server must refuse to start.
 *  - Without an engine (e == NULL) it reads and checks every file a start
 *    would read, and changes nothing unless cut_torn is set.
 */
#ifndef RECOVER_H
#define RECOVER_H

#include <stddef.h>
#include <stdint.h>
#include "engine.h"
#include "ckpt.h"
#include "wal.h"

typedef struct rec_hooks {
    /* every 256 replayed records and 4096 loaded entries (e's loading info
     * has the progress): answer clients, log, draw a bar. May be NULL. */
    void (*progress)(void *ud, eng_engine *e, uint64_t lsn);
    void *ud;
    int quiet;  /* no sb_log warnings or notices (a tool prints its own) */
} rec_hooks;

typedef struct rec_result {
    uint64_t base;             /* LSN of the checkpoint loaded, 0 = none */
    char ckpt_path[512];       /* "" = none */
    uint64_t ckpt_size, ckpt_entries;
    int64_t ckpt_created_ms;
    int fell_back;             /* a newer checkpoint was unreadable */
    char bad[1400];            /* why the newest checkpoint was unreadable */
    uint64_t last_lsn;         /* the recovered state's LSN */
    uint64_t records;          /* WAL records after base */
    int torn;                  /* a torn tail was found (cut if asked) */
    char torn_path[512];
    uint64_t torn_offset, torn_bytes;
    size_t nsegs;              /* segments after the scan */
    char last_segment[512];    /* "" = no WAL */
} rec_result;

/* Recover dir into e (NULL: only read and check). cut_torn: truncate a
 * torn tail (its bytes saved to <segment>.torn-<offset> first). Returns 0,
 * or -1 with err: why a server must refuse to start, and the repair. */
int rec_run(eng_engine *e, const char *dir, int cut_torn, const rec_hooks *h,
            rec_result *res, char *err, size_t errlen);

/* Load one checkpoint into e (empty it first on failure with rec_clear).
 * Returns 0 or -1 with err naming the file (and the entry at fault). */
int rec_load_ckpt(eng_engine *e, const char *path, const rec_hooks *h, ckpt_info *info,
                  char *err, size_t errlen);
/* Replay the WAL of dir after LSN `after` into e, stopping after LSN upto
 * (UINT64_MAX = to the end; what lies beyond upto is not read: 0 replays
 * nothing, as after a WAL failure before anything was durable). res as wal_scan's
 * (caller frees); *reached: the last LSN applied. Returns 0 or -1 with err
 * naming the file, the offset and the LSN. */
int rec_replay_wal(eng_engine *e, const char *dir, uint64_t after, uint64_t upto,
                   int cut_torn, const rec_hooks *h, wal_scan_result *res, uint64_t *reached,
                   char *err, size_t errlen);
/* Empty every database and the function libraries and scripts. */
void rec_clear(eng_engine *e);

#endif
