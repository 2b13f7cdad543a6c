/* lexicon.c -- words and their toned pinyin, with frequencies.
 *
 * An open-addressing hash table (FNV-1a, linear probing) over entries whose
 * strings live in a few big blocks: the base file is read whole and parsed
 * in place, so loading ~340k lines costs one read and no per-line malloc.
 * Probabilities are computed at lookup from the stored frequency and the
 * base total, so base and override files may be loaded in any order.
 * Overrides get the largest base frequency: enough for one override word to
 * beat any split of its own characters in segmentation.
 */
#include "lexicon.h"

#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "utf8.h"

typedef struct entry {
    const char *word;   /* NULL marks an empty slot */
    const char *pinyin;
    double freq;
    uint32_t len;
    int override;
} entry;

struct lexicon {
    entry *tab;
    size_t cap, n;
    char **blocks;      /* file contents the entries point into */
    size_t nblocks;
    double total;       /* sum of base frequencies */
    double max_freq;
    size_t max_chars;
};

static uint64_t hash(const char *s, size_t n)
{
    uint64_t h = 1469598103934665603ULL;
    for (size_t i = 0; i < n; i++)
        h = (h ^ (unsigned char)s[i]) * 1099511628211ULL;
    return h;
}

lexicon *lexicon_create(err *e)
{
    lexicon *lx = calloc(1, sizeof *lx);
    if (!lx) {
        err_set(e, ERR_NOMEM, NULL, 0, 0, "lexicon: out of memory");
        return NULL;
    }
    return lx;
}

static entry *slot(const lexicon *lx, const char *w, size_t len)
{
    size_t mask = lx->cap - 1;
    for (size_t i = hash(w, len) & mask;; i = (i + 1) & mask) {
        entry *x = &lx->tab[i];
        if (!x->word || (x->len == len && !memcmp(x->word, w, len)))
            return x;
    }
}

/* A zeroed table of 'cap' entries.  The base lexicon's is tens of
 * megabytes probed at random: on 2 MiB pages (where the kernel offers them
 * on request) loading touches a few dozen pages instead of thousands, and
 * lookups miss the TLB less. */
static entry *table(size_t cap)
{
    size_t bytes = cap * sizeof(entry);
    if (bytes < (4u << 20))
        return calloc(cap, sizeof(entry));
    void *p = NULL;
    if (posix_memalign(&p, 2u << 20, bytes) != 0)
        return NULL;
#ifdef MADV_HUGEPAGE
    madvise(p, bytes, MADV_HUGEPAGE);
#endif
    memset(p, 0, bytes);
    return p;
}

static int grow(lexicon *lx, size_t want, err *e)
{
    if (want * 2 <= lx->cap)
        return 0;
    size_t cap = lx->cap ? lx->cap : 1024;
    while (want * 2 > cap)
        cap *= 2;
    entry *old = lx->tab;
    size_t oldcap = lx->cap;
    lx->tab = table(cap);
    if (!lx->tab) {
        lx->tab = old;
        err_set(e, ERR_NOMEM, NULL, 0, 0, "lexicon: out of memory");
        return -1;
    }
    lx->cap = cap;
    for (size_t i = 0; i < oldcap; i++)
        if (old[i].word)
            *slot(lx, old[i].word, old[i].len) = old[i];
    free(old);
    return 0;
}

/* Reads 'path' whole into a block the lexicon keeps; NULL with 'e' set. */
static char *slurp(lexicon *lx, const char *path, size_t *len, err *e)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        err_set(e, ERR_LEXICON, path, 0, 0, "lexicon: cannot open: %s", strerror(errno));
        return NULL;
    }
    char *buf = NULL;
    size_t n = 0, cap = 0;
    for (;;) {
        if (cap - n < 65536) {
            cap = cap ? cap * 2 : 1 << 20;
            char *nb = realloc(buf, cap + 1);
            if (!nb) {
                free(buf);
                fclose(f);
                err_set(e, ERR_NOMEM, path, 0, 0, "lexicon: out of memory");
                return NULL;
            }
            buf = nb;
        }
        size_t got = fread(buf + n, 1, cap - n, f);
        n += got;
        if (got == 0)
            break;
    }
    int bad = ferror(f);
    fclose(f);
    char **nb = realloc(lx->blocks, (lx->nblocks + 1) * sizeof *nb);
    if (bad || !nb) {
        free(buf);
        err_set(e, bad ? ERR_IO : ERR_NOMEM, path, 0, 0, "lexicon: cannot read");
        return NULL;
    }
    lx->blocks = nb;
    lx->blocks[lx->nblocks++] = buf;
    buf[n] = '\0';
    *len = n;
    return buf;
}

/* "zhong1 guo2": lower-case letters then a tone 1-5, single spaces. */
static int valid_pinyin(const char *p, size_t *syllables)
{
    size_t n = 0;
    while (*p) {
        const char *s = p;
        while (*p >= 'a' && *p <= 'z')
            p++;
        if (p == s || *p < '1' || *p > '5')
            return 0;
        p++;
        n++;
        if (*p == ' ' && p[1])
            p++;
        else if (*p)
            return 0;
    }
    *syllables = n;
    return n > 0;
}

static int put(lexicon *lx, const char *w, size_t len, const char *py, double freq,
               int override, err *e)
{
    if (grow(lx, lx->n + 1, e))
        return -1;
    entry *x = slot(lx, w, len);
    if (!x->word)
        lx->n++;
    else if (x->override && !override)
        return 0; /* an override loaded first still wins */
    *x = (entry){w, py, freq, (uint32_t)len, override};
    size_t chars = utf8_chars(w, len);
    if (chars > lx->max_chars)
        lx->max_chars = chars;
    return 0;
}

