#!/usr/bin/env python3
"""Checks `ftz report` output against sums computed here, in Python, from the
base tables (exported by tests/stack/test_report.sh as CSV with psql).

  report_check.py json|csv|text DATA OUTPUT [--report NAME] [--from D] [--to D] [--area A]
                  [--list-json LIST]
      every report in OUTPUT (JSON, one CSV report, or the text of one or
      all reports) equals the expected rows, in order; a CSV's header is
      the report's columns in LIST (`ftz report --list --format json`)
  report_check.py html DATA DOM [--from D] [--to D] [--area A]
      the #ftz-drawn JSON of a page rendered by Chromium (--dump-dom):
      each chart drawn with the expected labels, series and values, every
      data point drawn with finite coordinates inside the canvas
  report_check.py offline PAGE CHARTJS
      the page embeds CHARTJS verbatim, and outside it names no http(s)
      URL and loads nothing (no src, href, url(), @import); inside it URLs
      only occur in comments
  report_check.py png FILE WIDTH HEIGHT
      a PNG of that size, larger than 20 KB, with more than 10 colours

DATA is a directory of CSV files: customs_daily.csv, customs_state.csv,
rail_daily.csv, registrations_monthly.csv, dead_letters.csv (columns named
in test_report.sh). The rules written here are the contract of
docs/reports.md, computed independently of the SQL in cmd/report_defs.c:
days filter daily figures, the months overlapping the range filter monthly
ones; averages are sums over sums, rounded half away from zero.
"""
import argparse
import csv
import html
import json
import math
import os
import re
import struct
import sys
import zlib
from collections import defaultdict
from decimal import Decimal
from fractions import Fraction

OPENING = "2017-04-01"
SHANGHAI_TOTAL = 18000
SHANGHAI_MONTHS = 48
SEA_DAYS = 30
AREAS = ("SHENYANG", "YINGKOU", "DALIAN")
NO_AREA = {"rail", "rail_cargo", "dead_letters"}
ALL_REPORTS = ["customs", "clearance", "clearance_daily", "clearance_monthly", "offices",
               "partners", "partners_monthly", "rail", "rail_cargo", "registrations",
               "capital", "dead_letters"]


def fail(msg):
    print(f"report_check: {msg}", file=sys.stderr)
    sys.exit(1)


def rnd(value, places):
    """round(value, places) as PostgreSQL does for numeric: half away from 0."""
    if value is None:
        return None
    v = Fraction(value) * 10 ** places
    n = math.floor(abs(v) + Fraction(1, 2))
    return Decimal(n if v >= 0 else -n).scaleb(-places)


def avg(total, count, unit, places=1):
    return None if count == 0 else rnd(Fraction(total) / Fraction(count) / unit, places)


def load(data, name):
    with open(os.path.join(data, name), newline="") as f:
        return list(csv.DictReader(f))


def month_of(day):
    return day[:8] + "01"


class Filter:
    def __init__(self, frm, to, area):
        self.frm, self.to, self.area = frm, to, area

    def day(self, d):
        return (self.frm is None or d >= self.frm) and (self.to is None or d <= self.to)

    def month(self, m):
        return (self.frm is None or m >= month_of(self.frm)) and (self.to is None or m <= self.to)

    def in_area(self, a):
        return self.area is None or a == self.area


def sums(rows, key, fields, keep=lambda r: True):
    out = defaultdict(lambda: defaultdict(Decimal))
    for r in rows:
        if keep(r):
            g = out[key(r)]
            for f in fields:
                g[f] += Decimal(r[f] or 0)
    return out


