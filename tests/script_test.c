/* script_test.c -- the narration script: datelines, intros, order. */
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
#include "script.h"
#include "str.h"
#include "testutil.h"

/* Builds a one-article edition whose first paragraph is 'para' and returns
 * what the script makes of it: "dateline ¶ body" or "<none>". */
static char *dateline_of(const char *para)
{
    strbuf md = {0};
    strbuf_addf(&md, NULL, "# 测试报\n\n## 标题\n\n%s\n", para);
    err e = {0};
    edition *ed = edition_parse(md.s, md.len, "t.md", NULL, &e);
    assert_non_null(ed);
    script *s = script_build(ed, &e);
    assert_non_null(s);
    const script_article *a = &s->sections[0].articles[0];
    strbuf out = {0};
    if (a->n_segs >= 3 && a->segs[1].kind == SCRIPT_DATELINE) {
        assert_int_equal(a->segs[2].kind, SCRIPT_PARAGRAPH);
        assert_non_null(a->dateline);
        strbuf_addf(&out, NULL, "%s ¶ %s", a->segs[1].text, a->segs[2].text);
    } else {
        assert_null(a->dateline);
        assert_string_equal(a->segs[1].text, para);
        strbuf_adds(&out, "<none>", NULL);
    }
    script_free(s);
    edition_free(ed);
    strbuf_free(&md);
    return strbuf_take(&out);
}

static void datelines(void **state)
{
    (void)state;
    char p[512];
    ttable t = tu_table(tu_data("script/datelines.txt", p, sizeof p));
    int bad = 0;
    for (size_t i = 0; i < t.n; i++) {
        char *got = dateline_of(t.v[i].in);
        if (strcmp(got, t.v[i].want)) {
            fprintf(stderr, "%s:%d:\n  got  %s\n  want %s\n", t.v[i].file, t.v[i].line, got,
                    t.v[i].want);
            bad++;
        }
        free(got);
    }
    assert_true(t.n >= 10);
    tu_table_free(&t);
    assert_int_equal(bad, 0);
}

/* The sample: intro with the masthead and the teaser, one section, every
 * article opening with its headline, the datelines split off. */
static void sample_script(void **state)
{
    (void)state;
    err e = {0};
    edition *ed = edition_read(tu_sample(), NULL, &e);
    assert_non_null(ed);
    clean_stats st = {0};
    for (size_t j = 0; j < ed->sections[0].n_articles; j++)
        assert_int_equal(clean_article(&ed->sections[0].articles[j], &st, &e), 0);
    script *s = script_build(ed, &e);
    assert_non_null(s);
    assert_true(s->n_intro >= 3);
    const char *intro = s->intro[0].text;
    assert_non_null(strstr(intro, "株洲日报"));
    assert_non_null(strstr(intro, "2023年9月5日"));
    assert_non_null(strstr(intro, "星期二"));
    assert_non_null(strstr(intro, "癸卯年七月廿一"));
    assert_non_null(strstr(intro, "第23415期"));
    assert_string_equal(s->intro[s->n_intro - 1].text, ed->teasers[0].text);
    assert_int_equal(s->n_sections, 1);
    const script_section *sec = &s->sections[0];
    assert_int_equal(sec->n_articles, 9);
    assert_string_equal(sec->intro[0].text, "第一版。");
    size_t datelines = 0, columns = 0, xinhua = 0;
    for (size_t j = 0; j < sec->n_articles; j++) {
        const script_article *a = &sec->articles[j];
        assert_int_equal(a->segs[0].kind, SCRIPT_HEADLINE);
        assert_string_equal(a->segs[0].text, a->headline);
        for (size_t k = 0; k < a->n_segs; k++) {
            datelines += a->segs[k].kind == SCRIPT_DATELINE;
            columns += a->segs[k].kind == SCRIPT_COLUMN;
            if (a->segs[k].kind == SCRIPT_DATELINE) {
                /* Read naturally: no brackets, no slashes. */
                assert_null(strchr(a->segs[k].text, '('));
                assert_null(strchr(a->segs[k].text, '/'));
                xinhua += strstr(a->segs[k].text, "新华社") != NULL;
            }
            /* Every paragraph is spoken once: never an empty segment. */
            assert_true(strlen(a->segs[k].text) > 0);
        }
    }
    assert_int_equal(datelines, 9);
    assert_int_equal(xinhua, 1);
    assert_int_equal(columns, 1);
    script_free(s);
    edition_free(ed);
}

static void section_intros(void **state)
{
    (void)state;
    char p[512];
    err e = {0};
    edition *ed = edition_read(tu_data("edition/three-sections.md", p, sizeof p), NULL, &e);
    assert_non_null(ed);
    script *s = script_build(ed, &e);
    assert_non_null(s);
    assert_int_equal(s->n_sections, 3);
    assert_string_equal(s->sections[0].intro[0].text, "第一版，要闻。");
    assert_string_equal(s->sections[1].intro[0].text, "第二版，经济。");
    assert_string_equal(s->sections[2].intro[0].text, "第三版，体育。");
    /* Three teasers after "今日导读。" */
    assert_string_equal(s->intro[1].text, "今日导读。");
    assert_int_equal(s->n_intro, 5);
    script_free(s);
    edition_free(ed);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(datelines),
        cmocka_unit_test(sample_script),
        cmocka_unit_test(section_intros),
    };
    return cmocka_run_group_tests_name("script", tests, NULL, NULL);
}
