/* g2p.h -- normalized Chinese text -> toned pinyin.
 *
 * Converts traditional characters to simplified (OpenCC t2s), segments the
 * text into words by maximum probability over the lexicon, takes each
 * polyphone's reading from its word, applies 一/不 sandhi and neutral tones.
 * Third-tone sandhi is left to espeak-ng.  Input is the output of
 * tn_normalize(): no digits remain.
 */
#ifndef G2P_H
#define G2P_H

#include <stddef.h>
#include "err.h"
#include "lexicon.h"

typedef struct g2p g2p;

typedef enum g2p_kind {
    G2P_SYLLABLE, /* one toned syllable: "zhong1", "lv4", "de5" */
    G2P_LETTER,   /* one Latin letter or digit to be spoken by name: "G" */
    G2P_WORD,     /* a run of Latin letters to be read as an English word */
    G2P_PAUSE     /* punctuation: text is "," for a clause break, "." for a
                     sentence end, "?" or "!" */
} g2p_kind;

typedef struct g2p_token {
    g2p_kind kind;
    char *text;   /* owned by the token list */
} g2p_token;

typedef struct g2p_tokens {
    g2p_token *v;
    size_t n;
    size_t cap;
} g2p_tokens;

/* Creates a converter over 'lx' (borrowed; it must outlive the g2p).
 * NULL with 'e' set (e.g. OpenCC's t2s configuration missing). */
g2p *g2p_create(const lexicon *lx, err *e);

/* Converts 'len' bytes of UTF-8 'text', appending tokens to 'out' (which the
 * caller zero-initializes and releases with g2p_tokens_free()).  Characters
 * with no reading are skipped silently unless 'unknown' is not NULL, in
 * which case the count of skipped Han characters is added to *unknown.
 * 0 or -1 with 'e' set.  Not safe from two threads on one g2p. */
int g2p_convert(g2p *g, const char *text, size_t len, g2p_tokens *out,
                size_t *unknown, err *e);

/* Only the syllables of 'text', space-separated, as `tingbao pinyin`
 * prints them ("yin2 hang2 hang2 ye4").  Caller free()s. */
char *g2p_pinyin(g2p *g, const char *text, size_t len, err *e);

/* Releases the tokens and zeroes 'toks'. */
void g2p_tokens_free(g2p_tokens *toks);

/* Releases 'g'.  Accepts NULL. */
void g2p_free(g2p *g);

#endif
