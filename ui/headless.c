/*
 * A screen without a terminal, for the tests (tests/test-tui.c): curses
 * set up on /dev/null with a fixed size, the same draw code as the real
 * UI, and the screen read back cell by cell.  Keys for prompts are queued
 * with ungetch, so the same key handling runs.  Not part of vmscope.
 */
#include <config.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <curses.h>
#include "ui/tui.h"

static SCREEN *scr;
static FILE *out, *in;

/* /dev/null, never created: fopen "w" would make a regular file there
 * if something had removed it */
static FILE *open_null(int flags, const char *mode)
{
	int fd = open("/dev/null", flags | O_NOCTTY | O_CLOEXEC);
	struct stat st;
	if (fd < 0)
		return NULL;
	if (fstat(fd, &st) != 0 || !S_ISCHR(st.st_mode)) {
		close(fd);
		return NULL;
	}
	FILE *f = fdopen(fd, mode);
	if (!f)
		close(fd);
	return f;
}

gboolean vm_tui_headless_begin(int rows, int cols)
{
	out = open_null(O_WRONLY, "w");
	in = open_null(O_RDONLY, "r");
	if (!out || !in)
		return FALSE;
	/* a terminal type every ncurses install has (ncurses-base) */
	scr = newterm("screen", out, in);
	if (!scr)
		return FALSE;
	set_term(scr);
	noecho();
	keypad(stdscr, TRUE);
	resizeterm(rows, cols);
	return TRUE;
}

void vm_tui_headless_resize(int rows, int cols)
{
	resizeterm(rows, cols);
}

void vm_tui_headless_keys(const int *keys)
{
	int n = 0;
	while (keys[n])
		n++;
	/* ungetch pushes in front: the last key first */
	while (n--)
		ungetch(keys[n]);
}

int vm_tui_headless_keycode(const char *name)
{
	static const struct { const char *name; int code; } k[] = {
		{ "down", KEY_DOWN }, { "up", KEY_UP }, { "left", KEY_LEFT },
		{ "right", KEY_RIGHT }, { "npage", KEY_NPAGE },
	};
	for (unsigned i = 0; i < G_N_ELEMENTS(k); i++)
		if (strcmp(k[i].name, name) == 0)
			return k[i].code;
	return 0;
}

char *vm_tui_headless_screen(vm_tui_t *t)
{
	vm_tui_draw(t);
	GString *s = g_string_new(NULL);
	GString *a = g_string_new(NULL);
	for (int y = 0; y < LINES; y++) {
		for (int x = 0; x < COLS; x++) {
			chtype c = mvinch(y, x);
			chtype ch = c & A_CHARTEXT;
			/* line-drawing characters read back as their ACS code */
			g_string_append_c(s, ch >= 32 && ch < 127 ? (char)ch : '|');
			/* one letter per combination of the attributes drawn */
			int k = (c & A_REVERSE ? 1 : 0) | (c & A_BOLD ? 2 : 0) |
				(c & A_DIM ? 4 : 0) | (c & A_UNDERLINE ? 8 : 0);
			g_string_append_c(a, ".abcdefghijklmno"[k]);
		}
		g_string_append_c(s, '\n');
		g_string_append_c(a, '\n');
	}
	g_string_append(s, "-- attributes:\n");
	g_string_append(s, a->str);
	g_string_free(a, TRUE);
	return g_string_free(s, FALSE);
}

void vm_tui_headless_end(void)
{
	if (scr) {
		endwin();
		delscreen(scr);
		scr = NULL;
	}
	if (out)
		fclose(out);
	if (in)
		fclose(in);
	out = in = NULL;
}
