/* migflow compare: the key indicators of two runs side by side, their
 * difference and, when both runs have replicates, a 90 % interval of the
 * difference (replicate k of one paired with replicate k of the other; the
 * 5th and 95th percentiles of the paired differences, interpolated as
 * numpy does by default). Reads run files, or members of a batch file given
 * as BATCH.h5#MEMBER. */
#include <errno.h>
#include <math.h>
#include <spawn.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli.h"

#ifndef MF_SCRIPTS_DIR
#define MF_SCRIPTS_DIR "scripts"
#endif
#define PYTHON "/usr/bin/python3"

extern char **environ;

struct compare_args {
	const char *base, *alt, *png, *json, *from, *to, *country;
	bool country_given;
};

static void compare_usage(FILE *out)
{
	fprintf(out,
		"usage: migflow compare BASE.h5 ALT.h5 [--from DATE] [--to DATE] [--country NAME]\n"
		"                       [--json FILE] [--png FILE]\n\n"
		"Compares the key indicators of two runs: monitoring passes by direction, arrivals\n"
		"at the destination, deaths, interceptions and expulsions (summed over the window),\n"
		"displaced persons present and persons present in a country (default Libya) at the\n"
		"end of the window. Gives both values (means over replicates), ALT - BASE and, when\n"
		"both runs have replicates, the 5th-95th percentile interval of ALT - BASE with\n"
		"replicate k paired with replicate k. A batch member is given as BATCH.h5#MEMBER.\n\n"
		"options:\n"
		"  --from DATE, --to DATE  the window, YYYY-MM-DD, inclusive (default: the days\n"
		"                          both runs cover)\n"
		"  --country NAME          country whose persons present are counted (default Libya)\n"
		"  --json FILE             also write the table as JSON\n"
		"  --png FILE              also plot the runs with scripts/plot_compare.py\n"
		"  -h, --help              this help\n");
}

/* Returns -1 when the comparison goes on, otherwise its exit code. */
static int parse_args(int argc, char **argv, struct compare_args *args)
{
	*args = (struct compare_args){.country = "Libya"};
	const struct mf_cli_option options[] = {
		MF_OPT_TEXT("--from", &args->from),
		MF_OPT_TEXT("--to", &args->to),
		MF_OPT_TEXT("--png", &args->png),
		MF_OPT_TEXT("--json", &args->json),
		{.name = "--country", .kind = MF_CLI_TEXT, .value = &args->country,
		 .given = &args->country_given},
	};
	const char *runs[2] = {NULL, NULL};
	const struct mf_cli_command command = {
		.name = "compare", .usage = compare_usage,
		.options = options, .n_options = sizeof(options) / sizeof(*options),
		.positional = runs, .max_positional = 2, .too_many = "two runs",
	};
	int code = mf_cli_parse_options(&command, argc, argv);
	if (code >= 0)
		return code;
	args->base = runs[0];
	args->alt = runs[1];
	if (!args->alt)
		return mf_cli_usage_error(&command, "give two runs, BASE.h5 and ALT.h5");
	return -1;
}

/* --- the table --------------------------------------------------------------------- */

static void describe(FILE *out, const char *role, const struct mf_compare_run *run)
{
	fprintf(out, "  %-5s %s: scenario '%s', ", role, run->given, run->scenario_name);
	if (run->replicates)
		fprintf(out, "%d replicate%s\n", run->replicates, run->replicates == 1 ? "" : "s");
	else
		fprintf(out, "one run (no replicates)\n");
}

