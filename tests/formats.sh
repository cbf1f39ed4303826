#!/bin/sh
# Tests of the trace formats and of `vmscope convert` and `vmscope record`
# (issue 9, docs/formats.md):
#   - every scenario goes .vmt -> .vmtb -> .vmt byte-identical with the
#     normalized .vmt, and `run` prints the same statistics for both;
#   - the check pass's errors after runs of accesses (which it skims in a
#     .vmtb) are the .vmt's, line and column;
#   - `run` reads .vmt and .vmtb by content (whatever the name, and from
#     standard input), and refuses Lackey output with a pointer to convert;
#   - convert's errors name FILE:LINE:COL and the token, and leave no
#     output file, not even a temporary one;
#   - Lackey -> .vmt/.vmtb, --no-instr, --sample;
#   - record of a tiny program and of a program that forks (skipped, with
#     the reason, when valgrind or cc is missing);
#   - the recorded traces replay; sqlite.vmtb under every reclaim policy
#     with 1 MiB of memory, so that reclaim runs.
#
# An automake test: exit 0 when every case passes, 1 when one fails, 77 when
# the program is missing.  Each case prints "ok N - what" or "not ok N -
# what"; the last line is "formats: N passed, M failed".
#
# Usage: VMSCOPE=/path/to/vmscope top_srcdir=. sh tests/formats.sh

