/* wal.c -- segment files, records, group commit, recovery scan.
 *
 * Group commit: the engine appends records to a private staging buffer
 * (no lock), and at the end of each engine wake-up wal_release moves the
 * staged bytes into the shared group (one lock) together with the reply
 * batch that depends on them. The writer thread swaps the group out, does
 * one write() and one fdatasync() for all of it, then lets go of every
 * reply batch the fsync covered. While it waits on the disk the engine is
 * already executing and staging the next group.
 *
 * Failure (fsyncgate): after a failed write() or fsync() the kernel may
 * have dropped the dirty pages, so retrying cannot prove anything reached
 * the disk. The WAL stops for good: no retry, no further record; replies
 * that depended on records that never became durable are not sent (their
 * connections are closed), and the engine refuses writes from then on.
 */
#include "util.h"
#include "wal.h"
#include "spin.h"
#include "log.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <isa-l/crc.h>
#include <stdatomic.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>
#include <uv.h>

static const char WAL_MAGIC[8] = {'S', 'B', 'W', 'A', 'L', '\r', '\n', 0x1a};

uint32_t wal_crc32c(const void *p, size_t n) {
    uint32_t crc = 0xFFFFFFFFu;
    const unsigned char *c = p;
    while (n) { /* isa-l takes an int length */
        int chunk = n > (1u << 30) ? (1 << 30) : (int)n;
        crc = crc32_iscsi((unsigned char *)c, chunk, crc);
        c += chunk;
        n -= (size_t)chunk;
    }
    return crc ^ 0xFFFFFFFFu;
}



/* Segment header (WAL_FORMAT.md): magic[8] | version u32 | reserved u32 |
 * first_lsn u64 | reserved u32 | crc32c u32 of bytes 0..27. */
static void make_header(unsigned char h[WAL_HEADER_SIZE], uint64_t first_lsn) {
    memset(h, 0, WAL_HEADER_SIZE);
    memcpy(h, WAL_MAGIC, 8);
    sb_put32(h + 8, WAL_FORMAT_VERSION);
    sb_put64(h + 16, first_lsn);
    sb_put32(h + 28, wal_crc32c(h, 28));
}

static void segment_name(char *out, size_t cap, const char *dir, uint64_t first_lsn) {
    snprintf(out, cap, "%s/wal-%020llu.log", dir, (unsigned long long)first_lsn);
}

/* ------------------------------------------------------------ reading */

static int cmp_seg(const void *a, const void *b) {
    const wal_segment_info *x = a, *y = b;
    return x->first_lsn < y->first_lsn ? -1 : x->first_lsn > y->first_lsn;
}

int wal_list_segments(const char *dir, wal_segment_info **out, size_t *n, char *err,
                      size_t errlen) {
    DIR *d = opendir(dir);
    *out = NULL;
    *n = 0;
    if (!d) {
        if (errno == ENOENT) return 0;
        snprintf(err, errlen, "can't open data directory %s: %s", dir, strerror(errno));
        return -1;
    }
    size_t cap = 0;
    struct dirent *de;
    while ((de = readdir(d))) {
        unsigned long long lsn;
        char tail[8];
        if (sscanf(de->d_name, "wal-%20llu.%7s", &lsn, tail) != 2 || strcmp(tail, "log") ||
            strlen(de->d_name) != 28)
            continue;
        if (*n == cap) {
            cap = cap ? cap * 2 : 16;
            *out = realloc(*out, cap * sizeof(**out));
            if (!*out) abort();
        }
        wal_segment_info *s = &(*out)[(*n)++];
        memset(s, 0, sizeof(*s));
        snprintf(s->path, sizeof(s->path), "%s/%s", dir, de->d_name);
        s->first_lsn = lsn;
    }
    closedir(d);
    if (*n > 1) qsort(*out, *n, sizeof(**out), cmp_seg); /* *out is NULL when empty */
    return 0;
}

static unsigned char *read_file(const char *path, size_t *len, char *err, size_t errlen) {
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        snprintf(err, errlen, "can't open %s: %s", path, strerror(errno));
        return NULL;
    }
    struct stat st;
    fstat(fd, &st);
    unsigned char *buf = malloc((size_t)st.st_size + 1);
    if (!buf) abort();
    size_t got = 0;
    while (got < (size_t)st.st_size) {
        ssize_t r = read(fd, buf + got, (size_t)st.st_size - got);
        if (r < 0 && errno == EINTR) continue;
        if (r <= 0) {
            snprintf(err, errlen, "can't read %s at offset %zu: %s", path, got,
                     r < 0 ? strerror(errno) : "unexpected end of file");
            close(fd);
            free(buf);
            return NULL;
        }
        got += (size_t)r;
    }
    close(fd);
    *len = got;
    return buf;
}

static int all_zero(const unsigned char *p, size_t n) {
    /* a record never starts with a zero length: test that first */
    if (n >= 4 && (p[0] | p[1] | p[2] | p[3])) return 0;
    for (size_t i = 0; i < n; i++)
        if (p[i]) return 0;
    return 1;
}

/* Is there a complete record with a valid CRC anywhere in buf[from..len)?
 * Used to tell a torn tail (garbage to the end) from corruption followed by
 * intact records. */
static int valid_record_after(const unsigned char *buf, size_t len, size_t from,
                              uint64_t min_lsn) {
    for (size_t o = from; o + WAL_REC_HEADER + WAL_REC_MIN_BODY <= len; o++) {
        uint32_t blen = sb_get32(buf + o);
        if (blen < WAL_REC_MIN_BODY || blen > len - o - WAL_REC_HEADER) continue;
        const unsigned char *body = buf + o + WAL_REC_HEADER;
        if (sb_get64(body) < min_lsn) continue;
        if (wal_crc32c(body, blen) == sb_get32(buf + o + 4)) return 1;
    }
    return 0;
}

/* Save bytes [off, len) of a segment to a side file before cutting them. */
static int save_torn(const char *path, const unsigned char *buf, size_t len, size_t off) {
    char side[600];
    snprintf(side, sizeof(side), "%s.torn-%zu", path, off);
    int fd = open(side, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) return -1;
    size_t done = 0;
    while (done < len - off) {
        ssize_t w = write(fd, buf + off + done, len - off - done);
        if (w < 0 && errno == EINTR) continue;
        if (w <= 0) { close(fd); return -1; }
        done += (size_t)w;
    }
    int r = fsync(fd);
    close(fd);
    return r;
}

int wal_read_segment(const unsigned char *buf, size_t len, const char *dir, int last,
                     uint64_t after_lsn, uint64_t *expect_io, wal_record_fn *fn, void *ud,
                     wal_segment_info *s, wal_scan_result *res, char *err, size_t errlen) {
    uint64_t expect = *expect_io;
    s->bytes = len;
    s->last_lsn = s->first_lsn - 1;
    /* header */
    if (len < WAL_HEADER_SIZE || memcmp(buf, WAL_MAGIC, 8) != 0 ||
        sb_get32(buf + 28) != wal_crc32c(buf, 28)) {
        if (last && len <= WAL_HEADER_SIZE) {
            /* a segment whose creation was cut short: nothing in it */
            res->torn = 1;
            snprintf(res->torn_path, sizeof(res->torn_path), "%s", s->path);
            res->torn_offset = 0;
            res->torn_bytes = len;
            return 0;
        }
        snprintf(err, errlen,
                 "%s: bad segment header at offset 0 (not a strongbox WAL segment, or "
                 "damaged). Run 'strongbox-check verify %s' to see what is affected.",
                 s->path, dir);
        return -1;
    }
    if (sb_get32(buf + 8) < 1 || sb_get32(buf + 8) > WAL_FORMAT_VERSION) {
        snprintf(err, errlen, "%s: WAL format version %u, this server reads versions 1 to %d",
                 s->path, sb_get32(buf + 8), WAL_FORMAT_VERSION);
        return -1;
    }
    if (sb_get64(buf + 16) != s->first_lsn) {
        snprintf(err, errlen, "%s: header says first LSN %llu but the file name says %llu",
                 s->path, (unsigned long long)sb_get64(buf + 16),
                 (unsigned long long)s->first_lsn);
        return -1;
    }
    /* Records must run on without a gap from after_lsn + 1 (where the
     * loaded checkpoint ends); below that, gaps don't matter. */
    if (!expect && s->first_lsn > after_lsn + 1) {
        snprintf(err, errlen,
                 "%s: LSN gap: the data before this segment ends at LSN %llu but the "
                 "first WAL segment starts at LSN %llu (a segment or a checkpoint is "
                 "missing or unreadable)",
                 s->path, (unsigned long long)after_lsn, (unsigned long long)s->first_lsn);
        return -1;
    }
    if (expect && s->first_lsn != expect &&
        (s->first_lsn < expect || s->first_lsn > after_lsn + 1)) {
        snprintf(err, errlen,
                 "%s: LSN gap: the previous segment ends at LSN %llu but this one starts "
                 "at %llu (a segment is missing). The WAL after LSN %llu cannot be "
                 "replayed; 'strongbox-check repair %s --to-lsn %llu' keeps what is "
                 "before the gap.",
                 s->path, (unsigned long long)(expect - 1), (unsigned long long)s->first_lsn,
                 (unsigned long long)(expect - 1), dir, (unsigned long long)(expect - 1));
        return -1;
    }
    expect = s->first_lsn;
    size_t off = WAL_HEADER_SIZE;
    while (off < len) {
        const char *why = NULL;
        uint32_t blen = 0;
        if (all_zero(buf + off, len - off)) { /* preallocated: the end */
            s->bytes = off;
            break;
        }
        if (len - off < WAL_REC_HEADER) why = "incomplete record header";
        else {
            blen = sb_get32(buf + off);
            if (blen < WAL_REC_MIN_BODY || blen > WAL_REC_MAX_BODY) why = "bad record length";
            else if (blen > len - off - WAL_REC_HEADER) why = "incomplete record";
            else if (wal_crc32c(buf + off + WAL_REC_HEADER, blen) != sb_get32(buf + off + 4))
                why = "CRC mismatch";
            else if (sb_get64(buf + off + WAL_REC_HEADER) != expect)
                why = "unexpected LSN";
        }
        if (why) {
            if (last && !valid_record_after(buf, len, off + 1, expect)) {
                /* a torn tail: what a crash in the middle of a write leaves */
                res->torn = 1;
                snprintf(res->torn_path, sizeof(res->torn_path), "%s", s->path);
                res->torn_offset = off;
                /* up to the last byte written: zeros after it were preallocated */
                size_t end = len;
                while (end > off && buf[end - 1] == 0) end--;
                res->torn_bytes = end - off;
                s->bytes = off;
                break;
            }
            snprintf(err, errlen,
                     "%s: %s at offset %zu (expected LSN %llu), and intact data follows "
                     "it: this is corruption, not a torn write. The data after this point "
                     "cannot be replayed safely; 'strongbox-check repair %s --to-lsn %llu' "
                     "keeps everything before it (the rest is saved to a side file).",
                     s->path, why, off, (unsigned long long)expect, dir,
                     (unsigned long long)(expect - 1));
            return -1;
        }
        const unsigned char *body = buf + off + WAL_REC_HEADER;
        if (!res->first_lsn) res->first_lsn = expect;
        res->last_lsn = expect;
        s->last_lsn = expect;
        s->records++;
        if (expect > after_lsn && fn) {
            int r = fn(ud, expect, body[8], body + 9, blen - 9, s->path, off);
            if (r) return r;
        }
        expect++;
        off += WAL_REC_HEADER + blen;
    }
    *expect_io = expect;
    return 0;
}

