# A live systemd for a test, on a machine whose own init may not be systemd
# (a container, a VM without it): systemd runs as PID 1 of new PID, mount,
# cgroup, UTS and IPC namespaces, on an overlay of the host's root
# (systemd_ns_init.sh). The network is the host's, so services reach a
# local stack on 127.0.0.1. Needs root, unshare, nsenter and a cgroup2 file
# system (the cgroup `unified` of a hybrid layout will do).
#
# Sourced by tests/service/test_*.sh after tests/lib.sh (fail, log).
#   sdns_start DIR    starts it (scratch and console file in DIR, under
#                     /var/tmp: systemd-tmpfiles empties /tmp at boot),
#                     waits until it is up; what it should read from the
#                     host must be there before (the overlay shows the
#                     host's files as they were then)
#   sdns CMD...       runs CMD inside (all its namespaces, as root)
#   sdns_stop         powers it off (killed after 30 s), removes its cgroup
# SDNS_PID is systemd's PID on the host.

SDNS_HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
SDNS_PID=
SDNS_UNSHARE=
SDNS_CGROUP=

sdns() { nsenter -t "$SDNS_PID" -a -- "$@"; }

sdns_start() {
  local dir=$1 cg2 children= start=$SECONDS state systemd
  systemd=$(readlink -f /lib/systemd/systemd)
  [[ -x $systemd ]] || fail "no /lib/systemd/systemd (package systemd)"
  cg2=$(findmnt -n -t cgroup2 -o TARGET | head -n 1)
  [[ -n $cg2 ]] || fail "no cgroup2 file system mounted (findmnt -t cgroup2): systemd needs one"
  # A cgroup of its own, which its cgroup namespace shows as the root: what
  # systemd makes stays under it, and goes with it.
  SDNS_CGROUP=$cg2$(sed -n 's/^0:://p' /proc/self/cgroup)
  SDNS_CGROUP=${SDNS_CGROUP%/}/ftz-live-$$
  mkdir "$SDNS_CGROUP" || fail "cannot make cgroup $SDNS_CGROUP"
  mkdir -p "$dir/root"
  : >"$dir/console.log"
  (echo "$BASHPID" >"$SDNS_CGROUP/cgroup.procs" \
    && exec unshare --pid --fork --mount --cgroup --uts --ipc --propagation private -- \
      bash "$SDNS_HERE/systemd_ns_init.sh" "$dir/root" "$dir/console.log") \
    >"$dir/init.log" 2>&1 </dev/null &
  SDNS_UNSHARE=$!
  # systemd is unshare's only child, once the init script has exec'd it.
  until [[ -n $SDNS_PID ]]; do
    kill -0 "$SDNS_UNSHARE" 2>/dev/null \
      || fail "the namespace did not start: $(tail -n 5 "$dir/init.log")"
    children=$(cat "/proc/$SDNS_UNSHARE/task/$SDNS_UNSHARE/children" 2>/dev/null || true)
    children=${children%% *}
    if [[ -n $children && $(readlink "/proc/$children/exe" 2>/dev/null) == "$systemd" ]]; then
      SDNS_PID=$children
    else
      ((SECONDS - start < 30)) || fail "systemd not started within 30 s: $(tail -n 5 "$dir/init.log")"
      sleep 0.1
    fi
  done
  # Its private socket appears once it listens; then wait for the start-up.
  until sdns test -S /run/systemd/private 2>/dev/null; do
    kill -0 "$SDNS_PID" 2>/dev/null || fail "systemd exited: $(tail -n 5 "$dir/console.log" "$dir/init.log")"
    ((SECONDS - start < 60)) || fail "systemd did not listen within 60 s: $(tail -n 5 "$dir/console.log")"
    sleep 0.1
  done
  state=$(timeout 60 nsenter -t "$SDNS_PID" -a -- systemctl is-system-running --wait 2>&1 || true)
  case $state in
    running) ;;
    degraded) log "systemd is up, degraded: $(sdns systemctl --failed --no-legend --plain | awk '{print $1}' | tr '\n' ' ')" ;;
    *) fail "systemd did not come up (is-system-running: $state): $(tail -n 5 "$dir/console.log")" ;;
  esac
  log "systemd $(sdns systemctl --version | sed -n '1s/^systemd \([0-9]*\).*/\1/p') is PID 1 of its namespaces (host PID $SDNS_PID), $state in $((SECONDS - start)) s"
}

sdns_stop() {
  local start=$SECONDS
  if [[ -n $SDNS_UNSHARE ]] && kill -0 "$SDNS_UNSHARE" 2>/dev/null; then
    [[ -n $SDNS_PID ]] && sdns systemctl poweroff --no-block >/dev/null 2>&1
    while kill -0 "$SDNS_UNSHARE" 2>/dev/null && ((SECONDS - start < 30)); do sleep 0.1; done
    if kill -0 "$SDNS_UNSHARE" 2>/dev/null; then
      log "systemd did not power off within 30 s: killed"
      # The PID namespace's first process: the kernel kills the rest.
      [[ -n $SDNS_PID ]] && kill -9 "$SDNS_PID" 2>/dev/null
      kill -9 "$SDNS_UNSHARE" 2>/dev/null
    fi
    wait "$SDNS_UNSHARE" 2>/dev/null || true
  fi
  SDNS_UNSHARE=
  SDNS_PID=
  # Runs in EXIT traps under set -e: nothing here may stop it half way.
  if [[ -n $SDNS_CGROUP && -d $SDNS_CGROUP ]]; then
    find "$SDNS_CGROUP" -depth -type d -exec rmdir {} + 2>/dev/null \
      || log "cgroup $SDNS_CGROUP not removed: $(find "$SDNS_CGROUP" -name cgroup.procs -exec cat {} + | head -n 3)"
  fi
  return 0
}
