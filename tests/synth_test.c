/* synth_test.c -- espeak-ng speech, checked by its properties.
 *
 * Every test opens its own synth (one per process at a time) from
 * voices/default.ini, so they run from the repository root.  The sentences
 * are news text from the sample edition, written as g2p would.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "audio.h"
#include "mix.h"
#include "synth.h"
#include "testutil.h"
#include "voice.h"

/* 株洲日报讯 9月4日，市委副书记、市长陈恢清在市应急管理局调研，详细了解
 * 工作开展情况，现场协调解决有关问题: 44 syllables, no pauses. */
static const char *const NEWS =
    "zhu1 zhou1 ri4 bao4 xun4 jiu3 yue4 si4 ri4 shi4 wei3 fu4 shu1 ji4 "
    "shi4 zhang3 chen2 hui1 qing1 zai4 shi4 ying4 ji2 guan3 li3 ju2 diao4 "
    "yan2 xiang2 xi4 liao3 jie3 gong1 zuo4 kai1 zhan3 qing2 kuang4 xian4 "
    "chang3 xie2 tiao2 jie3 jue2";

/* Below this a sample counts as silence: espeak-ng's pauses are zeros and
 * its quietest speech is far above 1e-3. */
#define SILENT 3e-3f

/* Builds tokens from words: ", . ? !" are pauses, "L:x" a letter, "W:x" a
 * Latin word, anything else a syllable. */
static g2p_tokens toks(const char *words)
{
    g2p_tokens t = {0};
    char *copy = strdup(words);
    for (char *w = strtok(copy, " "); w; w = strtok(NULL, " ")) {
        t.v = realloc(t.v, (t.n + 1) * sizeof *t.v);
        g2p_token *k = &t.v[t.n++];
        if (strchr(",.?!", w[0]) && !w[1]) {
            k->kind = G2P_PAUSE;
        } else if (!strncmp(w, "L:", 2)) {
            k->kind = G2P_LETTER;
            w += 2;
        } else if (!strncmp(w, "W:", 2)) {
            k->kind = G2P_WORD;
            w += 2;
        } else {
            k->kind = G2P_SYLLABLE;
        }
        k->text = strdup(w);
    }
    free(copy);
    t.cap = t.n;
    return t;
}

static void toks_free(g2p_tokens *t)
{
    for (size_t i = 0; i < t->n; i++)
        free(t->v[i].text);
    free(t->v);
    memset(t, 0, sizeof *t);
}

static synth *open_default(voice *v)
{
    err e = {0};
    int r = voice_load(v, "voices/default.ini", &e);
    if (r < 0)
        fail_msg("voices/default.ini: %s", e.msg);
    synth *s = synth_create(v, &e);
    if (!s)
        fail_msg("synth_create: %s", e.msg);
    return s;
}

typedef struct fixture {
    voice v;
    synth *s;
} fixture;

/* Each test that speaks gets its own synth, released even when it fails. */
static int open_fixture(void **state)
{
    fixture *f = calloc(1, sizeof *f);
    f->s = open_default(&f->v);
    *state = f;
    return 0;
}

static int close_fixture(void **state)
{
    fixture *f = *state;
    synth_free(f->s);
    voice_free(&f->v);
    free(f);
    return 0;
}

/* Speaks 'words' into a fresh audio. */
static audio speak(synth *s, const char *words)
{
    audio a = {0};
    err e = {0};
    g2p_tokens t = toks(words);
    if (synth_speak(s, &t, &a, &e) < 0)
        fail_msg("synth_speak(%s): %s", words, e.msg);
    toks_free(&t);
    return a;
}

static double rms(const float *x, size_t n)
{
    double s = 0;
    for (size_t i = 0; i < n; i++)
        s += (double)x[i] * x[i];
    return n ? sqrt(s / n) : 0;
}

/* Seconds from the first to the last sample that is not silence. */
static double voiced_span(const audio *a)
{
    size_t first = 0, last = a->frames;
    while (first < a->frames && fabsf(a->data[first]) < SILENT)
        first++;
    while (last > first && fabsf(a->data[last - 1]) < SILENT)
        last--;
    return (double)(last - first) / a->rate;
}

/* Longest run of silence strictly inside the speech, in seconds. */
static double longest_gap(const audio *a)
{
    size_t first = 0, last = a->frames;
    while (first < a->frames && fabsf(a->data[first]) < SILENT)
        first++;
    while (last > first && fabsf(a->data[last - 1]) < SILENT)
        last--;
    size_t run = 0, best = 0;
    for (size_t i = first; i < last; i++) {
        run = fabsf(a->data[i]) < SILENT ? run + 1 : 0;
        if (run > best)
            best = run;
    }
    return (double)best / a->rate;
}

static size_t count_syllables(const char *words)
{
    g2p_tokens t = toks(words);
    size_t n = 0;
    for (size_t i = 0; i < t.n; i++)
        n += t.v[i].kind == G2P_SYLLABLE;
    toks_free(&t);
    return n;
}

