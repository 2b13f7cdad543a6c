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

int out_write_wav(const char *path, const audio *a, err *e)
{
    char *tmp = tmp_name(path, e);
    if (!tmp)
        return -1;
    int rc = -1;
    SF_INFO info = {0};
    info.samplerate = a->rate;
    info.channels = 1;
    info.format = SF_FORMAT_WAV | SF_FORMAT_PCM_16;
    SNDFILE *sf = sf_open(tmp, SFM_WRITE, &info);
    if (!sf) {
        err_set(e, ERR_OUTPUT, path, 0, 0, "cannot write WAV: %s", sf_strerror(NULL));
        goto out;
    }
    /* Clip rather than wrap if a sample strays past full scale. */
    sf_command(sf, SFC_SET_CLIPPING, NULL, SF_TRUE);
    sf_count_t n = a->frames ? sf_writef_float(sf, a->data, (sf_count_t)a->frames) : 0;
    if (n != (sf_count_t)a->frames) {
        err_set(e, ERR_OUTPUT, path, 0, 0, "cannot write WAV: %s", sf_strerror(sf));
        sf_close(sf);
        unlink(tmp);
        goto out;
    }
    if (sf_close(sf) != 0) {
        err_set(e, ERR_OUTPUT, path, 0, 0, "cannot write WAV: %s", sf_strerror(NULL));
        unlink(tmp);
        goto out;
    }
    rc = publish(tmp, path, e);
out:
    free(tmp);
    return rc;
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
         set(root, "generator", str_or_null(m->generator)) == 0;
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
