/* clean.h -- repair what layout conversion does to a page.
 *
 * PDF-to-Markdown conversion of a newspaper page breaks paragraphs where a
 * column ends, repeats paragraphs or whole blocks where text boxes overlap,
 * and leaves photo captions (…供图, …摄) and stray page numbers in the body.
 * clean_article() works on one article's paragraphs, in place:
 *   1. captions and stray digit-only lines are removed;
 *   2. a paragraph ending without closing punctuation is joined with the
 *      next paragraph;
 *   3. paragraphs whose text was already read (exactly, or as part of a
 *      longer paragraph, whatever the break points) are dropped, and so are
 *      the repeated parts of longer paragraphs.
 * The order matters: joining first gives duplicate detection whole
 * sentences to compare.
 */
#ifndef CLEAN_H
#define CLEAN_H

#include <stddef.h>
#include "edition.h"
#include "err.h"

typedef struct clean_stats {
    size_t joined;      /* paragraph breaks repaired */
    size_t duplicates;  /* paragraphs or sentence runs dropped as repeats */
    size_t captions;    /* captions and stray numbers removed */
} clean_stats;

/* Cleans the paragraphs of 'a' in place, adding to 'st'.  0 or -1 with 'e'
 * set (ERR_NOMEM only). */
int clean_article(edition_article *a, clean_stats *st, err *e);

/* True when the paragraph 'text' is a photo caption (exposed for tests). */
int clean_is_caption(const char *text, size_t len);

#endif
