/* publish.c -- transcripts, chapters and the playlist; the helpers every
 * publish_*.c file shares (atomic writes, escaping, times).
 *
 * The model comes from main.c after the audio is written; nothing here
 * knows the pipeline.  Times are written to the millisecond: players seek
 * no finer, and WebVTT and JSON chapters take no more.
 */
#include "publish_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* ---- helpers ----------------------------------------------------------- */

char *pub_join(const char *dir, const char *rel, err *e)
{
    strbuf b = {0};
    if (strbuf_adds(&b, dir, e) < 0 || (rel && strbuf_addf(&b, e, "/%s", rel) < 0)) {
        strbuf_free(&b);
        return NULL;
    }
    return strbuf_take(&b);
}

int pub_put(const char *dir, const char *rel, const strbuf *b, err *e)
{
    char *path = pub_join(dir, rel, e), *tmp = NULL;
    int fd = -1, rc = -1;
    if (!path)
        return -1;
    strbuf t = {0};
    /* Beside the target, so rename() never crosses a file system; a
     * leftover ".name.tmp.PID" is swept away with the edition's temp
     * folder. */
    const char *slash = strrchr(path, '/');
    size_t dlen = slash ? (size_t)(slash - path) + 1 : 0;
    if (strbuf_add(&t, path, dlen, e) < 0 ||
        strbuf_addf(&t, e, ".%s.tmp.%ld", path + dlen, (long)getpid()) < 0)
        goto out;
    tmp = strbuf_take(&t);
    fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC, 0666);
    if (fd < 0) {
        err_set(e, ERR_OUTPUT, path, 0, 0, "publish: cannot create: %s", strerror(errno));
        goto out;
    }
    for (size_t done = 0; b->len > done;) {
        ssize_t w = write(fd, b->s + done, b->len - done);
        if (w < 0 && errno == EINTR)
            continue;
        if (w < 0) {
            err_set(e, ERR_OUTPUT, path, 0, 0, "publish: cannot write: %s", strerror(errno));
            goto out;
        }
        done += (size_t)w;
    }
    if (fsync(fd) < 0 || close(fd) < 0) {
        fd = -1;
        err_set(e, ERR_OUTPUT, path, 0, 0, "publish: cannot write: %s", strerror(errno));
        goto out;
    }
    fd = -1;
    if (rename(tmp, path) < 0) {
        err_set(e, ERR_OUTPUT, path, 0, 0, "publish: cannot rename into place: %s",
                strerror(errno));
        goto out;
    }
    rc = 0;
out:
    if (fd >= 0)
        close(fd);
    if (rc < 0 && tmp)
        unlink(tmp);
    strbuf_free(&t);
    free(tmp);
    free(path);
    return rc;
}

int pub_xml(strbuf *b, const char *s, int braces, err *e)
{
    for (const char *p = s; *p; p++) {
        const char *rep = NULL;
        char one[2] = {*p, 0};
        switch (*p) {
        case '&': rep = "&amp;"; break;
        case '<': rep = "&lt;"; break;
        case '>': rep = "&gt;"; break;
        case '"': rep = "&quot;"; break;
        case '\'': rep = "&#39;"; break;
        case '{': rep = braces ? "&#123;" : "{"; break;
        case '\t': case '\n': case '\r': rep = " "; break;
        default:
            /* XML 1.0 has no way to write other C0 controls at all. */
            rep = (unsigned char)*p < 0x20 || *p == 0x7f ? "" : one;
        }
        if (strbuf_adds(b, rep, e) < 0)
            return -1;
    }
    return 0;
}

int pub_json(strbuf *b, const char *s, err *e)
{
    if (strbuf_add(b, "\"", 1, e) < 0)
        return -1;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        int r;
        if (*p == '"' || *p == '\\')
            r = strbuf_addf(b, e, "\\%c", *p);
        else if (*p == '\n')
            r = strbuf_adds(b, "\\n", e);
        else if (*p < 0x20 || *p == 0x7f)
            r = strbuf_addf(b, e, "\\u%04x", *p);
        else
            r = strbuf_add(b, (const char *)p, 1, e);
        if (r < 0)
            return -1;
    }
    return strbuf_add(b, "\"", 1, e);
}

