/* g2p.c -- normalized Chinese text -> toned pinyin tokens.
 *
 * Steps: OpenCC t2s (traditional input reads like simplified); split into
 * Han runs, Latin letters and punctuation; segment each Han run by maximum
 * probability over the lexicon (jieba's method: a DAG of every dictionary
 * word starting at each character, dynamic programming from the end); take
 * each word's pinyin from the lexicon; then 一/不 sandhi over the whole
 * converted text, because the syllable that decides it often belongs to the
 * next word (不 + 是, 一 + 个人).  Neutral tones come from the lexicon.
 */
#include "g2p.h"

#include <math.h>
#include <opencc.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "str.h"
#include "utf8.h"

/* log probability of a character the lexicon lacks: below any real word,
 * so an unknown character never swallows a known neighbour. */
#define UNKNOWN_LOGP (-40.0)

#define CP_YI 0x4E00 /* 一 */
#define CP_BU 0x4E0D /* 不 */

struct g2p {
    const lexicon *lx;
    opencc_t cc;
};

/* What sandhi needs to know about each token appended by one call. */
typedef struct meta {
    uint32_t cp;        /* the character read, 0 for non-syllables */
    size_t word_chars;  /* length of the word it came from */
    size_t word_index;  /* its position in that word */
    int run_start;      /* first syllable after something not Han (a quote,
                           a letter, punctuation, the start) */
} meta;

typedef struct conv {
    g2p_tokens *out;
    size_t start;       /* first token of this call */
    meta *m;            /* parallel to out->v[start..] */
    size_t mcap;
    err *e;
} conv;

g2p *g2p_create(const lexicon *lx, err *e)
{
    g2p *g = calloc(1, sizeof *g);
    if (!g) {
        err_set(e, ERR_NOMEM, NULL, 0, 0, "g2p: out of memory");
        return NULL;
    }
    g->lx = lx;
    g->cc = opencc_open("t2s.json");
    if (g->cc == (opencc_t)-1) {
        err_set(e, ERR_LEXICON, NULL, 0, 0, "g2p: cannot open OpenCC t2s.json: %s",
                opencc_error());
        free(g);
        return NULL;
    }
    return g;
}

void g2p_free(g2p *g)
{
    if (!g)
        return;
    opencc_close(g->cc);
    free(g);
}

void g2p_tokens_free(g2p_tokens *toks)
{
    if (!toks)
        return;
    for (size_t i = 0; i < toks->n; i++)
        free(toks->v[i].text);
    free(toks->v);
    toks->v = NULL;
    toks->n = toks->cap = 0;
}

static int push(conv *c, g2p_kind kind, const char *text, size_t len, meta m)
{
    g2p_tokens *t = c->out;
    if (t->n == t->cap) {
        size_t cap = t->cap ? t->cap * 2 : 64;
        g2p_token *v = realloc(t->v, cap * sizeof *v);
        if (!v)
            goto nomem;
        t->v = v;
        t->cap = cap;
    }
    size_t k = t->n - c->start;
    if (k == c->mcap) {
        size_t cap = c->mcap ? c->mcap * 2 : 64;
        meta *nm = realloc(c->m, cap * sizeof *nm);
        if (!nm)
            goto nomem;
        c->m = nm;
        c->mcap = cap;
    }
    char *s = str_dup(text, len, c->e);
    if (!s)
        return -1;
    t->v[t->n] = (g2p_token){kind, s};
    c->m[k] = m;
    t->n++;
    return 0;
nomem:
    err_set(c->e, ERR_NOMEM, NULL, 0, 0, "g2p: out of memory");
    return -1;
}

static int strength(const char *p)
{
    return p[0] == ',' ? 1 : p[0] == '.' ? 2 : 3;
}

/* Appends a pause, or strengthens the pause just before it; a pause with
 * nothing spoken before it in this call is dropped. */
static int pause(conv *c, const char *p)
{
    g2p_tokens *t = c->out;
    if (t->n == c->start)
        return 0;
    g2p_token *last = &t->v[t->n - 1];
    if (last->kind == G2P_PAUSE) {
        if (strength(p) > strength(last->text))
            last->text[0] = p[0]; /* all pause texts are one byte */
        return 0;
    }
    return push(c, G2P_PAUSE, p, 1, (meta){0});
}

/* The pause punctuation stands for, NULL for none.  Brackets set off what
 * they enclose ("养了一群(白鹅)，"); quotes and other symbols say nothing. */
