/*
 * The system calls a trace makes (syscall.c): the kernel's entry for each
 * op of docs/format.md that is not a memory access.  Each charges its CPU
 * time (cost.syscall, and cost.copy_4k for the bytes read() and write()
 * copy) into res->cost, says in res->ready_at until when the process must
 * wait (for the disk, for dirty throttling, for a timer), and fills the
 * rest of the result (pages, bytes, reasons) from which the engine, the
 * statistics, the narration and the timeline are made.  The clock is the
 * machine's (m->now): the engine advances it by res->cost afterwards.
 *
 * Addresses and lengths are bytes, as the trace gives them; the calls
 * round to pages as Linux does (an msync, munmap or madvise range covers
 * every page it touches).  The engine has checked the arguments against
 * the trace's static rules (docs/format.md) before the replay.
 */
#ifndef VM_SYSCALL_H
#define VM_SYSCALL_H

#include "models/machine.h"
#include "models/mm.h"

void vm_syscall_mmap(vm_machine_t *m, vm_proc_t *p, uint64_t addr,
		     uint64_t len, uint32_t prot, uint32_t flags, int32_t fd,
		     uint64_t off, vm_result_t *res);
void vm_syscall_munmap(vm_machine_t *m, vm_proc_t *p, uint64_t addr,
		       uint64_t len, vm_result_t *res);
void vm_syscall_mprotect(vm_machine_t *m, vm_proc_t *p, uint64_t addr,
			 uint64_t len, uint32_t prot, vm_result_t *res);
/* `map` (not a system call: an exercise's given page table, mm.c's
 * vm_mm_map_frame), costed as an event like the others. */
vm_mapf_rc_t vm_syscall_map(vm_machine_t *m, vm_proc_t *p, uint64_t addr,
			    uint32_t pfn, uint32_t prot, vm_result_t *res);
void vm_syscall_madvise(vm_machine_t *m, vm_proc_t *p, uint64_t addr,
			uint64_t len, vm_madv_t advice, vm_result_t *res);
void vm_syscall_msync(vm_machine_t *m, vm_proc_t *p, uint64_t addr,
		      uint64_t len, vm_msync_t how, vm_result_t *res);
void vm_syscall_open(vm_machine_t *m, vm_proc_t *p, const char *name,
		     int32_t fd, uint32_t flags, vm_result_t *res);
void vm_syscall_close(vm_machine_t *m, vm_proc_t *p, int32_t fd,
		      vm_result_t *res);
/* read() of [@off, +@len); @more: the same call going on after a wait
 * (res->more of its previous part), not a new system call. */
void vm_syscall_read(vm_machine_t *m, vm_proc_t *p, int32_t fd, uint64_t off,
		     uint64_t len, gboolean more, vm_result_t *res);
void vm_syscall_write(vm_machine_t *m, vm_proc_t *p, int32_t fd, uint64_t off,
		      uint64_t len, vm_result_t *res);
void vm_syscall_fsync(vm_machine_t *m, vm_proc_t *p, int32_t fd,
		      vm_result_t *res);
void vm_syscall_ftruncate(vm_machine_t *m, vm_proc_t *p, int32_t fd,
			  uint64_t size, vm_result_t *res);
void vm_syscall_unlink(vm_machine_t *m, vm_proc_t *p, const char *name,
		       vm_result_t *res);
/* fork(): the child, or NULL when memory ran out for its page tables and
 * the OOM killer could free none (res->oom); a child the OOM killer took
 * during the fork is returned, killed. */
/* clone(CLONE_VM|CLONE_FILES|CLONE_THREAD): thread @tid of @p's process;
 * NULL when @tid is in use. */
vm_proc_t *vm_syscall_clone(vm_machine_t *m, vm_proc_t *p, uint32_t tid,
			    vm_result_t *res);
/* exit() of thread @t that is not its group's leader: only it ends. */
void vm_syscall_thread_exit(vm_machine_t *m, vm_proc_t *t, vm_result_t *res);
/* sched_setaffinity: the engine moves the task; the call costs a system
 * call. */
void vm_syscall_pin(vm_machine_t *m, vm_result_t *res);
vm_proc_t *vm_syscall_fork(vm_machine_t *m, vm_proc_t *p, uint32_t child,
			   vm_result_t *res);
void vm_syscall_exit(vm_machine_t *m, vm_proc_t *p, vm_result_t *res);
/* sigaction(): a SIGSEGV or SIGBUS is counted and the access skipped. */
void vm_syscall_catch(vm_machine_t *m, vm_proc_t *p, vm_sig_t sig,
		      vm_result_t *res);
/* mremap(): [@addr, +@old_len) of @p becomes @new_len bytes at @to (@to ==
 * @addr: in place), vm_mm_mremap; cost.map_pte per entry moved, their
 * number in res->pages. */
vm_mremap_rc_t vm_syscall_mremap(vm_machine_t *m, vm_proc_t *p, uint64_t addr,
				 uint64_t old_len, uint64_t new_len, uint64_t to,
				 vm_result_t *res);
/* A write of @adj to /proc/PID/oom_score_adj (-1000 to 1000): the
 * process's, which its threads share and its children inherit. */
void vm_syscall_oom_score_adj(vm_machine_t *m, vm_proc_t *p, int adj,
			      vm_result_t *res);
/* nanosleep(): the process waits @ns (res->ready_at, why VM_WHY_SLEEP). */
void vm_syscall_sleep(vm_machine_t *m, vm_proc_t *p, uint64_t ns,
		      vm_result_t *res);

#endif
