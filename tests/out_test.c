/* out_test.c -- audio files in every format, and WAV cue points.
 *
 * Files are checked by what libsndfile and sox read back and by their own
 * bytes (MP3 frame headers, RIFF chunks), never against stored files.
 */
#include <dirent.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <sndfile.h>

#include "audio.h"
#include "out.h"
#include "testutil.h"

#ifndef M_PI
#define M_PI 3.14159265358979323846
#endif

static char dir[64];

static int make_dir(void **state)
{
    (void)state;
    snprintf(dir, sizeof dir, "/tmp/tingbao-out-XXXXXX");
    return mkdtemp(dir) ? 0 : -1;
}

static int remove_dir(void **state)
{
    (void)state;
    err e = {0};
    return out_remove_tree(dir, &e);
}

/* A tone that glides, with a pause: enough for an encoder to work on. */
static audio tone(int rate, double seconds)
{
    audio a = {.rate = rate};
    err e = {0};
    size_t n = (size_t)(rate * seconds);
    float *buf = malloc(n * sizeof *buf);
    double ph = 0;
    for (size_t i = 0; i < n; i++) {
        double t = (double)i / rate;
        ph += 2 * M_PI * (200 + 100 * sin(t)) / rate;
        buf[i] = fmod(t, 2.0) < 1.7 ? (float)(0.4 * sin(ph)) : 0.0f;
    }
    assert_int_equal(audio_append(&a, buf, n, &e), 0);
    free(buf);
    return a;
}

static char *path_of(const char *name)
{
    static char buf[256];
    snprintf(buf, sizeof buf, "%s/%s", dir, name);
    return buf;
}

static SF_INFO info_of(const char *path)
{
    SF_INFO info = {0};
    SNDFILE *sf = sf_open(path, SFM_READ, &info);
    if (!sf)
        fail_msg("%s: %s", path, sf_strerror(NULL));
    sf_close(sf);
    return info;
}

static unsigned char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    fseek(f, 0, SEEK_END);
    *len = (size_t)ftell(f);
    fseek(f, 0, SEEK_SET);
    unsigned char *b = malloc(*len + 1);
    assert_true(fread(b, 1, *len, f) == *len);
    fclose(f);
    return b;
}

/* No temporary file left behind in the folder. */
static void no_temps(void)
{
    DIR *d = opendir(dir);
    struct dirent *de;
    while ((de = readdir(d)))
        if (strstr(de->d_name, ".tmp."))
            fail_msg("temporary file left: %s", de->d_name);
    closedir(d);
}

/* Bitrates of every MPEG audio frame, in kb/s; returns the frame count,
 * fails on a broken frame chain. */
static size_t mp3_frames(const unsigned char *d, size_t len, int *first_kbps, int *all_same)
{
    static const int br1[16] = {0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320};
    static const int br2[16] = {0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160};
    size_t i = 0, n = 0;
    if (len > 10 && !memcmp(d, "ID3", 3))
        i = 10 + ((size_t)d[6] << 21 | (size_t)d[7] << 14 | (size_t)d[8] << 7 | d[9]);
    *all_same = 1;
    while (i + 4 <= len) {
        uint32_t h = (uint32_t)d[i] << 24 | (uint32_t)d[i + 1] << 16 | (uint32_t)d[i + 2] << 8 | d[i + 3];
        if ((h >> 21) != 0x7ff)
            fail_msg("no MPEG frame at byte %zu of %zu", i, len);
        int ver = (h >> 19) & 3, bri = (h >> 12) & 15, sri = (h >> 10) & 3, pad = (h >> 9) & 1;
        static const int rates[4][3] = {{11025, 12000, 8000}, {0}, {22050, 24000, 16000},
                                        {44100, 48000, 32000}};
        int rate = rates[ver][sri], kbps = ver == 3 ? br1[bri] : br2[bri];
        assert_true(rate > 0 && kbps > 0);
        if (!n)
            *first_kbps = kbps;
        else if (kbps != *first_kbps)
            *all_same = 0;
        i += (size_t)((ver == 3 ? 144 : 72) * kbps * 1000 / rate + pad);
        n++;
    }
    assert_true(i == len);
    return n;
}

