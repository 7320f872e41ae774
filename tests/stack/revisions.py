#!/usr/bin/env python3
"""Customs declarations revised many times, as JSON lines in shuffled order.

  revisions.py [-n DECLARATIONS] [--revisions R] [--seed S] [--prefix P]

Prints, for each of N declarations, revisions 1..R, each a full snapshot in
the format `ftz simulate -t customs` prints, and every line valid for
`ftz produce`. Each revision after the first moves the declaration to
another customs_daily row: another Shanghai day (filed_at), another area,
or another partner country (origin_country of an IMPORT, destination_country
of an EXPORT), often several at once; value, weight and status change too.
Some revisions are CANCELLED (an intermediate one or the last), CLEARED ones
carry cleared_at >= filed_at. All lines of all declarations are shuffled
together, so a later revision often comes before an earlier one.

The output depends only on the options (a fixed seed by default): the same
options give the same bytes on any machine. Each (declaration_id, revision)
appears once, so the highest revision of each declaration is what counts,
in whatever order or on whatever partitions the lines arrive
(tests/stack/oracle.py).
"""
import argparse
import json
import random
from datetime import datetime, timedelta, timezone

SHANGHAI = timezone(timedelta(hours=8))  # no daylight saving in China
START = datetime(2026, 11, 1, tzinfo=SHANGHAI)
DAYS = 30
AREAS = ["DALIAN", "YINGKOU", "SHENYANG"]
PARTNERS = ["JP", "KR", "DE", "RU", "US", "NZ", "PE", "IN", "FR", "VN"]
HS_CODES = ["3923109000", "847141", "87089990", "4403219010", "03036700", "8517620000",
            "72085100", "29025099", "84798999", "94036090"]
MODES = ["SEA", "RAIL", "ROAD", "AIR"]
# Status of a revision; CANCELLED is kept rarer than the others.
STATUSES = ["FILED", "CLEARED", "CLEARED", "CLEARED", "HELD", "CANCELLED"]


def iso(dt):
    return dt.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.") + \
        "%03dZ" % (dt.microsecond // 1000)


def office_time(rng, day):
    """A moment in Shanghai office hours (08:00-18:00) of day 0..DAYS-1."""
    return START + timedelta(days=day, seconds=rng.randrange(8 * 3600, 18 * 3600),
                             milliseconds=rng.randrange(1000))


def declaration(rng, prefix, i, revisions):
    d = {
        "id": "%s%06d" % (prefix, i),
        "area": rng.choice(AREAS),
        "direction": rng.choice(["IMPORT", "EXPORT"]),
        "partner": rng.choice(PARTNERS),
        "hs_code": rng.choice(HS_CODES),
        "mode": rng.choice(MODES),
        "day": rng.randrange(DAYS),
    }
    lines = []
    event_time = office_time(rng, d["day"])
    for rev in range(1, revisions + 1):
        if rev > 1:
            # Move to another aggregate row: at least one of day, area,
            # partner changes, often more than one.
            moves = set(rng.sample(["day", "area", "partner"], rng.randint(1, 3)))
            if "day" in moves:
                d["day"] = rng.choice([x for x in range(DAYS) if x != d["day"]])
            if "area" in moves:
                d["area"] = rng.choice([a for a in AREAS if a != d["area"]])
            if "partner" in moves:
                d["partner"] = rng.choice([p for p in PARTNERS if p != d["partner"]])
        filed = office_time(rng, d["day"])
        status = rng.choice(STATUSES)
        cleared = None
        if status == "CLEARED":
            cleared = filed + timedelta(seconds=rng.randrange(0, 3 * 86400),
                                        milliseconds=rng.randrange(1000))
        # Each revision is recorded after the previous one and after its own
        # filing and clearance.
        event_time = max(event_time, filed, cleared or filed) + \
            timedelta(seconds=rng.randrange(1, 3600), milliseconds=rng.randrange(1000))
        imp = d["direction"] == "IMPORT"
        rec = {
            "declaration_id": d["id"],
            "revision": rev,
            "area": d["area"],
            "direction": d["direction"],
            "status": status,
            "hs_code": d["hs_code"],
            "origin_country": d["partner"] if imp else "CN",
            "destination_country": "CN" if imp else d["partner"],
            "transport_mode": d["mode"],
            "customs_office": None,
            "declared_value_cny": "%d.%02d" % (rng.randrange(0, 5_000_000), rng.randrange(100)),
            "gross_weight_kg": rng.choice([rng.randrange(1, 40000),
                                           rng.randrange(1, 4_000_000) / 100]),
            "filed_at": iso(filed),
            "cleared_at": iso(cleared) if cleared else None,
            "event_time": iso(event_time),
        }
        lines.append(json.dumps(rec, separators=(",", ":"), ensure_ascii=False))
    return lines


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("-n", "--declarations", type=int, default=3000)
    ap.add_argument("--revisions", type=int, default=5, help="revisions 1..R of each")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--prefix", default="RV", help="declaration_id prefix")
    a = ap.parse_args()
    if a.declarations < 1 or a.revisions < 1:
        ap.error("-n and --revisions must be >= 1")
    rng = random.Random(a.seed)
    lines = []
    for i in range(1, a.declarations + 1):
        lines.extend(declaration(rng, a.prefix, i, a.revisions))
    rng.shuffle(lines)
    print("\n".join(lines))


if __name__ == "__main__":
    main()
