/* edition.c -- Markdown edition -> edition model, through cmark.
 *
 * Assumes what real exports of a Chinese daily look like: a masthead H1 with
 * the date line(s) under it, H2 headlines, an optional H3 column label right
 * under a headline, H1 page headings ("第02版：经济") between pages.  Inline
 * markup is dropped (emphasis is not spoken), images are not text.  Every
 * byte is validated as UTF-8 before cmark sees it, so that a bad byte is
 * reported with its line and column instead of being replaced silently.
 */
#include "edition.h"

#include <cmark.h>
#include <dirent.h>
#include <errno.h>
#include <iconv.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "str.h"
#include "utf8.h"

/* A newspaper page is tens of kilobytes; refuse what cannot be one rather
 * than let a wrong path (a disk image, a log) eat memory. */
#define EDITION_MAX_BYTES (64u << 20)

/* ---- small growable arrays ---------------------------------------------- */

static int grow(void **v, size_t *cap, size_t n, size_t elem, err *e)
{
    if (n < *cap)
        return 0;
    size_t c = *cap ? *cap * 2 : 8;
    void *p = realloc(*v, c * elem);
    if (!p) {
        err_set(e, ERR_NOMEM, NULL, 0, 0, "out of memory");
        return -1;
    }
    memset((char *)p + *cap * elem, 0, (c - *cap) * elem);
    *v = p;
    *cap = c;
    return 0;
}

/* The model keeps counts but not capacities; builders track them here. */
typedef struct builder {
    edition *ed;
    size_t cap_sections, cap_teasers, cap_srcs;
    size_t cap_articles, cap_paras, cap_subs; /* of the current section/article */
    edition_section *sec;                     /* current section or NULL */
    edition_article *art;                     /* current article or NULL */
    int art_has_body;                         /* anything after the H2 yet? */
    int masthead_done;
    int in_masthead;                          /* paragraphs go to the masthead */
    strbuf mast;                              /* masthead paragraphs' text */
    int mast_line;
    const char *src;
    edition_opts opts;                        /* limits filled in */
    size_t cap_warnings;
    size_t art_chars;                         /* code points in the current article */
    size_t art_longest_para;                  /* its longest paragraph */
    int deep_warned;                          /* nesting warning given */
    int teasers_warned;
} builder;

/* Markdown nesting deeper than this (quotes in quotes in lists…) is not
 * newspaper text; deeper blocks are skipped so recursion stays bounded. */
#define MAX_DEPTH 32

