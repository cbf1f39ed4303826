/*
 * Page reclaim policies: which resident anonymous or file page to evict when
 * memory runs short.  The policy only orders pages and picks one; the caller
 * (the fault path, kswapd, direct reclaim) unmaps it, writes or swaps it out
 * and frees the frame, or hands it back when it cannot be evicted now.  Each
 * policy is one file (reclaim-NAME.c: lru2q, lru, fifo, clock, random, opt,
 * mglru, mru) behind an ops table, as DynamoRIO drcachesim's replacement
 * policies sit behind one interface, and reclaim.c keeps the registry and
 * the calls every caller goes through.
 *
 * The lists thread through the frames themselves (frames[].next/.prev, as
 * SQLite's pcache1 embeds its LRU links in the page header), so adding,
 * removing and touching a page never allocates.  A frame is on the free list
 * or on one reclaim list, never both; frames[].list says which reclaim list
 * holds it (policy-defined, 1..), or VM_RECLAIM_NONE:
 *
 *   list (VM_RECLAIM_NONE = 0: free, page table, isolated, not yet added)
 *
 *          head (newest)                            tail (oldest)
 *   id 1   ┌─────┐ next ┌─────┐ next ┌─────┐
 *   head ─►│ 17  │─────►│  4  │─────►│  9  │◄─ tail    victim() looks
 *          │     │◄─────│     │◄─────│     │           here first
 *          └─────┘ prev └─────┘ prev └─────┘
 *   frames[].stamp: the policy's ordering key (last use, load time, or the
 *   slot in random's index array)
 *
 * Every list is newest at the head and oldest at the tail, as Linux's LRU
 * lists are.  Policies other than lru2q keep one list per type (anon, file)
 * ordered by stamp and merge the two tails by stamp, so a policy stays exact
 * over all pages and still finds the oldest page of one type in O(1) when
 * the caller wants only that type (no swap: never anon).
 *
 * The referenced bit (VM_FRAME_REFERENCED) stands for the PTE accessed bit
 * and, for every policy but lru2q, for PG_referenced too: vm_reclaim_access
 * sets it on every access (docs/format.md, outcomes), after the policy's
 * access hook has seen its old value.  So no reverse map is needed to ask
 * whether a page was referenced.  read() and write() tell the lists through
 * vm_reclaim_mark_accessed instead: for a policy with a mark_accessed hook
 * (lru2q, which keeps PG_referenced apart, frames[].pg) that is Linux's
 * folio_mark_accessed and leaves the accessed bit alone; for the others it
 * is vm_reclaim_access.
 *
 * One instance is one set of lists: the machine's, or a memory cgroup's
 * (its lruvec: memcg.c).  Left out: zones and nodes, the unevictable list
 * (mlock), batching (pagevecs, SWAP_CLUSTER_MAX), and the I/O itself (the
 * caller's business).  MGLRU is the policy mglru (reclaim-mglru.c).
 * Workingset refault detection is the caller's (shadow entries in the page
 * cache and swap, models/workingset.c): vm_reclaim_shadow and
 * vm_reclaim_refault below are the hooks a policy gets its feedback
 * through.
 */
#ifndef VM_RECLAIM_H
#define VM_RECLAIM_H

#include <stdint.h>
#include <glib.h>

#include "models/frames.h"
#include "models/policy.h"
#include "models/types.h"

#define VM_RECLAIM_NONE 0   /* frames[].list: on no reclaim list */
#define VM_RECLAIM_ASIDE 0xffff /* frames[].list: a victim reclaim set aside
				 * (rc->aside) until the end of its scan */

typedef enum {               /* page types, as Linux's anon and file LRUs */
	VM_RECLAIM_ANON = 0,
	VM_RECLAIM_FILE = 1,
	VM_RECLAIM_NR_TYPES
} vm_reclaim_type_t;

typedef struct vm_reclaim vm_reclaim_t;

