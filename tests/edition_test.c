/* edition_test.c -- the edition model from real and hand-written editions. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <iconv.h>

#include "edition.h"
#include "str.h"
#include "testutil.h"

static edition *read_ok(const char *path)
{
    err e = {0};
    edition *ed = edition_read(path, NULL, &e);
    if (!ed) {
        char b[2048];
        fail_msg("%s", err_format(&e, b, sizeof b));
    }
    return ed;
}

static size_t count_articles(const edition *ed)
{
    size_t n = 0;
    for (size_t i = 0; i < ed->n_sections; i++)
        n += ed->sections[i].n_articles;
    return n;
}

static void sample_masthead(void **state)
{
    (void)state;
    edition *ed = read_ok(tu_sample());
    const edition_masthead *m = &ed->masthead;
    assert_string_equal(m->paper, "株洲日报");
    assert_string_equal(m->date, "2023-09-05");
    assert_string_equal(m->weekday, "星期二");
    assert_string_equal(m->lunar, "癸卯年七月廿一");
    assert_string_equal(m->issue, "23415");
    assert_int_equal(m->pages, 8);
    assert_string_equal(m->serial, "CN 43-0005");
    edition_free(ed);
}

static void sample_structure(void **state)
{
    (void)state;
    edition *ed = read_ok(tu_sample());
    assert_int_equal(ed->n_sections, 1);
    assert_int_equal(count_articles(ed), 9);
    assert_int_equal(ed->n_teasers, 1);
    size_t columns = 0, with_subtitles = 0;
    for (size_t j = 0; j < ed->sections[0].n_articles; j++) {
        const edition_article *a = &ed->sections[0].articles[j];
        assert_true(a->n_paras > 0);
        assert_true(strlen(a->headline) > 0);
        columns += a->column != NULL;
        with_subtitles += a->n_subtitles > 0;
        /* A headline never keeps the spaces it was split at. */
        assert_null(strchr(a->headline, ' '));
    }
    assert_int_equal(columns, 1);
    assert_int_equal(with_subtitles, 8);
    /* The teaser is not also an article. */
    for (size_t j = 0; j < ed->sections[0].n_articles; j++)
        assert_null(strstr(ed->teasers[0].text, ed->sections[0].articles[j].headline));
    edition_free(ed);
}

static void three_sections(void **state)
{
    (void)state;
    char p[512];
    edition *ed = read_ok(tu_data("edition/three-sections.md", p, sizeof p));
    assert_string_equal(ed->masthead.paper, "湘江晚报");
    assert_string_equal(ed->masthead.date, "2024-03-08");
    assert_string_equal(ed->masthead.weekday, "星期五");
    assert_string_equal(ed->masthead.lunar, "甲辰年正月廿八");
    assert_string_equal(ed->masthead.issue, "9021");
    assert_int_equal(ed->masthead.pages, 12);
    assert_int_equal(ed->n_sections, 3);
    assert_string_equal(ed->sections[0].name, "要闻");
    assert_int_equal(ed->sections[0].number, 1);
    assert_string_equal(ed->sections[1].name, "经济");
    assert_int_equal(ed->sections[1].number, 2);
    assert_string_equal(ed->sections[2].name, "体育");
    assert_int_equal(ed->sections[0].n_articles, 2);
    assert_int_equal(ed->sections[1].n_articles, 2);
    assert_int_equal(ed->sections[2].n_articles, 1);
    assert_int_equal(ed->n_teasers, 3);
    assert_string_equal(ed->teasers[1].text, "城区新增三条公交线路");
    /* An H2 whose only text points to another page is a teaser too. */
    assert_string_equal(ed->teasers[2].text, "城区新增三条公交线路 沿线居民出行更方便");
    const edition_article *a = &ed->sections[1].articles[0];
    assert_string_equal(a->headline, "一季度外贸开局良好");
    assert_non_null(a->column);
    assert_string_equal(a->column, "经济观察");
    assert_int_equal(a->n_paras, 2);
    a = &ed->sections[0].articles[0];
    assert_string_equal(a->headline, "市政府召开常务会议");
    assert_int_equal(a->n_subtitles, 1);
    assert_string_equal(a->subtitles[0], "部署春季农业生产");
    assert_int_equal(a->paras[0].line, 17);
    edition_free(ed);
}

