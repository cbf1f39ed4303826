/* vmscope record: recording programs.  Not built yet: see the issue that asks for it. */
#include <config.h>
#include "sim/cli.h"

int vm_cmd_record(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	return vm_cli_usage_error("record", "recording programs is not part of this version yet");
}
