/* publish_feed.c -- the podcast feed: RSS 2.0 with the iTunes and
 * Podcasting 2.0 namespaces, one item per section of each edition.
 *
 * Each edition writes its own items once, into feed-items.xml; the feed is
 * rebuilt from the items of the newest dated folders, so nightly builds
 * keep the last N editions without any state but the folders themselves,
 * and a removed edition leaves the feed on the next build.  URLs in the
 * items start with the marker "{base}" (text never holds a literal '{':
 * pub_xml() writes it as a reference), replaced by the base URL, or by
 * nothing for URLs relative to feed.xml, when the feed is written.
 */
#include "publish_internal.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define BASE_MARK "{base}"

/* Days since 1970-01-01 of a proleptic Gregorian date. */
static long days_from_civil(int y, int m, int d)
{
    y -= m <= 2;
    long era = (y >= 0 ? y : y - 399) / 400;
    long yoe = y - era * 400;
    long doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    long doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

/* RFC 822 date (four-digit year, as RFC 1123 and every reader want) of
 * 'date' at 06:00 China time, less 'minutes': the paper is out by six, and
 * later sections a minute older so apps that sort by date list the front
 * page first. */
static int rfc822(strbuf *b, const char *date, int minutes, err *e)
{
    static const char *const wd[] = {"Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"};
    static const char *const mon[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                      "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    int y = atoi(date), m = atoi(date + 5), d = atoi(date + 8);
    if (m < 1 || m > 12 || d < 1 || d > 31) {
        err_set(e, ERR_INTERNAL, NULL, 0, 0, "publish: not a date: %s", date);
        return -1;
    }
    long t = days_from_civil(y, m, d) * 1440 + 6 * 60 - minutes;
    long days = t / 1440, mins = t % 1440;
    if (mins < 0) {
        mins += 1440;
        days--;
    }
    /* Back to a calendar date only when the minutes crossed midnight. */
    if (days != days_from_civil(y, m, d)) {
        d--;
        if (d == 0) {
            static const int mdays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
            m = m == 1 ? 12 : m - 1;
            y -= m == 12;
            d = mdays[m - 1] + (m == 2 && (y % 4 == 0 && (y % 100 || y % 400 == 0)));
        }
    }
    return strbuf_addf(b, e, "%s, %02d %s %04d %02ld:%02ld:00 +0800",
                       wd[((days % 7) + 7) % 7], d, mon[m - 1], y, mins / 60, mins % 60);
}

static int url(strbuf *b, const char *date, const char *base, const char *ext, err *e)
{
    return strbuf_addf(b, e, BASE_MARK "%s/", date) < 0 || pub_url(b, base, e) < 0 ||
           strbuf_addf(b, e, ".%s", ext) < 0 ? -1 : 0;
}

static int item(strbuf *b, const char *dir, const pub_edition *ed, size_t i, err *e)
{
    const pub_section *s = &ed->sections[i];
    const char *ext = pub_ext(ed->formats, 'f');
    strbuf t = {0};
    int rc = -1;
    struct stat st;
    if (strbuf_addf(&t, e, "%s.%s", s->base, ext) < 0)
        goto out;
    char *path = pub_join(dir, t.s, e);
    if (!path)
        goto out;
    int missing = stat(path, &st) < 0;
    if (missing)
        err_set(e, ERR_OUTPUT, path, 0, 0, "publish: enclosure missing: %s", strerror(errno));
    free(path);
    if (missing)
        goto out;
    strbuf_free(&t);
    if (strbuf_addf(&t, e, "%s %s %s", ed->paper, ed->date, s->name) < 0 ||
        strbuf_adds(b, "    <item>\n      <title>", e) < 0 || pub_xml(b, t.s, 1, e) < 0 ||
        strbuf_adds(b, "</title>\n      <itunes:title>", e) < 0 || pub_xml(b, t.s, 1, e) < 0 ||
        strbuf_adds(b, "</itunes:title>\n      <description>", e) < 0)
        goto out;
    /* The headlines, one per line: what a listener picks an episode by. */
    for (size_t j = 0; j < s->n_articles; j++)
        if ((j && strbuf_adds(b, "&#10;", e) < 0) || pub_xml(b, s->articles[j].headline, 1, e) < 0)
            goto out;
    if (strbuf_adds(b, "</description>\n      <link>", e) < 0 ||
        strbuf_addf(b, e, BASE_MARK "%s/index.html#s%02zu", ed->date, i + 1) < 0 ||
        strbuf_adds(b, "</link>\n      <guid isPermaLink=\"false\">tingbao:", e) < 0 ||
        pub_xml(b, ed->paper, 1, e) < 0 ||
        strbuf_addf(b, e, ":%s:%02zu</guid>\n      <pubDate>", ed->date, i + 1) < 0 ||
        rfc822(b, ed->date, (int)i, e) < 0 ||
        strbuf_adds(b, "</pubDate>\n      <enclosure url=\"", e) < 0 ||
        url(b, ed->date, s->base, ext, e) < 0 ||
        strbuf_addf(b, e, "\" length=\"%lld\" type=\"%s\"/>\n      <itunes:duration>",
                    (long long)st.st_size, pub_mime(ext)) < 0 ||
        pub_clock(b, s->duration_s, e) < 0 ||
        strbuf_adds(b, "</itunes:duration>\n      <itunes:explicit>false</itunes:explicit>\n"
                       "      <itunes:episodeType>full</itunes:episodeType>\n"
                       "      <podcast:chapters url=\"", e) < 0 ||
        url(b, ed->date, s->base, "chapters.json", e) < 0 ||
        strbuf_adds(b, "\" type=\"application/json+chapters\"/>\n"
                       "      <podcast:transcript url=\"", e) < 0 ||
        url(b, ed->date, s->base, "vtt", e) < 0 ||
        strbuf_adds(b, "\" type=\"text/vtt\" language=\"zh-cn\"/>\n    </item>\n", e) < 0)
        goto out;
    rc = 0;
out:
    strbuf_free(&t);
    return rc;
}

int pub_write_feed_items(const char *dir, const pub_edition *ed, err *e)
{
    if (pub_check(ed, e) < 0)
        return -1;
    strbuf b = {0};
    int rc = -1;
    for (size_t i = 0; i < ed->n_sections; i++)
        if (item(&b, dir, ed, i, e) < 0)
            goto out;
    rc = pub_put(dir, "feed-items.xml", &b, e);
out:
    strbuf_free(&b);
    return rc;
}

/* ---- the feed ---------------------------------------------------------- */

static int is_date(const char *s)
{
    if (strlen(s) != 10 || s[4] != '-' || s[7] != '-')
        return 0;
    for (int i = 0; i < 10; i++)
        if (i != 4 && i != 7 && (s[i] < '0' || s[i] > '9'))
            return 0;
    return 1;
}

static int newest_first(const void *a, const void *b)
{
    return strcmp(*(char *const *)b, *(char *const *)a);
}

/* Appends the file at 'path' to 'b' with every BASE_MARK replaced by
 * 'base'.  1 when there is no such file, 0 when read, -1 on error. */
static int add_items(strbuf *b, const char *path, const char *base, err *e)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        if (errno == ENOENT)
            return 1;
        err_set(e, ERR_IO, path, 0, 0, "publish: cannot read: %s", strerror(errno));
        return -1;
    }
    strbuf raw = {0};
    char buf[8192];
    size_t n;
    int rc = -1;
    while ((n = fread(buf, 1, sizeof buf, f)) > 0)
        if (strbuf_add(&raw, buf, n, e) < 0)
            goto out;
    if (ferror(f)) {
        err_set(e, ERR_IO, path, 0, 0, "publish: cannot read");
        goto out;
    }
    for (const char *p = raw.s ? raw.s : "", *m; *p; p = m + strlen(BASE_MARK)) {
        m = strstr(p, BASE_MARK);
        if (!m) {
            if (strbuf_adds(b, p, e) < 0)
                goto out;
            break;
        }
        if (strbuf_add(b, p, (size_t)(m - p), e) < 0 || strbuf_adds(b, base, e) < 0)
            goto out;
    }
    rc = 0;
out:
    fclose(f);
    strbuf_free(&raw);
    return rc;
}

