/* migflow report BASE.h5 ALT.h5 [ALT2.h5 ...] -o brief.html: the briefing
 * page (report.h). The page is written to a temporary file beside the
 * output and renamed over it when complete. */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "report.h"

#define MAX_RUNS 8

struct report_args {
	const char *output, *from, *to, *country, *title;
	const char *runs[MAX_RUNS];
	int n_runs;
	bool force, country_given;
};

static void report_usage(FILE *out)
{
	fprintf(out,
		"usage: migflow report BASE.h5 ALT.h5 [ALT2.h5 ...] [-o FILE] [--force]\n"
		"                      [--from DATE] [--to DATE] [--country NAME] [--title TEXT]\n\n"
		"Writes a briefing page, one self-contained HTML file (no network access; printable):\n"
		"the scenarios' stories and events, the headline indicators of migflow compare with\n"
		"their intervals (posterior intervals for runs under a posterior), their time series\n"
		"with 5-95 %% bands, a map of the change in link flows, the baseline's calibration\n"
		"fit and the sources. A batch member is given as BATCH.h5#MEMBER (up to %d runs).\n\n"
		"options:\n"
		"  -o FILE                 the page (default brief.html); an existing file is refused\n"
		"  --force                 overwrite an existing page\n"
		"  --from DATE, --to DATE  the window, YYYY-MM-DD, inclusive (default: the days\n"
		"                          all runs cover)\n"
		"  --country NAME          country whose persons present are counted (default Libya)\n"
		"  --title TEXT            the page's title\n"
		"  -h, --help              this help\n", MAX_RUNS);
}

/* Returns -1 when the report goes on, otherwise its exit code. */
static int parse_args(int argc, char **argv, struct report_args *args)
{
	*args = (struct report_args){.country = "Libya", .output = "brief.html"};
	const struct mf_cli_option options[] = {
		MF_OPT_FLAG("--force", &args->force),
		MF_OPT_OUTPUT(&args->output),
		MF_OPT_TEXT("--from", &args->from),
		MF_OPT_TEXT("--to", &args->to),
		{.name = "--country", .kind = MF_CLI_TEXT, .value = &args->country,
		 .given = &args->country_given},
		MF_OPT_TEXT("--title", &args->title),
	};
	char too_many[32];
	snprintf(too_many, sizeof(too_many), "at most %d runs", MAX_RUNS);
	const struct mf_cli_command command = {
		.name = "report", .usage = report_usage,
		.options = options, .n_options = sizeof(options) / sizeof(*options),
		.positional = args->runs, .max_positional = MAX_RUNS, .n_positional = &args->n_runs,
		.too_many = too_many,
	};
	int code = mf_cli_parse_options(&command, argc, argv);
	if (code < 0 && args->n_runs < 2)
		code = mf_cli_usage_error(&command, "give a baseline and at least one alternative, "
					  "BASE.h5 ALT.h5 [ALT2.h5 ...]");
	return code;
}

/* The page into a temporary file beside path, renamed over it when
 * written and synced; nothing is left behind on failure. */
static enum mf_status write_page(const char *path, const struct report *report,
				 struct mf_error *err)
{
	size_t length = strlen(path);
	char *temporary = malloc(length + 16);
	if (!temporary)
		return mf_error_set(err, MF_ERR_NOMEM, "out of memory");
	snprintf(temporary, length + 16, "%s.partialXXXXXX", path);
	int fd = mkstemp(temporary);
	if (fd < 0) {
		enum mf_status status = mf_error_set(err, MF_ERR_IO, "cannot write %s: %s", path,
						     strerror(errno));
		free(temporary);
		return status;
	}
	mode_t mask = umask(0);
	umask(mask);
	int reason = 0;
	FILE *out = fdopen(fd, "w");
	if (!out) {
		reason = errno;
		close(fd);
		goto fail;
	}
	errno = 0;
	if (fchmod(fd, 0666 & ~mask) != 0) {
		reason = errno;
		fclose(out);
		goto fail;
	}
	report_html_write(out, report);
	if (fflush(out) != 0 || ferror(out) || fsync(fd) != 0) {
		reason = errno ? errno : EIO;
		fclose(out);
		goto fail;
	}
	if (fclose(out) != 0 || rename(temporary, path) != 0) {
		reason = errno;
		goto fail;
	}
	free(temporary);
	return MF_OK;
fail:
	unlink(temporary);
	free(temporary);
	return mf_error_set(err, MF_ERR_IO, "cannot write %s: %s", path,
			    strerror(reason ? reason : EIO));
}

int mf_cli_report(int argc, char **argv)
{
	struct report_args args;
	int code;
	if ((code = parse_args(argc, argv, &args)) >= 0)
		return code;
	struct mf_error err = {0};
	struct report report = {0};
	report.title = args.title;
	enum mf_status status = MF_OK;
	int from = REPORT_DEFAULT_DAY, to = REPORT_DEFAULT_DAY;
	struct stat info;
	if (stat(args.output, &info) == 0 && S_ISDIR(info.st_mode)) {
		status = mf_error_set(&err, MF_ERR_IO, "cannot write %s: Is a directory", args.output);
		goto done;
	}
	if (!args.force && access(args.output, F_OK) == 0) {
		status = mf_error_set(&err, MF_ERR_EXISTS, "output file %s exists; use --force to "
				      "overwrite it or -o to choose another", args.output);
		goto done;
	}
	if ((args.from && (status = mf_cli_parse_date("--from", args.from, &from, &err)) != MF_OK) ||
	    (args.to && (status = mf_cli_parse_date("--to", args.to, &to, &err)) != MF_OK))
		goto done;
	status = report_load(&report, args.n_runs, (char **)args.runs, from, to, args.country, &err);
	if (status != MF_OK)
		goto done;
	bool known = false;
	for (int i = 0; i < report.n_runs; i++)
		known = known || mf_compare_run_has_country(&report.runs[i].run, args.country);
	if (!known && args.country_given) {
		status = mf_error_set(&err, MF_ERR_INPUT, "--country: no place of any run is in '%s'",
				      args.country);
		goto done;
	}
	status = write_page(args.output, &report, &err);
done:
	report_free(&report);
	if (status != MF_OK)
		mf_cli_print_error(&err);
	return mf_cli_exit_code(status);
}
