/*
 * System calls; see syscall.h.  Each is the part of a Linux SYSCALL_DEFINE
 * that decides nothing itself: it enters the kernel (cost.syscall, the
 * syscalls counter), turns bytes into pages, finds the file behind an fd,
 * and calls the file that owns the mechanism:
 *
 *   mmap munmap mprotect madvise msync ─► mm.c
 *   open close unlink ftruncate         ─► fs.c, file.c
 *   read write                          ─► filemap.c (the page cache)
 *   fsync                               ─► writeback.c
 *   fork                                ─► fork.c
 *   exit                                ─► proc.c
 *
 * and copies what happened into the result.
 */
#include "models/syscall.h"
#include "models/proc.h"
#include "models/mm.h"
#include "models/fs.h"
#include "models/file.h"
#include "models/filemap.h"
#include "models/writeback.h"
#include "models/fork.h"

/* Entering the kernel. */
static void enter(vm_machine_t *m, vm_proc_t *p, vm_result_t *res)
{
	/* what the call allocates is charged to @p's memory cgroup (a
	 * thread's is its mm's; none for a call on no process) */
	m->cur_memcg = p ? vm_proc_mm(p)->memcg : 0;
	m->memcg_pid = p ? p->pid : 0;
	m->c.syscalls++;
	res->cost += m->cfg.cost_syscall;
	res->why = VM_WHY_SYSCALL;
	m->alloc_wait = 0;
	m->reclaim_ns = 0;
	m->cache_add_ns = 0;
}

/* Leaving it: what direct reclaim and page-cache insertion cost the call,
 * in CPU time and in a wait for a pageout, is the caller's. */
/* The page-table pages @p has freed since it had @before (munmap,
 * mremap and madvise under mmu.free_tables). */
static void tables_freed(const vm_proc_t *p, uint64_t before, vm_result_t *res)
{
	if (p->pt_pages < before)
		res->tables_freed = (uint32_t)MIN(before - p->pt_pages, UINT32_MAX);
}

static void leave(vm_machine_t *m, vm_result_t *res)
{
	m->cur_memcg = 0;
	m->memcg_pid = 0;
	res->cost += m->reclaim_ns + m->cache_add_ns;
	if (m->alloc_wait > m->now && m->alloc_wait > res->ready_at)
		res->ready_at = m->alloc_wait;
}

/* copy_to_user / copy_from_user of @bytes. */
static void copy(vm_machine_t *m, uint64_t bytes, vm_result_t *res)
{
	m->c.copied_bytes += bytes;
	res->cost += (bytes + 4095) / 4096 * m->cfg.cost_copy_4k;
}

/* The pages a byte range touches: [*first, *first + return). */
static uint64_t page_span(const vm_machine_t *m, uint64_t addr, uint64_t len,
			  uint64_t *first)
{
	*first = addr >> m->page_shift;
	return ((addr + len + m->cfg.page_size - 1) >> m->page_shift) - *first;
}

/* The process waits until @until when it is later than now. */
static void wait_until(vm_machine_t *m, uint64_t until, vm_result_t *res)
{
	if (until > m->now && until > res->ready_at)
		res->ready_at = until;
}

void vm_syscall_mmap(vm_machine_t *m, vm_proc_t *p, uint64_t addr,
		     uint64_t len, uint32_t prot, uint32_t flags, int32_t fd,
		     uint64_t off, vm_result_t *res)
{
	enter(m, p, res);
	uint64_t npages = len >> m->page_shift;
	int32_t file = -1;
	if (!(flags & VM_MAP_ANON))
		file = (int32_t)vm_fs_fd_file(p, fd)->id;
	else if (flags & VM_MAP_SHARED)
		file = (int32_t)vm_file_new_shmem(m, npages)->id;   /* shmem */
	vm_mm_mmap(m, p, addr >> m->page_shift, npages, prot, flags, file,
		   off >> m->page_shift);
	res->pages = npages;
	leave(m, res);
}

void vm_syscall_munmap(vm_machine_t *m, vm_proc_t *p, uint64_t addr,
		       uint64_t len, vm_result_t *res)
{
	uint64_t first, n = page_span(m, addr, len, &first);
	uint64_t tables = p->pt_pages;
	enter(m, p, res);
	vm_mm_munmap(m, p, first, n);
	res->pages = n;
	tables_freed(p, tables, res);
	leave(m, res);
}

