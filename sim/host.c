/*
 * The `host` profile: this machine's memory facts from /proc and /sys, and
 * costs from a calibration run of the probe program (see host.h for the
 * sources).  Nothing here is deterministic by nature: it is the one place
 * where vmscope reads the machine it runs on, and only `-p host` and
 * `validate` come here.
 */
#include <config.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/sysmacros.h>
#include <sys/utsname.h>
#include <unistd.h>
#include <glib.h>
#include <glib/gstdio.h>
#include "sim/config.h"
#include "sim/host.h"
#include "traces/error.h"

/* The first line of @path as a number; FALSE when unreadable. */
static gboolean read_u64(const char *path, uint64_t *v)
{
	g_autofree char *text = NULL;
	char *end;

	if (!g_file_get_contents(path, &text, NULL, NULL))
		return FALSE;
	errno = 0;
	unsigned long long x = strtoull(text, &end, 10);
	if (errno || end == text)
		return FALSE;
	*v = x;
	return TRUE;
}

static int read_int(const char *path)
{
	uint64_t v;
	return read_u64(path, &v) ? (int)v : -1;
}

/* A "Key:   N kB" line of /proc/meminfo, in bytes; 0 when absent. */
static uint64_t meminfo(const char *text, const char *key)
{
	const char *p = text;
	size_t kl = strlen(key);

	while (p && *p) {
		if (strncmp(p, key, kl) == 0 && p[kl] == ':')
			return g_ascii_strtoull(p + kl + 1, NULL, 10) * 1024;
		p = strchr(p, '\n');
		if (p)
			p++;
	}
	return 0;
}

/* The selected word of a sysfs list such as "always [madvise] never". */
static void bracketed(const char *path, char *out, size_t n)
{
	g_autofree char *text = NULL;
	out[0] = '\0';
	if (!g_file_get_contents(path, &text, NULL, NULL))
		return;
	char *a = strchr(text, '['), *b = a ? strchr(a, ']') : NULL;
	if (a && b && (size_t)(b - a) < n) {
		memcpy(out, a + 1, (size_t)(b - a - 1));
		out[b - a - 1] = '\0';
	}
}

static const char *fs_name(long type)
{
	switch ((unsigned long)type) {
	case 0xEF53: return "ext4";
	case 0x58465342: return "xfs";
	case 0x9123683E: return "btrfs";
	case 0x01021994: return "tmpfs";
	case 0x794c7630: return "overlayfs";
	case 0x6969: return "nfs";
	case 0x65735546: return "fuse";
	case 0xF2F52010: return "f2fs";
	default: return "";
	}
}

/* read_ahead_kb and rotational of the block device @maj:@min: its own
 * queue, its parent's for a partition, else its bdi. */
static void device_facts(vm_host_t *h, unsigned maj, unsigned min)
{
	char path[256];
	uint64_t v;

	snprintf(h->device, sizeof(h->device), "%u:%u", maj, min);
	static const char *const ra[] = {
		"/sys/dev/block/%u:%u/queue/read_ahead_kb",
		"/sys/dev/block/%u:%u/../queue/read_ahead_kb",
		"/sys/class/bdi/%u:%u/read_ahead_kb",
	};
	for (unsigned i = 0; i < G_N_ELEMENTS(ra); i++) {
		snprintf(path, sizeof(path), ra[i], maj, min);
		if (read_u64(path, &v)) {
			h->read_ahead_kb = v;
			h->read_ahead_known = TRUE;
			break;
		}
	}
	static const char *const rot[] = {
		"/sys/dev/block/%u:%u/queue/rotational",
		"/sys/dev/block/%u:%u/../queue/rotational",
	};
	for (unsigned i = 0; i < G_N_ELEMENTS(rot); i++) {
		snprintf(path, sizeof(path), rot[i], maj, min);
		if (read_u64(path, &v)) {
			h->rotational = v != 0;
			break;
		}
	}
}

