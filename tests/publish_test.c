/* publish_test.c -- sentence timing and the published files, by property.
 *
 * The timing tests run the real text pipeline (edition, clean, script, tn,
 * g2p, and espeak-ng for the fixture) from the repository root: sentence
 * counts from script_sentences() must match the marks synth_speak_timed()
 * reports for every segment of the sample edition.  The writer tests build
 * a small model by hand, with stand-in audio files, and read every file
 * back: a tiny WebVTT checker, jansson for the chapters, xmllint (when
 * installed) for the XML.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>
#include <jansson.h>

#include "clean.h"
#include "edition.h"
#include "g2p.h"
#include "lexicon.h"
#include "publish.h"
#include "script.h"
#include "str.h"
#include "synth.h"
#include "testutil.h"
#include "tn.h"
#include "voice.h"

/* ---- sentence timing --------------------------------------------------- */

static size_t n_sentences(const char *text)
{
    script_span *v = NULL;
    size_t n = 0;
    err e = {0};
    assert_int_equal(script_sentences(text, strlen(text), &v, &n, &e), 0);
    /* The spans cover the text in order, without gaps. */
    size_t at = 0;
    for (size_t i = 0; i < n; i++) {
        assert_int_equal(v[i].off, at);
        at += v[i].len;
    }
    assert_int_equal(at, strlen(text));
    free(v);
    return n;
}

static void splits(void **state)
{
    (void)state;
    assert_int_equal(n_sentences(""), 1);
    assert_int_equal(n_sentences("没有句号的标题"), 1);
    assert_int_equal(n_sentences("你好。再见。"), 2);
    assert_int_equal(n_sentences("他说：“好。”然后走了。"), 2);
    assert_int_equal(n_sentences("真的吗？！是的。"), 2);
    assert_int_equal(n_sentences("增长３．５个百分点。"), 1);
    assert_int_equal(n_sentences("你好。★★。再见"), 2);
    assert_int_equal(n_sentences("。。你好"), 1);
    script_span *v = NULL;
    size_t n = 0;
    err e = {0};
    const char *t = "“好。”他说。";
    assert_int_equal(script_sentences(t, strlen(t), &v, &n, &e), 0);
    assert_int_equal(n, 2);
    assert_int_equal(v[0].len, strlen("“好。”"));
    free(v);
}

/* Sentence ends synth_speak_timed() will mark for these tokens. */
static size_t token_sentences(const g2p_tokens *t)
{
    size_t n = 1;
    for (size_t i = 0; i < t->n; i++) {
        if (t->v[i].kind != G2P_PAUSE || !strcmp(t->v[i].text, ","))
            continue;
        for (size_t j = i + 1; j < t->n; j++)
            if (t->v[j].kind != G2P_PAUSE) {
                n++;
                break;
            }
    }
    return n;
}

typedef struct text_pipe {
    tn *tn;
    lexicon *lx;
    g2p *g;
} text_pipe;

static void open_text(text_pipe *p)
{
    err e = {0};
    p->tn = tn_create(&e);
    p->lx = lexicon_create(&e);
    assert_non_null(p->tn);
    assert_non_null(p->lx);
    if (lexicon_load_base(p->lx, "build/base-lexicon.tsv", &e) < 0)
        fail_msg("base lexicon: %s", e.msg);
    const char *ov[] = {"lexicon/news.tsv", "lexicon/places.tsv", "lexicon/surnames.tsv"};
    for (size_t i = 0; i < 3; i++)
        if (access(ov[i], R_OK) == 0 && lexicon_load_overrides(p->lx, ov[i], &e) < 0)
            fail_msg("%s: %s", ov[i], e.msg);
    p->g = g2p_create(p->lx, &e);
    if (!p->g)
        fail_msg("g2p: %s", e.msg);
}

static void close_text(text_pipe *p)
{
    g2p_free(p->g);
    lexicon_free(p->lx);
    tn_free(p->tn);
}

/* Calls 'fn' on every segment of the edition at 'path'. */
typedef void seg_fn(const script_segment *s, void *arg);

