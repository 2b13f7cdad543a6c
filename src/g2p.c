/* g2p.c -- normalized Chinese text -> toned pinyin tokens.
 *
 * Steps: OpenCC t2s (traditional input reads like simplified); split into
 * Han runs, Latin letters and punctuation; segment each Han run by maximum
 * probability over the lexicon (jieba's method: a DAG of every dictionary
 * word starting at each character, dynamic programming from the end); take
 * each word's pinyin from the lexicon; then 一/不 sandhi over the whole
 * converted text, because the syllable that decides it often belongs to the
 * next word (不 + 是, 一 + 个人).  Neutral tones come from the lexicon.
 */
#include "g2p.h"

#include <math.h>
#include <opencc.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "str.h"
#include "utf8.h"

/* log probability of a character the lexicon lacks: below any real word,
 * so an unknown character never swallows a known neighbour. */
#define UNKNOWN_LOGP (-40.0)

#define CP_YI 0x4E00 /* 一 */
#define CP_BU 0x4E0D /* 不 */

struct g2p {
    const lexicon *lx;
    opencc_t cc;
};

/* What sandhi needs to know about each token appended by one call. */
typedef struct meta {
    uint32_t cp;        /* the character read, 0 for non-syllables */
    size_t word_chars;  /* length of the word it came from */
    size_t word_index;  /* its position in that word */
} meta;

typedef struct conv {
    g2p_tokens *out;
    size_t start;       /* first token of this call */
    meta *m;            /* parallel to out->v[start..] */
    size_t mcap;
    err *e;
} conv;

g2p *g2p_create(const lexicon *lx, err *e)
{
    g2p *g = calloc(1, sizeof *g);
    if (!g) {
        err_set(e, ERR_NOMEM, NULL, 0, 0, "g2p: out of memory");
        return NULL;
    }
    g->lx = lx;
    g->cc = opencc_open("t2s.json");
    if (g->cc == (opencc_t)-1) {
        err_set(e, ERR_LEXICON, NULL, 0, 0, "g2p: cannot open OpenCC t2s.json: %s",
                opencc_error());
        free(g);
        return NULL;
    }
    return g;
}

void g2p_free(g2p *g)
{
    if (!g)
        return;
    opencc_close(g->cc);
    free(g);
}

void g2p_tokens_free(g2p_tokens *toks)
{
    if (!toks)
        return;
    for (size_t i = 0; i < toks->n; i++)
        free(toks->v[i].text);
    free(toks->v);
    toks->v = NULL;
    toks->n = toks->cap = 0;
}

static int push(conv *c, g2p_kind kind, const char *text, size_t len, meta m)
{
    g2p_tokens *t = c->out;
    if (t->n == t->cap) {
        size_t cap = t->cap ? t->cap * 2 : 64;
        g2p_token *v = realloc(t->v, cap * sizeof *v);
        if (!v)
            goto nomem;
        t->v = v;
        t->cap = cap;
    }
    size_t k = t->n - c->start;
    if (k == c->mcap) {
        size_t cap = c->mcap ? c->mcap * 2 : 64;
        meta *nm = realloc(c->m, cap * sizeof *nm);
        if (!nm)
            goto nomem;
        c->m = nm;
        c->mcap = cap;
    }
    char *s = str_dup(text, len, c->e);
    if (!s)
        return -1;
    t->v[t->n] = (g2p_token){kind, s};
    c->m[k] = m;
    t->n++;
    return 0;
nomem:
    err_set(c->e, ERR_NOMEM, NULL, 0, 0, "g2p: out of memory");
    return -1;
}

static int strength(const char *p)
{
    return p[0] == ',' ? 1 : p[0] == '.' ? 2 : 3;
}

/* Appends a pause, or strengthens the pause just before it; a pause with
 * nothing spoken before it in this call is dropped. */
static int pause(conv *c, const char *p)
{
    g2p_tokens *t = c->out;
    if (t->n == c->start)
        return 0;
    g2p_token *last = &t->v[t->n - 1];
    if (last->kind == G2P_PAUSE) {
        if (strength(p) > strength(last->text))
            last->text[0] = p[0]; /* all pause texts are one byte */
        return 0;
    }
    return push(c, G2P_PAUSE, p, 1, (meta){0, 0, 0});
}

/* The pause punctuation stands for, NULL for none.  Brackets set off what
 * they enclose ("养了一群(白鹅)，"); quotes and other symbols say nothing. */
