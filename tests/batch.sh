#!/bin/sh
# vmscope batch (docs/batch.md): the Belady grid's fault counts, one row per
# cell holding every global statistic, reruns that skip finished cells, a
# sweep killed with SIGKILL and resumed, a failing cell that stops no other,
# the GNU parallel and Slurm paths merged back to the local results,
# --plot, the progress line only on a terminal, and bad grid files.
#
# An automake test: exit 0 when every case passes, 1 when one fails, 77
# when the program is missing.  Parts whose tool is missing (GNU parallel,
# gnuplot, script) are reported as skipped.
#
# Usage: VMSCOPE=/path/to/vmscope top_srcdir=. sh tests/batch.sh

VMSCOPE=${VMSCOPE:-./vmscope}
case $VMSCOPE in
/*) ;;
*) VMSCOPE=$(pwd)/$VMSCOPE ;;
esac
if [ ! -x "$VMSCOPE" ]; then
	echo "batch: $VMSCOPE is not built; skipping"
	exit 77
fi
top_srcdir=${top_srcdir:-.}
case $top_srcdir in
/*) ;;
*) top_srcdir=$(pwd)/$top_srcdir ;;
esac
EXP=$top_srcdir/traces/experiments

. "$(dirname "$0")/lib.sh"
in_workdir batch

show() {
	echo "exit status $rc"
	[ -s "$1.out" ] && { echo "stdout:"; head -n 8 "$1.out"; }
	[ -s "$1.err" ] && { echo "stderr:"; head -n 8 "$1.err"; }
}

# col FILE NAME: the column number of NAME in FILE's CSV header.
col() {
	head -n 1 "$1" | tr ',' '\n' | grep -nx "$2" | cut -d: -f1
}
# pick FILE COLUMN...: those columns of every data row, in that order,
# comma-separated.
pick() {
	f=$1
	shift
	awk -F, -v want="$*" 'NR == 1 {
		n = split(want, w, " ")
		for (i = 1; i <= NF; i++) at[$i] = i
		next
	}
	{
		line = ""
		for (i = 1; i <= n; i++) line = line (i > 1 ? "," : "") $(at[w[i]])
		print line
	}' "$f"
}
# rows FILE: data rows.
rows() { tail -n +2 "$1" | wc -l | tr -d ' '; }
# whole FILE: every line has as many fields as the header (no half rows).
whole() {
	awk -F, 'NR == 1 { n = NF } NF != n { bad = 1 } END { exit bad }' "$1"
}

# ---- help ---------------------------------------------------------------------

vm help batch --help
if [ "$rc" = 0 ] && grep -q -- '--emit' help.out && grep -q -- '--merge' help.out &&
   grep -q -- '--cell' help.out && grep -q -- '--jobs' help.out; then
	ok "vmscope batch --help exits 0 and lists --jobs, --emit, --cell, --merge"
else
	not_ok "vmscope batch --help" "$(show help)"
fi

# ---- the Belady grid ----------------------------------------------------------

vm bel batch -j 2 -o bel "$EXP/belady.ini"
# off a terminal: one plain line per finished cell, no redrawn line
if [ "$rc" = 0 ] && [ -f bel/results.csv ] &&
   [ "$(grep -c '^batch: cell [0-5] (trace=belady.vmt memory=1[26]K reclaim.policy=[a-z]*) done in 0:0[0-9]; [1-6]/6 done' bel.err)" = 6 ] &&
   [ "$(grep -c . bel.err)" = 6 ] && ! grep -q "$(printf '\r')" bel.err; then
	ok "the Belady grid runs: exit 0, off a terminal a line per finished cell"
else
	not_ok "the Belady grid runs: exit 0, off a terminal a line per finished cell" "$(show bel)"
fi
# fifo, lru, opt, each with 3 then 4 frames
got=
for p in fifo lru opt; do
	for m in 12K 16K; do
		v=$(pick bel/results.csv reclaim.policy memory pgfault |
		    grep "^$p,$m," | cut -d, -f3)
		got="$got${got:+ }$v"
	done
done
if [ "$got" = "9 10 10 8 7 6" ] && [ "$(rows bel/results.csv)" = 6 ]; then
	ok "Belady: pgfault fifo/lru/opt x 3/4 frames is 9 10 10 8 7 6"
else
	not_ok "Belady: pgfault fifo/lru/opt x 3/4 frames is 9 10 10 8 7 6" \
	       "got: $got" "$(cat bel/results.csv)"
fi

# the header: trace, the varied keys in grid order, every global statistic
"$VMSCOPE" run -f csv -p tiny -s memory=16K -s reclaim.policy=lru \
	"$EXP/belady.vmt" >one.csv 2>one.err
stats=$(grep '^global,' one.csv | cut -d, -f3 | tr '\n' ',' | sed 's/,$//')
values=$(grep '^global,' one.csv | cut -d, -f4 | tr '\n' ',' | sed 's/,$//')
# batch lists the several-CPU statistics always (one grid may vary cpus);
# run lists them only with several CPUs or threads: 0 here
stats="$stats,tlb_shootdowns,ipis_sent,tlb_flush_full,tlb_flush_pages,tlb_lazy_skips"
values="$values,0,0,0,0,0"
# and the file and shmem huge-page ones (one grid may vary thp.enabled or
# shmem.huge); run lists them only where such folios may be PMD-mapped
stats="$stats,thp_file_alloc,thp_file_fallback,thp_file_mapped,file_pmd_mapped,shmem_pmd_mapped,shmem_huge_pages"
values="$values,0,0,0,0,0,0"
if [ "$(head -n 1 bel/results.csv)" = "trace,memory,reclaim.policy,ran,killed,stopped,$stats" ]; then
	ok "results.csv header: trace, each varied key, ran, killed, stopped, every global statistic"
else
	not_ok "results.csv header" "$(head -n 1 bel/results.csv)" \
	       "want: trace,memory,reclaim.policy,ran,killed,stopped,$stats"
fi
if grep -qx "belady.vmt,16K,lru,1.0000,0,no,$values" bel/results.csv; then
	ok "a cell's row: all of the trace ran, and the numbers of 'vmscope run -f csv'"
else
	not_ok "a cell's row equals 'vmscope run -f csv' with the same settings" \
	       "want: belady.vmt,16K,lru,1.0000,0,no,$values" "$(cat bel/results.csv)"
fi

cp bel/results.csv bel-first.csv
vm bel2 batch -j 2 -o bel "$EXP/belady.ini"
if [ "$rc" = 0 ] && grep -q '(0 now, 6 from an earlier run)' bel2.out &&
   cmp -s bel/results.csv bel-first.csv; then
	ok "a rerun skips the 6 finished cells and rebuilds the same results.csv"
else
	not_ok "a rerun skips finished cells" "$(show bel2)"
fi

vm belforce batch -q --force -j 1 -o bel "$EXP/belady.ini"
if [ "$rc" = 0 ] && [ ! -s belforce.out ] && cmp -s bel/results.csv bel-first.csv; then
	ok "--force reruns every cell, -q prints nothing, the results are the same"
else
	not_ok "--force reruns every cell with the same results" "$(show belforce)"
fi

# ---- the progress line ----------------------------------------------------------

if script -qec true /dev/null >/dev/null 2>&1; then
	script -qec "'$VMSCOPE' batch --force -j 2 -o bel '$EXP/belady.ini'" \
		/dev/null >tty.out 2>&1 </dev/null
	if grep -q 'batch: [0-9]*/6 done' tty.out && grep -q 'running' tty.out &&
	   grep -q 'failed' tty.out && ! grep -q '^batch: cell' tty.out; then
		ok "on a terminal a progress line shows cells done, running, failed"
	else
		not_ok "on a terminal a progress line shows cells done, running, failed" \
		       "$(head -c 600 tty.out)"
	fi
