/*
 * Narration; see narrate.h.  Sentences say what happened in the order the
 * hardware and the kernel did it: TLB, walk, fault handler, cost.
 */
#include <math.h>
#include <string.h>
#include "models/memcg.h"
#include "models/types.h"
#include "sim/narrate.h"
#include "models/huge_memory.h"
#include "models/smp.h"
#include "sim/op.h"
#include "sim/query.h"
#include "traces/units.h"
#include "traces/vmt.h"
#include "models/proc.h"
#include "models/file.h"

/*
 * Is the double nearest @ns / @scale (what printf("%.Nf") is given) above
 * the exact quotient, whose dropped digits are exactly one half?  printf
 * rounds the double it is given, not the quotient: 1.005 is 1.00499... as
 * a double.  fma gives the sign of d * scale - ns without rounding it
 * away; an exact tie (1.125) goes to the even neighbour of @q, as glibc
 * rounds in the default mode.
 */
static gboolean half_rounds_up(uint64_t ns, double scale, uint64_t q)
{
	double d = (double)ns / scale;
	double e = fma(d, scale, -(double)ns);
	return e > 0 || (e == 0 && (q & 1));
}

/*
 * @ns / @div rounded as printf("%.Nf") rounds the double ns / (div *
 * 10^N): @q holds whole units of 10^-N, @r the rest, @half its half.
 * Appends "Q.FFF" with @digits decimals and @unit.
 */
/* Inline: its callers' constants make the divisions multiplications and
 * the unit's copy a store. */
static inline __attribute__((always_inline))
uint64_t fixed_q(uint64_t ns, uint64_t step, double scale)
{
	uint64_t q = ns / step, r = ns % step, half = step / 2;
	if (r > half || (r == half && half_rounds_up(ns, scale, q)))
		q++;
	return q;
}

static inline __attribute__((always_inline))
void append_fixed(GString *out, uint64_t q, unsigned digits, const char *unit,
		  size_t unit_len)
{
	uint64_t pow = digits == 2 ? 100 : 1000;
	char b[48], *p = b + sizeof b - unit_len;
	memcpy(p, unit, unit_len);
	uint64_t f = q % pow, w = q / pow;
	for (unsigned i = 0; i < digits; i++, f /= 10)
		*--p = (char)('0' + f % 10);
	*--p = '.';
	do
		*--p = (char)('0' + w % 10);
	while (w /= 10);
	/* byte by byte: a memcpy call of a few bytes costs more, and wide
	 * loads of the bytes just stored one at a time stall (perf) */
	size_t n = (size_t)(b + sizeof b - p);
	char *d = vm_append_room(out, n);
	for (size_t i = 0; i < n; i++)
		d[i] = p[i];
}

/* The scale vm_narrate_time writes @ns in (1 ns, 2 us, 3 ms, 4 s; 0:
 * printf's, past VM_NARRATE_EXACT_NS) and in *@q the value it prints, in
 * units of the last digit: what it writes is a function of the two. */
static inline uint8_t time_q(uint64_t ns, uint64_t *q)
{
	if (ns < 1000)
		return *q = ns, 1;
	if (ns < 1000000)
		return *q = fixed_q(ns, 10, 1e3), 2;
	if (ns < 1000000000)
		return *q = fixed_q(ns, 1000, 1e6), 3;
	if (ns < VM_NARRATE_EXACT_NS)
		return *q = fixed_q(ns, 1000000, 1e9), 4;
	return *q = ns, 0;
}

/* vm_narrate_time of @ns, whose time_q is @scale and @q. */
static void append_time_q(GString *out, uint64_t ns, uint8_t scale, uint64_t q)
{
	switch (scale) {
	case 1:
		vm_append_u64(out, q);
		VM_APPEND_LIT(out, "ns");
		break;
	case 2:
		append_fixed(out, q, 2, "us", 2);
		break;
	case 3:
		append_fixed(out, q, 3, "ms", 2);
		break;
	case 4:
		append_fixed(out, q, 3, "s", 1);
		break;
	default:
		/* past ~11 days the double's error nears the digits printed:
		 * leave it to printf */
		g_string_append_printf(out, "%.3fs", ns / 1e9);
		break;
	}
}

void vm_narrate_time(GString *out, uint64_t ns)
{
	/* by hand: printf's %f was a third of explain's time (docs/speed.md);
	 * tests/test-narrate.c compares every branch with printf */
	uint64_t q;
	uint8_t scale = time_q(ns, &q);
	append_time_q(out, ns, scale, q);
}

/* @ns prints as the time @mm keeps. */
static inline gboolean time_memo_hit(uint64_t ns, const vm_narrate_time_memo_t *mm)
{
	uint64_t q;
	uint8_t scale = time_q(ns, &q);
	return scale && scale == mm->scale && q == mm->q;
}

/* vm_narrate_time of @ns through @mm: the text again when @ns prints as
 * the last did (the same time_q). */
static void narrate_time_memo(GString *out, uint64_t ns, vm_narrate_time_memo_t *mm)
{
	uint64_t q;
	uint8_t scale = time_q(ns, &q);
	if (scale && scale == mm->scale && q == mm->q) {
		size_t at = out->len;
		if (G_LIKELY(at + sizeof mm->text < out->allocated_len)) {
			/* the whole buffer, a constant size: a copy of len
			 * bytes became a rep movsq, microcoded, 16% of this
			 * function's time (perf) */
			memcpy(out->str + at, mm->text, sizeof mm->text);
			out->len = at + mm->len;
			out->str[out->len] = '\0';
		} else {
			vm_append_len(out, mm->text, mm->len);
		}
		return;
	}
	size_t at = out->len;
	append_time_q(out, ns, scale, q);
	size_t n = out->len - at;
	mm->scale = n <= sizeof mm->text ? scale : 0;
	mm->q = q;
	mm->len = (uint8_t)n;
	if (mm->scale)
		memcpy(mm->text, out->str + at, n);
}

/* The text of @i (vm_append_u64_w(i, 5)) in *@w, carried from the last
 * number's, when @i is one more and the text stays within its 8 bytes:
 * TRUE; the memo is not changed (index_keep does). */
