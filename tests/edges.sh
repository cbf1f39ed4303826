#!/bin/sh
# Hostile input at the edges (issue 15): standard output that fails, Lackey
# logs that once crashed `convert` or made traces `run` rejects, names that
# are not UTF-8 or need CSV quoting, profile files that never end or use
# GKeyFile's locale keys, and `record` on logs that fork their own pid or
# when it is killed.  Each case failed before its fix.
#
# An automake test: "ok N - what" / "not ok N - what" per case, then
# "edges: N passed, M failed"; exit 1 when one fails, 77 without vmscope.

VMSCOPE=${VMSCOPE:-./vmscope}
case $VMSCOPE in
/*) ;;
*) VMSCOPE=$(pwd)/$VMSCOPE ;;
esac
if [ ! -x "$VMSCOPE" ]; then
	echo "edges: $VMSCOPE is not built; skipping"
	exit 77
fi
: "${top_srcdir:=$(cd "$(dirname "$0")/.." && pwd)}"
SCEN=$top_srcdir/traces/scenarios

. "$(dirname "$0")/lib.sh"
in_workdir edges

show() {
	echo "exit status $rc"
	[ -s "$1.out" ] && { echo "stdout:"; head -n 5 "$1.out"; }
	[ -s "$1.err" ] && { echo "stderr:"; head -n 5 "$1.err"; }
}

# check DESCRIPTION NAME CONDITION...: ok when the shell CONDITION holds.
check() {
	d=$1
	nm=$2
	shift 2
	if eval "$@"; then
		ok "$d"
	else
		not_ok "$d" "$(show "$nm")"
	fi
}

# Is a file valid UTF-8 JSON?  python3 when there is one.
json_ok() {
	if command -v python3 >/dev/null 2>&1; then
		python3 -c 'import json, sys
json.loads(open(sys.argv[1], "rb").read().decode("utf-8"))' "$1" 2>/dev/null
	else
		iconv -f UTF-8 -t UTF-8 "$1" >/dev/null 2>&1
	fi
}

# ---- 3: a standard output that fails is an error ------------------------------

cat >tiny.vmt <<'EOF'
vmt 1
1 mmap 0x10000 8K rw private anon
1 w 0x10000
EOF
cat >grid.ini <<'EOF'
[grid]
traces=tiny.vmt
profile=tiny
[vary]
reclaim.policy=fifo;lru
EOF
if [ ! -w /dev/full ]; then
	skip "commands fail when standard output does" "no /dev/full"
else
	i=0
	for args in "run tiny.vmt" "run -f json tiny.vmt" "run -f csv tiny.vmt" \
		    "explain tiny.vmt" "explain -e tiny.vmt" "tour" "profiles" \
		    "profiles default" "validate --list" "convert tiny.vmt" \
		    "convert tiny.vmt -" "--help" "--version" "help run" \
		    "batch -j 1 -o grid-out grid.ini"; do
		i=$((i + 1))
		# shellcheck disable=SC2086
		"$VMSCOPE" $args >/dev/full 2>full$i.err </dev/null
		rc=$?
		if [ "$rc" = 1 ] && grep -Eq 'standard output.*(No space left|write error)' full$i.err; then
			ok "'vmscope $args' >/dev/full: exit 1, says why"
		else
			not_ok "'vmscope $args' >/dev/full: exit 1, says why" "exit status $rc" \
			       "$(head -3 full$i.err)"
		fi
	done
fi
vm okout run tiny.vmt
check "run to a working stdout still exits 0" okout '[ "$rc" = 0 ] && [ -s okout.out ] && [ ! -s okout.err ]'

# ---- 5, 15: sizes, offsets and times near 2^64 are refused, naming the token ----

# limit NAME 'EXPECTED MESSAGE (grep -E)' LINES...: a trace of LINES after
# `vmt 1` must be refused with exit 1 and the message at NAME.vmt:LINE:COL
limit() {
	ln=$1
	msg=$2
	shift 2
	printf 'vmt 1\n' >"$ln.vmt"
	for l in "$@"; do printf '%s\n' "$l" >>"$ln.vmt"; done
	vm "$ln" run "$ln.vmt"
	check "refused with the limit named: $ln" "$ln" \
		"[ \"\$rc\" = 1 ] && grep -Eq '^$ln\\.vmt:$msg' $ln.err && [ ! -s $ln.out ]"
}
limit file-size '2:10: size=18446744073709551615 is larger than .*2\^63-1 bytes' \
	'file big size=18446744073709551615' '1 open big fd=3' '1 read 3 0 4096'
limit disk-full '3:8: size=.* with the files declared before it passes' \
	'file a size=0x7000000000000000' 'file b size=0x1000000000000000'
limit ftruncate-size '4:15: size 18446744073709551615 is larger than the largest file' \
	'file f size=4096' '1 open f fd=3' '1 ftruncate 3 18446744073709551615' '1 read 3 0 4096'
limit write-wrap '4:11: offset 18446744073709551000 \+ length 4096 passes the largest file offset' \
	'file f size=4K' '1 open f fd=3' '1 write 3 18446744073709551000 4096'
limit read-wrap '4:10: offset 9223372036854775807 \+ length 4096 passes' \
	'file f size=4K' '1 open f fd=3' '1 read 3 9223372036854775807 4096'
limit mmap-offset '4:35: offset 9223372036854710272 \+ length 131072 passes' \
	'file f size=4K' '1 open f fd=3' '1 mmap 0x10000 128K r shared fd=3 off=9223372036854710272'
limit sleep-long '2:9: a sleep of 4611686018427387905ns is longer than the clock' \
	'1 sleep 4611686018427387905ns'
limit file-outcome '3:17: expect: a file has no outcome' \
	'file f size=4K' '1 expect file=f outcome=minor'
printf 'vmt 1\n1 sleep 4611686018427387904ns\n1 sleep 4611686018427387904ns\n' >clock.vmt
vm clock run clock.vmt
check "a clock past 2^62 ns stops the run with exit 1" clock \
	'[ "$rc" = 1 ] && grep -q "simulated time passed its range" clock.err'

# ---- 10: files and shared memory cost the pages touched, not their size -----

cat >sparse.vmt <<'EOF'
vmt 1
file big size=1024G
1 open big fd=3
1 read 3 1099511623680 4096
1 mmap 0x100000000000 1024G r shared fd=3
1 r 0x10fffffff000
1 mmap 0x200000000000 65536G rw shared anon
1 w 0x200000000000
1 w 0x5ffffffff000
1 ftruncate 3 1099511627776
1 write 3 2199023251456 4096
1 msync 0x100000000000 1024G sync
1 ftruncate 3 4096
1 expect majflt=0 minflt=3
1 expect pid=1 rss_file=2
EOF
if [ -x /usr/bin/time ]; then
	/usr/bin/time -f '%M' -o sparse.rss "$VMSCOPE" run sparse.vmt >sparse.out 2>sparse.err
	rc=$?
else
	vm sparse run sparse.vmt
	echo 0 >sparse.rss
fi
check "a 1024G file, a 64T shared mapping and ftruncate to 1T replay in little memory" sparse \
	'[ "$rc" = 0 ] && [ "$(tail -n 1 sparse.rss)" -lt 102400 ]'

# ---- 11, 15: memory and swap the host cannot hold, or a frame or slot number
# cannot name, are refused with the key named --------------------------------

vm bigmem run -s memory=4096G tiny.vmt
check "memory=4096G is refused naming memory= and the host's memory" bigmem \
	'[ "$rc" = 1 ] && grep -q "memory=4096G and swap.size=0 need 60.0 GiB of this host.s memory" bigmem.err'
vm bigswap run -s swap.size=16384G tiny.vmt
check "swap.size=16384G is refused: more slots than a slot number holds" bigswap \
	'[ "$rc" = 1 ] && grep -q "swap.size=16384G holds 4294967296 pages of page_size=4K (at most 2^32-2)" bigswap.err'
vm maxmem run -s memory=16384G tiny.vmt
check "memory=16384G is refused: more frames than a frame number holds" maxmem \
	'[ "$rc" = 1 ] && grep -q "memory=16384G holds 4294967296 pages" maxmem.err'

# ---- 14: a fork short of memory under oom.policy=none stops the run ----------

vm oomnone run -s oom.policy=none "$top_srcdir/tests/regress/oom-none-fork.vmt"
check "oom.policy=none: a fork short of page-table frames stops the run, naming the line" oomnone \
	'[ "$rc" = 1 ] && grep -q "oom-none-fork.vmt:13: out of memory: no frames for the page tables of pid 2" oomnone.err'

# ---- 20: 10^5 short-lived processes replay (their memory is the live ones') --

awk 'BEGIN {
	print "vmt 1"; print "1 mmap 0x10000 64K rw private anon"; print "1 w 0x10000"
	for (i = 2; i <= 100001; i++) {
		print "1 fork " i; print i " w 0x10000"; print i " exit"
	}
	print "1 expect cow_faults=100000 oom_kills=0 pt_pages=4"
	print "1 expect pid=100001 state=exited cow_faults=1"
}' >forks.vmt
vm forks run -q forks.vmt
check "10^5 forks, each child writing once and exiting, replay" forks '[ "$rc" = 0 ]'

# ---- 4, 18: Lackey lines that crashed convert or made traces run rejects -------

# convert LK: LK -> LK.vmt; then run it; both must exit 0
convert_replays() {
	vm "$1-c" convert "$1" "$1.vmt"
	crc=$rc
	vm "$1-r" run "$1.vmt"
	[ "$crc" = 0 ] && [ "$rc" = 0 ]
}

printf 'SYSCALL[1,1](87) sys_unlink ( 0x1 ) --> Success(0x0)\n' >unlink.lk
check "convert: sys_unlink with no path (segfaulted)" unlink.lk-c 'convert_replays unlink.lk'

cat >emptypath.lk <<'EOF'
SYSCALL[1,1](2) sys_open ( 0x1(), 0 ) --> Success(0x3)
SYSCALL[1,1](0) sys_read ( 3, 0x1000, 4096 ) --> Success(0x1000)
SYSCALL[1,1](87) sys_unlink ( 0x1() ) --> Success(0x0)
SYSCALL[1,1](257) sys_openat ( -100, 0x2(), 0x42 ) --> Success(0x4)
EOF
check "convert: an empty path is no file; the trace replays" emptypath.lk-c \
	'convert_replays emptypath.lk && ! grep -q "open" emptypath.lk.vmt'

cat >brk.lk <<'EOF'
SYSCALL[1,1](12) sys_brk ( 0x0 ) --> Success(0x601000)
SYSCALL[1,1](12) sys_brk ( 0x622000 ) --> Success(0x622000)
SYSCALL[1,1](12) sys_brk ( 0x0 ) --> Success(0xffffffffff000000)
SYSCALL[1,1](9) sys_mmap ( 0x0, 8192, 3, 34, -1, 0 ) --> Success(0xfffffffff0000000)
SYSCALL[1,1](11) sys_munmap ( 0x7ffffffff000, 0x2000 ) --> Success(0x0)
I  ffffffffff600000,4
 L 7ffffffffffc,8
 S 00601008,8
EOF
check "convert: a huge brk, mmap, munmap and the vsyscall page stay out of the trace" brk.lk-c \
	'convert_replays brk.lk && grep -q "^1 mmap 0x601000 132K rw private anon" brk.lk.vmt &&
	 [ "$(grep -c mmap brk.lk.vmt)" = 1 ] && ! grep -q munmap brk.lk.vmt'

cat >rw.lk <<'EOF'
SYSCALL[1,1](2) sys_open ( 0x1(rw.lk), 0 ) --> Success(0x3)
SYSCALL[1,1](17) sys_pread64 ( 3, 0x1000, 16, 0xfffffffffffffff8 ) --> Success(0x10)
SYSCALL[1,1](77) sys_ftruncate ( 3, 0x8000000000000000 ) --> Success(0x0)
SYSCALL[1,1](9) sys_mmap ( 0x0, 8192, 1, 2, 3, 0x7ffffffffffff000 ) --> Success(0x10000)
EOF
check "convert: file offsets past Linux's largest are dropped" rw.lk-c \
	'convert_replays rw.lk && ! grep -Eq "read|ftruncate|mmap" rw.lk.vmt'

# convert (and record) never replace what is not a regular file with one
# (traces/outfile.c): as root, `convert T /dev/null` once made /dev/null a
# regular file for everyone
if mknod chardev c 1 3 2>/dev/null; then
	vm dev convert tiny.vmt chardev
	check "convert to a character device writes into it, leaves it a device" dev \
		'[ "$rc" = 0 ] && [ -c chardev ] && [ -z "$(ls chardev.* 2>/dev/null)" ]'
else
	skip "convert to a character device" "mknod is not allowed here"
fi
ln -s target.vmt link.vmt
vm link convert tiny.vmt link.vmt
check "convert refuses to replace a symbolic link" link \
	'[ "$rc" = 1 ] && grep -q "^link.vmt: .*symbolic link" link.err &&
	 [ -L link.vmt ] && [ ! -e target.vmt ]'
mkdir outdir
vm dir convert tiny.vmt outdir
check "convert refuses a directory as OUT" dir \
	'[ "$rc" = 1 ] && grep -q "^outdir: .*directory" dir.err'

# ---- 16: names that are not UTF-8, or need quoting --------------------------------

printf 'SYSCALL[1,1](2) sys_open ( 0x1(caf\351), 0 ) --> Success(0x3)\n' >latin1.lk
vm latin1 convert latin1.lk latin1.vmt
check "convert: a Lackey path that is not UTF-8 is refused at FILE:LINE:COL" latin1 \
	'[ "$rc" = 1 ] && grep -q "^latin1.lk:1:32: file name is not UTF-8" latin1.err &&
	 [ -z "$(ls latin1.vmt* 2>/dev/null)" ]'

printf 'vmt 1\nfile caf\351 size=4K\n' >latin1.vmt
vm latin1v run latin1.vmt
check ".vmt: a file name that is not UTF-8 is refused at FILE:LINE:COL" latin1v \
	'[ "$rc" = 1 ] && grep -q "^latin1.vmt:2:6: name is not UTF-8" latin1v.err'
printf 'vmt 1\nfile ok size=4K\n1 expect file=caf\351 size=4096\n' >latin1e.vmt
vm latin1e run latin1e.vmt
check ".vmt: expect file= that is not UTF-8 is refused" latin1e \
	'[ "$rc" = 1 ] && grep -q "^latin1e.vmt:3:15: name is not UTF-8" latin1e.err'

printf 'vmt 1\nfile cafe size=4K\n1 open cafe fd=3\n' >utf8.vmt
"$VMSCOPE" convert utf8.vmt utf8.vmtb 2>/dev/null
# the same bytes with "cafe" made "caf\351" (same length): a corrupt .vmtb
LC_ALL=C sed 's/cafe/caf\o351/g' utf8.vmtb >latin1.vmtb 2>/dev/null ||
	perl -pe 's/cafe/caf\xe9/g' utf8.vmtb >latin1.vmtb
vm latin1b run latin1.vmtb
check ".vmtb: a name that is not UTF-8 is refused, naming the record" latin1b \
	'[ "$rc" = 1 ] && grep -q "^latin1.vmtb:2:1: name is not UTF-8" latin1b.err'

printf 'vmt 1\n1 note abc \000def\n' >nul.vmt
vm nul run nul.vmt
check ".vmt: a NUL byte is refused at FILE:LINE:COL (it cut the note short)" nul \
	'[ "$rc" = 1 ] && grep -q "^nul.vmt:2:12: a NUL byte" nul.err'
vm_in nulin nul.vmt run -
check ".vmt on standard input: the same" nulin \
	'[ "$rc" = 1 ] && grep -q "^<stdin>:2:12: a NUL byte" nulin.err'

cat >quote.vmt <<'EOF'
vmt 1
file a,"b size=8K
1 open a,"b fd=3
1 read 3 0 4K
EOF
vm csv run -f csv quote.vmt
check "-f csv quotes a name with a comma and a quote (RFC 4180)" csv \
	'[ "$rc" = 0 ] && grep -q "^file,\"a,\"\"b\",size,8192$" csv.out &&
	 ! grep -q "^file,a," csv.out'
vm json run -f json quote.vmt
check "-f json escapes the quote" json '[ "$rc" = 0 ] && json_ok json.out'

# a profile's name is its path, cut to 63 bytes: here inside an 'é'
long=$(printf '\303\251%.0s' 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20 \
	21 22 23 24 25 26 27 28 29 30 31 32 33 34 35 36 37 38 39 40).ini
printf '[machine]\nmemory=1M\n' >"$long"
# (GOption wants -p's argument in the locale's charset)
LC_ALL=C.UTF-8 "$VMSCOPE" run -f json -p "$long" tiny.vmt >jsonp.out 2>jsonp.err
rc=$?
check "-f json is valid UTF-8 when the profile's name is cut inside a character" jsonp \
	'[ "$rc" = 0 ] && json_ok jsonp.out'

# ---- 12, 17: profile files ------------------------------------------------------------

printf 'vmt 1\nprofile /dev/zero\n1 mmap 0x10000 4K rw private anon\n' >zero.vmt
vm zero run zero.vmt
check "a 'profile /dev/zero' header is refused, not read until memory runs out" zero \
	'[ "$rc" = 1 ] && grep -q "^zero.vmt:2:9: /dev/zero: not a regular file" zero.err'
vm zerop run -p /dev/zero tiny.vmt
check "-p /dev/zero is refused" zerop \
	'[ "$rc" = 1 ] && grep -q "^/dev/zero: not a regular file" zerop.err'
if mkfifo fifo.ini 2>/dev/null; then
	vm fifo run -p fifo.ini tiny.vmt
	check "-p FIFO is refused without waiting for a writer" fifo \
		'[ "$rc" = 1 ] && grep -q "^fifo.ini: not a regular file" fifo.err'
fi
{ echo '[machine]'; i=0; while [ $i -lt 1100 ]; do
	printf '# %01020d\n' 0; i=$((i + 1)); done; } >big.ini
vm big run -p big.ini tiny.vmt
check "a profile over the size limit is refused, naming the file and the limit" big \
	'[ "$rc" = 1 ] && grep -q "^big.ini: too large for a profile (at most 1048576 bytes)" big.err'

printf '[machine]\nmemory=64M\nmemory[de]=1G\n' >locale.ini
vm locale profiles ./locale.ini
check "a GKeyFile locale key 'memory[de]' is an unknown key" locale \
	'[ "$rc" = 1 ] && grep -q "^./locale.ini:3:1: unknown key .memory\[de\]." locale.err'
printf '[tlb]\nl1.entries[C]=64\n' >locale2.ini
# (the tests run with LC_ALL=C: [C] is the current locale's)
vm locale2 profiles ./locale2.ini
check "a locale key of the current locale is unknown too" locale2 \
	'[ "$rc" = 1 ] && grep -q "unknown key .tlb.l1.entries\[C\]." locale2.err'

# ---- 6: record on logs that fork their own pid, and when killed --------------------

cat >fakevg <<'EOF'
#!/bin/sh
# A stand-in for valgrind: writes $FAKE_LOG (SELF: this pid) where
# --log-file says, then, with FAKE_KILL, sends that signal to vmscope.
for a; do case $a in --log-file=*) lf=${a#--log-file=} ;; esac; done
log=$(printf '%s' "$lf" | sed "s/%p/$$/; s/%n/1/")
sed "s/SELF/$$/g" "$FAKE_LOG" >"$log"
if [ -n "${FAKE_KILL:-}" ]; then
	kill -s "$FAKE_KILL" "$PPID"
	sleep 5
fi
exit 0
EOF
chmod +x fakevg
mkdir rtmp
cat >selffork.lk <<'EOF'
I  00400000,4
SYSCALL[SELF,1](56) sys_clone ( 0x1200011, 0x0, 0x0 ) --> Success(0x1) (created child SELF)
EOF
TMPDIR=$PWD/rtmp FAKE_LOG=selffork.lk VMSCOPE_VALGRIND=$PWD/fakevg \
	vm self record -o self.vmt -- /bin/true
check "record: a log that forks its own pid is an error, no stack overflow, nothing left" self \
	'[ "$rc" = 1 ] && grep -q "lk\.[0-9]*\.1\.log:2:[0-9]*: fork of pid [0-9]*, whose log was already read" self.err &&
	 [ -z "$(ls rtmp)" ] && [ -z "$(ls self.vmt* 2>/dev/null)" ]'

printf 'I  00400000,4\n' >plain.lk
TMPDIR=$PWD/rtmp FAKE_LOG=plain.lk FAKE_KILL=TERM VMSCOPE_VALGRIND=$PWD/fakevg \
	vm term record -o term.vmt -- /bin/true
check "record: SIGTERM while recording removes the logs and the output, dies of it" term \
	'[ "$rc" = 143 ] && [ -z "$(ls rtmp)" ] && [ -z "$(ls term.vmt* 2>/dev/null)" ]'
TMPDIR=$PWD/rtmp FAKE_LOG=plain.lk FAKE_KILL=INT VMSCOPE_VALGRIND=$PWD/fakevg \
	vm int record -o int.vmt -- /bin/true
check "record: SIGINT the same" int \
	'[ "$rc" = 130 ] && [ -z "$(ls rtmp)" ] && [ -z "$(ls int.vmt* 2>/dev/null)" ]'
TMPDIR=$PWD/rtmp FAKE_LOG=plain.lk VMSCOPE_VALGRIND=$PWD/fakevg \
	vm fine record -o fine.vmt -- /bin/true
check "record with the stand-in valgrind works when left alone" fine \
	'[ "$rc" = 0 ] && grep -q "^1 x 0x400000$" fine.vmt && [ -z "$(ls rtmp)" ]'

echo "edges: $passed passed, $failed failed"
[ "$failed" = 0 ]