else
	skip "the progress line on a terminal" "no script(1)"
fi

# ---- --plot ---------------------------------------------------------------------

if command -v gnuplot >/dev/null 2>&1; then
	vm plot batch --plot -o bel "$EXP/belady.ini"
	png=bel/plot-pgfault.png
	svg=bel/plot-pgfault.svg
	pdf=bel/plot-pgfault.pdf
	if [ "$rc" = 0 ] && [ -s "$png" ] && [ -s "$svg" ] && [ -s "$pdf" ] &&
	   [ "$(head -c 4 "$png" | tail -c 3)" = PNG ] && grep -q '<svg' "$svg" &&
	   [ "$(head -c 4 "$pdf")" = %PDF ] &&
	   grep -q 'plot-pgfault.dat' bel/plot-pgfault.gp &&
	   [ "$(grep -c . bel/plot-pgfault.dat)" = 6 ] &&
	   ! ls bel | grep -q '\.......$'; then
		ok "--plot writes a PNG, an SVG, a PDF, the gnuplot script and its data"
	else
		not_ok "--plot writes a PNG, an SVG, a PDF, the gnuplot script and its data" \
		       "$(show plot)" "$(ls -l bel)"
	fi
	# what the plot says: words and units, not the grid's file name
	if grep -qx "set title 'Page faults against memory'" bel/plot-pgfault.gp &&
	   grep -qx "set ylabel 'Page faults'" bel/plot-pgfault.gp &&
	   grep -q "title 'reclaim.policy'" bel/plot-pgfault.gp &&
	   ! grep -q 'set title.*\.ini' bel/plot-pgfault.gp &&
	   ! grep -q 'logscale' bel/plot-pgfault.gp &&
	   grep -q 'lmargin at screen' bel/plot-pgfault.gp; then
		ok "the plot's title and labels are words, the frame fixed, no log scale for 12K..16K"
	else
		not_ok "the plot's title and labels" "$(head -n 30 bel/plot-pgfault.gp)"
	fi
	# the script redraws by hand
	rm -f "$png"
	if (cd bel && gnuplot plot-pgfault.gp) >/dev/null 2>&1 && [ -s "$png" ]; then
		ok "DIR/plot-METRIC.gp redraws the plot by hand"
	else
		not_ok "DIR/plot-METRIC.gp redraws the plot by hand"
	fi
	vm plotm batch --plot --metric majflt -q -o bel "$EXP/belady.ini"
	if [ "$rc" = 0 ] && [ -s bel/plot-majflt.svg ]; then
		ok "--metric plots another statistic"
	else
		not_ok "--metric plots another statistic" "$(show plotm)"
	fi
	# times in a unit, logarithmic axes where the values span over 10x,
	# and [plot]'s own words
	cat >style.ini <<EOF
[grid]
traces=$EXP/belady.vmt
profile=tiny
plot=sim_time_ns
[vary]
memory=12K;16K;256K
reclaim.policy=fifo;opt
[plot]
title=Belady, once more   # a comment
ylabel=time to run it
EOF
	vm style batch -q --plot -o style style.ini
	gp=style/plot-sim_time_ns.gp
	if [ "$rc" = 0 ] && grep -qx "set title 'Belady, once more'" "$gp" &&
	   grep -qx "set ylabel 'time to run it'" "$gp" && grep -qx "set xlabel 'memory'" "$gp" &&
	   grep -qx 'set logscale x' "$gp" && [ -s style/plot-sim_time_ns.pdf ]; then
		ok "[plot] sets the title and a label; memory 12K..256K on a log scale"
	else
		not_ok "[plot] sets the title and a label; memory on a log scale" "$(show style)" "$(head -n 30 "$gp" 2>&1)"
	fi
	vm style2 batch -q --plot --metric disk_busy_ns -o style style.ini
	vm style3 batch -q --plot --metric pgfault/access -o style style.ini
	if grep -qx "set ylabel 'Disk busy time (ms)'" style/plot-disk_busy_ns.gp &&
	   grep -qx "set ylabel 'Page faults per access'" style/plot-pgfault-per-access.gp &&
	   [ -s style/plot-pgfault-per-access.png ]; then
		ok "times are drawn in a unit (ms); NAME/access divides by the accesses"
	else
		not_ok "times in a unit; NAME/access" "$(show style2)" "$(show style3)" \
		       "$(grep ylabel style/*.gp)"
	fi