static inline gboolean index_next(const vm_narrate_memo_t *mm, uint64_t i,
				  uint64_t *w)
{
	unsigned len = mm->index_len;
	if (!len || len > 8 || i != mm->index + 1)
		return FALSE;
	memcpy(w, mm->index_text, 8);
	int k = (int)len - 1;
	while (k >= 0 && ((*w >> (8 * k)) & 0xff) == '9') {
		*w -= (uint64_t)('9' - '0') << (8 * k);
		k--;
	}
	if (k < 0)
		return FALSE;   /* 99999 to 100000: one more column */
	if (((*w >> (8 * k)) & 0xff) == ' ')   /* a new leading digit */
		*w += (uint64_t)('1' - ' ') << (8 * k);
	else
		*w += (uint64_t)1 << (8 * k);
	return TRUE;
}

static inline void index_keep(vm_narrate_memo_t *mm, uint64_t i, uint64_t w)
{
	memcpy(mm->index_text, &w, 8);
	mm->index = i;
}

/* vm_append_u64_w(@out, @i, 5) through @mm: one more than the last
 * number is the last text with its digits carried.  The text (at most 8
 * characters, zero bytes after them) is carried in a register and stored
 * as one word: carried byte by byte in memory, the copy that followed read
 * bytes still in the store buffer, a stall that was most of this
 * function's time (perf). */
static void narrate_index_memo(GString *out, uint64_t i, vm_narrate_memo_t *mm)
{
	uint64_t w;
	if (index_next(mm, i, &w)) {
		index_keep(mm, i, w);
		unsigned len = mm->index_len;
		size_t at = out->len;
		if (G_LIKELY(at + 8 < out->allocated_len)) {
			/* the whole word: its zero bytes past the text land
			 * in the string's spare room */
			memcpy(out->str + at, &w, 8);
			out->len = at + len;
			out->str[out->len] = '\0';
		} else {
			vm_append_len(out, mm->index_text, len);
		}
		return;
	}
	mm->index = i;
	mm->index_len = 0;
	size_t at = out->len;
	vm_append_u64_w(out, i, 5);
	size_t n = out->len - at;
	if (n <= 8) {
		memset(mm->index_text, 0, 8);
		memcpy(mm->index_text, out->str + at, n);
		mm->index_len = (uint8_t)n;
	}
}

/* The words of swapin_window_part for each readahead: by slot
 * (swap_cluster_readahead), by address in the mapping (swap_vma_readahead) */
static const struct {
	const char *unit, *where, *how, *alone, *rest;
} swapin_words[2] = {
	{ "slot", "",
	  "swapin_nr_pages: the pages read ahead and used since the last "
	  "swap-in, plus 2, rounded up to a power of two, kept between half "
	  "the last window and 2^page-cluster",
	  ": only this page, since no page read ahead was used since the last "
	  "swap-in and this slot is not next to the last one read without such hits",
	  ": the other slots in it are free or already in memory" },
	{ "page", " around this address in its mapping",
	  "swap_vma_readahead: the pages read ahead and used in this mapping "
	  "since its last swap-in, plus 2, rounded up to a power of two, kept "
	  "between half its last window and 2^min(page-cluster, 5)",
	  ": only this page, since no page read ahead in this mapping was used "
	  "since its last swap-in and this page is not next to the last one",
	  ": the other pages in it are in memory, not swapped out, or outside "
	  "the mapping or its page table" },
};

/* A swap-in's readahead: the window __swapin_nr_pages chose (models/swap.c)
 * and why, then what it read.  The narration follows the event that ran,
 * so the machine's last window is this swap-in's. */
static void swapin_window_part(GString *out, vm_engine_t *e, const vm_result_t *res)
{
	unsigned cluster = vm_engine_config(e)->swap_cluster;
	if (!cluster) {
		VM_APPEND_LIT(out, "; no swap readahead (page-cluster 0)");
		return;
	}
	const vm_machine_t *m = vm_engine_machine(e);
	uint32_t win = m->swap_ra_last_pages;
	gboolean vma = m->swap_vma_ra;
	/* a VMA's window: SWAP_RA_ORDER_CEILING */
	unsigned max = 1u << (vma ? MIN(cluster, 5u) : cluster);
	g_string_append_printf(out, "; swap readahead window %u %s%s%s (%s = %u)", win,
			       swapin_words[vma].unit, win == 1 ? "" : "s",
			       swapin_words[vma].where, swapin_words[vma].how, max);
	if (res->ra_pages)
		g_string_append_printf(out, ": read %u neighbouring %s%s into the swap cache",
				       res->ra_pages, swapin_words[vma].unit,
				       res->ra_pages == 1 ? "" : "s");
	else if (win == 1)
		vm_append_str(out, swapin_words[vma].alone);
	else
		vm_append_str(out, swapin_words[vma].rest);
}

/* vm_result_outcome_name, appended: the two outcomes of nearly every access
 * as literals (models/result.c's words), a strlen and a memcpy call less. */
static inline void append_outcome(GString *out, vm_outcome_t o)
{
	if (o == VM_OUT_HIT)
		VM_APPEND_LIT(out, "hit");
	else if (o == VM_OUT_WALK)
		VM_APPEND_LIT(out, "walk");
	else
		vm_append_str(out, vm_result_outcome_name(o));
}

static const char *acc_word(vm_acc_t acc)
{
	return acc == VM_ACC_W ? "write" : acc == VM_ACC_X ? "instruction fetch" : "read";
}

/* @hole: where the frame number starts, when the words have one (a walk
 * that found it): narrate_tail_memo keeps the rest.  Of a result with no
 * vm_why_t and no huge page, this is the only place its frame number
 * shows. */
