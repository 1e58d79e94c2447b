/* commands.c -- the command table and COMMAND.
 *
 * Arity, flags and key positions follow Redis 7.0 (COMMAND INFO output), so
 * clients that route or introspect commands see what they expect. The
 * dispatcher (engine.c) uses the same rows for arity checks, key-length
 * and keys-per-request limits.
 */
#include "commands.h"
#include "pubsub.h"
#include "eng_commands.h"
#include "config.h"
#include "persist.h"

#include <ctype.h>
#include <openssl/rand.h>
#include <openssl/sha.h>
#include <stdio.h>
#include <stdlib.h>
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
#define IN CMD_INLINE
#define MK (CMD_SKIP_MONITOR | CMD_NO_MANDATORY_KEYS | CMD_MOVABLE_KEYS) /* numkeys */

/* name, fn, arity, flags, first, last, step, group, summary, since, subs */
#define C(name, fn, ar, fl, f, l, s, grp, sum, since) \
    {name, fn, ar, fl, f, l, s, grp, sum, since, NULL}

static const eng_cmd object_subs[] = {
    C("object|encoding", cmd_object, 3, R, 2, 2, 1, "generic", "Inspect the internal encoding of a Redis object", "2.2.3"),
    C("object|freq", cmd_object, 3, R, 2, 2, 1, "generic", "Get the logarithmic access frequency counter of a Redis object", "4.0.0"),
    C("object|idletime", cmd_object, 3, R, 2, 2, 1, "generic", "Get the time since a Redis object was last accessed", "2.2.3"),
    C("object|refcount", cmd_object, 3, R, 2, 2, 1, "generic", "Get the number of references to the value of the key", "2.2.3"),
    C("object|help", cmd_object, 2, LD | ST, 0, 0, 0, "generic", "Show helpful text about the different subcommands", "6.2.0"),
    {0}};

static const eng_cmd pubsub_subs[] = {
    C("pubsub|channels", cmd_pubsub, -2, LD | ST, 0, 0, 0, "pubsub", "List active channels", "2.8.0"),
    C("pubsub|numpat", cmd_pubsub, 2, LD | ST, 0, 0, 0, "pubsub", "Get the count of unique patterns pattern subscriptions", "2.8.0"),
    C("pubsub|numsub", cmd_pubsub, -2, LD | ST, 0, 0, 0, "pubsub", "Get the count of subscribers for channels", "2.8.0"),
    C("pubsub|shardchannels", cmd_pubsub, -2, LD | ST, 0, 0, 0, "pubsub", "List active shard channels", "7.0.0"),
    C("pubsub|shardnumsub", cmd_pubsub, -2, LD | ST, 0, 0, 0, "pubsub", "Get the count of subscribers for shard channels", "7.0.0"),
    C("pubsub|help", cmd_pubsub, 2, LD | ST, 0, 0, 0, "pubsub", "Show helpful text about the different subcommands", "6.2.0"),
    {0}};

static const eng_cmd latency_subs[] = {
    C("latency|doctor", cmd_latency, 2, A | NS | LD | ST, 0, 0, 0, "server", "Return a human readable latency analysis report.", "2.8.13"),
    C("latency|graph", cmd_latency, 3, A | NS | LD | ST, 0, 0, 0, "server", "Return a latency graph for the event.", "2.8.13"),
    C("latency|histogram", cmd_latency, -2, A | NS | LD | ST, 0, 0, 0, "server", "Return the cumulative distribution of latencies of a subset of commands or all.", "7.0.0"),
    C("latency|history", cmd_latency, 3, A | NS | LD | ST, 0, 0, 0, "server", "Return timestamp-latency samples for the event.", "2.8.13"),
    C("latency|latest", cmd_latency, 2, A | NS | LD | ST, 0, 0, 0, "server", "Return the latest latency samples for all events.", "2.8.13"),
    C("latency|reset", cmd_latency, -2, A | NS | LD | ST, 0, 0, 0, "server", "Reset latency data for one or more events.", "2.8.13"),
    C("latency|help", cmd_latency, 2, LD | ST, 0, 0, 0, "server", "Show helpful text about the different subcommands.", "2.8.13"),
    {0}};

static const eng_cmd memory_subs[] = {
    C("memory|doctor", cmd_memory, 2, 0, 0, 0, 0, "server", "Outputs memory problems report", "4.0.0"),
    C("memory|malloc-stats", cmd_memory, 2, 0, 0, 0, 0, "server", "Show allocator internal stats", "4.0.0"),
    C("memory|purge", cmd_memory, 2, 0, 0, 0, 0, "server", "Ask the allocator to release memory", "4.0.0"),
    C("memory|stats", cmd_memory, 2, 0, 0, 0, 0, "server", "Show memory usage details", "4.0.0"),
    C("memory|usage", cmd_memory_usage, -3, R, 2, 2, 1, "server", "Estimate the memory usage of a key", "4.0.0"),
    C("memory|help", cmd_memory, 2, LD | ST, 0, 0, 0, "server", "Show helpful text about the different subcommands", "4.0.0"),
    {0}};

static const eng_cmd module_subs[] = {
    C("module|list", cmd_module, 2, A | NS, 0, 0, 0, "server", "List all modules loaded by the server", "4.0.0"),
    C("module|load", cmd_module, -3, A | NS, 0, 0, 0, "server", "Load a module", "4.0.0"),
    C("module|loadex", cmd_module, -3, A | NS, 0, 0, 0, "server", "Load a module with extended parameters", "7.0.0"),
    C("module|unload", cmd_module, 3, A | NS, 0, 0, 0, "server", "Unload a module", "4.0.0"),
    C("module|help", cmd_module, 2, LD | ST, 0, 0, 0, "server", "Show helpful text about the different subcommands", "5.0.0"),
    {0}};

/* CLUSTER: the subcommands a standalone client may send to detect a
 * cluster, each answered "cluster support disabled" like Redis's */
static const eng_cmd cluster_subs[] = {
    C("cluster|info", cmd_cluster, 2, ST, 0, 0, 0, "cluster", "Provides info about Redis Cluster node state", "3.0.0"),
    C("cluster|slots", cmd_cluster, 2, ST, 0, 0, 0, "cluster", "Get array of Cluster slot to node mappings", "3.0.0"),
    C("cluster|shards", cmd_cluster, 2, ST, 0, 0, 0, "cluster", "Get array of cluster slots to node mappings", "7.0.0"),
    C("cluster|nodes", cmd_cluster, 2, ST, 0, 0, 0, "cluster", "Get Cluster config for the node", "3.0.0"),
    C("cluster|myid", cmd_cluster, 2, ST, 0, 0, 0, "cluster", "Return the node id", "3.0.0"),
    C("cluster|links", cmd_cluster, 2, ST, 0, 0, 0, "cluster", "Returns a list of all TCP links to and from peer nodes in cluster", "7.0.0"),
    C("cluster|keyslot", cmd_cluster, 3, ST, 0, 0, 0, "cluster", "Returns the hash slot of the specified key", "3.0.0"),
    C("cluster|countkeysinslot", cmd_cluster, 3, ST, 0, 0, 0, "cluster", "Return the number of local keys in the specified hash slot", "3.0.0"),
    C("cluster|getkeysinslot", cmd_cluster, 4, ST, 0, 0, 0, "cluster", "Return local key names in the specified hash slot", "3.0.0"),
    C("cluster|help", cmd_cluster, 2, LD | ST, 0, 0, 0, "cluster", "Show helpful text about the different subcommands", "5.0.0"),
    {0}};

static const eng_cmd acl_subs[] = {
    C("acl|cat", cmd_acl, -2, NS | LD | ST, 0, 0, 0, "server", "List the ACL categories or the commands inside a category", "6.0.0"),
    C("acl|deluser", cmd_acl, -3, A | NS | LD | ST, 0, 0, 0, "server", "Remove the specified ACL users and the associated rules", "6.0.0"),
    C("acl|dryrun", cmd_acl, -4, A | NS | LD | ST, 0, 0, 0, "server", "Returns whether the user can execute the given command without executing the command.", "7.0.0"),
    C("acl|genpass", cmd_acl, -2, NS | LD | ST, 0, 0, 0, "server", "Generate a pseudorandom secure password to use for ACL users", "6.0.0"),
    C("acl|getuser", cmd_acl, 3, A | NS | LD | ST, 0, 0, 0, "server", "Get the rules for a specific ACL user", "6.0.0"),
    C("acl|list", cmd_acl, 2, A | NS | LD | ST, 0, 0, 0, "server", "List the current ACL rules in ACL config file format", "6.0.0"),
    C("acl|load", cmd_acl, 2, A | NS | LD | ST, 0, 0, 0, "server", "Reload the ACLs from the configured ACL file", "6.0.0"),
    C("acl|log", cmd_acl, -2, A | NS | LD | ST, 0, 0, 0, "server", "List latest events denied because of ACLs in place", "6.0.0"),
    C("acl|save", cmd_acl, 2, A | NS | LD | ST, 0, 0, 0, "server", "Save the current ACL rules in the configured ACL file", "6.0.0"),
    C("acl|setuser", cmd_acl, -3, A | NS | LD | ST, 0, 0, 0, "server", "Modify or create the rules for a specific ACL user", "6.0.0"),
    C("acl|users", cmd_acl, 2, A | NS | LD | ST, 0, 0, 0, "server", "List the username of all the configured ACL rules", "6.0.0"),
    C("acl|whoami", cmd_acl, 2, NS | LD | ST, 0, 0, 0, "server", "Return the name of the user associated to the current connection", "6.0.0"),
    C("acl|help", cmd_acl, 2, LD | ST, 0, 0, 0, "server", "Show helpful text about the different subcommands", "6.0.0"),
    {0}};

