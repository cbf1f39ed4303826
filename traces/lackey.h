/*
 * Valgrind Lackey output -> trace records (the importer behind `vmscope
 * convert` of a Lackey log and `vmscope record`).
 *
 * Input: what `valgrind --tool=lackey --trace-mem=yes --trace-syscalls=yes
 * --log-file=...` writes: access lines ("I  0400d7d4,8", " L 04f6b868,8",
 * " S 7ff0001f0,8", " M 0421c7f0,4"), SYSCALL[pid,tid](nr) lines with the
 * arguments and results of system calls, and Valgrind's own "==PID==" lines
 * (skipped).  With one log per process (record's --log-file=DIR/lk.%p.%n.log)
 * the children a fork creates are followed into their own logs.
 *
 * Lackey is imported, never replayed directly: a log carries no mappings for
 * what Valgrind loaded itself (the program, ld.so, the stack), so turning it
 * into a trace takes decisions (traces/lackey.c says which) that belong in a
 * conversion, done once.
 */
#ifndef VM_LACKEY_H
#define VM_LACKEY_H

#include <signal.h>
#include "traces/record.h"
#include "traces/writer.h"

/* A file the program had open when it started (a shell's `< FILE`): its
 * fd, its path and the offset then. */
typedef struct {
	int fd;
	const char *path;
	uint64_t off;
} vm_lackey_fd_t;

typedef struct {
	gboolean no_instr;   /* drop instruction fetches */
	uint64_t sample;     /* keep every N-th access (after deduplication);
			      * 0 or 1: all */
	const char *log_dir; /* record: the directory of the per-process logs
			      * lk.PID.SEQ.log, to follow forks; NULL: one log */
	/* When set and *cancel turns non-zero (a signal handler's flag), the
	 * import stops with an error at its next block read. */
	const volatile sig_atomic_t *cancel;
	/* The first process's fds open before its first line (record reads
	 * its own, which the program inherits): each regular file is declared
	 * and opened on its fd before the first record. */
	const vm_lackey_fd_t *inherited;
	unsigned nr_inherited;
} vm_lackey_opts_t;

/* What an import did, for the user. */
typedef struct {
	uint64_t lines;          /* input lines read, every log */
	uint64_t accesses_in;    /* access lines */
	uint64_t accesses_out;   /* access records written */
	uint64_t syscalls_out;   /* syscall records written */
	uint64_t implicit_maps;  /* mmap records made up for memory Valgrind
				  * mapped itself */
	uint64_t outside;        /* accesses above the user address space
				  * (the vsyscall page), dropped */
	uint32_t processes;
	uint32_t threads;        /* threads cloned (CLONE_THREAD) */
	uint32_t files;          /* file headers */
} vm_lackey_stats_t;

/*
 * Convert the Lackey log @path (the first process's, for record) into
 * records written to @out (after the header records).  FALSE with @error,
 * "FILE:LINE:COL: message 'token'", on a malformed line or an I/O error.
 */
gboolean vm_lackey_convert(const char *path, const vm_lackey_opts_t *opts,
			   vm_writer_t *out, vm_lackey_stats_t *stats,
			   GError **error);

/* TRUE when @buf (the first bytes of a file) looks like Lackey output. */
gboolean vm_lackey_sniff(const char *buf, size_t n);

#endif
