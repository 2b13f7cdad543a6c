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
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "audio.h"
#include "g2p.h"
#include "mix.h"
#include "resample.h"
#include "synth.h"
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

/* A stream in odd-sized blocks gives what one resample_audio() call does:
 * the same length, the same samples to within float rounding. */
static void test_resample_stream_matches(void **state)
{
    (void)state;
    static const struct { int from, to; } cases[] = {
        {44100, 48000}, {22050, 44100}, {48000, 22050}, {44100, 44100},
    };
    static const size_t blocks[] = {1, 4099, 7, 20000, 333, 65536};
    for (size_t k = 0; k < sizeof cases / sizeof *cases; k++) {
        audio in = sine(cases[k].from, 523.25, 0.5, 3.0), whole = {0}, streamed = {0};
        err e = {0};
        audio_silence(&in, 0.3, &e);
        audio tail = sine(cases[k].from, 3000, 0.4, 1.1);
        assert_int_equal(audio_concat(&in, &tail, &e), 0);
        audio_free(&tail);
        assert_int_equal(resample_audio(&in, cases[k].to, &whole, &e), 0);
        resample_stream *r = resample_stream_open(cases[k].from, cases[k].to, &e);
        assert_non_null(r);
        audio piece = {0};
        size_t at = 0;
        for (size_t b = 0; at < in.frames; b++) {
            size_t n = blocks[b % (sizeof blocks / sizeof *blocks)];
            n = n < in.frames - at ? n : in.frames - at;
            assert_int_equal(resample_stream_process(r, in.data + at, n, at + n == in.frames,
                                                     &piece, &e), 0);
            /* The caller empties the buffer as it writes it. */
            assert_int_equal(audio_concat(&streamed, &piece, &e), 0);
            piece.frames = 0;
            at += n;
        }
        assert_int_equal(piece.rate, cases[k].to);
        /* Nothing after the last block. */
        assert_int_equal(resample_stream_process(r, in.data, 1, 1, &piece, &e), -1);
        resample_stream_free(r);
        resample_stream_free(NULL);
        audio_free(&piece);
        assert_int_equal(streamed.frames, whole.frames);
        float worst = 0;
        for (size_t i = 0; i < whole.frames; i++) {
            float d = fabsf(streamed.data[i] - whole.data[i]);
            worst = d > worst ? d : worst;
        }
        assert_true(worst < 1e-5f);
        audio_free(&in);
        audio_free(&whole);
        audio_free(&streamed);
    }
    err e = {0};
    assert_null(resample_stream_open(0, 48000, &e));
}

/* resample_to() writes long pauses as zeros instead of filtering them: the
 * result is still the whole-track conversion, sample for sample, at every
 * rate pair (stretches start where the output grid meets the input's), and
 * pauses shorter than its threshold are filtered like speech. */
static int collect(void *ctx, const float *x, size_t frames, err *e)
{
    assert_true(frames > 0 && frames <= RESAMPLE_BLOCK);
    return audio_append(ctx, x, frames, e);
}

