/* test_script.c -- Lua functions and scripts against a real server:
 *
 *   api          FUNCTION LOAD/LIST/DELETE/FLUSH/DUMP/RESTORE/STATS, FCALL,
 *                FCALL_RO, EVAL, EVALSHA, EVAL_RO, SCRIPT LOAD/EXISTS/FLUSH,
 *                Lua <-> RESP conversions and Redis 7.0's error texts
 *                (checked against redis-server 7.0.15)
 *   compat       where a differential run against redis-server 7.0.15
 *                found strongbox different: pcall of redis.call,
 *                error_reply, case-insensitive function names, argument
 *                checks in Redis's order, error texts
 *   rollback     a function that writes then fails, one killed in an
 *                endless loop (others get -BUSY meanwhile), one past
 *                lua-memory-limit: nothing changed, nothing logged, also
 *                after a SIGKILL and restart
 *   determinism  TIME and math.random inside a function replay to the same
 *                values; a library file changed after a crash does not
 *                change the replay (the logged version runs); a function
 *                that is not deterministic stops recovery, named
 *   sandbox      escapes (io, os, require, loadfile, binary chunks,
 *                string.dump, globals, library tables, metatables) fail
 *   durable      libraries and scripts survive checkpoints, DEBUG RELOAD
 *                and restarts without WAL; a rolled-back script's lazy
 *                expiry is rolled back too, so replay stays deterministic
 *   inline       FCALL and EVALSHA run on the I/O thread while the engine
 *                thread idles; one that cannot finish there (its deadline,
 *                a slow command, redis.log) moves to the engine thread
 *                and runs once: one reply, one log line, one WAL record,
 *                each client's order kept
 */
#include "harness.h"
#include "testfs.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define EXPECT(cond, ...) do { if (!(cond)) { fprintf(stderr, "%s:%d: ", __FILE__, __LINE__); \
    fprintf(stderr, __VA_ARGS__); fputc('\n', stderr); tu_failures++; } } while (0)

/* An INFO field as a number (-1 if missing). */
static long long info_num(redisContext *c, const char *name) {
    redisReply *r = cmd(c, "INFO");
    long long v = -1;
    size_t nl = strlen(name);
    for (char *p = r && r->type == REDIS_REPLY_STRING ? r->str : NULL; p && *p;
         p = strchr(p, '\n') ? strchr(p, '\n') + 1 : NULL)
        if (!strncmp(p, name, nl) && p[nl] == ':') {
            v = atoll(p + nl + 1);
            break;
        }
    if (r) freeReplyObject(r);
    return v;
}


static const char *LIB =
    "#!lua name=t\n"
    "redis.register_function('f', function(keys, args) return redis.call('nosuch') end)\n"
    "redis.register_function('g', function(keys, args) error('boom') end)\n"
    "redis.register_function('h', function(keys, args) return x.y end)\n"
    "redis.register_function('w', function(keys, args) redis.call('set', keys[1], 'v'); return redis.call('incr', keys[1]) end)\n"
    "redis.register_function{function_name='ro', callback=function(keys, args) return redis.call('set','a','b') end, flags={'no-writes'}}\n"
    "redis.register_function('e', function(keys, args) return redis.error_reply('MY err') end)\n"
    "redis.register_function('tbl', function(keys, args) return {1, 2.7, 'x', false, true, {ok='fine'}, nil, 5} end)\n"
    "redis.register_function('gl', function(keys, args) y = 1 end)\n"
    "redis.register_function('echo', function(keys, args) return {keys[1], args[1], #keys, #args} end)\n";

