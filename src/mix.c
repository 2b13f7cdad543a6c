/* mix.c -- chimes, and levels between speech and chimes.
 *
 * Chimes are made here from sine partials, so the package ships no sound
 * files and the chime is the same at every output rate.  Each note has a
 * raised-cosine attack of a few milliseconds (an instant start clicks) and
 * an exponential decay; the whole chime ends with a short cosine fade so its
 * last sample is zero however the notes overlap.
 *
 * Level: the pipeline normalizes speech peaks to -1 dBFS (0.89).  espeak-ng
 * news speech normalized so measures -21.6 dBFS RMS over sentences with
 * their clause pauses (-20.5 dBFS without pauses).  The chimes are scaled to
 * an RMS of -30.5 dBFS, 9 dB under the speech, and their peaks land near
 * -19 dBFS, far under the speech's; tests/synth_test.c checks both against
 * real speech with a margin of 6 dB.
 */
#include "mix.h"

#include <ebur128.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#ifndef M_PI
#define M_PI 3.14159265358979323846
#endif

/* RMS of a whole chime, linear (-30.5 dBFS). */
#define CHIME_RMS 0.0299
#define ATTACK_S 0.006   /* raised-cosine attack of each note */
#define FADE_S 0.030     /* cosine fade at the chime's end */

typedef struct note {
    double start_s;  /* onset, seconds from the chime's start */
    double freq;     /* fundamental, Hz */
    double decay_s;  /* time constant of the exponential decay */
} note;

/* Partials of a soft bell: the fundamental, the octave and the twelfth,
 * each higher one quieter and dying sooner. */
static const struct { double mult, amp, decay_scale; } partials[] = {
    {1.0, 1.0, 1.0}, {2.0, 0.35, 0.6}, {3.0, 0.12, 0.4},
};

/* Article: G5 then B5, a rising major third, 0.6 s. */
static const note article_notes[] = {
    {0.00, 783.99, 0.16},
    {0.16, 987.77, 0.20},
};
#define ARTICLE_S 0.6

/* Section: C5 E5 G5, a rising major triad, 1.2 s: longer and lower, so it
 * is heard as a different, bigger break. */
static const note section_notes[] = {
    {0.00, 523.25, 0.22},
    {0.22, 659.26, 0.22},
    {0.44, 783.99, 0.30},
};
#define SECTION_S 1.2

static double note_at(const note *n, double t)
{
    double u = t - n->start_s;
    if (u < 0)
        return 0;
    double env = u < ATTACK_S ? 0.5 - 0.5 * cos(M_PI * u / ATTACK_S) : 1.0;
    double v = 0;
    for (size_t i = 0; i < sizeof partials / sizeof *partials; i++)
        v += partials[i].amp *
             exp(-u / (n->decay_s * partials[i].decay_scale)) *
             sin(2 * M_PI * n->freq * partials[i].mult * u);
    return env * v;
}

/* The chime 'kind' at 'rate', unscaled, into a new buffer the caller
 * free()s.  NULL with 'e' set. */
static float *make_chime(int rate, mix_chime kind, size_t *frames, err *e)
{
    const note *notes = kind == MIX_CHIME_SECTION ? section_notes
                                                  : article_notes;
    size_t nnotes = kind == MIX_CHIME_SECTION
                        ? sizeof section_notes / sizeof *section_notes
                        : sizeof article_notes / sizeof *article_notes;
    double len_s = kind == MIX_CHIME_SECTION ? SECTION_S : ARTICLE_S;
    size_t n = (size_t)(len_s * rate + 0.5);
    float *buf = malloc(n * sizeof *buf);
    if (!buf) {
        err_set(e, ERR_NOMEM, NULL, 0, 0, "mix: out of memory for a chime");
        return NULL;
    }
    size_t fade = (size_t)(FADE_S * rate);
    for (size_t i = 0; i < n; i++) {
        double t = (double)i / rate;
        double v = 0;
        for (size_t k = 0; k < nnotes; k++)
            v += note_at(&notes[k], t);
        size_t left = n - 1 - i;
        if (left < fade)
            v *= 0.5 - 0.5 * cos(M_PI * (double)left / fade);
        buf[i] = (float)v;
    }
    *frames = n;
    return buf;
}

