/* ckpt.c -- incremental, versioned checkpoints (no fork, no copy).
 *
 * Why not fork(): under a write load every page the parent touches is
 * copied, and the peak memory approaches twice the dataset. Instead the
 * engine thread walks the tables itself, a little between batches, with
 * kv_scan (which returns every entry present for the whole walk, even
 * across rehashing). Each table carries the checkpoint's epoch; an entry
 * is saved once, either by the walk or — if a command is about to change
 * or delete it first — as a pre-image right before the change. Entries
 * created after the start carry the epoch already and are skipped. So the
 * file holds exactly the state at the start LSN, and the extra memory is
 * only the blocks waiting for the writer thread.
 *
 * FLUSHDB/FLUSHALL during a walk hand the whole table to the job (see
 * eng_ks_flush), SWAPDB needs nothing: the walk follows table objects, and
 * each remembers the db index it had at the start.
 */
#include "util.h"
#include "ckpt.h"
#include "wal.h"
#include "script.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <uv.h>

static const char CKPT_MAGIC[8] = {'S', 'B', 'C', 'K', 'P', 'T', '\r', '\n'};
#define BLOCK_TARGET (256 * 1024)
#define QUEUE_MAX (32u * 1024 * 1024) /* pause the walk above this backlog */


/* ------------------------------------------------------------ listing */

static int cmp_desc(const void *a, const void *b) {
    const ckpt_file *x = a, *y = b;
    return x->lsn > y->lsn ? -1 : x->lsn < y->lsn;
}

int ckpt_list(const char *dir, ckpt_file **out, size_t *n) {
    *out = NULL;
    *n = 0;
    DIR *d = opendir(dir);
    if (!d) return errno == ENOENT ? 0 : -1;
    size_t cap = 0;
    struct dirent *de;
    while ((de = readdir(d))) {
        unsigned long long lsn;
        char tail[8];
        if (strlen(de->d_name) != 29 ||
            sscanf(de->d_name, "ckpt-%20llu.%3s", &lsn, tail) != 2 || strcmp(tail, "sbc"))
            continue;
        if (*n == cap) {
            cap = cap ? cap * 2 : 8;
            *out = realloc(*out, cap * sizeof(**out));
            if (!*out) abort();
        }
        ckpt_file *f = &(*out)[(*n)++];
        snprintf(f->path, sizeof(f->path), "%s/%s", dir, de->d_name);
        f->lsn = lsn;
        struct stat st;
        f->size = stat(f->path, &st) == 0 ? (uint64_t)st.st_size : 0;
    }
    closedir(d);
    if (*n > 1) qsort(*out, *n, sizeof(**out), cmp_desc);
    return 0;
}

void ckpt_remove_temps(const char *dir) {
    DIR *d = opendir(dir);
    if (!d) return;
    struct dirent *de;
    while ((de = readdir(d))) {
        size_t l = strlen(de->d_name);
        if (l > 8 && !strncmp(de->d_name, "ckpt-", 5) && !strcmp(de->d_name + l - 8, ".sbc.tmp")) {
            char p[600];
            snprintf(p, sizeof(p), "%s/%s", dir, de->d_name);
            unlink(p);
        }
    }
    closedir(d);
}

/* ------------------------------------------------------------ reading */

static int read_exact(int fd, void *p, size_t n) {
    char *c = p;
    while (n) {
        ssize_t r = read(fd, c, n);
        if (r < 0 && errno == EINTR) continue;
        if (r <= 0) return -1;
        c += r;
        n -= (size_t)r;
    }
    return 0;
}

/* The fixed fields of the entry at p, with `left` bytes of its block from p
 * on. Returns NULL if the entry is well formed, else what is wrong. The
 * lengths are compared with what is left in size_t: klen + 4 must not wrap
 * in 32 bits (found by fuzz_ckpt). */
typedef struct entry_hdr {
    int type;
    uint32_t db, klen, vlen;
    int64_t expire_ms;
} entry_hdr;

