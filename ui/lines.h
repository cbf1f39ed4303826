/*
 * The trace's text, line by line, for the TUI's trace pane and search,
 * without holding the file in memory: a sparse index (the offset of every
 * VM_LINES_EVERY-th line) and a window of the file read on demand.  The
 * memory it takes is 8 bytes per VM_LINES_EVERY lines and the window, so
 * the TUI's memory follows the simulated machine, not the trace
 * (docs/speed.md, issue 17).  A trace held in memory (the tour, tests) is
 * its own window.
 */
#ifndef VM_UI_LINES_H
#define VM_UI_LINES_H

#include <glib.h>
#include <stdint.h>

#define VM_LINES_EVERY 256        /* lines between two indexed offsets */
#define VM_LINES_MAX 4096         /* the longest line returned, bytes */

typedef struct vm_lines vm_lines_t;

/* Index the file at @path; NULL when it cannot be read or is not text (a
 * NUL byte in its first 4 KiB: a binary trace). */
vm_lines_t *vm_lines_open(const char *path);
/* The same for @text (copied). */
vm_lines_t *vm_lines_new_text(const char *text);
void vm_lines_free(vm_lines_t *l);
/* Lines in the text: every '\n' ends one, and a last one without. */
uint64_t vm_lines_count(const vm_lines_t *l);
/* Line @n (1-based) without its end of line ("\n", "\r\n"), *@len bytes
 * of it (at most VM_LINES_MAX), not NUL-terminated; valid until the next
 * call.  NULL past the end, or when the file can no longer be read. */
const char *vm_lines_get(vm_lines_t *l, uint64_t n, int *len);

#endif