static const char *pause_of(uint32_t cp)
{
    switch (cp) {
    case ',': case 0xFF0C: case 0x3001: case ';': case 0xFF1B: case ':': case 0xFF1A:
    case 0x2014: case 0x2013: case 0x2026: case 0x2E3A:
    case '(': case ')': case 0xFF08: case 0xFF09: case '[': case ']':
    case 0x3010: case 0x3011: case 0x3014: case 0x3015:
        return ",";
    case 0x3002: case '.': case 0xFF0E: case 0xFF61:
        return ".";
    case '?': case 0xFF1F:
        return "?";
    case '!': case 0xFF01:
        return "!";
    default:
        return NULL;
    }
}

/* The letter or digit to speak by name, or 0. */
static char letter_of(uint32_t cp)
{
    if (cp >= 0xFF01 && cp <= 0xFF5E)
        cp -= 0xFEE0; /* full-width ASCII */
    if (cp >= 'a' && cp <= 'z')
        return (char)(cp - 'a' + 'A');
    if ((cp >= 'A' && cp <= 'Z') || (cp >= '0' && cp <= '9'))
        return (char)cp;
    return 0;
}

/* Segments the Han run of 'n' characters starting at byte offsets off[]
 * (off[n] is its end) and appends the words' syllables. */
static int han_run(const g2p *g, conv *c, const char *s, const size_t *off,
                   const uint32_t *cps, size_t n, size_t *unknown)
{
    double *route = malloc((n + 1) * sizeof *route);
    size_t *next = malloc((n + 1) * sizeof *next);
    int rc = -1;
    if (!route || !next) {
        err_set(c->e, ERR_NOMEM, NULL, 0, 0, "g2p: out of memory");
        goto out;
    }
    size_t window = lexicon_max_chars(g->lx);
    if (window < 1)
        window = 1;
    route[n] = 0;
    for (size_t i = n; i-- > 0;) {
        route[i] = -INFINITY;
        next[i] = i + 1;
        for (size_t j = i + 1; j <= n && j - i <= window; j++) {
            double lp;
            if (!lexicon_lookup(g->lx, s + off[i], off[j] - off[i], &lp)) {
                if (j != i + 1)
                    continue;
                lp = UNKNOWN_LOGP;
            }
            if (lp + route[j] > route[i]) {
                route[i] = lp + route[j];
                next[i] = j;
            }
        }
    }
    for (size_t i = 0; i < n; i = next[i]) {
        size_t j = next[i];
        const char *py = lexicon_lookup(g->lx, s + off[i], off[j] - off[i], NULL);
        if (!py) {
            if (unknown && utf8_is_han(cps[i]))
                (*unknown)++;
            continue;
        }
        for (size_t k = 0; *py; k++) {
            size_t sl = strcspn(py, " ");
            meta m = {i + k < j ? cps[i + k] : 0, j - i, k, i == 0 && k == 0};
            if (push(c, G2P_SYLLABLE, py, sl, m))
                goto out;
            py += sl;
            while (*py == ' ')
                py++;
        }
    }
    rc = 0;
out:
    free(route);
    free(next);
    return rc;
}

static int is_digit_char(uint32_t cp)
{
    switch (cp) {
    case 0x3007: case 0x96F6: case 0x4E00: case 0x4E8C: case 0x4E09: case 0x56DB:
    case 0x4E94: case 0x516D: case 0x4E03: case 0x516B: case 0x4E5D: case 0x5341:
        return 1; /* 〇零一二三四五六七八九十 */
    default:
        return 0;
    }
}

static int is_magnitude(uint32_t cp)
{
    return cp == 0x767E || cp == 0x5343 || cp == 0x4E07 || cp == 0x4EBF ||
           cp == 0x4E24; /* 百千万亿, and 两 as in 一两天 */
}

static void set_syllable(g2p_token *t, const char *syl)
{
    /* "yi1" and "bu4" have the same length as what they replace */
    if (strlen(t->text) == strlen(syl))
        memcpy(t->text, syl, strlen(syl));
}

/* 一 when it starts its word: in numbers and ordinals it keeps yi1
 * (第一, 十一, 一九九四, 一月, 九月一日), else it takes yi2 before a 4th (or neutral) tone, yi4 before
 * the others.  一 inside a longer word keeps the lexicon's reading
 * (统一 yi1, 一心一意). */
