/*
 * NUMBER, SIZE and DURATION (docs/format.md), parsed and printed.
 *
 * The .vmt reader calls these for every address of every access line, tens
 * of millions of times a second, so they are hand-written loops over a
 * (pointer, length) token: no strtoull (which wants a NUL, skips blanks,
 * accepts signs and consults the locale), no errno, no allocation.
 *
 *   NUMBER    123   0x7f00   0X7F00       decimal, or hex after 0x / 0X
 *   SIZE      NUMBER [K|M|G]              binary: K = 2^10, M = 2^20, G = 2^30
 *   DURATION  NUMBER (ns|us|ms|s)         the unit is required
 *
 * Every parser rejects empty text, signs, blanks, trailing junk, lowercase
 * size suffixes and any value that does not fit in 64 bits (after the
 * suffix's multiplication), rather than wrapping.  The printers produce the
 * exact, shortest spelling in the largest unit that divides the value, so
 * that a printed value parses back to itself.
 */
#include <string.h>
#include "traces/units.h"

/* Hex digit value plus one; 0 means "not a hex digit".  Plus one so that
 * the table's implicit zeros mean "invalid". */
static const uint8_t hex1[256] = {
	['0'] = 1, ['1'] = 2, ['2'] = 3, ['3'] = 4, ['4'] = 5,
	['5'] = 6, ['6'] = 7, ['7'] = 8, ['8'] = 9, ['9'] = 10,
	['a'] = 11, ['b'] = 12, ['c'] = 13, ['d'] = 14, ['e'] = 15, ['f'] = 16,
	['A'] = 11, ['B'] = 12, ['C'] = 13, ['D'] = 14, ['E'] = 15, ['F'] = 16,
};

/* Decimal digits that can never overflow 64 bits: 10^19 - 1 < 2^64. */
#define SAFE_DEC_DIGITS 19

gboolean
vm_parse_number_n(const char *s, size_t len, uint64_t *out)
{
	const unsigned char *p = (const unsigned char *)s;
	uint64_t v = 0;
	size_t i;

	if (len == 0)
		return FALSE;
	if (len > 2 && p[0] == '0' && (p[1] == 'x' || p[1] == 'X')) {
		if (G_LIKELY(len - 2 <= 16)) {
			/* 16 hex digits fit: no overflow check needed. */
			for (i = 2; i < len; i++) {
				unsigned d = hex1[p[i]];

				if (d == 0)
					return FALSE;
				v = (v << 4) | (d - 1);
			}
		} else {
			for (i = 2; i < len; i++) {
				unsigned d = hex1[p[i]];

				if (d == 0 || (v >> 60) != 0)
					return FALSE;
				v = (v << 4) | (d - 1);
			}
		}
		*out = v;
		return TRUE;
	}
	if (G_LIKELY(len <= SAFE_DEC_DIGITS)) {
		/* The common case: no overflow check needed per digit. */
		for (i = 0; i < len; i++) {
			unsigned d = (unsigned)p[i] - '0';

			if (d > 9)
				return FALSE;
			v = v * 10 + d;
		}
	} else {
		/* Long, perhaps zero-padded: check each step. */
		for (i = 0; i < len; i++) {
			unsigned d = (unsigned)p[i] - '0';

			if (d > 9 || v > (UINT64_MAX - d) / 10)
				return FALSE;
			v = v * 10 + d;
		}
	}
	*out = v;
	return TRUE;
}

gboolean
vm_parse_size_n(const char *s, size_t len, uint64_t *out)
{
	unsigned shift = 0;
	uint64_t v;

	if (len == 0)
		return FALSE;
	switch (s[len - 1]) {
	case 'K': shift = 10; break;
	case 'M': shift = 20; break;
	case 'G': shift = 30; break;
	default: break;
	}
	if (shift != 0)
		len--;
	if (!vm_parse_number_n(s, len, &v))
		return FALSE;
	if (v > (UINT64_MAX >> shift))
		return FALSE;
	*out = v << shift;
	return TRUE;
}

