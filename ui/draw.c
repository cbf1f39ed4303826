/*
 * The panes of the terminal UI (ui/README.md), drawn from vm_tui_t and the
 * query API.  Every pane draws into a rectangle and adapts to its size, so
 * the same code fills a 19-column corner at 80x24 and the whole screen when
 * zoomed.  Layout at 80x24 (larger screens scale the bands):
 *
 *   row 0     status: trace, event, line, time, process, modes
 *   1..7      Trace (around the current line)   │ Page table walk + VMAs
 *   8..12     Why: the narration of the event
 *   13..22    TLB │ Memory map │ Page cache & disk │ Statistics (Δ)
 *   23        keys, messages and prompts
 *
 * Colours carry meaning twice: a letter or mark always says the same, so
 * NO_COLOR (and monochrome terminals) lose nothing but the colour.
 */
#include <config.h>
#include <string.h>
#include <curses.h>
#include "sim/narrate.h"
#include "sim/query.h"
#include "traces/vmt.h"
#include "ui/tui.h"

enum {
	C_TITLE = 1, C_FOCUS, C_CUR, C_DIM, C_NOTE, C_GOOD, C_BAD, C_WARN,
	C_INFO, C_CHANGE, C_STATUS,
	/* outcomes */
	C_OUT0,
	/* frame states */
	C_FRAME0 = C_OUT0 + VM_OUT_NR,
	C_NR = C_FRAME0 + VM_QF_NR
};

static attr_t attrs[C_NR];

void vm_tui_colors_init(vm_tui_t *t)
{
	/* monochrome first: what NO_COLOR gets */
	attrs[C_TITLE] = A_BOLD | A_UNDERLINE;
	attrs[C_FOCUS] = A_REVERSE | A_BOLD;
	attrs[C_CUR] = A_REVERSE;
	attrs[C_DIM] = A_DIM;
	attrs[C_NOTE] = A_BOLD;
	attrs[C_GOOD] = A_BOLD;
	attrs[C_BAD] = A_BOLD | A_UNDERLINE;
	attrs[C_WARN] = A_BOLD;
	attrs[C_INFO] = A_NORMAL;
	attrs[C_CHANGE] = A_BOLD;
	attrs[C_STATUS] = A_REVERSE;
	for (int o = 0; o < VM_OUT_NR; o++)
		attrs[C_OUT0 + o] = o >= VM_OUT_MINOR ? A_BOLD : A_NORMAL;
	for (int s = 0; s < VM_QF_NR; s++)
		attrs[C_FRAME0 + s] = s == VM_QF_FREE ? A_DIM : A_BOLD;
	if (!t->color)
		return;
	start_color();
	use_default_colors();
	static const struct { int id; short fg, bg; attr_t extra; } pairs[] = {
		{ C_TITLE, COLOR_CYAN, -1, A_BOLD },
		{ C_FOCUS, COLOR_BLACK, COLOR_CYAN, A_BOLD },
		{ C_CUR, COLOR_BLACK, COLOR_YELLOW, 0 },
		{ C_DIM, COLOR_BLUE, -1, 0 },
		{ C_NOTE, COLOR_GREEN, -1, A_BOLD },
		{ C_GOOD, COLOR_GREEN, -1, A_BOLD },
		{ C_BAD, COLOR_RED, -1, A_BOLD },
		{ C_WARN, COLOR_YELLOW, -1, A_BOLD },
		{ C_INFO, COLOR_CYAN, -1, 0 },
		{ C_CHANGE, COLOR_YELLOW, -1, A_BOLD },
		{ C_STATUS, COLOR_WHITE, COLOR_BLUE, A_BOLD },
		{ C_OUT0 + VM_OUT_HIT, COLOR_GREEN, -1, 0 },
		{ C_OUT0 + VM_OUT_WALK, COLOR_CYAN, -1, 0 },
		{ C_OUT0 + VM_OUT_MINOR, COLOR_YELLOW, -1, A_BOLD },
		{ C_OUT0 + VM_OUT_MAJOR, COLOR_RED, -1, A_BOLD },
		{ C_OUT0 + VM_OUT_COW, COLOR_MAGENTA, -1, A_BOLD },
		{ C_OUT0 + VM_OUT_ZERO, COLOR_BLUE, -1, A_BOLD },
		{ C_OUT0 + VM_OUT_SIGSEGV, COLOR_RED, -1, A_BOLD | A_REVERSE },
		{ C_OUT0 + VM_OUT_SIGBUS, COLOR_RED, -1, A_BOLD | A_REVERSE },
		{ C_FRAME0 + VM_QF_FREE, COLOR_BLUE, -1, 0 },
		{ C_FRAME0 + VM_QF_ANON, COLOR_GREEN, -1, A_BOLD },
		{ C_FRAME0 + VM_QF_FILE_CLEAN, COLOR_CYAN, -1, A_BOLD },
		{ C_FRAME0 + VM_QF_FILE_DIRTY, COLOR_YELLOW, -1, A_BOLD },
		{ C_FRAME0 + VM_QF_PT, COLOR_MAGENTA, -1, A_BOLD },
		{ C_FRAME0 + VM_QF_SHARED, COLOR_RED, -1, A_BOLD },
	};
	for (unsigned i = 0; i < G_N_ELEMENTS(pairs); i++) {
		if (pairs[i].id >= COLOR_PAIRS)
			continue;
		init_pair((short)pairs[i].id, pairs[i].fg, pairs[i].bg);
		attrs[pairs[i].id] = COLOR_PAIR(pairs[i].id) | pairs[i].extra;
	}
}

/* ---- small helpers ------------------------------------------------------ */

/* Print @s (at most @n bytes) at (@y, @x), clipped to @w columns. */
static void putn(int y, int x, int w, attr_t a, const char *s, int n)
{
	if (w <= 0 || y < 0 || y >= LINES)
		return;
	int len = 0;
	while (len < n && s[len] && len < w)
		len++;
	attron(a);
	mvaddnstr(y, x, s, len);
	attroff(a);
}

static void put(int y, int x, int w, attr_t a, const char *s)
{
	putn(y, x, w, a, s, (int)strlen(s));
}

static void G_GNUC_PRINTF(5, 6) putf(int y, int x, int w, attr_t a,
				      const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *s = g_strdup_vprintf(fmt, ap);
	va_end(ap);
	put(y, x, w, a, s);
	g_free(s);
}

static void blank(int y, int x, int w, attr_t a)
{
	attron(a);
	mvhline(y, x, ' ', w);
	attroff(a);
}

static void title(vm_tui_t *t, int pane, const vm_rect_t *r, const char *s)
{
	attr_t a = t->focus == pane ? attrs[C_FOCUS] : attrs[C_TITLE];
	blank(r->y, r->x, r->w, t->focus == pane ? a : A_NORMAL);
	put(r->y, r->x, r->w, a, s);
}

