/* repair.c -- `strongbox-check repair DIR`: cut a torn tail, or truncate
 * history at an LSN or a time (point-in-time recovery). It shows what will
 * be dropped, asks (or needs --yes), and never deletes: cut bytes go to
 * <segment>.dropped-<offset> (a torn tail to <segment>.torn-<offset>, as
 * the server does), whole files are renamed to <file>.dropped-0, names no
 * reader lists. The server must not be running on DIR. */
#include "check.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

typedef struct cut_scan {
    const chk_opts *o;
    uint64_t n;               /* keep LSN <= n (found by time in --to-time) */
    int found_n;
    uint64_t first, reached;  /* first record read, last one kept */
    uint64_t dropped;         /* records after n that were readable */
    char cut_path[512];
    uint64_t cut_off;         /* end of record n in cut_path */
} cut_scan;

static int scan_rec(void *ud, uint64_t lsn, int type, const void *body, size_t len,
                    const char *path, uint64_t offset) {
    (void)type;
    cut_scan *c = ud;
    if (!c->first) c->first = lsn;
    if (!c->found_n && c->o->have_time) {
        int64_t ms = 0;
        eng_unit_decode(body, len, &ms, NULL, NULL);
        if (ms > c->o->to_time_ms) {
            c->n = lsn - 1;
            c->found_n = 1;
        }
    }
    if (c->found_n && lsn > c->n) {
        c->dropped++;
        return 0;
    }
    c->reached = lsn;
    snprintf(c->cut_path, sizeof(c->cut_path), "%s", path);
    c->cut_off = offset + WAL_REC_HEADER + WAL_REC_MIN_BODY + len;
    return 0;
}

static int confirm(const chk_opts *o, const char *dir) {
    if (o->yes) return 1;
    if (!isatty(0)) {
        fprintf(stderr, "strongbox-check repair: not changing %s without --yes (stdin is not a "
                "terminal)\n", dir);
        return 0;
    }
    printf("Proceed? [y/N] ");
    fflush(stdout);
    char line[16];
    return fgets(line, sizeof(line), stdin) && (line[0] == 'y' || line[0] == 'Y');
}

/* Bytes [off, end) of path to path.dropped-<off>, fsynced, then cut. */
static int cut_file(const char *path, uint64_t off, char *err, size_t errlen) {
    char side[600];
    snprintf(side, sizeof(side), "%s.dropped-%llu", path, (unsigned long long)off);
    int in = open(path, O_RDWR | O_CLOEXEC);
    int out = in < 0 ? -1 : open(side, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
    int rc = in < 0 || out < 0 ? -1 : 0;
    char buf[65536];
    uint64_t at = off;
    while (rc == 0) {
        ssize_t r = pread(in, buf, sizeof(buf), (off_t)at);
        if (r == 0) break;
        if (r < 0 || write(out, buf, (size_t)r) != r) rc = -1;
        at += (uint64_t)(r > 0 ? r : 0);
    }
    if (rc == 0 && (fsync(out) != 0 || ftruncate(in, (off_t)off) != 0 || fsync(in) != 0)) rc = -1;
    if (rc) snprintf(err, errlen, "can't cut %s at offset %llu (side file %s): %s", path,
                     (unsigned long long)off, side, strerror(errno));
    if (in >= 0) close(in);
    if (out >= 0) close(out);
    return rc;
}

static int move_aside(const char *path, char *err, size_t errlen) {
    char side[600];
    snprintf(side, sizeof(side), "%s.dropped-0", path);
    if (rename(path, side) == 0) return 0;
    snprintf(err, errlen, "can't rename %s to %s: %s", path, side, strerror(errno));
    return -1;
}

static void sync_dir(const char *dir) {
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd >= 0) {
        fsync(fd);
        close(fd);
    }
}

static int after_repair(const chk_opts *o, const char *dir) {
    rec_result rr;
    char err[2400];
    if (chk_recover(o, NULL, dir, 0, &rr, err, sizeof(err)) != 0) {
        printf("after the repair a server would still refuse to start: %s\n", err);
        return CHK_FAIL;
    }
    printf("done: a server started on %s now recovers up to LSN %llu\n", dir,
           (unsigned long long)rr.last_lsn);
    return CHK_OK;
}

static int truncate_torn(const chk_opts *o, const char *dir) {
    rec_result rr;
    char err[2400];
    if (chk_recover(o, NULL, dir, 0, &rr, err, sizeof(err)) != 0) {
        printf("REFUSE: %s\n--truncate-torn only cuts a torn tail; this needs more.\n", err);
        chk_suggest_repair(dir, err, rr.last_lsn);
        return CHK_FAIL;
    }
    if (!rr.torn) {
        printf("nothing to cut: %s has no torn tail (last LSN %llu)\n", dir,
               (unsigned long long)rr.last_lsn);
        return CHK_OK;
    }
    printf("will cut %llu byte(s) at offset %llu of %s (saved to %s.torn-%llu); everything up "
           "to LSN %llu is kept\n", (unsigned long long)rr.torn_bytes,
           (unsigned long long)rr.torn_offset, rr.torn_path, rr.torn_path,
           (unsigned long long)rr.torn_offset, (unsigned long long)rr.last_lsn);
    if (!confirm(o, dir)) return CHK_FAIL;
    if (chk_recover(o, NULL, dir, 1, &rr, err, sizeof(err)) != 0) {
        printf("failed: %s\n", err);
        return CHK_FAIL;
    }
    return after_repair(o, dir);
}