gboolean
vm_parse_duration_n(const char *s, size_t len, uint64_t *out)
{
	uint64_t mult, v;

	if (len < 2 || s[len - 1] != 's')
		return FALSE;
	/* The letter before the final 's' picks the unit; none of n, u, m is
	 * a hex digit, so "0x5ms" is not ambiguous. */
	switch (s[len - 2]) {
	case 'n': mult = 1; len -= 2; break;
	case 'u': mult = 1000; len -= 2; break;
	case 'm': mult = 1000000; len -= 2; break;
	default: mult = 1000000000; len -= 1; break;
	}
	if (!vm_parse_number_n(s, len, &v))
		return FALSE;
	if (v > UINT64_MAX / mult)
		return FALSE;
	*out = v * mult;
	return TRUE;
}

gboolean
vm_parse_number(const char *s, uint64_t *out)
{
	g_return_val_if_fail(s != NULL, FALSE);
	return vm_parse_number_n(s, strlen(s), out);
}

gboolean
vm_parse_size(const char *s, uint64_t *out)
{
	g_return_val_if_fail(s != NULL, FALSE);
	return vm_parse_size_n(s, strlen(s), out);
}

gboolean
vm_parse_duration(const char *s, uint64_t *out)
{
	g_return_val_if_fail(s != NULL, FALSE);
	return vm_parse_duration_n(s, strlen(s), out);
}

char *
vm_format_size(uint64_t bytes)
{
	static const struct { unsigned shift; char suffix; } units[] = {
		{ 30, 'G' }, { 20, 'M' }, { 10, 'K' },
	};

	if (bytes == 0)
		return g_strdup("0");
	for (size_t i = 0; i < G_N_ELEMENTS(units); i++) {
		uint64_t mask = ((uint64_t)1 << units[i].shift) - 1;

		if ((bytes & mask) == 0)
			return g_strdup_printf("%" G_GUINT64_FORMAT "%c",
					       bytes >> units[i].shift,
					       units[i].suffix);
	}
	return g_strdup_printf("%" G_GUINT64_FORMAT, bytes);
}

char *
vm_format_duration(uint64_t ns)
{
	static const struct { uint64_t div; const char *unit; } units[] = {
		{ 1000000000, "s" }, { 1000000, "ms" }, { 1000, "us" },
	};

	if (ns == 0)
		return g_strdup("0ns");
	for (size_t i = 0; i < G_N_ELEMENTS(units); i++)
		if (ns % units[i].div == 0)
			return g_strdup_printf("%" G_GUINT64_FORMAT "%s",
					       ns / units[i].div, units[i].unit);
	return g_strdup_printf("%" G_GUINT64_FORMAT "ns", ns);
}

/* "00" to "99": two digits per division (explain numbers every event). */
static const char digits2[] =
	"00010203040506070809101112131415161718192021222324252627282930313233343536373839"
	"40414243444546474849505152535455565758596061626364656667686970717273747576777879"
	"8081828384858687888990919293949596979899";

/* How many decimal digits @v has. */
static inline unsigned dec_len(uint64_t v)
{
	unsigned n = 1;
	while (v >= 100) {
		v /= 100;
		n += 2;
	}
	return n + (v >= 10);
}

/* The @n decimal digits of @v written before @end, two a division. */
static inline void dec_store(char *end, uint64_t v)
{
	while (v >= 100) {
		unsigned r = (unsigned)(v % 100);
		v /= 100;
		end -= 2;
		end[0] = digits2[2 * r];
		end[1] = digits2[2 * r + 1];
	}
	if (v >= 10) {
		end[-2] = digits2[2 * v];
		end[-1] = digits2[2 * v + 1];
	} else {
		end[-1] = (char)('0' + v);
	}
}

void
vm_append_u64_w(GString *out, uint64_t v, unsigned width)
{
	/* the digits written in place, from their end: built in a buffer
	 * and copied, the copy's loads waited for the digits' stores */
	if (width > 44)
		width = 44;   /* as much padding as ever */
	unsigned n = dec_len(v);
	unsigned total = n < width ? width : n;
	char *d = vm_append_room(out, total);
	for (unsigned k = n; k < total; k++)
		*d++ = ' ';
	dec_store(d + n, v);
}

void
vm_append_u64(GString *out, uint64_t v)
{
	unsigned n = dec_len(v);
	dec_store(vm_append_room(out, n) + n, v);
}

