/*
 * The timeline (sim/timeline.c, docs/timeline.md), checked by reading it back:
 * a small strict JSON parser below (RFC 8259: no trailing commas, no
 * leading zeros, no raw control characters in strings, nothing after the
 * value) turns each file into a tree, and the tests check
 *
 *   structure  every event has ph, name, ts and pid; ts and dur are
 *              microseconds with at most three decimals; X slices have a
 *              dur; on each thread track slices and thread instants never
 *              overlap (exact, in integer nanoseconds); counters go
 *              forward in time; every process used is named
 *   content    against the machine after the same run: fault slices equal
 *              minflt + majflt, disk slices equal disk requests, the last
 *              counter values equal the machine's, a major fault's slice
 *              ends when its disk read does; fork, OOM kill, signal, crash
 *              and sleep events where the scenarios make them
 *   the file   written whole or not at all (an unwritable place, a run
 *              that fails, a directory refused), byte-identical twice,
 *              and the command line's --timeline on run, explain and tour
 */
#include <check.h>
#include <errno.h>
#include <glib.h>
#include <glib/gstdio.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include "sim/engine.h"
#include "sim/timeline.h"
#include "sim/tour.h"
#include "tests/testlib.h"

/* ---- a strict JSON parser ------------------------------------------------- */

typedef enum { J_NULL, J_BOOL, J_NUM, J_STR, J_ARR, J_OBJ } jtype_t;

typedef struct jval {
	jtype_t t;
	gboolean b;
	char *s;              /* STR: decoded text; NUM: the number as written */
	GPtrArray *items;     /* ARR: jval_t*; OBJ: jmember_t* in file order */
} jval_t;

typedef struct {
	char *key;
	jval_t *v;
} jmember_t;

typedef struct {
	const char *p, *end;
	const char *err;      /* the first error, NULL: none */
	size_t err_at;
	const char *start;
	unsigned depth;
} jparser_t;

static void jfree(gpointer p);

static void jmember_free(gpointer p)
{
	jmember_t *m = p;
	g_free(m->key);
	jfree(m->v);
	g_free(m);
}

static void jfree(gpointer p)
{
	jval_t *v = p;
	if (!v)
		return;
	g_free(v->s);
	if (v->items)
		g_ptr_array_free(v->items, TRUE);
	g_free(v);
}

static jval_t *jfail(jparser_t *ps, const char *why)
{
	if (!ps->err) {
		ps->err = why;
		ps->err_at = (size_t)(ps->p - ps->start);
	}
	return NULL;
}

static void skip_ws(jparser_t *ps)
{
	while (ps->p < ps->end && (*ps->p == ' ' || *ps->p == '\t' ||
				   *ps->p == '\n' || *ps->p == '\r'))
		ps->p++;
}

static int hexval(char c)
{
	return g_ascii_xdigit_value(c);
}

/* A string at ps->p (on its opening quote); the decoded text, or NULL. */
static char *parse_string(jparser_t *ps)
{
	GString *s = g_string_new(NULL);
	ps->p++;
	while (ps->p < ps->end && *ps->p != '"') {
		unsigned char c = (unsigned char)*ps->p;
		if (c < 0x20) {
			jfail(ps, "raw control character in a string");
			goto bad;
		}
		if (c != '\\') {
			g_string_append_c(s, (char)c);
			ps->p++;
			continue;
		}
		if (++ps->p >= ps->end)
			break;
		switch (*ps->p) {
		case '"': g_string_append_c(s, '"'); break;
		case '\\': g_string_append_c(s, '\\'); break;
		case '/': g_string_append_c(s, '/'); break;
		case 'b': g_string_append_c(s, '\b'); break;
		case 'f': g_string_append_c(s, '\f'); break;
		case 'n': g_string_append_c(s, '\n'); break;
		case 'r': g_string_append_c(s, '\r'); break;
		case 't': g_string_append_c(s, '\t'); break;
		case 'u': {
			if (ps->end - ps->p < 5) {
				jfail(ps, "short \\u escape");
				goto bad;
			}
			gunichar u = 0;
			for (int i = 1; i <= 4; i++) {
				int h = hexval(ps->p[i]);
				if (h < 0) {
					jfail(ps, "bad \\u escape");
					goto bad;
				}
				u = u * 16 + (gunichar)h;
			}
			if (u >= 0xd800 && u < 0xe000) {
				jfail(ps, "surrogate escapes are not expected here");
				goto bad;
			}
			g_string_append_unichar(s, u);
			ps->p += 4;
			break;
		}
		default:
			jfail(ps, "bad escape");
			goto bad;
		}
		ps->p++;
	}
	if (ps->p >= ps->end) {
		jfail(ps, "unterminated string");
		goto bad;
	}
	ps->p++;
	if (!g_utf8_validate(s->str, (gssize)s->len, NULL)) {
		jfail(ps, "a string is not UTF-8");
		goto bad;
	}
	return g_string_free(s, FALSE);
bad:
	g_string_free(s, TRUE);
	return NULL;
}

static jval_t *jnew(jtype_t t)
{
	jval_t *v = g_new0(jval_t, 1);
	v->t = t;
	return v;
}

static jval_t *parse_value(jparser_t *ps);

static jval_t *parse_number(jparser_t *ps)
{
	const char *b = ps->p;
	if (ps->p < ps->end && *ps->p == '-')
		ps->p++;
	if (ps->p >= ps->end || !g_ascii_isdigit(*ps->p))
		return jfail(ps, "bad number");
	if (*ps->p == '0' && ps->p + 1 < ps->end && g_ascii_isdigit(ps->p[1]))
		return jfail(ps, "leading zero");
	while (ps->p < ps->end && g_ascii_isdigit(*ps->p))
		ps->p++;
	if (ps->p < ps->end && *ps->p == '.') {
		ps->p++;
		if (ps->p >= ps->end || !g_ascii_isdigit(*ps->p))
			return jfail(ps, "no digit after '.'");
		while (ps->p < ps->end && g_ascii_isdigit(*ps->p))
			ps->p++;
	}
	if (ps->p < ps->end && (*ps->p == 'e' || *ps->p == 'E')) {
		ps->p++;
		if (ps->p < ps->end && (*ps->p == '+' || *ps->p == '-'))
			ps->p++;
		if (ps->p >= ps->end || !g_ascii_isdigit(*ps->p))
			return jfail(ps, "bad exponent");
		while (ps->p < ps->end && g_ascii_isdigit(*ps->p))
			ps->p++;
	}
	jval_t *v = jnew(J_NUM);
	v->s = g_strndup(b, (gsize)(ps->p - b));
	return v;
}

static gboolean literal(jparser_t *ps, const char *word)
{
	size_t n = strlen(word);
	if ((size_t)(ps->end - ps->p) < n || memcmp(ps->p, word, n) != 0)
		return FALSE;
	ps->p += n;
	return TRUE;
}

