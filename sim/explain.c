/*
 * explain's output; see explain.h and vmscope(1) (explain).
 *
 * Every format says the same things: the text format is the narration
 * (sim/narrate.c), JSON and CSV give the fields it is made of, plus the
 * narration itself as "text".  One JSON object per line (JSON Lines), so
 * that a long trace streams and `jq` or a line-by-line reader can take it;
 * CSV has a header and the same columns in every row, the latest access's
 * fields prefixed "last_" (empty when the event made no access).
 *
 * The filters choose what is printed, not what is simulated: the replay
 * always runs to the end, so the exit status and failed expect lines are
 * those of the whole trace.  --from/--to take an event number (as the
 * text format prints it) or a time with a unit (an event's start time).
 *
 * Page-table entries are read when they are printed: for --each right
 * after each access, for an event's latest access after the event.
 */
#include <config.h>
#include <stdio.h>
#include <string.h>
#include "sim/cli.h"
#include "sim/explain.h"
#include "sim/narrate.h"
#include "traces/units.h"
#include "traces/vmt.h"

static gboolean opt_each = FALSE;
static char *opt_pid = NULL, *opt_outcome = NULL, *opt_from = NULL, *opt_to = NULL;

GOptionEntry vm_explain_entries[] = {
	{ "each", 'e', 0, G_OPTION_ARG_NONE, &opt_each,
	  "Narrate every access of seq, rand and multi-page accesses, and the page-table "
	  "entries of each access", NULL },
	{ "pid", 0, 0, G_OPTION_ARG_STRING, &opt_pid,
	  "Print only the events of these processes", "PID[,PID...]" },
	{ "outcome", 0, 0, G_OPTION_ARG_STRING, &opt_outcome,
	  "Print only events with an access of this outcome (hit walk minor major cow zero "
	  "sigsegv sigbus, or fault for any fault)", "OUTCOME[,...]" },
	{ "from", 0, 0, G_OPTION_ARG_STRING, &opt_from,
	  "Print only from this event number, or from this time (e.g. 10ms) on", "EVENT|TIME" },
	{ "to", 0, 0, G_OPTION_ARG_STRING, &opt_to,
	  "Print only up to this event number, or up to this time (inclusive)", "EVENT|TIME" },
	{ NULL }
};

/* An end of the --from/--to range: an event number or a time. */
typedef struct {
	gboolean set, is_time;
	uint64_t v;
} bound_t;

struct vm_explain {
	vm_format_t fmt;
	gboolean quiet, each;
	/* filters */
	GArray *pids;             /* uint32_t; empty: every process */
	uint32_t outcomes;        /* 1 << vm_outcome_t; 0: any event */
	bound_t from, to;
	/* per event */
	GString *line;            /* output not yet written: whole events,
				   * written by the EXPLAIN_BATCH */
	GString *text;            /* JSON, CSV: the event's narration */
	GString *walk;            /* JSON, CSV: the page table of its latest access */
	GString *record;          /* JSON, CSV: its trace record */
	GString *accesses;        /* --each: its accesses, printed after it */
	unsigned nr_each;
	GString *last_walk;       /* --each: the page table after its latest access */
	gboolean header;          /* CSV: the header is out */
	vm_narrate_memo_t memo;   /* the last event's number and time, as text */
};

/* Output is written in blocks of about this many bytes: explain writes a
 * line per event, and stdio's 4 KiB buffer made a write(2) per few dozen
 * lines, a tenth of explain's time (docs/speed.md). */
#define EXPLAIN_BATCH (64 * 1024)

/* Write the events gathered so far. */
static void flush_line(vm_explain_t *x)
{
	if (x->line->len) {
		fwrite(x->line->str, 1, x->line->len, stdout);
		g_string_truncate(x->line, 0);
	}
}

void vm_explain_flush(vm_explain_t *x)
{
	if (x)
		flush_line(x);
}

/* ---- options -------------------------------------------------------------- */

