#!/bin/sh
# make fuzz (tests/fuzz/README.md): build every harness of tests/fuzz/ with
# clang's libFuzzer, AddressSanitizer and UndefinedBehaviorSanitizer, then
# fuzz each for SECONDS seconds, one after the other.  Without clang or
# libFuzzer it says how to get them and exits 0: fuzzing is optional.
#
# Usage: fuzz.sh SRCDIR BUILDDIR SECONDS -- CORE-SOURCES...
# Environment: FUZZ_CFLAGS, FUZZ_LIBS (glib's), FUZZ_TARGETS, CLANG, FUZZ_TIMEOUT
# (seconds one input may take, default 30: an input replays with the
# invariant checker after every event under ASan, ~2 s at worst alone, and
# a loaded machine once made 10 s report a false timeout).
#
# Everything goes under BUILDDIR/tests/fuzz/build: the objects, the
# harnesses, corpus/T (the inputs libFuzzer found; kept between runs, so a
# second run starts where the first stopped), artifacts/T (crashes,
# timeouts, leaks) and T.log.  Exit status 1 when a target left an
# artifact this run.
set -u
src=$1
top=$2
secs=$3
shift 3
[ "${1:-}" = -- ] && shift
CLANG=${CLANG:-clang}
targets=${FUZZ_TARGETS:-vmt vmtb profile grid lackey}
out=$top/tests/fuzz/build
mkdir -p "$out" || exit 1

if ! command -v "$CLANG" >/dev/null 2>&1; then
	echo "fuzz: $CLANG not found; skipping.  Install Debian's clang package"
	echo "fuzz: (apt-get install clang) to fuzz; 'make check' needs none of it."
	exit 0
fi
printf 'int LLVMFuzzerTestOneInput(const unsigned char *d, unsigned long n)\n{ (void)d; (void)n; return 0; }\n' \
	>"$out/probe.c"
if ! "$CLANG" -fsanitize=fuzzer,address,undefined "$out/probe.c" -o "$out/probe" \
	>"$out/probe.log" 2>&1; then
	echo "fuzz: $CLANG cannot link -fsanitize=fuzzer (libFuzzer is in Debian's"
	echo "fuzz: libclang-rt-*-dev, which clang pulls in); skipping:"
	sed 's/^/fuzz:   /' "$out/probe.log" | head -5
	exit 0
fi

SAN="-g -O1 -fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=undefined"
CF="-std=gnu11 -I$src -I$top -D_GNU_SOURCE ${FUZZ_CFLAGS:-}"

# ---- the core library, instrumented (rebuilt when a source changed) -------
lib=$out/libvmcore-fuzz.a
stamp=$out/lib.stamp
rebuild=no
[ -f "$stamp" ] || rebuild=yes
if [ $rebuild = no ] &&
   [ -n "$(find "$src/models" "$src/sim" "$src/traces" "$src/tests/fuzz" \
	-path "$out" -prune -o \( -name '*.c' -o -name '*.h' \) -newer "$stamp" \
	-print 2>/dev/null | head -1)" ]; then
	# (the build directory is inside tests/fuzz: its probe.c, written on
	# every run, made every run rebuild the core)
	rebuild=yes
