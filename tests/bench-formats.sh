#!/bin/sh
# The trace-format benchmark: `make bench-formats` runs
# `sh tests/bench-formats.sh BUILDDIR`.
#
#  1. Lackey import: a real Lackey log (valgrind --tool=lackey
#     --trace-mem=yes on `sort` of 300 lines, about 0.5 million lines) is
#     repeated to LK_LINES lines (default 25 million) and converted to
#     .vmtb and to .vmt; the table shows input lines per second, by CPU
#     time (user + sys) and by wall time, and the peak RSS.
#  2. Replay: the trace of tests/gen-bench (BENCH_N accesses, default 10
#     million) as .vmt and as .vmtb; `vmscope run -q` on each, REPEAT times
#     (default 3), the two alternating (a change in the machine's speed
#     then touches both), the best of each; the speed-up of .vmtb over
#     .vmt, of the best times and the median of each round's own.
#  3. Instructions counted by callgrind on a BENCH_IR_N-access trace
#     (default 1 million), which the load of a shared machine does not
#     change: `run -q` and a read of each format.
#  Memory: the peak RSS of the replays and of the imports, which must not
#     grow with the trace (both stream): the import is also run on half the
#     log to show it.
#
# CPU time is the figure to compare on a shared machine: wall time there
# includes waiting for a CPU.  Skips part 1 (with the reason) when valgrind
# is missing.  Output files go to BUILDDIR/bench-out/.

set -u
BUILDDIR=${1:-.}
BUILDDIR=$(cd "$BUILDDIR" && pwd) || exit 1
VMSCOPE=$BUILDDIR/vmscope
GEN=$BUILDDIR/tests/gen-bench
N=${BENCH_N:-10000000}
REPEAT=${BENCH_REPEAT:-3}
LK_LINES=${LK_LINES:-25000000}
OUT=$BUILDDIR/bench-out
TIME=/usr/bin/time

die() {
	echo "bench-formats: $*" >&2
	exit 1
}
[ -x "$VMSCOPE" ] || die "$VMSCOPE is not built (run make)"
[ -x "$GEN" ] || die "$GEN is not built (run make tests/gen-bench)"
"$TIME" -f %e true 2>/dev/null || die "needs GNU time as $TIME"
mkdir -p "$OUT" || die "cannot create $OUT"
TMP=$(mktemp -d "${TMPDIR:-/tmp}/vmscope-bench-formats.XXXXXX") || die "mktemp"
trap 'rm -rf "$TMP"' EXIT
trap 'exit 1' HUP INT TERM

# timed CMD...: sets wall, cpu (user+sys), rss_mb; stdout to /dev/null.
timed() {
	"$TIME" -f '%e %U %S %M' -o "$TMP/t" "$@" >/dev/null 2>"$TMP/err"
	status=$?
	set -- $(tail -n 1 "$TMP/t")
	wall=$1
	cpu=$(awk -v u="$2" -v s="$3" 'BEGIN { printf "%.2f", u + s }')
	rss_mb=$(awk -v k="$4" 'BEGIN { printf "%.1f", k / 1024 }')
}

# median of the numbers on stdin
median() {
	sort -n | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2];
		else printf "%.2f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

rate() {   # rate COUNT SECONDS -> "12.3M"
	awk -v n="$1" -v s="$2" 'BEGIN { if (s > 0) printf "%.1fM", n / s / 1e6; else print "-" }'
}

echo "vmscope bench-formats on $(uname -srm), $(getconf _NPROCESSORS_ONLN) CPUs," \
     "load $(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null)"
echo

# ---- 1. Lackey import -------------------------------------------------------------

if ! command -v valgrind >/dev/null 2>&1; then
	echo "1. Lackey import: skipped (valgrind is not installed; scripts/setup.sh)"
