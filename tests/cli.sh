#!/bin/sh
# Command-line tests for vmscope (vmscope(1), docs/format.md, docs/profiles.md, docs/statistics.md): exit
# statuses, error messages with FILE:LINE:COL, output formats, determinism,
# the tour, explain, standard input and the commands not built yet.
#
# An automake test: exit 0 when every case passes, 1 when one fails, 77 when
# the program is missing.  Each case prints "ok N - what" or "not ok N -
# what" (with the reason on "#" lines); the last line is the summary
# "cli: N passed, M failed".
#
# Usage: VMSCOPE=/path/to/vmscope sh tests/cli.sh

VMSCOPE=${VMSCOPE:-./vmscope}
case $VMSCOPE in
/*) ;;
*) VMSCOPE=$(pwd)/$VMSCOPE ;;
esac
if [ ! -x "$VMSCOPE" ]; then
	echo "cli: $VMSCOPE is not built; skipping"
	exit 77
fi

. "$(dirname "$0")/lib.sh"
# Relative trace names, so messages read "bad.vmt:3:5: ..." whatever $T is.
in_workdir cli
unset NO_COLOR 2>/dev/null || :

if python3 -c 'import json' >/dev/null 2>&1; then
	have_python=yes
else
	have_python=no
fi

# What a run printed, for "not ok" reports.
show() {
	echo "exit status $rc"
	if [ -s "$1.out" ]; then
		echo "stdout:"
		head -n 5 "$1.out"
	fi
	if [ -s "$1.err" ]; then
		echo "stderr:"
		head -n 5 "$1.err"
	fi
}

# expect_status DESCRIPTION NAME STATUS [STDERR-REGEX]: the exit status is
# STATUS and, with a regex, stderr matches it (grep -E).
expect_status() {
	if [ "$rc" != "$3" ]; then
		not_ok "$1" "expected exit status $3" "$(show "$2")"
	elif [ -n "$4" ] && ! grep -Eq -- "$4" "$2.err"; then
		not_ok "$1" "stderr does not match /$4/" "$(show "$2")"
	else
		ok "$1"
	fi
}

# A trace used by several cases: private anonymous memory, a read, a write,
# a sequential and a random sweep.
cat >small.vmt <<'EOF'
vmt 1
# a small trace
1 mmap 0x10000 32K rw private anon
1 r 0x10000
1 w 0x11000 8
1 seq r 0x10000 32K
1 rand r 0x10000 32K count=20 seed=7
1 exit
EOF

# ---- help, usage ------------------------------------------------------------

vm help --help
expect_status "vmscope --help exits 0" help 0
if grep -q run help.out; then
	ok "vmscope --help lists the commands"
else
	not_ok "vmscope --help lists the commands" "$(show help)"
fi

vm runhelp run --help
expect_status "vmscope run --help exits 0" runhelp 0
# The usage line should read "vmscope run [OPTION…] TRACE", with the program
# name and the command once.
usage=$(grep -A1 '^Usage:' runhelp.out | tail -n 1)
if printf '%s\n' "$usage" | grep -q 'vmscope run' &&
   [ "$(printf '%s\n' "$usage" | grep -o 'run' | wc -l)" -eq 1 ]; then
	ok "vmscope run --help: the usage line names 'vmscope run' once"
else
	not_ok "vmscope run --help: the usage line names 'vmscope run' once" \
	       "usage line: $usage"
fi

vm unknown frobnicate
expect_status "an unknown command exits 1 with a message" unknown 1 frobnicate

vm notrace run
expect_status "vmscope run with no trace exits 1 with a message" notrace 1 .

vm missing run nosuch.vmt
expect_status "vmscope run of a missing file exits 1 naming it" missing 1 nosuch\\.vmt

# ---- profiles ---------------------------------------------------------------

vm profiles profiles
if [ "$rc" = 0 ] &&
   grep -Eq '^default( |$)' profiles.out && grep -Eq '^seed-hdd( |$)' profiles.out &&
   grep -Eq '^x86-32( |$)' profiles.out && grep -Eq '^tiny( |$)' profiles.out; then
	ok "vmscope profiles lists default, seed-hdd, x86-32 and tiny"
else
	not_ok "vmscope profiles lists default, seed-hdd, x86-32 and tiny" \
	       "$(show profiles)"
fi

# profile_section FILE: the "profile" object of a run -f json, one
# "key": value per line, without "name", sorted.
profile_section() {
	if [ "$have_python" = yes ]; then
		python3 -c '
import json, sys
p = json.load(open(sys.argv[1]))["profile"]
p.pop("name", None)
for k in sorted(p):
    print(json.dumps(k), json.dumps(p[k]))
' "$1"
	else
		sed -n 's/.*"profile": *{\([^}]*\)}.*/\1/p' "$1" |
			tr ',' '\n' | sed 's/^ *//' | grep -v '^"name"' | sort
	fi
}

for p in default seed-hdd x86-32 tiny; do
	vm "ini-$p" profiles "$p"
	if [ "$rc" != 0 ] || [ ! -s "ini-$p.out" ]; then
		not_ok "vmscope profiles $p prints an ini" "$(show "ini-$p")"
		continue
	fi
	cp "ini-$p.out" "saved-$p.ini"
	vm "byname-$p" run -f json -p "$p" small.vmt
	r1=$rc
	vm "byfile-$p" run -f json -p "saved-$p.ini" small.vmt
	r2=$rc
	if [ "$r1" != 0 ] || [ "$r2" != 0 ]; then
		not_ok "profile $p saved as .ini loads back with -p FILE.ini" \
		       "-p $p: status $r1; -p saved-$p.ini: status $r2" \
		       "$(cat "byname-$p.err" "byfile-$p.err")"
		continue
	fi
	profile_section "byname-$p.out" >"prof-name-$p"
	profile_section "byfile-$p.out" >"prof-file-$p"
	if [ -s "prof-name-$p" ] && cmp -s "prof-name-$p" "prof-file-$p"; then
		ok "profile $p saved as .ini loads back with the same profile"
	else
		not_ok "profile $p saved as .ini loads back with the same profile" \
		       "$(diff "prof-name-$p" "prof-file-$p" | head -n 10)"
	fi
done

vm noprof profiles nosuch
expect_status "vmscope profiles nosuch exits 1 naming it" noprof 1 nosuch

# ---- bad traces: FILE:LINE:COL: message, nothing simulated -----------------

