/* util.h -- tiny helpers shared by the engine's modules: little-endian
 * encoding for the on-disk formats and the two clocks.
 *
 * Owns nothing; every function is a pure inline. Any thread.
 */
#ifndef SB_UTIL_H
#define SB_UTIL_H

#include <stdint.h>
#include <time.h>

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
    char t[21];
    int n = 0;
    do {
        t[n++] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    for (int i = 0; i < n; i++) buf[i] = t[n - 1 - i];
    buf[n] = '\0';
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