static const char *yi_reading(const meta *m, const g2p_token *cur, uint32_t prev2,
                              uint32_t prev, const g2p_token *nt, uint32_t ncp)
{
    if (prev && prev == ncp && prev2 != CP_YI && !is_digit_char(prev))
        return "yi5"; /* between a verb said twice: 看一看, not 一个一个 */
    if (m->word_chars > 1 && m->word_index > 0)
        return NULL;
    if (!nt)
        return m->word_chars > 1 ? NULL : "yi1";
    int tone = nt->text[strlen(nt->text) - 1] - '0';
    /* after a digit 一 is a digit too, even before 万: 十一万, 点一一万 */
    /* not after the 一 that ends 统一: 统一一下 */
    int after_digit = is_digit_char(prev) &&
        (prev != CP_YI || is_digit_char(prev2) || prev2 == 0x70B9 /* 点 */);
    if (after_digit)
        return "yi1";
    if (is_magnitude(ncp))
        return tone >= 4 ? "yi2" : "yi4";
    if (after_digit || is_magnitude(prev) || prev == 0x7B2C /* 第 */ ||
        is_digit_char(ncp) || ncp == 0x6708 /* 月 */ ||
        (prev == 0x6708 && (ncp == 0x65E5 || ncp == 0x53F7))) /* 月一日, 月一号 */
        return "yi1";
    if (m->word_chars > 1)
        return NULL;
    (void)cur;
    return tone >= 4 ? "yi2" : "yi4";
}

static void sandhi(conv *c)
{
    g2p_tokens *t = c->out;
    size_t n = t->n - c->start;
    for (size_t k = 0; k < n; k++) {
        g2p_token *cur = &t->v[c->start + k];
        const meta *m = &c->m[k];
        if (cur->kind != G2P_SYLLABLE || (m->cp != CP_YI && m->cp != CP_BU))
            continue;
        const g2p_token *nt = NULL;
        uint32_t ncp = 0, prev = 0, prev2 = 0;
        if (k + 1 < n && t->v[c->start + k + 1].kind == G2P_SYLLABLE) {
            nt = &t->v[c->start + k + 1];
            ncp = c->m[k + 1].cp;
        }
        if (k > 0 && t->v[c->start + k - 1].kind == G2P_SYLLABLE)
            prev = c->m[k - 1].cp;
        if (k > 1 && prev && t->v[c->start + k - 2].kind == G2P_SYLLABLE)
            prev2 = c->m[k - 2].cp;
        if (m->cp == CP_BU) {
            /* bu5 (对不起) is the lexicon's and stays */
            if (!strcmp(cur->text, "bu4") || !strcmp(cur->text, "bu2")) {
                int tone = nt ? nt->text[strlen(nt->text) - 1] - '0' : 0;
                /* A不A asks a question with a neutral 不: 来不来 */
                if (prev && prev == ncp && m->word_chars == 1)
                    set_syllable(cur, "bu5");
                else
                    set_syllable(cur, tone == 4 ? "bu2" : "bu4");
            }
            continue;
        }
        if (strncmp(cur->text, "yi", 2))
            continue;
        const char *r = yi_reading(m, cur, prev2, prev, nt, ncp);
        if (r)
            set_syllable(cur, r);
    }
}

/* ---- Readings decided by the words around them ----
 *
 * The lexicon reads a word the same everywhere; a few news characters need
 * their neighbours: 为 (wei4 "for" / wei2 "as, be"), 率 (shuai4 "lead" /
 * lv4 "rate"), 只 after a number (zhi1), and surnames read differently in
 * a person's name (曾 zeng1, 单 shan4, 解 xie4 ...).  The rules look at
 * whole words as segmented, within one clause (pauses, letters, quotes and
 * other non-Han characters bound it).  地 after an adverbial is de5. */

/* The words of this call: token index of each word start. */
typedef struct words {
    size_t *at;   /* token index of the word's first syllable */
    size_t n;
} words;

/* Is word w (index into ws) exactly the characters of 'u' (UTF-8)? */
static int word_is(const conv *c, const words *ws, size_t w, const char *u)
{
    size_t k = ws->at[w], n = c->m[k].word_chars, len = strlen(u), i = 0, x = 0;
    while (i < len) {
        int32_t cp = utf8_next(u, len, &i);
        if (x >= n || c->m[k + x].cp != (uint32_t)cp)
            return 0;
        x++;
    }
    return x == n;
}

static int word_in(const conv *c, const words *ws, size_t w, const char *const *list)
{
    for (; *list; list++)
        if (word_is(c, ws, w, *list))
            return 1;
    return 0;
}

static uint32_t first_cp(const conv *c, const words *ws, size_t w)
{
    return c->m[ws->at[w]].cp;
}

