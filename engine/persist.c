/* persist.c -- recovery, the WAL hook-up, WAITAOF.
 *
 * Start-up runs on the engine thread so the network can already answer
 * (-LOADING, INFO) while the WAL is replayed: every few milliseconds the
 * replay stops to answer what arrived.
 */
#include "util.h"
#include "persist.h"
#include "log.h"
#include "wal.h"
#include "ckpt.h"
#include "keyspace.h"
#include "script.h"
#include "recover.h"

#include <errno.h>
#include <stdatomic.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <time.h>
#include <unistd.h>

static struct {
    persist_options o;
    char dir[512];
    wal *w;
    char refused[1024];
    int disk_low;            /* engine thread */
    eng_engine *eng;
    ckpt_job *job;           /* checkpoint in progress */
    uint64_t ckpt_lsn, ckpt_size, lsn_at_ckpt;
    uint64_t wal_bytes_at_ckpt, wal_bytes_at_start;
    int64_t lastsave_ms, ckpt_start_ms, last_duration_ms;
    uint64_t saves;
    int last_status_ok;
    uint64_t failures_in_row;  /* checkpoints failed since the last good one */
    int nosave;
    int reloaded;            /* the durable state was rebuilt after a failure */
    uint64_t off_lsn;        /* appendonly no: the last LSN in the files */
    int scheduled;           /* BGSAVE SCHEDULE: another one after this one */
    char disk_msg[700];
} ps;

void persist_configure(const persist_options *o) {
    ps.o = *o;
    snprintf(ps.dir, sizeof(ps.dir), "%s", o->dir);
    ps.o.dir = ps.dir;
}


static int64_t mono_ms(void) { return sb_mono_us() / 1000; }

/* Percent of the start done (at most 100: the totals are estimates). */
static double loaded_pct(const eng_loading_info *li) {
    double pct = li->total_bytes ? 100.0 * (double)li->done_bytes / (double)li->total_bytes : 0;
    return pct < 100.0 ? pct : 100.0;
}

/* Recovery progress: answer clients meanwhile (-LOADING, INFO) and log
 * once a second. */
typedef struct progress_state {
    int64_t start_ms, last_poll_ms, last_log_ms;
} progress_state;

static void on_progress(void *ud, eng_engine *e, uint64_t lsn) {
    progress_state *p = ud;
    eng_loading_info *li = eng_loading(e);
    /* key-load-delay (Redis's, for tests of clients during a long start):
     * us per WAL record or checkpoint entry, slept here (every 256 records
     * or 4096 entries) 10 ms at a time between answers to the clients */
    long long d = ps.o.key_load_delay ? atomic_load(ps.o.key_load_delay) : 0;
    for (long long us = d * (lsn ? 256 : 4096); us > 0; us -= 10000) {
        struct timespec ts = {0, (us < 10000 ? us : 10000) * 1000};
        nanosleep(&ts, NULL);
        eng_loading_poll(e);
    }
    int64_t now = mono_ms();
    if (now - p->last_poll_ms >= 20) {
        eng_loading_poll(e);
        p->last_poll_ms = now;
    }
    if (now - p->last_log_ms >= 1000) {
        /* the percentage and ETA are of the whole start: checkpoint
         * (bytes estimated from its entries) and WAL */
        double el = (double)(now - p->start_ms) / 1000.0;
        double pct = loaded_pct(li);
        double eta = pct > 0 ? el * (100.0 - pct) / pct : 0;
        if (lsn) {
            double rate = el > 0 ? (double)li->records / el : 0;
            sb_log(LOG_NOTICE, "Loading WAL: %.1f%% (%llu records, %.0f records/s, ETA %.0f s, LSN %llu)",
                   pct, (unsigned long long)li->records, rate, eta, (unsigned long long)lsn);
        } else {
            double rate = el > 0 ? (double)li->entries / el : 0;
            sb_log(LOG_NOTICE, "Loading checkpoint: %.1f%% (%llu entries, %.0f entries/s, ETA %.0f s)",
                   pct, (unsigned long long)li->entries, rate, eta);
        }
        p->last_log_ms = now;
    }
}

static rec_hooks progress_hooks(progress_state *p) {
    p->start_ms = p->last_poll_ms = p->last_log_ms = mono_ms();
    rec_hooks h = {.progress = on_progress, .ud = p};
    return h;
}

/* a unit the engine lets through (ENG_UNIT_MAX) fits in a record: the
 * record body is a type byte and the LSN, then the unit */
_Static_assert(ENG_UNIT_MAX + 9 <= WAL_REC_MAX_BODY, "a unit must fit in one WAL record");

static int hook(void *ud, uint64_t lsn, const void *payload, size_t len) {
    return wal_append(ud, lsn, 1 /* WAL_REC_UNIT */, payload, len);
}

/* ---------------------------------------------------------- recovery */

static void refuse(const char *msg) {
    sb_log(LOG_WARNING, "Can't recover the data in %s: %s", ps.dir, msg);
    sb_log(LOG_WARNING, "Refusing to start so that nothing is lost silently. "
           "'strongbox-check verify %s' shows what is affected.", ps.dir);
    _exit(1);
}

static int wal_start(eng_engine *e, uint64_t next_lsn, char *err, size_t errlen);

