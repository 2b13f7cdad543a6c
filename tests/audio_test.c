/* audio_test.c -- audio buffers, resampling, chimes and voice profiles.
 *
 * Audio is checked by its properties (length, frequency, level, silence),
 * never by its bytes.  Runs from the repository root (voices/default.ini).
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "audio.h"
#include "mix.h"
#include "resample.h"
#include "testutil.h"
#include "voice.h"

#ifndef M_PI
#define M_PI 3.14159265358979323846
#endif

static double rms(const audio *a, size_t from, size_t to)
{
    double s = 0;
    for (size_t i = from; i < to; i++)
        s += (double)a->data[i] * a->data[i];
    return to > from ? sqrt(s / (to - from)) : 0;
}

static audio sine(int rate, double freq, double amp, double seconds)
{
    audio a = {.rate = rate};
    size_t n = (size_t)(rate * seconds);
    float *buf = malloc(n * sizeof *buf);
    for (size_t i = 0; i < n; i++)
        buf[i] = (float)(amp * sin(2 * M_PI * freq * i / rate));
    err e = {0};
    assert_int_equal(audio_append(&a, buf, n, &e), 0);
    free(buf);
    return a;
}

/* Frequency from upward zero crossings between frames from and to. */
static double frequency(const audio *a, size_t from, size_t to)
{
    size_t first = 0, last = 0, count = 0;
    for (size_t i = from + 1; i < to; i++) {
        if (a->data[i - 1] < 0 && a->data[i] >= 0) {
            if (!count)
                first = i;
            last = i;
            count++;
        }
    }
    assert_true(count > 2);
    return (double)(count - 1) * a->rate / (double)(last - first);
}

/* ---- audio.c */

static void test_audio_grows(void **state)
{
    (void)state;
    audio a = {.rate = 8000};
    err e = {0};
    float x[3] = {0.1f, -0.2f, 0.3f};
    for (int i = 0; i < 10000; i++)
        assert_int_equal(audio_append(&a, x, 3, &e), 0);
    assert_int_equal(a.frames, 30000);
    assert_true(a.cap >= a.frames);
    assert_true(a.data[29999] == 0.3f && a.data[3] == 0.1f);
    assert_int_equal(audio_silence(&a, 0.5, &e), 0);
    assert_int_equal(a.frames, 34000);
    assert_true(rms(&a, 30000, 34000) == 0.0);
    assert_true(fabs(audio_seconds(&a) - 4.25) < 1e-9);

    audio b = {0};
    assert_int_equal(audio_concat(&b, &a, &e), 0);
    assert_int_equal(b.rate, 8000);
    assert_int_equal(b.frames, 34000);
    audio other = sine(16000, 440, 0.5, 0.1);
    assert_int_equal(audio_concat(&b, &other, &e), -1);
    assert_int_not_equal(e.cat, ERR_NONE);
    audio_free(&other);
    audio_free(&a);
    audio_free(&b);
    assert_null(a.data);
    assert_int_equal(a.frames, 0);
    audio_free(&a);  /* a zeroed audio is fine */
}

/* ---- resample.c */

static void test_resample_doubles_and_keeps_pitch(void **state)
{
    (void)state;
    audio in = sine(22050, 440, 0.5, 2.0);
    audio out = {0};
    err e = {0};
    assert_int_equal(resample_audio(&in, 44100, &out, &e), 0);
    assert_int_equal(out.rate, 44100);
    assert_true(labs((long)out.frames - (long)(2 * in.frames)) <= 1);
    /* Away from the ends, where the filter starts and stops. */
    double f_in = frequency(&in, in.frames / 10, in.frames * 9 / 10);
    double f_out = frequency(&out, out.frames / 10, out.frames * 9 / 10);
    assert_true(fabs(f_in - 440) < 1.0);
    assert_true(fabs(f_out - 440) < 1.0);
    double db = 20 * log10(rms(&out, out.frames / 10, out.frames * 9 / 10) /
                           rms(&in, in.frames / 10, in.frames * 9 / 10));
    assert_true(fabs(db) < 0.5);
    audio_free(&in);
    audio_free(&out);
}

static void test_resample_lengths(void **state)
{
    (void)state;
    static const struct { int from, to; size_t frames; } cases[] = {
        {22050, 48000, 12345}, {22050, 44100, 1}, {44100, 22050, 9999},
        {22050, 16000, 22050}, {22050, 48000, 220500},
    };
    for (size_t k = 0; k < sizeof cases / sizeof *cases; k++) {
        audio in = sine(cases[k].from, 300, 0.3, 0);
        err e = {0};
        float *z = calloc(cases[k].frames, sizeof *z);
        assert_int_equal(audio_append(&in, z, cases[k].frames, &e), 0);
        free(z);
        audio out = {0};
        assert_int_equal(resample_audio(&in, cases[k].to, &out, &e), 0);
        double want = (double)cases[k].frames * cases[k].to / cases[k].from;
        assert_true(fabs((double)out.frames - round(want)) <= 1.0);
        audio_free(&in);
        audio_free(&out);
    }
}

