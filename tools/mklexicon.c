/* mklexicon.c -- builds the base lexicon (build/base-lexicon.tsv).
 *
 *   mklexicon --rime terra_pinyin.dict.yaml --unihan Unihan_Readings.txt \
 *             --freq jieba/dict.txt --opencc t2s.json --out FILE
 *
 * Output: "word<TAB>pinyin<TAB>frequency" lines, sorted by bytes, the same
 * bytes for the same inputs.  Pinyin is tone-numbered (1-5), ü as v.
 *
 * Where each part comes from, and the rules that pick one reading:
 *
 * - Rime's terra_pinyin (traditional characters) gives words and readings.
 *   Single characters carry percentage weights; a character listing several
 *   readings without weights shares the rest equally.  A word listing several
 *   readings without weights gets the reading whose syllables best agree with
 *   each character's weights (the sum of log weights; a neutral tone counts
 *   as its character's full-tone reading, and 一/不 count by their base
 *   syllable because Rime writes their sandhi into words).  A tie goes to the
 *   reading with more neutral tones, since Rime lists the lexicalized neutral
 *   form (东西 dong1 xi5, 丈夫 zhang4 fu5) beside the literal one; then to
 *   the first listed.  Errors of this rule are fixed in lexicon/news.tsv.
 * - Every word is converted to simplified with OpenCC (t2s); several
 *   traditional words that become one simplified word are merged and the best
 *   scored reading wins.  A single character's readings are merged from its
 *   traditional sources and weighted by how the character is read in words
 *   (word frequency), so that a simplified form that is also a rare
 *   traditional character (么, read yao1 in Rime) still gets its real reading.
 * - Unihan kMandarin (else kHanyuPinyin) gives characters Rime lacks.
 * - Rime's terra_pinyin follows Taiwan's reading standard for many
 *   characters (星期 xing1 qi2, 信息 xin4 xi2, 成绩 cheng2 ji1, 质量
 *   zhi2 liang4), which a mainland listener hears as wrong.  Unihan's
 *   kTGHZ2013 lists each character's readings in 通用规范汉字字典 (2013),
 *   the mainland standard: a full-tone syllable a character does not have
 *   there is replaced by its standard reading with the same letters (qi2 ->
 *   qi1), or by its only standard reading (携 xi1 -> xie2).  Neutral tones
 *   and the 一/不 sandhi Rime writes into words are left alone.
 * - jieba's dict.txt gives frequencies.  A jieba word that Rime lacks is
 *   kept only when every character has one dominant reading (>= 95% of its
 *   uses, made standard as above) and it holds no 一/不 (whose sandhi g2p decides in context), so
 *   segmentation never invents a polyphone reading.  Rime words absent from
 *   jieba get a small default frequency.
 * - Syllables espeak-ng's cmn-latn-pinyin voice cannot read (m2, hm, n2...)
 *   are rewritten to the nearest syllable it reads.
 */
#include <math.h>
#include <opencc.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DOMINANT 0.95
#define WEAK_DOMINANT 0.8
#define RIME_ONLY_FREQ 2.0  /* Rime word not in jieba */
#define CHAR_ONLY_FREQ 1.0  /* character in no frequency list */

static void die(const char *fmt, const char *arg)
{
    fprintf(stderr, "mklexicon: ");
    fprintf(stderr, fmt, arg);
    fputc('\n', stderr);
    exit(1);
}

static void *xrealloc(void *p, size_t n)
{
    p = realloc(p, n ? n : 1);
    if (!p)
        die("%s", "out of memory");
    return p;
}

static char *xstrndup(const char *s, size_t n)
{
    char *d = xrealloc(NULL, n + 1);
    memcpy(d, s, n);
    d[n] = '\0';
    return d;
}

static char *read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        die("cannot open %s", path);
    size_t cap = 1 << 20, n = 0;
    char *buf = xrealloc(NULL, cap);
    size_t got;
    while ((got = fread(buf + n, 1, cap - n - 1, f)) > 0) {
        n += got;
        if (cap - n - 1 == 0)
            buf = xrealloc(buf, cap *= 2);
    }
    if (ferror(f))
        die("cannot read %s", path);
    fclose(f);
    buf[n] = '\0';
    *len = n;
    return buf;
}

/* ---- UTF-8 (this tool links nothing from src/) ---- */

static uint32_t u8next(const char *s, size_t *i)
{
    const unsigned char *p = (const unsigned char *)s + *i;
    if (p[0] < 0x80) { *i += 1; return p[0]; }
    if ((p[0] & 0xE0) == 0xC0 && p[1]) { *i += 2; return ((p[0] & 0x1Fu) << 6) | (p[1] & 0x3Fu); }
    if ((p[0] & 0xF0) == 0xE0 && p[1] && p[2]) {
        *i += 3;
        return ((p[0] & 0x0Fu) << 12) | ((p[1] & 0x3Fu) << 6) | (p[2] & 0x3Fu);
    }
    if ((p[0] & 0xF8) == 0xF0 && p[1] && p[2] && p[3]) {
        *i += 4;
        return ((p[0] & 0x07u) << 18) | ((p[1] & 0x3Fu) << 12) | ((p[2] & 0x3Fu) << 6) | (p[3] & 0x3Fu);
    }
    *i += 1;
    return 0xFFFD;
}

