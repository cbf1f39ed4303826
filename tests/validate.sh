#!/bin/sh
# vmscope validate (docs/validation.md) on this machine: a subset of the probe
# workloads whose rows Linux reproduces exactly run after run, run with
# -f json; the test checks the JSON's structure, that every exact row is
# ok, that the simulated column is the same on a second run (the replays
# are deterministic), and the error paths (an unknown workload, a bad
# VMSCOPE_PROBES).  Timing rows are never asserted: they depend on the load.
#
# Skipped (77) where the probes cannot run: not Linux, no probe program,
# no python3 to read the JSON.
#
# Usage: VMSCOPE=/path/to/vmscope sh tests/validate.sh

VMSCOPE=${VMSCOPE:-./vmscope}
case $VMSCOPE in
/*) ;;
*) VMSCOPE=$(pwd)/$VMSCOPE ;;
esac
if [ ! -x "$VMSCOPE" ]; then
	echo "validate: $VMSCOPE is not built; skipping"
	exit 77
fi
if [ "$(uname -s)" != Linux ]; then
	echo "validate: not Linux; skipping"
	exit 77
fi
if ! python3 -c 'import json' >/dev/null 2>&1; then
	echo "validate: no python3 to read the JSON; skipping"
	exit 77
fi

T=$(mktemp -d "${TMPDIR:-/tmp}/vmscope-validate.XXXXXX") || exit 99
trap 'rm -rf "$T"' EXIT
trap 'exit 1' HUP INT TERM

. "$(dirname "$0")/lib.sh"

# Workloads with exact rows only on a 4 KiB-folio kernel, and no cold file
# (eviction, readahead timing) so that the test is quick and steady.
ONLY=cached-scan,cached-scan-1m,private-read-write,shared-write-msync,shared-write-1m,fork-cow,fork-shared-anon,sparse-holes,truncate-sigbus,unlink-mmap,stride-sweep,cold-random-madv

"$VMSCOPE" validate --list >"$T/list" 2>"$T/list.err"
if [ $? = 0 ] && grep -qx cached-scan "$T/list" && grep -qx madv-dontneed "$T/list"; then
	ok "validate --list names the workloads"
else
	not_ok "validate --list names the workloads" "$(cat "$T/list" "$T/list.err")"
	echo "validate: $passed passed, $failed failed"
	exit 1
fi

# check_json FILE: "OK", or what is wrong; the workloads with an exact row
# off go to $T/retry.
check_json() {
	python3 - "$1" "$T/retry" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
bad, retry = [], set()
for k in ("kernel", "page_size", "memory", "swap", "read_ahead_kb", "thp",
          "fault_around_bytes", "costs_ns"):
    if k not in d["host"]:
        bad.append("host has no " + k)
rows = d["rows"]
if not rows and not d["skipped"]:
    bad.append("no rows")
for r in rows:
    for k in ("workload", "metric", "measured", "simulated", "tolerance", "verdict"):
        if k not in r:
            bad.append("row without " + k + ": " + repr(r))
    if r["verdict"] not in ("ok", "off"):
        bad.append("bad verdict: " + repr(r))
    if r["tolerance"] == "exact" and r["verdict"] != "ok":
        bad.append("exact row off: %s %s measured %s simulated %s"
                   % (r["workload"], r["metric"], r["measured"], r["simulated"]))
        retry.add(r["workload"])
s = d["summary"]
if s["rows"] != len(rows) or s["ok"] + s["off"] != s["rows"]:
    bad.append("summary does not add up")
open(sys.argv[2], "w").write(",".join(sorted(retry)))
print("\n".join(bad) if bad else "OK")
PY
}

"$VMSCOPE" validate -f json --dir "$T" --only "$ONLY" >"$T/a.json" 2>"$T/a.err"
rc=$?
if [ $rc = 0 ]; then
	ok "validate -f json exits 0"
else
	not_ok "validate -f json exits 0 (got $rc)" "$(cat "$T/a.err")"
fi

# A loaded machine now and then disturbs a count (a fault retried on a
# contended folio lock counts as major): an exact row off is measured once
# more, and only a second miss fails.
check=$(check_json "$T/a.json")
if [ "$check" != OK ] && [ -s "$T/retry" ]; then
	echo "# measured again: $(cat "$T/retry") ($check)"
	"$VMSCOPE" validate -f json --dir "$T" --only "$(cat "$T/retry")" \
		>"$T/a2.json" 2>"$T/a2.err"
	check=$(check_json "$T/a2.json")
fi
if [ "$check" = OK ]; then
	ok "the JSON has docs/validation.md's structure and every exact row is ok"
else
	not_ok "the JSON has docs/validation.md's structure and every exact row is ok" "$check"
fi

# The replays are deterministic: the count rows' simulated values repeat
# (time rows follow the calibration, which is a measurement).
"$VMSCOPE" validate -f json --dir "$T" --only stride-sweep,truncate-sigbus >"$T/b.json" 2>"$T/b.err"
"$VMSCOPE" validate -f json --dir "$T" --only stride-sweep,truncate-sigbus >"$T/c.json" 2>"$T/c.err"
same=$(python3 - "$T/b.json" "$T/c.json" <<'PY'
import json, sys
def sim(p):
    return [(r["workload"], r["metric"], r["simulated"]) for r in json.load(open(p))["rows"]
            if not r["tolerance"].startswith("factor")]
a, b = sim(sys.argv[1]), sim(sys.argv[2])
print("OK" if a == b and a else "differ: %r %r" % (a, b))
PY
)
if [ "$same" = OK ]; then
	ok "the simulated counts are the same on a second run"
else
	not_ok "the simulated counts are the same on a second run" "$same"
fi

if ! ls "$T" | grep -q vmscope-probe; then
	ok "the probe directory is removed afterwards"
else
	not_ok "the probe directory is removed afterwards" "$(ls "$T")"
fi

"$VMSCOPE" validate --only no-such-workload >"$T/d.out" 2>"$T/d.err"
rc=$?
if [ $rc = 1 ] && grep -q "no workload 'no-such-workload'" "$T/d.err"; then
	ok "an unknown workload exits 1 with a message"
else
	not_ok "an unknown workload exits 1 with a message" "rc=$rc $(cat "$T/d.err")"
fi

VMSCOPE_PROBES=/nonexistent "$VMSCOPE" validate >"$T/e.out" 2>"$T/e.err"
rc=$?
if [ $rc = 1 ] && grep -q "VMSCOPE_PROBES=/nonexistent" "$T/e.err" && [ ! -s "$T/e.out" ]; then
	ok "a bad VMSCOPE_PROBES exits 1 naming it"
else
	not_ok "a bad VMSCOPE_PROBES exits 1 naming it" "rc=$rc $(cat "$T/e.err")"
fi

"$VMSCOPE" profiles host >"$T/host.ini" 2>"$T/host.err"
if [ $? = 0 ] && grep -q '^name=host' "$T/host.ini" &&
   grep -q '^fault_around=' "$T/host.ini"; then
	ok "vmscope profiles host prints the host profile"
else
	not_ok "vmscope profiles host prints the host profile" "$(cat "$T/host.ini" "$T/host.err")"
fi

echo "validate: $passed passed, $failed failed"
[ "$failed" = 0 ]
