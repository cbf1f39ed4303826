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

#endif