/* Records a warning (best effort: out of memory drops it). */
static void warn(builder *b, const char *src, int line, int col, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

static void warn(builder *b, const char *src, int line, int col, const char *fmt, ...)
{
    edition *ed = b->ed;
    if (ed->n_warnings == b->cap_warnings) {
        size_t c = b->cap_warnings ? b->cap_warnings * 2 : 8;
        err *w = realloc(ed->warnings, c * sizeof *w);
        if (!w)
            return;
        ed->warnings = w;
        b->cap_warnings = c;
    }
    char msg[ERR_MSG_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    err_set(&ed->warnings[ed->n_warnings++], ERR_PARSE, src, line, col, "%s", msg);
}

/* ---- text of a node --------------------------------------------------- */

static int is_ascii_alnum(int c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

/* A soft line break inside a paragraph: Chinese text joins without a space,
 * Latin words need one. */
static int add_break(strbuf *b, const char *next, err *e)
{
    if (b->len && next && is_ascii_alnum((unsigned char)b->s[b->len - 1]) &&
        is_ascii_alnum((unsigned char)next[0]))
        return strbuf_add(b, " ", 1, e);
    return 0;
}

/* The first text after a line break (to decide whether a space joins the
 * lines).  Looks a few levels down only: deep nesting is not text. */
static const char *first_literal(cmark_node *n)
{
    for (int depth = 0; n && depth < 8; depth++) {
        const char *l = cmark_node_get_literal(n);
        if (l)
            return l;
        n = cmark_node_first_child(n);
    }
    return NULL;
}

/* Appends the text of the inline children of 'n'.  'hard' says what a hard
 * line break becomes ("\n" in the masthead, nothing in body text). */
static int inline_text_at(cmark_node *n, strbuf *b, const char *hard, int depth, err *e)
{
    if (depth > MAX_DEPTH)
        return 0; /* emphasis in links in emphasis…: not text anyone wrote */
    for (cmark_node *c = cmark_node_first_child(n); c; c = cmark_node_next(c)) {
        switch (cmark_node_get_type(c)) {
        case CMARK_NODE_TEXT:
        case CMARK_NODE_CODE: {
            const char *l = cmark_node_get_literal(c);
            if (l && strbuf_adds(b, l, e) < 0)
                return -1;
            break;
        }
        case CMARK_NODE_SOFTBREAK:
            if (add_break(b, first_literal(cmark_node_next(c)), e) < 0)
                return -1;
            break;
        case CMARK_NODE_LINEBREAK:
            if (hard[0] ? strbuf_adds(b, hard, e) < 0
                        : add_break(b, first_literal(cmark_node_next(c)), e) < 0)
                return -1;
            break;
        case CMARK_NODE_IMAGE: /* pictures are not read; captions are clean's job */
        case CMARK_NODE_HTML_INLINE:
            break;
        default: /* emphasis, strong, links: their text */
            if (inline_text_at(c, b, hard, depth + 1, e) < 0)
                return -1;
        }
    }
    return 0;
}

static int inline_text(cmark_node *n, strbuf *b, const char *hard, err *e)
{
    return inline_text_at(n, b, hard, 0, e);
}

/* Trims ASCII and ideographic spaces at both ends, in place. */
static void trim(strbuf *b)
{
    if (!b->s)
        return;
    size_t start = 0, end = b->len;
    for (;;) {
        if (start < end && (b->s[start] == ' ' || b->s[start] == '\t' || b->s[start] == '\n'))
            start++;
        else if (end - start >= 3 && memcmp(b->s + start, "\xe3\x80\x80", 3) == 0)
            start += 3;
        else
            break;
    }
    for (;;) {
        if (end > start && (b->s[end - 1] == ' ' || b->s[end - 1] == '\t' || b->s[end - 1] == '\n'))
            end--;
        else if (end - start >= 3 && memcmp(b->s + end - 3, "\xe3\x80\x80", 3) == 0)
            end -= 3;
        else
            break;
    }
    memmove(b->s, b->s + start, end - start);
    b->len = end - start;
    b->s[b->len] = '\0';
}

static char *node_text(cmark_node *n, const char *hard, err *e)
{
    strbuf b = {0};
    if (inline_text(n, &b, hard, e) < 0) {
        strbuf_free(&b);
        return NULL;
    }
    trim(&b);
    char *s = strbuf_take(&b);
    if (!s)
        err_set(e, ERR_NOMEM, NULL, 0, 0, "out of memory");
    return s;
}

/* ---- masthead ------------------------------------------------------------- */

/* Parses an ASCII decimal number at s[*i]; returns -1 when there is none. */
static long digits(const char *s, size_t len, size_t *i, int maxd)
{
    long v = 0;
    int n = 0;
    while (*i < len && s[*i] >= '0' && s[*i] <= '9' && n < maxd) {
        v = v * 10 + (s[*i] - '0');
        (*i)++;
        n++;
    }
    return n ? v : -1;
}

static int starts(const char *s, size_t len, size_t i, const char *lit)
{
    size_t n = strlen(lit);
    return i + n <= len && memcmp(s + i, lit, n) == 0;
}

/* Finds "YYYY年M月D日" (or YYYY-MM-DD) and writes "YYYY-MM-DD". */
static int find_date(const char *s, size_t len, char out[16])
{
    for (size_t i = 0; i < len; i++) {
        if (s[i] < '0' || s[i] > '9' || (i && s[i - 1] >= '0' && s[i - 1] <= '9'))
            continue;
        size_t j = i;
        long y = digits(s, len, &j, 4), m, d;
        if (y < 1800 || j - i != 4)
            continue;
        if (starts(s, len, j, "年")) {
            j += 3;
            if ((m = digits(s, len, &j, 2)) < 1 || !starts(s, len, j, "月"))
                continue;
            j += 3;
            if ((d = digits(s, len, &j, 2)) < 1 || !starts(s, len, j, "日"))
                continue;
        } else if (j < len && (s[j] == '-' || s[j] == '/' || s[j] == '.')) {
            char sep = s[j++];
            if ((m = digits(s, len, &j, 2)) < 1 || j >= len || s[j] != sep)
                continue;
            j++;
            if ((d = digits(s, len, &j, 2)) < 1)
                continue;
        } else
            continue;
        if (y > 9999 || m > 12 || d > 31)
            continue;
        snprintf(out, 16, "%04d-%02d-%02d", (int)y, (int)m, (int)d);
        return 1;
    }
    return 0;
}

/* Copies the bytes [a, b) as a new string into *dst (replacing it). */
static int take(char **dst, const char *s, size_t a, size_t b, err *e)
{
    char *p = str_dup(s + a, b - a, e);
    if (!p)
        return -1;
    free(*dst);
    *dst = p;
    return 0;
}

static int is_stem(const char *s, size_t len, size_t i)
{
    static const char *const stems[] = {"甲", "乙", "丙", "丁", "戊", "己", "庚", "辛", "壬", "癸"};
    for (size_t k = 0; k < sizeof stems / sizeof *stems; k++)
        if (starts(s, len, i, stems[k]))
            return 1;
    return 0;
}

/* Length in bytes of a run of characters from 'set' (UTF-8 strings) at i. */
static size_t run_of(const char *s, size_t len, size_t i, const char *const *set, size_t n)
{
    size_t j = i;
    for (;;) {
        size_t k;
        for (k = 0; k < n; k++)
            if (starts(s, len, j, set[k])) {
                j += strlen(set[k]);
                break;
            }
        if (k == n)
            return j - i;
    }
}

static int parse_masthead(edition_masthead *m, const char *s, size_t len, err *e)
{
    char date[16];
    if (find_date(s, len, date) && take(&m->date, date, 0, 10, e) < 0)
        return -1;
    for (size_t i = 0; i < len; i++) {
        if (!m->weekday && (starts(s, len, i, "星期") || starts(s, len, i, "礼拜"))) {
            static const char *const wd[] = {"一", "二", "三", "四", "五", "六", "日", "天"};
            size_t n = run_of(s, len, i + 6, wd, 8);
            if (n == 3 && take(&m->weekday, s, i, i + 9, e) < 0)
                return -1;
        }
        /* Lunar date: a stem-branch year, a month, a day: 癸卯年七月廿一. */
        if (!m->lunar && is_stem(s, len, i) && starts(s, len, i + 6, "年")) {
            static const char *const num[] = {"闰", "正", "一", "二", "三", "四", "五", "六", "七",
                                              "八", "九", "十", "冬", "腊", "初", "廿", "卅"};
            size_t j = i + 9;
            size_t mon = run_of(s, len, j, num, 17);
            if (mon && starts(s, len, j + mon, "月")) {
                j += mon + 3;
                size_t day = run_of(s, len, j, num, 17);
                if (take(&m->lunar, s, i, j + day, e) < 0)
                    return -1;
            }
        }
        if (!m->issue && starts(s, len, i, "第")) {
            size_t j = i + 3, d0 = j;
            if (digits(s, len, &j, 9) >= 0 && starts(s, len, j, "期") &&
                take(&m->issue, s, d0, j, e) < 0)
                return -1;
        }
        if (!m->pages && (starts(s, len, i, "今日") || starts(s, len, i, "本期") ||
                          starts(s, len, i, "共"))) {
            size_t j = i + (starts(s, len, i, "共") ? 3 : 6);
            long p = digits(s, len, &j, 3);
            if (p > 0 && starts(s, len, j, "版"))
                m->pages = (int)p;
        }
        if (!m->serial && (s[i] == 'C') && i + 1 < len && s[i + 1] == 'N') {
            size_t j = i + 2;
            while (j < len && s[j] == ' ')
                j++;
            size_t d0 = j;
            if (digits(s, len, &j, 2) >= 0 && j - d0 == 2 && j < len && s[j] == '-') {
                j++;
                size_t d1 = j;
                if (digits(s, len, &j, 4) >= 0 && j - d1 == 4) {
                    char buf[16];
                    snprintf(buf, sizeof buf, "CN %.2s-%.4s", s + d0, s + d1);
                    if (take(&m->serial, buf, 0, strlen(buf), e) < 0)
                        return -1;
                }
            }
        }
    }
    return 0;
}

/* ---- building the model ------------------------------------------------- */

/* A page heading: "第02版：经济", "第2版 要闻", "A03版". Its number goes to
 * *number, its name (after the colon or space) to the returned offset. */
static int page_heading(const char *s, size_t len, int *number, size_t *name_off)
{
    size_t i = 0;
    if (starts(s, len, 0, "第"))
        i = 3;
    else if (len && s[0] >= 'A' && s[0] <= 'Z')
        i = 1;
    long n = digits(s, len, &i, 3);
    if (n < 0 || !starts(s, len, i, "版"))
        return 0;
    i += 3;
    while (i < len && (s[i] == ' ' || s[i] == ':' || s[i] == '-' || s[i] == '|'))
        i++;
    for (;;) {
        if (starts(s, len, i, "："))
            i += 3;
        else if (starts(s, len, i, "　"))
            i += 3;
        else if (i < len && s[i] == ' ')
            i++;
        else
            break;
    }
    *number = (int)n;
    *name_off = i;
    return 1;
}

static int new_section(builder *b, const char *heading, int line, err *e)
{
    edition *ed = b->ed;
    if (grow((void **)&ed->sections, &b->cap_sections, ed->n_sections,
             sizeof *ed->sections, e) < 0)
        return -1;
    edition_section *s = &ed->sections[ed->n_sections++];
    s->src = b->src;
    s->line = line;
    b->sec = s;
    b->art = NULL;
    b->cap_articles = 0;
    if (heading) {
        size_t len = strlen(heading), off = 0;
        int num = 0;
        if (!(s->heading = str_dup(heading, len, e)))
            return -1;
        if (page_heading(heading, len, &num, &off)) {
            s->number = num;
            if (!(s->name = str_dup(heading + off, len - off, e)))
                return -1;
        } else if (!(s->name = str_dup(heading, len, e)))
            return -1;
    }
    return 0;
}

/* The name of a section that has no heading: the file's name without its
 * folder, its leading number and its extension ("02-经济.md" -> "经济"), or
 * for a single-file edition, the paper's name. */
static int default_section_name(builder *b, edition_section *s, int from_file, err *e)
{
    const char *p = b->src, *slash = strrchr(p, '/');
    if (from_file) {
        p = slash ? slash + 1 : p;
        while (*p >= '0' && *p <= '9')
            p++;
        while (*p == '-' || *p == '_' || *p == ' ' || *p == '.')
            p++;
        const char *dot = strrchr(p, '.');
        size_t n = dot && dot > p ? (size_t)(dot - p) : strlen(p);
        if (n) {
            s->name = str_dup(p, n, e);
            return s->name ? 0 : -1;
        }
    }
    const char *paper = b->ed->masthead.paper ? b->ed->masthead.paper : "要闻";
    s->name = str_dup(paper, strlen(paper), e);
    return s->name ? 0 : -1;
}

/* True when the article's only text points to another page ("详见第3版",
 * "（第03版）", "A2版"): the H2 is a teaser for a story printed there. */
static int only_page_refs(const edition_article *a)
{
    for (size_t i = 0; i < a->n_paras; i++) {
        const char *s = a->paras[i].text;
        size_t len = a->paras[i].len, j = 0, digits_seen = 0;
        while (j < len) {
            if (s[j] >= '0' && s[j] <= '9') {
                digits_seen++;
                j++;
                continue;
            }
            static const char *const ok[] = {"详见", "见", "第", "版", "（", "）", "(", ")", "转",
                                             "下转", "→", " ", "　", "A", "B", "C", "D", "。"};
            size_t k;
            for (k = 0; k < sizeof ok / sizeof *ok; k++)
                if (starts(s, len, j, ok[k])) {
                    j += strlen(ok[k]);
                    break;
                }
            if (k == sizeof ok / sizeof *ok)
                return 0;
        }
        if (!digits_seen || !strstr(s, "版"))
            return 0;
    }
    return 1;
}

/* Removes the current (last) article of the current section. */
static void drop_article(builder *b, edition_article *a)
{
    free(a->headline);
    for (size_t i = 0; i < a->n_subtitles; i++)
        free(a->subtitles[i]);
    free(a->subtitles);
    free(a->column);
    for (size_t i = 0; i < a->n_paras; i++)
        free(a->paras[i].text);
    free(a->paras);
    memset(a, 0, sizeof *a);
    b->sec->n_articles--;
}

/* Closes the current article: an H2 with no body is a teaser; an oversized
 * article is left out. */
static int close_article(builder *b, err *e)
{
    edition_article *a = b->art;
    b->art = NULL;
    if (!a)
        return 0;
    size_t chars = b->art_chars, longest = b->art_longest_para;
    b->art_chars = b->art_longest_para = 0;
    if (longest > b->opts.max_para_chars || chars > b->opts.max_article_chars) {
        /* A conversion accident (a page glued into one paragraph): reading
         * it would take an hour and make no sense.  The rest is built. */
        if (longest > b->opts.max_para_chars)
            warn(b, a->src, a->line, 0,
                 "edition: article left out: a paragraph of %zu characters (limit %zu)",
                 longest, b->opts.max_para_chars);
        else
            warn(b, a->src, a->line, 0, "edition: article left out: %zu characters (limit %zu)",
                 chars, b->opts.max_article_chars);
        drop_article(b, a);
        return 0;
    }
    if (a->n_paras && !only_page_refs(a))
        return 0;
    /* A teaser: headline (with subtitles re-joined) goes to the intro. */
    edition *ed = b->ed;
    if (ed->n_teasers >= EDITION_MAX_TEASERS) {
        if (!b->teasers_warned++)
            warn(b, a->src, a->line, 0, "edition: more than %d teasers; the rest are not read",
                 EDITION_MAX_TEASERS);
        drop_article(b, a);
        return 0;
    }
    if (grow((void **)&ed->teasers, &b->cap_teasers, ed->n_teasers, sizeof *ed->teasers, e) < 0)
        return -1;
    strbuf t = {0};
    int ok = strbuf_adds(&t, a->headline, e) == 0;
    for (size_t i = 0; ok && i < a->n_subtitles; i++)
        ok = strbuf_adds(&t, " ", e) == 0 && strbuf_adds(&t, a->subtitles[i], e) == 0;
    char *text = ok ? strbuf_take(&t) : NULL;
    strbuf_free(&t);
    if (!text) {
        err_set(e, ERR_NOMEM, NULL, 0, 0, "out of memory");
        return -1;
    }
    edition_teaser *tz = &ed->teasers[ed->n_teasers++];
    tz->text = text;
    tz->src = a->src;
    tz->line = a->line;
    drop_article(b, a);
    return 0;
}

static int is_split_space(const char *s, size_t len, size_t i, size_t *skip)
{
    /* An ideographic space or a run of ASCII spaces between words. */
    if (starts(s, len, i, "　")) {
        *skip = 3;
        return 1;
    }
    if (s[i] == ' ' || s[i] == '\t') {
        size_t j = i;
        while (j < len && (s[j] == ' ' || s[j] == '\t'))
            j++;
        *skip = j - i;
        /* "CN 43" or "iPhone 15": a space between Latin words is not a break. */
        return !(i && is_ascii_alnum((unsigned char)s[i - 1]) && j < len &&
                 is_ascii_alnum((unsigned char)s[j]));
    }
    return 0;
}

int edition_split_headline(edition_article *a, const char *text, size_t len, err *e)
{
    size_t cap = 0, i = 0, start = 0;
    int first = 1;
    while (i <= len) {
        size_t skip = 0;
        if (i == len || is_split_space(text, len, i, &skip)) {
            if (i > start) {
                char *part = str_dup(text + start, i - start, e);
                if (!part)
                    return -1;
                if (first) {
                    free(a->headline);
                    a->headline = part;
                    first = 0;
                } else {
                    if (grow((void **)&a->subtitles, &cap, a->n_subtitles,
                             sizeof *a->subtitles, e) < 0) {
                        free(part);
                        return -1;
                    }
                    a->subtitles[a->n_subtitles++] = part;
                }
            }
            if (i == len)
                break;
            i += skip;
            start = i;
        } else
            i++;
    }
    if (first && !(a->headline = str_dup("", 0, e)))
        return -1;
    return 0;
}

static int new_article(builder *b, const char *text, int line, err *e)
{
    if (close_article(b, e) < 0)
        return -1;
    if (!b->sec && new_section(b, NULL, line, e) < 0)
        return -1;
    edition_section *s = b->sec;
    if (grow((void **)&s->articles, &b->cap_articles, s->n_articles, sizeof *s->articles, e) < 0)
        return -1;
    edition_article *a = &s->articles[s->n_articles++];
    a->src = b->src;
    a->line = line;
    b->art = a;
    b->art_has_body = 0;
    b->cap_paras = 0;
    return edition_split_headline(a, text, strlen(text), e);
}

static int add_para(builder *b, char *text, int line, err *e)
{
    edition_article *a = b->art;
    if (grow((void **)&a->paras, &b->cap_paras, a->n_paras, sizeof *a->paras, e) < 0) {
        free(text);
        return -1;
    }
    edition_para *p = &a->paras[a->n_paras++];
    p->text = text;
    p->len = strlen(text);
    p->line = line;
    b->art_has_body = 1;
    size_t chars = utf8_chars(text, p->len);
    b->art_chars += chars;
    if (chars > b->art_longest_para)
        b->art_longest_para = chars;
    return 0;
}

static int end_masthead(builder *b, err *e)
{
    if (!b->in_masthead)
        return 0;
    b->in_masthead = 0;
    b->masthead_done = 1;
    return b->mast.len ? parse_masthead(&b->ed->masthead, b->mast.s, b->mast.len, e) : 0;
}

static int block(builder *b, cmark_node *n, int depth, err *e);

static int blocks(builder *b, cmark_node *parent, int depth, err *e)
{
    if (depth > MAX_DEPTH) {
        if (!b->deep_warned++)
            warn(b, b->src, cmark_node_get_start_line(parent), 0,
                 "edition: Markdown nested more than %d levels deep; the deeper text is not read",
                 MAX_DEPTH);
        return 0;
    }
    for (cmark_node *c = cmark_node_first_child(parent); c; c = cmark_node_next(c))
        if (block(b, c, depth, e) < 0)
            return -1;
    return 0;
}

static int heading(builder *b, cmark_node *n, err *e)
{
    int level = cmark_node_get_heading_level(n);
    int line = cmark_node_get_start_line(n);
    char *text = node_text(n, "", e);
    if (!text)
        return -1;
    int rc = 0;
    if (!text[0]) {
        free(text);
        return 0;
    }
    if (level == 1) {
        int num;
        size_t off;
        if (end_masthead(b, e) < 0 || close_article(b, e) < 0) {
            rc = -1;
        } else if (!b->masthead_done && !b->ed->masthead.paper &&
                   !page_heading(text, strlen(text), &num, &off)) {
            /* The first H1 that is not a page heading names the paper. */
            b->ed->masthead.paper = text;
            text = NULL;
            b->in_masthead = 1;
            b->mast_line = line;
        } else if (b->sec && b->sec->n_articles == 0 && !b->sec->heading) {
            /* A section opened by the file itself, not yet used: name it. */
            edition_section *s = b->sec;
            size_t len = strlen(text);
            free(s->name);
            s->name = NULL;
            s->heading = text;
            text = NULL;
            s->line = line;
            if (page_heading(s->heading, len, &num, &off)) {
                s->number = num;
                s->name = str_dup(s->heading + off, len - off, e);
            } else
                s->name = str_dup(s->heading, len, e);
            rc = s->name ? 0 : -1;
        } else {
            rc = new_section(b, text, line, e);
        }
    } else if (level == 2) {
        if (end_masthead(b, e) < 0)
            rc = -1;
        else
            rc = new_article(b, text, line, e);
    } else {
        if (end_masthead(b, e) < 0)
            rc = -1;
        else if (b->art && !b->art_has_body && !b->art->column) {
            /* An H3 right under the headline: the column label. */
            b->art->column = text;
            text = NULL;
        } else if (close_article(b, e) < 0) {
            /* Any other sub-heading ("### 导读") is page structure; it also
             * ends the article, so text after it is not glued to it. */
            rc = -1;
        }
    }
    free(text);
    return rc;
}

static int block(builder *b, cmark_node *n, int depth, err *e)
{
    switch (cmark_node_get_type(n)) {
    case CMARK_NODE_HEADING:
        return heading(b, n, e);
    case CMARK_NODE_PARAGRAPH: {
        int line = cmark_node_get_start_line(n);
        if (b->in_masthead) {
            if (b->mast.len && strbuf_adds(&b->mast, "\n", e) < 0)
                return -1;
            return inline_text(n, &b->mast, "\n", e);
        }
        if (!b->art)
            return 0; /* text outside any article: not read */
        char *text = node_text(n, "", e);
        if (!text)
            return -1;
        if (!text[0]) {
            free(text);
            return 0;
        }
        return add_para(b, text, line, e);
    }
    case CMARK_NODE_BLOCK_QUOTE:
    case CMARK_NODE_LIST:
    case CMARK_NODE_ITEM:
        return blocks(b, n, depth + 1, e);
    default: /* code, HTML, rules: not newspaper text */
        return 0;
    }
}

/* ---- input ------------------------------------------------------------- */

static int parse_text(builder *b, const char *md, size_t len, const char *src,
                      int file_is_section, err *e);

/* Converts 'len' bytes from 'from' to UTF-8 with iconv.  Returns the new
 * text (caller frees) or NULL when it does not convert cleanly. */
static char *convert(const char *in, size_t len, const char *from, size_t *outlen)
{
    iconv_t cd = iconv_open("UTF-8", from);
    if (cd == (iconv_t)-1)
        return NULL;
    size_t cap = len * 2 + 16, left = cap;
    char *out = malloc(cap), *o = out;
    char *ip = (char *)in;
    size_t il = len;
    if (out && iconv(cd, &ip, &il, &o, &left) == (size_t)-1) {
        free(out);
        out = NULL;
    }
    iconv_close(cd);
    if (out)
        *outlen = (size_t)(o - out);
    return out;
}

static int is_bad_cp(int32_t cp)
{
    return cp < 0 || cp == 0 || (cp < 0x20 && cp != '\t' && cp != '\n' && cp != '\r' && cp != '\f') ||
           cp == 0x7f;
}

/* Makes the file's bytes trustworthy UTF-8 text for cmark, which would
 * otherwise replace bad bytes silently:
 *   - a BOM is dropped;
 *   - with opts->encoding (not UTF-8), the file is converted with iconv;
 *   - valid UTF-8 is taken as it is;
 *   - else, if it is valid GB18030 (GBK and GB2312 are subsets), it is
 *     converted, with a warning: Chinese publishing systems still export it;
 *   - else, a few bad bytes (invalid UTF-8, NUL, control bytes) are dropped,
 *     each place named in a warning, so one bad byte does not cost the
 *     edition; more than 1 in 200 bytes means it is not text: refused.
 * *out is 'md' itself or a new buffer in *owned (caller frees). */
static int decode_text(builder *b, const char *md, size_t len, const char *src,
                       const char **out, size_t *outlen, char **owned, err *e)
{
    *owned = NULL;
    if (len >= 3 && memcmp(md, "\xef\xbb\xbf", 3) == 0) {
        md += 3;
        len -= 3;
    }
    const char *enc = b->opts.encoding;
    char *conv = NULL;
    int named = enc && strcasecmp(enc, "UTF-8") && strcasecmp(enc, "UTF8");
    if (named) {
        size_t n;
        if (!(conv = convert(md, len, enc, &n))) {
            err_set(e, ERR_PARSE, src, 1, 0, "edition: not valid %s text (iconv)", enc);
            return -1;
        }
        md = conv;
        len = n;
    }
    size_t bad = 0, i = 0, first = 0, high = 0;
    while (i < len) {
        size_t at = i;
        high += (unsigned char)md[at] >= 0x80;
        if (is_bad_cp(utf8_next(md, len, &i))) {
            if (!bad++)
                first = at;
        }
    }
    if (!bad) {
        *owned = conv;
        *out = md;
        *outlen = len;
        return 0;
    }
    /* GB18030 maps most byte pairs, so UTF-8 with a stray bad byte would
     * "convert" into nonsense: try it only when most non-ASCII bytes are
     * not UTF-8, as in a real GBK export. */
    if (!enc && bad * 4 > high) {
        size_t n;
        char *c = convert(md, len, "GB18030", &n);
        if (c && memchr(c, 0, n) == NULL && utf8_validate(c, n, NULL) == 0) {
            warn(b, src, 0, 0, "edition: not UTF-8; read as GB18030");
            *owned = c;
            *out = c;
            *outlen = n;
            return 0;
        }
        free(c);
    }
    int line, col;
    utf8_position(md, first, &line, &col);
    if (bad > len / 200 + 2) {
        err_set(e, ERR_PARSE, src, line, col,
                "edition: not a text file (%zu invalid or control bytes, first 0x%02x)", bad,
                (unsigned char)md[first]);
        free(conv);
        return -1;
    }
    /* Drop the bad bytes, naming each place. */
    strbuf t = {0};
    i = 0;
    while (i < len) {
        size_t at = i;
        if (is_bad_cp(utf8_next(md, len, &i))) {
            utf8_position(md, at, &line, &col);
            warn(b, src, line, col, "edition: dropped invalid byte 0x%02x", (unsigned char)md[at]);
            continue;
        }
        if (strbuf_add(&t, md + at, i - at, e) < 0) {
            strbuf_free(&t);
            free(conv);
            return -1;
        }
    }
    free(conv);
    *outlen = t.len;
    *owned = strbuf_take(&t);
    *out = *owned;
    return *owned ? 0 : (err_set(e, ERR_NOMEM, src, 0, 0, "out of memory"), -1);
}

static int parse_into(builder *b, const char *raw, size_t rawlen, const char *src,
                      int file_is_section, err *e)
{
    const char *md;
    size_t len;
    char *owned;
    b->src = src;
    if (decode_text(b, raw, rawlen, src, &md, &len, &owned, e) < 0)
        return -1;
    int rc = parse_text(b, md, len, src, file_is_section, e);
    free(owned);
    return rc;
}

static int parse_text(builder *b, const char *md, size_t len, const char *src,
                      int file_is_section, err *e)
{
    size_t i = 0;
    while (i < len && (md[i] == ' ' || md[i] == '\n' || md[i] == '\r' || md[i] == '\t'))
        i++;
    if (i == len) {
        err_set(e, ERR_PARSE, src, 1, 0, "edition: empty file");
        return -1;
    }
    cmark_node *doc = cmark_parse_document(md, len, CMARK_OPT_DEFAULT);
    if (!doc) {
        err_set(e, ERR_NOMEM, src, 0, 0, "edition: out of memory parsing Markdown");
        return -1;
    }
    int rc = 0;
    if (file_is_section) {
        rc = close_article(b, e);
        if (rc == 0)
            rc = new_section(b, NULL, 1, e);
    }
    if (rc == 0)
        rc = blocks(b, doc, 0, e);
    if (rc == 0)
        rc = end_masthead(b, e);
    if (rc == 0)
        rc = close_article(b, e);
    cmark_node_free(doc);
    return rc;
}

/* Names, drops empty sections and checks that something can be read. */
static int finish(builder *b, int from_files, const char *path, err *e)
{
    edition *ed = b->ed;
    size_t k = 0;
    for (size_t i = 0; i < ed->n_sections; i++) {
        edition_section *s = &ed->sections[i];
        if (s->n_articles == 0) {
            free(s->name);
            free(s->heading);
            free(s->articles);
            continue;
        }
        b->src = s->src;
        if (!s->name && default_section_name(b, s, from_files, e) < 0)
            return -1;
        ed->sections[k++] = *s;
    }
    ed->n_sections = k;
    if (k == 0) {
        err_set(e, ERR_PARSE, path, ed->n_srcs == 1 ? 1 : 0, 0,
                "edition: no article (an article is an H2 headline followed by text)");
        return -1;
    }
    /* No date in the masthead: a date in the file's name (zhuzhou-2023-09-05.md)
     * is the edition's. */
    for (size_t i = 0; !ed->masthead.date && i < ed->n_srcs; i++) {
        const char *base = strrchr(ed->srcs[i], '/');
        base = base ? base + 1 : ed->srcs[i];
        char date[16];
        if (find_date(base, strlen(base), date) && !(ed->masthead.date = str_dup(date, 10, e)))
            return -1;
    }
    if (!ed->masthead.date) {
        const char *base = strrchr(path, '/');
        char date[16];
        base = base && base[1] ? base + 1 : path;
        if (find_date(base, strlen(base), date) && !(ed->masthead.date = str_dup(date, 10, e)))
            return -1;
    }
    if (!ed->masthead.paper) {
        const char *name = "报纸";
        if (!(ed->masthead.paper = str_dup(name, strlen(name), e)))
            return -1;
    }
    return 0;
}

static int read_file(const char *path, char **out, size_t *len, err *e)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        err_set(e, errno == ENOENT ? ERR_NOINPUT : ERR_IO, path, 0, 0,
                "cannot open: %s", strerror(errno));
        return -1;
    }
    strbuf b = {0};
    char chunk[65536];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0) {
        if (b.len + n > EDITION_MAX_BYTES) {
            err_set(e, ERR_PARSE, path, 0, 0, "edition: larger than %u MiB; not an edition",
                    EDITION_MAX_BYTES >> 20);
            goto fail;
        }
        if (strbuf_add(&b, chunk, n, e) < 0)
            goto fail;
    }
    if (ferror(f)) {
        err_set(e, ERR_IO, path, 0, 0, "read error: %s", strerror(errno));
        goto fail;
    }
    fclose(f);
    *len = b.len;
    *out = strbuf_take(&b);
    return *out ? 0 : (err_set(e, ERR_NOMEM, path, 0, 0, "out of memory"), -1);
fail:
    fclose(f);
    strbuf_free(&b);
    return -1;
}

