# tingbao -- a Chinese daily newspaper, read aloud.
#
#   make deps     install the Debian packages (as root)
#   make          build ./tingbao and the base lexicon
#   make check    run every test
#   make demo     deps + build + read the sample edition into output/
#   make install  PREFIX=/usr/local DESTDIR=

VERSION   := 0.1.0
PREFIX    ?= /usr/local
BINDIR    ?= $(PREFIX)/bin
DATADIR   ?= $(PREFIX)/share/tingbao
MANDIR    ?= $(PREFIX)/share/man
DOCDIR    ?= $(PREFIX)/share/doc/tingbao
DESTDIR   ?=

CC        ?= cc
PKGS      := libcmark jansson inih libutf8proc opencc espeak-ng samplerate sndfile libebur128 libxxhash
# Debian packages: libraries (-dev), the data the lexicon is built from, the
# tools the tests and the demo use.
DEB_PKGS  := build-essential pkg-config libcmark-dev libjansson-dev libinih-dev \
             libutf8proc-dev libopencc-dev opencc libespeak-ng-dev espeak-ng-data \
             libsamplerate0-dev libsndfile1-dev libebur128-dev libxxhash-dev \
             libcmocka-dev rime-data-terra-pinyin unicode-data python3-jieba bzip2 sox \
             clang libclang-rt-14-dev valgrind libxml2-utils chromium nodejs time parallel

PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   := $(shell pkg-config --libs $(PKGS) 2>/dev/null) -lm
TEST_CFLAGS := $(shell pkg-config --cflags cmocka 2>/dev/null)
TEST_LIBS   := $(shell pkg-config --libs cmocka 2>/dev/null)

CFLAGS    ?= -O2 -g
CFLAGS    += -std=c11 -Wall -Wextra -Wshadow -Wstrict-prototypes -Wmissing-prototypes -fno-math-errno
CPPFLAGS  += -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE -Iinclude \
             -DTINGBAO_VERSION='"$(VERSION)"' -DTINGBAO_DATADIR='"$(DATADIR)"' $(PKG_CFLAGS)

# Where the base lexicon's sources are (Debian's paths).
RIME_DICT  ?= /usr/share/rime-data/terra_pinyin.dict.yaml
UNIHAN     ?= /usr/share/unicode/Unihan_Readings.txt.bz2
JIEBA_DICT ?= /usr/lib/python3/dist-packages/jieba/dict.txt
OPENCC_T2S ?= t2s.json

