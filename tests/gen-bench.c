/*
 * gen-bench: write the benchmark trace for `make bench` (tests/bench.sh).
 *
 *   gen-bench [-n N] [-o FILE] [--map=SIZE] [--random|--seq] [--pressure]
 *
 * The trace maps 64 MiB (--map: SIZE bytes, a multiple of 4 KiB, with an
 * optional K, M or G suffix) of private anonymous memory in process 1 and
 * makes N one-byte accesses (default 10,000,000), one per line:
 *
 *   - N/2 sequential accesses, one every 64 bytes (a cache line), cycling
 *     over the whole mapping; about 10% of them are stores (`1 w`), chosen by
 *     a fixed-seed RNG, the rest loads (`1 r`);
 *   - N - N/2 loads at the start of pages drawn uniformly from the mapping
 *     (4 KiB pages) with splitmix64 from a fixed seed.
 *
 * --random: every access is to the start of a random page, and half of them
 * (by the same RNG) are stores, so that every page a store touched needs a
 * frame and its eviction a swap-out: the workload of bench.sh's cost curve,
 * whose mapping is twice the simulated memory.
 *
 * --seq: every access is sequential, the first half's pattern all the way
 * (one every 64 bytes, cycling over the mapping, ~10% stores): a
 * TLB-friendly trace, where 63 accesses in 64 hit the TLB and the
 * simulation costs least, so that the readers' share of a replay is
 * largest (bench.sh's TLB-friendly cases, docs/speed.md).
 *
 * The output is the same for the same arguments on every host.  It is written to
 * FILE.tmp and renamed to FILE at the end, so an interrupted run never
 * leaves a truncated trace behind that looks up to date; without -o (or
 * with -o -) it goes to standard output.
 *
 * --pressure is refused (exit 2): bench.sh
 * measures pressure on the same trace with -s memory=32M -s swap.size=64M.
 *
 * Exit status: 0 written, 1 bad usage or an I/O error, 2 --pressure.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <glib.h>
#include <glib/gstdio.h>

#define MAP_BASE   UINT64_C(0x10000000)
#define MAP_LEN    (UINT64_C(64) << 20)   /* the default of --map */
#define LINE_SIZE  UINT64_C(64)
#define PAGE_SIZE  UINT64_C(4096)
#define SEQ_SEED   UINT64_C(0x5eed0001)   /* which sequential accesses store */
#define RAND_SEED  UINT64_C(0x5eed0002)   /* which pages the random half reads */

/* The standard splitmix64, as docs/format.md `rand` uses it. */
static uint64_t splitmix64(uint64_t *s)
{
	uint64_t z = (*s += UINT64_C(0x9E3779B97F4A7C15));
	z = (z ^ (z >> 30)) * UINT64_C(0xBF58476D1CE4E5B9);
	z = (z ^ (z >> 27)) * UINT64_C(0x94D049BB133111EB);
	return z ^ (z >> 31);
}

/* Output through one large buffer: the trace runs to hundreds of MB, and
 * formatting each line by hand is several times faster than fprintf. */
typedef struct {
	FILE *f;
	char buf[1 << 16];
	size_t len;
	gboolean failed;
	int err;                /* errno of the first failure */
} out_t;

static void out_fail(out_t *o)
{
	if (!o->failed) {
		o->failed = TRUE;
		o->err = errno;
	}
}

static void out_flush(out_t *o)
{
	if (o->len && !o->failed && fwrite(o->buf, 1, o->len, o->f) != o->len)
		out_fail(o);
	o->len = 0;
}

static void out_str(out_t *o, const char *s)
{
	size_t n = strlen(s);
	if (o->len + n > sizeof o->buf)
		out_flush(o);
	if (n > sizeof o->buf) {
		if (!o->failed && fwrite(s, 1, n, o->f) != n)
			out_fail(o);
		return;
	}
	memcpy(o->buf + o->len, s, n);
	o->len += n;
}

/* "1 r 0x10000040\n" */
static void out_access(out_t *o, char op, uint64_t addr)
{
	static const char hex[] = "0123456789abcdef";
	char digits[16];
	int nd = 0;

	if (o->len + 32 > sizeof o->buf)
		out_flush(o);
	char *p = o->buf + o->len;
	*p++ = '1';
	*p++ = ' ';
	*p++ = op;
	*p++ = ' ';
	*p++ = '0';
	*p++ = 'x';
	do {
		digits[nd++] = hex[addr & 0xf];
		addr >>= 4;
	} while (addr);
	while (nd)
		*p++ = digits[--nd];
	*p++ = '\n';
	o->len = (size_t)(p - o->buf);
}