static int add_src(builder *b, const char *path, err *e)
{
    edition *ed = b->ed;
    if (grow((void **)&ed->srcs, &b->cap_srcs, ed->n_srcs, sizeof *ed->srcs, e) < 0)
        return -1;
    if (!(ed->srcs[ed->n_srcs] = str_dup(path, strlen(path), e)))
        return -1;
    b->src = ed->srcs[ed->n_srcs++];
    return 0;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static int has_md_ext(const char *name)
{
    size_t n = strlen(name);
    return (n > 3 && strcmp(name + n - 3, ".md") == 0) ||
           (n > 9 && strcmp(name + n - 9, ".markdown") == 0);
}

static edition *new_edition(builder *b, const edition_opts *o, err *e)
{
    memset(b, 0, sizeof *b);
    if (o)
        b->opts = *o;
    if (!b->opts.max_para_chars)
        b->opts.max_para_chars = EDITION_MAX_PARA_CHARS;
    if (!b->opts.max_article_chars)
        b->opts.max_article_chars = EDITION_MAX_ARTICLE_CHARS;
    b->ed = calloc(1, sizeof *b->ed);
    if (!b->ed)
        err_set(e, ERR_NOMEM, NULL, 0, 0, "out of memory");
    return b->ed;
}

edition *edition_parse(const char *md, size_t len, const char *src, const edition_opts *o,
                       err *e)
{
    builder b;
    if (!new_edition(&b, o, e))
        return NULL;
    if (add_src(&b, src, e) < 0 || parse_into(&b, md, len, b.src, 0, e) < 0 ||
        finish(&b, 0, b.src, e) < 0) {
        strbuf_free(&b.mast);
        edition_free(b.ed);
        return NULL;
    }
    strbuf_free(&b.mast);
    return b.ed;
}

edition *edition_read(const char *path, const edition_opts *o, err *e)
{
    struct stat st;
    if (stat(path, &st) < 0) {
        err_set(e, errno == ENOENT || errno == ENOTDIR ? ERR_NOINPUT : ERR_IO, path, 0, 0,
                "cannot read edition: %s", strerror(errno));
        return NULL;
    }
    if (!S_ISDIR(st.st_mode)) {
        char *md;
        size_t len;
        if (!S_ISREG(st.st_mode)) {
            err_set(e, ERR_PARSE, path, 0, 0, "edition: not a regular file");
            return NULL;
        }
        if (read_file(path, &md, &len, e) < 0)
            return NULL;
        edition *ed = edition_parse(md, len, path, o, e);
        free(md);
        return ed;
    }

    /* A folder: one section per Markdown file, in byte order of names. */
    builder b;
    memset(&b, 0, sizeof b);
    char **names = NULL;
    size_t n = 0, cap = 0;
    DIR *d = opendir(path);
    if (!d) {
        err_set(e, ERR_IO, path, 0, 0, "cannot open folder: %s", strerror(errno));
        return NULL;
    }
    struct dirent *de;
    int ok = 1;
    while ((de = readdir(d))) {
        if (de->d_name[0] == '.' || !has_md_ext(de->d_name))
            continue;
        if (grow((void **)&names, &cap, n, sizeof *names, e) < 0 ||
            !(names[n] = str_dup(de->d_name, strlen(de->d_name), e))) {
            ok = 0;
            break;
        }
        n++;
    }
    closedir(d);
    if (ok && n == 0) {
        err_set(e, ERR_PARSE, path, 0, 0, "edition: folder holds no Markdown (*.md) file");
        ok = 0;
    }
    qsort(names, n, sizeof *names, cmp_str);
    if (ok && !new_edition(&b, o, e))
        ok = 0;
    for (size_t i = 0; ok && i < n; i++) {
        strbuf p = {0};
        char *md = NULL;
        size_t len;
        ok = strbuf_addf(&p, e, "%s%s%s", path, path[strlen(path) - 1] == '/' ? "" : "/",
                         names[i]) == 0 &&
             add_src(&b, p.s, e) == 0 && read_file(p.s, &md, &len, e) == 0 &&
             parse_into(&b, md, len, b.src, 1, e) == 0;
        free(md);
        strbuf_free(&p);
    }
    if (ok && finish(&b, 1, path, e) < 0)
        ok = 0;
    for (size_t i = 0; i < n; i++)
        free(names[i]);
    free(names);
    if (b.ed)
        strbuf_free(&b.mast);
    if (!ok) {
        edition_free(b.ed);
        return NULL;
    }
    return b.ed;
}

void edition_free(edition *ed)
{
    if (!ed)
        return;
    edition_masthead *m = &ed->masthead;
    free(m->paper);
    free(m->date);
    free(m->weekday);
    free(m->lunar);
    free(m->issue);
    free(m->serial);
    for (size_t i = 0; i < ed->n_sections; i++) {
        edition_section *s = &ed->sections[i];
        for (size_t j = 0; j < s->n_articles; j++) {
            edition_article *a = &s->articles[j];
            free(a->headline);
            for (size_t k = 0; k < a->n_subtitles; k++)
                free(a->subtitles[k]);
            free(a->subtitles);
            free(a->column);
            for (size_t k = 0; k < a->n_paras; k++)
                free(a->paras[k].text);
            free(a->paras);
        }
        free(s->articles);
        free(s->name);
        free(s->heading);
    }
    free(ed->sections);
    for (size_t i = 0; i < ed->n_teasers; i++)
        free(ed->teasers[i].text);
    free(ed->teasers);
    for (size_t i = 0; i < ed->n_srcs; i++)
        free(ed->srcs[i]);
    free(ed->srcs);
    free(ed->warnings);
    free(ed);
}
