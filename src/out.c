/* out.c -- files on disk: WAV through libsndfile, JSON through jansson.
 *
 * Every file goes to "<dir>/.<name>.tmp.<pid>" first and is renamed over its
 * final name only when complete and flushed, so a player or a crash never
 * sees half a file.  Float audio becomes 16-bit PCM here and nowhere else
 * (libsndfile converts and clips; the mix keeps peaks below full scale).
 */
#define _XOPEN_SOURCE 700 /* nftw */
#include "out.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <jansson.h>
#include <math.h>
#include <sndfile.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "str.h"
#include "utf8.h"

/* "<dir>/.<base>.tmp.<pid>" beside 'path'. */
static char *tmp_name(const char *path, err *e)
{
    const char *slash = strrchr(path, '/');
    size_t dirlen = slash ? (size_t)(slash - path + 1) : 0;
    strbuf b = {0};
    if (strbuf_add(&b, path, dirlen, e) < 0 ||
        strbuf_addf(&b, e, ".%s.tmp.%ld", path + dirlen, (long)getpid()) < 0) {
        strbuf_free(&b);
        return NULL;
    }
    return strbuf_take(&b);
}

static int publish(const char *tmp, const char *path, err *e)
{
    if (rename(tmp, path) < 0) {
        err_set(e, ERR_OUTPUT, path, 0, 0, "cannot rename into place: %s", strerror(errno));
        unlink(tmp);
        return -1;
    }
    return 0;
}

int out_write_file(const char *path, const char *data, size_t len, err *e)
{
    char *tmp = tmp_name(path, e);
    if (!tmp)
        return -1;
    int rc = -1;
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
    if (fd < 0) {
        err_set(e, ERR_OUTPUT, path, 0, 0, "cannot write: %s", strerror(errno));
        goto out;
    }
    size_t done = 0;
    while (done < len) {
        ssize_t n = write(fd, data + done, len - done);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            err_set(e, ERR_OUTPUT, path, 0, 0, "cannot write: %s", strerror(errno));
            close(fd);
            unlink(tmp);
            goto out;
        }
        done += (size_t)n;
    }
    if (close(fd) < 0) {
        err_set(e, ERR_OUTPUT, path, 0, 0, "cannot write: %s", strerror(errno));
        unlink(tmp);
        goto out;
    }
    rc = publish(tmp, path, e);
out:
    free(tmp);
    return rc;
}

/* ---- audio files ------------------------------------------------------ */

int out_opus_rate_ok(int rate)
{
    return rate == 8000 || rate == 12000 || rate == 16000 || rate == 24000 || rate == 48000;
}

static const char *format_name(out_format f)
{
    return f == OUT_MP3 ? "MP3" : f == OUT_OPUS ? "Opus" : f == OUT_FLAC ? "FLAC" : "WAV";
}

/* libsndfile picks an encoder's bitrate from a "compression level" in
 * [0, 1].  Measured on Debian's libsndfile 1.2.0 (frame headers read back):
 * for MP3 the level runs linearly over the layer's bitrate range (320..32
 * kb/s for MPEG-1 at 32000-48000 Hz, 160..8 for MPEG-2 at 16000-24000,
 * 64..8 for MPEG-2.5 below) and LAME snaps to the nearest legal rate; for
 * Opus it runs from 256 kb/s down to 6 kb/s. */
static double compression_level(out_format f, int rate)
{
    double hi, lo, want;
    if (f == OUT_OPUS) {
        hi = 256, lo = 6, want = OUT_OPUS_KBPS;
    } else if (rate >= 32000) {
        hi = 320, lo = 32, want = OUT_MP3_KBPS;
    } else if (rate >= 16000) {
        hi = 160, lo = 8, want = 32;
    } else {
        hi = 64, lo = 8, want = 32;
    }
    return (hi - want) / (hi - lo);
}

static void put32(unsigned char *p, uint32_t v)
{
    p[0] = (unsigned char)v, p[1] = (unsigned char)(v >> 8);
    p[2] = (unsigned char)(v >> 16), p[3] = (unsigned char)(v >> 24);
}

/* Length of 'label' cut to 255 bytes at a character boundary. */
static size_t label_len(const char *label)
{
    size_t n = label ? strlen(label) : 0;
    if (n <= 255)
        return n;
    n = 255;
    while (n > 0 && ((unsigned char)label[n] & 0xc0) == 0x80)
        n--;
    return n;
}

