/* test_recovery.c -- recovery reads only what it needs: with keep-wal yes,
 * WAL segments wholly covered by the checkpoint are kept on disk but not
 * read, so damage in them does not stop a start that does not depend on
 * them; damage in a segment it does need still does. And while a start
 * recovers, the network is up: commands get -LOADING, INFO persistence
 * says loading:1 with an ETA (what ioredis waits on), then all is there.
 * CONFIG SET appendonly switches the WAL at run time without a gap a
 * start would refuse and without losing an acknowledged write. */
#include "harness.h"
#include "testfs.h"

#include <dirent.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* The oldest wal-*.log of dir (by name = by first LSN). */
static int oldest_segment(const char *dir, char *out, size_t cap) {
    DIR *d = opendir(dir);
    if (!d) return -1;
    struct dirent *de;
    char best[300] = "";
    while ((de = readdir(d)))
        if (!strncmp(de->d_name, "wal-", 4) && strstr(de->d_name, ".log") &&
            strlen(de->d_name) == 28 && (!best[0] || strcmp(de->d_name, best) < 0))
            snprintf(best, sizeof(best), "%s", de->d_name);
    closedir(d);
    if (!best[0]) return -1;
    snprintf(out, cap, "%s/%s", dir, best);
    return 0;
}

static void flip_middle_byte(const char *path) {
    size_t len;
    unsigned char *b = read_all(path, &len);
    CHECK(b && len > 200);
    if (!b) return;
    b[len / 2] ^= 0x5a;
    write_file(path, b, len);
    free(b);
}

/* An INFO persistence field's value ("" if missing). */
static void info_field(redisContext *c, const char *name, char *out, size_t cap) {
    redisReply *r = cmd(c, "INFO persistence");
    out[0] = 0;
    const char *p = r && r->type == REDIS_REPLY_STRING ? strstr(r->str, name) : NULL;
    if (p && p[strlen(name)] == ':') {
        p += strlen(name) + 1;
        size_t n = strcspn(p, "\r\n");
        snprintf(out, cap, "%.*s", (int)(n < cap ? n : cap - 1), p);
    }
    if (r) freeReplyObject(r);
}

/* 2048 WAL records replayed with key-load-delay 1000 (1 ms each, about
 * 2 s in all). */
static void t_loading(void) {
    const char *dir = new_dir();
    sb_server *s = srv_start_in(dir, NULL);
    redisContext *c = srv_connect(s);
    for (int i = 0; i < 2048; i++) redisAppendCommand(c, "SET lk%d v%d", i, i);
    for (int i = 0; i < 2048; i++) CHECK_STATUS(get_reply(c), "OK");
    redisFree(c);
    srv_kill(s); /* no checkpoint at stop: the start replays the WAL */

    const char *args[] = {"--key-load-delay", "1000", NULL};
    double t0 = clock_s();
    s = srv_start_loading_in(dir, args);
    c = srv_connect(s);
    CHECK_ERROR(cmd(c, "GET lk0"), "LOADING Strongbox is loading the dataset in memory");
    char v[64];
    info_field(c, "loading", v, sizeof(v));
    CHECK_MSG(!strcmp(v, "1"), "loading:%s during the start", v);
    info_field(c, "loading_eta_seconds", v, sizeof(v));
    CHECK(v[0] >= '0' && v[0] <= '9');
    int pong = 0;
    while (!pong && clock_s() - t0 < 60) {
        redisReply *r = cmd(c, "PING");
        pong = r && r->type == REDIS_REPLY_STATUS && !strcmp(r->str, "PONG");
        CHECK(pong || (r && r->type == REDIS_REPLY_ERROR && !strncmp(r->str, "LOADING ", 8)));
        if (r) freeReplyObject(r);
        if (!pong) usleep(20000);
    }
    CHECK(pong);
    CHECK(clock_s() - t0 > 1.0); /* the delay was applied: 2048 x 1 ms */
    info_field(c, "loading", v, sizeof(v));
    CHECK_MSG(!strcmp(v, "0"), "loading:%s after it", v);
    CHECK_INT(cmd(c, "DBSIZE"), 2048);
    CHECK_BULK(cmd(c, "GET lk2047"), "v2047");
    redisFree(c);
    srv_stop(s);
    drop_dir(dir);
}

/* CONFIG SET appendonly at run time. yes: a checkpoint of the memory,
 * then the WAL from the next LSN (a SIGKILL after it keeps everything);
 * no: the WAL is closed with what it held fsynced -- every reply sent
 * before is durable -- and later changes live in memory only; no then yes
 * again leaves a gap in the LSNs of the kept segments (keep-wal yes) that
 * the new checkpoint covers, so the start does not refuse. */
