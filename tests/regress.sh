#!/bin/sh
# Traces that once crashed the models or broke an invariant (tests/regress/),
# replayed under every reclaim policy with the invariant checker on.  Each
# must finish with exit status 0: a crash is 134 or 139, an invariant
# violation 2.  The comment at the top of each file says what it caught.
set -u
: "${VMSCOPE:?}" "${top_srcdir:?}"
pass=0 fail=0
for t in "$top_srcdir"/tests/regress/*.vmt; do
	for pol in lru2q lru fifo clock random opt; do
		"$VMSCOPE" run -q --check -s reclaim.policy=$pol "$t" >/dev/null 2>regress.err
		rc=$?
		if [ $rc -eq 0 ]; then
			pass=$((pass + 1))
		else
			fail=$((fail + 1))
			echo "FAIL: $(basename "$t") with $pol: exit $rc: $(tail -1 regress.err)"
		fi
	done
done
rm -f regress.err
echo "regress: $pass passed, $fail failed"
[ $fail -eq 0 ]
