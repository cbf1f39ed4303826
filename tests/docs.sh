#!/bin/sh
# The documentation and the course material (issue 7): the man page renders
# and names every command; every command's --help exits 0 and lists its
# options (and `vmscope help COMMAND` gives the same text); every scenario
# and exercise replays through the command line; each exercise's student
# copy is its answer key without the expect lines; the guides exist and
# mention what they promise; and the shell commands of their ```sh blocks
# run and print what they show (or are marked as skipped, with why).
#
# Usage: VMSCOPE=/path/to/vmscope top_srcdir=. sh tests/docs.sh

VMSCOPE=${VMSCOPE:-./vmscope}
top_srcdir=${top_srcdir:-.}
if [ ! -x "$VMSCOPE" ]; then
	echo "docs: $VMSCOPE is not built; skipping"
	exit 77
fi

T=$(mktemp -d "${TMPDIR:-/tmp}/vmscope-docs.XXXXXX") || exit 99
trap 'rm -rf "$T"' EXIT
trap 'exit 1' HUP INT TERM

. "$(dirname "$0")/lib.sh"
# here a skip is not counted as passed
skip() { n=$((n + 1)); echo "ok $n - # SKIP $1: $2"; }

# ---- the commands and their --help ----------------------------------------
# The command list comes from the program itself, so that a new command
# must get a --help (and a place in the man page) to pass.
"$VMSCOPE" --help >"$T/help" 2>&1
commands=$(sed -n '/^Commands:/,/^$/p' "$T/help" | awk 'NF && $1 != "Commands:" { print $1 }')
if [ -n "$commands" ] && echo "$commands" | grep -qx run && echo "$commands" | grep -qx tour; then
	ok "vmscope --help lists the commands ($(echo $commands))"
else
	not_ok "vmscope --help lists the commands" "$(cat "$T/help")"
fi

# options each command's --help must mention
replay_opts="--profile --set --format --timeline --quiet --check"
opts_for() {
	case $1 in
	run) echo "$replay_opts" ;;
	explain) echo "$replay_opts --each" ;;
	tour) echo "$replay_opts --each" ;;
	tui) echo "$replay_opts --tour" ;;
	validate) echo "--format --only --set --list --keep --ignore-times" ;;
	profiles) echo "NAME --policies" ;;
	batch) echo "--jobs --out --plot --emit" ;;
	record) echo "-o" ;;
	convert) echo "IN OUT" ;;
	*) echo "" ;;
	esac
}

for c in $commands; do
	"$VMSCOPE" "$c" --help >"$T/$c.help" 2>"$T/$c.err"
	rc=$?
	# a command still to be written says so; it cannot have options yet
	if [ "$rc" != 0 ] && grep -q "not part of this version yet" "$T/$c.err"; then
		skip "vmscope $c --help" "the command is not built yet"
		continue
	fi
	missing=
	for o in $(opts_for "$c"); do
		grep -q -e "$o" "$T/$c.help" || missing="$missing $o"
	done
	if [ "$rc" = 0 ] && grep -q "vmscope $c" "$T/$c.help" && [ -z "$missing" ]; then
		ok "vmscope $c --help exits 0 and lists its options"
	else
		not_ok "vmscope $c --help exits 0 and lists its options" \
		       "exit status $rc; missing:$missing
$(cat "$T/$c.help" "$T/$c.err")"
	fi
	"$VMSCOPE" help "$c" >"$T/$c.help2" 2>&1
	if [ $? = 0 ] && cmp -s "$T/$c.help" "$T/$c.help2"; then
		ok "vmscope help $c is vmscope $c --help"
	else
		not_ok "vmscope help $c is vmscope $c --help" "$(cat "$T/$c.help2")"
	fi
done

"$VMSCOPE" help nosuch >"$T/nosuch" 2>&1
if [ $? = 1 ] && grep -q "unknown command 'nosuch'" "$T/nosuch"; then
	ok "vmscope help NOSUCH is a usage error"
else
	not_ok "vmscope help NOSUCH is a usage error" "$(cat "$T/nosuch")"
