/* synth.c -- pinyin tokens -> speech through libespeak-ng, in-process.
 *
 * What espeak-ng 1.51 does that shapes this file (checked with
 * `espeak-ng -q -x` and by measuring the audio):
 *
 * - A voice switch inside one utterance (SSML <voice>) leaks: the syllable
 *   after "<voice name="en">G D P</voice>" is still read in English.  So the
 *   token list is cut into runs by voice, each run is synthesized on its own
 *   with espeak_ng_SetVoiceByName() in between, and the audio is joined.
 * - The pinyin voice reads anything it is given as pinyin, a lone "G"
 *   included, so only syllables that look like toned pinyin ever reach it;
 *   letters and Latin words go to the letters voice.
 * - The English voice reads "A B C" as "a(article) bee see"; letters are
 *   wrapped in SSML <say-as interpret-as="characters"> so each is read by
 *   its name.
 * - ". " followed by a lower-case word is taken for an abbreviation and gives
 *   no pause at all; ".\n" ends the sentence (about 0.22 s at rate 212
 *   against 0.12 s for a comma).  "?" and "!" end sentences as they are.
 * - Each run starts with about 30 ms of espeak-ng's own silence and ends
 *   with about 5 ms, which together match the gap between two words, so
 *   runs are joined as they come.  A pause token that ends a run is spoken
 *   with espeakENDPAUSE, which gives the clause or sentence pause espeak-ng
 *   would have made inside one utterance.  The last run of a call gets no
 *   end pause: the caller puts its own pause after each segment.
 */
#include "synth.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <espeak-ng/espeak_ng.h>
#include <espeak-ng/speak_lib.h>

#include "str.h"

/* espeak-ng's output at full volume reaches 32,700 on news text at rate 212
 * and clips at faster rates; 80 keeps headroom.  Levels are set later by
 * mix_normalize_peak(), so nothing is lost. */
#define VOLUME 80

struct synth {
    char *pinyin_voice;
    char *letters_voice;
    int rate, pitch, range;
    int sample_rate;
    const char *current;  /* the voice espeak-ng has now: one of the above */
    /* Where the callback puts samples during one espeak_ng_Synthesize(). */
    audio *out;
    int cb_failed;
    err cb_err;
};

/* espeak-ng keeps its state in process-wide globals, so one synth per
 * process: these flags are the only globals we keep, and only because of
 * that.
 *
 * espeak-ng 1.51 is initialized once per process and never terminated:
 * after espeak_ng_Initialize(), espeak_ng_Terminate(), espeak_ng_Initialize()
 * the second espeak_ng_Terminate() waits forever on a thread of its own
 * (seen on Debian 12; the thread is started even in synchronous mode).  So
 * synth_free() only closes our handle, the next synth_create() reuses the
 * initialized library, and the process's exit reclaims its memory. */
static bool synth_open;
static bool espeak_ready;

static void set_status(err *e, espeak_ng_STATUS st, const char *what,
                       const char *arg)
{
    char msg[256];
    espeak_ng_GetStatusCodeMessage(st, msg, sizeof msg);
    if (arg) {
        char qarg[160];
        err_quote(arg, strlen(arg), qarg, sizeof qarg);
        err_set(e, ERR_SYNTH, NULL, 0, 0, "synth: %s %s: %s", what, qarg, msg);
    } else {
        err_set(e, ERR_SYNTH, NULL, 0, 0, "synth: %s: %s", what, msg);
    }
}

/* Samples arrive here during espeak_ng_Synthesize(); the event list always
 * holds at least its terminator, which carries our user_data too. */
static int on_samples(short *wav, int n, espeak_EVENT *ev)
{
    synth *s = ev ? ev->user_data : NULL;
    if (!s)
        return 1;  /* not ours: stop rather than write anywhere */
    if (!wav || n <= 0 || s->cb_failed)
        return s->cb_failed;  /* end of synthesis, or events only */
    float buf[1024];
    for (int i = 0; i < n;) {
        int k = n - i < 1024 ? n - i : 1024;
        for (int j = 0; j < k; j++)
            buf[j] = wav[i + j] / 32768.0f;
        if (audio_append(s->out, buf, (size_t)k, &s->cb_err) < 0) {
            s->cb_failed = 1;
            return 1;  /* abort the synthesis */
        }
        i += k;
    }
    return 0;
}

/* Voice changes reload the voice's own settings, so the profile's rate,
 * pitch and range are set again after each one. */
static int use_voice(synth *s, const char *name, err *e)
{
    if (s->current == name)
        return 0;
    espeak_ng_STATUS st = espeak_ng_SetVoiceByName(name);
    if (st != ENS_OK) {
        set_status(e, st, "cannot use espeak-ng voice", name);
        return -1;
    }
    s->current = name;
    static const struct { espeak_PARAMETER p; const char *name; } params[] = {
        {espeakRATE, "rate"}, {espeakPITCH, "pitch"},
        {espeakRANGE, "range"}, {espeakVOLUME, "volume"},
    };
    int values[] = {s->rate, s->pitch, s->range, VOLUME};
    for (size_t i = 0; i < sizeof params / sizeof *params; i++) {
        st = espeak_ng_SetParameter(params[i].p, values[i], 0);
        if (st != ENS_OK) {
            s->current = NULL;
            set_status(e, st, "cannot set", params[i].name);
            return -1;
        }
    }
    return 0;
}