void persist_startup(void *ud, eng_engine *e) {
    (void)ud;
    ps.eng = e;
    ps.last_status_ok = 1;
    ps.lastsave_ms = sb_wall_ms();
    int64_t t0 = mono_ms();
    eng_set_loading(e, 1);
    eng_loading_info *li = eng_loading(e);
    li->total_bytes = wal_disk_bytes(ps.dir);
    char err[1200];

    progress_state pst;
    rec_hooks h = progress_hooks(&pst);
    rec_result rr;
    if (rec_run(e, ps.dir, 1, &h, &rr, err, sizeof(err)) != 0) refuse(err);
    uint64_t base = rr.base, last = rr.last_lsn;
    if (rr.ckpt_path[0]) {
        ps.ckpt_lsn = rr.base;
        ps.ckpt_size = rr.ckpt_size;
        ps.lastsave_ms = rr.ckpt_created_ms;
    }
    /* What was replayed may have been only in the page cache of a server
     * whose fsync failed: make it durable now (or refuse), and write new
     * records to a fresh segment, never after possibly-lost ones. */
    if (rr.last_segment[0]) {
        const char *lastseg = rr.last_segment;
        int fd = open(lastseg, O_RDONLY | O_CLOEXEC);
        if (fd < 0 || fdatasync(fd) != 0) {
            char why[700];
            snprintf(why, sizeof(why), "fsync of %s failed: %s", lastseg, strerror(errno));
            snprintf(why + strlen(why), sizeof(why) - strlen(why),
                     ". The disk does not take writes; fix it, then restart.");
            refuse(why);
        }
        close(fd);
    }
    eng_set_lsn(e, last);
    ps.lsn_at_ckpt = base;
    eng_set_loading(e, 0);
    sb_log(LOG_NOTICE, "DB loaded: checkpoint LSN %llu + %llu WAL records, last LSN %llu, %.3f seconds",
           (unsigned long long)base, (unsigned long long)li->records, (unsigned long long)last,
           (double)(mono_ms() - t0) / 1000.0);
    ps.off_lsn = last;
    if (!ps.o.appendonly) {
        sb_log(LOG_WARNING, "appendonly is no: changes are kept in memory only and will be "
               "lost when the server stops");
        return;
    }
    if (wal_start(e, last + 1, err, sizeof(err)) != 0) {
        sb_log(LOG_WARNING, "Can't open the WAL: %s", err);
        _exit(1);
    }
}

/* Open the WAL at next_lsn and route the engine's changes and replies
 * through it. */
static int wal_start(eng_engine *e, uint64_t next_lsn, char *err, size_t errlen) {
    wal_options wo = {0};
    wo.dir = ps.dir;
    wo.next_lsn = next_lsn;
    wo.fsync_mode = ps.o.fsync_mode;
    wo.segment_size = ps.o.segment_size;
    wo.busy_poll_us = ps.o.busy_poll_us;
    wo.pipeline = ps.o.wal_pipeline;
    wo.release = ps.o.release;
    wo.release_ud = ps.o.release_ud;
    ps.w = wal_open(&wo, err, errlen);
    if (!ps.w) return -1;
    ps.wal_bytes_at_ckpt = 0;
    eng_set_change_hook(e, hook, ps.w);
    eng_set_release(e, wal_release, ps.w);
    return 0;
}

/* ------------------------------------------------ after a WAL failure */

static int ckpt_complete(char *err, size_t errlen);

/* The WAL failed: memory may hold changes that never reached the disk.
 * Rebuild it from the files, up to the last acknowledged LSN (durable in
 * always mode, written in everysec and no), so that every read served from
 * now on shows only data that survives a restart of the process. */
static void reload_durable(eng_engine *e) {
    char err[1200];
    ps.reloaded = 1;
    if (ps.job) ckpt_complete(err, sizeof(err));
    uint64_t limit = wal_fail_acked(ps.w);
    sb_log(LOG_WARNING, "Rebuilding the in-memory data from the files up to the last "
           "acknowledged LSN %llu, so that reads show only what survives a restart",
           (unsigned long long)limit);
    eng_set_loading(e, 1);
    eng_loading(e)->total_bytes = wal_disk_bytes(ps.dir);
    rec_clear(e);
    /* replies sent while loading (-LOADING) show no data: let them out */
    eng_set_lsn(e, limit);
    progress_state pst;
    rec_hooks h = progress_hooks(&pst);
    h.quiet = 1;
    uint64_t base = 0;
    ckpt_file *cks;
    size_t n;
    ckpt_list(ps.dir, &cks, &n);
    for (size_t i = 0; i < n; i++) {
        ckpt_info info;
        if (rec_load_ckpt(e, cks[i].path, &h, &info, err, sizeof(err)) == 0) {
            base = info.lsn;
            break;
        }
        rec_clear(e);
    }
    free(cks);
    if (base > limit) limit = base; /* a finished checkpoint is durable too */
    wal_scan_result res;
    uint64_t reached;
    int rc = rec_replay_wal(e, ps.dir, base, limit, 0, &h, &res, &reached, err, sizeof(err));
    wal_scan_result_free(&res);
    if (rc != 0 && reached < limit) {
        sb_log(LOG_WARNING, "Can't rebuild the durable state after the WAL failure (%s): "
               "exiting rather than serving data that may not survive a restart", err);
        _exit(1);
    }
    eng_set_lsn(e, limit);
    wal_set_reloaded(ps.w, limit);
    eng_set_loading(e, 0);
    sb_log(LOG_WARNING, "Serving reads from the durable state (LSN %llu); writes stay refused "
           "until the server is restarted", (unsigned long long)limit);
}