static void each_segment(const char *path, seg_fn *fn, void *arg)
{
    err e = {0};
    edition *ed = edition_read(path, NULL, &e);
    if (!ed)
        fail_msg("%s: %s", path, e.msg);
    clean_stats cs = {0};
    for (size_t i = 0; i < ed->n_sections; i++)
        for (size_t j = 0; j < ed->sections[i].n_articles; j++)
            assert_int_equal(clean_article(&ed->sections[i].articles[j], &cs, &e), 0);
    script *sc = script_build(ed, &e);
    assert_non_null(sc);
    for (size_t i = 0; i < sc->n_intro; i++)
        fn(&sc->intro[i], arg);
    for (size_t i = 0; i < sc->n_sections; i++) {
        const script_section *s = &sc->sections[i];
        for (size_t j = 0; j < s->n_intro; j++)
            fn(&s->intro[j], arg);
        for (size_t j = 0; j < s->n_articles; j++)
            for (size_t k = 0; k < s->articles[j].n_segs; k++)
                fn(&s->articles[j].segs[k], arg);
    }
    script_free(sc);
    edition_free(ed);
}

typedef struct count_ctx {
    text_pipe *p;
    synth *sy;         /* NULL: count tokens only */
    size_t segs, sentences, bad;
} count_ctx;

static void count_one(const script_segment *s, void *arg)
{
    count_ctx *c = arg;
    err e = {0};
    char *spoken = tn_normalize(c->p->tn, s->text, strlen(s->text), s->src, s->line, &e);
    assert_non_null(spoken);
    g2p_tokens t = {0};
    assert_int_equal(g2p_convert(c->p->g, spoken, strlen(spoken), &t, NULL, &e), 0);
    size_t want = n_sentences(s->text), got = token_sentences(&t);
    if (want != got) {
        fprintf(stderr, "%s:%d: script_sentences %zu, g2p %zu: %s\n", s->src, s->line, want, got,
                s->text);
        c->bad++;
    }
    if (c->sy) {
        audio a = {0};
        synth_marks m = {0};
        /* Something before, as in an article: marks count from frame 0. */
        a.rate = synth_rate(c->sy);
        assert_int_equal(audio_silence(&a, 0.1, &e), 0);
        size_t before = a.frames;
        if (synth_speak_timed(c->sy, &t, &a, &m, &e) < 0)
            fail_msg("synth: %s", e.msg);
        assert_int_equal(m.n, got);
        for (size_t i = 0; i < m.n; i++)
            assert_true(m.v[i] > (i ? m.v[i - 1] : before));
        assert_int_equal(m.v[m.n - 1], a.frames);
        audio_free(&a);
        synth_marks_free(&m);
    }
    c->segs++;
    c->sentences += want;
    free(spoken);
    g2p_tokens_free(&t);
}

static void counts_agree_on_sample(void **state)
{
    (void)state;
    text_pipe p = {0};
    open_text(&p);
    count_ctx c = {.p = &p};
    each_segment(tu_sample(), count_one, &c);
    fprintf(stderr, "sample: %zu segments, %zu sentences\n", c.segs, c.sentences);
    assert_true(c.segs > 40);
    assert_true(c.sentences > c.segs);
    assert_int_equal(c.bad, 0);
    close_text(&p);
}

static void marks_match_speech(void **state)
{
    (void)state;
    text_pipe p = {0};
    open_text(&p);
    voice v = {0};
    err e = {0};
    if (voice_load(&v, "voices/default.ini", &e) < 0)
        fail_msg("voice: %s", e.msg);
    count_ctx c = {.p = &p, .sy = synth_create(&v, &e)};
    if (!c.sy)
        fail_msg("synth: %s", e.msg);
    char path[512];
    each_segment(tu_data("edition/three-sections.md", path, sizeof path), count_one, &c);
    assert_true(c.segs > 10);
    assert_int_equal(c.bad, 0);
    synth_free(c.sy);
    voice_free(&v);
    close_text(&p);
}

/* synth_speak() keeps its audio: the timed variant only cuts runs at
 * sentence ends, so lengths agree within a few espeak-ng run gaps. */
