/*
 * The .vmt text trace reader and writer (docs/format.md).
 *
 * Reading streams: the file is read with read(2) in blocks of 1 MiB into one
 * buffer, lines are cut out of it with memchr, and a line that straddles two
 * blocks is moved to the front of the buffer before the next block is read
 * behind it.  Memory use is bounded whatever the trace's length:
 *
 *   buf                pos                          end                cap
 *    | lines consumed   | unread: line\n line\n li  | room for a block   |
 *                                                ^ a partial line: moved
 *                                                  to buf[0], then read()
 *
 * A line may hold up to VMT_MAX_LINE (64 KiB) bytes; a longer one is an
 * error on its own line number and its rest is skipped.  Every line handed
 * to the parser ends in '\n' (a last line without one gets one appended in
 * the spare byte at the end of the buffer), and that '\n', like '#', is an
 * "end" class in the tokenizer's byte table, so the tokenizer needs no
 * bounds checks: it stops on the sentinel.  Traces in memory
 * (vm_vmt_open_memory) are parsed in place, with no copy, except for a last
 * line that lacks its newline.
 *
 * Parsing is hand-written because the simulator replays tens of millions
 * of access lines a second: an access line of the usual shape
 * (`1 r 0x7f001000`: single spaces, no size, no comment) is read by
 * fast_access in one pass over its bytes; any other access line
 * (`1 w 4096 8`) goes through two table-driven token scans and one call to
 * vm_parse_number_n per number, with no allocation and no copy of the line.
 * Other ops dispatch on the op word's length and first letter.  Strings a
 * record carries (names, note text, set key and value, expect checks) are
 * copied, NUL-terminated, into a per-reader arena that is reset at every
 * vm_vmt_next() call, which is why they live only until that call.
 *
 * Columns (vm_record_t.cols[]), 1-based bytes:
 *   cols[0]  the PID; for `crash`, `set` and `file`, the op word
 *   cols[1]  the op word (for `crash`, `set`, `file`: the same as cols[0]),
 *            so that cols[1] is always the op and cols[2] the first argument
 *   cols[2+] each argument token in the order it appears on the line,
 *            including key=value options (count=, seed=, stride=, off=, fd=,
 *            size=) and words (shared, anon, create, sparse, ...); for
 *            `note`, cols[2] is the start of the text; for `expect`, the
 *            optional pid=/file= and then each check (each check also
 *            carries its own column in vm_check_t.col).  Slots beyond
 *            VM_REC_MAX_COLS are dropped; unused slots are 0.
 * Options that may come in any order (rand's count=/seed=, open's
 * fd=/create/trunc, file's size=/sparse/cached) therefore have no fixed
 * slot; the engine's semantic checks point at the positional arguments,
 * which do.
 *
 * Fields a record's kind does not use are 0, except fd (-1) and expect_pid
 * (-1).  Defaults: access len 1, seq stride 0 (the page size), rand seed 1,
 * mmap off 0.  Rules beyond the grammar of docs/format.md that the reader enforces: an
 * access of size 0, seq stride=0 and rand count=0 are errors; pids (and
 * fork's CHILD) are decimal in 1..2^31-1; fds are NUMBERs in 0..2^31-1;
 * options may not repeat.  Blanks are space and tab (and CR, VT, FF, so that
 * CRLF files read as they look).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "traces/vmt.h"
#include "traces/op.h"
#include "traces/vmtb.h"
#include "traces/error.h"
#include "traces/units.h"

#define VMT_BLOCK (1u << 20)         /* bytes per read(2) */
#define VMT_MAX_LINE (64u << 10)     /* longest line accepted, without '\n' */
#define VMT_MAX_CHECKS 32            /* checks per expect line */
#define VMT_MAX_ID 0x7fffffffu       /* largest pid or fd */
/* Strings copied out of one line: each is at most its token plus a NUL, and
 * tokens are separated by at least one byte, so twice the line is ample. */
#define VMT_ARENA (2 * VMT_MAX_LINE + 64)
#define VMT_QUOTE_MAX 200            /* longest token quoted in a message */
/* Room after the unread bytes: a .vmtb record must be whole in the buffer
 * before it is decoded, as a text line must. */
#define VMT_SPAN MAX(VMT_MAX_LINE, VM_VMTB_MAX_REC)
G_STATIC_ASSERT(VMT_ARENA >= VM_VMTB_MAX_REC + 64);

/* Byte classes of the tokenizer.  TOK is 0 so that the table only lists the
 * exceptions; END stops a line: its '\n' sentinel or the start of a comment. */
enum { C_TOK = 0, C_BLANK = 1, C_END = 2 };

static const uint8_t cls[256] = {
	[' '] = C_BLANK, ['\t'] = C_BLANK, ['\r'] = C_BLANK,
	['\v'] = C_BLANK, ['\f'] = C_BLANK,
	['\n'] = C_END, ['#'] = C_END,
};

typedef enum {
	ST_START,   /* no `vmt 1` yet */
	ST_HEADERS, /* after `vmt 1`, no event yet: headers allowed */
	ST_EVENTS,  /* after the first event */
} vmt_state_t;

struct vm_vmt_reader {
	char *name;             /* for messages: the path, "<stdin>", or given */
	int fd;                 /* -1 for a memory reader */
	gboolean is_stdin;      /* never closed, never rewound */
	gboolean seekable;      /* a regular file or memory */

	const char *mem;        /* memory reader: the caller's text */
	size_t mem_len, mem_pos;

	char *buf;              /* file: the block buffer (see the picture);
				 * memory: room for a last line without '\n' */
	size_t cap, pos, end;   /* file: unread bytes are buf[pos, end) */
	gboolean eof;           /* read(2) has returned 0 */
	gboolean skipping;      /* discarding the rest of an overlong line */
	uint64_t read_off;      /* file: the file offset of buf[end] */
	gboolean added_nl;      /* file: buf[end-1] is the reserved '\n' */

	uint64_t line;          /* lines consumed so far = the current line */
	vmt_state_t state;
	uint64_t nul_off;       /* text: the offset of the next NUL byte
				 * (UINT64_MAX: none in what was read) */

	gboolean sniffed;       /* the first bytes have been looked at */
	gboolean binary;        /* a .vmtb: records come from the codec */
	uint64_t data_start;    /* .vmtb: the offset of the first record */
	vm_vmtb_state_t bst;    /* .vmtb: the codec's state */
	gboolean skim;          /* vm_vmt_set_skim: a check pass only */
	gboolean after_access;  /* the last record was an access */
	uint32_t skim_pid;      /* text: its pid, for the skim */
	vm_record_t *kept;      /* vm_vmt_keep_record's: the caller's record,
				 * passed to every call and left alone between */
	vm_record_t *hot;       /* @kept when it holds, in full, a short-form
				 * .vmtb access that vm_vmt_next's hot path
				 * read (a file reader, no skim): the next one
				 * of the same process writes only acc, addr
				 * and line; NULL whenever anything else wrote
				 * or may have written it, or the codec's
				 * state moved otherwise (next_slow, rewind,
				 * restore, skim) */
	vm_record_t *hot_line;  /* the record that holds a text file's
				 * access that fast_line read, when it was
				 * the last read (vm_vmt_next_page_run reads
				 * on from it if it is @kept); NULL as @hot */

	char *arena;            /* this record's strings */
	size_t arena_used;
	vm_check_t checks[VMT_MAX_CHECKS]; /* this record's expect checks */
};


/* --- Input ------------------------------------------------------------- */

typedef enum { NL_LINE, NL_EOF, NL_ERROR } next_line_t;

static gboolean
io_error(vm_vmt_reader_t *r, int err, const char *what, GError **error)
{
	g_set_error(error, VM_ERROR, VM_ERROR_IO, "%s: %s%s", r->name, what,
		    g_strerror(err));
	return FALSE;
}

static next_line_t
too_long(vm_vmt_reader_t *r, GError **error)
{
	g_set_error(error, VM_ERROR, VM_ERROR_PARSE,
		    "%s:%" G_GUINT64_FORMAT ":1: line too long (more than %u bytes)",
		    r->name, r->line, VMT_MAX_LINE);
	return NL_ERROR;
}

/*
 * A text line may not hold a NUL byte: the strings a record carries end at
 * one, so the record would not say what the line says (a note cut short,
 * a name that is another).  The byte is found without a look at every
 * line: fill() and the memory reader's open search each block once, with
 * memchr, for the first NUL, whose offset r->nul_off keeps; a line is
 * checked against it with one compare.  @line (at offset @start, @n bytes
 * long) is followed by the rest of the data, up to @data_end.
 */
static next_line_t
check_nul(vm_vmt_reader_t *r, const char *line, uint64_t start, size_t n,
	  const char *data_end, GError **error)
{
	const char *z;

	if (r->nul_off < start) {
		/* in a line skipped as too long: look again from here */
		z = memchr(line, '\0', (size_t)(data_end - line));
		r->nul_off = z ? start + (uint64_t)(z - line) : UINT64_MAX;
		if (r->nul_off >= start + n)
			return NL_LINE;
	}
	g_set_error(error, VM_ERROR, VM_ERROR_PARSE,
		    "%s:%" G_GUINT64_FORMAT ":%u: a NUL byte: a trace is text",
		    r->name, r->line, (unsigned)(r->nul_off - start) + 1);
	/* the next one, after it */
	z = memchr(line + (r->nul_off - start) + 1, '\0',
		   (size_t)(data_end - line) - (size_t)(r->nul_off - start) - 1);
	r->nul_off = z ? start + (uint64_t)(z - line) : UINT64_MAX;
	return NL_ERROR;
}

/* Move the unread tail to the front of the buffer and read behind it. */
static gboolean
fill(vm_vmt_reader_t *r, GError **error)
{
	ssize_t n;

	if (r->pos > 0) {
		memmove(r->buf, r->buf + r->pos, r->end - r->pos);
		r->end -= r->pos;
		r->pos = 0;
	}
	/* Exactly one block (there is room for it and for the '\n' of a last
	 * line that lacks one): block boundaries then fall at file offsets
	 * k * VMT_BLOCK, which lets the tests put a line across one. */
	do
		n = read(r->fd, r->buf + r->end,
			 MIN(VMT_BLOCK, r->cap - 1 - r->end));
	while (n < 0 && errno == EINTR);
	if (n < 0) {
		/* Drop what is buffered too: a partial line must not be
		 * parsed as if it were whole.  Later calls see the end. */
		int err = errno;

		r->eof = TRUE;
		r->pos = r->end = 0;
		return io_error(r, err, "read error: ", error);
	}
	if (n == 0)
		r->eof = TRUE;
	if (r->nul_off == UINT64_MAX && !r->binary) {
		const char *z = memchr(r->buf + r->end, '\0', (size_t)n);
		if (z != NULL)
			r->nul_off = r->read_off + (uint64_t)(z - (r->buf + r->end));
	}
	r->end += (size_t)n;
	r->read_off += (uint64_t)n;
	return TRUE;
}

