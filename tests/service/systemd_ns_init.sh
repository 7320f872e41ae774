#!/usr/bin/env bash
# The first process of the namespaces systemd_ns.sh makes (`unshare --pid
# --fork --mount --cgroup --uts --ipc`): it builds the file systems a
# container's systemd expects, then becomes that systemd (PID 1 here).
#
#   /            an overlay: the host's root read-only below, a tmpfs above,
#                so dpkg, systemd-sysusers and the services write nothing to
#                the host (what is written goes when the namespace ends)
#   /proc        a new proc (this PID namespace); /proc/sys read-only
#   /sys         a new sysfs, read-only (so udev and sysctl stay off)
#   /sys/fs/cgroup  cgroup2 seen from this cgroup namespace: the cgroup the
#                caller made for it is the root
#   /dev         a tmpfs with null, zero, full, random, urandom and tty from
#                the host, a devpts of its own, and /dev/console a file
#                (CONSOLE), as systemd-nspawn does; no disks
#   /run         a tmpfs
#
# Usage: systemd_ns_init.sh SCRATCH CONSOLE (SCRATCH an empty directory,
# CONSOLE a file). The mounts are private to the mount namespace: they go
# with its last process, the host never sees them.
set -euo pipefail
base=$1
console=$2

mount -t tmpfs -o mode=0755 ftz-live "$base"
mkdir "$base/upper" "$base/work" "$base/root"
mount -t overlay ftz-live -o "lowerdir=/,upperdir=$base/upper,workdir=$base/work" "$base/root"
r=$base/root

mount -t proc -o nosuid,nodev,noexec proc "$r/proc"
mount --bind "$r/proc/sys" "$r/proc/sys"
mount -o remount,bind,ro "$r/proc/sys"
mount -t sysfs -o ro,nosuid,nodev,noexec sysfs "$r/sys"
mount -t cgroup2 -o nosuid,nodev,noexec cgroup2 "$r/sys/fs/cgroup"

mount -t tmpfs -o mode=0755,nosuid,noexec ftz-live-dev "$r/dev"
for node in null zero full random urandom tty; do
  touch "$r/dev/$node"
  mount --bind "/dev/$node" "$r/dev/$node"
done
mkdir -m 0755 "$r/dev/pts"
mkdir -m 1777 "$r/dev/shm"
mount -t devpts -o newinstance,ptmxmode=0666,mode=0620,nosuid,noexec devpts "$r/dev/pts"
ln -s pts/ptmx "$r/dev/ptmx"
ln -s /proc/self/fd "$r/dev/fd"
ln -s /proc/self/fd/0 "$r/dev/stdin"
ln -s /proc/self/fd/1 "$r/dev/stdout"
ln -s /proc/self/fd/2 "$r/dev/stderr"
touch "$r/dev/console"
mount --bind "$console" "$r/dev/console"

mount -t tmpfs -o mode=0755,nosuid,nodev ftz-live-run "$r/run"

# Only what basic.target pulls in starts; its timers (apt, man-db, ...)
# would run maintenance jobs in the middle of the test.
ln -sf /dev/null "$r/etc/systemd/system/timers.target"
# A container image's policy-rc.d (Docker's exits 101) forbids maintainer
# scripts to start, restart or stop services; a host that boots systemd has
# none.
rm -f "$r/usr/sbin/policy-rc.d"

mkdir "$r/run/oldroot"
cd "$r"
pivot_root . run/oldroot
umount -l /run/oldroot
rmdir /run/oldroot

# `container` tells systemd it runs in a container (no hardware, no
# kernel setup), the rest of the caller's environment is left out.
exec env -i container=ftz-live PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
  /lib/systemd/systemd --show-status=no --unit=basic.target
