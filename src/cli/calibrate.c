/* migflow calibrate: fit a scenario's free parameters to observed targets,
 * print the report and write the calibrated scenario. */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"

static void calibrate_usage(FILE *out)
{
	fprintf(out,
		"usage: migflow calibrate SCENARIO [--targets FILE] [-o OUT.yaml] [--replicates N]\n"
		"                         [--max-evals N] [--seed N] [--threads N] [--agent-scale N]\n"
		"                         [--force] [--quiet]\n\n"
		"Fits the free parameters of SCENARIO's `calibrate:` block so that the mean over\n"
		"N replicates (common random numbers) matches the targets (default: the\n"
		"scenario's `targets:` file). Prints one line per evaluation on stderr and the\n"
		"report at the end; with -o writes the calibrated scenario (the same file with\n"
		"the fitted values in place and a comment block recording the fit).\n\n"
		"  --evaluate       no fit: simulate the scenario as written and report\n"
		"  --report-json F  also write the report as JSON to F\n"
		"  --replicates N   replicates per evaluation (default 3)\n"
		"  --max-evals N    evaluations at most (default 200)\n"
		"  --seed N         random seed (default: the scenario's)\n"
		"  --agent-scale N  persons per agent during the fit (default: the scenario's)\n");
}

struct calibrate_args {
	const char *scenario, *targets, *output, *report_json;
	int replicates, max_evaluations, threads, agent_scale;
	bool has_seed, force, quiet, evaluate;
	uint64_t seed;
};

static int parse(int argc, char **argv, struct calibrate_args *a)
{
	*a = (struct calibrate_args){.replicates = 3, .max_evaluations = 200};
	const struct mf_cli_option options[] = {
		MF_OPT_FLAG("--force", &a->force),
		MF_OPT_FLAG("--quiet", &a->quiet),
		MF_OPT_FLAG("--evaluate", &a->evaluate),
		MF_OPT_TEXT("--targets", &a->targets),
		MF_OPT_OUTPUT(&a->output),
		MF_OPT_TEXT("--report-json", &a->report_json),
		MF_OPT_INT("--replicates", &a->replicates, 1, 100000),
		MF_OPT_INT("--max-evals", &a->max_evaluations, 1, 100000),
		MF_OPT_INT("--threads", &a->threads, 1, 100000),
		MF_OPT_INT("--agent-scale", &a->agent_scale, 1, 100000),
		MF_OPT_SEED(&a->seed, &a->has_seed),
	};
	const struct mf_cli_command command = {
		.name = "calibrate", .usage = calibrate_usage,
		.options = options, .n_options = sizeof(options) / sizeof(*options),
		.positional = &a->scenario, .max_positional = 1,
	};
	int code = mf_cli_parse_options(&command, argc, argv);
	if (code < 0 && !a->scenario)
		code = mf_cli_usage_error(&command, "no scenario file given");
	return code;
}

struct progress_context {
	const struct mf_scenario *scenario;
	bool quiet;
	double started;
};

static void on_evaluation(void *data, const struct mf_calibration_step *step)
{
	struct progress_context *p = data;
	if (p->quiet)
		return;
	fprintf(stderr, "eval %3d  %7.1fs  objective %10.4g  best %10.4g ", step->evaluation,
		progress_now() - p->started, step->objective, step->best_objective);
	for (int i = 0; i < p->scenario->n_free; i++)
		fprintf(stderr, " %s=%.4g", p->scenario->free[i].name, step->values[i]);
	fprintf(stderr, "\n");
}

static void print_report(FILE *out, const char *prefix, const struct mf_targets *targets,
			 const double *mean, const double *sd, int replicates)
{
	fprintf(out, "%s%-30s %-23s %12s %12s %10s %8s %4s  %s\n", prefix, "target", "window", "observed",
		"simulated", "sd", "error", "ok", "source");
	int within = 0;
	for (int i = 0; i < targets->n; i++) {
		const struct mf_target *t = &targets->targets[i];
		double error = mf_target_error(t, mean[i]);
		bool ok = fabs(error) <= t->tolerance;
		within += ok;
		fprintf(out, "%s%-30s %-23s %s%11.0f %12.0f %10.0f %+7.1f%% %4s  %s (tolerance %g%%)\n", prefix,
			t->name, t->window, t->at_least ? ">" : " ", t->observed, mean[i], sd[i],
			100 * (mean[i] - t->observed) / t->observed, ok ? "yes" : "NO", t->source,
			100 * t->tolerance);
	}
	fprintf(out, "%s%d of %d targets within tolerance (mean of %d replicates)\n", prefix, within,
		targets->n, replicates);
}

