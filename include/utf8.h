/* utf8.h -- UTF-8 decoding one code point at a time.
 *
 * Text is UTF-8 in char* with an explicit byte length; no locales, no
 * wchar_t.  Input is validated when loaded so later stages can trust it.
 */
#ifndef UTF8_H
#define UTF8_H

#include <stddef.h>
#include <stdint.h>

/* Decodes the code point at s[*i] (i < len) and advances *i past it.
 * Returns the code point, or -1 for a malformed or truncated sequence, in
 * which case *i advances by one byte.  Overlong forms and surrogates are
 * malformed. */
int32_t utf8_next(const char *s, size_t len, size_t *i);

/* Encodes 'cp' into 'out' (at least 4 bytes).  Returns bytes written, 0 for
 * an invalid code point. */
size_t utf8_put(uint32_t cp, char *out);

/* Returns 0 when all 'len' bytes are valid UTF-8 without NUL bytes, else -1
 * with *bad set to the byte offset of the first bad byte. */
int utf8_validate(const char *s, size_t len, size_t *bad);

/* Number of code points in 'len' bytes (malformed bytes count one each). */
size_t utf8_chars(const char *s, size_t len);

/* Line (1-based) and column (1-based, in code points) of byte offset 'off'. */
void utf8_position(const char *s, size_t off, int *line, int *col);

/* True for CJK unified ideographs (all blocks, compatibility included). */
int utf8_is_han(uint32_t cp);

/* True for sentence- or clause-closing punctuation that may end a
 * paragraph: 。！？；…”’」』）) . ! ? and the like. */
int utf8_is_closing(uint32_t cp);

#endif
