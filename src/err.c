/* err.c -- the one error type. */
#include "err.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "utf8.h"

void err_clear(err *e)
{
    if (e)
        memset(e, 0, sizeof *e);
}

void err_set(err *e, err_cat cat, const char *file, int line, int col,
             const char *fmt, ...)
{
    if (!e)
        return;
    e->cat = cat;
    snprintf(e->file, sizeof e->file, "%s", file ? file : "");
    e->line = line;
    e->col = col;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(e->msg, sizeof e->msg, fmt, ap);
    va_end(ap);
}

char *err_format(const err *e, char *buf, size_t size)
{
    if (size == 0)
        return buf;
    if (e->file[0] && e->line > 0 && e->col > 0)
        snprintf(buf, size, "%s:%d:%d: %s", e->file, e->line, e->col, e->msg);
    else if (e->file[0] && e->line > 0)
        snprintf(buf, size, "%s:%d: %s", e->file, e->line, e->msg);
    else if (e->file[0])
        snprintf(buf, size, "%s: %s", e->file, e->msg);
    else
        snprintf(buf, size, "%s", e->msg);
    return buf;
}

char *err_quote(const char *s, size_t len, char *out, size_t size)
{
    /* Room kept for the closing quote, an ellipsis and the NUL. */
    size_t o = 0, i = 0;
    if (size < 8) {
        if (size)
            out[0] = '\0';
        return out;
    }
    size_t limit = size - 6;
    out[o++] = '"';
    while (i < len) {
        size_t start = i;
        int32_t cp = utf8_next(s, len, &i);
        char tmp[8];
        size_t n;
        if (cp < 0 || cp < 0x20 || cp == 0x7f || (cp >= 0x80 && cp < 0xa0)) {
            /* Escape each byte of a control or malformed sequence. */
            n = 0;
            for (size_t k = start; k < i && n + 4 < sizeof tmp; k++)
                n += (size_t)snprintf(tmp + n, sizeof tmp - n, "\\x%02x",
                                      (unsigned char)s[k]);
        } else if (cp == '"' || cp == '\\') {
            tmp[0] = '\\';
            tmp[1] = (char)cp;
            n = 2;
        } else {
            n = i - start;
            memcpy(tmp, s + start, n);
        }
        if (o + n > limit) {
            memcpy(out + o, "...", 3);
            o += 3;
            break;
        }
        memcpy(out + o, tmp, n);
        o += n;
    }
    out[o++] = '"';
    out[o] = '\0';
    return out;
}
