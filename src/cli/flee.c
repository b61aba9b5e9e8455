/* migflow flee: run a FLEE instance (one HDF5 file; with --replicates N a
 * replicate dimension, as migflow run writes).
 * migflow validate: FLEE's ARD of runs against the instance's UNHCR data,
 * printed and stored in the run files. */
#include <errno.h>
#include <math.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "flee_cli.h"

#define PATH_SIZE 1024
#define REPLICATES_MAX 1000
#define DEFAULT_SEED 1

/* Set by SIGINT/SIGTERM: the day loop stops and no file is left behind.
 * Signal handlers need a global. */
static volatile sig_atomic_t flee_interrupted;

static void on_signal(int signal_number)
{
	(void)signal_number;
	flee_interrupted = 1;
}

struct flee_args {
	const char *dir, *output;
	bool force, quiet, strict;
	uint64_t seed;
	int replicates, days, threads, hasten;
};

static void flee_usage(FILE *out)
{
	fprintf(out,
		"usage: migflow flee DIR [options]\n\n"
		"Runs the FLEE instance in DIR (input_csv/, source_data/, simsetting.yml) with\n"
		"migflow's FLEE rule set and writes one HDF5 file. Whatever FLEE runs, migflow\n"
		"runs: input that FLEE reads leniently is read the same way with a warning\n"
		"(file:line:column), stored in the file's import_warning table.\n\n"
		"options:\n"
		"  -o, --output FILE     output file (default: the instance's name + .h5)\n"
		"      --seed N          random seed (default %d)\n"
		"      --replicates N    replicates 0 .. N-1 into the one file, with a leading\n"
		"                        replicate dimension and summary_* statistics\n"
		"      --days N          simulate N days instead of sim_period.csv's Length (at\n"
		"                        most the days conflicts.csv covers)\n"
		"      --threads N       OpenMP threads (default: one per 250,000 agents, at\n"
		"                        most OMP_NUM_THREADS or the number of cores)\n"
		"      --hasten N        persons per agent, instead of simsetting.yml's\n"
		"                        optimisations.hasten (1 = full scale)\n"
		"      --strict          refuse what FLEE reads leniently (each warning an error)\n"
		"      --force           overwrite an existing output file\n"
		"      --quiet           no warnings, no per-replicate lines\n"
		"  -h, --help            this help\n\n"
		"Score the runs with: migflow validate FILE... DIR\n",
		DEFAULT_SEED);
}

/* Returns -1 when the run goes on, otherwise its exit code. */
static int flee_parse(int argc, char **argv, struct flee_args *args)
{
	*args = (struct flee_args){.seed = DEFAULT_SEED};
	const struct mf_cli_option options[] = {
		MF_OPT_FLAG("--force", &args->force),
		MF_OPT_FLAG("--quiet", &args->quiet),
		MF_OPT_FLAG("--strict", &args->strict),
		MF_OPT_OUTPUT(&args->output),
		MF_OPT_SEED(&args->seed, NULL),
		MF_OPT_INT("--replicates", &args->replicates, 1, REPLICATES_MAX),
		MF_OPT_INT("--days", &args->days, 1, MF_DAYS_MAX),
		MF_OPT_INT("--threads", &args->threads, 1, 1024),
		MF_OPT_INT("--hasten", &args->hasten, 1, 1000000),
	};
	const struct mf_cli_command command = {
		.name = "flee", .usage = flee_usage,
		.options = options, .n_options = sizeof(options) / sizeof(*options),
		.positional = &args->dir, .max_positional = 1, .too_many = "one instance per run",
	};
	int code = mf_cli_parse_options(&command, argc, argv);
	if (code < 0 && !args->dir)
		code = mf_cli_usage_error(&command, "no instance directory given");
	return code;
}

static int exit_code_of(enum mf_status status)
{
	switch (status) {
	case MF_OK: return EXIT_OK;
	case MF_ERR_INPUT:
	case MF_ERR_EXISTS: return EXIT_INPUT;
	case MF_ERR_CANCELLED: return EXIT_INTERRUPTED;
	default: return EXIT_FAILURE_RUN;
	}
}

static const char *const warning_kinds[] = {
	[MF_FLEE_LENIENT] = "lenient",
	[MF_FLEE_UNUSED] = "unused",
};

static void print_warnings(const struct mf_flee_instance *inst)
{
	for (int i = 0; i < inst->n_warnings; i++) {
		char text[2048];
		mf_flee_warning_format(&inst->warnings[i], text, sizeof(text));
		fprintf(stderr, "migflow flee: warning: %s\n", text);
	}
}

/* The instance's warnings as the table import_warning(import_warning) of
 * the output: kind, file, line, column, field and message. */