static void folder_edition(void **state)
{
    (void)state;
    char p[512];
    edition *ed = read_ok(tu_data("edition/folder", p, sizeof p));
    assert_string_equal(ed->masthead.paper, "湘江晚报");
    assert_string_equal(ed->masthead.date, "2024-03-09");
    assert_int_equal(ed->n_sections, 3);
    assert_string_equal(ed->sections[0].name, "要闻");
    assert_string_equal(ed->sections[1].name, "经济");
    assert_string_equal(ed->sections[2].name, "文化");
    assert_int_equal(ed->sections[2].number, 3);
    assert_int_equal(count_articles(ed), 4);
    assert_int_equal(ed->sections[2].n_articles, 2);
    edition_free(ed);
}

static void split_headline(void **state)
{
    (void)state;
    static const struct {
        const char *in;
        size_t parts;
        const char *main, *last;
    } cases[] = {
        {"市政府召开常务会议 部署春季农业生产", 2, "市政府召开常务会议", "部署春季农业生产"},
        {"小区加装电梯“难”在哪？ 记者走访五个社区 听听居民怎么说", 3, "小区加装电梯“难”在哪？",
         "听听居民怎么说"},
        {"荷花节开幕：游客如织——本报系列报道之三", 1, "荷花节开幕：游客如织——本报系列报道之三",
         "荷花节开幕：游客如织——本报系列报道之三"},
        {"全新iPhone 15发布 国内售价公布", 2, "全新iPhone 15发布", "国内售价公布"},
        {"两会观察　代表委员热议高质量发展", 2, "两会观察", "代表委员热议高质量发展"},
        {"  前后有空格  ", 1, "前后有空格", "前后有空格"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        edition_article a = {0};
        err e = {0};
        assert_int_equal(edition_split_headline(&a, cases[i].in, strlen(cases[i].in), &e), 0);
        assert_int_equal(1 + a.n_subtitles, cases[i].parts);
        assert_string_equal(a.headline, cases[i].main);
        assert_string_equal(a.n_subtitles ? a.subtitles[a.n_subtitles - 1] : a.headline,
                            cases[i].last);
        free(a.headline);
        for (size_t k = 0; k < a.n_subtitles; k++)
            free(a.subtitles[k]);
        free(a.subtitles);
    }
}

static void expect_error(const char *md, size_t len, err_cat cat, int line, const char *needle)
{
    err e = {0};
    edition *ed = edition_parse(md, len, "x.md", NULL, &e);
    assert_null(ed);
    assert_int_equal(e.cat, cat);
    assert_string_equal(e.file, "x.md");
    if (line)
        assert_int_equal(e.line, line);
    if (!strstr(e.msg, needle))
        fail_msg("message \"%s\" lacks \"%s\"", e.msg, needle);
}

static void bad_input(void **state)
{
    (void)state;
    expect_error("", 0, ERR_PARSE, 1, "empty");
    expect_error("\n\n  \n", 4, ERR_PARSE, 1, "empty");
    expect_error("# 报\n\n正文没有标题。\n", strlen("# 报\n\n正文没有标题。\n"), ERR_PARSE, 0,
                 "no article");
    unsigned char junk[512];
    for (size_t i = 0; i < sizeof junk; i++)
        junk[i] = (unsigned char)(i * 73 + 11);
    expect_error((const char *)junk, sizeof junk, ERR_PARSE, 1, "");

    char p[512];
    err e = {0};
    assert_null(edition_read(tu_data("edition/empty.md", p, sizeof p), NULL, &e));
    assert_int_equal(e.cat, ERR_PARSE);
    assert_null(edition_read(tu_data("edition/no-articles.md", p, sizeof p), NULL, &e));
    assert_int_equal(e.cat, ERR_PARSE);
    assert_null(edition_read("tests/data/edition/does-not-exist.md", NULL, &e));
    assert_int_equal(e.cat, ERR_NOINPUT);
}

/* One bad byte must not cost the edition: it is dropped, and the warning
 * names its line and column. */
static void repairs_with_warnings(void **state)
{
    (void)state;
    static const char bad_utf8[] = "# 报\n\n## 标题\n\n正文\xe4\xb8第三行。\n";
    err e = {0};
    edition *ed = edition_parse(bad_utf8, sizeof bad_utf8 - 1, "x.md", NULL, &e);
    assert_non_null(ed);
    assert_string_equal(ed->sections[0].articles[0].paras[0].text, "正文第三行。");
    assert_int_equal(ed->n_warnings, 2);
    assert_int_equal(ed->warnings[0].line, 5);
    assert_int_equal(ed->warnings[0].col, 3);
    edition_free(ed);

    static const char nul[] = "# 报\n\n## 标题\n\n正文\0正文。\n";
    ed = edition_parse(nul, sizeof nul - 1, "x.md", NULL, &e);
    assert_non_null(ed);
    assert_string_equal(ed->sections[0].articles[0].paras[0].text, "正文正文。");
    assert_int_equal(ed->n_warnings, 1);
    edition_free(ed);
}

static char *recode(const char *utf8, const char *to, size_t *n)
{
    iconv_t cd = iconv_open(to, "UTF-8");
    assert_true(cd != (iconv_t)-1);
    size_t len = strlen(utf8), cap = len * 2 + 8, left = cap;
    char *out = malloc(cap), *o = out, *in = (char *)utf8;
    assert_true(iconv(cd, &in, &len, &o, &left) != (size_t)-1);
    iconv_close(cd);
    *n = (size_t)(o - out);
    return out;
}

/* Chinese publishing systems export GB18030/GBK: detected and converted.
 * Big5 is read when named. */
static void legacy_encodings(void **state)
{
    (void)state;
    static const char md[] = "# 湘江晚报\n\n2024年3月8日 星期五\n\n## 全市春耕生产有序推进\n\n"
                             "本报讯 记者从市农业农村局获悉，全市春耕备耕工作进展顺利。\n";
    size_t n;
    char *gb = recode(md, "GB18030", &n);
    err e = {0};
    edition *ed = edition_parse(gb, n, "gb.md", NULL, &e);
    assert_non_null(ed);
    assert_string_equal(ed->masthead.paper, "湘江晚报");
    assert_string_equal(ed->sections[0].articles[0].headline, "全市春耕生产有序推进");
    assert_int_equal(ed->n_warnings, 1);
    assert_non_null(strstr(ed->warnings[0].msg, "GB18030"));
    edition_free(ed);
    free(gb);

    static const char tw[] = "# 聯合報\n\n## 颱風登陸 各地嚴陣以待\n\n本報訊 氣象局發布海上颱風警報。\n";
    char *big5 = recode(tw, "BIG5", &n);
    edition_opts o = {.encoding = "BIG5"};
    ed = edition_parse(big5, n, "tw.md", &o, &e);
    assert_non_null(ed);
    assert_string_equal(ed->masthead.paper, "聯合報");
    assert_int_equal(ed->n_warnings, 0);
    edition_free(ed);
    /* Big5 not named is not UTF-8; whatever it is read as, it is no crash
     * and either an edition or a clear refusal. */
    ed = edition_parse(big5, n, "tw.md", NULL, &e);
    edition_free(ed);
    free(big5);
}

/* Damage that would cost time or memory: an article with a megabyte
 * paragraph is left out with a warning naming its line; deep nesting and
 * thousands of headings are bounded; the rest of the edition is read. */
static void oversized_and_deep(void **state)
{
    (void)state;
    strbuf md = {0};
    strbuf_adds(&md, "# 报\n\n## 正常的文章\n\n第一段。\n\n## 超长的文章\n\n", NULL);
    for (int i = 0; i < 200000; i++)
        strbuf_adds(&md, "长", NULL);
    strbuf_adds(&md, "\n\n## 另一篇正常的文章\n\n", NULL);
    for (int i = 0; i < 2000; i++)
        strbuf_adds(&md, "> ", NULL);
    strbuf_adds(&md, "很深的引用。\n\n正文。\n\n", NULL);
    for (int i = 0; i < 3000; i++)
        strbuf_addf(&md, NULL, "## 导读标题%d\n\n", i);
    err e = {0};
    edition *ed = edition_parse(md.s, md.len, "big.md", NULL, &e);
    assert_non_null(ed);
    assert_int_equal(ed->sections[0].n_articles, 2);
    assert_string_equal(ed->sections[0].articles[1].headline, "另一篇正常的文章");
    assert_int_equal(ed->n_teasers, EDITION_MAX_TEASERS);
    int long_warned = 0, deep_warned = 0, teasers_warned = 0;
    for (size_t i = 0; i < ed->n_warnings; i++) {
        long_warned += strstr(ed->warnings[i].msg, "left out") && ed->warnings[i].line == 7;
        deep_warned += strstr(ed->warnings[i].msg, "nested") != NULL;
        teasers_warned += strstr(ed->warnings[i].msg, "teasers") != NULL;
    }
    assert_int_equal(long_warned, 1);
    assert_int_equal(deep_warned, 1);
    assert_int_equal(teasers_warned, 1);
    edition_free(ed);
    /* The limit is the caller's to set. */
    edition_opts o = {.max_para_chars = 300000, .max_article_chars = 300000};
    ed = edition_parse(md.s, md.len, "big.md", &o, &e);
    assert_non_null(ed);
    assert_int_equal(ed->sections[0].n_articles, 3);
    edition_free(ed);
    strbuf_free(&md);
}

static void date_from_file_name(void **state)
{
    (void)state;
    static const char md[] = "# 晨报\n\n## 标题\n\n正文。\n";
    err e = {0};
    edition *ed = edition_parse(md, sizeof md - 1, "in/chenbao-2024-05-06.md", NULL, &e);
    assert_non_null(ed);
    assert_string_equal(ed->masthead.date, "2024-05-06");
    edition_free(ed);
    ed = edition_parse(md, sizeof md - 1, "in/chenbao.md", NULL, &e);
    assert_non_null(ed);
    assert_null(ed->masthead.date);
    edition_free(ed);
}

static void bom_and_crlf(void **state)
{
    (void)state;
    static const char md[] = "\xef\xbb\xbf# 晨报\r\n\r\n2024年1月2日 星期二\r\n\r\n## 标题一 副题\r\n\r\n"
                             "本报讯 正文第一段。\r\n\r\n## 标题二\r\n\r\n正文。\r\n";
    err e = {0};
    edition *ed = edition_parse(md, sizeof md - 1, "crlf.md", NULL, &e);
    assert_non_null(ed);
    assert_string_equal(ed->masthead.paper, "晨报");
    assert_string_equal(ed->masthead.date, "2024-01-02");
    assert_int_equal(count_articles(ed), 2);
    assert_string_equal(ed->sections[0].articles[0].subtitles[0], "副题");
    assert_null(strchr(ed->sections[0].articles[0].paras[0].text, '\r'));
    edition_free(ed);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(sample_masthead), cmocka_unit_test(sample_structure),
        cmocka_unit_test(three_sections),  cmocka_unit_test(folder_edition),
        cmocka_unit_test(split_headline),  cmocka_unit_test(bad_input),
        cmocka_unit_test(bom_and_crlf),    cmocka_unit_test(date_from_file_name),
        cmocka_unit_test(repairs_with_warnings), cmocka_unit_test(legacy_encodings),
        cmocka_unit_test(oversized_and_deep),
    };
    return cmocka_run_group_tests_name("edition", tests, NULL, NULL);
}
