/* voice.h -- voice profiles (voices/NAME.ini, read with inih).
 *
 *   [espeak]  voice = cmn-latn-pinyin   ; espeak-ng voice for pinyin
 *             letters = en               ; voice for Latin letters/words
 *             rate = 212                 ; espeak words (= syllables) per minute
 *             pitch = 50                 ; 0-100
 *             range = 50                 ; pitch range 0-100
 *   [pause]   headline = 0.9  subtitle = 0.6  column = 0.5
 *             dateline = 0.4  paragraph = 0.7  intro = 0.8   ; seconds
 *   [chime]   gap = 0.6       ; silence around a chime, seconds
 *
 * Every key is optional; missing keys keep the defaults above.
 */
#ifndef VOICE_H
#define VOICE_H

#include "err.h"

typedef struct voice {
    char *name;        /* profile name (file name without .ini) */
    char *espeak;      /* espeak-ng voice for pinyin */
    char *letters;     /* espeak-ng voice for Latin letters */
    int rate;          /* words per minute, 80..500 */
    int pitch;         /* 0..100 */
    int range;         /* 0..100 */
    double pause_headline, pause_subtitle, pause_column, pause_dateline,
        pause_paragraph, pause_intro;
    double chime_gap;
} voice;

/* Fills 'v' with the defaults.  0 or -1 (ERR_NOMEM). */
int voice_defaults(voice *v, err *e);

/* Fills 'v' with the defaults, then the keys of the INI file at 'path'.
 * Unknown sections or keys and out-of-range values are errors naming
 * file:line (ERR_CONFIG).  0 or -1 with 'e' set; 'v' is left released. */
int voice_load(voice *v, const char *path, err *e);

/* Releases the strings in 'v'. */
void voice_free(voice *v);

#endif
