/* out.h -- what tingbao writes: WAV files, the manifest, JSON scripts.
 *
 * Every file is written to a temporary name in its destination folder and
 * renamed into place only when complete, so a reader never sees half a file.
 * Audio is converted from float to 16-bit PCM here, once.
 */
#ifndef OUT_H
#define OUT_H

#include <stddef.h>
#include "audio.h"
#include "err.h"
#include "script.h"

/* Writes 'a' as a 16-bit PCM mono WAV at 'path' (atomically).  0 or -1 with
 * 'e' set (ERR_OUTPUT, with sf_strerror()'s message). */
int out_write_wav(const char *path, const audio *a, err *e);

/* Writes 'len' bytes to 'path' atomically.  0 or -1 (ERR_OUTPUT). */
int out_write_file(const char *path, const char *data, size_t len, err *e);

/* Creates 'path' and its missing parents (mode 0777 & ~umask).  0 or -1. */
int out_mkdirs(const char *path, err *e);

/* Removes the file or folder tree at 'path' without following symbolic
 * links.  A missing path is not an error.  0 or -1 (ERR_OUTPUT). */
int out_remove_tree(const char *path, err *e);

/* A file name for 'title': no '/', no control characters, no leading '.',
 * valid UTF-8, at most 'max' bytes cut at a character boundary, prefixed by
 * the two-digit 'index' and '-' ("01-要闻").  Caller free()s. */
char *out_file_name(int index, const char *title, size_t max, err *e);

typedef struct out_article {
    const char *headline;
    const char *dateline;   /* or NULL */
    const char *file;       /* relative to the edition folder */
    double duration_s;
    double offset_s;        /* start inside the section file */
    size_t syllables;
} out_article;

typedef struct out_section {
    const char *name;
    const char *file;
    double duration_s;
    out_article *articles;
    size_t n_articles;
} out_section;

typedef struct out_manifest {
    const char *paper, *date, *weekday, *lunar, *issue, *serial;
    int pages;
    int sample_rate;
    const char *intro_file;
    double intro_duration_s;
    const char *voice;
    const char *generator;  /* "tingbao 0.1.0" */
    out_section *sections;
    size_t n_sections;
    const char *const *teasers;
    size_t n_teasers;
} out_manifest;

/* Writes the manifest as edition.json at 'path' (atomically), durations
 * rounded to milliseconds.  0 or -1 with 'e' set. */
int out_write_manifest(const char *path, const out_manifest *m, err *e);

/* One segment as `tingbao script --json` prints it. */
typedef struct out_script_seg {
    const char *kind, *text, *spoken, *pinyin;
} out_script_seg;

typedef struct out_script_article {
    const char *headline;
    out_script_seg *segs;
    size_t n_segs;
} out_script_article;

typedef struct out_script_section {
    const char *name;
    out_script_seg *intro;
    size_t n_intro;
    out_script_article *articles;
    size_t n_articles;
} out_script_section;

/* Renders the script as JSON:
 * {"intro":[seg…],"sections":[{"name":…,"intro":[…],"articles":[
 *   {"headline":…,"segments":[{"kind":…,"text":…,"spoken":…,"pinyin":…}]}]}]}
 * Caller free()s the result.  NULL with 'e' set. */
char *out_script_json(const out_script_seg *intro, size_t n_intro,
                      const out_script_section *secs, size_t n_secs, err *e);

#endif
