/* clean.c -- repair what layout conversion does to a newspaper page.
 *
 * Works on one article at a time and only on its paragraphs; the order of
 * the passes is the contract in clean.h (captions, joins, repeats).
 *
 * Repeats are found by clause, not by paragraph, because conversion repeats
 * text with its own break points: a block may come back as the tail of one
 * paragraph plus the head of the next.  A clause is the text up to and
 * including ，。！？；： (and closing quotes after them).  Only long runs
 * of repeated clauses are dropped: a newspaper article legitimately repeats
 * a short clause ("守好守牢安全生产底线。" twice in one speech report), but
 * never two sentences in a row.
 */
#include "clean.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "str.h"
#include "utf8.h"

/* A run of repeated clauses is dropped when it is at least this long (in
 * code points) and holds two clauses or more, or when one clause alone is
 * at least CLAUSE_ALONE long. */
#define RUN_MIN_CHARS 16
#define CLAUSE_ALONE 24

/* A paragraph without closing punctuation is a column break only if it is
 * long enough to be running text; short ones are sub-heads. */
#define JOIN_MIN_CHARS 24

/* ---- helpers ------------------------------------------------------------ */

static int32_t last_cp(const char *s, size_t len, size_t *start)
{
    /* Walk back over spaces, then to the start of the last character. */
    while (len && (s[len - 1] == ' ' || s[len - 1] == '\t'))
        len--;
    if (len >= 3 && memcmp(s + len - 3, "\xe3\x80\x80", 3) == 0)
        return last_cp(s, len - 3, start);
    if (!len)
        return -1;
    size_t i = len - 1;
    while (i && ((unsigned char)s[i] & 0xc0) == 0x80)
        i--;
    size_t j = i;
    if (start)
        *start = i;
    return utf8_next(s, len, &j);
}

static int starts_with(const char *s, size_t len, const char *lit)
{
    size_t n = strlen(lit);
    return len >= n && memcmp(s, lit, n) == 0;
}

static int ends_with(const char *s, size_t len, const char *lit)
{
    size_t n = strlen(lit);
    return len >= n && memcmp(s + len - n, lit, n) == 0;
}

/* Length of 's' without trailing spaces and stray numbers ("…供图 3"). */
static size_t strip_tail_digits(const char *s, size_t len)
{
    size_t n = len;
    for (;;) {
        while (n && (s[n - 1] == ' ' || s[n - 1] == '\t'))
            n--;
        if (n >= 3 && memcmp(s + n - 3, "\xe3\x80\x80", 3) == 0) {
            n -= 3;
            continue;
        }
        size_t d = n;
        while (d && s[d - 1] >= '0' && s[d - 1] <= '9')
            d--;
        if (d == n || n - d > 3 || (d && s[d - 1] != ' ' && s[d - 1] != '\t' &&
                                    !ends_with(s, d, "\xe3\x80\x80") &&
                                    !ends_with(s, d, "图") && !ends_with(s, d, "摄")))
            return n;
        n = d;
    }
}

/* ---- captions --------------------------------------------------------- */

