/* tn.c -- text normalization: written Chinese -> what a newsreader says.
 *
 * The input is decoded into two parallel arrays of code points: 'o' as
 * written, and 'c' with full-width ASCII forms folded to half-width (０-９,
 * Ａ-Ｚ, ％, ．, －, ／, ：, ～, ￥ ...) by utf8proc's compatibility mapping.
 * All matching looks at 'c', so "２０２３年" and "2023年" read the same.
 * Text that is not part of a number is copied from 'o', so Chinese
 * punctuation (，：；（）) stays exactly as written; only full-width Latin
 * letters are written folded ("ＧＤＰ" -> "GDP").
 *
 * We fold one code point at a time, and only inside the full-width block,
 * instead of running NFKC over the whole line: NFKC would turn ℃ into "°C",
 * ㎡ into "m2" (a digit g2p would then read as 二), ① into "1" and Ⅱ into
 * "II" (two letters).  Those are read by their own rules below.
 *
 * Every ASCII digit starts a "number" and is consumed by exactly one of the
 * readers (dates, phone numbers, serials, clock times, scores, fractions,
 * quantities), so no digit can reach the output.  Each reader decides from
 * the characters around the number: the next character (年, 个, %, km ...)
 * and a few words before it (拨打, 邮编, 比分 ...).
 *
 * Conventions (the newsreader's, and kept everywhere):
 * - 两 only where speech demands it: a lone 2 before a measure word (两个,
 *   两年前, 两万), and a leading 2 in the 千 place or alone before 万/亿
 *   (两千, 两千万, 两亿).  Elsewhere 二: 二百, 二十二, 第二, 二月, 二点五.
 * - A hyphen inside a digit string (phone number, serial) becomes a space,
 *   a short pause where the writer put a gap.
 * - 幺 for 1 only in numbers one dials (phones, hotlines, 110), where 一 and
 *   七 are easily confused over a line; postal codes, serials, model numbers
 *   and years read 一.  National service numbers (12345, 12306, 95598)
 *   are dialled numbers even without 拨打; identity and card numbers are not.
 * - Names are said digit by digit: route numbers (一零七国道, 三零六路),
 *   expressway codes (G六零), plates, event dates (“三一五”), model numbers.
 * - A guess of two neighbouring digits is said without a pause (2、3个
 *   两三个); a '+' sign is 正, silent after a word of change (收涨+0.5%);
 *   dotted section numbers read every dot as 点 (3.1.2 三点一点二).
 * - Context is looked for a bounded number of characters away (a score
 *   word at most 40 characters after a list of scores), so every reader
 *   stays linear in the line's length.
 */
#include "tn.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <utf8proc.h>

#include "str.h"
#include "utf8.h"

/* Stateless today; the handle keeps room for reading tables loaded later
 * without changing the contract. */
struct tn {
    int unused;
};

typedef struct ctx {
    const uint32_t *c; /* folded code points */
    const uint32_t *o; /* code points as written */
    size_t n;
    strbuf *out;
    err *e;
    int failed;
    size_t num_end; /* index just past the last quantity read; a dash here
                       joins a range */
    size_t score_end; /* index just past the last score read: "25:23、23:25"
                         is a list of scores */
    size_t ord_end;   /* index just past the last ordinal read */
} ctx;

/* Digit runs longer than this are read digit by digit: 16 digits is the
 * largest the 万/亿 system names (9999万亿), and it keeps parsing bounded. */
#define MAX_CARDINAL 16

#define NONE ((size_t)-1)

static const char *const DIG[10] = {"零", "一", "二", "三", "四",
                                     "五", "六", "七", "八", "九"};

/* ---- small helpers over the code point arrays ---------------------------- */

static uint32_t cp(const ctx *x, size_t i)
{
    return i < x->n ? x->c[i] : 0;
}

static int isdig(const ctx *x, size_t i)
{
    uint32_t c = cp(x, i);
    return c >= '0' && c <= '9';
}