static jval_t *parse_container(jparser_t *ps, gboolean obj)
{
	if (++ps->depth > 64)
		return jfail(ps, "nested too deep");
	jval_t *v = jnew(obj ? J_OBJ : J_ARR);
	v->items = g_ptr_array_new_with_free_func(obj ? jmember_free : jfree);
	char close = obj ? '}' : ']';
	ps->p++;
	skip_ws(ps);
	if (ps->p < ps->end && *ps->p == close) {
		ps->p++;
		ps->depth--;
		return v;
	}
	for (;;) {
		skip_ws(ps);
		char *key = NULL;
		if (obj) {
			if (ps->p >= ps->end || *ps->p != '"')
				goto bad_key;
			key = parse_string(ps);
			if (!key)
				goto bad;
			skip_ws(ps);
			if (ps->p >= ps->end || *ps->p != ':') {
				g_free(key);
				jfail(ps, "expected ':'");
				goto bad;
			}
			ps->p++;
		}
		jval_t *item = parse_value(ps);
		if (!item) {
			g_free(key);
			goto bad;
		}
		if (obj) {
			jmember_t *m = g_new(jmember_t, 1);
			m->key = key;
			m->v = item;
			g_ptr_array_add(v->items, m);
		} else {
			g_ptr_array_add(v->items, item);
		}
		skip_ws(ps);
		if (ps->p < ps->end && *ps->p == ',') {
			ps->p++;
			continue;
		}
		if (ps->p < ps->end && *ps->p == close) {
			ps->p++;
			ps->depth--;
			return v;
		}
		jfail(ps, obj ? "expected ',' or '}'" : "expected ',' or ']'");
		goto bad;
	}
bad_key:
	jfail(ps, "expected a key (trailing comma?)");
bad:
	jfree(v);
	return NULL;
}

static jval_t *parse_value(jparser_t *ps)
{
	skip_ws(ps);
	if (ps->p >= ps->end)
		return jfail(ps, "unexpected end");
	switch (*ps->p) {
	case '{':
		return parse_container(ps, TRUE);
	case '[':
		return parse_container(ps, FALSE);
	case '"': {
		char *s = parse_string(ps);
		if (!s)
			return NULL;
		jval_t *v = jnew(J_STR);
		v->s = s;
		return v;
	}
	case 't':
	case 'f':
	case 'n': {
		jval_t *v;
		if (literal(ps, "true")) {
			v = jnew(J_BOOL);
			v->b = TRUE;
		} else if (literal(ps, "false")) {
			v = jnew(J_BOOL);
		} else if (literal(ps, "null")) {
			v = jnew(J_NULL);
		} else {
			return jfail(ps, "bad literal");
		}
		return v;
	}
	default:
		return parse_number(ps);
	}
}

/* Parse @len bytes of @text; NULL with *why and *at on an error. */
static jval_t *json_parse(const char *text, size_t len, const char **why,
			  size_t *at)
{
	jparser_t ps = { .p = text, .end = text + len, .start = text };
	jval_t *v = parse_value(&ps);
	if (v) {
		skip_ws(&ps);
		if (ps.p != ps.end) {
			jfree(v);
			v = jfail(&ps, "garbage after the value");
		}
	}
	if (!v) {
		*why = ps.err;
		*at = ps.err_at;
	}
	return v;
}

static jval_t *jget(const jval_t *o, const char *key)
{
	if (!o || o->t != J_OBJ)
		return NULL;
	for (guint i = 0; i < o->items->len; i++) {
		jmember_t *m = g_ptr_array_index(o->items, i);
		if (strcmp(m->key, key) == 0)
			return m->v;
	}
	return NULL;
}

static const char *jstr(const jval_t *o, const char *key)
{
	jval_t *v = jget(o, key);
	return v && v->t == J_STR ? v->s : NULL;
}

/* A non-negative integer member; -1 when absent or not one. */
static int64_t jint(const jval_t *o, const char *key)
{
	jval_t *v = jget(o, key);
	if (!v || v->t != J_NUM || strpbrk(v->s, "-.eE"))
		return -1;
	return (int64_t)g_ascii_strtoull(v->s, NULL, 10);
}

/*
 * A time member ("ts", "dur") in nanoseconds, exactly: microseconds with at
 * most three decimals, as docs/timeline.md and the writer promise.  -1 otherwise.
 */
static int64_t jns(const jval_t *o, const char *key)
{
	jval_t *v = jget(o, key);
	if (!v || v->t != J_NUM || strpbrk(v->s, "-eE"))
		return -1;
	const char *dot = strchr(v->s, '.');
	int64_t us = (int64_t)g_ascii_strtoull(v->s, NULL, 10);
	int64_t frac = 0;
	if (dot) {
		size_t n = strlen(dot + 1);
		if (n < 1 || n > 3)
			return -1;
		frac = (int64_t)g_ascii_strtoull(dot + 1, NULL, 10);
		for (size_t i = n; i < 3; i++)
			frac *= 10;
	}
	return us * 1000 + frac;
}

START_TEST(test_parser_strict)
{
	static const struct {
		const char *text;
		gboolean ok;
	} cases[] = {
		{ "{\"a\":[1,2.5,-3e2,true,false,null,\"x\\u0041\\n\"]}", TRUE },
		{ "[]", TRUE },
		{ "{\"a\":1,}", FALSE },
		{ "[1,]", FALSE },
		{ "[01]", FALSE },
		{ "[1.]", FALSE },
		{ "\"a\tb\"", FALSE },
		{ "\"\\x\"", FALSE },
		{ "{\"a\" 1}", FALSE },
		{ "[1] x", FALSE },
		{ "[1", FALSE },
		{ "{'a':1}", FALSE },
		{ "", FALSE },
	};
	for (unsigned i = 0; i < G_N_ELEMENTS(cases); i++) {
		const char *why = NULL;
		size_t at = 0;
		jval_t *v = json_parse(cases[i].text, strlen(cases[i].text), &why, &at);
		ck_assert_msg((v != NULL) == cases[i].ok, "%s: %s", cases[i].text,
			      why ? why : "accepted");
		if (v && i == 0) {
			jval_t *a = jget(v, "a");
			ck_assert_str_eq(((jval_t *)g_ptr_array_index(a->items, 6))->s,
					 "xA\n");
		}
		jfree(v);
	}
}
END_TEST

/* ---- running scenarios with a timeline -------------------------------------- */

static char *tmpdir;

static char *tmp_path(const char *name)
{
	return g_build_filename(tmpdir, name, NULL);
}

static char *scenario(const char *name)
{
	return g_build_filename(SRCDIR, "traces", "scenarios", name, NULL);
}

/* What the machine said at the end of a run, to check the timeline by. */
typedef struct {
	uint64_t faults;          /* minflt + majflt */
	uint64_t sigsegv, sigbus;
	uint64_t disk_requests;
	uint64_t oom_kills;
	uint64_t free, file, anon, dirty, swap;
	uint64_t now, events;
	uint64_t steps, accesses, expect_fails;   /* seen by chained callbacks */
} runinfo_t;

static void count_step(void *ctx, vm_engine_t *e, const vm_step_t *st)
{
	(void)e;
	(void)st;
	((runinfo_t *)ctx)->steps++;
}

