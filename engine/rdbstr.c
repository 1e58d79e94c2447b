/* rdbstr.c -- DUMP payloads of strings (see rdbstr.h).
 *
 * Why a file of its own: the payload is Redis's format, not ours (our
 * files are described in WAL_FORMAT.md and CKPT_FORMAT.md); this is the
 * one place that reads and writes it: a CRC-64, RDB string lengths, and
 * the LZF decompressor Redis uses for long strings.
 */
#include "rdbstr.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---------------------------------------------------------- CRC-64 */

/* Jones polynomial 0xad93d23594c935a9, reflected (as Redis's crc64.c:
 * crc64("123456789") == 0xe9c6d914c4b8d9ca), a byte at a time. */
static uint64_t crc_table[256];

static void crc_init(void) {
    for (unsigned i = 0; i < 256; i++) {
        uint64_t c = i;
        for (int k = 0; k < 8; k++) c = (c & 1) ? (c >> 1) ^ 0x95ac9329ac4bc9b5ULL : c >> 1;
        crc_table[i] = c;
    }
}

uint64_t rdbstr_crc64(uint64_t crc, const void *p, size_t n) {
    static pthread_once_t once = PTHREAD_ONCE_INIT;
    pthread_once(&once, crc_init);
    const uint64_t *table = crc_table;
    const unsigned char *b = p;
    for (size_t i = 0; i < n; i++) crc = table[(crc ^ b[i]) & 0xff] ^ (crc >> 8);
    return crc;
}

/* ------------------------------------------------------------ write */

static size_t len_size(size_t n) {
    return n < 64 ? 1 : n < 16384 ? 2 : n <= UINT32_MAX ? 5 : 9;
}

size_t rdbstr_dump_size(size_t n) { return 1 + len_size(n) + n + 2 + 8; }

size_t rdbstr_dump(const char *val, size_t n, char *out) {
    unsigned char *o = (unsigned char *)out;
    size_t k = 0;
    o[k++] = 0; /* RDB_TYPE_STRING */
    if (n < 64) {
        o[k++] = (unsigned char)n;
    } else if (n < 16384) {
        o[k++] = (unsigned char)(0x40 | (n >> 8));
        o[k++] = (unsigned char)(n & 0xff);
    } else {
        int bytes = n <= UINT32_MAX ? 4 : 8;
        o[k++] = bytes == 4 ? 0x80 : 0x81;
        for (int i = bytes - 1; i >= 0; i--) o[k++] = (unsigned char)((uint64_t)n >> (8 * i));
    }
    memcpy(o + k, val, n);
    k += n;
    o[k++] = RDBSTR_VERSION & 0xff;
    o[k++] = RDBSTR_VERSION >> 8;
    uint64_t crc = rdbstr_crc64(0, o, k);
    for (int i = 0; i < 8; i++) o[k++] = (unsigned char)(crc >> (8 * i));
    return k;
}

/* ------------------------------------------------------------- read */

typedef struct reader {
    const unsigned char *p, *end;
} reader;

/* An RDB length: 0, or -1 when it does not fit; *special: the 11xxxxxx
 * form, whose low 6 bits are the encoding (*len). */
static int read_len(reader *r, uint64_t *len, int *special) {
    *special = 0;
    if (r->p >= r->end) return -1;
    unsigned b = *r->p++;
    switch (b >> 6) {
    case 0:
        *len = b & 0x3f;
        return 0;
    case 1:
        if (r->p >= r->end) return -1;
        *len = ((uint64_t)(b & 0x3f) << 8) | *r->p++;
        return 0;
    case 2: {
        int bytes = b == 0x80 ? 4 : b == 0x81 ? 8 : 0;
        if (!bytes || r->end - r->p < bytes) return -1;
        *len = 0;
        for (int i = 0; i < bytes; i++) *len = (*len << 8) | *r->p++;
        return 0;
    }
    default:
        *special = 1;
        *len = b & 0x3f;
        return 0;
    }
}