static const eng_cmd client_subs[] = {
    C("client|id", cmd_client, 2, NS | LD | ST, 0, 0, 0, "connection", "Returns the client ID for the current connection", "5.0.0"),
    C("client|setname", cmd_client, 3, NS | LD | ST, 0, 0, 0, "connection", "Set the current connection name", "2.6.9"),
    C("client|getname", cmd_client, 2, NS | LD | ST, 0, 0, 0, "connection", "Get the current connection name", "2.6.9"),
    C("client|setinfo", cmd_client, 4, NS | LD | ST, 0, 0, 0, "connection", "Sets information specific to the client or connection.", "7.2.0"),
    C("client|list", cmd_client, -2, A | NS | LD | ST, 0, 0, 0, "connection", "Get the list of client connections", "2.4.0"),
    C("client|info", cmd_client, 2, NS | LD | ST, 0, 0, 0, "connection", "Returns information about the current client connection.", "6.2.0"),
    C("client|kill", cmd_client, -3, A | NS | LD | ST, 0, 0, 0, "connection", "Kill the connection of a client", "2.4.0"),
    C("client|no-evict", cmd_client, 3, A | NS | LD | ST, 0, 0, 0, "connection", "Set client eviction mode for the current connection", "7.0.0"),
    C("client|no-touch", cmd_client, 3, NS | LD | ST, 0, 0, 0, "connection", "Controls whether commands sent by the client affect the LRU/LFU of accessed keys.", "7.2.0"),
    C("client|reply", cmd_client, 3, NS | LD | ST, 0, 0, 0, "connection", "Instruct the server whether to reply to commands", "3.2.0"),
    C("client|help", cmd_client, 2, LD | ST, 0, 0, 0, "connection", "Show helpful text about the different subcommands", "5.0.0"),
    {0}};

static const eng_cmd config_subs[] = {
    C("config|get", cmd_config, -3, A | NS | LD | ST, 0, 0, 0, "server", "Get the values of configuration parameters", "2.0.0"),
    C("config|set", cmd_config, -4, A | NS | LD | ST, 0, 0, 0, "server", "Set configuration parameters to the given values", "2.0.0"),
    C("config|resetstat", cmd_config, 2, A | NS | LD | ST, 0, 0, 0, "server", "Reset the stats returned by INFO", "2.0.0"),
    C("config|rewrite", cmd_config, 2, A | NS | LD | ST, 0, 0, 0, "server", "Rewrite the configuration file with the in memory configuration", "2.8.0"),
    C("config|help", cmd_config, 2, LD | ST, 0, 0, 0, "server", "Show helpful text about the different subcommands", "5.0.0"),
    {0}};

static const eng_cmd command_subs[] = {
    C("command|count", cmd_command, 2, LD | ST, 0, 0, 0, "server", "Get total number of Redis commands", "2.8.13"),
    C("command|info", cmd_command, -2, LD | ST, 0, 0, 0, "server", "Get array of specific Redis command details, or all when no argument is given.", "2.8.13"),
    C("command|docs", cmd_command, -2, LD | ST, 0, 0, 0, "server", "Get array of specific Redis command documentation", "7.0.0"),
    C("command|list", cmd_command, -2, LD | ST, 0, 0, 0, "server", "Get an array of Redis command names", "7.0.0"),
    C("command|getkeys", cmd_command, -4, LD | ST, 0, 0, 0, "server", "Extract keys given a full Redis command", "2.8.13"),
    C("command|help", cmd_command, 2, LD | ST, 0, 0, 0, "server", "Show helpful text about the different subcommands", "5.0.0"),
    {0}};

static const eng_cmd slowlog_subs[] = {
    C("slowlog|get", cmd_slowlog, -2, A | LD | ST, 0, 0, 0, "server", "Get the slow log's entries", "2.2.12"),
    C("slowlog|len", cmd_slowlog, 2, A | LD | ST, 0, 0, 0, "server", "Get the slow log's length", "2.2.12"),
    C("slowlog|reset", cmd_slowlog, 2, A | LD | ST, 0, 0, 0, "server", "Clear all entries from the slow log", "2.2.12"),
    C("slowlog|help", cmd_slowlog, 2, LD | ST, 0, 0, 0, "server", "Show helpful text about the different subcommands", "6.2.0"),
    {0}};

static const eng_cmd function_subs[] = {
    C("function|load", cmd_function, -3, W | M | NS, 0, 0, 0, "scripting", "Create a function with the given arguments (name, code, description)", "7.0.0"),
    C("function|delete", cmd_function, 3, W | NS, 0, 0, 0, "scripting", "Delete a function by name", "7.0.0"),
    C("function|flush", cmd_function, -2, W | NS, 0, 0, 0, "scripting", "Deleting all functions", "7.0.0"),
    C("function|list", cmd_function, -2, NS, 0, 0, 0, "scripting", "List information about all the functions", "7.0.0"),
    C("function|stats", cmd_function, 2, NS | CMD_ALLOW_BUSY, 0, 0, 0, "scripting", "Return information about the function currently running (name, description, duration)", "7.0.0"),
    C("function|kill", cmd_function, 2, NS | CMD_ALLOW_BUSY, 0, 0, 0, "scripting", "Kill the function currently in execution.", "7.0.0"),
    C("function|dump", cmd_function, 2, NS, 0, 0, 0, "scripting", "Dump all functions into a serialized binary payload", "7.0.0"),
    C("function|restore", cmd_function, -3, W | M | NS, 0, 0, 0, "scripting", "Restore all the functions on the given payload", "7.0.0"),
    C("function|help", cmd_function, 2, LD | ST, 0, 0, 0, "scripting", "Show helpful text about the different subcommands", "7.0.0"),
    {0}};

static const eng_cmd script_subs[] = {
    C("script|load", cmd_script, 3, NS | ST, 0, 0, 0, "scripting", "Load the specified Lua script into the script cache.", "2.6.0"),
    C("script|exists", cmd_script, -3, NS, 0, 0, 0, "scripting", "Check existence of scripts in the script cache.", "2.6.0"),
    C("script|flush", cmd_script, -2, NS, 0, 0, 0, "scripting", "Remove all the scripts from the script cache.", "2.6.0"),
    C("script|kill", cmd_script, 2, NS | CMD_ALLOW_BUSY, 0, 0, 0, "scripting", "Kill the script currently in execution.", "2.6.0"),
    C("script|help", cmd_script, 2, LD | ST, 0, 0, 0, "scripting", "Show helpful text about the different subcommands", "5.0.0"),
    {0}};

static const eng_cmd strongbox_subs[] = {
    C("strongbox|files", cmd_strongbox, 2, A | LD | ST, 0, 0, 0, "server", "Lists the checkpoint and WAL segment files with their LSN ranges (strongbox).", "0.1.0"),
    C("strongbox|help", cmd_strongbox, 2, LD | ST, 0, 0, 0, "server", "Show helpful text about the different subcommands", "0.1.0"),
    {0}};

