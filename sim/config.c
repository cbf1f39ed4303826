/*
 * Machine profiles (docs/profiles.md): the built-in profiles, -s KEY=VALUE
 * overrides, .ini profile files, and the cross-key checks run once all
 * overrides are in.
 *
 * Everything a key needs to know about itself lives in one row of `keys[]`
 * below, in docs/profiles.md order: its dotted name, its type, where it is stored in
 * vm_config_t, the words it accepts and its range.  Parsing (-s, `set`, .ini),
 * range checks, printing, the numeric view used by JSON and the .ini dump all
 * walk that table, so adding a key is one struct field and one row, and no
 * two code paths can disagree about what a key accepts.
 *
 *      "tlb.l1.entries=64"  ──► parse_text ──► check_value ──► store_value
 *                                  (syntax)       (range)          │
 *      [tlb] l1.entries=64 ──► same path, error prefixed FILE:LINE:COL
 *                                                                  ▼
 *      format_value ◄── read_value ◄─────────────────────── vm_config_t
 *
 * A value goes through a value_t on its way in and out, so that a failed
 * parse or range check never touches the profile: vm_config_set() either
 * stores a whole, valid value or leaves @cfg as it was.
 *
 * The one piece of Linux here is the watermark rule of vm_config_watermarks(),
 * which follows mm/page_alloc.c: calculate_min_free_kbytes() for the default
 * `min`, and __setup_per_zone_wmarks() for low and high.  This file leaves
 * out what the profile does not describe: zones (one zone holds all frames),
 * lowmem_reserve, watermark boosting and the per-zone scale factor.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sim/config.h"
#include "sim/host.h"
#include "models/policy.h"
#include "traces/error.h"

#define KiB ((uint64_t)1 << 10)
#define GiB ((uint64_t)1 << 30)
#define NS_PER_S UINT64_C(1000000000)

/* Caps that keep every value far from overflow when the engine multiplies
 * costs by event counts or sizes by page counts; no real machine is near. */
#define MAX_SIZE ((uint64_t)1 << 62)
#define MAX_COST NS_PER_S                 /* one second per event */
#define MAX_PERIOD (86400 * NS_PER_S)     /* one day */
#define MAX_TLB 65536
#define MAX_BITS 20                       /* index bits of one table level */

typedef enum {
	KEY_SIZE,      /* uint64_t bytes, K/M/G suffixes */
	KEY_DURATION,  /* uint64_t ns, unit required (bare 0 allowed) */
	KEY_COUNT,     /* uint32_t */
	KEY_BOOL,      /* gboolean, "true" / "false" */
	KEY_POLICY,    /* char[VM_CONFIG_WORD], a name in key->kind's registry */
	KEY_BITS,      /* mmu_levels + mmu_bits[], "9,9,9,9" */
	KEY_WMARK,     /* int64_t pages, or -1 spelt "auto" */
	KEY_WORD,      /* char[VM_CONFIG_WORD], one of key->words */
} key_type_t;

typedef struct {
	const char *name;          /* dotted, as -s spells it */
	key_type_t type;
	size_t offset;             /* of the field in vm_config_t */
	vm_policy_kind_t kind;     /* KEY_POLICY: whose registry (models/policy.h) */
	uint64_t min, max;         /* inclusive range (KEY_BITS: per level) */
	gboolean pow2;             /* the value must be a power of two */
	gboolean smp;              /* matters only with cpus > 1: listed only
				    * then, or when set away from its default
				    * (so that one-CPU outputs stay as they
				    * were before these keys existed) */
	gboolean quiet;            /* listed only when set away from its
				    * default (shmem.huge: outputs stay as
				    * they were before the key existed) */
	const char *const *words;  /* KEY_WORD: the words it takes, NULL-ended */
} cfg_key_t;

/* A parsed value on its way into or out of a vm_config_t. */
typedef struct {
	uint64_t n;                /* size, duration, count, bool 0/1, pages */
	gboolean is_auto;          /* KEY_WMARK: "auto" */
	const char *word;          /* KEY_POLICY: the registered name */
	uint32_t nr_bits;          /* KEY_BITS */
	uint32_t bits[VM_MMU_MAX_LEVELS];
} value_t;

#define OFF(field) offsetof(vm_config_t, field)
#define K_SIZE(n, f, lo, hi) \
	{ .name = n, .type = KEY_SIZE, .offset = OFF(f), .min = lo, .max = hi }
#define K_DURATION(n, f, hi) \
	{ .name = n, .type = KEY_DURATION, .offset = OFF(f), .max = hi }
#define K_COUNT(n, f, lo, hi) \
	{ .name = n, .type = KEY_COUNT, .offset = OFF(f), .min = lo, .max = hi }
#define K_BOOL(n, f) \
	{ .name = n, .type = KEY_BOOL, .offset = OFF(f), .max = 1 }
/* a policy key: its words are the names registered for @kind, so that a
 * policy added to its registry is accepted here with no edit */
#define K_POLICY(n, f, kind_) \
	{ .name = n, .type = KEY_POLICY, .offset = OFF(f), .kind = kind_ }
#define K_WORD(n, f, w) \
	{ .name = n, .type = KEY_WORD, .offset = OFF(f), .words = w }

/* /sys/kernel/mm/transparent_hugepage/enabled and defrag, as Linux spells
 * them (Documentation/admin-guide/mm/transhuge.rst) */
static const char *const thp_enabled_words[] = { "always", "madvise", "never", NULL };
static const char *const thp_defrag_words[] = {
	"always", "defer", "defer+madvise", "madvise", "never", NULL };
/* .../shmem_enabled and tmpfs's huge= (Documentation/filesystems/tmpfs.rst):
 * deny and force are the sysfs file's overrides of every mount */
/* when page tables are freed (docs/profiles.md, mmu.free_tables), in the
 * order of VM_FREE_TABLES_* */
static const char *const free_tables_words[] = {
	"exit", "munmap", "pt_reclaim", NULL };
static const char *const shmem_huge_words[] = {
	"never", "always", "within_size", "advise", "deny", "force", NULL };

