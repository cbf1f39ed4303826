/*
 * Tests of traces/units.c: NUMBER, SIZE and DURATION parsing and printing
 * (docs/format.md).
 *
 * Table-driven: each table row is one loop iteration of a test, so a failure
 * names the row.  The edges that matter most are overflow (a trace with a
 * huge number must be an error, never a wrapped value), the suffix rules
 * (only K, M, G; a DURATION must have a unit), and that every printed value
 * parses back to itself, since `convert` and vm_vmt_format rely on it.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>
#include "traces/units.h"
#include "tests/testlib.h"

typedef struct {
	const char *text;
	uint64_t value;
} good_t;

/* --- NUMBER ----------------------------------------------------------- */

static const good_t good_numbers[] = {
	{ "0", 0 },
	{ "7", 7 },
	{ "4096", 4096 },
	{ "007", 7 },
	{ "0x0", 0 },
	{ "0x10", 16 },
	{ "0XfF", 255 },
	{ "0x7f0012345000", 0x7f0012345000ULL },
	{ "18446744073709551615", UINT64_MAX },
	{ "0xffffffffffffffff", UINT64_MAX },
	{ "0x00000000000000000001", 1 },          /* 20 hex digits, leading 0s */
	{ "000000000000000000000042", 42 },       /* 24 decimal digits */
	{ "9999999999999999999", 9999999999999999999ULL }, /* 19 digits */
};

START_TEST(number_good)
{
	const good_t *g = &good_numbers[_i];
	uint64_t v = 12345;

	ck_assert_msg(vm_parse_number(g->text, &v), "'%s' rejected", g->text);
	ck_assert_uint_eq(v, g->value);
}
END_TEST

static const char *const bad_numbers[] = {
	"", "-1", "+1", " 1", "1 ", "0x", "0x1g", "12a", "1K", "1.5", "0b101",
	"x10", "18446744073709551616", "99999999999999999999",
	"0x10000000000000000", "0x1_000",
};

START_TEST(number_bad)
{
	uint64_t v = 12345;

	ck_assert_msg(!vm_parse_number(bad_numbers[_i], &v),
		      "'%s' accepted", bad_numbers[_i]);
	ck_assert_uint_eq(v, 12345);    /* untouched on failure */
}
END_TEST

/* The _n forms read exactly @len bytes: no NUL needed, the rest ignored. */
START_TEST(number_n_slices)
{
	uint64_t v;

	ck_assert(vm_parse_number_n("4096xyz", 4, &v));
	ck_assert_uint_eq(v, 4096);
	ck_assert(vm_parse_number_n("0x10 20", 4, &v));
	ck_assert_uint_eq(v, 16);
	ck_assert(!vm_parse_number_n("4096", 0, &v));
	ck_assert(vm_parse_size_n("4K 8K", 2, &v));
	ck_assert_uint_eq(v, 4096);
	ck_assert(vm_parse_size_n("4KB", 2, &v));
	ck_assert(!vm_parse_size_n("4KB", 3, &v));
	ck_assert(vm_parse_duration_n("5msXX", 3, &v));
	ck_assert_uint_eq(v, 5000000);
	ck_assert(!vm_parse_duration_n("5msXX", 2, &v)); /* "5m": no unit */
	ck_assert(!vm_parse_duration_n("10s", 2, &v));    /* "10": no unit */
	ck_assert(vm_parse_duration_n("1s0", 2, &v));     /* "1s" */
	ck_assert_uint_eq(v, 1000000000);
}
END_TEST

/* --- SIZE ----------------------------------------------------------------- */

static const good_t good_sizes[] = {
	{ "0", 0 },
	{ "1", 1 },
	{ "4097", 4097 },
	{ "4K", 4096 },
	{ "64M", 64ULL << 20 },
	{ "1G", 1ULL << 30 },
	{ "0K", 0 },
	{ "0x1000", 4096 },
	{ "0x10K", 16 << 10 },
	{ "17179869183G", 17179869183ULL << 30 },     /* largest in G */
	{ "17592186044415M", 17592186044415ULL << 20 }, /* largest in M */
	{ "18446744073709551615", UINT64_MAX },
};

START_TEST(size_good)
{
	const good_t *g = &good_sizes[_i];
	uint64_t v = 12345;

	ck_assert_msg(vm_parse_size(g->text, &v), "'%s' rejected", g->text);
	ck_assert_uint_eq(v, g->value);
}
END_TEST

static const char *const bad_sizes[] = {
	"", "K", "4k", "4m", "4g", "4KB", "4T", "4 K", " 4K", "-4K", "0xK",
	"4KK", "1.5K", "17179869184G", "17592186044416M", "18014398509481984K",
	"18446744073709551616", "4Ki",
};

START_TEST(size_bad)
{
	uint64_t v = 12345;

	ck_assert_msg(!vm_parse_size(bad_sizes[_i], &v), "'%s' accepted",
		      bad_sizes[_i]);
	ck_assert_uint_eq(v, 12345);
}
END_TEST

/* --- DURATION ------------------------------------------------------------ */

