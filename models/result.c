/* Names of outcomes and reasons; see result.h. */
#include <string.h>
#include "models/result.h"

static const char *const outcome_names[VM_OUT_NR] = {
	[VM_OUT_HIT] = "hit", [VM_OUT_WALK] = "walk", [VM_OUT_MINOR] = "minor",
	[VM_OUT_MAJOR] = "major", [VM_OUT_COW] = "cow", [VM_OUT_ZERO] = "zero",
	[VM_OUT_SIGSEGV] = "sigsegv", [VM_OUT_SIGBUS] = "sigbus",
};

const char *vm_result_outcome_name(vm_outcome_t o)
{
	return o < VM_OUT_NR ? outcome_names[o] : "none";
}

gboolean vm_result_outcome_parse(const char *s, vm_outcome_t *o)
{
	for (int i = 0; i < VM_OUT_NR; i++)
		if (strcmp(s, outcome_names[i]) == 0) {
			*o = (vm_outcome_t)i;
			return TRUE;
		}
	return FALSE;
}

/* Short names of vm_why_t, for machine-readable outputs (the timeline). */
static const char *const why_names[VM_WHY_NR] = {
	[VM_WHY_NONE] = "none",
	[VM_WHY_NO_VMA] = "no_vma",
	[VM_WHY_PROT] = "prot",
	[VM_WHY_ZERO_PAGE] = "zero_page",
	[VM_WHY_ANON_NEW] = "anon_new",
	[VM_WHY_ZERO_REPLACED] = "zero_replaced",
	[VM_WHY_COW_COPY] = "cow_copy",
	[VM_WHY_COW_REUSE] = "cow_reuse",
	[VM_WHY_OOM] = "oom",
	[VM_WHY_SWAPIN] = "swapin",
	[VM_WHY_SWAPCACHE] = "swapcache",
	[VM_WHY_SWAP_REUSE] = "swap_reuse",
	[VM_WHY_SIGBUS] = "sigbus",
	[VM_WHY_FILE_READ] = "file_read",
	[VM_WHY_FILE_HOLE] = "file_hole",
	[VM_WHY_FILE_CACHED] = "file_cached",
	[VM_WHY_FILE_LOCKED] = "file_locked",
	[VM_WHY_SHARED_WRITE] = "shared_write",
	[VM_WHY_PRIVATE_COPY] = "private_copy",
	[VM_WHY_SYSCALL] = "syscall",
	[VM_WHY_EOF] = "eof",
	[VM_WHY_SHORT_READ] = "short_read",
	[VM_WHY_THROTTLED] = "throttled",
	[VM_WHY_MS_ASYNC] = "ms_async",
	[VM_WHY_SLEEP] = "sleep",
	[VM_WHY_THP_NEW] = "thp_new",
	[VM_WHY_THP_ZERO] = "thp_zero",
	[VM_WHY_THROTTLED_MEMCG] = "throttled_memcg",
	[VM_WHY_EFAULT] = "efault",
	[VM_WHY_ENOMEM] = "enomem",
};

const char *vm_result_why_name(vm_why_t w)
{
	/* a reason added without a name shows up here, not as a crash */
	return w < VM_WHY_NR && why_names[w] ? why_names[w] : "?";
}
