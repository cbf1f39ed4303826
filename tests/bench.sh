#!/bin/sh
# The vmscope benchmark: `make bench` runs `sh tests/bench.sh BUILDDIR`.
# docs/speed.md explains the method and holds the figures (issue 17).
#
# Everything is measured against tests/bench/bare, a bare replayer (it parses
# each .vmt access line as the real reader must, hashes the page and keeps an
# exact LRU list of N frames), run in the same invocation, alternating with
# vmscope: for each repetition, every case runs the bare replayer and then
# vmscope, so that a change in the machine's load touches both.  The figure
# is CPU time (user + system of the child, wait4's rusage: tests/bench/cpu),
# not wall time, which on a shared machine includes waiting for a CPU; the
# best of BENCH_REPEAT runs (default 3) is kept for each program.  Each row
# also shows the median over the rounds of the round's own ratio ("per
# round"): the two runs of a round are seconds apart, in the same phase of
# the machine's speed, which on a VM can halve for minutes, so that the
# best of each side alone can pair a fast phase with a slow one.
#
# The trace is tests/gen-bench's (BENCH_N accesses, default 10,000,000, to
# 64 MiB of anonymous memory: half sequential at 64-byte steps, half random
# pages), generated into BUILDDIR/bench-out/ with its .vmtb when missing or
# older than gen-bench.  Cases, each a row with both CPU times and the ratio
# vmscope / bare, and the goal of issue 17:
#   (a) replay of the .vmt, default profile, memory=1G       goal <= 1.5x
#   (b) the same from the .vmtb (bare reads the .vmt)     goal .vmt/.vmtb >= 2
#   (c) reclaim and swap: memory=8M, swap.size=1G, reclaim.policy=lru
#       (bare with 2048 frames)                                goal <= 3x
#   (d) explain (to /dev/null) and run --timeline, against run -q (a);
#       and the TUI's run to a breakpoint (tests/bench/tui-run: the trace
#       opened without a terminal, then `r` to the end; its CPU time
#       alone, without the opening's index pass)               goal <= 3x run
#   and, for comparison with earlier figures: tlb.l2.entries=0 and the
#   default reclaim policy at memory=32M, swap.size=64M.
# The TLB-friendly trace (gen-bench --seq: BENCH_N sequential accesses,
# one every 64 bytes over the same 64 MiB, ~10% stores; 63 in 64 hit the
# TLB) replayed as (a) and (b), against the bare replayer on its .vmt:
#   (a) TLB-friendly .vmt                                   goal <= 1.5x
#   (b) TLB-friendly .vmtb                              goal .vmt/.vmtb >= 2
# A recorded program (BENCH_REC_COPIES, default 13: `vmscope record` of
# sort on traces/recorded/words.txt repeated that many times, about 10 M
# accesses; recorded once into BUILDDIR/bench-out/ when missing, which
# takes valgrind, else the rows are skipped), with the instruction fetches:
# a real program's shape, which the generated traces lack (a fetch, then
# data on another page, and back).  A change that sped the generated
# traces once slowed this one by half (docs/speed.md, the seventh round):
#   (a) recorded .vmt                                       goal <= 1.5x
#   (b) recorded .vmtb                                  goal .vmt/.vmtb >= 2
# And the readers alone (tests/bench/readers: the check pass's skim and
# the run pass's read of every record, no simulation), on the four files:
# what each format costs to read, and .vmt/.vmtb for reading alone.
# Then the cost curve: for FRAMES from 128 to 4M (x4 each step, and 4M), a
# trace of BENCH_CURVE_N (default 2,000,000) accesses of random pages, half
# stores, over a mapping of twice the memory (gen-bench --random), replayed
# once by each program with memory = FRAMES pages and swap for the rest:
# nanoseconds of CPU per access and per fault, and the peak RSS.
# BENCH_CURVE=0 skips it.
#
# To see where the time goes (docs/speed.md has the last profile):
#   perf record -g BUILDDIR/vmscope run -q -s memory=8M -s swap.size=1G \
#       -s reclaim.policy=lru BUILDDIR/bench-out/bench-2000000.vmt
#   perf report --no-children
# (Debian: apt-get install linux-perf; as root, or with
# kernel.perf_event_paranoid <= 1), or without perf, counting instructions:
#   valgrind --tool=callgrind --callgrind-out-file=cg.out BUILDDIR/vmscope ...
#   callgrind_annotate cg.out | head -40
#
# Exit status 0, or 1 when a step fails.  The goals are reported, not
# enforced: a benchmark on a shared machine is no pass/fail test.

