/* script.c -- the Lua 5.4 runtime (see script.h).
 *
 * One lua_State for the engine. Code never sees the real global table: its
 * _ENV is a read-only proxy whose misses raise Redis's "nonexistent global
 * variable" error, and the library tables (redis, string, math, ...) are
 * read-only proxies too, so one script cannot change what the next one
 * runs with. EVAL scripts are compiled once and kept in the registry by
 * SHA-1; library functions are registry references owned by their library.
 *
 * Rollback: before a write command of a script runs, undo.c saves the keys
 * it may touch; on failure they are restored and the engine's unit is cut
 * back to where the script started, so nothing of it is logged.
 *
 * Determinism: math.random is a xorshift64* generator seeded per run from
 * scr_call.seed, and TIME answers scr_call.time_us. Replaying a logged
 * call with the same seed and time repeats its effects exactly.
 *
 * Inline runs (engine.c, "running on the I/O thread"): a script run by the
 * I/O thread checks its deadline from the count hook (every
 * HOOK_INLINE_EVERY instructions) and before each redis.call, which there
 * may call quick commands only; redis.log, a slow command or the deadline
 * raise a yield (again at every line if caught), and scr_run rolls the
 * script back and returns SCR_YIELDED for the engine thread to run it.
 *
 * Limits: an allocator that counts the state's memory fails allocations
 * past lua-memory-limit while a script runs (Lua raises "not enough
 * memory"); a count hook checks for SCRIPT KILL / FUNCTION KILL. The same
 * allocator recycles the state's small blocks through per-size free lists
 * (a call makes and drops dozens of them).
 */
#include "script.h"
#include "keyspace.h"
#include "undo.h"
#include "multi.h"
#include "util.h"
#include "log.h"

#include <lauxlib.h>
#include <lua.h>
#include <lualib.h>
#include <lua-cjson.h>
/* SHA1_Init/Update/Final are deprecated in OpenSSL 3, not gone */
#define OPENSSL_SUPPRESS_DEPRECATED
#include <openssl/sha.h>

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#define SCRIPT_BUCKETS 256
#define HOOK_EVERY 100000     /* instructions between kill checks */
#define HOOK_INLINE_EVERY 2000 /* between deadline checks of an inline run */
#define MAX_NESTING 1000      /* of Lua tables converted to RESP */
#define PRESIZE_MAX 1024      /* elements a reply's table is made for at once */
#define POOL_STEP 16          /* Lua's small blocks: size classes of 16 bytes */
#define POOL_CLASSES 16
#define POOL_LIMIT (POOL_STEP * POOL_CLASSES)
#define POOL_KEEP (1 << 20)   /* free bytes kept in the classes at most */

/* Under ASan a free block in a class is poisoned, as free() would make it. */
#ifdef SB_ASAN
#include <sanitizer/asan_interface.h>
#define POOL_POISON(p, n) ASAN_POISON_MEMORY_REGION(p, n)
#define POOL_UNPOISON(p, n) ASAN_UNPOISON_MEMORY_REGION(p, n)
#else
#define POOL_POISON(p, n) ((void)(p), (void)(n))
#define POOL_UNPOISON(p, n) ((void)(p), (void)(n))
#endif

typedef struct pool_block { struct pool_block *next; } pool_block;

typedef struct scr_script {
    char sha[41];
    char *body;
    size_t len;
    int ref;
    unsigned flags;        /* from a "#!lua flags=..." first line */
    int shebang;
    unsigned inline_skip, inline_late; /* as scr_fn's */
    struct scr_script *next;
} scr_script;

typedef struct scr_runstate {
    eng_ctx *x;
    eng_client sc;         /* the script's client: its own SELECTed db */
    int proto;             /* redis.setresp */
    int readonly, allow_oom;
    const char *name;      /* for error messages: function name or sha */
    int64_t start_us;
    int is_function;
    int killed;
    int64_t deadline;      /* of the inline run, or 0 (eng_inline_deadline) */
    int yielded;           /* it cannot finish there: stop it (SCR_YIELDED) */
    int api;               /* SCR_API_1 or SCR_API (scr_call.api) */
    size_t mem0;           /* the state's memory when it started */
    unsigned grows;        /* allocations that grew it (inline_stop) */
    uint64_t rng;
} scr_runstate;

struct scr_vm {
    eng_engine *e;
    lua_State *L;
    size_t mem, mem_limit;
    int limit_on;
    int64_t busy_us;
    scr_lib *libs;
    size_t nlibs, nfns;
    scr_script *scripts[SCRIPT_BUCKETS];
    size_t nscripts;
    scr_lib *loading;       /* FUNCTION LOAD in progress: register_function */
    scr_runstate *run;
    int env_ref;            /* the read-only global proxy */
    eng_undo undo;
    resp_buf reply;         /* redis.call replies */
    eng_arg *argv;
    size_t argv_cap;
    char numbuf[64 * 32];   /* numbers of redis.call arguments as text */
    pool_block *pool[POOL_CLASSES]; /* free small blocks of the state */
    size_t pool_bytes;
    int eval_globals;       /* KEYS and ARGV of the last script still set */
};

/* The allocator's userdata is the vm (scr_create): reading it back costs
 * no table look-up, which matters on every redis.call. */
static int api1(lua_State *L);

static scr_vm *vm_of(lua_State *L);

/* Replaying a call logged under API 1 (script.h)? */
static int api1(lua_State *L) {
    scr_vm *vm = vm_of(L);
    return vm->run && vm->run->api == SCR_API_1;
}

static scr_vm *vm_of(lua_State *L) {
    void *vm;
    lua_getallocf(L, &vm);
    return vm;
}

void scr_sha1hex(const void *p, size_t n, char out[41]) {
    /* the SHA1_* calls: EVP's per-digest set-up costs more than hashing a
     * script call's effects, which every logged call does */
    SHA_CTX ctx;
    unsigned char md[SHA_DIGEST_LENGTH];
    if (!SHA1_Init(&ctx) || !SHA1_Update(&ctx, p, n) || !SHA1_Final(md, &ctx)) abort();
    static const char hex[] = "0123456789abcdef";
    for (unsigned i = 0; i < 20; i++) {
        out[2 * i] = hex[md[i] >> 4];
        out[2 * i + 1] = hex[md[i] & 15];
    }
    out[40] = '\0';
}

/* ------------------------------------------------------------ memory */

/* Small blocks go back to per-size free lists instead of to malloc: a call
 * makes and drops a few dozen small objects (argument tables, reply
 * strings and tables), and the collector frees them in bursts that
 * overflow malloc's per-thread cache. A block of a class was allocated
 * with at least the class's size, so any block fits the class of its
 * Lua size. At most POOL_KEEP bytes are kept free. */
static size_t pool_class(size_t n) { return (n - 1) / POOL_STEP; } /* n >= 1 */

static void *pool_get(scr_vm *vm, size_t n) {
    size_t c = pool_class(n), sz = (c + 1) * POOL_STEP;
    pool_block *b = vm->pool[c];
    if (!b) return malloc(sz);
    POOL_UNPOISON(b, sz);
    vm->pool[c] = b->next;
    vm->pool_bytes -= sz;
    return b;
}

static void pool_put(scr_vm *vm, void *p, size_t n) {
    size_t c = pool_class(n), sz = (c + 1) * POOL_STEP;
    if (vm->pool_bytes + sz > POOL_KEEP) {
        free(p);
        return;
    }
    pool_block *b = p;
    b->next = vm->pool[c];
    vm->pool[c] = b;
    vm->pool_bytes += sz;
    POOL_POISON(b, sz);
}

static void pool_free_all(scr_vm *vm) {
    for (size_t c = 0; c < POOL_CLASSES; c++)
        while (vm->pool[c]) {
            pool_block *b = vm->pool[c];
            POOL_UNPOISON(b, (c + 1) * POOL_STEP);
            vm->pool[c] = b->next;
            free(b);
        }
    vm->pool_bytes = 0;
}

/* A C function (string.rep, table.concat, cjson) runs without the count
 * hook, so an inline run is bounded where it grows the state too: past
 * INLINE_MEM_MAX more memory, or its deadline (read every 16th growth), the
 * allocation fails and the script yields (the hook or its next redis.call
 * raises it, if it catches the memory error). */
#define INLINE_MEM_MAX (1u << 20)

static int inline_stop(scr_vm *vm, size_t grow) {
    scr_runstate *r = vm->run;
    if (!r->yielded && (vm->mem + grow > r->mem0 + INLINE_MEM_MAX ||
                        ((++r->grows & 15) == 0 && sb_mono_us() > r->deadline)))
        r->yielded = 1;
    return r->yielded;
}

