/* synth.h -- pinyin -> speech through libespeak-ng, in-process.
 *
 * espeak-ng keeps its voice, parameters and callback in process-wide state,
 * so only one synth may be open per process: a second synth_create() fails.
 * Synthesis is synchronous; samples arrive through the callback and are
 * collected into the caller's audio as float at synth_rate() Hz (22050).
 */
#ifndef SYNTH_H
#define SYNTH_H

#include <stddef.h>
#include "audio.h"
#include "err.h"
#include "g2p.h"
#include "voice.h"

typedef struct synth synth;

/* Initializes espeak-ng with the voice, rate, pitch and range of 'v'
 * (borrowed for the call).  NULL with 'e' set (ERR_SYNTH, with
 * espeak-ng's own message) when the voice is missing. */
synth *synth_create(const voice *v, err *e);

/* Speaks 'toks' (syllables in the pinyin voice, letters and Latin words in
 * the letters voice, pauses as punctuation) and appends the samples to
 * 'out'.  0 or -1 with 'e' set. */
int synth_speak(synth *s, const g2p_tokens *toks, audio *out, err *e);

/* Frame offsets where sentences end, filled by synth_speak_timed().  The
 * caller zero-initializes it and releases it with synth_marks_free(). */
typedef struct synth_marks {
    size_t *v;     /* frame offsets into the 'out' audio, ascending */
    size_t n, cap;
} synth_marks;

/* Like synth_speak(), and also appends to 'ends' the frame offset in 'out'
 * (counted from its first frame, not from where this call began) at which
 * each sentence's audio ends: one after each sentence-end pause ("." "?"
 * "!") that has something spoken after it, taken after the pause's
 * silence, and one at the end of the call.  So there are always as many
 * marks as script_sentences() finds sentences in the segment's text, and
 * sentence i spans [mark i-1 (or out->frames before the call), mark i].
 * To measure them exactly, the token list is also cut into separate
 * espeak-ng runs at those pauses (each spoken with its sentence pause, as
 * espeak-ng would inside one utterance), so the audio may differ from
 * synth_speak()'s by a few milliseconds per sentence.  0 or -1 with 'e'
 * set; on failure 'ends' may hold marks of the sentences already spoken. */
int synth_speak_timed(synth *s, const g2p_tokens *toks, audio *out, synth_marks *ends,
                      err *e);

/* Releases the marks and zeroes 'm'. */
void synth_marks_free(synth_marks *m);

/* Sample rate of the audio synth_speak() produces. */
int synth_rate(const synth *s);

/* espeak-ng's version string, e.g. "1.51" (borrowed, static storage of the
 * library). */
const char *synth_version(void);

/* Releases 's'; another synth may then be created.  espeak-ng itself stays
 * initialized until the process exits (espeak-ng 1.51 hangs when terminated
 * a second time).  Accepts NULL. */
void synth_free(synth *s);

#endif
