/*
 * Tests for sim/config.c: machine profiles (docs/profiles.md).
 *
 * Table-driven: every built-in profile loads and validates; every key of
 * `default` prints as docs/profiles.md's table spells it; good and bad -s
 * assignments (a bad one must leave the profile byte for byte unchanged);
 * .ini files, good and bad, with the FILE:LINE:COL of the error; the .ini
 * dump read back for every built-in; Linux's watermarks worked out by hand;
 * and the cross-key checks of vm_config_validate().
 */
#include <check.h>
#include <glib.h>
#include <glib/gstdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/config.h"
#include "sim/host.h"
#include "models/policy.h"
#include "traces/error.h"
#include "tests/testlib.h"

#define BUILTINS "default", "seed-hdd", "x86-32", "tiny"
static const char *const builtin_list[] = { BUILTINS };
#define NR_BUILTINS ((int)G_N_ELEMENTS(builtin_list))

/* Assert that @err is set, in VM_ERROR, and its message contains @want. */
#define ck_assert_error(err, want_code, want)                              \
	do {                                                               \
		ck_assert_msg((err) != NULL, "no error, expected '%s'", want); \
		ck_assert_msg((err)->domain == VM_ERROR, "domain %s",      \
			      g_quark_to_string((err)->domain));           \
		ck_assert_int_eq((err)->code, want_code);                  \
		ck_assert_msg(strstr((err)->message, want) != NULL,        \
			      "message '%s' lacks '%s'", (err)->message,   \
			      want);                                       \
	} while (0)

static void expect_value(const vm_config_t *cfg, const char *key,
			 const char *want)
{
	int i = vm_config_key_lookup(key);
	ck_assert_msg(i >= 0, "no key %s", key);
	g_autofree char *got = vm_config_format_value(cfg, (unsigned)i);
	ck_assert_msg(strcmp(got, want) == 0, "%s is '%s', expected '%s'",
		      key, got, want);
}

static void set_ok(vm_config_t *cfg, const char *assignment)
{
	GError *err = NULL;
	gboolean ok = vm_config_set_assignment(cfg, assignment, &err);
	ck_assert_msg(ok, "%s: %s", assignment, err ? err->message : "?");
}

/* ---- built-in profiles ------------------------------------------------ */

START_TEST(test_builtin_names)
{
	const char *const *names = vm_config_builtin_names();
	int n = 0;

	for (; names[n]; n++) {
		ck_assert_int_lt(n, NR_BUILTINS);
		ck_assert_str_eq(names[n], builtin_list[n]);
		ck_assert_ptr_nonnull(vm_config_builtin_describe(names[n]));
		ck_assert_ptr_null(strchr(vm_config_builtin_describe(names[n]),
					  '\n'));
	}
	ck_assert_int_eq(n, NR_BUILTINS);
	ck_assert_ptr_null(vm_config_builtin_describe("nope"));
}
END_TEST

START_TEST(test_builtin_loads)
{
	const char *name = builtin_list[_i];
	vm_config_t cfg;
	GError *err = NULL;

	memset(&cfg, 0xa5, sizeof(cfg));
	ck_assert_msg(vm_config_load(&cfg, name, &err), "%s: %s", name,
		      err ? err->message : "?");
	ck_assert_str_eq(cfg.name, name);
	ck_assert_msg(vm_config_validate(&cfg, &err), "%s: %s", name,
		      err ? err->message : "?");
}
END_TEST

/* docs/profiles.md's table, as vm_config_format_value() must spell it, in order. */
static const struct {
	const char *key, *value;
} default_values[] = {
	{ "page_size", "4K" },
	{ "memory", "1G" },
	{ "cpus", "1" },
	{ "sched.policy", "least-loaded" },
	{ "zero_page", "true" },
	{ "mmu.bits", "9,9,9,9" },
	{ "mmu.pt_frames", "true" },
	{ "mmu.free_tables", "exit" },
	{ "tlb.l1.entries", "64" },
	{ "tlb.l1.ways", "4" },
	{ "tlb.l2.entries", "1536" },
	{ "tlb.l2.ways", "12" },
	{ "tlb.policy", "lru" },
	{ "tlb.asid", "true" },
	{ "tlb.flush_ceiling", "33" },
	{ "cost.access", "1ns" },
	{ "cost.walk_ref", "5ns" },
	{ "cost.minor_fault", "1us" },
	{ "cost.map_pte", "0ns" },
	{ "cost.page_copy", "1us" },
	{ "cost.syscall", "100ns" },
	{ "cost.copy_4k", "300ns" },
	{ "cost.context_switch", "1us" },
	{ "cost.reclaim", "200ns" },
	{ "cost.reclaim_mapped", "0ns" },
	{ "cost.page_cache_add", "0ns" },
	{ "cost.ipi", "1us" },
	{ "cost.tlb_flush", "200ns" },
	{ "disk.type", "nvme" },
	{ "disk.latency", "80us" },
	{ "disk.seek", "0ns" },
	{ "disk.bandwidth", "2G" },
	{ "disk.queue_depth", "32" },
	{ "readahead.policy", "linux" },
	{ "readahead.max", "128K" },
	{ "readahead.fault_around", "64K" },
	{ "readahead.mmap_miss_limit", "100" },
	{ "reclaim.policy", "lru2q" },
	{ "reclaim.watermark_min", "auto" },
	{ "reclaim.kswapd", "true" },
	{ "reclaim.swappiness", "60" },
	{ "reclaim.seed", "1" },
	{ "swap.size", "0" },
	{ "swap.cluster", "3" },
	{ "swap.vma_readahead", "true" },
	{ "writeback.expire", "30s" },
	{ "writeback.interval", "5s" },
	{ "writeback.background_ratio", "10" },
	{ "writeback.dirty_ratio", "20" },
	{ "oom.policy", "badness" },
	{ "cache.folio_max", "0" },
	{ "cgroup.max", "0" },
	{ "cgroup.version", "2" },
	{ "thp.enabled", "never" },
	{ "thp.defrag", "madvise" },
	{ "thp.use_zero_page", "true" },
	{ "shmem.huge", "never" },
	{ "thp.khugepaged.scan_sleep", "10s" },
	{ "thp.khugepaged.pages_to_scan", "4096" },
	{ "thp.khugepaged.max_ptes_none", "511" },
	{ "tlb.l1_2m.entries", "32" },
	{ "tlb.l1_2m.ways", "4" },
};

