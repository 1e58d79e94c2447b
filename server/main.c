/* main.c -- process entry: options, logging, the two threads, shutdown.
 *
 *   strongbox-server [/path/strongbox.conf] [--name value ...]
 *
 * The main thread runs the libuv loop of the network layer (the I/O
 * thread); eng_start spawns the engine thread. SIGINT/SIGTERM and the
 * SHUTDOWN command end in the same orderly stop: stop accepting, let the
 * engine finish every queued command, write the replies, close.
 */
#include "commands.h"
#include "config.h"
#include "info.h"
#include "log.h"
#include "net.h"
#include "persist.h"
#include "script.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/file.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

typedef struct sb_main {
    sb_process proc;
    uv_loop_t *loop;
    uv_signal_t sigint, sigterm;
    uv_async_t shutdown_async;
    int stopping;
} sb_main;

static void usage(FILE *f) {
    fprintf(f,
            "Usage: ./strongbox-server [/path/to/strongbox.conf] [options] [-]\n"
            "       ./strongbox-server - (read config from stdin)\n"
            "       ./strongbox-server -v or --version\n"
            "       ./strongbox-server -h or --help\n\n"
            "Examples:\n"
            "       ./strongbox-server (run the server with default config)\n"
            "       ./strongbox-server /etc/strongbox/strongbox.conf\n"
            "       ./strongbox-server --port 7777\n"
            "       ./strongbox-server /etc/mystrongbox.conf --loglevel verbose\n"
            "       ./strongbox-server --dir /var/lib/strongbox --appendfsync everysec\n\n"
            "Options are the config file directives (redis.conf syntax), e.g.\n"
            "port, bind, dir, databases, maxclients, timeout, logfile, loglevel,\n"
            "requirepass, proto-max-bulk-len, client-query-buffer-limit,\n"
            "client-output-buffer-limit, max-key-length, max-value-length,\n"
            "max-keys-per-request, appendonly, appendfsync. See README.md.\n");
}

static int mkdir_p(const char *path) {
    char tmp[PATH_MAX];
    snprintf(tmp, sizeof(tmp), "%s", path);
    for (char *p = tmp + 1; *p; p++) {
        if (*p == '/') {
            *p = '\0';
            if (mkdir(tmp, 0755) != 0 && errno != EEXIST) return -1;
            *p = '/';
        }
    }
    if (mkdir(tmp, 0755) != 0 && errno != EEXIST) return -1;
    return 0;
}

static void make_run_id(char out[41]) {
    unsigned char r[20];
    int fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);
    if (fd < 0 || read(fd, r, sizeof(r)) != (ssize_t)sizeof(r)) {
        srand((unsigned)time(NULL) ^ (unsigned)getpid());
        for (int i = 0; i < 20; i++) r[i] = (unsigned char)rand();
    }
    if (fd >= 0) close(fd);
    for (int i = 0; i < 20; i++) sprintf(out + i * 2, "%02x", r[i]);
    out[40] = '\0';
}

/* Parse argv like redis-server: optional config file first, then
 * "--name value [value ...]" groups; "-" as the first or last argument
 * reads more configuration from stdin. Like Redis, the file is applied
 * first, then stdin, then the command-line options. */
static int parse_args(sb_config *cfg, int argc, char **argv) {
    char err[1024];
    int i = 1, end = argc;
    int from_stdin = 0;
    if (argc > 1 && !strcmp(argv[1], "-")) {
        from_stdin = 1;
        i = 2;
    } else if (argc > 1 && !strcmp(argv[argc - 1], "-")) {
        from_stdin = 1;
        end = argc - 1;
    }
    if (i == 1 && i < end && strncmp(argv[i], "--", 2) != 0) {
        char *abs = realpath(argv[i], NULL);
        if (!abs) {
            fprintf(stderr, "Fatal error, can't open config file '%s': %s\n", argv[i],
                    strerror(errno));
            return -1;
        }
        if (sb_config_load_file(cfg, abs, err, sizeof(err)) != 0) {
            fprintf(stderr, "%s\n", err);
            free(abs);
            return -1;
        }
        cfg->config_file = abs;
        i++;
    }
    if (from_stdin && sb_config_load_file(cfg, "/dev/stdin", err, sizeof(err)) != 0) {
        fprintf(stderr, "%s\n", err);
        return -1;
    }
    while (i < end) {
        if (strncmp(argv[i], "--", 2) != 0 || !argv[i][2]) {
            fprintf(stderr, "Invalid argument '%s': options look like --port 6380\n", argv[i]);
            return -1;
        }
        const char *name = argv[i] + 2;
        int j = i + 1;
        while (j < end && strncmp(argv[j], "--", 2) != 0) j++;
        int nvals = j - i - 1;
        if (nvals == 0) {
            fprintf(stderr, "Option '--%s' needs a value\n", name);
            return -1;
        }
        if (sb_config_apply(cfg, name, nvals, (const char **)argv + i + 1, 1, err,
                            sizeof(err)) != 0) {
            fprintf(stderr,
                    "\n*** FATAL CONFIG ERROR (strongbox %s) ***\n"
                    "Reading the command line option '--%s'\n>>> '%s'\n%s\n",
                    SB_VERSION, name, argv[i + 1], err);
            return -1;
        }
        i = j;
    }
    return 0;
}