/* Act on the torn tail wal_read_segment found in the last segment (held in
 * buf): save the bytes to a side file, then cut them off, or remove a
 * segment whose header is incomplete. */
static int cut_torn_tail(const wal_scan_result *res, const unsigned char *buf, size_t len,
                         char *err, size_t errlen) {
    const char *path = res->torn_path;
    size_t off = (size_t)res->torn_offset;
    if (off == 0) {
        save_torn(path, buf, len, 0);
        if (unlink(path) != 0) {
            snprintf(err, errlen, "can't remove incomplete segment %s: %s", path,
                     strerror(errno));
            return -1;
        }
        return 0;
    }
    if (save_torn(path, buf, off + (size_t)res->torn_bytes, off) != 0 ||
        truncate(path, (off_t)off) != 0) {
        snprintf(err, errlen, "%s: can't cut the torn tail at offset %zu: %s", path, off,
                 strerror(errno));
        return -1;
    }
    return 0;
}

int wal_scan(const char *dir, uint64_t after_lsn, int cut_torn, wal_record_fn *fn,
             void *ud, wal_scan_result *res, char *err, size_t errlen) {
    memset(res, 0, sizeof(*res));
    if (wal_list_segments(dir, &res->segs, &res->nsegs, err, errlen)) return -1;
    uint64_t expect = 0; /* next LSN expected; 0 = take the first we see */
    for (size_t i = 0; i < res->nsegs; i++) {
        wal_segment_info *s = &res->segs[i];
        int last = i + 1 == res->nsegs;
        /* Wholly below after_lsn (the next segment starts at or before
         * after_lsn + 1): a checkpoint covers it, nothing in it is needed,
         * so it is not read (kept only with keep-wal; damage there must not
         * stop a start that does not depend on it). */
        if (!last && res->segs[i + 1].first_lsn <= after_lsn + 1) {
            struct stat st;
            s->bytes = stat(s->path, &st) == 0 ? (uint64_t)st.st_size : 0;
            s->last_lsn = res->segs[i + 1].first_lsn - 1;
            expect = 0;
            continue;
        }
        size_t len;
        unsigned char *buf = read_file(s->path, &len, err, errlen);
        if (!buf) return -1;
        int rc = wal_read_segment(buf, len, dir, last, after_lsn, &expect, fn, ud, s, res, err,
                                  errlen);
        if (rc == 0 && res->torn && cut_torn) rc = cut_torn_tail(res, buf, len, err, errlen);
        free(buf);
        if (rc) return rc;
        if (res->torn && res->torn_offset == 0) res->nsegs--; /* incomplete header: gone */
    }
    return 0;
}

int wal_scan_file(const char *path, wal_record_fn *fn, void *ud, wal_scan_result *res,
                  char *err, size_t errlen) {
    memset(res, 0, sizeof(*res));
    const char *base = strrchr(path, '/');
    base = base ? base + 1 : path;
    unsigned long long lsn;
    char tail[8];
    if (strlen(base) != 28 || sscanf(base, "wal-%20llu.%7s", &lsn, tail) != 2 ||
        strcmp(tail, "log")) {
        snprintf(err, errlen, "%s: not a WAL segment name (wal-<first LSN, 20 digits>.log)", path);
        return -1;
    }
    char dir[512];
    snprintf(dir, sizeof(dir), "%.*s", base == path ? 1 : (int)(base - path - 1),
             base == path ? "." : path);
    res->segs = calloc(1, sizeof(*res->segs));
    if (!res->segs) abort();
    res->nsegs = 1;
    snprintf(res->segs[0].path, sizeof(res->segs[0].path), "%s", path);
    res->segs[0].first_lsn = lsn;
    uint64_t expect = 0;
    size_t len;
    unsigned char *buf = read_file(path, &len, err, errlen);
    if (!buf) return -1;
    int rc = wal_read_segment(buf, len, dir, 1, lsn ? lsn - 1 : 0, &expect, fn, ud,
                              &res->segs[0], res, err, errlen);
    free(buf);
    if (rc == 0 && res->torn && res->torn_offset == 0) {
        snprintf(err, errlen, "%s: only %llu byte(s), no complete header at offset 0", path,
                 (unsigned long long)res->torn_bytes);
        return -1;
    }
    return rc;
}

int wal_remove_upto(const char *dir, uint64_t lsn, int last_too) {
    wal_segment_info *segs;
    size_t n;
    char err[256];
    int removed = 0;
    if (wal_list_segments(dir, &segs, &n, err, sizeof(err)) != 0) return 0;
    for (size_t i = 0; i + 1 < n; i++)
        if (segs[i + 1].first_lsn <= lsn + 1 && unlink(segs[i].path) == 0) removed++;
    if (last_too && n && segs[n - 1].first_lsn <= lsn + 1 && unlink(segs[n - 1].path) == 0)
        removed++;
    free(segs);
    return removed;
}

/* Bytes of zeros at the end of the file (up to `max` looked at): the
 * preallocated tail a crashed run's last segment keeps. */
static uint64_t zero_tail(const char *path, uint64_t size, uint64_t max) {
    enum { CHUNK = 64 * 1024 };
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    char *buf = fd >= 0 ? malloc(CHUNK) : NULL;
    if (!buf) {
        if (fd >= 0) close(fd);
        return 0;
    }
    uint64_t zeros = 0;
    while (zeros < size && zeros < max) {
        uint64_t n = size - zeros < CHUNK ? size - zeros : CHUNK;
        if (pread(fd, buf, n, (off_t)(size - zeros - n)) != (ssize_t)n) break;
        uint64_t i = n;
        while (i > 0 && buf[i - 1] == 0) i--;
        zeros += n - i;
        if (i > 0) break;
    }
    free(buf);
    close(fd);
    return zeros;
}

uint64_t wal_disk_bytes(const char *dir) {
    wal_segment_info *segs;
    size_t n;
    char err[256];
    uint64_t total = 0;
    if (wal_list_segments(dir, &segs, &n, err, sizeof(err)) != 0) return 0;
    for (size_t i = 0; i < n; i++) {
        struct stat st;
        if (stat(segs[i].path, &st) != 0) continue;
        total += (uint64_t)st.st_size;
        /* (the last segment's zeros ahead are not records to load: with
         * them the progress and ETA of a small WAL were off by far) */
        if (i + 1 == n) total -= zero_tail(segs[i].path, (uint64_t)st.st_size, 256u << 20);
    }
    free(segs);
    return total;
}

void wal_scan_result_free(wal_scan_result *res) {
    free(res->segs);
    res->segs = NULL;
    res->nsegs = 0;
}

/* ------------------------------------------------------------ writing */

#define WAL_DIO_ALIGN 4096u           /* offsets, lengths, buffers of O_DIRECT */
#define WAL_DIO_MAX (8u * 1024 * 1024) /* larger groups: buffered (no copy) */
#define DIO_DOWN(x) ((x) / WAL_DIO_ALIGN * WAL_DIO_ALIGN)
#define DIO_UP(x) DIO_DOWN((x) + WAL_DIO_ALIGN - 1)

struct wal {
    wal_options o;
    char dir[512];
    int dirfd;
    int fd;                   /* current segment (writer thread) */
    _Atomic uint64_t seg_first_lsn; /* also read by INFO (engine thread) */
    uint64_t seg_bytes;       /* its logical end: where the next group goes */
    _Atomic int seg_full;     /* seg_bytes reached the segment size */

    /* direct I/O (see "Direct writes" below), under `writing` */
    int dfd;                  /* the segment again, O_DIRECT; -1: none */
    _Atomic int direct_off;   /* O_DIRECT refused once: buffered from then on */
    /* buffered writes into the segment, and how many of them an fsync
     * covered (an inline write may come during the writer's fsync) */
    _Atomic uint64_t buffered_gen, synced_gen;
    unsigned char *dbuf;      /* block-aligned copy of a direct write */
    size_t dbuf_cap;
    unsigned char tail[WAL_DIO_ALIGN]; /* [seg_bytes rounded down, seg_bytes) */

    /* preallocation (see "Preallocation" below): under pmu, except that
     * the writer may read alloc_end without it */
    uv_mutex_t pmu;
    uv_cond_t pcv;
    uv_thread_t pthread;
    int zfd;                  /* the preallocator's own open file, -1: none */
    _Atomic uint64_t alloc_end; /* [0, alloc_end) is written and synced (direct:
                                 * up to a block boundary, whose rest reads as
                                 * zeros: see below) */
    uint64_t want_end;        /* the preallocator zeroes up to here */
    uint64_t horizon;         /* how far ahead of the logical end */
    int zeroing, writer_beyond, pstop, pfailed;
    int zdirect;              /* zfd is O_DIRECT: zeros from block boundaries */
    _Atomic uint64_t group_avg; /* bytes per group, moving average (writer) */
    char zpath[600];          /* zfd's file */
    int spare_fd;             /* the next segment-to-be, zeros synced; -1: none */
    int spare_failed;         /* making it failed (tried again next segment) */
    uint64_t spare_end;       /* its zeros: [0, spare_end) */