static void tlb_part(GString *out, vm_machine_t *m, const vm_result_t *res,
		     size_t *hole)
{
	if (res->tlb == 1)
		VM_APPEND_LIT(out, "L1 TLB hit");
	else if (res->tlb == 2)
		VM_APPEND_LIT(out, "L1 TLB miss, L2 TLB hit (L1 refilled)");
	else if (m->l2)
		VM_APPEND_LIT(out, "TLB miss (L1 and L2)");
	else
		VM_APPEND_LIT(out, "TLB miss");
	if (res->huge && res->tlb)
		VM_APPEND_LIT(out, " (a huge page's entry)");
	if (res->tlb_denied)
		VM_APPEND_LIT(out, ", but the entry is read-only: fault without a walk");
	if (!res->walked)
		return;
	if (G_UNLIKELY(res->huge && res->leaf_found && res->refs + 1u == m->pt.levels)) {
		/* the walk stopped at a PMD leaf (huge_memory.c) */
		g_string_append_printf(out, "; walk read %u entr%s, down to a PMD entry "
				       "that maps a huge page", res->refs,
				       res->refs == 1 ? "y" : "ies");
		if (res->outcome == VM_OUT_WALK && res->pfn == VM_PFN_ZERO)
			g_string_append(out, ": the huge zero page; TLB filled with "
					"its entry");
		else if (res->outcome == VM_OUT_WALK)
			g_string_append_printf(out, ": frame %u; TLB filled with the "
					       "huge page's entry", res->pfn);
		else
			VM_APPEND_LIT(out, " but does not allow it");
		return;
	}
	VM_APPEND_LIT(out, "; walk read ");
	vm_append_u64(out, res->refs);
	if (res->refs == 1)
		VM_APPEND_LIT(out, " entry");
	else
		VM_APPEND_LIT(out, " entries");
	if (!res->leaf_found)
		g_string_append_printf(out, ", the level-%u entry (of %u levels) is not present",
				       res->refs, m->pt.levels);
	else if (!res->pte_present)
		VM_APPEND_LIT(out, ", PTE not present");
	else if (res->outcome == VM_OUT_WALK && res->pfn == VM_PFN_ZERO)
		VM_APPEND_LIT(out, ", PTE present: the zero page; TLB filled");
	else if (res->outcome == VM_OUT_WALK)
	{
		VM_APPEND_LIT(out, ", PTE present: frame ");
		*hole = out->len;
		vm_append_u64(out, res->pfn);
		VM_APPEND_LIT(out, "; TLB filled");
	}
	else if (res->why == VM_WHY_FILE_LOCKED)
		g_string_append(out, ", PTE present: another thread's fault has just "
				     "mapped it, but its page is locked for that read, "
				     "so this thread faults and sleeps on the page lock");
	else
		VM_APPEND_LIT(out, ", PTE present but does not allow it");
}

