#!/bin/sh
# Traces that once crashed the models or broke an invariant (tests/regress/),
# replayed under every reclaim policy with the invariant checker on.  Each
# must finish with exit status 0: a crash is 134 or 139, an invariant
# violation 2.  The comment at the top of each file says what it caught.
#
# Each is also replayed without the checker, and the statistics must be the
# same as the checked run's (the checker only reads the machine, so a
# difference means it changed something); so must every scenario's, under
# the default policy, against a run that writes a timeline (which watches
# every step and fills the step record).
set -u
: "${VMSCOPE:?}" "${top_srcdir:?}"
pass=0 fail=0

# same STEPPED TRACE ARGS...: run TRACE with the option STEPPED and without;
# both exit 0 with the same statistics
same() {
	stepped=$1
	t=$2
	shift 2
	# shellcheck disable=SC2086
	"$VMSCOPE" run -f csv $stepped "$@" "$t" >regress.out1 2>regress.err
	rc=$?
	if [ $rc -ne 0 ]; then
		fail=$((fail + 1))
		echo "FAIL: $(basename "$t") $*: exit $rc: $(tail -1 regress.err)"
		return
	fi
	"$VMSCOPE" run -f csv "$@" "$t" >regress.out2 2>regress.err
	rc=$?
	if [ $rc -eq 0 ] && cmp -s regress.out1 regress.out2; then
		pass=$((pass + 1))
	else
		fail=$((fail + 1))
		echo "FAIL: $(basename "$t") $*: the plain run (exit $rc) differs from the watched one"
		diff regress.out1 regress.out2 | head -5
	fi
}

for t in "$top_srcdir"/tests/regress/*.vmt; do
	for pol in lru2q lru fifo clock random opt mglru; do
		same --check "$t" -s reclaim.policy=$pol
	done
done
for t in "$top_srcdir"/traces/scenarios/*.vmt; do
	same "--timeline regress.json" "$t"
done
rm -f regress.err regress.out1 regress.out2 regress.json
echo "regress: $pass passed, $fail failed"
[ $fail -eq 0 ]
