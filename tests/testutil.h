/* testutil.h -- shared by the test programs: table files and paths.
 *
 * A table file (tests/data/STAGE/NAME.txt) holds cases of two lines: the
 * input, then the expected output.  Blank lines separate cases; lines
 * starting with '#' are comments.  An empty expected output is written
 * as the line "<empty>".
 */
#ifndef TESTUTIL_H
#define TESTUTIL_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct tcase {
    char *in;
    char *want;
    const char *file;
    int line;       /* line of the input */
} tcase;

typedef struct ttable {
    tcase *v;
    size_t n;
    char *path;
} ttable;

static inline char *tu_chomp(char *s)
{
    size_t n = strlen(s);
    while (n && (s[n - 1] == '\n' || s[n - 1] == '\r'))
        s[--n] = '\0';
    return s;
}

/* Reads the table at 'path'; aborts the test program when unreadable or
 * when a case has no expected line. */
static inline ttable tu_table(const char *path)
{
    ttable t = {0};
    t.path = strdup(path);
    FILE *f = fopen(path, "r");
    if (!f) {
        fprintf(stderr, "%s: cannot open table\n", path);
        exit(1);
    }
    char buf[8192];
    int line = 0, pending = 0;
    char *in = NULL;
    int in_line = 0;
    while (fgets(buf, sizeof buf, f)) {
        line++;
        tu_chomp(buf);
        if (buf[0] == '#')
            continue;
        if (buf[0] == '\0') {
            if (pending) {
                fprintf(stderr, "%s:%d: case without expected line\n", path, in_line);
                exit(1);
            }
            continue;
        }
        if (!pending) {
            in = strdup(buf);
            in_line = line;
            pending = 1;
        } else {
            t.v = realloc(t.v, (t.n + 1) * sizeof *t.v);
            t.v[t.n].in = in;
            t.v[t.n].want = strdup(strcmp(buf, "<empty>") ? buf : "");
            t.v[t.n].file = t.path;
            t.v[t.n].line = in_line;
            t.n++;
            pending = 0;
        }
    }
    fclose(f);
    if (pending) {
        fprintf(stderr, "%s:%d: case without expected line\n", path, in_line);
        exit(1);
    }
    return t;
}

static inline void tu_table_free(ttable *t)
{
    for (size_t i = 0; i < t->n; i++) {
        free(t->v[i].in);
        free(t->v[i].want);
    }
    free(t->v);
    free(t->path);
}

/* Path of a test data file: $TINGBAO_TESTDATA or tests/data, then 'rel'. */
static inline const char *tu_data(const char *rel, char *buf, size_t size)
{
    const char *d = getenv("TINGBAO_TESTDATA");
    snprintf(buf, size, "%s/%s", d ? d : "tests/data", rel);
    return buf;
}

/* The sample edition: $TINGBAO_SAMPLE or ../shared/editions/zhuzhou-2023-09-05.md */
static inline const char *tu_sample(void)
{
    const char *s = getenv("TINGBAO_SAMPLE");
    return s ? s : "../shared/editions/zhuzhou-2023-09-05.md";
}

#endif
