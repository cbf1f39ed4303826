/*
 * The table of ops; see op.h.  Each line is one op of docs/format.md, its
 * arguments in the order the grammar has them.
 */
#include <string.h>
#include "traces/op.h"

const char *const vm_op_madv_words[] = {
	[VM_MADV_NORMAL] = "normal", [VM_MADV_RANDOM] = "random",
	[VM_MADV_SEQUENTIAL] = "sequential", [VM_MADV_WILLNEED] = "willneed",
	[VM_MADV_DONTNEED] = "dontneed", [VM_MADV_HUGEPAGE] = "hugepage",
	[VM_MADV_NOHUGEPAGE] = "nohugepage", NULL,
};
const char *const vm_op_msync_words[] = {
	[VM_MS_SYNC] = "sync", [VM_MS_ASYNC] = "async", NULL,
};
const char *const vm_op_sig_words[] = {
	[VM_SIG_SIGBUS] = "sigbus", [VM_SIG_SIGSEGV] = "sigsegv", NULL,
};
const char *const vm_op_cgroup_words[] = {
	[VM_CGROUP_CREATE] = "create", [VM_CGROUP_ENTER] = "enter", NULL,
};
static const char *const share_words[] = { "shared", "private", NULL };
static const uint32_t share_bits[] = { VM_MAP_SHARED, 0 };

#define A(t, l) { .type = VM_OPA_##t, .label = l }
#define ADDR A(ADDR, "ADDR")
#define LEN A(LEN, "LEN")
#define FD A(FD, "FD")
#define NAME A(NAME, "NAME")
#define WORDS(l, w) { .type = VM_OPA_WORD, .label = l, .words = w }
#define OPT(t, k, l, req) { .type = VM_OPO_##t, .key = k, .label = l, .required = req }
#define FLAGWORD(k, b) { .type = VM_OPO_WORD, .key = k, .bit = b }

