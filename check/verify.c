/* verify.c -- `strongbox-check verify DIR [--replay]`: the verdict a server
 * start would reach on DIR (rec_run, the server's own code), plus a check
 * of the files a start would not read (older checkpoints). */
#include "check.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Older checkpoints are not needed by a start, but say if one is damaged. */
static void check_other_ckpts(const char *dir, const char *loaded) {
    ckpt_file *cks;
    size_t n;
    if (ckpt_list(dir, &cks, &n) != 0) return;
    for (size_t i = 0; i < n; i++) {
        if (!strcmp(cks[i].path, loaded)) continue;
        ckpt_info info;
        char err[1200];
        if (ckpt_read(cks[i].path, NULL, NULL, &info, err, sizeof(err)) != 0)
            printf("note: %s is unreadable (%s)\n", cks[i].path, err);
    }
    free(cks);
}

int chk_verify(const chk_opts *o) {
    const char *dir = o->pos[0];
    eng_engine *e = o->replay ? chk_engine_new(o, dir) : NULL;
    rec_result rr;
    char err[2400];
    int rc = chk_recover(o, e, dir, 0, &rr, err, sizeof(err));
    int code;
    if (rc != 0) {
        printf("REFUSE: a server started on %s would refuse to start: %s\n", dir, err);
        chk_suggest_repair(dir, err, rr.last_lsn);
        code = CHK_FAIL;
    } else {
        if (rr.ckpt_path[0])
            printf("checkpoint: %s (LSN %llu, %llu entries)%s\n", rr.ckpt_path,
                   (unsigned long long)rr.base, (unsigned long long)rr.ckpt_entries,
                   rr.fell_back ? ": an older one, the WAL after it is complete" : "");
        else
            printf("checkpoint: none (the whole WAL is replayed)\n");
        if (rr.fell_back) printf("note: the newest checkpoint is unreadable: %s\n", rr.bad);
        printf("wal: %llu record(s) after the checkpoint in %zu segment(s), last LSN %llu\n",
               (unsigned long long)rr.records, rr.nsegs, (unsigned long long)rr.last_lsn);
        if (rr.torn) {
            printf("TORN TAIL: %s ends with a torn write (a crash during a write) at offset "
                   "%llu: %llu byte(s) would be cut, holding no intact record (0 records "
                   "lost: a write that never finished), everything before is kept. The server "
                   "cuts it at start (saving it to %s.torn-%llu); 'strongbox-check repair %s "
                   "--truncate-torn' does it now.\n",
                   rr.torn_path, (unsigned long long)rr.torn_offset,
                   (unsigned long long)rr.torn_bytes, rr.torn_path,
                   (unsigned long long)rr.torn_offset, dir);
            code = CHK_TORN;
        } else {
            printf("OK: a server started on %s recovers up to LSN %llu with nothing lost\n", dir,
                   (unsigned long long)rr.last_lsn);
            code = CHK_OK;
        }
        if (!o->quiet) check_other_ckpts(dir, rr.ckpt_path);
        if (e) {
            chk_summary s;
            chk_summarize(e, &s);
            chk_print_summary(&s);
        }
    }
    if (e) eng_destroy(e);
    return code;
}
