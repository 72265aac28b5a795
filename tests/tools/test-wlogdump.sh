#!/bin/bash
# Host-side tests of "hactl wlog dump": write-log images built by mkwlog
# (valid, then with one kind of damage each) must be read as the kernel
# reads them (kernel/wlog_format.c, wlog_scan.c): the right halves, the
# right end of each half and why, the right records, and --image replays
# that match an image computed here.  No kernel module needed.
#
#   HACTL=path/to/hactl MKWLOG=path/to/mkwlog tests/tools/test-wlogdump.sh
#
# Ends with "N passed, N failed"; exit status 0 only if all passed.
set -uo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
HACTL=${HACTL:-$root/tools/hactl/hactl}
MKWLOG=${MKWLOG:-$here/mkwlog}

passed=0
failed=0
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

for tool in "$HACTL" "$MKWLOG"; do
	if [ ! -x "$tool" ]; then
		echo "test-wlogdump: $tool is not built" >&2
		echo "0 passed, 1 failed"
		exit 1
	fi
done

# Under valgrind unless NO_VALGRIND is set (the fuzz loop never is).
VG=()
if [ -z "${NO_VALGRIND:-}" ]; then
	if command -v valgrind > /dev/null; then
		VG=(valgrind -q --error-exitcode=99 --leak-check=full
		    --errors-for-leak-kinds=all)
	else
		echo "FAIL valgrind: not installed"
		failed=$((failed + 1))
	fi
fi

pass() { passed=$((passed + 1)); echo "ok   $1"; }
fail() {
	failed=$((failed + 1))
	echo "FAIL $1: $2"
	[ -s "$tmp/out" ] && sed 's/^/     | /' "$tmp/out" | head -30
}

# mk NAME MKWLOG-ARGS...: builds $tmp/log.img.
mk() {
	local name=$1
	shift
	if ! (cd "$tmp" && "$MKWLOG" "$@") < /dev/null > "$tmp/mk" 2>&1; then
		cp "$tmp/mk" "$tmp/out"
		fail "$name" "mkwlog $*"
		return 1
	fi
}

# dump NAME WANT_RC ARGS...: hactl [-j] wlog dump, output in $tmp/out
# (stdout) and $tmp/err (stderr).
dump() {
	local name=$1 want=$2 json=()
	shift 2
	if [ "${1:-}" = -j ]; then
		json=(-j)
		shift
	fi
	(cd "$tmp" && "${VG[@]}" "$HACTL" "${json[@]}" wlog dump "$@") \
		< /dev/null > "$tmp/out" 2> "$tmp/err"
	local rc=$?
	if [ "$rc" != "$want" ]; then
		cat "$tmp/err" >> "$tmp/out"
		fail "$name" "exit $rc, expected $want (99: valgrind errors)"
		return 1
	fi
}

# has NAME PATTERN...: every pattern (grep -E) matches a line of $tmp/out.
has() {
	local name=$1 p
	shift
	for p in "$@"; do
		if ! grep -qE -- "$p" "$tmp/out"; then
			fail "$name" "no line matching '$p'"
			return 1
		fi
	done
}

# records NAME "S OP POOL VOL SECTOR N"...: exactly these record lines, in
# this order (pool: one hex digit d for dddddddd-...).
records() {
	local name=$1 r seq op p vol sec n u
	shift
	: > "$tmp/want"
	for r in "$@"; do
		read -r seq op p vol sec n <<< "$r"
		u=$(printf '%s' "$p$p$p$p$p$p$p$p-$p$p$p$p-$p$p$p$p-$p$p$p$p-$p$p$p$p$p$p$p$p$p$p$p$p")
		echo "seq $seq op $op pool $u vol $vol sector $sec sectors $n" \
			>> "$tmp/want"
	done
	grep '^seq ' "$tmp/out" > "$tmp/got"
	if ! cmp -s "$tmp/want" "$tmp/got"; then
		fail "$name" "records differ: $(diff "$tmp/want" "$tmp/got" | tr '\n' ' ')"
		return 1
	fi
}

# json NAME PYTHON-EXPR: the expression on d (the "wlog_dump" object).
json() {
	local name=$1 expr=$2
	if ! python3 -c '
import json, sys
docs = [json.loads(l) for l in open(sys.argv[1])]
assert len(docs) == 1, "one document"
d = docs[0]["wlog_dump"]
sys.exit(0 if eval(sys.argv[2]) else 1)' "$tmp/out" "$expr" 2>> "$tmp/out"; then
		fail "$name" "JSON: not $expr"
		return 1
	fi
}

