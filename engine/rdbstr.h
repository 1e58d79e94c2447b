/* rdbstr.h -- the DUMP payload of a string value, as Redis serializes it,
 * so that DUMP and RESTORE move strings between strongbox and Redis (and
 * the tools that migrate with them).
 *
 * A payload is: the RDB type (0, a string), the string in RDB encoding,
 * the RDB version (2 bytes, little-endian) and a CRC-64 (Jones polynomial,
 * as Redis's crc64.c; 8 bytes, little-endian) of everything before it.
 * rdbstr_dump writes a plain length-prefixed string and version 10 (Redis
 * 7.0's); rdbstr_restore also reads Redis's integer and LZF-compressed
 * encodings, and versions up to 12 (7.4), whose strings are the same.
 *
 * Owns nothing. Pure functions: any thread.
 */
#ifndef RDBSTR_H
#define RDBSTR_H

#include <stddef.h>
#include <stdint.h>

#define RDBSTR_VERSION 10   /* written */
#define RDBSTR_MAX_VERSION 12 /* read */

uint64_t rdbstr_crc64(uint64_t crc, const void *p, size_t n);

/* Bytes of the payload of an n-byte value. */
size_t rdbstr_dump_size(size_t n);
/* Write the payload of val[0..n) to out (rdbstr_dump_size(n) bytes);
 * returns its length. */
size_t rdbstr_dump(const char *val, size_t n, char *out);

enum {
    RDBSTR_OK = 0,
    RDBSTR_BAD_CHECKSUM = -1, /* too short, a newer version, or a bad CRC */
    RDBSTR_BAD_FORMAT = -2,   /* the string does not decode */
    RDBSTR_NOT_STRING = -3,   /* another type (*type says which) */
    RDBSTR_TOO_LONG = -4      /* the value is longer than max_len */
};
/* Decode a payload: RDBSTR_OK with *val (malloc'd, NUL-terminated) and
 * *n, or one of the errors; RDBSTR_TOO_LONG (before any allocation) when
 * the value would be longer than max_len. */
int rdbstr_restore(const char *p, size_t len, size_t max_len, char **val, size_t *n, int *type);
/* The length of the value a payload states (24 for an integer; 0 when it
 * is not a string payload or its header does not decode), without
 * checking or decoding the rest: what RESTORE would make at most. */
uint64_t rdbstr_stated_len(const char *p, size_t len);

#endif
