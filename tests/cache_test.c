/* cache_test.c -- the audio cache: keys, exact round trips, misses, trim. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <utime.h>

#include "audio.h"
#include "cache.h"

static char dir[256];

static int setup(void **state)
{
    (void)state;
    snprintf(dir, sizeof dir, "/tmp/tingbao-cache-%ld", (long)getpid());
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    return system(cmd);
}

static int teardown(void **state)
{
    return setup(state);
}

static void key_of(const char *a, const char *b, char hex[33])
{
    cache_key k;
    assert_int_equal(cache_key_init(&k, NULL), 0);
    cache_key_adds(&k, a);
    cache_key_adds(&k, b);
    cache_key_final(&k);
    memcpy(hex, k.hex, 33);
}

static void keys(void **state)
{
    (void)state;
    char x[33], y[33], z[33];
    key_of("zhu1 zhou1", "ri4 bao4", x);
    key_of("zhu1 zhou1", "ri4 bao4", y);
    key_of("zhu1 zhou1 ", "ri4 bao4", z);
    assert_string_equal(x, y);
    assert_string_not_equal(x, z);
    /* Field boundaries count: "ab"+"c" is not "a"+"bc". */
    key_of("ab", "c", y);
    key_of("a", "bc", z);
    assert_string_not_equal(y, z);
    assert_int_equal(strlen(x), 32);
}

static audio tone(int rate, double seconds)
{
    audio a = {0};
    a.rate = rate;
    size_t n = (size_t)(rate * seconds);
    float *x = malloc(n * sizeof *x);
    for (size_t i = 0; i < n; i++)
        x[i] = 0.7f * (float)sin(2 * M_PI * 440.0 * (double)i / rate);
    assert_int_equal(audio_append(&a, x, n, NULL), 0);
    free(x);
    audio_quantize16(&a);
    return a;
}

static void round_trip(void **state)
{
    (void)state;
    err e = {0};
    cache *c = cache_open(dir, &e);
    assert_non_null(c);
    cache_key k;
    cache_key_init(&k, NULL);
    cache_key_adds(&k, "article one");
    cache_key_final(&k);
    audio a = tone(44100, 1.5), b = {0};
    void *meta;
    size_t mlen;
    assert_int_equal(cache_get(c, &k, 44100, &b, &meta, &mlen, &e), 0);
    static const double times[] = {0.0, 0.75, 0.8, 1.5};
    assert_int_equal(cache_put(c, &k, &a, times, sizeof times, &e), 0);
    /* The same floats come back, bit for bit: builds from the cache match
     * builds without it byte for byte.  So do the bytes stored with them. */
    assert_int_equal(cache_get(c, &k, 44100, &b, &meta, &mlen, &e), 1);
    assert_int_equal(b.frames, a.frames);
    assert_int_equal(b.rate, 44100);
    assert_memory_equal(a.data, b.data, a.frames * sizeof *a.data);
    assert_int_equal(mlen, sizeof times);
    assert_memory_equal(meta, times, sizeof times);
    free(meta);
    audio_free(&b);
    /* Another output rate is another entry. */
    assert_int_equal(cache_get(c, &k, 48000, &b, &meta, &mlen, &e), 0);
    /* A damaged (truncated) entry is a miss, not an error. */
    char path[512];
    snprintf(path, sizeof path, "%s/%.2s/%s.pcm", dir, k.hex, k.hex + 2);
    assert_int_equal(truncate(path, 100), 0);
    assert_int_equal(cache_get(c, &k, 44100, &b, &meta, &mlen, &e), 0);
    audio_free(&a);
    cache_free(c);
}

static void trim(void **state)
{
    (void)state;
    err e = {0};
    cache *c = cache_open(dir, &e);
    assert_non_null(c);
    audio a = tone(8000, 1.0); /* 16 kB an entry */
    char hex[10][33];
    for (int i = 0; i < 10; i++) {
        cache_key k;
        char name[16];
        snprintf(name, sizeof name, "entry %d", i);
        cache_key_init(&k, NULL);
        cache_key_adds(&k, name);
        cache_key_final(&k);
        memcpy(hex[i], k.hex, 33);
        assert_int_equal(cache_put(c, &k, &a, NULL, 0, &e), 0);
        /* Entry i was last used i hours ago... */
        char path[512];
        snprintf(path, sizeof path, "%s/%.2s/%s.pcm", dir, k.hex, k.hex + 2);
        struct utimbuf t = {time(NULL) - 3600 * (10 - i), time(NULL) - 3600 * (10 - i)};
        assert_int_equal(utime(path, &t), 0);
    }
    /* ...so a cap of five entries' size keeps the five most recent. */
    struct stat st;
    char p0[600];
    snprintf(p0, sizeof p0, "%s/%.2s/%s.pcm", dir, hex[0], hex[0] + 2);
    assert_int_equal(stat(p0, &st), 0);
    assert_int_equal(cache_trim(c, 365, 5 * (uint64_t)st.st_size, &e), 5);
    for (int i = 0; i < 10; i++) {
        char path[600];
        snprintf(path, sizeof path, "%s/%.2s/%s.pcm", dir, hex[i], hex[i] + 2);
        assert_int_equal(stat(path, &st) == 0, i >= 5);
    }
    /* Age: what no build used for the given days goes too. */
    assert_int_equal(cache_trim(c, 0, UINT64_MAX, &e), 5);
    audio_free(&a);
    cache_free(c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(keys),
        cmocka_unit_test_setup_teardown(round_trip, setup, teardown),
        cmocka_unit_test_setup_teardown(trim, setup, teardown),
    };
    return cmocka_run_group_tests_name("cache", tests, NULL, NULL);
}
