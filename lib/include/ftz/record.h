/* The records the pipeline carries, as C structs, and a table describing
 * each field. The field tables drive the Avro codec (codec.c), the JSON
 * mapping (json.c) and the rules' messages, so a field is described once.
 * See docs/domain.md for the contract and docs/data-model.md. */
#ifndef FTZ_RECORD_H
#define FTZ_RECORD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Longest string a field may hold, in bytes (UTF-8), per field class.
 * A longer value is a rule failure, never a silent truncation. */
#define FTZ_ID_MAX 160     /* ids: declaration_id is 40 characters of up to 4 bytes */
#define FTZ_CODE_MAX 16    /* hs_code, country codes, container ids, USCC */
#define FTZ_NAME_MAX 255   /* station, corridor, train */
#define FTZ_TEXT_MAX 600   /* company_name: 200 CJK characters */

typedef enum ftz_area_e { FTZ_AREA_SHENYANG, FTZ_AREA_YINGKOU, FTZ_AREA_DALIAN } ftz_area_t;
typedef enum ftz_direction_e { FTZ_DIR_IMPORT, FTZ_DIR_EXPORT } ftz_direction_t;
typedef enum ftz_customs_status_e {
    FTZ_STATUS_FILED, FTZ_STATUS_CLEARED, FTZ_STATUS_HELD, FTZ_STATUS_CANCELLED
} ftz_customs_status_t;
typedef enum ftz_transport_mode_e {
    FTZ_MODE_SEA, FTZ_MODE_RAIL, FTZ_MODE_ROAD, FTZ_MODE_AIR
} ftz_transport_mode_t;

typedef enum ftz_rail_direction_e { FTZ_RAIL_OUTBOUND, FTZ_RAIL_INBOUND } ftz_rail_direction_t;
typedef enum ftz_rail_event_type_e {
    FTZ_RAIL_DEPARTED, FTZ_RAIL_BORDER_CROSSED, FTZ_RAIL_ARRIVED
} ftz_rail_event_type_t;
typedef enum ftz_cargo_category_e {
    FTZ_CARGO_ELECTRONICS, FTZ_CARGO_CAR_PARTS, FTZ_CARGO_TIMBER, FTZ_CARGO_MACHINERY,
    FTZ_CARGO_CHEMICALS, FTZ_CARGO_FOOD, FTZ_CARGO_OTHER
} ftz_cargo_category_t;
typedef enum ftz_enterprise_type_e {
    FTZ_ENT_DOMESTIC, FTZ_ENT_FOREIGN_INVESTED, FTZ_ENT_JOINT_VENTURE
} ftz_enterprise_type_t;

extern const char *const ftz_area_symbols[];      /* 3 */
extern const char *const ftz_direction_symbols[]; /* 2 */
extern const char *const ftz_status_symbols[];    /* 4 */
extern const char *const ftz_mode_symbols[];      /* 4 */
extern const char *const ftz_rail_direction_symbols[]; /* 2 */
extern const char *const ftz_rail_event_type_symbols[]; /* 3 */
extern const char *const ftz_cargo_category_symbols[]; /* 7 */
extern const char *const ftz_enterprise_type_symbols[]; /* 3 */

/* ftz.customs.CustomsDeclaration. Money is in fen (CNY cents, scale 2),
 * timestamps in milliseconds since the epoch (UTC). */
typedef struct ftz_customs_s {
    char declaration_id[FTZ_ID_MAX + 1];
    int32_t revision;
    int32_t area;           /* ftz_area_t */
    int32_t direction;      /* ftz_direction_t */
    int32_t status;         /* ftz_customs_status_t */
    char hs_code[FTZ_CODE_MAX + 1];
    char origin_country[FTZ_CODE_MAX + 1];
    char destination_country[FTZ_CODE_MAX + 1];
    int32_t transport_mode; /* ftz_transport_mode_t */
    bool has_customs_office; /* since schema version 2 */
    char customs_office[FTZ_CODE_MAX + 1];
    int64_t declared_value_fen;
    double gross_weight_kg;
    int64_t filed_at_ms;
    bool has_cleared_at;
    int64_t cleared_at_ms;
    int64_t event_time_ms;
} ftz_customs_t;

