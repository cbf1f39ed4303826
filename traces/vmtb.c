/*
 * The .vmtb codec (traces/vmtb.h has the layout).
 *
 * Accesses, nearly every record of a real trace, take one tag byte and a
 * zigzag varint of the address's distance from the previous access: a
 * page-granular trace that walks memory spends 2-3 bytes a record where the
 * text spends 15-20, and decoding is a few shifts with no tokenizing and no
 * number parsing.  Every other record is its kind and its fields in the
 * order of field_codes[], which the encoder and the decoder both follow, so
 * the two cannot drift apart.
 *
 * The decoder trusts nothing: every value is checked against what the .vmt
 * parser would accept (pids and fds in range, known words, strings that are
 * single tokens, headers before events), so that a corrupt .vmtb is an error
 * naming the record and byte, never a record the text could not express.
 */
#include <errno.h>
#include <string.h>
#include "traces/vmtb.h"
#include "traces/error.h"
#include "traces/vmt.h"
#include "traces/op.h"

#define MAX_ID 0x7fffffffu
#define TAG_OTHER 0x10
#define TAG_END 0xff

gboolean
vm_vmtb_is_magic(const void *buf, size_t n)
{
	return n >= VM_VMTB_MAGIC_LEN &&
	       memcmp(buf, VM_VMTB_MAGIC, VM_VMTB_MAGIC_LEN) == 0;
}

/* The fields of each kind after the tag (and the PID of an event) are
 * its op's codec string (traces/op.h), which the encoder and the decoder
 * both follow, so that the two cannot drift apart. */
static gboolean
is_header(vm_rec_kind_t k)
{
	return vm_ops[k].scope == VM_OP_HEADER;
}

static gboolean
has_pid(vm_rec_kind_t k)
{
	return vm_ops[k].scope == VM_OP_EVENT;
}

/* --- Encoding ----------------------------------------------------------- */

static inline uint8_t *
put_varint(uint8_t *o, uint64_t v)
{
	while (v >= 0x80) {
		*o++ = (uint8_t)(v | 0x80);
		v >>= 7;
	}
	*o++ = (uint8_t)v;
	return o;
}

static inline uint64_t
zigzag(int64_t v)
{
	return ((uint64_t)v << 1) ^ (uint64_t)(v >> 63);
}

#define unzigzag vm_vmtb_unzigzag

/* The string, or NULL when it would overflow @lim. */
static uint8_t *
put_str(uint8_t *o, const uint8_t *lim, const char *s)
{
	size_t n = s != NULL ? strlen(s) : 0;

	if ((size_t)(lim - o) < n + 10)
		return NULL;
	o = put_varint(o, n);
	memcpy(o, s != NULL ? s : "", n);
	return o + n;
}

/* Encode @rec at @o (VM_VMTB_MAX_REC bytes).  The end, or NULL when a
 * string makes it too long. */
static uint8_t *
encode(const vm_record_t *rec, vm_vmtb_state_t *st, uint8_t *o)
{
	const uint8_t *lim = o + VM_VMTB_MAX_REC - 16;

	if (rec->kind == VM_REC_ACCESS) {
		uint8_t tag = (uint8_t)rec->acc;

		if (rec->len != 1)
			tag |= 4;
		if (rec->pid != st->prev_pid)
			tag |= 8;
		*o++ = tag;
		if (tag & 8)
			o = put_varint(o, rec->pid);
		o = put_varint(o, zigzag((int64_t)(rec->addr - st->prev_addr[rec->acc])));
		if (tag & 4)
			o = put_varint(o, rec->len);
		st->prev_addr[rec->acc] = rec->addr;
		st->prev_pid = rec->pid;
		return o;
	}
	*o++ = (uint8_t)(TAG_OTHER + rec->kind);
	if (has_pid(rec->kind)) {
		o = put_varint(o, rec->pid);
		st->prev_pid = rec->pid;
	}
	for (const char *f = vm_ops[rec->kind].codec; *f != '\0'; f++) {
		switch (*f) {
		case 'a': o = put_varint(o, rec->acc); break;
		case 'A': o = put_varint(o, rec->addr); break;
		case 'L': o = put_varint(o, rec->len); break;
		case 'C': o = put_varint(o, rec->count); break;
		case 'S': o = put_varint(o, rec->seed); break;
		case 'T': o = put_varint(o, rec->stride); break;
		case 'O':
			if (!(rec->flags & VM_MAP_ANON))
				o = put_varint(o, rec->off);
			break;
		case 'N': o = put_varint(o, rec->ns); break;
		case 'F': o = put_varint(o, (uint64_t)((int64_t)rec->fd + 1)); break;
		case 'K': o = put_varint(o, rec->child); break;
		case 'P': o = put_varint(o, rec->prot); break;
		case 'G': o = put_varint(o, rec->flags); break;
		case 'R': o = put_varint(o, rec->arg); break;
		case 'J': o = put_varint(o, zigzag((int64_t)(int32_t)rec->arg)); break;
		case 'n': o = put_str(o, lim, rec->name); break;
		case 'v': o = put_str(o, lim, rec->value); break;
		case 'E':
			o = put_varint(o, (uint64_t)(rec->expect_pid + 1));
			if (rec->expect_file != NULL) {
				*o++ = 1;
				o = put_str(o, lim, rec->expect_file);
			} else {
				*o++ = 0;
			}
			if (o == NULL)
				return NULL;
			o = put_varint(o, rec->nr_checks);
			for (uint32_t i = 0; o != NULL && i < rec->nr_checks; i++) {
				*o++ = (uint8_t)rec->checks[i].cmp;
				o = put_str(o, lim, rec->checks[i].key);
				if (o != NULL)
					o = put_str(o, lim, rec->checks[i].value);
			}
			break;
		}
		if (o == NULL || o > lim)
			return NULL;
	}
	return o;
}

