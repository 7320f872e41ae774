#include "ftz/value.h"

#include <ctype.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

ftz_err_t ftz_decimal_parse(const char *s, int64_t *fen, char *errstr,
                            size_t errstr_size) {
    const char *p = s;
    int neg = 0, int_digits = 0, frac_digits = 0;
    int64_t v = 0;

    if (*p == '-' || *p == '+')
        neg = *p++ == '-';
    if (!isdigit((unsigned char)*p))
        goto bad;
    while (isdigit((unsigned char)*p)) {
        if (++int_digits > 16)
            return ftz_seterr(FTZ_ERR_INVALID_ARG, errstr, errstr_size,
                              "\"%s\" has more than 16 integer digits "
                              "(decimal(18,2))", s);
        v = v * 10 + (*p++ - '0');
    }
    if (*p == '.') {
        p++;
        if (!isdigit((unsigned char)*p))
            goto bad;
        while (isdigit((unsigned char)*p)) {
            if (++frac_digits > 2)
                return ftz_seterr(FTZ_ERR_INVALID_ARG, errstr, errstr_size,
                                  "\"%s\" has more than 2 decimals", s);
            v = v * 10 + (*p++ - '0');
        }
    }
    if (*p)
        goto bad;
    for (; frac_digits < 2; frac_digits++)
        v *= 10;
    *fen = neg ? -v : v;
    return FTZ_OK;
bad:
    return ftz_seterr(FTZ_ERR_INVALID_ARG, errstr, errstr_size,
                      "\"%s\" is not a decimal number", s);
}

void ftz_decimal_format(int64_t fen, char *out, size_t out_size) {
    uint64_t mag = fen < 0 ? (uint64_t)0 - (uint64_t)fen : (uint64_t)fen;
    snprintf(out, out_size, "%s%" PRIu64 ".%02" PRIu64, fen < 0 ? "-" : "",
             mag / 100, mag % 100);
}

size_t ftz_decimal_to_bytes(int64_t fen, unsigned char out[8]) {
    size_t n = 8;
    /* Drop leading bytes that only repeat the sign. */
    while (n > 1) {
        int64_t shifted = fen >> (8 * (n - 1) - 1);
        if (shifted != 0 && shifted != -1)
            break;
        n--;
    }
    for (size_t i = 0; i < n; i++)
        out[i] = (unsigned char)((uint64_t)fen >> (8 * (n - 1 - i)));
    return n;
}

ftz_err_t ftz_decimal_from_bytes(const void *bytes, size_t len, int64_t *fen,
                                 char *errstr, size_t errstr_size) {
    const unsigned char *b = bytes;
    if (len == 0 || len > 16)
        return ftz_seterr(FTZ_ERR_POISON, errstr, errstr_size,
                          "decimal of %zu bytes (expected 1 to 16)", len);
    int neg = b[0] & 0x80;
    size_t skip = 0;
    /* Bytes beyond the low 8 must be pure sign extension. */
    for (; len - skip > 8; skip++)
        if (b[skip] != (neg ? 0xFF : 0x00))
            goto overflow;
    uint64_t v = neg ? UINT64_MAX : 0;
    for (size_t i = skip; i < len; i++)
        v = (v << 8) | b[i];
    int64_t s = (int64_t)v;
    if ((len - skip == 8) && ((s < 0) != (neg != 0)))
        goto overflow;
    if (s > FTZ_DECIMAL18_MAX || s < -FTZ_DECIMAL18_MAX)
        goto overflow;
    *fen = s;
    return FTZ_OK;
overflow:
    return ftz_seterr(FTZ_ERR_POISON, errstr, errstr_size,
                      "decimal does not fit precision 18");
}

/* Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant). */
static int64_t days_from_civil(int64_t y, unsigned m, unsigned d) {
    y -= m <= 2;
    const int64_t era = (y >= 0 ? y : y - 399) / 400;
    const unsigned yoe = (unsigned)(y - era * 400);
    const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + (int64_t)doe - 719468;
}

