/*
 * Random page replacement, made deterministic: a splitmix64 generator
 * (docs/format.md) seeded with params.seed picks uniformly among the
 * reclaimable pages of the wanted types, so the same run evicts the same
 * pages on every host.  The baseline every other policy must beat.  The modulo
 * bias (at most n / 2^64) is left out, as tlb-random.c leaves it.
 *
 * The pages live in one dense index array per type, each page's slot kept in
 * frames[].stamp, so a pick and a removal are O(1): a removed page's slot
 * takes the array's last page (as a bag, order is not kept).
 *
 *   anon: [ 7  2  9 ]   file: [ 4  5 ]     draw r % 5:  0..2 anon, 3..4 file
 *           0  1  2             0  1                      r % 5 = 3 -> 4
 *
 * The frame links (next/prev) are not used.
 */
#include <string.h>

#include "models/reclaim.h"

typedef struct {
	uint32_t *slot[VM_RECLAIM_NR_TYPES]; /* pages of each type, dense */
	uint32_t nr[VM_RECLAIM_NR_TYPES];
	uint64_t state;                      /* splitmix64 */
} random_t;

static void *random_init(uint32_t nr_frames,
			 const vm_reclaim_params_t *params)
{
	random_t *r = g_new0(random_t, 1);

	for (int t = 0; t < VM_RECLAIM_NR_TYPES; t++)
		r->slot[t] = g_new(uint32_t, nr_frames);
	r->state = params->seed;
	return r;
}

static void random_destroy(void *priv)
{
	random_t *r = priv;

	for (int t = 0; t < VM_RECLAIM_NR_TYPES; t++)
		g_free(r->slot[t]);
	g_free(r);
}

/* The index arrays and the generator's state: a restored machine draws
 * the same victims as the original would have. */
static void *random_clone(const void *priv, uint32_t nr_frames)
{
	const random_t *r = priv;
	random_t *c = g_new0(random_t, 1);

	for (int t = 0; t < VM_RECLAIM_NR_TYPES; t++) {
		c->slot[t] = g_new(uint32_t, nr_frames);
		memcpy(c->slot[t], r->slot[t], r->nr[t] * sizeof(uint32_t));
		c->nr[t] = r->nr[t];
	}
	c->state = r->state;
	return c;
}

static void random_add(vm_reclaim_t *rc, uint32_t pfn)
{
	random_t *r = rc->priv;
	vm_frame_t *f = &rc->fr->f[pfn];
	vm_reclaim_type_t t = vm_reclaim_type(f);

	f->stamp = r->nr[t];
	r->slot[t][r->nr[t]++] = pfn;
	f->list = (uint16_t)(t + 1);
}

static void random_remove(vm_reclaim_t *rc, uint32_t pfn)
{
	random_t *r = rc->priv;
	vm_frame_t *f = &rc->fr->f[pfn];
	vm_reclaim_type_t t = vm_reclaim_type(f);
	uint32_t i = (uint32_t)f->stamp;
	uint32_t last = r->slot[t][--r->nr[t]];

	g_assert(f->list == t + 1 && i <= r->nr[t] && r->slot[t][i] == pfn);
	r->slot[t][i] = last;
	rc->fr->f[last].stamp = i;
	f->list = VM_RECLAIM_NONE;
}

static uint32_t random_victim(vm_reclaim_t *rc, gboolean want_anon,
			      gboolean want_file)
{
	random_t *r = rc->priv;
	uint64_t na = want_anon ? r->nr[VM_RECLAIM_ANON] : 0;
	uint64_t nf = want_file ? r->nr[VM_RECLAIM_FILE] : 0;
	uint64_t k;
	uint32_t pfn;

	if (na + nf == 0)
		return VM_NIL;
	k = vm_splitmix64(&r->state) % (na + nf);
	pfn = k < na ? r->slot[VM_RECLAIM_ANON][k]
		     : r->slot[VM_RECLAIM_FILE][k - na];
	rc->stats.pgscan++;
	random_remove(rc, pfn);
	return pfn;
}

const vm_reclaim_ops_t vm_reclaim_policy_random = {
	.policy = {
		.name = "random",
		.why = "at random",
		.help = "uniformly at random, from splitmix64 seeded with "
			"reclaim.seed",
		.flags = VM_POLICY_SEEDED,
	},
	.init = random_init,
	.destroy = random_destroy,
	.clone = random_clone,
	.add = random_add,
	.remove = random_remove,
	.victim = random_victim,
	.frame_bytes = VM_RECLAIM_NR_TYPES * sizeof(uint32_t), /* slot[] */
};
