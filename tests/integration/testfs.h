/* testfs.h -- file and directory helpers shared by the durability tests
 * (test_wal, test_ckpt): whole-file reads and writes, little-endian fields,
 * an independent bit-by-bit CRC32C (so the tests do not trust the server's
 * isa-l one), and scratch data directories removed at exit unless
 * SB_KEEP_TEST_DIRS is set. */
#ifndef TESTFS_H
#define TESTFS_H

#include <stddef.h>
#include <stdint.h>

uint32_t crc32c(const void *p, size_t n);
uint32_t get32(const unsigned char *p);
uint64_t get64(const unsigned char *p);
void put32(unsigned char *p, uint32_t v);
void put64(unsigned char *p, uint64_t v);

unsigned char *read_all(const char *path, size_t *len); /* NULL if unreadable */
void write_file(const char *path, const void *p, size_t n); /* exits on error */
int same_file(const char *path, const void *p, size_t n);
/* XOR the byte at off of path with mask (exits if the file is shorter). */
void flip_byte(const char *path, size_t off, unsigned mask);

/* 1 if a line of dir/server.log holds every needle (NULL-terminated). */
int log_has(const char *dir, ...);

const char *new_dir(void);     /* a fresh absolute scratch directory */
void rm_dir(const char *d);    /* remove it and the files in it */
void drop_dir(const char *d);  /* done with it: remove now (unless kept) */
int count_files(const char *dir, const char *contains); /* names containing it */

#endif
