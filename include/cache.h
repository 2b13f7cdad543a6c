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

/* Loads the entry for 'k' into 'out' (zeroed by the caller) at 'rate' Hz,
 * and the bytes stored with it into *meta (caller free()s; NULL and 0 when
 * none).  1 when found (and marks it used), 0 when absent or unreadable (a
 * damaged entry is a miss, never an error), -1 with 'e' set (ERR_NOMEM). */
int cache_get(cache *c, const cache_key *k, int rate, audio *out, void **meta,
              size_t *meta_len, err *e);

/* Stores 'a' (already quantized, see audio_quantize16()) under 'k', with
 * 'meta_len' opaque bytes (the sentence timing of a transcript).
 * Failure to store is not fatal to a build: 0, or -1 with 'e' set. */
int cache_put(cache *c, const cache_key *k, const audio *a, const void *meta,
              size_t meta_len, err *e);

/* Removes entries not used for 'max_age_days' days, then the least
 * recently used until the cache holds at most 'max_bytes'.  Returns the
 * number of entries removed, or -1 with 'e' set. */
long cache_trim(cache *c, int max_age_days, uint64_t max_bytes, err *e);

/* Releases 'c'.  Accepts NULL. */
void cache_free(cache *c);

#endif