# expect_img BASE_SIZE OUT OP...: OUT = BASE_SIZE bytes of 0x55, then each
# "w:SECTOR:N:FILL" (data byte i = (FILL + i / 512) & 0xff) or
# "d:SECTOR:N" (zeros over the whole 4 KiB blocks inside) applied.
expect_img() {
	python3 - "$@" <<'EOF'
import sys
size, out, ops = int(sys.argv[1]), sys.argv[2], sys.argv[3:]
img = bytearray(b"\x55" * size)
def put(off, data):
	global img
	if len(img) < off + len(data):
		img += bytes(off + len(data) - len(img))
	img[off:off + len(data)] = data
for op in ops:
	f = op.split(":")
	s, n = int(f[1]), int(f[2])
	if f[0] == "w":
		fill = int(f[3], 0)
		put(s * 512, bytes((fill + i // 512) & 0xff for i in range(n * 512)))
	else:
		b, last = (s + 7) // 8, (s + n) // 8
		if b < last:
			put(b * 4096, bytes((last - b) * 4096))
open(out, "wb").write(img)
EOF
}

base_img() {
	python3 -c 'import sys; open(sys.argv[1], "wb").write(b"\x55" * int(sys.argv[2]))' "$@"
}

same_img() {
	local name=$1
	if cmp "$tmp/want.img" "$tmp/img" > "$tmp/cmp" 2>&1; then
		pass "$name"
	else
		cp "$tmp/cmp" "$tmp/out"
		fail "$name" "image differs"
	fi
}

AU=aaaaaaaa-aaaa-aaaa-aaaa-aaaaaaaaaaaa

# --- a valid log ------------------------------------------------------------

# Half 0 (epoch 3) holds 1..3, half 1 (epoch 4) 4..5; covered_seq 2.
valid=(--covered 2 log.img
       --half 0:3:1
       --entry --write a:1:0:8:0x10 --discard a:1:8:8
       --entry --write b:2:16:3:0x20 --write a:1:4:2:0x30
       --entry --write a:1:2:4:0x40 --discard b:1:0:64
       --half 1:4:4
       --entry --write a:1:40:9:0x50 --write a:2:0:1:0x60
       --entry=6 --discard a:1:3:17 --write a:1:30:2:0x70)

if mk valid "${valid[@]}" && dump "valid log" 0 log.img &&
   has "valid log" '^node: +1$' '^cluster: +7$' \
	'^log uuid: +11111111-1111-1111-1111-111111111111$' \
	'^superblock: +copy 0, generation 2$' '^half sectors: +2048$' \
	'^covered seq: +2$' \
	'^half 0: epoch 3, first seq 1, entries 3, last seq 3, ends at sector 2076 \(28 of 2048 used\): no entry$' \
	'^half 1: epoch 4, first seq 4, entries 2, last seq 5, .*: no entry$' &&
   records "valid log" "3 write a 1 2 4" "3 discard b 1 0 64" \
	"4 write a 1 40 9" "4 write a 2 0 1" "5 discard a 1 3 17" \
	"5 write a 1 30 2"; then
	pass "valid log: superblock, halves, records above covered seq"
fi

if dump "--all" 0 --all log.img &&
   records "--all" "1 write a 1 0 8" "1 discard a 1 8 8" "2 write b 2 16 3" \
	"2 write a 1 4 2" "3 write a 1 2 4" "3 discard b 1 0 64" \
	"4 write a 1 40 9" "4 write a 2 0 1" "5 discard a 1 3 17" \
	"5 write a 1 30 2"; then
	pass "--all: records of every entry"
fi

if dump "-j" 0 -j log.img &&
   json "-j" 'd["region"] == "local" and d["covered_seq"] == 2 and d["log_uuid"] == "11111111-1111-1111-1111-111111111111" and [(h["index"], h["epoch"], h["first_seq"], h["last_seq"], h["entries"], h["end"]) for h in d["halves"]] == [(0, 3, 1, 3, 3, "no entry"), (1, 4, 4, 5, 2, "no entry")] and [(r["seq"], r["op"], r["vol"], r["sector"], r["sectors"]) for r in d["records"]] == [(3, "write", 1, 2, 4), (3, "discard", 1, 0, 64), (4, "write", 1, 40, 9), (4, "write", 2, 0, 1), (5, "discard", 1, 3, 17), (5, "write", 1, 30, 2)] and d["records"][0]["pool"] == "'$AU'"'; then
	pass "-j: one JSON document, halves and records"
fi

# Replay of volume 1 of pool a into a file that holds other data.
if [ $passed -gt 0 ]; then
	base_img "$tmp/img" 65536
	expect_img 65536 "$tmp/want.img" w:2:4:0x40 w:40:9:0x50 d:3:17 w:30:2:0x70
	dump "--image" 0 --volume 1 --pool $AU --image img log.img &&
		has "--image" '^image img: volume 1: applied 3 writes, 1 discards$' &&
		same_img "--image: records of volume 1 of pool a above covered seq"
	base_img "$tmp/img" 65536
	expect_img 65536 "$tmp/want.img" w:0:8:0x10 d:8:8 w:4:2:0x30 w:2:4:0x40 \
		w:40:9:0x50 d:3:17 w:30:2:0x70
	dump "--image --all" 0 --all --volume 1 --pool $AU --image img log.img &&
		same_img "--image --all: every record of volume 1 of pool a"
	# Without --pool, pool b's volume 1 counts too; a missing file is made.
	rm -f "$tmp/img"
	expect_img 0 "$tmp/want.img" w:2:4:0x40 d:0:64 w:40:9:0x50 d:3:17 w:30:2:0x70
	dump "--image, no --pool" 0 --volume 1 --image img log.img &&
		same_img "--image without --pool: every pool; file created"
	dump "-j --image" 0 -j --volume 2 --image img2 log.img &&
		json "-j --image" 'd["image"] == {"path": "img2", "vol": 2, "writes": 1, "discards": 0}' &&
		pass "-j --image: the image summary"
fi

# Half 1 has the lower epoch: it is read, and replayed, first.
mk order log.img --half 0:9:3 --entry --write a:1:0:1:0x01 \
	--half 1:5:1 --entry --write a:1:0:1:0x02 --entry --write a:1:1:1:0x03 &&
	dump "order" 0 --volume 1 --image img3 log.img &&
	records "order" "1 write a 1 0 1" "2 write a 1 1 1" "3 write a 1 0 1" &&
	expect_img 0 "$tmp/want.img" w:0:1:0x02 w:1:1:0x03 w:0:1:0x01 &&
	cp "$tmp/img3" "$tmp/img" && same_img "older-epoch half first (records and replay)"

# --- where a half ends ----------------------------------------------------

# KIND END: entry 2 of 3 damaged so; entry 1 stays, 2 and 3 are gone.
while read -r kind end; do
	[ -z "$kind" ] && continue
	mk "corrupt $kind" log.img --half 0:3:1 \
		--entry --write a:1:0:8:1 --discard a:1:0:8 \
		--entry --write a:1:8:4:2 --discard a:1:16:8 --corrupt "$kind" \
		--entry --write a:1:24:1:3 &&
	dump "corrupt $kind" 0 --all log.img &&
	has "corrupt $kind" "^half 0: epoch 3, first seq 1, entries 1, last seq 1, ends at sector 2065 \\(17 of 2048 used\\): $end\$" &&
	records "corrupt $kind" "1 write a 1 0 8" "1 discard a 1 0 8" &&
	pass "entry damage $kind: '$end'"
done <<'EOF'
torn		checksum mismatch \(torn\)
data-bit	checksum mismatch \(torn\)
hdr-bit		checksum mismatch \(torn\)
seq		entry out of sequence
epoch		entry from an older epoch
nr-zero		entry header out of bounds
nr-big		entry header out of bounds
hdr		entry header out of bounds
data-big	entry header out of bounds
flags		entry header out of bounds
rec-flags	record out of bounds
rec-zero	record out of bounds
rec-overflow	record out of bounds
op		record with an unknown operation
more-data	records hold more data than the entry
less-data	records hold less data than the entry
uuid		entry of another log
magic		no entry
EOF

# A stale entry after the end: the next seq, but an older epoch.
mk stale log.img --half 1:7:10 --entry --write a:1:0:1:1 \
	--entry=7 --write a:1:1:1:2 --entry=6 --write a:1:2:1:3 &&
	dump stale 0 log.img &&
	has stale '^half 1: epoch 7, first seq 10, entries 2, last seq 11, .*: entry from an older epoch$' \
		'^half 0: no valid header \(no half magic\)$' &&
	records stale "10 write a 1 0 1" "11 write a 1 1 1" &&
	pass "stale entry (older epoch) ends the half"

# The first entry must carry the half's first_seq.
mk firstseq log.img --half 0:3:5 --seq 6 --entry --write a:1:0:1:1 &&
	dump firstseq 0 log.img &&
	has firstseq '^half 0: epoch 3, first seq 5, entries 0, last seq -, ends at sector 2056 .*: entry out of sequence$' &&
	records firstseq && pass "first entry not the half's first_seq: half empty"

# Exactly filled: 8 + 1 + 2039 = 2048 sectors.
mk full log.img --half 0:3:1 --entry --write a:1:0:2039:1 &&
	dump full 0 log.img &&
	has full '^half 0: .*entries 1, last seq 1, ends at sector 4096 \(2048 of 2048 used\): end of half$' &&
	pass "half filled to its end: 'end of half'"
mk pastend log.img --half 0:3:1 --entry --write a:1:0:4:1 \
	--entry --write a:1:0:2036:1 &&
	dump pastend 0 log.img &&
	has pastend '^half 0: .*entries 1, last seq 1, .*: entry runs past the end of its half$' &&
	pass "entry longer than what is left: 'entry runs past the end of its half'"

# The largest entry: 8192 sectors of data (halves of 8224 sectors and up).
rm -f "$tmp/img"
mk big -s 20M log.img --half 0:3:1 --entry --write a:1:0:8192:9 \
	--entry --write a:1:8192:1:1 &&
	dump big 0 --volume 1 --image img log.img &&
	has big '^half 0: .*entries 2, last seq 2, ends at sector 10251 .*: no entry$' &&
	expect_img 0 "$tmp/want.img" w:0:8192:9 w:8192:1:1 &&
	same_img "largest entry (4 MiB of data), replayed"

# --- half headers ---------------------------------------------------------

while read -r kind why; do
	[ -z "$kind" ] && continue
	mk "half $kind" log.img --half 0:3:1 --entry --write a:1:0:1:1 \
		--half-corrupt "$kind" --half 1:4:2 --entry --write a:1:0:1:1 &&
	dump "half $kind" 0 log.img &&
	has "half $kind" "^half 0: no valid header \\($why\\)\$" \
		'^half 1: epoch 4, first seq 2, entries 1' &&
	records "half $kind" "2 write a 1 0 1" &&
	pass "half header damage $kind: '$why'"
done <<'EOF'
magic		no half magic
csum		half header checksum mismatch
uuid		half header of another log
index		half header in the wrong slot
zero-seq	half header with zero sequence or epoch
EOF

# --- superblock -----------------------------------------------------------

mk newer --gen 5 --covered 3 --stale-covered 1 log.img --half 0:1:1 \
	--entry --write a:1:0:1:1 --entry --write a:1:0:1:2 \
	--entry --write a:1:0:1:3 --entry --write a:1:0:1:4 &&
	dump newer 0 log.img &&
	has newer '^superblock: +copy 1, generation 5$' '^covered seq: +3$' &&
	records newer "4 write a 1 0 1" && pass "newer superblock copy wins"

mk onebad --gen 5 --covered 3 --stale-covered 1 --super-corrupt 1:csum \
	log.img --half 0:1:1 --entry --write a:1:0:1:1 \
	--entry --write a:1:0:1:2 &&
	dump onebad 0 log.img &&
	has onebad '^superblock: +copy 0, generation 4$' \
		'^other copy: +invalid: write-log superblock checksum mismatch$' \
		'^covered seq: +1$' &&
	records onebad "2 write a 1 0 1" && pass "one damaged copy: the other one is used"

while read -r kind why; do
	[ -z "$kind" ] && continue
	mk "super $kind" --super-corrupt "0:$kind" --super-corrupt "1:$kind" \
		log.img --half 0:1:1 --entry --write a:1:0:1:1 &&
	dump "super $kind" 1 log.img &&
	if [ -s "$tmp/out" ]; then
		fail "super $kind" "output on stdout"
	elif grep -qxF "hactl: wlog dump: log.img: write log damaged: superblock copy 0: $why; copy 1: $why" "$tmp/err"; then
		pass "damaged superblock ($kind): exit 1, '$why'"
	else
		cp "$tmp/err" "$tmp/out"
		fail "super $kind" "message"
	fi
done <<'EOF'
csum	write-log superblock checksum mismatch
version	unknown write-log version
shift	write-log block size is not 512..4096 bytes
size	write log is larger than its device
layout	write-log layout is inconsistent
node	write log names no node
EOF

mk nosuper --no-super log.img && dump nosuper 1 log.img &&
	grep -qF "log.img: no write log (neither superblock copy has the write-log magic)" "$tmp/err" &&
	pass "no superblock: exit 1, 'no write log'"
mk magic --super-corrupt 0:magic --super-corrupt 1:csum log.img &&
	dump magic 1 log.img &&
	grep -qF "superblock copy 0: no write-log magic; copy 1: write-log superblock checksum mismatch" "$tmp/err" &&
	pass "each copy's failure named"
mk shrunk log.img --half 0:1:1 --entry --write a:1:0:1:1 &&
	truncate -s 4M "$tmp/log.img" && dump shrunk 1 log.img &&
	grep -qF "write log is larger than its device" "$tmp/err" &&
	pass "device smaller than the log: exit 1"
truncate -s 3000 "$tmp/tiny.img"
dump tiny 1 tiny.img && grep -qF "cannot read superblock copy 0: beyond the end of the device" "$tmp/err" &&
	pass "3000-byte file: exit 1, cannot read"
dump missing 1 nonexistent.img && grep -qF "nonexistent.img: No such file or directory" "$tmp/err" &&
	pass "missing device: exit 1"
head -c 5M /dev/urandom > "$tmp/junk.img"
dump junk 1 junk.img && pass "random bytes: exit 1"

# --- mirror region ----------------------------------------------------------

partner=(--partner-node 2 --partner-uuid 2 --partner-covered 1 --covered 1
	 log.img
	 --half 0:3:1 --entry --write a:1:0:1:1 --entry --write a:1:1:1:2
	 --region mirror --half 1:8:1
	 --entry --write c:5:0:8:0x11 --entry --write c:5:8:8:0x22
	 --entry --write c:5:16:1:0x33 --corrupt torn)
if mk partner "${partner[@]}"; then
	dump partner 0 --partner log.img &&
	has partner '^region: +partner \(sectors 6144\.\.10239\)$' \
		'^partner node: +2$' \
		'^partner log uuid: +22222222-2222-2222-2222-222222222222$' \
		'^partner covered seq: +1$' \
		'^half 0: no valid header \(no half magic\)$' \
		'^half 1: epoch 8, first seq 1, entries 2, last seq 2, .*: checksum mismatch \(torn\)$' &&
	records partner "2 write c 5 8 8" &&
	pass "--partner: the mirror region, partner uuid and covered seq"
	rm -f "$tmp/img"
	dump "partner -j" 0 -j --partner --all --volume 5 --image img log.img &&
	json "partner -j" 'd["region"] == "partner" and d["log_uuid"] == "22222222-2222-2222-2222-222222222222" and d["covered_seq"] == 1 and d["partner_node"] == 2 and d["own_log_uuid"] == "11111111-1111-1111-1111-111111111111" and len(d["records"]) == 2' &&
	expect_img 0 "$tmp/want.img" w:0:8:0x11 w:8:8:0x22 &&
	same_img "--partner -j --all --image: replays the mirror"
	dump "local only" 0 log.img &&
	records "local only" "2 write a 1 1 1" &&
	pass "without --partner: the local region only"
fi
# The mirror holds entries of another log than the superblock names.
mk otherlog --partner-node 2 --partner-uuid 2 log.img --region mirror \
	--half 0:3:1 --entry --write a:1:0:1:1 --corrupt uuid &&
	dump otherlog 0 --partner log.img &&
	has otherlog '^half 0: epoch 3, first seq 1, entries 0, .*: entry of another log$' &&
	pass "mirror entry of another log's uuid is not read"
mk nopartner log.img --region mirror --half 0:3:1 --entry --write a:1:0:1:1 &&
	dump nopartner 0 --partner log.img &&
	has nopartner '^no partner log: the superblock names none$' '^none$' &&
	pass "--partner without a partner: nothing read"

# --- 4 KiB logical blocks ---------------------------------------------------

rm -f "$tmp/img"
recs=()
for i in $(seq 0 100); do recs+=(--discard "a:1:$((i * 8)):8"); done
mk 4k -b 12 log.img --half 0:2:1 --entry --write a:1:0:3:0x41 \
	--entry "${recs[@]}" --entry --write a:1:64:9:0x42 &&
	grep -q "entry seq 1 at sector 2056 sectors 16" "$tmp/mk" &&
	grep -q "entry seq 2 at sector 2072 sectors 16" "$tmp/mk" &&
	dump 4k 0 --volume 1 --image img log.img &&
	has 4k '^block size: +4096$' '^half 0: epoch 2, first seq 1, entries 3, last seq 3, ends at sector 2112 ' &&
	[ "$(grep -c '^seq 2 op discard' "$tmp/out")" = 101 ] &&
	expect_img 0 "$tmp/want.img" w:0:3:0x41 $(for i in $(seq 0 100); do echo "d:$((i * 8)):8"; done) w:64:9:0x42 &&
	same_img "4 KiB blocks: padded entries, 101 records (16-sector header)"

# --- usage ------------------------------------------------------------------

dump "usage" 2 && pass "no DEV: exit 2"
dump "usage" 2 --bogus log.img && pass "unknown option: exit 2"
dump "usage" 2 log.img extra && pass "two devices: exit 2"
dump "usage" 2 --volume 1 log.img && pass "--volume without --image: exit 2"
dump "usage" 2 --image x log.img && pass "--image without --volume: exit 2"
dump "usage" 2 --volume x --image x log.img && pass "bad volume id: exit 2"
dump "usage" 2 --pool zz --volume 1 --image x log.img && pass "bad pool uuid: exit 2"
dump "usage" 2 --pool $AU log.img && pass "--pool alone: exit 2"
dump "help" 0 --help && has help '^  hactl wlog dump DEV ' && pass "--help"

# --- random damage: never a crash, exit 0 or 1 ------------------------------

mk fuzz "${valid[@]}" --region mirror --half 0:2:1 \
	--entry --write c:5:0:8:1 --entry --write c:5:8:8:2 &&
if python3 - "$tmp" "$HACTL" <<'EOF'
import random, shutil, subprocess, sys
tmp, hactl = sys.argv[1], sys.argv[2]
rnd = random.Random(11)
# superblocks, half headers, and the entries after them
areas = [(0, 128), (4096, 4224), (2048 * 512, 2048 * 512 + 16384),
	 (4096 * 512, 4096 * 512 + 8192), (6144 * 512, 6144 * 512 + 12288)]
bad = 0
for it in range(300):
	shutil.copy(tmp + "/log.img", tmp + "/f.img")
	with open(tmp + "/f.img", "r+b") as f:
		for _ in range(rnd.choice((1, 2, 8, 64))):
			a, b = rnd.choice(areas)
			f.seek(rnd.randrange(a, b))
			f.write(bytes([rnd.randrange(256)]))
	for extra in ([], ["--partner", "--all"]):
		rc = subprocess.run([hactl, "wlog", "dump"] + extra +
				    ["--volume", "1", "--image", tmp + "/fi.img",
				     tmp + "/f.img"], stdout=subprocess.DEVNULL,
				    stderr=subprocess.DEVNULL).returncode
		if rc not in (0, 1):
			print("iteration %d %s: exit %d" % (it, extra, rc))
			shutil.copy(tmp + "/f.img", tmp + "/crash.img")
			bad += 1
sys.exit(1 if bad else 0)
EOF
then
	pass "300 randomly damaged logs: exit 0 or 1, no crash"
else
	fail "300 randomly damaged logs" "see above"
fi
# A few of them under valgrind.
if [ ${#VG[@]} -gt 0 ]; then
	python3 - "$tmp" <<'EOF'
import random, shutil, sys
tmp = sys.argv[1]
rnd = random.Random(5)
for i in range(6):
	shutil.copy(tmp + "/log.img", tmp + "/vg%d.img" % i)
	with open(tmp + "/vg%d.img" % i, "r+b") as f:
		for _ in range(4):
			f.seek(rnd.choice((2048, 4096, 6144)) * 512 + 4096 +
			       rnd.randrange(0, 2048))
			f.write(bytes([rnd.randrange(256)]))
EOF
	ok=1
	for i in 0 1 2 3 4 5; do
		dump "valgrind fuzz $i" 0 --all --volume 1 --image vgi.img \
			"vg$i.img" || ok=0
		dump "valgrind fuzz $i" 0 --partner "vg$i.img" || ok=0
	done
	[ $ok = 1 ] && pass "valgrind: damaged entries, no errors or leaks"
fi

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
