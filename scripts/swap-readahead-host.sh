#!/bin/sh
# Swap-in readahead on this host against the model (docs/validation.md,
# *Swap-in readahead, measured by hand*).  Not a validate row: it needs a
# swap device, and this one is made for the run: a 256 MiB swap file in a
# new directory under /var/tmp (mktemp -d), swapon, a workload in a new v1
# memory cgroup limited to 32 MiB (with swap, no memsw limit), then swapoff,
# the file and the cgroup removed: on success, on failure and on INT, TERM
# and HUP.  Root only; refuses when the host already has swap (whatever
# else swaps would move the global counters it reads).
#
# Linux reads ahead by virtual address (swap_vma_readahead) unless a swap
# device is rotational or /sys/kernel/mm/swap/vma_ra_enabled is false
# (swap_use_vma_readahead); then by swap slot (swap_cluster_readahead).
# The swap file takes its disk's rotational flag; with --nonrotational it
# is used through a loop device (losetup, detached at the end like the
# rest) whose queue/rotational is set to 0, so that Linux takes the VMA's
# readahead on any disk.  The model is run with swap.vma_readahead set to
# what Linux chose.  (zram, the other non-rotational device at hand, is a
# synchronous one: do_swap_page then skips readahead altogether.)
#
# The workload (compiled here with cc): 96 MiB of anonymous memory written
# page by page, then 4000 reads of random pages (a fixed list), then a read
# of every page in order; for each phase its major faults (getrusage) and
# /proc/vmstat's swap_ra, swap_ra_hit, pswpin and pswpout.  The model
# replays the same accesses (default profile, memory=1G, swap.size=256M, a
# cgroup of max=32M) and prints the same counters.
#
# Usage: scripts/swap-readahead-host.sh [--nonrotational] [VMSCOPE]
#        (VMSCOPE: default ./vmscope)
set -u
NONROT=0
if [ "${1:-}" = --nonrotational ]; then
	NONROT=1
	shift
fi
VMSCOPE=${1:-./vmscope}
[ "$(id -u)" = 0 ] || { echo "swap-readahead-host: needs root (swapon, a memory cgroup)" >&2; exit 77; }
[ "$(wc -l < /proc/swaps)" -le 1 ] || { echo "swap-readahead-host: the host has swap already; not measuring" >&2; exit 77; }
OWN=$(sed -n 's/^[0-9]*:memory:\(.*\)$/\1/p' /proc/self/cgroup)
[ -n "$OWN" ] && [ -d "/sys/fs/cgroup/memory$OWN" ] ||
	{ echo "swap-readahead-host: no v1 memory cgroup hierarchy" >&2; exit 77; }
DIR=$(mktemp -d /var/tmp/vmscope-swapra.XXXXXX) || exit 1
CG=/sys/fs/cgroup/memory$OWN/vmscope-swapra-$$
SWAPON=0
LOOP=
SWAPDEV=$DIR/swap
undo_swap() {
	if [ -d "$CG" ]; then
		for p in $(cat "$CG/cgroup.procs" 2>/dev/null); do kill -9 "$p" 2>/dev/null; done
		sleep 1
		rmdir "$CG" 2>/dev/null
	fi
	[ "$SWAPON" = 1 ] && swapoff "$SWAPDEV" && SWAPON=0
	[ -n "$LOOP" ] && losetup -d "$LOOP" && LOOP=
	rm -f "$DIR/swap"
}
cleanup() {
	trap - EXIT INT TERM HUP
	undo_swap
	rm -rf "$DIR"
}
trap cleanup EXIT
trap 'cleanup; exit 130' INT TERM HUP

