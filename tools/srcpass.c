/* srcpass.c -- one libsamplerate pass over a WAV file, for `make bench`.
 *
 *   srcpass IN.wav RATE [CONVERTER]
 *
 * Reads IN.wav (mono), converts it to RATE Hz with the converter tingbao
 * uses (SRC_SINC_FASTEST unless CONVERTER names another: best, medium,
 * fastest, linear) and discards the result: the cost of the one pass a
 * build cannot avoid, measured apart from everything tingbao adds. */
#include <samplerate.h>
#include <sndfile.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: srcpass IN.wav RATE [best|medium|fastest|linear]\n");
        return 2;
    }
    int conv = SRC_SINC_FASTEST;
    if (argc > 3)
        conv = !strcmp(argv[3], "best") ? SRC_SINC_BEST_QUALITY
             : !strcmp(argv[3], "medium") ? SRC_SINC_MEDIUM_QUALITY
             : !strcmp(argv[3], "linear") ? SRC_LINEAR : SRC_SINC_FASTEST;
    SF_INFO info = {0};
    SNDFILE *sf = sf_open(argv[1], SFM_READ, &info);
    if (!sf || info.channels != 1) {
        fprintf(stderr, "srcpass: %s: %s\n", argv[1], sf ? "not mono" : sf_strerror(NULL));
        return 1;
    }
    float *in = malloc(sizeof *in * (size_t)info.frames);
    if (!in || sf_readf_float(sf, in, info.frames) != info.frames)
        return 1;
    sf_close(sf);
    double ratio = atof(argv[2]) / info.samplerate;
    long out_frames = (long)(info.frames * ratio) + 16;
    float *out = malloc(sizeof *out * (size_t)out_frames);
    SRC_DATA d = {.data_in = in, .data_out = out, .input_frames = info.frames,
                  .output_frames = out_frames, .src_ratio = ratio};
    int rc = src_simple(&d, conv, 1);
    if (rc) {
        fprintf(stderr, "srcpass: %s\n", src_strerror(rc));
        return 1;
    }
    printf("%ld frames in, %ld out\n", (long)d.input_frames_used, (long)d.output_frames_gen);
    free(in);
    free(out);
    return 0;
}