/* libsndfile 1.2 drops SF_CUE_POINT.name, and takes cue points only before
 * the first sample is written (SFC_SET_CUE then fails with "file already
 * has audio data"), when a streamed section does not know them yet.  So
 * libsndfile writes the plain WAV and we append, after sf_close(), a 'cue '
 * chunk and a LIST/adtl chunk of 'labl's after 'data' (legal RIFF: editors
 * write them there, and libsndfile, sox and players read past 'data'),
 * with the RIFF size at byte 4 grown to match.  Each 'labl' names its cue
 * by the cue's id (1-based).  Whole files and streams share this, so both
 * are byte for byte the same. */
static int append_cues(const char *tmp, const char *path, const out_cue *cues, size_t n, err *e)
{
    size_t cue_len = 4 + 24 * n, list_len = 4; /* count + points; "adtl" */
    for (size_t i = 0; i < n; i++) {
        size_t sz = 4 + label_len(cues[i].label) + 1;
        list_len += 8 + sz + (sz & 1);
    }
    unsigned char *buf = malloc(8 + cue_len + 8 + list_len);
    if (!buf) {
        err_set(e, ERR_NOMEM, path, 0, 0, "out of memory for cue points");
        return -1;
    }
    memcpy(buf, "cue ", 4);
    put32(buf + 4, (uint32_t)cue_len);
    put32(buf + 8, (uint32_t)n);
    size_t at = 12;
    for (size_t i = 0; i < n; i++, at += 24) {
        /* id, position, 'data', chunk start, block start, sample offset:
         * the fields libsndfile itself would write. */
        put32(buf + at, (uint32_t)(i + 1));
        put32(buf + at + 4, (uint32_t)cues[i].frame);
        memcpy(buf + at + 8, "data", 4);
        put32(buf + at + 12, 0);
        put32(buf + at + 16, 0);
        put32(buf + at + 20, (uint32_t)cues[i].frame);
    }
    memcpy(buf + at, "LIST", 4);
    put32(buf + at + 4, (uint32_t)list_len);
    memcpy(buf + at + 8, "adtl", 4);
    at += 12;
    for (size_t i = 0; i < n; i++) {
        size_t ll = label_len(cues[i].label), sz = 4 + ll + 1;
        memcpy(buf + at, "labl", 4);
        put32(buf + at + 4, (uint32_t)sz);
        put32(buf + at + 8, (uint32_t)(i + 1));
        if (ll)
            memcpy(buf + at + 12, cues[i].label, ll);
        buf[at + 12 + ll] = '\0';
        at += 8 + sz;
        if (sz & 1)
            buf[at++] = '\0';
    }
    int rc = -1;
    errno = 0;
    FILE *f = fopen(tmp, "r+b");
    unsigned char riff[4];
    long end;
    if (!f || fseek(f, 0, SEEK_END) != 0 || (end = ftell(f)) < 12 || (end & 1))
        goto fail;
    if (fwrite(buf, 1, at, f) != at || fseek(f, 4, SEEK_SET) != 0)
        goto fail;
    put32(riff, (uint32_t)((size_t)end + at - 8));
    if (fwrite(riff, 1, 4, f) != 4)
        goto fail;
    rc = 0;
fail:
    if (f && fclose(f) != 0)
        rc = -1;
    if (rc < 0)
        err_set(e, ERR_OUTPUT, path, 0, 0, "cannot write cue points: %s",
                errno ? strerror(errno) : "unexpected WAV layout");
    free(buf);
    return rc;
}

/* Opens 'tmp' (to become 'path', named in messages) as mono 'fmt' at
 * 'rate', with clipping and the bitrate set.  NULL with 'e' set and
 * nothing left on disk on failure. */
