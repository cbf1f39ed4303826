/*
 * The terminal UI's shared state: tui.c drives the engine (step, run, seek)
 * and reads keys; draw.c draws the panes from this state and the query API.
 * Only ui/ includes curses.h (ARCHITECTURE.md).
 *
 * What the screen shows is "the view": the state after event `cur` of the
 * replay (0: before the first), the step that led there and the statistics
 * just before it, so the panes can say what changed.  Moving anywhere is
 * "replay to event k-1, take the statistics, run event k":
 *
 *   forward   vm_engine_step until events == k  (the callbacks watch
 *             breakpoints and keep a light copy of the latest step)
 *   back      vm_engine_seek(k - 1), then one vm_engine_step
 */
#ifndef VM_UI_TUI_H
#define VM_UI_TUI_H

#include <glib.h>
#include "sim/engine.h"
#include "sim/query.h"

enum {
	VM_PANE_TRACE, VM_PANE_PT, VM_PANE_WHY, VM_PANE_TLB, VM_PANE_MEM,
	VM_PANE_CACHE, VM_PANE_STATS, VM_PANE_NR
};

/* Breakpoint kinds beyond outcomes and record kinds. */
enum {
	VM_BP_OOM = 1 << 0,       /* the OOM killer killed a process */
	VM_BP_EVICT = 1 << 1,     /* reclaim evicted pages */
	VM_BP_KILL = 1 << 2,      /* a process died of a signal or OOM */
	VM_BP_EXPECT = 1 << 3,    /* an expect line failed */
};

/* One access of the latest event, kept raw; worded only when shown. */
typedef struct {
	uint64_t vaddr;
	vm_acc_t acc;
	vm_result_t res;
} vm_tui_acc_t;

#define VM_TUI_MAX_ACC 256        /* accesses of one event kept for the pane */

typedef struct {
	int y, x, h, w;
} vm_rect_t;

typedef struct {
	vm_engine_t *e;
	char *name;                   /* trace file name for the title */

	/* the trace text, for the trace pane and search */
	char *text;
	uint64_t text_len;
	GArray *lines;                /* uint64_t offset of each line's start */

	/* the view */
	uint64_t cur;                 /* events run (the engine agrees) */
	uint64_t total;               /* events in the trace, 0: not known yet */
	gboolean have_step;           /* cur > 0 and step/rec describe event cur */
	vm_step_t step;               /* step.rec points at rec */
	vm_record_t rec;
	GString *expect_msg;          /* its failed expect, when one failed */
	GString *narr;                /* vm_narrate_step of it */
	vm_tui_acc_t *acc;            /* its accesses (the first VM_TUI_MAX_ACC) */
	unsigned nr_acc;
	uint64_t more_acc;            /* accesses not kept */
	vm_q_stats_t before, after;   /* statistics around event cur */
	char *error;                  /* the engine stopped with this error */
	gboolean have_walk;           /* the latest access known, for the walk */
	uint32_t walk_pid;
	uint64_t walk_vaddr;
	vm_result_t walk_res;
	uint64_t walk_event;          /* the event it belongs to */
	uint32_t pid;                 /* process the panes show */

	/* light capture by the callbacks (every event while moving) */
	vm_step_t cap_step;
	vm_record_t cap_rec;
	GString *cap_expect;
	gboolean cap_valid;
	vm_tui_acc_t *cap_acc, *pend_acc;
	unsigned cap_nr, pend_nr;
	uint64_t cap_more, pend_more;
	gboolean cw_valid;            /* the latest access seen (for the walk) */
	uint32_t cw_pid;
	uint64_t cw_vaddr, cw_event;
	vm_result_t cw_res;
	vm_q_stats_t cap_before;      /* statistics before the captured event */
	vm_q_stats_t scratch;

	/* faults seen so far, for B: events 1..seen all went past on_step */
	GArray *faults;               /* uint64_t event numbers, ascending */
	uint64_t seen;

	/* breakpoints and stop conditions, checked in on_step */
	uint32_t bp_outcomes;         /* 1 << vm_outcome_t */
	uint64_t bp_kinds;            /* 1 << vm_rec_kind_t */
	uint32_t bp_other;            /* VM_BP_* */
	gboolean watching;            /* a run is on: check the above */
	gboolean stop_fault;          /* N: stop at any fault */
	uint64_t stop_line;           /* search: stop at line >= this (0: off) */
	gboolean stopped;             /* a condition held at the latest event */
	GString *stop_why;

	/* predict mode */
	gboolean predict;
	uint64_t asked, right;
	gboolean guessing;            /* waiting for a guess about event cur+1 */
	vm_outcome_t answer;
	GString *question;            /* the record the guess is about */

	/* screen */
	gboolean color;
	gboolean mouse;
	int focus;
	gboolean zoom;
	gboolean help;
	int scroll[VM_PANE_NR];
	vm_rect_t rect[VM_PANE_NR];   /* where each pane was drawn (mouse) */
	GString *msg;                 /* one-shot message on the bottom line */
	GString *search;              /* the last search text */
} vm_tui_t;

/* draw.c */
void vm_tui_colors_init(vm_tui_t *t);
void vm_tui_draw(vm_tui_t *t);
/* The bottom line as a prompt: "@label@text_" (the caller reads keys). */
void vm_tui_draw_prompt(vm_tui_t *t, const char *label, const char *text);
/* A progress note on the status line during a long run. */
void vm_tui_draw_progress(vm_tui_t *t, uint64_t events);
/* Line @n (1-based) of the trace text: *len its length; NULL past the end. */
const char *vm_tui_line(const vm_tui_t *t, uint64_t n, int *len);
/* Breakpoints as words, "major cow oom", into @out. */
void vm_tui_bp_words(const vm_tui_t *t, GString *out);

#endif