int clean_is_caption(const char *text, size_t len)
{
    size_t n = strip_tail_digits(text, len);
    if (n == 0)
        return len > 0; /* only stray numbers */
    size_t chars = utf8_chars(text, n);
    /* A caption is a line or two under a photo, never a whole story. */
    if (chars > 120)
        return 0;
    /* "▲ 游客在…", "图为…", "图：…": the caption marks of Chinese pages. */
    /* (Each mark also in traditional characters: a Hong Kong or Taiwan
     * page is cleaned the same way.) */
    if (starts_with(text, n, "▲") || starts_with(text, n, "△") || starts_with(text, n, "图为") ||
        starts_with(text, n, "圖為") || starts_with(text, n, "图：") ||
        starts_with(text, n, "圖：") || starts_with(text, n, "上图：") ||
        starts_with(text, n, "下图：") || starts_with(text, n, "上圖：") ||
        starts_with(text, n, "下圖："))
        return 1;
    /* "…（通讯员 张三 供图）": the credit in brackets. */
    if (ends_with(text, n, "）"))
        n -= 3;
    else if (ends_with(text, n, ")"))
        n -= 1;
    /* "…通讯员供图", "…受访者/供图", "…资料图", "图片由…提供". */
    static const char *const credits[] = {"供图", "资料图", "资料图片", "/图", "／图", "制图",
                                          "供圖", "資料圖", "資料圖片", "/圖", "／圖", "製圖"};
    for (size_t k = 0; k < sizeof credits / sizeof *credits; k++)
        if (ends_with(text, n, credits[k]))
            return 1;
    if ((ends_with(text, n, "提供") || ends_with(text, n, "提供。")) &&
        (strstr(text, "图片") || strstr(text, "照片") || strstr(text, "圖片")))
        return 1;
    /* "…记者 李明 摄", "…通讯员/王芳 摄影": a credit of a few characters
     * after the caption's last sentence.  "进行拍摄" is not a credit. */
    size_t cut = 0;
    if (ends_with(text, n, "摄影") || ends_with(text, n, "攝影"))
        cut = n - 6;
    else if ((ends_with(text, n, "摄") && !ends_with(text, n, "拍摄") &&
              !ends_with(text, n, "航摄")) ||
             (ends_with(text, n, "攝") && !ends_with(text, n, "拍攝") &&
              !ends_with(text, n, "航攝")))
        cut = n - 3;
    else
        return 0;
    /* The credit: from the last sentence end (or the start) to 'cut'. */
    size_t i = 0, credit = 0;
    while (i < cut) {
        size_t at = i;
        int32_t cp = utf8_next(text, cut, &i);
        if (cp == 0x3002 || cp == 0xff01 || cp == 0xff1f || cp == 0x201d || cp == ' ' ||
            cp == 0x3000)
            credit = i;
        (void)at;
    }
    size_t credit_chars = utf8_chars(text + credit, cut - credit);
    return credit_chars <= 16;
}

static void drop_para(edition_article *a, size_t i)
{
    free(a->paras[i].text);
    memmove(&a->paras[i], &a->paras[i + 1], (a->n_paras - i - 1) * sizeof *a->paras);
    a->n_paras--;
}

/* ---- joins ------------------------------------------------------------- */

static int is_comma_like(int32_t cp)
{
    return cp == 0xff0c || cp == 0x3001 || cp == 0xff1a || cp == ',' || cp == ':' ||
           cp == 0x2014 || cp == 0x2013 || cp == 0x201c || cp == 0xff08 || cp == '(';
}

static int needs_join(const edition_para *p)
{
    int32_t cp = last_cp(p->text, p->len, NULL);
    if (cp < 0 || utf8_is_closing((uint32_t)cp))
        return 0;
    return is_comma_like(cp) || utf8_chars(p->text, p->len) >= JOIN_MIN_CHARS;
}

static int join_next(edition_article *a, size_t i, err *e)
{
    edition_para *p = &a->paras[i], *q = &a->paras[i + 1];
    strbuf b = {0};
    size_t plen = p->len;
    while (plen && (p->text[plen - 1] == ' ' || p->text[plen - 1] == '\t'))
        plen--;
    int latin = plen && q->len &&
                ((p->text[plen - 1] >= 'a' && p->text[plen - 1] <= 'z') ||
                 (p->text[plen - 1] >= 'A' && p->text[plen - 1] <= 'Z')) &&
                ((q->text[0] >= 'a' && q->text[0] <= 'z') || (q->text[0] >= 'A' && q->text[0] <= 'Z'));
    if (strbuf_add(&b, p->text, plen, e) < 0 || (latin && strbuf_add(&b, " ", 1, e) < 0) ||
        strbuf_add(&b, q->text, q->len, e) < 0) {
        strbuf_free(&b);
        return -1;
    }
    free(p->text);
    p->len = b.len;
    p->text = strbuf_take(&b);
    drop_para(a, i + 1);
    return 0;
}

/* ---- repeats ----------------------------------------------------------- */

typedef struct clause {
    size_t off, len;   /* bytes in the paragraph */
    size_t chars;
    uint64_t hash;
} clause;

typedef struct clauses {
    clause *v;
    size_t n, cap;
} clauses;

static int is_clause_end(int32_t cp)
{
    return cp == 0xff0c || cp == 0x3002 || cp == 0xff01 || cp == 0xff1f || cp == 0xff1b ||
           cp == 0xff1a || cp == ',' || cp == '!' || cp == '?' || cp == ';';
}

