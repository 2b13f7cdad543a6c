/* build_test.c -- end to end: `tingbao build` on the sample edition and on
 * hand-written multi-section editions, checked as a listener or a player
 * would: every file in the manifest exists with the duration it claims,
 * articles sit in the section file at their offsets, chimes are framed by
 * silence, the pace is a news anchor's, and errors give the documented exit
 * codes without leaving files behind. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <dirent.h>
#include <jansson.h>
#include <math.h>
#include <ebur128.h>
#include <sndfile.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "testutil.h"

static char outdir[256];

/* Runs a shell command; returns its exit status. */
static int run(const char *fmt, ...)
{
    char cmd[4096];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(cmd, sizeof cmd, fmt, ap);
    va_end(ap);
    int st = system(cmd);
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

typedef struct wav {
    float *x;
    sf_count_t frames;
    int rate, channels, format;
} wav;

static wav load(const char *path)
{
    SF_INFO info = {0};
    SNDFILE *sf = sf_open(path, SFM_READ, &info);
    if (!sf)
        fail_msg("cannot open %s: %s", path, sf_strerror(NULL));
    wav w = {malloc(sizeof(float) * (size_t)(info.frames + 1)), info.frames, info.samplerate,
             info.channels, info.format};
    assert_int_equal(sf_readf_float(sf, w.x, info.frames), info.frames);
    sf_close(sf);
    return w;
}

static double rms(const float *x, size_t n)
{
    double s = 0;
    for (size_t i = 0; i < n; i++)
        s += (double)x[i] * x[i];
    return n ? sqrt(s / (double)n) : 0;
}

static double dbfs(double v)
{
    return v > 0 ? 20 * log10(v) : -200;
}

static int setup(void **state)
{
    (void)state;
    snprintf(outdir, sizeof outdir, "/tmp/tingbao-test-%ld", (long)getpid());
    return run("rm -rf %s && mkdir -p %s", outdir, outdir);
}

static int teardown(void **state)
{
    (void)state;
    return run("rm -rf %s", outdir);
}

/* Builds 'edition' into 'out'; returns the edition folder (last stdout line). */
static char *build(const char *edition, const char *out)
{
    char cmd[2048];
    snprintf(cmd, sizeof cmd, "\"$TINGBAO\" build --quiet '%s' --out '%s'", edition, out);
    FILE *p = popen(cmd, "r");
    assert_non_null(p);
    char line[1024], last[1024] = "";
    while (fgets(line, sizeof line, p))
        snprintf(last, sizeof last, "%s", tu_chomp(line));
    int st = pclose(p);
    if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
        fail_msg("%s: exit %d", cmd, WEXITSTATUS(st));
    return strdup(last);
}

static json_t *manifest(const char *dir)
{
    char p[1024];
    json_error_t je;
    snprintf(p, sizeof p, "%s/edition.json", dir);
    json_t *m = json_load_file(p, 0, &je);
    if (!m)
        fail_msg("%s:%d: %s", p, je.line, je.text);
    return m;
}

static const char *jstr(json_t *o, const char *k)
{
    json_t *v = json_object_get(o, k);
    if (!json_is_string(v))
        fail_msg("manifest: \"%s\" is not a string", k);
    return json_string_value(v);
}

static double jnum(json_t *o, const char *k)
{
    json_t *v = json_object_get(o, k);
    if (!json_is_number(v))
        fail_msg("manifest: \"%s\" is not a number", k);
    return json_number_value(v);
}

/* A file name the design allows: valid UTF-8, no '/', no leading '.', no
 * control character, at most 120 bytes. */
static void check_name(const char *rel)
{
    const char *base = strrchr(rel, '/');
    base = base ? base + 1 : rel;
    assert_true(strlen(base) <= 120);
    assert_true(base[0] != '.');
    for (const unsigned char *c = (const unsigned char *)base; *c; c++)
        assert_true(*c >= 0x20 && *c != 0x7f);
}

typedef struct totals {
    size_t articles;
    double speech_s;
    long syllables;
} totals;

/* Checks every file of the manifest against the audio on disk. */
static totals check_edition(const char *dir, size_t want_sections)
{
    totals t = {0};
    json_t *m = manifest(dir);
    char p[2048];
    int rate = (int)jnum(m, "sample_rate");
    assert_int_equal(rate, 44100);
    json_t *intro = json_object_get(m, "intro");
    snprintf(p, sizeof p, "%s/%s", dir, jstr(intro, "file"));
    wav iw = load(p);
    assert_true(iw.frames > 3 * rate);
    assert_float_equal(jnum(intro, "duration_s"), (double)iw.frames / rate, 0.001);
    free(iw.x);
    json_t *secs = json_object_get(m, "sections");
    assert_int_equal(json_array_size(secs), want_sections);
    for (size_t i = 0; i < json_array_size(secs); i++) {
        json_t *s = json_array_get(secs, i);
        check_name(jstr(s, "file"));
        snprintf(p, sizeof p, "%s/%s", dir, jstr(s, "file"));
        wav sw = load(p);
        assert_int_equal(sw.rate, rate);
        assert_int_equal(sw.channels, 1);
        assert_int_equal(sw.format, SF_FORMAT_WAV | SF_FORMAT_PCM_16);
        assert_float_equal(jnum(s, "duration_s"), (double)sw.frames / rate, 0.001);
        json_t *arts = json_object_get(s, "articles");
        assert_true(json_array_size(arts) > 0);
        double prev_end = 0;
        for (size_t j = 0; j < json_array_size(arts); j++) {
            json_t *a = json_array_get(arts, j);
            t.articles++;
            check_name(jstr(a, "file"));
            snprintf(p, sizeof p, "%s/%s", dir, jstr(a, "file"));
            wav aw = load(p);
            double dur = jnum(a, "duration_s"), off = jnum(a, "offset_s");
            assert_int_equal(aw.rate, rate);
            assert_float_equal(dur, (double)aw.frames / rate, 0.001);
            assert_true(off >= prev_end);
            assert_true(off + dur <= (double)sw.frames / rate + 0.001);
            prev_end = off + dur;
            /* The article is in the section file at its offset, to 10 ms:
             * find where its first second matches best near the offset. */
            long at = lround(off * rate), best = -1;
            double best_err = 1e9;
            size_t n = (size_t)(rate < aw.frames ? rate : aw.frames);
            for (long d = -rate / 100; d <= rate / 100; d++) {
                long s0 = at + d;
                if (s0 < 0 || s0 + (long)n > sw.frames)
                    continue;
                double e = 0;
                for (size_t k = 0; k < n; k += 7)
                    e += fabs(sw.x[s0 + (long)k] - aw.x[k]);
                if (e < best_err) {
                    best_err = e;
                    best = d;
                }
            }
            assert_true(best >= -rate / 100 && best <= rate / 100);
            assert_true(best_err / (double)(n / 7) < 1e-3);
            /* Speech is not silence; it does not clip. */
            assert_true(dbfs(rms(aw.x, (size_t)aw.frames)) > -35);
            float peak = 0;
            for (sf_count_t k = 0; k < aw.frames; k++)
                peak = fabsf(aw.x[k]) > peak ? fabsf(aw.x[k]) : peak;
            assert_true(peak < 0.999f);
            /* Before every article after the first: a chime framed by
             * silence, so the 100 ms just before the speech is quiet. */
            if (j > 0) {
                size_t q = (size_t)(rate / 10);
                assert_true(dbfs(rms(sw.x + at - (long)q, q)) < -50);
            }
            t.speech_s += dur;
            t.syllables += (long)jnum(a, "syllables");
            free(aw.x);
        }
        free(sw.x);
    }
    json_decref(m);
    return t;
}

static void sample_edition(void **state)
{
    (void)state;
    char *dir = build(tu_sample(), outdir);
    char want[512];
    snprintf(want, sizeof want, "%s/株洲日报/2023-09-05", outdir);
    assert_string_equal(dir, want);
    json_t *m = manifest(dir);
    assert_string_equal(jstr(m, "paper"), "株洲日报");
    assert_string_equal(jstr(m, "date"), "2023-09-05");
    assert_string_equal(jstr(m, "issue"), "23415");
    assert_int_equal(json_array_size(json_object_get(m, "teasers")), 1);
    json_decref(m);
    totals t = check_edition(dir, 1);
    assert_int_equal(t.articles, 9);
    /* A news anchor's pace: 4-5 syllables a second while speaking; with the
     * pauses between paragraphs the whole runs a little slower. */
    double pace = (double)t.syllables / t.speech_s;
    fprintf(stderr, "sample: %zu articles, %ld syllables, %.1f s of articles, %.2f syllables/s\n",
            t.articles, t.syllables, t.speech_s, pace);
    assert_in_range((long)(pace * 100), 370, 520);
    /* No temporary folder or file is left beside the edition (the lock
     * file stays: it is flock()ed, not created and removed). */
    char p[600];
    snprintf(p, sizeof p, "%s/株洲日报", outdir);
    DIR *d = opendir(p);
    assert_non_null(d);
    struct dirent *de;
    while ((de = readdir(d)))
        if (de->d_name[0] == '.' && strcmp(de->d_name, ".") && strcmp(de->d_name, "..") &&
            strcmp(de->d_name, ".lock"))
            fail_msg("leftover %s/%s", p, de->d_name);
    closedir(d);
    free(dir);
}

static void rebuild_is_identical(void **state)
{
    (void)state;
    /* Same input, same output: the manifest and every WAV are identical
     * when built twice (and the second build replaces the first). */
    char a[512], b[512];
    snprintf(a, sizeof a, "%s/a", outdir);
    snprintf(b, sizeof b, "%s/b", outdir);
    char fx[512];
    tu_data("edition/three-sections.md", fx, sizeof fx);
    char *d1 = build(fx, a);
    char *d2 = build(fx, b);
    char *d3 = build(fx, b);
    /* The --force rebuild must not change a byte either, nor the number
     * of worker processes (each piece of audio is synthesized by a fresh
     * espeak-ng, so the order and the parallelism do not matter). */
    assert_int_equal(run("\"$TINGBAO\" build --quiet --force --jobs 3 '%s' --out '%s' >/dev/null", fx, b), 0);
    char c[512];
    snprintf(c, sizeof c, "%s/c", outdir);
    assert_int_equal(run("\"$TINGBAO\" build --quiet --jobs 1 --cache '%s/c-cache' '%s' --out '%s' >/dev/null",
                         outdir, fx, c), 0);
    assert_int_equal(run("diff -r '%s' '%s/湘江晚报/2024-03-08'", d1, c), 0);
    assert_string_equal(d2, d3);
    assert_int_equal(run("diff -r '%s' '%s'", d1, d2), 0);
    check_edition(d1, 3);
    free(d1);
    free(d2);
    free(d3);
}

static void three_sections(void **state)
{
    (void)state;
    char fx[512], out[512];
    tu_data("edition/three-sections.md", fx, sizeof fx);
    snprintf(out, sizeof out, "%s/three", outdir);
    char *dir = build(fx, out);
    totals t = check_edition(dir, 3);
    assert_int_equal(t.articles, 5);
    json_t *m = manifest(dir);
    json_t *secs = json_object_get(m, "sections");
    assert_string_equal(jstr(json_array_get(secs, 1), "name"), "经济");
    assert_string_equal(jstr(json_array_get(secs, 1), "file"), "02-经济.wav");
    json_t *a = json_array_get(json_object_get(json_array_get(secs, 1), "articles"), 0);
    assert_string_equal(jstr(a, "dateline"), "新华社长沙3月7日电");
    assert_string_equal(jstr(a, "file"), "02-经济/01-一季度外贸开局良好.wav");
    json_decref(m);
    free(dir);

    char folder[512];
    tu_data("edition/folder", folder, sizeof folder);
    dir = build(folder, out);
    t = check_edition(dir, 3);
    assert_int_equal(t.articles, 4);
    free(dir);
}

/* `tingbao pinyin` over every line of the sample: no Chinese character is
 * left unconverted, and every token is a toned syllable. */
static void pinyin_of_sample(void **state)
{
    (void)state;
    char cmd[1024];
    snprintf(cmd, sizeof cmd, "\"$TINGBAO\" pinyin < '%s'", tu_sample());
    FILE *p = popen(cmd, "r");
    assert_non_null(p);
    char line[65536];
    size_t lines = 0, syllables = 0;
    while (fgets(line, sizeof line, p)) {
        lines++;
        for (char *tok = strtok(tu_chomp(line), " "); tok; tok = strtok(NULL, " ")) {
            size_t n = strlen(tok);
            for (size_t k = 0; k + 1 < n; k++)
                if (tok[k] < 'a' || tok[k] > 'z')
                    fail_msg("line %zu: not a syllable: %s", lines, tok);
            if (n < 2 || tok[n - 1] < '1' || tok[n - 1] > '5')
                fail_msg("line %zu: not a toned syllable: %s", lines, tok);
            syllables++;
        }
    }
    assert_int_equal(WEXITSTATUS(pclose(p)), 0);
    assert_true(lines > 50);
    assert_true(syllables > 4000);
}

/* `tingbao script --json` prints what the issue specifies: sections of
 * articles of segments with kind, text, spoken and pinyin. */
static void script_json(void **state)
{
    (void)state;
    char cmd[1024];
    snprintf(cmd, sizeof cmd, "\"$TINGBAO\" script --json '%s' > %s/script.json", tu_sample(), outdir);
    assert_int_equal(run("%s", cmd), 0);
    char path[512];
    snprintf(path, sizeof path, "%s/script.json", outdir);
    json_error_t je;
    json_t *root = json_load_file(path, 0, &je);
    if (!root)
        fail_msg("%s:%d: %s", path, je.line, je.text);
    json_t *secs = json_object_get(root, "sections");
    assert_int_equal(json_array_size(secs), 1);
    json_t *arts = json_object_get(json_array_get(secs, 0), "articles");
    assert_int_equal(json_array_size(arts), 9);
    static const char *const kinds[] = {"headline", "subtitle", "column", "dateline", "paragraph"};
    size_t count[5] = {0};
    for (size_t i = 0; i < json_array_size(arts); i++) {
        json_t *segs = json_object_get(json_array_get(arts, i), "segments");
        assert_true(json_array_size(segs) >= 2);
        for (size_t k = 0; k < json_array_size(segs); k++) {
            json_t *sg = json_array_get(segs, k);
            const char *kind = jstr(sg, "kind");
            size_t x;
            for (x = 0; x < 5 && strcmp(kind, kinds[x]); x++)
                ;
            assert_true(x < 5);
            count[x]++;
            assert_true(strlen(jstr(sg, "text")) > 0);
            /* spoken: no digit left; pinyin: no Chinese character left. */
            for (const char *c = jstr(sg, "spoken"); *c; c++)
                assert_false(*c >= '0' && *c <= '9');
            for (const unsigned char *c = (const unsigned char *)jstr(sg, "pinyin"); *c; c++)
                assert_true(*c < 0x80);
        }
    }
    assert_int_equal(count[0], 9);
    assert_int_equal(count[2], 1);
    assert_int_equal(count[3], 9);
    json_decref(root);
}

/* Integrated loudness (LUFS) and true peak (dBTP) of a mono file. */
static void loudness(const char *path, double *lufs, double *dbtp)
{
    wav w = load(path);
    ebur128_state *st = ebur128_init(1, (unsigned long)w.rate, EBUR128_MODE_I | EBUR128_MODE_TRUE_PEAK);
    assert_non_null(st);
    assert_int_equal(ebur128_add_frames_float(st, w.x, (size_t)w.frames), EBUR128_SUCCESS);
    double tp;
    ebur128_loudness_global(st, lufs);
    ebur128_true_peak(st, 0, &tp);
    *dbtp = 20 * log10(tp);
    ebur128_destroy(&st);
    free(w.x);
}

/* --format writes each format beside every WAV; every article is at the
 * loudness target with its true peak under -1 dBTP; section files carry a
 * labelled cue at each article's start. */
static void formats_loudness_cues(void **state)
{
    (void)state;
    char fx[512], out[512];
    tu_data("edition/three-sections.md", fx, sizeof fx);
    for (int pass = 0; pass < 2; pass++) {
        double target = pass ? -23 : -16;
        snprintf(out, sizeof out, "%s/fmt%d", outdir, pass);
        char cmd[2048];
        snprintf(cmd, sizeof cmd, "\"$TINGBAO\" build --quiet --format wav,mp3,opus,flac --loudness %g '%s' --out '%s' | tail -n 1",
                 target, fx, out);
        FILE *p = popen(cmd, "r");
        char dir[1024] = "";
        assert_non_null(fgets(dir, sizeof dir, p));
        assert_int_equal(WEXITSTATUS(pclose(p)), 0);
        tu_chomp(dir);
        json_t *m = manifest(dir);
        json_t *secs = json_object_get(m, "sections");
        for (size_t i = 0; i < json_array_size(secs); i++) {
            json_t *sec = json_array_get(secs, i);
            json_t *arts = json_object_get(sec, "articles");
            char path[2048];
            for (size_t j = 0; j < json_array_size(arts); j++) {
                json_t *a = json_array_get(arts, j);
                snprintf(path, sizeof path, "%s/%s", dir, jstr(a, "file"));
                double lufs, dbtp;
                loudness(path, &lufs, &dbtp);
                if (fabs(lufs - target) > 1.0 || dbtp > -1.0 + 0.05)
                    fail_msg("%s: %.2f LUFS, %.2f dBTP (target %g)", path, lufs, dbtp, target);
                /* The other formats, same base name, same length. */
                static const char *const ext[] = {"mp3", "opus", "flac"};
                for (size_t k = 0; k < 3; k++) {
                    char other[2100];
                    snprintf(other, sizeof other, "%.*s.%s", (int)(strlen(path) - 4), path, ext[k]);
                    SF_INFO info = {0};
                    SNDFILE *sf = sf_open(other, SFM_READ, &info);
                    if (!sf)
                        fail_msg("%s: %s", other, sf_strerror(NULL));
                    double dur = (double)info.frames / info.samplerate;
                    if (fabs(dur - jnum(a, "duration_s")) > 0.1)
                        fail_msg("%s: %.3f s, the WAV %.3f s", other, dur, jnum(a, "duration_s"));
                    sf_close(sf);
                }
            }
            /* Cues in the section WAV at each article's offset, labelled. */
            snprintf(path, sizeof path, "%s/%s", dir, jstr(sec, "file"));
            SF_INFO info = {0};
            SNDFILE *sf = sf_open(path, SFM_READ, &info);
            assert_non_null(sf);
            SF_CUES cues;
            memset(&cues, 0, sizeof cues);
            assert_true(sf_command(sf, SFC_GET_CUE, &cues, sizeof cues) == SF_TRUE);
            assert_int_equal(cues.cue_count, json_array_size(arts));
            for (size_t j = 0; j < json_array_size(arts); j++) {
                double off = jnum(json_array_get(arts, j), "offset_s");
                assert_true(fabs((double)cues.cue_points[j].sample_offset / info.samplerate - off) < 0.002);
                assert_true(strlen(cues.cue_points[j].name) > 0);
            }
            sf_close(sf);
        }
        json_decref(m);
    }
}

/* Seconds of "hh:mm:ss.mmm". */
static double vtt_time(const char *t)
{
    int h, m;
    double sec;
    assert_int_equal(sscanf(t, "%d:%d:%lf", &h, &m, &sec), 3);
    return h * 3600 + m * 60 + sec;
}

/* The transcripts follow the voice: each cue starts within 100 ms before
 * its sentence's first sound and ends within 100 ms after its last. */
static void transcript_timing(void **state)
{
    (void)state;
    char fx[512], out[512];
    tu_data("edition/three-sections.md", fx, sizeof fx);
    snprintf(out, sizeof out, "%s/vtt", outdir);
    char *dir = build(fx, out);
    json_t *m = manifest(dir);
    json_t *secs = json_object_get(m, "sections");
    size_t cues = 0;
    double worst = 0;
    for (size_t i = 0; i < json_array_size(secs); i++) {
        json_t *arts = json_object_get(json_array_get(secs, i), "articles");
        for (size_t j = 0; j < json_array_size(arts); j++) {
            char path[2048], vtt[2100];
            snprintf(path, sizeof path, "%s/%s", dir, jstr(json_array_get(arts, j), "file"));
            snprintf(vtt, sizeof vtt, "%.*s.vtt", (int)(strlen(path) - 4), path);
            wav w = load(path);
            FILE *f = fopen(vtt, "r");
            assert_non_null(f);
            char line[4096];
            size_t win = (size_t)(w.rate / 200); /* 5 ms */
            while (fgets(line, sizeof line, f)) {
                char *arrow = strstr(line, " --> ");
                if (!arrow)
                    continue;
                *arrow = '\0';
                long a = lround(vtt_time(line) * w.rate), b = lround(vtt_time(arrow + 5) * w.rate);
                /* Times are to the millisecond: the last may round past the end. */
                assert_true(a >= 0 && b <= w.frames + w.rate / 1000 && a < b);
                b = b > w.frames ? w.frames : b;
                long on = a, off = b;
                while (on + (long)win < b && dbfs(rms(w.x + on, win)) < -40)
                    on += (long)win;
                while (off - (long)win > a && dbfs(rms(w.x + off - (long)win, win)) < -40)
                    off -= (long)win;
                double lead = (double)(on - a) / w.rate, lag = (double)(b - off) / w.rate;
                worst = fmax(worst, fmax(lead, lag));
                if (lead > 0.1 || lag > 0.1)
                    fail_msg("%s: cue at %.3f s: voice starts %.3f s after it, ends %.3f s before its end",
                             vtt, (double)a / w.rate, lead, lag);
                cues++;
            }
            fclose(f);
            free(w.x);
        }
    }
    fprintf(stderr, "transcripts: %zu cues, worst offset %.3f s\n", cues, worst);
    assert_true(cues >= 12);
    json_decref(m);
    free(dir);
}

/* feed.xml as a podcast app reads it: well-formed, the channel tags RSS 2.0
 * and Apple require, one episode per section, enclosures absolute under
 * --base-url with their real size and type. */
static void podcast_feed(void **state)
{
    (void)state;
    char fx[512], out[512];
    tu_data("edition/three-sections.md", fx, sizeof fx);
    snprintf(out, sizeof out, "%s/feed", outdir);
    char cmd[2048];
    snprintf(cmd, sizeof cmd, "\"$TINGBAO\" build --quiet --format wav,mp3 --base-url https://example.org/audio/湘江晚报 "
             "--feed-image https://example.org/art.png --feed-owner desk@example.org '%s' --out '%s' >/dev/null", fx, out);
    assert_int_equal(run("%s", cmd), 0);
    char feed[600];
    snprintf(feed, sizeof feed, "%s/湘江晚报/feed.xml", out);
    if (run("command -v xmllint >/dev/null") == 0)
        assert_int_equal(run("xmllint --noout '%s'", feed), 0);
    FILE *f = fopen(feed, "r");
    assert_non_null(f);
    static char x[1 << 20];
    size_t n = fread(x, 1, sizeof x - 1, f);
    x[n] = '\0';
    fclose(f);
    static const char *const need[] = {"<title>湘江晚报</title>", "<link>https://example.org/audio/%E6%B9%98",
        "<description>", "<language>zh-cn</language>", "<itunes:image href=\"https://example.org/art.png\"/>",
        "<itunes:category text=", "<itunes:explicit>false</itunes:explicit>", "<itunes:email>desk@example.org",
        "<podcast:chapters ", "<podcast:transcript "};
    for (size_t i = 0; i < sizeof need / sizeof *need; i++)
        if (!strstr(x, need[i]))
            fail_msg("feed.xml lacks %s", need[i]);
    size_t items = 0;
    for (char *p = x; (p = strstr(p, "<enclosure url=\"")); p++) {
        items++;
        char url[1024];
        long len;
        assert_int_equal(sscanf(p, "<enclosure url=\"%1023[^\"]\" length=\"%ld\"", url, &len), 2);
        assert_non_null(strstr(p, "type=\"audio/mpeg\""));
        const char *base = "https://example.org/audio/%E6%B9%98%E6%B1%9F%E6%99%9A%E6%8A%A5/";
        assert_int_equal(strncmp(url, base, strlen(base)), 0);
        /* The file behind the URL (percent-decoded) has that size. */
        char path[2048];
        size_t o = (size_t)snprintf(path, sizeof path, "%s/湘江晚报/", out);
        for (const char *c = url + strlen(base); *c && o + 1 < sizeof path; c++) {
            unsigned v;
            if (*c == '%' && sscanf(c + 1, "%2x", &v) == 1) {
                path[o++] = (char)v;
                c += 2;
            } else
                path[o++] = *c;
        }
        path[o] = '\0';
        struct stat st;
        if (stat(path, &st) != 0 || st.st_size != len)
            fail_msg("enclosure %s: %ld bytes claimed, file %s", url, len, path);
    }
    assert_int_equal(items, 3);
    assert_int_equal((int)(strstr(x, "<guid") != NULL) + (int)(strstr(x, "<pubDate>") != NULL), 2);
}

static void exit_codes(void **state)
{
    (void)state;
    char fx[512];
    /* 66: the input is missing. */
    assert_int_equal(run("\"$TINGBAO\" build --quiet /nonexistent/edition.md --out %s 2>/dev/null", outdir), 66);
    /* 65: not an edition. */
    assert_int_equal(run("\"$TINGBAO\" build --quiet %s --out %s 2>/dev/null",
                         tu_data("edition/empty.md", fx, sizeof fx), outdir), 65);
    assert_int_equal(run("\"$TINGBAO\" build --quiet %s --out %s 2>/dev/null",
                         tu_data("edition/no-articles.md", fx, sizeof fx), outdir), 65);
    assert_int_equal(run("head -c 4096 /bin/sh > %s/junk.md && \"$TINGBAO\" build --quiet %s/junk.md "
                         "--out %s/x 2>/dev/null", outdir, outdir, outdir), 65);
    /* The message names the file and line. */
    assert_int_equal(run("\"$TINGBAO\" build %s --out %s 2>&1 | grep -q 'empty.md:1: '",
                         tu_data("edition/empty.md", fx, sizeof fx), outdir), 0);
    /* 73: the output cannot be written (a file where a folder must go). */
    assert_int_equal(run("touch %s/afile && \"$TINGBAO\" build --quiet %s --out %s/afile 2>/dev/null",
                         outdir, tu_data("edition/three-sections.md", fx, sizeof fx), outdir), 73);
    /* 64: usage. */
    assert_int_equal(run("\"$TINGBAO\" frobnicate 2>/dev/null"), 64);
    assert_int_equal(run("\"$TINGBAO\" build 2>/dev/null"), 64);
    assert_int_equal(run("\"$TINGBAO\" --help | grep -q 'tingbao build'"), 0);
    assert_int_equal(run("\"$TINGBAO\" --version | grep -q '^tingbao [0-9]'"), 0);
}

int main(void)
{
    /* The commands name the binary as $TINGBAO: ./tingbao, or the sanitized
     * build under `make check-asan`. */
    const char *bin = getenv("TINGBAO_BIN");
    setenv("TINGBAO", bin && *bin ? bin : "./tingbao", 1);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(sample_edition),
        cmocka_unit_test(three_sections),
        cmocka_unit_test(rebuild_is_identical),
        cmocka_unit_test(formats_loudness_cues),
        cmocka_unit_test(transcript_timing),
        cmocka_unit_test(podcast_feed),
        cmocka_unit_test(pinyin_of_sample),
        cmocka_unit_test(script_json),
        cmocka_unit_test(exit_codes),
    };
    return cmocka_run_group_tests_name("build", tests, setup, teardown);
}