/* Every key, in docs/profiles.md order (the order of dumps and listings). */
static const cfg_key_t keys[] = {
	{ .name = "page_size", .type = KEY_SIZE, .offset = OFF(page_size),
	  /* 32 bytes: OSTEP's multi-level translation homework */
	  .min = 32, .max = GiB, .pow2 = TRUE },
	K_SIZE("memory", memory, 1, MAX_SIZE),
	K_COUNT("cpus", cpus, 1, 1024),
	{ .name = "sched.policy", .type = KEY_POLICY, .offset = OFF(sched_policy),
	  .kind = VM_POLICY_SCHED, .smp = TRUE },
	K_BOOL("zero_page", zero_page),
	{ .name = "mmu.bits", .type = KEY_BITS, .offset = OFF(mmu_bits),
	  .min = 1, .max = MAX_BITS },
	K_BOOL("mmu.pt_frames", mmu_pt_frames),
	/* listed only when set away from exit: every built-in profile but
	 * host, and their outputs, stay as they were before the key */
	{ .name = "mmu.free_tables", .type = KEY_WORD,
	  .offset = OFF(mmu_free_tables), .words = free_tables_words,
	  .quiet = TRUE },
	K_COUNT("tlb.l1.entries", tlb_l1_entries, 1, MAX_TLB),
	K_COUNT("tlb.l1.ways", tlb_l1_ways, 0, MAX_TLB),
	K_COUNT("tlb.l2.entries", tlb_l2_entries, 0, MAX_TLB),
	K_COUNT("tlb.l2.ways", tlb_l2_ways, 0, MAX_TLB),
	K_POLICY("tlb.policy", tlb_policy, VM_POLICY_TLB),
	K_BOOL("tlb.asid", tlb_asid),
	{ .name = "tlb.flush_ceiling", .type = KEY_COUNT,
	  .offset = OFF(tlb_flush_ceiling), .max = UINT32_MAX, .smp = TRUE },
	K_DURATION("cost.access", cost_access, MAX_COST),
	K_DURATION("cost.walk_ref", cost_walk_ref, MAX_COST),
	K_DURATION("cost.minor_fault", cost_minor_fault, MAX_COST),
	K_DURATION("cost.map_pte", cost_map_pte, MAX_COST),
	K_DURATION("cost.page_copy", cost_page_copy, MAX_COST),
	K_DURATION("cost.syscall", cost_syscall, MAX_COST),
	K_DURATION("cost.copy_4k", cost_copy_4k, MAX_COST),
	K_DURATION("cost.context_switch", cost_context_switch, MAX_COST),
	K_DURATION("cost.reclaim", cost_reclaim, MAX_COST),
	K_DURATION("cost.reclaim_mapped", cost_reclaim_mapped, MAX_COST),
	K_DURATION("cost.page_cache_add", cost_page_cache_add, MAX_COST),
	{ .name = "cost.ipi", .type = KEY_DURATION, .offset = OFF(cost_ipi),
	  .max = MAX_COST, .smp = TRUE },
	{ .name = "cost.tlb_flush", .type = KEY_DURATION,
	  .offset = OFF(cost_tlb_flush), .max = MAX_COST, .smp = TRUE },
	K_POLICY("disk.type", disk_type, VM_POLICY_DISK),
	K_DURATION("disk.latency", disk_latency, MAX_COST),
	K_DURATION("disk.seek", disk_seek, MAX_COST),
	K_SIZE("disk.bandwidth", disk_bandwidth, 1, MAX_SIZE),
	K_COUNT("disk.queue_depth", disk_queue_depth, 1, 65536),
	K_POLICY("readahead.policy", readahead_policy, VM_POLICY_READAHEAD),
	K_SIZE("readahead.max", readahead_max, 0, GiB),
	K_SIZE("readahead.fault_around", readahead_fault_around, 0, GiB),
	K_COUNT("readahead.mmap_miss_limit", readahead_mmap_miss_limit,
		0, UINT32_MAX),
	K_POLICY("reclaim.policy", reclaim_policy, VM_POLICY_RECLAIM),
	/* frames are at most 2^32 (vm_config_validate), so is the watermark */
	{ .name = "reclaim.watermark_min", .type = KEY_WMARK,
	  .offset = OFF(reclaim_watermark_min), .min = 0, .max = UINT32_MAX },
	K_BOOL("reclaim.kswapd", reclaim_kswapd),
	K_COUNT("reclaim.swappiness", reclaim_swappiness, 0, 200),
	K_COUNT("reclaim.seed", reclaim_seed, 0, UINT32_MAX),
	K_SIZE("swap.size", swap_size, 0, MAX_SIZE),
	/* Linux caps page-cluster nowhere, but 2^10 pages per swap-in is
	 * already absurd and keeps the engine's readahead array small. */
	K_COUNT("swap.cluster", swap_cluster, 0, 10),
	K_BOOL("swap.vma_readahead", swap_vma_readahead),
	K_DURATION("writeback.expire", writeback_expire, MAX_PERIOD),
	K_DURATION("writeback.interval", writeback_interval, MAX_PERIOD),
	K_COUNT("writeback.background_ratio", writeback_background_ratio,
		0, 100),
	K_COUNT("writeback.dirty_ratio", writeback_dirty_ratio, 0, 100),
	K_POLICY("oom.policy", oom_policy, VM_POLICY_OOM),
	/* 0 or a power of two from page_size to the size one page-table
	 * page maps (checked with the page size in vm_config_validate) */
	{ .name = "cache.folio_max", .type = KEY_SIZE,
	  .offset = OFF(cache_folio_max), .min = 0, .max = GiB },
	/* a memory cgroup for the whole trace, so that a batch grid can
	 * vary its limit: 0, no cgroup */
	K_SIZE("cgroup.max", cgroup_max, 0, MAX_SIZE),
	/* listed only when set away from 2, so that runs without cgroups,
	 * and every built-in profile, report as before */
	{ .name = "cgroup.version", .type = KEY_COUNT,
	  .offset = OFF(cgroup_version), .min = 1, .max = 2, .quiet = TRUE },
	K_WORD("thp.enabled", thp_enabled, thp_enabled_words),
	K_WORD("thp.defrag", thp_defrag, thp_defrag_words),
	K_BOOL("thp.use_zero_page", thp_use_zero_page),
	{ .name = "shmem.huge", .type = KEY_WORD, .offset = OFF(shmem_huge),
	  .words = shmem_huge_words, .quiet = TRUE },
	/* at least 1 ms: a scan that keeps finding work wakes again after
	 * it, and at 0 it would wake at the same instant for ever */
	{ .name = "thp.khugepaged.scan_sleep", .type = KEY_DURATION,
	  .offset = OFF(khugepaged_scan_sleep), .min = 1000000, .max = MAX_PERIOD },
	K_COUNT("thp.khugepaged.pages_to_scan", khugepaged_pages_to_scan,
		1, UINT32_MAX),
	K_COUNT("thp.khugepaged.max_ptes_none", khugepaged_max_ptes_none,
		0, 511),
	K_COUNT("tlb.l1_2m.entries", tlb_l1_2m_entries, 0, MAX_TLB),
	K_COUNT("tlb.l1_2m.ways", tlb_l1_2m_ways, 0, MAX_TLB),
};
#define NR_KEYS G_N_ELEMENTS(keys)

