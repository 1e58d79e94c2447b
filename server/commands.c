/* commands.c -- the command table and COMMAND.
 *
 * Arity, flags and key positions follow Redis 7.0 (COMMAND INFO output), so
 * clients that route or introspect commands see what they expect. The
 * dispatcher (engine.c) uses the same rows for arity checks, key-length
 * and keys-per-request limits.
 */
#include "commands.h"
#include "eng_commands.h"
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#define W CMD_WRITE
#define R CMD_READONLY
#define M CMD_DENYOOM
#define A CMD_ADMIN
#define F CMD_FAST
#define NS CMD_NOSCRIPT
#define LD CMD_LOADING
#define ST CMD_STALE
#define NA CMD_NOAUTH

/* name, fn, arity, flags, first, last, step, group, summary, since, subs */
#define C(name, fn, ar, fl, f, l, s, grp, sum, since) \
    {name, fn, ar, fl, f, l, s, grp, sum, since, NULL}

static const eng_cmd object_subs[] = {
    C("object|encoding", cmd_object, 3, R, 2, 2, 1, "generic", "Returns the internal encoding of a Redis object.", "2.2.3"),
    C("object|freq", cmd_object, 3, R, 2, 2, 1, "generic", "Returns the logarithmic access frequency counter of a Redis object.", "4.0.0"),
    C("object|idletime", cmd_object, 3, R, 2, 2, 1, "generic", "Returns the time since the last access to a Redis object.", "2.2.3"),
    C("object|refcount", cmd_object, 3, R, 2, 2, 1, "generic", "Returns the reference count of a value of a key.", "2.2.3"),
    C("object|help", cmd_object, 2, LD | ST, 0, 0, 0, "generic", "Returns helpful text about the different subcommands.", "6.2.0"),
    {0}};

static const eng_cmd client_subs[] = {
    C("client|id", cmd_client, 2, NS | LD | ST, 0, 0, 0, "connection", "Returns the unique client ID of the connection.", "5.0.0"),
    C("client|setname", cmd_client, 3, NS | LD | ST, 0, 0, 0, "connection", "Sets the connection name.", "2.6.9"),
    C("client|getname", cmd_client, 2, NS | LD | ST, 0, 0, 0, "connection", "Returns the name of the connection.", "2.6.9"),
    C("client|setinfo", cmd_client, 4, NS | LD | ST, 0, 0, 0, "connection", "Sets information specific to the client or connection.", "7.2.0"),
    C("client|list", cmd_client, -2, A | NS | LD | ST, 0, 0, 0, "connection", "Lists open connections.", "2.4.0"),
    C("client|info", cmd_client, 2, NS | LD | ST, 0, 0, 0, "connection", "Returns information about the connection.", "6.2.0"),
    C("client|kill", cmd_client, -3, A | NS | LD | ST, 0, 0, 0, "connection", "Terminates open connections.", "2.4.0"),
    C("client|no-evict", cmd_client, 3, A | NS | LD | ST, 0, 0, 0, "connection", "Sets the client eviction mode of the connection.", "7.0.0"),
    C("client|no-touch", cmd_client, 3, NS | LD | ST, 0, 0, 0, "connection", "Controls whether commands sent by the client affect the LRU/LFU of accessed keys.", "7.2.0"),
    C("client|help", cmd_client, 2, LD | ST, 0, 0, 0, "connection", "Returns helpful text about the different subcommands.", "5.0.0"),
    {0}};

static const eng_cmd config_subs[] = {
    C("config|get", cmd_config, -3, A | NS | LD | ST, 0, 0, 0, "server", "Returns the effective values of configuration parameters.", "2.0.0"),
    C("config|set", cmd_config, -4, A | NS | LD | ST, 0, 0, 0, "server", "Sets configuration parameters in-flight.", "2.0.0"),
    C("config|resetstat", cmd_config, 2, A | NS | LD | ST, 0, 0, 0, "server", "Resets the server's statistics.", "2.0.0"),
    C("config|rewrite", cmd_config, 2, A | NS | LD | ST, 0, 0, 0, "server", "Persists the effective configuration to file.", "2.8.0"),
    C("config|help", cmd_config, 2, LD | ST, 0, 0, 0, "server", "Returns helpful text about the different subcommands.", "5.0.0"),
    {0}};