static void t_api(redisContext *c) {
    CHECK_BULK(cmd(c, "FUNCTION LOAD %s", LIB), "t");
    CHECK_ERROR(cmd(c, "FUNCTION LOAD %s", LIB), "ERR Library 't' already exists");
    CHECK_BULK(cmd(c, "FUNCTION LOAD REPLACE %s", LIB), "t");
    CHECK_ERROR(cmd(c, "FUNCTION LOAD %s", "no shebang"), "ERR Missing library metadata");
    CHECK_ERROR(cmd(c, "FUNCTION LOAD %s", "#!lua name=u\nreturn 1"), "ERR No functions registered");
    CHECK_ERROR(cmd(c, "FUNCTION LOAD %s", "#!lua\nx"), "ERR Library name was not given");
    CHECK_ERROR(cmd(c, "FUNCTION LOAD %s", "#!lua name=u foo=bar\nx"),
                "ERR Invalid metadata value given: foo=bar");
    CHECK_ERROR(cmd(c, "FUNCTION LOAD %s", "#!lua name=u\nredis.register_function('f', function() end)"),
                "ERR Function f already exists");

    CHECK_ERROR(cmd(c, "FCALL f 0"),
                "ERR Unknown Redis command called from script script: f, on @user_function:2.");
    CHECK_ERROR(cmd(c, "FCALL g 0"), "ERR user_function:3: boom script: g, on @user_function:3.");
    CHECK_ERROR(cmd(c, "FCALL h 0"), "ERR user_function:4: Script attempted to access nonexistent "
                "global variable 'x' script: h, on @user_function:4.");
    CHECK_ERROR(cmd(c, "FCALL ro 0"), "ERR Write commands are not allowed from read-only scripts. "
                "script: ro, on @user_function:6.");
    CHECK_ERROR(cmd(c, "FCALL e 0"), "MY err");
    CHECK_ERROR(cmd(c, "FCALL gl 0"), "ERR user_function:9: Attempt to modify a readonly table "
                "script: gl, on @user_function:9.");
    CHECK_ERROR(cmd(c, "FCALL nosuch 0"), "ERR Function not found");
    CHECK_ERROR(cmd(c, "FCALL f 5 a"), "ERR Number of keys can't be greater than number of args");
    CHECK_ERROR(cmd(c, "FCALL f -1"), "ERR Number of keys can't be negative");
    CHECK_ERROR(cmd(c, "FCALL f abc"), "ERR Bad number of keys provided");
    CHECK_ERROR(cmd(c, "FCALL_RO w 1 k"),
                "ERR Can not execute a script with write flag using *_ro command.");

    redisReply *r = cmd(c, "FCALL tbl 0"); /* stops at the first nil; floats truncate */
    EXPECT(r && r->type == REDIS_REPLY_ARRAY && r->elements == 6 &&
           r->element[0]->integer == 1 && r->element[1]->integer == 2 &&
           !strcmp(r->element[2]->str, "x") && r->element[3]->type == REDIS_REPLY_NIL &&
           r->element[4]->integer == 1 && r->element[5]->type == REDIS_REPLY_STATUS,
           "FCALL tbl: %s", reply_str(r));
    if (r) freeReplyObject(r);
    r = cmd(c, "FCALL echo 1 k1 a1");
    EXPECT(r && r->type == REDIS_REPLY_ARRAY && r->elements == 4 && !strcmp(r->element[0]->str, "k1") &&
           !strcmp(r->element[1]->str, "a1") && r->element[2]->integer == 1 &&
           r->element[3]->integer == 1, "FCALL echo: %s", reply_str(r));
    if (r) freeReplyObject(r);

    /* FUNCTION LIST, filtered, with code */
    r = cmd(c, "FUNCTION LIST LIBRARYNAME t* WITHCODE");
    EXPECT(r && r->type == REDIS_REPLY_ARRAY && r->elements == 1 && r->element[0]->elements == 8 &&
           !strcmp(r->element[0]->element[1]->str, "t") &&
           !strcmp(r->element[0]->element[7]->str, LIB), "FUNCTION LIST: %s", reply_str(r));
    if (r) freeReplyObject(r);
    r = cmd(c, "FUNCTION LIST LIBRARYNAME zz*");
    EXPECT(r && r->type == REDIS_REPLY_ARRAY && r->elements == 0, "LIST zz*: %s", reply_str(r));
    if (r) freeReplyObject(r);

    /* DUMP / RESTORE */
    r = cmd(c, "FUNCTION DUMP");
    EXPECT(r && r->type == REDIS_REPLY_STRING, "FUNCTION DUMP: %s", reply_str(r));
    CHECK_ERROR(cmd(c, "FUNCTION RESTORE %b", r->str, r->len), "ERR Library 't' already exists");
    CHECK_STATUS(cmd(c, "FUNCTION FLUSH"), "OK");
    CHECK_ERROR(cmd(c, "FCALL e 0"), "ERR Function not found");
    CHECK_STATUS(cmd(c, "FUNCTION RESTORE %b", r->str, r->len), "OK");
    CHECK_ERROR(cmd(c, "FCALL e 0"), "MY err");
    CHECK_STATUS(cmd(c, "FUNCTION RESTORE %b REPLACE", r->str, r->len), "OK");
    r->str[r->len / 2] ^= 1;
    CHECK_ERROR(cmd(c, "FUNCTION RESTORE %b FLUSH", r->str, r->len),
                "ERR DUMP payload version or checksum are wrong");
    freeReplyObject(r);
    EXPECT(info_num(c, "number_of_libraries") == 1 && info_num(c, "number_of_functions") == 9 &&
           info_num(c, "used_memory_lua") > 0, "INFO memory scripting fields");
    /* RESTORE is all or nothing: a second library that does not compile
     * leaves the first one out and the existing ones as they were */
    {
        static const char *codes[] = {
            "#!lua name=okk\nredis.register_function('okf', function() return 1 end)",
            "#!lua name=bad\nredis.register_function('badf', function() return ( end)"};
        unsigned char pay[512];
        size_t n = 0;
        memcpy(pay, "SBFN\x01\x00", 6);
        put32(pay + 6, 2);
        n = 10;
        for (int i = 0; i < 2; i++) {
            size_t l = strlen(codes[i]);
            put32(pay + n, (uint32_t)l);
            memcpy(pay + n + 4, codes[i], l);
            n += 4 + l;
        }
        put32(pay + n, crc32c(pay, n));
        n += 4;
        long long lsn = info_num(c, "wal_lsn");
        CHECK_ERR_PREFIX(cmd(c, "FUNCTION RESTORE %b", pay, n), "ERR Error compiling function");
        CHECK_ERR_PREFIX(cmd(c, "FUNCTION RESTORE %b FLUSH", pay, n), "ERR Error compiling function");
        CHECK_ERROR(cmd(c, "FCALL okf 0"), "ERR Function not found");
        CHECK_ERROR(cmd(c, "FCALL e 0"), "MY err"); /* t is still there */
        CHECK_EQ_INT(info_num(c, "wal_lsn"), lsn);  /* and nothing was logged */
    }
    CHECK_STATUS(cmd(c, "FUNCTION DELETE t"), "OK");
    CHECK_ERROR(cmd(c, "FUNCTION DELETE t"), "ERR Library not found");

    /* EVAL and the script cache */
    CHECK_INT(cmd(c, "EVAL %s 0", "return 3.9"), 3);
    CHECK_NIL(cmd(c, "EVAL %s 0", "return false"));
    CHECK_STATUS(cmd(c, "EVAL %s 0", "return redis.status_reply('FINE')"), "FINE");
    CHECK_ERROR(cmd(c, "EVAL %s 0", "return {err='x'}"), "x");
    CHECK_ERROR(cmd(c, "EVAL %s 0", "return redis.pcall('nosuch')"),
                "ERR Unknown Redis command called from script");
    CHECK_ERROR(cmd(c, "EVAL %s 0", "return redis.call('get', {})"),
                "ERR Lua redis lib command arguments must be strings or integers script: "
                "4368e88f98d93af9caf358186e5fbf273374ee91, on @user_script:1.");
    CHECK_ERROR(cmd(c, "EVAL %s 0", "return redis.call('eval', 'return 1', 0)"),
                "ERR This Redis command is not allowed from script script: "
                "310efa61ec0f2edf6c2e5b4007966dd555e75546, on @user_script:1.");
    CHECK_ERROR(cmd(c, "EVAL %s 0", "return redis.call('get', 'a', 'b')"),
                "ERR Wrong number of args calling Redis command from script script: "
                "83fb1f3d3ef84eb4eebaa00386befdba32e9f237, on @user_script:1.");
    CHECK_ERROR(cmd(c, "EVAL %s -1", "return 1"), "ERR Number of keys can't be negative");
    CHECK_ERROR(cmd(c, "EVAL %s x", "return 1"), "ERR value is not an integer or out of range");
    CHECK_ERR_PREFIX(cmd(c, "EVAL %s 0", "return ("),
                     "ERR Error compiling script (new function): user_script:1:");
    CHECK_BULK(cmd(c, "EVAL %s 0", "return redis.sha1hex('')"),
               "da39a3ee5e6b4b0d3255bfef95601890afd80709");
    CHECK_BULK(cmd(c, "EVAL %s 0", "return cjson.encode({1,2})"), "[1,2]");
    CHECK_INT(cmd(c, "EVAL %s 0", "return bit.band(0xff, 0x0f) + bit.bnot(0)"), 14);
    CHECK_BULK(cmd(c, "EVAL %s 0", "return struct.pack('>I2', 258)"), "\x01\x02");
    CHECK_INT(cmd(c, "EVAL %s 0", "return select('#', unpack({1, 2, 3}))"), 3);
    CHECK_BULK(cmd(c, "EVAL %s 0", "return redis.REDIS_VERSION"), "7.0.15");
    CHECK_BULK(cmd(c, "SCRIPT LOAD %s", "return 1"), "e0e1f9fabfc9d4800c877a703b823ac0578ff8db");
    CHECK_INT(cmd(c, "EVALSHA e0e1f9fabfc9d4800c877a703b823ac0578ff8db 0"), 1);
    CHECK_INT(cmd(c, "EVALSHA E0E1F9FABFC9D4800C877A703B823AC0578FF8DB 0"), 1);
    r = cmd(c, "SCRIPT EXISTS e0e1f9fabfc9d4800c877a703b823ac0578ff8db ffff");
    EXPECT(r && r->type == REDIS_REPLY_ARRAY && r->elements == 2 && r->element[0]->integer == 1 &&
           r->element[1]->integer == 0, "SCRIPT EXISTS: %s", reply_str(r));
    if (r) freeReplyObject(r);
    CHECK_STATUS(cmd(c, "SCRIPT FLUSH"), "OK");
    CHECK_ERROR(cmd(c, "EVALSHA e0e1f9fabfc9d4800c877a703b823ac0578ff8db 0"),
                "NOSCRIPT No matching script. Please use EVAL.");
    CHECK_ERROR(cmd(c, "EVAL_RO %s 0", "return redis.call('set','a','b')"),
                "ERR Write commands are not allowed from read-only scripts. script: "
                "ff967d0ae0e68b4f9e360fa91c54598bc25ad9b6, on @user_script:1.");
    CHECK_NIL(cmd(c, "EVAL_RO %s 0", "return redis.call('get','nokey')"));
    /* EVAL's "#!lua flags=..." first line */
    CHECK_INT(cmd(c, "EVAL %s 0", "#!lua flags=no-writes\nreturn 1"), 1);
    CHECK_ERROR(cmd(c, "EVAL %s 0", "#!python\nreturn 1"),
                "ERR Unexpected engine in script shebang: #!python");
    CHECK_ERROR(cmd(c, "EVAL %s 0", "#!lua foo=bar\nreturn 1"), "ERR Unknown lua shebang option: foo=bar");
    CHECK_ERROR(cmd(c, "EVAL %s 0", "#!lua flags=bogus\nreturn 1"),
                "ERR Unexpected flag in script shebang: bogus");
    CHECK_ERROR(cmd(c, "EVAL %s 0", "#!lua flags=no-writes\nreturn x"),
                "ERR user_script:2: Script attempted to access nonexistent global variable 'x' "
                "script: 4d98716cdd1286c5333781741c73d0feb4d4bfa6, on @user_script:2.");
    CHECK_ERROR(cmd(c, "EVAL_RO %s 0", "#!lua\nreturn redis.call('set','a','b')"),
                "ERR Can not execute a script with write flag using *_ro command.");
    CHECK_ERROR(cmd(c, "SCRIPT KILL"), "NOTBUSY No scripts in execution right now.");
    CHECK_ERROR(cmd(c, "FUNCTION KILL"), "NOTBUSY No scripts in execution right now.");
    /* a script that SELECTs does not move its caller */
    CHECK_STATUS(cmd(c, "EVAL %s 0", "redis.call('select', 3); return redis.call('set', 'in3', 1)"), "OK");
    CHECK_NIL(cmd(c, "GET in3"));
    CHECK_STATUS(cmd(c, "SELECT 3"), "OK");
    CHECK_BULK(cmd(c, "GET in3"), "1");
    CHECK_STATUS(cmd(c, "SELECT 0"), "OK");
    /* RESP3 from redis.setresp(3) and to a HELLO 3 client */
    CHECK_INT(cmd(c, "EVAL %s 0", "redis.setresp(3); local t = redis.call('exists', 'x'); return t + 1"), 1);
}

