#include "ftz/record.h"

#include <string.h>

#include "ftz/array.h"

const char *const ftz_area_symbols[] = {"SHENYANG", "YINGKOU", "DALIAN"};
const char *const ftz_direction_symbols[] = {"IMPORT", "EXPORT"};
const char *const ftz_status_symbols[] = {"FILED", "CLEARED", "HELD", "CANCELLED"};
const char *const ftz_mode_symbols[] = {"SEA", "RAIL", "ROAD", "AIR"};
const char *const ftz_rail_direction_symbols[] = {"OUTBOUND", "INBOUND"};
const char *const ftz_rail_event_type_symbols[] = {"DEPARTED", "BORDER_CROSSED", "ARRIVED"};
const char *const ftz_cargo_category_symbols[] = {"ELECTRONICS", "CAR_PARTS", "TIMBER",
                                                   "MACHINERY", "CHEMICALS", "FOOD", "OTHER"};
const char *const ftz_enterprise_type_symbols[] = {"DOMESTIC", "FOREIGN_INVESTED",
                                                    "JOINT_VENTURE"};

#define STR(T, f) {#f, FTZ_FT_STRING, offsetof(T, f), sizeof(((T *)0)->f), NULL, 0, 0}
#define INT(T, f) {#f, FTZ_FT_INT, offsetof(T, f), 0, NULL, 0, 0}
#define ENUM(T, f, s) {#f, FTZ_FT_ENUM, offsetof(T, f), 0, s, (int)FTZ_ARRAY_SIZE(s), 0}
#define DBL(T, f) {#f, FTZ_FT_DOUBLE, offsetof(T, f), 0, NULL, 0, 0}
#define DEC(T, name, f) {name, FTZ_FT_DECIMAL2, offsetof(T, f), 0, NULL, 0, 0}
#define TS(T, name, f) {name, FTZ_FT_TIMESTAMP, offsetof(T, f), 0, NULL, 0, 0}
#define OPTTS(T, name, f, has) \
    {name, FTZ_FT_OPT_TIMESTAMP, offsetof(T, f), 0, NULL, 0, offsetof(T, has)}
#define OPTSTR(T, f, has) \
    {#f, FTZ_FT_OPT_STRING, offsetof(T, f), sizeof(((T *)0)->f), NULL, 0, offsetof(T, has)}

/* Same order as the fields of the current schema version. */
static const ftz_field_t customs_fields[] = {
    STR(ftz_customs_t, declaration_id),
    INT(ftz_customs_t, revision),
    ENUM(ftz_customs_t, area, ftz_area_symbols),
    ENUM(ftz_customs_t, direction, ftz_direction_symbols),
    ENUM(ftz_customs_t, status, ftz_status_symbols),
    STR(ftz_customs_t, hs_code),
    STR(ftz_customs_t, origin_country),
    STR(ftz_customs_t, destination_country),
    ENUM(ftz_customs_t, transport_mode, ftz_mode_symbols),
    OPTSTR(ftz_customs_t, customs_office, has_customs_office),
    DEC(ftz_customs_t, "declared_value_cny", declared_value_fen),
    DBL(ftz_customs_t, gross_weight_kg),
    TS(ftz_customs_t, "filed_at", filed_at_ms),
    OPTTS(ftz_customs_t, "cleared_at", cleared_at_ms, has_cleared_at),
    TS(ftz_customs_t, "event_time", event_time_ms),
};

static const ftz_field_t rail_fields[] = {
    STR(ftz_rail_t, event_id),
    STR(ftz_rail_t, shipment_id),
    STR(ftz_rail_t, train_id),
    STR(ftz_rail_t, container_id),
    STR(ftz_rail_t, corridor),
    ENUM(ftz_rail_t, direction, ftz_rail_direction_symbols),
    ENUM(ftz_rail_t, event_type, ftz_rail_event_type_symbols),
    STR(ftz_rail_t, station),
    STR(ftz_rail_t, country),
    ENUM(ftz_rail_t, cargo_category, ftz_cargo_category_symbols),
    STR(ftz_rail_t, goods_origin_country),
    INT(ftz_rail_t, teu),
    DEC(ftz_rail_t, "cargo_value_cny", cargo_value_fen),
    TS(ftz_rail_t, "event_time", event_time_ms),
    OPTTS(ftz_rail_t, "departed_at", departed_at_ms, has_departed_at),
};

static const ftz_field_t registration_fields[] = {
    STR(ftz_registration_t, uscc),
    STR(ftz_registration_t, company_name),
    ENUM(ftz_registration_t, area, ftz_area_symbols),
    ENUM(ftz_registration_t, enterprise_type, ftz_enterprise_type_symbols),
    STR(ftz_registration_t, industry),
    STR(ftz_registration_t, investor_country),
    DEC(ftz_registration_t, "registered_capital_cny", registered_capital_fen),
    TS(ftz_registration_t, "registered_at", registered_at_ms),
    TS(ftz_registration_t, "event_time", event_time_ms),
};

static const ftz_record_type_t record_types[FTZ_REC__COUNT] = {
    {FTZ_REC_CUSTOMS, "customs", "ftz.customs.CustomsDeclaration",
     "ftz.customs.declarations", sizeof(ftz_customs_t), customs_fields,
     (int)FTZ_ARRAY_SIZE(customs_fields), 0},
    {FTZ_REC_RAIL, "rail", "ftz.rail.RailEvent", "ftz.rail.events", sizeof(ftz_rail_t),
     rail_fields, (int)FTZ_ARRAY_SIZE(rail_fields), 1},
    {FTZ_REC_REGISTRATION, "registration", "ftz.registry.CompanyRegistration",
     "ftz.registry.companies", sizeof(ftz_registration_t), registration_fields,
     (int)FTZ_ARRAY_SIZE(registration_fields), 0},
};

const ftz_record_type_t *ftz_record_type(ftz_rtype_t id) {
    if ((int)id < 0 || id >= FTZ_REC__COUNT)
        return NULL;
    return &record_types[id];
}

#define FIND_BY(member)                                                 \
    for (int i = 0; i < FTZ_REC__COUNT; i++)                            \
        if (strcmp(record_types[i].member, member) == 0)                \
            return &record_types[i];                                    \
    return NULL

const ftz_record_type_t *ftz_record_type_by_name(const char *short_name) {
    FIND_BY(short_name);
}
const ftz_record_type_t *ftz_record_type_by_fullname(const char *fullname) {
    FIND_BY(fullname);
}
const ftz_record_type_t *ftz_record_type_by_topic(const char *topic) {
    FIND_BY(topic);
}

const char *ftz_record_key(const ftz_record_type_t *rt, const void *rec) {
    return (const char *)rec + rt->fields[rt->key_field].off;
}
