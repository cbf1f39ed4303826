/*
 * Memory cgroups for validate's pressure probes (see hostcg.h).  The
 * hierarchies come from /proc/self/mounts (cgroup with the `memory`
 * option: v1; cgroup2 whose cgroup.controllers has `memory`: v2), the
 * process's place in them from /proc/self/cgroup.  Every write is to a
 * file in a directory this module made or found there; nothing here
 * follows a path a user gives.
 */
#include <config.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <glib.h>
#include <glib/gstdio.h>
#include "sim/hostcg.h"
#include "traces/error.h"

/* Write @value to @dir/@file; errno is kept for the caller. */
static gboolean write_file(const char *dir, const char *file, const char *value)
{
	g_autofree char *path = g_build_filename(dir, file, NULL);
	int fd = open(path, O_WRONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return FALSE;
	size_t n = strlen(value);
	ssize_t w = write(fd, value, n);
	int e = errno;
	close(fd);
	errno = e;
	return w == (ssize_t)n;
}

static gboolean has_word(const char *text, const char *word)
{
	g_auto(GStrv) w = g_strsplit_set(text ? text : "", " \n", -1);
	return g_strv_contains((const char *const *)w, word);
}

/* The path of this process's cgroup in hierarchy v1 "memory" (@v2 FALSE)
 * or in the v2 hierarchy, "/" when unknown. */
static char *own_cgroup(gboolean v2)
{
	g_autofree char *text = NULL;
	if (!g_file_get_contents("/proc/self/cgroup", &text, NULL, NULL))
		return g_strdup("/");
	g_auto(GStrv) lines = g_strsplit(text, "\n", -1);
	for (char **l = lines; *l; l++) {
		g_auto(GStrv) f = g_strsplit(*l, ":", 3);
		if (g_strv_length(f) != 3)
			continue;
		if (v2 ? strcmp(f[0], "0") == 0 && !*f[1]
		       : has_word(g_strdelimit(f[1], ",", ' '), "memory"))
			return g_strdup(f[2]);
	}
	return g_strdup("/");
}

/* Can validate make children in @dir (a cgroup directory)? */
static gboolean usable_parent(const char *dir, int version)
{
	if (access(dir, W_OK) != 0)
		return FALSE;
	if (version == 2) {
		g_autofree char *p = g_build_filename(dir, "cgroup.subtree_control", NULL);
		g_autofree char *t = NULL;
		return g_file_get_contents(p, &t, NULL, NULL) && has_word(t, "memory");
	}
	return TRUE;
}

gboolean vm_hostcg_detect(vm_hostcg_host_t *h)
{
	g_autofree char *mounts = NULL;
	char v1root[1024] = "", v2root[1024] = "";

	memset(h, 0, sizeof(*h));
	if (geteuid() != 0) {
		g_strlcpy(h->why, "not root: making a memory cgroup needs root",
			  sizeof(h->why));
		return FALSE;
	}
	if (g_file_get_contents("/proc/self/mounts", &mounts, NULL, NULL)) {
		g_auto(GStrv) lines = g_strsplit(mounts, "\n", -1);
		for (char **l = lines; *l; l++) {
			g_auto(GStrv) f = g_strsplit(*l, " ", 6);
			if (g_strv_length(f) < 4)
				continue;
			if (strcmp(f[2], "cgroup") == 0 && !*v1root &&
			    has_word(g_strdelimit(f[3], ",", ' '), "memory"))
				g_strlcpy(v1root, f[1], sizeof(v1root));
			if (strcmp(f[2], "cgroup2") == 0 && !*v2root) {
				g_autofree char *p = g_build_filename(f[1], "cgroup.controllers", NULL);
				g_autofree char *t = NULL;
				if (g_file_get_contents(p, &t, NULL, NULL) &&
				    has_word(t, "memory"))
					g_strlcpy(v2root, f[1], sizeof(v2root));
			}
		}
	}
	if (!*v1root && !*v2root) {
		g_strlcpy(h->why, "no memory controller: neither a cgroup v1 memory "
			  "hierarchy nor cgroup v2 with memory in cgroup.controllers "
			  "is mounted", sizeof(h->why));
		return FALSE;
	}
	int version = *v2root ? 2 : 1;
	const char *root = version == 2 ? v2root : v1root;
	g_autofree char *own = own_cgroup(version == 2);
	g_autofree char *mine = g_build_filename(root, own, NULL);
	if (usable_parent(mine, version))
		g_strlcpy(h->parent, mine, sizeof(h->parent));
	else if (usable_parent(root, version))
		g_strlcpy(h->parent, root, sizeof(h->parent));
	else {
		g_snprintf(h->why, sizeof(h->why), "the memory controller (cgroup "
			   "v%d at %s) is not writable here%s", version, root,
			   version == 2 ? " or not enabled for children "
			   "(cgroup.subtree_control)" : "");
		return FALSE;
	}
	h->version = version;
	return TRUE;
}

char *vm_hostcg_create(const vm_hostcg_host_t *h, GError **error)
{
	static unsigned serial;
	char *dir = NULL;

	g_return_val_if_fail(h->version, NULL);
	for (int tries = 0; tries < 100 && !dir; tries++) {
		g_autofree char *name = g_strdup_printf("vmscope-validate-%ld-%u",
							(long)getpid(), serial++);
		char *d = g_build_filename(h->parent, name, NULL);
		if (mkdir(d, 0755) == 0)
			dir = d;
		else if (errno != EEXIST) {
			int e = errno;
			g_set_error(error, VM_ERROR, VM_ERROR_INVALID,
				    "%s: cannot make a memory cgroup: %s", d,
				    g_strerror(e));
			g_free(d);
			return NULL;
		} else
			g_free(d);
	}
	if (!dir) {
		g_set_error(error, VM_ERROR, VM_ERROR_INVALID,
			    "%s: no free cgroup name", h->parent);
		return NULL;
	}
	return dir;
}

gboolean vm_hostcg_limit(const vm_hostcg_host_t *h, const char *dir,
			uint64_t limit, GError **error)
{
	char value[32];

	g_snprintf(value, sizeof(value), "%" G_GUINT64_FORMAT, limit);
	gboolean ok;
	const char *what;
	if (h->version == 1) {
		what = "memory.limit_in_bytes";
		ok = write_file(dir, what, value);
		/* memsw (memory + swap) exists with swap accounting only; it
		 * must not be below the memory limit, so it comes second */
		g_autofree char *memsw = g_build_filename(dir, "memory.memsw.limit_in_bytes", NULL);
		if (ok && g_file_test(memsw, G_FILE_TEST_EXISTS)) {
			what = "memory.memsw.limit_in_bytes";
			ok = write_file(dir, what, value);
		}
	} else {
		what = "memory.max";
		ok = write_file(dir, what, value);
		g_autofree char *swap = g_build_filename(dir, "memory.swap.max", NULL);
		if (ok && g_file_test(swap, G_FILE_TEST_EXISTS)) {
			what = "memory.swap.max";
			ok = write_file(dir, what, "0");
		}
	}
	if (!ok) {
		int e = errno;
		g_set_error(error, VM_ERROR, VM_ERROR_INVALID, "%s/%s: %s", dir,
			    what, g_strerror(e));
		return FALSE;
	}
	return TRUE;
}

gboolean vm_hostcg_enter(const char *dir, pid_t pid, GError **error)
{
	char value[32];
	g_snprintf(value, sizeof(value), "%ld", (long)pid);
	if (write_file(dir, "cgroup.procs", value))
		return TRUE;
	int e = errno;
	g_set_error(error, VM_ERROR, VM_ERROR_INVALID,
		    "%s/cgroup.procs: cannot move process %ld: %s", dir,
		    (long)pid, g_strerror(e));
	return FALSE;
}

/* SIGKILL every process listed in @dir/cgroup.procs; how many were. */
static unsigned kill_tasks(const char *dir)
{
	g_autofree char *path = g_build_filename(dir, "cgroup.procs", NULL);
	g_autofree char *text = NULL;
	unsigned n = 0;
	if (!g_file_get_contents(path, &text, NULL, NULL))
		return 0;
	g_auto(GStrv) pids = g_strsplit(text, "\n", -1);
	for (char **p = pids; *p; p++) {
		char *end;
		long pid = strtol(*p, &end, 10);
		if (end == *p || *end || pid <= 1 || pid == (long)getpid())
			continue;
		kill((pid_t)pid, SIGKILL);
		n++;
	}
	return n;
}

gboolean vm_hostcg_remove(const char *dir)
{
	if (!dir)
		return TRUE;
	for (int i = 0; i < 200; i++) {
		if (g_rmdir(dir) == 0 || errno == ENOENT)
			return TRUE;
		if (errno != EBUSY)
			return FALSE;
		/* cgroup v2 (5.14 on) kills them all at once */
		write_file(dir, "cgroup.kill", "1");
		kill_tasks(dir);
		g_usleep(10000);
	}
	return FALSE;
}

void vm_hostcg_reap(const vm_hostcg_host_t *h)
{
	GDir *d = g_dir_open(h->parent, 0, NULL);
	const char *n;
	if (!d)
		return;
	while ((n = g_dir_read_name(d))) {
		long pid;
		if (sscanf(n, "vmscope-validate-%ld-", &pid) != 1 || pid <= 0)
			continue;
		if (kill((pid_t)pid, 0) == 0 || errno != ESRCH)
			continue;
		g_autofree char *p = g_build_filename(h->parent, n, NULL);
		vm_hostcg_remove(p);
	}
	g_dir_close(d);
}