static const char *pause_of(uint32_t cp)
{
    switch (cp) {
    case ',': case 0xFF0C: case 0x3001: case ';': case 0xFF1B: case ':': case 0xFF1A:
    case 0x2014: case 0x2013: case 0x2026: case 0x2E3A:
    case '(': case ')': case 0xFF08: case 0xFF09: case '[': case ']':
    case 0x3010: case 0x3011: case 0x3014: case 0x3015:
        return ",";
    case 0x3002: case '.': case 0xFF0E: case 0xFF61:
        return ".";
    case '?': case 0xFF1F:
        return "?";
    case '!': case 0xFF01:
        return "!";
    default:
        return NULL;
    }
}

/* The letter or digit to speak by name, or 0. */
static char letter_of(uint32_t cp)
{
    if (cp >= 0xFF01 && cp <= 0xFF5E)
        cp -= 0xFEE0; /* full-width ASCII */
    if (cp >= 'a' && cp <= 'z')
        return (char)(cp - 'a' + 'A');
    if ((cp >= 'A' && cp <= 'Z') || (cp >= '0' && cp <= '9'))
        return (char)cp;
    return 0;
}

/* Segments the Han run of 'n' characters starting at byte offsets off[]
 * (off[n] is its end) and appends the words' syllables. */
static int han_run(const g2p *g, conv *c, const char *s, const size_t *off,
                   const uint32_t *cps, size_t n, size_t *unknown)
{
    double *route = malloc((n + 1) * sizeof *route);
    size_t *next = malloc((n + 1) * sizeof *next);
    int rc = -1;
    if (!route || !next) {
        err_set(c->e, ERR_NOMEM, NULL, 0, 0, "g2p: out of memory");
        goto out;
    }
    size_t window = lexicon_max_chars(g->lx);
    if (window < 1)
        window = 1;
    route[n] = 0;
    for (size_t i = n; i-- > 0;) {
        route[i] = -INFINITY;
        next[i] = i + 1;
        for (size_t j = i + 1; j <= n && j - i <= window; j++) {
            double lp;
            if (!lexicon_lookup(g->lx, s + off[i], off[j] - off[i], &lp)) {
                if (j != i + 1)
                    continue;
                lp = UNKNOWN_LOGP;
            }
            if (lp + route[j] > route[i]) {
                route[i] = lp + route[j];
                next[i] = j;
            }
        }
    }
    for (size_t i = 0; i < n; i = next[i]) {
        size_t j = next[i];
        const char *py = lexicon_lookup(g->lx, s + off[i], off[j] - off[i], NULL);
        if (!py) {
            if (unknown && utf8_is_han(cps[i]))
                (*unknown)++;
            continue;
        }
        for (size_t k = 0; *py; k++) {
            size_t sl = strcspn(py, " ");
            meta m = {i + k < j ? cps[i + k] : 0, j - i, k};
            if (push(c, G2P_SYLLABLE, py, sl, m))
                goto out;
            py += sl;
            while (*py == ' ')
                py++;
        }
    }
    rc = 0;
out:
    free(route);
    free(next);
    return rc;
}

static int is_digit_char(uint32_t cp)
{
    switch (cp) {
    case 0x3007: case 0x96F6: case 0x4E00: case 0x4E8C: case 0x4E09: case 0x56DB:
    case 0x4E94: case 0x516D: case 0x4E03: case 0x516B: case 0x4E5D: case 0x5341:
        return 1; /* 〇零一二三四五六七八九十 */
    default:
        return 0;
    }
}

static int is_magnitude(uint32_t cp)
{
    return cp == 0x767E || cp == 0x5343 || cp == 0x4E07 || cp == 0x4EBF ||
           cp == 0x4E24; /* 百千万亿, and 两 as in 一两天 */
}

static void set_syllable(g2p_token *t, const char *syl)
{
    /* "yi1" and "bu4" have the same length as what they replace */
    if (strlen(t->text) == strlen(syl))
        memcpy(t->text, syl, strlen(syl));
}

/* 一 when it starts its word: in numbers and ordinals it keeps yi1
 * (第一, 十一, 一九九四, 一月, 九月一日), else it takes yi2 before a 4th (or neutral) tone, yi4 before
 * the others.  一 inside a longer word keeps the lexicon's reading
 * (统一 yi1, 一心一意). */
