/* test_guards.c -- coffer's LimitMemory / LimitDisk: maxmemory with
 * noeviction refuses commands that may grow memory (reads and deletes go
 * on), min-free-disk refuses writes while the disk is short and lets them
 * resume by themselves. */
#include "harness.h"

#include <stdlib.h>
#include <unistd.h>

/* Send `command` (no arguments to format) every 20 ms until its reply
 * begins with `want` as reply_str prints it ("+OK", "-MISCONF"), for up to
 * 5 s: the server samples memory and free disk space every 100 ms, later
 * on a loaded machine. Returns the last reply (NULL: connection error),
 * for the caller to check; only replies not beginning with `want` are
 * dropped, so `command` must change nothing when it gets one of those. */
static redisReply *cmd_until(redisContext *c, const char *command, const char *want) {
    double deadline = clock_s() + 5;
    for (;;) {
        redisReply *r = cmd(c, command);
        if (!r || !strncmp(reply_str(r), want, strlen(want)) || clock_s() > deadline) return r;
        freeReplyObject(r);
        usleep(20 * 1000);
    }
}

static void test_maxmemory(void) {
    sb_server *s = srv_start("--maxmemory", "24mb", "--appendonly", "no", NULL);
    redisContext *c = srv_connect(s);
    size_t vlen = 1024 * 1024;
    char *val = malloc(vlen);
    memset(val, 'v', vlen);
    int oom_at = -1;
    for (int i = 0; i < 100; i++) {
        redisReply *r = cmd(c, "SET big:%d %b", i, val, vlen);
        if (r && r->type == REDIS_REPLY_ERROR) {
            CHECK(!strcmp(r->str, "OOM command not allowed when used memory > 'maxmemory'."));
            freeReplyObject(r);
            oom_at = i;
            break;
        }
        CHECK(r && r->type == REDIS_REPLY_STATUS);
        if (r) freeReplyObject(r);
        usleep(120 * 1000); /* used memory is sampled every 100 ms */
    }
    CHECK(oom_at > 5 && oom_at < 60);
    /* well below what is used now, so that buffers coming and going around
     * the limit cannot let a sample fall under it */
    CHECK_STATUS(cmd(c, "CONFIG SET maxmemory 4mb"), "OK");
    usleep(250 * 1000);
    /* reads, deletes and commands that don't grow memory still work */
    redisReply *r = cmd(c, "GET big:0");
    CHECK(r && r->type == REDIS_REPLY_STRING && r->len == vlen);
    if (r) freeReplyObject(r);
    CHECK_INT(cmd(c, "EXISTS big:1"), 1);
    CHECK_ERROR(cmd(c, "APPEND big:0 x"), "OOM command not allowed when used memory > 'maxmemory'.");
    /* free memory: writes come back */
    CHECK_STATUS(cmd(c, "CONFIG SET maxmemory 24mb"), "OK");
    for (int i = 0; i < oom_at; i++) CHECK_INT(cmd(c, "DEL big:%d", i), 1);
    /* (refused with OOM, changing nothing, until the next sample) */
    CHECK_STATUS(cmd_until(c, "SET small v", "+OK"), "OK");
    /* and the limit can be lifted at run time */
    CHECK_STATUS(cmd(c, "CONFIG SET maxmemory 0"), "OK");
    CHECK_STATUS(cmd(c, "SET big:0 %b", val, vlen), "OK");
    CHECK_ERROR(cmd(c, "CONFIG SET maxmemory-policy allkeys-lru"),
                "ERR CONFIG SET failed (possibly related to argument 'maxmemory-policy') - argument(s) must be one of the following: noeviction");
    free(val);
    redisFree(c);
    srv_stop(s);
}

static void test_min_free_disk(void) {
    /* far more free space than any disk has: writes are refused */
    sb_server *s = srv_start("--min-free-disk", "1000000gb", NULL);
    redisContext *c = srv_connect(s);
    /* the check runs every 100 ms: until its first run a write goes
     * through, so wait for it with one that changes nothing (DEL of a
     * missing key: any write is refused) */
    redisReply *r = cmd_until(c, "DEL k", "-MISCONF");
    CHECK(r && r->type == REDIS_REPLY_ERROR && !strncmp(r->str, "MISCONF ", 8));
    if (r) freeReplyObject(r);
    r = cmd(c, "SET k v");
    CHECK(r && r->type == REDIS_REPLY_ERROR &&
          !strncmp(r->str, "MISCONF Not enough free disk space in ", 38) &&
          strstr(r->str, "min-free-disk is 1073741824000000"));
    if (r) freeReplyObject(r);
    CHECK_NIL(cmd(c, "GET k"));       /* reads are served */
    CHECK_INT(cmd(c, "DBSIZE"), 0);
    /* space "returns": writes resume by themselves */
    CHECK_STATUS(cmd(c, "CONFIG SET min-free-disk 1mb"), "OK");
    /* (refused with MISCONF, changing nothing, until the next check) */
    CHECK_STATUS(cmd_until(c, "SET k v", "+OK"), "OK");
    CHECK_BULK(cmd(c, "GET k"), "v");
    redisFree(c);
    srv_stop(s);
    /* the log said so, with the directory */
    char line[512], cmdline[400];
    snprintf(cmdline, sizeof(cmdline), "grep -c 'below min-free-disk' %s", s->log);
    run_capture(cmdline, line, sizeof(line));
    CHECK(atoi(line) >= 1);
}

/* two servers on one data directory would interleave their WALs */
static void test_dir_lock(void) {
    sb_server *a = srv_start(NULL);
    int status = 0;
    sb_server *b = srv_try_start_in(a->dir, NULL, &status);
    CHECK(b == NULL);
    CHECK(status != 0);
    char line[512], cmdline[400];
    snprintf(cmdline, sizeof(cmdline), "grep -c 'is in use by another strongbox-server (pid %d)' %s",
             (int)a->pid, a->log);
    run_capture(cmdline, line, sizeof(line));
    CHECK(atoi(line) == 1);
    redisContext *c = srv_connect(a); /* the first one is unharmed */
    CHECK_STATUS(cmd(c, "SET k v"), "OK");
    redisFree(c);
    srv_stop(a);
    b = srv_start_in(a->dir, NULL); /* free again once it stopped */
    c = srv_connect(b);
    CHECK_BULK(cmd(c, "GET k"), "v");
    redisFree(c);
    srv_stop(b);
}

int main(void) {
    test_dir_lock();
    test_maxmemory();
    test_min_free_disk();
    TU_DONE();
}