static const char *prot_str(uint32_t p, char buf[4])
{
	buf[0] = p & VM_PROT_R ? 'r' : '-';
	buf[1] = p & VM_PROT_W ? 'w' : '-';
	buf[2] = p & VM_PROT_X ? 'x' : '-';
	buf[3] = 0;
	return buf;
}

static attr_t outcome_attr(vm_outcome_t o)
{
	return o < VM_OUT_NR ? attrs[C_OUT0 + o] : A_NORMAL;
}

const char *vm_tui_line(const vm_tui_t *t, uint64_t n, int *len)
{
	return vm_lines_get(t->lines, n, len);
}

void vm_tui_bp_words(const vm_tui_t *t, GString *out)
{
	for (int o = 0; o < VM_OUT_NR; o++)
		if (t->bp_outcomes & (1u << o))
			g_string_append_printf(out, "%s%s", out->len ? " " : "",
					       vm_result_outcome_name((vm_outcome_t)o));
	for (int k = 0; k < VM_REC_NR; k++)
		if (t->bp_kinds & ((uint64_t)1 << k))
			g_string_append_printf(out, "%s%s", out->len ? " " : "",
					       vm_record_kind_name((vm_rec_kind_t)k));
	static const char *const other[] = { "oom", "evict", "kill", "expect" };
	for (unsigned i = 0; i < G_N_ELEMENTS(other); i++)
		if (t->bp_other & (1u << i))
			g_string_append_printf(out, "%s%s", out->len ? " " : "", other[i]);
}

/* Word-wrap @s into lines of at most @w columns (a GPtrArray of strings). */
static GPtrArray *wrap(const char *s, int w, const char *indent)
{
	GPtrArray *lines = g_ptr_array_new_with_free_func(g_free);
	if (w < 8)
		w = 8;
	int ind = (int)strlen(indent);
	gboolean first = TRUE;
	while (*s) {
		int room = first ? w : w - ind;
		int n = (int)strlen(s);
		const char *nl = strchr(s, '\n');
		if (nl && nl - s <= room)
			n = (int)(nl - s);
		else if (n > room) {
			int cut = room;
			while (cut > room / 2 && s[cut] != ' ')
				cut--;
			n = s[cut] == ' ' ? cut : room;
		}
		g_ptr_array_add(lines, g_strdup_printf("%s%.*s", first ? "" : indent, n, s));
		s += n;
		while (*s == ' ' || *s == '\n')
			s++;
		first = FALSE;
	}
	return lines;
}

/* ---- the status line and the bottom line ------------------------------------- */

/*
 * The status line: trace, event, line, time, process, predict score,
 * breakpoints, and whether the event shown is one a breakpoint stops at.
 * Said in full when it fits, else with the breakpoint list cut, in shorter
 * words, then with the trace name cut, so that it fits @cols.
 */
void vm_tui_status(vm_tui_t *t, int cols, GString *s)
{
	GString *bp = g_string_new(NULL), *here = g_string_new(NULL);
	vm_tui_bp_words(t, bp);
	/* derived from the event shown, so it goes as soon as one steps past */
	gboolean at_bp = t->have_step && bp->len &&
			 vm_tui_bp_check(t, &t->step, FALSE, here);
	const char *why = here->str;
	if (g_str_has_prefix(why, "breakpoint: "))
		why += strlen("breakpoint: ");
	char *bp_short = NULL;
	if (bp->len) {
		/* the first word and how many more */
		const char *sp = strchr(bp->str, ' ');
		unsigned more = 0;
		for (const char *c = bp->str; *c; c++)
			more += *c == ' ';
		bp_short = sp ? g_strdup_printf("%.*s +%u", (int)(sp - bp->str), bp->str, more)
			      : g_strdup(bp->str);
	}
	GString *tm = g_string_new(NULL);
	vm_narrate_time(tm, vm_engine_now(t->e));
	for (int level = 0; level < 5; level++) {
		gboolean short_bp = level >= 1, terse = level >= 2, tight = level >= 3;
		const char *gap = tight ? " " : "  ";
		g_string_assign(s, tight ? " " : " vmscope ");
		size_t name_at = s->len;
		g_string_append(s, t->name);
		size_t name_end = s->len;
		g_string_append_printf(s, "%s%s %" G_GUINT64_FORMAT "/%" G_GUINT64_FORMAT,
				       gap, terse ? "ev" : "event", t->cur, t->total);
		if (t->have_step)
			g_string_append_printf(s, "%s%s %" G_GUINT64_FORMAT, gap,
					       terse ? "ln" : "line", t->rec.line);
		g_string_append_printf(s, "%st=%s%spid %u", gap, tm->str, gap, t->pid);
		if (t->predict)
			g_string_append_printf(s, "%s[%s %" G_GUINT64_FORMAT "/%" G_GUINT64_FORMAT "]",
					       gap, terse ? "pred" : "predict", t->right, t->asked);
		if (bp->len)
			g_string_append_printf(s, "%s[%s %s]", gap, terse ? "bp:" : "break on:",
					       short_bp ? bp_short : bp->str);
		if (at_bp)
			g_string_append_printf(s, "%s[%s %s]", gap, terse ? "stop:" : "stopped:", why);
		if ((int)s->len <= cols)
			break;
		if (level == 4) {
			/* last: the trace name gives way, down to 6 characters */
			size_t over = s->len - (size_t)cols;
			size_t nl = name_end - name_at;
			if (nl > 6) {
				size_t cut = MIN(over + 1, nl - 6);
				g_string_erase(s, (gssize)(name_end - cut), (gssize)cut);
				g_string_insert_c(s, (gssize)(name_end - cut), '~');
			}
		}
	}
	g_string_free(tm, TRUE);
	g_free(bp_short);
	g_string_free(bp, TRUE);
	g_string_free(here, TRUE);
}

static void draw_status(vm_tui_t *t)
{
	GString *s = g_string_new(NULL);
	vm_tui_status(t, COLS, s);
	blank(0, 0, COLS, attrs[C_STATUS]);
	put(0, 0, COLS, attrs[C_STATUS], s->str);
	g_string_free(s, TRUE);
}

static void draw_bottom(vm_tui_t *t)
{
	int y = LINES - 1;
	blank(y, 0, COLS, A_NORMAL);
	if (t->guessing) {
		putf(y, 0, COLS, attrs[C_WARN],
		     "guess: h)it w)alk m)inor M)ajor c)ow z)ero s)igsegv S)igbus  Esc: skip");
		return;
	}
	if (t->msg->len) {
		put(y, 0, COLS, attrs[C_WARN], t->msg->str);
		return;
	}
	put(y, 0, COLS, A_NORMAL, COLS >= 100
	    ? "n:next b:back N/B:next/prev fault r:run k:break /:search g:go p:predict "
	      "P:process Tab:pane z:zoom ?:help q:quit"
	    : "n:next b:back N/B:fault r:run k:break /:find g:go p:predict Tab z ?:help q");
}

