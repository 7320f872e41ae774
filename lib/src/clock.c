#include "ftz/clock.h"

#include <time.h>

static double seconds(clockid_t id) {
    struct timespec ts;
    clock_gettime(id, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

double ftz_clock_mono(void) { return seconds(CLOCK_MONOTONIC); }

double ftz_clock_unix(void) { return seconds(CLOCK_REALTIME); }
