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

int cache_get(cache *c, const cache_key *k, int rate, audio *out, void **meta,
              size_t *meta_len, err *e)
{
    *meta = NULL;
    *meta_len = 0;
    char *path = entry_path(c, k, e);
    if (!path)
        return -1;
    int rc = 0;
    FILE *f = fopen(path, "rb");
    int16_t *buf = NULL;
    char *m = NULL;
    if (!f)
        goto out;
    char magic[8];
    uint32_t r, mlen;
    uint64_t frames;
    if (fread(magic, 1, 8, f) != 8 || memcmp(magic, MAGIC, 8) || fread(&r, sizeof r, 1, f) != 1 ||
        fread(&frames, sizeof frames, 1, f) != 1 || fread(&mlen, sizeof mlen, 1, f) != 1 ||
        (int)r != rate || frames > (1ull << 34) || mlen > (1u << 24))
        goto out;
    if (!(m = malloc(mlen ? mlen : 1))) {
        err_set(e, ERR_NOMEM, path, 0, 0, "out of memory");
        rc = -1;
        goto out;
    }
    if (fread(m, 1, mlen, f) != mlen)
        goto out;
    buf = malloc(frames ? frames * sizeof *buf : 1);
    if (!buf) {
        err_set(e, ERR_NOMEM, path, 0, 0, "out of memory");
        rc = -1;
        goto out;
    }
    if (fread(buf, sizeof *buf, frames, f) != frames || fgetc(f) != EOF)
        goto out; /* truncated or damaged: a miss */
    audio a = {0};
    a.rate = rate;
    float chunk[4096];
    for (uint64_t i = 0; i < frames;) {
        size_t n = frames - i < 4096 ? (size_t)(frames - i) : 4096;
        for (size_t j = 0; j < n; j++)
            chunk[j] = (float)buf[i + j] / 32767.0f;
        if (audio_append(&a, chunk, n, e) < 0) {
            audio_free(&a);
            rc = -1;
            goto out;
        }
        i += n;
    }
    audio_free(out);
    *out = a;
    out->rate = rate;
    *meta = m;
    *meta_len = mlen;
    m = NULL;
    utimensat(AT_FDCWD, path, NULL, 0); /* used now */
    rc = 1;
out:
    if (f)
        fclose(f);
    free(m);
    free(buf);
    free(path);
    return rc;
}

int cache_put(cache *c, const cache_key *k, const audio *a, const void *meta,
              size_t meta_len, err *e)
{
    char *path = entry_path(c, k, e);
    if (!path)
        return -1;
    int rc = -1;
    strbuf tmp = {0};
    FILE *f = NULL;
    int16_t *buf = NULL;
    char *slash = strrchr(path, '/');
    *slash = '\0';
    if (mkdir(path, 0777) < 0 && errno != EEXIST) {
        err_set(e, ERR_OUTPUT, path, 0, 0, "cannot create: %s", strerror(errno));
        goto out;
    }
    *slash = '/';
    if (strbuf_addf(&tmp, e, "%s.tmp.%ld", path, (long)getpid()) < 0)
        goto out;
    if (!(f = fopen(tmp.s, "wb"))) {
        err_set(e, ERR_OUTPUT, tmp.s, 0, 0, "cannot write: %s", strerror(errno));
        goto out;
    }
    uint32_t r = (uint32_t)a->rate;
    uint64_t frames = a->frames;
    buf = malloc(4096 * sizeof *buf);
    uint32_t mlen = (uint32_t)meta_len;
    int ok = buf && meta_len < (1u << 24) && fwrite(MAGIC, 1, 8, f) == 8 &&
             fwrite(&r, sizeof r, 1, f) == 1 && fwrite(&frames, sizeof frames, 1, f) == 1 &&
             fwrite(&mlen, sizeof mlen, 1, f) == 1 &&
             (meta_len == 0 || fwrite(meta, 1, meta_len, f) == meta_len);
    for (size_t i = 0; ok && i < a->frames;) {
        size_t n = a->frames - i < 4096 ? a->frames - i : 4096;
        for (size_t j = 0; j < n; j++)
            buf[j] = (int16_t)lrintf(a->data[i + j] * 32767.0f);
        ok = fwrite(buf, sizeof *buf, n, f) == n;
        i += n;
    }
    if (fclose(f) != 0)
        ok = 0;
    f = NULL;
    if (!ok || rename(tmp.s, path) < 0) {
        err_set(e, ERR_OUTPUT, path, 0, 0, "cannot store in the cache: %s", strerror(errno));
        unlink(tmp.s);
        goto out;
    }
    rc = 0;
out:
    if (f)
        fclose(f);
    free(buf);
    strbuf_free(&tmp);
    free(path);
    return rc;
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