fi

# ---- the man page ----------------------------------------------------------
MAN=$top_srcdir/docs/vmscope.1
if [ ! -f "$MAN" ]; then
	not_ok "docs/vmscope.1 exists"
else
	# render it with whatever formatter there is, warnings on
	rendered=
	if command -v groff >/dev/null 2>&1; then
		LC_ALL=C groff -man -Tutf8 -ww -P-c -P-b -P-o -P-u "$MAN" >"$T/man.txt" 2>"$T/man.err" &&
			rendered=groff
	elif command -v mandoc >/dev/null 2>&1; then
		mandoc -Tlint -Wwarning "$MAN" >"$T/man.err" 2>&1
		mandoc -Tutf8 "$MAN" >"$T/man.txt" 2>>"$T/man.err" && rendered=mandoc
	elif command -v man >/dev/null 2>&1; then
		MANWIDTH=80 man -l "$MAN" >"$T/man.txt" 2>"$T/man.err" && rendered=man
	fi
	if [ -z "$rendered" ]; then
		# no formatter: check the source instead
		cp "$MAN" "$T/man.txt"
		: >"$T/man.err"
		skip "the man page renders" "no groff, mandoc or man here"
	elif [ ! -s "$T/man.err" ] && grep -q "SYNOPSIS" "$T/man.txt" &&
	     grep -q "EXIT STATUS" "$T/man.txt"; then
		ok "the man page renders with $rendered, without warnings"
	else
		not_ok "the man page renders with $rendered, without warnings" \
		       "$(cat "$T/man.err"; head -n 5 "$T/man.txt")"
	fi
	missing=
	for c in $commands; do
		grep -q "$c" "$T/man.txt" || missing="$missing $c"
	done
	for o in --profile --set --format --timeline --quiet --check; do
		grep -q -e "$o" "$T/man.txt" || missing="$missing $o"
	done
	if [ -z "$missing" ]; then
		ok "the man page names every command and the common options"
	else
		not_ok "the man page names every command and the common options" "missing:$missing"
	fi
fi

# ---- the guides --------------------------------------------------------------
for f in guide.md instructor.md; do
	if [ -s "$top_srcdir/docs/$f" ]; then
		ok "docs/$f exists"
	else
		not_ok "docs/$f exists"
	fi
done
missing=
for w in explain expect profiles tiny seed-hdd majflt minflt --check tour; do
	grep -q -e "$w" "$top_srcdir/docs/guide.md" 2>/dev/null || missing="$missing $w"
done
if [ -z "$missing" ]; then
	ok "the guide covers explain, expectations, profiles and statistics"
else
	not_ok "the guide covers explain, expectations, profiles and statistics" "missing:$missing"
fi
missing=
for w in "exit status" "expect" "key.vmt" "run -q"; do
	grep -q -e "$w" "$top_srcdir/docs/instructor.md" 2>/dev/null || missing="$missing '$w'"
done
if [ -z "$missing" ]; then
	ok "the instructor's guide covers self-grading traces"
else
	not_ok "the instructor's guide covers self-grading traces" "missing:$missing"
fi