/* The `default` profile: docs/profiles.md's table, value for value. */
static const vm_config_t default_profile = {
	.name = "default",
	.page_size = 4 * KiB,
	.memory = GiB,
	.cpus = 1,
	.sched_policy = "least-loaded",
	.zero_page = TRUE,
	.mmu_levels = 4,
	.mmu_bits = { 9, 9, 9, 9 },
	.mmu_pt_frames = TRUE,
	/* the pt_pages rule of docs/format.md, which scenarios and
	 * exercises count by hand; host follows its kernel */
	.mmu_free_tables = "exit",
	.tlb_l1_entries = 64, .tlb_l1_ways = 4,
	.tlb_l2_entries = 1536, .tlb_l2_ways = 12,
	.tlb_policy = "lru",
	.tlb_asid = TRUE,
	.tlb_flush_ceiling = 33,            /* tlb_single_page_flush_ceiling */
	.cost_access = 1,
	.cost_walk_ref = 5,
	.cost_minor_fault = 1000,
	.cost_map_pte = 0,                  /* a fault costs one price */
	.cost_page_copy = 1000,
	.cost_syscall = 100,
	.cost_copy_4k = 300,
	.cost_context_switch = 1000,
	.cost_reclaim = 200,                /* per page reclaim looks at */
	.cost_reclaim_mapped = 0,           /* per PTE it removes: in cost.reclaim */
	.cost_page_cache_add = 0,           /* per folio read: in the fault's price */
	.cost_ipi = 1000,                   /* send, handler entry, ack */
	.cost_tlb_flush = 200,              /* the handler's flush */
	.disk_type = "nvme",
	.disk_latency = 80000,
	.disk_seek = 0,
	.disk_bandwidth = 2 * GiB,
	.disk_queue_depth = 32,
	.cache_folio_max = 0,               /* 4 KiB folios only */
	.readahead_policy = "linux",
	.readahead_max = 128 * KiB,
	.readahead_fault_around = 64 * KiB,
	.readahead_mmap_miss_limit = 100,   /* MMAP_LOTSAMISS */
	.reclaim_policy = "lru2q",
	.reclaim_watermark_min = -1,
	.reclaim_kswapd = TRUE,
	.reclaim_swappiness = 60,
	.reclaim_seed = 1,                  /* as the trace format's rand */
	.swap_size = 0,
	.swap_cluster = 3,
	.swap_vma_readahead = TRUE,         /* enable_vma_readahead */
	.writeback_expire = 30 * NS_PER_S,
	.writeback_interval = 5 * NS_PER_S,
	.writeback_background_ratio = 10,
	.writeback_dirty_ratio = 20,
	.oom_policy = "badness",
	/* cgroup v2, whose memory.max, memory.high and memory.events the
	 * cgroup model names (docs/format.md, Memory cgroups) */
	.cgroup_version = 2,
	/* never: the built-in profiles keep their 4 KiB behaviour, which
	 * every scenario and exercise was written against (docs/profiles.md
	 * says why); the host profile reads the host's setting */
	.thp_enabled = "never",
	.thp_defrag = "madvise",            /* Linux's default */
	.thp_use_zero_page = TRUE,
	.shmem_huge = "never",              /* Linux's default shmem_enabled */
	.khugepaged_scan_sleep = 10 * NS_PER_S,  /* 10000 ms */
	.khugepaged_pages_to_scan = 4096,   /* HPAGE_PMD_NR * 8 */
	.khugepaged_max_ptes_none = 511,    /* HPAGE_PMD_NR - 1 */
	/* a current x86 core (Golden Cove): 32 L1 DTLB entries for 2M/4M
	 * pages, 4-way; the 2048-entry STLB shares 4K and 2M (here tlb.l2) */
	.tlb_l1_2m_entries = 32, .tlb_l1_2m_ways = 4,
};

/*
 * The other built-ins are spelt as assignments on top of a parent, exactly
 * as a user would write them with -s, so they go through the same checks.
 */
static const char *const seed_hdd_set[] = {
	"cost.access=100ns",
	"cost.walk_ref=100ns",
	"cost.minor_fault=2us",
	"disk.type=hdd",
	"disk.latency=0ns",
	"disk.seek=5ms",
	/* 204,800,000 B/s: a 4 KiB page transfers in exactly 20 us */
	"disk.bandwidth=200000K",
	"disk.queue_depth=1",
	NULL
};

static const char *const x86_32_set[] = {
	"mmu.bits=10,10",
	NULL
};

/* On top of seed-hdd, so it inherits its costs and disk. */
static const char *const tiny_set[] = {
	"memory=64K",
	"mmu.pt_frames=false",
	"mmu.bits=4,4",
	"tlb.l1.entries=4",
	"tlb.l1.ways=0",
	"tlb.l2.entries=0",
	"tlb.policy=lru",
	"readahead.policy=none",
	"readahead.fault_around=0",
	"reclaim.watermark_min=0",
	"reclaim.kswapd=false",
	/* by hand, an eviction costs its I/O only */
	"cost.reclaim=0ns",
	"swap.size=64K",
	NULL
};

typedef struct {
	const char *name;
	const char *parent;        /* NULL: default_profile itself */
	const char *const *set;
	const char *description;
} builtin_t;

static const builtin_t builtins[] = {
	{ "default", NULL, NULL,
	  "an x86-64-like machine: 4 KiB pages, 1 GiB, 4-level page table, "
	  "two TLB levels, an NVMe disk" },
	{ "seed-hdd", "default", seed_hdd_set,
	  "textbook costs: 100 ns memory, 2 us minor fault, an HDD with 5 ms "
	  "seeks and 20 us per 4 KiB page" },
	{ "x86-32", "default", x86_32_set,
	  "the default machine with a 2-level page table of 10+10 bits "
	  "(32-bit x86)" },
	{ "tiny", "seed-hdd", tiny_set,
	  "for tracing by hand: 16 frames, a 4+4-bit page table, a 4-entry "
	  "TLB, no readahead, the seed-hdd costs" },
};


/* ------------------------------------------------------------------ */
/* Values: between text, value_t and the struct                        */

static void *field(vm_config_t *cfg, const cfg_key_t *k)
{
	return (char *)cfg + k->offset;
}

static const void *cfield(const vm_config_t *cfg, const cfg_key_t *k)
{
	return (const char *)cfg + k->offset;
}

static void read_value(const vm_config_t *cfg, const cfg_key_t *k,
		       value_t *v)
{
	memset(v, 0, sizeof(*v));
	switch (k->type) {
	case KEY_SIZE:
	case KEY_DURATION:
		v->n = *(const uint64_t *)cfield(cfg, k);
		break;
	case KEY_COUNT:
		v->n = *(const uint32_t *)cfield(cfg, k);
		break;
	case KEY_BOOL:
		v->n = *(const gboolean *)cfield(cfg, k) ? 1 : 0;
		break;
	case KEY_POLICY:
	case KEY_WORD:
		v->word = cfield(cfg, k);
		break;
	case KEY_BITS:
		/* a corrupt level count must not make us read past the array */
		v->nr_bits = MIN(cfg->mmu_levels, VM_MMU_MAX_LEVELS + 1);
		memcpy(v->bits, cfg->mmu_bits,
		       MIN(v->nr_bits, VM_MMU_MAX_LEVELS) * sizeof(v->bits[0]));
		break;
	case KEY_WMARK: {
		int64_t w = *(const int64_t *)cfield(cfg, k);
		v->is_auto = w < 0;
		v->n = w < 0 ? 0 : (uint64_t)w;
		break;
	}
	}
}

