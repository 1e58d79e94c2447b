/* config.c -- the option table and its parsers.
 *
 * One table row per option: name, kind, where it is stored, limits and
 * whether it can change at run time. Loading a file, --name overrides and
 * CONFIG GET/SET all go through the same rows, so an option behaves the
 * same everywhere.
 */
#include "config.h"
#include "info.h"
#include "log.h"
#include "persist.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

int eng_glob_match(const char *pat, size_t plen, const char *s, size_t slen,
                   int nocase);

/* K_FIXED: a Redis setting for what strongbox does one way only: CONFIG
 * GET shows that way (the row's def), CONFIG SET takes that value alone,
 * and a config file or command line with another one starts with a
 * warning naming it (a stock redis.conf sets many of them). No storage. */
enum cfg_kind { K_INT, K_SIZE, K_BOOL, K_STR, K_ENUM, K_OBUF, K_FIXED };
#define F_IMMUTABLE 1
#define F_SECRET 2

typedef struct cfg_row {
    const char *name;
    const char *alias;
    int kind;
    int flags;
    size_t off;            /* offset of the field in sb_config */
    long long min, max;
    const char *const *enums;
    const char *def;
} cfg_row;

static const char *const loglevels[] = {"debug", "verbose", "notice", "warning", NULL};
static const char *const fsyncs[] = {"always", "everysec", "no", NULL};
/* only noeviction: strongbox never throws data away to make room */
static const char *const policies[] = {"noeviction", NULL};
/* only no: strongbox stays in the foreground (run it under systemd, Docker
 * or a shell's &); accepted because most redis.conf files and command
 * lines say "daemonize no" */
static const char *const daemonize_no[] = {"no", NULL};
static const char *const yes_no_local[] = {"no", "yes", "local", NULL};

#define OFF(f) offsetof(sb_config, f)
#define GB (1024LL * 1024 * 1024)