set -u

BUILDDIR=${1:-.}
BUILDDIR=$(cd "$BUILDDIR" && pwd) || exit 1
VMSCOPE=$BUILDDIR/vmscope
GEN=$BUILDDIR/tests/gen-bench
BARE=$BUILDDIR/tests/bench/bare
CPU=$BUILDDIR/tests/bench/cpu
TUIRUN=$BUILDDIR/tests/bench/tui-run
READERS=$BUILDDIR/tests/bench/readers
N=${BENCH_N:-10000000}
REC_COPIES=${BENCH_REC_COPIES:-13}
REPEAT=${BENCH_REPEAT:-3}
CURVE=${BENCH_CURVE:-1}
CURVE_N=${BENCH_CURVE_N:-2000000}
OUT=$BUILDDIR/bench-out
TRACE=$OUT/bench-$N.vmt
TRACEB=$OUT/bench-$N.vmtb
SEQ=$OUT/bench-seq-$N.vmt
SEQB=$OUT/bench-seq-$N.vmtb
REC=$OUT/rec-sort-$REC_COPIES.vmt
RECB=$OUT/rec-sort-$REC_COPIES.vmtb
WORDS=$(cd "$(dirname "$0")/.." && pwd)/traces/recorded/words.txt

die() {
	echo "bench: $*" >&2
	exit 1
}

for p in "$VMSCOPE" "$GEN" "$BARE" "$CPU" "$TUIRUN" "$READERS"; do
	[ -x "$p" ] || die "$p is not built (run make bench)"
done
for v in "$N" "$REPEAT" "$CURVE_N" "$REC_COPIES"; do
	case $v in
	'' | *[!0-9]* | 0) die "BENCH_N, BENCH_REPEAT, BENCH_CURVE_N and BENCH_REC_COPIES must be positive numbers" ;;
	esac
done
mkdir -p "$OUT" || die "cannot create $OUT"

TMP=$(mktemp -d "${TMPDIR:-/tmp}/vmscope-bench.XXXXXX") || die "mktemp failed"
trap 'rm -rf "$TMP"' EXIT
trap 'exit 1' HUP INT TERM

# gen TRACE ARGS...: make TRACE with gen-bench ARGS unless it is up to date.
gen() {
	gen_t=$1
	shift
	# shellcheck disable=SC3013 # -nt: in dash, bash and every sh make uses here
	if [ ! -f "$gen_t" ] || [ "$GEN" -nt "$gen_t" ]; then
		echo "bench: generating $gen_t"
		"$GEN" "$@" -o "$gen_t" || die "gen-bench failed"
	fi
}

# tobin TRACE TRACEB: convert TRACE to TRACEB unless it is up to date.
tobin() {
	# shellcheck disable=SC3013
	if [ ! -f "$2" ] || [ "$1" -nt "$2" ] || [ "$VMSCOPE" -nt "$2" ]; then
		"$VMSCOPE" convert "$1" "$2" || die "converting $1 to .vmtb failed"
	fi
}
gen "$TRACE" -n "$N"
tobin "$TRACE" "$TRACEB"
gen "$SEQ" -n "$N" --seq
tobin "$SEQ" "$SEQB"

# The recorded program: recorded in $TMP (sort's input there, as
# words.txt), into a file of $TMP, which is moved into place only once
# whole; its .vmt converted from it.
rec_rows=0
# (never replaced when it is there but not a regular file)
if { [ -e "$RECB" ] || [ -L "$RECB" ]; } && [ ! -f "$RECB" ]; then
	die "$RECB is there but not a regular file: not replacing it"