static const eng_cmd table[] = {
    /* strings */
    C("get", cmd_get, 2, R | F, 1, 1, 1, "string", "Get the value of a key", "1.0.0"),
    C("set", cmd_set, -3, W | M | IN, 1, 1, 1, "string", "Set the string value of a key", "1.0.0"),
    C("setnx", cmd_setnx, 3, W | M | F, 1, 1, 1, "string", "Set the value of a key, only if the key does not exist", "1.0.0"),
    C("setex", cmd_setex, 4, W | M | IN, 1, 1, 1, "string", "Set the value and expiration of a key", "2.0.0"),
    C("psetex", cmd_psetex, 4, W | M | IN, 1, 1, 1, "string", "Set the value and expiration in milliseconds of a key", "2.6.0"),
    C("getset", cmd_getset, 3, W | M | F, 1, 1, 1, "string", "Set the string value of a key and return its old value", "1.0.0"),
    C("getdel", cmd_getdel, 2, W | F, 1, 1, 1, "string", "Get the value of a key and delete the key", "6.2.0"),
    C("getex", cmd_getex, -2, W | F, 1, 1, 1, "string", "Get the value of a key and optionally set its expiration", "6.2.0"),
    C("mget", cmd_mget, -2, R | F, 1, -1, 1, "string", "Get the values of all the given keys", "1.0.0"),
    C("mset", cmd_mset, -3, W | M | IN, 1, -1, 2, "string", "Set multiple keys to multiple values", "1.0.1"),
    C("msetnx", cmd_msetnx, -3, W | M | IN, 1, -1, 2, "string", "Set multiple keys to multiple values, only if none of the keys exist", "1.0.1"),
    C("incr", cmd_incr, 2, W | M | F, 1, 1, 1, "string", "Increment the integer value of a key by one", "1.0.0"),
    C("decr", cmd_decr, 2, W | M | F, 1, 1, 1, "string", "Decrement the integer value of a key by one", "1.0.0"),
    C("incrby", cmd_incrby, 3, W | M | F, 1, 1, 1, "string", "Increment the integer value of a key by the given amount", "1.0.0"),
    C("decrby", cmd_decrby, 3, W | M | F, 1, 1, 1, "string", "Decrement the integer value of a key by the given number", "1.0.0"),
    C("incrbyfloat", cmd_incrbyfloat, 3, W | M | F, 1, 1, 1, "string", "Increment the float value of a key by the given amount", "2.6.0"),
    C("append", cmd_append, 3, W | M | F, 1, 1, 1, "string", "Append a value to a key", "2.0.0"),
    C("strlen", cmd_strlen, 2, R | F, 1, 1, 1, "string", "Get the length of the value stored in a key", "2.2.0"),
    C("getrange", cmd_getrange, 4, R, 1, 1, 1, "string", "Get a substring of the string stored at a key", "2.4.0"),
    C("substr", cmd_getrange, 4, R, 1, 1, 1, "string", "Get a substring of the string stored at a key", "1.0.0"),
    C("setrange", cmd_setrange, 4, W | M, 1, 1, 1, "string", "Overwrite part of a string at key starting at the specified offset", "2.2.0"),
    C("lcs", cmd_lcs, -3, R, 1, 2, 1, "string", "Find longest common substring", "7.0.0"),
    /* keys */
    C("del", cmd_del, -2, W | IN, 1, -1, 1, "generic", "Delete a key", "1.0.0"),
    C("unlink", cmd_unlink, -2, W | F, 1, -1, 1, "generic", "Delete a key asynchronously in another thread. Otherwise it is just as DEL, but non blocking.", "4.0.0"),
    C("delstrict", cmd_delstrict, -2, W, 1, -1, 1, "generic", "Deletes all the given keys, or none of them if any is missing (strongbox).", "0.1.0"),
    C("exists", cmd_exists, -2, R | F, 1, -1, 1, "generic", "Determine if a key exists", "1.0.0"),
    C("touch", cmd_touch, -2, R | F, 1, -1, 1, "generic", "Alters the last access time of a key(s). Returns the number of existing keys specified.", "3.2.1"),
    C("type", cmd_type, 2, R | F, 1, 1, 1, "generic", "Determine the type stored at key", "1.0.0"),
    C("keys", cmd_keys, 2, R, 0, 0, 0, "generic", "Find all keys matching the given pattern", "1.0.0"),
    C("scan", cmd_scan, -2, R, 0, 0, 0, "generic", "Incrementally iterate the keys space", "2.8.0"),
    C("randomkey", cmd_randomkey, 1, R, 0, 0, 0, "generic", "Return a random key from the keyspace", "1.0.0"),
    C("rename", cmd_rename, 3, W, 1, 2, 1, "generic", "Rename a key", "1.0.0"),
    C("renamenx", cmd_renamenx, 3, W | F, 1, 2, 1, "generic", "Rename a key, only if the new key does not exist", "1.0.0"),
    C("copy", cmd_copy, -3, W | M, 1, 2, 1, "generic", "Copy a key", "6.2.0"),
    C("move", cmd_move, 3, W | F, 1, 1, 1, "generic", "Move a key to another database", "1.0.0"),
    C("swapdb", cmd_swapdb, 3, W | F, 0, 0, 0, "server", "Swaps two Redis databases", "4.0.0"),
    C("dbsize", cmd_dbsize, 1, R | F, 0, 0, 0, "server", "Return the number of keys in the selected database", "1.0.0"),
    C("flushdb", cmd_flushdb, -1, W, 0, 0, 0, "server", "Remove all keys from the current database", "1.0.0"),
    C("flushall", cmd_flushall, -1, W, 0, 0, 0, "server", "Remove all keys from all databases", "1.0.0"),
    C("expire", cmd_expire, -3, W | F, 1, 1, 1, "generic", "Set a key's time to live in seconds", "1.0.0"),
    C("pexpire", cmd_pexpire, -3, W | F, 1, 1, 1, "generic", "Set a key's time to live in milliseconds", "2.6.0"),
    C("expireat", cmd_expireat, -3, W | F, 1, 1, 1, "generic", "Set the expiration for a key as a UNIX timestamp", "1.2.0"),
    C("pexpireat", cmd_pexpireat, -3, W | F, 1, 1, 1, "generic", "Set the expiration for a key as a UNIX timestamp specified in milliseconds", "2.6.0"),
    C("ttl", cmd_ttl, 2, R | F, 1, 1, 1, "generic", "Get the time to live for a key in seconds", "1.0.0"),
    C("pttl", cmd_pttl, 2, R | F, 1, 1, 1, "generic", "Get the time to live for a key in milliseconds", "2.6.0"),
    C("expiretime", cmd_expiretime, 2, R | F, 1, 1, 1, "generic", "Get the expiration Unix timestamp for a key", "7.0.0"),
    C("pexpiretime", cmd_pexpiretime, 2, R | F, 1, 1, 1, "generic", "Get the expiration Unix timestamp for a key in milliseconds", "7.0.0"),
    C("persist", cmd_persist, 2, W | F, 1, 1, 1, "generic", "Remove the expiration from a key", "2.2.0"),
    C("dump", cmd_dump, 2, R, 1, 1, 1, "generic", "Return a serialized version of the value stored at the specified key.", "2.6.0"),
    C("restore", cmd_restore, -4, W | M, 1, 1, 1, "generic", "Create a key using the provided serialized value, previously obtained using DUMP.", "2.6.0"),
    {"object", NULL, -2, 0, 0, 0, 0, "generic", "A container for object introspection commands", "2.2.3", object_subs},
    {"memory", NULL, -2, 0, 0, 0, 0, "server", "A container for memory diagnostics commands", "4.0.0", memory_subs},
    {"latency", NULL, -2, 0, 0, 0, 0, "server", "A container for latency diagnostics commands", "2.8.13", latency_subs},
    /* pub/sub (pubsub.h) */
    C("subscribe", cmd_subscribe, -2, NS | LD | ST | CMD_NO_MULTI, 0, 0, 0, "pubsub", "Listen for messages published to the given channels", "2.0.0"),
    C("unsubscribe", cmd_unsubscribe, -1, NS | LD | ST | CMD_NO_MULTI, 0, 0, 0, "pubsub", "Stop listening for messages posted to the given channels", "2.0.0"),
    C("psubscribe", cmd_psubscribe, -2, NS | LD | ST | CMD_NO_MULTI, 0, 0, 0, "pubsub", "Listen for messages published to channels matching the given patterns", "2.0.0"),
    C("punsubscribe", cmd_punsubscribe, -1, NS | LD | ST | CMD_NO_MULTI, 0, 0, 0, "pubsub", "Stop listening for messages posted to channels matching the given patterns", "2.0.0"),
    C("publish", cmd_publish, 3, LD | ST | F, 0, 0, 0, "pubsub", "Post a message to a channel", "2.0.0"),
    {"pubsub", NULL, -2, 0, 0, 0, 0, "pubsub", "A container for Pub/Sub commands", "2.8.0", pubsub_subs},
    {"strongbox", NULL, -2, 0, 0, 0, 0, "server", "A container for strongbox's own server commands", "0.1.0", strongbox_subs},
    /* connection */
    C("ping", cmd_ping, -1, F, 0, 0, 0, "connection", "Ping the server", "1.0.0"),
    C("echo", cmd_echo, 2, LD | ST | F, 0, 0, 0, "connection", "Echo the given string", "1.0.0"),
    C("quit", cmd_quit, -1, NA | LD | ST | F | NS | CMD_ALLOW_BUSY, 0, 0, 0, "connection", "Close the connection", "1.0.0"),
    C("reset", cmd_reset, 1, NA | LD | ST | F | NS | CMD_ALLOW_BUSY, 0, 0, 0, "connection", "Reset the connection", "6.2.0"),
    C("hello", cmd_hello, -1, NA | LD | ST | F | NS | CMD_ALLOW_BUSY, 0, 0, 0, "connection", "Handshake with Redis", "6.0.0"),
    C("select", cmd_select, 2, LD | ST | F, 0, 0, 0, "connection", "Change the selected database for the current connection", "1.0.0"),
    C("auth", cmd_auth, -2, NA | LD | ST | F | NS | CMD_ALLOW_BUSY, 0, 0, 0, "connection", "Authenticate to the server", "1.0.0"),
    {"client", NULL, -2, 0, 0, 0, 0, "connection", "A container for client connection commands", "2.4.0", client_subs},
    /* server */
    C("info", cmd_info, -1, LD | ST, 0, 0, 0, "server", "Get information and statistics about the server", "1.0.0"),
    {"config", NULL, -2, 0, 0, 0, 0, "server", "A container for server configuration commands", "2.0.0", config_subs},
    {"command", cmd_command, -1, LD | ST, 0, 0, 0, "server", "Get array of Redis command details", "2.8.13", command_subs},
    C("time", cmd_time, 1, LD | ST | F, 0, 0, 0, "server", "Return the current server time", "2.6.0"),
    C("role", cmd_role, 1, NS | LD | ST | F, 0, 0, 0, "server", "Return the role of the instance in the context of replication", "2.8.12"),
    C("wait", cmd_wait, 3, NS, 0, 0, 0, "generic", "Wait for the synchronous replication of all the write commands sent in the context of the current connection", "3.0.0"),
    C("readonly", cmd_readonly, 1, LD | ST | F, 0, 0, 0, "cluster", "Enables read queries for a connection to a cluster replica node", "3.0.0"),
    C("readwrite", cmd_readonly, 1, LD | ST | F, 0, 0, 0, "cluster", "Disables read queries for a connection to a cluster replica node", "3.0.0"),
    {"module", NULL, -2, 0, 0, 0, 0, "server", "A container for module commands", "4.0.0", module_subs},
    {"acl", NULL, -2, 0, 0, 0, 0, "server", "A container for Access List Control commands", "6.0.0", acl_subs},
    {"cluster", NULL, -2, 0, 0, 0, 0, "cluster", "A container for cluster commands", "3.0.0", cluster_subs},
    C("lastsave", cmd_lastsave, 1, LD | ST | F, 0, 0, 0, "server", "Get the UNIX time stamp of the last successful save to disk", "1.0.0"),
    C("shutdown", cmd_shutdown, -1, A | NS | LD | ST | CMD_NO_MULTI | CMD_ALLOW_BUSY, 0, 0, 0, "server", "Synchronously save the dataset to disk and then shut down the server", "1.0.0"),
    C("debug", cmd_debug, -2, A | NS | LD | ST, 0, 0, 0, "server", "A container for debugging commands", "1.0.0"),
    C("bgsave", cmd_bgsave, -1, A | NS, 0, 0, 0, "server", "Asynchronously saves the database(s) to disk (a checkpoint).", "1.0.0"),
    C("save", cmd_save, 1, A | NS | CMD_NO_MULTI, 0, 0, 0, "server", "Synchronously saves the database(s) to disk (a checkpoint).", "1.0.0"),
    C("waitaof", cmd_waitaof, 4, NS, 0, 0, 0, "generic", "Blocks until all of the preceding write commands sent by the connection are written to the append-only file of the master and/or replicas.", "7.2.0"),
    {"slowlog", NULL, -2, 0, 0, 0, 0, "server", "A container for slow log commands", "2.2.12", slowlog_subs},
    /* scripting */
    C("eval", cmd_eval, -3, NS | ST | MK, 0, 0, 0, "scripting", "Execute a Lua script server side", "2.6.0"),
    C("evalsha", cmd_evalsha, -3, NS | ST | IN | MK, 0, 0, 0, "scripting", "Execute a Lua script server side", "2.6.0"),
    C("eval_ro", cmd_eval_ro, -3, R | NS | ST | MK, 0, 0, 0, "scripting", "Execute a read-only Lua script server side", "7.0.0"),
    C("evalsha_ro", cmd_evalsha_ro, -3, R | NS | ST | IN | MK, 0, 0, 0, "scripting", "Execute a read-only Lua script server side", "7.0.0"),
    C("fcall", cmd_fcall, -3, NS | ST | IN | MK, 0, 0, 0, "scripting", "Invoke a function", "7.0.0"),
    C("fcall_ro", cmd_fcall_ro, -3, R | NS | ST | IN | MK, 0, 0, 0, "scripting", "Invoke a read-only function", "7.0.0"),
    {"function", NULL, -2, 0, 0, 0, 0, "scripting", "A container for function commands", "7.0.0", function_subs},
    {"script", NULL, -2, 0, 0, 0, 0, "scripting", "A container for Lua scripts management commands", "2.6.0", script_subs},
    /* transactions */
    C("multi", cmd_multi, 1, NS | LD | ST | F | CMD_ALLOW_BUSY, 0, 0, 0, "transactions", "Mark the start of a transaction block", "1.2.0"),
    C("exec", cmd_exec, 1, NS | LD | ST | CMD_SKIP_SLOWLOG, 0, 0, 0, "transactions", "Execute all commands issued after MULTI", "1.2.0"),
    C("discard", cmd_discard, 1, NS | LD | ST | F | CMD_ALLOW_BUSY, 0, 0, 0, "transactions", "Discard all commands issued after MULTI", "2.0.0"),
    C("watch", cmd_watch, -2, NS | LD | ST | F | CMD_ALLOW_BUSY, 1, -1, 1, "transactions", "Watch the given keys to determine execution of the MULTI/EXEC block", "2.2.0"),
    C("unwatch", cmd_unwatch, 1, NS | LD | ST | F | CMD_ALLOW_BUSY, 0, 0, 0, "transactions", "Forget about all watched keys", "2.2.0"),
};
#define NCMDS (sizeof(table) / sizeof(table[0]))

