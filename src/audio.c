/* audio.c -- mono float audio buffers shared by synth, resample, mix, out.
 *
 * The buffer grows by doubling so that appending many short pieces (one per
 * espeak-ng callback, one per segment) stays linear in the total length.
 */
#include "audio.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* Makes room for 'more' frames after a->frames. */
static int reserve(audio *a, size_t more, err *e)
{
    if (more > SIZE_MAX / sizeof(float) - a->frames) {
        err_set(e, ERR_NOMEM, NULL, 0, 0, "audio: buffer too large");
        return -1;
    }
    size_t need = a->frames + more;
    if (need <= a->cap)
        return 0;
    size_t cap = a->cap ? a->cap : 4096;
    while (cap < need)
        cap = cap > SIZE_MAX / sizeof(float) / 2 ? need : cap * 2;
    float *p = realloc(a->data, cap * sizeof *p);
    if (!p) {
        err_set(e, ERR_NOMEM, NULL, 0, 0,
                "audio: out of memory for %zu frames", cap);
        return -1;
    }
    a->data = p;
    a->cap = cap;
    return 0;
}

int audio_append(audio *a, const float *data, size_t frames, err *e)
{
    if (frames == 0)
        return 0;
    if (reserve(a, frames, e) < 0)
        return -1;
    memcpy(a->data + a->frames, data, frames * sizeof *data);
    a->frames += frames;
    return 0;
}

int audio_silence(audio *a, double seconds, err *e)
{
    if (a->rate <= 0) {
        err_set(e, ERR_INTERNAL, NULL, 0, 0,
                "audio: silence appended before the rate was set");
        return -1;
    }
    if (seconds <= 0)
        return 0;
    size_t frames = (size_t)(seconds * a->rate + 0.5);
    if (reserve(a, frames, e) < 0)
        return -1;
    memset(a->data + a->frames, 0, frames * sizeof *a->data);
    a->frames += frames;
    return 0;
}

int audio_concat(audio *a, const audio *src, err *e)
{
    if (src->frames == 0)
        return 0;
    if (a->frames == 0 && a->rate == 0)
        a->rate = src->rate;
    /* Joining audio at two rates would silently change its pitch; the
     * pipeline resamples whole tracks before mixing, so this is our bug. */
    if (a->rate != src->rate && a->frames > 0) {
        err_set(e, ERR_INTERNAL, NULL, 0, 0,
                "audio: cannot join %d Hz audio to %d Hz audio",
                src->rate, a->rate);
        return -1;
    }
    a->rate = src->rate;
    return audio_append(a, src->data, src->frames, e);
}

double audio_seconds(const audio *a)
{
    return a->rate > 0 ? (double)a->frames / a->rate : 0.0;
}

void audio_free(audio *a)
{
    free(a->data);
    memset(a, 0, sizeof *a);
}

static int16_t to16(float x)
{
    x *= 32767.0f;
    return (int16_t)lrintf(x > 32767.0f ? 32767.0f : x < -32767.0f ? -32767.0f : x);
}

void audio_quantize16(audio *a)
{
    for (size_t i = 0; i < a->frames; i++)
        a->data[i] = (float)to16(a->data[i]) / 32767.0f;
}

void audio_to16(const float *x, int16_t *out, size_t n)
{
    for (size_t i = 0; i < n; i++)
        out[i] = to16(x[i]);
}

void audio_from16(const int16_t *x, float *out, size_t n)
{
    for (size_t i = 0; i < n; i++)
        out[i] = (float)x[i] / 32767.0f;
}