static void count_access(void *ctx, vm_engine_t *e, const vm_record_t *rec,
			 uint64_t vaddr, vm_acc_t acc, const vm_result_t *res)
{
	(void)e;
	(void)rec;
	(void)vaddr;
	(void)acc;
	(void)res;
	((runinfo_t *)ctx)->accesses++;
}

static void count_fail(void *ctx, const char *msg)
{
	(void)msg;
	((runinfo_t *)ctx)->expect_fails++;
}

/*
 * Replay @path (or @text, named @path) with a timeline to @out, chained to
 * counting callbacks; fills @ri.  Returns whether the run completed; the
 * timeline must be written either way.
 */
static gboolean run_with_timeline(const char *path, const char *text,
				  char **overrides, const char *out,
				  runinfo_t *ri)
{
	memset(ri, 0, sizeof *ri);
	GError *err = NULL;
	vm_engine_opts_t opts = { .check = TRUE, .on_step = count_step,
				  .on_access = count_access,
				  .on_expect_fail = count_fail, .ctx = ri };
	vm_timeline_t *tl = vm_timeline_new(out);
	vm_timeline_hook(tl, &opts);
	vm_engine_t *e = text
		? vm_engine_open_memory(path, text, NULL, overrides, &opts, &err)
		: vm_engine_open(path, NULL, overrides, &opts, &err);
	ck_assert_msg(e != NULL, "%s: %s", path, err ? err->message : "?");
	ck_assert_msg(vm_timeline_start(tl, e, &err), "%s", err ? err->message : "?");
	gboolean ran = vm_engine_run(e, &err);
	ck_assert_msg(vm_timeline_finish(tl, ran ? NULL : err, NULL),
		      "the timeline of %s was not written", path);
	g_clear_error(&err);
	vm_machine_t *m = vm_engine_machine(e);
	ri->faults = m->c.minflt + m->c.majflt;
	ri->sigsegv = m->c.sigsegv;
	ri->sigbus = m->c.sigbus;
	ri->disk_requests = m->disk->stats.reads + m->disk->stats.writes;
	ri->oom_kills = m->c.oom_kills;
	ri->free = m->frames.nr_free;
	ri->file = m->frames.nr_kind[VM_FRAME_FILE];
	ri->anon = m->frames.nr_kind[VM_FRAME_ANON];
	ri->dirty = m->nr_dirty;
	ri->swap = m->swap_used;
	ri->now = vm_engine_now(e);
	ri->events = vm_engine_events(e);
	/* the chain: the callbacks that were there still ran */
	ck_assert_uint_eq(ri->steps, ri->events);
	/* ... for every access but those that ran out of memory: one per OOM
	 * kill of the process itself, one for a run stopped by it */
	ck_assert_uint_le(ri->accesses, m->c.accesses);
	ck_assert_uint_ge(ri->accesses + m->c.oom_kills + !ran, m->c.accesses);
	/* (one call per failed check, a line counts once) */
	ck_assert_uint_ge(ri->expect_fails, vm_engine_expect_failed(e));
	ck_assert_uint_eq(ri->expect_fails > 0, vm_engine_expect_failed(e) > 0);
	vm_timeline_free(tl);
	vm_engine_free(e);
	char *tmp = g_strconcat(out, ".tmp", NULL);
	ck_assert_msg(!g_file_test(tmp, G_FILE_TEST_EXISTS), "%s left behind", tmp);
	g_free(tmp);
	return ran;
}

static jval_t *load(const char *path)
{
	char *text = NULL;
	gsize len = 0;
	GError *err = NULL;
	ck_assert_msg(g_file_get_contents(path, &text, &len, &err), "%s",
		      err ? err->message : "?");
	const char *why = NULL;
	size_t at = 0;
	jval_t *v = json_parse(text, len, &why, &at);
	ck_assert_msg(v != NULL, "%s: byte %zu: %s: ...%.40s", path, at, why,
		      text + at);
	g_free(text);
	return v;
}

static GPtrArray *events_of(const jval_t *root)
{
	jval_t *ev = jget(root, "traceEvents");
	ck_assert_msg(ev && ev->t == J_ARR, "no traceEvents array");
	return ev->items;
}

typedef struct {
	int64_t busy_from;     /* start of the latest slice */
	int64_t busy_until;    /* its end (or the latest thread instant) */
	int64_t last_ts;
} track_t;

static track_t *track_of(GHashTable *h, int64_t pid, int64_t tid)
{
	char key[48];
	g_snprintf(key, sizeof key, "%" G_GINT64_FORMAT "/%" G_GINT64_FORMAT, pid, tid);
	track_t *t = g_hash_table_lookup(h, key);
	if (!t) {
		t = g_new0(track_t, 1);
		g_hash_table_insert(h, g_strdup(key), t);
	}
	return t;
}