static void timed_close_to_plain(void **state)
{
    (void)state;
    text_pipe p = {0};
    open_text(&p);
    voice v = {0};
    err e = {0};
    assert_int_equal(voice_load(&v, "voices/default.ini", &e), 0);
    synth *sy = synth_create(&v, &e);
    assert_non_null(sy);
    const char *text = "市政府召开常务会议。会议指出，今年全市粮食播种面积要稳定。你知道吗？";
    char *spoken = tn_normalize(p.tn, text, strlen(text), "t", 1, &e);
    g2p_tokens t = {0};
    assert_int_equal(g2p_convert(p.g, spoken, strlen(spoken), &t, NULL, &e), 0);
    audio a = {0}, b = {0};
    synth_marks m = {0};
    assert_int_equal(synth_speak(sy, &t, &a, &e), 0);
    assert_int_equal(synth_speak_timed(sy, &t, &b, &m, &e), 0);
    assert_int_equal(m.n, 3);
    double da = audio_seconds(&a), db = audio_seconds(&b);
    assert_true(fabs(da - db) < 0.15);
    /* Each sentence is long enough to hold its syllables. */
    assert_true((double)m.v[0] / b.rate > 1.0);
    audio_free(&a);
    audio_free(&b);
    synth_marks_free(&m);
    g2p_tokens_free(&t);
    free(spoken);
    synth_free(sy);
    voice_free(&v);
    close_text(&p);
}

/* ---- the writers ------------------------------------------------------- */

static char *slurp(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        fail_msg("cannot open %s", path);
    strbuf b = {0};
    char buf[4096];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, f)) > 0)
        strbuf_add(&b, buf, n, NULL);
    fclose(f);
    return b.s ? strbuf_take(&b) : strdup("");
}

static void put(const char *path, size_t bytes)
{
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    for (size_t i = 0; i < bytes; i++)
        fputc((int)(i & 0xff), f);
    fclose(f);
}

static int have_xmllint(void)
{
    return system("xmllint --version >/dev/null 2>&1") == 0;
}

static void well_formed(const char *path)
{
    if (!have_xmllint())
        return;
    strbuf cmd = {0};
    strbuf_addf(&cmd, NULL, "xmllint --noout --nonet '%s'", path);
    int r = system(cmd.s);
    strbuf_free(&cmd);
    if (r != 0)
        fail_msg("%s: not well-formed XML", path);
}

/* Hand-made model: two sections, three articles, hostile text. */
static const pub_sentence S1[] = {
    {"市政府召开常务会议", 0.0, 2.5},
    {"本报讯 3月7日，市政府召开常务会议 --> 研究 <b>农业</b> & 防汛。", 2.5, 9.0},
    {"会议指出，\n\n今年要稳定。", 9.0, 14.0},
};
static const pub_sentence S2[] = {
    {"城区新增三条公交线路", 0.0, 3.0},
    {"票价2元\"便宜\"。", 3.0, 6.5},
};
static const pub_sentence S3[] = {
    {"一季度外贸开局良好", 0.0, 2.0},
    {"进出口{总值}增长。", 2.0, 7.25},
};
static const pub_article A1[] = {
    {"市政府召开常务会议", "本报讯(记者/周敏)", "01-要闻/01-市政府", 14.0, 3.0, S1, 3},
    {"城区新增三条公交线路 <&>", NULL, "01-要闻/02-公交", 6.5, 19.0, S2, 2},
};
static const pub_article A2[] = {
    {"一季度外贸开局良好", NULL, "02-经济/01-外贸", 7.25, 2.5, S3, 2},
};
static const pub_section SECS[] = {
    {"要闻", "01-要闻", 26.0, A1, 2},
    {"经济", "02-经济", 10.0, A2, 1},
};
static const char *const TEASERS[] = {"春季招聘会本周六举行"};

static pub_edition model(const char *date)
{
    return (pub_edition){.paper = "湘江晚报", .date = date, .weekday = "星期五",
                         .lunar = "甲辰年正月廿八", .issue = "9021", .intro_base = "00-intro",
                         .intro_duration_s = 8.0, .teasers = TEASERS, .n_teasers = 1,
                         .sections = SECS, .n_sections = 2, .formats = PUB_WAV | PUB_MP3,
                         .generator = "tingbao test"};
}