static int append_scaled(audio *a, float *buf, size_t frames, double gain, err *e)
{
    for (size_t i = 0; i < frames; i++)
        buf[i] = (float)(buf[i] * gain);
    int r = audio_append(a, buf, frames, e);
    free(buf);
    return r;
}

static int need_rate(const audio *a, err *e)
{
    if (a->rate <= 0) {
        err_set(e, ERR_INTERNAL, NULL, 0, 0,
                "mix: chime added before the rate was set");
        return -1;
    }
    return 0;
}

int mix_add_chime(audio *a, mix_chime kind, err *e)
{
    size_t frames;
    float *buf = need_rate(a, e) < 0 ? NULL : make_chime(a->rate, kind, &frames, e);
    if (!buf)
        return -1;
    double sum2 = 0;
    for (size_t i = 0; i < frames; i++)
        sum2 += (double)buf[i] * buf[i];
    /* Scaled by measurement rather than by hand, so changing a note keeps
     * the level. */
    double rms = sqrt(sum2 / frames);
    return append_scaled(a, buf, frames, rms > 0 ? CHIME_RMS / rms : 0, e);
}

float mix_peak(const audio *a)
{
    float p = 0;
    for (size_t i = 0; i < a->frames; i++) {
        float v = fabsf(a->data[i]);
        if (v > p)
            p = v;
    }
    return p;
}

void mix_normalize_peak(audio *a, float peak)
{
    float p = mix_peak(a);
    if (p <= 0)
        return;
    float g = peak / p;
    for (size_t i = 0; i < a->frames; i++)
        a->data[i] *= g;
}

/* ---- loudness ------------------------------------------------------------
 *
 * Measurement is libebur128's.  Normalization is a gain (integrated
 * loudness scales exactly with it: the gates are relative, and the -70
 * LUFS absolute gate only drops silence) followed by the limiter, then a
 * measurement; raw espeak-ng speech has a crest factor that puts its peaks
 * above 0 dBTP at -16 LUFS, so the limiter always has work.  Limiting
 * lowers the loudness a little, so the gain is corrected and the pair run
 * again until libebur128 agrees on both figures.
 */

#define GATE_LUFS (-70.0)   /* BS.1770 absolute gate: below is silence */
#define LOUDNESS_TOL 0.2    /* LU; the contract promises 1, we aim closer */
#define MAX_PASSES 10

/* Feeds 'n' frames to 'st' in hops of 'hop' frames, tracking the loudest
 * momentary loudness seen after each hop (when 'max_m' is not NULL). */
static int feed(ebur128_state *st, const float *x, size_t n, size_t hop, double *max_m)
{
    for (size_t i = 0; i < n; i += hop) {
        size_t k = n - i < hop ? n - i : hop;
        if (ebur128_add_frames_float(st, x + i, k) != EBUR128_SUCCESS)
            return -1;
        double m;
        if (max_m && ebur128_loudness_momentary(st, &m) == EBUR128_SUCCESS && m > *max_m)
            *max_m = m;
    }
    return 0;
}

static double db(double lin)
{
    return lin > 0 ? 20 * log10(lin) : -HUGE_VAL;
}

static int measure(const audio *a, int mode, mix_loudness *l, err *e)
{
    l->integrated = l->true_peak = l->max_momentary = -HUGE_VAL;
    l->range = 0;
    if (a->rate <= 0) {
        err_set(e, ERR_INTERNAL, NULL, 0, 0, "mix: loudness of audio without a rate");
        return -1;
    }
    if (!a->frames)
        return 0;
    ebur128_state *st = ebur128_init(1, (unsigned long)a->rate, mode);
    if (!st) {
        err_set(e, ERR_NOMEM, NULL, 0, 0, "mix: cannot start a loudness measurement");
        return -1;
    }
    int rc = -1;
    double *max_m = (mode & EBUR128_MODE_LRA) == EBUR128_MODE_LRA ? &l->max_momentary : NULL;
    if (feed(st, a->data, a->frames, max_m ? (size_t)a->rate / 10 : a->frames, max_m) < 0)
        goto fail;
    double v;
    if (ebur128_loudness_global(st, &v) != EBUR128_SUCCESS)
        goto fail;
    l->integrated = isfinite(v) && v > GATE_LUFS ? v : -HUGE_VAL;
    if ((mode & EBUR128_MODE_TRUE_PEAK) == EBUR128_MODE_TRUE_PEAK) {
        if (ebur128_true_peak(st, 0, &v) != EBUR128_SUCCESS)
            goto fail;
        l->true_peak = db(v);
    }
    if ((mode & EBUR128_MODE_LRA) == EBUR128_MODE_LRA) {
        if (ebur128_loudness_range(st, &v) != EBUR128_SUCCESS)
            goto fail;
        l->range = v;
    }
    rc = 0;
    goto out;
fail:
    err_set(e, ERR_AUDIO, NULL, 0, 0, "mix: libebur128 failed to measure %zu frames at %d Hz",
            a->frames, a->rate);
out:
    ebur128_destroy(&st);
    return rc;
}