/* Redis 7.0.15's answers where strongbox once differed (found by a
 * differential run against redis-server 7.0.15). */
static void t_compat(redisContext *c) {
    /* the global pcall catches redis.call's error as its text */
    CHECK_BULK(cmd(c, "EVAL %s 0", "local ok, e = pcall(redis.call, 'NOSUCH') return type(e)"),
               "string");
    CHECK_BULK(cmd(c, "EVAL %s 0", "local ok, e = pcall(redis.call, 'GET') return e"),
               "ERR Wrong number of args calling Redis command from script");
    CHECK_ERROR(cmd(c, "EVAL %s 0", "local ok, e = pcall(redis.call, 'GET') return redis.error_reply(e)"),
                "ERR Wrong number of args calling Redis command from script");
    CHECK_ERROR(cmd(c, "EVAL %s 0", "local ok, e = pcall(redis.call, 'GET') error(e)"),
                "ERR user_script:1: ERR Wrong number of args calling Redis command from script "
                "script: 222a3aea0f0ae3160b8633c6f08f347d219e0090, on @user_script:1.");
    CHECK_BULK(cmd(c, "EVAL %s 0", "local ok, e = pcall(error, {err='x'}) return e"), "x");
    CHECK_BULK(cmd(c, "EVAL %s 0", "local ok, e = pcall(error, 'y') return e"), "y");
    CHECK_INT(cmd(c, "EVAL %s 0", "local ok, a, b = pcall(function() return 1, 2 end) return a + b"), 3);
    CHECK_BULK(cmd(c, "EVAL %s 0", "return type(({pcall(redis.pcall, 'NOSUCH')})[2])"), "table");
    /* redis.pcall returns its early errors too */
    CHECK_ERROR(cmd(c, "EVAL %s 0", "return redis.pcall()"),
                "ERR Please specify at least one argument for this redis lib call");
    CHECK_ERROR(cmd(c, "EVAL %s 0", "return redis.pcall('get', {})"),
                "ERR Lua redis lib command arguments must be strings or integers");
    /* error_reply makes "CODE message"; status_reply and error_reply take
     * one string only */
    CHECK_ERROR(cmd(c, "EVAL %s 0", "return redis.error_reply('bad')"), "ERR bad");
    CHECK_ERROR(cmd(c, "EVAL %s 0", "return redis.error_reply('-bad')"), "ERR bad");
    CHECK_ERROR(cmd(c, "EVAL %s 0", "return redis.error_reply('')"), "ERR ");
    CHECK_ERROR(cmd(c, "EVAL %s 0", "return redis.error_reply('-ERR lead')"), "ERR lead");
    CHECK_ERROR(cmd(c, "EVAL %s 0", "return redis.error_reply('-My Error')"), "My Error");
    CHECK_ERROR(cmd(c, "EVAL %s 0", "return redis.error_reply('MY err\\r\\n')"), "MY err");
    CHECK_ERROR(cmd(c, "EVAL %s 0", "return redis.error_reply(1)"),
                "ERR wrong number or type of arguments");
    CHECK_ERROR(cmd(c, "EVAL %s 0", "return redis.status_reply(5)"),
                "ERR wrong number or type of arguments");
    CHECK_ERROR(cmd(c, "EVAL %s 0", "return {err='bad'}"), "bad"); /* a raw table: as given */
    CHECK_ERR_PREFIX(cmd(c, "EVAL %s 0", "return redis.sha1hex()"),
                     "ERR wrong number of arguments script:");
    CHECK_ERR_PREFIX(cmd(c, "EVAL %s 0", "print('x')"),
                     "ERR user_script:1: Script attempted to access nonexistent global variable 'print'");
    /* function names are case-insensitive for FCALL (the exact name
     * first), library names are not */
    CHECK_BULK(cmd(c, "FUNCTION LOAD %s", "#!lua name=MyLib\n"
                   "redis.register_function('MyFunc', function() return 7 end)"), "MyLib");
    CHECK_INT(cmd(c, "FCALL myfunc 0"), 7);
    CHECK_INT(cmd(c, "FCALL MYFUNC 0"), 7);
    CHECK_ERROR(cmd(c, "FCALL_RO myFunc 0"),
                "ERR Can not execute a script with write flag using *_ro command.");
    /* names that differ only in case load (Redis refuses them across
     * libraries, but libraries that older builds took must still load from
     * checkpoints); FCALL then takes the exact one */
    CHECK_BULK(cmd(c, "FUNCTION LOAD %s", "#!lua name=other\n"
                   "redis.register_function('myfunc', function() return 8 end)"), "other");
    CHECK_INT(cmd(c, "FCALL myfunc 0"), 8);
    CHECK_INT(cmd(c, "FCALL MyFunc 0"), 7);
    CHECK_STATUS(cmd(c, "FUNCTION DELETE other"), "OK");
    CHECK_INT(cmd(c, "FCALL myfunc 0"), 7);
    CHECK_BULK(cmd(c, "FUNCTION LOAD %s", "#!lua name=dup\n"
                   "redis.register_function('h', function() return 1 end)\n"
                   "redis.register_function('H', function() return 2 end)"), "dup");
    CHECK_INT(cmd(c, "FCALL H 0"), 2);
    CHECK_STATUS(cmd(c, "FUNCTION DELETE dup"), "OK");
    CHECK_ERROR(cmd(c, "FUNCTION LOAD %s", "#!lua name=dup\n"
                    "redis.register_function('h', function() return 1 end)\n"
                    "redis.register_function('h', function() return 1 end)"),
                "ERR Error registering functions: ERR Function already exists in the library");
    CHECK_ERROR(cmd(c, "FUNCTION LOAD %s", "#!lua name=flag\nredis.register_function{"
                    "function_name='h', callback=function() return 1 end, flags={'bogus'}}"),
                "ERR Error registering functions: ERR unknown flag given");
    CHECK_ERROR(cmd(c, "FUNCTION LOAD %s", "#!lua name=err\nerror('oops')"),
                "ERR Error registering functions: ERR user_function:2: oops");
    /* print in a library's load-time code does nothing (older builds had
     * print, and checkpoints load their libraries again); in a call it is
     * gone */
    CHECK_BULK(cmd(c, "FUNCTION LOAD %s", "#!lua name=pr\nprint('loading')\n"
                   "redis.register_function('pr', function() print('x') end)"), "pr");
    CHECK_ERR_PREFIX(cmd(c, "FCALL pr 0"),
                     "ERR user_function:3: Script attempted to access nonexistent global variable 'print'");
    CHECK_STATUS(cmd(c, "FUNCTION DELETE pr"), "OK");
    CHECK_ERROR(cmd(c, "FUNCTION LOAD %s", "#!lua name=err\nlocal a = nil + 1"),
                "ERR Error registering functions: ERR user_function:2: attempt to perform "
                "arithmetic on a nil value");
    CHECK_ERROR(cmd(c, "FUNCTION LOAD %s", "#!lua name=err\nredis.register_function()"),
                "ERR Error registering functions: ERR wrong number of arguments to "
                "redis.register_function");
    CHECK_ERROR(cmd(c, "FUNCTION LOAD %s", "#!lua name=err\nredis.register_function('a', 1)"),
                "ERR Error registering functions: ERR second argument to "
                "redis.register_function must be a function");
    CHECK_INT(cmd(c, "EVAL %s 0", "local ok, e = pcall(error, {err=5}) return e"), 5);
    redisReply *r = cmd(c, "FUNCTION LIST LIBRARYNAME mylib");
    EXPECT(r && r->type == REDIS_REPLY_ARRAY && r->elements == 1, "LIST mylib: %s", reply_str(r));
    if (r) freeReplyObject(r);
    CHECK_ERROR(cmd(c, "FUNCTION LIST LIBRARYNAME"), "ERR library name argument was not given");
    CHECK_ERROR(cmd(c, "FUNCTION LIST WITHCODE WITHCODE"), "ERR Unknown argument WITHCODE");
    CHECK_STATUS(cmd(c, "FUNCTION DELETE MyLib"), "OK");
    /* argument checks in Redis's order */
    CHECK_ERROR(cmd(c, "FCALL nosuch -1"), "ERR Function not found");
    CHECK_ERROR(cmd(c, "EVAL %s -9223372036854775808", "return 1"),
                "ERR Number of keys can't be negative");
    CHECK_ERROR(cmd(c, "EVAL %s 9223372036854775807", "return 1"),
                "ERR Number of keys can't be greater than number of args");
    CHECK_ERROR(cmd(c, "SELECT 2147483648"),
                "ERR value is out of range, value must between -2147483648 and 2147483647");
    CHECK_ERROR(cmd(c, "SELECT 16"), "ERR DB index is out of range");
    CHECK_ERROR(cmd(c, "SCRIPT FLUSH FOO"), "ERR SCRIPT FLUSH only support SYNC|ASYNC option");
    CHECK_ERROR(cmd(c, "SCRIPT FLUSH SYNC ASYNC"), "ERR SCRIPT FLUSH only support SYNC|ASYNC option");
    CHECK_ERROR(cmd(c, "FUNCTION FLUSH FOO"), "ERR FUNCTION FLUSH only supports SYNC|ASYNC option");
    CHECK_ERROR(cmd(c, "FUNCTION FLUSH SYNC ASYNC"),
                "ERR unknown subcommand or wrong number of arguments for 'FLUSH'. Try FUNCTION HELP.");
}

