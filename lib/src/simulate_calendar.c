/* The simulator's calendar (simulate_int.h): instants in Shanghai office
 * hours over the window, more on weekdays, for filed_at and
 * registered_at. */
#include <stdlib.h>
#include <string.h>

#include "simulate_int.h"

/* Filing activity by Shanghai hour of day (office hours) and weekday
 * (Monday first; weekends are quiet). */
static const unsigned hour_weight[24] = {2,  1,  1,  1,  1,  2,  4,  10, 30, 55, 60, 55,
                                         30, 45, 55, 55, 50, 35, 20, 14, 10, 7,  5,  3};
static const unsigned weekday_weight[7] = {100, 100, 100, 100, 100, 35, 20};

static int weekday_of_local_day(int64_t local_day) {
    return (int)((local_day + 3) % 7); /* 1970-01-01 was a Thursday; Monday = 0 */
}

ftz_err_t ftz_sim_calendar_init(ftz_sim_calendar_t *cal, int64_t start_ms, int days) {
    memset(cal, 0, sizeof(*cal));
    if (!(cal->day_cum = calloc((size_t)days, sizeof(*cal->day_cum))))
        return FTZ_ERR_NOMEM;
    cal->start_ms = start_ms;
    cal->days = days;

    int64_t start_local = start_ms + FTZ_SIM_SHANGHAI_OFFSET_MS;
    cal->first_local_day = start_local / FTZ_SIM_MS_PER_DAY;
    int start_hour = (int)(start_local % FTZ_SIM_MS_PER_DAY / FTZ_SIM_MS_PER_H);
    uint64_t cum = 0;
    for (int d = 0; d < days; d++) {
        /* The weekday of the middle of the d-th 24 hours after start. */
        int64_t mid = start_local + d * FTZ_SIM_MS_PER_DAY + 12 * FTZ_SIM_MS_PER_H;
        cum += weekday_weight[weekday_of_local_day(mid / FTZ_SIM_MS_PER_DAY)];
        cal->day_cum[d] = cum;
    }
    cum = 0;
    for (int h = 0; h < 24; h++) {
        cum += hour_weight[(start_hour + h) % 24];
        cal->hour_cum[h] = cum;
    }
    return FTZ_OK;
}

void ftz_sim_calendar_free(ftz_sim_calendar_t *cal) {
    free(cal->day_cum);
    cal->day_cum = NULL;
}

/* First index i with cum[i] > x (cum increasing, x < cum[n - 1]). */
static int cum_search(const uint64_t *cum, int n, uint64_t x) {
    int lo = 0, hi = n - 1;
    while (lo < hi) {
        int mid = lo + (hi - lo) / 2;
        if (cum[mid] > x)
            hi = mid;
        else
            lo = mid + 1;
    }
    return lo;
}

int64_t ftz_sim_office_time(const ftz_sim_calendar_t *cal, ftz_sim_rng_t *r) {
    int d = cum_search(cal->day_cum, cal->days,
                       ftz_sim_rng_below(r, cal->day_cum[cal->days - 1]));
    int h = cum_search(cal->hour_cum, 24, ftz_sim_rng_below(r, cal->hour_cum[23]));
    int64_t within = (int64_t)ftz_sim_rng_below(r, (uint64_t)FTZ_SIM_MS_PER_H);
    return cal->start_ms + d * FTZ_SIM_MS_PER_DAY + h * FTZ_SIM_MS_PER_H + within;
}