/* LZF (liblzf's format): literal runs and back references. */
static int lzf_expand(const unsigned char *in, size_t inlen, unsigned char *out, size_t outlen) {
    const unsigned char *ip = in, *iend = in + inlen;
    size_t op = 0;
    while (ip < iend) {
        unsigned ctrl = *ip++;
        if (ctrl < 32) { /* ctrl + 1 literal bytes */
            size_t n = ctrl + 1;
            if ((size_t)(iend - ip) < n || outlen - op < n) return -1;
            memcpy(out + op, ip, n);
            ip += n;
            op += n;
            continue;
        }
        size_t n = ctrl >> 5;
        if (n == 7) {
            if (ip >= iend) return -1;
            n += *ip++;
        }
        if (ip >= iend) return -1;
        size_t back = ((size_t)(ctrl & 0x1f) << 8) + *ip++ + 1;
        n += 2;
        if (back > op || outlen - op < n) return -1;
        for (size_t i = 0; i < n; i++, op++) out[op] = out[op - back]; /* may overlap */
    }
    return op == outlen ? 0 : -1;
}

/* -1: bad format, -4: longer than max */
static int read_string(reader *r, size_t max, char **val, size_t *n) {
    uint64_t len;
    int special;
    if (read_len(r, &len, &special)) return -1;
    if (special && len <= 2) { /* an integer, 1, 2 or 4 bytes little-endian */
        int bytes = 1 << len;
        if (r->end - r->p < bytes) return -1;
        uint32_t u = 0;
        for (int i = 0; i < bytes; i++) u |= (uint32_t)r->p[i] << (8 * i);
        r->p += bytes;
        long long v = bytes == 1 ? (int8_t)u : bytes == 2 ? (int16_t)u : (int32_t)u;
        *val = malloc(24);
        if (!*val) abort();
        *n = (size_t)snprintf(*val, 24, "%lld", v);
        return 0;
    }
    if (special && len == 3) { /* LZF: compressed length, length, data */
        uint64_t clen, ulen;
        int s1, s2;
        /* (3 bytes of back reference make at most 264: a length beyond
         * 88 per byte is a lie, not a reason to allocate it) */
        if (read_len(r, &clen, &s1) || read_len(r, &ulen, &s2) || s1 || s2 ||
            clen > (uint64_t)(r->end - r->p) || ulen > clen * 88)
            return -1;
        if (ulen > max) return -4;
        *val = malloc((size_t)ulen + 1);
        if (!*val) abort();
        if (lzf_expand(r->p, (size_t)clen, (unsigned char *)*val, (size_t)ulen)) {
            free(*val);
            *val = NULL;
            return -1;
        }
        r->p += clen;
        (*val)[ulen] = '\0';
        *n = (size_t)ulen;
        return 0;
    }
    if (special || len > (uint64_t)(r->end - r->p)) return -1;
    if (len > max) return -4;
    *val = malloc((size_t)len + 1);
    if (!*val) abort();
    memcpy(*val, r->p, (size_t)len);
    (*val)[len] = '\0';
    *n = (size_t)len;
    r->p += len;
    return 0;
}

uint64_t rdbstr_stated_len(const char *p, size_t len) {
    const unsigned char *b = (const unsigned char *)p;
    if (len < 11 || b[0] != 0) return 0;
    reader r = {b + 1, b + len - 10};
    uint64_t n, clen;
    int special, s2;
    if (read_len(&r, &n, &special)) return 0;
    if (!special) return n;
    if (n <= 2) return 24; /* an integer */
    if (n == 3 && !read_len(&r, &clen, &s2) && !s2 && !read_len(&r, &n, &s2) && !s2) return n;
    return 0;
}

int rdbstr_restore(const char *p, size_t len, size_t max_len, char **val, size_t *n, int *type) {
    const unsigned char *b = (const unsigned char *)p;
    *val = NULL;
    if (len < 10) return RDBSTR_BAD_CHECKSUM;
    unsigned version = b[len - 10] | (unsigned)b[len - 9] << 8;
    uint64_t crc = 0;
    for (int i = 0; i < 8; i++) crc |= (uint64_t)b[len - 8 + i] << (8 * i);
    if (version > RDBSTR_MAX_VERSION || rdbstr_crc64(0, b, len - 8) != crc)
        return RDBSTR_BAD_CHECKSUM;
    *type = b[0];
    if (b[0] != 0) return RDBSTR_NOT_STRING;
    reader r = {b + 1, b + len - 10};
    int rc = read_string(&r, max_len, val, n);
    if (rc) return rc == -4 ? RDBSTR_TOO_LONG : RDBSTR_BAD_FORMAT;
    if (r.p != r.end) { /* (Redis ignores bytes after the value; no DUMP of its has any) */
        free(*val);
        *val = NULL;
        return RDBSTR_BAD_FORMAT;
    }
    return RDBSTR_OK;
}