static size_t u8put(uint32_t cp, char *o)
{
    if (cp < 0x80) { o[0] = (char)cp; return 1; }
    if (cp < 0x800) { o[0] = (char)(0xC0 | (cp >> 6)); o[1] = (char)(0x80 | (cp & 0x3F)); return 2; }
    if (cp < 0x10000) {
        o[0] = (char)(0xE0 | (cp >> 12)); o[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
        o[2] = (char)(0x80 | (cp & 0x3F)); return 3;
    }
    o[0] = (char)(0xF0 | (cp >> 18)); o[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
    o[2] = (char)(0x80 | ((cp >> 6) & 0x3F)); o[3] = (char)(0x80 | (cp & 0x3F));
    return 4;
}

static int is_han(uint32_t c)
{
    return (c >= 0x4E00 && c <= 0x9FFF) || (c >= 0x3400 && c <= 0x4DBF) ||
           (c >= 0x20000 && c <= 0x323AF) || (c >= 0xF900 && c <= 0xFAFF) ||
           (c >= 0x2F800 && c <= 0x2FA1F) || c == 0x3007;
}

/* Code points of 's', or 0 when a character is not Han. */
static size_t han_chars(const char *s)
{
    size_t i = 0, n = 0, len = strlen(s);
    while (i < len) {
        if (!is_han(u8next(s, &i)))
            return 0;
        n++;
    }
    return n;
}

static size_t count_syllables(const char *py)
{
    size_t n = 0;
    for (const char *p = py; *p; p++)
        if (*p != ' ' && (p == py || p[-1] == ' '))
            n++;
    return n;
}

/* ---- a string -> index map (open addressing) ---- */

typedef struct smap {
    char **key;
    int *val;
    size_t cap, n;
} smap;

static uint64_t hash(const char *s, size_t n)
{
    uint64_t h = 1469598103934665603ULL;
    for (size_t i = 0; i < n; i++)
        h = (h ^ (unsigned char)s[i]) * 1099511628211ULL;
    return h;
}

static int smap_get(const smap *m, const char *k)
{
    if (!m->cap)
        return -1;
    size_t n = strlen(k);
    for (size_t i = hash(k, n) & (m->cap - 1);; i = (i + 1) & (m->cap - 1)) {
        if (!m->key[i])
            return -1;
        if (!strcmp(m->key[i], k))
            return m->val[i];
    }
}

/* Stores k -> v ('k' is copied) unless present; returns the stored value. */
static int smap_put(smap *m, const char *k, int v)
{
    if ((m->n + 1) * 2 > m->cap) {
        smap old = *m;
        m->cap = old.cap ? old.cap * 2 : 1024;
        m->key = calloc(m->cap, sizeof *m->key);
        m->val = calloc(m->cap, sizeof *m->val);
        if (!m->key || !m->val)
            die("%s", "out of memory");
        m->n = 0;
        for (size_t i = 0; i < old.cap; i++)
            if (old.key[i]) {
                size_t j = hash(old.key[i], strlen(old.key[i])) & (m->cap - 1);
                while (m->key[j])
                    j = (j + 1) & (m->cap - 1);
                m->key[j] = old.key[i];
                m->val[j] = old.val[i];
                m->n++;
            }
        free(old.key);
        free(old.val);
    }
    size_t n = strlen(k);
    size_t i = hash(k, n) & (m->cap - 1);
    for (; m->key[i]; i = (i + 1) & (m->cap - 1))
        if (!strcmp(m->key[i], k))
            return m->val[i];
    m->key[i] = xstrndup(k, n);
    m->val[i] = v;
    m->n++;
    return v;
}

/* ---- readings ---- */

typedef struct reading {
    char *py;
    double w;      /* character share, or word score */
    int order;
} reading;

typedef struct rlist {
    reading *v;
    size_t n;
} rlist;

static reading *rl_find(rlist *l, const char *py)
{
    for (size_t i = 0; i < l->n; i++)
        if (!strcmp(l->v[i].py, py))
            return &l->v[i];
    return NULL;
}

static reading *rl_add(rlist *l, const char *py, double w, int order)
{
    l->v = xrealloc(l->v, (l->n + 1) * sizeof *l->v);
    l->v[l->n] = (reading){xstrndup(py, strlen(py)), w, order};
    return &l->v[l->n++];
}

static int tone_of(const char *syl, size_t n)
{
    return n ? syl[n - 1] - '0' : 0;
}

/* Syllables espeak-ng 1.51's cmn-latn-pinyin voice does not read as
 * Mandarin (it spells them or drops the tone): the interjections of
 * 呣 嗯 噷 哼 and friends.  Each becomes the syllable a reader would say. */
static const char *espeak_form(const char *syl, char *buf)
{
    static const struct { const char *from, *to; } fix[] = {
        {"m", "mu"}, {"n", "en"}, {"ng", "en"}, {"hm", "hen"},
        {"hng", "heng"}, {"ê", "ei"}, {"yo", "you"}, {"lo", "luo"},
    };
    size_t n = strlen(syl);
    int tone = syl[n - 1];
    for (size_t i = 0; i < sizeof fix / sizeof fix[0]; i++)
        if (strlen(fix[i].from) == n - 1 && !strncmp(fix[i].from, syl, n - 1)) {
            snprintf(buf, 16, "%s%c", fix[i].to, tone);
            return buf;
        }
    return syl;
}

/* Rewrites every syllable of 'py' with espeak_form(); caller frees. */
static char *fix_pinyin(const char *py)
{
    size_t cap = strlen(py) * 2 + 8, o = 0;
    char *out = xrealloc(NULL, cap);
    const char *p = py;
    while (*p) {
        const char *e = strchr(p, ' ');
        size_t n = e ? (size_t)(e - p) : strlen(p);
        char syl[32], buf[16];
        if (n >= sizeof syl)
            n = sizeof syl - 1;
        memcpy(syl, p, n);
        syl[n] = '\0';
        const char *f = espeak_form(syl, buf);
        size_t fl = strlen(f);
        if (o + fl + 2 > cap)
            out = xrealloc(out, cap = (cap + fl) * 2);
        if (o)
            out[o++] = ' ';
        memcpy(out + o, f, fl);
        o += fl;
        p += n;
        while (*p == ' ')
            p++;
    }
    out[o] = '\0';
    return out;
}

static int valid_syllable(const char *s, size_t n)
{
    if (n < 2 || s[n - 1] < '1' || s[n - 1] > '5')
        return 0;
    for (size_t i = 0; i + 1 < n; i++)
        if (s[i] < 'a' || s[i] > 'z')
            return 0;
    return 1;
}

static int valid_pinyin(const char *py)
{
    const char *p = py;
    if (!*p)
        return 0;
    while (*p) {
        const char *e = strchr(p, ' ');
        size_t n = e ? (size_t)(e - p) : strlen(p);
        if (!valid_syllable(p, n))
            return 0;
        p += n;
        if (*p == ' ')
            p++;
    }
    return 1;
}

/* Unihan's "zhōng" -> "zhong1", "lǘ" -> "lv2", toneless -> tone 5.
 * 0 when the reading holds a letter we do not map (ḿ, ê). */
static int unihan_syllable(const char *s, size_t len, char *out, size_t size)
{
    static const struct { uint32_t cp; char base; int tone; } marks[] = {
        {0xE0, 'a', 4}, {0xE1, 'a', 2}, {0x101, 'a', 1}, {0x1CE, 'a', 3},
        {0xE8, 'e', 4}, {0xE9, 'e', 2}, {0x113, 'e', 1}, {0x11B, 'e', 3},
        {0xEC, 'i', 4}, {0xED, 'i', 2}, {0x12B, 'i', 1}, {0x1D0, 'i', 3},
        {0xF2, 'o', 4}, {0xF3, 'o', 2}, {0x14D, 'o', 1}, {0x1D2, 'o', 3},
        {0xF9, 'u', 4}, {0xFA, 'u', 2}, {0x16B, 'u', 1}, {0x1D4, 'u', 3},
        {0xFC, 'v', 0}, {0x1D8, 'v', 2}, {0x1D6, 'v', 1}, {0x1DA, 'v', 3},
        {0x1DC, 'v', 4}, {0x144, 'n', 2}, {0x148, 'n', 3}, {0x1F9, 'n', 4},
    };
    size_t i = 0, o = 0;
    int tone = 5;
    while (i < len) {
        uint32_t c = u8next(s, &i);
        char b = 0;
        if (c >= 'a' && c <= 'z')
            b = (char)c;
        else
            for (size_t k = 0; k < sizeof marks / sizeof marks[0]; k++)
                if (marks[k].cp == c) {
                    b = marks[k].base;
                    if (marks[k].tone)
                        tone = marks[k].tone;
                }
        if (!b || o + 3 > size)
            return 0;
        out[o++] = b;
    }
    out[o++] = (char)('0' + tone);
    out[o] = '\0';
    return valid_syllable(out, o);
}

/* ---- the tables ---- */

typedef struct rime_ent {
    char *trad;
    char *simp;
    char *py;
    double pct;    /* -1 when unweighted */
    int primary;   /* single character: s2t(simp) == trad */
} rime_ent;

typedef struct word {
    char *w;
    rlist cand;    /* candidate readings */
    double freq;   /* jieba frequency, 0 when absent */
    const char *best;
    int chars;
    int composed;  /* added by add_jieba_words() */
} word;

typedef struct lexb {
    smap tchar_ix;         /* traditional char -> index into tchar */
    rlist *tchar;
    size_t ntchar;
    smap word_ix;          /* simplified word -> index into words */
    word *words;
    size_t nwords;
    smap freq_ix;          /* jieba word -> index into freq */
    double *freq;
    size_t nfreq;
    smap std_ix;           /* simplified char -> index into std */
    rlist *std;            /* its kTGHZ2013 readings */
    size_t nstd;
    smap pair_ix;          /* "AB<" / "AB>": index into pair */
    rlist *pair;           /* readings of A before B (<), of B after A (>) */
    size_t npair;
} lexb;

static word *word_get(lexb *b, const char *w)
{
    int ix = smap_get(&b->word_ix, w);
    if (ix >= 0)
        return &b->words[ix];
    smap_put(&b->word_ix, w, (int)b->nwords);
    b->words = xrealloc(b->words, (b->nwords + 1) * sizeof *b->words);
    word *x = &b->words[b->nwords++];
    memset(x, 0, sizeof *x);
    x->w = xstrndup(w, strlen(w));
    x->chars = (int)han_chars(w);
    int f = smap_get(&b->freq_ix, w);
    x->freq = f >= 0 ? b->freq[f] : 0;
    return x;
}

static void load_freq(lexb *b, const char *path)
{
    size_t len;
    char *buf = read_file(path, &len);
    for (char *line = strtok(buf, "\n"); line; line = strtok(NULL, "\n")) {
        char *sp = strchr(line, ' ');
        if (!sp)
            continue;
        *sp = '\0';
        double f = atof(sp + 1);
        int ix = smap_put(&b->freq_ix, line, (int)b->nfreq);
        if (ix == (int)b->nfreq) {
            b->freq = xrealloc(b->freq, (b->nfreq + 1) * sizeof *b->freq);
            b->freq[b->nfreq++] = f;
        } else if (f > b->freq[ix]) {
            b->freq[ix] = f;
        }
    }
    free(buf);
}

static rime_ent *load_rime(const char *path, size_t *n)
{
    size_t len;
    char *buf = read_file(path, &len);
    char *p = strstr(buf, "\n...\n");
    if (!p)
        die("%s: no '...' line ending the header", path);
    p += 5;
    rime_ent *v = NULL;
    size_t cnt = 0;
    for (char *line = strtok(p, "\n"); line; line = strtok(NULL, "\n")) {
        if (line[0] == '#')
            continue;
        char *t1 = strchr(line, '\t');
        if (!t1)
            continue;
        *t1 = '\0';
        char *py = t1 + 1, *t2 = strchr(py, '\t');
        double pct = -1;
        if (t2) {
            *t2 = '\0';
            pct = atof(t2 + 1);
        }
        size_t chars = han_chars(line);
        if (!chars || !valid_pinyin(py) || count_syllables(py) != chars)
            continue;
        v = xrealloc(v, (cnt + 1) * sizeof *v);
        v[cnt++] = (rime_ent){xstrndup(line, strlen(line)), NULL,
                              xstrndup(py, strlen(py)), pct, 0};
    }
    free(buf);
    *n = cnt;
    return v;
}

/* Converts the strings 'in' with OpenCC 'config' in one call: joined by
 * newlines (no dictionary key spans a newline), then split.  The results
 * are malloc()ed into 'out'. */
static void convert_all(char **in, char **out, size_t n, const char *config)
{
    opencc_t od = opencc_open(config);
    if (od == (opencc_t)-1)
        die("cannot open OpenCC configuration %s", config);
    size_t total = 0;
    for (size_t i = 0; i < n; i++)
        total += strlen(in[i]) + 1;
    char *joined = xrealloc(NULL, total + 1), *o = joined;
    for (size_t i = 0; i < n; i++) {
        size_t l = strlen(in[i]);
        memcpy(o, in[i], l);
        o[l] = '\n';
        o += l + 1;
    }
    *o = '\0';
    char *s = opencc_convert_utf8(od, joined, total);
    if (!s)
        die("opencc: %s", opencc_error());
    char *q = s;
    for (size_t i = 0; i < n; i++) {
        char *nl = strchr(q, '\n');
        if (!nl)
            die("%s", "opencc changed the number of lines");
        out[i] = xstrndup(q, (size_t)(nl - q));
        q = nl + 1;
    }
    opencc_convert_utf8_free(s);
    free(joined);
    opencc_close(od);
}

/* Simplified forms of every entry; for single characters, whether the
 * entry is the character's usual traditional form (s2t of the simplified
 * one): 么 stands for 麼 far more often than for its own rare reading. */
static void simplify(rime_ent *v, size_t n, const char *t2s)
{
    char **in = xrealloc(NULL, n * sizeof *in), **out = xrealloc(NULL, n * sizeof *out);
    for (size_t i = 0; i < n; i++)
        in[i] = v[i].trad;
    convert_all(in, out, n, t2s);
    for (size_t i = 0; i < n; i++)
        v[i].simp = out[i];
    convert_all(out, in, n, "s2t.json");
    for (size_t i = 0; i < n; i++) {
        v[i].primary = !strcmp(in[i], v[i].trad);
        free(in[i]);
    }
    free(in);
    free(out);
}

/* Shares of each traditional character's readings, in [0, 1]: weighted
 * readings by their percentage, unweighted ones split the remainder. */
static void char_shares(lexb *b, rime_ent *v, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (han_chars(v[i].trad) != 1)
            continue;
        int ix = smap_put(&b->tchar_ix, v[i].trad, (int)b->ntchar);
        if (ix == (int)b->ntchar) {
            b->tchar = xrealloc(b->tchar, (b->ntchar + 1) * sizeof *b->tchar);
            b->tchar[b->ntchar++] = (rlist){0};
        }
        if (!rl_find(&b->tchar[ix], v[i].py))
            rl_add(&b->tchar[ix], v[i].py, v[i].pct, (int)i);
    }
    for (size_t c = 0; c < b->ntchar; c++) {
        rlist *l = &b->tchar[c];
        double sum = 0;
        size_t unw = 0;
        for (size_t k = 0; k < l->n; k++) {
            if (l->v[k].w < 0)
                unw++;
            else
                sum += l->v[k].w;
        }
        double rest = sum < 100 ? 100 - sum : 0;
        for (size_t k = 0; k < l->n; k++)
            l->v[k].w = (l->v[k].w < 0 ? rest / (double)unw : l->v[k].w) / 100.0;
    }
}

static int same_base(const char *a, size_t an, const char *b, size_t bn)
{
    return an == bn && !strncmp(a, b, an - 1);
}

/* Share of syllable 'syl' for traditional character 'ch' (see the file
 * comment for neutral tones and 一/不). */
static double syllable_share(const lexb *b, const char *ch, const char *syl, size_t n)
{
    int ix = smap_get(&b->tchar_ix, ch);
    if (ix < 0)
        return 1.0;
    const rlist *l = &b->tchar[ix];
    int loose = tone_of(syl, n) == 5 || !strcmp(ch, "一") || !strcmp(ch, "不");
    double best = 0;
    for (size_t k = 0; k < l->n; k++) {
        const char *r = l->v[k].py;
        size_t rn = strlen(r);
        if ((rn == n && !strncmp(r, syl, n)) || (loose && same_base(r, rn, syl, n)))
            if (l->v[k].w > best)
                best = l->v[k].w;
    }
    return best;
}

static double reading_score(const lexb *b, const rime_ent *e)
{
    double s = 0;
    size_t i = 0, len = strlen(e->trad);
    const char *p = e->py;
    while (i < len) {
        size_t st = i;
        u8next(e->trad, &i);
        char ch[8];
        memcpy(ch, e->trad + st, i - st);
        ch[i - st] = '\0';
        const char *sp = strchr(p, ' ');
        size_t n = sp ? (size_t)(sp - p) : strlen(p);
        double w = syllable_share(b, ch, p, n);
        s += log(w > 0.001 ? w : 0.001);
        p += n + (sp ? 1 : 0);
    }
    if (e->pct >= 0)
        s += log(e->pct > 0.1 ? e->pct / 100.0 : 0.001);
    return s;
}

static int neutral_count(const char *py)
{
    int n = 0;
    for (const char *p = py; *p; p++)
        if (*p == '5')
            n++;
    return n;
}

static void choose_word(word *x)
{
    reading *best = NULL;
    for (size_t k = 0; k < x->cand.n; k++) {
        reading *r = &x->cand.v[k];
        if (!best || r->w > best->w + 1e-9)
            best = r;
        else if (fabs(r->w - best->w) <= 1e-9) {
            int a = neutral_count(r->py), c = neutral_count(best->py);
            if (a > c || (a == c && r->order < best->order))
                best = r;
        }
    }
    x->best = best ? best->py : NULL;
}

/* Per simplified character: how it reads standing alone (Rime's shares,
 * merged over its traditional sources, times its own frequency) plus how it
 * reads inside words (each word's frequency).  Stored as the character's
 * candidate weights; returns nothing. */
static void char_usage(lexb *b)
{
    for (size_t i = 0; i < b->nwords; i++) {
        word *x = &b->words[i];
        if (x->chars < 2 || !x->best)
            continue;
        double f = x->freq > 0 ? x->freq : RIME_ONLY_FREQ;
        size_t j = 0, len = strlen(x->w);
        const char *p = x->best;
        while (j < len) {
            size_t st = j;
            u8next(x->w, &j);
            char ch[8];
            memcpy(ch, x->w + st, j - st);
            ch[j - st] = '\0';
            const char *sp = strchr(p, ' ');
            size_t n = sp ? (size_t)(sp - p) : strlen(p);
            char syl[16];
            snprintf(syl, sizeof syl, "%.*s", (int)n, p);
            int ix = smap_get(&b->word_ix, ch);
            if (ix >= 0) {
                reading *r = rl_find(&b->words[ix].cand, syl);
                /* usage is stored separately in 'order'-free slot: we add
                 * to w after the alone-weights were scaled (see below) */
                if (r)
                    r->w += f;
            }
            p += n + (sp ? 1 : 0);
        }
    }
}

static void build(lexb *b, rime_ent *v, size_t n)
{
    char_shares(b, v, n);
    /* Single characters first: candidate weight = merged share. */
    for (size_t i = 0; i < n; i++) {
        if (han_chars(v[i].simp) != 1 || han_chars(v[i].trad) != 1)
            continue;
        int tix = smap_get(&b->tchar_ix, v[i].trad);
        reading *tr = rl_find(&b->tchar[tix], v[i].py);
        word *x = word_get(b, v[i].simp);
        reading *r = rl_find(&x->cand, v[i].py);
        if (!r)
            r = rl_add(&x->cand, v[i].py, 0, (int)i);
        /* the usual traditional form speaks for the character */
        r->w += tr->w * (v[i].primary ? 1.0 : 0.05);
    }
    for (size_t i = 0; i < b->nwords; i++) {
        word *x = &b->words[i];
        double sum = 0, f = x->freq > 0 ? x->freq : CHAR_ONLY_FREQ;
        for (size_t k = 0; k < x->cand.n; k++)
            sum += x->cand.v[k].w;
        for (size_t k = 0; k < x->cand.n; k++)
            x->cand.v[k].w = sum > 0 ? x->cand.v[k].w / sum * f : 0;
    }
    /* Words. */
    for (size_t i = 0; i < n; i++) {
        if (han_chars(v[i].simp) < 2 || han_chars(v[i].simp) != han_chars(v[i].trad))
            continue;
        word *x = word_get(b, v[i].simp);
        double s = reading_score(b, &v[i]);
        reading *r = rl_find(&x->cand, v[i].py);
        if (!r)
            rl_add(&x->cand, v[i].py, s, (int)i);
        else if (s > r->w)
            r->w = s;
    }
    for (size_t i = 0; i < b->nwords; i++)
        if (b->words[i].chars >= 2)
            choose_word(&b->words[i]);
    char_usage(b);
    for (size_t i = 0; i < b->nwords; i++)
        if (b->words[i].chars == 1)
            choose_word(&b->words[i]);
}

static void load_unihan(lexb *b, const char *path)
{
    size_t len;
    char *buf = read_file(path, &len);
    for (char *line = strtok(buf, "\n"); line; line = strtok(NULL, "\n")) {
        if (strncmp(line, "U+", 2))
            continue;
        char *t1 = strchr(line, '\t');
        char *t2 = t1 ? strchr(t1 + 1, '\t') : NULL;
        if (!t2)
            continue;
        int mandarin = !strncmp(t1 + 1, "kMandarin\t", 10);
        int hanyu = !strncmp(t1 + 1, "kHanyuPinyin\t", 13);
        if (!mandarin && !hanyu)
            continue;
        char ch[8];
        ch[u8put((uint32_t)strtoul(line + 2, NULL, 16), ch)] = '\0';
        int ix = smap_get(&b->word_ix, ch);
        if (ix >= 0 && b->words[ix].best)
            continue; /* Rime knows it, or an earlier Unihan line did */
        /* kMandarin's first reading; else kHanyuPinyin "10019.020:tiàn,..." */
        char *r = t2 + 1;
        if (hanyu) {
            char *colon = strchr(r, ':');
            if (!colon)
                continue;
            r = colon + 1;
        }
        size_t rl = strcspn(r, " ,");
        char syl[32];
        if (!unihan_syllable(r, rl, syl, sizeof syl))
            continue;
        word *x = word_get(b, ch);
        if (x->best)
            continue;
        rl_add(&x->cand, syl, 1, -1);
        x->best = x->cand.v[0].py;
    }
    free(buf);
}

/* The dominant reading of simplified character 'ch', or NULL.  Inside a
 * word ('final' false) a neutral tone counts as its full-tone reading:
 * 子 is zi5 at the end of 孩子 but zi3 in 子女. */
static const char *dominant(const lexb *b, const char *ch, int final, double share)
{
    int ix = smap_get(&b->word_ix, ch);
    if (ix < 0 || !b->words[ix].best)
        return NULL;
    const word *x = &b->words[ix];
    if (x->cand.n == 1)
        return x->best;
    double sum = 0, best = 0;
    const char *arg = NULL;
    for (size_t k = 0; k < x->cand.n; k++) {
        const reading *r = &x->cand.v[k];
        size_t rn = strlen(r->py);
        double w = r->w;
        if (!final && tone_of(r->py, rn) == 5) {
            int has_full = 0;
            for (size_t j = 0; j < x->cand.n; j++)
                if (j != k && same_base(x->cand.v[j].py, strlen(x->cand.v[j].py), r->py, rn))
                    has_full = 1;
            if (has_full)
                w = 0; /* its weight goes to the full tone below */
        }
        if (!final && tone_of(r->py, rn) != 5)
            for (size_t j = 0; j < x->cand.n; j++) {
                const char *o = x->cand.v[j].py;
                size_t on = strlen(o);
                if (tone_of(o, on) == 5 && same_base(o, on, r->py, rn))
                    w += x->cand.v[j].w;
            }
        sum += r->w;
        if (w > best) {
            best = w;
            arg = r->py;
        }
    }
    return sum > 0 && best / sum >= share ? arg : NULL;
}

#define YI 0x4E00   /* 一 */
#define BU 0x4E0D   /* 不 */

static int is_digit_char(uint32_t c)
{
    static const uint32_t d[] = {0x3007, 0x96F6, 0x4E00, 0x4E8C, 0x4E09, 0x56DB,
                                 0x4E94, 0x516D, 0x4E03, 0x516B, 0x4E5D, 0x5341};
    for (size_t i = 0; i < sizeof d / sizeof d[0]; i++)
        if (c == d[i])
            return 1;
    return 0;
}

static int is_magnitude(uint32_t c)
{
    return c == 0x767E || c == 0x5343 || c == 0x4E07 || c == 0x4EBF; /* 百千万亿 */
}

/* 一/不 sandhi inside a composed word, by the rules g2p applies across a
 * sentence (see src/g2p.c): yi1 in numbers, ordinals and at the end. */
static void word_sandhi(const lexb *b, const uint32_t *cp, char syl[][16], size_t n)
{
    for (size_t k = 0; k < n; k++) {
        if (cp[k] != YI && cp[k] != BU)
            continue;
        int last = k + 1 == n;
        int nt = last ? 0 : syl[k + 1][strlen(syl[k + 1]) - 1] - '0';
        if (cp[k] == BU) {
            strcpy(syl[k], nt == 4 ? "bu2" : "bu4");
            continue;
        }
        int plain = last ||
            (!is_magnitude(cp[k + 1]) &&
             ((k > 0 && (is_digit_char(cp[k - 1]) || is_magnitude(cp[k - 1]) ||
                         cp[k - 1] == 0x7B2C /* 第 */)) ||
              is_digit_char(cp[k + 1]) || cp[k + 1] == 0x6708 /* 月 */));
        if (!plain && k > 0) {
            /* 统一战线: 一 ends the word 统一 inside the longer one */
            char pair[16];
            size_t pl = u8put(cp[k - 1], pair);
            pl += u8put(YI, pair + pl);
            pair[pl] = '\0';
            int ix = smap_get(&b->word_ix, pair);
            const char *r = ix >= 0 ? b->words[ix].best : NULL;
            /* a jieba pair not yet composed will end in yi1 too */
            plain = r ? strlen(r) >= 3 && !strcmp(r + strlen(r) - 3, "yi1")
                      : smap_get(&b->freq_ix, pair) >= 0;
        }
        strcpy(syl[k], plain ? "yi1" : nt >= 4 ? "yi2" : "yi4");
    }
}

/* kTGHZ2013 readings: "235.220:lǜ 343.090:shuài" per character. */
static void load_standard(lexb *b, const char *path)
{
    size_t len;
    char *buf = read_file(path, &len);
    for (char *line = strtok(buf, "\n"); line; line = strtok(NULL, "\n")) {
        if (strncmp(line, "U+", 2))
            continue;
        char *t1 = strchr(line, '\t');
        if (!t1 || strncmp(t1 + 1, "kTGHZ2013\t", 10))
            continue;
        char ch[8];
        ch[u8put((uint32_t)strtoul(line + 2, NULL, 16), ch)] = '\0';
        int ix = smap_put(&b->std_ix, ch, (int)b->nstd);
        if (ix == (int)b->nstd) {
            b->std = xrealloc(b->std, (b->nstd + 1) * sizeof *b->std);
            b->std[b->nstd++] = (rlist){0};
        }
        for (char *r = t1 + 11; (r = strchr(r, ':')); ) {
            r++;
            size_t rl = strcspn(r, " ");
            char syl[32];
            if (unihan_syllable(r, rl, syl, sizeof syl) && !rl_find(&b->std[ix], syl))
                rl_add(&b->std[ix], syl, 0, 0);
            r += rl;
        }
    }
    free(buf);
}

/* The standard reading of 'ch' to use instead of 'syl' (n bytes), or NULL
 * when 'syl' is standard, unknown to the standard, or not to be touched. */
static const char *standard_for(const lexb *b, const char *ch, const char *syl, size_t n)
{
    int ix = smap_get(&b->std_ix, ch);
    if (ix < 0 || !strcmp(ch, "一") || !strcmp(ch, "不") || tone_of(syl, n) == 5)
        return NULL;
    const rlist *l = &b->std[ix];
    const char *same = NULL;
    for (size_t k = 0; k < l->n; k++) {
        const char *r = l->v[k].py;
        size_t rn = strlen(r);
        if (rn == n && !strncmp(r, syl, n))
            return NULL;
        if (!same && same_base(r, rn, syl, n) && tone_of(r, rn) != 5)
            same = r;
    }
    if (same)
        return same;
    /* A different syllable altogether: only when the standard leaves no
     * choice (one full-tone reading). */
    const char *only = NULL;
    size_t full = 0;
    for (size_t k = 0; k < l->n; k++)
        if (tone_of(l->v[k].py, strlen(l->v[k].py)) != 5) {
            full++;
            only = l->v[k].py;
        }
    return full == 1 ? only : NULL;
}

/* The one reading kTGHZ2013 gives 'ch', or NULL.  A neutral tone counts
 * as a reading: 了 is le5 or liao3, and 除了 must not become chu2 liao3. */
static const char *standard_only(const lexb *b, const char *ch)
{
    int ix = smap_get(&b->std_ix, ch);
    if (ix < 0 || b->std[ix].n != 1)
        return NULL;
    const char *only = b->std[ix].v[0].py;
    return tone_of(only, strlen(only)) != 5 ? only : NULL;
}

/* Rewrites a chosen reading syllable by syllable to the mainland standard
 * (see the file comment).  Returns a new string or NULL when unchanged. */
static char *standardize(const lexb *b, const char *w, const char *py)
{
    char out[512];
    size_t o = 0, i = 0, len = strlen(w);
    int changed = 0;
    const char *p = py;
    while (i < len && *p) {
        size_t st = i;
        u8next(w, &i);
        char ch[8];
        memcpy(ch, w + st, i - st);
        ch[i - st] = '\0';
        const char *sp = strchr(p, ' ');
        size_t n = sp ? (size_t)(sp - p) : strlen(p);
        const char *rep = standard_for(b, ch, p, n);
        /* Rime's erhua "r5" inside a word (幼儿园) or alone is the full
         * syllable er2.  A word-final 儿 (一点儿) is erhua, which espeak-ng
         * cannot merge into the syllable before it; it reads "r5" and
         * "er5" alike (@r11), so the lexicon writes the real pinyin
         * syllable er5, which transcripts and other tools understand. */
        if (!rep && n == 2 && !strncmp(p, "r5", 2))
            rep = i < len || st == 0 ? "er2" : "er5";
        const char *piece = rep ? rep : p;
        size_t pn = rep ? strlen(rep) : n;
        if (o + pn + 2 >= sizeof out)
            return NULL;
        if (o)
            out[o++] = ' ';
        memcpy(out + o, piece, pn);
        o += pn;
        changed |= rep != NULL;
        p += n + (sp ? 1 : 0);
    }
    out[o] = '\0';
    return changed && !*p ? xstrndup(out, o) : NULL;
}

/* Applies standardize() to every chosen reading.  A single character first
 * falls back on its best standard candidate, so 期 defaults to qi1. */
static void mainland_standard(lexb *b)
{
    for (size_t i = 0; i < b->nwords; i++) {
        word *x = &b->words[i];
        if (!x->best)
            continue;
        if (x->chars == 1 && standard_for(b, x->w, x->best, strlen(x->best))) {
            reading *best = NULL;
            for (size_t k = 0; k < x->cand.n; k++) {
                reading *r = &x->cand.v[k];
                if (!standard_for(b, x->w, r->py, strlen(r->py)) && (!best || r->w > best->w))
                    best = r;
            }
            if (best) {
                x->best = best->py;
                continue;
            }
        }
        char *fixed = standardize(b, x->w, x->best);
        if (fixed) {
            x->best = rl_add(&x->cand, fixed, 0, -1)->py;
            free(fixed);
        }
    }
}

/* The readings a character takes next to one neighbour, gathered from
 * every word the lexicon holds (each word counts once): 沒 before 有 is
 * mei2 in all of Rime's 沒有… words, though 没 alone is often mo4.
 * Neutral tones are left out: they belong to the word, not the pair. */
static void pair_note(lexb *b, const char *a, const char *c, char side, const char *syl, size_t n)
{
    char key[24], py[16];
    if (n >= sizeof py || tone_of(syl, n) == 5)
        return;
    snprintf(key, sizeof key, "%.7s%.7s%c", a, c, side);
    snprintf(py, sizeof py, "%.*s", (int)n, syl);
    int ix = smap_put(&b->pair_ix, key, (int)b->npair);
    if (ix == (int)b->npair) {
        b->pair = xrealloc(b->pair, (b->npair + 1) * sizeof *b->pair);
        b->pair[b->npair++] = (rlist){0};
    }
    reading *r = rl_find(&b->pair[ix], py);
    if (r)
        r->w += 1;
    else
        rl_add(&b->pair[ix], py, 1, 0);
}

static void pair_readings(lexb *b)
{
    for (size_t i = 0; i < b->nwords; i++) {
        const word *x = &b->words[i];
        if (x->chars < 2 || x->chars > 24 || !x->best)
            continue;
        char ch[24][8];
        const char *syl[24];
        size_t sl[24], k = 0, j = 0, len = strlen(x->w);
        const char *p = x->best;
        while (j < len && *p && k < 24) {
            size_t st = j;
            u8next(x->w, &j);
            snprintf(ch[k], sizeof ch[k], "%.*s", (int)(j - st), x->w + st);
            const char *sp = strchr(p, ' ');
            syl[k] = p;
            sl[k] = sp ? (size_t)(sp - p) : strlen(p);
            p += sl[k] + (sp ? 1 : 0);
            k++;
        }
        for (size_t m = 0; m + 1 < k; m++) {
            pair_note(b, ch[m], ch[m + 1], '<', syl[m], sl[m]);
            pair_note(b, ch[m], ch[m + 1], '>', syl[m + 1], sl[m + 1]);
        }
    }
}

#define PAIR_AGREE 0.9
#define INNER_MIN_FREQ 200  /* jieba frequency of a two-character inner word */
#define PAIR_SURE 3   /* words it takes to overrule a weakly dominant reading */

/* The reading of the character 'ch[k]' of a word of 'n' characters that
 * its neighbours in other words agree on (>= PAIR_AGREE of the words that
 * hold either pair), copied to 'out'; 0 when they do not agree. */
static int pair_reading(const lexb *b, char ch[][8], size_t n, size_t k, char *out, size_t size,
                        double support)
{
    rlist all = {0};
    for (int side = 0; side < 2; side++) {
        if ((side == 0 && k + 1 >= n) || (side == 1 && k == 0))
            continue;
        char key[24];
        if (side == 0)
            snprintf(key, sizeof key, "%.7s%.7s<", ch[k], ch[k + 1]);
        else
            snprintf(key, sizeof key, "%.7s%.7s>", ch[k - 1], ch[k]);
        int ix = smap_get(&b->pair_ix, key);
        if (ix < 0)
            continue;
        const rlist *l = &b->pair[ix];
        for (size_t r = 0; r < l->n; r++) {
            reading *a = rl_find(&all, l->v[r].py);
            if (a)
                a->w += l->v[r].w;
            else
                rl_add(&all, l->v[r].py, l->v[r].w, 0);
        }
    }
    double sum = 0;
    const reading *top = NULL;
    for (size_t r = 0; r < all.n; r++) {
        sum += all.v[r].w;
        if (!top || all.v[r].w > top->w)
            top = &all.v[r];
    }
    int ok = top && top->w / sum >= PAIR_AGREE && top->w >= support && strlen(top->py) < size;
    if (ok)
        strcpy(out, top->py);
    for (size_t r = 0; r < all.n; r++)
        free(all.v[r].py);
    free(all.v);
    return ok;
}

/* The reading character k of the n characters 'ch' has in the longest
 * shorter word of the lexicon that holds it (银行行长: 行 of 行长, not
 * the xing2 行 is more often), copied to 'out'; 0 when no such word or two
 * of the same length disagree.  A neutral tone is only taken where it ends
 * both words (力量 in 贡献力量, not 东西 in 东西南北). */
static int inner_reading(const lexb *b, char ch[][8], size_t n, size_t k, char *out, size_t size)
{
    for (size_t len = n - 1; len >= 2; len--) {
        int found = 0;
        for (size_t st = k + 1 >= len ? k + 1 - len : 0; st <= k && st + len <= n; st++) {
            char w[24 * 8] = "";
            for (size_t j = st; j < st + len; j++)
                strcat(w, ch[j]);
            int ix = smap_get(&b->word_ix, w);
            /* two characters of rare vocabulary (的是 di2, 车场 chang2) mislead */
            if (ix < 0 || !b->words[ix].best || b->words[ix].composed ||
                (len == 2 && b->words[ix].freq < INNER_MIN_FREQ))
                continue;
            const char *p = b->words[ix].best;
            for (size_t j = st; j < k && p; j++)
                if ((p = strchr(p, ' ')))
                    p++;
            if (!p)
                continue;
            size_t sl = strcspn(p, " ");
            if (sl >= size || (tone_of(p, sl) == 5 && (k + 1 != n || k + 1 != st + len)))
                continue;
            if (found && (strlen(out) != sl || strncmp(out, p, sl)))
                return 0;
            snprintf(out, size, "%.*s", (int)sl, p);
            found = 1;
        }
        if (found)
            return 1;
    }
    return 0;
}

/* The reading of character k of jieba word 'ch' (n characters) that
 * mklexicon can vouch for, copied to 'out' (16 bytes); 0 when there is
 * none.  In order: 一/不 by their base (word_sandhi() decides later); the
 * character's dominant reading (>= DOMINANT); its reading in a shorter
 * word of the lexicon inside this one (inner_reading()); a reading the same
 * neighbours agree on in other words (the pair is more often rare Rime
 * vocabulary than the character, so it only decides a polyphone); the one full-tone reading kTGHZ2013
 * leaves; a reading that still holds >= WEAK_DOMINANT of the character's
 * uses.  Each is then made mainland standard. */
static int compose_reading(const lexb *b, char ch[][8], size_t n, size_t k, char *out, int *how)
{
    const char *d = NULL, *weak = dominant(b, ch[k], 0, WEAK_DOMINANT);
    if (!strcmp(ch[k], "一") || !strcmp(ch[k], "不")) {
        strcpy(out, !strcmp(ch[k], "一") ? "yi1" : "bu4");
        *how = 0;
        return 1;
    }
    if ((d = dominant(b, ch[k], 0, DOMINANT))) {
        *how = 0;
    } else if (inner_reading(b, ch, n, k, out, 16)) {
        d = out;
        *how = 1;
    } else if (pair_reading(b, ch, n, k, out, 16, weak ? PAIR_SURE : 1)) {
        d = out;
        *how = 1;
    } else if ((d = weak)) {
        *how = 3;
    } else if ((d = standard_only(b, ch[k]))) {
        *how = 2;
    } else {
        return 0;
    }
    /* dominance is measured on Rime's words before they were made
     * standard: 绩 is ji1 in Rime's 績效, so 绩效考核 needs it too */
    const char *std = standard_for(b, ch[k], d, strlen(d));
    if (std)
        d = std;
    if (strlen(d) >= 16)
        return 0;
    if (d != out)
        strcpy(out, d);
    return 1;
}

static void add_jieba_words(lexb *b)
{
    size_t nkeys = b->freq_ix.cap, added[5] = {0};
    for (size_t s = 0; s < nkeys; s++) {
        const char *w = b->freq_ix.key[s];
        if (!w || smap_get(&b->word_ix, w) >= 0)
            continue;
        size_t chars = han_chars(w);
        if (chars < 2 || chars > 24)
            continue;
        uint32_t cp[24];
        char ch[24][8], syl[24][16];
        size_t i = 0, len = strlen(w), k = 0;
        while (i < len) {
            size_t st = i;
            cp[k] = u8next(w, &i);
            snprintf(ch[k++], sizeof ch[0], "%.*s", (int)(i - st), w + st);
        }
        int ok = 1, how = 0, worst = 0;
        for (size_t j = 0; j < k && ok; j++) {
            ok = compose_reading(b, ch, k, j, syl[j], &how);
            if (how > worst)
                worst = how;
        }
        if (!ok)
            continue;
        added[worst]++;
        word_sandhi(b, cp, syl, k);
        char py[24 * 17];
        size_t o = 0;
        for (size_t j = 0; j < k; j++)
            o += (size_t)snprintf(py + o, sizeof py - o, "%s%s", j ? " " : "", syl[j]);
        word *x = word_get(b, w);
        rl_add(&x->cand, py, 0, -1);
        x->best = x->cand.v[0].py;
        x->composed = 1;
        if (getenv("MKLEXICON_COMPOSED") && worst)
            fprintf(stderr, "composed\t%d\t%s\t%s\t%.0f\n", worst, w, py, x->freq);
    }
    if (getenv("MKLEXICON_COMPOSED"))
        fprintf(stderr, "jieba words composed: %zu by dominant readings, %zu with a "
                "neighbour's reading, %zu with kTGHZ2013's only one, %zu with a weaker "
                "dominant\n", added[0], added[1], added[2], added[3]);
}

static int cmp_word(const void *a, const void *c)
{
    return strcmp(((const word *)a)->w, ((const word *)c)->w);
}

static void write_out(lexb *b, const char *path)
{
    FILE *f = fopen(path, "w");
    if (!f)
        die("cannot write %s", path);
    qsort(b->words, b->nwords, sizeof *b->words, cmp_word);
    for (size_t i = 0; i < b->nwords; i++) {
        word *x = &b->words[i];
        if (!x->best)
            continue;
        double fr = x->freq > 0 ? x->freq : x->chars > 1 ? RIME_ONLY_FREQ : CHAR_ONLY_FREQ;
        char *py = fix_pinyin(x->best);
        fprintf(f, "%s\t%s\t%.0f\n", x->w, py, fr);
        free(py);
    }
    if (fclose(f))
        die("cannot write %s", path);
}

int main(int argc, char **argv)
{
    const char *rime = NULL, *unihan = NULL, *freq = NULL, *cc = "t2s.json", *out = NULL;
    for (int i = 1; i + 1 < argc; i += 2) {
        if (!strcmp(argv[i], "--rime")) rime = argv[i + 1];
        else if (!strcmp(argv[i], "--unihan")) unihan = argv[i + 1];
        else if (!strcmp(argv[i], "--freq")) freq = argv[i + 1];
        else if (!strcmp(argv[i], "--opencc")) cc = argv[i + 1];
        else if (!strcmp(argv[i], "--out")) out = argv[i + 1];
        else die("unknown option %s", argv[i]);
    }
    if (!rime || !unihan || !freq || !out) {
        fprintf(stderr, "usage: mklexicon --rime FILE --unihan FILE --freq FILE "
                        "[--opencc t2s.json] --out FILE\n");
        return 2;
    }
    lexb b = {0};
    load_freq(&b, freq);
    size_t n;
    rime_ent *v = load_rime(rime, &n);
    simplify(v, n, cc);
    build(&b, v, n);
    load_unihan(&b, unihan);
    load_standard(&b, unihan);
    mainland_standard(&b);
    pair_readings(&b);
    add_jieba_words(&b);
    write_out(&b, out);
    if (getenv("MKLEXICON_DEBUG"))
        for (size_t i = 0; i < b.nwords; i++)
            if (b.words[i].chars == 1 && strstr(getenv("MKLEXICON_DEBUG"), b.words[i].w))
                for (size_t k = 0; k < b.words[i].cand.n; k++)
                    fprintf(stderr, "%s %s %.0f\n", b.words[i].w, b.words[i].cand.v[k].py,
                            b.words[i].cand.v[k].w);
    return 0;
}
