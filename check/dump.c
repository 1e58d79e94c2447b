/* dump.c -- `strongbox-check dump FILE`: the records of one WAL segment
 * (wal_scan_file + eng_unit_decode) or the entries of one checkpoint
 * (ckpt_read), as text or as JSON lines. */
#include "check.h"
#include "ckpt.h"

#include <stdio.h>
#include <string.h>

#define SHOW 64 /* bytes of a value shown in text mode */

typedef struct dump_ctx {
    const chk_opts *o;
    uint64_t lsn;
    int64_t time_ms;
    int first;
} dump_ctx;

static int dump_change(void *ud, uint32_t db, uint32_t argc, const eng_arg *argv) {
    dump_ctx *d = ud;
    if (d->o->json) {
        printf("%s{\"db\":%u,\"args\":[", d->first ? "" : ",", db);
        for (uint32_t i = 0; i < argc; i++) {
            if (i) putchar(',');
            chk_print_bytes(argv[i].p, argv[i].n, 0, 1);
        }
        printf("]}");
    } else {
        char when[32];
        chk_fmt_time(d->time_ms, when);
        printf("LSN %llu  %s  db %u ", (unsigned long long)d->lsn, when, db);
        for (uint32_t i = 0; i < argc; i++) {
            putchar(' ');
            /* a logged function's or script's code, or a value: shortened */
            chk_print_bytes(argv[i].p, argv[i].n, i == 0 ? 0 : SHOW, 0);
        }
        putchar('\n');
    }
    d->first = 0;
    return 0;
}

static int dump_record(void *ud, uint64_t lsn, int type, const void *body, size_t len,
                       const char *path, uint64_t offset) {
    (void)path;
    dump_ctx *d = ud;
    const chk_opts *o = d->o;
    if (o->have_from && lsn < o->from_lsn) return 0;
    if (o->have_to && lsn > o->to_lsn) return 1;
    d->lsn = lsn;
    d->first = 1;
    if (type != WAL_REC_UNIT) {
        printf(o->json ? "{\"lsn\":%llu,\"offset\":%llu,\"type\":%d}\n"
                       : "LSN %llu  offset %llu  unknown record type %d\n",
               (unsigned long long)lsn, (unsigned long long)offset, type);
        return 0;
    }
    eng_unit_decode(body, len, &d->time_ms, NULL, NULL);
    if (o->json)
        printf("{\"lsn\":%llu,\"offset\":%llu,\"time_ms\":%lld,\"changes\":[",
               (unsigned long long)lsn, (unsigned long long)offset, (long long)d->time_ms);
    int rc = eng_unit_decode(body, len, &d->time_ms, dump_change, d);
    if (o->json) printf("]}\n");
    if (rc < 0) fprintf(stderr, "LSN %llu at offset %llu: malformed change unit (%zu bytes)\n",
                        (unsigned long long)lsn, (unsigned long long)offset, len);
    return 0;
}

static int dump_entry(void *ud, uint32_t db, int type, int64_t expire_ms, const char *key,
                      size_t klen, const char *val, size_t vlen) {
    const chk_opts *o = ud;
    const char *tname = type == CKPT_TYPE_LIBRARY ? "library"
                        : type == CKPT_TYPE_SCRIPT ? "script" : "string";
    if (o->json) {
        printf("{\"type\":\"%s\",\"db\":%u,\"expire_ms\":%lld,\"key\":", tname, db,
               (long long)expire_ms);
        chk_print_bytes(key, klen, 0, 1);
        printf(",\"value\":");
        chk_print_bytes(val, vlen, 0, 1);
        printf("}\n");
        return 0;
    }
    printf("%s  db %u  ", tname, db);
    chk_print_bytes(key, klen, SHOW, 0);
    printf("  ");
    chk_print_bytes(val, vlen, SHOW, 0);
    if (expire_ms >= 0) {
        char when[32];
        chk_fmt_time(expire_ms, when);
        printf("  expires %s (%lld)", when, (long long)expire_ms);
    }
    putchar('\n');
    return 0;
}

int chk_dump(const chk_opts *o) {
    const char *path = o->pos[0];
    const char *base = strrchr(path, '/');
    base = base ? base + 1 : path;
    char err[1400];
    if (!strncmp(base, "wal-", 4)) {
        dump_ctx d = {.o = o};
        wal_scan_result res;
        int rc = wal_scan_file(path, dump_record, &d, &res, err, sizeof(err));
        int code = CHK_OK;
        if (rc < 0) {
            fprintf(stderr, "%s\n", err);
            code = CHK_FAIL;
        } else if (res.torn) {
            fprintf(stderr, "%s: torn tail at offset %llu (%llu byte(s)): a crash during a "
                    "write; the server cuts it at start\n", path,
                    (unsigned long long)res.torn_offset, (unsigned long long)res.torn_bytes);
            code = CHK_TORN;
        }
        wal_scan_result_free(&res);
        return code;
    }
    ckpt_info info;
    if (ckpt_read(path, NULL, NULL, &info, err, sizeof(err)) != 0) { /* verify first */
        fprintf(stderr, "%s\n", err);
        return CHK_FAIL;
    }
    char when[32];
    chk_fmt_time(info.created_ms, when);
    if (o->json)
        printf("{\"checkpoint\":\"%s\",\"lsn\":%llu,\"created_ms\":%lld,\"databases\":%u,"
               "\"entries\":%llu}\n", path, (unsigned long long)info.lsn,
               (long long)info.created_ms, info.databases, (unsigned long long)info.entries);
    else
        printf("checkpoint %s: LSN %llu, created %s, %u databases, %llu entries, %llu blocks\n",
               path, (unsigned long long)info.lsn, when, info.databases,
               (unsigned long long)info.entries, (unsigned long long)info.blocks);
    return ckpt_read(path, dump_entry, (void *)o, &info, err, sizeof(err)) == 0 ? CHK_OK : CHK_FAIL;
}
