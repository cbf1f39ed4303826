#!/bin/sh
# `make bench-seek`: how long vm_engine_seek takes with snapshots, as the
# TUI's `b`, `g` and search use it, on a trace of 1,000,000 events from
# tests/gen-bench (BENCH_SEEK_N accesses; one access per event, after one
# mmap).  Runs tests/bench-seek with snapshots, then without them for
# comparison (the replay from the start that seek did before).  Exit status
# 0, 1 on an error, 2 when a seek with snapshots took more than 0.25 s.
set -u
BUILDDIR=${1:-.}
BUILDDIR=$(cd "$BUILDDIR" && pwd) || exit 1
N=${BENCH_SEEK_N:-1000000}
OUT=$BUILDDIR/bench-out
TRACE=$OUT/bench-$N.vmt
GEN=$BUILDDIR/tests/gen-bench
BENCH=$BUILDDIR/tests/bench-seek
[ -x "$GEN" ] && [ -x "$BENCH" ] || { echo "bench-seek: build tests/gen-bench and tests/bench-seek first" >&2; exit 1; }
mkdir -p "$OUT" || exit 1
# shellcheck disable=SC3013 # -nt: in dash, bash and every sh make uses here
if [ ! -f "$TRACE" ] || [ "$GEN" -nt "$TRACE" ]; then
	echo "bench-seek: generating $TRACE ($N accesses)"
	"$GEN" -n "$N" -o "$TRACE" || exit 1
fi
"$BENCH" --no-snapshots -r 5 "$TRACE"
echo
"$BENCH" -r 50 "$TRACE"