static const char *parse_entry(const unsigned char *p, size_t left, uint32_t databases,
                               uint32_t version, entry_hdr *e) {
    memset(e, 0, sizeof(*e));
    if (left < 21) return "entry header cut short";
    e->type = p[0];
    e->db = sb_get32(p + 1);
    e->expire_ms = (int64_t)sb_get64(p + 5);
    e->klen = sb_get32(p + 13);
    if (left - 21 < e->klen) return "key length past the block";
    e->vlen = sb_get32(p + 17 + e->klen);
    if (left - 21 - e->klen < e->vlen) return "value length past the block";
    if (e->db >= databases) return "db index out of range";
    if (e->type != ENG_TYPE_STRING &&
        !(version >= 2 && (e->type == CKPT_TYPE_LIBRARY || e->type == CKPT_TYPE_SCRIPT)))
        return "unknown entry type";
    return NULL;
}

int ckpt_read(const char *path, ckpt_entry_fn *fn, void *ud, ckpt_info *info,
              char *err, size_t errlen) {
    memset(info, 0, sizeof(*info));
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        snprintf(err, errlen, "can't open %s: %s", path, strerror(errno));
        return -1;
    }
    int rc = ckpt_read_fd(fd, path, fn, ud, info, err, errlen);
    close(fd);
    return rc;
}

int ckpt_read_fd(int fd, const char *path, ckpt_entry_fn *fn, void *ud, ckpt_info *info,
                 char *err, size_t errlen) {
    memset(info, 0, sizeof(*info));
    struct stat st;
    uint64_t fsize = fstat(fd, &st) == 0 ? (uint64_t)st.st_size : UINT64_MAX;
    unsigned char h[CKPT_HEADER_SIZE];
    if (read_exact(fd, h, sizeof(h)) != 0 || memcmp(h, CKPT_MAGIC, 8) != 0 ||
        sb_get32(h + 60) != wal_crc32c(h, 60)) {
        snprintf(err, errlen, "%s: bad checkpoint header at offset 0", path);
        return -1;
    }
    uint32_t version = sb_get32(h + 8);
    if (version < 1 || version > CKPT_FORMAT_VERSION) {
        snprintf(err, errlen, "%s: checkpoint format version %u, this server reads version %d",
                 path, version, CKPT_FORMAT_VERSION);
        return -1;
    }
    info->databases = sb_get32(h + 12);
    info->lsn = sb_get64(h + 16);
    info->created_ms = (int64_t)sb_get64(h + 24);
    uint64_t off = CKPT_HEADER_SIZE;
    unsigned char *buf = NULL;
    size_t cap = 0;
    int rc = 0;
    for (;;) {
        unsigned char bh[8];
        if (read_exact(fd, bh, 8) != 0) {
            snprintf(err, errlen, "%s: truncated at offset %llu (no trailer): the checkpoint is incomplete",
                     path, (unsigned long long)off);
            rc = -1;
            break;
        }
        uint32_t len = sb_get32(bh), crc = sb_get32(bh + 4);
        if (len == 0) { /* trailer: u64 entries, u64 blocks, u64 bytes */
            unsigned char t[24];
            if (read_exact(fd, t, 24) != 0 || wal_crc32c(t, 24) != crc ||
                sb_get64(t) != info->entries || sb_get64(t + 8) != info->blocks) {
                snprintf(err, errlen, "%s: bad trailer at offset %llu (expected %llu entries in %llu blocks)",
                         path, (unsigned long long)off, (unsigned long long)info->entries,
                         (unsigned long long)info->blocks);
                rc = -1;
            }
            info->bytes = off + 32;
            break;
        }
        if (len > 1024u * 1024 * 1024 + BLOCK_TARGET) {
            snprintf(err, errlen, "%s: bad block length %u at offset %llu", path, len,
                     (unsigned long long)off);
            rc = -1;
            break;
        }
        if (fsize != UINT64_MAX && (uint64_t)len > fsize - off - 8) {
            /* a damaged length (it has no CRC of its own) or a cut file:
             * don't allocate what the file can't hold */
            snprintf(err, errlen, "%s: damaged block at offset %llu (its length %u goes past the "
                     "end of the file: truncated or damaged)", path, (unsigned long long)off, len);
            rc = -1;
            break;
        }
        if (len > cap) {
            cap = len;
            free(buf);
            buf = malloc(cap);
            if (!buf) abort();
        }
        if (read_exact(fd, buf, len) != 0 || wal_crc32c(buf, len) != crc) {
            snprintf(err, errlen, "%s: damaged block at offset %llu (CRC mismatch or truncated)",
                     path, (unsigned long long)off);
            rc = -1;
            break;
        }
        const unsigned char *p = buf, *end = buf + len;
        const char *why = NULL;
        while (p < end) {
            entry_hdr e;
            if ((why = parse_entry(p, (size_t)(end - p), info->databases, version, &e))) {
                snprintf(err, errlen, "%s: malformed entry at offset %llu in the block at offset "
                         "%llu (%s: type %d, db %u of %u, key length %u, value length %u)", path,
                         (unsigned long long)(off + 8 + (uint64_t)(p - buf)),
                         (unsigned long long)off, why, e.type, e.db, info->databases, e.klen,
                         e.vlen);
                break;
            }
            const char *key = (const char *)p + 17, *val = key + e.klen + 4;
            info->entries++;
            if (fn) {
                int r = fn(ud, e.db, e.type, e.expire_ms, key, e.klen, val, e.vlen);
                if (r) { rc = r; goto out; }
            }
            p += 21 + (size_t)e.klen + e.vlen;
        }
        if (why) {
            rc = -1;
            break;
        }
        info->blocks++;
        off += 8 + len;
    }
out:
    free(buf);
    return rc;
}

