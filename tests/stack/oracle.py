#!/usr/bin/env python3
"""Independent oracle for the aggregate tables.

  oracle.py customs FILE...        rows of ftz.customs_daily
  oracle.py rail FILE...           rows of ftz.rail_daily
  oracle.py registrations FILE...  rows of ftz.registrations_monthly

Reads records as JSON lines in the order they were produced (the order
within each entity's partition) and applies docs/domain.md:
customs - only the highest revision of each declaration counts, an equal or
lower one arriving later changes nothing, CANCELLED counts nowhere; rail -
each event_id counts once; registrations - each uscc counts once, the first.
Prints the rows in the text form of tests/lib.sh's queries. Lines
that are not JSON objects are skipped (tests keep invalid input apart).
"""
import json
import sys
from datetime import datetime, timezone
from decimal import Decimal
from zoneinfo import ZoneInfo

SHANGHAI = ZoneInfo("Asia/Shanghai")


def ms(ts):
    dt = datetime.fromisoformat(ts.replace("Z", "+00:00").replace("z", "+00:00"))
    return round(dt.timestamp() * 1000)


def local_date(millis):
    return datetime.fromtimestamp(millis / 1000, timezone.utc).astimezone(SHANGHAI).date()


def records(paths):
    for path in paths:
        with open(path, encoding="utf-8") as f:
            for line in f:
                line = line.strip()
                if not line:
                    continue
                try:
                    r = json.loads(line)
                except ValueError:
                    continue
                if isinstance(r, dict):
                    yield r


def customs(paths):
    latest = {}
    for r in records(paths):
        cur = latest.get(r["declaration_id"])
        if cur is None or r["revision"] > cur["revision"]:
            latest[r["declaration_id"]] = r
    rows = {}
    for r in latest.values():
        if r["status"] == "CANCELLED":
            continue
        filed = ms(r["filed_at"])
        partner = r["origin_country"] if r["direction"] == "IMPORT" else r["destination_country"]
        key = (local_date(filed).isoformat(), r["area"], r["direction"], r["hs_code"][:2],
               partner, r["transport_mode"])
        m = rows.setdefault(key, [0, Decimal("0.00"), Decimal(0), 0, 0, 0])
        m[0] += 1
        m[1] += Decimal(str(r["declared_value_cny"]))
        m[2] += Decimal(repr(float(r["gross_weight_kg"])))
        if r["status"] == "CLEARED":
            m[3] += 1
            m[5] += (ms(r["cleared_at"]) - filed) // 1000
        if r["status"] == "HELD":
            m[4] += 1
    for key in sorted(rows):
        m = rows[key]
        print("|".join(list(key) + [str(m[0]), "%.2f" % m[1], "%.3f" % m[2], str(m[3]),
                                    str(m[4]), str(m[5])]))


def rail(paths):
    seen = set()
    rows = {}
    for r in records(paths):
        if r["event_id"] in seen:
            continue
        seen.add(r["event_id"])
        t = ms(r["event_time"])
        key = (local_date(t).isoformat(), r["corridor"], r["direction"], r["cargo_category"],
               r["goods_origin_country"])
        m = rows.setdefault(key, [0, 0, 0, 0, Decimal("0.00"), 0])
        kind = r["event_type"]
        if kind == "DEPARTED":
            m[0] += 1
            m[3] += r["teu"]
            m[4] += Decimal(str(r["cargo_value_cny"]))
        elif kind == "BORDER_CROSSED":
            m[1] += 1
        else:
            m[2] += 1
            m[5] += (t - ms(r["departed_at"])) // 1000
    for key in sorted(rows):
        m = rows[key]
        print("|".join(list(key) + [str(m[0]), str(m[1]), str(m[2]), str(m[3]), "%.2f" % m[4],
                                    str(m[5])]))


def registrations(paths):
    seen = set()
    rows = {}
    for r in records(paths):
        if r["uscc"] in seen:
            continue
        seen.add(r["uscc"])
        month = local_date(ms(r["registered_at"])).replace(day=1)
        key = (month.isoformat(), r["area"], r["industry"], r["enterprise_type"],
               r["investor_country"])
        m = rows.setdefault(key, [0, Decimal("0.00")])
        m[0] += 1
        m[1] += Decimal(str(r["registered_capital_cny"]))
    for key in sorted(rows):
        m = rows[key]
        print("|".join(list(key) + [str(m[0]), "%.2f" % m[1]]))


if __name__ == "__main__":
    {"customs": customs, "rail": rail, "registrations": registrations}[sys.argv[1]](sys.argv[2:])
