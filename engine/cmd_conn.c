/* cmd_conn.c -- connection commands: PING ECHO QUIT RESET HELLO SELECT AUTH
 * CLIENT. They run on the engine thread like every command, so a SELECT or
 * HELLO 3 takes effect exactly between the commands around it in the
 * pipeline.
 */
#include "eng_commands.h"
#include "keyspace.h"
#include "multi.h"
#include "pubsub.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void cmd_ping(eng_ctx *x) {
    if (x->argc > 2) { eng_reply_wrong_args(x); return; }
    if (x->proto == RESP2 && pubsub_count(x->c)) { /* subscribed: Redis's ["pong", arg] */
        resp_add_array_len(x->out, 2);
        resp_add_bulk(x->out, "pong", 4);
        if (x->argc == 2) eng_reply_bulk(x, x->argv[1].p, x->argv[1].n);
        else resp_add_bulk(x->out, "", 0);
        return;
    }
    if (x->argc == 2) eng_reply_bulk(x, x->argv[1].p, x->argv[1].n);
    else resp_add_simple(x->out, "PONG", 4);
}

void cmd_echo(eng_ctx *x) { eng_reply_bulk(x, x->argv[1].p, x->argv[1].n); }

void cmd_quit(eng_ctx *x) {
    eng_reply_ok(x);
    eng_kill_client(x, x->c);
}

static const char *requirepass(eng_ctx *x) {
    (void)x;
    return eng_requirepass(x->eng);
}

void cmd_reset(eng_ctx *x) {
    eng_client *c = x->c;
    multi_client_reset(x->eng, c); /* DISCARD and UNWATCH */
    pubsub_client_free(eng_pubsub(x->eng), c);
    c->db = 0;
    c->proto = x->proto = RESP2;
    c->flags &= ~(unsigned)(ENG_CLIENT_NO_EVICT | ENG_CLIENT_NO_TOUCH | ENG_CLIENT_REPLY_OFF |
                            ENG_CLIENT_REPLY_SKIP_NEXT);
    free(c->name);
    c->name = NULL;
    const char *pw = requirepass(x);
    if (pw && *pw) c->authenticated = 0;
    resp_add_simple(x->out, "RESET", 5);
}

void cmd_select(eng_ctx *x) {
    long long db;
    if (eng_arg_ll(x, &x->argv[1], &db)) return;
    if (db < INT_MIN || db > INT_MAX) {
        eng_reply_error(x, "ERR value is out of range, value must between %d and %d", INT_MIN,
                        INT_MAX);
        return;
    }
    if (db < 0 || db >= eng_databases(x->eng)) {
        eng_reply_error(x, "ERR DB index is out of range");
        return;
    }
    x->c->db = (int)db;
    eng_reply_ok(x);
}

/* Constant-time comparison: time depends only on the lengths. */
static int secret_equal(const char *a, size_t alen, const char *b, size_t blen) {
    unsigned char diff = (unsigned char)(alen != blen);
    size_t n = alen > blen ? alen : blen;
    for (size_t i = 0; i < n; i++) {
        unsigned char ca = i < alen ? (unsigned char)a[i] : 0;
        unsigned char cb = i < blen ? (unsigned char)b[i] : 0;
        diff |= ca ^ cb;
    }
    return diff == 0;
}

/* Returns 1 if the credentials are right; replies with an error if not. */
static int check_auth(eng_ctx *x, const eng_arg *user, const eng_arg *pass) {
    const char *pw = requirepass(x);
    if (!pw || !*pw) {
        if (!user) {
            eng_reply_error(x, "ERR AUTH <password> called without any password configured for the default user. Are you sure your configuration is correct?");
            return 0;
        }
        /* "default" with any password works when no password is set */
        if (eng_arg_is(user, "default")) return 1;
    } else if ((!user || eng_arg_is(user, "default")) &&
               secret_equal(pass->p, pass->n, pw, strlen(pw))) {
        return 1;
    }
    eng_count_auth_failure(x->eng);
    eng_reply_error(x, "WRONGPASS invalid username-password pair or user is disabled.");
    return 0;
}

void cmd_auth(eng_ctx *x) {
    if (x->argc > 3) { eng_reply_syntax(x); return; }
    const eng_arg *user = x->argc == 3 ? &x->argv[1] : NULL;
    const eng_arg *pass = &x->argv[x->argc - 1];
    if (check_auth(x, user, pass)) {
        x->c->authenticated = 1;
        eng_reply_ok(x);
    }
}

static int valid_name(const eng_arg *a) {
    for (size_t i = 0; i < a->n; i++)
        if (a->p[i] < '!' || a->p[i] > '~') return 0;
    return 1;
}

