/* The simulator's configuration and generator object (ftz/simulate.h):
 * bounds, defaults, and the three per-type generators it holds
 * (simulate_customs.c, simulate_rail.c, simulate_registration.c; shared
 * parts in simulate_int.h). */
#include "ftz/simulate.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "ftz/rules.h"
#include "ftz/value.h"
#include "simulate_int.h"

#define DEFAULT_START_MS 1793462400000LL /* 2026-11-01T00:00:00+08:00 */
#define DEFAULT_PENDING_MAX 1024
#define DEFAULT_TRAINS_MAX 64
#define DEFAULT_RESEND_RATE 0.02

void ftz_sim_conf_defaults(ftz_sim_conf_t *conf) {
    memset(conf, 0, sizeof(*conf));
    conf->seed = 1;
    conf->start_ms = DEFAULT_START_MS;
    conf->days = 30;
    conf->revision_rate = 0.1;
    conf->pending_max = DEFAULT_PENDING_MAX;
    conf->rail_resend_rate = DEFAULT_RESEND_RATE;
    conf->rail_trains_max = DEFAULT_TRAINS_MAX;
    conf->registration_resend_rate = DEFAULT_RESEND_RATE;
}

ftz_sim_t *ftz_sim_new(const ftz_sim_conf_t *conf, char *errstr, size_t errstr_size) {
    ftz_sim_t *sim = NULL;

    if (!conf) {
        ftz_seterr(FTZ_ERR_INVALID_ARG, errstr, errstr_size, "simulator: no configuration");
        goto fail;
    }
    if (conf->days < 1 || conf->days > FTZ_SIM_DAYS_MAX) {
        ftz_seterr(FTZ_ERR_INVALID_ARG, errstr, errstr_size,
                   "simulator: days %d out of range 1..%d", conf->days, FTZ_SIM_DAYS_MAX);
        goto fail;
    }
    if (!(conf->revision_rate >= 0.0 && conf->revision_rate <= 1.0)) {
        ftz_seterr(FTZ_ERR_INVALID_ARG, errstr, errstr_size,
                   "simulator: revision rate %g out of range 0..1", conf->revision_rate);
        goto fail;
    }
    if (conf->pending_max < 1 || conf->pending_max > FTZ_SIM_PENDING_MAX) {
        ftz_seterr(FTZ_ERR_INVALID_ARG, errstr, errstr_size,
                   "simulator: pending_max %d out of range 1..%d", conf->pending_max,
                   FTZ_SIM_PENDING_MAX);
        goto fail;
    }
    if (!(conf->rail_resend_rate >= 0.0 && conf->rail_resend_rate <= 1.0)) {
        ftz_seterr(FTZ_ERR_INVALID_ARG, errstr, errstr_size,
                   "simulator: rail resend rate %g out of range 0..1", conf->rail_resend_rate);
        goto fail;
    }
    if (!(conf->registration_resend_rate >= 0.0 && conf->registration_resend_rate <= 1.0)) {
        ftz_seterr(FTZ_ERR_INVALID_ARG, errstr, errstr_size,
                   "simulator: registration resend rate %g out of range 0..1",
                   conf->registration_resend_rate);
        goto fail;
    }
    if (!(conf->dirty_rate >= 0.0 && conf->dirty_rate <= 1.0)) {
        ftz_seterr(FTZ_ERR_INVALID_ARG, errstr, errstr_size,
                   "simulator: dirty rate %g out of range 0..1", conf->dirty_rate);
        goto fail;
    }
    if (conf->rail_trains_max < 1 || conf->rail_trains_max > FTZ_SIM_TRAINS_MAX) {
        ftz_seterr(FTZ_ERR_INVALID_ARG, errstr, errstr_size,
                   "simulator: rail_trains_max %d out of range 1..%d", conf->rail_trains_max,
                   FTZ_SIM_TRAINS_MAX);
        goto fail;
    }
    /* Revisions and clearances run up to weeks past the window; keep all of
     * it from 1970 to before the end of the rules' timestamp range (3000),
     * so that every record not made dirty on purpose passes the rules. */
    if (conf->start_ms < 0 ||
        conf->start_ms > FTZ_TIME_MAX_MS - (int64_t)(conf->days + 400) * FTZ_SIM_MS_PER_DAY) {
        char when[40];
        ftz_time_format(conf->start_ms, when, sizeof(when));
        ftz_seterr(FTZ_ERR_INVALID_ARG, errstr, errstr_size,
                   "simulator: start %s out of range: from 1970, and the window (--days) plus "
                   "400 days must end before 3000-01-01, where the rules' timestamps end",
                   when);
        goto fail;
    }

    if (!(sim = calloc(1, sizeof(*sim)))) {
        ftz_seterr(FTZ_ERR_NOMEM, errstr, errstr_size, "simulator: out of memory");
        goto fail;
    }
    sim->conf = *conf;
    if (ftz_sim_calendar_init(&sim->cal, conf->start_ms, conf->days) != FTZ_OK ||
        !(sim->customs = ftz_sim_customs_new(&sim->conf, &sim->cal)) ||
        !(sim->rail = ftz_sim_rail_new(&sim->conf)) ||
        !(sim->registration = ftz_sim_registration_new(&sim->conf, &sim->cal))) {
        ftz_seterr(FTZ_ERR_NOMEM, errstr, errstr_size, "simulator: out of memory");
        goto fail;
    }
    for (int t = 0; conf->dirty_rate > 0 && t < FTZ_REC__COUNT; t++)
        if (!(sim->dirty[t] = ftz_sim_dirty_new(&sim->conf, (ftz_rtype_t)t))) {
            ftz_seterr(FTZ_ERR_NOMEM, errstr, errstr_size, "simulator: out of memory");
            goto fail;
        }
    return sim;
fail:
    ftz_sim_destroy(sim);
    return NULL;
}

