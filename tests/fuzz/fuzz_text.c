/* fuzz_text.c -- libFuzzer harness over every text stage: the bytes of an
 * edition go through edition_parse, clean_article, script_build, and each
 * segment through tn_normalize and g2p_convert, as `tingbao build` would
 * before synthesis.  Built and run by `make fuzz` (clang -fsanitize=fuzzer,
 * address, undefined); the seed corpus is the repository's own fixtures.
 *
 * The lexicon is loaded once, from build/base-lexicon.tsv and lexicon/, so
 * run it from the repository root. */
#include <glob.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clean.h"
#include "edition.h"
#include "g2p.h"
#include "lexicon.h"
#include "script.h"
#include "tn.h"

static tn *t;
static lexicon *lx;
static g2p *g;

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    err e = {0};
    t = tn_create(&e);
    lx = lexicon_create(&e);
    if (!t || !lx || lexicon_load_base(lx, "build/base-lexicon.tsv", &e) < 0) {
        fprintf(stderr, "fuzz: %s (run from the repository root after make)\n", e.msg);
        exit(1);
    }
    glob_t gl;
    if (glob("lexicon/*.tsv", 0, NULL, &gl) == 0) {
        for (size_t i = 0; i < gl.gl_pathc; i++)
            if (lexicon_load_overrides(lx, gl.gl_pathv[i], &e) < 0)
                exit(1);
        globfree(&gl);
    }
    if (!(g = g2p_create(lx, &e)))
        exit(1);
    return 0;
}

static void speak(const script_segment *s)
{
    err e = {0};
    char *spoken = tn_normalize(t, s->text, strlen(s->text), "fuzz", s->line, &e);
    if (!spoken)
        return;
    /* tn's promise: no ASCII digit reaches g2p. */
    for (const char *c = spoken; *c; c++)
        if (*c >= '0' && *c <= '9')
            abort();
    g2p_tokens toks = {0};
    g2p_convert(g, spoken, strlen(spoken), &toks, NULL, &e);
    g2p_tokens_free(&toks);
    free(spoken);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    err e = {0};
    edition *ed = edition_parse((const char *)data, size, "fuzz.md", NULL, &e);
    if (!ed)
        return 0;
    clean_stats st = {0};
    for (size_t i = 0; i < ed->n_sections; i++)
        for (size_t j = 0; j < ed->sections[i].n_articles; j++)
            if (clean_article(&ed->sections[i].articles[j], &st, &e) < 0)
                goto out;
    script *sc = script_build(ed, &e);
    if (!sc)
        goto out;
    for (size_t i = 0; i < sc->n_intro; i++)
        speak(&sc->intro[i]);
    for (size_t i = 0; i < sc->n_sections; i++) {
        for (size_t k = 0; k < sc->sections[i].n_intro; k++)
            speak(&sc->sections[i].intro[k]);
        for (size_t j = 0; j < sc->sections[i].n_articles; j++)
            for (size_t k = 0; k < sc->sections[i].articles[j].n_segs; k++)
                speak(&sc->sections[i].articles[j].segs[k]);
    }
    script_free(sc);
out:
    edition_free(ed);
    return 0;
}