/* A first estimate of the integrated loudness, for the gain before the
 * limiter (the loudness after it is measured in full): every other sample,
 * at half the rate, half the cost.  Taken without a filter, the 5.5-11 kHz
 * band folds into the kept one, where K-weighting counts it about 4 dB
 * more: +0.07 to +0.09 LU on espeak-ng's news speech (the sample's
 * articles), so ESTIMATE_BIAS_LU comes off.  Its error only moves the
 * limiter's working level by a few hundredths of a dB. */
#define ESTIMATE_BIAS_LU 0.085

static int estimate(const audio *a, double *lufs, err *e)
{
    if (a->rate < 22050) { /* too little band left at half the rate */
        mix_loudness l;
        int rc = measure(a, EBUR128_MODE_I | EBUR128_MODE_HISTOGRAM, &l, e);
        *lufs = l.integrated;
        return rc;
    }
    ebur128_state *st = ebur128_init(1, (unsigned long)a->rate / 2, EBUR128_MODE_I | EBUR128_MODE_HISTOGRAM);
    if (!st) {
        err_set(e, ERR_NOMEM, NULL, 0, 0, "mix: cannot start a loudness measurement");
        return -1;
    }
    float buf[4096];
    int ok = 1;
    for (size_t i = 0; ok && i + 1 < a->frames;) {
        size_t k = 0;
        for (; k < 4096 && i + 1 < a->frames; k++, i += 2)
            buf[k] = a->data[i];
        ok = ebur128_add_frames_float(st, buf, k) == EBUR128_SUCCESS;
    }
    double v = -HUGE_VAL;
    ok = ok && ebur128_loudness_global(st, &v) == EBUR128_SUCCESS;
    ebur128_destroy(&st);
    if (!ok) {
        err_set(e, ERR_AUDIO, NULL, 0, 0, "mix: libebur128 failed to measure %zu frames at %d Hz",
                a->frames, a->rate);
        return -1;
    }
    *lufs = isfinite(v) && v > GATE_LUFS ? v - ESTIMATE_BIAS_LU : -HUGE_VAL;
    return 0;
}

int mix_measure(const audio *a, mix_loudness *l, err *e)
{
    return measure(a, EBUR128_MODE_I | EBUR128_MODE_LRA | EBUR128_MODE_TRUE_PEAK, l, e);
}

/* The limiter's peak detector interpolates 4x between samples with a
 * 16-tap Hann-windowed sinc per phase, as a D/A converter would, so peaks
 * between samples are caught (libebur128's true peak is a similar filter). */
#define OS 4
#define BLOCK 64 /* samples per block of the peak envelope; > HALF */
#define HALF 8 /* taps each side */

typedef struct interp {
    float h[OS - 1][2 * HALF]; /* phases 1..3: x[n-7..n+8] -> y(n + p/4) */
    float bound;               /* largest sum |h| over the phases */
} interp;

static void interp_init(interp *f)
{
    f->bound = 1;
    for (int p = 1; p < OS; p++) {
        double frac = (double)p / OS, sum = 0;
        for (int k = 0; k < 2 * HALF; k++) {
            double t = frac - (k - (HALF - 1)); /* distance to tap x[n+k-7] */
            double sinc = sin(M_PI * t) / (M_PI * t);
            double w = 0.5 + 0.5 * cos(M_PI * t / HALF);
            f->h[p - 1][k] = (float)(sinc * w);
            sum += fabs(sinc * w);
        }
        if (sum > f->bound)
            f->bound = (float)sum;
    }
}