void vm_tui_draw_prompt(vm_tui_t *t, const char *label, const char *text)
{
	(void)t;
	int y = LINES - 1;
	blank(y, 0, COLS, A_NORMAL);
	int ll = (int)strlen(label);
	/* a long label gives way to the text being typed */
	int show = MIN(ll, MAX(0, COLS - 20));
	putn(y, 0, COLS, attrs[C_WARN], label + (ll - show), show);
	put(y, show, COLS - show - 1, A_NORMAL, text);
	move(y, MIN(COLS - 1, show + (int)strlen(text)));
	refresh();
}

void vm_tui_draw_progress(vm_tui_t *t, uint64_t events)
{
	char buf[128];
	g_snprintf(buf, sizeof buf, " running... event %" G_GUINT64_FORMAT
		   " (any key stops)", events);
	blank(0, 0, COLS, attrs[C_STATUS]);
	put(0, 0, COLS, attrs[C_STATUS], buf);
	(void)t;
	refresh();
}

/* ---- Trace ------------------------------------------------------------------- */

static void draw_trace(vm_tui_t *t, const vm_rect_t *r)
{
	title(t, VM_PANE_TRACE, r, " Trace");
	int rows = r->h - 1;
	if (rows <= 0)
		return;
	uint64_t cur = t->have_step ? t->rec.line : 0;
	if (!t->lines) {
		if (t->have_step) {
			GString *s = g_string_new(NULL);
			vm_vmt_format(&t->rec, s);
			putf(r->y + 1, r->x, r->w, attrs[C_CUR], "> %s", s->str);
			g_string_free(s, TRUE);
		}
		return;
	}
	/* the current line a third of the way down, scrolled by the user */
	int64_t first = (int64_t)cur - rows / 3 + t->scroll[VM_PANE_TRACE];
	int64_t nr = (int64_t)vm_lines_count(t->lines);
	if (first + rows > nr + 1)
		first = nr + 1 - rows;
	if (first < 1)
		first = 1;
	for (int i = 0; i < rows; i++) {
		uint64_t ln = (uint64_t)first + (uint64_t)i;
		int len;
		const char *l = vm_tui_line(t, ln, &len);
		if (!l)
			break;
		int y = r->y + 1 + i;
		while (len && (*l == ' ' || *l == '\t')) {
			l++;
			len--;
		}
		attr_t a = A_NORMAL;
		if (ln == cur)
			a = attrs[C_CUR];
		else if (len && l[0] == '#')
			a = attrs[C_DIM];
		else if (len > 6 && g_strstr_len(l, len, " note "))   /* @l is not NUL-terminated */
			a = attrs[C_NOTE];
		else if (len > 7 && !strncmp(l, "vmt", 3))
			a = attrs[C_DIM];
		if (ln == cur)
			blank(y, r->x, r->w, a);
		char gutter[24];
		g_snprintf(gutter, sizeof gutter, "%c%4" G_GUINT64_FORMAT " ",
			   ln == cur ? '>' : ' ', ln);
		put(y, r->x, r->w, ln == cur ? a : attrs[C_DIM], gutter);
		int gw = (int)strlen(gutter);
		putn(y, r->x + gw, r->w - gw, a, l, len);
	}
}

/* ---- Page table and mappings ------------------------------------------------ */

