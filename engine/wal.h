/* wal.h -- the write-ahead log: segment files, checksummed records, the
 * group-commit writer thread, and the reader used by recovery and tools.
 *
 * Owns: the segment files (wal-<first lsn>.log in the data directory, format
 * in WAL_FORMAT.md), the group being filled, the writer thread, the queue
 * of reply batches waiting for durability, and the failure state.
 *
 * Threads:
 *  - wal_scan, wal_open, wal_close: the main thread (before/after serving),
 *    or the engine thread during recovery.
 *  - wal_append, wal_release, wal_request_fsync: whichever thread holds the engine
 *    (the engine thread, or the I/O thread in eng_run_inline), one at a time.
 *  - The writer thread (internal) does write()+fdatasync() of whole groups
 *    (in always mode with O_DIRECT where the file system takes it; there,
 *    with the pipeline option, the syncer thread (internal) makes the
 *    fdatasync() while the writer writes the next group); the
 *    preallocation thread (internal) keeps zeros written ahead of it while
 *    groups are small.
 *    In everysec and no modes, wal_release writes a small group itself
 *    (on the engine thread) when the writer is idle, and any group while
 *    the writer fsyncs: one writer at a time, whichever it is. In always
 *    mode, with at most one client at work and the writer idle, it writes
 *    and fsyncs a small group itself (an inline commit: nothing to overlap
 *    with, and two wake-ups fewer per request).
 *  - wal_stats, wal_failed, wal_set_fsync: any thread.
 *
 * Promises:
 *  - Durability rule 1 and 2 of DESIGN.md in appendfsync always: a reply
 *    batch handed to wal_release reaches the release callback only after
 *    every record with LSN <= its need_seq is fsynced; in everysec and no,
 *    after they are written (a crash of the process loses nothing
 *    acknowledged). Batches leave in the order they came.
 *  - While the writer writes and fsyncs group N, the engine appends group
 *    N+1 (group commit overlapped with execution); with the pipeline
 *    option, the writer writes group N+1 while the syncer syncs group N.
 *  - A failed write() or fsync() is never retried and never ignored: the
 *    WAL enters the failed state (wal_failed returns the cause), batches
 *    waiting for durability are released with their connections closed
 *    (their outcome is unknown to the client, as after a crash), and no
 *    further record is accepted.
 *  - Readers verify every header, length, CRC32C and LSN; wal_scan tells a
 *    torn tail (cut and continue) from corruption (refuse, naming the file
 *    and offset).
 */
#ifndef WAL_H
#define WAL_H

#include <stddef.h>
#include <stdint.h>
#include "engine.h"

#define WAL_FORMAT_VERSION 2 /* reads 1 and 2 */
#define WAL_HEADER_SIZE 32
#define WAL_REC_HEADER 8      /* u32 body length + u32 CRC32C of the body */
#define WAL_REC_MIN_BODY 9    /* u64 lsn + u8 type */
#define WAL_REC_MAX_BODY (UINT32_C(0xFFFFFFF0))

/* Record types. */
enum wal_rec_type {
    WAL_REC_UNIT = 1   /* one command's (or cron step's) changes, atomic */
};

enum wal_fsync_mode { WAL_FSYNC_ALWAYS = 0, WAL_FSYNC_EVERYSEC = 1, WAL_FSYNC_NO = 2 };

uint32_t wal_crc32c(const void *p, size_t n);

/* ------------------------------------------------------------ reading */

typedef struct wal_segment_info {
    char path[512];
    uint64_t first_lsn, last_lsn; /* last_lsn = first_lsn - 1 when empty */
    uint64_t records, bytes;
    int64_t created_ms;
} wal_segment_info;

/* Called for every valid record in LSN order. Return 0 to go on, non-zero
 * to stop the scan (wal_scan then returns that value). */
typedef int wal_record_fn(void *ud, uint64_t lsn, int type, const void *body,
                          size_t len, const char *path, uint64_t offset);

