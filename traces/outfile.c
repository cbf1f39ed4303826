/*
 * Output files (traces/outfile.h): whole or not at all for regular files,
 * in place for everything else, checked at every step, and no temporary
 * file left behind by an error or a fatal signal.
 *
 * It lives in traces/, the bottom of the dependency chain (ui -> sim ->
 * traces), as traces/error.c does, so that the trace writer below and
 * every command above write files the same way.
 *
 * Why not g_file_set_contents: it renames over whatever OUT is, so root's
 * `vmscope convert T /dev/null` replaced the device node with a regular
 * file; and it needs the whole output in memory, which a timeline or a
 * converted trace of gigabytes is not.
 *
 * The signal cleanup follows the pattern of GNU coreutils' sort (its
 * temporary files and cleanup()): the names of the open temporaries sit in
 * a fixed table that the handler reads, with the signals blocked while the
 * table changes; the handler unlinks them, restores the default action and
 * raises the signal again, so the program still dies of it.
 */
#include <config.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <glib/gstdio.h>
#include "traces/outfile.h"
#include "traces/error.h"

struct vm_outfile {
	char *path;         /* as given: messages */
	char *target;       /* renamed over at commit; NULL: written in place */
	char *tmp;          /* the temporary file; NULL: in place */
	FILE *fp;
	gboolean is_stdout;
	unsigned flags;
	int err;            /* the first error (errno) seen, 0: none */
	int slot;           /* in temps[], -1: none */
};

/* ---- removing temporaries on a fatal signal -------------------------------- */

#define MAX_TEMPS 64
static const int fatal_signals[] = { SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGPIPE };
/* what the handler unlinks; written only with the signals blocked */
static char *volatile temps[MAX_TEMPS];
static gboolean handlers_set;

static void on_fatal_signal(int sig)
{
	int saved = errno;
	for (unsigned i = 0; i < MAX_TEMPS; i++)
		if (temps[i])
			unlink(temps[i]);
	/* SA_RESETHAND put the default action back: die of the signal */
	errno = saved;
	raise(sig);
}

static void block_signals(sigset_t *old)
{
	sigset_t set;
	sigemptyset(&set);
	for (unsigned i = 0; i < G_N_ELEMENTS(fatal_signals); i++)
		sigaddset(&set, fatal_signals[i]);
	sigprocmask(SIG_BLOCK, &set, old);
}

/* Install the handler for each fatal signal that nobody handles or ignores:
 * a program with handlers of its own (batch's main loop) ends its writes
 * itself. */
static void set_handlers(void)
{
	if (handlers_set)
		return;
	handlers_set = TRUE;
	for (unsigned i = 0; i < G_N_ELEMENTS(fatal_signals); i++) {
		struct sigaction old, sa;
		if (sigaction(fatal_signals[i], NULL, &old) != 0 ||
		    (old.sa_flags & SA_SIGINFO) || old.sa_handler != SIG_DFL)
			continue;
		memset(&sa, 0, sizeof sa);
		sa.sa_handler = on_fatal_signal;
		sigemptyset(&sa.sa_mask);
		sa.sa_flags = SA_RESETHAND | SA_NODEFER;
		sigaction(fatal_signals[i], &sa, NULL);
	}
}

/* Make the temporary file for @o->target, registered before it exists so
 * that no signal can leave it behind.  The descriptor, or -1 with errno. */
static int make_temp(vm_outfile_t *o)
{
	g_autofree char *dir = g_path_get_dirname(o->target);
	g_autofree char *base = g_path_get_basename(o->target);
	/* NAME.XXXXXX, unless NAME is so long that it would not fit NAME_MAX */
	if (strlen(base) > 200)
		o->tmp = g_build_filename(dir, ".vmscope-out.XXXXXX", NULL);
	else
		o->tmp = g_strdup_printf("%s.XXXXXX", o->target);
	set_handlers();
	sigset_t old;
	block_signals(&old);
	for (unsigned i = 0; i < MAX_TEMPS; i++)
		if (!temps[i]) {
			o->slot = (int)i;
			temps[i] = o->tmp;
			break;
		}
	int fd = g_mkstemp_full(o->tmp, O_WRONLY | O_CLOEXEC, 0600);
	int e = errno;
	if (fd < 0 && o->slot >= 0) {
		temps[o->slot] = NULL;
		o->slot = -1;
	}
	sigprocmask(SIG_SETMASK, &old, NULL);
	errno = e;
	return fd;
}

static void unregister(vm_outfile_t *o)
{
	if (o->slot < 0)
		return;
	sigset_t old;
	block_signals(&old);
	temps[o->slot] = NULL;
	sigprocmask(SIG_SETMASK, &old, NULL);
	o->slot = -1;
}

/* ---- writing ------------------------------------------------------------ */

static void free_outfile(vm_outfile_t *o)
{
	unregister(o);
	g_free(o->path);
	g_free(o->target);
	g_free(o->tmp);
	g_free(o);
}

static void io_error(GError **error, const char *path, const char *what, int err)
{
	g_set_error(error, VM_ERROR, VM_ERROR_IO, "%s: %s: %s", path, what,
		    g_strerror(err ? err : EIO));
}

/* The regular file a symbolic link @path leads to, as the kernel resolves
 * it; NULL with @error when it leads nowhere or to a directory.  @st gets
 * the target's status. */