class Expected:
    def __init__(self, data):
        self.customs = load(data, "customs_daily.csv")
        self.state = load(data, "customs_state.csv")
        self.rail = load(data, "rail_daily.csv")
        self.regs = load(data, "registrations_monthly.csv")
        self.dead = load(data, "dead_letters.csv")

    # ---------------------------------------------------------------- customs
    def report_customs(self, f):
        keep = lambda r: f.day(r["day"]) and f.in_area(r["area"])
        fields = ("declarations", "cleared", "held", "declared_value_cny",
                  "gross_weight_kg_exact", "clearance_seconds_sum")
        by = sums(self.customs, lambda r: (r["area"], r["direction"]), fields, keep)
        def row(a, d, g):
            return (a, d, g["declarations"], g["cleared"], g["held"], g["declared_value_cny"],
                    rnd(g["gross_weight_kg_exact"], 3),
                    avg(g["clearance_seconds_sum"], g["cleared"], 3600))
        out, total = [], defaultdict(Decimal)
        for a in sorted({k[0] for k in by}):
            sub = defaultdict(Decimal)
            for d in sorted(k[1] for k in by if k[0] == a):
                g = by[(a, d)]
                for fl in fields:
                    sub[fl] += g[fl]
                    total[fl] += g[fl]
                if g["declarations"] != 0:
                    out.append(row(a, d, g))
            if sub["declarations"] != 0:
                out.append(row(a, "ALL", sub))
        out.append(row("ALL", "ALL", total))
        return out

    def _clearance(self, key, keep):
        fields = ("declarations", "cleared", "held", "clearance_seconds_sum")
        by = sums(self.customs, key, fields, keep)
        return [k + (g["declarations"], g["cleared"], g["held"],
                     avg(g["clearance_seconds_sum"], g["cleared"], 3600))
                for k, g in sorted(by.items()) if g["declarations"] != 0]

    def report_clearance(self, f):
        return self._clearance(lambda r: (r["area"], r["direction"], r["transport_mode"]),
                               lambda r: f.day(r["day"]) and f.in_area(r["area"]))

    def report_clearance_daily(self, f):
        return self._clearance(lambda r: (r["day"], r["area"]),
                               lambda r: f.day(r["day"]) and f.in_area(r["area"]))

    def report_clearance_monthly(self, f):
        return self._clearance(lambda r: (month_of(r["day"]), r["area"]),
                               lambda r: f.month(month_of(r["day"])) and f.in_area(r["area"]))

    def report_offices(self, f):
        by = defaultdict(lambda: [0, 0, 0, Decimal(0), 0])
        for r in self.state:
            if r["status"] == "CANCELLED" or not f.day(r["day"]) or not f.in_area(r["area"]):
                continue
            g = by[(r["customs_office"] or "(none)", r["area"])]
            g[0] += 1
            g[1] += r["status"] == "CLEARED"
            g[2] += r["status"] == "HELD"
            g[3] += Decimal(r["declared_value_cny"])
            g[4] += int(r["clearance_seconds"] or 0)
        return [k + (Decimal(g[0]), Decimal(g[1]), Decimal(g[2]), g[3], avg(g[4], g[1], 3600))
                for k, g in sorted(by.items())]

    def _partners(self, f, key):
        fields = ("declarations", "declared_value_cny", "gross_weight_kg_exact")
        keep = lambda r: f.month(month_of(r["day"])) and f.in_area(r["area"])
        return sums(self.customs, key, fields, keep)

    def report_partners(self, f):
        by = self._partners(f, lambda r: (r["partner_country"], r["direction"]))
        out = []
        for p in {k[0] for k in by}:
            i, e = by.get((p, "IMPORT"), {}), by.get((p, "EXPORT"), {})
            get = lambda g, fl: g.get(fl, Decimal(0))
            decl = get(i, "declarations") + get(e, "declarations")
            if decl == 0:
                continue
            value = get(i, "declared_value_cny") + get(e, "declared_value_cny")
            out.append((p, get(i, "declarations"), get(e, "declarations"), decl,
                        get(i, "declared_value_cny"), get(e, "declared_value_cny"), value,
                        rnd(get(i, "gross_weight_kg_exact") + get(e, "gross_weight_kg_exact"), 3)))
        return sorted(out, key=lambda r: (-r[6], r[0]))

    def report_partners_monthly(self, f):
        by = self._partners(f, lambda r: (month_of(r["day"]), r["partner_country"],
                                          r["direction"]))
        return [k + (g["declarations"], g["declared_value_cny"],
                     rnd(g["gross_weight_kg_exact"], 3))
                for k, g in sorted(by.items()) if g["declarations"] != 0]

    # ---------------------------------------------------------------- rail
    def _rail(self, f, key):
        by = sums(self.rail, key, ("departures", "arrivals", "transit_seconds_sum"),
                  lambda r: f.month(month_of(r["day"])))
        out = []
        for k, g in sorted(by.items()):
            if g["departures"] == 0 and g["arrivals"] == 0:
                continue
            days = avg(g["transit_seconds_sum"], g["arrivals"], 86400)
            out.append(k + (g["departures"], g["arrivals"], days, Decimal(SEA_DAYS),
                            None if days is None else SEA_DAYS - days))
        return out

    def report_rail(self, f):
        return self._rail(f, lambda r: (r["corridor"],))

    def report_rail_cargo(self, f):
        return self._rail(f, lambda r: (r["corridor"], r["cargo_category"]))

    # ---------------------------------------------------------------- registrations
    def registration_months(self, f):
        """Every month from the opening to the last one with data (of any
        area), unfiltered: (month, companies, capital, cumulative,
        months_since_opening, benchmark) for f's area."""
        if not self.regs:
            return []
        last = max(r["month"] for r in self.regs)
        first = min(OPENING, min(r["month"] for r in self.regs))
        by = sums(self.regs, lambda r: r["month"], ("companies", "registered_capital_cny"),
                  lambda r: f.in_area(r["area"]))
        out, cum = [], Decimal(0)
        y, m = int(first[:4]), int(first[5:7])
        while True:
            month = f"{y:04d}-{m:02d}-01"
            if month > last:
                break
            g = by.get(month, {})
            companies = g.get("companies", Decimal(0))
            cum += companies
            since = (y - 2017) * 12 + m - 4 + 1
            bench = rnd(Fraction(SHANGHAI_TOTAL * max(0, min(since, SHANGHAI_MONTHS)),
                                 SHANGHAI_MONTHS), 1)
            out.append((month, companies, g.get("registered_capital_cny", Decimal(0)), cum,
                        Decimal(since), bench))
            y, m = (y + 1, 1) if m == 12 else (y, m + 1)
        return out

    def report_registrations(self, f):
        return [r for r in self.registration_months(f) if f.month(r[0]) and r[3] != 0]

    def report_capital(self, f):
        groups = {"JP": "Japan", "KR": "Korea", "CN": "China"}
        by = sums(self.regs, lambda r: (r["area"], r["investor_country"]),
                  ("companies", "registered_capital_cny"),
                  lambda r: f.month(r["month"]) and f.in_area(r["area"]))
        out = [(a, c, groups.get(c, "Other"), g["companies"], g["registered_capital_cny"],
                rnd(Fraction(g["registered_capital_cny"]) / Fraction(g["companies"]), 2))
               for (a, c), g in by.items() if g["companies"] != 0]
        return sorted(out, key=lambda r: (r[0], -r[3], r[1]))

    def report_dead_letters(self, f):
        by = defaultdict(int)
        for r in self.dead:
            if f.day(r["day"]):
                by[(r["day"], r["code"])] += 1
        return [k + (Decimal(n),) for k, n in sorted(by.items())]

    def report(self, name, f):
        return getattr(self, "report_" + name)(f)


