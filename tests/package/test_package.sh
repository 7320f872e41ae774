#!/usr/bin/env bash
# The Debian package (make deb), built from the release build $FTZ_BIN is
# in (`make package-test` runs this from build/):
#   - its contents: the binary, the units, the sysusers file, the schemas, a
#     man page per command, the docs, copyright and changelog; no tests,
#     benchmarks or fuzzers;
#   - the binary hardened: PIE, RELRO, BIND_NOW, stack protector, fortify;
#   - lintian: no E: line;
#   - dpkg -i on this machine (as root): `ftz --version`, `man ftz-aggregate`,
#     the units where systemd looks, `systemd-analyze verify` and
#     `systemd-analyze security --offline` on them, the user ftz and /etc/ftz
#     made by the postinst;
#   - dpkg --purge: everything gone again.
# The package is purged at the end, pass or fail, and the user ftz deleted if
# this test made it. A package already installed is not touched: the test
# fails and says so.
set -uo pipefail
: "${FTZ_BIN:?FTZ_BIN: the ftz of a release build}"
: "${FTZ_SOURCE_DIR:?FTZ_SOURCE_DIR: the source tree}"

fails=0
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }
ok() { echo "ok: $*"; }
die() { echo "FAIL: $*"; exit 1; }

build=$(cd "$(dirname "$FTZ_BIN")" && pwd)
for tool in cpack dpkg dpkg-deb dpkg-query lintian systemd-analyze man getent; do
  command -v "$tool" >/dev/null 2>&1 || die "$tool not found (make deps installs it)"
done
[[ $(id -u) == 0 ]] || die "needs root: the package is installed with dpkg -i and purged again (make test runs as root)"
[[ -f $build/CPackConfig.cmake ]] || die "$build/CPackConfig.cmake missing: $FTZ_BIN is not in a configured build"
if grep -qE '^(CMAKE_BUILD_TYPE:STRING=Debug|FTZ_SANITIZE:BOOL=ON)$' "$build/CMakeCache.txt"; then
  die "$build is a sanitized build: run this test from the release build (make package-test)"
fi
if status=$(dpkg-query -W -f='${Status} ${Version}' ftz-pipeline 2>/dev/null) && [[ $status == *" installed "* ]]; then
  die "ftz-pipeline is installed already ($status): this test installs and purges it; remove it first (dpkg --purge ftz-pipeline)"
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/ftz-package.XXXXXX")
installed=0
user_before=0
getent passwd ftz >/dev/null && user_before=1
etc_before=0
[[ -e /etc/ftz ]] && etc_before=1
cleanup() {
  if ((installed)); then
    dpkg --purge ftz-pipeline >"$tmp/purge.log" 2>&1 || { echo "cleanup: dpkg --purge failed:"; cat "$tmp/purge.log"; }
  fi
  if ((!user_before)) && getent passwd ftz >/dev/null; then
    userdel ftz || echo "cleanup: userdel ftz failed"
  fi
  if ((!user_before)) && getent group ftz >/dev/null; then
    groupdel ftz || echo "cleanup: groupdel ftz failed"
  fi
  if ((!etc_before)) && [[ -d /etc/ftz ]]; then
    rmdir /etc/ftz 2>/dev/null || echo "cleanup: /etc/ftz is not empty, left alone"
  fi
  rm -rf "$tmp"
}
trap cleanup EXIT

# 1. The package, from the release build (cpack builds what is out of date).
(cd "$build" && cpack -G DEB -B "$tmp/out") >"$tmp/cpack.log" 2>&1 \
  || { cat "$tmp/cpack.log"; die "cpack -G DEB failed (output above)"; }
