/*
 * The page-fault handler (fault.c), entered by the MMU when the TLBs and the
 * walk could not serve an access, and the fault record its steps pass down
 * (Linux's struct vm_fault), which filemap.c's vm_filemap_fault reads too.
 */
#ifndef VM_FAULT_H
#define VM_FAULT_H

#include "models/machine.h"
#include "models/mm.h"

/* What a step of the fault returns (Linux's vm_fault_t bits): */
enum {
	VM_FAULT_MAJOR  = 1u << 0,  /* it had to read the page (a major fault) */
	VM_FAULT_RETRY  = 1u << 1,  /* it waited for the page's read and is
				     * retried (filemap_fault with the folio
				     * model on): the retry faults around */
	VM_FAULT_OOM    = 1u << 2,  /* no frame could be had */
	VM_FAULT_SIGBUS = 1u << 3,  /* the page lies past the end of the file */
	VM_FAULT_SIGSEGV = 1u << 4, /* no VMA, or the VMA forbids the access */
	VM_FAULT_ERROR  = VM_FAULT_OOM | VM_FAULT_SIGBUS | VM_FAULT_SIGSEGV,
	VM_FAULT_FALLBACK = 1u << 5, /* no huge page here: go on with PTEs
				      * (huge_memory.c) */
};

/*
 * One fault as it goes down the handler (Linux's struct vm_fault): filled
 * by handle_mm_fault, read by every step; filemap_fault sets page and
 * ready.  The outcome goes into @res where each step decides it.
 */
typedef struct vm_fault {
	vm_proc_t *p;
	vm_vma_t *vma;
	vm_file_t *file;         /* the VMA's file (or shmem), NULL: anonymous */
	uint64_t vpn;            /* the faulting page */
	uint64_t pgoff;          /* its index in the file */
	uint64_t prot;           /* the VMA's permissions as PTE bits */
	uint64_t *pte;           /* its PTE slot */
	uint64_t orig_pte;       /* the PTE when the fault began */
	vm_acc_t acc;
	uint32_t page;           /* filemap_fault: the page's frame */
	uint64_t ready;          /* ... and when it is up to date */
	gboolean uptodate;       /* ... it was cached, up to date and without
				  * the readahead mark when the fault came:
				  * do_fault_around could map it */
	uint64_t entry;          /* the PTE the fault set for the page; 0: none */
	vm_result_t *res;        /* what the fault did */
	gboolean filemap_done;   /* filemap_fault ran already (the huge file
				  * path asked first and fell back) ... */
	unsigned filemap_ret;    /* ... and returned this */
} vm_fault_t;

/* Resolve a fault of @p on page @vpn for an access of @acc; fills @res
 * (outcome, reason, cost, the wait for I/O).  Returns the PTE the fault
 * set for @vpn, for the caller to fill the TLBs with, or 0 when it ended
 * in a signal or found no memory. */
uint64_t vm_fault_handle(vm_machine_t *m, vm_proc_t *p, uint64_t vpn,
			 vm_acc_t acc, vm_result_t *res);

#endif
