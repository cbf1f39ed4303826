/*
 * `expect` lines (docs/format.md): each check of a line against a global,
 * process or file statistic (sim/stats.c), or the outcome of a process's
 * latest access.  A line passes when every check holds; a failure is
 * reported as FILE:LINE: expect failed: KEY is ACTUAL, expected VALUE,
 * through the engine's on_expect_fail, and the run goes on.  The trace
 * checker (sim/tracecheck.c) has already refused unknown keys and values
 * that are not numbers, before the replay.
 */
#include <string.h>
#include "sim/engine-int.h"
#include "sim/stats.h"
#include "traces/units.h"
#include "models/proc.h"
#include "models/file.h"
#include "models/memcg.h"

static const char *cmp_word(vm_cmp_t c)
{
	return c == VM_CMP_LE ? "<= " : c == VM_CMP_GE ? ">= " : "";
}

static gboolean expect_fail(vm_engine_t *e, const vm_record_t *rec,
			    const vm_check_t *k, const char *actual)
{
	char *msg = g_strdup_printf("%s:%" G_GUINT64_FORMAT
				    ": expect failed: %s is %s, expected %s%s",
				    e->name, rec->line, k->key, actual,
				    cmp_word(k->cmp), k->value);
	if (e->opts.on_expect_fail)
		e->opts.on_expect_fail(e->opts.ctx, msg);
	if (!e->st.expect_msg) {
		g_string_assign(e->msg, msg);
		e->st.expect_msg = e->msg->str;
	}
	g_free(msg);
	return FALSE;
}

static gboolean check_number(vm_engine_t *e, const vm_record_t *rec,
			     const vm_check_t *k, uint64_t actual)
{
	uint64_t want = 0;
	vm_parse_number(k->value, &want);   /* checked before the replay */
	gboolean ok = k->cmp == VM_CMP_EQ ? actual == want :
		      k->cmp == VM_CMP_LE ? actual <= want : actual >= want;
	if (ok)
		return TRUE;
	char buf[32];
	g_snprintf(buf, sizeof buf, "%" G_GUINT64_FORMAT, actual);
	return expect_fail(e, rec, k, buf);
}

/* One check against a process or file statistic, a word or a number. */
static gboolean check_value(vm_engine_t *e, const vm_record_t *rec,
			    const vm_check_t *k, vm_statval_t v)
{
	if (!v.is_word)
		return check_number(e, rec, k, v.num);
	return strcmp(v.word, k->value) == 0 || expect_fail(e, rec, k, v.word);
}

void vm_expect_run(vm_engine_t *e, const vm_record_t *rec)
{
	gboolean ok = TRUE;
	vm_proc_t *p = NULL;
	if (rec->expect_pid >= 0)
		p = vm_proc_lookup(e->m, (uint32_t)rec->expect_pid);
	const vm_file_t *f = rec->expect_file ? vm_stats_find_file(e->m, rec->expect_file)
					      : NULL;
	for (uint32_t i = 0; i < rec->nr_checks; i++) {
		const vm_check_t *k = &rec->checks[i];
		if (rec->expect_file) {
			if (!f) {
				ok = expect_fail(e, rec, k, "(no such file)") && ok;
				continue;
			}
			int idx = vm_stats_file_find(k->key);
			ok = check_value(e, rec, k, vm_stats_file(e->m, f, (unsigned)idx)) && ok;
			continue;
		}
		if (strcmp(k->key, "frame") == 0) {
			/* the frame of the latest access: `map` exercises */
			vm_proc_t *q = rec->expect_pid >= 0 ? p : vm_proc_lookup(e->m, 1);
			g_autofree char *got = q && q->last_pfn != VM_NIL
				? g_strdup_printf("%u", q->last_pfn) : g_strdup("none");
			uint64_t want;
			gboolean same = strcmp(k->value, "none") == 0
				? strcmp(got, "none") == 0
				: vm_parse_number(k->value, &want) && q &&
				  q->last_pfn != VM_NIL && want == q->last_pfn;
			if (!same)
				ok = expect_fail(e, rec, k, got) && ok;
			continue;
		}
		if (strcmp(k->key, "outcome") == 0) {
			/* docs/format.md (expect): the process named by pid=, else pid 1 */
			vm_proc_t *q = rec->expect_pid >= 0 ? p : vm_proc_lookup(e->m, 1);
			const char *got = q ? vm_result_outcome_name(q->last_outcome) : "none";
			if (strcmp(got, k->value) != 0)
				ok = expect_fail(e, rec, k, got) && ok;
			continue;
		}
		if (rec->expect_pid >= 0) {
			if (!p) {
				ok = expect_fail(e, rec, k, "(no such process yet)") && ok;
				continue;
			}
			int idx = vm_stats_proc_find(k->key);
			ok = check_value(e, rec, k, vm_stats_proc(p, (unsigned)idx)) && ok;
			continue;
		}
		if (strncmp(k->key, "cgroup.", 7) == 0) {
			/* cgroup.NAME.STAT (the checker knows both) */
			char *name = NULL;
			int ci = -1;
			vm_stats_memcg_key(k->key, &name, &ci);
			vm_memcg_t *cg = vm_memcg_find(e->m, name);
			g_free(name);
			if (!cg || ci < 0)
				ok = expect_fail(e, rec, k, "(no such cgroup yet)") && ok;
			else
				ok = check_number(e, rec, k,
						  vm_stats_memcg(e->m, cg, (unsigned)ci)) && ok;
			continue;
		}
		int idx = vm_stats_global_find(k->key);
		ok = check_number(e, rec, k, vm_stats_global(e, (unsigned)idx)) && ok;
	}
	e->st.expect_ok = (uint8_t)ok;
	if (ok)
		e->pos.passed++;
	else
		e->pos.failed++;
}
