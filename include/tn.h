/* tn.h -- text normalization for Mandarin narration.
 *
 * Turns written Chinese into what a newsreader says, so that no digit,
 * Latin-script symbol or unit sign reaches g2p:
 * "2023年9月5日" -> "二零二三年九月五日", "99.1%" -> "百分之九十九点一",
 * "42.11万户" -> "四十二点一一万户", "0731-28888888" digit by digit.
 * Full-width forms are folded to half-width first (utf8proc).  Latin letters
 * and punctuation are kept; everything already in Chinese passes unchanged.
 * No I/O; one tn may serve several threads.
 */
#ifndef TN_H
#define TN_H

#include <stddef.h>
#include "err.h"

typedef struct tn tn;

/* Creates a normalizer.  NULL with 'e' set on failure.  The caller owns the
 * result; release it with tn_free(). */
tn *tn_create(err *e);

/* Normalizes 'len' bytes of valid UTF-8 'text' from 'src':'line' (used only
 * in messages).  Returns a NUL-terminated string the caller free()s, or NULL
 * with 'e' set.  'text' is borrowed for the call. */
char *tn_normalize(const tn *t, const char *text, size_t len,
                   const char *src, int line, err *e);

/* Releases 't'.  Accepts NULL. */
void tn_free(tn *t);

#endif