/* -------------------------------------------------------- checkpoints */

static int ckpt_begin(eng_engine *e, char *err, size_t errlen) {
    if (ps.job) return 0;
    ps.job = ckpt_start(eng_keyspace_of(e), eng_scripts(e), ps.dir, eng_change_seq(e), err, errlen);
    if (!ps.job) return -1;
    ps.ckpt_start_ms = mono_ms();
    wal_stats st = {0};
    if (ps.w) wal_get_stats(ps.w, &st);
    ps.wal_bytes_at_start = st.bytes;
    return 0;
}

/* A checkpoint is durable: drop what it replaces. */
static void ckpt_done(uint64_t lsn, const ckpt_info *info) {
    ps.ckpt_lsn = lsn;
    ps.ckpt_size = info->bytes;
    ps.lastsave_ms = sb_wall_ms();
    ps.saves++;
    ps.last_status_ok = 1;
    ps.failures_in_row = 0;
    ps.wal_bytes_at_ckpt = ps.wal_bytes_at_start;
    ps.last_duration_ms = mono_ms() - ps.ckpt_start_ms;
    ckpt_file *cks;
    size_t n;
    if (ckpt_list(ps.dir, &cks, &n) == 0) {
        for (size_t i = 0; i < n; i++)
            if (cks[i].lsn < lsn && !(ps.o.keep_wal && *ps.o.keep_wal)) unlink(cks[i].path);
        free(cks);
    }
    if (!(ps.o.keep_wal && *ps.o.keep_wal)) wal_remove_upto(ps.dir, lsn, 0);
    sb_log(LOG_NOTICE, "Checkpoint at LSN %llu done: %llu entries, %llu bytes, %lld ms",
           (unsigned long long)lsn, (unsigned long long)info->entries,
           (unsigned long long)info->bytes, (long long)ps.last_duration_ms);
}

static int ckpt_complete(char *err, size_t errlen) {
    ckpt_info info;
    uint64_t lsn = ckpt_job_lsn(ps.job);
    int rc = ckpt_finish(ps.job, &info, err, errlen);
    ps.job = NULL;
    if (rc == 0) {
        ckpt_done(lsn, &info);
    } else {
        ps.last_status_ok = 0;
        ps.failures_in_row++;
        sb_log(LOG_WARNING, "Checkpoint at LSN %llu failed: %s", (unsigned long long)lsn, err);
    }
    return rc;
}

/* engine background hook: walk a little, collect a finished checkpoint */
/* Before each batch: if the WAL has failed since, rebuild the durable
 * state first, so the batch's replies (MISCONF, reads) can be sent. */
void persist_before_batch(void *ud, eng_engine *e) {
    (void)ud;
    if (ps.w && !ps.reloaded && wal_failed(ps.w)) reload_durable(e);
}

int persist_background(void *ud, eng_engine *e) {
    (void)ud;
    if (ps.w && !ps.reloaded && wal_failed(ps.w)) reload_durable(e);
    if (!ps.job) return 0;
    if (!ckpt_step(ps.job, 500)) return 1;
    if (ckpt_poll(ps.job) == 0) return 0; /* the writer finishes; cron polls */
    char err[800];
    ckpt_complete(err, sizeof(err));
    return 0;
}

/* SAVE (and shutdown): a checkpoint now, to completion. */
static int save_now(eng_engine *e, char *err, size_t errlen) {
    if (ps.job) {
        if (ckpt_complete(err, errlen) != 0) return -1;
        if (ps.ckpt_lsn == eng_change_seq(e)) return 0;
    }
    if (ckpt_begin(e, err, errlen) != 0) return -1;
    return ckpt_complete(err, errlen);
}

void persist_on_stop(void *ud, eng_engine *e) {
    (void)ud;
    char err[800];
    if (ps.job && (!ps.w || wal_failed(ps.w))) ckpt_complete(err, sizeof(err));
    if (!ps.w || wal_failed(ps.w)) return;
    if (ps.nosave) {
        if (ps.job) ckpt_complete(err, sizeof(err));
        return;
    }
    if (!ps.job && ps.ckpt_lsn == eng_change_seq(e)) return; /* nothing new */
    sb_log(LOG_NOTICE, "Saving a checkpoint before exit...");
    save_now(e, err, sizeof(err));
}

void persist_set_nosave(int nosave) { ps.nosave = nosave; }

/* DEBUG RELOAD: checkpoint, empty memory, load the checkpoint back (tests
 * that what is saved is what was in memory). */
