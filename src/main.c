/* main.c -- tingbao's command line: options, the pipeline, exit codes.
 *
 * The only file that knows the whole chain
 *   edition -> clean -> script -> tn -> g2p -> synth -> resample -> mix -> out
 * and the only one that prints or exits.  Exit codes are sysexits.h's, listed
 * in README.md and tingbao.1.
 */
#define _GNU_SOURCE /* renameat2, to swap an edition into place in one step */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sys/file.h>
#include <limits.h>
#include <malloc.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#include "audio.h"
#include "cache.h"
#include "clean.h"
#include "edition.h"
#include "err.h"
#include "g2p.h"
#include "jobs.h"
#include "lexicon.h"
#include "mix.h"
#include "out.h"
#include "publish.h"
#include "resample.h"
#include "script.h"
#include "str.h"
#include "synth.h"
#include "tn.h"
#include "utf8.h"
#include "voice.h"

#ifndef TINGBAO_VERSION
#define TINGBAO_VERSION "0.0.0"
#endif
#ifndef TINGBAO_DATADIR
#define TINGBAO_DATADIR "/usr/local/share/tingbao"
#endif

#define NAME_MAX_BYTES 120
#define CACHE_MAX_AGE_DAYS 60
#define CACHE_MAX_BYTES (4ull << 30)

static const char *progname = "tingbao";

/* ---- options ------------------------------------------------------------- */

typedef struct opts {
    const char *date;        /* --date, resolved to YYYY-MM-DD, or NULL */
    const char *encoding;    /* --encoding */
    size_t max_article;      /* --max-article-chars, 0 = default */
    int keep_days;           /* --keep-days, -1 = keep all */
    const char *out;
    const char *voice;
    const char **lexicons;
    size_t n_lexicons;
    int rate;
    int quiet, verbose, json;
    int force;               /* --force: synthesize everything again */
    int jobs;                /* --jobs: worker processes */
    unsigned formats;        /* out_format flags (WAV always) */
    const char *base_url;    /* --base-url for the feed's enclosures */
    const char *feed_image;  /* --feed-image URL of the show's artwork */
    const char *feed_owner;  /* --feed-owner e-mail for itunes:owner */
    int feed_days;           /* --feed-days: editions kept in the feed */
    double loudness;         /* --loudness, integrated LUFS of each article */
    const char *cache_dir;   /* --cache, default OUT/.cache */
    const char *say_out;
} opts;

typedef struct paths {
    char voices[PATH_MAX];
    char lexicon[PATH_MAX];
    char base[PATH_MAX];
} paths;

static void usage(FILE *f)
{
    fputs(
            "usage: tingbao build [options] EDITION...   read editions aloud into --out\n"
            "       tingbao script [--json] EDITION      print the narration script\n"
            "       tingbao normalize                    stdin -> what an anchor says\n"
            "       tingbao pinyin                       stdin -> toned pinyin\n"
            "       tingbao say [-o FILE] TEXT           speak one sentence into a WAV\n"
            "       tingbao --help | --version\n"
            "\n"
            "EDITION is a Markdown file (first H1 = the paper, H2 = headlines,\n"
            "H1 \"第02版：经济\" = a new section) or a folder of them, one per section.\n"
            "A folder of dated folders (2023-09-05/, ...) is each of those editions.\n"
            "Several editions share one pool of --jobs workers.\n"
            "\n"
            "options:\n"
            "  -o, --out DIR       output folder (build: default output; say: the WAV file)\n"
            "      --voice NAME    voice profile: voices/NAME.ini, or a path to an .ini\n"
            "      --lexicon FILE  extra \"word<TAB>pinyin\" overrides (repeatable)\n"
            "      --rate HZ       output sample rate (default 44100)\n"
            "      --date D        today, yesterday or YYYY-MM-DD: fills {date} {yyyy} {mm} {dd}\n"
            "                      in EDITION paths; the masthead's date wins if they differ\n"
            "      --keep-days N   after a good build, remove this paper's editions older\n"
            "                      than N days (never the newest)\n"
            "      --encoding ENC  the input's encoding (default: UTF-8, or GB18030 detected)\n"
            "      --format LIST   audio files beside each WAV: mp3,opus,flac (any combination)\n"
            "      --loudness LUFS each article's loudness, EBU R128 (default -16; -23 broadcast)\n"
            "      --base-url URL  where OUT/<paper>/ is served: absolute URLs in feed.xml\n"
            "      --feed-days N   editions kept in the podcast feed (default 30)\n"
            "      --feed-image URL  the show's artwork for feed.xml (Apple: 1400-3000 px)\n"
            "      --feed-owner MAIL the feed's itunes:owner e-mail\n"
            "  -j, --jobs N        worker processes for synthesis (default: the number of cores)\n"
            "                      many machines: GNU parallel over hosts sharing --out (man page)\n"
            "      --cache DIR     synthesized audio kept between builds (default OUT/.cache)\n"
            "      --force         synthesize everything again, ignoring the cache\n"
            "      --max-article-chars N  leave out longer articles (default 60000)\n"
            "      --json          script: print JSON instead of text\n"
            "  -q, --quiet         only errors on stderr\n"
            "  -v, --verbose       say what is done, step by step\n"
            "\n"
            "build writes OUT/<paper>/<YYYY-MM-DD>/ with edition.json, 00-intro.wav,\n"
            "one WAV per section and a folder of one WAV per article, and prints that\n"
            "folder's path as its last line.\n"
            "\n"
            "examples:\n"
            "  tingbao build ../shared/editions/zhuzhou-2023-09-05.md --out output\n"
            "  echo '2023年9月5日，占比达99.1%' | tingbao normalize\n"
            "  echo '银行行长' | tingbao pinyin\n"
            "  tingbao say -o /tmp/t.wav '株洲日报'\n"
            "\n"
            "exit codes: 0 done, 64 usage, 65 bad input, 66 input missing, 70 internal error,\n"
            "73 output cannot be written, 74 read error, 75 another build holds the output\n"
            "(try later), 78 bad voice profile.\n"
            "\n"
            "cron: 0 2 * * * tingbao build --quiet --date today /srv/in/{date}.md --out /srv/audio\n"
            "See tingbao(1).\n", f);
}

static int exit_code(const err *e)
{
    switch (e->cat) {
    case ERR_NONE:
        return 0;
    case ERR_NOINPUT:
        return EX_NOINPUT;
    case ERR_PARSE:
    case ERR_LEXICON:
        return EX_DATAERR;
    case ERR_IO:
        return EX_IOERR;
    case ERR_OUTPUT:
        return EX_CANTCREAT;
    case ERR_CONFIG:
        return EX_CONFIG;
    case ERR_NOMEM:
        return EX_OSERR;
    case ERR_BUSY:
        return EX_TEMPFAIL;
    default:
        return EX_SOFTWARE;
    }
}

static int fail(const err *e)
{
    char buf[ERR_FILE_MAX + ERR_MSG_MAX + 64];
    fprintf(stderr, "%s: %s\n", progname, err_format(e, buf, sizeof buf));
    return exit_code(e);
}

static int bad_usage(const char *fmt, const char *arg)
{
    fprintf(stderr, "%s: ", progname);
    fprintf(stderr, fmt, arg);
    fprintf(stderr, "\nTry 'tingbao --help'.\n");
    return EX_USAGE;
}

/* Writes "a/b" into 'out' of 'size' bytes.  0, or -1 when it does not fit
 * (the path is then empty, so a later open fails with a clear message). */
static int pjoin(char *out, size_t size, const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    if (la + lb + 2 > size) {
        out[0] = '\0';
        return -1;
    }
    memcpy(out, a, la);
    out[la] = '/';
    memcpy(out + la + 1, b, lb + 1);
    return 0;
}

static int is_dir_with(const char *dir, const char *rel)
{
    char p[PATH_MAX];
    struct stat st;
    if (pjoin(p, sizeof p, dir, rel) < 0)
        return 0;
    return stat(p, &st) == 0;
}

/* Data comes from $TINGBAO_DATADIR, else from the source tree the binary
 * was built in (so ./tingbao works before `make install`), else from
 * ../share/tingbao beside the binary, else from the DATADIR it was built
 * for. */
