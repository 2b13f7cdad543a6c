/* audio.h -- mono float audio, the currency between stages.
 *
 * Samples are float in [-1, 1] at 'rate' Hz.  A zeroed audio is an empty
 * buffer at rate 0; audio_append() sets the rate on first use.  Conversion to
 * 16-bit happens once, in out.c.
 */
#ifndef AUDIO_H
#define AUDIO_H

#include <stddef.h>
#include <stdint.h>
#include "err.h"

typedef struct audio {
    float *data;    /* owned; NULL when empty */
    size_t frames;
    size_t cap;
    int rate;
} audio;

/* Appends 'frames' samples.  0, or -1 with ERR_NOMEM. */
int audio_append(audio *a, const float *data, size_t frames, err *e);
/* Appends 'seconds' of silence at a->rate (which must be set). */
int audio_silence(audio *a, double seconds, err *e);
/* Appends all of 'src' (same rate, or 'a' empty). */
int audio_concat(audio *a, const audio *src, err *e);
/* Rounds every sample to the 16-bit grid (s / 32767 for an integer s in
 * [-32767, 32767], clipping beyond): what the WAV holds anyway.  Done once
 * per article before it is cached or assembled, so audio read back from
 * the cache is bit-identical to fresh audio and builds match byte for byte. */
void audio_quantize16(audio *a);

/* The same grid, as integers: x[0..n) -> out[0..n) rounded and clipped to
 * [-32767, 32767], and back (s / 32767).  Cache entries, chimes and WAVs
 * all use these two, so samples survive every round trip exactly. */
void audio_to16(const float *x, int16_t *out, size_t n);
void audio_from16(const int16_t *x, float *out, size_t n);

/* Length in seconds. */
double audio_seconds(const audio *a);
/* Releases the samples and zeroes 'a'.  Accepts a zeroed audio. */
void audio_free(audio *a);

#endif
