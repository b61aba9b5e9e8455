/* migflow run: simulate a scenario, write its HDF5 file, print a summary. */
#include <errno.h>
#include <math.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"

/* Set by SIGINT/SIGTERM; the day loop stops and the partial file is
 * removed. The only global of the program: signal handlers need one. */
static volatile sig_atomic_t interrupted;

#define REPLICATES_MAX 10000

static void on_signal(int signal_number)
{
	(void)signal_number;
	interrupted = 1;
}

struct run_args {
	const char *scenario, *output, *summary_json, *posterior;
	/* Checkpoints (migflow/checkpoint.h): where, every N days, at a day or
	 * date; the run to resume; the state to branch from. */
	const char *checkpoint, *checkpoint_at, *resume, *from_state;
	int checkpoint_every;
	int draws;            /* with posterior: replicates, each a particle */
	bool force, quiet, has_seed;
	uint64_t seed;
	int days, threads, agent_scale;
	uint64_t replicate;   /* 0..UINT32_MAX */
	bool has_replicate;
	int replicates;       /* 0: a single run */
};

static void run_usage(FILE *out)
{
	fprintf(out,
		"usage: migflow run SCENARIO [options]\n\n"
		"Simulates SCENARIO (a YAML file) and writes an HDF5 file.\n\n"
		"options:\n"
		"  -o, --output FILE     output file (default: the scenario's name + .h5)\n"
		"      --seed N          random seed (default: the scenario's seed)\n"
		"      --days N          simulate N days instead of the scenario's length\n"
		"      --replicate K     replicate number (part of the random key; default 0)\n"
		"      --replicates N    run replicates 0..N-1 into one file (a leading\n"
		"                        replicate dimension, and summary_* statistics)\n"
		"      --agent-scale N   persons per agent instead of the scenario's (faster, noisier)\n"
		"      --posterior POST.h5 --draws N\n"
		"                        N replicates under a posterior (migflow posterior): replicate\n"
		"                        k takes the parameters of a particle drawn by weight (the same\n"
		"                        for every scenario run with the same seed) and its own seed;\n"
		"                        replicate_parameters(replicate, parameter) records them\n"
		"      --threads N       OpenMP threads (default: OMP_NUM_THREADS or all cores)\n"
		"      --checkpoint FILE write the whole state of the run to FILE (atomically) every\n"
		"                        --checkpoint-every N days, at --checkpoint-at DAY|DATE (the\n"
		"                        state when the days before DATE are done), and when SIGTERM or\n"
		"                        SIGINT stops the run (exit 75)\n"
		"      --resume FILE     continue the run a checkpoint was written by, as it was\n"
		"                        started (only --threads and --quiet may be added); the output\n"
		"                        is the uninterrupted run's\n"
		"      --from-state FILE start SCENARIO from a state written by --checkpoint of its\n"
		"                        parent scenario, on the state's day; SCENARIO must be the\n"
		"                        same world with the same events before that day\n"
		"      --force           overwrite an existing output file\n"
		"      --quiet           no progress line and no summary\n"
		"      --summary-json F  also write the summary as JSON to F\n"
		"  -h, --help            this help\n");
}

/* Options that --resume takes besides itself: the run goes on as it was
 * started, on as many threads as now wanted, as quietly. */
static bool resumable(const char *option)
{
	return !strcmp(option, "--resume") || !strcmp(option, "--threads") ||
	       !strcmp(option, "--quiet");
}

