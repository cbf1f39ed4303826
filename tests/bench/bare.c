/*
 * bare: the bare replayer that `make bench` measures vmscope against
 * (issue 17, tests/bench.sh).
 *
 *   bare [-f FRAMES] [-s PAGE_SHIFT] TRACE
 *
 * It does the least a page-level replayer of a .vmt trace can do and still
 * be honest about the input: it reads the file as the real reader does
 * (read(2) in blocks of 1 MiB, lines cut with memchr), parses every access
 * line to the grammar of docs/format.md (`PID r|w|x ADDR [SIZE]`: blanks
 * including CR/VT/FF, `#` comments, decimal or 0x numbers checked for
 * overflow, a SIZE suffix, the pid range, nothing after the operands), and
 * for each page the access touches looks the (pid, page) up in a hash table
 * of FRAMES frames kept in an exact LRU list: a hit moves the frame to the
 * head, a miss takes a free frame or the tail's.  Lines that are not
 * accesses (the `vmt 1` header, mmap, comments) are skipped.  There is no
 * TLB, no page table, no clock, no statistics beyond two counters:
 *
 *   accesses N misses M frames F
 *
 * on standard output.  Frames hold intrusive links (hash chain and LRU, as
 * SQLite's pcache1), allocated once; the hash has a power-of-two number of
 * buckets, at least twice FRAMES.
 *
 * Exit status: 0, 1 on a bad line (FILE:LINE: message) or an I/O error,
 * 2 on bad usage.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define BLOCK (1u << 20)        /* bytes per read(2), as traces/vmt.c */
#define MAX_LINE (64u << 10)    /* longest line, as traces/vmt.c */
#define NIL UINT32_MAX

typedef struct {
	uint64_t vpn;
	uint32_t pid;
	uint32_t hnext;         /* next frame in the same hash bucket */
	uint32_t prev, next;    /* LRU list: head most recent */
} frame_t;

static frame_t *frames;
static uint32_t *buckets;
static uint64_t bucket_mask;
static uint32_t nr_frames, nr_used;
static uint32_t lru_head = NIL, lru_tail = NIL;
static uint64_t nr_accesses, nr_misses;
static unsigned page_shift = 12;

static const char *path;
static uint64_t lineno;

static void die_line(const char *msg)
{
	fprintf(stderr, "%s:%" PRIu64 ": %s\n", path, lineno, msg);
	exit(1);
}

static inline uint64_t hash(uint32_t pid, uint64_t vpn)
{
	uint64_t h = (vpn ^ ((uint64_t)pid << 40)) * UINT64_C(0x9E3779B97F4A7C15);
	return (h >> 32) & bucket_mask;
}

static inline void lru_unlink(uint32_t f)
{
	frame_t *fr = &frames[f];
	if (fr->prev != NIL)
		frames[fr->prev].next = fr->next;
	else
		lru_head = fr->next;
	if (fr->next != NIL)
		frames[fr->next].prev = fr->prev;
	else
		lru_tail = fr->prev;
}

static inline void lru_push(uint32_t f)
{
	frames[f].prev = NIL;
	frames[f].next = lru_head;
	if (lru_head != NIL)
		frames[lru_head].prev = f;
	else
		lru_tail = f;
	lru_head = f;
}

static void hash_remove(uint32_t f)
{
	uint32_t *p = &buckets[hash(frames[f].pid, frames[f].vpn)];
	while (*p != f)
		p = &frames[*p].hnext;
	*p = frames[f].hnext;
}

static inline void touch(uint32_t pid, uint64_t vpn)
{
	uint64_t b = hash(pid, vpn);
	nr_accesses++;
	for (uint32_t f = buckets[b]; f != NIL; f = frames[f].hnext) {
		if (frames[f].vpn == vpn && frames[f].pid == pid) {
			if (f != lru_head) {
				lru_unlink(f);
				lru_push(f);
			}
			return;
		}
	}
	nr_misses++;
	uint32_t f;
	if (nr_used < nr_frames) {
		f = nr_used++;
	} else {
		f = lru_tail;
		lru_unlink(f);
		hash_remove(f);
	}
	frames[f].vpn = vpn;
	frames[f].pid = pid;
	frames[f].hnext = buckets[b];
	buckets[b] = f;
	lru_push(f);
}

/* Blanks: space, tab, CR, VT, FF (docs/format.md). */
static inline int is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f';
}

/* The end of a token: a blank, a comment or the line's '\n'. */
static inline int is_end(char c)
{
	return is_blank(c) || c == '#' || c == '\n';
}

static inline const char *skip_blanks(const char *p)
{
	while (is_blank(*p))
		p++;
	return p;
}

/* NUMBER: decimal, or hex after 0x/0X; no sign; fits 64 bits. */
static const char *parse_number(const char *p, uint64_t *out)
{
	uint64_t v = 0;
	const char *start;
	if (p[0] == '0' && (p[1] == 'x' || p[1] == 'X')) {
		p += 2;
		start = p;
		for (;; p++) {
			unsigned d;
			char c = *p;
			if (c >= '0' && c <= '9')
				d = (unsigned)(c - '0');
			else if (c >= 'a' && c <= 'f')
				d = (unsigned)(c - 'a' + 10);
			else if (c >= 'A' && c <= 'F')
				d = (unsigned)(c - 'A' + 10);
			else
				break;
			if (v >> 60)
				die_line("number does not fit in 64 bits");
			v = v << 4 | d;
		}
	} else {
		start = p;
		for (; *p >= '0' && *p <= '9'; p++) {
			unsigned d = (unsigned)(*p - '0');
			if (v > (UINT64_MAX - d) / 10)
				die_line("number does not fit in 64 bits");
			v = v * 10 + d;
		}
	}
	if (p == start)
		die_line("expected a number");
	*out = v;
	return p;
}