synth *synth_create(const voice *v, err *e)
{
    if (synth_open) {
        err_set(e, ERR_INTERNAL, NULL, 0, 0,
                "synth: espeak-ng is already open in this process "
                "(one synth per process)");
        return NULL;
    }
    synth *s = calloc(1, sizeof *s);
    if (!s) {
        err_set(e, ERR_NOMEM, NULL, 0, 0, "synth: out of memory");
        return NULL;
    }
    s->rate = v->rate;
    s->pitch = v->pitch;
    s->range = v->range;
    s->pinyin_voice = str_dup(v->espeak, strlen(v->espeak), e);
    s->letters_voice = str_dup(v->letters, strlen(v->letters), e);
    if (!s->pinyin_voice || !s->letters_voice) {
        free(s->pinyin_voice);
        free(s->letters_voice);
        free(s);
        return NULL;
    }

    espeak_ng_STATUS st;
    if (!espeak_ready) {
        /* NULL: espeak-ng's own data path (or $ESPEAK_DATA_PATH). */
        espeak_ng_InitializePath(NULL);
        espeak_ng_ERROR_CONTEXT ctx = NULL;
        st = espeak_ng_Initialize(&ctx);
        espeak_ng_ClearErrorContext(&ctx);
        if (st != ENS_OK) {
            set_status(e, st, "cannot initialize espeak-ng", NULL);
            goto fail;
        }
        st = espeak_ng_InitializeOutput(ENOUTPUT_MODE_SYNCHRONOUS, 0, NULL);
        if (st != ENS_OK) {
            set_status(e, st, "cannot open espeak-ng output", NULL);
            goto fail;
        }
        espeak_ready = true;
    }
    synth_open = true;
    s->sample_rate = espeak_ng_GetSampleRate();
    espeak_SetSynthCallback(on_samples);
    /* Both voices are tried now, so a missing one fails here and not in
     * the middle of a build. */
    if (use_voice(s, s->letters_voice, e) < 0 ||
        use_voice(s, s->pinyin_voice, e) < 0)
        goto fail;
    return s;
fail:
    synth_free(s);
    return NULL;
}

/* Toned pinyin as g2p writes it: lower-case letters (ü as v), then 1-5. */
static bool is_syllable(const char *t)
{
    size_t n = 0;
    while (t[n] >= 'a' && t[n] <= 'z')
        n++;
    return n > 0 && n <= 6 && t[n] >= '1' && t[n] <= '5' && !t[n + 1];
}

/* Latin letters and digits only: they go inside SSML, so nothing there may
 * need escaping. */
static bool is_latin(const char *t, bool word)
{
    if (!*t)
        return false;
    for (const char *p = t; *p; p++) {
        char c = *p;
        bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                  (c >= '0' && c <= '9') ||
                  (word && p != t && (c == '\'' || c == '-'));
        if (!ok)
            return false;
    }
    return true;
}

static const char *pause_text(const char *t)
{
    if (strcmp(t, ".") == 0)
        return ".\n";
    if (strcmp(t, "?") == 0)
        return "? ";
    if (strcmp(t, "!") == 0)
        return "! ";
    return ", ";  /* "," and anything g2p may add later: a clause break */
}

static bool in_letters_voice(g2p_kind k)
{
    return k == G2P_LETTER || k == G2P_WORD;
}

static int bad_token(const g2p_token *t, const char *what, err *e)
{
    char q[96];
    err_quote(t->text, strlen(t->text), q, sizeof q);
    err_set(e, ERR_SYNTH, NULL, 0, 0, "synth: %s: %s", what, q);
    return -1;
}

/* Builds the text of the run toks[from..to) (pauses included) into 'b'. */
static int run_text(const g2p_tokens *toks, size_t from, size_t to,
                    strbuf *b, err *e)
{
    bool in_chars = false;  /* inside <say-as interpret-as="characters"> */
    for (size_t i = from; i < to; i++) {
        const g2p_token *t = &toks->v[i];
        int r = 0;
        if (in_chars && t->kind != G2P_LETTER) {
            r = strbuf_adds(b, "</say-as> ", e);
            in_chars = false;
        }
        if (r < 0)
            return -1;
        switch (t->kind) {
        case G2P_SYLLABLE:
            if (!is_syllable(t->text))
                return bad_token(t, "not a toned pinyin syllable", e);
            r = strbuf_addf(b, e, "%s ", t->text);
            break;
        case G2P_LETTER:
            if (!is_latin(t->text, false))
                return bad_token(t, "not a Latin letter or digit", e);
            /* Letters in a row form one element: spaces inside say-as
             * would each become a pause. */
            if (!in_chars)
                r = strbuf_adds(b, "<say-as interpret-as=\"characters\">", e);
            in_chars = true;
            if (r == 0)
                r = strbuf_adds(b, t->text, e);
            break;
        case G2P_WORD:
            if (!is_latin(t->text, true))
                return bad_token(t, "not a Latin word", e);
            r = strbuf_addf(b, e, "%s ", t->text);
            break;
        case G2P_PAUSE:
            r = strbuf_adds(b, pause_text(t->text), e);
            break;
        }
        if (r < 0)
            return -1;
    }
    if (in_chars && strbuf_adds(b, "</say-as>", e) < 0)
        return -1;
    return 0;
}