void persist_debug_reload(eng_ctx *x) {
    char err[800];
    if (!ps.w) {
        eng_reply_error(x, "ERR DEBUG RELOAD needs appendonly yes");
        return;
    }
    if (eng_loading(x->eng)->loading || wal_failed(ps.w)) {
        eng_reply_error(x, "ERR DEBUG RELOAD is not possible while loading or after a WAL failure");
        return;
    }
    if (eng_unit_open(x->eng)) {
        /* inside EXEC after changes that have no LSN yet: the checkpoint
         * would hold them, and the unit would apply them again on replay */
        eng_reply_error(x, "ERR DEBUG RELOAD is not possible inside a transaction after it "
                           "changed data");
        return;
    }
    if (save_now(x->eng, err, sizeof(err)) != 0) {
        eng_reply_error(x, "ERR Error trying to save the DB: %s", err);
        return;
    }
    char path[600];
    snprintf(path, sizeof(path), "%s/ckpt-%020llu.sbc", ps.dir, (unsigned long long)ps.ckpt_lsn);
    ckpt_info vi;
    if (ckpt_read(path, NULL, NULL, &vi, err, sizeof(err)) != 0) { /* before emptying memory */
        sb_log(LOG_WARNING, "DEBUG RELOAD: the checkpoint just written is unreadable: %s", err);
        eng_reply_error(x, "ERR Error trying to load the checkpoint back: %s", err);
        return;
    }
    rec_clear(x->eng);
    ckpt_info info;
    int rc = rec_load_ckpt(x->eng, path, NULL, &info, err, sizeof(err)); /* no polling */
    if (rc != 0) {
        /* memory is half loaded: serving (or checkpointing) it would lose
         * data; the files on disk are intact */
        sb_log(LOG_WARNING, "DEBUG RELOAD could not load %s back: %s. Exiting; restart to "
               "recover from the files.", path, err);
        _exit(1);
    }
    eng_reply_ok(x);
}

int64_t persist_lastsave_ms(void) { return ps.lastsave_ms; }

/* CONFIG SET appendonly. On: a checkpoint of what is in memory, written
 * to completion, then a WAL from the next LSN -- in that order, so that a
 * crash in between leaves a checkpoint and no gap after it. Off: what the
 * WAL holds is written and fsynced (the replies it held go out), then
 * changes stay in memory only; the files keep the state at that LSN. */
int persist_set_appendonly(eng_engine *e, int on, char *err, size_t errlen) {
    if (on == ps.o.appendonly) return 0; /* (while loading: the WAL opens after it) */
    if (eng_loading(e)->loading) {
        snprintf(err, errlen, "not possible while loading");
        return -1;
    }
    if (ps.w && wal_failed(ps.w)) {
        snprintf(err, errlen, "the WAL has failed (%s): restart the server", wal_failed(ps.w));
        return -1;
    }
    if (eng_unit_open(e)) {
        /* inside EXEC after changes that have no LSN yet */
        snprintf(err, errlen, "not possible inside a transaction after it changed data");
        return -1;
    }
    long long min = ps.o.min_free_disk ? *ps.o.min_free_disk : 0;
    struct statvfs sv;
    if (on && min > 0 && statvfs(ps.dir, &sv) == 0 &&
        (unsigned long long)sv.f_bavail * sv.f_frsize < (unsigned long long)min) {
        snprintf(err, errlen, "free disk space in %s is below min-free-disk (%lld bytes)", ps.dir, min);
        return -1;
    }
    char why[800];
    if (!on) {
        if (ps.job && ckpt_complete(why, sizeof(why)) != 0)
            sb_log(LOG_WARNING, "The running checkpoint failed: %s", why);
        uint64_t lsn = eng_change_seq(e);
        /* every change so far durable before any reply leaves unguarded
         * (this wake-up's are staged, not yet with the writer) */
        if (wal_sync_all(ps.w, lsn) != 0) {
            snprintf(err, errlen, "the WAL failed (%s): restart the server", wal_failed(ps.w));
            return -1;
        }
        eng_set_change_hook(e, NULL, NULL);
        eng_set_release(e, ps.o.release, ps.o.release_ud);
        wal_close(ps.w);
        ps.w = NULL;
        ps.o.appendonly = 0;
        ps.scheduled = 0;
        ps.off_lsn = lsn;
        ps.disk_low = 0; /* (min-free-disk guards the WAL's disk) */
        ps.wal_bytes_at_ckpt = ps.wal_bytes_at_start = 0;
        sb_log(LOG_WARNING, "appendonly set to no: the WAL stops at LSN %llu; changes from now "
               "on are kept in memory only and are lost when the server stops",
               (unsigned long long)lsn);
        return 0;
    }
    if (save_now(e, why, sizeof(why)) != 0) {
        snprintf(err, errlen, "the checkpoint to start the WAL from failed: %s", why);
        return -1;
    }
    if (wal_start(e, eng_change_seq(e) + 1, why, sizeof(why)) != 0) {
        snprintf(err, errlen, "can't open the WAL: %s", why);
        return -1;
    }
    ps.o.appendonly = 1;
    sb_log(LOG_NOTICE, "appendonly set to yes: checkpoint at LSN %llu, the WAL goes on from there",
           (unsigned long long)ps.ckpt_lsn);
    return 0;
}

