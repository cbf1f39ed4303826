/*
 * vmscope's error domain.
 *
 * Errors at the edges (a trace, a profile, the command line, an output file)
 * travel as GError in this domain and reach the user as
 * "FILE:LINE:COL: message".  It lives in traces/, the bottom of the
 * dependency chain (ui -> sim -> traces), so that every layer may use it;
 * models/ never reports errors: it simulates, and programmer errors there are
 * assertions.
 */
#ifndef VM_ERROR_H
#define VM_ERROR_H

#include <glib.h>

#define VM_ERROR (vm_error_quark())

typedef enum {
	VM_ERROR_PARSE,    /* malformed trace or profile text */
	VM_ERROR_INVALID,  /* well-formed but meaningless: unknown fd, bad key */
	VM_ERROR_IO,       /* a file could not be read or written */
	VM_ERROR_UNSUPPORTED, /* valid, but its model does not exist yet */
	VM_ERROR_OOM,      /* out of memory with oom.policy=none */
	VM_ERROR_INTERNAL, /* a bug: exit status 2 */
} vm_error_code_t;

GQuark vm_error_quark(void);

#endif