static next_line_t
next_line_file(vm_vmt_reader_t *r, const char **linep, size_t *lenp,
	       GError **error)
{
	for (;;) {
		char *p = r->buf + r->pos;
		size_t avail = r->end - r->pos;
		char *nl = memchr(p, '\n', avail);

		if (G_LIKELY(nl != NULL)) {
			size_t n = (size_t)(nl - p);

			r->pos += n + 1;
			if (G_UNLIKELY(r->skipping)) {
				r->skipping = FALSE;
				continue;
			}
			r->line++;
			if (G_UNLIKELY(n > VMT_MAX_LINE))
				return too_long(r, error);
			*linep = p;
			*lenp = n;
			/* the offset after the '\n' (which the reader may have
			 * added itself, past read_off) */
			if (G_UNLIKELY(r->nul_off < r->read_off + r->added_nl -
				       (r->end - r->pos)))
				return check_nul(r, p, r->read_off + r->added_nl -
						 (r->end - r->pos) - n - 1, n,
						 r->buf + r->end, error);
			return NL_LINE;
		}
		if (r->skipping) {
			r->pos = r->end;        /* still inside the long line */
		} else if (avail > VMT_MAX_LINE) {
			r->line++;
			r->skipping = TRUE;
			r->pos = r->end;
			return too_long(r, error);
		} else if (r->eof) {
			if (avail == 0)
				return NL_EOF;
			r->buf[r->end++] = '\n'; /* the reserved byte */
			r->added_nl = TRUE;
			continue;
		}
		if (r->eof) {
			r->skipping = FALSE;
			return NL_EOF;
		}
		if (!fill(r, error))
			return NL_ERROR;
	}
}

static next_line_t
next_line_memory(vm_vmt_reader_t *r, const char **linep, size_t *lenp,
		 GError **error)
{
	const char *p, *nl;
	size_t avail, n;

	if (r->mem_pos >= r->mem_len)
		return NL_EOF;
	p = r->mem + r->mem_pos;
	avail = r->mem_len - r->mem_pos;
	nl = memchr(p, '\n', avail);
	n = nl != NULL ? (size_t)(nl - p) : avail;
	r->mem_pos += nl != NULL ? n + 1 : n;
	r->line++;
	if (G_UNLIKELY(n > VMT_MAX_LINE))
		return too_long(r, error);
	if (G_UNLIKELY(r->nul_off < r->mem_pos) &&
	    check_nul(r, p, (uint64_t)(p - r->mem), n, r->mem + r->mem_len,
		      error) == NL_ERROR)
		return NL_ERROR;
	if (nl == NULL) {
		/* The caller's text is const and may end right here: give
		 * the last line its sentinel in our own buffer. */
		memcpy(r->buf, p, n);
		r->buf[n] = '\n';
		p = r->buf;
	}
	*linep = p;
	*lenp = n;
	return NL_LINE;
}

/* --- Tokens ------------------------------------------------------------ */

typedef struct {
	const char *s;
	size_t n;               /* 0: no more tokens on the line */
} tok_t;

typedef struct {
	const char *line;       /* first byte of the line */
	const char *p;          /* cursor */
	const char *last;       /* one past the last token read */
} lex_t;

static inline tok_t
lex_next(lex_t *lx)
{
	const unsigned char *p = (const unsigned char *)lx->p;
	const unsigned char *s;

	while (cls[*p] == C_BLANK)
		p++;
	s = p;
	while (cls[*p] == C_TOK)
		p++;
	lx->p = (const char *)p;
	if (p != s)
		lx->last = (const char *)p;
	return (tok_t){ (const char *)s, (size_t)(p - s) };
}

static inline uint32_t
col_of(const lex_t *lx, const char *at)
{
	return (uint32_t)(at - lx->line) + 1;
}

static inline gboolean
tok_is(tok_t t, const char *word)
{
	size_t n = strlen(word);    /* a literal: folded by the compiler */

	return t.n == n && memcmp(t.s, word, n) == 0;
}

/* TRUE when @t is "KEY=..." for the given "KEY="; *val gets the rest. */
static inline gboolean
tok_opt(tok_t t, const char *key, tok_t *val)
{
	size_t n = strlen(key);

	if (t.n < n || memcmp(t.s, key, n) != 0)
		return FALSE;
	val->s = t.s + n;
	val->n = t.n - n;
	return TRUE;
}

/* A pid: decimal digits only, 1..VMT_MAX_ID. */
static inline gboolean
parse_id(tok_t t, uint32_t *out)
{
	uint64_t v = 0;

	if (t.n == 0 || t.n > 10)
		return FALSE;
	for (size_t i = 0; i < t.n; i++) {
		unsigned d = (unsigned char)t.s[i] - '0';

		if (d > 9)
			return FALSE;
		v = v * 10 + d;
	}
	if (v == 0 || v > VMT_MAX_ID)
		return FALSE;
	*out = (uint32_t)v;
	return TRUE;
}

static const char *
arena_put(vm_vmt_reader_t *r, const char *s, size_t n)
{
	char *d;

	g_assert(r->arena_used + n + 1 <= VMT_ARENA);
	d = r->arena + r->arena_used;
	memcpy(d, s, n);
	d[n] = '\0';
	r->arena_used += n + 1;
	return d;
}

/* --- Parsing context and its helpers ------------------------------------ */

typedef struct {
	vm_vmt_reader_t *r;
	vm_record_t *rec;
	GError **error;
	lex_t lx;
	tok_t op;               /* the op word, for missing-argument messages */
	unsigned ci;            /* next slot of rec->cols */
} ctx_t;

#define Q "'%.*s'"
#define QA(t) (int)MIN((t).n, VMT_QUOTE_MAX), (t).s

static gboolean G_GNUC_PRINTF(3, 4)
err_at(ctx_t *c, const char *at, const char *fmt, ...)
{
	va_list ap;
	char *msg;

	va_start(ap, fmt);
	msg = g_strdup_vprintf(fmt, ap);
	va_end(ap);
	g_set_error(c->error, VM_ERROR, VM_ERROR_PARSE,
		    "%s:%" G_GUINT64_FORMAT ":%u: %s", c->r->name, c->r->line,
		    col_of(&c->lx, at), msg);
	g_free(msg);
	return FALSE;
}

/* A missing argument is reported just past the last token of the line. */
static gboolean
missing(ctx_t *c, const char *what)
{
	return err_at(c, c->lx.last, "missing argument: %.*s needs %s",
		      QA(c->op), what);
}

static inline void
keep_col(ctx_t *c, tok_t t)
{
	if (c->ci < VM_REC_MAX_COLS)
		c->rec->cols[c->ci] = col_of(&c->lx, t.s);
	c->ci++;
}

/* The next token, which may be absent (t.n == 0); its column is kept. */
static inline tok_t
next(ctx_t *c)
{
	tok_t t = lex_next(&c->lx);

	if (t.n != 0)
		keep_col(c, t);
	return t;
}

static inline gboolean
need(ctx_t *c, const char *what, tok_t *t)
{
	*t = next(c);
	return t->n != 0 ? TRUE : missing(c, what);
}

static inline gboolean
need_number(ctx_t *c, const char *what, uint64_t *out)
{
	tok_t t;

	if (!need(c, what, &t))
		return FALSE;
	if (G_UNLIKELY(!vm_parse_number_n(t.s, t.n, out)))
		return err_at(c, t.s, "bad number " Q, QA(t));
	return TRUE;
}

static gboolean
check_size(ctx_t *c, tok_t t, uint64_t *out)
{
	if (!vm_parse_size_n(t.s, t.n, out))
		return err_at(c, t.s, "bad size " Q, QA(t));
	return TRUE;
}

static gboolean
need_size(ctx_t *c, const char *what, uint64_t *out)
{
	tok_t t;

	return need(c, what, &t) && check_size(c, t, out);
}

static gboolean
check_fd(ctx_t *c, tok_t t, int32_t *out)
{
	uint64_t v;

	if (!vm_parse_number_n(t.s, t.n, &v) || v > VMT_MAX_ID)
		return err_at(c, t.s, "bad fd " Q, QA(t));
	*out = (int32_t)v;
	return TRUE;
}

/* PROT: "none", or a non-empty subsequence of "rwx" in that order. */
static gboolean
need_prot(ctx_t *c)
{
	uint32_t prot = 0, bit;
	tok_t t;

	if (!need(c, "PROT", &t))
		return FALSE;
	if (!tok_is(t, "none")) {
		for (size_t i = 0; i < t.n; i++) {
			switch (t.s[i]) {
			case 'r': bit = VM_PROT_R; break;
			case 'w': bit = VM_PROT_W; break;
			case 'x': bit = VM_PROT_X; break;
			default: bit = 0; break;
			}
			/* Bits rise in r, w, x order: a smaller one is out
			 * of order or repeated. */
			if (bit == 0 || bit <= prot)
				return err_at(c, t.s, "bad protection " Q, QA(t));
			prot |= bit;
		}
	}
	c->rec->prot = prot;
	return TRUE;
}

/* One of @words (NULL-terminated); its index into *out. */
static gboolean
need_word(ctx_t *c, const char *what, const char *const *words, uint32_t *out)
{
	tok_t t;

	if (!need(c, what, &t))
		return FALSE;
	for (uint32_t i = 0; words[i] != NULL; i++)
		if (tok_is(t, words[i])) {
			*out = i;
			return TRUE;
		}
	return err_at(c, t.s, "expected %s, got " Q, what, QA(t));
}

/* A file or profile name must be UTF-8: statistics print names in JSON
 * and CSV, whose readers expect text (docs/format.md). */