int pub_write_feed(const char *paper_dir, const pub_feed *f, err *e)
{
    size_t keep = f->keep ? f->keep : PUB_FEED_KEEP;
    char **names = NULL;
    size_t n = 0, cap = 0, used = 0;
    strbuf b = {0}, base = {0}, desc = {0};
    int rc = -1;
    DIR *d = opendir(paper_dir);
    if (!d) {
        err_set(e, ERR_OUTPUT, paper_dir, 0, 0, "publish: cannot list: %s", strerror(errno));
        return -1;
    }
    struct dirent *de;
    while ((de = readdir(d))) {
        if (!is_date(de->d_name))
            continue;
        if (n == cap) {
            cap = cap ? cap * 2 : 32;
            char **nn = realloc(names, cap * sizeof *nn);
            if (!nn)
                goto nomem;
            names = nn;
        }
        if (!(names[n] = strdup(de->d_name)))
            goto nomem;
        n++;
    }
    qsort(names, n, sizeof *names, newest_first);
    /* With a base URL every link is absolute; without, relative to
     * feed.xml, which many apps accept and a web server resolves. */
    if (f->base_url && *f->base_url) {
        size_t l = strlen(f->base_url);
        if (strbuf_adds(&base, f->base_url, e) < 0 ||
            (f->base_url[l - 1] != '/' && strbuf_adds(&base, "/", e) < 0))
            goto out;
    } else if (strbuf_adds(&base, "", e) < 0)
        goto out;
    if (f->description ? strbuf_adds(&desc, f->description, e) < 0
                       : strbuf_addf(&desc, e, "%s，每日有声版", f->paper) < 0)
        goto out;
    if (strbuf_adds(&b, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
                        "<rss version=\"2.0\" xmlns:itunes=\"http://www.itunes.com/dtds/podcast-1.0.dtd\"\n"
                        "     xmlns:podcast=\"https://podcastindex.org/namespace/1.0\"\n"
                        "     xmlns:atom=\"http://www.w3.org/2005/Atom\">\n"
                        "  <channel>\n    <title>", e) < 0 ||
        pub_xml(&b, f->paper, 0, e) < 0 || strbuf_adds(&b, "</title>\n    <link>", e) < 0 ||
        pub_xml(&b, base.len ? base.s : "./", 0, e) < 0 ||
        strbuf_adds(&b, "</link>\n    <description>", e) < 0 || pub_xml(&b, desc.s, 0, e) < 0 ||
        strbuf_adds(&b, "</description>\n    <language>zh-cn</language>\n", e) < 0)
        goto out;
    if (base.len && (strbuf_adds(&b, "    <atom:link href=\"", e) < 0 ||
                     pub_xml(&b, base.s, 0, e) < 0 ||
                     strbuf_adds(&b, "feed.xml\" rel=\"self\" type=\"application/rss+xml\"/>\n", e) < 0))
        goto out;
    if (f->generator && (strbuf_adds(&b, "    <generator>", e) < 0 ||
                         pub_xml(&b, f->generator, 0, e) < 0 ||
                         strbuf_adds(&b, "</generator>\n", e) < 0))
        goto out;
    if (n && (strbuf_adds(&b, "    <lastBuildDate>", e) < 0 || rfc822(&b, names[0], 0, e) < 0 ||
              strbuf_adds(&b, "</lastBuildDate>\n", e) < 0))
        goto out;
    if (strbuf_adds(&b, "    <itunes:author>", e) < 0 || pub_xml(&b, f->paper, 0, e) < 0 ||
        strbuf_adds(&b, "</itunes:author>\n    <itunes:summary>", e) < 0 ||
        pub_xml(&b, desc.s, 0, e) < 0 ||
        strbuf_adds(&b, "</itunes:summary>\n"
                        "    <itunes:category text=\"News\">\n"
                        "      <itunes:category text=\"Daily News\"/>\n"
                        "    </itunes:category>\n"
                        "    <itunes:explicit>false</itunes:explicit>\n"
                        "    <itunes:type>episodic</itunes:type>\n", e) < 0)
        goto out;
    if (f->image_url &&
        (strbuf_adds(&b, "    <itunes:image href=\"", e) < 0 || pub_xml(&b, f->image_url, 0, e) < 0 ||
         strbuf_adds(&b, "\"/>\n    <image>\n      <url>", e) < 0 ||
         pub_xml(&b, f->image_url, 0, e) < 0 || strbuf_adds(&b, "</url>\n      <title>", e) < 0 ||
         pub_xml(&b, f->paper, 0, e) < 0 || strbuf_adds(&b, "</title>\n      <link>", e) < 0 ||
         pub_xml(&b, base.len ? base.s : "./", 0, e) < 0 ||
         strbuf_adds(&b, "</link>\n    </image>\n", e) < 0))
        goto out;
    if (f->owner_email &&
        (strbuf_adds(&b, "    <itunes:owner>\n      <itunes:name>", e) < 0 ||
         pub_xml(&b, f->paper, 0, e) < 0 ||
         strbuf_adds(&b, "</itunes:name>\n      <itunes:email>", e) < 0 ||
         pub_xml(&b, f->owner_email, 0, e) < 0 ||
         strbuf_adds(&b, "</itunes:email>\n    </itunes:owner>\n", e) < 0))
        goto out;
    /* The base goes into attributes and text: escaped like them. */
    strbuf_free(&desc);
    if (strbuf_adds(&desc, "", e) < 0 || pub_xml(&desc, base.s ? base.s : "", 0, e) < 0)
        goto out;
    for (size_t i = 0; i < n && used < keep; i++) {
        char *dir = pub_join(paper_dir, names[i], e), *path = dir ? pub_join(dir, "feed-items.xml", e) : NULL;
        int r = path ? add_items(&b, path, desc.s ? desc.s : "", e) : -1;
        free(dir);
        free(path);
        if (r < 0)
            goto out;
        used += r == 0;
    }
    if (strbuf_adds(&b, "  </channel>\n</rss>\n", e) < 0)
        goto out;
    rc = pub_put(paper_dir, "feed.xml", &b, e);
    goto out;
nomem:
    err_set(e, ERR_NOMEM, NULL, 0, 0, "publish: out of memory");
out:
    closedir(d);
    for (size_t i = 0; i < n; i++)
        free(names[i]);
    free(names);
    strbuf_free(&b);
    strbuf_free(&base);
    strbuf_free(&desc);
    return rc;
}
