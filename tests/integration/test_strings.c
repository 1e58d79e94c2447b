/* test_strings.c -- every string command against a real server, with the
 * edge cases and exact replies / error strings of Redis 7.0.15.
 *
 * The expected replies of the table-like sections (test_set_basic ..
 * test_encoding) were taken from redis-server 7.0.15 (Debian) given the same
 * commands; the later sections (huge INCRBYFLOAT results, proto-max-bulk-len,
 * keyspace hit/miss stats, binary and 1 MB values, PTTL ranges, RESP3 bytes,
 * strongbox's own limits on a second server) are written by hand, their
 * Redis-defined parts checked against redis-server 7.0.15 too.
 *
 * SET / GETEX option parsing follows Redis's parseExtendedStringArguments:
 * a repeated expire option is allowed (the last wins), the syntax is checked
 * before the expire value, and GETEX on a missing key never looks at it.
 */
#include "harness.h"

#include <limits.h>
#include <stdint.h>
#include <time.h>
#include <unistd.h>

/* The whole reply, as reply_str() prints it (arrays as [a,b,...]). */
#define CHECK_REPLY(r, s) do { redisReply *_r = (r); const char *_d = reply_str(_r); \
    if (!_r || strcmp(_d, (s))) { fprintf(stderr, "%s:%d: expected %s, got %s\n", \
    __FILE__, __LINE__, (s), _d); tu_failures++; } if (_r) freeReplyObject(_r); } while (0)
/* A bulk reply of exactly n bytes (binary safe). */
#define CHECK_BULKN(r, p, n) do { redisReply *_r = (r); size_t _n = (n); \
    if (!_r || _r->type != REDIS_REPLY_STRING || _r->len != _n || \
    memcmp(_r->str, (p), _n)) { fprintf(stderr, "%s:%d: expected a %zu-byte bulk, got %s\n", \
    __FILE__, __LINE__, _n, reply_str(_r)); tu_failures++; } \
    if (_r) freeReplyObject(_r); } while (0)

/* The integer of an integer reply, or LLONG_MIN (and a failure) otherwise. */
static long long int_of(redisReply *r, int line) {
    long long v = LLONG_MIN;
    if (r && r->type == REDIS_REPLY_INTEGER) v = r->integer;
    else { fprintf(stderr, "%s:%d: expected an integer, got %s\n", __FILE__, line, reply_str(r)); tu_failures++; }
    if (r) freeReplyObject(r);
    return v;
}
#define INT_OF(r) int_of((r), __LINE__)

/* SET / GET: plain, NX, XX, GET, option names, syntax errors. */
static void test_set_basic(redisContext *c) {
    CHECK_STATUS(cmd(c, "FLUSHALL"), "OK");
    CHECK_NIL(cmd(c, "GET k"));
    CHECK_STATUS(cmd(c, "SET k v"), "OK");
    CHECK_BULK(cmd(c, "GET k"), "v");
    CHECK_STATUS(cmd(c, "SET k v2"), "OK");
    CHECK_BULK(cmd(c, "GET k"), "v2");
    CHECK_STATUS(cmd(c, "SET %b empty-key", "", (size_t)0), "OK");
    CHECK_BULK(cmd(c, "GET %b", "", (size_t)0), "empty-key");
    CHECK_STATUS(cmd(c, "SET ek %b", "", (size_t)0), "OK");
    CHECK_BULK(cmd(c, "GET ek"), "");
    CHECK_INT(cmd(c, "STRLEN ek"), 0);
    CHECK_INT(cmd(c, "EXISTS ek"), 1);
    /* NX / XX */
    CHECK_NIL(cmd(c, "SET k nx-val NX"));
    CHECK_BULK(cmd(c, "GET k"), "v2");
    CHECK_STATUS(cmd(c, "SET n1 a NX"), "OK");
    CHECK_BULK(cmd(c, "GET n1"), "a");
    CHECK_STATUS(cmd(c, "SET k xx-val XX"), "OK");
    CHECK_BULK(cmd(c, "GET k"), "xx-val");
    CHECK_NIL(cmd(c, "SET n2 a XX"));
    CHECK_INT(cmd(c, "EXISTS n2"), 0);
    CHECK_ERROR(cmd(c, "SET k v nx xx"), "ERR syntax error");
    CHECK_ERROR(cmd(c, "SET k v XX NX"), "ERR syntax error");
    CHECK_NIL(cmd(c, "SET k v NX nx"));
    CHECK_STATUS(cmd(c, "SET k v xx XX"), "OK");
    /* GET: old value, nil when missing, combined with NX / XX (allowed since 7.0) */
    CHECK_BULK(cmd(c, "SET k new GET"), "v");
    CHECK_BULK(cmd(c, "GET k"), "new");
    CHECK_NIL(cmd(c, "SET g1 first GET"));
    CHECK_BULK(cmd(c, "GET g1"), "first");
    CHECK_BULK(cmd(c, "SET g1 x NX GET"), "first");
    CHECK_BULK(cmd(c, "GET g1"), "first");
    CHECK_NIL(cmd(c, "SET g2 x NX GET"));
    CHECK_BULK(cmd(c, "GET g2"), "x");
    CHECK_NIL(cmd(c, "SET g3 x XX GET"));
    CHECK_INT(cmd(c, "EXISTS g3"), 0);
    CHECK_BULK(cmd(c, "SET g2 y XX GET"), "x");
    CHECK_BULK(cmd(c, "GET g2"), "y");
    CHECK_BULK(cmd(c, "SET k v GET GET"), "new");
    /* option names are case-insensitive and compared as C strings, like Redis */
    CHECK_NIL(cmd(c, "SET k v Ex 100 Nx"));
    CHECK_BULK(cmd(c, "SET k w kEePtTl Xx gEt"), "v");
    CHECK_BULK(cmd(c, "GET k"), "w");
    CHECK_INT(cmd(c, "TTL k"), -1);
    CHECK_STATUS(cmd(c, "SET k v2 %b", "xx\000junk", (size_t)7), "OK");
    CHECK_BULK(cmd(c, "GET k"), "v2");
    /* syntax errors */
    CHECK_ERROR(cmd(c, "SET k v foo"), "ERR syntax error");
    CHECK_ERROR(cmd(c, "SET k v EX"), "ERR syntax error");
    CHECK_ERROR(cmd(c, "SET k v PX"), "ERR syntax error");
    CHECK_ERROR(cmd(c, "SET k v EXAT"), "ERR syntax error");
    CHECK_ERROR(cmd(c, "SET k v PXAT"), "ERR syntax error");
    CHECK_ERROR(cmd(c, "SET k v EX 10 PX 100"), "ERR syntax error");
    CHECK_ERROR(cmd(c, "SET k v PX 10 EX 10"), "ERR syntax error");
    CHECK_ERROR(cmd(c, "SET k v EXAT 10 PXAT 10"), "ERR syntax error");
    CHECK_ERROR(cmd(c, "SET k v PXAT 10 EX 10"), "ERR syntax error");
    CHECK_ERROR(cmd(c, "SET k v EX 10 KEEPTTL"), "ERR syntax error");
    CHECK_ERROR(cmd(c, "SET k v KEEPTTL EX 10"), "ERR syntax error");
    CHECK_ERROR(cmd(c, "SET k v KEEPTTL PXAT 10"), "ERR syntax error");
    CHECK_ERROR(cmd(c, "SET k v PERSIST"), "ERR syntax error");
    CHECK_ERROR(cmd(c, "SET k v EX 10 EX"), "ERR syntax error");
    CHECK_ERROR(cmd(c, "SET k v NX XX GET"), "ERR syntax error");
    CHECK_ERROR(cmd(c, "SET k v 10"), "ERR syntax error");
    CHECK_ERROR(cmd(c, "SET k v %b %b", "", (size_t)0, "", (size_t)0), "ERR syntax error");
    /* syntax is checked before the expire value, which is parsed once at the end */
    CHECK_ERROR(cmd(c, "SET k v EX abc foo"), "ERR syntax error");
    CHECK_ERROR(cmd(c, "SET k v EX 0 foo"), "ERR syntax error");
    CHECK_ERROR(cmd(c, "SET k v EX -1 NX XX"), "ERR syntax error");
    CHECK_ERROR(cmd(c, "SET k v EX %b %b", "", (size_t)0, "", (size_t)0), "ERR syntax error");
    /* a repeated expire option is allowed: the last one wins, earlier ones are not parsed */
    CHECK_STATUS(cmd(c, "SET r1 v EX abc EX 100"), "OK");
    CHECK_INT(cmd(c, "TTL r1"), 100);
    CHECK_STATUS(cmd(c, "SET r2 v PX abc PX 200000"), "OK");
    CHECK_INT(cmd(c, "TTL r2"), 200);
    CHECK_STATUS(cmd(c, "SET r3 v EXAT 1 EXAT 99999999999"), "OK");
    CHECK_INT(cmd(c, "EXPIRETIME r3"), 99999999999LL);
    CHECK_ERROR(cmd(c, "SET r4 v EX 100 EX 0"), "ERR invalid expire time in 'set' command");
    CHECK_STATUS(cmd(c, "SET r5 v KEEPTTL KEEPTTL"), "OK");
    CHECK_BULK(cmd(c, "GET r5"), "v");
    /* wrong arity */
    CHECK_ERROR(cmd(c, "SET k"), "ERR wrong number of arguments for 'set' command");
    CHECK_ERROR(cmd(c, "SET"), "ERR wrong number of arguments for 'set' command");
    CHECK_ERROR(cmd(c, "GET"), "ERR wrong number of arguments for 'get' command");
    CHECK_ERROR(cmd(c, "GET a b"), "ERR wrong number of arguments for 'get' command");
    CHECK_BULK(cmd(c, "GET k"), "v2");
}

/* SET EX/PX/EXAT/PXAT values: errors, overflow, TTL set, cleared or kept. */
static void test_set_expire(redisContext *c) {
    CHECK_STATUS(cmd(c, "FLUSHALL"), "OK");
    CHECK_ERROR(cmd(c, "SET k v EX 0"), "ERR invalid expire time in 'set' command");
    CHECK_ERROR(cmd(c, "SET k v EX -1"), "ERR invalid expire time in 'set' command");
    CHECK_ERROR(cmd(c, "SET k v EX -9223372036854775808"), "ERR invalid expire time in 'set' command");
    CHECK_ERROR(cmd(c, "SET k v EX abc"), "ERR value is not an integer or out of range");
    CHECK_ERROR(cmd(c, "SET k v EX 1.5"), "ERR value is not an integer or out of range");
    CHECK_ERROR(cmd(c, "SET k v EX %s", " 1"), "ERR value is not an integer or out of range");
    CHECK_ERROR(cmd(c, "SET k v EX 01"), "ERR value is not an integer or out of range");
    CHECK_ERROR(cmd(c, "SET k v EX +1"), "ERR value is not an integer or out of range");
    CHECK_ERROR(cmd(c, "SET k v EX %b", "", (size_t)0), "ERR value is not an integer or out of range");
    CHECK_ERROR(cmd(c, "SET k v EX 9223372036854775808"), "ERR value is not an integer or out of range");
    CHECK_ERROR(cmd(c, "SET k v EX %s", "10 "), "ERR value is not an integer or out of range");
    CHECK_ERROR(cmd(c, "SET k v PX 0"), "ERR invalid expire time in 'set' command");
    CHECK_ERROR(cmd(c, "SET k v PX -1"), "ERR invalid expire time in 'set' command");
    CHECK_ERROR(cmd(c, "SET k v PX -9223372036854775808"), "ERR invalid expire time in 'set' command");
    CHECK_ERROR(cmd(c, "SET k v PX abc"), "ERR value is not an integer or out of range");
    CHECK_ERROR(cmd(c, "SET k v PX 1.5"), "ERR value is not an integer or out of range");
    CHECK_ERROR(cmd(c, "SET k v PX %s", " 1"), "ERR value is not an integer or out of range");
    CHECK_ERROR(cmd(c, "SET k v PX 01"), "ERR value is not an integer or out of range");
    CHECK_ERROR(cmd(c, "SET k v PX +1"), "ERR value is not an integer or out of range");
    CHECK_ERROR(cmd(c, "SET k v PX %b", "", (size_t)0), "ERR value is not an integer or out of range");
    CHECK_ERROR(cmd(c, "SET k v PX 9223372036854775808"), "ERR value is not an integer or out of range");
    CHECK_ERROR(cmd(c, "SET k v PX %s", "10 "), "ERR value is not an integer or out of range");
    CHECK_ERROR(cmd(c, "SET k v EXAT 0"), "ERR invalid expire time in 'set' command");
    CHECK_ERROR(cmd(c, "SET k v EXAT -1"), "ERR invalid expire time in 'set' command");
    CHECK_ERROR(cmd(c, "SET k v EXAT -9223372036854775808"), "ERR invalid expire time in 'set' command");
    CHECK_ERROR(cmd(c, "SET k v EXAT abc"), "ERR value is not an integer or out of range");
    CHECK_ERROR(cmd(c, "SET k v EXAT 1.5"), "ERR value is not an integer or out of range");
    CHECK_ERROR(cmd(c, "SET k v EXAT %s", " 1"), "ERR value is not an integer or out of range");
    CHECK_ERROR(cmd(c, "SET k v EXAT 01"), "ERR value is not an integer or out of range");
    CHECK_ERROR(cmd(c, "SET k v EXAT +1"), "ERR value is not an integer or out of range");
    CHECK_ERROR(cmd(c, "SET k v EXAT %b", "", (size_t)0), "ERR value is not an integer or out of range");
    CHECK_ERROR(cmd(c, "SET k v EXAT 9223372036854775808"), "ERR value is not an integer or out of range");
    CHECK_ERROR(cmd(c, "SET k v EXAT %s", "10 "), "ERR value is not an integer or out of range");
    CHECK_ERROR(cmd(c, "SET k v PXAT 0"), "ERR invalid expire time in 'set' command");
    CHECK_ERROR(cmd(c, "SET k v PXAT -1"), "ERR invalid expire time in 'set' command");
    CHECK_ERROR(cmd(c, "SET k v PXAT -9223372036854775808"), "ERR invalid expire time in 'set' command");
    CHECK_ERROR(cmd(c, "SET k v PXAT abc"), "ERR value is not an integer or out of range");
    CHECK_ERROR(cmd(c, "SET k v PXAT 1.5"), "ERR value is not an integer or out of range");
    CHECK_ERROR(cmd(c, "SET k v PXAT %s", " 1"), "ERR value is not an integer or out of range");
    CHECK_ERROR(cmd(c, "SET k v PXAT 01"), "ERR value is not an integer or out of range");
    CHECK_ERROR(cmd(c, "SET k v PXAT +1"), "ERR value is not an integer or out of range");
    CHECK_ERROR(cmd(c, "SET k v PXAT %b", "", (size_t)0), "ERR value is not an integer or out of range");
    CHECK_ERROR(cmd(c, "SET k v PXAT 9223372036854775808"), "ERR value is not an integer or out of range");
    CHECK_ERROR(cmd(c, "SET k v PXAT %s", "10 "), "ERR value is not an integer or out of range");
    CHECK_ERROR(cmd(c, "SET k v ex 0"), "ERR invalid expire time in 'set' command");
    CHECK_ERROR(cmd(c, "SET k v ex -1"), "ERR invalid expire time in 'set' command");
    CHECK_ERROR(cmd(c, "SET k v ex -9223372036854775808"), "ERR invalid expire time in 'set' command");
    CHECK_ERROR(cmd(c, "SET k v ex abc"), "ERR value is not an integer or out of range");
    CHECK_ERROR(cmd(c, "SET k v ex 1.5"), "ERR value is not an integer or out of range");
    CHECK_ERROR(cmd(c, "SET k v ex %s", " 1"), "ERR value is not an integer or out of range");
    CHECK_ERROR(cmd(c, "SET k v ex 01"), "ERR value is not an integer or out of range");
    CHECK_ERROR(cmd(c, "SET k v ex +1"), "ERR value is not an integer or out of range");
    CHECK_ERROR(cmd(c, "SET k v ex %b", "", (size_t)0), "ERR value is not an integer or out of range");
    CHECK_ERROR(cmd(c, "SET k v ex 9223372036854775808"), "ERR value is not an integer or out of range");
    CHECK_ERROR(cmd(c, "SET k v ex %s", "10 "), "ERR value is not an integer or out of range");
    /* overflow: seconds * 1000, or relative time + now */
    CHECK_ERROR(cmd(c, "SET k v EX 9223372036854775807"), "ERR invalid expire time in 'set' command");
    CHECK_ERROR(cmd(c, "SET k v EX 9223372036854776"), "ERR invalid expire time in 'set' command");
    CHECK_ERROR(cmd(c, "SET k v EX 9223372036854775"), "ERR invalid expire time in 'set' command");
    CHECK_ERROR(cmd(c, "SET k v PX 9223372036854775807"), "ERR invalid expire time in 'set' command");
    CHECK_STATUS(cmd(c, "SET k v PX 9223372036854776"), "OK");
    CHECK_STATUS(cmd(c, "SET k v PX 9223372036854775"), "OK");
    CHECK_ERROR(cmd(c, "SET k v EXAT 9223372036854775807"), "ERR invalid expire time in 'set' command");
    CHECK_ERROR(cmd(c, "SET k v EXAT 9223372036854776"), "ERR invalid expire time in 'set' command");
    CHECK_STATUS(cmd(c, "SET k v EXAT 9223372036854775"), "OK");
    CHECK_STATUS(cmd(c, "SET k v PXAT 9223372036854775807"), "OK");
    CHECK_STATUS(cmd(c, "SET k v PXAT 9223372036854776"), "OK");
    CHECK_STATUS(cmd(c, "SET k v PXAT 9223372036854775"), "OK");
    CHECK_INT(cmd(c, "EXISTS k"), 1);
    /* failed SETs change nothing */
    CHECK_STATUS(cmd(c, "SET k orig"), "OK");
    CHECK_ERROR(cmd(c, "SET k v EX 0"), "ERR invalid expire time in 'set' command");
    CHECK_ERROR(cmd(c, "SET k v EX abc"), "ERR value is not an integer or out of range");
    CHECK_ERROR(cmd(c, "SET k v foo"), "ERR syntax error");
    CHECK_BULK(cmd(c, "GET k"), "orig");
    CHECK_INT(cmd(c, "TTL k"), -1);
    /* TTL set by each option */
    CHECK_STATUS(cmd(c, "SET k v EX 100"), "OK");
    CHECK_INT(cmd(c, "TTL k"), 100);
    CHECK_STATUS(cmd(c, "SET k v PX 100000"), "OK");
    CHECK_INT(cmd(c, "TTL k"), 100);
    CHECK_STATUS(cmd(c, "SET k v EXAT 99999999999"), "OK");
    CHECK_INT(cmd(c, "EXPIRETIME k"), 99999999999LL);
    CHECK_STATUS(cmd(c, "SET k v PXAT 99999999999123"), "OK");
    CHECK_INT(cmd(c, "PEXPIRETIME k"), 99999999999123LL);
    CHECK_INT(cmd(c, "EXPIRETIME k"), 99999999999LL);
    /* a past EXAT / PXAT: OK, and the key is gone */
    CHECK_STATUS(cmd(c, "SET k v EXAT 1"), "OK");
    CHECK_INT(cmd(c, "EXISTS k"), 0);
    CHECK_NIL(cmd(c, "GET k"));
    CHECK_STATUS(cmd(c, "SET k old"), "OK");
    CHECK_BULK(cmd(c, "SET k v PXAT 1 GET"), "old");
    CHECK_INT(cmd(c, "EXISTS k"), 0);
    CHECK_STATUS(cmd(c, "SET k old"), "OK");
    CHECK_STATUS(cmd(c, "SET k v EXAT 1 XX"), "OK");
    CHECK_INT(cmd(c, "EXISTS k"), 0);
    /* plain SET clears the TTL, KEEPTTL keeps it, NX / XX failures leave it alone */
    CHECK_STATUS(cmd(c, "SET k v EX 100"), "OK");
    CHECK_STATUS(cmd(c, "SET k w"), "OK");
    CHECK_INT(cmd(c, "TTL k"), -1);
    CHECK_STATUS(cmd(c, "SET k v EX 100"), "OK");
    CHECK_STATUS(cmd(c, "SET k w KEEPTTL"), "OK");
    CHECK_INT(cmd(c, "TTL k"), 100);
    CHECK_BULK(cmd(c, "GET k"), "w");
    CHECK_BULK(cmd(c, "SET k x KEEPTTL GET"), "w");
    CHECK_INT(cmd(c, "TTL k"), 100);
    CHECK_STATUS(cmd(c, "SET k y XX"), "OK");
    CHECK_INT(cmd(c, "TTL k"), -1);
    CHECK_STATUS(cmd(c, "SET k v EX 100"), "OK");
    CHECK_NIL(cmd(c, "SET k w NX"));
    CHECK_INT(cmd(c, "TTL k"), 100);
    CHECK_BULK(cmd(c, "GET k"), "v");
    CHECK_BULK(cmd(c, "SET k v EX 100 XX GET"), "v");
    CHECK_INT(cmd(c, "TTL k"), 100);
    CHECK_NIL(cmd(c, "SET nx1 v EX 100 XX GET"));
    CHECK_INT(cmd(c, "EXISTS nx1"), 0);
    CHECK_STATUS(cmd(c, "SET kt v KEEPTTL"), "OK");
    CHECK_INT(cmd(c, "TTL kt"), -1);
    CHECK_STATUS(cmd(c, "SET k v EX 100"), "OK");
    CHECK_STATUS(cmd(c, "SET k w PX 50000"), "OK");
    CHECK_INT(cmd(c, "TTL k"), 50);
}

