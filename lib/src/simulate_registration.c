/* The company registrations of the simulator (ftz/simulate.h): areas,
 * enterprise types, investors, industries, names, registered capital and
 * valid, unique USCCs, with re-sends. The stream's PRNG is derived from
 * the seed with its own tag. */
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ftz/value.h"
#include "simulate_int.h"

#if defined(__clang__)
#pragma STDC FP_CONTRACT OFF
#endif

#define REG_SEED_TAG 0x7265672d636f6d70ULL /* "reg-comp" */

/* Indexed by ftz_area_t: SHENYANG, YINGKOU, DALIAN. The provincial
 * capital's area registers about as many companies as Dalian's. */
static const unsigned reg_area_weight[3] = {40, 22, 38};
static const char *const area_city_zh[3] = {"沈阳", "营口", "大连"};
static const char *const area_city_en[3] = {"Shenyang", "Yingkou", "Dalian"};

/* GB/T 2260 codes of the registering authority, positions 3-8 of the
 * uscc: the city's, or the district of the zone's area (Hunnan,
 * Bayuquan, Jinzhou). */
static const char *const region_codes[3][2] = {
    {"210100", "210112"}, {"210800", "210804"}, {"210200", "210213"}};
static const unsigned region_weight[2] = {45, 55};

/* ftz_enterprise_type_t by area: DOMESTIC, FOREIGN_INVESTED, JOINT_VENTURE.
 * Japanese and Korean firms cluster in Dalian. */
static const unsigned enterprise_weight[3][3] = {{90, 6, 4}, {92, 5, 3}, {84, 11, 5}};

/* The foreign investor of FOREIGN_INVESTED and JOINT_VENTURE companies. */
static const ftz_sim_partner_t investors[] = {
    {"JP", 30}, {"KR", 26}, {"US", 10}, {"SG", 8}, {"HK", 8}, {"DE", 6}, {"RU", 3},
    {"GB", 2},  {"VG", 2},  {"FR", 1},  {"AU", 1}, {"CA", 1}, {"NL", 1}, {"IT", 1},
    {"MY", 1},
};

/* GB/T 4754 sections A-T, by DOMESTIC and foreign: trade (F), leasing and
 * business services (L), IT (I), manufacturing (C) and transport (G)
 * lead. Public administration (S) and international organizations (T)
 * do not register companies. */
static const unsigned industry_weight[2][20] = {
    /* A  B   C  D  E   F   G  H   I  J  K   L  M  N  O  P  Q  R  S  T */
    {2, 1, 8, 1, 4, 30, 8, 3, 12, 2, 2, 16, 6, 1, 2, 1, 1, 2, 0, 0},
    {1, 0, 18, 1, 2, 30, 12, 2, 10, 2, 2, 12, 6, 0, 1, 1, 1, 1, 0, 0},
};
/* Capital relative to the median (percent): mines, utilities, finance and
 * property need more; shops and services less. */
static const unsigned industry_capital_pct[20] = {
    80, 300, 200, 300, 150, 60, 120, 50, 70, 400, 400, 100, 80, 120, 40, 60, 100, 60, 100, 100,
};

/* Registered capital: log-normal around a median by enterprise type. The
 * sigma makes the mean (about 14 million) four to five times the median,
 * the long tail of a few large projects. */
static const double capital_median_cny[3] = {3300000, 7000000, 10000000};
#define CAPITAL_SIGMA 1.55
#define CAPITAL_MIN_CNY 10000.0
#define CAPITAL_MAX_CNY 20000000000.0 /* 20 billion */
#define USD_100_FEN 71268            /* fen per 100 USD: 7.1268 CNY per USD */
#define REG_RESEND_GAP 1000          /* a re-send comes 1..1000 records later */

typedef struct sim_word_s {
    const char *zh, *en;
} sim_word_t;

/* Business words of each section, for names. */
static const sim_word_t words_a[] = {{"农业科技", "Agricultural Technology"},
                                     {"水产养殖", "Aquaculture"}};
static const sim_word_t words_b[] = {{"矿业", "Mining"}};
static const sim_word_t words_c[] = {{"机械制造", "Machinery Manufacturing"},
                                     {"精密部件", "Precision Parts"},
                                     {"电子科技", "Electronics"},
                                     {"汽车零部件", "Auto Parts"},
                                     {"新材料", "New Materials"}};
