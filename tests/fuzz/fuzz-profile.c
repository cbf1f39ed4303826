/*
 * Fuzz harness: the profile parser (sim/config.c) through the entry points
 * of -p FILE (vm_config_load) and -s KEY=VALUE (vm_config_set_assignment),
 * with round trips as oracles (tests/fuzz/fuzz.h):
 *   - a profile that loads, dumped with vm_config_to_ini, loads again to
 *     the same dump;
 *   - every key's value as vm_config_format_value spells it is accepted by
 *     vm_config_set.
 * The input is read both as an .ini file and as one -s assignment a line.
 */
#include <config.h>
#include <string.h>
#include "tests/fuzz/fuzz.h"
#include "sim/config.h"

static void roundtrip(const vm_config_t *cfg)
{
	char *ini = vm_config_to_ini(cfg);
	char *path = fz_write("dump.ini", ini, strlen(ini));
	vm_config_t again = *cfg;
	GError *err = NULL;
	char *ini2;

	if (!vm_config_load(&again, path, &err))
		fz_fail("a dumped profile does not load: %s\n%s", err->message, ini);
	ini2 = vm_config_to_ini(&again);
	if (strcmp(ini, ini2) != 0)
		fz_fail("a dumped profile loads as another:\n%s\n----\n%s", ini, ini2);
	for (unsigned i = 0; i < vm_config_nr_keys(); i++) {
		char *v = vm_config_format_value(cfg, i);
		if (!vm_config_set(&again, vm_config_key_name(i), v, &err))
			fz_fail("%s=%s, as it is printed, is refused: %s",
				vm_config_key_name(i), v, err->message);
		g_free(v);
	}
	if (vm_config_validate(cfg, NULL)) {
		uint64_t lo, mid, hi;
		vm_config_watermarks(cfg, &lo, &mid, &hi);
		if (lo > mid || mid > hi)
			fz_fail("watermarks out of order: %" G_GUINT64_FORMAT " %"
				G_GUINT64_FORMAT " %" G_GUINT64_FORMAT, lo, mid, hi);
	}
	g_free(ini);
	g_free(ini2);
	g_free(path);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	vm_config_t cfg;
	char *text, *path, **lines;
	GError *err = NULL;

	fz_init();
	if (size > FZ_MAX_INPUT)
		return 0;
	/* -p FILE */
	path = fz_write("fuzz.ini", data, size);
	if (vm_config_load(&cfg, path, &err))
		roundtrip(&cfg);
	g_clear_error(&err);
	g_free(path);

	/* -s KEY=VALUE, one a line, on top of default */
	text = g_strndup((const char *)data, size);
	lines = g_strsplit(text, "\n", 257);
	vm_config_default(&cfg);
	for (unsigned i = 0; lines[i] && i < 256; i++) {
		vm_config_set_assignment(&cfg, lines[i], &err);
		g_clear_error(&err);
	}
	roundtrip(&cfg);
	g_strfreev(lines);
	g_free(text);
	fz_clean();
	return 0;
}