/* GETSET, GETDEL, SETNX, SETEX, PSETEX. */
static void test_getset_getdel_setnx_setex(redisContext *c) {
    CHECK_STATUS(cmd(c, "FLUSHALL"), "OK");
    CHECK_NIL(cmd(c, "GETSET gs a"));
    CHECK_BULK(cmd(c, "GETSET gs b"), "a");
    CHECK_BULK(cmd(c, "GET gs"), "b");
    CHECK_STATUS(cmd(c, "SET gs x EX 100"), "OK");
    CHECK_BULK(cmd(c, "GETSET gs y"), "x");
    CHECK_INT(cmd(c, "TTL gs"), -1);
    CHECK_BULK(cmd(c, "GET gs"), "y");
    CHECK_ERROR(cmd(c, "GETSET gs"), "ERR wrong number of arguments for 'getset' command");
    CHECK_ERROR(cmd(c, "GETSET gs a b"), "ERR wrong number of arguments for 'getset' command");
    CHECK_BULK(cmd(c, "GETDEL gs"), "y");
    CHECK_NIL(cmd(c, "GETDEL gs"));
    CHECK_INT(cmd(c, "EXISTS gs"), 0);
    CHECK_STATUS(cmd(c, "SET gd v EX 100"), "OK");
    CHECK_BULK(cmd(c, "GETDEL gd"), "v");
    CHECK_INT(cmd(c, "TTL gd"), -2);
    CHECK_ERROR(cmd(c, "GETDEL"), "ERR wrong number of arguments for 'getdel' command");
    CHECK_ERROR(cmd(c, "GETDEL a b"), "ERR wrong number of arguments for 'getdel' command");
    CHECK_INT(cmd(c, "SETNX sn a"), 1);
    CHECK_INT(cmd(c, "SETNX sn b"), 0);
    CHECK_BULK(cmd(c, "GET sn"), "a");
    CHECK_STATUS(cmd(c, "SET sn c EX 100"), "OK");
    CHECK_INT(cmd(c, "SETNX sn d"), 0);
    CHECK_INT(cmd(c, "TTL sn"), 100);
    CHECK_BULK(cmd(c, "GET sn"), "c");
    CHECK_ERROR(cmd(c, "SETNX sn"), "ERR wrong number of arguments for 'setnx' command");
    CHECK_ERROR(cmd(c, "SETNX sn a b"), "ERR wrong number of arguments for 'setnx' command");
    CHECK_STATUS(cmd(c, "SETEX se 100 v"), "OK");
    CHECK_INT(cmd(c, "TTL se"), 100);
    CHECK_BULK(cmd(c, "GET se"), "v");
    CHECK_STATUS(cmd(c, "SETEX se 200 w"), "OK");
    CHECK_INT(cmd(c, "TTL se"), 200);
    CHECK_BULK(cmd(c, "GET se"), "w");
    CHECK_ERROR(cmd(c, "SETEX se2 0 v"), "ERR invalid expire time in 'setex' command");
    CHECK_ERROR(cmd(c, "SETEX se2 -1 v"), "ERR invalid expire time in 'setex' command");
    CHECK_ERROR(cmd(c, "SETEX se2 abc v"), "ERR value is not an integer or out of range");
    CHECK_ERROR(cmd(c, "SETEX se2 1.5 v"), "ERR value is not an integer or out of range");
    CHECK_ERROR(cmd(c, "SETEX se2 %b v", "", (size_t)0), "ERR value is not an integer or out of range");
    CHECK_ERROR(cmd(c, "SETEX se2 9223372036854775807 v"), "ERR invalid expire time in 'setex' command");
    CHECK_ERROR(cmd(c, "SETEX se2 9223372036854775 v"), "ERR invalid expire time in 'setex' command");
    CHECK_ERROR(cmd(c, "SETEX se2 9223372036854776 v"), "ERR invalid expire time in 'setex' command");
    CHECK_INT(cmd(c, "EXISTS se2"), 0);
    CHECK_ERROR(cmd(c, "SETEX se 0 x"), "ERR invalid expire time in 'setex' command");
    CHECK_BULK(cmd(c, "GET se"), "w");
    CHECK_STATUS(cmd(c, "PSETEX pse 100000 v"), "OK");
    CHECK_INT(cmd(c, "TTL pse"), 100);
    CHECK_BULK(cmd(c, "GET pse"), "v");
    CHECK_ERROR(cmd(c, "PSETEX pse2 0 v"), "ERR invalid expire time in 'psetex' command");
    CHECK_ERROR(cmd(c, "PSETEX pse2 -1 v"), "ERR invalid expire time in 'psetex' command");
    CHECK_ERROR(cmd(c, "PSETEX pse2 x v"), "ERR value is not an integer or out of range");
    CHECK_ERROR(cmd(c, "PSETEX pse2 9223372036854775807 v"), "ERR invalid expire time in 'psetex' command");
    CHECK_ERROR(cmd(c, "PSETEX pse2 1e3 v"), "ERR value is not an integer or out of range");
    CHECK_INT(cmd(c, "EXISTS pse2"), 0);
    CHECK_ERROR(cmd(c, "SETEX se 10"), "ERR wrong number of arguments for 'setex' command");
    CHECK_ERROR(cmd(c, "SETEX se"), "ERR wrong number of arguments for 'setex' command");
    CHECK_ERROR(cmd(c, "PSETEX se 10"), "ERR wrong number of arguments for 'psetex' command");
    CHECK_ERROR(cmd(c, "PSETEX se 10 v x"), "ERR wrong number of arguments for 'psetex' command");
}

/* GETEX with EX PX EXAT PXAT PERSIST. */
static void test_getex(redisContext *c) {
    CHECK_STATUS(cmd(c, "FLUSHALL"), "OK");
    CHECK_STATUS(cmd(c, "SET g v"), "OK");
    CHECK_BULK(cmd(c, "GETEX g"), "v");
    CHECK_INT(cmd(c, "TTL g"), -1);
    CHECK_BULK(cmd(c, "GETEX g EX 100"), "v");
    CHECK_INT(cmd(c, "TTL g"), 100);
    CHECK_BULK(cmd(c, "GETEX g PERSIST"), "v");
    CHECK_INT(cmd(c, "TTL g"), -1);
    CHECK_BULK(cmd(c, "GETEX g PX 200000"), "v");
    CHECK_INT(cmd(c, "TTL g"), 200);
    CHECK_BULK(cmd(c, "GETEX g EXAT 99999999999"), "v");
    CHECK_INT(cmd(c, "EXPIRETIME g"), 99999999999LL);
    CHECK_BULK(cmd(c, "GETEX g PXAT 99999999999456"), "v");
    CHECK_INT(cmd(c, "PEXPIRETIME g"), 99999999999456LL);
    CHECK_BULK(cmd(c, "GETEX g"), "v");
    CHECK_INT(cmd(c, "PEXPIRETIME g"), 99999999999456LL);
    CHECK_BULK(cmd(c, "GETEX g persist"), "v");
    CHECK_INT(cmd(c, "TTL g"), -1);
    CHECK_BULK(cmd(c, "GETEX g PERSIST"), "v");
    CHECK_INT(cmd(c, "TTL g"), -1);
    /* syntax */
    CHECK_ERROR(cmd(c, "GETEX g EX 10 PX 10"), "ERR syntax error");
    CHECK_ERROR(cmd(c, "GETEX g PERSIST EX 10"), "ERR syntax error");
    CHECK_ERROR(cmd(c, "GETEX g EX 10 PERSIST"), "ERR syntax error");
    CHECK_ERROR(cmd(c, "GETEX g KEEPTTL"), "ERR syntax error");
    CHECK_ERROR(cmd(c, "GETEX g NX"), "ERR syntax error");
    CHECK_ERROR(cmd(c, "GETEX g XX"), "ERR syntax error");
    CHECK_ERROR(cmd(c, "GETEX g GET"), "ERR syntax error");
    CHECK_ERROR(cmd(c, "GETEX g EX"), "ERR syntax error");
    CHECK_ERROR(cmd(c, "GETEX g PXAT"), "ERR syntax error");
    CHECK_ERROR(cmd(c, "GETEX g foo"), "ERR syntax error");
    CHECK_ERROR(cmd(c, "GETEX g EX 10 EX"), "ERR syntax error");
    CHECK_ERROR(cmd(c, "GETEX g PX %b foo", "", (size_t)0), "ERR syntax error");
    /* the last of a repeated option wins; PERSIST may repeat */
    CHECK_BULK(cmd(c, "GETEX g EX 10 EX 20"), "v");
    CHECK_INT(cmd(c, "TTL g"), 20);
    CHECK_BULK(cmd(c, "GETEX g EX abc EX 30"), "v");
    CHECK_INT(cmd(c, "TTL g"), 30);
    CHECK_BULK(cmd(c, "GETEX g PERSIST PERSIST"), "v");
    CHECK_INT(cmd(c, "TTL g"), -1);
    /* bad expire values */
    CHECK_ERROR(cmd(c, "GETEX g EX 0"), "ERR invalid expire time in 'getex' command");
    CHECK_ERROR(cmd(c, "GETEX g EX -1"), "ERR invalid expire time in 'getex' command");
    CHECK_ERROR(cmd(c, "GETEX g EX abc"), "ERR value is not an integer or out of range");
    CHECK_ERROR(cmd(c, "GETEX g EX 9223372036854775807"), "ERR invalid expire time in 'getex' command");
    CHECK_ERROR(cmd(c, "GETEX g PX 0"), "ERR invalid expire time in 'getex' command");
    CHECK_ERROR(cmd(c, "GETEX g PX -1"), "ERR invalid expire time in 'getex' command");
    CHECK_ERROR(cmd(c, "GETEX g PX abc"), "ERR value is not an integer or out of range");
    CHECK_ERROR(cmd(c, "GETEX g PX 9223372036854775807"), "ERR invalid expire time in 'getex' command");
    CHECK_ERROR(cmd(c, "GETEX g EXAT 0"), "ERR invalid expire time in 'getex' command");
    CHECK_ERROR(cmd(c, "GETEX g EXAT -1"), "ERR invalid expire time in 'getex' command");
    CHECK_ERROR(cmd(c, "GETEX g EXAT abc"), "ERR value is not an integer or out of range");
    CHECK_ERROR(cmd(c, "GETEX g EXAT 9223372036854775807"), "ERR invalid expire time in 'getex' command");
    CHECK_ERROR(cmd(c, "GETEX g PXAT 0"), "ERR invalid expire time in 'getex' command");
    CHECK_ERROR(cmd(c, "GETEX g PXAT -1"), "ERR invalid expire time in 'getex' command");
    CHECK_ERROR(cmd(c, "GETEX g PXAT abc"), "ERR value is not an integer or out of range");
    CHECK_BULK(cmd(c, "GETEX g PXAT 9223372036854775807"), "v");
    CHECK_BULK(cmd(c, "GET g"), "v");
    CHECK_INT(cmd(c, "PEXPIRETIME g"), LLONG_MAX);
    /* missing key: nil, and the expire value is not even looked at (the key is looked up first) */
    CHECK_NIL(cmd(c, "GETEX missing"));
    CHECK_NIL(cmd(c, "GETEX missing EX 10"));
    CHECK_NIL(cmd(c, "GETEX missing EX abc"));
    CHECK_NIL(cmd(c, "GETEX missing EX 0"));
    CHECK_NIL(cmd(c, "GETEX missing PERSIST"));
    CHECK_ERROR(cmd(c, "GETEX missing foo"), "ERR syntax error");
    CHECK_INT(cmd(c, "EXISTS missing"), 0);
    /* a past EXAT / PXAT deletes the key after replying */
    CHECK_BULK(cmd(c, "GETEX g EXAT 1"), "v");
    CHECK_INT(cmd(c, "EXISTS g"), 0);
    CHECK_STATUS(cmd(c, "SET g w"), "OK");
    CHECK_BULK(cmd(c, "GETEX g PXAT 1"), "w");
    CHECK_NIL(cmd(c, "GET g"));
    CHECK_ERROR(cmd(c, "GETEX"), "ERR wrong number of arguments for 'getex' command");
}

/* MGET, MSET, MSETNX. */
static void test_mget_mset(redisContext *c) {
    CHECK_STATUS(cmd(c, "FLUSHALL"), "OK");
    CHECK_STATUS(cmd(c, "MSET a 1 b 2 c 3"), "OK");
    CHECK_REPLY(cmd(c, "MGET a b c zz"), "[$1,$2,$3,(nil)]");
    CHECK_REPLY(cmd(c, "MGET zz"), "[(nil)]");
    CHECK_REPLY(cmd(c, "MGET a"), "[$1]");
    CHECK_ERROR(cmd(c, "MSET a 1 b"), "ERR wrong number of arguments for 'mset' command");
    CHECK_ERROR(cmd(c, "MSET a"), "ERR wrong number of arguments for 'mset' command");
    CHECK_ERROR(cmd(c, "MSET"), "ERR wrong number of arguments for 'mset' command");
    CHECK_ERROR(cmd(c, "MGET"), "ERR wrong number of arguments for 'mget' command");
    CHECK_REPLY(cmd(c, "MGET a b c"), "[$1,$2,$3]");
    CHECK_STATUS(cmd(c, "MSET a x a y"), "OK");
    CHECK_BULK(cmd(c, "GET a"), "y");
    CHECK_STATUS(cmd(c, "SET t v EX 100"), "OK");
    CHECK_STATUS(cmd(c, "MSET t w u z"), "OK");
    CHECK_INT(cmd(c, "TTL t"), -1);
    CHECK_REPLY(cmd(c, "MGET t u"), "[$w,$z]");
    CHECK_INT(cmd(c, "MSETNX a 1 q 2"), 0);
    CHECK_INT(cmd(c, "EXISTS q"), 0);
    CHECK_INT(cmd(c, "MSETNX q 1 r 2"), 1);
    CHECK_REPLY(cmd(c, "MGET q r"), "[$1,$2]");
    CHECK_ERROR(cmd(c, "MSETNX q"), "ERR wrong number of arguments for 'msetnx' command");
    CHECK_ERROR(cmd(c, "MSETNX s 1 t"), "ERR wrong number of arguments for 'msetnx' command");
    CHECK_INT(cmd(c, "MSETNX s1 1 s1 2"), 1);
    CHECK_BULK(cmd(c, "GET s1"), "2");
    CHECK_STATUS(cmd(c, "MSET e1 %b e2 %b", "", (size_t)0, "", (size_t)0), "OK");
    CHECK_REPLY(cmd(c, "MGET e1 e2 e3"), "[$,$,(nil)]");
    CHECK_INT(cmd(c, "STRLEN e1"), 0);
}

