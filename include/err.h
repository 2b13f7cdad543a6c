/* err.h -- the one error type: what failed, and where.
 *
 * Every fallible function takes 'err *e' last and returns 0/-1 or
 * pointer/NULL.  Stage modules fill an err and never print; main.c prints it
 * with err_format() and maps its category to an exit code (README.md).
 */
#ifndef ERR_H
#define ERR_H

#include <stddef.h>

typedef enum err_cat {
    ERR_NONE = 0,
    ERR_NOINPUT,   /* an input file or folder does not exist (exit 66) */
    ERR_PARSE,     /* input is not a readable edition (exit 65) */
    ERR_IO,        /* reading failed after opening (exit 74) */
    ERR_OUTPUT,    /* the output cannot be written (exit 73) */
    ERR_LEXICON,   /* a lexicon file is bad or missing (exit 65 for user files) */
    ERR_CONFIG,    /* a voice profile or option is bad (exit 64/78) */
    ERR_SYNTH,     /* espeak-ng failed (exit 70) */
    ERR_AUDIO,     /* resampling, mixing or encoding failed (exit 70) */
    ERR_NOMEM,     /* out of memory (exit 71) */
    ERR_BUSY,      /* another build holds the output; try later (exit 75) */
    ERR_INTERNAL   /* our own mistake (exit 70) */
} err_cat;

#define ERR_FILE_MAX 512
#define ERR_MSG_MAX 1024

typedef struct err {
    err_cat cat;
    char file[ERR_FILE_MAX]; /* "" when unknown */
    int line;                /* 1-based; 0 when unknown */
    int col;                 /* 1-based, in code points; 0 when unknown */
    char msg[ERR_MSG_MAX];
} err;

/* Clears 'e' to ERR_NONE.  Accepts NULL. */
void err_clear(err *e);

/* Sets every field of 'e' (printf-style message; 'file' may be NULL).
 * Accepts e == NULL (the error is then dropped). */
void err_set(err *e, err_cat cat, const char *file, int line, int col,
             const char *fmt, ...)
    __attribute__((format(printf, 6, 7)));

/* Writes "file:line:col: msg" (parts that are unknown left out) into 'buf'
 * of 'size' bytes, always NUL-terminated.  Returns 'buf'. */
char *err_format(const err *e, char *buf, size_t size);

/* Copies at most 'max' bytes of 's' into 'out' (of 'size' bytes) as a quoted
 * string safe to print on a terminal: control bytes and invalid UTF-8 become
 * \xNN escapes, '"' and '\' are escaped, and an ellipsis marks a cut.
 * Returns 'out'. */
char *err_quote(const char *s, size_t len, char *out, size_t size);

#endif
