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

static int parse_args(int argc, char **argv, struct report_args *args, int *exit_code)
{
	memset(args, 0, sizeof(*args));
	args->country = "Libya";
	args->output = "brief.html";
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		const char *value = i + 1 < argc ? argv[i + 1] : NULL;
		const char **target = NULL;
		if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
			report_usage(stdout);
			*exit_code = EXIT_OK;
			return -1;
		} else if (strcmp(a, "--force") == 0) {
			args->force = true;
		} else if (strcmp(a, "-o") == 0 || strcmp(a, "--output") == 0) {
			target = &args->output;
		} else if (strcmp(a, "--from") == 0) {
			target = &args->from;
		} else if (strcmp(a, "--to") == 0) {
			target = &args->to;
		} else if (strcmp(a, "--country") == 0) {
			target = &args->country;
		} else if (strcmp(a, "--title") == 0) {
			target = &args->title;
		} else if (a[0] == '-') {
			fprintf(stderr, "migflow report: error: unknown option '%s'\n", a);
			goto usage;
		} else if (args->n_runs < MAX_RUNS) {
			args->runs[args->n_runs++] = a;
		} else {
			fprintf(stderr, "migflow report: error: at most %d runs\n", MAX_RUNS);
			goto usage;
		}
		if (target) {
			if (!value || !*value) {
				fprintf(stderr, "migflow report: error: option '%s' needs a value\n", a);
				goto usage;
			}
			*target = value;
			args->country_given = args->country_given || target == &args->country;
			i++;
		}
	}
	if (args->n_runs < 2) {
		fprintf(stderr, "migflow report: error: give a baseline and at least one alternative, "
			"BASE.h5 ALT.h5 [ALT2.h5 ...]\n");
		goto usage;
	}
	return 0;
usage:
	report_usage(stderr);
	*exit_code = EXIT_USAGE;
	return -1;
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
	if (parse_args(argc, argv, &args, &code) < 0)
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
