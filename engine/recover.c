/* recover.c -- checkpoint loading, WAL replay and the start-up verdict,
 * for the server (persist.c) and strongbox-check alike.
 *
 * The rules, in order: the newest checkpoint that reads back whole is
 * loaded; the WAL must go on from its LSN without a gap; a torn tail of
 * the last segment is cut (saved to a side file first); an older
 * checkpoint (or the bare WAL) replaces an unreadable newer one only if
 * the WAL reaches at least the unreadable one's LSN. Anything else is a
 * refusal that names the file, the offset and the repair.
 */
#include "util.h"
#include "recover.h"
#include "keyspace.h"
#include "log.h"
#include "script.h"
#include "multi.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <uv.h>

/* ------------------------------------------------------- checkpoints */

/* Entries wait LOAD_AHEAD places in a ring between being made (their
 * bucket prefetched) and being linked, so the cache misses of a load
 * overlap instead of adding up. */
#define LOAD_AHEAD 16

typedef struct load_ctx {
    eng_engine *e;
    const rec_hooks *h;
    uint64_t n;
    uint64_t size, total;   /* the file's bytes and entries (its trailer) */
    char err[300];
    struct { kv_table *t; kv_entry *en; uint64_t h; uint32_t db; } ring[LOAD_AHEAD];
    unsigned head, count;
} load_ctx;

/* Link the oldest waiting entry. */
static int load_link_one(load_ctx *l) {
    unsigned i = l->head;
    kv_entry *en = l->ring[i].en;
    l->head = (i + 1) % LOAD_AHEAD;
    l->count--;
    if (kv_link_new(l->ring[i].t, en, l->ring[i].h) == 0) return 0;
    snprintf(l->err, sizeof(l->err), "key '%.*s' appears twice in db %u",
             (int)(en->klen > 64 ? 64 : en->klen), en->key, l->ring[i].db);
    kv_entry_free(en);
    return 1;
}

/* After the last entry (ok) or a failure (!ok: drop what waits). */
static int load_flush(load_ctx *l, int ok) {
    while (l->count) {
        if (!ok) {
            kv_entry_free(l->ring[l->head].en);
            l->head = (l->head + 1) % LOAD_AHEAD;
            l->count--;
        } else if (load_link_one(l)) {
            ok = 0;
        }
    }
    return ok ? 0 : 1;
}

/* One entry of the checkpoint; hash is its key's hash if have_hash (the
 * reader thread made it), else it is made here. */
static int load_one(load_ctx *l, uint32_t db, int type, int64_t expire_ms, const char *key,
                    size_t klen, const char *val, size_t vlen, int have_hash, uint64_t hash) {
    if (type == CKPT_TYPE_LIBRARY || type == CKPT_TYPE_SCRIPT) {
        char sha[41], err[200];
        int rc = type == CKPT_TYPE_LIBRARY
                     ? scr_lib_load(eng_scripts(l->e), val, vlen, 1, NULL, err, sizeof(err))
                     : scr_script_add(eng_scripts(l->e), val, vlen, sha, err, sizeof(err));
        if (rc) {
            snprintf(l->err, sizeof(l->err), "%s '%.*s' does not load: %s",
                     type == CKPT_TYPE_LIBRARY ? "function library" : "script",
                     (int)(klen > 64 ? 64 : klen), key, err);
            return 1;
        }
        return 0;
    }
    if (type != ENG_TYPE_STRING) {
        snprintf(l->err, sizeof(l->err), "unknown value type %d", type);
        return 1;
    }
    eng_keyspace *ks = eng_keyspace_of(l->e);
    if (db >= (uint32_t)eng_ks_count(ks)) {
        snprintf(l->err, sizeof(l->err), "it has keys in db %u but the server has only %d "
                 "databases (the databases setting)", db, eng_ks_count(ks));
        return 1;
    }
    if (l->count == LOAD_AHEAD && load_link_one(l)) return 1;
    kv_table *t = eng_ks_db(ks, (int)db);
    kv_entry *en = kv_entry_new(key, klen, val, vlen);
    en->type = (uint8_t)type;
    /* expired entries are kept: the WAL after the checkpoint is replayed
     * with the clock of its time, and the active cycle deletes them */
    en->expire_ms = expire_ms;
    uint64_t h = have_hash ? hash : kv_hash_once(t, key, klen);
    kv_prefetch(t, h, key, klen, 0);
    unsigned tail = (l->head + l->count) % LOAD_AHEAD;
    l->ring[tail].t = t;
    l->ring[tail].en = en;
    l->ring[tail].h = h;
    l->ring[tail].db = db;
    l->count++;
    if (l->count > LOAD_AHEAD / 2) { /* halfway: its chain's first entry */
        unsigned mid = (l->head + l->count - 1 - LOAD_AHEAD / 2) % LOAD_AHEAD;
        kv_prefetch(l->ring[mid].t, l->ring[mid].h, NULL, 0, 1);
    }
    if ((++l->n & 4095) == 0) {
        /* progress: the bytes read, estimated from the entries loaded */
        eng_loading_info *li = eng_loading(l->e);
        li->entries = l->n;
        li->done_bytes = l->total ? (uint64_t)((double)l->size * (double)(l->n < l->total ? l->n : l->total) /
                                               (double)l->total) : 0;
        if (l->h && l->h->progress) l->h->progress(l->h->ud, l->e, 0);
    }
    return 0;
}

