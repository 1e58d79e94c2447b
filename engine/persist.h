/* persist.h -- durability glue: recovery at start, the WAL while serving,
 * WAITAOF, the persistence part of INFO, fault injection for tests.
 *
 * Owns: the process's wal (one per process, created on the engine thread
 * after recovery) and the recovery progress.
 *
 * Threads: persist_configure on the main thread before the engine starts;
 * persist_startup, cmd_waitaof, persist_info, persist_debug on the engine
 * thread; persist_write_refused on the engine thread; persist_close on the
 * main thread after the engine stopped.
 *
 * Promises: the engine serves nothing but -LOADING (and CMD_LOADING
 * commands) until the WAL is replayed; a damaged WAL stops the process
 * with a message naming the file, the offset and the repair; a torn tail
 * is cut with a warning naming the file, the offset and the bytes dropped.
 */
#ifndef PERSIST_H
#define PERSIST_H

#include "engine.h"

typedef struct persist_options {
    const char *dir;
    int appendonly;                       /* 0: replay what exists, write nothing */
    const _Atomic long long *fsync_mode;  /* enum wal_fsync_mode */
    const _Atomic long long *segment_size;
    const _Atomic long long *min_free_disk; /* bytes; 0 = no check */
    const _Atomic long long *keep_wal;      /* keep old segments/checkpoints */
    const _Atomic long long *auto_pct;      /* auto-checkpoint-percentage */
    const _Atomic long long *auto_min;      /* auto-checkpoint-min-size */
    const _Atomic long long *busy_poll_us;  /* the WAL writer's polling (spin.h) */
    const _Atomic long long *wal_pipeline;  /* always mode: sync while writing (wal.h) */
    const _Atomic long long *key_load_delay; /* tests: us per record loaded (on_progress) */
    void (*release)(void *ud, eng_outbatch *b); /* the I/O layer */
    void *release_ud;
} persist_options;

void persist_configure(const persist_options *o);
void persist_startup(void *ud, eng_engine *e);   /* eng_options.startup */
const char *persist_write_refused(void *ud);     /* eng_options.write_refused */
void persist_tick(void *ud);                     /* eng_options.tick: disk space */
void persist_close(void);
int persist_background(void *ud, eng_engine *e);  /* eng_options.background */
void persist_before_batch(void *ud, eng_engine *e); /* eng_options.before_batch */
void persist_on_stop(void *ud, eng_engine *e);    /* eng_options.stopping */
void persist_set_nosave(int nosave);              /* SHUTDOWN NOSAVE */
/* CONFIG SET appendonly (engine thread): 0, or -1 with why in err */
int persist_set_appendonly(eng_engine *e, int on, char *err, size_t errlen);
int64_t persist_lastsave_ms(void);
eng_cmd_fn cmd_bgsave, cmd_save;
void persist_debug_reload(eng_ctx *x);            /* DEBUG RELOAD */

/* Lines of INFO persistence ("name:value\r\n"). */
void persist_info(eng_engine *e, resp_buf *b);

eng_cmd_fn cmd_waitaof;
/* STRONGBOX FILES | HELP: the live checkpoint and WAL files (engine thread) */
eng_cmd_fn cmd_strongbox;
/* DEBUG WAL-FAULT <write|fsync|append|off> [errno-name [after-n]], or
 * DEBUG WAL-FAULT slow-fsync <ms> [PER-MB] */
void persist_debug_fault(eng_ctx *x);

#endif
