#!/usr/bin/env bash
# The Debian package under a live systemd (tests/service/systemd_ns.sh: a
# systemd as PID 1 of its own namespaces, on an overlay of this machine's
# root, so nothing is installed on the host), against the local stack:
#   - dpkg -i: the postinst makes the user ftz and /etc/ftz;
#   - ftz-aggregate@a and ftz-spool@s started with systemctl on /etc/ftz
#     configuration; a file dropped into the spool directory that systemd
#     made (StateDirectory=, ftz:ftz 0770) is sent and counted in
#     PostgreSQL, equal to the oracle;
#   - the sandbox, live: both run as ftz with NoNewPrivs 1, no capability,
#     a seccomp filter; / read-only for them (ProtectSystem=strict) but not
#     for root outside; the spool writable only in its own directory;
#   - kill -9 of the member: systemd starts it again (Restart=on-failure,
#     RestartSec=15s) and the next file is counted;
#   - systemctl stop: SIGTERM, the clean-stop line in the journal, exit 0;
#   - an upgrade (dpkg -i of a higher version): the postinst restarts the
#     running instances, each stopping cleanly;
#   - dpkg --purge: the prerm stops them cleanly, the units and the binary
#     go, the operator's files in /etc/ftz stay.
# Label `service` (make service-test starts the stack). Needs root and the
# release build ($FTZ_BIN), as tests/package/test_package.sh.
source "$FTZ_SOURCE_DIR/tests/lib.sh"
source "$FTZ_SOURCE_DIR/tests/service/systemd_ns.sh"

[[ $(id -u) == 0 ]] || fail "needs root: systemd runs in namespaces this test makes"
for tool in cpack dpkg-deb unshare nsenter pivot_root findmnt kcat psql; do
  command -v "$tool" >/dev/null 2>&1 || fail "$tool not found (make deps installs it)"
done
build=$(cd "$(dirname "$FTZ_BIN")" && pwd)
[[ -f $build/CPackConfig.cmake ]] || fail "$build/CPackConfig.cmake missing: $FTZ_BIN is not in a configured build"
if grep -qE '^(CMAKE_BUILD_TYPE:STRING=Debug|FTZ_SANITIZE:BOOL=ON)$' "$build/CMakeCache.txt"; then
  fail "$build is a sanitized build: run this test from the release build (make service-test)"
fi

live_cleanup() {
  local rc=$?
  if [[ -n $SDNS_PID && $rc != 0 ]]; then
    sdns journalctl --no-pager -o short-monotonic -u 'ftz-*' >"$WORK/journal.txt" 2>&1
    log "the services' journal: $WORK/journal.txt; last lines:"
    tail -n 15 "$WORK/journal.txt" >&2
  fi
  sdns_stop
  rm -rf "$SHARE"
  (exit "$rc")
  cleanup
}
trap live_cleanup EXIT

# Everything the namespace reads from the host is in SHARE before it starts:
# the overlay shows the host's files as they were then. Not under /tmp,
# which systemd-tmpfiles empties at boot (tmpfiles.d/tmp.conf).
SHARE=$(mktemp -d /var/tmp/ftz-live.XXXXXX)
setup_pipeline 3
GROUP="live-$TEST_ID"
"$FTZ" simulate -t rail -n 3000 --seed 57 >"$WORK/sim.jsonl"
sed -n '1,2000p' "$WORK/sim.jsonl" >"$WORK/one.jsonl"
sed -n '2001,3000p' "$WORK/sim.jsonl" >"$WORK/two.jsonl"

(cd "$build" && cpack -G DEB -B "$SHARE/out") >"$WORK/cpack.log" 2>&1 \
  || fail "cpack -G DEB failed: $(tail -n 20 "$WORK/cpack.log")"
