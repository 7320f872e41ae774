#include "fixtures.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
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

char *ftz_test_unquote(const char *s) {
    char *d = strdup(s);
    assert_non_null(d);
    for (char *p = d; *p; p++)
        if (*p == '\'')
            *p = '"';
    return d;
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

ftz_rail_t ftz_test_rail(const char *event_id) {
    ftz_rail_t e;
    memset(&e, 0, sizeof(e));
    snprintf(e.event_id, sizeof(e.event_id), "%s", event_id);
    snprintf(e.shipment_id, sizeof(e.shipment_id), "SH1");
    snprintf(e.train_id, sizeof(e.train_id), "X8001");
    snprintf(e.container_id, sizeof(e.container_id), "CSQU3054383");
    snprintf(e.corridor, sizeof(e.corridor), "DALIAN-DUISBURG");
    e.direction = FTZ_RAIL_OUTBOUND;
    e.event_type = FTZ_RAIL_ARRIVED;
    snprintf(e.station, sizeof(e.station), "Duisburg");
    snprintf(e.country, sizeof(e.country), "DE");
    e.cargo_category = FTZ_CARGO_ELECTRONICS;
    snprintf(e.goods_origin_country, sizeof(e.goods_origin_country), "JP");
    e.teu = 2;
    return e;
}

ftz_registration_t ftz_test_registration(const char *uscc, const char *name) {
    ftz_registration_t c;
    memset(&c, 0, sizeof(c));
    snprintf(c.uscc, sizeof(c.uscc), "%s", uscc);
    snprintf(c.company_name, sizeof(c.company_name), "%s", name);
    c.area = FTZ_AREA_DALIAN;
    c.enterprise_type = FTZ_ENT_FOREIGN_INVESTED;
    snprintf(c.industry, sizeof(c.industry), "F");
    snprintf(c.investor_country, sizeof(c.investor_country), "JP");
    return c;
}
