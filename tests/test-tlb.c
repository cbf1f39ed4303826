/*
 * Tests of the TLB core (models/tlb.c) and its replacement policies
 * (models/tlb-{lru,fifo,random}.c).  The policy tests replay a vpn sequence
 * over a small TLB and check, after every access, hit or miss, the victim,
 * and the whole array, drawn in a comment per step as drcachesim's policy
 * tests do:
 *
 *   after 5: [1 5 3 4] evicted 2; LRU..MRU 3 4 1 5
 *             ^ way 0 ... way 3        ^ recency (or FIFO queue) order
 *
 * Set-associative arrays are drawn set by set, "[0 8 | . . | ...]", with "."
 * for an invalid way.  An access is a lookup and, on a miss, a fill, as the
 * engine does.  The random policy's expected victims follow from splitmix64
 * seeded with 1: the first draws are 0x910a2dec89025cc1, 0xbeeb8da1658eec67,
 * 0xf893a2eefb32555e, 0x71c18690ee42c90b, 0x71bb54d8d101b5b9,
 * 0xc34d0bff90150280, that is ways 1 3 2 3 1 0 of 4, or 1 1 0 1 1 0 of 2.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "models/tlb.h"
#include "models/types.h"   /* vm_splitmix64 */
#include "traces/record.h"
#include "tests/testlib.h"

#define NO UINT64_MAX      /* an invalid way in a state, or no victim */
#define HIT 1
#define MISS 0
#define PFN(vpn) ((vpn) + 1000)
#define MAX_ENTRIES 8

typedef struct {
	uint64_t vpn;
	int hit;                       /* HIT or MISS */
	uint64_t victim;               /* vpn evicted by the fill, or NO */
	uint64_t state[MAX_ENTRIES];   /* vpn of each way afterwards, set-major */
} step_t;

/* One access as the engine makes it: lookup, then fill on a miss. */
static gboolean touch(vm_tlb_t *t, uint64_t vpn, uint32_t asid,
		      uint64_t *victim)
{
	vm_tlb_entry_t ev;

	*victim = NO;
	if (vm_tlb_lookup(t, vpn, asid))
		return TRUE;
	if (vm_tlb_fill(t, vpn, asid, PFN(vpn), VM_PROT_R, &ev)) {
		ck_assert_uint_eq(ev.valid, 1);
		*victim = ev.vpn;
	}
	return FALSE;
}

/* ------------------------------------------------------------------ */
/* Replacement, step by step.                                          */
/* Geometries: fa4 = 4 entries fully associative; sa8 = 8 entries     */
/* 2-way (4 sets, set = vpn & 3); sa6 = 6 entries 2-way (3 sets, set = */
/* vpn % 3, the modulo path).                                          */
/* ------------------------------------------------------------------ */

static const step_t lru_fa4[] = {
	{  1, MISS, NO, { 1, NO, NO, NO } },
		/* after 1: [1 . . .]; LRU..MRU 1 */
	{  2, MISS, NO, { 1, 2, NO, NO } },
		/* after 2: [1 2 . .]; LRU..MRU 1 2 */
	{  3, MISS, NO, { 1, 2, 3, NO } },
		/* after 3: [1 2 3 .]; LRU..MRU 1 2 3 */
	{  4, MISS, NO, { 1, 2, 3, 4 } },
		/* after 4: [1 2 3 4]; LRU..MRU 1 2 3 4 */
	{  1, HIT , NO, { 1, 2, 3, 4 } },
		/* after 1: [1 2 3 4] hit; LRU..MRU 2 3 4 1 */
	{  5, MISS,  2, { 1, 5, 3, 4 } },
		/* after 5: [1 5 3 4] evicted 2; LRU..MRU 3 4 1 5 */
	{  2, MISS,  3, { 1, 5, 2, 4 } },
		/* after 2: [1 5 2 4] evicted 3; LRU..MRU 4 1 5 2 */
	{  3, MISS,  4, { 1, 5, 2, 3 } },
		/* after 3: [1 5 2 3] evicted 4; LRU..MRU 1 5 2 3 */
	{  4, MISS,  1, { 4, 5, 2, 3 } },
		/* after 4: [4 5 2 3] evicted 1; LRU..MRU 5 2 3 4 */
	{  5, HIT , NO, { 4, 5, 2, 3 } },
		/* after 5: [4 5 2 3] hit; LRU..MRU 2 3 4 5 */
	{  1, MISS,  2, { 4, 5, 1, 3 } },
		/* after 1: [4 5 1 3] evicted 2; LRU..MRU 3 4 5 1 */
	{  6, MISS,  3, { 4, 5, 1, 6 } },
		/* after 6: [4 5 1 6] evicted 3; LRU..MRU 4 5 1 6 */
};

static const step_t lru_sa8[] = {
	{  0, MISS, NO, { 0, NO, NO, NO, NO, NO, NO, NO } },
		/* after 0: [0 . | . . | . . | . .]; set 0 LRU..MRU 0 */
	{  4, MISS, NO, { 0, 4, NO, NO, NO, NO, NO, NO } },
		/* after 4: [0 4 | . . | . . | . .]; set 0 LRU..MRU 0 4 */
	{  0, HIT , NO, { 0, 4, NO, NO, NO, NO, NO, NO } },
		/* after 0: [0 4 | . . | . . | . .] hit; set 0 LRU..MRU 4 0 */
	{  8, MISS,  4, { 0, 8, NO, NO, NO, NO, NO, NO } },
		/* after 8: [0 8 | . . | . . | . .] evicted 4; set 0 LRU..MRU 0 8 */
	{  4, MISS,  0, { 4, 8, NO, NO, NO, NO, NO, NO } },
		/* after 4: [4 8 | . . | . . | . .] evicted 0; set 0 LRU..MRU 8 4 */
	{ 12, MISS,  8, { 4, 12, NO, NO, NO, NO, NO, NO } },
		/* after 12: [4 12 | . . | . . | . .] evicted 8; set 0 LRU..MRU 4 12 */
	{  1, MISS, NO, { 4, 12, 1, NO, NO, NO, NO, NO } },
		/* after 1: [4 12 | 1 . | . . | . .]; set 1 LRU..MRU 1 */
	{  5, MISS, NO, { 4, 12, 1, 5, NO, NO, NO, NO } },
		/* after 5: [4 12 | 1 5 | . . | . .]; set 1 LRU..MRU 1 5 */
	{  9, MISS,  1, { 4, 12, 9, 5, NO, NO, NO, NO } },
		/* after 9: [4 12 | 9 5 | . . | . .] evicted 1; set 1 LRU..MRU 5 9 */
	{  1, MISS,  5, { 4, 12, 9, 1, NO, NO, NO, NO } },
		/* after 1: [4 12 | 9 1 | . . | . .] evicted 5; set 1 LRU..MRU 9 1 */
	{ 13, MISS,  9, { 4, 12, 13, 1, NO, NO, NO, NO } },
		/* after 13: [4 12 | 13 1 | . . | . .] evicted 9; set 1 LRU..MRU 1 13 */
	{  5, MISS,  1, { 4, 12, 13, 5, NO, NO, NO, NO } },
		/* after 5: [4 12 | 13 5 | . . | . .] evicted 1; set 1 LRU..MRU 13 5 */
};