static void find_paths(paths *p)
{
    const char *env = getenv("TINGBAO_DATADIR");
    char exe[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (env && *env) {
        pjoin(p->voices, sizeof p->voices, env, "voices");
        pjoin(p->lexicon, sizeof p->lexicon, env, "lexicon");
        pjoin(p->base, sizeof p->base, env, "base-lexicon.tsv");
        return;
    }
    if (n > 0) {
        exe[n] = '\0';
        char *slash = strrchr(exe, '/');
        if (slash) {
            *slash = '\0';
            /* The source tree: beside the binary, or two folders up for
             * the sanitized build in build/asan/. */
            static const char *const up[] = {".", "../..", NULL};
            for (size_t i = 0; up[i]; i++) {
                char tree[PATH_MAX];
                if (pjoin(tree, sizeof tree, exe, up[i]) == 0 &&
                    is_dir_with(tree, "voices/default.ini") &&
                    is_dir_with(tree, "build/base-lexicon.tsv") && is_dir_with(tree, "src/main.c")) {
                    pjoin(p->voices, sizeof p->voices, tree, "voices");
                    pjoin(p->lexicon, sizeof p->lexicon, tree, "lexicon");
                    pjoin(p->base, sizeof p->base, tree, "build/base-lexicon.tsv");
                    return;
                }
            }
            /* Installed: BINDIR/../share/tingbao, so a tree copied
             * elsewhere (or staged under DESTDIR) still finds its data. */
            char share[PATH_MAX];
            if (pjoin(share, sizeof share, exe, "../share/tingbao") == 0 &&
                is_dir_with(share, "base-lexicon.tsv")) {
                pjoin(p->voices, sizeof p->voices, share, "voices");
                pjoin(p->lexicon, sizeof p->lexicon, share, "lexicon");
                pjoin(p->base, sizeof p->base, share, "base-lexicon.tsv");
                return;
            }
        }
    }
    pjoin(p->voices, sizeof p->voices, TINGBAO_DATADIR, "voices");
    pjoin(p->lexicon, sizeof p->lexicon, TINGBAO_DATADIR, "lexicon");
    pjoin(p->base, sizeof p->base, TINGBAO_DATADIR, "base-lexicon.tsv");
}

/* ---- the speaking pipeline ----------------------------------------------- */

typedef struct pipeline {
    const opts *o;
    paths dirs;
    tn *tn;
    lexicon *lx;
    g2p *g2p;
    voice voice;
    int have_voice;
    synth *synth;
    cache *cache;          /* NULL for commands that keep nothing */
    int16_t *chime16[2];   /* made once, measured once, at the output rate */
    size_t chime_frames[2];
} pipeline;

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The .tsv files of 'dir' in name order, so the same files always give the same
 * readings. */
/* The .tsv files of 'dir', sorted by name (*names and each name are the
 * caller's to free).  A missing folder has none.  0, or -1 (ERR_NOMEM). */
static int tsv_files(const char *dir, char ***names, size_t *n, err *e)
{
    *names = NULL;
    *n = 0;
    DIR *d = opendir(dir);
    if (!d)
        return 0;
    struct dirent *de;
    int rc = 0;
    while ((de = readdir(d))) {
        size_t len = strlen(de->d_name);
        if (de->d_name[0] == '.' || len < 5 || strcmp(de->d_name + len - 4, ".tsv"))
            continue;
        char **nn = realloc(*names, (*n + 1) * sizeof *nn);
        if (nn)
            *names = nn;
        if (!nn || !(nn[*n] = strdup(de->d_name))) {
            err_set(e, ERR_NOMEM, NULL, 0, 0, "out of memory");
            rc = -1;
            break;
        }
        (*n)++;
    }
    closedir(d);
    qsort(*names, *n, sizeof **names, cmp_str);
    return rc;
}

static void free_names(char **names, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(names[i]);
    free(names);
}

static int load_override_dir(lexicon *lx, const char *dir, err *e)
{
    char **names;
    size_t n;
    int rc = tsv_files(dir, &names, &n, e);
    for (size_t i = 0; rc == 0 && i < n; i++) {
        char p[PATH_MAX];
        pjoin(p, sizeof p, dir, names[i]);
        if (lexicon_load_overrides(lx, p, e) < 0)
            rc = -1;
    }
    free_names(names, n);
    return rc;
}

static int open_text(pipeline *p, err *e)
{
    if (p->g2p)
        return 0;
    if (!(p->tn = tn_create(e)) || !(p->lx = lexicon_create(e)))
        return -1;
    if (access(p->dirs.base, R_OK) < 0) {
        err_set(e, ERR_LEXICON, p->dirs.base, 0, 0,
                "base lexicon missing (run make, or make install)");
        return -1;
    }
    if (lexicon_load_base(p->lx, p->dirs.base, e) < 0 ||
        load_override_dir(p->lx, p->dirs.lexicon, e) < 0)
        return -1;
    for (size_t i = 0; i < p->o->n_lexicons; i++)
        if (lexicon_load_overrides(p->lx, p->o->lexicons[i], e) < 0)
            return -1;
    return (p->g2p = g2p_create(p->lx, e)) ? 0 : -1;
}

/* The voice profile's file: --voice NAME is voices/NAME.ini, a path is
 * itself. */
static void voice_path(const pipeline *p, char path[PATH_MAX])
{
    const char *v = p->o->voice ? p->o->voice : "default";
    size_t len = strlen(v);
    char name[NAME_MAX + 1];
    if (strchr(v, '/') || (len > 4 && strcmp(v + len - 4, ".ini") == 0))
        snprintf(path, PATH_MAX, "%s", v);
    else if (snprintf(name, sizeof name, "%s.ini", v) >= (int)sizeof name)
        path[0] = '\0';
    else
        pjoin(path, PATH_MAX, p->dirs.voices, name);
}

/* Reads the voice profile (plain parsing: safe before fork()). */
static int load_voice(pipeline *p, err *e)
{
    if (p->have_voice)
        return 0;
    char path[PATH_MAX];
    voice_path(p, path);
    if (access(path, R_OK) < 0) {
        err_set(e, ERR_CONFIG, path, 0, 0, "voice profile not found: %s", strerror(errno));
        return -1;
    }
    if (voice_load(&p->voice, path, e) < 0)
        return -1;
    p->have_voice = 1;
    return 0;
}

/* Starts espeak-ng.  It starts a thread of its own, so a process that
 * forks workers does this after forking, never before. */
static int open_voice(pipeline *p, err *e)
{
    if (p->synth)
        return 0;
    if (load_voice(p, e) < 0)
        return -1;
    return (p->synth = synth_create(&p->voice, e)) ? 0 : -1;
}

static void close_pipeline(pipeline *p)
{
    free(p->chime16[0]);
    free(p->chime16[1]);
    cache_free(p->cache);
    synth_free(p->synth);
    if (p->have_voice)
        voice_free(&p->voice);
    g2p_free(p->g2p);
    lexicon_free(p->lx);
    tn_free(p->tn);
}

/* Normalizes and converts one piece of text; the caller owns *spoken and
 * releases 'toks'. */
static int text_to_tokens(pipeline *p, const char *text, const char *src, int line,
                          char **spoken, g2p_tokens *toks, err *e)
{
    *spoken = tn_normalize(p->tn, text, strlen(text), src, line, e);
    if (!*spoken)
        return -1;
    if (g2p_convert(p->g2p, *spoken, strlen(*spoken), toks, NULL, e) < 0) {
        /* g2p knows no file or line; give it the segment's. */
        if (!e->file[0])
            err_set(e, e->cat, src, line, 0, "%s", e->msg);
        return -1;
    }
    return 0;
}

static double pause_after(const voice *v, script_kind k)
{
    switch (k) {
    case SCRIPT_INTRO:
        return v->pause_intro;
    case SCRIPT_HEADLINE:
        return v->pause_headline;
    case SCRIPT_SUBTITLE:
        return v->pause_subtitle;
    case SCRIPT_COLUMN:
        return v->pause_column;
    case SCRIPT_DATELINE:
        return v->pause_dateline;
    case SCRIPT_PARAGRAPH:
        return v->pause_paragraph;
    }
    return 0.5;
}

/* When each sentence of an article is heard: segment 'seg' of the
 * article, its sentence 'span' (as script_sentences() splits it;
 * WHOLE_SEGMENT when the counts did not agree), from 'start' to 'end'
 * seconds.  Stored in the cache beside the audio, so a transcript needs no
 * new synthesis. */
#define WHOLE_SEGMENT UINT32_MAX
typedef struct sentence_time {
    uint32_t seg, span;
    double start, end;
} sentence_time;

typedef struct timing {
    sentence_time *v;
    size_t n, cap;
} timing;

static int timing_add(timing *t, uint32_t seg, uint32_t span, double start, double end, err *e)
{
    if (t->n == t->cap) {
        size_t c = t->cap ? t->cap * 2 : 32;
        sentence_time *v = realloc(t->v, c * sizeof *v);
        if (!v) {
            err_set(e, ERR_NOMEM, NULL, 0, 0, "out of memory");
            return -1;
        }
        t->v = v;
        t->cap = c;
    }
    t->v[t->n++] = (sentence_time){seg, span, start, end};
    return 0;
}

/* Where the speech of [from, to) ends: a sentence's mark comes after its
 * pause, and a caption should leave the screen when the voice stops, not
 * when the next sentence starts.  Silence is under -50 dBFS; 30 ms of the
 * decay are kept. */
static size_t speech_end(const audio *raw, size_t from, size_t to)
{
    size_t i = to;
    while (i > from && fabsf(raw->data[i - 1]) < 0.003f)
        i--;
    size_t tail = (size_t)(raw->rate * 0.03);
    return i + tail < to ? i + tail : to;
}

/* Bump when the rendering of an article changes in a way the cache key
 * does not see (a new level stage, a new chime), so old entries miss. */
#define AUDIO_RENDERING "r128-limit-3"

/* Adds to 'k' everything about the voice and output that changes the sound
 * of an article besides its words. */
static void key_voice(const pipeline *p, cache_key *k)
{
    const voice *v = &p->voice;
    char buf[512];
    snprintf(buf, sizeof buf, "%s|%s|%s|%s|%d|%d|%d|%.3f|%.3f|%.3f|%.3f|%.3f|%.3f|%d|%.2f|%.2f",
             AUDIO_RENDERING, synth_version(), v->espeak, v->letters, v->rate, v->pitch, v->range,
             v->pause_headline, v->pause_subtitle, v->pause_column, v->pause_dateline,
             v->pause_paragraph, v->pause_intro, p->o->rate, p->o->loudness, MIX_CEILING_DBTP);
    cache_key_adds(k, buf);
}

/* ---- pieces: what one worker speaks --------------------------------------
 *
 * A piece is one track of speech: the edition's intro, a section's intro or
 * an article.  The parent works out its tokens and cache key once; a worker
 * process speaks it into the cache at the output rate; the parent then
 * assembles the edition's files from the cache, block by block. */

typedef enum piece_state { PIECE_WAITING, PIECE_RUNNING, PIECE_READY, PIECE_FAILED } piece_state;

/* What a worker does: speak a piece, or encode a finished WAV into the
 * other formats.  The first member of each, so a job's argument says. */
typedef enum task_kind { TASK_PIECE, TASK_ENCODE } task_kind;

struct ebuild;

typedef struct piece {
    task_kind kind;         /* TASK_PIECE */
    const script_segment *segs;
    size_t n;
    g2p_tokens *toks;       /* per segment, until spoken */
    size_t syllables;
    size_t weight;          /* bytes of text: the longest go first */
    cache_key key;          /* key.hex names the cache entry */
    int sec, art;           /* its place: sec -1 the edition's intro, art -1 a section's */
    int synthesized;        /* spoken by a worker in this run */
    int tries;              /* times handed to a worker */
    int prepared;           /* tokens and key worked out, cache looked up */
    piece_state state;
    struct ebuild *owner;
} piece;

static void piece_drop_tokens(piece *pc)
{
    for (size_t i = 0; pc->toks && i < pc->n; i++)
        g2p_tokens_free(&pc->toks[i]);
    free(pc->toks);
    pc->toks = NULL;
}

/* Normalizes and converts the piece's text and makes its cache key: the
 * spoken tokens with everything about the voice that changes the sound. */
static int piece_prepare(pipeline *p, piece *pc, err *e)
{
    cache_key key = {0};
    pc->syllables = 0;
    if (!(pc->toks = calloc(pc->n ? pc->n : 1, sizeof *pc->toks)) || cache_key_init(&key, e) < 0) {
        err_set(e, ERR_NOMEM, NULL, 0, 0, "out of memory");
        return -1;
    }
    key_voice(p, &key);
    for (size_t i = 0; i < pc->n; i++) {
        char *spoken = NULL;
        int ok = text_to_tokens(p, pc->segs[i].text, pc->segs[i].src, pc->segs[i].line, &spoken,
                                &pc->toks[i], e) == 0;
        free(spoken);
        if (!ok) {
            cache_key_free(&key);
            return -1;
        }
        char kind = (char)('0' + pc->segs[i].kind);
        cache_key_add(&key, &kind, 1);
        for (size_t k = 0; k < pc->toks[i].n; k++) {
            char tk = (char)('0' + pc->toks[i].v[k].kind);
            cache_key_add(&key, &tk, 1);
            cache_key_adds(&key, pc->toks[i].v[k].text);
            pc->syllables += pc->toks[i].v[k].kind == G2P_SYLLABLE;
        }
    }
    cache_key_final(&key);
    pc->key = key;
    return 0;
}

/* Speaks the piece into 'raw' at espeak-ng's rate, sentence by sentence,
 * timed where espeak-ng ends each sentence (so the transcript follows the
 * voice), and brings it to the loudness target.  Loudness is set before
 * resampling: it costs half as much at 22050 Hz, and resampling changes
 * neither the loudness nor the peaks of band-limited speech (the limiter's
 * peaks are interpolated, inter-sample ones). */
static int piece_speak(pipeline *p, const piece *pc, audio *raw, timing *tm, err *e)
{
    raw->rate = synth_rate(p->synth);
    for (size_t i = 0; i < pc->n; i++) {
        size_t seg_start = raw->frames;
        synth_marks marks = {0};
        script_span *spans = NULL;
        size_t n_spans = 0;
        const char *text = pc->segs[i].text;
        int ok = synth_speak_timed(p->synth, &pc->toks[i], raw, &marks, e) == 0 &&
                 script_sentences(text, strlen(text), &spans, &n_spans, e) == 0;
        double r = raw->rate;
        if (ok && n_spans == marks.n) {
            for (size_t k = 0; ok && k < n_spans; k++) {
                size_t from = k ? marks.v[k - 1] : seg_start;
                ok = timing_add(tm, (uint32_t)i, (uint32_t)k, (double)from / r,
                                (double)speech_end(raw, from, marks.v[k]) / r, e) == 0;
            }
        } else if (ok) {
            ok = timing_add(tm, (uint32_t)i, WHOLE_SEGMENT, (double)seg_start / r,
                            (double)speech_end(raw, seg_start, raw->frames) / r, e) == 0;
        }
        synth_marks_free(&marks);
        free(spans);
        if (!ok)
            return -1;
        /* The last pause is the caller's: chimes follow their own gap. */
        if (i + 1 < pc->n && audio_silence(raw, pause_after(&p->voice, pc->segs[i].kind), e) < 0)
            return -1;
    }
    /* Every article at the same loudness (EBU R128), peaks limited, not
     * clipped: a listener never reaches for the volume between articles. */
    return mix_normalize_loudness(raw, p->o->loudness, MIX_CEILING_DBTP, e);
}

static int to_cache(void *w, const float *x, size_t frames, err *e)
{
    return cache_write(w, x, frames, e);
}

/* In a worker: speaks the piece and stores it in the cache at the output
 * rate, resampled block by block on its way to disk (the output-rate
 * track is never whole in memory). */
static int piece_store(pipeline *p, const piece *pc, err *e)
{
    audio raw = {0};
    timing tm = {0};
    cache_writer *w = NULL;
    int rc = -1;
    if (piece_speak(p, pc, &raw, &tm, e) == 0 &&
        (w = cache_writer_open(p->cache, &pc->key, p->o->rate, tm.v, tm.n * sizeof *tm.v, e)) &&
        resample_to(&raw, p->o->rate, to_cache, w, e) == 0) {
        rc = cache_writer_commit(w, e);
        w = NULL;
    }
    cache_writer_abort(w);
    audio_free(&raw);
    free(tm.v);
    return rc;
}

/* A job: runs in a worker process (see run_editions()). */
static int piece_job(void *arg, err *e);

/* Opens the piece's cache entry and reads its sentence timing.  1 when
 * found, 0 when the entry is missing (removed since it was made: it must
 * be spoken again), -1 with 'e' set. */
static int piece_open(pipeline *p, const piece *pc, cache_reader **r, timing *tm, err *e)
{
    void *meta;
    size_t mlen;
    tm->n = 0;
    int hit = cache_open_entry(p->cache, &pc->key, p->o->rate, r, &meta, &mlen, e);
    if (hit <= 0)
        return hit;
    size_t k = mlen / sizeof(sentence_time);
    int ok = mlen % sizeof(sentence_time) == 0;
    for (size_t i = 0; ok && i < k; i++) {
        sentence_time st;
        memcpy(&st, (char *)meta + i * sizeof st, sizeof st);
        ok = st.seg < pc->n && timing_add(tm, st.seg, st.span, st.start, st.end, e) == 0;
    }
    free(meta);
    if (!ok) {
        cache_reader_close(*r);
        *r = NULL;
        if (e->cat != ERR_NONE)
            return -1;
        tm->n = 0;
        return 0; /* damaged timing: speak it again */
    }
    return 1;
}

/* `tingbao say`: one piece spoken in this process, at the output rate. */
static int speak_here(pipeline *p, const script_segment *segs, size_t n, audio *out,
                      size_t *syllables, err *e)
{
    piece pc = {.segs = segs, .n = n};
    audio raw = {0};
    timing tm = {0};
    int rc = piece_prepare(p, &pc, e) == 0 && open_voice(p, e) == 0 &&
                     piece_speak(p, &pc, &raw, &tm, e) == 0 && resample_audio(&raw, p->o->rate, out, e) == 0
                 ? 0
                 : -1;
    if (rc == 0)
        audio_quantize16(out);
    *syllables = pc.syllables;
    piece_drop_tokens(&pc);
    audio_free(&raw);
    free(tm.v);
    return rc;
}

/* ---- build ------------------------------------------------------------- */

typedef struct progress {
    int tty;
    size_t done, total;
    struct timespec t0;
} progress;

static double since(const struct timespec *t0)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)(t.tv_sec - t0->tv_sec) + (double)(t.tv_nsec - t0->tv_nsec) / 1e9;
}