static const cfg_row rows[] = {
    {"port", NULL, K_INT, F_IMMUTABLE, OFF(port), 0, 65535, NULL, "6379"},
    {"bind", NULL, K_STR, F_IMMUTABLE, OFF(bind), 0, 0, NULL, "127.0.0.1"},
    {"dir", NULL, K_STR, F_IMMUTABLE, OFF(dir), 0, 0, NULL, "./data"},
    {"databases", NULL, K_INT, F_IMMUTABLE, OFF(databases), 1, 1 << 20, NULL, "16"},
    {"maxclients", NULL, K_INT, 0, OFF(maxclients), 1, 1 << 20, NULL, "10000"},
    {"timeout", NULL, K_INT, 0, OFF(timeout), 0, INT_MAX, NULL, "0"},
    {"tcp-backlog", NULL, K_INT, F_IMMUTABLE, OFF(tcp_backlog), 0, INT_MAX, NULL, "511"},
    {"tcp-keepalive", NULL, K_INT, 0, OFF(tcp_keepalive), 0, INT_MAX, NULL, "300"},
    {"logfile", NULL, K_STR, F_IMMUTABLE, OFF(logfile), 0, 0, NULL, ""},
    {"functions-dir", NULL, K_STR, F_IMMUTABLE, OFF(functions_dir), 0, 0, NULL, ""},
    {"loglevel", NULL, K_ENUM, 0, OFF(loglevel), 0, 0, loglevels, "notice"},
    {"proto-max-bulk-len", NULL, K_SIZE, 0, OFF(limits.proto_max_bulk_len), 1024 * 1024, 4 * GB - 2, NULL, "512mb"},
    {"client-query-buffer-limit", NULL, K_SIZE, 0, OFF(client_query_buffer_limit), 1024 * 1024, LLONG_MAX, NULL, "1gb"},
    {"client-output-buffer-limit", NULL, K_OBUF, 0, OFF(obuf_hard), 0, 0, NULL,
     "normal 0 0 0 replica 256mb 64mb 60 pubsub 32mb 8mb 60"},
    {"max-key-length", NULL, K_SIZE, 0, OFF(limits.max_key_length), 0, LLONG_MAX, NULL, "0"},
    {"max-value-length", NULL, K_SIZE, 0, OFF(limits.max_value_length), 0, LLONG_MAX, NULL, "0"},
    {"max-keys-per-request", NULL, K_INT, 0, OFF(limits.max_keys_per_request), 0, LLONG_MAX, NULL, "0"},
    {"slowlog-log-slower-than", NULL, K_INT, 0, OFF(limits.slowlog_slower_than), -1, LLONG_MAX, NULL, "10000"},
    {"slowlog-max-len", NULL, K_INT, 0, OFF(limits.slowlog_max_len), 0, LONG_MAX, NULL, "128"},
    {"latency-tracking", NULL, K_BOOL, 0, OFF(limits.latency_tracking), 0, 0, NULL, "yes"},
    {"latency-tracking-info-percentiles", NULL, K_STR, 0, OFF(latency_pctl), 0, 0, NULL, "50 99 99.9"},
    {"requirepass", NULL, K_STR, F_SECRET, OFF(requirepass), 0, 0, NULL, ""},
    {"save", NULL, K_STR, 0, OFF(save), 0, 0, NULL, "3600 1 300 100 60 10000"},
    /* read by frameworks at start-up (and set, where they use keyspace
     * notifications): there are none, so only "" (none) */
    {"notify-keyspace-events", NULL, K_STR, 0, OFF(notify_keyspace_events), 0, 0, NULL, ""},
    {"dbfilename", NULL, K_STR, F_IMMUTABLE, OFF(dbfilename), 0, 0, NULL, "dump.rdb"},
    {"appenddirname", NULL, K_STR, F_IMMUTABLE, OFF(appenddirname), 0, 0, NULL, "appendonlydir"},
    /* at run time: persist_set_appendonly (a checkpoint, then the WAL) */
    {"appendonly", NULL, K_BOOL, 0, OFF(appendonly), 0, 0, NULL, "yes"},
    {"wal-segment-size", NULL, K_SIZE, 0, OFF(wal_segment_size), 4096, LLONG_MAX, NULL, "64mb"},
    {"keep-wal", NULL, K_BOOL, 0, OFF(keep_wal), 0, 0, NULL, "no"},
    {"wal-pipeline", NULL, K_BOOL, 0, OFF(wal_pipeline), 0, 0, NULL, "yes"},
    {"key-load-delay", NULL, K_INT, 0, OFF(key_load_delay), 0, 1000000, NULL, "0"},
    {"auto-checkpoint-percentage", "auto-aof-rewrite-percentage", K_INT, 0, OFF(auto_ckpt_pct), 0, INT_MAX, NULL, "100"},
    {"auto-checkpoint-min-size", "auto-aof-rewrite-min-size", K_SIZE, 0, OFF(auto_ckpt_min), 0, LLONG_MAX, NULL, "64mb"},
    {"appendfsync", NULL, K_ENUM, 0, OFF(appendfsync), 0, 0, fsyncs, "always"},
    {"hz", NULL, K_INT, 0, OFF(hz), 0, INT_MAX, NULL, "10"},
    {"maxmemory", NULL, K_SIZE, 0, OFF(limits.maxmemory), 0, LLONG_MAX, NULL, "0"},
    {"busy-reply-threshold", "lua-time-limit", K_INT, 0, OFF(limits.busy_reply_ms), 0, LLONG_MAX, NULL, "5000"},
    {"lua-memory-limit", NULL, K_SIZE, 0, OFF(limits.lua_memory_limit), 0, LLONG_MAX, NULL, "256mb"},
    {"maxmemory-policy", NULL, K_ENUM, 0, OFF(maxmemory_policy), 0, 0, policies, "noeviction"},
    {"daemonize", NULL, K_ENUM, F_IMMUTABLE, OFF(daemonize), 0, 0, daemonize_no, "no"},
    {"min-free-disk", NULL, K_SIZE, 0, OFF(min_free_disk), 0, LLONG_MAX, NULL, "1gb"},
    {"protected-mode", NULL, K_BOOL, 0, OFF(protected_mode), 0, 0, NULL, "yes"},
    {"enable-debug-command", NULL, K_ENUM, F_IMMUTABLE, OFF(limits.enable_debug), 0, 0, yes_no_local, "no"},
    {"busy-poll", NULL, K_INT, 0, OFF(limits.busy_poll_us), 0, 1000000, NULL, "150"},
    {"inline-batch", NULL, K_INT, 0, OFF(limits.inline_max), 0, 1024, NULL, "1024"},
    {"io-coalesce", NULL, K_INT, 0, OFF(io_coalesce_us), 0, 1000, NULL, "100"},
    {"io-uring", NULL, K_BOOL, F_IMMUTABLE, OFF(io_uring), 0, 0, NULL, "yes"},
    {"io-uring-clients", NULL, K_INT, 0, OFF(io_uring_clients), 0, 1000000, NULL, "8"},
    {"io-threads", NULL, K_INT, F_IMMUTABLE, OFF(io_threads), 1, 128, NULL, "1"},
    /* fixed: what strongbox does, under Redis's names */
    {"activedefrag", NULL, K_FIXED, 0, 0, 0, 0, NULL, "no"},
    {"activerehashing", NULL, K_FIXED, 0, 0, 0, 0, NULL, "yes"},   /* incremental, always */
    {"lazyfree-lazy-eviction", NULL, K_FIXED, 0, 0, 0, 0, NULL, "no"},
    {"lazyfree-lazy-expire", NULL, K_FIXED, 0, 0, 0, 0, NULL, "no"},
    {"lazyfree-lazy-server-del", NULL, K_FIXED, 0, 0, 0, 0, NULL, "no"},
    {"lazyfree-lazy-user-del", NULL, K_FIXED, 0, 0, 0, 0, NULL, "no"},
    {"lazyfree-lazy-user-flush", NULL, K_FIXED, 0, 0, 0, 0, NULL, "no"},
    {"stop-writes-on-bgsave-error", NULL, K_FIXED, 0, 0, 0, 0, NULL, "yes"}, /* and on WAL errors */
    {"rdbcompression", NULL, K_FIXED, 0, 0, 0, 0, NULL, "no"},      /* checkpoints: CRCs, no LZF */
    {"rdbchecksum", NULL, K_FIXED, 0, 0, 0, 0, NULL, "yes"},
    {"aof-load-truncated", NULL, K_FIXED, 0, 0, 0, 0, NULL, "yes"},  /* a torn tail is cut */
    {"aof-use-rdb-preamble", NULL, K_FIXED, 0, 0, 0, 0, NULL, "yes"}, /* the log starts at a checkpoint */
    {"aof-timestamp-enabled", NULL, K_FIXED, 0, 0, 0, 0, NULL, "no"},
    {"no-appendfsync-on-rewrite", NULL, K_FIXED, 0, 0, 0, 0, NULL, "no"},
    {"cluster-enabled", NULL, K_FIXED, F_IMMUTABLE, 0, 0, 0, NULL, "no"},
    {"replica-read-only", "slave-read-only", K_FIXED, 0, 0, 0, 0, NULL, "yes"},
    {"min-replicas-to-write", "min-slaves-to-write", K_FIXED, 0, 0, 0, 0, NULL, "0"},
    {"latency-monitor-threshold", NULL, K_FIXED, 0, 0, 0, 0, NULL, "0"},
    {"dynamic-hz", NULL, K_FIXED, 0, 0, 0, 0, NULL, "no"},
    {"set-proc-title", NULL, K_FIXED, F_IMMUTABLE, 0, 0, 0, NULL, "no"},
    {"always-show-logo", NULL, K_FIXED, F_IMMUTABLE, 0, 0, 0, NULL, "no"},
    {"supervised", NULL, K_FIXED, F_IMMUTABLE, 0, 0, 0, NULL, "no"},
    {"pidfile", NULL, K_FIXED, F_IMMUTABLE, 0, 0, 0, NULL, ""},
    {"unixsocket", NULL, K_FIXED, F_IMMUTABLE, 0, 0, 0, NULL, ""},
    {"tls-port", NULL, K_FIXED, 0, 0, 0, 0, NULL, "0"},
    {"maxmemory-clients", NULL, K_FIXED, 0, 0, 0, 0, NULL, "0"},
    {"enable-module-command", NULL, K_FIXED, F_IMMUTABLE, 0, 0, 0, NULL, "no"},
    {"enable-protected-configs", NULL, K_FIXED, F_IMMUTABLE, 0, 0, 0, NULL, "no"},
};
#define NROWS (sizeof(rows) / sizeof(rows[0]))