static const step_t lru_sa6[] = {
	{  0, MISS, NO, { 0, NO, NO, NO, NO, NO } },
		/* after 0: [0 . | . . | . .]; set 0 LRU..MRU 0 */
	{  3, MISS, NO, { 0, 3, NO, NO, NO, NO } },
		/* after 3: [0 3 | . . | . .]; set 0 LRU..MRU 0 3 */
	{  0, HIT , NO, { 0, 3, NO, NO, NO, NO } },
		/* after 0: [0 3 | . . | . .] hit; set 0 LRU..MRU 3 0 */
	{  6, MISS,  3, { 0, 6, NO, NO, NO, NO } },
		/* after 6: [0 6 | . . | . .] evicted 3; set 0 LRU..MRU 0 6 */
	{  3, MISS,  0, { 3, 6, NO, NO, NO, NO } },
		/* after 3: [3 6 | . . | . .] evicted 0; set 0 LRU..MRU 6 3 */
	{  9, MISS,  6, { 3, 9, NO, NO, NO, NO } },
		/* after 9: [3 9 | . . | . .] evicted 6; set 0 LRU..MRU 3 9 */
	{  1, MISS, NO, { 3, 9, 1, NO, NO, NO } },
		/* after 1: [3 9 | 1 . | . .]; set 1 LRU..MRU 1 */
	{  4, MISS, NO, { 3, 9, 1, 4, NO, NO } },
		/* after 4: [3 9 | 1 4 | . .]; set 1 LRU..MRU 1 4 */
	{  1, HIT , NO, { 3, 9, 1, 4, NO, NO } },
		/* after 1: [3 9 | 1 4 | . .] hit; set 1 LRU..MRU 4 1 */
	{  7, MISS,  4, { 3, 9, 1, 7, NO, NO } },
		/* after 7: [3 9 | 1 7 | . .] evicted 4; set 1 LRU..MRU 1 7 */
	{  5, MISS, NO, { 3, 9, 1, 7, 5, NO } },
		/* after 5: [3 9 | 1 7 | 5 .]; set 2 LRU..MRU 5 */
	{  2, MISS, NO, { 3, 9, 1, 7, 5, 2 } },
		/* after 2: [3 9 | 1 7 | 5 2]; set 2 LRU..MRU 5 2 */
	{  5, HIT , NO, { 3, 9, 1, 7, 5, 2 } },
		/* after 5: [3 9 | 1 7 | 5 2] hit; set 2 LRU..MRU 2 5 */
	{  8, MISS,  2, { 3, 9, 1, 7, 5, 8 } },
		/* after 8: [3 9 | 1 7 | 5 8] evicted 2; set 2 LRU..MRU 5 8 */
};

static const step_t fifo_fa4[] = {
	{  1, MISS, NO, { 1, NO, NO, NO } },
		/* after 1: [1 . . .]; queue 1 */
	{  2, MISS, NO, { 1, 2, NO, NO } },
		/* after 2: [1 2 . .]; queue 1 2 */
	{  3, MISS, NO, { 1, 2, 3, NO } },
		/* after 3: [1 2 3 .]; queue 1 2 3 */
	{  4, MISS, NO, { 1, 2, 3, 4 } },
		/* after 4: [1 2 3 4]; queue 1 2 3 4 */
	{  1, HIT , NO, { 1, 2, 3, 4 } },
		/* after 1: [1 2 3 4] hit; queue 1 2 3 4 */
	{  5, MISS,  1, { 5, 2, 3, 4 } },
		/* after 5: [5 2 3 4] evicted 1; queue 2 3 4 5 */
	{  2, HIT , NO, { 5, 2, 3, 4 } },
		/* after 2: [5 2 3 4] hit; queue 2 3 4 5 */
	{  3, HIT , NO, { 5, 2, 3, 4 } },
		/* after 3: [5 2 3 4] hit; queue 2 3 4 5 */
	{  4, HIT , NO, { 5, 2, 3, 4 } },
		/* after 4: [5 2 3 4] hit; queue 2 3 4 5 */
	{  5, HIT , NO, { 5, 2, 3, 4 } },
		/* after 5: [5 2 3 4] hit; queue 2 3 4 5 */
	{  1, MISS,  2, { 5, 1, 3, 4 } },
		/* after 1: [5 1 3 4] evicted 2; queue 3 4 5 1 */
	{  6, MISS,  3, { 5, 1, 6, 4 } },
		/* after 6: [5 1 6 4] evicted 3; queue 4 5 1 6 */
};

static const step_t fifo_sa8[] = {
	{  0, MISS, NO, { 0, NO, NO, NO, NO, NO, NO, NO } },
		/* after 0: [0 . | . . | . . | . .]; set 0 queue 0 */
	{  4, MISS, NO, { 0, 4, NO, NO, NO, NO, NO, NO } },
		/* after 4: [0 4 | . . | . . | . .]; set 0 queue 0 4 */
	{  0, HIT , NO, { 0, 4, NO, NO, NO, NO, NO, NO } },
		/* after 0: [0 4 | . . | . . | . .] hit; set 0 queue 0 4 */
	{  8, MISS,  0, { 8, 4, NO, NO, NO, NO, NO, NO } },
		/* after 8: [8 4 | . . | . . | . .] evicted 0; set 0 queue 4 8 */
	{  4, HIT , NO, { 8, 4, NO, NO, NO, NO, NO, NO } },
		/* after 4: [8 4 | . . | . . | . .] hit; set 0 queue 4 8 */
	{ 12, MISS,  4, { 8, 12, NO, NO, NO, NO, NO, NO } },
		/* after 12: [8 12 | . . | . . | . .] evicted 4; set 0 queue 8 12 */
	{  1, MISS, NO, { 8, 12, 1, NO, NO, NO, NO, NO } },
		/* after 1: [8 12 | 1 . | . . | . .]; set 1 queue 1 */
	{  5, MISS, NO, { 8, 12, 1, 5, NO, NO, NO, NO } },
		/* after 5: [8 12 | 1 5 | . . | . .]; set 1 queue 1 5 */
	{  9, MISS,  1, { 8, 12, 9, 5, NO, NO, NO, NO } },
		/* after 9: [8 12 | 9 5 | . . | . .] evicted 1; set 1 queue 5 9 */
	{  1, MISS,  5, { 8, 12, 9, 1, NO, NO, NO, NO } },
		/* after 1: [8 12 | 9 1 | . . | . .] evicted 5; set 1 queue 9 1 */
	{ 13, MISS,  9, { 8, 12, 13, 1, NO, NO, NO, NO } },
		/* after 13: [8 12 | 13 1 | . . | . .] evicted 9; set 1 queue 1 13 */
	{  5, MISS,  1, { 8, 12, 13, 5, NO, NO, NO, NO } },
		/* after 5: [8 12 | 13 5 | . . | . .] evicted 1; set 1 queue 13 5 */
};