static int load_entry(void *ud, uint32_t db, int type, int64_t expire_ms, const char *key,
                      size_t klen, const char *val, size_t vlen) {
    return load_one(ud, db, type, expire_ms, key, klen, val, vlen, 0, 0);
}

/* ------------------------------------------ reading on a second thread
 *
 * Loading is mostly the engine thread's work per key: allocate the entry,
 * copy, hash, link. A reader thread takes the rest off it -- reading the
 * file, the CRCs, parsing and hashing the keys -- and hands the entries
 * over in batches (copied: ckpt_read reuses its block buffer), at most
 * PIPE_BATCHES of them waiting. The engine thread keeps the order of the
 * file, and makes every change, as when it reads alone. */
#define PIPE_BATCH_BYTES (256u * 1024)
#define PIPE_BATCHES 4

typedef struct pipe_batch {
    struct pipe_batch *next;
    size_t len, cap;
    char data[]; /* pipe_rec, key, value; pipe_rec, ... (unaligned) */
} pipe_batch;

typedef struct pipe_rec {
    int64_t expire_ms;
    uint64_t hash;
    uint32_t db, klen, vlen;
    int type, have_hash;
} pipe_rec;

typedef struct load_pipe {
    uv_mutex_t mu;
    uv_cond_t cv;             /* both ways: a batch queued, taken, or the end */
    pipe_batch *head, *tail;  /* full batches, in file order */
    pipe_batch *spare;        /* one empty batch to reuse */
    int queued;
    int done, stop;           /* the reader ended; the engine wants it to */
    pipe_batch *cur;          /* the reader's batch being filled */
    eng_keyspace *ks;
    int ndb;
    const char *path;
    ckpt_info *info;
    int rc;
    char rerr[1200];
} load_pipe;

/* Reader: queue the filled batch (waits while PIPE_BATCHES wait). Returns
 * 1 if the engine asked it to stop. */
static int pipe_push(load_pipe *p) {
    uv_mutex_lock(&p->mu);
    while (p->queued >= PIPE_BATCHES && !p->stop) uv_cond_wait(&p->cv, &p->mu);
    int stop = p->stop;
    if (!stop && p->cur) {
        p->cur->next = NULL;
        if (p->tail) p->tail->next = p->cur;
        else p->head = p->cur;
        p->tail = p->cur;
        p->queued++;
        p->cur = NULL;
        uv_cond_signal(&p->cv);
    }
    uv_mutex_unlock(&p->mu);
    return stop;
}

static int pipe_entry(void *ud, uint32_t db, int type, int64_t expire_ms, const char *key,
                      size_t klen, const char *val, size_t vlen) {
    load_pipe *p = ud;
    size_t need = sizeof(pipe_rec) + klen + vlen;
    if (p->cur && p->cur->len + need > p->cur->cap && pipe_push(p)) return 1;
    if (!p->cur) {
        size_t cap = need > PIPE_BATCH_BYTES ? need : PIPE_BATCH_BYTES;
        uv_mutex_lock(&p->mu);
        pipe_batch *b = p->spare;
        if (b && b->cap >= cap) p->spare = NULL;
        else b = NULL;
        uv_mutex_unlock(&p->mu);
        if (!b) {
            b = malloc(sizeof(*b) + cap);
            if (!b) abort();
            b->cap = cap;
        }
        b->len = 0;
        p->cur = b;
    }
    pipe_rec r = {.expire_ms = expire_ms, .db = db, .klen = (uint32_t)klen,
                  .vlen = (uint32_t)vlen, .type = type};
    if (type == ENG_TYPE_STRING && db < (uint32_t)p->ndb) {
        r.hash = kv_hash_once(eng_ks_db(p->ks, (int)db), key, klen);
        r.have_hash = 1;
    }
    char *o = p->cur->data + p->cur->len;
    memcpy(o, &r, sizeof(r));
    memcpy(o + sizeof(r), key, klen);
    memcpy(o + sizeof(r) + klen, val, vlen);
    p->cur->len += need;
    return 0;
}

