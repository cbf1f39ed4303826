/*
 * What `vmscope explain` (and `tour` off a terminal) prints for each event
 * (vmscope(1), explain): the narration as text, or the same fields as one
 * JSON object per line or one CSV row per event; --each adds every access;
 * --pid, --outcome, --from and --to choose which events are printed.
 * sim/main.c runs the replay; this file only hooks its callbacks.
 */
#ifndef VM_EXPLAIN_H
#define VM_EXPLAIN_H

#include <glib.h>
#include "sim/engine.h"
#include "sim/stats.h"

/* explain's own options: --each, --pid, --outcome, --from, --to. */
extern GOptionEntry vm_explain_entries[];

typedef struct vm_explain vm_explain_t;

/* From the parsed options and -f @fmt; NULL with *status set (and the
 * reason printed, naming the option and the token) on a bad value. */
vm_explain_t *vm_explain_new(const char *cmd, vm_format_t fmt, gboolean quiet,
			     int *status);
/* Set @opts' on_step and on_access (and ctx) to print through @x. */
void vm_explain_hook(vm_explain_t *x, vm_engine_opts_t *opts);
/* After a complete run: the closing summary line of the text format into
 * @out (the JSON and CSV formats have none: `run -f json` has the totals). */
void vm_explain_summary(vm_explain_t *x, vm_engine_t *e, GString *out);
/* Write the events gathered and not yet written (@x may be NULL); they go
 * out in blocks, so call this before anything else reaches standard
 * output or error.  vm_explain_summary and vm_explain_free call it. */
void vm_explain_flush(vm_explain_t *x);
void vm_explain_free(vm_explain_t *x);

#endif
