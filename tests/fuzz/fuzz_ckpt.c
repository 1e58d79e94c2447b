/* fuzz_ckpt.c -- the checkpoint reader (ckpt_read_fd, what ckpt_read runs
 * on the opened file) on arbitrary bytes, from a memfd.
 *
 * Input: byte 0 holds flags, the rest is the checkpoint file.
 *   bit 0  repair the checksums first: the header CRC, every block's CRC
 *          (for each block whose length fits in the file) and the
 *          trailer's, so the fuzzer reaches the entries inside blocks
 *   bit 1  also write the real block count into the trailer
 *
 * Checked: the result is 0, -1 with a message naming the file, or the
 * callback's value; every entry handed out lies inside what was read
 * (every byte touched under ASan) and names a db below the header's count;
 * on success the entry count matches the callbacks; nothing leaks.
 */
#include "fuzz.h"
#include "util.h"
#include "ckpt.h"
#include "wal.h"

#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#define PATH "fuzz/ckpt-00000000000000000001.sbc"

typedef struct {
    uint32_t databases;
    uint64_t entries, bytes;
    unsigned sum;
} ctx;

static int on_entry(void *ud, uint32_t db, int type, int64_t expire_ms, const char *key,
                    size_t klen, const char *val, size_t vlen) {
    ctx *c = ud;
    (void)expire_ms;
    FUZZ_CHECK(db < c->databases);
    FUZZ_CHECK(type >= 0 && type <= 255);
    c->sum += fuzz_touch(key, klen) + fuzz_touch(val, vlen);
    c->bytes += klen + vlen;
    c->entries++;
    return 0;
}

static void repair(unsigned char *b, size_t len, int fix_count) {
    if (len < CKPT_HEADER_SIZE) return;
    sb_put32(b + 60, wal_crc32c(b, 60));
    uint64_t blocks = 0;
    for (size_t off = CKPT_HEADER_SIZE; len - off >= 8;) {
        uint32_t blen = sb_get32(b + off);
        if (blen == 0) {
            if (len - off < 32) break;
            if (fix_count) sb_put64(b + off + 16, blocks);
            sb_put32(b + off + 4, wal_crc32c(b + off + 8, 24));
            break;
        }
        if (blen > len - off - 8) break;
        sb_put32(b + off + 4, wal_crc32c(b + off + 8, blen));
        off += 8 + blen;
        blocks++;
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    static int fd = -1;
    if (size < 1) return 0;
    if (fd < 0 && (fd = memfd_create("fuzz_ckpt", MFD_CLOEXEC)) < 0) abort();
    unsigned char *buf = fuzz_dup(data + 1, size - 1);
    size_t len = size - 1;
    if (data[0] & 1) repair(buf, len, data[0] & 2);
    if (ftruncate(fd, 0) != 0 || pwrite(fd, buf, len, 0) != (ssize_t)len ||
        lseek(fd, 0, SEEK_SET) != 0)
        abort();

    ctx c = {len >= 16 ? sb_get32(buf + 12) : 0, 0, 0, 0};
    ckpt_info info;
    char err[1024] = "";
    int rc = ckpt_read_fd(fd, PATH, on_entry, &c, &info, err, sizeof(err));
    if (fuzz_verbose())
        fprintf(stderr, "ckpt_read_fd: %d, %llu entries: %s\n", rc,
                (unsigned long long)c.entries, err);
    FUZZ_CHECK(rc == 0 || rc == -1);
    if (rc == -1) {
        FUZZ_CHECK(strncmp(err, PATH ": ", strlen(PATH) + 2) == 0);
    } else {
        FUZZ_CHECK(info.entries == c.entries);
        FUZZ_CHECK(info.databases == c.databases);
        FUZZ_CHECK(info.bytes <= len);
        FUZZ_CHECK(c.bytes <= len);
    }
    if (c.sum == 0xFFFFFFFFu) fputc(0, stderr); /* keep the reads */
    free(buf);
    return 0;
}