/* ------------------------------------------------------------- index */

#define IDX_SIZE 256
static const eng_cmd *idx[IDX_SIZE];
static uint8_t idx_len[IDX_SIZE]; /* strlen of idx[i]->name: compared first */

static unsigned char lower(unsigned char c) { return c >= 'A' && c <= 'Z' ? c + 32 : c; }

static unsigned name_hash(const char *s, size_t n) {
    unsigned h = 2166136261u;
    for (size_t i = 0; i < n; i++) h = (h ^ lower((unsigned char)s[i])) * 16777619u;
    return h;
}

void sb_commands_init(void) {
    memset(idx, 0, sizeof(idx));
    for (size_t i = 0; i < NCMDS; i++) {
        size_t n = strlen(table[i].name);
        unsigned h = name_hash(table[i].name, n) & (IDX_SIZE - 1);
        while (idx[h]) h = (h + 1) & (IDX_SIZE - 1);
        idx[h] = &table[i];
        idx_len[h] = (uint8_t)n;
    }
}

/* Every command of every script's redis.call comes through here: no
 * strlen, and the lower-case table names compared inline. */
const eng_cmd *sb_command_lookup(const char *name, size_t n) {
    if (n == 0 || n > 32) return NULL;
    unsigned h = name_hash(name, n) & (IDX_SIZE - 1);
    for (; idx[h]; h = (h + 1) & (IDX_SIZE - 1)) {
        if (idx_len[h] != n) continue;
        const char *t = idx[h]->name;
        size_t i = 0;
        while (i < n && lower((unsigned char)name[i]) == (unsigned char)t[i]) i++;
        if (i == n) return idx[h];
    }
    return NULL;
}

size_t sb_command_count(void) { return NCMDS; }

/* ----------------------------------------------------------- COMMAND */

static const struct { uint32_t bit; const char *name; } flag_names[] = {
    {CMD_WRITE, "write"}, {CMD_READONLY, "readonly"}, {CMD_DENYOOM, "denyoom"},
    {CMD_ADMIN, "admin"}, {CMD_PUBSUB, "pubsub"}, {CMD_NOSCRIPT, "noscript"},
    {CMD_LOADING, "loading"}, {CMD_STALE, "stale"}, {CMD_SKIP_MONITOR, "skip_monitor"},
    {CMD_SKIP_SLOWLOG, "skip_slowlog"}, {CMD_FAST, "fast"}, {CMD_NOAUTH, "no_auth"},
    {CMD_MAY_REPLICATE, "may_replicate"}, {CMD_NO_MANDATORY_KEYS, "no_mandatory_keys"},
    {CMD_NO_MULTI, "no_multi"}, {CMD_MOVABLE_KEYS, "movablekeys"}, {CMD_ALLOW_BUSY, "allow_busy"}};

static void add_flags(eng_ctx *x, uint32_t flags) {
    int n = 0;
    for (size_t i = 0; i < sizeof(flag_names) / sizeof(flag_names[0]); i++)
        if (flags & flag_names[i].bit) n++;
    resp_add_set_len(x->out, x->proto, n);
    for (size_t i = 0; i < sizeof(flag_names) / sizeof(flag_names[0]); i++)
        if (flags & flag_names[i].bit) resp_add_status(x->out, flag_names[i].name);
}

/* What COMMAND INFO / DOCS report beyond the command table, as Redis 7.0.15
 * reports it (generated from its COMMAND INFO / COMMAND DOCS output; the
 * 7.2 commands CLIENT SETINFO / NO-TOUCH and our DELSTRICT by hand).
 * specs: key specs separated by ';', each "FLAGS|begin index|lastkey|
 * keystep|limit|notes" (index + range), or, for the script commands,
 * "FLAGS|begin index|#keynumidx,firstkey,keystep|0|0|notes" (index +
 * keynum). */
typedef struct cmd_meta {
    const char *name, *cats, *tips, *specs, *complexity;
    const char *doc_flags; /* space-separated */
    const char *deprecated_since, *replaced_by;
} cmd_meta;

