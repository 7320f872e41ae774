#!/usr/bin/env bash
# The monitoring files in deploy/monitoring are valid and consistent:
# - prometheus.yml passes `promtool check config` (which also checks the rule
#   files it names), alerts.yml `promtool check rules`, and the unit tests in
#   alerts_test.yml `promtool test rules`;
# - every alert has a severity, a summary and a description naming its
#   runbook section, the section exists in docs/monitoring.md, and the unit
#   tests show it both firing and silent;
# - the Grafana dashboard parses, every panel and query uses one of its two
#   data source inputs, every Prometheus expression names only metrics the
#   binaries export (the list below) and parses with promtool, and every SQL
#   query reads only the BI views and their columns.
# Needs no broker and starts no server.
set -euo pipefail
: "${FTZ_SOURCE_DIR:?}"

mon="$FTZ_SOURCE_DIR/deploy/monitoring"
docs="$FTZ_SOURCE_DIR/docs/monitoring.md"

command -v promtool >/dev/null 2>&1 \
  || { echo "FAIL: promtool not found (Debian package prometheus): run make deps" >&2; exit 1; }
python3 -c 'import yaml' 2>/dev/null \
  || { echo "FAIL: python3 cannot import yaml (Debian package python3-yaml): run make deps" >&2; exit 1; }

