/* persist.c -- recovery, the WAL hook-up, WAITAOF.
 *
 * Start-up runs on the engine thread so the network can already answer
 * (-LOADING, INFO) while the WAL is replayed: every few milliseconds the
 * replay stops to answer what arrived.
 */
#include "persist.h"
#include "log.h"
#include "wal.h"

#include <errno.h>
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
    char disk_msg[700];
} ps;

void persist_configure(const persist_options *o) {
    ps.o = *o;
    snprintf(ps.dir, sizeof(ps.dir), "%s", o->dir);
    ps.o.dir = ps.dir;
}

static int64_t mono_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

typedef struct replay_ctx {
    eng_engine *e;
    char err[1024];
    int64_t start_ms, last_poll_ms, last_log_ms;
    char cur_path[512];
    uint64_t base_bytes;   /* bytes of the segments before cur_path */
    uint64_t cur_size;
} replay_ctx;

static int replay_one(void *ud, uint64_t lsn, int type, const void *body, size_t len,
                      const char *path, uint64_t offset) {
    replay_ctx *r = ud;
    eng_loading_info *li = eng_loading(r->e);
    if (strcmp(path, r->cur_path) != 0) {
        r->base_bytes += r->cur_size;
        struct stat st;
        r->cur_size = stat(path, &st) == 0 ? (uint64_t)st.st_size : 0;
        snprintf(r->cur_path, sizeof(r->cur_path), "%s", path);
    }
    if (type != 1 /* WAL_REC_UNIT */) {
        snprintf(r->err, sizeof(r->err), "%s offset %llu: LSN %llu has unknown record type %d "
                 "(written by a newer strongbox?)", path, (unsigned long long)offset,
                 (unsigned long long)lsn, type);
        return 1;
    }
    char why[700];
    if (eng_replay_unit(r->e, lsn, body, len, why, sizeof(why)) != 0) {
        snprintf(r->err, sizeof(r->err), "%s offset %llu: %s", path, (unsigned long long)offset, why);
        return 1;
    }
    li->records++;
    li->done_bytes = r->base_bytes + offset + len;
    if ((li->records & 255) == 0) {
        int64_t now = mono_ms();
        if (now - r->last_poll_ms >= 20) { /* answer clients meanwhile */
            eng_loading_poll(r->e);
            r->last_poll_ms = now;
        }
        if (now - r->last_log_ms >= 1000) {
            double el = (double)(now - r->start_ms) / 1000.0;
            double pct = li->total_bytes ? 100.0 * (double)li->done_bytes / (double)li->total_bytes : 0;
            double rate = el > 0 ? (double)li->records / el : 0;
            double eta = pct > 0 ? el * (100.0 - pct) / pct : 0;
            sb_log(LOG_NOTICE, "Loading WAL: %.1f%% (%llu records, %.0f records/s, ETA %.0f s, LSN %llu)",
                   pct, (unsigned long long)li->records, rate, eta, (unsigned long long)lsn);
            r->last_log_ms = now;
        }
    }
    return 0;
}

static int hook(void *ud, uint64_t lsn, const void *payload, size_t len) {
    return wal_append(ud, lsn, 1 /* WAL_REC_UNIT */, payload, len);
}

void persist_startup(void *ud, eng_engine *e) {
    (void)ud;
    int64_t t0 = mono_ms();
    eng_set_loading(e, 1);
    eng_loading_info *li = eng_loading(e);
    li->total_bytes = wal_disk_bytes(ps.dir);
    replay_ctx r = {0};
    r.e = e;
    r.start_ms = t0;
    r.last_poll_ms = t0;
    r.last_log_ms = t0;
    wal_scan_result res;
    char err[1200];
    int rc = wal_scan(ps.dir, 0, 1, replay_one, &r, &res, err, sizeof(err));
    if (rc != 0) {
        sb_log(LOG_WARNING, "Can't recover the data in %s: %s", ps.dir, rc > 0 ? r.err : err);
        sb_log(LOG_WARNING, "Refusing to start so that nothing is lost silently. "
               "'strongbox-check verify %s' shows what is affected.", ps.dir);
        _exit(1);
    }
    if (res.torn)
        sb_log(LOG_WARNING, "WAL %s ended with a torn write (a crash during a write): cut %llu "
               "byte(s) at offset %llu, saved to %s.torn-%llu. Everything before it is kept.",
               res.torn_path, (unsigned long long)res.torn_bytes,
               (unsigned long long)res.torn_offset, res.torn_path,
               (unsigned long long)res.torn_offset);
    uint64_t last = res.last_lsn;
    wal_scan_result_free(&res);
    eng_set_lsn(e, last);
    eng_set_loading(e, 0);
    sb_log(LOG_NOTICE, "DB loaded from the WAL: %llu records, last LSN %llu, %.3f seconds",
           (unsigned long long)li->records, (unsigned long long)last,
           (double)(mono_ms() - t0) / 1000.0);
    if (!ps.o.appendonly) {
        sb_log(LOG_WARNING, "appendonly is no: changes are kept in memory only and will be "
               "lost when the server stops");
        return;
    }
    wal_options wo = {0};
    wo.dir = ps.dir;
    wo.next_lsn = last + 1;
    wo.fsync_mode = ps.o.fsync_mode;
    wo.segment_size = ps.o.segment_size;
    wo.release = ps.o.release;
    wo.release_ud = ps.o.release_ud;
    ps.w = wal_open(&wo, err, sizeof(err));
    if (!ps.w) {
        sb_log(LOG_WARNING, "Can't open the WAL: %s", err);
        _exit(1);
    }
    eng_set_change_hook(e, hook, ps.w);
    eng_set_release(e, wal_release, ps.w);
}

/* Like coffer's LimitDisk: below min-free-disk in dir, refuse writes; they
 * resume by themselves when space comes back. */
void persist_tick(void *ud) {
    (void)ud;
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
    wal_close(ps.w);
    ps.w = NULL;
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
        double pct = li->total_bytes ? 100.0 * (double)li->done_bytes / (double)li->total_bytes : 0;
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
        "wal_last_fsync_time:%lld\r\nwal_segment_first_lsn:%llu\r\n",
        (unsigned long long)st.fsyncs,
        (unsigned long long)(st.fsyncs ? st.fsync_us_total / st.fsyncs : 0),
        (unsigned long long)st.fsync_us_max, (long long)(st.last_fsync_ms / 1000),
        (unsigned long long)st.segment_first_lsn);
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
    int o = eng_arg_is(op, "write") ? 1 : eng_arg_is(op, "fsync") ? 2 : eng_arg_is(op, "off") ? 0 : -1;
    if (o < 0) {
        eng_reply_error(x, "ERR DEBUG WAL-FAULT <write|fsync|off> [EIO|ENOSPC|EDQUOT] [after-n]");
        return;
    }
    int err = EIO;
    long long after = 0;
    if (x->argc > 3) {
        if (eng_arg_is(&x->argv[3], "enospc")) err = ENOSPC;
        else if (eng_arg_is(&x->argv[3], "edquot")) err = EDQUOT;
        else if (!eng_arg_is(&x->argv[3], "eio")) {
            eng_reply_error(x, "ERR unknown error name (EIO, ENOSPC, EDQUOT)");
            return;
        }
    }
    if (x->argc > 4 && eng_arg_ll(x, &x->argv[4], &after)) return;
    wal_inject_fault(ps.w, o, err, (long)after);
    eng_reply_ok(x);
}