uint64_t ckpt_peek_entries(const char *path) {
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return 0;
    struct stat st;
    unsigned char t[32];
    uint64_t n = 0;
    if (fstat(fd, &st) == 0 && st.st_size >= CKPT_HEADER_SIZE + 32 &&
        pread(fd, t, sizeof(t), st.st_size - 32) == (ssize_t)sizeof(t) && sb_get32(t) == 0 &&
        sb_get32(t + 4) == wal_crc32c(t + 8, 24))
        n = sb_get64(t + 8);
    close(fd);
    return n;
}

uint32_t ckpt_peek_databases(const char *path) {
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return 0;
    unsigned char h[CKPT_HEADER_SIZE];
    uint32_t n = 0;
    if (pread(fd, h, sizeof(h), 0) == (ssize_t)sizeof(h) && !memcmp(h, CKPT_MAGIC, 8) &&
        sb_get32(h + 60) == wal_crc32c(h, 60))
        n = sb_get32(h + 12);
    close(fd);
    return n;
}

/* ------------------------------------------------------------ writing */

typedef struct block {
    struct block *next;
    size_t len;
    unsigned char data[]; /* u32 len | u32 crc | payload */
} block;

/* A table of the image and the db index it had at the start. */
typedef struct tref {
    kv_table *t;
    int db;
} tref;

struct ckpt_job {
    eng_keyspace *ks;
    char dir[512], tmp[620], final[600];
    uint64_t lsn;
    uint32_t epoch;
    int ntables;           /* every db of the keyspace, however many */
    kv_table **tables;     /* by db index at the start */
    int *owned;            /* retired by FLUSH: freed by the job */
    tref *by_ptr;          /* the same tables sorted by address */
    int cur;               /* table being walked */
    uint64_t cursor;
    int walk_done;
    resp_buf blk;          /* block being filled (payload after 8 bytes) */
    uint64_t entries, blocks;

    int fd;
    uv_thread_t thread;
    uv_mutex_t mu;
    uv_cond_t cv;
    uv_cond_t drained;     /* the backlog went down (engine may wait on it) */
    block *q_head, *q_tail;
    size_t q_bytes;
    int q_end;             /* the trailer is queued */
    int status;            /* 0 running, 1 done, -1 failed */
    char err[700];
};

static uint32_t next_epoch = 1;

static void blk_reset(ckpt_job *j) {
    j->blk.len = 0;
    resp_buf_reserve(&j->blk, 8);
    j->blk.len = 8;
}

static void push(ckpt_job *j, block *b) {
    uv_mutex_lock(&j->mu);
    /* Pre-images come from commands and cannot wait for the walk to pause:
     * when the disk falls far behind, hold the engine here until the writer
     * catches up, so the backlog (and memory) stays bounded. */
    while (j->q_bytes > 2 * QUEUE_MAX && j->status == 0) uv_cond_wait(&j->drained, &j->mu);
    if (j->q_tail) j->q_tail->next = b;
    else j->q_head = b;
    j->q_tail = b;
    j->q_bytes += b->len;
    uv_cond_signal(&j->cv);
    uv_mutex_unlock(&j->mu);
}