static _Atomic long long *num_at(sb_config *c, const cfg_row *r) {
    return (_Atomic long long *)((char *)c + r->off);
}
static char **str_at(sb_config *c, const cfg_row *r) {
    return (char **)((char *)c + r->off);
}

/* Redis's memtoull: digits (possibly none) followed by an optional unit;
 * no sign, no spaces. */
int sb_config_parse_size(const char *s, long long *out) {
    const char *u = s;
    while (*u >= '0' && *u <= '9') u++;
    unsigned long long mul;
    if (!strcasecmp(u, "") || !strcasecmp(u, "b")) mul = 1;
    else if (!strcasecmp(u, "k")) mul = 1000;
    else if (!strcasecmp(u, "kb")) mul = 1024;
    else if (!strcasecmp(u, "m")) mul = 1000 * 1000;
    else if (!strcasecmp(u, "mb")) mul = 1024 * 1024;
    else if (!strcasecmp(u, "g")) mul = 1000ULL * 1000 * 1000;
    else if (!strcasecmp(u, "gb")) mul = (unsigned long long)GB;
    else return -1;
    unsigned long long v = 0;
    for (const char *p = s; p < u; p++) {
        unsigned d = (unsigned)(*p - '0');
        if (v > (ULLONG_MAX - d) / 10) return -1;
        v = v * 10 + d;
    }
    if (v > ULLONG_MAX / mul || v * mul > (unsigned long long)LLONG_MAX) return -1;
    *out = (long long)(v * mul);
    return 0;
}