static void narrate_access(GString *out, vm_engine_t *e, uint64_t vaddr,
			   vm_acc_t acc, const vm_result_t *res, size_t *hole)
{
	vm_machine_t *m = vm_engine_machine(e);
	tlb_part(out, m, res, hole);
	if (res->new_tables)
		g_string_append_printf(out, "; allocated %u page-table page%s",
				       res->new_tables, res->new_tables == 1 ? "" : "s");
	switch ((vm_why_t)res->why) {
	case VM_WHY_NONE:
		break;
	case VM_WHY_NO_VMA:
		g_string_append_printf(out, "; no mapping covers 0x%" G_GINT64_MODIFIER
				       "x: SIGSEGV", vaddr);
		break;
	case VM_WHY_PROT:
		g_string_append_printf(out, "; the mapping does not allow a %s: SIGSEGV",
				       acc_word(acc));
		break;
	case VM_WHY_ZERO_PAGE:
		g_string_append(out, "; anonymous read of an untouched page: mapped the "
				     "shared zero page read-only (no memory used)");
		break;
	case VM_WHY_ANON_NEW:
		if (acc == VM_ACC_W)
			VM_APPEND_LIT(out, "; first write to anonymous memory: "
				      "allocated and zeroed frame ");
		else
			VM_APPEND_LIT(out, "; first read of anonymous memory, "
				      "no zero page (zero_page=false): allocated "
				      "and zeroed frame ");
		vm_append_u64(out, res->pfn);
		break;
	case VM_WHY_ZERO_REPLACED:
		VM_APPEND_LIT(out, "; write to the zero page: allocated and "
			      "zeroed frame ");
		vm_append_u64(out, res->pfn);
		VM_APPEND_LIT(out, " in its place");
		break;
	case VM_WHY_COW_COPY:
		g_string_append_printf(out, "; write to a page shared copy-on-write: "
				       "copied it to frame %u", res->pfn);
		break;
	case VM_WHY_COW_REUSE:
		g_string_append(out, "; write to a copy-on-write page no other process "
				     "maps any more: reused it, no copy");
		break;
	case VM_WHY_OOM:
		VM_APPEND_LIT(out, "; no free frame");
		break;
	case VM_WHY_SIGBUS:
		VM_APPEND_LIT(out, "; the file page lies wholly past the end of the file: SIGBUS");
		break;
	case VM_WHY_FILE_READ:
		VM_APPEND_LIT(out, "; file page not in the page cache: read it "
			      "from the disk into frame ");
		vm_append_u64(out, res->pfn);
		break;
	case VM_WHY_FILE_HOLE:
		g_string_append_printf(out, "; file page not in the page cache and a hole "
				       "(no disk block): zero-filled frame %u%s", res->pfn,
				       res->file_major ? ", no I/O (a major fault all the same, as Linux counts it)"
						       : " (shmem: minor)");
		break;
	case VM_WHY_FILE_CACHED:
		VM_APPEND_LIT(out, "; file page found in the page cache (frame ");
		vm_append_u64(out, res->pfn);
		VM_APPEND_LIT(out, "): no I/O");
		break;
	case VM_WHY_FILE_LOCKED:
		g_string_append_printf(out, "; file page in the page cache (frame %u) but its "
				       "read is still in flight: waited for it (minor)", res->pfn);
		break;
	case VM_WHY_SHARED_WRITE:
		g_string_append(out, "; first write to a shared file page mapped read-only: "
				     "write-enabled and marked dirty, no copy");
		break;
	case VM_WHY_THP_NEW:
		g_string_append_printf(out, "; first touch of an aligned huge-page range "
				       "(transparent huge pages): allocated and zeroed a "
				       "huge page of contiguous frames (this page's is %u) "
				       "and mapped it with one PMD entry", res->pfn);
		break;
	case VM_WHY_THP_ZERO:
		g_string_append(out, "; read of an aligned huge-page range (transparent "
				     "huge pages): mapped the huge zero page with one PMD "
				     "entry, read-only");
		break;
	case VM_WHY_PRIVATE_COPY:
		g_string_append_printf(out, "; write to a private file mapping: copied the page "
				       "to frame %u; the file never sees it", res->pfn);
		break;
	case VM_WHY_SWAPIN:
		VM_APPEND_LIT(out, "; the PTE holds a swap entry: read the page "
			      "back from swap into frame ");
		vm_append_u64(out, res->pfn);
		VM_APPEND_LIT(out, " (a major fault; the process waits for the "
			      "disk until t=");
		vm_narrate_time(out, res->ready_at);
		g_string_append_c(out, ')');
		swapin_window_part(out, e, res);
		break;
	case VM_WHY_SWAP_REUSE:
		g_string_append(out, "; write to a page read back from swap that no one "
				     "else needs: it leaves the swap cache, its slot is "
				     "freed (the copy on disk is stale now) and it is made "
				     "writable, no copy");
		break;
	case VM_WHY_SWAPCACHE:
		VM_APPEND_LIT(out, "; the PTE holds a swap entry, but the page is "
			      "still in the swap cache (frame ");
		vm_append_u64(out, res->pfn);
		VM_APPEND_LIT(out, "): mapped without reading the disk (minor)");
		break;
	default:
		break;
	}
	if (G_UNLIKELY(res->huge) && res->outcome != VM_OUT_SIGSEGV &&
	    (res->why == VM_WHY_FILE_READ || res->why == VM_WHY_FILE_CACHED ||
	     res->why == VM_WHY_FILE_LOCKED || res->why == VM_WHY_FILE_HOLE)) {
		/* do_set_pmd (models/huge_memory.c) */
		VM_APPEND_LIT(out, "; folio of ");
		vm_append_u64(out, vm_huge_nr(vm_engine_machine(e)));
		VM_APPEND_LIT(out, " pages, aligned and whole: mapped by one PMD "
			      "entry (no PTE table)");
	}
	if (res->refault) {
		/* mm/workingset.c's decision, as explain's reader asks "why
		 * is this page active already?" */
		VM_APPEND_LIT(out, "; a refault (its eviction left a shadow entry)");
		if (res->refault & 4)
			g_string_append_printf(out, ": refault distance %u %s workingset %u",
					       res->refault_distance,
					       res->refault & 2 ? "<=" : ">",
					       res->workingset_size);
		g_string_append(out, res->refault & 2 ? ", activated"
						      : ", starts on the inactive list");
	}
	if (res->ra_pages && res->why != VM_WHY_SWAPIN)
		g_string_append_printf(out, "; readahead (%s, %s) read %u more page%s",
				       vm_engine_config(e)->readahead_policy,
				       vm_ra_reason_name((vm_ra_reason_t)res->ra_reason),
				       res->ra_pages, res->ra_pages == 1 ? "" : "s");
	if (res->around) {
		uint64_t per = vm_engine_config(e)->cost_map_pte;
		g_string_append_printf(out, "; fault-around mapped %u cached neighbour%s",
				       res->around, res->around == 1 ? "" : "s");
		if (per) {
			/* say where the time went: on some hosts the PTEs
			 * cost more than the fault itself */
			VM_APPEND_LIT(out, " (");
			vm_narrate_time(out, per * res->around);
			VM_APPEND_LIT(out, " at cost.map_pte)");
		}
	}
	if (res->ready_at && res->why != VM_WHY_SWAPIN) {
		VM_APPEND_LIT(out, "; waits for the disk until t=");
		vm_narrate_time(out, res->ready_at);
	}
}

void vm_narrate_access(GString *out, vm_engine_t *e, uint64_t vaddr,
		       vm_acc_t acc, const vm_result_t *res)
{
	size_t hole;
	narrate_access(out, e, vaddr, acc, res, &hole);
}

static void access_summary(GString *out, const vm_step_t *st)
{
	vm_append_u64(out, st->nr_access);
	if (st->nr_access == 1)
		VM_APPEND_LIT(out, " access:");
	else
		VM_APPEND_LIT(out, " accesses:");
	gboolean first = TRUE;
	for (int o = 0; o < VM_OUT_NR; o++) {
		if (!st->outcomes[o])
			continue;
		if (!first)
			g_string_append_c(out, ',');
		g_string_append_c(out, ' ');
		vm_append_u64(out, st->outcomes[o]);
		g_string_append_c(out, ' ');
		vm_append_str(out, vm_result_outcome_name((vm_outcome_t)o));
		first = FALSE;
	}
}