static int is_closer(int32_t cp)
{
    return cp == 0x201d || cp == 0x2019 || cp == 0x300d || cp == 0x300f || cp == 0xff09 ||
           cp == 0x300b || cp == 0x3011 || cp == ')' || cp == '"';
}

static uint64_t fnv(const char *s, size_t len)
{
    uint64_t h = 1469598103934665603ull;
    for (size_t i = 0; i < len; i++) {
        h ^= (unsigned char)s[i];
        h *= 1099511628211ull;
    }
    return h;
}

static int split_clauses(const char *s, size_t len, clauses *out, err *e)
{
    out->n = 0;
    size_t i = 0, start = 0;
    while (i < len) {
        int32_t cp = utf8_next(s, len, &i);
        int end = is_clause_end(cp);
        if (end) {
            /* Closing quotes and brackets belong to the clause they end. */
            size_t j = i;
            while (j < len) {
                size_t k = j;
                int32_t c2 = utf8_next(s, len, &k);
                if (!is_closer(c2))
                    break;
                j = k;
            }
            i = j;
        }
        if (end || i == len) {
            size_t a = start, b = i;
            while (a < b && s[a] == ' ')
                a++;
            if (b > a) {
                if (out->n == out->cap) {
                    size_t c = out->cap ? out->cap * 2 : 32;
                    clause *p = realloc(out->v, c * sizeof *p);
                    if (!p) {
                        err_set(e, ERR_NOMEM, NULL, 0, 0, "out of memory");
                        return -1;
                    }
                    out->v = p;
                    out->cap = c;
                }
                clause *c = &out->v[out->n++];
                c->off = a;
                c->len = b - a;
                c->chars = utf8_chars(s + a, b - a);
                c->hash = fnv(s + a, b - a);
            }
            start = i;
        }
    }
    return 0;
}

/* The set of clauses already read in this article: hashes, with the text
 * compared on a hash match so a collision never drops text. */
typedef struct seen {
    uint64_t *hash;
    char **text;
    size_t *len;
    size_t n, cap;
} seen;

static int seen_has(const seen *st, const char *s, size_t len, uint64_t h)
{
    for (size_t i = 0; i < st->n; i++)
        if (st->hash[i] == h && st->len[i] == len && memcmp(st->text[i], s, len) == 0)
            return 1;
    return 0;
}

static int seen_add(seen *st, const char *s, size_t len, uint64_t h, err *e)
{
    if (st->n == st->cap) {
        size_t c = st->cap ? st->cap * 2 : 64;
        uint64_t *hh = realloc(st->hash, c * sizeof *hh);
        if (hh)
            st->hash = hh;
        char **tt = hh ? realloc(st->text, c * sizeof *tt) : NULL;
        if (tt)
            st->text = tt;
        size_t *ll = tt ? realloc(st->len, c * sizeof *ll) : NULL;
        if (!ll) {
            err_set(e, ERR_NOMEM, NULL, 0, 0, "out of memory");
            return -1;
        }
        st->len = ll;
        st->cap = c;
    }
    if (!(st->text[st->n] = str_dup(s, len, e)))
        return -1;
    st->hash[st->n] = h;
    st->len[st->n] = len;
    st->n++;
    return 0;
}

static void seen_free(seen *st)
{
    for (size_t i = 0; i < st->n; i++)
        free(st->text[i]);
    free(st->hash);
    free(st->text);
    free(st->len);
}

static int same_clause(const char *a, const clause *ca, const char *b, const clause *cb)
{
    return ca->hash == cb->hash && ca->len == cb->len && memcmp(a + ca->off, b + cb->off, ca->len) == 0;
}

/* True when every clause of paragraph 'p' occurs in paragraph 'q' and 'q'
 * has more: 'p' is a fragment of 'q' that conversion printed apart. */
static int is_fragment_of(const edition_para *p, const clauses *cp,
                          const edition_para *q, const clauses *cq)
{
    if (cp->n == 0 || cq->n <= cp->n)
        return 0;
    size_t chars = 0;
    for (size_t i = 0; i < cp->n; i++) {
        size_t j;
        for (j = 0; j < cq->n; j++)
            if (same_clause(p->text, &cp->v[i], q->text, &cq->v[j]))
                break;
        if (j == cq->n)
            return 0;
        chars += cp->v[i].chars;
    }
    return chars >= RUN_MIN_CHARS;
}