/* Store a value that check_value() accepted. */
static void store_value(vm_config_t *cfg, const cfg_key_t *k,
			const value_t *v)
{
	switch (k->type) {
	case KEY_SIZE:
	case KEY_DURATION:
		*(uint64_t *)field(cfg, k) = v->n;
		break;
	case KEY_COUNT:
		*(uint32_t *)field(cfg, k) = (uint32_t)v->n;
		break;
	case KEY_BOOL:
		*(gboolean *)field(cfg, k) = v->n != 0;
		break;
	case KEY_POLICY:
	case KEY_WORD: {
		/* clear the tail too, so equal profiles are equal bytes */
		char *w = field(cfg, k);
		memset(w, 0, VM_CONFIG_WORD);
		g_strlcpy(w, v->word, VM_CONFIG_WORD);
		break;
	}
	case KEY_BITS:
		cfg->mmu_levels = v->nr_bits;
		memset(cfg->mmu_bits, 0, sizeof(cfg->mmu_bits));
		memcpy(cfg->mmu_bits, v->bits, v->nr_bits * sizeof(v->bits[0]));
		break;
	case KEY_WMARK:
		*(int64_t *)field(cfg, k) = v->is_auto ? -1 : (int64_t)v->n;
		break;
	}
}

/* The registered name @text of @k's kind (a static string), or NULL. */
static const char *find_word(const cfg_key_t *k, const char *text)
{
	if (k->type == KEY_WORD) {
		for (const char *const *w = k->words; *w; w++)
			if (strcmp(*w, text) == 0)
				return *w;
		return NULL;
	}
	const vm_policy_t *p = vm_policy_find(k->kind, text);

	return p ? p->name : NULL;
}

/* "9,9,9,9": 1 to VM_MMU_MAX_LEVELS numbers, no empty items.  Only the
 * syntax and the count; the per-level range is check_value's. */
static gboolean parse_bits(const char *text, value_t *v)
{
	gchar **items = g_strsplit(text, ",", -1);
	guint n = g_strv_length(items);
	gboolean ok = n >= 1 && n <= VM_MMU_MAX_LEVELS;

	for (guint i = 0; ok && i < n; i++) {
		uint64_t b;
		g_strstrip(items[i]);
		ok = vm_parse_number(items[i], &b) && b <= UINT32_MAX;
		v->bits[i] = ok ? (uint32_t)b : 0;
	}
	v->nr_bits = n;
	g_strfreev(items);
	return ok;
}

/* Syntax only: TRUE when @text spells a value of @k's type. */
static gboolean parse_text(const cfg_key_t *k, const char *text, value_t *v)
{
	memset(v, 0, sizeof(*v));
	switch (k->type) {
	case KEY_SIZE:
		return vm_parse_size(text, &v->n);
	case KEY_DURATION:
		/* docs/profiles.md itself spells disk.seek's default "0"; a zero needs
		 * no unit to be unambiguous.  Any other number does. */
		if (strcmp(text, "0") == 0)
			return TRUE;
		return vm_parse_duration(text, &v->n);
	case KEY_COUNT:
		return vm_parse_number(text, &v->n);
	case KEY_BOOL:
		/* only the two spellings that we print, so that profiles and
		 * traces stay greppable */
		if (strcmp(text, "true") == 0)
			v->n = 1;
		else if (strcmp(text, "false") != 0)
			return FALSE;
		return TRUE;
	case KEY_POLICY:
	case KEY_WORD:
		v->word = find_word(k, text);
		return v->word != NULL;
	case KEY_BITS:
		return parse_bits(text, v);
	case KEY_WMARK:
		if (strcmp(text, "auto") == 0) {
			v->is_auto = TRUE;
			return TRUE;
		}
		return vm_parse_number(text, &v->n);
	}
	return FALSE;
}

static gboolean is_pow2(uint64_t n)
{
	return n != 0 && (n & (n - 1)) == 0;
}

/* Range: TRUE when the (syntactically valid) value is allowed for @k. */
static gboolean check_value(const cfg_key_t *k, const value_t *v)
{
	switch (k->type) {
	case KEY_SIZE:
	case KEY_DURATION:
	case KEY_COUNT:
	case KEY_BOOL:
		return v->n >= k->min && v->n <= k->max &&
		       (!k->pow2 || is_pow2(v->n));
	case KEY_POLICY:
	case KEY_WORD:
		return v->word && find_word(k, v->word);
	case KEY_BITS:
		if (v->nr_bits < 1 || v->nr_bits > VM_MMU_MAX_LEVELS)
			return FALSE;
		for (uint32_t i = 0; i < v->nr_bits; i++)
			if (v->bits[i] < k->min || v->bits[i] > k->max)
				return FALSE;
		return TRUE;
	case KEY_WMARK:
		return v->is_auto || (v->n >= k->min && v->n <= k->max);
	}
	return FALSE;
}

static char *format_number(const cfg_key_t *k, uint64_t n)
{
	switch (k->type) {
	case KEY_SIZE:
		return vm_format_size(n);
	case KEY_DURATION:
		return vm_format_duration(n);
	default:
		return g_strdup_printf("%" G_GUINT64_FORMAT, n);
	}
}

static char *format_value(const cfg_key_t *k, const value_t *v)
{
	switch (k->type) {
	case KEY_SIZE:
	case KEY_DURATION:
	case KEY_COUNT:
		return format_number(k, v->n);
	case KEY_BOOL:
		return g_strdup(v->n ? "true" : "false");
	case KEY_POLICY:
	case KEY_WORD:
		return g_strdup(v->word);
	case KEY_BITS: {
		GString *s = g_string_new(NULL);
		uint32_t n = MIN(v->nr_bits, VM_MMU_MAX_LEVELS);
		for (uint32_t i = 0; i < n; i++)
			g_string_append_printf(s, "%s%u", i ? "," : "",
					       v->bits[i]);
		return g_string_free(s, FALSE);
	}
	case KEY_WMARK:
		if (v->is_auto)
			return g_strdup("auto");
		return g_strdup_printf("%" G_GUINT64_FORMAT, v->n);
	}
	return g_strdup("");
}

/* "lru, fifo or random": the names registered for @kind, in order */
static char *join_words(vm_policy_kind_t kind)
{
	GString *s = g_string_new(NULL);
	const vm_policy_t *p;

	for (unsigned i = 0; (p = vm_policy_nth(kind, i)); i++) {
		if (i > 0)
			g_string_append(s, vm_policy_nth(kind, i + 1) ? ", " : " or ");
		g_string_append(s, p->name);
	}
	return g_string_free(s, FALSE);
}

/*
 * What @k accepts, for the "(expected ...)" part of a message.  @range:
 * the text parsed but was out of range, so spell out the range rather
 * than the syntax.
 */
