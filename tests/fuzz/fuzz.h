/* fuzz.h -- shared by the libFuzzer targets of tests/fuzz.
 *
 * Each target defines LLVMFuzzerTestOneInput. It is linked either with
 * libFuzzer (-DSB_FUZZ=ON, clang: fuzz_<target>, run by run.sh) or with
 * replay.c (every normal build: replay_<target>, a ctest that feeds each
 * file of the seed corpus and of the regression directory once).
 *
 * FUZZ_CHECK is the targets' assertion: it aborts (a crash for libFuzzer, a
 * failed ctest for the replay) whatever NDEBUG says.
 */
#ifndef SB_FUZZ_H
#define SB_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#define FUZZ_CHECK(cond)                                                              \
    do {                                                                              \
        if (!(cond)) {                                                                \
            fprintf(stderr, "%s:%d: fuzz check failed: %s\n", __FILE__, __LINE__,     \
                    #cond);                                                           \
            abort();                                                                  \
        }                                                                             \
    } while (0)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A copy of data[0..n) in a malloc of exactly n bytes (at least 1), so
 * ASan reports any read past the end of what a reader was given. */
static inline unsigned char *fuzz_dup(const void *data, size_t n) {
    unsigned char *p = malloc(n ? n : 1);
    if (!p) abort();
    for (size_t i = 0; i < n; i++) p[i] = ((const unsigned char *)data)[i];
    return p;
}

/* Touch every byte of p[0..n) (ASan checks each read); returns a sum the
 * caller folds into something observable so it is not optimised away. */
static inline unsigned fuzz_touch(const void *p, size_t n) {
    unsigned s = 0;
    for (size_t i = 0; i < n; i++) s += ((const unsigned char *)p)[i];
    return s;
}

/* SB_FUZZ_VERBOSE=1 in the environment: the targets say what the reader
 * returned (to see what a corpus file exercises). */
static inline int fuzz_verbose(void) {
    static int v = -1;
    if (v < 0) v = getenv("SB_FUZZ_VERBOSE") != NULL;
    return v;
}

#endif
