#!/bin/sh
# The vmscope benchmark: `make bench` runs `sh tests/bench.sh BUILDDIR`.
#
# It generates the trace of tests/gen-bench (10,000,000 accesses to 64 MiB of
# anonymous memory: half sequential, half random pages) into
# BUILDDIR/bench-out/ when it is missing or older than gen-bench, then times
# `vmscope run -q` on it, and prints one table row per case: wall seconds,
# host accesses per second and peak RSS, with a `wc -l` pass over the trace
# as a reference for how fast the file can merely be read.
#
# Cases: the default profile; the default with no L2 TLB
# (-s tlb.l2.entries=0); memory pressure (-s memory=32M -s swap.size=64M:
# the 64 MiB the trace touches do not fit, reclaim swaps).
#
# Environment: BENCH_N (accesses, default 10000000), BENCH_REPEAT (timed runs
# per case, default 3: the table shows the median wall time and the largest
# RSS).  Exit status 0, or 1 when a step fails.

set -u

BUILDDIR=${1:-.}
BUILDDIR=$(cd "$BUILDDIR" && pwd) || exit 1
VMSCOPE=$BUILDDIR/vmscope
GEN=$BUILDDIR/tests/gen-bench
N=${BENCH_N:-10000000}
REPEAT=${BENCH_REPEAT:-3}
OUT=$BUILDDIR/bench-out
TRACE=$OUT/bench-$N.vmt

die() {
	echo "bench: $*" >&2
	exit 1
}

[ -x "$VMSCOPE" ] || die "$VMSCOPE is not built (run make)"
[ -x "$GEN" ] || die "$GEN is not built (run make tests/gen-bench)"
case $N in
'' | *[!0-9]*) die "BENCH_N=$N is not a number" ;;
esac
case $REPEAT in
'' | *[!0-9]* | 0) die "BENCH_REPEAT=$REPEAT is not a positive number" ;;
esac
mkdir -p "$OUT" || die "cannot create $OUT"

TMP=$(mktemp -d "${TMPDIR:-/tmp}/vmscope-bench.XXXXXX") || die "mktemp failed"
trap 'rm -rf "$TMP"' EXIT
trap 'exit 1' HUP INT TERM

# ---- the trace ----------------------------------------------------------------

# shellcheck disable=SC3013 # -nt: in dash, bash and every sh make uses here
if [ ! -f "$TRACE" ] || [ "$GEN" -nt "$TRACE" ]; then
	echo "bench: generating $TRACE ($N accesses)"
	"$GEN" -n "$N" -o "$TRACE" || die "gen-bench failed"
fi

# ---- timing -------------------------------------------------------------------

if /usr/bin/time -v true >/dev/null 2>&1; then
	timer=gnu-time
elif command -v bash >/dev/null 2>&1; then
	timer=bash
else
	timer="date"
fi

# Nanoseconds since the epoch, when date can tell (GNU date); else empty.
now_ns() {
	t=$(date +%s%N 2>/dev/null)
	case $t in
	*N* | '') echo "" ;;
	*) echo "$t" ;;
	esac
}

# timed OUTFILE CMD...: run CMD (stdout to /dev/null, stderr to $TMP/err);
# sets $status, $wall (seconds) and $rss_kb (peak RSS in KiB, or "").
timed() {
	rss_kb=
	wall=
	t0=$(now_ns)
	case $timer in
	gnu-time)
		/usr/bin/time -v -o "$TMP/time" "$@" >/dev/null 2>"$TMP/err"
		status=$?
		;;
	bash)
		# shellcheck disable=SC2016
		TIMEFORMAT=%R bash -c 'time "$@" >/dev/null 2>"$0"' "$TMP/err" "$@" \
			2>"$TMP/time"
		status=$?
		;;
	*)
		"$@" >/dev/null 2>"$TMP/err"
		status=$?
		;;
	esac
	t1=$(now_ns)
	case $timer in
	gnu-time)
		# GNU time reports the command's own status on this line.
		st=$(sed -n 's/^.*Exit status: //p' "$TMP/time")
		[ -n "$st" ] && status=$st
		rss_kb=$(sed -n 's/^.*Maximum resident set size (kbytes): //p' "$TMP/time")
		wall=$(sed -n 's/^.*Elapsed (wall clock) time (h:mm:ss or m:ss): //p' \
			"$TMP/time" | awk -F: '{ s = 0; for (i = 1; i <= NF; i++) s = s * 60 + $i; print s }')
		;;
	bash)
		wall=$(tail -n 1 "$TMP/time")
		;;
	esac
	# The clock around the command, when there is one, is finer than
	# time's 10 ms.
	if [ -n "$t0" ] && [ -n "$t1" ]; then
		wall=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", (b - a) / 1e9 }')
	fi
	[ -n "$wall" ] || wall=0
}