static void *l_alloc(void *ud, void *ptr, size_t osize, size_t nsize) {
    scr_vm *vm = ud;
    if (!ptr) osize = 0;
    int osmall = osize && osize <= POOL_LIMIT; /* ptr came from pool_get */
    if (nsize == 0) {
        if (osmall) pool_put(vm, ptr, osize);
        else free(ptr);
        vm->mem -= osize;
        return NULL;
    }
    if (nsize > osize && vm->limit_on && vm->mem_limit &&
        vm->mem + (nsize - osize) > vm->mem_limit)
        return NULL; /* Lua raises "not enough memory" */
    if (nsize > osize && vm->run && vm->run->deadline && inline_stop(vm, nsize - osize))
        return NULL;
    void *np;
    if (nsize <= POOL_LIMIT) {
        if (osmall && pool_class(nsize) == pool_class(osize)) {
            np = ptr;
        } else {
            np = pool_get(vm, nsize);
            if (!np) {
                if (nsize > osize) return NULL;
                np = ptr; /* a shrink keeps the bigger block: it fits the class */
            } else if (ptr) {
                memcpy(np, ptr, osize < nsize ? osize : nsize);
                if (osmall) pool_put(vm, ptr, osize);
                else free(ptr);
            }
        }
    } else if (osmall) {
        np = malloc(nsize);
        if (!np) return NULL;
        memcpy(np, ptr, osize);
        pool_put(vm, ptr, osize);
    } else {
        np = realloc(ptr, nsize);
        if (!np) return NULL;
    }
    vm->mem = vm->mem - osize + nsize;
    return np;
}

size_t scr_memory(const scr_vm *vm) { return vm->mem; }

void scr_set_limits(scr_vm *vm, size_t memory_limit, int64_t busy_us) {
    vm->mem_limit = memory_limit;
    vm->busy_us = busy_us;
}

/* ---------------------------------------------------------- sandbox */

static int l_noop(lua_State *L);

static int protected_index(lua_State *L) {
    const char *k = lua_tostring(L, 2);
    /* API 1 had print (to stdout); so did the code of libraries it loaded,
     * which checkpoints keep and load again: there it stays, doing nothing */
    if (k && !strcmp(k, "print") && (api1(L) || vm_of(L)->loading)) {
        lua_pushcfunction(L, l_noop);
        return 1;
    }
    return luaL_error(L, "Script attempted to access nonexistent global variable '%s'",
                      k ? k : "?");
}

static int readonly_newindex(lua_State *L) {
    return luaL_error(L, "Attempt to modify a readonly table");
}

/* pairs() over a proxy walks the real table (upvalue 1) with next (2). */
static int proxy_pairs(lua_State *L) {
    lua_pushvalue(L, lua_upvalueindex(2));
    lua_pushvalue(L, lua_upvalueindex(1));
    lua_pushnil(L);
    return 3;
}

/* Replace the table at the top of the stack by a read-only proxy of it.
 * With strict_missing, reading a missing key raises (the globals). */
static void make_proxy(lua_State *L, int strict_missing) {
    int t = lua_gettop(L);
    if (strict_missing) {
        lua_newtable(L);
        lua_pushcfunction(L, protected_index);
        lua_setfield(L, -2, "__index");
        lua_setmetatable(L, t);
    }
    lua_newtable(L);                 /* the proxy */
    lua_newtable(L);                 /* its metatable */
    lua_pushvalue(L, t);
    lua_setfield(L, -2, "__index");
    lua_pushcfunction(L, readonly_newindex);
    lua_setfield(L, -2, "__newindex");
    lua_pushvalue(L, t);
    lua_getglobal(L, "next");
    lua_pushcclosure(L, proxy_pairs, 2);
    lua_setfield(L, -2, "__pairs");
    lua_pushboolean(L, 0);
    lua_setfield(L, -2, "__metatable");
    lua_setmetatable(L, -2);
    lua_replace(L, t);
}

static int l_os_clock(lua_State *L) {
    lua_pushnumber(L, (lua_Number)clock() / (lua_Number)CLOCKS_PER_SEC);
    return 1;
}

/* load / loadstring: text chunks only, run in the read-only globals. */
static int l_load_text(lua_State *L) {
    size_t n;
    const char *s = luaL_checklstring(L, 1, &n);
    const char *name = luaL_optstring(L, 2, "=(load)");
    scr_vm *vm = vm_of(L);
    if (luaL_loadbufferx(L, s, n, name, "t") != LUA_OK) {
        lua_pushnil(L);
        lua_insert(L, -2);
        return 2;
    }
    lua_rawgeti(L, LUA_REGISTRYINDEX, vm->env_ref);
    lua_setupvalue(L, -2, 1);
    return 1;
}

/* math.random with Lua 5.4's argument rules, on the run's generator. */
static uint64_t rng_next(uint64_t *s) {
    uint64_t x = *s;
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    *s = x;
    return x * UINT64_C(0x2545f4914f6cdd1d);
}

static uint64_t *run_rng(lua_State *L) {
    static uint64_t idle = UINT64_C(0x9e3779b97f4a7c15);
    scr_vm *vm = vm_of(L);
    return vm->run ? &vm->run->rng : &idle;
}

static void seed_rng(uint64_t *s, uint64_t seed) {
    uint64_t z = seed + UINT64_C(0x9e3779b97f4a7c15);
    z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
    z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
    z ^= z >> 31;
    *s = z ? z : 1;
}

static int l_random(lua_State *L) {
    uint64_t r = rng_next(run_rng(L));
    lua_Integer lo, hi;
    switch (lua_gettop(L)) {
    case 0:
        lua_pushnumber(L, (lua_Number)(r >> 11) * (1.0 / 9007199254740992.0));
        return 1;
    case 1:
        lo = 1;
        hi = luaL_checkinteger(L, 1);
        if (hi == 0) { /* the whole integer range */
            lua_pushinteger(L, (lua_Integer)r);
            return 1;
        }
        break;
    case 2:
        lo = luaL_checkinteger(L, 1);
        hi = luaL_checkinteger(L, 2);
        break;
    default:
        return luaL_error(L, "wrong number of arguments");
    }
    luaL_argcheck(L, lo <= hi, lua_gettop(L), "interval is empty");
    uint64_t span = (uint64_t)hi - (uint64_t)lo;
    uint64_t v = span == UINT64_MAX ? r : r % (span + 1);
    lua_pushinteger(L, (lua_Integer)((uint64_t)lo + v));
    return 1;
}

static int l_randomseed(lua_State *L) {
    lua_Integer n = lua_isnoneornil(L, 1) ? 0 : (lua_Integer)luaL_checknumber(L, 1);
    seed_rng(run_rng(L), (uint64_t)n);
    return 0;
}

/* The Lua 5.1 libraries Redis scripts expect, on 5.4. */
static const char COMPAT_LUA[] =
    "local band, bor, bxor = function(a,b) return a & b end, function(a,b) return a | b end,\n"
    "  function(a,b) return a ~ b end\n"
    "local function u32(x)\n"
    "  if math.type(x) ~= 'integer' then x = math.floor(x) end\n"
    "  return x & 0xffffffff\n"
    "end\n"
    "local function tobit(x) x = u32(x); if x >= 0x80000000 then x = x - 0x100000000 end; return x end\n"
    "local function fold(op, ...)\n"
    "  local n = select('#', ...); local r = u32((...))\n"
    "  for i = 2, n do r = op(r, u32((select(i, ...)))) end\n"
    "  return tobit(r)\n"
    "end\n"
    "local bit = {}\n"
    "bit.tobit = tobit\n"
    "bit.band = function(...) return fold(band, ...) end\n"
    "bit.bor = function(...) return fold(bor, ...) end\n"
    "bit.bxor = function(...) return fold(bxor, ...) end\n"
    "bit.bnot = function(x) return tobit(~u32(x)) end\n"
    "bit.lshift = function(x, n) return tobit(u32(x) << (u32(n) & 31)) end\n"
    "bit.rshift = function(x, n) return tobit(u32(x) >> (u32(n) & 31)) end\n"
    "bit.arshift = function(x, n) n = u32(n) & 31; x = tobit(x)\n"
    "  if x < 0 then return tobit((u32(x) >> n) | ~(0xffffffff >> n)) end\n"
    "  return tobit(x >> n) end\n"
    "bit.rol = function(x, n) x = u32(x); n = u32(n) & 31\n"
    "  return tobit((x << n) | (x >> (32 - n))) end\n"
    "bit.ror = function(x, n) x = u32(x); n = u32(n) & 31\n"
    "  return tobit((x >> n) | (x << (32 - n))) end\n"
    "bit.bswap = function(x) x = u32(x)\n"
    "  return tobit(((x & 0xff) << 24) | ((x & 0xff00) << 8) | ((x >> 8) & 0xff00) | (x >> 24)) end\n"
    "bit.tohex = function(x, n) n = n or 8; local up = n < 0; if up then n = -n end\n"
    "  local s = string.format(up and '%08X' or '%08x', u32(x)); return s:sub(9 - n) end\n"
    "local function sfmt(f) return (f:gsub('s', 'z')) end\n"
    "local struct = {\n"
    "  pack = function(f, ...) return string.pack(sfmt(f), ...) end,\n"
    "  unpack = function(f, s, i) return string.unpack(sfmt(f), s, i) end,\n"
    "  size = function(f) return string.packsize(sfmt(f)) end,\n"
    "}\n"
    "return bit, struct\n";

