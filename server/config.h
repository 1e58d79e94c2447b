/* config.h -- configuration: redis.conf syntax, --name value overrides,
 * CONFIG GET / SET / RESETSTAT.
 *
 * Owns: every option's storage (one sb_config per process, created by main
 * and passed to the modules that read it) and the option table that maps
 * names to storage, parsing and formatting.
 *
 * Threads: loading happens on the main thread before other threads start.
 * Afterwards CONFIG GET/SET run on the engine thread; options that other
 * threads read at run time are _Atomic long long, and string options are
 * only changed where a single thread reads them (requirepass: engine).
 *
 * Promises: a bad option names the file, the line and the reason; sizes
 * accept Redis's units (1k = 1000, 1kb = 1024, mb, gb).
 */
#ifndef SB_CONFIG_H
#define SB_CONFIG_H

#include <stddef.h>
#include "engine.h"

typedef struct sb_config {
    char *config_file;     /* absolute path, or NULL */
    char *bind;
    char *dir;
    char *logfile;
    char *functions_dir;   /* "" = the scripts folder next to the binary */
    char *requirepass;
    char *save;
    char *notify_keyspace_events; /* always "": no keyspace notifications */
    char *latency_pctl;                 /* latency-tracking-info-percentiles */
    char *dbfilename;
    char *appenddirname;
    _Atomic long long port;
    _Atomic long long databases;
    _Atomic long long maxclients;
    _Atomic long long timeout;          /* seconds, 0 = never */
    _Atomic long long tcp_backlog;
    _Atomic long long tcp_keepalive;
    _Atomic long long loglevel;
    _Atomic long long client_query_buffer_limit;
    _Atomic long long obuf_hard, obuf_soft, obuf_soft_seconds; /* normal */
    _Atomic long long obuf_replica[3];  /* stored only (no replicas) */
    _Atomic long long obuf_pubsub[3];   /* subscribers' limits (net.c) */
    _Atomic long long appendonly;       /* yes/no */
    _Atomic long long appendfsync;      /* 0 always, 1 everysec, 2 no */
    _Atomic long long wal_segment_size; /* roll over to a new segment */
    _Atomic long long keep_wal;         /* keep segments a checkpoint replaced */
    _Atomic long long wal_pipeline;     /* always: the next group's write overlaps the sync */
    _Atomic long long key_load_delay;   /* tests: us of sleep per record loaded at start */
    _Atomic long long auto_ckpt_pct, auto_ckpt_min; /* checkpoint on WAL growth */
    _Atomic long long hz;
    _Atomic long long maxmemory_policy; /* noeviction only */
    _Atomic long long min_free_disk;    /* refuse writes below this free space */
    _Atomic long long protected_mode;
    _Atomic long long has_password;     /* requirepass is set (any thread) */
    _Atomic long long io_threads;       /* stored only */
    _Atomic long long daemonize;        /* no only: we stay in the foreground */
    _Atomic long long io_coalesce_us;   /* net.c coalesce: 0 = never */
    _Atomic long long io_uring;         /* net.c: client I/O through io_uring if it can */
    _Atomic long long io_uring_clients; /* net.c ring_mode: from this many at work */
    eng_limits limits;                  /* read by the engine */
} sb_config;

void sb_config_init(sb_config *c);       /* defaults */
void sb_config_free(sb_config *c);

/* Load a config file (redis.conf syntax). Returns 0, or -1 with a message
 * naming the file, line and reason in err. */
int sb_config_load_file(sb_config *c, const char *path, char *err, size_t errlen);
/* Apply one option by name with its value words. */
int sb_config_apply(sb_config *c, const char *name, int argc, const char **argv,
                    int startup, char *err, size_t errlen);

/* Parse a size with Redis units. Returns 0 or -1. */
int sb_config_parse_size(const char *s, long long *out);

/* The CONFIG command (engine thread): needs the config it works on. */
void sb_config_bind_command(sb_config *c);
void cmd_config(eng_ctx *x);

#endif