/* Records are encoded straight into a buffer of WBUF bytes that goes to
 * the stream in one fwrite when less than a record's room is left: one
 * fwrite per record cost as much as the encoding. */
#define WBUF (1u << 20)

struct vm_vmtb_writer {
	FILE *out;
	vm_vmtb_state_t st;
	size_t used;
	gboolean failed;
	uint8_t buf[WBUF + VM_VMTB_MAX_REC];
};

static gboolean
flush_buf(vm_vmtb_writer_t *w)
{
	if (w->used > 0 && fwrite(w->buf, 1, w->used, w->out) != w->used)
		w->failed = TRUE;
	w->used = 0;
	return !w->failed;
}

vm_vmtb_writer_t *
vm_vmtb_writer_new(FILE *out)
{
	vm_vmtb_writer_t *w;
	uint8_t hdr[VM_VMTB_MAGIC_LEN + 1];

	g_return_val_if_fail(out != NULL, NULL);
	w = g_new0(vm_vmtb_writer_t, 1);
	w->out = out;
	memcpy(hdr, VM_VMTB_MAGIC, VM_VMTB_MAGIC_LEN);
	hdr[VM_VMTB_MAGIC_LEN] = VM_VMTB_VERSION;
	fwrite(hdr, 1, sizeof(hdr), out);
	return w;
}

static gboolean
write_error(const char *name, GError **error)
{
	g_set_error(error, VM_ERROR, VM_ERROR_IO, "%s: write error: %s", name,
		    g_strerror(errno));
	return FALSE;
}

gboolean
vm_vmtb_write(vm_vmtb_writer_t *w, const vm_record_t *rec, const char *name,
	      GError **error)
{
	uint8_t *e;

	g_return_val_if_fail(w != NULL && rec != NULL, FALSE);
	g_return_val_if_fail(rec->kind < VM_REC_NR, FALSE);

	e = encode(rec, &w->st, w->buf + w->used);
	if (e == NULL) {
		g_set_error(error, VM_ERROR, VM_ERROR_INVALID,
			    "%s: record of line %" G_GUINT64_FORMAT
			    " too long for .vmtb", name, rec->line);
		return FALSE;
	}
	w->st.nr++;
	w->used = (size_t)(e - w->buf);
	if (w->used >= WBUF && !flush_buf(w))
		return write_error(name, error);
	return TRUE;
}

gboolean
vm_vmtb_writer_finish(vm_vmtb_writer_t *w, const char *name, GError **error)
{
	uint8_t tail[16], *e = tail;
	gboolean ok;

	g_return_val_if_fail(w != NULL, FALSE);
	*e++ = TAG_END;
	e = put_varint(e, w->st.nr);
	ok = flush_buf(w) &&
	     fwrite(tail, 1, (size_t)(e - tail), w->out) == (size_t)(e - tail);
	g_free(w);
	return ok ? TRUE : write_error(name, error);
}

void
vm_vmtb_writer_free(vm_vmtb_writer_t *w)
{
	g_free(w);
}

/* --- Decoding ----------------------------------------------------------- */

typedef struct {
	const uint8_t *p, *end;
	int short_;             /* ran past the end: need more bytes */
	const char *bad;        /* why the bytes are invalid */
} cur_t;

