/* g2p_test.c -- g2p and lexicon over the tables in tests/data/g2p and the
 * sample edition.  Needs build/base-lexicon.tsv (`make` builds it) and the
 * overrides in lexicon/, both relative to the repository root. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <glob.h>
#include <stdint.h>
#include <time.h>

#include "g2p.h"
#include "utf8.h"
#include "testutil.h"

#define BASE "build/base-lexicon.tsv"

static lexicon *lx;
static g2p *g;

static int setup(void **state)
{
    (void)state;
    err e = {0};
    char msg[1600];
    FILE *f = fopen(BASE, "r");
    if (!f) {
        fprintf(stderr, "%s missing: run make first\n", BASE);
        return -1;
    }
    fclose(f);
    lx = lexicon_create(&e);
    struct timespec a, b;
    clock_gettime(CLOCK_MONOTONIC, &a);
    if (!lx || lexicon_load_base(lx, BASE, &e)) {
        fprintf(stderr, "%s\n", err_format(&e, msg, sizeof msg));
        return -1;
    }
    clock_gettime(CLOCK_MONOTONIC, &b);
    fprintf(stderr, "base lexicon: %zu entries loaded in %.3f s\n", lexicon_size(lx),
            (double)(b.tv_sec - a.tv_sec) + (double)(b.tv_nsec - a.tv_nsec) / 1e9);
    glob_t gl;
    if (glob("lexicon/*.tsv", 0, NULL, &gl) == 0) {
        for (size_t i = 0; i < gl.gl_pathc; i++)
            if (lexicon_load_overrides(lx, gl.gl_pathv[i], &e)) {
                fprintf(stderr, "%s\n", err_format(&e, msg, sizeof msg));
                globfree(&gl);
                return -1;
            }
        globfree(&gl);
    }
    g = g2p_create(lx, &e);
    if (!g) {
        fprintf(stderr, "%s\n", err_format(&e, msg, sizeof msg));
        return -1;
    }
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    g2p_free(g);
    lexicon_free(lx);
    return 0;
}

/* Every case of every table in tests/data/g2p: g2p_pinyin must print the
 * expected syllables.  All failures are listed before the test fails. */
static void test_tables(void **state)
{
    (void)state;
    char dir[512];
    tu_data("g2p/*.txt", dir, sizeof dir);
    glob_t gl;
    assert_int_equal(glob(dir, 0, NULL, &gl), 0);
    size_t cases = 0, failed = 0;
    for (size_t f = 0; f < gl.gl_pathc; f++) {
        ttable t = tu_table(gl.gl_pathv[f]);
        for (size_t i = 0; i < t.n; i++) {
            err e = {0};
            char *got = g2p_pinyin(g, t.v[i].in, strlen(t.v[i].in), &e);
            assert_non_null(got);
            cases++;
            if (strcmp(got, t.v[i].want)) {
                failed++;
                fprintf(stderr, "%s:%d: %s\n  want: %s\n  got:  %s\n", t.v[i].file,
                        t.v[i].line, t.v[i].in, t.v[i].want, got);
            }
            free(got);
        }
        tu_table_free(&t);
    }
    globfree(&gl);
    fprintf(stderr, "g2p tables: %zu cases, %zu failed\n", cases, failed);
    assert_true(cases >= 150);
    assert_int_equal(failed, 0);
}

/* Every override entry has a case: some table input contains its word. */
static void test_overrides_have_cases(void **state)
{
    (void)state;
    char pat[512];
    tu_data("g2p/*.txt", pat, sizeof pat);
    glob_t tg, lg;
    assert_int_equal(glob(pat, 0, NULL, &tg), 0);
    assert_int_equal(glob("lexicon/*.tsv", 0, NULL, &lg), 0);
    size_t missing = 0;
    for (size_t l = 0; l < lg.gl_pathc; l++) {
        FILE *f = fopen(lg.gl_pathv[l], "r");
        assert_non_null(f);
        char line[512];
        while (fgets(line, sizeof line, f)) {
            if (line[0] == '#' || !strchr(line, '\t'))
                continue;
            *strchr(line, '\t') = '\0';
            int found = 0;
            for (size_t k = 0; k < tg.gl_pathc && !found; k++) {
                ttable t = tu_table(tg.gl_pathv[k]);
                for (size_t i = 0; i < t.n && !found; i++)
                    found = strstr(t.v[i].in, line) != NULL;
                tu_table_free(&t);
            }
            if (!found) {
                fprintf(stderr, "%s: %s has no case in tests/data/g2p\n",
                        lg.gl_pathv[l], line);
                missing++;
            }
        }
        fclose(f);
    }
    globfree(&tg);
    globfree(&lg);
    assert_int_equal(missing, 0);
}

