/*
 * What the fuzz harnesses of tests/fuzz/ share (tests/fuzz/README.md).
 *
 * Each harness is one LLVMFuzzerTestOneInput, built two ways: with
 * `clang -fsanitize=fuzzer,address,undefined` by `make fuzz`, and as a
 * plain program (tests/fuzz/replay.c's main) that replays the seed corpus
 * and the reproducers under the normal build, in `make check`.
 *
 * A finding is an abort: a sanitizer report, an assertion, a glib critical,
 * or fz_fail() when an oracle does not hold (the engine's invariant checker
 * reports a corrupt state; a trace written by a writer does not read back
 * the same; JSON output that is not UTF-8; `convert` output that `run`
 * rejects).  Errors that the input deserves (a bad line, an unknown key)
 * are not findings.
 *
 * The bounds below keep one input to milliseconds: each bounds work the
 * input asks for (events, frames, pages one event touches), not a known
 * bug; an input past a bound is parsed but not replayed.  Sizes, offsets,
 * fds and pids are not bounded: a file of 2^63-1 bytes, a 64 TiB mapping,
 * fd 2147483647 or a re-forked pid must replay as cheaply as small ones.
 */
#ifndef VM_FUZZ_H
#define VM_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <glib.h>
#include "traces/vmt.h"

/* Events replayed per input, at most. */
#define FZ_MAX_EVENTS 1000
/* The machine a replay gets: its frames and swap slots are clamped to
 * these (a reclaim scan is linear in the frames). */
#define FZ_MIN_FRAMES 1
#define FZ_MAX_FRAMES 256
#define FZ_MAX_SWAP_PAGES 512
/* read and write lengths: the pages one call copies. */
#define FZ_MAX_RW (UINT64_C(4) << 20)
/* seq and rand ranges and strides, rand counts: the pages one event may
 * touch. */
#define FZ_MAX_RANGE (UINT64_C(4) << 20)
#define FZ_MAX_COUNT 4096
/* mmap, munmap, mprotect, madvise, msync lengths: madvise(WILLNEED) reads
 * the whole range. */
#define FZ_MAX_MAP (UINT64_C(4) << 30)
/* Bytes of one input the harnesses look at. */
#define FZ_MAX_INPUT (1u << 20)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Once per process: the locale, glib criticals made fatal, a private
 * temporary directory (removed at exit). */
void fz_init(void);
/* The temporary directory; its files are removed by fz_clean(). */
const char *fz_dir(void);
void fz_clean(void);
/* Write @n bytes to @name in fz_dir(); returns the path (g_free it). */
char *fz_write(const char *name, const void *data, size_t n);
/* Report a finding and abort. */
void fz_fail(const char *fmt, ...) G_GNUC_PRINTF(1, 2) G_GNUC_NORETURN;

/* Whether and how to replay a trace. */
typedef struct {
	gboolean replay;      /* within the bounds */
	const char *why;      /* when not: the bound */
	char **overrides;     /* -s KEY=VALUE keeping the machine small */
} fz_plan_t;

/* Read @r to its end (or first error) and plan the replay. */
void fz_plan(vm_vmt_reader_t *r, fz_plan_t *plan);
void fz_plan_free(fz_plan_t *plan);

/*
 * Open a trace (from @path, or @text in memory when @path is NULL) with
 * @plan's overrides and the invariant checker, narrate and run at most
 * FZ_MAX_EVENTS events, and write the statistics in every format.  An
 * internal error (an invariant violation) or JSON that is not UTF-8 is a
 * finding.  FALSE with @error when the engine refused the trace.
 */
gboolean fz_replay(const char *name, const char *path, const char *text,
		   const fz_plan_t *plan, GError **error);

/*
 * The writers' oracle: when the trace @data (.vmt or .vmtb) reads to its
 * end, its records formatted as .vmt must read back as the same text, and
 * encoded as .vmtb must decode to the same text.
 */
void fz_roundtrip(const char *name, const void *data, size_t n);

#endif