static const cfg_row *find_row(const char *name) {
    for (size_t i = 0; i < NROWS; i++)
        if (!strcasecmp(rows[i].name, name) ||
            (rows[i].alias && !strcasecmp(rows[i].alias, name)))
            return &rows[i];
    return NULL;
}

/* client-output-buffer-limit <class> <hard> <soft> <seconds> [...] */
static int set_obuf(sb_config *c, int argc, const char **argv, char *err, size_t errlen) {
    if (argc == 1) { /* CONFIG SET passes one string: split it */
        char *copy = strdup(argv[0]);
        const char *words[64];
        int n = 0;
        for (char *tok = strtok(copy, " "); tok && n < 64; tok = strtok(NULL, " "))
            words[n++] = tok;
        int r = n == 1 ? -1 : set_obuf(c, n, words, err, errlen);
        if (n == 1) snprintf(err, errlen, "Wrong number of arguments in buffer limit configuration.");
        free(copy);
        return r;
    }
    if (argc == 0 || argc % 4 != 0) {
        snprintf(err, errlen, "Wrong number of arguments in buffer limit configuration.");
        return -1;
    }
    long long vals[16][3];
    int cls[16];
    for (int i = 0; i < argc / 4 && i < 16; i++) {
        const char *k = argv[i * 4];
        if (!strcasecmp(k, "normal")) cls[i] = 0;
        else if (!strcasecmp(k, "replica") || !strcasecmp(k, "slave")) cls[i] = 1;
        else if (!strcasecmp(k, "pubsub")) cls[i] = 2;
        else {
            snprintf(err, errlen, "Invalid client class specified in buffer limit configuration.");
            return -1;
        }
        for (int j = 0; j < 3; j++) {
            const char *w = argv[i * 4 + 1 + j];
            int bad;
            if (j < 2) {
                bad = sb_config_parse_size(w, &vals[i][j]) != 0;
            } else { /* soft seconds: a plain number (strtoll, like Redis) */
                char *end;
                errno = 0;
                vals[i][j] = strtoll(w, &end, 10);
                bad = errno != 0 || *end != '\0';
            }
            if (bad || vals[i][j] < 0) {
                snprintf(err, errlen, "Error in hard, soft or soft_seconds setting in buffer limit configuration.");
                return -1;
            }
        }
    }
    for (int i = 0; i < argc / 4 && i < 16; i++) {
        _Atomic long long *dst = cls[i] == 0 ? &c->obuf_hard
                                 : cls[i] == 1 ? &c->obuf_replica[0] : &c->obuf_pubsub[0];
        if (cls[i] == 0) {
            c->obuf_hard = vals[i][0];
            c->limits.obuf_hard = vals[i][0]; /* the engine enforces it too */
            c->obuf_soft = vals[i][1];
            c->obuf_soft_seconds = vals[i][2];
        } else {
            for (int j = 0; j < 3; j++) dst[j] = vals[i][j];
        }
    }
    return 0;
}

/* How an option is being set: the built-in default, a startup directive
 * (config file or command line) or CONFIG SET. */
enum { SET_DEFAULT, SET_STARTUP, SET_RUNTIME };