START_TEST(test_default_value)
{
	vm_config_t cfg;

	vm_config_default(&cfg);
	/* the table above is in docs/profiles.md order, and so are the keys */
	ck_assert_str_eq(vm_config_key_name(_i), default_values[_i].key);
	expect_value(&cfg, default_values[_i].key, default_values[_i].value);
}
END_TEST

START_TEST(test_key_count)
{
	vm_config_t a, b;
	GError *err = NULL;

	ck_assert_uint_eq(vm_config_nr_keys(), G_N_ELEMENTS(default_values));
	for (unsigned i = 0; i < vm_config_nr_keys(); i++)
		ck_assert_int_eq(vm_config_key_lookup(vm_config_key_name(i)),
				 (int)i);
	ck_assert_int_eq(vm_config_key_lookup("tlb"), -1);
	ck_assert_int_eq(vm_config_key_lookup("name"), -1);
	/* the `default` built-in is vm_config_default() */
	vm_config_default(&a);
	ck_assert(vm_config_load(&b, "default", &err));
	ck_assert_int_eq(memcmp(&a, &b, sizeof(a)), 0);
}
END_TEST

/* What the other built-ins change (docs/profiles.md and the brief). */
static const struct {
	const char *profile, *key, *value;
} builtin_values[] = {
	{ "seed-hdd", "cost.access", "100ns" },
	{ "seed-hdd", "cost.walk_ref", "100ns" },
	{ "seed-hdd", "cost.minor_fault", "2us" },
	{ "seed-hdd", "disk.type", "hdd" },
	{ "seed-hdd", "disk.latency", "0ns" },
	{ "seed-hdd", "disk.seek", "5ms" },
	{ "seed-hdd", "disk.bandwidth", "200000K" },
	{ "seed-hdd", "disk.queue_depth", "1" },
	{ "seed-hdd", "memory", "1G" },
	{ "seed-hdd", "mmu.bits", "9,9,9,9" },
	{ "x86-32", "mmu.bits", "10,10" },
	{ "x86-32", "page_size", "4K" },
	{ "x86-32", "cost.access", "1ns" },
	{ "tiny", "memory", "64K" },
	{ "tiny", "page_size", "4K" },
	{ "tiny", "mmu.pt_frames", "false" },
	{ "tiny", "mmu.bits", "4,4" },
	{ "tiny", "tlb.l1.entries", "4" },
	{ "tiny", "tlb.l1.ways", "0" },
	{ "tiny", "tlb.l2.entries", "0" },
	{ "tiny", "tlb.policy", "lru" },
	{ "tiny", "readahead.policy", "none" },
	{ "tiny", "readahead.fault_around", "0" },
	{ "tiny", "reclaim.watermark_min", "0" },
	{ "tiny", "reclaim.kswapd", "false" },
	{ "tiny", "swap.size", "64K" },
	{ "tiny", "cost.access", "100ns" },
	{ "tiny", "cost.minor_fault", "2us" },
	{ "tiny", "disk.type", "hdd" },
	{ "tiny", "disk.seek", "5ms" },
	{ "tiny", "disk.queue_depth", "1" },
};

START_TEST(test_builtin_value)
{
	vm_config_t cfg;
	GError *err = NULL;

	ck_assert(vm_config_load(&cfg, builtin_values[_i].profile, &err));
	expect_value(&cfg, builtin_values[_i].key, builtin_values[_i].value);
}
END_TEST

START_TEST(test_seed_hdd_page_transfer)
{
	vm_config_t cfg;
	GError *err = NULL;

	/* 4096 B at 204,800,000 B/s = exactly 20,000 ns */
	ck_assert(vm_config_load(&cfg, "seed-hdd", &err));
	ck_assert_uint_eq(cfg.disk_bandwidth, 204800000u);
	ck_assert_uint_eq(4096 * UINT64_C(1000000000) % cfg.disk_bandwidth, 0);
	ck_assert_uint_eq(4096 * UINT64_C(1000000000) / cfg.disk_bandwidth,
			  20000);
	ck_assert(vm_config_load(&cfg, "tiny", &err));
	ck_assert_uint_eq(cfg.memory / cfg.page_size, 16);
}
END_TEST

/* ---- numbers for JSON ------------------------------------------------- */

static const struct {
	const char *key;
	gboolean is_number;
	int64_t value;
} number_values[] = {
	{ "page_size", TRUE, 4096 },
	{ "memory", TRUE, 1073741824 },
	{ "cpus", TRUE, 1 },
	{ "mmu.bits", FALSE, 0 },
	{ "mmu.pt_frames", TRUE, 1 },
	{ "tlb.l2.entries", TRUE, 1536 },
	{ "tlb.policy", FALSE, 0 },
	{ "cost.minor_fault", TRUE, 1000 },
	{ "disk.latency", TRUE, 80000 },
	{ "disk.bandwidth", TRUE, 2147483648 },
	{ "reclaim.watermark_min", TRUE, -1 },
	{ "writeback.expire", TRUE, 30000000000 },
	{ "oom.policy", FALSE, 0 },
};

START_TEST(test_number_value)
{
	vm_config_t cfg;
	int i = vm_config_key_lookup(number_values[_i].key);

	vm_config_default(&cfg);
	ck_assert_int_ge(i, 0);
	ck_assert_int_eq(vm_config_key_is_number(i),
			 number_values[_i].is_number);
	ck_assert_int_eq(vm_config_number_value(&cfg, i),
			 number_values[_i].value);
	ck_assert_int_eq(vm_config_key_is_bool(i),
			 strcmp(number_values[_i].key, "mmu.pt_frames") == 0);
}
END_TEST

/* ---- -s KEY=VALUE ----------------------------------------------------- */