static uint32_t last_cp(const conv *c, const words *ws, size_t w)
{
    size_t k = ws->at[w];
    return c->m[k + c->m[k].word_chars - 1].cp;
}

static size_t chars_of(const conv *c, const words *ws, size_t w)
{
    return c->m[ws->at[w]].word_chars;
}

static int cp_in(uint32_t cp, const char *set)
{
    size_t len = strlen(set), i = 0;
    while (i < len)
        if ((uint32_t)utf8_next(set, len, &i) == cp)
            return 1;
    return 0;
}

/* Does a clause boundary fall just before word w?  (w == n: the end.) */
static int boundary_before(const conv *c, const words *ws, size_t w)
{
    if (w == 0 || w >= ws->n)
        return 1;
    size_t k = ws->at[w], pk = ws->at[w - 1];
    return c->m[k].run_start || k != pk + c->m[pk].word_chars;
}

static int replace(conv *c, size_t k, const char *syl)
{
    g2p_token *t = &c->out->v[c->start + k];
    if (!strcmp(t->text, syl))
        return 0;
    char *s = str_dup(syl, strlen(syl), c->e);
    if (!s)
        return -1;
    free(t->text);
    t->text = s;
    return 0;
}

/* Numerals that start a quantity: 为百分之五, 五千只. */
static const char NUMERALS[] = "〇零一二三四五六七八九十百千万亿两几";

static int wei_for_count(const conv *c, const words *ws, size_t w);

/* 为 standing alone.  wei2 ("is, as") where it links two nouns: before a
 * number or a quotation (主题为“…”, 失业率为百分之五), at a clause end, after
 * a measure or attribute noun (面积为, 主题为) or an adverb (均为, 分别为),
 * and in the frames 以…为, 化…为, 变…为, 选举…为.  Opening a clause, and
 * elsewhere, it introduces
 * who benefits (为大家开展, 为群众服务): wei4, the commoner use in news. */
static const char *wei_reading(const conv *c, const words *ws, size_t w)
{
    static const char *const frames[] = {
        "以", "化", "变", "转", "选举", "任命", "推选", "聘任", "聘请", "命名", "认定",
        "评选", "确定", "列", "改", "定", "拜", "奉", NULL};
    static const char *const adverbs[] = {
        "均", "约", "皆", "即", "分别", "依次", "实", "乃", "确", "仍", "亦", "大致",
        "主要", "共", "总", "初步", "暂定", "定", NULL};
    if (boundary_before(c, ws, w))
        return "wei4"; /* opening a clause it gives the aim: ，为“…”贡献力量 */
    /* 长 as a measure is chang2 (长度为); the head of 校长为新生 is zhang3 */
    const char *before = c->out->v[c->start + ws->at[w] - 1].text;
    int head = last_cp(c, ws, w - 1) == 0x957F && !strcmp(before, "zhang3");
    if (word_in(c, ws, w - 1, adverbs) ||
        (!head && cp_in(last_cp(c, ws, w - 1),
                        "题率积额量值度价数名称期温位号级型式长宽高深距限龄段比")))
        return "wei2";
    if (wei_for_count(c, ws, w))
        return "wei4";
    if (boundary_before(c, ws, w + 1) || cp_in(first_cp(c, ws, w + 1), NUMERALS) ||
        word_is(c, ws, w + 1, "百分之"))
        return "wei2";
    for (size_t b = w; b > 0 && !boundary_before(c, ws, b) && w - b < 8; b--)
        if (word_in(c, ws, b - 1, frames))
            return "wei2";
    return "wei4";
}

/* 率 standing alone: shuai4 "lead" when a group follows it (王海涛率市政府
 * 代表团, 率全县干部), lv4 "rate" otherwise (开工率均为, 利用率达到). */
static const char *shuai_reading(const conv *c, const words *ws, size_t w)
{
    for (size_t b = w + 1; b < ws->n && b <= w + 4 && !boundary_before(c, ws, b); b++) {
        if (b == w + 1 && cp_in(first_cp(c, ws, b), "均为达是已仅约居比较同提下上增将也都在从由稳超不低高保持"))
            return NULL;
        if (word_is(c, ws, b, "一行") ||
            cp_in(last_cp(c, ws, b), "团队组部军兵员众们"))
            return "shuai4";
    }
    return NULL;
}