/* ------------------------------------------------------------ rollback */

static const char *RB_LIB =
    "#!lua name=rb\n"
    "redis.register_function('three_then_fail', function(keys, args)\n"
    "  redis.call('set', keys[1], 'changed'); redis.call('del', keys[2]);\n"
    "  redis.call('incrby', keys[3], 5); redis.call('expire', keys[1], 100);\n"
    "  error('after three writes') end)\n"
    "redis.register_function('spin', function(keys, args)\n"
    "  redis.call('set', keys[1], 'spinning'); while true do end end)\n"
    "redis.register_function('bomb', function(keys, args)\n"
    "  redis.call('append', keys[1], 'more'); local t = {}\n"
    "  for i = 1, 1e8 do t[i] = string.rep('x', 100) .. i end end)\n"
    "redis.register_function('ok_write', function(keys, args) return redis.call('incr', keys[1]) end)\n";

static void check_untouched(redisContext *c) {
    CHECK_BULK(cmd(c, "GET a"), "orig-a");
    CHECK_BULK(cmd(c, "GET b"), "orig-b");
    CHECK_BULK(cmd(c, "GET n"), "10");
    CHECK_INT(cmd(c, "TTL a"), -1);
}

static void t_rollback(void) {
    const char *d = new_dir();
    const char *args[] = {"--busy-reply-threshold", "200", "--lua-memory-limit", "32mb", NULL};
    sb_server *s = srv_start_in(d, args);
    redisContext *c = srv_connect(s), *c2 = srv_connect(s);
    CHECK_BULK(cmd(c, "FUNCTION LOAD %s", RB_LIB), "rb");
    CHECK_STATUS(cmd(c, "MSET a orig-a b orig-b n 10"), "OK");
    long long lsn0 = info_num(c, "wal_lsn");

    CHECK_ERR_PREFIX(cmd(c, "FCALL three_then_fail 3 a b n"), "ERR user_function:5: after three writes");
    check_untouched(c);
    CHECK_EQ_INT(info_num(c, "wal_lsn"), lsn0); /* nothing logged */

    /* an endless loop: others get -BUSY, FUNCTION KILL rolls it back */
    redisAppendCommand(c, "FCALL spin 1 a");
    int done = 0;
    redisBufferWrite(c, &done);
    usleep(400 * 1000);
    /* its own next command, sent while it spins, waits for it, and does
     * not hold up the other clients' commands behind it */
    redisAppendCommand(c, "GET a");
    redisBufferWrite(c, &done);
    usleep(100 * 1000);
    CHECK_ERR_PREFIX(cmd(c2, "GET a"), "BUSY Redis is busy running a script. You can only call "
                                      "FUNCTION KILL or SHUTDOWN NOSAVE.");
    CHECK_ERR_PREFIX(cmd(c2, "SCRIPT KILL"), "BUSY");
    redisReply *r = cmd(c2, "FUNCTION STATS");
    EXPECT(r && r->type == REDIS_REPLY_ARRAY && r->elements == 4 &&
           r->element[1]->type == REDIS_REPLY_ARRAY, "FUNCTION STATS while busy: %s", reply_str(r));
    if (r) freeReplyObject(r);
    CHECK_STATUS(cmd(c2, "FUNCTION KILL"), "OK");
    void *rv = NULL;
    redisGetReply(c, &rv);
    CHECK_ERR_PREFIX(rv, "ERR Script killed by user with FUNCTION KILL...");
    rv = NULL;
    redisGetReply(c, &rv);
    CHECK_BULK(rv, "orig-a"); /* in order, and rolled back */
    check_untouched(c2);

    /* a memory bomb stops at lua-memory-limit and is rolled back */
    CHECK_ERR_PREFIX(cmd(c, "FCALL bomb 1 a"), "ERR script exceeded lua-memory-limit");
    check_untouched(c);
    CHECK_EQ_INT(info_num(c, "wal_lsn"), lsn0);
    CHECK_INT(cmd(c, "FCALL ok_write 1 n"), 11); /* and the next call works */
    CHECK_EQ_INT(info_num(c, "wal_lsn"), lsn0 + 1);
    CHECK_STATUS(cmd(c, "SET n 10"), "OK");
    redisFree(c);
    redisFree(c2);

    /* nothing of it comes back after a crash */
    srv_kill(s);
    s = srv_start_in(d, args);
    c = srv_connect(s);
    check_untouched(c);
    CHECK_INT(cmd(c, "FCALL ok_write 1 n"), 11);
    redisFree(c);
    srv_stop(s);
    drop_dir(d);
}