/* --------------------------------------------------- RESP <-> Lua */

/* Push the RESP value at *pp as a Lua value, Redis's conversion rules.
 * Returns the position after it, or NULL on a malformed reply. */
static const char *push_resp(lua_State *L, const char *p, const char *end, int depth);

static const char *line_end(const char *p, const char *end) {
    const char *q = memchr(p, '\r', (size_t)(end - p));
    return q && q + 1 < end ? q : NULL;
}

static const char *push_aggregate(lua_State *L, long long n, const char *p, const char *end,
                                  int depth, char kind) {
    if (!lua_checkstack(L, 8)) return NULL;
    /* sized up front: growing a table element by element rehashes it */
    int size = n < PRESIZE_MAX ? (int)n : PRESIZE_MAX;
    if (kind == '%' || kind == '~') {
        lua_createtable(L, 0, 1);
        lua_createtable(L, 0, size); /* the inner map / set */
    } else {
        lua_createtable(L, size, 0);
    }
    for (long long i = 0; i < n && p; i++) {
        if (kind == '%') {
            p = push_resp(L, p, end, depth + 1);
            if (p) p = push_resp(L, p, end, depth + 1);
            if (p) lua_settable(L, -3);
        } else if (kind == '~') {
            p = push_resp(L, p, end, depth + 1);
            if (p) {
                lua_pushboolean(L, 1);
                lua_settable(L, -3);
            }
        } else {
            p = push_resp(L, p, end, depth + 1);
            if (p) lua_rawseti(L, -2, (lua_Integer)i + 1);
        }
    }
    if (p && kind == '%') lua_setfield(L, -2, "map");
    if (p && kind == '~') lua_setfield(L, -2, "set");
    return p;
}

static const char *push_resp(lua_State *L, const char *p, const char *end, int depth) {
    if (p >= end || depth > MAX_NESTING) return NULL;
    const char *le = line_end(p, end);
    if (!le) return NULL;
    char t = *p++;
    size_t ln = (size_t)(le - p);
    const char *next = le + 2;
    long long n = 0;
    if (strchr(":$*%~>", t) && eng_parse_ll(p, ln, &n) != 0) {
        char num[32]; /* not in canonical form: what strtoll makes of it */
        if (ln >= sizeof(num)) return NULL;
        memcpy(num, p, ln);
        num[ln] = '\0';
        n = strtoll(num, NULL, 10);
    }
    switch (t) {
    case '+':
        lua_createtable(L, 0, 1);
        lua_pushlstring(L, p, ln);
        lua_setfield(L, -2, "ok");
        return next;
    case '-':
        lua_createtable(L, 0, 1);
        lua_pushlstring(L, p, ln);
        lua_setfield(L, -2, "err");
        return next;
    case ':':
        lua_pushinteger(L, n);
        return next;
    case '$':
        if (n < 0) {
            lua_pushboolean(L, 0);
            return next;
        }
        if ((size_t)(end - next) < (size_t)n + 2) return NULL;
        lua_pushlstring(L, next, (size_t)n);
        return next + n + 2;
    case '*':
    case '>':
        if (n < 0) {
            lua_pushboolean(L, 0);
            return next;
        }
        return push_aggregate(L, n, next, end, depth, '*');
    case '%':
    case '~':
        return push_aggregate(L, n, next, end, depth, t);
    case '_':
        lua_pushnil(L);
        return next;
    case '#':
        lua_pushboolean(L, ln && *p == 't');
        return next;
    case ',': {
        char num[64];
        if (ln >= sizeof(num)) return NULL;
        memcpy(num, p, ln);
        num[ln] = '\0';
        lua_newtable(L);
        lua_pushnumber(L, strtod(num, NULL));
        lua_setfield(L, -2, "double");
        return next;
    }
    case '(':
        lua_newtable(L);
        lua_pushlstring(L, p, ln);
        lua_setfield(L, -2, "big_number");
        return next;
    case '=': {
        long long vl = strtoll(p, NULL, 10);
        if (vl < 4 || (size_t)(end - next) < (size_t)vl + 2) return NULL;
        lua_newtable(L);
        lua_newtable(L);
        lua_pushlstring(L, next, 3);
        lua_setfield(L, -2, "format");
        lua_pushlstring(L, next + 4, (size_t)vl - 4);
        lua_setfield(L, -2, "string");
        lua_setfield(L, -2, "verbatim_string");
        return next + vl + 2;
    }
    default:
        return NULL;
    }
}

/* An error text for a reply line: no CR/LF inside. */
static void add_error_clean(resp_buf *b, const char *s, size_t n) {
    char stack[512];
    if (n == 0) {
        resp_add_error(b, "", 0);
        return;
    }
    char *t = n < sizeof(stack) ? stack : malloc(n + 1);
    if (!t) abort();
    for (size_t i = 0; i < n; i++) t[i] = (s[i] == '\r' || s[i] == '\n') ? ' ' : s[i];
    resp_add_error(b, t, n);
    if (t != stack) free(t);
}

/* Pairs in the table at the top of the stack. */
static long long count_pairs(lua_State *L) {
    long long n = 0;
    lua_pushnil(L);
    while (lua_next(L, -2)) {
        n++;
        lua_pop(L, 1);
    }
    return n;
}

/* The value at idx as a reply, Redis's Lua -> RESP rules: in the
 * caller's protocol (proto), except a boolean, which follows the script's
 * own (sproto, redis.setresp): under 2, true is 1 and false a null, as in
 * Redis 7.0, whatever HELLO the caller said. */
static void to_resp(lua_State *L, int idx, resp_buf *b, int proto, int sproto, int depth) {
    idx = lua_absindex(L, idx);
    if (depth > MAX_NESTING || !lua_checkstack(L, 4)) {
        resp_add_error(b, "ERR reached lua stack limit", 27);
        return;
    }
    switch (lua_type(L, idx)) {
    case LUA_TSTRING: {
        size_t n;
        const char *s = lua_tolstring(L, idx, &n);
        resp_add_bulk(b, s, n);
        return;
    }
    case LUA_TBOOLEAN:
        if (sproto == 3) resp_add_bool(b, proto, lua_toboolean(L, idx));
        else if (lua_toboolean(L, idx)) resp_add_int(b, 1);
        else resp_add_null(b, proto);
        return;
    case LUA_TNUMBER:
        if (lua_isinteger(L, idx)) resp_add_int(b, (long long)lua_tointeger(L, idx));
        else resp_add_int(b, (long long)lua_tonumber(L, idx));
        return;
    case LUA_TTABLE:
        break;
    default:
        resp_add_null(b, proto);
        return;
    }
    /* {err=...}, {ok=...}, {double=...}, {map=...}, {set=...}, {big_number=...} */
    if (lua_getfield(L, idx, "err") == LUA_TSTRING) {
        size_t n;
        const char *s = lua_tolstring(L, -1, &n);
        add_error_clean(b, s, n);
        lua_pop(L, 1);
        return;
    }
    lua_pop(L, 1);
    if (lua_getfield(L, idx, "ok") == LUA_TSTRING) {
        size_t n;
        const char *s = lua_tolstring(L, -1, &n);
        char *t = malloc(n + 1);
        if (!t) abort();
        for (size_t i = 0; i < n; i++) t[i] = (s[i] == '\r' || s[i] == '\n') ? ' ' : s[i];
        resp_add_simple(b, t, n);
        free(t);
        lua_pop(L, 1);
        return;
    }
    lua_pop(L, 1);
    if (lua_getfield(L, idx, "double") == LUA_TNUMBER) {
        resp_add_double(b, proto, (double)lua_tonumber(L, -1));
        lua_pop(L, 1);
        return;
    }
    lua_pop(L, 1);
    if (lua_getfield(L, idx, "big_number") == LUA_TSTRING) {
        size_t n;
        const char *s = lua_tolstring(L, -1, &n);
        resp_add_bignum(b, proto, s, n);
        lua_pop(L, 1);
        return;
    }
    lua_pop(L, 1);
    if (lua_getfield(L, idx, "verbatim_string") == LUA_TTABLE) {
        size_t fn, n;
        const char *f = lua_getfield(L, -1, "format") == LUA_TSTRING ? lua_tolstring(L, -1, &fn) : NULL;
        const char *t = lua_getfield(L, -2, "string") == LUA_TSTRING ? lua_tolstring(L, -1, &n) : NULL;
        if (f && t) {
            char fmt3[4] = {0};
            memcpy(fmt3, f, fn < 3 ? fn : 3);
            resp_add_verbatim(b, proto, fmt3, t, n);
            lua_pop(L, 3);
            return;
        }
        lua_pop(L, 2);
    }
    lua_pop(L, 1);
    if (lua_getfield(L, idx, "map") == LUA_TTABLE) {
        resp_add_map_len(b, proto, count_pairs(L));
        lua_pushnil(L);
        while (lua_next(L, -2)) {
            to_resp(L, -2, b, proto, sproto, depth + 1);
            to_resp(L, -1, b, proto, sproto, depth + 1);
            lua_pop(L, 1);
        }
        lua_pop(L, 1);
        return;
    }
    lua_pop(L, 1);
    if (lua_getfield(L, idx, "set") == LUA_TTABLE) {
        resp_add_set_len(b, proto, count_pairs(L));
        lua_pushnil(L);
        while (lua_next(L, -2)) {
            to_resp(L, -2, b, proto, sproto, depth + 1);
            lua_pop(L, 1);
        }
        lua_pop(L, 1);
        return;
    }
    lua_pop(L, 1);
    /* an array: up to the first nil */
    long long n = 0;
    while (lua_rawgeti(L, idx, (lua_Integer)n + 1) != LUA_TNIL) {
        n++;
        lua_pop(L, 1);
    }
    lua_pop(L, 1);
    resp_add_array_len(b, n);
    for (long long i = 1; i <= n; i++) {
        lua_rawgeti(L, idx, (lua_Integer)i);
        to_resp(L, -1, b, proto, sproto, depth + 1);
        lua_pop(L, 1);
    }
}