int pub_url(strbuf *b, const char *path, err *e)
{
    for (const unsigned char *p = (const unsigned char *)path; *p; p++) {
        int keep = (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
                   (*p >= '0' && *p <= '9') || strchr("-._~/", *p);
        int r = keep ? strbuf_add(b, (const char *)p, 1, e) : strbuf_addf(b, e, "%%%02X", *p);
        if (r < 0)
            return -1;
    }
    return 0;
}

int pub_vtt_time(strbuf *b, double s, err *e)
{
    long long ms = llround((s < 0 ? 0 : s) * 1000.0);
    return strbuf_addf(b, e, "%02lld:%02lld:%02lld.%03lld", ms / 3600000, ms / 60000 % 60,
                       ms / 1000 % 60, ms % 1000);
}

int pub_clock(strbuf *b, double s, err *e)
{
    long long t = llround(s < 0 ? 0 : s);
    return strbuf_addf(b, e, "%02lld:%02lld:%02lld", t / 3600, t / 60 % 60, t % 60);
}

const char *pub_ext(unsigned formats, int use)
{
    if (use == 'w' && (formats & PUB_OPUS))
        return "opus";
    if (formats & PUB_MP3)
        return "mp3";
    return "wav";
}

const char *pub_mime(const char *ext)
{
    if (!strcmp(ext, "mp3"))
        return "audio/mpeg";
    if (!strcmp(ext, "opus"))
        return "audio/ogg";
    if (!strcmp(ext, "flac"))
        return "audio/flac";
    return "audio/wav";
}

double pub_total(const pub_edition *ed)
{
    double t = ed->intro_base ? ed->intro_duration_s : 0;
    for (size_t i = 0; i < ed->n_sections; i++)
        t += ed->sections[i].duration_s;
    return t;
}

/* ---- the model's rules ------------------------------------------------- */

static int bad(err *e, const char *what, const char *s)
{
    char q[160];
    err_quote(s ? s : "(null)", s ? strlen(s) : 6, q, sizeof q);
    err_set(e, ERR_INTERNAL, NULL, 0, 0, "publish: %s: %s", what, q);
    return -1;
}

/* Relative, no "..", no empty part: it is joined to the edition folder
 * and put into URLs. */
static int good_base(const char *s)
{
    if (!s || !*s || *s == '/')
        return 0;
    for (const char *p = s; *p;) {
        size_t n = strcspn(p, "/");
        if (n == 0 || (n == 2 && !strncmp(p, "..", 2)) || (n == 1 && *p == '.'))
            return 0;
        p += n + (p[n] == '/');
    }
    return 1;
}

int pub_check(const pub_edition *ed, err *e)
{
    const char *d = ed->date;
    int date_ok = d && strlen(d) == 10 && d[4] == '-' && d[7] == '-';
    for (int i = 0; date_ok && i < 10; i++)
        date_ok = i == 4 || i == 7 || (d[i] >= '0' && d[i] <= '9');
    if (!date_ok)
        return bad(e, "date is not YYYY-MM-DD", d);
    if (!ed->paper || !*ed->paper)
        return bad(e, "no paper name", ed->paper);
    if (ed->intro_base && !good_base(ed->intro_base))
        return bad(e, "not a relative path", ed->intro_base);
    for (size_t i = 0; i < ed->n_sections; i++) {
        const pub_section *s = &ed->sections[i];
        if (!good_base(s->base))
            return bad(e, "not a relative path", s->base);
        for (size_t j = 0; j < s->n_articles; j++) {
            const pub_article *a = &s->articles[j];
            if (!good_base(a->base))
                return bad(e, "not a relative path", a->base);
            double t = 0;
            for (size_t k = 0; k < a->n_sentences; k++) {
                const pub_sentence *x = &a->sentences[k];
                /* A millisecond of slack: times come from frame counts
                 * converted between rates. */
                if (x->start_s < t - 1e-3 || x->end_s < x->start_s ||
                    x->end_s > a->duration_s + 1e-3 || !x->text)
                    return bad(e, "sentence times out of order", a->headline);
                t = x->end_s;
            }
        }
    }
    return 0;
}

/* ---- WebVTT ------------------------------------------------------------ */

/* One cue: times, then the text on one line.  Escaping '<' '&' '>' keeps
 * "-->" and tags out of the payload; newlines become spaces, so no cue
 * ever holds the blank line that would end it. */
static int vtt_cue(strbuf *b, size_t id, double from, double to, const char *text, err *e)
{
    if (strbuf_addf(b, e, "%zu\n", id) < 0 || pub_vtt_time(b, from, e) < 0 ||
        strbuf_adds(b, " --> ", e) < 0 || pub_vtt_time(b, to, e) < 0 ||
        strbuf_adds(b, "\n", e) < 0)
        return -1;
    for (const char *p = text; *p; p++) {
        const char *rep = *p == '&' ? "&amp;" : *p == '<' ? "&lt;" : *p == '>' ? "&gt;"
                        : (*p == '\n' || *p == '\r' || *p == '\t') ? " " : NULL;
        if (rep ? strbuf_adds(b, rep, e) < 0 : strbuf_add(b, p, 1, e) < 0)
            return -1;
    }
    return strbuf_adds(b, "\n\n", e);
}

static int article_cues(strbuf *b, const pub_article *a, double offset, size_t *id, err *e)
{
    for (size_t k = 0; k < a->n_sentences; k++) {
        const pub_sentence *x = &a->sentences[k];
        if (vtt_cue(b, ++*id, offset + x->start_s, offset + x->end_s, x->text, e) < 0)
            return -1;
    }
    return 0;
}

int pub_write_transcripts(const char *dir, const pub_edition *ed, err *e)
{
    if (pub_check(ed, e) < 0)
        return -1;
    strbuf b = {0}, sec = {0}, name = {0};
    int rc = -1;
    for (size_t i = 0; i < ed->n_sections; i++) {
        const pub_section *s = &ed->sections[i];
        size_t sid = 0;
        strbuf_free(&sec);
        if (strbuf_adds(&sec, "WEBVTT\n\n", e) < 0)
            goto out;
        for (size_t j = 0; j < s->n_articles; j++) {
            const pub_article *a = &s->articles[j];
            size_t id = 0;
            strbuf_free(&b);
            strbuf_free(&name);
            if (strbuf_adds(&b, "WEBVTT\n\n", e) < 0 || article_cues(&b, a, 0, &id, e) < 0 ||
                article_cues(&sec, a, a->offset_s, &sid, e) < 0 ||
                strbuf_addf(&name, e, "%s.vtt", a->base) < 0 || pub_put(dir, name.s, &b, e) < 0)
                goto out;
        }
        strbuf_free(&name);
        if (strbuf_addf(&name, e, "%s.vtt", s->base) < 0 || pub_put(dir, name.s, &sec, e) < 0)
            goto out;
    }
    rc = 0;
out:
    strbuf_free(&b);
    strbuf_free(&sec);
    strbuf_free(&name);
    return rc;
}

/* ---- JSON chapters ----------------------------------------------------- */

/* Podcasting 2.0 JSON Chapters 1.2.0: {"version", "chapters": [{startTime,
 * title}]}, startTime in seconds, one chapter per article of the section. */
int pub_write_chapters(const char *dir, const pub_edition *ed, err *e)
{
    if (pub_check(ed, e) < 0)
        return -1;
    strbuf b = {0}, name = {0};
    int rc = -1;
    for (size_t i = 0; i < ed->n_sections; i++) {
        const pub_section *s = &ed->sections[i];
        strbuf_free(&b);
        strbuf_free(&name);
        if (strbuf_adds(&b, "{\n  \"version\": \"1.2.0\",\n  \"title\": ", e) < 0 ||
            pub_json(&b, s->name, e) < 0 || strbuf_adds(&b, ",\n  \"chapters\": [", e) < 0)
            goto out;
        for (size_t j = 0; j < s->n_articles; j++) {
            const pub_article *a = &s->articles[j];
            if (strbuf_addf(&b, e, "%s\n    {\"startTime\": %.3f, \"endTime\": %.3f, \"title\": ",
                            j ? "," : "", a->offset_s, a->offset_s + a->duration_s) < 0 ||
                pub_json(&b, a->headline, e) < 0 || strbuf_adds(&b, "}", e) < 0)
                goto out;
        }
        if (strbuf_adds(&b, "\n  ]\n}\n", e) < 0 ||
            strbuf_addf(&name, e, "%s.chapters.json", s->base) < 0 ||
            pub_put(dir, name.s, &b, e) < 0)
            goto out;
    }
    rc = 0;
out:
    strbuf_free(&b);
    strbuf_free(&name);
    return rc;
}

/* ---- playlist ---------------------------------------------------------- */

static int m3u_entry(strbuf *b, double secs, const char *title, const char *base,
                     const char *ext, err *e)
{
    /* A title is one line: a newline would start a new entry. */
    if (strbuf_addf(b, e, "#EXTINF:%.3f,", secs) < 0)
        return -1;
    for (const char *p = title; *p; p++)
        if (strbuf_add(b, *p == '\n' || *p == '\r' ? " " : p, 1, e) < 0)
            return -1;
    return strbuf_addf(b, e, "\n%s.%s\n", base, ext);
}

int pub_write_playlist(const char *dir, const pub_edition *ed, err *e)
{
    if (pub_check(ed, e) < 0)
        return -1;
    strbuf b = {0}, t = {0};
    int rc = -1;
    /* Players on phones follow MP3 everywhere; WAV is always there. */
    const char *ext = pub_ext(ed->formats, 'f');
    if (strbuf_adds(&b, "#EXTM3U\n", e) < 0 ||
        strbuf_addf(&b, e, "#PLAYLIST:%s %s\n", ed->paper, ed->date) < 0)
        goto out;
    if (ed->intro_base &&
        (strbuf_addf(&t, e, "%s %s", ed->paper, ed->date) < 0 ||
         m3u_entry(&b, ed->intro_duration_s, t.s, ed->intro_base, ext, e) < 0))
        goto out;
    for (size_t i = 0; i < ed->n_sections; i++) {
        const pub_section *s = &ed->sections[i];
        if (m3u_entry(&b, s->duration_s, s->name, s->base, ext, e) < 0)
            goto out;
    }
    rc = pub_put(dir, "edition.m3u8", &b, e);
out:
    strbuf_free(&b);
    strbuf_free(&t);
    return rc;
}

/* ---- everything -------------------------------------------------------- */

int pub_write_edition(const char *dir, const pub_edition *ed, err *e)
{
    if (pub_check(ed, e) < 0 || pub_write_transcripts(dir, ed, e) < 0 ||
        pub_write_chapters(dir, ed, e) < 0 || pub_write_playlist(dir, ed, e) < 0 ||
        pub_write_feed_items(dir, ed, e) < 0 || pub_write_daisy(dir, ed, e) < 0 ||
        pub_write_page(dir, ed, e) < 0)
        return -1;
    return 0;
}