/* What reclaim did during @st: kswapd woken, pages freed, writes started. */
static void reclaim_part(GString *out, vm_machine_t *m, const vm_step_t *st)
{
	if (st->kswapd && st->rec->kind != VM_REC_KSWAPD)
		g_string_append_printf(out, "; free memory fell below the low watermark "
				       "(%" G_GUINT64_FORMAT " pages): kswapd woke%s",
				       m->wm_low, st->kswapd > 1 ? " (repeatedly)" : "");
	if (!st->evicted && !st->pageouts)
		return;
	const vm_evict_info_t *ev = &m->last_evict;
	VM_APPEND_LIT(out, "; memory ran short: reclaim (");
	g_string_append(out, m->cfg.reclaim_policy);
	VM_APPEND_LIT(out, ") ");
	if (st->evicted) {
		VM_APPEND_LIT(out, "evicted ");
		vm_append_u64(out, st->evicted);
		if (st->evicted == 1)
			VM_APPEND_LIT(out, " page");
		else
			VM_APPEND_LIT(out, " pages");
	}
	if (st->pageouts)
		g_string_append_printf(out, "%sstarted writing %" G_GUINT64_FORMAT
				       " dirty page%s, which stay until written",
				       st->evicted ? " and " : "", st->pageouts,
				       st->pageouts == 1 ? "" : "s");
	/* the phrase is the policy's own (its vm_policy_t.why) */
	VM_APPEND_LIT(out, ", choosing ");
	g_string_append(out, m->reclaim->ops->policy.why);
	VM_APPEND_LIT(out, " (the last: ");
	switch ((vm_evict_how_t)ev->how) {
	case VM_EVICT_SWAPOUT:
		VM_APPEND_LIT(out, "anonymous page ");
		vm_append_hex(out, ev->vpn << m->page_shift);
		VM_APPEND_LIT(out, " of pid ");
		vm_append_u64(out, ev->pid);
		VM_APPEND_LIT(out, " in frame ");
		vm_append_u64(out, ev->pfn);
		VM_APPEND_LIT(out, ", being written to swap slot ");
		vm_append_u64(out, ev->slot);
		break;
	case VM_EVICT_SWAPCACHE:
		if (ev->mappers)
			g_string_append_printf(out, "anonymous page 0x%" G_GINT64_MODIFIER
					       "x of pid %u in frame %u, clean in the swap "
					       "cache: dropped without a write, slot %u "
					       "still holds it",
					       ev->vpn << m->page_shift, ev->pid, ev->pfn,
					       ev->slot);
		else
			g_string_append_printf(out, "an unmapped swap-cache page in frame "
					       "%u, dropped without a write (slot %u)",
					       ev->pfn, ev->slot);
		break;
	case VM_EVICT_FILE_CLEAN:
	case VM_EVICT_FILE_DIRTY: {
		vm_file_t *f = vm_file_get(m, (int32_t)ev->pid);
		g_string_append_printf(out, "page %" G_GUINT64_FORMAT " of file %s in "
				       "frame %u, %s", ev->vpn, f->name ? f->name : "(shmem)", ev->pfn,
				       ev->how == VM_EVICT_FILE_CLEAN
				       ? "clean: dropped for free"
				       : "dirty: being written back");
		break;
	}
	}
	g_string_append_c(out, ')');
}

/* The ops whose narration says until when the process waits. */
static gboolean has_wait_words(vm_rec_kind_t k)
{
	return k == VM_REC_READ || k == VM_REC_WRITE || k == VM_REC_FSYNC ||
	       k == VM_REC_MSYNC;
}

/* "CPUs 1, 3" for @mask. */
static void cpu_list(GString *out, uint64_t mask)
{
	g_string_append(out, __builtin_popcountll(mask) > 1 ? "CPUs " : "CPU ");
	gboolean first = TRUE;
	for (unsigned c = 0; c < 64; c++)
		if (mask & (1ull << c)) {
			g_string_append_printf(out, "%s%u", first ? "" : ", ", c);
			first = FALSE;
		}
}

/* Several CPUs: where the step ran, and the switch that preceded it
 * (switch_mm_irqs_off). */
static void smp_switch_part(GString *out, vm_machine_t *m, const vm_step_t *st)
{
	const vm_record_t *r = st->rec;
	g_string_append_printf(out, "[CPU %u", st->cpu);
	if (st->switched) {
		vm_proc_t *p = vm_proc_lookup(m, r->pid);
		g_string_append_printf(out, ": context switch to %s %u", p && p->leader ?
				       "thread" : "pid", r->pid);
		if (st->flushed)
			g_string_append(out, m->cfg.tlb_asid
					? ", the mm's TLB entries flushed: its ASID was behind "
					  "the mm's tlb_gen (a shootdown skipped this CPU while "
					  "it was lazy or ran another mm)"
					: ", TLBs flushed (no ASIDs)");
	}
	VM_APPEND_LIT(out, "] ");
}

/* Several CPUs: the step's TLB shootdown (flush_tlb_mm_range), the latest
 * if it made more than one. */
static void shootdown_part(GString *out, vm_machine_t *m, const vm_step_t *st)
{
	const vm_shootdown_t *d = &m->smp->last;
	VM_APPEND_LIT(out, "; TLB shootdown");
	if (st->shootdowns > 1)
		g_string_append_printf(out, "s: %u, the last", st->shootdowns);
	VM_APPEND_LIT(out, ": ");
	uint64_t running = d->ipi_mask & ~d->lazy_left_mask;
	if (running) {
		VM_APPEND_LIT(out, "IPI to ");
		cpu_list(out, running);
		g_string_append_printf(out, " (running process %u)", d->mm);
		if (d->full && !d->pages)
			VM_APPEND_LIT(out, ", which flushed the whole mm (flush_tlb_mm)");
		else if (d->full)
			g_string_append_printf(out, ", which flushed the whole mm (%"
					       G_GUINT64_FORMAT " pages: more than "
					       "tlb.flush_ceiling=%u)", d->pages,
					       m->cfg.tlb_flush_ceiling);
		else if (d->stride_shift) {
			/* flush_pmd_tlb_range: one INVLPG a huge page */
			uint64_t nh = d->pages >> d->stride_shift;
			g_string_append_printf(out, ", which flushed %" G_GUINT64_FORMAT
					       " huge page%s (one INVLPG each: only "
					       "PMD entries changed)", nh,
					       nh == 1 ? "" : "s");
		} else
			g_string_append_printf(out, ", which flushed %" G_GUINT64_FORMAT
					       " page%s one by one", d->pages,
					       d->pages == 1 ? "" : "s");
	}
	if (d->lazy_left_mask) {
		g_string_append(out, running ? "; IPI to " : "IPI to ");
		cpu_list(out, d->lazy_left_mask);
		g_string_append(out, " too, in lazy TLB mode: page tables were freed, "
				     "which its paging-structure caches may still point "
				     "into; it leaves the mm (switch to init_mm) and "
				     "flushes when it switches back");
	}
	if (d->lazy_mask) {
		g_string_append(out, d->ipi_mask ? "; " : "");
		cpu_list(out, d->lazy_mask);
		g_string_append(out, " in lazy TLB mode (idle, the mm still loaded): no IPI, "
				     "it flushes when it switches back");
	}
	if (st->ipis)
		g_string_append_printf(out, "; waited for %u acknowledgement%s", st->ipis,
				       st->ipis == 1 ? "" : "s");
}

