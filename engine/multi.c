/* multi.c -- MULTI / EXEC / DISCARD / WATCH / UNWATCH (see multi.h).
 *
 * Why EXEC runs the queue inside its own handler: the dispatcher commits
 * the change unit of a command after its handler returns, so everything
 * the queued commands change is one unit, one LSN, one WAL record, and the
 * EXEC reply is tagged with that LSN (held until it is durable).
 *
 * The watched-keys index is one kv_table per database (keyed SipHash, so
 * clients cannot pick colliding keys), key -> the watchers of that key (a
 * pointer to the first of a doubly-linked list of mw_watch, stored as the
 * entry's value). Every watch is also on its client's list, so UNWATCH,
 * EXEC and a disconnection unlink exactly the client's own watches.
 */
#include "multi.h"
#include "eng_commands.h"
#include "keyspace.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MS_MULTI      (1u << 0) /* queueing */
#define MS_DIRTY_EXEC (1u << 1) /* a command was refused while queueing */
#define MS_DIRTY_CAS  (1u << 2) /* a watched key changed */

typedef struct mq_cmd {
    const eng_cmd *cmd;
    int argc;
    eng_arg argv[]; /* then the argument bytes, each NUL-terminated */
} mq_cmd;

typedef struct mw_watch {
    struct mw_watch *kprev, *knext; /* the watchers of the same (db, key) */
    struct mw_watch *cnext;         /* the client's watches */
    struct multi_state *m;
    int db;
    int expired;                    /* the key had expired when watched */
    uint64_t cleared_run;           /* the script run that cleared expired */
    size_t klen;
    char key[];
} mw_watch;

typedef struct multi_state {
    unsigned flags;      /* MS_* */
    mq_cmd **q;
    size_t n, cap;
    uint32_t qflags;     /* union of the queued commands' flags */
    uint64_t qbound;     /* the sum of their eng_unit_bound */
    int fn_queued;       /* a FUNCTION LOAD/DELETE/FLUSH/RESTORE is among them */
    mw_watch *watches;
    uint64_t dirty_run;  /* the script run that set MS_DIRTY_CAS, 0 none */
} multi_state;

struct multi_index {
    int ndb;
    kv_table **db;       /* key -> mw_watch* (created on first watch) */
    size_t nwatched;
    uint64_t run, runs;  /* the script running (multi_script_begin), 0 none */
    uint8_t seed[16];
};

/* ------------------------------------------------------------- index */

multi_index *multi_index_create(int databases) {
    multi_index *ix = calloc(1, sizeof(*ix));
    if (!ix) abort();
    ix->ndb = databases;
    ix->db = calloc((size_t)databases, sizeof(kv_table *));
    if (!ix->db) abort();
    kv_seed_random(ix->seed);
    return ix;
}

void multi_index_destroy(multi_index *ix) {
    if (!ix) return;
    for (int i = 0; i < ix->ndb; i++) kv_destroy(ix->db[i]);
    free(ix->db);
    free(ix);
}

size_t multi_nwatched(const multi_index *ix) { return ix->nwatched; }

static mw_watch *watchers(kv_entry *e) {
    mw_watch *w;
    memcpy(&w, kv_val(e), sizeof(w));
    return w;
}

static void set_watchers(kv_entry *e, mw_watch *w) { memcpy(kv_val(e), &w, sizeof(w)); }

/* The first watcher of (db, key), or NULL. */
static mw_watch *find_watchers(multi_index *ix, int db, const char *key, size_t klen) {
    if (!ix->db[db]) return NULL;
    kv_entry *e = kv_find(ix->db[db], key, klen);
    return e ? watchers(e) : NULL;
}

static void index_add(multi_index *ix, mw_watch *w) {
    if (!ix->db[w->db]) {
        ix->db[w->db] = kv_create(ix->seed, NULL);
        if (!ix->db[w->db]) abort();
    }
    kv_entry *e = kv_find(ix->db[w->db], w->key, w->klen);
    if (!e) e = kv_insert(ix->db[w->db], w->key, w->klen, NULL, sizeof(w));
    else w->knext = watchers(e);
    if (w->knext) w->knext->kprev = w;
    set_watchers(e, w);
    ix->nwatched++;
}

static void index_remove(multi_index *ix, mw_watch *w) {
    if (w->knext) w->knext->kprev = w->kprev;
    if (w->kprev) {
        w->kprev->knext = w->knext;
    } else {
        kv_entry *e = kv_find(ix->db[w->db], w->key, w->klen);
        if (w->knext) set_watchers(e, w->knext);
        else kv_delete(ix->db[w->db], w->key, w->klen);
    }
    ix->nwatched--;
}