void ftz_sim_destroy(ftz_sim_t *sim) {
    if (!sim)
        return;
    for (int t = 0; t < FTZ_REC__COUNT; t++)
        ftz_sim_dirty_destroy(sim->dirty[t]);
    ftz_sim_customs_destroy(sim->customs);
    ftz_sim_rail_destroy(sim->rail);
    ftz_sim_registration_destroy(sim->registration);
    ftz_sim_calendar_free(&sim->cal);
    free(sim);
}

ftz_err_t ftz_sim_clean_next(ftz_sim_t *sim, ftz_rtype_t type, void *out) {
    switch (type) {
    case FTZ_REC_CUSTOMS: return ftz_sim_customs_next(sim->customs, out);
    case FTZ_REC_RAIL: return ftz_sim_rail_next(sim->rail, out);
    case FTZ_REC_REGISTRATION: return ftz_sim_registration_next(sim->registration, out);
    case FTZ_REC__COUNT: break;
    }
    return FTZ_ERR_INVALID_ARG;
}

ftz_err_t ftz_sim_next_info(ftz_sim_t *sim, ftz_rtype_t type, void *out, ftz_sim_info_t *info) {
    if (!sim || !out || (unsigned)type >= FTZ_REC__COUNT)
        return FTZ_ERR_INVALID_ARG;
    if (sim->dirty[type])
        return ftz_sim_dirty_next(sim->dirty[type], sim, out, info);
    if (info) {
        info->kind = FTZ_SIM_CLEAN;
        info->code = -1;
    }
    return ftz_sim_clean_next(sim, type, out);
}

ftz_err_t ftz_sim_next(ftz_sim_t *sim, ftz_rtype_t type, void *out) {
    return ftz_sim_next_info(sim, type, out, NULL);
}

ftz_err_t ftz_sim_next_customs(ftz_sim_t *sim, ftz_customs_t *out) {
    return ftz_sim_next_info(sim, FTZ_REC_CUSTOMS, out, NULL);
}

ftz_err_t ftz_sim_next_rail(ftz_sim_t *sim, ftz_rail_t *out) {
    return ftz_sim_next_info(sim, FTZ_REC_RAIL, out, NULL);
}

ftz_err_t ftz_sim_next_registration(ftz_sim_t *sim, ftz_registration_t *out) {
    return ftz_sim_next_info(sim, FTZ_REC_REGISTRATION, out, NULL);
}

size_t ftz_sim_pending(const ftz_sim_t *sim) {
    return sim ? ftz_sim_customs_pending(sim->customs) : 0;
}

size_t ftz_sim_trains(const ftz_sim_t *sim) { return sim ? ftz_sim_rail_trains(sim->rail) : 0; }

const char *ftz_sim_kind_name(ftz_sim_kind_t kind) {
    static const char *const names[FTZ_SIM__KINDS] = {
        [FTZ_SIM_CLEAN] = "clean",   [FTZ_SIM_BROKEN] = "broken",   [FTZ_SIM_RESEND] = "resend",
        [FTZ_SIM_STALE] = "stale",   [FTZ_SIM_MOVED] = "moved",     [FTZ_SIM_VARIANT] = "variant",
        [FTZ_SIM_LATE] = "late",
    };
    return (unsigned)kind < FTZ_SIM__KINDS ? names[kind] : "?";
}

uint64_t ftz_sim_magnitude(ftz_rtype_t type, int days) {
    double per_day = type == FTZ_REC_CUSTOMS ? FTZ_SIM_CUSTOMS_PER_DAY
                     : type == FTZ_REC_RAIL  ? FTZ_SIM_RAIL_EVENTS_PER_DAY
                                             : FTZ_SIM_REGISTRATIONS_PER_DAY;
    double n = per_day * (days > 0 ? days : 1);
    return n < 1 ? 1 : (uint64_t)llround(n);
}

uint64_t ftz_sim_repeats(const ftz_sim_t *sim, ftz_rtype_t type) {
    if (!sim)
        return 0;
    switch (type) {
    case FTZ_REC_CUSTOMS: return ftz_sim_customs_repeats(sim->customs);
    case FTZ_REC_RAIL: return ftz_sim_rail_repeats(sim->rail);
    case FTZ_REC_REGISTRATION: return ftz_sim_registration_repeats(sim->registration);
    case FTZ_REC__COUNT: break;
    }
    return 0;
}