static void raise_fd_limit(sb_config *cfg) {
    struct rlimit rl;
    rlim_t want = (rlim_t)cfg->maxclients + 64;
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < want) {
        rlim_t old = rl.rlim_cur;
        rl.rlim_cur = want <= rl.rlim_max ? want : rl.rlim_max;
        setrlimit(RLIMIT_NOFILE, &rl);
        getrlimit(RLIMIT_NOFILE, &rl);
        if (rl.rlim_cur < want) {
            long long maxc = (long long)rl.rlim_cur - 64;
            if (maxc < 1) maxc = 1;
            sb_log(LOG_WARNING, "You requested maxclients of %lld requiring at least %llu max file descriptors. Current limit is %llu (was %llu): maxclients lowered to %lld.",
                   (long long)cfg->maxclients, (unsigned long long)want,
                   (unsigned long long)rl.rlim_cur, (unsigned long long)old, maxc);
            cfg->maxclients = maxc;
        }
    }
}

static void begin_shutdown(sb_main *m) {
    if (m->stopping) return;
    m->stopping = 1;
    sb_log(LOG_WARNING, "User requested shutdown...");
    sb_net_stop_listening(m->proc.net);
    eng_stop(m->proc.eng); /* finishes every queued command */
    persist_close();       /* writes and fsyncs the rest, releases replies */
    sb_net_shutdown(m->proc.net);
    uv_close((uv_handle_t *)&m->sigint, NULL);
    uv_close((uv_handle_t *)&m->sigterm, NULL);
    uv_close((uv_handle_t *)&m->shutdown_async, NULL);
}

static void on_signal(uv_signal_t *h, int sig) {
    sb_main *m = h->data;
    sb_log(LOG_WARNING, "Received %s scheduling shutdown...", sig == SIGINT ? "SIGINT" : "SIGTERM");
    begin_shutdown(m);
}

static void on_shutdown_async(uv_async_t *h) { begin_shutdown(h->data); }

static void request_shutdown(sb_process *p) {
    sb_main *m = (sb_main *)p; /* proc is the first member */
    uv_async_send(&m->shutdown_async);
}

static const char *requirepass_of(void *ud) { return ((sb_config *)ud)->requirepass; }

/* functions-dir, or the scripts folder next to the binary. */
static char functions_dir[1024];

static void resolve_functions_dir(const sb_config *cfg) {
    if (cfg->functions_dir && *cfg->functions_dir) {
        snprintf(functions_dir, sizeof(functions_dir), "%s", cfg->functions_dir);
        return;
    }
    char exe[900];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
    if (n <= 0) {
        snprintf(functions_dir, sizeof(functions_dir), "scripts");
        return;
    }
    exe[n] = '\0';
    char *slash = strrchr(exe, '/');
    if (slash) *slash = '\0';
    snprintf(functions_dir, sizeof(functions_dir), "%s/scripts", exe);
}

/* Recovery, then the shipped function libraries (they may replace what
 * the data had, and that is logged like any FUNCTION LOAD). */
static void startup(void *ud, eng_engine *e) {
    persist_startup(ud, e);
    scr_load_dir(e, functions_dir);
}

/* glibc's malloc, tuned for a server whose engine thread allocates the
 * whole keyspace: one arena (the main one, grown with brk in large steps;
 * a thread's own arena grows one page and one mprotect at a time, 24,000
 * of each for a million keys) and transparent huge pages for it (512 times
 * fewer page faults, each a trap to the hypervisor on a VM, and fewer TLB
 * misses on a large table). Loading a million keys takes 0.2 s instead of
 * 0.5 s. glibc reads these only from the environment at start, so the
 * process sets them and executes itself again, once. It does not when the
 * environment already names a glibc.malloc tunable (the operator decides),
 * under a sanitizer or valgrind (their own allocators), or if the exec
 * fails (it goes on with glibc's defaults). */