static SNDFILE *open_sf(const char *tmp, const char *path, int rate, out_format fmt, err *e)
{
    const char *what = format_name(fmt);
    SF_INFO info = {0};
    info.samplerate = rate;
    info.channels = 1;
    info.format = fmt == OUT_MP3    ? SF_FORMAT_MPEG | SF_FORMAT_MPEG_LAYER_III
                  : fmt == OUT_OPUS ? SF_FORMAT_OGG | SF_FORMAT_OPUS
                  : fmt == OUT_FLAC ? SF_FORMAT_FLAC | SF_FORMAT_PCM_16
                                    : SF_FORMAT_WAV | SF_FORMAT_PCM_16;
    SNDFILE *sf = sf_open(tmp, SFM_WRITE, &info);
    if (!sf) {
        err_set(e, ERR_OUTPUT, path, 0, 0, "cannot write %s: %s", what, sf_strerror(NULL));
        return NULL;
    }
    /* Clip rather than wrap if a sample strays past full scale. */
    sf_command(sf, SFC_SET_CLIPPING, NULL, SF_TRUE);
    const char *setup = NULL;
    if (fmt == OUT_MP3) {
        /* libsndfile 1.2.0 returns SF_FALSE from SFC_SET_BITRATE_MODE even
         * when it takes: ask back instead. */
        int mode = SF_BITRATE_MODE_CONSTANT;
        sf_command(sf, SFC_SET_BITRATE_MODE, &mode, sizeof mode);
        if (sf_command(sf, SFC_GET_BITRATE_MODE, NULL, 0) != SF_BITRATE_MODE_CONSTANT)
            setup = "constant bitrate refused";
    }
    if (!setup && (fmt == OUT_MP3 || fmt == OUT_OPUS)) {
        double level = compression_level(fmt, rate);
        if (sf_command(sf, SFC_SET_COMPRESSION_LEVEL, &level, sizeof level) != SF_TRUE)
            setup = "bitrate refused";
    }
    if (setup) {
        err_set(e, ERR_OUTPUT, path, 0, 0, "cannot write %s: %s: %s", what, setup,
                sf_strerror(sf));
        sf_close(sf);
        unlink(tmp);
        return NULL;
    }
    return sf;
}

/* ---- streams: every file of one audio, written block by block ---------- */

typedef struct stream_file {
    out_format fmt;
    SNDFILE *sf;    /* NULL once closed */
    char *path;     /* final name */
    char *tmp;      /* NULL once renamed into place or removed */
} stream_file;

struct out_stream {
    int rate;
    size_t frames;
    size_t n;
    stream_file f[4];
};

void out_stream_abort(out_stream *s)
{
    if (!s)
        return;
    for (size_t i = 0; i < s->n; i++) {
        if (s->f[i].sf)
            sf_close(s->f[i].sf);
        if (s->f[i].tmp)
            unlink(s->f[i].tmp);
        free(s->f[i].tmp);
        free(s->f[i].path);
    }
    free(s);
}

/* Adds the file 'path' (taken over, freed here on failure) in 'fmt' to
 * 's', opened under a temporary name.  0 or -1 with 'e' set. */
static int stream_add(out_stream *s, char *path, out_format fmt, err *e)
{
    if (!path)
        return -1;
    stream_file *f = &s->f[s->n++];
    f->fmt = fmt;
    f->path = path;
    if (!(f->tmp = tmp_name(path, e)))
        return -1;
    if (!(f->sf = open_sf(f->tmp, path, s->rate, fmt, e))) {
        free(f->tmp);
        f->tmp = NULL;
        return -1;
    }
    return 0;
}

static out_stream *stream_new(const char *path, int rate, err *e)
{
    if (rate <= 0) {
        err_set(e, ERR_INTERNAL, path, 0, 0, "audio at %d Hz", rate);
        return NULL;
    }
    out_stream *s = calloc(1, sizeof *s);
    if (!s)
        err_set(e, ERR_NOMEM, path, 0, 0, "out of memory");
    else
        s->rate = rate;
    return s;
}

static int need_opus_rate(const char *path, int rate, err *e)
{
    if (out_opus_rate_ok(rate))
        return 0;
    err_set(e, ERR_CONFIG, path, 0, 0,
            "Opus needs 8000, 12000, 16000, 24000 or 48000 Hz, not %d Hz", rate);
    return -1;
}