static enum mf_status store_warnings(struct mf_output *out, const struct mf_flee_instance *inst,
				     struct mf_error *err)
{
	int n = inst->n_warnings;
	size_t room = n > 0 ? (size_t)n : 1;
	const char **labels = calloc(room, sizeof(*labels)), **kinds = calloc(room, sizeof(*kinds));
	const char **files = calloc(room, sizeof(*files)), **fields = calloc(room, sizeof(*fields));
	const char **messages = calloc(room, sizeof(*messages));
	double *lines = calloc(room, sizeof(double)), *columns_at = calloc(room, sizeof(double));
	char *numbers = calloc(room, 16);
	enum mf_status status = MF_OK;
	if (!labels || !kinds || !files || !fields || !messages || !lines || !columns_at || !numbers) {
		status = mf_error_set(err, MF_ERR_NOMEM, "out of memory storing the import warnings");
		goto done;
	}
	for (int i = 0; i < n; i++) {
		const struct mf_flee_warning *w = &inst->warnings[i];
		snprintf(numbers + 16 * (size_t)i, 16, "%d", i);
		labels[i] = numbers + 16 * (size_t)i;
		kinds[i] = warning_kinds[w->kind];
		files[i] = w->file;
		fields[i] = w->field;
		messages[i] = w->message;
		lines[i] = w->line;
		columns_at[i] = w->column;
	}
	const struct mf_table_column columns[] = {
		{"import_warning_kind", "lenient: input FLEE runs with, read leniently (refused with --strict); "
		 "unused: an input migflow does not use", NULL, MF_COLUMN_TEXT, NULL, kinds},
		{"import_warning_file", "file the warning is about", NULL, MF_COLUMN_TEXT, NULL, files},
		{"import_warning_line", "line in the file (0: the whole file)", "1", MF_COLUMN_NUMBER, lines, NULL},
		{"import_warning_column", "column in the line (0: none)", "1", MF_COLUMN_NUMBER, columns_at, NULL},
		{"import_warning_field", "column name or key", NULL, MF_COLUMN_TEXT, NULL, fields},
		{"import_warning_message", "what was found and what was done", NULL, MF_COLUMN_TEXT, NULL, messages},
	};
	const struct mf_table table = {
		.dimension = "import_warning",
		.long_name = "warnings from reading the FLEE instance, in the order found",
		.n_rows = n,
		.labels = labels,
		.n_columns = (int)(sizeof(columns) / sizeof(*columns)),
		.columns = columns,
	};
	status = mf_output_add_table(out, &table, err);
done:
	free(labels);
	free(kinds);
	free(files);
	free(fields);
	free(messages);
	free(lines);
	free(columns_at);
	free(numbers);
	return status;
}

/* What the command line keeps of a FLEE run: a line per replicate, and the
 * import warnings stored before the output ends. */
struct flee_front {
	const struct flee_args *args;
	const struct mf_flee_instance *inst;
	struct mf_sink *output;
	double mark;          /* when the replicate began */
	double cpu_seconds;
	struct mf_sink sink;
};

static enum mf_status front_begin(struct mf_sink *sink, const struct mf_ensemble_info *info,
				  struct mf_error *err)
{
	struct flee_front *f = sink->data;
	f->mark = progress_now();
	return MF_OK;
}

static enum mf_status front_end_replicate(struct mf_sink *sink, int run, const struct mf_sim *sim,
					  struct mf_error *err)
{
	struct flee_front *f = sink->data;
	double now = progress_now(), wall = now - f->mark;
	f->mark = now;
	struct mf_totals totals;
	mf_sim_totals(sim, &totals);
	int threads = mf_sim_threads(sim);
	f->cpu_seconds += wall * threads;
	if (!f->args->quiet)
		printf("replicate %d: %lld agents, %d days, %.3f s on %d threads, "
		       "%.3g agent-days per CPU-second\n",
		       run, (long long)(totals.spawned / f->inst->settings.hasten), mf_sim_days_total(sim),
		       wall, threads, wall > 0 ? (double)totals.agent_steps / (wall * threads) : 0.0);
	return MF_OK;
}

static enum mf_status front_finish(struct mf_sink *sink, const struct mf_ensemble_result *result,
				   struct mf_error *err)
{
	struct flee_front *f = sink->data;
	return store_warnings(mf_output_sink_output(f->output), f->inst, err);
}

static const struct mf_sink_impl front_impl = {
	.begin = front_begin,
	.end_replicate = front_end_replicate,
	.finish = front_finish,
};

static bool on_cancel(void *user)
{
	return flee_interrupted != 0;
}