static const struct {
	const char *assignment, *key, *value;
} good_sets[] = {
	{ "memory=64M", "memory", "64M" },
	{ "memory=0x1000000", "memory", "16M" },
	{ "memory=1536M", "memory", "1536M" },
	{ " memory = 2G ", "memory", "2G" },
	{ "page_size=64", "page_size", "64" },
	{ "page_size=1G", "page_size", "1G" },
	{ "page_size=2M", "page_size", "2M" },
	{ "cpus=4", "cpus", "4" },
	{ "mmu.bits=10,10", "mmu.bits", "10,10" },
	{ "mmu.bits=9, 9, 9, 9, 9", "mmu.bits", "9,9,9,9,9" },
	{ "mmu.bits=1,2,3,4,5,6", "mmu.bits", "1,2,3,4,5,6" },
	{ "mmu.bits=20", "mmu.bits", "20" },
	{ "mmu.pt_frames=false", "mmu.pt_frames", "false" },
	{ "tlb.l1.entries=65536", "tlb.l1.entries", "65536" },
	{ "tlb.l2.entries=0", "tlb.l2.entries", "0" },
	{ "tlb.policy=random", "tlb.policy", "random" },
	{ "tlb.asid=false", "tlb.asid", "false" },
	{ "cost.access=1500ns", "cost.access", "1500ns" },
	{ "cost.access=1000ns", "cost.access", "1us" },
	{ "cost.access=1s", "cost.access", "1s" },
	{ "disk.seek=0", "disk.seek", "0ns" },
	{ "disk.seek=5ms", "disk.seek", "5ms" },
	{ "disk.type=ram", "disk.type", "ram" },
	{ "disk.bandwidth=200000K", "disk.bandwidth", "200000K" },
	{ "readahead.policy=fixed", "readahead.policy", "fixed" },
	{ "readahead.max=8M", "readahead.max", "8M" },
	{ "reclaim.policy=opt", "reclaim.policy", "opt" },
	{ "reclaim.policy=clock", "reclaim.policy", "clock" },
	{ "reclaim.watermark_min=0", "reclaim.watermark_min", "0" },
	{ "reclaim.watermark_min=100", "reclaim.watermark_min", "100" },
	{ "reclaim.watermark_min=auto", "reclaim.watermark_min", "auto" },
	{ "reclaim.swappiness=200", "reclaim.swappiness", "200" },
	{ "reclaim.seed=0", "reclaim.seed", "0" },
	{ "reclaim.seed=4294967295", "reclaim.seed", "4294967295" },
	{ "swap.size=1G", "swap.size", "1G" },
	{ "swap.cluster=0", "swap.cluster", "0" },
	{ "swap.cluster=10", "swap.cluster", "10" },
	{ "swap.vma_readahead=false", "swap.vma_readahead", "false" },
	{ "writeback.expire=1500ms", "writeback.expire", "1500ms" },
	{ "writeback.dirty_ratio=100", "writeback.dirty_ratio", "100" },
	{ "oom.policy=none", "oom.policy", "none" },
};

START_TEST(test_set_good)
{
	vm_config_t cfg;
	GError *err = NULL;

	vm_config_default(&cfg);
	ck_assert_msg(vm_config_set_assignment(&cfg, good_sets[_i].assignment,
					       &err),
		      "%s: %s", good_sets[_i].assignment,
		      err ? err->message : "?");
	expect_value(&cfg, good_sets[_i].key, good_sets[_i].value);
	/* what we print, we read back */
	{
		int i = vm_config_key_lookup(good_sets[_i].key);
		vm_config_t again;
		vm_config_default(&again);
		ck_assert(vm_config_set(&again, good_sets[_i].key,
					good_sets[_i].value, &err));
		ck_assert_int_eq(vm_config_number_value(&again, i),
				 vm_config_number_value(&cfg, i));
		expect_value(&again, good_sets[_i].key, good_sets[_i].value);
	}
}
END_TEST

static const struct {
	const char *assignment, *message;
} bad_sets[] = {
	{ "tlb.l3.entries=4", "unknown key 'tlb.l3.entries'" },
	{ "tlb=4", "unknown key 'tlb'" },
	{ "name=foo", "unknown key 'name'" },
	{ "Memory=1G", "unknown key 'Memory'" },
	{ "noequals", "bad assignment 'noequals' (expected KEY=VALUE)" },
	{ "=64M", "bad assignment '=64M'" },
	{ "memory=lots",
	  "bad value for memory: 'lots' (expected a size such as 64M)" },
	{ "memory=", "bad value for memory: '' (expected a size such as 64M)" },
	{ "memory=64X", "bad value for memory: '64X'" },
	{ "memory=-1", "bad value for memory: '-1'" },
	{ "memory=0", "bad value for memory: '0' (expected a size from 1 to" },
	{ "memory=99999999999999999999G", "bad value for memory" },
	{ "memory=64 M", "bad value for memory: '64 M'" },
	{ "page_size=3000", "bad value for page_size: '3000' (expected a "
	  "power of two from 32 to 1G)" },
	{ "page_size=16", "bad value for page_size: '16'" },
	{ "page_size=2G", "bad value for page_size: '2G'" },
	{ "cpus=0", "bad value for cpus: '0' (expected a number from 1 to" },
	{ "cpus=4294967296", "bad value for cpus" },
	{ "cpus=1.5", "bad value for cpus: '1.5' (expected a whole number)" },
	{ "cost.access=5", "bad value for cost.access: '5' (expected a "
	  "duration with a unit" },
	{ "cost.access=5min", "bad value for cost.access: '5min'" },
	{ "cost.access=5 ms", "bad value for cost.access: '5 ms'" },
	{ "cost.access=2s", "bad value for cost.access: '2s' (expected a "
	  "duration from 0ns to 1s)" },
	{ "disk.seek=5K", "bad value for disk.seek: '5K'" },
	{ "disk.bandwidth=0", "bad value for disk.bandwidth: '0'" },
	{ "disk.queue_depth=0", "bad value for disk.queue_depth: '0'" },
	{ "reclaim.swappiness=201", "bad value for reclaim.swappiness: '201' "
	  "(expected a number from 0 to 200)" },
	{ "writeback.dirty_ratio=101", "bad value for writeback.dirty_ratio" },
	{ "writeback.background_ratio=-5",
	  "bad value for writeback.background_ratio" },
	{ "swap.cluster=11", "bad value for swap.cluster: '11' (expected a "
	  "number from 0 to 10)" },
	{ "tlb.l1.entries=65537", "bad value for tlb.l1.entries: '65537'" },
	{ "tlb.l1.entries=0", "bad value for tlb.l1.entries: '0'" },
	{ "tlb.l2.ways=100000", "bad value for tlb.l2.ways" },
	{ "tlb.policy=lfu", "bad value for tlb.policy: 'lfu' (expected lru, "
	  "fifo or random)" },
	{ "disk.type=floppy", "bad value for disk.type: 'floppy' (expected "
	  "nvme, ssd, hdd or ram)" },
	/* the whole list comes from the registry: test_policy_words */
	{ "reclaim.policy=LRU", "bad value for reclaim.policy: 'LRU' "
	  "(expected lru2q, lru, fifo, clock, random, opt" },
	{ "reclaim.seed=4294967296", "bad value for reclaim.seed: "
	  "'4294967296' (expected a number from 0 to 4294967295)" },
	{ "reclaim.seed=-1", "bad value for reclaim.seed: '-1'" },
	{ "readahead.policy=", "bad value for readahead.policy: ''" },
	{ "oom.policy=kill", "(expected badness or none)" },
	{ "tlb.asid=yes", "bad value for tlb.asid: 'yes' (expected true or "
	  "false)" },
	{ "tlb.asid=1", "bad value for tlb.asid: '1'" },
	{ "mmu.pt_frames=TRUE", "bad value for mmu.pt_frames: 'TRUE'" },
	{ "mmu.free_tables=never", "bad value for mmu.free_tables: 'never' "
	  "(expected exit, munmap, pt_reclaim)" },
	{ "mmu.bits=9,,9", "bad value for mmu.bits: '9,,9' (expected 1 to 6 "
	  "comma-separated numbers from 1 to 20, such as 9,9,9,9)" },
	{ "mmu.bits=0", "bad value for mmu.bits: '0'" },
	{ "mmu.bits=9,9,9,9,9,9,9", "bad value for mmu.bits: '9,9,9,9,9,9,9'" },
	{ "mmu.bits=21", "bad value for mmu.bits: '21'" },
	{ "mmu.bits=", "bad value for mmu.bits: ''" },
	{ "mmu.bits=9,9,", "bad value for mmu.bits: '9,9,'" },
	{ "mmu.bits=nine", "bad value for mmu.bits: 'nine'" },
	{ "mmu.bits=9;9", "bad value for mmu.bits: '9;9'" },
	{ "reclaim.watermark_min=automatic", "bad value for "
	  "reclaim.watermark_min: 'automatic' (expected auto or a number of "
	  "pages)" },
	{ "reclaim.watermark_min=-1", "bad value for reclaim.watermark_min" },
	{ "reclaim.watermark_min=4294967296",
	  "(expected auto or a number of pages from 0 to 4294967295)" },
	{ "readahead.max=2G", "bad value for readahead.max: '2G' (expected a "
	  "size from 0 to 1G)" },
	{ "writeback.interval=2d", "bad value for writeback.interval" },
};