static void test_resample_same_rate_copies(void **state)
{
    (void)state;
    audio in = sine(22050, 440, 0.5, 0.5);
    audio out = {0};
    err e = {0};
    assert_int_equal(resample_audio(&in, 22050, &out, &e), 0);
    assert_int_equal(out.frames, in.frames);
    assert_ptr_not_equal(out.data, in.data);
    assert_true(fabs(rms(&out, 0, out.frames) - rms(&in, 0, in.frames)) < 1e-9);
    audio_free(&in);
    audio_free(&out);
}

/* ---- mix.c */

static audio chime(mix_chime kind, int rate)
{
    audio a = {.rate = rate};
    err e = {0};
    assert_int_equal(mix_add_chime(&a, kind, &e), 0);
    return a;
}

static void test_chimes(void **state)
{
    (void)state;
    static const int rates[] = {22050, 44100, 48000};
    for (size_t r = 0; r < 3; r++) {
        audio art = chime(MIX_CHIME_ARTICLE, rates[r]);
        audio sec = chime(MIX_CHIME_SECTION, rates[r]);
        /* The lengths mix.h documents, and the section one longer. */
        assert_true(fabs(audio_seconds(&art) - 0.6) < 0.01);
        assert_true(fabs(audio_seconds(&sec) - 1.2) < 0.01);
        assert_true(audio_seconds(&sec) > audio_seconds(&art) + 0.3);
        const audio *both[] = {&art, &sec};
        for (int k = 0; k < 2; k++) {
            const audio *c = both[k];
            /* No click: it starts and ends at zero, and the first and
             * last millisecond are quiet. */
            assert_true(fabsf(c->data[0]) < 1e-3f);
            assert_true(fabsf(c->data[c->frames - 1]) < 1e-3f);
            size_t ms = (size_t)c->rate / 1000;
            assert_true(rms(c, 0, ms) < 0.2 * rms(c, 0, c->frames));
            assert_true(rms(c, c->frames - ms, c->frames) <
                        0.2 * rms(c, 0, c->frames));
            /* Well under speech normalized to 0.89 (synth_test compares
             * against real speech), yet audible. */
            float peak = mix_peak(c);
            assert_true(peak < 0.89f / 2);
            assert_true(peak > 0.01f);
        }
        audio_free(&art);
        audio_free(&sec);
    }
    /* Notes: the section chime's first note is lower than its last. */
    audio sec = chime(MIX_CHIME_SECTION, 44100);
    double f1 = frequency(&sec, 441, 441 * 10);
    double f3 = frequency(&sec, 44100 * 6 / 10, 44100 * 7 / 10);
    assert_true(f3 > f1 * 1.2);
    audio_free(&sec);

    audio none = {0};
    err e = {0};
    assert_int_equal(mix_add_chime(&none, MIX_CHIME_ARTICLE, &e), -1);
}

static void test_peak_and_normalize(void **state)
{
    (void)state;
    audio a = sine(22050, 440, 0.25, 0.2);
    err e = {0};
    assert_int_equal(audio_silence(&a, 0.1, &e), 0);
    assert_true(fabsf(mix_peak(&a) - 0.25f) < 1e-3f);
    mix_normalize_peak(&a, 0.89f);
    assert_true(fabsf(mix_peak(&a) - 0.89f) < 1e-6f);
    /* Silence stays silence. */
    assert_true(rms(&a, a.frames - 2205, a.frames) == 0.0);
    audio s = {.rate = 22050};
    assert_int_equal(audio_silence(&s, 0.1, &e), 0);
    mix_normalize_peak(&s, 0.89f);
    assert_true(mix_peak(&s) == 0.0f);
    audio_free(&a);
    audio_free(&s);
}

/* ---- voice.c */