VMSCOPE=${VMSCOPE:-./vmscope}
top_srcdir=${top_srcdir:-.}
case $VMSCOPE in
/*) ;;
*) VMSCOPE=$(pwd)/$VMSCOPE ;;
esac
case $top_srcdir in
/*) ;;
*) top_srcdir=$(pwd)/$top_srcdir ;;
esac
if [ ! -x "$VMSCOPE" ]; then
	echo "formats: $VMSCOPE is not built; skipping"
	exit 77
fi
SCEN=$top_srcdir/traces/scenarios
REC=$top_srcdir/traces/recorded

. "$(dirname "$0")/lib.sh"
in_workdir formats

show() {
	echo "exit $rc"
	head -c 600 "$1.err"
}

# ---- round trips of every scenario -----------------------------------------

bad=
for f in "$SCEN"/*.vmt; do
	b=$(basename "$f" .vmt)
	if ! "$VMSCOPE" convert "$f" "$b.n.vmt" 2>"$b.err" ||
	   ! "$VMSCOPE" convert "$f" "$b.vmtb" 2>>"$b.err" ||
	   ! "$VMSCOPE" convert "$b.vmtb" "$b.rt.vmt" 2>>"$b.err" ||
	   ! cmp -s "$b.n.vmt" "$b.rt.vmt"; then
		bad="$bad $b"
		continue
	fi
	"$VMSCOPE" run -f csv "$f" >"$b.csv1" 2>&1
	r1=$?
	"$VMSCOPE" run -f csv "$b.vmtb" >"$b.csv2" 2>&1
	r2=$?
	if [ "$r1" != "$r2" ] || ! cmp -s "$b.csv1" "$b.csv2"; then
		bad="$bad $b(run)"
	fi
done
if [ -z "$bad" ]; then
	ok "every scenario: .vmt -> .vmtb -> .vmt is byte-identical, run agrees"
else
	not_ok "every scenario: .vmt -> .vmtb -> .vmt is byte-identical, run agrees" \
	       "failed:$bad"
fi

# --to overrides the name; the binary is smaller
vm to convert --to vmtb "$SCEN/tour.vmt" -o tour.bin
if [ "$rc" = 0 ] && cmp -s tour.bin tour.vmtb &&
   [ "$(wc -c <tour.vmtb)" -lt "$(wc -c <tour.n.vmt)" ]; then
	ok "convert --to vmtb writes the same binary whatever OUT's name"
else
	not_ok "convert --to vmtb writes the same binary whatever OUT's name" "$(show to)"
fi

# The check pass over a .vmtb skims runs of one-page accesses: an error
# after them, or in the middle of one (an access by a process that has
# exited), names the line and column the .vmt's does.
awk 'BEGIN { print "vmt 1"; print "1 mmap 0x10000 1M rw private anon";
	for (i = 0; i < 3000; i++) printf "1 r 0x%x\n", 65536 + (i * 64) % 1048576;
	print "1 fork 2"; print "2 r 0x10000"; print "2 r 0x10040"; print "2 exit";
	for (i = 0; i < 3000; i++) printf "1 w 0x%x\n", 65536 + (i * 640) % 1048576;
	print "1 munmap 0x10800 4K" }' >late.vmt
sed '$d' late.vmt >dead.vmt
printf '2 r 0x10080\n1 r 0x10000\n' >>dead.vmt
for t in late dead; do
	"$VMSCOPE" convert "$t.vmt" "$t.vmtb" 2>"$t.cerr"
	"$VMSCOPE" run "$t.vmt" >"$t.out1" 2>"$t.err1"
	r1=$?
	"$VMSCOPE" run "$t.vmtb" >"$t.out2" 2>"$t.err2"
	r2=$?
	sed "s/$t\.vmtb:/$t.vmt:/" "$t.err2" >"$t.err2n"
	if [ "$r1" = 1 ] && [ "$r2" = 1 ] && [ ! -s "$t.out2" ] && cmp -s "$t.err1" "$t.err2n"; then
		ok "run $t.vmtb: the check's error is the .vmt's: $(head -c 90 "$t.err1")"
	else
		not_ok "run $t.vmtb: the check's error is the .vmt's" \
		       "exit $r1/$r2: $(cat "$t.err1") / $(cat "$t.err2")"
	fi
done

# ---- reading by content ------------------------------------------------------

cp tour.vmtb tour.txt
vm bycontent run -f csv tour.txt
if [ "$rc" = 0 ] && cmp -s bycontent.out tour.csv1; then
	ok "run reads a .vmtb named .txt by its content"
else
	not_ok "run reads a .vmtb named .txt by its content" "$(show bycontent)"
fi
"$VMSCOPE" run -f csv - <tour.vmtb >stdin.out 2>stdin.err
rc=$?
if [ "$rc" = 0 ] && cmp -s stdin.out tour.csv1; then
	ok "run - reads a .vmtb from standard input"
else
	not_ok "run - reads a .vmtb from standard input" "$(show stdin)"
fi
vm explain explain tour.vmtb
"$VMSCOPE" explain tour.n.vmt >explain2.out 2>&1
if [ "$rc" = 0 ] && cmp -s explain.out explain2.out; then
	ok "explain of the .vmtb equals explain of the normalized .vmt"
else
	not_ok "explain of the .vmtb equals explain of the normalized .vmt" "$(show explain)"
fi

cat >small.lackey <<'EOF'
==4242== Lackey, an example Valgrind tool
==4242== Command: ./small
I  0400d7d4,8
 L 04f6b868,8
 S 04f6b000,8
 M 04f6bffc,8
SYSCALL[4242,1](9) sys_mmap ( 0x0, 8192, 3, 34, 4294967295, 0 ) --> [pre-success] Success(0x5000000) 
 S 05000010,4
 S 05001010,4
I  0400d7e0,3
==4242== 
EOF
vm lk run small.lackey
if [ "$rc" = 1 ] && grep -q 'small.lackey:1:1: .*Lackey.*vmscope convert small.lackey' lk.err; then
	ok "run refuses Lackey output and points to convert"
else
	not_ok "run refuses Lackey output and points to convert" "$(show lk)"
fi
vm lkc convert small.lackey small.vmt
vm lkr run -f csv small.vmt
# 7 access records; the M crosses a page, so 8 pages are touched
if [ "$rc" = 0 ] && grep -q '^global,,accesses,8$' lkr.out &&
   grep -q '^global,,sigsegv,0$' lkr.out &&
   grep -q '^1 mmap 0x5000000 8K rw private anon$' small.vmt; then
	ok "convert Lackey -> .vmt: 8 page accesses, implicit mappings, no SIGSEGV"
else
	not_ok "convert Lackey -> .vmt: 8 page accesses, implicit mappings, no SIGSEGV" \
	       "$(show lkr)" "$(cat small.vmt)"
fi
vm lkb convert --no-instr small.lackey small.vmtb
"$VMSCOPE" convert small.vmtb - >small-ni.vmt 2>/dev/null
if [ "$rc" = 0 ] && ! grep -q ' x 0x' small-ni.vmt && grep -q '^1 r 0x4f6b868$' small-ni.vmt; then
	ok "convert --no-instr Lackey -> .vmtb drops the fetches"
else
	not_ok "convert --no-instr Lackey -> .vmtb drops the fetches" "$(show lkb)"
fi

# ---- errors: file:line:col and the token; no output left ----------------------

printf 'vmt 1\n1 r 0x1000\n1 mmap 0x1000 4K rq private anon\n' >bad.vmt
vm badv convert bad.vmt out.vmtb
if [ "$rc" = 1 ] && grep -q "^bad.vmt:3:18: bad protection 'rq'" badv.err &&
   [ -z "$(ls out.vmtb* 2>/dev/null)" ]; then
	ok "convert of a bad .vmt: FILE:LINE:COL and the token, no output left"
else
	not_ok "convert of a bad .vmt: FILE:LINE:COL and the token, no output left" \
	       "$(show badv)" "$(ls out.vmtb* 2>&1)"
fi
printf 'I  0400d7d4,8\n L 0400zz,8\n' >bad.lackey
vm badl convert bad.lackey out.vmt
if [ "$rc" = 1 ] && grep -q "^bad.lackey:2:4: bad address '0400zz,8'" badl.err &&
   [ -z "$(ls out.vmt* 2>/dev/null)" ]; then
	ok "convert of bad Lackey: FILE:LINE:COL and the token, no output left"
else
	not_ok "convert of bad Lackey: FILE:LINE:COL and the token, no output left" \
	       "$(show badl)"
fi
head -c 300 tour.vmtb >cut.vmtb
vm cut convert cut.vmtb out.vmt
if [ "$rc" = 1 ] && grep -q '^cut.vmtb:[0-9]*:1: truncated .vmtb' cut.err &&
   [ -z "$(ls out.vmt* 2>/dev/null)" ]; then
	ok "a truncated .vmtb is an error naming the record, no output left"
else
	not_ok "a truncated .vmtb is an error naming the record, no output left" "$(show cut)"
fi
vm cutrun run cut.vmtb
if [ "$rc" = 1 ] && grep -q 'truncated .vmtb' cutrun.err; then
	ok "run of a truncated .vmtb exits 1 before simulating"
else
	not_ok "run of a truncated .vmtb exits 1 before simulating" "$(show cutrun)"
fi
vm usage convert --to vmtx "$SCEN/tour.vmt" x.vmt
if [ "$rc" = 1 ] && grep -q "unknown format 'vmtx'" usage.err; then
	ok "convert --to with an unknown format is a usage error"
else
	not_ok "convert --to with an unknown format is a usage error" "$(show usage)"
fi

# ---- record ---------------------------------------------------------------------

VMSCOPE_VALGRIND=no-such-valgrind-here "$VMSCOPE" record -o nv.vmt -- /bin/true \
	>nv.out 2>nv.err </dev/null
rc=$?
if [ "$rc" = 1 ] && grep -q 'no-such-valgrind-here not found: record needs Valgrind' nv.err &&
   [ -z "$(ls nv.vmt* 2>/dev/null)" ]; then
	ok "record without valgrind exits 1 with a message, writes nothing"
else
	not_ok "record without valgrind exits 1 with a message, writes nothing" "$(show nv)"
fi
vm noargs record -o x.vmt
if [ "$rc" = 1 ] && grep -q 'expected -- CMD' noargs.err; then
	ok "record without a command is a usage error"
else
	not_ok "record without a command is a usage error" "$(show noargs)"
fi

if ! command -v valgrind >/dev/null 2>&1; then
	skip "record a tiny program" "valgrind is not installed (scripts/setup.sh)"
	skip "record a program that forks" "valgrind is not installed (scripts/setup.sh)"
else
	vm rec record -o true.vmt -- /bin/true
	vm recrun run -f csv true.vmt
	# one process, said in the singular (it once said "1 processes")
	if [ "$rc" = 0 ] && grep -q '^file /.*libc.so.6 size=' true.vmt &&
	   grep -q ': 1 process, ' rec.err &&
	   grep -q '^1 mmap .* r private fd=' true.vmt &&
	   grep -q '^global,,sigsegv,0$' recrun.out &&
	   [ "$(sed -n 's/^global,,accesses,//p' recrun.out)" -gt 1000 ]; then
		ok "record /bin/true: libc mapped from its file, replays without SIGSEGV"
	else
		not_ok "record /bin/true: libc mapped from its file, replays without SIGSEGV" \
		       "$(show rec)" "$(show recrun)"
	fi
	# a shell's redirections: the program's stdin and stdout are files
	# (cat copies them with copy_file_range)
	printf 'b\na\n' >cat-in.txt
	"$VMSCOPE" record --no-instr -o cat.vmt -- /bin/cat <cat-in.txt >cat-out.txt 2>cat.err
	rc=$?
	if [ "$rc" = 0 ] && cmp -s cat-in.txt cat-out.txt &&
	   grep -q '^1 open .*/cat-in.txt fd=0$' cat.vmt &&
	   grep -q '^1 open .*/cat-out.txt fd=1$' cat.vmt &&
	   grep -q '^1 read 0 0 4$' cat.vmt && grep -q '^1 write 1 0 4$' cat.vmt &&
	   "$VMSCOPE" run -q cat.vmt >/dev/null 2>&1; then
		ok "record cat <in >out: the redirected stdin and stdout are the files read and written"
	else
		not_ok "record cat <in >out: the redirected stdin and stdout are the files read and written" \
		       "rc=$rc" "$(cat cat.err)" "$(grep -E ' (open|read|write) ' cat.vmt | head)"
	fi
	CC=${CC:-cc}
	if ! command -v "$CC" >/dev/null 2>&1; then
		skip "record a program that forks" "no C compiler ($CC)"
	elif ! "$CC" -O1 -o mapfork "$REC/mapfork.c" 2>cc.err; then
		not_ok "record a program that forks" "$(cat cc.err)"
	else
		vm recf record --no-instr -o mapfork.vmtb -- ./mapfork mapfork.dat
		"$VMSCOPE" convert mapfork.vmtb mapfork.vmt 2>/dev/null
		vm recfrun run -f csv mapfork.vmtb
		if [ "$rc" = 0 ] && grep -q '^1 fork 2$' mapfork.vmt &&
		   grep -q '^2 exit$' mapfork.vmt &&
		   grep -q '^1 mmap .* 64K rw shared fd=' mapfork.vmt &&
		   grep -q '^1 unlink mapfork.dat$' mapfork.vmt &&
		   grep -q '^global,,sigsegv,0$' recfrun.out &&
		   [ "$(sed -n 's/^process,2,cow_faults,//p' recfrun.out)" -gt 0 ]; then
			ok "record a program that forks: the child's copy-on-write faults replay"
		else
			not_ok "record a program that forks: the child's copy-on-write faults replay" \
			       "$(show recf)" "$(show recfrun)"
		fi
	fi