vm_mremap_rc_t vm_syscall_mremap(vm_machine_t *m, vm_proc_t *p, uint64_t addr,
				 uint64_t old_len, uint64_t new_len, uint64_t to,
				 vm_result_t *res)
{
	unsigned sh = m->page_shift;
	uint64_t ps = m->cfg.page_size, tables = p->pt_pages;
	vm_mremap_moves_t mv = { 0 };
	enter(m, p, res);
	/* the lengths are rounded up to pages, as Linux's PAGE_ALIGN */
	vm_mremap_rc_t rc = vm_mm_mremap(m, p, addr >> sh,
					 old_len / ps + (old_len % ps != 0),
					 new_len / ps + (new_len % ps != 0),
					 to >> sh, &mv);
	/* each entry moved is a PTE written, as a fault-around maps one; a
	 * leaf table moved whole is one PMD entry */
	res->cost += (mv.entries - mv.table_entries + mv.tables) *
		     m->cfg.cost_map_pte;
	res->pages = mv.entries;
	tables_freed(p, tables, res);
	leave(m, res);
	return rc;
}

void vm_syscall_mprotect(vm_machine_t *m, vm_proc_t *p, uint64_t addr,
			 uint64_t len, uint32_t prot, vm_result_t *res)
{
	uint64_t first, n = page_span(m, addr, len, &first);
	enter(m, p, res);
	vm_mm_mprotect(m, p, first, n, prot);
	res->pages = n;
	leave(m, res);
}

vm_mapf_rc_t vm_syscall_map(vm_machine_t *m, vm_proc_t *p, uint64_t addr,
			    uint32_t pfn, uint32_t prot, vm_result_t *res)
{
	enter(m, p, res);
	vm_mapf_rc_t rc = vm_mm_map_frame(m, p, addr >> m->page_shift, pfn, prot, res);
	leave(m, res);
	return rc;
}

void vm_syscall_madvise(vm_machine_t *m, vm_proc_t *p, uint64_t addr,
			uint64_t len, vm_madv_t advice, vm_result_t *res)
{
	uint64_t first, n = page_span(m, addr, len, &first), tables = p->pt_pages;
	enter(m, p, res);
	res->pages = vm_mm_madvise(m, p, first, n, advice);
	tables_freed(p, tables, res);
	leave(m, res);
}

void vm_syscall_msync(vm_machine_t *m, vm_proc_t *p, uint64_t addr,
		      uint64_t len, vm_msync_t how, vm_result_t *res)
{
	enter(m, p, res);
	if (how != VM_MS_SYNC) {
		res->why = VM_WHY_MS_ASYNC;   /* nothing on Linux (mm/msync.c) */
		leave(m, res);
		return;
	}
	uint64_t first, n = page_span(m, addr, len, &first), written = 0;
	wait_until(m, vm_mm_msync(m, p, first, n, &written), res);
	res->io_pages = (uint32_t)MIN(written, UINT32_MAX);
	res->pages = written;
	leave(m, res);
}

void vm_syscall_open(vm_machine_t *m, vm_proc_t *p, const char *name,
		     int32_t fd, uint32_t flags, vm_result_t *res)
{
	enter(m, p, res);
	vm_fs_open(m, p, name, fd, flags);
	leave(m, res);
}

void vm_syscall_close(vm_machine_t *m, vm_proc_t *p, int32_t fd,
		      vm_result_t *res)
{
	enter(m, p, res);
	vm_fs_close(m, p, fd);
	leave(m, res);
}

void vm_syscall_read(vm_machine_t *m, vm_proc_t *p, int32_t fd, uint64_t off,
		     uint64_t len, gboolean more, vm_result_t *res)
{
	if (more) {            /* back from the wait: already in the kernel */
		res->why = VM_WHY_SYSCALL;
		m->alloc_wait = 0;
		m->reclaim_ns = 0;
		m->cache_add_ns = 0;
		m->cur_memcg = vm_proc_mm(p)->memcg;   /* still @p's charges */
		m->memcg_pid = p->pid;
	} else {
		enter(m, p, res);
	}
	len = MIN(len, vm_max_rw_count(m->cfg.page_size));
	vm_filemap_read(m, vm_fs_fd_file(p, fd), off, len, res);
	copy(m, res->bytes, res);
	leave(m, res);
}