/* The structure every timeline has, whatever the trace. */
static void check_structure(const char *what, const jval_t *root)
{
	ck_assert_msg(root->t == J_OBJ, "%s: not an object", what);
	jmember_t *first = g_ptr_array_index(root->items, 0);
	/* Perfetto looks for displayTimeUnit at the start only */
	ck_assert_str_eq(first->key, "displayTimeUnit");
	ck_assert_str_eq(jstr(root, "displayTimeUnit"), "ns");
	jval_t *md = jget(root, "metadata");
	ck_assert_msg(md && md->t == J_OBJ, "%s: no metadata object", what);
	ck_assert_int_eq(jint(md, "vmscope"), 1);

	GPtrArray *ev = events_of(root);
	GHashTable *tracks = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
	GHashTable *named = g_hash_table_new(g_int64_hash, g_int64_equal);
	GPtrArray *used = g_ptr_array_new_with_free_func(g_free);
	int64_t *pids = g_new(int64_t, ev->len);
	GHashTable *starts = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	GHashTable *flows = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	for (guint i = 0; i < ev->len; i++) {
		jval_t *e = g_ptr_array_index(ev, i);
		ck_assert_msg(e->t == J_OBJ, "%s: event %u is not an object", what, i);
		const char *ph = jstr(e, "ph");
		const char *name = jstr(e, "name");
		int64_t ts = jns(e, "ts"), pid = jint(e, "pid"), tid = jint(e, "tid");
		ck_assert_msg(ph && name, "%s: event %u lacks ph or name", what, i);
		ck_assert_msg(ts >= 0, "%s: event %u (%s): bad ts", what, i, name);
		ck_assert_msg(pid >= 0 && tid >= 0, "%s: event %u (%s): bad pid/tid",
			      what, i, name);
		jval_t *args = jget(e, "args");
		ck_assert_msg(args && args->t == J_OBJ, "%s: event %u: no args", what, i);
		pids[i] = pid;
		track_t *t = track_of(tracks, pid, tid);
		switch (ph[0]) {
		case 'M':
			ck_assert_msg(!strcmp(name, "process_name") || !strcmp(name, "thread_name"),
				      "%s: metadata %s", what, name);
			ck_assert_msg(jstr(args, "name") != NULL, "%s: unnamed %s", what, name);
			if (!strcmp(name, "process_name"))
				g_hash_table_add(named, &pids[i]);
			break;
		case 'X': {
			int64_t dur = jns(e, "dur");
			ck_assert_msg(dur >= 0, "%s: slice %u (%s): bad dur", what, i, name);
			ck_assert_msg(ts >= t->busy_until,
				      "%s: slice %u (%s at %" G_GINT64_FORMAT "ns) overlaps the one "
				      "before on its track (ends %" G_GINT64_FORMAT "ns)",
				      what, i, name, ts, t->busy_until);
			t->busy_from = ts;
			t->busy_until = ts + dur;
			g_hash_table_add(starts, g_strdup_printf("%" G_GINT64_FORMAT "/%"
				G_GINT64_FORMAT "/%" G_GINT64_FORMAT, pid, tid, ts));
			g_ptr_array_add(used, g_memdup2(&pid, sizeof pid));
			break;
		}
		case 's':
		case 'f': {
			/* a flow arrow: "s" inside the waiting slice, "f" where
			 * the request's slice starts; one of each per id */
			int64_t id = jint(e, "id");
			ck_assert_msg(id > 0, "%s: flow %u without an id", what, i);
			char *key = g_strdup_printf("%c%" G_GINT64_FORMAT, ph[0], id);
			ck_assert_msg(!g_hash_table_contains(flows, key),
				      "%s: flow end %s twice", what, key);
			g_hash_table_add(flows, key);
			if (ph[0] == 's') {
				ck_assert_msg(ts >= t->busy_from && ts < t->busy_until,
					      "%s: flow %u starts outside a slice", what, i);
			} else {
				ck_assert_str_eq(jstr(e, "bp"), "e");
				char *k = g_strdup_printf("%" G_GINT64_FORMAT "/%"
					G_GINT64_FORMAT "/%" G_GINT64_FORMAT, pid, tid, ts);
				ck_assert_msg(g_hash_table_contains(starts, k),
					      "%s: flow %u ends where no slice starts", what, i);
				g_free(k);
			}
			g_ptr_array_add(used, g_memdup2(&pid, sizeof pid));
			break;
		}
		case 'i': {
			const char *s = jstr(e, "s");
			ck_assert_msg(s && (!strcmp(s, "t") || !strcmp(s, "p") || !strcmp(s, "g")),
				      "%s: instant %u (%s): bad scope", what, i, name);
			if (!strcmp(s, "t")) {
				ck_assert_msg(ts >= t->busy_until,
					      "%s: instant %u (%s) inside a slice", what, i, name);
				t->busy_until = ts;
			}
			g_ptr_array_add(used, g_memdup2(&pid, sizeof pid));
			break;
		}
		case 'C': {
			ck_assert_msg(args->items->len > 0, "%s: empty counter", what);
			for (guint k = 0; k < args->items->len; k++) {
				jmember_t *m = g_ptr_array_index(args->items, k);
				ck_assert_msg(m->v->t == J_NUM, "%s: counter %s not a number",
					      what, name);
			}
			/* one counter track per name: forward in time */
			track_t *c = track_of(tracks, -1 - (int64_t)g_str_hash(name), 0);
			ck_assert_msg(ts >= c->last_ts, "%s: counter %s goes back in time",
				      what, name);
			c->last_ts = ts;
			g_ptr_array_add(used, g_memdup2(&pid, sizeof pid));
			break;
		}
		default:
			ck_abort_msg("%s: event %u: unexpected ph '%s'", what, i, ph);
			break;
		}
	}
	for (guint i = 0; i < used->len; i++)
		ck_assert_msg(g_hash_table_contains(named, g_ptr_array_index(used, i)),
			      "%s: pid %" G_GINT64_FORMAT " has no process_name", what,
			      *(int64_t *)g_ptr_array_index(used, i));
	GHashTableIter it;
	gpointer k;
	g_hash_table_iter_init(&it, flows);
	while (g_hash_table_iter_next(&it, &k, NULL)) {
		char *other = g_strdup(k);
		other[0] = other[0] == 's' ? 'f' : 's';
		ck_assert_msg(g_hash_table_contains(flows, other), "%s: flow %s has no %c",
			      what, (char *)k, other[0]);
		g_free(other);
	}
	g_hash_table_destroy(starts);
	g_hash_table_destroy(flows);
	g_ptr_array_free(used, TRUE);
	g_hash_table_destroy(named);
	g_hash_table_destroy(tracks);
	g_free(pids);
}

/* Events with @ph and @name (NULL: any) and, when @cat, that category. */
static guint count_events(const jval_t *root, const char *ph, const char *name,
			  const char *cat)
{
	GPtrArray *ev = events_of(root);
	guint n = 0;
	for (guint i = 0; i < ev->len; i++) {
		jval_t *e = g_ptr_array_index(ev, i);
		if (strcmp(jstr(e, "ph"), ph) != 0)
			continue;
		if (name && strcmp(jstr(e, "name"), name) != 0)
			continue;
		if (cat && g_strcmp0(jstr(e, "cat"), cat) != 0)
			continue;
		n++;
	}
	return n;
}

static jval_t *find_event(const jval_t *root, const char *ph, const char *name,
			  guint nth)
{
	GPtrArray *ev = events_of(root);
	for (guint i = 0; i < ev->len; i++) {
		jval_t *e = g_ptr_array_index(ev, i);
		if (!strcmp(jstr(e, "ph"), ph) && !strcmp(jstr(e, "name"), name) &&
		    nth-- == 0)
			return e;
	}
	return NULL;
}

/* The last value of counter @name. */
static int64_t last_counter(const jval_t *root, const char *name)
{
	GPtrArray *ev = events_of(root);
	int64_t v = -1;
	for (guint i = 0; i < ev->len; i++) {
		jval_t *e = g_ptr_array_index(ev, i);
		if (!strcmp(jstr(e, "ph"), "C") && !strcmp(jstr(e, "name"), name))
			v = jint(jget(e, "args"), "pages");
	}
	return v;
}

/* What holds for every run: structure, and the counts the machine kept. */
static void check_against(const char *what, const jval_t *root, const runinfo_t *ri)
{
	check_structure(what, root);
	guint faults = count_events(root, "X", "minor fault", "fault") +
		       count_events(root, "X", "major fault", "fault") +
		       count_events(root, "X", "cow fault", "fault") +
		       count_events(root, "X", "zero fault", "fault");
	ck_assert_msg(faults == ri->faults, "%s: %u fault slices, minflt+majflt %"
		      G_GUINT64_FORMAT, what, faults, ri->faults);
	ck_assert_uint_eq(count_events(root, "X", "sigsegv fault", "fault"), ri->sigsegv);
	ck_assert_uint_eq(count_events(root, "i", "SIGSEGV", "signal"), ri->sigsegv);
	ck_assert_uint_eq(count_events(root, "X", "sigbus fault", "fault"), ri->sigbus);
	ck_assert_uint_eq(count_events(root, "X", NULL, "disk"), ri->disk_requests);
	ck_assert_uint_eq(count_events(root, "i", "OOM kill", "oom"), ri->oom_kills);
	ck_assert_int_eq(last_counter(root, "free"), (int64_t)ri->free);
	ck_assert_int_eq(last_counter(root, "file"), (int64_t)ri->file);
	ck_assert_int_eq(last_counter(root, "anon"), (int64_t)ri->anon);
	ck_assert_int_eq(last_counter(root, "dirty"), (int64_t)ri->dirty);
	ck_assert_int_eq(last_counter(root, "swap"), (int64_t)ri->swap);
	jval_t *md = jget(root, "metadata");
	ck_assert_int_eq(jint(md, "sim_time_ns"), (int64_t)ri->now);
	ck_assert_int_eq(jint(md, "events"), (int64_t)ri->events);
}