out_stream *out_stream_open(const char *wav_path, int rate, unsigned formats, err *e)
{
    size_t len = strlen(wav_path);
    if (len < 5 || strcmp(wav_path + len - 4, ".wav") != 0) {
        err_set(e, ERR_INTERNAL, wav_path, 0, 0, "audio file name does not end in .wav");
        return NULL;
    }
    if ((formats & OUT_OPUS) && need_opus_rate(wav_path, rate, e) < 0)
        return NULL;
    out_stream *s = stream_new(wav_path, rate, e);
    if (!s)
        return NULL;
    static const struct { out_format f; const char *ext; } kinds[] = {
        {OUT_WAV, "wav"}, {OUT_MP3, "mp3"}, {OUT_OPUS, "opus"}, {OUT_FLAC, "flac"},
    };
    for (size_t k = 0; k < sizeof kinds / sizeof *kinds; k++) {
        if (!(formats & kinds[k].f))
            continue;
        strbuf b = {0};
        if (strbuf_add(&b, wav_path, len - 3, e) < 0 || strbuf_adds(&b, kinds[k].ext, e) < 0) {
            strbuf_free(&b);
            goto fail;
        }
        if (stream_add(s, strbuf_take(&b), kinds[k].f, e) < 0)
            goto fail;
    }
    return s;
fail:
    out_stream_abort(s);
    return NULL;
}

/* Every file of 's' takes 'frames' frames of 'x', floats or shorts as
 * 'shorts' says (libsndfile converts to each file's encoding). */
static int stream_write(out_stream *s, const void *x, int shorts, size_t frames, err *e)
{
    for (size_t i = 0; i < s->n && frames; i++) {
        sf_count_t n = shorts ? sf_writef_short(s->f[i].sf, x, (sf_count_t)frames)
                              : sf_writef_float(s->f[i].sf, x, (sf_count_t)frames);
        if (n != (sf_count_t)frames) {
            err_set(e, ERR_OUTPUT, s->f[i].path, 0, 0, "cannot write %s: %s",
                    format_name(s->f[i].fmt), sf_strerror(s->f[i].sf));
            return -1;
        }
    }
    s->frames += frames;
    return 0;
}

int out_stream_write(out_stream *s, const float *x, size_t frames, err *e)
{
    return stream_write(s, x, 0, frames, e);
}

int out_stream_write16(out_stream *s, const short *x, size_t frames, err *e)
{
    return stream_write(s, x, 1, frames, e);
}

struct out_wav_reader {
    SNDFILE *sf;
    char *path;
    int rate;
};

out_wav_reader *out_wav_open(const char *path, int *rate, err *e)
{
    out_wav_reader *r = calloc(1, sizeof *r);
    SF_INFO info = {0};
    if (!r || !(r->path = strdup(path))) {
        free(r);
        err_set(e, ERR_NOMEM, path, 0, 0, "out of memory");
        return NULL;
    }
    if (!(r->sf = sf_open(path, SFM_READ, &info)) || info.channels != 1) {
        err_set(e, ERR_IO, path, 0, 0, "cannot read: %s",
                r->sf ? "not a mono file" : sf_strerror(NULL));
        out_wav_close(r);
        return NULL;
    }
    *rate = r->rate = info.samplerate;
    return r;
}

long out_wav_read16(out_wav_reader *r, short *x, size_t max, err *e)
{
    sf_count_t n = sf_readf_short(r->sf, x, (sf_count_t)max);
    if (n < 0 || sf_error(r->sf) != SF_ERR_NO_ERROR) {
        err_set(e, ERR_IO, r->path, 0, 0, "cannot read: %s", sf_strerror(r->sf));
        return -1;
    }
    return (long)n;
}

void out_wav_close(out_wav_reader *r)
{
    if (!r)
        return;
    if (r->sf)
        sf_close(r->sf);
    free(r->path);
    free(r);
}

size_t out_stream_frames(const out_stream *s)
{
    return s->frames;
}

int out_stream_close(out_stream *s, const out_cue *cues, size_t n_cues, err *e)
{
    int rc = -1;
    for (size_t i = 0; i < n_cues; i++)
        if (cues[i].frame > s->frames || cues[i].frame > UINT32_MAX) {
            err_set(e, ERR_INTERNAL, s->n ? s->f[0].path : NULL, 0, 0,
                    "cue %zu at frame %zu is past the end (%zu)", i + 1, cues[i].frame,
                    s->frames);
            goto out;
        }
    /* Every file complete before any is renamed: a failure publishes
     * nothing. */
    for (size_t i = 0; i < s->n; i++) {
        stream_file *f = &s->f[i];
        int r = sf_close(f->sf);
        f->sf = NULL;
        if (r != 0) {
            err_set(e, ERR_OUTPUT, f->path, 0, 0, "cannot write %s: %s", format_name(f->fmt),
                    sf_strerror(NULL));
            goto out;
        }
        if (f->fmt == OUT_WAV && n_cues && append_cues(f->tmp, f->path, cues, n_cues, e) < 0)
            goto out;
    }
    for (size_t i = 0; i < s->n; i++) {
        stream_file *f = &s->f[i];
        int r = publish(f->tmp, f->path, e);
        free(f->tmp);
        f->tmp = NULL;
        if (r < 0)
            goto out;
    }
    rc = 0;
out:
    out_stream_abort(s);
    return rc;
}