int mf_cli_flee(int argc, char **argv)
{
	struct flee_args args;
	int code;
	if ((code = flee_parse(argc, argv, &args)) >= 0)
		return code;
	struct mf_error err = {0};
	enum mf_status status = MF_OK;
	struct mf_flee_instance *inst = NULL;
	struct mf_scenario *scenario = NULL;
	struct mf_sink *output = NULL;
	char path[PATH_SIZE];

	struct mf_flee_load_options load = {.hasten = args.hasten, .strict = args.strict};
	if (!(inst = mf_flee_load_with(args.dir, &load, &err))) {
		status = err.code;
		goto done;
	}
	if (args.output)
		snprintf(path, sizeof(path), "%s", args.output);
	else
		snprintf(path, sizeof(path), "%s.h5", inst->name);
	if (!args.force && access(path, F_OK) == 0) {
		status = mf_error_set(&err, MF_ERR_EXISTS,
				      "output file %s exists; use --force to overwrite it or -o to "
				      "choose another", path);
		goto done;
	}
	if (!args.quiet)
		print_warnings(inst);
	if (!(scenario = mf_flee_scenario_create(inst, args.seed, &err))) {
		status = err.code;
		goto done;
	}
	if (!(output = mf_output_sink_create(path, args.force, NULL, 0))) {
		status = mf_error_set(&err, MF_ERR_NOMEM, "out of memory");
		goto done;
	}
	struct sigaction action = {.sa_handler = on_signal};
	sigemptyset(&action.sa_mask);
	sigaction(SIGINT, &action, NULL);
	sigaction(SIGTERM, &action, NULL);

	struct flee_front front = {.args = &args, .inst = inst, .output = output};
	front.sink = (struct mf_sink){.impl = &front_impl, .data = &front};
	struct mf_sink *sinks[] = {&front.sink, output};
	struct mf_ensemble_options options = {
		.seed = args.seed,
		.replicates = args.replicates,
		.threads = args.threads,
		.days = args.days,
		.cancelled = on_cancel,
	};
	/* The wall time stored covers the whole run: creating the
	 * simulations, stepping them and writing the file (all but closing
	 * it). */
	struct mf_ensemble_result result;
	status = mf_ensemble_run(scenario, &options, sinks, 2, &result, &err);
	if (status == MF_ERR_CANCELLED) {
		char why[sizeof(err.message)];
		snprintf(why, sizeof(why), "%s", err.message);
		mf_error_set(&err, MF_ERR_CANCELLED, "%s; %s was not written", why, path);
	}
	if (status != MF_OK)
		goto done;
	if (!args.quiet) {
		int lenient = 0, runs = result.runs;
		for (int i = 0; i < inst->n_warnings; i++)
			lenient += inst->warnings[i].kind == MF_FLEE_LENIENT;
		printf("%d replicate%s, %.3g agent-days per CPU-second overall; %d import warning%s "
		       "(%d read leniently) -> %s\n", runs, runs > 1 ? "s" : "",
		       front.cpu_seconds > 0 ? (double)result.agent_steps / front.cpu_seconds : 0.0,
		       inst->n_warnings, inst->n_warnings == 1 ? "" : "s", lenient, path);
	}
done:
	mf_output_sink_destroy(output);
	if (status != MF_OK)
		mf_cli_print_error(&err);
	mf_flee_scenario_destroy(scenario);
	mf_flee_destroy(inst);
	return exit_code_of(status);
}

/* ---- validate ---- */

static void validate_usage(FILE *out)
{
	fprintf(out,
		"usage: migflow validate RUN.h5 [RUN.h5 ...] DIR [options]\n\n"
		"Scores runs of the FLEE instance in DIR against its UNHCR camp data with\n"
		"FLEE's averaged relative difference (ARD), per day and its mean, normal and\n"
		"rescaled (registration corrections applied), for every replicate of each\n"
		"file (a batch member as BATCH.h5#MEMBER, with --no-store). Prints which\n"
		"camps are scored, each replicate's means and their mean\n"
		"and sd; stores ard([replicate,] time), ard_rescaled(...), for ensembles\n"
		"ard_replicate_mean(replicate), and the attributes ard_mean,\n"
		"ard_rescaled_mean and ard_camps in each file.\n\n"
		"options:\n"
		"      --no-store        only print; leave the run files as they are\n"
		"      --quiet           print only the final figures\n"
		"  -h, --help            this help\n");
}

/* Which camps the ARD scores: data_layout.csv's rows that name a camp of
 * the simulation (the others are warnings at load). */
