/* publish_daisy.c -- a DAISY 2.02 talking book of the edition, in daisy/.
 *
 * Decisions, and why:
 * - ncc:multimediaType "audioFullText": we have every sentence's text and
 *   its exact place in the audio, so content.html holds the text and each
 *   SMIL par pairs one sentence with its clip.  Players show or braille
 *   the sentence being read and step sentence by sentence; "audioNcc"
 *   would throw that text away.
 * - DAISY 2.02 keeps a book in one folder with plain file names, so the
 *   audio is linked into daisy/ under names made from indices (intro.mp3,
 *   s01.mp3, s01a02.mp3): hard links cost no space; a copy where a link
 *   cannot be made.  MP3 (constant bit rate, as players expect) when it
 *   was written, else the WAV, which DAISY 2.02 also allows.
 * - Section headings need audio of their own: the section file's start,
 *   up to its first article (the spoken "第一版" and the chime), in s01.smil.
 * - master.smil is written too: 2.02 players do not need it, but some
 *   production tools look for it.
 * Only numeric character references and the five XML entities are used,
 * so the files are well-formed XML without their DTDs.
 */
#include "publish_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

typedef struct book {
    const char *dir;       /* the edition folder */
    char *daisy;           /* its daisy/ */
    const pub_edition *ed;
    const char *ext;       /* "mp3" or "wav" */
    strbuf id;             /* dc:identifier */
    strbuf title;
    size_t files;          /* for ncc:files */
} book;

static int copy_file(const char *from, const char *to, err *e)
{
    strbuf b = {0};
    char buf[65536];
    int rc = -1;
    int fd = open(from, O_RDONLY);
    if (fd < 0) {
        err_set(e, ERR_OUTPUT, from, 0, 0, "publish: cannot read audio: %s", strerror(errno));
        return -1;
    }
    for (;;) {
        ssize_t n = read(fd, buf, sizeof buf);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            err_set(e, ERR_OUTPUT, from, 0, 0, "publish: cannot read audio: %s", strerror(errno));
            goto out;
        }
        if (n == 0)
            break;
        if (strbuf_add(&b, buf, (size_t)n, e) < 0)
            goto out;
    }
    if (!b.s && strbuf_adds(&b, "", e) < 0)
        goto out;
    rc = pub_put(to, NULL, &b, e);
out:
    close(fd);
    strbuf_free(&b);
    return rc;
}

/* Puts 'base'.ext of the edition at daisy/'name'.ext. */
static int link_audio(book *bk, const char *base, const char *name, err *e)
{
    strbuf s = {0}, d = {0};
    char *from = NULL, *to = NULL;
    int rc = -1;
    if (strbuf_addf(&s, e, "%s.%s", base, bk->ext) < 0 ||
        strbuf_addf(&d, e, "%s.%s", name, bk->ext) < 0 ||
        !(from = pub_join(bk->dir, s.s, e)) || !(to = pub_join(bk->daisy, d.s, e)))
        goto out;
    if (unlink(to) < 0 && errno != ENOENT) {
        err_set(e, ERR_OUTPUT, to, 0, 0, "publish: cannot replace: %s", strerror(errno));
        goto out;
    }
    if (link(from, to) < 0 && copy_file(from, to, e) < 0)
        goto out;
    bk->files++;
    rc = 0;
out:
    strbuf_free(&s);
    strbuf_free(&d);
    free(from);
    free(to);
    return rc;
}

static int head(strbuf *b, const book *bk, const char *title, err *e)
{
    return strbuf_adds(b, "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n"
                          "<!DOCTYPE html PUBLIC \"-//W3C//DTD XHTML 1.0 Transitional//EN\" "
                          "\"http://www.w3.org/TR/xhtml1/DTD/xhtml1-transitional.dtd\">\n"
                          "<html xmlns=\"http://www.w3.org/1999/xhtml\" lang=\"zh-CN\" xml:lang=\"zh-CN\">\n"
                          "<head>\n<meta http-equiv=\"Content-type\" content=\"text/html; charset=utf-8\"/>\n"
                          "<title>", e) < 0 ||
                   pub_xml(b, title ? title : bk->title.s, 0, e) < 0 ||
                   strbuf_adds(b, "</title>\n", e) < 0 ? -1 : 0;
}

static int meta(strbuf *b, const char *name, const char *content, err *e)
{
    return strbuf_addf(b, e, "<meta name=\"%s\" content=\"", name) < 0 ||
           pub_xml(b, content, 0, e) < 0 || strbuf_adds(b, "\"/>\n", e) < 0 ? -1 : 0;
}

/* One SMIL file: a par per clip, each pairing content.html#ids[i] with the
 * clip [from[i], to[i]] of 'audio'. */
typedef struct clip {
    const char *text_id;
    double from, to;
} clip;