static const eng_cmd command_subs[] = {
    C("command|count", cmd_command, 2, LD | ST, 0, 0, 0, "server", "Returns a count of commands.", "2.8.13"),
    C("command|info", cmd_command, -2, LD | ST, 0, 0, 0, "server", "Returns information about one, multiple or all commands.", "2.8.13"),
    C("command|docs", cmd_command, -2, LD | ST, 0, 0, 0, "server", "Returns documentary information about one, multiple or all commands.", "7.0.0"),
    C("command|list", cmd_command, -2, LD | ST, 0, 0, 0, "server", "Returns a list of command names.", "7.0.0"),
    C("command|getkeys", cmd_command, -3, LD | ST, 0, 0, 0, "server", "Extracts the key names from an arbitrary command.", "2.8.13"),
    C("command|help", cmd_command, 2, LD | ST, 0, 0, 0, "server", "Returns helpful text about the different subcommands.", "5.0.0"),
    {0}};

static const eng_cmd slowlog_subs[] = {
    C("slowlog|get", cmd_slowlog, -2, A | LD | ST, 0, 0, 0, "server", "Returns the slow log's entries.", "2.2.12"),
    C("slowlog|len", cmd_slowlog, 2, A | LD | ST, 0, 0, 0, "server", "Returns the number of entries in the slow log.", "2.2.12"),
    C("slowlog|reset", cmd_slowlog, 2, A | LD | ST, 0, 0, 0, "server", "Clears all entries from the slow log.", "2.2.12"),
    C("slowlog|help", cmd_slowlog, 2, LD | ST, 0, 0, 0, "server", "Show helpful text about the different subcommands", "6.2.0"),
    {0}};

