/* test_multi.c -- MULTI / EXEC / DISCARD / WATCH / UNWATCH against a real
 * server, with Redis 7.0's replies and error strings (checked side by side
 * against redis-server 7.0.15), and strongbox's durability promise:
 *
 *  - queueing, +QUEUED, EXEC's array of replies, runtime errors inside EXEC
 *    (the other commands still run), EXECABORT after a refused command
 *    (unknown, arity, no_multi, OOM), a refused EXEC itself, nesting errors;
 *  - WATCH invalidated by another client's write, by the client's own
 *    write, by lazy and active expiry (and a key that expired between WATCH
 *    and EXEC), by FLUSHALL / FLUSHDB / SWAPDB, by MOVE / COPY / RENAME
 *    targets, by an EVAL and another client's EXEC; not by reads, other
 *    databases or writes that change nothing;
 *    A script that is rolled back (an error) breaks no WATCH;
 *  - EXEC / DISCARD / UNWATCH / RESET / disconnection clear the state;
 *  - RESP3 (_) and RESP2 (*-1) nulls for an aborted EXEC, pipelined
 *    transactions, MULTI/EXEC refused inside scripts, EVAL/FCALL queued;
 *  - durability: one EXEC with several writes is one WAL unit (wal_lsn +1),
 *    a WAL cut anywhere inside its record restores all of it or none, a
 *    WAL failure between MULTI and EXEC aborts the EXEC (MISCONF), a
 *    transaction or command whose changes could pass what one WAL record
 *    holds is refused before it runs and the WAL stays healthy,
 *    and after SIGKILL at random moments under a stream of transactions
 *    every transaction is there entirely or not at all, every acknowledged
 *    one is there, and an FCALL inside EXEC replays.
 */
#include "harness.h"
#include "testfs.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <time.h>
#include <unistd.h>

static void sleep_ms(int ms) { usleep((useconds_t)ms * 1000); }

/* The reply is an array of n elements (freed). */
#define CHECK_ARRAY(r, n) do { redisReply *_r = (r); \
    if (!_r || _r->type != REDIS_REPLY_ARRAY || _r->elements != (size_t)(n)) { \
    fprintf(stderr, "%s:%d: expected an array of %d, got %s\n", __FILE__, __LINE__, \
    (int)(n), reply_str(_r)); tu_failures++; } if (_r) freeReplyObject(_r); } while (0)

/* The null array of an EXEC aborted by WATCH (hiredis: NIL). */
#define CHECK_ABORTED(c) CHECK_NIL(cmd((c), "EXEC"))

/* Send one command given as words ("SET k v": no quoting); "!" as a word
 * sets *may_fail. */
static redisReply *send_words(redisContext *c, char *words, int *may_fail) {
    const char *argv[16];
    int argc = 0;
    for (char *save = NULL, *w = strtok_r(words, " ", &save); w && argc < 16;
         w = strtok_r(NULL, " ", &save)) {
        if (!strcmp(w, "!")) *may_fail = 1;
        else argv[argc++] = w;
    }
    return redisCommandArgv(c, argc, argv, NULL);
}

/* Run "CMD arg arg; CMD arg ..." on c; an error reply fails the test
 * unless the command has a "!" word. */
static void run_line(redisContext *c, const char *line) {
    char buf[512];
    snprintf(buf, sizeof(buf), "%s", line);
    for (char *save = NULL, *part = strtok_r(buf, ";", &save); part;
         part = strtok_r(NULL, ";", &save)) {
        int may_fail = 0;
        redisReply *r = send_words(c, part, &may_fail);
        CHECK_MSG(r && (may_fail || r->type != REDIS_REPLY_ERROR), "%s: %s", part, reply_str(r));
        if (r) freeReplyObject(r);
    }
}

/* MULTI, the commands of line (each must be QUEUED), EXEC: its reply. */
static redisReply *transaction(redisContext *c, const char *line) {
    char buf[512];
    snprintf(buf, sizeof(buf), "%s", line);
    CHECK_STATUS(cmd(c, "MULTI"), "OK");
    for (char *save = NULL, *part = strtok_r(buf, ";", &save); part;
         part = strtok_r(NULL, ";", &save)) {
        int may_fail = 0;
        CHECK_STATUS(send_words(c, part, &may_fail), "QUEUED");
    }
    return cmd(c, "EXEC");
}

/* MULTI, PING, EXEC: the transaction ran (1) or was aborted by a watch (0). */
static int tx_runs(redisContext *c) {
    redisReply *r = transaction(c, "PING");
    int ran = r && r->type == REDIS_REPLY_ARRAY && r->elements == 1;
    int aborted = r && r->type == REDIS_REPLY_NIL;
    if (!ran && !aborted) {
        fprintf(stderr, "EXEC: unexpected %s\n", reply_str(r));
        tu_failures++;
    }
    if (r) freeReplyObject(r);
    return ran;
}

/* In MULTI, a command refused while queueing (r, its reply, must be the
 * error err): then EXEC aborts the transaction. */
#define CHECK_REFUSED(c, r, err) do { CHECK_ERROR((r), (err)); CHECK_ERROR(cmd((c), "EXEC"), \
    "EXECABORT Transaction discarded because of previous errors."); } while (0)

static long long info_ll(redisContext *c, const char *section, const char *field) {
    redisReply *r = cmd(c, "INFO %s", section);
    long long v = -1;
    size_t fl = strlen(field);
    if (r && r->type == REDIS_REPLY_STRING) {
        for (char *p = r->str; p && *p; p = strchr(p, '\n') ? strchr(p, '\n') + 1 : NULL)
            if (!strncmp(p, field, fl) && p[fl] == ':') {
                v = atoll(p + fl + 1);
                break;
            }
    }
    if (r) freeReplyObject(r);
    return v;
}

/* -------------------------------------------------------- queueing */