debs=("$tmp"/out/ftz-pipeline_*.deb)
[[ ${#debs[@]} == 1 && -f ${debs[0]} ]] || { cat "$tmp/cpack.log"; die "cpack made no ftz-pipeline_*.deb"; }
deb=${debs[0]}
ok "built $(basename "$deb")"
version=$(dpkg-deb -f "$deb" Version)
[[ $("$FTZ_BIN" --version) == "ftz $version" ]] || fail "package version $version is not the binary's ($("$FTZ_BIN" --version))"

# 2. What is in it.
dpkg-deb -c "$deb" | awk '{print $NF}' | sed 's#^\./#/#' >"$tmp/contents"
commands=$("$FTZ_BIN" --help | awk '/^Commands:/{on=1; next} on && /^  [a-z]/{print $1} on && /^$/{exit}')
[[ -n $commands ]] || fail "no commands found in ftz --help"
expected=(/usr/bin/ftz /lib/systemd/system/ftz-aggregate@.service /lib/systemd/system/ftz-spool@.service
  /usr/lib/sysusers.d/ftz.conf /usr/share/man/man1/ftz.1.gz
  /usr/share/doc/ftz-pipeline/copyright /usr/share/doc/ftz-pipeline/changelog.gz
  /usr/share/doc/ftz-pipeline/README.md /usr/share/doc/ftz-pipeline/docs/deployment.md
  /usr/share/doc/ftz-pipeline/docs/operations.md /usr/share/doc/ftz-pipeline/docs/cli.md
  /usr/share/doc/ftz-pipeline/examples/aggregate-main.env
  /usr/share/doc/ftz-pipeline/examples/aggregate-main.properties
  /usr/share/doc/ftz-pipeline/examples/spool-rail.env
  /usr/share/doc/ftz-pipeline/examples/spool-rail.properties)
for cmd in $commands; do expected+=("/usr/share/man/man1/ftz-$cmd.1.gz"); done
while read -r schema; do
  expected+=("/usr/share/ftz-pipeline/schemas/${schema#"$FTZ_SOURCE_DIR"/schemas/}")
done < <(find "$FTZ_SOURCE_DIR/schemas" -name '*.avsc')
missing=0
for path in "${expected[@]}"; do
  grep -qxF "$path" "$tmp/contents" || { fail "not in the package: $path"; missing=1; }
done
((missing)) || ok "the package has the binary, both units, the sysusers file, ${#expected[@]} expected paths in all"
binaries=$(grep -E '^/usr/(s?bin|lib|libexec)/' "$tmp/contents" | grep -vE '/$|^/usr/lib/sysusers\.d/ftz\.conf$|^/usr/bin/ftz$' || true)
[[ -z $binaries ]] || fail "unexpected programs or libraries in the package: $binaries"
strays=$(grep -E 'test_|fuzz|bench|make_corpus|CMake|\.a$' "$tmp/contents" || true)
[[ -z $strays ]] || fail "tests, fuzzers or build files in the package: $strays"
[[ -z $binaries && -z $strays ]] && ok "no tests, benchmarks, fuzzers or build files"
depends=$(dpkg-deb -f "$deb" Depends)
[[ $depends == *librdkafka* && $depends == *libpq5* && $depends == *adduser* ]] \
  || fail "Depends lacks librdkafka, libpq5 or adduser: $depends"

# 2b. The packaged binary is hardened (CMakeLists.txt, FTZ_HARDEN): a PIE,
# full RELRO (GNU_RELRO and BIND_NOW), the stack protector, fortified libc
# calls (the __*_chk variants), as hardening-check would report them.
mkdir -p "$tmp/x"
dpkg-deb -x "$deb" "$tmp/x" || die "dpkg-deb -x failed"
bin=$tmp/x/usr/bin/ftz
elf_h=$(readelf -h "$bin" 2>&1)
elf_d=$(readelf -d "$bin" 2>&1)
elf_l=$(readelf -lW "$bin" 2>&1)
elf_s=$(readelf --dyn-syms -W "$bin" 2>&1)
hardened=1
grep -q 'Type: *DYN' <<<"$elf_h" && grep -q 'FLAGS_1.*PIE' <<<"$elf_d" \
  || { fail "/usr/bin/ftz is not a PIE: $(grep -m1 'Type:' <<<"$elf_h")"; hardened=0; }
grep -q 'GNU_RELRO' <<<"$elf_l" || { fail "/usr/bin/ftz has no GNU_RELRO segment"; hardened=0; }
grep -qE '\(BIND_NOW\)|FLAGS.*BIND_NOW' <<<"$elf_d" || { fail "/usr/bin/ftz is not linked with -z now (no BIND_NOW)"; hardened=0; }
grep -q '__stack_chk_fail' <<<"$elf_s" || { fail "/usr/bin/ftz has no stack protector (__stack_chk_fail)"; hardened=0; }
chk=$(grep -oE '__[a-z_]+_chk' <<<"$elf_s" | grep -v __stack_chk_fail | sort -u)
[[ -n $chk ]] || { fail "/usr/bin/ftz calls no fortified function (_FORTIFY_SOURCE)"; hardened=0; }
((hardened)) && ok "/usr/bin/ftz hardened: PIE, RELRO, BIND_NOW, stack protector, $(wc -l <<<"$chk") fortified calls ($(head -n 3 <<<"$chk" | paste -sd' '), ...)"

# 3. lintian: no errors (warnings and notes are printed, not fatal).
lintian --info "$deb" >"$tmp/lintian.log" 2>&1
lintian_rc=$?
cat "$tmp/lintian.log"
if grep -q '^E:' "$tmp/lintian.log"; then
  fail "lintian reports errors (E: lines above)"
elif ((lintian_rc != 0)); then
  fail "lintian exited $lintian_rc"
else
  ok "lintian: no errors ($(grep -c '^W:' "$tmp/lintian.log") warnings)"
fi

# 4. Installed on this machine.
dpkg -i "$deb" >"$tmp/install.log" 2>&1
rc=$?
installed=1
((rc == 0)) || { cat "$tmp/install.log"; die "dpkg -i failed (exit $rc, output above)"; }
ok "dpkg -i $(basename "$deb")"
[[ $(dpkg-query -W -f='${Status}' ftz-pipeline) == "install ok installed" ]] || fail "dpkg does not list ftz-pipeline as installed"

out=$(/usr/bin/ftz --version 2>&1) && [[ $out == "ftz $version" ]] \
  && ok "/usr/bin/ftz --version: $out" || fail "/usr/bin/ftz --version printed \"$out\", not \"ftz $version\""

if [[ ! -f /usr/share/man/man1/ftz-aggregate.1.gz ]]; then
  fail "/usr/share/man/man1/ftz-aggregate.1.gz not installed (dpkg path-exclude in /etc/dpkg/dpkg.cfg.d/?)"
fi
# Wide and with single spaces: no line breaks or justification in the way.
page=$(MANWIDTH=250 man -P cat ftz-aggregate 2>&1 | tr -s ' ')
if [[ $page == *"ftz-aggregate - consume, validate and aggregate"* && $page == *"--group GROUP"* && $page == *"SIGTERM"* ]]; then
  ok "man ftz-aggregate: $(wc -l <<<"$page") lines, NAME, --group and SIGTERM in it"
else
  fail "man ftz-aggregate: not the page expected: $(head -c 600 <<<"$page")"
fi
for cmd in $commands; do
  man -w "ftz-$cmd" >/dev/null 2>&1 || fail "man -w ftz-$cmd finds no page"
done

for unit in ftz-aggregate@.service ftz-spool@.service; do
  [[ -f /lib/systemd/system/$unit ]] || fail "/lib/systemd/system/$unit not installed"
  cmp -s "/lib/systemd/system/$unit" "$FTZ_SOURCE_DIR/deploy/systemd/$unit" \
    || fail "/lib/systemd/system/$unit differs from deploy/systemd/$unit"
done

# systemd-analyze verify needs an instance of a template: the installed
# units as instance "pkgtest" (it checks the ExecStart binary, the man pages
# of Documentation= and every setting; no running systemd needed). Any
# output is a finding: unknown settings are only warned about.
mkdir -p "$tmp/units"
cp /lib/systemd/system/ftz-aggregate@.service "$tmp/units/ftz-aggregate@pkgtest.service"
cp /lib/systemd/system/ftz-spool@.service "$tmp/units/ftz-spool@pkgtest.service"
verify=$(cd "$tmp/units" && SYSTEMD_LOG_COLOR=0 systemd-analyze verify ./ftz-aggregate@pkgtest.service ./ftz-spool@pkgtest.service 2>&1)
rc=$?
if ((rc == 0)) && [[ -z $verify ]]; then
  ok "systemd-analyze verify: both units clean"
else
  fail "systemd-analyze verify (exit $rc): $verify"
fi
# The sandbox: exposure at most 2.0 ("OK") on systemd's 0-10 scale.
for unit in ftz-aggregate@pkgtest.service ftz-spool@pkgtest.service; do
  sec=$(cd "$tmp/units" && systemd-analyze security --offline=true --threshold=20 --no-pager "./$unit" 2>&1)
  rc=$?
  level=$(grep -o 'Overall exposure level for [^:]*: [0-9.]* [A-Z]*' <<<"$sec")
  ((rc == 0)) && [[ -n $level ]] && ok "systemd-analyze security: $level" \
    || fail "systemd-analyze security $unit (exit $rc): ${level:-$(tail -n 5 <<<"$sec")}"
done

# The postinst: the system user ftz, /etc/ftz root:ftz 0750.
if entry=$(getent passwd ftz); then
  IFS=: read -r _ _ uid _ _ home shell <<<"$entry"
  ((uid < 1000)) && [[ $home == /nonexistent && $shell == /usr/sbin/nologin ]] \
    && ok "user ftz: uid $uid (system), home $home, shell $shell" \
    || fail "user ftz is not a system user without home and shell: $entry"
  getent group ftz >/dev/null || fail "no group ftz"
else
  fail "no user ftz after the install"
fi
etc=$(stat -c '%U:%G %a' /etc/ftz 2>&1)
[[ $etc == "root:ftz 750" ]] && ok "/etc/ftz: $etc" || fail "/etc/ftz is \"$etc\", not root:ftz 750"

# 5. Purged: the files go, /etc/ftz (empty) too.
dpkg --purge ftz-pipeline >"$tmp/purge.log" 2>&1 || { cat "$tmp/purge.log"; fail "dpkg --purge failed"; }
installed=0
gone=1
for path in /usr/bin/ftz /lib/systemd/system/ftz-aggregate@.service /usr/share/man/man1/ftz-aggregate.1.gz /etc/ftz; do
  [[ ! -e $path ]] || { fail "$path still there after dpkg --purge"; gone=0; }
done
((gone)) && ok "dpkg --purge removed the files and the empty /etc/ftz"

((fails == 0)) || { echo "$fails check(s) failed"; exit 1; }
echo "all package checks passed"