static char *link_target(const char *path, struct stat *st, GError **error)
{
	int fd = open(path, O_PATH | O_CLOEXEC);
	if (fd < 0) {
		int e = errno;
		if (e == ENOENT)
			g_set_error(error, VM_ERROR, VM_ERROR_IO, "%s: a symbolic link "
				    "to a file that does not exist: not followed "
				    "(remove the link, or write to its target)", path);
		else
			io_error(error, path, "cannot write", e);
		return NULL;
	}
	char *target = NULL;
	if (fstat(fd, st) == 0) {
		char proc[64];
		g_snprintf(proc, sizeof proc, "/proc/self/fd/%d", fd);
		target = g_file_read_link(proc, NULL);
		if (!target)
			target = realpath(path, NULL);
	}
	int e = errno;
	close(fd);
	if (!target)
		io_error(error, path, "cannot write", e);
	return target;
}

vm_outfile_t *vm_outfile_open(const char *path, unsigned flags, GError **error)
{
	g_return_val_if_fail(path != NULL, NULL);
	vm_outfile_t *o = g_new0(vm_outfile_t, 1);
	o->path = g_strdup(path);
	o->flags = flags;
	o->slot = -1;
	if ((flags & VM_OUTFILE_DASH) && strcmp(path, "-") == 0) {
		o->fp = stdout;
		o->is_stdout = TRUE;
		return o;
	}
	struct stat st;
	gboolean exists = TRUE, in_place = FALSE;
	if (lstat(path, &st) != 0) {
		if (errno != ENOENT) {
			io_error(error, path, "cannot write", errno);
			free_outfile(o);
			return NULL;
		}
		exists = FALSE;
		o->target = g_strdup(path);
	} else if (S_ISLNK(st.st_mode)) {
		o->target = link_target(path, &st, error);
		if (!o->target) {
			free_outfile(o);
			return NULL;
		}
		if (!S_ISREG(st.st_mode) && !S_ISDIR(st.st_mode)) {
			g_clear_pointer(&o->target, g_free);
			in_place = TRUE;
		}
	} else if (S_ISREG(st.st_mode)) {
		o->target = g_strdup(path);
	} else if (!S_ISDIR(st.st_mode)) {
		in_place = TRUE;
	}
	if (exists && S_ISDIR(st.st_mode)) {
		g_set_error(error, VM_ERROR, VM_ERROR_IO, "%s: is a directory", path);
		free_outfile(o);
		return NULL;
	}
	int fd;
	if (in_place) {
		/* a device or a FIFO; a socket cannot be opened (ENXIO) */
		fd = open(path, O_WRONLY | O_NOCTTY | O_CLOEXEC);
		if (fd < 0) {
			int e = errno;
			io_error(error, path, S_ISSOCK(st.st_mode) ? "cannot write "
				 "to a socket" : "cannot write", e);
			free_outfile(o);
			return NULL;
		}
	} else {
		fd = make_temp(o);
		if (fd < 0) {
			io_error(error, path, "cannot write", errno);
			g_clear_pointer(&o->tmp, g_free);
			free_outfile(o);
			return NULL;
		}
		if (exists) {
			/* the replacement keeps what the old file allowed */
			if (geteuid() == 0)
				(void)!fchown(fd, st.st_uid, st.st_gid);
			fchmod(fd, st.st_mode & 0777);
		} else {
			mode_t mask = umask(0);
			umask(mask);
			fchmod(fd, ((flags & VM_OUTFILE_EXEC) ? 0777 : 0666) & ~mask);
		}
	}
	o->fp = fdopen(fd, "w");
	if (!o->fp) {
		int e = errno;
		close(fd);
		io_error(error, path, "cannot write", e);
		vm_outfile_abort(o);
		return NULL;
	}
	return o;
}

FILE *vm_outfile_stream(vm_outfile_t *o)
{
	return o->fp;
}

const char *vm_outfile_write_path(const vm_outfile_t *o)
{
	return o->is_stdout ? NULL : o->tmp ? o->tmp : o->path;
}

void vm_outfile_fail(vm_outfile_t *o, int err)
{
	if (!o->err)
		o->err = err ? err : EIO;
}

gboolean vm_outfile_commit(vm_outfile_t *o, GError **error)
{
	g_return_val_if_fail(o != NULL, FALSE);
	errno = 0;
	if (fflush(o->fp) != 0 || ferror(o->fp))
		vm_outfile_fail(o, errno);
	if (o->is_stdout) {
		gboolean ok = !o->err;
		if (!ok)
			io_error(error, "standard output", "cannot write", o->err);
		free_outfile(o);
		return ok;
	}
	if (!o->err && o->tmp && (o->flags & VM_OUTFILE_SYNC) &&
	    fsync(fileno(o->fp)) != 0)
		vm_outfile_fail(o, errno);
	if (fclose(o->fp) != 0)
		vm_outfile_fail(o, errno);
	o->fp = NULL;
	if (o->err) {
		io_error(error, o->path, "cannot write", o->err);
		vm_outfile_abort(o);
		return FALSE;
	}
	if (o->tmp && rename(o->tmp, o->target) != 0) {
		io_error(error, o->path, "cannot rename into place", errno);
		vm_outfile_abort(o);
		return FALSE;
	}
	free_outfile(o);
	return TRUE;
}

void vm_outfile_abort(vm_outfile_t *o)
{
	if (!o)
		return;
	if (o->fp && !o->is_stdout)
		fclose(o->fp);
	if (o->tmp)
		unlink(o->tmp);
	free_outfile(o);
}

gboolean vm_outfile_write(const char *path, const char *data, gssize len,
			  unsigned flags, GError **error)
{
	vm_outfile_t *o = vm_outfile_open(path, flags, error);
	if (!o)
		return FALSE;
	size_t n = len < 0 ? strlen(data) : (size_t)len;
	errno = 0;
	if (n && fwrite(data, 1, n, o->fp) != n)
		vm_outfile_fail(o, errno);
	return vm_outfile_commit(o, error);
}
