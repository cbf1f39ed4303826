/* vmscope tui: the terminal UI.  Not built yet (issue 5). */
#include <config.h>
#include "sim/cli.h"

int vm_cmd_tui(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	return vm_cli_usage_error("tui", "the terminal UI is not part of this version yet; "
				  "'vmscope explain TRACE' narrates the same replay as text");
}