static void test_voice_default_file(void **state)
{
    (void)state;
    voice v;
    err e = {0};
    if (voice_load(&v, "voices/default.ini", &e) < 0)
        fail_msg("%s:%d: %s", e.file, e.line, e.msg);
    voice d;
    assert_int_equal(voice_defaults(&d, &e), 0);
    assert_string_equal(v.name, "default");
    assert_string_equal(v.espeak, "cmn-latn-pinyin");
    assert_string_equal(v.letters, "en");
    /* The file documents the defaults: loading it changes nothing. */
    assert_string_equal(v.espeak, d.espeak);
    assert_string_equal(v.letters, d.letters);
    assert_int_equal(v.rate, d.rate);
    assert_int_equal(v.pitch, 50);
    assert_int_equal(v.range, 50);
    assert_true(v.rate >= 80 && v.rate <= 500);
    assert_true(v.pause_headline == 0.9 && d.pause_headline == 0.9);
    assert_true(v.pause_subtitle == 0.6 && v.pause_column == 0.5);
    assert_true(v.pause_dateline == 0.4 && v.pause_paragraph == 0.7);
    assert_true(v.pause_intro == 0.8 && v.chime_gap == 0.6);
    voice_free(&v);
    voice_free(&d);
    assert_null(v.espeak);
}

/* Writes 'text' to a fresh temporary .ini; the caller unlinks 'path'. */
static void write_ini(char *path, size_t size, const char *text)
{
    snprintf(path, size, "/tmp/tingbao-voice-XXXXXX.ini");
    int fd = mkstemps(path, 4);
    assert_true(fd >= 0);
    FILE *f = fdopen(fd, "w");
    fputs(text, f);
    fclose(f);
}

static void test_voice_custom(void **state)
{
    (void)state;
    char path[64];
    write_ini(path, sizeof path,
              "; a slower reader\n[espeak]\nrate = 180 ; slower\n"
              "letters = en-us\n\n[pause]\nparagraph=1.25\n[chime]\ngap = 0\n");
    voice v;
    err e = {0};
    if (voice_load(&v, path, &e) < 0)
        fail_msg("%s:%d: %s", e.file, e.line, e.msg);
    assert_int_equal(v.rate, 180);
    assert_string_equal(v.letters, "en-us");
    assert_string_equal(v.espeak, "cmn-latn-pinyin");  /* kept */
    assert_true(v.pause_paragraph == 1.25);
    assert_true(v.chime_gap == 0.0);
    assert_true(v.pause_headline == 0.9);  /* kept */
    assert_non_null(strstr(path, v.name));
    assert_null(strstr(v.name, ".ini"));
    voice_free(&v);
    unlink(path);
}

static void test_voice_errors(void **state)
{
    (void)state;
    static const struct { const char *text; int line; const char *words; } bad[] = {
        {"[espeak]\nrate = 212\nspeed = 200\n", 3, "speed"},
        {"[espeak]\nrate = 5000\n", 2, "5000"},
        {"[espeak]\nrate = 79\n", 2, "79"},
        {"[espeak]\nrate = fast\n", 2, "fast"},
        {"[espeak]\npitch = 101\n", 2, "pitch"},
        {"[espeak]\nvoice =\n", 2, "voice"},
        {"[pause]\nparagraph = -1\n", 2, "paragraph"},
        {"[pause]\nheadline = 0.9s\n", 2, "0.9s"},
        {"; ok\n[espeak]\n\n[voices]\n", 4, "voices"},
        {"[espeak]\n[sound]\nvolume = 3\n", 2, "sound"},
        {"rate = 200\n", 1, "rate"},
        {"[espeak]\nrate 200\n", 2, NULL},
    };
    for (size_t k = 0; k < sizeof bad / sizeof *bad; k++) {
        char path[64];
        write_ini(path, sizeof path, bad[k].text);
        voice v;
        err e = {0};
        int r = voice_load(&v, path, &e);
        if (r == 0)
            fail_msg("case %zu accepted: %s", k, bad[k].text);
        assert_int_equal(e.cat, ERR_CONFIG);
        assert_string_equal(e.file, path);
        if (e.line != bad[k].line)
            fail_msg("case %zu: line %d, want %d (%s)", k, e.line,
                     bad[k].line, e.msg);
        if (bad[k].words && !strstr(e.msg, bad[k].words))
            fail_msg("case %zu: message does not name %s: %s", k,
                     bad[k].words, e.msg);
        assert_null(v.espeak);  /* left released */
        unlink(path);
    }
    voice v;
    err e = {0};
    assert_int_equal(voice_load(&v, "voices/no-such-profile.ini", &e), -1);
    assert_int_equal(e.cat, ERR_NOINPUT);
    assert_string_equal(e.file, "voices/no-such-profile.ini");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_audio_grows),
        cmocka_unit_test(test_resample_doubles_and_keeps_pitch),
        cmocka_unit_test(test_resample_lengths),
        cmocka_unit_test(test_resample_same_rate_copies),
        cmocka_unit_test(test_chimes),
        cmocka_unit_test(test_peak_and_normalize),
        cmocka_unit_test(test_voice_default_file),
        cmocka_unit_test(test_voice_custom),
        cmocka_unit_test(test_voice_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