/* ------------------------------------------------------ the redis lib */

/* Raise {err = msg} (redis.call errors: the message handler adds where). */
static int raise_err(lua_State *L, const char *msg) {
    lua_newtable(L);
    lua_pushstring(L, msg);
    lua_setfield(L, -2, "err");
    return lua_error(L);
}

static void kill_hook(lua_State *L, lua_Debug *ar);

/* Stop a script of an inline run for the engine thread to run again (see
 * scr_run). Raised again at every line if the script catches it, and
 * whatever it does then is rolled back anyway. */
static int yield_raise(lua_State *L, scr_runstate *r) {
    r->yielded = 1;
    lua_sethook(L, kill_hook, LUA_MASKLINE, 0);
    return raise_err(L, "ERR script moved to the engine thread");
}

/* A redis.call that fails before its command runs raises {err = msg};
 * redis.pcall returns it. */
static int call_failed(lua_State *L, int raise, const char *msg) {
    if (raise) return raise_err(L, msg);
    lua_newtable(L);
    lua_pushstring(L, msg);
    lua_setfield(L, -2, "err");
    return 1;
}

static int do_call(lua_State *L, int raise) {
    scr_vm *vm = vm_of(L);
    scr_runstate *r = vm->run;
    if (!r) return raise_err(L, "ERR redis.call and redis.pcall can only be called inside a script");
    if (r->yielded) return yield_raise(L, r);
    int argc = lua_gettop(L);
    int early_raise = raise || r->api == SCR_API_1; /* (API 1 raised these) */
    if (argc == 0)
        return call_failed(L, early_raise, "ERR Please specify at least one argument for this redis lib call");
    if ((size_t)argc > vm->argv_cap) {
        size_t cap = (size_t)argc + 16;
        eng_arg *a = realloc(vm->argv, cap * sizeof(*a));
        if (!a) return raise_err(L, "ERR out of memory");
        vm->argv = a;
        vm->argv_cap = cap;
    }
    size_t numoff = 0;
    for (int i = 1; i <= argc; i++) {
        int t = lua_type(L, i);
        if (t == LUA_TNUMBER && numoff + 32 <= sizeof(vm->numbuf)) {
            char *d = vm->numbuf + numoff;
            int n = lua_isinteger(L, i)
                        ? sb_fmt_ll(d, (long long)lua_tointeger(L, i))
                        : snprintf(d, 32, "%.17g", (double)lua_tonumber(L, i));
            vm->argv[i - 1] = (eng_arg){d, (size_t)n};
            numoff += (size_t)n + 1;
        } else if (t == LUA_TSTRING) {
            size_t n;
            const char *s = lua_tolstring(L, i, &n);
            vm->argv[i - 1] = (eng_arg){s, n};
        } else if (t == LUA_TNUMBER) { /* more numbers than the buffer: let Lua format */
            size_t n;
            const char *s = lua_tolstring(L, i, &n);
            vm->argv[i - 1] = (eng_arg){s, n};
        } else {
            return call_failed(L, early_raise, "ERR Lua redis lib command arguments must be strings or integers");
        }
    }
    char err[400];
    const eng_cmd *cmd = eng_script_resolve(r->x, argc, vm->argv, r->readonly, r->allow_oom,
                                            err, sizeof(err));
    if (!cmd) return call_failed(L, raise, err);
    /* on the I/O thread, quick commands only (as eng_run_inline's) */
    if (r->deadline && (!(cmd->flags & (CMD_FAST | CMD_INLINE)) || argc > ENG_INLINE_ARGC ||
                        sb_mono_us() > r->deadline))
        return yield_raise(L, r);
    if (cmd->flags & CMD_WRITE)
        undo_save_command(&vm->undo, eng_keyspace_of(vm->e), r->sc.db, cmd, argc, vm->argv);
    resp_buf *out = &vm->reply;
    size_t base = out->len; /* nested calls stack their replies */
    eng_script_exec(r->x, cmd, &r->sc, r->proto, argc, vm->argv, out);
    const char *end = push_resp(L, out->data + base, out->data + out->len, 0);
    int is_err = out->len > base && out->data[base] == '-';
    out->len = base;
    if (!end) return raise_err(L, "ERR could not convert the reply of a command to Lua");
    if (is_err && raise) return lua_error(L);
    return 1;
}

static int l_call(lua_State *L) { return do_call(L, 1); }
static int l_pcall(lua_State *L) { return do_call(L, 0); }

static void push_field_table(lua_State *L, const char *field, const char *s, size_t n) {
    lua_newtable(L);
    lua_pushlstring(L, s, n);
    lua_setfield(L, -2, field);
}

/* Redis 7.0's arguments check: one string (not a number), else an error
 * table is returned, not raised. */
static int reply_arg_ok(lua_State *L) {
    if (lua_gettop(L) == 1 && lua_type(L, 1) == LUA_TSTRING) return 1;
    static const char msg[] = "ERR wrong number or type of arguments";
    push_field_table(L, "err", msg, sizeof(msg) - 1);
    return 0;
}

/* {err = "CODE message"}, as Redis 7.0 makes it: "-CODE message" and
 * "CODE message" keep their first word as the code, a one-word text gets
 * ERR ("bad" -> "ERR bad"), and CR/LF at either end are trimmed. */
static int l_error_reply(lua_State *L) {
    if (api1(L)) { /* as given, numbers too */
        size_t n;
        const char *s = luaL_checklstring(L, 1, &n);
        push_field_table(L, "err", s, n);
        return 1;
    }
    if (!reply_arg_ok(L)) return 1;
    const char *s = lua_tostring(L, 1);
    if (*s == '-') s++;
    const char *sp = strchr(s, ' ');
    const char *code = sp ? s : "ERR", *msg = sp ? sp + 1 : s;
    size_t cn = sp ? (size_t)(sp - s) : 3, mn = strlen(msg);
    while (mn && (*msg == '\r' || *msg == '\n')) msg++, mn--;
    while (mn && (msg[mn - 1] == '\r' || msg[mn - 1] == '\n')) mn--;
    luaL_Buffer b;
    luaL_buffinit(L, &b);
    luaL_addlstring(&b, code, cn);
    luaL_addchar(&b, ' ');
    luaL_addlstring(&b, msg, mn);
    luaL_pushresult(&b);
    size_t n;
    const char *t = lua_tolstring(L, -1, &n);
    push_field_table(L, "err", t, n);
    return 1;
}

static int l_status_reply(lua_State *L) {
    if (!api1(L) && !reply_arg_ok(L)) return 1;
    size_t n;
    const char *s = luaL_checklstring(L, 1, &n);
    push_field_table(L, "ok", s, n);
    return 1;
}

/* The global pcall, as Redis 7.0 replaces it: an error raised as a table
 * with an err field (redis.call's, error{err=...}) is caught as that
 * string, so pcall(redis.call, ...) gives the script "ERR ..." text. */
static int l_pcall_global(lua_State *L) {
    luaL_checkany(L, 1);
    int argc = lua_gettop(L);
    lua_pushboolean(L, 1);
    lua_insert(L, 1);
    if (lua_pcall(L, argc - 1, LUA_MULTRET, 0) == LUA_OK) return lua_gettop(L);
    if (api1(L)) { /* Lua's own pcall: the error object as it is */
        lua_pushboolean(L, 0);
        lua_replace(L, 1);
        return 2;
    }
    if (lua_type(L, -1) == LUA_TTABLE) { /* (Redis takes a number err too) */
        lua_getfield(L, -1, "err");
        if (lua_isstring(L, -1)) lua_replace(L, -2);
        else lua_pop(L, 1);
    }
    lua_pushboolean(L, 0);
    lua_replace(L, 1);
    return 2;
}

static int l_sha1hex(lua_State *L) {
    if (lua_gettop(L) != 1 && !api1(L)) return raise_err(L, "ERR wrong number of arguments");
    size_t n;
    const char *s = luaL_checklstring(L, 1, &n);
    char hex[41];
    scr_sha1hex(s, n, hex);
    lua_pushlstring(L, hex, 40);
    return 1;
}