/* A turn of kswapd on the CPU. */
static void kswapd_step(GString *out, vm_machine_t *m, const vm_step_t *st)
{
	VM_APPEND_LIT(out, "    - t=");
	vm_narrate_time(out, st->start_ns);
	VM_APPEND_LIT(out, " kswapd  ->  ");
	if (st->switched)
		VM_APPEND_LIT(out, "[context switch to kswapd] ");
	VM_APPEND_LIT(out, "looked at ");
	vm_append_u64(out, st->last.pages);
	if (st->last.pages == 1)
		VM_APPEND_LIT(out, " page");
	else
		VM_APPEND_LIT(out, " pages");
	reclaim_part(out, m, st);
	VM_APPEND_LIT(out, "; ");
	vm_append_u64(out, m->frames.nr_free);
	VM_APPEND_LIT(out, " pages free (low ");
	vm_append_u64(out, m->wm_low);
	VM_APPEND_LIT(out, ", high ");
	vm_append_u64(out, m->wm_high);
	VM_APPEND_LIT(out, "): ");
	switch ((vm_kswapd_state_t)m->kswapd_state) {
	case VM_KSWAPD_RUNNABLE:
		VM_APPEND_LIT(out, "it runs again after the processes' turn");
		break;
	case VM_KSWAPD_WAITING:
		g_string_append(out, "nothing more can go until a write completes: "
				     "it sleeps until t=");
		vm_narrate_time(out, st->wait_until);
		break;
	case VM_KSWAPD_SLEEPING:
		g_string_append(out, m->frames.nr_free >= m->wm_high
				? "balanced, it sleeps"
				: "it found nothing it can free and gives up until "
				  "direct reclaim makes progress");
		break;
	}
	VM_APPEND_LIT(out, " [");
	vm_narrate_time(out, st->end_ns - st->start_ns);
	g_string_append_c(out, ']');
}

/* The words of @res are kept (vm_narrate_tail_memo_t): no vm_why_t, no
 * huge page. */
static inline gboolean tail_kept(const vm_result_t *res)
{
	return res->why == VM_WHY_NONE && !res->huge;
}

/* @res and the memo's key are the same record but for the frame number,
 * and both or neither are the zero page.  Word by word, in place: a copy
 * with the frame masked and then memcmp read back the narrow store of the
 * mask with wide loads, a store-forwarding stall that was a tenth of
 * explain's time (perf). */
#define PFN_AT offsetof(vm_result_t, pfn)
G_STATIC_ASSERT(sizeof(vm_result_t) % 8 == 0 && PFN_AT % 4 == 0 &&
		sizeof(((vm_result_t *)0)->pfn) == 4);
static inline gboolean tail_memo_hit(const vm_result_t *res,
				     const vm_narrate_tail_memo_t *mm)
{
	if (!mm->len || (res->pfn == VM_PFN_ZERO) != (mm->key.pfn == VM_PFN_ZERO))
		return FALSE;
	const unsigned char *a = (const void *)res, *b = (const void *)&mm->key;
	uint64_t diff = 0;
#pragma GCC unroll 16
	for (size_t i = 0; i < sizeof *res; i += 8) {
		uint64_t u, v;
		memcpy(&u, a + i, 8);
		memcpy(&v, b + i, 8);
		u ^= v;
		if (i == PFN_AT / 8 * 8)
			u &= ~((uint64_t)0xffffffff << (8 * (PFN_AT % 8)));
		diff |= u;
	}
	/* (the key was kept, so tail_kept holds for it, and for @res: the
	 * same why and huge) */
	return diff == 0;
}

/* The slot of vm_narrate_memo_t.tail for @res: its TLB level (0 for a
 * walk), + 4 for the zero page. */
static inline vm_narrate_tail_memo_t *tail_slot(vm_narrate_memo_t *memo,
						const vm_result_t *res)
{
	return &memo->tail[(res->tlb & 3) | (res->pfn == VM_PFN_ZERO) << 2];
}

/* Write @res's words, a tail_memo_hit, at @d, which has room for
 * TAIL_ROOM bytes: their length. */
#define TAIL_ROOM (sizeof ((vm_narrate_tail_memo_t *)0)->text + 20 + \
		   sizeof ((vm_narrate_tail_memo_t *)0)->after)
static inline size_t tail_memo_put(char *d, const vm_result_t *res,
				   const vm_narrate_tail_memo_t *mm)
{
	char *p = d;
	/* whole buffers, constant sizes: no call, no rep movs */
	vm_copy(p, mm->text, sizeof mm->text);
	p += mm->len;
	if (mm->hole) {
		p += vm_put_u64(p, res->pfn);
		memcpy(p, mm->after, sizeof mm->after);
		p += mm->after_len;
	}
	return (size_t)(p - d);
}

/* append_outcome, ": " and vm_narrate_access of a one-page access through
 * @mm (vm_narrate_tail_memo_t). */
static void narrate_tail_memo(GString *out, vm_engine_t *e, const vm_step_t *st,
			      vm_narrate_tail_memo_t *mm)
{
	const vm_result_t *res = &st->last;
	size_t at = out->len;
	if (tail_memo_hit(res, mm) &&
	    G_LIKELY(at + TAIL_ROOM < out->allocated_len)) {
		out->len = at + tail_memo_put(out->str + at, res, mm);
		out->str[out->len] = '\0';
		return;
	}
	append_outcome(out, (vm_outcome_t)res->outcome);
	VM_APPEND_LIT(out, ": ");
	size_t hole = 0;
	narrate_access(out, e, st->last_vaddr, st->rec->acc, res, &hole);
	size_t n = out->len - at;
	mm->len = 0;
	if (!tail_kept(res))
		return;
	vm_copy(&mm->key, res, sizeof *res);   /* (no rep movs) */
	size_t before = hole ? hole - at : n;
	size_t digits = hole ? vm_put_u64(mm->text, res->pfn) : 0;
	size_t after = n - before - digits;
	if (before == 0 || before > sizeof mm->text || after > sizeof mm->after)
		return;
	memcpy(mm->text, out->str + at, before);
	memcpy(mm->after, out->str + at + before + digits, after);
	mm->hole = hole != 0;
	mm->after_len = (uint8_t)after;
	mm->len = (uint8_t)before;
}

