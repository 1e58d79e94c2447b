/* util.h -- tiny helpers shared by the engine's modules: little-endian
 * encoding for the on-disk formats, the two clocks, and SB_ASAN.
 *
 * Owns nothing; every function is a pure inline. Any thread.
 */
#ifndef SB_UTIL_H
#define SB_UTIL_H

#include <stdint.h>
#include <time.h>

/* SB_ASAN: built with AddressSanitizer (gcc says __SANITIZE_ADDRESS__,
 * clang __has_feature). Code that bypasses malloc or skips frees asks. */
#if defined(__SANITIZE_ADDRESS__)
#define SB_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define SB_ASAN 1
#endif
#endif

static inline void sb_put32(unsigned char *p, uint32_t v) {
    for (int i = 0; i < 4; i++) p[i] = (unsigned char)(v >> (8 * i));
}
static inline void sb_put64(unsigned char *p, uint64_t v) {
    for (int i = 0; i < 8; i++) p[i] = (unsigned char)(v >> (8 * i));
}
static inline uint32_t sb_get32(const unsigned char *p) {
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}
static inline uint64_t sb_get64(const unsigned char *p) {
    return (uint64_t)sb_get32(p) | (uint64_t)sb_get32(p + 4) << 32;
}

/* Decimal text of v into buf (at least 21 bytes), NUL-terminated; returns
 * the length. snprintf's cost shows in hot paths (scripts, change records). */
static inline int sb_fmt_ull(char *buf, unsigned long long v) {
    static const char pairs[201] =
        "00010203040506070809101112131415161718192021222324252627282930313233343536373839"
        "40414243444546474849505152535455565758596061626364656667686970717273747576777879"
        "8081828384858687888990919293949596979899";
    int n = 1;
    for (unsigned long long t = v; t >= 10; t /= 10) n++;
    buf[n] = '\0';
    char *p = buf + n;
    while (v >= 100) { /* two digits a step, from the end */
        unsigned i = (unsigned)(v % 100) * 2;
        v /= 100;
        *--p = pairs[i + 1];
        *--p = pairs[i];
    }
    if (v >= 10) {
        *--p = pairs[v * 2 + 1];
        *--p = pairs[v * 2];
    } else {
        *--p = (char)('0' + v);
    }
    return n;
}
static inline int sb_fmt_ll(char *buf, long long v) {
    if (v >= 0) return sb_fmt_ull(buf, (unsigned long long)v);
    buf[0] = '-';
    return 1 + sb_fmt_ull(buf + 1, 0ULL - (unsigned long long)v);
}

/* Wall clock, ms since the epoch (what expiry times are in). */
static inline int64_t sb_wall_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}
/* Monotonic clock, microseconds (durations, deadlines). */
static inline int64_t sb_mono_us(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

#endif