static int islat(uint32_t c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static size_t run_end(const ctx *x, size_t i)
{
    while (isdig(x, i))
        i++;
    return i;
}

static void put(ctx *x, const char *s)
{
    if (!x->failed && strbuf_adds(x->out, s, x->e) < 0)
        x->failed = 1;
}

static void putcp(ctx *x, uint32_t c)
{
    char b[4];
    size_t k = utf8_put(c, b);
    if (!x->failed && k && strbuf_add(x->out, b, k, x->e) < 0)
        x->failed = 1;
}

/* Number of code points of 's' matched at position i, 0 when it does not
 * match. */
static size_t at(const ctx *x, size_t i, const char *s)
{
    size_t len = strlen(s), k = 0, m = 0;
    while (k < len) {
        int32_t c = utf8_next(s, len, &k);
        if (i + m >= x->n || x->c[i + m] != (uint32_t)c)
            return 0;
        m++;
    }
    return m;
}

/* Length of the first word of 'list' (NULL-terminated) matched at i. */
static size_t at_any(const ctx *x, size_t i, const char *const *list)
{
    for (; *list; list++) {
        size_t m = at(x, i, *list);
        if (m)
            return m;
    }
    return 0;
}

/* True when the text just before index 'end' is 's'. */
static int ends_with(const ctx *x, size_t end, const char *s)
{
    size_t m = utf8_chars(s, strlen(s));
    return m <= end && at(x, end - m, s) == m;
}

static int in_set(uint32_t c, const char *set)
{
    size_t len = strlen(set), k = 0;
    while (k < len)
        if ((uint32_t)utf8_next(set, len, &k) == c)
            return 1;
    return 0;
}

/* Value of the digits in [b, e), at most 9 of them; -1 when longer. */
static long value(const ctx *x, size_t b, size_t e)
{
    if (e - b > 9)
        return -1;
    long v = 0;
    for (size_t k = b; k < e; k++)
        v = v * 10 + (long)(x->c[k] - '0');
    return v;
}

/* Is one of 'words' found, ending within 'back' code points before i (the
 * characters in between being only digits, separators and 'filler')? */
static int after_word(const ctx *x, size_t i, const char *const *words,
                      size_t back)
{
    size_t k = i;
    for (size_t steps = 0; steps <= back; steps++) {
        if (k == 0)
            return 0;
        uint32_t c = x->c[k - 1];
        /* words end in a letter or a Han character: test them only there */
        if (islat(c) || utf8_is_han(c))
            for (const char *const *w = words; *w; w++)
                if (ends_with(x, k, *w))
                    return 1;
        if (!(isdig(x, k - 1) || in_set(c, " :()（）、-是为") ||
              c == 0x3000))
            return 0;
        k--;
    }
    return 0;
}

/* ---- reading numbers ----------------------------------------------------- */

/* Digits one by one, as in years, serials and phone numbers.  A hyphen or
 * space between digit groups becomes one space (a short pause). */
static void say_digits(ctx *x, size_t b, size_t e, int yao)
{
    for (size_t k = b; k < e; k++) {
        uint32_t c = x->c[k];
        if (c >= '0' && c <= '9')
            put(x, yao && c == '1' ? "幺" : DIG[c - '0']);
        else if (c == '-' || c == ' ' || c == 0x3000)
            put(x, " ");
    }
}

enum {
    F_LEAD = 1,       /* start of the whole number: 10 is 十, not 一十 */
    F_LIANG = 2,      /* a leading 2 before 千/万/亿 is 两 */
    F_BEFORE_UNIT = 4 /* this part is followed by 万 or 亿 */
};

/* One group of 1-4 digits, first digit nonzero: 千百十 places, one 零 for
 * any run of inner zeros, trailing zeros silent. */
static void say_group(ctx *x, const char *d, size_t n, int flags)
{
    static const char *const PLACE[4] = {"", "十", "百", "千"};
    int zero = 0;
    for (size_t k = 0; k < n; k++) {
        int dg = d[k] - '0';
        size_t place = n - 1 - k;
        if (dg == 0) {
            zero = 1;
            continue;
        }
        if (zero)
            put(x, "零");
        zero = 0;
        if (k == 0 && dg == 1 && place == 1 && (flags & F_LEAD)) {
            put(x, "十");
            continue;
        }
        if (k == 0 && dg == 2 && (flags & F_LIANG) && (flags & F_LEAD) &&
            (place == 3 || (place == 0 && (flags & F_BEFORE_UNIT))))
            put(x, "两");
        else
            put(x, DIG[dg]);
        put(x, PLACE[place]);
    }
}

/* An integer of at most MAX_CARDINAL digits without leading zeros.  Chinese
 * names numbers in groups of four digits (万 = 10^4, 亿 = 10^8), not three:
 * 12345678 is 一千二百三十四万五千六百七十八.  A lower part that starts
 * with zeros is joined with one 零 (10005 一万零五, 100200 十万零二百). */
static void say_int(ctx *x, const char *d, size_t n, int flags)
{
    while (n > 1 && d[0] == '0') {
        d++;
        n--;
    }
    if (n == 1 && d[0] == '0') {
        put(x, "零");
        return;
    }
    if (n <= 4) {
        say_group(x, d, n, flags);
        return;
    }
    size_t k = n > 8 ? 8 : 4;
    size_t hn = n - k;
    say_int(x, d, hn, flags | F_BEFORE_UNIT);
    put(x, k == 8 ? "亿" : "万");
    const char *low = d + hn;
    size_t ln = k;
    while (ln && low[0] == '0') {
        low++;
        ln--;
    }
    if (!ln)
        return;
    if (ln < k)
        put(x, "零");
    say_int(x, low, ln, flags & ~(F_LEAD | F_LIANG | F_BEFORE_UNIT));
}

/* A written number: integer digits (ASCII thousands commas allowed) and an
 * optional decimal part. */
typedef struct num {
    size_t b, e;        /* code points [b, e) of the whole numeral */
    size_t ie;          /* end of the integer digits (commas included) */
    size_t fb, fe;      /* decimal digits, fb == fe when none */
    char d[MAX_CARDINAL + 1]; /* integer digits without commas */
    size_t nd;          /* count of integer digits (may exceed MAX_CARDINAL) */
    int commas;
} num;

static void parse_num(const ctx *x, size_t i, num *m)
{
    memset(m, 0, sizeof *m);
    m->b = i;
    size_t j = i;
    for (;;) {
        while (isdig(x, j)) {
            if (m->nd < MAX_CARDINAL)
                m->d[m->nd] = (char)x->c[j];
            m->nd++;
            j++;
        }
        /* "1,200,000": a comma as written (not the Chinese ，) followed by
         * exactly three digits groups thousands. */
        if (j < x->n && x->o[j] == ',' && isdig(x, j + 1) &&
            isdig(x, j + 2) && isdig(x, j + 3) && !isdig(x, j + 4) &&
            (m->commas || m->nd <= 3)) {
            m->commas = 1;
            j++;
            continue;
        }
        break;
    }
    m->ie = j;
    if (cp(x, j) == '.' && isdig(x, j + 1)) {
        m->fb = j + 1;
        j = run_end(x, j + 1);
        m->fe = j;
    } else {
        m->fb = m->fe = j;
    }
    m->e = j;
}

static int num_is(const num *m, const char *s)
{
    return m->fb == m->fe && m->nd == strlen(s) && !memcmp(m->d, s, m->nd);
}

/* Reads a numeral as a cardinal (decimals digit by digit after 点, trailing
 * zeros kept as written: 1.50 is 一点五零).  A run too long to name, or an
 * integer with a leading zero ("007"), is read digit by digit. */
static void say_num(ctx *x, const num *m, int flags)
{
    if (m->nd > MAX_CARDINAL || (m->nd > 1 && m->d[0] == '0'))
        say_digits(x, m->b, m->ie, 0);
    else
        say_int(x, m->d, m->nd, flags);
    if (m->fb < m->fe) {
        put(x, "点");
        say_digits(x, m->fb, m->fe, 0);
    }
}

/* ---- what follows a number ----------------------------------------------- */

/* Han characters that make a number a count or amount: measure words,
 * magnitudes and approximations.  A 4-digit number followed by anything
 * else (2023中国国际智能产业博览会, 2035远景目标) is a year. */
static const char COUNT_FOLLOW[] =
    "个位名人次天年月日号种件条项家所批辆台座只头棵本张份部支队届场轮倍周"
    "岁套间处户亩元角分秒米吨克斤升度万亿千百十多余来平立公小毫厘微纳株枚"
    "艘架股期版楼层级页章节篇首句字笔单宗起例票封册羽匹尾粒颗片块箱袋瓶包"
    "盒集趟回遍组排行列路站班点时刻成折类样门科栋幢把杯双对副左以上下余型";

/* Words after a lone 2 that call for 两 (两个, 两年前, 两万, 两点). */
static const char LIANG_FOLLOW[] =
    "个位名人次天年种件条项家所批辆台座只头棵本张份部支队场轮倍周岁套间处户"
    "亩元万亿千成股枚艘架栋幢把杯瓶箱袋颗粒片篇首句点时遍趟回宗起例笔类样门"
    "国岸会村镇县市省区届层对双副节米吨斤克升秒票"
    /* 两连胜, 两连冠: a streak is a count */
    "连"
    /* 三室两厅, 三天两夜, 六胜两平两负: counts, however short */
    "室厅夜胜平负"
    /* 两分零五秒, 得两分; but 九时二分 (see quantity) */
    "分";

static int liang_follows(const ctx *x, size_t j)
{
    static const char *const yes[] = {"小时", "分钟", "公里", "千米", "公斤",
                                      "公顷", "平方", "立方", NULL};
    static const char *const no[] = {"年级", "点五", "时期", "点钟后", NULL};
    if (at_any(x, j, no))
        return 0;
    return at_any(x, j, yes) || in_set(cp(x, j), LIANG_FOLLOW);
}

typedef struct unit {
    const char *sym;
    const char *word;
    int liang; /* 2 of it is 两 (两公里) */
    int temp;  /* below zero is 零下 */
} unit;

/* Units written with Latin letters or symbols, read only directly after a
 * number (a bare "m" or "t" elsewhere is a letter).  Longest first. */
static const unit UNITS[] = {
    {"km/h", "公里每小时", 1, 0}, {"m/s", "米每秒", 1, 0},
    {"μg/m³", "微克每立方米", 0, 0}, {"mg/m³", "毫克每立方米", 0, 0},
    /* m2 and m3 as typed without superscripts */
    {"μg/m3", "微克每立方米", 0, 0}, {"mg/m3", "毫克每立方米", 0, 0},
    {"km2", "平方公里", 1, 0}, {"m2", "平方米", 1, 0}, {"m3", "立方米", 1, 0},
    {"kW·h", "千瓦时", 1, 0}, {"kWh", "千瓦时", 1, 0}, {"kwh", "千瓦时", 1, 0},
    {"KWh", "千瓦时", 1, 0}, {"mAh", "毫安时", 0, 0},
    {"km²", "平方公里", 1, 0}, {"cm²", "平方厘米", 1, 0},
    {"m²", "平方米", 1, 0}, {"m³", "立方米", 1, 0},
    {"mmHg", "毫米汞柱", 0, 0}, {"mmol/L", "毫摩尔每升", 0, 0},
    {"μmol/L", "微摩尔每升", 0, 0}, {"kcal", "千卡", 1, 0}, {"GHz", "吉赫兹", 0, 0}, {"MHz", "兆赫兹", 0, 0},
    {"kHz", "千赫兹", 0, 0}, {"kPa", "千帕", 0, 0}, {"MPa", "兆帕", 0, 0},
    {"min", "分钟", 1, 0},
    {"km", "公里", 1, 0}, {"KM", "公里", 1, 0}, {"Km", "公里", 1, 0},
    {"kg", "公斤", 1, 0}, {"KG", "公斤", 1, 0}, {"Kg", "公斤", 1, 0},
    {"mg", "毫克", 1, 0}, {"cm", "厘米", 1, 0}, {"mm", "毫米", 1, 0},
    {"nm", "纳米", 1, 0}, {"μm", "微米", 1, 0}, {"ml", "毫升", 1, 0},
    {"mL", "毫升", 1, 0}, {"kW", "千瓦", 1, 0}, {"kw", "千瓦", 1, 0},
    {"KW", "千瓦", 1, 0}, {"MW", "兆瓦", 1, 0}, {"GW", "吉瓦", 1, 0},
    {"kV", "千伏", 0, 0}, {"Hz", "赫兹", 0, 0}, {"dB", "分贝", 0, 0},
    {"ha", "公顷", 1, 0}, {"ms", "毫秒", 1, 0},
    {"°C", "摄氏度", 0, 1}, {"°F", "华氏度", 0, 1},
    {"℃", "摄氏度", 0, 1}, {"℉", "华氏度", 0, 1}, {"°", "度", 0, 1},
    {"㎡", "平方米", 1, 0}, {"㎢", "平方公里", 1, 0}, {"㎥", "立方米", 1, 0},
    {"㎞", "公里", 1, 0}, {"㎏", "公斤", 1, 0}, {"㎎", "毫克", 1, 0},
    {"㎝", "厘米", 1, 0}, {"㎜", "毫米", 1, 0}, {"㎖", "毫升", 1, 0},
    {"m", "米", 1, 0}, {"g", "克", 1, 0}, {"t", "吨", 1, 0}, {"L", "升", 1, 0},
    {"W", "瓦", 0, 0}, {"V", "伏", 0, 0}, {"h", "小时", 1, 0},
    {"s", "秒", 1, 0},
};

/* The unit written at j, or NULL.  A unit ending in a letter must not run
 * on into more letters ("5G", "4S店", "3D" are not units). */
static const unit *unit_at(const ctx *x, size_t j, size_t *len)
{
    for (size_t k = 0; k < sizeof UNITS / sizeof UNITS[0]; k++) {
        size_t m = at(x, j, UNITS[k].sym);
        if (!m)
            continue;
        uint32_t last = x->c[j + m - 1], next = cp(x, j + m);
        if ((islat(last) || last == 0xB2 || last == 0xB3) &&
            (islat(next) || isdig(x, j + m)))
            continue;
        *len = m;
        return &UNITS[k];
    }
    return NULL;
}

enum { K_NONE, K_PCT, K_PERMILLE, K_YEAR, K_TEMP };

static int is_range_sep(uint32_t c)
{
    return c == '-' || c == '~' || c == 0x2014 || c == 0x2013 || c == 0x301C ||
           c == 0x2212;
}

/* Index after a range separator at j (- ~ — —— – 至 到), or NONE. */
static size_t range_sep(const ctx *x, size_t j)
{
    if (is_range_sep(cp(x, j))) {
        j++;
        if (cp(x, j) == 0x2014)
            j++;
        return j;
    }
    if (cp(x, j) == 0x81F3 /* 至 */ || cp(x, j) == 0x5230 /* 到 */)
        return j + 1;
    return NONE;
}

/* What the right end of a range starting at j is: "5-8%" is read
 * 百分之五到百分之八 and "2021—2035年" 二零二一到二零三五年, so the left
 * number takes the kind of the right one. */
static int right_kind(const ctx *x, size_t j)
{
    size_t k = range_sep(x, j);
    if (k == NONE)
        return K_NONE;
    if (cp(x, k) == '-' || cp(x, k) == 0x2212)
        k++;
    if (!isdig(x, k))
        return K_NONE;
    num m;
    parse_num(x, k, &m);
    uint32_t c = cp(x, m.e);
    size_t ul;
    const unit *u;
    if (c == '%')
        return K_PCT;
    if (c == 0x2030)
        return K_PERMILLE;
    if (m.nd == 4 && m.fb == m.fe && c == 0x5E74 /* 年 */)
        return K_YEAR;
    if ((u = unit_at(x, m.e, &ul)) && u->temp)
        return K_TEMP;
    return K_NONE;
}

/* The left end of a bare range is said like its right end: 2-3天 is
 * 两到三天 (as in 两三天), 2-3级 二到三级. */
static int range_liang(const ctx *x, size_t j)
{
    size_t k = range_sep(x, j), ul;
    if (k == NONE || !isdig(x, k))
        return 0;
    num r;
    parse_num(x, k, &r);
    const unit *u = unit_at(x, r.e, &ul);
    return u ? u->liang : liang_follows(x, r.e);
}

static int yearish(const num *m)
{
    return m->nd == 4 && m->fb == m->fe && !m->commas &&
           ((m->d[0] == '1' && m->d[1] == '9') ||
            (m->d[0] == '2' && m->d[1] == '0'));
}

/* A 4-digit number before 年 is a year and is read digit by digit, as
 * speakers do (二零二三年, never 两千零二十三年); 1-3 digits before 年 are a
 * count of years (二十九年来).  Without 年, a 19xx/20xx number is a year
 * when it names an event or joins another year (2023中国国际智能产业博览会,
 * 2023—2024赛季, 2020、2021年). */
static int is_year(const ctx *x, const num *m, size_t j, int kind)
{
    /* 公元前221年: a year of any length once 公元 names the era */
    if (m->nd <= 4 && m->fb == m->fe && cp(x, j) == 0x5E74 /* 年 */ &&
        (ends_with(x, m->b, "公元前") || ends_with(x, m->b, "公元")))
        return 1;
    /* 北宋（960—1127年）: the left end of a span of years is a year too,
     * however short */
    if (kind == K_YEAR && m->nd == 3 && m->fb == m->fe && m->d[0] != '0')
        return 1;
    if (m->nd != 4 || m->fb != m->fe || m->commas || m->d[0] == '0')
        return 0;
    static const char *const span_after[] = {"年历史", "年之久", "年以上",
                                             "年左右", "年多", NULL};
    static const char *const span_before[] = {"有", "近", "约", "长达", "超过",
                                              "历经", "已有", NULL};
    uint32_t c = cp(x, j);
    if (c == 0x5E74 /* 年 */) {
        /* "有2000年历史" counts years: 两千年; so does a span no calendar
         * of ours has reached (中华5000年文明) */
        if (at_any(x, j, span_after) || m->d[0] >= '3')
            return 0;
        for (const char *const *w = span_before; *w; w++)
            if (ends_with(x, m->b, *w))
                return 0;
        return 1;
    }
    if (kind == K_YEAR)
        return 1;
    if (!yearish(m))
        return 0;
    /* 1920美元, 2000英里: a currency or unit spelled with a character that
     * is no measure word on its own is still an amount */
    static const char *const amount_after[] = {"美元", "欧元", "港元", "英镑",
                                               "日元", "韩元", "英里", "英尺",
                                               "英寸", "海里", "盎司", NULL};
    if (at_any(x, j, amount_after))
        return 0;
    /* 国发〔2021〕29号, （2023）: a year alone in brackets, as document
     * numbers and case numbers write it */
    if (m->b > 0 && in_set(x->c[m->b - 1], "〔[【(（") &&
        in_set(c, "〕]】)）"))
        return 1;
    if (utf8_is_han(c) && !in_set(c, COUNT_FOLLOW))
        return 1;
    if (in_set(c, "、,，") || range_sep(x, j) != NONE) {
        size_t k = range_sep(x, j) != NONE ? range_sep(x, j) : j + 1;
        if (isdig(x, k)) {
            num r;
            parse_num(x, k, &r);
            return yearish(&r);
        }
    }
    return 0;
}

/* ---- the readers ---------------------------------------------------------- */

/* Flags of quantity(). */
enum { Q_NAME = 1 /* the number names a thing (G2): no 两 */ };

/* A quantity: cardinal or decimal with what follows it (%, ‰, a unit, a
 * measure word), optionally signed or with a currency sign before it. */
static size_t quantity(ctx *x, size_t i, int neg, const char *cur, int flags)
{
    num m;
    parse_num(x, i, &m);
    size_t j = m.e;
    int kind = right_kind(x, j);
    /* 第1、2名 第一、二名, 第1-2名 第一到二名: an ordinal carries over a
     * list or range mark to the next number */
    int ordinal = i > 0 && (x->c[i - 1] == 0x7B2C /* 第 */ ||
                            (x->ord_end != NONE && x->ord_end + 1 == i &&
                             (in_set(x->c[x->ord_end], "、,，至到") ||
                              is_range_sep(x->c[x->ord_end]))));

    /* Percent and per-mille are said before the number: 百分之九十九点一. */
    if (cp(x, j) == '%' || cp(x, j) == 0x2030 || kind == K_PCT ||
        kind == K_PERMILLE) {
        int pm = cp(x, j) == 0x2030 || kind == K_PERMILLE;
        if (neg)
            put(x, "负");
        put(x, pm ? "千分之" : "百分之");
        if (!pm && num_is(&m, "100"))
            put(x, "百"); /* 百分之百, as everyone says it */
        else
            say_num(x, &m, F_LEAD);
        if (cp(x, j) == '%' || cp(x, j) == 0x2030)
            j++;
        goto done;
    }
    if (is_year(x, &m, j, kind)) {
        say_digits(x, m.b, m.e, 0);
        goto done;
    }
    /* "09月05日", "09时": a padding zero is not spoken before 月 日 号 时
     * 点; before 分 and 秒 it is (九点零五分), as digit by digit gives. */
    if (m.nd == 2 && m.d[0] == '0' && m.d[1] != '0' && m.fb == m.fe &&
        in_set(cp(x, j), "月日号时点")) {
        put(x, DIG[m.d[1] - '0']);
        goto done;
    }

    /* Magnitude characters may sit between number and unit: 10万kW. */
    size_t mk = j;
    while (mk < j + 2 && in_set(cp(x, mk), "万亿千百"))
        mk++;
    size_t ul = 0, us = mk;
    const unit *u = unit_at(x, us, &ul);
    if (!u && cp(x, mk) == ' ') {
        us = mk + 1;
        u = unit_at(x, us, &ul);
        if (u && ul < 2) /* "5 m" is too weak a sign of a unit */
            u = NULL;
    }
    if (neg)
        put(x, (u && u->temp) || kind == K_TEMP || cp(x, j) == 0x5EA6 /* 度 */
                   ? "零下" : "负");
    int liang = mk != j || !u ? liang_follows(x, j) : u->liang;
    if (!u && mk == j && !liang)
        liang = range_liang(x, j);
    /* 9时2分, 3点2分: the minute of a clock time is 二 */
    if (cp(x, j) == 0x5206 /* 分 */ && i > 0 && in_set(x->c[i - 1], "时点"))
        liang = 0;
    /* 2栋501室: a building named by its number, not two buildings; but
     * 2栋18层住宅楼 counts buildings by their floors */
    if (in_set(cp(x, j), "栋幢座") && isdig(x, j + 1) &&
        cp(x, run_end(x, j + 1)) != 0x5C42 /* 层 */)
        liang = 0;
    if (num_is(&m, "2") && !ordinal && !(flags & Q_NAME) && liang)
        put(x, "两");
    else
        say_num(x, &m, ordinal || (flags & Q_NAME) ? F_LEAD : F_LEAD | F_LIANG);
    if (u) {
        for (size_t k = j; k < mk; k++)
            putcp(x, x->o[k]);
        put(x, u->word);
        j = us + ul;
    } else if (cur) {
        for (size_t k = j; k < mk; k++)
            putcp(x, x->o[k]);
        j = mk;
        if (!at(x, j, "元") && !at(x, j, "美元"))
            put(x, cur);
    }
done:
    x->num_end = j;
    if (ordinal)
        x->ord_end = j;
    return j;
}

/* Dates written with - / or . : 2023-09-05, 2023/9/5, 2023.9.5 and the
 * year-month 2023-09.  Said like 二零二三年九月五日. */
static size_t iso_date(ctx *x, size_t i)
{
    size_t r = run_end(x, i);
    if (r - i != 4)
        return 0;
    long y = value(x, i, r);
    uint32_t sep = cp(x, r);
    if (y < 1000 || y > 2999 || !(sep == '-' || sep == '/' || sep == '.'))
        return 0;
    size_t mb = r + 1, me = run_end(x, mb);
    long mo = value(x, mb, me);
    if (me - mb < 1 || me - mb > 2 || mo < 1 || mo > 12)
        return 0;
    size_t end;
    long d = -1;
    size_t db = me + 1, de = me + 1;
    if (cp(x, me) == sep && isdig(x, db)) {
        de = run_end(x, db);
        d = value(x, db, de);
        if (de - db > 2 || d < 1 || d > 31)
            return 0;
        if (cp(x, de) == sep && isdig(x, de + 1))
            return 0;
        end = de;
    } else {
        /* a year-month only with - or / and a two-digit month: 2023.09 is
         * a decimal, 2023-9 may be a range */
        if (sep == '.' || me - mb != 2 || isdig(x, me) ||
            (cp(x, me) == sep && isdig(x, me + 1)))
            return 0;
        end = me;
    }
    say_digits(x, i, r, 0);
    put(x, "年");
    char b[3];
    snprintf(b, sizeof b, "%ld", mo);
    say_int(x, b, strlen(b), F_LEAD);
    put(x, "月");
    if (d > 0) {
        snprintf(b, sizeof b, "%ld", d);
        say_int(x, b, strlen(b), F_LEAD);
        if (!in_set(cp(x, end), "日号"))
            put(x, "日");
    }
    x->num_end = end;
    return end;
}

/* Index after a run of digit groups joined by single hyphens or spaces
 * ("0731-28888888", "400-123-4567"). */
static size_t grouped_end(const ctx *x, size_t i)
{
    size_t r = run_end(x, i);
    while ((cp(x, r) == '-' || cp(x, r) == ' ') && isdig(x, r + 1))
        r = run_end(x, r + 1);
    return r;
}

/* The national service numbers 123xx (12345 政务, 12315 消费, 12306 铁路)
 * and 955xx (banks, 95598 电力) are names people say digit by digit, also
 * without 拨打: "12306网站", "12315投诉".  Before a measure word (12345名)
 * or punctuation they are left to the cardinal reader. */
static int service_number(const ctx *x, size_t i, size_t r)
{
    uint32_t nx = cp(x, r);
    if (r - i != 5 || !(at(x, i, "123") || at(x, i, "955")) ||
        (i > 0 && (x->c[i - 1] == 0x7B2C /* 第 */ || islat(x->c[i - 1]) ||
                   in_set(x->c[i - 1], "·・•"))))
        return 0;
    return (utf8_is_han(nx) && !in_set(nx, COUNT_FOLLOW)) || islat(nx);
}

/* Numbers one dials are read digit by digit with 幺 for 1: after 电话,
 * 热线, 拨打 ...; a landline with its area code (0731-28888888); a mobile
 * (11 digits, 1[3-9]…); 400/800 service numbers; a short service number
 * before 热线 or 报警 (12345热线, 110报警). */
static size_t phone(ctx *x, size_t i)
{
    static const char *const before[] = {
        "电话", "热线", "拨打", "致电", "号码", "手机", "传真", "专线",
        "Tel", "TEL", "tel", NULL};
    static const char *const after[] = {"热线", "报警", "急救", "服务热线",
                                        "政务服务", "市长热线", "火警", "接警",
                                        "出警", "指挥中心", "救护车", NULL};
    size_t r = run_end(x, i), len = r - i;
    /* grouped_end() scans the whole group: call it only once the number is
     * known to be read here, so "1-1-1-…" stays linear */
    int grouped = (cp(x, r) == '-' || cp(x, r) == ' ') && isdig(x, r + 1);
    int ok = 0;
    /* no one dials 15 digits in one run: after 身份证号码 or 卡号码 it is an
     * identity or card number, read with 一 by code() */
    if (len >= 15 && !grouped)
        return 0;
    /* 0731-28888888转8001: the extension after 转 is dialled too */
    int extension = len >= 2 && len <= 5 && i >= 2 &&
                    x->c[i - 1] == 0x8F6C /* 转 */ && isdig(x, i - 2);
    if (service_number(x, i, r) || extension) {
        ok = 1;
    } else if (after_word(x, i, before, 32) && (len >= 3 || grouped)) {
        size_t end = grouped_end(x, i);
        ok = !in_set(cp(x, end), COUNT_FOLLOW) && !in_set(cp(x, end), ".%");
    }
    else if (x->c[i] == '0' && (len == 3 || len == 4) && cp(x, r) == '-' &&
             run_end(x, r + 1) - (r + 1) >= 7 && run_end(x, r + 1) - (r + 1) <= 8)
        ok = 1;
    else if (len == 11 && x->c[i] == '1' && x->c[i + 1] >= '3')
        ok = 1;
    else if ((at(x, i, "400") || at(x, i, "800")) &&
             ((len == 3 && cp(x, r) == '-' && run_end(x, r + 1) == r + 4 &&
               cp(x, r + 4) == '-' && isdig(x, r + 5)) ||
              len == 10))
        ok = 1;
    else if (len >= 3 && len <= 5 && (x->c[i] == '1' || x->c[i] == '9') &&
             !grouped && at_any(x, r, after))
        ok = 1;
    if (!ok)
        return 0;
    size_t end = grouped_end(x, i);
    say_digits(x, i, end, 1);
    return end;
}

/* Postal codes are six digits read one by one; as a written code, not a
 * dialled one, its 1 is 一. */
static size_t postal(ctx *x, size_t i)
{
    static const char *const before[] = {"邮编", "邮政编码", NULL};
    size_t r = run_end(x, i);
    if (r - i != 6 || !after_word(x, i, before, 3))
        return 0;
    say_digits(x, i, r, 0);
    return r;
}

/* G60沪昆高速, S11长株高速: expressway numbers are said digit by digit
 * (G六零), as traffic reports say them, unlike G20 峰会. */
static int road_code(const ctx *x, size_t i, size_t r)
{
    static const char *const road[] = {"高速", "国道", "省道", NULL};
    if (i < 1 || !in_set(x->c[i - 1], "GS") || (i > 1 && islat(x->c[i - 2])))
        return 0;
    for (size_t k = r; k < r + 8 && k < x->n && utf8_is_han(x->c[k]); k++)
        if (at_any(x, k, road))
            return 1;
    return 0;
}

/* ARJ21: two digits after three or more capitals are a type designation,
 * said digit by digit like longer model numbers. */
static int caps_code(const ctx *x, size_t i, size_t r)
{
    size_t k = i;
    while (k > 0 && x->c[k - 1] >= 'A' && x->c[k - 1] <= 'Z')
        k--;
    return r - i == 2 && i - k >= 3 && !(k > 0 && islat(x->c[k - 1])) &&
           !at(x, k, "TOP"); /* TOP10 is a count */
}

/* ISO 9001:2015: the year after a standard's colon names its edition; the
 * colon is a short pause, like the hyphen of GB 2762-2022.  Returns the
 * index after the year, or 'r' when there is none. */
static size_t edition_year(ctx *x, size_t r)
{
    if (cp(x, r) != ':' || run_end(x, r + 1) != r + 5)
        return r;
    num y;
    parse_num(x, r + 1, &y);
    if (!yearish(&y) || y.e != r + 5)
        return r;
    put(x, " ");
    say_digits(x, r + 1, r + 5, 0);
    return r + 5;
}

/* Digits after Latin letters name a thing, not an amount.  Joined to the
 * letters, three or more digits are a model number read digit by digit
 * (C919 C九一九, ISO 9001); a serial with a hyphen is read digit by digit in
 * every group (CN 43-0005); short ones are cardinals (G20 G二十, PM2.5). */
static size_t latin_serial(ctx *x, size_t i)
{
    int joined = i > 0 && islat(x->c[i - 1]);
    int spaced = i > 1 && (x->c[i - 1] == ' ' || x->c[i - 1] == '-') &&
                 islat(x->c[i - 2]);
    /* 湘B·12345: a licence plate after its middle dot */
    int plate = i > 1 && in_set(x->c[i - 1], "·・•") && islat(x->c[i - 2]);
    if (!joined && !spaced && !plate)
        return 0;
    size_t r = run_end(x, i);
    if (plate || (joined && (road_code(x, i, r) || caps_code(x, i, r)))) {
        say_digits(x, i, r, 0);
        return r;
    }
    /* K1568+300: a kilometre stake on a road is a distance, 一千五百六十八
     * 加三百 */
    if (joined && x->c[i - 1] == 'K' && cp(x, r) == '+' && isdig(x, r + 1))
        return quantity(x, i, 0, NULL, Q_NAME);
    if (cp(x, r) == '-' && isdig(x, r + 1)) {
        size_t end = r;
        while (cp(x, end) == '-' && isdig(x, end + 1))
            end = run_end(x, end + 1);
        say_digits(x, i, end, 0);
        return end;
    }
    if (cp(x, r) == '.' || cp(x, r) == '%')
        return quantity(x, i, 0, NULL, Q_NAME);
    if ((joined && r - i >= 3) || (spaced && r - i >= 4)) {
        say_digits(x, i, r, 0);
        return edition_year(x, r);
    }
    return quantity(x, i, 0, NULL, Q_NAME);
}

static const char *const SCORE_BEFORE[] = {"比分", "战胜", "击败", "大胜",
                                           "险胜", "负于", "战平", "比例", "票",
                                           "战成", NULL};
static const char *const SCORE_AFTER[] = {"的比分", "战胜", "击败", "取胜",
                                          "获胜", "告负", "落败", "胜出", "力克",
                                          "大胜", "险胜", "战平", "逆转",
                                          "的比例", "平。", "平，", "平局", "领先",
                                          "落后", "小胜", "完胜", "惜败", "不敌",
                                          "淘汰", "零封", "横扫", "直落", NULL};

/* Is a score word found after the list of scores that starts at 'e'
 * ("25:23、23:25取胜")?  The look is bounded so long lists stay linear. */
static int score_word_after(const ctx *x, size_t e)
{
    for (size_t k = e; k < e + 40 && k < x->n; k++) {
        if (at_any(x, k, SCORE_AFTER))
            return 1;
        if (!(isdig(x, k) || in_set(x->c[k], ":-、,，")))
            return 0;
    }
    return 0;
}

/* A score word just before i (within six characters), or i continues a
 * list of scores read just before it. */
static int score_before(const ctx *x, size_t i)
{
    if (x->score_end != NONE && x->score_end + 1 == i &&
        in_set(x->c[x->score_end], "、,，"))
        return 1;
    for (size_t k = i; k + 6 > i && k > 0; k--)
        for (const char *const *w = SCORE_BEFORE; *w; w++)
            if (ends_with(x, k, *w))
                return 1;
    return 0;
}

/* Says "a比b" for the two numbers at i and b (integers or decimals). */
static size_t say_score(ctx *x, size_t i, size_t b)
{
    num l, r;
    parse_num(x, i, &l);
    say_num(x, &l, F_LEAD);
    put(x, "比");
    parse_num(x, b, &r);
    say_num(x, &r, F_LEAD);
    x->num_end = x->score_end = r.e;
    return r.e;
}

/* "7-5、6-3击败对手", "比分为3-1": a dash between two small numbers is a
 * score only where the words say so; elsewhere it is a range (3-5人). */
static size_t dash_score(ctx *x, size_t i)
{
    size_t r = run_end(x, i), b = r + 1, e = run_end(x, b);
    if (r - i > 3 || cp(x, r) != '-' || e == b || e - b > 3 ||
        in_set(cp(x, e), "-.%") ||
        (in_set(cp(x, e), COUNT_FOLLOW) && !at_any(x, e, SCORE_AFTER)))
        return 0;
    if (!score_before(x, i) &&
        !(ends_with(x, i, "以") && score_word_after(x, e)))
        return 0;
    return say_score(x, i, b);
}

/* "H:MM" is a clock time unless the context is a score or a ratio: 比分,
 * 以, 战胜 ... nearby, a minute part that is not two digits (3:1) or is over
 * 59 (1:500).  Times: 九点三十分, 八点零五分, 十七点; scores: 三比一. */
static size_t clock_or_score(ctx *x, size_t i)
{
    size_t hr = run_end(x, i), mb = hr + 1, me = run_end(x, mb);
    long h = value(x, i, hr), mi = value(x, mb, me);
    int score = me - mb != 2 || h < 0 || h > 24 || mi < 0 || mi > 59 ||
                hr - i > 2 || score_word_after(x, me) ||
                ends_with(x, i, "以") || ends_with(x, i, "比") ||
                score_before(x, i);
    if (score) {
        num a;
        parse_num(x, i, &a);
        if (a.e != hr)
            return 0;
        return say_score(x, i, mb);
    }
    size_t end = me;
    long s = -1;
    if (cp(x, me) == ':' && isdig(x, me + 1) && run_end(x, me + 1) == me + 3) {
        s = value(x, me + 1, me + 3);
        if (s <= 59)
            end = me + 3;
        else
            s = -1;
    }
    /* "用时1:58:22" is a time taken, not a time of day: 一小时五十八分 */
    static const char *const took[] = {"用时", "耗时", "历时", "成绩", "跑出",
                                       "成绩为", "以", NULL};
    int duration = s >= 0 && after_word(x, i, took, 0);
    char hb[4];
    snprintf(hb, sizeof hb, "%ld", h);
    if (h == 2)
        put(x, "两");
    else
        say_int(x, hb, strlen(hb), F_LEAD);
    put(x, duration ? "小时" : "点");
    if (mi > 0 || s > 0) {
        char b[4];
        if (mi < 10)
            put(x, "零");
        snprintf(b, sizeof b, "%ld", mi);
        say_int(x, b, strlen(b), F_LEAD);
        put(x, "分");
        if (s > 0) {
            if (s < 10)
                put(x, "零");
            snprintf(b, sizeof b, "%ld", s);
            say_int(x, b, strlen(b), F_LEAD);
            put(x, "秒");
        }
    }
    x->num_end = end;
    return end;
}

/* 血压140/90mmHg: a blood pressure is two readings, said 一百四十比九十
 * as doctors say it, never as a fraction. */
static int blood_pressure(const ctx *x, size_t i, size_t de)
{
    static const char *const bp[] = {"血压", "高压", NULL};
    return at(x, de, "mmHg") || after_word(x, i, bp, 3);
}

/* "3/4" is 四分之三: the denominator is said first. */
static size_t fraction(ctx *x, size_t i)
{
    size_t r = run_end(x, i), db = r + 1, de = run_end(x, db);
    if (r - i <= 3 && de - db <= 3 && blood_pressure(x, i, de)) {
        size_t end = say_score(x, i, db);
        if (at(x, end, "mmHg")) {
            put(x, "毫米汞柱");
            end += 4;
        }
        x->num_end = end;
        return end;
    }
    if (r - i > 4 || de - db > 4 || x->c[i] == '0' || x->c[db] == '0' ||
        cp(x, de) == '/' || cp(x, de) == '.')
        return 0;
    num a, b;
    parse_num(x, i, &a);
    parse_num(x, db, &b);
    if (a.e != r || b.e != de || value(x, i, r) >= value(x, db, de))
        return 0;
    say_num(x, &b, F_LEAD);
    put(x, "分之");
    say_num(x, &a, F_LEAD);
    x->num_end = de;
    return de;
}

/* Codes are read digit by digit (一, not 幺): after 编号, 证号 ...; room
 * numbers (302室 三零二室); and a bare run of 12 or more digits, which no
 * one writes for an amount. */
static size_t code(ctx *x, size_t i)
{
    static const char *const before[] = {"编号", "代码", "账号", "卡号",
                                         "证号", "工号", "学号", "批号",
                                         "单号", "序号", "身份证", "车次", NULL};
    size_t r = run_end(x, i);
    int ok = (r - i >= 3 && after_word(x, i, before, 3)) ||
             (r - i >= 3 && r - i <= 5 && in_set(cp(x, r), "室") ) ||
             (r - i >= 3 && r - i <= 5 && at(x, r, "房间")) ||
             (r - i >= 12 && cp(x, r) != '.' && cp(x, r) != ',' &&
              !in_set(cp(x, r), COUNT_FOLLOW) && cp(x, r) != '%');
    if (!ok)
        return 0;
    size_t end = grouped_end(x, i);
    say_digits(x, i, end, 0);
    return end;
}

/* 985高校, 211工程: the two university programmes are named by their
 * digits (九八五, 二一一), as everyone says them. */
static size_t programme(ctx *x, size_t i)
{
    size_t r = run_end(x, i);
    uint32_t nx = cp(x, r);
    if (r - i != 3 || !(at(x, i, "985") || at(x, i, "211")) ||
        !((utf8_is_han(nx) && !in_set(nx, COUNT_FOLLOW)) ||
          (in_set(nx, "、/和") && (at(x, r + 1, "985") || at(x, r + 1, "211")))))
        return 0;
    say_digits(x, i, r, 0);
    return r;
}

/* 开奖号码为：03、08、15: lottery numbers are drawn balls, each said as
 * its two digits (零三、一五), as the draw is announced.  The look back
 * spans a whole draw of seven balls. */
static size_t lottery(ctx *x, size_t i)
{
    static const char *const words[] = {"开奖号码", "中奖号码", "红球", "蓝球",
                                        "前区", "后区", "号码为", NULL};
    size_t r = run_end(x, i);
    if (r - i != 2 || !after_word(x, i, words, 40))
        return 0;
    say_digits(x, i, r, 0);
    return r;
}

/* 1080P, 1920×1080像素: screen and video resolutions are named by their
 * digits (一零八零P, 一九二零乘一零八零), as the trade says them. */
static size_t resolution(ctx *x, size_t i)
{
    static const char *const words[] = {"分辨率", "像素", NULL};
    size_t r = run_end(x, i);
    if (r - i < 3 || r - i > 4 || x->c[i] == '0')
        return 0;
    if (in_set(cp(x, r), "Pp") && !islat(cp(x, r + 1))) {
        say_digits(x, i, r, 0);
        return r;
    }
    size_t b = r + 1, e = run_end(x, b);
    if (!in_set(cp(x, r), "×*xX") || e - b < 3 || e - b > 4 ||
        !(after_word(x, i, words, 2) || at(x, e, "像素") ||
          in_set(cp(x, e), "Pp")))
        return 0;
    say_digits(x, i, r, 0);
    put(x, "乘");
    say_digits(x, b, e, 0);
    x->num_end = e;
    return e;
}

/* 8.5/10万: a rate per ten thousand (or per 亿) of population is said as
 * a fraction of that base, 十万分之八点五, as health reports read it. */
static size_t rate_per(ctx *x, size_t i)
{
    num m, b;
    parse_num(x, i, &m);
    if (cp(x, m.e) != '/' || !isdig(x, m.e + 1))
        return 0;
    parse_num(x, m.e + 1, &b);
    uint32_t mag = cp(x, b.e);
    if (b.fb != b.fe || b.nd > 4 || b.d[0] == '0' || (mag != 0x4E07 /* 万 */ &&
                                                      mag != 0x4EBF /* 亿 */))
        return 0;
    say_num(x, &b, F_LEAD);
    putcp(x, x->o[b.e]);
    put(x, "分之");
    say_num(x, &m, F_LEAD);
    x->num_end = b.e + 1;
    return b.e + 1;
}

/* 80后, 95后, 00后: a generation by decade or half decade of birth, said
 * 八零后, 九五后 as the digits are written. */
static size_t generation(ctx *x, size_t i)
{
    size_t r = run_end(x, i);
    if (r - i != 2 || !in_set(x->c[i + 1], "05") || cp(x, r) != 0x540E /* 后 */)
        return 0;
    say_digits(x, i, r, 0);
    return r;
}

/* 9秒83, 6米85, 1分44秒65: the digits after 秒 or 米 in a result are its
 * hundredths or centimetres, said digit by digit (九秒八三, 六米八五). */
static size_t split_mark(ctx *x, size_t i)
{
    size_t r = run_end(x, i);
    if (i < 2 || !in_set(x->c[i - 1], "秒米") || !isdig(x, i - 2) ||
        r - i > 2 || cp(x, r) == '.' || in_set(cp(x, r), COUNT_FOLLOW) ||
        islat(cp(x, r)))
        return 0;
    say_digits(x, i, r, 0);
    x->num_end = r;
    return r;
}

/* Route numbers are names, said digit by digit from three digits up:
 * 107国道 一零七国道, 306路公交车 三零六路; 12路 stays 十二路. */
static size_t route(ctx *x, size_t i)
{
    static const char *const road[] = {"国道", "省道", "县道", NULL};
    static const char *const bus[] = {"路公交", "路车", "路大巴", "路班车",
                                      "路专线", "路线路", NULL};
    size_t r = run_end(x, i);
    if (r - i < 3 || r - i > 4 || cp(x, r) == '.' ||
        !(at_any(x, r, road) || at_any(x, r, bus)))
        return 0;
    say_digits(x, i, r, 0);
    x->num_end = r;
    return r;
}

/* “3·15”, “7·20”, “12·4”: an event named by its month and day is said
 * digit by digit (三一五, 七二零, 一二四), as everyone names it. */
static size_t event_date(ctx *x, size_t i)
{
    size_t r = run_end(x, i), e;
    if (r - i > 2 || !in_set(cp(x, r), "·・•") || !isdig(x, r + 1))
        return 0;
    e = run_end(x, r + 1);
    long mo = value(x, i, r), d = value(x, r + 1, e);
    if (e - r - 1 > 2 || mo < 1 || mo > 12 || d < 1 || d > 31 ||
        cp(x, e) == '.')
        return 0;
    say_digits(x, i, r, 0);
    say_digits(x, r + 1, e, 0);
    x->num_end = e;
    return e;
}

/* 2、3个, 3、4月份: two neighbouring digits before a count are a guess, and
 * a guess is said without the pause: 两三个, 三四月份, 一两天.  Names
 * (2、3号线, 3、4楼, 5、6日) and lists of three or more keep the 、, and
 * 9、10 is left alone (九十 would be ninety). */
static size_t approx_pair(ctx *x, size_t i)
{
    uint32_t a = x->c[i], b = cp(x, i + 2), nx = cp(x, i + 3);
    if (cp(x, i + 1) != 0x3001 /* 、 */ || a < '1' || a > '8' ||
        b != a + 1 || isdig(x, i + 3) || isdig(x, i + 1) ||
        !in_set(nx, COUNT_FOLLOW) || in_set(nx, "号日路期楼层版章节届") ||
        cp(x, i + 4) == 0x3001 || (i > 0 && x->c[i - 1] == 0x7B2C /* 第 */) ||
        (i > 1 && x->c[i - 1] == 0x3001 && isdig(x, i - 2)) ||
        (i > 0 && isdig(x, i - 1)))
        return 0;
    put(x, a == '2' && liang_follows(x, i + 3) ? "两" : DIG[a - '0']);
    return quantity(x, i + 2, 0, NULL, 0);
}

/* 3.1.2, iOS 17.4.1: three or more dot-joined groups are a section or
 * version number, each group a cardinal and every dot 点 (三点一点二节).
 * A decimal reader would stop after 3.1 and leave ".2" behind. */
static size_t dotted(ctx *x, size_t i)
{
    size_t e = run_end(x, i), groups = 1;
    if (e - i > 3)
        return 0;
    while (cp(x, e) == '.' && isdig(x, e + 1) && run_end(x, e + 1) - e <= 4) {
        e = run_end(x, e + 1);
        groups++;
    }
    if (groups < 3 || (cp(x, e) == '.' && isdig(x, e + 1)))
        return 0;
    for (size_t k = i; k < e;) {
        num m;
        parse_num(x, k, &m);
        say_int(x, m.d, m.ie - k, F_LEAD);
        k = m.ie;
        if (k < e) {
            put(x, "点");
            k++;
        }
    }
    x->num_end = e;
    return e;
}

static size_t number_at(ctx *x, size_t i)
{
    size_t j;
    size_t r = run_end(x, i);
    if ((j = iso_date(x, i)) || (j = dotted(x, i)) || (j = event_date(x, i)) ||
        (j = phone(x, i)) ||
        (j = postal(x, i)) ||
        (j = latin_serial(x, i)))
        return j;
    if (cp(x, r) == ':' && isdig(x, r + 1) && (j = clock_or_score(x, i)))
        return j;
    if ((j = dash_score(x, i)) || (j = split_mark(x, i)) || (j = route(x, i)))
        return j;
    if ((j = rate_per(x, i)) || (j = resolution(x, i)))
        return j;
    if (cp(x, r) == '/' && isdig(x, r + 1) && (j = fraction(x, i)))
        return j;
    if ((j = generation(x, i)) || (j = code(x, i)) || (j = approx_pair(x, i)) ||
        (j = programme(x, i)) || (j = lottery(x, i)))
        return j;
    return quantity(x, i, 0, NULL, 0);
}

/* ---- things that are not ASCII digits ------------------------------------ */

/* Circled and parenthesized numbers are list markers; read as the
 * list's own form: ① 一、 and ⑴ （一）. */
static int list_marker(ctx *x, size_t i)
{
    uint32_t c = x->c[i];
    long v = 0;
    int paren = 0;
    if (c >= 0x2460 && c <= 0x2473)
        v = c - 0x2460 + 1;
    else if (c >= 0x2776 && c <= 0x277F)
        v = c - 0x2776 + 1;
    else if (c >= 0x2488 && c <= 0x249B)
        v = c - 0x2488 + 1;
    else if (c >= 0x2474 && c <= 0x2487)
        v = c - 0x2474 + 1, paren = 1;
    else if (c >= 0x3220 && c <= 0x3229)
        v = c - 0x3220 + 1, paren = 1;
    else
        return 0;
    char b[4];
    snprintf(b, sizeof b, "%ld", v);
    if (paren)
        put(x, "（");
    say_int(x, b, strlen(b), F_LEAD);
    if (paren) {
        put(x, "）");
    } else {
        uint32_t nx = cp(x, i + 1);
        /* a marker before text gets the list comma; inside a reference
         * ("见图①。") it is just the number */
        if (nx && (utf8_is_han(nx) || islat(nx)))
            put(x, "、");
    }
    return 1;
}

/* Ⅱ期 二期: Roman numeral characters name numbers; NFKC would leave the
 * letters "II", which g2p would spell. */
static int roman(ctx *x, size_t i)
{
    uint32_t c = x->c[i];
    long v;
    if (c >= 0x2160 && c <= 0x216B)
        v = c - 0x2160 + 1;
    else if (c >= 0x2170 && c <= 0x217B)
        v = c - 0x2170 + 1;
    else
        return 0;
    char b[4];
    snprintf(b, sizeof b, "%ld", v);
    say_int(x, b, strlen(b), F_LEAD);
    return 1;
}

/* 地表水III类, 第IV阶段: Roman numerals typed with Latin capitals are
 * numbers where a grade or stage follows (or 第 precedes); elsewhere
 * (IV as a word, X光, V型) they stay letters.  Returns the end, or 0. */
static size_t ascii_roman(ctx *x, size_t i)
{
    static const char *const ROMAN[] = {"I", "II", "III", "IV", "V", "VI",
                                        "VII", "VIII", "IX", "X", "XI", "XII"};
    static const char *const grade[] = {"类", "级", "期", "阶段", NULL};
    size_t e = i;
    while (e < x->n && e < i + 5 && in_set(x->c[e], "IVX"))
        e++;
    if (e == i || (i > 0 && islat(x->c[i - 1])) || islat(cp(x, e)) ||
        !(at_any(x, e, grade) || (i > 0 && x->c[i - 1] == 0x7B2C)))
        return 0;
    for (size_t v = 0; v < 12; v++) {
        size_t len = strlen(ROMAN[v]);
        if (len == e - i && at(x, i, ROMAN[v]) == len) {
            char b[4];
            snprintf(b, sizeof b, "%zu", v + 1);
            say_int(x, b, strlen(b), F_LEAD);
            return e;
        }
    }
    return 0;
}

static int url_char(uint32_t c)
{
    return islat(c) || (c >= '0' && c <= '9') || (c && strchr("._-/@:?=&#%~+", (int)c));
}

/* Web and mail addresses keep their letters; the signs between are named
 * as people say them (点, 艾特, 斜杠, 杠, 下划线), digits one by one, and
 * the "http://" prefix is not read. */
static size_t url(ctx *x, size_t i)
{
    /* as written: a full-width ：or 。 ends an address */
    if (!islat(x->o[i]) || (i > 0 && url_char(x->o[i - 1])))
        return 0;
    size_t e = i;
    while (e < x->n && url_char(x->o[e]))
        e++;
    while (e > i && strchr(".:/-?", (int)x->c[e - 1]))
        e--;
    size_t at_sign = NONE, dots = 0;
    for (size_t k = i; k < e; k++) {
        if (x->c[k] == '@')
            at_sign = k;
        if (x->c[k] == '.' && (at_sign != NONE || k > i))
            dots++;
    }
    int scheme = at(x, i, "http://") || at(x, i, "https://");
    int www = at(x, i, "www.");
    int mail = at_sign != NONE && dots > 0;
    if (!scheme && !www && !mail)
        return 0;
    size_t k = i;
    if (scheme)
        k += at(x, i, "http://") ? 7 : 8;
    for (; k < e; k++) {
        uint32_t c = x->c[k];
        if (c >= '0' && c <= '9')
            put(x, DIG[c - '0']);
        else if (islat(c))
            putcp(x, c);
        else if (c == '.')
            put(x, "点");
        else if (c == '@')
            put(x, "艾特");
        else if (c == '/')
            put(x, "斜杠");
        else if (c == '-')
            put(x, "杠");
        else if (c == '_')
            put(x, "下划线");
        else if (c == ':')
            put(x, "冒号");
        else if (c == '%')
            put(x, "百分号");
        else
            putcp(x, c);
    }
    return e;
}

static const char *currency_at(const ctx *x, size_t i, size_t *len)
{
    static const struct {
        const char *sym, *word;
    } cur[] = {{"US$", "美元"}, {"HK$", "港元"}, {"$", "美元"},
               {"¥", "元"},     {"€", "欧元"},   {"£", "英镑"}};
    for (size_t k = 0; k < sizeof cur / sizeof cur[0]; k++) {
        size_t m = at(x, i, cur[k].sym);
        if (m && (isdig(x, i + m) || (cp(x, i + m) == ' ' && isdig(x, i + m + 1)))) {
            *len = m + (cp(x, i + m) == ' ');
            return cur[k].word;
        }
    }
    return NULL;
}

/* "9月1日-9月10日", "10万元-20万元": a dash after a number and its unit
 * joins a range too. */
static int after_count(const ctx *x, size_t i)
{
    for (size_t k = i; k > 0 && k + 4 > i; k--) {
        if (!in_set(x->c[k - 1], "日月年号时点分秒天周个元万亿米吨斤人次克里升亩瓦"
                                 "公微毫千平立方美欧港英"))
            return 0;
        if (k >= 2 && isdig(x, k - 2))
            return 1;
    }
    return 0;
}

/* Hyphens in names of aircraft and rockets (歼-20, 东风-41) are not minus
 * signs: the hyphen is dropped and the number read as a cardinal. */
static int name_hyphen(const ctx *x, size_t i)
{
    static const char *const names[] = {"歼", "运", "轰", "直", "东风", "长征",
                                        "红旗", "鹰击", "巨浪", "神舟", "天舟",
                                        "嫦娥", "天宫", "鲲龙", "教", NULL};
    for (const char *const *w = names; *w; w++)
        if (ends_with(x, i, *w))
            return 1;
    return 0;
}

/* A '+' after a number or a number-and-letters name joins what follows:
 * "1+N" 一加N, "5G+工业互联网" 五G加工业互联网.  After plain words it is
 * left alone (过渡+开发 reads as a pause, not a sum). */
static int plus_joins(const ctx *x, size_t i)
{
    uint32_t nx = cp(x, i + 1);
    int after_num = i == x->num_end ||
                    (i >= 2 && islat(x->c[i - 1]) && isdig(x, i - 2));
    return after_num && (islat(nx) || utf8_is_han(nx));
}

/* A '+' that signs a number rather than adding two.  +86 138…: a country
 * code before a phone number is dialled, 加八六.  After a word of change
 * (收涨+0.5%, 同比增长+3%) the sign repeats what the word said and is not
 * spoken; before a temperature it is 零上; elsewhere it is 正, the mirror of
 * 负.  Returns the index after what was read. */
static size_t plus_sign(ctx *x, size_t i)
{
    size_t r = run_end(x, i + 1);
    if (r - i - 1 <= 3 && (cp(x, r) == ' ' || cp(x, r) == '-') &&
        run_end(x, r + 1) - r > 3) {
        put(x, "加");
        size_t end = grouped_end(x, i + 1);
        say_digits(x, i + 1, end, 1);
        return end;
    }
    num m;
    parse_num(x, i + 1, &m);
    size_t ul;
    const unit *u = unit_at(x, m.e, &ul);
    if ((u && u->temp) || cp(x, m.e) == 0x5EA6 /* 度 */)
        put(x, "零上");
    else if (!(i > 0 && in_set(x->c[i - 1], "涨升长高加增幅")))
        put(x, "正");
    return quantity(x, i + 1, 0, NULL, 0);
}

/* No.1, NO.3: "number one" in a Chinese sentence is said 第一. */
static size_t number_sign_no(ctx *x, size_t i)
{
    if (!(at(x, i, "No.") || at(x, i, "NO.") || at(x, i, "no.")) ||
        (i > 0 && islat(x->c[i - 1])))
        return 0;
    size_t k = i + 3 + (cp(x, i + 3) == ' ');
    if (!isdig(x, k))
        return 0;
    num m;
    parse_num(x, k, &m);
    if (m.fb != m.fe || m.nd > 4)
        return 0;
    put(x, "第");
    say_num(x, &m, F_LEAD);
    x->num_end = m.e;
    return m.e;
}

static uint32_t fold(uint32_t c)
{
    if (c == 0x2236) /* ∶ RATIO, which Chinese typesetting uses for : */
        return ':';
    if (c >= 0x2080 && c <= 0x2089) /* CO₂: subscripts are plain digits */
        return '0' + (c - 0x2080);
    if (c == 0x2015 || c == 0x223C) /* ― and ∼ in ranges */
        return c == 0x2015 ? 0x2014 : '~';
    if ((c >= 0xFF01 && c <= 0xFF5E) || (c >= 0xFFE0 && c <= 0xFFE6)) {
        utf8proc_int32_t buf[4];
        int last = 0;
        utf8proc_ssize_t k = utf8proc_decompose_char((utf8proc_int32_t)c, buf,
                                                     4, UTF8PROC_DECOMPOSE | UTF8PROC_COMPAT, &last);
        if (k == 1)
            return (uint32_t)buf[0];
    }
    return c;
}

static void run(ctx *x)
{
    size_t i = 0;
    while (i < x->n && !x->failed) {
        uint32_t c = x->c[i];
        size_t j, len;
        const char *cur;
        if ((j = url(x, i)) || (j = ascii_roman(x, i))) {
            i = j;
        } else if ((cur = currency_at(x, i, &len))) {
            i = quantity(x, i + len, 0, cur, 0);
        } else if ((c == '-' || c == 0x2212) && isdig(x, i + 1)) {
            uint32_t p = i > 0 ? x->c[i - 1] : 0;
            if (i == x->num_end || (p >= '0' && p <= '9') || after_count(x, i)) {
                put(x, "到");
                i++;
            } else if (islat(p)) {
                put(x, " ");
                i++;
            } else if (name_hyphen(x, i)) {
                i++;
            } else {
                i = quantity(x, i + 1, 1, NULL, 0);
            }
        } else if (c == '/' && after_count(x, i) &&
                   (utf8_is_han(cp(x, i + 1)) || unit_at(x, i + 1, &len))) {
            /* 5元/斤 五元每斤, 120次/分钟 一百二十次每分钟 */
            const unit *u = unit_at(x, i + 1, &len);
            put(x, "每");
            if (u && !utf8_is_han(cp(x, i + 1))) {
                put(x, u->word);
                i += len;
            }
            i++;
        } else if (is_range_sep(c) && (i == x->num_end || after_count(x, i)) &&
                   (j = range_sep(x, i)) != NONE &&
                   (isdig(x, j) || ((cp(x, j) == '-' || cp(x, j) == 0x2212) &&
                                    isdig(x, j + 1)))) {
            /* -5℃～-1℃: the right end may be below zero too */
            put(x, "到");
            i = j;
        } else if (i == x->num_end && isdig(x, i + 1) &&
                   (c == 0xD7 || c == '+' || c == '=')) {
            /* 7×24小时 七乘二十四小时, 1+1 一加一 */
            put(x, c == '+' ? "加" : c == '=' ? "等于" : "乘");
            i++;
        } else if (c == '#' && i == x->num_end && i > 0 && isdig(x, i - 1)) {
            put(x, "号"); /* 18#楼 十八号楼, as site plans write it */
            i++;
        } else if (c == '+' && plus_joins(x, i)) {
            put(x, "加");
            i++;
        } else if (c == '+' && isdig(x, i + 1) && i > 0 &&
                   (islat(x->c[i - 1]) || isdig(x, i - 1))) {
            /* 12GB+256GB, K1568+300: a sum or a stake, 加 */
            put(x, "加");
            i++;
        } else if (c == ':' && i == x->num_end && i > 0 && isdig(x, i - 1) &&
                   isdig(x, i + 1)) {
            /* 1.05:1: a ratio with a decimal (clock times have none) */
            put(x, "比");
            i++;
        } else if (c == '/' && i == x->num_end && i > 0 && !isdig(x, i - 1) &&
                   (isdig(x, i + 1) || unit_at(x, i + 1, &len))) {
            /* 156mg/100ml, 5mg/kg: per a measured amount or a unit,
             * 每一百毫升, 每公斤 */
            const unit *u = isdig(x, i + 1) ? NULL : unit_at(x, i + 1, &len);
            put(x, "每");
            i++;
            if (u) {
                put(x, u->word);
                i += len;
            }
        } else if (c == '+' && isdig(x, i + 1)) {
            i = plus_sign(x, i);
        } else if ((j = number_sign_no(x, i))) {
            i = j;
        } else if (isdig(x, i)) {
            i = number_at(x, i);
        } else if (list_marker(x, i) || roman(x, i)) {
            i++;
        } else if (c == '%') {
            put(x, "百分号");
            i++;
        } else if (c == 0x2030) {
            put(x, "千分号");
            i++;
        } else if (c == 0x2103) {
            put(x, "摄氏度");
            i++;
        } else {
            /* full-width letters are written folded; everything else,
             * Chinese punctuation included, as written */
            putcp(x, islat(c) ? c : x->o[i]);
            i++;
        }
    }
}

tn *tn_create(err *e)
{
    tn *t = calloc(1, sizeof *t);
    if (!t)
        err_set(e, ERR_NOMEM, NULL, 0, 0, "tn: out of memory");
    return t;
}

void tn_free(tn *t)
{
    free(t);
}

char *tn_normalize(const tn *t, const char *text, size_t len, const char *src,
                   int line, err *e)
{
    (void)t;
    char *res = NULL;
    strbuf out = {0};
    uint32_t *c = malloc((len + 1) * sizeof *c);
    uint32_t *o = malloc((len + 1) * sizeof *o);
    if (!c || !o) {
        err_set(e, ERR_NOMEM, src, line, 0, "tn: out of memory");
        goto out;
    }
    size_t n = 0;
    for (size_t i = 0; i < len;) {
        size_t at_byte = i;
        int32_t u = utf8_next(text, len, &i);
        if (u <= 0) {
            int l, col;
            utf8_position(text, at_byte, &l, &col);
            err_set(e, ERR_PARSE, src, line, col,
                    u < 0 ? "tn: invalid UTF-8" : "tn: NUL byte in text");
            goto out;
        }
        o[n] = (uint32_t)u;
        c[n] = fold((uint32_t)u);
        n++;
    }
    ctx x = {c, o, n, &out, e, 0, NONE, NONE, NONE};
    run(&x);
    if (x.failed)
        goto out;
    res = strbuf_take(&out);
    if (!res)
        err_set(e, ERR_NOMEM, src, line, 0, "tn: out of memory");
out:
    strbuf_free(&out);
    free(c);
    free(o);
    return res;
}
