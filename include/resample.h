/* resample.h -- sample-rate conversion with libsamplerate.
 *
 * Each sample is resampled once: whole article tracks go through here,
 * never pieces that are later joined.
 */
#ifndef RESAMPLE_H
#define RESAMPLE_H

#include "audio.h"
#include "err.h"

/* Converts 'in' to 'rate' Hz into 'out' (zeroed by the caller; freed with
 * audio_free()).  Same rate copies.  0 or -1 with 'e' set (ERR_AUDIO with
 * src_strerror()'s message). */
int resample_audio(const audio *in, int rate, audio *out, err *e);

#endif
