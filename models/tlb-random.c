/*
 * Random TLB replacement, made deterministic: each TLB owns a splitmix64
 * generator (docs/format.md) seeded with a fixed constant, and a full set
 * evicts way splitmix64(&s) % ways.  The same fills therefore evict the same
 * ways on every run and every host (vmscope(1), determinism).  One
 * generator serves all sets of a TLB, so the victim in one set depends on how
 * many evictions other sets have made before.  Left out: the slight modulo
 * bias (at most ways / 2^64) and the LFSR a hardware TLB would use.  Follows
 * the textbook random policy (Hennessy and Patterson), behind the same hooks
 * as drcachesim's policies (which have no random one), with the trace
 * format's generator instead of the C library's.
 */
#include "models/tlb.h"
#include "models/types.h"

#define TLB_RANDOM_SEED 1  /* as the trace format's rand default seed */

static void *random_init(unsigned nr_sets, unsigned ways)
{
	uint64_t *s = g_new(uint64_t, 1);

	(void)nr_sets;
	(void)ways;
	*s = TLB_RANDOM_SEED;
	return s;
}

static void random_destroy(void *priv)
{
	g_free(priv);
}

static void *random_clone(const void *priv, unsigned nr_sets, unsigned ways)
{
	(void)nr_sets;
	(void)ways;
	uint64_t *s = g_new(uint64_t, 1);

	*s = *(const uint64_t *)priv;
	return s;
}

static unsigned random_victim(vm_tlb_t *t, vm_tlb_entry_t *set, unsigned ways)
{
	(void)set;
	return (unsigned)(vm_splitmix64(t->priv) % ways);
}

const vm_tlb_policy_ops_t vm_tlb_policy_random = {
	.policy = {
		.name = "random",
		.why = "a way at random",
		.help = "a random way of the set, from a splitmix64 generator "
			"with a fixed seed (1), so runs repeat",
	},
	.init = random_init,
	.destroy = random_destroy,
	.clone = random_clone,
	.victim = random_victim,
};