/* A string error without a position (Redis's luaPushError): the message
 * handler still adds where it happened. */
static int raise_plain(lua_State *L, const char *msg) {
    lua_pushstring(L, msg);
    return lua_error(L);
}

static int l_log(lua_State *L) {
    int argc = lua_gettop(L);
    if (argc < 2) return raise_plain(L, "redis.log() requires two arguments or more.");
    if (!lua_isinteger(L, 1)) return raise_plain(L, "First argument must be a number (log level).");
    lua_Integer level = lua_tointeger(L, 1);
    if (level < LOG_DEBUG || level > LOG_WARNING) return raise_plain(L, "Invalid debug level.");
    /* a line in the log cannot be rolled back: not from an inline run */
    scr_vm *vm = vm_of(L);
    if (vm->run && vm->run->deadline) return yield_raise(L, vm->run);
    luaL_Buffer b;
    luaL_buffinit(L, &b);
    for (int i = 2; i <= argc; i++) {
        if (i > 2) luaL_addchar(&b, ' ');
        size_t n;
        const char *s = lua_tolstring(L, i, &n);
        if (s) luaL_addlstring(&b, s, n);
    }
    luaL_pushresult(&b);
    sb_log((int)level, "%s", lua_tostring(L, -1));
    return 0;
}

static int l_setresp(lua_State *L) {
    scr_vm *vm = vm_of(L);
    if (!vm->run) return raise_plain(L, "redis.setresp can only be called inside a script invocation");
    if (lua_gettop(L) != 1) return raise_plain(L, "redis.setresp() requires one argument.");
    lua_Integer v = luaL_checkinteger(L, 1);
    if (v != 2 && v != 3) return raise_plain(L, "RESP version must be 2 or 3.");
    vm->run->proto = (int)v;
    return 0;
}

static int l_noop(lua_State *L) {
    (void)L;
    return 0;
}

static const struct { const char *name; unsigned bit; } fn_flags[] = {
    {"no-writes", SCR_F_NO_WRITES}, {"allow-oom", SCR_F_ALLOW_OOM},
    {"allow-stale", SCR_F_ALLOW_STALE}, {"no-cluster", SCR_F_NO_CLUSTER},
    {"allow-cross-slot-keys", SCR_F_CROSS_SLOT}};

static int add_function(lua_State *L, scr_vm *vm, const char *name, int fn_idx, unsigned flags,
                        const char *desc) {
    scr_lib *lib = vm->loading;
    size_t nl = strlen(name);
    if (nl == 0) return raise_err(L, "ERR Function names can not be empty");
    for (size_t i = 0; i < nl; i++)
        if (!isalnum((unsigned char)name[i]) && name[i] != '_')
            return raise_err(L, "ERR Function names can only contain letters, numbers, or "
                                 "underscores(_) and must be at least one character long");
    for (int i = 0; i < lib->nfns; i++)
        if (!strcmp(lib->fns[i].name, name))
            return raise_err(L, "ERR Function already exists in the library");
    scr_fn *fns = realloc(lib->fns, (size_t)(lib->nfns + 1) * sizeof(*fns));
    if (!fns) return raise_err(L, "ERR out of memory");
    lib->fns = fns;
    scr_fn *f = &lib->fns[lib->nfns++];
    memset(f, 0, sizeof(*f));
    f->name = strdup(name);
    f->desc = desc ? strdup(desc) : NULL;
    f->flags = flags;
    f->lib = lib;
    lua_pushvalue(L, fn_idx);
    f->ref = luaL_ref(L, LUA_REGISTRYINDEX);
    return 0;
}

static int l_register_function(lua_State *L) {
    scr_vm *vm = vm_of(L);
    if (!vm->loading)
        return raise_err(L, "ERR redis.register_function can only be called on FUNCTION LOAD command");
    int argc = lua_gettop(L);
    if (argc < 1 || argc > 2)
        return raise_err(L, "ERR wrong number of arguments to redis.register_function");
    if (argc == 2) {
        if (!lua_isstring(L, 1))
            return raise_err(L, "ERR first argument to redis.register_function must be a string");
        if (lua_type(L, 2) != LUA_TFUNCTION)
            return raise_err(L, "ERR second argument to redis.register_function must be a function");
        return add_function(L, vm, lua_tostring(L, 1), 2, 0, NULL);
    }
    if (lua_gettop(L) != 1 || lua_type(L, 1) != LUA_TTABLE)
        return raise_err(L, "ERR calling redis.register_function with a single argument is only "
                             "applicable to Lua table (representing named arguments).");
    lua_pushnil(L);
    while (lua_next(L, 1)) {
        const char *k = lua_type(L, -2) == LUA_TSTRING ? lua_tostring(L, -2) : "";
        if (strcmp(k, "function_name") && strcmp(k, "callback") && strcmp(k, "description") &&
            strcmp(k, "flags"))
            return raise_err(L, "ERR unknown argument given to redis.register_function");
        lua_pop(L, 1);
    }
    lua_getfield(L, 1, "function_name"); /* 2 */
    lua_getfield(L, 1, "callback");      /* 3 */
    lua_getfield(L, 1, "description");   /* 4 */
    lua_getfield(L, 1, "flags");         /* 5 */
    const char *name = lua_type(L, 2) == LUA_TSTRING ? lua_tostring(L, 2) : NULL;
    const char *desc = lua_type(L, 4) == LUA_TSTRING ? lua_tostring(L, 4) : NULL;
    int fn_idx = lua_type(L, 3) == LUA_TFUNCTION ? 3 : 0;
    unsigned flags = 0;
    if (lua_type(L, 5) == LUA_TTABLE) {
        for (lua_Integer i = 1; lua_rawgeti(L, 5, i) != LUA_TNIL; i++) {
            const char *fl = lua_tostring(L, -1);
            unsigned bit = 0;
            for (size_t j = 0; fl && j < sizeof(fn_flags) / sizeof(fn_flags[0]); j++)
                if (!strcmp(fl, fn_flags[j].name)) bit = fn_flags[j].bit;
            if (!bit) return raise_err(L, "ERR unknown flag given");
            flags |= bit;
            lua_pop(L, 1);
        }
        lua_pop(L, 1);
    } else if (!lua_isnil(L, 5)) {
        return raise_err(L, "ERR flags argument to redis.register_function must be a table "
                             "representing function flags");
    }
    if (!name) return raise_err(L, "ERR redis.register_function must get a function name argument");
    if (!fn_idx) return raise_err(L, "ERR redis.register_function must get a callback argument");
    return add_function(L, vm, name, fn_idx, flags, desc);
}

/* ------------------------------------------------------------ set-up */

static void set_readonly_global(lua_State *L, const char *name) {
    lua_getglobal(L, name);
    if (lua_istable(L, -1)) {
        make_proxy(L, 0);
        lua_setglobal(L, name);
    } else {
        lua_pop(L, 1);
    }
}