static void test_all_formats(void **state)
{
    (void)state;
    audio a = tone(48000, 10.0);
    err e = {0};
    const char *wav = path_of("01-要闻.wav");
    if (out_write_formats(wav, &a, OUT_WAV | OUT_MP3 | OUT_OPUS | OUT_FLAC, NULL, 0, &e) < 0)
        fail_msg("%s", e.msg);
    no_temps();
    static const struct { const char *name; int major; sf_count_t tol; } want[] = {
        {"01-要闻.wav", SF_FORMAT_WAV, 0},
        {"01-要闻.flac", SF_FORMAT_FLAC, 0},
        {"01-要闻.mp3", SF_FORMAT_MPEG, 1152},  /* one MP3 frame */
        {"01-要闻.opus", SF_FORMAT_OGG, 960},   /* one 20 ms Opus frame */
    };
    for (size_t k = 0; k < 4; k++) {
        SF_INFO info = info_of(path_of(want[k].name));
        print_message("%s: %d Hz, %d ch, %lld frames (wrote %zu)\n", want[k].name,
                      info.samplerate, info.channels, (long long)info.frames, a.frames);
        assert_int_equal(info.format & SF_FORMAT_TYPEMASK, want[k].major);
        assert_int_equal(info.samplerate, 48000);
        assert_int_equal(info.channels, 1);
        assert_true(llabs(info.frames - (sf_count_t)a.frames) <= want[k].tol);
    }
    /* Only what was asked for. */
    assert_int_equal(out_write_formats(path_of("x.wav"), &a, OUT_FLAC, NULL, 0, &e), 0);
    assert_int_equal(access(path_of("x.wav"), F_OK), -1);
    assert_int_equal(access(path_of("x.flac"), F_OK), 0);
    audio_free(&a);
}

static void test_mp3_constant_bitrate(void **state)
{
    (void)state;
    static const struct { int rate, kbps; } cases[] = {
        {44100, OUT_MP3_KBPS}, {48000, OUT_MP3_KBPS}, {22050, 32}, {24000, 32},
    };
    for (size_t k = 0; k < 4; k++) {
        audio a = tone(cases[k].rate, 6.0);
        err e = {0};
        const char *p = path_of("cbr.mp3");
        if (out_write_encoded(p, &a, OUT_MP3, &e) < 0)
            fail_msg("%s", e.msg);
        size_t len;
        unsigned char *d = slurp(p, &len);
        int kbps = 0, same = 0;
        size_t frames = mp3_frames(d, len, &kbps, &same);
        print_message("%d Hz: %zu frames, all %d kb/s: %s, %zu bytes for %.1f s\n", cases[k].rate,
                      frames, kbps, same ? "yes" : "no", len, audio_seconds(&a));
        assert_true(same);
        assert_int_equal(kbps, cases[k].kbps);
        /* Size is bitrate times duration (plus the Info frame). */
        double want = kbps * 1000.0 / 8 * audio_seconds(&a);
        assert_true(fabs((double)len - want) < want * 0.05);
        SF_INFO info = info_of(p);
        assert_int_equal(info.samplerate, cases[k].rate);
        free(d);
        audio_free(&a);
    }
}

static void test_opus_rates(void **state)
{
    (void)state;
    assert_true(out_opus_rate_ok(48000) && out_opus_rate_ok(16000));
    assert_false(out_opus_rate_ok(44100) || out_opus_rate_ok(22050));
    audio a = tone(44100, 1.0);
    err e = {0};
    /* Refused before anything is written, the WAV included. */
    assert_int_equal(out_write_formats(path_of("r.wav"), &a, OUT_WAV | OUT_OPUS, NULL, 0, &e), -1);
    assert_int_equal(e.cat, ERR_CONFIG);
    assert_non_null(strstr(e.msg, "44100"));
    assert_int_equal(access(path_of("r.wav"), F_OK), -1);
    assert_int_equal(out_write_encoded(path_of("r.opus"), &a, OUT_OPUS, &e), -1);
    assert_int_equal(access(path_of("r.opus"), F_OK), -1);
    no_temps();
    /* Not a .wav name. */
    assert_int_equal(out_write_formats(path_of("r.mp3"), &a, OUT_MP3, NULL, 0, &e), -1);
    audio_free(&a);
}