# bad DESCRIPTION LINE COL TOKEN TRACE-LINES...: the trace made of the
# TRACE-LINES exits 1, prints nothing on stdout and
# "bad.vmt:LINE:COL: ..." on stderr with TOKEN after the prefix.
bad() {
	desc=$1 line=$2 col=$3 token=$4
	shift 4
	if [ $# = 0 ]; then
		: >bad.vmt
	else
		printf '%s\n' "$@" >bad.vmt
	fi
	vm bad run bad.vmt
	first=$(head -n 1 bad.err)
	msg=${first#bad.vmt:"$line":"$col": }
	if [ "$rc" != 1 ]; then
		not_ok "bad trace: $desc" "expected exit status 1" "$(show bad)"
	elif [ -s bad.out ]; then
		not_ok "bad trace: $desc" "stdout is not empty" "$(show bad)"
	elif [ "$msg" = "$first" ]; then
		not_ok "bad trace: $desc" "stderr does not start with bad.vmt:$line:$col: " \
		       "$(show bad)"
	elif ! printf '%s\n' "$msg" | grep -Fq -- "$token"; then
		not_ok "bad trace: $desc" "the message does not mention '$token'" \
		       "$(show bad)"
	else
		ok "bad trace: $desc"
	fi
}

M='1 mmap 0x10000 32K rw private anon'

bad "unknown op" 3 3 frob \
	'vmt 1' "$M" '1 frob 0x10000'
bad "bad number" 3 5 0x1g000 \
	'vmt 1' "$M" '1 r 0x1g000'
bad "missing vmt 1" 1 1 "vmt 1" \
	"$M" '1 r 0x10000'
bad "empty trace" 1 1 "vmt 1"
bad "unsupported version" 1 5 2 \
	'vmt 2' "$M"
bad "misaligned mmap address" 2 8 0x10001 \
	'vmt 1' '1 mmap 0x10001 32K rw private anon'
bad "mmap length not a multiple of the page size" 2 16 4097 \
	'vmt 1' '1 mmap 0x10000 0x1001 rw private anon'
bad "misaligned munmap address" 3 10 0x10800 \
	'vmt 1' "$M" '1 munmap 0x10800 4K'
bad "unknown pid" 3 1 42 \
	'vmt 1' "$M" '42 r 0x10000'
bad "event of an exited pid" 4 1 1 \
	'vmt 1' "$M" '1 exit' '1 r 0x10000'
bad "fork to an existing pid" 4 8 2 \
	'vmt 1' "$M" '1 fork 2' '1 fork 2'
bad "fork to itself" 3 8 1 \
	'vmt 1' "$M" '1 fork 1'
bad "map: a frame past memory" 3 15 "frame 999999" \
	'vmt 1' "$M" '1 map 0x10000 999999 rw'
bad "map: an address not on a page boundary" 3 7 "0x10010" \
	'vmt 1' "$M" '1 map 0x10010 5 rw'
bad "expect frame= is a frame number or none" 3 10 "frame" \
	'vmt 1' "$M" '1 expect frame=lots'
bad "unknown expect key" 3 10 bogus \
	'vmt 1' "$M" '1 expect bogus=3'
bad "unknown expect key of a process" 3 16 bogus \
	'vmt 1' "$M" '1 expect pid=1 bogus=3'
bad "unknown outcome in expect" 3 10 sometimes \
	'vmt 1' "$M" '1 expect outcome=sometimes'
bad "header after an event" 3 1 set \
	'vmt 1' "$M" 'set memory=1M'
bad "bad PROT" 2 20 wr \
	'vmt 1' '1 mmap 0x10000 32K wr private anon'
bad "trailing token" 3 15 extra \
	'vmt 1' "$M" '1 r 0x10000 4 extra'
bad "seq direction" 3 7 z \
	'vmt 1' "$M" '1 seq z 0x10000 4K'
bad "duration without a unit" 3 9 5 \
	'vmt 1' "$M" '1 sleep 5'
bad "unknown madvise advice" 3 22 sometimes \
	'vmt 1' "$M" '1 madvise 0x10000 4K sometimes'
bad "unknown signal in catch" 3 9 sigfoo \
	'vmt 1' "$M" '1 catch sigfoo'
bad "unknown key in a set header" 2 5 nosuch \
	'vmt 1' 'set nosuch.key=1' "$M"
bad "bad value in a set header" 2 5 lots \
	'vmt 1' 'set memory=lots' "$M"
bad "comments and blank lines count as lines" 6 5 frob \
	'vmt 1' '# a comment' "$M" '' '1 r 0x10000 # fine' '  1 frob'
# `map` (an exercise's given page table) that the machine cannot do stops
# the run at its line: a page no private anonymous mapping holds, a frame
# in use (the page directory is frame 0), a page mapped twice
for c in 'nomap|1 map 0x20000 5 rw|is not in a private anonymous mapping' \
	 'busy|1 map 0x10000 0 rw|cannot go to that frame: it is not free' \
	 'twice|1 map 0x10000 5 rw
1 map 0x10000 6 rw|is present already' \
	 'prot|1 map 0x10000 5 rwx|asks more access than its mapping allows'; do
	nm=${c%%|*}
	rest=${c#*|}
	lines=${rest%|*}
	want=${rest#*|}
	printf 'vmt 1\nprofile tiny\nset mmu.pt_frames=true\n%s\n%b\n' "$M" "$lines" >map-$nm.vmt
	vm map-$nm run map-$nm.vmt
	if [ "$rc" = 1 ] && grep -q "^map-$nm.vmt:[0-9]*: map: page 0x[0-9a-f]* of pid 1 $want" map-$nm.err; then
		ok "map that cannot be done: $nm"
	else
		not_ok "map that cannot be done: $nm" "$(show map-$nm)"
	fi
done

bad "an error late in the trace: nothing is simulated" 9 5 0xzz \
	'vmt 1' "$M" '1 r 0x10000' '1 w 0x11000' '1 seq r 0x10000 32K' \
	'1 fork 2' '2 w 0x10000' '1 r 0x12000' '2 r 0xzz'

# ---- bad profiles -----------------------------------------------------------

vm nokey run -s nosuch.key=1 small.vmt
expect_status "-s nosuch.key=1 exits 1 naming the key" nokey 1 'nosuch\.key'

vm badval run -s memory=lots small.vmt
expect_status "-s memory=lots exits 1 naming the key and the value" badval 1 \
	'memory.*lots'

vm noini run -p missing.ini small.vmt
expect_status "-p missing.ini exits 1 naming the file" noini 1 'missing\.ini'

printf '[machine]\nmemory=64M\nfrobs=3\n' >unknown-key.ini
vm unkini run -p unknown-key.ini small.vmt
expect_status "a profile .ini with an unknown key exits 1 naming it" unkini 1 \
	'unknown-key\.ini:.*frobs'

printf '[machine]\nmemory=lots\n' >bad-value.ini
vm badini run -p bad-value.ini small.vmt
expect_status "a profile .ini with a bad value exits 1 naming key and value" \
	badini 1 'bad-value\.ini:.*memory.*lots'

if [ -s nokey.out ] || [ -s badval.out ] || [ -s noini.out ] ||
   [ -s unkini.out ] || [ -s badini.out ]; then
	not_ok "bad profiles print nothing on stdout"
else
	ok "bad profiles print nothing on stdout"
fi

# -s comes after the trace's own set lines.
printf 'vmt 1\nset tlb.l2.entries=0\n%s\n1 r 0x10000\n' "$M" >set.vmt
vm setover run -f json -s tlb.l2.entries=24 set.vmt
if [ "$rc" = 0 ] && grep -Eq '"tlb\.l2\.entries": *24[,}]' setover.out; then
	ok "-s overrides a set line of the trace"
else
	not_ok "-s overrides a set line of the trace" "$(show setover)"
fi

# ---- expectations -----------------------------------------------------------

cat >expect-fail.vmt <<'EOF'
vmt 1
1 mmap 0x10000 32K rw private anon
1 r 0x10000
1 expect accesses=1 zero_maps=1
1 expect accesses=5
1 expect pid=1 minflt>=7
EOF
vm efail run expect-fail.vmt
if [ "$rc" = 3 ] &&
   grep -qx 'expect-fail\.vmt:5: expect failed: accesses is 1, expected 5' efail.err &&
   grep -q '^expect-fail\.vmt:6: expect failed: minflt is 1, expected .*7$' efail.err &&
   ! grep -q 'expect-fail\.vmt:4:' efail.err; then
	ok "a failed expect exits 3 with FILE:LINE: expect failed: KEY is ACTUAL, expected VALUE"
else
	not_ok "a failed expect exits 3 with FILE:LINE: expect failed: KEY is ACTUAL, expected VALUE" \
	       "$(show efail)"
fi
if grep -q '^ *expect_failed[ ,]*2$' efail.out &&
   grep -q '^ *expect_passed[ ,]*1$' efail.out; then
	ok "a failed expect still prints the statistics, expect_passed=1 expect_failed=2"
else
	not_ok "a failed expect still prints the statistics, expect_passed=1 expect_failed=2" \
	       "$(show efail)"
fi

vm efailq run -q expect-fail.vmt
if [ "$rc" = 3 ] && [ ! -s efailq.out ] && grep -q 'expect failed' efailq.err; then
	ok "-q with a failed expect: status 3, only the failure on stderr"
else
	not_ok "-q with a failed expect: status 3, only the failure on stderr" \
	       "$(show efailq)"
fi

cat >expect-pass.vmt <<'EOF'
vmt 1
1 mmap 0x10000 32K rw private anon
1 r 0x10000
1 expect outcome=zero accesses=1 zero_maps=1 anon_pages=0
1 w 0x10000
1 expect outcome=minor anon_pages=1
1 expect pid=1 rss_anon=1 minflt=2 state=running
EOF
vm epass run expect-pass.vmt
expect_status "passing expectations exit 0" epass 0
if [ -s epass.out ] && [ ! -s epass.err ]; then
	ok "passing expectations: statistics on stdout, nothing on stderr"
else
	not_ok "passing expectations: statistics on stdout, nothing on stderr" \
	       "$(show epass)"
fi

vm epassq run -q expect-pass.vmt
if [ "$rc" = 0 ] && [ ! -s epassq.out ] && [ ! -s epassq.err ]; then
	ok "-q prints nothing on success"
else
	not_ok "-q prints nothing on success" "$(show epassq)"
fi

# ---- formats ----------------------------------------------------------------

GLOBALS='accesses loads stores fetches tlb_l1_hits tlb_l1_misses tlb_l2_hits
tlb_l2_misses tlb_flushes walks walk_refs pt_pages pt_pages_peak minflt majflt
pgfault cow_faults zero_maps fault_around_maps sigsegv sigbus readahead_pages
readahead_hits disk_reads disk_writes pages_in pages_out disk_busy_ns pswpin
pswpout pgscan pgsteal kswapd_wakeups direct_reclaims oom_kills lost_pages
syscalls copied_bytes context_switches free_pages file_pages dirty_pages
anon_pages swap_pages peak_used_pages sim_time_ns expect_passed expect_failed'
PROCESS_KEYS='pid state killed_by accesses minflt majflt cow_faults rss_pages
rss_anon rss_file swap_pages pt_pages cpu_ns wait_ns'
PROFILE_KEYS='page_size memory cpus mmu.bits mmu.pt_frames tlb.l1.entries
tlb.l1.ways tlb.l2.entries tlb.l2.ways tlb.policy tlb.asid cost.access
cost.walk_ref cost.minor_fault cost.page_copy cost.syscall cost.copy_4k
cost.context_switch disk.type disk.latency disk.seek disk.bandwidth
disk.queue_depth readahead.policy readahead.max readahead.fault_around
readahead.mmap_miss_limit reclaim.policy reclaim.watermark_min reclaim.kswapd
reclaim.swappiness swap.size swap.cluster writeback.expire writeback.interval
writeback.background_ratio writeback.dirty_ratio oom.policy'

vm json run -f json small.vmt
expect_status "run -f json exits 0" json 0

if [ "$have_python" = yes ]; then
	if python3 -c 'import json,sys; json.load(sys.stdin)' <json.out \
	   >json-check.txt 2>&1; then
		ok "-f json output parses as JSON"
	else
		not_ok "-f json output parses as JSON" "$(head -n 5 json-check.txt)"
	fi
	cat >check_keys.py <<'EOF'
import json, sys
d = json.load(open(sys.argv[1]))
bad = []
top = ["vmscope", "profile", "global", "processes", "files"]
if list(d) != top:
    bad.append("top-level keys are %s, expected %s" % (list(d), top))
if d.get("vmscope") != 1:
    bad.append('"vmscope" is %r, expected 1' % d.get("vmscope"))
for k in sys.argv[2].split():
    if k not in d.get("global", {}):
        bad.append("global %s missing" % k)
for k in sys.argv[4].split():
    if k not in d.get("profile", {}):
        bad.append("profile %s missing" % k)
procs = d.get("processes", [])
if not isinstance(procs, list) or len(procs) != 1:
    bad.append("expected one process, got %r" % (procs,))
else:
    for k in sys.argv[3].split():
        if k not in procs[0]:
            bad.append("process %s missing" % k)
if not isinstance(d.get("files"), list):
    bad.append('"files" is not a list')
g = d.get("global", {})
if g.get("pgfault") != g.get("minflt", 0) + g.get("majflt", 0):
    bad.append("pgfault != minflt + majflt")
print("\n".join(bad))
sys.exit(1 if bad else 0)
EOF
	if python3 check_keys.py json.out "$GLOBALS" "$PROCESS_KEYS" "$PROFILE_KEYS" \
	   >json-check.txt 2>&1
	then
		ok "-f json has vmscope/profile/global/processes/files and every docs/statistics.md name"
	else
		not_ok "-f json has vmscope/profile/global/processes/files and every docs/statistics.md name" \
		       "$(head -n 20 json-check.txt)"
	fi
else
	skip "-f json output parses as JSON" "no python3"
	missing=
	for k in vmscope profile global processes files $GLOBALS; do
		grep -q "\"$k\": " json.out || missing="$missing $k"
	done
	if [ -z "$missing" ]; then
		ok "-f json names vmscope/profile/global/processes/files and every docs/statistics.md global"
	else
		not_ok "-f json names vmscope/profile/global/processes/files and every docs/statistics.md global" \
		       "missing:$missing"
	fi
fi

vm csv run -f csv small.vmt
if [ "$rc" = 0 ] && [ "$(head -n 1 csv.out)" = "scope,id,key,value" ]; then
	ok "-f csv starts with the header scope,id,key,value"
else
	not_ok "-f csv starts with the header scope,id,key,value" "$(show csv)"
fi
missing=
for k in $GLOBALS; do
	grep -q "^global,,$k," csv.out || missing="$missing $k"
done
if [ -z "$missing" ] && grep -q '^process,1,' csv.out; then
	ok "-f csv has a global row for every docs/statistics.md name and process rows"
else
	not_ok "-f csv has a global row for every docs/statistics.md name and process rows" \
	       "missing:$missing"
fi

vm text run small.vmt
if [ "$rc" = 0 ] && grep -q 'accesses' text.out; then
	ok "-f text (the default) prints the statistics"
else
	not_ok "-f text (the default) prints the statistics" "$(show text)"
fi

vm bogus run -f bogus small.vmt
expect_status "-f bogus exits 1 naming the format" bogus 1 bogus
if [ -s bogus.out ]; then
	not_ok "-f bogus prints nothing on stdout" "$(show bogus)"
else
	ok "-f bogus prints nothing on stdout"
fi

# ---- determinism ------------------------------------------------------------

cat >rand.vmt <<'EOF'
vmt 1
1 mmap 0x10000000 4M rw private anon
1 rand w 0x10000000 4M count=300 seed=12345
1 rand r 0x10000000 4M count=300
1 fork 2
2 rand w 0x10000000 4M count=100 seed=9
1 rand r 0x10000000 4M count=100 seed=3
2 exit
EOF
for t in small rand; do
	vm "det1-$t" run -f json "$t.vmt"
	r1=$rc
	vm "det2-$t" run -f json -p default "$t.vmt"
	r2=$rc
	if [ "$r1" = 0 ] && [ "$r2" = 0 ] && [ -s "det1-$t.out" ] &&
	   cmp -s "det1-$t.out" "det2-$t.out"; then
		ok "two runs of $t.vmt give byte-identical JSON"
	else
		not_ok "two runs of $t.vmt give byte-identical JSON" \
		       "status $r1 and $r2" "$(cmp "det1-$t.out" "det2-$t.out" 2>&1)"
	fi
done
vm_in det3-rand rand.vmt run -f json -
if [ "$rc" = 0 ] && [ -s det3-rand.out ] && cmp -s det1-rand.out det3-rand.out; then
	ok "the same trace from a file and from stdin gives the same JSON"
else
	not_ok "the same trace from a file and from stdin gives the same JSON" \
	       "$(show det3-rand)"
fi

# ---- the tour ---------------------------------------------------------------

vm tour tour
if [ "$rc" = 0 ] && grep -q 'zero page' tour.out; then
	ok "vmscope tour exits 0 and narrates the zero page"
else
	not_ok "vmscope tour exits 0 and narrates the zero page" "$(show tour)"
fi

vm noargs
if [ "$rc" = 0 ] && grep -q 'zero page' noargs.out; then
	ok "vmscope with no arguments runs the tour"
else
	not_ok "vmscope with no arguments runs the tour" "$(show noargs)"
fi

"$VMSCOPE" tour </dev/null >tour-file.txt 2>tour-file.err
rc=$?
if [ "$rc" = 0 ] && [ -s tour-file.txt ] && grep -q 'zero page' tour-file.txt &&
   ! grep -q "$(printf '\033')" tour-file.txt; then
	ok "vmscope tour < /dev/null > file works (plain text, non-terminal)"
else
	not_ok "vmscope tour < /dev/null > file works (plain text, non-terminal)" \
	       "exit status $rc" "$(head -n 5 tour-file.err)"
fi

# The scenario the tour is compiled from, replayed as a file: every expect
# holds.
if [ -n "${top_srcdir:-}" ] && [ -f "$top_srcdir/traces/scenarios/tour.vmt" ]; then
	vm tourfile run -q "$top_srcdir/traces/scenarios/tour.vmt"
	if [ "$rc" = 0 ] && [ ! -s tourfile.out ] && [ ! -s tourfile.err ]; then
		ok "run -q traces/scenarios/tour.vmt: every expectation holds"
	else
		not_ok "run -q traces/scenarios/tour.vmt: every expectation holds" \
		       "$(show tourfile)"
	fi
else
	skip "run -q traces/scenarios/tour.vmt" "top_srcdir not set"
fi

# ---- explain ----------------------------------------------------------------

printf 'vmt 1\n%s\n1 r 0x10000\n1 note hello there\n1 w 0x11000\n1 seq r 0x10000 32K\n1 exit\n' \
	"$M" >explain.vmt
vm explain explain explain.vmt
events=$(grep -Ec '^ *[0-9]+ t=' explain.out)
if [ "$rc" = 0 ] && [ "$events" = 6 ] && grep -q 'hello there' explain.out; then
	ok "explain prints one line per event (6 events)"
else
	not_ok "explain prints one line per event (6 events)" \
	       "$events event lines" "$(show explain)"
fi

printf 'vmt 1\n%s\n1 seq r 0x10000 32K\n' "$M" >each.vmt
vm each explain --each each.vmt
accesses=$(grep -Ec '^ +r 0x1[0-7]000: ' each.out)
events=$(grep -Ec '^ *[0-9]+ t=' each.out)
if [ "$rc" = 0 ] && [ "$accesses" = 8 ] && [ "$events" = 2 ]; then
	ok "explain --each prints one line per access of a seq (8 pages)"
else
	not_ok "explain --each prints one line per access of a seq (8 pages)" \
	       "$accesses access lines, $events event lines" "$(show each)"
fi
vm each-plain explain each.vmt
accesses=$(grep -Ec '^ +r 0x1[0-7]000: ' each-plain.out)
events=$(grep -Ec '^ *[0-9]+ t=' each-plain.out)
if [ "$rc" = 0 ] && [ "$accesses" = 0 ] && [ "$events" = 2 ]; then
	ok "explain without --each prints no per-access lines"
else
	not_ok "explain without --each prints no per-access lines" "$(show each-plain)"
fi

# explain says the swap-in readahead window and why (models/swap.c's
# swapin_nr_pages): the scenario's windows are 8, 4, 2, 1, ... in order
if [ -n "${top_srcdir:-}" ] && [ -f "$top_srcdir/traces/scenarios/swap-readahead-window.vmt" ]; then
	vm swapwin explain "$top_srcdir/traces/scenarios/swap-readahead-window.vmt"
	wins=$(grep -o 'swap readahead window [0-9]* slot' swapwin.out | awk '{ print $4 }' | head -n 4 | tr '\n' ' ')
	why=$(grep -c 'window 1 slot .*: only this page, since no page read ahead was used' swapwin.out)
	if [ "$rc" = 0 ] && [ "$wins" = "8 4 2 1 " ] && [ "$why" -ge 1 ]; then
		ok "explain names each swap-in's readahead window, and why a window of 1 reads one page"
	else
		not_ok "explain names each swap-in's readahead window, and why a window of 1 reads one page" \
		       "windows '$wins', $why explained" "$(show swapwin)"
	fi
else
	skip "explain of swap-readahead-window.vmt" "top_srcdir not set"
fi
# ... and by address (swap_vma_readahead, an NVMe disk): A0's swap-in has
# a window of 4 pages centred on it in its mapping, clipped to A0..A2
cat >swapvma.vmt <<'EOF'
vmt 1
profile tiny
set disk.type=nvme
set memory=40K
set swap.size=64K
set swap.cluster=2
set reclaim.policy=fifo
1 mmap 0x10000 32K rw private anon
1 mmap 0x40000 32K rw private anon
1 seq w 0x10000 32K
1 seq w 0x40000 32K
1 munmap 0x40000 32K
1 r 0x10000
EOF
vm swapvma explain swapvma.vmt
n=$(grep -c 'swap readahead window 4 pages around this address in its mapping (swap_vma_readahead: .*): read 2 neighbouring pages into the swap cache' swapvma.out)
if [ "$rc" = 0 ] && [ "$n" = 1 ]; then
	ok "explain names a swap-in's readahead window by address and what it read"
else
	not_ok "explain names a swap-in's readahead window by address and what it read" \
	       "$n such lines" "$(show swapvma)"
fi

# oom_score_adj (docs/format.md): the setting in words, and a kill that says
# the victim had the most points, not the most pages
cat > oomadj.vmt <<'EOF'
vmt 1
set memory=64M
set swap.size=0
1 fork 2
1 fork 3
2 oom_score_adj -500
2 mmap 0x10000000 40M rw private anon
2 seq w 0x10000000 40M
3 mmap 0x40000000 30M rw private anon
3 seq w 0x40000000 30M
EOF
vm oomadj explain oomadj.vmt
n=$(grep -c 'process 2 sets its oom_score_adj to -500: the OOM killer weighs it by its size minus 500 thousandths of what it could use (8000 pages of the machine.s 16384' oomadj.out)
k=$(grep -c 'the OOM killer killed pid 3, the one with the most oom_badness points (rss [0-9]* + swap 0 + page tables [0-9]* = [0-9]* pages)' oomadj.out)
if [ "$rc" = 0 ] && [ "$n" = 1 ] && [ "$k" = 1 ]; then
	ok "explain says what oom_score_adj does and why the OOM killer chose its victim"
else
	not_ok "explain says what oom_score_adj does and why the OOM killer chose its victim" \
	       "$n setting lines, $k kill lines" "$(show oomadj)"
fi

# ---- explain: formats and filters (vmscope(1), explain) -----------------------

# the tour off a terminal is explain of the tour; --no-mouse is accepted
vm tour-text tour --no-mouse
tour_events=$(grep -Ec '^ *[0-9]+ t=' tour-text.out)
if [ "$rc" = 0 ] && [ "$tour_events" -gt 70 ]; then
	ok "tour --no-mouse off a terminal narrates ($tour_events events)"
else
	not_ok "tour --no-mouse off a terminal narrates" "$(show tour-text)"
fi

vm tour-json tour -f json
vm tour-csv tour -f csv
if [ "$have_python" = yes ]; then
	cat >check_explain.py <<'EOF'
import csv, json, re, sys
text, js, cs = sys.argv[1:4]
bad = []
# the narration lines, without their event numbers
narr = [re.sub(r"^ *[0-9]+ ", "", l.rstrip("\n"))
        for l in open(text) if re.match(r"^ *[0-9]+ t=", l)]
objs = []
for i, l in enumerate(open(js)):
    try:
        objs.append(json.loads(l))
    except ValueError as e:
        bad.append("json line %d: %s" % (i + 1, e))
if len(objs) != len(narr):
    bad.append("%d JSON objects for %d events" % (len(objs), len(narr)))
keys = ["event", "step", "line", "pid", "op", "record", "start_ns", "end_ns",
        "cpu_ns", "accesses", "outcomes", "last", "pages", "evicted",
        "oom_kills", "expect", "text"]
for o in objs:
    for k in keys:
        if k not in o:
            bad.append("event %s has no %s" % (o.get("event"), k))
for o, n in zip(objs, narr):
    if o.get("text") != n:
        bad.append("event %s: text %r is not the narration %r" % (o.get("event"), o.get("text"), n))
        break
major = [o for o in objs if o["outcomes"]["major"]]
if len(major) != 1:
    bad.append("%d events with a major fault, expected 1" % len(major))
else:
    m = major[0]
    l = m["last"]
    if not (l["outcome"] == "major" and m["blocked"] and
            l["wait_until_ns"] > m["end_ns"] and l["readahead_pages"] == 7 and
            l["cost_ns"] == m["cpu_ns"] and re.match(r"L1\[0x4\] -> ", l["page_table"])):
        bad.append("the major fault's fields: %r" % m)
expects = [o for o in objs if o["op"] == "expect"]
if not expects or any(o["expect"] != "ok" for o in expects):
    bad.append("expect fields: %r" % [o["expect"] for o in expects])
if any(o["last"] is not None for o in objs if o["accesses"] == 0):
    bad.append("an event without an access has a last access")
rows = list(csv.reader(open(cs)))
if len(rows) != len(narr) + 1:
    bad.append("%d CSV rows for %d events (and a header)" % (len(rows), len(narr)))
widths = set(len(r) for r in rows)
if len(widths) != 1:
    bad.append("CSV rows of %s columns" % sorted(widths))
h = rows[0]
for k in ["event", "pid", "major", "last_outcome", "last_page_table", "text"]:
    if k not in h:
        bad.append("CSV has no column %s" % k)
if not bad:
    for r, o in zip(rows[1:], objs):
        d = dict(zip(h, r))
        if (int(d["event"]) != o["event"] or d["text"] != o["text"] or
                d["last_outcome"] != ((o["last"] or {}).get("outcome") or "")):
            bad.append("CSV row %s differs from its JSON object" % d["event"])
            break
print("\n".join(bad))
sys.exit(1 if bad else 0)
EOF
	if [ "$rc" = 0 ] && python3 check_explain.py tour-text.out tour-json.out tour-csv.out \
	   >explain-check.txt 2>&1; then
		ok "explain -f json and -f csv: one object / row per event, the narration's fields"
	else
		not_ok "explain -f json and -f csv: one object / row per event, the narration's fields" \
		       "$(head -n 8 explain-check.txt)"
	fi
elif command -v jq >/dev/null 2>&1; then
	if jq -e . tour-json.out >/dev/null 2>&1 &&
	   [ "$(wc -l <tour-json.out)" = "$tour_events" ]; then
		ok "explain -f json: one JSON object per event (jq)"
	else
		not_ok "explain -f json: one JSON object per event (jq)" "$(show tour-json)"
	fi
else
	skip "explain -f json and -f csv" "neither python3 nor jq"
fi

# quotes, backslashes, tabs and commas in a note survive both formats
printf 'vmt 1\n1 note say "hi", back\\slash\ttab\n' >esc.vmt
vm esc-json explain -f json esc.vmt
vm esc-csv explain -f csv esc.vmt
if [ "$have_python" = yes ]; then
	if python3 -c '
import csv, json, sys
want = "1 note say \"hi\", back\\slash\ttab"
j = json.loads(open(sys.argv[1]).read())
c = list(csv.DictReader(open(sys.argv[2])))
assert j["record"] == want and c[0]["record"] == want, (j["record"], c)
' esc-json.out esc-csv.out >esc.txt 2>&1; then
		ok "explain -f json and -f csv escape quotes, backslashes, tabs and commas"
	else
		not_ok "explain -f json and -f csv escape quotes, backslashes, tabs and commas" \
		       "$(tail -n 3 esc.txt)"
	fi
fi

# --each: every access with its page-table entries, level by level, with
# indices; a directory entry names the frame of the table below
printf 'vmt 1\n%s\n1 r 0x10000\n1 seq w 0x10000 16K\n' "$M" >walk.vmt
vm walk explain --each walk.vmt
if [ "$rc" = 0 ] &&
   grep -Eq '^        page table: L1\[0x0\] -> frame [0-9]+, L2\[0x0\] -> frame [0-9]+, L3\[0x0\] -> frame [0-9]+, L4\[0x10\] -> zero page$' walk.out &&
   [ "$(grep -Ec '^ +w 0x1[0-3]000: .*; page table: L1\[0x0\] -> frame [0-9]+, .*L4\[0x1[0-3]\] -> frame [0-9]+; ' walk.out)" = 4 ]; then
	ok "explain --each gives each access's page-table entries with indices and frames"
else
	not_ok "explain --each gives each access's page-table entries with indices and frames" \
	       "$(cat walk.out)"
fi
vm walk-nf explain --each -p tiny walk.vmt
if [ "$rc" = 0 ] && grep -Eq 'page table: L1\[0x1\] -> table [0-9]+ \(not in memory\), L2\[0x0\] -> zero page' walk-nf.out; then
	ok "explain --each: without mmu.pt_frames a table is not in memory"
else
	not_ok "explain --each: without mmu.pt_frames a table is not in memory" "$(cat walk-nf.out)"
fi
vm walk-json explain --each -f json walk.vmt
if [ "$have_python" = yes ]; then
	if [ "$rc" = 0 ] && python3 -c '
import json, sys
o = [json.loads(l) for l in open(sys.argv[1])]
seq = [x for x in o if x["op"] == "seq"][0]
e = seq["each"]
assert len(e) == 4 and all(a["acc"] == "w" and a["page_table"].startswith("L1[0x0] -> frame") for a in e), e
assert [a["vaddr"] for a in e] == ["0x10000", "0x11000", "0x12000", "0x13000"], e
' walk-json.out >walk-json.txt 2>&1; then
		ok "explain --each -f json lists every access of an event"
	else
		not_ok "explain --each -f json lists every access of an event" "$(tail -n 3 walk-json.txt)"
	fi
else
	skip "explain --each -f json" "no python3"
fi
vm each-csv explain --each -f csv walk.vmt
expect_status "explain --each -f csv is refused (one row per event)" each-csv 1 "--each.*-f json"

# filters choose the events printed; the replay still runs to the end
vm f-outcome tour --outcome major
lines=$(grep -Ec '^ *[0-9]+ t=' f-outcome.out)
if [ "$rc" = 0 ] && [ "$lines" = 1 ] && grep -Eq '^ +41 .*major: ' f-outcome.out &&
   grep -q '^79 events' f-outcome.out; then
	ok "explain --outcome major prints the one major fault (and the whole run's summary)"
else
	not_ok "explain --outcome major prints the one major fault" "$(show f-outcome)"
fi
vm f-range tour --from 40 --to 42
if [ "$rc" = 0 ] && [ "$(grep -Ec '^ *[0-9]+ t=' f-range.out)" = 3 ] &&
   grep -Eq '^ +40 ' f-range.out && grep -Eq '^ +42 ' f-range.out; then
	ok "explain --from 40 --to 42 prints events 40 to 42"
else
	not_ok "explain --from 40 --to 42 prints events 40 to 42" "$(show f-range)"
fi
vm f-time tour --from 5ms --to 5190us -f csv
if [ "$have_python" = yes ]; then
	if [ "$rc" = 0 ] && python3 -c '
import csv, sys
r = list(csv.DictReader(open(sys.argv[1])))
assert r and all(5000000 <= int(x["start_ns"]) <= 5190000 for x in r), r
' f-time.out >f-time.txt 2>&1; then
		ok "explain --from 5ms --to 5190us: the events that start then"
	else
		not_ok "explain --from 5ms --to 5190us: the events that start then" "$(tail -n 3 f-time.txt)"
	fi
fi
printf 'vmt 1\n%s\n1 w 0x10000\n1 fork 2\n2 w 0x10000\n2 r 0x11000\n1 r 0x11000\n' "$M" >f-pid.vmt
vm f-pid explain --pid 2 f-pid.vmt
if [ "$rc" = 0 ] && [ "$(grep -Ec '^ *[0-9]+ t=[^ ]+ 2 ' f-pid.out)" = 2 ] &&
   [ "$(grep -Ec '^ *[0-9]+ t=' f-pid.out)" = 2 ]; then
	ok "explain --pid 2 prints only process 2's events"
else
	not_ok "explain --pid 2 prints only process 2's events" "$(show f-pid)"
fi
vm f-bad1 tour --pid x1
expect_status "explain --pid x1 is refused, naming the option and token" f-bad1 1 "--pid.*'x1'"
vm f-bad2 tour --outcome majr
expect_status "explain --outcome majr is refused, naming the option and token" f-bad2 1 "--outcome.*'majr'"
vm f-bad3 tour --from 10xs
expect_status "explain --from 10xs is refused, naming the option and token" f-bad3 1 "--from.*'10xs'"
vm f-bad4 tour --from 20 --to 10
expect_status "explain --from 20 --to 10 is refused" f-bad4 1 "--from '20' comes after --to '10'"

# ---- standard input ---------------------------------------------------------

vm_in stdin small.vmt run -
if [ "$rc" = 0 ] && grep -q 'accesses' stdin.out; then
	ok "vmscope run - reads the trace from stdin"
else
	not_ok "vmscope run - reads the trace from stdin" "$(show stdin)"
fi

printf 'vmt 1\n%s\n1 r 0x10000\n\n# comment\n1 r 0xzz\n' "$M" >stdin-bad.vmt
vm_in stdinbad stdin-bad.vmt run -
if [ "$rc" = 1 ] && [ ! -s stdinbad.out ] &&
   grep -q '^<stdin>:6:5: .*0xzz' stdinbad.err; then
	ok "a bad line on stdin is reported as <stdin>:LINE:COL:"
else
	not_ok "a bad line on stdin is reported as <stdin>:LINE:COL:" \
	       "$(show stdinbad)"
fi

# ---- the TUI off a terminal, file operations --------------------------------

# (record, convert and batch: tests/formats.sh and tests/batch.sh; the TUI on
# a terminal: tests/tui.sh.)
for c in tui; do
	case $c in
	tui) args="small.vmt" ;;
	esac
	# shellcheck disable=SC2086
	vm "later-$c" "$c" $args
	if [ "$rc" = 1 ] && [ -s "later-$c.err" ] && [ ! -s "later-$c.out" ]; then
		ok "vmscope $c off a terminal exits 1 with a message"
	else
		not_ok "vmscope $c off a terminal exits 1 with a message" \
		       "$(show "later-$c")"
	fi
done

printf 'vmt 1\nset cpus=65\n1 r 0x10000\n' >open.vmt
vm open run open.vmt
expect_status "a trace asking for 65 CPUs exits 1: 64 at most" open 1 \
	'cpus=65: this version simulates at most 64 CPUs'
if [ -s open.out ]; then
	not_ok "a trace asking for 65 CPUs prints nothing on stdout" "$(show open)"
else
	ok "a trace asking for 65 CPUs prints nothing on stdout"
fi
# Huge pages with several CPUs: each CPU has its own 2 MiB TLB, which the
# shootdowns flush (models/smp.c); the invariant checker would name a CPU
# left holding a 2 MiB entry the page table no longer has.
printf 'vmt 1\nset cpus=2\nset thp.enabled=always\n1 mmap 0x200000 4M rw private anon\n1 clone 2\n1 w 0x200000\n2 r 0x201000\n2 w 0x400000\n1 munmap 0x200000 4K\n2 r 0x202000\n1 mprotect 0x400000 2M r\n' >open.vmt
vm open run --check open.vmt
expect_status "several CPUs with thp.enabled=always run, checked" open 0
if grep -Eq '^  thp_fault_alloc +2$' open.out && grep -Eq '^  thp_split_pmd +1$' open.out &&
   grep -Eq '^  ipis_sent +3$' open.out; then
	ok "several CPUs with huge pages: 2 huge faults, 1 split, 3 IPIs"
else
	not_ok "several CPUs with huge pages: 2 huge faults, 1 split, 3 IPIs" "$(show open)"
fi
printf 'vmt 1\nset cpus=2\nset thp.enabled=madvise\n1 mmap 0x200000 4M rw private anon\n1 madvise 0x200000 4M hugepage\n1 w 0x200000\n' >open.vmt
vm open run --check open.vmt
expect_status "several CPUs with madvise hugepage run" open 0

# ---- output files: devices, FIFOs, links, failed writes ----------------------
# (traces/outfile.h, vmscope(1) FILES) convert and --timeline write through
# the one output-file writer: a device is written in place, never replaced
# by a regular file (as root a rename over /dev/null would succeed); a
# regular file is replaced whole or keeps its old contents.

SC=small.vmt
printf 'vmt 1\n1 mmap 0x10000 64K rw private anon\n1 seq w 0x10000 64K\n1 r 0x10000\n' >"$SC"
# is_chr PATH: PATH is still a character device
is_chr() { [ -c "$1" ] && [ ! -L "$1" ]; }
# no_temps NAME: no NAME.XXXXXX left in the current directory
no_temps() { ! ls -a | grep -q "^$1\.......\$"; }

# Private device nodes where we can make them (root, a file system without
# nodev): a writer that regressed to renaming over its output then replaces
# these, not the machine's /dev/null (as root, it would).  Elsewhere the
# real ones, which a non-root rename cannot replace.
devnull=/dev/null
devfull=/dev/full
if mknod dev-null c 1 3 2>/dev/null && mknod dev-full c 1 7 2>/dev/null &&
   echo x >dev-null 2>/dev/null && ! echo x 2>/dev/null >dev-full; then
	devnull=$T/dev-null
	devfull=$T/dev-full
elif [ "$(id -u)" = 0 ]; then
	devnull=
	devfull=
	skip "writing to device nodes" "root, and no private device nodes here (nodev?)"
fi
for dev in $devnull $devfull; do
	[ -c "$dev" ] || continue
	vm conv convert "$SC" "$dev"
	want=0
	[ "$dev" = "$devfull" ] && want=1
	if [ "$rc" = "$want" ] && is_chr "$dev" &&
	   { [ "$want" = 0 ] || grep -q "$dev: cannot write: No space left" conv.err; }; then
		ok "convert T $(basename "$dev"): exit $want, it is still a device"
	else
		not_ok "convert T $dev: exit $want, it is still a device" "$(show conv)" "$(ls -l "$dev")"
	fi
	vm tl run -q --timeline "$dev" "$SC"
	if [ "$rc" = "$want" ] && is_chr "$dev"; then
		ok "run --timeline $(basename "$dev"): exit $want, it is still a device"
	else
		not_ok "run --timeline $dev: exit $want, it is still a device" "$(show tl)" "$(ls -l "$dev")"
	fi
done

# a FIFO: its reader gets the trace, it stays a FIFO
if mkfifo conv.fifo 2>/dev/null; then
	# (a writer that renamed a file over the FIFO would leave the reader
	# waiting: the timeout ends it)
	timeout 20 cat conv.fifo >fifo.got &
	reader=$!
	vm conv convert "$SC" conv.fifo
	wait $reader
	"$VMSCOPE" convert "$SC" conv.want 2>/dev/null
	if [ "$rc" = 0 ] && [ -p conv.fifo ] && cmp -s fifo.got conv.want; then
		ok "convert T FIFO: the reader gets the trace, the FIFO stays a FIFO"
	else
		not_ok "convert T FIFO" "$(show conv)" "$(ls -l conv.fifo)"
	fi
else
	skip "convert T FIFO" "no mkfifo"
fi

# a symbolic link to a regular file: the target is replaced whole and
# keeps its mode, the link stays a link
printf 'old\n' >target.vmt
chmod 640 target.vmt
ln -s target.vmt link.vmt
vm conv convert "$SC" link.vmt
if [ "$rc" = 0 ] && [ -L link.vmt ] && [ "$(readlink link.vmt)" = target.vmt ] &&
   cmp -s target.vmt conv.want && [ "$(stat -c %a target.vmt)" = 640 ] &&
   no_temps target.vmt; then
	ok "convert T LINK: the link stays, its target is replaced and keeps its mode"
else
	not_ok "convert T LINK" "$(show conv)" "$(ls -l link.vmt target.vmt)"
fi
# a link to a device: written in place through it
if [ -n "$devnull" ]; then
ln -s "$devnull" null.link
vm tl run -q --timeline null.link "$SC"
if [ "$rc" = 0 ] && [ -L null.link ] && is_chr "$devnull"; then
	ok "--timeline LINK-TO-/dev/null: written through the link, both stay"
else
	not_ok "--timeline LINK-TO-/dev/null" "$(show tl)" "$(ls -l null.link "$devnull")"
fi
fi
# a link to nothing and a directory are refused, nothing is created
ln -s nowhere.vmt dangling.vmt
vm conv convert "$SC" dangling.vmt
if [ "$rc" = 1 ] && grep -q "dangling.vmt: a symbolic link to a file that does not exist" conv.err &&
   [ ! -e nowhere.vmt ] && no_temps dangling.vmt && no_temps nowhere.vmt; then
	ok "convert T DANGLING-LINK: refused, nothing created through it"
else
	not_ok "convert T DANGLING-LINK: refused" "$(show conv)"
fi
mkdir out.dir
vm tl run -q --timeline out.dir "$SC"
if [ "$rc" = 1 ] && grep -q "out.dir: is a directory" tl.err && [ -d out.dir ] &&
   no_temps out.dir; then
	ok "--timeline DIRECTORY: refused before the run"
else
	not_ok "--timeline DIRECTORY: refused before the run" "$(show tl)"
fi

# a regular file keeps its old contents when the write fails: a file size
# limit makes write(2) fail with EFBIG (SIGXFSZ ignored), as a full disk would
printf 'vmt 1\n1 mmap 0x10000000 4M rw private anon\n1 seq w 0x10000000 4M\n' >big.vmt
printf 'old contents\n' >keep.vmt
printf 'old json\n' >keep.json
(trap '' XFSZ; ulimit -f 1; "$VMSCOPE" explain --timeline keep.json big.vmt >/dev/null 2>fsz.err)
frc=$?
if [ "$frc" = 1 ] && [ "$(cat keep.json)" = "old json" ] &&
   grep -q "keep.json: cannot write: File too large" fsz.err && no_temps keep.json; then
	ok "a failed write: exit 1 with the reason, the regular file keeps its old contents"
else
	not_ok "a failed write keeps the old file" "exit $frc: $(cat fsz.err)" "$(head -c 100 keep.json)"
fi
# a failed conversion (bad input) leaves the old file too
printf 'vmt 1\n1 mmap 0x1000 4K rw private anon\n1 jump 0x1000\n' >badin.vmt
vm conv convert badin.vmt keep.vmt
if [ "$rc" = 1 ] && [ "$(cat keep.vmt)" = "old contents" ] && no_temps keep.vmt; then
	ok "a conversion that fails on its input leaves OUT as it was"
else
	not_ok "a conversion that fails on its input leaves OUT as it was" "$(show conv)"
fi

# Ctrl-C and SIGTERM during a long --timeline run leave no temporary file
# (env --default-signal undoes the shell's ignoring SIGINT in a background job)
printf 'vmt 1\n1 mmap 0x10000000 64M rw private anon\n1 seq w 0x10000000 64M stride=1\n1 seq r 0x10000000 64M stride=1\n' >long.vmt
if env --default-signal=INT true 2>/dev/null; then
	for sig in INT TERM; do
		rm -f sig.json
		env --default-signal=INT "$VMSCOPE" explain --timeline sig.json long.vmt >/dev/null 2>&1 &
		pid=$!
		tries=0
		while ! ls -a | grep -q '^sig\.json\.' && [ $tries -lt 100 ]; do
			sleep 0.05
			tries=$((tries + 1))
		done
		kill -$sig $pid
		{ wait $pid; } 2>/dev/null
		src=$?
		if [ $src -gt 128 ] && [ ! -e sig.json ] && no_temps sig.json; then
			ok "SIG$sig during --timeline: killed ($src), no temporary file left"
		else
			not_ok "SIG$sig during --timeline leaves no temporary file" "exit $src" "$(ls -a)"
		fi
	done
else
	skip "signals during --timeline" "env has no --default-signal"
fi

# "-" is standard output, which carries the report unless -q
vm dash run --timeline - "$SC"
vm dashq run -q --timeline - "$SC"
if [ "$rc" = 0 ] && head -c 40 dashq.out | grep -q '"traceEvents"' && [ ! -e ./- ] &&
   grep -q "add -q" dash.err; then
	ok "--timeline - writes to standard output with -q, and is refused without"
else
	not_ok "--timeline -" "$(show dashq)" "$(cat dash.err)"
fi

# ---- summary ----------------------------------------------------------------

echo "cli: $passed passed, $failed failed"
[ "$failed" = 0 ]
