/* Deep copies of the machine for the engine's snapshots (clone.c). */
#ifndef VM_CLONE_H
#define VM_CLONE_H

#include "models/machine.h"

/*
 * A deep copy of @m sharing nothing with it, policies' private state and
 * generator states included, so that both replay alike.  The reclaim oracle
 * pointer (opt) is copied as it is: its owner rebinds it.  Free with
 * vm_machine_free.
 */
vm_machine_t *vm_clone_machine(const vm_machine_t *m);
/*
 * A compact copy to keep (snapshots): like vm_clone_machine, but the frames
 * no one ever took (the tail vm_frames_init left) are not stored.  Only
 * vm_clone_load turns it back into a machine, any number of times.
 */
typedef struct vm_clone_image vm_clone_image_t;
vm_clone_image_t *vm_clone_save(const vm_machine_t *m);
/* The machine of @img.  @reuse (may be NULL) is a machine to free, of the
 * same profile, whose large arrays the new one takes over. */
vm_machine_t *vm_clone_load(const vm_clone_image_t *img, vm_machine_t *reuse);
size_t vm_clone_image_size(const vm_clone_image_t *img);
void vm_clone_image_free(vm_clone_image_t *img);
/* About how many bytes vm_clone_machine(@m) allocates (snapshot budgets). */
size_t vm_clone_footprint(const vm_machine_t *m);
/* A hex digest of the whole state, field by field (no pointers, no
 * padding): equal for machines that behave alike.  Newly allocated. */
char *vm_clone_digest(const vm_machine_t *m);

#endif