static void set_name(char **dst, const eng_arg *a) {
    free(*dst);
    *dst = NULL;
    if (a->n) {
        *dst = malloc(a->n + 1);
        if (!*dst) abort();
        memcpy(*dst, a->p, a->n + 1);
    }
}

void cmd_hello(eng_ctx *x) {
    long long ver = 0;
    int i = 1;
    if (x->argc >= 2) {
        if (eng_parse_ll(x->argv[1].p, x->argv[1].n, &ver) != 0) {
            eng_reply_error(x, "ERR Protocol version is not an integer or out of range");
            return;
        }
        if (ver < 2 || ver > 3) {
            eng_reply_error(x, "NOPROTO unsupported protocol version");
            return;
        }
        i = 2;
    }
    const eng_arg *user = NULL, *pass = NULL, *name = NULL;
    for (; i < x->argc; i++) {
        int more = x->argc - i - 1;
        if (eng_arg_is(&x->argv[i], "auth") && more >= 2) {
            user = &x->argv[i + 1];
            pass = &x->argv[i + 2];
            i += 2;
        } else if (eng_arg_is(&x->argv[i], "setname") && more >= 1) {
            name = &x->argv[++i];
        } else {
            eng_reply_error(x, "ERR Syntax error in HELLO option '%.*s'",
                            (int)x->argv[i].n, x->argv[i].p);
            return;
        }
    }
    if (user) {
        if (!check_auth(x, user, pass)) return;
        x->c->authenticated = 1;
    }
    const char *pw = requirepass(x);
    if (!x->c->authenticated && pw && *pw) {
        eng_reply_error(x, "NOAUTH HELLO must be called with the client already authenticated, otherwise the HELLO AUTH <user> <pass> option can be used to authenticate the client and select the RESP protocol version at the same time");
        return;
    }
    if (name) {
        if (!valid_name(name)) {
            eng_reply_error(x, "ERR Client names cannot contain spaces, newlines or special characters.");
            return;
        }
        set_name(&x->c->name, name);
    }
    if (ver) x->c->proto = x->proto = (int)ver;
    resp_add_map_len(x->out, x->proto, 7);
    resp_add_bulk_cstr(x->out, "server");
    resp_add_bulk_cstr(x->out, "redis");
    resp_add_bulk_cstr(x->out, "version");
    resp_add_bulk_cstr(x->out, ENG_REDIS_COMPAT_VERSION);
    resp_add_bulk_cstr(x->out, "proto");
    resp_add_int(x->out, x->proto);
    resp_add_bulk_cstr(x->out, "id");
    resp_add_int(x->out, (long long)x->c->id);
    resp_add_bulk_cstr(x->out, "mode");
    resp_add_bulk_cstr(x->out, "standalone");
    resp_add_bulk_cstr(x->out, "role");
    resp_add_bulk_cstr(x->out, "master");
    resp_add_bulk_cstr(x->out, "modules");
    resp_add_array_len(x->out, 0);
}

/* ------------------------------------------------------------- CLIENT */

static void client_line(eng_ctx *x, eng_client *c, resp_buf *b) {
    char line[1024], flags[8];
    int nf = 0;
    if (multi_active(c)) flags[nf++] = 'x';
    if (pubsub_count(c)) flags[nf++] = 'P';
    if (c->flags & ENG_CLIENT_NO_EVICT) flags[nf++] = 'e';
    if (c->flags & ENG_CLIENT_NO_TOUCH) flags[nf++] = 'T';  /* (Redis 7.2) */
    if (!nf) flags[nf++] = 'N';
    flags[nf] = '\0';
    long long age = (x->now_ms - c->ctime_ms) / 1000;
    long long idle = (x->now_ms - (c->last_ms ? c->last_ms : c->ctime_ms)) / 1000;
    int n = snprintf(line, sizeof(line),
        "id=%llu addr=%s laddr=%s fd=%d name=%s age=%lld idle=%lld flags=%s "
        "db=%d sub=%zu psub=%zu ssub=0 multi=%d qbuf=0 qbuf-free=0 argv-mem=0 "
        "multi-mem=0 rbs=0 rbp=0 obl=0 oll=0 omem=0 tot-mem=0 events=r "
        "cmd=%s user=default redir=-1 resp=%d lib-name=%s lib-ver=%s\n",
        (unsigned long long)c->id, c->addr, c->laddr, c->fd,
        c->name ? c->name : "", age < 0 ? 0 : age, idle < 0 ? 0 : idle, flags, c->db,
        pubsub_client_channels(c), pubsub_client_patterns(c), multi_queued(c), c->last_cmd ? c->last_cmd : "NULL", c->proto,
        c->lib_name ? c->lib_name : "", c->lib_ver ? c->lib_ver : "");
    if (n > 0) resp_buf_append(b, line, (size_t)n < sizeof(line) ? (size_t)n : sizeof(line) - 1);
}