/* INCR, DECR, INCRBY, DECRBY: values, overflow, bad integers. */
static void test_incr_decr(redisContext *c) {
    CHECK_STATUS(cmd(c, "FLUSHALL"), "OK");
    CHECK_INT(cmd(c, "INCR i"), 1);
    CHECK_INT(cmd(c, "INCR i"), 2);
    CHECK_INT(cmd(c, "DECR i"), 1);
    CHECK_INT(cmd(c, "DECR d"), -1);
    CHECK_INT(cmd(c, "DECR d"), -2);
    CHECK_INT(cmd(c, "INCRBY i 10"), 11);
    CHECK_INT(cmd(c, "DECRBY i 5"), 6);
    CHECK_BULK(cmd(c, "GET i"), "6");
    CHECK_INT(cmd(c, "INCRBY i -3"), 3);
    CHECK_INT(cmd(c, "DECRBY i -3"), 6);
    CHECK_INT(cmd(c, "INCRBY i 0"), 6);
    CHECK_BULK(cmd(c, "GET i"), "6");
    CHECK_INT(cmd(c, "INCRBY ib -7"), -7);
    CHECK_INT(cmd(c, "DECRBY db 7"), -7);
    /* bad increments */
    CHECK_ERROR(cmd(c, "INCRBY i abc"), "ERR value is not an integer or out of range");
    CHECK_ERROR(cmd(c, "DECRBY i abc"), "ERR value is not an integer or out of range");
    CHECK_ERROR(cmd(c, "INCRBY i 1.5"), "ERR value is not an integer or out of range");
    CHECK_ERROR(cmd(c, "DECRBY i 1.5"), "ERR value is not an integer or out of range");
    CHECK_ERROR(cmd(c, "INCRBY i %s", " 1"), "ERR value is not an integer or out of range");
    CHECK_ERROR(cmd(c, "DECRBY i %s", " 1"), "ERR value is not an integer or out of range");
    CHECK_ERROR(cmd(c, "INCRBY i %s", "1 "), "ERR value is not an integer or out of range");
    CHECK_ERROR(cmd(c, "DECRBY i %s", "1 "), "ERR value is not an integer or out of range");
    CHECK_ERROR(cmd(c, "INCRBY i 01"), "ERR value is not an integer or out of range");
    CHECK_ERROR(cmd(c, "DECRBY i 01"), "ERR value is not an integer or out of range");
    CHECK_ERROR(cmd(c, "INCRBY i +1"), "ERR value is not an integer or out of range");
    CHECK_ERROR(cmd(c, "DECRBY i +1"), "ERR value is not an integer or out of range");
    CHECK_ERROR(cmd(c, "INCRBY i -0"), "ERR value is not an integer or out of range");
    CHECK_ERROR(cmd(c, "DECRBY i -0"), "ERR value is not an integer or out of range");
    CHECK_ERROR(cmd(c, "INCRBY i %b", "", (size_t)0), "ERR value is not an integer or out of range");
    CHECK_ERROR(cmd(c, "DECRBY i %b", "", (size_t)0), "ERR value is not an integer or out of range");
    CHECK_ERROR(cmd(c, "INCRBY i 9223372036854775808"), "ERR value is not an integer or out of range");
    CHECK_ERROR(cmd(c, "DECRBY i 9223372036854775808"), "ERR value is not an integer or out of range");
    CHECK_ERROR(cmd(c, "INCRBY i -9223372036854775809"), "ERR value is not an integer or out of range");
    CHECK_ERROR(cmd(c, "DECRBY i -9223372036854775809"), "ERR value is not an integer or out of range");
    CHECK_ERROR(cmd(c, "INCRBY i 0x10"), "ERR value is not an integer or out of range");
    CHECK_ERROR(cmd(c, "DECRBY i 0x10"), "ERR value is not an integer or out of range");
    CHECK_ERROR(cmd(c, "INCRBY i 1e3"), "ERR value is not an integer or out of range");
    CHECK_ERROR(cmd(c, "DECRBY i 1e3"), "ERR value is not an integer or out of range");
    CHECK_ERROR(cmd(c, "INCRBY i %b", "1\000", (size_t)2), "ERR value is not an integer or out of range");
    CHECK_ERROR(cmd(c, "DECRBY i %b", "1\000", (size_t)2), "ERR value is not an integer or out of range");
    CHECK_BULK(cmd(c, "GET i"), "6");
    /* bad stored values: leading/trailing spaces, leading zeros, floats, too big */
    CHECK_STATUS(cmd(c, "SET i %s", " 1"), "OK");
    CHECK_ERROR(cmd(c, "INCR i"), "ERR value is not an integer or out of range");
    CHECK_ERROR(cmd(c, "DECR i"), "ERR value is not an integer or out of range");
    CHECK_ERROR(cmd(c, "INCRBY i 1"), "ERR value is not an integer or out of range");
    CHECK_BULK(cmd(c, "GET i"), " 1");
    CHECK_STATUS(cmd(c, "SET i %s", "1 "), "OK");
    CHECK_ERROR(cmd(c, "INCR i"), "ERR value is not an integer or out of range");
    CHECK_ERROR(cmd(c, "DECR i"), "ERR value is not an integer or out of range");
    CHECK_ERROR(cmd(c, "INCRBY i 1"), "ERR value is not an integer or out of range");
    CHECK_BULK(cmd(c, "GET i"), "1 ");
    CHECK_STATUS(cmd(c, "SET i 01"), "OK");
    CHECK_ERROR(cmd(c, "INCR i"), "ERR value is not an integer or out of range");
    CHECK_ERROR(cmd(c, "DECR i"), "ERR value is not an integer or out of range");
    CHECK_ERROR(cmd(c, "INCRBY i 1"), "ERR value is not an integer or out of range");
    CHECK_BULK(cmd(c, "GET i"), "01");
    CHECK_STATUS(cmd(c, "SET i 00"), "OK");
    CHECK_ERROR(cmd(c, "INCR i"), "ERR value is not an integer or out of range");
    CHECK_ERROR(cmd(c, "DECR i"), "ERR value is not an integer or out of range");
    CHECK_ERROR(cmd(c, "INCRBY i 1"), "ERR value is not an integer or out of range");
    CHECK_BULK(cmd(c, "GET i"), "00");
    CHECK_STATUS(cmd(c, "SET i +1"), "OK");
    CHECK_ERROR(cmd(c, "INCR i"), "ERR value is not an integer or out of range");
    CHECK_ERROR(cmd(c, "DECR i"), "ERR value is not an integer or out of range");
    CHECK_ERROR(cmd(c, "INCRBY i 1"), "ERR value is not an integer or out of range");
    CHECK_BULK(cmd(c, "GET i"), "+1");
    CHECK_STATUS(cmd(c, "SET i -0"), "OK");
    CHECK_ERROR(cmd(c, "INCR i"), "ERR value is not an integer or out of range");
    CHECK_ERROR(cmd(c, "DECR i"), "ERR value is not an integer or out of range");
    CHECK_ERROR(cmd(c, "INCRBY i 1"), "ERR value is not an integer or out of range");
    CHECK_BULK(cmd(c, "GET i"), "-0");
    CHECK_STATUS(cmd(c, "SET i 1.0"), "OK");
    CHECK_ERROR(cmd(c, "INCR i"), "ERR value is not an integer or out of range");
    CHECK_ERROR(cmd(c, "DECR i"), "ERR value is not an integer or out of range");
    CHECK_ERROR(cmd(c, "INCRBY i 1"), "ERR value is not an integer or out of range");
    CHECK_BULK(cmd(c, "GET i"), "1.0");
    CHECK_STATUS(cmd(c, "SET i abc"), "OK");
    CHECK_ERROR(cmd(c, "INCR i"), "ERR value is not an integer or out of range");
    CHECK_ERROR(cmd(c, "DECR i"), "ERR value is not an integer or out of range");
    CHECK_ERROR(cmd(c, "INCRBY i 1"), "ERR value is not an integer or out of range");
    CHECK_BULK(cmd(c, "GET i"), "abc");
    CHECK_STATUS(cmd(c, "SET i %b", "", (size_t)0), "OK");
    CHECK_ERROR(cmd(c, "INCR i"), "ERR value is not an integer or out of range");
    CHECK_ERROR(cmd(c, "DECR i"), "ERR value is not an integer or out of range");
    CHECK_ERROR(cmd(c, "INCRBY i 1"), "ERR value is not an integer or out of range");
    CHECK_BULK(cmd(c, "GET i"), "");
    CHECK_STATUS(cmd(c, "SET i 9223372036854775808"), "OK");
    CHECK_ERROR(cmd(c, "INCR i"), "ERR value is not an integer or out of range");
    CHECK_ERROR(cmd(c, "DECR i"), "ERR value is not an integer or out of range");
    CHECK_ERROR(cmd(c, "INCRBY i 1"), "ERR value is not an integer or out of range");
    CHECK_BULK(cmd(c, "GET i"), "9223372036854775808");
    CHECK_STATUS(cmd(c, "SET i 123456789012345678901"), "OK");
    CHECK_ERROR(cmd(c, "INCR i"), "ERR value is not an integer or out of range");
    CHECK_ERROR(cmd(c, "DECR i"), "ERR value is not an integer or out of range");
    CHECK_ERROR(cmd(c, "INCRBY i 1"), "ERR value is not an integer or out of range");
    CHECK_BULK(cmd(c, "GET i"), "123456789012345678901");
    CHECK_STATUS(cmd(c, "SET i %b", "1\000", (size_t)2), "OK");
    CHECK_ERROR(cmd(c, "INCR i"), "ERR value is not an integer or out of range");
    CHECK_ERROR(cmd(c, "DECR i"), "ERR value is not an integer or out of range");
    CHECK_ERROR(cmd(c, "INCRBY i 1"), "ERR value is not an integer or out of range");
    CHECK_BULKN(cmd(c, "GET i"), "1\000", 2);
    CHECK_STATUS(cmd(c, "SET i 0x1"), "OK");
    CHECK_ERROR(cmd(c, "INCR i"), "ERR value is not an integer or out of range");
    CHECK_ERROR(cmd(c, "DECR i"), "ERR value is not an integer or out of range");
    CHECK_ERROR(cmd(c, "INCRBY i 1"), "ERR value is not an integer or out of range");
    CHECK_BULK(cmd(c, "GET i"), "0x1");
    CHECK_STATUS(cmd(c, "SET i 0"), "OK");
    CHECK_INT(cmd(c, "INCR i"), 1);
    CHECK_STATUS(cmd(c, "SET i -1"), "OK");
    CHECK_INT(cmd(c, "INCR i"), 0);
    CHECK_STATUS(cmd(c, "SET i 9"), "OK");
    CHECK_INT(cmd(c, "INCR i"), 10);
    CHECK_STATUS(cmd(c, "SET i -9223372036854775807"), "OK");
    CHECK_INT(cmd(c, "INCR i"), -9223372036854775806LL);
    /* overflow */
    CHECK_STATUS(cmd(c, "SET i 9223372036854775807"), "OK");
    CHECK_ERROR(cmd(c, "INCR i"), "ERR increment or decrement would overflow");
    CHECK_ERROR(cmd(c, "INCRBY i 1"), "ERR increment or decrement would overflow");
    CHECK_ERROR(cmd(c, "DECRBY i -1"), "ERR increment or decrement would overflow");
    CHECK_BULK(cmd(c, "GET i"), "9223372036854775807");
    CHECK_INT(cmd(c, "INCRBY i 0"), LLONG_MAX);
    CHECK_INT(cmd(c, "DECR i"), 9223372036854775806LL);
    CHECK_STATUS(cmd(c, "SET i -9223372036854775808"), "OK");
    CHECK_ERROR(cmd(c, "DECR i"), "ERR increment or decrement would overflow");
    CHECK_ERROR(cmd(c, "INCRBY i -1"), "ERR increment or decrement would overflow");
    CHECK_ERROR(cmd(c, "DECRBY i 1"), "ERR increment or decrement would overflow");
    CHECK_BULK(cmd(c, "GET i"), "-9223372036854775808");
    CHECK_INT(cmd(c, "INCR i"), -9223372036854775807LL);
    CHECK_STATUS(cmd(c, "SET i 0"), "OK");
    CHECK_ERROR(cmd(c, "DECRBY i -9223372036854775808"), "ERR decrement would overflow");
    CHECK_INT(cmd(c, "INCRBY i -9223372036854775808"), LLONG_MIN);
    CHECK_ERROR(cmd(c, "DECRBY i 9223372036854775807"), "ERR increment or decrement would overflow");
    CHECK_STATUS(cmd(c, "SET i 5"), "OK");
    CHECK_INT(cmd(c, "INCRBY i 9223372036854775802"), LLONG_MAX);
    CHECK_ERROR(cmd(c, "INCRBY i 9223372036854775803"), "ERR increment or decrement would overflow");
    CHECK_BULK(cmd(c, "GET i"), "9223372036854775807");
    CHECK_STATUS(cmd(c, "SET i -5"), "OK");
    CHECK_INT(cmd(c, "INCRBY i -9223372036854775803"), LLONG_MIN);
    CHECK_ERROR(cmd(c, "INCRBY i -9223372036854775804"), "ERR increment or decrement would overflow");
    CHECK_BULK(cmd(c, "GET i"), "-9223372036854775808");
    CHECK_STATUS(cmd(c, "SET i -1"), "OK");
    CHECK_INT(cmd(c, "INCRBY i 9223372036854775807"), 9223372036854775806LL);
    CHECK_INT(cmd(c, "INCRBY i -9223372036854775808"), -2);
    CHECK_INT(cmd(c, "DECRBY nd -9223372036854775807"), LLONG_MAX);
    CHECK_ERROR(cmd(c, "INCR nd"), "ERR increment or decrement would overflow");
    /* the TTL is kept */
    CHECK_STATUS(cmd(c, "SET i 10 EX 100"), "OK");
    CHECK_INT(cmd(c, "INCR i"), 11);
    CHECK_INT(cmd(c, "INCRBY i 5"), 16);
    CHECK_INT(cmd(c, "DECR i"), 15);
    CHECK_INT(cmd(c, "DECRBY i 2"), 13);
    CHECK_INT(cmd(c, "TTL i"), 100);
    CHECK_BULK(cmd(c, "GET i"), "13");
    /* arity */
    CHECK_ERROR(cmd(c, "INCR"), "ERR wrong number of arguments for 'incr' command");
    CHECK_ERROR(cmd(c, "INCR a b"), "ERR wrong number of arguments for 'incr' command");
    CHECK_ERROR(cmd(c, "DECR"), "ERR wrong number of arguments for 'decr' command");
    CHECK_ERROR(cmd(c, "INCRBY a"), "ERR wrong number of arguments for 'incrby' command");
    CHECK_ERROR(cmd(c, "DECRBY a"), "ERR wrong number of arguments for 'decrby' command");
    CHECK_ERROR(cmd(c, "DECRBY a 1 2"), "ERR wrong number of arguments for 'decrby' command");
}

