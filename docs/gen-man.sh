#!/usr/bin/env bash
# Writes the man pages ftz.1 and ftz-COMMAND.1 (every command `ftz --help`
# lists, as docs/gen-cli.sh finds them) from the binary's `--help`, with
# help2man, gzipped (-9n: no name, no time stamp) as Debian ships them.
# Usage: docs/gen-man.sh path/to/ftz OUTDIR
# Run at build time (CMakeLists.txt, target ftz_man); SOURCE_DATE_EPOCH
# fixes the date on the pages (help2man honours it).
set -euo pipefail
ftz=${1:?usage: docs/gen-man.sh path/to/ftz OUTDIR}
out=${2:?usage: docs/gen-man.sh path/to/ftz OUTDIR}
command -v help2man >/dev/null 2>&1 || { echo "gen-man.sh: help2man not found: apt-get install help2man (make deps)" >&2; exit 1; }
ftz=$(cd "$(dirname "$ftz")" && pwd)/$(basename "$ftz")
version=$("$ftz" --version | awk '{print $2}')
[[ -n $version ]] || { echo "gen-man.sh: $ftz --version printed no version" >&2; exit 1; }
mkdir -p "$out"
rm -f "$out"/*.1.gz   # a command that is gone leaves no page behind
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# "  aggregate    consume, validate and ..." -> aggregate<TAB>consume, ...
"$ftz" --help | awk '/^Commands:/{on=1; next} on && /^  [a-z]/{name=$1; sub(/^  [a-z]+ +/, ""); print name "\t" $0} on && /^$/{exit}' >"$tmp/commands"
[[ -s $tmp/commands ]] || { echo "gen-man.sh: no commands found in \`$ftz --help\`" >&2; exit 1; }

pages=(ftz)
while IFS=$'\t' read -r cmd _; do pages+=("ftz-$cmd"); done <"$tmp/commands"

# page NAME "DESCRIPTION" COMMAND...: NAME.1.gz from COMMAND --help.
page() {
  local name=$1 what=$2
  shift 2
  local other see_also=""
  for other in "${pages[@]}"; do
    [[ $other == "$name" ]] || see_also+="${see_also:+,$'\n'}.BR $other (1)"
  done
  cat >"$tmp/$name.h2m" <<H2M
[SEE ALSO]
$see_also
.PP
The full documentation is in
.I /usr/share/doc/ftz-pipeline/
(README.md, docs/operations.md, docs/deployment.md, docs/cli.md, ...).
H2M
  help2man --no-info --no-discard-stderr --version-string "$name $version" \
    --name "$what" --section 1 --source "ftz-pipeline $version" --manual "ftz-pipeline manual" \
    --include "$tmp/$name.h2m" --output "$tmp/$name.1" "$*"
  grep -q "^\.SH SYNOPSIS" "$tmp/$name.1" || { echo "gen-man.sh: $name.1 has no SYNOPSIS (no Usage: line in the --help?)" >&2; exit 1; }
  gzip -9n <"$tmp/$name.1" >"$out/$name.1.gz"
}

page ftz "the Liaoning FTZ trade-event pipeline" "$ftz"
while IFS=$'\t' read -r cmd what; do
  page "ftz-$cmd" "$what" "$ftz" "$cmd"
done <"$tmp/commands"