    /* whichever thread holds the engine (engine.h) */
    resp_buf stage;
    uint64_t stage_last;

    uv_mutex_t mu;
    uv_cond_t cv;
    _Atomic int kicked;       /* wal_release signalled cv since the writer last looked */
    resp_buf group;           /* under mu */
    uint64_t group_last;
    eng_outbatch *pend_head, *pend_tail;
    uint64_t fsync_want;      /* WAITAOF: fsync at least up to this LSN */
    int writing;              /* a group is being written, by the writer or inline */
    int fsyncing;             /* the writer syncs in everysec/no: writes go on inline */
    int rolling;              /* the writer takes the log back to start a segment */
    int writer_idle;          /* the writer waits for work (in always mode, a
                               * lone client's group is committed inline) */
    int committing;           /* an inline commit: the writer has no work */
    int stop;
    uv_thread_t thread;

    /* the syncer (see "Pipelined syncs"), under mu */
    int has_syncer;
    uv_thread_t sthread;
    uv_cond_t scv;            /* the syncer waits here */
    uint64_t sync_want;       /* the writer asks it to sync up to here */
    _Atomic int syncing;      /* it is in fdatasync */
    int sync_hold;            /* kept out: the writer syncs or rolls over */
    int sstop;

    _Atomic uint64_t next_lsn, written_lsn, durable_lsn;
    _Atomic int failed;
    char cause[800];
    uint64_t fail_durable;    /* durable LSN when it failed */
    uint64_t fail_acked;      /* the last LSN a reply may have shown then */

    _Atomic int fault_op, fault_err;
    _Atomic long fault_after, fault_slow_ms;
    _Atomic int fault_slow_per_mb;
    uint64_t slow_synced;     /* writer: `bytes` at the last fsync (slow per MB) */

    /* stats, writer thread (read racily by INFO: plain counters) */
    _Atomic uint64_t bytes, groups, records, fsyncs, fsync_us_total, fsync_us_max;
    _Atomic uint64_t fsync_hist[WAL_HIST], write_hist[WAL_HIST];
    _Atomic int64_t last_fsync_ms;
    _Atomic uint64_t segments;
    _Atomic uint64_t direct_groups;
    _Atomic uint64_t inline_commits;
    _Atomic uint64_t sync_overlaps;
    int64_t inline_fsync_us;  /* sync_segment's clock for inline commits */
};

void wal_inject_fault(wal *w, int op, int err, long after) {
    atomic_store(&w->fault_after, after);
    atomic_store(&w->fault_err, err);
    atomic_store(&w->fault_op, op);
}

static int fault(wal *w, int op) {
    if (atomic_load(&w->fault_op) != op) return 0;
    if (atomic_fetch_sub(&w->fault_after, 1) > 0) return 0;
    atomic_store(&w->fault_op, WAL_FAULT_NONE);
    errno = atomic_load(&w->fault_err);
    return 1;
}

static int write_all(wal *w, int fd, const void *p, size_t n, uint64_t off) {
    const char *c = p;
    while (n) {
        if (fault(w, WAL_FAULT_WRITE)) return -1;
        ssize_t r = pwrite(fd, c, n, (off_t)off);
        if (r < 0 && errno == EINTR) continue;
        if (r < 0) return -1;
        if (r == 0) { errno = EIO; return -1; }
        c += r;
        n -= (size_t)r;
        off += (uint64_t)r;
    }
    return 0;
}

void wal_inject_slow_fsync(wal *w, long ms, int per_mb) {
    atomic_store(&w->fault_slow_ms, 0);
    atomic_store(&w->fault_slow_per_mb, per_mb);
    atomic_store(&w->fault_slow_ms, ms > 0 ? ms : 0);
}

static int do_fsync(wal *w, int fd) {
    if (fault(w, WAL_FAULT_FSYNC)) return -1;
    long slow = atomic_load(&w->fault_slow_ms);
    uint64_t written = atomic_load(&w->bytes);
    if (slow > 0 && atomic_load(&w->fault_slow_per_mb))
        slow = (long)((double)slow * (double)(written - w->slow_synced) / (1 << 20));
    w->slow_synced = written;
    if (slow > 0) {
        struct timespec ts = {slow / 1000, (slow % 1000) * 1000000L};
        while (nanosleep(&ts, &ts) != 0) {}
    }
    return fdatasync(fd);
}

/* ------------------------------------------------------- preallocation
 *
 * fdatasync() after an append must also write the inode (the new size and
 * the new blocks); after overwriting blocks that are already allocated and
 * synced it writes only the data -- about half the time per group commit
 * on ext4 here. So a second thread keeps the current segment written with
 * zeros, and synced, some way ahead of its logical end, and the writer
 * overwrites the zeros. Readers take a zero record length followed by
 * zeros to the end of the file as the end of the segment (WAL_FORMAT.md,
 * version 2), and a segment is cut back to its last record when it is
 * finished (rollover, clean close); after a crash the zeros stay until a
 * checkpoint removes the segment (recovery leaves files as they are).
 *
 * The preallocator uses its own open file description: an error writeback
 * reports to it is still reported to the writer's fdatasync (Linux tracks
 * errors per open file). Its own failure only stops preallocation; the
 * writer then appends, as it does whenever it gets past the zeros. Only
 * fresh zeros are used, never an old segment: a recycled file could hold
 * old records with valid checksums after a torn write.
 *
 * When the writer writes directly (below), so does the preallocator, from
 * block boundaries: the bytes between the logical end and the next
 * boundary are in a block already written (zeros after the records, or
 * past the end of the file, which reads as zeros).
 */
#define PREALLOC_MIN (256u * 1024)
#define PREALLOC_MAX (8u * 1024 * 1024)
#define PREALLOC_CHUNK (1u * 1024 * 1024) /* zeros per write+fdatasync */

static _Alignas(WAL_DIO_ALIGN) const unsigned char zeros[64 * 1024];

/* open(path, flags), with O_DIRECT if *direct and the file system takes
 * it (*direct is cleared if not). */
static int open_maybe_direct(const char *path, int flags, mode_t mode, int *direct) {
    if (*direct) {
        int fd = open(path, flags | O_DIRECT, mode);
        if (fd >= 0 || errno != EINVAL) return fd;
        *direct = 0;
    }
    return open(path, flags, mode);
}

/* The spare: a segment made in advance. Creating a segment at rollover
 * took 0.6-5 ms on the writer (a new file, its header and the directory
 * synced, then appends until the zeros caught up), which showed in p99
 * under heavy writes. So once the current segment is zeroed, the
 * preallocator makes SPARE_NAME: SPARE_BYTES of zeros, synced. Rollover
 * then writes the header into it, syncs it, renames it and syncs the
 * directory (new_segment). Its name is no segment's, so recovery and
 * backups ignore it; a leftover one is removed at start. */
#define SPARE_NAME "wal-spare.tmp"
#define SPARE_BYTES (1u * 1024 * 1024)

/* Write n zeros at from and sync them: 0, or -1 (errno). One pwritev of
 * up to ZEROS_IOV copies of `zeros` per call, not one pwrite each: a
 * direct write is a request to the disk, and on a virtual machine each
 * costs an exit to the host. Under SET -c 50 -P 16, appendfsync always,
 * the preallocator's CPU time fell to a third (from 2.5% of the server's). */
#define ZEROS_IOV 16
static int write_zeros(int fd, uint64_t from, uint64_t n) {
    struct iovec iov[ZEROS_IOV];
    for (uint64_t done = 0; done < n;) {
        int cnt = 0;
        for (uint64_t left = n - done; left && cnt < ZEROS_IOV; cnt++) {
            size_t k = left < sizeof(zeros) ? (size_t)left : sizeof(zeros);
            iov[cnt] = (struct iovec){(void *)zeros, k};
            left -= k;
        }
        ssize_t r = pwritev(fd, iov, cnt, (off_t)(from + done));
        if (r < 0 && errno == EINTR) continue;
        if (r <= 0) {
            if (r == 0) errno = EIO;
            return -1;
        }
        done += (uint64_t)r;
    }
    return fdatasync(fd);
}

static void spare_path(const wal *w, char *out, size_t cap) {
    snprintf(out, cap, "%s/" SPARE_NAME, w->dir);
}

/* Under pmu, returns with it held; 0 on success. Nobody waits for it
 * (zeroing stays 0: the writer and the current segment are not involved). */