static const sim_word_t words_d[] = {{"新能源", "New Energy"}, {"热力", "Heating"}};
static const sim_word_t words_e[] = {{"建设工程", "Construction Engineering"},
                                     {"建筑安装", "Building Installation"}};
static const sim_word_t words_f[] = {{"贸易", "Trading"},
                                     {"国际贸易", "International Trading"},
                                     {"商贸", "Commerce"},
                                     {"进出口", "Import & Export"},
                                     {"食品销售", "Food Sales"}};
static const sim_word_t words_g[] = {{"物流", "Logistics"},
                                     {"国际物流", "International Logistics"},
                                     {"国际货运代理", "International Freight Forwarding"},
                                     {"航运", "Shipping"},
                                     {"仓储", "Warehousing"}};
static const sim_word_t words_h[] = {{"餐饮管理", "Catering Management"},
                                     {"酒店管理", "Hotel Management"}};
static const sim_word_t words_i[] = {{"信息技术", "Information Technology"},
                                     {"网络科技", "Network Technology"},
                                     {"软件", "Software"},
                                     {"数据科技", "Data Technology"}};
static const sim_word_t words_j[] = {{"投资", "Investment"}, {"商业保理", "Commercial Factoring"}};
static const sim_word_t words_k[] = {{"置业", "Property"},
                                     {"房地产开发", "Real Estate Development"}};
static const sim_word_t words_l[] = {{"商务咨询", "Business Consulting"},
                                     {"供应链管理", "Supply Chain Management"},
                                     {"企业管理", "Enterprise Management"},
                                     {"融资租赁", "Financial Leasing"},
                                     {"人力资源", "Human Resources"}};
static const sim_word_t words_m[] = {{"检测技术", "Testing Technology"},
                                     {"工程设计", "Engineering Design"},
                                     {"生物科技", "Biotechnology"}};
static const sim_word_t words_n[] = {{"环保科技", "Environmental Technology"}};
static const sim_word_t words_o[] = {{"家政服务", "Household Services"},
                                     {"汽车维修", "Auto Repair"}};
static const sim_word_t words_p[] = {{"教育科技", "Education Technology"},
                                     {"职业培训", "Vocational Training"}};
static const sim_word_t words_q[] = {{"健康管理", "Health Management"}};
static const sim_word_t words_r[] = {{"文化传媒", "Culture & Media"},
                                     {"体育发展", "Sports Development"}};
static const sim_word_t words_s[] = {{"社会服务", "Social Services"}};

static const struct {
    const sim_word_t *w;
    int n;
} industry_words[20] = {
#define W(a) {a, (int)FTZ_ARRAY_SIZE(a)}
    W(words_a), W(words_b), W(words_c), W(words_d), W(words_e), W(words_f), W(words_g),
    W(words_h), W(words_i), W(words_j), W(words_k), W(words_l), W(words_m), W(words_n),
    W(words_o), W(words_p), W(words_q), W(words_r), W(words_s), W(words_s),
#undef W
};

/* Characters of trade names, with their pinyin (each begins with a
 * consonant, so that two of them read unambiguously run together). */
static const sim_word_t brand_chars[] = {
    {"海", "hai"},   {"运", "yun"},  {"华", "hua"},   {"信", "xin"},   {"东", "dong"},
    {"方", "fang"},  {"金", "jin"},  {"桥", "qiao"},  {"远", "yuan"},  {"洋", "yang"},
    {"恒", "heng"},  {"通", "tong"}, {"港", "gang"},  {"德", "de"},    {"润", "run"},
    {"瑞", "rui"},   {"丰", "feng"}, {"鑫", "xin"},   {"源", "yuan"},  {"泰", "tai"},
    {"和", "he"},    {"中", "zhong"}, {"荣", "rong"}, {"嘉", "jia"},   {"禾", "he"},
    {"辽", "liao"},  {"宁", "ning"}, {"星", "xing"},  {"辰", "chen"},  {"博", "bo"},
    {"汇", "hui"},   {"隆", "long"}, {"盛", "sheng"}, {"鹏", "peng"},  {"宏", "hong"},
    {"达", "da"},    {"祥", "xiang"}, {"福", "fu"},   {"天", "tian"},  {"成", "cheng"},
    {"北", "bei"},   {"联", "lian"}, {"创", "chuang"}, {"智", "zhi"},  {"启", "qi"},
    {"明", "ming"},  {"诚", "cheng"}, {"益", "yi"},   {"康", "kang"},  {"峰", "feng"},
    {"林", "lin"},   {"帆", "fan"},  {"航", "hang"},  {"舟", "zhou"},  {"凯", "kai"},
    {"锦", "jin"},   {"腾", "teng"}, {"新", "xin"},   {"晟", "sheng"}, {"沃", "wo"},
};

