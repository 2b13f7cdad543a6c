/* cache.c -- content-addressed audio store (see cache.h for the layout).
 *
 * Why 16-bit entries: the WAVs are 16-bit anyway, and float entries would
 * double the disk for nothing.  Why not the WAV files themselves: the
 * section file is assembled from article samples, and reading them back
 * through a codec would couple the cache to the output format.
 * "Used" is the entry's modification time, set on every hit, so trimming
 * removes what no recent build needed.
 */
#include "cache.h"

#include <errno.h>
#include <fcntl.h>
#include <dirent.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <xxhash.h>

#include "str.h"

/* Entry: magic, rate, frames, metadata length, metadata, samples (native
 * byte order: a cache is not meant to move between architectures). */
#define MAGIC "TBPCM002"

struct cache {
    char *dir;
};

int cache_key_init(cache_key *k, err *e)
{
    memset(k, 0, sizeof *k);
    XXH3_state_t *st = XXH3_createState();
    if (!st || XXH3_128bits_reset(st) != XXH_OK) {
        XXH3_freeState(st);
        err_set(e, ERR_NOMEM, NULL, 0, 0, "cache: out of memory");
        return -1;
    }
    k->state = st;
    return 0;
}

void cache_key_add(cache_key *k, const void *data, size_t len)
{
    uint64_t n = len;
    XXH3_128bits_update(k->state, &n, sizeof n);
    XXH3_128bits_update(k->state, data, len);
}

void cache_key_adds(cache_key *k, const char *s)
{
    cache_key_add(k, s, strlen(s));
}

void cache_key_final(cache_key *k)
{
    XXH128_hash_t h = XXH3_128bits_digest(k->state);
    XXH128_canonical_t c;
    XXH128_canonicalFromHash(&c, h);
    for (int i = 0; i < 16; i++)
        snprintf(k->hex + 2 * i, 3, "%02x", c.digest[i]);
    cache_key_free(k);
}

void cache_key_free(cache_key *k)
{
    XXH3_freeState(k->state);
    k->state = NULL;
}

static int mkdir_p(const char *path)
{
    char *p = strdup(path);
    if (!p)
        return -1;
    for (char *s = p + 1;; s++) {
        if (*s == '/' || !*s) {
            char c = *s;
            *s = '\0';
            if (mkdir(p, 0777) < 0 && errno != EEXIST) {
                free(p);
                return -1;
            }
            *s = c;
            if (!c)
                break;
        }
    }
    free(p);
    return 0;
}

cache *cache_open(const char *dir, err *e)
{
    if (mkdir_p(dir) < 0) {
        err_set(e, ERR_OUTPUT, dir, 0, 0, "cannot create the cache: %s", strerror(errno));
        return NULL;
    }
    cache *c = calloc(1, sizeof *c);
    if (!c || !(c->dir = strdup(dir))) {
        free(c);
        err_set(e, ERR_NOMEM, dir, 0, 0, "out of memory");
        return NULL;
    }
    return c;
}

static char *entry_path(const cache *c, const cache_key *k, err *e)
{
    strbuf b = {0};
    if (strbuf_addf(&b, e, "%s/%.2s/%s.pcm", c->dir, k->hex, k->hex + 2) < 0)
        return NULL;
    return strbuf_take(&b);
}

/* ---- reading and writing, block by block ------------------------------- */

struct cache_reader {
    FILE *f;
    uint64_t frames, left;
    int16_t buf[CACHE_BLOCK];
};

static void reader_free(cache_reader *r)
{
    if (r && r->f)
        fclose(r->f);
    free(r);
}

