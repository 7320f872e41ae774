#!/usr/bin/env python3
"""Turns valid records into records that each break one rule.

  badrecords.py TYPE VALID.jsonl BAD.jsonl EXPECTED.txt

For every rule of TYPE (customs, rail, registration) it takes a valid
record, gives it a fresh id and breaks exactly that rule; BAD.jsonl gets the
records (valid JSON of the schema, so `ftz produce --skip-rules` sends
them), EXPECTED.txt one line per record: KEY|CODE, the Kafka key and the
reason code the consumer must dead-letter it with.
"""
import json
import sys


def customs(base):
    def mk(i, **kw):
        r = dict(base, declaration_id=f"BADC{i:03d}", revision=1)
        r.update(kw)
        return r
    long_id = "L" * 41
    cases = [
        (mk(1, hs_code="770000"), "RULE_HS_CODE"),
        (mk(2, hs_code="3923"), "RULE_HS_CODE"),
        (mk(3, hs_code="980000"), "RULE_HS_CODE"),
        (mk(4, hs_code="39A321"), "RULE_HS_CODE"),
        (mk(5, origin_country="XX"), "RULE_COUNTRY_CODE"),
        (mk(6, destination_country="cn"), "RULE_COUNTRY_CODE"),
        (mk(7, declared_value_cny="-0.01"), "RULE_NEGATIVE_AMOUNT"),
        (mk(8, gross_weight_kg=-1.5), "RULE_NEGATIVE_AMOUNT"),
        (mk(9, status="CLEARED", cleared_at=None), "RULE_CLEARED_AT"),
        (mk(10, status="CLEARED", filed_at="2026-11-02T10:00:00Z",
            cleared_at="2026-11-02T09:59:59Z"), "RULE_CLEARED_AT"),
        (mk(11, revision=0), "RULE_REVISION"),
        (mk(12, revision=-2), "RULE_REVISION"),
        (mk(13, hs_code=""), "RULE_EMPTY_FIELD"),
        (dict(base, declaration_id=long_id, revision=1), "RULE_FIELD_LENGTH"),
    ]
    return [(r, r["declaration_id"], code) for r, code in cases]


def rail(base):
    def mk(i, **kw):
        r = dict(base, event_id=f"BADR-EV{i:03d}", shipment_id=f"BADR-SH{i:03d}")
        r.update(kw)
        return r
    arrived = dict(event_type="ARRIVED", departed_at="2026-11-01T00:00:00Z",
                   event_time="2026-11-13T00:00:00Z")
    cases = [
        (mk(1, container_id="CSQU3054384"), "RULE_CONTAINER_ID"),
        (mk(2, container_id="CSQX3054383"), "RULE_CONTAINER_ID"),
        (mk(3, corridor="dalian-duisburg"), "RULE_CORRIDOR"),
        (mk(4, corridor="DALIAN"), "RULE_CORRIDOR"),
        (mk(5, country="ZZ"), "RULE_COUNTRY_CODE"),
        (mk(6, goods_origin_country="EU"), "RULE_COUNTRY_CODE"),
        (mk(7, teu=0), "RULE_TEU"),
        (mk(8, teu=5), "RULE_TEU"),
        (mk(9, cargo_value_cny="-5.00"), "RULE_NEGATIVE_AMOUNT"),
        (mk(10, **dict(arrived, departed_at=None)), "RULE_DEPARTED_AT"),
        (mk(11, **dict(arrived, departed_at="2026-11-14T00:00:00Z")), "RULE_DEPARTED_AT"),
        (mk(12, station=""), "RULE_EMPTY_FIELD"),
        (mk(13, train_id=""), "RULE_EMPTY_FIELD"),
    ]
    return [(r, r["shipment_id"], code) for r, code in cases]


CHARSET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
WEIGHTS = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28]


def uscc(body17):
    c = 31 - sum(CHARSET.index(ch) * w for ch, w in zip(body17, WEIGHTS)) % 31
    return body17 + CHARSET[0 if c == 31 else c]


def registration(base):
    def mk(i, **kw):
        r = dict(base, uscc=uscc(f"91210200BADR{i:05d}"))
        r.update(kw)
        return r
    good = uscc("91210200BADR99999")
    bad_check = good[:17] + ("0" if good[17] != "0" else "1")
    cases = [
        (mk(1, uscc=bad_check), "RULE_USCC_CHECKSUM"),
        (mk(2, uscc="91210200BADR0000"), "RULE_USCC_CHECKSUM"),
        (mk(3, uscc="91210200BADI00001"[:17] + "0"), "RULE_USCC_CHECKSUM"),
        (mk(4, industry="U"), "RULE_INDUSTRY"),
        (mk(5, industry="FG"), "RULE_INDUSTRY"),
        (mk(6, investor_country="XX"), "RULE_COUNTRY_CODE"),
        (mk(7, registered_capital_cny="0.00"), "RULE_NEGATIVE_AMOUNT"),
        (mk(8, registered_capital_cny="-100.00"), "RULE_NEGATIVE_AMOUNT"),
        (mk(9, company_name=" "), "RULE_EMPTY_FIELD"),
        (mk(10, industry=""), "RULE_EMPTY_FIELD"),
    ]
    return [(r, r["uscc"], code) for r, code in cases]


def main(kind, valid_path, bad_path, expected_path):
    with open(valid_path, encoding="utf-8") as f:
        base = json.loads(f.readline())
    made = {"customs": customs, "rail": rail, "registration": registration}[kind](base)
    with open(bad_path, "w", encoding="utf-8") as bad, \
            open(expected_path, "w", encoding="utf-8") as exp:
        for rec, key, code in made:
            bad.write(json.dumps(rec, ensure_ascii=False) + "\n")
            exp.write(f"{key}|{code}\n")


if __name__ == "__main__":
    main(*sys.argv[1:5])