static gboolean parse_count(const char *text, uint64_t *n)
{
	const char *s = text;
	if (*s < '0' || *s > '9')
		return FALSE;
	errno = 0;
	char *end;
	guint64 v = g_ascii_strtoull(s, &end, 10);
	if (errno || *end || end == s)
		return FALSE;
	*n = v;
	return TRUE;
}

/* SIZE: a decimal count of bytes with an optional K, M or G suffix. */
static gboolean parse_size(const char *text, uint64_t *n)
{
	char *end;
	if (*text < '0' || *text > '9')
		return FALSE;
	errno = 0;
	guint64 v = g_ascii_strtoull(text, &end, 10);
	unsigned shift = *end == 'K' ? 10 : *end == 'M' ? 20 : *end == 'G' ? 30 : 0;
	if (shift)
		end++;
	if (errno || *end || v == 0 || v > (UINT64_MAX >> 1 >> shift))
		return FALSE;
	*n = v << shift;
	return TRUE;
}

/* SIZE in the largest binary unit that holds it exactly: 64M, 1536K. */
static void format_size(char *buf, size_t len, uint64_t v)
{
	static const char units[] = "KMG";
	int u = -1;
	while (u < 2 && v % 1024 == 0 && v) {
		v /= 1024;
		u++;
	}
	if (u < 0)
		g_snprintf(buf, len, "%" PRIu64, v);
	else
		g_snprintf(buf, len, "%" PRIu64 "%c", v, units[u]);
}

static void write_trace(out_t *o, uint64_t n, uint64_t map_len, gboolean random,
			gboolean seq)
{
	char line[256], size[32];
	uint64_t nseq = random ? 0 : seq ? n : n / 2, nrand = n - nseq;

	out_str(o, "vmt 1\n");
	if (seq)
		g_snprintf(line, sizeof line,
			   "# vmscope benchmark trace, written by tests/gen-bench -n %" PRIu64
			   " --seq\n# %" PRIu64 " sequential accesses (one per 64 bytes, ~10%% stores)"
			   " over %" PRIu64 " KiB of anonymous memory\n", n, nseq, map_len >> 10);
	else if (random)
		g_snprintf(line, sizeof line,
			   "# vmscope benchmark trace, written by tests/gen-bench -n %" PRIu64
			   " --random\n# %" PRIu64 " accesses of random pages (half stores) over %"
			   PRIu64 " KiB of anonymous memory\n", n, nrand, map_len >> 10);
	else if (map_len == MAP_LEN)    /* as it always was: the same file */
		g_snprintf(line, sizeof line,
			   "# vmscope benchmark trace, written by tests/gen-bench -n %" PRIu64 "\n"
			   "# %" PRIu64 " sequential accesses (one per 64 bytes, ~10%% stores), then\n"
			   "# %" PRIu64 " loads of random pages, over 64 MiB of anonymous memory\n",
			   n, nseq, nrand);
	else
		g_snprintf(line, sizeof line,
			   "# vmscope benchmark trace, written by tests/gen-bench -n %" PRIu64 "\n"
			   "# %" PRIu64 " sequential accesses (one per 64 bytes, ~10%% stores), then\n"
			   "# %" PRIu64 " loads of random pages, over %" PRIu64
			   " KiB of anonymous memory\n", n, nseq, nrand, map_len >> 10);
	out_str(o, line);
	format_size(size, sizeof size, map_len);
	g_snprintf(line, sizeof line, "1 mmap 0x%" PRIx64 " %s rw private anon\n",
		   MAP_BASE, size);
	out_str(o, line);

	uint64_t s = SEQ_SEED;
	uint64_t off = 0;
	for (uint64_t i = 0; i < nseq; i++) {
		char op = splitmix64(&s) % 10 == 0 ? 'w' : 'r';
		out_access(o, op, MAP_BASE + off);
		off += LINE_SIZE;
		if (off == map_len)
			off = 0;
	}

	const uint64_t pages = map_len / PAGE_SIZE;
	s = RAND_SEED;
	for (uint64_t i = 0; i < nrand; i++) {
		uint64_t z = splitmix64(&s);
		/* --random: the low bit picks a store; the page comes from the
		 * rest, so that the two are independent. */
		char op = random && (z & 1) ? 'w' : 'r';
		out_access(o, op, MAP_BASE + ((random ? z >> 1 : z) % pages) * PAGE_SIZE);
	}
	out_flush(o);
}