/* Surnames read otherwise than the character alone, in a person's name. */
static const struct surname {
    const char *ch, *py;
} SURNAMES[] = {
    {"曾", "zeng1"}, {"单", "shan4"}, {"解", "xie4"}, {"仇", "qiu2"}, {"区", "ou1"},
    {"查", "zha1"},  {"朴", "piao2"}, {"盖", "ge3"},  {"乐", "yue4"}, {"尉", "yu4"},
    {"任", "ren2"},  {"华", "hua4"},  {"纪", "ji3"},  {"种", "chong2"}, {"牟", "mou2"},
    {"冼", "xian3"}, {"洗", "xian3"}, {"燕", "yan1"}, {"秘", "bi4"},  {"召", "shao4"},
    {"繁", "po2"},   {"阚", "kan4"},  {"员", "yun4"},
};

/* Words after which a name is expected: titles and roles (any ending in
 * 长 read zhang3, 员, 者 or 师 too) and verbs whose object is a person. */
static const char *const BEFORE_NAME[] = {
    "书记", "主任", "主席", "教授", "同志", "先生", "女士", "经理", "总经理", "委员",
    "常委", "代表", "专家", "院士", "医生", "法官", "民警", "选手", "教练", "领导",
    "村民", "居民", "农民", "市民", "工人", "党员", "作家", "画家", "导演", "博士",
    "董事", "总监", "理事", "秘书", "总裁", "主持人", "负责人", "主编", "厅长",
    "选举", "任命", "推选", "会见", "看望", "陪同", "慰问", "采访", "邀请", "感谢",
    "和", "与", "及", "同", "向", NULL};

/* Words after a name: what people in the news do, and titles after a name. */
static const char *const AFTER_NAME[] = {
    "说", "表示", "指出", "强调", "介绍", "出席", "参加", "率", "在", "主持", "认为",
    "告诉", "坦言", "一行", "等", "同志", "先生", "女士", "说道", "要求", "带领",
    "率领", "看望", "调研", "会见", "为", "当选", "担任", "任", "是", "和", "与",
    "报道", "讲话", "致辞", "发言", "代表", "作", "向", "对", "一直", "今年", "也",
    "还", "则", "的", "书记", "主任", "教授", "获得", "荣获", "被", "已", "于",
    "从", "今天", "昨天", "日前", "近日", "带队", "陪同", "接受", NULL};

/* Characters that start what follows a surname-like character when it is
 * not a name: 曾多次, 曾在, 曾是, 解难题, 种上. */
static const char NOT_GIVEN[] =
    "经在是有被多两三一二几于为的了不没也都又就把向从与和对将已还先后次度任长"
    "因到去来获参担作做以说表这那其该各每上下出进好满植地田树菜粮草花子";

/* Do the characters of token k on (within the clause) begin with 'u'? */
static int chars_start(const conv *c, size_t k, const char *u)
{
    size_t len = strlen(u), i = 0, total = c->out->n - c->start;
    for (size_t x = 0; i < len; x++) {
        int32_t cp = utf8_next(u, len, &i);
        if (k + x >= total || c->out->v[c->start + k + x].kind != G2P_SYLLABLE ||
            (x > 0 && c->m[k + x].run_start) || c->m[k + x].cp != (uint32_t)cp)
            return 0;
    }
    return 1;
}

/* Does word w end with the characters of 'u'? (副主任 ends with 主任) */
static int word_ends(const conv *c, const words *ws, size_t w, const char *u)
{
    size_t k = ws->at[w], n = c->m[k].word_chars, len = strlen(u), un = utf8_chars(u, len);
    if (un > n)
        return 0;
    return chars_start(c, k + n - un, u);
}

/* A given name of 'n' characters (1 or 2) after the surname at token k,
 * followed by the clause's end or what people in the news do.  The name
 * may be segmented with what follows it (德明说 as 德 + 明说), so this
 * counts characters, not words.  A frequent word is no given name (多次,
 * 难题, 宏伟): above one in 100,000. */
static int given_name(const g2p *g, const conv *c, size_t k, size_t n)
{
    size_t total = c->out->n - c->start;
    for (size_t x = 1; x <= n; x++)
        if (k + x >= total || c->out->v[c->start + k + x].kind != G2P_SYLLABLE ||
            c->m[k + x].run_start)
            return 0;
    if (cp_in(c->m[k + 1].cp, NOT_GIVEN))
        return 0;
    if (n == 2) {
        char buf[16];
        size_t len = utf8_put(c->m[k + 1].cp, buf);
        len += utf8_put(c->m[k + 2].cp, buf + len);
        double lp;
        if (lexicon_lookup(g->lx, buf, len, &lp) && lp > -11.5)
            return 0;
    }
    size_t after = k + n + 1;
    if (after >= total || c->out->v[c->start + after].kind != G2P_SYLLABLE ||
        c->m[after].run_start)
        return 1;
    for (const char *const *a = AFTER_NAME; *a; a++)
        if (chars_start(c, after, *a))
            return 1;
    return 0;
}