void cmd_bgsave(eng_ctx *x) {
    if (x->argc > 2 || (x->argc == 2 && !eng_arg_is(&x->argv[1], "schedule"))) {
        eng_reply_syntax(x);
        return;
    }
    if (!ps.w) {
        eng_reply_error(x, "ERR checkpoints need appendonly yes");
        return;
    }
    if (ps.job || eng_unit_open(x->eng)) {
        /* (or inside EXEC after changes that have no LSN yet: the image
         * would not be the state at any LSN, so start it right after) */
        if (x->argc == 2 || !ps.job) {
            ps.scheduled = 1; /* started by persist_tick once this one is done */
            resp_add_status(x->out, "Background saving scheduled");
        } else {
            eng_reply_error(x, "ERR Background save already in progress");
        }
        return;
    }
    char err[800];
    if (ckpt_begin(x->eng, err, sizeof(err)) != 0) {
        eng_reply_error(x, "ERR %s", err);
        return;
    }
    resp_add_status(x->out, "Background saving started");
}

void cmd_save(eng_ctx *x) {
    if (!ps.w) {
        eng_reply_error(x, "ERR checkpoints need appendonly yes");
        return;
    }
    char err[800];
    if (save_now(x->eng, err, sizeof(err)) != 0) eng_reply_error(x, "ERR %s", err);
    else eng_reply_ok(x);
}

/* Like coffer's LimitDisk: below min-free-disk in dir, refuse writes; they
 * resume by themselves when space comes back. */
void persist_tick(void *ud) {
    (void)ud;
    if (ps.w && !ps.reloaded && ps.eng && wal_failed(ps.w)) reload_durable(ps.eng);
    if (ps.job && ckpt_poll(ps.job) != 0 && ckpt_step(ps.job, 0)) {
        char err[800];
        ckpt_complete(err, sizeof(err));
    }
    if (ps.w && !ps.job && ps.scheduled && ps.eng && !wal_failed(ps.w)) {
        char err[800];
        ps.scheduled = 0;
        if (ckpt_begin(ps.eng, err, sizeof(err)) == 0)
            sb_log(LOG_NOTICE, "Starting the scheduled checkpoint (BGSAVE SCHEDULE)");
        else
            sb_log(LOG_WARNING, "Can't start the scheduled checkpoint: %s", err);
    }
    /* auto checkpoint on WAL growth, like auto-aof-rewrite */
    if (ps.w && !ps.job && !wal_failed(ps.w) && ps.o.auto_pct && *ps.o.auto_pct > 0 && ps.eng) {
        wal_stats st;
        wal_get_stats(ps.w, &st);
        uint64_t grown = st.bytes - ps.wal_bytes_at_ckpt;
        uint64_t base = ps.ckpt_size ? ps.ckpt_size : 1;
        if (grown >= (uint64_t)*ps.o.auto_min &&
            grown * 100 >= base * (uint64_t)*ps.o.auto_pct) {
            char err[800];
            if (ckpt_begin(ps.eng, err, sizeof(err)) == 0)
                sb_log(LOG_NOTICE, "Starting a checkpoint: the WAL grew by %llu bytes since the last one",
                       (unsigned long long)grown);
        }
    }
    long long min = ps.o.min_free_disk ? *ps.o.min_free_disk : 0;
    struct statvfs sv;
    if (min <= 0 || !ps.w || statvfs(ps.dir, &sv) != 0) {
        ps.disk_low = 0;
        return;
    }
    unsigned long long avail = (unsigned long long)sv.f_bavail * sv.f_frsize;
    int low = avail < (unsigned long long)min;
    if (low && !ps.disk_low)
        sb_log(LOG_WARNING, "Free disk space in %s is %llu bytes, below min-free-disk (%lld): "
               "refusing writes until space is freed", ps.dir, avail, min);
    else if (!low && ps.disk_low)
        sb_log(LOG_NOTICE, "Free disk space in %s is back above min-free-disk: writes resume", ps.dir);
    ps.disk_low = low;
    if (low)
        snprintf(ps.disk_msg, sizeof(ps.disk_msg),
                 "Not enough free disk space in %s: %llu bytes free, min-free-disk is %lld. "
                 "Writes are refused until space is freed; reads are served.",
                 ps.dir, avail, min);
}

const char *persist_write_refused(void *ud) {
    (void)ud;
    const char *cause = wal_failed(ps.w);
    if (!cause) return ps.disk_low ? ps.disk_msg : NULL;
    if (!ps.refused[0])
        snprintf(ps.refused, sizeof(ps.refused),
                 "Errors writing to the WAL (%s): writes are refused, reads are served. "
                 "Check the disk, then restart the server.", cause);
    return ps.refused;
}

void persist_close(void) {
    if (!ps.w) return;
    wal_stats st;
    wal_get_stats(ps.w, &st);
    int covered = !wal_failed(ps.w) && st.next_lsn && ps.ckpt_lsn == st.next_lsn - 1;
    wal_close(ps.w);
    ps.w = NULL;
    /* A final checkpoint holds every record: the next start needs no WAL. */
    if (covered && !(ps.o.keep_wal && *ps.o.keep_wal)) wal_remove_upto(ps.dir, ps.ckpt_lsn, 1);
}

/* The live files with their LSN ranges, oldest first: a checkpoint covers
 * LSN 1..its LSN; a segment runs to the next one's first LSN - 1, the last
 * one to the last LSN written. */
