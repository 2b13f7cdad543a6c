/* publish_internal.h -- helpers shared by the publish_*.c files only.
 *
 * Escaping for each format lives here so that every writer escapes the
 * same way; all append to a strbuf and return 0 or -1 (ERR_NOMEM).
 */
#ifndef PUBLISH_INTERNAL_H
#define PUBLISH_INTERNAL_H

#include "publish.h"
#include "str.h"

/* Writes b's bytes to 'dir'/'rel' (rel may be NULL) atomically: a
 * temporary name in the same folder, fsync, rename. */
int pub_put(const char *dir, const char *rel, const strbuf *b, err *e);

/* "dir/rel" (rel may hold '/'); caller free()s. */
char *pub_join(const char *dir, const char *rel, err *e);

/* XML/HTML text or attribute value: & < > " ' as references, control
 * characters XML 1.0 forbids dropped (tab and newline become spaces).
 * 'braces' also writes '{' as a reference, so the "{base}" marker of
 * feed-items.xml can never come from the text. */
int pub_xml(strbuf *b, const char *s, int braces, err *e);

/* A JSON string with its quotes; control characters as \u00XX. */
int pub_json(strbuf *b, const char *s, err *e);

/* A relative URL for 'path': each byte outside RFC 3986's unreserved set
 * (and '/') percent-encoded, so UTF-8 names work in every player. */
int pub_url(strbuf *b, const char *path, err *e);

/* hh:mm:ss.mmm (WebVTT's timestamp, hours always written). */
int pub_vtt_time(strbuf *b, double s, err *e);

/* hh:mm:ss, rounded to the second (DAISY clock values, itunes:duration). */
int pub_clock(strbuf *b, double s, err *e);

/* The extension of the preferred format among 'formats' for 'use':
 * 'f' feed/DAISY (mp3, else wav), 'w' web (opus, mp3, wav order). */
const char *pub_ext(unsigned formats, int use);

/* MIME type for an extension ("mp3" -> "audio/mpeg"). */
const char *pub_mime(const char *ext);

/* Total audio of an edition: intro plus sections. */
double pub_total(const pub_edition *ed);

#endif
