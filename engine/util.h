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