LIB_SRC   := $(filter-out src/main.c,$(wildcard src/*.c))
LIB_OBJ   := $(LIB_SRC:src/%.c=build/%.o)
TESTS     := $(patsubst tests/%.c,build/tests/%,$(wildcard tests/*_test.c))
LEXICON   := build/base-lexicon.tsv
SAMPLE    := ../shared/editions/zhuzhou-2023-09-05.md

.PHONY: all deps check test demo install uninstall clean bench FORCE fuzz check-asan
all: tingbao $(LEXICON)

tingbao: build/main.o $(LIB_OBJ)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(PKG_LIBS)

build/%.o: src/%.c $(wildcard include/*.h src/*.h) | build
	$(CC) $(CPPFLAGS) $(CFLAGS) -c -o $@ $<

# main.o has DATADIR compiled in: rebuild it when PREFIX or DATADIR change.
build/datadir.stamp: FORCE | build
	@echo '$(DATADIR)' | cmp -s - $@ || echo '$(DATADIR)' > $@
build/main.o: build/datadir.stamp
FORCE:

build build/tests:
	mkdir -p $@

build/tests/%: tests/%.c tests/testutil.h $(LIB_OBJ) | build/tests
	$(CC) $(CPPFLAGS) $(TEST_CFLAGS) $(CFLAGS) -Itests -o $@ $< $(LIB_OBJ) $(PKG_LIBS) $(TEST_LIBS)

build/srcpass: tools/srcpass.c | build
	$(CC) $(CPPFLAGS) $(CFLAGS) -o $@ $< $(PKG_LIBS)

# What a build costs beside its limit (espeak-ng + one resampling pass):
# the sample and editions 4 and 16 times larger, cold and warm, --jobs 1
# and --jobs $(nproc).  BENCH_SIZES="1 4" for a shorter run.
bench: all build/srcpass
	sh tools/bench.sh $(SAMPLE)

build/mklexicon: tools/mklexicon.c | build
	$(CC) $(CPPFLAGS) $(CFLAGS) -o $@ $< $(PKG_LIBS)

# The base lexicon: Rime's terra_pinyin (traditional -> simplified with
# OpenCC), Unihan readings for characters it lacks, jieba's frequencies.
$(LEXICON): build/mklexicon $(RIME_DICT) $(UNIHAN) $(JIEBA_DICT)
	bzcat $(UNIHAN) > build/Unihan_Readings.txt
	build/mklexicon --rime $(RIME_DICT) --unihan build/Unihan_Readings.txt \
	    --freq $(JIEBA_DICT) --opencc $(OPENCC_T2S) --out $@.tmp
	rm -f build/Unihan_Readings.txt
	mv $@.tmp $@

deps:
	@missing=""; for p in $(DEB_PKGS); do \
	    dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q 'ok installed' || missing="$$missing $$p"; \
	done; \
	if [ -z "$$missing" ]; then echo "deps: all Debian packages present"; exit 0; fi; \
	if [ "$$(id -u)" != 0 ]; then \
	    echo "deps: missing:$$missing"; \
	    echo "deps: as root run: apt-get update && apt-get install -y$$missing"; exit 1; \
	fi; \
	echo "deps: installing:$$missing"; \
	apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing

check test: all $(TESTS)
	@TINGBAO_SAMPLE=$(SAMPLE) sh tests/run.sh $(TESTS) tests/browser/run.sh

# The whole suite again under AddressSanitizer and UndefinedBehaviorSanitizer:
# every object and test rebuilt in build/asan/, the end-to-end tests driving
# the sanitized ./build/asan/tingbao.  Leaks are checked too, but not in
# libespeak-ng, which keeps its voice data until the process ends.
ASAN_FLAGS := -O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=undefined
ASAN_OBJ   := $(LIB_SRC:src/%.c=build/asan/%.o)
ASAN_TESTS := $(patsubst tests/%.c,build/asan/tests/%,$(wildcard tests/*_test.c))

build/asan build/asan/tests:
	mkdir -p $@

build/asan/%.o: src/%.c $(wildcard include/*.h src/*.h) | build/asan
	$(CC) $(CPPFLAGS) -std=c11 -Wall -Wextra $(ASAN_FLAGS) -c -o $@ $<

build/asan/tingbao: build/asan/main.o $(ASAN_OBJ)
	$(CC) $(ASAN_FLAGS) -o $@ $^ $(PKG_LIBS)

build/asan/tests/%: tests/%.c tests/testutil.h $(ASAN_OBJ) | build/asan/tests
	$(CC) $(CPPFLAGS) $(TEST_CFLAGS) -std=c11 $(ASAN_FLAGS) -Itests -o $@ $< $(ASAN_OBJ) $(PKG_LIBS) $(TEST_LIBS)

check-asan: $(LEXICON) build/asan/tingbao $(ASAN_TESTS)
	@TINGBAO_SAMPLE=$(SAMPLE) TINGBAO_BIN=build/asan/tingbao \
	 ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 LSAN_OPTIONS=suppressions=tests/lsan.supp \
	 UBSAN_OPTIONS=print_stacktrace=1 sh tests/run.sh $(ASAN_TESTS)

# libFuzzer over every text stage (tests/fuzz/fuzz_text.c), seeded with the
# repository's fixtures; FUZZ_SECONDS=60 by default.
FUZZ_SECONDS ?= 60
build/fuzz/fuzz_text: tests/fuzz/fuzz_text.c $(LIB_SRC) $(wildcard include/*.h)
	mkdir -p build/fuzz
	clang $(CPPFLAGS) -std=c11 -O1 -g -fsanitize=fuzzer,address,undefined \
	    -o $@ tests/fuzz/fuzz_text.c $(LIB_SRC) $(PKG_LIBS)

fuzz: build/fuzz/fuzz_text $(LEXICON)
	mkdir -p build/fuzz/corpus
	cp tests/data/edition/*.md tests/data/edition/folder/*.md build/fuzz/corpus/
	cp $(SAMPLE) build/fuzz/corpus/ 2>/dev/null || true
	ASAN_OPTIONS=detect_leaks=1 build/fuzz/fuzz_text -max_total_time=$(FUZZ_SECONDS) \
	    -max_len=65536 -timeout=30 -rss_limit_mb=2048 -print_final_stats=1 \
	    -artifact_prefix=build/fuzz/ build/fuzz/corpus

demo: deps
	$(MAKE) all
	@dir=$$(./tingbao build $(SAMPLE) --out output | tail -n 1) && \
	echo "Listen, in this order (one file per article is in the section's folder;" && \
	echo "$$dir/edition.json lists them all):" && ls -1 "$$dir"/*.wav | sed 's/^/  /' && \
	echo "Or open $$dir/index.html in a browser: every article with its transcript."

install: all
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(MANDIR)/man1 \
	    $(DESTDIR)$(DATADIR)/voices $(DESTDIR)$(DATADIR)/lexicon
	install -m 755 tingbao $(DESTDIR)$(BINDIR)/tingbao
	install -m 644 tingbao.1 $(DESTDIR)$(MANDIR)/man1/tingbao.1
	install -m 644 voices/*.ini $(DESTDIR)$(DATADIR)/voices/
	install -m 644 lexicon/*.tsv $(DESTDIR)$(DATADIR)/lexicon/
	install -m 644 $(LEXICON) $(DESTDIR)$(DATADIR)/base-lexicon.tsv
	install -d $(DESTDIR)$(DOCDIR)/examples
	install -m 644 README.md $(DESTDIR)$(DOCDIR)/
	install -m 644 examples/* $(DESTDIR)$(DOCDIR)/examples/

uninstall:
	rm -f $(DESTDIR)$(BINDIR)/tingbao $(DESTDIR)$(MANDIR)/man1/tingbao.1
	rm -rf $(DESTDIR)$(DATADIR) $(DESTDIR)$(DOCDIR)

clean:
	rm -rf build tingbao
