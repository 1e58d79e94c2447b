/* log.h -- the process log, in Redis's format:
 *     pid:role DD Mon YYYY HH:MM:SS.mmm <marker> message
 * with markers '.' debug, '-' verbose, '*' notice, '#' warning.
 *
 * Owns: the log destination (stdout or a file) and the level.
 * Threads: any; each line is one write(2), so lines never interleave.
 */
#ifndef SB_LOG_H
#define SB_LOG_H

enum { LOG_DEBUG = 0, LOG_VERBOSE = 1, LOG_NOTICE = 2, LOG_WARNING = 3 };

/* path NULL or "" logs to stdout. Returns 0, or -1 with errno set. */
int sb_log_open(const char *path);
void sb_log_set_level(int level);
int sb_log_level(void);
/* role: 'M' main/I/O thread, 'E' engine, 'W' WAL writer ... */
void sb_log_set_role(char role);
void sb_log(int level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