static int smil(book *bk, const char *name, const char *title, const clip *c, size_t n,
                double elapsed, err *e)
{
    strbuf b = {0}, t = {0}, fn = {0};
    int rc = -1;
    /* Clips follow each other without gaps: the SMIL plays their span. */
    double dur = n ? c[n - 1].to - c[0].from : 0;
    if (strbuf_adds(&b, "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n"
                        "<!DOCTYPE smil PUBLIC \"-//W3C//DTD SMIL 1.0//EN\" "
                        "\"http://www.w3.org/TR/REC-smil/SMIL10.dtd\">\n<smil>\n<head>\n", e) < 0 ||
        meta(&b, "dc:format", "Daisy 2.02", e) < 0 || meta(&b, "dc:title", title, e) < 0 ||
        meta(&b, "dc:identifier", bk->id.s, e) < 0 ||
        (bk->ed->generator && meta(&b, "ncc:generator", bk->ed->generator, e) < 0) ||
        pub_clock(&t, elapsed, e) < 0 || meta(&b, "ncc:totalElapsedTime", t.s, e) < 0)
        goto out;
    strbuf_free(&t);
    if (pub_clock(&t, dur, e) < 0 || meta(&b, "ncc:timeInThisSmil", t.s, e) < 0 ||
        strbuf_addf(&b, e, "<layout>\n<region id=\"txtView\"/>\n</layout>\n</head>\n<body>\n"
                           "<seq dur=\"%.3fs\">\n", dur) < 0)
        goto out;
    for (size_t i = 0; i < n; i++)
        if (strbuf_addf(&b, e,
                        "<par endsync=\"last\" id=\"p%04zu\">\n"
                        "<text src=\"content.html#%s\" id=\"t%04zu\"/>\n"
                        "<audio src=\"%s.%s\" clip-begin=\"npt=%.3fs\" clip-end=\"npt=%.3fs\" "
                        "id=\"a%04zu\"/>\n</par>\n",
                        i + 1, c[i].text_id, i + 1, name, bk->ext, c[i].from, c[i].to, i + 1) < 0)
            goto out;
    if (strbuf_adds(&b, "</seq>\n</body>\n</smil>\n", e) < 0 ||
        strbuf_addf(&fn, e, "%s.smil", name) < 0 || pub_put(bk->daisy, fn.s, &b, e) < 0)
        goto out;
    bk->files++;
    rc = 0;
out:
    strbuf_free(&b);
    strbuf_free(&t);
    strbuf_free(&fn);
    return rc;
}

static int article_smil(book *bk, size_t i, size_t j, double elapsed, err *e)
{
    const pub_article *a = &bk->ed->sections[i].articles[j];
    size_t n = a->n_sentences ? a->n_sentences : 1;
    clip *c = calloc(n, sizeof *c);
    char (*ids)[80] = calloc(n, sizeof *ids);
    char name[48];
    int rc = -1;
    if (!c || !ids) {
        err_set(e, ERR_NOMEM, NULL, 0, 0, "publish: out of memory");
        goto out;
    }
    snprintf(name, sizeof name, "s%02zua%02zu", i + 1, j + 1);
    for (size_t k = 0; k < n; k++) {
        /* The first clip is the headline's: it carries the heading. */
        if (k == 0)
            snprintf(ids[k], sizeof ids[k], "%s", name);
        else
            snprintf(ids[k], sizeof ids[k], "%s_%03zu", name, k + 1);
        c[k].text_id = ids[k];
        c[k].from = a->n_sentences ? a->sentences[k].start_s : 0;
        c[k].to = a->n_sentences ? a->sentences[k].end_s : a->duration_s;
    }
    rc = link_audio(bk, a->base, name, e) < 0 || smil(bk, name, a->headline, c, n, elapsed, e) < 0
             ? -1 : 0;
out:
    free(c);
    free(ids);
    return rc;
}

static int heading(strbuf *b, int level, const char *cls, const char *id, const char *href,
                   const char *text, err *e)
{
    return strbuf_addf(b, e, "<h%d%s id=\"%s\"><a href=\"%s\">", level, cls, id, href) < 0 ||
           pub_xml(b, text, 0, e) < 0 || strbuf_addf(b, e, "</a></h%d>\n", level) < 0 ? -1 : 0;
}

