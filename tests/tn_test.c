/* tn_test.c -- text normalization against the tables in tests/data/tn/ and
 * two properties over the sample edition: no digit or number sign survives,
 * and a line without any survives unchanged. */
#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "testutil.h"
#include "tn.h"

static char *norm(const tn *t, const char *s, err *e)
{
    return tn_normalize(t, s, strlen(s), "test", 1, e);
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Every case of every table; all mismatches are printed before failing. */
static void test_tables(void **state)
{
    (void)state;
    char dir[512];
    tu_data("tn", dir, sizeof dir);
    DIR *d = opendir(dir);
    assert_non_null(d);
    char *names[256];
    size_t nn = 0;
    struct dirent *de;
    while ((de = readdir(d)) && nn < 256) {
        size_t l = strlen(de->d_name);
        if (l > 4 && !strcmp(de->d_name + l - 4, ".txt"))
            names[nn++] = strdup(de->d_name);
    }
    closedir(d);
    qsort(names, nn, sizeof names[0], cmp_str);
    assert_true(nn >= 10);

    err e;
    tn *t = tn_create(&e);
    assert_non_null(t);
    size_t cases = 0, bad = 0;
    for (size_t f = 0; f < nn; f++) {
        char path[1024];
        snprintf(path, sizeof path, "%s/%s", dir, names[f]);
        ttable tb = tu_table(path);
        for (size_t k = 0; k < tb.n; k++) {
            err_clear(&e);
            char *got = norm(t, tb.v[k].in, &e);
            cases++;
            if (!got) {
                char buf[2048];
                printf("%s:%d: error %s\n", tb.v[k].file, tb.v[k].line,
                       err_format(&e, buf, sizeof buf));
                bad++;
                continue;
            }
            if (strcmp(got, tb.v[k].want)) {
                printf("%s:%d: got \"%s\" want \"%s\"\n", tb.v[k].file,
                       tb.v[k].line, got, tb.v[k].want);
                bad++;
            }
            free(got);
        }
        tu_table_free(&tb);
        free(names[f]);
    }
    printf("tn tables: %zu cases, %zu passed, %zu failed\n", cases,
           cases - bad, bad);
    tn_free(t);
    assert_true(cases >= 250);
    assert_int_equal(bad, 0);
}

/* ASCII or full-width digits, or a sign that stands for words. */
static const char *number_sign(const char *s)
{
    static const char *const signs[] = {"%", "‰", "℃", "％", "０", "１", "２",
                                        "３", "４", "５", "６", "７", "８", "９",
                                        NULL};
    for (const char *p = s; *p; p++)
        if (*p >= '0' && *p <= '9')
            return p;
    for (const char *const *g = signs; *g; g++) {
        const char *p = strstr(s, *g);
        if (p)
            return p;
    }
    return NULL;
}

/* No line of the sample edition keeps a digit, %, ‰ or ℃. */
static void test_sample_no_digits(void **state)
{
    (void)state;
    FILE *f = fopen(tu_sample(), "r");
    assert_non_null(f);
    err e;
    tn *t = tn_create(&e);
    char buf[65536];
    int line = 0, bad = 0, with_digits = 0;
    while (fgets(buf, sizeof buf, f)) {
        line++;
        tu_chomp(buf);
        if (!buf[0])
            continue;
        if (number_sign(buf))
            with_digits++;
        char *got = tn_normalize(t, buf, strlen(buf), tu_sample(), line, &e);
        assert_non_null(got);
        const char *p = number_sign(got);
        if (p) {
            printf("%s:%d: left \"%.12s\" in \"%s\"\n", tu_sample(), line, p, got);
            bad++;
        }
        free(got);
    }
    fclose(f);
    tn_free(t);
    assert_true(with_digits > 10); /* the property was really exercised */
    assert_int_equal(bad, 0);
}

/* Lines of the sample with nothing to normalize come back byte for byte. */
static void test_sample_passthrough(void **state)
{
    (void)state;
    FILE *f = fopen(tu_sample(), "r");
    assert_non_null(f);
    err e;
    tn *t = tn_create(&e);
    char buf[65536];
    int line = 0, bad = 0, checked = 0;
    while (fgets(buf, sizeof buf, f)) {
        line++;
        tu_chomp(buf);
        int plain = buf[0] != '\0' && !number_sign(buf);
        for (const char *p = buf; plain && *p; p++)
            if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z'))
                plain = 0;
        if (!plain)
            continue;
        checked++;
        char *got = tn_normalize(t, buf, strlen(buf), tu_sample(), line, &e);
        assert_non_null(got);
        if (strcmp(got, buf)) {
            printf("%s:%d: changed to \"%s\"\n", tu_sample(), line, got);
            bad++;
        }
        free(got);
    }
    fclose(f);
    tn_free(t);
    assert_true(checked > 10);
    assert_int_equal(bad, 0);
}

/* A digit run far beyond 万亿 is read digit by digit, and completely. */
static void test_long_run(void **state)
{
    (void)state;
    err e;
    tn *t = tn_create(&e);
    char in[402];
    for (int k = 0; k < 400; k++)
        in[k] = (char)('0' + k % 10);
    in[400] = '\0';
    char *got = norm(t, in, &e);
    assert_non_null(got);
    assert_null(number_sign(got));
    /* one Chinese digit (3 bytes) per written digit */
    assert_int_equal(strlen(got), 400 * 3);
    assert_int_equal(strncmp(got, "零一二三四五六七八九", 30), 0);
    free(got);
    tn_free(t);
}

/* Inputs built to make a careless scanner rescan: each must come back
 * digit-free (and, the harness's timeout being the judge, quickly). */
static void test_pathological(void **state)
{
    (void)state;
    static const char *const unit[] = {"1-", "1 ", "12:", "1.", "1/", "a1-",
                                       "1,000", "2023-", "—1", "1年", "+1",
                                       "No.1", "1.1.", "1/1万", "1、2个",
                                       "开奖号码12、", NULL};
    err e;
    tn *t = tn_create(&e);
    for (const char *const *u = unit; *u; u++) {
        size_t ul = strlen(*u), reps = 20000;
        char *in = malloc(ul * reps + 1);
        assert_non_null(in);
        for (size_t k = 0; k < reps; k++)
            memcpy(in + k * ul, *u, ul);
        in[ul * reps] = '\0';
        char *got = tn_normalize(t, in, ul * reps, "test", 1, &e);
        assert_non_null(got);
        assert_null(number_sign(got));
        free(got);
        free(in);
    }
    tn_free(t);
}

static void test_errors(void **state)
{
    (void)state;
    err e;
    tn *t = tn_create(&e);
    err_clear(&e);
    char *got = tn_normalize(t, "共3\xff个", 5, "x.md", 7, &e);
    assert_null(got);
    assert_int_equal(e.cat, ERR_PARSE);
    assert_int_equal(e.line, 7);
    assert_int_equal(e.col, 3);
    got = tn_normalize(t, "", 0, "x.md", 1, &e);
    assert_non_null(got);
    assert_string_equal(got, "");
    free(got);
    tn_free(t);
    tn_free(NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_tables),
        cmocka_unit_test(test_sample_no_digits),
        cmocka_unit_test(test_sample_passthrough),
        cmocka_unit_test(test_long_run),
        cmocka_unit_test(test_pathological),
        cmocka_unit_test(test_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
