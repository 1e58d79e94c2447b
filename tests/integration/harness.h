/* harness.h -- start a real strongbox-server on a free loopback port and
 * talk to it with hiredis (RESP2) or a raw socket (any bytes, RESP3).
 *
 * Every server started here is killed when the test exits (atexit), and
 * has a private temporary data directory.
 */
#ifndef HARNESS_H
#define HARNESS_H

#include <hiredis/hiredis.h>
#include <stddef.h>
#include <sys/types.h>

#include "testutil.h"

/* SB_ASAN (0 or 1): built with AddressSanitizer, like the server under
 * test (one build has both); gcc says __SANITIZE_ADDRESS__, clang
 * __has_feature. */
#if defined(__SANITIZE_ADDRESS__)
#define SB_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define SB_ASAN 1
#endif
#endif
#ifndef SB_ASAN
#define SB_ASAN 0
#endif

typedef struct sb_server {
    pid_t pid;
    int port;
    char dir[256];
    char log[300];
} sb_server;

/* Start a server with extra "--name value" arguments (NULL-terminated
 * list). Aborts the test if it does not answer PING within 10 s. */
sb_server *srv_start(const char *arg, ...);
sb_server *srv_startv(const char **args);
/* Start a server on an existing data directory (a restart after srv_kill
 * or srv_stop, or a directory the test prepared); its log is appended to
 * <dir>/server.log. Waits for +PONG, i.e. until recovery is over.
 * srv_try_start_in returns NULL with *status = the exit status (128+signal
 * if killed by one, -1 if it never answered) when the server exits instead
 * of serving (e.g. it refuses a damaged WAL); srv_start_in aborts the test
 * then. Both register the server (and so its directory) for the clean-up
 * at exit. */
sb_server *srv_try_start_in(const char *dir, const char **args, int *status);
sb_server *srv_start_in(const char *dir, const char **args);
/* The same, but returns at the first reply to PING, -LOADING included: to
 * see a start while it recovers. */
sb_server *srv_start_loading_in(const char *dir, const char **args);
void srv_stop(sb_server *s);            /* SIGTERM, wait */
void srv_kill(sb_server *s);            /* SIGKILL, wait */
int srv_alive(sb_server *s);
long srv_rss_kb(sb_server *s);

redisContext *srv_connect(sb_server *s); /* aborts on failure */
/* A redis-server (Debian's) on a free loopback port, without persistence,
 * killed at exit: a connection to it, or NULL if it did not start. */
redisContext *redis_start(void);
/* The next reply of a pipeline (NULL on an error of the connection). */
redisReply *get_reply(redisContext *c);
/* Write all of c's pending output (pipelined commands) without reading. */
void flush_pipeline(redisContext *c);
/* Lines of the file log (a server's log) that contain what (0 if none or no file). */
int count_in_log(const char *log, const char *what);

/* Run a command (printf-style like redisCommand) and check the reply. */
redisReply *cmd(redisContext *c, const char *fmt, ...);
/* Wait (up to 60 s) until no BGSAVE runs: its checkpoint file exists once
 * this returns 1 (0, with a message: still running, or INFO failed). */
int srv_wait_bgsave(redisContext *c);
#define CHECK_STATUS(r, s) do { redisReply *_r = (r); \
    if (!_r || _r->type != REDIS_REPLY_STATUS || strcmp(_r->str, (s))) { \
    fprintf(stderr, "%s:%d: expected +%s, got %s\n", __FILE__, __LINE__, (s), \
    reply_str(_r)); tu_failures++; } if (_r) freeReplyObject(_r); } while (0)
#define CHECK_ERROR(r, s) do { redisReply *_r = (r); \
    if (!_r || _r->type != REDIS_REPLY_ERROR || strcmp(_r->str, (s))) { \
    fprintf(stderr, "%s:%d: expected -%s, got %s\n", __FILE__, __LINE__, (s), \
    reply_str(_r)); tu_failures++; } if (_r) freeReplyObject(_r); } while (0)
#define CHECK_INT(r, v) do { redisReply *_r = (r); \
    if (!_r || _r->type != REDIS_REPLY_INTEGER || _r->integer != (v)) { \
    fprintf(stderr, "%s:%d: expected :%lld, got %s\n", __FILE__, __LINE__, \
    (long long)(v), reply_str(_r)); tu_failures++; } if (_r) freeReplyObject(_r); } while (0)
#define CHECK_BULK(r, s) do { redisReply *_r = (r); \
    if (!_r || _r->type != REDIS_REPLY_STRING || _r->len != strlen(s) || \
    memcmp(_r->str, (s), _r->len)) { fprintf(stderr, "%s:%d: expected $%s, got %s\n", \
    __FILE__, __LINE__, (s), reply_str(_r)); tu_failures++; } \
    if (_r) freeReplyObject(_r); } while (0)
#define CHECK_NIL(r) do { redisReply *_r = (r); \
    if (!_r || _r->type != REDIS_REPLY_NIL) { fprintf(stderr, \
    "%s:%d: expected nil, got %s\n", __FILE__, __LINE__, reply_str(_r)); \
    tu_failures++; } if (_r) freeReplyObject(_r); } while (0)

/* Is r an error reply starting with prefix? 0 if so, else 1 with a message
 * (r is freed). CHECK_ERR_PREFIX counts the failure in the test's own
 * tu_failures (testutil.h's counter is per file). */
int check_error_prefix(const char *file, int line, redisReply *r, const char *prefix);
#define CHECK_ERR_PREFIX(r, p) (tu_failures += check_error_prefix(__FILE__, __LINE__, (r), (p)))

/* A printable description of a reply (static buffer). */
const char *reply_str(const redisReply *r);
/* The same into buf (thread-safe; reply_str has one static buffer). */
void reply_describe(const redisReply *r, char *buf, size_t cap);

/* Raw sockets: send bytes, read what arrives until `timeout_ms` passes
 * with nothing new or the peer closes. */
int raw_connect(sb_server *s);
void raw_send(int fd, const void *p, size_t n);
/* Reads until at least `want` bytes arrived, the peer closed, or timeout.
 * Returns bytes read into buf (NUL-terminated), sets *closed. */
size_t raw_read(int fd, char *buf, size_t cap, size_t want, int timeout_ms,
                int *closed);

/* Run a shell command, capture stdout (up to cap-1 bytes). Returns exit
 * status. */
int run_capture(const char *cmdline, char *out, size_t cap);

/* Seconds on the monotonic clock, for timing what the client sees. */
double clock_s(void);

#endif