/* ------------------------------------------------------- client state */

static multi_state *state_of(eng_client *c) {
    if (!c->mstate) {
        c->mstate = calloc(1, sizeof(multi_state));
        if (!c->mstate) abort();
    }
    return c->mstate;
}

int multi_active(const eng_client *c) { return c->mstate && (c->mstate->flags & MS_MULTI); }

int multi_queued(const eng_client *c) { return multi_active(c) ? (int)c->mstate->n : -1; }

static void unwatch_all(eng_engine *e, multi_state *m) {
    multi_index *ix = eng_multi_index(e);
    while (m->watches) {
        mw_watch *w = m->watches;
        m->watches = w->cnext;
        index_remove(ix, w);
        free(w);
    }
}

static void free_queue(multi_state *m) {
    for (size_t i = 0; i < m->n; i++) free(m->q[i]);
    free(m->q);
    m->q = NULL;
    m->n = m->cap = 0;
    m->qflags = 0;
    m->qbound = 0;
    m->fn_queued = 0;
}

/* Redis's discardTransaction: leave MULTI, drop the queue and the marks,
 * unwatch everything. */
static void discard(eng_engine *e, multi_state *m) {
    free_queue(m);
    m->flags &= ~(MS_MULTI | MS_DIRTY_EXEC | MS_DIRTY_CAS);
    unwatch_all(e, m);
}

void multi_client_reset(eng_engine *e, eng_client *c) {
    if (c->mstate) discard(e, c->mstate);
}

void multi_client_free(eng_engine *e, eng_client *c) {
    multi_client_reset(e, c);
    free(c->mstate);
    c->mstate = NULL;
}

/* ---------------------------------------------------------- queueing */

/* Commands that run even in MULTI (Redis's processCommand list). */
int multi_runs_at_once(const eng_cmd *cmd) {
    return cmd->fn == cmd_exec || cmd->fn == cmd_discard || cmd->fn == cmd_multi ||
           cmd->fn == cmd_watch || cmd->fn == cmd_quit || cmd->fn == cmd_reset;
}

uint64_t multi_queued_bound(const eng_client *c) {
    return c->mstate ? c->mstate->qbound : 0;
}

int multi_functions_queued(const eng_client *c) {
    return c->mstate && c->mstate->fn_queued;
}

uint32_t multi_cmd_flags(const eng_client *c, const eng_cmd *cmd) {
    uint32_t f = cmd->flags;
    if (!multi_active(c)) return f;
    if (cmd->fn == cmd_exec) return f | (c->mstate->qflags & (CMD_WRITE | CMD_DENYOOM));
    /* queueing may take unlimited memory: over maxmemory, refuse all but
     * the commands that end the transaction or the connection */
    if (cmd->fn != cmd_discard && cmd->fn != cmd_quit && cmd->fn != cmd_reset) f |= CMD_DENYOOM;
    return f;
}

void multi_rejected(eng_ctx *x, size_t off) {
    multi_state *m = x->c->mstate;
    if (x->cmd && x->cmd->fn == cmd_exec) {
        /* the error without its '-', "ERR " and CRLF */
        const char *p = x->out->data + off + 1;
        size_t n = x->out->len - off - 3;
        if (n >= 4 && !memcmp(p, "ERR ", 4)) p += 4, n -= 4;
        char msg[700];
        int len = snprintf(msg, sizeof(msg), "EXECABORT Transaction discarded because of: %.*s",
                           (int)(n > 600 ? 600 : n), p);
        x->out->len = off;
        resp_add_error(x->out, msg, (size_t)len);
        if (m) discard(x->eng, m);
        return;
    }
    if (m && (m->flags & MS_MULTI)) m->flags |= MS_DIRTY_EXEC;
}

int multi_queue(eng_ctx *x, const eng_cmd *cmd) {
    multi_state *m = x->c->mstate;
    if (!m || !(m->flags & MS_MULTI) || multi_runs_at_once(cmd)) return 0;
    size_t bytes = sizeof(mq_cmd) + (size_t)x->argc * sizeof(eng_arg);
    for (int i = 0; i < x->argc; i++) bytes += x->argv[i].n + 1;
    mq_cmd *q = malloc(bytes);
    if (!q) abort();
    q->cmd = cmd;
    q->argc = x->argc;
    char *d = (char *)(q->argv + x->argc);
    for (int i = 0; i < x->argc; i++) {
        memcpy(d, x->argv[i].p, x->argv[i].n + 1);
        q->argv[i] = (eng_arg){d, x->argv[i].n};
        d += x->argv[i].n + 1;
    }
    if (m->n == m->cap) {
        m->cap = m->cap ? m->cap * 2 : 8;
        m->q = realloc(m->q, m->cap * sizeof(*m->q));
        if (!m->q) abort();
    }
    m->q[m->n++] = q;
    m->qflags |= cmd->flags;
    m->qbound += eng_unit_bound(x->eng, cmd, x->argc, x->argv, !m->fn_queued);
    if (cmd->fn == cmd_function && (cmd->flags & CMD_WRITE)) m->fn_queued = 1;
    resp_add_simple(x->out, "QUEUED", 6);
    return 1;
}