int cache_open_entry(cache *c, const cache_key *k, int rate, cache_reader **out, void **meta,
                     size_t *meta_len, err *e)
{
    *out = NULL;
    if (meta) {
        *meta = NULL;
        *meta_len = 0;
    }
    char *path = entry_path(c, k, e);
    if (!path)
        return -1;
    int rc = 0;
    char *m = NULL;
    cache_reader *r = calloc(1, sizeof *r);
    if (!r) {
        err_set(e, ERR_NOMEM, path, 0, 0, "out of memory");
        rc = -1;
        goto out;
    }
    if (!(r->f = fopen(path, "rb")))
        goto out;
    char magic[8];
    uint32_t rr, mlen;
    struct stat st;
    /* The size must be exactly what the header says: an entry cut short
     * (a full disk on another host) is a miss, found before any sample
     * is used. */
    if (fread(magic, 1, 8, r->f) != 8 || memcmp(magic, MAGIC, 8) ||
        fread(&rr, sizeof rr, 1, r->f) != 1 || fread(&r->frames, sizeof r->frames, 1, r->f) != 1 ||
        fread(&mlen, sizeof mlen, 1, r->f) != 1 || (int)rr != rate || r->frames > (1ull << 34) ||
        mlen > (1u << 24) || fstat(fileno(r->f), &st) < 0 ||
        (uint64_t)st.st_size != 24 + (uint64_t)mlen + r->frames * sizeof(int16_t))
        goto out;
    if (meta) {
        if (!(m = malloc(mlen ? mlen : 1))) {
            err_set(e, ERR_NOMEM, path, 0, 0, "out of memory");
            rc = -1;
            goto out;
        }
        if (fread(m, 1, mlen, r->f) != mlen)
            goto out;
        *meta = m;
        *meta_len = mlen;
        m = NULL;
    } else if (fseek(r->f, (long)mlen, SEEK_CUR) < 0) {
        goto out;
    }
    r->left = r->frames;
    utimensat(AT_FDCWD, path, NULL, 0); /* used now */
    *out = r;
    r = NULL;
    rc = 1;
out:
    reader_free(r);
    free(m);
    free(path);
    return rc;
}

size_t cache_reader_frames(const cache_reader *r)
{
    return (size_t)r->frames;
}

long cache_read(cache_reader *r, float *x, size_t max, err *e)
{
    long n = cache_read16(r, r->buf, max < CACHE_BLOCK ? max : CACHE_BLOCK, e);
    if (n > 0)
        audio_from16(r->buf, x, (size_t)n);
    return n;
}

long cache_read16(cache_reader *r, int16_t *x, size_t max, err *e)
{
    size_t n = max < r->left ? max : (size_t)r->left;
    if (n && fread(x, sizeof *x, n, r->f) != n) {
        err_set(e, ERR_IO, NULL, 0, 0, "cache: an entry ended early: %s",
                ferror(r->f) ? strerror(errno) : "cut short while being read");
        return -1;
    }
    r->left -= n;
    return (long)n;
}

void cache_reader_close(cache_reader *r)
{
    reader_free(r);
}

struct cache_writer {
    FILE *f;
    char *path, *tmp;
    uint64_t frames;
    int16_t buf[CACHE_BLOCK];
};

void cache_writer_abort(cache_writer *w)
{
    if (!w)
        return;
    if (w->f) {
        fclose(w->f);
        unlink(w->tmp);
    }
    free(w->path);
    free(w->tmp);
    free(w);
}

cache_writer *cache_writer_open(cache *c, const cache_key *k, int rate, const void *meta,
                                size_t meta_len, err *e)
{
    cache_writer *w = calloc(1, sizeof *w);
    strbuf tmp = {0};
    if (!w || !(w->path = entry_path(c, k, e))) {
        if (!w)
            err_set(e, ERR_NOMEM, NULL, 0, 0, "out of memory");
        free(w);
        return NULL;
    }
    char *slash = strrchr(w->path, '/');
    *slash = '\0';
    if (mkdir(w->path, 0777) < 0 && errno != EEXIST) {
        err_set(e, ERR_OUTPUT, w->path, 0, 0, "cannot create: %s", strerror(errno));
        goto fail;
    }
    *slash = '/';
    if (meta_len >= (1u << 24)) {
        err_set(e, ERR_INTERNAL, w->path, 0, 0, "cache: %zu bytes of metadata", meta_len);
        goto fail;
    }
    /* Hosts sharing the cache may have the same process ids. */
    char host[64] = "";
    gethostname(host, sizeof host - 1);
    host[strcspn(host, "/")] = '\0';
    if (strbuf_addf(&tmp, e, "%s.tmp.%s.%ld", w->path, host, (long)getpid()) < 0)
        goto fail;
    w->tmp = strbuf_take(&tmp);
    if (!(w->f = fopen(w->tmp, "wb"))) {
        err_set(e, ERR_OUTPUT, w->tmp, 0, 0, "cannot write: %s", strerror(errno));
        goto fail;
    }
    uint32_t r = (uint32_t)rate, mlen = (uint32_t)meta_len;
    uint64_t frames = 0; /* written again at the end */
    if (fwrite(MAGIC, 1, 8, w->f) != 8 || fwrite(&r, sizeof r, 1, w->f) != 1 ||
        fwrite(&frames, sizeof frames, 1, w->f) != 1 || fwrite(&mlen, sizeof mlen, 1, w->f) != 1 ||
        (meta_len && fwrite(meta, 1, meta_len, w->f) != meta_len)) {
        err_set(e, ERR_OUTPUT, w->tmp, 0, 0, "cannot write: %s", strerror(errno));
        goto fail;
    }
    return w;
fail:
    strbuf_free(&tmp);
    cache_writer_abort(w);
    return NULL;
}