/* English trade names of foreign investors, by country. */
static const struct {
    const char *cc;
    const char *names[5];
} foreign_brands[] = {
    {"JP", {"Sakura", "Hinode", "Kaiyo", "Midori", "Tsubasa"}},
    {"KR", {"Hanbit", "Saerom", "Haneul", "Mirae", "Dasom"}},
    {"US", {"Pacific", "Summit", "Liberty", "Frontier", "Evergreen"}},
    {"SG", {"Merlion", "Straits", "Temasek", "Orchid", "Lion Gate"}},
    {"HK", {"Harbour", "Victoria", "Kowloon", "Peak", "Jade"}},
    {"DE", {"Nordstern", "Rhein", "Elbe", "Lindgruen", "Bergmann"}},
};

static const unsigned zh_suffix_weight[3] = {88, 8, 4};
static const char *const zh_suffix[3] = {"有限公司", "有限责任公司", "股份有限公司"};

static void pick_company_name(ftz_sim_rng_t *r, int area, int type, const char *investor,
                              int industry, char *out, size_t out_size) {
    const sim_word_t *word =
        &industry_words[industry].w[ftz_sim_rng_below(r, (uint64_t)industry_words[industry].n)];
    int a = (int)ftz_sim_rng_below(r, FTZ_ARRAY_SIZE(brand_chars)), b;
    do
        b = (int)ftz_sim_rng_below(r, FTZ_ARRAY_SIZE(brand_chars));
    while (b == a);
    const sim_word_t *c1 = &brand_chars[a], *c2 = &brand_chars[b];
    unsigned english_pct = type == FTZ_ENT_DOMESTIC ? 8 : 45;

    if (ftz_sim_rng_below(r, 100) < english_pct) {
        /* "Dalian Haiyun Trading Co., Ltd.", or the investor's own name. */
        char brand[40];
        const char *foreign = NULL;
        for (int i = 0; i < (int)FTZ_ARRAY_SIZE(foreign_brands) && type != FTZ_ENT_DOMESTIC; i++)
            if (strcmp(foreign_brands[i].cc, investor) == 0)
                foreign = foreign_brands[i].names[ftz_sim_rng_below(r, 5)];
        if (foreign)
            snprintf(brand, sizeof(brand), "%s", foreign);
        else
            snprintf(brand, sizeof(brand), "%c%s%s", c1->en[0] - 'a' + 'A', c1->en + 1, c2->en);
        snprintf(out, out_size, "%s %s %s Co., Ltd.", area_city_en[area], brand, word->en);
        return;
    }
    const char *suffix = zh_suffix[ftz_sim_rng_pick(r, zh_suffix_weight, 3)];
    if (ftz_sim_rng_below(r, 100) < 12) /* "海运（大连）物流有限公司": a brand from elsewhere */
        snprintf(out, out_size, "%s%s（%s）%s%s", c1->zh, c2->zh, area_city_zh[area], word->zh,
                 suffix);
    else
        snprintf(out, out_size, "%s%s%s%s%s", area_city_zh[area], c1->zh, c2->zh, word->zh,
                 suffix);
}

/* Rounds a positive amount the way founders write it: to 1, 2, 3 or 5
 * times a power of ten, or to two significant digits. */
