/* dataset.c -- a data directory recovered in memory, exactly as a server
 * start would (rec_run into an engine that is created but never started:
 * no threads, no network), and what strongbox-check reports about it: key
 * counts per db, functions, and an order-independent digest. */
#include "check.h"
#include "commands.h"
#include "util.h"
#include "keyspace.h"
#include "log.h"
#include "script.h"
#include "ckpt.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

eng_engine *chk_engine_new(const chk_opts *o, const char *dir) {
    static eng_limits limits; /* all 0: no limits (replay ignores them anyway) */
    static int inited;
    if (!inited) {
        sb_commands_init();
        sb_log_set_level(LOG_WARNING + 1); /* the tool prints its own findings */
        inited = 1;
    }
    eng_options eo = {0};
    eo.databases = o->databases > 0 ? o->databases : 16;
    /* by default as many as the server had (the newest checkpoint says) */
    ckpt_file *cks;
    size_t n;
    if (o->databases <= 0 && dir && ckpt_list(dir, &cks, &n) == 0) {
        uint32_t d = n ? ckpt_peek_databases(cks[0].path) : 0;
        if (d > (uint32_t)eo.databases && d < (1u << 20)) eo.databases = (int)d;
        free(cks);
    }
    eo.lookup = sb_command_lookup;
    eo.limits = &limits;
    return eng_create(&eo);
}

int chk_recover(const chk_opts *o, eng_engine *e, const char *dir, int cut_torn,
                rec_result *rr, char *err, size_t errlen) {
    rec_hooks h = chk_progress_hooks();
    if (e) {
        eng_loading(e)->total_bytes = wal_disk_bytes(dir);
        eng_set_loading(e, 1);
    }
    chk_progress_begin(o, e ? "replay" : "verify", e ? eng_loading(e)->total_bytes : 0);
    int rc = rec_run(e, dir, cut_torn, &h, rr, err, errlen);
    chk_progress_end();
    if (e) eng_set_loading(e, 0);
    return rc;
}

typedef struct each_ctx {
    chk_key_fn *fn;
    void *ud;
    int db;
} each_ctx;

static void visit(void *ud, kv_entry *en) {
    each_ctx *c = ud;
    c->fn(c->ud, c->db, en);
}

void chk_each_key(eng_engine *e, int db, chk_key_fn *fn, void *ud) {
    eng_keyspace *ks = eng_keyspace_of(e);
    for (int i = 0; i < eng_ks_count(ks); i++) {
        if (db >= 0 && i != db) continue;
        kv_table *t = eng_ks_db(ks, i);
        /* a table in mid-rehash could hand an entry to SCAN twice */
        while (kv_rehash_step(t, 1 << 20)) {}
        each_ctx c = {fn, ud, i};
        uint64_t cur = 0;
        do cur = kv_scan_n(t, cur, KV_SCAN_CHUNK, visit, &c); while (cur);
    }
}

static void xor_sha(unsigned char acc[20], const void *p, size_t n) {
    char hex[41];
    scr_sha1hex(p, n, hex);
    for (int i = 0; i < 20; i++) {
        int hi = hex[2 * i], lo = hex[2 * i + 1];
        hi = hi <= '9' ? hi - '0' : hi - 'a' + 10;
        lo = lo <= '9' ? lo - '0' : lo - 'a' + 10;
        acc[i] ^= (unsigned char)(hi << 4 | lo);
    }
}

typedef struct sum_ctx {
    chk_summary *s;
    unsigned char acc[20];
    int64_t now;
    char *buf;
    size_t cap;
} sum_ctx;

static void sum_key(void *ud, int db, const kv_entry *en) {
    sum_ctx *c = ud;
    c->s->keys++;
    if (db < 64) c->s->per_db_keys[db]++;
    if (en->expire_ms != KV_NO_EXPIRE && en->expire_ms <= c->now) c->s->expired++;
    size_t need = 40 + en->klen + en->vlen;
    if (need > c->cap) {
        c->cap = need * 2;
        c->buf = realloc(c->buf, c->cap);
        if (!c->buf) abort();
    }
    int n = snprintf(c->buf, c->cap, "%d:%lld:%u:", db, (long long)en->expire_ms, en->klen);
    memcpy(c->buf + n, en->key, en->klen);
    memcpy(c->buf + n + en->klen, kv_cval(en), en->vlen);
    xor_sha(c->acc, c->buf, (size_t)n + en->klen + en->vlen);
}

void chk_summarize(eng_engine *e, chk_summary *s) {
    memset(s, 0, sizeof(*s));
    sum_ctx c = {.s = s, .now = sb_wall_ms()};
    s->ndb = eng_databases(e) < 64 ? eng_databases(e) : 64;
    chk_each_key(e, -1, sum_key, &c);
    scr_vm *vm = eng_scripts(e);
    for (scr_lib *l = scr_libs(vm); l; l = l->next) xor_sha(c.acc, l->code, l->code_len);
    s->libraries = scr_lib_count(vm);
    s->functions = scr_fn_count(vm);
    s->scripts = scr_script_count(vm);
    for (int i = 0; i < 20; i++) snprintf(s->digest + 2 * i, 3, "%02x", c.acc[i]);
    free(c.buf);
}

void chk_print_summary(const chk_summary *s) {
    printf("keys: %llu", (unsigned long long)s->keys);
    if (s->expired)
        printf(" (%llu already expired: deleted by the server's expiry cycle)",
               (unsigned long long)s->expired);
    printf("\n");
    for (int i = 0; i < s->ndb; i++)
        if (s->per_db_keys[i]) printf("  db%d: %llu keys\n", i, (unsigned long long)s->per_db_keys[i]);
    printf("functions: %zu in %zu librar%s; cached scripts: %zu\n", s->functions, s->libraries,
           s->libraries == 1 ? "y" : "ies", s->scripts);
    printf("digest: %s\n", s->digest);
}