static void draw_pt(vm_tui_t *t, const vm_rect_t *r)
{
	char buf[128], pb[4];
	g_snprintf(buf, sizeof buf, " Page table & mappings: pid %u", t->pid);
	vm_q_proc_t p;
	gboolean have = vm_query_proc_by_pid(t->e, t->pid, &p);
	if (have && strcmp(p.state, "running") != 0)
		g_strlcat(buf, strcmp(p.state, "killed") == 0 ? " (killed)" : " (exited)",
			  sizeof buf);
	title(t, VM_PANE_PT, r, buf);
	int y = r->y + 1, end = r->y + r->h;
	int skip = t->scroll[VM_PANE_PT];
	GPtrArray *rows = g_ptr_array_new_with_free_func(g_free);
	GArray *ra = g_array_new(FALSE, FALSE, sizeof(attr_t));
#define ROW(a, ...) do { g_ptr_array_add(rows, g_strdup_printf(__VA_ARGS__)); \
		attr_t a_ = (a); g_array_append_val(ra, a_); } while (0)
	if (!have) {
		ROW(attrs[C_DIM], "no process %u yet", t->pid);
	} else if (t->have_walk) {
		const vm_result_t *res = &t->walk.res;
		vm_q_walk_t w;
		vm_query_walk(t->e, t->pid, t->walk.vaddr, &w);
		if (t->walk.event == t->cur)
			ROW(A_NORMAL, "this access 0x%" G_GINT64_MODIFIER "x (vpn 0x%"
			    G_GINT64_MODIFIER "x):", t->walk.vaddr, w.vpn);
		else
			ROW(A_NORMAL, "last access, event %" G_GUINT64_FORMAT ": 0x%"
			    G_GINT64_MODIFIER "x (vpn 0x%" G_GINT64_MODIFIER "x):",
			    t->walk.event, t->walk.vaddr, w.vpn);
		if (res->tlb == 1)
			ROW(attrs[C_OUT0 + VM_OUT_HIT], " L1 TLB hit: no walk%s",
			    res->tlb_denied ? ", entry read-only: fault" : "");
		else if (res->tlb == 2)
			ROW(attrs[C_OUT0 + VM_OUT_HIT], " L2 TLB hit: no walk%s",
			    res->tlb_denied ? ", entry read-only: fault" : "");
		else if (res->walked)
			ROW(attrs[C_OUT0 + VM_OUT_WALK], " TLB miss: the walk read %u entr%s",
			    res->refs, res->refs == 1 ? "y" : "ies");
		else
			ROW(A_NORMAL, " no walk");
		for (unsigned l = 0; l < w.levels; l++) {
			const vm_q_level_t *lv = &w.level[l];
			gboolean read = res->walked && l < res->refs;
			gboolean stop = read && l + 1 == res->refs &&
					(!res->leaf_found || !res->pte_present);
			char ent[80];
			if (w.huge && l + 1 == w.refs && w.zero_page)
				/* a PMD leaf: the walk ends a level early */
				g_snprintf(ent, sizeof ent, "-> huge zero page %s%s",
					   prot_str(w.perm, pb), w.accessed ? " A" : "");
			else if (w.huge && l + 1 == w.refs)
				g_snprintf(ent, sizeof ent, "-> huge page, frame %" G_GUINT64_FORMAT
					   " %s%s%s", w.pfn, prot_str(w.perm, pb),
					   w.accessed ? " A" : "", w.dirty ? " D" : "");
			else if (w.huge && l >= w.refs)
				g_snprintf(ent, sizeof ent, "(none: the PMD entry maps the page)");
			else if (l >= w.refs)
				g_snprintf(ent, sizeof ent, "(no table)");
			else if (!lv->present && l + 1 < w.levels)
				g_snprintf(ent, sizeof ent, "empty");
			else if (l + 1 < w.levels && lv->next_frame != VM_NIL)
				/* what a real directory entry holds: the frame */
				g_snprintf(ent, sizeof ent, "-> frame %u", lv->next_frame);
			else if (l + 1 < w.levels)
				/* mmu.pt_frames=false: tables take no memory */
				g_snprintf(ent, sizeof ent, "-> table %u (not in memory)",
					   lv->next_table);
			else if (w.zero_page)
				g_snprintf(ent, sizeof ent, "-> zero page %s%s", prot_str(w.perm, pb),
					   w.accessed ? " A" : "");
			else if (w.present)
				g_snprintf(ent, sizeof ent, "-> frame %" G_GUINT64_FORMAT " %s%s%s",
					   w.pfn, prot_str(w.perm, pb), w.accessed ? " A" : "",
					   w.dirty ? " D" : "");
			else if (w.swapped)
				g_snprintf(ent, sizeof ent, "swap slot %" G_GUINT64_FORMAT, w.pfn);
			else
				g_snprintf(ent, sizeof ent, "not present");
			attr_t a = read ? (stop ? attrs[C_BAD] : attrs[C_GOOD]) : attrs[C_DIM];
			ROW(a, "%c L%u[0x%x] %s", stop ? '!' : read ? '*' : ' ', l + 1,
			    lv->index, ent);
		}
	} else {
		ROW(attrs[C_DIM], "pid %u has made no access yet", t->pid);
	}
	if (have) {
		ROW(attrs[C_INFO], "VMAs of pid %u (%u): resident/pages", t->pid, p.nr_vma);
		vm_q_vma_t v;
		for (unsigned i = 0; vm_query_vma(t->e, t->pid, i, &v); i++) {
			gboolean here = t->have_walk && t->walk.vaddr >= v.start &&
					t->walk.vaddr < v.end;
			ROW(here ? attrs[C_WARN] : A_NORMAL, "%c%" G_GINT64_MODIFIER "x-%"
			    G_GINT64_MODIFIER "x %s %s %s %" G_GUINT64_FORMAT "/%" G_GUINT64_FORMAT
			    "%s%s", here ? '>' : ' ', v.start, v.end, prot_str(v.prot, pb),
			    v.shared ? "shared" : "priv", v.file ? v.file : "anon",
			    v.present, v.pages, v.swapped ? " swp" : "",
			    strcmp(v.advice, "normal") ? v.advice : "");
		}
		if (p.nr_vma == 0)
			ROW(attrs[C_DIM], " (none)");
		ROW(attrs[C_INFO], "rss %" G_GUINT64_FORMAT " anon %" G_GUINT64_FORMAT
		    " file, swap %" G_GUINT64_FORMAT ", pt %" G_GUINT64_FORMAT,
		    p.rss_anon, p.rss_file, p.swap_pages, p.pt_pages);
		if (p.oom_score_adj)
			ROW(attrs[C_INFO], "oom_score_adj=%d%s", p.oom_score_adj,
			    p.oom_score_adj == -1000 ? " (never chosen by the OOM killer)" : "");
		ROW(attrs[C_DIM], "* read by the walk, ! faulted there");
	}
#undef ROW
	if (skip > (int)rows->len - 1)
		skip = t->scroll[VM_PANE_PT] = MAX(0, (int)rows->len - 1);
	for (guint i = (guint)skip; i < rows->len && y < end; i++, y++)
		put(y, r->x, r->w, g_array_index(ra, attr_t, i), g_ptr_array_index(rows, i));
	g_ptr_array_free(rows, TRUE);
	g_array_free(ra, TRUE);
}

/* ---- Why ---------------------------------------------------------------------- */

static void draw_why(vm_tui_t *t, const vm_rect_t *r)
{
	char buf[160];
	if (t->guessing)
		g_snprintf(buf, sizeof buf, " Predict: what will the next access do?");
	else if (t->have_step)
		g_snprintf(buf, sizeof buf, " Why: event %" G_GUINT64_FORMAT ", line %"
			   G_GUINT64_FORMAT, t->cur, t->rec.line);
	else
		g_snprintf(buf, sizeof buf, " Why");
	title(t, VM_PANE_WHY, r, buf);
	int badge_w = 0;
	if (t->have_step && !t->guessing && t->step.nr_access) {
		/* the outcome as a badge at the right of the title */
		vm_outcome_t o = (vm_outcome_t)t->step.last.outcome;
		if (o < VM_OUT_NR) {
			char badge[32];
			g_snprintf(badge, sizeof badge, " %s ", vm_result_outcome_name(o));
			int bx = r->x + r->w - (int)strlen(badge);
			if (bx > r->x + (int)strlen(buf)) {
				put(r->y, bx, r->w, outcome_attr(o) | A_REVERSE, badge);
				badge_w = (int)strlen(badge) + 1;
			}
		}
	}
	GString *s = g_string_new(NULL);
	attr_t a = A_NORMAL;
	if (t->guessing) {
		g_string_printf(s, "Next: %s\nWill it be a TLB hit, a walk, a minor or major fault, "
				"a copy-on-write, the zero page, SIGSEGV or SIGBUS?  Look at the TLB, "
				"the page table and the mappings, then press h w m M c z s or S.",
				t->question->str);
		a = attrs[C_WARN];
	} else if (!t->have_step) {
		g_string_printf(s, "The start of %s: nothing has run yet.  n (or space, or Right) "
				"runs the next event, b goes back, ? lists every key.", t->name);
	} else {
		/* the narration without its leading event number */
		const char *n = t->narr->str;
		while (*n == ' ')
			n++;
		while (*n >= '0' && *n <= '9')
			n++;
		while (*n == ' ')
			n++;
		g_string_append(s, n);
		if (t->rec.kind == VM_REC_NOTE)
			a = attrs[C_NOTE];
		else if (t->rec.kind == VM_REC_EXPECT && !t->step.expect_ok)
			a = attrs[C_BAD];
	}
	GPtrArray *lines = wrap(s->str, r->w, "  ");
	GArray *la = g_array_new(FALSE, FALSE, sizeof(attr_t));
	for (guint i = 0; i < lines->len; i++)
		g_array_append_val(la, a);
	g_string_free(s, TRUE);
#define ADD_WRAPPED(attr, text) do { \
		GPtrArray *sub_ = wrap((text), r->w, "  "); \
		attr_t at_ = (attr); \
		for (guint k_ = 0; k_ < sub_->len; k_++) { \
			g_ptr_array_add(lines, g_strdup(g_ptr_array_index(sub_, k_))); \
			g_array_append_val(la, at_); \
		} \
		g_ptr_array_free(sub_, TRUE); \
	} while (0)
	/* the time in brackets is CPU time: a wait for the disk comes on top
	 * of it and is easy to misread, so say what each is */
	if (t->have_step && !t->guessing && t->step.blocked &&
	    t->rec.kind != VM_REC_SLEEP && t->step.wait_until > t->step.end_ns) {
		GString *c = g_string_new("[");
		vm_narrate_time(c, t->step.end_ns - t->step.start_ns);
		g_string_append_printf(c, "] is the CPU time of this event; then pid %u waits "
				       "for the disk until t=", t->rec.pid);
		vm_narrate_time(c, t->step.wait_until);
		g_string_append(c, " (");
		vm_narrate_time(c, t->step.wait_until - t->step.end_ns);
		g_string_append(c, " more), and other processes may run meanwhile.");
		ADD_WRAPPED(attrs[C_INFO], c->str);
		g_string_free(c, TRUE);
	}
	/* an error the replay stops with, at the next event (tui.c) */
	if (t->error && !t->guessing && t->cur + 1 == t->error_at) {
		char *e = g_strdup_printf("The replay stops at the next event: %s", t->error);
		ADD_WRAPPED(attrs[C_BAD], e);
		g_free(e);
	}