static const step_t fifo_sa6[] = {
	{  0, MISS, NO, { 0, NO, NO, NO, NO, NO } },
		/* after 0: [0 . | . . | . .]; set 0 queue 0 */
	{  3, MISS, NO, { 0, 3, NO, NO, NO, NO } },
		/* after 3: [0 3 | . . | . .]; set 0 queue 0 3 */
	{  0, HIT , NO, { 0, 3, NO, NO, NO, NO } },
		/* after 0: [0 3 | . . | . .] hit; set 0 queue 0 3 */
	{  6, MISS,  0, { 6, 3, NO, NO, NO, NO } },
		/* after 6: [6 3 | . . | . .] evicted 0; set 0 queue 3 6 */
	{  3, HIT , NO, { 6, 3, NO, NO, NO, NO } },
		/* after 3: [6 3 | . . | . .] hit; set 0 queue 3 6 */
	{  9, MISS,  3, { 6, 9, NO, NO, NO, NO } },
		/* after 9: [6 9 | . . | . .] evicted 3; set 0 queue 6 9 */
	{  1, MISS, NO, { 6, 9, 1, NO, NO, NO } },
		/* after 1: [6 9 | 1 . | . .]; set 1 queue 1 */
	{  4, MISS, NO, { 6, 9, 1, 4, NO, NO } },
		/* after 4: [6 9 | 1 4 | . .]; set 1 queue 1 4 */
	{  1, HIT , NO, { 6, 9, 1, 4, NO, NO } },
		/* after 1: [6 9 | 1 4 | . .] hit; set 1 queue 1 4 */
	{  7, MISS,  1, { 6, 9, 7, 4, NO, NO } },
		/* after 7: [6 9 | 7 4 | . .] evicted 1; set 1 queue 4 7 */
	{  5, MISS, NO, { 6, 9, 7, 4, 5, NO } },
		/* after 5: [6 9 | 7 4 | 5 .]; set 2 queue 5 */
	{  2, MISS, NO, { 6, 9, 7, 4, 5, 2 } },
		/* after 2: [6 9 | 7 4 | 5 2]; set 2 queue 5 2 */
	{  5, HIT , NO, { 6, 9, 7, 4, 5, 2 } },
		/* after 5: [6 9 | 7 4 | 5 2] hit; set 2 queue 5 2 */
	{  8, MISS,  5, { 6, 9, 7, 4, 8, 2 } },
		/* after 8: [6 9 | 7 4 | 8 2] evicted 5; set 2 queue 2 8 */
};

static const step_t random_fa4[] = {
	{  1, MISS, NO, { 1, NO, NO, NO } },
		/* after 1: [1 . . .] */
	{  2, MISS, NO, { 1, 2, NO, NO } },
		/* after 2: [1 2 . .] */
	{  3, MISS, NO, { 1, 2, 3, NO } },
		/* after 3: [1 2 3 .] */
	{  4, MISS, NO, { 1, 2, 3, 4 } },
		/* after 4: [1 2 3 4] */
	{  1, HIT , NO, { 1, 2, 3, 4 } },
		/* after 1: [1 2 3 4] hit */
	{  5, MISS,  2, { 1, 5, 3, 4 } },
		/* after 5: [1 5 3 4] evicted 2 */
	{  2, MISS,  4, { 1, 5, 3, 2 } },
		/* after 2: [1 5 3 2] evicted 4 */
	{  3, HIT , NO, { 1, 5, 3, 2 } },
		/* after 3: [1 5 3 2] hit */
	{  4, MISS,  3, { 1, 5, 4, 2 } },
		/* after 4: [1 5 4 2] evicted 3 */
	{  5, HIT , NO, { 1, 5, 4, 2 } },
		/* after 5: [1 5 4 2] hit */
	{  1, HIT , NO, { 1, 5, 4, 2 } },
		/* after 1: [1 5 4 2] hit */
	{  6, MISS,  2, { 1, 5, 4, 6 } },
		/* after 6: [1 5 4 6] evicted 2 */
};

static const step_t random_sa8[] = {
	{  0, MISS, NO, { 0, NO, NO, NO, NO, NO, NO, NO } },
		/* after 0: [0 . | . . | . . | . .] */
	{  4, MISS, NO, { 0, 4, NO, NO, NO, NO, NO, NO } },
		/* after 4: [0 4 | . . | . . | . .] */
	{  0, HIT , NO, { 0, 4, NO, NO, NO, NO, NO, NO } },
		/* after 0: [0 4 | . . | . . | . .] hit */
	{  8, MISS,  4, { 0, 8, NO, NO, NO, NO, NO, NO } },
		/* after 8: [0 8 | . . | . . | . .] evicted 4 */
	{  4, MISS,  8, { 0, 4, NO, NO, NO, NO, NO, NO } },
		/* after 4: [0 4 | . . | . . | . .] evicted 8 */
	{ 12, MISS,  0, { 12, 4, NO, NO, NO, NO, NO, NO } },
		/* after 12: [12 4 | . . | . . | . .] evicted 0 */
	{  1, MISS, NO, { 12, 4, 1, NO, NO, NO, NO, NO } },
		/* after 1: [12 4 | 1 . | . . | . .] */
	{  5, MISS, NO, { 12, 4, 1, 5, NO, NO, NO, NO } },
		/* after 5: [12 4 | 1 5 | . . | . .] */
	{  9, MISS,  5, { 12, 4, 1, 9, NO, NO, NO, NO } },
		/* after 9: [12 4 | 1 9 | . . | . .] evicted 5 */
	{  1, HIT , NO, { 12, 4, 1, 9, NO, NO, NO, NO } },
		/* after 1: [12 4 | 1 9 | . . | . .] hit */
	{ 13, MISS,  9, { 12, 4, 1, 13, NO, NO, NO, NO } },
		/* after 13: [12 4 | 1 13 | . . | . .] evicted 9 */
	{  5, MISS,  1, { 12, 4, 5, 13, NO, NO, NO, NO } },
		/* after 5: [12 4 | 5 13 | . . | . .] evicted 1 */
};

static const step_t random_sa6[] = {
	{  0, MISS, NO, { 0, NO, NO, NO, NO, NO } },
		/* after 0: [0 . | . . | . .] */
	{  3, MISS, NO, { 0, 3, NO, NO, NO, NO } },
		/* after 3: [0 3 | . . | . .] */
	{  0, HIT , NO, { 0, 3, NO, NO, NO, NO } },
		/* after 0: [0 3 | . . | . .] hit */
	{  6, MISS,  3, { 0, 6, NO, NO, NO, NO } },
		/* after 6: [0 6 | . . | . .] evicted 3 */
	{  3, MISS,  6, { 0, 3, NO, NO, NO, NO } },
		/* after 3: [0 3 | . . | . .] evicted 6 */
	{  9, MISS,  0, { 9, 3, NO, NO, NO, NO } },
		/* after 9: [9 3 | . . | . .] evicted 0 */
	{  1, MISS, NO, { 9, 3, 1, NO, NO, NO } },
		/* after 1: [9 3 | 1 . | . .] */
	{  4, MISS, NO, { 9, 3, 1, 4, NO, NO } },
		/* after 4: [9 3 | 1 4 | . .] */
	{  1, HIT , NO, { 9, 3, 1, 4, NO, NO } },
		/* after 1: [9 3 | 1 4 | . .] hit */
	{  7, MISS,  4, { 9, 3, 1, 7, NO, NO } },
		/* after 7: [9 3 | 1 7 | . .] evicted 4 */
	{  5, MISS, NO, { 9, 3, 1, 7, 5, NO } },
		/* after 5: [9 3 | 1 7 | 5 .] */
	{  2, MISS, NO, { 9, 3, 1, 7, 5, 2 } },
		/* after 2: [9 3 | 1 7 | 5 2] */
	{  5, HIT , NO, { 9, 3, 1, 7, 5, 2 } },
		/* after 5: [9 3 | 1 7 | 5 2] hit */
	{  8, MISS,  2, { 9, 3, 1, 7, 5, 8 } },
		/* after 8: [9 3 | 1 7 | 5 8] evicted 2 */
};

