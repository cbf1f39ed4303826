/*
 * Processes: what the machine knows of each (its page-table root, its
 * VMAs, its open files, its statistics), and their life: spawn, exit,
 * and the CPU switching between them.  Modelled on the parts of Linux's
 * kernel/fork.c, kernel/exit.c and the scheduler's context switch that
 * touch memory (exit_mmap, switch_mm with or without ASIDs).
 *
 * A dead process stays findable by pid for its statistics; a pid may be
 * reused (after an exit, or after a crash reboots the machine), and the
 * newest process owns it from then on.
 */
#ifndef VM_PROC_H
#define VM_PROC_H

#include "models/machine.h"
#include "models/mm.h"

typedef enum {
	VM_PROC_RUNNING, VM_PROC_EXITED, VM_PROC_KILLED,
} vm_proc_state_t;

typedef enum {
	VM_KILL_NONE, VM_KILL_SIGSEGV, VM_KILL_SIGBUS, VM_KILL_OOM,
	VM_KILL_CRASH,
} vm_kill_t;

struct vm_proc {
	uint32_t pid;
	uint32_t root;           /* top-level page-table id */
	uint8_t state;           /* vm_proc_state_t */
	uint8_t killed_by;       /* vm_kill_t */
	uint8_t catch_mask;      /* 1 << vm_sig_t caught */
	uint8_t last_outcome;    /* vm_outcome_t of the latest access */
	uint16_t memcg;          /* its memory cgroup (memcg.h), 0: none */
	int16_t oom_score_adj;   /* /proc/PID/oom_score_adj (oom.h), -1000 to
				  * 1000; a thread's is its leader's */
	uint32_t last_pfn;       /* the frame it reached (VM_NIL: none yet, or
				  * a signal): `expect frame=` */
	uint8_t anon_moved;      /* a mapping of its moved (mremap), so an
				  * anonymous page's index may not be its
				  * address (mm.h, vm_mm_anon_pte) */
	vm_vma_t *vma;           /* sorted by start, non-overlapping */
	uint32_t nr_vma, cap_vma;
	uint32_t vma_hint;       /* index of the last VMA found */
	/* docs/statistics.md process statistics */
	uint64_t accesses, minflt, majflt, cow_faults;
	uint64_t rss_anon, rss_file, swap_pages, pt_pages;
	uint64_t cpu_ns, wait_ns;
	uint64_t sigsegv, sigbus;
	uint64_t anon_huge;      /* pages mapped by PMD leaves of anonymous
				  * huge pages: smaps' AnonHugePages */
	uint64_t file_pmd, shmem_pmd; /* pages mapped by PMD leaves of file
				  * and shmem folios: smaps' FilePmdMapped
				  * and ShmemPmdMapped */
	GHashTable *fds;         /* fd -> vm_file_t*, NULL until the first open */
	/* Threads (`clone`): a thread is a vm_proc_t of its own for its
	 * statistics (accesses, faults, CPU time: RUSAGE_THREAD), with no
	 * memory of its own; the models get its leader, which owns the mm,
	 * fds and mappings, and whose counters are the whole process's
	 * (RUSAGE_SELF).  Threads are in by_pid but not in procs[]. */
	vm_proc_t *leader;       /* a thread: its group leader; NULL: a process */
	uint32_t nr_threads;     /* a leader: live tasks sharing the mm, itself
				  * included (1: single-threaded) */
	/* the mm's side of TLB shootdowns (models/smp.h), on the leader */
	uint64_t cpumask;        /* mm_cpumask: CPUs that switched to it */
	uint64_t tlb_gen;        /* bumped by each flush_tlb_mm_range */
};

/* Process @pid, or NULL.  Dead processes stay findable for statistics. */
vm_proc_t *vm_proc_lookup(vm_machine_t *m, uint32_t pid);
/* Create process @pid with an empty address space; NULL when the top-level
 * table cannot get a frame. */
vm_proc_t *vm_proc_spawn(vm_machine_t *m, uint32_t pid);
/* End @p: unmap everything, free its page tables, drop its TLB entries,
 * close its files. */
void vm_proc_exit(vm_machine_t *m, vm_proc_t *p, vm_kill_t why);
/* The CPU now runs @p: with tlb.asid=false this flushes the TLBs. */
void vm_proc_switch_to(vm_machine_t *m, vm_proc_t *p);
/*
 * clone(CLONE_VM|CLONE_FILES|CLONE_THREAD): thread @tid of @p's process
 * (@p may itself be a thread: the new one joins the same group).  NULL
 * when @tid is in use.
 */
vm_proc_t *vm_proc_clone_thread(vm_machine_t *m, vm_proc_t *p, uint32_t tid);
/* A thread that is not the leader ends (exit of a thread): only it. */
void vm_proc_thread_exit(vm_machine_t *m, vm_proc_t *t, vm_kill_t why);
/* The process (leader) whose mm @p uses: @p itself or its leader. */
static inline vm_proc_t *vm_proc_mm(vm_proc_t *p)
{
	return G_UNLIKELY(p->leader != NULL) ? p->leader : p;
}

/* Count @n new page-table pages of @p (pt_pages and its peak). */
void vm_proc_count_tables(vm_machine_t *m, vm_proc_t *p, unsigned n);
/* @n page-table pages of @p were freed before its exit (free_pgtables, a
 * page-table reclaim): at most what was counted, since a walk's tables
 * are counted when it returns. */
void vm_proc_uncount_tables(vm_machine_t *m, vm_proc_t *p, unsigned n);

#endif