/* One intrusive list of frames, newest at the head. */
typedef struct {
	uint32_t head, tail;  /* VM_NIL when empty */
	uint32_t nr;          /* frames on it */
	uint16_t id;          /* frames[].list of its members */
} vm_reclaim_list_t;

typedef struct {
	uint32_t swappiness;  /* 0..200 (lru2q): anon:file scan = s : 200-s */
	uint32_t page_shift;  /* lru2q's inactive ratio counts GiB; 0 means 12 */
	uint64_t seed;        /* random: splitmix64 state to start from */
	/* opt: where in the trace page @pfn is next accessed, counting from the
	 * access being served now; UINT64_MAX if never.  The engine provides
	 * it; only policies flagged VM_POLICY_NEEDS_FUTURE call it. */
	uint64_t (*next_use)(void *oracle, uint32_t pfn);
	void *oracle;         /* next_use's first argument */
} vm_reclaim_params_t;

typedef struct {             /* named after /proc/vmstat's counters */
	uint64_t pgscan;      /* pages examined on the eviction lists */
	uint64_t pgsteal;     /* victims handed out and not put back */
	uint64_t pgactivate;  /* lru2q: inactive -> active */
	uint64_t pgdeactivate; /* lru2q: active -> inactive */
	uint64_t pgrefill;    /* lru2q: active pages scanned to deactivate */
	uint64_t putback;     /* victims handed back by the caller */
	uint64_t refault;     /* vm_reclaim_refault calls (workingset_refault) */
	uint64_t refault_recent; /* of those, evicted recently enough to count
				  * (mglru: within MAX_NR_GENS generations) */
} vm_reclaim_stats_t;

/*
 * A reclaim policy.  Hooks receive only pages of kind VM_FRAME_ANON or
 * VM_FRAME_FILE, and only in the states the calls in reclaim.c allow (add:
 * on no list; remove, access: on one of this policy's lists).  Optional hooks
 * may be NULL.
 */
typedef struct {
	/* name, narration, help, flags (policy.h); VM_POLICY_NEEDS_FUTURE:
	 * params.next_use must be set (opt) */
	vm_policy_t policy;
	/* Private state for @nr_frames frames; NULL if none needed. */
	void *(*init)(uint32_t nr_frames, const vm_reclaim_params_t *params);
	void (*destroy)(void *priv);
	/* A deep copy of @priv for a machine of @nr_frames frames (snapshots,
	 * models/clone.c): the copy must behave exactly as the original from
	 * here on, so generator states are copied too.  Required when init
	 * is set. */
	void *(*clone)(const void *priv, uint32_t nr_frames);
	/* @pfn became reclaimable: put it on a list (set frames[].list). */
	void (*add)(vm_reclaim_t *rc, uint32_t pfn);
	/* Take @pfn off its list (freed, truncated, isolated); list = NONE. */
	void (*remove)(vm_reclaim_t *rc, uint32_t pfn);
	/* @pfn was accessed; REFERENCED still holds its value from before
	 * (optional; hot path: O(1), no allocation). */
	void (*access)(vm_reclaim_t *rc, uint32_t pfn);
	/* read() or write() used @pfn, on one of this policy's lists:
	 * folio_mark_accessed (optional: NULL means the access above) */
	void (*mark_accessed)(vm_reclaim_t *rc, uint32_t pfn);
	/* Frame flags with which, REFERENCED being set, an access changes
	 * nothing for this policy (access returns at once; for a policy
	 * without access, VM_FRAME_REFERENCED itself).  vm_reclaim_access
	 * then marks the frame quiet (frames[].quiet) and skips it until
	 * the policy clears one of these flags, which it must follow with
	 * vm_reclaim_unquiet.  0: every access may change something. */
	uint8_t quiet_flags;
	/* Choose the next page to evict among the wanted types, take it off the
	 * lists (list = NONE) and return it; VM_NIL if there is none.  Counts
	 * rc->stats.pgscan for every page it examines. */
	uint32_t (*victim)(vm_reclaim_t *rc, gboolean want_anon,
			   gboolean want_file);
	/* A victim the caller could not evict comes back (optional: NULL
	 * means add, which is right for every policy here but mglru). */
	void (*putback)(vm_reclaim_t *rc, uint32_t pfn);
	/* @pfn, on a list, finished the writeback reclaim started for it:
	 * make it the next page to go (folio_rotate_reclaimable moves it to
	 * the tail of the inactive list).  Optional: NULL leaves it where it
	 * is (random, opt: the order is not the policy's). */
	void (*rotate)(vm_reclaim_t *rc, uint32_t pfn);
	/* Workingset feedback (optional, both or neither; see
	 * vm_reclaim_shadow): what to remember of victim @pfn, nonzero; and
	 * a refault of a page evicted with @shadow, now in @pfn (on no list
	 * yet), returning whether it counts as recent. */
	uint64_t (*shadow)(vm_reclaim_t *rc, uint32_t pfn);
	gboolean (*refault)(vm_reclaim_t *rc, uint32_t pfn, uint64_t shadow);
	/* Bytes of private state per frame (random's index arrays), for the
	 * snapshot budget of models/clone.c; 0 when the state is small. */
	uint32_t frame_bytes;
} vm_reclaim_ops_t;