static const cmd_meta metas[] = {
    {"get", "@read @string @fast", "", "RO,access|1|0|1|0|", "O(1)", "", NULL, NULL},
    {"set", "@write @string @slow", "", "RW,access,update,variable_flags|1|0|1|0|RW and ACCESS due to the optional `GET` argument", "O(1)", "", NULL, NULL},
    {"setnx", "@write @string @fast", "", "OW,insert|1|0|1|0|", "O(1)", "", NULL, NULL},
    {"setex", "@write @string @slow", "", "OW,update|1|0|1|0|", "O(1)", "", NULL, NULL},
    {"psetex", "@write @string @slow", "", "OW,update|1|0|1|0|", "O(1)", "", NULL, NULL},
    {"getset", "@write @string @fast", "", "RW,access,update|1|0|1|0|", "O(1)", "deprecated", "6.2.0", "`SET` with the `!GET` argument"},
    {"getdel", "@write @string @fast", "", "RW,access,delete|1|0|1|0|", "O(1)", "", NULL, NULL},
    {"getex", "@write @string @fast", "", "RW,access,update|1|0|1|0|RW and UPDATE because it changes the TTL", "O(1)", "", NULL, NULL},
    {"mget", "@read @string @fast", "request_policy:multi_shard", "RO,access|1|-1|1|0|", "O(N) where N is the number of keys to retrieve.", "", NULL, NULL},
    {"mset", "@write @string @slow", "request_policy:multi_shard response_policy:all_succeeded", "OW,update|1|-1|2|0|", "O(N) where N is the number of keys to set.", "", NULL, NULL},
    {"msetnx", "@write @string @slow", "request_policy:multi_shard response_policy:agg_min", "OW,insert|1|-1|2|0|", "O(N) where N is the number of keys to set.", "", NULL, NULL},
    {"incr", "@write @string @fast", "", "RW,access,update|1|0|1|0|", "O(1)", "", NULL, NULL},
    {"decr", "@write @string @fast", "", "RW,access,update|1|0|1|0|", "O(1)", "", NULL, NULL},
    {"incrby", "@write @string @fast", "", "RW,access,update|1|0|1|0|", "O(1)", "", NULL, NULL},
    {"decrby", "@write @string @fast", "", "RW,access,update|1|0|1|0|", "O(1)", "", NULL, NULL},
    {"incrbyfloat", "@write @string @fast", "", "RW,access,update|1|0|1|0|", "O(1)", "", NULL, NULL},
    {"append", "@write @string @fast", "", "RW,insert|1|0|1|0|", "O(1). The amortized time complexity is O(1) assuming the appended value is small and the already present value is of any size, since the dynamic string library used by Redis will double the free space available on every reallocation.", "", NULL, NULL},
    {"strlen", "@read @string @fast", "", "RO|1|0|1|0|", "O(1)", "", NULL, NULL},
    {"getrange", "@read @string @slow", "", "RO,access|1|0|1|0|", "O(N) where N is the length of the returned string. The complexity is ultimately determined by the returned length, but because creating a substring from an existing string is very cheap, it can be considered O(1) for small strings.", "", NULL, NULL},
    {"substr", "@read @string @slow", "", "RO,access|1|0|1|0|", "O(N) where N is the length of the returned string. The complexity is ultimately determined by the returned length, but because creating a substring from an existing string is very cheap, it can be considered O(1) for small strings.", "deprecated", "2.0.0", "`GETRANGE`"},
    {"setrange", "@write @string @slow", "", "RW,update|1|0|1|0|", "O(1), not counting the time taken to copy the new string in place. Usually, this string is very small so the amortized complexity is O(1). Otherwise, complexity is O(M) with M being the length of the value argument.", "", NULL, NULL},
    {"lcs", "@read @string @slow", "", "RO,access|1|1|1|0|", "O(N*M) where N and M are the lengths of s1 and s2, respectively", "", NULL, NULL},
    {"del", "@keyspace @write @slow", "request_policy:multi_shard response_policy:agg_sum", "RM,delete|1|-1|1|0|", "O(N) where N is the number of keys that will be removed. When a key to remove holds a value other than a string, the individual complexity for this key is O(M) where M is the number of elements in the list, set, sorted set or hash. Removing a single key that holds a string value is O(1).", "", NULL, NULL},
    {"unlink", "@keyspace @write @fast", "request_policy:multi_shard response_policy:agg_sum", "RM,delete|1|-1|1|0|", "O(1) for each key removed regardless of its size. Then the command does O(N) work in a different thread in order to reclaim memory, where N is the number of allocations the deleted objects where composed of.", "", NULL, NULL},
    {"exists", "@keyspace @read @fast", "request_policy:multi_shard response_policy:agg_sum", "RO|1|-1|1|0|", "O(N) where N is the number of keys to check.", "", NULL, NULL},
    {"touch", "@keyspace @read @fast", "request_policy:multi_shard response_policy:agg_sum", "RO|1|-1|1|0|", "O(N) where N is the number of keys that will be touched.", "", NULL, NULL},
    {"type", "@keyspace @read @fast", "", "RO|1|0|1|0|", "O(1)", "", NULL, NULL},
    {"keys", "@keyspace @read @slow @dangerous", "request_policy:all_shards nondeterministic_output_order", "", "O(N) with N being the number of keys in the database, under the assumption that the key names in the database and the given pattern have limited length.", "", NULL, NULL},
    {"scan", "@keyspace @read @slow", "nondeterministic_output request_policy:special", "", "O(1) for every call. O(N) for a complete iteration, including enough command calls for the cursor to return back to 0. N is the number of elements inside the collection.", "", NULL, NULL},
    {"randomkey", "@keyspace @read @slow", "request_policy:all_shards nondeterministic_output", "", "O(1)", "", NULL, NULL},
    {"rename", "@keyspace @write @slow", "", "RW,access,delete|1|0|1|0|;OW,update|2|0|1|0|", "O(1)", "", NULL, NULL},
    {"renamenx", "@keyspace @write @fast", "", "RW,access,delete|1|0|1|0|;OW,insert|2|0|1|0|", "O(1)", "", NULL, NULL},
    {"copy", "@keyspace @write @slow", "", "RO,access|1|0|1|0|;OW,update|2|0|1|0|", "O(N) worst case for collections, where N is the number of nested items. O(1) for string values.", "", NULL, NULL},
    {"move", "@keyspace @write @fast", "", "RW,access,update|1|0|1|0|", "O(1)", "", NULL, NULL},
    {"swapdb", "@keyspace @write @fast @dangerous", "", "", "O(N) where N is the count of clients watching or blocking on keys from both databases.", "", NULL, NULL},
    {"dbsize", "@keyspace @read @fast", "request_policy:all_shards response_policy:agg_sum", "", "O(1)", "", NULL, NULL},
    {"flushdb", "@keyspace @write @slow @dangerous", "request_policy:all_shards response_policy:all_succeeded", "", "O(N) where N is the number of keys in the selected database", "", NULL, NULL},
    {"flushall", "@keyspace @write @slow @dangerous", "request_policy:all_shards response_policy:all_succeeded", "", "O(N) where N is the total number of keys in all databases", "", NULL, NULL},
    {"expire", "@keyspace @write @fast", "", "RW,update|1|0|1|0|", "O(1)", "", NULL, NULL},
    {"pexpire", "@keyspace @write @fast", "", "RW,update|1|0|1|0|", "O(1)", "", NULL, NULL},
    {"expireat", "@keyspace @write @fast", "", "RW,update|1|0|1|0|", "O(1)", "", NULL, NULL},
    {"pexpireat", "@keyspace @write @fast", "", "RW,update|1|0|1|0|", "O(1)", "", NULL, NULL},
    {"ttl", "@keyspace @read @fast", "nondeterministic_output", "RO,access|1|0|1|0|", "O(1)", "", NULL, NULL},
    {"pttl", "@keyspace @read @fast", "nondeterministic_output", "RO,access|1|0|1|0|", "O(1)", "", NULL, NULL},
    {"expiretime", "@keyspace @read @fast", "", "RO,access|1|0|1|0|", "O(1)", "", NULL, NULL},
    {"pexpiretime", "@keyspace @read @fast", "", "RO,access|1|0|1|0|", "O(1)", "", NULL, NULL},
    {"persist", "@keyspace @write @fast", "", "RW,update|1|0|1|0|", "O(1)", "", NULL, NULL},
    {"dump", "@keyspace @read @slow", "nondeterministic_output", "RO,access|1|0|1|0|", "O(1) to access the key and additional O(N*M) to serialize it, where N is the number of Redis objects composing the value and M their average size. For small string values the time complexity is thus O(1)+O(1*M) where M is small, so simply O(1).", "", NULL, NULL},
    {"restore", "@keyspace @write @slow @dangerous", "", "OW,update|1|0|1|0|", "O(1) to create the new key and additional O(N*M) to reconstruct the serialized value, where N is the number of Redis objects composing the value and M their average size. For small string values the time complexity is thus O(1)+O(1*M) where M is small, so simply O(1). However for sorted set values the complexity is O(N*M*log(N)) because inserting values into sorted sets is O(log(N)).", "", NULL, NULL},
    {"object", "@slow", "", "", "Depends on subcommand.", "", NULL, NULL},
    {"object|encoding", "@keyspace @read @slow", "nondeterministic_output", "RO|2|0|1|0|", "O(1)", "", NULL, NULL},
    {"object|freq", "@keyspace @read @slow", "nondeterministic_output", "RO|2|0|1|0|", "O(1)", "", NULL, NULL},
    {"object|idletime", "@keyspace @read @slow", "nondeterministic_output", "RO|2|0|1|0|", "O(1)", "", NULL, NULL},
    {"object|refcount", "@keyspace @read @slow", "nondeterministic_output", "RO|2|0|1|0|", "O(1)", "", NULL, NULL},
    {"object|help", "@keyspace @slow", "", "", "O(1)", "", NULL, NULL},
    {"subscribe", "@pubsub @slow", "", "", "O(N) where N is the number of channels to subscribe to.", "", NULL, NULL},
    {"unsubscribe", "@pubsub @slow", "", "", "O(N) where N is the number of clients already subscribed to a channel.", "", NULL, NULL},
    {"psubscribe", "@pubsub @slow", "", "", "O(N) where N is the number of patterns the client is already subscribed to.", "", NULL, NULL},
    {"punsubscribe", "@pubsub @slow", "", "", "O(N+M) where N is the number of patterns the client is already subscribed and M is the number of total patterns subscribed in the system (by any client).", "", NULL, NULL},
    {"publish", "@pubsub @fast", "", "", "O(N+M) where N is the number of clients subscribed to the receiving channel and M is the total number of subscribed patterns (by any client).", "", NULL, NULL},
    {"pubsub", "@slow", "", "", "Depends on subcommand.", "", NULL, NULL},
    {"pubsub|channels", "@pubsub @slow", "", "", "O(N) where N is the number of active channels, and assuming constant time pattern matching (relatively short channels and patterns)", "", NULL, NULL},
    {"pubsub|numpat", "@pubsub @slow", "", "", "O(1)", "", NULL, NULL},
    {"pubsub|numsub", "@pubsub @slow", "", "", "O(N) for the NUMSUB subcommand, where N is the number of requested channels", "", NULL, NULL},
    {"pubsub|shardchannels", "@pubsub @slow", "", "", "O(N) where N is the number of active shard channels, and assuming constant time pattern matching (relatively short shard channels).", "", NULL, NULL},
    {"pubsub|shardnumsub", "@pubsub @slow", "", "", "O(N) for the SHARDNUMSUB subcommand, where N is the number of requested shard channels", "", NULL, NULL},
    {"pubsub|help", "@slow", "", "", "O(1)", "", NULL, NULL},
    {"latency", "@slow", "", "", "Depends on subcommand.", "", NULL, NULL},
    {"latency|doctor", "@admin @slow @dangerous", "nondeterministic_output request_policy:all_nodes response_policy:special", "", "O(1)", "", NULL, NULL},
    {"latency|graph", "@admin @slow @dangerous", "nondeterministic_output request_policy:all_nodes response_policy:special", "", "O(1)", "", NULL, NULL},
    {"latency|histogram", "@admin @slow @dangerous", "nondeterministic_output request_policy:all_nodes response_policy:special", "", "O(N) where N is the number of commands with latency information being retrieved.", "", NULL, NULL},
    {"latency|history", "@admin @slow @dangerous", "nondeterministic_output request_policy:all_nodes response_policy:special", "", "O(1)", "", NULL, NULL},
    {"latency|latest", "@admin @slow @dangerous", "nondeterministic_output request_policy:all_nodes response_policy:special", "", "O(1)", "", NULL, NULL},
    {"latency|reset", "@admin @slow @dangerous", "request_policy:all_nodes response_policy:all_succeeded", "", "O(1)", "", NULL, NULL},
    {"latency|help", "@slow", "", "", "O(1)", "", NULL, NULL},
    {"memory", "@slow", "", "", "Depends on subcommand.", "", NULL, NULL},
    {"memory|doctor", "@slow", "nondeterministic_output request_policy:all_shards response_policy:special", "", "O(1)", "", NULL, NULL},
    {"memory|malloc-stats", "@slow", "nondeterministic_output request_policy:all_shards response_policy:special", "", "Depends on how much memory is allocated, could be slow", "", NULL, NULL},
    {"memory|purge", "@slow", "request_policy:all_shards response_policy:all_succeeded", "", "Depends on how much memory is allocated, could be slow", "", NULL, NULL},
    {"memory|stats", "@slow", "nondeterministic_output request_policy:all_shards response_policy:special", "", "O(1)", "", NULL, NULL},
    {"memory|usage", "@read @slow", "", "RO|2|0|1|0|", "O(N) where N is the number of samples.", "", NULL, NULL},
    {"memory|help", "@slow", "", "", "O(1)", "", NULL, NULL},
    {"ping", "@fast @connection", "request_policy:all_shards response_policy:all_succeeded", "", "O(1)", "", NULL, NULL},
    {"echo", "@fast @connection", "", "", "O(1)", "", NULL, NULL},
    {"quit", "@fast @connection", "", "", "O(1)", "", NULL, NULL},
    {"reset", "@fast @connection", "", "", "O(1)", "", NULL, NULL},
    {"hello", "@fast @connection", "", "", "O(1)", "", NULL, NULL},
    {"select", "@fast @connection", "", "", "O(1)", "", NULL, NULL},
    {"auth", "@fast @connection", "", "", "O(N) where N is the number of passwords defined for the user", "", NULL, NULL},
    {"client", "@slow", "", "", "Depends on subcommand.", "", NULL, NULL},
    {"client|id", "@slow @connection", "", "", "O(1)", "", NULL, NULL},
    {"client|setname", "@slow @connection", "", "", "O(1)", "", NULL, NULL},
    {"client|getname", "@slow @connection", "", "", "O(1)", "", NULL, NULL},
    {"client|list", "@admin @slow @dangerous @connection", "nondeterministic_output", "", "O(N) where N is the number of client connections", "", NULL, NULL},
    {"client|info", "@slow @connection", "nondeterministic_output", "", "O(1)", "", NULL, NULL},
    {"client|kill", "@admin @slow @dangerous @connection", "", "", "O(N) where N is the number of client connections", "", NULL, NULL},
    {"client|no-evict", "@admin @slow @dangerous @connection", "", "", "O(1)", "", NULL, NULL},
    {"client|help", "@slow @connection", "", "", "O(1)", "", NULL, NULL},
    {"info", "@slow @dangerous", "nondeterministic_output request_policy:all_shards response_policy:special", "", "O(1)", "", NULL, NULL},
    {"config", "@slow", "", "", "Depends on subcommand.", "", NULL, NULL},
    {"config|get", "@admin @slow @dangerous", "", "", "O(N) when N is the number of configuration parameters provided", "", NULL, NULL},
    {"config|set", "@admin @slow @dangerous", "request_policy:all_nodes response_policy:all_succeeded", "", "O(N) when N is the number of configuration parameters provided", "", NULL, NULL},
    {"config|resetstat", "@admin @slow @dangerous", "", "", "O(1)", "", NULL, NULL},
    {"config|rewrite", "@admin @slow @dangerous", "", "", "O(1)", "", NULL, NULL},
    {"config|help", "@slow", "", "", "O(1)", "", NULL, NULL},
    {"command", "@slow @connection", "nondeterministic_output_order", "", "O(N) where N is the total number of Redis commands", "", NULL, NULL},
    {"command|count", "@slow @connection", "", "", "O(1)", "", NULL, NULL},
    {"command|info", "@slow @connection", "nondeterministic_output_order", "", "O(N) where N is the number of commands to look up", "", NULL, NULL},
    {"command|docs", "@slow @connection", "nondeterministic_output_order", "", "O(N) where N is the number of commands to look up", "", NULL, NULL},
    {"command|list", "@slow @connection", "nondeterministic_output_order", "", "O(N) where N is the total number of Redis commands", "", NULL, NULL},
    {"command|getkeys", "@slow @connection", "", "", "O(N) where N is the number of arguments to the command", "", NULL, NULL},
    {"command|help", "@slow @connection", "", "", "O(1)", "", NULL, NULL},
    {"time", "@fast", "nondeterministic_output", "", "O(1)", "", NULL, NULL},
    {"role", "@admin @fast @dangerous", "", "", "O(1)", "", NULL, NULL},
    {"wait", "@slow @connection", "request_policy:all_shards response_policy:agg_min", "", "O(1)", "", NULL, NULL},
    {"readonly", "@fast @connection", "", "", "O(1)", "", NULL, NULL},
    {"readwrite", "@fast @connection", "", "", "O(1)", "", NULL, NULL},
    {"module", "@slow", "", "", "Depends on subcommand.", "", NULL, NULL},
    {"acl", "@slow", "", "", "Depends on subcommand.", "", NULL, NULL},
    {"acl|cat", "@slow", "", "", "O(1) since the categories and commands are a fixed set.", "", NULL, NULL},
    {"acl|deluser", "@admin @slow @dangerous", "", "", "O(1) amortized time considering the typical user.", "", NULL, NULL},
    {"acl|dryrun", "@admin @slow @dangerous", "", "", "O(1).", "", NULL, NULL},
    {"acl|genpass", "@slow", "", "", "O(N). N is the number of bits", "", NULL, NULL},
    {"acl|getuser", "@admin @slow @dangerous", "", "", "O(N). Where N is the number of password, command and pattern rules that the user has.", "", NULL, NULL},
    {"acl|list", "@admin @slow @dangerous", "", "", "O(N). Where N is the number of configured users.", "", NULL, NULL},
    {"acl|load", "@admin @slow @dangerous", "", "", "O(N). Where N is the number of configured users.", "", NULL, NULL},
    {"acl|log", "@admin @slow @dangerous", "", "", "O(N) with N being the number of entries shown.", "", NULL, NULL},
    {"acl|save", "@admin @slow @dangerous", "", "", "O(N). Where N is the number of configured users.", "", NULL, NULL},
    {"acl|setuser", "@admin @slow @dangerous", "", "", "O(N). Where N is the number of rules provided.", "", NULL, NULL},
    {"acl|users", "@admin @slow @dangerous", "", "", "O(N). Where N is the number of configured users.", "", NULL, NULL},
    {"acl|whoami", "@slow", "", "", "O(1)", "", NULL, NULL},
    {"acl|help", "@slow", "", "", "O(1)", "", NULL, NULL},
    {"module|list", "@admin @slow @dangerous", "nondeterministic_output_order", "", "O(N) where N is the number of loaded modules.", "", NULL, NULL},
    {"module|load", "@admin @slow @dangerous", "", "", "O(1)", "", NULL, NULL},
    {"module|loadex", "@admin @slow @dangerous", "", "", "O(1)", "", NULL, NULL},
    {"module|unload", "@admin @slow @dangerous", "", "", "O(1)", "", NULL, NULL},
    {"module|help", "@slow", "", "", "O(1)", "", NULL, NULL},
    {"cluster", "@slow", "", "", "Depends on subcommand.", "", NULL, NULL},
    {"cluster|info", "@slow", "nondeterministic_output", "", "O(1)", "", NULL, NULL},
    {"cluster|slots", "@slow", "nondeterministic_output", "", "O(N) where N is the total number of Cluster nodes", "", NULL, NULL},
    {"cluster|shards", "@slow", "nondeterministic_output", "", "O(N) where N is the total number of cluster nodes", "", NULL, NULL},
    {"cluster|nodes", "@slow", "nondeterministic_output", "", "O(N) where N is the total number of Cluster nodes", "", NULL, NULL},
    {"cluster|myid", "@slow", "", "", "O(1)", "", NULL, NULL},
    {"cluster|links", "@slow", "nondeterministic_output", "", "O(N) where N is the total number of Cluster nodes", "", NULL, NULL},
    {"cluster|keyslot", "@slow", "", "", "O(N) where N is the number of bytes in the key", "", NULL, NULL},
    {"cluster|countkeysinslot", "@slow", "", "", "O(1)", "", NULL, NULL},
    {"cluster|getkeysinslot", "@slow", "nondeterministic_output", "", "O(log(N)) where N is the number of requested keys", "", NULL, NULL},
    {"cluster|help", "@slow", "", "", "O(1)", "", NULL, NULL},
    {"lastsave", "@admin @fast @dangerous", "nondeterministic_output", "", "O(1)", "", NULL, NULL},
    {"shutdown", "@admin @slow @dangerous", "", "", "O(N) when saving, where N is the total number of keys in all databases when saving data, otherwise O(1)", "", NULL, NULL},
    {"debug", "@admin @slow @dangerous", "", "", "Depends on subcommand.", "syscmd", NULL, NULL},
    {"slowlog", "@slow", "", "", "Depends on subcommand.", "", NULL, NULL},
    {"eval", "@slow @scripting", "", "RW,access,update|2|#0,1,1|0|0|We cannot tell how the keys will be used so we assume the worst, RW and UPDATE", "Depends on the script that is executed.", "", NULL, NULL},
    {"evalsha", "@slow @scripting", "", "RW,access,update|2|#0,1,1|0|0|", "Depends on the script that is executed.", "", NULL, NULL},
    {"eval_ro", "@slow @scripting", "", "RO,access|2|#0,1,1|0|0|We cannot tell how the keys will be used so we assume the worst, RO and ACCESS", "Depends on the script that is executed.", "", NULL, NULL},
    {"evalsha_ro", "@slow @scripting", "", "RO,access|2|#0,1,1|0|0|", "Depends on the script that is executed.", "", NULL, NULL},
    {"fcall", "@slow @scripting", "", "RW,access,update|2|#0,1,1|0|0|We cannot tell how the keys will be used so we assume the worst, RW and UPDATE", "Depends on the function that is executed.", "", NULL, NULL},
    {"fcall_ro", "@slow @scripting", "", "RO,access|2|#0,1,1|0|0|We cannot tell how the keys will be used so we assume the worst, RO and ACCESS", "Depends on the function that is executed.", "", NULL, NULL},
    {"function", "@slow", "", "", "Depends on subcommand.", "", NULL, NULL},
    {"function|load", "@write @slow @scripting", "request_policy:all_shards response_policy:all_succeeded", "", "O(1) (considering compilation time is redundant)", "", NULL, NULL},
    {"function|delete", "@write @slow @scripting", "request_policy:all_shards response_policy:all_succeeded", "", "O(1)", "", NULL, NULL},
    {"function|flush", "@write @slow @scripting", "request_policy:all_shards response_policy:all_succeeded", "", "O(N) where N is the number of functions deleted", "", NULL, NULL},
    {"function|list", "@slow @scripting", "nondeterministic_output_order", "", "O(N) where N is the number of functions", "", NULL, NULL},
    {"function|stats", "@slow @scripting", "nondeterministic_output request_policy:all_shards response_policy:special", "", "O(1)", "", NULL, NULL},
    {"function|kill", "@slow @scripting", "request_policy:all_shards response_policy:one_succeeded", "", "O(1)", "", NULL, NULL},
    {"function|dump", "@slow @scripting", "", "", "O(N) where N is the number of functions", "", NULL, NULL},
    {"function|restore", "@write @slow @scripting", "request_policy:all_shards response_policy:all_succeeded", "", "O(N) where N is the number of functions on the payload", "", NULL, NULL},
    {"function|help", "@slow @scripting", "", "", "O(1)", "", NULL, NULL},
    {"script", "@slow", "", "", "Depends on subcommand.", "", NULL, NULL},
    {"script|load", "@slow @scripting", "request_policy:all_nodes response_policy:all_succeeded", "", "O(N) with N being the length in bytes of the script body.", "", NULL, NULL},
    {"script|exists", "@slow @scripting", "request_policy:all_shards response_policy:agg_logical_and", "", "O(N) with N being the number of scripts to check (so checking a single script is an O(1) operation).", "", NULL, NULL},
    {"script|flush", "@slow @scripting", "request_policy:all_nodes response_policy:all_succeeded", "", "O(N) with N being the number of scripts in cache", "", NULL, NULL},
    {"script|kill", "@slow @scripting", "request_policy:all_shards response_policy:one_succeeded", "", "O(1).", "", NULL, NULL},
    {"script|help", "@slow @scripting", "", "", "O(1)", "", NULL, NULL},
    {"bgsave", "@admin @slow @dangerous", "", "", "O(1)", "", NULL, NULL},
    {"save", "@admin @slow @dangerous", "", "", "O(N) where N is the total number of keys in all databases", "", NULL, NULL},
    {"waitaof", "@slow @connection", "request_policy:all_shards response_policy:agg_min", "", "O(1)", "", NULL, NULL},
    {"slowlog|get", "@admin @slow @dangerous", "request_policy:all_nodes nondeterministic_output", "", "O(N) where N is the number of entries returned", "", NULL, NULL},
    {"slowlog|len", "@admin @slow @dangerous", "request_policy:all_nodes response_policy:agg_sum nondeterministic_output", "", "O(1)", "", NULL, NULL},
    {"slowlog|reset", "@admin @slow @dangerous", "request_policy:all_nodes response_policy:all_succeeded", "", "O(N) where N is the number of entries in the slowlog", "", NULL, NULL},
    {"slowlog|help", "@slow", "", "", "O(1)", "", NULL, NULL},
    {"strongbox", "@slow", "", "", "Depends on subcommand.", "", NULL, NULL},
    {"strongbox|files", "@admin @slow @dangerous", "", "", "O(N) where N is the number of files", "", NULL, NULL},
    {"strongbox|help", "@slow", "", "", "O(1)", "", NULL, NULL},
    {"delstrict", "@keyspace @write @slow", "", "RM,delete|1|-1|1|0|", "O(N) where N is the number of keys", "", NULL, NULL},
    {"client|setinfo", "@slow @connection", "request_policy:all_nodes response_policy:all_succeeded", "", "O(1)", "", NULL, NULL},
    {"client|no-touch", "@slow @connection", "", "", "O(1)", "", NULL, NULL},
    {"client|reply", "@slow @connection", "", "", "O(1)", "", NULL, NULL},
    {"multi", "@fast @transaction", "", "", "O(1)", "", NULL, NULL},
    {"exec", "@slow @transaction", "", "", "Depends on commands in the transaction", "", NULL, NULL},
    {"discard", "@fast @transaction", "", "", "O(N), when N is the number of queued commands", "", NULL, NULL},
    {"watch", "@fast @transaction", "", "RO|1|-1|1|0|", "O(1) for every key.", "", NULL, NULL},
    {"unwatch", "@fast @transaction", "", "", "O(1)", "", NULL, NULL},
};

