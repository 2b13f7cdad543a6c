/* voice.c -- voice profiles: voices/NAME.ini read with inih.
 *
 * A profile is small and written by hand, so every mistake is reported with
 * its file and line rather than ignored: a misspelt key that silently kept
 * its default would be worse than a refusal to start.
 *
 * Debian's inih is built without INI_HANDLER_LINENO, so the handler is not
 * told its line.  We feed inih through our own fgets-style reader, which
 * counts lines; inih calls the handler for a key before it reads the next
 * line, so the count is the key's line.  The reader also sees section
 * headers, which lets an unknown but empty section be refused too (inih only
 * reports sections through their keys).
 */
#include "voice.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ini.h>

#include "str.h"

/* The defaults voice.h documents.  The rate gives about 4.5 syllables per
 * second of speech with cmn-latn-pinyin on espeak-ng 1.51 (measured on 105
 * syllables of news text; see voices/default.ini). */
#define DEF_ESPEAK "cmn-latn-pinyin"
#define DEF_LETTERS "en"
#define DEF_RATE 212
#define DEF_PITCH 50
#define DEF_RANGE 50

/* Longest pause or gap a profile may ask for, in seconds: anything longer
 * is surely a typo (milliseconds written as seconds). */
#define MAX_PAUSE 10.0

typedef struct parse {
    voice *v;
    const char *path;
    FILE *f;
    int line;       /* line being parsed, 1-based */
    int newlines;   /* complete lines read so far */
    int failed;     /* an error is already in 'e' */
    err *e;
} parse;