static void t_appendonly_switch(void) {
    const char *dir = new_dir();
    const char *off[] = {"--appendonly", "no", NULL};
    /* (inline-batch 0: the writes pipelined before CONFIG SET run in the
     * same engine wake-up as it, their records not yet with the writer) */
    const char *keep[] = {"--keep-wal", "yes", "--inline-batch", "0", NULL};
    char v[64];
    sb_server *s = srv_start_in(dir, off);
    redisContext *c = srv_connect(s);
    CHECK_STATUS(cmd(c, "SET a 1"), "OK");
    CHECK_ERROR(cmd(c, "SAVE"), "ERR checkpoints need appendonly yes");
    CHECK_STATUS(cmd(c, "CONFIG SET appendonly yes"), "OK");
    info_field(c, "aof_enabled", v, sizeof(v));
    CHECK_MSG(!strcmp(v, "1"), "aof_enabled %s after CONFIG SET appendonly yes", v);
    redisReply *r = cmd(c, "CONFIG GET appendonly");
    CHECK(r && r->type == REDIS_REPLY_ARRAY && r->elements == 2 && !strcmp(r->element[1]->str, "yes"));
    if (r) freeReplyObject(r);
    CHECK_STATUS(cmd(c, "CONFIG SET appendonly yes"), "OK"); /* again: nothing to do */
    CHECK_STATUS(cmd(c, "SET b 2"), "OK");
    redisFree(c);
    srv_kill(s);

    s = srv_start_in(dir, keep);
    c = srv_connect(s);
    CHECK_BULK(cmd(c, "GET a"), "1");
    CHECK_BULK(cmd(c, "GET b"), "2");
    /* off, with 200 writes pipelined before it (6 KB: one read, one
     * wake-up): all acknowledged, all kept */
    for (int i = 0; i < 200; i++) redisAppendCommand(c, "SET p%d %d", i, i);
    redisAppendCommand(c, "CONFIG SET appendonly no");
    for (int i = 0; i < 200; i++) CHECK_STATUS(get_reply(c), "OK");
    CHECK_STATUS(get_reply(c), "OK");
    info_field(c, "aof_enabled", v, sizeof(v));
    CHECK_MSG(!strcmp(v, "0"), "aof_enabled %s after CONFIG SET appendonly no", v);
    CHECK_ERROR(cmd(c, "WAITAOF 1 0 0"),
                "ERR WAITAOF cannot be used when numlocal is set but appendonly is disabled.");
    CHECK_STATUS(cmd(c, "SET c 3"), "OK");       /* memory only */
    redisFree(c);
    srv_kill(s);

    s = srv_start_in(dir, keep);
    c = srv_connect(s);
    CHECK_BULK(cmd(c, "GET p0"), "0");
    CHECK_BULK(cmd(c, "GET p199"), "199");
    CHECK_INT(cmd(c, "DBSIZE"), 202);           /* a, b and p*, not c */
    CHECK_STATUS(cmd(c, "CONFIG SET appendonly no"), "OK");
    CHECK_STATUS(cmd(c, "SET c 3"), "OK");       /* memory only, then in the checkpoint */
    CHECK_STATUS(cmd(c, "CONFIG SET appendonly yes"), "OK");
    CHECK_STATUS(cmd(c, "SET d 4"), "OK");
    CHECK_STATUS(cmd(c, "MULTI"), "OK");
    CHECK_STATUS(cmd(c, "SET e 5"), "QUEUED");
    CHECK_STATUS(cmd(c, "CONFIG SET appendonly no"), "QUEUED");
    r = cmd(c, "EXEC");
    CHECK(r && r->type == REDIS_REPLY_ARRAY && r->elements == 2 &&
          r->element[1]->type == REDIS_REPLY_ERROR &&
          strstr(r->element[1]->str, "inside a transaction after it changed data"));
    if (r) freeReplyObject(r);
    info_field(c, "aof_enabled", v, sizeof(v));
    CHECK_MSG(!strcmp(v, "1"), "aof_enabled %s after a refused switch", v);
    CHECK_STATUS(cmd(c, "CONFIG SET appendonly no"), "OK");
    CHECK_STATUS(cmd(c, "SET f 6"), "OK");       /* memory only */
    redisFree(c);
    srv_kill(s);

    s = srv_start_in(dir, keep);
    c = srv_connect(s);
    CHECK_INT(cmd(c, "EXISTS a b c d e"), 5);
    CHECK_INT(cmd(c, "EXISTS f"), 0);
    CHECK_BULK(cmd(c, "GET p0"), "0");
    CHECK_BULK(cmd(c, "GET p199"), "199");
    CHECK_INT(cmd(c, "DBSIZE"), 205);
    redisFree(c);
    srv_stop(s);
    drop_dir(dir);
}

int main(void) {
    t_loading();
    t_appendonly_switch();
    const char *args[] = {"--keep-wal", "yes", "--wal-segment-size", "4096", NULL};
    const char *dir = new_dir();

    /* 300 keys across many small segments, a checkpoint, 50 more keys */
    sb_server *s = srv_start_in(dir, args);
    redisContext *c = srv_connect(s);
    for (int i = 0; i < 300; i++) CHECK_STATUS(cmd(c, "SET k%d v%d", i, i), "OK");
    CHECK_STATUS(cmd(c, "SAVE"), "OK");
    for (int i = 300; i < 350; i++) CHECK_STATUS(cmd(c, "SET k%d v%d", i, i), "OK");
    redisFree(c);
    srv_kill(s); /* no final checkpoint: the last 50 keys live only in the WAL */

    /* damage the oldest segment: the checkpoint covers it */
    char seg[400];
    CHECK(oldest_segment(dir, seg, sizeof(seg)) == 0);
    flip_middle_byte(seg);
    s = srv_start_in(dir, args);
    c = srv_connect(s);
    CHECK_INT(cmd(c, "DBSIZE"), 350);
    CHECK_BULK(cmd(c, "GET k0"), "v0");
    CHECK_BULK(cmd(c, "GET k349"), "v349");
    redisFree(c);
    srv_kill(s);

    /* without the checkpoint the damaged segment is needed: refuse */
    DIR *d = opendir(dir);
    struct dirent *de;
    char path[600];
    while (d && (de = readdir(d)))
        if (!strncmp(de->d_name, "ckpt-", 5)) {
            snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
            unlink(path);
        }
    if (d) closedir(d);
    int status = 0;
    s = srv_try_start_in(dir, args, &status);
    CHECK(s == NULL);
    CHECK(status != 0);
    if (s) srv_kill(s);
    drop_dir(dir);
    TU_DONE();
}