static void malloc_tunables(char **argv) {
#if defined(__GLIBC__) && !defined(SB_ASAN)
    const char *cur = getenv("GLIBC_TUNABLES");
    const char *pre = getenv("LD_PRELOAD");
    /* at most once (SB_MALLOC_TUNED), whatever glibc makes of the
     * variable; not for setuid/capabilities (glibc ignores or drops it
     * then), nor when started through ld.so (its argv is not ours) */
    if ((cur && strstr(cur, "glibc.malloc.")) || (pre && strstr(pre, "vgpreload")) ||
        getenv("SB_MALLOC_TUNED") || getauxval(AT_SECURE) || getauxval(AT_BASE) == 0)
        return;
    if (setenv("SB_MALLOC_TUNED", "1", 1) != 0) return;
    char *saved = cur ? strdup(cur) : NULL;
    size_t n = (cur ? strlen(cur) : 0) + 64;
    char *v = malloc(n);
    if (!v) return;
    snprintf(v, n, "%s%sglibc.malloc.arena_max=1:glibc.malloc.hugetlb=1", cur ? cur : "",
             cur && *cur ? ":" : "");
    /* the binary's real path, not /proc/self/exe: the thread name (ps,
     * top, pidof) comes from it */
    char exe[PATH_MAX];
    ssize_t len = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
    if (len > 0 && (exe[len] = '\0', setenv("GLIBC_TUNABLES", v, 1) == 0)) execv(exe, argv);
    free(v);
    if (saved) setenv("GLIBC_TUNABLES", saved, 1);
    else unsetenv("GLIBC_TUNABLES");
    free(saved);
#else
    (void)argv;
#endif
}

