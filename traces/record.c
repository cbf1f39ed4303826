/*
 * Trace records: names of the kinds and ops, and deep copies.
 *
 * A record's strings normally point into its reader's buffers and die at the
 * reader's next call (see record.h); that keeps the replay loop free of
 * allocation.  The few users that must keep a record longer (the TUI's
 * history, a window of records held while processes wait for I/O that still
 * needs their note text) take an owned copy with vm_record_copy() and
 * release it with vm_record_clear().
 *
 * The names here are the words a trace uses, so that `explain`, error
 * messages and the TUI's breakpoints speak the trace's language: the op of
 * an access is "r", "w" or "x" (vm_record_op_name), while the kind itself
 * is called "access" (vm_record_kind_name), since no single op word names it.
 */
#include <stdint.h>
#include "traces/record.h"
#include "traces/op.h"


void
vm_record_copy(vm_record_t *dst, const vm_record_t *src)
{
	g_return_if_fail(dst != NULL && src != NULL);

	*dst = *src;
	dst->name = g_strdup(src->name);
	dst->value = g_strdup(src->value);
	dst->expect_file = g_strdup(src->expect_file);
	if (src->nr_checks > 0 && src->checks != NULL) {
		vm_check_t *c = g_new(vm_check_t, src->nr_checks);

		for (uint32_t i = 0; i < src->nr_checks; i++) {
			c[i] = src->checks[i];
			c[i].key = g_strdup(src->checks[i].key);
			c[i].value = g_strdup(src->checks[i].value);
		}
		dst->checks = c;
	} else {
		dst->checks = NULL;
	}
}

/* The const in a record is for a reader's borrowed strings; a copy owns its
 * strings, so freeing them drops the const (through an integer, so that
 * -Wcast-qual stays quiet about a cast that is deliberate). */
static void
free_owned(const void *p)
{
	g_free((void *)(uintptr_t)p);
}

void
vm_record_clear(vm_record_t *rec)
{
	g_return_if_fail(rec != NULL);

	free_owned(rec->name);
	free_owned(rec->value);
	free_owned(rec->expect_file);
	if (rec->checks != NULL) {
		for (uint32_t i = 0; i < rec->nr_checks; i++) {
			free_owned(rec->checks[i].key);
			free_owned(rec->checks[i].value);
		}
		free_owned(rec->checks);
	}
	rec->name = NULL;
	rec->value = NULL;
	rec->expect_file = NULL;
	rec->checks = NULL;
	rec->nr_checks = 0;
}

const char *
vm_record_kind_name(vm_rec_kind_t kind)
{
	if (kind == VM_REC_KSWAPD)
		return "kswapd";
	if ((unsigned)kind >= VM_REC_NR)
		return "?";
	return vm_ops[kind].name;
}

const char *
vm_record_op_name(const vm_record_t *rec)
{
	g_return_val_if_fail(rec != NULL, "?");

	if (rec->kind == VM_REC_ACCESS) {
		switch (rec->acc) {
		case VM_ACC_R: return "r";
		case VM_ACC_W: return "w";
		case VM_ACC_X: return "x";
		}
		return "?";
	}
	return vm_record_kind_name(rec->kind);
}

uint64_t
vm_record_accesses(const vm_record_t *rec, uint64_t page_size)
{
	switch (rec->kind) {
	case VM_REC_ACCESS:
		/* the pages [addr, addr+len) touches; the trace check refuses
		 * a range that wraps */
		return (rec->addr + rec->len - 1) / page_size - rec->addr / page_size + 1;
	case VM_REC_SEQ: {
		uint64_t stride = rec->stride ? rec->stride : page_size;
		/* ceil(len / stride), without len + stride - 1, which wraps
		 * for a stride near 2^64 */
		return rec->len / stride + (rec->len % stride != 0);
	}
	case VM_REC_RAND:
		return rec->count;
	default:
		return 0;
	}
}