/* The stand-in audio an edition folder holds before publishing. */
static void make_edition_dir(const char *dir)
{
    char p[1024];
    mkdir(dir, 0777);
    const char *sub[] = {"01-要闻", "02-经济"};
    for (size_t i = 0; i < 2; i++) {
        snprintf(p, sizeof p, "%s/%s", dir, sub[i]);
        mkdir(p, 0777);
    }
    const char *bases[] = {"00-intro", "01-要闻", "02-经济", "01-要闻/01-市政府", "01-要闻/02-公交",
                           "02-经济/01-外贸"};
    for (size_t i = 0; i < 6; i++)
        for (int k = 0; k < 2; k++) {
            snprintf(p, sizeof p, "%s/%s.%s", dir, bases[i], k ? "mp3" : "wav");
            put(p, 1000 + 100 * i + (size_t)k);
        }
}

static char tmp_root[256];

static int setup(void **state)
{
    (void)state;
    snprintf(tmp_root, sizeof tmp_root, "/tmp/publish_test.XXXXXX");
    assert_non_null(mkdtemp(tmp_root));
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    char cmd[512];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmp_root);
    return system(cmd) == 0 ? 0 : -1;
}

/* Parses "hh:mm:ss.mmm" strictly; -1 when malformed. */
static double vtt_ts(const char *s, const char **end)
{
    int h, m, sec, ms, n = 0;
    if (sscanf(s, "%2d:%2d:%2d.%3d%n", &h, &m, &sec, &ms, &n) != 4 || n != 12 || m > 59 ||
        sec > 59)
        return -1;
    *end = s + n;
    return h * 3600 + m * 60 + sec + ms / 1000.0;
}

/* The WebVTT rules we write by: "WEBVTT" first, cues separated by one
 * blank line, each an id line, a timing line "a --> b" with a <= b and
 * times never going back, and one payload line without "-->" or '<'. */
static size_t vtt_check(const char *path, double max_end)
{
    char *t = slurp(path);
    assert_memory_equal(t, "WEBVTT\n\n", 8);
    size_t cues = 0;
    double last = 0;
    char *save = NULL;
    char *p = t + 8;
    for (char *blk = strtok_r(p, "\n", &save); blk; blk = strtok_r(NULL, "\n", &save)) {
        /* strtok_r skips blank lines; read three lines per cue. */
        char *timing = strtok_r(NULL, "\n", &save);
        char *payload = strtok_r(NULL, "\n", &save);
        assert_non_null(timing);
        assert_non_null(payload);
        const char *q;
        double a = vtt_ts(timing, &q);
        assert_true(a >= 0);
        assert_memory_equal(q, " --> ", 5);
        double b = vtt_ts(q + 5, &q);
        assert_true(b >= a);
        assert_true(a >= last - 1e-9);
        assert_true(b <= max_end + 1e-6);
        assert_null(strstr(payload, "-->"));
        assert_null(strchr(payload, '<'));
        last = b;
        cues++;
    }
    /* No blank line inside a cue: every cue is exactly three lines. */
    assert_null(strstr(t + 8, "\n\n\n"));
    free(t);
    return cues;
}

static void transcripts(void **state)
{
    (void)state;
    char dir[512], p[1024];
    snprintf(dir, sizeof dir, "%s/vtt", tmp_root);
    make_edition_dir(dir);
    pub_edition ed = model("2024-03-08");
    err e = {0};
    assert_int_equal(pub_write_transcripts(dir, &ed, &e), 0);
    for (size_t i = 0; i < ed.n_sections; i++) {
        size_t total = 0;
        for (size_t j = 0; j < SECS[i].n_articles; j++) {
            const pub_article *a = &SECS[i].articles[j];
            snprintf(p, sizeof p, "%s/%s.vtt", dir, a->base);
            assert_int_equal(vtt_check(p, a->duration_s), a->n_sentences);
            total += a->n_sentences;
        }
        snprintf(p, sizeof p, "%s/%s.vtt", dir, SECS[i].base);
        assert_int_equal(vtt_check(p, SECS[i].duration_s), total);
    }
    /* Escaped, not dropped. */
    snprintf(p, sizeof p, "%s/01-要闻/01-市政府.vtt", dir);
    char *t = slurp(p);
    assert_non_null(strstr(t, "--&gt; 研究 &lt;b&gt;农业&lt;/b&gt; &amp; 防汛"));
    free(t);
}

