#!/bin/bash
# Run one command as root inside a throw-away VM: Debian 12's kernel under
# qemu (TCG), the host root shared read-only (9p) under a tmpfs overlay, the
# same working directory.  The command's stdout and stderr stream to this
# script's stdout; its exit status is this script's exit status.
#
#   vmtest/run.sh [--timeout S] COMMAND [ARG...]
#
# The status travels back through a host directory shared read-write with
# the guest: no status file (boot failure, crash, early poweroff) or a
# garbled one is a failure (exit 125); a timeout exits 124.  The kernel's
# console goes to a log file, printed on stderr when there is no status
# (copied to $VMTEST_CONSOLE when that is set).
set -u
HERE=$(cd "$(dirname "$0")" && pwd -P)
# resolved: in a git worktree cache/ is a symlink the guest cannot follow from its initramfs
CACHE=$(cd "$HERE/cache" 2>/dev/null && pwd -P) || CACHE=$HERE/cache
# insmod'ed in this order by initramfs-init (insmod resolves no dependencies).
MODULES="virtio_ring virtio virtio_pci_legacy_dev virtio_pci_modern_dev virtio_pci
netfs fscache 9pnet 9pnet_virtio 9p overlay"

usage() {
	echo "usage: vmtest/run.sh [--timeout SECONDS] COMMAND [ARG...]" >&2
	exit 2
}

limit=600
while [ $# -gt 0 ]; do
	case $1 in
	--timeout) [ $# -ge 2 ] || usage; limit=$2; shift 2 ;;
	--) shift; break ;;
	-*) usage ;;
	*) break ;;
	esac
done
[ $# -ge 1 ] || usage

kver=$(cat "$CACHE/kernel/KVER" 2>/dev/null) || kver=
kernel=$CACHE/kernel/vmlinux
kmods=$CACHE/kernel/lib/modules/$kver
if [ -z "$kver" ] || [ ! -f "$kernel" ] || [ ! -d "$kmods" ]; then
	echo "vmtest: no kernel in $CACHE (run vmtest/fetch.sh)" >&2
	exit 1
fi
case "$HERE$PWD" in
*[[:space:]]*) echo "vmtest: paths with spaces are not supported" >&2; exit 1 ;;
esac
# The guest mounts its own filesystems there: the host's would be hidden.
case $PWD/ in
/run/* | /dev/* | /proc/* | /sys/*)
	echo "vmtest: run from a directory the guest can see (not $PWD)" >&2
	exit 1
	;;
esac

# build_initramfs: busybox, the modules above and initramfs-init, cached
# until one of them (or this script) changes.
build_initramfs() {
	local img=$CACHE/initramfs-$kver.cpio.gz f stale=0
	for f in /bin/busybox "$HERE/initramfs-init" "$HERE/run.sh" "$kernel"; do
		[ "$img" -nt "$f" ] || stale=1
	done
	if [ "$stale" -eq 1 ]; then
		local dir m path
		dir=$(mktemp -d) || return 1
		mkdir -p "$dir/bin" "$dir/modules" "$dir/proc" "$dir/dev"
		cp /bin/busybox "$dir/bin/"
		install -m 0755 "$HERE/initramfs-init" "$dir/init"
		for m in $MODULES; do
			path=$(grep -m1 "/$m\.ko:" "$kmods/modules.dep" | cut -d: -f1)
			if [ -z "$path" ] || ! cp "$kmods/$path" "$dir/modules/$m.ko"; then
				echo "vmtest: module $m not found" >&2
				rm -rf "$dir"
				return 1
			fi
		done
		echo $MODULES >"$dir/modules/order"
		# Built aside and renamed: concurrent runs never see half an image.
		(cd "$dir" && find . | cpio -o -H newc --quiet | gzip -1) >"$img.$$" &&
			mv "$img.$$" "$img"
		rm -rf "$dir"
	fi
	echo "$img"
}
initrd=$(build_initramfs) || exit 1

tmp=$(mktemp -d /tmp/vmtest.XXXXXX) || exit 1
mkdir "$tmp/share"
: >"$tmp/out"
qpid='' tpid=''
on_exit() {
	[ -n "$qpid" ] && kill "$qpid" 2>/dev/null
	[ -n "$tpid" ] && kill "$tpid" 2>/dev/null
	rm -rf "$tmp"
}
trap on_exit EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# The guest runs this with bash, from its own PID 1.
{
	printf 'cd -- %q || exit 1\n' "$PWD"
	printf 'exec'
	printf ' %q' "$@"
	printf '\n'
} >"$tmp/share/cmd"

# -nodefaults: no VGA, NIC, floppy: only what is listed.  The kernel console
# (ttyS0) goes to a file.  The guest command's output comes on a
# virtio-serial port that qemu writes to the file $tmp/out, which tail
# streams to our stdout.  Not straight to stdout: qemu writes that
# non-blocking, holds back what a slow reader does not take, and the tail
# of the output would be lost at poweroff; a file takes every write at once
# (under TCG before the guest's write returns).  panic=-1 + -no-reboot: a
# kernel panic ends qemu at once instead of waiting for the timeout.
timeout --kill-after=5 "$limit" qemu-system-x86_64 \
	-accel tcg -cpu max -smp 2 -m 768 \
	-nographic -nodefaults -no-reboot -monitor none \
	-kernel "$kernel" -initrd "$initrd" \
	-append "console=ttyS0 quiet panic=-1 vmtest.modules=$kmods vmtest.init=$HERE/guest-init.sh" \
	-serial "file:$tmp/console.log" \
	-virtfs "local,path=/,mount_tag=hostroot,security_model=none,readonly=on,multidevs=remap" \
	-virtfs "local,path=$tmp/share,mount_tag=vmtest,security_model=none" \
	-device virtio-serial-pci \
	-chardev "file,id=out,path=$tmp/out" \
	-device virtserialport,chardev=out,name=vmtest.out \
	</dev/null &
qpid=$!
# Follows the file until qemu (its timeout wrapper) is gone and the file
# is read to the end.
tail -c +1 -s 0.2 -f --pid="$qpid" "$tmp/out" &
tpid=$!
wait "$qpid"
qrc=$?
qpid=''
wait "$tpid"
tpid=''

status=$(cat "$tmp/share/status" 2>/dev/null) || status=
[ -n "${VMTEST_CONSOLE:-}" ] && cp "$tmp/console.log" "$VMTEST_CONSOLE"
case $status in
"exit "[0-9] | "exit "[0-9][0-9] | "exit "[0-9][0-9][0-9])
	exit "${status#exit }"
	;;
esac
if [ "$qrc" -eq 124 ]; then
	echo "vmtest: timed out after $limit s" >&2
	rc=124
else
	echo "vmtest: the guest reported no status (qemu exit $qrc)" >&2
	rc=125
fi
echo "vmtest: last lines of the guest console:" >&2
# (without the firmware's terminal escapes)
tail -n 20 "$tmp/console.log" | sed 's/\x1b\[[0-9;?]*[a-zA-Z]//g; s/\x1bc//g; s/^/    /' >&2
exit "$rc"
