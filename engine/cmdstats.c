/* cmdstats.c -- counters behind INFO commandstats and errorstats.
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

void eng_cmdstats_free(eng_cmdstats *s) { free(s); }

void eng_cmdstats_reset(eng_cmdstats *s) { memset(s, 0, sizeof(*s)); }

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

void eng_cmdstats_call(eng_cmdstats *s, const eng_cmd *cmd, int64_t usec) {
    eng_cmdstat *st = find(s, cmd);
    if (!st) return;
    st->calls++;
    st->usec += usec > 0 ? (uint64_t)usec : 0;
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