static void test_one_synth_per_process(void **state)
{
    (void)state;
    voice v;
    synth *s = open_default(&v);
    assert_int_equal(synth_rate(s), 22050);
    err e = {0};
    synth *again = synth_create(&v, &e);
    assert_null(again);
    assert_int_not_equal(e.cat, ERR_NONE);
    assert_non_null(strstr(e.msg, "already open"));
    synth_free(s);
    /* Once closed, espeak-ng can be opened again. */
    s = synth_create(&v, &e);
    assert_non_null(s);
    synth_free(s);
    voice_free(&v);
    assert_non_null(synth_version());
    assert_true(strlen(synth_version()) > 0);
}

static void test_news_pace_and_level(void **state)
{
    synth *s = ((fixture *)*state)->s;
    audio a = speak(s, NEWS);
    size_t syl = count_syllables(NEWS);
    assert_true(syl >= 40);
    assert_int_equal(a.rate, 22050);
    double span = voiced_span(&a);
    double per_s = syl / span;
    print_message("news: %zu syllables in %.2f s of speech: %.2f/s\n", syl,
                  span, per_s);
    assert_true(per_s >= 3.5 && per_s <= 6.0);
    assert_true(rms(a.data, a.frames) > 0.03);
    assert_true(mix_peak(&a) <= 1.0f);
    /* The leading silence is espeak-ng's own, a few tens of ms. */
    assert_true(audio_seconds(&a) - span < 0.2);
    audio_free(&a);
}

static void test_sentence_pause_longer_than_clause(void **state)
{
    synth *s = ((fixture *)*state)->s;
    audio comma = speak(s, "shi4 wei3 fu4 shu1 ji4 , shi4 zhang3 chen2 hui1 qing1");
    audio stop = speak(s, "shi4 wei3 fu4 shu1 ji4 . shi4 zhang3 chen2 hui1 qing1");
    audio ask = speak(s, "shi4 wei3 fu4 shu1 ji4 ? shi4 zhang3 chen2 hui1 qing1");
    audio none = speak(s, "shi4 wei3 fu4 shu1 ji4 shi4 zhang3 chen2 hui1 qing1");
    double g_none = longest_gap(&none), g_comma = longest_gap(&comma);
    double g_stop = longest_gap(&stop), g_ask = longest_gap(&ask);
    print_message("gaps: none %.3f  , %.3f  . %.3f  ? %.3f s\n", g_none,
                  g_comma, g_stop, g_ask);
    assert_true(g_comma > g_none + 0.04);
    assert_true(g_stop > g_comma + 0.05);
    assert_true(g_ask > g_comma + 0.05);
    /* Pauses before the first word, or after the last, add nothing: the
     * caller puts its own pause after each segment. */
    audio padded = speak(s, ". shi4 wei3 fu4 shu1 ji4 shi4 zhang3 chen2 hui1 qing1 .");
    assert_true(fabs(audio_seconds(&padded) - audio_seconds(&none)) < 0.01);
    audio_free(&comma);
    audio_free(&stop);
    audio_free(&ask);
    audio_free(&none);
    audio_free(&padded);
}

static void test_letters_are_spoken(void **state)
{
    synth *s = ((fixture *)*state)->s;
    audio plain = speak(s, "guo2 nei4 sheng1 chan3 zong3 zhi2 zeng1 zhang3");
    audio with = speak(s, "guo2 nei4 sheng1 chan3 zong3 zhi2 L:G L:D L:P zeng1 zhang3");
    audio letters = speak(s, "L:G L:D L:P");
    audio head = speak(s, "guo2 nei4 sheng1 chan3 zong3 zhi2");
    audio tail = speak(s, "zeng1 zhang3");
    print_message("GDP: %.3f s alone; sentence %.3f s without, %.3f s with\n",
                  audio_seconds(&letters), audio_seconds(&plain),
                  audio_seconds(&with));
    /* Three letter names take more than a syllable's time each. */
    assert_true(audio_seconds(&letters) > 0.35);
    assert_true(rms(letters.data, letters.frames) > 0.03);
    assert_true(audio_seconds(&with) > audio_seconds(&plain) + 0.35);
    /* Each voice's run is spoken on its own: the pinyin after the letters
     * sounds as it does alone, not in English (which would read "zeng1"
     * as "zeng one", some 0.3 s longer).  espeak-ng's leading silence
     * varies by about 10 ms with what it spoke before. */
    double parts = audio_seconds(&head) + audio_seconds(&letters) +
                   audio_seconds(&tail);
    print_message("parts: %.4f + %.4f + %.4f = %.4f\n", audio_seconds(&head),
                  audio_seconds(&letters), audio_seconds(&tail), parts);
    assert_true(fabs(audio_seconds(&with) - parts) < 0.03);
    audio_free(&plain);
    audio_free(&with);
    audio_free(&letters);
    audio_free(&head);
    audio_free(&tail);
}