static const good_t good_durations[] = {
	{ "0ns", 0 },
	{ "0s", 0 },
	{ "1500ns", 1500 },
	{ "80us", 80000 },
	{ "5ms", 5000000 },
	{ "1s", 1000000000 },
	{ "30s", 30000000000ULL },
	{ "0x10ns", 16 },
	{ "0x10s", 16000000000ULL },
	{ "18446744073s", 18446744073000000000ULL },    /* largest in s */
	{ "18446744073709551615ns", UINT64_MAX },
};

START_TEST(duration_good)
{
	const good_t *g = &good_durations[_i];
	uint64_t v = 12345;

	ck_assert_msg(vm_parse_duration(g->text, &v), "'%s' rejected", g->text);
	ck_assert_uint_eq(v, g->value);
}
END_TEST

static const char *const bad_durations[] = {
	"", "5", "s", "ns", "ms", "5m", "5n", "5 ms", "5sec", "5Ms", "5S",
	"5NS", "-5s", "5ns ", "18446744074s", "18446744073710ms",
	"18446744073709552us", "18446744073709551616ns", "1.5s", "5min",
};

START_TEST(duration_bad)
{
	uint64_t v = 12345;

	ck_assert_msg(!vm_parse_duration(bad_durations[_i], &v),
		      "'%s' accepted", bad_durations[_i]);
	ck_assert_uint_eq(v, 12345);
}
END_TEST

/* --- Printing ----------------------------------------------------------- */

static const good_t size_spellings[] = {
	{ "0", 0 },
	{ "1", 1 },
	{ "4097", 4097 },
	{ "1536", 1536 },
	{ "4K", 4096 },
	{ "1025K", 1025 << 10 },
	{ "3M", 3 << 20 },
	{ "1025M", (1ULL << 30) + (1ULL << 20) },
	{ "1G", 1ULL << 30 },
	{ "8589934592G", 1ULL << 63 },
	{ "18446744073709551615", UINT64_MAX },
};

START_TEST(format_size)
{
	const good_t *g = &size_spellings[_i];
	char *s = vm_format_size(g->value);
	uint64_t back;

	ck_assert_str_eq(s, g->text);
	ck_assert(vm_parse_size(s, &back));
	ck_assert_uint_eq(back, g->value);
	g_free(s);
}
END_TEST

static const good_t duration_spellings[] = {
	{ "0ns", 0 },
	{ "1ns", 1 },
	{ "1500ns", 1500 },
	{ "80us", 80000 },
	{ "1500us", 1500000 },
	{ "5ms", 5000000 },
	{ "2s", 2000000000 },
	{ "30s", 30000000000ULL },
	{ "18446744073709551615ns", UINT64_MAX },
};

START_TEST(format_duration)
{
	const good_t *g = &duration_spellings[_i];
	char *s = vm_format_duration(g->value);
	uint64_t back;

	ck_assert_str_eq(s, g->text);
	ck_assert(vm_parse_duration(s, &back));
	ck_assert_uint_eq(back, g->value);
	g_free(s);
}
END_TEST

/* Every value printed parses back to itself, across many magnitudes. */
START_TEST(format_round_trip)
{
	uint64_t s = 1;

	for (int i = 0; i < 20000; i++) {
		uint64_t v, back;
		char *t;

		/* splitmix-ish values, shifted to cover every magnitude and
		 * the multiples of the units */
		s += 0x9E3779B97F4A7C15ULL;
		v = (s ^ (s >> 29)) >> (i % 64);
		if (i % 3 == 0)
			v <<= (i % 31);
		t = vm_format_size(v);
		ck_assert_msg(vm_parse_size(t, &back) && back == v,
			      "size %" G_GUINT64_FORMAT " -> '%s'", v, t);
		g_free(t);
		t = vm_format_duration(v);
		ck_assert_msg(vm_parse_duration(t, &back) && back == v,
			      "duration %" G_GUINT64_FORMAT " -> '%s'", v, t);
		g_free(t);
	}
}
END_TEST

static Suite *
units_suite(void)
{
	Suite *s = suite_create("units");
	TCase *tc;

	tc = tcase_create("number");
	tcase_add_loop_test(tc, number_good, 0, G_N_ELEMENTS(good_numbers));
	tcase_add_loop_test(tc, number_bad, 0, G_N_ELEMENTS(bad_numbers));
	tcase_add_test(tc, number_n_slices);
	suite_add_tcase(s, tc);

	tc = tcase_create("size");
	tcase_add_loop_test(tc, size_good, 0, G_N_ELEMENTS(good_sizes));
	tcase_add_loop_test(tc, size_bad, 0, G_N_ELEMENTS(bad_sizes));
	suite_add_tcase(s, tc);

	tc = tcase_create("duration");
	tcase_add_loop_test(tc, duration_good, 0, G_N_ELEMENTS(good_durations));
	tcase_add_loop_test(tc, duration_bad, 0, G_N_ELEMENTS(bad_durations));
	suite_add_tcase(s, tc);

	tc = tcase_create("format");
	tcase_add_loop_test(tc, format_size, 0, G_N_ELEMENTS(size_spellings));
	tcase_add_loop_test(tc, format_duration, 0,
			    G_N_ELEMENTS(duration_spellings));
	tcase_add_test(tc, format_round_trip);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return vt_run_suite(units_suite());
}
