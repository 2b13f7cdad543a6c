/* publish_page.c -- index.html: the edition as a web page to listen to.
 *
 * One self-contained file: CSS and script inline, no fonts, images or
 * network, so it works opened from disk (file://) and over HTTP alike.
 * Sentence timings are embedded as data attributes rather than read from
 * the .vtt through <track>: browsers refuse text tracks from file:// (a
 * file URL is its own origin), and the page must work from disk.  The
 * sentence being heard gets aria-current="true" and a highlight.
 */
#include "publish_internal.h"

#include <stdlib.h>
#include <string.h>

static const char CSS[] =
    "body{font-family:sans-serif;max-width:46em;margin:0 auto;padding:1em;line-height:1.7;"
    "color:#111;background:#fff}\n"
    ".skip{position:absolute;left:-999em}.skip:focus{left:1em;top:1em;background:#ff0;padding:.3em}\n"
    "article{border-top:1px solid #ccc;margin:1.5em 0;padding-top:.5em}\n"
    ".meta{color:#555;font-size:.9em}audio{width:100%}\n"
    ".s[aria-current=true]{background:#ffe066;outline:2px solid #b8860b}\n"
    ".s.line{display:block;margin-bottom:.3em}\n"
    ":focus{outline:3px solid #1a5fb4}\n";

/* Highlights the sentence under each player's current time; clicking a
 * sentence plays from it. */
static const char JS[] =
    "(function(){\n"
    "function mark(a){var ss=a.parentNode.querySelectorAll('.s'),t=a.currentTime,cur=null;\n"
    " for(var i=0;i<ss.length;i++){var s=ss[i];\n"
    "  if(t>=+s.dataset.start&&t<+s.dataset.end){cur=s;}}\n"
    " for(var j=0;j<ss.length;j++){if(ss[j]===cur)ss[j].setAttribute('aria-current','true');\n"
    "  else ss[j].removeAttribute('aria-current');}}\n"
    "function tick(a){mark(a);if(!a.paused)requestAnimationFrame(function(){tick(a);});}\n"
    "var as=document.querySelectorAll('audio');\n"
    "for(var i=0;i<as.length;i++){(function(a){\n"
    " a.addEventListener('timeupdate',function(){mark(a);});\n"
    " a.addEventListener('play',function(){\n"
    "  for(var k=0;k<as.length;k++)if(as[k]!==a)as[k].pause();tick(a);});\n"
    " a.addEventListener('seeked',function(){mark(a);});\n"
    " var ss=a.parentNode.querySelectorAll('.s');\n"
    " for(var k=0;k<ss.length;k++)ss[k].addEventListener('click',function(ev){\n"
    "  a.currentTime=+ev.currentTarget.dataset.start;a.play();});\n"
    "})(as[i]);}\n"
    "})();\n";

static int text(strbuf *b, const char *s, err *e)
{
    return pub_xml(b, s, 0, e);
}

static int source(strbuf *b, const char *base, const char *ext, err *e)
{
    return strbuf_adds(b, "<source src=\"", e) < 0 || pub_url(b, base, e) < 0 ||
           strbuf_addf(b, e, ".%s\" type=\"%s\">", ext, pub_mime(ext)) < 0 ? -1 : 0;
}

/* Opus, then MP3, then WAV: the browser takes the first it can play. */
/* True when 'text' does not end in sentence punctuation (。！？…”). */
static int unclosed(const char *text)
{
    static const char *const ends[] = {"。", "！", "？", "…", "”", "’", "」", "』", "）", ".", "!", "?", ")", "\""};
    size_t n = strlen(text);
    for (size_t k = 0; k < sizeof ends / sizeof *ends; k++) {
        size_t m = strlen(ends[k]);
        if (n >= m && !memcmp(text + n - m, ends[k], m))
            return 0;
    }
    return 1;
}

static int player(strbuf *b, const pub_edition *ed, const char *base, const char *label, err *e)
{
    if (strbuf_adds(b, "<audio controls preload=\"none\" aria-label=\"", e) < 0 ||
        text(b, label, e) < 0 || strbuf_adds(b, "\">", e) < 0 ||
        ((ed->formats & PUB_OPUS) && source(b, base, "opus", e) < 0) ||
        ((ed->formats & PUB_MP3) && source(b, base, "mp3", e) < 0) ||
        source(b, base, "wav", e) < 0 || strbuf_adds(b, "</audio>\n", e) < 0)
        return -1;
    return 0;
}