static void t_basic(redisContext *c) {
    redisReply *r = transaction(c, "SET a 1; INCR a; GET a; DEL a nosuch");
    CHECK(r && r->type == REDIS_REPLY_ARRAY && r->elements == 4);
    if (r && r->type == REDIS_REPLY_ARRAY && r->elements == 4) {
        CHECK(r->element[0]->type == REDIS_REPLY_STATUS && !strcmp(r->element[0]->str, "OK"));
        CHECK(r->element[1]->type == REDIS_REPLY_INTEGER && r->element[1]->integer == 2);
        CHECK(r->element[2]->type == REDIS_REPLY_STRING && !strcmp(r->element[2]->str, "2"));
        CHECK(r->element[3]->type == REDIS_REPLY_INTEGER && r->element[3]->integer == 1);
    }
    if (r) freeReplyObject(r);
    /* nothing happens before EXEC */
    CHECK_STATUS(cmd(c, "MULTI"), "OK");
    CHECK_STATUS(cmd(c, "SET b 1"), "QUEUED");
    redisContext *o = redisConnect(c->tcp.host, c->tcp.port);
    CHECK_NIL(cmd(o, "GET b"));
    CHECK_STATUS(cmd(c, "DISCARD"), "OK");
    CHECK_NIL(cmd(o, "GET b"));
    redisFree(o);
    /* CLIENT INFO shows the transaction, also while EXEC runs it */
    r = transaction(c, "CLIENT INFO; SET a 1");
    CHECK(r && r->type == REDIS_REPLY_ARRAY && r->elements == 2 &&
          strstr(r->element[0]->str, " flags=x ") && strstr(r->element[0]->str, " multi=2 "));
    if (r) freeReplyObject(r);
    r = cmd(c, "CLIENT INFO");
    CHECK(r && r->type == REDIS_REPLY_STRING && strstr(r->str, " flags=N ") &&
          strstr(r->str, " multi=-1 "));
    if (r) freeReplyObject(r);
    /* an empty transaction */
    CHECK_STATUS(cmd(c, "MULTI"), "OK");
    CHECK_ARRAY(cmd(c, "EXEC"), 0);
    /* SELECT inside applies to the commands after it */
    CHECK_ARRAY(transaction(c, "SELECT 1; SET indb1 x"), 2);
    CHECK_BULK(cmd(c, "GET indb1"), "x");
    CHECK_STATUS(cmd(c, "SELECT 0"), "OK");
    CHECK_NIL(cmd(c, "GET indb1"));
    CHECK_STATUS(cmd(c, "FLUSHALL"), "OK");
}

static void t_errors(redisContext *c) {
    CHECK_ERROR(cmd(c, "EXEC"), "ERR EXEC without MULTI");
    CHECK_ERROR(cmd(c, "DISCARD"), "ERR DISCARD without MULTI");
    CHECK_ERROR(cmd(c, "MULTI x"), "ERR wrong number of arguments for 'multi' command");
    CHECK_ERROR(cmd(c, "WATCH"), "ERR wrong number of arguments for 'watch' command");
    CHECK_ERROR(cmd(c, "UNWATCH x"), "ERR wrong number of arguments for 'unwatch' command");
    /* a refused EXEC aborts, even without MULTI (Redis's execCommandAbort) */
    CHECK_ERROR(cmd(c, "EXEC x"),
                "EXECABORT Transaction discarded because of: wrong number of arguments for 'exec' command");

    /* nesting and WATCH inside MULTI are errors that do not abort */
    CHECK_STATUS(cmd(c, "MULTI"), "OK");
    CHECK_ERROR(cmd(c, "MULTI"), "ERR MULTI calls can not be nested");
    CHECK_ERROR(cmd(c, "WATCH a"), "ERR WATCH inside MULTI is not allowed");
    CHECK_STATUS(cmd(c, "SET n 1"), "QUEUED");
    CHECK_ARRAY(cmd(c, "EXEC"), 1);

    /* refused while queueing: EXECABORT, nothing runs */
    CHECK_STATUS(cmd(c, "MULTI"), "OK");
    CHECK_STATUS(cmd(c, "SET q 1"), "QUEUED");
    CHECK_ERROR(cmd(c, "FOO bar"), "ERR unknown command 'FOO', with args beginning with: 'bar' ");
    CHECK_STATUS(cmd(c, "SET q 2"), "QUEUED");
    CHECK_ERROR(cmd(c, "EXEC"), "EXECABORT Transaction discarded because of previous errors.");
    CHECK_NIL(cmd(c, "GET q"));
    CHECK_ERROR(cmd(c, "EXEC"), "ERR EXEC without MULTI");

    CHECK_STATUS(cmd(c, "MULTI"), "OK");
    CHECK_REFUSED(c, cmd(c, "GET"), "ERR wrong number of arguments for 'get' command");
    CHECK_STATUS(cmd(c, "MULTI"), "OK");
    CHECK_REFUSED(c, cmd(c, "CLIENT foo"), "ERR unknown subcommand 'foo'. Try CLIENT HELP.");
    CHECK_STATUS(cmd(c, "MULTI"), "OK");
    CHECK_ERROR(cmd(c, "SAVE"), "ERR Command not allowed inside a transaction");
    CHECK_REFUSED(c, cmd(c, "SHUTDOWN"), "ERR Command not allowed inside a transaction");

    /* a refused EXEC discards the transaction */
    CHECK_STATUS(cmd(c, "MULTI"), "OK");
    CHECK_STATUS(cmd(c, "SET q 3"), "QUEUED");
    CHECK_ERROR(cmd(c, "EXEC x"),
                "EXECABORT Transaction discarded because of: wrong number of arguments for 'exec' command");
    CHECK_ERROR(cmd(c, "EXEC"), "ERR EXEC without MULTI");
    CHECK_NIL(cmd(c, "GET q"));

    /* DISCARD with arguments is refused and leaves the transaction alone */
    CHECK_STATUS(cmd(c, "MULTI"), "OK");
    CHECK_REFUSED(c, cmd(c, "DISCARD x"), "ERR wrong number of arguments for 'discard' command");

    /* runtime errors do not stop the other commands */
    CHECK_STATUS(cmd(c, "SET s abc"), "OK");
    redisReply *r = transaction(c, "INCR s; SET b 2; RENAME nosuch x; GET b");
    CHECK(r && r->type == REDIS_REPLY_ARRAY && r->elements == 4);
    if (r && r->type == REDIS_REPLY_ARRAY && r->elements == 4) {
        CHECK(r->element[0]->type == REDIS_REPLY_ERROR &&
              !strcmp(r->element[0]->str, "ERR value is not an integer or out of range"));
        CHECK(r->element[1]->type == REDIS_REPLY_STATUS);
        CHECK(r->element[2]->type == REDIS_REPLY_ERROR &&
              !strcmp(r->element[2]->str, "ERR no such key"));
        CHECK(r->element[3]->type == REDIS_REPLY_STRING && !strcmp(r->element[3]->str, "2"));
    }
    if (r) freeReplyObject(r);

    /* over maxmemory nothing is queued (DISCARD still works), and an EXEC
     * of writes is aborted */
    CHECK_ARRAY(transaction(c, "SET m 1; CONFIG SET maxmemory 1"), 2);
    sleep_ms(300); /* the used memory is sampled every 100 ms */
    CHECK_STATUS(cmd(c, "MULTI"), "OK");
    CHECK_REFUSED(c, cmd(c, "GET m"), "OOM command not allowed when used memory > 'maxmemory'.");
    CHECK_STATUS(cmd(c, "MULTI"), "OK");
    CHECK_ERROR(cmd(c, "PING"), "OOM command not allowed when used memory > 'maxmemory'.");
    CHECK_STATUS(cmd(c, "DISCARD"), "OK");
    CHECK_STATUS(cmd(c, "CONFIG SET maxmemory 0"), "OK");
    sleep_ms(300);
    CHECK_STATUS(cmd(c, "MULTI"), "OK");
    CHECK_STATUS(cmd(c, "SET m 2"), "QUEUED");
    redisContext *o = redisConnect(c->tcp.host, c->tcp.port);
    CHECK_STATUS(cmd(o, "CONFIG SET maxmemory 1"), "OK");
    sleep_ms(300);
    CHECK_ERROR(cmd(c, "EXEC"), "EXECABORT Transaction discarded because of: OOM command not "
                                "allowed when used memory > 'maxmemory'.");
    CHECK_STATUS(cmd(o, "CONFIG SET maxmemory 0"), "OK");
    redisFree(o);
    sleep_ms(300);
    CHECK_BULK(cmd(c, "GET m"), "1");
    CHECK_STATUS(cmd(c, "FLUSHALL"), "OK");
}

