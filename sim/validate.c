/*
 * Replaying a probe's trace and reading the statistics its rows name, at
 * the marks they name (see validate.h for the expression language).  Marks
 * are `note @NAME` lines: the engine's on_step callback sees each note
 * after it ran and records the value of every term that asked for it.
 */
#include <config.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "sim/engine.h"
#include "sim/stats.h"
#include "sim/validate.h"
#include "traces/error.h"
#include "models/proc.h"
#include "models/file.h"

typedef enum { T_NUM, T_GLOBAL, T_PROC, T_FILE } term_kind_t;

typedef struct {
	term_kind_t kind;
	unsigned stat;           /* statistic index in its scope */
	uint32_t pid;
	char *file;
	char *mark;              /* NULL: at the end */
	double value;
	gboolean have;
	char op;                 /* operator before it: 0 for the first */
} term_t;

typedef struct {
	term_t *t;
	unsigned n;
	char *error;             /* parse error */
} expr_t;

static void expr_clear(expr_t *x)
{
	for (unsigned i = 0; i < x->n; i++) {
		g_free(x->t[i].file);
		g_free(x->t[i].mark);
	}
	g_free(x->t);
	g_free(x->error);
	memset(x, 0, sizeof(*x));
}

/* Parse one term from @s (a token between operators). */
static gboolean parse_term(term_t *t, const char *s, char **why)
{
	g_autofree char *tok = g_strdup(s);
	char *at = strchr(tok, '@');
	char *end;

	if (at) {
		*at = '\0';
		t->mark = g_strdup(at + 1);
	}
	if (g_ascii_isdigit(tok[0])) {
		t->kind = T_NUM;
		t->value = g_ascii_strtod(tok, &end);
		t->have = TRUE;
		if (*end || t->mark) {
			*why = g_strdup_printf("bad number '%s'", s);
			return FALSE;
		}
		return TRUE;
	}
	const char *name = tok;
	char *colon = strchr(tok, ':');
	int i;
	if (g_str_has_prefix(tok, "pid=") && colon) {
		*colon = '\0';
		t->kind = T_PROC;
		t->pid = (uint32_t)g_ascii_strtoull(tok + 4, NULL, 10);
		name = colon + 1;
		i = vm_stats_proc_find(name);
		if (i >= 0 && vm_stats_proc_is_word((unsigned)i))
			i = -1;
	} else if (g_str_has_prefix(tok, "file=") && colon) {
		*colon = '\0';
		t->kind = T_FILE;
		t->file = g_strdup(tok + 5);
		name = colon + 1;
		i = vm_stats_file_find(name);
		if (i >= 0 && vm_stats_file_is_word((unsigned)i))
			i = -1;
	} else {
		t->kind = T_GLOBAL;
		i = vm_stats_global_find(name);
	}
	if (i < 0) {
		*why = g_strdup_printf("no numeric statistic '%s'", name);
		return FALSE;
	}
	t->stat = (unsigned)i;
	return TRUE;
}

static void parse_expr(expr_t *x, const char *s)
{
	GArray *a = g_array_new(FALSE, TRUE, sizeof(term_t));
	const char *p = s;
	char op = 0;

	while (*p) {
		size_t len = strcspn(p, "+-*/");
		term_t t = { .op = op };
		g_autofree char *tok = g_strndup(p, len);
		if (!len || !parse_term(&t, tok, &x->error)) {
			if (!x->error)
				x->error = g_strdup_printf("bad expression '%s'", s);
			g_free(t.file);
			g_free(t.mark);
			break;
		}
		g_array_append_val(a, t);
		p += len;
		if (!*p)
			break;
		op = *p++;
		if (!*p)
			x->error = g_strdup_printf("bad expression '%s'", s);
	}
	x->n = a->len;
	x->t = (term_t *)(void *)g_array_free(a, FALSE);
}

static double term_value(vm_engine_t *e, const term_t *t, gboolean *found)
{
	vm_machine_t *m = vm_engine_machine(e);
	*found = TRUE;
	switch (t->kind) {
	case T_NUM:
		return t->value;
	case T_GLOBAL:
		return (double)vm_stats_global(e, t->stat);
	case T_PROC: {
		vm_proc_t *p = vm_proc_lookup(m, t->pid);
		if (p)
			return (double)vm_stats_proc(p, t->stat).num;
		break;
	}
	case T_FILE: {
		const vm_file_t *f = vm_stats_find_file(m, t->file);
		if (f)
			return (double)vm_stats_file(m, f, t->stat).num;
		break;
	}
	}
	*found = FALSE;
	return 0;
}