int pub_write_page(const char *dir, const pub_edition *ed, err *e)
{
    if (pub_check(ed, e) < 0)
        return -1;
    strbuf b = {0}, t = {0};
    int rc = -1;
    if (strbuf_adds(&b, "<!DOCTYPE html>\n<html lang=\"zh-CN\">\n<head>\n<meta charset=\"utf-8\">\n"
                        "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
                        "<title>", e) < 0 ||
        text(&b, ed->paper, e) < 0 || strbuf_addf(&b, e, " %s</title>\n", ed->date) < 0 ||
        (ed->generator && (strbuf_adds(&b, "<meta name=\"generator\" content=\"", e) < 0 ||
                           text(&b, ed->generator, e) < 0 || strbuf_adds(&b, "\">\n", e) < 0)) ||
        strbuf_addf(&b, e, "<style>\n%s</style>\n</head>\n<body>\n", CSS) < 0 ||
        strbuf_adds(&b, "<a class=\"skip\" href=\"#main\">跳到正文</a>\n<header>\n<h1>", e) < 0 ||
        text(&b, ed->paper, e) < 0 || strbuf_addf(&b, e, "</h1>\n<p class=\"meta\">%s", ed->date) < 0)
        goto out;
    const char *extra[] = {ed->weekday, ed->lunar};
    for (size_t i = 0; i < 2; i++)
        if (extra[i] && (strbuf_adds(&b, " ", e) < 0 || text(&b, extra[i], e) < 0))
            goto out;
    if (ed->issue && (strbuf_adds(&b, " 第", e) < 0 || text(&b, ed->issue, e) < 0 ||
                      strbuf_adds(&b, "期", e) < 0))
        goto out;
    if (strbuf_adds(&b, "</p>\n", e) < 0)
        goto out;
    if (ed->intro_base && (strbuf_adds(&b, "<section aria-label=\"导读\">\n", e) < 0 ||
                           player(&b, ed, ed->intro_base, "导读", e) < 0))
        goto out;
    if (ed->n_teasers) {
        if (ed->intro_base == NULL && strbuf_adds(&b, "<section aria-label=\"导读\">\n", e) < 0)
            goto out;
        if (strbuf_adds(&b, "<ul>\n", e) < 0)
            goto out;
        for (size_t i = 0; i < ed->n_teasers; i++)
            if (strbuf_adds(&b, "<li>", e) < 0 || text(&b, ed->teasers[i], e) < 0 ||
                strbuf_adds(&b, "</li>\n", e) < 0)
                goto out;
        if (strbuf_adds(&b, "</ul>\n", e) < 0)
            goto out;
    }
    if ((ed->intro_base || ed->n_teasers) && strbuf_adds(&b, "</section>\n", e) < 0)
        goto out;
    if (strbuf_adds(&b, "<nav aria-label=\"版面\"><ul>\n", e) < 0)
        goto out;
    for (size_t i = 0; i < ed->n_sections; i++)
        if (strbuf_addf(&b, e, "<li><a href=\"#s%02zu\">", i + 1) < 0 ||
            text(&b, ed->sections[i].name, e) < 0 || strbuf_adds(&b, "</a></li>\n", e) < 0)
            goto out;
    if (strbuf_adds(&b, "</ul></nav>\n</header>\n<main id=\"main\" tabindex=\"-1\">\n", e) < 0)
        goto out;
    for (size_t i = 0; i < ed->n_sections; i++) {
        const pub_section *s = &ed->sections[i];
        if (strbuf_addf(&b, e, "<section id=\"s%02zu\">\n<h2>", i + 1) < 0 || text(&b, s->name, e) < 0 ||
            strbuf_adds(&b, "</h2>\n", e) < 0 || player(&b, ed, s->base, s->name, e) < 0)
            goto out;
        for (size_t j = 0; j < s->n_articles; j++) {
            const pub_article *a = &s->articles[j];
            strbuf_free(&t);
            if (pub_clock(&t, a->duration_s, e) < 0 ||
                strbuf_addf(&b, e, "<article id=\"s%02zua%02zu\">\n<h3>", i + 1, j + 1) < 0 ||
                text(&b, a->headline, e) < 0 || strbuf_adds(&b, "</h3>\n<p class=\"meta\">", e) < 0 ||
                (a->dateline && (text(&b, a->dateline, e) < 0 || strbuf_adds(&b, " · ", e) < 0)) ||
                strbuf_addf(&b, e, "<span>时长 %s</span></p>\n<div class=\"player\">\n", t.s) < 0 ||
                player(&b, ed, a->base, a->headline, e) < 0 ||
                strbuf_adds(&b, "<p class=\"transcript\">", e) < 0)
                goto out;
            for (size_t k = 0; k < a->n_sentences; k++) {
                const pub_sentence *x = &a->sentences[k];
                /* A headline, subtitle, column or dateline has no closing
                 * punctuation: a line of its own, not run into the story. */
                if (strbuf_addf(&b, e, "<span class=\"s%s\" data-start=\"%.3f\" data-end=\"%.3f\">",
                                unclosed(x->text) ? " line" : "", x->start_s, x->end_s) < 0 ||
                    text(&b, x->text, e) < 0 || strbuf_adds(&b, "</span>", e) < 0)
                    goto out;
            }
            if (strbuf_adds(&b, "</p>\n</div>\n</article>\n", e) < 0)
                goto out;
        }
        if (strbuf_adds(&b, "</section>\n", e) < 0)
            goto out;
    }
    if (strbuf_adds(&b, "</main>\n<footer><p class=\"meta\"><a href=\"edition.m3u8\">播放列表</a> · "
                        "<a href=\"daisy/ncc.html\">DAISY</a></p></footer>\n", e) < 0 ||
        strbuf_addf(&b, e, "<script>\n%s</script>\n</body>\n</html>\n", JS) < 0)
        goto out;
    rc = pub_put(dir, "index.html", &b, e);
out:
    strbuf_free(&b);
    strbuf_free(&t);
    return rc;
}