struct vm_reclaim {
	vm_frames_t *fr;           /* the frames the lists thread through */
	const vm_reclaim_ops_t *ops;
	void *priv;                /* the policy's state */
	vm_reclaim_params_t params;
	vm_reclaim_stats_t stats;  /* read by the caller, never reset here */
	uint32_t nr[VM_RECLAIM_NR_TYPES]; /* pages on the lists, by type */
	uint64_t clock;            /* source of frames[].stamp */
	vm_reclaim_list_t aside;   /* victims the scan running now could not
				    * evict: put back when it ends (empty
				    * between scans) */
	/* Nonzero while the fault path handles a fault (Linux's
	 * lru_gen_enter_fault: current->in_lru_fault): pages added meanwhile
	 * were faulted in.  Only mglru reads it (pages faulted in are born in
	 * a young generation, others in the oldest).  No caller sets it yet:
	 * until the fault path raises it around a fault, mglru takes an
	 * anonymous page or a mapped page as faulted in (reclaim-mglru.c). */
	uint32_t in_fault;
	/* Workingset refaults (workingset.c): the caller says whether swap has
	 * free slots (anonymous pages count in the workingset only then);
	 * a policy that measures a refault distance leaves it here, for
	 * narration. */
	uint64_t swap_free;
	uint64_t ws_distance, ws_size;
	gboolean ws_measured;
	gboolean ws_activated;     /* the refault hook activated the page
				    * (workingset_activate_*) */
	/* The caller's answer to folio_referenced for a young page at the
	 * inactive tail: did more than one mapping (VMA) reference the
	 * page-cache folio of @pfn, whatever its order (folio_referenced_one
	 * counts one per VMA, not one per young PTE; folio_check_references
	 * then activates it: referenced_ptes > 1)?  The frames keep one
	 * accessed bit for all the PTEs of a page, so the answer is whether
	 * a young page of the folio is mapped more than once.  NULL: never.
	 * Only lru2q asks. */
	gboolean (*folio_refs)(void *ctx, uint32_t pfn);
	void *folio_ctx;           /* its first argument (the machine) */
};

/* The policy registry: NULL-terminated, the default (lru2q) first.  Its
 * lines in reclaim.c declare every policy's table; the ones below are
 * those the tests and callers name directly. */
extern const vm_reclaim_ops_t *const vm_reclaim_policies[];
const vm_reclaim_ops_t *vm_reclaim_policy_find(const char *name);

