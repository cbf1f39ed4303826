/*
 * Fuzz harness: the .vmt reader (traces/vmt.c), the writers' round trip
 * through .vmt and .vmtb, and a checked replay (tests/fuzz/fuzz.h).
 */
#include <config.h>
#include <string.h>
#include "tests/fuzz/fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text;
	vm_vmt_reader_t *r;
	fz_plan_t plan;

	fz_init();
	if (size > FZ_MAX_INPUT)
		return 0;
	/* NUL-terminated for the engine's memory reader */
	text = g_malloc(size + 1);
	memcpy(text, data, size);
	text[size] = '\0';

	fz_roundtrip("fuzz.vmt", text, size);
	r = vm_vmt_open_memory("fuzz.vmt", text, strlen(text));
	fz_plan(r, &plan);
	vm_vmt_close(r);
	if (plan.replay)
		fz_replay("fuzz.vmt", NULL, text, &plan, NULL);
	fz_plan_free(&plan);
	g_free(text);
	return 0;
}