# ---------------------------------------------------------------- comparing
def same(expected, actual):
    if expected is None or actual is None:
        return expected is None and actual is None
    if isinstance(expected, Decimal):
        try:
            return Decimal(actual) == expected
        except Exception:
            return False
    return expected == actual


def compare(name, expected, actual):
    """actual: rows of cells already decoded (str, None, or numbers as str)."""
    for i in range(max(len(expected), len(actual))):
        e = expected[i] if i < len(expected) else None
        a = actual[i] if i < len(actual) else None
        if e is None or a is None or len(e) != len(a) or \
                not all(same(x, y) for x, y in zip(e, a)):
            fail(f"{name}: {len(actual)} rows, expected {len(expected)}; first difference at "
                 f"row {i}: expected {None if e is None else [str(x) for x in e]}, got {a}")


def json_cell(v, kind):
    if v is None:
        return None
    if kind == "number":
        if isinstance(v, bool) or not isinstance(v, (int, float)):
            fail(f"a number column holds {v!r}, not a JSON number")
        return str(v) if isinstance(v, int) else repr(v)
    return v


def check_json(ex, path, f, only):
    doc = json.load(open(path))
    if doc.get("from") != f.frm or doc.get("to") != f.to or doc.get("area") != f.area:
        fail(f"JSON filter fields {doc.get('from')}, {doc.get('to')}, {doc.get('area')}")
    if not re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", doc.get("generated_at", "")):
        fail(f"generated_at {doc.get('generated_at')!r}")
    names = [r["report"] for r in doc["reports"]]
    want = [only] if only else [n for n in ALL_REPORTS if not (f.area and n in NO_AREA)]
    if names != want:
        fail(f"JSON reports {names}, expected {want}")
    rows = 0
    for r in doc["reports"]:
        if len(r["columns"]) != len(r["types"]) or any(len(x) != len(r["columns"])
                                                       for x in r["rows"]):
            fail(f"{r['report']}: columns, types and rows differ in length")
        actual = [[json_cell(v, k) for v, k in zip(row, r["types"])] for row in r["rows"]]
        compare(r["report"], ex.report(r["report"], f), actual)
        rows += len(actual)
    print(f"json: {len(names)} reports, {rows} rows equal the expected ones")


