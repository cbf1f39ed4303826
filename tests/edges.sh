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

echo "edges: $passed passed, $failed failed"
[ "$failed" = 0 ]