static void show_progress(const progress *pg, const char *section, const char *headline)
{
    if (!pg->tty)
        return;
    double el = since(&pg->t0);
    double eta = pg->done ? el / (double)pg->done * (double)(pg->total - pg->done) : 0;
    char quoted[96];
    err_quote(headline, strlen(headline), quoted, sizeof quoted);
    fprintf(stderr, "\r\033[K%s  article %zu/%zu  %.0fs elapsed, ~%.0fs left  %s", section,
            pg->done + 1, pg->total, el, eta, quoted);
    fflush(stderr);
}

static char *join_path(const char *a, const char *b, err *e)
{
    strbuf s = {0};
    if (strbuf_addf(&s, e, "%s/%s", a, b) < 0)
        return NULL;
    return strbuf_take(&s);
}

static char *today(void)
{
    time_t t = time(NULL);
    struct tm tm;
    char buf[16];
    localtime_r(&t, &tm);
    strftime(buf, sizeof buf, "%Y-%m-%d", &tm);
    return strdup(buf);
}

/* Everything a finished section needs for the manifest. */
typedef struct built_section {
    out_section s;
    out_article *arts;
    pub_section ps;         /* the same, for the transcripts, feed, DAISY, page */
    pub_article *parts;
    pub_sentence **sentences; /* per article, owned */
    char **files;   /* owned strings the out_* and pub_* structs point at */
    size_t n_files;
} built_section;

static int keep(built_section *bs, char *s, err *e)
{
    if (!s)
        return -1;
    char **f = realloc(bs->files, (bs->n_files + 1) * sizeof *f);
    if (!f) {
        free(s);
        err_set(e, ERR_NOMEM, NULL, 0, 0, "out of memory");
        return -1;
    }
    bs->files = f;
    bs->files[bs->n_files++] = s;
    return 0;
}

/* The file's path without ".wav": the base name every other file of this
 * audio shares (.mp3, .vtt, …). */
static char *base_of(const char *wav, err *e)
{
    return str_dup(wav, strlen(wav) - 4, e);
}

/* The transcript sentences of an article from its timing: the text of each
 * sentence as written (after clean-up), trimmed.  Strings are kept in 'bs'. */
static int sentences_of(built_section *bs, const script_segment *segs, const timing *tm,
                        pub_sentence **out, err *e)
{
    pub_sentence *v = calloc(tm->n ? tm->n : 1, sizeof *v);
    if (!v) {
        err_set(e, ERR_NOMEM, NULL, 0, 0, "out of memory");
        return -1;
    }
    *out = v;
    uint32_t cur = UINT32_MAX;
    script_span *spans = NULL;
    size_t n_spans = 0;
    for (size_t i = 0; i < tm->n; i++) {
        const sentence_time *st = &tm->v[i];
        const char *text = segs[st->seg].text;
        if (st->seg != cur) {
            free(spans);
            spans = NULL;
            if (script_sentences(text, strlen(text), &spans, &n_spans, e) < 0)
                return -1;
            cur = st->seg;
        }
        size_t off = 0, len = strlen(text);
        if (st->span != WHOLE_SEGMENT && st->span < n_spans) {
            off = spans[st->span].off;
            len = spans[st->span].len;
        }
        while (len && (text[off] == ' ' || text[off + len - 1] == ' ')) {
            if (text[off] == ' ')
                off++;
            len--;
        }
        char *t = str_dup(text + off, len, e);
        if (keep(bs, t, e) < 0) {
            free(spans);
            return -1;
        }
        v[i] = (pub_sentence){t, st->start, st->end};
    }
    free(spans);
    return 0;
}


/* ---- nightly runs: dates, lock, leftovers, old editions ------------------ */

/* "today", "yesterday" or a YYYY-MM-DD that is a real date -> out[11]. */
static int resolve_date(const char *arg, char out[16])
{
    time_t t = time(NULL);
    struct tm tm;
    if (!strcmp(arg, "today") || !strcmp(arg, "yesterday")) {
        if (!strcmp(arg, "yesterday"))
            t -= 24 * 3600;
        localtime_r(&t, &tm);
        strftime(out, 16, "%Y-%m-%d", &tm);
        return 0;
    }
    int y, m, d;
    char extra;
    if (strlen(arg) != 10 || sscanf(arg, "%4d-%2d-%2d%c", &y, &m, &d, &extra) != 3 ||
        arg[4] != '-' || arg[7] != '-' || y < 1800 || m < 1 || m > 12 || d < 1 || d > 31)
        return -1;
    memset(&tm, 0, sizeof tm);
    tm.tm_year = y - 1900;
    tm.tm_mon = m - 1;
    tm.tm_mday = d;
    tm.tm_hour = 12;
    tm.tm_isdst = -1;
    if (mktime(&tm) == (time_t)-1 || tm.tm_mday != d) /* 2023-02-30 */
        return -1;
    snprintf(out, 16, "%04d-%02d-%02d", y, m, d);
    return 0;
}

/* EDITION with {date} {yyyy} {mm} {dd} filled from 'date' (YYYY-MM-DD). */
static char *expand_path(const char *pat, const char *date, err *e)
{
    strbuf b = {0};
    for (const char *p = pat; *p;) {
        const char *rep = NULL;
        size_t n = 0, skip = 0;
        if (date && !strncmp(p, "{date}", 6))
            rep = date, n = 10, skip = 6;
        else if (date && !strncmp(p, "{yyyy}", 6))
            rep = date, n = 4, skip = 6;
        else if (date && !strncmp(p, "{mm}", 4))
            rep = date + 5, n = 2, skip = 4;
        else if (date && !strncmp(p, "{dd}", 4))
            rep = date + 8, n = 2, skip = 4;
        if (rep) {
            if (strbuf_add(&b, rep, n, e) < 0)
                goto fail;
            p += skip;
        } else {
            if (strbuf_add(&b, p, 1, e) < 0)
                goto fail;
            p++;
        }
    }
    return strbuf_take(&b);
fail:
    strbuf_free(&b);
    return NULL;
}

/* Takes OUT/<paper>/.lock: one build of a paper at a time.  The lock is
 * flock()ed, so it dies with its process (SIGKILL included) and never needs
 * clearing; the file holds the owner's process id for the message. */
static int lock_paper(const char *paper_dir, int *fd_out, err *e)
{
    char *path = join_path(paper_dir, ".lock", e);
    if (!path)
        return -1;
    int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0666);
    if (fd < 0) {
        err_set(e, ERR_OUTPUT, path, 0, 0, "cannot open the lock: %s", strerror(errno));
        free(path);
        return -1;
    }
    if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
        char buf[32] = "";
        ssize_t n = pread(fd, buf, sizeof buf - 1, 0);
        buf[n > 0 ? n : 0] = '\0';
        long pid = atol(buf);
        if (errno == EWOULDBLOCK && pid > 0)
            err_set(e, ERR_BUSY, paper_dir, 0, 0,
                    "another build (process %ld) is writing this paper; try later", pid);
        else if (errno == EWOULDBLOCK)
            err_set(e, ERR_BUSY, paper_dir, 0, 0,
                    "another build is writing this paper; try later");
        else
            err_set(e, ERR_OUTPUT, path, 0, 0, "cannot lock: %s", strerror(errno));
        close(fd);
        free(path);
        return -1;
    }
    char pid[32];
    int n = snprintf(pid, sizeof pid, "%ld\n", (long)getpid());
    if (ftruncate(fd, 0) < 0 || pwrite(fd, pid, (size_t)n, 0) != n) {
        /* The lock holds without the id; only the message is poorer. */
    }
    free(path);
    *fd_out = fd;
    return 0;
}

/* What a killed build left in the paper's folder: ".<date>.tmp.<pid>" and
 * ".old.<pid>".  Called under the lock, so no live build owns them. */
static int clear_leftovers(const char *paper_dir, err *e)
{
    DIR *d = opendir(paper_dir);
    if (!d)
        return 0;
    struct dirent *de;
    int rc = 0;
    while ((de = readdir(d)) && rc == 0) {
        if (de->d_name[0] != '.' || (!strstr(de->d_name, ".tmp.") && strncmp(de->d_name, ".old.", 5)))
            continue;
        char *p = join_path(paper_dir, de->d_name, e);
        rc = p ? out_remove_tree(p, e) : -1;
        free(p);
    }
    closedir(d);
    return rc;
}

static int is_date_name(const char *s)
{
    char tmp[16];
    return strlen(s) == 10 && resolve_date(s, tmp) == 0;
}

/* --keep-days: removes dated edition folders older than 'days' days before
 * today, never the newest one. */
static int remove_old_editions(const char *paper_dir, int days, err *e)
{
    time_t t = time(NULL) - (time_t)days * 24 * 3600;
    struct tm tm;
    char cutoff[16], newest[16] = "";
    localtime_r(&t, &tm);
    strftime(cutoff, sizeof cutoff, "%Y-%m-%d", &tm);
    DIR *d = opendir(paper_dir);
    if (!d)
        return 0;
    struct dirent *de;
    while ((de = readdir(d)))
        if (is_date_name(de->d_name) && strcmp(de->d_name, newest) > 0)
            snprintf(newest, sizeof newest, "%.10s", de->d_name);
    rewinddir(d);
    int rc = 0;
    while ((de = readdir(d)) && rc == 0) {
        if (!is_date_name(de->d_name) || !strcmp(de->d_name, newest) ||
            strcmp(de->d_name, cutoff) >= 0)
            continue;
        char *p = join_path(paper_dir, de->d_name, e);
        rc = p ? out_remove_tree(p, e) : -1;
        free(p);
    }
    closedir(d);
    return rc;
}

/* Moves the finished folder 'tmp' to 'final'.  An older build of the same
 * edition is swapped out in one step (renameat2 RENAME_EXCHANGE), so a
 * reader sees the old or the new edition, never a mix and never none; where
 * the file system cannot swap, two renames come close. */
static int publish_edition(const char *tmp, const char *final, const char *paper_dir, err *e)
{
    struct stat st;
    if (stat(final, &st) < 0) {
        if (rename(tmp, final) < 0) {
            err_set(e, ERR_OUTPUT, final, 0, 0, "cannot publish: %s", strerror(errno));
            return -1;
        }
        return 0;
    }
    if (renameat2(AT_FDCWD, tmp, AT_FDCWD, final, RENAME_EXCHANGE) == 0)
        return out_remove_tree(tmp, e); /* now the old edition */
    if (errno != EINVAL && errno != ENOSYS) {
        err_set(e, ERR_OUTPUT, final, 0, 0, "cannot publish: %s", strerror(errno));
        return -1;
    }
    strbuf old = {0};
    if (strbuf_addf(&old, e, "%s/.old.%ld", paper_dir, (long)getpid()) < 0)
        return -1;
    int rc = -1;
    if (rename(final, old.s) < 0) {
        err_set(e, ERR_OUTPUT, final, 0, 0, "cannot replace: %s", strerror(errno));
    } else if (rename(tmp, final) < 0) {
        err_set(e, ERR_OUTPUT, final, 0, 0, "cannot publish: %s", strerror(errno));
        rename(old.s, final);
    } else {
        rc = out_remove_tree(old.s, e);
    }
    strbuf_free(&old);
    return rc;
}

/* Adds a file's name and bytes to 'k'; a file that cannot be read adds
 * its name only (the build will report it where it is opened). */
static void key_file(cache_key *k, const char *path)
{
    cache_key_adds(k, path);
    FILE *f = fopen(path, "rb");
    if (!f)
        return;
    char buf[65536];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, f)) > 0)
        cache_key_add(k, buf, n);
    fclose(f);
}

/* The build key: a hash of every input of the build (the edition's files,
 * the voice profile, every lexicon file, the options and versions that
 * change the output).  Equal to the published edition's key means there is
 * nothing to do. */
static int build_key(const pipeline *p, const edition *ed, char hex[33], err *e)
{
    const opts *o = p->o;
    cache_key k;
    if (cache_key_init(&k, e) < 0)
        return -1;
    char buf[512];
    snprintf(buf, sizeof buf, "tingbao %s|%s|espeak-ng %s|rate %d|lufs %.2f|formats %u|enc %s|max %zu",
             TINGBAO_VERSION, AUDIO_RENDERING, synth_version(), o->rate, o->loudness, o->formats,
             o->encoding ? o->encoding : "", o->max_article);
    cache_key_adds(&k, buf);
    for (size_t i = 0; i < ed->n_srcs; i++)
        key_file(&k, ed->srcs[i]);
    char path[PATH_MAX];
    voice_path(p, path);
    key_file(&k, path);
    key_file(&k, p->dirs.base);
    /* The same files, in the same order, as load_override_dir() reads. */
    char **names;
    size_t n;
    if (tsv_files(p->dirs.lexicon, &names, &n, e) < 0) {
        cache_key_free(&k);
        return -1;
    }
    for (size_t i = 0; i < n; i++)
        if (pjoin(path, sizeof path, p->dirs.lexicon, names[i]) == 0)
            key_file(&k, path);
    free_names(names, n);
    for (size_t i = 0; i < o->n_lexicons; i++)
        key_file(&k, o->lexicons[i]);
    cache_key_final(&k);
    memcpy(hex, k.hex, 33);
    return 0;
}

