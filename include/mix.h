/* mix.h -- chimes, and levels between speech and chimes.
 *
 * Chimes are synthesized here (sine partials with a soft attack and an
 * exponential decay), never loaded from files: a short two-note chime
 * between articles and a distinct, longer one before each section.  They sit
 * well below the speech.
 *
 * Loudness follows ITU-R BS.1770 / EBU R128 as libebur128 measures it; a
 * mono track is one channel of weight 1 (no dual-mono +3 dB).  Speech is
 * brought to an integrated loudness with its true peak (4x oversampled)
 * kept under a ceiling by a look-ahead limiter, never by clipping.
 */
#ifndef MIX_H
#define MIX_H

#include "audio.h"
#include "err.h"

typedef enum mix_chime {
    MIX_CHIME_ARTICLE,  /* two notes, rising, about 0.6 s */
    MIX_CHIME_SECTION   /* three notes, about 1.2 s */
} mix_chime;

/* Appends the chime 'kind' at a->rate (which must be set).  0 or -1. */
int mix_add_chime(audio *a, mix_chime kind, err *e);

/* Scales 'a' so its peak is at 'peak' (linear, e.g. 0.89 for -1 dBFS).
 * Silence stays silence. */
void mix_normalize_peak(audio *a, float peak);

/* Peak absolute sample value of 'a'. */
float mix_peak(const audio *a);

#define MIX_SPEECH_LUFS (-16.0)    /* default target: podcasts, phones */
#define MIX_BROADCAST_LUFS (-23.0) /* EBU R128 broadcast target */
#define MIX_CEILING_DBTP (-1.0)    /* true-peak ceiling for every target */
/* How far a chime's loudest 400 ms (momentary loudness) sits under the
 * speech's integrated loudness. */
#define MIX_CHIME_BELOW_LU 6.0

typedef struct mix_loudness {
    double integrated;    /* LUFS, gated; -HUGE_VAL for silence */
    double true_peak;     /* dBTP; -HUGE_VAL for silence */
    double range;         /* LU (loudness range, EBU Tech 3342) */
    double max_momentary; /* LUFS, loudest 400 ms window (100 ms steps) */
} mix_loudness;

/* Measures 'a' (rate set, any length; borrowed) into '*l'.  0, or -1 with
 * 'e' set (ERR_AUDIO or ERR_NOMEM). */
int mix_measure(const audio *a, mix_loudness *l, err *e);

/* Look-ahead limiter: lowers the gain smoothly (5 ms attack ahead of each
 * peak, about 80 ms release) wherever the 4x-oversampled signal would pass
 * 'ceiling_dbtp'; leaves everything else untouched.  Never clips.  0 or -1
 * (ERR_NOMEM, ERR_AUDIO for a bad rate). */
int mix_limit(audio *a, double ceiling_dbtp, err *e);

/* Brings 'a' to 'target_lufs' integrated (within 0.2 LU) with its true peak
 * at or under 'ceiling_dbtp' (libebur128's 4x true peak), by gain then
 * mix_limit(), repeated until both hold (a few passes at most).  Silence
 * (nothing above the -70 LUFS gate) is left as it is.  0, or -1 with 'e'
 * set (ERR_AUDIO when the targets cannot both be met, e.g. a ceiling above
 * the target's own peaks is impossible for a square wave). */
int mix_normalize_loudness(audio *a, double target_lufs, double ceiling_dbtp,
                           err *e);

/* Appends the chime 'kind' at a->rate (which must be set), scaled so its
 * loudest 400 ms measures MIX_CHIME_BELOW_LU under 'speech_lufs' (the
 * speech's integrated target, e.g. MIX_SPEECH_LUFS).  0 or -1. */
int mix_add_chime_at(audio *a, mix_chime kind, double speech_lufs, err *e);

#endif