/* --------------------------------------------------------- determinism */

static void write_lib(const char *dir, const char *body) {
    char path[600];
    snprintf(path, sizeof(path), "%s/det.lua", dir);
    write_file(path, body, strlen(body));
}

static const char *DET_V1 =
    "#!lua name=det\n"
    "redis.register_function('stamp', function(keys, args)\n"
    "  local t = redis.call('TIME')\n"
    "  redis.call('set', keys[1], t[1] .. '.' .. t[2] .. ':' .. math.random(1000000000) .. ':' .. math.random())\n"
    "  redis.call('set', keys[2], 'v1')\n"
    "  return 1 end)\n"
    "local peeks = 0\n"
    "redis.register_function{function_name='peek', flags={'no-writes'},\n"
    "  callback=function() peeks = peeks + 1; return peeks end}\n"
    "redis.register_function('chaos', function(keys, args)\n"
    "  redis.call('set', keys[1], 'peeks:' .. peeks)\n"
    "  return 1 end)\n";

static const char *DET_V2 =
    "#!lua name=det\n"
    "redis.register_function('stamp', function(keys, args)\n"
    "  redis.call('set', keys[1], 'other')\n"
    "  redis.call('set', keys[2], 'v2')\n"
    "  return 2 end)\n"
    "redis.register_function('chaos', function(keys, args) return 0 end)\n";