static gboolean
check_utf8(ctx_t *c, tok_t t)
{
	char *shown;

	if (G_LIKELY(g_utf8_validate(t.s, (gssize)t.n, NULL)))
		return TRUE;
	shown = g_utf8_make_valid(t.s, (gssize)MIN(t.n, VMT_QUOTE_MAX));
	err_at(c, t.s, "name is not UTF-8 '%s'", shown);
	g_free(shown);
	return FALSE;
}

static gboolean
need_name(ctx_t *c, const char **out)
{
	tok_t t;

	if (!need(c, "NAME", &t) || !check_utf8(c, t))
		return FALSE;
	*out = arena_put(c->r, t.s, t.n);
	return TRUE;
}

static gboolean
unexpected(ctx_t *c, tok_t t)
{
	return err_at(c, t.s, "unexpected token " Q, QA(t));
}

static gboolean
duplicate(ctx_t *c, tok_t t)
{
	return err_at(c, t.s, "duplicate option " Q, QA(t));
}

/* The line must end here. */
static inline gboolean
finish(ctx_t *c)
{
	tok_t t = lex_next(&c->lx);

	return t.n == 0 ? TRUE : unexpected(c, t);
}

/* --- Events ------------------------------------------------------------- */

/* `r|w|x ADDR [SIZE]`: the hot path. */
static inline gboolean
parse_access(ctx_t *c)
{
	vm_record_t *rec = c->rec;
	tok_t t;

	rec->kind = VM_REC_ACCESS;
	if (!need_number(c, "ADDR", &rec->addr))
		return FALSE;
	t = next(c);
	if (t.n == 0) {
		rec->len = 1;
		return TRUE;
	}
	if (G_UNLIKELY(!vm_parse_size_n(t.s, t.n, &rec->len) || rec->len == 0))
		return err_at(c, t.s, "bad size " Q, QA(t));
	return finish(c);
}

/* `note TEXT...`: the rest of the line, comment removed, trimmed. */
static gboolean
parse_note(ctx_t *c)
{
	const unsigned char *s = (const unsigned char *)c->lx.p;
	const unsigned char *e;

	while (cls[*s] == C_BLANK)
		s++;
	e = s;
	while (cls[*e] != C_END)
		e++;
	while (e > s && cls[e[-1]] == C_BLANK)
		e--;
	if (e == s)
		return missing(c, "TEXT");
	keep_col(c, (tok_t){ (const char *)s, (size_t)(e - s) });
	c->rec->name = arena_put(c->r, (const char *)s, (size_t)(e - s));
	c->lx.p = (const char *)e;
	c->lx.last = (const char *)e;
	return TRUE;
}

/* One CHECK of an expect line: KEY=VALUE, KEY<=VALUE or KEY>=VALUE. */
static gboolean
parse_check(ctx_t *c, tok_t t, vm_check_t *chk)
{
	size_t k = 0, v;
	/* cgroup.NAME.STAT: a cgroup's name may hold dots and dashes */
	gboolean cg = t.n > 7 && memcmp(t.s, "cgroup.", 7) == 0;

	while (k < t.n && (g_ascii_isalnum(t.s[k]) || t.s[k] == '_' ||
			   (cg && (t.s[k] == '.' || t.s[k] == '-'))))
		k++;
	if (k == 0 || k == t.n)
		goto bad;
	if (t.s[k] == '=') {
		chk->cmp = VM_CMP_EQ;
		v = k + 1;
	} else if ((t.s[k] == '<' || t.s[k] == '>') && k + 1 < t.n &&
		   t.s[k + 1] == '=') {
		chk->cmp = t.s[k] == '<' ? VM_CMP_LE : VM_CMP_GE;
		v = k + 2;
	} else {
		goto bad;
	}
	if (v == t.n)
		goto bad;
	chk->key = arena_put(c->r, t.s, k);
	chk->value = arena_put(c->r, t.s + v, t.n - v);
	chk->col = col_of(&c->lx, t.s);
	return TRUE;
bad:
	return err_at(c, t.s, "bad check " Q, QA(t));
}

/* `expect [pid=N|file=NAME] CHECK...` */
static gboolean
parse_expect(ctx_t *c)
{
	vm_record_t *rec = c->rec;
	uint32_t n = 0, pid;
	tok_t t, v;

	if (!need(c, "CHECK", &t))
		return FALSE;
	if (tok_opt(t, "pid=", &v)) {
		if (!parse_id(v, &pid))
			return err_at(c, v.s, "bad pid " Q, QA(v));
		rec->expect_pid = pid;
		t = next(c);
	} else if (tok_opt(t, "file=", &v)) {
		if (v.n == 0)
			return err_at(c, t.s, "missing file name " Q, QA(t));
		if (!check_utf8(c, v))
			return FALSE;
		rec->expect_file = arena_put(c->r, v.s, v.n);
		t = next(c);
	}
	for (; t.n != 0; t = next(c)) {
		if (tok_opt(t, "pid=", &v) || tok_opt(t, "file=", &v))
			return err_at(c, t.s, "pid= and file= must come first "
				      "after expect " Q, QA(t));
		if (n == VMT_MAX_CHECKS)
			return err_at(c, t.s, "too many checks (at most %u) " Q,
				      VMT_MAX_CHECKS, QA(t));
		if (!parse_check(c, t, &c->r->checks[n]))
			return FALSE;
		n++;
	}
	if (n == 0)
		return missing(c, "CHECK");
	rec->nr_checks = n;
	rec->checks = c->r->checks;
	return TRUE;
}

/* --- Every other op, from the table (traces/op.h) ------------------------ */

/* An oom_score_adj: an optional sign and at most four decimal digits,
 * from VM_OOM_SCORE_ADJ_MIN to _MAX (what the kernel's kstrtoint takes
 * from /proc/PID/oom_score_adj, and no more). */
static gboolean
parse_adj(tok_t t, int32_t *out)
{
	size_t i = 0;
	gboolean neg = FALSE;
	int32_t v = 0;

	if (t.n > 0 && (t.s[0] == '-' || t.s[0] == '+')) {
		neg = t.s[0] == '-';
		i = 1;
	}
	if (i == t.n || t.n - i > 4)
		return FALSE;
	for (; i < t.n; i++) {
		if (!g_ascii_isdigit(t.s[i]))
			return FALSE;
		v = v * 10 + (t.s[i] - '0');
	}
	if (v > VM_OOM_SCORE_ADJ_MAX)
		return FALSE;
	*out = neg ? -v : v;
	return TRUE;
}

/* Positional argument @a of an op. */
static gboolean
parse_arg(ctx_t *c, const vm_op_arg_t *a)
{
	vm_record_t *rec = c->rec;
	uint32_t which;
	tok_t t, v;

	switch ((vm_opa_type_t)a->type) {
	case VM_OPA_RW:
		if (!need(c, a->label, &t))
			return FALSE;
		if (tok_is(t, "r"))
			rec->acc = VM_ACC_R;
		else if (tok_is(t, "w"))
			rec->acc = VM_ACC_W;
		else
			return err_at(c, t.s, "expected r or w, got " Q, QA(t));
		return TRUE;
	case VM_OPA_ADDR:
		return need_number(c, a->label, &rec->addr);
	case VM_OPA_OFF:
		return need_size(c, a->label, &rec->addr);
	case VM_OPA_LEN:
		return need_size(c, a->label, &rec->len);
	case VM_OPA_PROT:
		return need_prot(c);
	case VM_OPA_FD:
		return need(c, a->label, &t) && check_fd(c, t, &rec->fd);
	case VM_OPA_NAME:
		return need_name(c, &rec->name);
	case VM_OPA_CHILD:
		if (!need(c, a->label, &t))
			return FALSE;
		if (!parse_id(t, &rec->child))
			return err_at(c, t.s, "bad pid " Q, QA(t));
		return TRUE;
	case VM_OPA_DURATION: {
		uint64_t ns;

		if (!need(c, a->label, &t))
			return FALSE;
		if (!vm_parse_duration_n(t.s, t.n, &ns))
			return err_at(c, t.s, "bad duration " Q, QA(t));
		rec->ns = ns;
		return TRUE;
	}
	case VM_OPA_WORD:
		return need_word(c, a->label, a->words, &rec->arg);
	case VM_OPA_FLAG:
		if (!need_word(c, a->label, a->words, &which))
			return FALSE;
		rec->flags |= a->bits[which];
		return TRUE;
	case VM_OPA_FRAME:
		return need_number(c, a->label, &rec->count);
	case VM_OPA_NEW_LEN:
		if (!need(c, a->label, &t) || !check_size(c, t, &rec->count))
			return FALSE;
		if (rec->count == 0)
			return err_at(c, t.s, "bad length " Q " (mremap's new length "
				      "is not 0)", QA(t));
		return TRUE;
	case VM_OPA_ADJ: {
		int32_t adj;

		if (!need(c, a->label, &t))
			return FALSE;
		if (!parse_adj(t, &adj))
			return err_at(c, t.s, "bad oom_score_adj " Q " (an integer "
				      "from -1000 to 1000)", QA(t));
		rec->arg = (uint32_t)adj;
		return TRUE;
	}
	case VM_OPA_ANON_FD:
		if (!need(c, a->label, &t))
			return FALSE;
		if (tok_is(t, "anon")) {
			rec->flags |= VM_MAP_ANON;
			return TRUE;
		}
		if (tok_opt(t, "fd=", &v))
			return check_fd(c, v, &rec->fd);
		return err_at(c, t.s, "expected %s, got " Q, a->label, QA(t));
	}
	g_assert_not_reached();
	return FALSE;
}

