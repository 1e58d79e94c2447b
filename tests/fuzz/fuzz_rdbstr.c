/* fuzz_rdbstr.c -- RESTORE's payload decoder (rdbstr_restore) on arbitrary
 * bytes: a client sends it, so it must never read out of bounds.
 *
 * Input: byte 0 holds flags, the rest is the payload.
 *   bit 0  write a valid CRC-64 (and version 10) over the payload first, so
 *          the fuzzer gets past the checksum to the string encodings
 *          (lengths, integers, LZF)
 *
 * Checked: the result is one of rdbstr.h's (values up to 16 MB); with RDBSTR_OK the value is
 * NUL-terminated, no longer than rdbstr_stated_len says, and dumping it
 * and restoring that gives it back byte for byte; nothing is read outside the payload (ASan), nothing leaks.
 */
#include "fuzz.h"
#include "rdbstr.h"

#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size < 1) return 0;
    int fix = data[0] & 1;
    size_t n = size - 1;
    unsigned char *p = fuzz_dup(data + 1, n);
    if (fix && n >= 10) {
        p[n - 10] = 10;
        p[n - 9] = 0;
        uint64_t crc = rdbstr_crc64(0, p, n - 8);
        for (int i = 0; i < 8; i++) p[n - 8 + i] = (unsigned char)(crc >> (8 * i));
    }
    char *val = NULL;
    size_t vlen = 0;
    int type = -1;
    /* (a bound, as RESTORE gives proto-max-bulk-len: the fuzzer must not
     * make a value bigger than the input could expand to anyway) */
    int rc = rdbstr_restore((const char *)p, n, (size_t)1 << 24, &val, &vlen, &type);
    FUZZ_CHECK(rc == RDBSTR_OK || rc == RDBSTR_BAD_CHECKSUM || rc == RDBSTR_BAD_FORMAT ||
               rc == RDBSTR_NOT_STRING || rc == RDBSTR_TOO_LONG);
    FUZZ_CHECK((rc == RDBSTR_OK) == (val != NULL));
    if (rc == RDBSTR_NOT_STRING) FUZZ_CHECK(type == p[0] && type != 0);
    if (rc == RDBSTR_OK) {
        FUZZ_CHECK(val[vlen] == '\0');
        /* the engine's unit bound relies on it: never more than stated */
        FUZZ_CHECK(vlen <= rdbstr_stated_len((const char *)p, n));
        size_t cap = rdbstr_dump_size(vlen);
        char *again = malloc(cap);
        if (!again) abort();
        size_t m = rdbstr_dump(val, vlen, again);
        FUZZ_CHECK(m == cap);
        char *val2 = NULL;
        size_t vlen2 = 0;
        FUZZ_CHECK(rdbstr_restore(again, m, vlen, &val2, &vlen2, &type) == RDBSTR_OK);
        FUZZ_CHECK(vlen2 == vlen && memcmp(val2, val, vlen) == 0);
        free(val2);
        free(again);
        free(val);
    }
    free(p);
    return 0;
}