/* Records the first error only: later ones are often its echoes. */
static void fail(parse *p, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static void fail(parse *p, const char *fmt, ...)
{
    if (p->failed)
        return;
    char msg[ERR_MSG_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    err_set(p->e, ERR_CONFIG, p->path, p->line, 0, "voice: %s", msg);
    p->failed = 1;
}

/* The profile's own words, quoted for the message. */
typedef struct quoted {
    char s[96];
} quoted;

static quoted q(const char *s, size_t len)
{
    quoted r;
    err_quote(s, len, r.s, sizeof r.s);
    return r;
}

static const char *const sections[] = {"espeak", "pause", "chime"};

static int known_section(const char *s, size_t len)
{
    for (size_t i = 0; i < sizeof sections / sizeof *sections; i++)
        if (strlen(sections[i]) == len && memcmp(sections[i], s, len) == 0)
            return 1;
    return 0;
}

/* fgets for inih that counts lines and checks section names. */
static char *reader(char *str, int num, void *stream)
{
    parse *p = stream;
    char *r = fgets(str, num, p->f);
    if (!r)
        return NULL;
    p->line = p->newlines + 1;
    size_t n = strlen(r);
    if (n && r[n - 1] == '\n')
        p->newlines++;
    const char *s = r;
    while (*s == ' ' || *s == '\t')
        s++;
    if (*s == '[') {
        const char *end = strchr(s, ']');
        if (end) {
            const char *name = s + 1;
            size_t len = (size_t)(end - name);
            if (!known_section(name, len))
                fail(p, "unknown section %s (known: espeak, pause, chime)",
                     q(name, len).s);
        }
    }
    return r;
}

static int set_string(parse *p, char **dst, const char *value, const char *key)
{
    if (!*value) {
        fail(p, "%s is empty", key);
        return 0;
    }
    char *s = str_dup(value, strlen(value), p->e);
    if (!s) {
        p->failed = 1;
        return 0;
    }
    free(*dst);
    *dst = s;
    return 1;
}

static int set_int(parse *p, int *dst, const char *value, const char *key,
                   long lo, long hi)
{
    char *end;
    errno = 0;
    long n = strtol(value, &end, 10);
    if (errno || end == value || *end || n < lo || n > hi) {
        fail(p, "%s must be a whole number from %ld to %ld, not %s", key,
             lo, hi, q(value, strlen(value)).s);
        return 0;
    }
    *dst = (int)n;
    return 1;
}

static int set_seconds(parse *p, double *dst, const char *value,
                       const char *key)
{
    char *end;
    errno = 0;
    double d = strtod(value, &end);
    if (errno || end == value || *end || !isfinite(d) || d < 0 ||
        d > MAX_PAUSE) {
        fail(p, "%s must be seconds from 0 to %g, not %s", key, MAX_PAUSE,
             q(value, strlen(value)).s);
        return 0;
    }
    *dst = d;
    return 1;
}

static int handler(void *user, const char *section, const char *name,
                   const char *value)
{
    parse *p = user;
    voice *v = p->v;
    if (p->failed)
        return 0;
    if (strcmp(section, "espeak") == 0) {
        if (strcmp(name, "voice") == 0)
            return set_string(p, &v->espeak, value, "voice");
        if (strcmp(name, "letters") == 0)
            return set_string(p, &v->letters, value, "letters");
        if (strcmp(name, "rate") == 0)
            return set_int(p, &v->rate, value, "rate", 80, 500);
        if (strcmp(name, "pitch") == 0)
            return set_int(p, &v->pitch, value, "pitch", 0, 100);
        if (strcmp(name, "range") == 0)
            return set_int(p, &v->range, value, "range", 0, 100);
    } else if (strcmp(section, "pause") == 0) {
        static const struct { const char *key; size_t off; } keys[] = {
            {"headline", offsetof(voice, pause_headline)},
            {"subtitle", offsetof(voice, pause_subtitle)},
            {"column", offsetof(voice, pause_column)},
            {"dateline", offsetof(voice, pause_dateline)},
            {"paragraph", offsetof(voice, pause_paragraph)},
            {"intro", offsetof(voice, pause_intro)},
        };
        for (size_t i = 0; i < sizeof keys / sizeof *keys; i++)
            if (strcmp(name, keys[i].key) == 0)
                return set_seconds(p, (double *)((char *)v + keys[i].off),
                                   value, name);
    } else if (strcmp(section, "chime") == 0) {
        if (strcmp(name, "gap") == 0)
            return set_seconds(p, &v->chime_gap, value, "gap");
    } else {
        /* The reader has already named the section (keys before any
         * section land here with section ""). */
        if (!*section)
            fail(p, "key %s outside a section", q(name, strlen(name)).s);
        return 0;
    }
    fail(p, "unknown key %s in [%s]", q(name, strlen(name)).s, section);
    return 0;
}

int voice_defaults(voice *v, err *e)
{
    memset(v, 0, sizeof *v);
    v->name = str_dup("default", 7, e);
    v->espeak = str_dup(DEF_ESPEAK, strlen(DEF_ESPEAK), e);
    v->letters = str_dup(DEF_LETTERS, strlen(DEF_LETTERS), e);
    if (!v->name || !v->espeak || !v->letters) {
        voice_free(v);
        return -1;
    }
    v->rate = DEF_RATE;
    v->pitch = DEF_PITCH;
    v->range = DEF_RANGE;
    v->pause_headline = 0.9;
    v->pause_subtitle = 0.6;
    v->pause_column = 0.5;
    v->pause_dateline = 0.4;
    v->pause_paragraph = 0.7;
    v->pause_intro = 0.8;
    v->chime_gap = 0.6;
    return 0;
}

/* "voices/news.ini" -> "news". */
static char *profile_name(const char *path, err *e)
{
    const char *base = strrchr(path, '/');
    base = base ? base + 1 : path;
    size_t len = strlen(base);
    if (len > 4 && strcmp(base + len - 4, ".ini") == 0)
        len -= 4;
    return str_dup(base, len, e);
}

int voice_load(voice *v, const char *path, err *e)
{
    if (voice_defaults(v, e) < 0)
        return -1;
    char *name = profile_name(path, e);
    if (!name)
        goto fail;
    free(v->name);
    v->name = name;

    parse p = {.v = v, .path = path, .e = e};
    p.f = fopen(path, "r");
    if (!p.f) {
        err_set(e, errno == ENOENT ? ERR_NOINPUT : ERR_IO, path, 0, 0,
                "voice: cannot open profile: %s", strerror(errno));
        goto fail;
    }
    int r = ini_parse_stream(reader, &p, handler, &p);
    int ioerr = ferror(p.f);
    fclose(p.f);
    if (p.failed)
        goto fail;
    if (ioerr) {
        err_set(e, ERR_IO, path, 0, 0, "voice: read error");
        goto fail;
    }
    if (r != 0) {
        /* Only syntax errors are left: our handler reports its own. */
        err_set(e, ERR_CONFIG, path, r > 0 ? r : 0, 0,
                r > 0 ? "voice: expected [section] or key = value"
                      : "voice: cannot parse profile");
        goto fail;
    }
    return 0;
fail:
    voice_free(v);
    return -1;
}

void voice_free(voice *v)
{
    free(v->name);
    free(v->espeak);
    free(v->letters);
    v->name = v->espeak = v->letters = NULL;
}