static int write_report_json(const char *path, const struct mf_targets *targets,
			     const struct mf_scenario *s, const double *values, const double *mean,
			     const double *sd, int replicates, int evaluations)
{
	FILE *out = fopen(path, "w");
	if (!out)
		return -1;
	fprintf(out, "{\n  \"replicates\": %d,\n  \"evaluations\": %d,\n  \"objective\": %.10g,\n",
		replicates, evaluations, mf_targets_objective(targets, mean));
	fprintf(out, "  \"parameters\": {");
	for (int i = 0; values && i < s->n_free; i++) {
		fprintf(out, "%s\n    ", i ? "," : "");
		mf_cli_json_string(out, s->free[i].name);
		fprintf(out, ": %.10g", values[i]);
	}
	fprintf(out, "\n  },\n  \"targets\": [");
	for (int i = 0; i < targets->n; i++) {
		const struct mf_target *t = &targets->targets[i];
		double error = mf_target_error(t, mean[i]);
		fprintf(out, "%s\n    {\"name\": ", i ? "," : "");
		mf_cli_json_string(out, t->name);
		fprintf(out, ", \"quantity\": \"%s\", \"window\": \"%s\", \"observed\": %.10g, \"at_least\": %s, "
			"\"mean\": %.10g, \"sd\": %.10g, \"error\": %.10g, \"tolerance\": %.10g, \"within\": %s, \"source\": ",
			t->query.indicator->name, t->window, t->observed, t->at_least ? "true" : "false",
			mean[i], sd[i], error, t->tolerance, fabs(error) <= t->tolerance ? "true" : "false");
		mf_cli_json_string(out, t->source);
		fprintf(out, "}");
	}
	fprintf(out, "\n  ]\n}\n");
	return fclose(out) == 0 ? 0 : -1;
}

/* The calibrated scenario: the file with the fitted values in place, under a
 * comment block recording the fit (an earlier block is replaced). */
static int write_output(const char *path, bool force, const struct mf_scenario_source *source,
			const struct calibrate_args *a, const struct mf_targets *targets,
			const struct mf_calibration_result *result, struct mf_error *err)
{
	const struct mf_scenario *s = mf_scenario_source_scenario(source);
	if (!force && access(path, F_OK) == 0)
		return mf_error_set(err, MF_ERR_EXISTS, "%s exists; use --force to overwrite it", path);
	char *text = mf_scenario_source_text(source, result->values);
	if (!text)
		return mf_error_set(err, MF_ERR_NOMEM, "out of memory");
	static const char begin[] = "# ---- calibration (written by migflow calibrate) ----\n";
	static const char end[] = "# ---- end of calibration ----\n";
	char *body = text, *old = strstr(text, begin);
	if (old == text) {
		char *after = strstr(text, end);
		if (after)
			body = after + strlen(end);
	}
	char partial[1100];
	snprintf(partial, sizeof(partial), "%s.partial", path);
	FILE *out = fopen(partial, "w");
	if (!out) {
		free(text);
		return mf_error_set(err, MF_ERR_IO, "cannot write %s: %s", partial, strerror(errno));
	}
	char today[32];
	time_t now = time(NULL);
	strftime(today, sizeof(today), "%Y-%m-%d", gmtime(&now));
	fputs(begin, out);
	fprintf(out, "# migflow %s, %s: migflow calibrate %s --targets %s --replicates %d --max-evals %d --seed %llu%s",
		MF_VERSION, today, a->scenario, targets->path, a->replicates, a->max_evaluations,
		(unsigned long long)(a->has_seed ? a->seed : s->seed), a->agent_scale ? "" : "\n");
	if (a->agent_scale)
		fprintf(out, " --agent-scale %d\n", a->agent_scale);
	fprintf(out, "# %d evaluations, objective %.4g. Fitted values:\n", result->evaluations, result->objective);
	for (int i = 0; i < s->n_free; i++)
		fprintf(out, "#   %-28s %.6g  (%s %s, start %g, bounds %g..%g)\n", s->free[i].name,
			result->values[i], s->free[i].multiplier ? "scales" : "sets", s->free[i].path,
			s->free[i].start, s->free[i].min, s->free[i].max);
	fprintf(out, "# Achieved (mean and sd over %d replicates):\n", a->replicates);
	print_report(out, "#   ", targets, result->mean, result->sd, a->replicates);
	fputs(end, out);
	fputs(body, out);
	free(text);
	if (fclose(out) != 0 || rename(partial, path) != 0) {
		unlink(partial);
		return mf_error_set(err, MF_ERR_IO, "cannot write %s: %s", path, strerror(errno));
	}
	return MF_OK;
}