static jval_t *timeline_of(const char *name, runinfo_t *ri)
{
	char *path = scenario(name);
	char *out = tmp_path("scenario.json");
	ck_assert(run_with_timeline(path, NULL, NULL, out, ri));
	jval_t *root = load(out);
	check_against(name, root, ri);
	ck_assert_str_eq(jstr(jget(root, "metadata"), "status"), "ok");
	g_unlink(out);
	g_free(out);
	g_free(path);
	return root;
}

/* Every small scenario: structure and counts. */
static const char *const small_scenarios[] = {
	"belady-fifo-3.vmt", "cached-scan.vmt", "cold-scan.vmt", "cold-touch.vmt",
	"fork-cow.vmt", "fork-shared.vmt", "hand-tiny.vmt", "lru-3.vmt",
	"msync-crash.vmt", "opt-3.vmt", "private-write.vmt",
	"reclaim-clean-dirty.vmt", "sigsegv-kill.vmt", "sparse-writeback.vmt",
	"tlb-asid.vmt", "tlb-noasid.vmt", "tour.vmt", "truncate-sigbus.vmt",
	"unlink-mmap.vmt", "writeback-flusher.vmt", "x86-32-walk.vmt",
};

START_TEST(test_scenario_structure)
{
	runinfo_t ri;
	jfree(timeline_of(small_scenarios[_i], &ri));
}
END_TEST

/* cold-touch: a major fault's slice lasts until its disk read completes. */
START_TEST(test_cold_touch)
{
	runinfo_t ri;
	jval_t *root = timeline_of("cold-touch.vmt", &ri);
	jval_t *f = find_event(root, "X", "major fault", 0);
	ck_assert_ptr_nonnull(f);
	jval_t *args = jget(f, "args");
	ck_assert_str_eq(jstr(args, "outcome"), "major");
	ck_assert_str_eq(jstr(args, "reason"), "file_read");
	ck_assert_str_eq(jstr(args, "addr"), "0x100000000");
	ck_assert_int_gt(jint(args, "readahead_pages"), 0);
	ck_assert_ptr_nonnull(strstr(jstr(args, "why"), "read it from the disk"));
	ck_assert_int_eq(jint(f, "pid"), 1);
	int64_t start = jns(f, "ts"), end = start + jns(f, "dur");
	ck_assert_int_gt(jns(args, "wait_us"), 0);
	/* the disk read it waits for: on the disk's track, ending as it does */
	GPtrArray *ev = events_of(root);
	gboolean found = FALSE;
	for (guint i = 0; i < ev->len && !found; i++) {
		jval_t *e = g_ptr_array_index(ev, i);
		if (strcmp(jstr(e, "ph"), "X") || g_strcmp0(jstr(e, "cat"), "disk"))
			continue;
		int64_t ds = jns(e, "ts"), de = ds + jns(e, "dur");
		found = ds >= start && de == end &&
			!strcmp(jstr(jget(e, "args"), "dir"), "read");
	}
	ck_assert_msg(found, "no disk read ends when the major fault does");
	/* the tracks are named */
	GPtrArray *names = g_ptr_array_new();
	for (guint i = 0; i < ev->len; i++) {
		jval_t *e = g_ptr_array_index(ev, i);
		if (!strcmp(jstr(e, "ph"), "M") && !strcmp(jstr(e, "name"), "process_name"))
			g_ptr_array_add(names, (gpointer)jstr(jget(e, "args"), "name"));
	}
	gboolean mem = FALSE, disk = FALSE, p1 = FALSE;
	for (guint i = 0; i < names->len; i++) {
		const char *n = g_ptr_array_index(names, i);
		mem |= !strcmp(n, "memory");
		disk |= !strcmp(n, "disk nvme");
		p1 |= !strcmp(n, "pid 1");
	}
	ck_assert(mem && disk && p1);
	g_ptr_array_free(names, TRUE);
	/* counters for free, file, anon and dirty pages, at time 0 too */
	jval_t *c = find_event(root, "C", "free", 0);
	ck_assert_ptr_nonnull(c);
	ck_assert_int_eq(jns(c, "ts"), 0);
	ck_assert_ptr_nonnull(find_event(root, "C", "file", 1));   /* it grew */
	ck_assert_ptr_nonnull(find_event(root, "C", "anon", 0));
	ck_assert_ptr_nonnull(find_event(root, "C", "dirty", 0));
	/* mmap is an instant on pid 1, with its record */
	jval_t *mm = find_event(root, "i", "mmap", 0);
	ck_assert_ptr_nonnull(mm);
	ck_assert_str_eq(jstr(jget(mm, "args"), "record"),
			 "1 mmap 0x100000000 64M r shared fd=3");
	jfree(root);
}
END_TEST

START_TEST(test_fork_cow)
{
	runinfo_t ri;
	jval_t *root = timeline_of("fork-cow.vmt", &ri);
	jval_t *f = find_event(root, "i", "fork", 0);
	ck_assert_ptr_nonnull(f);
	ck_assert_int_eq(jint(f, "pid"), 1);
	ck_assert_int_eq(jint(jget(f, "args"), "child"), 2);
	jval_t *c = find_event(root, "i", "forked", 0);
	ck_assert_ptr_nonnull(c);
	ck_assert_int_eq(jint(c, "pid"), 2);
	ck_assert_int_eq(jint(jget(c, "args"), "parent"), 1);
	ck_assert_int_ge(jns(c, "ts"), jns(f, "ts"));
	ck_assert_uint_eq(count_events(root, "X", "cow fault", "fault"), 8);
	ck_assert_uint_eq(count_events(root, "i", "exit", "syscall"), 2);
	jval_t *cow = find_event(root, "X", "cow fault", 0);
	ck_assert_int_eq(jint(cow, "pid"), 2);
	ck_assert_str_eq(jstr(jget(cow, "args"), "reason"), "cow_copy");
	jfree(root);
}
END_TEST

START_TEST(test_oom_kill)
{
	runinfo_t ri;
	jval_t *root = timeline_of("oom-noswap.vmt", &ri);
	ck_assert_uint_eq(ri.oom_kills, 1);
	jval_t *k = find_event(root, "i", "OOM kill", 0);
	ck_assert_ptr_nonnull(k);
	ck_assert_str_eq(jstr(k, "s"), "p");
	ck_assert_int_eq(jint(k, "pid"), 2);
	ck_assert_int_eq(jint(jget(k, "args"), "victim"), 2);
	ck_assert_int_gt(jint(jget(k, "args"), "points"), 0);
	jfree(root);
}
END_TEST

