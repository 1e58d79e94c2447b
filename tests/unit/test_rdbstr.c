/* test_rdbstr.c -- DUMP payloads of strings (engine/rdbstr.c): the CRC-64
 * of Redis's crc64.c, every length encoding at its bounds, payloads that
 * redis-server 7.0.15 wrote (an integer, an LZF-compressed string), the
 * length a payload states, and every way a payload can be bad. */
#include "testutil.h"
#include "rdbstr.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static void roundtrip(size_t n) {
    char *v = malloc(n + 1);
    for (size_t i = 0; i < n; i++) v[i] = (char)(i * 131 % 256);
    char *p = malloc(rdbstr_dump_size(n));
    size_t len = rdbstr_dump(v, n, p);
    CHECK_EQ_INT(len, rdbstr_dump_size(n));
    char *out;
    size_t m;
    int type;
    CHECK_EQ_INT(rdbstr_restore(p, len, SIZE_MAX, &out, &m, &type), RDBSTR_OK);
    CHECK_EQ_INT(m, n);
    CHECK(out && memcmp(out, v, n) == 0 && out[n] == '\0');
    free(out);
    free(v);
    free(p);
}

static void restores_to(const char *p, size_t len, const char *want) {
    char *out;
    size_t m;
    int type;
    CHECK_EQ_INT(rdbstr_restore(p, len, SIZE_MAX, &out, &m, &type), RDBSTR_OK);
    CHECK(out && m == strlen(want) && !memcmp(out, want, m));
    free(out);
}

int main(void) {
    CHECK(rdbstr_crc64(0, "123456789", 9) == 0xe9c6d914c4b8d9caULL);
    size_t sizes[] = {0, 1, 63, 64, 16383, 16384, 100000};
    for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) roundtrip(sizes[i]);

    /* what redis-server 7.0.15's DUMP gave */
    static const char hello[] = "\x00\x05hello\x0a\x00" "cr\xdfve4 \x0a";
    char p[64];
    CHECK_EQ_INT(rdbstr_dump("hello", 5, p), sizeof(hello) - 1);
    CHECK(!memcmp(p, hello, sizeof(hello) - 1)); /* the same bytes as Redis */
    restores_to(hello, sizeof(hello) - 1, "hello");
    static const char n12345[] = "\x00\xc1" "90\x0a\x00\x9d\x94\xea'\x93\xfc\x08\xb9";
    restores_to(n12345, sizeof(n12345) - 1, "12345");
    static const char a100[] = "\x00\xc3\x09@d\x01" "aa\xe0W\x00\x01" "aa\x0a\x00\xe8\xa3\xb5\x07\xb0m\xf2q";
    char hundred[101];
    memset(hundred, 'a', 100);
    hundred[100] = '\0';
    restores_to(a100, sizeof(a100) - 1, hundred);

    /* the length a payload states (what RESTORE makes at most): plain,
     * integer, LZF; 0 for what is not a string payload */
    CHECK_EQ_INT(rdbstr_stated_len(hello, sizeof(hello) - 1), 5);
    CHECK_EQ_INT(rdbstr_stated_len(n12345, sizeof(n12345) - 1), 24);
    CHECK_EQ_INT(rdbstr_stated_len(a100, sizeof(a100) - 1), 100);
    CHECK_EQ_INT(rdbstr_stated_len(hello, 10), 0);
    CHECK_EQ_INT(rdbstr_stated_len("\x12\x05hello\x0a\x00" "01234567", 17), 0);

    char *out;
    size_t m;
    int type;
    /* too short, a bad CRC, a newer RDB version */
    CHECK_EQ_INT(rdbstr_restore(hello, 9, SIZE_MAX, &out, &m, &type), RDBSTR_BAD_CHECKSUM);
    char bad[sizeof(hello)];
    memcpy(bad, hello, sizeof(hello));
    bad[3] ^= 1;
    CHECK_EQ_INT(rdbstr_restore(bad, sizeof(hello) - 1, SIZE_MAX, &out, &m, &type), RDBSTR_BAD_CHECKSUM);
    memcpy(bad, hello, sizeof(hello));
    bad[7] = 13; /* version 13, with its CRC right: refused for the version */
    uint64_t vcrc = rdbstr_crc64(0, bad, sizeof(hello) - 1 - 8);
    for (int k = 0; k < 8; k++) bad[sizeof(hello) - 1 - 8 + k] = (char)(vcrc >> (8 * k));
    CHECK_EQ_INT(rdbstr_restore(bad, sizeof(hello) - 1, SIZE_MAX, &out, &m, &type), RDBSTR_BAD_CHECKSUM);
    bad[7] = 12; /* version 12 (Redis 7.4) is read */
    vcrc = rdbstr_crc64(0, bad, sizeof(hello) - 1 - 8);
    for (int k = 0; k < 8; k++) bad[sizeof(hello) - 1 - 8 + k] = (char)(vcrc >> (8 * k));
    restores_to(bad, sizeof(hello) - 1, "hello");
    /* a value longer than the caller allows: refused before it is made,
     * plain and LZF (whose stated length counts) */
    CHECK_EQ_INT(rdbstr_restore(hello, sizeof(hello) - 1, 4, &out, &m, &type), RDBSTR_TOO_LONG);
    CHECK_EQ_INT(rdbstr_restore(a100, sizeof(a100) - 1, 99, &out, &m, &type), RDBSTR_TOO_LONG);
    CHECK(out == NULL);

    /* with a valid CRC: another type, a length past the end, a broken
     * LZF stream, bytes after the value */
    struct { const char *body; size_t n; int want; } cases[] = {
        {"\x12\x01\x02", 3, RDBSTR_NOT_STRING},
        {"\x00\x09" "abc", 5, RDBSTR_BAD_FORMAT},
        {"\x00\xc3\x03\x05\x1f" "ab", 7, RDBSTR_BAD_FORMAT},   /* literal run past the input */
        {"\x00\xc3\x02\x05\x20\x05", 6, RDBSTR_BAD_FORMAT},    /* back reference before the start */
        {"\x00\xc4\x01", 3, RDBSTR_BAD_FORMAT},                /* unknown special encoding */
        {"\x00\x01" "ab", 4, RDBSTR_BAD_FORMAT},               /* a byte after the value */
        {"\x00\x82\x00\x00\x00\x01" "a", 7, RDBSTR_BAD_FORMAT},/* bad 32/64-bit marker */
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char buf[64];
        memcpy(buf, cases[i].body, cases[i].n);
        buf[cases[i].n] = 10;
        buf[cases[i].n + 1] = 0;
        uint64_t crc = rdbstr_crc64(0, buf, cases[i].n + 2);
        for (int k = 0; k < 8; k++) buf[cases[i].n + 2 + k] = (char)(crc >> (8 * k));
        out = (char *)1;
        CHECK_EQ_INT(rdbstr_restore(buf, cases[i].n + 10, SIZE_MAX, &out, &m, &type), cases[i].want);
        CHECK(out == NULL);
        if (cases[i].want == RDBSTR_NOT_STRING) CHECK_EQ_INT(type, 0x12);
    }
    TU_DONE();
}