static void reply_text(eng_ctx *x, resp_buf *b) {
    resp_add_verbatim(x->out, x->proto, "txt", b->data ? b->data : "", b->len);
}

static void client_help(eng_ctx *x) {
    static const char *help[] = {
        "CLIENT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
        "GETNAME", "    Return the name of the current connection.",
        "ID", "    Return the ID of the current connection.",
        "INFO", "    Return information about the current client connection.",
        "KILL <ip:port>", "    Kill connection made from <ip:port>.",
        "KILL <option> <value> [<option> <value> [...]]",
        "    Kill connections. Options are: ID <client-id>, ADDR <ip:port>,",
        "    LADDR <ip:port>, SKIPME (YES|NO), USER <username>, TYPE normal.",
        "LIST [options ...]", "    Return information about client connections.",
        "NO-EVICT (ON|OFF)", "    Protect current client connection from eviction.",
        "NO-TOUCH (ON|OFF)", "    Will not touch LRU/LFU stats when this mode is on.",
        "REPLY (ON|OFF|SKIP)", "    Control the replies sent to the current connection.",
        "SETINFO <option> <value>", "    Set client meta attr: LIB-NAME, LIB-VER.",
        "SETNAME <name>", "    Assign the name <name> to the current connection.",
        "HELP", "    Print this help."};
    eng_reply_lines(x, help, sizeof(help) / sizeof(help[0]));
}

static int onoff(eng_ctx *x, const eng_arg *a, unsigned flag) {
    if (eng_arg_is(a, "on")) x->c->flags |= flag;
    else if (eng_arg_is(a, "off")) x->c->flags &= ~flag;
    else { eng_reply_syntax(x); return -1; }
    return 0;
}

static void client_kill(eng_ctx *x) {
    if (x->argc == 3) { /* old form: CLIENT KILL ip:port */
        for (eng_client *c = eng_clients(x->eng); c; c = c->next) {
            if (!(c->flags & ENG_CLIENT_KILLED) &&
                eng_arg_is(&x->argv[2], c->addr)) {
                eng_reply_ok(x);
                eng_kill_client(x, c);
                return;
            }
        }
        eng_reply_error(x, "ERR No such client");
        return;
    }
    if (x->argc % 2 != 0) { eng_reply_syntax(x); return; }
    long long id = -1;
    const eng_arg *addr = NULL, *laddr = NULL, *user = NULL, *type = NULL;
    int skipme = 1;
    for (int i = 2; i < x->argc; i += 2) {
        const eng_arg *o = &x->argv[i], *v = &x->argv[i + 1];
        if (eng_arg_is(o, "id")) {
            if (eng_parse_ll(v->p, v->n, &id) || id <= 0) {
                eng_reply_error(x, "ERR client-id should be greater than 0");
                return;
            }
        } else if (eng_arg_is(o, "addr")) addr = v;
        else if (eng_arg_is(o, "laddr")) laddr = v;
        else if (eng_arg_is(o, "user")) {
            /* the only user is "default" */
            if (!eng_arg_is(v, "default")) {
                eng_reply_error(x, "ERR No such user '%.*s'", (int)v->n, v->p);
                return;
            }
            user = v;
        }
        else if (eng_arg_is(o, "type")) {
            if (!eng_arg_is(v, "normal") && !eng_arg_is(v, "master") &&
                !eng_arg_is(v, "replica") && !eng_arg_is(v, "slave") &&
                !eng_arg_is(v, "pubsub")) {
                eng_reply_error(x, "ERR Unknown client type '%.*s'", (int)v->n, v->p);
                return;
            }
            type = v;
        } else if (eng_arg_is(o, "skipme")) {
            if (eng_arg_is(v, "yes")) skipme = 1;
            else if (eng_arg_is(v, "no")) skipme = 0;
            else { eng_reply_syntax(x); return; }
        } else { eng_reply_syntax(x); return; }
    }
    long long killed = 0;
    for (eng_client *c = eng_clients(x->eng); c; c = c->next) {
        if (c->flags & ENG_CLIENT_KILLED) continue;
        if (id > 0 && (unsigned long long)id != c->id) continue;
        if (addr && !eng_arg_is(addr, c->addr)) continue;
        if (laddr && !eng_arg_is(laddr, c->laddr)) continue;
        if (user && !eng_arg_is(user, "default")) continue;
        if (type && !eng_arg_is(type, "normal")) continue;
        if (skipme && c == x->c) continue;
        killed++;
        eng_kill_client(x, c);
    }
    eng_reply_int(x, killed);
}