static const char *surname_reading(const g2p *g, const conv *c, const words *ws, size_t w)
{
    const char *py = NULL;
    char ch[8];
    ch[utf8_put(first_cp(c, ws, w), ch)] = '\0';
    for (size_t i = 0; i < sizeof SURNAMES / sizeof SURNAMES[0]; i++)
        if (!strcmp(SURNAMES[i].ch, ch))
            py = SURNAMES[i].py;
    if (!py)
        return NULL;
    int before = boundary_before(c, ws, w);
    if (!before) {
        const char *prev = c->out->v[c->start + ws->at[w] - 1].text;
        uint32_t pl = last_cp(c, ws, w - 1);
        for (const char *const *t = BEFORE_NAME; *t && !before; t++)
            before = word_ends(c, ws, w - 1, *t);
        before = before ||
                 (chars_of(c, ws, w - 1) >= 2 &&
                  ((pl == 0x957F /* 长 */ && !strcmp(prev, "zhang3")) ||
                   cp_in(pl, "员者师")));
    }
    if (!before)
        return NULL;
    for (size_t n = 1; n <= 2; n++)
        if (given_name(g, c, ws->at[w], n))
            return py;
    return NULL;
}

/* Is word w an adverbial, so that 地 after it is the particle de5
 * (着急地问, 认真地学习, 高高兴兴地上学)?  A reduplication (慢慢, 高高兴兴),
 * a word ending in 性 or 然 of three or more characters (创造性地, 突然地 is
 * two and listed), or a manner word news writes with 地. */
static int adverbial(const conv *c, const words *ws, size_t w)
{
    static const char *const manner[] = {
        "认真", "积极", "着急", "主动", "深入", "不断", "有效", "严格", "扎实", "全面",
        "热情", "耐心", "仔细", "充分", "科学", "合理", "有序", "稳步", "逐步", "热烈",
        "高兴", "努力", "紧张", "彻底", "明显", "迅速", "及时", "有力", "自觉", "坚定",
        "切实", "突然", "自然", "默默", "悄悄", "深情", "激动", "兴奋", "骄傲", "自豪",
        "轻轻", "静静", "紧紧", "牢牢", "大胆", "清醒", "客观", "系统", "准确", "快速",
        "不停", "反复", "顺利", "圆满", "高效", "精准", "动情", "感慨", "微笑", "好奇",
        "无私", "真正", "真诚", "用心", "安全", "平稳", "健康", "创造性", "历史性", NULL};
    size_t k = c->m[ws->at[w]].word_chars, at = ws->at[w];
    if (k >= 2 && c->m[at + k - 1].cp == c->m[at + k - 2].cp &&
        c->m[at + k - 1].cp != 0x5730 /* 地地 */)
        return 1;
    if (k >= 3 && (last_cp(c, ws, w) == 0x6027 || last_cp(c, ws, w) == 0x7136)) /* 性 然 */
        return 1;
    return word_in(c, ws, w, manner);
}

/* 地 after an adverbial and before more of the clause is de5.  When the
 * segmenter joined it with the verb's first character (高高兴兴 | 地上 | 学),
 * that character is read alone. */
static int adverbial_de(const g2p *g, conv *c, const words *ws, size_t w)
{
    if (w == 0 || boundary_before(c, ws, w) || boundary_before(c, ws, w + 1) ||
        first_cp(c, ws, w) != 0x5730 /* 地 */ || !adverbial(c, ws, w - 1))
        return 0;
    size_t n = chars_of(c, ws, w), k = ws->at[w];
    if (n > 2 || (n == 2 && !word_is(c, ws, w, "地上") && !word_is(c, ws, w, "地下")))
        return 0;
    if (replace(c, k, "de5"))
        return -1;
    if (n == 2) {
        char ch[8];
        size_t len = utf8_put(c->m[k + 1].cp, ch);
        const char *py = lexicon_lookup(g->lx, ch, len, NULL);
        if (py && replace(c, k + 1, py))
            return -1;
    }
    return 0;
}

/* Surnames common enough, and rare enough as words of their own, that
 * surname + 长 starts a name (王长林, 任长霞).  高 马 金 方 向 于 江 and the
 * like are left out: 高长, 向长 are more often not names. */
