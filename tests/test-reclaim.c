/*
 * Tests of the reclaim core (models/reclaim.c) and its policies
 * (models/reclaim-{lru2q,lru,fifo,clock,random,opt,mglru}.c).  The policy tests
 * replay a reference string over k frames with a tiny driver, as a textbook
 * does by hand: a resident page is a hit (vm_reclaim_access); a miss takes a
 * free frame or, when none is left, asks vm_reclaim_victim for one and frees
 * it, then loads the page (vm_reclaim_add) and touches it (the faulting
 * access counts, so the referenced bit is set on load).  After every access
 * the test checks hit or miss, the victim, and the lists, drawn as
 * drcachesim's policy tests do:
 *
 *   after 5: miss, evicted 3;  "anon: 5* 2 4*"
 *                                     ^ head (newest) ... tail (oldest, the
 *                                       next to go); * = referenced bit
 *
 * lru2q draws its four lists as ia (inactive anon), aa (active anon), if,
 * af, and leaves out empty ones.  Pages numbered 100 and up are file pages,
 * the rest anonymous.  Referenced bits are drawn only for clock and lru2q,
 * the policies that read them.
 *
 * The anonymous pages are mapped (mapcount 1) and so are file pages 150 and
 * up: their accesses set the accessed bit only.  File pages 100..149 are
 * unmapped, read through a file descriptor: mglru counts those accesses.
 * mglru draws its generations by list, a<gen> and f<gen> for anon and file,
 * where generation number seq lives on list gen = seq % 4 (the comments
 * give the seq), in list order a0 f0 a1 f1 a2 f2 a3 f3, and marks each page
 * with * (accessed bit, mapped pages only), rN (PG_referenced and N
 * accesses through a file descriptor, or a first young scan) and w
 * (PG_workingset).
 *
 * The classic string 1 2 3 4 1 2 5 1 2 3 4 5 (Belady, Nelson and Shedler
 * 1969) gives, worked by hand below: FIFO 9 faults with 3 frames and 10 with
 * 4 (the anomaly), LRU 10 and 8, OPT 7 and 6, MRU 7 and 6.  The loop
 * 1 2 3 4 1 2 3 4 1 2 3 4 over 3 frames: LRU and FIFO fault on all 12
 * accesses, MRU on 6, OPT on 6.
 *
 * The tests of every policy (bookkeeping, wants, removal, putback) walk the
 * registry, so a policy added to it is tested here without an edit; those
 * that check an order know the order of the policies listed in
 * drain_order() and only check "each page once" for the others.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "models/reclaim.h"
#include "tests/testlib.h"

#define NO (-1)              /* no victim */
#define H 1                  /* hit */
#define M 0                  /* miss */
#define MAX_PAGE 200
#define MAX_STEPS 64

/*
 * An assertion for the driver's inner loops: Check records a mark point (a
 * write to a pipe) for every passing ck_assert, which made the long property
 * runs take seconds; this one costs nothing until it fails.
 */