fi
if [ ! -f "$RECB" ]; then
	if ! command -v valgrind >/dev/null 2>&1; then
		echo "bench: valgrind is not installed (scripts/setup.sh): no recorded-trace rows" >&2
	elif [ ! -f "$WORDS" ]; then
		echo "bench: $WORDS not found: no recorded-trace rows" >&2
	else
		echo "bench: recording sort of $REC_COPIES copies of words.txt into $RECB" >&2
		mkdir "$TMP/rec" || die "cannot create $TMP/rec"
		i=0
		while [ "$i" -lt "$REC_COPIES" ]; do
			cat "$WORDS" || die "cannot read $WORDS"
			i=$((i + 1))
		done >"$TMP/rec/words.txt"
		(cd "$TMP/rec" && "$VMSCOPE" record -o rec.vmtb -- sort -o /dev/null words.txt) >&2 ||
			die "vmscope record failed"
		mv "$TMP/rec/rec.vmtb" "$RECB" || die "cannot move the recording to $RECB"
		rm -rf "$TMP/rec"
	fi
fi
if [ -f "$RECB" ]; then
	# shellcheck disable=SC3013
	if [ ! -f "$REC" ] || [ "$RECB" -nt "$REC" ] || [ "$VMSCOPE" -nt "$REC" ]; then
		"$VMSCOPE" convert "$RECB" "$REC" || die "converting $RECB to .vmt failed"
	fi
	rec_rows=1
fi

# timed CMD...: run CMD (stdout to $stdout, else /dev/null; stderr to
# $TMP/err); sets $cpu (seconds), $rss_kb and $status.
stdout=/dev/null
timed() {
	"$CPU" -o "$TMP/cpu" "$@" >"$stdout" 2>"$TMP/err" || die "cannot run $1"
	set -- $(cat "$TMP/cpu")
	cpu=$1
	rss_kb=$2
	status=$3
}

# best VAR VALUE: VAR = min(VAR, VALUE); an empty VAR takes VALUE.
best() {
	eval "cur=\${$1}"
	# shellcheck disable=SC2154 # cur is set by the eval
	if [ -z "$cur" ] || awk -v a="$2" -v b="$cur" 'BEGIN { exit !(a < b) }'; then
		eval "$1=\$2"
	fi
}

# fail MESSAGE: report a failed step; the exit status will be 1 (a file,
# because the rounds run in a subshell).
fail() {
	echo "bench: $*" >&2
	head -n 5 "$TMP/err" >&2
	: >"$TMP/failed"
}

# The cases: NAME|FRAMES for bare|the .vmt bare reads|vmscope arguments.
# Case names are shell-variable-safe.
MEM8="-s memory=8M -s swap.size=1G -s reclaim.policy=lru"
cases="
a_vmt|262144|$TRACE|run -q -p default -s memory=1G $TRACE
b_vmtb|262144|$TRACE|run -q -p default -s memory=1G $TRACEB
c_reclaim|2048|$TRACE|run -q -p default $MEM8 $TRACE
d_explain|262144|$TRACE|explain -p default -s memory=1G $TRACE
d_timeline|262144|$TRACE|run -q -p default -s memory=1G --timeline=$TMP/timeline.json $TRACE
x_nol2|262144|$TRACE|run -q -p default -s memory=1G -s tlb.l2.entries=0 $TRACE
x_lru2q|8192|$TRACE|run -q -p default -s memory=32M -s swap.size=64M $TRACE
s_vmt|262144|$SEQ|run -q -p default -s memory=1G $SEQ
s_vmtb|262144|$SEQ|run -q -p default -s memory=1G $SEQB
"
[ "$rec_rows" = 1 ] && cases="$cases
p_vmt|262144|$REC|run -q -p default -s memory=1G $REC
p_vmtb|262144|$REC|run -q -p default -s memory=1G $RECB
"

