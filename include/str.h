/* str.h -- a growable byte buffer and small string helpers.
 *
 * A strbuf is a plain value: zero-initialize it ("strbuf b = {0};"), append,
 * then either take its bytes with strbuf_take() or release it with
 * strbuf_free().  The bytes are always NUL-terminated after the first append.
 */
#ifndef STR_H
#define STR_H

#include <stddef.h>
#include "err.h"

typedef struct strbuf {
    char *s;     /* NUL-terminated contents, NULL before the first append */
    size_t len;  /* bytes, not counting the NUL */
    size_t cap;
} strbuf;

/* Appends 'len' bytes of 's'.  0, or -1 with 'e' set to ERR_NOMEM. */
int strbuf_add(strbuf *b, const char *s, size_t len, err *e);
/* Appends a NUL-terminated string. */
int strbuf_adds(strbuf *b, const char *s, err *e);
/* Appends printf-style text. */
int strbuf_addf(strbuf *b, err *e, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Returns the contents (never NULL: an empty buffer gives "") and resets
 * 'b'; the caller free()s the result.  NULL only when out of memory. */
char *strbuf_take(strbuf *b);
/* Releases the contents.  Accepts a zeroed buffer. */
void strbuf_free(strbuf *b);

/* strndup that reports ERR_NOMEM through 'e'.  Caller free()s. */
char *str_dup(const char *s, size_t len, err *e);

#endif
