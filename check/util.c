/* util.c -- printing helpers shared by the subcommands: bytes as text or
 * JSON, times, and the repair command to name after a refusal. */
#include "check.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

void chk_print_bytes(const char *p, size_t n, size_t max, int json) {
    size_t show = max && n > max ? max : n;
    if (json) putchar('"');
    for (size_t i = 0; i < show; i++) {
        unsigned char c = (unsigned char)p[i];
        if (json && (c == '"' || c == '\\')) printf("\\%c", c);
        else if (c >= 32 && c < 127) putchar(c);
        else if (json) printf("\\u%04x", c);
        else printf("\\x%02x", c);
    }
    if (show < n) printf("...(%zu bytes)", n);
    if (json) putchar('"');
}

void chk_fmt_time(int64_t ms, char out[32]) {
    time_t s = (time_t)(ms / 1000);
    struct tm tm;
    gmtime_r(&s, &tm);
    size_t n = strftime(out, 32, "%Y-%m-%d %H:%M:%S", &tm);
    snprintf(out + n, 32 - n, ".%03d", (int)(ms % 1000 + 1000) % 1000);
}

void chk_suggest_repair(const char *dir, const char *err, uint64_t last_lsn) {
    if (strstr(err, "strongbox-check repair")) return;
    if (last_lsn)
        printf("repair: 'strongbox-check repair %s --to-lsn %llu' keeps everything up to LSN %llu "
               "(what is readable before the damage) and moves the rest to side files.\n",
               dir, (unsigned long long)last_lsn, (unsigned long long)last_lsn);
    else
        printf("repair: nothing before the damage is readable. Restore a backup, or "
               "'strongbox-check repair %s --to-lsn 0' to start empty (every file is moved "
               "to a side file, nothing is deleted).\n", dir);
}
