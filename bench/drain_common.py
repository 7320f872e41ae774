"""Helpers shared by the drain benchmark's Python pieces (bench/drain).

Kept dependency-free (standard library only) so that the orchestrator, the
Python peer consumer and the PostgreSQL-limit probe can all import it.
"""
import os
import re
import sys
import time

CLK_TCK = os.sysconf("SC_CLK_TCK")

# The three record types (the simulator's names for them), in the order ftz
# uses (ftz_rtype_t), and the topic each is produced to.
TYPES = ("customs", "rail", "registration")
TOPICS = {
    "customs": "ftz.customs.declarations",
    "rail": "ftz.rail.events",
    "registration": "ftz.registry.companies",
}

# COPY text format: only these four characters need escaping in our data;
# the translate table is built once (str.translate is the fastest way to
# do it in CPython, and most fields have nothing to escape at all).
_COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})
_NEEDS_ESCAPE = re.compile(r"[\\\t\n\r]")


def copy_text(s):
    """s escaped for a COPY text-format field."""
    return s.translate(_COPY_ESCAPES) if _NEEDS_ESCAPE.search(s) else s


def fen_text(fen):
    """Integer fen (hundredths of a CNY) as a decimal string, exact."""
    sign = "-" if fen < 0 else ""
    fen = abs(fen)
    return "%s%d.%02d" % (sign, fen // 100, fen % 100)


def decimal_text_to_fen(s):
    """A JSON decimal (string or number, at most two decimals) as fen."""
    s = str(s)
    neg = s.startswith("-")
    if neg:
        s = s[1:]
    whole, _, frac = s.partition(".")
    fen = int(whole or "0") * 100 + int((frac + "00")[:2])
    return -fen if neg else fen


def proc_cpu_seconds(pid):
    """utime + stime of a process from /proc/<pid>/stat, in seconds, or
    None when the process is gone. Works for PostgreSQL backends too when
    run as root or as the server's user."""
    try:
        with open("/proc/%d/stat" % pid, "rb") as f:
            data = f.read()
    except OSError:
        return None
    # The command name (field 2) may contain spaces: split after its ')'.
    fields = data[data.rindex(b")") + 2:].split()
    return (int(fields[11]) + int(fields[12])) / CLK_TCK


def log(prog, msg):
    """One stderr line with an ISO timestamp, like ftz's own log lines."""
    t = time.time()
    stamp = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(t)) + ".%03dZ" % (int(t * 1000) % 1000)
    print("%s INFO  %-7s %s" % (stamp, prog, msg), file=sys.stderr, flush=True)


# The aggregate tables in canonical text, rows whose measures are all zero
# left out, weights rounded to 3 decimals: the queries of
# tests/lib.sh, so that the text equals what tests/stack/oracle.py
# prints for the same input (run through `psql -A -t`).
TABLE_QUERIES = {
    "customs": """
        SELECT day, area, direction, hs_chapter, partner_country, transport_mode,
               declarations, declared_value_cny, round(gross_weight_kg::numeric, 3),
               cleared, held, clearance_seconds_sum
        FROM ftz.customs_daily
        WHERE declarations <> 0 OR declared_value_cny <> 0 OR gross_weight_kg <> 0
           OR cleared <> 0 OR held <> 0 OR clearance_seconds_sum <> 0
        ORDER BY 1, 2, 3, 4, 5, 6""",
    "rail": """
        SELECT day, corridor, direction, cargo_category, goods_origin_country, departures,
               border_crossings, arrivals, teu_departed, cargo_value_departed_cny,
               transit_seconds_sum
        FROM ftz.rail_daily
        WHERE departures <> 0 OR border_crossings <> 0 OR arrivals <> 0
        ORDER BY 1, 2, 3, 4, 5""",
    "registrations": """
        SELECT month, area, industry, enterprise_type, investor_country, companies,
               registered_capital_cny
        FROM ftz.registrations_monthly WHERE companies <> 0 ORDER BY 1, 2, 3, 4, 5""",
}