static inline uint64_t
get_varint(cur_t *c)
{
	uint64_t v = 0;

	for (unsigned shift = 0; shift < 64; shift += 7) {
		uint8_t b;

		if (G_UNLIKELY(c->p >= c->end)) {
			c->short_ = 1;
			return 0;
		}
		b = *c->p++;
		if (shift == 63 && b > 1) {
			c->bad = "number out of range";
			return 0;
		}
		v |= (uint64_t)(b & 0x7f) << shift;
		if (!(b & 0x80))
			return v;
	}
	c->bad = "number out of range";
	return 0;
}

/* Byte classes a token may not hold: blanks, newline, '#', NUL. */
static gboolean
is_blank_or_end(unsigned char ch)
{
	return ch == ' ' || ch == '\t' || ch == '\r' || ch == '\v' ||
	       ch == '\f' || ch == '\n' || ch == '#' || ch == '\0';
}

/* A string into the arena.  @what: 't' a token (non-empty, no blank),
 * 'u' a name: a token that is UTF-8, as the .vmt reader wants names,
 * 'e' a token or empty, 'n' note text (blanks inside only), 'k' a set or
 * check key (a token without '='). */
static const char *
get_str(cur_t *c, const vm_vmtb_store_t *s, size_t *used, char what)
{
	uint64_t n = get_varint(c);
	char *d;

	if (c->short_ || c->bad)
		return NULL;
	if (n > VM_VMTB_MAX_REC) {
		c->bad = "string too long";
		return NULL;
	}
	if ((uint64_t)(c->end - c->p) < n) {
		c->short_ = 1;
		return NULL;
	}
	if (n == 0 && what != 'e') {
		c->bad = "empty string";
		return NULL;
	}
	for (uint64_t i = 0; i < n; i++) {
		unsigned char ch = c->p[i];
		gboolean edge = i == 0 || i == n - 1;

		if (ch == '\n' || ch == '#' || ch == '\0' ||
		    (is_blank_or_end(ch) && (what != 'n' || edge)) ||
		    (what == 'k' && ch == '=')) {
			c->bad = "string is not a single token";
			return NULL;
		}
	}
	if (what == 'u' && !g_utf8_validate((const char *)c->p, (gssize)n, NULL)) {
		c->bad = "name is not UTF-8";
		return NULL;
	}
	if (*used + n + 1 > VM_VMTB_MAX_REC + 64) {
		c->bad = "record too long";
		return NULL;
	}
	d = s->arena + *used;
	memcpy(d, c->p, n);
	d[n] = '\0';
	*used += n + 1;
	c->p += n;
	return d;
}


static gboolean
check_id(cur_t *c, uint64_t v, const char *why)
{
	if (v == 0 || v > MAX_ID) {
		if (!c->bad)
			c->bad = why;
		return FALSE;
	}
	return TRUE;
}

/* The columns of @rec's tokens in its .vmt line, as the text parser would
 * give them: from the line vm_vmt_format writes. */
static void
set_cols(vm_record_t *rec)
{
	GString *s;
	unsigned ci = 0;
	gsize i = 0;

	if (rec->kind == VM_REC_ACCESS) {
		vm_vmtb_access_cols(rec);
		return;
	}
	s = g_string_sized_new(128);
	vm_vmt_format(rec, s);
	if (!has_pid(rec->kind))
		rec->cols[ci++] = 1;
	while (i < s->len && ci < VM_REC_MAX_COLS) {
		while (i < s->len && s->str[i] == ' ')
			i++;
		if (i >= s->len)
			break;
		rec->cols[ci++] = (uint32_t)i + 1;
		if (rec->kind == VM_REC_NOTE && ci == 3)
			break;          /* the text is one token */
		while (i < s->len && s->str[i] != ' ')
			i++;
	}
	/* Each expect check's column: the check tokens are the last ones. */
	if (rec->kind == VM_REC_EXPECT && rec->nr_checks > 0) {
		vm_check_t *chk = (vm_check_t *)rec->checks;
		gsize end = s->len;

		for (uint32_t k = rec->nr_checks; k-- > 0;) {
			gsize b = end;

			while (b > 0 && s->str[b - 1] != ' ')
				b--;
			chk[k].col = (uint32_t)b + 1;
			end = b > 0 ? b - 1 : 0;
		}
	}
	g_string_free(s, TRUE);
}