/* Returns -1 when the run goes on, otherwise its exit code. */
static int parse_args(int argc, char **argv, struct run_args *args)
{
	*args = (struct run_args){0};
	bool other = false; /* an option given that --resume does not take */
	struct mf_cli_option options[] = {
		MF_OPT_FLAG("--force", &args->force),
		MF_OPT_FLAG("--quiet", &args->quiet),
		MF_OPT_TEXT("--resume", &args->resume),
		MF_OPT_OUTPUT(&args->output),
		MF_OPT_TEXT("--summary-json", &args->summary_json),
		MF_OPT_TEXT("--posterior", &args->posterior),
		MF_OPT_TEXT("--checkpoint", &args->checkpoint),
		MF_OPT_TEXT("--checkpoint-at", &args->checkpoint_at),
		MF_OPT_TEXT("--from-state", &args->from_state),
		MF_OPT_SEED(&args->seed, &args->has_seed),
		MF_OPT_INT("--days", &args->days, 1, MF_DAYS_MAX),
		{.name = "--replicate", .kind = MF_CLI_U64, .value = &args->replicate, .min = 0,
		 .max = UINT32_MAX, .given = &args->has_replicate},
		MF_OPT_INT("--replicates", &args->replicates, 1, REPLICATES_MAX),
		MF_OPT_INT("--draws", &args->draws, 1, REPLICATES_MAX),
		MF_OPT_INT("--agent-scale", &args->agent_scale, 1, 100000),
		MF_OPT_INT("--threads", &args->threads, 1, 1024),
		MF_OPT_INT("--checkpoint-every", &args->checkpoint_every, 1, MF_DAYS_MAX),
	};
	const size_t n_options = sizeof(options) / sizeof(*options);
	for (size_t k = 0; k < n_options; k++)
		if (!options[k].given && !resumable(options[k].name))
			options[k].given = &other;
	const struct mf_cli_command command = {
		.name = "run", .usage = run_usage, .options = options, .n_options = n_options,
		.positional = &args->scenario, .max_positional = 1, .too_many = "one scenario per run",
	};
	int code = mf_cli_parse_options(&command, argc, argv);
	if (code >= 0)
		return code;
	if (args->resume) {
		if (other || args->has_seed || args->has_replicate || args->scenario)
			return mf_cli_usage_error(&command, "--resume FILE continues a run as it was "
						  "started: only --threads and --quiet may be added");
		return -1;
	}
	if (!args->scenario)
		return mf_cli_usage_error(&command, "no scenario file given");
	if (!args->checkpoint && (args->checkpoint_every || args->checkpoint_at))
		return mf_cli_usage_error(&command, "--checkpoint-every and --checkpoint-at need "
					  "--checkpoint FILE");
	if (args->from_state && (args->replicates || args->draws))
		return mf_cli_usage_error(&command, "--from-state branches one run (a state is one "
					  "replicate's): not with --replicates or --draws");
	if (!args->posterior != !args->draws)
		return mf_cli_usage_error(&command, "--posterior POST.h5 and --draws N go together");
	if (args->draws && (args->replicates || args->has_replicate))
		return mf_cli_usage_error(&command, "--draws N runs replicates 0..N-1 under the "
					  "posterior: not with --replicate or --replicates");
	args->replicates = args->draws ? args->draws : args->replicates;
	if (args->has_replicate && args->replicates)
		return mf_cli_usage_error(&command, "give --replicate K (one replicate) or --replicates N "
					  "(replicates 0..N-1), not both");
	return -1;
}

int mf_cli_exit_code(enum mf_status status)
{
	switch (status) {
	case MF_OK: return EXIT_OK;
	case MF_ERR_INPUT:
	case MF_ERR_EXISTS: return EXIT_INPUT;
	case MF_ERR_CANCELLED: return EXIT_INTERRUPTED;
	default: return EXIT_FAILURE_RUN;
	}
}

/* What the command line keeps of a run: each replicate's summary, the
 * progress line, and at the end the targets table of the output. */
struct run_front {
	const struct run_args *args;
	const struct mf_scenario *scenario;
	struct run_summary *summaries;
	int runs, ready;
	struct mf_sink *targets, *output;
	const struct mf_posterior_draws *draws;
	struct progress progress;
	bool progress_shown;
	struct mf_sink sink;
};

static enum mf_status front_day(struct mf_sink *sink, int run, const struct mf_sim *sim,
				struct mf_error *err)
{
	struct run_front *f = sink->data;
	summary_add_day(&f->summaries[run], mf_sim_day_counts(sim));
	return MF_OK;
}

