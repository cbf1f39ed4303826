/*
 * Fuzz harness: the .vmtb decoder (traces/vmtb.c) through the reader, the
 * writers' round trip, and a checked replay of the file (tests/fuzz/fuzz.h).
 * An input without the .vmtb header gets one, so that mutations reach the
 * records rather than dying on the magic.
 */
#include <config.h>
#include <string.h>
#include "tests/fuzz/fuzz.h"
#include "traces/vmtb.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	GByteArray *b;
	vm_vmt_reader_t *r;
	fz_plan_t plan;
	char *path;

	fz_init();
	if (size > FZ_MAX_INPUT)
		return 0;
	b = g_byte_array_sized_new((guint)size + VM_VMTB_MAGIC_LEN + 1);
	if (size < VM_VMTB_MAGIC_LEN || !vm_vmtb_is_magic(data, size)) {
		g_byte_array_append(b, (const guint8 *)VM_VMTB_MAGIC,
				    VM_VMTB_MAGIC_LEN);
		g_byte_array_append(b, (const guint8 *)"\x01", 1);
	}
	g_byte_array_append(b, data, (guint)size);

	fz_roundtrip("fuzz.vmtb", b->data, b->len);
	r = vm_vmt_open_memory("fuzz.vmtb", (const char *)b->data, b->len);
	fz_plan(r, &plan);
	vm_vmt_close(r);
	if (plan.replay) {
		/* from a file, as `run` reads it (the engine's memory reader
		 * takes NUL-terminated text) */
		path = fz_write("fuzz.vmtb", b->data, b->len);
		fz_replay("fuzz.vmtb", path, NULL, &plan, NULL);
		g_free(path);
		fz_clean();
	}
	fz_plan_free(&plan);
	g_byte_array_free(b, TRUE);
	return 0;
}
