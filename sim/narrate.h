/*
 * Narration: the words of `explain` and of the TUI's "why" pane.  The models
 * return structured results (an outcome, a vm_why_t reason, how far the walk
 * went, which TLB hit); this file alone turns them into sentences, and only
 * when someone asked, so the replay itself never formats a string.
 */
#ifndef VM_NARRATE_H
#define VM_NARRATE_H

#include <glib.h>
#include "sim/engine.h"

/* One line (no newline) for event @st. */
void vm_narrate_step(GString *out, vm_engine_t *e, const vm_step_t *st);
/* A time as vm_narrate_time prints it, kept: its value rounded to what it
 * prints (@q) in scale @scale (0: nothing kept), and the text. */
typedef struct {
	uint64_t q;
	uint8_t scale, len;
	char text[32];
} vm_narrate_time_memo_t;
/* What vm_narrate_step_memo keeps from one event's line to the next: the
 * event number's text (the next is usually one more: its last digit goes
 * up), the start time's (consecutive events usually start within the same
 * printed hundredth of a microsecond or thousandth of a millisecond) and
 * the duration's (most take one of a few).  Owned by the caller, zeroed
 * to start; the lines are those of vm_narrate_step, only cheaper (explain
 * writes one per event). */
/* The outcome and reason of a one-page access (what follows "  ->  ")
 * for a result with no vm_why_t (no fault) and no huge page, whose words
 * come from the result record alone, its frame number at most once and
 * at a known place (after "PTE present: frame "): the same record but
 * for the frame number is the same text with that number in the hole. */
typedef struct {
	vm_result_t key;         /* the result, its frame number masked */
	uint8_t len;             /* 0: nothing kept; else the bytes of text
				  * (before the hole, when there is one) */
	uint8_t hole;            /* the frame number follows text, then after */
	uint8_t after_len;
	char text[96];
	char after[16];
	/* the duration of the last line of this slot, as text: the same
	 * result usually took the same time */
	uint64_t took;
	uint8_t took_len;        /* 0: none */
	char took_text[32];
} vm_narrate_tail_memo_t;
typedef struct {
	uint64_t index;          /* the last event number, as index_text */
	uint8_t index_len;
	char index_text[24];
	vm_narrate_time_memo_t start, took;
	/* by kind (an L1 hit, an L2 hit, a walk; to a frame or to the
	 * zero page): a random access's kind changes from one to the next */
	vm_narrate_tail_memo_t tail[8];
	uint64_t plain;          /* lines written whole from the memo (the
				  * tests count them) */
} vm_narrate_memo_t;
void vm_narrate_step_memo(GString *out, vm_engine_t *e, const vm_step_t *st,
			  vm_narrate_memo_t *memo);
/* The reason for one access's outcome, e.g. "TLB miss; walk read 2
 * entries, PTE not present; anonymous read: mapped the shared zero page"
 * (without its cost, which the caller has in res->cost). */
void vm_narrate_access(GString *out, vm_engine_t *e, uint64_t vaddr,
		       vm_acc_t acc, const vm_result_t *res);
/* The page-table entries of @vaddr in process @pid now, level by level:
 * "L1[0x20] -> frame 3, L2[0x48] -> frame 7" (a directory entry names the
 * frame of the table below; "-> table 2 (not in memory)" when tables take
 * no memory, mmu.pt_frames=false). */
void vm_narrate_walk(GString *out, vm_engine_t *e, uint32_t pid, uint64_t vaddr);
/* A duration for people: 100ns, 1.00us, 5.022ms, 2.500s, each digit as
 * printf("%.2f" / "%.3f") writes it for ns / 1e3, 1e6 or 1e9.  Below
 * VM_NARRATE_EXACT_NS (11.6 days) written by hand, above with printf. */
#define VM_NARRATE_EXACT_NS UINT64_C(1000000000000000)
void vm_narrate_time(GString *out, uint64_t ns);

#endif
