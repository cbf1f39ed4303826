#!/bin/sh
# The terminal UI, driven for real: tmux runs `vmscope tui` in a detached
# 80x24 session on a private socket, send-keys types, capture-pane reads the
# screen.  Each check polls the screen for the text it expects (with a
# timeout) instead of sleeping a fixed time.  Skipped (77) without tmux.
#
# Covered: refusing a non-terminal; open, step, back (onto a line after an
# access), help, breakpoint, next fault, go to, search, predict mode, resize
# (larger and too small), NO_COLOR, `vmscope tour` on a terminal (also with
# --no-mouse), quit, and quitting when the terminal hangs up.  Screens in
# bulk (every scenario, forward and back) are tests/test-tui.c's.

VMSCOPE=${VMSCOPE:-./vmscope}
top_srcdir=${top_srcdir:-.}
TOUR=$top_srcdir/traces/scenarios/tour.vmt
COW=$top_srcdir/traces/scenarios/fork-cow.vmt

fail() { echo "FAIL: $*"; [ -n "$S" ] && screen; cleanup; exit 1; }

# 1. a non-terminal is refused, pointing at explain
out=$("$VMSCOPE" tui "$TOUR" < /dev/null 2>&1)
st=$?
[ "$st" = 1 ] || fail "tui on a non-terminal exited $st, expected 1"
case $out in
*"vmscope explain"*) ;;
*) fail "the refusal does not point to explain: $out" ;;
esac
# and `tour` off a terminal still narrates
"$VMSCOPE" tour < /dev/null | grep -q "zero page" || fail "tour off a terminal does not narrate"

TMUX_BIN=${TMUX_PROG:-$(command -v tmux)}
if [ -z "$TMUX_BIN" ] || ! [ -x "$TMUX_BIN" ]; then
	echo "tmux not found: skipping the TUI tests"
	exit 77
fi
unset TMUX TMUX_PANE   # we may run inside someone's tmux
SOCK=vmscope-test-$$
T() { "$TMUX_BIN" -L "$SOCK" -f /dev/null "$@"; }
S=
HUP=
cleanup() { T kill-server 2>/dev/null; [ -n "$HUP" ] && rm -rf "$HUP"; }
trap cleanup EXIT INT TERM

screen() { T capture-pane -p -t "$S"; }
# a session that outlives the ones under test keeps the server up
T new-session -d -s keep -x 80 -y 24 "sleep 300" || { echo "cannot start tmux"; exit 1; }

# wait_for TEXT [SECONDS]: poll the screen until it shows TEXT
wait_for() {
	i=0
	lim=$(( ${2:-10} * 20 ))
	while [ $i -lt $lim ]; do
		if screen 2>/dev/null | grep -qF -- "$1"; then
			return 0
		fi
		sleep 0.05
		i=$((i + 1))
	done
	echo "--- screen, waiting for '$1':"
	screen
	fail "timed out waiting for '$1'"
}

# wait_gone TEXT: poll until the screen no longer shows TEXT
wait_gone() {
	i=0
	while [ $i -lt 200 ]; do
		screen 2>/dev/null | grep -qF -- "$1" || return 0
		sleep 0.05
		i=$((i + 1))
	done
	screen
	fail "'$1' did not go away"
}

keys() { T send-keys -t "$S" "$@"; }

start() {
	S=$1
	shift
	T new-session -d -s "$S" -x 80 -y 24 "$@" || fail "cannot start tmux"
	T set-option -t "$S" remain-on-exit off >/dev/null 2>&1
}

# 2. open: every pane of ui/README.md is there, at 80x24
start a env TERM=screen "$VMSCOPE" tui "$TOUR"
wait_for "event 0"
for pane in " Trace" "Page table & mappings" " Why" " TLB" " Memory 16 frames" \
	    "Page cache & disk" " Stats"; do
	wait_for "$pane"
done
wait_for "nothing has run yet"

# 3. step: five events to the first read, the zero page, with the why
for i in 1 2 3 4 5; do keys n; done
wait_for "event 5/79  line 18"
wait_for "mapped the shared zero page"
wait_for "this access 0x10000"
# the stats pane shows what changed in this step
wait_for "pgfault        1 +1"

# 4. back: exactly the previous state, the note before the read
keys b
wait_for "event 4/79  line 17"
wait_for "The first read of an untouched page"
wait_gone "this access 0x10000"
# and forward again gives the same screen as before
keys Right
wait_for "event 5/79  line 18"
wait_for "mapped the shared zero page"
# back onto the expect line after the access still shows that access, its
# TLB entry and its mapping (ui/README.md); tests/test-tui.c compares every
# screen of every scenario this way, without a terminal
keys n n b
wait_for "event 6/79  line 19"
wait_for "last access, event 5: 0x10000"
wait_for ">   10 zero r-- 1"
wait_for ">10000-18000 rw- priv anon"

