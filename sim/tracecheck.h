/*
 * The semantic checks of a trace (docs/format.md) that need more than one line:
 * page alignment (which needs the profile), pids that exist, fds that are
 * open, forks to a live pid, expect keys that name real statistics, and ops
 * whose model does not exist yet.  The engine runs it over a whole file
 * before simulating anything, and over a stream line by line as it replays.
 */
#ifndef VM_TRACECHECK_H
#define VM_TRACECHECK_H

#include <glib.h>
#include "models/params.h"
#include "traces/record.h"

typedef struct vm_tracecheck vm_tracecheck_t;

vm_tracecheck_t *vm_tracecheck_new(const vm_config_t *cfg, const char *name);
void vm_tracecheck_free(vm_tracecheck_t *c);
/* A file exists (a `file` header, or an open's `create`); on tmpfs, it is
 * gone after a crash. */
void vm_tracecheck_file(vm_tracecheck_t *c, const char *name, gboolean tmpfs);
/* Check one event record (headers are the engine's); FALSE with @error
 * "NAME:LINE:COL: message" naming the token. */
gboolean vm_tracecheck_record(vm_tracecheck_t *c, const vm_record_t *rec,
			      GError **error);

/* For the ops' checks (sim/op.c), which vm_tracecheck_record calls with
 * the table of fds of the record's pid: */
/* FALSE with @error "NAME:LINE:COL: message" at token @tok of @rec. */
gboolean vm_tracecheck_fail(vm_tracecheck_t *c, const vm_record_t *rec,
			    unsigned tok, GError **error, const char *fmt, ...)
	G_GNUC_PRINTF(5, 6);
const vm_config_t *vm_tracecheck_config(const vm_tracecheck_t *c);
/* ADDR page-aligned, LEN > 0 (a multiple of the page size when
 * @len_aligned), the range inside the address space. */
gboolean vm_tracecheck_range(vm_tracecheck_t *c, const vm_record_t *rec,
			     gboolean len_aligned, GError **error);
/* rec->fd is open in @fds (else an error at token @tok). */
gboolean vm_tracecheck_fd(vm_tracecheck_t *c, const vm_record_t *rec,
			  GHashTable *fds, unsigned tok, GError **error);
gboolean vm_tracecheck_fd_is_open(GHashTable *fds, int32_t fd);
void vm_tracecheck_fd_set(GHashTable *fds, int32_t fd, gboolean open);
gboolean vm_tracecheck_name_exists(const vm_tracecheck_t *c, const char *name);
/* unlink: FALSE when there was no such name. */
gboolean vm_tracecheck_unlink(vm_tracecheck_t *c, const char *name);
/* fork of rec->pid (whose fds are @fds) to rec->child. */
/* `clone CHILD`: a new pid sharing @fds (the thread group's). */
gboolean vm_tracecheck_clone(vm_tracecheck_t *c, const vm_record_t *rec,
			     GHashTable *fds, GError **error);
gboolean vm_tracecheck_fork(vm_tracecheck_t *c, const vm_record_t *rec,
			    GHashTable *fds, GError **error);
void vm_tracecheck_exit(vm_tracecheck_t *c, uint32_t pid);
/* cgroup create (a new name) and enter (a name made above). */
gboolean vm_tracecheck_cgroup(vm_tracecheck_t *c, const vm_record_t *rec,
			      GError **error);
/* An expect line's keys and values. */
gboolean vm_tracecheck_expect(vm_tracecheck_t *c, const vm_record_t *rec,
			      GError **error);

#endif
