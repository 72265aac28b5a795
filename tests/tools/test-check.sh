#!/bin/bash
# Host-side tests of "hactl pool check": pools written by mkpool (valid,
# then with one --corrupt mutation each) must be found clean, or found
# wrong at the right place by the right check.  No kernel module needed.
#
#   HACTL=path/to/hactl MKPOOL=path/to/mkpool tests/tools/test-check.sh
#
# Ends with "N passed, N failed"; exit status 0 only if all passed.
set -uo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
HACTL=${HACTL:-$root/tools/hactl/hactl}
MKPOOL=${MKPOOL:-$here/mkpool}

passed=0
failed=0
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

for tool in "$HACTL" "$MKPOOL"; do
	if [ ! -x "$tool" ]; then
		echo "test-check: $tool is not built" >&2
		echo "0 passed, 1 failed"
		exit 1
	fi
done

pass() { passed=$((passed + 1)); echo "ok   $1"; }
fail() {
	failed=$((failed + 1))
	echo "FAIL $1: $2"
	[ -s "$tmp/out" ] && sed 's/^/     | /' "$tmp/out" | head -20
}

# mkpool ARGS... > $tmp/mk; fails the test NAME if mkpool does.
mk() {
	local name=$1
	shift
	rm -f "$tmp"/*.img
	if ! (cd "$tmp" && "$MKPOOL" "$@") < /dev/null > "$tmp/mk" 2>&1; then
		cp "$tmp/mk" "$tmp/out"
		fail "$name" "mkpool $*"
		return 1
	fi
}

# check NAME WANT_RC DISK...: runs the checker in $tmp, output in $tmp/out.
check() {
	local name=$1 want=$2 rc
	shift 2
	(cd "$tmp" && "$HACTL" pool check "$@") < /dev/null > "$tmp/out" 2>&1
	rc=$?
	if [ "$rc" != "$want" ]; then
		fail "$name" "exit $rc, expected $want"
		return 1
	fi
}

expect_clean() {
	local name=$1
	shift
	check "$name" 0 "$@" || return
	if ! grep -q '^clean$' "$tmp/out"; then
		fail "$name" "not reported clean"
		return
	fi
	pass "$name"
}

# A finding of check CHECK on a line naming what mkpool says it damaged.
expect_finding() {
	local name=$1 check=$2 want=$3
	shift 3
	local target place
	target=$(sed -n 's/^corrupted //p' "$tmp/mk" | head -1)
	case "$target" in
	pvbn*)		place="$target (" ;;
	volume*)	place="$target \"" ;;
	disk*)		place="$target" ;;
	superblock)	place="(superblock slot" ;;
	*)		place="" ;;
	esac
	check "$name" "$want" "$@" || return
	if ! grep -F -- "$place" "$tmp/out" | grep -qF -- "[$check]"; then
		fail "$name" "no [$check] finding at '$place'"
		return
	fi
	pass "$name"
}

# --- checksum -----------------------------------------------------------

if "$MKPOOL" --csum-selftest > "$tmp/out" 2>&1; then
	pass "csum test vector 0xc8bb3d4e"
else
	fail "csum test vector 0xc8bb3d4e" "$(cat "$tmp/out")"
fi

# --- valid pools --------------------------------------------------------

three=(d0.img d1.img d2.img)
rich=(--vol db:6000:700 --vol web:300:100 --snap db@s1 --clone c1=db@s1
      --write db:40 --snap c1@s2 --write c1:15)

mk empty -s 4M one.img && expect_clean "empty pool" one.img
mk single -s 16M one.img --vol v:1000:200 &&
	expect_clean "single disk, one volume" one.img
mk multilevel -s 16M one.img --vol big:20000:1500 &&
	expect_clean "single disk, two-level mapping tree (>250 entries)" one.img
mk three -s 8M "${three[@]}" --vol a:4000:600 --vol b:100:50 &&
	expect_clean "3 disks" "${three[@]}"
mk order -s 8M "${three[@]}" --vol a:4000:600 &&
	expect_clean "3 disks given out of order" d2.img d0.img d1.img
mk shared -s 8M "${three[@]}" "${rich[@]}" &&
	expect_clean "3 disks, snapshots, clones, copy-on-write" "${three[@]}"
mk deep -s 16M -f 3 one.img --vol deep:5000:800 --snap deep@a \
	--write deep:60 --clone k=deep@a --write k:30 --vol v2:50:0 --vol v3:40:3 &&
	expect_clean "deep trees (fanout 3), shared internal nodes" one.img
mk voltab -s 8M -f 2 one.img --vol a:10:1 --vol b:10:2 --vol c:10:3 \
	--vol d:10:4 --vol e:10:5 --snap a@1 --snap a@2 --clone f=a@2 &&
	expect_clean "multi-level volume table and refcount index" one.img
mk absent -s 8M one.img --vol conv:3000:500:200 &&
	expect_clean "ABSENT mappings (online conversion)" one.img
mk oldsuper -s 8M -g 9 --old-super one.img --vol v:100:20 &&
	expect_clean "both superblock slots valid" one.img

# -j is global: it comes before the command.
mk json -s 8M "${three[@]}" "${rich[@]}" &&
(cd "$tmp" && "$HACTL" -j pool check "${three[@]}") < /dev/null > "$tmp/out" 2>&1 &&
if python3 -c 'import json,sys; d=json.load(sys.stdin); sys.exit(0 if d["clean"] and d["pool"] == "tank" and d["stats"]["snapshots"] == 2 and d["stats"]["clones"] == 1 and not d["errors"] else 1)' < "$tmp/out"; then
	pass "-j: one JSON object, clean"
else
	fail "-j: one JSON object, clean" "bad JSON"
fi

mk verbose -s 8M one.img --vol v:3000:400 && check "-v" 0 -v one.img &&
if grep -q '^checked pvbn .*(btree node, mapping tree of volume 1 "v")' "$tmp/out" &&
   grep -q '^checked pvbn .*(refcount block, chunk 0)' "$tmp/out"; then
	pass "-v lists the blocks checked"
else
	fail "-v lists the blocks checked" "no block list"
fi

# --- corruptions --------------------------------------------------------

# KIND CHECK EXIT [MKPOOL OPTIONS]: one mutation of a valid pool.
while read -r kind chk want opts; do
	[ -z "$kind" ] && continue
	# shellcheck disable=SC2086
	mk "corrupt $kind" -s 8M $opts "${three[@]}" "${rich[@]}" --corrupt "$kind" &&
		expect_finding "corrupt $kind -> $chk" "$chk" "$want" "${three[@]}"
done <<'EOF'
label-bit	label-copy	0
labels		no-label	1
label-incompat	incompat	1
incompat	incompat	1
used-blocks	used-blocks	1
total-blocks	total-blocks	1
super-torn	super-copy	0	--old-super
no-super	no-super	1
blocknr		blocknr		1
nr-entries	nr-entries	1
generation	generation	1
uuid		pool-uuid	1
magic		magic		1
level		level		1
key-order	key-order	1
key-range	key-range	1
pvbn-range	pvbn-range	1
kind		kind		1
reserved	reserved	1
snap-time	snap-time	1
cycle		cycle		1
rc-data		refcount	1
rc-shared	refcount	1
leak		refcount	1
refcnt-csum	csum		1
tail		refcount-tail	1
map-size	map-size	1
mapped-blocks	mapped-blocks	1
vol-parent	vol-parent	1
dup-name	vol-name	1
EOF

# A single corruption is a single finding where the format allows it.
mk "one finding" -s 8M "${three[@]}" "${rich[@]}" --corrupt rc-data &&
	check "one finding" 1 "${three[@]}" &&
	if grep -q '^1 error, 0 warnings$' "$tmp/out"; then
		pass "one damaged count, one finding"
	else
		fail "one damaged count, one finding" "more findings"
	fi

# --- disks --------------------------------------------------------------

mk members -s 8M "${three[@]}" --vol a:100:10 &&
	expect_finding "member missing" members 1 d0.img d1.img
mk dup -s 8M "${three[@]}" --vol a:100:10 &&
	expect_finding "member given twice" members 1 d0.img d1.img d1.img d2.img
mk short -s 8M "${three[@]}" --vol a:100:10 && truncate -s 6M "$tmp/d1.img" &&
	expect_finding "disk shorter than its label" disk-size 1 "${three[@]}"
head -c 8M /dev/urandom > "$tmp/junk.img"
echo "corrupted disk junk.img" > "$tmp/mk"
expect_finding "random bytes" no-label 1 junk.img
truncate -s 3000 "$tmp/tiny.img"
echo "corrupted disk tiny.img" > "$tmp/mk"
expect_finding "image smaller than a label" no-label 1 tiny.img
echo "corrupted disk nonexistent.img" > "$tmp/mk"
expect_finding "missing file" io 1 nonexistent.img

if check "usage" 2; then pass "no disk: usage, exit 2"; fi
if check "usage" 2 --bogus one.img; then pass "bad option: usage, exit 2"; fi

# --- robustness: random damage to metadata must never crash -------------

mk fuzz -s 8M -f 4 one.img --vol a:3000:400 --snap a@s --write a:30 \
	--vol b:500:100 && check "fuzz setup" 0 -v one.img &&
sed -n 's/^checked pvbn \([0-9]*\) .*/\1/p' "$tmp/out" > "$tmp/meta" &&
if python3 - "$tmp" "$HACTL" <<'EOF'
import random, shutil, subprocess, sys
tmp, hactl = sys.argv[1], sys.argv[2]
meta = [int(x) for x in open(tmp + "/meta")]
meta += [-256, -255, -254, -253]	# labels and superblocks
rnd = random.Random(7)
bad = 0
for it in range(300):
	shutil.copy(tmp + "/one.img", tmp + "/f.img")
	with open(tmp + "/f.img", "r+b") as f:
		for _ in range(rnd.choice((1, 2, 8, 64))):
			blk = (256 + rnd.choice(meta)) * 4096
			# headers and counts are where damage is interesting
			off = rnd.choice((rnd.randrange(0, 128),
					  rnd.randrange(0, 4096)))
			f.seek(blk + off)
			f.write(bytes([rnd.randrange(256)]))
	rc = subprocess.run([hactl, "pool", "check", tmp + "/f.img"],
			    stdout=subprocess.DEVNULL,
			    stderr=subprocess.DEVNULL).returncode
	if rc not in (0, 1):
		print("iteration %d: exit %d" % (it, rc))
		shutil.copy(tmp + "/f.img", tmp + "/crash.img")
		bad += 1
sys.exit(1 if bad else 0)
EOF
then
	pass "300 randomly damaged pools: exit 0 or 1, no crash"
else
	fail "300 randomly damaged pools: exit 0 or 1, no crash" "see above"
fi

# --- valgrind -----------------------------------------------------------

vg() {
	local name=$1 want=$2
	shift 2
	(cd "$tmp" && valgrind -q --error-exitcode=99 --leak-check=full \
		--errors-for-leak-kinds=all "$HACTL" pool check "$@") \
		> "$tmp/out" 2>&1
	local rc=$?
	if [ "$rc" = "$want" ]; then
		pass "$name"
	else
		fail "$name" "exit $rc (99: valgrind errors)"
	fi
}

if command -v valgrind > /dev/null; then
	mk "valgrind clean" -s 8M "${three[@]}" "${rich[@]}" &&
		vg "valgrind: valid pool, no errors or leaks" 0 "${three[@]}"
	mk "valgrind corrupt" -s 8M "${three[@]}" "${rich[@]}" --corrupt cycle &&
		vg "valgrind: damaged pool, no errors or leaks" 1 "${three[@]}"
	vg "valgrind: random bytes, no errors or leaks" 1 junk.img
else
	fail "valgrind" "valgrind is not installed"
fi

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