static void t_determinism(void) {
    const char *d = new_dir();
    const char *fdir = new_dir();
    write_lib(fdir, DET_V1);
    const char *args[] = {"--functions-dir", fdir, NULL};
    sb_server *s = srv_start_in(d, args);
    redisContext *c = srv_connect(s);
    CHECK_EQ_INT(log_has(d, "Loaded function library file", "det.lua", NULL), 1);
    for (int i = 0; i < 20; i++) CHECK_INT(cmd(c, "FCALL stamp 2 s:%d ver:%d", i, i), 1);
    char before[20][128];
    for (int i = 0; i < 20; i++) {
        redisReply *r = cmd(c, "GET s:%d", i);
        snprintf(before[i], sizeof(before[i]), "%s", r && r->str ? r->str : "?");
        if (r) freeReplyObject(r);
    }
    EXPECT(strcmp(before[0], before[1]) != 0, "two calls drew the same numbers: %s", before[0]);
    redisFree(c);
    srv_kill(s);

    /* the file changes while the server is down: replay still runs v1 */
    write_lib(fdir, DET_V2);
    s = srv_start_in(d, args);
    c = srv_connect(s);
    for (int i = 0; i < 20; i++) {
        CHECK_BULK(cmd(c, "GET s:%d", i), before[i]);
        CHECK_BULK(cmd(c, "GET ver:%d", i), "v1");
    }
    CHECK_EQ_INT(log_has(d, "differs from the live library", NULL), 1);
    CHECK_INT(cmd(c, "FCALL stamp 2 s:new ver:new"), 2); /* v2 is live now */
    redisFree(c);
    srv_kill(s);
    s = srv_start_in(d, args); /* v1 calls, the v2 load, a v2 call: all replay */
    c = srv_connect(s);
    CHECK_BULK(cmd(c, "GET s:3"), before[3]);
    CHECK_BULK(cmd(c, "GET ver:new"), "v2");
    redisFree(c);
    srv_kill(s);

    /* a function whose effects differ on replay stops recovery, named */
    write_lib(fdir, DET_V1);
    s = srv_start_in(d, args);
    c = srv_connect(s);
    /* state the log does not have: an unlogged read-only call counts in a
     * library upvalue (tostring({}) is not enough: a table's address can
     * come out the same on replay) */
    CHECK_INT(cmd(c, "FCALL_RO peek 0"), 1);
    CHECK_INT(cmd(c, "FCALL chaos 1 addr"), 1);
    redisFree(c);
    srv_kill(s);
    int status = 0;
    sb_server *bad = srv_try_start_in(d, args, &status);
    EXPECT(bad == NULL && status != 0, "a non-deterministic function replayed silently");
    if (bad) srv_kill(bad);
    EXPECT(log_has(d, "FCALL chaos", "not deterministic", NULL),
           "the log does not name the non-deterministic function");
    drop_dir(d);
    drop_dir(fdir);
}

/* ------------------------------------------------------------- sandbox */

static void t_sandbox(redisContext *c) {
    static const char *escapes[] = {
        "return os.execute('true')",
        "return io.open('/etc/passwd')",
        "return require('os')",
        "return loadfile('/etc/passwd')",
        "return dofile('/etc/passwd')",
        "return debug.getinfo(1)",
        "return string.dump(function() end)",
        "return load(string.char(27) .. 'Lua')()",
        "return loadstring(string.char(27, 76, 117, 97, 84, 0))()",
        "setmetatable(_G, nil)",
        "rawset(_G, 'x', 1)",
        "_G.x = 1",
        "x = 1",
        "redis.call = nil",
        "string.rep = nil",
        "getmetatable('').__index = {}",
        "cjson.encode = nil",
        "return collectgarbage('count')",
        "return package.loaded",
        "return newproxy",
    };
    for (size_t i = 0; i < sizeof(escapes) / sizeof(escapes[0]); i++) {
        redisReply *r = cmd(c, "EVAL %s 0", escapes[i]);
        EXPECT(r && (r->type == REDIS_REPLY_ERROR || r->type == REDIS_REPLY_NIL),
               "escape '%s' got %s", escapes[i], reply_str(r));
        if (r) freeReplyObject(r);
    }
    /* and nothing of it stuck: the next script has an intact sandbox */
    CHECK_BULK(cmd(c, "EVAL %s 0", "return string.rep('ab', 2)"), "abab");
    CHECK_STATUS(cmd(c, "EVAL %s 0", "return redis.call('set', 'sandbox', 'ok')"), "OK");
    CHECK_ERROR(cmd(c, "EVAL %s 0", "return x"),
                "ERR user_script:1: Script attempted to access nonexistent global variable 'x' "
                "script: 03c387736bb5cc009ff35151572cee04677aa374, on @user_script:1.");
    CHECK_INT(cmd(c, "EVAL %s 0", "return type(os.clock()) == 'number' and 1 or 0"), 1);
    /* a script's KEYS and ARGV are its own: neither a library's loading
     * code nor a function that runs after it sees them */
    CHECK_BULK(cmd(c, "EVAL %s 1 k a", "return KEYS[1] .. ARGV[1]"), "ka");
    CHECK_BULK(cmd(c, "FUNCTION LOAD %s",
                   "#!lua name=seekeys\n"
                   "local at_load = pcall(function() return KEYS end)\n"
                   "redis.register_function('seekeys', function()\n"
                   "  return (at_load and 'load:yes' or 'load:no') ..\n"
                   "    (pcall(function() return ARGV end) and ' call:yes' or ' call:no') end)\n"),
               "seekeys");
    CHECK_BULK(cmd(c, "EVAL %s 1 k a", "return KEYS[1] .. ARGV[1]"), "ka");
    CHECK_BULK(cmd(c, "FCALL seekeys 0"), "load:no call:no");
    CHECK_STATUS(cmd(c, "FUNCTION DELETE seekeys"), "OK");
}

/* ------------------------------------------------------------- durable */