else
	skip "--plot writes a PNG and an SVG" "gnuplot is not installed"
fi

# ---- a failing cell ---------------------------------------------------------------

mkdir fail
cp "$EXP/belady.vmt" fail/good.vmt
printf 'vmt 1\n1 mmap 0x1000 8K rw private anon\n1 w 0x1000\n1 jump 0x2000\n' >fail/bad.vmt
cat >fail/grid.ini <<'EOF'
[grid]
traces = good.vmt ; bad.vmt ; missing.vmt
profile = tiny
[vary]
memory = 12K ; 16K
EOF
vm fail batch -j 2 -o failout fail/grid.ini
if [ "$rc" = 1 ] &&
   grep -q "cell 2 (trace=bad.vmt memory=12K) failed: .*bad.vmt:4:3: .*jump" fail.err &&
   grep -q "cell 3 (trace=bad.vmt memory=16K) failed" fail.err &&
   grep -q "cell 4 (trace=missing.vmt memory=12K) failed: .*missing.vmt" fail.err &&
   [ "$(rows failout/results.csv)" = 2 ] &&
   [ "$(pick failout/results.csv trace memory | tr '\n' ' ')" = "good.vmt,12K good.vmt,16K " ] &&
   [ "$(grep -c . failout/errors.txt)" = 4 ]; then
	ok "failing cells are reported with their errors, exit 1, the others finish"
else
	not_ok "failing cells are reported with their errors, exit 1, the others finish" \
	       "$(show fail)" "$(cat failout/results.csv failout/errors.txt 2>&1)"
fi
# fix the bad trace: a rerun retries the failed cells only
cp "$EXP/belady.vmt" fail/bad.vmt
vm fail2 batch -j 2 -o failout fail/grid.ini
if [ "$rc" = 1 ] && grep -q '(2 now, 2 from an earlier run), 2 failed' fail2.out &&
   [ "$(rows failout/results.csv)" = 4 ] &&
   [ "$(grep -c . failout/errors.txt)" = 2 ]; then
	ok "a rerun skips finished cells and retries the failed ones"
else
	not_ok "a rerun skips finished cells and retries the failed ones" \
	       "$(show fail2)" "$(cat failout/errors.txt 2>&1)"
fi

# ---- killed midway, then resumed ----------------------------------------------------

# six slow cells, two at a time; SIGKILL the sweep once the first is done
cat >slow.vmt <<'EOF'
vmt 1
1 mmap 0x10000000 24M rw private anon
1 seq w 0x10000000 24M stride=1
EOF
cat >slow.ini <<'EOF'
[grid]
traces=slow.vmt
[vary]
tlb.policy=lru;fifo;random
tlb.l1.entries=32;64
EOF
"$VMSCOPE" batch -q -j 2 -o kill slow.ini >kill.out 2>kill.err </dev/null &
pid=$!
tries=0
while [ "$(ls kill/cells 2>/dev/null | grep -c '^cell-[0-9]*\.csv$')" = 0 ] &&
      [ $tries -lt 600 ]; do
	sleep 0.1
	tries=$((tries + 1))
done
kill -9 $pid 2>/dev/null
{ wait $pid; } 2>/dev/null
krc=$?
sleep 0.3
before=$(ls kill/cells | grep -c '^cell-[0-9]*\.csv$')
if [ "$krc" = 137 ] && [ "$before" -ge 1 ]; then
	ok "a sweep killed with SIGKILL after $before of 6 cells"
else
	not_ok "a sweep killed with SIGKILL midway" "status $krc, $before cells" \
	       "$(cat kill.err)"
fi
if [ -f kill/results.csv ] && ! whole kill/results.csv; then
	not_ok "the killed sweep's results.csv has no half row" "$(cat kill/results.csv)"
else
	ok "the killed sweep's results.csv has no half row"
fi
# this run's workers only (their program is $VMSCOPE): another test run on
# the machine has workers of its own with the same arguments
orphans=$(ps -eo args 2>/dev/null | grep -F -- "$VMSCOPE batch -q --cell" |
	  grep -c -- "--out kill ")
if [ "$orphans" = 0 ]; then
	ok "no worker outlives the killed sweep"
else
	not_ok "no worker outlives the killed sweep" "$(ps -eo pid,args | grep '[-]-cell')"
fi
vm resume batch -j 2 -o kill slow.ini
left=$((6 - before))
if [ "$rc" = 0 ] && grep -q "($left now, $before from an earlier run), 0 failed" resume.out &&
   [ "$(rows kill/results.csv)" = 6 ] && whole kill/results.csv &&
   [ -z "$(pick kill/results.csv tlb.policy tlb.l1.entries | sort | uniq -d)" ] &&
   [ "$(pick kill/results.csv tlb.policy tlb.l1.entries | sort -u | wc -l)" = 6 ]; then
	ok "the rerun runs the $left unfinished cells: every cell exactly once"
else
	not_ok "the rerun runs the unfinished cells: every cell exactly once" \
	       "$(show resume)" "$(cat kill/results.csv)"
fi
if [ "$before" -lt 6 ]; then
	ok "the kill came while cells were still to run ($left of 6)"
else
	skip "the kill came while cells were still to run" "all 6 had finished: a fast machine"
fi

# ---- a worker that crashes ---------------------------------------------------------

# kill one worker with SIGABRT, as a failed assertion would: its cell
# fails with the signal named, exit status 2, and the other cell finishes
cat >segv.ini <<'EOF'
[grid]
traces=slow.vmt
[vary]
tlb.policy=lru;fifo
EOF
segvdir=segv-$$
"$VMSCOPE" batch -j 2 -o "$segvdir" segv.ini >segv.out 2>segv.err </dev/null &
pid=$!
wpid=
tries=0
while [ -z "$wpid" ] && [ $tries -lt 300 ]; do
	sleep 0.1
	tries=$((tries + 1))
	wpid=$(ps -eo pid,args 2>/dev/null | grep -- "--cell 0 --out $segvdir " |
	       grep -v grep | awk '{ print $1 }' | head -n 1)