typedef void file_fn(void *ud, const char *path, const char *kind, uint64_t first,
                     uint64_t last, long long bytes, int needed);

static void each_file(eng_engine *e, void (*begin)(void *ud, long long n), file_fn *fn,
                      void *ud) {
    ckpt_file *cks = NULL;
    size_t ncks = 0;
    wal_segment_info *segs = NULL;
    size_t nsegs = 0;
    char err[600];
    ckpt_list(ps.dir, &cks, &ncks);
    wal_list_segments(ps.dir, &segs, &nsegs, err, sizeof(err));
    wal_stats st;
    wal_get_stats(ps.w, &st);
    uint64_t written = st.next_lsn ? st.next_lsn - 1 : ps.off_lsn;
    (void)e;
    uint64_t base = ncks ? cks[0].lsn : 0;
    struct stat sb;
    if (begin) begin(ud, (long long)(ncks + nsegs)); /* one listing: counts match */
    for (size_t i = 0; i < ncks; i++)
        fn(ud, cks[i].path, "checkpoint", 1, cks[i].lsn,
           stat(cks[i].path, &sb) == 0 ? (long long)sb.st_size : 0, i == 0);
    for (size_t i = 0; i < nsegs; i++) {
        uint64_t last = i + 1 < nsegs ? segs[i + 1].first_lsn - 1 : written;
        fn(ud, segs[i].path, "wal", segs[i].first_lsn, last,
           stat(segs[i].path, &sb) == 0 ? (long long)sb.st_size : 0,
           last > base || i + 1 == nsegs);
    }
    free(cks);
    free(segs);
}

static const char *base_name(const char *path) {
    const char *name = strrchr(path, '/');
    return name ? name + 1 : path;
}

/* One row of STRONGBOX FILES: a flat field/value array, like XINFO's. */
static void add_file_row(void *ud, const char *path, const char *kind, uint64_t first,
                         uint64_t last, long long bytes, int needed) {
    resp_buf *out = ud;
    resp_add_array_len(out, 12);
    resp_add_bulk_cstr(out, "file");
    resp_add_bulk_cstr(out, base_name(path));
    resp_add_bulk_cstr(out, "kind");
    resp_add_bulk_cstr(out, kind);
    resp_add_bulk_cstr(out, "first_lsn");
    resp_add_int(out, (long long)first);
    resp_add_bulk_cstr(out, "last_lsn");
    resp_add_int(out, (long long)last);
    resp_add_bulk_cstr(out, "bytes");
    resp_add_int(out, bytes);
    resp_add_bulk_cstr(out, "needed");
    resp_add_int(out, needed);
}

static void files_header(void *ud, long long n) { resp_add_array_len(ud, n); }

/* INFO persistence: file_<n>:name=...,kind=...,first_lsn=...,... */
typedef struct info_files { resp_buf *b; int n; } info_files;
static void info_file_line(void *ud, const char *path, const char *kind, uint64_t first,
                           uint64_t last, long long bytes, int needed) {
    info_files *f = ud;
    char line[700];
    int n = snprintf(line, sizeof(line),
                     "file_%d:name=%s,kind=%s,first_lsn=%llu,last_lsn=%llu,bytes=%lld,needed=%d\r\n",
                     f->n++, base_name(path), kind, (unsigned long long)first,
                     (unsigned long long)last, bytes, needed);
    if (n > 0) resp_buf_append(f->b, line, (size_t)n < sizeof(line) ? (size_t)n : sizeof(line) - 1);
}

/* "name:lt64=N,lt128=N,...,ge131072=N": a histogram of the WAL's stats,
 * empty buckets included (so that the fields stay put). */
static void hist_line(resp_buf *b, const char *name, const uint64_t *h) {
    char line[600];
    size_t n = (size_t)snprintf(line, sizeof(line), "%s:", name);
    for (int i = 0; i < WAL_HIST && n < sizeof(line); i++) {
        uint64_t bound = wal_hist_bound(i == WAL_HIST - 1 ? i - 1 : i);
        n += (size_t)snprintf(line + n, sizeof(line) - n, "%s%s%llu=%llu", i ? "," : "",
                              i == WAL_HIST - 1 ? "ge" : "lt", (unsigned long long)bound,
                              (unsigned long long)h[i]);
    }
    if (n < sizeof(line)) n += (size_t)snprintf(line + n, sizeof(line) - n, "\r\n");
    resp_buf_append(b, line, n < sizeof(line) ? n : sizeof(line) - 1);
}

