/* main.c -- strongbox-check's command line: the subcommand table, the
 * options every subcommand shares, and --help for each. */
#include "check.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

typedef struct subcmd {
    const char *name;
    chk_cmd_fn *fn;
    int npos;
    const char *usage;
    const char *help;
} subcmd;

static const subcmd subcmds[] = {
    {"list", chk_list, 1, "list DIR [--quiet]",
     "Every checkpoint and WAL segment of DIR: LSN range, records, size, time range, and\n"
     "whether a start needs it; then the state a server started on DIR would recover\n"
     "to (last LSN, keys per db, functions, digest)."},
    {"verify", chk_verify, 1, "verify DIR [--replay] [--databases N] [--quiet]",
     "Check every header, checksum and LSN continuity as a server start would.\n"
     "--replay also re-executes everything in memory (FCALL effects digests included)\n"
     "and reports the key counts and a digest of the dataset.\n"
     "Exit 0: a start recovers everything; 1: only a torn tail would be cut;\n"
     "2: a server would refuse to start (the reason and the repair command are printed)."},
    {"dump", chk_dump, 1, "dump FILE [--from-lsn N] [--to-lsn M] [--json]",
     "The records of a WAL segment (LSN, time, db, command, arguments) or the entries of\n"
     "a checkpoint (db, key, value, expiry, function libraries). Values are shortened\n"
     "to 64 bytes unless --json, which prints one JSON object per line."},
    {"repair", chk_repair, 1, "repair DIR [--truncate-torn] [--to-lsn N | --to-time T] [--yes]",
     "--truncate-torn cuts a torn tail (what the server does at start).\n"
     "--to-lsn N keeps the history up to LSN N; --to-time T up to the last change at or\n"
     "before T (unix seconds, fractions allowed, or YYYY-MM-DDTHH:MM:SS in UTC).\n"
     "What is dropped is shown first and kept: cut bytes go to <file>.dropped-<offset>,\n"
     "whole files are renamed to <file>.dropped-0. It asks before changing anything\n"
     "unless --yes; when stdin is not a terminal --yes is required. Stop the server first."},
    {"backup", chk_backup, 2, "backup DIR DEST [--quiet]",
     "Copy what recovery needs (the newest checkpoint and the WAL after it) from DIR to\n"
     "the new directory DEST, then verify the copy. Safe while a server runs on DIR:\n"
     "checkpoints are immutable once renamed, segments only grow while it runs, and a\n"
     "file removed by a newer checkpoint meanwhile makes the copy start over. The copy\n"
     "holds a prefix of the acknowledged writes (a torn last record is cut)."},
    {"export", chk_export, 1, "export DIR [--db N] [--databases N]",
     "The recovered dataset as RESP commands for 'redis-cli --pipe': FUNCTION LOAD\n"
     "REPLACE for every library, SCRIPT LOAD for cached scripts, then per db SELECT and\n"
     "SET key value [PXAT ms]. Keys already expired are left out."},
};
#define NSUB (sizeof(subcmds) / sizeof(subcmds[0]))

static void usage(FILE *f) {
    fprintf(f, "strongbox-check %s: inspect, verify, repair, back up and export a strongbox "
            "data directory\n\nusage:\n", SB_VERSION);
    for (size_t i = 0; i < NSUB; i++) fprintf(f, "  strongbox-check %s\n", subcmds[i].usage);
    fprintf(f, "\n'strongbox-check SUBCOMMAND --help' explains one. Exit codes: 0 ok, 1 torn "
            "tail only, 2 refused or failed, 64 usage.\n");
}

static int num(const char *s, uint64_t *v) {
    char *end;
    if (!s || !*s || *s == '-') return -1;
    *v = strtoull(s, &end, 10);
    return *end ? -1 : 0;
}

/* T: unix seconds (with a fraction) or YYYY-MM-DDTHH:MM:SS (UTC). */
static int parse_time(const char *s, int64_t *ms) {
    struct tm tm = {0};
    const char *end = s ? strptime(s, "%Y-%m-%dT%H:%M:%S", &tm) : NULL;
    if (end && !*end) {
        *ms = (int64_t)timegm(&tm) * 1000;
        return 0;
    }
    char *e;
    double d = s ? strtod(s, &e) : 0;
    if (!s || !*s || *e || d < 0) return -1;
    *ms = (int64_t)(d * 1000.0 + 0.5);
    return 0;
}

int main(int argc, char **argv) {
    if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") ||
        !strcmp(argv[1], "help")) {
        usage(argc < 2 ? stderr : stdout);
        return argc < 2 ? CHK_USAGE : CHK_OK;
    }
    if (!strcmp(argv[1], "--version")) {
        printf("strongbox-check %s\n", SB_VERSION);
        return CHK_OK;
    }
    const subcmd *sc = NULL;
    for (size_t i = 0; i < NSUB; i++)
        if (!strcmp(argv[1], subcmds[i].name)) sc = &subcmds[i];
    if (!sc) {
        fprintf(stderr, "strongbox-check: unknown subcommand '%s'\n\n", argv[1]);
        usage(stderr);
        return CHK_USAGE;
    }
    chk_opts o = {.db = -1};
    for (int i = 2; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        uint64_t n;
        if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            printf("usage: strongbox-check %s\n\n%s\n", sc->usage, sc->help);
            return CHK_OK;
        } else if (!strcmp(a, "--quiet") || !strcmp(a, "-q")) o.quiet = 1;
        else if (!strcmp(a, "--yes") || !strcmp(a, "-y")) o.yes = 1;
        else if (!strcmp(a, "--json")) o.json = 1;
        else if (!strcmp(a, "--replay")) o.replay = 1;
        else if (!strcmp(a, "--truncate-torn")) o.truncate_torn = 1;
        else if (!strcmp(a, "--from-lsn") && num(v, &o.from_lsn) == 0) o.have_from = 1, i++;
        else if (!strcmp(a, "--to-lsn") && num(v, &o.to_lsn) == 0) o.have_to = 1, i++;
        else if (!strcmp(a, "--to-time") && parse_time(v, &o.to_time_ms) == 0) o.have_time = 1, i++;
        else if (!strcmp(a, "--db") && num(v, &n) == 0 && n < 1u << 20) o.db = (int)n, i++;
        else if (!strcmp(a, "--databases") && num(v, &n) == 0 && n > 0 && n < 1u << 20)
            o.databases = (int)n, i++;
        else if (a[0] == '-' && a[1]) {
            fprintf(stderr, "strongbox-check %s: bad option '%s'%s\nusage: strongbox-check %s\n",
                    sc->name, a, v ? "" : " (or its value is missing)", sc->usage);
            return CHK_USAGE;
        } else if (o.npos < 4) o.pos[o.npos++] = a;
    }
    if (o.npos != sc->npos || (o.have_to && o.have_time)) {
        fprintf(stderr, "usage: strongbox-check %s\n", sc->usage);
        return CHK_USAGE;
    }
    return sc->fn(&o);
}