static void open_libs(scr_vm *vm) {
    lua_State *L = vm->L;
    luaL_requiref(L, "_G", luaopen_base, 1);
    luaL_requiref(L, LUA_TABLIBNAME, luaopen_table, 1);
    luaL_requiref(L, LUA_STRLIBNAME, luaopen_string, 1);
    luaL_requiref(L, LUA_MATHLIBNAME, luaopen_math, 1);
    luaL_requiref(L, "cjson", luaopen_cjson, 1);
    lua_pop(L, 5);
    /* what the sandbox leaves out */
    static const char *gone[] = {"dofile", "loadfile", "require", "collectgarbage", "print", NULL};
    for (int i = 0; gone[i]; i++) {
        lua_pushnil(L);
        lua_setglobal(L, gone[i]);
    }
    lua_getglobal(L, "string");
    lua_pushnil(L);
    lua_setfield(L, -2, "dump");
    lua_pop(L, 1);
    lua_pushcfunction(L, l_load_text);
    lua_setglobal(L, "load");
    lua_pushcfunction(L, l_load_text);
    lua_setglobal(L, "loadstring");
    lua_pushcfunction(L, l_pcall_global);
    lua_setglobal(L, "pcall");
    lua_getglobal(L, "table");
    lua_getfield(L, -1, "unpack");
    lua_setglobal(L, "unpack");
    lua_pop(L, 1);
    lua_getglobal(L, "math");
    lua_pushcfunction(L, l_random);
    lua_setfield(L, -2, "random");
    lua_pushcfunction(L, l_randomseed);
    lua_setfield(L, -2, "randomseed");
    lua_pop(L, 1);
    lua_newtable(L);
    lua_pushcfunction(L, l_os_clock);
    lua_setfield(L, -2, "clock");
    lua_setglobal(L, "os");

    /* bit and struct, in Lua over 5.4's operators and string.pack */
    if (luaL_loadbufferx(L, COMPAT_LUA, sizeof(COMPAT_LUA) - 1, "=compat", "t") != LUA_OK ||
        lua_pcall(L, 0, 2, 0) != LUA_OK) {
        sb_log(LOG_WARNING, "Lua compat libraries failed: %s", lua_tostring(L, -1));
        abort();
    }
    lua_setglobal(L, "struct");
    lua_setglobal(L, "bit");

    /* the redis table */
    lua_newtable(L);
    static const luaL_Reg fns[] = {
        {"call", l_call}, {"pcall", l_pcall}, {"error_reply", l_error_reply},
        {"status_reply", l_status_reply}, {"sha1hex", l_sha1hex}, {"log", l_log},
        {"setresp", l_setresp}, {"set_repl", l_noop}, {"replicate_commands", l_noop},
        {"breakpoint", l_noop}, {"debug", l_noop},
        {"register_function", l_register_function}, {NULL, NULL}};
    luaL_setfuncs(L, fns, 0);
    static const struct { const char *k; int v; } consts[] = {
        {"LOG_DEBUG", LOG_DEBUG}, {"LOG_VERBOSE", LOG_VERBOSE}, {"LOG_NOTICE", LOG_NOTICE},
        {"LOG_WARNING", LOG_WARNING}, {"REPL_NONE", 0}, {"REPL_AOF", 1}, {"REPL_SLAVE", 2},
        {"REPL_REPLICA", 2}, {"REPL_ALL", 3}};
    for (size_t i = 0; i < sizeof(consts) / sizeof(consts[0]); i++) {
        lua_pushinteger(L, consts[i].v);
        lua_setfield(L, -2, consts[i].k);
    }
    lua_pushstring(L, ENG_REDIS_COMPAT_VERSION);
    lua_setfield(L, -2, "REDIS_VERSION");
    {
        int a = 0, b = 0, c = 0;
        sscanf(ENG_REDIS_COMPAT_VERSION, "%d.%d.%d", &a, &b, &c);
        lua_pushinteger(L, (a << 16) | (b << 8) | c);
        lua_setfield(L, -2, "REDIS_VERSION_NUM");
    }
    lua_setglobal(L, "redis");

    /* read-only library tables, then the read-only globals proxy */
    static const char *libs[] = {"redis", "string", "math", "table", "cjson", "bit", "struct",
                                 "os", NULL};
    for (int i = 0; libs[i]; i++) set_readonly_global(L, libs[i]);
    lua_pushnil(L);
    lua_setglobal(L, "rawset");
    /* strings' metatable cannot be reached and changed */
    lua_pushliteral(L, "");
    if (lua_getmetatable(L, -1)) {
        lua_pushboolean(L, 0);
        lua_setfield(L, -2, "__metatable");
        lua_pop(L, 1);
    }
    lua_pop(L, 1);
    lua_pushglobaltable(L);
    make_proxy(L, 1);
    lua_pushvalue(L, -1);
    lua_setglobal(L, "_G"); /* _G names the proxy, not the real table */
    vm->env_ref = luaL_ref(L, LUA_REGISTRYINDEX);
}

scr_vm *scr_create(eng_engine *e) {
    scr_vm *vm = calloc(1, sizeof(*vm));
    if (!vm) abort();
    vm->e = e;
    vm->busy_us = 5000 * 1000;
    vm->L = lua_newstate(l_alloc, vm);
    if (!vm->L) abort();
    undo_init(&vm->undo);
    resp_buf_init(&vm->reply);
    open_libs(vm);
    /* always on: a count hook costs one check every HOOK_EVERY instructions,
     * less than setting it around every call */
    lua_sethook(vm->L, kill_hook, LUA_MASKCOUNT, HOOK_EVERY);
    /* most of what a call allocates (argument tables, reply strings) dies
     * with it: the generational collector handles that best */
    lua_gc(vm->L, LUA_GCGEN, 0, 0);
    return vm;
}

static void free_lib(scr_vm *vm, scr_lib *lib) {
    for (int i = 0; i < lib->nfns; i++) {
        if (vm->L) luaL_unref(vm->L, LUA_REGISTRYINDEX, lib->fns[i].ref);
        free(lib->fns[i].name);
        free(lib->fns[i].desc);
    }
    free(lib->fns);
    free(lib->name);
    free(lib->code);
    free(lib);
}

void scr_destroy(scr_vm *vm) {
    if (!vm) return;
    scr_lib_flush(vm);
    scr_script_flush(vm);
    lua_close(vm->L);
    pool_free_all(vm);
    undo_free(&vm->undo);
    resp_buf_free(&vm->reply);
    free(vm->argv);
    free(vm);
}

/* ------------------------------------------------------------ errors */

/* Message handler: Redis's error table, with where the error happened. */
static int msgh(lua_State *L) {
    lua_Debug ar;
    int have = lua_getstack(L, 1, &ar) && lua_getinfo(L, "Sl", &ar);
    if (have && !strcmp(ar.what, "C")) have = lua_getstack(L, 2, &ar) && lua_getinfo(L, "Sl", &ar);
    if (lua_type(L, 1) != LUA_TTABLE) {
        const char *s = lua_tostring(L, 1);
        lua_newtable(L);
        lua_pushfstring(L, "ERR %s", s ? s : "(error object is not a string)");
        lua_setfield(L, -2, "err");
        lua_replace(L, 1);
    }
    if (have && ar.currentline > 0) {
        lua_pushstring(L, ar.source);
        lua_setfield(L, 1, "source");
        lua_pushinteger(L, ar.currentline);
        lua_setfield(L, 1, "line");
    }
    lua_settop(L, 1);
    return 1;
}

/* The error object at idx as an error reply. */
static void error_reply(lua_State *L, int idx, resp_buf *out, const char *name) {
    char tail[300] = "";
    const char *msg;
    int top = lua_gettop(L);
    idx = lua_absindex(L, idx);
    if (lua_type(L, idx) == LUA_TTABLE) {
        lua_getfield(L, idx, "err");
        msg = lua_tostring(L, -1) ? lua_tostring(L, -1) : "ERR unknown error";
        lua_getfield(L, idx, "source");
        lua_getfield(L, idx, "line");
        if (lua_isstring(L, -2) && lua_isinteger(L, -1))
            snprintf(tail, sizeof(tail), " script: %s, on %s:%lld.", name, lua_tostring(L, -2),
                     (long long)lua_tointeger(L, -1));
    } else {
        msg = lua_tostring(L, idx) ? lua_tostring(L, idx) : "unknown error";
        snprintf(tail, sizeof(tail), " script: %s", name);
    }
    size_t n = strlen(msg) + strlen(tail) + 8;
    char *buf = malloc(n);
    if (!buf) abort();
    int len = snprintf(buf, n, "%s%s%s", lua_type(L, idx) == LUA_TTABLE ? "" : "ERR ", msg, tail);
    add_error_clean(out, buf, (size_t)len);
    free(buf);
    lua_settop(L, top);
}

/* A script's KEYS and ARGV globals stay set after it (the next script
 * overwrites them, cheaper than removing and re-adding the two keys), but
 * no other Lua code -- a function, a library's loading -- may see them. */
static void drop_eval_globals(scr_vm *vm) {
    if (!vm->eval_globals) return;
    lua_State *L = vm->L;
    lua_pushglobaltable(L);
    lua_pushnil(L);
    lua_setfield(L, -2, "KEYS");
    lua_pushnil(L);
    lua_setfield(L, -2, "ARGV");
    lua_pop(L, 1);
    vm->eval_globals = 0;
}

/* ------------------------------------------------------- libraries */

scr_lib *scr_libs(scr_vm *vm) { return vm->libs; }
size_t scr_lib_count(scr_vm *vm) { return vm->nlibs; }
size_t scr_fn_count(scr_vm *vm) { return vm->nfns; }

scr_lib *scr_lib_find(scr_vm *vm, const char *name, size_t n) {
    for (scr_lib *l = vm->libs; l; l = l->next)
        if (strlen(l->name) == n && !memcmp(l->name, name, n)) return l;
    return NULL;
}

static scr_fn *fn_find(scr_vm *vm, const char *name, size_t n, int nocase) {
    for (scr_lib *l = vm->libs; l; l = l->next)
        for (int i = 0; i < l->nfns; i++)
            if (strlen(l->fns[i].name) == n &&
                !(nocase ? strncasecmp(l->fns[i].name, name, n) : memcmp(l->fns[i].name, name, n)))
                return &l->fns[i];
    return NULL;
}

/* Function names are case-insensitive for FCALL, as in Redis 7.0; the exact
 * name first, since libraries loaded before that (and kept in checkpoints)
 * may hold names that differ only in case, which loading still accepts. */
scr_fn *scr_fn_find(scr_vm *vm, const char *name, size_t n) {
    scr_fn *f = fn_find(vm, name, n, 0);
    return f ? f : fn_find(vm, name, n, 1);
}

static void unlink_lib(scr_vm *vm, scr_lib *lib) {
    for (scr_lib **pp = &vm->libs; *pp; pp = &(*pp)->next)
        if (*pp == lib) {
            *pp = lib->next;
            vm->nlibs--;
            vm->nfns -= (size_t)lib->nfns;
            return;
        }
}