START_TEST(test_set_bad)
{
	vm_config_t cfg, before;
	GError *err = NULL;

	/* tiny, so that a stray write of a default value would show */
	ck_assert(vm_config_load(&cfg, "tiny", &err));
	before = cfg;
	ck_assert(!vm_config_set_assignment(&cfg, bad_sets[_i].assignment,
					    &err));
	ck_assert_error(err, VM_ERROR_INVALID, bad_sets[_i].message);
	ck_assert_msg(memcmp(&cfg, &before, sizeof(cfg)) == 0,
		      "%s changed the profile", bad_sets[_i].assignment);
	g_error_free(err);
}
END_TEST

/* ---- .ini files ------------------------------------------------------- */

static char *tmpdir;

static void make_tmpdir(void)
{
	tmpdir = g_dir_make_tmp("test-config-XXXXXX", NULL);
	ck_assert_ptr_nonnull(tmpdir);
}

static void remove_tmpdir(void)
{
	GDir *d = g_dir_open(tmpdir, 0, NULL);
	const char *f;

	while (d && (f = g_dir_read_name(d))) {
		g_autofree char *p = g_build_filename(tmpdir, f, NULL);
		g_unlink(p);
	}
	if (d)
		g_dir_close(d);
	g_rmdir(tmpdir);
	g_clear_pointer(&tmpdir, g_free);
}

/* Write @text to TMPDIR/@name; returns the path. */
static char *write_file(const char *name, const char *text)
{
	char *path = g_build_filename(tmpdir, name, NULL);
	ck_assert(g_file_set_contents(path, text, -1, NULL));
	return path;
}

START_TEST(test_ini_good)
{
	vm_config_t cfg, def;
	GError *err = NULL;
	g_autofree char *path = write_file("p.ini",
		"# a laptop\n"
		"[profile]\n"
		"name=laptop\n"
		"\n"
		"[machine]\n"
		"memory = 64M\n"
		"page_size=4K\n"
		"[mmu]\n"
		"bits=10,10\n"
		"pt_frames=false\n"
		"[tlb]\n"
		"l1.entries=32\n"
		"l1.ways=0\n"
		"policy=fifo\n"
		"[cost]\n"
		"access=2ns\n"
		"[reclaim]\n"
		"watermark_min=0\n"
		"[disk]\n"
		"seek=0\n");

	ck_assert_msg(vm_config_load(&cfg, path, &err), "%s",
		      err ? err->message : "?");
	ck_assert_str_eq(cfg.name, "laptop");
	expect_value(&cfg, "memory", "64M");
	expect_value(&cfg, "mmu.bits", "10,10");
	expect_value(&cfg, "mmu.pt_frames", "false");
	expect_value(&cfg, "tlb.l1.entries", "32");
	expect_value(&cfg, "tlb.l1.ways", "0");
	expect_value(&cfg, "tlb.policy", "fifo");
	expect_value(&cfg, "cost.access", "2ns");
	expect_value(&cfg, "reclaim.watermark_min", "0");
	/* everything else is `default` */
	vm_config_default(&def);
	expect_value(&cfg, "cost.walk_ref", "5ns");
	ck_assert_uint_eq(cfg.tlb_l2_entries, def.tlb_l2_entries);
	ck_assert_str_eq(cfg.oom_policy, def.oom_policy);
	ck_assert(vm_config_validate(&cfg, &err));
}
END_TEST