/* Largest |value| between x[i] and x[i+1] (exclusive), 0 <= i < n; samples
 * past either end count as zero. */
static float between(const interp *f, const float *x, size_t n, size_t i)
{
    float m = 0;
    if (i >= HALF - 1 && i + HALF < n) {
        const float *w = x + i - (HALF - 1);
        for (int p = 0; p < OS - 1; p++) {
            float v = 0;
            for (int k = 0; k < 2 * HALF; k++)
                v += f->h[p][k] * w[k];
            if (fabsf(v) > m)
                m = fabsf(v);
        }
        return m;
    }
    for (int p = 0; p < OS - 1; p++) {
        float v = 0;
        for (int k = 0; k < 2 * HALF; k++) {
            ptrdiff_t j = (ptrdiff_t)i + k - (HALF - 1);
            if (j >= 0 && (size_t)j < n)
                v += f->h[p][k] * x[j];
        }
        if (fabsf(v) > m)
            m = fabsf(v);
    }
    return m;
}

/* Max |x| of each BLOCK samples into 'bmax' (nb = ceil(n / BLOCK)). */
static void block_max(const float *x, size_t n, float *bmax)
{
    for (size_t b = 0; b * BLOCK < n; b++) {
        float m = 0;
        size_t end = (b + 1) * BLOCK < n ? (b + 1) * BLOCK : n;
        for (size_t i = b * BLOCK; i < end; i++)
            m = fabsf(x[i]) > m ? fabsf(x[i]) : m;
        bmax[b] = m;
    }
}

/* Max |x| of blocks b-1..b+1: bounds every sample the filter reads for
 * the samples of block b (BLOCK > HALF). */
static float near_max(const float *bmax, size_t nb, size_t b)
{
    float m = bmax[b];
    if (b > 0 && bmax[b - 1] > m)
        m = bmax[b - 1];
    if (b + 1 < nb && bmax[b + 1] > m)
        m = bmax[b + 1];
    return m;
}

/* Gain that keeps sample i and its neighbourhood between samples under
 * 'c'.  'bmax' holds max |x| per BLOCK samples: where the neighbourhood's
 * max times the filter's gain bound is under 'c', no interpolation can
 * pass it and the (costly) filter is skipped. */
/* The most a peak between two samples passes the larger of them, for
 * what we meet: a tone at a quarter of the rate 45 degrees off shows 0.71
 * of its peak (+3 dB); the Gibbs overshoot at a hard step is less. */
#define OVERSHOOT 1.5f

/* Largest |value| in the interval (i, i+1) when it could pass 'c', else 0:
 * most intervals are settled by their two samples alone. */
static float interval(const interp *f, const float *x, size_t n, size_t i, float c)
{
    float s = fabsf(x[i]);
    if (i + 1 < n && fabsf(x[i + 1]) > s)
        s = fabsf(x[i + 1]);
    return s * OVERSHOOT < c ? 0.0f : between(f, x, n, i);
}

static float static_gain(const interp *f, const float *x, size_t n, const float *bmax, size_t i,
                         float c)
{
    if (near_max(bmax, (n + BLOCK - 1) / BLOCK, i / BLOCK) * f->bound < c)
        return 1.0f;
    float pk = fabsf(x[i]), v = interval(f, x, n, i, c);
    if (v > pk)
        pk = v;
    if (i > 0 && (v = interval(f, x, n, i - 1, c)) > pk)
        pk = v;
    return pk > c ? c / pk : 1.0f;
}

/* True peak, linear, by the same 4x interpolation the limiter uses; only
 * intervals that could beat the peak found so far are interpolated. */