def check_csv(ex, path, f, name, list_json):
    raw = open(path, "rb").read()
    lines = raw.split(b"\r\n")
    if lines[-1] != b"" or any(b"\n" in l for l in lines):
        fail("CSV lines must end with CRLF (RFC 4180)")
    with open(path, newline="") as fh:
        rows = list(csv.reader(fh, strict=True))
    if not rows:
        fail("CSV: no header row")
    want = json.load(open(list_json))
    cols = next(r["columns"] for r in want if r["name"] == name)
    if rows[0] != cols:
        fail(f"CSV header {rows[0]}, expected {cols}")
    actual = [[c if c != "" else None for c in r] for r in rows[1:]]
    compare(name, ex.report(name, f), actual)
    print(f"csv {name}: {len(actual)} rows equal the expected ones")


def parse_text(path):
    """The text of one or all reports: {name: (headers, rows)}."""
    lines = open(path).read().split("\n")
    out, i = {}, 0
    while i < len(lines):
        m = re.fullmatch(r".* \(([a-z_]+)\)", lines[i])
        if not m or i + 2 >= len(lines) or not re.fullmatch(r"-+(  -+)*", lines[i + 2]):
            i += 1
            continue
        name, head, rule = m.group(1), lines[i + 1], lines[i + 2]
        spans = [(s.start(), s.end()) for s in re.finditer(r"-+", rule)]
        cut = lambda l: [l[a:b].strip() if k + 1 < len(spans) else l[a:].strip()
                         for k, (a, b) in enumerate(spans)]
        headers, rows = cut(head), []
        i += 3
        while i < len(lines) and lines[i] and lines[i] != "(nothing counted in this range)":
            cells = cut(lines[i])
            rows.append([None if c == "-" else c for c in cells])
            i += 1
        out[name] = (headers, rows)
    return out


def check_text(ex, path, f, only):
    parsed = parse_text(path)
    want = [only] if only else [n for n in ALL_REPORTS if not (f.area and n in NO_AREA)]
    if list(parsed) != want:
        fail(f"text reports {list(parsed)}, expected {want}")
    rows = 0
    for name, (headers, cells) in parsed.items():
        expected = ex.report(name, f)
        # Numbers carry thousands separators in text.
        actual = [[c.replace(",", "") if c is not None and isinstance(e, Decimal) else c
                   for c, e in zip(row, exp_row)]
                  for row, exp_row in zip(cells, expected)] + cells[len(expected):]
        compare(name, expected, actual)
        rows += len(cells)
    print(f"text: {len(parsed)} reports, {rows} rows equal the expected ones")


# ---------------------------------------------------------------- html
def expected_charts(ex, f):
    charts = {}
    months = ex.registration_months(f)
    regs = [r for r in months if f.month(r[0])]
    charts["registrations"] = ([r[0][:7] for r in regs],
                               [("Liaoning FTZ, cumulative", [r[3] for r in regs]),
                                ("Shanghai FTZ benchmark", [r[5] for r in regs])])
    rail = [r for r in ex.report_rail(Filter(f.frm, f.to, None)) if r[2] != 0]
    charts["rail"] = ([r[0] for r in rail],
                      [("Rail, average transit days", [r[3] for r in rail]),
                       ("Sea, days", [Decimal(SEA_DAYS)] * len(rail))])
    by = sums(ex.customs, lambda r: (r["area"], r["direction"]), ("cleared", "clearance_seconds_sum"),
              lambda r: f.day(r["day"]) and f.in_area(r["area"]))
    keys = sorted(k for k, g in by.items() if g["cleared"] > 0)
    areas = sorted({a for a, _ in keys})
    dirs = []
    for a, d in keys:
        if d not in dirs:
            dirs.append(d)
    charts["clearance"] = (areas, [(d, [avg(by[(a, d)]["clearance_seconds_sum"],
                                            by[(a, d)]["cleared"], 3600)
                                        if (a, d) in keys else None for a in areas])
                                   for d in dirs])
    pm = ex._partners(f, lambda r: (month_of(r["day"]), r["partner_country"]))
    totals = defaultdict(Decimal)
    for (m, p), g in pm.items():
        totals[p] += g["declared_value_cny"]
    top = sorted(totals, key=lambda p: (-totals[p], p))[:5]
    ms = sorted({m for m, _ in pm})
    charts["partners"] = ([m[:7] for m in ms],
                          [(p, [rnd(Fraction(pm[(m, p)]["declared_value_cny"]) / 10 ** 6, 2)
                                if (m, p) in pm else Decimal(0) for m in ms]) for p in top])
    return charts, regs


