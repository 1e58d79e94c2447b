/* fuzz_wal.c -- the WAL segment reader (wal_read_segment, the part of
 * wal_scan that checks one segment held in memory) on arbitrary bytes.
 *
 * Input: byte 0 holds flags, the rest is the segment file.
 *   bit 0  repair the checksums first (header CRC, and the CRC of every
 *          record whose length fits), so the fuzzer gets past them to the
 *          framing and LSN rules; bit 1 also rewrites each record's LSN to
 *          the one expected (the records are then intact, to the first
 *          bad length)
 *   bit 2  the segment is the last one (a defect may be a torn tail)
 *   bit 3  a previous segment was read (the LSN expected is byte 1 + 1)
 *   bit 4  records up to LSN byte 1 are covered by a checkpoint
 * The file name's first LSN is the one in the header (bytes 16..23) when
 * bit 5 is set, else 1.
 *
 * Checked: the result is 0, -1 with a message naming the file, or the
 * callback's value; records come in consecutive LSN order, each inside the
 * buffer (every byte read under ASan), none at or below the covered LSN;
 * a torn tail lies inside the file and only in the last segment; nothing
 * but preallocated zeros follows the torn bytes or the last record; the
 * counts add up; nothing leaks.
 */
#include "fuzz.h"
#include "util.h"
#include "wal.h"

#include <string.h>

#define PATH "fuzz/wal-00000000000000000001.log"

typedef struct {
    const unsigned char *buf;
    size_t len;
    uint64_t next, count, after;
    unsigned sum;
} ctx;

static int on_record(void *ud, uint64_t lsn, int type, const void *body, size_t len,
                     const char *path, uint64_t offset) {
    ctx *c = ud;
    FUZZ_CHECK(strcmp(path, PATH) == 0);
    FUZZ_CHECK(lsn > c->after);
    FUZZ_CHECK(c->next == 0 || lsn == c->next);
    FUZZ_CHECK(offset >= WAL_HEADER_SIZE && offset + WAL_REC_HEADER + WAL_REC_MIN_BODY + len <= c->len);
    FUZZ_CHECK((const unsigned char *)body == c->buf + offset + WAL_REC_HEADER + WAL_REC_MIN_BODY);
    FUZZ_CHECK(type == c->buf[offset + WAL_REC_HEADER + 8]);
    c->sum += fuzz_touch(body, len);
    c->next = lsn + 1;
    c->count++;
    return 0;
}

/* Bit 0/1 of the flags: make checksums (and LSNs) right. */
static void repair(unsigned char *b, size_t len, uint64_t lsn, int fix_lsn) {
    if (len < WAL_HEADER_SIZE) return;
    sb_put32(b + 28, wal_crc32c(b, 28));
    for (size_t off = WAL_HEADER_SIZE; len - off >= WAL_REC_HEADER + WAL_REC_MIN_BODY;) {
        uint32_t blen = sb_get32(b + off);
        if (blen < WAL_REC_MIN_BODY || blen > len - off - WAL_REC_HEADER) break;
        if (fix_lsn) sb_put64(b + off + WAL_REC_HEADER, lsn++);
        sb_put32(b + off + 4, wal_crc32c(b + off + WAL_REC_HEADER, blen));
        off += WAL_REC_HEADER + blen;
    }
}

static int zeros(const unsigned char *p, size_t n) {
    for (size_t i = 0; i < n; i++)
        if (p[i]) return 0;
    return 1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size < 2) return 0;
    unsigned flags = data[0];
    unsigned char *buf = fuzz_dup(data + 2, size - 2);
    size_t len = size - 2;

    wal_segment_info s;
    memset(&s, 0, sizeof(s));
    snprintf(s.path, sizeof(s.path), "%s", PATH);
    s.first_lsn = (flags & 0x20) && len >= 24 ? sb_get64(buf + 16) : 1;
    int last = !!(flags & 4);
    uint64_t expect = flags & 8 ? (uint64_t)data[1] + 1 : 0;
    uint64_t after = flags & 0x10 ? data[1] : 0;
    if (flags & 1) repair(buf, len, s.first_lsn, flags & 2);

    wal_scan_result res;
    memset(&res, 0, sizeof(res));
    ctx c = {buf, len, 0, 0, after, 0};
    char err[1024] = "";
    int rc = wal_read_segment(buf, len, "fuzz", last, after, &expect, on_record, &c, &s, &res,
                              err, sizeof(err));
    if (fuzz_verbose())
        fprintf(stderr, "wal_read_segment: %d, %llu records, torn %d at %llu: %s\n", rc,
                (unsigned long long)s.records, res.torn, (unsigned long long)res.torn_offset, err);
    FUZZ_CHECK(rc == 0 || rc == -1);
    if (rc == -1) {
        FUZZ_CHECK(strncmp(err, PATH ": ", strlen(PATH) + 2) == 0);
    } else {
        FUZZ_CHECK(s.bytes <= len);
        FUZZ_CHECK(s.last_lsn + 1 - s.first_lsn == s.records);
        FUZZ_CHECK(c.count <= s.records);
        if (!res.torn || res.torn_offset) FUZZ_CHECK(expect == s.last_lsn + 1);
        if (res.torn) {
            FUZZ_CHECK(last);
            FUZZ_CHECK(strcmp(res.torn_path, PATH) == 0);
            /* the torn bytes run to the last non-zero one: after them
             * only preallocated zeros (none after an incomplete header) */
            size_t end = (size_t)(res.torn_offset + res.torn_bytes);
            FUZZ_CHECK(end <= len && zeros(buf + end, len - end));
            if (res.torn_offset == 0) FUZZ_CHECK(end == len);
            else FUZZ_CHECK(res.torn_bytes > 0 && buf[end - 1] != 0);
            FUZZ_CHECK(res.torn_offset == 0 ? s.records == 0 : res.torn_offset == s.bytes);
        } else {
            /* the records, then nothing but preallocated zeros */
            FUZZ_CHECK(s.bytes <= len && zeros(buf + s.bytes, len - s.bytes));
        }
        if (s.records) FUZZ_CHECK(res.last_lsn == s.last_lsn);
    }
    if (c.sum == 0xFFFFFFFFu) fputc(0, stderr); /* keep the reads */
    free(buf);
    return 0;
}