/* INCRBYFLOAT: result formatting as Redis (long double, %.17Lf trimmed), errors. */
static void test_incrbyfloat(redisContext *c) {
    CHECK_STATUS(cmd(c, "FLUSHALL"), "OK");
    CHECK_STATUS(cmd(c, "SET f 10.5"), "OK");
    CHECK_BULK(cmd(c, "INCRBYFLOAT f 0.1"), "10.6");
    CHECK_BULK(cmd(c, "GET f"), "10.6");
    CHECK_STATUS(cmd(c, "SET f 10"), "OK");
    CHECK_BULK(cmd(c, "INCRBYFLOAT f 5.0e3"), "5010");
    CHECK_BULK(cmd(c, "GET f"), "5010");
    CHECK_STATUS(cmd(c, "SET f 5.0e3"), "OK");
    CHECK_BULK(cmd(c, "INCRBYFLOAT f 1"), "5001");
    CHECK_BULK(cmd(c, "GET f"), "5001");
    CHECK_STATUS(cmd(c, "SET f 0"), "OK");
    CHECK_BULK(cmd(c, "INCRBYFLOAT f 1e-5"), "0.00001");
    CHECK_BULK(cmd(c, "GET f"), "0.00001");
    CHECK_STATUS(cmd(c, "SET f 3.0"), "OK");
    CHECK_BULK(cmd(c, "INCRBYFLOAT f 0"), "3");
    CHECK_BULK(cmd(c, "GET f"), "3");
    CHECK_STATUS(cmd(c, "SET f 5"), "OK");
    CHECK_BULK(cmd(c, "INCRBYFLOAT f -5"), "0");
    CHECK_BULK(cmd(c, "GET f"), "0");
    CHECK_STATUS(cmd(c, "SET f 1.5"), "OK");
    CHECK_BULK(cmd(c, "INCRBYFLOAT f 1.5"), "3");
    CHECK_BULK(cmd(c, "GET f"), "3");
    CHECK_STATUS(cmd(c, "SET f 10.50"), "OK");
    CHECK_BULK(cmd(c, "INCRBYFLOAT f 0"), "10.5");
    CHECK_BULK(cmd(c, "GET f"), "10.5");
    CHECK_STATUS(cmd(c, "SET f 0"), "OK");
    CHECK_BULK(cmd(c, "INCRBYFLOAT f 1.1e-17"), "0.00000000000000001");
    CHECK_BULK(cmd(c, "GET f"), "0.00000000000000001");
    CHECK_STATUS(cmd(c, "SET f 0"), "OK");
    CHECK_BULK(cmd(c, "INCRBYFLOAT f 123456789.123456789"), "123456789.12345678899873747");
    CHECK_BULK(cmd(c, "GET f"), "123456789.12345678899873747");
    CHECK_STATUS(cmd(c, "SET f 0"), "OK");
    CHECK_BULK(cmd(c, "INCRBYFLOAT f 1e20"), "100000000000000000000");
    CHECK_BULK(cmd(c, "GET f"), "100000000000000000000");
    CHECK_STATUS(cmd(c, "SET f 0"), "OK");
    CHECK_BULK(cmd(c, "INCRBYFLOAT f -1e20"), "-100000000000000000000");
    CHECK_BULK(cmd(c, "GET f"), "-100000000000000000000");
    CHECK_STATUS(cmd(c, "SET f 0"), "OK");
    CHECK_BULK(cmd(c, "INCRBYFLOAT f 0.1"), "0.1");
    CHECK_BULK(cmd(c, "GET f"), "0.1");
    CHECK_STATUS(cmd(c, "SET f 0.1"), "OK");
    CHECK_BULK(cmd(c, "INCRBYFLOAT f 0.2"), "0.3");
    CHECK_BULK(cmd(c, "GET f"), "0.3");
    CHECK_STATUS(cmd(c, "SET f 2"), "OK");
    CHECK_BULK(cmd(c, "INCRBYFLOAT f 0.0000000000000000001"), "2");
    CHECK_BULK(cmd(c, "GET f"), "2");
    CHECK_STATUS(cmd(c, "SET f -1"), "OK");
    CHECK_BULK(cmd(c, "INCRBYFLOAT f -0.5"), "-1.5");
    CHECK_BULK(cmd(c, "GET f"), "-1.5");
    CHECK_STATUS(cmd(c, "SET f 0"), "OK");
    CHECK_BULK(cmd(c, "INCRBYFLOAT f -0"), "0");
    CHECK_BULK(cmd(c, "GET f"), "0");
    CHECK_STATUS(cmd(c, "SET f -0"), "OK");
    CHECK_BULK(cmd(c, "INCRBYFLOAT f 0"), "0");
    CHECK_BULK(cmd(c, "GET f"), "0");
    CHECK_STATUS(cmd(c, "SET f 1"), "OK");
    CHECK_BULK(cmd(c, "INCRBYFLOAT f 1"), "2");
    CHECK_BULK(cmd(c, "GET f"), "2");
    CHECK_STATUS(cmd(c, "SET f 0"), "OK");
    CHECK_BULK(cmd(c, "INCRBYFLOAT f 3.14159265358979323846"), "3.14159265358979324");
    CHECK_BULK(cmd(c, "GET f"), "3.14159265358979324");
    CHECK_STATUS(cmd(c, "SET f 0"), "OK");
    CHECK_BULK(cmd(c, "INCRBYFLOAT f 12345678901234567890"), "12345678901234567890");
    CHECK_BULK(cmd(c, "GET f"), "12345678901234567890");
    CHECK_STATUS(cmd(c, "SET f 1e17"), "OK");
    CHECK_BULK(cmd(c, "INCRBYFLOAT f 1"), "100000000000000001");
    CHECK_BULK(cmd(c, "GET f"), "100000000000000001");
    CHECK_STATUS(cmd(c, "SET f 0"), "OK");
    CHECK_BULK(cmd(c, "INCRBYFLOAT f 1E5"), "100000");
    CHECK_BULK(cmd(c, "GET f"), "100000");
    CHECK_STATUS(cmd(c, "SET f 0"), "OK");
    CHECK_BULK(cmd(c, "INCRBYFLOAT f 100000000000000000000000"), "100000000000000000000000");
    CHECK_BULK(cmd(c, "GET f"), "100000000000000000000000");
    CHECK_STATUS(cmd(c, "SET f 0"), "OK");
    CHECK_BULK(cmd(c, "INCRBYFLOAT f 0x10"), "16");
    CHECK_BULK(cmd(c, "GET f"), "16");
    CHECK_STATUS(cmd(c, "SET f 0"), "OK");
    CHECK_BULK(cmd(c, "INCRBYFLOAT f 0x1p3"), "8");
    CHECK_BULK(cmd(c, "GET f"), "8");
    CHECK_STATUS(cmd(c, "SET f 1.0e1"), "OK");
    CHECK_BULK(cmd(c, "INCRBYFLOAT f 1"), "11");
    CHECK_BULK(cmd(c, "GET f"), "11");
    CHECK_STATUS(cmd(c, "SET f 0"), "OK");
    CHECK_BULK(cmd(c, "INCRBYFLOAT f 0.1e-2"), "0.001");
    CHECK_BULK(cmd(c, "GET f"), "0.001");
    CHECK_STATUS(cmd(c, "SET f 1.23"), "OK");
    CHECK_BULK(cmd(c, "INCRBYFLOAT f 0"), "1.23");
    CHECK_BULK(cmd(c, "GET f"), "1.23");
    CHECK_STATUS(cmd(c, "SET f 100"), "OK");
    CHECK_BULK(cmd(c, "INCRBYFLOAT f 0.000001"), "100.000001");
    CHECK_BULK(cmd(c, "GET f"), "100.000001");
    CHECK_STATUS(cmd(c, "SET f 0"), "OK");
    CHECK_BULK(cmd(c, "INCRBYFLOAT f .5"), "0.5");
    CHECK_BULK(cmd(c, "GET f"), "0.5");
    CHECK_STATUS(cmd(c, "SET f 0"), "OK");
    CHECK_BULK(cmd(c, "INCRBYFLOAT f 5."), "5");
    CHECK_BULK(cmd(c, "GET f"), "5");
    CHECK_STATUS(cmd(c, "SET f 0"), "OK");
    CHECK_BULK(cmd(c, "INCRBYFLOAT f +1.5"), "1.5");
    CHECK_BULK(cmd(c, "GET f"), "1.5");
    CHECK_STATUS(cmd(c, "SET f 0"), "OK");
    CHECK_BULK(cmd(c, "INCRBYFLOAT f 1e-20"), "0");
    CHECK_BULK(cmd(c, "GET f"), "0");
    CHECK_STATUS(cmd(c, "SET f 0"), "OK");
    CHECK_BULK(cmd(c, "INCRBYFLOAT f -1e-20"), "0");
    CHECK_BULK(cmd(c, "GET f"), "0");
    CHECK_STATUS(cmd(c, "SET f 1e-20"), "OK");
    CHECK_BULK(cmd(c, "INCRBYFLOAT f 1"), "1");
    CHECK_BULK(cmd(c, "GET f"), "1");
    CHECK_STATUS(cmd(c, "SET f 0"), "OK");
    CHECK_BULK(cmd(c, "INCRBYFLOAT f 1e-7"), "0.0000001");
    CHECK_BULK(cmd(c, "GET f"), "0.0000001");
    CHECK_STATUS(cmd(c, "SET f 0"), "OK");
    CHECK_BULK(cmd(c, "INCRBYFLOAT f 5e-324"), "0");
    CHECK_BULK(cmd(c, "GET f"), "0");
    CHECK_STATUS(cmd(c, "SET f inf"), "OK");
    CHECK_ERROR(cmd(c, "INCRBYFLOAT f 1"), "ERR increment would produce NaN or Infinity");
    CHECK_BULK(cmd(c, "GET f"), "inf");
    CHECK_STATUS(cmd(c, "SET f -inf"), "OK");
    CHECK_ERROR(cmd(c, "INCRBYFLOAT f 1"), "ERR increment would produce NaN or Infinity");
    CHECK_BULK(cmd(c, "GET f"), "-inf");
    CHECK_STATUS(cmd(c, "SET f 1"), "OK");
    CHECK_ERROR(cmd(c, "INCRBYFLOAT f inf"), "ERR increment would produce NaN or Infinity");
    CHECK_BULK(cmd(c, "GET f"), "1");
    CHECK_STATUS(cmd(c, "SET f 1"), "OK");
    CHECK_ERROR(cmd(c, "INCRBYFLOAT f -inf"), "ERR increment would produce NaN or Infinity");
    CHECK_BULK(cmd(c, "GET f"), "1");
    CHECK_STATUS(cmd(c, "SET f 1"), "OK");
    CHECK_ERROR(cmd(c, "INCRBYFLOAT f infinity"), "ERR increment would produce NaN or Infinity");
    CHECK_BULK(cmd(c, "GET f"), "1");
    CHECK_STATUS(cmd(c, "SET f 1"), "OK");
    CHECK_ERROR(cmd(c, "INCRBYFLOAT f nan"), "ERR value is not a valid float");
    CHECK_BULK(cmd(c, "GET f"), "1");
    CHECK_STATUS(cmd(c, "SET f nan"), "OK");
    CHECK_ERROR(cmd(c, "INCRBYFLOAT f 1"), "ERR value is not a valid float");
    CHECK_BULK(cmd(c, "GET f"), "nan");
    CHECK_STATUS(cmd(c, "SET f 1"), "OK");
    CHECK_ERROR(cmd(c, "INCRBYFLOAT f -nan"), "ERR value is not a valid float");
    CHECK_BULK(cmd(c, "GET f"), "1");
    CHECK_STATUS(cmd(c, "SET f 1"), "OK");
    CHECK_ERROR(cmd(c, "INCRBYFLOAT f abc"), "ERR value is not a valid float");
    CHECK_BULK(cmd(c, "GET f"), "1");
    CHECK_STATUS(cmd(c, "SET f abc"), "OK");
    CHECK_ERROR(cmd(c, "INCRBYFLOAT f 1"), "ERR value is not a valid float");
    CHECK_BULK(cmd(c, "GET f"), "abc");
    CHECK_STATUS(cmd(c, "SET f 1"), "OK");
    CHECK_ERROR(cmd(c, "INCRBYFLOAT f %s", " 1"), "ERR value is not a valid float");
    CHECK_BULK(cmd(c, "GET f"), "1");
    CHECK_STATUS(cmd(c, "SET f 1"), "OK");
    CHECK_ERROR(cmd(c, "INCRBYFLOAT f %s", "1 "), "ERR value is not a valid float");
    CHECK_BULK(cmd(c, "GET f"), "1");
    CHECK_STATUS(cmd(c, "SET f %s", " 1"), "OK");
    CHECK_ERROR(cmd(c, "INCRBYFLOAT f 1"), "ERR value is not a valid float");
    CHECK_BULK(cmd(c, "GET f"), " 1");
    CHECK_STATUS(cmd(c, "SET f %s", "1 "), "OK");
    CHECK_ERROR(cmd(c, "INCRBYFLOAT f 1"), "ERR value is not a valid float");
    CHECK_BULK(cmd(c, "GET f"), "1 ");
    CHECK_STATUS(cmd(c, "SET f 1"), "OK");
    CHECK_ERROR(cmd(c, "INCRBYFLOAT f %b", "", (size_t)0), "ERR value is not a valid float");
    CHECK_BULK(cmd(c, "GET f"), "1");
    CHECK_STATUS(cmd(c, "SET f %b", "", (size_t)0), "OK");
    CHECK_ERROR(cmd(c, "INCRBYFLOAT f 1"), "ERR value is not a valid float");
    CHECK_BULK(cmd(c, "GET f"), "");
    CHECK_STATUS(cmd(c, "SET f 1"), "OK");
    CHECK_ERROR(cmd(c, "INCRBYFLOAT f 1e"), "ERR value is not a valid float");
    CHECK_BULK(cmd(c, "GET f"), "1");
    CHECK_STATUS(cmd(c, "SET f 1"), "OK");
    CHECK_ERROR(cmd(c, "INCRBYFLOAT f 1e5000"), "ERR value is not a valid float");
    CHECK_BULK(cmd(c, "GET f"), "1");
    CHECK_STATUS(cmd(c, "SET f 1"), "OK");
    CHECK_ERROR(cmd(c, "INCRBYFLOAT f 1e-5000"), "ERR value is not a valid float");
    CHECK_BULK(cmd(c, "GET f"), "1");
    CHECK_STATUS(cmd(c, "SET f 1"), "OK");
    CHECK_ERROR(cmd(c, "INCRBYFLOAT f %b", "1\000", (size_t)2), "ERR value is not a valid float");
    CHECK_BULK(cmd(c, "GET f"), "1");
    CHECK_STATUS(cmd(c, "SET f %b", "1\000", (size_t)2), "OK");
    CHECK_ERROR(cmd(c, "INCRBYFLOAT f 1"), "ERR value is not a valid float");
    CHECK_BULKN(cmd(c, "GET f"), "1\000", 2);
    CHECK_STATUS(cmd(c, "SET f %b", "1\000 2", (size_t)4), "OK");
    CHECK_ERROR(cmd(c, "INCRBYFLOAT f 1"), "ERR value is not a valid float");
    CHECK_BULKN(cmd(c, "GET f"), "1\000 2", 4);
    CHECK_INT(cmd(c, "DEL f"), 1);
    CHECK_BULK(cmd(c, "INCRBYFLOAT f 1.5"), "1.5");
    CHECK_BULK(cmd(c, "GET f"), "1.5");
    CHECK_BULK(cmd(c, "INCRBYFLOAT f2 -0.25"), "-0.25");
    CHECK_BULK(cmd(c, "INCRBYFLOAT f3 7"), "7");
    /* the TTL is kept */
    CHECK_STATUS(cmd(c, "SET f 1 EX 100"), "OK");
    CHECK_BULK(cmd(c, "INCRBYFLOAT f 1.25"), "2.25");
    CHECK_INT(cmd(c, "TTL f"), 100);
    CHECK_ERROR(cmd(c, "INCRBYFLOAT f"), "ERR wrong number of arguments for 'incrbyfloat' command");
    CHECK_ERROR(cmd(c, "INCRBYFLOAT f 1 2"), "ERR wrong number of arguments for 'incrbyfloat' command");
}

/* APPEND and STRLEN. */
static void test_append_strlen(redisContext *c) {
    CHECK_STATUS(cmd(c, "FLUSHALL"), "OK");
    CHECK_INT(cmd(c, "APPEND a hello"), 5);
    CHECK_INT(cmd(c, "APPEND a %s", " world"), 11);
    CHECK_BULK(cmd(c, "GET a"), "hello world");
    CHECK_INT(cmd(c, "APPEND a %b", "", (size_t)0), 11);
    CHECK_BULK(cmd(c, "GET a"), "hello world");
    CHECK_INT(cmd(c, "APPEND e %b", "", (size_t)0), 0);
    CHECK_INT(cmd(c, "EXISTS e"), 1);
    CHECK_BULK(cmd(c, "GET e"), "");
    CHECK_INT(cmd(c, "STRLEN e"), 0);
    CHECK_STATUS(cmd(c, "SET a x EX 100"), "OK");
    CHECK_INT(cmd(c, "APPEND a y"), 2);
    CHECK_INT(cmd(c, "TTL a"), 100);
    CHECK_BULK(cmd(c, "GET a"), "xy");
    CHECK_INT(cmd(c, "STRLEN a"), 2);
    CHECK_INT(cmd(c, "STRLEN nokey"), 0);
    CHECK_STATUS(cmd(c, "SET n 12345"), "OK");
    CHECK_INT(cmd(c, "STRLEN n"), 5);
    CHECK_INT(cmd(c, "INCR n"), 12346);
    CHECK_INT(cmd(c, "STRLEN n"), 5);
    CHECK_INT(cmd(c, "APPEND n 6"), 6);
    CHECK_BULK(cmd(c, "GET n"), "123466");
    CHECK_INT(cmd(c, "INCR n"), 123467);
    CHECK_INT(cmd(c, "APPEND b %b", "\000\001", (size_t)2), 2);
    CHECK_INT(cmd(c, "APPEND b %b", "\000", (size_t)1), 3);
    CHECK_INT(cmd(c, "STRLEN b"), 3);
    CHECK_BULKN(cmd(c, "GET b"), "\000\001\000", 3);
    CHECK_ERROR(cmd(c, "APPEND"), "ERR wrong number of arguments for 'append' command");
    CHECK_ERROR(cmd(c, "APPEND a"), "ERR wrong number of arguments for 'append' command");
    CHECK_ERROR(cmd(c, "APPEND a b c"), "ERR wrong number of arguments for 'append' command");
    CHECK_ERROR(cmd(c, "STRLEN"), "ERR wrong number of arguments for 'strlen' command");
    CHECK_ERROR(cmd(c, "STRLEN a b"), "ERR wrong number of arguments for 'strlen' command");
}

/* GETRANGE / SUBSTR: negative indices, out of range, missing key. */
static void test_getrange(redisContext *c) {
    CHECK_STATUS(cmd(c, "FLUSHALL"), "OK");
    CHECK_STATUS(cmd(c, "SET s %s", "Hello World"), "OK");
    CHECK_BULK(cmd(c, "GETRANGE s 0 3"), "Hell");
    CHECK_BULK(cmd(c, "SUBSTR s 0 3"), "Hell");
    CHECK_BULK(cmd(c, "GETRANGE s -3 -1"), "rld");
    CHECK_BULK(cmd(c, "SUBSTR s -3 -1"), "rld");
    CHECK_BULK(cmd(c, "GETRANGE s 0 -1"), "Hello World");
    CHECK_BULK(cmd(c, "SUBSTR s 0 -1"), "Hello World");
    CHECK_BULK(cmd(c, "GETRANGE s 10 100"), "d");
    CHECK_BULK(cmd(c, "SUBSTR s 10 100"), "d");
    CHECK_BULK(cmd(c, "GETRANGE s 100 200"), "");
    CHECK_BULK(cmd(c, "SUBSTR s 100 200"), "");
    CHECK_BULK(cmd(c, "GETRANGE s -100 -50"), "H");
    CHECK_BULK(cmd(c, "SUBSTR s -100 -50"), "H");
    CHECK_BULK(cmd(c, "GETRANGE s -100 5"), "Hello ");
    CHECK_BULK(cmd(c, "SUBSTR s -100 5"), "Hello ");
    CHECK_BULK(cmd(c, "GETRANGE s 5 3"), "");
    CHECK_BULK(cmd(c, "SUBSTR s 5 3"), "");
    CHECK_BULK(cmd(c, "GETRANGE s -1 -5"), "");
    CHECK_BULK(cmd(c, "SUBSTR s -1 -5"), "");
    CHECK_BULK(cmd(c, "GETRANGE s 0 0"), "H");
    CHECK_BULK(cmd(c, "SUBSTR s 0 0"), "H");
    CHECK_BULK(cmd(c, "GETRANGE s -1 -1"), "d");
    CHECK_BULK(cmd(c, "SUBSTR s -1 -1"), "d");
    CHECK_BULK(cmd(c, "GETRANGE s 11 11"), "");
    CHECK_BULK(cmd(c, "SUBSTR s 11 11"), "");
    CHECK_BULK(cmd(c, "GETRANGE s 10 10"), "d");
    CHECK_BULK(cmd(c, "SUBSTR s 10 10"), "d");
    CHECK_BULK(cmd(c, "GETRANGE s -11 -11"), "H");
    CHECK_BULK(cmd(c, "SUBSTR s -11 -11"), "H");
    CHECK_BULK(cmd(c, "GETRANGE s -12 -12"), "H");
    CHECK_BULK(cmd(c, "SUBSTR s -12 -12"), "H");
    CHECK_BULK(cmd(c, "GETRANGE s 3 -100"), "");
    CHECK_BULK(cmd(c, "SUBSTR s 3 -100"), "");
    CHECK_BULK(cmd(c, "GETRANGE s 0 -12"), "H");
    CHECK_BULK(cmd(c, "SUBSTR s 0 -12"), "H");
    CHECK_BULK(cmd(c, "GETRANGE s -5 100"), "World");
    CHECK_BULK(cmd(c, "SUBSTR s -5 100"), "World");
    CHECK_BULK(cmd(c, "GETRANGE s -9223372036854775808 9223372036854775807"), "Hello World");
    CHECK_BULK(cmd(c, "SUBSTR s -9223372036854775808 9223372036854775807"), "Hello World");
    CHECK_BULK(cmd(c, "GETRANGE s 9223372036854775807 -9223372036854775808"), "");
    CHECK_BULK(cmd(c, "SUBSTR s 9223372036854775807 -9223372036854775808"), "");
    CHECK_BULK(cmd(c, "GETRANGE s -1 0"), "");
    CHECK_BULK(cmd(c, "SUBSTR s -1 0"), "");
    CHECK_BULK(cmd(c, "GETRANGE s 0 -100"), "H");
    CHECK_BULK(cmd(c, "SUBSTR s 0 -100"), "H");
    CHECK_BULK(cmd(c, "GETRANGE s -1 -100"), "");
    CHECK_BULK(cmd(c, "SUBSTR s -1 -100"), "");
    CHECK_BULK(cmd(c, "GETRANGE s -100 -1"), "Hello World");
    CHECK_BULK(cmd(c, "SUBSTR s -100 -1"), "Hello World");
    CHECK_BULK(cmd(c, "GETRANGE s 6 -1"), "World");
    CHECK_BULK(cmd(c, "SUBSTR s 6 -1"), "World");
    CHECK_BULK(cmd(c, "GETRANGE s -5 -2"), "Worl");
    CHECK_BULK(cmd(c, "SUBSTR s -5 -2"), "Worl");
    CHECK_ERROR(cmd(c, "GETRANGE s a 1"), "ERR value is not an integer or out of range");
    CHECK_ERROR(cmd(c, "SUBSTR s a 1"), "ERR value is not an integer or out of range");
    CHECK_ERROR(cmd(c, "GETRANGE s 1 b"), "ERR value is not an integer or out of range");
    CHECK_ERROR(cmd(c, "SUBSTR s 1 b"), "ERR value is not an integer or out of range");
    CHECK_ERROR(cmd(c, "GETRANGE s 1.5 2"), "ERR value is not an integer or out of range");
    CHECK_ERROR(cmd(c, "SUBSTR s 1.5 2"), "ERR value is not an integer or out of range");
    CHECK_ERROR(cmd(c, "GETRANGE s %b 1", "", (size_t)0), "ERR value is not an integer or out of range");
    CHECK_ERROR(cmd(c, "SUBSTR s %b 1", "", (size_t)0), "ERR value is not an integer or out of range");
    CHECK_ERROR(cmd(c, "GETRANGE s 9223372036854775808 1"), "ERR value is not an integer or out of range");
    CHECK_ERROR(cmd(c, "SUBSTR s 9223372036854775808 1"), "ERR value is not an integer or out of range");
    CHECK_ERROR(cmd(c, "GETRANGE s %s 2", " 1"), "ERR value is not an integer or out of range");
    CHECK_ERROR(cmd(c, "SUBSTR s %s 2", " 1"), "ERR value is not an integer or out of range");
    CHECK_BULK(cmd(c, "GETRANGE nokey 0 -1"), "");
    CHECK_ERROR(cmd(c, "GETRANGE nokey 0 a"), "ERR value is not an integer or out of range");
    CHECK_BULK(cmd(c, "GETRANGE nokey 5 1"), "");
    CHECK_STATUS(cmd(c, "SET em %b", "", (size_t)0), "OK");
    CHECK_BULK(cmd(c, "GETRANGE em 0 -1"), "");
    CHECK_BULK(cmd(c, "GETRANGE em 0 0"), "");
    CHECK_BULK(cmd(c, "GETRANGE em -1 -1"), "");
    CHECK_STATUS(cmd(c, "SET bin %b", "a\000b\000c", (size_t)5), "OK");
    CHECK_BULKN(cmd(c, "GETRANGE bin 1 3"), "\000b\000", 3);
    CHECK_BULKN(cmd(c, "GETRANGE bin -2 -1"), "\000c", 2);
    CHECK_ERROR(cmd(c, "GETRANGE s 0"), "ERR wrong number of arguments for 'getrange' command");
    CHECK_ERROR(cmd(c, "SUBSTR s"), "ERR wrong number of arguments for 'substr' command");
    CHECK_ERROR(cmd(c, "GETRANGE s 0 1 2"), "ERR wrong number of arguments for 'getrange' command");
}

