/* cache.h -- content-addressed store of synthesized audio.
 *
 * An entry is the finished audio of one article (or intro), named by a
 * 128-bit hash (xxh3) of everything that changes its sound: the spoken
 * tokens, the voice profile, espeak-ng's version, the output rate, the
 * level.  Entries live in DIR/<2 hex>/<30 hex>.pcm as 16-bit samples and
 * a few bytes of metadata
 * (audio is quantized to that grid before it is used, so an entry gives
 * back exactly the floats that were stored, and a build from the cache is
 * byte-identical to one without).  Entries are written to a temporary name
 * and renamed, so builds on several hosts may share one cache folder.
 */
#ifndef CACHE_H
#define CACHE_H

#include <stddef.h>
#include <stdint.h>
#include "audio.h"
#include "err.h"

typedef struct cache cache;

/* A key being built: feed it every byte that changes the sound. */
typedef struct cache_key {
    void *state;          /* XXH3 state, owned */
    char hex[33];         /* filled by cache_key_final() */
} cache_key;

/* Starts a key.  0 or -1 (ERR_NOMEM). */
int cache_key_init(cache_key *k, err *e);
/* Adds 'len' bytes (and their length, so "ab"+"c" != "a"+"bc"). */
void cache_key_add(cache_key *k, const void *data, size_t len);
void cache_key_adds(cache_key *k, const char *s);
/* Finishes the key into k->hex and releases its state. */
void cache_key_final(cache_key *k);
/* Releases an unfinished key. */
void cache_key_free(cache_key *k);

/* Opens (creating) the cache folder 'dir'.  NULL with 'e' set (ERR_OUTPUT). */
cache *cache_open(const char *dir, err *e);

/* Samples move in blocks of at most this many frames. */
#define CACHE_BLOCK 4096

/* An entry being read, block by block: a section of any length is
 * assembled through one block of memory. */
typedef struct cache_reader cache_reader;

/* Opens the entry for 'k' at 'rate' Hz and, when 'meta' is not NULL, reads
 * the bytes stored with it into *meta (caller free()s).  1 with *r open and
 * the entry marked used; 0 when absent, at another rate or damaged (a
 * damaged entry is a miss, never an error); -1 with 'e' set (ERR_NOMEM). */
int cache_open_entry(cache *c, const cache_key *k, int rate, cache_reader **r, void **meta,
                     size_t *meta_len, err *e);
/* The entry's length in frames. */
size_t cache_reader_frames(const cache_reader *r);
/* Reads up to 'max' (at most CACHE_BLOCK) frames into 'x': the count, 0 at
 * the end, -1 with 'e' set (ERR_IO) when the file ends early. */
long cache_read(cache_reader *r, float *x, size_t max, err *e);
/* The same, as the 16-bit samples stored (any 'max'). */
long cache_read16(cache_reader *r, int16_t *x, size_t max, err *e);
void cache_reader_close(cache_reader *r);

/* An entry being written: samples are quantized to 16 bits as they come
 * (the caller's audio is on that grid already, see audio_quantize16()), and
 * the entry appears under its name only when committed. */
typedef struct cache_writer cache_writer;
cache_writer *cache_writer_open(cache *c, const cache_key *k, int rate, const void *meta,
                                size_t meta_len, err *e);
int cache_write(cache_writer *w, const float *x, size_t frames, err *e);
/* Renames the entry into place and releases 'w' (also on failure). */
int cache_writer_commit(cache_writer *w, err *e);
/* Removes the unfinished entry and releases 'w'.  Accepts NULL. */
void cache_writer_abort(cache_writer *w);

/* The whole entry at once (tests, small pieces): cache_open_entry() and
 * cache_read() into 'out' (zeroed by the caller).  Same results. */
int cache_get(cache *c, const cache_key *k, int rate, audio *out, void **meta,
              size_t *meta_len, err *e);

/* Stores 'a' under 'k' with 'meta_len' opaque bytes (the sentence timing
 * of a transcript): cache_writer_open(), cache_write(), commit.  0, or -1
 * with 'e' set (ERR_OUTPUT). */
int cache_put(cache *c, const cache_key *k, const audio *a, const void *meta,
              size_t meta_len, err *e);

/* Removes entries not used for 'max_age_days' days, then the least
 * recently used until the cache holds at most 'max_bytes'.  Returns the
 * number of entries removed, or -1 with 'e' set. */
long cache_trim(cache *c, int max_age_days, uint64_t max_bytes, err *e);

/* Releases 'c'.  Accepts NULL. */
void cache_free(cache *c);

#endif
