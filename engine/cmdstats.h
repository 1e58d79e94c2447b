/* cmdstats.h -- INFO commandstats, errorstats and latencystats: per
 * command, how often it ran, for how long, how often it was refused before
 * it ran (arity, auth, limits, OOM, MISCONF, ...) or failed while running
 * (an error reply), and (latency-tracking) a histogram of its run times for
 * percentiles; and every error reply counted by its first word (ERR,
 * WRONGTYPE, ...).
 *
 * Owns: the counters, keyed by the command table's entries (a subcommand
 * such as config|get has its own). Commands called by scripts are counted
 * in the FCALL, EVAL or EVALSHA that called them, not in their own entry
 * (Redis counts them in both), so that usec_per_call stays the time of a
 * client's call. Like Redis, at most ERRSTATS_MAX distinct error codes are
 * kept; after that, errorstats stops growing (counts of known codes go on).
 *
 * Threads: the engine's commands run either on the engine thread or inline
 * on the I/O thread while the engine thread is idle, never both at once:
 * that exclusion is the only lock. INFO, a command, reads them the same way.
 */
#ifndef CMDSTATS_H
#define CMDSTATS_H

#include <stddef.h>
#include <stdint.h>
#include "engine.h"

#define ERRSTATS_MAX 128

/* Run times: one bucket per microsecond below 32, then 32 buckets per
 * power of 2 up to 2^36 us (within about 3%: what INFO latencystats
 * reports is the top of the bucket a percentile falls in). */
#define CMDSTAT_LAT_BUCKETS 1024

typedef struct eng_cmdstat {
    const eng_cmd *cmd;
    uint64_t calls, usec, rejected, failed;
    uint64_t *lat;      /* CMDSTAT_LAT_BUCKETS counts, from the first tracked call */
    uint64_t tracked;   /* calls counted in lat */
} eng_cmdstat;

typedef struct eng_cmdstats eng_cmdstats;

eng_cmdstats *eng_cmdstats_new(void);
void eng_cmdstats_free(eng_cmdstats *s);
void eng_cmdstats_reset(eng_cmdstats *s);

/* cmd ran for usec microseconds; track: into its latency histogram too. */
void eng_cmdstats_call(eng_cmdstats *s, const eng_cmd *cmd, int64_t usec, int track);
/* An error reply (reply: its first bytes, "-CODE message\r\n") to cmd
 * (NULL: an unknown command), which ran (failed) or did not (rejected). */
void eng_cmdstats_error(eng_cmdstats *s, const eng_cmd *cmd, int ran, const char *reply,
                        size_t len);

/* The run time (us) under which pct percent of st's tracked calls fell (the
 * top of that histogram bucket); 0 if none was tracked. */
double eng_cmdstat_percentile(const eng_cmdstat *st, double pct);

/* LATENCY HISTOGRAM's cumulative distribution: at powers of two b = 1, 2,
 * 4, ... 2^36 us, the calls that took less than b us, where that count
 * grew (at most max points). Returns the number of points. */
size_t eng_cmdstat_cdf(const eng_cmdstat *st, uint64_t *bound, uint64_t *count, size_t max);

/* The counters of every command with any, sorted by name; *n set. The
 * array is the caller's to free; its histograms are valid until the next
 * call or reset. */
eng_cmdstat *eng_cmdstats_list(const eng_cmdstats *s, size_t *n);
/* The i-th error code seen (i < count): its name, and *count. NULL past
 * the end. */
const char *eng_errstat(const eng_cmdstats *s, size_t i, uint64_t *count);

eng_cmdstats *eng_get_cmdstats(eng_engine *e);

#endif