static void t_durable(void) {
    const char *d = new_dir();
    sb_server *s = srv_start_in(d, NULL);
    redisContext *c = srv_connect(s);
    CHECK_BULK(cmd(c, "FUNCTION LOAD %s", RB_LIB), "rb");
    CHECK_BULK(cmd(c, "SCRIPT LOAD %s", "return 'cached'"), "952f49ffc8f7b098d8ab5da45d3164ca36ed18b1");
    CHECK_INT(cmd(c, "FCALL ok_write 1 n"), 1);
    CHECK_STATUS(cmd(c, "DEBUG RELOAD"), "OK"); /* checkpoint, empty, load back */
    CHECK_INT(cmd(c, "FCALL ok_write 1 n"), 2);
    CHECK_BULK(cmd(c, "EVALSHA 952f49ffc8f7b098d8ab5da45d3164ca36ed18b1 0"), "cached");
    redisFree(c);
    srv_stop(s); /* a final checkpoint, no WAL left: all of it in there */
    EXPECT(count_files(d, "wal-") == 0, "WAL left after a final checkpoint");
    s = srv_start_in(d, NULL);
    c = srv_connect(s);
    CHECK_INT(cmd(c, "FCALL ok_write 1 n"), 3);
    CHECK_BULK(cmd(c, "EVALSHA 952f49ffc8f7b098d8ab5da45d3164ca36ed18b1 0"), "cached");
    CHECK_STATUS(cmd(c, "FUNCTION DELETE rb"), "OK");
    CHECK_STATUS(cmd(c, "SCRIPT FLUSH"), "OK");
    redisFree(c);
    srv_kill(s); /* the deletes replay from the WAL */
    s = srv_start_in(d, NULL);
    c = srv_connect(s);
    CHECK_ERROR(cmd(c, "FCALL ok_write 1 n"), "ERR Function not found");
    CHECK_ERROR(cmd(c, "EVALSHA 952f49ffc8f7b098d8ab5da45d3164ca36ed18b1 0"),
                "NOSCRIPT No matching script. Please use EVAL.");
    CHECK_BULK(cmd(c, "GET n"), "3");
    redisFree(c);
    srv_stop(s);
    drop_dir(d);
}

/* Before a command that must run inline, after one the engine thread
 * answered (INFO, a rerun): that thread lets go of the engine a little
 * after its reply leaves, and a command that comes sooner goes to it.
 * Longer at each retry: a loaded machine delays that thread. */
static void engine_idle_wait(int retry) { usleep(20 * 1000 * (1 + retry)); }

/* A script that is rolled back (an error, or a yield of an inline run)
 * after its read expired a key: the key comes back with the rest, so the
 * next script that reads it logs the expiry, and replaying that script
 * finds the same effects (the key was once gone with no record, and the
 * replay stopped: "not deterministic"). */
static void t_expired_rollback(void) {
    const char *d = new_dir();
    sb_server *s = srv_start_in(d, NULL);
    redisContext *c = srv_connect(s);
    CHECK_STATUS(cmd(c, "DEBUG SET-ACTIVE-EXPIRE 0"), "OK");
    CHECK_BULK(cmd(c, "FUNCTION LOAD %s",
                   "#!lua name=exp\n"
                   "redis.register_function('slowread', function(k)\n"
                   "  local v = redis.call('get', k[1])\n"
                   "  local x = 0 for i = 1, 2000000 do x = x + i end\n"
                   "  redis.call('set', k[2], tostring(v)) return 1 end)\n"),
               "exp");
    CHECK_STATUS(cmd(c, "SET k1 v PX 30"), "OK");
    CHECK_STATUS(cmd(c, "SET k2 v PX 30"), "OK");
    usleep(100 * 1000);
    CHECK_ERR_PREFIX(cmd(c, "EVAL %s 1 k1", "redis.call('get', KEYS[1]) error('boom')"),
                     "ERR user_script:1: boom");
    CHECK_INT(cmd(c, "EVAL %s 1 k1", "redis.call('set', 'out1', tostring(redis.call('get', KEYS[1]))) return 1"), 1);
    /* yields, then runs (retried with a fresh k2 if it found the engine
     * thread busy and ran there: a loaded machine may keep it awake) */
    int tries = 0, yielded = 0;
    for (; tries < 5 && !yielded; tries++) {
        if (tries) {
            CHECK_STATUS(cmd(c, "SET k2 v PX 30"), "OK");
            usleep(100 * 1000);
        }
        long long y = info_num(c, "engine_inline_yields");
        engine_idle_wait(tries);
        CHECK_INT(cmd(c, "FCALL slowread 2 k2 out2"), 1);
        yielded = info_num(c, "engine_inline_yields") > y;
    }
    EXPECT(yielded, "slowread did not yield in %d tries", tries);
    redisFree(c);
    srv_kill(s);
    s = srv_start_in(d, NULL); /* aborts the test if recovery refuses */
    c = srv_connect(s);
    CHECK_BULK(cmd(c, "GET out1"), "false");
    CHECK_BULK(cmd(c, "GET out2"), "false");
    CHECK_INT(cmd(c, "EXISTS k1 k2"), 0);
    redisFree(c);
    srv_stop(s);
    drop_dir(d);
}

/* -------------------------------------------------------------- inline */

static const char *INL_LIB =
    "#!lua name=inl\n"
    "local function spin() local x = 0 for i = 1, 2000000 do x = x + i end return x end\n"
    "redis.register_function('quick', function(k) return redis.call('incr', k[1]) end)\n"
    "redis.register_function('slow', function(k)\n"
    "  local n = redis.call('incr', k[1]) spin() return n end)\n"
    "redis.register_function('slowappend', function(k, a)\n"
    "  spin() return redis.call('append', k[1], a[1]) end)\n"
    "redis.register_function('logs', function(k)\n"
    "  redis.log(redis.LOG_WARNING, 'inline-test-line') return redis.call('incr', k[1]) end)\n"
    "redis.register_function('caught', function(k)\n"
    "  local ok = pcall(redis.call, 'keys', '*')\n"
    "  return ok and redis.call('incr', k[1]) or -1 end)\n"
    "redis.register_function('big', function(k)\n"
    "  redis.call('set', k[1], string.rep('x', 4 * 1024 * 1024)) return 2 end)\n"
    "redis.register_function{function_name='peek', flags={'no-writes'},\n"
    "  callback=function(k) spin() return redis.call('get', k[1]) end}\n";