int pub_write_daisy(const char *dir, const pub_edition *ed, err *e)
{
    if (pub_check(ed, e) < 0)
        return -1;
    book bk = {.dir = dir, .ed = ed, .ext = pub_ext(ed->formats, 'f')};
    strbuf ncc = {0}, body = {0}, content = {0}, master = {0}, t = {0};
    int rc = -1;
    size_t toc = 0;
    double elapsed = 0;
    if (!(bk.daisy = pub_join(dir, "daisy", e)))
        goto out;
    if (mkdir(bk.daisy, 0777) < 0 && errno != EEXIST) {
        err_set(e, ERR_OUTPUT, bk.daisy, 0, 0, "publish: cannot create: %s", strerror(errno));
        goto out;
    }
    if (strbuf_addf(&bk.id, e, "tingbao-%s-", ed->date) < 0 || strbuf_adds(&bk.id, ed->paper, e) < 0 ||
        strbuf_addf(&bk.title, e, "%s %s", ed->paper, ed->date) < 0)
        goto out;
    if (strbuf_adds(&content, "<body>\n", e) < 0 || strbuf_adds(&master, "<body>\n", e) < 0)
        goto out;

    /* The title heading, with the intro's audio when there is one. */
    const char *title_smil = ed->intro_base ? "intro.smil#t0001" : "s01.smil#t0001";
    if (heading(&body, 1, " class=\"title\"", "title", title_smil, bk.title.s, e) < 0 ||
        strbuf_adds(&content, "<h1 id=\"c_title\">", e) < 0 || pub_xml(&content, bk.title.s, 0, e) < 0 ||
        strbuf_adds(&content, "</h1>\n", e) < 0)
        goto out;
    toc++;
    if (ed->intro_base) {
        clip c = {"c_title", 0, ed->intro_duration_s};
        if (link_audio(&bk, ed->intro_base, "intro", e) < 0 ||
            smil(&bk, "intro", bk.title.s, &c, 1, elapsed, e) < 0 ||
            strbuf_adds(&master, "<ref src=\"intro.smil\" title=\"", e) < 0 ||
            pub_xml(&master, bk.title.s, 0, e) < 0 || strbuf_adds(&master, "\" id=\"ms_intro\"/>\n", e) < 0)
            goto out;
        elapsed += ed->intro_duration_s;
    }
    for (size_t i = 0; i < ed->n_sections; i++) {
        const pub_section *s = &ed->sections[i];
        char name[48], id[48], href[80];
        snprintf(name, sizeof name, "s%02zu", i + 1);
        snprintf(id, sizeof id, "c_s%02zu", i + 1);
        snprintf(href, sizeof href, "%s.smil#t0001", name);
        double intro_end = s->n_articles ? s->articles[0].offset_s : s->duration_s;
        clip c = {id, 0, intro_end};
        if (heading(&body, 1, "", name, href, s->name, e) < 0 ||
            strbuf_addf(&content, e, "<h1 id=\"%s\">", id) < 0 || pub_xml(&content, s->name, 0, e) < 0 ||
            strbuf_adds(&content, "</h1>\n", e) < 0 || link_audio(&bk, s->base, name, e) < 0 ||
            smil(&bk, name, s->name, &c, 1, elapsed, e) < 0 ||
            strbuf_addf(&master, e, "<ref src=\"%s.smil\" title=\"", name) < 0 ||
            pub_xml(&master, s->name, 0, e) < 0 ||
            strbuf_addf(&master, e, "\" id=\"ms_%s\"/>\n", name) < 0)
            goto out;
        toc++;
        /* Elapsed time counts what the book's SMILs play, in order; the
         * section's own intro clip is played, its articles come next. */
        elapsed += intro_end;
        for (size_t j = 0; j < s->n_articles; j++) {
            const pub_article *a = &s->articles[j];
            snprintf(name, sizeof name, "s%02zua%02zu", i + 1, j + 1);
            snprintf(href, sizeof href, "%s.smil#t0001", name);
            if (heading(&body, 2, "", name, href, a->headline, e) < 0 ||
                article_smil(&bk, i, j, elapsed, e) < 0 ||
                strbuf_addf(&content, e, "<h2 id=\"%s\">", name) < 0 ||
                pub_xml(&content, a->headline, 0, e) < 0 || strbuf_adds(&content, "</h2>\n<p>", e) < 0 ||
                strbuf_addf(&master, e, "<ref src=\"%s.smil\" title=\"", name) < 0 ||
                pub_xml(&master, a->headline, 0, e) < 0 ||
                strbuf_addf(&master, e, "\" id=\"ms_%s\"/>\n", name) < 0)
                goto out;
            for (size_t k = 1; k < a->n_sentences; k++)
                if (strbuf_addf(&content, e, "<span id=\"%s_%03zu\">", name, k + 1) < 0 ||
                    pub_xml(&content, a->sentences[k].text, 0, e) < 0 ||
                    strbuf_adds(&content, "</span>", e) < 0)
                    goto out;
            if (strbuf_adds(&content, "</p>\n", e) < 0)
                goto out;
            toc++;
            elapsed += a->n_sentences ? a->sentences[a->n_sentences - 1].end_s - a->sentences[0].start_s
                                      : a->duration_s;
        }
    }

    /* content.html */
    strbuf doc = {0};
    if (head(&doc, &bk, NULL, e) < 0 || strbuf_adds(&doc, "</head>\n", e) < 0 ||
        strbuf_add(&doc, content.s, content.len, e) < 0 || strbuf_adds(&doc, "</body>\n</html>\n", e) < 0 ||
        pub_put(bk.daisy, "content.html", &doc, e) < 0) {
        strbuf_free(&doc);
        goto out;
    }
    strbuf_free(&doc);
    bk.files++;

    /* master.smil */
    if (strbuf_adds(&doc, "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n"
                          "<!DOCTYPE smil PUBLIC \"-//W3C//DTD SMIL 1.0//EN\" "
                          "\"http://www.w3.org/TR/REC-smil/SMIL10.dtd\">\n<smil>\n<head>\n", e) < 0 ||
        meta(&doc, "dc:format", "Daisy 2.02", e) < 0 || meta(&doc, "dc:title", bk.title.s, e) < 0 ||
        meta(&doc, "dc:identifier", bk.id.s, e) < 0 || pub_clock(&t, elapsed, e) < 0 ||
        meta(&doc, "ncc:timeInThisSmil", t.s, e) < 0 ||
        strbuf_adds(&doc, "<layout>\n<region id=\"txtView\"/>\n</layout>\n</head>\n", e) < 0 ||
        strbuf_add(&doc, master.s, master.len, e) < 0 || strbuf_adds(&doc, "</body>\n</smil>\n", e) < 0 ||
        pub_put(bk.daisy, "master.smil", &doc, e) < 0) {
        strbuf_free(&doc);
        goto out;
    }
    strbuf_free(&doc);
    bk.files += 2;  /* master.smil and ncc.html itself */

    /* ncc.html, last: it counts everything else. */
    char num[32];
    if (head(&ncc, &bk, NULL, e) < 0 || meta(&ncc, "dc:title", bk.title.s, e) < 0 ||
        meta(&ncc, "dc:creator", ed->paper, e) < 0 || meta(&ncc, "dc:publisher", ed->paper, e) < 0 ||
        strbuf_addf(&ncc, e, "<meta name=\"dc:date\" content=\"%s\" scheme=\"yyyy-mm-dd\"/>\n", ed->date) < 0 ||
        meta(&ncc, "dc:format", "Daisy 2.02", e) < 0 || meta(&ncc, "dc:identifier", bk.id.s, e) < 0 ||
        strbuf_adds(&ncc, "<meta name=\"dc:language\" content=\"zh-CN\" scheme=\"ISO 639\"/>\n", e) < 0 ||
        meta(&ncc, "ncc:charset", "utf-8", e) < 0 ||
        meta(&ncc, "ncc:generator", ed->generator ? ed->generator : "tingbao", e) < 0)
        goto out;
    snprintf(num, sizeof num, "%zu", toc);
    if (meta(&ncc, "ncc:tocItems", num, e) < 0)
        goto out;
    strbuf_free(&t);
    if (pub_clock(&t, elapsed, e) < 0 || meta(&ncc, "ncc:totalTime", t.s, e) < 0 ||
        meta(&ncc, "ncc:depth", "2", e) < 0)
        goto out;
    snprintf(num, sizeof num, "%zu", bk.files);
    if (meta(&ncc, "ncc:files", num, e) < 0 || meta(&ncc, "ncc:maxPageNormal", "0", e) < 0 ||
        meta(&ncc, "ncc:pageNormal", "0", e) < 0 || meta(&ncc, "ncc:pageFront", "0", e) < 0 ||
        meta(&ncc, "ncc:pageSpecial", "0", e) < 0 ||
        meta(&ncc, "ncc:multimediaType", "audioFullText", e) < 0 ||
        meta(&ncc, "ncc:narrator", "espeak-ng (synthetic speech)", e) < 0 ||
        meta(&ncc, "ncc:setInfo", "1 of 1", e) < 0 ||
        meta(&ncc, "ncc:sourceTitle", ed->paper, e) < 0 ||
        strbuf_addf(&ncc, e, "<meta name=\"ncc:sourceDate\" content=\"%s\" scheme=\"yyyy-mm-dd\"/>\n",
                    ed->date) < 0 ||
        strbuf_adds(&ncc, "</head>\n<body>\n", e) < 0 || strbuf_add(&ncc, body.s, body.len, e) < 0 ||
        strbuf_adds(&ncc, "</body>\n</html>\n", e) < 0 || pub_put(bk.daisy, "ncc.html", &ncc, e) < 0)
        goto out;
    rc = 0;
out:
    free(bk.daisy);
    strbuf_free(&bk.id);
    strbuf_free(&bk.title);
    strbuf_free(&ncc);
    strbuf_free(&body);
    strbuf_free(&content);
    strbuf_free(&master);
    strbuf_free(&t);
    return rc;
}