static gboolean parse_pids(vm_explain_t *x, const char *cmd, int *status)
{
	char **tok = g_strsplit(opt_pid, ",", -1);
	gboolean ok = TRUE;
	for (char **t = tok; *t; t++) {
		uint64_t v;
		if (!vm_parse_number(*t, &v) || v == 0 || v > UINT32_MAX) {
			*status = vm_cli_usage_error(cmd, "--pid: not a process id '%s' "
						     "(a number from 1)", *t);
			ok = FALSE;
			break;
		}
		uint32_t p = (uint32_t)v;
		g_array_append_val(x->pids, p);
	}
	g_strfreev(tok);
	return ok;
}

static gboolean parse_outcomes(vm_explain_t *x, const char *cmd, int *status)
{
	char **tok = g_strsplit(opt_outcome, ",", -1);
	gboolean ok = TRUE;
	for (char **t = tok; *t; t++) {
		vm_outcome_t o;
		if (strcmp(*t, "fault") == 0) {
			x->outcomes |= (1u << VM_OUT_MINOR) | (1u << VM_OUT_MAJOR) |
				       (1u << VM_OUT_COW) | (1u << VM_OUT_ZERO) |
				       (1u << VM_OUT_SIGSEGV) | (1u << VM_OUT_SIGBUS);
		} else if (**t && vm_result_outcome_parse(*t, &o) && o < VM_OUT_NR) {
			x->outcomes |= 1u << o;
		} else {
			*status = vm_cli_usage_error(cmd, "--outcome: unknown outcome '%s' (hit, "
						     "walk, minor, major, cow, zero, sigsegv, "
						     "sigbus or fault)", *t);
			ok = FALSE;
			break;
		}
	}
	g_strfreev(tok);
	return ok;
}

static gboolean parse_bound(bound_t *b, const char *opt, const char *s,
			    const char *cmd, int *status)
{
	b->set = TRUE;
	if (vm_parse_number(s, &b->v))
		return TRUE;
	b->is_time = TRUE;
	if (vm_parse_duration(s, &b->v))
		return TRUE;
	*status = vm_cli_usage_error(cmd, "%s: not an event number or a time with a unit "
				     "(ns, us, ms, s) '%s'", opt, s);
	return FALSE;
}

vm_explain_t *vm_explain_new(const char *cmd, vm_format_t fmt, gboolean quiet,
			     int *status)
{
	vm_explain_t *x = g_new0(vm_explain_t, 1);
	x->fmt = fmt;
	x->quiet = quiet;
	x->each = opt_each;
	x->pids = g_array_new(FALSE, FALSE, sizeof(uint32_t));
	x->line = g_string_new(NULL);
	x->text = g_string_new(NULL);
	x->walk = g_string_new(NULL);
	x->record = g_string_new(NULL);
	x->accesses = g_string_new(NULL);
	x->last_walk = g_string_new(NULL);
	gboolean ok = (!opt_pid || parse_pids(x, cmd, status)) &&
		      (!opt_outcome || parse_outcomes(x, cmd, status)) &&
		      (!opt_from || parse_bound(&x->from, "--from", opt_from, cmd, status)) &&
		      (!opt_to || parse_bound(&x->to, "--to", opt_to, cmd, status));
	if (ok && x->from.set && x->to.set && x->from.is_time == x->to.is_time &&
	    x->from.v > x->to.v) {
		*status = vm_cli_usage_error(cmd, "--from '%s' comes after --to '%s'",
					     opt_from, opt_to);
		ok = FALSE;
	}
	if (ok && x->each && fmt == VM_FMT_CSV) {
		*status = vm_cli_usage_error(cmd, "--each: CSV has one row per event; "
					     "-f json gives every access of an event");
		ok = FALSE;
	}
	if (!ok) {
		vm_explain_free(x);
		return NULL;
	}
	return x;
}

void vm_explain_free(vm_explain_t *x)
{
	if (!x)
		return;
	flush_line(x);
	g_array_free(x->pids, TRUE);
	g_string_free(x->line, TRUE);
	g_string_free(x->text, TRUE);
	g_string_free(x->walk, TRUE);
	g_string_free(x->record, TRUE);
	g_string_free(x->accesses, TRUE);
	g_string_free(x->last_walk, TRUE);
	g_free(x);
}

/* ---- filters ---------------------------------------------------------------- */