done
[ -n "$wpid" ] && kill -ABRT "$wpid"
wait $pid
rc=$?
if [ -n "$wpid" ] && [ "$rc" = 2 ] &&
   grep -q "cell 0 (trace=slow.vmt tlb.policy=lru) failed: killed by signal 6" segv.err &&
   [ "$(rows "$segvdir/results.csv")" = 1 ] &&
   [ "$(pick "$segvdir/results.csv" tlb.policy)" = fifo ]; then
	ok "a worker killed by SIGABRT: its cell fails naming the signal, exit 2, the other finishes"
else
	not_ok "a worker killed by SIGABRT" "worker: $wpid" "$(show segv)"
fi

# SIGTERM stops a sweep: its workers end, it says so, exit 128+15
termdir=term-$$
"$VMSCOPE" batch -j 2 -o "$termdir" segv.ini >term.out 2>term.err </dev/null &
pid=$!
tries=0
while ! ps -eo args 2>/dev/null | grep -- "--out $termdir " | grep -qv grep &&
      [ $tries -lt 300 ]; do
	sleep 0.1
	tries=$((tries + 1))
done
kill -TERM $pid
wait $pid
rc=$?
sleep 0.2
if [ "$rc" = 143 ] && grep -q 'interrupted; .* a rerun runs the rest' term.err &&
   [ -f "$termdir/results.csv" ] && whole "$termdir/results.csv" &&
   ! ps -eo args 2>/dev/null | grep -- "--out $termdir " | grep -qv grep; then
	ok "SIGTERM stops the sweep and its workers, writes results.csv, exits 143"
else
	not_ok "SIGTERM stops the sweep and its workers" "$(show term)"
fi

# ---- GNU parallel, --merge ---------------------------------------------------------

vm emitp batch --emit parallel -o par "$EXP/belady.ini"
if [ "$rc" = 0 ] && [ "$(grep -c -- '--cell' par/jobs.txt)" = 6 ] &&
   grep -q 'parallel --will-cite --sshlogin' emitp.out &&
   grep -q -- '--merge' emitp.out && [ ! -f par/results.csv ]; then
	ok "--emit parallel writes 6 jobs and prints how to run and merge them"
else
	not_ok "--emit parallel writes 6 jobs" "$(show emitp)" "$(cat par/jobs.txt 2>&1)"
fi
if command -v parallel >/dev/null 2>&1; then
	mkdir -p home
	HOME=$T/home parallel --will-cite -j 2 <par/jobs.txt >par.out 2>par.err
	prc=$?
	vm merge batch --merge par
	if [ "$prc" = 0 ] && [ "$rc" = 0 ] && cmp -s par/results.csv bel-first.csv; then
		ok "GNU parallel runs the jobs; --merge gives the local results.csv"
	else
		not_ok "GNU parallel runs the jobs; --merge gives the local results.csv" \
		       "parallel: $prc $(cat par.err)" "$(show merge)" \
		       "$(diff par/results.csv bel-first.csv 2>&1)"
	fi
else
	skip "GNU parallel runs the jobs; --merge gives the local results" \
	     "GNU parallel is not installed"
fi
# a second emit lists only the cells without a result
rm -f par/cells/cell-1.csv par/cells/cell-4.csv
vm emitp2 batch --emit parallel -o par "$EXP/belady.ini"
if [ "$rc" = 0 ] && [ "$(grep -c . par/jobs.txt)" = 2 ] &&
   grep -q -- '--cell 1 ' par/jobs.txt && grep -q -- '--cell 4 ' par/jobs.txt; then
	ok "--emit lists only the cells without a result"
else
	not_ok "--emit lists only the cells without a result" "$(cat par/jobs.txt)"
fi
vm merge2 batch --merge par
if [ "$rc" = 1 ] && grep -q '2 not run' merge2.out && [ "$(rows par/results.csv)" = 4 ]; then
	ok "--merge with cells missing writes what there is and exits 1"
else
	not_ok "--merge with cells missing writes what there is and exits 1" "$(show merge2)"
fi

# ---- Slurm ----------------------------------------------------------------------

vm emits batch --emit slurm -o slurm "$EXP/belady.ini"
if [ "$rc" = 0 ] && grep -q '^#SBATCH --array=0-5$' slurm/slurm.sh &&
   grep -q 'SLURM_ARRAY_TASK_ID' slurm/slurm.sh && grep -q 'sbatch' emits.out; then
	ok "--emit slurm writes an array script for cells 0-5"
else
	not_ok "--emit slurm writes an array script" "$(show emits)" "$(cat slurm/slurm.sh 2>&1)"
fi
# what Slurm would do: each array task runs the script with its id
srun_ok=yes
for id in 0 1 2 3 4 5; do
	SLURM_ARRAY_TASK_ID=$id sh slurm/slurm.sh >/dev/null 2>&1 || srun_ok=no
done
vm merges batch --merge slurm
if [ "$srun_ok" = yes ] && [ "$rc" = 0 ] && cmp -s slurm/results.csv bel-first.csv; then
	ok "the Slurm array's tasks and --merge give the local results.csv"
else
	not_ok "the Slurm array's tasks and --merge give the local results.csv" \
	       "tasks: $srun_ok" "$(show merges)"
fi

# ---- cells that ran only part of their trace ---------------------------------------