static const eng_cmd table[] = {
    /* strings */
    C("get", cmd_get, 2, R | F, 1, 1, 1, "string", "Returns the string value of a key.", "1.0.0"),
    C("set", cmd_set, -3, W | M, 1, 1, 1, "string", "Sets the string value of a key, ignoring its type. The key is created if it doesn't exist.", "1.0.0"),
    C("setnx", cmd_setnx, 3, W | M | F, 1, 1, 1, "string", "Set the string value of a key only when the key doesn't exist.", "1.0.0"),
    C("setex", cmd_setex, 4, W | M, 1, 1, 1, "string", "Sets the string value and expiration time of a key. Creates the key if it doesn't exist.", "2.0.0"),
    C("psetex", cmd_psetex, 4, W | M, 1, 1, 1, "string", "Sets both string value and expiration time in milliseconds of a key. The key is created if it doesn't exist.", "2.6.0"),
    C("getset", cmd_getset, 3, W | M | F, 1, 1, 1, "string", "Returns the previous string value of a key after setting it to a new value.", "1.0.0"),
    C("getdel", cmd_getdel, 2, W | F, 1, 1, 1, "string", "Returns the string value of a key after deleting the key.", "6.2.0"),
    C("getex", cmd_getex, -2, W | F, 1, 1, 1, "string", "Returns the string value of a key after setting its expiration time.", "6.2.0"),
    C("mget", cmd_mget, -2, R | F, 1, -1, 1, "string", "Atomically returns the string values of one or more keys.", "1.0.0"),
    C("mset", cmd_mset, -3, W | M, 1, -1, 2, "string", "Atomically creates or modifies the string values of one or more keys.", "1.0.1"),
    C("msetnx", cmd_msetnx, -3, W | M, 1, -1, 2, "string", "Atomically modifies the string values of one or more keys only when all keys don't exist.", "1.0.1"),
    C("incr", cmd_incr, 2, W | M | F, 1, 1, 1, "string", "Increments the integer value of a key by one. Uses 0 as initial value if the key doesn't exist.", "1.0.0"),
    C("decr", cmd_decr, 2, W | M | F, 1, 1, 1, "string", "Decrements the integer value of a key by one. Uses 0 as initial value if the key doesn't exist.", "1.0.0"),
    C("incrby", cmd_incrby, 3, W | M | F, 1, 1, 1, "string", "Increments the integer value of a key by a number. Uses 0 as initial value if the key doesn't exist.", "1.0.0"),
    C("decrby", cmd_decrby, 3, W | M | F, 1, 1, 1, "string", "Decrements a number from the integer value of a key. Uses 0 as initial value if the key doesn't exist.", "1.0.0"),
    C("incrbyfloat", cmd_incrbyfloat, 3, W | M | F, 1, 1, 1, "string", "Increment the floating point value of a key by a number. Uses 0 as initial value if the key doesn't exist.", "2.6.0"),
    C("append", cmd_append, 3, W | M | F, 1, 1, 1, "string", "Appends a string to the value of a key. Creates the key if it doesn't exist.", "2.0.0"),
    C("strlen", cmd_strlen, 2, R | F, 1, 1, 1, "string", "Returns the length of a string value.", "2.2.0"),
    C("getrange", cmd_getrange, 4, R, 1, 1, 1, "string", "Returns a substring of the string stored at a key.", "2.4.0"),
    C("substr", cmd_getrange, 4, R, 1, 1, 1, "string", "Returns a substring from a string value.", "1.0.0"),
    C("setrange", cmd_setrange, 4, W | M, 1, 1, 1, "string", "Overwrites a part of a string value with another by an offset. Creates the key if it doesn't exist.", "2.2.0"),
    C("lcs", cmd_lcs, -3, R, 1, 2, 1, "string", "Finds the longest common substring.", "7.0.0"),
    /* keys */
    C("del", cmd_del, -2, W, 1, -1, 1, "generic", "Deletes one or more keys.", "1.0.0"),
    C("unlink", cmd_unlink, -2, W | F, 1, -1, 1, "generic", "Asynchronously deletes one or more keys.", "4.0.0"),
    C("delstrict", cmd_delstrict, -2, W, 1, -1, 1, "generic", "Deletes all the given keys, or none of them if any is missing (strongbox).", "0.1.0"),
    C("exists", cmd_exists, -2, R | F, 1, -1, 1, "generic", "Determines whether one or more keys exist.", "1.0.0"),
    C("touch", cmd_touch, -2, R | F, 1, -1, 1, "generic", "Returns the number of existing keys out of those specified after updating the time they were last accessed.", "3.2.1"),
    C("type", cmd_type, 2, R | F, 1, 1, 1, "generic", "Determines the type of value stored at a key.", "1.0.0"),
    C("keys", cmd_keys, 2, R, 0, 0, 0, "generic", "Returns all key names that match a pattern.", "1.0.0"),
    C("scan", cmd_scan, -2, R, 0, 0, 0, "generic", "Iterates over the key names in the database.", "2.8.0"),
    C("randomkey", cmd_randomkey, 1, R, 0, 0, 0, "generic", "Returns a random key name from the database.", "1.0.0"),
    C("rename", cmd_rename, 3, W, 1, 2, 1, "generic", "Renames a key and overwrites the destination.", "1.0.0"),
    C("renamenx", cmd_renamenx, 3, W | F, 1, 2, 1, "generic", "Renames a key only when the target key name doesn't exist.", "1.0.0"),
    C("copy", cmd_copy, -3, W | M, 1, 2, 1, "generic", "Copies the value of a key to a new key.", "6.2.0"),
    C("move", cmd_move, 3, W | F, 1, 1, 1, "generic", "Moves a key to another database.", "1.0.0"),
    C("swapdb", cmd_swapdb, 3, W | F, 0, 0, 0, "server", "Swaps two Redis databases.", "4.0.0"),
    C("dbsize", cmd_dbsize, 1, R | F, 0, 0, 0, "server", "Returns the number of keys in the database.", "1.0.0"),
    C("flushdb", cmd_flushdb, -1, W, 0, 0, 0, "server", "Remove all keys from the current database.", "1.0.0"),
    C("flushall", cmd_flushall, -1, W, 0, 0, 0, "server", "Removes all keys from all databases.", "1.0.0"),
    C("expire", cmd_expire, -3, W | F, 1, 1, 1, "generic", "Sets the expiration time of a key in seconds.", "1.0.0"),
    C("pexpire", cmd_pexpire, -3, W | F, 1, 1, 1, "generic", "Sets the expiration time of a key in milliseconds.", "2.6.0"),
    C("expireat", cmd_expireat, -3, W | F, 1, 1, 1, "generic", "Sets the expiration time of a key to a Unix timestamp.", "1.2.0"),
    C("pexpireat", cmd_pexpireat, -3, W | F, 1, 1, 1, "generic", "Sets the expiration time of a key to a Unix milliseconds timestamp.", "2.6.0"),
    C("ttl", cmd_ttl, 2, R | F, 1, 1, 1, "generic", "Returns the expiration time in seconds of a key.", "1.0.0"),
    C("pttl", cmd_pttl, 2, R | F, 1, 1, 1, "generic", "Returns the expiration time in milliseconds of a key.", "2.6.0"),
    C("expiretime", cmd_expiretime, 2, R | F, 1, 1, 1, "generic", "Returns the expiration time of a key as a Unix timestamp.", "7.0.0"),
    C("pexpiretime", cmd_pexpiretime, 2, R | F, 1, 1, 1, "generic", "Returns the expiration time of a key as a Unix milliseconds timestamp.", "7.0.0"),
    C("persist", cmd_persist, 2, W | F, 1, 1, 1, "generic", "Removes the expiration time of a key.", "2.2.0"),
    {"object", NULL, -2, 0, 0, 0, 0, "generic", "A container for object introspection commands.", "2.2.3", object_subs},
    /* connection */
    C("ping", cmd_ping, -1, F, 0, 0, 0, "connection", "Returns the server's liveliness response.", "1.0.0"),
    C("echo", cmd_echo, 2, F, 0, 0, 0, "connection", "Returns the given string.", "1.0.0"),
    C("quit", cmd_quit, -1, NA | LD | ST | F | NS | CMD_ALLOW_BUSY, 0, 0, 0, "connection", "Closes the connection.", "1.0.0"),
    C("reset", cmd_reset, 1, NA | LD | ST | F | NS, 0, 0, 0, "connection", "Resets the connection.", "6.2.0"),
    C("hello", cmd_hello, -1, NA | LD | ST | F | NS, 0, 0, 0, "connection", "Handshakes with the Redis server.", "6.0.0"),
    C("select", cmd_select, 2, LD | ST | F, 0, 0, 0, "connection", "Changes the selected database.", "1.0.0"),
    C("auth", cmd_auth, -2, NA | LD | ST | F | NS, 0, 0, 0, "connection", "Authenticates the connection.", "1.0.0"),
    {"client", NULL, -2, 0, 0, 0, 0, "connection", "A container for client connection commands.", "2.4.0", client_subs},
    /* server */
    C("info", cmd_info, -1, LD | ST, 0, 0, 0, "server", "Returns information and statistics about the server.", "1.0.0"),
    {"config", NULL, -2, 0, 0, 0, 0, "server", "A container for server configuration commands.", "2.0.0", config_subs},
    {"command", cmd_command, -1, LD | ST, 0, 0, 0, "server", "Returns detailed information about all commands.", "2.8.13", command_subs},
    C("time", cmd_time, 1, LD | ST | F, 0, 0, 0, "server", "Returns the server time.", "2.6.0"),
    C("lastsave", cmd_lastsave, 1, LD | ST | F, 0, 0, 0, "server", "Returns the Unix timestamp of the last successful save to disk.", "1.0.0"),
    C("shutdown", cmd_shutdown, -1, A | NS | LD | ST, 0, 0, 0, "server", "Synchronously saves the database(s) to disk and shuts down the Redis server.", "1.0.0"),
    C("debug", cmd_debug, -2, A | NS | LD | ST, 0, 0, 0, "server", "A container for debugging commands.", "1.0.0"),
    {"slowlog", NULL, -2, 0, 0, 0, 0, "server", "A container for slow log commands.", "2.2.12", slowlog_subs},
};
#define NCMDS (sizeof(table) / sizeof(table[0]))