/* Option @o, whose token is @t and value (after the key) @v. */
static gboolean
parse_opt(ctx_t *c, const vm_op_opt_t *o, tok_t t, tok_t v)
{
	vm_record_t *rec = c->rec;

	switch ((vm_opo_type_t)o->type) {
	case VM_OPO_STRIDE:
		if (!vm_parse_size_n(v.s, v.n, &rec->stride) || rec->stride == 0)
			return err_at(c, v.s, "bad stride " Q, QA(v));
		return TRUE;
	case VM_OPO_COUNT:
		if (!vm_parse_number_n(v.s, v.n, &rec->count) || rec->count == 0)
			return err_at(c, v.s, "bad count " Q, QA(v));
		return TRUE;
	case VM_OPO_SEED:
		if (!vm_parse_number_n(v.s, v.n, &rec->seed))
			return err_at(c, v.s, "bad number " Q, QA(v));
		return TRUE;
	case VM_OPO_OFF:
		if (rec->flags & VM_MAP_ANON)
			return err_at(c, t.s, "off= with an anonymous mapping " Q, QA(t));
		return check_size(c, v, &rec->off);
	case VM_OPO_FD:
		return check_fd(c, v, &rec->fd);
	case VM_OPO_SIZE:
		return check_size(c, v, &rec->len);
	case VM_OPO_WORD:
		rec->flags |= o->bit;
		return TRUE;
	case VM_OPO_CG_MAX:
	case VM_OPO_CG_HIGH:
	case VM_OPO_CG_SWAP:
		/* the limits belong to `create`; `enter` takes a name only */
		if (rec->arg != VM_CGROUP_CREATE)
			return unexpected(c, t);
		rec->flags |= o->bit;
		return check_size(c, v, o->type == VM_OPO_CG_MAX ? &rec->len
				  : o->type == VM_OPO_CG_HIGH ? &rec->seed
				  : &rec->stride);
	case VM_OPO_TO:
		if (!vm_parse_number_n(v.s, v.n, &rec->stride))
			return err_at(c, v.s, "bad number " Q, QA(v));
		rec->flags |= o->bit;
		return TRUE;
	}
	g_assert_not_reached();
	return FALSE;
}

/* An op of the table after its PID and op word (or its word, for a
 * header): the positional arguments in order, then the options in any
 * order, each at most once, the required ones all there. */
static gboolean
parse_op(ctx_t *c, vm_rec_kind_t kind)
{
	const vm_op_t *op = &vm_ops[kind];
	gboolean seen[VM_OP_MAX_OPTS] = { FALSE };
	tok_t t, v = { NULL, 0 };

	c->rec->kind = kind;
	if (kind == VM_REC_RAND)
		c->rec->seed = 1;   /* seed= may be left out */
	for (unsigned i = 0; i < op->nr_args; i++)
		if (!parse_arg(c, &op->args[i]))
			return FALSE;
	if (!op->nr_opts)
		return finish(c);
	while ((t = next(c)).n != 0) {
		unsigned i;

		for (i = 0; i < op->nr_opts; i++) {
			const vm_op_opt_t *o = &op->opts[i];

			if (o->type == VM_OPO_WORD ? tok_is(t, o->key)
						   : tok_opt(t, o->key, &v))
				break;
		}
		if (i == op->nr_opts)
			return unexpected(c, t);
		if (seen[i])
			return duplicate(c, t);
		seen[i] = TRUE;
		if (!parse_opt(c, &op->opts[i], t, v))
			return FALSE;
	}
	for (unsigned i = 0; i < op->nr_opts; i++)
		if (op->opts[i].required && !seen[i])
			return missing(c, op->opts[i].label);
	if (kind == VM_REC_CGROUP && c->rec->arg == VM_CGROUP_CREATE && !seen[0])
		return missing(c, "max=SIZE");
	return TRUE;
}

/* An event after its PID and op word. */
static gboolean
parse_event(ctx_t *c, vm_rec_kind_t kind)
{
	switch (kind) {
	case VM_REC_NOTE:
		c->rec->kind = kind;
		return parse_note(c);
	case VM_REC_EXPECT:
		c->rec->kind = kind;
		return parse_expect(c);
	default:
		return parse_op(c, kind);
	}
}

/* --- Headers and global events -------------------------------------------- */

/* `set KEY=VALUE` */
static gboolean
parse_set(ctx_t *c)
{
	vm_record_t *rec = c->rec;
	const char *eq;
	tok_t t;

	rec->kind = VM_REC_SET;
	if (!need(c, "KEY=VALUE", &t))
		return FALSE;
	eq = memchr(t.s, '=', t.n);
	if (eq == NULL || eq == t.s)
		return err_at(c, t.s, "expected KEY=VALUE, got " Q, QA(t));
	rec->name = arena_put(c->r, t.s, (size_t)(eq - t.s));
	rec->value = arena_put(c->r, eq + 1, t.n - (size_t)(eq + 1 - t.s));
	return finish(c);
}

/* `vmt 1`, which must be the first record. */
static gboolean
parse_vmt(ctx_t *c, tok_t t0)
{
	uint64_t version;
	tok_t t;

	if (!tok_is(t0, "vmt"))
		return err_at(c, t0.s, "expected 'vmt 1', got " Q, QA(t0));
	c->op = t0;
	t = lex_next(&c->lx);
	if (t.n == 0)
		return missing(c, "VERSION");
	if (!vm_parse_number_n(t.s, t.n, &version) || version != 1)
		return err_at(c, t.s, "unsupported trace version " Q, QA(t));
	return finish(c);
}

/* A line whose first token is not a PID.  1: a record; 0: none (the `vmt`
 * line); -1: an error. */
static int
parse_global(ctx_t *c, tok_t t0)
{
	vm_vmt_reader_t *r = c->r;
	vm_record_t *rec = c->rec;
	int op;

	if (r->state == ST_START) {
		if (!parse_vmt(c, t0))
			return -1;
		r->state = ST_HEADERS;
		return 0;
	}
	vm_record_blank(rec);
	rec->line = r->line;
	c->op = t0;
	keep_col(c, t0);
	keep_col(c, t0);
	if (tok_is(t0, "vmt"))
		return err_at(c, t0.s, "duplicate vmt record " Q, QA(t0)), -1;
	op = vm_op_lookup(t0.s, t0.n);
	if (op >= 0 && vm_ops[op].scope == VM_OP_GLOBAL) {
		r->state = ST_EVENTS;
		return parse_op(c, (vm_rec_kind_t)op) ? 1 : -1;
	}
	if (op >= 0 && vm_ops[op].scope == VM_OP_HEADER) {
		if (r->state == ST_EVENTS)
			return err_at(c, t0.s, "header record after the first "
				      "event " Q, QA(t0)), -1;
		if (op == VM_REC_SET)
			return parse_set(c) ? 1 : -1;
		return parse_op(c, (vm_rec_kind_t)op) ? 1 : -1;
	}
	if (op >= 0 || (t0.n == 1 && strchr("rwx", t0.s[0])))
		return err_at(c, t0.s, "missing pid before " Q, QA(t0)), -1;
	if (t0.s[0] == '-' || t0.s[0] == '+')
		return err_at(c, t0.s, "bad pid " Q, QA(t0)), -1;
	return err_at(c, t0.s, "unknown op " Q, QA(t0)), -1;
}

/* --- The reader ------------------------------------------------------------ */

/* The unread bytes of a .vmtb: in the block buffer, or the caller's text. */
static inline const uint8_t *
bin_view(vm_vmt_reader_t *r, size_t *avail)
{
	if (r->fd >= 0) {
		*avail = r->end - r->pos;
		return (const uint8_t *)r->buf + r->pos;
	}
	*avail = r->mem_len - r->mem_pos;
	return (const uint8_t *)r->mem + r->mem_pos;
}

static inline void
bin_skip(vm_vmt_reader_t *r, size_t n)
{
	if (r->fd >= 0)
		r->pos += n;
	else
		r->mem_pos += n;
}

/* The byte offset of the next unread byte (for messages and marks). */
static uint64_t
bin_offset(const vm_vmt_reader_t *r)
{
	return r->fd >= 0 ? r->read_off - (r->end - r->pos) : r->mem_pos;
}

/* vm_vmt_next for a .vmtb.  Errors name the record's line (its line in the
 * .vmt that `convert --to vmt` writes) and the byte offset. */
static gboolean
next_binary(vm_vmt_reader_t *r, vm_record_t *rec, GError **error)
{
	vm_vmtb_store_t store = { r->arena, r->checks, VMT_MAX_CHECKS };

	for (;;) {
		const uint8_t *p;
		size_t avail;
		const char *why = NULL;
		gboolean is_end;
		long n;

		p = bin_view(r, &avail);
		if (r->fd >= 0 && avail < VM_VMTB_MAX_REC && !r->eof) {
			if (!fill(r, error))
				return FALSE;
			continue;
		}
		if (r->skim && r->after_access) {
			size_t k = vm_vmtb_skim(p, avail, &r->bst);
			if (k > 0) {
				bin_skip(r, k);
				continue;   /* refill, then skim or decode on */
			}
		}
		if (G_LIKELY(avail >= 16)) {
			n = vm_vmtb_decode_hot(p, &r->bst, rec);
			if (G_LIKELY(n > 0)) {
				bin_skip(r, (size_t)n);
				r->after_access = TRUE;
				/* written in full: the next may be hot */
				if (rec == r->kept && r->fd >= 0 && !r->skim)
					r->hot = rec;
				return TRUE;
			}
		}
		n = vm_vmtb_decode(p, avail, &r->bst, &store, rec, &is_end, &why);
		if (G_LIKELY(n > 0)) {
			bin_skip(r, (size_t)n);
			if (!is_end) {
				r->after_access = rec->kind == VM_REC_ACCESS;
				return TRUE;
			}
			continue;
		}
		if (n == 0 && avail == 0 && r->bst.done)
			return FALSE;   /* the end */
		if (n == 0)
			why = avail == 0 ? "truncated .vmtb: no end record"
					 : "truncated .vmtb: the file ends inside a record";
		g_set_error(error, VM_ERROR, VM_ERROR_PARSE,
			    "%s:%" G_GUINT64_FORMAT ":1: %s (byte offset %"
			    G_GUINT64_FORMAT ")", r->name, r->bst.nr + 2, why,
			    bin_offset(r));
		/* Later calls see the end: nothing after a bad record. */
		r->bst.done = 1;
		if (r->fd >= 0) {
			r->pos = r->end;
			r->eof = TRUE;
		} else {
			r->mem_pos = r->mem_len;
		}
		return FALSE;
	}
}

/* After the first bytes are in: a .vmtb (consume its header), Lackey
 * output (refused: convert it), or text.  FALSE with @error when the
 * header is bad. */
