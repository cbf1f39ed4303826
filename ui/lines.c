/*
 * The trace's lines without the trace in memory; see lines.h.
 *
 *   file:    |line 1 ... |line 257 ...      |line 513 ...   ...
 *   idx:     [0]=0        [1]=off(257)       [2]=off(513)
 *   window:                    [win_off ........ win_off+win_len)
 *
 * Line n starts VM_LINES_EVERY lines at most after idx[(n-1)/EVERY]: a
 * lookup reads forward from there through the window, which is read again
 * (pread, VM_LINES_WINDOW bytes) when the bytes needed are not in it.  The
 * pane asks for a few dozen lines around the current one, search for every
 * line in turn: the line after the one returned last starts where that one
 * ended, without the index.  The file took the TUI 1 byte per byte of trace
 * and its line offsets 8 bytes per line before (267 MiB for the 10 M-access
 * bench trace); the index takes 8 bytes per 256 lines.
 *
 * The file is read as it is on the disk when a line is asked for, as the
 * engine's seeks read it again (a trace must not change under the TUI).
 */
#include <config.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>
#include "ui/lines.h"

#define VM_LINES_WINDOW (64 * 1024)   /* bytes read at once */

struct vm_lines {
	int fd;                   /* -1: the text is in memory, all of it in
				   * the window */
	char *buf;                /* the window's bytes */
	uint64_t win_off, win_len;
	uint64_t size;            /* bytes of text */
	uint64_t nr;              /* lines */
	GArray *idx;              /* uint64_t: where line 1 + k * EVERY starts */
	uint64_t last_n;          /* the line returned last (0: none) */
	uint64_t last_next;       /* ... and where the one after it starts */
};

/* Bytes [@off, @off + @n) of the text (@n at most VM_LINES_WINDOW,
 * clipped to the text's end) in the window; NULL when the file cannot be
 * read. */
static const char *ensure(vm_lines_t *l, uint64_t off, uint64_t n)
{
	if (off + n > l->size)
		n = l->size - off;
	if (off >= l->win_off && off + n <= l->win_off + l->win_len)
		return l->buf + (off - l->win_off);
	if (l->fd < 0)
		return NULL;
	uint64_t want = MIN((uint64_t)VM_LINES_WINDOW, l->size - off), got = 0;
	while (got < want) {
		ssize_t r = pread(l->fd, l->buf + got, want - got, (off_t)(off + got));
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		got += (uint64_t)r;
	}
	l->win_off = off;
	l->win_len = got;
	return got >= n ? l->buf : NULL;
}

/* Where the '\n' at or after @off is (the size when none); FALSE when
 * the file cannot be read. */
static gboolean find_nl(vm_lines_t *l, uint64_t off, uint64_t *nl)
{
	while (off < l->size) {
		uint64_t n = MIN((uint64_t)VM_LINES_WINDOW, l->size - off);
		const char *p = ensure(l, off, n);
		if (!p)
			return FALSE;
		const char *q = memchr(p, '\n', n);
		if (q) {
			*nl = off + (uint64_t)(q - p);
			return TRUE;
		}
		off += n;
	}
	*nl = l->size;
	return TRUE;
}

/* A line starts after every '\n' but a last one: note the starts of
 * lines 1, 1 + EVERY, ... of the @n bytes at @p, at offset @base. */
static void index_block(vm_lines_t *l, const char *p, uint64_t n, uint64_t base,
			uint64_t *newlines)
{
	const char *end = p + n, *q = p;
	while ((q = memchr(q, '\n', (size_t)(end - q)))) {
		q++;
		if (++*newlines % VM_LINES_EVERY == 0) {
			uint64_t off = base + (uint64_t)(q - p);
			g_array_append_val(l->idx, off);
		}
	}
}

static vm_lines_t *lines_new(void)
{
	vm_lines_t *l = g_new0(vm_lines_t, 1);
	l->fd = -1;
	l->idx = g_array_new(FALSE, FALSE, sizeof(uint64_t));
	uint64_t zero = 0;
	g_array_append_val(l->idx, zero);
	return l;
}

/* The lines, once the text's size and its last byte are known. */
static void lines_count(vm_lines_t *l, uint64_t newlines, char last)
{
	l->nr = newlines + (l->size && last != '\n');
	/* a start noted after the final '\n' is no line's */
	guint keep = (guint)((l->nr + VM_LINES_EVERY - 1) / VM_LINES_EVERY);
	g_array_set_size(l->idx, MAX(keep, 1u));
}

vm_lines_t *vm_lines_open(const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return NULL;
	vm_lines_t *l = lines_new();
	l->fd = fd;
	l->buf = g_malloc(VM_LINES_WINDOW);
	uint64_t newlines = 0;
	char last = '\n';
	for (;;) {
		ssize_t r = read(fd, l->buf, VM_LINES_WINDOW);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			vm_lines_free(l);
			return NULL;
		}
		if (r == 0)
			break;
		/* a binary trace has no lines worth showing */
		if (l->size < 4096 && memchr(l->buf, '\0', (size_t)MIN((uint64_t)r, 4096 - l->size))) {
			vm_lines_free(l);
			return NULL;
		}
		index_block(l, l->buf, (uint64_t)r, l->size, &newlines);
		l->size += (uint64_t)r;
		last = l->buf[r - 1];
	}
	lines_count(l, newlines, last);
	l->win_len = 0;   /* the buffer holds the file's end: read again */
	return l;
}

vm_lines_t *vm_lines_new_text(const char *text)
{
	size_t n = strlen(text);
	vm_lines_t *l = lines_new();
	l->buf = g_strndup(text, n);
	l->size = l->win_len = n;
	uint64_t newlines = 0;
	index_block(l, l->buf, n, 0, &newlines);
	lines_count(l, newlines, n ? text[n - 1] : '\n');
	return l;
}

void vm_lines_free(vm_lines_t *l)
{
	if (!l)
		return;
	if (l->fd >= 0)
		close(l->fd);
	g_free(l->buf);
	g_array_free(l->idx, TRUE);
	g_free(l);
}

uint64_t vm_lines_count(const vm_lines_t *l)
{
	return l ? l->nr : 0;
}

const char *vm_lines_get(vm_lines_t *l, uint64_t n, int *len)
{
	if (!l || n == 0 || n > l->nr)
		return NULL;
	uint64_t off;
	if (l->last_n && n == l->last_n + 1) {
		off = l->last_next;
	} else {
		off = g_array_index(l->idx, uint64_t, (n - 1) / VM_LINES_EVERY);
		for (uint64_t k = (n - 1) % VM_LINES_EVERY; k > 0; k--) {
			uint64_t nl;
			if (!find_nl(l, off, &nl))
				return NULL;
			off = nl + 1;
		}
	}
	uint64_t end;
	if (!find_nl(l, off, &end))
		return NULL;
	l->last_n = n;
	l->last_next = end + 1;
	/* without its "\r\n" (as many '\r' as end it); a line longer than
	 * the window (no valid trace has one) keeps them */
	if (end - off <= VM_LINES_WINDOW) {
		const char *p = ensure(l, off, end - off);
		if (!p)
			return NULL;
		while (end > off && p[end - off - 1] == '\r')
			end--;
	}
	uint64_t n_bytes = MIN(end - off, (uint64_t)VM_LINES_MAX);
	const char *p = ensure(l, off, n_bytes);
	if (!p)
		return NULL;
	*len = (int)n_bytes;
	return p;
}
