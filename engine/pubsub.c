/* pubsub.c -- channels, patterns, PUBLISH (see pubsub.h).
 *
 * Why messages wait in a side buffer: the engine makes one reply region
 * (span) per command, from where its reply starts to the end of the
 * batch's bytes; a message for another client written in the middle of a
 * PUBLISH (or of a script or EXEC that publishes) would fall inside that
 * region and go to the publisher. So PUBLISH writes each message here,
 * and the engine appends them, each in a span of its subscriber, right
 * after the publishing command's own span.
 *
 * The index: channel -> subscribers (a kv_table whose values hold a
 * pointer to an array of clients), and one array of (pattern, client)
 * pairs that every PUBLISH matches against, as Redis does. Each client
 * keeps its channels (a kv_table used as a set) and its patterns.
 */
#include "pubsub.h"
#include "eng_commands.h"
#include "kv.h"
#include "multi.h"

#include <stdlib.h>
#include <string.h>

typedef struct ps_subs {
    eng_client **v;
    size_t n, cap;
} ps_subs;

typedef struct ps_pat {
    char *p;
    size_t n;
    eng_client *c;
} ps_pat;

typedef struct ps_pend {
    eng_client *c;
    size_t len;
} ps_pend;

struct pubsub {
    uint8_t seed[16];
    kv_table *channels;     /* name -> ps_subs* */
    ps_pat *pats;
    size_t npats, patcap;
    resp_buf push;          /* messages made by the running command */
    ps_pend *pend;
    size_t npend, pendcap;
};

/* eng_client.ps */
struct ps_client {
    kv_table *channels;     /* a set: names, no values */
    size_t npats;           /* its entries in pubsub.pats */
};

static ps_subs *subs_of(kv_entry *e) {
    ps_subs *s;
    memcpy(&s, kv_val(e), sizeof(s));
    return s;
}

static void free_subs(kv_entry *e) {
    ps_subs *s = subs_of(e);
    free(s->v);
    free(s);
}

static void *xrealloc(void *p, size_t n) {
    p = realloc(p, n);
    if (!p) abort();
    return p;
}

pubsub *pubsub_create(void) {
    pubsub *ps = calloc(1, sizeof(*ps));
    if (!ps) abort();
    kv_seed_random(ps->seed);
    ps->channels = kv_create(ps->seed, free_subs);
    resp_buf_init(&ps->push);
    return ps;
}

void pubsub_destroy(pubsub *ps) {
    if (!ps) return;
    kv_destroy(ps->channels);
    for (size_t i = 0; i < ps->npats; i++) free(ps->pats[i].p);
    free(ps->pats);
    resp_buf_free(&ps->push);
    free(ps->pend);
    free(ps);
}

static pubsub *ps_of(eng_ctx *x) { return eng_pubsub(x->eng); }

static struct ps_client *client_state(pubsub *ps, eng_client *c) {
    if (!c->ps) {
        c->ps = calloc(1, sizeof(*c->ps));
        if (!c->ps) abort();
        c->ps->channels = kv_create(ps->seed, NULL);
    }
    return c->ps;
}

size_t pubsub_count(const eng_client *c) {
    return c->ps ? kv_size(c->ps->channels) + c->ps->npats : 0;
}

size_t pubsub_nchannels(const pubsub *ps) { return kv_size(ps->channels); }
size_t pubsub_client_channels(const eng_client *c) { return c->ps ? kv_size(c->ps->channels) : 0; }
size_t pubsub_client_patterns(const eng_client *c) { return c->ps ? c->ps->npats : 0; }

/* distinct patterns (PUBSUB NUMPAT, INFO pubsub_patterns) */
size_t pubsub_npatterns(const pubsub *ps) {
    size_t n = 0;
    for (size_t i = 0; i < ps->npats; i++) {
        size_t j = 0;
        while (j < i && !(ps->pats[j].n == ps->pats[i].n &&
                          !memcmp(ps->pats[j].p, ps->pats[i].p, ps->pats[i].n)))
            j++;
        n += j == i;
    }
    return n;
}