/* SETRANGE: overwrite, zero padding, offset errors, empty values. */
static void test_setrange(redisContext *c) {
    CHECK_STATUS(cmd(c, "FLUSHALL"), "OK");
    CHECK_INT(cmd(c, "SETRANGE r 5 hi"), 7);
    CHECK_BULKN(cmd(c, "GET r"), "\000\000\000\000\000hi", 7);
    CHECK_INT(cmd(c, "STRLEN r"), 7);
    CHECK_INT(cmd(c, "SETRANGE r 0 XY"), 7);
    CHECK_BULKN(cmd(c, "GET r"), "XY\000\000\000hi", 7);
    CHECK_INT(cmd(c, "SETRANGE r 1 abcdefgh"), 9);
    CHECK_BULK(cmd(c, "GET r"), "Xabcdefgh");
    CHECK_INT(cmd(c, "SETRANGE r 12 %s", "!"), 13);
    CHECK_BULKN(cmd(c, "GET r"), "Xabcdefgh\000\000\000!", 13);
    CHECK_INT(cmd(c, "SETRANGE r 0 %b", "", (size_t)0), 13);
    CHECK_BULKN(cmd(c, "GET r"), "Xabcdefgh\000\000\000!", 13);
    CHECK_ERROR(cmd(c, "SETRANGE r -1 x"), "ERR offset is out of range");
    CHECK_ERROR(cmd(c, "SETRANGE r a x"), "ERR value is not an integer or out of range");
    CHECK_ERROR(cmd(c, "SETRANGE r 1.5 x"), "ERR value is not an integer or out of range");
    CHECK_ERROR(cmd(c, "SETRANGE r %b x", "", (size_t)0), "ERR value is not an integer or out of range");
    CHECK_BULKN(cmd(c, "GET r"), "Xabcdefgh\000\000\000!", 13);
    /* an empty value on a missing key replies 0 and creates nothing, even past the end */
    CHECK_INT(cmd(c, "SETRANGE nk 0 %b", "", (size_t)0), 0);
    CHECK_INT(cmd(c, "EXISTS nk"), 0);
    CHECK_INT(cmd(c, "SETRANGE nk 10 %b", "", (size_t)0), 0);
    CHECK_INT(cmd(c, "EXISTS nk"), 0);
    CHECK_INT(cmd(c, "SETRANGE r 100 %b", "", (size_t)0), 13);
    CHECK_INT(cmd(c, "STRLEN r"), 13);
    CHECK_ERROR(cmd(c, "SETRANGE nk -1 %b", "", (size_t)0), "ERR offset is out of range");
    CHECK_ERROR(cmd(c, "SETRANGE nk abc %b", "", (size_t)0), "ERR value is not an integer or out of range");
    /* the result may not exceed proto-max-bulk-len (512 MB) */
    CHECK_INT(cmd(c, "SETRANGE r 536870911 %b", "", (size_t)0), 13);
    CHECK_ERROR(cmd(c, "SETRANGE r 536870912 x"), "ERR string exceeds maximum allowed size (proto-max-bulk-len)");
    CHECK_ERROR(cmd(c, "SETRANGE r 536870911 xy"), "ERR string exceeds maximum allowed size (proto-max-bulk-len)");
    CHECK_ERROR(cmd(c, "SETRANGE r 9223372036854775807 x"), "ERR string exceeds maximum allowed size (proto-max-bulk-len)");
    CHECK_ERROR(cmd(c, "SETRANGE nk 536870912 x"), "ERR string exceeds maximum allowed size (proto-max-bulk-len)");
    CHECK_INT(cmd(c, "SETRANGE nk 536870912 %b", "", (size_t)0), 0);
    CHECK_INT(cmd(c, "EXISTS nk"), 0);
    CHECK_BULKN(cmd(c, "GET r"), "Xabcdefgh\000\000\000!", 13);
    CHECK_STATUS(cmd(c, "SET r v EX 100"), "OK");
    CHECK_INT(cmd(c, "SETRANGE r 0 w"), 1);
    CHECK_INT(cmd(c, "TTL r"), 100);
    CHECK_INT(cmd(c, "SETRANGE r 3 z"), 4);
    CHECK_BULKN(cmd(c, "GET r"), "w\000\000z", 4);
    CHECK_INT(cmd(c, "TTL r"), 100);
    CHECK_ERROR(cmd(c, "SETRANGE r 0"), "ERR wrong number of arguments for 'setrange' command");
    CHECK_ERROR(cmd(c, "SETRANGE r"), "ERR wrong number of arguments for 'setrange' command");
    CHECK_ERROR(cmd(c, "SETRANGE r 0 a b"), "ERR wrong number of arguments for 'setrange' command");
}

/* LCS: plain, LEN, IDX, MINMATCHLEN, WITHMATCHLEN; reply shapes as Redis 7.0. */
static void test_lcs(redisContext *c) {
    CHECK_STATUS(cmd(c, "FLUSHALL"), "OK");
    CHECK_STATUS(cmd(c, "MSET key1 ohmytext key2 mynewtext"), "OK");
    CHECK_BULK(cmd(c, "LCS key1 key2"), "mytext");
    CHECK_INT(cmd(c, "LCS key1 key2 LEN"), 6);
    CHECK_REPLY(cmd(c, "LCS key1 key2 IDX"), "[$matches,[[[:4,:7],[:5,:8]],[[:2,:3],[:0,:1]]],$len,:6]");
    CHECK_REPLY(cmd(c, "LCS key1 key2 IDX MINMATCHLEN 4"), "[$matches,[[[:4,:7],[:5,:8]]],$len,:6]");
    CHECK_REPLY(cmd(c, "LCS key1 key2 IDX MINMATCHLEN 4 WITHMATCHLEN"), "[$matches,[[[:4,:7],[:5,:8],:4]],$len,:6]");
    CHECK_REPLY(cmd(c, "LCS key1 key2 IDX WITHMATCHLEN"), "[$matches,[[[:4,:7],[:5,:8],:4],[[:2,:3],[:0,:1],:2]],$len,:6]");
    CHECK_REPLY(cmd(c, "LCS key2 key1 IDX WITHMATCHLEN"), "[$matches,[[[:5,:8],[:4,:7],:4],[[:0,:1],[:2,:3],:2]],$len,:6]");
    CHECK_ERROR(cmd(c, "LCS key1 key2 LEN IDX"), "ERR If you want both the length and indexes, please just use IDX.");
    CHECK_ERROR(cmd(c, "LCS key1 key2 IDX LEN"), "ERR If you want both the length and indexes, please just use IDX.");
    CHECK_ERROR(cmd(c, "LCS key1 key2 MINMATCHLEN"), "ERR syntax error");
    CHECK_ERROR(cmd(c, "LCS key1 key2 MINMATCHLEN abc"), "ERR value is not an integer or out of range");
    CHECK_REPLY(cmd(c, "LCS key1 key2 MINMATCHLEN -1 IDX"), "[$matches,[[[:4,:7],[:5,:8]],[[:2,:3],[:0,:1]]],$len,:6]");
    CHECK_ERROR(cmd(c, "LCS key1 key2 foo"), "ERR syntax error");
    CHECK_INT(cmd(c, "LCS key1 key2 LEN LEN"), 6);
    CHECK_BULK(cmd(c, "LCS key1 key2 WITHMATCHLEN"), "mytext");
    CHECK_BULK(cmd(c, "LCS key1 key2 MINMATCHLEN 3"), "mytext");
    CHECK_INT(cmd(c, "LCS key1 key2 LEN WITHMATCHLEN"), 6);
    CHECK_INT(cmd(c, "LCS key1 key2 len minmatchlen 2"), 6);
    CHECK_REPLY(cmd(c, "LCS key1 key2 idx minmatchlen 9223372036854775807"), "[$matches,[],$len,:6]");
    CHECK_ERROR(cmd(c, "LCS key1 key2 IDX MINMATCHLEN 99999999999999999999"), "ERR value is not an integer or out of range");
    CHECK_BULK(cmd(c, "LCS key1 nokey"), "");
    CHECK_BULK(cmd(c, "LCS nokey nokey2"), "");
    CHECK_REPLY(cmd(c, "LCS nokey nokey2 IDX"), "[$matches,[],$len,:0]");
    CHECK_INT(cmd(c, "LCS nokey nokey2 LEN"), 0);
    CHECK_REPLY(cmd(c, "LCS key1 nokey IDX WITHMATCHLEN"), "[$matches,[],$len,:0]");
    CHECK_REPLY(cmd(c, "LCS key1 key1 IDX WITHMATCHLEN"), "[$matches,[[[:0,:7],[:0,:7],:8]],$len,:8]");
    CHECK_BULK(cmd(c, "LCS key1 key1"), "ohmytext");
    CHECK_ERROR(cmd(c, "LCS key1"), "ERR wrong number of arguments for 'lcs' command");
    CHECK_ERROR(cmd(c, "LCS"), "ERR wrong number of arguments for 'lcs' command");
    CHECK_STATUS(cmd(c, "MSET a ABCBDAB b BDCABA"), "OK");
    CHECK_BULK(cmd(c, "LCS a b"), "BDAB");
    CHECK_INT(cmd(c, "LCS a b LEN"), 4);
    CHECK_REPLY(cmd(c, "LCS a b IDX WITHMATCHLEN"), "[$matches,[[[:5,:6],[:3,:4],:2],[[:3,:4],[:0,:1],:2]],$len,:4]");
    CHECK_REPLY(cmd(c, "LCS b a IDX MINMATCHLEN 2"), "[$matches,[],$len,:4]");
    CHECK_STATUS(cmd(c, "MSET a abc b xyz"), "OK");
    CHECK_BULK(cmd(c, "LCS a b"), "");
    CHECK_INT(cmd(c, "LCS a b LEN"), 0);
    CHECK_REPLY(cmd(c, "LCS a b IDX WITHMATCHLEN"), "[$matches,[],$len,:0]");
    CHECK_REPLY(cmd(c, "LCS b a IDX MINMATCHLEN 2"), "[$matches,[],$len,:0]");
    CHECK_STATUS(cmd(c, "MSET a aaaa b aa"), "OK");
    CHECK_BULK(cmd(c, "LCS a b"), "aa");
    CHECK_INT(cmd(c, "LCS a b LEN"), 2);
    CHECK_REPLY(cmd(c, "LCS a b IDX WITHMATCHLEN"), "[$matches,[[[:2,:3],[:0,:1],:2]],$len,:2]");
    CHECK_REPLY(cmd(c, "LCS b a IDX MINMATCHLEN 2"), "[$matches,[[[:0,:1],[:2,:3]]],$len,:2]");
    CHECK_STATUS(cmd(c, "MSET a xaaaa b aaaax"), "OK");
    CHECK_BULK(cmd(c, "LCS a b"), "aaaa");
    CHECK_INT(cmd(c, "LCS a b LEN"), 4);
    CHECK_REPLY(cmd(c, "LCS a b IDX WITHMATCHLEN"), "[$matches,[[[:1,:4],[:0,:3],:4]],$len,:4]");
    CHECK_REPLY(cmd(c, "LCS b a IDX MINMATCHLEN 2"), "[$matches,[[[:0,:3],[:1,:4]]],$len,:4]");
    CHECK_STATUS(cmd(c, "MSET a abcdefg b abXdeYg"), "OK");
    CHECK_BULK(cmd(c, "LCS a b"), "abdeg");
    CHECK_INT(cmd(c, "LCS a b LEN"), 5);
    CHECK_REPLY(cmd(c, "LCS a b IDX WITHMATCHLEN"), "[$matches,[[[:6,:6],[:6,:6],:1],[[:3,:4],[:3,:4],:2],[[:0,:1],[:0,:1],:2]],$len,:5]");
    CHECK_REPLY(cmd(c, "LCS b a IDX MINMATCHLEN 2"), "[$matches,[[[:3,:4],[:3,:4]],[[:0,:1],[:0,:1]]],$len,:5]");
    CHECK_STATUS(cmd(c, "MSET a abcaa b abcacaaa"), "OK");
    CHECK_BULK(cmd(c, "LCS a b"), "abcaa");
    CHECK_INT(cmd(c, "LCS a b LEN"), 5);
    CHECK_REPLY(cmd(c, "LCS a b IDX WITHMATCHLEN"), "[$matches,[[[:3,:4],[:6,:7],:2],[[:2,:2],[:4,:4],:1],[[:0,:1],[:0,:1],:2]],$len,:5]");
    CHECK_REPLY(cmd(c, "LCS b a IDX MINMATCHLEN 2"), "[$matches,[[[:6,:7],[:3,:4]],[[:0,:1],[:0,:1]]],$len,:5]");
    CHECK_STATUS(cmd(c, "MSET a a b a"), "OK");
    CHECK_BULK(cmd(c, "LCS a b"), "a");
    CHECK_INT(cmd(c, "LCS a b LEN"), 1);
    CHECK_REPLY(cmd(c, "LCS a b IDX WITHMATCHLEN"), "[$matches,[[[:0,:0],[:0,:0],:1]],$len,:1]");
    CHECK_REPLY(cmd(c, "LCS b a IDX MINMATCHLEN 2"), "[$matches,[],$len,:1]");
    CHECK_STATUS(cmd(c, "MSET a %b b abc", "", (size_t)0), "OK");
    CHECK_BULK(cmd(c, "LCS a b"), "");
    CHECK_INT(cmd(c, "LCS a b LEN"), 0);
    CHECK_REPLY(cmd(c, "LCS a b IDX WITHMATCHLEN"), "[$matches,[],$len,:0]");
    CHECK_REPLY(cmd(c, "LCS b a IDX MINMATCHLEN 2"), "[$matches,[],$len,:0]");
    CHECK_STATUS(cmd(c, "MSET a %s b %s", "the quick brown fox", "a quick brown dog"), "OK");
    CHECK_BULK(cmd(c, "LCS a b"), " quick brown o");
    CHECK_INT(cmd(c, "LCS a b LEN"), 14);
    CHECK_REPLY(cmd(c, "LCS a b IDX WITHMATCHLEN"), "[$matches,[[[:17,:17],[:15,:15],:1],[[:3,:15],[:1,:13],:13]],$len,:14]");
    CHECK_REPLY(cmd(c, "LCS b a IDX MINMATCHLEN 2"), "[$matches,[[[:1,:13],[:3,:15]]],$len,:14]");
    CHECK_STATUS(cmd(c, "MSET a GXTXAYB b AGGTAB"), "OK");
    CHECK_BULK(cmd(c, "LCS a b"), "GTAB");
    CHECK_INT(cmd(c, "LCS a b LEN"), 4);
    CHECK_REPLY(cmd(c, "LCS a b IDX WITHMATCHLEN"), "[$matches,[[[:6,:6],[:5,:5],:1],[[:4,:4],[:4,:4],:1],[[:2,:2],[:3,:3],:1],[[:0,:0],[:1,:1],:1]],$len,:4]");
    CHECK_REPLY(cmd(c, "LCS b a IDX MINMATCHLEN 2"), "[$matches,[],$len,:4]");
    CHECK_STATUS(cmd(c, "MSET a %b b %b", "a\000b\000c", (size_t)5, "\000b\000", (size_t)3), "OK");
    CHECK_BULKN(cmd(c, "LCS a b"), "\000b\000", 3);
    CHECK_REPLY(cmd(c, "LCS a b IDX"), "[$matches,[[[:1,:3],[:0,:2]]],$len,:3]");
    /* random strings over a small alphabet (expected replies from redis-server 7.0.15) */
    CHECK_STATUS(cmd(c, "MSET a accbacb b cbcaccbbbccc"), "OK");
    CHECK_BULK(cmd(c, "LCS a b"), "cbacb");
    CHECK_REPLY(cmd(c, "LCS a b IDX WITHMATCHLEN"), "[$matches,[[[:6,:6],[:8,:8],:1],[[:5,:5],[:5,:5],:1],[[:4,:4],[:3,:3],:1],[[:2,:3],[:0,:1],:2]],$len,:5]");
    CHECK_STATUS(cmd(c, "MSET a bcc b cacac"), "OK");
    CHECK_BULK(cmd(c, "LCS a b"), "cc");
    CHECK_REPLY(cmd(c, "LCS a b IDX WITHMATCHLEN"), "[$matches,[[[:2,:2],[:4,:4],:1],[[:1,:1],[:2,:2],:1]],$len,:2]");
    CHECK_STATUS(cmd(c, "MSET a cbccacababcb b accabbb"), "OK");
    CHECK_BULK(cmd(c, "LCS a b"), "acabbb");
    CHECK_REPLY(cmd(c, "LCS a b IDX WITHMATCHLEN"), "[$matches,[[[:11,:11],[:6,:6],:1],[[:9,:9],[:5,:5],:1],[[:5,:7],[:2,:4],:3],[[:4,:4],[:0,:0],:1]],$len,:6]");
    CHECK_STATUS(cmd(c, "MSET a abbbb b abaaacaab"), "OK");
    CHECK_BULK(cmd(c, "LCS a b"), "abb");
    CHECK_REPLY(cmd(c, "LCS a b IDX WITHMATCHLEN"), "[$matches,[[[:4,:4],[:8,:8],:1],[[:3,:3],[:1,:1],:1],[[:0,:0],[:0,:0],:1]],$len,:3]");
    CHECK_STATUS(cmd(c, "MSET a cbccbcabccaab b aabbc"), "OK");
    CHECK_BULK(cmd(c, "LCS a b"), "aab");
    CHECK_REPLY(cmd(c, "LCS a b IDX WITHMATCHLEN"), "[$matches,[[[:12,:12],[:3,:3],:1],[[:10,:11],[:0,:1],:2]],$len,:3]");
    CHECK_STATUS(cmd(c, "MSET a cabbcbbccbacc b abaccaaaaabc"), "OK");
    CHECK_BULK(cmd(c, "LCS a b"), "abccac");
    CHECK_REPLY(cmd(c, "LCS a b IDX WITHMATCHLEN"), "[$matches,[[[:12,:12],[:11,:11],:1],[[:10,:10],[:5,:5],:1],[[:7,:8],[:3,:4],:2],[[:6,:6],[:1,:1],:1],[[:1,:1],[:0,:0],:1]],$len,:6]");
    CHECK_STATUS(cmd(c, "MSET a baa b bac"), "OK");
    CHECK_BULK(cmd(c, "LCS a b"), "ba");
    CHECK_REPLY(cmd(c, "LCS a b IDX WITHMATCHLEN"), "[$matches,[[[:2,:2],[:1,:1],:1],[[:0,:0],[:0,:0],:1]],$len,:2]");
    CHECK_STATUS(cmd(c, "MSET a cbbcbcb b abb"), "OK");
    CHECK_BULK(cmd(c, "LCS a b"), "bb");
    CHECK_REPLY(cmd(c, "LCS a b IDX WITHMATCHLEN"), "[$matches,[[[:6,:6],[:2,:2],:1],[[:4,:4],[:1,:1],:1]],$len,:2]");
    CHECK_STATUS(cmd(c, "MSET a accc b caba"), "OK");
    CHECK_BULK(cmd(c, "LCS a b"), "c");
    CHECK_REPLY(cmd(c, "LCS a b IDX WITHMATCHLEN"), "[$matches,[[[:3,:3],[:0,:0],:1]],$len,:1]");
    CHECK_STATUS(cmd(c, "MSET a abacabbcacccbc b caaaacaacca"), "OK");
    CHECK_BULK(cmd(c, "LCS a b"), "aaaaccc");
    CHECK_REPLY(cmd(c, "LCS a b IDX WITHMATCHLEN"), "[$matches,[[[:13,:13],[:9,:9],:1],[[:11,:11],[:8,:8],:1],[[:10,:10],[:5,:5],:1],[[:8,:8],[:4,:4],:1],[[:4,:4],[:3,:3],:1],[[:2,:2],[:2,:2],:1],[[:0,:0],[:1,:1],:1]],$len,:7]");
    CHECK_STATUS(cmd(c, "MSET a aabccaaa b ca"), "OK");
    CHECK_BULK(cmd(c, "LCS a b"), "ca");
    CHECK_REPLY(cmd(c, "LCS a b IDX WITHMATCHLEN"), "[$matches,[[[:7,:7],[:1,:1],:1],[[:4,:4],[:0,:0],:1]],$len,:2]");
    CHECK_STATUS(cmd(c, "MSET a ccccacacaccb b %b", "", (size_t)0), "OK");
    CHECK_BULK(cmd(c, "LCS a b"), "");
    CHECK_REPLY(cmd(c, "LCS a b IDX WITHMATCHLEN"), "[$matches,[],$len,:0]");
    CHECK_STATUS(cmd(c, "MSET a b b %b", "", (size_t)0), "OK");
    CHECK_BULK(cmd(c, "LCS a b"), "");
    CHECK_REPLY(cmd(c, "LCS a b IDX WITHMATCHLEN"), "[$matches,[],$len,:0]");
    CHECK_STATUS(cmd(c, "MSET a aa b ccccacacab"), "OK");
    CHECK_BULK(cmd(c, "LCS a b"), "aa");
    CHECK_REPLY(cmd(c, "LCS a b IDX WITHMATCHLEN"), "[$matches,[[[:1,:1],[:8,:8],:1],[[:0,:0],[:6,:6],:1]],$len,:2]");
    CHECK_STATUS(cmd(c, "MSET a bb b cbcb"), "OK");
    CHECK_BULK(cmd(c, "LCS a b"), "bb");
    CHECK_REPLY(cmd(c, "LCS a b IDX WITHMATCHLEN"), "[$matches,[[[:1,:1],[:3,:3],:1],[[:0,:0],[:1,:1],:1]],$len,:2]");
    CHECK_STATUS(cmd(c, "MSET a cabcbbccaaabb b abb"), "OK");
    CHECK_BULK(cmd(c, "LCS a b"), "abb");
    CHECK_REPLY(cmd(c, "LCS a b IDX WITHMATCHLEN"), "[$matches,[[[:10,:12],[:0,:2],:3]],$len,:3]");
    CHECK_STATUS(cmd(c, "MSET a aabcaacbca b cbc"), "OK");
    CHECK_BULK(cmd(c, "LCS a b"), "cbc");
    CHECK_REPLY(cmd(c, "LCS a b IDX WITHMATCHLEN"), "[$matches,[[[:6,:8],[:0,:2],:3]],$len,:3]");
    CHECK_STATUS(cmd(c, "MSET a cabbacb b bccaacab"), "OK");
    CHECK_BULK(cmd(c, "LCS a b"), "caacb");
    CHECK_REPLY(cmd(c, "LCS a b IDX WITHMATCHLEN"), "[$matches,[[[:6,:6],[:7,:7],:1],[[:4,:5],[:4,:5],:2],[[:0,:1],[:2,:3],:2]],$len,:5]");
    CHECK_STATUS(cmd(c, "MSET a a b ab"), "OK");
    CHECK_BULK(cmd(c, "LCS a b"), "a");
    CHECK_REPLY(cmd(c, "LCS a b IDX WITHMATCHLEN"), "[$matches,[[[:0,:0],[:0,:0],:1]],$len,:1]");
    CHECK_STATUS(cmd(c, "MSET a bbab b bbbcbaaaabbca"), "OK");
    CHECK_BULK(cmd(c, "LCS a b"), "bbab");
    CHECK_REPLY(cmd(c, "LCS a b IDX WITHMATCHLEN"), "[$matches,[[[:3,:3],[:10,:10],:1],[[:2,:2],[:8,:8],:1],[[:1,:1],[:4,:4],:1],[[:0,:0],[:2,:2],:1]],$len,:4]");
    CHECK_STATUS(cmd(c, "MSET a caacbaba b b"), "OK");
    CHECK_BULK(cmd(c, "LCS a b"), "b");
    CHECK_REPLY(cmd(c, "LCS a b IDX WITHMATCHLEN"), "[$matches,[[[:6,:6],[:0,:0],:1]],$len,:1]");
    CHECK_STATUS(cmd(c, "MSET a caaccaba b ccbbcaaac"), "OK");
    CHECK_BULK(cmd(c, "LCS a b"), "cccaa");
    CHECK_REPLY(cmd(c, "LCS a b IDX WITHMATCHLEN"), "[$matches,[[[:7,:7],[:7,:7],:1],[[:4,:5],[:4,:5],:2],[[:3,:3],[:1,:1],:1],[[:0,:0],[:0,:0],:1]],$len,:5]");
    CHECK_STATUS(cmd(c, "MSET a a b ccbbca"), "OK");
    CHECK_BULK(cmd(c, "LCS a b"), "a");
    CHECK_REPLY(cmd(c, "LCS a b IDX WITHMATCHLEN"), "[$matches,[[[:0,:0],[:5,:5],:1]],$len,:1]");
    CHECK_STATUS(cmd(c, "MSET a cacbbcbbcabbb b ccaab"), "OK");
    CHECK_BULK(cmd(c, "LCS a b"), "ccab");
    CHECK_REPLY(cmd(c, "LCS a b IDX WITHMATCHLEN"), "[$matches,[[[:12,:12],[:4,:4],:1],[[:8,:9],[:1,:2],:2],[[:5,:5],[:0,:0],:1]],$len,:4]");
    CHECK_STATUS(cmd(c, "MSET a bbc b bcca"), "OK");
    CHECK_BULK(cmd(c, "LCS a b"), "bc");
    CHECK_REPLY(cmd(c, "LCS a b IDX WITHMATCHLEN"), "[$matches,[[[:2,:2],[:2,:2],:1],[[:1,:1],[:0,:0],:1]],$len,:2]");
}