static const char NAME_SURNAMES[] =
    "王李张刘陈杨黄赵周吴徐孙朱胡郭何罗郑梁谢宋唐许韩冯邓曹彭曾肖董袁潘蒋蔡"
    "余杜程魏苏吕丁任沈姚卢傅钟姜崔谭陆范汪廖贾夏韦邹熊孟秦邱侯尹薛闫段雷"
    "黎陶贺毛郝顾龚邵覃戴严莫孔汤康乔赖施洪辛柯庞单缪";

/* Is token k a Han syllable of this clause (not the first of a run)? */
static int in_clause(const conv *c, size_t k)
{
    return k < c->out->n - c->start && c->out->v[c->start + k].kind == G2P_SYLLABLE &&
           !c->m[k].run_start;
}

/* Does a word start at token k (its character is no word's middle)? */
static int word_starts(const conv *c, size_t k)
{
    return c->m[k].word_index == 0;
}

/* 长 read zhang3 at token k inside a given name is chang2 "long": names
 * wish long life (王长林, 任长霞, 单永长).  Surname + 长 + one more
 * character, or surname + one character + 长 before the clause's end or
 * what people in the news do. */
static int name_chang(const conv *c, size_t k)
{
    if (c->m[k].cp != 0x957F /* 长 */ || strcmp(c->out->v[c->start + k].text, "zhang3"))
        return 0;
    if (k >= 1 && !c->m[k].run_start && word_starts(c, k - 1) &&
        cp_in(c->m[k - 1].cp, NAME_SURNAMES) && in_clause(c, k + 1) &&
        (c->m[k + 1].word_index == 0 || c->m[k].word_index == 1) &&
        !cp_in(c->m[k + 1].cp, "出大了得成满着起在到高势期于至达为好"))
        return 1;
    if (k >= 2 && !c->m[k].run_start && !c->m[k - 1].run_start && c->m[k].word_index == 0 &&
        c->m[k].word_chars == 1 && word_starts(c, k - 2) && word_starts(c, k - 1) &&
        cp_in(c->m[k - 2].cp, NAME_SURNAMES) && !cp_in(c->m[k - 1].cp, NOT_GIVEN) &&
        (k == 2 || c->m[k - 2].run_start || word_starts(c, k - 2))) {
        if (!in_clause(c, k + 1))
            return 1;
        for (const char *const *a = AFTER_NAME; *a; a++)
            if (chars_start(c, k + 1, *a))
                return 1;
    }
    return 0;
}

/* 干 standing alone is the verb gàn "to do" (一起干, 加油干, 带头干) except
 * after a verb of drying (晒干 and 烘干 are words; 晾干, 吹干 may not be). */
static const char *gan_reading(const conv *c, const words *ws, size_t w)
{
    if (!boundary_before(c, ws, w) && cp_in(last_cp(c, ws, w - 1), "晒烘吹擦烤晾阴风蒸抽榨熬烧喝"))
        return NULL;
    return "gan4";
}

/* 为 before a number of people or households gives who benefits:
 * 为一名老人实施手术, 为三百户村民送去 (wei4), unless a measure noun or an
 * adverb before it makes it "is" (人数为三百名, 均为一名). */
static int wei_for_count(const conv *c, const words *ws, size_t w)
{
    if (w + 1 >= ws->n || boundary_before(c, ws, w + 1))
        return 0;
    size_t k = ws->at[w + 1];
    while (in_clause(c, k) && cp_in(c->m[k].cp, NUMERALS))
        k++;
    if (k == ws->at[w + 1] || !in_clause(c, k) || !cp_in(c->m[k].cp, "名位户家") ||
        !in_clause(c, k + 1))
        return 0;
    if (!boundary_before(c, ws, w) && cp_in(last_cp(c, ws, w - 1), "军主"))
        return 0; /* 冠军为一名, 得主为一位: "is" */
    return 1;
}