/* ---------------------------------------------------------- commands */

void cmd_multi(eng_ctx *x) {
    multi_state *m = state_of(x->c);
    if (m->flags & MS_MULTI) {
        eng_reply_error(x, "ERR MULTI calls can not be nested");
        return;
    }
    m->flags |= MS_MULTI;
    eng_reply_ok(x);
}

void cmd_discard(eng_ctx *x) {
    if (!multi_active(x->c)) {
        eng_reply_error(x, "ERR DISCARD without MULTI");
        return;
    }
    discard(x->eng, x->c->mstate);
    eng_reply_ok(x);
}

static kv_entry *raw_find(eng_engine *e, int db, const char *key, size_t klen) {
    return kv_find(eng_ks_db(eng_keyspace_of(e), db), key, klen);
}

static int expired_at(const kv_entry *k, int64_t now_ms) {
    return k && k->expire_ms != KV_NO_EXPIRE && k->expire_ms <= now_ms;
}

/* Redis 7's isWatchedKeyExpired: a watched key that was alive when
 * watched and has expired since (deleted or not yet) is a change. */
static int watched_key_expired(eng_ctx *x, multi_state *m) {
    for (mw_watch *w = m->watches; w; w = w->cnext)
        if (!w->expired && expired_at(raw_find(x->eng, w->db, w->key, w->klen), x->now_ms))
            return 1;
    return 0;
}

void cmd_exec(eng_ctx *x) {
    multi_state *m = x->c->mstate;
    if (!multi_active(x->c)) {
        eng_reply_error(x, "ERR EXEC without MULTI");
        return;
    }
    if (watched_key_expired(x, m)) m->flags |= MS_DIRTY_CAS;
    if (m->flags & (MS_DIRTY_EXEC | MS_DIRTY_CAS)) {
        if (m->flags & MS_DIRTY_EXEC)
            eng_reply_error(x, "EXECABORT Transaction discarded because of previous errors.");
        else
            resp_add_null_array(x->out, x->proto);
        discard(x->eng, m);
        return;
    }
    unwatch_all(x->eng, m);
    /* the client stays in MULTI while they run, as in Redis (CLIENT INFO
     * shows flags=x); nothing queues meanwhile: they are not dispatched */
    resp_add_array_len(x->out, (long long)m->n);
    for (size_t i = 0; i < m->n; i++)
        eng_exec_queued(x, m->q[i]->cmd, m->q[i]->argc, m->q[i]->argv);
    discard(x->eng, m);
}

void cmd_watch(eng_ctx *x) {
    eng_client *c = x->c;
    if (multi_active(c)) {
        eng_reply_error(x, "ERR WATCH inside MULTI is not allowed");
        return;
    }
    multi_state *m = state_of(c);
    multi_index *ix = eng_multi_index(x->eng);
    for (int i = 1; i < x->argc; i++) {
        const eng_arg *k = &x->argv[i];
        mw_watch *w = find_watchers(ix, c->db, k->p, k->n);
        while (w && w->m != m) w = w->knext;
        if (w) continue; /* already watched by this client */
        w = calloc(1, sizeof(*w) + k->n + 1);
        if (!w) abort();
        w->m = m;
        w->db = c->db;
        w->klen = k->n;
        memcpy(w->key, k->p, k->n + 1);
        w->expired = expired_at(raw_find(x->eng, c->db, k->p, k->n), x->now_ms);
        w->cnext = m->watches;
        m->watches = w;
        index_add(ix, w);
    }
    eng_reply_ok(x);
}

void cmd_unwatch(eng_ctx *x) {
    multi_state *m = x->c->mstate;
    if (m) {
        unwatch_all(x->eng, m);
        m->flags &= ~MS_DIRTY_CAS;
    }
    eng_reply_ok(x);
}

/* ---------------------------------------------------------- touching */

/* A watched key of m changed. Inside a script, remember which run did it:
 * if the script is rolled back, the change never happened. */
static void mark_dirty(multi_index *ix, multi_state *m) {
    if (!(m->flags & MS_DIRTY_CAS)) m->dirty_run = ix->run;
    m->flags |= MS_DIRTY_CAS;
}