static double mono_ms(void) { return clock_s() * 1e3; }

/* SET key val PX ttl, then `then` (a command on key that must keep its
 * TTL; words without '%'): its reply must be `want` (as reply_str prints
 * it), and PTTL key must still be in (0, ttl]. Every write's reply waits
 * for an fsync (appendfsync always), which takes hundreds of ms on a
 * loaded machine, so the key may really expire before `then` runs. A
 * mismatch is excused only when the client saw ttl ms or more go by from
 * sending the SET to getting PTTL's reply (the server's SET .. PTTL lie
 * within that), and the round is then retried with a TTL 4 times longer
 * (300 ms .. 19.2 s); otherwise, or in the last round, it fails. Returns
 * the TTL of the last round: the key expires within it. */
static long long set_px_keep(redisContext *c, const char *key, const char *val,
                             const char *then, const char *want, int line) {
    long long ttl = 300;
    for (int round = 0;; round++, ttl *= 4) {
        double t0 = mono_ms();
        CHECK_STATUS(cmd(c, "SET %s %s PX %lld", key, val, ttl), "OK");
        redisReply *r = cmd(c, then);
        char got[256];
        reply_describe(r, got, sizeof(got));
        if (r) freeReplyObject(r);
        redisReply *p = cmd(c, "PTTL %s", key);
        long long pttl = p && p->type == REDIS_REPLY_INTEGER ? p->integer : LLONG_MIN;
        if (p) freeReplyObject(p);
        double el = mono_ms() - t0;
        if (!strcmp(got, want) && pttl > 0 && pttl <= ttl) return ttl;
        if (el < (double)ttl || round == 3) {
            fprintf(stderr, "%s:%d: SET %s PX %lld; %s: expected %s and a PTTL "
                    "in (0, %lld], got %s and %lld (%.0f ms for the round)\n",
                    __FILE__, line, key, ttl, then, want, ttl, got, pttl, el);
            tu_failures++;
            return ttl;
        }
        fprintf(stderr, "note: SET %s PX %lld; %s took %.0f ms, so the key may "
                "have expired in between: again with a longer TTL\n", key, ttl, then, el);
    }
}

/* Keys set with a short expiry really expire; INCR/APPEND/SETRANGE/GETEX keep or change it as Redis. */
static void test_expiry(redisContext *c) {
    CHECK_STATUS(cmd(c, "FLUSHALL"), "OK");
    /* PX 50 for the plain case */
    CHECK_STATUS(cmd(c, "SET k v PX 50"), "OK");
    CHECK_STATUS(cmd(c, "PSETEX k5 50 v"), "OK");
    /* commands that keep the TTL: the key must survive until they ran
     * (a short TTL, longer if the client was too slow) and expire later */
    long long ttl = 300, t;
#define KEEP(key, val, then, want) do { t = set_px_keep(c, key, val, then, want, __LINE__); \
    if (t > ttl) ttl = t; } while (0)
    KEEP("k2", "1", "INCR k2", ":2");
    KEEP("k3", "a", "APPEND k3 b", ":2");
    KEEP("k4", "abc", "SETRANGE k4 1 X", ":3");
    KEEP("k8", "v", "SET k8 w KEEPTTL", "+OK");
    KEEP("k10", "1", "INCRBYFLOAT k10 0.5", "$1.5");
#undef KEEP
    /* GETEX PX sets a TTL on a key that had none */
    CHECK_STATUS(cmd(c, "SET k6 v"), "OK");
    CHECK_BULK(cmd(c, "GETEX k6 PX 300"), "v");
    double t_set = mono_ms();
    /* commands that drop the TTL: a long one, so that the key surely
     * still exists when they run; PTTL then says it is gone */
    CHECK_STATUS(cmd(c, "SET k7 v PX 30000"), "OK");
    CHECK_BULK(cmd(c, "GETEX k7 PERSIST"), "v");
    CHECK_INT(cmd(c, "PTTL k7"), -1);
    CHECK_STATUS(cmd(c, "SET k9 v PX 30000"), "OK");
    CHECK_STATUS(cmd(c, "SET k9 w"), "OK");
    CHECK_INT(cmd(c, "PTTL k9"), -1);
    CHECK_STATUS(cmd(c, "SET k11 v PX 30000"), "OK");
    CHECK_BULK(cmd(c, "GETSET k11 w"), "v");
    CHECK_INT(cmd(c, "PTTL k11"), -1);
    CHECK_STATUS(cmd(c, "SET k12 v PX 30000"), "OK");
    CHECK_STATUS(cmd(c, "MSET k12 w"), "OK");
    CHECK_INT(cmd(c, "PTTL k12"), -1);
    CHECK_STATUS(cmd(c, "SET k13 v PX 30000"), "OK");
    CHECK_STATUS(cmd(c, "SETEX k13 1000 w"), "OK");
    { long long t13 = INT_OF(cmd(c, "TTL k13")); CHECK(t13 > 990 && t13 <= 1000); }
    /* all the short TTLs (at most `ttl` ms) were set before t_set by the
     * client's clock, so from t_set + ttl every one of them has expired
     * (+50 ms for the ms rounding of the server's clock): a wait derived
     * from what the client saw, not a fixed sleep, and the keys must be
     * gone as soon as it is over */
    double wake = t_set + (double)ttl + 50;
    for (double d; (d = wake - mono_ms()) > 0;) usleep((useconds_t)(d * 1000) + 1);
    CHECK_NIL(cmd(c, "GET k"));
    CHECK_INT(cmd(c, "EXISTS k"), 0);
    CHECK_NIL(cmd(c, "GET k2"));
    CHECK_NIL(cmd(c, "GET k3"));
    CHECK_NIL(cmd(c, "GET k4"));
    CHECK_NIL(cmd(c, "GET k5"));
    CHECK_NIL(cmd(c, "GET k6"));
    CHECK_BULK(cmd(c, "GET k7"), "v");
    CHECK_NIL(cmd(c, "GET k8"));
    CHECK_BULK(cmd(c, "GET k9"), "w");
    CHECK_NIL(cmd(c, "GET k10"));
    CHECK_BULK(cmd(c, "GET k11"), "w");
    CHECK_BULK(cmd(c, "GET k12"), "w");
    CHECK_BULK(cmd(c, "GET k13"), "w");
    CHECK_REPLY(cmd(c, "MGET k k7 k9"), "[(nil),$v,$w]");
    CHECK_INT(cmd(c, "STRLEN k"), 0);
    CHECK_BULK(cmd(c, "GETRANGE k 0 -1"), "");
    CHECK_NIL(cmd(c, "GETDEL k"));
    CHECK_NIL(cmd(c, "GETEX k PERSIST"));
    CHECK_INT(cmd(c, "INCR k2"), 1);
    CHECK_INT(cmd(c, "TTL k2"), -1);
    CHECK_INT(cmd(c, "APPEND k3 z"), 1);
    CHECK_INT(cmd(c, "SETNX k4 n"), 1);
    CHECK_BULK(cmd(c, "GET k4"), "n");
    CHECK_NIL(cmd(c, "SET k5 x XX"));
    CHECK_INT(cmd(c, "EXISTS k5"), 0);
    CHECK_NIL(cmd(c, "SET k6 v NX GET"));
    CHECK_BULK(cmd(c, "LCS k6 k8"), "");
}

