/* slowlog.c -- SLOWLOG, kept as a ring of the newest entries.
 *
 * Entries copy (a truncated form of) the arguments because the command's
 * argv lives only as long as its batch.
 */
#include "slowlog.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SL_MAX_ARGS 32
#define SL_MAX_ARGLEN 128

typedef struct sl_entry {
    long long id;
    int64_t time_s;
    int64_t dur_us;
    int argc;
    eng_arg *argv; /* owned copies */
    char addr[64];
    char name[64];
} sl_entry;

struct eng_slowlog {
    sl_entry *ring; /* newest at (head - 1) */
    size_t cap, len, head;
    long long next_id;
};

eng_slowlog *eng_slowlog_create(void) {
    eng_slowlog *s = calloc(1, sizeof(*s));
    if (!s) abort();
    return s;
}

static void entry_free(sl_entry *e) {
    for (int i = 0; i < e->argc; i++) free((char *)e->argv[i].p);
    free(e->argv);
    e->argv = NULL;
    e->argc = 0;
}

static void slowlog_reset(eng_slowlog *s) {
    for (size_t i = 0; i < s->len; i++) {
        size_t at = (s->head + s->cap - 1 - i) % s->cap;
        entry_free(&s->ring[at]);
    }
    s->len = 0;
    s->head = 0;
}

void eng_slowlog_destroy(eng_slowlog *s) {
    if (!s) return;
    slowlog_reset(s);
    free(s->ring);
    free(s);
}

/* Resize the ring to max_len, keeping the newest entries. */
static void slowlog_resize(eng_slowlog *s, size_t max_len) {
    if (max_len == s->cap) return;
    sl_entry *ring = max_len ? calloc(max_len, sizeof(sl_entry)) : NULL;
    if (max_len && !ring) abort();
    size_t keep = s->len < max_len ? s->len : max_len;
    for (size_t i = 0; i < s->len; i++) {
        sl_entry *e = &s->ring[(s->head + s->cap - 1 - i) % s->cap];
        if (i < keep) ring[keep - 1 - i] = *e;
        else entry_free(e);
    }
    free(s->ring);
    s->ring = ring;
    s->cap = max_len;
    s->len = keep;
    s->head = max_len ? keep % max_len : 0;
}

static char *dup_bytes(const char *p, size_t n) {
    char *d = malloc(n + 1);
    if (!d) abort();
    memcpy(d, p, n);
    d[n] = '\0';
    return d;
}

/* Arguments Redis replaces with "(redacted)" in the slow log: passwords
 * of AUTH and HELLO ... AUTH, and values of sensitive options in CONFIG
 * SET (requirepass). */
static int is_redacted(const eng_ctx *x, int i) {
    const char *name = x->cmd ? x->cmd->name : "";
    if (!strcmp(name, "auth")) return i >= 1;
    if (!strcmp(name, "hello")) {
        for (int j = 2; j + 2 < x->argc; j++) {
            if (eng_arg_is(&x->argv[j], "auth")) {
                if (i == j + 1 || i == j + 2) return 1;
                j += 2;
            } else if (eng_arg_is(&x->argv[j], "setname")) {
                j++;
            }
        }
        return 0;
    }
    if (!strcmp(name, "config|set"))
        return i >= 3 && i % 2 == 1 && eng_arg_is(&x->argv[i - 1], "requirepass");
    return 0;
}

