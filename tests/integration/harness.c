/* harness.c -- see harness.h. */
#include "harness.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#ifndef SB_SERVER_PATH
#error "SB_SERVER_PATH must name the strongbox-server binary"
#endif

#define MAX_SERVERS 1024
static sb_server *servers[MAX_SERVERS];
static int nservers;

static void check_log(sb_server *s);

static void kill_all(void) {
    for (int i = 0; i < nservers; i++)
        if (servers[i] && servers[i]->pid > 0) {
            kill(servers[i]->pid, SIGKILL);
            waitpid(servers[i]->pid, NULL, 0);
            servers[i]->pid = 0;
        }
    for (int i = 0; i < nservers; i++)
        if (servers[i]) check_log(servers[i]);
    /* data directories go away unless asked to keep them for a post-mortem */
    if (!getenv("SB_KEEP_TEST_DIRS"))
        for (int i = 0; i < nservers; i++)
            if (servers[i]) {
                char cmdl[300];
                snprintf(cmdl, sizeof(cmdl), "rm -rf '%s'", servers[i]->dir);
                if (system(cmdl)) {}
            }
}

static int free_port(void) {
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {0};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    a.sin_port = 0;
    if (bind(fd, (struct sockaddr *)&a, sizeof(a)) != 0) { close(fd); return -1; }
    socklen_t len = sizeof(a);
    getsockname(fd, (struct sockaddr *)&a, &len);
    close(fd);
    return ntohs(a.sin_port);
}