fi
if [ $rebuild = yes ]; then
	echo "fuzz: building the core with $CLANG, libFuzzer, ASan and UBSan"
	rm -rf "$out/obj" "$lib"
	mkdir -p "$out/obj"
	: >"$out/sources"
	for f in "$@"; do
		case $f in *.c) ;; *) continue ;; esac
		if [ -f "$src/$f" ]; then p=$src/$f; else p=$top/$f; fi
		printf '%s\n' "$p" >>"$out/sources"
	done
	# two compilers at a time: the machine is shared
	# shellcheck disable=SC2016
	if ! xargs -P 2 -n 1 sh -c 'o="$1"/obj/$(echo "$2" | tr / _ | sed "s/\\.c$/.o/");
		exec '"$CLANG $SAN -fsanitize=fuzzer-no-link $CF"' -c "$2" -o "$o"' \
		sh "$out" <"$out/sources"; then
		echo "fuzz: the core did not build" >&2
		exit 1
	fi
	ar rcs "$lib" "$out"/obj/*.o || exit 1
	for t in vmt vmtb profile grid lackey; do
		extra=
		[ $t = grid ] && extra=$src/sim/batch.c
		# shellcheck disable=SC2086
		"$CLANG" $SAN -fsanitize=fuzzer $CF -o "$out/fuzz-$t" \
			"$src/tests/fuzz/fuzz-$t.c" "$src/tests/fuzz/common.c" $extra \
			"$lib" ${FUZZ_LIBS:-} || exit 1
	done
	touch "$stamp"
fi

# ---- seeds that are made, not kept: the scenarios as .vmtb ----------------------
mkdir -p "$out/seeds/vmtb"
if [ -x "$top/vmscope" ]; then
	for t in "$src"/traces/scenarios/*.vmt "$src"/tests/regress/*.vmt; do
		b=$out/seeds/vmtb/$(basename "$t" .vmt).vmtb
		[ -f "$b" ] || "$top/vmscope" convert "$t" "$b" 2>/dev/null
	done
fi

# ---- fuzz --------------------------------------------------------------------
found=0
for t in $targets; do
	[ -x "$out/fuzz-$t" ] || { echo "fuzz: no target '$t'" >&2; exit 1; }
	seeds="$src/tests/fuzz/corpus/$t $src/tests/fuzz/repro/$t"
	case $t in
	vmt) seeds="$seeds $src/traces/scenarios $src/tests/regress" ;;
	vmtb) seeds="$seeds $out/seeds/vmtb" ;;
	grid) seeds="$seeds $src/traces/experiments" ;;
	esac
	# libFuzzer stops at a seed directory that does not exist, and git
	# keeps no empty one (repro/T has files only once a bug was found)
	have=
	for d in $seeds; do
		[ -d "$d" ] && have="$have $d"
	done
	seeds=$have
	dict=
	[ -f "$src/tests/fuzz/dict/$t.dict" ] && dict=-dict=$src/tests/fuzz/dict/$t.dict
	mkdir -p "$out/corpus/$t" "$out/artifacts/$t" "$out/run/$t"
	before=$(ls "$out/artifacts/$t" | wc -l)
	echo "fuzz: $t for $secs s (log: $out/$t.log)"
	# shellcheck disable=SC2086
	(cd "$out/run/$t" &&
	 ASAN_OPTIONS=detect_leaks=1:abort_on_error=0 \
	 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	 "$out/fuzz-$t" -max_total_time="$secs" -timeout="${FUZZ_TIMEOUT:-30}" -rss_limit_mb=2048 \
		-max_len=65536 -print_final_stats=1 $dict \
		-artifact_prefix="$out/artifacts/$t/" \
		"$out/corpus/$t" $seeds) >"$out/$t.log" 2>&1
	after=$(ls "$out/artifacts/$t" | wc -l)
	grep -E '^stat::(number_of_executed_units|peak_rss_mb)|^Done' "$out/$t.log" |
		sed "s/^/fuzz: $t: /"
	if [ "$after" -eq "$before" ] && ! grep -q '^Done ' "$out/$t.log"; then
		found=1
		echo "fuzz: $t: libFuzzer did not run to its end:"
		tail -3 "$out/$t.log" | sed 's/^/fuzz:   /'
	elif [ "$after" -gt "$before" ]; then
		found=1
		echo "fuzz: $t: NEW FINDINGS in $out/artifacts/$t:"
		ls -t "$out/artifacts/$t" | head -n $((after - before)) | sed 's/^/fuzz:   /'
		grep -m1 -E 'ERROR|FUZZ FINDING|runtime error|Assertion|CRITICAL' \
			"$out/$t.log" | sed 's/^/fuzz:   /'
	fi
done
[ $found = 0 ]