static void print_warnings(const opts *o, const edition *ed)
{
    if (o->quiet)
        return;
    for (size_t i = 0; i < ed->n_warnings; i++) {
        char buf[ERR_FILE_MAX + ERR_MSG_MAX + 64];
        err w = ed->warnings[i];
        snprintf(w.msg, sizeof w.msg, "warning: %.1000s", ed->warnings[i].msg);
        fprintf(stderr, "%s: %s\n", progname, err_format(&w, buf, sizeof buf));
    }
}

/* ---- assembling an edition from the cache ------------------------------- */

/* A file being written as it is heard: the intro, an article or a whole
 * section.  Audio goes straight to disk in blocks, so no track is ever
 * held in memory.  Opus takes 48 kHz: its copy goes through a streaming
 * resampler into a stream of its own. */
typedef struct track {
    out_stream *main, *opus;
    resample_stream *rs;
    audio block;       /* the resampler's output, reused */
    size_t frames;     /* written to the main stream */
    int rate;
} track;

/* Opens the files of 'formats' named after 'wav' (NAME.wav, NAME.mp3...). */
static int track_open(const pipeline *p, const char *wav, unsigned formats, track *t, err *e)
{
    memset(t, 0, sizeof *t);
    t->rate = p->o->rate;
    int opus_apart = (formats & OUT_OPUS) && !out_opus_rate_ok(t->rate);
    unsigned f = opus_apart ? formats & ~(unsigned)OUT_OPUS : formats;
    if (f && !(t->main = out_stream_open(wav, t->rate, f, e)))
        return -1;
    if (!opus_apart)
        return 0;
    /* The same base name: with OUT_OPUS alone, only NAME.opus is written. */
    t->block.rate = 48000;
    return (t->opus = out_stream_open(wav, 48000, OUT_OPUS, e)) &&
                   (t->rs = resample_stream_open(t->rate, 48000, e))
               ? 0
               : -1;
}

/* Audio on the WAV's 16-bit grid goes to the files as it is; only the Opus
 * copy is converted (to float, for the resampler). */
static int track_write(track *t, const int16_t *x, size_t frames, int last, err *e)
{
    if (t->main && frames && out_stream_write16(t->main, x, frames, e) < 0)
        return -1;
    t->frames += frames;
    if (!t->rs)
        return 0;
    size_t i = 0;
    do {
        float f[CACHE_BLOCK];
        size_t k = frames - i < CACHE_BLOCK ? frames - i : CACHE_BLOCK;
        audio_from16(x + i, f, k);
        i += k;
        t->block.frames = 0;
        if (resample_stream_process(t->rs, f, k, last && i == frames, &t->block, e) < 0 ||
            (t->block.frames && out_stream_write(t->opus, t->block.data, t->block.frames, e) < 0))
            return -1;
    } while (i < frames);
    return 0;
}

static int track_silence(track *t, double seconds, err *e)
{
    static const int16_t zeros[CACHE_BLOCK];
    size_t n = (size_t)lround(seconds * t->rate);
    while (n) {
        size_t k = n < CACHE_BLOCK ? n : CACHE_BLOCK;
        if (track_write(t, zeros, k, 0, e) < 0)
            return -1;
        n -= k;
    }
    return 0;
}

static void track_abort(track *t)
{
    out_stream_abort(t->main);
    out_stream_abort(t->opus);
    resample_stream_free(t->rs);
    audio_free(&t->block);
    memset(t, 0, sizeof *t);
}

static int track_close(track *t, const out_cue *cues, size_t n, err *e)
{
    int rc = t->rs ? track_write(t, NULL, 0, 1, e) : 0;
    if (rc == 0 && t->main) {
        rc = out_stream_close(t->main, cues, n, e);
        t->main = NULL;
    }
    if (rc == 0 && t->opus) {
        rc = out_stream_close(t->opus, NULL, 0, e);
        t->opus = NULL;
    }
    track_abort(t);
    return rc;
}

/* Writes the chime 'kind' at the level mix sets against the speech: made
 * and measured once a run, rounded to 16 bits, then copied (every chime
 * is the same). */
static int add_chime(pipeline *p, track *t, mix_chime kind, err *e)
{
    int k = kind == MIX_CHIME_SECTION;
    if (!p->chime16[k]) {
        audio c = {.rate = t->rate};
        if (mix_add_chime_at(&c, kind, p->o->loudness, e) < 0)
            return -1;
        if (!(p->chime16[k] = malloc((c.frames ? c.frames : 1) * sizeof *p->chime16[k]))) {
            audio_free(&c);
            err_set(e, ERR_NOMEM, NULL, 0, 0, "out of memory");
            return -1;
        }
        audio_to16(c.data, p->chime16[k], c.frames);
        p->chime_frames[k] = c.frames;
        audio_free(&c);
    }
    return track_write(t, p->chime16[k], p->chime_frames[k], 0, e);
}

/* Copies a piece's audio from the cache reader 'r' into 'a' and, when not
 * NULL, 'b' (an article goes to its own file and to its section's). */
static int copy_piece(cache_reader *r, track *a, track *b, err *e)
{
    int16_t buf[CACHE_BLOCK];
    long n;
    while ((n = cache_read16(r, buf, CACHE_BLOCK, e)) > 0)
        if (track_write(a, buf, (size_t)n, 0, e) < 0 || (b && track_write(b, buf, (size_t)n, 0, e) < 0))
            return -1;
    return n < 0 ? -1 : 0;
}

/* A WAV of the edition to encode into the other --format's, beside it: in
 * a worker, so encoders (LAME, libopus: ten times slower than synthesis)
 * run on every core, not in the process assembling the edition. */
typedef struct encode {
    task_kind kind;         /* TASK_ENCODE */
    char *wav;
    size_t frames;          /* the longest go first */
    piece_state state;
    struct ebuild *owner;
} encode;

/* One paper's lock, shared by the editions of that paper built in one
 * call (flock() would refuse this process a second lock on the file). */
typedef struct paper_lock {
    char *dir;
    int fd;
    int refs;
} paper_lock;

typedef enum ebuild_state { EB_BUILDING, EB_DONE, EB_FAILED } ebuild_state;

/* One edition being built. */
typedef struct ebuild {
    pipeline *p;
    size_t index;           /* among the command's editions */
    char *path;
    edition *ed;
    script *sc;
    clean_stats cs;
    char *date, *paper_dir, *final, *tmpdir;
    char bkey[33];
    paper_lock *lock;
    piece *pieces;          /* reading order: intro, then each section's intro and articles */
    size_t n_pieces;
    piece **order;          /* the same, longest first: the order workers take them */
    size_t cursor;          /* the next piece to assemble */
    size_t running;         /* pieces with a worker now */
    built_section *bs;
    track sec;              /* the section file being written */
    char *sec_path;
    encode **encodes;       /* WAVs to encode, each allocated apart (workers hold them) */
    size_t n_encodes;
    out_cue *cues;
    double intro_s;
    size_t articles, synthesized, cached;
    struct timespec t0;
    ebuild_state state;
    int dirty;              /* pieces became ready outside advance() */
} ebuild;

/* The whole command: every edition, the workers, the locks. */
typedef struct builder {
    pipeline *p;
    char **paths;           /* the editions, in the order given */
    size_t n_paths, next;   /* the next to start */
    ebuild **live;          /* started and not yet ended */
    size_t n_live;
    char **published;       /* per edition: its folder once published */
    ebuild_state *ends;     /* per edition: how it ended */
    size_t printed;         /* editions whose outcome is printed, in order */
    paper_lock **locks;
    size_t n_locks;
    jobs *jobs;
    progress pg;
    int built;              /* an edition was built (not up to date): trim the cache */
    int rc;                 /* the first failure's exit code */
} builder;

static int encode_job(encode *en, err *e);

static int piece_job(void *arg, err *e)
{
    if (*(task_kind *)arg == TASK_ENCODE)
        return encode_job(arg, e);
    piece *pc = arg;
    return piece_store(pc->owner->p, pc, e);
}

static int acquire_lock(builder *b, const char *paper_dir, paper_lock **out, err *e)
{
    paper_lock *l = NULL;
    for (size_t i = 0; i < b->n_locks; i++) {
        if (b->locks[i]->refs > 0 && !strcmp(b->locks[i]->dir, paper_dir)) {
            b->locks[i]->refs++;
            *out = b->locks[i];
            return 0;
        }
        if (!l && b->locks[i]->refs == 0)
            l = b->locks[i];
    }
    if (!l) {
        /* Each lock on its own: editions keep pointers to theirs. */
        paper_lock **v = realloc(b->locks, (b->n_locks + 1) * sizeof *v);
        if (v)
            b->locks = v;
        if (!v || !(l = calloc(1, sizeof *l))) {
            err_set(e, ERR_NOMEM, NULL, 0, 0, "out of memory");
            return -1;
        }
        b->locks[b->n_locks++] = l;
    }
    int fd;
    if (lock_paper(paper_dir, &fd, e) < 0)
        return -1;
    if (clear_leftovers(paper_dir, e) < 0) {
        close(fd);
        return -1;
    }
    free(l->dir);
    if (!(l->dir = strdup(paper_dir))) {
        close(fd);
        err_set(e, ERR_NOMEM, NULL, 0, 0, "out of memory");
        return -1;
    }
    l->fd = fd;
    l->refs = 1;
    *out = l;
    return 0;
}

static void release_lock(paper_lock *l)
{
    if (l && --l->refs == 0)
        close(l->fd); /* releases the lock */
}

static void ebuild_free(ebuild *eb)
{
    if (!eb)
        return;
    track_abort(&eb->sec);
    if (eb->bs) {
        for (size_t i = 0; i < eb->sc->n_sections; i++) {
            built_section *bs = &eb->bs[i];
            for (size_t k = 0; k < bs->n_files; k++)
                free(bs->files[k]);
            free(bs->files);
            free(bs->arts);
            free(bs->parts);
            for (size_t j = 0; bs->sentences && j < eb->sc->sections[i].n_articles; j++)
                free(bs->sentences[j]);
            free(bs->sentences);
        }
        free(eb->bs);
    }
    for (size_t i = 0; i < eb->n_pieces; i++)
        piece_drop_tokens(&eb->pieces[i]);
    for (size_t i = 0; i < eb->n_encodes; i++) {
        free(eb->encodes[i]->wav);
        free(eb->encodes[i]);
    }
    free(eb->encodes);
    free(eb->sec_path);
    free(eb->pieces);
    free(eb->order);
    free(eb->cues);
    free(eb->path);
    free(eb->date);
    free(eb->paper_dir);
    free(eb->final);
    free(eb->tmpdir);
    script_free(eb->sc);
    edition_free(eb->ed);
    free(eb);
}

static int by_weight(const void *a, const void *b)
{
    const piece *x = *(piece *const *)a, *y = *(piece *const *)b;
    if (x->weight != y->weight)
        return x->weight > y->weight ? -1 : 1;
    return x < y ? -1 : x > y;
}

/* Works out a piece's tokens and key and, unless --force, looks it up in
 * the cache: a hit is ready to assemble (the edition is marked to be
 * advanced).  Done as late as the workers allow: the first worker starts
 * after one piece is prepared, not all. */
static int piece_check(ebuild *eb, piece *pc, err *e)
{
    pipeline *p = eb->p;
    pc->prepared = 1;
    if (piece_prepare(p, pc, e) < 0)
        return -1;
    cache_reader *r = NULL;
    int hit = p->o->force ? 0 : cache_open_entry(p->cache, &pc->key, p->o->rate, &r, NULL, NULL, e);
    cache_reader_close(r);
    if (hit < 0)
        return -1;
    if (hit) {
        pc->state = PIECE_READY;
        piece_drop_tokens(pc);
        eb->dirty = 1;
    }
    return 0;
}

/* The pieces of an edition in reading order, and the order workers take
 * them in. */
static int make_pieces(ebuild *eb, err *e)
{
    pipeline *p = eb->p;
    const script *sc = eb->sc;
    size_t n = 1;
    for (size_t i = 0; i < sc->n_sections; i++)
        n += 1 + sc->sections[i].n_articles;
    if (!(eb->pieces = calloc(n, sizeof *eb->pieces)) || !(eb->order = calloc(n, sizeof *eb->order))) {
        err_set(e, ERR_NOMEM, NULL, 0, 0, "out of memory");
        return -1;
    }
    size_t k = 0;
    eb->pieces[k++] = (piece){.segs = sc->intro, .n = sc->n_intro, .sec = -1, .art = -1};
    for (size_t i = 0; i < sc->n_sections; i++) {
        const script_section *s = &sc->sections[i];
        eb->pieces[k++] = (piece){.segs = s->intro, .n = s->n_intro, .sec = (int)i, .art = -1};
        for (size_t j = 0; j < s->n_articles; j++)
            eb->pieces[k++] = (piece){.segs = s->articles[j].segs, .n = s->articles[j].n_segs,
                                      .sec = (int)i, .art = (int)j};
    }
    eb->n_pieces = n;
    for (size_t i = 0; i < n; i++) {
        piece *pc = &eb->pieces[i];
        pc->kind = TASK_PIECE;
        pc->owner = eb;
        for (size_t g = 0; g < pc->n; g++)
            pc->weight += strlen(pc->segs[g].text);
        eb->order[i] = pc;
    }
    /* Reading order, so the parent assembles article k while the workers
     * speak the next ones; the last few longest first, so no worker is
     * left speaking a long article alone at the end. */
    size_t tail = 3 * (size_t)(p->o->jobs > 0 ? p->o->jobs : 1);
    tail = tail < n ? tail : n;
    qsort(eb->order + (n - tail), tail, sizeof *eb->order, by_weight);
    return 0;
}