# ---- scenarios through the command line --------------------------------------
# tests/test-scenarios replays every one with the invariant checker through
# the library; here the command line does, with --check for all but the few
# long ones (thousands of events), which run without it to keep this quick.
bad=
count=0
for f in "$top_srcdir"/traces/scenarios/*.vmt; do
	count=$((count + 1))
	chk=--check
	[ "$(wc -l <"$f")" -gt 2000 ] && chk=
	"$VMSCOPE" run -q $chk "$f" >"$T/out" 2>&1
	rc=$?
	if [ "$rc" != 0 ] || [ -s "$T/out" ]; then
		bad="$bad
$f: exit $rc: $(head -n 3 "$T/out")"
	fi
done
if [ -z "$bad" ] && [ "$count" -ge 20 ]; then
	ok "vmscope run -q --check passes all $count scenarios"
else
	not_ok "vmscope run -q --check passes all $count scenarios (20 or more)" "$bad"
fi

# ---- exercises: keys pass, students' copies match their keys -----------------
bad=
count=0
for key in "$top_srcdir"/traces/exercises/*.key.vmt; do
	[ -f "$key" ] || continue
	count=$((count + 1))
	stu=${key%.key.vmt}.vmt
	"$VMSCOPE" run -q --check "$key" >"$T/out" 2>&1
	rc=$?
	[ "$rc" = 0 ] && [ ! -s "$T/out" ] || bad="$bad
$key: exit $rc: $(head -n 3 "$T/out")"
	grep -q -E '^[0-9]+[[:space:]]+expect' "$key" || bad="$bad
$key: no expect lines: an answer key must have answers"
	grep -q '^profile tiny' "$key" || bad="$bad
$key: not on the tiny profile"
	if [ ! -f "$stu" ]; then
		bad="$bad
$key: no student copy $(basename "$stu")"
		continue
	fi
	grep -Ev '^[0-9]+[[:space:]]+expect([[:space:]]|$)' "$key" >"$T/stripped"
	cmp -s "$T/stripped" "$stu" || bad="$bad
$stu: not its key without the expect lines:
$(diff "$T/stripped" "$stu" | head -n 6)"
	"$VMSCOPE" run -q --check "$stu" >"$T/out" 2>&1 || bad="$bad
$stu: exit $?: $(head -n 3 "$T/out")"
done
for stu in "$top_srcdir"/traces/exercises/*.vmt; do
	case $stu in *.key.vmt) continue ;; esac
	[ -f "${stu%.vmt}.key.vmt" ] || bad="$bad
$stu: no answer key"
done
if [ -z "$bad" ] && [ "$count" -ge 3 ]; then
	ok "all $count exercises: keys pass, students' copies are the keys without expect lines"
else
	not_ok "exercises: keys pass, students' copies are the keys without expect lines" "$bad"
fi

# A wrong answer makes the run exit 3 and says where: the grading rule of
# docs/instructor.md.
ex=$top_srcdir/traces/exercises/ex1-tlb-walk.vmt
if [ -f "$ex" ]; then
	{ cat "$ex"; echo "1 expect walks=1"; } >"$T/wrong.vmt"
	"$VMSCOPE" run -q "$T/wrong.vmt" >"$T/out" 2>&1
	rc=$?
	if [ "$rc" = 3 ] && grep -q "wrong.vmt:[0-9]*: expect failed: walks is" "$T/out"; then
		ok "a wrong answer exits 3 and names its line"
	else
		not_ok "a wrong answer exits 3 and names its line" "exit $rc: $(cat "$T/out")"
	fi
fi

# The other grading pipeline of docs/instructor.md: the student's trace and
# the instructor's checks, concatenated on standard input.  The first event
# is a note, a record with text of its own (reading it from a stream once
# freed the reader's buffer).
printf 'vmt 1\nfile data size=8K cached\n1 note my answer\n1 open data fd=3\n1 mmap 0x10000 8K rw private fd=3\n1 w 0x10000\ncrash\n' >"$T/student.vmt"
printf '1 expect cow_faults>=1 lost_pages=0\n1 expect file=data dirty_pages=0\n' >"$T/checks.vmt"
printf '1 expect cow_faults>=2\n' >"$T/checks2.vmt"
cat "$T/student.vmt" "$T/checks.vmt" | "$VMSCOPE" run -q - >"$T/out" 2>&1
rc1=$?
cat "$T/student.vmt" "$T/checks2.vmt" | "$VMSCOPE" run -q - >"$T/out2" 2>&1
rc2=$?
if [ "$rc1" = 0 ] && [ ! -s "$T/out" ] && [ "$rc2" = 3 ] &&
   grep -q "<stdin>:8: expect failed: cow_faults is 1, expected >= 2" "$T/out2"; then
	ok "a trace and its checks on standard input grade it (0 right, 3 wrong)"
else
	not_ok "a trace and its checks on standard input grade it (0 right, 3 wrong)" \
	       "exit $rc1: $(cat "$T/out")
exit $rc2: $(cat "$T/out2")"
fi

# ---- the reference pages carry the contract ------------------------------------
# Each list comes from the program or its sources, so that a new key,
# statistic or op fails here until its page describes it.
DOCS=$top_srcdir/docs

# every key `vmscope profiles default` prints, in docs/profiles.md as `key`
"$VMSCOPE" profiles default >"$T/default.ini" 2>&1
keys=$(awk '/^\[/ { g = substr($0, 2, length($0) - 2); next }
	    /^[a-z]/ && g != "profile" { split($0, kv, "=");
		print (g == "machine" ? kv[1] : g "." kv[1]) }' "$T/default.ini")
missing=
for k in $keys; do
	grep -qF "\`$k\`" "$DOCS/profiles.md" 2>/dev/null || missing="$missing $k"
done
if [ -n "$keys" ] && [ "$(echo $keys | wc -w)" -ge 40 ] && [ -z "$missing" ]; then
	ok "docs/profiles.md describes every profile key ($(echo $keys | wc -w))"
else
	not_ok "docs/profiles.md describes every profile key" "missing:$missing" "keys: $keys"
fi

# every policy the program has registered (`vmscope profiles --policies`,
# read from models/policy.h's registries) is named as `name` in the row of
# its key, so that docs/profiles.md cannot fall behind a new policy file
"$VMSCOPE" profiles --policies >"$T/policies" 2>&1
pairs=$(awk '{ print $1 }' "$T/policies" | grep -E '^[a-z.]+=[a-z0-9_-]+$')
missing=
kinds=
for kv in $pairs; do
	k=${kv%%=*}; v=${kv#*=}
	case " $kinds " in *" $k "*) ;; *) kinds="$kinds $k" ;; esac
	grep "^| \`$k\` |" "$DOCS/profiles.md" 2>/dev/null | head -n 1 |
		grep -qF "\`$v\`" || missing="$missing $kv"
done
if [ "$(echo $kinds | wc -w)" -eq 6 ] && [ "$(echo $pairs | wc -w)" -ge 15 ] &&
   [ "$(echo $pairs | wc -w)" = "$(wc -l <"$T/policies")" ] && [ -z "$missing" ]; then
	ok "docs/profiles.md names every registered policy in its key's row ($(echo $pairs | wc -w) of$kinds)"
else
	not_ok "docs/profiles.md names every registered policy in its key's row" \
	       "missing:$missing" "$(cat "$T/policies")"
fi

# every built-in profile is named, and the table of their values is what
# `vmscope profiles NAME` prints
profiles=$("$VMSCOPE" profiles 2>/dev/null | awk '{ print $1 }')
missing=
for p in $profiles; do
	grep -qF "\`$p\`" "$DOCS/profiles.md" 2>/dev/null || missing="$missing $p"
done
bad=
# the table after its marker comment, up to the first blank line
sed -n '/^<!-- profiles table/,/^$/p' "$DOCS/profiles.md" >"$T/ptable" 2>/dev/null
hdr=$(grep '^| key | `default`' "$T/ptable" | head -n 1)
col=2
for p in $(printf '%s\n' "$hdr" | tr -d '`' | awk -F' *[|] *' '{ for (i = 3; i < NF; i++) print $i }'); do
	col=$((col + 1))
	"$VMSCOPE" profiles "$p" >"$T/p.ini" 2>&1 || { bad="$bad
vmscope profiles $p failed"; continue; }
	for k in $keys; do
		g=${k%%.*}; kk=${k#*.}
		[ "$g" = "$k" ] && { g=machine; kk=$k; }
		want=$(awk -v g="[$g]" -v k="$kk" '/^\[/ { in_g = ($0 == g); next }
			in_g && index($0, k "=") == 1 { print substr($0, length(k) + 2) }' "$T/p.ini")
		got=$(grep "^| \`$k\` |" "$T/ptable" | tr -d '`' |
		      awk -F' *[|] *' -v c="$col" '{ print $c; exit }')
		[ "$want" = "$got" ] || bad="$bad
$p $k: the program says '$want', docs/profiles.md '$got'"
	done
done
if [ -z "$missing" ] && [ -n "$hdr" ] && [ "$col" -ge 6 ] && [ -z "$bad" ]; then
	ok "docs/profiles.md names every built-in profile, and its table of their values is the program's"
else
	not_ok "docs/profiles.md names every built-in profile, and its table of their values is the program's" \
	       "missing:$missing" "table header: '$hdr'$bad"
fi

# every statistic name `run -f json` prints (global, process, file)
printf 'vmt 1\nfile data size=8K\n1 open data fd=3\n1 mmap 0x10000 8K r shared fd=3\n1 r 0x10000\n1 fork 2\n' >"$T/stats.vmt"
"$VMSCOPE" run -f json "$T/stats.vmt" >"$T/stats.json" 2>&1
stats=$(sed 1d "$T/stats.json" | grep -o '"[a-z_0-9]*": ' | tr -d '": ' |
	grep -vx -e global -e processes -e files | sort -u)
missing=
for st in $stats; do
	grep -qF "\`$st\`" "$DOCS/statistics.md" 2>/dev/null || missing="$missing $st"
done
if [ "$(echo $stats | wc -w)" -ge 60 ] && echo "$stats" | grep -qx cached_pages &&
   echo "$stats" | grep -qx wait_ns && [ -z "$missing" ]; then
	ok "docs/statistics.md describes every statistic run -f json prints ($(echo $stats | wc -w))"
else
	not_ok "docs/statistics.md describes every statistic run -f json prints" "missing:$missing" \
	       "$(head -c 600 "$T/stats.json")"
fi

# every op the .vmt reader accepts, in docs/format.md as `op`.  The words
# come from the table of ops (traces/op.c; its `access` is the ops r, w
# and x), plus `vmt`; each one is then fed to the reader, which must know
# it, so that the table cannot drift from the reader unnoticed.
ops_from_code() {
	sed -n 's/^[[:space:]]*\[VM_REC_[A-Z_0-9]*\] = { "\([a-z]*\)".*/\1/p' \
		"$top_srcdir/traces/op.c" | sed 's/^access$/r w x/'
	echo vmt
}
ops=$(ops_from_code)
missing=
unknown=
for op in $ops; do
	grep -qF "\`$op\`" "$DOCS/format.md" 2>/dev/null || missing="$missing $op"
	[ "$op" = vmt ] && continue
	printf 'vmt 1\n1 %s\n' "$op" >"$T/op1.vmt"
	printf 'vmt 1\n%s\n' "$op" >"$T/op2.vmt"
	"$VMSCOPE" run "$T/op1.vmt" >"$T/op1.out" 2>&1
	"$VMSCOPE" run "$T/op2.vmt" >"$T/op2.out" 2>&1
	if grep -q "unknown op '$op'" "$T/op1.out" && grep -q "unknown op '$op'" "$T/op2.out"; then
		unknown="$unknown $op"
	fi