/* OBJECT ENCODING of string values as Redis 7.0 reports them. */
static void test_encoding(redisContext *c) {
    CHECK_STATUS(cmd(c, "FLUSHALL"), "OK");
    CHECK_STATUS(cmd(c, "SET k 123"), "OK");
    CHECK_BULK(cmd(c, "OBJECT ENCODING k"), "int");
    CHECK_STATUS(cmd(c, "SET k -5"), "OK");
    CHECK_BULK(cmd(c, "OBJECT ENCODING k"), "int");
    CHECK_STATUS(cmd(c, "SET k 0"), "OK");
    CHECK_BULK(cmd(c, "OBJECT ENCODING k"), "int");
    CHECK_STATUS(cmd(c, "SET k 01"), "OK");
    CHECK_BULK(cmd(c, "OBJECT ENCODING k"), "embstr");
    CHECK_STATUS(cmd(c, "SET k abc"), "OK");
    CHECK_BULK(cmd(c, "OBJECT ENCODING k"), "embstr");
    CHECK_STATUS(cmd(c, "SET k aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"), "OK");
    CHECK_BULK(cmd(c, "OBJECT ENCODING k"), "embstr");
    CHECK_STATUS(cmd(c, "SET k aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"), "OK");
    CHECK_BULK(cmd(c, "OBJECT ENCODING k"), "raw");
    CHECK_STATUS(cmd(c, "SET k 9223372036854775807"), "OK");
    CHECK_BULK(cmd(c, "OBJECT ENCODING k"), "int");
    CHECK_STATUS(cmd(c, "SET k 9223372036854775808"), "OK");
    CHECK_BULK(cmd(c, "OBJECT ENCODING k"), "embstr");
    CHECK_STATUS(cmd(c, "SET k %s", " 1"), "OK");
    CHECK_BULK(cmd(c, "OBJECT ENCODING k"), "embstr");
    CHECK_STATUS(cmd(c, "SET k 1.5"), "OK");
    CHECK_BULK(cmd(c, "OBJECT ENCODING k"), "embstr");
    CHECK_STATUS(cmd(c, "SET k 12345678901234567890"), "OK");
    CHECK_BULK(cmd(c, "OBJECT ENCODING k"), "embstr");
    /* INCRBYFLOAT stores a string Redis never makes "int" */
    CHECK_BULK(cmd(c, "INCRBYFLOAT f 1"), "1");
    CHECK_BULK(cmd(c, "OBJECT ENCODING f"), "embstr");
    CHECK_INT(cmd(c, "INCR f"), 2);
    CHECK_BULK(cmd(c, "OBJECT ENCODING f"), "int");
    /* APPEND and SETRANGE modify in place: always raw (even within the length, even APPEND of nothing) */
    CHECK_STATUS(cmd(c, "SET k abc"), "OK");
    CHECK_INT(cmd(c, "APPEND k d"), 4);
    CHECK_BULK(cmd(c, "OBJECT ENCODING k"), "raw");
    CHECK_STATUS(cmd(c, "SET k 1"), "OK");
    CHECK_INT(cmd(c, "APPEND k 2"), 2);
    CHECK_BULK(cmd(c, "OBJECT ENCODING k"), "raw");
    CHECK_STATUS(cmd(c, "SET k 123"), "OK");
    CHECK_INT(cmd(c, "APPEND k %b", "", (size_t)0), 3);
    CHECK_BULK(cmd(c, "OBJECT ENCODING k"), "raw");
    CHECK_STATUS(cmd(c, "SET k abc"), "OK");
    CHECK_INT(cmd(c, "SETRANGE k 0 X"), 3);
    CHECK_BULK(cmd(c, "OBJECT ENCODING k"), "raw");
    CHECK_STATUS(cmd(c, "SET k 123"), "OK");
    CHECK_INT(cmd(c, "SETRANGE k 0 4"), 3);
    CHECK_BULK(cmd(c, "OBJECT ENCODING k"), "raw");
    CHECK_BULK(cmd(c, "GET k"), "423");
    CHECK_STATUS(cmd(c, "SET k 123"), "OK");
    CHECK_INT(cmd(c, "SETRANGE k 0 %b", "", (size_t)0), 3);
    CHECK_BULK(cmd(c, "OBJECT ENCODING k"), "int");
    CHECK_STATUS(cmd(c, "SET k 123"), "OK");
    CHECK_INT(cmd(c, "SETRANGE k 3 4"), 4);
    CHECK_BULK(cmd(c, "OBJECT ENCODING k"), "raw");
    CHECK_INT(cmd(c, "SETRANGE n 0 12"), 2);
    CHECK_BULK(cmd(c, "OBJECT ENCODING n"), "raw");
    CHECK_INT(cmd(c, "APPEND a 12"), 2);
    CHECK_BULK(cmd(c, "OBJECT ENCODING a"), "int");
    CHECK_INT(cmd(c, "APPEND b xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"), 50);
    CHECK_BULK(cmd(c, "OBJECT ENCODING b"), "raw");
    /* a raw value that becomes an integer again through INCR is int */
    CHECK_STATUS(cmd(c, "SET k 5"), "OK");
    CHECK_INT(cmd(c, "APPEND k 1"), 2);
    CHECK_INT(cmd(c, "INCR k"), 52);
    CHECK_BULK(cmd(c, "OBJECT ENCODING k"), "int");
    CHECK_INT(cmd(c, "INCR i"), 1);
    CHECK_BULK(cmd(c, "OBJECT ENCODING i"), "int");
    CHECK_STATUS(cmd(c, "SET k 5"), "OK");
    CHECK_BULK(cmd(c, "INCRBYFLOAT k 0.5"), "5.5");
    CHECK_BULK(cmd(c, "OBJECT ENCODING k"), "embstr");
    CHECK_STATUS(cmd(c, "SET k 5"), "OK");
    CHECK_BULK(cmd(c, "INCRBYFLOAT k 1e50"), "100000000000000000003583830118858923890798487404544");
    CHECK_BULK(cmd(c, "OBJECT ENCODING k"), "raw");
    /* (not checked: INCRBYFLOAT with an integer-looking result, "embstr" in Redis; see the report) */
    CHECK_STATUS(cmd(c, "MSET m 5 m2 x"), "OK");
    CHECK_BULK(cmd(c, "OBJECT ENCODING m"), "int");
    CHECK_BULK(cmd(c, "OBJECT ENCODING m2"), "embstr");
    CHECK_BULK(cmd(c, "GETSET m abc"), "5");
    CHECK_BULK(cmd(c, "OBJECT ENCODING m"), "embstr");
    CHECK_STATUS(cmd(c, "SETEX e 100 77"), "OK");
    CHECK_BULK(cmd(c, "OBJECT ENCODING e"), "int");
    CHECK_STATUS(cmd(c, "SET k 123"), "OK");
    CHECK_BULK(cmd(c, "GETEX k EX 100"), "123");
    CHECK_BULK(cmd(c, "OBJECT ENCODING k"), "int");
    CHECK_STATUS(cmd(c, "SET k abc KEEPTTL"), "OK");
    CHECK_BULK(cmd(c, "OBJECT ENCODING k"), "embstr");
}

/* A bulk reply of `len` bytes starting with `prefix`. */
#define CHECK_BULK_PREFIX(r, n, prefix) do { redisReply *_r = (r); \
    if (!_r || _r->type != REDIS_REPLY_STRING || _r->len != (size_t)(n) || \
    strncmp(_r->str, (prefix), strlen(prefix))) { fprintf(stderr, \
    "%s:%d: expected a %d-byte bulk starting %s, got %s\n", __FILE__, __LINE__, \
    (int)(n), (prefix), reply_str(_r)); tu_failures++; } \
    if (_r) freeReplyObject(_r); } while (0)

/* INCRBYFLOAT with very large results and very long arguments (long double
 * range, Redis's 5 KB MAX_LONG_DOUBLE_CHARS). */
static void test_incrbyfloat_big(redisContext *c) {
    CHECK_STATUS(cmd(c, "FLUSHALL"), "OK");
    CHECK_STATUS(cmd(c, "SET f 0"), "OK");
    CHECK_BULK_PREFIX(cmd(c, "INCRBYFLOAT f 1e300"), 301, "1000000000000000000008997");
    CHECK_STATUS(cmd(c, "SET f 0"), "OK");
    CHECK_BULK_PREFIX(cmd(c, "INCRBYFLOAT f 1e308"), 308, "9999999999999999999668587");
    CHECK_BULK_PREFIX(cmd(c, "INCRBYFLOAT f 1e308"), 309, "1999999999999999999933717");
    CHECK_BULK_PREFIX(cmd(c, "GET f"), 309, "1999999999999999999933717");
    /* beyond double but within long double */
    CHECK_STATUS(cmd(c, "SET f 0"), "OK");
    CHECK_BULK_PREFIX(cmd(c, "INCRBYFLOAT f 1e309"), 309, "9999999999999999999863494");
    CHECK_STATUS(cmd(c, "SET f 1"), "OK");
    CHECK_BULK_PREFIX(cmd(c, "INCRBYFLOAT f -1e4000"), 4001, "-999999999999999999996546");
    CHECK_STATUS(cmd(c, "SET f 0"), "OK");
    CHECK_BULK_PREFIX(cmd(c, "INCRBYFLOAT f 1e4932"), 4933, "1000000000000000000006018");
    CHECK_ERROR(cmd(c, "INCRBYFLOAT f 1e4932"), "ERR increment would produce NaN or Infinity");
    CHECK_BULK_PREFIX(cmd(c, "GET f"), 4933, "1000000000000000000006018");

    /* arguments and stored values shorter than 5120 bytes parse, longer not */
    char big[5121];
    CHECK_STATUS(cmd(c, "SET f 1"), "OK");
    memset(big, '0', sizeof(big));
    CHECK_BULK(cmd(c, "INCRBYFLOAT f %b", big, (size_t)5119), "1");
    CHECK_ERROR(cmd(c, "INCRBYFLOAT f %b", big, (size_t)5120), "ERR value is not a valid float");
    CHECK_STATUS(cmd(c, "SET f %b", big, (size_t)5119), "OK");
    CHECK_BULK(cmd(c, "INCRBYFLOAT f 1"), "1");
    CHECK_STATUS(cmd(c, "SET f %b", big, (size_t)5120), "OK");
    CHECK_ERROR(cmd(c, "INCRBYFLOAT f 1"), "ERR value is not a valid float");
    CHECK_INT(cmd(c, "STRLEN f"), 5120);
    /* 5119 nines overflow even a long double */
    memset(big, '9', sizeof(big));
    CHECK_STATUS(cmd(c, "SET f 1"), "OK");
    CHECK_ERROR(cmd(c, "INCRBYFLOAT f %b", big, (size_t)5119), "ERR value is not a valid float");
    /* underflow to zero is refused too */
    big[0] = '0'; big[1] = '.';
    memset(big + 2, '0', 5000);
    big[5002] = '1';
    CHECK_ERROR(cmd(c, "INCRBYFLOAT f %b", big, (size_t)5003), "ERR value is not a valid float");
    CHECK_BULK(cmd(c, "GET f"), "1");
}

/* proto-max-bulk-len bounds the result of SETRANGE / APPEND and the LCS
 * table ((len1 + 1) * (len2 + 1) * 4 bytes), like Redis 7.0.15. */
static void test_proto_max_bulk(redisContext *c) {
    CHECK_STATUS(cmd(c, "FLUSHALL"), "OK");
    CHECK_STATUS(cmd(c, "CONFIG SET proto-max-bulk-len 1048576"), "OK");
    CHECK_ERROR(cmd(c, "SETRANGE k 1048576 x"), "ERR string exceeds maximum allowed size (proto-max-bulk-len)");
    CHECK_INT(cmd(c, "EXISTS k"), 0);
    CHECK_INT(cmd(c, "SETRANGE k 1048575 x"), 1048576);
    CHECK_ERROR(cmd(c, "APPEND k y"), "ERR string exceeds maximum allowed size (proto-max-bulk-len)");
    CHECK_ERROR(cmd(c, "SETRANGE k 1048575 xy"), "ERR string exceeds maximum allowed size (proto-max-bulk-len)");
    CHECK_INT(cmd(c, "APPEND k %b", "", (size_t)0), 1048576);
    CHECK_INT(cmd(c, "STRLEN k"), 1048576);
    char a[512], b[512];
    memset(a, 'a', sizeof(a));
    memset(b, 'b', sizeof(b));
    CHECK_STATUS(cmd(c, "MSET a %b b %b", a, (size_t)511, b, (size_t)511), "OK");
    CHECK_INT(cmd(c, "LCS a b LEN"), 0);                  /* 512*512*4 = limit */
    CHECK_STATUS(cmd(c, "SET a %b", a, (size_t)512), "OK");
    CHECK_ERROR(cmd(c, "LCS a b LEN"), "ERR Insufficient memory, transient memory for LCS exceeds proto-max-bulk-len");
    CHECK_ERROR(cmd(c, "LCS b a IDX"), "ERR Insufficient memory, transient memory for LCS exceeds proto-max-bulk-len");
    CHECK_STATUS(cmd(c, "CONFIG SET proto-max-bulk-len 536870912"), "OK");
    CHECK_INT(cmd(c, "LCS a b LEN"), 0);
    CHECK_STATUS(cmd(c, "SET b %b", a, (size_t)300), "OK");
    CHECK_INT(cmd(c, "LCS a b LEN"), 300);
}

/* A numeric field of INFO stats, -1 if missing. */
static long long info_stat(redisContext *c, const char *field) {
    redisReply *r = cmd(c, "INFO stats");
    long long v = -1;
    if (r && r->type == REDIS_REPLY_STRING) {
        char pat[64];
        snprintf(pat, sizeof(pat), "\n%s:", field);
        const char *p = strstr(r->str, pat);
        if (p) v = atoll(p + strlen(pat));
    }
    if (r) freeReplyObject(r);
    return v;
}

/* keyspace_hits / keyspace_misses counted by each string command as Redis
 * does: reads (and SET GET, GETSET) count, writes do not. */
static void test_stats(redisContext *c) {
    static const struct { const char *cmd; int hits, misses; } t[] = {
        {"GET k", 1, 0}, {"GET x", 0, 1}, {"MGET k x n", 2, 1},
        {"SET k v GET", 1, 0}, {"SET x v GET", 0, 1}, {"DEL x", 0, 0},
        {"GETEX k", 1, 0}, {"GETEX x", 0, 1}, {"GETDEL x", 0, 1},
        {"STRLEN k", 1, 0}, {"STRLEN x", 0, 1}, {"GETRANGE k 0 1", 1, 0},
        {"GETRANGE x 0 1", 0, 1}, {"SUBSTR k 0 1", 1, 0}, {"LCS k x", 1, 1},
        {"APPEND k a", 0, 0}, {"SETRANGE k 0 a", 0, 0}, {"INCR n", 0, 0},
        {"INCRBYFLOAT n 1", 0, 0}, {"SETNX k v", 0, 0}, {"GETSET k v", 1, 0},
        {"GETSET y v", 0, 1}, {"MSETNX k v", 0, 0}, {"SET k v NX", 0, 0},
        {"SET k v XX", 0, 0}, {"MSET k v", 0, 0}, {"SETEX k 100 v", 0, 0},
    };
    CHECK_STATUS(cmd(c, "FLUSHALL"), "OK");
    CHECK_STATUS(cmd(c, "MSET k v n 1"), "OK");
    for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
        CHECK_STATUS(cmd(c, "CONFIG RESETSTAT"), "OK");
        redisReply *r = cmd(c, t[i].cmd);
        CHECK(r && r->type != REDIS_REPLY_ERROR);
        if (r) freeReplyObject(r);
        long long h = info_stat(c, "keyspace_hits"), m = info_stat(c, "keyspace_misses");
        if (h != t[i].hits || m != t[i].misses) {
            fprintf(stderr, "%s:%d: %s: hits/misses %lld/%lld, expected %d/%d\n",
                    __FILE__, __LINE__, t[i].cmd, h, m, t[i].hits, t[i].misses);
            tu_failures++;
        }
    }
}

/* Binary-safe keys and values, 1 MB values. */
static void test_binary_and_big(redisContext *c) {
    CHECK_STATUS(cmd(c, "FLUSHALL"), "OK");
    const char bin[] = "a\0b\r\n\0\xff$3\r\n";
    size_t binlen = sizeof(bin) - 1;
    CHECK_STATUS(cmd(c, "SET %b %b", bin, binlen, bin, binlen), "OK");
    CHECK_BULKN(cmd(c, "GET %b", bin, binlen), bin, binlen);
    CHECK_INT(cmd(c, "STRLEN %b", bin, binlen), (long long)binlen);
    CHECK_NIL(cmd(c, "GET %b", "a", (size_t)1));         /* key "a" is not "a\0..." */
    CHECK_NIL(cmd(c, "GET %b", bin, binlen - 1));
    CHECK_INT(cmd(c, "APPEND %b %b", bin, binlen, "\0", (size_t)1), (long long)binlen + 1);
    CHECK_BULKN(cmd(c, "GETRANGE %b -2 -1", bin, binlen), "\n\0", 2);
    CHECK_INT(cmd(c, "SETRANGE %b 0 %b", bin, binlen, "\0\0", (size_t)2), (long long)binlen + 1);
    CHECK_BULKN(cmd(c, "GETRANGE %b 0 3", bin, binlen), "\0\0b\r", 4);
    CHECK_STATUS(cmd(c, "MSET %b %b k2 %b", "x\0y", (size_t)3, "1\0", (size_t)2, "", (size_t)0), "OK");
    CHECK_REPLY(cmd(c, "MGET %b k2 %b", "x\0y", (size_t)3, "x", (size_t)1), "[$1,$,(nil)]");
    CHECK_BULKN(cmd(c, "GET %b", "x\0y", (size_t)3), "1\0", 2);
    CHECK_BULKN(cmd(c, "GETDEL %b", "x\0y", (size_t)3), "1\0", 2);
    CHECK_INT(cmd(c, "EXISTS %b", "x\0y", (size_t)3), 0);
    CHECK_BULKN(cmd(c, "GETSET %b %b", bin, binlen, "\0", (size_t)1), "\0\0b\r\n\0\xff$3\r\n\0", binlen + 1);
    CHECK_BULKN(cmd(c, "GET %b", bin, binlen), "\0", 1);

    /* 1 MB values with every byte value */
    size_t n = 1024 * 1024;
    char *big = malloc(2 * n);
    for (size_t i = 0; i < 2 * n; i++) big[i] = (char)(i * 7 + i / 256);
    CHECK_STATUS(cmd(c, "SET big %b", big, n), "OK");
    CHECK_BULKN(cmd(c, "GET big"), big, n);
    CHECK_INT(cmd(c, "STRLEN big"), (long long)n);
    CHECK_INT(cmd(c, "APPEND big %b", big + n, n), (long long)(2 * n));
    CHECK_BULKN(cmd(c, "GET big"), big, 2 * n);
    CHECK_BULKN(cmd(c, "GETRANGE big 1048570 1048580"), big + 1048570, 11);
    CHECK_BULKN(cmd(c, "GETRANGE big -5 -1"), big + 2 * n - 5, 5);
    CHECK_BULKN(cmd(c, "SUBSTR big 0 2097152"), big, 2 * n);
    CHECK_INT(cmd(c, "SETRANGE big 1048576 XYZ"), (long long)(2 * n));
    memcpy(big + n, "XYZ", 3);
    CHECK_BULKN(cmd(c, "GET big"), big, 2 * n);
    /* SETRANGE far past the end pads with zero bytes */
    CHECK_INT(cmd(c, "SETRANGE pad 1048576 end"), 1048579);
    redisReply *r = cmd(c, "GET pad");
    CHECK(r && r->type == REDIS_REPLY_STRING && r->len == 1048579);
    if (r && r->type == REDIS_REPLY_STRING && r->len == 1048579) {
        size_t zeros = 0;
        while (zeros < r->len && r->str[zeros] == 0) zeros++;
        CHECK_EQ_INT(zeros, 1048576);
        CHECK_MEM(r->str + 1048576, 3, "end");
    }
    if (r) freeReplyObject(r);
    /* MSET / MGET of big values, LCS of two 1 KB values */
    CHECK_STATUS(cmd(c, "MSET b1 %b b2 %b", big, n, big + n, n), "OK");
    r = cmd(c, "MGET b1 nokey b2");
    CHECK(r && r->type == REDIS_REPLY_ARRAY && r->elements == 3);
    if (r && r->type == REDIS_REPLY_ARRAY && r->elements == 3) {
        CHECK(r->element[0]->len == n && memcmp(r->element[0]->str, big, n) == 0);
        CHECK(r->element[1]->type == REDIS_REPLY_NIL);
        CHECK(r->element[2]->len == n && memcmp(r->element[2]->str, big + n, n) == 0);
    }
    if (r) freeReplyObject(r);
    CHECK_STATUS(cmd(c, "MSET l1 %b l2 %b", big, (size_t)1024, big, (size_t)1024), "OK");
    CHECK_INT(cmd(c, "LCS l1 l2 LEN"), 1024);
    CHECK_REPLY(cmd(c, "LCS l1 l2 IDX WITHMATCHLEN"),
                "[$matches,[[[:0,:1023],[:0,:1023],:1024]],$len,:1024]");
    free(big);
}