static gboolean
sniff(vm_vmt_reader_t *r, GError **error)
{
	const uint8_t *p;
	size_t avail;
	const char *why = NULL;
	long n;

	p = bin_view(r, &avail);
	if (avail >= 2 && (memcmp(p, "==", 2) == 0 || memcmp(p, "I  ", MIN(avail, 3)) == 0 ||
			   memcmp(p, " L ", MIN(avail, 3)) == 0 ||
			   memcmp(p, " S ", MIN(avail, 3)) == 0 ||
			   memcmp(p, " M ", MIN(avail, 3)) == 0)) {
		g_set_error(error, VM_ERROR, VM_ERROR_PARSE,
			    "%s:1:1: this is Valgrind Lackey output, not a "
			    "trace: turn it into one with `vmscope convert %s`",
			    r->name, r->name);
		return FALSE;
	}
	if (avail < VM_VMTB_MAGIC_LEN || !vm_vmtb_is_magic(p, avail))
		return TRUE;
	n = vm_vmtb_decode_header(p, avail, &why);
	if (n <= 0) {
		g_set_error(error, VM_ERROR, VM_ERROR_PARSE, "%s:1:1: %s",
			    r->name, n == 0 ? "truncated .vmtb header" : why);
		return FALSE;
	}
	bin_skip(r, (size_t)n);
	r->binary = TRUE;
	r->data_start = (uint64_t)n;
	return TRUE;
}

/* Read the first bytes (a pipe may hand them over a few at a time) and
 * sniff them, once. */
static gboolean
sniff_first(vm_vmt_reader_t *r, GError **error)
{
	r->sniffed = TRUE;
	while (r->end < VM_VMTB_MAGIC_LEN + 1 && !r->eof)
		if (!fill(r, error))
			return FALSE;
	return sniff(r, error);
}


/* --- The access fast path ---------------------------------------------- */

/* Hex digit + 1, 0 for anything else. */
static const uint8_t hexv[256] = {
	['0'] = 1, ['1'] = 2, ['2'] = 3, ['3'] = 4, ['4'] = 5, ['5'] = 6,
	['6'] = 7, ['7'] = 8, ['8'] = 9, ['9'] = 10,
	['a'] = 11, ['b'] = 12, ['c'] = 13, ['d'] = 14, ['e'] = 15, ['f'] = 16,
	['A'] = 11, ['B'] = 12, ['C'] = 13, ['D'] = 14, ['E'] = 15, ['F'] = 16,
};

/*
 * The 8 bytes at @p as a little-endian word: a hex number's last digits.
 */
static inline uint64_t
load8(const unsigned char *p)
{
	uint64_t x;
	memcpy(&x, p, sizeof x);
#if G_BYTE_ORDER == G_BIG_ENDIAN
	x = GUINT64_SWAP_LE_BE(x);
#endif
	return x;
}

#define ONES UINT64_C(0x0101010101010101)

/*
 * The hex digits in the top @c bytes (1 to 8) of @x, the first digit in
 * the lowest of them, as a number; FALSE when one is not a hex digit.  All
 * eight bytes at once (SWAR): a byte below 0x80 plus at most 0x80 never
 * carries into the next, so each comparison is an addition that sets a
 * byte's top bit.  The bytes below the digits are cleared first, and read
 * as leading zeros.
 */
static inline gboolean
hex8(uint64_t x, unsigned c, uint64_t *out)
{
	const unsigned sh = 8 * (8 - c);
	const uint64_t want = (0x80 * ONES) >> sh << sh;
	x = x >> sh << sh;
	uint64_t l = x | 0x20 * ONES;                     /* 'A'-'F' to 'a'-'f' */
	uint64_t dig = (x + (0x80 - 0x30) * ONES) & ~(x + (0x80 - 0x3a) * ONES);
	uint64_t let = (l + (0x80 - 0x61) * ONES) & ~(l + (0x80 - 0x67) * ONES);
	if (((dig | let) & ~x & want) != want)
		return FALSE;
	uint64_t nib = (x & 0x0f * ONES) + ((let >> 7) & ONES) * 9;
	/* pairs of digits, pairs of bytes, pairs of 16-bit halves */
	uint64_t t = ((nib << 4) | (nib >> 8)) & UINT64_C(0x00ff00ff00ff00ff);
	t = ((t << 8) | (t >> 16)) & UINT64_C(0x0000ffff0000ffff);
	*out = ((t << 16) | (t >> 32)) & UINT64_C(0xffffffff);
	return TRUE;
}

/*
 * The end of a fast line's read (fast_access, fast_line): the record of
 * a one-page access by @pid at @v, the op's and the address's columns
 * @op_col and @addr_col; or -1 when the check pass skims it
 * (vm_vmt_set_skim: an access of the process whose access came just
 * before needs no record of its own there).
 */
static inline int
fast_record(vm_vmt_reader_t *r, vm_record_t *rec, uint32_t pid, vm_acc_t acc,
	    uint64_t v, unsigned op_col, unsigned addr_col)
{
	r->state = ST_EVENTS;
	if (r->skim && r->after_access && pid == r->skim_pid)
		return -1;
	vm_record_blank(rec);
	rec->line = r->line;
	rec->pid = pid;
	rec->acc = acc;
	rec->addr = v;
	rec->len = 1;
	rec->cols[0] = 1;
	rec->cols[1] = op_col;
	rec->cols[2] = addr_col;
	return 1;
}

/*
 * The shape nearly every line of a recorded or generated trace has,
 * `PID r|w|x ADDR\n` with single spaces, PID of at most 9 digits and ADDR
 * of at most 16 hex or 19 decimal digits (so that neither can overflow),
 * read in one pass over the bytes with no tokenizer: the general path
 * costs about four times as many instructions per line (docs/speed.md).
 * Returns 1 with @rec filled exactly as the general path fills it; -1
 * when the line was skimmed (vm_vmt_set_skim: a one-page access of the
 * process whose access came before, which no check can fail); 0, having
 * changed nothing, for any other line, which the general path then parses
 * from its start (and reports, if it is wrong).
 */
static inline int
fast_access(vm_vmt_reader_t *r, const char *line, size_t len, vm_record_t *rec)
{
	const unsigned char *p = (const unsigned char *)line;
	uint32_t pid = 0;
	unsigned n = 0, d;
	vm_acc_t acc;

	while ((d = (unsigned)p[n] - '0') <= 9) {
		pid = pid * 10 + d;
		if (++n > 9)
			return 0;
	}
	if (pid == 0 || p[n] != ' ')
		return 0;
	switch (p[n + 1]) {        /* not '\n': p[n + 2] is on the line */
	case 'r': acc = VM_ACC_R; break;
	case 'w': acc = VM_ACC_W; break;
	case 'x': acc = VM_ACC_X; break;
	default: return 0;
	}
	if (p[n + 2] != ' ')
		return 0;
	const unsigned opc = n + 1, ac = n + 3;
	const unsigned char *q = p + ac;
	uint64_t v = 0;
	unsigned i;
	const unsigned char *nl = p + len;   /* the line's '\n' */
	if (q[0] == '0' && (q[1] == 'x' || q[1] == 'X')) {
		/* the digits, if the line is the fast shape: up to its end */
		size_t c = (size_t)(nl - q) - 2;
		uint64_t lo;
		if (c >= 1 && c <= 8 && len >= 8) {
			if (!hex8(load8(nl - 8), (unsigned)c, &v))
				return 0;
			i = (unsigned)c + 2;
		} else if (c > 8 && c <= 16 && len >= 16) {
			if (!hex8(load8(nl - 8), 8, &lo) ||
			    !hex8(load8(nl - 16), (unsigned)c - 8, &v))
				return 0;
			v = v << 32 | lo;
			i = (unsigned)c + 2;
		} else {
			for (i = 2; (d = hexv[q[i]]) != 0 && i < 19; i++)
				v = v << 4 | (d - 1);
			if (i == 2 || i > 18)
				return 0;
		}
	} else {
		for (i = 0; (d = (unsigned)q[i] - '0') <= 9 && i < 20; i++)
			v = v * 10 + d;
		if (i == 0 || i > 19)
			return 0;
	}
	if (q[i] != '\n')
		return 0;
	return fast_record(r, rec, pid, acc, v, opc + 1, ac + 1);
}

/* --- Lines read in place ------------------------------------------------ */

/*
 * The fast shape again, read straight from the block buffer without memchr
 * and next_line_file's bookkeeping: where the line ends is found by the
 * scan of its hex digits, which must end at the '\n'.  Only `0x` numbers of
 * 1 to 16 digits take this way (anything else: fast_access and the general
 * path, through next_line_file, as before); it needs FAST_SPAN bytes
 * unread, so that every load below stays inside the data read (the longest
 * such line, a 9-digit pid and 16 digits, is 31 bytes; the loads reach
 * byte 29 of it).
 */
#define FAST_SPAN 32u

/* The top bit of each byte of @x that is not a hex digit.  Exact for the
 * lowest such byte (the bytes below it are digits, below 0x80, so no
 * addition carries into it) and for every byte if all are below 0x80: the
 * line's end is the lowest. */
static inline uint64_t
nonhex8(uint64_t x)
{
	uint64_t l = x | 0x20 * ONES;
	uint64_t dig = (x + (0x80 - 0x30) * ONES) & ~(x + (0x80 - 0x3a) * ONES);
	uint64_t let = (l + (0x80 - 0x61) * ONES) & ~(l + (0x80 - 0x67) * ONES);
	return ~((dig | let) & ~x) & 0x80 * ONES;
}

/* The value of hex digits in the top bytes of @x, zeros below them (read
 * as leading zeros): a digit's low nibble, plus 9 for a letter (bit 6). */
static inline uint64_t
hex_value8(uint64_t x)
{
	uint64_t nib = (x & 0x0f * ONES) + ((x >> 6) & ONES) * 9;
	uint64_t t = ((nib << 4) | (nib >> 8)) & UINT64_C(0x00ff00ff00ff00ff);
	t = ((t << 8) | (t >> 16)) & UINT64_C(0x0000ffff0000ffff);
	return ((t << 16) | (t >> 32)) & UINT64_C(0xffffffff);
}

/* At @q, `HEX\n` with 1 to 16 digits: the number of digits (its value in
 * @v when @v is not NULL), or 0.  FAST_SPAN - 14 bytes readable at @q. */