# 8M written then read in 4M or 6M with 1M of swap: the OOM killer kills the
# process (oom.policy=badness), or the run stops (none); at 16M all of it runs
cat >hog.vmt <<'EOF'
vmt 1
1 mmap 0x10000000 8M rw private anon
1 seq w 0x10000000 8M
1 seq r 0x10000000 8M
EOF
cat >hog.ini <<'EOF'
[grid]
traces=hog.vmt
plot=pgfault
[set]
swap.size=1M
[vary]
memory=4M;16M
oom.policy=badness;none
EOF
vm hog batch -j 2 -o hog hog.ini
got=$(pick hog/results.csv memory oom.policy killed stopped | tr '\n' ' ')
ran4=$(pick hog/results.csv memory oom.policy ran | grep '^4M,badness,' | cut -d, -f3)
if [ "$rc" = 0 ] &&
   [ "$got" = "4M,badness,1,no 4M,none,0,oom 16M,badness,0,no 16M,none,0,no " ] &&
   awk -v r="$ran4" 'BEGIN { exit !(r > 0.2 && r < 0.5) }' &&
   [ "$(pick hog/results.csv memory ran | grep -c '^16M,1.0000$')" = 2 ] &&
   grep -q '4 finished (4 now, 0 from an earlier run) (2 incomplete: 1 with a process killed, 1 stopped out of memory), 0 failed' hog.out &&
   grep -q 'cell 0 (.*) done in .*, ran [0-9]*% of its trace (a process was killed)' hog.err &&
   grep -q 'cell 1 (.*) done in .*, ran [0-9]*% of its trace (out of memory)' hog.err; then
	ok "cells that ran part of their trace: ran, killed and stopped say so, the summary counts them"
else
	not_ok "cells that ran part of their trace" "$(show hog)" "$got ran=$ran4" \
	       "$(cut -d, -f1-8 hog/results.csv 2>&1)"
fi
if command -v gnuplot >/dev/null 2>&1; then
	vm hogplot batch -q --merge hog --plot --metric pgfault/access
	gp=hog/plot-pgfault-per-access.gp
	if [ "$rc" = 0 ] && grep -q "title 'ran only part of its trace'" "$gp" &&
	   [ "$(awk -F'\t' 'NF == 4 && $4 == 0' hog/plot-pgfault-per-access.dat | wc -l)" = 2 ] &&
	   [ -s hog/plot-pgfault-per-access.png ]; then
		ok "the plot circles the cells that ran only part of their trace"
	else
		not_ok "the plot marks incomplete cells" "$(show hogplot)" "$(cat hog/plot-pgfault-per-access.dat 2>&1)"
	fi
	vm belmark batch -q --merge bel --plot
	if ! grep -q 'ran only part' bel/plot-pgfault.gp; then
		ok "a grid whose cells all ran whole has no such mark"
	else
		not_ok "a grid whose cells all ran whole has no such mark"
	fi
fi

# ---- cell files: validated on resume and merge --------------------------------------

# copy the finished Belady sweep and damage its cell files in four ways
rm -rf tamper && cp -r bel tamper && rm -f tamper/plot-*
sed -i 's/^trace,memory/trace,MEMORY/' tamper/cells/cell-0.csv
sed -i '3s/,0$/,x0/' tamper/cells/cell-1.csv
sed -i '3s/^belady.vmt,12K,opt,/belady.vmt,16K,opt,/' tamper/cells/cell-2.csv
head -c 200 bel/cells/cell-3.csv >tamper/cells/cell-3.csv
vm tmerge batch --merge tamper
if [ "$rc" = 1 ] &&
   grep -q 'tamper/cells/cell-0.csv: its header is not' tmerge.err &&
   grep -q 'tamper/cells/cell-1.csv: a statistic in its row is not a count' tmerge.err &&
   grep -q 'tamper/cells/cell-2.csv: its row has other \[vary\] values than the cell' tmerge.err &&
   grep -q 'tamper/cells/cell-3.csv: not whole' tmerge.err &&
   grep -q '4 bad' tmerge.out && [ "$(rows tamper/results.csv)" = 2 ] &&
   [ "$(grep -c 'cells/cell-[0-3].csv: ' tmerge.err)" = 4 ]; then
	ok "--merge: each bad cell file is an error naming it and why; exit 1"
else
	not_ok "--merge with bad cell files" "$(show tmerge)" "$(cat tamper/results.csv)"
fi
vm tresume batch -j 2 -o tamper "$EXP/belady.ini"
if [ "$rc" = 0 ] && [ "$(grep -c 'cell-[0-3].csv: .*; the cell runs again' tresume.err)" = 4 ] &&
   grep -q '(4 now, 2 from an earlier run)' tresume.out &&
   cmp -s tamper/results.csv bel-first.csv; then
	ok "a sweep reruns the cells whose files are bad, naming them: the results are whole again"
else
	not_ok "a sweep reruns bad cells" "$(show tresume)" "$(diff tamper/results.csv bel-first.csv)"
fi

# ---- grid files that are not grid files --------------------------------------------

vm zero batch -o zeroout /dev/zero
if [ "$rc" = 1 ] && grep -q '/dev/zero: larger than 1048576 bytes' zero.err && [ ! -e zeroout ]; then
	ok "a grid file that is /dev/zero: refused, naming the file and the limit"
else
	not_ok "a grid file that is /dev/zero" "$(show zero)"
fi
{ printf '[grid]\ntraces=b.vmt\n'; head -c 1100000 /dev/zero | tr '\0' '#'; echo; } >huge.ini
vm huge batch -o hugeout huge.ini
if [ "$rc" = 1 ] && grep -q 'huge.ini: larger than 1048576 bytes' huge.err && [ ! -e hugeout ]; then
	ok "a grid file over 1 MiB: refused"
else
	not_ok "a grid file over 1 MiB" "$(show huge)"
fi
vm neg batch --cell -5 "$EXP/belady.ini" negout
if [ "$rc" = 1 ] && grep -q -- '--cell -5: expected a cell number' neg.err && [ ! -e negout ]; then
	ok "--cell -5 is an error, not the whole sweep"
else
	not_ok "--cell -5 is an error" "$(show neg)" "$(ls negout 2>&1)"
fi

# ---- --emit with hostile names ---------------------------------------------------------