static const cmd_meta *meta_of(const eng_cmd *c) {
    for (size_t i = 0; i < sizeof(metas) / sizeof(metas[0]); i++)
        if (!strcmp(metas[i].name, c->name)) return &metas[i];
    return NULL;
}

/* Redis's ACL categories, in its bit order (the order COMMAND shows). */
static const char *const acl_cats[] = {
    "keyspace", "read", "write", "set", "sortedset", "list", "hash", "string",
    "bitmap", "hyperloglog", "geo", "stream", "pubsub", "admin", "fast", "slow",
    "blocking", "dangerous", "connection", "transaction", "scripting", NULL};

/* The categories of c as "@a @b" (from the meta table, or derived from the
 * flags and group like Redis's implicit categories). */
static void categories_of(const eng_cmd *c, char *out, size_t cap) {
    const cmd_meta *m = meta_of(c);
    if (m) {
        snprintf(out, cap, "%s", m->cats);
        return;
    }
    const char *grp = !strcmp(c->group, "generic") ? "keyspace" : c->group;
    out[0] = '\0';
    for (int i = 0; acl_cats[i]; i++) {
        const char *k = acl_cats[i];
        int on = (!strcmp(k, "write") && (c->flags & CMD_WRITE)) ||
                 (!strcmp(k, "read") && (c->flags & CMD_READONLY)) ||
                 (!strcmp(k, "admin") && (c->flags & CMD_ADMIN)) ||
                 (!strcmp(k, "dangerous") && (c->flags & CMD_ADMIN)) ||
                 (!strcmp(k, "fast") && (c->flags & CMD_FAST)) ||
                 (!strcmp(k, "slow") && !(c->flags & CMD_FAST)) ||
                 (!c->subcmds && !strcmp(k, grp));
        if (on) {
            size_t n = strlen(out);
            snprintf(out + n, cap - n, "%s@%s", n ? " " : "", k);
        }
    }
}