/* Queues 'wav' (copied) for encoding when --format asks for more than WAV. */
static int queue_encode(ebuild *eb, const char *wav, size_t frames, err *e)
{
    if (!(eb->p->o->formats & ~(unsigned)OUT_WAV))
        return 0;
    encode **v = realloc(eb->encodes, (eb->n_encodes + 1) * sizeof *v);
    if (v)
        eb->encodes = v;
    encode *en = v ? calloc(1, sizeof *en) : NULL;
    if (!en || !(en->wav = strdup(wav))) {
        free(en);
        err_set(e, ERR_NOMEM, NULL, 0, 0, "out of memory");
        return -1;
    }
    *en = (encode){TASK_ENCODE, en->wav, frames, PIECE_WAITING, eb};
    eb->encodes[eb->n_encodes++] = en;
    return 0;
}

/* In a worker: the other formats of a finished WAV, block by block. */
static int encode_job(encode *en, err *e)
{
    pipeline *p = en->owner->p;
    int rate;
    out_wav_reader *r = out_wav_open(en->wav, &rate, e);
    track t = {0};
    int rc = -1;
    if (r && track_open(p, en->wav, p->o->formats & ~(unsigned)OUT_WAV, &t, e) == 0) {
        int16_t buf[CACHE_BLOCK];
        long n;
        while ((n = out_wav_read16(r, buf, CACHE_BLOCK, e)) > 0)
            if (track_write(&t, buf, (size_t)n, 0, e) < 0)
                break;
        if (n == 0)
            rc = track_close(&t, NULL, 0, e);
    }
    track_abort(&t);
    out_wav_close(r);
    return rc;
}

/* Starts section 'i': its folder, its file, the section chime. */
static int begin_section(ebuild *eb, size_t i, err *e)
{
    pipeline *p = eb->p;
    const script_section *sec = &eb->sc->sections[i];
    built_section *bs = &eb->bs[i];
    char *dirname = out_file_name(sec->number, sec->name, NAME_MAX_BYTES - 4, e);
    if (keep(bs, dirname, e) < 0)
        return -1;
    char *dirpath = join_path(eb->tmpdir, dirname, e);
    int ok = dirpath && out_mkdirs(dirpath, e) == 0;
    free(dirpath);
    if (!ok)
        return -1;
    size_t na = sec->n_articles ? sec->n_articles : 1;
    bs->arts = calloc(na, sizeof *bs->arts);
    bs->parts = calloc(na, sizeof *bs->parts);
    bs->sentences = calloc(na, sizeof *bs->sentences);
    free(eb->cues);
    eb->cues = calloc(na, sizeof *eb->cues);
    if (!bs->arts || !bs->parts || !bs->sentences || !eb->cues) {
        err_set(e, ERR_NOMEM, NULL, 0, 0, "out of memory");
        return -1;
    }
    strbuf sf = {0};
    char *secfile = NULL, *file = NULL;
    ok = strbuf_addf(&sf, e, "%s.wav", dirname) == 0 && keep(bs, secfile = strbuf_take(&sf), e) == 0 &&
         (file = join_path(eb->tmpdir, secfile, e)) && track_open(p, file, OUT_WAV, &eb->sec, e) == 0;
    free(eb->sec_path);
    eb->sec_path = file;
    if (!ok)
        return -1;
    bs->s.name = sec->name;
    bs->s.file = secfile;
    bs->s.articles = bs->arts;
    bs->s.n_articles = sec->n_articles;
    bs->ps = (pub_section){sec->name, dirname, 0, bs->parts, sec->n_articles};
    return add_chime(p, &eb->sec, MIX_CHIME_SECTION, e) == 0 &&
                   track_silence(&eb->sec, p->voice.chime_gap, e) == 0
               ? 0
               : -1;
}

static int end_section(ebuild *eb, size_t i, err *e)
{
    built_section *bs = &eb->bs[i];
    size_t frames = eb->sec.frames;
    bs->s.duration_s = (double)frames / eb->sec.rate;
    bs->ps.duration_s = bs->s.duration_s;
    return track_close(&eb->sec, eb->cues, eb->sc->sections[i].n_articles, e) == 0 &&
                   queue_encode(eb, eb->sec_path, frames, e) == 0
               ? 0
               : -1;
}

/* Writes article 'j' of section 'i' from 'r': its own file, and the
 * section's after a chime. */
static int put_article(ebuild *eb, size_t i, size_t j, const piece *pc, cache_reader *r,
                       const timing *tm, err *e)
{
    pipeline *p = eb->p;
    const script_article *a = &eb->sc->sections[i].articles[j];
    built_section *bs = &eb->bs[i];
    const char *dirname = bs->ps.base;
    const voice *v = &p->voice;
    if (j > 0 && (add_chime(p, &eb->sec, MIX_CHIME_ARTICLE, e) < 0 ||
                  track_silence(&eb->sec, v->chime_gap, e) < 0))
        return -1;
    char *name = out_file_name((int)j + 1, a->headline, NAME_MAX_BYTES - 4, e);
    strbuf fn = {0};
    int ok = name && strbuf_addf(&fn, e, "%s/%s.wav", dirname, name) == 0;
    free(name);
    char *rel = ok ? strbuf_take(&fn) : NULL;
    strbuf_free(&fn);
    if (keep(bs, rel, e) < 0)
        return -1;
    char *afile = join_path(eb->tmpdir, rel, e);
    track at = {0};
    size_t start = eb->sec.frames;
    ok = afile && track_open(p, afile, OUT_WAV, &at, e) == 0 && copy_piece(r, &at, &eb->sec, e) == 0;
    size_t frames = at.frames;
    ok = ok && track_close(&at, NULL, 0, e) == 0 && queue_encode(eb, afile, frames, e) == 0;
    track_abort(&at);
    free(afile);
    if (!ok)
        return -1;
    out_article *oa = &bs->arts[j];
    *oa = (out_article){a->headline, a->dateline, rel, (double)frames / p->o->rate,
                        (double)start / p->o->rate, pc->syllables};
    /* A cue at each article's start: players that know cues skip by
     * article inside the section file. */
    eb->cues[j] = (out_cue){start, a->headline};
    char *base = base_of(rel, e);
    if (keep(bs, base, e) < 0 || sentences_of(bs, a->segs, tm, &bs->sentences[j], e) < 0)
        return -1;
    bs->parts[j] = (pub_article){a->headline, a->dateline, base, oa->duration_s, oa->offset_s,
                                 bs->sentences[j], tm->n};
    return track_silence(&eb->sec, j + 1 < eb->sc->sections[i].n_articles ? v->chime_gap
                                                                           : v->pause_paragraph,
                         e);
}

/* Assembles the pieces that are ready, in reading order, as far as the
 * first one that is not: with one worker, the parent writes article k
 * while the worker speaks article k+1.  0 (possibly with a piece sent back
 * to the workers because its cache entry went missing), or -1. */
static int assemble(builder *b, ebuild *eb, err *e)
{
    pipeline *p = eb->p;
    timing tm = {0};
    int rc = 0;
    while (rc == 0 && eb->cursor < eb->n_pieces && eb->pieces[eb->cursor].state == PIECE_READY) {
        piece *pc = &eb->pieces[eb->cursor];
        cache_reader *r = NULL;
        int hit = piece_open(p, pc, &r, &tm, e);
        if (hit <= 0) {
            if (hit == 0 && pc->tries < 2) {
                pc->state = PIECE_WAITING; /* trimmed by another build: again */
                break;
            }
            if (hit == 0)
                err_set(e, ERR_OUTPUT, p->o->cache_dir ? p->o->cache_dir : p->o->out, 0, 0,
                        "cache entry %s disappears as soon as it is written", pc->key.hex);
            rc = -1;
            break;
        }
        if (pc->sec < 0) {
            char *file = join_path(eb->tmpdir, "00-intro.wav", e);
            track t = {0};
            size_t frames = 0;
            rc = file && track_open(p, file, OUT_WAV, &t, e) == 0 && copy_piece(r, &t, NULL, e) == 0 &&
                         (frames = t.frames, track_close(&t, NULL, 0, e)) == 0 &&
                         queue_encode(eb, file, frames, e) == 0
                     ? 0
                     : -1;
            eb->intro_s = (double)frames / p->o->rate;
            track_abort(&t);
            free(file);
        } else if (pc->art < 0) {
            rc = begin_section(eb, (size_t)pc->sec, e) == 0 && copy_piece(r, &eb->sec, NULL, e) == 0 &&
                         track_silence(&eb->sec, p->voice.pause_intro, e) == 0
                     ? 0
                     : -1;
        } else {
            rc = put_article(eb, (size_t)pc->sec, (size_t)pc->art, pc, r, &tm, e);
            if (pc->synthesized)
                eb->synthesized++;
            else
                eb->cached++;
        }
        cache_reader_close(r);
        size_t sec_articles = pc->sec >= 0 ? eb->sc->sections[pc->sec].n_articles : 0;
        if (rc == 0 && pc->sec >= 0 && (size_t)(pc->art + 1) == sec_articles)
            rc = end_section(eb, (size_t)pc->sec, e);
        eb->cursor++;
    }
    free(tm.v);
    (void)b;
    return rc;
}

/* The summary line, and the edition's folder on stdout, in the order the
 * editions were given (a short edition may end before a long one). */
static void print_outcomes(builder *b)
{
    while (b->printed < b->n_paths && b->ends[b->printed] != EB_BUILDING) {
        if (b->published[b->printed])
            printf("%s\n", b->published[b->printed]);
        b->printed++;
    }
    fflush(stdout);
}

/* Ends 'eb': removes its temporary folder if it failed, releases its lock,
 * records its outcome and frees it. */
static void end_edition(builder *b, ebuild *eb, ebuild_state how)
{
    if (how == EB_FAILED && eb->tmpdir && eb->lock) {
        err ignore = {0};
        track_abort(&eb->sec);
        out_remove_tree(eb->tmpdir, &ignore);
    }
    release_lock(eb->lock);
    b->ends[eb->index] = how;
    if (how == EB_DONE && !(b->published[eb->index] = strdup(eb->final)))
        b->ends[eb->index] = EB_FAILED;
    for (size_t i = 0; i < b->n_live; i++)
        if (b->live[i] == eb) {
            memmove(b->live + i, b->live + i + 1, (b->n_live - i - 1) * sizeof *b->live);
            b->n_live--;
            break;
        }
    ebuild_free(eb);
    print_outcomes(b);
}

/* Reports 'e' for 'eb' and ends it once no worker of its is running. */
static void fail_edition(builder *b, ebuild *eb, err *e)
{
    if (b->pg.tty)
        fprintf(stderr, "\r\033[K");
    int code = fail(e);
    if (!b->rc)
        b->rc = code;
    err_clear(e);
    eb->state = EB_FAILED;
    for (size_t i = 0; i < eb->n_pieces; i++)
        if (eb->pieces[i].state == PIECE_WAITING)
            eb->pieces[i].state = PIECE_FAILED;
    for (size_t i = 0; i < eb->n_encodes; i++)
        if (eb->encodes[i]->state == PIECE_WAITING)
            eb->encodes[i]->state = PIECE_FAILED;
    if (!eb->running)
        end_edition(b, eb, EB_FAILED);
}

static void write_feed(const ebuild *eb, err *e, int *ok)
{
    const opts *o = eb->p->o;
    pub_feed feed = {.paper = eb->ed->masthead.paper, .base_url = o->base_url,
                     .generator = "tingbao " TINGBAO_VERSION, .keep = (size_t)o->feed_days,
                     .image_url = o->feed_image, .owner_email = o->feed_owner};
    *ok = pub_write_feed(eb->paper_dir, &feed, e) == 0;
}

/* Everything after the audio: the manifest, transcripts, feed and page,
 * then the swap into place, the feed and old editions. */
