/*
 * What the commands share: exit statuses (vmscope(1)), the options of the
 * replaying commands, and error reporting.  sim/main.c owns the dispatch
 * table; each command that is big enough lives in a file of its own
 * (sim/cmd-*.c, ui/tui.c) and is declared here.
 */
#ifndef VM_CLI_H
#define VM_CLI_H

#include <glib.h>
#include "sim/stats.h"

enum { EXIT_OK = 0, EXIT_USAGE = 1, EXIT_INTERNAL = 2, EXIT_EXPECT = 3 };

/* The replaying commands' options (-p, -s, -f, --timeline, -q, --check),
 * set by vm_cli_parse_options when @replay is TRUE. */
extern char *vm_cli_profile;
extern char **vm_cli_sets;
extern char *vm_cli_format;
extern char *vm_cli_timeline;
extern gboolean vm_cli_quiet;
extern gboolean vm_cli_check;

/* Print "vmscope CMD: message" on stderr; returns EXIT_USAGE. */
int vm_cli_usage_error(const char *cmd, const char *fmt, ...) G_GNUC_PRINTF(2, 3);
/* Print @err's message (already "FILE:LINE:COL: ..." for input errors),
 * free it, and return the exit status it calls for. */
int vm_cli_report(GError *err);
/* Parse the options of command @cmd (usage "vmscope CMD ARGS", --help from
 * @summary and the entries); @replay adds the replaying options, @extra the
 * command's own (may be NULL).  On failure prints why, sets *status. */
gboolean vm_cli_parse_options(const char *cmd, const char *args,
			      const char *summary, GOptionEntry *extra,
			      gboolean replay, int *argc, char ***argv,
			      int *status);
/* -f: text, json or csv. */
gboolean vm_cli_parse_format(vm_format_t *fmt, int *status, const char *cmd);

/* Commands in their own files. */
int vm_cmd_tui(int argc, char **argv);        /* ui/tui.c */
int vm_cmd_batch(int argc, char **argv);      /* sim/cmd-batch.c */
int vm_cmd_validate(int argc, char **argv);   /* sim/cmd-validate.c */
int vm_cmd_record(int argc, char **argv);     /* sim/cmd-record.c */
int vm_cmd_convert(int argc, char **argv);    /* sim/cmd-convert.c */

#endif