extern const vm_reclaim_ops_t vm_reclaim_policy_lru2q;
extern const vm_reclaim_ops_t vm_reclaim_policy_lru;
extern const vm_reclaim_ops_t vm_reclaim_policy_fifo;
extern const vm_reclaim_ops_t vm_reclaim_policy_clock;
extern const vm_reclaim_ops_t vm_reclaim_policy_random;
extern const vm_reclaim_ops_t vm_reclaim_policy_opt;
extern const vm_reclaim_ops_t vm_reclaim_policy_mglru;

/*
 * Reclaim state for the frames @fr (which must outlive it), ordered by @ops
 * with @params (copied; NULL for all defaults: swappiness 60, seed 1).
 * Returns NULL on a programmer error (no ops, or opt without next_use).
 */
vm_reclaim_t *vm_reclaim_new(vm_frames_t *fr, const vm_reclaim_ops_t *ops,
			     const vm_reclaim_params_t *params);
/* Free @rc and the policy's state (not the frames); NULL is allowed. */
void vm_reclaim_free(vm_reclaim_t *rc);

/* Page @pfn (anon or file, on no list) becomes reclaimable. */
void vm_reclaim_add(vm_reclaim_t *rc, uint32_t pfn);
/* Take @pfn off the lists before freeing or isolating it.  Returns FALSE
 * when it was on none (already a victim, never added); a victim set aside
 * leaves the aside list (and FALSE is returned). */
gboolean vm_reclaim_remove(vm_reclaim_t *rc, uint32_t pfn);
/*
 * The next page to evict, already off the lists, or VM_NIL when no page of
 * a wanted type is on them.  @want_anon FALSE (no swap) never returns an
 * anonymous page; @want_file FALSE never a file page.  Counts pgsteal.
 */
uint32_t vm_reclaim_victim(vm_reclaim_t *rc, gboolean want_anon,
			   gboolean want_file);
/* Hand back a victim that cannot be evicted now (dirty, under writeback,
 * locked); undoes its pgsteal.  Put back after the scan, not at once: random
 * and opt would choose the same page again. */
void vm_reclaim_putback(vm_reclaim_t *rc, uint32_t pfn);

/* Take @pfn, on the lists, as a victim (counts pgsteal, as victim()
 * does); FALSE when it is on none. */
gboolean vm_reclaim_take(vm_reclaim_t *rc, uint32_t pfn);
/* Victim @pfn cannot be evicted now: keep it aside until the scan ends,
 * so that random and opt do not choose it again at once. */
void vm_reclaim_set_aside(vm_reclaim_t *rc, uint32_t pfn);
/* The scan ends: every page set aside goes back (vm_reclaim_putback). */
void vm_reclaim_putback_aside(vm_reclaim_t *rc);

/* Page @pfn finished the pageout reclaim started: it goes first next
 * time (nothing when it is on no list). */
void vm_reclaim_rotate(vm_reclaim_t *rc, uint32_t pfn);
/*
 * Workingset refault feedback, for the page cache's and swap's shadow
 * entries (mm/workingset.c's workingset_eviction and workingset_refault).
 * vm_reclaim_shadow: for a victim @pfn that is really being evicted (after
 * vm_reclaim_victim, before its frame is freed), the value to keep in the
 * page's place; 0 when the policy keeps none (all but lru2q and mglru).
 * vm_reclaim_refault: the page came back into frame @pfn, not yet added to
 * the lists (call it before vm_reclaim_add, as workingset_refault runs before
 * folio_add_lru), and @shadow is what its eviction left.  Returns TRUE when
 * the refault is recent by the policy's measure; counts stats.refault and
 * stats.refault_recent.  Policies without the hooks ignore both calls.
 */
uint64_t vm_reclaim_shadow(vm_reclaim_t *rc, uint32_t pfn);
gboolean vm_reclaim_refault(vm_reclaim_t *rc, uint32_t pfn, uint64_t shadow);

