/*
 * The future, for reclaim.policy=opt (Belady's MIN): which page will be used
 * again last.  A pass over the trace file before the replay lists every page
 * access in file order; each access learns the position of the next access
 * to the same page of the same process; during the replay the oracle keeps,
 * for every page, the position of its next access after the ones served.
 *
 *   file order:   0:p1/7  1:p1/3  2:p1/7  3:p1/9  4:p1/3
 *   next[]:          2       4      ∞       ∞      ∞
 *   after serving 0 and 1: pending(7) = 2, pending(3) = 4: evict 3
 *
 * Keys are (pid, virtual page) for anonymous memory and (file, page) for
 * the page cache: pass 1 follows each process's open files and file
 * mappings, so an access through a shared mapping, or through a private one
 * before the process writes the page, and every read() and write(), count
 * for the file page that every process shares; a private page written once
 * is the process's own copy from then on.  A frame is asked about through
 * its owner and index (a file page by the file's name), so a page shared
 * copy-on-write is judged by the process that allocated it.  Positions are file order: when waits reorder processes the
 * oracle still answers from file order, which is "the trace's future".
 * Memory: 16 bytes per access during the pass, 8 after; opt is for traces
 * that fit that.
 */
#ifndef VM_ORACLE_H
#define VM_ORACLE_H

#include <glib.h>
#include "models/machine.h"
#include "traces/record.h"

typedef struct vm_oracle vm_oracle_t;

vm_oracle_t *vm_oracle_new(unsigned page_shift);
void vm_oracle_free(vm_oracle_t *o);
/* Pass 1: every event record, in file order. */
/* Pass 1: file @name is @size bytes long at the start (a `file` header). */
void vm_oracle_file(vm_oracle_t *o, const char *name, uint64_t size);
void vm_oracle_record(vm_oracle_t *o, const vm_record_t *rec);
/* End of pass 1: link each access to the next one of its page. */
void vm_oracle_finish(vm_oracle_t *o);
/* Replay: the frames to answer about, and each access as it is served. */
void vm_oracle_bind(vm_oracle_t *o, const vm_machine_t *m);
/* @p's access to @vpn has been served (after the fault, if any). */
void vm_oracle_served(vm_oracle_t *o, vm_proc_t *p, uint64_t vpn);
/* read() or write() of [@off, @off+@len) of @f has been served. */
void vm_oracle_served_file(vm_oracle_t *o, const vm_file_t *f, uint64_t off,
			   uint64_t len);
/* The replay's progress (which accesses were served), for the engine's
 * snapshots: a copy to keep, loaded back into @o later (the copy stays
 * valid), and freed with vm_oracle_state_free. */
typedef struct vm_oracle_state vm_oracle_state_t;
vm_oracle_state_t *vm_oracle_save(const vm_oracle_t *o);
void vm_oracle_load(vm_oracle_t *o, const vm_oracle_state_t *s);
void vm_oracle_state_free(vm_oracle_state_t *s);
/* Bytes a saved state holds, about. */
size_t vm_oracle_state_size(const vm_oracle_state_t *s);
/* The reclaim policy's question (vm_reclaim_params_t.next_use). */
uint64_t vm_oracle_next_use(void *oracle, uint32_t pfn);

#endif