static enum mf_status front_end_replicate(struct mf_sink *sink, int run, const struct mf_sim *sim,
					  struct mf_error *err)
{
	struct run_front *f = sink->data;
	struct mf_totals totals;
	mf_sim_totals(sim, &totals);
	summary_finish(&f->summaries[run], mf_sim_day_counts(sim), &totals);
	progress_finish(&f->progress);
	f->progress_shown = false;
	return MF_OK;
}

/* Before the output sink's finish: the targets table goes into the file. */
static enum mf_status front_finish(struct mf_sink *sink, const struct mf_ensemble_result *result,
				   struct mf_error *err)
{
	struct run_front *f = sink->data;
	if (f->draws) {
		enum mf_status status = mf_posterior_draws_store(f->draws,
								 mf_output_sink_output(f->output), err);
		if (status != MF_OK)
			return status;
	}
	if (!f->targets)
		return MF_OK;
	return mf_targets_sink_store(f->targets, mf_output_sink_output(f->output), result->days, err);
}

static const struct mf_sink_impl front_impl = {
	.day = front_day,
	.end_replicate = front_end_replicate,
	.finish = front_finish,
};

static void on_progress(void *user, int run, int day, const struct mf_sim *sim)
{
	struct run_front *f = user;
	if (day == 1 || !f->progress_shown) {
		f->progress_shown = true;
		if (!f->args->quiet && f->args->replicates && isatty(STDERR_FILENO))
			fprintf(stderr, "replicate %d of %d\n", run + 1, f->runs);
		progress_start(&f->progress, !f->args->quiet && isatty(STDERR_FILENO));
	}
	struct mf_totals totals;
	mf_sim_totals(sim, &totals);
	progress_update(&f->progress, f->scenario, day, mf_sim_days_total(sim),
			mf_sim_agents_alive(sim), totals.agent_steps);
}

static bool on_cancel(void *user)
{
	return interrupted != 0;
}

/* The day after which --checkpoint-at asks for a state: a day index, or a
 * date (the state when the days before it are done). */
static enum mf_status checkpoint_day(const struct run_args *args, const struct mf_scenario *scenario,
				     int *day, struct mf_error *err)
{
	long long number;
	int date;
	*day = 0;
	if (!args->checkpoint_at)
		return MF_OK;
	int days = args->days ? args->days : scenario->days;
	if (mf_cli_parse_count(args->checkpoint_at, MF_DAYS_MAX, &number))
		*day = (int)number;
	else if (mf_date_parse(args->checkpoint_at, &date))
		*day = date - scenario->start;
	else
		return mf_error_set(err, MF_ERR_INPUT, "--checkpoint-at: '%s' is neither a day (a whole"
				    " number) nor a date (YYYY-MM-DD)", args->checkpoint_at);
	if (*day < 1 || *day >= days)
		return mf_error_set(err, MF_ERR_INPUT, "--checkpoint-at %s: day %d is outside the run's"
				    " days 1..%d", args->checkpoint_at, *day, days - 1);
	return MF_OK;
}

static int run_with(int argc, char **argv, struct run_args args);

int mf_cli_run(int argc, char **argv)
{
	struct run_args args;
	int code;
	if ((code = parse_args(argc, argv, &args)) >= 0)
		return code;
	if (!args.resume)
		return run_with(argc, argv, args);
	/* The run as it was started, with the options added now. */
	struct mf_error err = {0};
	struct run_resume resume;
	if (mf_cli_run_resume_argv(args.resume, argc, argv, &resume, &err) < 0) {
		mf_cli_print_error(&err);
		mf_cli_run_resume_free(&resume);
		return mf_cli_exit_code(err.code);
	}
	struct run_args resumed;
	if (parse_args(resume.argc, resume.argv, &resumed) >= 0 || resumed.resume) {
		fprintf(stderr, "migflow run: error: %s keeps a command line that cannot be resumed\n",
			args.resume);
		mf_cli_run_resume_free(&resume);
		return EXIT_INPUT;
	}
	resumed.resume = resume.checkpoint;
	if (!resumed.quiet)
		fprintf(stderr, "resuming %s from %s: run %d of %d, day %d (%s)\n", resume.info.scenario,
			args.resume, resume.info.run + 1, resume.info.runs, resume.info.day,
			resume.info.date);
	code = run_with(resume.argc, resume.argv, resumed);
	mf_cli_run_resume_free(&resume);
	return code;
}