static void test_resample_skips_silence(void **state)
{
    (void)state;
    static const struct { int from, to; } cases[] = {
        {22050, 44100}, {22050, 48000}, {44100, 48000}, {48000, 22050}, {22050, 22050}, {22050, 44101},
    };
    for (size_t k = 0; k < sizeof cases / sizeof *cases; k++) {
        err e = {0};
        audio in = {.rate = cases[k].from}, whole = {0}, skipped = {0};
        /* Speech-like bursts between pauses of 1.0 s, 0.3 s, 400 frames
         * (under the threshold), and a pause at each end. */
        audio_silence(&in, 0.25, &e);
        const double pauses[] = {1.0, 0.3, 400.0 / cases[k].from, 0.0};
        for (size_t i = 0; i < 4; i++) {
            audio burst = sine(cases[k].from, 180.0 + 400.0 * (double)i, 0.6, 0.7);
            assert_int_equal(audio_concat(&in, &burst, &e), 0);
            audio_free(&burst);
            audio_silence(&in, pauses[i], &e);
        }
        audio_silence(&in, 0.5, &e);
        assert_int_equal(resample_audio(&in, cases[k].to, &whole, &e), 0);
        skipped.rate = cases[k].to;
        assert_int_equal(resample_to(&in, cases[k].to, collect, &skipped, &e), 0);
        assert_int_equal(skipped.frames, whole.frames);
        float worst = 0;
        for (size_t i = 0; i < whole.frames; i++) {
            float d = fabsf(skipped.data[i] - whole.data[i]);
            worst = d > worst ? d : worst;
        }
        if (worst >= 1e-5f)
            fail_msg("%d -> %d Hz: differs by %g", cases[k].from, cases[k].to, (double)worst);
        audio_free(&in);
        audio_free(&whole);
        audio_free(&skipped);
    }
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

/* ---- mix.c: loudness */

/* A deterministic stand-in for speech: "syllables" of 120-220 ms, each a
 * voiced buzz (12 harmonics of 100-220 Hz, falling 6 dB an octave, random
 * phases) with a smooth envelope and its own level over a 10 dB spread, a
 * short gap between syllables and a longer pause every few.  Its peak to
 * loudness ratio is about espeak-ng's: at -16 LUFS its peaks pass 0 dBTP.
 * 'level' scales it all. */
static audio speechlike(int rate, double seconds, double level, unsigned seed)
{
    audio a = {.rate = rate};
    err e = {0};
    size_t n = (size_t)(rate * seconds), i = 0;
    float *buf = calloc(n, sizeof *buf);
    unsigned s = seed;
#define RND() ((double)((s = s * 1103515245u + 12345u) >> 8 & 0xffff) / 65536.0)
    int syl = 0;
    while (i < n) {
        size_t len = (size_t)((0.12 + 0.10 * RND()) * rate);
        double f0 = 100 + 120 * RND(), amp = level * pow(10, -0.5 * RND()), ph[12];
        for (int h = 0; h < 12; h++)
            ph[h] = 2 * M_PI * RND();
        for (size_t k = 0; k < len && i < n; k++, i++) {
            double env = sin(M_PI * (double)k / (double)len), v = 0;
            for (int h = 0; h < 12 && f0 * (h + 1) < rate / 2.5; h++)
                v += sin(2 * M_PI * f0 * (h + 1) * (double)k / rate + ph[h]) / (h + 1);
            buf[i] = (float)(amp * env * env * v * 0.2);
        }
        i += (size_t)((++syl % 7 ? 0.04 : 0.5) * rate);
    }
#undef RND
    assert_int_equal(audio_append(&a, buf, n, &e), 0);
    free(buf);
    return a;
}

static mix_loudness measured(const audio *a)
{
    mix_loudness l;
    err e = {0};
    if (mix_measure(a, &l, &e) < 0)
        fail_msg("mix_measure: %s", e.msg);
    return l;
}

static void normalize(audio *a, double target)
{
    err e = {0};
    if (mix_normalize_loudness(a, target, MIX_CEILING_DBTP, &e) < 0)
        fail_msg("mix_normalize_loudness: %s", e.msg);
}

static void test_measure_sine(void **state)
{
    (void)state;
    /* BS.1770: a 997 Hz sine at 0 dBFS peak in one channel reads -3.01
     * LUFS; at half amplitude 6 dB less.  No range for a steady tone. */
    audio a = sine(48000, 997, 0.5, 5.0);
    mix_loudness l = measured(&a);
    assert_true(fabs(l.integrated - (-9.03)) < 0.1);
    assert_true(fabs(l.true_peak - (-6.02)) < 0.1);
    assert_true(l.range < 0.1);
    assert_true(fabs(l.max_momentary - l.integrated) < 0.1);
    audio_free(&a);
    /* Silence and empty audio are -inf, not an error. */
    audio s = {.rate = 44100};
    err e = {0};
    l = measured(&s);
    assert_true(isinf(l.integrated) && l.integrated < 0);
    assert_int_equal(audio_silence(&s, 1.0, &e), 0);
    l = measured(&s);
    assert_true(isinf(l.integrated) && isinf(l.true_peak));
    normalize(&s, -16);
    assert_true(mix_peak(&s) == 0.0f);
    audio_free(&s);
}

static void check_normalized(const audio *a, double target, const char *what)
{
    mix_loudness l = measured(a);
    print_message("%s at %.0f: %.2f LUFS, %.2f dBTP, LRA %.1f LU, max momentary %.1f LUFS\n",
                  what, target, l.integrated, l.true_peak, l.range, l.max_momentary);
    assert_true(fabs(l.integrated - target) <= 1.0);
    assert_true(fabs(l.integrated - target) <= 0.2); /* what we aim for */
    assert_true(l.true_peak <= MIX_CEILING_DBTP);
    assert_true(mix_peak(a) < (float)pow(10, MIX_CEILING_DBTP / 20));
}

static void test_normalize_speechlike(void **state)
{
    (void)state;
    static const int rates[] = {22050, 44100, 48000};
    static const double targets[] = {MIX_SPEECH_LUFS, MIX_BROADCAST_LUFS};
    for (size_t r = 0; r < 3; r++) {
        for (size_t t = 0; t < 2; t++) {
            /* From quiet and from loud (peaks far over full scale). */
            for (double level = 0.05; level < 20; level *= 20) {
                audio a = speechlike(rates[r], 30, level, 7u + (unsigned)r);
                mix_loudness raw = measured(&a);
                normalize(&a, targets[t]);
                mix_loudness l = measured(&a);
                if (fabs(l.integrated - targets[t]) > 0.2 || l.true_peak > MIX_CEILING_DBTP)
                    fail_msg("%d Hz from %.1f LUFS to %.0f: %.2f LUFS %.2f dBTP", rates[r],
                             raw.integrated, targets[t], l.integrated, l.true_peak);
                audio_free(&a);
            }
        }
    }
    /* At -16 LUFS the stand-in's peaks pass full scale: the limiter works. */
    audio a = speechlike(44100, 30, 1.0, 3);
    mix_loudness raw = measured(&a);
    assert_true(raw.true_peak - raw.integrated > 16.0);
    normalize(&a, MIX_SPEECH_LUFS);
    check_normalized(&a, MIX_SPEECH_LUFS, "speech-like");
    audio_free(&a);
}

/* The limiter lowers the gain around a peak only: a steady tone keeps its
 * level up to the look-ahead before the peak and is back within 0.1 dB
 * 300 ms after it (no pumping); the peak's waveform is scaled, never
 * flattened. */
static void test_limiter_shape(void **state)
{
    (void)state;
    int rate = 44100;
    audio a = sine(rate, 440, 0.3, 2.0);
    size_t b0 = (size_t)rate, b1 = b0 + (size_t)(0.02 * rate);
    for (size_t i = b0; i < b1; i++)
        a.data[i] *= 6.0f; /* 1.8: +5.1 dBFS */
    audio orig = {0};
    err e = {0};
    assert_int_equal(audio_concat(&orig, &a, &e), 0);
    assert_int_equal(mix_limit(&a, MIX_CEILING_DBTP, &e), 0);
    float ceiling = (float)pow(10, MIX_CEILING_DBTP / 20);
    assert_true(mix_peak(&a) <= ceiling);
    assert_true(mix_peak(&a) > ceiling * 0.95f); /* limited, not crushed */
    /* Untouched until 5 ms before the peak. */
    for (size_t i = 0; i + (size_t)(0.0051 * rate) < b0; i++)
        assert_true(a.data[i] == orig.data[i]);
    /* Back to the tone's level 300 ms later. */
    size_t from = b1 + (size_t)(0.3 * rate), to = from + (size_t)(0.2 * rate);
    double db = 20 * log10(rms(&a, from, to) / rms(&orig, from, to));
    assert_true(fabs(db) < 0.1);
    /* Not clipped: inside the burst no two neighbours sit at the peak, as
     * they would on a flattened top. */
    size_t flat = 0;
    float pk = mix_peak(&a);
    for (size_t i = b0 + 1; i < b1; i++)
        flat += fabsf(a.data[i]) > pk * 0.9995f && fabsf(a.data[i - 1]) > pk * 0.9995f;
    assert_true(flat == 0);
    mix_loudness l = measured(&a);
    print_message("burst: sample peak %.3f dBFS, true peak %.3f dBTP after limiting\n",
                  20 * log10(pk), l.true_peak);
    assert_true(l.true_peak <= MIX_CEILING_DBTP + 0.05);
    audio_free(&a);
    audio_free(&orig);
}

/* Peaks between samples: a tone at a quarter of the rate sampled 45
 * degrees off its crest shows samples at 0.71 of its true peak.  Samples
 * at 0.85 are under the ceiling, the true peak (1.2, +1.6 dBTP) is not. */
static void test_limiter_true_peak(void **state)
{
    (void)state;
    int rate = 44100;
    audio a = {.rate = rate};
    err e = {0};
    size_t n = (size_t)rate;
    float *buf = malloc(n * sizeof *buf);
    for (size_t i = 0; i < n; i++)
        buf[i] = (float)(1.2 * sin(2 * M_PI * 0.25 * (double)i + M_PI / 4));
    assert_int_equal(audio_append(&a, buf, n, &e), 0);
    free(buf);
    assert_true(mix_peak(&a) < 0.86f);
    mix_loudness before = measured(&a);
    assert_true(before.true_peak > 1.0);
    assert_int_equal(mix_limit(&a, MIX_CEILING_DBTP, &e), 0);
    mix_loudness after = measured(&a);
    print_message("fs/4 tone: true peak %.2f -> %.2f dBTP\n", before.true_peak,
                  after.true_peak);
    assert_true(after.true_peak <= MIX_CEILING_DBTP + 0.05);
    /* And normalization gets it under exactly. */
    normalize(&a, -12);
    assert_true(measured(&a).true_peak <= MIX_CEILING_DBTP);
    audio_free(&a);
}

static void test_chime_levels(void **state)
{
    (void)state;
    static const double targets[] = {MIX_SPEECH_LUFS, MIX_BROADCAST_LUFS};
    for (size_t t = 0; t < 2; t++) {
        for (int k = 0; k < 2; k++) {
            audio c = {.rate = 44100};
            err e = {0};
            assert_int_equal(mix_add_chime_at(&c, k ? MIX_CHIME_SECTION : MIX_CHIME_ARTICLE,
                                              targets[t], &e), 0);
            assert_true(fabs(audio_seconds(&c) - (k ? 1.2 : 0.6)) < 0.01);
            mix_loudness l = measured(&c);
            /* mix_measure looks every 100 ms, the chime every 10 ms. */
            double below = targets[t] - l.max_momentary;
            if (below < MIX_CHIME_BELOW_LU - 0.01 || below > MIX_CHIME_BELOW_LU + 1.5)
                fail_msg("chime %d at %.0f: loudest %.2f LUFS", k, targets[t],
                         l.max_momentary);
            assert_true(l.true_peak < MIX_CEILING_DBTP - 6);
            audio_free(&c);
        }
    }
    audio c = {0};
    err e = {0};
    assert_int_equal(mix_add_chime_at(&c, MIX_CHIME_ARTICLE, -16, &e), -1);
}

/* A section made of articles normalized one by one, with chimes and
 * pauses between them, measures as its articles do. */
static void test_section_as_even_as_articles(void **state)
{
    (void)state;
    int rate = 44100;
    err e = {0};
    audio sec = {.rate = rate};
    static const double levels[] = {0.02, 0.3, 1.0, 4.0, 0.1};
    static const double lengths[] = {20, 45, 12, 60, 30};
    assert_int_equal(mix_add_chime_at(&sec, MIX_CHIME_SECTION, MIX_SPEECH_LUFS, &e), 0);
    for (size_t k = 0; k < 5; k++) {
        audio art = speechlike(rate, lengths[k], levels[k], 100u + (unsigned)k);
        normalize(&art, MIX_SPEECH_LUFS);
        assert_int_equal(audio_silence(&sec, 0.6, &e), 0);
        assert_int_equal(audio_concat(&sec, &art, &e), 0);
        assert_int_equal(audio_silence(&sec, 0.6, &e), 0);
        if (k < 4)
            assert_int_equal(mix_add_chime_at(&sec, MIX_CHIME_ARTICLE, MIX_SPEECH_LUFS, &e), 0);
        audio_free(&art);
    }
    mix_loudness l = measured(&sec);
    print_message("section of 5 articles at -16: %.2f LUFS, %.2f dBTP, LRA %.1f LU\n",
                  l.integrated, l.true_peak, l.range);
    assert_true(fabs(l.integrated - MIX_SPEECH_LUFS) <= 0.5);
    assert_true(l.true_peak <= MIX_CEILING_DBTP);
    audio_free(&sec);
}

/* Real speech: espeak-ng reading news pinyin, resampled as the pipeline
 * does, normalized to both targets. */
static void test_normalize_espeak(void **state)
{
    (void)state;
    voice v;
    err e = {0};
    if (voice_load(&v, "voices/default.ini", &e) < 0)
        fail_msg("voices/default.ini: %s", e.msg);
    synth *s = synth_create(&v, &e);
    if (!s)
        fail_msg("synth_create: %s", e.msg);
    static const char *words =
        "zhu1 zhou1 ri4 bao4 xun4 , jiu3 yue4 si4 ri4 , shi4 wei3 fu4 shu1 ji4 , shi4 "
        "zhang3 chen2 hui1 qing1 zai4 shi4 ying4 ji2 guan3 li3 ju2 diao4 yan2 . xiang2 "
        "xi4 liao3 jie3 gong1 zuo4 kai1 zhan3 qing2 kuang4 , xian4 chang3 xie2 tiao2 "
        "jie3 jue2 you3 guan1 wen4 ti2 .";
    g2p_tokens t = {0};
    char *copy = strdup(words);
    for (char *w = strtok(copy, " "); w; w = strtok(NULL, " ")) {
        t.v = realloc(t.v, (t.n + 1) * sizeof *t.v);
        t.v[t.n].kind = strchr(",.", w[0]) ? G2P_PAUSE : G2P_SYLLABLE;
        t.v[t.n++].text = strdup(w);
    }
    t.cap = t.n;
    free(copy);
    audio raw = {0};
    raw.rate = synth_rate(s);
    for (int k = 0; k < 3; k++) {
        assert_int_equal(synth_speak(s, &t, &raw, &e), 0);
        assert_int_equal(audio_silence(&raw, 0.7, &e), 0);
    }
    for (size_t i = 0; i < t.n; i++)
        free(t.v[i].text);
    free(t.v);
    synth_free(s);
    voice_free(&v);
    audio a = {0};
    assert_int_equal(resample_audio(&raw, 44100, &a, &e), 0);
    audio_free(&raw);
    mix_normalize_peak(&a, 0.89f);
    mix_loudness pk = measured(&a);
    print_message("espeak-ng speech peak-normalized to -1 dBFS: %.2f LUFS, %.2f dBTP, "
                  "LRA %.1f LU, max momentary %.1f LUFS\n",
                  pk.integrated, pk.true_peak, pk.range, pk.max_momentary);
    audio b = {0};
    assert_int_equal(audio_concat(&b, &a, &e), 0);
    normalize(&a, MIX_SPEECH_LUFS);
    check_normalized(&a, MIX_SPEECH_LUFS, "espeak-ng speech");
    normalize(&b, MIX_BROADCAST_LUFS);
    check_normalized(&b, MIX_BROADCAST_LUFS, "espeak-ng speech");
    /* The chimes sit under real speech by the margin. */
    audio c = {.rate = 44100};
    assert_int_equal(mix_add_chime_at(&c, MIX_CHIME_ARTICLE, MIX_SPEECH_LUFS, &e), 0);
    mix_loudness lc = measured(&c), ls = measured(&a);
    print_message("article chime: max momentary %.1f LUFS vs speech %.1f LUFS integrated, "
                  "%.1f max momentary\n", lc.max_momentary, ls.integrated, ls.max_momentary);
    assert_true(lc.max_momentary <= ls.integrated - MIX_CHIME_BELOW_LU + 0.3);
    assert_true(lc.max_momentary < ls.max_momentary - MIX_CHIME_BELOW_LU);
    audio_free(&a);
    audio_free(&b);
    audio_free(&c);
}

/* TINGBAO_BENCH=1: 20 minutes of speech-like audio at 44100 Hz through
 * mix_normalize_loudness(). */
static void test_bench_normalize(void **state)
{
    (void)state;
    if (!getenv("TINGBAO_BENCH"))
        skip();
    audio a = speechlike(44100, 20 * 60, 1.0, 42);
    struct timespec t0, t1;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t0);
    normalize(&a, MIX_SPEECH_LUFS);
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t1);
    double s = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t0);
    mix_loudness l = measured(&a);
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t1);
    double m = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
    print_message("bench: 20 min at 44100 Hz normalized in %.2f s CPU (mix_measure "
                  "%.2f s CPU): %.2f LUFS, %.2f dBTP\n", s, m, l.integrated, l.true_peak);
    audio_free(&a);
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
        cmocka_unit_test(test_resample_stream_matches),
        cmocka_unit_test(test_chimes),
        cmocka_unit_test(test_peak_and_normalize),
        cmocka_unit_test(test_measure_sine),
        cmocka_unit_test(test_normalize_speechlike),
        cmocka_unit_test(test_limiter_shape),
        cmocka_unit_test(test_limiter_true_peak),
        cmocka_unit_test(test_chime_levels),
        cmocka_unit_test(test_section_as_even_as_articles),
        cmocka_unit_test(test_resample_skips_silence),
        cmocka_unit_test(test_normalize_espeak),
        cmocka_unit_test(test_bench_normalize),
        cmocka_unit_test(test_voice_default_file),
        cmocka_unit_test(test_voice_custom),
        cmocka_unit_test(test_voice_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