debs=("$SHARE"/out/ftz-pipeline_*.deb)
[[ ${#debs[@]} == 1 && -f ${debs[0]} ]] || fail "cpack made no ftz-pipeline_*.deb: $(tail -n 5 "$WORK/cpack.log")"
deb=${debs[0]}
version=$(dpkg-deb -f "$deb" Version)
# The upgrade: the same package with a higher version.
dpkg-deb -R "$deb" "$SHARE/next" || fail "dpkg-deb -R $deb failed"
sed -i "s/^Version: .*/Version: $version+live1/" "$SHARE/next/DEBIAN/control"
dpkg-deb -b --root-owner-group "$SHARE/next" "$SHARE/next.deb" >/dev/null || fail "dpkg-deb -b failed"
host_status=$(dpkg-query -W -f='${Status} ${Version}' ftz-pipeline 2>/dev/null || true)

sdns_start "$SHARE/ns"
# At debug level systemd logs how a service's main process ended, exit 0
# too ("Main process exited, code=exited, status=0/SUCCESS"): an instance
# stopped is unloaded, its exit status no longer shown.
sdns systemctl log-level debug
[[ ! -e /usr/sbin/policy-rc.d ]] || log "the host's /usr/sbin/policy-rc.d is left out of the namespace (systemd_ns_init.sh)"
! sdns test -e /usr/sbin/policy-rc.d || fail "/usr/sbin/policy-rc.d in the namespace: the maintainer scripts would not touch the services"

# show UNIT PROPERTY: one property of a unit.
show() { sdns systemctl show -p "$2" --value "$1"; }
# journal INVOCATION: what one run of a unit logged, and what systemd
# logged about it.
journal() { sdns journalctl --no-pager -o cat "_SYSTEMD_INVOCATION_ID=$1" + "INVOCATION_ID=$1"; }
# wait_journal INVOCATION ERE WHAT: journald takes a service's lines from a
# stream, a little after they were written.
journal_has() {
  local lines
  lines=$(journal "$1")
  grep -qE -- "$2" <<<"$lines"
}
wait_journal() { wait_until 10 "$3" journal_has "$1" "$2"; }

# ---- 1. dpkg -i under systemd
if [[ $(sdns dpkg-query -W -f='${Status}' ftz-pipeline 2>/dev/null || true) == "install ok installed" ]]; then
  log "ftz-pipeline is installed on the host ($host_status): purged inside the namespace first"
  sdns dpkg --purge ftz-pipeline >"$WORK/prepurge.log" 2>&1 || fail "dpkg --purge of the host's package: $(cat "$WORK/prepurge.log")"
fi
sdns dpkg -i "$deb" >"$WORK/install.log" 2>&1 || fail "dpkg -i $(basename "$deb"): $(cat "$WORK/install.log")"
sdns getent passwd ftz >/dev/null || fail "no user ftz after dpkg -i"
[[ $(sdns stat -c '%U:%G %a' /etc/ftz) == "root:ftz 750" ]] || fail "/etc/ftz: $(sdns stat -c '%U:%G %a' /etc/ftz)"
[[ $(show ftz-aggregate@a.service LoadState) == loaded ]] || fail "systemd does not load ftz-aggregate@a.service after dpkg -i"
log "dpkg -i $(basename "$deb"): user ftz, /etc/ftz, the units loaded"

# ---- 2. configuration in /etc/ftz, as docs/deployment.md says
# put PATH MODE OWNER: stdin into PATH inside.
put() { sdns sh -c 'umask 077 && cat >"$1" && chmod "$2" "$1" && chown "$3" "$1"' put "$@"; }
pg_env() {
  local v
  for v in PGHOST PGPORT PGUSER PGPASSWORD; do
    [[ -n ${!v:-} ]] && printf '%s=%s\n' "$v" "${!v}"
  done
  printf 'PGDATABASE=%s\n' "$PGDATABASE"
}
{
  printf 'FTZ_BROKERS=%s\nFTZ_TOPIC_PREFIX=%s\n' "$FTZ_BROKERS" "$FTZ_TOPIC_PREFIX"
  pg_env
  printf 'FTZ_AGGREGATE_OPTIONS=-g %s --batch-ms 200\n' "$GROUP"
} | put /etc/ftz/aggregate-a.env 0600 root:root
# A member killed holds its partitions for its session: 6 s, not 45.
printf 'session.timeout.ms=6000\n' | put /etc/ftz/aggregate-a.properties 0600 ftz:ftz
printf 'FTZ_SPOOL_TYPE=rail\nFTZ_BROKERS=%s\nFTZ_TOPIC_PREFIX=%s\n' "$FTZ_BROKERS" "$FTZ_TOPIC_PREFIX" \
  | put /etc/ftz/spool-s.env 0600 root:root
printf '# librdkafka properties of ftz-spool@s: none\n' | put /etc/ftz/spool-s.properties 0600 ftz:ftz

# ---- 3. started by systemd; a file dropped is counted
sdns systemctl start ftz-aggregate@a.service ftz-spool@s.service 2>"$WORK/start.err" \
  || fail "systemctl start: $(cat "$WORK/start.err")"
spool=/var/lib/ftz/spool/s
[[ $(sdns stat -c '%U:%G %a' "$spool" 2>&1) == "ftz:ftz 770" ]] \
  || fail "the spool directory: $(sdns stat -c '%U:%G %a' "$spool" 2>&1), not ftz:ftz 770 (StateDirectory=)"
# drop FILE: written beside, then renamed in, group ftz (an exporter).
drop() {
  sdns sh -c 'cat >"$1/.$2.tmp" && chgrp ftz "$1/.$2.tmp" && chmod 0640 "$1/.$2.tmp" && mv "$1/.$2.tmp" "$1/$2"' \
    drop "$spool" "$(basename "$1")" <"$1"
}
spool_done() { sdns test -e "$spool/done/$1"; }
drop "$WORK/one.jsonl"
wait_until 30 "one.jsonl sent by ftz-spool@s (done/)" spool_done one.jsonl
wait_committed 2000 60
assert_table rail "$WORK/one.jsonl"
log "ftz-spool@s sent one.jsonl from $spool, ftz-aggregate@a counted it"

# ---- 4. the sandbox of the running processes
for unit in ftz-aggregate@a ftz-spool@s; do
  pid=$(show "$unit.service" MainPID)
  [[ $pid =~ ^[1-9][0-9]*$ ]] || fail "$unit has no main process ($pid): $(show "$unit.service" ActiveState)"
  [[ $(sdns ps -o user= -p "$pid") == ftz ]] || fail "$unit runs as $(sdns ps -o user= -p "$pid"), not ftz"
  status=$(sdns cat "/proc/$pid/status")
  grep -qx $'NoNewPrivs:\t1' <<<"$status" || fail "$unit: $(grep NoNewPrivs <<<"$status"), not 1"
  grep -qx $'CapEff:\t0000000000000000' <<<"$status" || fail "$unit has capabilities: $(grep CapEff <<<"$status")"
  grep -qx $'Seccomp:\t2' <<<"$status" || fail "$unit has no seccomp filter: $(grep Seccomp <<<"$status")"
  # No core file: it would hold the passwords (LimitCORE=0).
  core=$(sdns cat "/proc/$pid/limits" | awk '/^Max core file size/ {print $5 " " $6}')
  [[ $core == "0 0" ]] || fail "$unit may dump core (limit $core): the dump would hold its secrets"
  for path in /etc/ftz-live-probe /usr/ftz-live-probe /var/lib/ftz/ftz-live-probe; do
    if out=$(sdns nsenter -t "$pid" -m -- touch "$path" 2>&1); then
      sdns rm -f "$path"
      fail "$unit: $path could be written in its mount namespace (ProtectSystem=strict)"
    fi
    [[ $out == *"Read-only file system"* ]] || fail "$unit: writing $path failed, but not for a read-only /: $out"
  done
  log "$unit: user ftz, NoNewPrivs 1, no capability, seccomp on, no core, / read-only"
done
# Outside the sandbox the same path is writable: the read-only / is the unit's.
sdns touch /etc/ftz-live-probe || fail "root cannot write /etc inside the namespace: the probe proves nothing"
sdns rm /etc/ftz-live-probe
spid=$(show ftz-spool@s.service MainPID)
sdns nsenter -t "$spid" -m -- sh -c "touch $spool/.probe && rm $spool/.probe" 2>"$WORK/probe.err" \
  || fail "ftz-spool@s cannot write its own spool directory: $(cat "$WORK/probe.err")"

# ---- 5. kill -9: systemd starts the member again
apid=$(show ftz-aggregate@a.service MainPID)
sdns kill -9 "$apid"
restarted() {
  local pid
  pid=$(show ftz-aggregate@a.service MainPID)
  [[ $(show ftz-aggregate@a.service NRestarts) == 1 && $pid != 0 && $pid != "$apid" \
    && $(show ftz-aggregate@a.service ActiveState) == active ]]
}
wait_until 40 "ftz-aggregate@a not started again after kill -9 (NRestarts $(show ftz-aggregate@a.service NRestarts))" restarted
lines=$(sdns journalctl --no-pager -o cat -u ftz-aggregate@a.service)
grep -q 'Main process exited, code=killed, status=9/KILL' <<<"$lines" \
  || fail "no 'killed, status=9/KILL' line for ftz-aggregate@a in the journal"
drop "$WORK/two.jsonl"
wait_until 30 "two.jsonl sent by ftz-spool@s (done/)" spool_done two.jsonl
wait_committed 3000 60
assert_table rail "$WORK/one.jsonl" "$WORK/two.jsonl"
log "kill -9: systemd started ftz-aggregate@a again, two.jsonl counted (each record once)"

# ---- 6. systemctl stop: a clean stop, exit 0
# clean_stop UNIT INVOCATION ERE: that run logged ERE and exited 0.
clean_stop() {
  wait_journal "$2" "$3" "no clean-stop line /$3/ from $1"
  wait_journal "$2" 'Main process exited, code=exited, status=0/SUCCESS' "$1 did not exit 0 (no status=0/SUCCESS)"
  wait_journal "$2" 'Deactivated successfully' "$1 did not deactivate successfully"
  local lines
  lines=$(journal "$2")
  ! grep -qE 'status=[1-9]|Failed with result' <<<"$lines" || fail "$1 failed to stop: $(tail -n 3 <<<"$lines")"
}
AGG_STOP='[0-9]+ messages in [0-9]+ batches: [0-9]+ counted'
SPOOL_STOP='SPOOL stopped$'
ainv=$(show ftz-aggregate@a.service InvocationID)
sinv=$(show ftz-spool@s.service InvocationID)
sdns systemctl stop ftz-aggregate@a.service ftz-spool@s.service 2>"$WORK/stop.err" || fail "systemctl stop: $(cat "$WORK/stop.err")"
clean_stop ftz-aggregate@a "$ainv" "$AGG_STOP"
clean_stop ftz-spool@s "$sinv" "$SPOOL_STOP"
log "systemctl stop: both stopped cleanly (clean-stop lines, exit 0)"

# ---- 7. an upgrade restarts the running instances
sdns systemctl start ftz-aggregate@a.service ftz-spool@s.service 2>"$WORK/start.err" \
  || fail "systemctl start again: $(cat "$WORK/start.err")"
ainv=$(show ftz-aggregate@a.service InvocationID)
sinv=$(show ftz-spool@s.service InvocationID)
sdns dpkg -i "$SHARE/next.deb" >"$WORK/upgrade.log" 2>&1 || fail "dpkg -i (upgrade): $(cat "$WORK/upgrade.log")"
[[ $(sdns dpkg-query -W -f='${Version}' ftz-pipeline) == "$version+live1" ]] || fail "the upgrade did not install $version+live1"
for unit in ftz-aggregate@a ftz-spool@s; do
  [[ $(show "$unit.service" ActiveState) == active ]] || fail "$unit is not running after the upgrade: $(show "$unit.service" ActiveState)"
done
[[ $(show ftz-aggregate@a.service InvocationID) != "$ainv" ]] || fail "the upgrade did not restart ftz-aggregate@a"
[[ $(show ftz-spool@s.service InvocationID) != "$sinv" ]] || fail "the upgrade did not restart ftz-spool@s"
clean_stop ftz-aggregate@a "$ainv" "$AGG_STOP"
clean_stop ftz-spool@s "$sinv" "$SPOOL_STOP"
log "dpkg -i $version+live1: both restarted, each after a clean stop"

# ---- 8. dpkg --purge stops them and removes the package
ainv=$(show ftz-aggregate@a.service InvocationID)
sinv=$(show ftz-spool@s.service InvocationID)
sdns dpkg --purge ftz-pipeline >"$WORK/purge.log" 2>&1 || fail "dpkg --purge: $(cat "$WORK/purge.log")"
clean_stop ftz-aggregate@a "$ainv" "$AGG_STOP"
clean_stop ftz-spool@s "$sinv" "$SPOOL_STOP"
for unit in ftz-aggregate@a ftz-spool@s; do
  state=$(show "$unit.service" ActiveState)/$(show "$unit.service" LoadState)
  [[ $state == inactive/not-found ]] || fail "$unit after dpkg --purge: $state, not inactive/not-found"
done
left=$(sdns ps -u ftz -o pid=,args= || true)
[[ -z $left ]] || fail "processes of user ftz after dpkg --purge: $left"
for path in /usr/bin/ftz /lib/systemd/system/ftz-aggregate@.service /lib/systemd/system/ftz-spool@.service; do
  ! sdns test -e "$path" || fail "$path still there after dpkg --purge"
done
sdns test -f /etc/ftz/aggregate-a.env || fail "dpkg --purge removed the operator's /etc/ftz/aggregate-a.env"
log "dpkg --purge: both stopped cleanly, units and binary gone, /etc/ftz kept"

# ---- 9. the host: untouched, no mount or cgroup left
sdns_stop
[[ $(dpkg-query -W -f='${Status} ${Version}' ftz-pipeline 2>/dev/null || true) == "$host_status" ]] \
  || fail "the host's ftz-pipeline changed: $(dpkg-query -W -f='${Status} ${Version}' ftz-pipeline 2>&1)"
mounts=$(findmnt -rn -o SOURCE,TARGET | grep -E "^ftz-live|$SHARE/ns" || true)
[[ -z $mounts ]] || fail "mounts left on the host: $mounts"
log "systemd powered off; the host has no mount of it and its package state is as before"