static void chapters_and_playlist(void **state)
{
    (void)state;
    char dir[512], p[1024];
    snprintf(dir, sizeof dir, "%s/chap", tmp_root);
    make_edition_dir(dir);
    pub_edition ed = model("2024-03-08");
    err e = {0};
    assert_int_equal(pub_write_chapters(dir, &ed, &e), 0);
    assert_int_equal(pub_write_playlist(dir, &ed, &e), 0);
    for (size_t i = 0; i < ed.n_sections; i++) {
        snprintf(p, sizeof p, "%s/%s.chapters.json", dir, SECS[i].base);
        json_error_t je;
        json_t *j = json_load_file(p, 0, &je);
        if (!j)
            fail_msg("%s:%d: %s", p, je.line, je.text);
        assert_string_equal(json_string_value(json_object_get(j, "version")), "1.2.0");
        json_t *ch = json_object_get(j, "chapters");
        assert_int_equal(json_array_size(ch), SECS[i].n_articles);
        double last = -1;
        for (size_t k = 0; k < json_array_size(ch); k++) {
            json_t *c = json_array_get(ch, k);
            double st = json_number_value(json_object_get(c, "startTime"));
            assert_true(st > last);
            assert_true(st < SECS[i].duration_s);
            last = st;
            assert_string_equal(json_string_value(json_object_get(c, "title")),
                                SECS[i].articles[k].headline);
        }
        json_decref(j);
    }
    snprintf(p, sizeof p, "%s/edition.m3u8", dir);
    char *t = slurp(p);
    assert_memory_equal(t, "#EXTM3U\n", 8);
    double sum = 0;
    size_t entries = 0;
    for (char *l = strstr(t, "#EXTINF:"); l; l = strstr(l + 1, "#EXTINF:")) {
        sum += strtod(l + 8, NULL);
        char *nl = strchr(l, '\n');
        assert_non_null(nl);
        /* The next line is a file that exists. */
        strbuf file = {0};
        strbuf_addf(&file, NULL, "%s/%.*s", dir, (int)strcspn(nl + 1, "\n"), nl + 1);
        assert_int_equal(access(file.s, R_OK), 0);
        strbuf_free(&file);
        entries++;
    }
    assert_int_equal(entries, 3);
    assert_true(fabs(sum - (8.0 + 26.0 + 10.0)) < 0.01);
    free(t);
}

static void feed_keeps_newest(void **state)
{
    (void)state;
    char paper[512], dir[1024], p[1200];
    snprintf(paper, sizeof paper, "%s/feed", tmp_root);
    mkdir(paper, 0777);
    const char *dates[] = {"2024-03-06", "2024-03-08", "2024-03-07", "2024-02-29"};
    err e = {0};
    for (size_t i = 0; i < 4; i++) {
        snprintf(dir, sizeof dir, "%s/%s", paper, dates[i]);
        make_edition_dir(dir);
        pub_edition ed = model(dates[i]);
        assert_int_equal(pub_write_feed_items(dir, &ed, &e), 0);
    }
    /* Not an edition: passed over. */
    snprintf(dir, sizeof dir, "%s/.2024-03-09.tmp.1", paper);
    mkdir(dir, 0777);
    pub_feed f = {.paper = "湘江晚报", .generator = "tingbao test", .keep = 3};
    assert_int_equal(pub_write_feed(paper, &f, &e), 0);
    snprintf(p, sizeof p, "%s/feed.xml", paper);
    well_formed(p);
    char *t = slurp(p);
    const char *need[] = {"<title>", "<link>", "<description>", "<language>zh-cn</language>",
                          "<itunes:category text=\"News\">", "<itunes:explicit>false",
                          "<itunes:author>", "xmlns:podcast=\"https://podcastindex.org/namespace/1.0\"",
                          "type=\"application/json+chapters\"", "type=\"text/vtt\""};
    for (size_t i = 0; i < sizeof need / sizeof *need; i++)
        if (!strstr(t, need[i]))
            fail_msg("feed.xml lacks %s", need[i]);
    /* Three editions of two sections, newest first, the oldest gone. */
    size_t items = 0;
    for (char *q = strstr(t, "<item>"); q; q = strstr(q + 1, "<item>"))
        items++;
    assert_int_equal(items, 6);
    char *d8 = strstr(t, "<guid isPermaLink=\"false\">tingbao:湘江晚报:2024-03-08:01");
    char *d7 = strstr(t, "tingbao:湘江晚报:2024-03-07:01");
    char *d6 = strstr(t, "tingbao:湘江晚报:2024-03-06:01");
    assert_non_null(d8);
    assert_true(d8 < d7 && d7 < d6);
    assert_null(strstr(t, "2024-02-29"));
    assert_non_null(strstr(t, "<pubDate>Fri, 08 Mar 2024 06:00:00 +0800</pubDate>"));
    assert_non_null(strstr(t, "<pubDate>Fri, 08 Mar 2024 05:59:00 +0800</pubDate>"));
    assert_non_null(strstr(t, "<itunes:duration>00:00:26</itunes:duration>"));
    /* Enclosure: relative URL, MP3 preferred, the file's size. */
    assert_non_null(strstr(t, "<enclosure url=\"2024-03-08/01-%E8%A6%81%E9%97%BB.mp3\" "
                              "length=\"1101\" type=\"audio/mpeg\"/>"));
    assert_null(strstr(t, "{base}"));
    free(t);

    /* A base URL makes every URL absolute, escaped as XML. */
    f.base_url = "https://example.org/listen?p=1&q=2";
    assert_int_equal(pub_write_feed(paper, &f, &e), 0);
    well_formed(p);
    t = slurp(p);
    assert_non_null(strstr(t, "url=\"https://example.org/listen?p=1&amp;q=2/2024-03-08/"));
    assert_non_null(strstr(t, "rel=\"self\""));
    free(t);
}

