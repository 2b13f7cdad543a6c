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
