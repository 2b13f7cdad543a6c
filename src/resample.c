/* resample.c -- sample-rate conversion with libsamplerate.
 *
 * Three ways in: resample_audio() converts a whole track in one
 * src_simple() call (libsamplerate sees the end of the input and flushes
 * its filter, so nothing is lost and the output is time-aligned);
 * resample_stream_*() does the same block by block; resample_to(), what a
 * build uses, hands the output to a sink block by block and passes long
 * runs of exact silence by (see below).
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

/* ---- whole tracks, silence passed by --------------------------------------
 *
 * A piece's track is speech with pauses: the ones tingbao puts between
 * paragraphs, and espeak-ng's own between sentences, all exact zeros.  A
 * filter turns zeros into zeros, so only the stretches of speech go through
 * libsamplerate, each with MARGIN frames of the silence around it (the
 * filter starts and ends on the zeros it would have seen, and its tail
 * comes out in full); the silence between is written as zeros.  SINC_FASTEST
 * reaches about 20 input frames either side, so MARGIN is ample. */
#define MARGIN 256
#define SILENT_RUN (4 * MARGIN)

/* The first run of at least SILENT_RUN zeros in x[from..n): [*zs, *ze), or
 * *zs = *ze = n. */
static void next_silence(const float *x, size_t n, size_t from, size_t *zs, size_t *ze)
{
    size_t i = from;
    while (i < n) {
        if (x[i] != 0.0f) {
            i++;
            continue;
        }
        size_t j = i;
        while (j < n && x[j] == 0.0f)
            j++;
        if (j - i >= SILENT_RUN) {
            *zs = i;
            *ze = j;
            return;
        }
        i = j;
    }
    *zs = *ze = n;
}

static size_t gcd(size_t a, size_t b)
{
    while (b) {
        size_t t = a % b;
        a = b;
        b = t;
    }
    return a;
}

typedef struct sink_state {
    resample_sink sink;
    void *ctx;
    size_t done;            /* frames handed to the sink */
} sink_state;

static int put(sink_state *s, const float *x, size_t n, size_t upto, err *e)
{
    if (s->done >= upto)
        return 0;
    if (n > upto - s->done)
        n = upto - s->done;
    s->done += n;
    return n ? s->sink(s->ctx, x, n, e) : 0;
}

static int put_zeros(sink_state *s, size_t upto, err *e)
{
    static const float zeros[RESAMPLE_BLOCK];
    while (s->done < upto)
        if (put(s, zeros, RESAMPLE_BLOCK, upto, e) < 0)
            return -1;
    return 0;
}

/* Converts in[a..b) with a fresh filter, handing the output up to frame
 * 'upto' (of the whole track) to the sink. */
static int stretch(SRC_STATE *src, const audio *in, size_t a, size_t b, double ratio, size_t upto,
                   sink_state *s, err *e)
{
    float buf[RESAMPLE_BLOCK];
    src_reset(src);
    const float *x = in->data + a;
    size_t left = b - a;
    for (;;) {
        long n_in = left > RESAMPLE_BLOCK / 4 ? RESAMPLE_BLOCK / 4 : (long)left;
        SRC_DATA d = {
            .data_in = x,
            .data_out = buf,
            .input_frames = n_in,
            .output_frames = RESAMPLE_BLOCK,
            .src_ratio = ratio,
            .end_of_input = n_in == (long)left,
        };
        int rc = src_process(src, &d);
        if (rc != 0) {
            err_set(e, ERR_AUDIO, NULL, 0, 0, "resample: %d Hz -> %d Hz: %s", in->rate,
                    (int)lround(in->rate * ratio), src_strerror(rc));
            return -1;
        }
        x += d.input_frames_used;
        left -= (size_t)d.input_frames_used;
        if (put(s, buf, (size_t)d.output_frames_gen, upto, e) < 0)
            return -1;
        if (left == 0 && d.output_frames_gen == 0)
            break;
    }
    /* A frame short at the end is the filter's tail: silence by then. */
    return put_zeros(s, upto, e);
}

int resample_to(const audio *in, int rate, resample_sink sink, void *ctx, err *e)
{
    sink_state s = {sink, ctx, 0};
    if (rate <= 0 || in->rate <= 0) {
        err_set(e, ERR_INTERNAL, NULL, 0, 0, "resample: bad rates %d Hz -> %d Hz", in->rate, rate);
        return -1;
    }
    size_t n = in->frames;
    if (in->rate == rate) {
        for (size_t i = 0; i < n; i += RESAMPLE_BLOCK)
            if (sink(ctx, in->data + i, n - i < RESAMPLE_BLOCK ? n - i : RESAMPLE_BLOCK, e) < 0)
                return -1;
        return 0;
    }
    double ratio = (double)rate / in->rate;
    if (!src_is_valid_ratio(ratio)) {
        err_set(e, ERR_AUDIO, NULL, 0, 0, "resample: cannot convert %d Hz to %d Hz", in->rate, rate);
        return -1;
    }
    int code = 0;
    SRC_STATE *src = src_new(CONVERTER, 1, &code);
    if (!src) {
        err_set(e, ERR_AUDIO, NULL, 0, 0, "resample: %d Hz -> %d Hz: %s", in->rate, rate,
                src_strerror(code));
        return -1;
    }
    /* Output frame k stands for input time k / ratio.  A stretch starts at
     * an input frame a where a * ratio is whole (a multiple of 'step'), so
     * its fresh filter lands on the same output frames, at the same phase,
     * as one filter over the whole track.  Rates without a small enough
     * step are converted whole. */
    size_t step = (size_t)in->rate / gcd((size_t)in->rate, (size_t)rate);
    int rc = 0;
    size_t a = 0;
    while (rc == 0) {
        size_t zs = n, ze = n;
        if (step <= MARGIN)
            next_silence(in->data, n, a, &zs, &ze);
        size_t b = zs + MARGIN < n ? zs + MARGIN : n;
        if (b > a)
            rc = stretch(src, in, a, b, ratio, (size_t)llround((double)b * ratio), &s, e);
        if (rc < 0 || zs == n)
            break;
        size_t next = ze < n ? ze - MARGIN - (ze - MARGIN) % step : n;
        rc = put_zeros(&s, (size_t)llround((double)next * ratio), e);
        a = next;
        if (a == n)
            break;
    }
    src_delete(src);
    return rc;
}
