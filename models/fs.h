/*
 * The file side of the system calls (fs.c): each process's table of open
 * files, and open, close, unlink, ftruncate and fsync.  read() and write()
 * go through the page cache (filemap.c), msync through the mappings
 * (mm.c); models/syscall.c is the entry for all of them.  Modelled on
 * fs/file.c, fs/open.c, fs/namei.c's unlink and fs/sync.c.
 */
#ifndef VM_FS_H
#define VM_FS_H

#include "models/machine.h"
#include "models/file.h"

/* The file @p has open as @fd, or NULL. */
vm_file_t *vm_fs_fd_file(const vm_proc_t *p, int32_t fd);
/* open(): @fd of @p now refers to @name, created (empty, sparse) when it
 * does not exist, truncated with VM_OPEN_TRUNC. */
vm_file_t *vm_fs_open(vm_machine_t *m, vm_proc_t *p, const char *name,
		      int32_t fd, uint32_t flags);
/* close(): the file may go if nothing else holds it. */
void vm_fs_close(vm_machine_t *m, vm_proc_t *p, int32_t fd);
/* fork(): @child gets a copy of @parent's table, every file one more open. */
void vm_fs_fork(vm_proc_t *parent, vm_proc_t *child);
/* exit(): every fd of @p closed (the files are freed by the caller once
 * no mapping holds them either). */
void vm_fs_exit(vm_proc_t *p);
/* Free @p's table. */
void vm_fs_free(vm_proc_t *p);

#endif
