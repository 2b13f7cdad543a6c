/* page_driver.c -- writes the publish files into an edition folder that
 * `tingbao build` made, for the browser test (tests/browser/run.sh).
 *
 *   page_driver EDITION_DIR
 *
 * Reads EDITION_DIR/edition.json (jansson: this is a test, not a module)
 * and cuts each article into four sentences of equal length: the browser
 * test checks players and highlighting, not the timings, which
 * tests/publish_test.c checks against espeak-ng.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "publish.h"

#define PARTS 4

static char *base_of(const char *file)
{
    char *b = strdup(file);
    char *dot = b ? strrchr(b, '.') : NULL;
    if (dot)
        *dot = '\0';
    return b;
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: page_driver EDITION_DIR\n");
        return 2;
    }
    char path[4096];
    snprintf(path, sizeof path, "%s/edition.json", argv[1]);
    json_error_t je;
    json_t *m = json_load_file(path, 0, &je);
    if (!m) {
        fprintf(stderr, "%s:%d: %s\n", path, je.line, je.text);
        return 1;
    }
    json_t *secs = json_object_get(m, "sections");
    size_t ns = json_array_size(secs);
    pub_section *ps = calloc(ns, sizeof *ps);
    for (size_t i = 0; i < ns; i++) {
        json_t *s = json_array_get(secs, i);
        json_t *arts = json_object_get(s, "articles");
        size_t na = json_array_size(arts);
        pub_article *pa = calloc(na, sizeof *pa);
        for (size_t j = 0; j < na; j++) {
            json_t *a = json_array_get(arts, j);
            double d = json_number_value(json_object_get(a, "duration_s"));
            pub_sentence *x = calloc(PARTS, sizeof *x);
            for (size_t k = 0; k < PARTS; k++) {
                char *t = malloc(32);
                snprintf(t, 32, "第%zu句。", k + 1);
                x[k] = (pub_sentence){t, d * k / PARTS, d * (k + 1) / PARTS};
            }
            const char *dl = json_string_value(json_object_get(a, "dateline"));
            pa[j] = (pub_article){json_string_value(json_object_get(a, "headline")), dl,
                                  base_of(json_string_value(json_object_get(a, "file"))), d,
                                  json_number_value(json_object_get(a, "offset_s")), x, PARTS};
        }
        ps[i] = (pub_section){json_string_value(json_object_get(s, "name")),
                              base_of(json_string_value(json_object_get(s, "file"))),
                              json_number_value(json_object_get(s, "duration_s")), pa, na};
    }
    json_t *intro = json_object_get(m, "intro");
    pub_edition ed = {
        .paper = json_string_value(json_object_get(m, "paper")),
        .date = json_string_value(json_object_get(m, "date")),
        .issue = json_string_value(json_object_get(m, "issue")),
        .intro_base = intro ? base_of(json_string_value(json_object_get(intro, "file"))) : NULL,
        .intro_duration_s = json_number_value(json_object_get(intro, "duration_s")),
        .sections = ps,
        .n_sections = ns,
        .formats = PUB_WAV,
        .generator = "tingbao browser test",
    };
    err e = {0};
    if (pub_write_edition(argv[1], &ed, &e) < 0) {
        char buf[2048];
        fprintf(stderr, "page_driver: %s\n", err_format(&e, buf, sizeof buf));
        return 1;
    }
    printf("%s/index.html\n", argv[1]);
    return 0;  /* the model's memory goes with the process */
}