static double round_preferred(double x) {
    double p = 1.0;
    while (p * 10.0 <= x)
        p *= 10.0;
    double m = x / p;
    /* Nearest on a log scale: the cut points are the geometric means. */
    if (m < 1.4142135623730951)
        return p;
    if (m < 2.449489742783178)
        return 2 * p;
    if (m < 3.872983346207417)
        return 3 * p;
    if (m < 7.0710678118654755)
        return 5 * p;
    return 10 * p;
}

static double round_significant2(double x) {
    double p = 1.0;
    while (p * 10.0 <= x)
        p *= 10.0;
    p = p >= 10.0 ? p / 10.0 : 1.0;
    return (double)llround(x / p) * p;
}

static int64_t pick_capital_fen(ftz_sim_rng_t *r, int type, int industry) {
    double median = capital_median_cny[type] * industry_capital_pct[industry] / 100.0;
    double cny = ftz_sim_rng_lognormal(r, median, CAPITAL_SIGMA);
    if (cny < CAPITAL_MIN_CNY)
        cny = CAPITAL_MIN_CNY;
    if (cny > CAPITAL_MAX_CNY)
        cny = CAPITAL_MAX_CNY;
    unsigned u = (unsigned)ftz_sim_rng_below(r, 100);
    if (type != FTZ_ENT_DOMESTIC && u < 30) {
        /* Subscribed in US dollars (a round sum of at least 10,000),
         * recorded in yuan at a fixed rate: odd sums like 7,126,800.00. */
        double usd = round_preferred(cny * 10000.0 / USD_100_FEN);
        if (usd < 10000.0)
            usd = 10000.0;
        return (int64_t)usd / 100 * USD_100_FEN;
    }
    if (u < 78)
        cny = round_preferred(cny);
    else if (u < 95)
        cny = round_significant2(cny);
    else
        cny = (double)llround(cny / 10000.0) * 10000.0;
    if (cny < CAPITAL_MIN_CNY)
        cny = CAPITAL_MIN_CNY;
    return (int64_t)cny * 100;
}

/* A bijection of [0, 31^6): four Feistel rounds over two halves of 31^3,
 * keyed by the seed. Consecutive registrations get unrelated serials, and
 * no serial comes twice. */
#define USCC_HALF 29791ULL /* 31^3 */
#define USCC_SERIALS (USCC_HALF * USCC_HALF)

static uint64_t uscc_permute(const uint64_t keys[4], uint64_t n) {
    uint64_t l = n / USCC_HALF, r = n % USCC_HALF;
    for (int i = 0; i < 4; i++) {
        uint64_t f = ftz_sim_mix64(r ^ keys[i]) % USCC_HALF, nl = r;
        r = (l + f) % USCC_HALF;
        l = nl;
    }
    return l * USCC_HALF + r;
}

static const char uscc_charset[] = "0123456789ABCDEFGHJKLMNPQRTUWXY";

/* "91" (a company registered with market regulation), the region code,
 * then the organization code "MA" + six characters + its GB 11714 check
 * character, then the GB 32100-2015 check character. */
static void make_uscc(const char *region, uint64_t serial, char out[19]) {
    static const int org_weights[8] = {3, 7, 9, 10, 5, 8, 4, 2};
    static const int weights[17] = {1,  3,  9,  27, 19, 26, 16, 17, 20,
                                    29, 25, 13, 8,  24, 10, 30, 28};
    char *org = out + 8;
    memcpy(out, "91", 2);
    memcpy(out + 2, region, 6);
    org[0] = 'M';
    org[1] = 'A';
    for (int i = 7; i >= 2; i--) {
        org[i] = uscc_charset[serial % 31];
        serial /= 31;
    }
    int sum = 0;
    for (int i = 0; i < 8; i++) {
        char ch = org[i];
        int v = ch >= '0' && ch <= '9' ? ch - '0' : ch - 'A' + 10;
        sum += v * org_weights[i];
    }
    int c9 = 11 - sum % 11;
    org[8] = c9 == 10 ? 'X' : c9 == 11 ? '0' : (char)('0' + c9);
    sum = 0;
    for (int i = 0; i < 17; i++)
        sum += (int)(strchr(uscc_charset, out[i]) - uscc_charset) * weights[i];
    int check = 31 - sum % 31;
    out[17] = uscc_charset[check == 31 ? 0 : check];
    out[18] = '\0';
}

