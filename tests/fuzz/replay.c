/* replay.c -- main() for the regression replay of a fuzz target: every file
 * named on the command line, or found (sorted) in a directory named there,
 * goes once through LLVMFuzzerTestOneInput. A crash or a FUZZ_CHECK abort
 * fails the ctest; the file being replayed is printed first. */
#include "fuzz.h"

#include <dirent.h>
#include <string.h>
#include <sys/stat.h>

static int replay_file(const char *path) {
    FILE *f = fopen(path, "rb");
    if (!f) {
        fprintf(stderr, "can't open %s\n", path);
        return -1;
    }
    size_t cap = 4096, len = 0, r;
    unsigned char *buf = malloc(cap);
    if (!buf) abort();
    while ((r = fread(buf + len, 1, cap - len, f)) > 0) {
        len += r;
        if (len == cap && !(buf = realloc(buf, cap *= 2))) abort();
    }
    fclose(f);
    fprintf(stderr, "replay %s (%zu bytes)\n", path, len);
    unsigned char *exact = fuzz_dup(buf, len); /* ASan: no slack after the input */
    free(buf);
    LLVMFuzzerTestOneInput(exact, len);
    free(exact);
    return 0;
}

static int cmp_str(const void *a, const void *b) {
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static int replay_dir(const char *dir, int *count) {
    DIR *d = opendir(dir);
    if (!d) {
        fprintf(stderr, "can't open %s\n", dir);
        return -1;
    }
    char **names = NULL;
    size_t n = 0;
    struct dirent *de;
    while ((de = readdir(d))) {
        if (de->d_name[0] == '.') continue;
        if (!(names = realloc(names, (n + 1) * sizeof(*names)))) abort();
        size_t l = strlen(dir) + strlen(de->d_name) + 2;
        if (!(names[n] = malloc(l))) abort();
        snprintf(names[n++], l, "%s/%s", dir, de->d_name);
    }
    closedir(d);
    if (n) qsort(names, n, sizeof(*names), cmp_str);
    int rc = 0;
    for (size_t i = 0; i < n; i++) {
        if (replay_file(names[i]) != 0) rc = -1;
        else (*count)++;
        free(names[i]);
    }
    free(names);
    return rc;
}

int main(int argc, char **argv) {
    int count = 0, rc = 0;
    for (int i = 1; i < argc; i++) {
        struct stat st;
        if (stat(argv[i], &st) != 0) {
            fprintf(stderr, "can't stat %s\n", argv[i]);
            rc = 1;
        } else if (S_ISDIR(st.st_mode) ? replay_dir(argv[i], &count) != 0
                                       : (count++, replay_file(argv[i]) != 0)) {
            rc = 1;
        }
    }
    printf("%d input(s) replayed\n", count);
    return rc;
}
