#!/usr/bin/env python3
"""Hostile CustomsDeclaration v2 values, one per class of input that
Avro-C 1.11.1 would mishandle (docs/landmines.md), each framed with
single-object encoding. Written by hand from the Avro specification.

  hostile.py FINGERPRINT_HEX OUTDIR

writes OUTDIR/NAME.bin for each class and OUTDIR/expected.txt with lines
NAME|substring of the reason the consumer must give.
"""
import os
import struct
import sys


def varint(n):
    n = (n << 1) ^ (n >> 63)          # zigzag, 64-bit
    n &= (1 << 64) - 1
    out = bytearray()
    while True:
        b = n & 0x7F
        n >>= 7
        if n:
            out.append(b | 0x80)
        else:
            out.append(b)
            return bytes(out)


def string(s):
    b = s.encode() if isinstance(s, str) else s
    return varint(len(b)) + b


def datum(**bad):
    """A valid record, with fields replaced by raw bytes in `bad`."""
    f = {
        "declaration_id": string("HOSTILE"),
        "revision": varint(1),
        "area": varint(2),
        "direction": varint(1),
        "status": varint(0),
        "hs_code": string("392321"),
        "origin_country": string("CN"),
        "destination_country": string("JP"),
        "transport_mode": varint(0),
        "customs_office": varint(0),                     # union branch 0: null
        "declared_value_cny": string(bytes([0x27, 0x10])),  # 100.00
        "gross_weight_kg": struct.pack("<d", 1.5),
        "filed_at": varint(1793520000000),
        "cleared_at": varint(0),
        "event_time": varint(1793520000000),
    }
    f.update(bad)
    return b"".join(f.values())


CASES = {
    "neg_string_len": (dict(declaration_id=varint(-5) + b"abcde"), "string length -5"),
    "huge_string_len": (dict(declaration_id=varint(2**31 - 1) + b"abc"), "exceeds"),
    "huge_string_len_2e62": (dict(hs_code=varint(2**62)), "exceeds"),
    "neg_bytes_len": (dict(declared_value_cny=varint(-3)), "length -3"),
    "enum_out_of_range": (dict(area=varint(7)), "enum index 7"),
    "enum_negative": (dict(transport_mode=varint(-1)), "enum index -1"),
    "union_out_of_range": (dict(customs_office=varint(4)), "union branch 4"),
    "union_negative": (dict(cleared_at=varint(-1)), "union branch -1"),
    "invalid_utf8": (dict(hs_code=string(b"39\xff321")), "UTF-8"),
    "nul_in_string": (dict(origin_country=string(b"C\x00")), "NUL"),
    "overlong_varint": (dict(filed_at=b"\x80" * 10 + b"\x01"), "varint"),
    "int_out_of_range": (dict(revision=varint(2**40)), "int"),
}


def main(fp_hex, outdir):
    header = b"\xc3\x01" + bytes.fromhex(fp_hex.replace(" ", ""))
    os.makedirs(outdir, exist_ok=True)
    with open(os.path.join(outdir, "expected.txt"), "w") as exp:
        for name, (bad, reason) in CASES.items():
            open(os.path.join(outdir, name + ".bin"), "wb").write(header + datum(**bad))
            exp.write(f"{name}|{reason}\n")
        good = header + datum()
        open(os.path.join(outdir, "trailing.bin"), "wb").write(good + b"\x00\x00\x00")
        exp.write("trailing|trailing\n")
        open(os.path.join(outdir, "truncated.bin"), "wb").write(good[:-3])
        exp.write("truncated|truncated\n")
        # Too big for --max-record-size 65536, otherwise valid.
        big = header + datum(declaration_id=string("B" * 100000))
        open(os.path.join(outdir, "too_big.bin"), "wb").write(big)
        exp.write("too_big|65536\n")
        open(os.path.join(outdir, "control.bin"), "wb").write(good)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
