/* publish.h -- the text with the sound: transcripts, playlist, chapters,
 * podcast feed, DAISY 2.02 talking book and a player page.
 *
 * Everything here is written from a plain model that main.c fills from the
 * build: no audio is read or made, only the sizes of audio files already
 * written are looked at (for RSS enclosures), and DAISY's audio is linked
 * (hard link, or a copy where links fail) into daisy/.  Paths in the model
 * are relative to the edition folder, '/'-separated, without extension;
 * the extensions come from 'formats'.  Every file is written to a
 * temporary name in its folder and renamed into place when complete.
 *
 * What pub_write_edition() writes into the edition folder DIR:
 *   <article base>.vtt          WebVTT, one cue per sentence
 *   <section base>.vtt          the section's articles' cues, offset
 *   <section base>.chapters.json  Podcasting 2.0 JSON chapters, per article
 *   edition.m3u8                the edition in reading order
 *   feed-items.xml              this edition's RSS items (pub_write_feed)
 *   daisy/                      DAISY 2.02 audio + full text book
 *   index.html                  the player page
 */
#ifndef PUBLISH_H
#define PUBLISH_H

#include <stddef.h>
#include "err.h"

/* Audio formats written beside each WAV; the same bits as out_format. */
enum {
    PUB_WAV = 1 << 0,
    PUB_MP3 = 1 << 1,
    PUB_OPUS = 1 << 2,
    PUB_FLAC = 1 << 3
};

/* Feeds keep this many editions unless told otherwise. */
#define PUB_FEED_KEEP 30

/* One sentence of an article as written ('text', the original characters,
 * UTF-8) and where it is heard, in seconds from the start of the article's
 * own audio file. */
typedef struct pub_sentence {
    const char *text;
    double start_s, end_s;
} pub_sentence;

typedef struct pub_article {
    const char *headline;
    const char *dateline;            /* or NULL */
    const char *base;                /* "01-要闻/01-标题": audio without extension */
    double duration_s;
    double offset_s;                 /* start inside the section's file */
    const pub_sentence *sentences;   /* in order, times ascending */
    size_t n_sentences;
} pub_article;

typedef struct pub_section {
    const char *name;
    const char *base;                /* "01-要闻" */
    double duration_s;
    const pub_article *articles;
    size_t n_articles;
} pub_section;

typedef struct pub_edition {
    const char *paper;
    const char *date;                /* YYYY-MM-DD */
    const char *weekday, *lunar, *issue;  /* each may be NULL */
    const char *intro_base;          /* "00-intro", or NULL for none */
    double intro_duration_s;
    const char *const *teasers;
    size_t n_teasers;
    const pub_section *sections;
    size_t n_sections;
    unsigned formats;                /* PUB_* bits of the files written; WAV always */
    const char *generator;           /* "tingbao 0.1.0" */
} pub_edition;

/* Every model pointer is borrowed for the call.  Each writer returns 0, or
 * -1 with 'e' set (ERR_OUTPUT for files, ERR_INTERNAL for a model that
 * breaks its own rules: times out of order, a path with "..", a date that
 * is not YYYY-MM-DD). */

/* Checks the model's rules (dates, relative paths, ascending times). */
int pub_check(const pub_edition *ed, err *e);

/* WebVTT beside each article's and section's audio (<base>.vtt). */
int pub_write_transcripts(const char *dir, const pub_edition *ed, err *e);

/* <section base>.chapters.json for each section. */
int pub_write_chapters(const char *dir, const pub_edition *ed, err *e);

/* edition.m3u8: the intro, then each section's file (not the articles:
 * a section file is the edition as it is heard, with section intros and
 * chimes, which the article files leave out). */
int pub_write_playlist(const char *dir, const pub_edition *ed, err *e);

/* feed-items.xml: one RSS <item> per section, for pub_write_feed().  The
 * audio files must already be in 'dir' (enclosures give their sizes). */
int pub_write_feed_items(const char *dir, const pub_edition *ed, err *e);

/* daisy/: ncc.html, content.html, master.smil, one SMIL per article and
 * per section intro (s01.smil, s01a02.smil, ...), and the MP3 (or, without
 * MP3, the WAV) of the intro, sections and articles linked in under ASCII
 * names (intro.mp3, s01.mp3, s01a02.mp3).  The audio must exist. */
int pub_write_daisy(const char *dir, const pub_edition *ed, err *e);

/* index.html: masthead, sections, each article's player and transcript. */
int pub_write_page(const char *dir, const pub_edition *ed, err *e);

/* All of the above, in that order, into the edition folder 'dir'. */
int pub_write_edition(const char *dir, const pub_edition *ed, err *e);

/* What the feed's channel says; 'base_url' is where the paper's folder
 * (the one holding feed.xml) is served, e.g. "https://example.org/zhuzhou/";
 * NULL leaves every URL relative to feed.xml. */
typedef struct pub_feed {
    const char *paper;
    const char *base_url;   /* or NULL */
    const char *description;  /* or NULL: "<paper>，每日有声版" */
    const char *generator;
    size_t keep;            /* editions in the feed; 0: PUB_FEED_KEEP */
    const char *image_url;  /* the show's artwork (Apple wants 1400-3000 px
                               square JPEG or PNG), or NULL: tingbao makes
                               no artwork, the paper has its own */
    const char *owner_email; /* itunes:owner, or NULL */
} pub_feed;

/* Regenerates 'paper_dir'/feed.xml from the feed-items.xml of the newest
 * f->keep folders named YYYY-MM-DD in 'paper_dir', newest first.  Folders
 * without feed-items.xml are passed over.  No JSON is read. */
int pub_write_feed(const char *paper_dir, const pub_feed *f, err *e);

#endif