static void civil_from_days(int64_t z, int64_t *y, unsigned *m, unsigned *d) {
    z += 719468;
    const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    const unsigned doe = (unsigned)(z - era * 146097);
    const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    const unsigned mp = (5 * doy + 2) / 153;
    *d = doy - (153 * mp + 2) / 5 + 1;
    *m = mp < 10 ? mp + 3 : mp - 9;
    *y = (int64_t)yoe + era * 400 + (*m <= 2);
}

static int digits(const char **p, int n, int *out) {
    int v = 0;
    for (int i = 0; i < n; i++, (*p)++) {
        if (!isdigit((unsigned char)**p))
            return 0;
        v = v * 10 + (**p - '0');
    }
    *out = v;
    return 1;
}

ftz_err_t ftz_time_parse(const char *s, int64_t *ms, char *errstr,
                         size_t errstr_size) {
    const char *p = s;
    int y, mo, d, h, mi, sec, frac = 0, oh = 0, om = 0, sign = 1;
    static const int mdays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};

    if (!digits(&p, 4, &y) || *p++ != '-' || !digits(&p, 2, &mo) || *p++ != '-' ||
        !digits(&p, 2, &d) || (*p != 'T' && *p != 't' && *p != ' ') ||
        (p++, !digits(&p, 2, &h)) || *p++ != ':' || !digits(&p, 2, &mi) ||
        *p++ != ':' || !digits(&p, 2, &sec))
        goto bad;
    if (*p == '.') {
        int n = 0;
        p++;
        if (!isdigit((unsigned char)*p))
            goto bad;
        for (; isdigit((unsigned char)*p); p++, n++) {
            if (n < 3)
                frac = frac * 10 + (*p - '0');
            else if (*p != '0')
                return ftz_seterr(FTZ_ERR_INVALID_ARG, errstr, errstr_size,
                                  "\"%s\" is more precise than milliseconds", s);
        }
        for (; n < 3; n++)
            frac *= 10;
    }
    if (*p == 'Z' || *p == 'z') {
        p++;
    } else if (*p == '+' || *p == '-') {
        sign = *p++ == '-' ? -1 : 1;
        if (!digits(&p, 2, &oh) || *p++ != ':' || !digits(&p, 2, &om) || oh > 23 ||
            om > 59)
            goto bad;
    } else {
        return ftz_seterr(FTZ_ERR_INVALID_ARG, errstr, errstr_size,
                          "\"%s\" has no time zone (add Z or +08:00)", s);
    }
    if (*p)
        goto bad;
    if (mo < 1 || mo > 12 || d < 1 || d > mdays[mo - 1] ||
        (mo == 2 && d == 29 && !((y % 4 == 0 && y % 100 != 0) || y % 400 == 0)) ||
        h > 23 || mi > 59 || sec > 59)
        return ftz_seterr(FTZ_ERR_INVALID_ARG, errstr, errstr_size,
                          "\"%s\" is not a valid date and time", s);
    int64_t secs = days_from_civil(y, (unsigned)mo, (unsigned)d) * 86400 +
                   h * 3600 + mi * 60 + sec - sign * (oh * 3600 + om * 60);
    *ms = secs * 1000 + frac;
    return FTZ_OK;
bad:
    return ftz_seterr(FTZ_ERR_INVALID_ARG, errstr, errstr_size,
                      "\"%s\" is not an RFC 3339 timestamp", s);
}

void ftz_time_format(int64_t ms, char *out, size_t out_size) {
    int64_t secs = ms >= 0 ? ms / 1000 : -((-ms + 999) / 1000);
    int milli = (int)(ms - secs * 1000);
    int64_t days = secs >= 0 ? secs / 86400 : -((-secs + 86399) / 86400);
    int64_t rem = secs - days * 86400;
    int64_t y;
    unsigned m, d;
    civil_from_days(days, &y, &m, &d);
    if (milli)
        snprintf(out, out_size, "%04" PRId64 "-%02u-%02uT%02d:%02d:%02d.%03dZ", y, m, d,
                 (int)(rem / 3600), (int)(rem / 60 % 60), (int)(rem % 60), milli);
    else
        snprintf(out, out_size, "%04" PRId64 "-%02u-%02uT%02d:%02d:%02dZ", y, m, d,
                 (int)(rem / 3600), (int)(rem / 60 % 60), (int)(rem % 60));
}