int cache_write(cache_writer *w, const float *x, size_t frames, err *e)
{
    for (size_t i = 0; i < frames;) {
        size_t n = frames - i < CACHE_BLOCK ? frames - i : CACHE_BLOCK;
        audio_to16(x + i, w->buf, n);
        if (fwrite(w->buf, sizeof *w->buf, n, w->f) != n) {
            err_set(e, ERR_OUTPUT, w->tmp, 0, 0, "cannot write: %s", strerror(errno));
            return -1;
        }
        i += n;
    }
    w->frames += frames;
    return 0;
}

int cache_writer_commit(cache_writer *w, err *e)
{
    int ok = fseek(w->f, 12, SEEK_SET) == 0 && fwrite(&w->frames, sizeof w->frames, 1, w->f) == 1;
    ok = fclose(w->f) == 0 && ok;
    w->f = NULL;
    if (!ok || rename(w->tmp, w->path) < 0) {
        err_set(e, ERR_OUTPUT, w->tmp, 0, 0, "cannot store in the cache: %s", strerror(errno));
        unlink(w->tmp);
        cache_writer_abort(w);
        return -1;
    }
    cache_writer_abort(w);
    return 0;
}

/* ---- whole entries ------------------------------------------------------ */

int cache_get(cache *c, const cache_key *k, int rate, audio *out, void **meta,
              size_t *meta_len, err *e)
{
    cache_reader *r;
    int hit = cache_open_entry(c, k, rate, &r, meta, meta_len, e);
    if (hit <= 0)
        return hit;
    audio a = {.rate = rate};
    float chunk[CACHE_BLOCK];
    long n;
    int rc = 1;
    /* One allocation for the whole entry, not doubling. */
    if (cache_reader_frames(r) && audio_silence(&a, (double)cache_reader_frames(r) / rate, e) < 0)
        rc = -1;
    a.frames = 0;
    while (rc == 1 && (n = cache_read(r, chunk, CACHE_BLOCK, e)) > 0)
        if (audio_append(&a, chunk, (size_t)n, e) < 0)
            rc = -1;
    if (rc == 1 && n < 0) {
        err_clear(e);
        rc = 0; /* damaged: a miss */
    }
    cache_reader_close(r);
    if (rc != 1) {
        audio_free(&a);
        if (meta) {
            free(*meta);
            *meta = NULL;
            *meta_len = 0;
        }
        return rc;
    }
    audio_free(out);
    *out = a;
    return 1;
}

int cache_put(cache *c, const cache_key *k, const audio *a, const void *meta,
              size_t meta_len, err *e)
{
    cache_writer *w = cache_writer_open(c, k, a->rate, meta, meta_len, e);
    if (!w)
        return -1;
    if (cache_write(w, a->data, a->frames, e) < 0) {
        cache_writer_abort(w);
        return -1;
    }
    return cache_writer_commit(w, e);
}

/* ---- trimming ----------------------------------------------------------- */

typedef struct entry {
    char *path;
    time_t used;
    off_t size;
} entry;