else
	LOG=$OUT/lackey-$LK_LINES.log
	if [ ! -f "$LOG" ]; then
		awk 'BEGIN { s = 12345; for (i = 0; i < 300; i++) {
			s = (s * 1103515245 + 12345) % 2147483648;
			printf "line %08d %d\n", s % 100000000, i } }' >"$TMP/words.txt"
		valgrind --tool=lackey --trace-mem=yes --log-file="$TMP/one.log" \
			sort -o /dev/null "$TMP/words.txt" || die "valgrind failed"
		grep -E '^(I | [LSM] )' "$TMP/one.log" >"$TMP/acc" || die "no access lines"
		one=$(wc -l <"$TMP/acc")
		{
			sed -n '1,6p' "$TMP/one.log"
			i=0
			while [ $((i * one)) -lt "$LK_LINES" ]; do
				cat "$TMP/acc"
				i=$((i + 1))
			done
		} | head -n "$LK_LINES" >"$LOG.tmp" && mv "$LOG.tmp" "$LOG"
	fi
	lines=$(wc -l <"$LOG")
	half=$OUT/lackey-half.log
	head -n $((lines / 2)) "$LOG" >"$half"
	cat "$LOG" >/dev/null
	printf '1. Lackey import: %s lines (%s MiB)\n' "$lines" \
	       "$(awk -v b="$(wc -c <"$LOG")" 'BEGIN { printf "%.0f", b / 1048576 }')"
	printf '   %-28s %8s %8s %14s %14s %9s\n' case "wall s" "cpu s" \
	       "lines/s (cpu)" "lines/s (wall)" "RSS MiB"
	for to in vmtb vmt; do
		timed "$VMSCOPE" convert --to "$to" "$LOG" "$OUT/lackey.$to"
		[ "$status" = 0 ] || die "convert $LOG: $(cat "$TMP/err")"
		printf '   %-28s %8s %8s %14s %14s %9s\n' "convert -> .$to" "$wall" "$cpu" \
		       "$(rate "$lines" "$cpu")" "$(rate "$lines" "$wall")" "$rss_mb"
	done
	timed "$VMSCOPE" convert --to vmtb "$half" "$OUT/lackey-half.vmtb"
	printf '   %-28s %8s %8s %14s %14s %9s\n' "half the log -> .vmtb" "$wall" "$cpu" \
	       "$(rate $((lines / 2)) "$cpu")" "$(rate $((lines / 2)) "$wall")" "$rss_mb"
	sed -n 's/^vmscope convert: [^:]*: /   /p' "$TMP/err"
	rm -f "$half" "$OUT/lackey-half.vmtb"
fi
echo

# ---- 2. Replay ------------------------------------------------------------------------

TRACE=$OUT/bench-$N.vmt
# shellcheck disable=SC3013
if [ ! -f "$TRACE" ] || [ "$GEN" -nt "$TRACE" ]; then
	"$GEN" -n "$N" -o "$TRACE" || die "gen-bench failed"
fi
"$VMSCOPE" convert "$TRACE" "$OUT/bench-$N.vmtb" || die "convert to .vmtb failed"
printf '2. Replay: tests/gen-bench -n %s: .vmt %s MiB, .vmtb %s MiB; best of %s runs each, alternating\n' \
       "$N" "$(awk -v b="$(wc -c <"$TRACE")" 'BEGIN { printf "%.1f", b / 1048576 }')" \
       "$(awk -v b="$(wc -c <"$OUT/bench-$N.vmtb")" 'BEGIN { printf "%.1f", b / 1048576 }')" \
       "$REPEAT"