/*
 * explain's common line, a one-page access that did nothing but its own
 * work (no switch, no wait, no reclaim, no kill, ...), when each of its
 * parts is one @memo keeps (the number one more, the times, the record
 * and the outcome's words): written in one pass through a pointer, the
 * string's length set once, where the general path below appends a part at
 * a time, and each append reloads the string's length and pointer after
 * the bytes it stored (a char store may alias them): about 250
 * instructions an event less (docs/speed.md, the sixth round).  The line
 * is the general path's: tests/test-narrate.c compares them.  FALSE, and
 * nothing written, when the event is not such a line.
 */
static gboolean narrate_plain_memo(GString *out, const vm_step_t *st,
				   vm_narrate_memo_t *memo)
{
	const vm_record_t *r = st->rec;
	uint64_t took = st->end_ns - st->start_ns, w;
	/* what the general path tests before it writes anything but the
	 * access's own words */
	if (r->kind != VM_REC_ACCESS || st->nr_access != 1 || st->skipped ||
	    st->smp || st->switched || st->blocked || st->caught ||
	    st->shootdowns || st->kswapd || st->evicted || st->pageouts ||
	    st->oom_kills || st->killed)
		return FALSE;
	vm_narrate_tail_memo_t *tail = tail_slot(memo, &st->last);
	char op = vm_record_short_op(r);   /* (its record is vm_put_access's) */
	if (!op || !tail_memo_hit(&st->last, tail) ||
	    !time_memo_hit(st->start_ns, &memo->start) || !tail->took_len ||
	    took != tail->took || !index_next(memo, st->index, &w))
		return FALSE;
	/* every part a constant-size copy of its whole buffer, the next
	 * writing over the bytes past the last's text */
	size_t at = out->len;
	size_t room = 8 + 3 + sizeof memo->start.text + 1 + VM_PUT_ACCESS_ROOM +
		      6 + TAIL_ROOM + 2 + sizeof tail->took_text + 1;
	if (G_UNLIKELY(at + room >= out->allocated_len))
		return FALSE;
	index_keep(memo, st->index, w);
	char *d = out->str + at;
	memcpy(d, &w, 8);
	d += memo->index_len;
	memcpy(d, " t=", 3);
	d += 3;
	memcpy(d, memo->start.text, sizeof memo->start.text);
	d += memo->start.len;
	*d++ = ' ';
	d += vm_put_access(d, r->pid, op, r->addr);
	memcpy(d, "  ->  ", 6);
	d += 6;
	d += tail_memo_put(d, &st->last, tail);
	memcpy(d, " [", 2);
	d += 2;
	memcpy(d, tail->took_text, sizeof tail->took_text);
	d += tail->took_len;
	*d++ = ']';
	*d = '\0';
	out->len = (size_t)(d - out->str);
	memo->plain++;
	return TRUE;
}

void vm_narrate_step(GString *out, vm_engine_t *e, const vm_step_t *st)
{
	vm_narrate_step_memo(out, e, st, NULL);
}