static int true_peak(const audio *a, double *peak, err *e)
{
    size_t n = a->frames, nb = (n + BLOCK - 1) / BLOCK;
    *peak = 0;
    if (!n)
        return 0;
    float *bmax = malloc(nb * sizeof *bmax);
    if (!bmax) {
        err_set(e, ERR_NOMEM, NULL, 0, 0, "mix: out of memory measuring a peak");
        return -1;
    }
    block_max(a->data, n, bmax);
    interp f;
    interp_init(&f);
    float best = 0;
    for (size_t b = 0; b < nb; b++) {
        if (near_max(bmax, nb, b) * f.bound <= best)
            continue;
        size_t end = (b + 1) * BLOCK < n ? (b + 1) * BLOCK : n;
        const float *x = a->data;
        for (size_t i = b * BLOCK; i < end; i++) {
            float v = fabsf(x[i]), w = interval(&f, x, n, i, best);
            v = w > v ? w : v;
            best = v > best ? v : best;
        }
    }
    free(bmax);
    *peak = best;
    return 0;
}


int mix_limit(audio *a, double ceiling_dbtp, err *e)
{
    if (a->rate < 1000) {
        err_set(e, ERR_AUDIO, NULL, 0, 0, "mix: cannot limit audio at %d Hz", a->rate);
        return -1;
    }
    size_t n = a->frames;
    if (!n)
        return 0;
    float *x = a->data, c = (float)pow(10, ceiling_dbtp / 20);
    /* 5 ms look-ahead: long enough that the gain ramps down without a
     * click, short enough that the word before a peak is not ducked.
     * (At least the filter's reach, for the in-place update below.) */
    size_t L = (size_t)(0.005 * a->rate);
    if (L < HALF + 1)
        L = HALF + 1;
    double release = 1 - exp(-1.0 / (0.080 * a->rate));
    size_t nb = (n + BLOCK - 1) / BLOCK;
    float *bmax = calloc(nb, sizeof *bmax);
    float *ring = malloc((L + 1) * sizeof *ring);     /* r[j], last L+1 */
    size_t *dq = malloc((L + 2) * sizeof *dq);        /* sliding-min indices */
    float *gq = malloc((L + 2) * sizeof *gq);         /* their gains */
    if (!bmax || !ring || !dq || !gq) {
        free(bmax), free(ring), free(dq), free(gq);
        err_set(e, ERR_NOMEM, NULL, 0, 0, "mix: out of memory for the limiter");
        return -1;
    }
    block_max(x, n, bmax);
    interp f;
    interp_init(&f);
    /* g[j]: the gain sample j needs.  m[j] = min g[j-L..j]; r[j] releases
     * m slowly upwards; the gain applied to x[i] is the mean of r[i..i+L].
     * Every r[j] there is <= g[i] (each window j-L..j holds i), so the
     * mean is too: the ramp reaches the needed gain at the peak itself.
     * x[i] is changed in place when j = i + L, after every g that reads
     * it: the filter reaches only HALF samples back, and L > HALF. */
    size_t head = 0, tail = 0; /* dq[head..tail) as a ring of L+2 */
    double sum = 0, r = 1;
    for (size_t j = 0; j < n + L; j++) {
        /* Idle (no gain reduction pending or releasing) at the start of a
         * block whose neighbourhood cannot reach the ceiling: the whole
         * block passes unchanged.  Most speech is skipped this way. */
        if (j % BLOCK == 0 && j + BLOCK <= n && r == 1.0 && sum == (double)(L + 1) &&
            near_max(bmax, nb, j / BLOCK) * f.bound < c) {
            head = 0;
            tail = 1;
            dq[0] = j + BLOCK - 1;
            gq[0] = 1.0f;
            j += BLOCK - 1;
            continue;
        }
        float g = j < n ? static_gain(&f, x, n, bmax, j, c) : 1.0f;
        while (tail != head && gq[(tail + L + 1) % (L + 2)] >= g)
            tail = (tail + L + 1) % (L + 2);
        dq[tail] = j;
        gq[tail] = g;
        tail = (tail + 1) % (L + 2);
        if (dq[head] + L < j)
            head = (head + 1) % (L + 2);
        double m = gq[head];
        r = m < r ? m : r + release * (m - r);
        if (m == 1.0 && r > 1 - 1e-6) /* -0.00001 dB: done releasing */
            r = 1.0;
        size_t slot = j % (L + 1);
        if (j >= L + 1)
            sum -= ring[slot];
        ring[slot] = (float)r;
        sum += ring[slot];
        if (j >= L)
            x[j - L] = (float)(x[j - L] * (sum / (double)(L + 1)));
    }
    free(bmax), free(ring), free(dq), free(gq);
    return 0;
}

