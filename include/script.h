/* script.h -- the narration script of an edition.
 *
 * What is read, in order, as segments: the edition intro (paper, date,
 * weekday, lunar date, issue, today's teasers), then per section an intro
 * (版 number and name) and its articles: headline, subtitles, column label,
 * dateline, paragraphs.  Each segment carries its kind, from which the voice
 * profile sets the pause after it.  The dateline (新华社北京9月4日电,
 * 株洲日报讯(全媒体记者/邓伟勇)) is split off the first paragraph and read
 * as its own segment, with the reporters' slashes spoken naturally.
 */
#ifndef SCRIPT_H
#define SCRIPT_H

#include <stddef.h>
#include "edition.h"
#include "err.h"

typedef enum script_kind {
    SCRIPT_INTRO,
    SCRIPT_HEADLINE,
    SCRIPT_SUBTITLE,
    SCRIPT_COLUMN,
    SCRIPT_DATELINE,
    SCRIPT_PARAGRAPH
} script_kind;

typedef struct script_segment {
    script_kind kind;
    char *text;        /* as it will be read, before normalization (owned) */
    const char *src;   /* borrowed from the edition */
    int line;
} script_segment;

typedef struct script_article {
    char *headline;    /* owned copy, for the manifest */
    char *dateline;    /* the dateline as written, or NULL */
    script_segment *segs;
    size_t n_segs;
} script_article;

typedef struct script_section {
    char *name;
    int number;        /* 1-based reading order */
    script_segment *intro;
    size_t n_intro;
    script_article *articles;
    size_t n_articles;
} script_section;

typedef struct script {
    script_segment *intro;
    size_t n_intro;
    script_section *sections;
    size_t n_sections;
} script;

/* Builds the script of 'ed' (borrowed; it must outlive the script, whose
 * segments point at its file names).  Caller frees with script_free().
 * NULL with 'e' set. */
script *script_build(const edition *ed, err *e);

/* Splits a dateline off the start of 'text': returns its length in bytes
 * (0 when there is none); *body_off receives where the body starts (after
 * the spaces following the dateline).  Exposed for tests. */
size_t script_dateline(const char *text, size_t len, size_t *body_off);

/* One sentence of a segment's text: 'len' bytes from byte 'off'. */
typedef struct script_span {
    size_t off, len;
} script_span;

/* Splits 'len' bytes of a segment's 'text' into sentences, for transcripts
 * timed by synth_speak_timed().  A sentence ends after a run of 。！？!?
 * (and ．｡ between non-digits, which g2p also reads as a sentence end),
 * with the closing quotes, brackets and spaces after it; a piece with
 * nothing to read (no Han character, letter or digit) joins the sentence
 * before it (or, at the start, the one after), because g2p drops or merges
 * the pause it would make.  So the count is the count of sentence ends
 * synth_speak_timed() reports for the same text after tn and g2p.  The
 * spans cover 'text' without gaps; there is always at least one (empty
 * text gives one empty span).  On success *out (caller free()s) holds *n
 * spans and 0 is returned; -1 with 'e' set (ERR_NOMEM). */
int script_sentences(const char *text, size_t len, script_span **out, size_t *n, err *e);

/* "headline", "subtitle", "column", "dateline", "paragraph", "intro". */
const char *script_kind_name(script_kind k);

/* Releases 's'.  Accepts NULL. */
void script_free(script *s);

#endif