void eng_slowlog_add(eng_slowlog *s, const eng_ctx *x, int64_t dur_us,
                     size_t max_len) {
    slowlog_resize(s, max_len);
    if (s->cap == 0) return;
    sl_entry *e = &s->ring[s->head];
    if (s->len == s->cap) entry_free(e);
    else s->len++;
    s->head = (s->head + 1) % s->cap;

    e->id = s->next_id++;
    e->time_s = x->now_ms / 1000;
    e->dur_us = dur_us;
    int argc = x->argc > SL_MAX_ARGS ? SL_MAX_ARGS : x->argc;
    e->argc = argc;
    e->argv = malloc(sizeof(eng_arg) * (size_t)argc);
    if (!e->argv) abort();
    for (int i = 0; i < argc; i++) {
        char buf[96];
        const eng_arg *a = &x->argv[i];
        if (argc == SL_MAX_ARGS && i == argc - 1 && x->argc > SL_MAX_ARGS) {
            int n = snprintf(buf, sizeof(buf), "... (%d more arguments)",
                             x->argc - SL_MAX_ARGS + 1);
            e->argv[i] = (eng_arg){dup_bytes(buf, (size_t)n), (size_t)n};
        } else if (is_redacted(x, i)) {
            e->argv[i] = (eng_arg){dup_bytes("(redacted)", 10), 10};
        } else if (a->n > SL_MAX_ARGLEN) {
            int n = snprintf(buf, sizeof(buf), "... (%zu more bytes)",
                             a->n - SL_MAX_ARGLEN);
            char *d = malloc(SL_MAX_ARGLEN + (size_t)n + 1);
            if (!d) abort();
            memcpy(d, a->p, SL_MAX_ARGLEN);
            memcpy(d + SL_MAX_ARGLEN, buf, (size_t)n + 1);
            e->argv[i] = (eng_arg){d, SL_MAX_ARGLEN + (size_t)n};
        } else {
            e->argv[i] = (eng_arg){dup_bytes(a->p, a->n), a->n};
        }
    }
    snprintf(e->addr, sizeof(e->addr), "%s", x->c ? x->c->addr : "");
    snprintf(e->name, sizeof(e->name), "%s",
             x->c && x->c->name ? x->c->name : "");
}

void eng_cmd_slowlog(eng_ctx *x) {
    eng_slowlog *s = eng_get_slowlog(x->eng);
    if (eng_arg_is(&x->argv[1], "reset") && x->argc == 2) {
        slowlog_reset(s);
        eng_reply_ok(x);
    } else if (eng_arg_is(&x->argv[1], "len") && x->argc == 2) {
        eng_reply_int(x, (long long)s->len);
    } else if (eng_arg_is(&x->argv[1], "get") && x->argc <= 3) {
        long long count = 10;
        if (x->argc == 3) {
            if (eng_parse_ll(x->argv[2].p, x->argv[2].n, &count) != 0 ||
                count < -1) {
                eng_reply_error(x, "ERR count should be greater than or equal to -1");
                return;
            }
            if (count == -1) count = (long long)s->len;
        }
        size_t n = (size_t)count < s->len ? (size_t)count : s->len;
        resp_add_array_len(x->out, (long long)n);
        for (size_t i = 0; i < n; i++) {
            sl_entry *e = &s->ring[(s->head + s->cap - 1 - i) % s->cap];
            resp_add_array_len(x->out, 6);
            resp_add_int(x->out, e->id);
            resp_add_int(x->out, e->time_s);
            resp_add_int(x->out, e->dur_us);
            resp_add_array_len(x->out, e->argc);
            for (int j = 0; j < e->argc; j++)
                resp_add_bulk(x->out, e->argv[j].p, e->argv[j].n);
            resp_add_bulk_cstr(x->out, e->addr);
            resp_add_bulk_cstr(x->out, e->name);
        }
    } else if (eng_arg_is(&x->argv[1], "help")) {
        static const char *help[] = {
            "SLOWLOG <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
            "GET [<count>]",
            "    Return top <count> entries from the slowlog (default: 10, -1 mean all).",
            "LEN", "    Return the length of the slowlog.",
            "RESET", "    Reset the slowlog.",
            "HELP", "    Print this help."};
        eng_reply_lines(x, help, sizeof(help) / sizeof(help[0]));
    } else {
        eng_reply_error(x, "ERR unknown subcommand or wrong number of arguments for '%.*s'. Try SLOWLOG HELP.",
                        (int)x->argv[1].n, x->argv[1].p);
    }
}
