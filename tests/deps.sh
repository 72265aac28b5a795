#!/bin/bash
# Install the Debian packages hastor needs to build and test, when run as
# root; otherwise print the exact command and fail.
set -euo pipefail

pkgs=(
	# build: kernel module, test kernel, hactl
	build-essential bc bison flex libelf-dev libssl-dev cpio xz-utils
	kmod pkg-config libnl-3-dev libnl-genl-3-dev libkmod-dev
	libdevmapper-dev libisal-dev zlib1g-dev linux-source-6.1
	# Debian's stock kernel: the module must build and load there too
	linux-headers-amd64 linux-image-amd64
	# test harness: guests, shared LUNs with SCSI-3 PR, guest userland
	qemu-system-x86 qemu-block-extra qemu-utils tgt sg3-utils
	busybox-static python3 iproute2 util-linux e2fsprogs dmsetup fio
	valgrind
	# the mirror benchmark's DRBD peer (userland; DRBD is in the test kernel)
	drbd-utils
)

missing=()
for p in "${pkgs[@]}"; do
	# linux-source-6.1 etc. are real packages; "install ok installed"
	# is the only state that means usable.
	s=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
	[ "$s" = "install ok installed" ] || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" != 0 ]; then
	echo "hastor needs these packages; run as root:" >&2
	echo "  apt-get install -y ${missing[*]}" >&2
	exit 1
fi
echo "deps: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -q >/dev/null
apt-get install -y -q --no-install-recommends "${missing[@]}" >/dev/null
