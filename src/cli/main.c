/* migflow: the command-line program. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "flee_cli.h"

static void usage(FILE *out)
{
	fprintf(out,
		"migflow %s - migration-flow simulation engine\n"
		"(Central Sahel - Libya - Central Mediterranean)\n\n"
		"usage:\n"
		"  migflow run SCENARIO [-o FILE] [--seed N] [--days N] [--threads N]\n"
		"              [--replicate K | --replicates N | --posterior POST.h5 --draws N]\n"
		"              [--agent-scale N] [--force]\n"
		"              [--quiet] [--summary-json FILE]\n"
		"  migflow check SCENARIO [--resolved]\n"
		"  migflow calibrate SCENARIO [--targets FILE] [-o OUT.yaml] [--replicates N]\n"
		"              [--max-evals N] [--seed N] [--agent-scale N]\n"
		"  migflow posterior SCENARIO [--targets FILE] [-o POST.h5] [--budget N] [--particles N]\n"
		"              [--agent-scale N] [--seed N] [--threads N] [--force] [--quiet]\n"
		"  migflow posterior --summary POST.h5\n"
		"  migflow hindcast HINDCAST.yaml --persistence BASELINE.yaml --targets FILE\n"
		"              [--replicates N | --posterior POST.h5 --draws N] [--agent-scale N]\n"
		"              [--seed N] [--threads N] [--json FILE] [--quiet]\n"
		"  migflow sensitivity SCENARIO -o SA.h5 [--targets FILE] [--indicators NAME,...]\n"
		"              [--base-samples N] [--replicates R] [--agent-scale N] [--seed N]\n"
		"              [--threads N] [--resamples N] [--force] [--quiet]\n"
		"  migflow batch BATCH.yaml [-o OUT.h5] [--force] [--quiet] [--threads N]\n"
		"  migflow compare BASE.h5 ALT.h5 [--from DATE] [--to DATE] [--json FILE] [--png FILE]\n"
		"  migflow report BASE.h5 ALT.h5 [ALT2.h5 ...] [-o FILE] [--force]\n"
		"  migflow indicators [--json]\n"
		"  migflow flee DIR [-o FILE] [--seed N] [--replicates N] [--days N] [--threads N]\n"
		"              [--hasten N] [--strict] [--force] [--quiet]\n"
		"  migflow validate RUN.h5 [RUN.h5 ...] DIR [--no-store] [--quiet]\n"
		"  migflow --help\n"
		"  migflow --version\n\n"
		"commands:\n"
		"  run       simulate a scenario and write its results to an HDF5 file\n"
		"  check     validate a scenario without running it; summarise or resolve it\n"
		"  batch     run scenarios x a parameter sweep x replicates into one HDF5 file\n"
		"  compare   the key indicators of two runs, their difference and its interval\n"
		"  report    a briefing page (self-contained HTML) on a baseline and alternatives\n"
		"  indicators the indicators runs are reported in: names, units, definitions\n"
		"  calibrate fit a scenario's free parameters to observed targets\n"
		"  posterior the posterior of a scenario's free parameters (ABC-SMC), resumable\n"
		"  hindcast  score a hindcast against validation targets beside persistence (skill)\n"
		"  sensitivity Sobol indices of a scenario's free parameters on targets\n"
		"  flee      run a FLEE instance (input_csv/, source_data/, simsetting.yml)\n"
		"  validate  FLEE's averaged relative difference of a run against UNHCR data\n\n"
		"Run 'migflow COMMAND --help' for the options of a command.\n",
		MF_VERSION);
}

int main(int argc, char **argv)
{
	mf_output_program_init();
	if (argc < 2) {
		usage(stderr);
		return EXIT_USAGE;
	}
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
	    strcmp(argv[1], "help") == 0) {
		usage(stdout);
		return EXIT_OK;
	}
	if (strcmp(argv[1], "--version") == 0) {
		printf("migflow %s\n", MF_VERSION);
		return EXIT_OK;
	}
	if (strcmp(argv[1], "run") == 0)
		return mf_cli_run(argc - 1, argv + 1);
	if (strcmp(argv[1], "check") == 0)
		return mf_cli_check(argc - 1, argv + 1);
	if (strcmp(argv[1], "batch") == 0)
		return mf_cli_batch(argc - 1, argv + 1);
	if (strcmp(argv[1], "compare") == 0)
		return mf_cli_compare(argc - 1, argv + 1);
	if (strcmp(argv[1], "report") == 0)
		return mf_cli_report(argc - 1, argv + 1);
	if (strcmp(argv[1], "indicators") == 0)
		return mf_cli_indicators(argc - 1, argv + 1);
	if (strcmp(argv[1], "calibrate") == 0)
		return mf_cli_calibrate(argc - 1, argv + 1);
	if (strcmp(argv[1], "posterior") == 0)
		return mf_cli_posterior(argc - 1, argv + 1);
	if (strcmp(argv[1], "hindcast") == 0)
		return mf_cli_hindcast(argc - 1, argv + 1);
	if (strcmp(argv[1], "sensitivity") == 0)
		return mf_cli_sensitivity(argc - 1, argv + 1);
	if (strcmp(argv[1], "flee") == 0)
		return mf_cli_flee(argc - 1, argv + 1);
	if (strcmp(argv[1], "validate") == 0)
		return mf_cli_validate(argc - 1, argv + 1);
	fprintf(stderr, "migflow: error: unknown command '%s'\n\n", argv[1]);
	usage(stderr);
	return EXIT_USAGE;
}

void mf_cli_print_error(const struct mf_error *err)
{
	char text[1024];
	fprintf(stderr, "migflow: error: %s\n", mf_error_format(err, text, sizeof(text)));
}

void mf_cli_json_string(FILE *out, const char *text)
{
	fputc('"', out);
	for (const char *p = text; *p; p++) {
		if (*p == '"' || *p == '\\')
			fprintf(out, "\\%c", *p);
		else if ((unsigned char)*p < 0x20)
			fprintf(out, "\\u%04x", *p);
		else
			fputc(*p, out);
	}
	fputc('"', out);
}

const char *mf_cli_persons(double value, bool sign, char *out, size_t size)
{
	if (!isfinite(value)) {
		snprintf(out, size, "%s", isnan(value) ? "n/a" : value > 0 ? "inf" : "-inf");
		return out;
	}
	double rounded = round(value);
	char digits[32];
	snprintf(digits, sizeof(digits), "%.0f", fabs(rounded));
	char text[48];
	size_t n = strlen(digits), k = 0;
	if (rounded < 0)
		text[k++] = '-';
	else if (sign)
		text[k++] = '+';
	for (size_t i = 0; i < n; i++) {
		if (i > 0 && (n - i) % 3 == 0)
			text[k++] = ',';
		text[k++] = digits[i];
	}
	text[k] = '\0';
	snprintf(out, size, "%s", text);
	return out;
}

enum mf_status mf_cli_parse_date(const char *option, const char *text, int *day,
				  struct mf_error *err)
{
	if (!mf_date_parse(text, day))
		return mf_error_set(err, MF_ERR_INPUT, "%s: expected a date YYYY-MM-DD, got '%s'",
				    option, text);
	return MF_OK;
}

struct mf_targets *mf_cli_load_targets(const char *given, const struct mf_scenario *s,
				       struct mf_error *err)
{
	const char *path = given ? given : s->targets_path;
	if (!path[0]) {
		mf_error_at(err, s->path, 1, 1, "targets",
			    "no targets: give --targets FILE or a `targets:` key in the scenario");
		return NULL;
	}
	return mf_targets_load(path, s, err);
}

void mf_cli_default_output(const char *input, char *out, size_t size)
{
	const char *base = strrchr(input, '/');
	base = base ? base + 1 : input;
	size_t n = strcspn(base, ".");
	snprintf(out, size, "%.*s.h5", (int)(n ? n : strlen(base)), base);
}
