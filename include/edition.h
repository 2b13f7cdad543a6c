/* edition.h -- a newspaper edition in Markdown -> the edition model.
 *
 * Parsed with cmark.  In a file, the first H1 is the masthead (paper name);
 * the paragraphs under it hold the date, weekday, lunar date, issue (第N期),
 * page count (今日N版) and serial (CN 43-0005).  Later H1s ("# 第02版：经济")
 * start sections; a file without them is one section.  H2s are headlines;
 * an H2 with no body is a teaser (导读), read in the intro.  An H3 right
 * under a headline is the article's column label (栏目); other H3s
 * ("### 导读") are structure, not text.  A folder is one section per *.md
 * file, in byte order of the names.
 *
 * Text is validated UTF-8 (BOM dropped); every paragraph keeps its source
 * file and line for messages.
 */
#ifndef EDITION_H
#define EDITION_H

#include <stddef.h>
#include "err.h"

typedef struct edition_para {
    char *text;        /* owned, NUL-terminated, inline markup removed */
    size_t len;
    int line;          /* 1-based line in 'src' */
} edition_para;

typedef struct edition_article {
    char *headline;    /* main title (owned) */
    char **subtitles;  /* owned; n_subtitles entries */
    size_t n_subtitles;
    char *column;      /* 栏目 label, or NULL */
    edition_para *paras;
    size_t n_paras;
    const char *src;   /* source file, borrowed from the edition */
    int line;          /* line of the H2 */
} edition_article;

typedef struct edition_section {
    char *name;        /* "经济"; the paper's name when the file has no H1 sections */
    int number;        /* 版 number (2 for 第02版), 0 when not given */
    char *heading;     /* the H1 as written, or NULL */
    edition_article *articles;
    size_t n_articles;
    const char *src;
    int line;
} edition_section;

typedef struct edition_masthead {
    char *paper;       /* 株洲日报 */
    char *date;        /* 2023-09-05, or NULL */
    char *weekday;     /* 星期二, or NULL */
    char *lunar;       /* 癸卯年七月廿一, or NULL */
    char *issue;       /* "23415", or NULL */
    int pages;         /* 8, or 0 */
    char *serial;      /* "CN 43-0005", or NULL */
} edition_masthead;

typedef struct edition_teaser {
    char *text;
    const char *src;
    int line;
} edition_teaser;

/* How to read an edition.  A zeroed struct gives the defaults. */
typedef struct edition_opts {
    const char *encoding;      /* NULL: UTF-8, else GB18030 when the file is
                                  not UTF-8 but is valid GB18030; or an iconv
                                  name ("GBK", "BIG5") to convert from */
    size_t max_para_chars;     /* a longer paragraph leaves its article out;
                                  0: EDITION_MAX_PARA_CHARS */
    size_t max_article_chars;  /* a longer article is left out;
                                  0: EDITION_MAX_ARTICLE_CHARS */
} edition_opts;

/* A newspaper article is rarely over 10,000 characters; one over these is
 * a conversion accident (a whole page in one paragraph). */
#define EDITION_MAX_PARA_CHARS 20000
#define EDITION_MAX_ARTICLE_CHARS 60000
/* Teasers read in the intro, at most. */
#define EDITION_MAX_TEASERS 40

typedef struct edition {
    edition_masthead masthead;
    edition_section *sections;
    size_t n_sections;
    edition_teaser *teasers;
    size_t n_teasers;
    char **srcs;       /* owned paths of the files read */
    size_t n_srcs;
    err *warnings;     /* what was repaired or left out, with its place */
    size_t n_warnings;
} edition;

/* Reads the Markdown file or folder at 'path' ('o' may be NULL for the
 * defaults).  Returns the edition, owned by the caller (edition_free()), or
 * NULL with 'e' set: ERR_NOINPUT when 'path' does not exist, ERR_PARSE
 * (file:line:col) when it is not an edition: empty, binary, not text in any
 * encoding we read, no article.  What can be read with a repair is read:
 * a few invalid bytes are dropped, GB18030 is converted, an oversized
 * article is left out; each repair is a warning in ed->warnings. */
edition *edition_read(const char *path, const edition_opts *o, err *e);

/* Parses 'len' bytes of Markdown as if read from 'src' (tests and the
 * fuzzer use this).  Same contract as edition_read(). */
edition *edition_parse(const char *md, size_t len, const char *src, const edition_opts *o,
                       err *e);

/* Splits a headline "main  sub1 sub2" at its spaces into the main title and
 * subtitles (exposed for tests).  Fills 'a''s headline and subtitles. */
int edition_split_headline(edition_article *a, const char *text, size_t len,
                           err *e);

/* Releases 'ed'.  Accepts NULL. */
void edition_free(edition *ed);

#endif