/* save <seconds> <changes> [...], validated and normalised like Redis's
 * setConfigSaveOption: "" alone means no snapshots; at startup the first
 * save directive replaces the defaults and later ones add to it. */
static int set_save(sb_config *c, const cfg_row *r, int argc, const char **argv,
                    int mode, char *err, size_t errlen) {
    static int startup_seen;
    /* CONFIG SET gives one string: split every argument into words */
    char *words[128];
    int n = 0;
    char *copies[64];
    int ncopies = 0;
    for (int i = 0; i < argc && ncopies < 64; i++) {
        char *copy = strdup(argv[i]);
        if (!copy) abort();
        copies[ncopies++] = copy;
        if (argc == 1 && !*copy) break;
        for (char *t = strtok(copy, " \t"); t && n < 128; t = strtok(NULL, " \t"))
            words[n++] = t;
    }
    int rc = 0;
    if (n % 2) rc = -1;
    for (int i = 0; i < n && rc == 0; i++) {
        char *end;
        errno = 0;
        long long v = strtoll(words[i], &end, 10);
        if (*end != '\0' || errno || (i % 2 == 0 && v < 1) || (i % 2 == 1 && v < 0)) rc = -1;
    }
    if (rc) {
        snprintf(err, errlen, "Invalid save parameters");
    } else {
        char buf[1024] = "";
        /* save "" clears everything, even after earlier save lines */
        if (mode == SET_STARTUP && startup_seen && n > 0 && *str_at(c, r))
            snprintf(buf, sizeof(buf), "%s", *str_at(c, r));
        for (int i = 0; i < n; i += 2) {
            size_t len = strlen(buf);
            snprintf(buf + len, sizeof(buf) - len, "%s%lld %lld", len ? " " : "",
                     strtoll(words[i], NULL, 10), strtoll(words[i + 1], NULL, 10));
        }
        if (mode == SET_STARTUP) startup_seen = 1;
        free(*str_at(c, r));
        *str_at(c, r) = strdup(buf);
    }
    for (int i = 0; i < ncopies; i++) free(copies[i]);
    return rc;
}

/* latency-tracking-info-percentiles: numbers from 0 to 100, in words of
 * one or more arguments; kept as "%g" each, space-separated, as Redis
 * shows them ("50 99 99.9"). */
static int set_percentiles(sb_config *c, const cfg_row *r, int argc, const char **argv,
                           char *err, size_t errlen) {
    char buf[512] = "";
    for (int i = 0; i < argc; i++) {
        char *copy = strdup(argv[i]), *save = NULL;
        if (!copy) abort();
        for (char *t = strtok_r(copy, " \t", &save); t; t = strtok_r(NULL, " \t", &save)) {
            char *end;
            errno = 0;
            double v = strtod(t, &end);
            size_t len = strlen(buf);
            if (*end || errno || !(v >= 0 && v <= 100) || len > sizeof(buf) - 32) {
                free(copy);
                snprintf(err, errlen, "Invalid latency-tracking-info-percentiles parameters");
                return -1;
            }
            snprintf(buf + len, sizeof(buf) - len, "%s%g", len ? " " : "", v);
        }
        free(copy);
    }
    free(*str_at(c, r));
    *str_at(c, r) = strdup(buf);
    return 0;
}