/* Splits the next line off [*p, end): returns it NUL-terminated (a '\r'
 * before the newline dropped) and advances *p. */
static char *next_line(char **p, char *end)
{
    char *s = *p, *nl = memchr(s, '\n', (size_t)(end - s));
    if (nl) {
        *nl = '\0';
        *p = nl + 1;
    } else {
        *p = end;
    }
    size_t n = strlen(s);
    if (n && s[n - 1] == '\r')
        s[n - 1] = '\0';
    return s;
}

/* A frequency: mklexicon writes whole numbers, read here without strtod()
 * (which costs a tenth of start-up on 400,000 lines); anything else falls
 * back to strtod(). */
static double count(const char *s, char **end)
{
    double v = 0;
    const char *p = s;
    while (*p >= '0' && *p <= '9')
        v = v * 10 + (*p++ - '0');
    if (p == s || *p)
        return strtod(s, end);
    *end = (char *)p;
    return v;
}

int lexicon_load_base(lexicon *lx, const char *path, err *e)
{
    size_t len;
    char *buf = slurp(lx, path, &len, e);
    if (!buf)
        return -1;
    size_t lines = 0;
    for (size_t i = 0; i < len; i++)
        lines += buf[i] == '\n';
    if (grow(lx, lx->n + lines + 1, e))
        return -1;
    char *p = buf, *end = buf + len;
    for (int ln = 1; p < end; ln++) {
        char *s = next_line(&p, end);
        if (!*s)
            continue;
        char *t1 = strchr(s, '\t'), *t2 = t1 ? strchr(t1 + 1, '\t') : NULL;
        char *fend = NULL;
        double f = t2 ? count(t2 + 1, &fend) : 0;
        *(t1 ? t1 : s) = '\0';
        if (t2)
            *t2 = '\0';
        size_t syl;
        if (!t2 || t1 == s || !fend || *fend || f <= 0 || !valid_pinyin(t1 + 1, &syl)) {
            err_set(e, ERR_LEXICON, path, ln, 0,
                    "lexicon: bad base entry (want word<TAB>pinyin<TAB>frequency)");
            return -1;
        }
        if (put(lx, s, (size_t)(t1 - s), t1 + 1, f, 0, e))
            return -1;
        lx->total += f;
        if (f > lx->max_freq)
            lx->max_freq = f;
    }
    return 0;
}

int lexicon_load_overrides(lexicon *lx, const char *path, err *e)
{
    size_t len;
    char *buf = slurp(lx, path, &len, e);
    if (!buf)
        return -1;
    size_t bad;
    if (utf8_validate(buf, len, &bad)) {
        int ln, col;
        utf8_position(buf, bad, &ln, &col);
        err_set(e, ERR_LEXICON, path, ln, col, "lexicon: invalid UTF-8");
        return -1;
    }
    char *p = buf, *end = buf + len;
    for (int ln = 1; p < end; ln++) {
        char *s = next_line(&p, end);
        if (ln == 1 && !strncmp(s, "\xEF\xBB\xBF", 3))
            s += 3;
        char *hash_ = strchr(s, '#');
        if (hash_)
            *hash_ = '\0';
        size_t n = strlen(s);
        while (n && (s[n - 1] == ' ' || s[n - 1] == '\t'))
            s[--n] = '\0';
        if (!n)
            continue;
        char *tab = strchr(s, '\t');
        char q[128];
        if (!tab || tab == s) {
            err_set(e, ERR_LEXICON, path, ln, 1, "lexicon: want word<TAB>pinyin: %s",
                    err_quote(s, n, q, sizeof q));
            return -1;
        }
        *tab = '\0';
        char *py = tab + 1;
        while (*py == ' ' || *py == '\t')
            py++;
        size_t syl = 0, wlen = (size_t)(tab - s);
        int han = 1;
        for (size_t i = 0; i < wlen;) {
            int32_t c = utf8_next(s, wlen, &i);
            if (c < 0 || !utf8_is_han((uint32_t)c))
                han = 0;
        }
        if (!han || !valid_pinyin(py, &syl) || syl != utf8_chars(s, wlen)) {
            err_set(e, ERR_LEXICON, path, ln, 1,
                    "lexicon: bad entry %s (want Chinese characters, a tab, one "
                    "toned syllable per character like \"zhu1 zhou1\")",
                    err_quote(s, wlen, q, sizeof q));
            return -1;
        }
        if (put(lx, s, wlen, py, 0, 1, e))
            return -1;
    }
    return 0;
}

const char *lexicon_lookup(const lexicon *lx, const char *word, size_t len,
                           double *logp)
{
    if (!lx->cap)
        return NULL;
    const entry *x = slot(lx, word, len);
    if (!x->word)
        return NULL;
    if (logp) {
        double total = lx->total > 0 ? lx->total : 1;
        double f = x->override ? (lx->max_freq > 0 ? lx->max_freq : 1) : x->freq;
        *logp = log(f) - log(total);
    }
    return x->pinyin;
}

size_t lexicon_max_chars(const lexicon *lx)
{
    return lx->max_chars;
}

size_t lexicon_size(const lexicon *lx)
{
    return lx->n;
}

void lexicon_free(lexicon *lx)
{
    if (!lx)
        return;
    for (size_t i = 0; i < lx->nblocks; i++)
        free(lx->blocks[i]);
    free(lx->blocks);
    free(lx->tab);
    free(lx);
}