static gboolean in_bounds(const bound_t *b, gboolean lower, const vm_step_t *st)
{
	if (!b->set)
		return TRUE;
	uint64_t v = b->is_time ? st->start_ns : st->index;
	return lower ? v >= b->v : v <= b->v;
}

static gboolean wanted_pid(const vm_explain_t *x, uint32_t pid)
{
	if (!x->pids->len)
		return TRUE;
	for (guint i = 0; i < x->pids->len; i++)
		if (g_array_index(x->pids, uint32_t, i) == pid)
			return TRUE;
	return FALSE;
}

static gboolean wanted(const vm_explain_t *x, const vm_step_t *st)
{
	if (!wanted_pid(x, st->rec->pid))
		return FALSE;
	if (!in_bounds(&x->from, TRUE, st) || !in_bounds(&x->to, FALSE, st))
		return FALSE;
	if (x->outcomes) {
		for (int o = 0; o < VM_OUT_NR; o++)
			if ((x->outcomes & (1u << o)) && st->outcomes[o])
				return TRUE;
		return FALSE;
	}
	return TRUE;
}

/* ---- JSON and CSV values ----------------------------------------------------- */

static void json_str(GString *out, const char *s)
{
	g_string_append_c(out, '"');
	const unsigned char *c = (const unsigned char *)s;
	for (;;) {
		/* the run of characters that need no escape, at once */
		const unsigned char *run = c;
		while (*c && *c != '"' && *c != '\\' && *c >= 0x20 && *c != 0x7f)
			c++;
		g_string_append_len(out, (const char *)run, (gssize)(c - run));
		if (!*c)
			break;
		if (*c == '"' || *c == '\\')
			g_string_append_printf(out, "\\%c", *c);
		else if (*c == '\n')
			g_string_append(out, "\\n");
		else if (*c == '\t')
			g_string_append(out, "\\t");
		else
			g_string_append_printf(out, "\\u%04x", *c);
		c++;
	}
	g_string_append_c(out, '"');
}

static void csv_str(GString *out, const char *s)
{
	if (!strpbrk(s, ",\"\n\r")) {
		g_string_append(out, s);
		return;
	}
	g_string_append_c(out, '"');
	for (const char *c = s; *c; c++) {
		if (*c == '"')
			g_string_append_c(out, '"');
		g_string_append_c(out, *c);
	}
	g_string_append_c(out, '"');
}

/*
 * A record of named values written as a JSON object or as CSV fields: the
 * field list is the one place that says what an event holds, for both
 * formats (and the CSV header comes from writing one).
 */
typedef struct {
	GString *out;
	gboolean json, header, first;
	const char *prefix;       /* CSV: column names of a nested object */
} rec_t;

static void key(rec_t *r, const char *name)
{
	if (!r->first)
		g_string_append_c(r->out, ',');
	r->first = FALSE;
	if (r->json) {
		/* names are short plain identifiers: nothing to escape, and
		 * one append (three cost a quarter of a line's time) */
		char b[64];
		size_t n = strlen(name);
		if (n > sizeof b - 3)
			n = sizeof b - 3;
		b[0] = '"';
		memcpy(b + 1, name, n);
		b[n + 1] = '"';
		b[n + 2] = ':';
		g_string_append_len(r->out, b, (gssize)n + 3);
	} else if (r->header) {
		g_string_append_printf(r->out, "%s%s", r->prefix, name);
	}
}

static void f_u64(rec_t *r, const char *name, uint64_t v)
{
	key(r, name);
	if (r->header)
		return;
	/* by hand: printf is most of the time of a JSON line of numbers */
	char b[24], *p = b + sizeof b;
	do
		*--p = (char)('0' + v % 10);
	while (v /= 10);
	g_string_append_len(r->out, p, b + sizeof b - p);
}

static void f_bool(rec_t *r, const char *name, gboolean v)
{
	key(r, name);
	if (!r->header)
		g_string_append(r->out, r->json ? (v ? "true" : "false") : (v ? "1" : "0"));
}