cat > "$DIR/wl.c" <<'CEOF'
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
static const char *names[4] = { "swap_ra", "swap_ra_hit", "pswpin", "pswpout" };
static void vmstat(long v[4])
{
	FILE *f = fopen("/proc/vmstat", "r");
	char k[64];
	long x;
	memset(v, 0, 4 * sizeof *v);
	while (f && fscanf(f, "%63s %ld", k, &x) == 2)
		for (int i = 0; i < 4; i++)
			if (!strcmp(k, names[i]))
				v[i] = x;
	if (f)
		fclose(f);
}
static long majflt(void)
{
	struct rusage r;
	getrusage(RUSAGE_SELF, &r);
	return r.ru_majflt;
}
static long v0[4], m0;
static void begin(void) { vmstat(v0); m0 = majflt(); }
static void end(const char *phase)
{
	long v[4];
	vmstat(v);
	printf("%-10s majflt=%ld swap_ra=%ld swap_ra_hits=%ld pswpin=%ld pswpout=%ld\n",
	       phase, majflt() - m0, v[0] - v0[0], v[1] - v0[1], v[2] - v0[2], v[3] - v0[3]);
	fflush(stdout);
}
int main(int argc, char **argv)
{
	long n = atol(argv[1]), pg;
	FILE *lf = fopen(argv[2], "r");
	volatile char *p = mmap(NULL, (size_t)n * 4096, PROT_READ | PROT_WRITE,
				MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	unsigned long sum = 0;
	if (!lf || p == MAP_FAILED)
		return 1;
	begin();
	for (long i = 0; i < n; i++)
		p[i * 4096] = (char)(i | 1);
	end("populate");
	begin();
	while (fscanf(lf, "%ld", &pg) == 1)
		sum += (unsigned char)p[pg * 4096];
	end("random");
	begin();
	for (long i = 0; i < n; i++)
		sum += (unsigned char)p[i * 4096];
	end("sequential");
	return (int)(sum & 0);
}
CEOF
cc -O2 -o "$DIR/wl" "$DIR/wl.c" || exit 1
# the random pages: a fixed LCG, the same list for the host and the model
awk 'BEGIN { x = 17; for (i = 0; i < 4000; i++) { x = (x * 1103515245 + 12345) % 2147483648; print int(x / 65536) % 24576 } }' > "$DIR/pages"
{
	echo "vmt 1"
	echo "1 cgroup create probe max=32M"
	echo "1 cgroup enter probe"
	echo "1 mmap 0x10000000 96M rw private anon"
	echo "1 seq w 0x10000000 96M"
	echo "1 note @populate"
	awk '{ printf "1 r 0x%x\n", 268435456 + $1 * 4096 }' "$DIR/pages"
	echo "1 note @random"
	echo "1 seq r 0x10000000 96M"
	echo "1 note @sequential"
} > "$DIR/model.vmt"

dd if=/dev/zero of="$DIR/swap" bs=1M count=256 status=none && chmod 600 "$DIR/swap" ||
	{ echo "swap-readahead-host: cannot write $DIR/swap" >&2; exit 1; }
# the block device under the swap: the file's disk, or the loop device
DEV=$(lsblk -no PKNAME "$(df --output=source /var/tmp | tail -1)" 2>/dev/null | head -1)
[ -n "$DEV" ] || DEV=$(basename "$(df --output=source /var/tmp | tail -1)")
if [ "$NONROT" = 1 ]; then
	LOOP=$(losetup -f --show "$DIR/swap") ||
		{ echo "swap-readahead-host: losetup failed" >&2; exit 1; }
	SWAPDEV=$LOOP
	DEV=$(basename "$LOOP")
	echo 0 > "/sys/block/$DEV/queue/rotational" ||
		{ echo "swap-readahead-host: cannot clear $DEV's rotational flag" >&2; exit 1; }
fi
mkswap -q "$SWAPDEV" > /dev/null && swapon "$SWAPDEV" && SWAPON=1 ||
	{ echo "swap-readahead-host: swapon failed" >&2; exit 1; }
ROT=$(cat "/sys/block/$DEV/queue/rotational" 2>/dev/null || echo 1)
VMA_RA=$(cat /sys/kernel/mm/swap/vma_ra_enabled 2>/dev/null || echo false)
if [ "$ROT" = 0 ] && [ "$VMA_RA" = true ]; then
	MODEL_RA=true
else
	MODEL_RA=false
fi
mkdir "$CG" && echo 32M > "$CG/memory.limit_in_bytes" ||
	{ echo "swap-readahead-host: cannot make a memory cgroup" >&2; exit 1; }
echo "host: $(uname -r), page-cluster $(cat /proc/sys/vm/page-cluster)," \
	"vma_ra_enabled $VMA_RA, swap on $SWAPDEV ($DEV, rotational $ROT):" \
	"$([ "$MODEL_RA" = true ] && echo swap_vma_readahead || echo swap_cluster_readahead)"
# in the background, so that a signal's trap runs at once (and kills it)
# (the paths as arguments, never spliced into the command's text)
sh -c 'echo $$ > "$1/cgroup.procs" && exec timeout 300 "$2/wl" 24576 "$2/pages"' \
	sh "$CG" "$DIR" > "$DIR/host.out" &
wait $!
sed 's/^/host  /' "$DIR/host.out"
undo_swap
echo "model: $VMSCOPE, default profile, memory=1G, swap.size=256M," \
	"swap.vma_readahead=$MODEL_RA, cgroup max=32M"
prev="majflt=0 pswpin=0 pswpout=0 swap_ra=0 swap_ra_hits=0"
for mark in populate random sequential; do
	sed "/^1 note @$mark\$/q" "$DIR/model.vmt" > "$DIR/m-$mark.vmt"
	cur=$("$VMSCOPE" run -s memory=1G -s swap.size=256M \
		-s swap.vma_readahead="$MODEL_RA" "$DIR/m-$mark.vmt" |
		awk '$1 ~ /^(majflt|swap_ra|swap_ra_hits|pswpin|pswpout)$/ && !seen[$1]++ { printf "%s=%s ", $1, $2 }')
	echo "$prev|$cur" | awk -v m="$mark" -F'|' '{
		n = split($1, a, " "); split($2, b, " "); printf "model %-10s", m
		for (i = 1; i <= n; i++) { split(a[i], x, "="); split(b[i], y, "="); printf " %s=%d", y[1], y[2] - x[2] }
		print "" }'
	prev=$cur
done
