/* clean_test.c -- joins, captions and repeats: tables of cases, and the
 * properties a listener checks on the sample edition. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clean.h"
#include "edition.h"
#include "str.h"
#include "testutil.h"
#include "utf8.h"

#define SEP " ¶ "

/* Builds an article from "p1 ¶ p2 ¶ …". */
static edition_article make_article(const char *in)
{
    edition_article a = {0};
    size_t cap = 0;
    const char *s = in;
    for (;;) {
        const char *end = strstr(s, SEP);
        size_t len = end ? (size_t)(end - s) : strlen(s);
        if (a.n_paras == cap) {
            cap = cap ? cap * 2 : 8;
            a.paras = realloc(a.paras, cap * sizeof *a.paras);
        }
        a.paras[a.n_paras].text = strndup(s, len);
        a.paras[a.n_paras].len = len;
        a.paras[a.n_paras].line = (int)a.n_paras + 1;
        a.n_paras++;
        if (!end)
            break;
        s = end + strlen(SEP);
    }
    return a;
}

static char *joined(const edition_article *a)
{
    strbuf b = {0};
    for (size_t i = 0; i < a->n_paras; i++) {
        if (i)
            strbuf_adds(&b, SEP, NULL);
        strbuf_adds(&b, a->paras[i].text, NULL);
    }
    return strbuf_take(&b);
}

static void free_article(edition_article *a)
{
    for (size_t i = 0; i < a->n_paras; i++)
        free(a->paras[i].text);
    free(a->paras);
}

static void run_table(const char *name)
{
    char p[512];
    ttable t = tu_table(tu_data(name, p, sizeof p));
    int bad = 0;
    assert_true(t.n >= 5);
    for (size_t i = 0; i < t.n; i++) {
        edition_article a = make_article(t.v[i].in);
        clean_stats st = {0};
        err e = {0};
        assert_int_equal(clean_article(&a, &st, &e), 0);
        char *got = joined(&a);
        if (strcmp(got, t.v[i].want)) {
            fprintf(stderr, "%s:%d:\n  got  %s\n  want %s\n", t.v[i].file, t.v[i].line, got,
                    t.v[i].want);
            bad++;
        }
        free(got);
        free_article(&a);
    }
    tu_table_free(&t);
    assert_int_equal(bad, 0);
}

static void joins(void **state)
{
    (void)state;
    run_table("clean/joins.txt");
}

static void captions(void **state)
{
    (void)state;
    run_table("clean/captions.txt");
}

static void repeats(void **state)
{
    (void)state;
    run_table("clean/repeats.txt");
}

/* Sentences (up to 。！？) of a text, for the properties below. */
static size_t sentences(const char *s, size_t len, const char **start, size_t *lens, size_t max)
{
    size_t n = 0, i = 0, from = 0;
    while (i < len && n < max) {
        int32_t cp = utf8_next(s, len, &i);
        if (cp == 0x3002 || cp == 0xff01 || cp == 0xff1f || i == len) {
            start[n] = s + from;
            lens[n++] = i - from;
            from = i;
        }
    }
    return n;
}

/* What a listener checks on the sample: no sentence read twice within an
 * article, no paragraph cut off mid-sentence before another, no caption,
 * and nothing lost: every clause of the raw text is still there. */
static void sample_properties(void **state)
{
    (void)state;
    err e = {0};
    edition *raw = edition_read(tu_sample(), NULL, &e);
    edition *ed = edition_read(tu_sample(), NULL, &e);
    assert_non_null(raw);
    assert_non_null(ed);
    clean_stats st = {0};
    for (size_t j = 0; j < ed->sections[0].n_articles; j++) {
        edition_article *a = &ed->sections[0].articles[j];
        const edition_article *r = &raw->sections[0].articles[j];
        assert_int_equal(clean_article(a, &st, &e), 0);
        strbuf all = {0};
        for (size_t k = 0; k < a->n_paras; k++) {
            const edition_para *pp = &a->paras[k];
            assert_false(clean_is_caption(pp->text, pp->len));
            strbuf_adds(&all, pp->text, NULL);
            strbuf_adds(&all, "\n", NULL);
        }
        static const char *st_start[4096];
        static size_t st_len[4096];
        size_t n = sentences(all.s, all.len, st_start, st_len, 4096);
        for (size_t x = 0; x < n; x++)
            for (size_t y = x + 1; y < n; y++)
                if (st_len[x] > 30 && st_len[x] == st_len[y] &&
                    !memcmp(st_start[x], st_start[y], st_len[x]))
                    fail_msg("article %zu: sentence read twice: %.*s", j + 1, (int)st_len[x],
                             st_start[x]);
        /* Nothing lost: each raw paragraph's first and last 8 characters
         * (bytes 24) are somewhere in the cleaned article, unless it was a
         * caption. */
        for (size_t k = 0; k < r->n_paras; k++) {
            const edition_para *rp = &r->paras[k];
            if (clean_is_caption(rp->text, rp->len) || rp->len < 48)
                continue;
            char head[25], tail[25];
            memcpy(head, rp->text, 24);
            head[24] = '\0';
            memcpy(tail, rp->text + rp->len - 24, 24);
            tail[24] = '\0';
            if (utf8_validate(head, 24, NULL) == 0 && !strstr(all.s, head))
                fail_msg("article %zu: lost text at line %d: %s", j + 1, rp->line, head);
            if (utf8_validate(tail, 24, NULL) == 0 && !strstr(all.s, tail))
                fail_msg("article %zu: lost text at line %d: %s", j + 1, rp->line, tail);
        }
        strbuf_free(&all);
    }
    /* The sample's known damage (counted by hand from the page): eleven
     * mid-sentence breaks, two photo captions, four repeated blocks. */
    fprintf(stderr, "sample: joined=%zu duplicates=%zu captions=%zu\n", st.joined,
            st.duplicates, st.captions);
    assert_int_equal(st.captions, 2);
    assert_in_range(st.joined, 10, 12);
    assert_in_range(st.duplicates, 3, 6);
    edition_free(raw);
    edition_free(ed);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(joins),
        cmocka_unit_test(captions),
        cmocka_unit_test(repeats),
        cmocka_unit_test(sample_properties),
    };
    return cmocka_run_group_tests_name("clean", tests, NULL, NULL);
}
