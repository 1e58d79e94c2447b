/* slowlog.h -- SLOWLOG: the last N commands slower than a threshold.
 *
 * Owns: a bounded list of entries (id, time, duration, argv truncated like
 * Redis: at most 32 arguments, each at most 128 bytes, client address and
 * name).
 * Threads: engine thread only.
 */
#ifndef SLOWLOG_H
#define SLOWLOG_H

#include <stddef.h>
#include <stdint.h>
#include "engine.h"

typedef struct eng_slowlog eng_slowlog;

eng_slowlog *eng_slowlog_create(void);
void eng_slowlog_destroy(eng_slowlog *s);
void eng_slowlog_add(eng_slowlog *s, const eng_ctx *x, int64_t dur_us,
                     size_t max_len);
eng_slowlog *eng_get_slowlog(eng_engine *e);

/* The SLOWLOG command (GET [count], LEN, RESET, HELP). */
void eng_cmd_slowlog(eng_ctx *x);

#endif
