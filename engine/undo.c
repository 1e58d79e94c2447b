/* undo.c -- pre-images of keys for script rollback (see undo.h).
 *
 * A save is one packed record appended to a growing buffer:
 *   u32 db | u8 present | u8 type | u8 flags | u32 lru | i64 expire_ms |
 *   u32 klen | u32 vlen | key | value
 * Rolling back walks the records backwards: delete whatever the key holds
 * now, then re-insert the saved entry if it was present. Records are kept
 * per save, not per key: a script usually touches few keys, and saving the
 * same key twice only costs a copy (the older save wins on rollback).
 */
#include "undo.h"
#include "keyspace.h"
#include "util.h"

#include <stdlib.h>
#include <string.h>

#define REC_HEADER 27

void undo_init(eng_undo *u) { memset(u, 0, sizeof(*u)); }

void undo_free(eng_undo *u) {
    free(u->buf);
    free(u->offs);
    memset(u, 0, sizeof(*u));
}

static void *grow(void *p, size_t *cap, size_t need, size_t elem) {
    if (need <= *cap) return p;
    size_t c = *cap ? *cap : 16;
    while (c < need) c *= 2;
    void *np = realloc(p, c * elem);
    if (!np) abort();
    *cap = c;
    return np;
}

void undo_save(eng_undo *u, eng_keyspace *ks, int db, const char *key, size_t klen) {
    kv_entry *e = kv_find(eng_ks_db(ks, db), key, klen);
    size_t vlen = e ? e->vlen : 0;
    u->offs = grow(u->offs, &u->ncap, u->n + 1, sizeof(size_t));
    u->buf = grow(u->buf, &u->cap, u->len + REC_HEADER + klen + vlen, 1);
    unsigned char *p = (unsigned char *)u->buf + u->len;
    sb_put32(p, (uint32_t)db);
    p[4] = e != NULL;
    p[5] = e ? e->type : 0;
    p[6] = e ? e->flags : 0;
    sb_put32(p + 7, e ? e->lru : 0);
    sb_put64(p + 11, (uint64_t)(e ? e->expire_ms : KV_NO_EXPIRE));
    sb_put32(p + 19, (uint32_t)klen);
    sb_put32(p + 23, (uint32_t)vlen);
    memcpy(p + REC_HEADER, key, klen);
    if (vlen) memcpy(p + REC_HEADER + klen, kv_cval(e), vlen);
    u->offs[u->n++] = u->len;
    u->len += REC_HEADER + klen + vlen;
}

void undo_save_command(eng_undo *u, eng_keyspace *ks, int db, const eng_cmd *cmd,
                       int argc, const eng_arg *argv) {
    int last, step;
    if (eng_key_range(cmd, argc, &last, &step))
        for (int i = cmd->first_key; i <= last; i += step)
            undo_save(u, ks, db, argv[i].p, argv[i].n);
    int key_arg = 0, odb = eng_cmd_other_db(cmd, argc, argv, eng_ks_count(ks), &key_arg);
    if (odb >= 0) undo_save(u, ks, odb, argv[key_arg].p, argv[key_arg].n);
}

void undo_rollback(eng_undo *u, eng_keyspace *ks, size_t mark) {
    while (u->n > mark) {
        size_t off = u->offs[--u->n];
        const unsigned char *p = (const unsigned char *)u->buf + off;
        int db = (int)sb_get32(p);
        uint32_t klen = sb_get32(p + 19), vlen = sb_get32(p + 23);
        const char *key = (const char *)p + REC_HEADER;
        kv_table *t = eng_ks_db(ks, db);
        kv_delete(t, key, klen);
        if (p[4]) {
            kv_entry *e = kv_insert(t, key, klen, key + klen, vlen);
            e->type = p[5];
            e->flags = p[6];
            e->lru = sb_get32(p + 7);
            int64_t exp = (int64_t)sb_get64(p + 11);
            if (exp != KV_NO_EXPIRE) kv_set_expire(t, e, exp);
        }
        u->len = off;
    }
}

void undo_forget(eng_undo *u, size_t mark) {
    if (mark >= u->n) return;
    u->len = u->offs[mark];
    u->n = mark;
    if (u->n == 0 && u->cap > 1024 * 1024) undo_free(u);
}