static int set_row(sb_config *c, const cfg_row *r, int argc, const char **argv,
                   int mode, char *err, size_t errlen) {
    if (r->kind == K_OBUF) return set_obuf(c, argc, argv, err, errlen);
    if (r->kind == K_FIXED) {
        if (argc == 1 && !strcasecmp(argv[0], r->def)) return 0;
        if (mode == SET_STARTUP) {
            sb_log(LOG_WARNING, "%s %s ignored: strongbox always works as '%s'", r->name,
                   argc == 1 ? argv[0] : argc ? "(several values)" : "(no value)", r->def);
            return 0;
        }
        snprintf(err, errlen, "strongbox always works as '%s'", r->def);
        return -1;
    }
    if (r->kind == K_STR && !strcmp(r->name, "latency-tracking-info-percentiles"))
        return set_percentiles(c, r, argc, argv, err, errlen);
    if (r->kind == K_STR && !strcmp(r->name, "save"))
        return set_save(c, r, argc, argv, mode, err, errlen);
    if (argc != 1) {
        snprintf(err, errlen, "wrong number of arguments");
        return -1;
    }
    const char *v = argv[0];
    long long n;
    if (!strcmp(r->name, "notify-keyspace-events") && *v) {
        snprintf(err, errlen, "strongbox has no keyspace notifications: only "
                              "\"\" is accepted");
        return -1;
    }
    switch (r->kind) {
    case K_INT: {
        if (eng_parse_ll(v, strlen(v), &n) != 0) {
            snprintf(err, errlen, "argument couldn't be parsed into an integer");
            return -1;
        }
        goto range;
    }
    case K_SIZE:
        if (sb_config_parse_size(v, &n)) {
            snprintf(err, errlen, "argument must be a memory value");
            return -1;
        }
    range:
        if (n < r->min || n > r->max) {
            snprintf(err, errlen, "argument must be between %lld and %lld inclusive",
                     r->min, r->max);
            return -1;
        }
        if (!strcmp(r->name, "hz")) { /* Redis clamps hz to [1, 500] */
            if (n < 1) n = 1;
            if (n > 500) n = 500;
        }
        *num_at(c, r) = n;
        return 0;
    case K_BOOL:
        if (!strcasecmp(v, "yes")) n = 1;
        else if (!strcasecmp(v, "no")) n = 0;
        else {
            snprintf(err, errlen, "argument must be 'yes' or 'no'");
            return -1;
        }
        *num_at(c, r) = n;
        return 0;
    case K_ENUM:
        for (int i = 0; r->enums[i]; i++)
            if (!strcasecmp(v, r->enums[i])) {
                *num_at(c, r) = i;
                if (!strcmp(r->name, "loglevel")) sb_log_set_level(i);
                return 0;
            }
        snprintf(err, errlen, "argument(s) must be one of the following: ");
        for (int i = 0; r->enums[i]; i++) {
            strncat(err, r->enums[i], errlen - strlen(err) - 1);
            if (r->enums[i + 1]) strncat(err, ", ", errlen - strlen(err) - 1);
        }
        return -1;
    case K_STR:
        free(*str_at(c, r));
        *str_at(c, r) = strdup(v);
        /* the I/O thread may not read the string: it reads this flag */
        if (!strcmp(r->name, "requirepass")) c->has_password = *v != 0;
        return 0;
    }
    return -1;
}

/* Format a row's value the way CONFIG GET shows it. */
static void format_row(sb_config *c, const cfg_row *r, char *buf, size_t cap) {
    switch (r->kind) {
    case K_INT:
    case K_SIZE:
        snprintf(buf, cap, "%lld", (long long)*num_at(c, r));
        break;
    case K_BOOL:
        snprintf(buf, cap, "%s", *num_at(c, r) ? "yes" : "no");
        break;
    case K_ENUM:
        snprintf(buf, cap, "%s", r->enums[*num_at(c, r)]);
        break;
    case K_STR:
        snprintf(buf, cap, "%s", *str_at(c, r) ? *str_at(c, r) : "");
        break;
    case K_FIXED:
        snprintf(buf, cap, "%s", r->def);
        break;
    case K_OBUF:
        snprintf(buf, cap, "normal %lld %lld %lld slave %lld %lld %lld pubsub %lld %lld %lld",
                 (long long)c->obuf_hard, (long long)c->obuf_soft,
                 (long long)c->obuf_soft_seconds, (long long)c->obuf_replica[0],
                 (long long)c->obuf_replica[1], (long long)c->obuf_replica[2],
                 (long long)c->obuf_pubsub[0], (long long)c->obuf_pubsub[1],
                 (long long)c->obuf_pubsub[2]);
        break;
    }
}

void sb_config_init(sb_config *c) {
    memset(c, 0, sizeof(*c));
    char err[256];
    for (size_t i = 0; i < NROWS; i++) {
        const char *v = rows[i].def;
        if (rows[i].kind == K_OBUF || !strcmp(rows[i].name, "save")) {
            const char *w[16];
            char *copy = strdup(v);
            int n = 0;
            for (char *t = strtok(copy, " "); t && n < 16; t = strtok(NULL, " ")) w[n++] = t;
            set_row(c, &rows[i], n, w, SET_DEFAULT, err, sizeof(err));
            free(copy);
        } else if (set_row(c, &rows[i], 1, &v, SET_DEFAULT, err, sizeof(err))) {
            fprintf(stderr, "bad default for %s: %s\n", rows[i].name, err);
            abort();
        }
    }
    c->limits.active_expire = 1;
}

