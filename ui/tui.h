/*
 * The terminal UI's shared state: tui.c drives the engine (step, run, seek)
 * and handles keys; draw.c draws the panes from this state and the query
 * API; cmd-tui.c is the `vmscope tui` command and its terminal; headless.c
 * draws into a screen without a terminal, for the tests.  Only ui/
 * includes curses.h (ARCHITECTURE.md).
 *
 * What the screen shows is "the view": the state after event `cur` of the
 * replay (0: before the first), the step that led there and the statistics
 * just before it, so the panes can say what changed.  Moving anywhere is
 * "replay to event k-1, take the statistics, run event k":
 *
 *   forward   vm_engine_step until events == k  (the callbacks watch
 *             breakpoints and keep a light copy of the latest step)
 *   back      vm_engine_seek(k - 1), then one vm_engine_step
 *
 * Everything on the screen is a function of `cur` (and of what the user
 * chose to look at: the process, the pane, breakpoints, guesses), never
 * of the way the view got there, so `b` after `n` gives back exactly the
 * screen before.  What cannot be read off the machine at `cur` comes from
 * an index of the whole trace built by one silent pass when the trace is
 * opened (how many events, which ones fault, which ones access memory and
 * for which process), and the latest access of a process is fetched by a
 * seek to its event when it is not at hand.
 */
#ifndef VM_UI_TUI_H
#define VM_UI_TUI_H

#include <glib.h>
#include "sim/config.h"
#include "sim/engine.h"
#include "sim/query.h"
#include "ui/lines.h"

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

/* The latest access of an event: what the page-table pane shows. */
typedef struct {
	uint64_t event;           /* the event it belongs to */
	uint32_t pid;
	uint64_t vaddr;
	vm_result_t res;
} vm_tui_last_t;

#define VM_TUI_MAX_ACC 256        /* accesses of one event kept for the pane */

/*
 * What may stop a run, summed up per VM_TUI_CHUNK events by the index pass:
 * a run whose breakpoints no event of a chunk can meet goes over it
 * quietly (vm_engine_seek, no callbacks, no statistics before each event),
 * and steps with every check only through the chunks that may stop it.
 * 40 bytes per 1024 events.
 */
#define VM_TUI_CHUNK_SHIFT 10
#define VM_TUI_CHUNK ((uint64_t)1 << VM_TUI_CHUNK_SHIFT)
typedef struct {
	uint64_t kinds;           /* 1 << vm_rec_kind_t of its records */
	uint32_t outcomes;        /* 1 << vm_outcome_t met by its accesses */
	uint32_t other;           /* VM_BP_* that held at one of its events */
	uint64_t max_line;        /* the highest trace line among its records */
	uint64_t first_fault;     /* its first and last events that faulted */
	uint64_t last_fault;      /* (B), 0: none */
} vm_tui_chunk_t;

typedef struct {
	int y, x, h, w;
} vm_rect_t;