static void print_table(FILE *out, const struct mf_compare_run *base, const struct mf_compare_run *alt,
			const struct mf_compare *cmp)
{
	const struct mf_compare_row *rows = cmp->rows;
	int from = cmp->from, to = cmp->to, paired = cmp->paired;
	char first[11], last[11];
	mf_date_format(from, first);
	mf_date_format(to, last);
	fprintf(out, "migflow compare\n");
	describe(out, "base", base);
	describe(out, "alt", alt);
	fprintf(out, "  window %s to %s (%d days): flows summed over it, stocks on its last day%s\n\n",
		first, last, to - from + 1, base->replicates || alt->replicates
		? "; values are means over replicates" : "");
	fprintf(out, "  %-34s %14s %14s %14s   %s\n", "indicator", "base", "alt", "alt - base",
		"90 % interval of alt - base");
	for (int k = 0; k < MF_COMPARE_COUNT; k++) {
		const struct mf_compare_row *row = &rows[k];
		char a[32], b[32], d[32], lo[32], hi[32];
		fprintf(out, "  %-34s %14s %14s %14s   ", row->label,
			mf_cli_persons(row->base, false, a, sizeof(a)),
			mf_cli_persons(row->alt, false, b, sizeof(b)),
			mf_cli_persons(row->difference, true, d, sizeof(d)));
		if (row->has_interval)
			fprintf(out, "[%s, %s]\n", mf_cli_persons(row->p05, true, lo, sizeof(lo)),
				mf_cli_persons(row->p95, true, hi, sizeof(hi)));
		else
			fprintf(out, "n/a\n");
	}
	if (base->n_destinations > 1)
		fprintf(out, "\n  destinations (places of kind destination): %s\n", base->destination);
	if (cmp->under_posterior)
		fprintf(out, "\n  replicate k of both runs has the same parameters, drawn from a posterior, and the\n"
			"  same seed: the intervals hold parameter and stochastic uncertainty together\n");
	else if (paired > 0 && (base->drawn || alt->drawn))
		fprintf(out, "\n  note: the runs' replicates do not share their parameters (only one ran under a\n"
			"  posterior, or under another posterior or seed): the pairs are not like for like\n");
	if (paired > 0 && (base->replicates != paired || alt->replicates != paired))
		fprintf(out, "\n  intervals pair the first %d replicates of each run\n", paired);
	else if (paired == 0)
		fprintf(out, "\n  intervals need replicates in both runs (migflow run --replicates N)\n");
}

static void json_string(FILE *out, const char *text)
{
	fputc('"', out);
	for (const unsigned char *c = (const unsigned char *)text; *c; c++) {
		if (*c == '"' || *c == '\\')
			fprintf(out, "\\%c", *c);
		else if (*c < 0x20)
			fprintf(out, "\\u%04x", *c);
		else
			fputc(*c, out);
	}
	fputc('"', out);
}

static int write_json(const char *path, const struct mf_compare_run *base, const struct mf_compare_run *alt,
		      const struct mf_compare *cmp, const char *country)
{
	const struct mf_compare_row *rows = cmp->rows;
	int from = cmp->from, to = cmp->to, paired = cmp->paired;
	FILE *out = fopen(path, "w");
	if (!out)
		return -1;
	char first[11], last[11];
	mf_date_format(from, first);
	mf_date_format(to, last);
	fprintf(out, "{\n  \"base\": ");
	json_string(out, base->given);
	fprintf(out, ",\n  \"alt\": ");
	json_string(out, alt->given);
	fprintf(out, ",\n  \"from\": \"%s\",\n  \"to\": \"%s\",\n  \"days\": %d,\n  \"country\": ",
		first, last, to - from + 1);
	json_string(out, country);
	fprintf(out, ",\n  \"base_replicates\": %d,\n  \"alt_replicates\": %d,\n"
		"  \"paired_replicates\": %d,\n  \"under_posterior\": %s,\n  \"indicators\": [\n",
		base->replicates, alt->replicates, paired,
		cmp->under_posterior ? "true" : "false");
	for (int k = 0; k < MF_COMPARE_COUNT; k++) {
		const struct mf_compare_row *row = &rows[k];
		fprintf(out, "    {\"name\": \"%s\", \"label\": ", mf_compare_key((enum mf_compare_indicator)k));
		json_string(out, row->label);
		fprintf(out, ", \"base\": %.17g, \"alt\": %.17g, \"difference\": %.17g, ", row->base,
			row->alt, row->difference);
		if (row->has_interval)
			fprintf(out, "\"p05\": %.17g, \"p95\": %.17g}", row->p05, row->p95);
		else
			fprintf(out, "\"p05\": null, \"p95\": null}");
		fprintf(out, "%s\n", k + 1 < MF_COMPARE_COUNT ? "," : "");
	}
	fprintf(out, "  ]\n}\n");
	return fclose(out) == 0 ? 0 : -1;
}

/* --- the plot ---------------------------------------------------------------------- */