/* A string; NULL: JSON null, an empty CSV field. */
static void f_str(rec_t *r, const char *name, const char *v)
{
	key(r, name);
	if (r->header)
		return;
	if (!v)
		g_string_append(r->out, r->json ? "null" : "");
	else if (r->json)
		json_str(r->out, v);
	else
		csv_str(r->out, v);
}

/* A number or, when !@have, JSON null / an empty CSV field. */
static void f_opt(rec_t *r, const char *name, gboolean have, uint64_t v)
{
	if (have)
		f_u64(r, name, v);
	else
		f_str(r, name, NULL);
}

/* A flag or, when !@have, JSON null / an empty CSV field. */
static void f_optbool(rec_t *r, const char *name, gboolean have, gboolean v)
{
	if (have)
		f_bool(r, name, v);
	else
		f_str(r, name, NULL);
}

static void f_addr(rec_t *r, const char *name, uint64_t v)
{
	/* hex text: addresses near 2^64 do not survive a double; no
	 * escaping or quoting needed (CSV too) */
	key(r, name);
	if (r->header)
		return;
	if (r->json)
		g_string_append_c(r->out, '"');
	vm_append_hex(r->out, v);
	if (r->json)
		g_string_append_c(r->out, '"');
}

static const char *tlb_word(const vm_result_t *res)
{
	return res->tlb == 1 ? "l1" : res->tlb == 2 ? "l2" : "miss";
}

/*
 * The fields of one access: @have FALSE writes them empty (CSV: an event
 * without an access).  @walk: its page-table entries, worded.
 */
static void access_fields(rec_t *r, gboolean have, uint64_t vaddr,
			  const vm_result_t *res, const char *walk)
{
	gboolean frame = have && res->outcome <= VM_OUT_ZERO && res->pfn != VM_PFN_ZERO;
	if (have)
		f_addr(r, "vaddr", vaddr);
	else
		f_str(r, "vaddr", NULL);
	f_str(r, "outcome", have ? vm_result_outcome_name((vm_outcome_t)res->outcome) : NULL);
	f_str(r, "why", have ? vm_result_why_name((vm_why_t)res->why) : NULL);
	f_str(r, "tlb", have ? tlb_word(res) : NULL);
	f_optbool(r, "tlb_denied", have, have && res->tlb_denied);
	f_opt(r, "walk_refs", have, have && res->walked ? res->refs : 0);
	f_opt(r, "new_tables", have, have ? res->new_tables : 0);
	f_str(r, "page_table", have ? walk : NULL);
	f_opt(r, "pfn", frame, frame ? res->pfn : 0);
	f_optbool(r, "zero_page", have, have && res->outcome <= VM_OUT_ZERO &&
		  res->pfn == VM_PFN_ZERO);
	f_opt(r, "cost_ns", have, have ? res->cost : 0);
	f_opt(r, "wait_until_ns", have, have ? res->ready_at : 0);
	f_opt(r, "readahead_pages", have, have ? res->ra_pages : 0);
	f_str(r, "readahead_reason", have && res->ra_pages
	      ? vm_ra_reason_name((vm_ra_reason_t)res->ra_reason) : NULL);
	f_opt(r, "fault_around", have, have ? res->around : 0);
}

/* Every field of event @st (@text: its narration, @walk: the page-table
 * entries of its latest access, @each: JSON array of its accesses; @fmt:
 * a buffer for the record's text, emptied first). */