double clock_s(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static long file_size(const char *path) {
    struct stat st;
    return stat(path, &st) == 0 ? (long)st.st_size : 0;
}

/* Did the log get "can't listen" after offset `from` (a port taken between
 * free_port and the server's bind: worth another port)? */
static int log_says_port_busy(const char *log, long from) {
    FILE *f = fopen(log, "r");
    if (!f) return 0;
    fseek(f, from, SEEK_SET);
    char line[1024];
    int busy = 0;
    while (fgets(line, sizeof(line), f))
        if (strstr(line, "Could not create server TCP listening socket")) busy = 1;
    fclose(f);
    return busy;
}

/* Spawn the server on s->dir (log appended to s->log) and wait until it
 * answers PING: any reply when !need_pong (the historical behaviour of
 * srv_startv), +PONG when need_pong (so recovery is over). Returns 0 when
 * up; 1 when the process exited (*status = exit code, or 128+signal) and
 * another port would not help; -1 when it never answered (killed). */
/* Is the server on c the process pid? (Another test's server may have
 * taken the port between free_port and our bind, and would answer PING.) */
static int ours(redisContext *c, pid_t pid) {
    redisReply *r = redisCommand(c, "INFO server");
    const char *p = r && r->type == REDIS_REPLY_STRING ? strstr(r->str, "process_id:") : NULL;
    int yes = p ? atoi(p + 11) == (int)pid : 1; /* no answer: the PING decides */
    if (r) freeReplyObject(r);
    return yes;
}

static int spawn_server(sb_server *s, const char **args, int need_pong, int *status) {
    static int atexit_done;
    if (!atexit_done) { atexit(kill_all); atexit_done = 1; }
    signal(SIGPIPE, SIG_IGN);
    for (int attempt = 0; attempt < 5; attempt++) {
        long log_from = file_size(s->log);
        s->port = free_port();
        char port[16];
        snprintf(port, sizeof(port), "%d", s->port);
        const char *argv[128];
        int n = 0;
        argv[n++] = SB_SERVER_PATH;
        argv[n++] = "--port"; argv[n++] = port;
        argv[n++] = "--bind"; argv[n++] = "127.0.0.1";
        argv[n++] = "--dir"; argv[n++] = s->dir;
        /* test machines may have little free disk: no min-free-disk guard
         * unless a test asks for one (a later --min-free-disk wins) */
        argv[n++] = "--min-free-disk"; argv[n++] = "0";
        /* tests use DEBUG (SLEEP, RELOAD, WAL-FAULT, SET-ACTIVE-EXPIRE) */
        argv[n++] = "--enable-debug-command"; argv[n++] = "yes";
        /* no shipped libraries unless a test asks (a later option wins):
         * tests count WAL records and functions exactly */
        argv[n++] = "--functions-dir"; argv[n++] = "/nonexistent";
        /* SB_TEST_SERVER_ARGS: options for every server of the run, before
         * the test's own (ctest runs some tests again with --io-uring no) */
        char extra[512];
        const char *env = getenv("SB_TEST_SERVER_ARGS");
        snprintf(extra, sizeof(extra), "%s", env ? env : "");
        for (char *save = NULL, *w = strtok_r(extra, " ", &save); w && n < 100;
             w = strtok_r(NULL, " ", &save))
            argv[n++] = w;
        for (int i = 0; args && args[i] && n < 126; i++) argv[n++] = args[i];
        argv[n] = NULL;
        pid_t pid = fork();
        if (pid == 0) {
            int fd = open(s->log, O_WRONLY | O_CREAT | O_APPEND, 0644);
            if (fd >= 0) { dup2(fd, 1); dup2(fd, 2); }
            execv(argv[0], (char **)argv);
            _exit(127);
        }
        s->pid = pid;
        double deadline = clock_s() + 10;
        int exited = 0, st = 0;
        while (clock_s() < deadline) {
            if (waitpid(pid, &st, WNOHANG) == pid) { s->pid = 0; exited = 1; break; }
            redisContext *c = redisConnect("127.0.0.1", s->port);
            if (c && !c->err) {
                redisReply *r = redisCommand(c, "PING");
                int ok = r != NULL && (!need_pong || (r->type == REDIS_REPLY_STATUS &&
                                                      !strcmp(r->str, "PONG")));
                if (r) freeReplyObject(r);
                int other = ok && !ours(c, pid);
                redisFree(c);
                if (other) break; /* another process holds the port: try another */
                if (ok) {
                    if (nservers < MAX_SERVERS) servers[nservers++] = s;
                    return 0;
                }
            } else if (c) {
                redisFree(c);
            }
            usleep(need_pong ? 5000 : 20000);
        }
        if (s->pid > 0) { kill(s->pid, SIGKILL); waitpid(s->pid, NULL, 0); s->pid = 0; }
        if (exited && need_pong && !log_says_port_busy(s->log, log_from)) {
            if (status)
                *status = WIFEXITED(st) ? WEXITSTATUS(st)
                          : WIFSIGNALED(st) ? 128 + WTERMSIG(st) : -1;
            return 1;
        }
    }
    if (status) *status = -1;
    return -1;
}

static void start_failed(sb_server *s) {
    fprintf(stderr, "could not start %s (log in %s)\n", SB_SERVER_PATH, s->log);
    char cmdl[400];
    snprintf(cmdl, sizeof(cmdl), "cat %s >&2", s->log);
    if (system(cmdl)) {}
    exit(2);
}

sb_server *srv_startv(const char **args) {
    sb_server *s = calloc(1, sizeof(*s));
    snprintf(s->dir, sizeof(s->dir), "/tmp/sbtest.XXXXXX");
    if (!mkdtemp(s->dir)) { perror("mkdtemp"); exit(2); }
    snprintf(s->log, sizeof(s->log), "%s/server.log", s->dir);
    if (spawn_server(s, args, 0, NULL) != 0) start_failed(s);
    return s;
}

sb_server *srv_try_start_in(const char *dir, const char **args, int *status) {
    sb_server *s = calloc(1, sizeof(*s));
    snprintf(s->dir, sizeof(s->dir), "%s", dir);
    snprintf(s->log, sizeof(s->log), "%s/server.log", s->dir);
    if (status) *status = 0;
    if (spawn_server(s, args, 1, status) == 0) return s;
    free(s);
    return NULL;
}

sb_server *srv_start_loading_in(const char *dir, const char **args) {
    sb_server *s = calloc(1, sizeof(*s));
    snprintf(s->dir, sizeof(s->dir), "%s", dir);
    snprintf(s->log, sizeof(s->log), "%s/server.log", s->dir);
    int status = 0;
    if (spawn_server(s, args, 0, &status) != 0) {
        fprintf(stderr, "server on %s did not start (exit status %d)\n", dir, status);
        start_failed(s);
    }
    return s;
}

sb_server *srv_start_in(const char *dir, const char **args) {
    int status;
    sb_server *s = srv_try_start_in(dir, args, &status);
    if (!s) {
        sb_server tmp = {0};
        snprintf(tmp.log, sizeof(tmp.log), "%s/server.log", dir);
        fprintf(stderr, "server on %s did not start (exit status %d)\n", dir, status);
        start_failed(&tmp);
    }
    return s;
}

sb_server *srv_start(const char *arg, ...) {
    const char *args[64];
    int n = 0;
    va_list ap;
    va_start(ap, arg);
    for (const char *a = arg; a && n < 63; a = va_arg(ap, const char *)) args[n++] = a;
    va_end(ap);
    args[n] = NULL;
    return srv_startv(args);
}

static void srv_wait(sb_server *s, int sig) {
    if (s->pid <= 0) return;
    kill(s->pid, sig);
    double deadline = clock_s() + 20;
    int st;
    while (waitpid(s->pid, &st, WNOHANG) == 0) {
        if (clock_s() > deadline) { kill(s->pid, SIGKILL); waitpid(s->pid, &st, 0); break; }
        usleep(10000);
    }
    s->pid = 0;
}

/* A sanitizer report in the server's log fails the test: the ASan+UBSan
 * build of the suite relies on this. */
static void check_log(sb_server *s) {
    FILE *f = fopen(s->log, "r");
    if (!f) return;
    char line[1024];
    int bad = 0;
    while (fgets(line, sizeof(line), f)) {
        if (strstr(line, "ERROR: AddressSanitizer") || strstr(line, "ERROR: LeakSanitizer") ||
            strstr(line, "runtime error:")) {
            bad = 1;
        }
        if (bad) fputs(line, stderr);
    }
    fclose(f);
    if (bad) {
        fprintf(stderr, "sanitizer report in %s\n", s->log);
        _exit(1);
    }
}

void srv_stop(sb_server *s) {
    srv_wait(s, SIGTERM);
    check_log(s);
}
void srv_kill(sb_server *s) { srv_wait(s, SIGKILL); }

int srv_alive(sb_server *s) {
    if (s->pid <= 0) return 0;
    int st;
    if (waitpid(s->pid, &st, WNOHANG) == s->pid) { s->pid = 0; return 0; }
    return 1;
}

long srv_rss_kb(sb_server *s) {
    char path[64], line[256];
    snprintf(path, sizeof(path), "/proc/%d/status", (int)s->pid);
    FILE *f = fopen(path, "r");
    long kb = -1;
    if (!f) return -1;
    while (fgets(line, sizeof(line), f))
        if (sscanf(line, "VmRSS: %ld kB", &kb) == 1) break;
    fclose(f);
    return kb;
}

redisContext *srv_connect(sb_server *s) {
    redisContext *c = redisConnect("127.0.0.1", s->port);
    if (!c || c->err) {
        fprintf(stderr, "connect to %d failed: %s\n", s->port, c ? c->errstr : "oom");
        exit(2);
    }
    struct timeval tv = {30, 0};
    redisSetTimeout(c, tv);
    return c;
}

redisReply *cmd(redisContext *c, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    redisReply *r = redisvCommand(c, fmt, ap);
    va_end(ap);
    return r;
}

int srv_wait_bgsave(redisContext *c) {
    for (int i = 0; i < 30000; i++) { /* 60 s */
        redisReply *r = redisCommand(c, "INFO persistence");
        int done = r && r->type == REDIS_REPLY_STRING &&
                   strstr(r->str, "rdb_bgsave_in_progress:0") != NULL;
        if (r) freeReplyObject(r);
        if (done) return 1;
        usleep(2000);
    }
    fprintf(stderr, "BGSAVE did not finish in 60 s\n");
    return 0;
}

void reply_describe(const redisReply *r, char *buf, size_t cap) {
    if (!r) { snprintf(buf, cap, "(no reply: connection error)"); return; }
    switch (r->type) {
    case REDIS_REPLY_STATUS: snprintf(buf, cap, "+%s", r->str); break;
    case REDIS_REPLY_ERROR: snprintf(buf, cap, "-%s", r->str); break;
    case REDIS_REPLY_INTEGER: snprintf(buf, cap, ":%lld", r->integer); break;
    case REDIS_REPLY_NIL: snprintf(buf, cap, "(nil)"); break;
    case REDIS_REPLY_STRING: snprintf(buf, cap, "$%.*s", (int)(r->len > 200 ? 200 : r->len), r->str); break;
    case REDIS_REPLY_ARRAY: {
        size_t n = (size_t)snprintf(buf, cap, "[");
        for (size_t i = 0; i < r->elements && n + 8 < cap; i++) {
            reply_describe(r->element[i], buf + n, cap - n);
            n = strlen(buf);
            if (n + 2 < cap) { buf[n++] = i + 1 < r->elements ? ',' : ']'; buf[n] = 0; }
        }
        if (r->elements == 0 && n + 2 < cap) { buf[n++] = ']'; buf[n] = 0; }
        break;
    }
    default: snprintf(buf, cap, "(type %d)", r->type);
    }
}

const char *reply_str(const redisReply *r) {
    static char buf[4096];
    reply_describe(r, buf, sizeof(buf));
    return buf;
}

int raw_connect(sb_server *s) {
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {0};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    a.sin_port = htons((uint16_t)s->port);
    if (connect(fd, (struct sockaddr *)&a, sizeof(a)) != 0) {
        perror("connect");
        close(fd);
        return -1;
    }
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    return fd;
}

void raw_send(int fd, const void *p, size_t n) {
    const char *c = p;
    while (n) {
        ssize_t w = send(fd, c, n, MSG_NOSIGNAL);
        if (w < 0) { if (errno == EINTR) continue; return; }
        c += w;
        n -= (size_t)w;
    }
}

size_t raw_read(int fd, char *buf, size_t cap, size_t want, int timeout_ms,
                int *closed) {
    size_t got = 0;
    *closed = 0;
    while (got < cap - 1 && got < want) {
        struct pollfd p = {fd, POLLIN, 0};
        int r = poll(&p, 1, timeout_ms);
        if (r <= 0) break;
        ssize_t n = recv(fd, buf + got, cap - 1 - got, 0);
        if (n <= 0) { *closed = 1; break; }
        got += (size_t)n;
    }
    buf[got] = 0;
    return got;
}

int run_capture(const char *cmdline, char *out, size_t cap) {
    FILE *f = popen(cmdline, "r");
    if (!f) return -1;
    size_t n = fread(out, 1, cap - 1, f);
    out[n] = 0;
    int st = pclose(f);
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

int count_in_log(const char *log, const char *what) {
    FILE *f = fopen(log, "r");
    if (!f) return 0;
    char line[4096];
    int n = 0;
    while (fgets(line, sizeof(line), f)) n += strstr(line, what) != NULL;
    fclose(f);
    return n;
}

redisReply *get_reply(redisContext *c) {
    redisReply *r = NULL;
    if (redisGetReply(c, (void **)&r) != REDIS_OK) return NULL;
    return r;
}

void flush_pipeline(redisContext *c) {
    int done = 0;
    while (!done) CHECK(redisBufferWrite(c, &done) == REDIS_OK);
}

static pid_t redis_pids[8];
static int nredis;

static void kill_redis_all(void) {
    for (int i = 0; i < nredis; i++) {
        kill(redis_pids[i], SIGKILL);
        waitpid(redis_pids[i], NULL, 0);
    }
}

redisContext *redis_start(void) {
    if (nredis == 8) return NULL;
    int port = free_port();
    char portstr[16];
    snprintf(portstr, sizeof(portstr), "%d", port);
    pid_t pid = fork();
    if (pid == 0) {
        int fd = open("/dev/null", O_WRONLY);
        dup2(fd, 1);
        execlp("redis-server", "redis-server", "--port", portstr, "--bind", "127.0.0.1",
               "--save", "", "--appendonly", "no", (char *)NULL);
        _exit(127);
    }
    if (pid < 0) return NULL;
    if (!nredis) atexit(kill_redis_all);
    redis_pids[nredis++] = pid;
    for (int i = 0; i < 100; i++) {
        redisContext *c = redisConnect("127.0.0.1", port);
        if (c && !c->err) {
            redisReply *r = redisCommand(c, "PING");
            int ok = r && r->type == REDIS_REPLY_STATUS;
            if (r) freeReplyObject(r);
            if (ok) return c;
        }
        if (c) redisFree(c);
        usleep(50000);
    }
    return NULL;
}

int check_error_prefix(const char *file, int line, redisReply *r, const char *prefix) {
    int bad = !r || r->type != REDIS_REPLY_ERROR || strncmp(r->str, prefix, strlen(prefix));
    if (bad) fprintf(stderr, "%s:%d: expected -%s..., got %s\n", file, line, prefix, reply_str(r));
    if (r) freeReplyObject(r);
    return bad;
}