static void check_smil(const char *path, double audio_s, size_t want_pars)
{
    well_formed(path);
    char *t = slurp(path);
    assert_non_null(strstr(t, "<meta name=\"dc:format\" content=\"Daisy 2.02\"/>"));
    assert_non_null(strstr(t, "ncc:timeInThisSmil"));
    size_t pars = 0;
    double last = 0;
    for (char *q = strstr(t, "clip-begin=\"npt="); q; q = strstr(q + 1, "clip-begin=\"npt=")) {
        double b = strtod(q + 16, NULL);
        char *ce = strstr(q, "clip-end=\"npt=");
        assert_non_null(ce);
        double en = strtod(ce + 14, NULL);
        assert_true(b >= last - 1e-9 && en >= b && en <= audio_s + 1e-6);
        last = en;
        pars++;
    }
    assert_int_equal(pars, want_pars);
    free(t);
}

static void daisy_book(void **state)
{
    (void)state;
    char dir[512], p[1024];
    snprintf(dir, sizeof dir, "%s/daisy", tmp_root);
    make_edition_dir(dir);
    pub_edition ed = model("2024-03-08");
    err e = {0};
    assert_int_equal(pub_write_daisy(dir, &ed, &e), 0);
    snprintf(p, sizeof p, "%s/daisy/ncc.html", dir);
    well_formed(p);
    char *t = slurp(p);
    const char *metas[] = {"dc:title", "dc:creator", "dc:date", "dc:format", "dc:identifier",
                           "dc:language", "ncc:charset", "ncc:generator", "ncc:tocItems",
                           "ncc:totalTime", "ncc:depth", "ncc:files", "ncc:maxPageNormal",
                           "ncc:pageNormal", "ncc:pageFront", "ncc:pageSpecial",
                           "ncc:multimediaType", "ncc:narrator", "ncc:setInfo"};
    for (size_t i = 0; i < sizeof metas / sizeof *metas; i++) {
        char m[64];
        snprintf(m, sizeof m, "<meta name=\"%s\"", metas[i]);
        if (!strstr(t, m))
            fail_msg("ncc.html lacks %s", metas[i]);
    }
    assert_non_null(strstr(t, "<h1 class=\"title\" id=\"title\"><a href=\"intro.smil#t0001\">"));
    assert_non_null(strstr(t, "<meta name=\"ncc:tocItems\" content=\"6\"/>"));
    assert_non_null(strstr(t, "<meta name=\"ncc:totalTime\" content=\"00:00:41\"/>"));
    /* 1 intro + 2 sections + 3 articles: SMIL and audio each, content,
     * master and ncc. */
    assert_non_null(strstr(t, "<meta name=\"ncc:files\" content=\"15\"/>"));
    assert_non_null(strstr(t, "<h2 id=\"s01a02\"><a href=\"s01a02.smil#t0001\">"));
    /* Every link points to a par's text in a SMIL that exists. */
    for (char *q = strstr(t, "href=\""); q; q = strstr(q + 1, "href=\"")) {
        char file[64];
        size_t n = strcspn(q + 6, "#\"");
        snprintf(file, sizeof file, "%.*s", (int)n, q + 6);
        snprintf(p, sizeof p, "%s/daisy/%s", dir, file);
        assert_int_equal(access(p, R_OK), 0);
    }
    free(t);
    for (size_t i = 0; i < 2; i++)
        for (size_t j = 0; j < SECS[i].n_articles; j++) {
            snprintf(p, sizeof p, "%s/daisy/s%02zua%02zu.smil", dir, i + 1, j + 1);
            check_smil(p, SECS[i].articles[j].duration_s, SECS[i].articles[j].n_sentences);
            snprintf(p, sizeof p, "%s/daisy/s%02zua%02zu.mp3", dir, i + 1, j + 1);
            assert_int_equal(access(p, R_OK), 0);
        }
    snprintf(p, sizeof p, "%s/daisy/s01.smil", dir);
    check_smil(p, 26.0, 1);
    const char *more[] = {"content.html", "master.smil", "intro.smil"};
    for (size_t i = 0; i < 3; i++) {
        snprintf(p, sizeof p, "%s/daisy/%s", dir, more[i]);
        well_formed(p);
    }
    /* The SMIL text targets exist in content.html. */
    snprintf(p, sizeof p, "%s/daisy/content.html", dir);
    t = slurp(p);
    assert_non_null(strstr(t, "id=\"s01a01_003\""));
    assert_non_null(strstr(t, "<h2 id=\"s02a01\">"));
    free(t);
}

