#!/usr/bin/env bash
# Canonical forms and fingerprints of every project schema agree with a
# second implementation: fastavro (tests/interop/avro_py.py).
set -euo pipefail
: "${FTZ_BIN:?}" "${FTZ_SOURCE_DIR:?}"
source "$FTZ_SOURCE_DIR/tests/interop/pyenv.sh"
py=$FTZ_PY
n=0
for f in "$FTZ_SOURCE_DIR"/schemas/*/*.avsc; do
  ours=$("$FTZ_BIN" schema canonical "$f")
  theirs=$("$py" "$FTZ_SOURCE_DIR/tests/interop/avro_py.py" canonical "$f")
  [[ "$ours" == "$theirs" ]] || { echo "FAIL: $f canonical form differs:"; echo " ftz:    $ours"; echo " python: $theirs"; exit 1; }
  ours=$("$FTZ_BIN" schema fingerprint "$f")
  theirs=$("$py" "$FTZ_SOURCE_DIR/tests/interop/avro_py.py" fingerprint "$f")
  [[ "$ours" == "$theirs" ]] || { echo "FAIL: $f fingerprint $ours, python says $theirs"; exit 1; }
  n=$((n + 1))
done
(( n >= 4 )) || { echo "FAIL: only $n schema files found"; exit 1; }
echo "$n schemas: canonical forms and fingerprints agree with fastavro"