/* A cgroup's counters: its pages by kind, its OOM kill (memcg-oom.vmt:
 * pid 2's 10240 pages, then pid 3's 7680 after the kill). */
START_TEST(test_memcg_counters)
{
	runinfo_t ri;
	jval_t *root = timeline_of("memcg-oom.vmt", &ri);
	ck_assert_uint_eq(ri.oom_kills, 1);
	guint n = count_events(root, "C", "cgroup box", "memory");
	ck_assert_uint_ge(n, 3);   /* at 0, after each writer */
	jval_t *last = find_event(root, "C", "cgroup box", n - 1);
	ck_assert_int_eq(jint(jget(last, "args"), "anon"), 7680);
	ck_assert_int_eq(jint(jget(last, "args"), "file"), 0);
	guint ne = count_events(root, "C", "cgroup box events", "memory");
	ck_assert_uint_eq(ne, 2);  /* at 0, and the kill */
	jval_t *k = find_event(root, "C", "cgroup box events", 1);
	ck_assert_int_eq(jint(jget(k, "args"), "oom_kill"), 1);
	/* a trace without cgroups has no such counter */
	jfree(root);
	root = timeline_of("oom-noswap.vmt", &ri);
	ck_assert_uint_eq(count_events(root, "C", "cgroup box", NULL), 0);
	jfree(root);
}
END_TEST

START_TEST(test_signals)
{
	runinfo_t ri;
	jval_t *root = timeline_of("sigsegv-kill.vmt", &ri);
	guint killed = 0, caught = 0;
	for (guint n = 0; ; n++) {
		jval_t *s = find_event(root, "i", "SIGSEGV", n);
		if (!s)
			break;
		const char *a = jstr(jget(s, "args"), "action");
		killed += !strcmp(a, "killed");
		caught += !strcmp(a, "caught");
	}
	ck_assert_uint_eq(killed, 1);
	ck_assert_uint_eq(caught, 1);
	jfree(root);
	root = timeline_of("truncate-sigbus.vmt", &ri);
	ck_assert_uint_gt(count_events(root, "i", "SIGBUS", "signal"), 0);
	ck_assert_uint_gt(count_events(root, "i", "ftruncate", "syscall"), 0);
	jfree(root);
}
END_TEST

/* A crash is a global instant; sleeps are slices that last the sleep. */
START_TEST(test_crash_and_sleep)
{
	runinfo_t ri;
	jval_t *root = timeline_of("writeback-flusher.vmt", &ri);
	jval_t *c = find_event(root, "i", "crash", 0);
	ck_assert_ptr_nonnull(c);
	ck_assert_str_eq(jstr(c, "s"), "g");
	ck_assert_int_ge(jint(jget(c, "args"), "lost_pages"), 0);
	jval_t *s = find_event(root, "X", "sleep", 0);
	ck_assert_ptr_nonnull(s);
	/* 20 s of sleep after the nanosleep() call's 100 ns */
	ck_assert_int_eq(jns(s, "dur"), 20000000000LL + 100);
	ck_assert_int_eq(jns(jget(s, "args"), "wait_us"), 20000000000LL);
	jfree(root);
}
END_TEST

/* Arrows from what waits to the request it waits for: a cold read() and
 * a major fault, each pointing at a read that ends when the wait does. */
START_TEST(test_flows)
{
	static const char text[] =
		"vmt 1\n"
		"file data size=8M\n"
		"1 open data fd=3\n"
		"1 read 3 0 4K\n"
		"1 mmap 0x10000000 8M r shared fd=3\n"
		"1 r 0x10600000\n";
	char *out = tmp_path("flows.json");
	runinfo_t ri;
	ck_assert(run_with_timeline("flows.vmt", text, NULL, out, &ri));
	jval_t *root = load(out);
	check_against("flows", root, &ri);
	ck_assert_uint_eq(count_events(root, "s", "waits for", "flow"), 2);
	ck_assert_uint_eq(count_events(root, "f", "waits for", "flow"), 2);
	const char *waiters[] = { "read", "major fault" };
	for (guint n = 0; n < 2; n++) {
		/* the read() call, not the disk's read */
		jval_t *w = NULL;
		for (guint k = 0; (w = find_event(root, "X", waiters[n], k)); k++)
			if (strcmp(jstr(w, "cat"), "disk") != 0)
				break;
		ck_assert_ptr_nonnull(w);
		int64_t end = jns(w, "ts") + jns(w, "dur");
		ck_assert_int_gt(jns(jget(w, "args"), "wait_us"), 0);
		jval_t *s = find_event(root, "s", "waits for", n);
		jval_t *f = find_event(root, "f", "waits for", n);
		ck_assert_int_eq(jint(s, "id"), jint(f, "id"));
		ck_assert_int_eq(jns(s, "ts"), jns(w, "ts"));
		/* the disk slice the arrow points at ends with the wait */
		GPtrArray *ev = events_of(root);
		gboolean found = FALSE;
		for (guint i = 0; i < ev->len; i++) {
			jval_t *e = g_ptr_array_index(ev, i);
			if (!strcmp(jstr(e, "ph"), "X") && !g_strcmp0(jstr(e, "cat"), "disk") &&
			    jint(e, "tid") == jint(f, "tid") && jns(e, "ts") == jns(f, "ts"))
				found |= jns(e, "ts") + jns(e, "dur") == end;
		}
		ck_assert_msg(found, "the arrow of %s points at no read ending with it",
			      waiters[n]);
	}
	jfree(root);
	g_unlink(out);
	g_free(out);
}
END_TEST

/* A swap scenario: swap-in and swap-out requests on the disk's tracks. */
START_TEST(test_swap)
{
	runinfo_t ri;
	jval_t *root = timeline_of("lru-3.vmt", &ri);
	ck_assert_uint_gt(count_events(root, "X", "swap-out", "disk"), 0);
	ck_assert_uint_gt(count_events(root, "X", "swap-in", "disk"), 0);
	jval_t *f = find_event(root, "X", "major fault", 0);
	ck_assert_str_eq(jstr(jget(f, "args"), "reason"), "swapin");
	jfree(root);
}
END_TEST

/* Notes keep their text through the escaping, whatever it holds. */
START_TEST(test_escaping)
{
	static const char text[] =
		"vmt 1\n"
		"1 note say \"hi\" \\ back\\slash \x01 and caf\xc3\xa9\n"
		"1 mmap 0x10000 4K rw private anon\n"
		"1 w 0x10000\n";
	char *out = tmp_path("escape.json");
	runinfo_t ri;
	ck_assert(run_with_timeline("esc\"ape.vmt", text, NULL, out, &ri));
	jval_t *root = load(out);
	check_against("escape", root, &ri);
	jval_t *n = find_event(root, "i", "note", 0);
	ck_assert_ptr_nonnull(n);
	ck_assert_str_eq(jstr(jget(n, "args"), "text"),
			 "say \"hi\" \\ back\\slash \x01 and caf\xc3\xa9");
	ck_assert_str_eq(jstr(jget(root, "metadata"), "trace"), "esc\"ape.vmt");
	jfree(root);
	g_unlink(out);
	g_free(out);
}
END_TEST

