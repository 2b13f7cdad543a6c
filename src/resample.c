/* resample.c -- sample-rate conversion with libsamplerate.
 *
 * Whole tracks are converted in one src_simple() call: libsamplerate then
 * sees the end of the input and flushes its filter, so nothing is lost at
 * the end and the output is time-aligned with the input.
 *
 * Converter: SRC_SINC_FASTEST.  CPU for 20 minutes of audio, 22050 Hz to
 * 44100 Hz, in src_simple() alone (AMD EPYC, libsamplerate 0.2.2):
 *     SRC_LINEAR 0.4 s   SINC_FASTEST 3.7 s   SINC_MEDIUM 7.7 s   SINC_BEST 23 s
 * espeak-ng synthesizes those 20 minutes in about a second, and DESIGN.md
 * wants everything after synthesis to cost not much more than that.  The
 * medium sinc would cost eight times synthesis for a passband of 90% of
 * 11 kHz instead of 80%: espeak-ng's formant speech has little above 9 kHz,
 * so the difference is not worth it.  Linear interpolation is cheaper still
 * but leaves images of the speech spectrum above 11 kHz that are audible as
 * hiss.
 */
#include "resample.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <samplerate.h>

#define CONVERTER SRC_SINC_FASTEST

int resample_audio(const audio *in, int rate, audio *out, err *e)
{
    if (rate <= 0 || in->rate <= 0) {
        err_set(e, ERR_INTERNAL, NULL, 0, 0,
                "resample: bad rates %d Hz -> %d Hz", in->rate, rate);
        return -1;
    }
    out->rate = rate;
    if (in->rate == rate || in->frames == 0)
        return audio_append(out, in->data, in->frames, e);

    double ratio = (double)rate / in->rate;
    if (!src_is_valid_ratio(ratio)) {
        err_set(e, ERR_AUDIO, NULL, 0, 0,
                "resample: cannot convert %d Hz to %d Hz", in->rate, rate);
        return -1;
    }
    /* The length callers can count on: round(frames * ratio). */
    size_t want = (size_t)llround((double)in->frames * ratio);
    /* Room for libsamplerate's rounding, which may give a frame more. */
    size_t room = want + 16;
    float *buf = malloc(room * sizeof *buf);
    if (!buf) {
        err_set(e, ERR_NOMEM, NULL, 0, 0,
                "resample: out of memory for %zu frames", room);
        return -1;
    }
    SRC_DATA d = {
        .data_in = in->data,
        .data_out = buf,
        .input_frames = (long)in->frames,
        .output_frames = (long)room,
        .src_ratio = ratio,
        .end_of_input = 1,
    };
    int r = src_simple(&d, CONVERTER, 1);
    if (r != 0) {
        err_set(e, ERR_AUDIO, NULL, 0, 0, "resample: %d Hz -> %d Hz: %s",
                in->rate, rate, src_strerror(r));
        free(buf);
        return -1;
    }
    size_t got = (size_t)d.output_frames_gen;
    /* A frame short at the very end is the filter's tail, which is
     * silence by then: pad rather than let the length drift. */
    if (got < want)
        memset(buf + got, 0, (want - got) * sizeof *buf);
    if (out->frames == 0) {
        /* A 20-minute track is 200 MB at 44.1 kHz: hand the buffer over
         * rather than copy it. */
        free(out->data);
        out->data = buf;
        out->cap = room;
        out->frames = want;
        return 0;
    }
    int ret = audio_append(out, buf, want, e);
    free(buf);
    return ret;
}
