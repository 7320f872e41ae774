#!/usr/bin/env bash
# deploy/deps.sh - install the Debian 12 packages ftz-pipeline needs (called by `make deps`).
#
# Installs only what is missing; prints nothing and exits 0 when everything is present.
set -euo pipefail

readonly PROG=${0##*/}

PACKAGES=(
  build-essential cmake pkg-config
  librdkafka-dev libavro-dev libpq-dev libcmocka-dev libjansson-dev libyajl-dev libmicrohttpd-dev libcsv-dev
  zlib1g-dev liblzma-dev libsnappy-dev
  postgresql kcat clang libclang-rt-14-dev python3 procps
  python3-venv python3-confluent-kafka python3-psycopg
  prometheus python3-yaml
  libjs-chart.js chromium
  # make deb and its test: man pages from --help, lintian, man, systemd-analyze, the postinst's adduser
  help2man lintian man-db systemd adduser
)
readonly JAVA_MIN=17
readonly JAVA_PKG=openjdk-17-jre-headless
readonly MAVEN_PKG=maven

usage() {
  cat <<USAGE
Usage: $PROG [--help]

Install the Debian 12 packages needed to build, test and run ftz-pipeline
locally, and only those that are missing. Silent (exit 0) when all are present.

Packages checked with dpkg-query:
  ${PACKAGES[*]}
Also: fastavro (PyPI) in a virtualenv under \$FTZ_CACHE_DIR/pyvenv, for the
      interoperability tests;
      $JAVA_PKG if \`java -version\` is older than $JAVA_MIN (or java is absent),
      $MAVEN_PKG if \`mvn\` is not on PATH.

Missing packages are installed with one \`apt-get update\` followed by
\`apt-get install -y --no-install-recommends ...\`, as root, or through sudo
when run as another user.

Environment:
  FTZ_DEPS_VERBOSE=1   show apt-get's own output (default: hidden unless it fails)
USAGE
}

die() { printf '%s: error: %s\n' "$PROG" "$*" >&2; exit 1; }

case "${1:-}" in
  -h|--help) usage; exit 0 ;;
  "") ;;
  *) usage >&2; die "unknown argument: $1" ;;
esac

is_installed() {
  local status
  status=$(dpkg-query -W -f='${Status}' "$1" 2>/dev/null) || return 1
  [[ $status == "install ok installed" ]]
}

# Major version of the `java` on PATH, 0 when there is none or it can't be read.
java_major() {
  local line ver
  command -v java >/dev/null 2>&1 || { echo 0; return; }
  line=$(java -version 2>&1 | grep -m1 -E 'version "' || true)
  ver=${line#*version \"}
  ver=${ver%%\"*}
  [[ $ver == 1.* ]] && ver=${ver#1.}          # 1.8.0_x -> 8
  ver=${ver%%[.+-]*}
  [[ $ver =~ ^[0-9]+$ ]] && echo "$ver" || echo 0
}

command -v dpkg-query >/dev/null 2>&1 || die "dpkg-query not found: this script supports Debian/Ubuntu only"

missing=()
for p in "${PACKAGES[@]}"; do
  is_installed "$p" || missing+=("$p")
done
java_ver=$(java_major)
if (( java_ver < JAVA_MIN )) && ! is_installed "$JAVA_PKG"; then
  missing+=("$JAVA_PKG")
fi
if ! command -v mvn >/dev/null 2>&1 && ! is_installed "$MAVEN_PKG"; then
  missing+=("$MAVEN_PKG")
fi

if (( ${#missing[@]} > 0 )); then
  sudo_cmd=()
  if (( EUID != 0 )); then
    if command -v sudo >/dev/null 2>&1; then
      sudo_cmd=(sudo)
    else
      die "not root and sudo is not available; as root, run:
  apt-get update && apt-get install -y --no-install-recommends ${missing[*]}"
    fi
  fi

  echo "$PROG: installing ${missing[*]}"

  log=$(mktemp "${TMPDIR:-/tmp}/ftz-deps.XXXXXX")
  trap 'rm -f "$log"' EXIT
  apt_run() {
    if [[ ${FTZ_DEPS_VERBOSE:-0} == 1 ]]; then
      "${sudo_cmd[@]}" env DEBIAN_FRONTEND=noninteractive "$@"
    elif ! "${sudo_cmd[@]}" env DEBIAN_FRONTEND=noninteractive "$@" >"$log" 2>&1; then
      tail -n 40 "$log" >&2
      return 1
    fi
  }
  apt_run apt-get -o DPkg::Lock::Timeout=300 update \
    || die "apt-get update failed (output above)"
  apt_run apt-get -o DPkg::Lock::Timeout=300 install -y --no-install-recommends "${missing[@]}" \
    || die "apt-get install failed for: ${missing[*]} (output above)"

  java_ver=$(java_major)
fi

# fastavro, the second Avro implementation the interoperability tests check
# against, from PyPI into a virtualenv in the cache (outside the source
# tree); it sees Debian's python3-confluent-kafka.
readonly FASTAVRO_VERSION=1.13.1
pyvenv="${FTZ_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/ftz-pipeline}/pyvenv"
if ! "$pyvenv/bin/python" -c "import fastavro, sys; sys.exit(fastavro.__version__ != '$FASTAVRO_VERSION')" 2>/dev/null; then
  echo "$PROG: installing fastavro $FASTAVRO_VERSION into $pyvenv"
  /usr/bin/python3 -m venv --system-site-packages "$pyvenv" \
    || die "could not create a virtualenv in $pyvenv"
  "$pyvenv/bin/pip" install -q --disable-pip-version-check "fastavro==$FASTAVRO_VERSION" \
    || die "pip could not install fastavro==$FASTAVRO_VERSION"
fi

# A java older than 17 may still be the default after installing openjdk-17.
if (( java_ver < JAVA_MIN )); then
  die "java $JAVA_MIN or newer is required but \`java -version\` reports ${java_ver/#0/none}; \
select it with: update-alternatives --config java"
fi
exit 0