static void event_fields(rec_t *r, vm_engine_t *e, const vm_step_t *st,
			 const char *text, const char *walk, const char *each,
			 GString *fmt)
{
	const vm_record_t *rec = st->rec;
	g_string_truncate(fmt, 0);
	if (!r->header)
		vm_vmt_format(rec, fmt);
	f_u64(r, "event", st->index);
	f_u64(r, "step", e ? vm_engine_events(e) : 0);
	f_u64(r, "line", rec ? rec->line : 0);
	f_u64(r, "pid", rec ? rec->pid : 0);
	f_str(r, "op", rec ? vm_record_op_name(rec) : "");
	f_str(r, "record", fmt->str);
	f_u64(r, "start_ns", st->start_ns);
	f_u64(r, "end_ns", st->end_ns);
	f_u64(r, "cpu_ns", st->end_ns - st->start_ns);
	f_bool(r, "switched", st->switched);
	f_bool(r, "tlb_flushed", st->flushed);
	f_bool(r, "skipped", st->skipped);
	f_bool(r, "resumed", st->resumed);
	f_bool(r, "blocked", st->blocked);
	f_u64(r, "wait_until_ns", st->wait_until);
	f_bool(r, "caught", st->caught);
	f_bool(r, "killed", st->killed);
	f_u64(r, "accesses", st->nr_access);
	if (r->json) {
		key(r, "outcomes");
		g_string_append_c(r->out, '{');
		rec_t sub = { r->out, TRUE, FALSE, TRUE, "" };
		for (int o = 0; o < VM_OUT_NR; o++)
			f_u64(&sub, vm_result_outcome_name((vm_outcome_t)o), st->outcomes[o]);
		g_string_append_c(r->out, '}');
	} else {
		for (int o = 0; o < VM_OUT_NR; o++)
			f_u64(r, vm_result_outcome_name((vm_outcome_t)o), st->outcomes[o]);
	}
	gboolean have = st->nr_access && st->last.outcome < VM_OUT_NR;
	if (r->json) {
		key(r, "last");
		if (!have) {
			g_string_append(r->out, "null");
		} else {
			rec_t sub = { r->out, TRUE, FALSE, TRUE, "" };
			g_string_append_c(r->out, '{');
			access_fields(&sub, TRUE, st->last_vaddr, &st->last, walk);
			g_string_append_c(r->out, '}');
		}
	} else {
		const char *pre = r->prefix;
		r->prefix = "last_";
		access_fields(r, have, st->last_vaddr, &st->last, walk);
		r->prefix = pre;
	}
	/* a system call's result (models/result.h) */
	f_u64(r, "pages", st->last.pages);
	f_u64(r, "bytes", st->last.bytes);
	f_u64(r, "evicted", st->evicted);
	f_u64(r, "oom_kills", st->oom_kills);
	f_u64(r, "kswapd", st->kswapd);
	f_u64(r, "lost", st->lost);
	f_u64(r, "torn", st->torn);
	gboolean is_expect = rec && rec->kind == VM_REC_EXPECT;
	f_str(r, "expect", is_expect ? (st->expect_ok ? "ok" : "failed") : NULL);
	f_str(r, "expect_message", is_expect && !st->expect_ok ? st->expect_msg : NULL);
	f_str(r, "text", text);
	if (r->json && each) {
		key(r, "each");
		g_string_append_printf(r->out, "[%s]", each);
	}
}

/* ---- the callbacks ------------------------------------------------------------- */

static void explain_access(void *ctx, vm_engine_t *e, const vm_record_t *rec,
			   uint64_t vaddr, vm_acc_t acc, const vm_result_t *res)
{
	vm_explain_t *x = ctx;
	if (x->quiet || !wanted_pid(x, rec->pid))
		return;
	GString *w = x->last_walk;
	g_string_truncate(w, 0);
	vm_narrate_walk(w, e, rec->pid, vaddr);
	char a = acc == VM_ACC_W ? 'w' : acc == VM_ACC_X ? 'x' : 'r';
	if (x->fmt == VM_FMT_JSON) {
		GString *n = g_string_new(NULL);
		vm_narrate_access(n, e, vaddr, acc, res);
		rec_t r = { x->accesses, TRUE, FALSE, TRUE, "" };
		if (x->nr_each++)
			g_string_append_c(x->accesses, ',');
		g_string_append_c(x->accesses, '{');
		char as[2] = { a, 0 };
		f_str(&r, "acc", as);
		access_fields(&r, TRUE, vaddr, res, w->str);
		f_str(&r, "text", n->str);
		g_string_append_c(x->accesses, '}');
		g_string_free(n, TRUE);
		return;
	}
	GString *l = x->accesses;
	g_string_append_printf(l, "        %c 0x%" G_GINT64_MODIFIER "x: %s: ", a, vaddr,
			       vm_result_outcome_name((vm_outcome_t)res->outcome));
	vm_narrate_access(l, e, vaddr, acc, res);
	g_string_append_printf(l, "; page table: %s; ", w->str);
	vm_narrate_time(l, res->cost);
	g_string_append_c(l, '\n');
}

