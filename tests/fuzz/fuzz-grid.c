/*
 * Fuzz harness: the batch grid parser (sim/batch.c vm_grid_parse, called
 * as `vmscope batch GRID` calls it, profile checked), then every way a
 * cell is named and set up.  Oracle: each cell's overrides, which the grid
 * parser accepted, are accepted by the profile they apply to (a profile's
 * cross-key check may still refuse a combination).  Grids that mention
 * `host` are skipped: that profile runs the host probes.
 */
#include <config.h>
#include <string.h>
#include "tests/fuzz/fuzz.h"
#include "sim/batch.h"
#include "sim/config.h"

static void cell(const vm_grid_t *g, unsigned k)
{
	char **o = vm_grid_cell_overrides(g, k);
	char *trace = vm_grid_cell_trace(g, k);
	char *label = vm_grid_cell_label(g, k);
	char *id = vm_grid_cell_identity(g, k);
	char *prof = vm_grid_profile_path(g);
	unsigned *idx = g_new0(unsigned, 1 + g->axes->len);
	vm_config_t cfg;
	GError *err = NULL;

	vm_grid_cell_index(g, k, idx);
	if (prof == NULL || vm_config_load(&cfg, prof, NULL)) {
		if (prof == NULL)
			vm_config_default(&cfg);
		for (char **s = o; *s; s++)
			if (!vm_config_set_assignment(&cfg, *s, &err))
				fz_fail("cell %u: the grid accepted '%s', the profile "
					"does not: %s", k, *s, err->message);
	}
	g_strfreev(o);
	g_free(trace);
	g_free(label);
	g_free(id);
	g_free(prof);
	g_free(idx);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text, *name;
	vm_grid_t *g;
	GError *err = NULL;

	fz_init();
	if (size > FZ_MAX_INPUT || memmem(data, size, "host", 4) != NULL)
		return 0;
	text = g_strndup((const char *)data, size);
	/* relative traces and profiles resolve in the empty directory */
	name = g_build_filename(fz_dir(), "fuzz-grid.ini", NULL);
	g = vm_grid_parse(name, text, TRUE, &err);
	if (g && g->nr_cells > 0) {
		char *h = vm_grid_header(g);
		g_free(h);
		cell(g, 0);
		cell(g, g->nr_cells / 2);
		cell(g, g->nr_cells - 1);
	}
	if (g)
		vm_grid_free(g);
	g_clear_error(&err);
	g_free(name);
	g_free(text);
	return 0;
}
