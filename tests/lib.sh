# Shared by the shell tests (cli.sh, formats.sh, batch.sh, docs.sh,
# validate.sh): TAP-like counting and a private working directory.
# Source it after setting VMSCOPE; each script keeps its own show().

n=0
passed=0
failed=0

ok() {
	n=$((n + 1))
	passed=$((passed + 1))
	echo "ok $n - $1"
}

# not_ok DESCRIPTION WHY...: each WHY (a message, a command's output) is
# printed below it as a comment.
not_ok() {
	n=$((n + 1))
	failed=$((failed + 1))
	echo "not ok $n - $1"
	shift
	for why in "$@"; do
		printf '%s\n' "$why" | sed 's/^/#   /'
	done
}

# skip DESCRIPTION REASON: counted as passed.
skip() {
	n=$((n + 1))
	passed=$((passed + 1))
	echo "ok $n - $1 # SKIP $2"
}

# vm NAME ARGS...: run vmscope with stdin from /dev/null; stdout in NAME.out,
# stderr in NAME.err, the exit status in $rc.
vm() {
	name=$1
	shift
	"$VMSCOPE" "$@" >"$name.out" 2>"$name.err" </dev/null
	rc=$?
}

# vm_in NAME INPUT ARGS...: the same with stdin from INPUT.
vm_in() {
	name=$1
	input=$2
	shift 2
	"$VMSCOPE" "$@" >"$name.out" 2>"$name.err" <"$input"
	rc=$?
}

# in_workdir NAME: a new temporary directory, removed at exit, as the
# current directory (relative names in messages whatever it is), in the C
# locale.
in_workdir() {
	T=$(mktemp -d "${TMPDIR:-/tmp}/vmscope-$1.XXXXXX") || exit 99
	trap 'rm -rf "$T"' EXIT
	trap 'exit 1' HUP INT TERM
	cd "$T" || exit 99
	LC_ALL=C
	export LC_ALL
}