/* ------------------------------------------------------------- index */

#define IDX_SIZE 256
static const eng_cmd *idx[IDX_SIZE];

static unsigned name_hash(const char *s, size_t n) {
    unsigned h = 2166136261u;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c >= 'A' && c <= 'Z') c += 32;
        h = (h ^ c) * 16777619u;
    }
    return h;
}

void sb_commands_init(void) {
    memset(idx, 0, sizeof(idx));
    for (size_t i = 0; i < NCMDS; i++) {
        unsigned h = name_hash(table[i].name, strlen(table[i].name)) & (IDX_SIZE - 1);
        while (idx[h]) h = (h + 1) & (IDX_SIZE - 1);
        idx[h] = &table[i];
    }
}

const eng_cmd *sb_command_lookup(const char *name, size_t n) {
    if (n == 0 || n > 32) return NULL;
    unsigned h = name_hash(name, n) & (IDX_SIZE - 1);
    while (idx[h]) {
        if (strlen(idx[h]->name) == n && strncasecmp(idx[h]->name, name, n) == 0)
            return idx[h];
        h = (h + 1) & (IDX_SIZE - 1);
    }
    return NULL;
}

size_t sb_command_count(void) { return NCMDS; }

/* ----------------------------------------------------------- COMMAND */

static const struct { uint32_t bit; const char *name; } flag_names[] = {
    {CMD_WRITE, "write"}, {CMD_READONLY, "readonly"}, {CMD_DENYOOM, "denyoom"},
    {CMD_ADMIN, "admin"}, {CMD_PUBSUB, "pubsub"}, {CMD_NOSCRIPT, "noscript"},
    {CMD_LOADING, "loading"}, {CMD_STALE, "stale"}, {CMD_SKIP_SLOWLOG, "skip_slowlog"},
    {CMD_FAST, "fast"}, {CMD_NOAUTH, "no_auth"}, {CMD_MAY_REPLICATE, "may_replicate"},
    {CMD_NO_MULTI, "no_multi"}, {CMD_ALLOW_BUSY, "allow_busy"}};

