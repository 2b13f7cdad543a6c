/* script.c -- the narration script: what is read, in what order.
 *
 * Assumes a cleaned edition (clean_article() has run on every article).
 * The words added around the paper's own text are few and fixed, the way a
 * radio newsreader frames a paper: "株洲日报，2023年9月5日，星期二，农历…，
 * 第23415期。", "今日导读。", "第一版。".  Numbers stay in digits here; tn
 * reads them.
 */
#include "script.h"

#include <stdlib.h>
#include <string.h>

#include "str.h"
#include "utf8.h"

/* Longest dateline we look for, in code points: "株洲日报讯(全媒体记者/李军
 * 通讯员/尹照 陈晶晶)" is 31. */
#define DATELINE_MAX_CHARS 60

const char *script_kind_name(script_kind k)
{
    switch (k) {
    case SCRIPT_INTRO:
        return "intro";
    case SCRIPT_HEADLINE:
        return "headline";
    case SCRIPT_SUBTITLE:
        return "subtitle";
    case SCRIPT_COLUMN:
        return "column";
    case SCRIPT_DATELINE:
        return "dateline";
    case SCRIPT_PARAGRAPH:
        return "paragraph";
    }
    return "?";
}

/* ---- datelines --------------------------------------------------------- */

static int starts(const char *s, size_t len, size_t i, const char *lit)
{
    size_t n = strlen(lit);
    return i + n <= len && memcmp(s + i, lit, n) == 0;
}

static size_t skip_spaces(const char *s, size_t len, size_t i)
{
    for (;;) {
        if (i < len && (s[i] == ' ' || s[i] == '\t'))
            i++;
        else if (starts(s, len, i, "　"))
            i += 3;
        else
            return i;
    }
}

/* A bracketed credit right after 讯/电: "(全媒体记者/邓伟勇)", "（记者 张三）".
 * Returns the offset after the closing bracket, or 'i' when there is none. */
static size_t bracket_group(const char *s, size_t len, size_t i)
{
    const char *close;
    size_t j;
    if (i < len && s[i] == '(') {
        close = ")";
        j = i + 1;
    } else if (starts(s, len, i, "（")) {
        close = "）";
        j = i + 3;
    } else
        return i;
    size_t chars = 0;
    while (j < len && chars < 40) {
        if (starts(s, len, j, close))
            return j + strlen(close);
        if (starts(s, len, j, "。") || starts(s, len, j, "，"))
            return i;
        utf8_next(s, len, &j);
        chars++;
    }
    return i;
}

static int is_role_end(const char *s, size_t len)
{
    static const char *const roles[] = {"记者", "通讯员", "实习生", "摄影", "编辑", "报道",
                                        "記者", "通訊員", "實習生", "攝影", "編輯", "報道"};
    for (size_t k = 0; k < sizeof roles / sizeof *roles; k++) {
        size_t n = strlen(roles[k]);
        if (len >= n && memcmp(s + len - n, roles[k], n) == 0)
            return 1;
    }
    return 0;
}