int pubsub_allowed_subscribed(const eng_cmd *cmd) {
    return cmd->fn == cmd_subscribe || cmd->fn == cmd_unsubscribe || cmd->fn == cmd_psubscribe ||
           cmd->fn == cmd_punsubscribe || cmd->fn == cmd_ping || cmd->fn == cmd_quit ||
           cmd->fn == cmd_reset;
}

/* "subscribe" ch count, and the like (a push in RESP3) */
static void reply_sub(eng_ctx *x, const char *kind, const char *name, size_t n, size_t count) {
    resp_add_push_len(x->out, x->proto, 3);
    resp_add_bulk_cstr(x->out, kind);
    if (name) resp_add_bulk(x->out, name, n);
    else resp_add_null(x->out, x->proto);
    resp_add_int(x->out, (long long)count);
}

/* ----------------------------------------------------------- channels */

static int channel_add(pubsub *ps, eng_client *c, const char *ch, size_t n) {
    struct ps_client *st = client_state(ps, c);
    if (!kv_insert_new(st->channels, ch, n, NULL, 0)) return 0; /* already */
    kv_entry *e = kv_find(ps->channels, ch, n);
    ps_subs *s;
    if (!e) {
        s = calloc(1, sizeof(*s));
        if (!s) abort();
        kv_insert(ps->channels, ch, n, (const char *)&s, sizeof(s));
    } else {
        s = subs_of(e);
    }
    if (s->n == s->cap) {
        s->cap = s->cap ? s->cap * 2 : 4;
        s->v = xrealloc(s->v, s->cap * sizeof(*s->v));
    }
    s->v[s->n++] = c;
    return 1;
}

static int channel_remove(pubsub *ps, eng_client *c, const char *ch, size_t n) {
    if (!c->ps || !kv_delete(c->ps->channels, ch, n)) return 0;
    kv_entry *e = kv_find(ps->channels, ch, n);
    if (!e) return 1;
    ps_subs *s = subs_of(e);
    for (size_t i = 0; i < s->n; i++)
        if (s->v[i] == c) {
            s->v[i] = s->v[--s->n]; /* (order among subscribers is not kept) */
            break;
        }
    if (s->n == 0) kv_delete(ps->channels, ch, n); /* frees s */
    return 1;
}

static int pattern_add(pubsub *ps, eng_client *c, const char *p, size_t n) {
    for (size_t i = 0; i < ps->npats; i++)
        if (ps->pats[i].c == c && ps->pats[i].n == n && !memcmp(ps->pats[i].p, p, n)) return 0;
    if (ps->npats == ps->patcap) {
        ps->patcap = ps->patcap ? ps->patcap * 2 : 8;
        ps->pats = xrealloc(ps->pats, ps->patcap * sizeof(*ps->pats));
    }
    char *copy = malloc(n + 1);
    if (!copy) abort();
    memcpy(copy, p, n);
    copy[n] = '\0';
    ps->pats[ps->npats++] = (ps_pat){copy, n, c};
    client_state(ps, c)->npats++;
    return 1;
}

static int pattern_remove(pubsub *ps, eng_client *c, const char *p, size_t n) {
    for (size_t i = 0; i < ps->npats; i++)
        if (ps->pats[i].c == c && ps->pats[i].n == n && !memcmp(ps->pats[i].p, p, n)) {
            free(ps->pats[i].p);
            /* keep the order: PUBLISH delivers in subscription order */
            memmove(&ps->pats[i], &ps->pats[i + 1], (ps->npats - i - 1) * sizeof(*ps->pats));
            ps->npats--;
            c->ps->npats--;
            return 1;
        }
    return 0;
}