# 5. help lists every key, says how to close it, any key closes it
keys '?'
wait_for "vmscope tui: keys"
wait_for "Any key closes this help"
wait_for "predict mode"
keys x
wait_gone "vmscope tui: keys"

# 6. breakpoint on sigsegv, run to it
keys k
wait_for "break on"
keys sigsegv Enter
wait_for "breakpoints: sigsegv"
keys r
wait_for "breakpoint: sigsegv"
wait_for "SIGSEGV"
wait_for "[bp: sigsegv]"
wait_for "[stop: sigsegv]"

# 7. go to an event, and search
keys g
wait_for "go to event"
keys 2 Enter
wait_for "event 2/79  line 15"
keys / 
wait_for "search the trace"
keys "32K dontneed" Enter
wait_for "found at line"
wait_for "the next touch"

# 8. predict mode: the first read of the tour is the zero page (with the
# breakpoints cleared: an empty k)
keys k Enter
wait_for "breakpoints: none"
keys g 0 Enter
wait_for "event 0"
keys p
wait_for "predict mode"
for i in 1 2 3 4; do keys n; done
wait_for "event 4"
keys n
wait_for "Predict: what will the next access do?"
wait_for "1 r 0x10000"
keys z
wait_for "you said zero: right!"
wait_for "[predict 1/1]"

# 9. resize: larger redraws with the long key line; too small says so
T resize-window -t "$S" -x 100 -y 30
wait_for "N/B:next/prev fault"
T resize-window -t "$S" -x 60 -y 20
wait_for "needs a terminal of at least 80x24"
T resize-window -t "$S" -x 80 -y 24
wait_for " Trace"

# 10. quit
keys q
i=0
while T has-session -t "$S" 2>/dev/null; do
	i=$((i + 1))
	[ $i -lt 200 ] || fail "q did not quit"
	sleep 0.05
done

# 11. `vmscope tour` on a terminal opens the TUI, NO_COLOR honoured;
# N runs to the next fault
start b env TERM=screen NO_COLOR=1 "$VMSCOPE" tour
wait_for "tour.vmt  event 0/79"
keys N
wait_for "next fault (event 5)"
keys N
wait_for "next fault (event 11)"
keys B
wait_for "previous fault (event 5)"
keys q

# 12. fork and copy-on-write: the breakpoint on cow, the shared frames
start c env TERM=screen "$VMSCOPE" tui -s memory=256K "$COW"
wait_for "Memory 64 frames"
keys k cow Enter r
wait_for "breakpoint: cow"
wait_for "shared copy-on-write"
keys q

# 12b. several CPUs: the TLB pane is the running CPU's; c shows each CPU's
# in turn, with what it runs and the IPIs it got
SMP=$top_srcdir/traces/scenarios/smp-munmap-ipi.vmt
start s env TERM=screen "$VMSCOPE" tui "$SMP"
wait_for "event 0"
wait_for "TLB CPU 0/2 now"
keys g 7 Enter
wait_for "event 7/"
keys c
wait_for "TLB CPU 0/2 "
keys c
wait_for "TLB CPU 1/2 "
wait_for "pid 2, mm 1"
wait_for "ipi 1 fl 0+2p"
keys c
wait_for "TLB CPU 0/2 now"
keys q
wait_gone "TLB CPU"

# 13. `vmscope tour --no-mouse` is the tour on a terminal without the mouse
start d env TERM=screen "$VMSCOPE" tour --no-mouse
wait_for "tour.vmt  event 0/79"
keys q

# 14. a hang-up with SIGHUP ignored (nohup): the terminal goes away and the
# TUI must quit, not spin reading a dead terminal forever
HUP=$(mktemp -d) || fail "mktemp"
start e sh -c 'echo $$ > "$1/pid"; trap "" HUP; exec env TERM=screen "$0" tui --tour 2>"$1/err"' \
	"$VMSCOPE" "$HUP"
wait_for "tour.vmt  event 0/79"
pid=$(cat "$HUP/pid")
T kill-session -t e
i=0
while kill -0 "$pid" 2>/dev/null; do
	i=$((i + 1))
	if [ $i -ge 100 ]; then
		kill "$pid" 2>/dev/null
		fail "the TUI still runs 5 s after its terminal hung up (SIGHUP ignored)"
	fi
	sleep 0.05
done
grep -q "the terminal went away" "$HUP/err" ||
	fail "no word on stderr after the hang-up: $(cat "$HUP/err")"

echo "tui: all checks passed"
exit 0