/* ftz.rail.RailEvent. */
typedef struct ftz_rail_s {
    char event_id[FTZ_ID_MAX + 1];
    char shipment_id[FTZ_ID_MAX + 1];
    char train_id[FTZ_NAME_MAX + 1];
    char container_id[FTZ_CODE_MAX + 1];
    char corridor[FTZ_NAME_MAX + 1];
    int32_t direction;      /* ftz_rail_direction_t */
    int32_t event_type;     /* ftz_rail_event_type_t */
    char station[FTZ_NAME_MAX + 1];
    char country[FTZ_CODE_MAX + 1];
    int32_t cargo_category; /* ftz_cargo_category_t */
    char goods_origin_country[FTZ_CODE_MAX + 1];
    int32_t teu;
    int64_t cargo_value_fen;
    int64_t event_time_ms;
    bool has_departed_at;
    int64_t departed_at_ms;
} ftz_rail_t;

/* ftz.registry.CompanyRegistration. */
typedef struct ftz_registration_s {
    char uscc[FTZ_CODE_MAX + 8];
    char company_name[FTZ_TEXT_MAX + 1];
    int32_t area;            /* ftz_area_t */
    int32_t enterprise_type; /* ftz_enterprise_type_t */
    char industry[FTZ_CODE_MAX + 1];
    char investor_country[FTZ_CODE_MAX + 1];
    int64_t registered_capital_fen;
    int64_t registered_at_ms;
    int64_t event_time_ms;
} ftz_registration_t;

typedef enum ftz_ftype_e {
    FTZ_FT_STRING,     /* char[cap] */
    FTZ_FT_INT,        /* int32_t */
    FTZ_FT_ENUM,       /* int32_t index into symbols */
    FTZ_FT_DOUBLE,     /* double */
    FTZ_FT_DECIMAL2,   /* int64_t, Avro bytes decimal(18,2) */
    FTZ_FT_TIMESTAMP,  /* int64_t ms, Avro long timestamp-millis */
    FTZ_FT_OPT_TIMESTAMP, /* bool at has_off + int64_t ms; union [null, long] */
    FTZ_FT_OPT_STRING,    /* bool at has_off + char[cap]; union [null, string] */
} ftz_ftype_t;

typedef struct ftz_field_s {
    const char *name;
    ftz_ftype_t type;
    size_t off;       /* offset of the value in the struct */
    size_t cap;       /* FTZ_FT_STRING: buffer size including the NUL */
    const char *const *symbols; /* FTZ_FT_ENUM */
    int nsymbols;
    size_t has_off;   /* FTZ_FT_OPT_*: offset of the bool */
} ftz_field_t;

typedef enum ftz_rtype_e {
    FTZ_REC_CUSTOMS = 0,
    FTZ_REC_RAIL,
    FTZ_REC_REGISTRATION,
    FTZ_REC__COUNT
} ftz_rtype_t;

typedef struct ftz_record_type_s {
    ftz_rtype_t id;
    const char *short_name; /* "customs", "rail", "registration": the -t name */
    const char *fullname;   /* "ftz.customs.CustomsDeclaration" */
    const char *topic;      /* "ftz.customs.declarations" */
    size_t size;            /* sizeof the struct */
    const ftz_field_t *fields;
    int nfields;
    int key_field;          /* index of the field that is the Kafka key */
} ftz_record_type_t;

/* Static descriptor of a record type; NULL when unknown. */
const ftz_record_type_t *ftz_record_type(ftz_rtype_t id);
const ftz_record_type_t *ftz_record_type_by_name(const char *short_name);
const ftz_record_type_t *ftz_record_type_by_fullname(const char *fullname);
const ftz_record_type_t *ftz_record_type_by_topic(const char *topic);

/* The key of a record (a pointer into rec; borrowed). */
const char *ftz_record_key(const ftz_record_type_t *rt, const void *rec);

#endif
