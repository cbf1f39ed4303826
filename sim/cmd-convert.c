/*
 * vmscope convert: between .vmt, .vmtb and Valgrind Lackey output.
 *
 *   vmscope convert [-o OUT] [--to vmt|vmtb] [--no-instr] [--sample N] IN [OUT]
 *
 * The input's format is read from its content (traces/vmt.c reads .vmt and
 * .vmtb; Lackey output is recognised by its first bytes).  The output's is
 * --to, else OUT's extension (.vmtb is binary, anything else text), and
 * text on standard output when there is no OUT.  A .vmt read is checked for
 * syntax as it is converted; the first error stops the conversion, and the
 * output, written to a temporary file, is removed: never half a trace.
 * Comments and blank lines of a .vmt are not carried over; records are
 * written in vm_vmt_format's spelling, so .vmt -> .vmtb -> .vmt gives the
 * same bytes as .vmt -> .vmt.
 */
#include <config.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>
#include "sim/cli.h"
#include "traces/error.h"
#include "traces/lackey.h"
#include "traces/vmt.h"
#include "traces/writer.h"

static char *opt_out;
static char *opt_to;
static gboolean opt_no_instr;
static gint64 opt_sample;

static GOptionEntry entries[] = {
	{ "output", 'o', 0, G_OPTION_ARG_FILENAME, &opt_out,
	  "write to OUT ('-': standard output)", "OUT" },
	{ "to", 't', 0, G_OPTION_ARG_STRING, &opt_to,
	  "output format: vmt or vmtb (default: from OUT's name)", "FORMAT" },
	{ "no-instr", 0, 0, G_OPTION_ARG_NONE, &opt_no_instr,
	  "Lackey: drop instruction fetches", NULL },
	{ "sample", 0, 0, G_OPTION_ARG_INT64, &opt_sample,
	  "Lackey: keep one access in N", "N" },
	{ NULL, 0, 0, 0, NULL, NULL, NULL },
};

/* Does @path hold Lackey output?  Reads its first bytes. */
static gboolean
is_lackey(const char *path)
{
	char buf[16];
	ssize_t n;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return FALSE;          /* vm_vmt_open reports why */
	n = read(fd, buf, sizeof(buf));
	close(fd);
	return n > 0 && vm_lackey_sniff(buf, (size_t)n);
}

/* Choose the output format: --to, else the name. */
static int
output_binary(const char *out, gboolean *binary)
{
	if (opt_to != NULL) {
		if (strcmp(opt_to, "vmt") == 0)
			*binary = FALSE;
		else if (strcmp(opt_to, "vmtb") == 0)
			*binary = TRUE;
		else
			return vm_cli_usage_error("convert", "unknown format '%s' "
						  "(vmt or vmtb)", opt_to);
		return 0;
	}
	*binary = out != NULL && g_str_has_suffix(out, ".vmtb");
	return 0;
}

/* Copy every record of the .vmt or .vmtb @in to @w. */
static gboolean
copy_trace(const char *in, vm_writer_t *w, uint64_t *n, GError **error)
{
	vm_vmt_reader_t *r = vm_vmt_open(in, error);
	vm_record_t rec;
	gboolean ok;

	if (r == NULL)
		return FALSE;
	*n = 0;
	while ((ok = vm_vmt_next(r, &rec, error)) && vm_writer_put(w, &rec, error))
		(*n)++;
	vm_vmt_close(r);
	/* vm_vmt_next's FALSE without an error is the end. */
	return !ok && (error == NULL || *error == NULL);
}

int
vm_cmd_convert(int argc, char **argv)
{
	int status = 0;
	const char *in, *out;
	gboolean binary = FALSE, ok;
	vm_writer_t *w;
	GError *err = NULL;

	if (!vm_cli_parse_options("convert", "IN [OUT]",
				  "Convert a trace between .vmt (text), .vmtb (binary) and\n"
				  "Valgrind Lackey output (--tool=lackey --trace-mem=yes, with\n"
				  "--trace-syscalls=yes for mappings and files).  IN's format is\n"
				  "read from its content; OUT's is --to, else its name (.vmtb:\n"
				  "binary), else .vmt text.  Without OUT, text goes to standard\n"
				  "output.",
				  entries, FALSE, &argc, &argv, &status))
		return status;
	if (argc < 2 || argc > 3)
		return vm_cli_usage_error("convert", "expected IN [OUT] (see "
					  "'vmscope convert --help')");
	if (argc == 3 && opt_out != NULL)
		return vm_cli_usage_error("convert", "OUT given twice: -o %s and %s",
					  opt_out, argv[2]);
	if (opt_sample < 0)
		return vm_cli_usage_error("convert", "--sample %" G_GINT64_FORMAT
					  ": expected a positive number", opt_sample);
	in = argv[1];
	out = argc == 3 ? argv[2] : opt_out != NULL ? opt_out : "-";
	if ((status = output_binary(strcmp(out, "-") == 0 ? NULL : out, &binary)) != 0)
		return status;
	if (binary && strcmp(out, "-") == 0 && isatty(STDOUT_FILENO))
		return vm_cli_usage_error("convert", "will not write binary .vmtb "
					  "to a terminal: give -o OUT");
	if (strcmp(in, out) == 0 && strcmp(in, "-") != 0)
		return vm_cli_usage_error("convert", "IN and OUT are the same file");

	w = vm_writer_open(out, binary, &err);
	if (w == NULL)
		return vm_cli_report(err);
	if (strcmp(in, "-") != 0 && is_lackey(in)) {
		vm_lackey_opts_t o = { .no_instr = opt_no_instr,
				       .sample = (uint64_t)opt_sample };
		vm_lackey_stats_t st;

		ok = vm_lackey_convert(in, &o, w, &st, &err);
		if (ok && strcmp(out, "-") != 0)
			fprintf(stderr, "vmscope convert: %s: %" G_GUINT64_FORMAT
				" lines, %" G_GUINT64_FORMAT " accesses -> %"
				G_GUINT64_FORMAT " records (%" G_GUINT64_FORMAT
				" accesses, %" G_GUINT64_FORMAT " calls, %u files, %"
				G_GUINT64_FORMAT " implicit mappings)\n", in,
				st.lines, st.accesses_in, vm_writer_count(w),
				st.accesses_out, st.syscalls_out, st.files,
				st.implicit_maps);
	} else {
		uint64_t n;

		if (opt_no_instr || opt_sample != 0) {
			vm_writer_abort(w);
			return vm_cli_usage_error("convert", "--no-instr and --sample "
						  "apply to Lackey input only");
		}
		ok = copy_trace(in, w, &n, &err);
	}
	if (!ok) {
		vm_writer_abort(w);
		return vm_cli_report(err);
	}
	if (!vm_writer_commit(w, &err))
		return vm_cli_report(err);
	return EXIT_OK;
}
