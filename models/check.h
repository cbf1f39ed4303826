/* The invariant checker (check.c), run after every event by --check. */
#ifndef VM_CHECK_H
#define VM_CHECK_H

#include "models/machine.h"

/*
 * Frame mapcounts equal the PTEs mapping them, RSS counters equal the page
 * tables, pt_pages equals the tables, free + used = memory, the swap map and
 * the swap cache agree, large folios are whole.  Returns NULL when all
 * hold, else a description of the first violation (newly allocated).
 */
char *vm_check_machine(vm_machine_t *m);

#endif
