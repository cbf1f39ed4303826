/* vmscope batch: running experiment grids.  Not built yet: see the issue that asks for it. */
#include <config.h>
#include "sim/cli.h"

int vm_cmd_batch(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	return vm_cli_usage_error("batch", "running experiment grids is not part of this version yet");
}