#define SCENARIO(pol, geo, e, w) \
	{ #pol "/" #geo, &vm_tlb_policy_##pol, e, w, pol##_##geo, \
	  G_N_ELEMENTS(pol##_##geo) }

static const struct {
	const char *name;
	const vm_tlb_policy_ops_t *ops;
	unsigned entries, ways;
	const step_t *steps;
	unsigned nr_steps;
} scenarios[] = {
	SCENARIO(lru, fa4, 4, 0),
	SCENARIO(lru, sa8, 8, 2),
	SCENARIO(lru, sa6, 6, 2),
	SCENARIO(fifo, fa4, 4, 0),
	SCENARIO(fifo, sa8, 8, 2),
	SCENARIO(fifo, sa6, 6, 2),
	SCENARIO(random, fa4, 4, 0),
	SCENARIO(random, sa8, 8, 2),
	SCENARIO(random, sa6, 6, 2),
};

START_TEST(test_steps)
{
	const typeof(scenarios[0]) *sc = &scenarios[_i];
	vm_tlb_t *t = vm_tlb_new(sc->entries, sc->ways, sc->ops);

	ck_assert_ptr_nonnull(t);
	for (unsigned s = 0; s < sc->nr_steps; s++) {
		const step_t *st = &sc->steps[s];
		uint64_t victim;
		gboolean hit = touch(t, st->vpn, 1, &victim);

		ck_assert_msg(hit == st->hit, "%s step %u (vpn %lu): %s, expected %s",
			      sc->name, s, (unsigned long)st->vpn,
			      hit ? "hit" : "miss", st->hit ? "hit" : "miss");
		ck_assert_msg(victim == st->victim,
			      "%s step %u (vpn %lu): evicted %ld, expected %ld",
			      sc->name, s, (unsigned long)st->vpn,
			      (long)victim, (long)st->victim);
		for (unsigned i = 0; i < sc->entries; i++) {
			const vm_tlb_entry_t *e = &t->entries[i];

			if (st->state[i] == NO) {
				ck_assert_msg(!e->valid, "%s step %u: way %u valid",
					      sc->name, s, i);
				continue;
			}
			ck_assert_msg(e->valid && e->vpn == st->state[i] &&
				      e->pfn == PFN(st->state[i]) && e->asid == 1,
				      "%s step %u: entry %u holds %lu, expected %lu",
				      sc->name, s, i, (unsigned long)e->vpn,
				      (unsigned long)st->state[i]);
		}
	}
	vm_tlb_free(t);
}
END_TEST

/* ------------------------------------------------------------------ */
/* Geometry: vpn -> set.                                               */
/* ------------------------------------------------------------------ */

static const struct {
	unsigned entries, ways;
	unsigned nr_sets, real_ways;
	uint64_t set_mask;
	uint64_t vpn;
	unsigned set;
} set_cases[] = {
	/* Intel's STLB: 1536 entries, 12 ways = 128 sets, masked */
	{ 1536, 12, 128, 12, 127, 0x12345, 0x45 },
	{ 1536, 12, 128, 12, 127, 128, 0 },
	/* 48 entries, 4 ways = 12 sets: modulo; 0x12345 = 74565 = 12*6213 + 9 */
	{ 48, 4, 12, 4, 0, 0x12345, 9 },
	{ 48, 4, 12, 4, 0, 12, 0 },
	{ 48, 4, 12, 4, 0, 11, 11 },
	/* the default L1: 64 entries, 4 ways = 16 sets */
	{ 64, 4, 16, 4, 15, 0x12345, 5 },
	/* fully associative: one set, every vpn maps to it */
	{ 4, 0, 1, 4, 0, 0x12345, 0 },
	{ 64, 0, 1, 64, 0, UINT64_MAX, 0 },
	/* one set given as ways == entries */
	{ 8, 8, 1, 8, 0, 7, 0 },
	/* 6 entries, 2 ways = 3 sets */
	{ 6, 2, 3, 2, 0, 7, 1 },
	/* direct-mapped */
	{ 8, 1, 8, 1, 7, 13, 5 },
};

START_TEST(test_set_mapping)
{
	const typeof(set_cases[0]) *c = &set_cases[_i];
	vm_tlb_t *t = vm_tlb_new(c->entries, c->ways, &vm_tlb_policy_lru);
	const vm_tlb_entry_t *e;

	ck_assert_ptr_nonnull(t);
	ck_assert_uint_eq(t->nr_sets, c->nr_sets);
	ck_assert_uint_eq(t->ways, c->real_ways);
	ck_assert_uint_eq(t->set_mask, c->set_mask);
	ck_assert_ptr_eq(vm_tlb_set(t, c->vpn),
			 t->entries + (size_t)c->set * c->real_ways);

	/* A fill lands in that set, in its first way. */
	ck_assert(!vm_tlb_fill(t, c->vpn, 1, 42, VM_PROT_R, NULL));
	e = vm_tlb_peek(t, c->vpn, 1);
	ck_assert_ptr_nonnull(e);
	ck_assert_uint_eq((unsigned)(e - t->entries), c->set * c->real_ways);
	ck_assert_uint_eq(vm_tlb_nr_valid(t), 1);
	vm_tlb_free(t);
}
END_TEST

/* ------------------------------------------------------------------ */
/* Address spaces, invalidation, flushes.                              */
/* ------------------------------------------------------------------ */

START_TEST(test_asid_separation)
{
	vm_tlb_t *t = vm_tlb_new(8, 2, vm_tlb_policies[_i]);
	vm_tlb_entry_t *e;

	/* Same vpn in two address spaces: two entries of one set. */
	ck_assert(!vm_tlb_fill(t, 7, 1, 100, VM_PROT_R, NULL));
	ck_assert(!vm_tlb_fill(t, 7, 2, 200, VM_PROT_R | VM_PROT_W, NULL));
	ck_assert_uint_eq(vm_tlb_nr_valid(t), 2);

	e = vm_tlb_lookup(t, 7, 1);
	ck_assert_ptr_nonnull(e);
	ck_assert_uint_eq(e->pfn, 100);
	ck_assert_uint_eq(e->perm, VM_PROT_R);
	e = vm_tlb_lookup(t, 7, 2);
	ck_assert_ptr_nonnull(e);
	ck_assert_uint_eq(e->pfn, 200);
	ck_assert_uint_eq(e->perm, VM_PROT_R | VM_PROT_W);
	ck_assert_ptr_null(vm_tlb_lookup(t, 7, 3));

	/* Dropping one leaves the other. */
	ck_assert(vm_tlb_invalidate(t, 7, 1));
	ck_assert(!vm_tlb_invalidate(t, 7, 1));
	ck_assert_ptr_null(vm_tlb_lookup(t, 7, 1));
	ck_assert_ptr_nonnull(vm_tlb_lookup(t, 7, 2));
	ck_assert_uint_eq(vm_tlb_nr_valid(t), 1);
	vm_tlb_free(t);
}
END_TEST

START_TEST(test_flush_asid)
{
	vm_tlb_t *t = vm_tlb_new(8, 2, &vm_tlb_policy_lru);

	/* [0/1 0/2 | 1/1 1/2 | 2/1 2/2 | 3/1 3/2]  (vpn/asid) */
	for (uint64_t v = 0; v < 4; v++) {
		vm_tlb_fill(t, v, 1, v, VM_PROT_R, NULL);
		vm_tlb_fill(t, v, 2, v + 10, VM_PROT_R, NULL);
	}
	ck_assert_uint_eq(vm_tlb_nr_valid(t), 8);
	ck_assert_uint_eq(vm_tlb_flush_asid(t, 1), 4);
	/* [. 0/2 | . 1/2 | . 2/2 | . 3/2] */
	ck_assert_uint_eq(vm_tlb_nr_valid(t), 4);
	for (uint64_t v = 0; v < 4; v++) {
		ck_assert_ptr_null(vm_tlb_peek(t, v, 1));
		ck_assert_ptr_nonnull(vm_tlb_peek(t, v, 2));
		ck_assert_uint_eq(vm_tlb_peek(t, v, 2)->pfn, v + 10);
	}
	ck_assert_uint_eq(vm_tlb_flush_asid(t, 1), 0);
	ck_assert_uint_eq(vm_tlb_flush_asid(t, 9), 0);
	/* The freed ways are reused before anything is evicted. */
	ck_assert(!vm_tlb_fill(t, 4, 3, 0, VM_PROT_R, NULL));
	ck_assert_ptr_eq(vm_tlb_peek(t, 4, 3), &t->entries[0]);
	vm_tlb_free(t);
}
END_TEST

START_TEST(test_flush_all)
{
	vm_tlb_t *t = vm_tlb_new(4, 0, vm_tlb_policies[_i]);
	uint64_t victim;

	for (uint64_t v = 1; v <= 3; v++)
		vm_tlb_fill(t, v, (uint32_t)v, v, VM_PROT_R, NULL);
	ck_assert_uint_eq(vm_tlb_flush_all(t), 3);
	ck_assert_uint_eq(vm_tlb_nr_valid(t), 0);
	for (uint64_t v = 1; v <= 3; v++)
		ck_assert_ptr_null(vm_tlb_lookup(t, v, (uint32_t)v));
	ck_assert_uint_eq(vm_tlb_flush_all(t), 0);
	/* Empty again: four misses without a victim. */
	for (uint64_t v = 1; v <= 4; v++) {
		ck_assert(!touch(t, v, 1, &victim));
		ck_assert_uint_eq(victim, NO);
	}
	ck_assert_uint_eq(vm_tlb_nr_valid(t), 4);
	vm_tlb_free(t);
}
END_TEST

/*
 * A 16-entry 4-way TLB holding vpns 0..11 of asid 1 and 100..103 of asid 2:
 * ranges up to 16 pages are looked up page by page, longer ones scan.
 */
static const struct {
	uint64_t vpn, npages;
	uint32_t asid;
	unsigned dropped;
} range_cases[] = {
	{ 2, 3, 1, 3 },                 /* 2 3 4 */
	{ 5, 0, 1, 0 },                 /* empty range */
	{ 10, 5, 1, 2 },                /* 10 11; 12..14 not cached */
	{ 0, 16, 1, 12 },               /* the largest looked-up range */
	{ 0, 17, 1, 12 },               /* the smallest scanned range */
	{ 4, 1000, 1, 8 },              /* scan: 4..11 */
	{ 0, UINT64_MAX, 1, 12 },       /* a huge munmap stays cheap */
	{ 100, 1ull << 40, 1, 0 },      /* huge, other asid's vpns */
	{ 100, 4, 2, 4 },               /* asid 2's pages */
	{ 101, 1ull << 40, 2, 3 },      /* scan for asid 2 */
	{ UINT64_MAX, 3, 1, 2 },        /* wraps: MAX 0 1, by lookup */
	{ UINT64_MAX - 1, 20, 1, 12 },  /* wraps: MAX-1 .. 17, by scan */
};

START_TEST(test_invalidate_range)
{
	const typeof(range_cases[0]) *c = &range_cases[_i];
	vm_tlb_t *t = vm_tlb_new(16, 4, &vm_tlb_policy_lru);
	unsigned left = 0;

	for (uint64_t v = 0; v < 12; v++)
		vm_tlb_fill(t, v, 1, v, VM_PROT_R, NULL);
	for (uint64_t v = 100; v < 104; v++)
		vm_tlb_fill(t, v, 2, v, VM_PROT_R, NULL);
	ck_assert_uint_eq(vm_tlb_nr_valid(t), 16);

	ck_assert_uint_eq(vm_tlb_invalidate_range(t, c->vpn, c->npages,
						  c->asid), c->dropped);
	ck_assert_uint_eq(vm_tlb_nr_valid(t), 16 - c->dropped);

	/* Exactly the entries of the range are gone. */
	for (unsigned i = 0; i < 16; i++) {
		uint64_t v = i < 12 ? i : 100 + (i - 12);
		uint32_t asid = i < 12 ? 1 : 2;

		if (asid == c->asid && v - c->vpn < c->npages) {
			ck_assert_ptr_null(vm_tlb_peek(t, v, asid));
		} else {
			ck_assert_ptr_nonnull(vm_tlb_peek(t, v, asid));
			left++;
		}
	}
	ck_assert_uint_eq(left, 16 - c->dropped);
	vm_tlb_free(t);
}
END_TEST

/* ------------------------------------------------------------------ */
/* Fills.                                                              */
/* ------------------------------------------------------------------ */

START_TEST(test_update_in_place)
{
	vm_tlb_t *t = vm_tlb_new(4, 0, vm_tlb_policies[_i]);
	vm_tlb_entry_t ev = { 0 };
	const vm_tlb_entry_t *e;

	for (uint64_t v = 1; v <= 4; v++)
		vm_tlb_fill(t, v, 1, PFN(v), VM_PROT_R, NULL);
	/* [1 2 3 4], full: updating 3 (a COW fault gave it a new frame and
	 * write permission) evicts nothing and keeps its way. */
	ck_assert(!vm_tlb_fill(t, 3, 1, 77, VM_PROT_R | VM_PROT_W, &ev));
	ck_assert_uint_eq(ev.valid, 0);
	ck_assert_uint_eq(vm_tlb_nr_valid(t), 4);
	e = vm_tlb_peek(t, 3, 1);
	ck_assert_ptr_eq(e, &t->entries[2]);
	ck_assert_uint_eq(e->pfn, 77);
	ck_assert_uint_eq(e->perm, VM_PROT_R | VM_PROT_W);
	for (uint64_t v = 1; v <= 4; v++)
		ck_assert_ptr_nonnull(vm_tlb_peek(t, v, 1));
	vm_tlb_free(t);
}
END_TEST

/*
 * An in-place update is a fill for the policy: FIFO re-stamps it (it goes to
 * the back of the queue), LRU counts it as a use.  Both then evict 2 first:
 *
 *   fill 1 2 3 4     [1 2 3 4]  queue 1 2 3 4
 *   refill 1         [1 2 3 4]  queue 2 3 4 1
 *   fill 5 6 7 8     evict 2, 3, 4, then 1
 */
START_TEST(test_refill_restamps)
{
	static const uint64_t victims[] = { 2, 3, 4, 1 };
	vm_tlb_t *t = vm_tlb_new(4, 0, vm_tlb_policies[_i]);
	vm_tlb_entry_t ev;

	for (uint64_t v = 1; v <= 4; v++)
		vm_tlb_fill(t, v, 1, PFN(v), VM_PROT_R, NULL);
	ck_assert(!vm_tlb_fill(t, 1, 1, 55, VM_PROT_R, NULL));
	for (unsigned i = 0; i < 4; i++) {
		ck_assert(vm_tlb_fill(t, 5 + i, 1, PFN(5 + i), VM_PROT_R, &ev));
		ck_assert_uint_eq(ev.vpn, victims[i]);
	}
	vm_tlb_free(t);
}
END_TEST

START_TEST(test_evicted_copy)
{
	vm_tlb_t *t = vm_tlb_new(2, 0, &vm_tlb_policy_lru);
	vm_tlb_entry_t ev;

	vm_tlb_fill(t, 10, 3, 110, VM_PROT_R | VM_PROT_X, NULL);
	vm_tlb_fill(t, 11, 4, 111, VM_PROT_R, NULL);
	/* [10/3 11/4]: 12 evicts 10, and the caller sees all of it. */
	ck_assert(vm_tlb_fill(t, 12, 3, 112, VM_PROT_R, &ev));
	ck_assert_uint_eq(ev.valid, 1);
	ck_assert_uint_eq(ev.vpn, 10);
	ck_assert_uint_eq(ev.asid, 3);
	ck_assert_uint_eq(ev.pfn, 110);
	ck_assert_uint_eq(ev.perm, VM_PROT_R | VM_PROT_X);
	/* Without a place for the copy it still says that it evicted. */
	ck_assert(vm_tlb_fill(t, 13, 3, 113, VM_PROT_R, NULL));
	ck_assert_ptr_null(vm_tlb_peek(t, 11, 4));
	vm_tlb_free(t);
}
END_TEST

/* An invalidated way is refilled before any valid one is evicted. */
/* vm_tlb_fill_absent (the fill after a miss, models/mmu.c) leaves the
 * same TLB as vm_tlb_fill, entries, keys, ages and order (lru and fifo keep
 * an order on sets of 2 to 16 ways, where fill_absent's victim is its first
 * way, and ages on larger ones), whatever the policy and geometry:
 * random lookups, fills on misses and invalidations, the two run side by
 * side, and after each step the TLB's keys, ages and order agree with its
 * entries (vm_tlb_order_ok). */
static const struct {
	unsigned entries, ways;
} absent_geometries[] = {
	{ 48, 12 },   /* 4 sets of 12: the L2's shape */
	{ 48, 4 },    /* 12 sets of 4: the L1's ways, the modulo sets */
	{ 32, 2 },    /* 16 sets of 2 */
	{ 16, 16 },   /* one set of 16: the largest order */
	{ 40, 20 },   /* 2 sets of 20: no order, the scan of the ages */
	{ 8, 1 },     /* direct-mapped: no order */
};

START_TEST(test_fill_absent_same)
{
	const vm_tlb_policy_ops_t *ops = vm_tlb_policies[_i % 3];
	unsigned n = absent_geometries[_i / 3].entries;
	unsigned ways = absent_geometries[_i / 3].ways;
	vm_tlb_t *a = vm_tlb_new(n, ways, ops);
	vm_tlb_t *b = vm_tlb_new(n, ways, ops);
	uint64_t s = 99;
	ck_assert_int_eq(a->order != NULL,
			 ops->victim_is_min_stamp && ways >= 2 && ways <= 16);
	ck_assert_int_eq(a->ages != NULL, a->order == NULL);
	for (unsigned i = 0; i < 5000; i++) {
		uint64_t x = vm_splitmix64(&s);
		uint64_t vpn = x % (2 * n + 1);
		uint32_t asid = 1 + (uint32_t)(x >> 32) % 2;
		if ((x >> 40) % 10 == 0) {
			ck_assert_int_eq(vm_tlb_invalidate(a, vpn, asid),
					 vm_tlb_invalidate(b, vpn, asid));
			continue;
		}
		vm_tlb_entry_t *ea = vm_tlb_lookup(a, vpn, asid);
		vm_tlb_entry_t *eb = vm_tlb_lookup(b, vpn, asid);
		ck_assert_int_eq(ea != NULL, eb != NULL);
		if (!ea)
			ck_assert_int_eq(vm_tlb_fill(a, vpn, asid, PFN(vpn), VM_PROT_R, NULL),
					 vm_tlb_fill_absent(b, vpn, asid, PFN(vpn), VM_PROT_R));
		ck_assert(memcmp(a->entries, b->entries, n * sizeof *a->entries) == 0);
		ck_assert(memcmp(a->keys, b->keys, n * sizeof *a->keys) == 0);
		ck_assert(a->ages == NULL ||
			  memcmp(a->ages, b->ages, n * sizeof *a->ages) == 0);
		ck_assert_uint_eq(a->clock, b->clock);
		/* the ways' order follows the ages after every lookup, fill
		 * and drop */
		ck_assert(vm_tlb_order_ok(a));
		ck_assert(vm_tlb_order_ok(b));
		ck_assert(a->order == NULL ||
			  memcmp(a->order, b->order,
				 a->nr_sets * sizeof *a->order) == 0);
	}
	vm_tlb_free(a);
	vm_tlb_free(b);
}
END_TEST

START_TEST(test_invalid_way_first)
{
	vm_tlb_t *t = vm_tlb_new(4, 0, vm_tlb_policies[_i]);

	for (uint64_t v = 1; v <= 4; v++)
		vm_tlb_fill(t, v, 1, PFN(v), VM_PROT_R, NULL);
	ck_assert(vm_tlb_invalidate(t, 2, 1));
	/* [1 . 3 4] -> [1 5 3 4], nothing evicted */
	ck_assert(!vm_tlb_fill(t, 5, 1, PFN(5), VM_PROT_R, NULL));
	ck_assert_ptr_eq(vm_tlb_peek(t, 5, 1), &t->entries[1]);
	ck_assert_uint_eq(vm_tlb_nr_valid(t), 4);
	vm_tlb_free(t);
}
END_TEST

/* Peeking (the UI's view) does not count as a use; a lookup does. */
START_TEST(test_peek_is_silent)
{
	vm_tlb_t *t = vm_tlb_new(4, 0, &vm_tlb_policy_lru);
	vm_tlb_entry_t ev;

	for (uint64_t v = 1; v <= 4; v++)
		vm_tlb_fill(t, v, 1, PFN(v), VM_PROT_R, NULL);
	ck_assert_ptr_nonnull(vm_tlb_peek(t, 1, 1));
	ck_assert_ptr_null(vm_tlb_peek(t, 9, 1));
	/* LRU..MRU still 1 2 3 4 */
	ck_assert(vm_tlb_fill(t, 5, 1, PFN(5), VM_PROT_R, &ev));
	ck_assert_uint_eq(ev.vpn, 1);
	/* [5 2 3 4]; a lookup of 2 makes 3 the oldest */
	ck_assert_ptr_nonnull(vm_tlb_lookup(t, 2, 1));
	ck_assert(vm_tlb_fill(t, 6, 1, PFN(6), VM_PROT_R, &ev));
	ck_assert_uint_eq(ev.vpn, 3);
	vm_tlb_free(t);
}
END_TEST

START_TEST(test_nr_valid)
{
	vm_tlb_t *t = vm_tlb_new(8, 2, vm_tlb_policies[_i]);

	ck_assert_uint_eq(vm_tlb_nr_valid(t), 0);
	/* vpns 0..7 spread over the 4 sets: 2 each, filling the TLB */
	for (uint64_t v = 0; v < 8; v++) {
		vm_tlb_fill(t, v, 1, v, VM_PROT_R, NULL);
		ck_assert_uint_eq(vm_tlb_nr_valid(t), v + 1);
	}
	/* Further fills replace: the count stays at the capacity. */
	for (uint64_t v = 8; v < 40; v++) {
		ck_assert(vm_tlb_fill(t, v, 1, v, VM_PROT_R, NULL));
		ck_assert_uint_eq(vm_tlb_nr_valid(t), 8);
	}
	/* Updates in place do not add. */
	for (unsigned i = 0; i < 8; i++) {
		vm_tlb_entry_t e = t->entries[i];

		ck_assert(!vm_tlb_fill(t, e.vpn, e.asid, 1, VM_PROT_R, NULL));
	}
	ck_assert_uint_eq(vm_tlb_nr_valid(t), 8);
	vm_tlb_invalidate(t, t->entries[3].vpn, 1);
	ck_assert_uint_eq(vm_tlb_nr_valid(t), 7);
	vm_tlb_free(t);
}
END_TEST

/* ------------------------------------------------------------------ */
/* Random: the same fills give the same contents, run after run.       */
/* ------------------------------------------------------------------ */

START_TEST(test_random_determinism)
{
	vm_tlb_t *a = vm_tlb_new(64, 4, &vm_tlb_policy_random);
	vm_tlb_t *b = vm_tlb_new(64, 4, &vm_tlb_policy_random);
	unsigned way_used[4] = { 0 }, hits_a = 0, hits_b = 0;
	uint64_t s = 12345, victim_a, victim_b;

	for (unsigned i = 0; i < 20000; i++) {
		uint64_t vpn = vt_xorshift(&s) % 512;

		hits_a += touch(a, vpn, 1, &victim_a);
		hits_b += touch(b, vpn, 1, &victim_b);
		ck_assert_uint_eq(victim_a, victim_b);
		if (victim_a != NO)
			way_used[vm_tlb_peek(a, vpn, 1) - vm_tlb_set(a, vpn)]++;
	}
	ck_assert_uint_eq(hits_a, hits_b);
	for (unsigned i = 0; i < 64; i++) {
		ck_assert_uint_eq(a->entries[i].valid, b->entries[i].valid);
		ck_assert_uint_eq(a->entries[i].vpn, b->entries[i].vpn);
	}
	/* Random, not stuck: each way is chosen for about a quarter. */
	for (unsigned w = 0; w < 4; w++)
		ck_assert_uint_gt(way_used[w], 3000);
	vm_tlb_free(a);
	vm_tlb_free(b);
}
END_TEST

/* ------------------------------------------------------------------ */
/* Construction and the registry.                                      */
/* ------------------------------------------------------------------ */

START_TEST(test_new)
{
	GLogFunc old;
	vm_tlb_t *t;

	/* entries == 0: no TLB at this level, and no complaint. */
	vt_nr_criticals = 0;
	old = g_log_set_default_handler(vt_count_criticals, NULL);
	ck_assert_ptr_null(vm_tlb_new(0, 4, &vm_tlb_policy_lru));
	ck_assert_ptr_null(vm_tlb_new(0, 0, &vm_tlb_policy_lru));
	ck_assert_uint_eq(vt_nr_criticals, 0);
	/* Programmer errors: entries not a multiple of ways, no policy. */
	ck_assert_ptr_null(vm_tlb_new(10, 4, &vm_tlb_policy_lru));
	ck_assert_ptr_null(vm_tlb_new(4, 8, &vm_tlb_policy_lru));
	ck_assert_ptr_null(vm_tlb_new(4, 0, NULL));
	ck_assert_uint_eq(vt_nr_criticals, 3);
	g_log_set_default_handler(old, NULL);

	vm_tlb_free(NULL);
	t = vm_tlb_new(1, 0, &vm_tlb_policy_random);
	ck_assert_ptr_nonnull(t);
	ck_assert_uint_eq(t->nr_sets, 1);
	ck_assert_uint_eq(t->ways, 1);
	ck_assert_uint_eq(vm_tlb_nr_valid(t), 0);
	vm_tlb_free(t);
}
END_TEST

static const struct {
	const char *name;
	const vm_tlb_policy_ops_t *ops;
} find_cases[] = {
	{ "lru", &vm_tlb_policy_lru },
	{ "fifo", &vm_tlb_policy_fifo },
	{ "random", &vm_tlb_policy_random },
	{ "LRU", NULL },
	{ "", NULL },
	{ "clock", NULL },
	{ "lru2q", NULL },
};

START_TEST(test_policy_find)
{
	const vm_tlb_policy_ops_t *ops = vm_tlb_policy_find(find_cases[_i].name);

	ck_assert_ptr_eq(ops, find_cases[_i].ops);
	if (ops) {
		ck_assert_str_eq(ops->policy.name, find_cases[_i].name);
		ck_assert_ptr_nonnull(ops->victim);
	}
}
END_TEST

START_TEST(test_registry)
{
	unsigned n = 0;

	while (vm_tlb_policies[n])
		n++;
	ck_assert_uint_eq(n, 3);
	ck_assert_ptr_eq(vm_tlb_policies[0], &vm_tlb_policy_lru);
}
END_TEST

/*
 * The core asks the policy, and obeys it: a test policy that always names
 * the last way, counting its calls.  Four entries in 2 sets of 2 ways; the
 * first two fills of a set take its free ways (no call), the third evicts
 * way 1 whatever the stamps say, and a refill of a cached entry calls
 * nothing.
 *
 *   set 0 (even vpns): fill 0, 2 ─► │ 0 │ 2 │   fill 4 ─► │ 0 │ 4 │  1 call
 */
static unsigned last_way_calls;

static unsigned last_way_victim(vm_tlb_t *t, vm_tlb_entry_t *set,
				unsigned ways)
{
	(void)t;
	for (unsigned w = 0; w < ways; w++)
		ck_assert(set[w].valid);
	last_way_calls++;
	return ways - 1;
}

static const vm_tlb_policy_ops_t last_way_policy = {
	.policy = { .name = "last", .why = "the last way", .help = "test" },
	.victim = last_way_victim,
};

START_TEST(test_victim_hook)
{
	vm_tlb_t *t = vm_tlb_new(4, 2, &last_way_policy);
	vm_tlb_entry_t ev;

	last_way_calls = 0;
	ck_assert(!vm_tlb_fill(t, 0, 1, 10, 1, &ev));
	ck_assert(!vm_tlb_fill(t, 2, 1, 12, 1, &ev));
	ck_assert(!vm_tlb_fill(t, 0, 1, 11, 1, &ev));   /* refill: in place */
	ck_assert_uint_eq(last_way_calls, 0);
	ck_assert(vm_tlb_fill(t, 4, 1, 14, 1, &ev));
	ck_assert_uint_eq(last_way_calls, 1);
	ck_assert_uint_eq(ev.vpn, 2);                  /* way 1 held vpn 2 */
	ck_assert_ptr_nonnull(vm_tlb_peek(t, 0, 1));
	ck_assert_ptr_nonnull(vm_tlb_peek(t, 4, 1));
	ck_assert_ptr_null(vm_tlb_peek(t, 2, 1));
	ck_assert(!vm_tlb_fill(t, 1, 1, 15, 1, &ev));   /* set 1 is empty */
	ck_assert_uint_eq(last_way_calls, 1);
	vm_tlb_free(t);
}
END_TEST

/* lru as a policy outside the core would write it: stamps from its hit and
 * fill hooks (vm_tlb_policy_ops_t.stamp = 0).  The core must call them and
 * keep the sets' order and ages from what they wrote. */
static unsigned hook_calls;

static void hook_touch(vm_tlb_t *t, vm_tlb_entry_t *e)
{
	hook_calls++;
	e->stamp = ++t->clock;
}

static unsigned hook_victim(vm_tlb_t *t, vm_tlb_entry_t *set, unsigned ways)
{
	(void)t;
	return vm_tlb_oldest_way(set, ways);
}

static const vm_tlb_policy_ops_t hook_lru_policy = {
	.policy = { .name = "hook-lru", .why = "lru by hooks", .help = "test" },
	.hit = hook_touch,
	.fill = hook_touch,
	.victim = hook_victim,
	.victim_is_min_stamp = TRUE,
};

/* The same random lookups, fills (both kinds) and invalidations under
 * lru (stamped by the core) and hook-lru leave the same entries, keys,
 * ages and order, on sets that keep an order (12 and 4 ways) and on one
 * that does not (20 ways); and the hooks ran on every hit and fill. */
static const unsigned hook_ways[] = { 12, 4, 20 };

START_TEST(test_stamp_hooks_same)
{
	unsigned ways = hook_ways[_i], n = 2 * ways;
	vm_tlb_t *a = vm_tlb_new(n, ways, &vm_tlb_policy_lru);
	vm_tlb_t *b = vm_tlb_new(n, ways, &hook_lru_policy);
	unsigned hits = 0, fills = 0;
	uint64_t s = 7;
	hook_calls = 0;
	for (unsigned i = 0; i < 4000; i++) {
		uint64_t x = vm_splitmix64(&s);
		uint64_t vpn = x % (3 * n);
		if ((x >> 40) % 8 == 0) {
			ck_assert_int_eq(vm_tlb_invalidate(a, vpn, 1),
					 vm_tlb_invalidate(b, vpn, 1));
			continue;
		}
		vm_tlb_entry_t *ea = vm_tlb_lookup(a, vpn, 1);
		ck_assert_int_eq(ea != NULL, vm_tlb_lookup(b, vpn, 1) != NULL);
		hits += ea != NULL;
		if (!ea || (x >> 50) % 4 == 0) {
			fills++;
			if (!ea && (x >> 52) % 2)
				ck_assert_int_eq(vm_tlb_fill_absent(a, vpn, 1, PFN(vpn), VM_PROT_R),
						 vm_tlb_fill_absent(b, vpn, 1, PFN(vpn), VM_PROT_R));
			else
				ck_assert_int_eq(vm_tlb_fill(a, vpn, 1, PFN(vpn), VM_PROT_R, NULL),
						 vm_tlb_fill(b, vpn, 1, PFN(vpn), VM_PROT_R, NULL));
		}
		ck_assert(memcmp(a->entries, b->entries, n * sizeof *a->entries) == 0);
		ck_assert(memcmp(a->keys, b->keys, n * sizeof *a->keys) == 0);
		ck_assert(a->ages == NULL ||
			  memcmp(a->ages, b->ages, n * sizeof *a->ages) == 0);
		ck_assert(a->order == NULL ||
			  memcmp(a->order, b->order, a->nr_sets * sizeof *a->order) == 0);
		ck_assert(vm_tlb_order_ok(a));
		ck_assert(vm_tlb_order_ok(b));
	}
	ck_assert_uint_eq(hook_calls, hits + fills);
	ck_assert_uint_gt(hits, 100);
	vm_tlb_free(a);
	vm_tlb_free(b);
}
END_TEST

/* Every registered policy's victim is a valid way of a full set. */
START_TEST(test_victim_in_range)
{
	const vm_tlb_policy_ops_t *ops = vm_tlb_policies[_i];
	vm_tlb_t *t = vm_tlb_new(12, 0, ops);
	vm_tlb_entry_t ev;

	for (uint64_t v = 0; v < 12; v++)
		ck_assert(!vm_tlb_fill(t, v, 1, v, 1, NULL));
	for (uint64_t v = 12; v < 200; v++) {
		ck_assert(vm_tlb_fill(t, v, 1, v, 1, &ev));
		ck_assert_ptr_null(vm_tlb_peek(t, ev.vpn, 1));
		ck_assert_uint_eq(vm_tlb_nr_valid(t), 12);
	}
	vm_tlb_free(t);
}
END_TEST

static Suite *tlb_suite(void)
{
	Suite *s = suite_create("tlb");
	TCase *tc;
	int nr_policies = 3;

	tc = tcase_create("replacement");
	tcase_add_loop_test(tc, test_steps, 0, G_N_ELEMENTS(scenarios));
	tcase_add_loop_test(tc, test_refill_restamps, 0, 2); /* lru, fifo */
	tcase_add_loop_test(tc, test_invalid_way_first, 0, nr_policies);
	tcase_add_loop_test(tc, test_fill_absent_same, 0,
			    nr_policies * G_N_ELEMENTS(absent_geometries));
	tcase_add_test(tc, test_peek_is_silent);
	tcase_add_test(tc, test_random_determinism);
	suite_add_tcase(s, tc);

	tc = tcase_create("geometry");
	tcase_add_loop_test(tc, test_set_mapping, 0, G_N_ELEMENTS(set_cases));
	tcase_add_test(tc, test_new);
	suite_add_tcase(s, tc);

	tc = tcase_create("contents");
	tcase_add_loop_test(tc, test_asid_separation, 0, nr_policies);
	tcase_add_test(tc, test_flush_asid);
	tcase_add_loop_test(tc, test_flush_all, 0, nr_policies);
	tcase_add_loop_test(tc, test_invalidate_range, 0,
			    G_N_ELEMENTS(range_cases));
	tcase_add_loop_test(tc, test_update_in_place, 0, nr_policies);
	tcase_add_test(tc, test_evicted_copy);
	tcase_add_loop_test(tc, test_nr_valid, 0, nr_policies);
	suite_add_tcase(s, tc);

	tc = tcase_create("registry");
	tcase_add_loop_test(tc, test_policy_find, 0, G_N_ELEMENTS(find_cases));
	tcase_add_test(tc, test_registry);
	tcase_add_test(tc, test_victim_hook);
	tcase_add_loop_test(tc, test_stamp_hooks_same, 0, G_N_ELEMENTS(hook_ways));
	tcase_add_loop_test(tc, test_victim_in_range, 0, nr_policies);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return vt_run_suite(tlb_suite());
}