int chk_repair(const chk_opts *o) {
    const char *dir = o->pos[0];
    if (o->truncate_torn && !o->have_to && !o->have_time) return truncate_torn(o, dir);
    if (!o->have_to && !o->have_time) {
        fprintf(stderr, "strongbox-check repair: say what to do: --truncate-torn, --to-lsn N or "
                "--to-time T\n");
        return CHK_USAGE;
    }
    char err[1400];
    wal_segment_info *segs;
    size_t nsegs;
    if (wal_list_segments(dir, &segs, &nsegs, err, sizeof(err)) != 0) {
        fprintf(stderr, "%s\n", err);
        return CHK_FAIL;
    }
    cut_scan c = {.o = o, .n = o->to_lsn, .found_n = o->have_to};
    wal_scan_result res;
    /* every segment from the first on; damage ends the scan, not the repair */
    int rc = wal_scan(dir, nsegs ? segs[0].first_lsn - 1 : 0, 0, scan_rec, &c, &res, err,
                      sizeof(err));
    wal_scan_result_free(&res);
    if (!c.found_n) c.n = c.reached; /* --to-time after the last readable change */
    uint64_t n = c.n;
    /* the state at n: the newest checkpoint at or below it + the WAL to n */
    ckpt_file *cks;
    size_t ncks;
    ckpt_list(dir, &cks, &ncks);
    uint64_t base = 0;
    for (size_t i = 0; i < ncks && !base; i++) {
        ckpt_info info;
        char cerr[1200];
        if (cks[i].lsn <= n && ckpt_read(cks[i].path, NULL, NULL, &info, cerr, sizeof(cerr)) == 0)
            base = cks[i].lsn;
    }
    int reachable = n == 0 || base == n ||
                    (c.first && c.first <= base + 1 && c.reached >= n);
    if (!reachable) {
        printf("can't restore LSN %llu: the files hold %s", (unsigned long long)n,
               base ? "a checkpoint at LSN " : "no readable checkpoint at or below it");
        if (base) printf("%llu", (unsigned long long)base);
        printf(" and WAL records %llu..%llu%s%s\n", (unsigned long long)c.first,
               (unsigned long long)c.reached, rc ? "; the WAL scan stopped at: " : "",
               rc ? err : "");
        free(cks);
        free(segs);
        return CHK_FAIL;
    }
    printf("keeping the history up to LSN %llu (%s)\n", (unsigned long long)n,
           base ? "a checkpoint and the WAL after it" : "the WAL");
    if (rc) printf("the WAL is damaged after that: %s\n", err);
    printf("dropping %llu readable WAL record(s) after LSN %llu:\n", (unsigned long long)c.dropped,
           (unsigned long long)n);
    int actions = 0;
    for (size_t i = 0; i < ncks; i++)
        if (cks[i].lsn > n) printf("  move %s aside (%s.dropped-0)\n", cks[i].path, cks[i].path), actions++;
    for (size_t i = 0; i < nsegs; i++) {
        struct stat st;
        uint64_t size = stat(segs[i].path, &st) == 0 ? (uint64_t)st.st_size : 0;
        if (segs[i].first_lsn > n)
            printf("  move %s aside (%s.dropped-0)\n", segs[i].path, segs[i].path), actions++;
        else if (!strcmp(segs[i].path, c.cut_path) && size > c.cut_off)
            printf("  cut %s at offset %llu: %llu byte(s) to %s.dropped-%llu\n", segs[i].path,
                   (unsigned long long)c.cut_off, (unsigned long long)(size - c.cut_off),
                   segs[i].path, (unsigned long long)c.cut_off), actions++;
    }
    int code = CHK_OK;
    char oerr[1600] = "";
    if (!actions) printf("  nothing: the files end at LSN %llu already\n", (unsigned long long)n);
    else if (!confirm(o, dir)) code = CHK_FAIL;
    for (size_t i = 0; actions && code == CHK_OK && i < nsegs; i++) {
        struct stat st;
        uint64_t size = stat(segs[i].path, &st) == 0 ? (uint64_t)st.st_size : 0;
        if (segs[i].first_lsn > n) {
            if (move_aside(segs[i].path, oerr, sizeof(oerr))) code = CHK_FAIL;
        } else if (!strcmp(segs[i].path, c.cut_path) && size > c.cut_off) {
            if (cut_file(segs[i].path, c.cut_off, oerr, sizeof(oerr))) code = CHK_FAIL;
        }
    }
    for (size_t i = 0; actions && code == CHK_OK && i < ncks; i++)
        if (cks[i].lsn > n && move_aside(cks[i].path, oerr, sizeof(oerr))) code = CHK_FAIL;
    free(cks);
    free(segs);
    if (code != CHK_OK) {
        if (oerr[0]) printf("failed: %s\n", oerr);
        return code;
    }
    sync_dir(dir);
    return after_repair(o, dir);
}