START_TEST(test_ini_name_is_path)
{
	vm_config_t cfg;
	GError *err = NULL;
	/* an existing file needs no .ini suffix */
	g_autofree char *path = write_file("profile.txt",
					   "[machine]\nmemory=2G\n");

	ck_assert_msg(vm_config_load(&cfg, path, &err), "%s",
		      err ? err->message : "?");
	ck_assert_str_eq(cfg.name, path);
	expect_value(&cfg, "memory", "2G");
}
END_TEST

static const struct {
	const char *text;
	int code;
	const char *where;     /* ":LINE:COL: " after the path, or ": " */
	const char *message;
} bad_inis[] = {
	{ "[tlb]\nl1.entries=64\nl3.entries=4\n", VM_ERROR_INVALID, ":3:1: ",
	  "unknown key 'tlb.l3.entries'" },
	{ "[machine]\nmemory=64M\n\n[foo]\nbar=1\n", VM_ERROR_INVALID,
	  ":4:1: ", "unknown group [foo]" },
	{ "[tlb.l1]\nentries=64\n", VM_ERROR_INVALID, ":1:1: ",
	  "unknown group [tlb.l1]" },
	{ "[machine]\n  memory =  lots\n", VM_ERROR_INVALID, ":2:13: ",
	  "bad value for memory: 'lots' (expected a size such as 64M)" },
	{ "[tlb]\npolicy=lfu\n", VM_ERROR_INVALID, ":2:8: ",
	  "bad value for tlb.policy: 'lfu' (expected lru, fifo or random)" },
	{ "[mmu]\nbits=9,,9\n", VM_ERROR_INVALID, ":2:6: ",
	  "bad value for mmu.bits: '9,,9'" },
	{ "[machine]\nmmu.bits=10,10\n", VM_ERROR_INVALID, ":2:1: ",
	  "unknown key 'mmu.bits' in [machine] (write it as bits in [mmu])" },
	{ "[machine]\ntlb=4\n", VM_ERROR_INVALID, ":2:1: ",
	  "unknown key 'tlb'" },
	{ "[mmu]\npage_size=4K\n", VM_ERROR_INVALID, ":2:1: ",
	  "unknown key 'mmu.page_size'" },
	{ "[profile]\nname=x\nfoo=1\n", VM_ERROR_INVALID, ":3:1: ",
	  "unknown key 'profile.foo'" },
	{ "[machine]\nmemory=1G\ngarbage\n", VM_ERROR_PARSE, ":3:1: ", "" },
	{ "memory=1G\n", VM_ERROR_PARSE, ":1:1: ", "" },
	/* the last of two spellings is the one GKeyFile keeps */
	{ "[cost]\naccess=1ns\naccess=5\n", VM_ERROR_INVALID, ":3:8: ",
	  "bad value for cost.access: '5'" },
};

START_TEST(test_ini_bad)
{
	vm_config_t cfg, before;
	GError *err = NULL;
	g_autofree char *path = write_file("p.ini", bad_inis[_i].text);
	g_autofree char *prefix = g_strconcat(path, bad_inis[_i].where, NULL);

	ck_assert(vm_config_load(&cfg, "x86-32", &err));
	before = cfg;
	ck_assert(!vm_config_load(&cfg, path, &err));
	ck_assert_error(err, bad_inis[_i].code, bad_inis[_i].message);
	ck_assert_msg(g_str_has_prefix(err->message, prefix),
		      "message '%s' does not start with '%s'", err->message,
		      prefix);
	ck_assert_msg(memcmp(&cfg, &before, sizeof(cfg)) == 0,
		      "a failed load changed the profile");
	g_error_free(err);
}
END_TEST

START_TEST(test_load_missing)
{
	vm_config_t cfg;
	GError *err = NULL;
	g_autofree char *path = g_build_filename(tmpdir, "none.ini", NULL);

	ck_assert(!vm_config_load(&cfg, path, &err));
	ck_assert_error(err, VM_ERROR_IO, path);
	ck_assert(g_str_has_prefix(err->message, path));
	g_clear_error(&err);

	ck_assert(!vm_config_load(&cfg, "foo", &err));
	ck_assert_error(err, VM_ERROR_INVALID,
			"unknown profile 'foo' (built-in: default, seed-hdd, "
			"x86-32, tiny, host; or an .ini file)");
	g_clear_error(&err);
}
END_TEST

/* ---- .ini round trip -------------------------------------------------- */

static void assert_same_profile(const vm_config_t *a, const vm_config_t *b)
{
	ck_assert_str_eq(a->name, b->name);
	for (unsigned i = 0; i < vm_config_nr_keys(); i++) {
		g_autofree char *va = vm_config_format_value(a, i);
		g_autofree char *vb = vm_config_format_value(b, i);
		ck_assert_msg(strcmp(va, vb) == 0, "%s: '%s' became '%s'",
			      vm_config_key_name(i), va, vb);
	}
	/* both built through vm_config_default + vm_config_set */
	ck_assert_int_eq(memcmp(a, b, sizeof(*a)), 0);
}

START_TEST(test_ini_round_trip)
{
	vm_config_t cfg, back;
	GError *err = NULL;
	g_autofree char *ini = NULL, *path = NULL;

	ck_assert(vm_config_load(&cfg, builtin_list[_i], &err));
	ini = vm_config_to_ini(&cfg);
	ck_assert_ptr_nonnull(strstr(ini, "[machine]\npage_size=4K\n"));
	ck_assert_ptr_nonnull(strstr(ini, "[tlb]\nl1.entries="));
	path = write_file("round.ini", ini);
	ck_assert_msg(vm_config_load(&back, path, &err), "%s\n%s",
		      err ? err->message : "?", ini);
	assert_same_profile(&cfg, &back);
}
END_TEST