/* Pages on the lists (of both types). */
static inline uint32_t vm_reclaim_nr(const vm_reclaim_t *rc)
{
	return rc->nr[VM_RECLAIM_ANON] + rc->nr[VM_RECLAIM_FILE];
}

/*
 * Every access to page @pfn: the policy sees it, then its referenced bit is
 * set.  Pages on no list (isolated, page tables) get only the bit, and the
 * zero page (VM_PFN_ZERO) nothing.  Hot path: inline, O(1), no allocation.
 */
static inline void vm_reclaim_access(vm_reclaim_t *rc, uint32_t pfn)
{
	vm_frame_t *f;

	if (G_UNLIKELY(pfn >= rc->fr->nr))
		return;
	/* a dense byte, not the 48-byte frame: random pages stay in the
	 * host's cache (docs/speed.md) */
	if (rc->fr->quiet[pfn])
		return;
	f = &rc->fr->f[pfn];
	if (rc->ops->access && f->list != VM_RECLAIM_NONE)
		rc->ops->access(rc, pfn);
	f->flags |= VM_FRAME_REFERENCED;
	uint8_t q = rc->ops->quiet_flags;
	if (q && (f->flags & (q | VM_FRAME_REFERENCED)) == (q | VM_FRAME_REFERENCED))
		rc->fr->quiet[pfn] = 1;
}

/*
 * read() or write() used page @pfn (filemap_read, generic_perform_write:
 * folio_mark_accessed).  A policy with a mark_accessed hook gets it, quiet
 * or not (quiet is about the accessed bit), and the accessed bit is left as
 * it was: no PTE was used.  A page on no list gets PG_referenced only.
 * Other policies see an access.  Not a hot path: once per page a call.
 */
static inline void vm_reclaim_mark_accessed(vm_reclaim_t *rc, uint32_t pfn)
{
	vm_frame_t *f;

	if (!rc->ops->mark_accessed) {
		vm_reclaim_access(rc, pfn);
		return;
	}
	if (G_UNLIKELY(pfn >= rc->fr->nr))
		return;
	f = &rc->fr->f[pfn];
	if (f->list != VM_RECLAIM_NONE && f->list != VM_RECLAIM_ASIDE)
		rc->ops->mark_accessed(rc, pfn);
	else
		f->pg |= VM_PAGE_REFERENCED;
}

/* @pfn lost a flag of its policy's quiet_flags (or REFERENCED): the next
 * access must run the policy again. */
static inline void vm_reclaim_unquiet(vm_frames_t *fr, uint32_t pfn)
{
	fr->quiet[pfn] = 0;
}

/* Whether frame @pfn's quiet mark, if set, is true (models/check.c). */
static inline gboolean vm_reclaim_quiet_ok(const vm_reclaim_t *rc, uint32_t pfn)
{
	if (!rc->fr->quiet[pfn])
		return TRUE;
	uint8_t q = rc->ops->quiet_flags | VM_FRAME_REFERENCED;
	return rc->ops->quiet_flags && (rc->fr->f[pfn].flags & q) == q;
}

/* ------------------------------------------------------------------ */
/* Shared helpers for the policies (reclaim.c and inline here).        */
/* ------------------------------------------------------------------ */

/* Which type's lists a frame belongs on: shmem counts as file here. */
static inline vm_reclaim_type_t vm_reclaim_type(const vm_frame_t *f)
{
	return f->kind == VM_FRAME_FILE ? VM_RECLAIM_FILE : VM_RECLAIM_ANON;
}

static inline void vm_reclaim_list_init(vm_reclaim_list_t *l, uint16_t id)
{
	*l = (vm_reclaim_list_t){ .head = VM_NIL, .tail = VM_NIL, .id = id };
}

/* Put @pfn (on no list) at the head of @l. */
static inline void vm_reclaim_list_add(vm_frames_t *fr, vm_reclaim_list_t *l,
				       uint32_t pfn)
{
	vm_frame_t *f = &fr->f[pfn];

	f->prev = VM_NIL;
	f->next = l->head;
	if (l->head != VM_NIL)
		fr->f[l->head].prev = pfn;
	else
		l->tail = pfn;
	l->head = pfn;
	f->list = l->id;
	l->nr++;
}