#undef ADD_WRAPPED
	/* each access of a multi-page event, as explain --each says it */
	if (t->have_step && !t->guessing && t->step.nr_access > 1) {
		for (unsigned i = 0; i < t->nr_acc; i++) {
			const vm_tui_acc_t *x = &t->acc[i];
			GString *l = g_string_new(NULL);
			g_string_printf(l, "%c 0x%" G_GINT64_MODIFIER "x: %s: ",
					x->acc == VM_ACC_W ? 'w' : x->acc == VM_ACC_X ? 'x' : 'r',
					x->vaddr, vm_result_outcome_name((vm_outcome_t)x->res.outcome));
			vm_narrate_access(l, t->e, x->vaddr, x->acc, &x->res);
			GPtrArray *sub = wrap(l->str, r->w - 2, "    ");
			for (guint k = 0; k < sub->len; k++) {
				g_ptr_array_add(lines, g_strdup_printf("  %s",
					(char *)g_ptr_array_index(sub, k)));
				attr_t n = A_NORMAL;
				g_array_append_val(la, n);
			}
			g_ptr_array_free(sub, TRUE);
			g_string_free(l, TRUE);
		}
		if (t->more_acc) {
			g_ptr_array_add(lines, g_strdup_printf("  ... and %" G_GUINT64_FORMAT
							       " more accesses", t->more_acc));
			attr_t n = A_NORMAL;
			g_array_append_val(la, n);
		}
	}
	int rows = r->h - 1;
	int skip = t->scroll[VM_PANE_WHY];
	if (skip > (int)lines->len - rows)
		skip = t->scroll[VM_PANE_WHY] = MAX(0, (int)lines->len - rows);
	for (int i = 0; i < rows && (guint)(skip + i) < lines->len; i++)
		put(r->y + 1 + i, r->x, r->w, g_array_index(la, attr_t, skip + i),
		    g_ptr_array_index(lines, skip + i));
	if ((guint)(skip + rows) < lines->len) {
		/* say how to see the rest, on the title row (the text keeps
		 * every row): the keys depend on where one is */
		const char *more = t->focus == VM_PANE_WHY
			? (t->zoom ? " more below (Down, PgDn) " : " more below (Down, PgDn, z zooms) ")
			: " more below (w, then Down or z) ";
		int mw = (int)strlen(more);
		int mx = r->x + (int)strlen(buf) + 2;
		if (mx + mw <= r->x + r->w - badge_w)
			put(r->y, mx, mw, attrs[C_WARN] | A_REVERSE, more);
		else
			put(r->y + r->h - 1, r->x + MAX(0, r->w - 8), MIN(8, r->w),
			    attrs[C_WARN] | A_REVERSE, " (more) ");
	}
	g_array_free(la, TRUE);
	g_ptr_array_free(lines, TRUE);
}

/* ---- TLB ------------------------------------------------------------------------ */

static int draw_tlb_level(vm_tui_t *t, unsigned level, int y, int end,
			  const vm_rect_t *r, int skip)
{
	vm_q_tlb_info_t info;
	if (!vm_query_tlb_info_cpu(t->e, t->tlb_cpu, level, &info)) {
		if (y < end && level < 3)
			putf(y++, r->x, r->w, attrs[C_DIM], "L%u: none", level);
		return y;
	}
	/* "3/4 used": valid of all entries; then how a page may be placed.
	 * Level 3 is the L1 of 2 MiB pages (shown once one is mapped) */
	char head[64], geo[64], name[8];
	g_snprintf(name, sizeof name, level == 3 ? "L1 2M" : "L%u", level);
	g_snprintf(head, sizeof head, "%s %u/%u used, %s", name, info.valid,
		   info.entries, info.policy);
	if (info.ways == info.entries)
		g_snprintf(geo, sizeof geo, "fully associative");
	else if (info.ways == 1)
		g_snprintf(geo, sizeof geo, "direct-mapped, %u sets", info.sets);
	else
		g_snprintf(geo, sizeof geo, "%u-way, %u sets", info.ways, info.sets);
	if ((int)(strlen(head) + 2 + strlen(geo)) <= r->w) {
		if (y < end)
			putf(y++, r->x, r->w, attrs[C_INFO], "%s, %s", head, geo);
	} else {
		if (y < end)
			put(y++, r->x, r->w, attrs[C_INFO], head);
		if (y < end)
			putf(y++, r->x, r->w, attrs[C_INFO], " %s", geo);
	}
	if (!info.valid || y >= end)
		return y;
	vm_q_tlb_entry_t *ent = g_new(vm_q_tlb_entry_t, info.valid);
	unsigned n = vm_query_tlb_entries_cpu(t->e, t->tlb_cpu, level, ent, info.valid);
	const vm_machine_t *m = vm_engine_machine(t->e);
	uint64_t vpn = t->have_walk ? t->walk.vaddr >> m->page_shift : 0;
	uint64_t hmask = ~(((uint64_t)1 << m->hpage_order) - 1);
	/* entries carry the address space's pid: a thread's is its leader's */
	uint32_t asid = t->have_walk ? vm_query_mm_of(t->e, t->walk.pid) : 0;
	for (unsigned i = (unsigned)MIN((unsigned)skip, n); i < n && y < end; i++) {
		char pb[4], pfn[16];
		if (ent[i].pfn == VM_PFN_ZERO)
			g_strlcpy(pfn, "zero", sizeof pfn);
		else
			g_snprintf(pfn, sizeof pfn, "%" G_GUINT64_FORMAT, ent[i].pfn);
		/* a 2 MiB entry: its first page and frame, marked 2M; it is
		 * the walk's if the walked page is in its range */
		gboolean last = t->have_walk && ent[i].asid == asid &&
				(ent[i].huge ? (vpn & hmask) == ent[i].vpn
					     : ent[i].vpn == vpn);
		putf(y++, r->x, r->w, last ? attrs[C_CUR] : A_NORMAL,
		     "%c%5" G_GINT64_MODIFIER "x %4s %s %u%s", last ? '>' : ' ', ent[i].vpn,
		     pfn, prot_str(ent[i].perm, pb), ent[i].asid,
		     ent[i].huge ? " 2M" : "");
	}
	g_free(ent);
	return y;
}