START_TEST(test_ini_round_trip_odd)
{
	vm_config_t cfg, back;
	GError *err = NULL;
	g_autofree char *ini = NULL, *path = NULL;

	/* every key away from its default, and a name GKeyFile must escape */
	ck_assert(vm_config_load(&cfg, "tiny", &err));
	g_strlcpy(cfg.name, " odd\\name # [x]", sizeof(cfg.name));
	set_ok(&cfg, "page_size=64");
	set_ok(&cfg, "memory=4097K");
	set_ok(&cfg, "cpus=2");
	set_ok(&cfg, "mmu.bits=1,2,3,4,5,6");
	set_ok(&cfg, "tlb.l2.ways=3");
	set_ok(&cfg, "tlb.asid=false");
	set_ok(&cfg, "cost.syscall=1234ns");
	set_ok(&cfg, "disk.type=ram");
	set_ok(&cfg, "readahead.max=192");
	set_ok(&cfg, "reclaim.watermark_min=7");
	set_ok(&cfg, "swap.cluster=0");
	set_ok(&cfg, "writeback.interval=0");
	set_ok(&cfg, "oom.policy=none");
	ini = vm_config_to_ini(&cfg);
	path = write_file("odd.ini", ini);
	ck_assert_msg(vm_config_load(&back, path, &err), "%s\n%s",
		      err ? err->message : "?", ini);
	assert_same_profile(&cfg, &back);
}
END_TEST

/* ---- watermarks ------------------------------------------------------- */

static const struct {
	const char *profile;
	const char *set[3];
	uint64_t min, low, high;
} watermarks[] = {
	/*
	 * default, 1G of 4K pages:
	 *   min_free_kbytes = int_sqrt(1048576 KiB * 16) = 4096 KiB
	 *   min  = 4096 / 4 = 1024 pages
	 *   managed = 262144 pages; 262144 * 10 / 10000 = 262
	 *   step = max(1024 / 4 = 256, 262) = 262
	 *   low  = 1024 + 262 = 1286, high = 1286 + 262 = 1548
	 */
	{ "default", { NULL }, 1024, 1286, 1548 },
	/*
	 * 64M: int_sqrt(65536 * 16) = 1024 KiB = 256 pages;
	 * managed 16384, 16384 * 10 / 10000 = 16; step = max(64, 16) = 64
	 */
	{ "default", { "memory=64M" }, 256, 320, 384 },
	/*
	 * 8G: int_sqrt(8388608 * 16) = int_sqrt(134217728) = 11585 KiB
	 * = 2896 pages (11585 / 4, rounded down); managed 2097152,
	 * 2097152 * 10 / 10000 = 2097; step = max(724, 2097) = 2097
	 */
	{ "default", { "memory=8G" }, 2896, 4993, 7090 },
	/*
	 * 512K: int_sqrt(512 * 16) = 90, clamped up to 128 KiB = 32 pages;
	 * managed 128, 128 * 10 / 10000 = 0; step = max(8, 0) = 8
	 */
	{ "default", { "memory=512K" }, 32, 40, 48 },
	/*
	 * 16T less 1G (2^32 frames do not fit a frame number): int_sqrt(
	 * 16383 * 2^20 * 16) KiB, clamped down to 262144 KiB = 65536 pages;
	 * managed 16383 * 2^18 = 4294705152, * 10 / 10000 = 4294705;
	 * step = max(16384, 4294705) = 4294705
	 */
	{ "default", { "memory=16383G" }, 65536, 4360241, 8654946 },
	/*
	 * 64-byte pages, 1M: int_sqrt(1024 * 16) = 128 KiB
	 * = 131072 / 64 = 2048 pages; managed 16384 -> 16; step = 512
	 */
	{ "default", { "page_size=64", "memory=1M" }, 2048, 2560, 3072 },
	/* an explicit min on 1G: step = max(1000 / 4 = 250, 262) = 262 */
	{ "default", { "reclaim.watermark_min=1000" }, 1000, 1262, 1524 },
	/* an explicit min on 64M: step = max(400 / 4 = 100, 16) = 100 */
	{ "default", { "memory=64M", "reclaim.watermark_min=400" },
	  400, 500, 600 },
	/* tiny: watermark_min=0, every frame usable */
	{ "tiny", { NULL }, 0, 0, 0 },
	/* 0 on a big machine too: no kswapd band at all */
	{ "default", { "reclaim.watermark_min=0" }, 0, 0, 0 },
	/* tiny with 1 page: step = max(0, 0) = 0 */
	{ "tiny", { "reclaim.watermark_min=1" }, 1, 1, 1 },
};

START_TEST(test_watermarks)
{
	vm_config_t cfg;
	GError *err = NULL;
	uint64_t min = 99, low = 99, high = 99;

	ck_assert(vm_config_load(&cfg, watermarks[_i].profile, &err));
	for (int s = 0; s < 3 && watermarks[_i].set[s]; s++)
		set_ok(&cfg, watermarks[_i].set[s]);
	ck_assert_msg(vm_config_validate(&cfg, &err), "%s",
		      err ? err->message : "?");
	vm_config_watermarks(&cfg, &min, &low, &high);
	ck_assert_uint_eq(min, watermarks[_i].min);
	ck_assert_uint_eq(low, watermarks[_i].low);
	ck_assert_uint_eq(high, watermarks[_i].high);
	/* NULL outputs are allowed */
	vm_config_watermarks(&cfg, NULL, &low, NULL);
	ck_assert_uint_eq(low, watermarks[_i].low);
}
END_TEST

/* ---- cross-key checks ------------------------------------------------- */

