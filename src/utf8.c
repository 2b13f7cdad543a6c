/* utf8.c -- UTF-8 decoding, validation and character classes. */
#include "utf8.h"

int32_t utf8_next(const char *s, size_t len, size_t *i)
{
    const unsigned char *p = (const unsigned char *)s + *i;
    size_t left = len - *i;
    unsigned c = p[0];
    int32_t cp;
    size_t n;
    if (c < 0x80) {
        *i += 1;
        return (int32_t)c;
    } else if (c >= 0xc2 && c <= 0xdf) {
        n = 2;
        cp = c & 0x1f;
    } else if (c >= 0xe0 && c <= 0xef) {
        n = 3;
        cp = c & 0x0f;
    } else if (c >= 0xf0 && c <= 0xf4) {
        n = 4;
        cp = c & 0x07;
    } else {
        *i += 1;
        return -1;
    }
    if (left < n) {
        *i += 1;
        return -1;
    }
    for (size_t k = 1; k < n; k++) {
        if ((p[k] & 0xc0) != 0x80) {
            *i += 1;
            return -1;
        }
        cp = (cp << 6) | (p[k] & 0x3f);
    }
    if ((n == 3 && cp < 0x800) || (n == 4 && (cp < 0x10000 || cp > 0x10ffff)) ||
        (cp >= 0xd800 && cp <= 0xdfff)) {
        *i += 1;
        return -1;
    }
    *i += n;
    return cp;
}

size_t utf8_put(uint32_t cp, char *out)
{
    unsigned char *o = (unsigned char *)out;
    if (cp < 0x80) {
        o[0] = (unsigned char)cp;
        return 1;
    } else if (cp < 0x800) {
        o[0] = (unsigned char)(0xc0 | (cp >> 6));
        o[1] = (unsigned char)(0x80 | (cp & 0x3f));
        return 2;
    } else if (cp < 0x10000) {
        if (cp >= 0xd800 && cp <= 0xdfff)
            return 0;
        o[0] = (unsigned char)(0xe0 | (cp >> 12));
        o[1] = (unsigned char)(0x80 | ((cp >> 6) & 0x3f));
        o[2] = (unsigned char)(0x80 | (cp & 0x3f));
        return 3;
    } else if (cp <= 0x10ffff) {
        o[0] = (unsigned char)(0xf0 | (cp >> 18));
        o[1] = (unsigned char)(0x80 | ((cp >> 12) & 0x3f));
        o[2] = (unsigned char)(0x80 | ((cp >> 6) & 0x3f));
        o[3] = (unsigned char)(0x80 | (cp & 0x3f));
        return 4;
    }
    return 0;
}

int utf8_validate(const char *s, size_t len, size_t *bad)
{
    size_t i = 0;
    while (i < len) {
        size_t at = i;
        int32_t cp = utf8_next(s, len, &i);
        if (cp <= 0) {
            if (bad)
                *bad = at;
            return -1;
        }
    }
    return 0;
}

size_t utf8_chars(const char *s, size_t len)
{
    size_t i = 0, n = 0;
    while (i < len) {
        utf8_next(s, len, &i);
        n++;
    }
    return n;
}

void utf8_position(const char *s, size_t off, int *line, int *col)
{
    int l = 1;
    size_t start = 0;
    for (size_t k = 0; k < off; k++)
        if (s[k] == '\n') {
            l++;
            start = k + 1;
        }
    *line = l;
    *col = (int)utf8_chars(s + start, off - start) + 1;
}

int utf8_is_han(uint32_t cp)
{
    return (cp >= 0x4e00 && cp <= 0x9fff) ||   /* unified */
           (cp >= 0x3400 && cp <= 0x4dbf) ||   /* extension A */
           (cp >= 0x20000 && cp <= 0x323af) || /* extensions B-H */
           (cp >= 0xf900 && cp <= 0xfaff) ||   /* compatibility */
           (cp >= 0x2f800 && cp <= 0x2fa1f) || cp == 0x3007; /* 〇 */
}

int utf8_is_closing(uint32_t cp)
{
    switch (cp) {
    case 0x3002: /* 。 */
    case 0xff01: /* ！ */
    case 0xff1f: /* ？ */
    case 0xff1b: /* ； */
    case 0x2026: /* … */
    case 0x201d: /* ” */
    case 0x2019: /* ’ */
    case 0x300d: /* 」 */
    case 0x300f: /* 』 */
    case 0xff09: /* ） */
    case 0x3011: /* 】 */
    case 0x300b: /* 》 */
    case 0xff0e: /* ． */
    case '.':
    case '!':
    case '?':
    case ';':
    case ')':
    case '"':
        return 1;
    default:
        return 0;
    }
}