/* ------------------------------------------------------------ WATCH */

/* setup (by the other client), WATCH watch (by c), then the other
 * client's change; does c's transaction still run? */
typedef struct watch_case {
    const char *setup, *watch, *change;
    int runs;
} watch_case;

static const watch_case watch_cases[] = {
    {"", "k", "SET k 1", 0},                          /* another client's write */
    {"", "k x y", "PING", 1},
    {"", "k x y", "APPEND y z", 0},                   /* one of several keys */
    {"SET k 1", "k", "GET k; SETNX k 9; PERSIST k; EXPIRE k 100 GT; COPY k k2", 1},
    {"SET k 1", "k", "SELECT 1; SET k other-db; DEL k; SELECT 0", 1},
    {"SET k 1", "k", "SET k 1", 0},                   /* same value: still a write */
    {"SET k 1", "k", "DEL nosuch k", 0},
    {"SET k 1", "k", "INCRBYFLOAT k 0", 0},
    {"SET k 1", "k", "APPEND k x", 0},
    {"SET k 1", "k", "GETDEL k", 0},
    {"SET k 1", "k", "EXPIRE k 100", 0},
    {"SET k 1", "k", "EXPIRE k -1", 0},
    {"SET src v", "k", "RENAME src k", 0},            /* RENAME target */
    {"SET k v", "k", "RENAME k dst", 0},              /* ... and source */
    {"SET k v; SET s v", "k", "RENAMENX s k", 1},     /* refused */
    {"SET k v", "k", "MOVE k 2", 0},
    {"SELECT 2; SET k v; SELECT 0", "k", "SELECT 2; MOVE k 0; SELECT 0", 0},
    {"SELECT 2; SET s v; SELECT 0", "k", "SELECT 2; COPY s k DB 0; SELECT 0", 0},
    {"SET s v", "k", "COPY s k", 0},
    {"SET s v", "k", "COPY s k DB 3", 1},
    {"", "k", "EVAL return redis.call('set', 'k', 'lua')", 0},
    {"", "k", "EVAL return redis.call('get', 'k')", 1},
    {"", "k", "MULTI; INCRBY other 1; EXEC", 1},      /* another transaction */
    {"SET k 1", "k", "MULTI; DEL k; EXEC", 0},
    {"SET k 1", "k", "FLUSHALL", 0},                 /* FLUSHALL / FLUSHDB / SWAPDB */
    {"SET other 1", "k", "FLUSHALL", 1},             /* of keys that exist */
    {"SET k 1", "k", "SELECT 1; FLUSHDB; SELECT 0", 1},
    {"SET k 1", "k", "FLUSHDB", 0},
    {"SET k 1", "k", "SWAPDB 0 1", 0},
    {"SELECT 1; SET k 1; SELECT 0", "k", "SWAPDB 1 0", 0},
    {"SET k 1", "k", "SWAPDB 2 3", 1},
};

static void t_watch(sb_server *s, redisContext *c) {
    redisContext *o = srv_connect(s);
    for (size_t i = 0; i < sizeof(watch_cases) / sizeof(watch_cases[0]); i++) {
        const watch_case *w = &watch_cases[i];
        char line[100];
        run_line(o, "FLUSHALL");
        if (*w->setup) run_line(o, w->setup);
        snprintf(line, sizeof(line), "WATCH %s", w->watch);
        run_line(c, line);
        if (strncmp(w->change, "EVAL ", 5)) {
            run_line(o, w->change);
        } else { /* the rest is the script, no keys */
            redisReply *r = cmd(o, "EVAL %s 0", w->change + 5);
            CHECK_MSG(r && r->type != REDIS_REPLY_ERROR, "%s: %s", w->change, reply_str(r));
            if (r) freeReplyObject(r);
        }
        CHECK_MSG(tx_runs(c) == w->runs, "WATCH %s, %s: EXEC %s", w->watch, w->change,
                  w->runs ? "aborted" : "ran");
    }
    /* the watch is gone after an aborted EXEC */
    run_line(c, "WATCH k");
    run_line(o, "SET k 2");
    CHECK_STATUS(cmd(c, "MULTI"), "OK");
    CHECK_STATUS(cmd(c, "SET k 3"), "QUEUED");
    CHECK_ABORTED(c);
    CHECK_BULK(cmd(c, "GET k"), "2");
    CHECK(tx_runs(c));
    /* own write */
    run_line(c, "WATCH k; SET k 3");
    CHECK(!tx_runs(c));
    /* UNWATCH and DISCARD forget the watches */
    run_line(c, "WATCH k");
    run_line(o, "SET k 4");
    run_line(c, "UNWATCH");
    CHECK(tx_runs(c));
    run_line(c, "WATCH k; MULTI; DISCARD");
    run_line(o, "SET k 5");
    CHECK(tx_runs(c));
    /* both a refused command and a touched key: EXECABORT wins */
    run_line(c, "WATCH k; MULTI");
    run_line(o, "SET k 6");
    CHECK_REFUSED(c, cmd(c, "NOPE"), "ERR unknown command 'NOPE', with args beginning with: ");
    /* two clients watching the same key: both abort */
    run_line(c, "WATCH k");
    run_line(o, "WATCH k");
    run_line(c, "SET k both");
    CHECK(!tx_runs(c));
    CHECK(!tx_runs(o));
    run_line(o, "FLUSHALL");
    redisFree(o);
}

/* A key with a TTL: watched alive (ttl 50 ms, checked after 100 ms) or
 * already expired (20 ms, watched after 60 ms); then the other client's
 * line, if any. */
typedef struct expiry_case {
    int expired_when_watched;
    const char *then;
    int runs;
} expiry_case;

static const expiry_case expiry_cases[] = {
    {0, "", 0},             /* expired at EXEC, not deleted yet */
    {0, "GET k", 0},        /* deleted by a lazy expiry */
    {1, "", 1},             /* already expired when watched */
    {1, "GET k", 1},        /* ... its deletion is no change */
    {1, "SET k new", 0},    /* ... a write is */
    {1, "FLUSHALL", 1},
};