/* A read of untouched anonymous memory maps the shared zero page, which is
 * no frame: its fault says "zero page", not the frame number 4294967295
 * (VM_NIL) it once printed; the write after it gets a real frame. */
START_TEST(test_zero_page_frame)
{
	static const char text[] =
		"vmt 1\n"
		"1 mmap 0x10000 4K rw private anon\n"
		"1 r 0x10000\n"
		"1 w 0x10000\n";
	char *out = tmp_path("zero.json");
	runinfo_t ri;
	ck_assert(run_with_timeline("zero.vmt", text, NULL, out, &ri));
	jval_t *root = load(out);
	check_against("zero", root, &ri);
	jval_t *z = find_event(root, "X", "zero fault", 0);
	ck_assert_ptr_nonnull(z);
	ck_assert_ptr_null(jget(jget(z, "args"), "pfn"));
	ck_assert_str_eq(jstr(jget(z, "args"), "frame"), "zero page");
	jval_t *m = find_event(root, "X", "minor fault", 0);
	ck_assert_ptr_nonnull(m);
	ck_assert_int_ge(jint(jget(m, "args"), "pfn"), 0);
	ck_assert_int_lt(jint(jget(m, "args"), "pfn"), 4294967295LL);
	ck_assert_ptr_null(jget(jget(m, "args"), "frame"));
	jfree(root);
	g_unlink(out);
	g_free(out);
}
END_TEST

/* The same inputs give the same bytes: a small machine with files, fork,
 * swap, a sleep and random accesses. */
START_TEST(test_deterministic)
{
	static const char text[] =
		"vmt 1\n"
		"profile tiny\n"
		"file data size=32K\n"
		"1 open data fd=3\n"
		"1 mmap 0x10000 32K r shared fd=3\n"
		"1 mmap 0x20000 64K rw private anon\n"
		"1 seq r 0x10000 32K\n"
		"1 fork 2\n"
		"2 seq w 0x20000 64K\n"
		"1 write 3 0 8K\n"
		"1 fsync 3\n"
		"1 sleep 1ms\n"
		"2 rand r 0x20000 64K count=50\n"
		"1 rand w 0x20000 64K count=50 seed=7\n";
	char *a = tmp_path("a.json"), *b = tmp_path("b.json");
	runinfo_t ri;
	ck_assert(run_with_timeline("det.vmt", text, NULL, a, &ri));
	ck_assert(run_with_timeline("det.vmt", text, NULL, b, &ri));
	char *ta, *tb;
	gsize la, lb;
	ck_assert(g_file_get_contents(a, &ta, &la, NULL));
	ck_assert(g_file_get_contents(b, &tb, &lb, NULL));
	ck_assert_uint_gt(la, 1000);
	ck_assert_uint_eq(la, lb);
	ck_assert(memcmp(ta, tb, la) == 0);
	jval_t *root = load(a);
	check_against("det", root, &ri);
	ck_assert_uint_gt(count_events(root, "X", "swap-out", "disk"), 0);
	ck_assert_uint_gt(count_events(root, "X", "fsync", "syscall"), 0);
	jfree(root);
	g_free(ta);
	g_free(tb);
	g_unlink(a);
	g_unlink(b);
	g_free(a);
	g_free(b);
}
END_TEST

/* A run that fails still gets its timeline, marked failed, up to there. */
START_TEST(test_failed_run)
{
	static const char text[] =
		"vmt 1\n"
		"profile tiny\n"
		"set swap.size=0\n"
		"set oom.policy=none\n"
		"1 mmap 0x10000 512K rw private anon\n"
		"1 seq w 0x10000 512K\n";
	char *out = tmp_path("failed.json");
	runinfo_t ri;
	ck_assert(!run_with_timeline("oom.vmt", text, NULL, out, &ri));
	jval_t *root = load(out);
	check_against("failed", root, &ri);   /* counters: up to the failure */
	ck_assert_uint_eq(ri.free, 0);
	jval_t *md = jget(root, "metadata");
	ck_assert_str_eq(jstr(md, "status"), "failed");
	ck_assert_ptr_nonnull(strstr(jstr(md, "error"), "out of memory"));
	jval_t *f = find_event(root, "i", "run failed", 0);
	ck_assert_ptr_nonnull(f);
	ck_assert_str_eq(jstr(f, "s"), "g");
	ck_assert_uint_gt(count_events(root, "X", "minor fault", "fault"), 0);
	jfree(root);
	g_unlink(out);
	g_free(out);
}
END_TEST

/* Where the file cannot be created: a clear error, and no file at all. */
START_TEST(test_unwritable)
{
	char *file = tmp_path("plain-file");
	ck_assert(g_file_set_contents(file, "x", 1, NULL));
	char *places[3];
	places[0] = g_build_filename(tmpdir, "no-such-dir", "t.json", NULL);
	places[1] = g_build_filename(file, "t.json", NULL);   /* under a file */
	places[2] = NULL;
	char *ro = NULL;
	if (geteuid() != 0) {   /* root writes anywhere */
		ro = tmp_path("read-only");
		ck_assert(g_mkdir(ro, 0500) == 0);
		places[2] = g_build_filename(ro, "t.json", NULL);
	}
	for (int i = 0; i < 3 && places[i]; i++) {
		GError *err = NULL;
		vm_engine_opts_t opts = { 0 };
		vm_timeline_t *tl = vm_timeline_new(places[i]);
		vm_timeline_hook(tl, &opts);
		vm_engine_t *e = vm_engine_open_memory("tour.vmt", vm_tour_text, NULL,
						       NULL, &opts, &err);
		ck_assert_ptr_nonnull(e);
		ck_assert(!vm_timeline_start(tl, e, &err));
		ck_assert_ptr_nonnull(err);
		ck_assert_msg(strstr(err->message, places[i]) != NULL,
			      "the error does not name the file: %s", err->message);
		ck_assert_msg(strstr(err->message, "cannot write") != NULL, "%s",
			      err->message);
		g_error_free(err);
		vm_timeline_free(tl);
		vm_engine_free(e);
		ck_assert(!g_file_test(places[i], G_FILE_TEST_EXISTS));
		char *tmp = g_strconcat(places[i], ".tmp", NULL);
		ck_assert(!g_file_test(tmp, G_FILE_TEST_EXISTS));
		g_free(tmp);
		g_free(places[i]);
	}
	if (ro) {
		g_rmdir(ro);
		g_free(ro);
	}
	g_unlink(file);
	g_free(file);
}
END_TEST

/* FILE is a directory: refused before the run (traces/outfile.h), nothing
 * left beside it, the directory untouched. */
