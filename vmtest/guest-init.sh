#!/bin/bash
# Stage 2, PID 1 in the guest after switch_root (see initramfs-init).
# Mounts the usual filesystems, mounts the host's per-run directory (9p tag
# "vmtest") at /run/vmtest, runs /run/vmtest/cmd with its output on the
# virtio-serial port "vmtest.out" (the host's stdout), writes the exit status
# to /run/vmtest/status and powers off.  PID 1 must never exit (the kernel
# would panic), so every path ends in poweroff.
set -u
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
export HOME=/root TERM=dumb LANG=C.UTF-8

poweroff_now() {
	sync
	echo o >/proc/sysrq-trigger
	sleep 60
}
trap poweroff_now EXIT
# Until the command runs, static busybox: under TCG every exec of a
# dynamically linked tool costs ~0.15 s of emulated ld.so.
bb=/bin/busybox

$bb mount -t proc proc /proc
$bb mount -t sysfs sys /sys
$bb mount -t devtmpfs dev /dev
$bb mkdir -p /dev/pts /dev/shm
$bb mount -t devpts -o newinstance,ptmxmode=0666 devpts /dev/pts
$bb mount -t tmpfs -o mode=1777 shm /dev/shm
$bb mount -t tmpfs -o mode=0755 run /run
# /tmp stays the overlay's (writable, in the tmpfs upper layer), so a checkout under the
# host's /tmp (a CI clone, say) is visible in the guest at the same path
$bb mkdir -p /run/vmtest /run/lock
$bb mount -t 9p -o trans=virtio,version=9p2000.L,cache=none vmtest /run/vmtest || {
	echo "vmtest guest: cannot mount the result share" >/dev/console
	exit
}

# Libreswan is unpacked, not installed: its tools look for their helpers
# (addconn, whack, _updown, ...) in /usr/libexec/ipsec.
here=$($bb dirname "$($bb readlink -f "$0")")
if [ -d "$here/cache/libreswan/usr/libexec/ipsec" ]; then
	$bb mkdir -p /usr/libexec/ipsec
	$bb mount --bind "$here/cache/libreswan/usr/libexec/ipsec" /usr/libexec/ipsec
fi

$bb hostname vmtest
$bb ip link set lo up

# The output port: virtio_console is not autoloaded (no udev here).
$bb modprobe virtio_console
# The port and its name appear shortly after the module loads.
out=
for _ in {1..50}; do
	for p in /sys/class/virtio-ports/*; do
		read -r name 2>/dev/null <"$p/name" && [ "$name" = vmtest.out ] &&
			[ -c "/dev/${p##*/}" ] && out=/dev/${p##*/}
	done
	[ -n "$out" ] && break
	$bb sleep 0.1
done
if [ -z "$out" ]; then
	echo "vmtest guest: no virtio-serial port vmtest.out" >/dev/console
	exit
fi

# Run the command as a child (this shell stays PID 1).
bash /run/vmtest/cmd </dev/null >"$out" 2>&1
status=$?

# Written last and renamed into place: the host reads a missing or partial
# file as failure.
echo "exit $status" >/run/vmtest/status.tmp && $bb mv /run/vmtest/status.tmp /run/vmtest/status