static void draw_tlb(vm_tui_t *t, const vm_rect_t *r)
{
	vm_q_cpu_t cpu;
	if (vm_query_cpu(t->e, t->tlb_cpu, &cpu)) {
		/* several CPUs: whose TLB this is, and what it serves */
		char head[96];
		/* narrow pane: " TLB CPU 1/4 now" (now: the running CPU,
		 * which `c` leaves for the others) */
		g_snprintf(head, sizeof head, " TLB CPU %u/%u%s", cpu.cpu,
			   vm_query_nr_cpus(t->e), t->tlb_cpu < 0 ? " now" : "");
		title(t, VM_PANE_TLB, r, head);
		int y = r->y + 1, end = r->y + r->h;
		if (y < end) {
			if (cpu.cur_pid)
				putf(y++, r->x, r->w, attrs[C_INFO], "pid %u, mm %u",
				     cpu.cur_pid, cpu.loaded_mm);
			else if (cpu.lazy)
				putf(y++, r->x, r->w, attrs[C_INFO], "idle, lazy mm %u",
				     cpu.loaded_mm);
			else
				put(y++, r->x, r->w, attrs[C_DIM], "idle");
		}
		/* IPIs received; flushes: full, single pages */
		if (y < end)
			putf(y++, r->x, r->w, attrs[C_DIM], "ipi %" G_GUINT64_FORMAT
			     " fl %" G_GUINT64_FORMAT "+%" G_GUINT64_FORMAT "p",
			     cpu.ipis_received, cpu.flush_full, cpu.flush_pages);
		if (y < end)
			put(y++, r->x, r->w, attrs[C_DIM], "   vpn  pfn prm pid");
		int skip = t->scroll[VM_PANE_TLB];
		y = draw_tlb_level(t, 1, y, end, r, skip);
		y = draw_tlb_level(t, 3, y, end, r, skip);
		if (vm_query_tlb_levels(t->e) > 1)
			y = draw_tlb_level(t, 2, y, end, r, skip);
		return;
	}
	title(t, VM_PANE_TLB, r, " TLB (newest first)");
	int y = r->y + 1, end = r->y + r->h;
	if (y < end)
		put(y++, r->x, r->w, attrs[C_DIM], "   vpn  pfn prm pid");
	int skip = t->scroll[VM_PANE_TLB];
	y = draw_tlb_level(t, 1, y, end, r, skip);
	y = draw_tlb_level(t, 3, y, end, r, skip);
	if (vm_query_tlb_levels(t->e) > 1)
		y = draw_tlb_level(t, 2, y, end, r, skip);
}

/* ---- Memory -------------------------------------------------------------------- */

static const char frame_char[VM_QF_NR] = { '.', 'a', 'f', 'D', 'p', 'S' };

static void draw_mem(vm_tui_t *t, const vm_rect_t *r)
{
	uint32_t nr = vm_query_nr_frames(t->e);
	uint64_t cnt[VM_QF_NR];
	vm_query_frame_counts(t->e, cnt);
	char buf[96];
	uint32_t hfree, htotal, hblock;
	uint64_t scattered;
	if (vm_query_huge_blocks(t->e, &hfree, &htotal, &hblock, &scattered))
		/* fragmentation: how much of free memory could still become
		 * huge pages, and how much is scattered outside free blocks */
		g_snprintf(buf, sizeof buf, " Memory %u frames, huge blocks free %u/%u, "
			   "%" G_GUINT64_FORMAT " free frames scattered", nr, hfree,
			   htotal, scattered);
	else
		g_snprintf(buf, sizeof buf, " Memory %u frames", nr);
	title(t, VM_PANE_MEM, r, buf);
	int rows = r->h - 4;             /* title, two of legend, counts */
	if (rows < 1 || r->w < 8)
		return;
	/* with room, a pfn label at the left of every row; a small memory
	 * gets two columns per frame, eight frames a row, so that frame
	 * numbers can be read off the rows */
	int digits = 1;
	for (uint32_t v = nr > 1 ? nr - 1 : 0; v >= 10; v /= 10)
		digits++;
	int label = r->w >= 30 ? 8 : digits + 1;
	int fw = 1;
	if (label * 3 > r->w)
		label = 0;
	int cols = (r->w - label) / 8 * 8;
	if (cols < 8) {
		label = 0;
		cols = r->w;
	}
	if ((uint64_t)nr <= (uint64_t)rows * (uint64_t)(cols / 2)) {
		fw = 2;
		cols /= 2;
		if (cols >= 16)
			cols = cols / 8 * 8;
	}
	uint64_t cells = (uint64_t)rows * (uint64_t)cols;
	uint64_t per = (nr + cells - 1) / cells;
	if (per < 1)
		per = 1;
	uint32_t hl = VM_NIL;
	if (t->have_step && t->step.nr_access && t->step.last.pfn != VM_PFN_ZERO &&
	    t->step.last.outcome < VM_OUT_SIGSEGV)
		hl = t->step.last.pfn;
	uint64_t skip = (uint64_t)t->scroll[VM_PANE_MEM] * (uint64_t)cols * per;
	if (skip >= nr)
		skip = t->scroll[VM_PANE_MEM] = 0;
	int y = r->y + 1;
	for (int row = 0; row < rows; row++, y++) {
		uint64_t base = skip + (uint64_t)row * (uint64_t)cols * per;
		if (base >= nr)
			break;
		if (label)
			putf(y, r->x, label, attrs[C_DIM], "%*" G_GUINT64_FORMAT " ",
			     label - 1, base);
		for (int c = 0; c < cols; c++) {
			uint64_t f0 = base + (uint64_t)c * per;
			if (f0 >= nr)
				break;
			/* a cell of several frames shows its commonest used state */
			uint64_t n[VM_QF_NR] = { 0 };
			gboolean mark = FALSE;
			for (uint64_t f = f0; f < f0 + per && f < nr; f++) {
				n[vm_query_frame_state(t->e, (uint32_t)f)]++;
				mark |= f == hl;
			}
			int best = VM_QF_FREE;
			for (int s = 1; s < VM_QF_NR; s++)
				if (n[s] && (best == VM_QF_FREE || n[s] > n[best]))
					best = s;
			attr_t a = attrs[C_FRAME0 + best];
			if (mark)
				a = (a & ~A_COLOR) | A_REVERSE | A_BOLD | (attrs[C_FRAME0 + best] & A_COLOR);
			char ch = frame_char[best];
			attron(a);
			mvaddch(y, r->x + label + c * fw, (chtype)(unsigned char)ch);
			attroff(a);
		}
	}
	int ly = r->y + r->h - 2;
	if (per > 1)
		putf(ly - 1, r->x, r->w, attrs[C_DIM], "1 cell: %" G_GUINT64_FORMAT " frames", per);
	if (r->w >= 60)
		put(ly, r->x, r->w, attrs[C_DIM],
		    ". free  a anon  f file  D dirty  p page table  S shared");
	else {
		if (per == 1)
			put(ly - 1, r->x, r->w, attrs[C_DIM], ".free a anon f file");
		put(ly, r->x, r->w, attrs[C_DIM], "Ddirty p pt S shared");
	}
	/* counts, each in its state's colour */
	int x = r->x;
	for (int s = 0; s < VM_QF_NR && x < r->x + r->w; s++) {
		char c[24];
		g_snprintf(c, sizeof c, "%c%" G_GUINT64_FORMAT " ", frame_char[s], cnt[s]);
		put(ly + 1, x, r->x + r->w - x, attrs[C_FRAME0 + s], c);
		x += (int)strlen(c);
	}
}