static int speak_run(synth *s, const char *voice_name, const char *text,
                     bool end_pause, bool ssml, audio *out, err *e)
{
    if (use_voice(s, voice_name, e) < 0)
        return -1;
    s->out = out;
    s->cb_failed = 0;
    unsigned flags = espeakCHARS_UTF8 | (ssml ? espeakSSML : 0) |
                     (end_pause ? espeakENDPAUSE : 0);
    espeak_ng_STATUS st = espeak_ng_Synthesize(text, strlen(text) + 1, 0,
                                               POS_CHARACTER, 0, flags,
                                               NULL, s);
    s->out = NULL;
    if (s->cb_failed) {
        if (e)
            *e = s->cb_err;
        return -1;
    }
    if (st != ENS_OK) {
        set_status(e, st, "espeak-ng cannot speak", text);
        return -1;
    }
    return 0;
}

static bool ends_sentence(const g2p_token *t)
{
    return t->kind == G2P_PAUSE && strcmp(t->text, ",") != 0;
}

static int add_mark(synth_marks *m, size_t frame, err *e)
{
    if (m->n == m->cap) {
        size_t cap = m->cap ? m->cap * 2 : 16;
        size_t *v = realloc(m->v, cap * sizeof *v);
        if (!v) {
            err_set(e, ERR_NOMEM, NULL, 0, 0, "synth: out of memory");
            return -1;
        }
        m->v = v;
        m->cap = cap;
    }
    m->v[m->n++] = frame;
    return 0;
}

/* Speaks 'toks' into 'out'; with 'ends', also cuts runs after each
 * sentence-end pause followed by speech and marks where each ends. */
static int speak(synth *s, const g2p_tokens *toks, audio *out, synth_marks *ends, err *e)
{
    if (out->frames > 0 && out->rate != s->sample_rate) {
        err_set(e, ERR_INTERNAL, NULL, 0, 0,
                "synth: cannot append %d Hz speech to %d Hz audio",
                s->sample_rate, out->rate);
        return -1;
    }
    out->rate = s->sample_rate;
    strbuf b = {0};
    int ret = -1;
    size_t i = 0;
    /* Pauses before anything is said have nothing to separate. */
    while (i < toks->n && toks->v[i].kind == G2P_PAUSE)
        i++;
    while (i < toks->n) {
        bool letters = in_letters_voice(toks->v[i].kind);
        size_t end = i, last_word = i;
        /* A run takes the tokens of one voice and the pauses among and
         * after them. */
        while (end < toks->n &&
               (toks->v[end].kind == G2P_PAUSE ||
                in_letters_voice(toks->v[end].kind) == letters)) {
            if (toks->v[end].kind != G2P_PAUSE)
                last_word = end;
            end++;
            if (ends && ends_sentence(&toks->v[end - 1]))
                break;
        }
        bool last_run = true;
        for (size_t j = end; j < toks->n; j++)
            if (toks->v[j].kind != G2P_PAUSE)
                last_run = false;
        bool end_pause = !last_run && last_word + 1 < end;
        strbuf_free(&b);
        if (run_text(toks, i, end, &b, e) < 0)
            goto out;
        if (speak_run(s, letters ? s->letters_voice : s->pinyin_voice,
                      b.s, end_pause, letters, out, e) < 0)
            goto out;
        /* A sentence ends here when its pause closed the run and more
         * speech follows (the last sentence is marked below). */
        if (ends && !last_run && ends_sentence(&toks->v[end - 1]) &&
            add_mark(ends, out->frames, e) < 0)
            goto out;
        i = end;
    }
    if (ends && add_mark(ends, out->frames, e) < 0)
        goto out;
    ret = 0;
out:
    strbuf_free(&b);
    return ret;
}

int synth_speak(synth *s, const g2p_tokens *toks, audio *out, err *e)
{
    return speak(s, toks, out, NULL, e);
}

int synth_speak_timed(synth *s, const g2p_tokens *toks, audio *out, synth_marks *ends,
                      err *e)
{
    return speak(s, toks, out, ends, e);
}

void synth_marks_free(synth_marks *m)
{
    free(m->v);
    memset(m, 0, sizeof *m);
}

int synth_rate(const synth *s)
{
    return s->sample_rate;
}

const char *synth_version(void)
{
    return espeak_Info(NULL);
}

void synth_free(synth *s)
{
    if (!s)
        return;
    /* No espeak_ng_Terminate(): see espeak_ready above. */
    synth_open = false;
    free(s->pinyin_voice);
    free(s->letters_voice);
    free(s);
}