typedef struct wal_scan_result {
    wal_segment_info *segs;   /* sorted by first LSN (caller frees) */
    size_t nsegs;
    uint64_t first_lsn;       /* first record found, 0 if none */
    uint64_t last_lsn;        /* last valid record, 0 if none */
    int torn;                 /* a torn tail was found (and cut if asked) */
    char torn_path[512];
    uint64_t torn_offset, torn_bytes;
} wal_scan_result;

/* Read the segments of dir, records with LSN > after_lsn go to fn.
 * Segments wholly at or below after_lsn (the next one starts at or before
 * after_lsn + 1) are skipped unread; after_lsn 0 verifies everything.
 * cut_torn: truncate a torn tail of the last segment (the dropped bytes are
 * first copied to "<segment>.torn-<offset>"), else only report it.
 * Returns 0, the callback's non-zero value, or -1 with a message in err
 * naming the file, offset, problem and the repair to run. */
int wal_scan(const char *dir, uint64_t after_lsn, int cut_torn, wal_record_fn *fn,
             void *ud, wal_scan_result *res, char *err, size_t errlen);
void wal_scan_result_free(wal_scan_result *res);
/* Read one segment file alone (strongbox-check dump), with the checks of
 * wal_scan as if it were the last segment, from the first LSN its name
 * gives: a torn tail is reported in res (never cut), corruption is -1.
 * Returns 0, the callback's non-zero value, or -1 with err. */
int wal_scan_file(const char *path, wal_record_fn *fn, void *ud, wal_scan_result *res,
                  char *err, size_t errlen);
/* The segment files of dir (path and first_lsn only), sorted by first LSN;
 * none (0, *out NULL) when dir does not exist. Caller frees *out. */
int wal_list_segments(const char *dir, wal_segment_info **out, size_t *n, char *err,
                      size_t errlen);
/* The reader of one segment, without I/O (wal_scan reads each file and
 * calls it; the fuzz target feeds it arbitrary bytes). buf[0..len) is the
 * file s->path, whose name says its first LSN is s->first_lsn. Checks the
 * header and every record; records must go on from *expect (0: the first
 * segment read, which may start anywhere up to after_lsn + 1); those with
 * LSN > after_lsn go to fn. last: the newest segment, where a defect with no
 * intact record after it is a torn tail: res->torn, torn_path, torn_offset
 * (0: the header itself is incomplete, the file holds nothing) and
 * torn_bytes are set, and the segment ends there (nothing is cut here).
 * Sets s->last_lsn, records, bytes, res->first_lsn, last_lsn and *expect
 * (the next LSN). Returns 0, the callback's non-zero value, or -1 with a
 * message in err naming s->path, the offset and the repair (dir is the
 * data directory it names). */
int wal_read_segment(const unsigned char *buf, size_t len, const char *dir, int last,
                     uint64_t after_lsn, uint64_t *expect, wal_record_fn *fn, void *ud,
                     wal_segment_info *s, wal_scan_result *res, char *err, size_t errlen);
/* Remove the segments whose records are all <= lsn (after a checkpoint at
 * lsn), never the last one unless last_too: the WAL is closed and lsn is
 * its last record (a final checkpoint covers it all). Returns how many
 * were removed. */
int wal_remove_upto(const char *dir, uint64_t lsn, int last_too);
/* Total size of the segment files in dir, without the zeros at the end of
 * the last one (for progress). */
uint64_t wal_disk_bytes(const char *dir);

/* ------------------------------------------------------------ writing */

typedef struct wal wal;

typedef struct wal_options {
    const char *dir;
    uint64_t next_lsn;              /* LSN of the next record */
    const _Atomic long long *fsync_mode; /* enum wal_fsync_mode, live */
    const _Atomic long long *segment_size;
    const _Atomic long long *busy_poll_us; /* polling for groups (spin.h); NULL off */
    /* always mode: a second thread syncs while the writer writes the next
     * group (wal.c "Pipelined syncs"), live; NULL: never */
    const _Atomic long long *pipeline;
    void (*release)(void *ud, eng_outbatch *b); /* hand batches to I/O */
    void *release_ud;
} wal_options;