# A directory and a grid whose names hold a quote, $(...), backticks, a
# semicolon, spaces and a leading dash: the emitted jobs must pass them
# through as names and run nothing else.  A fake vmscope records the
# arguments it gets, one per line.
hdir="-d it's \$(touch PWNED1) \`touch PWNED2\`; touch PWNED3 & {} x"
mkdir -p -- "$hdir/grids"
cp -- "$EXP/belady.vmt" "$hdir/grids/"
hgrid="$hdir/grids/g \$(touch PWNED4)'\"; touch PWNED5.ini"
cp -- "$EXP/belady.ini" "$hgrid"
mkdir -p fake
cat >fake/vmscope <<'EOF'
#!/bin/sh
for a in "$@"; do printf '%s\n' "$a"; done >>"${FAKE_LOG:?}"
echo -- >>"$FAKE_LOG"
EOF
chmod +x fake/vmscope
FAKE_LOG=$T/fake.log
export FAKE_LOG
vm hemit batch --emit parallel --command "$T/fake/vmscope" -o "./$hdir/out" "./$hgrid"
vm hemits batch --emit slurm --command "$T/fake/vmscope" -o "./$hdir/out" "./$hgrid"
: >fake.log
jobs_ok=no
if bash -n "./$hdir/out/jobs.txt" 2>/dev/null && bash -n "./$hdir/out/slurm.sh" 2>/dev/null &&
   [ "$(grep -c . "./$hdir/out/jobs.txt")" = 6 ]; then
	jobs_ok=yes
fi
(cd "$T/fake" && sh "$T/$hdir/out/jobs.txt") >/dev/null 2>&1
(cd "$T/fake" && SLURM_ARRAY_TASK_ID=4 sh "$T/$hdir/out/slurm.sh") >/dev/null 2>&1
# what every call should have been given
want_args() {
	printf 'batch\n--cell\n%s\n--out\n%s\n%s\n--\n' "$1" "$T/$hdir/out" "$T/$hgrid"
}
{ for k in 0 1 2 3 4 5; do want_args $k; done; want_args 4; } >fake.want
pwned=$(find . "$T/fake" -name 'PWNED*' 2>/dev/null)
if [ "$jobs_ok" = yes ] && [ -z "$pwned" ] && cmp -s fake.log fake.want &&
   [ -f "./$hdir/out/logs/cell-4.log" ]; then
	ok "--emit with hostile names: bash -n passes, each job passes the names as given, nothing else runs"
else
	not_ok "--emit with hostile names" "jobs: $jobs_ok; created: $pwned" \
	       "$(show hemit)" "$(diff fake.log fake.want | head -n 12)" \
	       "$(head -n 2 "./$hdir/out/jobs.txt")" "$(tail -n 3 "./$hdir/out/slurm.sh")"
fi
# the real thing, through the same hostile names: jobs run, --merge merges
rm -rf -- "./$hdir/out"
vm hemit2 batch --emit parallel -o "./$hdir/out" "./$hgrid"
(sh "./$hdir/out/jobs.txt" >/dev/null 2>&1)
vm hemitm batch --merge "./$hdir/out"
pwned=$(find . -name 'PWNED*' 2>/dev/null)
if [ "$rc" = 0 ] && [ -z "$pwned" ] && cmp -s "./$hdir/out/results.csv" bel-first.csv; then
	ok "the emitted jobs of hostile names run for real and merge to the local results"
else
	not_ok "the emitted jobs of hostile names run for real" "$(show hemitm)" "created: $pwned"
fi
# a newline cannot be quoted on one job line: refused, nothing written
nl="$(printf 'a\nb')"
vm hnl batch --emit parallel -o "nl-$nl" "$EXP/belady.ini"
vm hnl2 batch --emit slurm --command "$(printf 'vmscope\necho PWNED')" -o nlout "$EXP/belady.ini"
if [ "$rc" = 1 ] && grep -q -- '--emit: --command "vmscope\\necho PWNED" has a newline' hnl2.err &&
   grep -q 'has a newline or another control character' hnl.err && [ ! -e "nl-$nl" ] &&
   [ ! -e nlout ]; then
	ok "--emit refuses a newline in --out, the grid's name or --command, writing nothing"
else
	not_ok "--emit refuses a newline" "$(show hnl)" "$(show hnl2)"
fi
mkdir -p "gnl$nl"
cp "$EXP/belady.vmt" "$EXP/belady.ini" "gnl$nl/"
vm hnl3 batch --emit parallel -o nlout3 "gnl$nl/belady.ini"
if [ "$rc" = 1 ] && grep -q 'the grid file ".*gnla\\nb/belady.ini" has a newline' hnl3.err &&
   [ ! -e nlout3 ]; then
	ok "--emit refuses a grid file whose path has a newline"
else
	not_ok "--emit refuses a grid file whose path has a newline" "$(show hnl3)"
fi

# ---- Ctrl-C ------------------------------------------------------------------------------

# Ctrl-C reaches the sweep and its workers at once (one process group):
# the cells that were running are interrupted, not failed.
if command -v setsid >/dev/null 2>&1 && env --default-signal=INT true 2>/dev/null; then
	setsid env --default-signal=INT "$VMSCOPE" batch -j 2 -o cc slow.ini \
		>cc.out 2>cc.err </dev/null &
	pid=$!
	tries=0
	while ! ps -eo args 2>/dev/null | grep -- "--out cc " | grep -qv grep &&
	      [ $tries -lt 300 ]; do
		sleep 0.1
		tries=$((tries + 1))
	done
	sleep 0.3
	kill -INT -$pid 2>/dev/null
	wait $pid
	rc=$?
	if [ "$rc" = 130 ] && grep -q 'interrupted; .* a rerun runs the rest' cc.err &&
	   ! grep -qE ') failed: |cells failed' cc.err && [ ! -e cc/errors.txt ] &&
	   ! ls cc/cells | grep -q '\.err$' && grep -q ', 0 failed, [12] interrupted' cc.out; then
		ok "Ctrl-C: the running cells are interrupted, not failed; exit 130"
	else
		not_ok "Ctrl-C: the running cells are interrupted, not failed" "$(show cc)" \
		       "$(cat cc/errors.txt 2>&1)"
	fi