static const char *yi_reading(const meta *m, const g2p_token *cur, uint32_t prev,
                              const g2p_token *nt, uint32_t ncp)
{
    if (m->word_chars > 1 && m->word_index > 0)
        return NULL;
    if (!nt)
        return m->word_chars > 1 ? NULL : "yi1";
    int tone = nt->text[strlen(nt->text) - 1] - '0';
    if (is_magnitude(ncp))
        return tone >= 4 ? "yi2" : "yi4";
    if (is_digit_char(prev) || is_magnitude(prev) || prev == 0x7B2C /* 第 */ ||
        is_digit_char(ncp) || ncp == 0x6708 /* 月 */ ||
        (prev == 0x6708 && (ncp == 0x65E5 || ncp == 0x53F7))) /* 月一日, 月一号 */
        return "yi1";
    if (m->word_chars > 1)
        return NULL;
    (void)cur;
    return tone >= 4 ? "yi2" : "yi4";
}

static void sandhi(conv *c)
{
    g2p_tokens *t = c->out;
    size_t n = t->n - c->start;
    for (size_t k = 0; k < n; k++) {
        g2p_token *cur = &t->v[c->start + k];
        const meta *m = &c->m[k];
        if (cur->kind != G2P_SYLLABLE || (m->cp != CP_YI && m->cp != CP_BU))
            continue;
        const g2p_token *nt = NULL;
        uint32_t ncp = 0, prev = 0;
        if (k + 1 < n && t->v[c->start + k + 1].kind == G2P_SYLLABLE) {
            nt = &t->v[c->start + k + 1];
            ncp = c->m[k + 1].cp;
        }
        if (k > 0 && t->v[c->start + k - 1].kind == G2P_SYLLABLE)
            prev = c->m[k - 1].cp;
        if (m->cp == CP_BU) {
            /* bu5 (对不起) is the lexicon's and stays */
            if (!strcmp(cur->text, "bu4") || !strcmp(cur->text, "bu2")) {
                int tone = nt ? nt->text[strlen(nt->text) - 1] - '0' : 0;
                set_syllable(cur, tone == 4 ? "bu2" : "bu4");
            }
            continue;
        }
        if (strncmp(cur->text, "yi", 2))
            continue;
        const char *r = yi_reading(m, cur, prev, nt, ncp);
        if (r)
            set_syllable(cur, r);
    }
}

int g2p_convert(g2p *g, const char *text, size_t len, g2p_tokens *out,
                size_t *unknown, err *e)
{
    int rc = -1;
    size_t *off = NULL;
    uint32_t *cps = NULL;
    conv c = {out, out->n, NULL, 0, e};
    char *s = opencc_convert_utf8(g->cc, text, len);
    if (!s) {
        err_set(e, ERR_INTERNAL, NULL, 0, 0, "g2p: opencc: %s", opencc_error());
        return -1;
    }
    size_t slen = strlen(s);
    /* at most one character per byte, plus the run's end */
    off = malloc((slen + 1) * sizeof *off);
    cps = malloc((slen + 1) * sizeof *cps);
    if (!off || !cps) {
        err_set(e, ERR_NOMEM, NULL, 0, 0, "g2p: out of memory");
        goto out;
    }
    size_t nrun = 0, i = 0;
    while (i <= slen) {
        size_t at = i;
        int32_t cp = i < slen ? utf8_next(s, slen, &i) : -1;
        if (i == at)
            i++; /* the end */
        if (cp >= 0 && utf8_is_han((uint32_t)cp)) {
            off[nrun] = at;
            cps[nrun++] = (uint32_t)cp;
            continue;
        }
        if (nrun) {
            off[nrun] = at;
            if (han_run(g, &c, s, off, cps, nrun, unknown))
                goto out;
            nrun = 0;
        }
        if (cp < 0)
            continue;
        char l = letter_of((uint32_t)cp);
        const char *p = pause_of((uint32_t)cp);
        if (l && push(&c, G2P_LETTER, &l, 1, (meta){0, 0, 0}))
            goto out;
        if (p && pause(&c, p))
            goto out;
    }
    sandhi(&c);
    rc = 0;
out:
    free(c.m);
    free(off);
    free(cps);
    opencc_convert_utf8_free(s);
    return rc;
}

char *g2p_pinyin(g2p *g, const char *text, size_t len, err *e)
{
    g2p_tokens t = {0};
    strbuf b = {0};
    char *res = NULL;
    if (g2p_convert(g, text, len, &t, NULL, e))
        goto out;
    for (size_t i = 0; i < t.n; i++) {
        if (t.v[i].kind != G2P_SYLLABLE)
            continue;
        if ((b.len && strbuf_add(&b, " ", 1, e)) || strbuf_adds(&b, t.v[i].text, e))
            goto out;
    }
    res = strbuf_take(&b);
    if (!res)
        err_set(e, ERR_NOMEM, NULL, 0, 0, "g2p: out of memory");
out:
    strbuf_free(&b);
    g2p_tokens_free(&t);
    return res;
}
