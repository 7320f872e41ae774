#!/usr/bin/env python3
"""Independent oracle for ftz.customs_daily.

Reads customs declarations as JSON lines, in the order they were produced
(which is the order within each declaration's partition), applies the
domain's rules (../../../shared/domain.md): only the highest revision of each
declaration counts, an equal or lower revision arriving later changes
nothing, CANCELLED counts nowhere. Prints the rows customs_daily must hold,
in the same text form as tests/stack/lib.sh's customs_daily query.

Lines that are not valid JSON objects, or carry "_invalid": true, are
skipped: the tests mark the records the pipeline must reject.
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


def main(paths):
    latest = {}
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
                if not isinstance(r, dict) or r.pop("_invalid", False):
                    continue
                cur = latest.get(r["declaration_id"])
                if cur is None or r["revision"] > cur["revision"]:
                    latest[r["declaration_id"]] = r
    rows = {}
    for r in latest.values():
        if r["status"] == "CANCELLED":
            continue
        filed = ms(r["filed_at"])
        day = datetime.fromtimestamp(filed / 1000, timezone.utc).astimezone(SHANGHAI).date()
        partner = r["origin_country"] if r["direction"] == "IMPORT" else r["destination_country"]
        key = (day.isoformat(), r["area"], r["direction"], r["hs_code"][:2], partner,
               r["transport_mode"])
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


if __name__ == "__main__":
    main(sys.argv[1:])