static inline __attribute__((always_inline)) unsigned
hex_line_end(const unsigned char *q, uint64_t *v)
{
	uint64_t a = load8(q), b, m;
	unsigned c;

	if ((m = nonhex8(a)) != 0) {
		c = (unsigned)__builtin_ctzll(m) >> 3;
		if (c == 0 || q[c] != '\n')
			return 0;
		if (v)
			*v = hex_value8(a << (8 * (8 - c)));
		return c;
	}
	if (q[8] == '\n') {             /* 8 digits: the usual address */
		if (v)
			*v = hex_value8(a);
		return 8;
	}
	b = load8(q + 8);
	if ((m = nonhex8(b)) == 0)
		return 0;                       /* 17 digits or more */
	c = 8 + ((unsigned)__builtin_ctzll(m) >> 3);
	if (c == 8 || q[c] != '\n')
		return 0;
	if (v)   /* c > 8: no shift by 64 */
		*v = hex_value8(a) << (4 * (c - 8)) |
		     hex_value8(b << (8 * (16 - c)));
	return c;
}

/* 'r', 'w' or 'x' */
static inline gboolean
is_acc_byte(unsigned b)
{
	return b - 'r' < 7 && ((0x61u >> (b - 'r')) & 1);
}

/*
 * The check pass's skim over the block buffer: every line from r->pos on
 * that is `PID r|w|x 0xHEX\n` with the pid of the access before it (a
 * one-page access no check can fail, as fast_access skims) is passed over;
 * the first other line, or the last FAST_SPAN bytes, stop it.  The pid's
 * digits and the space after it are one masked word compare (pids of up to
 * 7 digits), the op, the space and `0x` one more, the digits and the
 * line's end two words: about a fifth of next_line_file, memchr and
 * fast_access's work on the same line.
 */
static void
skim_lines(vm_vmt_reader_t *r)
{
	uint64_t pre = 0, mask;
	unsigned k = 0;
	char digits[10];

	for (uint32_t pid = r->skim_pid; pid != 0 && k < 8; pid /= 10)
		digits[k++] = (char)('0' + pid % 10);
	if (k == 0 || k > 7)
		return;
	for (unsigned i = 0; i < k; i++)
		pre |= (uint64_t)(unsigned char)digits[k - 1 - i] << (8 * i);
	pre |= (uint64_t)' ' << (8 * k);
	mask = (UINT64_C(1) << (8 * (k + 1))) - 1;

	const unsigned char *p = (const unsigned char *)r->buf + r->pos;
	const unsigned char *stop = (const unsigned char *)r->buf + r->end - FAST_SPAN;
	uint64_t lines = 0;
	const uint64_t rest = (uint64_t)' ' | (uint64_t)'0' << 8 | (uint64_t)'x' << 16;

	while (p <= stop) {
		uint64_t w = load8(p);
		unsigned c;

		if ((w & mask) != pre)
			break;
		w = load8(p + k + 1);
		if (((w >> 8) & 0xffffff) != rest || !is_acc_byte((unsigned)w & 0xff))
			break;
		if ((c = hex_line_end(p + k + 5, NULL)) == 0)
			break;
		p += k + 6 + c;
		lines++;
	}
	r->pos = (size_t)((const char *)p - r->buf);
	r->line += lines;
}

/*
 * The fields of the line at @p when it is `PID r|w|x 0xHEX\n` (FAST_SPAN
 * bytes readable): its length with the '\n', the pid (*@pid, of *@digits
 * digits), the kind of access and the address; 0 for any other line.
 */
static inline __attribute__((always_inline)) unsigned
fast_fields(const unsigned char *p, uint32_t *pid_out, unsigned *digits,
	    vm_acc_t *acc_out, uint64_t *v)
{
	uint32_t pid = 0;
	unsigned n = 0, d, c;
	vm_acc_t acc;

	while ((d = (unsigned)p[n] - '0') <= 9) {
		pid = pid * 10 + d;
		if (++n > 9)
			return 0;
	}
	if (pid == 0 || p[n] != ' ' || p[n + 2] != ' ' || p[n + 3] != '0' ||
	    p[n + 4] != 'x')
		return 0;
	switch (p[n + 1]) {
	case 'r': acc = VM_ACC_R; break;
	case 'w': acc = VM_ACC_W; break;
	case 'x': acc = VM_ACC_X; break;
	default: return 0;
	}
	if ((c = hex_line_end(p + n + 5, v)) == 0)
		return 0;
	*pid_out = pid;
	*digits = n;
	*acc_out = acc;
	return n + 6 + c;
}

/*
 * The run's read of a fast line in place: 1 with @rec filled as
 * fast_access fills it, -1 when skimmed (as fast_access skims), 0 when the
 * line at r->pos is not `PID r|w|x 0xHEX\n` (nothing consumed).  The
 * caller made sure of FAST_SPAN bytes, a text file and no long line being
 * skipped.
 */
static inline int
fast_line(vm_vmt_reader_t *r, vm_record_t *rec)
{
	uint32_t pid;
	unsigned n, len;
	uint64_t v;
	vm_acc_t acc;

	len = fast_fields((const unsigned char *)r->buf + r->pos, &pid, &n,
			  &acc, &v);
	if (len == 0)
		return 0;
	r->pos += len;
	r->line++;
	return fast_record(r, rec, pid, acc, v, n + 2, n + 4);
}

/* The next text record; vm_vmt_next's body for text. */
static gboolean
next_text(vm_vmt_reader_t *r, vm_record_t *rec, GError **error)
{
	for (;;) {
		const char *line;
		next_line_t got;
		ctx_t c;
		tok_t t0, op;
		uint32_t pid;
		int kind;

		size_t len;
		if (r->fd >= 0 && G_LIKELY(r->state != ST_START) &&
		    !r->skipping && r->end - r->pos >= FAST_SPAN) {
			if (r->skim && r->after_access)
				skim_lines(r);
			if (r->end - r->pos >= FAST_SPAN) {
				int fast = fast_line(r, rec);
				if (fast > 0)
					return TRUE;
				if (fast < 0)
					continue;
			}
		}
		got = r->fd >= 0 ? next_line_file(r, &line, &len, error)
				 : next_line_memory(r, &line, &len, error);
		if (G_UNLIKELY(got != NL_LINE)) {
			if (got == NL_EOF && r->state == ST_START) {
				g_set_error(error, VM_ERROR, VM_ERROR_PARSE,
					    "%s:%" G_GUINT64_FORMAT ":1: expected "
					    "'vmt 1', got the end of the file",
					    r->name, r->line + 1);
			}
			return FALSE;
		}
		if (G_LIKELY(r->state != ST_START)) {
			int fast = fast_access(r, line, len, rec);
			if (fast > 0)
				return TRUE;
			if (fast < 0)
				continue;
		}
		c.r = r;
		c.rec = rec;
		c.error = error;
		c.lx.line = c.lx.p = c.lx.last = line;
		c.ci = 0;
		t0 = lex_next(&c.lx);
		if (t0.n == 0)
			continue;       /* blank or comment */
		if (G_UNLIKELY(r->state == ST_START ||
			       (unsigned)(t0.s[0] - '0') > 9)) {
			int got_rec = parse_global(&c, t0);

			if (got_rec == 0)
				continue;
			return got_rec > 0;
		}

		/* PID OP ARGS... */
		vm_record_blank(rec);
		rec->line = r->line;
		r->state = ST_EVENTS;
		keep_col(&c, t0);
		if (G_UNLIKELY(!parse_id(t0, &pid)))
			return err_at(&c, t0.s, "bad pid " Q, QA(t0));
		rec->pid = pid;
		c.op = op = lex_next(&c.lx);
		if (G_UNLIKELY(op.n == 0))
			return err_at(&c, c.lx.last, "missing argument: "
				      "an event needs an OP");
		keep_col(&c, op);
		if (G_LIKELY(op.n == 1)) {
			switch (op.s[0]) {
			case 'r': rec->acc = VM_ACC_R; return parse_access(&c);
			case 'w': rec->acc = VM_ACC_W; return parse_access(&c);
			case 'x': rec->acc = VM_ACC_X; return parse_access(&c);
			}
		}
		kind = vm_op_lookup(op.s, op.n);
		if (kind >= 0 && vm_ops[kind].scope != VM_OP_EVENT)
			return err_at(&c, op.s, "no pid expected before " Q,
				      QA(op));
		if (kind < 0 && tok_is(op, "vmt"))
			return err_at(&c, op.s, "no pid expected before " Q,
				      QA(op));
		if (kind < 0)
			return err_at(&c, op.s, "unknown op " Q, QA(op));
		return parse_event(&c, (vm_rec_kind_t)kind);
	}
}

/* vm_vmt_next but for a fast line read in place (vm_vmt_next_fast). */
static __attribute__((noinline)) gboolean
next_slow(vm_vmt_reader_t *r, vm_record_t *rec, GError **error)
{
	r->arena_used = 0;
	r->hot = r->hot_line = NULL;
	if (G_UNLIKELY(!r->sniffed) && r->fd >= 0 && !sniff_first(r, error)) {
		r->eof = TRUE;          /* later calls see the end */
		r->pos = r->end;
		return FALSE;
	}
	if (r->binary)
		return next_binary(r, rec, error);
	gboolean got = next_text(r, rec, error);
	/* what the skim of the next lines goes by */
	r->after_access = got && rec->kind == VM_REC_ACCESS;
	r->skim_pid = rec->pid;
	return got;
}

/* vm_vmt_next but for a .vmtb's short access into a kept record (its
 * hot path): everything else, out of line (next_any, next_any_plain), so
 * that the hot path saves no registers.  With @tell, 2 when the record is
 * one of the run of one-page accesses that vm_vmt_next_kept tells apart;
 * else 1, or 0 (vm_vmt_next's FALSE). */
static inline __attribute__((always_inline)) int
next_any_body(vm_vmt_reader_t *r, vm_record_t *rec, GError **error,
	      gboolean tell)
{
	g_return_val_if_fail(error == NULL || *error == NULL, 0);

	/* The run's common record first: a fast line of a text file, read
	 * in place (next_text would take the same way, after its own
	 * tests). */
	if (G_LIKELY(r->fd >= 0 && !r->binary && !r->skim &&
		     r->state == ST_EVENTS && !r->skipping &&
		     r->end - r->pos >= FAST_SPAN) &&
	    fast_line(r, rec) > 0) {
		int again = tell && r->after_access &&
			    rec->pid == r->skim_pid ? 2 : 1;

		r->arena_used = 0;
		r->hot_line = rec;   /* (the run asks whether it is kept) */
		r->after_access = TRUE;
		r->skim_pid = rec->pid;
		return again;
	}
	/* And a .vmtb's: next_binary would neither refill (a whole record
	 * fits in what is left) nor skim, and decode it hot; the caller's
	 * kept record then holds a short access in full, and the next one
	 * can take vm_vmt_next's own hot path.  A short access is of the
	 * process of the last record that named one: of the access before
	 * it, if the record before it was one. */
	if (r->binary && r->fd >= 0 && !r->skim &&
	    r->end - r->pos >= VM_VMTB_MAX_REC) {
		long n = vm_vmtb_decode_hot((const uint8_t *)r->buf + r->pos,
					    &r->bst, rec);
		if (G_LIKELY(n > 0)) {
			int again = tell && r->after_access ? 2 : 1;

			r->arena_used = 0;
			r->pos += (size_t)n;
			r->after_access = TRUE;
			r->hot = rec == r->kept ? rec : NULL;
			return again;
		}
	}
	return next_slow(r, rec, error) ? 1 : 0;
}

