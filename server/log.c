/* log.c -- Redis-style log lines, one write(2) per line. */
#include "log.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

static atomic_int log_fd = 1;
static atomic_int log_level = LOG_NOTICE;
static _Thread_local char log_role = 'M';

int sb_log_open(const char *path) {
    if (!path || !*path) {
        atomic_store(&log_fd, 1);
        return 0;
    }
    int fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0) return -1;
    int old = atomic_exchange(&log_fd, fd);
    if (old > 2) close(old);
    return 0;
}

void sb_log_set_level(int level) { atomic_store(&log_level, level); }
int sb_log_level(void) { return atomic_load(&log_level); }
void sb_log_set_role(char role) { log_role = role; }

void sb_log(int level, const char *fmt, ...) {
    if (level < atomic_load(&log_level)) return;
    char line[1024];
    struct timeval tv;
    struct tm tm;
    gettimeofday(&tv, NULL);
    localtime_r(&tv.tv_sec, &tm);
    int n = snprintf(line, sizeof(line), "%d:%c ", (int)getpid(), log_role);
    n += (int)strftime(line + n, sizeof(line) - (size_t)n, "%d %b %Y %H:%M:%S", &tm);
    n += snprintf(line + n, sizeof(line) - (size_t)n, ".%03d %c ",
                  (int)(tv.tv_usec / 1000), ".-*#"[level & 3]);
    va_list ap;
    va_start(ap, fmt);
    int m = vsnprintf(line + n, sizeof(line) - (size_t)n - 1, fmt, ap);
    va_end(ap);
    if (m < 0) m = 0;
    n += m;
    if (n > (int)sizeof(line) - 2) n = (int)sizeof(line) - 2;
    line[n++] = '\n';
    int fd = atomic_load(&log_fd);
    ssize_t w;
    do w = write(fd, line, (size_t)n); while (w < 0 && errno == EINTR);
}