void sb_config_free(sb_config *c) {
    for (size_t i = 0; i < NROWS; i++)
        if (rows[i].kind == K_STR) {
            free(*str_at(c, &rows[i]));
            *str_at(c, &rows[i]) = NULL;
        }
    free(c->config_file);
    c->config_file = NULL;
}

int sb_config_apply(sb_config *c, const char *name, int argc, const char **argv,
                    int startup, char *err, size_t errlen) {
    const cfg_row *r = find_row(name);
    if (!r) {
        snprintf(err, errlen, "Bad directive or wrong number of arguments");
        return -1;
    }
    if (!startup && (r->flags & F_IMMUTABLE)) {
        snprintf(err, errlen, "can't set immutable config");
        return -1;
    }
    return set_row(c, r, argc, argv, startup ? SET_STARTUP : SET_RUNTIME, err, errlen);
}

/* ------------------------------------------------------- config files */

typedef struct words {
    char *v[64];
    int n;
} words;

static void add_word(void *ud, const char *arg, size_t n) {
    words *w = ud;
    if (w->n < 64) {
        w->v[w->n] = malloc(n + 1);
        memcpy(w->v[w->n], arg, n);
        w->v[w->n][n] = '\0';
        w->n++;
    }
}

int sb_config_load_file(sb_config *c, const char *path, char *err, size_t errlen) {
    FILE *f = fopen(path, "r");
    if (!f) {
        snprintf(err, errlen, "Fatal error, can't open config file '%s': %s",
                 path, strerror(errno));
        return -1;
    }
    char *line = NULL;
    size_t cap = 0;
    ssize_t len;
    int lineno = 0, rc = 0;
    while ((len = getline(&line, &cap, f)) >= 0) {
        lineno++;
        while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
            line[--len] = '\0';
        char *p = line;
        while (*p == ' ' || *p == '\t') p++;
        if (*p == '#' || *p == '\0') continue;
        words w = {0};
        char why[256] = "";
        if (resp_split_inline(p, strlen(p), add_word, &w) != 0) {
            snprintf(why, sizeof(why), "Unbalanced quotes in configuration line");
        } else if (w.n > 0) {
            if (!strcasecmp(w.v[0], "include")) {
                if (w.n != 2 || sb_config_load_file(c, w.v[1], why, sizeof(why)))
                    if (!why[0]) snprintf(why, sizeof(why), "include takes one file name");
            } else {
                const cfg_row *r = find_row(w.v[0]);
                if (!r && w.n >= 2 && !strcasecmp(w.v[0], "rename-command")) {
                    /* accepted for compatibility, ignored */
                } else if (sb_config_apply(c, w.v[0], w.n - 1,
                                           (const char **)w.v + 1, 1, why, sizeof(why)) != 0) {
                }
            }
        }
        for (int i = 0; i < w.n; i++) free(w.v[i]);
        if (why[0]) {
            snprintf(err, errlen,
                     "\n*** FATAL CONFIG FILE ERROR (strongbox %s) ***\n"
                     "Reading the configuration file %s, at line %d\n>>> '%s'\n%s",
                     SB_VERSION, path, lineno, p, why);
            rc = -1;
            break;
        }
    }
    free(line);
    fclose(f);
    return rc;
}

/* ------------------------------------------------------ CONFIG command */

static sb_config *cmd_cfg; /* the config CONFIG works on (set once at start) */

void sb_config_bind_command(sb_config *c) { cmd_cfg = c; }

static void config_get(eng_ctx *x) {
    /* Like Redis: a name without glob characters is looked up exactly and
     * answered under the spelling the client used; a pattern matches the
     * option names. Each option is reported once. */
    const char *shown[NROWS] = {0};
    long long n = 0;
    for (int a = 2; a < x->argc; a++) {
        const eng_arg *pat = &x->argv[a];
        if (!strpbrk(pat->p, "[*?")) {
            const cfg_row *r = find_row(pat->p);
            if (r && !shown[r - rows]) {
                shown[r - rows] = pat->p;
                n++;
            }
            continue;
        }
        for (size_t i = 0; i < NROWS; i++)
            if (!shown[i] && eng_glob_match(pat->p, pat->n, rows[i].name,
                                            strlen(rows[i].name), 1)) {
                shown[i] = rows[i].name;
                n++;
            }
    }
    resp_add_map_len(x->out, x->proto, n);
    for (size_t i = 0; i < NROWS; i++) {
        if (!shown[i]) continue;
        char buf[1024];
        format_row(cmd_cfg, &rows[i], buf, sizeof(buf));
        resp_add_bulk_cstr(x->out, shown[i]);
        resp_add_bulk_cstr(x->out, buf);
    }
}

