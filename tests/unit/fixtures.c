#include "fixtures.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

FILE *ftz_test_file_of(const char *text, size_t len) {
    FILE *f = tmpfile();
    assert_non_null(f);
    assert_int_equal(fwrite(text, 1, len, f), len);
    assert_int_equal(fflush(f), 0);
    rewind(f);
    return f;
}

ftz_customs_t ftz_test_customs(const char *id, int revision) {
    ftz_customs_t c;
    memset(&c, 0, sizeof(c));
    snprintf(c.declaration_id, sizeof(c.declaration_id), "%s", id);
    c.revision = revision;
    c.area = FTZ_AREA_DALIAN;
    c.direction = FTZ_DIR_EXPORT;
    c.status = FTZ_STATUS_CLEARED;
    snprintf(c.hs_code, sizeof(c.hs_code), "392321");
    snprintf(c.origin_country, sizeof(c.origin_country), "CN");
    snprintf(c.destination_country, sizeof(c.destination_country), "JP");
    c.transport_mode = FTZ_MODE_SEA;
    c.has_cleared_at = true;
    return c;
}