void persist_info(eng_engine *e, resp_buf *b) {
    char line[1400];
    eng_loading_info *li = eng_loading(e);
    int n;
#define ADD(...) do { n = snprintf(line, sizeof(line), __VA_ARGS__); \
    if (n > 0) resp_buf_append(b, line, (size_t)n < sizeof(line) ? (size_t)n : sizeof(line) - 1); } while (0)
    ADD("loading:%d\r\nasync_loading:0\r\n", li->loading);
    if (li->loading) {
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        int64_t now = (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
        double el = (double)(now - li->start_ms) / 1000.0;
        double pct = loaded_pct(li);
        double eta = pct > 0 ? el * (100.0 - pct) / pct : 1;
        ADD("loading_start_time:%lld\r\nloading_total_bytes:%llu\r\nloading_loaded_bytes:%llu\r\n"
            "loading_loaded_perc:%.2f\r\nloading_eta_seconds:%lld\r\nloading_records:%llu\r\n",
            (long long)(li->start_ms / 1000), (unsigned long long)li->total_bytes,
            (unsigned long long)li->done_bytes, pct, (long long)(eta + 0.5),
            (unsigned long long)li->records);
    }
    const char *failed = wal_failed(ps.w);
    ADD("aof_enabled:%d\r\naof_last_write_status:%s\r\n", ps.w != NULL, failed ? "err" : "ok");
    wal_stats st;
    wal_get_stats(ps.w, &st);
    ADD("wal_status:%s\r\n", !ps.w ? "off" : failed ? "failed" : "ok");
    if (failed) ADD("wal_error:%s\r\n", failed);
    ADD("wal_lsn:%llu\r\nwal_written_lsn:%llu\r\nwal_durable_lsn:%llu\r\n",
        (unsigned long long)(st.next_lsn ? st.next_lsn - 1 : 0),
        (unsigned long long)st.written_lsn, (unsigned long long)st.durable_lsn);
    ADD("wal_bytes:%llu\r\nwal_records:%llu\r\nwal_groups:%llu\r\nwal_mean_group_records:%.2f\r\n",
        (unsigned long long)st.bytes, (unsigned long long)st.records,
        (unsigned long long)st.groups, st.groups ? (double)st.records / (double)st.groups : 0.0);
    ADD("wal_fsyncs:%llu\r\nwal_fsync_avg_us:%llu\r\nwal_fsync_max_us:%llu\r\n"
        "wal_last_fsync_time:%lld\r\nwal_segment_first_lsn:%llu\r\nwal_direct_io:%d\r\n"
        "wal_direct_groups:%llu\r\nwal_inline_commits:%llu\r\nwal_sync_overlaps:%llu\r\n",
        (unsigned long long)st.fsyncs,
        (unsigned long long)(st.fsyncs ? st.fsync_us_total / st.fsyncs : 0),
        (unsigned long long)st.fsync_us_max, (long long)(st.last_fsync_ms / 1000),
        (unsigned long long)st.segment_first_lsn, st.direct,
        (unsigned long long)st.direct_groups, (unsigned long long)st.inline_commits,
        (unsigned long long)st.sync_overlaps);
    hist_line(b, "wal_fsync_us_hist", st.fsync_hist);
    hist_line(b, "wal_write_us_hist", st.write_hist);
    ADD("rdb_bgsave_in_progress:%d\r\nrdb_last_save_time:%lld\r\nrdb_last_bgsave_status:%s\r\n"
        "rdb_saves:%llu\r\nrdb_last_bgsave_time_sec:%lld\r\ncheckpoint_lsn:%llu\r\ncheckpoint_size:%llu\r\n"
        "wal_bytes_since_checkpoint:%llu\r\n",
        ps.job != NULL, (long long)(ps.lastsave_ms / 1000), ps.last_status_ok ? "ok" : "err",
        (unsigned long long)ps.saves, (long long)(ps.saves ? ps.last_duration_ms / 1000 : -1),
        (unsigned long long)ps.ckpt_lsn, (unsigned long long)ps.ckpt_size,
        (unsigned long long)(st.bytes - ps.wal_bytes_at_ckpt));
    /* A checkpoint is also what Redis's AOF rewrite is: the log before it
     * goes. No fork: no copy-on-write. */
    ADD("aof_rewrites:%llu\r\naof_last_bgrewrite_status:%s\r\naof_rewrites_consecutive_failures:%llu\r\n"
        "aof_current_rewrite_time_sec:%lld\r\naof_last_rewrite_time_sec:%lld\r\naof_last_cow_size:0\r\n"
        "module_fork_in_progress:0\r\nmodule_fork_last_cow_size:0\r\n",
        (unsigned long long)ps.saves, ps.last_status_ok ? "ok" : "err",
        (unsigned long long)ps.failures_in_row,
        (long long)(ps.job ? (mono_ms() - ps.ckpt_start_ms) / 1000 : -1),
        (long long)(ps.saves ? ps.last_duration_ms / 1000 : -1));
    ADD("rdb_last_load_keys_expired:0\r\nrdb_last_load_keys_loaded:%llu\r\n",
        (unsigned long long)li->entries);
    {   /* the live files (STRONGBOX FILES lists them one by one) */
        wal_segment_info *segs = NULL;
        size_t nsegs = 0;
        char err[600];
        wal_list_segments(ps.dir, &segs, &nsegs, err, sizeof(err));
        ADD("wal_segments:%zu\r\nwal_first_segment_lsn:%llu\r\n", nsegs,
            (unsigned long long)(nsegs ? segs[0].first_lsn : 0));
        free(segs);
        info_files f = {b, 0};
        each_file(e, NULL, info_file_line, &f);
    }
    static const char *modes[] = {"always", "everysec", "no"};
    long long m = ps.o.fsync_mode ? *ps.o.fsync_mode : 0;
    ADD("appendfsync:%s\r\n", modes[m >= 0 && m <= 2 ? m : 0]);
#undef ADD
}