/* ---- Page cache and disk --------------------------------------------------------- */

static void draw_cache(vm_tui_t *t, const vm_rect_t *r)
{
	title(t, VM_PANE_CACHE, r, " Page cache & disk");
	int y = r->y + 1, end = r->y + r->h;
	vm_q_disk_t d;
	vm_query_disk(t->e, &d);
	int disk_rows = r->h >= 8 ? 3 : 2;
	int file_end = end - disk_rows;
	unsigned nf = vm_query_nr_files(t->e);
	unsigned shown = 0;
	int skip = t->scroll[VM_PANE_CACHE];
	gboolean strips = r->w >= 40;
	for (unsigned i = 0; i < nf && y < file_end; i++) {
		vm_q_file_t f;
		if (!vm_query_file(t->e, i, &f) || f.dead)
			continue;
		if (skip-- > 0)
			continue;
		shown++;
		putf(y++, r->x, r->w, f.dirty ? attrs[C_FRAME0 + VM_QF_FILE_DIRTY]
					      : attrs[C_FRAME0 + VM_QF_FILE_CLEAN],
		     "%s %" G_GUINT64_FORMAT "/%" G_GUINT64_FORMAT "c %" G_GUINT64_FORMAT "d%s",
		     f.name, f.cached, f.pages, f.dirty, f.linked || f.shmem ? "" : " unlinked");
		if (!strips || y >= file_end)
			continue;
		/* a strip of its pages: . absent c clean D dirty r reading */
		int cells = r->w - 2;
		uint64_t per = f.pages ? (f.pages + (uint64_t)cells - 1) / (uint64_t)cells : 1;
		move(y, r->x + 2);
		for (int c = 0; c < cells && (uint64_t)c * per < f.pages; c++) {
			int best = VM_QP_ABSENT;
			for (uint64_t p = (uint64_t)c * per; p < (uint64_t)(c + 1) * per && p < f.pages; p++) {
				int s = vm_query_file_page(t->e, f.id, p, NULL);
				if (s > best)
					best = s;
			}
			static const char pc[] = ".cDr";
			attr_t a = best == VM_QP_ABSENT ? attrs[C_DIM] :
				   best == VM_QP_DIRTY ? attrs[C_FRAME0 + VM_QF_FILE_DIRTY] :
				   best == VM_QP_LOCKED ? attrs[C_WARN] : attrs[C_FRAME0 + VM_QF_FILE_CLEAN];
			attron(a);
			addch((chtype)pc[best]);
			attroff(a);
		}
		y++;
	}
	if (!shown && y < file_end)
		put(y++, r->x, r->w, attrs[C_DIM], "no files");
	y = MAX(y, file_end);
	if (y < end)
		putf(y++, r->x, r->w, d.busy ? attrs[C_WARN] : attrs[C_INFO], "%s queue %u/%u%s",
		     d.type, d.busy, d.depth, d.in_flight_pages ? " reading" : "");
	if (y < end)
		putf(y++, r->x, r->w, A_NORMAL, "rd %" G_GUINT64_FORMAT " wr %" G_GUINT64_FORMAT
		     " in %" G_GUINT64_FORMAT " out %" G_GUINT64_FORMAT, d.reads, d.writes,
		     d.pages_in, d.pages_out);
	if (y < end) {
		GString *s = g_string_new(NULL);
		uint64_t now = vm_engine_now(t->e);
		if (d.idle_at > now) {
			g_string_append(s, "busy until t=");
			vm_narrate_time(s, d.idle_at);
		} else {
			g_string_append(s, "idle");
		}
		if (d.in_flight_pages)
			g_string_append_printf(s, ", %" G_GUINT64_FORMAT " pages in flight",
					       d.in_flight_pages);
		put(y++, r->x, r->w, attrs[C_DIM], s->str);
		g_string_free(s, TRUE);
	}
}

/* ---- Statistics ----------------------------------------------------------------- */