static void t_watch_expiry(sb_server *s, redisContext *c) {
    redisContext *o = srv_connect(s);
    run_line(c, "DEBUG SET-ACTIVE-EXPIRE 0");
    for (size_t i = 0; i < sizeof(expiry_cases) / sizeof(expiry_cases[0]); i++) {
        const expiry_case *x = &expiry_cases[i];
        /* (500 ms: still alive when WATCH comes after a slow fsync) */
        run_line(c, x->expired_when_watched ? "SET k v PX 20" : "SET k v PX 500");
        if (x->expired_when_watched) sleep_ms(60);
        run_line(c, "WATCH k");
        if (!x->expired_when_watched) sleep_ms(550);
        if (*x->then) run_line(o, x->then);
        CHECK_MSG(tx_runs(c) == x->runs, "expiry case %zu: EXEC %s", i,
                  x->runs ? "aborted" : "ran");
    }
    /* PEXPIRE that deletes at once */
    run_line(c, "SET k v; WATCH k");
    CHECK_INT(cmd(o, "PEXPIRE k -1"), 1);
    CHECK(!tx_runs(c));
    /* active expiry */
    run_line(c, "SET k v PX 500; WATCH k");
    run_line(o, "DEBUG SET-ACTIVE-EXPIRE 1");
    long long expired0 = info_ll(o, "stats", "expired_keys");
    for (int i = 0; i < 50 && info_ll(o, "stats", "expired_keys") == expired0; i++) sleep_ms(50);
    CHECK_MSG(info_ll(o, "stats", "expired_keys") > expired0, "the key was not actively expired");
    CHECK(!tx_runs(c));
    run_line(o, "FLUSHALL");
    redisFree(o);
}

/* RESET and disconnection end the transaction and forget the watches. */
/* A script that is rolled back changed nothing, so it breaks no WATCH
 * (strongbox's rollback; Redis keeps a failed script's writes and so
 * aborts the EXEC). One that commits does; so does one that yielded on
 * the I/O thread and then ran on the engine thread. */
static void t_watch_rollback(sb_server *s, redisContext *c) {
    redisContext *o = srv_connect(s);
    run_line(o, "FLUSHALL");
    CHECK_STATUS(cmd(c, "WATCH k"), "OK");
    redisReply *r = cmd(o, "EVAL %s 0", "redis.call('set', 'k', 'lua') error('boom')");
    CHECK(r && r->type == REDIS_REPLY_ERROR);
    if (r) freeReplyObject(r);
    CHECK_NIL(cmd(o, "GET k"));
    CHECK_MSG(tx_runs(c) == 1, "a rolled-back script broke a WATCH");
    /* a key that had expired when watched, read (so expired) by a script
     * that is rolled back: it is back, still expired -- no change */
    CHECK_STATUS(cmd(o, "DEBUG SET-ACTIVE-EXPIRE 0"), "OK");
    CHECK_STATUS(cmd(o, "SET e v PX 20"), "OK");
    usleep(60 * 1000);
    CHECK_STATUS(cmd(c, "WATCH e"), "OK");
    r = cmd(o, "EVAL %s 0", "redis.call('get', 'e') error('boom')");
    CHECK(r && r->type == REDIS_REPLY_ERROR);
    if (r) freeReplyObject(r);
    CHECK_MSG(tx_runs(c) == 1, "a rolled-back read of an expired watched key broke the WATCH");
    CHECK_STATUS(cmd(c, "WATCH e"), "OK");
    CHECK_INT(cmd(o, "EVAL %s 0", "redis.call('get', 'e') return 1"), 1);
    CHECK_MSG(tx_runs(c) == 1, "a read of an expired watched key broke the WATCH");
    CHECK_STATUS(cmd(o, "DEBUG SET-ACTIVE-EXPIRE 1"), "OK");
    CHECK_STATUS(cmd(c, "WATCH k"), "OK");
    CHECK_INT(cmd(o, "EVAL %s 0", "redis.call('set', 'k', 'lua') return 1"), 1);
    CHECK_MSG(tx_runs(c) == 0, "a script's write did not break a WATCH");
    CHECK_BULK(cmd(o, "FUNCTION LOAD REPLACE %s",
                   "#!lua name=wslow\n"
                   "redis.register_function('wslow', function(k)\n"
                   "  redis.call('set', k[1], 'v') local x = 0\n"
                   "  for i = 1, 2000000 do x = x + i end return 1 end)\n"),
               "wslow");
    CHECK_STATUS(cmd(c, "WATCH k"), "OK");
    CHECK_INT(cmd(o, "FCALL wslow 1 k"), 1); /* (inline, yields, runs) */
    CHECK_MSG(tx_runs(c) == 0, "a yielded then committed script did not break a WATCH");
    CHECK_STATUS(cmd(o, "FUNCTION DELETE wslow"), "OK");
    run_line(o, "FLUSHALL");
    redisFree(o);
}

static void t_reset_disconnect(sb_server *s, redisContext *c) {
    redisContext *o = srv_connect(s);
    CHECK_STATUS(cmd(c, "WATCH k"), "OK");
    CHECK_STATUS(cmd(c, "MULTI"), "OK");
    CHECK_STATUS(cmd(c, "SET r 1"), "QUEUED");
    CHECK_STATUS(cmd(c, "RESET"), "RESET");
    CHECK_ERROR(cmd(c, "EXEC"), "ERR EXEC without MULTI");
    CHECK_NIL(cmd(c, "GET r"));
    CHECK_STATUS(cmd(o, "SET k 1"), "OK");
    CHECK(tx_runs(c));

    /* many clients leave in the middle of transactions with watches */
    for (int i = 0; i < 20; i++) {
        redisContext *d = srv_connect(s);
        CHECK_STATUS(cmd(d, "WATCH k k2 k3"), "OK");
        CHECK_STATUS(cmd(d, "MULTI"), "OK");
        CHECK_STATUS(cmd(d, "SET gone %d", i), "QUEUED");
        if (i % 2) CHECK_STATUS(cmd(d, "QUIT"), "OK");
        redisFree(d);
    }
    sleep_ms(100);
    CHECK_NIL(cmd(o, "GET gone"));
    CHECK_STATUS(cmd(o, "SET k 2"), "OK"); /* touches nobody's freed state */
    redisContext *d = srv_connect(s);
    CHECK_ERROR(cmd(d, "EXEC"), "ERR EXEC without MULTI");
    redisFree(d);
    CHECK_STATUS(cmd(o, "FLUSHALL"), "OK");
    redisFree(o);
}