# replay BASE ACCESSES: run -q BASE.vmt and BASE.vmtb, REPEAT rounds of one
# run each, alternating; prints the best of each and the speed-up (of the
# best times, and the median of the rounds' own)
replay() {
	printf '   %-28s %8s %8s %14s %9s\n' case "wall s" "cpu s" "accesses/s(cpu)" "RSS MiB"
	cat "$1.vmt" "$1.vmtb" >/dev/null
	walls_vmt= cpus_vmt= walls_vmtb= cpus_vmtb= ratios=
	i=0
	while [ "$i" -lt "$REPEAT" ]; do
		for f in vmt vmtb; do
			timed "$VMSCOPE" run -q "$1.$f"
			[ "$status" = 0 ] || die "run $1.$f: $(head -3 "$TMP/err")"
			eval "walls_$f=\"\$walls_$f $wall\"; cpus_$f=\"\$cpus_$f $cpu\""
			eval "rss_$f=$rss_mb; round_$f=$cpu"
		done
		# shellcheck disable=SC2154
		ratios="$ratios $(awk -v a="$round_vmt" -v b="$round_vmtb" \
			'BEGIN { if (b > 0) printf "%.3f", a / b; else print 0 }')"
		i=$((i + 1))
	done
	for f in vmt vmtb; do
		eval "w=\$(echo \"\$walls_$f\" | tr ' ' '\\n' | grep . | sort -n | head -n 1)"
		eval "c=\$(echo \"\$cpus_$f\" | tr ' ' '\\n' | grep . | sort -n | head -n 1)"
		eval "cpu_$f=$c; rss=\$rss_$f"
		# shellcheck disable=SC2154
		printf '   %-28s %8s %8s %14s %9s\n' "run -q .$f" "$w" "$c" "$(rate "$2" "$c")" "$rss"
	done
	# shellcheck disable=SC2154
	printf '   .vmtb replay speed-up over .vmt (cpu): %s (per round %s)\n' \
	       "$(awk -v a="$cpu_vmt" -v b="$cpu_vmtb" 'BEGIN { if (b > 0) printf "%.2fx", a / b; else print "-" }')" \
	       "$(echo "$ratios" | tr ' ' '\n' | grep . | median | awk '{ printf "%.2fx", $1 }')"
}
replay "$OUT/bench-$N" "$N"
for f in vmt vmtb; do
	timed "$VMSCOPE" convert --to vmtb "$OUT/bench-$N.$f" "$TMP/x.vmtb"
	printf '   %-28s %8s %8s %14s %9s\n' "read .$f (convert -> .vmtb)" "$wall" "$cpu" \
	       "$(rate "$N" "$cpu")" "$rss_mb"
	rm -f "$TMP/x.vmtb"
done
echo

# The recorded trace of part 1 (sort under Lackey): nearly every access hits
# the TLB, so the reading is a larger part of the replay than in the
# generated trace, whose random half misses the TLB on nearly every access.
if [ -f "$OUT/lackey.vmt" ] && [ -f "$OUT/lackey.vmtb" ]; then
	acc=$("$VMSCOPE" run -f csv "$OUT/lackey.vmtb" | awk -F, '$1 == "global" && $3 == "accesses" { print $4 }')
	printf '2b. Replay: the recorded trace of part 1 (sort): .vmt %s MiB, .vmtb %s MiB, %s accesses; best of %s runs each, alternating\n' \
	       "$(awk -v b="$(wc -c <"$OUT/lackey.vmt")" 'BEGIN { printf "%.1f", b / 1048576 }')" \
	       "$(awk -v b="$(wc -c <"$OUT/lackey.vmtb")" 'BEGIN { printf "%.1f", b / 1048576 }')" \
	       "$acc" "$REPEAT"
	replay "$OUT/lackey" "$acc"
	echo
fi

# ---- 3. Instructions: a measure the machine's load does not change ----------------

if ! command -v valgrind >/dev/null 2>&1; then
	echo "3. Instructions: skipped (valgrind is not installed)"
	exit 0
fi
IRN=${BENCH_IR_N:-1000000}
"$GEN" -n "$IRN" -o "$TMP/ir.vmt" || die "gen-bench failed"
"$VMSCOPE" convert "$TMP/ir.vmt" "$TMP/ir.vmtb" || die "convert failed"
# instructions CMD...: the instructions callgrind counts for CMD
instructions() {
	valgrind --tool=callgrind --callgrind-out-file=/dev/null "$@" \
		>/dev/null 2>"$TMP/cg"
	sed -n 's/^==[0-9]*== Collected : *//p' "$TMP/cg"
}
printf '3. Instructions (callgrind), tests/gen-bench -n %s\n' "$IRN"
printf '   %-28s %14s %14s\n' case ".vmt" ".vmtb"
a=$(instructions "$VMSCOPE" run -q "$TMP/ir.vmt")
b=$(instructions "$VMSCOPE" run -q "$TMP/ir.vmtb")
printf '   %-28s %14s %14s   (%s)\n' "run -q" "$a" "$b" \
       "$(awk -v a="$a" -v b="$b" 'BEGIN { printf "%.2fx", a / b }')"
a=$(instructions "$VMSCOPE" convert --to vmtb "$TMP/ir.vmt" "$TMP/o.vmtb")
b=$(instructions "$VMSCOPE" convert --to vmtb "$TMP/ir.vmtb" "$TMP/o2.vmtb")
printf '   %-28s %14s %14s   (%s)\n' "read + write .vmtb" "$a" "$b" \
       "$(awk -v a="$a" -v b="$b" 'BEGIN { printf "%.2fx", a / b }')"
