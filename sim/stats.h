/*
 * The statistics of docs/statistics.md: one table of names per scope (global,
 * process, file) in the order docs/statistics.md lists them, each name with a getter,
 * so that the text, JSON and CSV writers, the expect checks, and later the
 * batch runner and the UI all read the same values by the same names.
 */
#ifndef VM_STATS_H
#define VM_STATS_H

#include <glib.h>
#include "sim/engine.h"

typedef enum { VM_FMT_TEXT, VM_FMT_JSON, VM_FMT_CSV } vm_format_t;

/* A statistic's value: a number, or a word (state, killed_by, name). */
typedef struct {
	gboolean is_word;
	uint64_t num;
	const char *word;
} vm_statval_t;

unsigned vm_stats_nr_global(void);
const char *vm_stats_global_name(unsigned i);
int vm_stats_global_find(const char *name);           /* -1: unknown */
uint64_t vm_stats_global(vm_engine_t *e, unsigned i);
/* The run has several CPUs or threads: the statistics about them are
 * listed (without, run's outputs are as they were before they existed;
 * expect lines and batch see them always). */
gboolean vm_stats_smp_run(vm_engine_t *e);
gboolean vm_stats_global_shown(vm_engine_t *e, unsigned i);
/* File or shmem folios may be mapped by PMD in this run (huge pages on,
 * and cache.folio_max of a huge page or shmem.huge): their statistics
 * (thp_file_*, file_pmd_mapped, ...) are listed; likewise. */
gboolean vm_stats_thpfile_run(vm_engine_t *e);
/* The per-process statistics from this index on are the file huge-page
 * ones; vm_stats_proc_shown: is statistic @i listed in this run? */
#define VM_STATS_PROC_THPFILE 15
gboolean vm_stats_proc_shown(vm_engine_t *e, unsigned i);
/* The first @nr globals (at most vm_stats_nr_global()) into @v, in
 * index order: vm_stats_global of each, the machine looked up once. */
void vm_stats_global_all(vm_engine_t *e, uint64_t *v, unsigned nr);

unsigned vm_stats_nr_proc(void);
const char *vm_stats_proc_name(unsigned i);
int vm_stats_proc_find(const char *name);
gboolean vm_stats_proc_is_word(unsigned i);
vm_statval_t vm_stats_proc(const vm_proc_t *p, unsigned i);

unsigned vm_stats_nr_file(void);
const char *vm_stats_file_name(unsigned i);
int vm_stats_file_find(const char *name);
gboolean vm_stats_file_is_word(unsigned i);

/* File statistic @i of @f (name, size, disk_pages, ...). */
vm_statval_t vm_stats_file(vm_machine_t *m, const vm_file_t *f, unsigned i);
/* The newest file called @name, or NULL. */
const vm_file_t *vm_stats_find_file(vm_machine_t *m, const char *name);

/* A memory cgroup's statistics (current_pages, pgfault, oom_kill, ...). */
struct vm_memcg;
unsigned vm_stats_nr_memcg(void);
const char *vm_stats_memcg_name(unsigned i);
int vm_stats_memcg_find(const char *name);
uint64_t vm_stats_memcg(const vm_machine_t *m, const struct vm_memcg *cg,
			unsigned i);
/* An expect key `cgroup.NAME.STAT`: TRUE when @key has that shape, with
 * NAME in *@name (free it) and STAT's index in *@idx (-1: unknown). */
gboolean vm_stats_memcg_key(const char *key, char **name, int *idx);

/* Words a process statistic may take, to check expect values early. */
gboolean vm_stats_proc_word_valid(unsigned i, const char *word);

/* Append the whole report in @fmt to @out. */
void vm_stats_write(vm_engine_t *e, vm_format_t fmt, GString *out);

#endif