# Warm the page cache with the files, then alternate.
cat "$TRACE" "$TRACEB" "$SEQ" "$SEQB" >/dev/null
[ "$rec_rows" = 1 ] && cat "$REC" "$RECB" >/dev/null
i=0
while [ "$i" -lt "$REPEAT" ]; do
	i=$((i + 1))
	echo "bench: round $i of $REPEAT" >&2
	echo "$cases" | while IFS='|' read -r name frames btrace args; do
		[ -n "$name" ] || continue
		timed "$BARE" -f "$frames" "$btrace"
		[ "$status" = 0 ] || { fail "bare -f $frames $btrace: exit status $status"; continue; }
		echo "$name bare $cpu $rss_kb $i"
		# shellcheck disable=SC2086 # the arguments are words
		timed "$VMSCOPE" $args
		[ "$status" = 0 ] || { fail "vmscope $args: exit status $status"; continue; }
		echo "$name vmscope $cpu $rss_kb $i"
	done
	# the TUI: tui-run prints the CPU seconds of the run alone
	stdout=$TMP/tui
	timed "$TUIRUN" "$TRACE" memory=1G
	stdout=/dev/null
	if [ "$status" = 0 ]; then
		echo "d_tui vmscope $(awk '{ print $2 }' "$TMP/tui") $rss_kb $i"
	else
		fail "tui-run $TRACE memory=1G: exit status $status"
	fi
	# the readers alone: "FILE check S run S records N" for each file
	stdout=$TMP/readers
	if [ "$rec_rows" = 1 ]; then
		timed "$READERS" "$TRACE" "$TRACEB" "$SEQ" "$SEQB" "$REC" "$RECB"
	else
		timed "$READERS" "$TRACE" "$TRACEB" "$SEQ" "$SEQB"
	fi
	stdout=/dev/null
	if [ "$status" = 0 ]; then
		awk '{ print "r_" $1, "check", $3; print "r_" $1, "run", $5;
			print "r_" $1, "records", $7 }' "$TMP/readers"
	else
		fail "readers: exit status $status"
	fi
done >"$TMP/times"

# ---- report -------------------------------------------------------------------

# min NAME PROG: the best CPU time; maxrss NAME PROG: the largest RSS (MiB)
min() {
	awk -v n="$1" -v p="$2" '$1 == n && $2 == p { if (m == "" || $3 < m) m = $3 }
		END { print m == "" ? "-" : m }' "$TMP/times"
}
maxrss() {
	awk -v n="$1" -v p="$2" '$1 == n && $2 == p { if ($4 > m) m = $4 }
		END { printf "%.1f\n", m / 1024 }' "$TMP/times"
}
ratio() {
	awk -v a="$1" -v b="$2" 'BEGIN { if (a + 0 > 0 && b + 0 > 0) printf "%.2fx", a / b; else print "-" }'
}
# mratio NAME1 PROG1 NAME2 PROG2: the median over the rounds of round r's
# time of (NAME1, PROG1) over round r's of (NAME2, PROG2).  The two ran
# seconds apart, in the same phase of the machine's speed, which on a VM
# can halve for minutes: the best of each side alone can pair a fast phase
# with a slow one.
mratio() {
	awk -v n1="$1" -v p1="$2" -v n2="$3" -v p2="$4" '
		$1 == n1 && $2 == p1 { a[$5] = $3 }
		$1 == n2 && $2 == p2 { b[$5] = $3 }
		END {
			k = 0
			for (r in a)
				if ((r in b) && a[r] > 0 && b[r] > 0)
					v[++k] = a[r] / b[r]
			if (!k) { print "-"; exit }
			for (x = 2; x <= k; x++) {
				t = v[x]
				for (y = x - 1; y >= 1 && v[y] > t; y--)
					v[y + 1] = v[y]
				v[y + 1] = t
			}
			printf "%.2fx", k % 2 ? v[(k + 1) / 2] : (v[k / 2] + v[k / 2 + 1]) / 2
		}' "$TMP/times"
}
# rate SECONDS: accesses a second, of $acc_n accesses (the mixed and the
# TLB-friendly traces' N unless set)
acc_n=$N
rate() {
	awk -v n="$acc_n" -v s="$1" 'BEGIN { if (s + 0 > 0) printf "%.1fM", n / s / 1e6; else print "-" }'
}

lines=$(wc -l <"$TRACE" | tr -d ' ')
bytes=$(wc -c <"$TRACE" | tr -d ' ')
echo
echo "vmscope bench: $(basename "$TRACE"), $lines lines, $bytes bytes, $N accesses"
echo "host: $(uname -srm), $(getconf _NPROCESSORS_ONLN 2>/dev/null || echo '?') CPUs;" \
	"CPU time (user+sys), best of $REPEAT, bare and vmscope alternating;"
