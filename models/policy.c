/*
 * The generic view of the five policy registries; see policy.h.  The
 * registries themselves stay with their kinds (tlb.c, disk.c, readahead.c,
 * reclaim.c, oom.c), typed, so that each core calls its own ops without a
 * cast; this file only walks them, and is the one place that knows all
 * five.  A new kind is one enum constant, one row of kind_keys and one case
 * below; a new policy of an existing kind touches nothing here.
 */
#include <string.h>

#include "models/policy.h"
#include "models/tlb.h"
#include "models/disk.h"
#include "models/readahead.h"
#include "models/reclaim.h"
#include "models/oom.h"
#include "models/smp.h"

static const char *const kind_keys[VM_POLICY_NR_KINDS] = {
	[VM_POLICY_TLB] = "tlb.policy",
	[VM_POLICY_DISK] = "disk.type",
	[VM_POLICY_READAHEAD] = "readahead.policy",
	[VM_POLICY_RECLAIM] = "reclaim.policy",
	[VM_POLICY_OOM] = "oom.policy",
	[VM_POLICY_SCHED] = "sched.policy",
};

const char *vm_policy_kind_key(vm_policy_kind_t kind)
{
	g_return_val_if_fail((unsigned)kind < VM_POLICY_NR_KINDS, NULL);
	return kind_keys[kind];
}

int vm_policy_kind_of_key(const char *key)
{
	g_return_val_if_fail(key != NULL, -1);
	for (int k = 0; k < VM_POLICY_NR_KINDS; k++)
		if (strcmp(kind_keys[k], key) == 0)
			return k;
	return -1;
}

/* Entry @i of a NULL-terminated registry of ops tables that open with a
 * vm_policy_t named `policy`, or NULL past its end. */
#define NTH(registry, i)						\
	do {								\
		for (unsigned j_ = 0; (registry)[j_]; j_++)		\
			if (j_ == (i))					\
				return &(registry)[j_]->policy;		\
		return NULL;						\
	} while (0)

const vm_policy_t *vm_policy_nth(vm_policy_kind_t kind, unsigned i)
{
	switch (kind) {
	case VM_POLICY_TLB:
		NTH(vm_tlb_policies, i);
	case VM_POLICY_DISK:
		NTH(vm_disk_types, i);
	case VM_POLICY_READAHEAD:
		NTH(vm_ra_policies, i);
	case VM_POLICY_RECLAIM:
		NTH(vm_reclaim_policies, i);
	case VM_POLICY_OOM:
		NTH(vm_oom_policies, i);
	case VM_POLICY_SCHED:
		NTH(vm_sched_policies, i);
	case VM_POLICY_NR_KINDS:
		break;
	}
	g_return_val_if_reached(NULL);
}

const vm_policy_t *vm_policy_find(vm_policy_kind_t kind, const char *name)
{
	const vm_policy_t *p;

	g_return_val_if_fail(name != NULL, NULL);
	for (unsigned i = 0; (p = vm_policy_nth(kind, i)); i++)
		if (strcmp(p->name, name) == 0)
			return p;
	return NULL;
}