static int context(const g2p *g, conv *c)
{
    size_t n = c->out->n - c->start;
    words ws = {malloc((n + 1) * sizeof *ws.at), 0};
    if (!ws.at) {
        err_set(c->e, ERR_NOMEM, NULL, 0, 0, "g2p: out of memory");
        return -1;
    }
    for (size_t k = 0; k < n; k++)
        if (c->out->v[c->start + k].kind == G2P_SYLLABLE && c->m[k].word_index == 0)
            ws.at[ws.n++] = k;
    int rc = 0;
    for (size_t w = 0; w < ws.n && !rc; w++) {
        rc = adverbial_de(g, c, &ws, w);
        if (rc || chars_of(c, &ws, w) != 1 || first_cp(c, &ws, w) == 0x5730)
            continue;
        uint32_t cp = first_cp(c, &ws, w);
        const char *r = NULL;
        if (cp == 0x4E3A) /* 为 */
            r = wei_reading(c, &ws, w);
        else if (cp == 0x5E72) /* 干 */
            r = gan_reading(c, &ws, w);
        else if (cp == 0x5F39) /* 弹 alone is the verb "to play, to flick" */
            r = "tan2";
        else if (cp == 0x7387) /* 率 */
            r = shuai_reading(c, &ws, w);
        else if (cp == 0x53EA) /* 只 */
            r = w > 0 && !boundary_before(c, &ws, w) &&
                cp_in(last_cp(c, &ws, w - 1), NUMERALS) ? "zhi1" : NULL;
        else if (cp == 0x957F) /* 长 ending a clause is "long": 回报期长， */
            r = boundary_before(c, &ws, w + 1) ? "chang2" : NULL;
        else if (cp == 0x4E86) /* 了 after 不 is a complement: 解决不了 liao3 */
            r = w > 0 && !boundary_before(c, &ws, w) && chars_of(c, &ws, w - 1) == 1 &&
                first_cp(c, &ws, w - 1) == CP_BU ? "liao3" : NULL;
        else
            r = surname_reading(g, c, &ws, w);
        if (r)
            rc = replace(c, ws.at[w], r);
    }
    for (size_t k = 0; k < n && !rc; k++)
        if (c->out->v[c->start + k].kind == G2P_SYLLABLE && name_chang(c, k))
            rc = replace(c, k, "chang2");
    free(ws.at);
    return rc;
}

int g2p_convert(g2p *g, const char *text, size_t len, g2p_tokens *out,
                size_t *unknown, err *e)
{
    int rc = -1;
    size_t *off = NULL;
    uint32_t *cps = NULL;
    conv c = {out, out->n, NULL, 0, e};
    char *s = opencc_convert_utf8(g->cc, text, len);
    if (!s) {
        err_set(e, ERR_INTERNAL, NULL, 0, 0, "g2p: opencc: %s", opencc_error());
        return -1;
    }
    size_t slen = strlen(s);
    /* at most one character per byte, plus the run's end */
    off = malloc((slen + 1) * sizeof *off);
    cps = malloc((slen + 1) * sizeof *cps);
    if (!off || !cps) {
        err_set(e, ERR_NOMEM, NULL, 0, 0, "g2p: out of memory");
        goto out;
    }
    size_t nrun = 0, i = 0;
    while (i <= slen) {
        size_t at = i;
        int32_t cp = i < slen ? utf8_next(s, slen, &i) : -1;
        if (i == at)
            i++; /* the end */
        if (cp >= 0 && utf8_is_han((uint32_t)cp)) {
            off[nrun] = at;
            cps[nrun++] = (uint32_t)cp;
            continue;
        }
        if (nrun) {
            off[nrun] = at;
            if (han_run(g, &c, s, off, cps, nrun, unknown))
                goto out;
            nrun = 0;
        }
        if (cp < 0)
            continue;
        char l = letter_of((uint32_t)cp);
        const char *p = pause_of((uint32_t)cp);
        if (l && push(&c, G2P_LETTER, &l, 1, (meta){0}))
            goto out;
        if (p && pause(&c, p))
            goto out;
    }
    if (context(g, &c))
        goto out;
    sandhi(&c);
    rc = 0;
out:
    free(c.m);
    free(off);
    free(cps);
    opencc_convert_utf8_free(s);
    return rc;
}

char *g2p_pinyin(g2p *g, const char *text, size_t len, err *e)
{
    g2p_tokens t = {0};
    strbuf b = {0};
    char *res = NULL;
    if (g2p_convert(g, text, len, &t, NULL, e))
        goto out;
    for (size_t i = 0; i < t.n; i++) {
        if (t.v[i].kind != G2P_SYLLABLE)
            continue;
        if ((b.len && strbuf_add(&b, " ", 1, e)) || strbuf_adds(&b, t.v[i].text, e))
            goto out;
    }
    res = strbuf_take(&b);
    if (!res)
        err_set(e, ERR_NOMEM, NULL, 0, 0, "g2p: out of memory");
out:
    strbuf_free(&b);
    g2p_tokens_free(&t);
    return res;
}
