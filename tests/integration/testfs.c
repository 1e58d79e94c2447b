/* testfs.c -- see testfs.h. */
#include "testfs.h"

#include <dirent.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

uint32_t crc32c(const void *p, size_t n) {
    const unsigned char *c = p;
    uint32_t crc = 0xFFFFFFFFu;
    for (size_t i = 0; i < n; i++) {
        crc ^= c[i];
        for (int k = 0; k < 8; k++) crc = (crc >> 1) ^ (0x82F63B78u & (0u - (crc & 1u)));
    }
    return crc ^ 0xFFFFFFFFu;
}

uint32_t get32(const unsigned char *p) {
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}
uint64_t get64(const unsigned char *p) {
    return (uint64_t)get32(p) | (uint64_t)get32(p + 4) << 32;
}
void put32(unsigned char *p, uint32_t v) {
    for (int i = 0; i < 4; i++) p[i] = (unsigned char)(v >> (8 * i));
}
void put64(unsigned char *p, uint64_t v) {
    for (int i = 0; i < 8; i++) p[i] = (unsigned char)(v >> (8 * i));
}

unsigned char *read_all(const char *path, size_t *len) {
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    unsigned char *b = malloc((size_t)n + 1);
    if (fread(b, 1, (size_t)n, f) != (size_t)n) { free(b); fclose(f); return NULL; }
    fclose(f);
    *len = (size_t)n;
    return b;
}

void write_file(const char *path, const void *p, size_t n) {
    FILE *f = fopen(path, "wb");
    if (!f || (n && fwrite(p, 1, n, f) != n)) { perror(path); exit(2); }
    fclose(f);
}

int same_file(const char *path, const void *p, size_t n) {
    size_t len;
    unsigned char *b = read_all(path, &len);
    int same = b && len == n && memcmp(b, p, n) == 0;
    free(b);
    return same;
}

static char *dirs[4096];
static int ndirs;

void rm_dir(const char *d) {
    DIR *dd = opendir(d);
    if (!dd) return;
    struct dirent *de;
    char p[600];
    while ((de = readdir(dd))) {
        if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, "..")) continue;
        snprintf(p, sizeof(p), "%s/%s", d, de->d_name);
        unlink(p);
    }
    closedir(dd);
    rmdir(d);
}

static void rm_dirs(void) {
    if (getenv("SB_KEEP_TEST_DIRS")) return;
    for (int i = 0; i < ndirs; i++) rm_dir(dirs[i]);
}

const char *new_dir(void) {
    static int atexit_done;
    if (!atexit_done) { atexit(rm_dirs); atexit_done = 1; }
    char tmpl[] = "/tmp/sbfs.XXXXXX";
    if (!mkdtemp(tmpl)) { perror("mkdtemp"); exit(2); }
    char *abs = realpath(tmpl, NULL); /* the server names files by real path */
    if (ndirs < 4096) dirs[ndirs++] = abs;
    return abs;
}

void drop_dir(const char *d) {
    if (!getenv("SB_KEEP_TEST_DIRS")) rm_dir(d);
}

int log_has(const char *dir, ...) {
    char path[600];
    snprintf(path, sizeof(path), "%s/server.log", dir);
    FILE *f = fopen(path, "r");
    if (!f) return 0;
    const char *needles[8];
    int nn = 0;
    va_list ap;
    va_start(ap, dir);
    for (const char *s = va_arg(ap, const char *); s && nn < 8; s = va_arg(ap, const char *))
        needles[nn++] = s;
    va_end(ap);
    char line[8192];
    int found = 0;
    while (!found && fgets(line, sizeof(line), f)) {
        found = 1;
        for (int i = 0; i < nn; i++)
            if (!strstr(line, needles[i])) found = 0;
    }
    fclose(f);
    return found;
}

int count_files(const char *dir, const char *contains) {
    DIR *d = opendir(dir);
    int n = 0;
    if (!d) return 0;
    struct dirent *de;
    while ((de = readdir(d))) n += strstr(de->d_name, contains) != NULL;
    closedir(d);
    return n;
}

void flip_byte(const char *path, size_t off, unsigned mask) {
    size_t n;
    unsigned char *b = read_all(path, &n);
    if (!b || off >= n) { fprintf(stderr, "flip %s at %zu: too short\n", path, off); exit(2); }
    b[off] ^= (unsigned char)mask;
    write_file(path, b, n);
    free(b);
}