size_t script_dateline(const char *s, size_t len, size_t *body_off)
{
    size_t i = 0, chars = 0;
    int has_day = 0;
    while (i < len && chars < DATELINE_MAX_CHARS) {
        size_t at = i;
        int32_t cp = utf8_next(s, len, &i);
        chars++;
        /* The place-and-date head has no sentence punctuation in it. */
        if (cp == 0x3002 || cp == 0xff0c || cp == 0xff01 || cp == 0xff1f || cp == 0xff1b ||
            cp == 0xff1a || cp == ',' || cp == ' ' || cp == 0x3000)
            return 0;
        if (cp == 0x65e5) /* 日 */
            has_day = 1;
        /* 讯/訊 and 电/電: a Hong Kong or Taiwan paper writes them
         * traditional. */
        int xun = cp == 0x8baf || cp == 0x8a0a;
        int dian = (cp == 0x7535 || cp == 0x96fb) && has_day; /* after a date: 北京9月4日电 */
        if (!(xun || dian) || chars < 3)
            continue;
        size_t end = bracket_group(s, len, i);
        size_t body = skip_spaces(s, len, end);
        /* "本报讯 记者 张三 " : an unbracketed credit after a space. */
        if (end == i && body > end) {
            size_t j = body, last = body;
            int words = 0;
            while (j < len && words < 4) {
                size_t w = j;
                while (j < len && s[j] != ' ' && !starts(s, len, j, "　") &&
                       !starts(s, len, j, "，") && !starts(s, len, j, "。"))
                    utf8_next(s, len, &j);
                if (j == w || j >= len || starts(s, len, j, "，") || starts(s, len, j, "。"))
                    break;
                if (words == 0 && !is_role_end(s + w, j - w) && !starts(s, len, w, "记者") &&
                    !starts(s, len, w, "通讯员") && !starts(s, len, w, "記者") &&
                    !starts(s, len, w, "通訊員"))
                    break;
                words++;
                last = j;
                j = skip_spaces(s, len, j);
            }
            if (words >= 1 && last > body) {
                end = last;
                body = skip_spaces(s, len, end);
            }
        }
        /* A dateline must be followed by the story, not end the paragraph. */
        if (body >= len || (body == end && end == i && !dian && !xun))
            return 0;
        (void)at;
        *body_off = body;
        return end;
    }
    return 0;
}

/* "株洲日报讯(全媒体记者/李军 通讯员/尹照 陈晶晶)" ->
 * "株洲日报讯，全媒体记者李军，通讯员尹照、陈晶晶": the way an anchor reads
 * a credit, the role run into the name, a pause between roles, the names
 * of one role as a list.  The head is everything before the bracket (or the
 * first space); the credit is split at spaces. */
static char *spoken_dateline(const char *s, size_t len, err *e)
{
    strbuf b = {0};
    size_t i = 0, head_end = len, credit = len;
    while (i < len) {
        size_t at = i;
        if (s[i] == '(' || starts(s, len, i, "（") || s[i] == ' ' || starts(s, len, i, "　")) {
            head_end = at;
            credit = at + (s[i] == '(' || s[i] == ' ' ? 1 : 3);
            break;
        }
        utf8_next(s, len, &i);
    }
    if (strbuf_add(&b, s, head_end, e) < 0)
        goto fail;
    int awaiting_name = 0, names = 0, groups = 0;
    i = credit;
    while (i < len) {
        i = skip_spaces(s, len, i);
        size_t w = i, slash = 0;
        while (i < len && s[i] != ' ' && s[i] != ')' && !starts(s, len, i, "）") &&
               !starts(s, len, i, "　")) {
            if (!slash && (s[i] == '/' || starts(s, len, i, "／")))
                slash = i;
            utf8_next(s, len, &i);
        }
        if (i == w) {
            if (i < len)
                i += s[i] == ')' ? 1 : 3; /* the closing bracket */
            continue;
        }
        if (slash) {
            /* "通讯员/尹照": a new role with its first name. */
            size_t name = slash + (s[slash] == '/' ? 1 : 3);
            if (strbuf_adds(&b, "，", e) < 0 || strbuf_add(&b, s + w, slash - w, e) < 0 ||
                strbuf_add(&b, s + name, i - name, e) < 0)
                goto fail;
            awaiting_name = 0;
            names = i > name;
            groups++;
        } else if (is_role_end(s + w, i - w)) {
            /* "记者 张三": the role, its name next. */
            if (strbuf_adds(&b, "，", e) < 0 || strbuf_add(&b, s + w, i - w, e) < 0)
                goto fail;
            awaiting_name = 1;
            names = 0;
            groups++;
        } else {
            const char *sep = awaiting_name ? "" : names || groups ? "、" : "，";
            if (strbuf_adds(&b, sep, e) < 0 || strbuf_add(&b, s + w, i - w, e) < 0)
                goto fail;
            awaiting_name = 0;
            names++;
        }
    }
    {
        char *r = strbuf_take(&b);
        if (!r)
            err_set(e, ERR_NOMEM, NULL, 0, 0, "out of memory");
        return r;
    }
fail:
    strbuf_free(&b);
    return NULL;
}