/* Pipelined transactions: every reply in order. */
static void t_pipeline(redisContext *c) {
    for (int t = 0; t < 50; t++) {
        redisAppendCommand(c, "MULTI");
        redisAppendCommand(c, "INCR p");
        redisAppendCommand(c, "SET p:%d x", t);
        redisAppendCommand(c, "EXEC");
    }
    redisAppendCommand(c, "GET p");
    for (int t = 0; t < 50; t++) {
        redisReply *r;
        redisGetReply(c, (void **)&r);
        CHECK_STATUS(r, "OK");
        redisGetReply(c, (void **)&r);
        CHECK_STATUS(r, "QUEUED");
        redisGetReply(c, (void **)&r);
        CHECK_STATUS(r, "QUEUED");
        redisGetReply(c, (void **)&r);
        CHECK(r && r->type == REDIS_REPLY_ARRAY && r->elements == 2 &&
              r->element[0]->integer == t + 1);
        if (r) freeReplyObject(r);
    }
    redisReply *r;
    redisGetReply(c, (void **)&r);
    CHECK_BULK(r, "50");
    CHECK_STATUS(cmd(c, "FLUSHALL"), "OK");
}

/* The null array of an aborted EXEC in both protocols, byte for byte. */
static void t_resp3(sb_server *s) {
    static const char *const tail[2] = {"+QUEUED\r\n*-1\r\n", "+QUEUED\r\n_\r\n"};
    for (int proto = 2; proto <= 3; proto++) {
        int fd = raw_connect(s);
        char req[300];
        snprintf(req, sizeof(req), "HELLO %d\r\nWATCH k\r\nSET k 1\r\nMULTI\r\nPING\r\nEXEC\r\n"
                 "MULTI\r\nGET k\r\nEXEC\r\n", proto);
        raw_send(fd, req, strlen(req));
        char buf[8192] = "";
        int closed = 0;
        const char *want = tail[proto - 2];
        const char *ok_tail = "+OK\r\n+QUEUED\r\n*1\r\n$1\r\n1\r\n";
        size_t tl = strlen(ok_tail), n = 0;
        /* the SET's reply waits for an fsync (hundreds of ms on a loaded
         * machine): read until the last reply (the second EXEC's) is in,
         * for up to 10 s, then for 100 ms more, in which nothing may come */
        double deadline = clock_s() + 10;
        while (!closed && n < sizeof(buf) - 1 && !(n >= tl && !strcmp(buf + n - tl, ok_tail)) &&
               clock_s() < deadline)
            n += raw_read(fd, buf + n, sizeof(buf) - n, 1, 100, &closed);
        if (!closed && n < sizeof(buf) - 1)
            n += raw_read(fd, buf + n, sizeof(buf) - n, 1, 100, &closed);
        char *p = strstr(buf, want);
        CHECK_MSG(p != NULL, "RESP%d: no aborted EXEC reply in %s", proto, buf);
        CHECK_MSG(n >= strlen(ok_tail) && !strcmp(buf + n - strlen(ok_tail), ok_tail),
                  "RESP%d: the next transaction: %s", proto, buf);
        close(fd);
    }
    redisContext *c = srv_connect(s);
    CHECK_STATUS(cmd(c, "FLUSHALL"), "OK");
    redisFree(c);
}

#define BUMP_LIB "#!lua name=mtest\nredis.register_function('bump', function(keys, args) " \
                 "return redis.call('incrby', keys[1], args[1]) end)"
#define NOSCRIPT_ERR "ERR This Redis command is not allowed from script"

static void t_scripts(redisContext *c) {
    redisReply *r = cmd(c, "EVAL %s 0", "return redis.call('multi')");
    CHECK(r && r->type == REDIS_REPLY_ERROR &&
          !strncmp(r->str, NOSCRIPT_ERR, strlen(NOSCRIPT_ERR)));
    if (r) freeReplyObject(r);
    r = cmd(c, "EVAL %s 0", "return redis.call('exec')");
    CHECK(r && r->type == REDIS_REPLY_ERROR &&
          !strncmp(r->str, NOSCRIPT_ERR, strlen(NOSCRIPT_ERR)));
    if (r) freeReplyObject(r);
    r = cmd(c, "EVAL %s 1 w", "return redis.pcall('watch', KEYS[1])");
    CHECK(r && r->type == REDIS_REPLY_ERROR);
    if (r) freeReplyObject(r);
    CHECK_BULK(cmd(c, "FUNCTION LOAD %s", BUMP_LIB), "mtest");
    CHECK_STATUS(cmd(c, "MULTI"), "OK");
    CHECK_STATUS(cmd(c, "FCALL bump 1 f 5"), "QUEUED");
    CHECK_STATUS(cmd(c, "EVAL %s 1 f", "return redis.call('incr', KEYS[1])"), "QUEUED");
    CHECK_STATUS(cmd(c, "FCALL nosuchfn 0"), "QUEUED");
    r = cmd(c, "EXEC");
    CHECK(r && r->type == REDIS_REPLY_ARRAY && r->elements == 3 &&
          r->element[0]->integer == 5 && r->element[1]->integer == 6 &&
          r->element[2]->type == REDIS_REPLY_ERROR);
    if (r) freeReplyObject(r);
    CHECK_STATUS(cmd(c, "FUNCTION FLUSH"), "OK");
    CHECK_STATUS(cmd(c, "FLUSHALL"), "OK");
}

static void t_command_info(redisContext *c) {
    redisReply *r = cmd(c, "COMMAND INFO multi exec discard watch unwatch");
    CHECK(r && r->type == REDIS_REPLY_ARRAY && r->elements == 5);
    static const int arity[5] = {1, 1, 1, -2, 1};
    for (size_t i = 0; r && r->type == REDIS_REPLY_ARRAY && i < r->elements && i < 5; i++) {
        redisReply *e = r->element[i];
        CHECK(e->type == REDIS_REPLY_ARRAY && e->elements == 10 &&
              e->element[1]->integer == arity[i]);
    }
    if (r) freeReplyObject(r);
    r = cmd(c, "COMMAND GETKEYS WATCH a b");
    CHECK(r && r->type == REDIS_REPLY_ARRAY && r->elements == 2);
    if (r) freeReplyObject(r);
}

/* ------------------------------------------------------- durability */

static const char *no_args[] = {NULL};

/* One EXEC with several writes is one WAL record; one that writes
 * nothing, an aborted one and DISCARD log nothing. */