static int has_category(const eng_cmd *c, const eng_arg *cat) {
    char cats[256];
    categories_of(c, cats, sizeof(cats));
    for (char *t = strtok(cats, " "); t; t = strtok(NULL, " "))
        if (strlen(t + 1) == cat->n && !strncasecmp(t + 1, cat->p, cat->n)) return 1;
    return 0;
}

/* Reply with the space-separated words of s as a set of status strings. */
static void add_word_set(eng_ctx *x, const char *s) {
    char buf[512];
    const char *w[32];
    int n = 0;
    snprintf(buf, sizeof(buf), "%s", s);
    for (char *t = strtok(buf, " "); t && n < 32; t = strtok(NULL, " ")) w[n++] = t;
    resp_add_set_len(x->out, x->proto, n);
    for (int i = 0; i < n; i++) resp_add_status(x->out, w[i]);
}

static void add_acl_categories(eng_ctx *x, const eng_cmd *c) {
    char cats[256];
    categories_of(c, cats, sizeof(cats));
    add_word_set(x, cats);
}

/* One key spec: begin_search index, find_keys range or (find "#n,f,s")
 * keynum. */
static void add_key_spec(eng_ctx *x, const char *flags, int index, const char *find,
                         int keystep, int limit, const char *notes) {
    resp_add_map_len(x->out, x->proto, notes && *notes ? 4 : 3);
    if (notes && *notes) {
        resp_add_bulk_cstr(x->out, "notes");
        resp_add_bulk_cstr(x->out, notes);
    }
    resp_add_bulk_cstr(x->out, "flags");
    char fl[128];
    snprintf(fl, sizeof(fl), "%s", flags);
    for (char *p = fl; *p; p++)
        if (*p == ',') *p = ' ';
    add_word_set(x, fl);
    resp_add_bulk_cstr(x->out, "begin_search");
    resp_add_map_len(x->out, x->proto, 2);
    resp_add_bulk_cstr(x->out, "type");
    resp_add_bulk_cstr(x->out, "index");
    resp_add_bulk_cstr(x->out, "spec");
    resp_add_map_len(x->out, x->proto, 1);
    resp_add_bulk_cstr(x->out, "index");
    resp_add_int(x->out, index);
    resp_add_bulk_cstr(x->out, "find_keys");
    resp_add_map_len(x->out, x->proto, 2);
    resp_add_bulk_cstr(x->out, "type");
    int keynum[3];
    if (find[0] == '#' && sscanf(find + 1, "%d,%d,%d", &keynum[0], &keynum[1], &keynum[2]) == 3) {
        static const char *const names[] = {"keynumidx", "firstkey", "keystep"};
        resp_add_bulk_cstr(x->out, "keynum");
        resp_add_bulk_cstr(x->out, "spec");
        resp_add_map_len(x->out, x->proto, 3);
        for (int i = 0; i < 3; i++) {
            resp_add_bulk_cstr(x->out, names[i]);
            resp_add_int(x->out, keynum[i]);
        }
        return;
    }
    resp_add_bulk_cstr(x->out, "range");
    resp_add_bulk_cstr(x->out, "spec");
    resp_add_map_len(x->out, x->proto, 3);
    resp_add_bulk_cstr(x->out, "lastkey");
    resp_add_int(x->out, atoi(find));
    resp_add_bulk_cstr(x->out, "keystep");
    resp_add_int(x->out, keystep);
    resp_add_bulk_cstr(x->out, "limit");
    resp_add_int(x->out, limit);
}

static void add_key_specs(eng_ctx *x, const eng_cmd *c) {
    const cmd_meta *m = meta_of(c);
    if (m) {
        char buf[512];
        snprintf(buf, sizeof(buf), "%s", m->specs);
        char *specs[8];
        int n = 0;
        for (char *p = buf; *p && n < 8;) {
            specs[n++] = p;
            char *semi = strchr(p, ';');
            if (!semi) break;
            *semi = '\0';
            p = semi + 1;
        }
        resp_add_set_len(x->out, x->proto, n);
        for (int i = 0; i < n; i++) {
            char *f[6] = {0};
            int k = 0;
            for (char *p = specs[i]; k < 6;) {
                f[k++] = p;
                char *bar = strchr(p, '|');
                if (!bar) break;
                *bar = '\0';
                p = bar + 1;
            }
            add_key_spec(x, f[0], f[1] ? atoi(f[1]) : 0, f[2] ? f[2] : "0",
                         f[3] ? atoi(f[3]) : 0, f[4] ? atoi(f[4]) : 0, f[5]);
        }
        return;
    }
    if (c->first_key <= 0) {
        resp_add_set_len(x->out, x->proto, 0);
        return;
    }
    resp_add_set_len(x->out, x->proto, 1);
    char last[16];
    snprintf(last, sizeof(last), "%d", c->last_key < 0 ? c->last_key : c->last_key - c->first_key);
    add_key_spec(x, (c->flags & CMD_WRITE) ? "RW" : "RO", c->first_key, last, c->key_step, 0, NULL);
}

static void add_info(eng_ctx *x, const eng_cmd *c) {
    const cmd_meta *m = meta_of(c);
    resp_add_array_len(x->out, 10);
    resp_add_bulk_cstr(x->out, c->name);
    resp_add_int(x->out, c->arity);
    add_flags(x, c->flags);
    resp_add_int(x->out, c->first_key);
    resp_add_int(x->out, c->last_key);
    resp_add_int(x->out, c->key_step);
    add_acl_categories(x, c);
    add_word_set(x, m ? m->tips : "");          /* tips */
    add_key_specs(x, c);
    long long nsub = 0;
    for (const eng_cmd *s = c->subcmds; s && s->name; s++) nsub++;
    resp_add_set_len(x->out, x->proto, nsub);
    for (const eng_cmd *s = c->subcmds; s && s->name; s++) add_info(x, s);
}