done
printf 'vmt 1\n1 frobnicate\n' >"$T/op1.vmt"
"$VMSCOPE" run "$T/op1.vmt" >"$T/op1.out" 2>&1
if [ "$(echo $ops | wc -w)" -ge 26 ] && [ -z "$missing" ] && [ -z "$unknown" ] &&
   grep -q "unknown op 'frobnicate'" "$T/op1.out"; then
	ok "docs/format.md describes every op the trace reader accepts ($(echo $ops | wc -w))"
else
	not_ok "docs/format.md describes every op the trace reader accepts" \
	       "not in docs/format.md:$missing" "in the name table but unknown to the reader:$unknown" \
	       "ops: $ops"
fi

# every outcome, with the counting rules, and the exit statuses
missing=
for w in hit walk minor major cow zero sigsegv sigbus walk_refs pt_pages \
	 "expect failed" "| 3 |" "65,536" splitmix64; do
	grep -qF -e "$w" "$DOCS/format.md" 2>/dev/null || missing="$missing '$w'"
done
if [ -z "$missing" ]; then
	ok "docs/format.md has the outcomes, counting rules, expect lines and exit statuses"
else
	not_ok "docs/format.md has the outcomes, counting rules, expect lines and exit statuses" "missing:$missing"
fi

# Users do not have the specification the project started from: nothing
# they can read cites it (the patterns are bracketed so this file does
# not match itself).
cites=$(cd "$top_srcdir" && grep -rnE 'SPEC[.]md|SPEC §|[.][.]/shared' README.md docs \
	sim traces models ui tests scripts 2>/dev/null | grep -v '^tests/docs[.]sh:')