static void t_one_unit(void) {
    const char *d = new_dir();
    sb_server *s = srv_start_in(d, no_args);
    redisContext *c = srv_connect(s);
    long long l0 = info_ll(c, "persistence", "wal_lsn");
    CHECK_ARRAY(transaction(c, "SET a 1; MSET b 2 c 3; INCR a; DEL c; SELECT 4; "
                               "SET d 4 PX 100000"), 6);
    long long l1 = info_ll(c, "persistence", "wal_lsn");
    CHECK_MSG(l1 == l0 + 1, "wal_lsn %lld -> %lld for one EXEC", l0, l1);
    CHECK_ARRAY(transaction(c, "GET d"), 1);
    CHECK_STATUS(cmd(c, "MULTI"), "OK");
    CHECK_STATUS(cmd(c, "SET e 1"), "QUEUED");
    CHECK_STATUS(cmd(c, "DISCARD"), "OK");
    CHECK_STATUS(cmd(c, "WATCH d"), "OK");
    CHECK_STATUS(cmd(c, "SET d 5"), "OK");
    CHECK_STATUS(cmd(c, "MULTI"), "OK");
    CHECK_STATUS(cmd(c, "SET e 1"), "QUEUED");
    CHECK_ABORTED(c);
    long long l2 = info_ll(c, "persistence", "wal_lsn");
    CHECK_MSG(l2 == l1 + 1, "wal_lsn %lld -> %lld: only the SET", l1, l2);
    /* a function and a script inside EXEC: replayed inside the unit */
    CHECK_BULK(cmd(c, "FUNCTION LOAD %s", BUMP_LIB), "mtest");
    CHECK_ARRAY(transaction(c, "SET g 1; FCALL bump 1 g 5; INCR g; "
                               "EVAL return(redis.call('incr',KEYS[1])) 1 g"), 4);
    /* a BGSAVE inside EXEC after writes starts after it (the image must be
     * the state at an LSN), DEBUG RELOAD is refused there */
    redisReply *r = transaction(c, "SET f 1; BGSAVE; DEBUG RELOAD; INCR f");
    CHECK(r && r->type == REDIS_REPLY_ARRAY && r->elements == 4 &&
          r->element[1]->type == REDIS_REPLY_STATUS &&
          !strcmp(r->element[1]->str, "Background saving scheduled") &&
          r->element[2]->type == REDIS_REPLY_ERROR && r->element[3]->integer == 2);
    if (r) freeReplyObject(r);
    long long saves = 0;
    for (int i = 0; i < 50 && (saves = info_ll(c, "persistence", "rdb_saves")) < 1; i++)
        sleep_ms(100);
    redisFree(c);
    srv_kill(s);
    s = srv_start_in(d, no_args);
    c = srv_connect(s);
    CHECK_MSG(saves >= 1, "the scheduled checkpoint did not run");
    CHECK_BULK(cmd(c, "GET a"), "2");
    CHECK_BULK(cmd(c, "GET b"), "2");
    CHECK_NIL(cmd(c, "GET c"));
    CHECK_STATUS(cmd(c, "SELECT 4"), "OK");
    CHECK_BULK(cmd(c, "GET d"), "5");
    CHECK_NIL(cmd(c, "GET e"));
    CHECK_BULK(cmd(c, "GET f"), "2");
    CHECK_BULK(cmd(c, "GET g"), "8");
    redisFree(c);
    srv_stop(s);
    drop_dir(d);
}

/* The WAL cut at many points inside the EXEC's record (a crash in the
 * middle of writing it): a restart finds all of the transaction or none. */
static void t_torn_exec(void) {
    const char *d = new_dir();
    sb_server *s = srv_start_in(d, no_args);
    redisContext *c = srv_connect(s);
    char val[201];
    memset(val, 'v', 200);
    val[200] = 0;
    CHECK_STATUS(cmd(c, "SET base 1"), "OK");
    CHECK_STATUS(cmd(c, "MULTI"), "OK");
    for (int k = 0; k < 6; k++) CHECK_STATUS(cmd(c, "SET t%d %s", k, val), "QUEUED");
    CHECK_ARRAY(cmd(c, "EXEC"), 6);
    redisFree(c);
    srv_kill(s);
    char seg[600];
    snprintf(seg, sizeof(seg), "%s/wal-%020d.log", d, 1);
    size_t len;
    unsigned char *wal = read_all(seg, &len);
    CHECK(wal != NULL && len > 1300);
    if (!wal) return;
    while (len > 0 && wal[len - 1] == 0) len--; /* preallocated zeros after the records */
    int seen_none = 0;
    for (size_t cut = 0; cut < 1300; cut += cut < 20 ? 1 : 97) {
        const char *d2 = new_dir();
        char p2[600];
        snprintf(p2, sizeof(p2), "%s/wal-%020d.log", d2, 1);
        write_file(p2, wal, len - cut);
        s = srv_start_in(d2, no_args);
        c = srv_connect(s);
        redisReply *r = cmd(c, "EXISTS t0 t1 t2 t3 t4 t5");
        long long n = r && r->type == REDIS_REPLY_INTEGER ? r->integer : -1;
        if (r) freeReplyObject(r);
        CHECK_MSG(n == 0 || n == 6, "WAL cut by %zu bytes: %lld of the 6 keys of one EXEC", cut, n);
        CHECK_MSG(cut > 0 || n == 6, "the whole WAL lost the EXEC");
        seen_none |= n == 0;
        CHECK_BULK(cmd(c, "GET base"), "1");
        redisFree(c);
        srv_kill(s);
        drop_dir(d2);
    }
    CHECK(seen_none);
    free(wal);
    drop_dir(d);
}

/* The WAL fails between MULTI and EXEC: EXEC of writes is aborted with
 * MISCONF (nothing runs unlogged), queueing a write is refused, reads
 * still run; the durable state is rebuilt (including a logged EVAL). */
static void t_wal_failure(void) {
    const char *d = new_dir();
    sb_server *s = srv_start_in(d, no_args);
    redisContext *c = srv_connect(s), *o = srv_connect(s);
    redisReply *r = cmd(c, "EVAL %s 0", "return redis.call('set', 'e', 'lua')");
    CHECK_STATUS(r, "OK");
    CHECK_STATUS(cmd(c, "MULTI"), "OK");
    CHECK_STATUS(cmd(c, "SET a 1"), "QUEUED");
    CHECK_STATUS(cmd(o, "DEBUG WAL-FAULT write EIO"), "OK");
    r = cmd(o, "SET x 1"); /* fails: o's outcome is unknown, it is disconnected */
    if (r) freeReplyObject(r);
    redisFree(o);
    sleep_ms(200);
    r = cmd(c, "EXEC");
    const char *want = "EXECABORT Transaction discarded because of: MISCONF Errors writing to the WAL";
    CHECK_MSG(r && r->type == REDIS_REPLY_ERROR && !strncmp(r->str, want, strlen(want)),
              "EXEC after a WAL failure: %s", reply_str(r));
    if (r) freeReplyObject(r);
    CHECK_STATUS(cmd(c, "MULTI"), "OK");
    r = cmd(c, "SET a 2");
    CHECK_MSG(r && r->type == REDIS_REPLY_ERROR && !strncmp(r->str, "MISCONF ", 8),
              "queueing a write after a WAL failure: %s", reply_str(r));
    if (r) freeReplyObject(r);
    CHECK_ERROR(cmd(c, "EXEC"), "EXECABORT Transaction discarded because of previous errors.");
    r = transaction(c, "GET a; GET e");
    CHECK(r && r->type == REDIS_REPLY_ARRAY && r->elements == 2 &&
          r->element[0]->type == REDIS_REPLY_NIL && r->element[1]->type == REDIS_REPLY_STRING);
    if (r) freeReplyObject(r);
    redisFree(c);
    srv_kill(s);
    drop_dir(d);
}