/* ---- building ------------------------------------------------------------ */

typedef struct segs {
    script_segment *v;
    size_t n, cap;
} segs;

/* Adds a segment; takes ownership of 'text' (freed on failure). */
static int add_seg(segs *ss, script_kind kind, char *text, const char *src, int line, err *e)
{
    if (!text)
        return -1;
    if (ss->n == ss->cap) {
        size_t c = ss->cap ? ss->cap * 2 : 16;
        script_segment *p = realloc(ss->v, c * sizeof *p);
        if (!p) {
            free(text);
            err_set(e, ERR_NOMEM, NULL, 0, 0, "out of memory");
            return -1;
        }
        ss->v = p;
        ss->cap = c;
    }
    ss->v[ss->n++] = (script_segment){kind, text, src, line};
    return 0;
}

static char *dup(const char *s, err *e)
{
    return str_dup(s, strlen(s), e);
}

static char *fmt_intro(const edition *ed, err *e)
{
    const edition_masthead *m = &ed->masthead;
    strbuf b = {0};
    int ok = strbuf_adds(&b, m->paper, e) == 0;
    if (ok && m->date) {
        int y = atoi(m->date), mo = atoi(m->date + 5), d = atoi(m->date + 8);
        ok = strbuf_addf(&b, e, "，%d年%d月%d日", y, mo, d) == 0;
    }
    if (ok && m->weekday)
        ok = strbuf_addf(&b, e, "，%s", m->weekday) == 0;
    if (ok && m->lunar)
        ok = strbuf_addf(&b, e, "，农历%s", m->lunar) == 0;
    if (ok && m->issue)
        ok = strbuf_addf(&b, e, "，第%s期", m->issue) == 0;
    if (ok)
        ok = strbuf_adds(&b, "。", e) == 0;
    if (ok && m->pages)
        ok = strbuf_addf(&b, e, "今日%d版。", m->pages) == 0;
    if (!ok) {
        strbuf_free(&b);
        return NULL;
    }
    return strbuf_take(&b);
}

/* Chinese numeral for a page number in a section intro (第一版, 第十二版):
 * written here rather than left to tn because "第1版" would be read the same
 * way, but the intro is ours and should not depend on tn's rules. */
static char *section_intro(const edition_section *sec, int order, const char *paper, err *e)
{
    static const char *const d[] = {"零", "一", "二", "三", "四", "五", "六", "七", "八", "九"};
    int n = sec->number > 0 ? sec->number : order;
    strbuf b = {0};
    int ok = strbuf_adds(&b, "第", e) == 0;
    if (ok && n >= 100)
        ok = strbuf_addf(&b, e, "%d", n) == 0;
    else if (ok && n >= 10)
        ok = strbuf_addf(&b, e, "%s十%s", n >= 20 ? d[n / 10] : "", n % 10 ? d[n % 10] : "") == 0;
    else if (ok)
        ok = strbuf_adds(&b, d[n], e) == 0;
    if (ok)
        ok = strbuf_adds(&b, "版", e) == 0;
    if (ok && sec->name && sec->name[0] && strcmp(sec->name, paper) != 0)
        ok = strbuf_addf(&b, e, "，%s", sec->name) == 0;
    if (ok)
        ok = strbuf_adds(&b, "。", e) == 0;
    if (!ok) {
        strbuf_free(&b);
        return NULL;
    }
    return strbuf_take(&b);
}