/* One line, '\n'-terminated.  Non-access lines are skipped. */
static void parse_line(const char *p)
{
	p = skip_blanks(p);
	if (*p < '0' || *p > '9')
		return;                         /* header, comment, blank, global */
	uint64_t pid;
	p = parse_number(p, &pid);
	if (!is_blank(*p))
		die_line("expected a blank after the pid");
	p = skip_blanks(p);
	char op = p[0];
	if ((op != 'r' && op != 'w' && op != 'x') || !is_blank(p[1]))
		return;                         /* another op of a process */
	if (pid == 0 || pid > 0x7fffffff)
		die_line("pid out of range");
	p = skip_blanks(p + 1);
	uint64_t addr, size = 1;
	p = parse_number(p, &addr);
	if (!is_end(*p))
		die_line("junk after the address");
	p = skip_blanks(p);
	if (*p != '#' && *p != '\n') {
		p = parse_number(p, &size);
		uint64_t mul = *p == 'K' ? 1u << 10 : *p == 'M' ? 1u << 20 :
			*p == 'G' ? 1u << 30 : 1;
		if (mul != 1) {
			if (size > UINT64_MAX / mul)
				die_line("size does not fit in 64 bits");
			size *= mul;
			p++;
		}
		if (!is_end(*p))
			die_line("junk after the size");
		p = skip_blanks(p);
		if (*p != '#' && *p != '\n')
			die_line("too many operands");
		if (size == 0)
			die_line("an access of size 0");
	}
	if (addr + (size - 1) < addr)
		die_line("the access runs past the end of the address space");
	uint64_t last = (addr + (size - 1)) >> page_shift;
	for (uint64_t vpn = addr >> page_shift; vpn <= last; vpn++)
		touch((uint32_t)pid, vpn);
}

static void replay(int fd)
{
	size_t cap = BLOCK + MAX_LINE + 1;
	char *buf = malloc(cap + 1);
	size_t len = 0;
	int eof = 0;
	if (!buf) {
		perror("bare: malloc");
		exit(1);
	}
	while (!eof || len) {
		if (!eof) {
			ssize_t n = read(fd, buf + len, BLOCK);
			if (n < 0) {
				if (errno == EINTR)
					continue;
				fprintf(stderr, "bare: %s: %s\n", path, strerror(errno));
				exit(1);
			}
			if (n == 0)
				eof = 1;
			len += (size_t)n;
		}
		char *pos = buf, *end = buf + len;
		for (;;) {
			char *nl = memchr(pos, '\n', (size_t)(end - pos));
			if (!nl)
				break;
			lineno++;
			parse_line(pos);
			pos = nl + 1;
		}
		size_t rest = (size_t)(end - pos);
		if (eof && rest) {
			/* The last line lacks its '\n': append one. */
			pos[rest] = '\n';
			lineno++;
			parse_line(pos);
			rest = 0;
		}
		if (rest > MAX_LINE)
			die_line("line too long");
		memmove(buf, pos, rest);
		len = rest;
	}
	free(buf);
}

int main(int argc, char **argv)
{
	uint64_t want = 262144;       /* 1 GiB of 4 KiB pages */
	int c;
	while ((c = getopt(argc, argv, "f:s:")) != -1) {
		char *end;
		switch (c) {
		case 'f':
			errno = 0;
			want = strtoull(optarg, &end, 10);
			if (errno || *end || want == 0 || want >= NIL) {
				fprintf(stderr, "bare: -f %s: not a frame count\n", optarg);
				return 2;
			}
			break;
		case 's':
			page_shift = (unsigned)strtoul(optarg, &end, 10);
			if (*end || page_shift < 8 || page_shift > 30) {
				fprintf(stderr, "bare: -s %s: not a page shift\n", optarg);
				return 2;
			}
			break;
		default:
			fprintf(stderr, "usage: bare [-f FRAMES] [-s PAGE_SHIFT] TRACE\n");
			return 2;
		}
	}
	if (optind + 1 != argc) {
		fprintf(stderr, "usage: bare [-f FRAMES] [-s PAGE_SHIFT] TRACE\n");
		return 2;
	}
	path = argv[optind];
	nr_frames = (uint32_t)want;
	uint64_t nb = 1;
	while (nb < 2 * want)
		nb <<= 1;
	bucket_mask = nb - 1;
	frames = malloc(sizeof *frames * nr_frames);
	buckets = malloc(sizeof *buckets * nb);
	if (!frames || !buckets) {
		perror("bare: malloc");
		return 1;
	}
	memset(buckets, 0xff, sizeof *buckets * nb);   /* every bucket NIL */

	int fd = open(path, O_RDONLY);
	if (fd < 0) {
		fprintf(stderr, "bare: %s: %s\n", path, strerror(errno));
		return 1;
	}
	replay(fd);
	close(fd);
	printf("accesses %" PRIu64 " misses %" PRIu64 " frames %" PRIu32 "\n",
	       nr_accesses, nr_misses, nr_frames);
	free(frames);
	free(buckets);
	return 0;
}