static void add_flags(eng_ctx *x, uint32_t flags) {
    int n = 0;
    for (size_t i = 0; i < sizeof(flag_names) / sizeof(flag_names[0]); i++)
        if (flags & flag_names[i].bit) n++;
    resp_add_set_len(x->out, x->proto, n);
    for (size_t i = 0; i < sizeof(flag_names) / sizeof(flag_names[0]); i++)
        if (flags & flag_names[i].bit) resp_add_status(x->out, flag_names[i].name);
}

static void add_acl_categories(eng_ctx *x, const eng_cmd *c) {
    const char *cats[6];
    int n = 0;
    if (c->flags & CMD_WRITE) cats[n++] = "@write";
    if (c->flags & CMD_READONLY) cats[n++] = "@read";
    if (c->flags & CMD_ADMIN) cats[n++] = "@admin";
    if (c->flags & CMD_FAST) cats[n++] = "@fast";
    else cats[n++] = "@slow";
    char grp[32];
    snprintf(grp, sizeof(grp), "@%s", !strcmp(c->group, "generic") ? "keyspace" : c->group);
    cats[n++] = grp;
    resp_add_set_len(x->out, x->proto, n);
    for (int i = 0; i < n; i++) resp_add_status(x->out, cats[i]);
}

static void add_key_specs(eng_ctx *x, const eng_cmd *c) {
    if (c->first_key <= 0) {
        resp_add_array_len(x->out, 0);
        return;
    }
    resp_add_array_len(x->out, 1);
    resp_add_map_len(x->out, x->proto, 3);
    resp_add_bulk_cstr(x->out, "flags");
    resp_add_array_len(x->out, 1);
    resp_add_status(x->out, (c->flags & CMD_WRITE) ? "RW" : "RO");
    resp_add_bulk_cstr(x->out, "begin_search");
    resp_add_map_len(x->out, x->proto, 2);
    resp_add_bulk_cstr(x->out, "type");
    resp_add_bulk_cstr(x->out, "index");
    resp_add_bulk_cstr(x->out, "spec");
    resp_add_map_len(x->out, x->proto, 1);
    resp_add_bulk_cstr(x->out, "index");
    resp_add_int(x->out, c->first_key);
    resp_add_bulk_cstr(x->out, "find_keys");
    resp_add_map_len(x->out, x->proto, 2);
    resp_add_bulk_cstr(x->out, "type");
    resp_add_bulk_cstr(x->out, "range");
    resp_add_bulk_cstr(x->out, "spec");
    resp_add_map_len(x->out, x->proto, 3);
    resp_add_bulk_cstr(x->out, "lastkey");
    resp_add_int(x->out, c->last_key < 0 ? c->last_key : c->last_key - c->first_key);
    resp_add_bulk_cstr(x->out, "keystep");
    resp_add_int(x->out, c->key_step);
    resp_add_bulk_cstr(x->out, "limit");
    resp_add_int(x->out, 0);
}