static char *expectation(const cfg_key_t *k, gboolean range)
{
	g_autofree char *lo = format_number(k, k->min);
	g_autofree char *hi = format_number(k, k->max);

	switch (k->type) {
	case KEY_SIZE:
		if (k->pow2)
			return g_strdup_printf("a power of two from %s to %s",
					       lo, hi);
		if (range)
			return g_strdup_printf("a size from %s to %s", lo, hi);
		return g_strdup("a size such as 64M");
	case KEY_DURATION:
		if (range)
			return g_strdup_printf("a duration from %s to %s",
					       lo, hi);
		return g_strdup("a duration with a unit (ns, us, ms or s), "
				"such as 5ms");
	case KEY_COUNT:
		if (range)
			return g_strdup_printf("a number from %s to %s",
					       lo, hi);
		return g_strdup("a whole number");
	case KEY_BOOL:
		return g_strdup("true or false");
	case KEY_POLICY:
	case KEY_WORD:
		if (k->type == KEY_WORD)
			return g_strjoinv(", ", (gchar **)k->words);
		return join_words(k->kind);
	case KEY_BITS:
		return g_strdup_printf("1 to %d comma-separated numbers from "
				       "%s to %s, such as 9,9,9,9",
				       VM_MMU_MAX_LEVELS, lo, hi);
	case KEY_WMARK:
		if (range)
			return g_strdup_printf("auto or a number of pages "
					       "from %s to %s", lo, hi);
		return g_strdup("auto or a number of pages");
	}
	return g_strdup("?");
}

static void set_bad_value(GError **error, const cfg_key_t *k, const char *text,
			  gboolean range)
{
	g_autofree char *exp = expectation(k, range);
	g_set_error(error, VM_ERROR, VM_ERROR_INVALID,
		    "bad value for %s: '%s' (expected %s)", k->name, text, exp);
}

static const cfg_key_t *find_key(const char *name)
{
	for (unsigned i = 0; i < NR_KEYS; i++)
		if (strcmp(keys[i].name, name) == 0)
			return &keys[i];
	return NULL;
}

/* ------------------------------------------------------------------ */
/* Keys                                                                 */

unsigned vm_config_nr_keys(void)
{
	return NR_KEYS;
}

const char *vm_config_key_name(unsigned i)
{
	g_return_val_if_fail(i < NR_KEYS, NULL);
	return keys[i].name;
}

int vm_config_key_lookup(const char *key)
{
	const cfg_key_t *k;

	g_return_val_if_fail(key != NULL, -1);
	k = find_key(key);
	return k ? (int)(k - keys) : -1;
}

char *vm_config_format_value(const vm_config_t *cfg, unsigned i)
{
	value_t v;

	g_return_val_if_fail(cfg != NULL && i < NR_KEYS, NULL);
	read_value(cfg, &keys[i], &v);
	return format_value(&keys[i], &v);
}

gboolean vm_config_key_is_number(unsigned i)
{
	g_return_val_if_fail(i < NR_KEYS, FALSE);
	return keys[i].type != KEY_POLICY && keys[i].type != KEY_WORD &&
	       keys[i].type != KEY_BITS;
}

gboolean vm_config_key_is_bool(unsigned i)
{
	g_return_val_if_fail(i < NR_KEYS, FALSE);
	return keys[i].type == KEY_BOOL;
}

int64_t vm_config_number_value(const vm_config_t *cfg, unsigned i)
{
	value_t v;

	g_return_val_if_fail(cfg != NULL && i < NR_KEYS, 0);
	if (!vm_config_key_is_number(i))
		return 0;
	read_value(cfg, &keys[i], &v);
	if (v.is_auto)
		return -1;
	return v.n > INT64_MAX ? INT64_MAX : (int64_t)v.n;
}

/* ------------------------------------------------------------------ */
/* Setting keys                                                         */

gboolean vm_config_set(vm_config_t *cfg, const char *key, const char *value,
		       GError **error)
{
	const cfg_key_t *k;
	g_autofree char *text = NULL;
	value_t v;

	g_return_val_if_fail(cfg != NULL && key != NULL && value != NULL,
			     FALSE);
	k = find_key(key);
	if (!k) {
		g_set_error(error, VM_ERROR, VM_ERROR_INVALID,
			    "unknown key '%s'", key);
		return FALSE;
	}
	/* "memory = 64M" in a trace's set line or a shell -s should work */
	text = g_strstrip(g_strdup(value));
	if (!parse_text(k, text, &v)) {
		set_bad_value(error, k, text, FALSE);
		return FALSE;
	}
	if (!check_value(k, &v)) {
		set_bad_value(error, k, text, TRUE);
		return FALSE;
	}
	store_value(cfg, k, &v);
	return TRUE;
}

gboolean vm_config_set_assignment(vm_config_t *cfg, const char *assignment,
				  GError **error)
{
	const char *eq;
	g_autofree char *key = NULL;

	g_return_val_if_fail(cfg != NULL && assignment != NULL, FALSE);
	eq = strchr(assignment, '=');
	if (eq)
		key = g_strstrip(g_strndup(assignment, eq - assignment));
	if (!eq || key[0] == '\0') {
		g_set_error(error, VM_ERROR, VM_ERROR_INVALID,
			    "bad assignment '%s' (expected KEY=VALUE)",
			    assignment);
		return FALSE;
	}
	return vm_config_set(cfg, key, eq + 1, error);
}

/* ------------------------------------------------------------------ */
/* Built-in profiles                                                    */

/* The names of builtins[], in its order: the one list of built-ins, so
 * that listings and messages cannot forget one. */
const char *const *vm_config_builtin_names(void)
{
	static const char *names[G_N_ELEMENTS(builtins) + 1];
	static gsize done;

	if (g_once_init_enter(&done)) {
		for (unsigned i = 0; i < G_N_ELEMENTS(builtins); i++)
			names[i] = builtins[i].name;
		g_once_init_leave(&done, 1);
	}
	return names;
}

/* "default, seed-hdd, x86-32, tiny, host": every name -p accepts besides a
 * file, the fixed built-ins and then `host`, which is read from this
 * machine rather than kept in builtins[].  Newly allocated. */
static char *profile_names(void)
{
	GString *s = g_string_new(NULL);

	for (const char *const *n = vm_config_builtin_names(); *n; n++)
		g_string_append_printf(s, "%s, ", *n);
	g_string_append(s, "host");
	return g_string_free(s, FALSE);
}

static const builtin_t *find_builtin(const char *name)
{
	for (unsigned i = 0; i < G_N_ELEMENTS(builtins); i++)
		if (strcmp(builtins[i].name, name) == 0)
			return &builtins[i];
	return NULL;
}

const char *vm_config_builtin_describe(const char *name)
{
	const builtin_t *b;

	g_return_val_if_fail(name != NULL, NULL);
	b = find_builtin(name);
	if (!b && strcmp(name, "host") == 0)
		return "this Linux machine, read from /proc and /sys, costs "
		       "calibrated by the validate probes (sim/host.c)";
	return b ? b->description : NULL;
}

void vm_config_default(vm_config_t *cfg)
{
	g_return_if_fail(cfg != NULL);
	/* memset first: padding included, two defaults compare equal */
	memset(cfg, 0, sizeof(*cfg));
	*cfg = default_profile;
}

static void fill_builtin(vm_config_t *cfg, const builtin_t *b)
{
	if (b->parent)
		fill_builtin(cfg, find_builtin(b->parent));
	else
		vm_config_default(cfg);
	for (const char *const *s = b->set; s && *s; s++) {
		GError *err = NULL;
		if (!vm_config_set_assignment(cfg, *s, &err))
			g_error("built-in profile %s: %s", b->name,
				err->message);
	}
	memset(cfg->name, 0, sizeof(cfg->name));
	g_strlcpy(cfg->name, b->name, sizeof(cfg->name));
}