void cmd_client(eng_ctx *x) {
    const char *sub = x->cmd->name + sizeof("client|") - 1;
    eng_client *me = x->c;
    if (!strcmp(sub, "id")) {
        eng_reply_int(x, (long long)me->id);
    } else if (!strcmp(sub, "getname")) {
        if (me->name) resp_add_bulk_cstr(x->out, me->name);
        else eng_reply_null(x);
    } else if (!strcmp(sub, "setname")) {
        if (!valid_name(&x->argv[2])) {
            eng_reply_error(x, "ERR Client names cannot contain spaces, newlines or special characters.");
            return;
        }
        set_name(&me->name, &x->argv[2]);
        eng_reply_ok(x);
    } else if (!strcmp(sub, "setinfo")) {
        const eng_arg *o = &x->argv[2], *v = &x->argv[3];
        int libname = eng_arg_is(o, "lib-name"), libver = eng_arg_is(o, "lib-ver");
        if (!libname && !libver) {
            eng_reply_error(x, "ERR Unrecognized option '%.*s'", (int)o->n, o->p);
            return;
        }
        if (!valid_name(v)) {
            eng_reply_error(x, "ERR %s cannot contain spaces, newlines or special characters.",
                            libname ? "lib-name" : "lib-ver");
            return;
        }
        set_name(libname ? &me->lib_name : &me->lib_ver, v);
        eng_reply_ok(x);
    } else if (!strcmp(sub, "list")) {
        resp_buf b;
        resp_buf_init(&b);
        for (int i = 2; i < x->argc; i++) {
            if (eng_arg_is(&x->argv[i], "type") && i + 1 < x->argc) {
                const eng_arg *t = &x->argv[++i];
                if (!eng_arg_is(t, "normal") && !eng_arg_is(t, "master") &&
                    !eng_arg_is(t, "replica") && !eng_arg_is(t, "pubsub")) {
                    eng_reply_error(x, "ERR Unknown client type '%.*s'", (int)t->n, t->p);
                    resp_buf_free(&b);
                    return;
                }
                if (!eng_arg_is(t, "normal")) goto done;
            } else if (eng_arg_is(&x->argv[i], "id") && i + 1 < x->argc) {
                for (int j = i + 1; j < x->argc; j++) {
                    long long id;
                    if (eng_parse_ll(x->argv[j].p, x->argv[j].n, &id) || id <= 0) {
                        eng_reply_error(x, "ERR Invalid client ID");
                        resp_buf_free(&b);
                        return;
                    }
                    for (eng_client *c = eng_clients(x->eng); c; c = c->next)
                        if (c->id == (unsigned long long)id) client_line(x, c, &b);
                }
                goto done;
            } else {
                eng_reply_syntax(x);
                resp_buf_free(&b);
                return;
            }
        }
        /* oldest first, like Redis */
        eng_client *last = eng_clients(x->eng);
        while (last && last->next) last = last->next;
        for (eng_client *c = last; c; c = c->prev) client_line(x, c, &b);
    done:
        reply_text(x, &b);
        resp_buf_free(&b);
    } else if (!strcmp(sub, "info")) {
        resp_buf b;
        resp_buf_init(&b);
        client_line(x, me, &b);
        reply_text(x, &b);
        resp_buf_free(&b);
    } else if (!strcmp(sub, "kill")) {
        client_kill(x);
    } else if (!strcmp(sub, "no-evict")) {
        if (onoff(x, &x->argv[2], ENG_CLIENT_NO_EVICT) == 0) eng_reply_ok(x);
    } else if (!strcmp(sub, "no-touch")) {
        if (onoff(x, &x->argv[2], ENG_CLIENT_NO_TOUCH) == 0) eng_reply_ok(x);
    } else if (!strcmp(sub, "reply")) { /* Redis's: OFF and SKIP answer nothing */
        if (eng_arg_is(&x->argv[2], "on")) {
            me->flags &= ~(unsigned)(ENG_CLIENT_REPLY_OFF | ENG_CLIENT_REPLY_SKIP);
            eng_reply_ok(x);
        } else if (eng_arg_is(&x->argv[2], "off")) {
            me->flags |= ENG_CLIENT_REPLY_OFF;
        } else if (eng_arg_is(&x->argv[2], "skip")) {
            if (!(me->flags & ENG_CLIENT_REPLY_OFF)) me->flags |= ENG_CLIENT_REPLY_SKIP_NEXT;
        } else {
            eng_reply_syntax(x);
        }
    } else if (!strcmp(sub, "help")) {
        client_help(x);
    } else {
        eng_reply_error(x, "ERR unknown subcommand '%s'. Try CLIENT HELP.", sub);
    }
}