void vm_syscall_write(vm_machine_t *m, vm_proc_t *p, int32_t fd, uint64_t off,
		      uint64_t len, vm_result_t *res)
{
	enter(m, p, res);
	len = MIN(len, vm_max_rw_count(m->cfg.page_size));
	vm_filemap_write(m, vm_fs_fd_file(p, fd), off, len, res);
	gboolean memcg = FALSE;
	uint64_t throttle = vm_writeback_balance(m, &memcg);
	if (throttle > m->now && throttle > res->ready_at)   /* balance_dirty_pages */
		res->why = memcg ? VM_WHY_THROTTLED_MEMCG : VM_WHY_THROTTLED;
	wait_until(m, throttle, res);
	copy(m, len, res);
	leave(m, res);
}

void vm_syscall_fsync(vm_machine_t *m, vm_proc_t *p, int32_t fd,
		      vm_result_t *res)
{
	enter(m, p, res);
	vm_file_t *f = vm_fs_fd_file(p, fd);
	uint64_t out0 = m->disk->stats.pages_out;
	wait_until(m, vm_writeback_range(m, f, 0, UINT64_MAX), res);
	res->pages = res->io_pages = (uint32_t)(m->disk->stats.pages_out - out0);
	leave(m, res);
}

void vm_syscall_ftruncate(vm_machine_t *m, vm_proc_t *p, int32_t fd,
			  uint64_t size, vm_result_t *res)
{
	enter(m, p, res);
	vm_file_t *f = vm_fs_fd_file(p, fd);
	uint64_t cached = f->nr_cached;
	vm_file_resize(m, f, size);
	res->pages = cached - f->nr_cached;   /* pages dropped */
	leave(m, res);
}

void vm_syscall_unlink(vm_machine_t *m, vm_proc_t *p, const char *name,
		       vm_result_t *res)
{
	(void)p;
	enter(m, p, res);
	vm_file_t *f = vm_file_lookup(m, name);
	if (f)
		vm_file_unlink(m, f);
	leave(m, res);
}

vm_proc_t *vm_syscall_fork(vm_machine_t *m, vm_proc_t *p, uint32_t pid,
			   vm_result_t *res)
{
	uint64_t cost = 0;
	enter(m, p, res);
	vm_proc_t *child = vm_fork_process(m, p, pid, &cost);
	if (!child) {
		res->oom = 1;
		res->why = VM_WHY_OOM;
		leave(m, res);
		return NULL;
	}
	/* a child the OOM killer took during the fork exists, killed: its
	 * events are skipped */
	res->cost += cost;
	res->pages = child->pt_pages;
	leave(m, res);
	return child;
}

vm_proc_t *vm_syscall_clone(vm_machine_t *m, vm_proc_t *p, uint32_t tid,
			    vm_result_t *res)
{
	enter(m, p, res);
	vm_proc_t *t = vm_proc_clone_thread(m, p, tid);
	leave(m, res);
	return t;
}

void vm_syscall_thread_exit(vm_machine_t *m, vm_proc_t *t, vm_result_t *res)
{
	enter(m, t, res);
	vm_proc_thread_exit(m, t, VM_KILL_NONE);
	leave(m, res);
}

void vm_syscall_pin(vm_machine_t *m, vm_result_t *res)
{
	enter(m, NULL, res);
	leave(m, res);
}

void vm_syscall_exit(vm_machine_t *m, vm_proc_t *p, vm_result_t *res)
{
	enter(m, p, res);
	res->pages = p->rss_anon + p->rss_file;
	vm_proc_exit(m, p, VM_KILL_NONE);
	leave(m, res);
}

void vm_syscall_catch(vm_machine_t *m, vm_proc_t *p, vm_sig_t sig,
		      vm_result_t *res)
{
	enter(m, p, res);
	p->catch_mask |= (uint8_t)(1u << sig);
	leave(m, res);
}

void vm_syscall_oom_score_adj(vm_machine_t *m, vm_proc_t *p, int adj,
			      vm_result_t *res)
{
	enter(m, p, res);
	p->oom_score_adj = (int16_t)adj;
	leave(m, res);
}

void vm_syscall_sleep(vm_machine_t *m, vm_proc_t *p, uint64_t ns,
		      vm_result_t *res)
{
	(void)p;
	enter(m, p, res);
	if (ns) {
		res->why = VM_WHY_SLEEP;
		res->ready_at = m->now + res->cost + ns;
	}
	leave(m, res);
}
