/* vmscope convert: converting trace formats.  Not built yet: see the issue that asks for it. */
#include <config.h>
#include "sim/cli.h"

int vm_cmd_convert(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	return vm_cli_usage_error("convert", "converting trace formats is not part of this version yet");
}