int main(int argc, char **argv)
{
	gchar *opt_n = NULL;
	gchar *opt_out = NULL;
	gboolean opt_pressure = FALSE;
	gboolean opt_random = FALSE;
	gboolean opt_seq = FALSE;
	gchar *opt_map = NULL;
	GOptionEntry entries[] = {
		{ "accesses", 'n', 0, G_OPTION_ARG_STRING, &opt_n,
		  "Number of accesses (default 10000000)", "N" },
		{ "output", 'o', 0, G_OPTION_ARG_FILENAME, &opt_out,
		  "Write the trace to FILE (default: standard output)", "FILE" },
		{ "map", 0, 0, G_OPTION_ARG_STRING, &opt_map,
		  "Map SIZE bytes (K, M, G suffixes; default 64M)", "SIZE" },
		{ "random", 0, 0, G_OPTION_ARG_NONE, &opt_random,
		  "Only random pages, half of them stores", NULL },
		{ "seq", 0, 0, G_OPTION_ARG_NONE, &opt_seq,
		  "Only sequential accesses (TLB-friendly)", NULL },
		{ "pressure", 0, 0, G_OPTION_ARG_NONE, &opt_pressure,
		  "Half the memory the trace touches (needs the reclaim model)", NULL },
		{ NULL, 0, 0, 0, NULL, NULL, NULL }
	};
	GOptionContext *ctx = g_option_context_new("- write the vmscope benchmark trace");
	g_option_context_add_main_entries(ctx, entries, NULL);
	GError *err = NULL;
	if (!g_option_context_parse(ctx, &argc, &argv, &err)) {
		fprintf(stderr, "gen-bench: %s\n", err->message);
		g_error_free(err);
		g_option_context_free(ctx);
		return 1;
	}
	g_option_context_free(ctx);
	int status = 0;

	if (argc > 1) {
		fprintf(stderr, "gen-bench: unexpected argument '%s'\n", argv[1]);
		status = 1;
		goto done;
	}
	uint64_t n = 10000000;
	if (opt_n && !parse_count(opt_n, &n)) {
		fprintf(stderr, "gen-bench: -n: '%s' is not a count of accesses\n", opt_n);
		status = 1;
		goto done;
	}
	uint64_t map_len = MAP_LEN;
	if (opt_map && (!parse_size(opt_map, &map_len) || map_len % PAGE_SIZE ||
			map_len > (UINT64_C(1) << 46))) {
		fprintf(stderr, "gen-bench: --map: '%s' is not a size of whole pages "
			"up to 64T\n", opt_map);
		status = 1;
		goto done;
	}
	if (opt_random && opt_seq) {
		fprintf(stderr, "gen-bench: --random and --seq exclude each other\n");
		status = 1;
		goto done;
	}
	if (opt_pressure) {
		fprintf(stderr, "gen-bench: --pressure is gone: run vmscope on the "
			"plain trace with -s memory=32M -s swap.size=64M\n");
		status = 2;
		goto done;
	}

	gboolean to_stdout = !opt_out || strcmp(opt_out, "-") == 0;
	gchar *tmp = NULL;
	out_t *o = g_new0(out_t, 1);
	if (to_stdout) {
		o->f = stdout;
	} else {
		tmp = g_strconcat(opt_out, ".tmp", NULL);
		o->f = fopen(tmp, "w");
		if (!o->f) {
			fprintf(stderr, "gen-bench: %s: %s\n", tmp, g_strerror(errno));
			g_free(tmp);
			g_free(o);
			status = 1;
			goto done;
		}
	}

	write_trace(o, n, map_len, opt_random, opt_seq);

	errno = 0;
	if (fflush(o->f) != 0 || ferror(o->f))
		out_fail(o);
	if (!to_stdout && fclose(o->f) != 0)
		out_fail(o);
	if (o->failed) {
		fprintf(stderr, "gen-bench: writing %s: %s\n",
			to_stdout ? "standard output" : tmp,
			o->err ? g_strerror(o->err) : "write error");
		if (tmp)
			g_unlink(tmp);
		status = 1;
	} else if (tmp && g_rename(tmp, opt_out) != 0) {
		fprintf(stderr, "gen-bench: renaming %s to %s: %s\n", tmp, opt_out,
			g_strerror(errno));
		g_unlink(tmp);
		status = 1;
	}
	g_free(tmp);
	g_free(o);
done:
	g_free(opt_n);
	g_free(opt_out);
	g_free(opt_map);
	return status;
}