/* The mean ARD of the scenario of source with values (NULL: the file's). */
static enum mf_status flee_ard(const struct calibrate_args *a, struct mf_scenario_source *source,
			       const double *values, double *ard, double *rescaled, struct mf_error *err)
{
	struct mf_scenario *run = mf_scenario_source_build(source, values, err);
	if (!run)
		return err->code;
	struct mf_ensemble_options options = {
		.seed = a->has_seed ? a->seed : run->seed,
		.replicates = a->replicates,
		.threads = a->threads,
		.side_by_side = true,
	};
	enum mf_status status = mf_flee_ard_simulate(run, &options, ard, rescaled, err);
	mf_scenario_destroy(run);
	return status;
}

/* A FLEE world (rules flee): the free parameters are fitted to the
 * instance's UNHCR camp data by FLEE's averaged relative difference, the
 * mean over the replicates; prints it at the file's values and at the fit. */
static enum mf_status calibrate_flee(const struct calibrate_args *a, struct mf_scenario_source *source,
				     struct mf_error *err)
{
	const struct mf_scenario *s = mf_scenario_source_scenario(source);
	if (a->targets)
		return mf_error_set(err, MF_ERR_INPUT, "--targets: %s is a FLEE world, scored against its "
				    "UNHCR data by the ARD", a->scenario);
	if (a->agent_scale)
		return mf_error_set(err, MF_ERR_INPUT, "--agent-scale: a FLEE world is read at its agent "
				    "scale (hasten); set agent_scale in %s", a->scenario);
	double before, before_rescaled;
	enum mf_status status = flee_ard(a, source, NULL, &before, &before_rescaled, err);
	if (status != MF_OK)
		return status;
	if (!a->quiet)
		printf("ARD at the file's values: %.4f (rescaled %.4f), mean of %d replicates\n", before,
		       before_rescaled, a->replicates);
	if (a->evaluate)
		return MF_OK;
	if (s->n_free == 0)
		return mf_error_at(err, s->path, 1, 1, "calibrate", "no free parameters: add a `calibrate:` block");
	struct progress_context progress = {s, a->quiet, progress_now()};
	struct mf_calibration_options options = {
		.replicates = a->replicates,
		.max_evaluations = a->max_evaluations,
		.seed = a->has_seed ? a->seed : s->seed,
		.threads = a->threads,
		.progress = on_evaluation,
		.context = &progress,
	};
	struct mf_calibration_result result;
	if ((status = mf_calibrate(source, NULL, &options, &result, err)) != MF_OK)
		return status;
	double after, after_rescaled;
	status = flee_ard(a, source, result.values, &after, &after_rescaled, err);
	if (status == MF_OK && !a->quiet) {
		printf("\nmigflow calibrate: %d evaluations in %.1f s\n", result.evaluations,
		       progress_now() - progress.started);
		for (int i = 0; i < s->n_free; i++)
			printf("  %-28s %.6g  (start %g, bounds %g..%g)\n", s->free[i].name, result.values[i],
			       s->free[i].start, s->free[i].min, s->free[i].max);
		printf("ARD before %.4f, after %.4f (rescaled %.4f -> %.4f), mean of %d replicates\n",
		       before, after, before_rescaled, after_rescaled, a->replicates);
	}
	if (status == MF_OK && a->output) {
		char *text = mf_scenario_source_text(source, result.values);
		FILE *out = text ? fopen(a->output, "w") : NULL;
		if (!out || fputs(text, out) < 0 || fclose(out) != 0)
			status = mf_error_set(err, MF_ERR_IO, "cannot write %s", a->output);
		else if (!a->quiet)
			printf("wrote %s\n", a->output);
		free(text);
	}
	mf_calibration_result_free(&result);
	return status;
}