static int make_spare(wal *w) {
    char path[600];
    spare_path(w, path, sizeof(path));
    uint64_t bytes = SPARE_BYTES;
    if ((uint64_t)*w->o.segment_size < bytes) bytes = (uint64_t)*w->o.segment_size;
    int direct = !atomic_load(&w->direct_off);
    uv_mutex_unlock(&w->pmu);
    int fd = open(path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    int rc = -1;
    if (fd >= 0) { /* zeros through a second, direct, file if it can be */
        int zfd = direct ? open_maybe_direct(path, O_WRONLY | O_CLOEXEC, 0, &direct) : -1;
        if (direct) bytes = DIO_UP(bytes);
        rc = write_zeros(zfd >= 0 ? zfd : fd, 0, bytes);
        if (zfd >= 0) close(zfd);
    }
    int err = errno;
    if (rc != 0 && fd >= 0) {
        close(fd);
        unlink(path);
    }
    uv_mutex_lock(&w->pmu);
    if (rc == 0) {
        w->spare_fd = fd;
        w->spare_end = bytes;
    } else {
        w->spare_failed = 1;
        sb_log(LOG_WARNING, "Making the next WAL segment %s in advance failed: %s. The next "
               "rollover creates it (a few ms longer).", path, strerror(err));
    }
    uv_cond_broadcast(&w->pcv);
    return rc;
}

/* Zeros only pay in always mode. Elsewhere the writer syncs at most once
 * a second, and each chunk's fdatasync would flush every record written
 * before it: the policy "no" would sync after all, and a write that
 * caught up with the zeros would wait for that flush. And only for groups
 * up to ZEROS_MAX_GROUP on average: the zeros double what the disk writes,
 * while the inode update they save costs little more for a big group than
 * for a small one (here: a 3 KB group synced in 127 us over zeros, 160 us
 * appended; 300 KB in 490 vs 600 us; yet SETs of 1 KB values at -P 16,
 * 600 KB groups, ran 30% faster without zeros: the disk's bandwidth was
 * the limit). */
#define ZEROS_MAX_GROUP (128u * 1024)

static int zeros_wanted(wal *w) {
    return atomic_load(w->o.fsync_mode) == WAL_FSYNC_ALWAYS &&
           atomic_load(&w->group_avg) < ZEROS_MAX_GROUP &&
           w->zfd >= 0 && !w->writer_beyond && !w->pfailed &&
           atomic_load(&w->alloc_end) < w->want_end;
}

static int spare_wanted(wal *w) {
    return w->spare_fd < 0 && w->zfd >= 0 && !w->pfailed && !w->spare_failed &&
           *w->o.segment_size > 0 &&
           w->want_end >= (uint64_t)*w->o.segment_size;
}

static void prealloc_main(void *arg) {
    wal *w = arg;
    pthread_setname_np(pthread_self(), "sb-prealloc");
    uv_mutex_lock(&w->pmu);
    for (;;) {
        while (!w->pstop && !zeros_wanted(w) && !spare_wanted(w))
            uv_cond_wait(&w->pcv, &w->pmu);
        if (w->pstop) break;
        if (!zeros_wanted(w)) { /* zeroed to its end, or no zeros in this mode */
            /* (re-checked: the mode may have changed since the wait) */
            if (spare_wanted(w)) make_spare(w);
            continue;
        }
        uint64_t from = atomic_load(&w->alloc_end);
        if (w->zdirect) from = DIO_UP(from);
        uint64_t n = w->want_end > from ? w->want_end - from : 0;
        if (n > PREALLOC_CHUNK) n = PREALLOC_CHUNK;
        if (w->zdirect) n = DIO_UP(n);
        int fd = w->zfd;
        w->zeroing = 1;
        uv_mutex_unlock(&w->pmu);
        int rc = n ? write_zeros(fd, from, n) : 0;
        int err = errno;
        uv_mutex_lock(&w->pmu);
        w->zeroing = 0;
        if (rc != 0 && err == EINVAL && w->zdirect) { /* direct refused: buffered */
            int again = open(w->zpath, O_WRONLY | O_CLOEXEC);
            if (again >= 0) {
                close(w->zfd);
                w->zfd = again;
                w->zdirect = 0;
                uv_cond_broadcast(&w->pcv);
                continue;
            }
        }
        if (rc != 0) {
            w->pfailed = 1;
            sb_log(LOG_WARNING, "WAL preallocation stopped: writing zeros ahead of the log "
                   "failed: %s. The log goes on by appending (slower fsyncs).", strerror(err));
        } else {
            atomic_store(&w->alloc_end, from + n);
        }
        uv_cond_broadcast(&w->pcv);
    }
    uv_mutex_unlock(&w->pmu);
}

/* Ask for zeros up to end + horizon once fewer than half the horizon are
 * left (under pmu): big sequential chunks, not one per group. */
static void prealloc_want(wal *w, uint64_t end) {
    if (atomic_load(&w->alloc_end) >= end + w->horizon / 2) return;
    uint64_t want = end + w->horizon;
    long long segsize = *w->o.segment_size;
    if (segsize > 0 && want > (uint64_t)segsize) want = (uint64_t)segsize;
    if (want > w->want_end) {
        w->want_end = want;
        if (zeros_wanted(w) || spare_wanted(w)) uv_cond_signal(&w->pcv);
    }
}

/* Point the preallocator at the segment just created (header synced),
 * zeroed and synced up to zeroed already. */
static void prealloc_attach(wal *w, const char *path, uint64_t zeroed) {
    uv_mutex_lock(&w->pmu);
    w->zdirect = w->dfd >= 0;
    w->zfd = open_maybe_direct(path, O_WRONLY | O_CLOEXEC, 0, &w->zdirect);
    snprintf(w->zpath, sizeof(w->zpath), "%s", path);
    w->spare_failed = 0;
    atomic_store(&w->alloc_end, zeroed > WAL_HEADER_SIZE ? zeroed : WAL_HEADER_SIZE);
    w->want_end = 0;
    prealloc_want(w, WAL_HEADER_SIZE);
    uv_mutex_unlock(&w->pmu);
}

/* Take the preallocator off the current segment (it may be writing). */
static void prealloc_detach(wal *w) {
    uv_mutex_lock(&w->pmu);
    while (w->zeroing) uv_cond_wait(&w->pcv, &w->pmu);
    if (w->zfd >= 0) close(w->zfd);
    w->zfd = -1;
    atomic_store(&w->alloc_end, 0);
    uv_mutex_unlock(&w->pmu);
}

/* The writer is about to write up to end. Past the zeros it appends, and
 * the preallocator must keep out meanwhile: returns 1 then. */
static int prealloc_begin(wal *w, uint64_t end) {
    if (end <= atomic_load(&w->alloc_end)) return 0;
    uv_mutex_lock(&w->pmu);
    while (w->zeroing) uv_cond_wait(&w->pcv, &w->pmu);
    w->writer_beyond = 1;
    uv_mutex_unlock(&w->pmu);
    return 1;
}

/* The writer wrote up to end (beyond: see prealloc_begin). */
static void prealloc_end(wal *w, uint64_t end, int beyond) {
    uv_mutex_lock(&w->pmu);
    if (beyond) {
        w->writer_beyond = 0;
        if (end > atomic_load(&w->alloc_end)) atomic_store(&w->alloc_end, end);
        if (w->horizon < PREALLOC_MAX) w->horizon *= 2; /* caught up: look further */
    }
    prealloc_want(w, end);
    uv_mutex_unlock(&w->pmu);
}

static void prealloc_stop(wal *w) {
    uv_mutex_lock(&w->pmu);
    w->pstop = 1;
    uv_cond_signal(&w->pcv);
    uv_mutex_unlock(&w->pmu);
    uv_thread_join(&w->pthread);
}

/* ------------------------------------------------------- direct writes
 *
 * In always mode every group is written and synced at once, so the page
 * cache only costs: the kernel copies each group into fresh pages (and
 * the preallocator's zeros before it), then writes them back. Measured
 * here, a buffered write+fdatasync of a 300 KB group took 80 us of CPU,
 * an O_DIRECT one 40 us, and the zeros ahead 2 ms per MB buffered against
 * 0.1 ms direct, for the same fsync latency. So in always mode a group goes
 * through dfd, the segment opened with O_DIRECT: from the block that holds
 * the logical end (its first bytes again, kept in w->tail) to the next
 * block boundary, padded with zeros, from a block-aligned copy. Rewriting
 * the records already in that block rewrites the same bytes, as writeback
 * of a page does. fdatasync still follows: it flushes the disk's cache.
 * Other modes, groups over WAL_DIO_MAX, and file systems that refuse
 * O_DIRECT write through the page cache as before; so does a group that
 * follows buffered writes not yet synced (a switch from everysec), and
 * every group where pages are not 4 KB (see wal_open).
 */

static void direct_refused(wal *w, const char *path) {
    if (atomic_exchange(&w->direct_off, 1)) return;
    sb_log(LOG_NOTICE, "The file system of %s does not take O_DIRECT: the WAL is written "
           "through the page cache (more CPU per write in appendfsync always).", path);
}

/* Write data at seg_bytes through dfd: 0, -1 with errno, or 1 when
 * O_DIRECT was refused (EINVAL: the caller writes it buffered). */
static int write_direct(wal *w, const void *data, size_t len) {
    uint64_t base = DIO_DOWN(w->seg_bytes);
    size_t head = (size_t)(w->seg_bytes - base);
    size_t n = DIO_UP(head + len);
    if (n > w->dbuf_cap) {
        free(w->dbuf);
        w->dbuf_cap = n < 256u * 1024 ? 256u * 1024 : n;
        w->dbuf = aligned_alloc(WAL_DIO_ALIGN, w->dbuf_cap);
        if (!w->dbuf) abort();
    }
    memcpy(w->dbuf, w->tail, head);
    memcpy(w->dbuf + head, data, len);
    memset(w->dbuf + head + len, 0, n - head - len);
    if (fault(w, WAL_FAULT_DIRECT) || write_all(w, w->dfd, w->dbuf, n, base) != 0) {
        if (errno != EINVAL) return -1;
        /* (what a partly refused write left is written again, buffered) */
        close(w->dfd);
        w->dfd = -1;
        direct_refused(w, w->dir);
        return 1;
    }
    if (w->dbuf_cap > 4u * 1024 * 1024) {
        free(w->dbuf);
        w->dbuf = NULL;
        w->dbuf_cap = 0;
    }
    return 0;
}

/* After data went in up to end: keep the last partial block's bytes. */
static void keep_tail(wal *w, const unsigned char *data, size_t len, uint64_t end) {
    size_t t = (size_t)(end % WAL_DIO_ALIGN);
    if (len >= t) memcpy(w->tail, data + len - t, t);
    else memcpy(w->tail + (t - len), data, len); /* within the block */
}

/* A finished segment ends with its last record: detach the preallocator
 * and cut the zeros after it. */
static int seal_segment(wal *w) {
    prealloc_detach(w);
    struct stat st;
    if (fstat(w->fd, &st) != 0) return -1;
    if ((uint64_t)st.st_size <= w->seg_bytes) return 0;
    if (ftruncate(w->fd, (off_t)w->seg_bytes) != 0) return -1;
    return fsync(w->fd);
}

/* Create segment first_lsn, write and sync its header and the directory. */
static int new_segment(wal *w, uint64_t first_lsn, char *err, size_t errlen) {
    char path[600], spare[600];
    segment_name(path, sizeof(path), w->dir, first_lsn);
    spare_path(w, spare, sizeof(spare));
    uv_mutex_lock(&w->pmu);
    int fd = w->spare_fd;
    uint64_t zeroed = fd >= 0 ? w->spare_end : 0;
    w->spare_fd = -1;
    uv_mutex_unlock(&w->pmu);
    /* a whole block of the spare's zeros (so it is not read first) */
    unsigned char h[WAL_DIO_ALIGN] = {0};
    make_header(h, first_lsn);
    size_t hlen = zeroed >= sizeof(h) ? sizeof(h) : WAL_HEADER_SIZE;
    /* Either way the header is synced before the file has a segment's
     * name -- never an existing segment's (RENAME_NOREPLACE, O_EXCL) --
     * and the name before any record goes in. */
    if (fd >= 0) {
        if (write_all(w, fd, h, hlen, 0) != 0 || do_fsync(w, fd) != 0) {
            snprintf(err, errlen, "can't write WAL segment %s: %s", spare, strerror(errno));
            close(fd);
            unlink(spare);
            return -1;
        }
        if (renameat2(AT_FDCWD, spare, AT_FDCWD, path, RENAME_NOREPLACE) != 0) {
            int e = errno;
            close(fd);
            unlink(spare);
            fd = -1;
            zeroed = 0;
            if (e != EINVAL && e != ENOSYS) { /* (a file system without it: create) */
                snprintf(err, errlen, "can't create WAL segment %s: %s", path, strerror(e));
                return -1;
            }
        }
    }
    if (fd < 0) {
        fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
        if (fd < 0) {
            snprintf(err, errlen, "can't create WAL segment %s: %s", path, strerror(errno));
            return -1;
        }
        if (write_all(w, fd, h, WAL_HEADER_SIZE, 0) != 0 || do_fsync(w, fd) != 0) {
            snprintf(err, errlen, "can't write WAL segment %s: %s", path, strerror(errno));
            close(fd);
            return -1;
        }
    }
    if (fsync(w->dirfd) != 0) {
        snprintf(err, errlen, "can't sync the directory of WAL segment %s: %s", path,
                 strerror(errno));
        close(fd);
        return -1;
    }
    if (w->fd >= 0) close(w->fd);
    w->fd = fd;
    if (w->dfd >= 0) close(w->dfd);
    w->dfd = -1;
    atomic_store(&w->synced_gen, atomic_load(&w->buffered_gen)); /* (a new file) */
    int direct = !atomic_load(&w->direct_off);
    if (direct) {
        int dfd = open_maybe_direct(path, O_WRONLY | O_CLOEXEC, 0, &direct);
        if (direct && dfd >= 0) w->dfd = dfd;
        else if (dfd >= 0) close(dfd);
        if (!direct) direct_refused(w, path);
        else if (dfd < 0)
            sb_log(LOG_WARNING, "Can't open WAL segment %s for direct writes: %s. It is written "
                   "through the page cache.", path, strerror(errno));
    }
    memcpy(w->tail, h, WAL_HEADER_SIZE);
    w->seg_first_lsn = first_lsn;
    w->seg_bytes = WAL_HEADER_SIZE;
    atomic_store(&w->seg_full, 0);
    w->segments++;
    prealloc_attach(w, path, zeroed);
    return 0;
}

uint64_t wal_hist_bound(int i) { return i < WAL_HIST - 1 ? 64ull << i : UINT64_MAX; }

/* Count a duration in a histogram of the stats (any thread: atomics). */
static void hist_add(_Atomic uint64_t *h, int64_t us) {
    int i = 0;
    while (i < WAL_HIST - 1 && (uint64_t)(us > 0 ? us : 0) >= wal_hist_bound(i)) i++;
    atomic_fetch_add_explicit(&h[i], 1, memory_order_relaxed);
}

/* Write a group at the end of the segment (the caller holds `writing`):
 * 0, or -1 with errno. */
static int append_group(wal *w, const void *data, size_t len, uint64_t last) {
    uint64_t end = w->seg_bytes + len;
    /* (not while buffered writes before it wait for an fsync, as after a
     * switch from everysec: a direct write would reach the disk before
     * them, and a power loss in between would leave zeros followed by
     * intact records, which recovery takes for corruption) */
    int direct = w->dfd >= 0 && len <= WAL_DIO_MAX &&
                 atomic_load(&w->buffered_gen) == atomic_load(&w->synced_gen) &&
                 atomic_load(w->o.fsync_mode) == WAL_FSYNC_ALWAYS;
    uint64_t wend = direct ? DIO_UP(end) : end; /* with the zeros after it */
    int beyond = prealloc_begin(w, wend);
    int64_t t0 = sb_mono_us();
    int wrc = direct ? write_direct(w, data, len) : 1;
    if (wrc == 1) {
        direct = 0;
        wend = end;
        wrc = write_all(w, w->fd, data, len, w->seg_bytes);
        atomic_fetch_add(&w->buffered_gen, 1);
    }
    int werr = errno;
    hist_add(w->write_hist, sb_mono_us() - t0);
    prealloc_end(w, wrc == 0 ? wend : w->seg_bytes, beyond);
    if (wrc != 0) {
        errno = werr;
        return -1;
    }
    keep_tail(w, data, len, end);
    if (direct) atomic_fetch_add(&w->direct_groups, 1);
    uint64_t avg = atomic_load(&w->group_avg);
    atomic_store(&w->group_avg, avg - avg / 8 + len / 8);
    w->seg_bytes = end;
    long long segsize = *w->o.segment_size;
    if (segsize > 0 && end >= (uint64_t)segsize) atomic_store(&w->seg_full, 1);
    atomic_fetch_add(&w->bytes, len);
    atomic_fetch_add(&w->groups, 1);
    atomic_store(&w->written_lsn, last);
    return 0;
}

/* fdatasync the segment, counted in the stats: 0, or -1 with errno. */
static int sync_segment(wal *w, int64_t *last_fsync_us) {
    int64_t t0 = sb_mono_us();
    uint64_t gen = atomic_load(&w->buffered_gen);
    if (do_fsync(w, w->fd) != 0) return -1;
    atomic_store(&w->synced_gen, gen);
    int64_t t1 = sb_mono_us();
    *last_fsync_us = t1;
    uint64_t us = (uint64_t)(t1 - t0);
    atomic_fetch_add(&w->fsyncs, 1);
    atomic_fetch_add(&w->fsync_us_total, us);
    hist_add(w->fsync_hist, (int64_t)us);
    if (us > atomic_load(&w->fsync_us_max)) atomic_store(&w->fsync_us_max, us);
    atomic_store(&w->last_fsync_ms, sb_wall_ms());
    return 0;
}

/* durable_lsn only grows: the writer, the syncer and an inline commit each
 * finish syncs, and a sync may end after a later one began. */
static void advance_durable(wal *w, uint64_t lsn) {
    uint64_t cur = atomic_load(&w->durable_lsn);
    while (cur < lsn && !atomic_compare_exchange_weak(&w->durable_lsn, &cur, lsn)) {}
}

/* May b's replies go? always: once what they depend on is fsynced.
 * everysec and no: once it is written to the OS (write() returned), like
 * Redis, so a crash of the process loses nothing acknowledged; only a
 * crash of the machine can lose the last second (everysec). WAITAOF asks
 * for the fsync in any mode. */
static int batch_ready(wal *w, const eng_outbatch *b, uint64_t durable, uint64_t written) {
    if (b->need_fsync_seq > durable) return 0;
    if (atomic_load(w->o.fsync_mode) == WAL_FSYNC_ALWAYS) return b->need_seq <= durable;
    return b->need_seq <= written;
}

/* Replies that depended on records that never became durable must not be
 * sent: close those connections instead (the client cannot know whether
 * the command happened, exactly as after a crash). */
static void drop_undurable(eng_outbatch *b, uint64_t durable) {
    /* need_seq > durable: any reply in it, even a read, may show a change
     * that is not on disk and never will be; none of it may be sent */
    int all = b->need_seq > durable;
    for (size_t i = 0; i < b->nspans; i++) {
        eng_span *s = &b->spans[i];
        if (all || s->lsn > durable) {
            s->len = 0;
            s->flags |= ENG_OUT_CLOSE;
        }
    }
}

uint64_t wal_fail_durable(wal *w) {
    uv_mutex_lock(&w->mu);
    uint64_t d = w->fail_durable;
    uv_mutex_unlock(&w->mu);
    return d;
}

uint64_t wal_fail_acked(wal *w) {
    uv_mutex_lock(&w->mu);
    uint64_t d = w->fail_acked;
    uv_mutex_unlock(&w->mu);
    return d;
}

void wal_set_reloaded(wal *w, uint64_t lsn) {
    uv_mutex_lock(&w->mu);
    if (lsn > w->fail_durable) w->fail_durable = lsn;
    uv_mutex_unlock(&w->mu);
}

/* Take the batches that may go now (under mu). */
static eng_outbatch *take_ready(wal *w) {
    uint64_t durable = atomic_load(&w->durable_lsn), written = atomic_load(&w->written_lsn);
    int failed = atomic_load(&w->failed);
    eng_outbatch *head = NULL, **tail = &head;
    while (w->pend_head && (failed || batch_ready(w, w->pend_head, durable, written))) {
        eng_outbatch *b = w->pend_head;
        w->pend_head = b->next;
        if (!w->pend_head) w->pend_tail = NULL;
        b->next = NULL;
        if (failed) drop_undurable(b, w->fail_durable);
        *tail = b;
        tail = &b->next;
    }
    return head;
}

/* Hand batches to the I/O layer. Always called with mu held: the writer
 * thread and the engine thread (wal_release) both release batches, and
 * the I/O layer must receive them in the order they came -- a client with
 * commands in two batches would otherwise get its replies swapped, and a
 * connection released (ENG_OUT_RELEASE) in a later batch could be freed
 * before an earlier batch that still names it is delivered. */
static void release_list(wal *w, eng_outbatch *b) {
    while (b) {
        eng_outbatch *next = b->next;
        b->next = NULL;
        w->o.release(w->o.release_ud, b);
        b = next;
    }
}

/* Enter the failed state (under mu): from then on nothing is written or
 * synced again, and batches waiting for durability are let go with their
 * connections closed. */
static void fail_locked(wal *w, const char *what, int err) {
    if (!atomic_load(&w->failed)) {
        char seg[600];
        segment_name(seg, sizeof(seg), w->dir, w->seg_first_lsn);
        snprintf(w->cause, sizeof(w->cause), "%s of %s failed: %s", what, seg, strerror(err));
        w->fail_durable = atomic_load(&w->durable_lsn);
        /* everysec and no acknowledge after the write (batch_ready) */
        w->fail_acked = atomic_load(w->o.fsync_mode) == WAL_FSYNC_ALWAYS
                            ? w->fail_durable : atomic_load(&w->written_lsn);
        /* logged before anyone can see the failed state (INFO, MISCONF) */
        sb_log(LOG_WARNING, "WAL %s. Writes are refused from now on and reads are still served; "
               "nothing acknowledged is lost. Check the disk, then restart the server.", w->cause);
        atomic_store(&w->failed, 1);
    }
    release_list(w, take_ready(w));
}

static void fail(wal *w, const char *what, int err) {
    uv_mutex_lock(&w->mu);
    fail_locked(w, what, err);
    uv_mutex_unlock(&w->mu);
}

/* ------------------------------------------------------ pipelined syncs
 *
 * A group commit is two requests to the disk, one after the other: the
 * write (direct, in always mode), then fdatasync's cache flush. A flush
 * makes durable what was written before it began, so the next group's
 * write need not wait for it: with the pipeline option (always mode), the
 * writer writes group N+1 while the syncer thread syncs up to group N, and
 * the syncer's next sync takes all that was written meanwhile. On this VM's
 * disk (no FUA, a write-back cache), 28 KB groups: 4.8k write+sync pairs/s
 * one after the other, 7.6k with the two overlapped (2.9k and 5.0k with
 * both CPUs busy). Under SET -c 50 -P 16 the writer had been the
 * bottleneck, busy with the write and the sync of each group in turn.
 *
 * The syncer syncs up to the last LSN whose write() had returned when its
 * fdatasync began (never more), and releases the batches that waited for
 * it. The writer keeps it out (sync_hold) while it syncs itself (a stop,
 * the other modes) and while it rolls over to a new segment (the file
 * changes); an inline commit happens only while it is idle and all is
 * synced, and it waits while one runs. A failed fdatasync is the WAL's
 * failure, whichever thread made it, and never retried: the other checks
 * `failed` after taking the log or the hold.
 */

static int pipelined(const wal *w) {
    return w->has_syncer && w->o.pipeline && atomic_load(w->o.pipeline) &&
           atomic_load(w->o.fsync_mode) == WAL_FSYNC_ALWAYS;
}

static int syncer_has_work(wal *w) {
    return w->sstop || (!w->sync_hold && !w->committing && !atomic_load(&w->failed) &&
                        w->sync_want > atomic_load(&w->durable_lsn));
}

static void syncer_main(void *arg) {
    wal *w = arg;
    pthread_setname_np(pthread_self(), "sb-walsync");
    int64_t last_fsync_us = 0;
    uv_mutex_lock(&w->mu);
    for (;;) {
        while (!syncer_has_work(w)) uv_cond_wait(&w->scv, &w->mu);
        if (w->sstop) break;
        uint64_t target = atomic_load(&w->written_lsn);
        atomic_store(&w->syncing, 1);
        uv_mutex_unlock(&w->mu);
        int rc = sync_segment(w, &last_fsync_us);
        int err = errno;
        uv_mutex_lock(&w->mu);
        atomic_store(&w->syncing, 0);
        if (rc != 0) {
            fail_locked(w, "fsync", err);
        } else {
            advance_durable(w, target);
            release_list(w, take_ready(w)); /* under mu: see release_list */
        }
        if (w->sync_hold) uv_cond_broadcast(&w->cv); /* hold_syncer waits */
    }
    uv_mutex_unlock(&w->mu);
}

/* Writer: hand what is written to the syncer. */
static void ask_sync(wal *w, uint64_t written) {
    uv_mutex_lock(&w->mu);
    if (written > w->sync_want) w->sync_want = written;
    uv_cond_signal(&w->scv);
    uv_mutex_unlock(&w->mu);
}

/* Writer: keep the syncer out, once its sync in flight is done. */
static void hold_syncer(wal *w) {
    if (!w->has_syncer) return;
    uv_mutex_lock(&w->mu);
    w->sync_hold++;
    while (atomic_load(&w->syncing)) uv_cond_wait(&w->cv, &w->mu);
    uv_mutex_unlock(&w->mu);
}

static void free_syncer(wal *w) {
    if (!w->has_syncer) return;
    uv_mutex_lock(&w->mu);
    w->sync_hold--;
    if (syncer_has_work(w)) uv_cond_signal(&w->scv);
    uv_mutex_unlock(&w->mu);
}

/* Is there work for the writer? (under mu) */
static int writer_has_work(wal *w, int64_t last_fsync_us) {
    if (w->committing) return 0; /* commit_inline signals when it is done */
    if (w->stop) return 1;
    if (atomic_load(&w->failed)) return 0;
    if (w->group.len) return 1;
    if (atomic_load(&w->seg_full)) return 1; /* an inline write filled it: roll over */
    uint64_t written = atomic_load(&w->written_lsn), durable = atomic_load(&w->durable_lsn);
    if (written <= durable) return 0;
    if (w->sync_want >= written) return 0; /* the syncer's */
    int mode = (int)atomic_load(w->o.fsync_mode);
    return mode == WAL_FSYNC_ALWAYS || w->fsync_want > durable ||
           (mode == WAL_FSYNC_EVERYSEC && sb_mono_us() - last_fsync_us >= 1000000);
}

static int kicked(void *ud) {
    return atomic_load_explicit(&((wal *)ud)->kicked, memory_order_acquire);
}

/* everysec and no: replies wait for write() only, so the engine may write
 * (inline) while the writer syncs -- a second's worth of data can take
 * long, and nothing should wait for it but WAITAOF (Redis syncs on a
 * thread too). The writer gives up `writing` if it held it. */
static void lend_log(wal *w, int *mine) {
    uv_mutex_lock(&w->mu);
    if (*mine) w->writing = 0;
    *mine = 0;
    w->fsyncing = 1;
    release_list(w, take_ready(w));
    uv_mutex_unlock(&w->mu);
}

static void end_loan(wal *w) {
    uv_mutex_lock(&w->mu);
    w->fsyncing = 0;
    uv_mutex_unlock(&w->mu);
}

/* Take `writing` back: wait for an inline write in progress. What is
 * durable already goes first (a rollover takes a few ms). */
static void take_log(wal *w, int *mine) {
    uv_mutex_lock(&w->mu);
    release_list(w, take_ready(w));
    w->rolling = 1; /* no new inline writes */
    while (!*mine && w->writing) uv_cond_wait(&w->cv, &w->mu);
    w->writing = 1;
    *mine = 1;
    uv_mutex_unlock(&w->mu);
}

#define ROLL_LENT_SYNCS 3

/* The segment is full: sync it and start the next one. The old segment
 * must be durable before a newer one exists (a hole in the LSNs would stop
 * recovery), and in everysec/no mode up to a second of data may wait for
 * that sync: with may_lend, the log is lent to the engine meanwhile, as
 * for the periodic fsync, and the engine goes on writing into the old
 * segment (past its size); each next sync has less to do, and the last
 * one, with the log taken back, little. Rollover had stalled every reply
 * for that whole sync (SET 1KB -P 16 everysec: p99 16-50 ms). 0, or -1
 * after fail(). */
static int roll_over(wal *w, int may_lend, int *mine, int64_t *last_fsync_us) {
    for (int round = 0;; round++) {
        uint64_t written = atomic_load(&w->written_lsn);
        int lend = may_lend && round < ROLL_LENT_SYNCS && written > atomic_load(&w->durable_lsn);
        if (lend) {
            lend_log(w, mine);
        } else {
            take_log(w, mine);
            written = atomic_load(&w->written_lsn);
            if (atomic_load(&w->failed)) { /* an inline write failed meanwhile */
                uv_mutex_lock(&w->mu);
                w->rolling = 0;
                uv_mutex_unlock(&w->mu);
                return -1;
            }
        }
        int rc = written > atomic_load(&w->durable_lsn) ? sync_segment(w, last_fsync_us) : 0;
        int err = errno;
        if (lend) end_loan(w);
        if (rc == 0 && written > atomic_load(&w->durable_lsn))
            advance_durable(w, written);
        const char *what = rc ? "fsync" : NULL;
        if (!rc && !lend) {
            char msg[700];
            errno = 0;
            if (seal_segment(w) != 0) what = "fsync", err = errno;
            else if (new_segment(w, written + 1, msg, sizeof(msg)) != 0)
                what = "creation of a new segment", err = errno ? errno : EIO;
        }
        if (what || !lend) {
            uv_mutex_lock(&w->mu);
            w->rolling = 0;
            uv_mutex_unlock(&w->mu);
        }
        if (what) {
            fail(w, what, err);
            return -1;
        }
        if (!lend) return 0;
    }
}

static void writer_main(void *arg) {
    wal *w = arg;
    pthread_setname_np(pthread_self(), "sb-wal");
    resp_buf wbuf;
    resp_buf_init(&wbuf);
    int64_t last_fsync_us = sb_mono_us();
    sb_spin spin;
    sb_spin_init(&spin, w->o.busy_poll_us);
    for (;;) {
        /* in always mode the next group often comes a few microseconds
         * after the last fsync: poll for it before sleeping (spin.h) */
        uv_mutex_lock(&w->mu);
        if (!writer_has_work(w, last_fsync_us)) {
            int64_t t0 = sb_spin_now();
            w->writer_idle = 1;
            uv_mutex_unlock(&w->mu);
            sb_spin_wait(&spin, kicked, w);
            uv_mutex_lock(&w->mu);
            while (!writer_has_work(w, last_fsync_us))
                uv_cond_timedwait(&w->cv, &w->mu, 100 * 1000 * 1000ull);
            w->writer_idle = 0;
            sb_spin_note(&spin, sb_spin_now() - t0);
        }
        atomic_store_explicit(&w->kicked, 0, memory_order_relaxed);
        resp_buf t = wbuf;
        wbuf = w->group;
        w->group = t;
        w->group.len = 0;
        int mine = wbuf.len != 0; /* this thread holds `writing` */
        if (mine) w->writing = 1;
        uint64_t last = w->group_last;
        int stop = w->stop;
        uint64_t want = w->fsync_want;
        uv_mutex_unlock(&w->mu);

        if (atomic_load(&w->failed)) { /* never retried: drop it */
            if (stop) break;
            continue;
        }
        int mode = (int)atomic_load(w->o.fsync_mode);
        if (wbuf.len) {
            /* (into the current segment even if it is full already: an
             * inline write filled it and this group came before the writer
             * woke. Rolling over first would have to hold the log through
             * the old segment's sync, since wbuf must go before anything
             * the engine writes; the rollover below, after wbuf, lends it.) */
            int overlap = atomic_load(&w->syncing);
            if (append_group(w, wbuf.data, wbuf.len, last) != 0) {
                fail(w, "write", errno);
                continue;
            }
            if (overlap && atomic_load(&w->syncing))
                atomic_fetch_add_explicit(&w->sync_overlaps, 1, memory_order_relaxed);
            if (wbuf.cap > 4u * 1024 * 1024) resp_buf_free(&wbuf);
            wbuf.len = 0;
        }
        uint64_t written = atomic_load(&w->written_lsn);
        uint64_t durable = atomic_load(&w->durable_lsn);
        if (written > durable && mode == WAL_FSYNC_ALWAYS && !stop && pipelined(w) &&
            !atomic_load(&w->seg_full)) {
            ask_sync(w, written);
        } else if (written > durable &&
                   (mode == WAL_FSYNC_ALWAYS || want > durable || stop ||
                    (mode == WAL_FSYNC_EVERYSEC && sb_mono_us() - last_fsync_us >= 1000000))) {
            int lend = mode != WAL_FSYNC_ALWAYS && !stop;
            hold_syncer(w);
            if (atomic_load(&w->failed)) { /* the syncer's fsync failed */
                free_syncer(w);
                continue;
            }
            int frc = 0, ferr = 0;
            if (written > atomic_load(&w->durable_lsn)) {
                if (lend) lend_log(w, &mine);
                frc = sync_segment(w, &last_fsync_us);
                ferr = errno;
                if (lend) end_loan(w);
            }
            /* (the syncer comes back only once the outcome is recorded: a
             * sync of its own after a failed one could succeed -- the
             * kernel reports a writeback error once -- and be trusted) */
            if (frc != 0) {
                fail(w, "fsync", ferr);
                free_syncer(w);
                continue;
            }
            advance_durable(w, written);
            free_syncer(w);
        }
        /* a full segment is closed between groups, not when the next
         * group is already waiting (the syncer kept out: the file changes) */
        if (!stop && atomic_load(&w->seg_full)) {
            hold_syncer(w);
            int rrc = atomic_load(&w->failed) ? -1
                                              : roll_over(w, mode != WAL_FSYNC_ALWAYS, &mine,
                                                          &last_fsync_us);
            free_syncer(w);
            if (rrc != 0) continue;
        }
        uv_mutex_lock(&w->mu);
        if (mine) w->writing = 0;
        release_list(w, take_ready(w)); /* under mu: see release_list */
        int more = w->group.len != 0;
        uv_mutex_unlock(&w->mu);
        if (stop && !more) break;
    }
    resp_buf_free(&wbuf);
}

static void syncer_stop(wal *w) {
    if (!w->has_syncer) return;
    uv_mutex_lock(&w->mu);
    w->sstop = 1;
    uv_cond_signal(&w->scv);
    uv_mutex_unlock(&w->mu);
    uv_thread_join(&w->sthread);
    w->has_syncer = 0;
}

/* Does the segment at path hold no record: at most a header, then only
 * zeros? (0 if it cannot be read.) */
static int segment_is_empty(const char *path) {
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return 0;
    unsigned char buf[64 * 1024];
    uint64_t off = 0;
    int empty = 1;
    for (;;) {
        ssize_t r = pread(fd, buf, sizeof(buf), (off_t)off);
        if (r < 0 && errno == EINTR) continue;
        if (r < 0) empty = 0;
        if (r <= 0) break;
        size_t from = off < WAL_HEADER_SIZE ? (size_t)(WAL_HEADER_SIZE - off) : 0;
        if ((size_t)r > from && !all_zero(buf + from, (size_t)r - from)) {
            empty = 0;
            break;
        }
        off += (uint64_t)r;
    }
    close(fd);
    return empty;
}

static void free_wal(wal *w) {
    if (w->fd >= 0) close(w->fd);
    if (w->dfd >= 0) close(w->dfd);
    free(w->dbuf);
    if (w->zfd >= 0) close(w->zfd);
    if (w->spare_fd >= 0) {
        char spare[600];
        spare_path(w, spare, sizeof(spare));
        close(w->spare_fd);
        unlink(spare);
    }
    close(w->dirfd);
    uv_cond_destroy(&w->cv);
    uv_cond_destroy(&w->scv);
    uv_mutex_destroy(&w->mu);
    uv_cond_destroy(&w->pcv);
    uv_mutex_destroy(&w->pmu);
    resp_buf_free(&w->stage);
    resp_buf_free(&w->group);
    free(w);
}

wal *wal_open(const wal_options *o, char *err, size_t errlen) {
    wal *w = calloc(1, sizeof(*w));
    if (!w) abort();
    w->o = *o;
    w->fd = w->dfd = w->zfd = w->spare_fd = -1;
    w->horizon = PREALLOC_MIN;
    /* Direct writes and the preallocator's zeros keep to separate 4 KB
     * blocks; with bigger pages they could share a cached page, which the
     * kernel may then write back over a direct write. */
    if (sysconf(_SC_PAGESIZE) != WAL_DIO_ALIGN) atomic_store(&w->direct_off, 1);
    snprintf(w->dir, sizeof(w->dir), "%s", o->dir);
    w->dirfd = open(o->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (w->dirfd < 0) {
        snprintf(err, errlen, "can't open data directory %s: %s", o->dir, strerror(errno));
        free(w);
        return NULL;
    }
    atomic_store(&w->next_lsn, o->next_lsn);
    atomic_store(&w->written_lsn, o->next_lsn - 1);
    atomic_store(&w->durable_lsn, o->next_lsn - 1);
    resp_buf_init(&w->stage);
    resp_buf_init(&w->group);
    uv_mutex_init(&w->mu);
    uv_cond_init(&w->cv);
    uv_cond_init(&w->scv);
    uv_mutex_init(&w->pmu);
    uv_cond_init(&w->pcv);
    /* always a new segment: never write after records a crash may have
     * torn (recovery cut them, but a fresh file needs no such care); an
     * empty segment left with this name (no records: a run that wrote
     * nothing) is replaced */
    char path[600];
    spare_path(w, path, sizeof(path));
    unlink(path); /* a spare left by a crash */
    segment_name(path, sizeof(path), w->dir, o->next_lsn);
    if (segment_is_empty(path)) unlink(path);
    if (new_segment(w, o->next_lsn, err, errlen) != 0) {
        free_wal(w);
        return NULL;
    }
    if (uv_thread_create(&w->pthread, prealloc_main, w) != 0) {
        snprintf(err, errlen, "can't start the WAL preallocation thread");
        free_wal(w);
        return NULL;
    }
    if (o->pipeline && uv_thread_create(&w->sthread, syncer_main, w) != 0) {
        snprintf(err, errlen, "can't start the WAL sync thread");
        prealloc_stop(w);
        free_wal(w);
        return NULL;
    }
    w->has_syncer = o->pipeline != NULL;
    if (uv_thread_create(&w->thread, writer_main, w) != 0) {
        snprintf(err, errlen, "can't start the WAL writer thread");
        syncer_stop(w);
        prealloc_stop(w);
        free_wal(w);
        return NULL;
    }
    return w;
}

void wal_close(wal *w) {
    if (!w) return;
    uv_mutex_lock(&w->mu);
    w->stop = 1;
    uv_cond_signal(&w->cv);
    uv_mutex_unlock(&w->mu);
    uv_thread_join(&w->thread);
    syncer_stop(w);
    prealloc_stop(w);
    /* a clean stop leaves the segment ending with its last record; a
     * failed WAL is left as it is */
    if (!atomic_load(&w->failed) && seal_segment(w) != 0)
        sb_log(LOG_WARNING, "Can't cut the preallocated zeros after the last WAL record: %s "
               "(harmless: recovery reads past them)", strerror(errno));
    /* anything still pending (a failed WAL): let it go */
    uv_mutex_lock(&w->mu);
    eng_outbatch *b = w->pend_head;
    w->pend_head = w->pend_tail = NULL;
    uv_mutex_unlock(&w->mu);
    while (b) {
        eng_outbatch *next = b->next;
        drop_undurable(b, atomic_load(&w->durable_lsn));
        w->o.release(w->o.release_ud, b);
        b = next;
    }
    free_wal(w);
}

int wal_append(wal *w, uint64_t lsn, int type, const void *payload, size_t len) {
    if (atomic_load(&w->failed)) return -1;
    if (fault(w, WAL_FAULT_APPEND)) {
        fail(w, "write", errno);
        return -1;
    }
    size_t body = 9 + len;
    if (body > WAL_REC_MAX_BODY) {
        /* a 32-bit length cannot frame it (a > 4 GB unit: a transaction of
         * huge values): fail rather than write a record that reads back as
         * corruption; the change is dropped with the memory rebuilt from
         * the files, and writes are refused until a restart */
        sb_log(LOG_WARNING, "A change of %zu bytes (LSN %llu) is larger than a WAL record can "
               "be (%u bytes)", len, (unsigned long long)lsn, (unsigned)WAL_REC_MAX_BODY);
        fail(w, "append of an oversized record", EFBIG);
        return -1;
    }
    resp_buf_reserve(&w->stage, WAL_REC_HEADER + body);
    unsigned char *p = (unsigned char *)w->stage.data + w->stage.len;
    sb_put32(p, (uint32_t)body);
    sb_put64(p + 8, lsn);
    p[16] = (unsigned char)type;
    memcpy(p + 17, payload, len);
    sb_put32(p + 4, wal_crc32c(p + 8, body));
    w->stage.len += WAL_REC_HEADER + body;
    w->stage_last = lsn;
    atomic_store(&w->next_lsn, lsn + 1);
    atomic_fetch_add(&w->records, 1);
    return 0;
}

/* Inline writes. In everysec and no modes a reply waits only for write():
 * handing a small group to the writer thread puts a wake-up and a second
 * thread on the path of every reply (at -c 1 the writer's CPU per request
 * was more than the engine's). So the engine thread writes such a group
 * itself, as Redis's main thread does, when the writer is not writing and
 * nothing is waiting for it, and the group fits in the current segment;
 * large groups (a pipelined load) still go to the writer, whose write
 * then overlaps the next execution. Under mu. */
#define INLINE_WRITE_MAX (64u * 1024)

static int can_write_inline(wal *w) {
    /* (no zeros are written ahead in these modes: nothing to wait for) */
    return atomic_load(w->o.fsync_mode) != WAL_FSYNC_ALWAYS && !w->writing && !w->rolling &&
           (w->fsyncing || (w->group.len == 0 && w->stage.len <= INLINE_WRITE_MAX)) &&
           !w->stop && !atomic_load(&w->failed) &&
           /* past the size only while lent: roll_over syncs that too */
           (w->fsyncing || !atomic_load(&w->seg_full));
}

/* Write the staged records (w->writing is set: nobody else writes). */
static void write_inline(wal *w) {
    if (append_group(w, w->stage.data, w->stage.len, w->stage_last) != 0) {
        int werr = errno;
        uv_mutex_lock(&w->mu);
        w->writing = 0;
        fail_locked(w, "write", werr); /* before anyone writes after it */
        if (w->rolling) uv_cond_signal(&w->cv);
        uv_mutex_unlock(&w->mu);
        return;
    }
    uv_mutex_lock(&w->mu);
    w->writing = 0;
    if (w->rolling) uv_cond_signal(&w->cv); /* take_log waits for this write */
    release_list(w, take_ready(w)); /* under mu: see release_list */
    /* WAITAOF, or a switch to always meanwhile: they wait for an fsync;
     * a full segment: the writer rolls over (lending the log meanwhile) */
    if (w->pend_head || w->fsync_want > atomic_load(&w->durable_lsn) ||
        atomic_load(&w->seg_full)) {
        atomic_store_explicit(&w->kicked, 1, memory_order_release);
        uv_cond_signal(&w->cv);
    }
    uv_mutex_unlock(&w->mu);
}

/* Inline commits. In always mode a lone client's write waits for the
 * fsync whoever makes it, and with nobody else at work there is nothing to
 * overlap the fsync with: handing the group to the writer thread only adds
 * two wake-ups (the writer's, then the I/O thread's for the replies) to
 * every request, and on a virtual machine they cost more CPU than the
 * write and the fsync (at -c 1: 200 us per SET against Redis's 140; Redis
 * writes and syncs on its main thread). So with at most one client at
 * work (spin.h counts them), the writer idle and nothing waiting for it,
 * the thread that holds the engine writes and syncs a small group itself.
 * The writer has no work meanwhile (committing), so the two never sync at
 * once. With more clients, groups go to the writer as before, and the
 * fsync overlaps with execution. Under mu. */
/* Would a group of len bytes fill the segment? Such a group goes to the
 * writer, which closes the segment before it lets the replies go, so a
 * segment is always closed by the time its last record is acknowledged.
 * (seg_bytes: nobody writes while the writer idles and we hold mu.) */
static int fills_segment(const wal *w, size_t len) {
    long long segsize = *w->o.segment_size;
    return segsize > 0 && w->seg_bytes + len >= (uint64_t)segsize;
}

/* The holder of the engine commits the group it just staged itself when
 * nothing else is in the log's way and nothing could overlap the fsync:
 * one client at work, or clients that each wait for their reply before
 * they send more (the network layer's hint: its thread would wait for
 * this commit anyway). Pipelines and the engine thread's batches go to
 * the writer, and their next batch runs during its fsync. */
static int can_commit_inline(wal *w) {
    return atomic_load(w->o.fsync_mode) == WAL_FSYNC_ALWAYS && w->writer_idle &&
           !w->writing && !w->rolling && !w->fsyncing && w->group.len == 0 && !w->pend_head &&
           w->fsync_want <= atomic_load(&w->durable_lsn) && w->stage.len <= INLINE_WRITE_MAX &&
           !atomic_load(&w->syncing) &&
           atomic_load(&w->written_lsn) == atomic_load(&w->durable_lsn) &&
           !w->stop && !atomic_load(&w->failed) && !atomic_load(&w->seg_full) &&
           !fills_segment(w, w->stage.len) && (sb_spin_clients() <= 1 || sb_spin_commit_hint());
}

/* Write and sync the staged records (w->writing and w->committing are set). */
static void commit_inline(wal *w) {
    const char *what = NULL;
    int err = 0;
    if (append_group(w, w->stage.data, w->stage.len, w->stage_last) != 0)
        what = "write", err = errno;
    else if (sync_segment(w, &w->inline_fsync_us) != 0)
        what = "fsync", err = errno;
    uv_mutex_lock(&w->mu);
    w->writing = 0;
    w->committing = 0;
    if (what) {
        /* before the writer can look: it would sync the same data again,
         * and a second fdatasync can succeed where the first failed (the
         * kernel reports a writeback error once) -- never retried */
        fail_locked(w, what, err);
    } else {
        advance_durable(w, w->stage_last);
        atomic_fetch_add(&w->inline_commits, 1);
        sb_spin_note_committed();
        release_list(w, take_ready(w)); /* under mu: see release_list */
    }
    if (atomic_load(&w->seg_full) || w->stop) { /* (defensive: see fills_segment) */
        atomic_store_explicit(&w->kicked, 1, memory_order_release);
        uv_cond_signal(&w->cv);
    }
    uv_mutex_unlock(&w->mu);
}

void wal_release(void *ud, eng_outbatch *b) {
    wal *w = ud;
    uv_mutex_lock(&w->mu);
    int wake = 0, inl = 0, commit = 0;
    if (w->stage.len && can_commit_inline(w)) {
        commit = 1;
        w->writing = 1;
        w->committing = 1;
    } else if (w->stage.len && can_write_inline(w)) {
        inl = 1;
        w->writing = 1;
        if (w->group.len) { /* what waits for the syncing writer goes first */
            resp_buf_append(&w->group, w->stage.data, w->stage.len);
            resp_buf t = w->stage;
            w->stage = w->group;
            w->group = t;
            w->group.len = 0;
        }
    } else if (w->stage.len) {
        if (w->group.len == 0) {
            resp_buf t = w->group;
            w->group = w->stage;
            w->stage = t;
        } else {
            resp_buf_append(&w->group, w->stage.data, w->stage.len);
        }
        w->stage.len = 0;
        w->group_last = w->stage_last;
        wake = 1;
    }
    if (b && b->need_fsync_seq > w->fsync_want) {
        w->fsync_want = b->need_fsync_seq;
        wake = 1;
    }
    eng_outbatch *now = NULL;
    if (b) {
        uint64_t durable = atomic_load(&w->durable_lsn);
        uint64_t written = atomic_load(&w->written_lsn);
        if (atomic_load(&w->failed)) {
            drop_undurable(b, w->fail_durable);
            if (!w->pend_head) now = b;
        } else if (!w->pend_head && batch_ready(w, b, durable, written)) {
            now = b;
        }
        if (!now) {
            b->next = NULL;
            if (w->pend_tail) w->pend_tail->next = b;
            else w->pend_head = b;
            w->pend_tail = b;
        }
    }
    if (wake) {
        atomic_store_explicit(&w->kicked, 1, memory_order_release);
        uv_cond_signal(&w->cv);
    }
    if (now) w->o.release(w->o.release_ud, now); /* under mu: see release_list */
    uv_mutex_unlock(&w->mu);
    if (inl) {
        write_inline(w);
        w->stage.len = 0;
    } else if (commit) {
        commit_inline(w);
        w->stage.len = 0;
    }
}

int wal_sync_all(wal *w, uint64_t lsn) {
    wal_release(w, NULL); /* the staged records go to the writer (or are written here) */
    uv_mutex_lock(&w->mu);
    if (lsn > w->fsync_want) w->fsync_want = lsn;
    atomic_store_explicit(&w->kicked, 1, memory_order_release);
    uv_cond_signal(&w->cv);
    uv_mutex_unlock(&w->mu);
    /* (rare: an operator's command; the writer's fsync sets the pace) */
    while (atomic_load(&w->durable_lsn) < lsn && !atomic_load(&w->failed)) {
        struct timespec ts = {0, 100 * 1000};
        nanosleep(&ts, NULL);
    }
    return atomic_load(&w->failed) ? -1 : 0;
}

const char *wal_failed(wal *w) {
    return w && atomic_load(&w->failed) ? w->cause : NULL;
}

void wal_get_stats(wal *w, wal_stats *st) {
    memset(st, 0, sizeof(*st));
    if (!w) return;
    st->next_lsn = atomic_load(&w->next_lsn);
    st->written_lsn = atomic_load(&w->written_lsn);
    st->durable_lsn = atomic_load(&w->durable_lsn);
    st->bytes = atomic_load(&w->bytes);
    st->groups = atomic_load(&w->groups);
    st->records = atomic_load(&w->records);
    st->fsyncs = atomic_load(&w->fsyncs);
    st->fsync_us_total = atomic_load(&w->fsync_us_total);
    st->fsync_us_max = atomic_load(&w->fsync_us_max);
    for (int i = 0; i < WAL_HIST; i++) {
        st->fsync_hist[i] = atomic_load_explicit(&w->fsync_hist[i], memory_order_relaxed);
        st->write_hist[i] = atomic_load_explicit(&w->write_hist[i], memory_order_relaxed);
    }
    st->last_fsync_ms = atomic_load(&w->last_fsync_ms);
    st->segments = atomic_load(&w->segments);
    st->segment_first_lsn = atomic_load(&w->seg_first_lsn);
    st->direct = !atomic_load(&w->direct_off);
    st->direct_groups = atomic_load(&w->direct_groups);
    st->inline_commits = atomic_load(&w->inline_commits);
    st->sync_overlaps = atomic_load(&w->sync_overlaps);
}
