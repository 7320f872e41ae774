#!/usr/bin/env python3
"""Exports for `ftz produce` in both formats, with bad records mixed in.

  produce_inputs.py TYPE SIM.jsonl PREFIX

Reads the simulated records SIM.jsonl (`ftz simulate -t TYPE`) and writes:

  PREFIX.jsonl     the first half as JSON lines, with a UTF-8 BOM; customs
                   with CRLF line ends, rail with CR only (old Mac),
                   registration with LF; bad lines among the good ones
                   (one of them 2 MB long)
  PREFIX.csv       the second half as CSV (Python's csv module: RFC 4180,
                   CRLF, quoted cells with commas and quotes), with a BOM,
                   the columns in another order than the schema's; bad
                   records among the good ones, some spanning several
                   physical lines (quoted cells with line ends)
  PREFIX.good.jsonl  the good records, in the order they are produced
                   (JSON file first, then CSV), for tests/stack/oracle.py
  PREFIX.expected  one line per bad record: FILE:LINE CODE TEXT, where
                   LINE is the physical line where the record starts and
                   TEXT a piece of the reason

Bad records carry ids of their own, so that they change no good entity.
"""
import csv
import io
import json
import re
import sys

kind, sim_path, prefix = sys.argv[1], sys.argv[2], sys.argv[3]
records = [json.loads(line) for line in open(sim_path, encoding="utf-8") if line.strip()]
half = len(records) // 2
first, second = records[:half], records[half:]
ID = {"customs": "declaration_id", "rail": "event_id", "registration": "uscc"}[kind]


def bad(base, n, **changes):
    """A copy of base with its own id and the changes (None removes a field)."""
    r = dict(base)
    if kind == "registration":
        r[ID] = "91210100MA%07dX" % n  # checksum wrong: a rule failure unless changed
    else:
        r[ID] = "BAD-%s-%d" % (kind, n)
    for k, v in changes.items():
        if v is None:
            r.pop(k, None)
        else:
            r[k] = v
    return r


# A valid USCC for the bad registrations that must fail on something else.
def uscc_valid(body17):
    chars = "0123456789ABCDEFGHJKLMNPQRTUWXY"
    weights = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28]
    s = sum(chars.index(c) * w for c, w in zip(body17, weights))
    return body17 + chars[(31 - s % 31) % 31]


# ---- JSON lines: (text, expected code, reason piece) for each bad line
base = first[0]
if kind == "customs":
    json_bad = [
        (json.dumps(bad(base, 1, area="HARBIN")), "BAD_JSON", "HARBIN"),
        (json.dumps(bad(base, 2, gross_weight_kg="heavy")), "BAD_JSON", "gross_weight_kg"),
        (json.dumps(bad(base, 3, filed_at=None)), "BAD_JSON", "filed_at: missing"),
        (json.dumps(bad(base, 4, hs_code="770000")), "RULE_HS_CODE", "770000"),
        ('{"declaration_id": "BAD-customs-5", "revision": 1', "BAD_JSON", ""),
    ]
elif kind == "rail":
    json_bad = [
        (json.dumps(bad(base, 1, direction="SIDEWAYS")), "BAD_JSON", "SIDEWAYS"),
        (json.dumps(bad(base, 2, teu="two")), "BAD_JSON", "teu"),
        (json.dumps(bad(base, 3, station=None)), "BAD_JSON", "station: missing"),
        (json.dumps(bad(base, 4, teu=9)), "RULE_TEU", "teu"),
    ]
else:
    json_bad = [
        (json.dumps(bad(base, 1, uscc=uscc_valid("91210100MA0000001"), area="HARBIN")),
         "BAD_JSON", "HARBIN"),
        (json.dumps(bad(base, 2, uscc=uscc_valid("91210100MA0000002"),
                        registered_capital_cny="lots")), "BAD_JSON", "registered_capital_cny"),
        (json.dumps(bad(base, 3)), "RULE_USCC_CHECKSUM", "uscc"),
    ]
json_bad.append(('{"%s": "LONG", "pad": "%s"}' % (ID, "x" * (2 << 20)), "LINE_TOO_LONG",
                 "1048576"))