struct ftz_sim_registration_s {
    const ftz_sim_conf_t *conf;    /* borrowed, of the ftz_sim_t */
    const ftz_sim_calendar_t *cal; /* borrowed, of the ftz_sim_t */
    ftz_sim_rng_t rng;
    uint64_t uscc_keys[4];         /* of the serial permutation */
    uint64_t count;                /* new registrations so far */
    ftz_sim_resend_t resend;
    uint64_t emitted, resent;
};

ftz_sim_registration_t *ftz_sim_registration_new(const ftz_sim_conf_t *conf,
                                                 const ftz_sim_calendar_t *cal) {
    ftz_sim_registration_t *g = calloc(1, sizeof(*g));
    if (!g)
        return NULL;
    g->conf = conf;
    g->cal = cal;
    ftz_sim_rng_seed(&g->rng, ftz_sim_mix64(conf->seed ^ REG_SEED_TAG));
    for (int i = 0; i < 4; i++)
        g->uscc_keys[i] = ftz_sim_rng_next(&g->rng);
    return g;
}

void ftz_sim_registration_destroy(ftz_sim_registration_t *g) {
    if (!g)
        return;
    ftz_sim_resend_free(&g->resend);
    free(g);
}

uint64_t ftz_sim_registration_repeats(const ftz_sim_registration_t *g) { return g->resent; }

ftz_err_t ftz_sim_registration_next(ftz_sim_registration_t *g, ftz_registration_t *out) {
    if (ftz_sim_resend_ready(&g->resend, sizeof(*out)) != FTZ_OK)
        return FTZ_ERR_NOMEM;
    if (ftz_sim_resend_take(&g->resend, g->emitted, out)) {
        g->emitted++;
        g->resent++;
        return FTZ_OK;
    }
    if (g->count >= USCC_SERIALS)
        return FTZ_ERR_FATAL;

    ftz_sim_rng_t *r = &g->rng;
    memset(out, 0, sizeof(*out));
    int area = ftz_sim_rng_pick(r, reg_area_weight, 3);
    int type = ftz_sim_rng_pick(r, enterprise_weight[area], 3);
    const char *investor = type == FTZ_ENT_DOMESTIC
                               ? "CN"
                               : ftz_sim_pick_from(r, investors, (int)FTZ_ARRAY_SIZE(investors));
    int industry = ftz_sim_rng_pick(r, industry_weight[type != FTZ_ENT_DOMESTIC], 20);
    const char *region = region_codes[area][ftz_sim_rng_pick(r, region_weight, 2)];

    out->area = area;
    out->enterprise_type = type;
    snprintf(out->investor_country, sizeof(out->investor_country), "%s", investor);
    out->industry[0] = (char)('A' + industry);
    out->registered_capital_fen = pick_capital_fen(r, type, industry);
    pick_company_name(r, area, type, investor, industry, out->company_name,
                      sizeof(out->company_name));
    make_uscc(region, uscc_permute(g->uscc_keys, g->count++), out->uscc);
    out->registered_at_ms = ftz_sim_office_time(g->cal, r);
    /* Published a minute to two days after approval, usually within the hour. */
    int64_t lag = FTZ_SIM_MS_PER_S * 60 +
                  (int64_t)llround(ftz_sim_rng_lognormal(r, 1800.0, 1.0) * FTZ_SIM_MS_PER_S);
    if (lag > 2 * FTZ_SIM_MS_PER_DAY)
        lag = 2 * FTZ_SIM_MS_PER_DAY;
    out->event_time_ms = out->registered_at_ms + lag;

    if (ftz_sim_rng_unif(r) < g->conf->registration_resend_rate) {
        /* The registry publishes it again, hours or days later. */
        ftz_registration_t again;
        memcpy(&again, out, sizeof(again));
        again.event_time_ms +=
            FTZ_SIM_MS_PER_H + (int64_t)ftz_sim_rng_below(r, 71 * FTZ_SIM_MS_PER_H);
        ftz_sim_resend_push(&g->resend, &again,
                            g->emitted + 1 + ftz_sim_rng_below(r, REG_RESEND_GAP));
    }
    g->emitted++;
    return FTZ_OK;
}