static void draw_stats(vm_tui_t *t, const vm_rect_t *r)
{
	title(t, VM_PANE_STATS, r, " Stats (+ this step)");
	int y = r->y + 1, end = r->y + r->h;
	unsigned nr = t->after.nr;
	/* what changed first, then the rest in docs/statistics.md's order */
	unsigned *order = g_new(unsigned, nr);
	unsigned n = 0;
	for (unsigned i = 0; i < nr; i++)
		if (vm_query_stat_delta(&t->before, &t->after, i))
			order[n++] = i;
	unsigned changed = n;
	for (unsigned i = 0; i < nr; i++)
		if (!vm_query_stat_delta(&t->before, &t->after, i))
			order[n++] = i;
	int skip = t->scroll[VM_PANE_STATS];
	if (skip > (int)nr - 1)
		skip = t->scroll[VM_PANE_STATS] = (int)nr - 1;
	if (changed == 0 && y < end && skip == 0)
		put(y++, r->x, r->w, attrs[C_DIM], t->have_step ? "(no change)" : "");
	for (unsigned k = (unsigned)skip; k < n && y < end; k++) {
		unsigned i = order[k];
		int64_t d = vm_query_stat_delta(&t->before, &t->after, i);
		char val[32], del[32] = "";
		g_snprintf(val, sizeof val, "%" G_GUINT64_FORMAT, t->after.v[i]);
		if (d)
			g_snprintf(del, sizeof del, " %+" G_GINT64_FORMAT, d);
		char label[300];
		const char *name = vm_query_stat_label(t->e, i, label, sizeof label);
		int room = r->w - (int)strlen(val) - (int)strlen(del) - 1;
		if (room < 4)
			room = 4;
		putf(y++, r->x, r->w, d ? attrs[C_CHANGE] : A_NORMAL, "%-*.*s %s%s",
		     room, room, name, val, del);
	}
	g_free(order);
}

/* ---- help --------------------------------------------------------------------- */

/* At most 22 lines of at most 78 columns: the whole help fits 80x24. */
static const char *const help_lines[] = {
	"vmscope tui: keys.  Any key closes this help (q quits).",
	"n space Right  next event (predict mode: guess first)   b Left  back one",
	"N / B          next / previous fault;   r  run to a breakpoint or the end",
	"k              breakpoints: words toggle them, e.g. 'major cow oom'; empty:",
	"               none.  hit walk minor major cow zero sigsegv sigbus, fault",
	"               (any fault), oom, evict, kill, expect (failed), or an op:",
	"               fork mmap munmap exit crash note ...",
	"g  go to an event (0: the start)   /  search the trace text; / Enter: again",
	"p  predict mode: guess each access: h)it w)alk m)inor M)ajor c)ow z)ero",
	"   s)igsegv S)igbus (or 1-8)       P  the next process's page table",
	"Tab Shift-Tab  next / previous pane;  w  the Why pane;  z Enter  zoom it;",
	"   Esc unzoom;  Up Down PgUp PgDn Home scroll it;  mouse: click, wheel",
	"c  several CPUs: the TLB pane shows the next CPU's TLBs (then the running",
	"   CPU's, 'now'): its task, IPIs got, flushes made (fl full+pages)",
	"",
	"Why:    [2.20us] at the end is the CPU time the event took; a wait for the",
	"        disk comes on top of it (\"waits for the disk until t=...\").",
	"Pages:  L1[0x1] -> frame 3: level, index, and the frame of the table below",
	"        (as a real entry holds it); * read by the walk, ! faulted there.",
	"Memory: . free  a anonymous  f file (clean)  D file (dirty)  p page table",
	"        S shared by several processes; the latest access's frame lit.",
	"TLB:    > the latest access; fully associative: any entry holds any page;",
	"        4-way: each page has a set of 4 entries to go in.",
};

static void draw_help(vm_tui_t *t)
{
	(void)t;
	int n = (int)G_N_ELEMENTS(help_lines);
	int w = MIN(COLS, 80), h = MIN(LINES, n + 2);
	int x = (COLS - w) / 2, y = (LINES - h) / 2;
	for (int i = 0; i < h; i++)
		blank(y + i, x, w, A_NORMAL);
	for (int i = 0; i < n && i + 1 < h; i++)
		put(y + 1 + i - (h < n + 2 ? 1 : 0), x + 1, w - 2, i == 0 ? attrs[C_TITLE] : A_NORMAL,
		    help_lines[i]);
}

/* ---- the whole screen ----------------------------------------------------------- */

typedef void (*pane_fn)(vm_tui_t *t, const vm_rect_t *r);
static const pane_fn panes[VM_PANE_NR] = {
	[VM_PANE_TRACE] = draw_trace, [VM_PANE_PT] = draw_pt,
	[VM_PANE_WHY] = draw_why, [VM_PANE_TLB] = draw_tlb,
	[VM_PANE_MEM] = draw_mem, [VM_PANE_CACHE] = draw_cache,
	[VM_PANE_STATS] = draw_stats,
};

static void sep_line(int y, int x, int h)
{
	attron(attrs[C_DIM]);
	mvvline(y, x, ACS_VLINE, h);
	attroff(attrs[C_DIM]);
}

static void layout(vm_tui_t *t)
{
	int H = LINES, W = COLS;
	int R = H - 2;
	memset(t->rect, 0, sizeof t->rect);
	if (t->zoom) {
		t->rect[t->focus] = (vm_rect_t){ 1, 0, R, W };
		return;
	}
	int top = MAX(5, R / 3);
	int why = MAX(5, R / 4);
	int bot = R - top - why;
	int tw = W * 47 / 100;
	t->rect[VM_PANE_TRACE] = (vm_rect_t){ 1, 0, top, tw };
	t->rect[VM_PANE_PT] = (vm_rect_t){ 1, tw + 1, top, W - tw - 1 };
	t->rect[VM_PANE_WHY] = (vm_rect_t){ 1 + top, 0, why, W };
	int by = 1 + top + why;
	int cw = (W - 3) / 4;
	int mw = W - 3 - 3 * cw;
	t->rect[VM_PANE_TLB] = (vm_rect_t){ by, 0, bot, cw };
	t->rect[VM_PANE_MEM] = (vm_rect_t){ by, cw + 1, bot, mw };
	t->rect[VM_PANE_CACHE] = (vm_rect_t){ by, cw + mw + 2, bot, cw };
	t->rect[VM_PANE_STATS] = (vm_rect_t){ by, 2 * cw + mw + 3, bot, cw };
}

void vm_tui_draw(vm_tui_t *t)
{
	erase();
	if (COLS < 80 || LINES < 24) {
		put(0, 0, COLS, attrs[C_WARN], "vmscope tui needs a terminal of at least 80x24");
		putf(1, 0, COLS, A_NORMAL, "(this one is %dx%d; q quits)", COLS, LINES);
		refresh();
		return;
	}
	layout(t);
	draw_status(t);
	for (int i = 0; i < VM_PANE_NR; i++)
		if (t->rect[i].h > 0)
			panes[i](t, &t->rect[i]);
	if (!t->zoom) {
		const vm_rect_t *tr = &t->rect[VM_PANE_TRACE];
		sep_line(tr->y, tr->x + tr->w, tr->h);
		for (int i = VM_PANE_TLB; i < VM_PANE_STATS; i++) {
			const vm_rect_t *r = &t->rect[i];
			sep_line(r->y, r->x + r->w, r->h);
		}
	}
	draw_bottom(t);
	if (t->help)
		draw_help(t);
	refresh();
}