eol = {"customs": "\r\n", "rail": "\r", "registration": "\n"}[kind]
json_name = prefix.rsplit("/", 1)[-1] + ".jsonl"
expected, good = [], []
lines = []
step = max(1, len(first) // (len(json_bad) + 1))
bad_iter = iter(json_bad)
for i, r in enumerate(first):
    if i and i % step == 0:
        b = next(bad_iter, None)
        if b:
            lines.append(b[0])
            expected.append("%s:%d %s %s" % (json_name, len(lines), b[1], b[2]))
    lines.append(json.dumps(r, ensure_ascii=False))
    good.append(r)
for b in bad_iter:
    lines.append(b[0])
    expected.append("%s:%d %s %s" % (json_name, len(lines), b[1], b[2]))
with open(prefix + ".jsonl", "w", encoding="utf-8", newline="") as f:
    f.write("\ufeff" + eol.join(lines) + eol)

# ---- CSV: the header in reverse order of the schema's fields
header = list(reversed(list(first[0].keys())))


def cell(v):
    if v is None:
        return ""
    if isinstance(v, float):
        return repr(v)
    return str(v)


def row_text(r, fields=None):
    out = io.StringIO()
    w = csv.writer(out)  # RFC 4180: CRLF, quotes as needed, doubled inside
    w.writerow([cell(r.get(k)) for k in (fields or header)])
    return out.getvalue()


b0 = second[0]
if kind == "customs":
    csv_bad = [
        (row_text(bad(b0, 11, area="HARBIN", declaration_id="BAD-customs-11\nsecond line")),
         "BAD_JSON", "HARBIN"),
        (row_text(bad(b0, 12, gross_weight_kg="12,5")), "BAD_JSON", "gross_weight_kg"),
        (row_text(bad(b0, 13, filed_at=None)), "BAD_JSON", "filed_at: missing"),
        (row_text(bad(b0, 14, hs_code="770000")), "RULE_HS_CODE", "770000"),
        (row_text(bad(b0, 15, destination_country="XX", origin_country="CN",
                      direction="EXPORT")), "RULE_COUNTRY_CODE", "XX"),
    ]
elif kind == "rail":
    csv_bad = [
        (row_text(bad(b0, 11, direction="SIDEWAYS", station='Multi\r\nline "station", 3 lines\nhere')),
         "BAD_JSON", "SIDEWAYS"),
        (row_text(bad(b0, 12, teu="two")), "BAD_JSON", "teu"),
        (row_text(bad(b0, 13, station=None)), "BAD_JSON", "station: missing"),
        (row_text(bad(b0, 14, teu=9)), "RULE_TEU", "teu"),
        (row_text(bad(b0, 15, train_id="x" * (2 << 20) + "\n" + "y" * 10)), "LINE_TOO_LONG",
         "1048576"),
    ]
else:
    csv_bad = [
        (row_text(bad(b0, 11, uscc=uscc_valid("91210100MA0000011"), area="HARBIN",
                      company_name='Dalian "Harbin", Co.\nLtd.')), "BAD_JSON", "HARBIN"),
        (row_text(bad(b0, 12, uscc=uscc_valid("91210100MA0000012"),
                      registered_capital_cny="1.999")), "BAD_JSON", "registered_capital_cny"),
        (row_text(bad(b0, 13, uscc=uscc_valid("91210100MA0000013"), registered_at=None)),
         "BAD_JSON", "registered_at: missing"),
        (row_text(bad(b0, 14)), "RULE_USCC_CHECKSUM", "uscc"),
        (row_text(bad(b0, 15, uscc=uscc_valid("91210100MA0000015"), industry="Z")),
         "RULE_INDUSTRY", "industry"),
    ]
# Not CSV at all: a quote inside an unquoted cell, and a row with a cell too many.
csv_bad.append(('BAD-%s-16,x"y,z' % kind + "," * (len(header) - 3) + "\r\n", "BAD_CSV", "quote"))
csv_bad.append((row_text(bad(b0, 17)).rstrip("\r\n") + ",extra\r\n", "BAD_CSV", "cells"))

csv_name = prefix.rsplit("/", 1)[-1] + ".csv"
chunks = [row_text({k: k for k in header})]
line = 2  # the physical line of the next record
step = max(1, len(second) // (len(csv_bad) + 1))
bad_iter = iter(csv_bad)


def ends(text):
    return len(re.findall(r"\r\n|\r|\n", text))


for i, r in enumerate(second):
    if i and i % step == 0:
        b = next(bad_iter, None)
        if b:
            chunks.append(b[0])
            expected.append("%s:%d %s %s" % (csv_name, line, b[1], b[2]))
            line += ends(b[0])
    t = row_text(r)
    chunks.append(t)
    line += ends(t)
    good.append(r)
for b in bad_iter:
    chunks.append(b[0])
    expected.append("%s:%d %s %s" % (csv_name, line, b[1], b[2]))
    line += ends(b[0])
with open(prefix + ".csv", "w", encoding="utf-8", newline="") as f:
    f.write("\ufeff" + "".join(chunks))
with open(prefix + ".good.jsonl", "w", encoding="utf-8") as f:
    for r in good:
        f.write(json.dumps(r, ensure_ascii=False) + "\n")
with open(prefix + ".expected", "w", encoding="utf-8") as f:
    for e in expected:
        f.write(e + "\n")