void scr_lib_delete(scr_vm *vm, scr_lib *lib) {
    unlink_lib(vm, lib);
    free_lib(vm, lib);
}

void scr_lib_flush(scr_vm *vm) {
    while (vm->libs) scr_lib_delete(vm, vm->libs);
}

/* "#!lua name=<lib> [key=value]": the library name, or an error. */
static int parse_shebang(const char *code, size_t len, char **name, char *err, size_t errlen) {
    const char *nl = memchr(code, '\n', len);
    size_t ll = nl ? (size_t)(nl - code) : len;
    if (ll < 2 || memcmp(code, "#!", 2) != 0) {
        snprintf(err, errlen, "ERR Missing library metadata");
        return -1;
    }
    char line[512];
    if (ll >= sizeof(line)) ll = sizeof(line) - 1;
    memcpy(line, code + 2, ll - 2);
    line[ll - 2] = '\0';
    char *save = NULL, *tok = strtok_r(line, " \r", &save);
    if (!tok || strcmp(tok, "lua") != 0) {
        snprintf(err, errlen, "ERR Engine '%s' not found", tok ? tok : "");
        return -1;
    }
    *name = NULL;
    while ((tok = strtok_r(NULL, " \r", &save))) {
        if (!strncmp(tok, "name=", 5)) {
            free(*name);
            *name = strdup(tok + 5);
        } else {
            snprintf(err, errlen, "ERR Invalid metadata value given: %s", tok);
            free(*name);
            *name = NULL;
            return -1;
        }
    }
    if (!*name) {
        snprintf(err, errlen, "ERR Library name was not given");
        return -1;
    }
    size_t nl2 = strlen(*name);
    for (size_t i = 0; i < nl2; i++)
        if (!isalnum((unsigned char)(*name)[i]) && (*name)[i] != '_') nl2 = 0;
    if (nl2 == 0) {
        snprintf(err, errlen, "ERR Library names can only contain letters, numbers, or "
                              "underscores(_) and must be at least one character long");
        free(*name);
        *name = NULL;
        return -1;
    }
    return 0;
}

/* Feeds "--" then the code, so the shebang line is a Lua comment and line
 * numbers match the text the user loaded. */
typedef struct reader { const char *code; size_t len; int stage; } reader;
static const char *read_chunk(lua_State *L, void *ud, size_t *size) {
    (void)L;
    reader *r = ud;
    if (r->stage == 0) {
        r->stage = 1;
        *size = 2;
        return "--";
    }
    if (r->stage == 1) {
        r->stage = 2;
        *size = r->len;
        return r->code;
    }
    *size = 0;
    return NULL;
}

int scr_lib_load(scr_vm *vm, const char *code, size_t len, int replace, scr_lib **out,
                 char *err, size_t errlen) {
    char *name = NULL;
    if (parse_shebang(code, len, &name, err, errlen)) return -1;
    scr_lib *old = scr_lib_find(vm, name, strlen(name));
    if (old && !replace) {
        snprintf(err, errlen, "ERR Library '%s' already exists", name);
        free(name);
        return -1;
    }
    scr_lib *lib = calloc(1, sizeof(*lib));
    if (!lib) abort();
    lib->name = name;
    lib->code = malloc(len + 1);
    if (!lib->code) abort();
    memcpy(lib->code, code, len);
    lib->code[len] = '\0';
    lib->code_len = len;
    scr_sha1hex(code, len, lib->sha);

    lua_State *L = vm->L;
    int top = lua_gettop(L);
    lua_pushcfunction(L, msgh);
    reader rd = {code, len, 0};
    int rc = lua_load(L, read_chunk, &rd, "@user_function", "t");
    if (rc != LUA_OK) {
        snprintf(err, errlen, "ERR Error compiling function: %s", lua_tostring(L, -1));
        goto fail;
    }
    lua_rawgeti(L, LUA_REGISTRYINDEX, vm->env_ref);
    lua_setupvalue(L, -2, 1);
    drop_eval_globals(vm);
    vm->loading = lib;
    vm->limit_on = 1;
    /* no message handler: as in Redis 7.0, a Lua error keeps its position
     * ("ERR user_function:2: oops"), and redis.register_function's own
     * errors are "ERR ..." without one */
    rc = lua_pcall(L, 0, 0, 0);
    vm->limit_on = 0;
    vm->loading = NULL;
    if (rc != LUA_OK) {
        const char *msg = "unknown error";
        if (lua_type(L, -1) == LUA_TTABLE) {
            lua_getfield(L, -1, "err");
            msg = lua_tostring(L, -1) ? lua_tostring(L, -1) : msg;
            snprintf(err, errlen, "ERR Error registering functions: %s", msg);
        } else { /* a Lua error (with its position): Redis puts ERR before it */
            snprintf(err, errlen, "ERR Error registering functions: ERR %s",
                     lua_tostring(L, -1) ? lua_tostring(L, -1) : msg);
        }
        goto fail;
    }
    if (lib->nfns == 0) {
        snprintf(err, errlen, "ERR No functions registered");
        goto fail;
    }
    /* function names are global across libraries */
    for (int i = 0; i < lib->nfns; i++) {
        scr_fn *f = fn_find(vm, lib->fns[i].name, strlen(lib->fns[i].name), 0);
        if (f && f->lib != old) {
            snprintf(err, errlen, "ERR Function %s already exists", lib->fns[i].name);
            goto fail;
        }
    }
    lua_settop(L, top);
    if (old) scr_lib_delete(vm, old);
    lib->next = vm->libs;
    vm->libs = lib;
    vm->nlibs++;
    vm->nfns += (size_t)lib->nfns;
    if (out) *out = lib;
    return 0;
fail:
    lua_settop(L, top);
    free_lib(vm, lib);
    return -1;
}

/* ------------------------------------------------------------ scripts */

static unsigned sha_bucket(const char *sha) {
    unsigned h = 0;
    for (int i = 0; i < 8; i++) h = h * 31 + (unsigned)tolower((unsigned char)sha[i]);
    return h % SCRIPT_BUCKETS;
}

static scr_script *script_find(scr_vm *vm, const char *sha) {
    if (strlen(sha) < 40) return NULL;
    for (scr_script *s = vm->scripts[sha_bucket(sha)]; s; s = s->next)
        if (!strncasecmp(s->sha, sha, 40)) return s;
    return NULL;
}

/* EVAL's optional "#!lua [flags=f1,f2]" first line (Redis 7). */
static int script_shebang(const char *body, size_t len, unsigned *flags, char *err,
                          size_t errlen) {
    const char *nl = memchr(body, '\n', len);
    size_t ll = nl ? (size_t)(nl - body) : len;
    char line[512];
    if (ll >= sizeof(line)) ll = sizeof(line) - 1;
    memcpy(line, body, ll);
    line[ll] = '\0';
    char *save = NULL, *tok = strtok_r(line + 2, " \r", &save);
    if (!tok || strcmp(tok, "lua")) {
        snprintf(err, errlen, "ERR Unexpected engine in script shebang: %.*s", (int)ll, body);
        return -1;
    }
    while ((tok = strtok_r(NULL, " \r", &save))) {
        if (strncmp(tok, "flags=", 6)) {
            snprintf(err, errlen, "ERR Unknown lua shebang option: %s", tok);
            return -1;
        }
        char *save2 = NULL;
        for (char *f = strtok_r(tok + 6, ",", &save2); f; f = strtok_r(NULL, ",", &save2)) {
            unsigned bit = 0;
            for (size_t j = 0; j < sizeof(fn_flags) / sizeof(fn_flags[0]); j++)
                if (!strcmp(f, fn_flags[j].name)) bit = fn_flags[j].bit;
            if (!bit) {
                snprintf(err, errlen, "ERR Unexpected flag in script shebang: %s", f);
                return -1;
            }
            *flags |= bit;
        }
    }
    return 0;
}

int scr_script_add(scr_vm *vm, const char *body, size_t len, char sha[41], char *err,
                   size_t errlen) {
    scr_sha1hex(body, len, sha);
    if (script_find(vm, sha)) return 0;
    lua_State *L = vm->L;
    unsigned flags = 0;
    int shebang = len >= 2 && body[0] == '#' && body[1] == '!';
    if (shebang && script_shebang(body, len, &flags, err, errlen)) return -1;
    reader rd = {body, len, shebang ? 0 : 1}; /* a shebang line becomes a comment */
    if (lua_load(L, read_chunk, &rd, "@user_script", "t") != LUA_OK) {
        snprintf(err, errlen, "ERR Error compiling script (new function): %s",
                 lua_tostring(L, -1));
        lua_pop(L, 1);
        return -1;
    }
    lua_rawgeti(L, LUA_REGISTRYINDEX, vm->env_ref);
    lua_setupvalue(L, -2, 1);
    scr_script *s = calloc(1, sizeof(*s));
    if (!s) abort();
    memcpy(s->sha, sha, 41);
    s->body = malloc(len + 1);
    if (!s->body) abort();
    memcpy(s->body, body, len);
    s->body[len] = '\0';
    s->len = len;
    s->flags = flags;
    s->shebang = shebang;
    s->ref = luaL_ref(L, LUA_REGISTRYINDEX);
    unsigned b = sha_bucket(sha);
    s->next = vm->scripts[b];
    vm->scripts[b] = s;
    vm->nscripts++;
    return 0;
}