/* the first pattern of c, or NULL */
static ps_pat *first_pattern(pubsub *ps, eng_client *c) {
    for (size_t i = 0; i < ps->npats; i++)
        if (ps->pats[i].c == c) return &ps->pats[i];
    return NULL;
}

typedef struct name_list {
    char **v;
    size_t *n;
    size_t len, cap;
} name_list;

static void collect(void *ud, kv_entry *e) {
    name_list *l = ud;
    if (l->len == l->cap) {
        l->cap = l->cap ? l->cap * 2 : 16;
        l->v = xrealloc(l->v, l->cap * sizeof(*l->v));
        l->n = xrealloc(l->n, l->cap * sizeof(*l->n));
    }
    l->v[l->len] = malloc(e->klen + 1);
    if (!l->v[l->len]) abort();
    memcpy(l->v[l->len], e->key, e->klen + 1);
    l->n[l->len++] = e->klen;
}

/* c's channels, copied, in one scan (removing them one by one while
 * scanning from the start each time would be quadratic) */
static name_list channels_of(eng_client *c) {
    name_list l = {NULL, NULL, 0, 0};
    if (!c->ps) return l;
    uint64_t cur = 0;
    do cur = kv_scan(c->ps->channels, cur, collect, &l);
    while (cur);
    return l;
}

static void names_free(name_list *l) {
    for (size_t i = 0; i < l->len; i++) free(l->v[i]);
    free(l->v);
    free(l->n);
}

/* Forget the messages not flushed yet for c (it is being freed: a long
 * script published, then a busy poll ran c's disconnection). */
static void drop_pending_for(pubsub *ps, eng_client *c) {
    size_t from = 0, to = 0, w = 0;
    for (size_t i = 0; i < ps->npend; i++) {
        size_t len = ps->pend[i].len;
        if (ps->pend[i].c != c) {
            if (to != from) memmove(ps->push.data + to, ps->push.data + from, len);
            to += len;
            ps->pend[w++] = ps->pend[i];
        }
        from += len;
    }
    ps->npend = w;
    ps->push.len = to;
}

void pubsub_client_free(pubsub *ps, eng_client *c) {
    if (!c->ps) return;
    drop_pending_for(ps, c);
    name_list l = channels_of(c);
    for (size_t i = 0; i < l.len; i++) channel_remove(ps, c, l.v[i], l.n[i]);
    names_free(&l);
    size_t w = 0; /* its patterns, in one pass */
    for (size_t i = 0; i < ps->npats; i++) {
        if (ps->pats[i].c == c) free(ps->pats[i].p);
        else ps->pats[w++] = ps->pats[i];
    }
    ps->npats = w;
    kv_destroy(c->ps->channels);
    free(c->ps);
    c->ps = NULL;
}

/* ---------------------------------------------------------- commands */

void cmd_subscribe(eng_ctx *x) {
    pubsub *ps = ps_of(x);
    for (int i = 1; i < x->argc; i++) {
        channel_add(ps, x->c, x->argv[i].p, x->argv[i].n);
        reply_sub(x, "subscribe", x->argv[i].p, x->argv[i].n, pubsub_count(x->c));
    }
}

void cmd_psubscribe(eng_ctx *x) {
    pubsub *ps = ps_of(x);
    for (int i = 1; i < x->argc; i++) {
        pattern_add(ps, x->c, x->argv[i].p, x->argv[i].n);
        reply_sub(x, "psubscribe", x->argv[i].p, x->argv[i].n, pubsub_count(x->c));
    }
}

void cmd_unsubscribe(eng_ctx *x) {
    pubsub *ps = ps_of(x);
    if (x->argc == 1) { /* all of them; Redis answers once even with none */
        name_list l = channels_of(x->c);
        for (size_t i = 0; i < l.len; i++) {
            channel_remove(ps, x->c, l.v[i], l.n[i]);
            reply_sub(x, "unsubscribe", l.v[i], l.n[i], pubsub_count(x->c));
        }
        if (!l.len) reply_sub(x, "unsubscribe", NULL, 0, pubsub_count(x->c));
        names_free(&l);
        return;
    }
    for (int i = 1; i < x->argc; i++) {
        channel_remove(ps, x->c, x->argv[i].p, x->argv[i].n);
        reply_sub(x, "unsubscribe", x->argv[i].p, x->argv[i].n, pubsub_count(x->c));
    }
}