static enum mf_status plot(const struct compare_args *args, struct mf_error *err)
{
	char script[1200];
	const char *override = getenv("MIGFLOW_PLOT_COMPARE");
	if (override && *override)
		snprintf(script, sizeof(script), "%s", override);
	else
		snprintf(script, sizeof(script), "%s/plot_compare.py", MF_SCRIPTS_DIR);
	if (access(script, R_OK) < 0)
		return mf_error_set(err, MF_ERR_IO,
				    "--png needs the plot script %s, which is not there (%s); set "
				    "MIGFLOW_PLOT_COMPARE to its path", script, strerror(errno));
	if (access(PYTHON, X_OK) < 0)
		return mf_error_set(err, MF_ERR_IO, "--png needs %s (Debian's python3 with "
				    "python3-matplotlib and python3-xarray): %s", PYTHON, strerror(errno));
	char *argv[12];
	int n = 0;
	argv[n++] = (char *)PYTHON;
	argv[n++] = script;
	argv[n++] = (char *)args->base;
	argv[n++] = (char *)args->alt;
	argv[n++] = (char *)"-o";
	argv[n++] = (char *)args->png;
	if (args->from) {
		argv[n++] = (char *)"--from";
		argv[n++] = (char *)args->from;
	}
	if (args->to) {
		argv[n++] = (char *)"--to";
		argv[n++] = (char *)args->to;
	}
	argv[n] = NULL;
	/* The script imports the migflow package: this checkout's python/
	 * first (an installed package is on python3's path anyway). */
	const char *inherited = getenv("PYTHONPATH");
	char python_path[4200];
	snprintf(python_path, sizeof(python_path), "%s%s%s", MF_PYTHON_DIR,
		 inherited && *inherited ? ":" : "", inherited ? inherited : "");
	if (setenv("PYTHONPATH", python_path, 1) < 0)
		return mf_error_set(err, MF_ERR_IO, "cannot set PYTHONPATH: %s", strerror(errno));
	fflush(stdout);
	pid_t child;
	int spawned = posix_spawn(&child, PYTHON, NULL, NULL, argv, environ);
	if (spawned != 0)
		return mf_error_set(err, MF_ERR_IO, "cannot run %s: %s", PYTHON, strerror(spawned));
	int wait_status;
	while (waitpid(child, &wait_status, 0) < 0)
		if (errno != EINTR)
			return mf_error_set(err, MF_ERR_IO, "waiting for %s: %s", script, strerror(errno));
	if (!WIFEXITED(wait_status) || WEXITSTATUS(wait_status) != 0)
		return mf_error_set(err, MF_ERR_IO, "%s failed (%s %d); %s was not written", script,
				    WIFEXITED(wait_status) ? "exit status" : "signal",
				    WIFEXITED(wait_status) ? WEXITSTATUS(wait_status)
							   : WTERMSIG(wait_status), args->png);
	return MF_OK;
}

/* --- the command ------------------------------------------------------------------- */

int mf_cli_compare(int argc, char **argv)
{
	struct compare_args args;
	int code;
	if ((code = parse_args(argc, argv, &args)) >= 0)
		return code;
	struct mf_error err = {0};
	struct mf_compare_run base = {0}, alt = {0};
	enum mf_status status = mf_compare_run_open(&base, args.base, &err);
	if (status == MF_OK)
		status = mf_compare_run_open(&alt, args.alt, &err);
	if (status != MF_OK)
		goto done;
	int from = base.start > alt.start ? base.start : alt.start;
	int base_last = base.start + base.days - 1, alt_last = alt.start + alt.days - 1;
	int to = base_last < alt_last ? base_last : alt_last;
	if ((args.from && (status = mf_cli_parse_date("--from", args.from, &from, &err)) != MF_OK) ||
	    (args.to && (status = mf_cli_parse_date("--to", args.to, &to, &err)) != MF_OK))
		goto done;
	if (from > to) {
		status = mf_error_set(&err, MF_ERR_INPUT, "the window is empty (from after to; or "
				      "the runs share no day)");
		goto done;
	}
	if (args.country_given && !mf_compare_run_has_country(&base, args.country) &&
	    !mf_compare_run_has_country(&alt, args.country)) {
		status = mf_error_set(&err, MF_ERR_INPUT, "--country: no place of either run is in "
				      "'%s'", args.country);
		goto done;
	}
	struct mf_compare cmp;
	if ((status = mf_compare_runs(&base, &alt, from, to, args.country, &cmp, &err)) != MF_OK)
		goto done;
	print_table(stdout, &base, &alt, &cmp);
	if (args.json && write_json(args.json, &base, &alt, &cmp, args.country) < 0) {
		status = mf_error_set(&err, MF_ERR_IO, "cannot write %s: %s", args.json, strerror(errno));
		goto done;
	}
	if (args.png)
		status = plot(&args, &err);
done:
	mf_compare_run_close(&base);
	mf_compare_run_close(&alt);
	if (status != MF_OK)
		mf_cli_print_error(&err);
	return mf_cli_exit_code(status);
}
