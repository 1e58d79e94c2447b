/* progress.c -- a one-line progress bar on stderr for long work (verify,
 * replay, backup, export): drawn only when stderr is a terminal and
 * --quiet is not given, at most ten times a second. */
#include "check.h"
#include "util.h"

#include <stdio.h>
#include <unistd.h>

static struct {
    int on;
    const char *what;
    uint64_t total;
    int64_t last_us;
} bar;

void chk_progress_begin(const chk_opts *o, const char *what, uint64_t total) {
    bar.on = !o->quiet && isatty(2);
    bar.what = what;
    bar.total = total;
    bar.last_us = 0;
}

void chk_progress(uint64_t done) {
    if (!bar.on) return;
    int64_t now = sb_mono_us();
    if (now - bar.last_us < 100000) return;
    bar.last_us = now;
    double f = bar.total ? (double)done / (double)bar.total : 0;
    if (f > 1) f = 1;
    int w = (int)(f * 30);
    fprintf(stderr, "\r%-10s [%.*s%*s] %5.1f%%", bar.what, w, "##############################",
            30 - w, "", 100 * f);
}

void chk_progress_end(void) {
    if (bar.on) fprintf(stderr, "\r%60s\r", "");
    bar.on = 0;
}

static void on_progress(void *ud, eng_engine *e, uint64_t lsn) {
    (void)ud;
    (void)lsn;
    if (e) chk_progress(eng_loading(e)->done_bytes);
}

rec_hooks chk_progress_hooks(void) {
    rec_hooks h = {.progress = on_progress, .quiet = 1};
    return h;
}