def check_html(ex, dom_path, f, companies, benchmark_last):
    dom = open(dom_path).read()
    m = re.search(r'<pre id="ftz-drawn"[^>]*>(.*?)</pre>', dom, re.S)
    if not m or not m.group(1).strip():
        fail("the rendered page has no #ftz-drawn content: the page script did not run")
    drawn = json.loads(html.unescape(m.group(1)))
    if drawn.get("errors"):
        fail(f"the page reported errors: {drawn['errors']}")
    got = {c["id"]: c for c in drawn["charts"]}
    charts, regs = expected_charts(ex, f)
    if sorted(got) != sorted(charts):
        fail(f"charts drawn {sorted(got)}, expected {sorted(charts)}")
    types = {"registrations": ("line", ["line", "line"]), "rail": ("bar", ["bar", "line"]),
             "clearance": ("bar", None), "partners": ("bar", None)}
    points = 0
    for cid, (labels, series) in charts.items():
        c = got[cid]
        if c["type"] != types[cid][0]:
            fail(f"chart {cid}: type {c['type']}, expected {types[cid][0]}")
        if not (c["width"] > 0 and c["height"] > 0):
            fail(f"chart {cid}: canvas {c['width']}x{c['height']}")
        if c["labels"] != labels:
            fail(f"chart {cid}: labels {c['labels'][:8]}..., expected {labels[:8]}...")
        if [d["label"] for d in c["datasets"]] != [s[0] for s in series]:
            fail(f"chart {cid}: series {[d['label'] for d in c['datasets']]}, "
                 f"expected {[s[0] for s in series]}")
        if types[cid][1] and [d["type"] for d in c["datasets"]] != types[cid][1]:
            fail(f"chart {cid}: dataset types {[d['type'] for d in c['datasets']]}")
        for d, (label, values) in zip(c["datasets"], series):
            actual = [None if v is None else repr(v) if isinstance(v, float) else str(v)
                      for v in d["data"]]
            if len(actual) != len(values) or not all(same(e, a) for e, a in zip(values, actual)):
                fail(f"chart {cid} series {label}: drew {actual[-6:]} (last 6 of "
                     f"{len(actual)}), expected {[str(v) for v in values][-6:]}")
            n = sum(v is not None for v in values)
            if not (d["drawn"] == len(values) and d["finite"] == n and d["inside"] == n
                    and d["visible"]):
                fail(f"chart {cid} series {label}: {d['drawn']} elements drawn, {d['finite']} "
                     f"with finite coordinates, {d['inside']} inside the canvas, for "
                     f"{len(values)} points ({n} with a value)")
            points += d["drawn"]
        if not labels:
            fail(f"chart {cid}: nothing to draw (the test data should fill every chart)")
    # The figures the zone cares about, said plainly.
    cum = got["registrations"]["datasets"][0]["data"]
    bench = got["registrations"]["datasets"][1]["data"]
    if companies is not None and Decimal(str(cum[-1])) != Decimal(companies):
        fail(f"registrations: last cumulative point {cum[-1]}, ftz.companies holds {companies}")
    if Decimal(repr(bench[-1]) if isinstance(bench[-1], float) else str(bench[-1])) != \
            Decimal(benchmark_last):
        fail(f"registrations: benchmark at the last month {bench[-1]}, the view says "
             f"{benchmark_last}")
    print(f"html: {len(got)} charts, {points} points drawn with the expected values; "
          f"registrations end at {cum[-1]} against the benchmark's {bench[-1]}")