/* The eight hex digits of @x, most significant first in memory, as one
 * word: the nibbles spread one to a byte, each turned into '0'..'9' or
 * 'a'..'f' by adding to all eight bytes at once (a byte above 9 carries
 * into bit 4 when 6 is added). */
static inline uint64_t hex8(uint32_t x32)
{
	uint64_t x = x32;
	x = (x | (x << 16)) & 0x0000ffff0000ffffull;
	x = (x | (x << 8)) & 0x00ff00ff00ff00ffull;
	x = (x | (x << 4)) & 0x0f0f0f0f0f0f0f0full;
	uint64_t above9 = ((x + 0x0606060606060606ull) >> 4) & 0x0101010101010101ull;
	x += 0x3030303030303030ull + above9 * ('a' - '0' - 10);
	return __builtin_bswap64(x);   /* byte i held nibble i */
}

/*
 * The lower-case hex digits of @v, no leading zeros, stored at @dst as
 * whole words, followed by up to 8 zero bytes (so @dst needs 24 bytes of
 * room); returns how many digits.  Digit by digit, and copied from a
 * buffer after, was most of explain's formatting of an access: the copy's
 * wide loads of bytes just stored one at a time stalled (perf).
 */
static inline unsigned hex_store(char *dst, uint64_t v)
{
	unsigned n = v ? (unsigned)(67 - __builtin_clzll(v)) / 4 : 1;
	if (n > 8) {
		uint64_t hi = hex8((uint32_t)(v >> 32)) >> (8 * (16 - n));
		uint64_t lo = hex8((uint32_t)v);
		memcpy(dst, &hi, 8);
		memcpy(dst + n - 8, &lo, 8);
	} else {
		uint64_t lo = hex8((uint32_t)v) >> (8 * (8 - n));
		memcpy(dst, &lo, 8);
	}
	return n;
}

#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__ && defined(__GNUC__)
#define HEX_WORDS 1   /* hex_store's words are little-endian */
#endif

size_t
vm_put_access(char *d, uint64_t pid, char op, uint64_t addr)
{
	/* the pid's digits, " op 0x" and the address's digits, at most
	 * 20 + 5 + 16 bytes and hex_store's 8 after them */
#ifdef HEX_WORDS
	unsigned k = dec_len(pid);
	dec_store(d + k, pid);
	d[k] = ' ';
	d[k + 1] = op;
	d[k + 2] = ' ';
	d[k + 3] = '0';
	d[k + 4] = 'x';
	return k + 5 + hex_store(d + k + 5, addr);
#else
	return (size_t)g_snprintf(d, VM_PUT_ACCESS_ROOM, "%" G_GUINT64_FORMAT " %c 0x%"
				  G_GINT64_MODIFIER "x", pid, op, addr);
#endif
}

unsigned
vm_put_u64(char *d, uint64_t v)
{
	unsigned n = dec_len(v);
	dec_store(d + n, v);
	return n;
}

void
vm_append_access(GString *out, uint64_t pid, char op, uint64_t addr)
{
	/* written in place */
	size_t at = out->len;
	if (G_LIKELY(at + VM_PUT_ACCESS_ROOM < out->allocated_len)) {
		out->len = at + vm_put_access(out->str + at, pid, op, addr);
		out->str[out->len] = '\0';
		return;
	}
	vm_append_u64(out, pid);
	char sep[] = { ' ', op, ' ', '\0' };
	vm_append_str(out, sep);
	vm_append_hex(out, addr);
}

void
vm_append_hex(GString *out, uint64_t v)
{
#ifdef HEX_WORDS
	size_t at = out->len;
	char *d = vm_append_room(out, 2 + 16 + 8);
	d[0] = '0';
	d[1] = 'x';
	out->len = at + 2 + hex_store(d + 2, v);
	out->str[out->len] = '\0';
#else
	char b[24], *p = b + sizeof b;

	do
		*--p = "0123456789abcdef"[v & 15];
	while (v >>= 4);
	*--p = 'x';
	*--p = '0';
	vm_append_len(out, p, (size_t)(b + sizeof b - p));
#endif
}