START_TEST(test_directory_refused)
{
	char *dir = tmp_path("is-a-dir");
	ck_assert(g_mkdir(dir, 0755) == 0);
	char *inside = g_build_filename(dir, "keep", NULL);
	ck_assert(g_file_set_contents(inside, "k", 1, NULL));
	GError *err = NULL;
	vm_engine_opts_t opts = { 0 };
	vm_timeline_t *tl = vm_timeline_new(dir);
	vm_timeline_hook(tl, &opts);
	vm_engine_t *e = vm_engine_open_memory("tour.vmt", vm_tour_text, NULL, NULL,
					       &opts, &err);
	ck_assert_ptr_nonnull(e);
	ck_assert(!vm_timeline_start(tl, e, &err));
	ck_assert_ptr_nonnull(strstr(err->message, dir));
	ck_assert_ptr_nonnull(strstr(err->message, "is a directory"));
	g_error_free(err);
	vm_timeline_free(tl);
	vm_engine_free(e);
	/* nothing beside it: the directory holds is-a-dir alone */
	GDir *d = g_dir_open(tmpdir, 0, NULL);
	const char *n;
	while ((n = g_dir_read_name(d)))
		ck_assert_msg(!g_str_has_prefix(n, "is-a-dir."), "left behind: %s", n);
	g_dir_close(d);
	ck_assert(g_file_test(inside, G_FILE_TEST_IS_REGULAR));
	g_unlink(inside);
	g_rmdir(dir);
	g_free(inside);
	g_free(dir);
}
END_TEST

/* ---- the command line ------------------------------------------------------ */

static int vmscope(char **args, char **out, char **err)
{
	const char *prog = g_getenv("VMSCOPE");
	GPtrArray *argv = g_ptr_array_new();
	g_ptr_array_add(argv, (gpointer)prog);
	for (char **a = args; *a; a++)
		g_ptr_array_add(argv, *a);
	g_ptr_array_add(argv, NULL);
	int status = -1;
	GError *e = NULL;
	ck_assert_msg(g_spawn_sync(NULL, (char **)argv->pdata, NULL, G_SPAWN_DEFAULT,
				   NULL, NULL, out, err, &status, &e),
		      "%s", e ? e->message : "?");
	g_ptr_array_free(argv, TRUE);
	ck_assert_msg(WIFEXITED(status), "vmscope %s did not exit", args[0]);
	return WEXITSTATUS(status);
}

START_TEST(test_cli)
{
	if (!g_getenv("VMSCOPE")) {
		fprintf(stderr, "VMSCOPE not set: command-line cases skipped\n");
		return;
	}
	char *out = tmp_path("cli.json");
	char *trace = scenario("cold-touch.vmt");
	char *so = NULL, *se = NULL;
	/* run: the statistics as usual, and the file */
	char *a1[] = { "run", "-q", "--timeline", out, trace, NULL };
	ck_assert_int_eq(vmscope(a1, &so, &se), 0);
	ck_assert_str_eq(se, "");
	g_free(so);
	g_free(se);
	jval_t *root = load(out);
	check_structure("cli run", root);
	ck_assert_uint_eq(count_events(root, "X", "major fault", "fault"), 3);
	jfree(root);
	g_unlink(out);
	/* explain: the narration still comes, chained */
	char *a2[] = { "explain", "--each", "--timeline", out, trace, NULL };
	ck_assert_int_eq(vmscope(a2, &so, &se), 0);
	ck_assert_ptr_nonnull(strstr(so, "major"));
	ck_assert_ptr_nonnull(strstr(so, "0x100000000"));
	g_free(so);
	g_free(se);
	root = load(out);
	check_structure("cli explain", root);
	jfree(root);
	g_unlink(out);
	/* tour */
	char *a3[] = { "tour", "--timeline", out, NULL };
	ck_assert_int_eq(vmscope(a3, &so, &se), 0);
	ck_assert_ptr_nonnull(strstr(so, "events"));
	g_free(so);
	g_free(se);
	root = load(out);
	check_structure("cli tour", root);
	ck_assert_uint_gt(count_events(root, "i", "note", "note"), 0);
	jfree(root);
	g_unlink(out);
	/* a place that cannot be written: exit 1, the file named, no file */
	char *bad = g_build_filename(tmpdir, "no-such-dir", "t.json", NULL);
	char *a4[] = { "run", "--timeline", bad, trace, NULL };
	ck_assert_int_eq(vmscope(a4, &so, &se), 1);
	ck_assert_ptr_nonnull(strstr(se, bad));
	ck_assert_str_eq(so, "");   /* nothing was simulated */
	g_free(so);
	g_free(se);
	ck_assert(!g_file_test(bad, G_FILE_TEST_EXISTS));
	g_free(bad);
	/* a failed expectation is not a failed run: status 3, status ok */
	char *fails = tmp_path("fails.vmt");
	ck_assert(g_file_set_contents(fails, "vmt 1\n1 mmap 0x1000 4K rw private anon\n"
				      "1 w 0x1000\n1 expect minflt=5\n", -1, NULL));
	char *a5[] = { "run", "-q", "--timeline", out, fails, NULL };
	ck_assert_int_eq(vmscope(a5, &so, &se), 3);
	g_free(so);
	g_free(se);
	root = load(out);
	ck_assert_str_eq(jstr(jget(root, "metadata"), "status"), "ok");
	ck_assert_uint_eq(count_events(root, "i", "expect failed", "expect"), 1);
	jfree(root);
	g_unlink(out);
	/* a bad trace: exit 1 and no timeline */
	ck_assert(g_file_set_contents(fails, "vmt 1\n1 bogus\n", -1, NULL));
	char *a6[] = { "run", "--timeline", out, fails, NULL };
	ck_assert_int_eq(vmscope(a6, &so, &se), 1);
	g_free(so);
	g_free(se);
	ck_assert(!g_file_test(out, G_FILE_TEST_EXISTS));
	g_unlink(fails);
	g_free(fails);
	g_free(trace);
	g_free(out);
}
END_TEST

static Suite *timeline_suite(void)
{
	Suite *s = suite_create("timeline");
	TCase *tc = tcase_create("json");
	tcase_add_test(tc, test_parser_strict);
	suite_add_tcase(s, tc);
	tc = tcase_create("scenarios");
	tcase_set_timeout(tc, 120);
	tcase_add_loop_test(tc, test_scenario_structure, 0,
			    G_N_ELEMENTS(small_scenarios));
	tcase_add_test(tc, test_cold_touch);
	tcase_add_test(tc, test_fork_cow);
	tcase_add_test(tc, test_oom_kill);
	tcase_add_test(tc, test_memcg_counters);
	tcase_add_test(tc, test_signals);
	tcase_add_test(tc, test_crash_and_sleep);
	tcase_add_test(tc, test_swap);
	tcase_add_test(tc, test_flows);
	tcase_add_test(tc, test_escaping);
	tcase_add_test(tc, test_zero_page_frame);
	tcase_add_test(tc, test_deterministic);
	suite_add_tcase(s, tc);
	tc = tcase_create("file");
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_failed_run);
	tcase_add_test(tc, test_unwritable);
	tcase_add_test(tc, test_directory_refused);
	tcase_add_test(tc, test_cli);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	tmpdir = g_dir_make_tmp("vmscope-timeline-XXXXXX", NULL);
	if (!tmpdir) {
		fprintf(stderr, "cannot make a temporary directory\n");
		return 99;
	}
	int rc = vt_run_suite(timeline_suite());
	g_rmdir(tmpdir);
	g_free(tmpdir);
	return rc;
}