void vm_narrate_step_memo(GString *out, vm_engine_t *e, const vm_step_t *st,
			  vm_narrate_memo_t *memo)
{
	const vm_record_t *r = st->rec;
	vm_machine_t *m = vm_engine_machine(e);
	if (r->kind == VM_REC_KSWAPD) {
		kswapd_step(out, m, st);
		return;
	}
	if (memo && narrate_plain_memo(out, st, memo))
		return;
	if (memo)
		narrate_index_memo(out, st->index, memo);
	else
		vm_append_u64_w(out, st->index, 5);
	g_string_append_c(out, ' ');
	if (r->kind == VM_REC_CRASH) {
		VM_APPEND_LIT(out, "t=");
		vm_narrate_time(out, st->start_ns);
		g_string_append_printf(out, " crash  ->  power lost: every process died, memory "
				       "and the page cache are gone; %" G_GUINT64_FORMAT
				       " dirty page%s never reached the disk (lost), %" G_GUINT64_FORMAT
				       " write%s were in flight (torn); rebooted: pid 1 starts again",
				       st->lost, st->lost == 1 ? "" : "s", st->torn,
				       st->torn == 1 ? "" : "s");
		return;
	}
	VM_APPEND_LIT(out, "t=");
	if (memo)
		narrate_time_memo(out, st->start_ns, &memo->start);
	else
		vm_narrate_time(out, st->start_ns);
	g_string_append_c(out, ' ');
	vm_vmt_format(r, out);
	if (r->kind == VM_REC_NOTE)
		return;   /* the note speaks for itself */
	VM_APPEND_LIT(out, "  ->  ");
	if (st->skipped) {
		g_string_append_printf(out, "skipped: process %u is not running", r->pid);
		return;
	}
	if (G_UNLIKELY(st->smp)) {
		smp_switch_part(out, m, st);
	} else if (st->switched) {
		VM_APPEND_LIT(out, "[context switch to pid ");
		vm_append_u64(out, r->pid);
		if (st->flushed)
			VM_APPEND_LIT(out, ", TLBs flushed (no ASIDs)");
		VM_APPEND_LIT(out, "] ");
	}
	switch (r->kind) {
	case VM_REC_ACCESS:
		if (st->nr_access == 1 && memo) {
			narrate_tail_memo(out, e, st, tail_slot(memo, &st->last));
		} else if (st->nr_access == 1) {
			append_outcome(out, (vm_outcome_t)st->last.outcome);
			VM_APPEND_LIT(out, ": ");
			vm_narrate_access(out, e, st->last_vaddr, r->acc, &st->last);
		} else {
			access_summary(out, st);
		}
		break;
	case VM_REC_SEQ:
	case VM_REC_RAND:
		access_summary(out, st);
		break;
	default:
		/* a system call, or expect: its op's words (sim/op.c) */
		if (r->kind < VM_REC_NR && vm_sim_ops[r->kind].narrate)
			vm_sim_ops[r->kind].narrate(out, e, st);
		break;
	}
	if (st->blocked && r->kind != VM_REC_SLEEP && !has_wait_words(r->kind))
		VM_APPEND_LIT(out, "; the process waits for the disk");
	if (st->caught)
		VM_APPEND_LIT(out, "; the signal was caught and the access skipped");
	if (G_UNLIKELY(st->shootdowns))
		shootdown_part(out, m, st);
	reclaim_part(out, m, st);
	if (st->oom_kills) {
		const vm_oom_info_t *o = &m->last_oom;
		const vm_memcg_t *cg = vm_memcg_get(m, o->memcg);
		const char *largest = o->adjusted ? "one with the most "
			"oom_badness points" : "largest";
		if (cg)   /* mem_cgroup_out_of_memory */
			g_string_append_printf(out, "; cgroup '%s' at its limit with nothing "
					       "left to reclaim: its OOM killer killed pid %u, "
					       "the %s in it", cg->name, o->pid, largest);
		else
			g_string_append_printf(out, "; nothing left to reclaim: the OOM "
					       "killer killed pid %u, the %s", o->pid, largest);
		g_string_append_printf(out, " (rss %" G_GUINT64_FORMAT " + swap %"
				       G_GUINT64_FORMAT " + page tables %" G_GUINT64_FORMAT,
				       o->rss, o->swap, o->pt);
		if (o->adj)
			g_string_append_printf(out, " %s oom_score_adj %d x %" G_GINT64_FORMAT
					       " pages", o->adj < 0 ? "-" : "+", ABS((int)o->adj),
					       o->adj_pages / o->adj);
		g_string_append_printf(out, " = %" G_GINT64_FORMAT " %s)", o->points,
				       o->adj ? "points" : "pages");
		if (st->oom_kills > 1)
			g_string_append_printf(out, " and %" G_GUINT64_FORMAT " more before it",
					       st->oom_kills - 1);
	}
	/* (the process looked up only here: a hash lookup per event was
	 * 3% of explain) */
	vm_proc_t *p = st->killed ? vm_proc_lookup(m, r->pid) : NULL;
	if (p && p->killed_by != VM_KILL_OOM)
		g_string_append_printf(out, "; process %u killed by %s", r->pid,
				       p->killed_by == VM_KILL_SIGSEGV ? "SIGSEGV" : "SIGBUS");
	if (r->kind != VM_REC_NOTE && r->kind != VM_REC_EXPECT) {
		VM_APPEND_LIT(out, " [");
		uint64_t took = st->end_ns - st->start_ns;
		size_t at = out->len;
		if (memo)
			narrate_time_memo(out, took, &memo->took);
		else
			vm_narrate_time(out, took);
		if (memo && r->kind == VM_REC_ACCESS && st->nr_access == 1) {
			/* for narrate_plain_memo's next line of this kind */
			vm_narrate_tail_memo_t *tm = tail_slot(memo, &st->last);
			size_t n = out->len - at;
			tm->took_len = n <= sizeof tm->took_text ? (uint8_t)n : 0;
			tm->took = took;
			memcpy(tm->took_text, out->str + at, tm->took_len);
		}
		g_string_append_c(out, ']');
	}
}

/*
 * The page-table entries of one address, level by level with their index
 * (explain --each, explain -f json/csv).  Kept apart from the per-op
 * narration above.  A directory entry names the frame of the table below,
 * as a real one holds it; with mmu.pt_frames=false tables take no memory,
 * so it names the table's id and says so.
 */
/* Append @v in decimal, or in hex after "0x" (no printf: --each and the
 * JSON formats word a walk per access). */
static void append_num(GString *out, uint64_t v, gboolean hex)
{
	char b[24], *p = b + sizeof b;
	unsigned base = hex ? 16 : 10;
	do
		*--p = "0123456789abcdef"[v % base];
	while (v /= base);
	if (hex)
		g_string_append_len(out, "0x", 2);
	g_string_append_len(out, p, b + sizeof b - p);
}

void vm_narrate_walk(GString *out, vm_engine_t *e, uint32_t pid, uint64_t vaddr)
{
	vm_q_walk_t w;
	if (!vm_query_walk(e, pid, vaddr, &w)) {
		VM_APPEND_LIT(out, "none (the process is gone)");
		return;
	}
	if (w.refs == 0) {
		VM_APPEND_LIT(out, "none (past the top of the address space)");
		return;
	}
	for (unsigned l = 0; l < w.refs; l++) {
		const vm_q_level_t *lv = &w.level[l];
		g_string_append(out, l ? ", L" : "L");
		append_num(out, l + 1, FALSE);
		g_string_append_c(out, '[');
		append_num(out, lv->index, TRUE);
		g_string_append_len(out, "] ", 2);
		if (l + 1 < w.levels) {
			if (!lv->present) {
				VM_APPEND_LIT(out, "empty");
			} else if (lv->next_frame != VM_NIL) {
				VM_APPEND_LIT(out, "-> frame ");
				append_num(out, lv->next_frame, FALSE);
			} else {
				VM_APPEND_LIT(out, "-> table ");
				append_num(out, lv->next_table, FALSE);
				VM_APPEND_LIT(out, " (not in memory)");
			}
		} else if (w.zero_page) {
			VM_APPEND_LIT(out, "-> zero page");
		} else if (w.present) {
			VM_APPEND_LIT(out, "-> frame ");
			append_num(out, w.pfn, FALSE);
		} else if (w.swapped) {
			VM_APPEND_LIT(out, "swap slot ");
			append_num(out, w.pfn, FALSE);
		} else {
			VM_APPEND_LIT(out, "empty");
		}
	}
}