/* Where 'needle' of 'n' bytes occurs in 'hay', or NULL. */
static const unsigned char *find(const unsigned char *hay, size_t len, const void *needle, size_t n)
{
    for (size_t i = 0; i + n <= len; i++)
        if (!memcmp(hay + i, needle, n))
            return hay + i;
    return NULL;
}

static void check_cues(const char *p, const out_cue *cues, size_t n, size_t frames)
{
    SF_INFO info = {0};
    SNDFILE *sf = sf_open(p, SFM_READ, &info);
    assert_non_null(sf);
    assert_int_equal(info.frames, (sf_count_t)frames);
    uint32_t count = 0;
    assert_int_equal(sf_command(sf, SFC_GET_CUE_COUNT, &count, sizeof count), SF_TRUE);
    assert_int_equal(count, n);
    size_t size = sizeof(uint32_t) + n * sizeof(SF_CUE_POINT);
    unsigned char *mem = calloc(1, size);
    assert_int_equal(sf_command(sf, SFC_GET_CUE, mem, (int)size), SF_TRUE);
    for (size_t i = 0; i < n; i++) {
        SF_CUE_POINT c;
        memcpy(&c, mem + sizeof(uint32_t) + i * sizeof c, sizeof c);
        assert_int_equal(c.indx, (int32_t)(i + 1));
        assert_int_equal(c.sample_offset, cues[i].frame);
        assert_int_equal(c.position, cues[i].frame);
        /* libsndfile 1.2 reads the names back from our 'labl's. */
        assert_string_equal(c.name, cues[i].label);
    }
    free(mem);
    /* The samples are intact. */
    float *buf = malloc(frames * sizeof *buf);
    assert_int_equal(sf_readf_float(sf, buf, (sf_count_t)frames), (sf_count_t)frames);
    free(buf);
    sf_close(sf);

    /* The labels: a LIST/adtl chunk with one 'labl' per cue naming its id,
     * and a RIFF size that covers it. */
    size_t len;
    unsigned char *d = slurp(p, &len);
    assert_true(!memcmp(d, "RIFF", 4) && !memcmp(d + 8, "WAVE", 4));
    uint32_t riff = d[4] | d[5] << 8 | d[6] << 16 | (uint32_t)d[7] << 24;
    assert_int_equal(riff, len - 8);
    const unsigned char *list = find(d, len, "adtl", 4);
    assert_non_null(list);
    assert_true(!memcmp(list - 8, "LIST", 4));
    const unsigned char *q = list + 4;
    for (size_t i = 0; i < n; i++) {
        assert_true(!memcmp(q, "labl", 4));
        uint32_t sz = q[4] | q[5] << 8 | q[6] << 16 | (uint32_t)q[7] << 24;
        uint32_t id = q[8] | q[9] << 8 | q[10] << 16 | (uint32_t)q[11] << 24;
        assert_int_equal(id, i + 1);
        assert_string_equal((const char *)q + 12, cues[i].label);
        assert_int_equal(sz, 4 + strlen(cues[i].label) + 1);
        q += 8 + sz + (sz & 1);
    }
    assert_true(q == d + len);
    free(d);

    /* sox reads the file too, to the last sample. */
    char cmd[400];
    snprintf(cmd, sizeof cmd, "sox --i -s '%s' 2>&1", p);
    FILE *f = popen(cmd, "r");
    assert_non_null(f);
    char line[128] = "";
    if (!fgets(line, sizeof line, f))
        line[0] = '\0';
    assert_int_equal(pclose(f), 0);
    assert_int_equal(strtoull(line, NULL, 10), frames);
}