const vm_op_t vm_ops[VM_REC_NR] = {
	/* headers */
	[VM_REC_SET] = { "set", VM_OP_HEADER, TRUE, .codec = "nv" },
	[VM_REC_FILE] = { "file", VM_OP_HEADER, FALSE, 1, 4, { NAME },
			  { OPT(SIZE, "size=", "size=SIZE", TRUE),
			    FLAGWORD("sparse", VM_FILE_SPARSE),
			    FLAGWORD("cached", VM_FILE_CACHED),
			    FLAGWORD("tmpfs", VM_FILE_TMPFS) },
			  .codec = "nLG" },
	[VM_REC_PROFILE] = { "profile", VM_OP_HEADER, FALSE, 1, 0, { NAME },
			     .codec = "n" },
	/* events of a process */
	[VM_REC_ACCESS] = { "access", VM_OP_EVENT, TRUE, .codec = "" },
	[VM_REC_SEQ] = { "seq", VM_OP_EVENT, FALSE, 3, 1,
			 { A(RW, "r|w"), ADDR, LEN },
			 { OPT(STRIDE, "stride=", "stride=SIZE", FALSE) },
			 .codec = "aALT" },
	[VM_REC_RAND] = { "rand", VM_OP_EVENT, FALSE, 3, 2,
			  { A(RW, "r|w"), ADDR, LEN },
			  { OPT(COUNT, "count=", "count=N", TRUE),
			    OPT(SEED, "seed=", "seed=S", FALSE) },
			  .codec = "aALCS" },
	[VM_REC_MMAP] = { "mmap", VM_OP_EVENT, FALSE, 5, 1,
			  { ADDR, LEN, A(PROT, "PROT"),
			    { .type = VM_OPA_FLAG, .label = "shared|private",
			      .words = share_words, .bits = share_bits },
			    A(ANON_FD, "anon|fd=FD") },
			  { OPT(OFF, "off=", "off=SIZE", FALSE) },
			  .codec = "ALPGFO" },
	[VM_REC_MUNMAP] = { "munmap", VM_OP_EVENT, FALSE, 2, 0, { ADDR, LEN },
			    .codec = "AL" },
	[VM_REC_MPROTECT] = { "mprotect", VM_OP_EVENT, FALSE, 3, 0,
			      { ADDR, LEN, A(PROT, "PROT") }, .codec = "ALP" },
	[VM_REC_MADVISE] = { "madvise", VM_OP_EVENT, FALSE, 3, 0,
			     { ADDR, LEN,
			       WORDS("normal|random|sequential|willneed|dontneed|hugepage|nohugepage",
				     vm_op_madv_words) },
			     .codec = "ALR" },
	[VM_REC_MSYNC] = { "msync", VM_OP_EVENT, FALSE, 3, 0,
			   { ADDR, LEN, WORDS("sync|async", vm_op_msync_words) },
			   .codec = "ALR" },
	[VM_REC_OPEN] = { "open", VM_OP_EVENT, FALSE, 1, 4, { NAME },
			  { OPT(FD, "fd=", "fd=FD", TRUE),
			    FLAGWORD("create", VM_OPEN_CREATE),
			    FLAGWORD("trunc", VM_OPEN_TRUNC),
			    FLAGWORD("tmpfs", VM_OPEN_TMPFS) },
			  .codec = "nFG" },
	[VM_REC_CLOSE] = { "close", VM_OP_EVENT, FALSE, 1, 0, { FD },
			   .codec = "F" },
	[VM_REC_READ] = { "read", VM_OP_EVENT, FALSE, 3, 0,
			  { FD, A(OFF, "OFF"), LEN }, .codec = "FAL" },
	[VM_REC_WRITE] = { "write", VM_OP_EVENT, FALSE, 3, 0,
			   { FD, A(OFF, "OFF"), LEN }, .codec = "FAL" },
	[VM_REC_FSYNC] = { "fsync", VM_OP_EVENT, FALSE, 1, 0, { FD },
			   .codec = "F" },
	[VM_REC_FTRUNCATE] = { "ftruncate", VM_OP_EVENT, FALSE, 2, 0,
			       { FD, A(LEN, "SIZE") }, .codec = "FL" },
	[VM_REC_UNLINK] = { "unlink", VM_OP_EVENT, FALSE, 1, 0, { NAME },
			    .codec = "n" },
	[VM_REC_FORK] = { "fork", VM_OP_EVENT, FALSE, 1, 0,
			  { A(CHILD, "CHILD") }, .codec = "K" },
	[VM_REC_EXIT] = { "exit", VM_OP_EVENT, FALSE, 0, 0, { { 0 } },
			  .codec = "" },
	[VM_REC_CATCH] = { "catch", VM_OP_EVENT, FALSE, 1, 0,
			   { WORDS("sigbus|sigsegv", vm_op_sig_words) },
			   .codec = "R" },
	[VM_REC_SLEEP] = { "sleep", VM_OP_EVENT, FALSE, 1, 0,
			   { A(DURATION, "DURATION") }, .codec = "N" },
	[VM_REC_NOTE] = { "note", VM_OP_EVENT, TRUE, .codec = "n" },
	[VM_REC_EXPECT] = { "expect", VM_OP_EVENT, TRUE, .codec = "E" },
	[VM_REC_MAP] = { "map", VM_OP_EVENT, FALSE, 3, 0,
			 { ADDR, A(FRAME, "FRAME"), A(PROT, "PROT") },
			 .codec = "ACP" },
	/* max= is required by `create` and refused by `enter`: the reader
	 * checks that (traces/vmt.c), as the table cannot say it */
	[VM_REC_CGROUP] = { "cgroup", VM_OP_EVENT, FALSE, 2, 3,
			    { WORDS("create|enter", vm_op_cgroup_words), NAME },
			    { OPT(CG_MAX, "max=", "max=SIZE", FALSE),
			      { .type = VM_OPO_CG_HIGH, .key = "high=",
				.label = "high=SIZE", .bit = VM_CG_HIGH },
			      { .type = VM_OPO_CG_SWAP, .key = "swap.max=",
				.label = "swap.max=SIZE", .bit = VM_CG_SWAP_MAX } },
			    .codec = "RnGLST" },
	[VM_REC_CLONE] = { "clone", VM_OP_EVENT, FALSE, 1, 0,
			   { A(CHILD, "CHILD") }, .codec = "K" },
	[VM_REC_PIN] = { "pin", VM_OP_EVENT, FALSE, 1, 0,
			 { A(FRAME, "CPU") }, .codec = "C" },
	[VM_REC_OOM_ADJ] = { "oom_score_adj", VM_OP_EVENT, FALSE, 1, 0,
			     { A(ADJ, "ADJ") }, .codec = "J" },
	[VM_REC_MREMAP] = { "mremap", VM_OP_EVENT, FALSE, 3, 1,
			    { ADDR, A(LEN, "OLD_LEN"), A(NEW_LEN, "NEW_LEN") },
			    { { .type = VM_OPO_TO, .key = "to=", .label = "to=ADDR",
				.bit = VM_MREMAP_TO } },
			    .codec = "ALCGT" },
	/* global events */
	[VM_REC_CRASH] = { "crash", VM_OP_GLOBAL, FALSE, 0, 0, { { 0 } },
			   .codec = "" },
};

int vm_op_lookup(const char *s, size_t n)
{
	for (int k = 0; k < VM_REC_NR; k++) {
		const char *w = vm_ops[k].name;
		if (k != VM_REC_ACCESS && w[0] == s[0] && strlen(w) == n &&
		    memcmp(w, s, n) == 0)
			return k;
	}
	return -1;
}