static void pipe_reader(void *arg) {
    load_pipe *p = arg;
    pthread_setname_np(pthread_self(), "sb-load");
    int rc = ckpt_read(p->path, pipe_entry, p, p->info, p->rerr, sizeof(p->rerr));
    if (p->cur && p->cur->len && pipe_push(p) && rc == 0) rc = 1;
    uv_mutex_lock(&p->mu);
    p->rc = rc;
    p->done = 1;
    uv_cond_signal(&p->cv);
    uv_mutex_unlock(&p->mu);
}

/* Engine thread: load the checkpoint with a reader thread. Returns as
 * ckpt_read does (1: the loader failed, l->err says why), or -2 if the
 * thread could not start (nothing was read). */
static int load_piped(load_ctx *l, const char *path, ckpt_info *info, char *rerr, size_t rerrlen) {
    load_pipe p = {.ks = eng_keyspace_of(l->e), .path = path, .info = info};
    p.ndb = eng_ks_count(p.ks);
    uv_mutex_init(&p.mu);
    uv_cond_init(&p.cv);
    uv_thread_t th;
    if (uv_thread_create(&th, pipe_reader, &p) != 0) {
        uv_cond_destroy(&p.cv);
        uv_mutex_destroy(&p.mu);
        return -2;
    }
    int failed = 0;
    for (;;) {
        uv_mutex_lock(&p.mu);
        while (!p.head && !p.done) uv_cond_wait(&p.cv, &p.mu);
        pipe_batch *b = p.head;
        if (b) {
            p.head = b->next;
            if (!p.head) p.tail = NULL;
            p.queued--;
            uv_cond_signal(&p.cv);
        }
        uv_mutex_unlock(&p.mu);
        if (!b) break;
        for (size_t off = 0; !failed && off < b->len;) {
            pipe_rec r;
            memcpy(&r, b->data + off, sizeof(r));
            const char *key = b->data + off + sizeof(r);
            failed = load_one(l, r.db, r.type, r.expire_ms, key, r.klen, key + r.klen, r.vlen,
                              r.have_hash, r.hash);
            off += sizeof(r) + r.klen + r.vlen;
        }
        uv_mutex_lock(&p.mu);
        if (failed) { /* the reader stops at its next batch; drop what waits */
            p.stop = 1;
            uv_cond_signal(&p.cv);
        }
        if (!p.spare && b->cap == PIPE_BATCH_BYTES) {
            p.spare = b;
            b = NULL;
        }
        uv_mutex_unlock(&p.mu);
        free(b);
    }
    uv_thread_join(&th);
    free(p.spare);
    free(p.cur);
    uv_cond_destroy(&p.cv);
    uv_mutex_destroy(&p.mu);
    if (failed) return 1;
    if (p.rc < 0) snprintf(rerr, rerrlen, "%s", p.rerr);
    return p.rc;
}

int rec_load_ckpt(eng_engine *e, const char *path, const rec_hooks *h, ckpt_info *info,
                  char *err, size_t errlen) {
    load_ctx l = {.e = e, .h = h};
    char rerr[1200];
    struct stat st;
    eng_loading_info *li = e ? eng_loading(e) : NULL;
    if (li) { /* the checkpoint counts in the progress (done_bytes: load_one) */
        l.size = stat(path, &st) == 0 ? (uint64_t)st.st_size : 0;
        l.total = ckpt_peek_entries(path);
        li->total_bytes += l.size;
    }
    int rc = e ? load_piped(&l, path, info, rerr, sizeof(rerr)) : -2;
    if (rc == -2) rc = ckpt_read(path, e ? load_entry : NULL, &l, info, rerr, sizeof(rerr));
    if (e && load_flush(&l, rc == 0) && rc == 0) rc = 1;
    if (li) {
        li->entries = rc == 0 ? l.n : 0;
        li->done_bytes = rc == 0 ? l.size : 0;
        if (rc != 0) li->total_bytes -= l.size; /* an older one is tried next, or none */
    }
    /* (ckpt_read's messages name the file, the loader's don't) */
    if (rc > 0) snprintf(err, errlen, "%s: %s", path, l.err);
    else if (rc < 0) snprintf(err, errlen, "%s", rerr);
    return rc ? -1 : 0;
}

