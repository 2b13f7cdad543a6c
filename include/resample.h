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

/* A conversion fed block by block, for audio never whole in memory (a
 * section's Opus copy at 48000 Hz from the 44100 Hz track), with the
 * converter resample_audio() uses: the blocks join without a seam, and the
 * output in total is resample_audio()'s for the whole input, to within
 * float rounding, of the same length. */
typedef struct resample_stream resample_stream;

/* A conversion from 'from' Hz to 'to' Hz (equal rates copy).  NULL with
 * 'e' set (ERR_AUDIO with src_strerror()'s message, ERR_NOMEM).  The
 * caller owns it; release it with resample_stream_free(). */
resample_stream *resample_stream_open(int from, int to, err *e);

/* Converts 'frames' samples of 'in' (borrowed) and appends what comes out
 * to 'out' (its rate set to 'to'; the caller may empty it between calls,
 * e.g. after writing it).  The filter holds back a few hundred frames
 * until later input or 'last' is nonzero; then the rest comes out and the
 * total is round(input frames * to / from).  Nothing may follow a last
 * block.  0 or -1 with 'e' set. */
int resample_stream_process(resample_stream *r, const float *in, size_t frames, int last,
                            audio *out, err *e);

/* Releases 'r'.  Accepts NULL. */
void resample_stream_free(resample_stream *r);

/* Output handed over in blocks of at most RESAMPLE_BLOCK frames: 0, or -1
 * with 'e' set (which resample_to() then returns). */
#define RESAMPLE_BLOCK 4096
typedef int (*resample_sink)(void *ctx, const float *x, size_t frames, err *e);

/* Converts 'in' (borrowed) to 'rate' Hz and hands the result to 'sink'
 * block by block: round(in->frames * rate / in->rate) frames in all, as
 * resample_audio() would give them, but runs of exact silence (pauses of
 * 1024 frames or more) are written as zeros instead of filtered, which
 * spares the converter about a fifth of a news article.  Stretches of
 * speech start within half an output frame of where the whole-track
 * conversion puts them.  0 or -1 with 'e' set. */
int resample_to(const audio *in, int rate, resample_sink sink, void *ctx, err *e);

#endif