/* ------------------------------------------------------------------ */
/* .ini files                                                           */

/* The group of a dotted key: "tlb" for "tlb.l1.entries", "machine" for
 * a top-level key.  Returns a newly allocated string. */
static char *key_group(const char *name)
{
	const char *dot = strchr(name, '.');
	return dot ? g_strndup(name, dot - name) : g_strdup("machine");
}

static gboolean known_group(const char *group)
{
	if (strcmp(group, "profile") == 0)
		return TRUE;
	for (unsigned i = 0; i < NR_KEYS; i++) {
		g_autofree char *g = key_group(keys[i].name);
		if (strcmp(g, group) == 0)
			return TRUE;
	}
	return FALSE;
}

/*
 * Where GKeyFile found things, since it does not say: scan @data as
 * GKeyFile does (leading blanks skipped, '#' comments, [group], key=value)
 * and return in *line (1-based) the last line that holds @key in @group
 * (or, @key NULL, the header of @group), with *col the column of the key
 * and *vcol that of its value.  With @group NULL, find the first line that
 * GKeyFile would reject instead.  FALSE when nothing matches.
 */
static gboolean locate(const char *data, const char *group, const char *key,
		       int *line, int *col, int *vcol)
{
	g_auto(GStrv) lines = g_strsplit(data, "\n", -1);
	g_autofree char *cur = NULL;
	gboolean found = FALSE;

	for (int i = 0; lines[i]; i++) {
		const char *s = lines[i], *eq;
		size_t len;

		while (g_ascii_isspace(*s))
			s++;
		if (*s == '\0' || *s == '#')
			continue;
		if (*s == '[') {
			const char *end = strchr(s, ']');
			g_free(cur);
			cur = end ? g_strndup(s + 1, end - s - 1) : NULL;
			if (group && key == NULL && cur &&
			    strcmp(cur, group) == 0) {
				*line = i + 1;
				*col = *vcol = (int)(s - lines[i]) + 1;
				return TRUE;
			}
			if (!group && !end)
				goto bad;
			continue;
		}
		eq = strchr(s, '=');
		if (!group) {
			if (!eq || !cur)
				goto bad;
			continue;
		}
		if (!eq || !cur || !key || strcmp(cur, group) != 0)
			continue;
		len = eq - s;
		while (len > 0 && g_ascii_isspace(s[len - 1]))
			len--;
		if (len != strlen(key) || strncmp(s, key, len) != 0)
			continue;
		*line = i + 1;
		*col = (int)(s - lines[i]) + 1;
		eq++;
		while (*eq == ' ' || *eq == '\t')
			eq++;
		*vcol = (int)(eq - lines[i]) + 1;
		found = TRUE;   /* keep going: GKeyFile keeps the last */
		continue;
bad:
		*line = i + 1;
		*col = *vcol = (int)(s - lines[i]) + 1;
		return TRUE;
	}
	return found;
}

/* Prefix @error with "PATH:LINE:COL: " (or "PATH: " when not found). */
static void prefix_location(GError **error, const char *path,
			    const char *data, const char *group,
			    const char *key, gboolean at_value)
{
	int line, col, vcol;

	if (locate(data, group, key, &line, &col, &vcol))
		g_prefix_error(error, "%s:%d:%d: ", path, line,
			       at_value ? vcol : col);
	else
		g_prefix_error(error, "%s: ", path);
}

static gboolean apply_group(vm_config_t *cfg, GKeyFile *kf,
			    const char *group, const char *path,
			    const char *data, GError **error)
{
	g_auto(GStrv) names = g_key_file_get_keys(kf, group, NULL, NULL);
	gboolean machine = strcmp(group, "machine") == 0;

	for (guint i = 0; names && names[i]; i++) {
		const char *key = names[i];
		g_autofree char *dotted = NULL;
		g_autofree char *value = NULL;
		GError *err = NULL;

		if (strcmp(group, "profile") == 0 && strcmp(key, "name") == 0) {
			g_autofree char *name =
				g_key_file_get_string(kf, group, key, NULL);
			memset(cfg->name, 0, sizeof(cfg->name));
			g_strlcpy(cfg->name, name ? name : "",
				  sizeof(cfg->name));
			continue;
		}
		dotted = machine ? g_strdup(key)
				 : g_strconcat(group, ".", key, NULL);
		value = g_key_file_get_value(kf, group, key, NULL);
		if (machine && strchr(key, '.') && find_key(key)) {
			/* [machine] mmu.bits=...: one spelling per key */
			g_autofree char *g = key_group(key);
			g_set_error(&err, VM_ERROR, VM_ERROR_INVALID,
				    "unknown key '%s' in [machine] (write it "
				    "as %s in [%s])", key,
				    strchr(key, '.') + 1, g);
		} else if (strcmp(group, "profile") == 0 ||
			   !find_key(dotted)) {
			g_set_error(&err, VM_ERROR, VM_ERROR_INVALID,
				    "unknown key '%s'", dotted);
		} else {
			vm_config_set(cfg, dotted, value ? value : "", &err);
			if (err) {
				prefix_location(&err, path, data, group, key,
						TRUE);
				g_propagate_error(error, err);
				return FALSE;
			}
			continue;
		}
		prefix_location(&err, path, data, group, key, FALSE);
		g_propagate_error(error, err);
		return FALSE;
	}
	return TRUE;
}

/*
 * Read profile file @path whole into *data (NUL-terminated), *len.  Only a
 * regular file of at most VM_CONFIG_MAX_FILE bytes: a profile is a few
 * kilobytes, and a trace's `profile /dev/zero` or a -p naming a FIFO must
 * not read forever or wait for a writer (O_NONBLOCK: opening a FIFO does
 * not block; reading a regular file ignores it).
 */
static gboolean read_profile(const char *path, char **data, gsize *len,
			     GError **error)
{
	struct stat st;
	int fd;
	ssize_t got = 0;
	gsize n = 0;
	char *buf;

	do
		fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
	while (fd < 0 && errno == EINTR);
	if (fd < 0) {
		int e = errno;
		g_set_error(error, VM_ERROR, VM_ERROR_IO, "%s: %s", path,
			    g_strerror(e));
		return FALSE;
	}
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		g_set_error(error, VM_ERROR, VM_ERROR_IO,
			    "%s: not a regular file (a profile is an .ini file)",
			    path);
		return FALSE;
	}
	if ((uint64_t)st.st_size > VM_CONFIG_MAX_FILE) {
		close(fd);
		goto too_big;
	}
	/* one byte more than the limit: a file that grows is caught too */
	buf = g_malloc((gsize)st.st_size + 2);
	while (n < (gsize)st.st_size + 1) {
		got = read(fd, buf + n, (gsize)st.st_size + 1 - n);
		if (got < 0 && errno == EINTR)
			continue;
		if (got <= 0)
			break;
		n += (gsize)got;
	}
	if (got < 0) {
		int e = errno;
		close(fd);
		g_free(buf);
		g_set_error(error, VM_ERROR, VM_ERROR_IO, "%s: read error: %s",
			    path, g_strerror(e));
		return FALSE;
	}
	close(fd);
	if (n > (gsize)st.st_size) {
		/* grew while we read: read no more, whatever its size */
		g_free(buf);
		if (n > VM_CONFIG_MAX_FILE)
			goto too_big;
		g_set_error(error, VM_ERROR, VM_ERROR_IO,
			    "%s: the file changed while it was read", path);
		return FALSE;
	}
	buf[n] = '\0';
	*data = buf;
	*len = n;
	return TRUE;