static void test_wav_cues(void **state)
{
    (void)state;
    audio a = tone(44100, 30.0);
    err e = {0};
    out_cue cues[] = {
        {0, "版头"},
        {44100 * 3 + 17, "株洲市应急管理局：守牢安全底线"},
        {44100 * 12, "CPI 同比上涨0.1%"},
        {44100 * 29, "odd"},  /* an odd label size, padded */
    };
    const char *p = path_of("01-要闻.wav");
    if (out_write_formats(p, &a, OUT_WAV | OUT_MP3, cues, 4, &e) < 0)
        fail_msg("%s", e.msg);
    check_cues(p, cues, 4, a.frames);
    no_temps();
    /* More cues than SF_CUES holds. */
    enum { MANY = 150 };
    out_cue many[MANY];
    char labels[MANY][16];
    for (size_t i = 0; i < MANY; i++) {
        snprintf(labels[i], sizeof labels[i], "第%zu篇", i + 1);
        many[i].frame = i * 8000;
        many[i].label = labels[i];
    }
    if (out_write_wav_cues(p, &a, many, MANY, &e) < 0)
        fail_msg("%s", e.msg);
    check_cues(p, many, MANY, a.frames);
    /* A cue past the end is our mistake, refused. */
    out_cue bad = {a.frames + 1, "past"};
    assert_int_equal(out_write_wav_cues(path_of("bad.wav"), &a, &bad, 1, &e), -1);
    assert_int_equal(e.cat, ERR_INTERNAL);
    assert_int_equal(access(path_of("bad.wav"), F_OK), -1);
    /* Plain out_write_wav is unchanged: no cue chunk, no list. */
    assert_int_equal(out_write_wav(p, &a, &e), 0);
    size_t len;
    unsigned char *d = slurp(p, &len);
    assert_null(find(d, len < 200 ? len : 200, "cue ", 4));
    assert_int_equal(len, 44 + a.frames * 2);
    free(d);
    audio_free(&a);
}

/* Decoded frames of 'path', through libsndfile. */
static sf_count_t decoded_frames(const char *path)
{
    SF_INFO info = {0};
    SNDFILE *sf = sf_open(path, SFM_READ, &info);
    if (!sf)
        fail_msg("%s: %s", path, sf_strerror(NULL));
    float buf[4096];
    sf_count_t n = 0, k;
    while ((k = sf_readf_float(sf, buf, 4096)) > 0)
        n += k;
    sf_close(sf);
    return n;
}

static int same_bytes(const char *a, const char *b)
{
    size_t la, lb;
    unsigned char *da = slurp(a, &la), *db = slurp(b, &lb);
    int same = la == lb && !memcmp(da, db, la);
    free(da);
    free(db);
    return same;
}

/* Writes 'a' to a stream at 'wav' in blocks of odd sizes, cycling. */
static void write_in_blocks(const char *wav, const audio *a, unsigned formats,
                            const out_cue *cues, size_t n_cues)
{
    static const size_t sizes[] = {1, 4097, 7, 44100, 999, 3, 65537};
    err e = {0};
    out_stream *s = out_stream_open(wav, a->rate, formats, &e);
    if (!s)
        fail_msg("out_stream_open: %s", e.msg);
    size_t at = 0;
    for (size_t k = 0; at < a->frames; k++) {
        size_t n = sizes[k % (sizeof sizes / sizeof *sizes)];
        n = n < a->frames - at ? n : a->frames - at;
        assert_int_equal(out_stream_frames(s), at);
        if (out_stream_write(s, a->data + at, n, &e) < 0)
            fail_msg("out_stream_write: %s", e.msg);
        at += n;
    }
    if (out_stream_close(s, cues, n_cues, &e) < 0)
        fail_msg("out_stream_close: %s", e.msg);
}

/* A stream writes the bytes the whole-buffer writer does, cues included. */
static void test_stream_same_bytes(void **state)
{
    (void)state;
    audio a = tone(44100, 25.0), b = tone(48000, 9.0);
    err e = {0};
    out_cue cues[] = {{0, "开头"}, {44100 * 3 + 17, "第二篇"}, {a.frames, "end"}};
    unsigned f = OUT_WAV | OUT_MP3 | OUT_FLAC;
    if (out_write_formats(path_of("whole.wav"), &a, f, cues, 3, &e) < 0 ||
        out_write_formats(path_of("whole48.wav"), &b, OUT_OPUS, NULL, 0, &e) < 0)
        fail_msg("out_write_formats: %s", e.msg);
    write_in_blocks(path_of("stream.wav"), &a, f, cues, 3);
    write_in_blocks(path_of("stream48.wav"), &b, OUT_OPUS, NULL, 0);
    assert_true(same_bytes(path_of("whole.wav"), path_of("stream.wav")));
    assert_true(same_bytes(path_of("whole.flac"), path_of("stream.flac")));
    /* LAME is deterministic too; Opus's Ogg stream serial is random. */
    assert_true(same_bytes(path_of("whole.mp3"), path_of("stream.mp3")));
    assert_int_equal(decoded_frames(path_of("stream.mp3")), decoded_frames(path_of("whole.mp3")));
    assert_int_equal(decoded_frames(path_of("stream48.opus")),
                     decoded_frames(path_of("whole48.opus")));
    assert_int_equal(decoded_frames(path_of("stream48.opus")), (sf_count_t)b.frames);
    check_cues(path_of("stream.wav"), cues, 3, a.frames);
    /* Only the formats asked for. */
    assert_int_equal(access(path_of("stream48.wav"), F_OK), -1);
    assert_int_equal(access(path_of("stream.opus"), F_OK), -1);
    no_temps();
    audio_free(&a);
    audio_free(&b);
}

