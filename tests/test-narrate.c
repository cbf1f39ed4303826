/*
 * Tests of the hand-written number and time formatting (sim/narrate.c
 * vm_narrate_time, traces/units.c vm_append_*): every string must be the
 * one printf wrote before (docs/speed.md), byte for byte, since explain's
 * output is compared across versions and read by scripts.
 *
 * vm_narrate_time against printf("%.2fus" / "%.3fms" / "%.3fs") of the
 * same double: every value below 2 ms, every exact half (x.xx5us,
 * x.xxx5ms, x.xxx5s: where printf rounds the double, not the quotient,
 * and an exact binary tie such as 1.125 goes to the even digit), the
 * edges of each unit, and pseudo-random values of every size up to 2^64.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "sim/narrate.h"
#include "sim/tour.h"
#include "traces/units.h"
#include "tests/testlib.h"

/* What vm_narrate_time wrote before it was written by hand. */
static void time_printf(char *b, size_t n, uint64_t ns)
{
	if (ns < 1000)
		snprintf(b, n, "%" G_GUINT64_FORMAT "ns", ns);
	else if (ns < 1000000)
		snprintf(b, n, "%.2fus", ns / 1e3);
	else if (ns < 1000000000)
		snprintf(b, n, "%.3fms", ns / 1e6);
	else
		snprintf(b, n, "%.3fs", ns / 1e9);
}

static GString *out;

static void same_time(uint64_t ns)
{
	char want[64];
	time_printf(want, sizeof want, ns);
	g_string_truncate(out, 0);
	vm_narrate_time(out, ns);
	if (strcmp(out->str, want) != 0)
		ck_abort_msg("vm_narrate_time(%" G_GUINT64_FORMAT ") = \"%s\", printf \"%s\"",
			     ns, out->str, want);
}

static void setup(void)
{
	out = g_string_new(NULL);
}

static void teardown(void)
{
	g_string_free(out, TRUE);
}

START_TEST(time_below_2ms)
{
	for (uint64_t ns = 0; ns < 2000000; ns++)
		same_time(ns);
}
END_TEST

/* Exact halves of the last digit printed, in each unit, and their
 * neighbours. */
static const struct {
	uint64_t from, to, step, half;
} halves[] = {
	{ 1000, 1000000, 10, 5 },                 /* x.xx5us */
	{ 1000000, 1000000000, 1000, 500 },       /* x.xxx5ms */
	{ 1000000000, 4000000000000, 1000000, 500000 },   /* x.xxx5s */
	{ 999000000000000, 1000000000000000, 1000000, 500000 },
};

START_TEST(time_halves)
{
	uint64_t step = halves[_i].step;
	/* at most ~1 M values per row: a stride of whole steps */
	uint64_t stride = step * MAX(1, (halves[_i].to - halves[_i].from) / step / 1000000);
	for (uint64_t b = halves[_i].from; b < halves[_i].to; b += stride) {
		same_time(b + halves[_i].half - 1);
		same_time(b + halves[_i].half);
		same_time(b + halves[_i].half + 1);
		same_time(b + step - 1);
	}
}
END_TEST

START_TEST(time_edges_and_random)
{
	static const uint64_t edges[] = {
		0, 1, 999, 1000, 1004, 1005, 1006, 1125, 1375, 9995, 999994,
		999995, 999999, 1000000, 999999499, 999999500, 999999999,
		1000000000, 1000000500, 1125000000, 59999999999,
		VM_NARRATE_EXACT_NS - 1, VM_NARRATE_EXACT_NS,
		VM_NARRATE_EXACT_NS + 1, (uint64_t)1 << 53, ((uint64_t)1 << 53) + 1,
		UINT64_MAX - 1, UINT64_MAX,
	};
	for (size_t i = 0; i < G_N_ELEMENTS(edges); i++)
		same_time(edges[i]);
	/* every size: a random mantissa shifted to each bit length */
	uint64_t x = 0x9e3779b97f4a7c15;
	for (int i = 0; i < 2000000; i++) {
		vt_xorshift(&x);
		same_time(x >> (i % 64));
	}
}
END_TEST

