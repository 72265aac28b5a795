#!/bin/bash
# Build (once) the test kernel from Debian's linux-source and print the
# path of its build directory.  The result is cached outside the checkout,
# keyed by the hash of the config fragment, this script and the source
# package version, so a change to any of them builds a new kernel and an
# unchanged tree never rebuilds.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
cache=${HASTOR_CACHE:-/var/cache/hastor}
fragment=$here/hastor.config

srcver=$(dpkg-query -W -f='${Version}' linux-source-6.1 2>/dev/null) || {
	echo "build.sh: linux-source-6.1 is not installed (run 'make deps')" >&2
	exit 1
}
key=$( { echo "$srcver"; cat "$fragment" "$0"; } | sha256sum | cut -c1-16)
out=$cache/kernel-$key

if [ -f "$out/.hastor-complete" ]; then
	echo "$out"
	exit 0
fi

mkdir -p "$cache"
exec 9>"$cache/.lock"
flock 9
if [ -f "$out/.hastor-complete" ]; then
	echo "$out"
	exit 0
fi

src=$cache/src-$srcver
if [ ! -f "$src/.hastor-complete" ]; then
	rm -rf "$src" "$src.tmp"
	mkdir -p "$src.tmp"
	echo "build.sh: unpacking linux-source $srcver" >&2
	tar -C "$src.tmp" --strip-components=1 -xf /usr/src/linux-source-6.1.tar.xz
	touch "$src.tmp/.hastor-complete"
	mv "$src.tmp" "$src"
fi

rm -rf "$out"
mkdir -p "$out"
log=$cache/kernel-$key.log
echo "build.sh: building test kernel $key (log: $log)" >&2
start=$(date +%s)
{
	make -C "$src" O="$out" x86_64_defconfig
	cd "$out"
	"$src/scripts/kconfig/merge_config.sh" -m -O "$out" .config \
		"$src/kernel/configs/kvm_guest.config" "$fragment"
	make -C "$src" O="$out" olddefconfig
	# merge_config.sh only warns; a requested option that did not stick
	# would silently weaken the tests, so check every one of them.
	bad=0
	while IFS= read -r line; do
		case "$line" in
		CONFIG_*=n) opt=${line%%=*}
			grep -q "^$opt=" .config && { echo "not off: $line"; bad=1; } ;;
		CONFIG_*) grep -qx "$line" .config || { echo "missing: $line"; bad=1; } ;;
		esac
	done < "$fragment"
	[ $bad = 0 ]
	make -C "$src" O="$out" -j"$(( $(nproc) + 1 ))" bzImage modules
	make -C "$src" O="$out" modules_prepare
} >"$log" 2>&1 || {
	echo "build.sh: kernel build failed; last lines of $log:" >&2
	tail -n 30 "$log" >&2
	exit 1
}
echo "build.sh: test kernel built in $(( $(date +%s) - start )) s" >&2
touch "$out/.hastor-complete"
echo "$out"
