/*
 * Memory cgroups on this host, for `vmscope validate`'s pressure probes
 * (docs/validation.md): find the memory controller (cgroup v1's memory
 * hierarchy, or cgroup v2 with memory enabled for children), make a
 * uniquely named cgroup with a limit and no swap, move a process into it,
 * and remove it again: its tasks killed, then rmdir.
 *
 * Where: under the cgroup validate itself runs in, when the controller
 * lets it have children there (v1 always; v2 when `memory` is in that
 * cgroup's cgroup.subtree_control), else under the hierarchy's root.
 * Names are vmscope-validate-PID-N; vm_hostcg_reap removes those whose
 * validate is gone (a validate killed with SIGKILL cannot clean up).
 */
#ifndef VM_HOSTCG_H
#define VM_HOSTCG_H

#include <stdint.h>
#include <sys/types.h>
#include <glib.h>

typedef struct {
	int version;                 /* 1 or 2; 0: none usable */
	char parent[1024];           /* where the probe cgroups go */
	char why[512];               /* version 0: why not */
} vm_hostcg_host_t;

/* Find a usable memory controller.  FALSE (and @h->why) when there is
 * none, it is not writable, or we are not root. */
gboolean vm_hostcg_detect(vm_hostcg_host_t *h);

/* A new, empty cgroup under @h->parent, no limit yet: its directory,
 * newly allocated, or NULL with @error. */
char *vm_hostcg_create(const vm_hostcg_host_t *h, GError **error);

/* Limit the cgroup @dir to @limit bytes of memory and no swap (v1:
 * memory.limit_in_bytes, then memory.memsw.limit_in_bytes when swap
 * accounting exists; v2: memory.max and memory.swap.max = 0). */
gboolean vm_hostcg_limit(const vm_hostcg_host_t *h, const char *dir,
			uint64_t limit, GError **error);

/* Move process @pid into the cgroup @dir. */
gboolean vm_hostcg_enter(const char *dir, pid_t pid, GError **error);

/* Kill every task in @dir and remove it; TRUE when it is gone.  Waits up
 * to about 2 s for the tasks to go. */
gboolean vm_hostcg_remove(const char *dir);

/* Remove the vmscope-validate-* cgroups under @h->parent whose validate
 * process no longer exists. */
void vm_hostcg_reap(const vm_hostcg_host_t *h);

#endif
