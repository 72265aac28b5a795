#!/bin/bash
# Build a test guest's initramfs: busybox, the agent, hactl and the test
# tools with their shared libraries, and the hastor modules for one kernel.
#
#   mkinitramfs.sh OUT.cpio MODDIR [KVER]
#
# MODDIR holds hastor.ko (and hastor_kunit.ko when built).  With KVER, the
# guest runs Debian's stock kernel KVER, whose virtio drivers are modules:
# they are copied too and loaded by /init.  Without, OUT-capture.cpio is
# made as well: the kdump capture environment (tests/vm/capture-init).
set -euo pipefail

out=$1
moddir=$2
kver=${3:-}
top=$(cd "$(dirname "$0")/../.." && pwd)
root=$(mktemp -d)
chmod 0755 "$root"
trap 'rm -rf "$root"' EXIT

mkdir -p "$root"/{bin,sbin,usr/bin,usr/sbin,etc/hastor,lib/modules/hastor,root,proc,sys,dev,tmp,run}
cp /bin/busybox "$root/bin/busybox"
for a in $("$root/bin/busybox" --list); do
	[ -e "$root/bin/$a" ] || ln -s busybox "$root/bin/$a"
done

# Copy a dynamically linked program and every library it needs, at the
# paths the dynamic loader looks for them.
copy_bin() {
	local src=$1 dst=$2 lib
	install -D -m 0755 "$src" "$root$dst"
	for lib in $(ldd "$src" | grep -o '/[^ ]*'); do
		[ -e "$root$lib" ] || install -D -m 0755 "$(readlink -f "$lib")" "$root$lib"
	done
}

gcc -static -O2 -Wall -Wextra -o "$root/sbin/hastor-agent" "$top/tests/vm/agent.c"
copy_bin "$top/tools/hactl/hactl" /usr/sbin/hactl
copy_bin "$top/tests/tools/nlbad" /usr/bin/nlbad
copy_bin "$top/tests/tools/icbad" /usr/bin/icbad
copy_bin "$top/tests/tools/hswriter" /usr/bin/hswriter
copy_bin /usr/bin/sg_persist /usr/bin/sg_persist
copy_bin /usr/bin/sg_inq /usr/bin/sg_inq
# busybox's sh runs its own applets before anything on PATH, so tests
# call these by full path: coreutils dd (O_DIRECT, exact error messages)
# and util-linux setpriv (busybox's cannot change uids).
copy_bin /bin/dd /usr/bin/dd
copy_bin /usr/bin/setpriv /usr/bin/setpriv
copy_bin /sbin/dmsetup /usr/sbin/dmsetup
copy_bin /sbin/mke2fs /usr/sbin/mke2fs
copy_bin /sbin/e2fsck /usr/sbin/e2fsck
# DRBD, the mirror benchmark's peer (tests/bench/mirror.py): the test
# kernel has DRBD 8.4 built in; drbdadm and drbdsetup hand over to their
# 8.4 versions in /lib/drbd, which call drbdmeta.
copy_bin /sbin/drbdadm /usr/sbin/drbdadm
copy_bin /sbin/drbdsetup /usr/sbin/drbdsetup
copy_bin /sbin/drbdmeta /usr/sbin/drbdmeta
copy_bin /lib/drbd/drbdadm-84 /lib/drbd/drbdadm-84
copy_bin /lib/drbd/drbdsetup-84 /lib/drbd/drbdsetup-84
mkdir -p "$root/etc/drbd.d" "$root/var/lib/drbd" "$root/var/run/drbd" "$root/var/lock"

for m in "$moddir"/*.ko; do
	[ -e "$m" ] && cp "$m" "$root/lib/modules/hastor/"
done

if [ -n "$kver" ]; then
	for m in virtio_pci virtio_console virtio_net virtio_blk virtio_scsi sd_mod \
		 dm_mod dm_bufio crc32c_generic libcrc32c; do
		modprobe -S "$kver" --show-depends "$m"
	done | awk '$1 == "insmod" { print $2 }' | awk '!seen[$0]++' |
	while read -r ko; do
		install -D -m 0644 "$ko" "$root$ko"
		echo "$ko" >> "$root/etc/hastor/modules"
	done
fi

install -m 0755 "$top/tests/vm/init" "$root/init"
printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/false\n' > "$root/etc/passwd"
printf 'root:x:0:\nnogroup:x:65534:\n' > "$root/etc/group"

(cd "$root" && find . | cpio --quiet -o -H newc -R 0:0) > "$out.tmp"
mv "$out.tmp" "$out"

# The capture environment "hactl coredump arm" loads (test kernel only;
# tests/vm/capture-init): it runs in the few MiB reserved with
# crashkernel=, so only busybox, hactl, coreutils dd and hastor.ko
# without its debug information.
[ -z "$kver" ] || exit 0
cap=${out%.cpio}-capture.cpio
rm -rf "$root"
mkdir -p "$root"/{bin,sbin,usr/bin,usr/sbin,lib/modules/hastor,proc,sys,dev,tmp,run}
cp /bin/busybox "$root/bin/busybox"
for a in $("$root/bin/busybox" --list); do
	[ -e "$root/bin/$a" ] || ln -s busybox "$root/bin/$a"
done
copy_bin "$top/tools/hactl/hactl" /usr/sbin/hactl
copy_bin /bin/dd /usr/bin/dd
[ -e "$moddir/hastor.ko" ] &&
	strip --strip-debug -o "$root/lib/modules/hastor/hastor.ko" "$moddir/hastor.ko"
install -m 0755 "$top/tests/vm/capture-init" "$root/init"
(cd "$root" && find . | cpio --quiet -o -H newc -R 0:0) > "$cap.tmp"
mv "$cap.tmp" "$cap"