# median of the numbers on stdin
median() {
	sort -n | awk '{ v[NR] = $1 } END {
		if (NR == 0) print 0
		else if (NR % 2) print v[(NR + 1) / 2]
		else printf "%.3f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

lines=$(wc -l <"$TRACE" | tr -d ' ')
bytes=$(wc -c <"$TRACE" | tr -d ' ')
accesses=$(grep -c '^[0-9][0-9]* [rwx] ' "$TRACE")

# A pass to read the file into the page cache, then the parse-only
# reference: wc -l over the same file.
cat "$TRACE" >/dev/null
walls=
i=0
while [ "$i" -lt "$REPEAT" ]; do
	i=$((i + 1))
	timed wc -l "$TRACE"
	[ "$status" = 0 ] || die "wc -l $TRACE failed"
	walls="$walls $wall"
done
wc_wall=$(echo "$walls" | tr ' ' '\n' | grep . | median)

row_fmt='%-26s %9s %14s %13s\n'
row() {
	# shellcheck disable=SC2059
	printf "$row_fmt" "$@"
}
rows=

# case_row LABEL ARGS...: time vmscope run -q ARGS TRACE, REPEAT times, and
# check the run's statistics once (untimed, -f csv).
failed=0
case_row() {
	label=$1
	shift
	walls=
	peak=0
	i=0
	while [ "$i" -lt "$REPEAT" ]; do
		i=$((i + 1))
		timed "$VMSCOPE" run -q "$@" "$TRACE"
		if [ "$status" != 0 ]; then
			echo "bench: vmscope run -q $* $TRACE: exit status $status" >&2
			head -n 5 "$TMP/err" >&2
			failed=1
			rows="$rows$(row "$label" "failed" "-" "-")
"
			return
		fi
		walls="$walls $wall"
		if [ -n "$rss_kb" ] && [ "$rss_kb" -gt "$peak" ]; then
			peak=$rss_kb
		fi
	done
	w=$(echo "$walls" | tr ' ' '\n' | grep . | median)
	rate=$(awk -v n="$accesses" -v w="$w" 'BEGIN {
		if (w > 0) printf "%.2fM", n / w / 1e6; else print "-" }')
	if [ "$peak" -gt 0 ]; then
		rss=$(awk -v k="$peak" 'BEGIN { printf "%.1f", k / 1024 }')
	else
		rss=-
	fi
	rows="$rows$(row "$label" "$w" "$rate" "$rss")
"
	# What the simulator saw, to tell the cases apart.
	"$VMSCOPE" run -f csv "$@" "$TRACE" >"$TMP/csv" 2>/dev/null
	sim=$(awk -F, '$1 == "global" && ($3 == "accesses" || $3 == "tlb_l2_hits" ||
		$3 == "walks" || $3 == "pgfault") { printf "%s%s=%s", sep, $3, $4; sep = " " }' \
		"$TMP/csv")
	stats="$stats$(printf '  %-24s %s' "$label" "$sim")
"
}

stats=
case_row "default" -p default
case_row "tlb.l2.entries=0" -s tlb.l2.entries=0

# Memory pressure: the same trace on half the memory it touches, with swap,
# so that reclaim (lru2q) swaps pages out and major faults bring them back.
case_row "pressure (32M, swap 64M)" -s memory=32M -s swap.size=64M
pressure_note=

# ---- report -------------------------------------------------------------------

mib=$(awk -v b="$bytes" 'BEGIN { printf "%.1f", b / 1048576 }')
wc_rate=$(awk -v n="$lines" -v w="$wc_wall" 'BEGIN {
	if (w > 0) printf "%.1fM lines/s", n / w / 1e6; else print "-" }')
echo
echo "vmscope bench: $(basename "$TRACE"), $lines lines, $bytes bytes ($mib MiB), $accesses accesses"
echo "host: $(uname -srm), $(getconf _NPROCESSORS_ONLN 2>/dev/null || echo '?') CPUs; timer: $timer; median of $REPEAT runs"
echo
row "case" "wall s" "accesses/s" "peak RSS MiB"
row "parse only (wc -l)" "$wc_wall" "$wc_rate" "-"
printf '%s' "$rows"
if [ -n "$pressure_note" ]; then
	printf '%-26s %s\n' "pressure (memory=32M)" "$pressure_note"
fi
echo
echo "simulated (run -f csv):"
printf '%s' "$stats"
exit "$failed"