/*
 * Large page-cache folios: xfs has them since 5.18, ext4 since 6.16 (its
 * "enable large folio for regular file" series), up to
 * MAX_PAGECACHE_ORDER, the PMD order with 4 KiB pages (2 MiB: a
 * page-table page of page_size/8 entries).  But vmscope's folio model is
 * 6.18's, where a fault maps a whole folio (filemap_map_pages and
 * finish_fault); before, fault-around mapped a large folio 16 pages at a
 * time, which is what single pages cost too.  So the key is set from 6.18
 * on, for ext4 and xfs; elsewhere folios stay single pages.  Measured on
 * 6.18 ext4: a file written in 1 MiB writes is cached in 1 MiB folios (79
 * faults to scan 64 MiB, not 1024), and a cold scan's readahead folios
 * grow to 2 MiB (435 faults, not 1151).
 */
uint64_t vm_host_folio_max(const char *fs, const char *kernel,
			   uint64_t page_size)
{
	unsigned major = 0, minor = 0;
	if (!fs || !kernel || sscanf(kernel, "%u.%u", &major, &minor) != 2)
		return 0;
	unsigned v = major * 1000 + minor, since;
	if (strcmp(fs, "ext4") == 0 || strcmp(fs, "xfs") == 0)
		since = 6018;
	else
		return 0;
	if (v < since || page_size < 512)
		return 0;
	return MIN(page_size * (page_size / 8), 2 * 1024 * 1024);
}

gboolean vm_host_lru_gen_enabled(const char *text)
{
	char *end;

	if (!text)
		return FALSE;
	while (g_ascii_isspace(*text))
		text++;
	if (*text == 'y' || *text == 'Y')
		return TRUE;
	if (!g_ascii_isxdigit(*text))
		return FALSE;
	guint64 mask = g_ascii_strtoull(text, &end, 16);
	if (end == text)
		return FALSE;
	while (g_ascii_isspace(*end))
		end++;
	return *end == '\0' && (mask & 1);
}

/* Is @word one of the words of @text (split at spaces, commas, newlines)? */
static gboolean has_word(const char *text, const char *word)
{
	size_t n = strlen(word);
	for (const char *p = text; p && *p; ) {
		p += strspn(p, " ,\n\t");
		size_t len = strcspn(p, " ,\n\t");
		if (len == n && strncmp(p, word, n) == 0)
			return TRUE;
		p += len;
	}
	return FALSE;
}

int vm_host_memcg_version(const char *mounts, const char *v2_controllers)
{
	gboolean v2 = FALSE;
	if (!mounts)
		return 0;
	g_auto(GStrv) lines = g_strsplit(mounts, "\n", -1);
	for (char **l = lines; *l; l++) {
		g_auto(GStrv) f = g_strsplit(*l, " ", 6);
		if (g_strv_length(f) < 4)
			continue;
		/* a v1 hierarchy with the memory controller: the controller
		 * is there, and nowhere else (hybrid hosts mount cgroup2 too) */
		if (strcmp(f[2], "cgroup") == 0 && has_word(f[3], "memory"))
			return 1;
		v2 |= strcmp(f[2], "cgroup2") == 0;
	}
	if (!v2 || !v2_controllers || !has_word(v2_controllers, "memory"))
		return 0;
	/* cgroup writeback needs both memory and io on the v2 hierarchy
	 * (cgroup_subsys_on_dfl of each); without io, writers meet only the
	 * machine's dirty limits, as under v1 */
	return has_word(v2_controllers, "io") ? 2 : 1;
}

/* The first cgroup2 mount's cgroup.controllers, newly allocated, or NULL. */
static char *v2_controllers(const char *mounts)
{
	g_auto(GStrv) lines = g_strsplit(mounts, "\n", -1);
	for (char **l = lines; *l; l++) {
		g_auto(GStrv) f = g_strsplit(*l, " ", 6);
		if (g_strv_length(f) < 4 || strcmp(f[2], "cgroup2") != 0)
			continue;
		g_autofree char *p = g_build_filename(f[1], "cgroup.controllers", NULL);
		char *t = NULL;
		return g_file_get_contents(p, &t, NULL, NULL) ? t : NULL;
	}
	return NULL;
}