static void test_latin_word(void **state)
{
    synth *s = ((fixture *)*state)->s;
    audio a = speak(s, "xin1 kuan3 W:iPhone fa1 bu4");
    audio b = speak(s, "xin1 kuan3 fa1 bu4");
    assert_true(audio_seconds(&a) > audio_seconds(&b) + 0.3);
    audio_free(&a);
    audio_free(&b);
}

/* Nothing but toned pinyin may reach the pinyin voice, which would read a
 * stray "G" as a syllable. */
static void test_non_pinyin_refused(void **state)
{
    synth *s = ((fixture *)*state)->s;
    const char *bad[] = {"G", "zhong", "zhong6", "zhong1 guo2", "<voice>1"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        g2p_token tok = {G2P_SYLLABLE, (char *)bad[i]};
        g2p_tokens t = {&tok, 1, 1};
        audio a = {0};
        err e = {0};
        assert_int_equal(synth_speak(s, &t, &a, &e), -1);
        assert_int_equal(e.cat, ERR_SYNTH);
        audio_free(&a);
    }
    g2p_token tok = {G2P_LETTER, "<"};
    g2p_tokens t = {&tok, 1, 1};
    audio a = {0};
    err e = {0};
    assert_int_equal(synth_speak(s, &t, &a, &e), -1);
    assert_int_equal(e.cat, ERR_SYNTH);
    audio_free(&a);
}

static void test_missing_voice(void **state)
{
    (void)state;
    err e = {0};
    voice v;
    assert_int_equal(voice_defaults(&v, &e), 0);
    free(v.espeak);
    v.espeak = strdup("no-such-voice-xx");
    synth *s = synth_create(&v, &e);
    assert_null(s);
    assert_int_equal(e.cat, ERR_SYNTH);
    assert_non_null(strstr(e.msg, "no-such-voice-xx"));
    /* espeak-ng's own words follow ours. */
    assert_non_null(strstr(e.msg, "voice does not exist"));
    voice_free(&v);
    /* A failed create leaves espeak-ng closed, ready for the next. */
    voice w;
    synth *ok = open_default(&w);
    synth_free(ok);
    voice_free(&w);
}

/* The chimes' levels are set against real speech normalized as the
 * pipeline does (peak at -1 dBFS); they must sit at least 6 dB under it. */
static void test_chimes_below_speech(void **state)
{
    synth *s = ((fixture *)*state)->s;
    audio a = speak(s, "zhu1 zhou1 ri4 bao4 xun4 , jiu3 yue4 si4 ri4 , shi4 "
                       "wei3 fu4 shu1 ji4 , shi4 zhang3 chen2 hui1 qing1 zai4 "
                       "shi4 ying4 ji2 guan3 li3 ju2 diao4 yan2 . xiang2 xi4 "
                       "liao3 jie3 gong1 zuo4 kai1 zhan3 qing2 kuang4 .");
    mix_normalize_peak(&a, 0.89f);
    double speech_rms = rms(a.data, a.frames);
    double speech_db = 20 * log10(speech_rms);
    for (int k = 0; k < 2; k++) {
        audio c = {.rate = 22050};
        err e = {0};
        assert_int_equal(mix_add_chime(&c, k ? MIX_CHIME_SECTION
                                             : MIX_CHIME_ARTICLE, &e), 0);
        double chime_db = 20 * log10(rms(c.data, c.frames));
        double peak_db = 20 * log10(mix_peak(&c));
        print_message("%s chime: rms %.1f dBFS, peak %.1f dBFS; speech rms "
                      "%.1f dBFS, peak -1.0 dBFS\n", k ? "section" : "article",
                      chime_db, peak_db, speech_db);
        assert_true(chime_db <= speech_db - 6.0);
        assert_true(peak_db <= 20 * log10(0.89) - 6.0);
        /* Still clearly audible. */
        assert_true(chime_db > speech_db - 20.0);
        audio_free(&c);
    }
    audio_free(&a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_one_synth_per_process),
        cmocka_unit_test_setup_teardown(test_news_pace_and_level, open_fixture,
                                        close_fixture),
        cmocka_unit_test_setup_teardown(test_sentence_pause_longer_than_clause, open_fixture,
                                        close_fixture),
        cmocka_unit_test_setup_teardown(test_letters_are_spoken, open_fixture,
                                        close_fixture),
        cmocka_unit_test_setup_teardown(test_latin_word, open_fixture,
                                        close_fixture),
        cmocka_unit_test_setup_teardown(test_non_pinyin_refused, open_fixture,
                                        close_fixture),
        cmocka_unit_test(test_missing_voice),
        cmocka_unit_test_setup_teardown(test_chimes_below_speech, open_fixture,
                                        close_fixture),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