/* Opens a new segment starting at next_lsn (records are never written
 * after those of an earlier run) and starts the writer and preallocation
 * threads. Returns NULL with a message on error. */
wal *wal_open(const wal_options *o, char *err, size_t errlen);
/* Writes and fsyncs what is pending, stops the writer, closes files. */
void wal_close(wal *w);

/* Engine thread: append one record (copied). Returns -1 when the WAL has
 * failed (the change must be refused). */
int wal_append(wal *w, uint64_t lsn, int type, const void *payload, size_t len);
/* Engine thread: the release hook for eng_options: gates b on need_seq
 * (always mode) or on need_fsync_seq (WAITAOF), else passes it on. */
void wal_release(void *w, eng_outbatch *b);
/* Engine thread: write and fsync every record up to lsn (the last one
 * appended) and wait for it, whatever appendfsync says. 0, or -1 if the
 * WAL failed (then not all of it is durable). */
int wal_sync_all(wal *w, uint64_t lsn);

/* Fault injection for tests (DEBUG WAL-FAULT): make the next write or
 * fsync fail with err (EIO, ENOSPC...) after `after` successful calls. */
enum wal_fault_op { WAL_FAULT_NONE = 0, WAL_FAULT_WRITE = 1, WAL_FAULT_FSYNC = 2,
                    /* the WAL fails in wal_append itself: as if the writer
                     * failed after the command was let in */
                    WAL_FAULT_APPEND = 3,
                    /* the next O_DIRECT write (always mode): with EINVAL, as
                     * if the file system refused O_DIRECT */
                    WAL_FAULT_DIRECT = 4 };
void wal_inject_fault(wal *w, int op, int err, long after);
/* ... or make every fsync of the log take ms longer (0: normal again);
 * with per_mb, ms per MB written since the previous fsync (a slow disk). */
void wal_inject_slow_fsync(wal *w, long ms, int per_mb);

/* The failure cause, or NULL while healthy (any thread). */
const char *wal_failed(wal *w);
/* After a failure: the last LSN known durable. Once the engine has
 * reloaded the durable state (its LSN given to wal_set_reloaded), replies
 * built on that state go out again; until then, any batch that might show
 * a change that never became durable is dropped (connections closed). */
uint64_t wal_fail_durable(wal *w);
/* After a failure: the last LSN a reply may have acknowledged -- the
 * durable one in always mode, the last written in everysec and no (their
 * replies go after the write, and a restart of the process replays it). */
uint64_t wal_fail_acked(wal *w);
void wal_set_reloaded(wal *w, uint64_t lsn);

#define WAL_HIST 13
/* The upper bound (exclusive, in us) of histogram bucket i: 64, 128, ...,
 * 131072; the last bucket has none (UINT64_MAX). */
uint64_t wal_hist_bound(int i);

typedef struct wal_stats {
    uint64_t next_lsn;        /* next LSN to be assigned */
    uint64_t written_lsn;     /* last LSN handed to write() */
    uint64_t durable_lsn;     /* last LSN fsynced */
    uint64_t bytes;           /* bytes written since start */
    uint64_t groups, records; /* group commits and records written */
    uint64_t fsyncs;
    uint64_t fsync_us_total, fsync_us_max;
    /* how long each fsync and each group's write took: counts per
     * power-of-2 bucket of microseconds (wal_hist_bound) */
    uint64_t fsync_hist[WAL_HIST], write_hist[WAL_HIST];
    uint64_t segments;        /* segment files currently open/created */
    uint64_t segment_first_lsn;
    int64_t last_fsync_ms;
    int direct;               /* always mode writes with O_DIRECT */
    uint64_t direct_groups;   /* groups written with O_DIRECT */
    uint64_t inline_commits;  /* always-mode groups written and synced by
                               * the thread holding the engine */
    uint64_t sync_overlaps;   /* groups written while the syncer synced */
} wal_stats;
void wal_get_stats(wal *w, wal_stats *st);

#endif