static const struct {
	const char *profile;
	const char *set[3];
	const char *message;   /* NULL: valid */
} validations[] = {
	{ "default", { "memory=65000" },
	  "memory=65000 is not a multiple of page_size=4K" },
	{ "default", { "page_size=64K", "memory=1000K" },
	  "memory=1000K is not a multiple of page_size=64K" },
	{ "tiny", { "memory=12K" }, NULL },   /* Belady's 3 frames */
	{ "tiny", { "memory=4K" }, NULL },
	{ "tiny", { "memory=16K" }, NULL },
	{ "default", { "page_size=64", "memory=512G",
		       "reclaim.watermark_min=0" },
	  "memory=512G holds 8589934592 pages of page_size=64 (at most 2^32-2)" },
	/* a frame number is 32 bits and 2^32-1 is VM_NIL: 2^32 frames once
	 * truncated to none */
	{ "default", { "page_size=64", "memory=256G" },
	  "memory=256G holds 4294967296 pages of page_size=64 (at most 2^32-2)" },
	{ "default", { "page_size=64", "memory=274877906816" }, NULL },
	{ "default", { "swap.size=16384G" },
	  "swap.size=16384G holds 4294967296 pages of page_size=4K (at most 2^32-2)" },
	{ "default", { "swap.size=17592186036224" }, NULL },
	{ "default", { "tlb.l1.ways=5" },
	  "tlb.l1.entries=64 is not a multiple of tlb.l1.ways=5" },
	{ "default", { "tlb.l1.ways=128" },
	  "tlb.l1.entries=64 is not a multiple of tlb.l1.ways=128" },
	{ "default", { "tlb.l1.ways=64" }, NULL },
	{ "default", { "tlb.l2.ways=7" },
	  "tlb.l2.entries=1536 is not a multiple of tlb.l2.ways=7" },
	{ "default", { "tlb.l2.entries=0", "tlb.l2.ways=7" }, NULL },
	{ "default", { "tlb.l2.ways=0" }, NULL },
	{ "default", { "mmu.bits=20,20,20", "page_size=1G", "memory=16G" },
	  "mmu.bits=20,20,20 with page_size=1G makes 90-bit virtual "
	  "addresses (at most 64)" },
	{ "default", { "mmu.bits=13,13,13,13" }, NULL },   /* 52 + 12 = 64 */
	{ "default", { "mmu.bits=13,13,13,14" },
	  "makes 65-bit virtual addresses" },
	{ "default", { "swap.size=6K" },
	  "swap.size=6K is not a multiple of page_size=4K" },
	{ "default", { "readahead.max=6K" },
	  "readahead.max=6K is not a multiple of page_size=4K" },
	{ "default", { "readahead.fault_around=2K" },
	  "readahead.fault_around=2K is not a multiple of page_size=4K" },
	{ "default", { "reclaim.watermark_min=262144" },
	  "reclaim.watermark_min=262144 is not below the 262144 frames of "
	  "memory=1G" },
	{ "default", { "reclaim.watermark_min=262143" }, NULL },
	{ "tiny", { "reclaim.watermark_min=16" },
	  "reclaim.watermark_min=16 is not below the 16 frames" },
	/* auto on 64K: min 128 KiB = 32 pages > 16 frames */
	{ "tiny", { "reclaim.watermark_min=auto" },
	  "reclaim.watermark_min=auto is 32 pages, not below the 16 frames "
	  "of memory=64K" },
};

START_TEST(test_validate)
{
	vm_config_t cfg;
	GError *err = NULL;

	ck_assert(vm_config_load(&cfg, validations[_i].profile, &err));
	for (int s = 0; s < 3 && validations[_i].set[s]; s++)
		set_ok(&cfg, validations[_i].set[s]);
	if (validations[_i].message == NULL) {
		ck_assert_msg(vm_config_validate(&cfg, &err), "%s",
			      err ? err->message : "?");
		return;
	}
	ck_assert(!vm_config_validate(&cfg, &err));
	ck_assert_error(err, VM_ERROR_INVALID, validations[_i].message);
	g_error_free(err);
}
END_TEST

/* Values written into the struct directly, not through vm_config_set. */
START_TEST(test_validate_struct)
{
	vm_config_t cfg;
	GError *err = NULL;

	vm_config_default(&cfg);
	cfg.tlb_l1_entries = 0;
	ck_assert(!vm_config_validate(&cfg, &err));
	ck_assert_error(err, VM_ERROR_INVALID, "tlb.l1.entries: '0'");
	g_clear_error(&err);

	vm_config_default(&cfg);
	g_strlcpy(cfg.tlb_policy, "lfu", sizeof(cfg.tlb_policy));
	ck_assert(!vm_config_validate(&cfg, &err));
	ck_assert_error(err, VM_ERROR_INVALID,
			"bad value for tlb.policy: 'lfu'");
	g_clear_error(&err);

	vm_config_default(&cfg);
	cfg.mmu_levels = 0;
	ck_assert(!vm_config_validate(&cfg, &err));
	ck_assert_error(err, VM_ERROR_INVALID, "bad value for mmu.bits: ''");
	g_clear_error(&err);

	vm_config_default(&cfg);
	cfg.mmu_levels = 9;
	ck_assert(!vm_config_validate(&cfg, &err));
	ck_assert_error(err, VM_ERROR_INVALID, "bad value for mmu.bits");
	g_clear_error(&err);

	vm_config_default(&cfg);
	cfg.page_size = 3000;
	ck_assert(!vm_config_validate(&cfg, &err));
	ck_assert_error(err, VM_ERROR_INVALID,
			"bad value for page_size: '3000'");
	g_clear_error(&err);

	vm_config_default(&cfg);
	cfg.reclaim_swappiness = 500;
	ck_assert(!vm_config_validate(&cfg, &err));
	ck_assert_error(err, VM_ERROR_INVALID, "reclaim.swappiness: '500'");
	g_clear_error(&err);
}
END_TEST

/*
 * A policy key takes exactly the names its registry lists (models/policy.h),
 * each of which fits the profile's word, prints back as set and names a
 * policy of its kind; a wrong name's message lists them all, in registry
 * order, so that a registered policy can never be rejected as unknown.
 */
START_TEST(test_policy_words)
{
	vm_policy_kind_t kind = (vm_policy_kind_t)_i;
	const char *key = vm_policy_kind_key(kind);
	GString *want = g_string_new("(expected ");
	const vm_policy_t *p;
	GError *err = NULL;
	vm_config_t cfg;
	unsigned n = 0;

	ck_assert_int_ge(vm_config_key_lookup(key), 0);
	ck_assert_int_eq(vm_policy_kind_of_key(key), (int)kind);
	for (unsigned i = 0; (p = vm_policy_nth(kind, i)); i++, n++) {
		ck_assert_uint_lt(strlen(p->name), VM_CONFIG_WORD);
		ck_assert(p->why && *p->why && p->help && *p->help);
		ck_assert_ptr_eq(vm_policy_find(kind, p->name), p);
		vm_config_default(&cfg);
		ck_assert_msg(vm_config_set(&cfg, key, p->name, &err), "%s=%s: %s",
			      key, p->name, err ? err->message : "?");
		expect_value(&cfg, key, p->name);
		if (i > 0)
			g_string_append(want, vm_policy_nth(kind, i + 1) ? ", " : " or ");
		g_string_append(want, p->name);
	}
	g_string_append(want, ")");
	ck_assert_uint_ge(n, 2);
	ck_assert(!vm_config_set(&cfg, key, "no-such-policy", &err));
	ck_assert_error(err, VM_ERROR_INVALID, want->str);
	g_clear_error(&err);
	ck_assert_ptr_null(vm_policy_find(kind, "no-such-policy"));
	g_string_free(want, TRUE);
}
END_TEST

