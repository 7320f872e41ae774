/* The simulator's random source (simulate_int.h): xoshiro256** seeded by
 * splitmix64 (Blackman and Vigna), uniform, bounded, normal, log-normal
 * and weighted draws, and exp() from + and * only, so that a seed gives the
 * same stream on any machine with IEEE 754 doubles. */
#include <math.h>

#include "simulate_int.h"

#if defined(__clang__)
#pragma STDC FP_CONTRACT OFF
#endif

static uint64_t splitmix64(uint64_t *x) {
    uint64_t z = (*x += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
}

uint64_t ftz_sim_mix64(uint64_t z) {
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
}

static uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

void ftz_sim_rng_seed(ftz_sim_rng_t *r, uint64_t seed) {
    for (int i = 0; i < 4; i++)
        r->s[i] = splitmix64(&seed);
}

uint64_t ftz_sim_rng_next(ftz_sim_rng_t *r) {
    uint64_t *s = r->s;
    const uint64_t result = rotl(s[1] * 5, 7) * 9;
    const uint64_t t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 45);
    return result;
}

/* Uniform in [0, 1), 53 bits. */
double ftz_sim_rng_unif(ftz_sim_rng_t *r) {
    return (double)(ftz_sim_rng_next(r) >> 11) * 0x1.0p-53;
}

/* Uniform in [lo, hi). */
double ftz_sim_rng_range(ftz_sim_rng_t *r, double lo, double hi) {
    double u = ftz_sim_rng_unif(r);
    double span = hi - lo;
    u = u * span;
    return lo + u;
}

/* Uniform integer in [0, n), n > 0, without modulo bias. */
uint64_t ftz_sim_rng_below(ftz_sim_rng_t *r, uint64_t n) {
    uint64_t limit = UINT64_MAX - UINT64_MAX % n, x;
    do
        x = ftz_sim_rng_next(r);
    while (x >= limit);
    return x % n;
}

/* Standard normal, approximately: the Irwin-Hall sum of 12 uniforms
 * minus 6 (mean 0, variance 1, tails cut at 6 sigma, which keeps the
 * long tails long but finite). */
static double rng_normal(ftz_sim_rng_t *r) {
    double sum = 0;
    for (int i = 0; i < 12; i++)
        sum += ftz_sim_rng_unif(r);
    return sum - 6.0;
}

/* exp(x) from + and * only: exp(x) = 2^k exp(t), |t| <= ln2/2, Taylor
 * series to t^12 (relative error below 2e-16 there). */
static double sim_exp(double x) {
    static const double inv_fact[] = {
        1.0,           1.0,           1.0 / 2,        1.0 / 6,         1.0 / 24,
        1.0 / 120,     1.0 / 720,     1.0 / 5040,     1.0 / 40320,     1.0 / 362880,
        1.0 / 3628800, 1.0 / 39916800, 1.0 / 479001600,
    };
    if (x > 700.0)
        x = 700.0;
    if (x < -700.0)
        x = -700.0;
    double k = x * 1.4426950408889634; /* log2(e) */
    k = floor(k + 0.5);
    double kln2 = k * 0.6931471805599453;
    double t = x - kln2;
    double p = inv_fact[12];
    for (int i = 11; i >= 0; i--) {
        p = p * t;
        p = p + inv_fact[i];
    }
    return ldexp(p, (int)k);
}

/* Log-normal with the given median; sigma is that of the logarithm. */
double ftz_sim_rng_lognormal(ftz_sim_rng_t *r, double median, double sigma) {
    double z = rng_normal(r) * sigma;
    return median * sim_exp(z);
}

/* Index drawn with probability w[i] / sum(w); sum(w) must be > 0. */
int ftz_sim_rng_pick(ftz_sim_rng_t *r, const unsigned *w, int n) {
    uint64_t total = 0;
    for (int i = 0; i < n; i++)
        total += w[i];
    uint64_t x = ftz_sim_rng_below(r, total);
    for (int i = 0; i < n; i++) {
        if (x < w[i])
            return i;
        x -= w[i];
    }
    return n - 1; /* not reached */
}

const char *ftz_sim_pick_from(ftz_sim_rng_t *r, const ftz_sim_partner_t *t, int n) {
    unsigned w[64];
    for (int i = 0; i < n; i++)
        w[i] = t[i].w;
    return t[ftz_sim_rng_pick(r, w, n)].cc;
}
