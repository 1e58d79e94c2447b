/* export.c -- `strongbox-check export DIR [--db N]`: the dataset a start
 * would recover, as RESP commands for `redis-cli --pipe` (to Redis or to
 * another strongbox): FUNCTION LOAD REPLACE, SCRIPT LOAD, then per db
 * SELECT and SET key value [PXAT ms]; keys already expired are skipped. */
#include "check.h"
#include "script.h"
#include "util.h"

#include <stdio.h>
#include <string.h>

static void bulk(const char *p, size_t n) {
    printf("$%zu\r\n", n);
    fwrite(p, 1, n, stdout);
    fputs("\r\n", stdout);
}

static void command(int argc, const char *const *argv, const size_t *lens) {
    printf("*%d\r\n", argc);
    for (int i = 0; i < argc; i++) bulk(argv[i], lens ? lens[i] : strlen(argv[i]));
}

typedef struct export_ctx {
    int db;        /* SELECTed, -1 = none yet */
    int64_t now;
    uint64_t keys, skipped;
} export_ctx;

static void export_key(void *ud, int db, const kv_entry *en) {
    export_ctx *x = ud;
    if (en->expire_ms != KV_NO_EXPIRE && en->expire_ms <= x->now) {
        x->skipped++;
        return;
    }
    char num[24];
    if (db != x->db) {
        snprintf(num, sizeof(num), "%d", db);
        const char *sel[] = {"SELECT", num};
        command(2, sel, NULL);
        x->db = db;
    }
    snprintf(num, sizeof(num), "%lld", (long long)en->expire_ms);
    const char *argv[] = {"SET", en->key, kv_cval(en), "PXAT", num};
    size_t lens[] = {3, en->klen, en->vlen, 4, strlen(num)};
    command(en->expire_ms == KV_NO_EXPIRE ? 3 : 5, argv, lens);
    if ((++x->keys & 1023) == 0) chk_progress(x->keys);
}

static void export_script(void *ud, const char *sha, const char *body, size_t len) {
    (void)ud;
    (void)sha;
    const char *argv[] = {"SCRIPT", "LOAD", body};
    size_t lens[] = {6, 4, len};
    command(3, argv, lens);
}

int chk_export(const chk_opts *o) {
    const char *dir = o->pos[0];
    eng_engine *e = chk_engine_new(o, dir);
    rec_result rr;
    char err[2400];
    if (chk_recover(o, e, dir, 0, &rr, err, sizeof(err)) != 0) {
        fprintf(stderr, "strongbox-check export: a server would refuse to start on %s: %s\n",
                dir, err);
        eng_destroy(e);
        return CHK_FAIL;
    }
    scr_vm *vm = eng_scripts(e);
    for (scr_lib *l = scr_libs(vm); l; l = l->next) {
        const char *argv[] = {"FUNCTION", "LOAD", "REPLACE", l->code};
        size_t lens[] = {8, 4, 7, l->code_len};
        command(4, argv, lens);
    }
    scr_script_each(vm, export_script, NULL);
    export_ctx x = {.db = -1, .now = sb_wall_ms()};
    chk_summary s;
    chk_summarize(e, &s);
    chk_progress_begin(o, "export", s.keys);
    chk_each_key(e, o->db, export_key, &x);
    chk_progress_end();
    fflush(stdout);
    if (!o->quiet)
        fprintf(stderr, "exported %llu key(s) at LSN %llu (%llu expired left out), %zu "
                "librar%s\n", (unsigned long long)x.keys, (unsigned long long)rr.last_lsn,
                (unsigned long long)x.skipped, scr_lib_count(vm),
                scr_lib_count(vm) == 1 ? "y" : "ies");
    eng_destroy(e);
    return CHK_OK;
}