static int finish_edition(builder *b, ebuild *eb, err *e)
{
    pipeline *p = eb->p;
    const opts *o = p->o;
    const script *sc = eb->sc;
    const edition *ed = eb->ed;
    out_section *secs = calloc(sc->n_sections ? sc->n_sections : 1, sizeof *secs);
    pub_section *psecs = calloc(sc->n_sections ? sc->n_sections : 1, sizeof *psecs);
    const char **teasers = calloc(ed->n_teasers + 1, sizeof *teasers);
    char *file = NULL;
    int ok = secs && psecs && teasers;
    if (!ok)
        err_set(e, ERR_NOMEM, NULL, 0, 0, "out of memory");
    for (size_t i = 0; ok && i < sc->n_sections; i++) {
        secs[i] = eb->bs[i].s;
        psecs[i] = eb->bs[i].ps;
    }
    for (size_t i = 0; ok && i < ed->n_teasers; i++)
        teasers[i] = ed->teasers[i].text;
    const edition_masthead *m = &ed->masthead;
    out_manifest man = {
        .paper = m->paper, .date = eb->date, .weekday = m->weekday, .lunar = m->lunar,
        .issue = m->issue, .serial = m->serial, .pages = m->pages,
        .sample_rate = o->rate, .intro_file = "00-intro.wav", .intro_duration_s = eb->intro_s,
        .voice = p->voice.name, .generator = "tingbao " TINGBAO_VERSION,
        .build_key = eb->bkey, .loudness_lufs = o->loudness, .formats = o->formats,
        .sections = secs, .n_sections = sc->n_sections,
        .teasers = teasers, .n_teasers = ed->n_teasers,
    };
    /* Everything players read, from the same timing map: transcripts,
     * chapters, the playlist, the feed's items, the DAISY book, the page. */
    pub_edition ped = {
        .paper = m->paper, .date = eb->date, .weekday = m->weekday, .lunar = m->lunar,
        .issue = m->issue, .intro_base = "00-intro", .intro_duration_s = eb->intro_s,
        .teasers = teasers, .n_teasers = ed->n_teasers, .sections = psecs,
        .n_sections = sc->n_sections, .formats = o->formats | OUT_WAV,
        .generator = "tingbao " TINGBAO_VERSION,
    };
    ok = ok && pub_write_edition(eb->tmpdir, &ped, e) == 0 &&
         (file = join_path(eb->tmpdir, "edition.json", e)) && out_write_manifest(file, &man, e) == 0 &&
         publish_edition(eb->tmpdir, eb->final, eb->paper_dir, e) == 0;
    free(file);
    free(secs);
    free(psecs);
    free(teasers);
    /* The podcast feed spans the paper's editions: rebuilt after each
     * publish, under the lock, from each edition's own items. */
    if (ok)
        write_feed(eb, e, &ok);
    if (ok && o->keep_days >= 0 && remove_old_editions(eb->paper_dir, o->keep_days, e) < 0)
        ok = 0;
    if (!ok)
        return -1;
    if (!o->quiet) {
        double audio_s = eb->intro_s;
        for (size_t i = 0; i < sc->n_sections; i++)
            audio_s += eb->bs[i].s.duration_s;
        if (b->pg.tty)
            fprintf(stderr, "\r\033[K");
        fprintf(stderr, "%s: %s %s: sections=%zu audio=%.1fs joined=%zu duplicates=%zu "
                        "captions=%zu articles=%zu synthesized=%zu cached=%zu seconds=%.2f\n",
                progname, m->paper, eb->date, sc->n_sections, audio_s, eb->cs.joined,
                eb->cs.duplicates, eb->cs.captions, eb->articles, eb->synthesized, eb->cached,
                since(&eb->t0));
    }
    return 0;
}

/* Assembles what is ready of 'eb' and, when all is, finishes it. */
static void advance(builder *b, ebuild *eb)
{
    err e = {0};
    if (eb->state != EB_BUILDING)
        return;
    if (assemble(b, eb, &e) < 0) {
        fail_edition(b, eb, &e);
        return;
    }
    if (eb->cursor < eb->n_pieces)
        return;
    for (size_t i = 0; i < eb->n_encodes; i++)
        if (eb->encodes[i]->state != PIECE_READY)
            return; /* its other formats are still being encoded */
    if (finish_edition(b, eb, &e) < 0)
        fail_edition(b, eb, &e);
    else
        end_edition(b, eb, EB_DONE);
}

/* Reads edition 'i', takes its paper's lock and prepares its pieces.  An
 * edition already up to date, or entirely in the cache, ends here. */
static void start_edition(builder *b, size_t i)
{
    pipeline *p = b->p;
    const opts *o = p->o;
    err e = {0};
    ebuild *eb = calloc(1, sizeof *eb);
    ebuild **live = realloc(b->live, (b->n_live + 1) * sizeof *live);
    if (live)
        b->live = live;
    if (!eb || !live || !(eb->path = strdup(b->paths[i]))) {
        free(eb);
        err_set(&e, ERR_NOMEM, NULL, 0, 0, "out of memory");
        int code = fail(&e);
        b->rc = b->rc ? b->rc : code;
        b->ends[i] = EB_FAILED;
        print_outcomes(b);
        return;
    }
    b->live[b->n_live++] = eb;
    eb->p = p;
    eb->index = i;
    clock_gettime(CLOCK_MONOTONIC, &eb->t0);
    const char *path = eb->path;
    edition_opts eo = {.encoding = o->encoding, .max_article_chars = o->max_article};
    if (!(eb->ed = edition_read(path, &eo, &e)))
        goto fail;
    print_warnings(o, eb->ed);
    edition *ed = eb->ed;
    for (size_t s = 0; s < ed->n_sections; s++)
        for (size_t j = 0; j < ed->sections[s].n_articles; j++) {
            if (clean_article(&ed->sections[s].articles[j], &eb->cs, &e) < 0)
                goto fail;
            eb->articles++;
        }
    if (!(eb->sc = script_build(ed, &e)))
        goto fail;
    /* The masthead knows the edition's date best; --date only names the
     * file to read (a late file for yesterday is still yesterday's). */
    if (ed->masthead.date) {
        eb->date = strdup(ed->masthead.date);
        if (o->date && strcmp(o->date, ed->masthead.date) && !o->quiet)
            fprintf(stderr, "%s: %s: warning: the masthead says %s, --date says %s; using %s\n",
                    progname, path, ed->masthead.date, o->date, ed->masthead.date);
    } else if (o->date) {
        eb->date = strdup(o->date);
    } else {
        eb->date = today();
        if (!o->quiet)
            fprintf(stderr, "%s: %s: warning: no date in the masthead; using today, %s\n",
                    progname, path, eb->date ? eb->date : "?");
    }
    /* The paper's folder name: its name, made safe, without the index. */
    char *pn = out_file_name(0, ed->masthead.paper, NAME_MAX_BYTES, &e);
    if (!pn || !eb->date) {
        free(pn);
        if (e.cat == ERR_NONE)
            err_set(&e, ERR_NOMEM, NULL, 0, 0, "out of memory");
        goto fail;
    }
    strbuf sb = {0};
    /* A paper called "..": never a hidden folder, never a way out. */
    for (char *c = pn + 3; *c == '.'; c++)
        *c = '_';
    int ok = strbuf_addf(&sb, &e, "%s/%s", o->out, pn[3] ? pn + 3 : "paper") == 0;
    free(pn);
    if (!ok || !(eb->paper_dir = strbuf_take(&sb)) ||
        strbuf_addf(&sb, &e, "%s/%s", eb->paper_dir, eb->date) < 0 || !(eb->final = strbuf_take(&sb)) ||
        strbuf_addf(&sb, &e, "%s/.%s.tmp.%ld.%zu", eb->paper_dir, eb->date, (long)getpid(), i) < 0 ||
        !(eb->tmpdir = strbuf_take(&sb)))
        goto fail;
    if (out_mkdirs(eb->paper_dir, &e) < 0 || acquire_lock(b, eb->paper_dir, &eb->lock, &e) < 0 ||
        out_mkdirs(eb->tmpdir, &e) < 0)
        goto fail;
    if (!p->cache) {
        char *cdir = o->cache_dir ? strdup(o->cache_dir) : join_path(o->out, ".cache", &e);
        p->cache = cdir ? cache_open(cdir, &e) : NULL;
        free(cdir);
        if (!p->cache)
            goto fail;
    }
    if (build_key(p, ed, eb->bkey, &e) < 0)
        goto fail;
    if (!o->force) {
        char *mpath = join_path(eb->final, "edition.json", &e);
        char *old = mpath ? out_manifest_build_key(mpath) : NULL;
        int same = old && !strcmp(old, eb->bkey);
        free(old);
        free(mpath);
        if (same) {
            /* Up to date: the published edition came from these very
             * inputs.  Nothing to synthesize, nothing to write but the
             * feed (its base URL is an option, not an input). */
            out_remove_tree(eb->tmpdir, &e);
            write_feed(eb, &e, &ok);
            if (!ok)
                goto fail;
            if (!o->quiet)
                fprintf(stderr, "%s: %s %s: up to date; articles=%zu synthesized=0 cached=%zu "
                                "seconds=%.2f\n",
                        progname, ed->masthead.paper, eb->date, eb->articles, eb->articles,
                        since(&eb->t0));
            end_edition(b, eb, EB_DONE);
            return;
        }
    }
    b->built = 1; /* the cache is trimmed at the end (stray entries of killed workers too) */
    if (open_text(p, &e) < 0 || load_voice(p, &e) < 0 || make_pieces(eb, &e) < 0)
        goto fail;
    if (!(eb->bs = calloc(eb->sc->n_sections ? eb->sc->n_sections : 1, sizeof *eb->bs))) {
        err_set(&e, ERR_NOMEM, NULL, 0, 0, "out of memory");
        goto fail;
    }
    if (o->verbose)
        fprintf(stderr, "%s: %s: %zu sections, %zu articles, %zu teasers; joined %zu, "
                        "dropped %zu repeats, %zu captions\n",
                progname, path, ed->n_sections, eb->articles, ed->n_teasers, eb->cs.joined,
                eb->cs.duplicates, eb->cs.captions);
    b->pg.total += eb->articles;
    return; /* its pieces are prepared and looked up as the workers need them */
fail:
    fail_edition(b, eb, &e);
}

/* Whether a worker is speaking a piece with the key of 'pc' (the same
 * section intro in a run of back issues, an article printed twice). */
static int twin_running(const builder *b, const piece *pc)
{
    for (size_t i = 0; i < b->n_live; i++)
        for (size_t k = 0; k < b->live[i]->n_pieces; k++) {
            const piece *q = &b->live[i]->pieces[k];
            if (q->state == PIECE_RUNNING && !strcmp(q->key.hex, pc->key.hex))
                return 1;
        }
    return 0;
}

/* The next piece a worker should speak: the longest waiting one of the
 * oldest edition that has any, unless its twin is being spoken. */
static piece *next_piece(builder *b, int *again)
{
    *again = 0;
    for (size_t i = 0; i < b->n_live; i++) {
        ebuild *eb = b->live[i];
        if (eb->state != EB_BUILDING)
            continue;
        for (size_t k = 0; k < eb->n_pieces; k++) {
            piece *pc = eb->order[k];
            if (pc->state != PIECE_WAITING)
                continue;
            err e = {0};
            if (!pc->prepared && piece_check(eb, pc, &e) < 0) {
                fail_edition(b, eb, &e); /* may end it: look again */
                *again = 1;
                return NULL;
            }
            if (pc->state == PIECE_WAITING && !twin_running(b, pc))
                return pc;
        }
    }
    return NULL;
}

/* While the workers speak: prepares the next pieces, as many as there are
 * workers, so the next ones start at once.  1 when it did something. */
static int prepare_ahead(builder *b)
{
    size_t queued = 0, want = (size_t)(b->p->o->jobs > 0 ? b->p->o->jobs : 1);
    for (size_t i = 0; i < b->n_live && queued < want; i++) {
        ebuild *eb = b->live[i];
        for (size_t k = 0; eb->state == EB_BUILDING && k < eb->n_pieces && queued < want; k++) {
            piece *pc = eb->order[k];
            if (pc->state != PIECE_WAITING)
                continue;
            if (pc->prepared) {
                queued++;
                continue;
            }
            err e = {0};
            if (piece_check(eb, pc, &e) < 0) {
                fail_edition(b, eb, &e);
                return 1;
            }
            return 1;
        }
    }
    return 0;
}

/* Advances the editions whose pieces became ready from the cache.  1 when
 * there was one. */
static int advance_dirty(builder *b)
{
    for (size_t i = 0; i < b->n_live; i++)
        if (b->live[i]->dirty && b->live[i]->state == EB_BUILDING) {
            b->live[i]->dirty = 0;
            advance(b, b->live[i]); /* may end it */
            return 1;
        }
    return 0;
}

/* 'done' is in the cache now: its waiting twins are ready too.  Then the
 * parent assembles what it can of every edition that gained a piece. */
static void spoken(builder *b, const piece *done_piece)
{
    /* Copied: the piece's edition may end below. */
    const piece done_copy = *done_piece, *done = &done_copy;
    ebuild *gained[b->n_live + 1];
    size_t n = 0;
    for (size_t i = 0; i < b->n_live; i++) {
        ebuild *eb = b->live[i];
        int got = eb == done->owner;
        for (size_t k = 0; k < eb->n_pieces; k++) {
            piece *q = &eb->pieces[k];
            if (q->state == PIECE_WAITING && !strcmp(q->key.hex, done->key.hex)) {
                q->state = PIECE_READY;
                piece_drop_tokens(q);
                got = 1;
            }
        }
        if (got && eb->state == EB_BUILDING)
            gained[n++] = eb;
    }
    /* advance() may end an edition: only those still live are touched. */
    for (size_t k = 0; k < n; k++)
        for (size_t i = 0; i < b->n_live; i++)
            if (b->live[i] == gained[k]) {
                advance(b, gained[k]);
                break;
            }
}

