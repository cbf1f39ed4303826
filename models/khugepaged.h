/*
 * khugepaged (khugepaged.c): the background scan that collapses aligned
 * ranges of small anonymous pages into huge pages.
 */
#ifndef VM_KHUGEPAGED_H
#define VM_KHUGEPAGED_H

#include "models/machine.h"

/* A VMA that may hold huge pages was touched or advised
 * (khugepaged_enter_vma): wake khugepaged after thp.khugepaged.scan_sleep
 * unless a wake-up is queued. */
void vm_khugepaged_enter(vm_machine_t *m);
/* The queued wake-up is due (VM_EV_KHUGEPAGED): one scan of up to
 * thp.khugepaged.pages_to_scan pages. */
void vm_khugepaged_wake(vm_machine_t *m);
/* Scan up to @pages pages from where the last scan stopped, collapsing
 * what qualifies; returns the CPU time it took (counted khugepaged_ns). */
uint64_t vm_khugepaged_scan(vm_machine_t *m, uint64_t pages);
/* collapse_huge_page: the aligned range of @p at @vpn, mapped by a PTE
 * table, into a new huge page, if it qualifies (every present page
 * anonymous and mapped only here, no swap entries, at most
 * thp.khugepaged.max_ptes_none empty or zero-page PTEs).  TRUE when it
 * was collapsed; *cost gets the copies' CPU time. */
gboolean vm_khugepaged_collapse(vm_machine_t *m, vm_proc_t *p, uint64_t vpn,
				uint64_t *cost);

#endif