else
	skip "Ctrl-C: the running cells are interrupted" "no setsid or env --default-signal"
fi

# ---- the files in DIR ---------------------------------------------------------------

# a plot file that is a link to a device stays one, and the device a
# device (a private node where we can make one: a regressed writer would
# replace the machine's /dev/null as root)
devnull=/dev/null
if mknod dev-null c 1 3 2>/dev/null && echo x >dev-null 2>/dev/null; then
	devnull=$T/dev-null
elif [ "$(id -u)" = 0 ]; then
	devnull=
fi
if command -v gnuplot >/dev/null 2>&1 && [ -n "$devnull" ]; then
	rm -f bel/plot-pgfault.svg
	ln -s "$devnull" bel/plot-pgfault.svg
	vm devplot batch -q --merge bel --plot
	if [ "$rc" = 0 ] && [ -L bel/plot-pgfault.svg ] && [ -c "$devnull" ] &&
	   [ -s bel/plot-pgfault.png ]; then
		ok "--plot writes through a link to a device; both stay what they were"
	else
		not_ok "--plot through a link to a device" "$(show devplot)" "$(ls -l bel/plot-pgfault.svg "$devnull")"
	fi
	rm -f bel/plot-pgfault.svg
fi
# results.csv keeps its old contents when writing the new one fails
cp bel/results.csv bel-before.csv
(trap '' XFSZ; ulimit -f 1; "$VMSCOPE" batch --merge bel >fsz.out 2>fsz.err)
frc=$?
if [ "$frc" = 1 ] && grep -q 'results.csv: cannot write: File too large' fsz.err &&
   cmp -s bel/results.csv bel-before.csv && ! ls bel | grep -q '\.......$'; then
	ok "a failed write of results.csv: exit 1 with the reason, the old file kept, no temporary left"
else
	not_ok "a failed write of results.csv" "exit $frc: $(cat fsz.err)" "$(ls bel)"
fi

# ---- usage and bad grid files -----------------------------------------------------

vm nogrid batch nosuch.ini
if [ "$rc" = 1 ] && grep -q 'nosuch.ini' nogrid.err && [ ! -s nogrid.out ] &&
   [ ! -e nosuch-results ]; then
	ok "a missing grid file: exit 1 naming it, no output directory"
else
	not_ok "a missing grid file" "$(show nogrid)"
fi
vm badcell batch --cell 6 "$EXP/belady.ini" cellout
if [ "$rc" = 1 ] && grep -q 'no cell 6' badcell.err; then
	ok "--cell beyond the grid is an error"
else
	not_ok "--cell beyond the grid is an error" "$(show badcell)"
fi
vm badmerge batch --merge .
if [ "$rc" = 1 ] && grep -q 'not a batch output directory' badmerge.err; then
	ok "--merge on a directory without grid.ini is an error"
else
	not_ok "--merge on a directory without grid.ini is an error" "$(show badmerge)"
fi
vm bademit batch --emit make -o em "$EXP/belady.ini"
if [ "$rc" = 1 ] && grep -q "unknown --emit 'make'" bademit.err; then
	ok "--emit with an unknown kind is an error"
else
	not_ok "--emit with an unknown kind is an error" "$(show bademit)"
fi

# badgrid DESCRIPTION EXPECTED-MESSAGE GRID-TEXT: the grid is refused with
# exit 1 and the message (fixed string, "grid.ini:LINE:COL: ...").
badgrid() {
	printf '%s\n' "$3" >grid.ini
	vm badgrid batch -o badout grid.ini
	if [ "$rc" = 1 ] && grep -qF -- "$2" badgrid.err && [ ! -s badgrid.out ] &&
	   [ ! -e badout ]; then
		ok "bad grid: $1"
	else
		not_ok "bad grid: $1" "want: $2" "$(show badgrid)"
	fi
}
cp "$EXP/belady.vmt" b.vmt
badgrid "unknown profile key" "grid.ini:4:1: unknown profile key 'memry'" \
'[grid]
traces=b.vmt
[vary]
memry=12K;16K'
badgrid "bad value, with its column" "grid.ini:4:15: bad value for memory: '12X'" \
'[grid]
traces=b.vmt
[vary]
memory = 12K; 12X'
badgrid "bad policy name" "grid.ini:4:21: bad value for reclaim.policy: 'lfu'" \
'[grid]
traces=b.vmt
[vary] # comment
reclaim.policy=fifo;lfu'
badgrid "unknown group" "grid.ini:2:1: unknown group '[vari]'" \
'[grid]
[vari]'
badgrid "a line that is no KEY=VALUE" "grid.ini:3:3: expected KEY=VALUE or [GROUP], found 'fifo lru'" \
'[grid]
traces=b.vmt
  fifo lru'
badgrid "no traces" "grid.ini:2:1: no 'traces=' in [grid]" \
'# nothing
[grid]
profile=tiny'
badgrid "empty value in a list" "grid.ini:4:21: empty value in the list of 'reclaim.policy'" \
'[grid]
traces=b.vmt
[vary]
reclaim.policy=fifo;;lru'
badgrid "a key given twice" "grid.ini:5:1: 'memory' is given twice" \
'[grid]
traces=b.vmt
[vary]
memory=12K
memory=16K'
badgrid "a value listed twice" "grid.ini:4:12: value '12K' of 'memory' is listed twice" \
'[grid]
traces=b.vmt
[vary]
memory=12K;12K'
badgrid "unknown plot metric" "grid.ini:3:6: unknown statistic 'majflts'" \
'[grid]
traces=b.vmt
plot=majflts'
badgrid "unknown profile" "grid.ini:3:9: " \
'[grid]
traces=b.vmt
profile=nosuch'
badgrid "unknown [grid] key" "grid.ini:3:1: unknown key 'trace' in [grid]" \
'[grid]
traces=b.vmt
trace=b.vmt'
badgrid "a key before any group" "grid.ini:1:1: 'traces' before any group" \
'traces=b.vmt'
badgrid "a key both set and varied" "grid.ini:6:1: 'memory' is both in [set] and in [vary]" \
'[grid]
traces=b.vmt
[set]
memory=12K
[vary]
memory=16K'