static int is_syllable(const char *s)
{
    size_t n = strlen(s), i = 0;
    while (i < n && s[i] >= 'a' && s[i] <= 'z')
        i++;
    return i > 0 && i + 1 == n && s[i] >= '1' && s[i] <= '5';
}

/* The sample edition, line by line (digits included: they come out as
 * letters): no Han character without a reading, only well-formed
 * syllables, and a plausible number of them. */
static void test_sample(void **state)
{
    (void)state;
    FILE *f = fopen(tu_sample(), "r");
    if (!f)
        fail_msg("cannot open the sample edition %s", tu_sample());
    char line[65536];
    size_t unknown = 0, syllables = 0, bad = 0, han = 0;
    while (fgets(line, sizeof line, f)) {
        tu_chomp(line);
        g2p_tokens t = {0};
        err e = {0};
        size_t len = strlen(line), before = unknown;
        assert_int_equal(g2p_convert(g, line, len, &t, &unknown, &e), 0);
        if (unknown != before)
            fprintf(stderr, "sample: unknown characters in: %.80s\n", line);
        for (size_t i = 0; i < t.n; i++) {
            if (t.v[i].kind != G2P_SYLLABLE)
                continue;
            syllables++;
            if (!is_syllable(t.v[i].text)) {
                bad++;
                fprintf(stderr, "sample: bad syllable \"%s\"\n", t.v[i].text);
            }
        }
        for (size_t i = 0; i < len;) {
            int32_t c = utf8_next(line, len, &i);
            han += c > 0 && utf8_is_han((uint32_t)c);
        }
        g2p_tokens_free(&t);
    }
    fclose(f);
    fprintf(stderr, "sample: %zu Han characters, %zu syllables, %zu unknown\n", han,
            syllables, unknown);
    assert_int_equal(unknown, 0);
    assert_int_equal(bad, 0);
    /* one syllable per Han character read */
    assert_int_equal(syllables, han);
}

/* A bad override line is an error that names the file and line. */
static void test_bad_override(void **state)
{
    (void)state;
    char path[] = "/tmp/g2p_test_XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    FILE *f = fdopen(fd, "w");
    fputs("# a comment\n株洲\tzhu1 zhou1\n醴陵\tli3\n", f);
    fclose(f);
    err e = {0};
    lexicon *l = lexicon_create(&e);
    assert_int_equal(lexicon_load_overrides(l, path, &e), -1);
    assert_int_equal(e.cat, ERR_LEXICON);
    assert_int_equal(e.line, 3);
    assert_string_equal(e.file, path);
    /* the good line before it was taken */
    assert_non_null(lexicon_lookup(l, "株洲", strlen("株洲"), NULL));
    lexicon_free(l);
    remove(path);
}

/* Tokens: letters by name, uppercased; pauses collapsed to the strongest. */
static void test_tokens(void **state)
{
    (void)state;
    const char *in = "GDP增长，五g。——好！";
    g2p_tokens t = {0};
    err e = {0};
    assert_int_equal(g2p_convert(g, in, strlen(in), &t, NULL, &e), 0);
    const char *want[] = {"G", "D", "P", "zeng1", "zhang3", ",", "wu3", "G", ".",
                          "hao3", "!"};
    g2p_kind kinds[] = {G2P_LETTER, G2P_LETTER, G2P_LETTER, G2P_SYLLABLE,
                        G2P_SYLLABLE, G2P_PAUSE, G2P_SYLLABLE, G2P_LETTER,
                        G2P_PAUSE, G2P_SYLLABLE, G2P_PAUSE};
    assert_int_equal(t.n, sizeof want / sizeof want[0]);
    for (size_t i = 0; i < t.n; i++) {
        assert_string_equal(t.v[i].text, want[i]);
        assert_int_equal(t.v[i].kind, kinds[i]);
    }
    g2p_tokens_free(&t);
    assert_int_equal(t.n, 0);
}

/* ---- Every syllable we can emit is one espeak-ng reads as Mandarin ----
 *
 * espeak-ng -x prints one line of phonemes per sentence.  A syllable the
 * cmn-latn-pinyin voice knows comes out with exactly one tone contour
 * ("zhong1" -> ts.'ong55_|, "er5" -> @r11_|); one it does not know is
 * spelled letter by letter or switches to English, which shows as no tone
 * digits ("hm2" -> Xm_|, "m2" -> m_|), two tone groups ("yai2" ->
 * jiA55'i35_|) or a language mark ("xyz" -> (en)z'aI55z(cmn)_|). */

typedef struct sylset {
    char **v;
    size_t n, cap;
} sylset;

static void syl_add(sylset *s, const char *p, size_t len)
{
    for (size_t i = 0; i < s->n; i++)
        if (strlen(s->v[i]) == len && !memcmp(s->v[i], p, len))
            return;
    if (s->n == s->cap) {
        s->cap = s->cap ? s->cap * 2 : 512;
        s->v = realloc(s->v, s->cap * sizeof *s->v);
        assert_non_null(s->v);
    }
    s->v[s->n] = strndup(p, len);
    assert_non_null(s->v[s->n]);
    s->n++;
}