static void t_inline(void) {
    const char *d = new_dir();
    /* busy-poll 0: the engine thread sleeps between commands, so each of
     * one client's commands finds it idle */
    const char *args[] = {"--appendonly", "yes", "--appendfsync", "always", "--busy-poll", "0",
                          NULL};
    sb_server *s = srv_start_in(d, args);
    redisContext *c = srv_connect(s);
    CHECK_BULK(cmd(c, "FUNCTION LOAD %s", INL_LIB), "inl");
    redisReply *r = cmd(c, "SCRIPT LOAD %s", "return redis.call('incr', KEYS[1])");
    char sha[41] = "";
    if (r && r->type == REDIS_REPLY_STRING && r->len == 40) memcpy(sha, r->str, 41);
    if (r) freeReplyObject(r);
    /* quick ones run inline and never yield */
    long long b0 = info_num(c, "engine_inline_batches"), y0 = info_num(c, "engine_inline_yields");
    EXPECT(y0 == 0, "engine_inline_yields: %lld", y0);
    double t0 = clock_s();
    for (int i = 1; i <= 200; i++) CHECK_INT(cmd(c, "FCALL quick 1 q"), i);
    for (int i = 1; i <= 200; i++) CHECK_INT(cmd(c, "EVALSHA %s 1 e", sha), i);
    long long ran = info_num(c, "engine_inline_batches") - b0;
    /* all but those that found the engine thread awake for its cron (10 a
     * second, a few calls each when fsyncs or the CPU are slow) */
    long long crons = (long long)((clock_s() - t0) * 10) + 1;
    long long slack = 40 > 10 * crons ? 40 : 10 * crons;
    EXPECT(ran >= 400 - slack, "%lld of 400 quick calls ran inline (%lld cron periods)", ran, crons);
    /* (a preempted I/O thread can pass the deadline: a few may yield) */
    long long qy = info_num(c, "engine_inline_yields") - y0;
    EXPECT(qy <= 10 + crons, "%lld of 400 quick calls yielded", qy);
    y0 += qy;
    /* past the deadline: yields, then runs once on the engine thread (the
     * next calls go there at once); 3 such calls, in at most 12 */
    int slow_calls = 0;
    long long y = y0;
    while (y < y0 + 3 && slow_calls < 12) {
        engine_idle_wait(slow_calls / 4);
        slow_calls++;
        CHECK_INT(cmd(c, "FCALL slow 1 sl"), slow_calls);
        y = info_num(c, "engine_inline_yields");
    }
    EXPECT(y >= y0 + 3, "slow calls: %lld yields in %d calls", y - y0, slow_calls);
    char peek[16];
    snprintf(peek, sizeof(peek), "%d", slow_calls);
    CHECK_BULK(cmd(c, "FCALL_RO peek 1 sl"), peek);
    /* a C function runs without the count hook: growing the state by
     * more than 1 MB yields too (string.rep of 4 MB) */
    long long big_yields = 0;
    for (int t = 0; t < 10 && !big_yields; t++) { /* (retried if it ran on the engine thread) */
        y = info_num(c, "engine_inline_yields");
        engine_idle_wait(t);
        CHECK_INT(cmd(c, "FCALL big 1 bg"), 2);
        CHECK_INT(cmd(c, "STRLEN bg"), 4 * 1024 * 1024);
        big_yields = info_num(c, "engine_inline_yields") - y;
    }
    EXPECT(big_yields == 1, "a 4 MB string.rep: %lld yields", big_yields);
    /* redis.log cannot be taken back: one line per call */
    for (int i = 1; i <= 3; i++) CHECK_INT(cmd(c, "FCALL logs 1 lg"), i);
    EXPECT(count_in_log(s->log, "inline-test-line") == 3, "%d log lines for 3 calls",
           count_in_log(s->log, "inline-test-line"));
    /* a slow command (KEYS) yields even when the script catches that:
     * on the engine thread the pcall succeeds */
    CHECK_INT(cmd(c, "FCALL caught 1 ct"), 1);
    CHECK_INT(cmd(c, "FCALL caught 1 ct"), 2);
    /* one client's order: what came before the yielded call ran inline and
     * answered first, the call and what follows ran on the engine thread */
    for (int round = 0; round < 20; round++) {
        redisAppendCommand(c, "SET o a");
        redisAppendCommand(c, "FCALL slowappend 1 o s");
        redisAppendCommand(c, "APPEND o b");
        redisAppendCommand(c, "GET o");
        CHECK_STATUS(get_reply(c), "OK");
        CHECK_INT(get_reply(c), 2);
        CHECK_INT(get_reply(c), 3);
        CHECK_BULK(get_reply(c), "asb");
    }
    /* another client's write while the yielded call waits for its rerun:
     * the two run in one order or the other, each once */
    redisContext *c2 = srv_connect(s);
    for (int round = 0; round < 10; round++) {
        CHECK_STATUS(cmd(c, "SET o x"), "OK");
        redisAppendCommand(c, "FCALL slowappend 1 o s");
        flush_pipeline(c);
        usleep(1000); /* (as a rule it reads c2 after c) */
        redisReply *a = cmd(c2, "APPEND o y"), *f = get_reply(c);
        int fa = a && f && a->type == REDIS_REPLY_INTEGER && f->type == REDIS_REPLY_INTEGER;
        EXPECT(fa && ((f->integer == 2 && a->integer == 3) || (a->integer == 2 && f->integer == 3)),
               "FCALL %s, APPEND %s", reply_str(f), reply_str(a));
        const char *want = fa && f->integer == 2 ? "xsy" : "xys";
        if (a) freeReplyObject(a);
        if (f) freeReplyObject(f);
        CHECK_BULK(cmd(c, "GET o"), want);
    }
    redisFree(c2);
    redisFree(c);
    /* what was logged is what ran: each call once */
    srv_kill(s);
    s = srv_start_in(d, args);
    c = srv_connect(s);
    CHECK_BULK(cmd(c, "GET q"), "200");
    CHECK_BULK(cmd(c, "GET e"), "200");
    CHECK_BULK(cmd(c, "GET sl"), peek);
    CHECK_BULK(cmd(c, "GET lg"), "3");
    CHECK_BULK(cmd(c, "GET ct"), "2");
    redisFree(c);
    srv_stop(s);
    drop_dir(d);
}

int main(void) {
    sb_server *s = srv_start(NULL);
    redisContext *c = srv_connect(s);
    t_api(c);
    t_compat(c);
    t_sandbox(c);
    redisFree(c);
    srv_stop(s);
    t_rollback();
    t_determinism();
    t_durable();
    t_expired_rollback();
    t_inline();
    TU_DONE();
}
