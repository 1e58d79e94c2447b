/* cmdstats.c -- counters behind INFO commandstats, errorstats and
 * latencystats.
 *
 * Why a table keyed by the command entry's address: the command table is
 * const (shared by every engine, and by strongbox-check's replay), and a
 * command resolved for execution is already that pointer, so counting a
 * call costs a multiply, a shift and, almost always, one probe. The table
 * has room for four times the commands there are, so it never fills; if
 * it ever did, further commands would go uncounted rather than slow down.
 */
#include "cmdstats.h"

#include <stdlib.h>
#include <string.h>

#define SLOTS 2048 /* a power of 2 */
#define CODE_MAX 32

struct eng_cmdstats {
    eng_cmdstat slot[SLOTS];
    size_t used;
    struct {
        char code[CODE_MAX];
        uint64_t count;
    } err[ERRSTATS_MAX];
    size_t nerr;
};

eng_cmdstats *eng_cmdstats_new(void) {
    eng_cmdstats *s = calloc(1, sizeof(*s));
    if (!s) abort();
    return s;
}

static void free_hists(eng_cmdstats *s) {
    for (size_t i = 0; i < SLOTS; i++) free(s->slot[i].lat);
}

void eng_cmdstats_free(eng_cmdstats *s) {
    free_hists(s);
    free(s);
}

void eng_cmdstats_reset(eng_cmdstats *s) {
    free_hists(s);
    memset(s, 0, sizeof(*s));
}

/* ----------------------------------------------------- latency histogram
 *
 * Log-linear buckets, as HdrHistogram's (Redis's) but fixed: exact below
 * 32 us, then for [2^e, 2^(e+1)) 32 buckets of 2^(e-5) us each. Counting a
 * call is a count-leading-zeros and an increment in 8 KB per command,
 * allocated at its first tracked call. */
#define LAT_SUB 32
#define LAT_MAX_US ((UINT64_C(1) << 36) - 1)

static size_t lat_bucket(uint64_t us) {
    if (us > LAT_MAX_US) us = LAT_MAX_US;
    if (us < LAT_SUB) return (size_t)us;
    int e = 63 - __builtin_clzll(us); /* 5..35 */
    return (size_t)(LAT_SUB + (e - 5) * LAT_SUB + (int)((us >> (e - 5)) - LAT_SUB));
}

/* The largest value that falls in bucket i. */
static uint64_t lat_top(size_t i) {
    if (i < LAT_SUB) return i;
    size_t e = (i - LAT_SUB) / LAT_SUB + 5, sub = (i - LAT_SUB) % LAT_SUB;
    return ((LAT_SUB + sub + 1) << (e - 5)) - 1;
}

double eng_cmdstat_percentile(const eng_cmdstat *st, double pct) {
    if (!st->lat || !st->tracked) return 0;
    if (pct < 0) pct = 0;
    if (pct > 100) pct = 100;
    /* the smallest bucket that holds at least pct% of the calls (at least
     * one: p0 is the fastest call's bucket) */
    double want = (double)st->tracked * pct / 100.0;
    uint64_t need = (uint64_t)want;
    if ((double)need < want || need == 0) need++;
    uint64_t seen = 0;
    for (size_t i = 0; i < CMDSTAT_LAT_BUCKETS; i++) {
        seen += st->lat[i];
        if (seen >= need) return (double)lat_top(i);
    }
    return (double)LAT_MAX_US;
}

size_t eng_cmdstat_cdf(const eng_cmdstat *st, uint64_t *bound, uint64_t *count, size_t max) {
    size_t n = 0, i = 0;
    uint64_t seen = 0, prev = 0;
    if (!st->lat) return 0;
    for (int k = 0; k <= 36 && n < max; k++) {
        uint64_t b = UINT64_C(1) << k; /* the calls under b us: buckets ending by b - 1 */
        while (i < CMDSTAT_LAT_BUCKETS && lat_top(i) < b) seen += st->lat[i++];
        if (seen > prev) {
            bound[n] = b;
            count[n++] = seen;
        }
        prev = seen;
    }
    return n;
}

static eng_cmdstat *find(eng_cmdstats *s, const eng_cmd *cmd) {
    size_t i = (size_t)(((uintptr_t)cmd * 0x9E3779B97F4A7C15ull) >> 40) & (SLOTS - 1);
    for (size_t probes = 0; probes < SLOTS; probes++, i = (i + 1) & (SLOTS - 1)) {
        if (s->slot[i].cmd == cmd) return &s->slot[i];
        if (!s->slot[i].cmd) {
            if (s->used >= SLOTS * 3 / 4) return NULL;
            s->used++;
            s->slot[i].cmd = cmd;
            return &s->slot[i];
        }
    }
    return NULL;
}

void eng_cmdstats_call(eng_cmdstats *s, const eng_cmd *cmd, int64_t usec, int track) {
    eng_cmdstat *st = find(s, cmd);
    if (!st) return;
    uint64_t us = usec > 0 ? (uint64_t)usec : 0;
    st->calls++;
    st->usec += us;
    if (!track) return;
    if (!st->lat) {
        st->lat = calloc(CMDSTAT_LAT_BUCKETS, sizeof(*st->lat));
        if (!st->lat) return; /* (untracked rather than fail the command) */
    }
    st->lat[lat_bucket(us)]++;
    st->tracked++;
}

void eng_cmdstats_error(eng_cmdstats *s, const eng_cmd *cmd, int ran, const char *reply,
                        size_t len) {
    if (cmd) {
        eng_cmdstat *st = find(s, cmd);
        if (st) {
            if (ran) st->failed++;
            else st->rejected++;
        }
    }
    /* the code: the first word after '-' (as Redis, "ERR" when none) */
    size_t n = 0;
    if (len && reply[0] == '-') {
        reply++;
        len--;
        while (n < len && n < CODE_MAX - 1 && reply[n] != ' ' && reply[n] != '\r') n++;
    }
    if (!n) {
        reply = "ERR";
        n = 3;
    }
    for (size_t i = 0; i < s->nerr; i++)
        if (strlen(s->err[i].code) == n && !memcmp(s->err[i].code, reply, n)) {
            s->err[i].count++;
            return;
        }
    if (s->nerr == ERRSTATS_MAX) return;
    memcpy(s->err[s->nerr].code, reply, n);
    s->err[s->nerr].code[n] = '\0';
    s->err[s->nerr++].count = 1;
}

static int by_name(const void *a, const void *b) {
    return strcmp(((const eng_cmdstat *)a)->cmd->name, ((const eng_cmdstat *)b)->cmd->name);
}

eng_cmdstat *eng_cmdstats_list(const eng_cmdstats *s, size_t *n) {
    eng_cmdstat *out = malloc((s->used ? s->used : 1) * sizeof(*out));
    if (!out) abort();
    *n = 0;
    for (size_t i = 0; i < SLOTS; i++)
        if (s->slot[i].cmd && (s->slot[i].calls || s->slot[i].rejected || s->slot[i].failed))
            out[(*n)++] = s->slot[i];
    qsort(out, *n, sizeof(*out), by_name);
    return out;
}

const char *eng_errstat(const eng_cmdstats *s, size_t i, uint64_t *count) {
    if (i >= s->nerr) return NULL;
    *count = s->err[i].count;
    return s->err[i].code;
}