echo "ratio: of the best times; per round: the median of each round's ratio"
echo
fmt='%-34s %8s %8s %7s %9s %9s %8s  %s\n'
# shellcheck disable=SC2059
printf "$fmt" "case" "bare s" "vmscope" "ratio" "per round" "vm acc/s" "RSS MiB" "goal"
row() {
	label=$1 name=$2 goal=$3
	b=$(min "$name" bare)
	v=$(min "$name" vmscope)
	pr=$(mratio "$name" vmscope "$name" bare)
	[ "$name" = d_tui ] && pr=-   # (no bare run of its own)
	# shellcheck disable=SC2059
	printf "$fmt" "$label" "$b" "$v" "$(ratio "$v" "$b")" "$pr" "$(rate "$v")" \
		"$(maxrss "$name" vmscope)" "$goal"
}
# against NAME1 NAME2: "X (per round Y)", vmscope's NAME1 over its NAME2
against() {
	echo "$(ratio "$(min "$1" vmscope)" "$(min "$2" vmscope)") (per round $(mratio "$1" vmscope "$2" vmscope))"
}
row "(a) .vmt, default, memory=1G" a_vmt "<= 1.5x"
row "(b) .vmtb, default, memory=1G" b_vmtb ".vmt/.vmtb >= 2x: $(against a_vmt b_vmtb)"
row "(c) memory=8M swap=1G lru" c_reclaim "<= 3x"
row "(d) explain >/dev/null" d_explain "<= 3x run: $(against d_explain a_vmt)"
row "(d) run --timeline" d_timeline "<= 3x run: $(against d_timeline a_vmt)"
row "(d) TUI r (run to a breakpoint)" d_tui "<= 3x run: $(against d_tui a_vmt)"
row "tlb.l2.entries=0" x_nol2 ""
row "memory=32M swap=64M (lru2q)" x_lru2q ""
echo
echo "TLB-friendly: $(basename "$SEQ") (gen-bench --seq: every access sequential, 64-byte steps)"
row "(a) TLB-friendly .vmt" s_vmt "<= 1.5x"
row "(b) TLB-friendly .vmtb" s_vmtb ".vmt/.vmtb >= 2x: $(against s_vmt s_vmtb)"
if [ "$rec_rows" = 1 ]; then
	acc_n=$("$VMSCOPE" run -f csv "$RECB" 2>/dev/null |
		awk -F, '$1 == "global" && $3 == "accesses" { print $4 }')
	echo
	echo "recorded: $(basename "$RECB") (vmscope record of sort, $REC_COPIES copies of words.txt," \
		"$acc_n accesses)"
	row "(a) recorded .vmt" p_vmt "<= 1.5x"
	row "(b) recorded .vmtb" p_vmtb ".vmt/.vmtb >= 2x: $(against p_vmt p_vmtb)"
	acc_n=$N
fi

# The readers alone.
echo
echo "readers alone (tests/bench/readers: the check pass's skim, then the run's read"
echo "of every record, no simulation), CPU s, best of $REPEAT for each pass:"
rfmt='%-34s %8s %8s %8s %9s  %s\n'
# shellcheck disable=SC2059
printf "$rfmt" "trace" "check s" "run s" "total s" "ns/record" ".vmt/.vmtb (total)"
reader_total() {
	awk -v c="$(min "r_$1" check)" -v r="$(min "r_$1" run)" \
		'BEGIN { if (c != "-" && r != "-") printf "%.6f", c + r; else print "-" }'
}
reader_row() {
	label=$1 file=$2 text=$3
	tot=$(reader_total "$file")
	recs=$(awk -v n="r_$file" '$1 == n && $2 == "records" { print $3; exit }' "$TMP/times")
	goal=""
	[ -n "$text" ] && goal=$(ratio "$(reader_total "$text")" "$tot")
	# shellcheck disable=SC2059
	printf "$rfmt" "$label" "$(min "r_$file" check)" "$(min "r_$file" run)" "$tot" \
		"$(awk -v t="$tot" -v n="$recs" 'BEGIN { if (t != "-" && n > 0) printf "%.1f", t * 1e9 / n; else print "-" }')" \
		"$goal"
}
reader_row "mixed .vmt" "$TRACE" ""
reader_row "mixed .vmtb" "$TRACEB" "$TRACE"
reader_row "TLB-friendly .vmt" "$SEQ" ""
reader_row "TLB-friendly .vmtb" "$SEQB" "$SEQ"
if [ "$rec_rows" = 1 ]; then
	reader_row "recorded .vmt" "$REC" ""
	reader_row "recorded .vmtb" "$RECB" "$REC"
fi

