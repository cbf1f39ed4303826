/*
 * `vmscope tui` (and `vmscope tour` on a terminal): the options, the
 * terminal, and the loop that reads keys and redraws (ui/README.md).  The
 * engine driving and the keys are tui.c's, the drawing draw.c's.
 *
 * The loop ends on q, and when the terminal goes away: a hang-up whose
 * SIGHUP is ignored (nohup) makes every read fail at once, and the loop
 * must not go on reading (tui.c's vm_tui_getch).
 */
#include <config.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <curses.h>
#include "sim/cli.h"
#include "sim/config.h"
#include "sim/tour.h"
#include "ui/tui.h"

static gboolean tty_ok(void)
{
	const char *term = g_getenv("TERM");
	return isatty(STDIN_FILENO) && isatty(STDOUT_FILENO) && term && *term &&
	       strcmp(term, "dumb") != 0;
}

static int ui_loop(vm_tui_t *t)
{
	SCREEN *scr = newterm(NULL, stdout, stdin);
	if (!scr)
		return vm_cli_usage_error("tui", "cannot use terminal '%s'; "
					  "'vmscope explain' narrates the same replay as text",
					  g_getenv("TERM"));
	set_term(scr);
	cbreak();
	noecho();
	nonl();
	keypad(stdscr, TRUE);
	curs_set(0);
	set_escdelay(25);
	const char *nc = g_getenv("NO_COLOR");
	t->color = has_colors() && !(nc && *nc);
	vm_tui_colors_init(t);
	if (t->mouse)
		mousemask(BUTTON1_CLICKED | BUTTON1_PRESSED | BUTTON4_PRESSED |
			  BUTTON5_PRESSED, NULL);
	g_string_assign(t->msg, "n: next event  b: back  ?: every key");
	for (;;) {
		vm_tui_draw(t);
		int ch = vm_tui_getch(t);
		if (t->hangup || !vm_tui_key(t, ch))
			break;
		if (t->hangup)   /* a prompt met the hang-up */
			break;
	}
	endwin();
	delscreen(scr);
	if (t->hangup) {
		fprintf(stderr, "vmscope tui: the terminal went away; quitting\n");
		return EXIT_USAGE;
	}
	return EXIT_OK;
}

static gboolean opt_tour = FALSE;
static gboolean opt_no_mouse = FALSE;

static GOptionEntry tui_entries[] = {
	{ "tour", 0, 0, G_OPTION_ARG_NONE, &opt_tour,
	  "Open the built-in tour instead of a TRACE (what 'vmscope tour' does on a terminal)", NULL },
	{ "no-mouse", 0, 0, G_OPTION_ARG_NONE, &opt_no_mouse,
	  "Leave the mouse to the terminal (for selecting text)", NULL },
	{ NULL }
};

int vm_cmd_tui(int argc, char **argv)
{
	int status = 0;
	if (!vm_cli_parse_options("tui", "TRACE",
			   "Step through TRACE in the terminal UI: the trace, the narration of\n"
			   "each event, the page table, TLBs, memory, page cache, disk and\n"
			   "statistics.  Press ? in it for the keys.",
			   tui_entries, TRUE, &argc, &argv, &status))
		return status;
	if (opt_tour ? argc != 1 : argc != 2)
		return vm_cli_usage_error("tui", "expected one TRACE (see 'vmscope tui --help')");
	const char *path = opt_tour ? "tour.vmt" : argv[1];
	if (!tty_ok())
		return vm_cli_usage_error("tui", "the terminal UI needs a terminal on standard "
					  "input and output; 'vmscope explain %s' prints the "
					  "same narration as text", opt_tour ? "traces/scenarios/tour.vmt" : path);
	if (strcmp(path, "-") == 0)
		return vm_cli_usage_error("tui", "standard input is the terminal: give the "
					  "TRACE as a file");
	if (vm_cli_timeline)
		return vm_cli_usage_error("tui", "--timeline is for 'run' and 'explain'");

	vm_config_t cfg;
	GError *err = NULL;
	if (vm_cli_profile && !vm_config_load(&cfg, vm_cli_profile, &err))
		return vm_cli_report(err);
	vm_tui_t *t = vm_tui_new();
	t->mouse = !opt_no_mouse;
	const vm_config_t *base = vm_cli_profile ? &cfg : NULL;
	if (!vm_tui_open(t, path, opt_tour ? vm_tour_text : NULL, base, vm_cli_sets,
			 vm_cli_check, &err)) {
		vm_tui_free(t);
		return vm_cli_report(err);
	}
	status = ui_loop(t);
	vm_tui_free(t);
	return status;
}