/* TTLs in milliseconds: ranges, since the clock moves. */
static void test_pttl(redisContext *c) {
    CHECK_STATUS(cmd(c, "FLUSHALL"), "OK");
    long long v;
    CHECK_STATUS(cmd(c, "SET k v PX 100000"), "OK");
    v = INT_OF(cmd(c, "PTTL k"));
    CHECK(v > 95000 && v <= 100000);
    CHECK_STATUS(cmd(c, "SET k v EX 100"), "OK");
    v = INT_OF(cmd(c, "PTTL k"));
    CHECK(v > 95000 && v <= 100000);
    CHECK_STATUS(cmd(c, "PSETEX k 5000 v"), "OK");
    v = INT_OF(cmd(c, "PTTL k"));
    CHECK(v > 0 && v <= 5000);
    CHECK_STATUS(cmd(c, "SETEX k 5 v"), "OK");
    v = INT_OF(cmd(c, "PTTL k"));
    CHECK(v > 0 && v <= 5000);
    CHECK_BULK(cmd(c, "GETEX k PX 7000"), "v");
    v = INT_OF(cmd(c, "PTTL k"));
    CHECK(v > 5000 && v <= 7000);
    CHECK_INT(cmd(c, "INCR n"), 1);
    CHECK_INT(cmd(c, "PEXPIRE n 9000"), 1);
    CHECK_INT(cmd(c, "INCRBY n 5"), 6);
    CHECK_INT(cmd(c, "APPEND n 0"), 2);
    CHECK_INT(cmd(c, "SETRANGE n 0 7"), 2);
    CHECK_BULK(cmd(c, "INCRBYFLOAT n 0.5"), "70.5");
    CHECK_STATUS(cmd(c, "SET n 8 KEEPTTL"), "OK");
    v = INT_OF(cmd(c, "PTTL n"));
    CHECK(v > 5000 && v <= 9000);
    /* PXAT in the near future */
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    long long at = (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000 + 60000;
    CHECK_STATUS(cmd(c, "SET k v PXAT %lld", at), "OK");
    CHECK_INT(cmd(c, "PEXPIRETIME k"), at);
    v = INT_OF(cmd(c, "PTTL k"));
    CHECK(v > 50000 && v <= 60000);
    CHECK_STATUS(cmd(c, "SET k v EXAT %lld", at / 1000), "OK");
    CHECK_INT(cmd(c, "EXPIRETIME k"), at / 1000);
}

/* Raw RESP bytes: RESP3 nulls and the LCS IDX map. */
static void test_resp3(sb_server *s) {
    int fd = raw_connect(s);
    CHECK(fd >= 0);
    if (fd < 0) return;
    char buf[4096];
    int closed;
    const char *hello = "HELLO 3\r\n";
    raw_send(fd, hello, strlen(hello));
    size_t n = raw_read(fd, buf, sizeof(buf), 1, 2000, &closed);
    CHECK(n > 0 && buf[0] == '%');
    /* let the whole HELLO reply arrive, then drop it */
    while (raw_read(fd, buf, sizeof(buf), sizeof(buf), 100, &closed) > 0) {}
    const char *q =
        "FLUSHALL\r\n"
        "GET nokey\r\n"
        "MSET a ohmytext b mynewtext\r\n"
        "LCS a b IDX MINMATCHLEN 4 WITHMATCHLEN\r\n"
        "LCS nokey nokey2 IDX\r\n"
        "LCS a b LEN\r\n"
        "SET a x NX GET\r\n"
        "SET zz v XX\r\n"
        "MGET a zz\r\n"
        "GETEX zz\r\n"
        "GETDEL zz\r\n"
        "INCRBYFLOAT f 1.5\r\n";
    const char *want =
        "+OK\r\n"
        "_\r\n"
        "+OK\r\n"
        "%2\r\n$7\r\nmatches\r\n*1\r\n*3\r\n*2\r\n:4\r\n:7\r\n*2\r\n:5\r\n:8\r\n:4\r\n$3\r\nlen\r\n:6\r\n"
        "%2\r\n$7\r\nmatches\r\n*0\r\n$3\r\nlen\r\n:0\r\n"
        ":6\r\n"
        "$8\r\nohmytext\r\n"
        "_\r\n"
        "*2\r\n$8\r\nohmytext\r\n_\r\n"
        "_\r\n"
        "_\r\n"
        "$3\r\n1.5\r\n";
    raw_send(fd, q, strlen(q));
    n = raw_read(fd, buf, sizeof(buf), strlen(want), 5000, &closed);
    CHECK_MEM(buf, n, want);
    close(fd);
}

/* strongbox's own limits: an error that names the limit, and no change. */
static void test_limits(void) {
    sb_server *s = srv_start("--max-value-length", "10", "--max-key-length", "5",
                             "--max-keys-per-request", "3", NULL);
    redisContext *c = srv_connect(s);
#define TOO_LONG(n) "ERR value is too long: " #n " bytes exceeds max-value-length (10)"
    /* max-value-length */
    CHECK_STATUS(cmd(c, "SET k 0123456789"), "OK");
    CHECK_ERROR(cmd(c, "SET k 0123456789a"), TOO_LONG(11));
    CHECK_ERROR(cmd(c, "SET k 0123456789a GET"), TOO_LONG(11));
    CHECK_ERROR(cmd(c, "SET k2 0123456789abcdef EX 100"), TOO_LONG(16));
    CHECK_ERROR(cmd(c, "SETNX k2 0123456789a"), TOO_LONG(11));
    CHECK_ERROR(cmd(c, "SETEX k2 100 0123456789a"), TOO_LONG(11));
    CHECK_ERROR(cmd(c, "PSETEX k2 100000 0123456789a"), TOO_LONG(11));
    CHECK_ERROR(cmd(c, "GETSET k 0123456789a"), TOO_LONG(11));
    CHECK_BULK(cmd(c, "GET k"), "0123456789");
    CHECK_INT(cmd(c, "EXISTS k2"), 0);
    CHECK_ERROR(cmd(c, "APPEND k x"), TOO_LONG(11));
    CHECK_ERROR(cmd(c, "APPEND k2 0123456789a"), TOO_LONG(11));
    CHECK_INT(cmd(c, "APPEND k %b", "", (size_t)0), 10);
    CHECK_INT(cmd(c, "EXISTS k2"), 0);
    CHECK_ERROR(cmd(c, "SETRANGE k 9 xy"), TOO_LONG(11));
    CHECK_ERROR(cmd(c, "SETRANGE k2 10 x"), TOO_LONG(11));
    CHECK_ERROR(cmd(c, "SETRANGE k2 100 x"), TOO_LONG(101));
    CHECK_INT(cmd(c, "SETRANGE k 100 %b", "", (size_t)0), 10);  /* nothing written */
    CHECK_INT(cmd(c, "SETRANGE k 9 X"), 10);
    CHECK_BULK(cmd(c, "GET k"), "012345678X");
    CHECK_INT(cmd(c, "EXISTS k2"), 0);
    CHECK_STATUS(cmd(c, "SET f 1.5"), "OK");
    CHECK_ERROR(cmd(c, "INCRBYFLOAT f 0.000000001"), TOO_LONG(11));
    CHECK_ERROR(cmd(c, "INCRBYFLOAT f2 0.123456789012"), TOO_LONG(14));
    CHECK_BULK(cmd(c, "GET f"), "1.5");
    CHECK_BULK(cmd(c, "INCRBYFLOAT f 0.00000001"), "1.50000001");
    CHECK_BULK(cmd(c, "GET f"), "1.50000001");
    CHECK_INT(cmd(c, "EXISTS f2"), 0);
    CHECK_ERROR(cmd(c, "MSET a 1 b 0123456789a"), TOO_LONG(11));
    CHECK_ERROR(cmd(c, "MSETNX a 1 b 0123456789a"), TOO_LONG(11));
    CHECK_REPLY(cmd(c, "MGET a b"), "[(nil),(nil)]");
    /* integer results are values too */
    CHECK_STATUS(cmd(c, "SET i 9999999999"), "OK");
    CHECK_ERROR(cmd(c, "INCR i"), TOO_LONG(11));
    CHECK_ERROR(cmd(c, "INCRBY i 5"), TOO_LONG(11));
    CHECK_BULK(cmd(c, "GET i"), "9999999999");
    CHECK_INT(cmd(c, "DECR i"), 9999999998LL);
    CHECK_STATUS(cmd(c, "SET i -999999999"), "OK");
    CHECK_ERROR(cmd(c, "DECR i"), TOO_LONG(11));
    CHECK_ERROR(cmd(c, "DECRBY i 1"), TOO_LONG(11));
    CHECK_ERROR(cmd(c, "INCRBY i2 -12345678901"), TOO_LONG(12));
    CHECK_BULK(cmd(c, "GET i"), "-999999999");
    CHECK_INT(cmd(c, "EXISTS i2"), 0);
#undef TOO_LONG

    /* max-key-length */
#define KEY_TOO_LONG(n) "ERR key is too long: " #n " bytes exceeds max-key-length (5)"
    CHECK_STATUS(cmd(c, "SET kkkkk v"), "OK");
    CHECK_ERROR(cmd(c, "SET kkkkkk v"), KEY_TOO_LONG(6));
    CHECK_ERROR(cmd(c, "GET kkkkkk"), KEY_TOO_LONG(6));
    CHECK_ERROR(cmd(c, "INCR kkkkkkkkkk"), KEY_TOO_LONG(10));
    CHECK_ERROR(cmd(c, "APPEND kkkkkk v"), KEY_TOO_LONG(6));
    CHECK_ERROR(cmd(c, "MSET x 1 kkkkkk 2"), KEY_TOO_LONG(6));
    CHECK_ERROR(cmd(c, "MGET x kkkkkk"), KEY_TOO_LONG(6));
    CHECK_ERROR(cmd(c, "LCS kkkkk kkkkkk"), KEY_TOO_LONG(6));
    CHECK_ERROR(cmd(c, "DEL kkkkkk"), KEY_TOO_LONG(6));
    CHECK_INT(cmd(c, "EXISTS x"), 0);
    CHECK_BULK(cmd(c, "GET kkkkk"), "v");
#undef KEY_TOO_LONG

    /* max-keys-per-request */
#define TOO_MANY(n) "ERR too many keys in one request: " #n " exceeds max-keys-per-request (3)"
    CHECK_STATUS(cmd(c, "MSET a 1 b 2 c 3"), "OK");
    CHECK_ERROR(cmd(c, "MSET a 9 b 9 c 9 d 9"), TOO_MANY(4));
    CHECK_ERROR(cmd(c, "MSETNX w 9 x 9 y 9 z 9"), TOO_MANY(4));
    CHECK_ERROR(cmd(c, "MGET a b c d"), TOO_MANY(4));
    CHECK_ERROR(cmd(c, "DEL a b c d"), TOO_MANY(4));
    CHECK_ERROR(cmd(c, "DEL a b c d e f"), TOO_MANY(6));
    CHECK_REPLY(cmd(c, "MGET a b c"), "[$1,$2,$3]");
    CHECK_INT(cmd(c, "EXISTS d w"), 0);
    CHECK_INT(cmd(c, "DEL a b c"), 3);
    CHECK_INT(cmd(c, "EXISTS a b c"), 0);
#undef TOO_MANY
    redisFree(c);
    srv_stop(s);
}

/* DUMP and RESTORE, both ways with a real redis-server: its payloads
 * (integers, LZF-compressed and plain strings) restore here, ours there;
 * the errors are Redis's; a restored key survives a restart (logged as a
 * SET). */
static void test_dump_restore(sb_server *s, redisContext *c) {
    redisContext *rc = redis_start();
    CHECK(rc != NULL);
    if (!rc) return;
    static char big[70000];
    for (size_t i = 0; i < sizeof(big); i++) big[i] = (char)(i * 7919 % 251);
    static const char *texts[] = {"", "hello", "12345", "-5", "300", "-32769", "2147483648", "007"};
    struct { const char *p; size_t n; } vals[16];
    int nv = 0;
    for (size_t i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) vals[nv].p = texts[i], vals[nv++].n = strlen(texts[i]);
    char rep[3000];
    for (size_t i = 0; i < sizeof(rep); i++) rep[i] = "abc"[i % 3]; /* LZF-compressed by Redis */
    vals[nv].p = rep, vals[nv++].n = sizeof(rep);
    vals[nv].p = big, vals[nv++].n = 300;     /* 14-bit length */
    vals[nv].p = big, vals[nv++].n = sizeof(big); /* 32-bit length */
    for (int i = 0; i < nv; i++) {
        for (int dir = 0; dir < 2; dir++) {
            redisContext *from = dir ? c : rc, *to = dir ? rc : c;
            CHECK_STATUS(cmd(from, "SET dk %b", vals[i].p, vals[i].n), "OK");
            redisReply *d = cmd(from, "DUMP dk");
            CHECK(d && d->type == REDIS_REPLY_STRING);
            if (!d || d->type != REDIS_REPLY_STRING) continue;
            CHECK_STATUS(cmd(to, "RESTORE dk 0 %b REPLACE", d->str, d->len), "OK");
            redisReply *g = cmd(to, "GET dk");
            CHECK_MSG(g && g->type == REDIS_REPLY_STRING && g->len == vals[i].n &&
                      !memcmp(g->str, vals[i].p, vals[i].n),
                      "value %d (%zu bytes) %s", i, vals[i].n, dir ? "to Redis" : "from Redis");
            if (g) freeReplyObject(g);
            freeReplyObject(d);
        }
    }
    CHECK_NIL(cmd(c, "DUMP nokey"));
    CHECK_STATUS(cmd(c, "SET dk hello"), "OK");
    redisReply *d = cmd(c, "DUMP dk");
    CHECK(d && d->type == REDIS_REPLY_STRING);
    if (d && d->type == REDIS_REPLY_STRING) {
        CHECK_ERROR(cmd(c, "RESTORE dk 0 %b", d->str, d->len), "BUSYKEY Target key name already exists.");
        CHECK_ERROR(cmd(c, "RESTORE dk2 -1 %b", d->str, d->len), "ERR Invalid TTL value, must be >= 0");
        CHECK_ERROR(cmd(c, "RESTORE dk2 0 %b FOO", d->str, d->len), "ERR syntax error");
        CHECK_ERROR(cmd(c, "RESTORE dk2 0 %b FREQ 256", d->str, d->len),
                    "ERR Invalid FREQ value, must be >= 0 and <= 255");
        CHECK_ERROR(cmd(c, "RESTORE dk2 0 %b IDLETIME 1 FREQ 1", d->str, d->len), "ERR syntax error");
        d->str[d->len - 1] ^= 1; /* the CRC */
        CHECK_ERROR(cmd(c, "RESTORE dk2 0 %b", d->str, d->len),
                    "ERR DUMP payload version or checksum are wrong");
        CHECK_ERROR(cmd(c, "RESTORE dk2 0 short"), "ERR DUMP payload version or checksum are wrong");
        freeReplyObject(d);
        /* TTLs: relative, absolute, and one already past (no key) */
        d = cmd(c, "DUMP dk");
        CHECK_STATUS(cmd(c, "RESTORE t1 100000 %b", d->str, d->len), "OK");
        redisReply *t = cmd(c, "PTTL t1");
        CHECK(t && t->integer > 99000 && t->integer <= 100000);
        if (t) freeReplyObject(t);
        CHECK_STATUS(cmd(c, "RESTORE t2 1 %b ABSTTL", d->str, d->len), "OK");
        CHECK_INT(cmd(c, "EXISTS t2"), 0);
        freeReplyObject(d);
    }
    /* another type (a Redis list) is refused, naming why */
    CHECK_INT(cmd(rc, "RPUSH l a"), 1);
    d = cmd(rc, "DUMP l");
    if (d && d->type == REDIS_REPLY_STRING) {
        redisReply *r = cmd(c, "RESTORE l 0 %b", d->str, d->len);
        CHECK(r && r->type == REDIS_REPLY_ERROR && strstr(r->str, "Bad data format: strongbox holds strings only") != NULL);
        if (r) freeReplyObject(r);
    }
    if (d) freeReplyObject(d);
    /* a value longer than proto-max-bulk-len is refused before it is made
     * (a small LZF payload can state a huge length) */
    {
        size_t blen = 1536 * 1024;
        char *bv = malloc(blen);
        memset(bv, 'z', blen);
        CHECK_STATUS(cmd(rc, "SET bigz %b", bv, blen), "OK");
        free(bv);
        d = cmd(rc, "DUMP bigz"); /* LZF: a few KB */
        CHECK(d && d->type == REDIS_REPLY_STRING && d->len < 100000);
        CHECK_STATUS(cmd(c, "CONFIG SET proto-max-bulk-len 1mb"), "OK");
        CHECK_ERROR(cmd(c, "RESTORE bigz2 0 %b", d->str, d->len),
                    "ERR string exceeds maximum allowed size (proto-max-bulk-len)");
        CHECK_STATUS(cmd(c, "CONFIG SET proto-max-bulk-len 512mb"), "OK");
        CHECK_STATUS(cmd(c, "RESTORE bigz2 0 %b", d->str, d->len), "OK");
        CHECK_INT(cmd(c, "STRLEN bigz2"), (long long)blen);
        freeReplyObject(d);
    }
    /* restored keys are logged: they survive a restart */
    CHECK_STATUS(cmd(c, "SET dk %b", rep, sizeof(rep)), "OK");
    d = cmd(c, "DUMP dk");
    CHECK_STATUS(cmd(c, "RESTORE dk3 0 %b", d->str, d->len), "OK");
    freeReplyObject(d);
    (void)s;
    redisFree(rc);
}

int main(void) {
    sb_server *s = srv_start(NULL);
    redisContext *c = srv_connect(s);
    test_set_basic(c);
    test_set_expire(c);
    test_getset_getdel_setnx_setex(c);
    test_getex(c);
    test_mget_mset(c);
    test_incr_decr(c);
    test_incrbyfloat(c);
    test_incrbyfloat_big(c);
    test_encoding(c);
    test_append_strlen(c);
    test_getrange(c);
    test_setrange(c);
    test_lcs(c);
    test_expiry(c);
    test_proto_max_bulk(c);
    test_stats(c);
    test_binary_and_big(c);
    test_pttl(c);
    test_resp3(s);
    test_dump_restore(s, c);
    redisFree(c);
    srv_kill(s);
    /* (killed: the restored key comes back from the WAL, not a checkpoint) */
    s = srv_start_in(s->dir, NULL);
    c = srv_connect(s);
    redisReply *r = cmd(c, "STRLEN dk3");
    CHECK(r && r->type == REDIS_REPLY_INTEGER && r->integer == 3000);
    if (r) freeReplyObject(r);
    redisFree(c);
    srv_stop(s);
    test_limits();
    TU_DONE();
}