static void print_scored(const struct mf_flee_instance *inst)
{
	int scored = 0;
	for (int c = 0; c < inst->n_camps; c++)
		scored += inst->camp_location[c] >= 0;
	printf("camps scored (%d of %d data_layout.csv rows):", scored, inst->n_camps);
	for (int c = 0, k = 0; c < inst->n_camps; c++)
		if (inst->camp_location[c] >= 0)
			printf("%s %s", k++ ? "," : "", inst->camp_label[c]);
	printf("\n");
	if (scored == inst->n_camps)
		return;
	printf("not scored (no camp of that name in locations.csv):");
	for (int c = 0, k = 0; c < inst->n_camps; c++)
		if (inst->camp_location[c] < 0)
			printf("%s %s", k++ ? "," : "", inst->camp_label[c]);
	printf("\n");
}

static bool is_directory(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

int mf_cli_validate(int argc, char **argv)
{
	const char **positional = calloc((size_t)(argc > 0 ? argc : 1), sizeof(*positional));
	if (!positional) {
		fprintf(stderr, "migflow validate: error: out of memory\n");
		return EXIT_FAILURE_RUN;
	}
	int n = 0;
	bool no_store = false, quiet = false;
	const struct mf_cli_option options[] = {
		MF_OPT_FLAG("--no-store", &no_store),
		MF_OPT_FLAG("--quiet", &quiet),
	};
	const struct mf_cli_command command = {
		.name = "validate", .usage = validate_usage,
		.options = options, .n_options = sizeof(options) / sizeof(*options),
		.positional = positional, .max_positional = argc, .n_positional = &n,
	};
	int code = mf_cli_parse_options(&command, argc, argv);
	if (code < 0 && n < 2)
		code = mf_cli_usage_error(&command, "expected one or more run files and the instance "
					  "directory");
	if (code >= 0) {
		free(positional);
		return code;
	}
	bool store = !no_store;
	const char *dir = positional[n - 1];
	struct mf_error err = {0};
	enum mf_status status = MF_OK;
	struct mf_flee_instance *inst = NULL;
	int files = n - 1, runs = 0;
	double sum = 0, sum_sq = 0, sum_rescaled = 0, sum_rescaled_sq = 0;
	if (!is_directory(dir)) {
		status = mf_error_set(&err, MF_ERR_INPUT, "%s: not a FLEE instance directory", dir);
		goto done;
	}
	for (int f = 0; f < files; f++) {
		const char *path = positional[f];
		int scale;
		if ((status = mf_flee_run_agent_scale(path, &scale, &err)) != MF_OK)
			goto done;
		if (!inst || inst->settings.hasten != scale) {
			mf_flee_destroy(inst);
			if (!(inst = mf_flee_load_scaled(dir, scale, &err))) {
				status = err.code;
				goto done;
			}
			if (!quiet)
				print_scored(inst);
		}
		struct mf_flee_run_ard result;
		if ((status = mf_flee_ard_of_run(path, inst, store, &result, &err)) != MF_OK)
			goto done;
		for (int r = 0; r < result.n; r++) {
			const struct mf_flee_ard *ard = &result.ard[r];
			if (!quiet && result.replicates)
				printf("%s replicate %d: ARD %.4f, rescaled %.4f (mean over %d days)\n", path,
				       r, ard->mean, ard->mean_rescaled, ard->days);
			else if (!quiet)
				printf("%s: ARD %.4f, rescaled %.4f (mean over %d days)\n", path, ard->mean,
				       ard->mean_rescaled, ard->days);
			sum += ard->mean;
			sum_sq += ard->mean * ard->mean;
			sum_rescaled += ard->mean_rescaled;
			sum_rescaled_sq += ard->mean_rescaled * ard->mean_rescaled;
			runs++;
		}
		if (!quiet && store)
			printf("%s: ARD stored in the file (ard, ard_rescaled%s; ard_mean %.4f)\n", path,
			       result.replicates ? ", ard_replicate_mean" : "", result.mean);
		mf_flee_run_ard_free(&result);
	}
	double mean = sum / runs, mean_rescaled = sum_rescaled / runs;
	if (runs > 1) {
		double sd = sqrt(fmax(0, (sum_sq - runs * mean * mean) / (runs - 1)));
		double sd_rescaled =
			sqrt(fmax(0, (sum_rescaled_sq - runs * mean_rescaled * mean_rescaled) / (runs - 1)));
		printf("mean of %d replicates: ARD %.4f (sd %.4f), rescaled %.4f (sd %.4f)\n", runs, mean, sd,
		       mean_rescaled, sd_rescaled);
	} else if (quiet) {
		printf("ARD %.4f, rescaled %.4f\n", mean, mean_rescaled);
	}
done:
	if (status != MF_OK)
		mf_cli_print_error(&err);
	mf_flee_destroy(inst);
	free(positional);
	return exit_code_of(status);
}