/* The longest WAV waiting to be encoded, of the oldest edition with one. */
static encode *next_encode(builder *b)
{
    for (size_t i = 0; i < b->n_live; i++) {
        ebuild *eb = b->live[i];
        encode *best = NULL;
        for (size_t k = 0; eb->state == EB_BUILDING && k < eb->n_encodes; k++)
            if (eb->encodes[k]->state == PIECE_WAITING && (!best || eb->encodes[k]->frames > best->frames))
                best = eb->encodes[k];
        if (best)
            return best;
    }
    return NULL;
}

/* Keeps every worker busy: the next waiting piece; else the next WAV to
 * encode; else the next edition, read while the workers finish the last
 * one's work. */
/* Hands 'task' (a piece or an encode of 'eb') to a worker: 1 when it
 * started; 0 when no process can be made now but one is running (try
 * again when it ends); -1 when none can run at all ('eb' has failed and
 * may be gone). */
static int start_task(builder *b, void *task, ebuild *eb)
{
    err e = {0};
    if (jobs_start(b->jobs, piece_job, task, &e) == 0) {
        eb->running++;
        return 1;
    }
    if (jobs_running(b->jobs))
        return 0;
    fail_edition(b, eb, &e);
    return -1;
}

static void fill(builder *b)
{
    for (;;) {
        if (!jobs_full(b->jobs)) {
            int again;
            piece *pc = next_piece(b, &again);
            if (again)
                continue;
            err e = {0};
            if (pc) {
                /* espeak-ng is started once, here, and never speaks in
                 * this process: every worker starts from the same fresh
                 * state, so a piece sounds the same whoever speaks it, in
                 * whatever order. */
                if (open_voice(b->p, &e) < 0) {
                    fail_edition(b, pc->owner, &e);
                    continue;
                }
                int r = start_task(b, pc, pc->owner);
                if (r == 0)
                    return; /* try again when one ends */
                if (r > 0) {
                    pc->state = PIECE_RUNNING;
                    pc->tries++;
                }
                continue;
            }
            encode *en = next_encode(b);
            if (en) {
                int r = start_task(b, en, en->owner);
                if (r == 0)
                    return;
                if (r > 0)
                    en->state = PIECE_RUNNING;
                continue;
            }
            /* What the cache held is assembled before the next edition
             * is read: one edition at a time in memory when all is cached. */
            if (advance_dirty(b))
                continue;
            if (b->next < b->n_paths) {
                start_edition(b, b->next++);
                continue;
            }
        }
        if (prepare_ahead(b))
            continue;
        if (!advance_dirty(b))
            return;
    }
}

static void show_done(builder *b, const piece *pc)
{
    if (pc->art < 0 || !b->pg.tty)
        return;
    const script_article *a = &pc->owner->sc->sections[pc->sec].articles[pc->art];
    show_progress(&b->pg, pc->owner->sc->sections[pc->sec].name, a->headline);
    b->pg.done++;
}

/* Builds every edition in 'paths' (taken over), keeping 'jobs' workers
 * busy across them.  Returns the exit code: the first failure's, or 0. */
static int run_editions(pipeline *p, char **eds, size_t n)
{
    builder b = {.p = p, .paths = eds, .n_paths = n};
    err e = {0};
    clock_gettime(CLOCK_MONOTONIC, &b.pg.t0);
    b.pg.tty = isatty(2) && !p->o->quiet;
    b.published = calloc(n ? n : 1, sizeof *b.published);
    b.ends = calloc(n ? n : 1, sizeof *b.ends);
    if (!b.published || !b.ends || !(b.jobs = jobs_create(p->o->jobs > 0 ? p->o->jobs : 1, &e))) {
        if (e.cat == ERR_NONE)
            err_set(&e, ERR_NOMEM, NULL, 0, 0, "out of memory");
        b.rc = fail(&e);
        goto out;
    }
    for (;;) {
        fill(&b);
        void *arg;
        int ok = jobs_wait(b.jobs, &arg, &e);
        if (ok < 0)
            break; /* nothing running, nothing left to start */
        if (*(task_kind *)arg == TASK_ENCODE) {
            encode *en = arg;
            ebuild *eb = en->owner;
            eb->running--;
            en->state = ok ? PIECE_READY : PIECE_FAILED;
            if (eb->state == EB_FAILED) {
                err_clear(&e);
                if (!eb->running)
                    end_edition(&b, eb, EB_FAILED);
            } else if (!ok) {
                fail_edition(&b, eb, &e);
            } else {
                fill(&b);
                advance(&b, eb);
            }
            continue;
        }
        piece *pc = arg;
        ebuild *eb = pc->owner;
        eb->running--;
        if (ok) {
            pc->state = PIECE_READY;
            pc->synthesized = 1;
            piece_drop_tokens(pc);
            show_done(&b, pc);
        } else {
            pc->state = PIECE_FAILED;
        }
        if (eb->state == EB_FAILED) {
            /* Its audio may still serve a twin in another edition. */
            err_clear(&e);
            char hex[sizeof pc->key.hex];
            memcpy(hex, pc->key.hex, sizeof hex);
            if (!eb->running)
                end_edition(&b, eb, EB_FAILED); /* frees pc */
            if (ok) {
                piece twin = {.owner = NULL};
                memcpy(twin.key.hex, hex, sizeof hex);
                fill(&b);
                spoken(&b, &twin);
            }
            continue;
        }
        if (!ok) {
            /* A worker's error names what it could not do; say which
             * article it was. */
            if (!e.file[0] && pc->art >= 0)
                snprintf(e.file, sizeof e.file, "%s", eb->sc->sections[pc->sec].articles[pc->art].headline);
            fail_edition(&b, eb, &e);
            continue;
        }
        /* Workers first, then the parent's own share. */
        fill(&b);
        spoken(&b, pc);
    }
    if (b.pg.tty)
        fprintf(stderr, "\r\033[K");
    /* The cache never grows without bound: what no build used for two
     * months goes, and the least recently used beyond the size cap. */
    if (b.built && p->cache && cache_trim(p->cache, CACHE_MAX_AGE_DAYS, CACHE_MAX_BYTES, &e) < 0) {
        int code = fail(&e);
        b.rc = b.rc ? b.rc : code;
    }
    /* Nothing runs and nothing can start: an edition still open here is
     * our bug, never to pass unreported. */
    for (size_t i = 0; i < b.n_live; i++) {
        err_set(&e, ERR_INTERNAL, b.live[i]->path, 0, 0, "build stopped before the edition was complete");
        int code = fail(&e);
        b.rc = b.rc ? b.rc : code;
        err_clear(&e);
    }
out:
    jobs_free(b.jobs);
    while (b.n_live)
        end_edition(&b, b.live[0], EB_FAILED);
    for (size_t i = 0; i < n; i++) {
        free(b.published ? b.published[i] : NULL);
        free(eds[i]);
    }
    free(eds);
    free(b.published);
    free(b.ends);
    free(b.live);
    for (size_t i = 0; i < b.n_locks; i++) {
        free(b.locks[i]->dir);
        free(b.locks[i]);
    }
    free(b.locks);
    return b.rc;
}

/* ---- which editions ------------------------------------------------------ */

static int add_path(char ***v, size_t *n, char *s, err *e)
{
    char **nv = s ? realloc(*v, (*n + 1) * sizeof *nv) : NULL;
    if (!nv) {
        free(s);
        err_set(e, ERR_NOMEM, NULL, 0, 0, "out of memory");
        return -1;
    }
    *v = nv;
    (*v)[(*n)++] = s;
    return 0;
}

/* A folder name that starts with a date: 2023-09-05, 20230905, 2023-09-05-晚报. */
static int dated_name(const char *s)
{
    char d[11];
    if (strlen(s) >= 10 && s[4] == '-' && s[7] == '-') {
        memcpy(d, s, 10);
    } else if (strlen(s) >= 8 && strspn(s, "0123456789") >= 8) {
        snprintf(d, sizeof d, "%.4s-%.2s-%.2s", s, s + 4, s + 6);
    } else {
        return 0;
    }
    d[10] = '\0';
    char tmp[16];
    return resolve_date(d, tmp) == 0;
}

/* The editions an EDITION argument names: a file or a folder of section
 * files is one; a folder holding no Markdown of its own but dated folders
 * (a year of back issues) is each of those, oldest first. */
static int expand_edition(const char *arg, char ***v, size_t *n, err *e)
{
    struct stat st;
    DIR *d = stat(arg, &st) == 0 && S_ISDIR(st.st_mode) ? opendir(arg) : NULL;
    if (!d)
        return add_path(v, n, strdup(arg), e);
    char **dated = NULL;
    size_t nd = 0;
    int markdown = 0, rc = 0;
    struct dirent *de;
    while (rc == 0 && (de = readdir(d))) {
        size_t len = strlen(de->d_name);
        if (de->d_name[0] == '.')
            continue;
        if (len > 3 && !strcmp(de->d_name + len - 3, ".md"))
            markdown = 1;
        char *sub = dated_name(de->d_name) ? join_path(arg, de->d_name, e) : NULL;
        if (sub && stat(sub, &st) == 0 && S_ISDIR(st.st_mode))
            rc = add_path(&dated, &nd, sub, e);
        else
            free(sub);
    }
    closedir(d);
    if (rc == 0 && (markdown || !nd)) {
        rc = add_path(v, n, strdup(arg), e);
    } else if (rc == 0) {
        qsort(dated, nd, sizeof *dated, cmp_str);
        for (size_t i = 0; i < nd && rc == 0; i++) {
            rc = add_path(v, n, dated[i], e);
            dated[i] = NULL;
        }
    }
    for (size_t i = 0; i < nd; i++)
        free(dated[i]);
    free(dated);
    return rc;
}

/* ---- script, normalize, pinyin, say ----------------------------------- */

static int fill_seg(pipeline *p, const script_segment *s, out_script_seg *o, err *e)
{
    g2p_tokens toks = {0};
    char *spoken = NULL;
    o->kind = script_kind_name(s->kind);
    o->text = s->text;
    if (text_to_tokens(p, s->text, s->src, s->line, &spoken, &toks, e) < 0) {
        free(spoken);
        g2p_tokens_free(&toks);
        return -1;
    }
    g2p_tokens_free(&toks);
    o->spoken = spoken;
    o->pinyin = g2p_pinyin(p->g2p, spoken, strlen(spoken), e);
    return o->pinyin ? 0 : -1;
}

static int cmd_script(pipeline *p, const char *path, err *e)
{
    edition_opts eo = {.encoding = p->o->encoding, .max_article_chars = p->o->max_article};
    edition *ed = edition_read(path, &eo, e);
    if (!ed)
        return -1;
    print_warnings(p->o, ed);
    int rc = -1;
    clean_stats cs = {0};
    script *sc = NULL;
    out_script_section *secs = NULL;
    out_script_seg *intro = NULL;
    for (size_t i = 0; i < ed->n_sections; i++)
        for (size_t j = 0; j < ed->sections[i].n_articles; j++)
            if (clean_article(&ed->sections[i].articles[j], &cs, e) < 0)
                goto out;
    if (!(sc = script_build(ed, e)))
        goto out;
    intro = calloc(sc->n_intro + 1, sizeof *intro);
    secs = calloc(sc->n_sections + 1, sizeof *secs);
    if (!intro || !secs) {
        err_set(e, ERR_NOMEM, NULL, 0, 0, "out of memory");
        goto out;
    }
    for (size_t i = 0; i < sc->n_intro; i++)
        if (fill_seg(p, &sc->intro[i], &intro[i], e) < 0)
            goto out;
    for (size_t i = 0; i < sc->n_sections; i++) {
        const script_section *ss = &sc->sections[i];
        secs[i].name = ss->name;
        secs[i].intro = calloc(ss->n_intro + 1, sizeof *secs[i].intro);
        secs[i].articles = calloc(ss->n_articles + 1, sizeof *secs[i].articles);
        if (!secs[i].intro || !secs[i].articles) {
            err_set(e, ERR_NOMEM, NULL, 0, 0, "out of memory");
            goto out;
        }
        secs[i].n_intro = ss->n_intro;
        for (size_t k = 0; k < ss->n_intro; k++)
            if (fill_seg(p, &ss->intro[k], &secs[i].intro[k], e) < 0)
                goto out;
        secs[i].n_articles = ss->n_articles;
        for (size_t j = 0; j < ss->n_articles; j++) {
            out_script_article *oa = &secs[i].articles[j];
            oa->headline = ss->articles[j].headline;
            oa->segs = calloc(ss->articles[j].n_segs + 1, sizeof *oa->segs);
            if (!oa->segs) {
                err_set(e, ERR_NOMEM, NULL, 0, 0, "out of memory");
                goto out;
            }
            oa->n_segs = ss->articles[j].n_segs;
            for (size_t k = 0; k < oa->n_segs; k++)
                if (fill_seg(p, &ss->articles[j].segs[k], &oa->segs[k], e) < 0)
                    goto out;
        }
    }
    if (p->o->json) {
        char *js = out_script_json(intro, sc->n_intro, secs, sc->n_sections, e);
        if (!js)
            goto out;
        printf("%s\n", js);
        free(js);
    } else {
        const out_script_seg *v;
        for (size_t i = 0; i < sc->n_intro; i++) {
            v = &intro[i];
            printf("[%s] %s\n    %s\n    %s\n", v->kind, v->text, v->spoken, v->pinyin);
        }
        for (size_t i = 0; i < sc->n_sections; i++) {
            printf("\n== %s\n", secs[i].name);
            for (size_t k = 0; k < secs[i].n_intro; k++) {
                v = &secs[i].intro[k];
                printf("[%s] %s\n    %s\n    %s\n", v->kind, v->text, v->spoken, v->pinyin);
            }
            for (size_t j = 0; j < secs[i].n_articles; j++) {
                printf("\n-- %zu. %s\n", j + 1, secs[i].articles[j].headline);
                for (size_t k = 0; k < secs[i].articles[j].n_segs; k++) {
                    v = &secs[i].articles[j].segs[k];
                    printf("[%s] %s\n    %s\n    %s\n", v->kind, v->text, v->spoken, v->pinyin);
                }
            }
        }
    }
    if (p->o->verbose)
        fprintf(stderr, "%s: joined=%zu duplicates=%zu captions=%zu\n", progname, cs.joined,
                cs.duplicates, cs.captions);
    rc = 0;
out:
    if (intro) {
        for (size_t i = 0; i < (sc ? sc->n_intro : 0); i++) {
            free((char *)intro[i].spoken);
            free((char *)intro[i].pinyin);
        }
        free(intro);
    }
    if (secs) {
        for (size_t i = 0; i < sc->n_sections; i++) {
            for (size_t k = 0; k < secs[i].n_intro; k++) {
                free((char *)secs[i].intro[k].spoken);
                free((char *)secs[i].intro[k].pinyin);
            }
            free(secs[i].intro);
            for (size_t j = 0; j < secs[i].n_articles; j++) {
                for (size_t k = 0; k < secs[i].articles[j].n_segs; k++) {
                    free((char *)secs[i].articles[j].segs[k].spoken);
                    free((char *)secs[i].articles[j].segs[k].pinyin);
                }
                free(secs[i].articles[j].segs);
            }
            free(secs[i].articles);
        }
        free(secs);
    }
    script_free(sc);
    edition_free(ed);
    return rc;
}