tmp=$(mktemp -d "${TMPDIR:-/tmp}/ftz-monitoring.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

run() {   # run CMD...: show its output only when it fails
  if ! "$@" >"$tmp/out" 2>&1; then
    cat "$tmp/out" >&2
    echo "FAIL: $*" >&2
    exit 1
  fi
}

run promtool check config "$mon/prometheus.yml"
grep -q 'alerts.yml' "$tmp/out" \
  || { cat "$tmp/out" >&2; echo "FAIL: promtool check config did not check alerts.yml" >&2; exit 1; }
run promtool check rules "$mon/alerts.yml"
run promtool test rules "$mon/alerts_test.yml"
echo "promtool: prometheus.yml, alerts.yml and alerts_test.yml pass"

# Consistency checks; writes the dashboard's expressions as recording rules
# to $tmp/dashboard_rules.yml for promtool to parse.
python3 - "$mon" "$docs" "$tmp/dashboard_rules.yml" <<'PY'
import json, re, sys, yaml

mon, docs_path, rules_out = sys.argv[1:4]
errors = []
def fail(msg):
    errors.append(msg)

# The metrics `ftz aggregate` and `ftz produce` export (docs/metrics.md),
# with their types; histograms also allow _bucket, _sum and _count.
METRICS = {
    "ftz_consumer_messages_total": "counter",
    "ftz_consumer_records_total": "counter",
    "ftz_consumer_dead_letters_total": "counter",
    "ftz_consumer_batches_total": "counter",
    "ftz_consumer_pg_retries_total": "counter",
    "ftz_consumer_pg_reconnects_total": "counter",
    "ftz_consumer_batch_messages": "histogram",
    "ftz_consumer_commit_duration_seconds": "histogram",
    "ftz_consumer_end_to_end_latency_seconds": "histogram",
    "ftz_consumer_lag_messages": "gauge",
    "ftz_consumer_last_commit_timestamp_seconds": "gauge",
    "ftz_consumer_last_commit_age_seconds": "gauge",
    "ftz_consumer_caught_up_timestamp_seconds": "gauge",
    "ftz_consumer_owned_partitions": "gauge",
    "ftz_consumer_ready": "gauge",
    "process_resident_memory_bytes": "gauge",
    "ftz_process_resident_memory_peak_bytes": "gauge",
    "process_cpu_seconds_total": "counter",
    "process_start_time_seconds": "gauge",
    "ftz_build_info": "gauge",
    "ftz_producer_records_read_total": "counter",
    "ftz_producer_records_rejected_total": "counter",
    "ftz_producer_records_sent_total": "counter",
    "ftz_producer_records_acknowledged_total": "counter",
    "ftz_producer_delivery_failures_total": "counter",
    "ftz_producer_delivery_latency_seconds": "histogram",
}
ALLOWED = {"up"}   # written by Prometheus itself for every target
for m, t in METRICS.items():
    ALLOWED.add(m)
    if t == "histogram":
        ALLOWED.update(m + s for s in ("_bucket", "_sum", "_count"))

KEYWORDS = {"by", "without", "on", "ignoring", "group_left", "group_right",
            "offset", "bool", "and", "or", "unless", "inf", "nan", "atan2"}

def strip_groups(expr, opener, closer):
    out, depth = [], 0
    for ch in expr:
        if ch == opener:
            depth += 1
            continue
        if ch == closer:
            depth -= 1
            continue
        if depth == 0:
            out.append(ch)
    return "".join(out)

def metric_names(expr):
    """Metric names in a PromQL expression (no parser needed for ours)."""
    s = re.sub(r'"(?:[^"\\]|\\.)*"|\'(?:[^\'\\]|\\.)*\'', '""', expr)   # strings
    s = strip_groups(s, "{", "}")                                        # label matchers
    s = strip_groups(s, "[", "]")                                        # ranges
    # label lists: `sum by (a, b) (x)` becomes `sum  (x)`, a function call
    s = re.sub(r'\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)', ' ', s)
    names = set()
    for m in re.finditer(r'[A-Za-z_:][A-Za-z0-9_:]*', s):
        word, rest = m.group(0), s[m.end():]
        if word in KEYWORDS or re.match(r'\s*\(', rest):
            continue                     # keyword or function call
        if m.start() > 0 and (s[m.start() - 1].isdigit() or s[m.start() - 1] == "."):
            continue                     # part of a number such as 1e3 or a duration
        names.add(word)
    if "__name__" in expr:
        fail(f"expression selects by __name__ (cannot be checked): {expr}")
    return names

def check_metrics(where, expr):
    unknown = metric_names(expr) - ALLOWED
    if unknown:
        fail(f"{where}: unknown metric(s) {sorted(unknown)} in: {expr}")

# ------------------------------------------------------------ prometheus.yml
with open(f"{mon}/prometheus.yml") as f:
    prom = yaml.safe_load(f)
if prom.get("global", {}).get("scrape_interval") != "15s":
    fail("prometheus.yml: global scrape_interval is not 15s")
if "alerts.yml" not in prom.get("rule_files", []):
    fail("prometheus.yml: rule_files does not name alerts.yml")
jobs = {j["job_name"]: j for j in prom.get("scrape_configs", [])}
for job in ("ftz-aggregate", "ftz-produce"):
    if job not in jobs:
        fail(f"prometheus.yml: no scrape job {job}")
    elif not any(sc.get("targets") for sc in jobs[job].get("static_configs", [])):
        fail(f"prometheus.yml: job {job} has no example target")

# ---------------------------------------------------------------- alerts.yml
with open(f"{mon}/alerts.yml") as f:
    rules = yaml.safe_load(f)
with open(docs_path) as f:
    docs = f.read()
headings = set(re.findall(r'^#+\s+(\S+)\s*$', docs, re.M))
alerts = {}
for g in rules["groups"]:
    for r in g["rules"]:
        if "alert" not in r:
            continue
        name = r["alert"]
        alerts[name] = r
        check_metrics(f"alerts.yml {name}", r["expr"])
        if r.get("labels", {}).get("severity") not in ("critical", "warning"):
            fail(f"alerts.yml {name}: severity label is not critical or warning")
        ann = r.get("annotations", {})
        for key in ("summary", "description"):
            if not ann.get(key):
                fail(f"alerts.yml {name}: no {key} annotation")
        if f"docs/monitoring.md, section {name}" not in ann.get("description", ""):
            fail(f"alerts.yml {name}: description does not name its runbook section")
        if ann.get("runbook") != f"docs/monitoring.md#{name.lower()}":
            fail(f"alerts.yml {name}: runbook annotation is not docs/monitoring.md#{name.lower()}")
        if name not in headings:
            fail(f"docs/monitoring.md: no section headed {name}")
        if not r.get("for"):
            fail(f"alerts.yml {name}: no `for` duration")
required = {"FtzConsumerLagGrowing", "FtzConsumerNoCommit", "FtzDeadLetterRateHigh",
            "FtzConsumerNotReady", "FtzConsumerDown"}
if required - alerts.keys():
    fail(f"alerts.yml: missing alerts {sorted(required - alerts.keys())}")
# The freshness alert must survive the member's series disappearing.
nc = alerts.get("FtzConsumerNoCommit", {}).get("expr", "")
for m in ("ftz_consumer_last_commit_timestamp_seconds", "ftz_consumer_caught_up_timestamp_seconds"):
    if not re.search(r'max_over_time\(\s*' + m, nc):
        fail(f"FtzConsumerNoCommit: {m} is not read through max_over_time")

# Every alert is tested firing and silent.
with open(f"{mon}/alerts_test.yml") as f:
    tests = yaml.safe_load(f)
fires, silent = set(), set()
for t in tests["tests"]:
    for a in t.get("alert_rule_test", []):
        (fires if a.get("exp_alerts") else silent).add(a["alertname"])
for name in alerts:
    if name not in fires:
        fail(f"alerts_test.yml: no test where {name} fires")
    if name not in silent:
        fail(f"alerts_test.yml: no test where {name} stays silent")

# ------------------------------------------------------------ the dashboard
with open(f"{mon}/grafana/ftz-pipeline.json") as f:
    dash = json.load(f)
inputs = {i["name"]: i for i in dash.get("__inputs", [])}
want_inputs = {"DS_PROMETHEUS": "prometheus", "DS_POSTGRES": "postgres"}
for name, plugin in want_inputs.items():
    if inputs.get(name, {}).get("type") != "datasource" or inputs[name].get("pluginId") != plugin:
        fail(f"dashboard: __inputs lacks the {plugin} data source {name}")
ds_kind = {"${DS_PROMETHEUS}": "prometheus", "${DS_POSTGRES}": "postgres"}
if not 36 <= dash.get("schemaVersion", 0) <= 41:
    fail(f"dashboard: schemaVersion {dash.get('schemaVersion')} is not in 36..41")

VIEWS = {
    "ftz.bi_registrations_monthly": {"month", "companies", "companies_cumulative", "shanghai_benchmark_cumulative"},
    "ftz.bi_rail_vs_sea": {"month", "corridor", "cargo_category", "avg_transit_days", "sea_days"},
    "ftz.bi_customs_clearance_daily": {"day", "area", "direction", "transport_mode", "avg_clearance_hours"},
    "ftz.bi_dead_letters_daily": {"day", "code", "dead_letters"},
}
SQL_WORDS = {"select", "as", "from", "where", "order", "by", "group", "union", "all",
             "and", "or", "not", "null", "is", "in", "asc", "desc", "limit", "case", "when",
             "then", "else", "end", "distinct", "timestamp", "timestamptz", "date",
             "numeric", "text", "metric", "value", "time"}

def check_sql(where, sql):
    views = set(re.findall(r'\bftz\.\w+', sql))
    if not views:
        fail(f"{where}: SQL reads no ftz view: {sql}")
    if views - VIEWS.keys():
        fail(f"{where}: SQL reads {sorted(views - VIEWS.keys())}, not one of the BI views")
    if "$__timeFilter(" not in sql:
        fail(f"{where}: SQL does not filter on the dashboard's time range ($__timeFilter)")
    columns = set().union(*(VIEWS.get(v, set()) for v in views))
    s = re.sub(r"'(?:[^']|'')*'", "''", sql)          # string literals
    s = re.sub(r'"[^"]*"', '""', s)                    # quoted aliases
    s = re.sub(r'\bftz\.\w+', '', s)                   # the views themselves
    s = re.sub(r'\$__\w+', '', s)                      # Grafana macros
    for m in re.finditer(r'[A-Za-z_]\w*', s):
        word, rest = m.group(0), s[m.end():]
        if word.lower() in SQL_WORDS or re.match(r'\s*\(', rest):
            continue                                   # keyword or function
        if word not in columns:
            fail(f"{where}: SQL names {word!r}, not a column of {sorted(views)}")

def walk(panels):
    for p in panels:
        yield p
        yield from walk(p.get("panels", []))

used, ids, recording = set(), set(), []
def add_prom(where, expr, key):
    check_metrics(where, expr)
    e = re.sub(r'\$\{?__\w+\}?', '1m', expr)          # $__rate_interval, $__interval, ...
    e = re.sub(r'\$\{?\w+(?::\w+)?\}?', '.*', e)       # dashboard variables (regex matchers)
    recording.append({"record": f"ftz_dashboard:{key}", "expr": e})

for p in walk(dash.get("panels", [])):
    if p.get("type") == "row":
        continue
    where = f"dashboard panel {p.get('id')} {p.get('title')!r}"
    if p.get("id") in ids:
        fail(f"{where}: duplicate panel id")
    ids.add(p.get("id"))
    if not isinstance(p.get("gridPos"), dict):
        fail(f"{where}: no gridPos")
    ds = p.get("datasource") or {}
    uid = ds.get("uid")
    if uid not in ds_kind or ds.get("type") != ds_kind[uid]:
        fail(f"{where}: data source {ds} is neither ${{DS_PROMETHEUS}} nor ${{DS_POSTGRES}}")
        continue
    used.add(uid)
    if not p.get("targets"):
        fail(f"{where}: no query")
    for t in p.get("targets", []):
        tw = f"{where} query {t.get('refId')}"
        if t.get("datasource", ds) != ds:
            fail(f"{tw}: data source differs from the panel's")
        if ds_kind[uid] == "prometheus":
            if not t.get("expr"):
                fail(f"{tw}: no expr")
            else:
                add_prom(tw, t["expr"], f"panel_{p['id']}_{t.get('refId')}")
        else:
            if not t.get("rawSql"):
                fail(f"{tw}: no rawSql")
            else:
                check_sql(tw, t["rawSql"])
for name in want_inputs:
    if "${%s}" % name not in used:
        fail(f"dashboard: no panel uses ${{{name}}}")

for v in dash.get("templating", {}).get("list", []):
    if v.get("type") != "query":
        continue
    q = v.get("query")
    q = q.get("query") if isinstance(q, dict) else q
    ds = v.get("datasource") or {}
    if ds.get("uid") not in ds_kind:
        fail(f"dashboard variable {v.get('name')}: data source {ds} is not an input")
    elif ds_kind[ds["uid"]] == "prometheus":
        m = re.fullmatch(r'\s*label_values\((.*),\s*\w+\)\s*', q or "")
        if not m:
            fail(f"dashboard variable {v['name']}: not a label_values(SELECTOR, LABEL) query")
        else:
            add_prom(f"dashboard variable {v['name']}", m.group(1), f"variable_{v['name']}")

with open(rules_out, "w") as f:
    yaml.safe_dump({"groups": [{"name": "ftz_dashboard", "rules": recording}]}, f, sort_keys=False)

if errors:
    for e in errors:
        print("FAIL:", e, file=sys.stderr)
    sys.exit(1)
print(f"alerts: {len(alerts)} rules documented and tested both ways; "
      f"dashboard: {len(ids)} panels, {len(recording)} Prometheus expressions over known metrics")
PY

# Every Prometheus expression of the dashboard parses.
run promtool check rules "$tmp/dashboard_rules.yml"
echo "promtool: the dashboard's Prometheus expressions parse"