/* next_any_body for vm_vmt_next_kept, */
static __attribute__((noinline)) int
next_any(vm_vmt_reader_t *r, vm_record_t *rec, GError **error)
{
	return next_any_body(r, rec, error, TRUE);
}

/* and for vm_vmt_next: TRUE or FALSE, so that its call is a jump. */
static __attribute__((noinline)) gboolean
next_any_plain(vm_vmt_reader_t *r, vm_record_t *rec, GError **error)
{
	return next_any_body(r, rec, error, FALSE);
}

/* vm_vmt_next's and vm_vmt_next_kept's hot path: TRUE when it read the
 * record. */
static inline __attribute__((always_inline)) gboolean
next_hot(vm_vmt_reader_t *r, vm_record_t *rec)
{
	/* A .vmtb's run of short accesses into a kept record: the codec's
	 * step, and the three fields that change (r->hot says the rest
	 * holds; whatever could change it cleared r->hot).  next_binary
	 * would neither refill (a whole record fits in what is left) nor
	 * skim (r->hot is NULL then).  r->hot was the short access before. */
	if (rec == r->hot && r->end - r->pos >= VM_VMTB_MAX_REC) {
		long n = vm_vmtb_decode_again((const uint8_t *)r->buf + r->pos,
					      &r->bst, rec);
		if (G_LIKELY(n > 0)) {
			r->pos += (size_t)n;
			return TRUE;
		}
	}
	return FALSE;
}

gboolean
vm_vmt_next(vm_vmt_reader_t *r, vm_record_t *rec, GError **error)
{
	g_return_val_if_fail(r != NULL && rec != NULL, FALSE);
	if (next_hot(r, rec))
		return TRUE;
	return next_any_plain(r, rec, error);
}

int
vm_vmt_next_kept(vm_vmt_reader_t *r, vm_record_t *rec, GError **error)
{
	/* the hot path before the checks: r->hot is only ever r->kept, so
	 * that it holds the promise they check (5 instructions a record of
	 * a TLB-friendly .vmtb) */
	if (G_LIKELY(r != NULL) && next_hot(r, rec))
		return 2;
	g_return_val_if_fail(r != NULL && rec != NULL && rec == r->kept, 0);
	return next_any(r, rec, error);
}

uint64_t
vm_vmt_next_page_run(vm_vmt_reader_t *r, vm_record_t *rec, uint64_t page,
		     unsigned shift, unsigned kinds, uint64_t max, uint64_t n[3])
{
	uint64_t k = 0;

	/* A .vmtb's: r->hot says @rec holds, in full, a short-form access
	 * read by the hot path, as vm_vmtb_decode_again needs; every record
	 * of the run has VM_VMTB_MAX_REC bytes readable (no refill). */
	if (rec == r->hot && r->end - r->pos >= VM_VMTB_MAX_REC) {
		const uint8_t *p = (const uint8_t *)r->buf + r->pos;
		const uint8_t *last = (const uint8_t *)r->buf + r->end -
				      VM_VMTB_MAX_REC;
		r->pos += vm_vmtb_page_run(p, last, &r->bst, rec, page, shift,
					   kinds, max, n, &k);
		return k;
	}
	/* A text file's: r->hot_line says @rec holds a fast line's access,
	 * read in place; each line of the run is one too, of the same pid
	 * written with as many digits (so the same columns), fast_line's
	 * record but for its kind, address and line. */
	if (rec == r->hot_line && rec == r->kept) {
		unsigned digits = rec->cols[1] - 2, dg, len;
		uint64_t v, addr = 0;
		vm_acc_t acc, kind = VM_ACC_R;
		uint32_t pid;

		while (k < max && r->end - r->pos >= FAST_SPAN &&
		       (len = fast_fields((const unsigned char *)r->buf + r->pos,
					  &pid, &dg, &acc, &v)) != 0 &&
		       pid == rec->pid && dg == digits && (kinds >> acc & 1) &&
		       v >> shift == page) {
			r->pos += len;
			r->line++;
			n[acc]++;
			k++;
			kind = acc;
			addr = v;
		}
		if (k) {
			rec->line = r->line;
			rec->acc = kind;
			rec->addr = addr;
		}
	}
	return k;
}

static vm_vmt_reader_t *
reader_new(const char *name)
{
	vm_vmt_reader_t *r = g_new0(vm_vmt_reader_t, 1);

	r->name = g_strdup(name);
	r->fd = -1;
	r->arena = g_malloc(VMT_ARENA);
	r->nul_off = UINT64_MAX;
	return r;
}

vm_vmt_reader_t *
vm_vmt_open(const char *path, GError **error)
{
	vm_vmt_reader_t *r;
	struct stat st;

	g_return_val_if_fail(path != NULL, NULL);
	g_return_val_if_fail(error == NULL || *error == NULL, NULL);

	if (strcmp(path, "-") == 0) {
		r = reader_new("<stdin>");
		r->fd = STDIN_FILENO;
		r->is_stdin = TRUE;
	} else {
		r = reader_new(path);
		do
			r->fd = open(path, O_RDONLY | O_CLOEXEC);
		while (r->fd < 0 && errno == EINTR);
		if (r->fd < 0) {
			io_error(r, errno, "", error);
			vm_vmt_close(r);
			return NULL;
		}
		if (fstat(r->fd, &st) == 0) {
			if (S_ISDIR(st.st_mode)) {
				io_error(r, EISDIR, "", error);
				vm_vmt_close(r);
				return NULL;
			}
			r->seekable = S_ISREG(st.st_mode);
		}
	}
	/* A block, the longest line (or .vmtb record) moved to the front,
	 * and the '\n'. */
	r->cap = VMT_BLOCK + VMT_SPAN + 2;
	r->buf = g_malloc(r->cap);
	/* Read by content: the first bytes say which format this is.  For a
	 * regular file now; a pipe or a terminal is sniffed by the first
	 * vm_vmt_next(), so that opening never waits for input. */
	if (r->seekable && !sniff_first(r, error)) {
		vm_vmt_close(r);
		return NULL;
	}
	return r;
}

vm_vmt_reader_t *
vm_vmt_open_memory(const char *name, const char *text, size_t len)
{
	vm_vmt_reader_t *r;

	g_return_val_if_fail(name != NULL, NULL);
	g_return_val_if_fail(text != NULL || len == 0, NULL);

	r = reader_new(name);
	r->mem = text;
	r->mem_len = len;
	r->seekable = TRUE;
	{
		const char *z = len ? memchr(text, '\0', len) : NULL;
		if (z != NULL)
			r->nul_off = (uint64_t)(z - text);
	}
	r->cap = VMT_MAX_LINE + 2;      /* only for a last unterminated line */
	r->buf = g_malloc(r->cap);
	/* A .vmtb in memory is decoded in place; a bad header or Lackey
	 * text shows up as the error of the first vm_vmt_next(). */
	if (len >= VM_VMTB_MAGIC_LEN && vm_vmtb_is_magic(text, len)) {
		const char *why;
		long n = vm_vmtb_decode_header((const uint8_t *)text, len, &why);

		r->binary = TRUE;
		if (n > 0) {
			r->mem_pos = r->data_start = (uint64_t)n;
		} else {
			r->mem_pos = r->data_start = len;  /* "no end record" */
		}
	}
	return r;
}

/* After a seek: the next NUL from the new place (fill() finds it in a
 * file; a memory reader looks now). */
static void
forget_nul(vm_vmt_reader_t *r)
{
	const char *z;

	r->nul_off = UINT64_MAX;
	if (r->fd < 0 && r->mem_pos < r->mem_len &&
	    (z = memchr(r->mem + r->mem_pos, '\0', r->mem_len - r->mem_pos)) != NULL)
		r->nul_off = (uint64_t)(z - r->mem);
}

gboolean
vm_vmt_rewind(vm_vmt_reader_t *r, GError **error)
{
	g_return_val_if_fail(r != NULL, FALSE);

	if (!r->seekable) {
		g_set_error(error, VM_ERROR, VM_ERROR_IO,
			    "%s: cannot rewind: not a regular file", r->name);
		return FALSE;
	}
	if (r->fd >= 0 && lseek(r->fd, (off_t)r->data_start, SEEK_SET) < 0)
		return io_error(r, errno, "cannot rewind: ", error);
	r->mem_pos = (size_t)r->data_start;
	r->pos = r->end = 0;
	r->eof = FALSE;
	r->skipping = FALSE;
	r->read_off = r->data_start;
	memset(&r->bst, 0, sizeof(r->bst));
	r->skim = r->after_access = FALSE;
	r->hot = r->hot_line = NULL;
	r->added_nl = FALSE;
	r->line = 0;
	r->state = ST_START;
	r->arena_used = 0;
	forget_nul(r);
	return TRUE;
}

void
vm_vmt_mark(const vm_vmt_reader_t *r, vm_vmt_mark_t *m)
{
	g_return_if_fail(r != NULL && m != NULL);
	if (r->fd >= 0)
		m->offset = r->read_off - (r->end - r->pos) +
			    (r->added_nl && r->end > r->pos ? 1 : 0);
	else
		m->offset = r->mem_pos;
	m->line = r->line;
	m->state = (int)r->state;
	m->prev_addr[0] = r->bst.prev_addr[0];
	m->prev_addr[1] = r->bst.prev_addr[1];
	m->prev_addr[2] = r->bst.prev_addr[2];
	m->prev_pid = r->bst.prev_pid;
	if (r->binary) {
		m->line = r->bst.nr;
		m->state = r->bst.events;
	}
}

