/* vmscope validate: validation against this host.  Not built yet: see the issue that asks for it. */
#include <config.h>
#include "sim/cli.h"

int vm_cmd_validate(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	return vm_cli_usage_error("validate", "validation against this host is not part of this version yet");
}