#define REQUIRE(cond)							\
	do {								\
		if (G_UNLIKELY(!(cond)))				\
			ck_abort_msg("%s:%d: failed: %s", __FILE__,	\
				     __LINE__, #cond);			\
	} while (0)

typedef struct {
	int page;
	int hit;                 /* H or M */
	int victim;              /* page evicted to make room, or NO */
	const char *lists;       /* the lists afterwards, head first */
} step_t;

/* The driver: k frames, pages by number, the trace position for opt. */
typedef struct {
	vm_frames_t fr;
	vm_reclaim_t *rc;
	uint32_t pfn_of[MAX_PAGE];   /* page -> frame, VM_NIL when not resident */
	const int *refs;             /* the whole reference string (opt) */
	unsigned nr_refs;
	unsigned pos;                /* index of the access being served */
	uint32_t *next;              /* next[i]: next j > i with the same page */
	uint64_t next_use[MAX_PAGE]; /* each page's next access after its last */
	gboolean want_anon, want_file;
	unsigned faults;
} sim_t;

/* opt's oracle: a resident page's next use follows its last access. */
static uint64_t oracle_next_use(void *oracle, uint32_t pfn)
{
	const sim_t *s = oracle;

	return s->next_use[s->fr.f[pfn].index];
}

/* The string opt looks into; @refs must outlive the driver. */
static void sim_set_refs(sim_t *s, const int *refs, unsigned n)
{
	uint32_t last[MAX_PAGE];

	s->refs = refs;
	s->nr_refs = n;
	g_free(s->next);
	s->next = g_new(uint32_t, n ? n : 1);
	for (unsigned p = 0; p < MAX_PAGE; p++)
		last[p] = UINT32_MAX;
	for (unsigned i = n; i-- > 0;) {
		s->next[i] = last[refs[i]];
		last[refs[i]] = i;
	}
}

static void sim_init(sim_t *s, const char *policy, unsigned frames,
		     uint32_t swappiness, uint64_t seed, uint32_t page_shift)
{
	vm_reclaim_params_t params = {
		.swappiness = swappiness, .seed = seed,
		.page_shift = page_shift,
		.next_use = oracle_next_use, .oracle = s,
	};
	const vm_reclaim_ops_t *ops = vm_reclaim_policy_find(policy);

	memset(s, 0, sizeof(*s));
	REQUIRE(ops != NULL);
	REQUIRE(vm_frames_init(&s->fr, frames));
	s->rc = vm_reclaim_new(&s->fr, ops, &params);
	REQUIRE(s->rc != NULL);
	for (unsigned i = 0; i < MAX_PAGE; i++) {
		s->pfn_of[i] = VM_NIL;
		s->next_use[i] = UINT64_MAX;
	}
	s->want_anon = s->want_file = TRUE;
}

static void sim_destroy(sim_t *s)
{
	vm_reclaim_free(s->rc);
	vm_frames_destroy(&s->fr);
	g_free(s->next);
}

/* Load page @page into a free frame and make it reclaimable (no access). */
static uint32_t sim_load(sim_t *s, int page)
{
	uint32_t pfn = vm_frames_alloc(&s->fr,
				       page >= 100 ? VM_FRAME_FILE
						   : VM_FRAME_ANON,
				       0, (uint64_t)page);

	REQUIRE(pfn != VM_NIL);
	/* mapped pages: anonymous, and file pages from 150 (see above) */
	s->fr.f[pfn].mapcount = page < 100 || page >= 150;
	s->pfn_of[page] = pfn;
	vm_reclaim_add(s->rc, pfn);
	return pfn;
}

/* Take victim @pfn's page out of memory. */
static int sim_evict(sim_t *s, uint32_t pfn)
{
	int page = (int)s->fr.f[pfn].index;

	REQUIRE(s->fr.f[pfn].list == VM_RECLAIM_NONE);
	REQUIRE(s->pfn_of[page] == pfn);
	s->pfn_of[page] = VM_NIL;
	s->fr.f[pfn].mapcount = 0;
	vm_frames_free(&s->fr, pfn);
	return page;
}

/*
 * One access to @page, the string's access number s->pos when the driver
 * has a string; returns the evicted page or NO, and *hit as it was.
 */
static int sim_access(sim_t *s, int page, int *hit)
{
	int victim = NO;
	uint32_t pfn = s->pfn_of[page];

	if (s->pos < s->nr_refs) {
		REQUIRE(s->refs[s->pos] == page);
		s->next_use[page] = s->next[s->pos] == UINT32_MAX
					    ? UINT64_MAX : s->next[s->pos];
	}

	*hit = pfn != VM_NIL;
	if (pfn == VM_NIL) {
		s->faults++;
		if (s->fr.nr_free == 0) {
			uint32_t v = vm_reclaim_victim(s->rc, s->want_anon,
						       s->want_file);
			REQUIRE(v != VM_NIL);
			victim = sim_evict(s, v);
		}
		pfn = sim_load(s, page);
	}
	/* pages 100..149 are read through a file descriptor: read() tells
	 * the lists through folio_mark_accessed (the same as an access for
	 * every policy but lru2q) */
	if (page >= 100 && page < 150)
		vm_reclaim_mark_accessed(s->rc, pfn);
	else
		vm_reclaim_access(s->rc, pfn);
	return victim;
}

/* reclaim-mglru.c's frames[].stamp bits */
#define MG_REFS 3u
#define MG_REFERENCED (1u << 2)
#define MG_WORKINGSET (1u << 3)

/* The lists, head first, by walking the frames' own links. */
static char *draw(const sim_t *s, gboolean refs)
{
	static const char *const pair_names[] = { "anon", "file" };
	static const char *const lru2q_names[] = { "ia", "aa", "if", "af" };
	static const char *const mglru_names[] = {
		"a0", "f0", "a1", "f1", "a2", "f2", "a3", "f3"
	};
	gboolean lru2q = strcmp(s->rc->ops->policy.name, "lru2q") == 0;
	gboolean mglru = strcmp(s->rc->ops->policy.name, "mglru") == 0;
	const char *const *names = lru2q ? lru2q_names
				 : mglru ? mglru_names : pair_names;
	unsigned nr_lists = lru2q ? 4 : mglru ? 8 : 2;
	GString *g = g_string_new(NULL);

	for (unsigned id = 1; id <= nr_lists; id++) {
		uint32_t head = VM_NIL, nr = 0, n = 0;

		for (uint32_t pfn = 0; pfn < s->fr.nr; pfn++) {
			const vm_frame_t *f = &s->fr.f[pfn];
			if (f->kind == VM_FRAME_FREE || f->list != id)
				continue;
			nr++;
			if (f->prev == VM_NIL) {
				REQUIRE(head == VM_NIL);
				head = pfn;
			}
		}
		if (nr == 0)
			continue;
		g_string_append_printf(g, "%s%s:", g->len ? " | " : "",
				       names[id - 1]);
		for (uint32_t pfn = head; pfn != VM_NIL;
		     pfn = s->fr.f[pfn].next) {
			const vm_frame_t *f = &s->fr.f[pfn];
			REQUIRE(f->list == id);
			if (f->next != VM_NIL)
				REQUIRE(s->fr.f[f->next].prev == pfn);
			g_string_append_printf(g, " %d%s", (int)f->index,
					       refs && (f->flags &
							VM_FRAME_REFERENCED) &&
					       (!mglru || f->mapcount)
						       ? "*" : "");
			if (refs && lru2q && (f->pg & VM_PAGE_REFERENCED))
				g_string_append_c(g, 'r');
			if (refs && mglru && (f->stamp & MG_REFERENCED))
				g_string_append_printf(g, "r%u", (unsigned)
						       (f->stamp & MG_REFS) + 1);
			if (refs && mglru && (f->stamp & MG_WORKINGSET))
				g_string_append_c(g, 'w');
			REQUIRE(++n <= nr);
		}
		REQUIRE(n == nr);
	}
	return g_string_free(g, FALSE);
}

/* ------------------------------------------------------------------ */
/* Step by step: the classic string and its textbook fault counts.     */
/* ------------------------------------------------------------------ */

/* 1 2 3 4 1 2 5 1 2 3 4 5 under FIFO with 3 frames: 9 faults. */
static const step_t fifo_3[] = {
	{ 1, M, NO, "anon: 1" },
	{ 2, M, NO, "anon: 2 1" },
	{ 3, M, NO, "anon: 3 2 1" },
	{ 4, M,  1, "anon: 4 3 2" },       /* the first loaded goes first */
	{ 1, M,  2, "anon: 1 4 3" },
	{ 2, M,  3, "anon: 2 1 4" },
	{ 5, M,  4, "anon: 5 2 1" },
	{ 1, H, NO, "anon: 5 2 1" },       /* hits change nothing */
	{ 2, H, NO, "anon: 5 2 1" },
	{ 3, M,  1, "anon: 3 5 2" },
	{ 4, M,  2, "anon: 4 3 5" },
	{ 5, H, NO, "anon: 4 3 5" },
};

/* The same with 4 frames: 10 faults, one more than with 3 (the anomaly). */
static const step_t fifo_4[] = {
	{ 1, M, NO, "anon: 1" },
	{ 2, M, NO, "anon: 2 1" },
	{ 3, M, NO, "anon: 3 2 1" },
	{ 4, M, NO, "anon: 4 3 2 1" },
	{ 1, H, NO, "anon: 4 3 2 1" },
	{ 2, H, NO, "anon: 4 3 2 1" },
	{ 5, M,  1, "anon: 5 4 3 2" },
	{ 1, M,  2, "anon: 1 5 4 3" },     /* 3 frames kept 1 here */
	{ 2, M,  3, "anon: 2 1 5 4" },
	{ 3, M,  4, "anon: 3 2 1 5" },
	{ 4, M,  5, "anon: 4 3 2 1" },
	{ 5, M,  1, "anon: 5 4 3 2" },
};

/* LRU, 3 frames: 10 faults.  The list is in recency order. */
static const step_t lru_3[] = {
	{ 1, M, NO, "anon: 1" },
	{ 2, M, NO, "anon: 2 1" },
	{ 3, M, NO, "anon: 3 2 1" },
	{ 4, M,  1, "anon: 4 3 2" },
	{ 1, M,  2, "anon: 1 4 3" },
	{ 2, M,  3, "anon: 2 1 4" },
	{ 5, M,  4, "anon: 5 2 1" },
	{ 1, H, NO, "anon: 1 5 2" },       /* move to front */
	{ 2, H, NO, "anon: 2 1 5" },
	{ 3, M,  5, "anon: 3 2 1" },
	{ 4, M,  1, "anon: 4 3 2" },
	{ 5, M,  2, "anon: 5 4 3" },
};

/* LRU, 4 frames: 8 faults. */
static const step_t lru_4[] = {
	{ 1, M, NO, "anon: 1" },
	{ 2, M, NO, "anon: 2 1" },
	{ 3, M, NO, "anon: 3 2 1" },
	{ 4, M, NO, "anon: 4 3 2 1" },
	{ 1, H, NO, "anon: 1 4 3 2" },
	{ 2, H, NO, "anon: 2 1 4 3" },
	{ 5, M,  3, "anon: 5 2 1 4" },
	{ 1, H, NO, "anon: 1 5 2 4" },
	{ 2, H, NO, "anon: 2 1 5 4" },
	{ 3, M,  4, "anon: 3 2 1 5" },
	{ 4, M,  5, "anon: 4 3 2 1" },
	{ 5, M,  1, "anon: 5 4 3 2" },
};

/*
 * OPT, 3 frames: 7 faults.  The list is in load order (ties go to the
 * oldest); "next" is the position (0-based) of each resident page's next use.
 */
static const step_t opt_3[] = {
	{ 1, M, NO, "anon: 1" },
	{ 2, M, NO, "anon: 2 1" },
	{ 3, M, NO, "anon: 3 2 1" },
	{ 4, M,  3, "anon: 4 2 1" },       /* at 3: next 1@4 2@5 3@9 */
	{ 1, H, NO, "anon: 4 2 1" },
	{ 2, H, NO, "anon: 4 2 1" },
	{ 5, M,  4, "anon: 5 2 1" },       /* at 6: next 1@7 2@8 4@10 */
	{ 1, H, NO, "anon: 5 2 1" },
	{ 2, H, NO, "anon: 5 2 1" },
	{ 3, M,  1, "anon: 3 5 2" },       /* at 9: 1, 2 never, 5@11; 1 older */
	{ 4, M,  2, "anon: 4 3 5" },       /* at 10: 2, 3 never; 2 older */
	{ 5, H, NO, "anon: 4 3 5" },
};

/* OPT, 4 frames: 6 faults. */
static const step_t opt_4[] = {
	{ 1, M, NO, "anon: 1" },
	{ 2, M, NO, "anon: 2 1" },
	{ 3, M, NO, "anon: 3 2 1" },
	{ 4, M, NO, "anon: 4 3 2 1" },
	{ 1, H, NO, "anon: 4 3 2 1" },
	{ 2, H, NO, "anon: 4 3 2 1" },
	{ 5, M,  4, "anon: 5 3 2 1" },     /* at 6: 1@7 2@8 3@9 4@10 */
	{ 1, H, NO, "anon: 5 3 2 1" },
	{ 2, H, NO, "anon: 5 3 2 1" },
	{ 3, H, NO, "anon: 5 3 2 1" },
	{ 4, M,  1, "anon: 4 5 3 2" },     /* at 10: 1 2 3 never, 5@11 */
	{ 5, H, NO, "anon: 4 5 3 2" },
};

/*
 * Clock where it parts from FIFO: 1 2 3 4 2 5 2 3 over 3 frames.  The hand
 * is at the tail; every page is loaded referenced, so the first sweep clears
 * them all and takes the oldest.  Then page 2's second reference saves it:
 * clock faults 6 times, FIFO (below) 7.
 */
static const step_t clock_3[] = {
	{ 1, M, NO, "anon: 1*" },
	{ 2, M, NO, "anon: 2* 1*" },
	{ 3, M, NO, "anon: 3* 2* 1*" },
	{ 4, M,  1, "anon: 4* 3 2" },      /* hand: 1* 2* 3* cleared, 1 out */
	{ 2, H, NO, "anon: 4* 3 2*" },
	{ 5, M,  3, "anon: 5* 2 4*" },     /* 2* gets a second chance; FIFO: 2 */
	{ 2, H, NO, "anon: 5* 2* 4*" },    /* FIFO misses here */
	{ 3, M,  4, "anon: 3* 5 2" },      /* 4* 2* 5* cleared, round to 4 */
};

static const step_t fifo_3b[] = {
	{ 1, M, NO, "anon: 1" },
	{ 2, M, NO, "anon: 2 1" },
	{ 3, M, NO, "anon: 3 2 1" },
	{ 4, M,  1, "anon: 4 3 2" },
	{ 2, H, NO, "anon: 4 3 2" },
	{ 5, M,  2, "anon: 5 4 3" },
	{ 2, M,  3, "anon: 2 5 4" },
	{ 3, M,  4, "anon: 3 2 5" },
};

/*
 * MRU, 3 frames, on the loop: the page just used is the one needed last,
 * so MRU keeps the rest and faults once per round after the first (6; LRU
 * faults 12 times).  The list is in recency order, the victim its head.
 */
static const step_t mru_loop_3[] = {
	{ 1, M, NO, "anon: 1" },
	{ 2, M, NO, "anon: 2 1" },
	{ 3, M, NO, "anon: 3 2 1" },
	{ 4, M,  3, "anon: 4 2 1" },       /* the newest goes: 3 */
	{ 1, H, NO, "anon: 1 4 2" },
	{ 2, H, NO, "anon: 2 1 4" },
	{ 3, M,  2, "anon: 3 1 4" },
	{ 4, H, NO, "anon: 4 3 1" },
	{ 1, H, NO, "anon: 1 4 3" },
	{ 2, M,  1, "anon: 2 4 3" },
	{ 3, H, NO, "anon: 3 2 4" },
	{ 4, H, NO, "anon: 4 3 2" },
};

/* MRU, 3 frames, on the classic string: 7 faults, as OPT. */
static const step_t mru_3[] = {
	{ 1, M, NO, "anon: 1" },
	{ 2, M, NO, "anon: 2 1" },
	{ 3, M, NO, "anon: 3 2 1" },
	{ 4, M,  3, "anon: 4 2 1" },
	{ 1, H, NO, "anon: 1 4 2" },
	{ 2, H, NO, "anon: 2 1 4" },
	{ 5, M,  2, "anon: 5 1 4" },
	{ 1, H, NO, "anon: 1 5 4" },
	{ 2, M,  1, "anon: 2 5 4" },
	{ 3, M,  2, "anon: 3 5 4" },
	{ 4, H, NO, "anon: 4 3 5" },
	{ 5, H, NO, "anon: 5 4 3" },
};

/* MRU across types: the newer of the two heads goes, here file page 101,
 * used after anonymous page 2. */
static const step_t mru_types[] = {
	{ 1, M, NO, "anon: 1" },
	{ 101, M, NO, "anon: 1 | file: 101" },
	{ 2, M, NO, "anon: 2 1 | file: 101" },
	{ 101, H, NO, "anon: 2 1 | file: 101" },
	{ 3, M, 101, "anon: 3 2 1" },
};

/*
 * LRU, 3 frames, both types: the victim is the older of the two tails by
 * stamp.  Page 1 is accessed again while at the head of its list (lru_access
 * leaves it in place then): it must still take a new stamp, newer than
 * 101's, or the next victim would be 1 instead of 101.
 */
static const step_t lru_types[] = {
	{ 1, M, NO, "anon: 1" },
	{ 101, M, NO, "anon: 1 | file: 101" },
	{ 1, H, NO, "anon: 1 | file: 101" },    /* at the head: restamped */
	{ 2, M, NO, "anon: 2 1 | file: 101" },
	{ 102, M, 101, "anon: 2 1 | file: 102" },
	{ 2, H, NO, "anon: 2 1 | file: 102" },   /* at the head again */
	{ 3, M, 1, "anon: 3 2 | file: 102" },
};

/*
 * lru2q over 4 frames, anonymous (mapped) pages only, * the accessed bit
 * and r PG_referenced (folio_check_references): an access through the
 * mapping only sets the accessed bit, however often (no activation on the
 * second access, as Linux calls folio_mark_accessed for read() and write()
 * only); reclaim's first look at a young page clears the bit, sets
 * PG_referenced and keeps the page; its next look activates the page if it
 * is young again, evicts it if not; deactivation from the active tail when
 * inactive < active clears the accessed bit and keeps PG_referenced.
 */
static const step_t lru2q_4[] = {
	{ 1, M, NO, "ia: 1*" },
	{ 2, M, NO, "ia: 2* 1*" },
	{ 1, H, NO, "ia: 2* 1*" },                /* second access: no move */
	{ 3, M, NO, "ia: 3* 2* 1*" },
	{ 4, M, NO, "ia: 4* 3* 2* 1*" },
	{ 5, M,  1, "ia: 5* 4r 3r 2r" },          /* 1* 2* 3* 4* kept (bit
						   * cleared, r set); 1 comes
						   * round not young: out */
	{ 3, H, NO, "ia: 5* 4r 3*r 2r" },
	{ 6, M,  2, "ia: 6* 5* 4r 3*r" },         /* 2r not young: out */
	{ 7, M,  4, "ia: 7* 6* 5* | aa: 3r" },    /* 3*r young again:
						   * activated; 4r out */
	{ 8, M,  5, "ia: 8* 7r 6r | aa: 3r" },    /* 5* 6* 7* kept, 5r out */
	{ 3, H, NO, "ia: 8* 7r 6r | aa: 3*r" },   /* active: stays put */
	{ 6, H, NO, "ia: 8* 7r 6*r | aa: 3*r" },
	{ 9, M,  7, "ia: 9* 8* | aa: 6r 3*r" },   /* 6*r activated, 7r out */
	{ 10, M, 8, "ia: 10* 9r | aa: 6r 3*r" },  /* 8* 9* kept, 8r out */
	{ 9, H, NO, "ia: 10* 9*r | aa: 6r 3*r" },
	{ 11, M, 3, "ia: 11* 10r | aa: 9r 6r" },  /* 9*r activated; 1 < 3:
						   * 3*r deactivated (3r);
						   * 10* kept; 3r out */
};

/*
 * lru2q, unmapped file pages read through a file descriptor (100..149):
 * read() marks a page accessed (folio_mark_accessed): the first time
 * PG_referenced, the second time it activates the page.  The accessed bit
 * stays clear, so reclaim evicts a page read once at the inactive tail
 * even though it has PG_referenced (FOLIOREF_RECLAIM_CLEAN), where a mapped
 * page would get another round.  4 frames.
 */
static const step_t lru2q_read[] = {
	{ 101, M, NO, "if: 101r" },
	{ 102, M, NO, "if: 102r 101r" },
	{ 101, H, NO, "if: 102r | af: 101" },       /* second read: active */
	{ 103, M, NO, "if: 103r 102r | af: 101" },
	{ 104, M, NO, "if: 104r 103r 102r | af: 101" },
	{ 105, M, 102, "if: 105r 104r 103r | af: 101" }, /* 102r out at once */
	{ 101, H, NO, "if: 105r 104r 103r | af: 101r" }, /* active: r only */
	{ 106, M, 103, "if: 106r 105r 104r | af: 101r" },
};

/*
 * mglru over 4 frames, anonymous (mapped) pages: birth in max_seq - 1,
 * aging when eviction would reach the two young generations, a young page
 * kept on its first scan (PG_referenced, to min_seq + 1) and promoted on
 * its second (PG_workingset, to max_seq).  Sequences start at max_seq 3,
 * min_seq 0 (lru_gen_init_lruvec); seq s is drawn on list s % 4.
 */
static const step_t mglru_4[] = {
	{ 1, M, NO, "a2: 1*" },                    /* seq 2 = max_seq - 1 */
	{ 2, M, NO, "a2: 2* 1*" },
	{ 3, M, NO, "a2: 3* 2* 1*" },
	{ 4, M, NO, "a2: 4* 3* 2* 1*" },
	/* min_seq skips the empty 0 and 1 to 2: two generations left, so
	 * age (max_seq 4); 1 2 3 4 are young: kept, PG_referenced, to
	 * min_seq + 1 = 3; seq 2 empty, min_seq 3, age again (max_seq 5);
	 * then 1 at the tail of seq 3 is not young: the victim.  5 is born
	 * in seq 4 (list 0). */
	{ 5, M,  1, "a0: 5* | a3: 4r1 3r1 2r1" },
	{ 2, H, NO, "a0: 5* | a3: 4r1 3r1 2*r1" },
	/* 2 young again with PG_referenced: workingset, to max_seq 5
	 * (list 1); 3 not young: out */
	{ 6, M,  3, "a0: 6* 5* | a1: 2w | a3: 4r1" },
	{ 7, M,  4, "a0: 7* 6* 5* | a1: 2w" },
	/* seq 3 empty: min_seq 4, age (max_seq 6); 5 6 7 young, to seq 5
	 * behind 2; seq 4 empty, age (max_seq 7); 2 is at the tail of
	 * seq 5 and was not touched since it was promoted: out */
	{ 8, M,  2, "a1: 7r1 6r1 5r1 | a2: 8*" },
	{ 5, H, NO, "a1: 7r1 6r1 5*r1 | a2: 8*" },
	/* 5 young and referenced: to max_seq 7 (list 3); 6: out */
	{ 9, M,  6, "a1: 7r1 | a2: 9* 8* | a3: 5w" },
};

/*
 * A hot set that a scan through a mapping does not flush: anon 1 2 are
 * touched between the scan's pages, file pages 150.. (mapped) are touched
 * once each, 5 frames.  Pages faulted in are born in max_seq - 1 alike;
 * the scan's pages, not touched again, go on their second pass, the hot
 * pages, young each time, climb to max_seq.
 */
static const step_t mglru_scan[] = {
	{ 1, M, NO, "a2: 1*" },
	{ 2, M, NO, "a2: 2* 1*" },
	{ 150, M, NO, "a2: 2* 1* | f2: 150*" },
	{ 151, M, NO, "a2: 2* 1* | f2: 151* 150*" },
	{ 152, M, NO, "a2: 2* 1* | f2: 152* 151* 150*" },
	{ 1, H, NO, "a2: 2* 1* | f2: 152* 151* 150*" },
	{ 2, H, NO, "a2: 2* 1* | f2: 152* 151* 150*" },
	/* age (max_seq 4); file first: 150 151 152 young, kept in
	 * max_seq - 1 = 3 (a rejected file page is not put back oldest);
	 * file has two generations left, so anon: 1 2 young, kept in
	 * min_seq + 1 = 3 with PG_referenced; age (max_seq 5); 150 is the
	 * tail of file's oldest, seq 3, and not young: out */
	{ 153, M, 150, "f0: 153* | a3: 2r1 1r1 | f3: 152 151" },
	{ 154, M, 151, "f0: 154* 153* | a3: 2r1 1r1 | f3: 152" },
	{ 1, H, NO, "f0: 154* 153* | a3: 2r1 1*r1 | f3: 152" },
	{ 2, H, NO, "f0: 154* 153* | a3: 2*r1 1*r1 | f3: 152" },
	{ 155, M, 152, "f0: 155* 154* 153* | a3: 2*r1 1*r1" },
	{ 1, H, NO, "f0: 155* 154* 153* | a3: 2*r1 1*r1" },
	{ 2, H, NO, "f0: 155* 154* 153* | a3: 2*r1 1*r1" },
	/* file has two generations: anon 1 2, young and referenced, are
	 * promoted to max_seq 5 (workingset); age twice on the way; the
	 * file pages 153 154 155 are young once (kept in seq 5), then 153
	 * is the oldest: out.  The hot set is now the youngest anon. */
	{ 156, M, 153, "a1: 2w 1w | f1: 155 154 | f2: 156*" },
};

/*
 * A one-off scan through read() (file pages 101.., unmapped) against a hot
 * mapped set, 6 frames: pages read outside a fault are born in the oldest
 * generation (min_seq 0), so the scan evicts only itself.
 */
static const step_t mglru_fdscan[] = {
	{ 1, M, NO, "a2: 1*" },
	{ 2, M, NO, "a2: 2* 1*" },
	{ 3, M, NO, "a2: 3* 2* 1*" },
	{ 101, M, NO, "f0: 101r1 | a2: 3* 2* 1*" },
	{ 102, M, NO, "f0: 102r1 101r1 | a2: 3* 2* 1*" },
	{ 103, M, NO, "f0: 103r1 102r1 101r1 | a2: 3* 2* 1*" },
	{ 1, H, NO, "f0: 103r1 102r1 101r1 | a2: 3* 2* 1*" },
	{ 2, H, NO, "f0: 103r1 102r1 101r1 | a2: 3* 2* 1*" },
	{ 3, H, NO, "f0: 103r1 102r1 101r1 | a2: 3* 2* 1*" },
	/* no aging needed: file's oldest is seq 0, four generations */
	{ 104, M, 101, "f0: 104r1 103r1 102r1 | a2: 3* 2* 1*" },
	{ 105, M, 102, "f0: 105r1 104r1 103r1 | a2: 3* 2* 1*" },
	{ 106, M, 103, "f0: 106r1 105r1 104r1 | a2: 3* 2* 1*" },
	{ 107, M, 104, "f0: 107r1 106r1 105r1 | a2: 3* 2* 1*" },
	{ 108, M, 105, "f0: 108r1 107r1 106r1 | a2: 3* 2* 1*" },
	{ 109, M, 106, "f0: 109r1 108r1 107r1 | a2: 3* 2* 1*" },
	{ 110, M, 107, "f0: 110r1 109r1 108r1 | a2: 3* 2* 1*" },
	{ 1, H, NO, "f0: 110r1 109r1 108r1 | a2: 3* 2* 1*" },
	{ 2, H, NO, "f0: 110r1 109r1 108r1 | a2: 3* 2* 1*" },
	{ 3, H, NO, "f0: 110r1 109r1 108r1 | a2: 3* 2* 1*" },
};

/*
 * Tiers from accesses through a file descriptor, 3 frames.  Without
 * refaults the controller protects no tier (get_tier_idx is 3), so only a
 * page whose counts are all set (refs 4 and workingset) is passed over,
 * into min_seq + 1 with its counts cleared (folio_inc_gen).
 */
static const step_t mglru_saturated[] = {
	{ 101, M, NO, "f0: 101r1" },
	{ 101, H, NO, "f0: 101r2" },
	{ 101, H, NO, "f0: 101r3" },
	{ 101, H, NO, "f0: 101r4" },
	{ 101, H, NO, "f0: 101r4w" },        /* the refs bits are full */
	{ 101, H, NO, "f0: 101r4w" },
	{ 102, M, NO, "f0: 102r1 101r4w" },
	{ 103, M, NO, "f0: 103r1 102r1 101r4w" },
	{ 104, M, 102, "f0: 104r1 103r1 | f1: 101w" },
	{ 105, M, 103, "f0: 105r1 104r1 | f1: 101w" },
};

/* Read three times (tier 2), not saturated: no protection. */
static const step_t mglru_tier2[] = {
	{ 101, M, NO, "f0: 101r1" },
	{ 101, H, NO, "f0: 101r2" },
	{ 101, H, NO, "f0: 101r3" },
	{ 102, M, NO, "f0: 102r1 101r3" },
	{ 103, M, NO, "f0: 103r1 102r1 101r3" },
	{ 104, M, 101, "f0: 104r1 103r1 102r1" },
};

static const struct scenario {
	const char *name;
	const char *policy;
	unsigned frames;
	const step_t *steps;
	unsigned nr_steps;
	gboolean refs;           /* draw referenced bits */
	unsigned faults;
	uint64_t pgscan;
	uint64_t pgactivate, pgdeactivate;
} scenarios[] = {
#define S(name, pol, k, steps, refs, faults, scan, act, deact) \
	{ name, pol, k, steps, G_N_ELEMENTS(steps), refs, faults, scan, act, deact }
	S("fifo 3 frames", "fifo", 3, fifo_3, FALSE, 9, 6, 0, 0),
	S("fifo 4 frames", "fifo", 4, fifo_4, FALSE, 10, 6, 0, 0),
	S("lru 3 frames", "lru", 3, lru_3, FALSE, 10, 7, 0, 0),
	S("lru 4 frames", "lru", 4, lru_4, FALSE, 8, 4, 0, 0),
	S("lru anon and file", "lru", 3, lru_types, FALSE, 5, 2, 0, 0),
	/* opt looks at every resident page per victim: 4 x 3, 2 x 4 */
	S("opt 3 frames", "opt", 3, opt_3, FALSE, 7, 12, 0, 0),
	S("opt 4 frames", "opt", 4, opt_4, FALSE, 6, 8, 0, 0),
	/* the hand looks at 4, then 2, then 4 pages */
	S("clock vs fifo", "clock", 3, clock_3, TRUE, 6, 10, 0, 0),
	S("fifo vs clock", "fifo", 3, fifo_3b, FALSE, 7, 4, 0, 0),
	/* one page looked at per victim */
	S("mru loop 3 frames", "mru", 3, mru_loop_3, FALSE, 6, 3, 0, 0),
	S("mru 3 frames", "mru", 3, mru_3, FALSE, 7, 4, 0, 0),
	S("mru anon and file", "mru", 3, mru_types, FALSE, 4, 1, 0, 0),
	/* scans: 5, 1, 2, 4, 2, 3, 3; activations of 3, 6, 9 (by
	 * reclaim); 3 deactivated */
	S("lru2q 4 frames", "lru2q", 4, lru2q_4, TRUE, 11, 20, 3, 1),
	/* one page looked at per victim; 101 activated by its second read */
	S("lru2q read", "lru2q", 4, lru2q_read, TRUE, 6, 2, 1, 0),
	/* scans per victim: 5, 2, 1, 4, 2; promotions of 2 and 5 */
	S("mglru aging", "mglru", 4, mglru_4, TRUE, 9, 14, 2, 0),
	/* scans: 6, 1, 1, 7 */
	S("mglru scan", "mglru", 5, mglru_scan, TRUE, 9, 14, 2, 0),
	S("mglru read scan", "mglru", 6, mglru_fdscan, TRUE, 13, 7, 0, 0),
	S("mglru saturated", "mglru", 3, mglru_saturated, TRUE, 5, 3, 0, 0),
	S("mglru tier 2", "mglru", 3, mglru_tier2, TRUE, 4, 1, 0, 0),
#undef S
};

START_TEST(test_steps)
{
	const struct scenario *sc = &scenarios[_i];
	int refs[MAX_STEPS];
	unsigned nr_victims = 0;
	sim_t s;

	sim_init(&s, sc->policy, sc->frames, 60, 1, 12);
	for (unsigned i = 0; i < sc->nr_steps; i++)
		refs[i] = sc->steps[i].page;
	sim_set_refs(&s, refs, sc->nr_steps);
	for (unsigned i = 0; i < sc->nr_steps; i++) {
		const step_t *st = &sc->steps[i];
		int hit;
		int victim;
		char *lists;

		s.pos = i;
		victim = sim_access(&s, st->page, &hit);
		lists = draw(&s, sc->refs);
		ck_assert_msg(hit == st->hit && victim == st->victim &&
			      strcmp(lists, st->lists) == 0,
			      "%s, step %u (page %d): %s, victim %d, \"%s\"; "
			      "expected %s, victim %d, \"%s\"", sc->name, i,
			      st->page, hit ? "hit" : "miss", victim, lists,
			      st->hit ? "hit" : "miss", st->victim, st->lists);
		g_free(lists);
		nr_victims += victim != NO;
	}
	ck_assert_uint_eq(s.faults, sc->faults);
	ck_assert_uint_eq(s.rc->stats.pgsteal, nr_victims);
	ck_assert_uint_eq(s.rc->stats.pgscan, sc->pgscan);
	ck_assert_uint_eq(s.rc->stats.pgactivate, sc->pgactivate);
	ck_assert_uint_eq(s.rc->stats.pgdeactivate, sc->pgdeactivate);
	ck_assert_uint_eq(vm_reclaim_nr(s.rc), sc->frames);
	sim_destroy(&s);
}
END_TEST

/* ------------------------------------------------------------------ */
/* Fault counts: the batch grid's fifo, lru, opt over 3 and 4 frames.  */
/* ------------------------------------------------------------------ */

static const int belady[] = { 1, 2, 3, 4, 1, 2, 5, 1, 2, 3, 4, 5 };

static const struct {
	const char *policy;
	unsigned frames;
	unsigned faults;
} belady_cases[] = {
	{ "fifo", 3, 9 }, { "fifo", 4, 10 },
	{ "lru", 3, 10 }, { "lru", 4, 8 },
	{ "opt", 3, 7 }, { "opt", 4, 6 },
	{ "mru", 3, 7 }, { "mru", 4, 6 },
};

static unsigned run_string(const char *policy, unsigned frames,
			   const int *refs, unsigned n, uint64_t seed,
			   int *victims)
{
	unsigned faults;
	sim_t s;

	sim_init(&s, policy, frames, 60, seed, 12);
	sim_set_refs(&s, refs, n);
	for (unsigned i = 0; i < n; i++) {
		int hit, v;

		s.pos = i;
		v = sim_access(&s, refs[i], &hit);
		if (victims)
			victims[i] = v;
	}
	faults = s.faults;
	sim_destroy(&s);
	return faults;
}

START_TEST(test_belady_counts)
{
	ck_assert_uint_eq(run_string(belady_cases[_i].policy,
				     belady_cases[_i].frames, belady,
				     G_N_ELEMENTS(belady), 1, NULL),
			  belady_cases[_i].faults);
}
END_TEST

/* The loop 1 2 3 4 x 3 over 3 frames: what MRU is for. */
static const int loop4[] = { 1, 2, 3, 4, 1, 2, 3, 4, 1, 2, 3, 4 };

static const struct {
	const char *policy;
	unsigned faults;
} loop_cases[] = {
	{ "lru", 12 }, { "fifo", 12 }, { "mru", 6 }, { "opt", 6 },
};

START_TEST(test_loop_counts)
{
	ck_assert_uint_eq(run_string(loop_cases[_i].policy, 3, loop4,
				     G_N_ELEMENTS(loop4), 1, NULL),
			  loop_cases[_i].faults);
}
END_TEST

/* ------------------------------------------------------------------ */
/* Properties over pseudo-random strings.                              */
/* ------------------------------------------------------------------ */

#define LONG_N 3000

/* A string with some locality over @nr_pages pages, anon and file. */
static void make_string(int *refs, unsigned n, unsigned nr_pages,
			uint64_t seed)
{
	uint64_t st = seed;

	for (unsigned i = 0; i < n; i++) {
		uint64_t r = vm_splitmix64(&st);
		/* three quarters of accesses go to the first quarter */
		unsigned hot = nr_pages / 4;
		unsigned p = (r & 3) ? (unsigned)((r >> 8) % hot)
				     : (unsigned)((r >> 8) % nr_pages);
		refs[i] = p < nr_pages / 2 ? (int)p + 1 : 100 + (int)p;
	}
}

/* OPT never faults more than any other policy. */
START_TEST(test_opt_is_optimal)
{
	static int refs[LONG_N];

	make_string(refs, LONG_N, 40, 7 + (uint64_t)_i);
	for (unsigned k = 4; k <= 24; k += 10) {
		unsigned opt = run_string("opt", k, refs, LONG_N, 1, NULL);
		for (unsigned p = 0; vm_reclaim_policies[p]; p++) {
			const char *name = vm_reclaim_policies[p]->policy.name;
			unsigned f = run_string(name, k, refs, LONG_N, 1, NULL);
			ck_assert_msg(opt <= f, "opt %u > %s %u (%u frames)",
				      opt, name, f, k);
		}
	}
}
END_TEST

/* LRU and OPT are stack algorithms: more frames never fault more. */
START_TEST(test_stack_property)
{
	static int refs[LONG_N];
	const char *policy = _i % 2 ? "opt" : "lru";
	unsigned prev = UINT32_MAX;

	make_string(refs, LONG_N, 32, 100 + (uint64_t)_i);
	for (unsigned k = 1; k <= 33; k += 4) {
		unsigned f = run_string(policy, k, refs, LONG_N, 1, NULL);
		ck_assert_uint_le(f, prev);
		prev = f;
	}
}
END_TEST

/*
 * Every policy keeps its books: the page counts match the resident pages,
 * the drawn lists are well linked (draw() checks), and every victim is a
 * resident page of a wanted type.  Odd iterations have no swap
 * (want_anon FALSE) and only pages 1..4 anonymous: those never leave.
 */
START_TEST(test_bookkeeping)
{
	static int refs[LONG_N];
	const vm_reclaim_ops_t *ops = vm_reclaim_policies[_i / 2];
	gboolean no_swap = _i % 2;
	unsigned frames = 24;
	sim_t s;

	make_string(refs, LONG_N, 48, 55 + (uint64_t)_i);
	if (no_swap)        /* a few anonymous pages only, pinned by no swap */
		for (unsigned i = 0; i < LONG_N; i++)
			if (refs[i] < 100 && refs[i] > 4)
				refs[i] += 100;
	sim_init(&s, ops->policy.name, frames, 60, 3, 12);
	sim_set_refs(&s, refs, LONG_N);
	s.want_anon = !no_swap;
	for (unsigned i = 0; i < LONG_N; i++) {
		uint32_t anon = 0, file = 0;
		int hit;

		s.pos = i;
		sim_access(&s, refs[i], &hit);
		for (uint32_t pfn = 0; pfn < s.fr.nr; pfn++) {
			const vm_frame_t *f = &s.fr.f[pfn];
			if (f->kind == VM_FRAME_FREE)
				continue;
			REQUIRE(f->list != VM_RECLAIM_NONE);
			if (f->kind == VM_FRAME_ANON)
				anon++;
			else
				file++;
		}
		REQUIRE(s.rc->nr[VM_RECLAIM_ANON] == anon);
		REQUIRE(s.rc->nr[VM_RECLAIM_FILE] == file);
		if (strcmp(ops->policy.name, "random") != 0)
			g_free(draw(&s, TRUE));
	}
	ck_assert_uint_eq(s.rc->stats.pgsteal, s.faults - frames);
	ck_assert_uint_ge(s.rc->stats.pgscan, s.rc->stats.pgsteal);
	if (no_swap)        /* pages 1..4 never left once loaded */
		for (int p = 1; p <= 4; p++)
			ck_assert_uint_ne(s.pfn_of[p], VM_NIL);
	sim_destroy(&s);
}
END_TEST

/* ------------------------------------------------------------------ */
/* lru2q: the swappiness balance and no swap.                          */
/* ------------------------------------------------------------------ */

/*
 * Anon pages 1..10 then file pages 101..110, all unreferenced, on 20 frames;
 * victims until none is left.  Per scanned page, anon's share is swappiness
 * / 200, interleaved; ties go to file.  With 60 the cycle is
 * F A F F A F F A F F (3 : 7) and starts over.
 */
static const struct {
	const char *name;
	uint32_t swappiness;
	gboolean want_anon, want_file;
	int victims[21];
} balance_cases[] = {
	{ "swappiness 60", 60, TRUE, TRUE,
	  { 101, 1, 102, 103, 2, 104, 105, 3, 106, 107,
	    108, 4, 109, 110, /* file gone */ 5, 6, 7, 8, 9, 10, NO } },
	{ "swappiness 100", 100, TRUE, TRUE,
	  { 101, 1, 102, 2, 103, 3, 104, 4, 105, 5,
	    106, 6, 107, 7, 108, 8, 109, 9, 110, 10, NO } },
	{ "swappiness 0", 0, TRUE, TRUE,
	  { 101, 102, 103, 104, 105, 106, 107, 108, 109, 110,
	    1, 2, 3, 4, 5, 6, 7, 8, 9, 10, NO } },
	{ "swappiness 200", 200, TRUE, TRUE,
	  { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10,
	    101, 102, 103, 104, 105, 106, 107, 108, 109, 110, NO } },
	{ "no swap", 60, FALSE, TRUE,      /* anon stays, whatever swappiness */
	  { 101, 102, 103, 104, 105, 106, 107, 108, 109, 110,
	    NO, NO, NO, NO, NO, NO, NO, NO, NO, NO, NO } },
	{ "no swap, swappiness 200", 200, FALSE, TRUE,
	  { 101, 102, 103, 104, 105, 106, 107, 108, 109, 110,
	    NO, NO, NO, NO, NO, NO, NO, NO, NO, NO, NO } },
	{ "anon only", 60, TRUE, FALSE,
	  { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10,
	    NO, NO, NO, NO, NO, NO, NO, NO, NO, NO, NO } },
};

START_TEST(test_lru2q_balance)
{
	sim_t s;

	sim_init(&s, "lru2q", 20, balance_cases[_i].swappiness, 1, 12);
	for (int p = 1; p <= 10; p++)
		sim_load(&s, p);
	for (int p = 101; p <= 110; p++)
		sim_load(&s, p);
	for (unsigned i = 0; i < 21; i++) {
		uint32_t v = vm_reclaim_victim(s.rc, balance_cases[_i].want_anon,
					       balance_cases[_i].want_file);
		int page = v == VM_NIL ? NO : sim_evict(&s, v);

		ck_assert_msg(page == balance_cases[_i].victims[i],
			      "%s: victim %u is %d, expected %d",
			      balance_cases[_i].name, i, page,
			      balance_cases[_i].victims[i]);
	}
	/* unreferenced inactive pages: one look each */
	ck_assert_uint_eq(s.rc->stats.pgscan, s.rc->stats.pgsteal);
	sim_destroy(&s);
}
END_TEST

/*
 * 12 pages each accessed through their mapping and marked accessed twice
 * (folio_mark_accessed), so all active and none inactive; the first
 * victim must deactivate.  Below 1 GiB the ratio is 1: deactivate until
 * inactive >= active (6 pages).  With 1 GiB pages the 12 pages are 12 GiB:
 * ratio int_sqrt(120) = 10, so 2 pages (1 * 10 < 11, 2 * 10 >= 10).
 * Deactivation clears the accessed bits; the first page activated is the active
 * tail, so it is deactivated first and is the victim.
 */
static const struct {
	uint32_t page_shift;
	uint64_t deactivated;
	const char *lists;
} ratio_cases[] = {
	{ 12, 6, "ia: 6 5 4 3 2 | aa: 12* 11* 10* 9* 8* 7*" },
	{ 30, 2, "ia: 2 | aa: 12* 11* 10* 9* 8* 7* 6* 5* 4* 3*" },
};

START_TEST(test_lru2q_inactive_ratio)
{
	sim_t s;
	uint32_t v;
	char *lists;

	sim_init(&s, "lru2q", 12, 60, 1, ratio_cases[_i].page_shift);
	/* an access through the mapping (the accessed bit), then marked
	 * accessed twice (folio_mark_accessed: PG_referenced, then active) */
	for (int p = 1; p <= 12; p++) {
		int hit;
		sim_access(&s, p, &hit);
		ck_assert_int_eq(hit, M);
		vm_reclaim_mark_accessed(s.rc, s.pfn_of[p]);
		vm_reclaim_mark_accessed(s.rc, s.pfn_of[p]);
	}
	ck_assert_uint_eq(s.rc->stats.pgactivate, 12);
	v = vm_reclaim_victim(s.rc, TRUE, TRUE);
	ck_assert_int_eq(sim_evict(&s, v), 1);
	ck_assert_uint_eq(s.rc->stats.pgdeactivate, ratio_cases[_i].deactivated);
	ck_assert_uint_eq(s.rc->stats.pgrefill, ratio_cases[_i].deactivated);
	ck_assert_uint_eq(s.rc->stats.pgscan, 1);
	lists = draw(&s, TRUE);
	ck_assert_str_eq(lists, ratio_cases[_i].lists);
	g_free(lists);
	sim_destroy(&s);
}
END_TEST

/* ------------------------------------------------------------------ */
/* mglru: refault feedback through shadows.                            */
/* ------------------------------------------------------------------ */

/*
 * 70 file pages read twice through a file descriptor (refs 2: tier 1) and
 * one read once (171, tier 0), on 200 frames.  All 70 are evicted (their
 * shadows kept: min_seq 0, refs 2) and come back within the same
 * generations, so each refault is recent and counts for tier 1; they are
 * read twice again.  Tier 1 now refaults 70 times in 70 evictions, tier 0
 * never: get_tier_idx compares 70 * (0 + 64) * 2 > (0 + 1) * 70 * 3 and
 * protects tier 1 and up (tier_idx 0).  So after 171 (tier 0) goes, the
 * next victim search passes all 70 tier-1 pages over into min_seq + 1
 * (pgrefill 70, their counts cleared); the empty oldest generation then
 * closes, the averages halve (35 refaults, under MIN_LRU_BATCH = 64), and
 * 101, now tier 0, is the victim.  Without the refault calls the victims
 * are 171 and 101 with nothing passed over.
 */
START_TEST(test_mglru_refault)
{
	gboolean feedback = _i == 0;
	uint64_t shadow[MAX_PAGE] = { 0 };
	uint32_t v;
	sim_t s;

	sim_init(&s, "mglru", 200, 60, 1, 12);
	for (int p = 101; p <= 171; p++) {
		/* read(), not mapped: sim_load would map pages from 150 */
		uint32_t pfn = vm_frames_alloc(&s.fr, VM_FRAME_FILE, 0,
					       (uint64_t)p);
		ck_assert_uint_ne(pfn, VM_NIL);
		vm_reclaim_add(s.rc, pfn);
		s.pfn_of[p] = pfn;
		vm_reclaim_access(s.rc, pfn);
		if (p < 171)
			vm_reclaim_access(s.rc, pfn);
	}
	for (int p = 101; p <= 170; p++) {
		v = vm_reclaim_victim(s.rc, FALSE, TRUE);
		ck_assert_uint_ne(v, VM_NIL);
		shadow[p] = vm_reclaim_shadow(s.rc, v);
		ck_assert_uint_ne(shadow[p], 0);
		ck_assert_int_eq(sim_evict(&s, v), p);
	}
	ck_assert_uint_eq(s.rc->stats.pgrefill, 0);
	for (int p = 101; p <= 170; p++) {
		uint32_t pfn = vm_frames_alloc(&s.fr, VM_FRAME_FILE, 0,
					       (uint64_t)p);
		ck_assert_uint_ne(pfn, VM_NIL);
		if (feedback)
			ck_assert(vm_reclaim_refault(s.rc, pfn, shadow[p]));
		vm_reclaim_add(s.rc, pfn);
		s.pfn_of[p] = pfn;
		vm_reclaim_access(s.rc, pfn);
		vm_reclaim_access(s.rc, pfn);
	}
	ck_assert_uint_eq(s.rc->stats.refault, feedback ? 70 : 0);
	ck_assert_uint_eq(s.rc->stats.refault_recent, feedback ? 70 : 0);
	v = vm_reclaim_victim(s.rc, FALSE, TRUE);
	ck_assert_int_eq(sim_evict(&s, v), 171);
	v = vm_reclaim_victim(s.rc, FALSE, TRUE);
	ck_assert_int_eq(sim_evict(&s, v), 101);
	ck_assert_uint_eq(s.rc->stats.pgrefill, feedback ? 70 : 0);
	sim_destroy(&s);
}
END_TEST

/* Policies without shadows: no shadow, and a refault changes nothing. */
START_TEST(test_no_shadow)
{
	sim_t s;
	uint32_t pfn, v;

	sim_init(&s, "lru", 2, 60, 1, 12);
	sim_load(&s, 101);
	v = vm_reclaim_victim(s.rc, FALSE, TRUE);
	ck_assert_uint_eq(vm_reclaim_shadow(s.rc, v), 0);
	sim_evict(&s, v);
	pfn = vm_frames_alloc(&s.fr, VM_FRAME_FILE, 0, 101);
	ck_assert(!vm_reclaim_refault(s.rc, pfn, 12345));
	ck_assert_uint_eq(s.rc->stats.refault, 0);
	vm_reclaim_add(s.rc, pfn);
	sim_destroy(&s);
}
END_TEST

/* Bring page @page back into a new frame with @shadow, swap having
 * @swap_free slots: the refault, then the add (workingset_refault runs
 * before folio_add_lru). */
static uint32_t refault(sim_t *s, int page, uint64_t shadow, uint64_t swap_free,
			gboolean *activated)
{
	uint32_t pfn = vm_frames_alloc(&s->fr, page >= 100 ? VM_FRAME_FILE
							   : VM_FRAME_ANON,
				       0, (uint64_t)page);
	ck_assert_uint_ne(pfn, VM_NIL);
	s->rc->swap_free = swap_free;
	s->rc->ws_activated = FALSE;
	vm_reclaim_refault(s->rc, pfn, shadow);
	*activated = s->rc->ws_activated;
	vm_reclaim_add(s->rc, pfn);
	s->pfn_of[page] = pfn;
	return pfn;
}

/*
 * lru2q's workingset detection (mm/workingset.c), worked out by hand.  The
 * age counts evictions and activations; a shadow holds the age at the
 * eviction, + 1; the refault distance is the age now less the age then.
 *
 *   101 102 read twice (folio_mark_accessed): active file 2, age 2 (two
 *   activations)
 *   103..110 read once: inactive file 8, PG_referenced, not young
 *   6 victims: 103..108 go at once (PG_referenced without a young PTE:
 *   FOLIOREF_RECLAIM_CLEAN), at ages 2..7 (shadows 3..8); age 8; inactive
 *   109 110, active 2
 *   103 back: distance 8 - 2 = 6 > workingset 2 (active file; no swap):
 *     inactive; age 8
 *   108 back: distance 8 - 7 = 1 <= 2: active; age 9 (an activation)
 *   anonymous 1 marked accessed twice (age 10), 2 accessed once through
 *   its mapping: active anon 1, inactive 1
 *   file 111, evicted at age 2, back with swap free: distance 10 - 2 = 8 >
 *     active file 3 + active anon 1 + inactive anon 1 = 5: inactive
 *   anonymous 3, evicted at age 4, no swap: distance 10 - 4 = 6 <= active
 *     file 3 + inactive file 4 (103 109 110 111) = 7: active; age 11
 *   anonymous 4, evicted at age 3, swap free: distance 11 - 3 = 8 <= 7 +
 *     active anon 2 (1 and 3) = 9: active; age 12
 */
START_TEST(test_lru2q_workingset)
{
	sim_t s;
	uint64_t shadow[MAX_PAGE] = { 0 };
	gboolean act;

	sim_init(&s, "lru2q", 32, 60, 1, 12);
	for (int p = 101; p <= 102; p++) {
		uint32_t pfn = sim_load(&s, p);
		vm_reclaim_mark_accessed(s.rc, pfn);
		vm_reclaim_mark_accessed(s.rc, pfn);
	}
	for (int p = 103; p <= 110; p++)
		vm_reclaim_mark_accessed(s.rc, sim_load(&s, p));
	for (int k = 0; k < 6; k++) {
		uint32_t v = vm_reclaim_victim(s.rc, FALSE, TRUE);
		ck_assert_uint_ne(v, VM_NIL);
		uint64_t sh = vm_reclaim_shadow(s.rc, v);
		int page = sim_evict(&s, v);
		ck_assert_int_eq(page, 103 + k);
		ck_assert_uint_eq(sh, 3 + (uint64_t)k);
		shadow[page] = sh;
	}
	/* far: inactive */
	uint32_t pfn = refault(&s, 103, shadow[103], 0, &act);
	ck_assert(!act);
	ck_assert(s.rc->ws_measured);
	ck_assert_uint_eq(s.rc->ws_distance, 6);
	ck_assert_uint_eq(s.rc->ws_size, 2);
	ck_assert(!(s.fr.f[pfn].flags & VM_FRAME_ACTIVE));
	/* near: active at once */
	pfn = refault(&s, 108, shadow[108], 0, &act);
	ck_assert(act);
	ck_assert_uint_eq(s.rc->ws_distance, 1);
	ck_assert_uint_eq(s.rc->ws_size, 2);
	ck_assert(s.fr.f[pfn].flags & VM_FRAME_ACTIVE);
	ck_assert_uint_eq(s.rc->stats.refault, 2);
	ck_assert_uint_eq(s.rc->stats.refault_recent, 1);
	/* anonymous pages: 1 active, 2 inactive */
	pfn = sim_load(&s, 1);
	vm_reclaim_access(s.rc, pfn);
	vm_reclaim_mark_accessed(s.rc, pfn);
	vm_reclaim_mark_accessed(s.rc, pfn);
	vm_reclaim_access(s.rc, sim_load(&s, 2));
	/* a file page, swap free: active file 3 + active anon 1 + inactive
	 * anon 1 = 5 < distance 10 - 2 = 8 */
	refault(&s, 111, 3, 1, &act);
	ck_assert(!act);
	ck_assert_uint_eq(s.rc->ws_distance, 8);
	ck_assert_uint_eq(s.rc->ws_size, 5);
	/* an anonymous page, no swap: active file 3 + inactive file 4 (103
	 * 109 110 111) = 7 >= distance 10 - 4 = 6 */
	refault(&s, 3, 5, 0, &act);
	ck_assert(act);
	ck_assert_uint_eq(s.rc->ws_distance, 6);
	ck_assert_uint_eq(s.rc->ws_size, 7);
	/* an anonymous page, swap free: 7 + active anon 2 (1 and 3) = 9 >=
	 * distance 11 - 3 = 8 */
	refault(&s, 4, 4, 1, &act);
	ck_assert(act);
	ck_assert_uint_eq(s.rc->ws_distance, 8);
	ck_assert_uint_eq(s.rc->ws_size, 9);
	sim_destroy(&s);
}
END_TEST

/* ------------------------------------------------------------------ */
/* Every policy: wants, removal, putback, isolation.                   */
/* ------------------------------------------------------------------ */

/* Policies in the registry: the loops below cover every one. */
static unsigned nr_policies(void)
{
	unsigned n = 0;

	while (vm_reclaim_policies[n])
		n++;
	return n;
}

/*
 * The order in which a policy gives up pages loaded and never accessed:
 * the oldest first, the newest first, or one the tests cannot predict
 * (random, and a policy not listed here yet: then only "each page once"
 * is checked).
 */
enum { ANY_ORDER, OLDEST_FIRST, NEWEST_FIRST };

static int drain_order(const char *policy)
{
	static const char *const oldest[] = {
		"lru2q", "lru", "fifo", "clock", "opt", "mglru"
	};

	if (strcmp(policy, "mru") == 0)
		return NEWEST_FIRST;
	for (unsigned i = 0; i < G_N_ELEMENTS(oldest); i++)
		if (strcmp(policy, oldest[i]) == 0)
			return OLDEST_FIRST;
	return ANY_ORDER;
}

/*
 * Anon 1 2 3 and file 101 102 103, interleaved and referenced, on 6 frames:
 * with want_anon FALSE only the file pages come out, then nothing; with
 * want_file FALSE only anonymous ones.
 */
START_TEST(test_want_types)
{
	static const int pages[] = { 1, 101, 2, 102, 3, 103 };
	sim_t s;
	int hit;

	sim_init(&s, vm_reclaim_policies[_i]->policy.name, 6, 60, 1, 12);
	sim_set_refs(&s, pages, 6);
	for (s.pos = 0; s.pos < 6; s.pos++)
		sim_access(&s, pages[s.pos], &hit);
	for (unsigned i = 0; i < 3; i++) {
		uint32_t v = vm_reclaim_victim(s.rc, FALSE, TRUE);
		ck_assert_uint_ne(v, VM_NIL);
		ck_assert_uint_eq(s.fr.f[v].kind, VM_FRAME_FILE);
		sim_evict(&s, v);
	}
	ck_assert_uint_eq(vm_reclaim_victim(s.rc, FALSE, TRUE), VM_NIL);
	ck_assert_uint_eq(vm_reclaim_victim(s.rc, FALSE, FALSE), VM_NIL);
	ck_assert_uint_eq(s.rc->nr[VM_RECLAIM_ANON], 3);
	for (unsigned i = 0; i < 3; i++) {
		uint32_t v = vm_reclaim_victim(s.rc, TRUE, FALSE);
		ck_assert_uint_ne(v, VM_NIL);
		ck_assert_uint_eq(s.fr.f[v].kind, VM_FRAME_ANON);
		sim_evict(&s, v);
	}
	ck_assert_uint_eq(vm_reclaim_victim(s.rc, TRUE, TRUE), VM_NIL);
	ck_assert_uint_eq(vm_reclaim_nr(s.rc), 0);
	ck_assert_uint_eq(s.rc->stats.pgsteal, 6);
	sim_destroy(&s);
}
END_TEST

/* Drain every page: the victims in order into @out; returns how many. */
static unsigned drain(sim_t *s, int *out)
{
	unsigned n = 0;
	uint32_t v;

	while ((v = vm_reclaim_victim(s->rc, TRUE, TRUE)) != VM_NIL)
		out[n++] = sim_evict(s, v);
	return n;
}

/*
 * Pages 1..5 loaded and never accessed (no bits, nothing active), then one
 * removed: the tail (1), the middle (3) or the head (5).  The others then
 * come out in the policy's drain_order(): oldest first for most, newest
 * first for mru, each once for random.
 *
 *   before: anon: 5 4 3 2 1   remove 3 ─► anon: 5 4 2 1   victims 1 2 4 5
 *                                                          (mru: 5 4 2 1)
 */
static const int remove_pages[] = { 1, 3, 5 };

START_TEST(test_remove)
{
	const vm_reclaim_ops_t *ops = vm_reclaim_policies[_i / 3];
	int gone = remove_pages[_i % 3];
	int order = drain_order(ops->policy.name);
	gboolean ordered = order != ANY_ORDER;
	int out[8], seen = 0;
	uint32_t pfn;
	sim_t s;

	sim_init(&s, ops->policy.name, 5, 60, 1, 12);
	sim_set_refs(&s, out, 0);  /* no future: opt sees every page unused */
	for (int p = 1; p <= 5; p++)
		sim_load(&s, p);
	pfn = s.pfn_of[gone];
	ck_assert(vm_reclaim_remove(s.rc, pfn));
	ck_assert_uint_eq(s.fr.f[pfn].list, VM_RECLAIM_NONE);
	ck_assert(!vm_reclaim_remove(s.rc, pfn));   /* already off */
	ck_assert_uint_eq(vm_reclaim_nr(s.rc), 4);
	if (ordered) {
		char *lists = draw(&s, FALSE);
		/* mglru: anonymous pages are born in max_seq - 1 = 2 */
		GString *want = g_string_new(strcmp(ops->policy.name, "lru2q") == 0
					     ? "ia:"
					     : strcmp(ops->policy.name, "mglru") == 0
					     ? "a2:" : "anon:");
		for (int p = 5; p >= 1; p--)
			if (p != gone)
				g_string_append_printf(want, " %d", p);
		ck_assert_str_eq(lists, want->str);
		g_string_free(want, TRUE);
		g_free(lists);
	}
	ck_assert_uint_eq(drain(&s, out), 4);
	for (int i = 0, p = 1; i < 4; i++, p++) {
		if (p == gone)
			p++;
		if (order == OLDEST_FIRST)
			ck_assert_int_eq(out[i], p);
		else if (order == NEWEST_FIRST)
			ck_assert_int_eq(out[3 - i], p);
		ck_assert_int_ne(out[i], gone);
		seen |= 1 << out[i];
	}
	ck_assert_int_eq(seen, 0x3e & ~(1 << gone));
	s.fr.f[pfn].mapcount = 0;
	vm_frames_free(&s.fr, pfn);
	sim_destroy(&s);
}
END_TEST

/*
 * Pages 1..4, never accessed; the first victim (1, or random's pick) cannot
 * be evicted and is put back: it rejoins as the newest page, so the drain
 * takes it last (2 3 4 1), and pgsteal counts only the pages really taken.
 * mru's first victim is 4, which goes back to the tail, where mru looks
 * last: 3 2 1 4.
 */
START_TEST(test_putback)
{
	const vm_reclaim_ops_t *ops = vm_reclaim_policies[_i];
	int order = drain_order(ops->policy.name);
	int out[8], seen = 0;
	uint32_t v;
	sim_t s;

	sim_init(&s, ops->policy.name, 4, 60, 1, 12);
	sim_set_refs(&s, out, 0);
	for (int p = 1; p <= 4; p++)
		sim_load(&s, p);
	v = vm_reclaim_victim(s.rc, TRUE, TRUE);
	ck_assert_uint_ne(v, VM_NIL);
	if (order != ANY_ORDER)
		ck_assert_uint_eq(s.fr.f[v].index, order == OLDEST_FIRST ? 1 : 4);
	ck_assert_uint_eq(vm_reclaim_nr(s.rc), 3);
	ck_assert_uint_eq(s.rc->stats.pgsteal, 1);
	vm_reclaim_putback(s.rc, v);
	ck_assert_uint_ne(s.fr.f[v].list, VM_RECLAIM_NONE);
	ck_assert_uint_eq(vm_reclaim_nr(s.rc), 4);
	ck_assert_uint_eq(s.rc->stats.pgsteal, 0);
	ck_assert_uint_eq(s.rc->stats.putback, 1);
	ck_assert_uint_eq(drain(&s, out), 4);
	for (int i = 0; i < 4; i++) {
		if (order == OLDEST_FIRST)
			ck_assert_int_eq(out[i], i < 3 ? i + 2 : 1);
		else if (order == NEWEST_FIRST)
			ck_assert_int_eq(out[i], i < 3 ? 3 - i : 4);
		seen |= 1 << out[i];
	}
	ck_assert_int_eq(seen, 0x1e);
	ck_assert_uint_eq(s.rc->stats.pgsteal, 4);
	sim_destroy(&s);
}
END_TEST

/*
 * A victim is off the lists: touching it sets only its bit, removing it is a
 * no-op, and neither counts it back in.  The zero page is ignored.
 */
START_TEST(test_isolated_access)
{
	sim_t s;
	uint32_t v;

	sim_init(&s, vm_reclaim_policies[_i]->policy.name, 3, 60, 1, 12);
	sim_set_refs(&s, (const int[]){ 0 }, 0);
	for (int p = 1; p <= 3; p++)
		sim_load(&s, p);
	v = vm_reclaim_victim(s.rc, TRUE, TRUE);
	ck_assert_uint_ne(v, VM_NIL);
	ck_assert_uint_eq(s.fr.f[v].flags & VM_FRAME_REFERENCED, 0);
	vm_reclaim_access(s.rc, v);
	ck_assert_uint_ne(s.fr.f[v].flags & VM_FRAME_REFERENCED, 0);
	ck_assert_uint_eq(s.fr.f[v].flags & VM_FRAME_ACTIVE, 0);
	ck_assert_uint_eq(s.fr.f[v].list, VM_RECLAIM_NONE);
	ck_assert(!vm_reclaim_remove(s.rc, v));
	ck_assert_uint_eq(vm_reclaim_nr(s.rc), 2);
	vm_reclaim_access(s.rc, VM_PFN_ZERO);
	sim_evict(&s, v);
	sim_destroy(&s);
}
END_TEST

/* ------------------------------------------------------------------ */
/* random: determinism.                                                */
/* ------------------------------------------------------------------ */

/*
 * splitmix64 from seed 1 draws 0x910a2dec89025cc1, 0xbeeb8da1658eec67,
 * 0xf893a2eefb32555e, 0x71c18690ee42c90b, ... (as in test-tlb.c), that is
 * 2, 1, 0, 2 modulo 3.  With 3 frames on 1 2 3 4 5 6 7 the anon slots go:
 *   [1 2 3]  draw 2 -> 3 (the last slot);       4 appended: [1 2 4]
 *   draw 1 -> 2; 4 moves into slot 1: [1 4];    5 appended: [1 4 5]
 *   draw 0 -> 1; 5 moves into slot 0: [5 4];    6 appended: [5 4 6]
 *   draw 2 -> 6 (the last slot);                7 appended: [5 4 7]
 */
START_TEST(test_random_seed1)
{
	static const int refs[] = { 1, 2, 3, 4, 5, 6, 7 };
	static const int want[] = { NO, NO, NO, 3, 2, 1, 6 };
	int got[G_N_ELEMENTS(refs)];

	run_string("random", 3, refs, G_N_ELEMENTS(refs), 1, got);
	for (unsigned i = 0; i < G_N_ELEMENTS(refs); i++)
		ck_assert_int_eq(got[i], want[i]);
}
END_TEST

/* The same seed gives the same victims; another seed other victims. */
START_TEST(test_random_determinism)
{
	static int refs[LONG_N];
	static int a[LONG_N], b[LONG_N], c[LONG_N];
	uint64_t seed = 1 + (uint64_t)_i * 1000;
	unsigned fa, fb, fc;

	make_string(refs, LONG_N, 40, 9);
	fa = run_string("random", 16, refs, LONG_N, seed, a);
	fb = run_string("random", 16, refs, LONG_N, seed, b);
	fc = run_string("random", 16, refs, LONG_N, seed + 1, c);
	ck_assert_uint_eq(fa, fb);
	ck_assert_int_eq(memcmp(a, b, sizeof(a)), 0);
	ck_assert_int_ne(memcmp(a, c, sizeof(a)), 0);
	(void)fc;
}
END_TEST

/* ------------------------------------------------------------------ */
/* Construction and the registry.                                      */
/* ------------------------------------------------------------------ */

START_TEST(test_new)
{
	vm_frames_t fr;
	vm_reclaim_t *rc;
	GLogFunc old;

	ck_assert(vm_frames_init(&fr, 4));
	vt_nr_criticals = 0;
	old = g_log_set_default_handler(vt_count_criticals, NULL);
	/* opt without an oracle, no ops: programmer errors */
	ck_assert_ptr_null(vm_reclaim_new(&fr, &vm_reclaim_policy_opt, NULL));
	ck_assert_ptr_null(vm_reclaim_new(&fr, NULL, NULL));
	ck_assert_uint_eq(vt_nr_criticals, 2);
	g_log_set_default_handler(old, NULL);

	/* defaults; swappiness above 200 is clamped */
	rc = vm_reclaim_new(&fr, &vm_reclaim_policy_lru2q, NULL);
	ck_assert_uint_eq(rc->params.swappiness, 60);
	ck_assert_uint_eq(rc->params.seed, 1);
	vm_reclaim_free(rc);
	rc = vm_reclaim_new(&fr, &vm_reclaim_policy_lru2q,
			    &(vm_reclaim_params_t){ .swappiness = 500 });
	ck_assert_uint_eq(rc->params.swappiness, 200);
	ck_assert_uint_eq(rc->params.page_shift, 12);
	ck_assert_uint_eq(vm_reclaim_nr(rc), 0);
	ck_assert_uint_eq(vm_reclaim_victim(rc, TRUE, TRUE), VM_NIL);
	vm_reclaim_free(rc);
	vm_reclaim_free(NULL);
	vm_frames_destroy(&fr);
}
END_TEST

static const struct {
	const char *name;
	const vm_reclaim_ops_t *ops;
} find_cases[] = {
	{ "lru2q", &vm_reclaim_policy_lru2q },
	{ "lru", &vm_reclaim_policy_lru },
	{ "fifo", &vm_reclaim_policy_fifo },
	{ "clock", &vm_reclaim_policy_clock },
	{ "random", &vm_reclaim_policy_random },
	{ "opt", &vm_reclaim_policy_opt },
	{ "mglru", &vm_reclaim_policy_mglru },
	{ "LRU", NULL },
	{ "", NULL },
	{ "belady", NULL },
};

START_TEST(test_policy_find)
{
	const vm_reclaim_ops_t *ops = vm_reclaim_policy_find(find_cases[_i].name);

	ck_assert_ptr_eq(ops, find_cases[_i].ops);
	if (ops) {
		ck_assert_str_eq(ops->policy.name, find_cases[_i].name);
		ck_assert_ptr_nonnull(ops->add);
		ck_assert_ptr_nonnull(ops->remove);
		ck_assert_ptr_nonnull(ops->victim);
	}
}
END_TEST

START_TEST(test_registry)
{
	unsigned n = 0;

	while (vm_reclaim_policies[n])
		n++;
	ck_assert_uint_eq(n, nr_policies());
	ck_assert_uint_ge(n, 8);
	ck_assert_ptr_eq(vm_reclaim_policies[0], &vm_reclaim_policy_lru2q);
	/* a policy the header does not declare is found all the same */
	ck_assert_ptr_nonnull(vm_reclaim_policy_find("mru"));
	ck_assert_str_eq(vm_reclaim_policy_find("mru")->policy.name, "mru");
}
END_TEST

static Suite *reclaim_suite(void)
{
	Suite *s = suite_create("reclaim");
	TCase *tc;

	tc = tcase_create("replacement");
	tcase_add_loop_test(tc, test_steps, 0, G_N_ELEMENTS(scenarios));
	tcase_add_loop_test(tc, test_belady_counts, 0,
			    G_N_ELEMENTS(belady_cases));
	tcase_add_loop_test(tc, test_loop_counts, 0, G_N_ELEMENTS(loop_cases));
	suite_add_tcase(s, tc);

	tc = tcase_create("properties");
	tcase_set_timeout(tc, 60);
	tcase_add_loop_test(tc, test_opt_is_optimal, 0, 3);
	tcase_add_loop_test(tc, test_stack_property, 0, 4);
	tcase_add_loop_test(tc, test_bookkeeping, 0, 2 * nr_policies());
	suite_add_tcase(s, tc);

	tc = tcase_create("lru2q");
	tcase_add_loop_test(tc, test_lru2q_balance, 0,
			    G_N_ELEMENTS(balance_cases));
	tcase_add_test(tc, test_lru2q_workingset);
	tcase_add_loop_test(tc, test_lru2q_inactive_ratio, 0,
			    G_N_ELEMENTS(ratio_cases));
	suite_add_tcase(s, tc);

	tc = tcase_create("mglru");
	tcase_add_loop_test(tc, test_mglru_refault, 0, 2);
	tcase_add_test(tc, test_no_shadow);
	suite_add_tcase(s, tc);

	tc = tcase_create("lists");
	tcase_add_loop_test(tc, test_want_types, 0, nr_policies());
	tcase_add_loop_test(tc, test_remove, 0,
			    nr_policies() * G_N_ELEMENTS(remove_pages));
	tcase_add_loop_test(tc, test_putback, 0, nr_policies());
	tcase_add_loop_test(tc, test_isolated_access, 0, nr_policies());
	suite_add_tcase(s, tc);

	tc = tcase_create("random");
	tcase_add_test(tc, test_random_seed1);
	tcase_add_loop_test(tc, test_random_determinism, 0, 3);
	suite_add_tcase(s, tc);

	tc = tcase_create("registry");
	tcase_add_test(tc, test_new);
	tcase_add_loop_test(tc, test_policy_find, 0, G_N_ELEMENTS(find_cases));
	tcase_add_test(tc, test_registry);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return vt_run_suite(reclaim_suite());
}
