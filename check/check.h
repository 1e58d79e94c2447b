/* check.h -- strongbox-check: the offline tool for a data directory (list,
 * verify, dump, repair, backup, export). Every subcommand reads the files
 * through the engine's own readers (wal_scan, ckpt_read, rec_run,
 * eng_unit_decode), so the tool and the server always agree.
 *
 * Owns: the command line (chk_opts), the progress bar, the in-memory
 * dataset a subcommand recovers (an engine created but never started).
 *
 * Threads: one (the engine's threads are never started).
 *
 * Exit codes, for every subcommand: 0 fine; 1 only a torn tail (a crash
 * in the middle of a write, cut at the next start); 2 a server would refuse
 * to start, or the command failed; 64 usage error.
 */
#ifndef CHECK_H
#define CHECK_H

#include <stddef.h>
#include <stdint.h>
#include "engine.h"
#include "recover.h"
#include "kv.h"

enum { CHK_OK = 0, CHK_TORN = 1, CHK_FAIL = 2, CHK_USAGE = 64 };

typedef struct chk_opts {
    const char *pos[4];       /* positional arguments after the subcommand */
    int npos;
    int quiet, yes, json, replay, truncate_torn;
    int have_from, have_to, have_time;
    uint64_t from_lsn, to_lsn;
    int64_t to_time_ms;
    int db;                   /* --db N, -1 = all */
    int databases;            /* --databases N for replay (default 16 or the checkpoint's) */
} chk_opts;

typedef int chk_cmd_fn(const chk_opts *o);
chk_cmd_fn chk_list, chk_verify, chk_dump, chk_repair, chk_backup, chk_export;

/* ---- progress.c: a bar on stderr, only on a TTY and without --quiet ---- */
void chk_progress_begin(const chk_opts *o, const char *what, uint64_t total);
void chk_progress(uint64_t done);
void chk_progress_end(void);
/* rec_hooks that drive the bar from the engine's loading counters. */
rec_hooks chk_progress_hooks(void);

/* ---- dataset.c: recovering a directory in memory ---- */
/* An engine with o->databases databases, never started (no threads). */
eng_engine *chk_engine_new(const chk_opts *o, const char *dir);
/* rec_run into e (NULL: read and check only) with the progress bar. */
int chk_recover(const chk_opts *o, eng_engine *e, const char *dir, int cut_torn,
                rec_result *rr, char *err, size_t errlen);
typedef void chk_key_fn(void *ud, int db, const kv_entry *en);
/* Every key of every db (or of db only, >= 0), each exactly once. */
void chk_each_key(eng_engine *e, int db, chk_key_fn *fn, void *ud);
typedef struct chk_summary {
    uint64_t keys, expired, per_db_keys[64];
    int ndb;
    size_t libraries, functions, scripts;
    char digest[41];          /* XOR of per-key SHA-1s: independent of order */
} chk_summary;
void chk_summarize(eng_engine *e, chk_summary *s);
void chk_print_summary(const chk_summary *s);

/* ---- util ---- */
/* Print b as text: printable bytes as is, others as \xNN, at most max
 * bytes (0 = all) then "...(N bytes)". json: a JSON string with quotes. */
void chk_print_bytes(const char *p, size_t n, size_t max, int json);
/* "2026-11-22 03:44:06.123" (UTC) */
void chk_fmt_time(int64_t ms, char out[32]);
/* The repair command to name for a refusal that names none. */
void chk_suggest_repair(const char *dir, const char *err, uint64_t last_lsn);

#endif