/* stdin -> stdout, one line in, one line out.  'pinyin' selects the stage. */
static int cmd_lines(pipeline *p, int pinyin, err *e)
{
    char *line = NULL;
    size_t cap = 0;
    ssize_t n;
    int lineno = 0, rc = 0;
    while ((n = getline(&line, &cap, stdin)) >= 0) {
        lineno++;
        while (n && (line[n - 1] == '\n' || line[n - 1] == '\r'))
            line[--n] = '\0';
        size_t off = 0;
        if (lineno == 1 && n >= 3 && memcmp(line, "\xef\xbb\xbf", 3) == 0)
            off = 3;
        size_t bad;
        if (utf8_validate(line + off, (size_t)n - off, &bad) < 0) {
            int l, c;
            utf8_position(line + off, bad, &l, &c);
            err_set(e, ERR_PARSE, "<stdin>", lineno, c, "invalid UTF-8 (byte 0x%02x)",
                    (unsigned char)line[off + bad]);
            rc = -1;
            break;
        }
        char *spoken = tn_normalize(p->tn, line + off, (size_t)n - off, "<stdin>", lineno, e);
        if (!spoken) {
            rc = -1;
            break;
        }
        if (pinyin) {
            char *py = g2p_pinyin(p->g2p, spoken, strlen(spoken), e);
            free(spoken);
            if (!py) {
                rc = -1;
                break;
            }
            spoken = py;
        }
        printf("%s\n", spoken);
        free(spoken);
    }
    free(line);
    if (fflush(stdout) != 0 || ferror(stdout)) {
        err_set(e, ERR_OUTPUT, "<stdout>", 0, 0, "write error");
        rc = -1;
    }
    return rc;
}

static int cmd_say(pipeline *p, const char *text, err *e)
{
    script_segment seg = {SCRIPT_PARAGRAPH, (char *)text, "<text>", 1};
    audio a = {0};
    size_t syl;
    size_t bad;
    if (utf8_validate(text, strlen(text), &bad) < 0) {
        err_set(e, ERR_PARSE, "<text>", 1, 0, "invalid UTF-8");
        return -1;
    }
    const char *path = p->o->say_out ? p->o->say_out : "say.wav";
    int rc = speak_here(p, &seg, 1, &a, &syl, e) == 0 && out_write_wav(path, &a, e) == 0 ? 0 : -1;
    if (rc == 0 && !p->o->quiet)
        fprintf(stderr, "%s: %zu syllables, %.2f s\n", progname, syl, audio_seconds(&a));
    if (rc == 0)
        printf("%s\n", path);
    audio_free(&a);
    return rc;
}

/* ---- main ------------------------------------------------------------- */

/* A whole number in [lo, hi] from an option's value.  0, or -1 when it is
 * not one. */
static int int_arg(const char *val, long lo, long hi, long *out)
{
    char *end;
    errno = 0;
    long v = strtol(val, &end, 10);
    if (!*val || *end || errno || v < lo || v > hi)
        return -1;
    *out = v;
    return 0;
}

int main(int argc, char **argv)
{
    /* Tracks are tens of megabytes: from mmap() at a fixed threshold, a
     * growing one is moved by mremap() rather than copied, and a freed one
     * goes back to the system at once. */
    mallopt(M_MMAP_THRESHOLD, 256 * 1024);
    opts o = {.out = "output", .rate = 44100, .keep_days = -1, .formats = OUT_WAV,
              .feed_days = PUB_FEED_KEEP, .jobs = (int)sysconf(_SC_NPROCESSORS_ONLN),
              .loudness = MIX_SPEECH_LUFS};
    /* On the stack: a usage error returns from anywhere in the parsing
     * below without anything to free. */
    const char *args[argc + 1];
    const char *lexicons[argc + 1];
    o.lexicons = lexicons;
    size_t n_args = 0;
    if (argc < 2) {
        usage(stderr);
        return EX_USAGE;
    }
    const char *cmd = argv[1];
    if (!strcmp(cmd, "--help") || !strcmp(cmd, "-h") || !strcmp(cmd, "help")) {
        usage(stdout);
        return 0;
    }
    if (!strcmp(cmd, "--version") || !strcmp(cmd, "-V")) {
        printf("tingbao %s (espeak-ng %s)\n", TINGBAO_VERSION, synth_version());
        return 0;
    }
    if (strcmp(cmd, "build") && strcmp(cmd, "script") && strcmp(cmd, "normalize") &&
        strcmp(cmd, "pinyin") && strcmp(cmd, "say"))
        return bad_usage("unknown command '%s'", cmd);
    int only_args = 0;
    for (int i = 2; i < argc; i++) {
        const char *a = argv[i];
        const char *val = NULL;
#define TAKES(name) (!strcmp(a, name) && (i + 1 < argc ? (val = argv[++i], 1) : (bad_usage("option %s needs a value", name), exit(EX_USAGE), 0)))
        if (only_args || a[0] != '-' || !strcmp(a, "-")) {
            args[n_args++] = a;
        } else if (!strcmp(a, "--")) {
            only_args = 1;
        } else if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            usage(stdout);
            return 0;
        } else if (TAKES("--out") || TAKES("-o")) {
            o.out = val;
            o.say_out = val;
        } else if (TAKES("--voice")) {
            o.voice = val;
        } else if (TAKES("--lexicon")) {
            o.lexicons[o.n_lexicons++] = val;
        } else if (TAKES("--rate")) {
            long r;
            if (int_arg(val, 8000, 192000, &r) < 0)
                return bad_usage("--rate must be a sample rate in Hz (8000-192000), not '%s'", val);
            o.rate = (int)r;
        } else if (TAKES("--date")) {
            static char date[16];
            if (resolve_date(val, date) < 0)
                return bad_usage("--date must be today, yesterday or YYYY-MM-DD, not '%s'", val);
            o.date = date;
        } else if (TAKES("--keep-days")) {
            long d;
            if (int_arg(val, 0, 100000, &d) < 0)
                return bad_usage("--keep-days must be a number of days, not '%s'", val);
            o.keep_days = (int)d;
        } else if (TAKES("--encoding")) {
            o.encoding = val;
        } else if (TAKES("--max-article-chars")) {
            long m;
            if (int_arg(val, 100, 1L << 30, &m) < 0)
                return bad_usage("--max-article-chars must be a number (at least 100), not '%s'", val);
            o.max_article = (size_t)m;
        } else if (TAKES("--format")) {
            o.formats = OUT_WAV;
            char list[256];
            snprintf(list, sizeof list, "%s", val);
            for (char *save = NULL, *f = strtok_r(list, ",", &save); f; f = strtok_r(NULL, ",", &save)) {
                if (!strcmp(f, "wav"))
                    o.formats |= OUT_WAV;
                else if (!strcmp(f, "mp3"))
                    o.formats |= OUT_MP3;
                else if (!strcmp(f, "opus"))
                    o.formats |= OUT_OPUS;
                else if (!strcmp(f, "flac"))
                    o.formats |= OUT_FLAC;
                else
                    return bad_usage("--format takes wav, mp3, opus and flac, not '%s'", f);
            }
        } else if (TAKES("--loudness")) {
            char *end;
            double l = strtod(val, &end);
            if (*end || l < -40 || l > -6)
                return bad_usage("--loudness must be LUFS between -40 and -6 (e.g. -16, -23), not '%s'", val);
            o.loudness = l;
        } else if (TAKES("--jobs") || TAKES("-j")) {
            long j;
            if (int_arg(val, 1, 64, &j) < 0)
                return bad_usage("--jobs must be a number of processes (1-64), not '%s'", val);
            o.jobs = (int)j;
        } else if (TAKES("--base-url")) {
            if (strncmp(val, "http://", 7) && strncmp(val, "https://", 8))
                return bad_usage("--base-url must start with http:// or https://, not '%s'", val);
            /* A URL in a feed is ASCII: bytes past it (a paper's name in
             * the path) and spaces are percent-encoded; it names a folder,
             * so it ends in '/'. */
            static char url[4096];
            size_t u = 0;
            for (const unsigned char *c = (const unsigned char *)val; *c && u + 4 < sizeof url; c++)
                u += (size_t)(*c >= 0x80 || *c == ' ' ? snprintf(url + u, 4, "%%%02X", *c)
                                                      : (url[u] = (char)*c, 1));
            if (u && url[u - 1] != '/' && u + 1 < sizeof url)
                url[u++] = '/';
            url[u] = '\0';
            o.base_url = url;
        } else if (TAKES("--feed-image")) {
            o.feed_image = val;
        } else if (TAKES("--feed-owner")) {
            o.feed_owner = val;
        } else if (TAKES("--feed-days")) {
            long d;
            if (int_arg(val, 1, 3650, &d) < 0)
                return bad_usage("--feed-days must be a number of editions (1-3650), not '%s'", val);
            o.feed_days = (int)d;
        } else if (TAKES("--cache")) {
            o.cache_dir = val;
        } else if (!strcmp(a, "--force")) {
            o.force = 1;
        } else if (!strcmp(a, "--json")) {
            o.json = 1;
        } else if (!strcmp(a, "--quiet") || !strcmp(a, "-q")) {
            o.quiet = 1;
        } else if (!strcmp(a, "--verbose") || !strcmp(a, "-v")) {
            o.verbose = 1;
        } else {
            return bad_usage("unknown option '%s'", a);
        }
#undef TAKES
    }
    int is_build = !strcmp(cmd, "build"), is_script = !strcmp(cmd, "script"),
        is_say = !strcmp(cmd, "say");
    if ((is_build && n_args < 1) || (is_script && n_args != 1))
        return bad_usage("%s: which edition? (a Markdown file or folder)", cmd);
    if (is_say && n_args < 1)
        return bad_usage("%s: what should be said?", cmd);
    if (!is_build && !is_script && !is_say && n_args)
        return bad_usage("%s reads standard input; unexpected argument", cmd);

    pipeline p = {.o = &o};
    err e = {0};
    int rc = 0;
    find_paths(&p.dirs);
    /* build opens the lexicon and espeak-ng only when something must be
     * spoken: an edition already up to date needs neither. */
    if ((!is_build && open_text(&p, &e) < 0) || (is_say && open_voice(&p, &e) < 0)) {
        rc = fail(&e);
    } else if (is_build) {
        /* Every edition is tried; the exit code is the first failure's. */
        char **eds = NULL;
        size_t n_eds = 0;
        for (size_t i = 0; i < n_args && !rc; i++) {
            char *path = expand_path(args[i], o.date, &e);
            if (!path || expand_edition(path, &eds, &n_eds, &e) < 0)
                rc = fail(&e);
            free(path);
        }
        if (!rc)
            rc = run_editions(&p, eds, n_eds);
        else {
            for (size_t i = 0; i < n_eds; i++)
                free(eds[i]);
            free(eds);
        }
    } else if (is_script) {
        if (cmd_script(&p, args[0], &e) < 0)
            rc = fail(&e);
    } else if (is_say) {
        strbuf t = {0};
        for (size_t i = 0; i < n_args; i++)
            if ((i && strbuf_adds(&t, " ", &e) < 0) || strbuf_adds(&t, args[i], &e) < 0)
                break;
        if (e.cat != ERR_NONE || cmd_say(&p, t.s, &e) < 0)
            rc = fail(&e);
        strbuf_free(&t);
    } else if (cmd_lines(&p, !strcmp(cmd, "pinyin"), &e) < 0) {
        rc = fail(&e);
    }
    close_pipeline(&p);
    return rc;
}