typedef struct {
	expr_t *x;
	unsigned n;
} replay_ctx_t;

/* Fill every term that waits for @mark (NULL: the end). */
static void capture(replay_ctx_t *c, vm_engine_t *e, const char *mark)
{
	for (unsigned i = 0; i < c->n; i++)
		for (unsigned k = 0; k < c->x[i].n; k++) {
			term_t *t = &c->x[i].t[k];
			if (t->kind == T_NUM || t->have)
				continue;
			if ((mark == NULL) != (t->mark == NULL) ||
			    (mark && strcmp(mark, t->mark) != 0))
				continue;
			gboolean found;
			t->value = term_value(e, t, &found);
			t->have = found;
		}
}

static void on_step(void *ctx, vm_engine_t *e, const vm_step_t *st)
{
	if (st->rec && st->rec->kind == VM_REC_NOTE && st->rec->name &&
	    st->rec->name[0] == '@')
		capture(ctx, e, st->rec->name + 1);
}

static void evaluate(vm_vrow_t *r, const expr_t *x)
{
	double v = 0;
	if (x->error) {
		r->error_text = g_strdup(x->error);
		return;
	}
	for (unsigned k = 0; k < x->n; k++) {
		const term_t *t = &x->t[k];
		if (!t->have) {
			r->error_text = t->mark
				? g_strdup_printf("the replay never reached 'note @%s'", t->mark)
				: g_strdup_printf("'%s': no such process or file", r->expr);
			return;
		}
		switch (t->op) {
		case 0: v = t->value; break;
		case '+': v += t->value; break;
		case '-': v -= t->value; break;
		case '*': v *= t->value; break;
		case '/': v = t->value != 0 ? v / t->value : NAN; break;
		}
	}
	r->simulated = v;
	r->ok = vm_validate_within(r->tolerance, r->measured, v);
}

gboolean vm_validate_replay(const char *trace, const vm_config_t *cfg,
			    vm_vrow_t *rows, unsigned n, GError **error)
{
	replay_ctx_t c = { .x = g_new0(expr_t, n ? n : 1), .n = n };
	vm_engine_opts_t opts = { .on_step = on_step, .ctx = &c };
	gboolean ok = FALSE;

	for (unsigned i = 0; i < n; i++)
		parse_expr(&c.x[i], rows[i].expr);
	vm_engine_t *e = vm_engine_open(trace, cfg, NULL, &opts, error);
	if (e && vm_engine_run(e, error)) {
		capture(&c, e, NULL);
		for (unsigned i = 0; i < n; i++)
			evaluate(&rows[i], &c.x[i]);
		ok = TRUE;
	}
	if (e)
		vm_engine_free(e);
	for (unsigned i = 0; i < n; i++)
		expr_clear(&c.x[i]);
	g_free(c.x);
	return ok;
}

/* "kind:N": N, or -1 when @tol is not of that kind. */
static double tol_arg(const char *tol, const char *kind)
{
	size_t kl = strlen(kind);
	char *end;
	if (strncmp(tol, kind, kl) != 0 || tol[kl] != ':')
		return -1;
	double v = g_ascii_strtod(tol + kl + 1, &end);
	return *end || end == tol + kl + 1 || v < 0 ? -1 : v;
}

gboolean vm_validate_tolerance_valid(const char *tol)
{
	return strcmp(tol, "exact") == 0 || tol_arg(tol, "abs") >= 0 ||
	       tol_arg(tol, "pct") >= 0 || tol_arg(tol, "factor") >= 1;
}

gboolean vm_validate_within(const char *tol, double meas, double sim)
{
	double a;

	if (isnan(sim) || isnan(meas))
		return FALSE;
	if (strcmp(tol, "exact") == 0)
		return fabs(sim - meas) < 1e-9;
	if ((a = tol_arg(tol, "abs")) >= 0)
		return fabs(sim - meas) <= a + 1e-9;
	if ((a = tol_arg(tol, "pct")) >= 0)
		return fabs(sim - meas) <= fabs(meas) * a / 100 + 1e-9;
	if ((a = tol_arg(tol, "factor")) >= 1) {
		if (meas == 0 && sim == 0)
			return TRUE;
		if (meas <= 0 || sim <= 0)
			return FALSE;
		double r = sim > meas ? sim / meas : meas / sim;
		return r <= a + 1e-9;
	}
	return FALSE;
}

void vm_vrow_clear(vm_vrow_t *r)
{
	g_free(r->workload);
	g_free(r->metric);
	g_free(r->expr);
	g_free(r->tolerance);
	g_free(r->error_text);
	memset(r, 0, sizeof(*r));
}