"$VMSCOPE" --help >"$T/h" 2>&1
for c in $commands; do "$VMSCOPE" "$c" --help >>"$T/h" 2>&1; done
hcites=$(grep -nE 'SPEC|[.][.]/shared' "$T/h")
if [ -z "$cites$hcites" ]; then
	ok "no page, message, comment or --help cites the specification users do not have"
else
	not_ok "no page, message, comment or --help cites the specification users do not have" \
	       "$cites" "$hcites"
fi

# docs/validation.md's measured block is generated (scripts/validation-doc.sh):
# its markers are there once, its table's workloads are validate's, and
# its summary line adds up with its table.
V=$DOCS/validation.md
B='<!-- validate: begin (generated by scripts/validation-doc.sh from a run; do not edit by hand) -->'
E='<!-- validate: end -->'
awk -v b="$B" -v e="$E" '$0 == b { on = 1 } on { print } $0 == e { on = 0 }' "$V" >"$T/block"
nrows=$(grep -cE '^[|] [a-z0-9-]+ [|] [a-z0-9_]+ [|] .* [|] (ok|[*][*]OFF[*][*]) [|]$' "$T/block")
nok=$(grep -cE '[|] ok [|]$' "$T/block")
summary=$(grep -E '^[*][*][0-9]+ rows: ' "$T/block")
workloads=$(grep -E '^[|] [a-z0-9-]+ [|] [a-z0-9_]+ [|]' "$T/block" | awk -F' *[|] *' '{ print $2 }' |
	    grep -v '^workload$' | uniq)