long
vm_vmtb_decode_header(const uint8_t *p, size_t avail, const char **why)
{
	cur_t c = { p + VM_VMTB_MAGIC_LEN, p + avail, 0, NULL };
	uint64_t version;

	if (avail < VM_VMTB_MAGIC_LEN + 1)
		return 0;
	if (!vm_vmtb_is_magic(p, avail)) {
		*why = "not a .vmtb file (bad magic)";
		return -1;
	}
	version = get_varint(&c);
	if (c.short_)
		return 0;
	if (c.bad || version != VM_VMTB_VERSION) {
		*why = "unsupported .vmtb version";
		return -1;
	}
	return (long)(c.p - p);
}

size_t
vm_vmtb_skim(const uint8_t *p, size_t avail, vm_vmtb_state_t *st)
{
	const uint8_t *q = p, *end = p + avail;
	size_t n;

	/* without the end's tests while 16 bytes are left (q up to @lim),
	 * then with them */
	if (avail >= 16) {
		const uint8_t *lim = end - 16;

		while (q <= lim && (n = vm_vmtb_short_access16(q, st)) > 0)
			q += n;
	}
	while ((n = vm_vmtb_short_access(q, end, st)) > 0)
		q += n;
	return (size_t)(q - p);
}

long
vm_vmtb_decode(const uint8_t *p, size_t avail, vm_vmtb_state_t *st,
	       const vm_vmtb_store_t *store, vm_record_t *rec,
	       gboolean *is_end, const char **why)
{
	cur_t c = { p, p + avail, 0, NULL };
	size_t used = 0;
	uint8_t tag;
	vm_rec_kind_t kind;

	*is_end = FALSE;
	if (avail == 0)
		return 0;
	if (st->done) {
		*why = "bytes after the end record";
		return -1;
	}
	if (avail >= 16) {
		long n = vm_vmtb_decode_hot(p, st, rec);

		if (n > 0)
			return n;
		/* else: the general path below decodes it */
	}
	tag = *c.p++;
	if (tag < TAG_OTHER) {
		/* The hot path: an access. */
		uint64_t pid = st->prev_pid, len = 1, d;

		if ((tag & 3) == 3 || tag > 0x0f) {
			*why = "bad record tag";
			return -1;
		}
		if (tag & 8)
			pid = get_varint(&c);
		d = get_varint(&c);
		if (tag & 4)
			len = get_varint(&c);
		if (c.short_)
			return 0;
		if (c.bad) {
			*why = c.bad;
			return -1;
		}
		if (pid == 0 || pid > MAX_ID) {
			*why = "bad pid";
			return -1;
		}
		if (len == 0) {
			*why = "access of size 0";
			return -1;
		}
		vm_record_blank(rec);
		rec->kind = VM_REC_ACCESS;
		rec->acc = (vm_acc_t)(tag & 3);
		rec->pid = (uint32_t)pid;
		rec->addr = st->prev_addr[rec->acc] + (uint64_t)unzigzag(d);
		rec->len = len;
		st->prev_addr[rec->acc] = rec->addr;
		st->prev_pid = rec->pid;
		st->events = 1;
		rec->line = ++st->nr + 1;
		set_cols(rec);
		return (long)(c.p - p);
	}
	if (tag == TAG_END) {
		uint64_t n = get_varint(&c);

		if (c.short_)
			return 0;
		if (c.bad || n != st->nr) {
			*why = "the end record's count does not match the records";
			return -1;
		}
		st->done = 1;
		*is_end = TRUE;
		return (long)(c.p - p);
	}
	if (tag - TAG_OTHER >= VM_REC_NR || tag - TAG_OTHER == VM_REC_ACCESS) {
		*why = "bad record tag";
		return -1;
	}
	kind = (vm_rec_kind_t)(tag - TAG_OTHER);
	if (is_header(kind) && st->events) {
		*why = "header record after the first event";
		return -1;
	}
	vm_record_blank(rec);
	rec->kind = kind;
	if (has_pid(kind)) {
		uint64_t v = get_varint(&c);

		if (!c.short_ && (v == 0 || v > MAX_ID))
			c.bad = "bad pid";
		rec->pid = (uint32_t)v;
	}
	for (const char *f = vm_ops[kind].codec; *f != '\0' && !c.short_ && !c.bad; f++) {
		uint64_t v;

		switch (*f) {
		case 'a':
			v = get_varint(&c);
			if (v > VM_ACC_W)   /* seq and rand: r or w */
				c.bad = "bad access kind";
			rec->acc = (vm_acc_t)v;
			break;
		case 'A': rec->addr = get_varint(&c); break;
		case 'L': rec->len = get_varint(&c); break;
		case 'C':
			rec->count = get_varint(&c);
			if (rec->count == 0)
				c.bad = "bad count";
			break;
		case 'S': rec->seed = get_varint(&c); break;
		case 'T': rec->stride = get_varint(&c); break;
		case 'O':
			if (!(rec->flags & VM_MAP_ANON))
				rec->off = get_varint(&c);
			break;
		case 'N': rec->ns = get_varint(&c); break;
		case 'F':
			v = get_varint(&c);
			if (v > MAX_ID + 1ull ||
			    (v == 0 && !(kind == VM_REC_MMAP &&
					 (rec->flags & VM_MAP_ANON))) ||
			    (v != 0 && kind == VM_REC_MMAP &&
			     (rec->flags & VM_MAP_ANON)))
				c.bad = "bad fd";
			rec->fd = (int32_t)((int64_t)v - 1);
			break;
		case 'K':
			v = get_varint(&c);
			check_id(&c, v, "bad child pid");
			rec->child = (uint32_t)v;
			break;
		case 'P':
			v = get_varint(&c);
			if (v > 7)
				c.bad = "bad protection";
			rec->prot = (uint32_t)v;
			break;
		case 'G':
			v = get_varint(&c);
			/* file and open have a third flag word: tmpfs */
			if (v > (kind == VM_REC_MREMAP ? (uint64_t)VM_MREMAP_TO :
				 kind == VM_REC_FILE || kind == VM_REC_OPEN ? 7u : 3u))
				c.bad = "bad flags";
			rec->flags = (uint32_t)v;
			break;
		case 'R':
			v = get_varint(&c);
			if (v > (kind == VM_REC_MADVISE ? (uint64_t)VM_MADV_NOHUGEPAGE : 1u))
				c.bad = "bad keyword";
			rec->arg = (uint32_t)v;
			break;
		case 'J': {
			int64_t adj = vm_vmtb_unzigzag(get_varint(&c));

			if (adj < VM_OOM_SCORE_ADJ_MIN || adj > VM_OOM_SCORE_ADJ_MAX)
				c.bad = "bad oom_score_adj";
			rec->arg = (uint32_t)(int32_t)adj;
			break;
		}
		case 'n':
			rec->name = get_str(&c, store, &used,
					    kind == VM_REC_NOTE ? 'n' :
					    kind == VM_REC_SET ? 'k' : 'u');
			break;
		case 'v':
			rec->value = get_str(&c, store, &used, 'e');
			break;
		case 'E': {
			uint64_t n, ep = get_varint(&c);

			if (ep > MAX_ID + 1ull || ep == 1)
				c.bad = "bad pid";
			rec->expect_pid = (int64_t)ep - 1;
			if (c.p < c.end && *c.p > 1)
				c.bad = "bad expect file flag";
			if (c.p >= c.end) {
				c.short_ = 1;
				break;
			}
			if (*c.p++ == 1)
				rec->expect_file = get_str(&c, store, &used, 'u');
			n = get_varint(&c);
			if (!c.short_ && !c.bad && (n == 0 || n > store->max_checks))
				c.bad = "bad number of checks";
			for (uint64_t i = 0; i < n && !c.short_ && !c.bad; i++) {
				vm_check_t *k = &store->checks[i];

				if (c.p >= c.end) {
					c.short_ = 1;
					break;
				}
				if (*c.p > VM_CMP_GE) {
					c.bad = "bad comparison";
					break;
				}
				k->cmp = (vm_cmp_t)*c.p++;
				k->key = get_str(&c, store, &used, 'k');
				/* as the .vmt reader: cgroup.NAME.STAT may
				 * also hold dots and dashes */
				if (k->key != NULL) {
					gboolean cg = g_str_has_prefix(k->key, "cgroup.");
					for (const char *q = k->key; *q; q++)
						if (!g_ascii_isalnum(*q) && *q != '_' &&
						    !(cg && (*q == '.' || *q == '-')))
							c.bad = "bad check key";
				}
				k->value = get_str(&c, store, &used, 't');
			}
			rec->nr_checks = (uint32_t)n;
			rec->checks = store->checks;
			break;
		}
		}
	}
	if (c.short_)
		return 0;
	if (c.bad) {
		*why = c.bad;
		return -1;
	}
	/* Rules of the text grammar that involve two fields. */
	if (kind == VM_REC_FILE &&
	    (rec->flags & ~(uint32_t)(VM_FILE_SPARSE | VM_FILE_CACHED | VM_FILE_TMPFS))) {
		*why = "bad flags";
		return -1;
	}
	if (has_pid(kind))
		st->prev_pid = rec->pid;
	if (!is_header(kind))
		st->events = 1;
	rec->line = ++st->nr + 1;
	set_cols(rec);
	return (long)(c.p - p);
}
