/*
 * The comparison half of `vmscope validate` (docs/validation.md): a probe's rows
 * ("row METRIC MEASURED SIMEXPR TOLERANCE", see traces/probes/vmprobe.c),
 * the replay of its trace that evaluates each SIMEXPR, and the verdict of
 * each row against its tolerance.
 *
 * SIMEXPR is read left to right, no precedence: terms and integers joined
 * by + - * /.  A term is a statistic of docs/statistics.md: `NAME` (global),
 * `pid=N:NAME` or `file=NAME:STAT`, with `@MARK` after it for its value when
 * the replay finished the trace line `note @MARK` (else at the end).
 * TOLERANCE: `exact`, `abs:N` (|sim - measured| <= N), `pct:N` (within N %
 * of the measurement) or `factor:N` (within a factor N either way).
 */
#ifndef VM_VALIDATE_H
#define VM_VALIDATE_H

#include <glib.h>
#include "sim/config.h"

typedef struct {
	char *workload;
	char *metric;
	double measured;
	char *expr;              /* SIMEXPR */
	char *tolerance;         /* as the probe wrote it */
	double simulated;
	gboolean ok;             /* within tolerance */
	char *error_text;        /* non-NULL: the row could not be evaluated */
} vm_vrow_t;

/* TRUE when @tol is a tolerance this module understands. */
gboolean vm_validate_tolerance_valid(const char *tol);
/* Is @simulated within @tol of @measured? */
gboolean vm_validate_within(const char *tol, double measured, double simulated);

/*
 * Replay @trace with profile @cfg and evaluate the expressions of
 * @rows[0..n) (filling simulated, ok, or error_text).  FALSE with @error
 * when the trace cannot be replayed at all.  Deterministic: the same trace
 * and profile give the same simulated values.
 */
gboolean vm_validate_replay(const char *trace, const vm_config_t *cfg,
			    vm_vrow_t *rows, unsigned n, GError **error);

void vm_vrow_clear(vm_vrow_t *r);

#endif
