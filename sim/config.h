/*
 * Machine profiles (docs/profiles.md).
 *
 * A profile is one flat struct of typed fields, filled from a built-in table
 * or a GKeyFile and then from overrides (`set` lines, -s KEY=VALUE).  Every
 * key is described once, in the key table of config.c (name, type, field
 * offset, allowed words), and that table drives parsing, validation, the .ini
 * dump and the JSON dump, so a new key is one struct field and one table row.
 */
#ifndef VM_CONFIG_H
#define VM_CONFIG_H

#include <stdint.h>
#include <glib.h>
#include "traces/units.h"
#include "models/params.h"


/* Names of the built-in profiles, NULL-terminated, in listing order. */
const char *const *vm_config_builtin_names(void);
/* One-line description of built-in profile @name, or NULL. */
const char *vm_config_builtin_describe(const char *name);

/* The largest profile file read (bytes); a larger one, or one that is not
 * a regular file, is refused naming the file and this limit. */
#define VM_CONFIG_MAX_FILE (1u << 20)

/*
 * Fill @cfg from built-in profile @name, or, when @name ends in ".ini" or
 * names an existing file, from that GKeyFile on top of `default`.
 * Returns FALSE with @error set (VM_ERROR_INVALID / VM_ERROR_PARSE / IO)
 * naming the file, the key and the value.
 */
gboolean vm_config_load(vm_config_t *cfg, const char *name, GError **error);

/* The `default` profile. */
void vm_config_default(vm_config_t *cfg);

/*
 * Set dotted @key (e.g. "tlb.l1.entries", "memory") to @value, parsed and
 * range-checked; on error @cfg is unchanged and @error names key and value.
 */
gboolean vm_config_set(vm_config_t *cfg, const char *key, const char *value,
		       GError **error);

/* Parse "KEY=VALUE" and vm_config_set() it. */
gboolean vm_config_set_assignment(vm_config_t *cfg, const char *assignment,
				  GError **error);

/*
 * Cross-key checks after all overrides: memory a multiple of page_size, TLB
 * geometry (entries a multiple of ways), mmu.bits and page_size fitting in
 * 64-bit addresses, at least a few frames, ...
 */
gboolean vm_config_validate(const vm_config_t *cfg, GError **error);

/* Number of keys, and the dotted name of key @i, in docs/profiles.md order. */
unsigned vm_config_nr_keys(void);
const char *vm_config_key_name(unsigned i);
/* Key @i's value as text, as an .ini file or -s would spell it ("4K", "80us",
 * "9,9,9,9", "true", "auto").  Returns a newly allocated string. */
char *vm_config_format_value(const vm_config_t *cfg, unsigned i);
/* TRUE when key @i is numeric (JSON prints it without quotes). */
gboolean vm_config_key_is_number(unsigned i);
/* Key @i's value as a number (bytes, ns, count; booleans 0/1; -1 for auto). */
int64_t vm_config_number_value(const vm_config_t *cfg, unsigned i);

/*
 * The whole profile as an .ini document that vm_config_load() reads back to
 * the same profile.  Key "a.b.c" lives in group [a] as "b.c"; top-level keys
 * ("page_size", "memory", "cpus") in [machine].
 */
char *vm_config_to_ini(const vm_config_t *cfg);

/* Index of dotted @key (e.g. "tlb.l1.entries"), or -1 when there is none. */
int vm_config_key_lookup(const char *key);
/* TRUE when key @i is a boolean: vm_config_key_is_number() is TRUE for it
 * too (0/1), but JSON may prefer to print true/false. */
gboolean vm_config_key_is_bool(unsigned i);
/* Whether key @i belongs in dumps of @cfg (the profile in `run -f json`,
 * vm_config_to_ini): every key but those that matter only with cpus > 1,
 * which are listed when cpus > 1 or when set away from their default. */
gboolean vm_config_key_shown(const vm_config_t *cfg, unsigned i);

/*
 * Linux's zone watermarks in pages for this profile, one zone holding all
 * frames (mm/page_alloc.c __setup_per_zone_wmarks):
 *   min  = reclaim.watermark_min, or when it is auto, min_free_kbytes =
 *          int_sqrt(memory_KiB * 16) clamped to [128, 262144] KiB as
 *          calculate_min_free_kbytes() does, converted to pages;
 *   low  = min + max(min / 4, frames * watermark_scale_factor / 10000),
 *          with watermark_scale_factor 10;
 *   high = low + the same step.
 * With reclaim.watermark_min=0 all three are 0 (docs/profiles.md's textbook
 * setting).  Any of @min, @low, @high may be NULL.
 */
void vm_config_watermarks(const vm_config_t *cfg, uint64_t *min,
			  uint64_t *low, uint64_t *high);

#endif