/* One EXEC is one WAL record, whose length is 32 bits: a transaction (or
 * a command) whose changes could pass the limit is refused before it runs
 * -- the command that brings the queue past it, so EXEC is aborted -- and
 * the WAL stays healthy. DEBUG SET-UNIT-MAX lowers the 4 GB limit to 1 MB. */
static void t_unit_limit(void) {
    const char *d = new_dir();
    sb_server *s = srv_start_in(d, no_args);
    redisContext *c = srv_connect(s);
    size_t vlen = 300000;
    char *val = malloc(vlen + 1);
    memset(val, 'v', vlen);
    val[vlen] = 0;
    char *big = malloc(2000001);
    memset(big, 'a', 2000000);
    big[2000000] = 0;
    CHECK_STATUS(cmd(c, "SET big %s", big), "OK");
    /* Redis's DUMP of it is LZF-compressed (strongbox's is not) */
    redisContext *rc = redis_start();
    CHECK(rc != NULL);
    redisReply *dump = NULL;
    if (rc) {
        CHECK_STATUS(cmd(rc, "SET big %s", big), "OK");
        dump = cmd(rc, "DUMP big");
        CHECK(dump && dump->type == REDIS_REPLY_STRING && dump->len < 100000);
        redisFree(rc);
    }
    CHECK_STATUS(cmd(c, "DEBUG SET-UNIT-MAX 1000000"), "OK");
    long long l0 = info_ll(c, "persistence", "wal_lsn");
    CHECK_STATUS(cmd(c, "MULTI"), "OK");
    for (int k = 1; k <= 3; k++) CHECK_STATUS(cmd(c, "SET u%d %s", k, val), "QUEUED");
    CHECK_ERR_PREFIX(cmd(c, "SET u4 %s", val), "ERR this transaction could change up to ");
    CHECK_ERROR(cmd(c, "EXEC"), "EXECABORT Transaction discarded because of previous errors.");
    CHECK_INT(cmd(c, "EXISTS u1 u2 u3 u4"), 0);
    CHECK_ERR_PREFIX(cmd(c, "MSET m1 %s m2 %s m3 %s m4 %s", val, val, val, val),
                     "ERR this command could change up to ");
    CHECK_ERR_PREFIX(cmd(c, "SET m5 %s", big), "ERR this command could change up to ");
    if (dump && dump->type == REDIS_REPLY_STRING) /* 2 MB stated, a few KB sent */
        CHECK_ERR_PREFIX(cmd(c, "RESTORE big2 0 %b", dump->str, dump->len),
                         "ERR this command could change up to ");
    CHECK_INT(cmd(c, "EXISTS m1 m5 big2"), 0);
    CHECK_MSG(info_ll(c, "persistence", "wal_lsn") == l0, "a refused command was logged");
    /* a key counts twice (a lazy expiry's DEL, then the change); EVALSHA
     * counts its script's body */
    CHECK_ERR_PREFIX(cmd(c, "SET %s%s %s", val, val, val), "ERR this command could change up to ");
    char *body = malloc(vlen + 64);
    snprintf(body, vlen + 64, "return redis.call('set', KEYS[1], '1') --%s", val);
    redisReply *sha = cmd(c, "SCRIPT LOAD %s", body);
    CHECK(sha && sha->type == REDIS_REPLY_STRING && sha->len == 40);
    if (sha && sha->type == REDIS_REPLY_STRING) {
        CHECK_STATUS(cmd(c, "MULTI"), "OK");
        for (int k = 1; k <= 3; k++) CHECK_STATUS(cmd(c, "EVALSHA %s 1 e%d", sha->str, k), "QUEUED");
        CHECK_ERR_PREFIX(cmd(c, "EVALSHA %s 1 e4", sha->str), "ERR this transaction could change up to ");
        CHECK_STATUS(cmd(c, "DISCARD"), "OK");
    }
    if (sha) freeReplyObject(sha);
    free(body);
    CHECK_STATUS(cmd(c, "SET after 1"), "OK");
    CHECK_ARRAY(transaction(c, "SET t1 1; INCR t1; DEL big"), 3);
    /* the DELs of keys found expired but not named (SCAN, RANDOMKEY,
     * active expiry) stop at half the limit: the rest wait */
    CHECK_STATUS(cmd(c, "DEBUG SET-ACTIVE-EXPIRE 0"), "OK");
    for (int k = 0; k < 100; k++) CHECK_STATUS(cmd(c, "SET x%040d 1 PX 1", k), "OK");
    sleep_ms(20);
    CHECK_STATUS(cmd(c, "DEBUG SET-UNIT-MAX 4000"), "OK");
    long long exp0 = info_ll(c, "stats", "expired_keys");
    redisReply *sc = cmd(c, "SCAN 0 MATCH x* COUNT 1000");
    CHECK(sc && sc->type == REDIS_REPLY_ARRAY && sc->elements == 2 && sc->element[1]->elements == 0);
    if (sc) freeReplyObject(sc);
    long long exp1 = info_ll(c, "stats", "expired_keys");
    CHECK_MSG(exp1 > exp0 && exp1 - exp0 < 100, "SCAN deleted %lld expired keys in one unit", exp1 - exp0);
    /* in EXEC the room left is what the whole queue could not take: the
     * SET after the SCAN still fits the unit */
    char v2500[2501];
    memset(v2500, 'w', 2500);
    v2500[2500] = 0;
    CHECK_STATUS(cmd(c, "MULTI"), "OK");
    CHECK_STATUS(cmd(c, "SCAN 0 MATCH x* COUNT 1000"), "QUEUED");
    CHECK_STATUS(cmd(c, "SET w %s", v2500), "QUEUED");
    CHECK_ARRAY(cmd(c, "EXEC"), 2);
    CHECK_INT(cmd(c, "STRLEN w"), 2500);
    long long exp2 = info_ll(c, "stats", "expired_keys");
    /* each DEL of a 41-byte key takes 72 bytes of the unit */
    CHECK_MSG(exp2 > exp1 && (exp2 - exp1) * 72 + 2500 < 4000,
              "SCAN in EXEC deleted %lld expired keys, past the 4000-byte unit", exp2 - exp1);
    redisReply *r = cmd(c, "INFO persistence");
    CHECK(r && r->type == REDIS_REPLY_STRING && strstr(r->str, "wal_status:ok"));
    if (r) freeReplyObject(r);
    CHECK_STATUS(cmd(c, "DEBUG SET-UNIT-MAX 0"), "OK");
    CHECK_STATUS(cmd(c, "DEBUG SET-ACTIVE-EXPIRE 1"), "OK");
    CHECK_STATUS(cmd(c, "MULTI"), "OK");
    for (int k = 1; k <= 4; k++) CHECK_STATUS(cmd(c, "SET u%d %s", k, val), "QUEUED");
    CHECK_ARRAY(cmd(c, "EXEC"), 4);
    if (dump && dump->type == REDIS_REPLY_STRING)
        CHECK_STATUS(cmd(c, "RESTORE big2 0 %b", dump->str, dump->len), "OK");
    r = cmd(c, "INFO persistence");
    CHECK(r && r->type == REDIS_REPLY_STRING && strstr(r->str, "wal_status:ok"));
    if (r) freeReplyObject(r);
    redisFree(c);
    srv_kill(s);
    s = srv_start_in(d, no_args);
    c = srv_connect(s);
    CHECK_INT(cmd(c, "EXISTS u1 u2 u3 u4 after t1 big2"), 7);
    CHECK_INT(cmd(c, "EXISTS m1 m5 big"), 0);
    CHECK_INT(cmd(c, "STRLEN big2"), 2000000);
    CHECK_BULK(cmd(c, "GET t1"), "2");
    if (dump) freeReplyObject(dump);
    free(val);
    free(big);
    redisFree(c);
    srv_stop(s);
    drop_dir(d);
}

