/* list.c -- `strongbox-check list DIR`: every checkpoint and WAL segment
 * (LSN range, records, size, time range, needed by a start or not) and the
 * state a server started on DIR would recover to. */
#include "check.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct seg_times {
    const wal_segment_info *segs; /* the listing, same order as the scan */
    size_t idx, cap;
    int64_t (*range)[2];     /* per segment: first and last record time */
} seg_times;

static int note_time(void *ud, uint64_t lsn, int type, const void *body, size_t len,
                     const char *path, uint64_t offset) {
    (void)lsn;
    (void)type;
    (void)offset;
    seg_times *t = ud;
    while (t->idx < t->cap && strcmp(t->segs[t->idx].path, path) != 0) t->idx++;
    if (t->idx >= t->cap) return 0;
    int64_t ms = 0;
    eng_unit_decode(body, len, &ms, NULL, NULL);
    if (!t->range[t->idx][0]) t->range[t->idx][0] = ms;
    t->range[t->idx][1] = ms;
    return 0;
}

static void list_ckpts(const char *dir, const rec_result *rr) {
    ckpt_file *cks;
    size_t n;
    ckpt_list(dir, &cks, &n);
    printf("checkpoints: %zu\n", n);
    for (size_t i = 0; i < n; i++) {
        ckpt_info info;
        char err[1200], when[32];
        int ok = ckpt_read(cks[i].path, NULL, NULL, &info, err, sizeof(err)) == 0;
        chk_fmt_time(info.created_ms, when);
        printf("  %s  LSN %llu  %llu bytes", cks[i].path, (unsigned long long)cks[i].lsn,
               (unsigned long long)cks[i].size);
        if (ok) printf("  %llu entries  created %s", (unsigned long long)info.entries, when);
        printf("  %s\n", !ok ? "UNREADABLE" : !strcmp(cks[i].path, rr->ckpt_path)
                                                  ? "needed (loaded at start)"
                                                  : "not needed (older)");
        if (!ok) printf("    %s\n", err);
    }
    free(cks);
}

static void list_segments(const char *dir, const rec_result *rr) {
    wal_segment_info *segs;
    size_t n;
    char err[1400];
    if (wal_list_segments(dir, &segs, &n, err, sizeof(err)) != 0) {
        printf("segments: %s\n", err);
        return;
    }
    seg_times t = {.segs = segs, .cap = n, .range = calloc(n ? n : 1, sizeof(*t.range))};
    wal_scan_result res;
    /* from the first segment on, whatever a checkpoint covers */
    int rc = wal_scan(dir, n ? segs[0].first_lsn - 1 : 0, 0, note_time, &t, &res, err, sizeof(err));
    printf("wal segments: %zu\n", n);
    for (size_t i = 0; i < res.nsegs; i++) {
        const wal_segment_info *s = &res.segs[i];
        char a[32], b[32];
        chk_fmt_time(t.range[i][0], a);
        chk_fmt_time(t.range[i][1], b);
        int needed = s->last_lsn > rr->base || i + 1 == res.nsegs;
        printf("  %s  LSN %llu..%llu  %llu records  %llu bytes", s->path,
               (unsigned long long)s->first_lsn, (unsigned long long)s->last_lsn,
               (unsigned long long)s->records, (unsigned long long)s->bytes);
        if (s->records) printf("  %s .. %s", a, b);
        printf("  %s\n", needed ? "needed" : "not needed (below the checkpoint)");
    }
    if (res.torn)
        printf("  torn tail: %s at offset %llu, %llu byte(s)\n", res.torn_path,
               (unsigned long long)res.torn_offset, (unsigned long long)res.torn_bytes);
    if (rc != 0) printf("  DAMAGED: %s\n", err);
    wal_scan_result_free(&res);
    free(t.range);
    free(segs);
}

int chk_list(const chk_opts *o) {
    const char *dir = o->pos[0];
    eng_engine *e = chk_engine_new(o, dir);
    rec_result rr;
    char err[2400];
    int rc = chk_recover(o, e, dir, 0, &rr, err, sizeof(err));
    list_ckpts(dir, &rr);
    list_segments(dir, &rr);
    printf("\nrecovery: ");
    int code = CHK_OK;
    if (rc != 0) {
        printf("REFUSE: %s\n", err);
        chk_suggest_repair(dir, err, rr.last_lsn);
        code = CHK_FAIL;
    } else {
        printf("checkpoint LSN %llu + %llu WAL record(s) = LSN %llu%s\n",
               (unsigned long long)rr.base, (unsigned long long)rr.records,
               (unsigned long long)rr.last_lsn, rr.torn ? " (after cutting a torn tail)" : "");
        chk_summary s;
        chk_summarize(e, &s);
        chk_print_summary(&s);
        code = rr.torn ? CHK_TORN : CHK_OK;
    }
    eng_destroy(e);
    return code;
}