typedef struct entries {
    entry *v;
    size_t n, cap;
} entries;

/* Whether "<entry>.pcm.tmp.<host>.<pid>" was left by a process of this
 * host that is gone. */
static int orphan(const char *name)
{
    char host[64] = "";
    gethostname(host, sizeof host - 1);
    host[strcspn(host, "/")] = '\0';
    const char *t = strstr(name, ".pcm.tmp.") + 9;
    size_t hl = strlen(host);
    if (!hl || strncmp(t, host, hl) || t[hl] != '.')
        return 0;
    char *end;
    long pid = strtol(t + hl + 1, &end, 10);
    return pid > 0 && !*end && kill((pid_t)pid, 0) < 0 && errno == ESRCH;
}

/* Adds the entries of one two-hex-digit folder. */
static int scan_dir(entries *es, const char *sub, err *e)
{
    DIR *d = opendir(sub);
    if (!d)
        return 0;
    struct dirent *de;
    int rc = 0;
    while (rc == 0 && (de = readdir(d))) {
        size_t len = strlen(de->d_name);
        struct stat st;
        strbuf p = {0};
        if (strstr(de->d_name, ".pcm.tmp.") && strbuf_addf(&p, e, "%s/%s", sub, de->d_name) == 0 &&
            stat(p.s, &st) == 0 && (st.st_mtime < time(NULL) - 24 * 3600 || orphan(de->d_name))) {
            /* Left by a killed worker: of this host and dead, or a day old
             * (another host's live worker writes on). */
            unlink(p.s);
        }
        strbuf_free(&p);
        if (len < 5 || strcmp(de->d_name + len - 4, ".pcm") ||
            strbuf_addf(&p, e, "%s/%s", sub, de->d_name) < 0 || stat(p.s, &st) < 0) {
            strbuf_free(&p);
            continue;
        }
        if (es->n == es->cap) {
            size_t c = es->cap ? es->cap * 2 : 256;
            entry *v = realloc(es->v, c * sizeof *v);
            if (!v) {
                strbuf_free(&p);
                err_set(e, ERR_NOMEM, sub, 0, 0, "out of memory");
                rc = -1;
                break;
            }
            es->v = v;
            es->cap = c;
        }
        es->v[es->n++] = (entry){strbuf_take(&p), st.st_mtime, st.st_size};
    }
    closedir(d);
    return rc;
}

static int by_use(const void *a, const void *b)
{
    const entry *x = a, *y = b;
    if (x->used != y->used)
        return x->used < y->used ? -1 : 1;
    return strcmp(x->path, y->path);
}

long cache_trim(cache *c, int max_age_days, uint64_t max_bytes, err *e)
{
    entries es = {0};
    long removed = -1;
    DIR *d = opendir(c->dir);
    if (!d) {
        err_set(e, ERR_OUTPUT, c->dir, 0, 0, "cannot read the cache: %s", strerror(errno));
        return -1;
    }
    struct dirent *de;
    int ok = 1;
    while (ok && (de = readdir(d))) {
        if (strlen(de->d_name) != 2 || de->d_name[0] == '.')
            continue;
        strbuf sub = {0};
        ok = strbuf_addf(&sub, e, "%s/%s", c->dir, de->d_name) == 0 && scan_dir(&es, sub.s, e) == 0;
        strbuf_free(&sub);
    }
    closedir(d);
    if (ok) {
        qsort(es.v, es.n, sizeof *es.v, by_use);
        uint64_t total = 0;
        for (size_t i = 0; i < es.n; i++)
            total += (uint64_t)es.v[i].size;
        time_t cutoff = time(NULL) - (time_t)max_age_days * 24 * 3600;
        removed = 0;
        for (size_t i = 0; i < es.n; i++)
            if ((es.v[i].used < cutoff || total > max_bytes) && unlink(es.v[i].path) == 0) {
                total -= (uint64_t)es.v[i].size;
                removed++;
            }
    }
    for (size_t i = 0; i < es.n; i++)
        free(es.v[i].path);
    free(es.v);
    return removed;
}

void cache_free(cache *c)
{
    if (!c)
        return;
    free(c->dir);
    free(c);
}