too_big:
	g_set_error(error, VM_ERROR, VM_ERROR_INVALID,
		    "%s: too large for a profile (at most %u bytes)", path,
		    (unsigned)VM_CONFIG_MAX_FILE);
	return FALSE;
}

static gboolean load_file(vm_config_t *cfg, const char *path, GError **error)
{
	g_autoptr(GKeyFile) kf = g_key_file_new();
	g_autofree char *data = NULL;
	g_auto(GStrv) groups = NULL;
	GError *err = NULL;
	gsize len;
	vm_config_t tmp;

	if (!read_profile(path, &data, &len, error))
		return FALSE;
	/* KEEP_TRANSLATIONS: GKeyFile would otherwise drop `key[xx]=` lines
	 * (locale keys) of other locales without a word, and use the
	 * current locale's; kept, they reach apply_group as keys "key[xx]",
	 * which no profile key is: an unknown key, as docs/profiles.md says. */
	if (!g_key_file_load_from_data(kf, data, len, G_KEY_FILE_KEEP_TRANSLATIONS,
				       &err)) {
		GError *e = g_error_new_literal(VM_ERROR, VM_ERROR_PARSE,
						err->message);
		g_error_free(err);
		prefix_location(&e, path, data, NULL, NULL, FALSE);
		g_propagate_error(error, e);
		return FALSE;
	}

	/* build on a copy: a file that fails halfway changes nothing */
	vm_config_default(&tmp);
	memset(tmp.name, 0, sizeof(tmp.name));
	g_strlcpy(tmp.name, path, sizeof(tmp.name));
	groups = g_key_file_get_groups(kf, NULL);
	for (guint i = 0; groups[i]; i++) {
		if (!known_group(groups[i])) {
			g_set_error(&err, VM_ERROR, VM_ERROR_INVALID,
				    "unknown group [%s]", groups[i]);
			prefix_location(&err, path, data, groups[i], NULL,
					FALSE);
			g_propagate_error(error, err);
			return FALSE;
		}
		if (!apply_group(&tmp, kf, groups[i], path, data, error))
			return FALSE;
	}
	*cfg = tmp;
	return TRUE;
}

gboolean vm_config_load(vm_config_t *cfg, const char *name, GError **error)
{
	const builtin_t *b;

	g_return_val_if_fail(cfg != NULL && name != NULL, FALSE);
	b = find_builtin(name);
	if (b) {
		fill_builtin(cfg, b);
		return TRUE;
	}
	if (strcmp(name, "host") == 0)   /* read from this machine */
		return vm_host_profile(cfg, error);
	if (g_str_has_suffix(name, ".ini") ||
	    g_file_test(name, G_FILE_TEST_EXISTS))
		return load_file(cfg, name, error);

	g_autofree char *list = profile_names();
	g_set_error(error, VM_ERROR, VM_ERROR_INVALID,
		    "unknown profile '%s' (built-in: %s; or an .ini file)",
		    name, list);
	return FALSE;
}

gboolean vm_config_key_shown(const vm_config_t *cfg, unsigned i)
{
	g_return_val_if_fail(cfg != NULL && i < NR_KEYS, FALSE);
	if ((!keys[i].smp && !keys[i].quiet) || (keys[i].smp && cfg->cpus > 1))
		return TRUE;
	value_t v, d;
	read_value(cfg, &keys[i], &v);
	read_value(&default_profile, &keys[i], &d);
	if (keys[i].type == KEY_POLICY || keys[i].type == KEY_WORD)
		return strcmp(v.word, d.word) != 0;
	return v.n != d.n;
}

char *vm_config_to_ini(const vm_config_t *cfg)
{
	g_autoptr(GKeyFile) kf = g_key_file_new();
	const char *desc;
	g_autofree char *comment = NULL;

	g_return_val_if_fail(cfg != NULL, NULL);
	g_key_file_set_string(kf, "profile", "name", cfg->name);
	/* groups appear in the order of their first key: docs/profiles.md's order */
	for (unsigned i = 0; i < NR_KEYS; i++) {
		if (!vm_config_key_shown(cfg, i))
			continue;
		const char *dot = strchr(keys[i].name, '.');
		g_autofree char *group = key_group(keys[i].name);
		g_autofree char *value = vm_config_format_value(cfg, i);
		g_key_file_set_value(kf, group, dot ? dot + 1 : keys[i].name,
				     value);
	}
	desc = vm_config_builtin_describe(cfg->name);
	if (desc)
		comment = g_strdup_printf(" vmscope machine profile '%s': %s",
					  cfg->name, desc);
	else
		comment = g_strdup(" vmscope machine profile (docs/profiles.md)");
	g_key_file_set_comment(kf, NULL, NULL, comment, NULL);
	g_key_file_set_comment(kf, "cache", NULL,
			       " folio_max: the largest page-cache folio (large "
			       "folios, as Linux 6.18 caches ext4 and xfs files): "
			       "0 = one page a folio; at most what one page-table "
			       "page maps (2M)", NULL);
	return g_key_file_to_data(kf, NULL, NULL);
}

/* ------------------------------------------------------------------ */
/* Cross-key checks                                                     */

/* floor(sqrt(x)), the digit-by-digit method: exact for all 64-bit x, with
 * no floating point to round differently across hosts. */
static uint64_t int_sqrt64(uint64_t x)
{
	uint64_t root = 0, bit = (uint64_t)1 << 62;

	while (bit > x)
		bit >>= 2;
	while (bit) {
		if (x >= root + bit) {
			x -= root + bit;
			root = (root >> 1) + bit;
		} else {
			root >>= 1;
		}
		bit >>= 2;
	}
	return root;
}

static unsigned log2_u64(uint64_t n)
{
	unsigned l = 0;
	while (n >>= 1)
		l++;
	return l;
}

/* Linux's min watermark in pages when reclaim.watermark_min is auto:
 * calculate_min_free_kbytes() over all of memory, then kbytes to pages. */
static uint64_t auto_min_pages(const vm_config_t *cfg)
{
	uint64_t kbytes = int_sqrt64((cfg->memory / KiB) * 16);

	kbytes = CLAMP(kbytes, 128, 262144);
	return kbytes * KiB / cfg->page_size;
}