/* Put @pfn (on no list) at the tail of @l: the oldest. */
static inline void vm_reclaim_list_add_tail(vm_frames_t *fr,
					    vm_reclaim_list_t *l, uint32_t pfn)
{
	vm_frame_t *f = &fr->f[pfn];

	f->next = VM_NIL;
	f->prev = l->tail;
	if (l->tail != VM_NIL)
		fr->f[l->tail].next = pfn;
	else
		l->head = pfn;
	l->tail = pfn;
	f->list = l->id;
	l->nr++;
}

/* Take @pfn off @l, which holds it. */
static inline void vm_reclaim_list_del(vm_frames_t *fr, vm_reclaim_list_t *l,
				       uint32_t pfn)
{
	vm_frame_t *f = &fr->f[pfn];

	if (f->prev != VM_NIL)
		fr->f[f->prev].next = f->next;
	else
		l->head = f->next;
	if (f->next != VM_NIL)
		fr->f[f->next].prev = f->prev;
	else
		l->tail = f->prev;
	f->next = f->prev = VM_NIL;
	f->list = VM_RECLAIM_NONE;
	l->nr--;
}

/* Move @pfn from @from to the head of @to (the same list is allowed). */
static inline void vm_reclaim_list_move(vm_frames_t *fr,
					vm_reclaim_list_t *from,
					vm_reclaim_list_t *to, uint32_t pfn)
{
	vm_reclaim_list_del(fr, from, pfn);
	vm_reclaim_list_add(fr, to, pfn);
}

/*
 * Two lists, one per type, each ordered by frames[].stamp (newest at the
 * head): fifo, lru, clock and opt keep their pages so.  A page's list id is
 * its type + 1.
 */
typedef struct {
	vm_reclaim_list_t l[VM_RECLAIM_NR_TYPES];
} vm_reclaim_pair_t;

void vm_reclaim_pair_init(vm_reclaim_pair_t *p);
/* Stamp @pfn with a new, largest stamp and put it at the head of its type's
 * list, taking it off that list first if it is on it. */
void vm_reclaim_pair_push(vm_reclaim_t *rc, vm_reclaim_pair_t *p,
			  uint32_t pfn);
/* Take @pfn off its list. */
void vm_reclaim_pair_del(vm_reclaim_t *rc, vm_reclaim_pair_t *p,
			 uint32_t pfn);
/* The page with the smallest stamp among the tails of the wanted types'
 * lists (still on its list), or VM_NIL. */
uint32_t vm_reclaim_pair_oldest(const vm_reclaim_t *rc,
				const vm_reclaim_pair_t *p,
				gboolean want_anon, gboolean want_file);

/* The pair-list hooks that fifo, lru, clock and opt share. */
void *vm_reclaim_pair_new(uint32_t nr_frames,
			  const vm_reclaim_params_t *params);
void vm_reclaim_pair_free(void *priv);
void *vm_reclaim_pair_clone(const void *priv, uint32_t nr_frames);
void vm_reclaim_pair_add_hook(vm_reclaim_t *rc, uint32_t pfn);
void vm_reclaim_pair_remove_hook(vm_reclaim_t *rc, uint32_t pfn);
/* Rotation for the pair policies: the tail of its list, with the
 * smallest stamp (0), so that the merge of the two tails takes it. */
void vm_reclaim_pair_rotate_hook(vm_reclaim_t *rc, uint32_t pfn);
/* The victim of fifo and lru: the oldest page of the wanted types, O(1)
 * (they differ only in what "oldest" means: loaded or used). */
uint32_t vm_reclaim_pair_victim(vm_reclaim_t *rc, gboolean want_anon,
				gboolean want_file);

#endif