# [set] applies to every cell; a grid without [vary] has one cell per trace
cat >set.ini <<EOF
[grid]
traces=$EXP/belady.vmt
profile=tiny
[set]
memory=16K
reclaim.policy=fifo
EOF
vm set batch -q -o setout set.ini
if [ "$rc" = 0 ] && [ "$(rows setout/results.csv)" = 1 ] &&
   [ "$(pick setout/results.csv pgfault)" = 10 ]; then
	ok "[set] applies to every cell (FIFO, 4 frames: 10 faults); absolute trace paths"
else
	not_ok "[set] applies to every cell" "$(show set)" "$(cat setout/results.csv 2>&1)"
fi

# grid_verdict MESSAGE NAME OUTDIR LINES: ok when the run `vm NAME` exited 0
# and the awk verdict above it is "good"; else not ok, with the verdict, the
# run's output and the first LINES of its results.csv.
grid_verdict() {
	if [ "$rc" = 0 ] && [ "$verdict" = good ]; then
		ok "$1"
	else
		not_ok "$1 ($verdict)" "$(show "$2")" "$(head -n "$4" "$3/results.csv" 2>&1)"
	fi
}

# The example grid on a recorded program (sqlite3): 35 cells; with 3M every
# policy sees only the 16 cold major faults; below it FIFO does worse than
# LRU at 768K, and opt (Belady, which knows file pages reached by read()
# and by mappings as well as anonymous ones) has the fewest at every size.
vm sqlite batch -q -j 2 -o sqliteout "$EXP/reclaim-sqlite.ini"
verdict=$(awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == "majflt") c = i; next }
	{ f[$2, $3] = $c; mem[$2] = 1; n++ }
	$2 == "3M" && $c != 16 { bad = "3M" }
	END {
		if (n != 35) bad = "rows"
		if (f["768K", "fifo"] <= f["768K", "lru"]) bad = "fifo"
		for (m in mem)
			for (k in f) {
				split(k, kk, SUBSEP)
				if (kk[1] == m && f[m, "opt"] > f[k]) bad = "opt at " m
			}
		print bad ? bad : "good"
	}' sqliteout/results.csv 2>/dev/null)
grid_verdict "the recorded sqlite3 grid: 35 cells, 16 cold faults at 3M, FIFO worse than LRU at 768K, opt the fewest everywhere" sqlite sqliteout 5

# The same program in a memory cgroup (profile key cgroup.max): 20 cells;
# at 3M only the 16 cold faults; smaller limits fault more under every
# policy; only the policies with shadow entries (lru2q, mglru) count
# refaults; no cell's cgroup runs out (oom_kills 0).
vm memcg batch -q -j 2 -o memcgout "$EXP/reclaim-sqlite-memcg.ini"
verdict=$(awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) { if ($i == "majflt") c = i;
		if ($i == "workingset_refault_file") w = i; if ($i == "oom_kills") o = i }; next }
	{ f[$2, $3] = $c; r[$2, $3] = $w; n++ }
	$2 == "3M" && $c != 16 { bad = "3M" }
	$o != 0 { bad = "oom" }
	END {
		if (n != 20) bad = "rows"
		split("lru2q mglru lru clock", p, " ")
		for (i = 1; i <= 4; i++) {
			if (!(f["768K", p[i]] > f["2M", p[i]])) bad = "size " p[i]
			if ((p[i] == "lru" || p[i] == "clock") && r["768K", p[i]] != 0) bad = "refaults " p[i]
			if ((p[i] == "lru2q" || p[i] == "mglru") && r["768K", p[i]] == 0) bad = "no refaults " p[i]
		}
		print bad ? bad : "good"
	}' memcgout/results.csv 2>/dev/null)
grid_verdict "the recorded sqlite3 grid in a memory cgroup: 20 cells, 16 cold faults at 3M, more at 768K, refaults only with shadow entries" memcg memcgout 5

# Swap-in readahead by address and by slot (docs/batch.md): 24 cells; in
# order the two fault alike (within 1%); interleaved, by address every page
# read ahead is used and the faults about halve with each step of page-cluster,
# while by slot they stop at 2048 with most of what is read unused.
vm swapra batch -q -j 2 -o swapraout "$EXP/swap-readahead.ini"
verdict=$(awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) h[$i] = i; next }
	{ n++; k = $h["trace"] SUBSEP $h["swap.cluster"] SUBSEP $h["swap.vma_readahead"]
	  f[k] = $h["majflt"]; ra[k] = $h["swap_ra"]; hit[k] = $h["swap_ra_hits"] }
	END {
		if (n != 24) { print "rows"; exit }
		for (c = 0; c <= 5; c++) {
			a = f["swap-seq.vmt", c, "true"]; b = f["swap-seq.vmt", c, "false"]
			if (a - b > b / 100 || b - a > b / 100) bad = "seq " c
			i = "swap-interleaved.vmt"
			if (ra[i, c, "true"] != hit[i, c, "true"]) bad = "unused " c
			if (c && f[i, c, "true"] * 2 > f[i, c - 1, "true"] * 17 / 16) bad = "halving " c
		}
		if (f[i, 3, "false"] != 2048 || f[i, 5, "false"] != 2048 ||
		    hit[i, 3, "false"] * 2 > ra[i, 3, "false"]) bad = "by slot"
		print bad ? bad : "good"
	}' swapraout/results.csv 2>/dev/null)
grid_verdict "swap-in readahead grid: by address and by slot alike in order; interleaved, by address every page read is used, by slot the faults stop at 2048" swapra swapraout 3

echo "batch: $passed passed, $failed failed"
[ "$failed" = 0 ]
