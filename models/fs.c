/*
 * Open files; see fs.h.  A process's fd table maps the trace's fd numbers
 * (any of 0..2^31-1: the trace chooses them, as dup2 could) to files; fork
 * copies it and each copy holds the file open, as the child of a real fork
 * shares the open file description.  Left out: file descriptions shared
 * between fds (offsets live in the trace: every read and write is a
 * pread/pwrite), O_APPEND, permissions, directories.
 */
#include "models/fs.h"
#include "models/proc.h"

/* The table is keyed by the fd itself (0 is a valid key: GHashTable
 * allows a NULL key with g_direct_hash). */
#define FD_KEY(fd) GUINT_TO_POINTER((guint)(fd))

vm_file_t *vm_fs_fd_file(const vm_proc_t *p, int32_t fd)
{
	return p->fds ? g_hash_table_lookup(p->fds, FD_KEY(fd)) : NULL;
}

vm_file_t *vm_fs_open(vm_machine_t *m, vm_proc_t *p, const char *name,
		      int32_t fd, uint32_t flags)
{
	vm_file_t *f = vm_file_lookup(m, name);
	if (!f)   /* O_CREAT: an empty file, on tmpfs or on the disk */
		f = flags & VM_OPEN_TMPFS ? vm_file_new_tmpfs(m, name, 0, TRUE)
					  : vm_file_new(m, name, 0, TRUE, FALSE);
	else if (flags & VM_OPEN_TRUNC)
		vm_file_resize(m, f, 0);
	if (!p->fds)
		p->fds = g_hash_table_new(g_direct_hash, g_direct_equal);
	g_hash_table_insert(p->fds, FD_KEY(fd), f);
	f->opens++;
	return f;
}

void vm_fs_close(vm_machine_t *m, vm_proc_t *p, int32_t fd)
{
	vm_file_t *f = vm_fs_fd_file(p, fd);
	g_return_if_fail(f != NULL);
	g_hash_table_remove(p->fds, FD_KEY(fd));
	f->opens--;
	vm_file_maybe_free(m, f);
}

void vm_fs_fork(vm_proc_t *parent, vm_proc_t *child)
{
	if (!parent->fds)
		return;
	child->fds = g_hash_table_new(g_direct_hash, g_direct_equal);
	GHashTableIter it;
	gpointer k, f;
	g_hash_table_iter_init(&it, parent->fds);
	while (g_hash_table_iter_next(&it, &k, &f)) {
		g_hash_table_insert(child->fds, k, f);
		((vm_file_t *)f)->opens++;
	}
}

void vm_fs_exit(vm_proc_t *p)
{
	if (!p->fds)
		return;
	GHashTableIter it;
	gpointer f;
	g_hash_table_iter_init(&it, p->fds);
	while (g_hash_table_iter_next(&it, NULL, &f))
		((vm_file_t *)f)->opens--;
	g_hash_table_remove_all(p->fds);
}

void vm_fs_free(vm_proc_t *p)
{
	if (p->fds)
		g_hash_table_destroy(p->fds);
	p->fds = NULL;
}
