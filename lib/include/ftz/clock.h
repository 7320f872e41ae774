/* Seconds as doubles: a monotonic clock for intervals and timeouts, and
 * wall-clock Unix time for what is shown or exported (metrics). Any
 * thread. */
#ifndef FTZ_CLOCK_H
#define FTZ_CLOCK_H

double ftz_clock_mono(void);
double ftz_clock_unix(void);

#endif