gboolean
vm_vmt_restore(vm_vmt_reader_t *r, const vm_vmt_mark_t *m, GError **error)
{
	g_return_val_if_fail(r != NULL && m != NULL, FALSE);

	if (!r->seekable) {
		g_set_error(error, VM_ERROR, VM_ERROR_IO,
			    "%s: cannot go back: not a regular file", r->name);
		return FALSE;
	}
	if (r->fd >= 0) {
		if (lseek(r->fd, (off_t)m->offset, SEEK_SET) < 0)
			return io_error(r, errno, "cannot seek: ", error);
		r->read_off = m->offset;
	} else {
		r->mem_pos = (size_t)m->offset;
	}
	r->pos = r->end = 0;
	r->eof = FALSE;
	r->skipping = FALSE;
	r->added_nl = FALSE;
	r->line = m->line;
	r->state = (vmt_state_t)m->state;
	r->arena_used = 0;
	r->hot = r->hot_line = NULL;
	r->after_access = FALSE;   /* what came before the mark is unknown */
	forget_nul(r);
	if (r->binary) {
		r->line = 0;
		r->state = ST_START;
		memset(&r->bst, 0, sizeof(r->bst));
		r->bst.nr = m->line;
		r->bst.events = m->state;
		r->bst.prev_addr[0] = m->prev_addr[0];
		r->bst.prev_addr[1] = m->prev_addr[1];
		r->bst.prev_addr[2] = m->prev_addr[2];
		r->bst.prev_pid = m->prev_pid;
		r->after_access = FALSE;
	}
	return TRUE;
}

const char *
vm_vmt_name(const vm_vmt_reader_t *r)
{
	g_return_val_if_fail(r != NULL, NULL);
	return r->name;
}

void
vm_vmt_set_skim(vm_vmt_reader_t *r, gboolean skim)
{
	g_return_if_fail(r != NULL);
	r->skim = skim;
	r->hot = r->hot_line = NULL;
}

void
vm_vmt_keep_record(vm_vmt_reader_t *r, vm_record_t *rec)
{
	g_return_if_fail(r != NULL);
	r->kept = rec;
	r->hot = r->hot_line = NULL;
}

gboolean
vm_vmt_seekable(const vm_vmt_reader_t *r)
{
	g_return_val_if_fail(r != NULL, FALSE);
	return r->seekable;
}

void
vm_vmt_close(vm_vmt_reader_t *r)
{
	if (r == NULL)
		return;
	if (r->fd >= 0 && !r->is_stdin)
		close(r->fd);
	g_free(r->buf);
	g_free(r->arena);
	g_free(r->name);
	g_free(r);
}

/* --- Writing ----------------------------------------------------------------- */

/* @prefix (" ", " size=", " stride=", ...) then the exact SIZE spelling. */
static void
append_size(GString *out, const char *prefix, uint64_t v)
{
	char *s = vm_format_size(v);

	g_string_append(out, prefix);
	g_string_append(out, s);
	g_free(s);
}

static void
append_addr(GString *out, uint64_t v)
{
	g_string_append_c(out, ' ');
	vm_append_hex(out, v);
}

static void
append_prot(GString *out, uint32_t prot)
{
	g_string_append_c(out, ' ');
	if ((prot & (VM_PROT_R | VM_PROT_W | VM_PROT_X)) == 0) {
		g_string_append(out, "none");
		return;
	}
	if (prot & VM_PROT_R)
		g_string_append_c(out, 'r');
	if (prot & VM_PROT_W)
		g_string_append_c(out, 'w');
	if (prot & VM_PROT_X)
		g_string_append_c(out, 'x');
}

/* words[i] of a NULL-terminated table, "?" when out of range. */
static const char *
word_of(const char *const *words, uint32_t i)
{
	for (uint32_t k = 0; words[k] != NULL; k++)
		if (k == i)
			return words[k];
	return "?";
}

static const char *
str_or_empty(const char *s)
{
	return s != NULL ? s : "";
}

/* Argument @a of @rec's op, with the blank before it. */
static void
format_arg(const vm_record_t *rec, const vm_op_arg_t *a, GString *out)
{
	switch ((vm_opa_type_t)a->type) {
	case VM_OPA_RW:
		g_string_append(out, rec->acc == VM_ACC_W ? " w" : " r");
		break;
	case VM_OPA_ADDR:
		append_addr(out, rec->addr);
		break;
	case VM_OPA_OFF:
		append_size(out, " ", rec->addr);
		break;
	case VM_OPA_LEN:
		append_size(out, " ", rec->len);
		break;
	case VM_OPA_PROT:
		append_prot(out, rec->prot);
		break;
	case VM_OPA_FD:
		g_string_append_printf(out, " %d", (int)rec->fd);
		break;
	case VM_OPA_NAME:
		g_string_append_printf(out, " %s", str_or_empty(rec->name));
		break;
	case VM_OPA_CHILD:
		g_string_append_printf(out, " %u", rec->child);
		break;
	case VM_OPA_DURATION: {
		char *d = vm_format_duration(rec->ns);

		g_string_append_printf(out, " %s", d);
		g_free(d);
		break;
	}
	case VM_OPA_WORD:
		g_string_append_printf(out, " %s", word_of(a->words, rec->arg));
		break;
	case VM_OPA_FLAG: {
		uint32_t mask = 0;

		for (uint32_t i = 0; a->words[i] != NULL; i++)
			mask |= a->bits[i];
		for (uint32_t i = 0; a->words[i] != NULL; i++)
			if ((rec->flags & mask) == a->bits[i]) {
				g_string_append_printf(out, " %s", a->words[i]);
				break;
			}
		break;
	}
	case VM_OPA_FRAME:
		g_string_append_printf(out, " %" G_GUINT64_FORMAT, rec->count);
		break;
	case VM_OPA_ADJ:
		g_string_append_printf(out, " %d", (int)(int32_t)rec->arg);
		break;
	case VM_OPA_NEW_LEN:
		append_size(out, " ", rec->count);
		break;
	case VM_OPA_ANON_FD:
		if (rec->flags & VM_MAP_ANON)
			g_string_append(out, " anon");
		else
			g_string_append_printf(out, " fd=%d", (int)rec->fd);
		break;
	}
}

/* Option @o of @rec's op, when it is not its default. */
static void
format_opt(const vm_record_t *rec, const vm_op_opt_t *o, GString *out)
{
	switch ((vm_opo_type_t)o->type) {
	case VM_OPO_STRIDE:
		if (rec->stride != 0)
			append_size(out, " stride=", rec->stride);
		break;
	case VM_OPO_COUNT:
		g_string_append_printf(out, " count=%" G_GUINT64_FORMAT, rec->count);
		break;
	case VM_OPO_SEED:
		if (rec->seed != 1)
			g_string_append_printf(out, " seed=%" G_GUINT64_FORMAT,
					       rec->seed);
		break;
	case VM_OPO_OFF:
		if (!(rec->flags & VM_MAP_ANON) && rec->off != 0)
			append_size(out, " off=", rec->off);
		break;
	case VM_OPO_FD:
		g_string_append_printf(out, " fd=%d", (int)rec->fd);
		break;
	case VM_OPO_SIZE:
		append_size(out, " size=", rec->len);
		break;
	case VM_OPO_WORD:
		if (rec->flags & o->bit)
			g_string_append_printf(out, " %s", o->key);
		break;
	case VM_OPO_CG_MAX:
		if (rec->arg == VM_CGROUP_CREATE)
			append_size(out, " max=", rec->len);
		break;
	case VM_OPO_CG_HIGH:
		if (rec->flags & VM_CG_HIGH)
			append_size(out, " high=", rec->seed);
		break;
	case VM_OPO_CG_SWAP:
		if (rec->flags & VM_CG_SWAP_MAX)
			append_size(out, " swap.max=", rec->stride);
		break;
	case VM_OPO_TO:
		if (rec->flags & VM_MREMAP_TO) {
			g_string_append(out, " to=");
			vm_append_hex(out, rec->stride);
		}
		break;
	}
}

void
vm_vmt_format(const vm_record_t *rec, GString *out)
{
	static const char *const cmp_words[] = {
		[VM_CMP_EQ] = "=", [VM_CMP_LE] = "<=", [VM_CMP_GE] = ">=", NULL,
	};

	g_return_if_fail(rec != NULL && out != NULL);
	if (rec->kind >= VM_REC_NR) {
		g_string_append(out, vm_record_kind_name(rec->kind));
		return;
	}
	char letter = vm_record_short_op(rec);
	if (letter) {
		/* the common record, in one write (explain formats every
		 * event's record); the same text as below */
		vm_append_access(out, rec->pid, letter, rec->addr);
		return;
	}
	const vm_op_t *op = &vm_ops[rec->kind];

	if (op->scope == VM_OP_EVENT) {
		/* by hand: explain formats every event's record */
		vm_append_u64(out, rec->pid);
		g_string_append_c(out, ' ');
		vm_append_str(out, vm_record_op_name(rec));
	} else
		g_string_append(out, op->name);
	switch (rec->kind) {
	case VM_REC_SET:
		g_string_append_printf(out, " %s=%s", str_or_empty(rec->name),
				       str_or_empty(rec->value));
		return;
	case VM_REC_ACCESS:
		append_addr(out, rec->addr);
		if (rec->len != 1)
			append_size(out, " ", rec->len);
		return;
	case VM_REC_NOTE:
		g_string_append_printf(out, " %s", str_or_empty(rec->name));
		return;
	case VM_REC_EXPECT:
		/* The grammar allows one of pid= and file=; pid= wins. */
		if (rec->expect_pid >= 0)
			g_string_append_printf(out, " pid=%" G_GINT64_FORMAT,
					       rec->expect_pid);
		else if (rec->expect_file != NULL)
			g_string_append_printf(out, " file=%s", rec->expect_file);
		for (uint32_t i = 0; i < rec->nr_checks; i++)
			g_string_append_printf(out, " %s%s%s",
					       str_or_empty(rec->checks[i].key),
					       word_of(cmp_words, rec->checks[i].cmp),
					       str_or_empty(rec->checks[i].value));
		return;
	default:
		break;
	}
	for (unsigned i = 0; i < op->nr_args; i++)
		format_arg(rec, &op->args[i], out);
	for (unsigned i = 0; i < op->nr_opts; i++)
		format_opt(rec, &op->opts[i], out);
}
