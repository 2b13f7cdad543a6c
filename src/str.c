/* str.c -- growable byte buffer. */
#include "str.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int reserve(strbuf *b, size_t extra, err *e)
{
    if (b->len + extra + 1 <= b->cap)
        return 0;
    size_t cap = b->cap ? b->cap : 64;
    while (cap < b->len + extra + 1) {
        if (cap > ((size_t)-1) / 2) {
            err_set(e, ERR_NOMEM, NULL, 0, 0, "string too long");
            return -1;
        }
        cap *= 2;
    }
    char *p = realloc(b->s, cap);
    if (!p) {
        err_set(e, ERR_NOMEM, NULL, 0, 0, "out of memory");
        return -1;
    }
    b->s = p;
    b->cap = cap;
    return 0;
}

int strbuf_add(strbuf *b, const char *s, size_t len, err *e)
{
    if (reserve(b, len, e) < 0)
        return -1;
    if (len)
        memcpy(b->s + b->len, s, len);
    b->len += len;
    b->s[b->len] = '\0';
    return 0;
}

int strbuf_adds(strbuf *b, const char *s, err *e)
{
    return strbuf_add(b, s, strlen(s), e);
}

int strbuf_addf(strbuf *b, err *e, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0) {
        err_set(e, ERR_INTERNAL, NULL, 0, 0, "bad format");
        return -1;
    }
    if (reserve(b, (size_t)n, e) < 0)
        return -1;
    va_start(ap, fmt);
    vsnprintf(b->s + b->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
    return 0;
}

char *strbuf_take(strbuf *b)
{
    char *s = b->s;
    if (!s)
        s = calloc(1, 1);
    b->s = NULL;
    b->len = b->cap = 0;
    return s;
}

void strbuf_free(strbuf *b)
{
    free(b->s);
    b->s = NULL;
    b->len = b->cap = 0;
}

char *str_dup(const char *s, size_t len, err *e)
{
    char *p = malloc(len + 1);
    if (!p) {
        err_set(e, ERR_NOMEM, NULL, 0, 0, "out of memory");
        return NULL;
    }
    memcpy(p, s, len);
    p[len] = '\0';
    return p;
}
