/*
 * The units shared by traces and profiles (docs/format.md): NUMBER (decimal or
 * 0x hex), SIZE (NUMBER with an optional K, M or G binary suffix) and
 * DURATION (NUMBER with ns, us, ms or s).  Hand-written, no strtoull locale
 * or errno games, because the trace reader calls them for every token.
 * All parsers take a token of @len bytes (not NUL-terminated) and reject
 * overflow, empty text and trailing junk.
 */
#ifndef VM_UNITS_H
#define VM_UNITS_H

#include <stdint.h>
#include <stddef.h>
#include <string.h>
#include <glib.h>

gboolean vm_parse_number_n(const char *s, size_t len, uint64_t *out);
gboolean vm_parse_size_n(const char *s, size_t len, uint64_t *out);
gboolean vm_parse_duration_n(const char *s, size_t len, uint64_t *out);

/* NUL-terminated conveniences. */
gboolean vm_parse_number(const char *s, uint64_t *out);
gboolean vm_parse_size(const char *s, uint64_t *out);
gboolean vm_parse_duration(const char *s, uint64_t *out);

/* Exact, shortest spellings: 4K, 1G, 4097; 80us, 5ms, 1500ns, 0ns. */
char *vm_format_size(uint64_t bytes);
char *vm_format_duration(uint64_t ns);

/*
 * Append @v to @out in decimal (vm_append_u64), right-aligned in at least
 * @width characters with blanks ("%5" PRIu64: vm_append_u64_w), or as
 * "0x" and lower-case hex digits (vm_append_hex).  By hand, no printf:
 * explain and the narration write several numbers per event, and printf
 * was most of explain's time (docs/speed.md).
 */
void vm_append_u64(GString *out, uint64_t v);
void vm_append_u64_w(GString *out, uint64_t v, unsigned width);
void vm_append_hex(GString *out, uint64_t v);
/* Append "PID OP 0xADDR" (OP one character: an access's r, w or x), as
 * vm_append_u64, a blank, @op, a blank and vm_append_hex would, in one
 * write: the form of nearly every record explain narrates. */
void vm_append_access(GString *out, uint64_t pid, char op, uint64_t addr);
/* The same text written at @d, which has room for VM_PUT_ACCESS_ROOM
 * bytes (its words may write past the text): its length, no NUL.  And
 * vm_append_u64's text at @d, which has room for 20 bytes. */
#define VM_PUT_ACCESS_ROOM 56
size_t vm_put_access(char *d, uint64_t pid, char op, uint64_t addr);
unsigned vm_put_u64(char *d, uint64_t v);
/* Append @n bytes at @s: inline when they fit, as they nearly always do
 * in a buffer reused line after line (g_string_append_len is a general
 * insert, about 25 instructions before the copy). */
static inline void vm_append_len(GString *out, const char *s, size_t n)
{
	if (G_LIKELY(out->len + n < out->allocated_len)) {
		memcpy(out->str + out->len, s, n);
		out->len += n;
		out->str[out->len] = '\0';
	} else {
		g_string_append_len(out, s, (gssize)n);
	}
}
/* @n more bytes at the end of @out, NUL-terminated: where to write them. */
static inline char *vm_append_room(GString *out, size_t n)
{
	size_t at = out->len;
	if (G_LIKELY(at + n < out->allocated_len)) {
		out->len = at + n;
		out->str[out->len] = '\0';
	} else {
		g_string_set_size(out, at + n);
	}
	return out->str + at;
}
/* Append @s, a string literal, without strlen. */
#define VM_APPEND_LIT(out, s) vm_append_len((out), "" s, sizeof(s) - 1)
/* Append the string @s, inline (g_string_append's call and its general
 * insert were a tenth of explain's narration, docs/speed.md). */
static inline void vm_append_str(GString *out, const char *s)
{
	vm_append_len(out, s, strlen(s));
}

#endif