# ---------------------------------------------------------------- offline, png
def check_offline(page_path, chartjs_path):
    page = open(page_path, encoding="utf-8").read()
    lib = open(chartjs_path, encoding="utf-8").read()
    m = re.search(r'<script id="ftz-chartjs">(.*?)</script>', page, re.S)
    if not m:
        fail("no <script id=\"ftz-chartjs\"> element")
    if m.group(1) != lib:
        fail(f"the embedded Chart.js is not {chartjs_path} verbatim")
    rest = page[:m.start()] + page[m.end():]
    url = re.search(r"https?://", rest, re.I)
    if url:
        fail(f"the page names a URL: ...{rest[max(0, url.start() - 60):url.start() + 60]}...")
    loads = re.search(r"<(script|img|iframe|link|source|embed|object)\b[^>]*\b(src|href|data)\s*=|"
                      r"url\(|@import|\bfetch\(|XMLHttpRequest", rest, re.I)
    if loads:
        fail(f"the page loads something: {loads.group(0)}")
    comments = [(c.start(), c.end()) for c in re.finditer(r"/\*.*?\*/", lib, re.S)]
    for u in re.finditer(r"https?://", lib):
        if not any(a <= u.start() < b for a, b in comments):
            fail(f"Chart.js names a URL outside a comment at {u.start()}")
    print(f"offline: {len(page)} bytes, Chart.js embedded verbatim, no URL outside its "
          f"comments, nothing loaded")


def check_png(path, width, height):
    data = open(path, "rb").read()
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        fail(f"{path} is not a PNG")
    if len(data) < 20 * 1024:
        fail(f"{path}: {len(data)} bytes, a blank page is that small")
    pos, idat, ihdr = 8, b"", None
    while pos < len(data):
        n, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + n]
        if kind == b"IHDR":
            ihdr = struct.unpack(">IIBBBBB", body)
        elif kind == b"IDAT":
            idat += body
        pos += 12 + n
    w, h, depth, ctype = ihdr[:4]
    if (w, h) != (width, height):
        fail(f"screenshot {w}x{h}, expected {width}x{height}")
    if depth != 8 or ctype not in (2, 6):
        fail(f"unexpected PNG format: depth {depth}, colour type {ctype}")
    bpp = 3 if ctype == 2 else 4
    raw = zlib.decompress(idat)
    stride = w * bpp
    if len(raw) != h * (stride + 1):
        fail(f"{path}: {len(raw)} bytes of pixel data, expected {h * (stride + 1)}")
    # Un-filter (PNG filters 0-4) the top rows, where the page's heading and
    # charts are: enough to tell a drawn page from a blank one, and quick.
    prev = bytes(stride)
    colours = set()
    for y in range(min(h, 1000)):
        ft = raw[y * (stride + 1)]
        line = bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        if ft == 1:
            for x in range(bpp, stride):
                line[x] = (line[x] + line[x - bpp]) & 255
        elif ft == 2:
            line = bytearray((a + b) & 255 for a, b in zip(line, prev))
        elif ft == 3:
            for x in range(stride):
                line[x] = (line[x] + ((line[x - bpp] if x >= bpp else 0) + prev[x]) // 2) & 255
        elif ft == 4:
            for x in range(stride):
                a = line[x - bpp] if x >= bpp else 0
                b = prev[x]
                c = prev[x - bpp] if x >= bpp else 0
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[x] = (line[x] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
        elif ft != 0:
            fail(f"{path}: unknown PNG filter {ft} in row {y}")
        for x in range(0, stride, bpp):
            colours.add(bytes(line[x:x + 3]))
        prev = bytes(line)
    if len(colours) <= 10:
        fail(f"screenshot has {len(colours)} colours: blank")
    print(f"png: {w}x{h}, {len(data)} bytes, {len(colours)} colours in its top "
          f"{min(h, 1000)} rows")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("what", choices=["json", "csv", "text", "html", "offline", "png"])
    ap.add_argument("args", nargs="+")
    ap.add_argument("--report")
    ap.add_argument("--from", dest="frm")
    ap.add_argument("--to")
    ap.add_argument("--area")
    ap.add_argument("--list-json", help="csv: `ftz report --list --format json`")
    ap.add_argument("--companies")
    ap.add_argument("--benchmark-last")
    o = ap.parse_args()
    if o.what == "offline":
        return check_offline(*o.args)
    if o.what == "png":
        return check_png(o.args[0], int(o.args[1]), int(o.args[2]))
    ex, f = Expected(o.args[0]), Filter(o.frm, o.to, o.area)
    if o.what == "json":
        check_json(ex, o.args[1], f, o.report)
    elif o.what == "csv":
        check_csv(ex, o.args[1], f, o.report, o.list_json)
    elif o.what == "text":
        check_text(ex, o.args[1], f, o.report)
    else:
        check_html(ex, o.args[1], f, o.companies, o.benchmark_last)


if __name__ == "__main__":
    main()