static void page(void **state)
{
    (void)state;
    char dir[512], p[1024];
    snprintf(dir, sizeof dir, "%s/page", tmp_root);
    make_edition_dir(dir);
    pub_edition ed = model("2024-03-08");
    err e = {0};
    assert_int_equal(pub_write_edition(dir, &ed, &e), 0);
    snprintf(p, sizeof p, "%s/index.html", dir);
    char *t = slurp(p);
    assert_non_null(strstr(t, "<html lang=\"zh-CN\">"));
    assert_non_null(strstr(t, "href=\"#main\""));
    assert_null(strstr(t, "http://"));
    assert_null(strstr(t, "https://"));
    size_t players = 0;
    for (char *q = strstr(t, "<audio controls preload=\"none\""); q; q = strstr(q + 1, "<audio "))
        players++;
    assert_int_equal(players, 1 + 2 + 3);
    assert_non_null(strstr(t, "<h3>城区新增三条公交线路 &lt;&amp;&gt;</h3>"));
    assert_non_null(strstr(t, "<h3>一季度外贸开局良好</h3>"));
    assert_non_null(strstr(t, "data-start=\"2.500\" data-end=\"9.000\""));
    assert_non_null(strstr(t, "src=\"01-%E8%A6%81%E9%97%BB/01-%E5%B8%82%E6%94%BF%E5%BA%9C.mp3\""));
    free(t);
}

static void refuses_bad_models(void **state)
{
    (void)state;
    err e = {0};
    pub_edition ed = model("2024-3-8");
    assert_int_equal(pub_check(&ed, &e), -1);
    ed = model("2024-03-08");
    pub_section s = SECS[0];
    s.base = "../x";
    ed.sections = &s;
    ed.n_sections = 1;
    assert_int_equal(pub_check(&ed, &e), -1);
    pub_sentence bad[] = {{"a", 0, 2}, {"b", 1, 3}};
    pub_article a = A1[0];
    a.sentences = bad;
    a.n_sentences = 2;
    s = SECS[0];
    s.articles = &a;
    s.n_articles = 1;
    assert_int_equal(pub_check(&ed, &e), -1);
    assert_non_null(strstr(e.msg, "out of order"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(splits),
        cmocka_unit_test(counts_agree_on_sample),
        cmocka_unit_test(marks_match_speech),
        cmocka_unit_test(timed_close_to_plain),
        cmocka_unit_test(transcripts),
        cmocka_unit_test(chapters_and_playlist),
        cmocka_unit_test(feed_keeps_newest),
        cmocka_unit_test(daisy_book),
        cmocka_unit_test(page),
        cmocka_unit_test(refuses_bad_models),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