/* /proc/self/status's VmPTE in kB, or -1. */
static long vm_pte_kb(void)
{
	g_autofree char *st = NULL;
	if (!g_file_get_contents("/proc/self/status", &st, NULL, NULL))
		return -1;
	const char *l = strstr(st, "\nVmPTE:");
	return l ? strtol(l + 7, NULL, 10) : -1;
}

const char *vm_host_free_tables(void)
{
	const size_t span = 2 << 20;   /* what one leaf table maps on x86-64 */
	long ps = sysconf(_SC_PAGESIZE);
	if (ps != 4096)
		return "";   /* another table geometry: not looked at */
	char *r = mmap(NULL, 2 * span, PROT_NONE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (r == MAP_FAILED)
		return "";
	char *a = (char *)(((uintptr_t)r + span - 1) & ~(uintptr_t)(span - 1));
	const char *seen = "";
	if (mprotect(a, span, PROT_READ | PROT_WRITE) == 0) {
		/* a huge page would take no leaf table */
		madvise(a, span, MADV_NOHUGEPAGE);
		*(volatile char *)a = 1;
		long before = vm_pte_kb();
		long after = madvise(a, span, MADV_DONTNEED) == 0 ? vm_pte_kb() : -1;
		if (before >= 0 && after >= 0)
			seen = after < before ? "pt_reclaim" : "munmap";
	}
	munmap(r, 2 * span);
	return seen;
}

void vm_host_read(vm_host_t *h, const char *dir)
{
	struct utsname u;
	struct stat st;
	struct statfs sf;
	g_autofree char *mi = NULL;
	uint64_t v;

	memset(h, 0, sizeof(*h));
	if (uname(&u) == 0) {
		g_strlcpy(h->kernel, u.release, sizeof(h->kernel));
		g_strlcpy(h->machine, u.machine, sizeof(h->machine));
	}
	long ps = sysconf(_SC_PAGESIZE);
	h->page_size = ps > 0 ? (uint64_t)ps : 4096;
	long nc = sysconf(_SC_NPROCESSORS_ONLN);
	h->cpus = nc > 0 ? (unsigned)nc : 1;
	if (g_file_get_contents("/proc/meminfo", &mi, NULL, NULL)) {
		h->memory = meminfo(mi, "MemTotal");
		h->swap = meminfo(mi, "SwapTotal");
	}
	g_strlcpy(h->dir, dir ? dir : "", sizeof(h->dir));
	h->read_ahead_kb = 128;
	if (dir && stat(dir, &st) == 0)
		device_facts(h, major(st.st_dev), minor(st.st_dev));
	if (dir && statfs(dir, &sf) == 0)
		g_strlcpy(h->fs, fs_name((long)sf.f_type), sizeof(h->fs));
	h->folio_max = vm_host_folio_max(h->fs, h->kernel, h->page_size);
	bracketed("/sys/kernel/mm/transparent_hugepage/enabled", h->thp,
		  sizeof(h->thp));
	bracketed("/sys/kernel/mm/transparent_hugepage/defrag", h->thp_defrag,
		  sizeof(h->thp_defrag));
	bracketed("/sys/kernel/mm/transparent_hugepage/shmem_enabled", h->shmem_huge,
		  sizeof(h->shmem_huge));
	h->thp_use_zero_page = read_int("/sys/kernel/mm/transparent_hugepage/use_zero_page");
	h->khugepaged_scan_ms =
		read_int("/sys/kernel/mm/transparent_hugepage/khugepaged/scan_sleep_millisecs");
	h->khugepaged_pages =
		read_int("/sys/kernel/mm/transparent_hugepage/khugepaged/pages_to_scan");
	h->khugepaged_ptes_none =
		read_int("/sys/kernel/mm/transparent_hugepage/khugepaged/max_ptes_none");
	h->fault_around_bytes = 64 * 1024;
	if (read_u64("/sys/kernel/debug/fault_around_bytes", &v) && v) {
		h->fault_around_bytes = v;
		h->fault_around_known = TRUE;
	}
	h->min_free_kbytes = read_u64("/proc/sys/vm/min_free_kbytes", &v) ? v : 0;
	h->swappiness = read_int("/proc/sys/vm/swappiness");
	h->page_cluster = read_int("/proc/sys/vm/page-cluster");
	h->dirty_background_ratio = read_int("/proc/sys/vm/dirty_background_ratio");
	h->dirty_ratio = read_int("/proc/sys/vm/dirty_ratio");
	h->dirty_expire_cs = read_int("/proc/sys/vm/dirty_expire_centisecs");
	h->dirty_writeback_cs = read_int("/proc/sys/vm/dirty_writeback_centisecs");
	h->vma_ra_enabled = -1;
	g_autofree char *vr = NULL;
	if (g_file_get_contents("/sys/kernel/mm/swap/vma_ra_enabled", &vr, NULL, NULL)) {
		g_strstrip(vr);
		h->vma_ra_enabled = !strcmp(vr, "true") ? 1 : !strcmp(vr, "false") ? 0 : -1;
	}
	g_autofree char *lg = NULL;
	if (g_file_get_contents("/sys/kernel/mm/lru_gen/enabled", &lg, NULL, NULL)) {
		g_strlcpy(h->lru_gen, g_strstrip(lg), sizeof(h->lru_gen));
		h->lru_gen_on = vm_host_lru_gen_enabled(h->lru_gen);
	}
	g_autofree char *mounts = NULL;
	if (g_file_get_contents("/proc/self/mounts", &mounts, NULL, NULL)) {
		g_autofree char *ctl = v2_controllers(mounts);
		h->memcg_version = vm_host_memcg_version(mounts, ctl);
	}
	g_strlcpy(h->free_tables, vm_host_free_tables(), sizeof(h->free_tables));
}

static gboolean usable_probe(const char *path)
{
	return g_file_test(path, G_FILE_TEST_IS_REGULAR) &&
	       access(path, X_OK) == 0;
}

char *vm_host_find_probe(GError **error)
{
	const char *env = g_getenv("VMSCOPE_PROBES");
	g_autofree char *self = g_file_read_link("/proc/self/exe", NULL);
	g_autofree char *bindir = self ? g_path_get_dirname(self) : NULL;
	char *cand[3] = { NULL, NULL, NULL };

	if (env && *env) {
		char *p = g_file_test(env, G_FILE_TEST_IS_DIR)
			? g_build_filename(env, "vmprobe", NULL) : g_strdup(env);
		if (usable_probe(p))
			return p;
		g_set_error(error, VM_ERROR, VM_ERROR_INVALID,
			    "VMSCOPE_PROBES=%s: no executable probe program %s",
			    env, p);
		g_free(p);
		return NULL;
	}
	if (bindir)
		cand[0] = g_build_filename(bindir, "traces", "probes", "vmprobe", NULL);
	cand[1] = g_build_filename(vm_probe_libexecdir, "vmprobe", NULL);
	for (unsigned i = 0; i < 2; i++)
		if (cand[i] && usable_probe(cand[i])) {
			char *r = cand[i];
			cand[i] = NULL;
			g_free(cand[0]);
			g_free(cand[1]);
			return r;
		}
	g_set_error(error, VM_ERROR, VM_ERROR_INVALID,
		    "the probe program vmprobe is neither at %s nor at %s "
		    "(build it with make, install it with make install, or "
		    "name it with VMSCOPE_PROBES)",
		    cand[0] ? cand[0] : "(unknown build tree)", cand[1]);
	g_free(cand[0]);
	g_free(cand[1]);
	return NULL;
}

gboolean vm_host_calibrate(vm_host_t *h, const char *probe, GError **error)
{
	const char *argv[] = { probe, "calibrate", h->dir, NULL };
	g_autofree char *out = NULL, *err = NULL;
	int status;

	if (!g_spawn_sync(NULL, (char **)argv, NULL, G_SPAWN_DEFAULT, NULL,
			  NULL, &out, &err, &status, error))
		return FALSE;
	if (!g_spawn_check_wait_status(status, NULL)) {
		g_set_error(error, VM_ERROR, VM_ERROR_INVALID,
			    "%s calibrate failed: %s", probe,
			    err && *err ? g_strstrip(err) : "no message");
		return FALSE;
	}
	static const struct {
		const char *name;
		size_t off;
	} costs[] = {
		{ "syscall", G_STRUCT_OFFSET(vm_host_t, syscall_ns) },
		{ "zero_fault", G_STRUCT_OFFSET(vm_host_t, zero_fault_ns) },
		{ "anon_write_fault", G_STRUCT_OFFSET(vm_host_t, anon_write_fault_ns) },
		{ "cow_fault", G_STRUCT_OFFSET(vm_host_t, cow_fault_ns) },
		{ "pread_4k", G_STRUCT_OFFSET(vm_host_t, pread_4k_ns) },
		{ "file_minor_fault", G_STRUCT_OFFSET(vm_host_t, file_minor_fault_ns) },
		{ "major_fault", G_STRUCT_OFFSET(vm_host_t, major_fault_ns) },
		{ "access", G_STRUCT_OFFSET(vm_host_t, access_ns) },
		{ "tlb_miss", G_STRUCT_OFFSET(vm_host_t, tlb_miss_ns) },
		{ "disk_bandwidth", G_STRUCT_OFFSET(vm_host_t, disk_bandwidth) },
	};
	unsigned found = 0;
	g_auto(GStrv) lines = g_strsplit(out, "\n", -1);
	for (char **l = lines; *l; l++) {
		g_auto(GStrv) w = g_strsplit(*l, " ", -1);
		if (g_strv_length(w) == 2 && strcmp(w[0], "skip") == 0)
			break;
		if (g_strv_length(w) == 3 && strcmp(w[0], "fact") == 0 &&
		    strcmp(w[1], "zero_page") == 0)
			h->no_zero_page = strcmp(w[2], "0") == 0;
		if (g_strv_length(w) != 3 || strcmp(w[0], "cost") != 0)
			continue;
		for (unsigned i = 0; i < G_N_ELEMENTS(costs); i++)
			if (strcmp(w[1], costs[i].name) == 0) {
				*(double *)((char *)h + costs[i].off) =
					g_ascii_strtod(w[2], NULL);
				found |= 1u << i;
			}
	}
	if (found != (1u << G_N_ELEMENTS(costs)) - 1) {
		g_set_error(error, VM_ERROR, VM_ERROR_INVALID,
			    "%s calibrate: not every cost was measured%s%s",
			    probe, out && *out ? ": " : "",
			    out && *out ? g_strstrip(out) : "");
		return FALSE;
	}
	h->calibrated = TRUE;
	return TRUE;
}

static void set(vm_config_t *cfg, const char *key, const char *fmt, ...)
	G_GNUC_PRINTF(3, 4);

/* Set @key; a value the machine gave that vmscope refuses keeps the
 * default (a kernel knob beyond vmscope's ranges is not an error here). */
static void set(vm_config_t *cfg, const char *key, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	g_autofree char *value = g_strdup_vprintf(fmt, ap);
	va_end(ap);
	GError *err = NULL;
	if (!vm_config_set(cfg, key, value, &err))
		g_clear_error(&err);
}

/* Nanoseconds as a duration value, at least 1 ns. */
static uint64_t ns(double x)
{
	return x < 1 ? 1 : (uint64_t)(x + 0.5);
}

void vm_host_to_config(const vm_host_t *h, vm_config_t *cfg)
{
	vm_config_default(cfg);
	set(cfg, "page_size", "%" G_GUINT64_FORMAT, h->page_size);
	if (h->memory >= h->page_size)
		set(cfg, "memory", "%" G_GUINT64_FORMAT,
		    h->memory / h->page_size * h->page_size);
	set(cfg, "swap.size", "%" G_GUINT64_FORMAT,
	    h->swap / h->page_size * h->page_size);
	set(cfg, "readahead.max", "%" G_GUINT64_FORMAT "K", h->read_ahead_kb);
	set(cfg, "readahead.fault_around", "%" G_GUINT64_FORMAT,
	    h->fault_around_bytes);
	if (h->folio_max > h->page_size)
		set(cfg, "cache.folio_max", "%" G_GUINT64_FORMAT, h->folio_max);
	if (h->rotational)
		set(cfg, "disk.type", "hdd");
	/* transparent huge pages as the host's kernel has them (an unknown
	 * word, or none read, leaves the default, never) */
	if (*h->thp)
		set(cfg, "thp.enabled", "%s", h->thp);
	if (*h->thp_defrag)
		set(cfg, "thp.defrag", "%s", h->thp_defrag);
	/* shmem_enabled is shared anonymous memory's (shm_mnt's huge=);
	 * deny and force are its overrides of every mount, as words of
	 * their own (models/shmem.c) */
	if (*h->shmem_huge)
		set(cfg, "shmem.huge", "%s", h->shmem_huge);
	/* the page tables freed before exit, as this kernel frees them */
	if (*h->free_tables)
		set(cfg, "mmu.free_tables", "%s", h->free_tables);
	if (h->thp_use_zero_page >= 0)
		set(cfg, "thp.use_zero_page", "%s", h->thp_use_zero_page ? "true" : "false");
	if (h->khugepaged_scan_ms >= 0)
		set(cfg, "thp.khugepaged.scan_sleep", "%dms", h->khugepaged_scan_ms);
	if (h->khugepaged_pages > 0)
		set(cfg, "thp.khugepaged.pages_to_scan", "%d", h->khugepaged_pages);
	if (h->khugepaged_ptes_none >= 0)
		set(cfg, "thp.khugepaged.max_ptes_none", "%d", h->khugepaged_ptes_none);
	if (h->min_free_kbytes)
		set(cfg, "reclaim.watermark_min", "%" G_GUINT64_FORMAT,
		    h->min_free_kbytes * 1024 / h->page_size);
	if (h->swappiness >= 0)
		set(cfg, "reclaim.swappiness", "%d", h->swappiness);
	if (h->page_cluster >= 0)
		set(cfg, "swap.cluster", "%d", h->page_cluster);
	if (h->vma_ra_enabled >= 0)
		set(cfg, "swap.vma_readahead", "%s", h->vma_ra_enabled ? "true" : "false");
	if (h->dirty_background_ratio > 0)
		set(cfg, "writeback.background_ratio", "%d", h->dirty_background_ratio);
	if (h->dirty_ratio > 0)
		set(cfg, "writeback.dirty_ratio", "%d", h->dirty_ratio);
	if (h->dirty_expire_cs > 0)
		set(cfg, "writeback.expire", "%dms", h->dirty_expire_cs * 10);
	if (h->dirty_writeback_cs > 0)
		set(cfg, "writeback.interval", "%dms", h->dirty_writeback_cs * 10);
	if (h->no_zero_page)
		set(cfg, "zero_page", "false");
	/* the kernel reclaims with the multi-gen LRU when its switch is on */
	if (h->lru_gen_on)
		set(cfg, "reclaim.policy", "mglru");
	/* per-cgroup dirty limits exactly when the host has cgroup writeback */
	if (h->memcg_version)
		set(cfg, "cgroup.version", "%d", h->memcg_version);
	if (h->calibrated) {
		/*
		 * What the models charge (models/fault.c, sim/engine.c): a
		 * minor fault costs cost.minor_fault, plus cost.page_copy when
		 * it copies or zeroes; pread is a syscall plus cost.copy_4k; a
		 * major fault is a minor fault plus the disk's latency and
		 * transfer.  So each key is one measurement less the others.
		 */
		/* the cheapest fault measured is the trap and its handling */
		double minor = MIN(h->file_minor_fault_ns,
				   MIN(h->zero_fault_ns, h->anon_write_fault_ns));
		double xfer = h->disk_bandwidth > 0
			? 4096.0 * 1e9 / h->disk_bandwidth : 0;
		set(cfg, "cost.minor_fault", "%" G_GUINT64_FORMAT "ns", ns(minor));
		/* the file minor fault maps a fault-around window: what it
		 * costs beyond the cheapest fault is its other PTEs' */
		uint64_t window = cfg->readahead_fault_around / cfg->page_size;
		if (window > 1)
			set(cfg, "cost.map_pte", "%" G_GUINT64_FORMAT "ns",
			    ns((h->file_minor_fault_ns - minor) / (double)(window - 1)));
		set(cfg, "cost.page_copy", "%" G_GUINT64_FORMAT "ns",
		    ns(h->cow_fault_ns - minor));
		set(cfg, "cost.syscall", "%" G_GUINT64_FORMAT "ns", ns(h->syscall_ns));
		set(cfg, "cost.copy_4k", "%" G_GUINT64_FORMAT "ns",
		    ns(h->pread_4k_ns - h->syscall_ns));
		set(cfg, "disk.latency", "%" G_GUINT64_FORMAT "ns",
		    ns(h->major_fault_ns - minor - xfer));
		set(cfg, "cost.access", "%" G_GUINT64_FORMAT "ns", ns(h->access_ns));
		/* a walk reads one entry per level: spread the miss over them */
		set(cfg, "cost.walk_ref", "%" G_GUINT64_FORMAT "ns",
		    ns((h->tlb_miss_ns - (double)cfg->cost_access) / cfg->mmu_levels));
		if (h->disk_bandwidth >= 1)
			set(cfg, "disk.bandwidth", "%" G_GUINT64_FORMAT,
			    (uint64_t)h->disk_bandwidth);
	}
	if (h->reclaim_ns > 0) {
		/* reclaim-cost: a cold clean page read() put in the cache
		 * costs a look; a mapped one also its unmapping */
		set(cfg, "cost.reclaim", "%" G_GUINT64_FORMAT "ns", ns(h->reclaim_ns));
		set(cfg, "cost.reclaim_mapped", "%" G_GUINT64_FORMAT "ns",
		    ns(h->reclaim_mapped_ns));
	}
	/* the same probe: what adding a page read ahead to the cache costs
	 * before its read is submitted (filemap_add_folio, read_pages) */
	if (h->page_cache_add_ns > 0)
		set(cfg, "cost.page_cache_add", "%" G_GUINT64_FORMAT "ns",
		    ns(h->page_cache_add_ns));
	memset(cfg->name, 0, sizeof(cfg->name));
	g_strlcpy(cfg->name, "host", sizeof(cfg->name));
}

char *vm_host_make_dir(GError **error)
{
	const char *base = g_getenv("VMSCOPE_PROBE_DIR");
	if (!base || !*base)
		base = g_getenv("TMPDIR");
	if (!base || !*base)
		base = "/var/tmp";
	char *tmpl = g_build_filename(base, "vmscope-probe.XXXXXX", NULL);
	if (!g_mkdtemp(tmpl)) {
		int e = errno;
		g_set_error(error, VM_ERROR, VM_ERROR_INVALID,
			    "%s: cannot make a probe directory: %s", tmpl,
			    g_strerror(e));
		g_free(tmpl);
		return NULL;
	}
	return tmpl;
}

void vm_host_remove_dir(const char *dir)
{
	GDir *d = g_dir_open(dir, 0, NULL);
	const char *n;

	if (d) {
		while ((n = g_dir_read_name(d))) {
			g_autofree char *p = g_build_filename(dir, n, NULL);
			g_unlink(p);
		}
		g_dir_close(d);
	}
	g_rmdir(dir);
}

gboolean vm_host_profile(vm_config_t *cfg, GError **error)
{
	vm_host_t h;
	GError *err = NULL;
	g_autofree char *dir = vm_host_make_dir(error);

	if (!dir)
		return FALSE;
	vm_host_read(&h, dir);
	g_autofree char *probe = vm_host_find_probe(&err);
	if (probe)
		vm_host_calibrate(&h, probe, &err);
	if (err) {
		g_printerr("vmscope: host profile: costs not calibrated: %s\n",
			   err->message);
		g_clear_error(&err);
	}
	vm_host_remove_dir(dir);
	vm_host_to_config(&h, cfg);
	return TRUE;
}