typedef struct {
	vm_engine_t *e;
	char *name;                   /* trace file name for the title */

	/* the trace's lines, for the trace pane and search (NULL: none, a
	 * binary trace or a stream) */
	vm_lines_t *lines;

	/* the index of the whole trace, from the silent pass at open */
	uint64_t total;               /* events in the trace (up to an error) */
	GArray *crashes;              /* ... of crashes (the reboot starts over) */
	GHashTable *runs;             /* pid -> GArray of the first and last event
				       * of each chunk in which it accessed
				       * memory (tui.c span_t) */
	GArray *chunks;               /* vm_tui_chunk_t of events 1 + k * VM_TUI_CHUNK
				       * on */

	/* the view */
	uint64_t cur;                 /* events run (the engine agrees) */
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
	uint64_t error_at;            /* ... trying to run this event (0: none) */
	uint32_t pid;                 /* process the panes show */
	gboolean have_walk;           /* walk: pid's latest access at or before cur */
	vm_tui_last_t walk;

	/* light capture by the callbacks (every event while moving) */
	vm_step_t cap_step;
	vm_record_t cap_rec;
	GString *cap_expect;
	gboolean cap_valid;
	vm_tui_acc_t *cap_acc, *pend_acc;
	unsigned cap_nr, pend_nr;
	uint64_t cap_more, pend_more;
	vm_q_stats_t cap_before;      /* statistics before the captured event */
	vm_q_stats_t scratch;
	GHashTable *lasts;            /* pid -> vm_tui_last_t: the latest access
				       * of each process the callbacks saw */
	vm_tui_last_t *last_hit;      /* the entry of lasts written last */
	uint64_t seen_lo, seen_hi;    /* the callbacks saw every event from
				       * seen_lo to seen_hi (0: none yet) */
	gboolean fetching;            /* a seek only to learn an earlier access */

	/* breakpoints and stop conditions, checked in on_step */
	uint32_t bp_outcomes;         /* 1 << vm_outcome_t */
	uint64_t bp_kinds;            /* 1 << vm_rec_kind_t */
	uint32_t bp_other;            /* VM_BP_* */
	gboolean watching;            /* a run is on: check the above */
	gboolean stop_fault;          /* N: stop at any fault */
	uint64_t stop_line;           /* search: stop at line >= this (0: off) */
	gboolean stopped;             /* a condition held at the latest event */
	GString *stop_why;

	/* predict mode: guesses are kept by event, so going back and forth
	 * never asks (or scores) the same access twice */
	gboolean predict;
	GHashTable *guesses;          /* event -> guessed vm_outcome_t + 1 */
	uint64_t asked, right;        /* over guesses */
	gboolean guessing;            /* waiting for a guess about event cur+1 */
	vm_outcome_t answer;
	GString *question;            /* the record the guess is about */

	/* screen */
	gboolean color;
	gboolean mouse;
	gboolean hangup;              /* the terminal went away: quit */
	int focus;
	gboolean zoom;
	gboolean help;
	int scroll[VM_PANE_NR];
	int tlb_cpu;                  /* several CPUs: the CPU whose TLBs the
				       * TLB pane shows (-1: the running one);
				       * `c` cycles through them */
	vm_rect_t rect[VM_PANE_NR];   /* where each pane was drawn (mouse) */
	GString *msg;                 /* one-shot message on the bottom line */
	GString *search;              /* the last search text */
} vm_tui_t;

/* tui.c */
vm_tui_t *vm_tui_new(void);
void vm_tui_free(vm_tui_t *t);
/*
 * Open the trace at @path, or the text @memory (named @path) when not NULL,
 * with the replay options: build the index of the whole trace by a silent
 * pass, then an engine with snapshots for the view, at event 0.  FALSE with
 * @error when the trace or profile is bad.
 */
gboolean vm_tui_open(vm_tui_t *t, const char *path, const char *memory,
		     const vm_config_t *base, char **sets, gboolean check,
		     GError **error);
/* Handle key @ch (a curses key code); FALSE to quit. */
gboolean vm_tui_key(vm_tui_t *t, int ch);
/* Read a key; ERR, with t->hangup set, when the terminal is gone. */
int vm_tui_getch(vm_tui_t *t);
/* The breakpoint (or N / search condition) event @st meets, as words into
 * @why; FALSE when none.  @conditions: check the N and search conditions. */
gboolean vm_tui_bp_check(const vm_tui_t *t, const vm_step_t *st,
			 gboolean conditions, GString *why);

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
/* The status line for a screen @cols wide, shortened to fit it. */
void vm_tui_status(vm_tui_t *t, int cols, GString *out);

/* headless.c: a screen without a terminal (tests) */
/* Set up curses on no terminal, @rows x @cols; FALSE when it cannot. */
gboolean vm_tui_headless_begin(int rows, int cols);
void vm_tui_headless_resize(int rows, int cols);
/* Draw @t and return the screen: its text, then its attributes. */
char *vm_tui_headless_screen(vm_tui_t *t);
/* Queue @keys (curses codes, 0-terminated) for the next reads. */
void vm_tui_headless_keys(const int *keys);
/* The curses code of key @name: "down", "up", "left", "right", "npage". */
int vm_tui_headless_keycode(const char *name);
void vm_tui_headless_end(void);

#endif