void cmd_punsubscribe(eng_ctx *x) {
    pubsub *ps = ps_of(x);
    if (x->argc == 1) {
        ps_pat *p;
        int any = 0;
        while ((p = first_pattern(ps, x->c))) {
            size_t n = p->n;
            char *copy = malloc(n + 1);
            if (!copy) abort();
            memcpy(copy, p->p, n + 1);
            pattern_remove(ps, x->c, copy, n);
            reply_sub(x, "punsubscribe", copy, n, pubsub_count(x->c));
            free(copy);
            any = 1;
        }
        if (!any) reply_sub(x, "punsubscribe", NULL, 0, pubsub_count(x->c));
        return;
    }
    for (int i = 1; i < x->argc; i++) {
        if (x->c->ps) pattern_remove(ps, x->c, x->argv[i].p, x->argv[i].n);
        reply_sub(x, "punsubscribe", x->argv[i].p, x->argv[i].n, pubsub_count(x->c));
    }
}

static void add_message(resp_buf *b, int proto, const ps_pat *pat, const eng_arg *ch,
                        const eng_arg *msg) {
    resp_add_push_len(b, proto, pat ? 4 : 3);
    resp_add_bulk_cstr(b, pat ? "pmessage" : "message");
    if (pat) resp_add_bulk(b, pat->p, pat->n);
    resp_add_bulk(b, ch->p, ch->n);
    resp_add_bulk(b, msg->p, msg->n);
}

/* One message for c: into ps->push; for the publisher itself (RESP3 lets
 * a subscriber publish) straight into its reply, before PUBLISH's count
 * as in Redis -- unless that reply is a script's or an EXEC's, whose
 * framing a push must not break: then after it, like the others'. */
static void push_message(eng_ctx *x, pubsub *ps, eng_client *c, const ps_pat *pat,
                         const eng_arg *ch, const eng_arg *msg) {
    if (c == x->c && !x->in_script && !multi_active(c)) {
        add_message(x->out, c->proto, pat, ch, msg);
        return;
    }
    size_t off = ps->push.len;
    add_message(&ps->push, c->proto, pat, ch, msg);
    if (ps->npend == ps->pendcap) {
        ps->pendcap = ps->pendcap ? ps->pendcap * 2 : 16;
        ps->pend = xrealloc(ps->pend, ps->pendcap * sizeof(*ps->pend));
    }
    ps->pend[ps->npend++] = (ps_pend){c, ps->push.len - off};
}

void cmd_publish(eng_ctx *x) {
    pubsub *ps = ps_of(x);
    const eng_arg *ch = &x->argv[1], *msg = &x->argv[2];
    long long receivers = 0;
    /* replayed (a script re-run from the WAL): its messages went out the
     * first time */
    if (!x->replaying) {
        kv_entry *e = kv_find(ps->channels, ch->p, ch->n);
        if (e) {
            ps_subs *s = subs_of(e);
            for (size_t i = 0; i < s->n; i++, receivers++)
                push_message(x, ps, s->v[i], NULL, ch, msg);
        }
        for (size_t i = 0; i < ps->npats; i++)
            if (eng_glob_match(ps->pats[i].p, ps->pats[i].n, ch->p, ch->n, 0)) {
                push_message(x, ps, ps->pats[i].c, &ps->pats[i], ch, msg);
                receivers++;
            }
    }
    eng_reply_int(x, receivers);
}