/* Size every db for n entries before loading (no rehash while loading), or
 * lift that floor again (n = 0). */
static void reserve_all(eng_engine *e, uint64_t n) {
    eng_keyspace *ks = eng_keyspace_of(e);
    for (int i = 0; i < eng_ks_count(ks); i++) kv_reserve(eng_ks_db(ks, i), (size_t)n);
}

void rec_clear(eng_engine *e) {
    eng_keyspace *ks = eng_keyspace_of(e);
    multi_touch_all(e, sb_wall_ms()); /* watched keys that exist change */
    for (int i = 0; i < eng_ks_count(ks); i++) kv_clear(eng_ks_db(ks, i));
    scr_lib_flush(eng_scripts(e));
    scr_script_flush(eng_scripts(e));
}

/* ---------------------------------------------------------------- WAL */

typedef struct replay_ctx {
    eng_engine *e;
    const rec_hooks *h;
    uint64_t upto, reached, records;
    char err[1024];
    char cur_path[512];
    uint64_t base_bytes;   /* bytes of the segments before cur_path */
    uint64_t cur_size;
} replay_ctx;

static int replay_one(void *ud, uint64_t lsn, int type, const void *body, size_t len,
                      const char *path, uint64_t offset) {
    replay_ctx *r = ud;
    if (lsn > r->upto) return 2; /* far enough */
    if (strcmp(path, r->cur_path) != 0) {
        r->base_bytes += r->cur_size;
        struct stat st;
        r->cur_size = stat(path, &st) == 0 ? (uint64_t)st.st_size : 0;
        snprintf(r->cur_path, sizeof(r->cur_path), "%s", path);
    }
    if (type != WAL_REC_UNIT) {
        snprintf(r->err, sizeof(r->err), "%s offset %llu: LSN %llu has unknown record type %d "
                 "(written by a newer strongbox?)", path, (unsigned long long)offset,
                 (unsigned long long)lsn, type);
        return 1;
    }
    char why[700];
    if (r->e && eng_replay_unit(r->e, lsn, body, len, why, sizeof(why)) != 0) {
        snprintf(r->err, sizeof(r->err), "%s offset %llu: %s", path, (unsigned long long)offset, why);
        return 1;
    }
    r->reached = lsn;
    r->records++;
    if (r->e) {
        eng_loading_info *li = eng_loading(r->e);
        li->records++;
        li->done_bytes = r->base_bytes + offset + len;
    }
    if ((r->records & 255) == 0 && r->h && r->h->progress) r->h->progress(r->h->ud, r->e, lsn);
    return 0;
}

int rec_replay_wal(eng_engine *e, const char *dir, uint64_t after, uint64_t upto,
                   int cut_torn, const rec_hooks *h, wal_scan_result *res, uint64_t *reached,
                   char *err, size_t errlen) {
    /* (its bytes count after the checkpoint's in the progress) */
    replay_ctx r = {.e = e, .h = h, .upto = upto, .reached = after,
                    .base_bytes = e ? eng_loading(e)->done_bytes : 0};
    int rc = wal_scan(dir, after, cut_torn, replay_one, &r, res, err, errlen);
    *reached = r.reached;
    if (rc == 2) return 0;
    if (rc > 0) snprintf(err, errlen, "%s", r.err);
    return rc ? -1 : 0;
}

/* ------------------------------------------------------------ verdict */

