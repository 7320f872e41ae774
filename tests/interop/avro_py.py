"""A second Avro implementation for the tests: fastavro (PyPI, installed by
deploy/deps.sh into a virtualenv) for canonical forms, fingerprints and
encoding, confluent-kafka (Debian's python3-confluent-kafka) for producing.
Nothing in this file uses the project's C code.

  avro_py.py canonical FILE        Parsing Canonical Form, per fastavro
  avro_py.py fingerprint FILE      its CRC-64-AVRO, signed decimal
  avro_py.py produce BROKERS TOPIC SCHEMA_FILE < records.jsonl
      encodes each JSON line (the project's plain JSON mapping) with
      fastavro, frames it with single-object encoding (C3 01, fingerprint
      little-endian, datum), produces it keyed by the record's id, and waits
      for every acknowledgement.
"""
import io
import json
import sys
from datetime import datetime
from decimal import Decimal

import fastavro
from fastavro.schema import fingerprint, parse_schema, to_parsing_canonical_form

KEYS = {"ftz.customs.CustomsDeclaration": "declaration_id", "ftz.rail.RailEvent": "shipment_id",
        "ftz.registry.CompanyRegistration": "uscc"}


def load(path):
    with open(path, encoding="utf-8") as f:
        return json.load(f)


def fp_bytes(schema_json):
    """The 8 fingerprint bytes as they appear on the wire (little-endian)."""
    return bytes.fromhex(fingerprint(to_parsing_canonical_form(schema_json), "CRC-64-AVRO"))


def logical(t):
    if isinstance(t, list):
        t = [b for b in t if b != "null"][0]
    return t.get("logicalType") if isinstance(t, dict) else None


def to_datum(schema_json, rec):
    """The project's plain JSON -> the Python objects fastavro writes."""
    out = {}
    for f in schema_json["fields"]:
        v = rec.get(f["name"], f.get("default"))
        lt = logical(f["type"])
        if v is not None and lt == "timestamp-millis":
            v = datetime.fromisoformat(v.replace("Z", "+00:00"))
        elif v is not None and lt == "decimal":
            v = Decimal(str(v))
        out[f["name"]] = v
    return out


def produce(brokers, topic, schema_file):
    from confluent_kafka import Producer
    schema_json = load(schema_file)
    parsed = parse_schema(schema_json)
    header = b"\xc3\x01" + fp_bytes(schema_json)
    key_field = KEYS[parsed["name"]]
    p = Producer({"bootstrap.servers": brokers, "enable.idempotence": True, "acks": "all"})
    failed = []

    def report(err, msg):
        if err:
            failed.append(str(err))

    n = 0
    for line in sys.stdin:
        if not line.strip():
            continue
        rec = json.loads(line)
        buf = io.BytesIO()
        fastavro.schemaless_writer(buf, parsed, to_datum(schema_json, rec))
        p.produce(topic, key=rec[key_field].encode(), value=header + buf.getvalue(),
                  on_delivery=report)
        p.poll(0)
        n += 1
    left = p.flush(60)
    if left or failed:
        sys.exit(f"avro_py: {left} unacknowledged, {len(failed)} failed: {failed[:3]}")
    print(f"avro_py: {n} records produced to {topic} (fastavro {fastavro.__version__})",
          file=sys.stderr)


def main():
    cmd = sys.argv[1]
    if cmd == "canonical":
        print(to_parsing_canonical_form(load(sys.argv[2])))
    elif cmd == "fingerprint":
        print(int.from_bytes(fp_bytes(load(sys.argv[2])), "little", signed=True))
    elif cmd == "produce":
        produce(sys.argv[2], sys.argv[3], sys.argv[4])
    else:
        sys.exit(f"unknown command {cmd}")


if __name__ == "__main__":
    main()