void pubsub_flush(pubsub *ps, resp_buf *out, pubsub_span_fn *span, void *ud) {
    if (!ps->npend) return;
    size_t from = 0;
    for (size_t i = 0; i < ps->npend; i++) {
        size_t off = out->len;
        resp_buf_append(out, ps->push.data + from, ps->pend[i].len);
        from += ps->pend[i].len;
        span(ud, ps->pend[i].c, off);
    }
    ps->npend = 0;
    ps->push.len = 0;
    if (ps->push.cap > 1024 * 1024) resp_buf_free(&ps->push);
}

void pubsub_drop(pubsub *ps) {
    ps->npend = 0;
    ps->push.len = 0;
}

typedef struct chan_list {
    eng_ctx *x;
    const eng_arg *pat;
    size_t n;
    int count_only;
} chan_list;

static void list_channel(void *ud, kv_entry *e) {
    chan_list *l = ud;
    if (l->pat && !eng_glob_match(l->pat->p, l->pat->n, e->key, e->klen, 0)) return;
    l->n++;
    if (!l->count_only) resp_add_bulk(l->x->out, e->key, e->klen);
}

/* PUBSUB CHANNELS [pattern] | NUMSUB [channel ...] | NUMPAT |
 * SHARDCHANNELS [pattern] | SHARDNUMSUB [channel ...] | HELP */
void cmd_pubsub(eng_ctx *x) {
    pubsub *ps = ps_of(x);
    const char *sub = x->cmd->name + sizeof("pubsub|") - 1;
    if (!strcmp(sub, "channels")) {
        if (x->argc > 3) { eng_reply_wrong_args(x); return; }
        chan_list l = {x, x->argc == 3 ? &x->argv[2] : NULL, 0, 1};
        uint64_t cur = 0;
        do cur = kv_scan(ps->channels, cur, list_channel, &l);
        while (cur);
        resp_add_array_len(x->out, (long long)l.n);
        l.count_only = 0;
        l.n = 0;
        cur = 0;
        do cur = kv_scan(ps->channels, cur, list_channel, &l);
        while (cur);
    } else if (!strcmp(sub, "numsub")) {
        resp_add_array_len(x->out, (long long)(x->argc - 2) * 2);
        for (int i = 2; i < x->argc; i++) {
            kv_entry *e = kv_find(ps->channels, x->argv[i].p, x->argv[i].n);
            resp_add_bulk(x->out, x->argv[i].p, x->argv[i].n);
            resp_add_int(x->out, e ? (long long)subs_of(e)->n : 0);
        }
    } else if (!strcmp(sub, "numpat")) {
        resp_add_int(x->out, (long long)pubsub_npatterns(ps));
    } else if (!strcmp(sub, "shardchannels")) { /* no sharded channels here */
        if (x->argc > 3) { eng_reply_wrong_args(x); return; }
        resp_add_array_len(x->out, 0);
    } else if (!strcmp(sub, "shardnumsub")) {
        resp_add_array_len(x->out, (long long)(x->argc - 2) * 2);
        for (int i = 2; i < x->argc; i++) {
            resp_add_bulk(x->out, x->argv[i].p, x->argv[i].n);
            resp_add_int(x->out, 0);
        }
    } else {
        static const char *const help[] = {
            "PUBSUB <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
            "CHANNELS [<pattern>]",
            "    Return the currently active channels matching a <pattern> (default: '*').",
            "NUMPAT",
            "    Return number of subscriptions to patterns.",
            "NUMSUB [<channel> ...]",
            "    Return the number of subscribers for the specified channels, excluding",
            "    pattern subscriptions(default: no channels).",
            "SHARDCHANNELS [<pattern>]",
            "    Return the currently active shard level channels matching a <pattern> (default: '*').",
            "SHARDNUMSUB [<shardchannel> ...]",
            "    Return the number of subscribers for the specified shard level channel(s)",
            "HELP",
            "    Prints this help."};
        eng_reply_lines(x, help, sizeof(help) / sizeof(help[0]));
    }
}