if [ "$(grep -cxF -e "$B" "$V")" = 1 ] && [ "$(grep -cxF -e "$E" "$V")" = 1 ] &&
   [ "$nrows" -gt 0 ] && echo "$summary" | grep -q "^[*][*]$nrows rows: $nok ok, $((nrows - nok)) off" &&
   grep -q '^| zero page | ' "$T/block" && grep -q '^| load average' "$T/block"; then
	ok "docs/validation.md's measured block is generated, and its summary adds up ($nrows rows)"
else
	not_ok "docs/validation.md's measured block is generated, and its summary adds up" \
	       "rows $nrows, ok $nok, summary: $summary"
fi
if "$VMSCOPE" validate --list >"$T/wl" 2>"$T/wl.err"; then
	if [ "$(sort "$T/wl")" = "$(echo "$workloads" | sort)" ]; then
		ok "docs/validation.md's table has every workload of validate --list, and no other"
	else
		not_ok "docs/validation.md's table has every workload of validate --list, and no other (rerun scripts/validation-doc.sh)" \
		       "$(echo "$workloads" | sort | diff - "$T/wl" | head -n 10)"
	fi
else
	skip "docs/validation.md's workloads" "validate --list failed: $(head -n 1 "$T/wl.err")"
fi

# ---- the man page and the docs are installed -----------------------------------
# `man vmscope` once said "No manual entry": make install must put
# vmscope(1) where man looks, and the reference pages in $(docdir).
builddir=$(dirname "$VMSCOPE")
if [ ! -f "$builddir/Makefile" ] || ! command -v make >/dev/null 2>&1; then
	skip "make install installs vmscope(1) and the docs" "no Makefile beside $VMSCOPE"