/* WAITAOF numlocal numreplicas timeout */
void cmd_waitaof(eng_ctx *x) {
    long long numlocal, numreplicas, timeout;
    if (eng_arg_ll(x, &x->argv[1], &numlocal) || eng_arg_ll(x, &x->argv[2], &numreplicas) ||
        eng_arg_ll(x, &x->argv[3], &timeout))
        return;
    if (timeout < 0) {
        eng_reply_error(x, "ERR timeout is negative");
        return;
    }
    if (numlocal < 0 || numreplicas < 0) {
        eng_reply_error(x, "ERR value is out of range, must be positive");
        return;
    }
    if (numreplicas > 0) {
        eng_reply_error(x, "ERR WAITAOF numreplicas must be 0: strongbox has no replicas");
        return;
    }
    if (numlocal > 0 && !ps.w) {
        eng_reply_error(x, "ERR WAITAOF cannot be used when numlocal is set but appendonly is disabled.");
        return;
    }
    wal_stats st;
    wal_get_stats(ps.w, &st);
    int done = !ps.w ? 0 : x->c->last_lsn <= st.durable_lsn;
    resp_add_array_len(x->out, 2);
    if (numlocal > 0 && !done && !wal_failed(ps.w)) {
        /* the reply leaves once the writer has fsynced up to there */
        eng_require_fsync(x, x->c->last_lsn);
        x->span_lsn = x->c->last_lsn; /* dropped, not sent, if the WAL fails */
        resp_add_int(x->out, 1);
    } else {
        resp_add_int(x->out, done);
    }
    resp_add_int(x->out, 0);
}

void persist_debug_fault(eng_ctx *x) {
    if (!ps.w) {
        eng_reply_error(x, "ERR the WAL is off (appendonly no)");
        return;
    }
    const eng_arg *op = &x->argv[2];
    if (eng_arg_is(op, "slow-fsync")) {
        long long ms = 0;
        int per_mb = x->argc == 5 && eng_arg_is(&x->argv[4], "per-mb");
        if (x->argc != 4 && !per_mb) {
            eng_reply_error(x, "ERR DEBUG WAL-FAULT slow-fsync <ms> [PER-MB]");
            return;
        }
        if (eng_arg_ll(x, &x->argv[3], &ms)) return;
        wal_inject_slow_fsync(ps.w, (long)ms, per_mb);
        eng_reply_ok(x);
        return;
    }
    if (eng_arg_is(op, "off")) wal_inject_slow_fsync(ps.w, 0, 0);
    int o = eng_arg_is(op, "write")    ? WAL_FAULT_WRITE
            : eng_arg_is(op, "fsync")  ? WAL_FAULT_FSYNC
            : eng_arg_is(op, "append") ? WAL_FAULT_APPEND
            : eng_arg_is(op, "direct") ? WAL_FAULT_DIRECT
            : eng_arg_is(op, "off")    ? WAL_FAULT_NONE
                                       : -1;
    if (o < 0) {
        eng_reply_error(x, "ERR DEBUG WAL-FAULT <write|fsync|append|direct|off> "
                        "[EIO|ENOSPC|EDQUOT|EINVAL] [after-n]");
        return;
    }
    int err = EIO;
    long long after = 0;
    if (x->argc > 3) {
        if (eng_arg_is(&x->argv[3], "enospc")) err = ENOSPC;
        else if (eng_arg_is(&x->argv[3], "edquot")) err = EDQUOT;
        else if (eng_arg_is(&x->argv[3], "einval")) err = EINVAL;
        else if (!eng_arg_is(&x->argv[3], "eio")) {
            eng_reply_error(x, "ERR unknown error name (EIO, ENOSPC, EDQUOT, EINVAL)");
            return;
        }
    }
    if (x->argc > 4 && eng_arg_ll(x, &x->argv[4], &after)) return;
    wal_inject_fault(ps.w, o, err, (long)after);
    eng_reply_ok(x);
}

/* STRONGBOX FILES | HELP: the live checkpoints and WAL segments with their
 * LSN ranges (what `strongbox-check list` shows offline). A checkpoint
 * covers LSN 1..its LSN; a segment runs to the next one's first LSN - 1,
 * the last one to the last LSN written. */
void cmd_strongbox(eng_ctx *x) {
    if (eng_arg_is(&x->argv[1], "help") && x->argc == 2) {
        static const char *help[] = {
            "STRONGBOX <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
            "FILES",
            "    List the checkpoint and WAL segment files of the data directory, with",
            "    their LSN ranges, sizes and whether recovery needs them.",
            "HELP",
            "    Print this help."};
        eng_reply_lines(x, help, sizeof(help) / sizeof(help[0]));
        return;
    }
    if (!eng_arg_is(&x->argv[1], "files") || x->argc != 2) {
        eng_reply_error(x, "ERR unknown subcommand or wrong number of arguments for '%.*s'. "
                        "Try STRONGBOX HELP.", (int)(x->argv[1].n > 64 ? 64 : x->argv[1].n),
                        x->argv[1].p);
        return;
    }
    each_file(x->eng, files_header, add_file_row, x->out);
}