static void add_info(eng_ctx *x, const eng_cmd *c) {
    resp_add_array_len(x->out, 10);
    resp_add_bulk_cstr(x->out, c->name);
    resp_add_int(x->out, c->arity);
    add_flags(x, c->flags);
    resp_add_int(x->out, c->first_key);
    resp_add_int(x->out, c->last_key);
    resp_add_int(x->out, c->key_step);
    add_acl_categories(x, c);
    resp_add_set_len(x->out, x->proto, 0);     /* tips */
    add_key_specs(x, c);
    long long nsub = 0;
    for (const eng_cmd *s = c->subcmds; s && s->name; s++) nsub++;
    resp_add_array_len(x->out, nsub);
    for (const eng_cmd *s = c->subcmds; s && s->name; s++) add_info(x, s);
}

static void add_docs(eng_ctx *x, const eng_cmd *c) {
    long long nsub = 0;
    for (const eng_cmd *s = c->subcmds; s && s->name; s++) nsub++;
    resp_add_map_len(x->out, x->proto, nsub ? 4 : 3);
    resp_add_bulk_cstr(x->out, "summary");
    resp_add_bulk_cstr(x->out, c->summary);
    resp_add_bulk_cstr(x->out, "since");
    resp_add_bulk_cstr(x->out, c->since);
    resp_add_bulk_cstr(x->out, "group");
    resp_add_bulk_cstr(x->out, c->group);
    if (nsub) {
        resp_add_bulk_cstr(x->out, "subcommands");
        resp_add_map_len(x->out, x->proto, nsub);
        for (const eng_cmd *s = c->subcmds; s->name; s++) {
            resp_add_bulk_cstr(x->out, s->name);
            add_docs(x, s);
        }
    }
}

/* Resolve "name" or "container|sub" (COMMAND INFO client|list). */
static const eng_cmd *lookup_full(const eng_arg *a) {
    const char *bar = memchr(a->p, '|', a->n);
    const eng_cmd *c = sb_command_lookup(a->p, bar ? (size_t)(bar - a->p) : a->n);
    if (!c || !bar) return c;
    for (const eng_cmd *s = c->subcmds; s && s->name; s++)
        if (strlen(s->name) == a->n && strncasecmp(s->name, a->p, a->n) == 0) return s;
    return NULL;
}

static void command_getkeys(eng_ctx *x) {
    const eng_cmd *c = sb_command_lookup(x->argv[2].p, x->argv[2].n);
    int argc = x->argc - 2;
    eng_arg *argv = x->argv + 2;
    if (c && c->subcmds && argc >= 2) {
        const eng_cmd *sc = NULL;
        for (const eng_cmd *s = c->subcmds; s->name; s++) {
            const char *sn = strchr(s->name, '|') + 1;
            if (strlen(sn) == argv[1].n && !strncasecmp(sn, argv[1].p, argv[1].n)) sc = s;
        }
        c = sc;
    }
    if (!c) {
        eng_reply_error(x, "ERR Invalid command specified");
        return;
    }
    if (c->arity > 0 ? argc != c->arity : argc < -c->arity) {
        eng_reply_error(x, "ERR Invalid number of arguments specified for command");
        return;
    }
    if (c->first_key <= 0) {
        eng_reply_error(x, "ERR The command has no key arguments");
        return;
    }
    int last = c->last_key < 0 ? argc + c->last_key : c->last_key;
    if (last >= argc) last = argc - 1;
    long long n = 0;
    for (int i = c->first_key; i <= last; i += c->key_step) n++;
    resp_add_array_len(x->out, n);
    for (int i = c->first_key; i <= last; i += c->key_step)
        resp_add_bulk(x->out, argv[i].p, argv[i].n);
}

