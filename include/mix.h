/* mix.h -- chimes, and levels between speech and chimes.
 *
 * Chimes are synthesized here (sine partials with a soft attack and an
 * exponential decay), never loaded from files: a short two-note chime
 * between articles and a distinct, longer one before each section.  They sit
 * well below the speech.
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

#endif
