#!/bin/sh
# tests/browser/run.sh -- the player page in a real browser.
#
# Builds the three-section fixture with ./tingbao (which writes index.html
# beside the audio), then drives chromium headless with page_test.mjs.  Run from the repository root after
# `make`.  Exits 77 with "skipped: ..." when node or chromium is missing.
set -eu
CHROMIUM=${CHROMIUM:-/usr/bin/chromium}
command -v node >/dev/null 2>&1 || { echo "skipped: node not installed"; exit 77; }
[ -x "$CHROMIUM" ] || { echo "skipped: $CHROMIUM not installed (apt-get install chromium)"; exit 77; }
out=$(mktemp -d /tmp/tingbao-browser.XXXXXX)
trap 'rm -rf "$out"' EXIT
dir=$("${TINGBAO_BIN:-./tingbao}" build --quiet --format wav,opus tests/data/edition/three-sections.md --out "$out/o" | tail -n 1)
node tests/browser/page_test.mjs "$dir/index.html"