/* The loudness the limiter takes from espeak-ng news speech brought to
 * -16 LUFS with its peaks under -1.35 dBTP: 1.2 to 1.6 LU on one-minute
 * pieces of the sample edition.  The first pass adds it to the gain up
 * front, and limits MAKEUP_ROOM_DB under where the peaks may end, so that
 * the gain making up the rest (0.06 to 0.27 dB there) keeps them under. */
#define LIMIT_LOSS_DB 1.4
#define MAKEUP_ROOM_DB 0.3

static void scale(audio *a, double gain_db)
{
    float g = (float)pow(10, gain_db / 20);
    for (size_t i = 0; i < a->frames; i++)
        a->data[i] *= g;
}

int mix_normalize_loudness(audio *a, double target_lufs, double ceiling_dbtp, err *e)
{
    /* The passes measure loudness in libebur128's histogram mode (0.1 LU
     * bins, twice as fast on long tracks) and the true peak with the
     * limiter's own interpolator, which skips quiet blocks: libebur128's
     * true peak filters every sample and would cost more than the rest
     * together.  The two detectors differ by hundredths of a dB (the
     * tests check the result with libebur128's), hence the margins.
     *
     * Integrated loudness and true peak both scale exactly with a gain
     * (the gates are relative), so after limiting, the loudness the
     * limiter took is made up by one more gain, and the peak it lands at
     * is known without measuring again.  One pass is the rule (it was three
     * when each pass aimed at the target and measured again); a second one
     * comes when the make-up gain would lift the peaks over the ceiling. */
    mix_loudness l;
    double first;
    if (estimate(a, &first, e) < 0)
        return -1;
    if (!isfinite(first))
        return 0;
    /* Each pass works on the signal as the last one left it (no copy of
     * the original: a track is the largest buffer a worker holds). */
    double peak_at = ceiling_dbtp - 0.05, limit_at = peak_at - MAKEUP_ROOM_DB, tp = 0;
    double gain = target_lufs - first + LIMIT_LOSS_DB, end_tp = 0;
    for (int pass = 0; pass < MAX_PASSES; pass++) {
        scale(a, gain);
        if (mix_limit(a, limit_at, e) < 0 ||
            measure(a, EBUR128_MODE_I | EBUR128_MODE_HISTOGRAM, &l, e) < 0 ||
            true_peak(a, &tp, e) < 0)
            return -1;
        if (!isfinite(l.integrated))
            return 0;
        double makeup = target_lufs - l.integrated;
        end_tp = db(tp) + makeup;
        if (end_tp <= peak_at) {
            scale(a, makeup);
            return 0;
        }
        /* The limiter took more than its margin: bring the level to the
         * target and limit deeper by what the peak would pass. */
        gain = makeup;
        limit_at -= end_tp - peak_at + 0.02;
    }
    err_set(e, ERR_AUDIO, NULL, 0, 0,
            "mix: cannot reach %.1f LUFS under %.1f dBTP: %.2f LUFS, %.2f dBTP after %d passes",
            target_lufs, ceiling_dbtp, l.integrated, end_tp, MAX_PASSES);
    return -1;
}

int mix_add_chime_at(audio *a, mix_chime kind, double speech_lufs, err *e)
{
    size_t frames;
    float *buf = need_rate(a, e) < 0 ? NULL : make_chime(a->rate, kind, &frames, e);
    if (!buf)
        return -1;
    /* The chime's loudest 400 ms, in 10 ms steps (a chime is shorter than
     * two momentary windows, so 100 ms steps would miss its top). */
    ebur128_state *st = ebur128_init(1, (unsigned long)a->rate, EBUR128_MODE_M);
    double top = -HUGE_VAL;
    int ok = st && feed(st, buf, frames, (size_t)a->rate / 100, &top) == 0;
    ebur128_destroy(&st);
    if (!ok || !isfinite(top)) {
        free(buf);
        err_set(e, ERR_AUDIO, NULL, 0, 0, "mix: libebur128 failed to measure a chime");
        return -1;
    }
    double gain_db = speech_lufs - MIX_CHIME_BELOW_LU - top;
    return append_scaled(a, buf, frames, pow(10, gain_db / 20), e);
}
