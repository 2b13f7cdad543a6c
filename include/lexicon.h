/* lexicon.h -- words and their toned pinyin, with frequencies.
 *
 * The base lexicon is a file built by `make` (build/lexicon.tsv, see
 * tools/mklexicon.c) from Debian's rime-data-terra-pinyin (t2s with OpenCC),
 * Unihan readings and python3-jieba's word frequencies; lines are
 * "word<TAB>pinyin<TAB>frequency", pinyin being space-separated syllables with
 * tone numbers 1-5 and ü written v ("yin2 hang2").  Overrides (lexicon/NAME.tsv
 * and --lexicon files) are "word<TAB>pinyin" lines, '#' starts a comment;
 * an override replaces the base reading and is preferred in segmentation.
 */
#ifndef LEXICON_H
#define LEXICON_H

#include <stddef.h>
#include "err.h"

typedef struct lexicon lexicon;

/* An empty lexicon.  NULL with 'e' set.  Free with lexicon_free(). */
lexicon *lexicon_create(err *e);

/* Adds the base entries of the built file at 'path'.  0, or -1 with 'e' set
 * (ERR_LEXICON, file:line of a bad entry). */
int lexicon_load_base(lexicon *lx, const char *path, err *e);

/* Adds the override entries of 'path' ("word<TAB>pinyin").  A bad line is an
 * error naming file:line.  0 or -1 with 'e' set. */
int lexicon_load_overrides(lexicon *lx, const char *path, err *e);

/* Looks up the 'len' bytes at 'word'.  Returns its pinyin, borrowed until
 * lexicon_free(), or NULL when absent; *logp (if not NULL) receives the
 * word's log probability for segmentation. */
const char *lexicon_lookup(const lexicon *lx, const char *word, size_t len,
                           double *logp);

/* Longest entry, in code points (bounds the segmentation window). */
size_t lexicon_max_chars(const lexicon *lx);

/* Number of entries. */
size_t lexicon_size(const lexicon *lx);

/* Releases 'lx'.  Accepts NULL. */
void lexicon_free(lexicon *lx);

#endif