START_TEST(append_numbers)
{
	static const uint64_t v[] = {
		0, 1, 9, 10, 99, 100, 12345, 99999, 100000, 4294967295u,
		4294967296u, UINT64_MAX,
	};
	for (size_t i = 0; i < G_N_ELEMENTS(v); i++) {
		char want[64];
		g_string_truncate(out, 0);
		vm_append_u64(out, v[i]);
		snprintf(want, sizeof want, "%" G_GUINT64_FORMAT, v[i]);
		ck_assert_str_eq(out->str, want);
		g_string_truncate(out, 0);
		vm_append_u64_w(out, v[i], 5);
		snprintf(want, sizeof want, "%5" G_GUINT64_FORMAT, v[i]);
		ck_assert_str_eq(out->str, want);
		g_string_truncate(out, 0);
		vm_append_hex(out, v[i]);
		snprintf(want, sizeof want, "0x%" G_GINT64_MODIFIER "x", v[i]);
		ck_assert_str_eq(out->str, want);
	}
	g_string_truncate(out, 0);
	VM_APPEND_LIT(out, "a literal");
	ck_assert_str_eq(out->str, "a literal");
	vm_append_str(out, ", a string");
	ck_assert_str_eq(out->str, "a literal, a string");
	/* every length and width, after what the string holds already, into
	 * a string that must grow (written in place: the string's room) */
	uint64_t x = 0x9e3779b97f4a7c15;
	for (int i = 0; i < 20000; i++) {
		vt_xorshift(&x);
		uint64_t y = x >> (i % 64);
		unsigned w = (unsigned)(i % 50);
		GString *g = g_string_sized_new(1);
		g_string_append(g, "pre ");
		vm_append_u64_w(g, y, w);
		char *want = g_strdup_printf("pre %*" G_GUINT64_FORMAT, w > 44 ? 44 : (int)w, y);
		ck_assert_str_eq(g->str, want);
		ck_assert_uint_eq(g->len, strlen(want));
		g_free(want);
		g_string_free(g, TRUE);
		/* hex (eight digits at a time) and an access's record, every
		 * number of digits, against printf */
		g = g_string_sized_new(1);
		g_string_append(g, "pre ");
		vm_append_hex(g, y);
		uint64_t pid = i % 33 ? x >> (64 - i % 33) : 0;
		char op = "rwx"[i % 3];
		vm_append_access(g, pid, op, y ^ (x << (i % 7)));
		want = g_strdup_printf("pre 0x%" G_GINT64_MODIFIER "x%" G_GUINT64_FORMAT
				       " %c 0x%" G_GINT64_MODIFIER "x", y, pid, op,
				       y ^ (x << (i % 7)));
		ck_assert_str_eq(g->str, want);
		ck_assert_uint_eq(g->len, strlen(want));
		/* again into a string with room: written in place */
		GString *big = g_string_sized_new(4096);
		g_string_append(big, "pre ");
		vm_append_hex(big, y);
		vm_append_access(big, pid, op, y ^ (x << (i % 7)));
		ck_assert_str_eq(big->str, want);
		ck_assert_uint_eq(big->len, strlen(want));
		g_string_free(big, TRUE);
		g_free(want);
		g_string_free(g, TRUE);
	}
}
END_TEST

/* ---- vm_narrate_step_memo ------------------------------------------------ */

typedef struct {
	GString *plain, *memo;
	vm_narrate_memo_t mm;
	uint64_t compared;
} memo_cmp_t;

/* Every event's line written both ways must be the same; every 7th event
 * is left out of the memo, as explain's filters leave events out. */
static void memo_step(void *ctx, vm_engine_t *e, const vm_step_t *st)
{
	memo_cmp_t *c = ctx;
	g_string_truncate(c->plain, 0);
	vm_narrate_step(c->plain, e, st);
	if (st->index % 7 == 3)
		return;
	g_string_truncate(c->memo, 0);
	vm_narrate_step_memo(c->memo, e, st, &c->mm);
	ck_assert_str_eq(c->memo->str, c->plain->str);
	c->compared++;
}

static uint64_t memo_replay_plain(const char *name, const char *text,
				  uint64_t *plain)
{
	memo_cmp_t c = { g_string_new(NULL), g_string_new(NULL), { 0 }, 0 };
	vm_engine_opts_t opts = { .ctx = &c, .on_step = memo_step };
	GError *err = NULL;
	vm_engine_t *e = vm_engine_open_memory(name, text, NULL, NULL, &opts, &err);
	ck_assert_msg(e != NULL, "%s", err ? err->message : "?");
	int rc;
	while ((rc = vm_engine_step(e, &err)) > 0)
		;
	ck_assert_msg(rc == 0, "%s", err ? err->message : "?");
	vm_engine_free(e);
	g_string_free(c.plain, TRUE);
	g_string_free(c.memo, TRUE);
	if (plain)
		*plain = c.mm.plain;
	return c.compared;
}

