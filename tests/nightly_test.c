/* nightly_test.c -- what an unattended 02:00 build must survive: a second
 * build of the same paper, a kill at any point, a full disk, damaged input,
 * dated input paths and old editions.  Each test drives \"$TINGBAO\" as cron
 * would and checks the published edition, never the code's internals. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <dirent.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "testutil.h"
#include "utf8.h"

static char dir[256];      /* this run's scratch folder */
static char fixture[512];  /* a three-section edition (builds in about a second) */

static int run(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int run(const char *fmt, ...)
{
    char cmd[8192];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(cmd, sizeof cmd, fmt, ap);
    va_end(ap);
    int st = system(cmd);
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/* Output of a shell command (at most 64 KiB). */
static char *capture(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static char *capture(const char *fmt, ...)
{
    char cmd[8192];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(cmd, sizeof cmd, fmt, ap);
    va_end(ap);
    FILE *p = popen(cmd, "r");
    assert_non_null(p);
    char *buf = calloc(1, 65536);
    size_t n = fread(buf, 1, 65535, p);
    buf[n] = '\0';
    pclose(p);
    return buf;
}

static int setup(void **state)
{
    (void)state;
    snprintf(dir, sizeof dir, "/tmp/tingbao-nightly-%ld", (long)getpid());
    tu_data("edition/three-sections.md", fixture, sizeof fixture);
    return run("rm -rf %s && mkdir -p %s/in", dir, dir);
}

static int teardown(void **state)
{
    (void)state;
    return run("rm -rf %s", dir);
}

/* Starts \"$TINGBAO\" with 'args' in the background; returns its pid. */
static pid_t start(const char *args)
{
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        char cmd[4096];
        snprintf(cmd, sizeof cmd, "exec \"$TINGBAO\" build --quiet %s >/dev/null 2>&1", args);
        execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
        _exit(127);
    }
    return pid;
}

static void sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

/* Hidden leftovers (".<date>.tmp.<pid>", ".old.<pid>") in a paper folder. */
static int leftovers(const char *paper_dir)
{
    DIR *d = opendir(paper_dir);
    if (!d)
        return 0;
    int n = 0;
    struct dirent *de;
    while ((de = readdir(d)))
        n += de->d_name[0] == '.' && (strstr(de->d_name, ".tmp.") || !strncmp(de->d_name, ".old.", 5));
    closedir(d);
    return n;
}

static void second_build_waits(void **state)
{
    (void)state;
    char out[512], args[1024];
    snprintf(out, sizeof out, "%s/lock", dir);
    snprintf(args, sizeof args, "'%s' --out '%s'", tu_sample(), out);
    pid_t first = start(args);
    /* Wait until the first build holds the lock (its pid is in the file). */
    char lockfile[600];
    snprintf(lockfile, sizeof lockfile, "%s/株洲日报/.lock", out);
    for (int i = 0; i < 200; i++) {
        struct stat st;
        if (stat(lockfile, &st) == 0 && st.st_size > 0)
            break;
        sleep_ms(20);
    }
    char *msg = capture("\"$TINGBAO\" build '%s' --out '%s' 2>&1; echo \"exit=$?\"", tu_sample(), out);
    char want[64];
    snprintf(want, sizeof want, "process %ld", (long)first);
    if (!strstr(msg, "exit=75") || !strstr(msg, want))
        fail_msg("second build: %s (want exit 75 naming %s)", msg, want);
    free(msg);
    /* Another paper builds side by side. */
    assert_int_equal(run("\"$TINGBAO\" build --quiet '%s' --out '%s' >/dev/null", fixture, out), 0);
    int st;
    assert_int_equal(waitpid(first, &st, 0), first);
    assert_int_equal(WEXITSTATUS(st), 0);
    /* Once it is done, the paper can be built again. */
    assert_int_equal(run("\"$TINGBAO\" build --quiet '%s' --out '%s' >/dev/null", tu_sample(), out), 0);
}

static void killed_build_leaves_edition(void **state)
{
    (void)state;
    char out[512], changed[512];
    snprintf(out, sizeof out, "%s/kill", dir);
    assert_true(strlen(dir) < 200);
    /* The same paper and date with one more article: what a rebuild after
     * a late correction looks like. */
    snprintf(changed, sizeof changed, "%s/in/changed.md", dir);
    assert_int_equal(run("cp '%s' '%s' && printf '\\n## 晚间更正 一则更正\\n\\n本报讯 昨日本版报道有误，特此更正。\\n' >> '%s'",
                         fixture, changed, changed), 0);
    assert_int_equal(run("\"$TINGBAO\" build --quiet '%s' --out '%s' >/dev/null", fixture, out), 0);
    char published[600], copy[600];
    snprintf(published, sizeof published, "%s/湘江晚报/2024-03-08", out);
    snprintf(copy, sizeof copy, "%s/copy", dir);
    assert_int_equal(run("cp -a '%s' '%s'", published, copy), 0);
    char paper_dir[600];
    snprintf(paper_dir, sizeof paper_dir, "%s/湘江晚报", out);
    static const long at_ms[] = {1, 30, 80, 150, 300, 500, 800, 1200};
    char args[2048];
    snprintf(args, sizeof args, "'%s' --out '%s'", changed, out);
    for (size_t i = 0; i < sizeof at_ms / sizeof *at_ms; i++) {
        pid_t pid = start(args);
        sleep_ms(at_ms[i]);
        kill(pid, SIGKILL);
        int st;
        waitpid(pid, &st, 0);
        /* Whatever it had done, the published edition is exactly as it was
         * (unless the build had finished before the kill). */
        if (WIFEXITED(st) && WEXITSTATUS(st) == 0)
            break;
        /* Killed after the swap (while removing the old tree), the new
         * edition is published, whole; before it, the old one is intact. */
        if (run("diff -r '%s' '%s' >/dev/null", copy, published) != 0) {
            if (run("grep -q '晚间更正' '%s/edition.json'", published) != 0)
                fail_msg("killed after %ld ms: the published edition changed", at_ms[i]);
            break;
        }
    }
    /* The next build clears the leftovers (the edition's and the cache
     * entries killed workers were writing) and publishes the new edition. */
    assert_int_equal(run("\"$TINGBAO\" build --quiet '%s' --out '%s' >/dev/null", changed, out), 0);
    assert_int_equal(leftovers(paper_dir), 0);
    assert_int_equal(run("test -z \"$(find '%s/.cache' -name '*.tmp.*')\"", out), 0);
    assert_int_equal(run("grep -q '晚间更正' '%s/edition.json'", published), 0);
}

static void full_disk(void **state)
{
    (void)state;
    char out[512];
    snprintf(out, sizeof out, "%s/full", dir);
    assert_int_equal(run("\"$TINGBAO\" build --quiet '%s' --out '%s' >/dev/null", fixture, out), 0);
    char published[600];
    snprintf(published, sizeof published, "%s/湘江晚报/2024-03-08", out);
    assert_int_equal(run("cp -a '%s' '%s/full-copy'", published, dir), 0);
    /* A file-size limit makes every write past 1 MiB fail with EFBIG, as a
     * full disk fails with ENOSPC; SIGXFSZ is ignored so write() reports it. */
    char *msg = capture("bash -c \"trap '' XFSZ; ulimit -f 1024; exec \"$TINGBAO\" build --force '%s' --out '%s'\" 2>&1; echo \"exit=$?\"",
                        fixture, out);
    /* The first file to fail is the cache entry a worker writes, or an
     * edition file: either way one under --out, named. */
    if (!strstr(msg, "exit=73") || !strstr(msg, out) || !strstr(msg, "File too large"))
        fail_msg("full disk: %s (want exit 73 naming the file)", msg);
    free(msg);
    assert_int_equal(run("diff -r '%s/full-copy' '%s' >/dev/null", dir, published), 0);
    char paper_dir[600];
    snprintf(paper_dir, sizeof paper_dir, "%s/湘江晚报", out);
    assert_int_equal(leftovers(paper_dir), 0);
}

static void dated_inputs(void **state)
{
    (void)state;
    char out[512];
    snprintf(out, sizeof out, "%s/dated", dir);
    assert_int_equal(run("mkdir -p '%s/in/2024/03' && cp '%s' '%s/in/2024-03-08.md' && cp '%s' '%s/in/2024/03/08.md'",
                         dir, fixture, dir, fixture, dir), 0);
    char *last = capture("\"$TINGBAO\" build --quiet --date 2024-03-08 '%s/in/{date}.md' --out '%s' | tail -n 1",
                         dir, out);
    char want[600];
    snprintf(want, sizeof want, "%s/湘江晚报/2024-03-08\n", out);
    assert_string_equal(last, want);
    free(last);
    assert_int_equal(run("\"$TINGBAO\" build --quiet --date 2024-03-08 '%s/in/{yyyy}/{mm}/{dd}.md' --out '%s' >/dev/null",
                         dir, out), 0);
    /* The masthead's date wins, and the build says so. */
    char *msg = capture("cp '%s' '%s/in/2024-03-09.md' && \"$TINGBAO\" build --date 2024-03-09 '%s/in/{date}.md' --out '%s' 2>&1 >/dev/null",
                        fixture, dir, dir, out);
    if (!strstr(msg, "masthead says 2024-03-08"))
        fail_msg("date mismatch not reported: %s", msg);
    free(msg);
    /* A missing dated input is 66; a bad --date is a usage error. */
    assert_int_equal(run("\"$TINGBAO\" build --quiet --date 2024-03-10 '%s/in/{date}.md' --out '%s' 2>/dev/null", dir, out), 66);
    assert_int_equal(run("\"$TINGBAO\" build --quiet --date 2024-02-30 '%s/in/{date}.md' --out '%s' 2>/dev/null", dir, out), 64);
    /* Under cron (stderr not a terminal) a good build prints one summary line. */
    msg = capture("\"$TINGBAO\" build '%s' --out '%s' 2>&1 >/dev/null", fixture, out);
    size_t lines = 0;
    for (char *c = msg; *c; c++)
        lines += *c == '\n';
    assert_int_equal(lines, 1);
    assert_non_null(strstr(msg, " articles=5 synthesized="));
    assert_non_null(strstr(msg, " seconds="));
    free(msg);
}

static void keep_days(void **state)
{
    (void)state;
    char out[512], paper[600];
    snprintf(out, sizeof out, "%s/keep", dir);
    snprintf(paper, sizeof paper, "%s/湘江晚报", out);
    assert_int_equal(run("mkdir -p '%s/2001-01-01' '%s/2001-01-02' '%s/notes'", paper, paper, paper), 0);
    assert_int_equal(run("\"$TINGBAO\" build --quiet --keep-days 30 '%s' --out '%s' >/dev/null", fixture, out), 0);
    struct stat st;
    assert_int_not_equal(stat(strcat(strcpy((char[700]){0}, paper), "/2001-01-01"), &st), 0);
    assert_int_not_equal(stat(strcat(strcpy((char[700]){0}, paper), "/2001-01-02"), &st), 0);
    assert_int_equal(stat(strcat(strcpy((char[700]){0}, paper), "/notes"), &st), 0);
    /* The newest edition is never removed, however old. */
    assert_int_equal(stat(strcat(strcpy((char[700]){0}, paper), "/2024-03-08"), &st), 0);
}

/* File names from hostile headlines stay inside the edition, unique,
 * valid UTF-8, at most 120 bytes. */
static void hostile_names(void **state)
{
    (void)state;
    char md[600], out[512];
    snprintf(md, sizeof md, "%s/h-in/hostile.md", dir);
    snprintf(out, sizeof out, "%s/h/out", dir);
    assert_int_equal(run("mkdir -p '%s/h-in' '%s/h'", dir, dir), 0);
    FILE *f = fopen(md, "w");
    assert_non_null(f);
    fprintf(f, "# ../../逃逸日报\n\n2024年1月1日\n\n");
    const char *titles[] = {"../../x", "/etc/passwd", "CON", ".隐藏", "😀表情𠀀𠀁标题", "重复的标题",
                            "重复的标题", "a\tb\\c:d*e?f\"g<h>i|j"};
    for (size_t i = 0; i < sizeof titles / sizeof *titles; i++)
        fprintf(f, "## %s\n\n正文第%zu段。\n\n", titles[i], i + 1);
    fprintf(f, "## ");
    for (int i = 0; i < 200; i++)
        fprintf(f, "长");
    fprintf(f, "\n\n很长的标题下的正文。\n");
    fclose(f);
    assert_int_equal(run("\"$TINGBAO\" build --quiet '%s' --out '%s' >/dev/null", md, out), 0);
    /* Everything written is under OUT, and every name is sane. */
    char *list = capture("cd '%s' && find . -mindepth 1 | sort", out);
    size_t files = 0;
    char *save = NULL;
    char names[64][256];
    size_t n_names = 0;
    for (char *line = strtok_r(list, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        const char *base = strrchr(line, '/') + 1;
        size_t len = strlen(base);
        assert_true(len <= 120);
        assert_int_equal(utf8_validate(base, len, NULL), 0);
        if (strcmp(base, ".lock") && strcmp(base, ".cache") && !strstr(line, "/.cache/"))
            assert_true(base[0] != '.');
        for (const char *c = base; *c; c++)
            assert_true((unsigned char)*c >= 0x20);
        if (strstr(line, ".wav") && !strstr(line, "/daisy/")) { /* DAISY has its own names */
            files++;
            for (size_t k = 0; k < n_names; k++)
                assert_string_not_equal(names[k], line);
            if (n_names < 64)
                snprintf(names[n_names++], sizeof names[0], "%s", line);
        }
    }
    free(list);
    assert_int_equal(files, 9 + 1 + 1); /* articles, the section, the intro */
    /* Nothing outside OUT: beside it, and beside the input, only what was there. */
    free(capture("true"));
    char *beside = capture("ls -A '%s/h'; ls -A '%s/h-in'; ls -A '%s' | grep -c '逃逸\\|^x' ", dir, dir, dir);
    assert_string_equal(beside, "out\nhostile.md\n0\n");
    free(beside);
}

/* Damaged input: each class either builds with a warning naming the place
 * or is refused with 65, never a crash. */
static void damaged_input(void **state)
{
    (void)state;
    char out[512];
    snprintf(out, sizeof out, "%s/damaged", dir);
    /* GB18030 export: read, with a warning. */
    char *msg = capture("iconv -f UTF-8 -t GB18030 '%s' > '%s/in/gb.md' && \"$TINGBAO\" build '%s/in/gb.md' --out '%s' 2>&1 >/dev/null; echo \"exit=$?\"",
                        fixture, dir, dir, out);
    if (!strstr(msg, "exit=0") || !strstr(msg, "GB18030"))
        fail_msg("GB18030: %s", msg);
    free(msg);
    /* One bad byte in a paragraph: read, the warning names line and column. */
    msg = capture("sed '17s/记者/记\\xff者/' '%s' > '%s/in/bad.md' && \"$TINGBAO\" build '%s/in/bad.md' --out '%s' 2>&1 >/dev/null; echo \"exit=$?\"",
                  fixture, dir, dir, out);
    if (!strstr(msg, "exit=0") || !strstr(msg, "bad.md:17:") || !strstr(msg, "0xff"))
        fail_msg("bad byte: %s", msg);
    free(msg);
    /* Binary junk, an empty file, a masthead without articles: 65. */
    assert_int_equal(run("head -c 20000 /bin/sh > '%s/in/junk.md' && \"$TINGBAO\" build --quiet '%s/in/junk.md' --out '%s' 2>/dev/null",
                         dir, dir, out), 65);
    assert_int_equal(run(": > '%s/in/empty.md' && \"$TINGBAO\" build --quiet '%s/in/empty.md' --out '%s' 2>/dev/null",
                         dir, dir, out), 65);
    assert_int_equal(run("printf '# 报\\n\\n2024年1月1日\\n' > '%s/in/mast.md' && \"$TINGBAO\" build --quiet '%s/in/mast.md' --out '%s' 2>/dev/null",
                         dir, dir, out), 65);
    /* A paragraph of megabytes: that article is left out, the rest built. */
    msg = capture("(cat '%s'; printf '\\n## 失控的段落\\n\\n'; head -c 3000000 /dev/zero | tr '\\000' '\\170'; echo) > '%s/in/huge.md' && \"$TINGBAO\" build '%s/in/huge.md' --out '%s' 2>&1 >/dev/null; echo \"exit=$?\"",
                  fixture, dir, dir, out);
    if (!strstr(msg, "exit=0") || !strstr(msg, "left out"))
        fail_msg("huge paragraph: %s", msg);
    free(msg);
    /* Terminal escapes in the input never reach the terminal raw. */
    msg = capture("printf '# 报\\n\\n## 标题\\033[31m红\\n\\n正文\\033]0;title\\007。\\n' > '%s/in/esc.md' && \"$TINGBAO\" build '%s/in/esc.md' --out '%s' 2>&1 >/dev/null",
                  dir, dir, out);
    assert_null(strchr(msg, '\033'));
    assert_null(strchr(msg, '\007'));
    free(msg);
}

/* The cache: an unchanged rebuild synthesizes nothing and gives the same
 * bytes; one changed article is synthesized alone; a changed voice or
 * --force synthesizes everything. */
static void cache_reuse(void **state)
{
    (void)state;
    char out[512], one[600], voice[600];
    snprintf(out, sizeof out, "%s/cache", dir);
    char *msg = capture("\"$TINGBAO\" build '%s' --out '%s' 2>&1 >/dev/null", fixture, out);
    assert_non_null(strstr(msg, "articles=5 synthesized=5 cached=0"));
    free(msg);
    assert_int_equal(run("cp -a '%s/湘江晚报/2024-03-08' '%s/cold'", out, dir), 0);
    msg = capture("\"$TINGBAO\" build '%s' --out '%s' 2>&1 >/dev/null", fixture, out);
    /* Nothing changed: the published edition is up to date, at once. */
    if (!strstr(msg, "up to date; articles=5 synthesized=0 cached=5"))
        fail_msg("warm build: %s", msg);
    free(msg);
    assert_int_equal(run("diff -r '%s/cold' '%s/湘江晚报/2024-03-08'", dir, out), 0);
    /* One article corrected. */
    snprintf(one, sizeof one, "%s/in/one.md", dir);
    assert_int_equal(run("sed 's/48支球队/46支球队/' '%s' > '%s'", fixture, one), 0);
    msg = capture("\"$TINGBAO\" build '%s' --out '%s' 2>&1 >/dev/null", one, out);
    if (!strstr(msg, "articles=5 synthesized=1 cached=4"))
        fail_msg("one article changed: %s", msg);
    free(msg);
    /* Another voice: a different rate changes every article. */
    snprintf(voice, sizeof voice, "%s/in/slow.ini", dir);
    assert_int_equal(run("printf '[espeak]\\nrate = 180\\n' > '%s'", voice), 0);
    msg = capture("\"$TINGBAO\" build --voice '%s' '%s' --out '%s' 2>&1 >/dev/null", voice, one, out);
    if (!strstr(msg, "articles=5 synthesized=5 cached=0"))
        fail_msg("voice changed: %s", msg);
    free(msg);
    msg = capture("\"$TINGBAO\" build --force '%s' --out '%s' 2>&1 >/dev/null", one, out);
    if (!strstr(msg, "articles=5 synthesized=5 cached=0"))
        fail_msg("--force: %s", msg);
    free(msg);
    /* --cache moves it. */
    msg = capture("\"$TINGBAO\" build --voice '%s' --cache '%s/elsewhere' '%s' --out '%s' 2>&1 >/dev/null; ls '%s/elsewhere' | wc -l",
                  voice, dir, one, out, dir);
    assert_true(atoi(strrchr(msg, '\n') ? msg : msg) >= 0);
    assert_non_null(strstr(msg, "synthesized=5 cached=0"));
    free(msg);
}

/* Several editions in one call: a folder of dated folders (a run of back
 * issues) and another paper, built with every worker busy across them;
 * each comes out as it would alone, their folders printed in the order
 * given, and one bad edition does not stop the rest. */
static void many_editions(void **state)
{
    (void)state;
    char in[512], out[512], alone[512];
    snprintf(in, sizeof in, "%s/many", dir);
    snprintf(out, sizeof out, "%s/many-out", dir);
    snprintf(alone, sizeof alone, "%s/many-alone", dir);
    /* Back issues of 湘江晚报 in dated folders (one in section files), and
     * a second paper. */
    assert_int_equal(run("mkdir -p '%s/back/2024-03-06' '%s/back/2024-03-07' '%s/back/notes' && "
                         "sed 's/2024年3月8日 星期五/2024年3月6日 星期三/; s/逾八千/逾七千/' '%s' > '%s/back/2024-03-06/edition.md' && "
                         "sed 's/2024年3月8日 星期五/2024年3月7日 星期四/' '%s' > '%s/back/2024-03-07/edition.md' && "
                         "sed 's/^# 湘江晚报/# 潇湘晨刊/' '%s' > '%s/other.md'",
                         in, in, in, fixture, in, fixture, in, fixture, in), 0);
    char *paths = capture("\"$TINGBAO\" build --quiet --jobs 2 '%s/back' '%s/other.md' --out '%s'; echo \"exit=$?\"",
                          in, in, out);
    char want[2048];
    snprintf(want, sizeof want, "%s/湘江晚报/2024-03-06\n%s/湘江晚报/2024-03-07\n%s/潇湘晨刊/2024-03-08\nexit=0\n",
             out, out, out);
    assert_string_equal(paths, want);
    free(paths);
    /* Each as it would be alone, byte for byte. */
    const char *const eds[][2] = {{"back/2024-03-06", "湘江晚报/2024-03-06"},
                                  {"back/2024-03-07", "湘江晚报/2024-03-07"},
                                  {"other.md", "潇湘晨刊/2024-03-08"}};
    for (size_t i = 0; i < 3; i++) {
        assert_int_equal(run("\"$TINGBAO\" build --quiet --jobs 1 '%s/%s' --out '%s' >/dev/null",
                             in, eds[i][0], alone), 0);
        if (run("diff -r '%s/%s' '%s/%s'", out, eds[i][1], alone, eds[i][1]) != 0)
            fail_msg("%s differs when built with the others", eds[i][0]);
    }
    /* The feed of the paper with two editions lists both. */
    assert_int_equal(run("grep -q '湘江晚报 2024-03-06' '%s/湘江晚报/feed.xml' && grep -q '湘江晚报 2024-03-07' '%s/湘江晚报/feed.xml'", out, out), 0);
    /* One bad edition among good ones: the others are published, the exit
     * code is the bad one's, the error names it. */
    char *msg = capture("printf 'not an edition' > '%s/bad.md' && "
                        "\"$TINGBAO\" build --quiet --force '%s/bad.md' '%s/other.md' --out '%s/mixed' 2>&1; echo \"exit=$?\"",
                        in, in, in, dir);
    if (!strstr(msg, "bad.md") || !strstr(msg, "exit=65") || !strstr(msg, "潇湘晨刊/2024-03-08"))
        fail_msg("a bad edition among good ones: %s", msg);
    free(msg);
    assert_int_equal(run("test -f '%s/mixed/潇湘晨刊/2024-03-08/edition.json'", dir), 0);
}

/* More than one machine: GNU parallel hands editions to hosts that share
 * the output folder (local slots stand in for hosts here).  The per-paper
 * lock and the content-addressed cache make that safe: two papers, two
 * dates each, four slots, one output and one cache. */
static void parallel_fan_out(void **state)
{
    (void)state;
    char in[512], out[512];
    snprintf(in, sizeof in, "%s/fan", dir);
    snprintf(out, sizeof out, "%s/fan-out", dir);
    assert_int_equal(run("command -v parallel >/dev/null"), 0); /* make deps installs it */
    assert_int_equal(run("mkdir -p '%s' && "
                         "sed 's/2024年3月8日 星期五/2024年3月9日 星期六/' '%s' > '%s/a-09.md' && cp '%s' '%s/a-08.md' && "
                         "sed 's/^# 湘江晚报/# 潇湘晨刊/' '%s' > '%s/b-08.md' && "
                         "sed 's/^# 湘江晚报/# 潇湘晨刊/; s/2024年3月8日 星期五/2024年3月9日 星期六/' '%s' > '%s/b-09.md'",
                         in, fixture, in, fixture, in, fixture, in, fixture, in), 0);
    /* One job per paper (a paper's editions in one call, so its lock is
     * never contended); --sshlogin 2/: is two slots on this host. */
    char *res = capture("parallel --will-cite --sshlogin 2/: --jobs 2 "
                        "'\"$TINGBAO\" build --quiet --jobs 1 --out %s {}-08.md {}-09.md' ::: '%s/a' '%s/b' 2>&1; echo \"exit=$?\"",
                        out, in, in);
    if (!strstr(res, "exit=0"))
        fail_msg("parallel: %s", res);
    free(res);
    const char *const eds[] = {"湘江晚报/2024-03-08", "湘江晚报/2024-03-09", "潇湘晨刊/2024-03-08",
                               "潇湘晨刊/2024-03-09"};
    for (size_t i = 0; i < 4; i++)
        assert_int_equal(run("test -f '%s/%s/edition.json'", out, eds[i]), 0);
    /* The same paper on two hosts at once: one builds, the other is told
     * to try later (75) and, retried, builds once the first is done. */
    res = capture("parallel --will-cite --sshlogin 2/: --jobs 2 --retries 20 --delay 0.5 "
                  "': {}; \"$TINGBAO\" build --quiet --force --jobs 1 --out %s %s/a-08.md' ::: 1 2 2>&1; echo \"exit=$?\"",
                  out, in);
    if (!strstr(res, "exit=0"))
        fail_msg("parallel, one paper twice: %s", res);
    free(res);
    assert_int_equal(leftovers(strcat(strcpy((char[600]){0}, out), "/湘江晚报")), 0);
}

int main(void)
{
    /* The commands name the binary as $TINGBAO: ./tingbao, or the sanitized
     * build under `make check-asan`. */
    const char *bin = getenv("TINGBAO_BIN");
    setenv("TINGBAO", bin && *bin ? bin : "./tingbao", 1);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(second_build_waits),
        cmocka_unit_test(killed_build_leaves_edition),
        cmocka_unit_test(full_disk),
        cmocka_unit_test(dated_inputs),
        cmocka_unit_test(keep_days),
        cmocka_unit_test(hostile_names),
        cmocka_unit_test(damaged_input),
        cmocka_unit_test(cache_reuse),
        cmocka_unit_test(many_editions),
        cmocka_unit_test(parallel_fan_out),
    };
    return cmocka_run_group_tests_name("nightly", tests, setup, teardown);
}
