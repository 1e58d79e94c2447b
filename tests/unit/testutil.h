/* testutil.h -- minimal assertions for the unit tests: a failed CHECK
 * prints file:line and the expression, and the test exits non-zero. */
#ifndef TESTUTIL_H
#define TESTUTIL_H
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int tu_failures __attribute__((unused));

#define CHECK(cond) do { if (!(cond)) { \
    fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond); \
    tu_failures++; } } while (0)
#define CHECK_MSG(cond, ...) do { if (!(cond)) { fprintf(stderr, "%s:%d: ", __FILE__, __LINE__); \
    fprintf(stderr, __VA_ARGS__); fputc('\n', stderr); tu_failures++; } } while (0)
#define CHECK_EQ_INT(a, b) do { long long _a = (long long)(a), _b = (long long)(b); \
    if (_a != _b) { fprintf(stderr, "%s:%d: %s == %lld, expected %lld\n", \
    __FILE__, __LINE__, #a, _a, _b); tu_failures++; } } while (0)
#define CHECK_MEM(p, n, s) do { size_t _n = (n); const char *_s = (s); \
    if (_n != strlen(_s) || memcmp((p), _s, _n) != 0) { \
    fprintf(stderr, "%s:%d: %s is \"%.*s\", expected \"%s\"\n", __FILE__, \
    __LINE__, #p, (int)_n, (const char *)(p), _s); tu_failures++; } } while (0)
#define TU_DONE() do { if (tu_failures) { fprintf(stderr, "%d failure(s)\n", \
    tu_failures); return 1; } printf("ok\n"); return 0; } while (0)
#endif