int mf_cli_calibrate(int argc, char **argv)
{
	struct calibrate_args a;
	int code = parse(argc, argv, &a);
	if (code >= 0)
		return code;
	struct mf_error err = {0};
	struct mf_targets *targets = NULL;
	struct mf_calibration_result result = {0};
	enum mf_status status = MF_OK;
	if (a.output && !a.force && access(a.output, F_OK) == 0) {
		mf_error_set(&err, MF_ERR_EXISTS, "%s exists; use --force to overwrite it", a.output);
		mf_cli_print_error(&err);
		return EXIT_INPUT;
	}
	struct mf_scenario_source *source = mf_scenario_source_load(a.scenario, &err);
	if (!source) {
		status = err.code;
		goto done;
	}
	const struct mf_scenario *s = mf_scenario_source_scenario(source);
	if (s->rules == MF_RULES_FLEE) {
		status = calibrate_flee(&a, source, &err);
		goto done;
	}
	targets = mf_cli_load_targets(a.targets, s, &err);
	if (!targets || mf_targets_refuse_validation(targets, "calibrate", &err) < 0) {
		status = err.code;
		goto done;
	}
	if (s->n_free == 0 && !a.evaluate) {
		status = mf_error_at(&err, s->path, 1, 1, "calibrate",
				     "no free parameters: add a `calibrate:` block");
		goto done;
	}
	if (a.evaluate) {
		double *mean = calloc((size_t)targets->n, sizeof(double));
		double *sd = calloc((size_t)targets->n, sizeof(double));
		struct mf_scenario *run = mf_scenario_source_build(source, NULL, &err);
		if (!mean || !sd || !run) {
			status = run ? mf_error_set(&err, MF_ERR_NOMEM, "out of memory") : err.code;
		} else {
			if (a.agent_scale)
				run->agent_scale = a.agent_scale;
			status = mf_targets_simulate(run, targets, a.replicates, a.has_seed ? a.seed : s->seed,
						     a.threads, mean, sd, &err);
		}
		if (status == MF_OK && !a.quiet)
			print_report(stdout, "", targets, mean, sd, a.replicates);
		if (status == MF_OK && a.report_json &&
		    write_report_json(a.report_json, targets, s, NULL, mean, sd, a.replicates, 0) < 0)
			status = mf_error_set(&err, MF_ERR_IO, "cannot write %s", a.report_json);
		mf_scenario_destroy(run);
		free(mean);
		free(sd);
		goto done;
	}
	struct progress_context progress = {s, a.quiet, progress_now()};
	struct mf_calibration_options options = {
		.replicates = a.replicates,
		.max_evaluations = a.max_evaluations,
		.seed = a.has_seed ? a.seed : s->seed,
		.threads = a.threads,
		.agent_scale = a.agent_scale,
		.progress = on_evaluation,
		.context = &progress,
	};
	status = mf_calibrate(source, targets, &options, &result, &err);
	if (status != MF_OK)
		goto done;
	if (!a.quiet) {
		printf("\nmigflow calibrate: %d evaluations in %.1f s, objective %.4g\n", result.evaluations,
		       progress_now() - progress.started, result.objective);
		for (int i = 0; i < s->n_free; i++)
			printf("  %-28s %.6g\n", s->free[i].name, result.values[i]);
		printf("\n");
		print_report(stdout, "", targets, result.mean, result.sd, a.replicates);
	}
	if (a.report_json && write_report_json(a.report_json, targets, s, result.values, result.mean,
					       result.sd, a.replicates, result.evaluations) < 0) {
		status = mf_error_set(&err, MF_ERR_IO, "cannot write %s", a.report_json);
		goto done;
	}
	if (a.output) {
		status = write_output(a.output, a.force, source, &a, targets, &result, &err);
		if (status == MF_OK && !a.quiet)
			printf("wrote %s\n", a.output);
	}
done:
	if (status != MF_OK)
		mf_cli_print_error(&err);
	mf_calibration_result_free(&result);
	mf_targets_destroy(targets);
	mf_scenario_source_destroy(source);
	return status == MF_OK ? EXIT_OK
	       : status == MF_ERR_INPUT || status == MF_ERR_EXISTS ? EXIT_INPUT : EXIT_FAILURE_RUN;
}