static void config_set(eng_ctx *x) {
    if (x->argc % 2 != 0) { /* name without a value: Redis says syntax error */
        eng_reply_syntax(x);
        return;
    }
    int npairs = (x->argc - 2) / 2;
    const cfg_row *set[128];
    if (npairs > 128) {
        eng_reply_error(x, "ERR CONFIG SET failed - too many parameters");
        return;
    }
    /* validate all names first (unknown, immutable, duplicate: the first
     * problem wins, like Redis) */
    for (int i = 0; i < npairs; i++) {
        const char *name = x->argv[2 + i * 2].p;
        const cfg_row *r = find_row(name);
        if (!r) {
            eng_reply_error(x, "ERR Unknown option or number of arguments for CONFIG SET - '%s'",
                            name);
            return;
        }
        if (r->flags & F_IMMUTABLE) {
            eng_reply_error(x, "ERR CONFIG SET failed (possibly related to argument '%s') - can't set immutable config",
                            name);
            return;
        }
        for (int j = 0; j < i; j++)
            if (set[j] == r) {
                eng_reply_error(x, "ERR CONFIG SET failed (possibly related to argument '%s') - duplicate parameter",
                                name);
                return;
            }
        set[i] = r;
    }
    /* apply; if one value is bad, restore the ones already changed */
    char *old[128];
    for (int i = 0; i < npairs; i++) {
        char buf[1024];
        format_row(cmd_cfg, set[i], buf, sizeof(buf));
        old[i] = strdup(buf);
        if (!old[i]) abort();
    }
    int failed = -1;
    char err[256];
    for (int i = 0; i < npairs && failed < 0; i++) {
        const char *v = x->argv[3 + i * 2].p;
        if (set_row(cmd_cfg, set[i], 1, &v, SET_RUNTIME, err, sizeof(err))) failed = i;
    }
    /* the one value that acts at once, last: it can still fail (a
     * checkpoint), and then every value goes back */
    int applied = failed >= 0 ? failed : npairs;
    if (failed < 0 && persist_set_appendonly(x->eng, (int)cmd_cfg->appendonly, err, sizeof(err)) != 0)
        for (int i = 0; i < npairs; i++)
            if (!strcmp(set[i]->name, "appendonly")) failed = i;
    if (failed >= 0) {
        char ignored[256];
        for (int i = 0; i < applied; i++) {
            const char *v = old[i];
            set_row(cmd_cfg, set[i], 1, &v, SET_RUNTIME, ignored, sizeof(ignored));
        }
        eng_reply_error(x, "ERR CONFIG SET failed (possibly related to argument '%s') - %s",
                        x->argv[2 + failed * 2].p, err);
    } else {
        eng_reply_ok(x);
    }
    for (int i = 0; i < npairs; i++) free(old[i]);
}

void cmd_config(eng_ctx *x) {
    const char *sub = x->cmd->name + sizeof("config|") - 1;
    if (!strcmp(sub, "get")) {
        config_get(x);
    } else if (!strcmp(sub, "set")) {
        config_set(x);
    } else if (!strcmp(sub, "resetstat")) {
        sb_info_reset_stats(x->eng);
        eng_reply_ok(x);
    } else if (!strcmp(sub, "rewrite")) {
        if (!cmd_cfg->config_file)
            eng_reply_error(x, "ERR The server is running without a config file");
        else
            eng_reply_error(x, "ERR CONFIG REWRITE is not supported yet: edit %s",
                            cmd_cfg->config_file);
    } else {
        static const char *help[] = {
            "CONFIG <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
            "GET <pattern>",
            "    Return parameters matching the glob-like <pattern> and their values.",
            "SET <directive> <value>", "    Set the configuration <directive> to <value>.",
            "RESETSTAT", "    Reset statistics reported by the INFO command.",
            "REWRITE", "    Rewrite the configuration file.",
            "HELP", "    Print this help."};
        eng_reply_lines(x, help, sizeof(help) / sizeof(help[0]));
    }
}
