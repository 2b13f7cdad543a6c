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

/* Formats beside the WAV, as flags for out_write_formats(). */
typedef enum out_format {
    OUT_WAV = 1 << 0,   /* 16-bit PCM */
    OUT_MP3 = 1 << 1,   /* MPEG-1/2 layer III, constant OUT_MP3_KBPS (DAISY players want CBR) */
    OUT_OPUS = 1 << 2,  /* Ogg Opus, about OUT_OPUS_KBPS, for the web */
    OUT_FLAC = 1 << 3   /* 16-bit FLAC, lossless */
} out_format;

#define OUT_MP3_KBPS 64   /* mono speech; 32 kb/s at 8000-24000 Hz */
#define OUT_OPUS_KBPS 32

/* A marker inside a WAV: 'frame' from the start, 'label' UTF-8 (cut at a
 * character boundary to 255 bytes). */
typedef struct out_cue {
    size_t frame;
    const char *label;
} out_cue;

/* Whether Opus can be written at 'rate' Hz: libsndfile's Opus takes only
 * 8000, 12000, 16000, 24000 and 48000.  out.c does not resample (that is
 * resample.c's job, and only main.c chains stages): at other rates, main.c
 * resamples a copy to 48000 with resample_audio() for the Opus file. */
int out_opus_rate_ok(int rate);

/* Writes 'a' at 'path' (atomically) as the one format 'fmt'.  Opus at a
 * rate out_opus_rate_ok() refuses fails with ERR_CONFIG before anything is
 * written.  0 or -1 with 'e' set (ERR_OUTPUT with sf_strerror()'s words). */
int out_write_encoded(const char *path, const audio *a, out_format fmt, err *e);

/* Writes 'a' as 16-bit PCM WAV at 'path' (atomically) with 'n_cues' cue
 * points (a 'cue ' chunk) and their labels (a LIST/adtl chunk of 'labl's,
 * which libsndfile 1.2 does not write itself), in the order given; frames
 * past the end are refused (ERR_INTERNAL).  'cues' is borrowed. */
int out_write_wav_cues(const char *path, const audio *a, const out_cue *cues, size_t n_cues,
                       err *e);

/* Writes 'wav_path' (ending in ".wav") with its cues when 'formats' has
 * OUT_WAV, and beside it the same base name in each other format asked
 * for: NAME.mp3, NAME.opus, NAME.flac, each atomically.  Checks everything
 * (the name, Opus's rate) before writing anything; a failure later may
 * leave the files already written in place.  0 or -1 with 'e' set. */
int out_write_formats(const char *wav_path, const audio *a, unsigned formats,
                      const out_cue *cues, size_t n_cues, err *e);

/* A set of audio files written block by block: the WAV and its siblings,
 * as out_write_formats() writes them, without holding the audio.  Bytes
 * are those out_write_formats() writes for the same samples, however they
 * are cut into blocks (except Opus, whose Ogg serial number is random).
 * Cue points go in at the close (libsndfile 1.2 takes them only before
 * the first sample): both writers put the 'cue ' and LIST/adtl chunks
 * after 'data'. */
typedef struct out_stream out_stream;

/* Opens, under temporary names beside them, 'wav_path' (ending in ".wav")
 * when 'formats' has OUT_WAV and NAME.mp3, NAME.opus, NAME.flac for the
 * other flags, all mono at 'rate' Hz.  OUT_OPUS at a rate
 * out_opus_rate_ok() refuses fails with ERR_CONFIG (open a second stream
 * at 48000 with OUT_OPUS alone for it).  NULL with 'e' set, nothing left
 * on disk, on failure.  Finish with out_stream_close() or
 * out_stream_abort(). */
out_stream *out_stream_open(const char *wav_path, int rate, unsigned formats, err *e);

/* Appends 'frames' samples (float, [-1, 1], borrowed) to every file of
 * 's'.  0, or -1 with 'e' set (ERR_OUTPUT); after a failure, only
 * out_stream_abort() is left to call. */
int out_stream_write(out_stream *s, const float *x, size_t frames, err *e);

/* Frames written to 's' so far: where the next block starts, for cues. */
/* The same for 16-bit samples (s / 32767 in float terms): audio already on
 * the WAV's grid goes to it as it is, with no conversion. */
int out_stream_write16(out_stream *s, const short *x, size_t frames, err *e);
/* A WAV file read back block by block (to encode the other formats from it
 * in a worker).  NULL with 'e' set (ERR_IO); *rate set.  Release with
 * out_wav_close(). */
typedef struct out_wav_reader out_wav_reader;
out_wav_reader *out_wav_open(const char *path, int *rate, err *e);
/* Up to 'max' frames into 'x': the count, 0 at the end, -1 with 'e' set. */
long out_wav_read16(out_wav_reader *r, short *x, size_t max, err *e);
/* Accepts NULL. */
void out_wav_close(out_wav_reader *r);
size_t out_stream_frames(const out_stream *s);

/* Finishes every file of 's', adds 'n_cues' cue points with labels to the
 * WAV (frames past the end are refused, ERR_INTERNAL, 'cues' borrowed) and
 * renames each into place once all are complete.  Always releases 's'; on
 * failure (-1, 'e' set) the temporaries are removed, and only a failed
 * rename can leave some of the files in place. */
int out_stream_close(out_stream *s, const out_cue *cues, size_t n_cues, err *e);

/* Closes and removes every temporary file of 's' and releases it.  Accepts
 * NULL. */
void out_stream_abort(out_stream *s);

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
    const char *build_key;  /* hash of every input of the build, or NULL */
    double loudness_lufs;   /* the articles' integrated loudness target */
    unsigned formats;       /* out_format flags written beside each WAV */
    out_section *sections;
    size_t n_sections;
    const char *const *teasers;
    size_t n_teasers;
} out_manifest;

/* Writes the manifest as edition.json at 'path' (atomically), durations
 * rounded to milliseconds.  0 or -1 with 'e' set. */
int out_write_manifest(const char *path, const out_manifest *m, err *e);

/* The "build_key" of the manifest at 'path', or NULL (no manifest, not
 * JSON, no key: all mean "build it").  Caller free()s. */
char *out_manifest_build_key(const char *path);

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