# What the simulator saw, to tell the cases apart (untimed).
echo
echo "simulated (run -f csv) and the bare replayer's misses:"
sim() {
	label=$1 frames=$2 strace=$3
	shift 3
	"$VMSCOPE" run -f csv "$@" "$strace" >"$TMP/csv" 2>/dev/null
	s=$(awk -F, '$1 == "global" && ($3 == "tlb_l2_hits" || $3 == "walks" ||
		$3 == "pgfault" || $3 == "pgmajfault" || $3 == "pswpout") {
		printf "%s%s=%s", sep, $3, $4; sep = " " }' "$TMP/csv")
	m=$("$BARE" -f "$frames" "$strace" | awk '{ print $4 }')
	printf '  %-28s %s; bare misses=%s\n' "$label" "$s" "$m"
}
sim "(a) default" 262144 "$TRACE" -p default -s memory=1G
# shellcheck disable=SC2086
sim "(c) memory=8M lru" 2048 "$TRACE" $MEM8
sim "tlb.l2.entries=0" 262144 "$TRACE" -s tlb.l2.entries=0
sim "memory=32M swap=64M" 8192 "$TRACE" -s memory=32M -s swap.size=64M
sim "TLB-friendly (a)" 262144 "$SEQ" -p default -s memory=1G
[ "$rec_rows" = 1 ] && sim "recorded (a)" 262144 "$REC" -p default -s memory=1G

# ---- the cost curve -------------------------------------------------------------

if [ "$CURVE" != 0 ]; then
	echo
	echo "cost curve: $CURVE_N accesses of random pages (half stores) over twice the memory;"
	echo "CPU ns per access and per fault (one run each), after the setup: the CPU time"
	echo "of the same command on the trace's header alone (setup s); peak RSS"
	cfmt='%9s %9s %8s %9s %9s %8s %7s %8s %8s\n'
	# shellcheck disable=SC2059
	printf "$cfmt" "frames" "faults" "setup s" "vm ns/acc" "ns/fault" "bare ns" "ratio" "RSS MiB" "bare RSS"
	# per NS CPU SETUP COUNT: nanoseconds per item after the setup
	per() {
		awk -v c="$1" -v s="$2" -v n="$3" 'BEGIN {
			if (n > 0) printf "%.0f", (c - s) * 1e9 / n; else print "-" }'
	}
	for frames in 128 512 2048 8192 32768 131072 524288 2097152 4194304; do
		mem_k=$((frames * 4))
		map_k=$((mem_k * 2))
		t=$OUT/curve-$CURVE_N-$frames.vmt
		t0=$OUT/curve-0-$frames.vmt
		gen "$t" -n "$CURVE_N" --random --map="${map_k}K" >&2
		gen "$t0" -n 0 --random --map="${map_k}K" >&2
		timed "$BARE" -f "$frames" "$t0"
		bsetup=$cpu
		timed "$BARE" -f "$frames" "$t"
		[ "$status" = 0 ] || { fail "bare on $t: exit status $status"; continue; }
		bcpu=$cpu brss=$rss_kb
		timed "$VMSCOPE" run -q -s memory="${mem_k}K" -s swap.size="${map_k}K" "$t0"
		setup=$cpu
		stdout=$TMP/csv
		timed "$VMSCOPE" run -f csv -s memory="${mem_k}K" -s swap.size="${map_k}K" "$t"
		stdout=/dev/null
		[ "$status" = 0 ] || { fail "vmscope on $t: exit status $status"; continue; }
		faults=$(awk -F, '$1 == "global" && $3 == "pgfault" { print $4 }' "$TMP/csv")
		# shellcheck disable=SC2059
		vcost=$(per "$cpu" "$setup" "$CURVE_N")
		bcost=$(per "$bcpu" "$bsetup" "$CURVE_N")
		printf "$cfmt" "$frames" "$faults" "$(awk -v s="$setup" 'BEGIN { printf "%.2f", s }')" \
			"$vcost" "$(per "$cpu" "$setup" "$faults")" "$bcost" \
			"$(ratio "$vcost" "$bcost")" \
			"$(awk -v k="$rss_kb" 'BEGIN { printf "%.1f", k / 1024 }')" \
			"$(awk -v k="$brss" 'BEGIN { printf "%.1f", k / 1024 }')"
	done
fi
[ ! -f "$TMP/failed" ]
