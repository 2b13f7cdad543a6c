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

#include <math.h>
#include <stdlib.h>

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

int mix_add_chime(audio *a, mix_chime kind, err *e)
{
    if (a->rate <= 0) {
        err_set(e, ERR_INTERNAL, NULL, 0, 0,
                "mix: chime added before the rate was set");
        return -1;
    }
    const note *notes = kind == MIX_CHIME_SECTION ? section_notes
                                                  : article_notes;
    size_t nnotes = kind == MIX_CHIME_SECTION
                        ? sizeof section_notes / sizeof *section_notes
                        : sizeof article_notes / sizeof *article_notes;
    double len_s = kind == MIX_CHIME_SECTION ? SECTION_S : ARTICLE_S;
    size_t frames = (size_t)(len_s * a->rate + 0.5);
    float *buf = malloc(frames * sizeof *buf);
    if (!buf) {
        err_set(e, ERR_NOMEM, NULL, 0, 0, "mix: out of memory for a chime");
        return -1;
    }
    double sum2 = 0;
    size_t fade = (size_t)(FADE_S * a->rate);
    for (size_t i = 0; i < frames; i++) {
        double t = (double)i / a->rate;
        double v = 0;
        for (size_t k = 0; k < nnotes; k++)
            v += note_at(&notes[k], t);
        size_t left = frames - 1 - i;
        if (left < fade)
            v *= 0.5 - 0.5 * cos(M_PI * (double)left / fade);
        buf[i] = (float)v;
        sum2 += v * v;
    }
    /* Scaled by measurement rather than by hand, so changing a note keeps
     * the level. */
    double rms = sqrt(sum2 / frames);
    float gain = rms > 0 ? (float)(CHIME_RMS / rms) : 0.0f;
    for (size_t i = 0; i < frames; i++)
        buf[i] *= gain;
    int r = audio_append(a, buf, frames, e);
    free(buf);
    return r;
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