/* Adds the syllables of the pinyin field 'col' (0-based, tab-separated) of
 * every line of 'path'; '#' lines and comments are skipped. */
static void syl_collect(sylset *s, const char *path, int col)
{
    FILE *f = fopen(path, "r");
    assert_non_null(f);
    char line[4096];
    while (fgets(line, sizeof line, f)) {
        tu_chomp(line);
        char *hash = strchr(line, '#');
        if (hash)
            *hash = '\0';
        char *p = line;
        for (int c = 0; c < col && p; c++) {
            p = strchr(p, '\t');
            if (p)
                p++;
        }
        if (!p)
            continue;
        size_t end = strcspn(p, "\t");
        for (size_t i = 0; i < end;) {
            while (i < end && p[i] == ' ')
                i++;
            size_t st = i;
            while (i < end && p[i] != ' ')
                i++;
            if (i > st)
                syl_add(s, p + st, i - st);
        }
    }
    fclose(f);
}

/* How espeak-ng's phonemes for one syllable look: 1 for Mandarin with one
 * tone, 0 otherwise. */
static int mandarin_phonemes(const char *ph)
{
    size_t groups = 0;
    for (const char *p = ph; *p; p++) {
        if (*p == '(')
            return 0; /* a language switch: (en) */
        if (*p >= '0' && *p <= '9' && (p == ph || p[-1] < '0' || p[-1] > '9'))
            groups++;
    }
    return groups == 1;
}

static void test_espeak_reads_every_syllable(void **state)
{
    (void)state;
    sylset s = {0};
    syl_collect(&s, BASE, 1);
    glob_t gl;
    assert_int_equal(glob("lexicon/*.tsv", 0, NULL, &gl), 0);
    for (size_t i = 0; i < gl.gl_pathc; i++)
        syl_collect(&s, gl.gl_pathv[i], 1);
    globfree(&gl);
    /* what the context rules and sandhi write, and erhua */
    const char *rules[] = {"yi1", "yi2", "yi4", "yi5", "bu2", "bu4", "bu5", "de5",
                           "liao3", "wei2", "wei4", "shuai4", "zhi1", "chang2",
                           "gan4", "tan2", "er5"};
    for (size_t i = 0; i < sizeof rules / sizeof rules[0]; i++)
        syl_add(&s, rules[i], strlen(rules[i]));
    assert_true(s.n > 300);

    char in[] = "/tmp/g2p_syllables_XXXXXX";
    int fd = mkstemp(in);
    assert_true(fd >= 0);
    FILE *f = fdopen(fd, "w");
    assert_non_null(f);
    for (size_t i = 0; i < s.n; i++)
        fprintf(f, "%s.\n", s.v[i]); /* a sentence each: one line out */
    fclose(f);
    char cmd[256];
    snprintf(cmd, sizeof cmd, "espeak-ng -q -x -v cmn-latn-pinyin -f %s", in);
    FILE *p = popen(cmd, "r");
    assert_non_null(p);
    char line[512];
    size_t k = 0, bad = 0;
    while (fgets(line, sizeof line, p)) {
        tu_chomp(line);
        if (k < s.n && !mandarin_phonemes(line)) {
            fprintf(stderr, "espeak-ng does not read \"%s\" as Mandarin: %s\n", s.v[k], line);
            bad++;
        }
        k++;
    }
    int rc = pclose(p);
    remove(in);
    fprintf(stderr, "espeak-ng: %zu distinct syllables, %zu not Mandarin\n", s.n, bad);
    assert_int_equal(rc, 0);      /* espeak-ng and its voice are installed */
    assert_int_equal(k, s.n);     /* one line of phonemes per syllable */
    assert_int_equal(bad, 0);
    for (size_t i = 0; i < s.n; i++)
        free(s.v[i]);
    free(s.v);
}

/* The checker itself: a good syllable passes, a spelled one fails. */
static void test_espeak_checker(void **state)
{
    (void)state;
    assert_true(mandarin_phonemes("ts.'ong55_|"));
    assert_true(mandarin_phonemes("@r11_|"));
    assert_false(mandarin_phonemes("Xm_|"));
    assert_false(mandarin_phonemes("jiA55'i35_|"));
    assert_false(mandarin_phonemes("(en)z'aI55z(cmn)_|"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_tables),
        cmocka_unit_test(test_overrides_have_cases),
        cmocka_unit_test(test_sample),
        cmocka_unit_test(test_bad_override),
        cmocka_unit_test(test_tokens),
        cmocka_unit_test(test_espeak_checker),
        cmocka_unit_test(test_espeak_reads_every_syllable),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