int rec_run(eng_engine *e, const char *dir, int cut_torn, const rec_hooks *h,
            rec_result *res, char *err, size_t errlen) {
    memset(res, 0, sizeof(*res));
    int quiet = h && h->quiet;
    char cerr[1400];
    if (cut_torn) ckpt_remove_temps(dir);
    ckpt_file *cks;
    size_t ncks;
    ckpt_list(dir, &cks, &ncks);
    uint64_t bad_lsn = 0;    /* LSN of the newest unreadable checkpoint */
    int loaded = -1;
    for (size_t i = 0; i < ncks; i++) {
        ckpt_info info;
        if (e) reserve_all(e, ckpt_peek_entries(cks[i].path));
        int rc = rec_load_ckpt(e, cks[i].path, h, &info, cerr, sizeof(cerr));
        if (e) reserve_all(e, 0);
        if (rc == 0 && info.lsn != cks[i].lsn) {
            /* old checkpoints and segments are removed by the LSN in the
             * name: one that lies about it would leave a gap later */
            snprintf(cerr, sizeof(cerr), "%s: the header says LSN %llu but the file name says %llu",
                     cks[i].path, (unsigned long long)info.lsn, (unsigned long long)cks[i].lsn);
            rc = -1;
        }
        if (rc == 0) {
            loaded = (int)i;
            res->base = info.lsn;
            snprintf(res->ckpt_path, sizeof(res->ckpt_path), "%s", cks[i].path);
            res->ckpt_size = cks[i].size;
            res->ckpt_entries = info.entries;
            res->ckpt_created_ms = info.created_ms;
            if (!quiet)
                sb_log(LOG_NOTICE, "Loaded checkpoint %s: %llu entries at LSN %llu", cks[i].path,
                       (unsigned long long)info.entries, (unsigned long long)info.lsn);
            break;
        }
        if (e) rec_clear(e);
        if (!res->bad[0]) {
            snprintf(res->bad, sizeof(res->bad), "%s", cerr);
            bad_lsn = cks[i].lsn;
        }
        if (!quiet) sb_log(LOG_WARNING, "Checkpoint %s is unreadable: %s", cks[i].path, cerr);
    }
    res->fell_back = bad_lsn != 0;

    wal_scan_result ws;
    uint64_t reached;
    int rc = rec_replay_wal(e, dir, res->base, UINT64_MAX, cut_torn, h, &ws, &reached, cerr,
                            sizeof(cerr));
    res->records = reached - res->base;
    res->nsegs = ws.nsegs;
    if (ws.nsegs) snprintf(res->last_segment, sizeof(res->last_segment), "%s", ws.segs[ws.nsegs - 1].path);
    res->torn = ws.torn;
    snprintf(res->torn_path, sizeof(res->torn_path), "%s", ws.torn_path);
    res->torn_offset = ws.torn_offset;
    res->torn_bytes = ws.torn_bytes;
    uint64_t last = ws.last_lsn > res->base ? ws.last_lsn : res->base;
    res->last_lsn = last;
    wal_scan_result_free(&ws);
    free(cks);
    if (rc != 0 && loaded != 0 && ncks) {
        snprintf(err, errlen, "the newest checkpoint is unreadable (%s), and the WAL cannot "
                 "replace it: %s. Falling back to an older checkpoint would lose data.",
                 res->bad, cerr);
        return -1;
    }
    if (rc != 0) {
        snprintf(err, errlen, "%s", cerr);
        return -1;
    }
    if (res->torn && !quiet)
        sb_log(LOG_WARNING, "WAL %s ended with a torn write (a crash during a write): cut %llu "
               "byte(s) at offset %llu, saved to %s.torn-%llu. Everything before it is kept.",
               res->torn_path, (unsigned long long)res->torn_bytes,
               (unsigned long long)res->torn_offset, res->torn_path,
               (unsigned long long)res->torn_offset);
    /* (wal_scan checked that the WAL goes on exactly where the loaded
     * checkpoint ends.) Checkpoints but none readable and no WAL: refuse. */
    if (ncks && loaded < 0 && res->nsegs == 0) {
        snprintf(err, errlen, "no checkpoint is readable (%s) and there is no WAL to rebuild from",
                 res->bad);
        return -1;
    }
    /* The unreadable checkpoint held the data up to bad_lsn: the WAL must
     * reach at least that far, or falling back loses what only it had. */
    if (bad_lsn && last < bad_lsn) {
        snprintf(err, errlen, "the newest checkpoint is unreadable (%s), and the WAL ends at LSN "
                 "%llu, before the checkpoint's LSN %llu: falling back to %s would lose %llu "
                 "change(s). 'strongbox-check repair %s --to-lsn %llu' accepts that loss: it "
                 "keeps the state at LSN %llu and moves the newer files aside.",
                 res->bad, (unsigned long long)last, (unsigned long long)bad_lsn,
                 loaded > 0 ? "an older checkpoint" : "the WAL",
                 (unsigned long long)(bad_lsn - last), dir, (unsigned long long)last,
                 (unsigned long long)last);
        return -1;
    }
    if (!quiet && loaded > 0)
        sb_log(LOG_WARNING, "Fell back to the older checkpoint %s: the WAL after it is complete, "
               "so nothing is lost", res->ckpt_path);
    else if (!quiet && ncks && loaded < 0)
        sb_log(LOG_WARNING, "Fell back to the whole WAL (no checkpoint is readable): it is "
               "complete from LSN 1, so nothing is lost");
    return 0;
}