else
	mkdir "$T/inst"
	# a make of its own: not the jobserver of the make check running us
	env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL make -s -C "$builddir" install \
		DESTDIR="$T/inst" >"$T/install.out" 2>&1
	rc=$?
	man1=$(find "$T/inst" -path '*/man1/vmscope.1' | head -n 1)
	docdir=$(find "$T/inst" -path '*/doc/vmscope' -type d | head -n 1)
	missing=
	for f in format.md profiles.md statistics.md guide.md instructor.md \
		 timeline.md batch.md validation.md; do
		[ -n "$docdir" ] && [ -s "$docdir/$f" ] || missing="$missing $f"
	done
	if [ "$rc" = 0 ] && [ -n "$man1" ] && cmp -s "$man1" "$MAN" && [ -z "$missing" ]; then
		ok "make install DESTDIR=... installs vmscope(1) and the docs"
	else
		not_ok "make install DESTDIR=... installs vmscope(1) and the docs" \
		       "exit $rc; man page: '$man1'; docs missing:$missing" "$(tail -n 5 "$T/install.out")"
	fi
	if [ -z "$man1" ] || ! command -v man >/dev/null 2>&1; then
		skip "man finds the installed vmscope(1)" "no man here, or nothing installed"
	else
		MANPAGER=cat MANWIDTH=80 man -M "$(dirname "$(dirname "$man1")")" vmscope \
			>"$T/man-installed" 2>&1
		if grep -q "vmscope - a simulator" "$T/man-installed" &&
		   grep -q "EXIT STATUS" "$T/man-installed"; then
			ok "man finds the installed vmscope(1)"
		else
			not_ok "man finds the installed vmscope(1)" "$(head -n 5 "$T/man-installed")"
		fi
	fi
fi
if grep -qF 'man ./docs/vmscope.1' "$top_srcdir/README.md"; then
	ok "README.md says man ./docs/vmscope.1 for a tree that is not installed"
else
	not_ok "README.md says man ./docs/vmscope.1 for a tree that is not installed"
fi

# ---- the shell commands the docs show ------------------------------------------
# Every fenced ```sh block of README.md, docs/*.md and traces/*/README.md
# is run, one top-level command at a time, in a scratch directory that
# looks like the top of the tree (or, after a line
# "<!-- docs.sh: cd DIR -->" right above the fence, like a copy of DIR),
# with `vmscope` on the PATH and ./vmscope there.  Each command must exit
# 0, and print something unless its output goes to a file or it only sets
# things up (an assignment, cd, mkdir, rm, cp, mv, ln, export).  A block
# that cannot run here says why in "<!-- docs.sh: skip: WHY -->" above
# its fence, and is reported as skipped with that reason.  The markers are
# HTML comments: they do not show where the docs are read.

mkdir -p "$T/bin" "$T/blocks"
ln -s "$VMSCOPE" "$T/bin/vmscope"
case $VMSCOPE in
/*) ;;
*) ln -sf "$(pwd)/$VMSCOPE" "$T/bin/vmscope" ;;
esac
abs_src=$(cd "$top_srcdir" && pwd)

# blocks FILE: write each ```sh block of FILE to $T/blocks/N.sh, and one
# line "N<TAB>LINE<TAB>MARKER" per block to stdout
nblock=0
extract_blocks() {
	awk -v dir="$T/blocks" -v start="$nblock" '
		/^<!-- docs\.sh: .* -->[[:space:]]*$/ {
			m = $0
			sub(/^<!-- docs\.sh: /, "", m)
			sub(/ -->[[:space:]]*$/, "", m)
			marker = m
			next
		}
		/^```sh[[:space:]]*$/ && !inside {
			inside = 1
			n = start + (++k)
			out = dir "/" n ".sh"
			printf "" >out
			printf "%d\t%d\t%s\n", n, NR, marker
			marker = ""
			next
		}
		/^```/ && inside { inside = 0; close(out); next }
		inside { print >out; next }
		NF { marker = "" }
	' "$1"
}

# quiet_cmd TEXT: a command that need not print (see above)
quiet_cmd() {
	first=$(printf '%s\n' "$1" | sed -n '1{s/^[[:space:]]*//;s/[[:space:]].*//;p;}')
	case $first in
	cd|mkdir|rm|cp|mv|ln|export|:) return 0 ;;
	*=*) case $first in *\(*|*\|*) ;; *) return 0 ;; esac ;;
	esac
	# stdout sent to a file (not 2> nor >&)
	printf '%s\n' "$1" | grep -q '\(^\|[^0-9&>]\)>[^&]' && return 0
	return 1
}

