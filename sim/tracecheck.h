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
/* A file exists at time 0 (a `file` header). */
void vm_tracecheck_file(vm_tracecheck_t *c, const char *name);
/* Check one event record (headers are the engine's); FALSE with @error
 * "NAME:LINE:COL: message" naming the token. */
gboolean vm_tracecheck_record(vm_tracecheck_t *c, const vm_record_t *rec,
			      GError **error);

#endif