#define TX_KEYS 8

typedef struct txw {
    int port;
    long next;              /* the next transaction number */
    atomic_long acked;      /* transactions whose EXEC reply arrived */
    char err[300];
} txw;

/* Transactions n = next, next+1, ...: SET tx:n:0..7 and INCR txcount, in
 * pipelined groups of 4, until the connection breaks. */
static void *tx_writer(void *arg) {
    txw *w = arg;
    redisContext *c = redisConnect("127.0.0.1", w->port);
    if (!c || c->err) return NULL;
    char val[600];
    for (;;) {
        long n0 = w->next;
        for (long n = n0; n < n0 + 4; n++) {
            memset(val, 'a' + (int)(n % 26), sizeof(val) - 1);
            val[sizeof(val) - 1] = 0;
            redisAppendCommand(c, "MULTI");
            for (int k = 0; k < TX_KEYS; k++) redisAppendCommand(c, "SET tx:%ld:%d %s", n, k, val);
            redisAppendCommand(c, "INCR txcount");
            redisAppendCommand(c, "EXEC");
        }
        for (long n = n0; n < n0 + 4; n++) {
            for (int i = 0; i < TX_KEYS + 3; i++) {
                redisReply *r = NULL;
                if (redisGetReply(c, (void **)&r) != REDIS_OK) goto out;
                int last = i == TX_KEYS + 2;
                if (last && (r->type != REDIS_REPLY_ARRAY || r->elements != TX_KEYS + 1 ||
                             r->element[TX_KEYS]->integer != n + 1))
                    snprintf(w->err, sizeof(w->err), "EXEC %ld: %s", n, reply_str(r));
                freeReplyObject(r);
            }
            atomic_store(&w->acked, n + 1);
        }
        w->next = n0 + 4;
    }
out:
    redisFree(c);
    return NULL;
}

static void t_crash_atomic(void) {
    const char *d = new_dir();
    const char *args[] = {"--wal-segment-size", "16384", NULL};
    unsigned seed = (unsigned)time(NULL);
    printf("crash seed %u\n", seed);
    srand(seed);
    long committed = 0;
    for (int cycle = 0; cycle < 6; cycle++) {
        sb_server *s = srv_start_in(d, args);
        redisContext *c = srv_connect(s);
        redisReply *r = cmd(c, "GET txcount");
        long count = r && r->type == REDIS_REPLY_STRING ? atol(r->str) : 0;
        if (r) freeReplyObject(r);
        CHECK_MSG(count >= committed, "cycle %d: %ld transactions, %ld were acknowledged",
                  cycle, count, committed);
        /* all or nothing: exactly TX_KEYS keys per transaction, all there */
        r = cmd(c, "DBSIZE");
        CHECK_MSG(r && r->type == REDIS_REPLY_INTEGER && r->integer == count * TX_KEYS + (count > 0),
                  "cycle %d: %s keys for %ld transactions", cycle, reply_str(r), count);
        if (r) freeReplyObject(r);
        for (long n = 0; n < count; n += 1 + count / 40) {
            r = cmd(c, "EXISTS tx:%ld:0 tx:%ld:3 tx:%ld:7", n, n, n);
            CHECK_MSG(r && r->integer == 3, "cycle %d: transaction %ld incomplete", cycle, n);
            if (r) freeReplyObject(r);
        }
        r = cmd(c, "EXISTS tx:%ld:0 tx:%ld:7", count, count);
        CHECK_MSG(r && r->integer == 0, "cycle %d: a part of transaction %ld", cycle, count);
        if (r) freeReplyObject(r);
        redisFree(c);
        txw w = {.port = s->port, .next = count};
        atomic_init(&w.acked, count);
        pthread_t th;
        pthread_create(&th, NULL, tx_writer, &w);
        sleep_ms(50 + rand() % 400);
        srv_kill(s);
        pthread_join(th, NULL);
        CHECK_MSG(!w.err[0], "%s", w.err);
        committed = atomic_load(&w.acked);
    }
    CHECK_MSG(committed > 0, "no transaction was acknowledged");
    printf("%ld transactions acknowledged over 6 crashes\n", committed);
    drop_dir(d);
}

#define RUN(call) do { call; if (c->err) { fprintf(stderr, \
    "%s: connection error after %s: %s\n", __FILE__, #call, c->errstr); \
    tu_failures++; TU_DONE(); } } while (0)

int main(void) {
    sb_server *s = srv_start(NULL);
    redisContext *c = srv_connect(s);
    RUN(t_basic(c));
    RUN(t_errors(c));
    RUN(t_watch(s, c));
    RUN(t_watch_expiry(s, c));
    RUN(t_watch_rollback(s, c));
    RUN(t_reset_disconnect(s, c));
    RUN(t_pipeline(c));
    RUN(t_resp3(s));
    RUN(t_scripts(c));
    RUN(t_command_info(c));
    CHECK_STATUS(cmd(c, "PING"), "PONG");
    redisFree(c);
    srv_stop(s);
    t_one_unit();
    t_torn_exec();
    t_wal_failure();
    t_unit_limit();
    t_crash_atomic();
    TU_DONE();
}
