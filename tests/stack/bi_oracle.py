#!/usr/bin/env python3
"""Independent oracle for the BI views (lib/sql/005_bi.sql, docs/bi.md).

  bi_oracle.py customs_clearance_daily FILE...
  bi_oracle.py customs_clearance_monthly FILE...
  bi_oracle.py trade_by_partner_monthly FILE...
  bi_oracle.py rail_vs_sea SEA_DAYS FILE...
  bi_oracle.py registrations_monthly OPENED SH_TOTAL SH_MONTHS FILE...
  bi_oracle.py capital_by_area_investor FILE...

Reads the JSON lines that were produced (valid records only, in produced
order) and applies docs/domain.md itself (the latest revision of each
declaration, CANCELLED nowhere; each rail event_id once; each uscc once, the
first), then the views' definitions as docs/bi.md states them: sums, averages
from the sums rounded half away from zero, groups with nothing counted left
out. Prints the rows of ftz.bi_<VIEW> in the text form of
`psql -A -t` (NULL as an empty field), ordered by the view's key columns.
OPENED is the opening date as YYYY-MM-DD.
"""
import os
import sys
from collections import defaultdict
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from oracle import local_date, ms, records  # noqa: E402  (shared JSON reading only)


def rnd(value, places):
    return value.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)


def avg(total, count, divisor, places):
    """total / count / divisor rounded, or None (NULL) when count is 0."""
    if count == 0:
        return None
    return rnd(Decimal(total) / Decimal(count) / Decimal(divisor), places)


def text(v):
    if v is None:
        return ""
    if isinstance(v, Decimal):
        return format(v, "f")
    return str(v)


def emit(rows):
    for key in sorted(rows):
        print("|".join(text(v) for v in rows[key]))


def customs_latest(paths):
    latest = {}
    for r in records(paths):
        cur = latest.get(r["declaration_id"])
        if cur is None or r["revision"] > cur["revision"]:
            latest[r["declaration_id"]] = r
    out = []
    for r in latest.values():
        if r["status"] == "CANCELLED":
            continue
        filed = ms(r["filed_at"])
        secs = (ms(r["cleared_at"]) - filed) // 1000 if r["status"] == "CLEARED" else 0
        out.append(dict(r, day=local_date(filed), secs=secs,
                        partner=r["origin_country"] if r["direction"] == "IMPORT"
                        else r["destination_country"]))
    return out


def clearance(paths, monthly):
    acc = defaultdict(lambda: [0, 0, 0, 0])
    for r in customs_latest(paths):
        day = r["day"].replace(day=1) if monthly else r["day"]
        m = acc[(day, r["area"], r["direction"], r["transport_mode"])]
        m[0] += 1
        m[1] += r["status"] == "CLEARED"
        m[2] += r["status"] == "HELD"
        m[3] += r["secs"]
    emit({k: list(k) + m + [avg(m[3], m[1], 3600, 1)] for k, m in acc.items()})


def trade(paths):
    acc = defaultdict(lambda: [0, Decimal("0.00"), Decimal(0)])
    for r in customs_latest(paths):
        m = acc[(r["day"].replace(day=1), r["partner"], r["direction"])]
        m[0] += 1
        m[1] += Decimal(str(r["declared_value_cny"]))
        m[2] += Decimal(repr(float(r["gross_weight_kg"])))
    emit({k: list(k) + [m[0], rnd(m[1], 2), rnd(m[2], 3)] for k, m in acc.items()})


def rail_vs_sea(sea_days, paths):
    sea = Decimal(sea_days)
    seen = set()
    acc = defaultdict(lambda: [0, 0, 0])
    for r in records(paths):
        if r["event_id"] in seen:
            continue
        seen.add(r["event_id"])
        t = ms(r["event_time"])
        m = acc[(local_date(t).replace(day=1), r["corridor"], r["cargo_category"])]
        if r["event_type"] == "DEPARTED":
            m[0] += 1
        elif r["event_type"] == "ARRIVED":
            m[1] += 1
            m[2] += (t - ms(r["departed_at"])) // 1000
    rows = {}
    for k, m in acc.items():
        if m[0] == 0 and m[1] == 0:
            continue
        a = avg(m[2], m[1], 86400, 1)
        rows[k] = list(k) + m + [a, sea, None if a is None else sea - a]
    emit(rows)


def first_registrations(paths):
    seen = set()
    for r in records(paths):
        if r["uscc"] not in seen:
            seen.add(r["uscc"])
            yield r


def registrations_monthly(opened, sh_total, sh_months, paths):
    opened = date.fromisoformat(opened)
    total, months = Decimal(sh_total), int(sh_months)
    acc = defaultdict(lambda: [0, Decimal("0.00")])
    for r in first_registrations(paths):
        m = acc[local_date(ms(r["registered_at"])).replace(day=1)]
        m[0] += 1
        m[1] += Decimal(str(r["registered_capital_cny"]))
    if not acc:
        return
    first = min(min(acc), opened.replace(day=1))
    y, mo = first.year, first.month
    cumulative = 0
    rows = {}
    while date(y, mo, 1) <= max(acc):
        month = date(y, mo, 1)
        n, capital = acc.get(month, [0, Decimal("0.00")])
        cumulative += n
        since = (y - opened.year) * 12 + mo - opened.month + 1
        bench = rnd(total * max(0, min(since, months)) / months, 1)
        rows[month] = [month, n, rnd(capital, 2), cumulative, since, bench]
        y, mo = (y + 1, 1) if mo == 12 else (y, mo + 1)
    emit(rows)


def capital_by_area_investor(paths):
    acc = defaultdict(lambda: [0, Decimal("0.00")])
    for r in first_registrations(paths):
        m = acc[(r["area"], r["investor_country"])]
        m[0] += 1
        m[1] += Decimal(str(r["registered_capital_cny"]))
    group = {"JP": "Japan", "KR": "Korea", "CN": "China"}
    emit({k: list(k) + [m[0], rnd(m[1], 2), rnd(m[1] / m[0], 2), group.get(k[1], "Other")]
          for k, m in acc.items()})


if __name__ == "__main__":
    view, args = sys.argv[1], sys.argv[2:]
    if view == "customs_clearance_daily":
        clearance(args, False)
    elif view == "customs_clearance_monthly":
        clearance(args, True)
    elif view == "trade_by_partner_monthly":
        trade(args)
    elif view == "rail_vs_sea":
        rail_vs_sea(args[0], args[1:])
    elif view == "registrations_monthly":
        registrations_monthly(args[0], args[1], args[2], args[3:])
    elif view == "capital_by_area_investor":
        capital_by_area_investor(args)
    else:
        sys.exit(f"bi_oracle.py: unknown view {view}")