static void csv_header(vm_explain_t *x)
{
	if (x->header)
		return;
	x->header = TRUE;
	flush_line(x);
	vm_step_t none = { 0 };
	GString *h = g_string_new(NULL);
	rec_t r = { h, FALSE, TRUE, TRUE, "" };
	event_fields(&r, NULL, &none, NULL, NULL, NULL, x->record);
	g_string_append_c(h, '\n');
	fputs(h->str, stdout);
	g_string_free(h, TRUE);
}

static void explain_step(void *ctx, vm_engine_t *e, const vm_step_t *st)
{
	vm_explain_t *x = ctx;
	if (x->quiet)
		return;
	if (!wanted(x, st)) {
		g_string_truncate(x->accesses, 0);
		x->nr_each = 0;
		return;
	}
	GString *l = x->line;   /* appended to: written by the batch */
	if (x->fmt == VM_FMT_TEXT) {
		/* straight into the line: no copy, no allocation per event */
		vm_narrate_step_memo(l, e, st, &x->memo);
		g_string_append_c(l, '\n');
		/* a one-page access is told in full on its own line; --each
		 * adds its page-table entries */
		if (st->nr_access > 1)
			g_string_append(l, x->accesses->str);
		else if (x->each && st->nr_access == 1 && x->last_walk->len)
			g_string_append_printf(l, "        page table: %s\n", x->last_walk->str);
	} else {
		if (x->fmt == VM_FMT_CSV)
			csv_header(x);
		GString *text = x->text;
		g_string_truncate(text, 0);
		vm_narrate_step_memo(text, e, st, &x->memo);
		/* the text without its leading event number, a field of its own */
		const char *t = text->str;
		while (*t == ' ')
			t++;
		while (*t >= '0' && *t <= '9')
			t++;
		while (*t == ' ')
			t++;
		GString *walk = x->walk;
		g_string_truncate(walk, 0);
		if (st->nr_access && st->last.outcome < VM_OUT_NR)
			vm_narrate_walk(walk, e, st->rec->pid, st->last_vaddr);
		rec_t r = { l, x->fmt == VM_FMT_JSON, FALSE, TRUE, "" };
		if (r.json)
			g_string_append_c(l, '{');
		event_fields(&r, e, st, t, walk->str, x->each ? x->accesses->str : NULL,
			     x->record);
		if (r.json)
			g_string_append_c(l, '}');
		g_string_append_c(l, '\n');
	}
	if (l->len >= EXPLAIN_BATCH)
		flush_line(x);
	/* (only when not empty: two calls into glib an event otherwise) */
	if (x->accesses->len)
		g_string_truncate(x->accesses, 0);
	if (x->last_walk->len)
		g_string_truncate(x->last_walk, 0);
	x->nr_each = 0;
}

void vm_explain_hook(vm_explain_t *x, vm_engine_opts_t *opts)
{
	opts->ctx = x;
	opts->on_step = explain_step;
	if (x->each)
		opts->on_access = explain_access;
}

void vm_explain_summary(vm_explain_t *x, vm_engine_t *e, GString *out)
{
	if (x->quiet)
		return;
	flush_line(x);   /* the events before the summary */
	if (x->fmt == VM_FMT_CSV) {
		/* an empty selection still gets its header */
		csv_header(x);
		return;
	}
	if (x->fmt != VM_FMT_TEXT)
		return;
	vm_machine_t *m = vm_engine_machine(e);
	g_string_append_printf(out, "%" G_GUINT64_FORMAT " events, %"
			       G_GUINT64_FORMAT " accesses, %" G_GUINT64_FORMAT
			       " minor and %" G_GUINT64_FORMAT
			       " major faults, simulated time ",
			       vm_engine_events(e), m->c.accesses,
			       m->c.minflt, m->c.majflt);
	vm_narrate_time(out, vm_engine_now(e));
	g_string_append_printf(out, "; expectations: %" G_GUINT64_FORMAT
			       " passed, %" G_GUINT64_FORMAT " failed\n",
			       vm_engine_expect_passed(e),
			       vm_engine_expect_failed(e));
}