/* (db, key) is about to change; del: the change deletes it. */
static void touch_key(multi_index *ix, int db, const eng_arg *key, int del) {
    for (mw_watch *w = find_watchers(ix, db, key->p, key->n); w; w = w->knext) {
        if (w->expired && del) {
            /* the key had already expired when watched: deleting it is no
             * logical change (Redis 7); from now on it is just absent
             * (unless a script did it and is rolled back: the key is back) */
            w->expired = 0;
            w->cleared_run = ix->run;
            continue;
        }
        mark_dirty(ix, w->m);
    }
}

typedef struct db_touch {
    eng_engine *e;
    int db, other;   /* other: the db swapped with, or -1 (emptied) */
    int64_t now_ms;
} db_touch;

/* Redis 7's touchAllWatchedKeysInDb(emptied, replaced_with) for one key:
 * what changes is whether it exists, and whether it has expired. */
static void touch_in_db(void *ud, kv_entry *ie) {
    db_touch *t = ud;
    kv_entry *was = raw_find(t->e, t->db, ie->key, ie->klen);
    kv_entry *now = t->other >= 0 ? raw_find(t->e, t->other, ie->key, ie->klen) : NULL;
    if (!was && !now) return;
    for (mw_watch *w = watchers(ie); w; w = w->knext) {
        if (w->expired) {
            if (!now) { /* an expired key is gone: no logical change */
                w->expired = 0;
                continue;
            }
            if (expired_at(now, t->now_ms)) continue; /* still expired */
        } else if (!was && expired_at(now, t->now_ms)) {
            w->expired = 1; /* absent, then an expired key: no change */
            continue;
        }
        mark_dirty(eng_multi_index(t->e), w->m);
    }
}

static void touch_db(eng_engine *e, int db, int other, int64_t now_ms) {
    multi_index *ix = eng_multi_index(e);
    if (!ix->db[db] || kv_size(ix->db[db]) == 0) return;
    db_touch t = {e, db, other, now_ms};
    uint64_t cur = 0;
    do cur = kv_scan(ix->db[db], cur, touch_in_db, &t); while (cur);
}

void multi_touch_all(eng_engine *e, int64_t now_ms) {
    for (int i = 0; i < eng_multi_index(e)->ndb; i++) touch_db(e, i, -1, now_ms);
}

void multi_touch(eng_engine *e, int db, const eng_cmd *cmd, int argc, const eng_arg *argv,
                 int64_t now_ms) {
    multi_index *ix = eng_multi_index(e);
    if (!cmd || ix->nwatched == 0) return;
    if (!strcmp(cmd->name, "flushdb")) {
        touch_db(e, db, -1, now_ms);
    } else if (!strcmp(cmd->name, "flushall")) {
        multi_touch_all(e, now_ms);
    } else if (!strcmp(cmd->name, "swapdb")) {
        /* the record's arguments were validated by the command */
        int a = atoi(argv[1].p), b = atoi(argv[2].p);
        touch_db(e, a, b, now_ms);
        touch_db(e, b, a, now_ms);
    } else {
        int key_arg, other = eng_cmd_other_db(cmd, argc, argv, ix->ndb, &key_arg);
        int del = !strcmp(cmd->name, "del"), last, step;
        /* COPY changes only its destination, in its DB */
        if (strcmp(cmd->name, "copy") && eng_key_range(cmd, argc, &last, &step))
            for (int i = cmd->first_key; i <= last; i += step) touch_key(ix, db, &argv[i], del);
        if (other >= 0) touch_key(ix, other, &argv[key_arg], 0);
    }
}

void multi_script_begin(eng_engine *e) {
    multi_index *ix = eng_multi_index(e);
    ix->run = ++ix->runs;
}

void multi_script_end(eng_engine *e, int rolled_back) {
    multi_index *ix = eng_multi_index(e);
    if (rolled_back && ix->nwatched)
        for (eng_client *c = eng_clients(e); c; c = c->next) {
            multi_state *m = c->mstate;
            if (!m) continue;
            if ((m->flags & MS_DIRTY_CAS) && m->dirty_run == ix->run)
                m->flags &= ~MS_DIRTY_CAS;
            for (mw_watch *w = m->watches; w; w = w->cnext)
                if (!w->expired && w->cleared_run == ix->run) w->expired = 1;
        }
    ix->run = 0;
}

uint64_t multi_script_pause(eng_engine *e) {
    multi_index *ix = eng_multi_index(e);
    uint64_t run = ix->run;
    ix->run = 0;
    return run;
}

void multi_script_resume(eng_engine *e, uint64_t run) { eng_multi_index(e)->run = run; }
