# Sourced by tests: FTZ_PY is the virtualenv python with fastavro that
# deploy/deps.sh (make deps) installs.
FTZ_PY="${FTZ_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/ftz-pipeline}/pyvenv/bin/python"
if ! "$FTZ_PY" -c 'import fastavro, confluent_kafka' 2>/dev/null; then
  echo "FAIL: $FTZ_PY lacks fastavro or confluent_kafka: run make deps" >&2
  exit 1
fi