static void seal(ckpt_job *j) {
    if (j->blk.len <= 8) return;
    size_t plen = j->blk.len - 8;
    block *b = malloc(sizeof(block) + j->blk.len);
    if (!b) abort();
    b->next = NULL;
    b->len = j->blk.len;
    memcpy(b->data, j->blk.data, j->blk.len);
    sb_put32(b->data, (uint32_t)plen);
    sb_put32(b->data + 4, wal_crc32c(b->data + 8, plen));
    j->blocks++;
    push(j, b);
    blk_reset(j);
    if (j->blk.cap > 4 * BLOCK_TARGET) {
        resp_buf_free(&j->blk);
        blk_reset(j);
    }
}

static int cmp_tref(const void *a, const void *b) {
    const tref *x = a, *y = b;
    return x->t < y->t ? -1 : x->t > y->t;
}

/* The db index t had at the start, or -1 (binary search: a pre-image must
 * not cost O(databases)). */
static int db_of(ckpt_job *j, kv_table *t) {
    size_t lo = 0, hi = (size_t)j->ntables;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (j->by_ptr[mid].t == t) return j->by_ptr[mid].db;
        if (j->by_ptr[mid].t < t) lo = mid + 1;
        else hi = mid;
    }
    return -1;
}

static void free_tables(ckpt_job *j) {
    free(j->tables);
    free(j->owned);
    free(j->by_ptr);
}

static void save_raw(ckpt_job *j, int type, int db, int64_t expire_ms, const char *key,
                     size_t klen, const char *val, size_t vlen) {
    size_t need = 21 + klen + vlen;
    resp_buf_reserve(&j->blk, need);
    unsigned char *p = (unsigned char *)j->blk.data + j->blk.len;
    p[0] = (unsigned char)type;
    sb_put32(p + 1, (uint32_t)db);
    sb_put64(p + 5, (uint64_t)expire_ms);
    sb_put32(p + 13, (uint32_t)klen);
    memcpy(p + 17, key, klen);
    sb_put32(p + 17 + klen, (uint32_t)vlen);
    memcpy(p + 21 + klen, val, vlen);
    j->blk.len += need;
    j->entries++;
    if (j->blk.len >= BLOCK_TARGET) seal(j);
}

static void save_entry(ckpt_job *j, int db, kv_entry *e) {
    save_raw(j, e->type, db, e->expire_ms, e->key, e->klen, kv_cval(e), e->vlen);
}

static void save_script(void *ud, const char *sha, const char *body, size_t len) {
    save_raw(ud, CKPT_TYPE_SCRIPT, 0, -1, sha, 40, body, len);
}

/* kv pre-image hook: e is about to change; save its state at the LSN. */
static void on_preimage(void *ud, kv_table *t, kv_entry *e) {
    ckpt_job *j = ud;
    int db = db_of(j, t);
    if (db >= 0) save_entry(j, db, e);
}

typedef struct walk_ctx {
    ckpt_job *j;
    kv_table *t;
    int db;
} walk_ctx;

static void on_walk(void *ud, kv_entry *e) {
    walk_ctx *w = ud;
    if (kv_saved(w->t, e, w->j->epoch)) return;
    save_entry(w->j, w->db, e);
    kv_mark(w->t, e);
}

static void on_retire(void *ud, kv_table *t) {
    ckpt_job *j = ud;
    int db = db_of(j, t);
    if (db >= 0) j->owned[db] = 1;
}

static int write_all(int fd, const void *p, size_t n) {
    const char *c = p;
    while (n) {
        ssize_t r = write(fd, c, n);
        if (r < 0 && errno == EINTR) continue;
        if (r <= 0) return -1;
        c += r;
        n -= (size_t)r;
    }
    return 0;
}