static uint64_t memo_replay(const char *name, const char *text)
{
	return memo_replay_plain(name, text, NULL);
}

/* The memo's lines are vm_narrate_step's: across the event numbers'
 * new columns (99999 to 100000), times in every scale (ns to s) and
 * rounding boundaries, and every kind of event the tour has. */
START_TEST(step_memo)
{
	ck_assert_uint_gt(memo_replay("tour.vmt", vm_tour_text), 20);
	GString *t = g_string_new("vmt 1\n1 mmap 0x100000 4M rw private anon\n");
	uint64_t x = 0x9e3779b97f4a7c15;
	for (int i = 0; i < 100100; i++) {
		vt_xorshift(&x);
		if (i % 4 == 0)   /* a random page: a fault, microseconds */
			g_string_append_printf(t, "1 w 0x%" G_GINT64_MODIFIER "x\n",
					       0x100000 + (x % 1024) * 4096);
		else              /* a hit, a nanosecond */
			g_string_append_printf(t, "1 r 0x%x\n", 0x100000 + (i % 4096) * 64);
		if (i == 50000)
			g_string_append(t, "1 sleep 999ms\n");
	}
	ck_assert_uint_gt(memo_replay("gen.vmt", t->str), 85000);
	g_string_free(t, TRUE);
}
END_TEST

/* The whole lines the memo writes (narrate_plain_memo: the record, and
 * the words of an access with its frame number in their hole) are
 * vm_narrate_step's, across what changes them or keeps them from being
 * written so: two processes (pids of 1 and 4 digits) after a fork, loads,
 * stores and fetches, addresses of 4 and 11 hex digits, L1 and L2 hits,
 * walks to a frame and to the zero page, frame numbers of 1 to 5 digits,
 * and memory short enough to reclaim and swap (lines with more words). */
START_TEST(step_memo_plain)
{
	GString *t = g_string_new("vmt 1\nset memory=2M\nset swap.size=64M\n"
				  "1 mmap 0x1000 40K rwx private anon\n"
				  "1 mmap 0x7f000000000 32M rw private anon\n"
				  "1 fork 4242\n");
	uint64_t x = 0x9e3779b97f4a7c15;
	for (int i = 0; i < 60000; i++) {
		vt_xorshift(&x);
		unsigned pid = (i / 5000) % 2 ? 4242 : 1;
		const char *op = x % 10 == 0 ? "w" : "r";
		if (x % 3 == 0)   /* the small mapping: code and data */
			g_string_append_printf(t, "%u %s 0x%x\n", pid,
					       x % 6 == 0 ? "x" : op,
					       0x1000 + (i % 640) * 64);
		else if (x % 3 == 1)   /* random pages: walks, L2 hits */
			g_string_append_printf(t, "%u %s 0x%" G_GINT64_MODIFIER "x\n",
					       pid, op, UINT64_C(0x7f000000000) +
					       ((x >> 8) % 8192) * 4096);
		else   /* sequential lines: L1 hits */
			g_string_append_printf(t, "%u %s 0x%" G_GINT64_MODIFIER "x\n",
					       pid, op, UINT64_C(0x7f000000000) +
					       (uint64_t)(i % 131072) * 64);
	}
	uint64_t plain = 0;
	uint64_t n = memo_replay_plain("plain.vmt", t->str, &plain);
	ck_assert_uint_gt(n, 50000);
	/* a third of the lines are whole from the memo (faults move the
	 * start time's text on and have words of their own), and not all */
	ck_assert_uint_gt(plain, n / 3);
	ck_assert_uint_lt(plain, n);
	g_string_free(t, TRUE);
}
END_TEST

static Suite *narrate_suite(void)
{
	Suite *s = suite_create("narrate");
	TCase *tc = tcase_create("format");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, time_below_2ms);
	tcase_add_loop_test(tc, time_halves, 0, G_N_ELEMENTS(halves));
	tcase_add_test(tc, time_edges_and_random);
	tcase_add_test(tc, append_numbers);
	tcase_add_test(tc, step_memo);
	tcase_add_test(tc, step_memo_plain);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return vt_run_suite(narrate_suite());
}
