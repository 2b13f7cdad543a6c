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
#include <stdint.h>
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

/* ---- streams -------------------------------------------------------------
 *
 * The same converter, fed block by block through src_process(), for audio
 * that is never whole in memory (a section's Opus copy).  libsamplerate
 * keeps the filter's history between calls, so the blocks join without a
 * seam; the last call flushes the filter and trims or pads the total to
 * round(input * ratio), the length resample_audio() gives. */

struct resample_stream {
    SRC_STATE *src; /* NULL when the rates are equal */
    double ratio;
    size_t in_total, out_total;
    int from, to;
    int ended;
};

resample_stream *resample_stream_open(int from, int to, err *e)
{
    if (from <= 0 || to <= 0) {
        err_set(e, ERR_INTERNAL, NULL, 0, 0, "resample: bad rates %d Hz -> %d Hz", from, to);
        return NULL;
    }
    double ratio = (double)to / from;
    if (!src_is_valid_ratio(ratio)) {
        err_set(e, ERR_AUDIO, NULL, 0, 0, "resample: cannot convert %d Hz to %d Hz", from, to);
        return NULL;
    }
    resample_stream *r = calloc(1, sizeof *r);
    if (!r) {
        err_set(e, ERR_NOMEM, NULL, 0, 0, "resample: out of memory");
        return NULL;
    }
    r->ratio = ratio;
    r->from = from;
    r->to = to;
    if (from != to) {
        int err_code = 0;
        r->src = src_new(CONVERTER, 1, &err_code);
        if (!r->src) {
            err_set(e, ERR_AUDIO, NULL, 0, 0, "resample: %d Hz -> %d Hz: %s", from, to,
                    src_strerror(err_code));
            free(r);
            return NULL;
        }
    }
    return r;
}

/* Appends 'n' frames of 'x' to 'out', no further than 'limit' frames
 * in total when 'limit' is not SIZE_MAX. */
static int emit(resample_stream *r, const float *x, size_t n, size_t limit, audio *out, err *e)
{
    if (limit != SIZE_MAX)
        n = r->out_total >= limit ? 0 : n < limit - r->out_total ? n : limit - r->out_total;
    r->out_total += n;
    return n ? audio_append(out, x, n, e) : 0;
}

int resample_stream_process(resample_stream *r, const float *in, size_t frames, int last,
                            audio *out, err *e)
{
    if (r->ended) {
        err_set(e, ERR_INTERNAL, NULL, 0, 0, "resample: stream used after its last block");
        return -1;
    }
    out->rate = r->to;
    r->in_total += frames;
    r->ended = last;
    if (!r->src)
        return emit(r, in, frames, SIZE_MAX, out, e);
    size_t want = last ? (size_t)llround((double)r->in_total * r->ratio) : SIZE_MAX;
    float buf[4096];
    for (;;) {
        long n_in = frames > 1L << 20 ? 1L << 20 : (long)frames;
        SRC_DATA d = {
            .data_in = in,
            .data_out = buf,
            .input_frames = n_in,
            .output_frames = (long)(sizeof buf / sizeof *buf),
            .src_ratio = r->ratio,
            .end_of_input = last && n_in == (long)frames,
        };
        int rc = src_process(r->src, &d);
        if (rc != 0) {
            err_set(e, ERR_AUDIO, NULL, 0, 0, "resample: %d Hz -> %d Hz: %s", r->from, r->to,
                    src_strerror(rc));
            return -1;
        }
        in += d.input_frames_used;
        frames -= (size_t)d.input_frames_used;
        if (emit(r, buf, (size_t)d.output_frames_gen, want, out, e) < 0)
            return -1;
        /* Done when the input is taken and, at the end, the filter's
         * tail has come out. */
        if (frames == 0 && (!last || d.output_frames_gen == 0))
            break;
    }
    if (last && r->out_total < want) {
        /* As in resample_audio(): the filter's tail is silence by then. */
        memset(buf, 0, sizeof buf);
        while (r->out_total < want)
            if (emit(r, buf, sizeof buf / sizeof *buf, want, out, e) < 0)
                return -1;
    }
    return 0;
}

void resample_stream_free(resample_stream *r)
{
    if (!r)
        return;
    src_delete(r->src);
    free(r);
}
