#include "ftz/err.h"

#include <stdarg.h>
#include <stdio.h>

const char *ftz_err_name(ftz_err_t err) {
    switch (err) {
    case FTZ_OK: return "FTZ_OK";
    case FTZ_ERR_INVALID_ARG: return "FTZ_ERR_INVALID_ARG";
    case FTZ_ERR_NOMEM: return "FTZ_ERR_NOMEM";
    case FTZ_ERR_IO: return "FTZ_ERR_IO";
    case FTZ_ERR_POISON: return "FTZ_ERR_POISON";
    case FTZ_ERR_RETRIABLE: return "FTZ_ERR_RETRIABLE";
    case FTZ_ERR_FENCED: return "FTZ_ERR_FENCED";
    case FTZ_ERR_FATAL: return "FTZ_ERR_FATAL";
    }
    return "FTZ_ERR_UNKNOWN";
}

ftz_err_t ftz_seterr(ftz_err_t err, char *errstr, size_t errstr_size,
                     const char *fmt, ...) {
    if (errstr && errstr_size > 0) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(errstr, errstr_size, fmt, ap);
        va_end(ap);
    }
    return err;
}