int scr_script_flags(scr_vm *vm, const char *sha, unsigned *flags) {
    scr_script *s = script_find(vm, sha);
    if (!s) return -1;
    *flags = s->flags;
    return s->shebang;
}

const char *scr_script_body(scr_vm *vm, const char *sha, size_t *len) {
    scr_script *s = script_find(vm, sha);
    if (!s) return NULL;
    if (len) *len = s->len;
    return s->body;
}

void scr_script_flush(scr_vm *vm) {
    for (int b = 0; b < SCRIPT_BUCKETS; b++) {
        scr_script *s = vm->scripts[b];
        while (s) {
            scr_script *next = s->next;
            luaL_unref(vm->L, LUA_REGISTRYINDEX, s->ref);
            free(s->body);
            free(s);
            s = next;
        }
        vm->scripts[b] = NULL;
    }
    vm->nscripts = 0;
    lua_gc(vm->L, LUA_GCCOLLECT);
}

size_t scr_script_count(scr_vm *vm) { return vm->nscripts; }

void scr_script_each(scr_vm *vm, void (*fn)(void *ud, const char *sha, const char *body,
                                             size_t len), void *ud) {
    for (int b = 0; b < SCRIPT_BUCKETS; b++)
        for (scr_script *s = vm->scripts[b]; s; s = s->next) fn(ud, s->sha, s->body, s->len);
}

/* ------------------------------------------------------------ running */

static void kill_hook(lua_State *L, lua_Debug *ar) {
    (void)ar;
    scr_vm *vm = vm_of(L);
    if (vm->run && vm->run->deadline) { /* inline: past it, yield; never busy */
        if (vm->run->yielded || sb_mono_us() > vm->run->deadline) yield_raise(L, vm->run);
        return;
    }
    if (vm->run && !vm->run->killed && sb_mono_us() - vm->run->start_us > vm->busy_us)
        eng_busy_poll(vm->run->x, vm->run->is_function); /* may bring a KILL */
    if (vm->run && vm->run->killed) {
        lua_sethook(L, kill_hook, LUA_MASKLINE, 0); /* keep raising if caught */
        raise_err(L, vm->run->is_function ? "ERR Script killed by user with FUNCTION KILL..."
                                          : "ERR Script killed by user with SCRIPT KILL...");
    }
}

void scr_save_expiring(scr_vm *vm, int db, const char *key, size_t klen) {
    if (vm->run) undo_save(&vm->undo, eng_keyspace_of(vm->e), db, key, klen);
}

int scr_running(const scr_vm *vm, int *is_function) {
    if (!vm->run) return 0;
    if (is_function) *is_function = vm->run->is_function;
    return 1;
}

const char *scr_running_name(const scr_vm *vm, int64_t *ms) {
    if (!vm->run) return NULL;
    if (ms) *ms = (sb_mono_us() - vm->run->start_us) / 1000;
    return vm->run->name;
}

void scr_kill(scr_vm *vm) {
    if (vm->run) vm->run->killed = 1;
}

static void push_args(lua_State *L, int n, const eng_arg *a) {
    lua_createtable(L, n, 0);
    for (int i = 0; i < n; i++) {
        lua_pushlstring(L, a[i].p, a[i].n);
        lua_rawseti(L, -2, i + 1);
    }
}

int scr_run(scr_vm *vm, eng_ctx *x, const scr_call *c) {
    lua_State *L = vm->L;
    if (vm->run) { /* never nested: FCALL/EVAL are not allowed from scripts */
        eng_reply_error(x, "ERR a script is already running");
        return -1;
    }
    scr_runstate r;
    memset(&r, 0, sizeof(r));
    r.x = x;
    r.sc = *x->c;
    r.sc.authenticated = 1;
    r.proto = 2;
    r.api = c->api ? c->api : SCR_API;
    unsigned flags = 0;
    scr_script *s = NULL;
    if (c->fn) {
        flags = c->fn->flags;
    } else {
        s = script_find(vm, c->sha);
        if (!s) {
            resp_add_error(x->out, "NOSCRIPT No matching script. Please use EVAL.", 45);
            return -1;
        }
        flags = s->flags;
    }
    unsigned *skip = c->fn ? &c->fn->inline_skip : &s->inline_skip;
    unsigned *late = c->fn ? &c->fn->inline_late : &s->inline_late;
    r.deadline = x->replaying ? 0 : eng_inline_deadline(vm->e);
    if (r.deadline && *skip) { /* it yielded lately: the engine thread runs it */
        --*skip;
        eng_inline_yield(vm->e);
        return SCR_YIELDED;
    }
    r.readonly = c->readonly || (flags & SCR_F_NO_WRITES);
    r.allow_oom = (flags & SCR_F_ALLOW_OOM) != 0;
    r.is_function = c->fn != NULL;
    r.name = c->fn ? c->fn->name : c->sha;
    r.start_us = sb_mono_us();
    seed_rng(&r.rng, c->seed);
    const eng_limits *lim = eng_get_limits(vm->e);
    if (lim) scr_set_limits(vm, (size_t)lim->lua_memory_limit, lim->busy_reply_ms * 1000);
    /* a replayed call fit the limit it ran under: a lower one now must not
     * stop recovery */
    if (x->replaying) vm->mem_limit = 0;

    int top = lua_gettop(L);
    lua_pushcfunction(L, msgh);
    if (c->fn) {
        drop_eval_globals(vm);
        lua_rawgeti(L, LUA_REGISTRYINDEX, c->fn->ref);
        push_args(L, c->nkeys, c->keys);
        push_args(L, c->nargs, c->args);
    } else {
        /* KEYS and ARGV are globals of the real table, under the proxy */
        lua_pushglobaltable(L);
        push_args(L, c->nkeys, c->keys);
        lua_setfield(L, -2, "KEYS");
        push_args(L, c->nargs, c->args);
        lua_setfield(L, -2, "ARGV");
        lua_pop(L, 1);
        vm->eval_globals = 1;
        lua_rawgeti(L, LUA_REGISTRYINDEX, s->ref);
    }
    int nargs = c->fn ? 2 : 0;

    vm->reply.len = 0; /* a Lua error may have left a reply of a redis.call */
    if (vm->reply.cap > 1024 * 1024) resp_buf_free(&vm->reply);
    size_t undo_mark0 = undo_mark(&vm->undo);
    eng_unit_mark unit0 = eng_unit_mark_get(vm->e);
    int64_t saved_time = x->time_us;
    x->time_us = c->time_us;
    r.mem0 = vm->mem;
    multi_script_begin(vm->e);
    vm->run = &r;
    vm->limit_on = 1;
    if (r.deadline) lua_sethook(L, kill_hook, LUA_MASKCOUNT, HOOK_INLINE_EVERY);
    int rc = lua_pcall(L, nargs, 1, top + 1);
    if (r.killed || r.deadline) /* back from line mode, or the inline period */
        lua_sethook(L, kill_hook, LUA_MASKCOUNT, HOOK_EVERY);
    vm->limit_on = 0;
    vm->run = NULL;
    x->time_us = saved_time;

    if (r.yielded) { /* (even if the script caught it and returned) */
        undo_rollback(&vm->undo, eng_keyspace_of(vm->e), undo_mark0);
        eng_unit_rollback(vm->e, unit0);
        multi_script_end(vm->e, 1);
        lua_settop(L, top);
        if (sb_mono_us() <= r.deadline || ++*late >= 2) *skip = SCR_INLINE_SKIP;
        eng_inline_yield(vm->e);
        return SCR_YIELDED;
    }
    if (r.deadline) *late = 0;

    int ok = rc == LUA_OK;
    multi_script_end(vm->e, !ok);
    if (ok) {
        /* a returned {err=...} is a reply, not a failure: Redis keeps the
         * writes then, and so do we */
        to_resp(L, -1, x->out, x->proto, r.proto, 0);
        undo_forget(&vm->undo, undo_mark0);
    } else {
        undo_rollback(&vm->undo, eng_keyspace_of(vm->e), undo_mark0);
        eng_unit_rollback(vm->e, unit0);
        if (rc == LUA_ERRMEM) {
            char msg[200];
            snprintf(msg, sizeof(msg), "ERR script exceeded lua-memory-limit (%zu bytes), rolled "
                     "back script: %s", vm->mem_limit, r.name);
            resp_add_error(x->out, msg, strlen(msg));
        } else {
            error_reply(L, -1, x->out, r.name);
        }
    }
    lua_settop(L, top);
    if (!ok) lua_gc(L, LUA_GCCOLLECT);
    if (c->fn) c->fn->calls++;
    return ok ? 0 : -1;
}