fi

# ---- the recorded traces -------------------------------------------------------------

for t in sort mapfork sqlite; do
	vm "r-$t" run -f csv "$REC/$t.vmtb"
	if [ "$rc" = 0 ] && grep -q '^global,,sigsegv,0$' "r-$t.out" &&
	   grep -q '^global,,sigbus,0$' "r-$t.out"; then
		ok "traces/recorded/$t.vmtb replays without a signal"
	else
		not_ok "traces/recorded/$t.vmtb replays without a signal" "$(show "r-$t")"
	fi
done
for p in lru2q lru fifo clock random opt mglru; do
	vm "pol-$p" run -f csv -s memory=1M -s swap.size=16M -s reclaim.policy="$p" \
		"$REC/sqlite.vmtb"
	steal=$(sed -n 's/^global,,pgsteal,//p' "pol-$p.out")
	if [ "$rc" = 0 ] && [ "${steal:-0}" -gt 0 ] &&
	   grep -q '^global,,sigsegv,0$' "pol-$p.out" &&
	   grep -q '^global,,oom_kills,0$' "pol-$p.out"; then
		ok "sqlite.vmtb replays under reclaim.policy=$p with 1M of memory ($steal pages reclaimed)"
	else
		not_ok "sqlite.vmtb replays under reclaim.policy=$p with 1M of memory" \
		       "$(show "pol-$p")"
	fi
done

echo "formats: $passed passed, $failed failed"
[ "$failed" = 0 ]