void vm_config_watermarks(const vm_config_t *cfg, uint64_t *min,
			  uint64_t *low, uint64_t *high)
{
	uint64_t managed, wmin, step;

	g_return_if_fail(cfg != NULL && cfg->page_size != 0);
	managed = cfg->memory / cfg->page_size;
	if (cfg->reclaim_watermark_min == 0) {
		/* docs/profiles.md's textbook setting: every frame usable, no
		 * kswapd band, although Linux's rule would still give
		 * low = high = managed/1000 */
		wmin = step = 0;
	} else {
		wmin = cfg->reclaim_watermark_min < 0
			       ? auto_min_pages(cfg)
			       : (uint64_t)cfg->reclaim_watermark_min;
		/* one zone, so min is not shared out between zones; the
		 * band is min/4 on small machines and 0.1% of memory
		 * (watermark_scale_factor 10) on large ones */
		step = MAX(wmin / 4, managed * 10 / 10000);
	}
	if (min)
		*min = wmin;
	if (low)
		*low = wmin + step;
	if (high)
		*high = wmin + 2 * step;
}

static gboolean invalid(GError **error, const char *fmt, ...)
	G_GNUC_PRINTF(2, 3);

static gboolean invalid(GError **error, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	g_propagate_error(error, g_error_new_valist(VM_ERROR, VM_ERROR_INVALID,
						     fmt, ap));
	va_end(ap);
	return FALSE;
}

static gboolean check_tlb(const char *level, uint32_t entries, uint32_t ways,
			  GError **error)
{
	/* ways 0: fully associative, one set of all the entries */
	if (ways == 0)
		return TRUE;
	if (entries % ways != 0)
		return invalid(error, "tlb.%s.entries=%u is not a multiple of "
			       "tlb.%s.ways=%u", level, entries, level, ways);
	if (entries / ways < 1)
		return invalid(error, "tlb.%s.ways=%u leaves no set in "
			       "tlb.%s.entries=%u", level, ways, level,
			       entries);
	return TRUE;
}

static gboolean check_multiple(const vm_config_t *cfg, const char *key,
			       uint64_t bytes, GError **error)
{
	g_autofree char *v = NULL, *ps = NULL;

	if (bytes % cfg->page_size == 0)
		return TRUE;
	v = vm_format_size(bytes);
	ps = vm_format_size(cfg->page_size);
	return invalid(error, "%s=%s is not a multiple of page_size=%s",
		       key, v, ps);
}

gboolean vm_config_validate(const vm_config_t *cfg, GError **error)
{
	g_autofree char *mem = NULL, *ps = NULL;
	uint64_t frames, wmin;
	unsigned addr_bits;

	g_return_val_if_fail(cfg != NULL, FALSE);

	/* each key on its own: catches what was written into the struct
	 * directly rather than through vm_config_set() */
	for (unsigned i = 0; i < NR_KEYS; i++) {
		value_t v;
		read_value(cfg, &keys[i], &v);
		if (!check_value(&keys[i], &v)) {
			g_autofree char *text = format_value(&keys[i], &v);
			set_bad_value(error, &keys[i], text, TRUE);
			return FALSE;
		}
	}

	mem = vm_format_size(cfg->memory);
	ps = vm_format_size(cfg->page_size);
	if (!check_multiple(cfg, "memory", cfg->memory, error))
		return FALSE;
	frames = cfg->memory / cfg->page_size;
	/* one frame is enough to say something: the textbook exercises of
	 * docs/batch.md run with 3 */
	if (frames < 1)
		return invalid(error, "memory=%s holds no page of page_size=%s",
			       mem, ps);
	/* a frame number is 32 bits and 2^32-1 means none (VM_NIL) */
	if (frames >= UINT32_MAX)
		return invalid(error, "memory=%s holds %" G_GUINT64_FORMAT
			       " pages of page_size=%s (at most 2^32-2)",
			       mem, frames, ps);

	addr_bits = log2_u64(cfg->page_size);
	for (uint32_t i = 0; i < cfg->mmu_levels; i++)
		addr_bits += cfg->mmu_bits[i];
	if (addr_bits > 64) {
		g_autofree char *bits = vm_config_format_value(
			cfg, (unsigned)vm_config_key_lookup("mmu.bits"));
		return invalid(error, "mmu.bits=%s with page_size=%s makes "
			       "%u-bit virtual addresses (at most 64)",
			       bits, ps, addr_bits);
	}

	if (cfg->tlb_l1_entries < 1)
		return invalid(error, "tlb.l1.entries=0: the L1 TLB needs at "
			       "least one entry");
	if (!check_tlb("l1", cfg->tlb_l1_entries, cfg->tlb_l1_ways, error))
		return FALSE;
	/* entries 0: no L2, whatever its ways say */
	if (cfg->tlb_l2_entries > 0 &&
	    !check_tlb("l2", cfg->tlb_l2_entries, cfg->tlb_l2_ways, error))
		return FALSE;
	if (cfg->tlb_l1_2m_entries > 0 &&
	    !check_tlb("l1_2m", cfg->tlb_l1_2m_entries, cfg->tlb_l1_2m_ways, error))
		return FALSE;

	/* a swap slot number is 32 bits, and 2^32-1 means none */
	if (cfg->swap_size / cfg->page_size >= UINT32_MAX) {
		g_autofree char *sw = vm_format_size(cfg->swap_size);
		return invalid(error, "swap.size=%s holds %" G_GUINT64_FORMAT
			       " pages of page_size=%s (at most 2^32-2)", sw,
			       cfg->swap_size / cfg->page_size, ps);
	}
	if (!check_multiple(cfg, "swap.size", cfg->swap_size, error) ||
	    !check_multiple(cfg, "readahead.max", cfg->readahead_max, error) ||
	    !check_multiple(cfg, "readahead.fault_around",
			    cfg->readahead_fault_around, error))
		return FALSE;

	if (cfg->cache_folio_max && cfg->cache_folio_max != cfg->page_size) {
		uint64_t pmd = cfg->page_size << cfg->mmu_bits[cfg->mmu_levels - 1];
		g_autofree char *fm = vm_format_size(cfg->cache_folio_max);
		g_autofree char *pm = vm_format_size(pmd);
		if (cfg->cache_folio_max & (cfg->cache_folio_max - 1))
			return invalid(error, "cache.folio_max=%s is not a power "
				       "of two", fm);
		if (cfg->cache_folio_max < cfg->page_size)
			return invalid(error, "cache.folio_max=%s is smaller than "
				       "page_size=%s (0 turns large folios off)",
				       fm, ps);
		if (cfg->cache_folio_max > pmd)
			return invalid(error, "cache.folio_max=%s is larger than "
				       "the %s one page-table page maps", fm, pm);
	}

	/* the same bound for auto as for a number: with min at or above
	 * all of memory every allocation would reclaim directly */
	vm_config_watermarks(cfg, &wmin, NULL, NULL);
	if (wmin >= frames) {
		if (cfg->reclaim_watermark_min < 0)
			return invalid(error, "reclaim.watermark_min=auto is "
				       "%" G_GUINT64_FORMAT " pages, not below "
				       "the %" G_GUINT64_FORMAT " frames of "
				       "memory=%s; set reclaim.watermark_min "
				       "to a smaller page count (or 0)",
				       wmin, frames, mem);
		return invalid(error, "reclaim.watermark_min=%" G_GUINT64_FORMAT
			       " is not below the %" G_GUINT64_FORMAT
			       " frames of memory=%s", wmin, frames, mem);
	}
	return TRUE;
}