/* ---- whole buffers: a stream written at once -------------------------- */

/* Writes all of 'a' to 's' and closes it (with 'cues' in its WAV). */
static int write_all(out_stream *s, const audio *a, const out_cue *cues, size_t n_cues, err *e)
{
    if (!s)
        return -1;
    if (out_stream_write(s, a->data, a->frames, e) < 0) {
        out_stream_abort(s);
        return -1;
    }
    return out_stream_close(s, cues, n_cues, e);
}

/* 'a' as the one format 'fmt' at 'path', whatever its name. */
static int write_one(const char *path, const audio *a, out_format fmt, const out_cue *cues,
                     size_t n_cues, err *e)
{
    if (fmt == OUT_OPUS && need_opus_rate(path, a->rate, e) < 0)
        return -1;
    out_stream *s = stream_new(path, a->rate, e);
    if (s && stream_add(s, str_dup(path, strlen(path), e), fmt, e) < 0) {
        out_stream_abort(s);
        return -1;
    }
    return write_all(s, a, cues, n_cues, e);
}

int out_write_wav(const char *path, const audio *a, err *e)
{
    return write_one(path, a, OUT_WAV, NULL, 0, e);
}

int out_write_wav_cues(const char *path, const audio *a, const out_cue *cues, size_t n_cues,
                       err *e)
{
    return write_one(path, a, OUT_WAV, cues, n_cues, e);
}

int out_write_encoded(const char *path, const audio *a, out_format fmt, err *e)
{
    if (fmt != OUT_WAV && fmt != OUT_MP3 && fmt != OUT_OPUS && fmt != OUT_FLAC) {
        err_set(e, ERR_INTERNAL, path, 0, 0, "unknown audio format %d", (int)fmt);
        return -1;
    }
    return write_one(path, a, fmt, NULL, 0, e);
}

int out_write_formats(const char *wav_path, const audio *a, unsigned formats,
                      const out_cue *cues, size_t n_cues, err *e)
{
    return write_all(out_stream_open(wav_path, a->rate, formats, e), a, cues, n_cues, e);
}

int out_mkdirs(const char *path, err *e)
{
    char *p = str_dup(path, strlen(path), e);
    if (!p)
        return -1;
    int rc = 0;
    for (char *s = p + 1;; s++) {
        if (*s == '/' || *s == '\0') {
            char c = *s;
            *s = '\0';
            if (mkdir(p, 0777) < 0 && errno != EEXIST) {
                err_set(e, ERR_OUTPUT, p, 0, 0, "cannot create folder: %s", strerror(errno));
                rc = -1;
                break;
            }
            struct stat st;
            if (stat(p, &st) < 0 || !S_ISDIR(st.st_mode)) {
                err_set(e, ERR_OUTPUT, p, 0, 0, "not a folder");
                rc = -1;
                break;
            }
            *s = c;
            if (!c)
                break;
        }
    }
    free(p);
    return rc;
}

char *out_file_name(int index, const char *title, size_t max, err *e)
{
    strbuf b = {0};
    if (strbuf_addf(&b, e, "%02d-", index) < 0)
        return NULL;
    size_t len = strlen(title), i = 0;
    int space = 0;
    while (i < len) {
        size_t at = i;
        int32_t cp = utf8_next(title, len, &i);
        const char *rep = NULL;
        /* Slashes, controls, invalid bytes and characters that file
         * managers and FAT/NTFS copies reject become nothing or '_'. */
        if (cp < 0 || cp < 0x20 || cp == 0x7f || (cp >= 0x80 && cp < 0xa0) || cp == 0xfeff ||
            (cp >= 0x200b && cp <= 0x200f) || (cp >= 0x202a && cp <= 0x202e))
            continue;
        if (cp == '/' || cp == '\\' || cp == ':' || cp == '*' || cp == '?' || cp == '"' ||
            cp == '<' || cp == '>' || cp == '|')
            rep = "_";
        else if (cp == ' ' || cp == '\t' || cp == 0x3000) {
            space = 1;
            continue;
        }
        size_t n = rep ? 1 : i - at;
        if (b.len + n + (space ? 1 : 0) > max)
            break;
        if (space && b.len > 3 && strbuf_add(&b, " ", 1, e) < 0)
            goto fail;
        space = 0;
        if (strbuf_add(&b, rep ? rep : title + at, n, e) < 0)
            goto fail;
    }
    /* Never a trailing dot or space (Windows copies lose them). */
    while (b.len > 3 && (b.s[b.len - 1] == '.' || b.s[b.len - 1] == ' '))
        b.s[--b.len] = '\0';
    return strbuf_take(&b);
fail:
    strbuf_free(&b);
    return NULL;
}