static void writer_main(void *arg) {
    ckpt_job *j = arg;
    pthread_setname_np(pthread_self(), "sb-ckpt");
#ifdef SCHED_BATCH
    /* like the engine thread: never preempt the I/O thread on wake-up */
    struct sched_param sp = {0};
    pthread_setschedparam(pthread_self(), SCHED_BATCH, &sp);
#endif
    int failed = 0;
    for (;;) {
        uv_mutex_lock(&j->mu);
        while (!j->q_head && !j->q_end) uv_cond_wait(&j->cv, &j->mu);
        block *b = j->q_head;
        if (b) {
            j->q_head = b->next;
            if (!j->q_head) j->q_tail = NULL;
            j->q_bytes -= b->len;
            if (j->q_bytes <= QUEUE_MAX) uv_cond_signal(&j->drained);
        }
        int end = !b && j->q_end;
        uv_mutex_unlock(&j->mu);
        if (end) break;
        if (!failed && write_all(j->fd, b->data, b->len) != 0) {
            failed = errno ? errno : EIO;
            snprintf(j->err, sizeof(j->err), "write of %s failed: %s", j->tmp, strerror(failed));
        }
        free(b);
    }
    if (!failed) {
        /* the trailer, then make it durable and visible atomically */
        unsigned char t[32];
        sb_put32(t, 0);
        sb_put64(t + 8, j->entries);
        sb_put64(t + 16, j->blocks);
        sb_put64(t + 24, 0);
        sb_put32(t + 4, wal_crc32c(t + 8, 24));
        int dfd = -1;
        if (write_all(j->fd, t, sizeof(t)) != 0 || fdatasync(j->fd) != 0) {
            snprintf(j->err, sizeof(j->err), "write/fsync of %s failed: %s", j->tmp, strerror(errno));
            failed = 1;
        } else if (rename(j->tmp, j->final) != 0) {
            snprintf(j->err, sizeof(j->err), "rename of %s failed: %s", j->tmp, strerror(errno));
            failed = 1;
        } else if ((dfd = open(j->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0 || fsync(dfd) != 0) {
            snprintf(j->err, sizeof(j->err), "fsync of directory %s failed: %s", j->dir, strerror(errno));
            failed = 1;
            /* renamed but maybe not durable: it must not count as a checkpoint */
            unlink(j->final);
        }
        if (dfd >= 0) close(dfd);
    }
    close(j->fd);
    j->fd = -1;
    if (failed) unlink(j->tmp);
    uv_mutex_lock(&j->mu);
    j->status = failed ? -1 : 1;
    uv_cond_broadcast(&j->drained);
    uv_mutex_unlock(&j->mu);
}

ckpt_job *ckpt_start(eng_keyspace *ks, struct scr_vm *vm, const char *dir, uint64_t lsn,
                     char *err, size_t errlen) {
    ckpt_job *j = calloc(1, sizeof(*j));
    if (!j) abort();
    j->ks = ks;
    j->lsn = lsn;
    snprintf(j->dir, sizeof(j->dir), "%s", dir);
    snprintf(j->final, sizeof(j->final), "%s/ckpt-%020llu.sbc", dir, (unsigned long long)lsn);
    snprintf(j->tmp, sizeof(j->tmp), "%s.tmp", j->final);
    j->fd = open(j->tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (j->fd < 0) {
        snprintf(err, errlen, "can't create %s: %s", j->tmp, strerror(errno));
        free(j);
        return NULL;
    }
    j->ntables = eng_ks_count(ks);
    j->tables = calloc((size_t)j->ntables, sizeof(*j->tables));
    j->owned = calloc((size_t)j->ntables, sizeof(*j->owned));
    j->by_ptr = calloc((size_t)j->ntables, sizeof(*j->by_ptr));
    if (!j->tables || !j->owned || !j->by_ptr) abort();
    j->epoch = next_epoch++;
    if (next_epoch == 0) next_epoch = 1;
    for (int i = 0; i < j->ntables; i++) {
        j->tables[i] = eng_ks_db(ks, i);
        j->by_ptr[i] = (tref){j->tables[i], i};
        kv_set_epoch(j->tables[i], j->epoch, on_preimage, j);
    }
    qsort(j->by_ptr, (size_t)j->ntables, sizeof(*j->by_ptr), cmp_tref);
    eng_ks_set_retire(ks, on_retire, j);
    resp_buf_init(&j->blk);
    blk_reset(j);
    unsigned char h[CKPT_HEADER_SIZE];
    memset(h, 0, sizeof(h));
    memcpy(h, CKPT_MAGIC, 8);
    sb_put32(h + 8, CKPT_FORMAT_VERSION);
    sb_put32(h + 12, (uint32_t)j->ntables);
    sb_put64(h + 16, lsn);
    sb_put64(h + 24, (uint64_t)sb_wall_ms());
    sb_put32(h + 60, wal_crc32c(h, 60));
    block *b = malloc(sizeof(block) + sizeof(h));
    if (!b) abort();
    b->next = NULL;
    b->len = sizeof(h);
    memcpy(b->data, h, sizeof(h));
    uv_mutex_init(&j->mu);
    uv_cond_init(&j->cv);
    uv_cond_init(&j->drained);
    push(j, b);
    /* libraries and scripts are small: all of them now, at the LSN */
    for (scr_lib *l = vm ? scr_libs(vm) : NULL; l; l = l->next)
        save_raw(j, CKPT_TYPE_LIBRARY, 0, -1, l->name, strlen(l->name), l->code, l->code_len);
    if (vm) scr_script_each(vm, save_script, j);
    if (uv_thread_create(&j->thread, writer_main, j) != 0) {
        snprintf(err, errlen, "can't start the checkpoint writer thread");
        close(j->fd);
        unlink(j->tmp);
        for (int i = 0; i < j->ntables; i++) kv_set_epoch(j->tables[i], 0, NULL, NULL);
        eng_ks_set_retire(ks, NULL, NULL);
        free(b);
        free_tables(j);
        free(j);
        return NULL;
    }
    return j;
}

uint64_t ckpt_job_lsn(const ckpt_job *j) { return j->lsn; }

/* The walk is over: no more pre-images are needed. */
static void end_walk(ckpt_job *j) {
    seal(j);
    for (int i = 0; i < j->ntables; i++)
        if (!j->owned[i]) kv_set_epoch(j->tables[i], 0, NULL, NULL);
    eng_ks_set_retire(j->ks, NULL, NULL);
    uv_mutex_lock(&j->mu);
    j->q_end = 1;
    uv_cond_signal(&j->cv);
    uv_mutex_unlock(&j->mu);
    j->walk_done = 1;
}

int ckpt_step(ckpt_job *j, long budget_us) {
    if (j->walk_done) return 1;
    uv_mutex_lock(&j->mu);
    size_t backlog = j->q_bytes;
    uv_mutex_unlock(&j->mu);
    if (backlog > QUEUE_MAX) return 0; /* let the disk catch up */
    int64_t deadline = sb_mono_us() + budget_us;
    while (j->cur < j->ntables) {
        walk_ctx w = {j, j->tables[j->cur], j->cur};
        j->cursor = kv_scan_n(w.t, j->cursor, KV_SCAN_CHUNK, on_walk, &w);
        if (j->cursor == 0) j->cur++;
        if (sb_mono_us() > deadline) return 0;
    }
    end_walk(j);
    return 1;
}

int ckpt_poll(ckpt_job *j) {
    uv_mutex_lock(&j->mu);
    int s = j->status;
    uv_mutex_unlock(&j->mu);
    return s;
}

int ckpt_finish(ckpt_job *j, ckpt_info *info, char *err, size_t errlen) {
    while (!j->walk_done)
        if (!ckpt_step(j, 1000000)) usleep(1000); /* backlog: let the writer catch up */
    uv_thread_join(&j->thread);
    int ok = j->status == 1;
    if (info) {
        memset(info, 0, sizeof(*info));
        info->lsn = j->lsn;
        info->entries = j->entries;
        info->blocks = j->blocks;
        info->databases = (uint32_t)j->ntables;
        struct stat st;
        if (ok && stat(j->final, &st) == 0) info->bytes = (uint64_t)st.st_size;
    }
    if (!ok) snprintf(err, errlen, "%s", j->err);
    for (int i = 0; i < j->ntables; i++)
        if (j->owned[i]) kv_destroy(j->tables[i]);
    resp_buf_free(&j->blk);
    uv_cond_destroy(&j->cv);
    uv_mutex_destroy(&j->mu);
    free_tables(j);
    free(j);
    return ok ? 0 : -1;
}