static void add_docs(eng_ctx *x, const eng_cmd *c) {
    const cmd_meta *m = meta_of(c);
    long long nsub = 0;
    for (const eng_cmd *s = c->subcmds; s && s->name; s++) nsub++;
    int deprecated = m && m->deprecated_since;
    int docflags = m && m->doc_flags && *m->doc_flags;
    int n = 3 + (m && m->complexity) + docflags + (deprecated ? 2 : 0) + (nsub ? 1 : 0);
    resp_add_map_len(x->out, x->proto, n);
    resp_add_bulk_cstr(x->out, "summary");
    resp_add_bulk_cstr(x->out, c->summary);
    resp_add_bulk_cstr(x->out, "since");
    resp_add_bulk_cstr(x->out, c->since);
    resp_add_bulk_cstr(x->out, "group");
    resp_add_bulk_cstr(x->out, c->group);
    if (m && m->complexity) {
        resp_add_bulk_cstr(x->out, "complexity");
        resp_add_bulk_cstr(x->out, m->complexity);
    }
    if (docflags) {
        resp_add_bulk_cstr(x->out, "doc_flags");
        add_word_set(x, m->doc_flags);
    }
    if (deprecated) {
        resp_add_bulk_cstr(x->out, "deprecated_since");
        resp_add_bulk_cstr(x->out, m->deprecated_since);
        resp_add_bulk_cstr(x->out, "replaced_by");
        resp_add_bulk_cstr(x->out, m->replaced_by);
    }
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
    if (c->first_key <= 0 && !(c->flags & CMD_MOVABLE_KEYS)) {
        eng_reply_error(x, "ERR The command has no key arguments");
        return;
    }
    if (c->arity > 0 ? argc != c->arity : argc < -c->arity) {
        eng_reply_error(x, "ERR Invalid number of arguments specified for command");
        return;
    }
    if (c->flags & CMD_MOVABLE_KEYS) { /* EVAL/FCALL script|name numkeys key... */
        long long nk;
        if (eng_parse_ll(argv[2].p, argv[2].n, &nk) || nk < 0 || nk > argc - 3) nk = 0;
        resp_add_array_len(x->out, nk);
        for (int i = 0; i < nk; i++) resp_add_bulk(x->out, argv[3 + i].p, argv[3 + i].n);
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
            else resp_add_null(x->out, x->proto);
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
        /* every command and subcommand (full names), optionally filtered */
        const eng_arg *pat = NULL, *cat = NULL;
        if (x->argc == 5 && eng_arg_is(&x->argv[2], "filterby") &&
            eng_arg_is(&x->argv[3], "pattern")) {
            pat = &x->argv[4];
        } else if (x->argc == 5 && eng_arg_is(&x->argv[2], "filterby") &&
                   eng_arg_is(&x->argv[3], "aclcat")) {
            cat = &x->argv[4];
        } else if (x->argc == 5 && eng_arg_is(&x->argv[2], "filterby") &&
                   eng_arg_is(&x->argv[3], "module")) {
            resp_add_array_len(x->out, 0);
            return;
        } else if (x->argc != 2) {
            eng_reply_syntax(x);
            return;
        }
        for (int pass = 0; pass < 2; pass++) {
            long long n = 0;
            for (size_t i = 0; i < NCMDS; i++) {
                const eng_cmd *c = &table[i];
                for (const eng_cmd *s = c->subcmds; c; ) {
                    int ok = (!pat || eng_glob_match(pat->p, pat->n, c->name, strlen(c->name), 1)) &&
                             (!cat || has_category(c, cat));
                    if (ok) {
                        n++;
                        if (pass == 1) resp_add_bulk_cstr(x->out, c->name);
                    }
                    c = s && s->name ? s++ : NULL;
                }
            }
            if (pass == 0) resp_add_array_len(x->out, n);
        }
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
        eng_reply_lines(x, help, sizeof(help) / sizeof(help[0]));
    }
}

/* ---------------------------------------------------------------- ACL */

/* The one user's rule line: Redis 7.0's for "default", its password as
 * the SHA-256 of requirepass. */
static void acl_password(eng_ctx *x, char hex[65]) {
    const char *pw = eng_requirepass(x->eng);
    hex[0] = '\0';
    if (!pw || !*pw) return;
    unsigned char md[SHA256_DIGEST_LENGTH];
    SHA256((const unsigned char *)pw, strlen(pw), md);
    for (int i = 0; i < SHA256_DIGEST_LENGTH; i++) snprintf(hex + 2 * i, 3, "%02x", md[i]);
}

static void acl_cat(eng_ctx *x) {
    if (x->argc == 2) {
        long long n = 0;
        while (acl_cats[n]) n++;
        resp_add_array_len(x->out, n);
        for (long long i = 0; i < n; i++) resp_add_bulk_cstr(x->out, acl_cats[i]);
        return;
    }
    const eng_arg *cat = &x->argv[2];
    int known = 0;
    for (int i = 0; acl_cats[i]; i++)
        known |= strlen(acl_cats[i]) == cat->n && !strncasecmp(acl_cats[i], cat->p, cat->n);
    if (!known) {
        eng_reply_error(x, "ERR Unknown category '%.*s'", (int)cat->n, cat->p);
        return;
    }
    long long n = 0;
    for (int pass = 0; pass < 2; pass++) {
        if (pass) resp_add_array_len(x->out, n);
        for (size_t i = 0; i < NCMDS; i++) {
            const eng_cmd *c = &table[i];
            /* (a container too, under its own categories: @slow) */
            if (has_category(c, cat)) pass ? resp_add_bulk_cstr(x->out, c->name) : (void)n++;
            for (const eng_cmd *s = c->subcmds; s && s->name; s++)
                if (has_category(s, cat)) pass ? resp_add_bulk_cstr(x->out, s->name) : (void)n++;
        }
    }
}

void cmd_acl(eng_ctx *x) {
    const char *sub = strchr(x->cmd->name, '|');
    sub = sub ? sub + 1 : "";
    char hex[65];
    /* (Redis takes at most one argument after these) */
    if ((!strcmp(sub, "cat") || !strcmp(sub, "genpass") || !strcmp(sub, "log")) && x->argc > 3) {
        eng_reply_error(x, "ERR unknown subcommand or wrong number of arguments for '%.*s'. "
                           "Try ACL HELP.", (int)x->argv[1].n, x->argv[1].p);
        return;
    }
    if (!strcmp(sub, "whoami")) {
        resp_add_bulk_cstr(x->out, "default");
    } else if (!strcmp(sub, "users")) {
        resp_add_array_len(x->out, 1);
        resp_add_bulk_cstr(x->out, "default");
    } else if (!strcmp(sub, "list")) {
        acl_password(x, hex);
        char line[160];
        snprintf(line, sizeof(line), "user default on %s%s ~* &* +@all", *hex ? "#" : "nopass",
                 hex);
        resp_add_array_len(x->out, 1);
        resp_add_bulk_cstr(x->out, line);
    } else if (!strcmp(sub, "getuser")) {
        if (x->argv[2].n != 7 || memcmp(x->argv[2].p, "default", 7)) { /* (case counts) */
            eng_reply_null(x);
            return;
        }
        acl_password(x, hex);
        resp_add_map_len(x->out, x->proto, 6);
        resp_add_bulk_cstr(x->out, "flags");
        resp_add_array_len(x->out, *hex ? 1 : 2);
        resp_add_bulk_cstr(x->out, "on");
        if (!*hex) resp_add_bulk_cstr(x->out, "nopass");
        resp_add_bulk_cstr(x->out, "passwords");
        resp_add_array_len(x->out, *hex ? 1 : 0);
        if (*hex) resp_add_bulk_cstr(x->out, hex);
        resp_add_bulk_cstr(x->out, "commands");
        resp_add_bulk_cstr(x->out, "+@all");
        resp_add_bulk_cstr(x->out, "keys");
        resp_add_bulk_cstr(x->out, "~*");
        resp_add_bulk_cstr(x->out, "channels");
        resp_add_bulk_cstr(x->out, "&*");
        resp_add_bulk_cstr(x->out, "selectors");
        resp_add_array_len(x->out, 0);
    } else if (!strcmp(sub, "cat")) {
        acl_cat(x);
    } else if (!strcmp(sub, "log")) {
        long long count;
        if (x->argc > 2 && eng_arg_is(&x->argv[2], "reset")) eng_reply_ok(x);
        else if (x->argc > 2 && eng_arg_ll(x, &x->argv[2], &count)) return;
        else resp_add_array_len(x->out, 0); /* nothing is ever denied by an ACL */
    } else if (!strcmp(sub, "genpass")) {
        long long bits = 256;
        if (x->argc > 2 && eng_arg_ll(x, &x->argv[2], &bits)) return;
        if (bits <= 0 || bits > 4096) {
            eng_reply_error(x, "ERR ACL GENPASS argument must be the number of bits for the "
                               "output password, a positive number up to 4096");
            return;
        }
        unsigned char rnd[512];
        size_t nchars = (size_t)(bits + 3) / 4;
        char out[1025];
        if (RAND_bytes(rnd, (int)((nchars + 1) / 2)) != 1) {
            eng_reply_error(x, "ERR no random bytes available");
            return;
        }
        for (size_t i = 0; i < nchars; i++)
            out[i] = "0123456789abcdef"[(rnd[i / 2] >> (i % 2 ? 0 : 4)) & 15];
        resp_add_bulk(x->out, out, nchars);
    } else if (!strcmp(sub, "help")) {
        static const char *const help[] = {
            "ACL <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
            "CAT [<category>]",
            "    List all commands that belong to <category>, or all command categories",
            "    when no category is specified.",
            "GENPASS [<bits>]",
            "    Generate a secure 256-bit user password. The optional `bits` argument can",
            "    be used to specify a different size.",
            "GETUSER <username>",
            "    Get the user's details.",
            "LIST",
            "    Show users details in config file format.",
            "LOG [<count> | RESET]",
            "    Show the ACL log entries.",
            "USERS",
            "    List all the registered usernames.",
            "WHOAMI",
            "    Return the current connection username.",
            "(strongbox has one user, 'default', whose password is requirepass:",
            "SETUSER, DELUSER, DRYRUN, LOAD and SAVE are not supported.)",
            "HELP",
            "    Print this help."};
        eng_reply_lines(x, help, sizeof(help) / sizeof(help[0]));
    } else {
        char up[16];
        size_t i = 0;
        for (; sub[i] && i < sizeof(up) - 1; i++) up[i] = (char)toupper((unsigned char)sub[i]);
        up[i] = '\0';
        eng_reply_error(x, "ERR ACL %s is not supported: strongbox has one user, 'default', "
                           "whose password is requirepass", up);
    }
}