/* ---- JSON --------------------------------------------------------------- */

static double ms(double s)
{
    return round(s * 1000.0) / 1000.0;
}

/* jansson's setters steal a reference; a NULL value means out of memory. */
static int set(json_t *o, const char *k, json_t *v)
{
    return v && json_object_set_new(o, k, v) == 0 ? 0 : -1;
}

static json_t *str_or_null(const char *s)
{
    return s ? json_string(s) : json_null();
}

int out_write_manifest(const char *path, const out_manifest *m, err *e)
{
    json_t *root = json_object(), *secs = json_array(), *teasers = json_array();
    int ok = root && secs && teasers;
    ok = ok && set(root, "paper", json_string(m->paper)) == 0 &&
         set(root, "date", str_or_null(m->date)) == 0 &&
         set(root, "weekday", str_or_null(m->weekday)) == 0 &&
         set(root, "lunar_date", str_or_null(m->lunar)) == 0 &&
         set(root, "issue", str_or_null(m->issue)) == 0 &&
         set(root, "pages", m->pages ? json_integer(m->pages) : json_null()) == 0 &&
         set(root, "serial", str_or_null(m->serial)) == 0 &&
         set(root, "sample_rate", json_integer(m->sample_rate)) == 0 &&
         set(root, "voice", str_or_null(m->voice)) == 0 &&
         set(root, "generator", str_or_null(m->generator)) == 0 &&
         set(root, "loudness_lufs", json_real(m->loudness_lufs)) == 0 &&
         set(root, "build_key", str_or_null(m->build_key)) == 0;
    json_t *fmts = ok ? json_array() : NULL;
    static const struct { unsigned flag; const char *name; } names[] = {
        {OUT_WAV, "wav"}, {OUT_MP3, "mp3"}, {OUT_OPUS, "opus"}, {OUT_FLAC, "flac"}};
    for (size_t i = 0; ok && fmts && i < sizeof names / sizeof *names; i++)
        if ((m->formats | OUT_WAV) & names[i].flag)
            ok = json_array_append_new(fmts, json_string(names[i].name)) == 0;
    ok = ok && fmts && set(root, "formats", fmts) == 0;
    json_t *intro = ok ? json_object() : NULL;
    ok = ok && intro && set(intro, "file", json_string(m->intro_file)) == 0 &&
         set(intro, "duration_s", json_real(ms(m->intro_duration_s))) == 0 &&
         set(root, "intro", intro) == 0;
    for (size_t i = 0; ok && i < m->n_teasers; i++)
        ok = json_array_append_new(teasers, json_string(m->teasers[i])) == 0;
    for (size_t i = 0; ok && i < m->n_sections; i++) {
        const out_section *s = &m->sections[i];
        json_t *js = json_object(), *arts = json_array();
        ok = js && arts && set(js, "name", json_string(s->name)) == 0 &&
             set(js, "file", json_string(s->file)) == 0 &&
             set(js, "duration_s", json_real(ms(s->duration_s))) == 0;
        for (size_t j = 0; ok && j < s->n_articles; j++) {
            const out_article *a = &s->articles[j];
            json_t *ja = json_object();
            ok = ja && set(ja, "headline", json_string(a->headline)) == 0 &&
                 set(ja, "dateline", str_or_null(a->dateline)) == 0 &&
                 set(ja, "file", json_string(a->file)) == 0 &&
                 set(ja, "duration_s", json_real(ms(a->duration_s))) == 0 &&
                 set(ja, "offset_s", json_real(ms(a->offset_s))) == 0 &&
                 set(ja, "syllables", json_integer((json_int_t)a->syllables)) == 0 &&
                 json_array_append_new(arts, ja) == 0;
        }
        /* On failure the references are lost: out of memory, the process
         * is about to end with an error anyway. */
        ok = ok && set(js, "articles", arts) == 0 && json_array_append_new(secs, js) == 0;
    }
    ok = ok && set(root, "sections", secs) == 0;
    ok = ok && set(root, "teasers", teasers) == 0;
    if (!ok) {
        json_decref(root);
        err_set(e, ERR_NOMEM, path, 0, 0, "out of memory building the manifest");
        return -1;
    }
    char *text = json_dumps(root, JSON_INDENT(2) | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(10));
    json_decref(root);
    if (!text) {
        err_set(e, ERR_NOMEM, path, 0, 0, "out of memory writing the manifest");
        return -1;
    }
    strbuf b = {0};
    int rc = strbuf_adds(&b, text, e) == 0 && strbuf_add(&b, "\n", 1, e) == 0
                 ? out_write_file(path, b.s, b.len, e)
                 : -1;
    free(text);
    strbuf_free(&b);
    return rc;
}