ran_blocks=0
for doc in "$top_srcdir"/README.md "$top_srcdir"/docs/*.md "$top_srcdir"/traces/*/README.md; do
	[ -f "$doc" ] || continue
	rel=${doc#"$top_srcdir"/}
	extract_blocks "$doc" >"$T/blocks/list"
	while IFS='	' read -r b line marker; do
		nblock=$b
		what="$rel:$line: the sh block"
		case $marker in
		skip:*)
			skip "$what" "${marker#skip: }"
			continue ;;
		esac
		work=$T/run-$b
		mkdir -p "$work"
		case $marker in
		"cd "*)
			sub=${marker#cd }
			cp -R "$abs_src/$sub/." "$work/" ;;
		*)
			for f in "$abs_src"/*; do
				ln -s "$f" "$work/" 2>/dev/null
			done ;;
		esac
		rm -f "$work/vmscope"
		ln -s "$T/bin/vmscope" "$work/vmscope"
		# one top-level command at a time: lines are joined until sh
		# can parse them whole
		runner=$T/blocks/$b.run
		: >"$runner"
		nc=0
		chunk=
		while IFS= read -r l || [ -n "$l" ]; do
			if [ -z "$chunk" ]; then
				stripped=$(printf '%s' "$l" | sed 's/^[[:space:]]*//')
				case $stripped in ''|'#'*) continue ;; esac
			fi
			chunk="$chunk$l
"
			case $l in *\\) continue ;; esac
			printf '%s' "$chunk" | sh -n 2>/dev/null || continue
			nc=$((nc + 1))
			printf '%s' "$chunk" >"$T/blocks/$b.$nc.cmd"
			printf '{ %s} >%s 2>%s </dev/null; echo $? >%s\n' "$chunk" \
				"$T/blocks/$b.$nc.out" "$T/blocks/$b.$nc.err" \
				"$T/blocks/$b.$nc.rc" >>"$runner"
			chunk=
		done <"$T/blocks/$b.sh"
		if [ -n "$chunk" ]; then
			not_ok "$what runs" "a command does not parse: $chunk"
			continue
		fi
		(cd "$work" && PATH=$T/bin:$PATH sh "$runner") >/dev/null 2>&1
		bad=
		i=1
		while [ $i -le $nc ]; do
			cmd=$(cat "$T/blocks/$b.$i.cmd")
			crc=$(cat "$T/blocks/$b.$i.rc" 2>/dev/null)
			if [ "$crc" != 0 ]; then
				bad="$bad
\$ $cmd
exit ${crc:-(did not run)}: $(head -n 3 "$T/blocks/$b.$i.err" 2>/dev/null)"
			elif [ ! -s "$T/blocks/$b.$i.out" ] && ! quiet_cmd "$cmd"; then
				bad="$bad
\$ $cmd
printed nothing"
			fi
			i=$((i + 1))
		done
		ran_blocks=$((ran_blocks + 1))
		if [ -z "$bad" ] && [ $nc -gt 0 ]; then
			ok "$what: its $nc commands exit 0 and print what they show"
		else
			not_ok "$what: its commands exit 0 and print what they show" "$bad"
		fi
	done <"$T/blocks/list"
done
if [ "$ran_blocks" -ge 2 ]; then
	ok "ran the sh blocks of the docs ($ran_blocks)"
else
	not_ok "ran the sh blocks of the docs (2 or more)" "only $ran_blocks"
fi

echo "docs: $passed passed, $failed failed"
[ "$failed" = 0 ]