/* Nothing of an aborted or refused stream is left on disk. */
static void test_stream_abort(void **state)
{
    (void)state;
    audio a = tone(44100, 2.0);
    err e = {0};
    out_stream *s = out_stream_open(path_of("gone.wav"), 44100, OUT_WAV | OUT_MP3, &e);
    assert_non_null(s);
    assert_int_equal(out_stream_write(s, a.data, a.frames, &e), 0);
    out_stream_abort(s);
    out_stream_abort(NULL);
    assert_int_equal(access(path_of("gone.wav"), F_OK), -1);
    assert_int_equal(access(path_of("gone.mp3"), F_OK), -1);
    no_temps();
    /* A cue past the end: our mistake, and nothing published. */
    s = out_stream_open(path_of("gone.wav"), 44100, OUT_WAV | OUT_FLAC, &e);
    assert_non_null(s);
    assert_int_equal(out_stream_write(s, a.data, a.frames, &e), 0);
    out_cue bad = {a.frames + 1, "past"};
    assert_int_equal(out_stream_close(s, &bad, 1, &e), -1);
    assert_int_equal(e.cat, ERR_INTERNAL);
    assert_int_equal(access(path_of("gone.wav"), F_OK), -1);
    assert_int_equal(access(path_of("gone.flac"), F_OK), -1);
    no_temps();
    /* Opus at 44100 Hz and a name without .wav are refused up front. */
    assert_null(out_stream_open(path_of("gone.wav"), 44100, OUT_WAV | OUT_OPUS, &e));
    assert_int_equal(e.cat, ERR_CONFIG);
    assert_null(out_stream_open(path_of("gone.mp3"), 44100, OUT_MP3, &e));
    assert_int_equal(e.cat, ERR_INTERNAL);
    no_temps();
    audio_free(&a);
}

static double cpu_s(void)
{
    struct timespec t;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* TINGBAO_BENCH=1: 20 minutes of audio to MP3 (44100 Hz) and Opus (48000). */
static void test_bench_encode(void **state)
{
    (void)state;
    if (!getenv("TINGBAO_BENCH"))
        skip();
    static const struct { int rate; out_format f; const char *name; } b[] = {
        {44100, OUT_MP3, "bench.mp3"}, {48000, OUT_OPUS, "bench.opus"},
        {44100, OUT_FLAC, "bench.flac"}, {44100, OUT_WAV, "bench.wav"},
    };
    for (size_t k = 0; k < 4; k++) {
        audio a = tone(b[k].rate, 20 * 60);
        err e = {0};
        double t0 = cpu_s();
        assert_int_equal(out_write_encoded(path_of(b[k].name), &a, b[k].f, &e), 0);
        double t = cpu_s() - t0;
        size_t len;
        free(slurp(path_of(b[k].name), &len));
        print_message("bench: 20 min at %d Hz to %s in %.2f s CPU, %.1f MB\n", b[k].rate,
                      b[k].name, t, (double)len / 1e6);
        audio_free(&a);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_all_formats),
        cmocka_unit_test(test_mp3_constant_bitrate),
        cmocka_unit_test(test_opus_rates),
        cmocka_unit_test(test_wav_cues),
        cmocka_unit_test(test_stream_same_bytes),
        cmocka_unit_test(test_stream_abort),
        cmocka_unit_test(test_bench_encode),
    };
    return cmocka_run_group_tests(tests, make_dir, remove_dir);
}