/* Every key of every built-in prints a value that -s reads back. */
START_TEST(test_format_parse_all)
{
	vm_config_t cfg, copy;
	GError *err = NULL;

	ck_assert(vm_config_load(&cfg, builtin_list[_i], &err));
	copy = cfg;
	for (unsigned i = 0; i < vm_config_nr_keys(); i++) {
		g_autofree char *v = vm_config_format_value(&cfg, i);
		ck_assert_msg(vm_config_set(&copy, vm_config_key_name(i), v,
					    &err),
			      "%s=%s: %s", vm_config_key_name(i), v,
			      err ? err->message : "?");
	}
	ck_assert_int_eq(memcmp(&cfg, &copy, sizeof(cfg)), 0);
}
END_TEST

/* /sys/kernel/mm/lru_gen/enabled as kernels print it (a hex mask whose
 * bit 0 is the switch) or as an administrator writes it. */
static const struct {
	const char *text;
	gboolean on;
} lru_gens[] = {
	{ "0x0007\n", TRUE }, { "0x0001", TRUE }, { "0x0003", TRUE },
	{ "0x0000\n", FALSE }, { "0x0006", FALSE }, { "y", TRUE },
	{ "n", FALSE }, { "", FALSE }, { "garbage", FALSE },
	{ "0x7 junk", FALSE }, { NULL, FALSE },
};

START_TEST(test_lru_gen)
{
	ck_assert_int_eq(vm_host_lru_gen_enabled(lru_gens[_i].text),
			 lru_gens[_i].on);
}
END_TEST

/* cgroup.version from /proc/self/mounts: this project's host (hybrid: the
 * memory controller on v1, an empty cgroup2 beside it), a unified host
 * with memory and io, one without io (no cgroup writeback), none. */
#define V1MEM "cgroup /sys/fs/cgroup/cpu cgroup rw,relatime,cpu 0 0\n" \
	"cgroup /sys/fs/cgroup/memory cgroup rw,relatime,memory 0 0\n"
#define V2 "cgroup2 /sys/fs/cgroup cgroup2 rw,nosuid,nodev,noexec,relatime 0 0\n"
static const struct {
	const char *mounts, *controllers;
	int version;
} memcg_versions[] = {
	{ V1MEM "cgroup2 /sys/fs/cgroup/unified cgroup2 rw,relatime 0 0\n", "", 1 },
	{ V1MEM, NULL, 1 },
	{ V2, "cpuset cpu io memory hugetlb pids rdma misc\n", 2 },
	{ V2, "cpuset cpu memory pids\n", 1 },
	{ V2, "cpuset cpu io pids\n", 0 },
	{ V2, NULL, 0 },
	{ "cgroup /sys/fs/cgroup/memoryx cgroup rw,memoryx 0 0\n", NULL, 0 },
	{ "", NULL, 0 },
	{ NULL, NULL, 0 },
};

START_TEST(test_memcg_version)
{
	ck_assert_int_eq(vm_host_memcg_version(memcg_versions[_i].mounts,
					       memcg_versions[_i].controllers),
			 memcg_versions[_i].version);
}
END_TEST

/* The host profile reclaims with mglru exactly when the switch is on. */
START_TEST(test_host_policy)
{
	vm_host_t h;
	vm_config_t cfg;

	vm_host_read(&h, NULL);
	h.lru_gen_on = _i;
	vm_host_to_config(&h, &cfg);
	ck_assert_str_eq(cfg.reclaim_policy, _i ? "mglru" : "lru2q");
	ck_assert_str_eq(cfg.name, "host");
}
END_TEST

static Suite *config_suite(void)
{
	Suite *s = suite_create("config");
	TCase *tc;

	tc = tcase_create("builtin");
	tcase_add_test(tc, test_builtin_names);
	tcase_add_loop_test(tc, test_builtin_loads, 0, NR_BUILTINS);
	tcase_add_loop_test(tc, test_default_value, 0,
			    G_N_ELEMENTS(default_values));
	tcase_add_test(tc, test_key_count);
	tcase_add_loop_test(tc, test_builtin_value, 0,
			    G_N_ELEMENTS(builtin_values));
	tcase_add_test(tc, test_seed_hdd_page_transfer);
	tcase_add_loop_test(tc, test_number_value, 0,
			    G_N_ELEMENTS(number_values));
	tcase_add_loop_test(tc, test_format_parse_all, 0, NR_BUILTINS);
	suite_add_tcase(s, tc);

	tc = tcase_create("set");
	tcase_add_loop_test(tc, test_set_good, 0,
			    G_N_ELEMENTS(good_sets));
	tcase_add_loop_test(tc, test_set_bad, 0, G_N_ELEMENTS(bad_sets));
	tcase_add_loop_test(tc, test_policy_words, 0, VM_POLICY_NR_KINDS);
	suite_add_tcase(s, tc);

	tc = tcase_create("ini");
	tcase_add_checked_fixture(tc, make_tmpdir, remove_tmpdir);
	tcase_add_test(tc, test_ini_good);
	tcase_add_test(tc, test_ini_name_is_path);
	tcase_add_loop_test(tc, test_ini_bad, 0, G_N_ELEMENTS(bad_inis));
	tcase_add_test(tc, test_load_missing);
	tcase_add_loop_test(tc, test_ini_round_trip, 0, NR_BUILTINS);
	tcase_add_test(tc, test_ini_round_trip_odd);
	suite_add_tcase(s, tc);

	tc = tcase_create("validate");
	tcase_add_loop_test(tc, test_watermarks, 0, G_N_ELEMENTS(watermarks));
	tcase_add_loop_test(tc, test_validate, 0, G_N_ELEMENTS(validations));
	tcase_add_test(tc, test_validate_struct);
	suite_add_tcase(s, tc);

	tc = tcase_create("host");
	tcase_add_loop_test(tc, test_lru_gen, 0, G_N_ELEMENTS(lru_gens));
	tcase_add_loop_test(tc, test_memcg_version, 0, G_N_ELEMENTS(memcg_versions));
	tcase_add_loop_test(tc, test_host_policy, 0, 2);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return vt_run_suite(config_suite());
}