void cmd_command(eng_ctx *x) {
    const char *sub = strchr(x->cmd->name, '|');
    sub = sub ? sub + 1 : "";
    if (!*sub) { /* COMMAND: all */
        resp_add_array_len(x->out, (long long)NCMDS);
        for (size_t i = 0; i < NCMDS; i++) add_info(x, &table[i]);
    } else if (!strcmp(sub, "count")) {
        eng_reply_int(x, (long long)NCMDS);
    } else if (!strcmp(sub, "info")) {
        if (x->argc == 2) {
            resp_add_array_len(x->out, (long long)NCMDS);
            for (size_t i = 0; i < NCMDS; i++) add_info(x, &table[i]);
            return;
        }
        resp_add_array_len(x->out, x->argc - 2);
        for (int i = 2; i < x->argc; i++) {
            const eng_cmd *c = lookup_full(&x->argv[i]);
            if (c) add_info(x, c);
            else resp_add_null_array(x->out, x->proto);
        }
    } else if (!strcmp(sub, "docs")) {
        long long n = 0;
        if (x->argc == 2) {
            resp_add_map_len(x->out, x->proto, (long long)NCMDS);
            for (size_t i = 0; i < NCMDS; i++) {
                resp_add_bulk_cstr(x->out, table[i].name);
                add_docs(x, &table[i]);
            }
            return;
        }
        for (int i = 2; i < x->argc; i++) n += lookup_full(&x->argv[i]) != NULL;
        resp_add_map_len(x->out, x->proto, n);
        for (int i = 2; i < x->argc; i++) {
            const eng_cmd *c = lookup_full(&x->argv[i]);
            if (!c) continue;
            resp_add_bulk_cstr(x->out, c->name);
            add_docs(x, c);
        }
    } else if (!strcmp(sub, "list")) {
        const eng_arg *pat = NULL;
        if (x->argc == 5 && eng_arg_is(&x->argv[2], "filterby") &&
            eng_arg_is(&x->argv[3], "pattern")) {
            pat = &x->argv[4];
        } else if (x->argc == 5 && eng_arg_is(&x->argv[2], "filterby") &&
                   (eng_arg_is(&x->argv[3], "module") || eng_arg_is(&x->argv[3], "aclcat"))) {
            resp_add_array_len(x->out, 0);
            return;
        } else if (x->argc != 2) {
            eng_reply_syntax(x);
            return;
        }
        long long n = 0;
        for (size_t i = 0; i < NCMDS; i++)
            if (!pat || eng_glob_match(pat->p, pat->n, table[i].name, strlen(table[i].name), 1)) n++;
        resp_add_array_len(x->out, n);
        for (size_t i = 0; i < NCMDS; i++)
            if (!pat || eng_glob_match(pat->p, pat->n, table[i].name, strlen(table[i].name), 1))
                resp_add_bulk_cstr(x->out, table[i].name);
    } else if (!strcmp(sub, "getkeys")) {
        command_getkeys(x);
    } else {
        static const char *help[] = {
            "COMMAND <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
            "(no subcommand)", "    Return details about all Redis commands.",
            "COUNT", "    Return the total number of commands in this Redis server.",
            "LIST", "    Return a list of all commands in this Redis server.",
            "INFO [<command-name> ...]",
            "    Return details about multiple Redis commands.",
            "DOCS [<command-name> ...]",
            "    Return documentation details about multiple Redis commands.",
            "GETKEYS <full-command>",
            "    Return the keys from a full Redis command.",
            "HELP", "    Print this help."};
        size_t n = sizeof(help) / sizeof(help[0]);
        resp_add_array_len(x->out, (long long)n);
        for (size_t i = 0; i < n; i++) resp_add_status(x->out, help[i]);
    }
}
