#!/bin/sh
# tests/browser/run.sh -- the player page in a real browser.
#
# Builds the three-section fixture with ./tingbao, writes the publish files
# with page_driver (linked against the module objects), then drives
# chromium headless with page_test.mjs.  Run from the repository root after
# `make`.  Exits 77 with "skipped: ..." when node or chromium is missing.
set -eu
CHROMIUM=${CHROMIUM:-/usr/bin/chromium}
command -v node >/dev/null 2>&1 || { echo "skipped: node not installed"; exit 77; }
[ -x "$CHROMIUM" ] || { echo "skipped: $CHROMIUM not installed (apt-get install chromium)"; exit 77; }
out=$(mktemp -d /tmp/tingbao-browser.XXXXXX)
trap 'rm -rf "$out"' EXIT
PKG_CFLAGS=$(pkg-config --cflags jansson)
PKG_LIBS=$(pkg-config --libs libcmark jansson inih libutf8proc opencc espeak-ng samplerate sndfile libebur128 libxxhash)
${CC:-cc} -std=c11 -Wall -Wextra -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE -Iinclude $PKG_CFLAGS \
    -o "$out/page_driver" tests/browser/page_driver.c build/publish*.o build/err.o build/str.o build/utf8.o $PKG_LIBS -lm
dir=$(./tingbao build --quiet tests/data/edition/three-sections.md --out "$out/o" | tail -n 1)
"$out/page_driver" "$dir" >/dev/null
node tests/browser/page_test.mjs "$dir/index.html"