static int run_with(int argc, char **argv, struct run_args args)
{
	char output[1024];
	if (args.output)
		snprintf(output, sizeof(output), "%s", args.output);
	else
		mf_cli_default_output(args.scenario, output, sizeof(output));
	struct mf_error err = {0};
	struct mf_scenario *scenario = NULL;
	struct mf_sink *output_sink = NULL, *targets_sink = NULL;
	int runs = args.replicates ? args.replicates : 1;
	struct mf_targets *targets = NULL;
	struct mf_posterior_draws *draws = NULL;
	struct mf_checkpoint_info state = {0};
	size_t record_size = 0;
	void *record = NULL;
	struct run_front front = {.args = &args, .runs = runs};
	front.summaries = calloc((size_t)runs, sizeof(*front.summaries));
	enum mf_status status = MF_OK;

	if (!front.summaries) {
		status = mf_error_set(&err, MF_ERR_NOMEM, "out of memory");
		goto done;
	}
	if (!args.force && access(output, F_OK) == 0) {
		status = mf_error_set(&err, MF_ERR_EXISTS,
				      "output file %s exists; use --force to overwrite it or -o to choose another",
				      output);
		goto done;
	}
	scenario = mf_scenario_load(args.scenario, &err);
	if (!scenario) {
		status = err.code;
		goto done;
	}
	if (args.agent_scale && scenario->rules == MF_RULES_FLEE &&
	    args.agent_scale != scenario->agent_scale) {
		status = mf_error_set(&err, MF_ERR_INPUT, "--agent-scale: a FLEE world is read at its "
				      "agent scale (hasten); set agent_scale in %s", args.scenario);
		goto done;
	}
	if (args.agent_scale)
		scenario->agent_scale = args.agent_scale;
	front.scenario = scenario;
	if (args.posterior) {
		draws = mf_posterior_draws_create(args.posterior, args.scenario,
						  args.has_seed ? args.seed : scenario->seed, args.draws,
						  args.agent_scale, &err);
		if (!draws) {
			status = err.code;
			goto done;
		}
		front.draws = draws;
	}
	for (; front.ready < runs; front.ready++)
		if (summary_init(&front.summaries[front.ready], scenario) < 0) {
			status = mf_error_set(&err, MF_ERR_NOMEM, "out of memory");
			goto done;
		}
	if (scenario->targets_path[0]) {
		targets = mf_targets_load(scenario->targets_path, scenario, &err);
		if (!targets) {
			status = err.code;
			goto done;
		}
		if (!(targets_sink = mf_targets_sink_create(targets, runs))) {
			status = mf_error_set(&err, MF_ERR_NOMEM, "out of memory");
			goto done;
		}
	}
	if (!(output_sink = mf_output_sink_create(output, args.force, NULL, 0))) {
		status = mf_error_set(&err, MF_ERR_NOMEM, "out of memory");
		goto done;
	}
	int at_day = 0;
	if (checkpoint_day(&args, scenario, &at_day, &err) != MF_OK) {
		status = err.code;
		goto done;
	}
	if (args.checkpoint && !(record = mf_cli_run_record(argc, argv, &record_size))) {
		status = mf_error_set(&err, MF_ERR_IO, "cannot tell the current directory: %s",
				      strerror(errno));
		goto done;
	}
	if (args.from_state) {
		/* A branch runs with the state's seed and replicate. */
		if (mf_checkpoint_info_read(args.from_state, &state, &err) != MF_OK) {
			status = err.code;
			goto done;
		}
		if (!args.has_seed)
			args.seed = state.seed;
		if (!args.has_replicate)
			args.replicate = state.replicate;
		args.has_seed = true;
	}
	struct mf_checkpoint_options checkpoint = {
		.path = args.checkpoint,
		.every_days = args.checkpoint_every,
		.at_day = at_day,
		.on_cancel = true,
		.resume = args.resume,
		.branch = args.from_state,
		.record = record,
		.record_size = record_size,
	};
	front.targets = targets_sink;
	front.output = output_sink;
	front.sink = (struct mf_sink){.impl = &front_impl, .data = &front};
	struct mf_ensemble_options options = {
		.seed = args.has_seed ? args.seed : scenario->seed,
		.replicates = args.replicates,
		.replicate = (uint32_t)args.replicate,
		.threads = args.threads,
		.days = args.days,
		.run_scenarios = draws ? (const struct mf_scenario *const *)draws->scenarios : NULL,
		.progress = on_progress,
		.cancelled = on_cancel,
		.user = &front,
		.checkpoint = args.checkpoint || args.resume || args.from_state ? &checkpoint : NULL,
	};
	struct sigaction action = {.sa_handler = on_signal};
	sigemptyset(&action.sa_mask);
	sigaction(SIGINT, &action, NULL);
	sigaction(SIGTERM, &action, NULL);

	/* The output last: the front end adds the targets table before it ends. */
	struct mf_sink *sinks[3];
	int n_sinks = 0;
	if (targets_sink)
		sinks[n_sinks++] = targets_sink;
	sinks[n_sinks++] = &front.sink;
	sinks[n_sinks++] = output_sink;
	struct mf_ensemble_result result = {0};
	status = mf_ensemble_run(scenario, &options, sinks, n_sinks, &result, &err);
	bool checkpointed = status == MF_ERR_CANCELLED && args.checkpoint && result.checkpoints > 0;
	if (status == MF_ERR_CANCELLED) {
		progress_finish(&front.progress);
		char why[sizeof(err.message)];
		snprintf(why, sizeof(why), "%s", err.message);
		mf_error_set(&err, MF_ERR_CANCELLED, "%s; %s was not written", why, output);
	}
	if (status != MF_OK)
		goto done;
	double wall = result.wall_seconds;
	int days = result.days, threads = result.threads;
	struct run_summary *summaries = front.summaries;
	if (!args.quiet && args.replicates)
		summary_print_ensemble(stdout, summaries, runs, scenario, wall, threads);
	else if (!args.quiet)
		summary_print(stdout, &summaries[0], scenario, wall, threads);
	if (args.summary_json &&
	    (args.replicates ? summary_write_json_ensemble(args.summary_json, summaries, runs, days,
							   options.seed, threads, wall)
			     : summary_write_json(args.summary_json, &summaries[0],
						  &summaries[0].totals, days, options.seed,
						  threads, wall)) < 0) {
		status = mf_error_set(&err, MF_ERR_IO, "cannot write %s: %s", args.summary_json,
				      strerror(errno));
		goto done;
	}
	if (!args.quiet)
		printf("  %-34s %s\n", "output", output);
	if (!args.quiet && (args.resume || args.from_state))
		printf("  %-34s %s (state read in %.2f s)\n", args.resume ? "resumed from" : "branched from",
		       args.resume ? args.resume : args.from_state, result.restore_seconds);
	if (!args.quiet && result.checkpoints > 0) {
		struct stat st;
		double megabytes = stat(args.checkpoint, &st) == 0 ? (double)st.st_size / 1e6 : 0;
		printf("  %-34s %s (%d written, %.2f s; the last of day %d, %.1f MB)\n", "checkpoint",
		       args.checkpoint, result.checkpoints, result.checkpoint_seconds,
		       result.checkpoint_day, megabytes);
	}
done:
	mf_output_sink_destroy(output_sink);
	mf_targets_sink_destroy(targets_sink);
	if (status != MF_OK)
		mf_cli_print_error(&err);
	for (int r = 0; r < front.ready; r++)
		summary_free(&front.summaries[r]);
	free(front.summaries);
	mf_targets_destroy(targets);
	mf_posterior_draws_destroy(draws);
	mf_scenario_destroy(scenario);
	mf_checkpoint_info_finish(&state);
	free(record);
	if (status != MF_OK && checkpointed)
		return EXIT_CHECKPOINTED;
	return mf_cli_exit_code(status);
}