char *out_manifest_build_key(const char *path)
{
    json_error_t je;
    json_t *m = json_load_file(path, 0, &je);
    const char *k = m ? json_string_value(json_object_get(m, "build_key")) : NULL;
    char *r = k ? strdup(k) : NULL;
    json_decref(m);
    return r;
}

static json_t *segs_json(const out_script_seg *v, size_t n)
{
    json_t *arr = json_array();
    for (size_t i = 0; arr && i < n; i++) {
        json_t *o = json_object();
        if (!o || set(o, "kind", json_string(v[i].kind)) < 0 ||
            set(o, "text", json_string(v[i].text)) < 0 ||
            set(o, "spoken", str_or_null(v[i].spoken)) < 0 ||
            set(o, "pinyin", str_or_null(v[i].pinyin)) < 0 || json_array_append_new(arr, o) < 0) {
            json_decref(o);
            json_decref(arr);
            return NULL;
        }
    }
    return arr;
}

char *out_script_json(const out_script_seg *intro, size_t n_intro,
                      const out_script_section *secs, size_t n_secs, err *e)
{
    json_t *root = json_object(), *jsecs = json_array();
    int ok = root && jsecs && set(root, "intro", segs_json(intro, n_intro)) == 0;
    for (size_t i = 0; ok && i < n_secs; i++) {
        json_t *js = json_object(), *arts = json_array();
        ok = js && arts && set(js, "name", json_string(secs[i].name)) == 0 &&
             set(js, "intro", segs_json(secs[i].intro, secs[i].n_intro)) == 0;
        for (size_t j = 0; ok && j < secs[i].n_articles; j++) {
            const out_script_article *a = &secs[i].articles[j];
            json_t *ja = json_object();
            ok = ja && set(ja, "headline", json_string(a->headline)) == 0 &&
                 set(ja, "segments", segs_json(a->segs, a->n_segs)) == 0 &&
                 json_array_append_new(arts, ja) == 0;
        }
        ok = ok && set(js, "articles", arts) == 0 && json_array_append_new(jsecs, js) == 0;
    }
    ok = ok && set(root, "sections", jsecs) == 0;
    char *text = ok ? json_dumps(root, JSON_INDENT(2) | JSON_PRESERVE_ORDER) : NULL;
    json_decref(root);
    if (!text)
        err_set(e, ERR_NOMEM, NULL, 0, 0, "out of memory building the script");
    return text;
}

static int remove_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)ftw;
    return flag == FTW_DP ? rmdir(path) : unlink(path);
}

int out_remove_tree(const char *path, err *e)
{
    struct stat st;
    if (lstat(path, &st) < 0)
        return errno == ENOENT ? 0 : (err_set(e, ERR_OUTPUT, path, 0, 0, "cannot remove: %s", strerror(errno)), -1);
    /* FTW_PHYS: never follow a symbolic link out of the tree. */
    if (nftw(path, remove_one, 16, FTW_DEPTH | FTW_PHYS) < 0) {
        err_set(e, ERR_OUTPUT, path, 0, 0, "cannot remove: %s", strerror(errno));
        return -1;
    }
    return 0;
}