static int build_article(const edition_article *a, script_article *out, err *e)
{
    segs ss = {0};
    memset(out, 0, sizeof *out);
    if (!(out->headline = dup(a->headline, e)))
        return -1;
    if (add_seg(&ss, SCRIPT_HEADLINE, dup(a->headline, e), a->src, a->line, e) < 0)
        goto fail;
    for (size_t i = 0; i < a->n_subtitles; i++)
        if (add_seg(&ss, SCRIPT_SUBTITLE, dup(a->subtitles[i], e), a->src, a->line, e) < 0)
            goto fail;
    if (a->column && add_seg(&ss, SCRIPT_COLUMN, dup(a->column, e), a->src, a->line + 1, e) < 0)
        goto fail;
    for (size_t i = 0; i < a->n_paras; i++) {
        const edition_para *p = &a->paras[i];
        size_t body = 0, dl = i == 0 ? script_dateline(p->text, p->len, &body) : 0;
        if (dl) {
            if (!(out->dateline = str_dup(p->text, dl, e)) ||
                add_seg(&ss, SCRIPT_DATELINE, spoken_dateline(p->text, dl, e), a->src, p->line,
                        e) < 0)
                goto fail;
        }
        if (add_seg(&ss, SCRIPT_PARAGRAPH, str_dup(p->text + body, p->len - body, e), a->src,
                    p->line, e) < 0)
            goto fail;
    }
    out->segs = ss.v;
    out->n_segs = ss.n;
    return 0;
fail:
    for (size_t i = 0; i < ss.n; i++)
        free(ss.v[i].text);
    free(ss.v);
    free(out->headline);
    free(out->dateline);
    memset(out, 0, sizeof *out);
    return -1;
}

script *script_build(const edition *ed, err *e)
{
    script *s = calloc(1, sizeof *s);
    if (!s) {
        err_set(e, ERR_NOMEM, NULL, 0, 0, "out of memory");
        return NULL;
    }
    segs intro = {0};
    const char *src0 = ed->n_srcs ? ed->srcs[0] : NULL;
    if (add_seg(&intro, SCRIPT_INTRO, fmt_intro(ed, e), src0, 1, e) < 0)
        goto fail;
    if (ed->n_teasers) {
        if (add_seg(&intro, SCRIPT_INTRO, dup("今日导读。", e), src0, ed->teasers[0].line, e) < 0)
            goto fail;
        for (size_t i = 0; i < ed->n_teasers; i++)
            if (add_seg(&intro, SCRIPT_INTRO, dup(ed->teasers[i].text, e), ed->teasers[i].src,
                        ed->teasers[i].line, e) < 0)
                goto fail;
    }
    s->intro = intro.v;
    s->n_intro = intro.n;
    intro = (segs){0};
    s->sections = calloc(ed->n_sections, sizeof *s->sections);
    if (!s->sections) {
        err_set(e, ERR_NOMEM, NULL, 0, 0, "out of memory");
        goto fail;
    }
    for (size_t i = 0; i < ed->n_sections; i++) {
        const edition_section *es = &ed->sections[i];
        script_section *ss = &s->sections[s->n_sections++];
        segs si = {0};
        ss->number = (int)i + 1;
        if (!(ss->name = dup(es->name, e)))
            goto fail;
        if (add_seg(&si, SCRIPT_INTRO, section_intro(es, (int)i + 1, ed->masthead.paper, e),
                    es->src, es->line, e) < 0)
            goto fail;
        ss->intro = si.v;
        ss->n_intro = si.n;
        ss->articles = calloc(es->n_articles, sizeof *ss->articles);
        if (!ss->articles) {
            err_set(e, ERR_NOMEM, NULL, 0, 0, "out of memory");
            goto fail;
        }
        for (size_t j = 0; j < es->n_articles; j++) {
            if (build_article(&es->articles[j], &ss->articles[j], e) < 0)
                goto fail;
            ss->n_articles++;
        }
    }
    return s;
fail:
    for (size_t i = 0; i < intro.n; i++)
        free(intro.v[i].text);
    free(intro.v);
    script_free(s);
    return NULL;
}

static void free_segs(script_segment *v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(v[i].text);
    free(v);
}