static int drop_fragments(edition_article *a, clean_stats *st, err *e)
{
    size_t n = a->n_paras;
    clauses *cl = calloc(n ? n : 1, sizeof *cl);
    char *drop = calloc(n ? n : 1, 1);
    int rc = -1;
    if (!cl || !drop) {
        err_set(e, ERR_NOMEM, NULL, 0, 0, "out of memory");
        goto out;
    }
    for (size_t i = 0; i < n; i++)
        if (split_clauses(a->paras[i].text, a->paras[i].len, &cl[i], e) < 0)
            goto out;
    for (size_t i = 0; i < n; i++)
        for (size_t j = i + 1; j < n && !drop[i]; j++)
            if (!drop[j] && is_fragment_of(&a->paras[i], &cl[i], &a->paras[j], &cl[j]))
                drop[i] = 1;
    for (size_t i = n; i-- > 0;)
        if (drop[i]) {
            drop_para(a, i);
            st->duplicates++;
        }
    rc = 0;
out:
    if (cl)
        for (size_t i = 0; i < n; i++)
            free(cl[i].v);
    free(cl);
    free(drop);
    return rc;
}

/* Drops long runs of clauses already read, paragraph by paragraph. */
static int drop_repeats(edition_article *a, clean_stats *st, err *e)
{
    seen sn = {0};
    clauses cl = {0};
    char *rep = NULL;
    size_t rep_cap = 0;
    int rc = -1;
    for (size_t i = 0; i < a->n_paras;) {
        edition_para *p = &a->paras[i];
        if (split_clauses(p->text, p->len, &cl, e) < 0)
            goto out;
        if (cl.n > rep_cap) {
            char *r = realloc(rep, cl.n);
            if (!r) {
                err_set(e, ERR_NOMEM, NULL, 0, 0, "out of memory");
                goto out;
            }
            rep = r;
            rep_cap = cl.n;
        }
        for (size_t k = 0; k < cl.n; k++) {
            const clause *c = &cl.v[k];
            rep[k] = (char)seen_has(&sn, p->text + c->off, c->len, c->hash);
            if (!rep[k] && seen_add(&sn, p->text + c->off, c->len, c->hash, e) < 0)
                goto out;
        }
        /* Keep short runs: they are the article's own repetitions. */
        size_t dropped_runs = 0;
        for (size_t k = 0; k < cl.n;) {
            if (!rep[k]) {
                k++;
                continue;
            }
            size_t r = k, chars = 0;
            while (r < cl.n && rep[r])
                chars += cl.v[r++].chars;
            int whole = k == 0 && r == cl.n;
            int drop = (r - k >= 2 && chars >= RUN_MIN_CHARS) || chars >= CLAUSE_ALONE ||
                       (whole && chars >= RUN_MIN_CHARS / 2);
            for (size_t x = k; x < r; x++)
                rep[x] = (char)(drop ? 2 : 0);
            dropped_runs += drop;
            k = r;
        }
        if (!dropped_runs) {
            i++;
            continue;
        }
        st->duplicates += dropped_runs;
        strbuf b = {0};
        for (size_t k = 0; k < cl.n; k++)
            if (rep[k] != 2 && strbuf_add(&b, p->text + cl.v[k].off, cl.v[k].len, e) < 0) {
                strbuf_free(&b);
                goto out;
            }
        if (b.len == 0) {
            strbuf_free(&b);
            drop_para(a, i);
            continue;
        }
        free(p->text);
        p->len = b.len;
        p->text = strbuf_take(&b);
        i++;
    }
    rc = 0;
out:
    free(cl.v);
    free(rep);
    seen_free(&sn);
    return rc;
}

int clean_article(edition_article *a, clean_stats *st, err *e)
{
    for (size_t i = 0; i < a->n_paras;) {
        if (clean_is_caption(a->paras[i].text, a->paras[i].len)) {
            drop_para(a, i);
            st->captions++;
        } else
            i++;
    }
    for (size_t i = 0; i + 1 < a->n_paras;) {
        if (needs_join(&a->paras[i])) {
            if (join_next(a, i, e) < 0)
                return -1;
            st->joined++;
        } else
            i++;
    }
    if (drop_fragments(a, st, e) < 0)
        return -1;
    return drop_repeats(a, st, e);
}
