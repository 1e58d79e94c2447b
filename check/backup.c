/* backup.c -- `strongbox-check backup DIR DEST`: a consistent copy of what
 * recovery needs, safe while a server runs on DIR.
 *
 * Why it is safe (the server's file rules, engine/WAL_FORMAT.md and
 * CKPT_FORMAT.md):
 *  - a checkpoint with its final name is complete and never changes (it is
 *    written as .tmp, fsynced, then renamed); .tmp files are not copied;
 *  - a running server only appends to the last segment; a segment that has
 *    a successor is complete (fsynced before the next one is created); a
 *    torn tail is cut only during a start, never while serving;
 *  - after a new checkpoint the server deletes older checkpoints and the
 *    segments it covers: every file is opened before anything is copied
 *    (an open file stays readable after unlink), and if one vanished first,
 *    or the segments no longer reach back to the checkpoint, it starts over.
 * So the copy is the checkpoint plus a prefix of the WAL after it; the last
 * segment may end in a half-written record, which the verification cuts
 * (kept as <segment>.torn-<offset> in DEST), exactly as a start would.
 */
#include "check.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define MAX_FILES 4096

typedef struct src_file {
    char name[512];
    int fd;
} src_file;

static uint64_t copied, total;

static int copy_fd(int in, const char *dest_dir, const char *name, char *err, size_t errlen) {
    char tmp[1200], path[1100];
    snprintf(path, sizeof(path), "%s/%s", dest_dir, name);
    snprintf(tmp, sizeof(tmp), "%s.tmp", path);
    int out = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    int rc = out < 0 ? -1 : 0;
    char buf[1 << 16];
    while (rc == 0) {
        ssize_t r = read(in, buf, sizeof(buf));
        if (r < 0 && errno == EINTR) continue;
        if (r == 0) break;
        if (r < 0 || write(out, buf, (size_t)r) != r) rc = -1;
        copied += (uint64_t)(r > 0 ? r : 0);
        chk_progress(copied);
    }
    if (rc == 0 && fsync(out) != 0) rc = -1;
    if (out >= 0) close(out);
    if (rc == 0 && rename(tmp, path) != 0) rc = -1;
    if (rc) snprintf(err, errlen, "can't copy %s to %s: %s", name, path, strerror(errno));
    return rc;
}

static const char *base_name(const char *p) {
    const char *s = strrchr(p, '/');
    return s ? s + 1 : p;
}

/* Open the newest checkpoint and the segments after it. 0, 1 (a file
 * vanished: try again) or -1. */
static int open_set(const char *dir, src_file *f, size_t *nf, uint64_t *base, char *err,
                    size_t errlen) {
    ckpt_file *cks;
    size_t ncks;
    wal_segment_info *segs = NULL;
    size_t nsegs = 0;
    *nf = 0;
    *base = 0;
    total = 0;
    if (ckpt_list(dir, &cks, &ncks) != 0) {
        snprintf(err, errlen, "can't list %s: %s", dir, strerror(errno));
        return -1;
    }
    int rc = 0;
    if (ncks) {
        f[0].fd = open(cks[0].path, O_RDONLY | O_CLOEXEC);
        snprintf(f[0].name, sizeof(f[0].name), "%s", base_name(cks[0].path));
        if (f[0].fd < 0) rc = 1;
        else (*nf)++, *base = cks[0].lsn, total += cks[0].size;
    }
    free(cks);
    if (rc == 0 && wal_list_segments(dir, &segs, &nsegs, err, errlen) != 0) rc = -1;
    /* the copy must reach back to the checkpoint -- or, without one, to LSN
     * 1: a checkpoint published between the two listings above may have
     * removed the first segments (a copy of the rest would lack them) */
    int reaches = nsegs == 0;
    for (size_t i = 0; rc == 0 && i < nsegs && *nf < MAX_FILES; i++) {
        if (i + 1 < nsegs && segs[i + 1].first_lsn <= *base + 1) continue; /* covered */
        if (segs[i].first_lsn <= *base + 1) reaches = 1;
        src_file *s = &f[*nf];
        s->fd = open(segs[i].path, O_RDONLY | O_CLOEXEC);
        snprintf(s->name, sizeof(s->name), "%s", base_name(segs[i].path));
        if (s->fd < 0) rc = 1;
        else {
            struct stat st;
            if (fstat(s->fd, &st) == 0) total += (uint64_t)st.st_size;
            (*nf)++;
        }
    }
    free(segs);
    if (rc == 0 && !reaches) rc = 1; /* a newer checkpoint removed segments meanwhile */
    return rc;
}

int chk_backup(const chk_opts *o) {
    const char *dir = o->pos[0], *dest = o->pos[1];
    if (mkdir(dest, 0755) != 0 && errno != EEXIST) {
        fprintf(stderr, "strongbox-check backup: can't create %s: %s\n", dest, strerror(errno));
        return CHK_FAIL;
    }
    wal_segment_info *dsegs;
    ckpt_file *dcks;
    size_t nd = 0, ndc = 0;
    char err[2400];
    if (wal_list_segments(dest, &dsegs, &nd, err, sizeof(err)) == 0) free(dsegs);
    if (ckpt_list(dest, &dcks, &ndc) == 0) free(dcks);
    if (nd || ndc) {
        fprintf(stderr, "strongbox-check backup: %s already holds strongbox files; give an "
                "empty or new directory\n", dest);
        return CHK_FAIL;
    }
    static src_file files[MAX_FILES];
    size_t nf = 0;
    uint64_t base = 0;
    int rc = 1;
    for (int attempt = 0; attempt < 20 && rc == 1; attempt++) {
        for (size_t i = 0; i < nf; i++) close(files[i].fd);
        rc = open_set(dir, files, &nf, &base, err, sizeof(err));
    }
    if (rc != 0) {
        if (rc == 1) snprintf(err, sizeof(err), "the files of %s kept changing under the copy", dir);
        fprintf(stderr, "strongbox-check backup: %s\n", err);
        for (size_t i = 0; i < nf; i++) close(files[i].fd);
        return CHK_FAIL;
    }
    copied = 0;
    chk_progress_begin(o, "backup", total);
    for (size_t i = 0; i < nf && rc == 0; i++)
        rc = copy_fd(files[i].fd, dest, files[i].name, err, sizeof(err));
    chk_progress_end();
    for (size_t i = 0; i < nf; i++) close(files[i].fd);
    int dfd = open(dest, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd >= 0) {
        fsync(dfd);
        close(dfd);
    }
    if (rc != 0) {
        fprintf(stderr, "strongbox-check backup: %s\n", err);
        return CHK_FAIL;
    }
    rec_result rr;
    if (chk_recover(o, NULL, dest, 1, &rr, err, sizeof(err)) != 0) {
        fprintf(stderr, "strongbox-check backup: the copy in %s does not verify: %s\n", dest, err);
        return CHK_FAIL;
    }
    printf("backup of %s in %s: %zu file(s), %llu bytes; checkpoint LSN %llu + WAL to LSN %llu, "
           "verified%s\n", dir, dest, nf, (unsigned long long)copied, (unsigned long long)rr.base,
           (unsigned long long)rr.last_lsn,
           rr.torn ? " (a half-written last record was cut)" : "");
    return CHK_OK;
}