void script_free(script *s)
{
    if (!s)
        return;
    free_segs(s->intro, s->n_intro);
    for (size_t i = 0; i < s->n_sections; i++) {
        script_section *ss = &s->sections[i];
        free(ss->name);
        free_segs(ss->intro, ss->n_intro);
        for (size_t j = 0; j < ss->n_articles; j++) {
            free(ss->articles[j].headline);
            free(ss->articles[j].dateline);
            free_segs(ss->articles[j].segs, ss->articles[j].n_segs);
        }
        free(ss->articles);
    }
    free(s->sections);
    free(s);
}

/* ---- sentences --------------------------------------------------------- */

/* What g2p reads as a sentence end ("." "?" "!" pauses).  ASCII '.' is left
 * out: in the written text it is a decimal point or an abbreviation, which
 * tn reads as words. */
static int ends_sentence(int32_t cp)
{
    return cp == 0x3002 || cp == 0xFF01 || cp == 0xFF1F || cp == '!' || cp == '?' ||
           cp == 0xFF0E || cp == 0xFF61;
}

/* Closers that stay with the sentence they close: ”’」』）)】》〉 and
 * spaces. */
static int stays_after_end(int32_t cp)
{
    switch (cp) {
    case 0x201D: case 0x2019: case 0x300D: case 0x300F: case 0xFF09: case ')':
    case 0x3011: case 0x300B: case 0x3009: case ']': case '"': case '\'':
    case ' ': case '\t': case 0x3000:
        return 1;
    default:
        return 0;
    }
}

/* Something g2p turns into a spoken token after tn: a Han character, a
 * letter or a digit (tn writes digits as Han), half- or full-width. */
static int speakable(int32_t cp)
{
    if (cp >= 0xFF10 && cp <= 0xFF5A)
        cp -= 0xFEE0;
    return (cp >= '0' && cp <= '9') || (cp >= 'a' && cp <= 'z') || (cp >= 'A' && cp <= 'Z') ||
           (cp > 0 && utf8_is_han((uint32_t)cp));
}

static int is_digit_cp(int32_t cp)
{
    return (cp >= '0' && cp <= '9') || (cp >= 0xFF10 && cp <= 0xFF19);
}

int script_sentences(const char *text, size_t len, script_span **out, size_t *n, err *e)
{
    /* At most one sentence per end mark, plus the last. */
    size_t cap = 1;
    for (size_t i = 0; i < len;)
        cap += ends_sentence(utf8_next(text, len, &i));
    script_span *v = malloc(cap * sizeof *v);
    if (!v) {
        err_set(e, ERR_NOMEM, NULL, 0, 0, "script: out of memory");
        return -1;
    }
    size_t k = 0, start = 0, i = 0;
    int spoken = 0;     /* the current piece has something to read */
    int32_t prev = -1;
    while (i < len) {
        int32_t cp = utf8_next(text, len, &i);
        spoken |= speakable(cp);
        if (!ends_sentence(cp))
            goto next;
        /* 3．5 is a number, not two sentences. */
        if ((cp == 0xFF0E || cp == 0xFF61) && is_digit_cp(prev)) {
            size_t j = i;
            if (j < len && is_digit_cp(utf8_next(text, len, &j)))
                goto next;
        }
        size_t end = i;
        for (size_t j = i; j < len;) {
            int32_t c = utf8_next(text, len, &j);
            if (!ends_sentence(c) && !stays_after_end(c))
                break;
            end = i = j;
        }
        if (spoken) {
            /* A piece with nothing to read stays in the sentence before;
             * the first such piece is kept for the next sentence. */
            v[k++] = (script_span){start, end - start};
            start = end;
            spoken = 0;
        }
        cp = -1;
    next:
        prev = cp;
    }
    /* The rest: its own sentence when it has something to read, else part
     * of the last one. */
    if (spoken || k == 0)
        v[k++] = (script_span){start, len - start};
    else
        v[k - 1].len = len - v[k - 1].off;
    *out = v;
    *n = k;
    return 0;
}