int main(int argc, char **argv) {
    malloc_tunables(argv);
    if (argc >= 2 && (!strcmp(argv[1], "-v") || !strcmp(argv[1], "--version"))) {
        printf("strongbox server v=%s redis-compat=%s bits=%d build=%s %s\n", SB_VERSION,
               ENG_REDIS_COMPAT_VERSION, (int)(sizeof(void *) * 8), __DATE__, __TIME__);
        return 0;
    }
    if (argc >= 2 && (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help"))) {
        usage(stdout);
        return 0;
    }

    static sb_config cfg;
    sb_config_init(&cfg);
    if (parse_args(&cfg, argc, argv) != 0) return 1;
    if (cfg.logfile && *cfg.logfile && sb_log_open(cfg.logfile) != 0) {
        fprintf(stderr, "Can't open the log file %s: %s\n", cfg.logfile, strerror(errno));
        return 1;
    }
    sb_log_set_level((int)cfg.loglevel);
    signal(SIGPIPE, SIG_IGN);
    /* glibc returns freed memory of the engine thread's arena with
     * mprotect/madvise at every dip below the trim threshold, which under a
     * write load is thousands of syscalls a second; keep up to 64 MB. And
     * buffers up to 32 MB (glibc's largest threshold) come from the heap
     * too: the batches, groups and replies of pipelined large values grow
     * past a megabyte, and from mmap each was new memory, faulted in and
     * zeroed page by page and unmapped when freed -- MSET of ten 1 KB
     * values at -P 16 spent most of its CPU there (13k -> 40k MSET/s in
     * always mode with the heap). */
    mallopt(M_TRIM_THRESHOLD, 64 * 1024 * 1024);
    mallopt(M_MMAP_THRESHOLD, 32 * 1024 * 1024);

    sb_log(LOG_NOTICE, "oO0OoO0OoO0Oo strongbox is starting oO0OoO0OoO0Oo");
    sb_log(LOG_NOTICE, "strongbox version=%s, redis-compat=%s, pid=%d, just started",
           SB_VERSION, ENG_REDIS_COMPAT_VERSION, (int)getpid());
    if (!cfg.config_file)
        sb_log(LOG_WARNING, "No config file specified, using the default config. In order to specify a config file use %s /path/to/strongbox.conf", argv[0]);

    if (mkdir_p(cfg.dir) != 0) {
        sb_log(LOG_WARNING, "Can't create the data directory '%s': %s. Create it or set --dir to a writable directory.",
               cfg.dir, strerror(errno));
        return 1;
    }
    {   /* like Redis (which chdirs there), CONFIG GET dir is absolute */
        char *abs = realpath(cfg.dir, NULL);
        if (abs) {
            free(cfg.dir);
            cfg.dir = abs;
        }
    }
    /* one server per data directory: two would interleave their WALs */
    char lockpath[PATH_MAX + 32];
    snprintf(lockpath, sizeof(lockpath), "%s/strongbox.lock", cfg.dir);
    int lockfd = open(lockpath, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (lockfd < 0 || flock(lockfd, LOCK_EX | LOCK_NB) != 0) {
        char other[32] = "?";
        if (lockfd >= 0) {
            ssize_t n = pread(lockfd, other, sizeof(other) - 1, 0);
            other[n > 0 ? n : 0] = '\0';
            other[strcspn(other, "\n")] = '\0';
        }
        sb_log(LOG_WARNING, "The data directory %s is in use by another strongbox-server (pid %s): "
               "stop it first, or give this one another --dir", cfg.dir, other);
        return 1;
    }
    char pidline[32];
    int pl = snprintf(pidline, sizeof(pidline), "%d\n", (int)getpid());
    if (ftruncate(lockfd, 0) != 0 || pwrite(lockfd, pidline, (size_t)pl, 0) != pl)
        sb_log(LOG_WARNING, "Can't write the pid into %s: %s", lockpath, strerror(errno));
    raise_fd_limit(&cfg);

    static sb_main m;
    m.loop = uv_default_loop();
    /* before the listener exists: a client may connect (and a test send
     * SIGINT) as soon as it does, and the default action would kill us;
     * libuv queues the signal until the loop runs */
    uv_signal_init(m.loop, &m.sigint);
    uv_signal_init(m.loop, &m.sigterm);
    m.sigint.data = m.sigterm.data = &m;
    uv_signal_start(&m.sigint, on_signal, SIGINT);
    uv_signal_start(&m.sigterm, on_signal, SIGTERM);
    m.proc.cfg = &cfg;
    m.proc.request_shutdown = request_shutdown;
    make_run_id(m.proc.run_id);
    if (!realpath("/proc/self/exe", m.proc.executable))
        snprintf(m.proc.executable, sizeof(m.proc.executable), "%s", argv[0]);

    char err[512];
    m.proc.net = sb_net_create(m.loop, &cfg, err, sizeof(err));
    if (!m.proc.net) {
        sb_log(LOG_WARNING, "%s", err);
        return 1;
    }

    sb_commands_init();
    sb_config_bind_command(&cfg);
    eng_options eo = {0};
    eo.databases = (int)cfg.databases;
    eo.lookup = sb_command_lookup;
    eo.release = sb_net_release;
    eo.release_ud = m.proc.net;
    eo.limits = &cfg.limits;
    eo.requirepass = requirepass_of;
    eo.requirepass_ud = &cfg;
    resolve_functions_dir(&cfg);
    eo.startup = startup;
    eo.write_refused = persist_write_refused;
    eo.tick = persist_tick;
    eo.background = persist_background;
    eo.before_batch = persist_before_batch;
    eo.stopping = persist_on_stop;
    persist_options po = {0};
    po.dir = cfg.dir;
    po.appendonly = (int)cfg.appendonly;
    po.fsync_mode = &cfg.appendfsync;
    po.segment_size = &cfg.wal_segment_size;
    po.min_free_disk = &cfg.min_free_disk;
    po.keep_wal = &cfg.keep_wal;
    po.auto_pct = &cfg.auto_ckpt_pct;
    po.auto_min = &cfg.auto_ckpt_min;
    po.busy_poll_us = &cfg.limits.busy_poll_us;
    po.wal_pipeline = &cfg.wal_pipeline;
    po.key_load_delay = &cfg.key_load_delay;
    po.release = sb_net_release;
    po.release_ud = m.proc.net;
    persist_configure(&po);
    m.proc.eng = eng_create(&eo);
    if (!m.proc.eng) {
        sb_log(LOG_WARNING, "Can't create the engine: out of memory");
        return 1;
    }
    sb_net_set_engine(m.proc.net, m.proc.eng);
    m.proc.ops_sample_ms = eng_start_time_ms(m.proc.eng);
    sb_info_bind(&m.proc);

    uv_async_init(m.loop, &m.shutdown_async, on_shutdown_async);
    m.shutdown_async.data = &m;

    if (eng_start(m.proc.eng) != 0) {
        sb_log(LOG_WARNING, "Can't start the engine thread");
        return 1;
    }
    sb_log(LOG_NOTICE, "Server initialized");
    sb_log(LOG_NOTICE, "Ready to accept connections tcp on %s:%d (data in %s)", cfg.bind,
           sb_net_port(m.proc.net), cfg.dir);

    uv_run(m.loop, UV_RUN_DEFAULT);

    /* The engine's memory -- the keyspace above all -- is left to the OS:
     * freeing it entry by entry takes about 0.35 s per million keys, and a
     * container's stop timeout counts that time. Sanitizer builds still
     * free everything, so leak checking keeps covering it. */
#ifdef SB_ASAN
    eng_destroy(m.proc.eng);
#endif
    sb_net_destroy(m.proc.net);
    uv_loop_close(m.loop);
    sb_log(LOG_WARNING, "strongbox is now ready to exit, bye bye...");
    sb_config_free(&cfg);
    return 0;
}
