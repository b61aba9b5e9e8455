/* Sensitivity of a scenario: its free parameters sampled on a Saltelli
 * design, its targets simulated at each point (in parallel), Sobol indices
 * estimated (see include/migflow/sensitivity.h). */
#include "migflow/sensitivity.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <omp.h>

#include "migflow/calibrate.h"
#include "migflow/scenario.h"
#include "migflow/targets.h"

const char *const mf_sensitivity_headline[4] = {
	"niger_fmp_movements",
	"niger_fmp_outbound",
	"italy_arrivals_from_libya",
	"libya_stock_end_2024",
};

void mf_sensitivity_result_free(struct mf_sensitivity_result *result)
{
	if (!result)
		return;
	mf_sobol_design_destroy(result->design);
	mf_sobol_indices_destroy(result->indices);
	free(result->indicators);
	free(result->outputs);
	*result = (struct mf_sensitivity_result){0};
}

static int find_target(const struct mf_targets *targets, const char *name)
{
	for (int t = 0; t < targets->n; t++)
		if (strcmp(targets->targets[t].name, name) == 0)
			return t;
	return -1;
}

/* The targets' names, comma-separated, into text. */
static void list_targets(const struct mf_targets *targets, char *text, size_t size)
{
	size_t used = 0;
	text[0] = '\0';
	for (int t = 0; t < targets->n && used < size; t++) {
		int n = snprintf(text + used, size - used, "%s%s", t ? ", " : "",
				 targets->targets[t].name);
		if (n < 0)
			break;
		used += (size_t)n;
	}
}

/* The indicators asked for (or the default ones) as target indices. */
static enum mf_status select_indicators(const struct mf_targets *targets,
					const struct mf_sensitivity_options *options,
					struct mf_sensitivity_result *result,
					struct mf_error *err)
{
	size_t capacity = options->n_indicators ? options->n_indicators : (size_t)targets->n;
	if (capacity == 0)
		return mf_error_set(err, MF_ERR_INPUT, "%s: no targets", targets->path);
	result->indicators = malloc(capacity * sizeof(int));
	if (!result->indicators)
		return mf_error_set(err, MF_ERR_NOMEM, "sensitivity: out of memory");
	size_t n = 0;
	if (options->n_indicators) {
		for (size_t i = 0; i < options->n_indicators; i++) {
			const char *name = options->indicators[i];
			int t = find_target(targets, name);
			if (t < 0) {
				char names[400];
				list_targets(targets, names, sizeof(names));
				return mf_error_set(err, MF_ERR_INPUT,
						    "--indicators: unknown indicator '%s' (not a target of %s); "
						    "available: %s", name, targets->path, names);
			}
			for (size_t j = 0; j < n; j++)
				if (result->indicators[j] == t)
					return mf_error_set(err, MF_ERR_INPUT,
							    "--indicators: '%s' named twice", name);
			result->indicators[n++] = t;
		}
	} else {
		for (size_t h = 0; h < 4; h++) {
			int t = find_target(targets, mf_sensitivity_headline[h]);
			if (t >= 0)
				result->indicators[n++] = t;
		}
		if (n == 0)
			for (int t = 0; t < targets->n; t++)
				result->indicators[n++] = t;
	}
	result->n_indicators = n;
	return MF_OK;
}

static enum mf_status check_options(const struct mf_scenario *scenario,
				    const struct mf_sensitivity_options *o,
				    struct mf_error *err)
{
	if (scenario->n_free == 0)
		return mf_error_at(err, scenario->path, 1, 1, "calibrate",
				   "no free parameters to vary: add a `calibrate:` block");
	if (o->base_samples < 2 || (o->base_samples & (o->base_samples - 1)) != 0)
		return mf_error_set(err, MF_ERR_INPUT,
				    "sensitivity: %zu base samples (a power of two >= 2 expected)",
				    o->base_samples);
	if (o->replicates < 1 || o->threads < 0 || o->agent_scale < 0)
		return mf_error_set(err, MF_ERR_INPUT,
				    "sensitivity: %d replicates, %d threads, agent scale %d",
				    o->replicates, o->threads, o->agent_scale);
	if (o->n_indicators && !o->indicators)
		return mf_error_set(err, MF_ERR_INTERNAL, "sensitivity: no indicator names");
	return MF_OK;
}

/* The outputs at one point: the replicate means of the chosen targets. */
static enum mf_status evaluate_point(struct mf_scenario_source *source,
				     const struct mf_targets *targets,
				     const struct mf_sensitivity_options *options,
				     const struct mf_sensitivity_result *result,
				     const double *values, double *outputs,
				     struct mf_error *err)
{
	enum mf_status status = MF_OK;
	double *mean = malloc((size_t)targets->n * sizeof(double));
	double *sd = malloc((size_t)targets->n * sizeof(double));
	struct mf_scenario *scenario = NULL;
	if (!mean || !sd) {
		status = mf_error_set(err, MF_ERR_NOMEM, "sensitivity: out of memory");
		goto cleanup;
	}
	scenario = mf_scenario_source_build(source, values, err);
	if (!scenario) {
		status = err->code;
		goto cleanup;
	}
	if (options->agent_scale > 0)
		scenario->agent_scale = options->agent_scale;
	status = mf_targets_simulate(scenario, targets, options->replicates, options->seed, 1,
				     mean, sd, err);
	if (status != MF_OK)
		goto cleanup;
	for (size_t m = 0; m < result->n_indicators; m++)
		outputs[m] = mean[result->indicators[m]];
cleanup:
	mf_scenario_destroy(scenario);
	free(mean);
	free(sd);
	return status;
}

/* Runs every design point; the first failing point (in design order) is
 * reported, the points after a failure are skipped. */
static enum mf_status evaluate_design(struct mf_scenario_source *source,
				      const struct mf_targets *targets,
				      const struct mf_sensitivity_options *options,
				      struct mf_sensitivity_result *result,
				      struct mf_error *err)
{
	const struct mf_sobol_design *design = result->design;
	const size_t total = design->n_points, k = design->n_params;
	const int threads = options->threads > 0 ? options->threads : omp_get_max_threads();
	size_t done = 0, failed_point = SIZE_MAX;
	int failed = 0;
	enum mf_status status = MF_OK;

#pragma omp parallel for schedule(dynamic, 1) num_threads(threads)
	for (size_t p = 0; p < total; p++) {
		int skip;
#pragma omp atomic read
		skip = failed;
		if (skip)
			continue;
		struct mf_error point_err = {0};
		enum mf_status point_status =
			evaluate_point(source, targets, options, result, design->points + p * k,
				       result->outputs + p * result->n_indicators, &point_err);
#pragma omp critical(mf_sensitivity_point)
		{
			if (point_status != MF_OK) {
				if (p < failed_point) {
					failed_point = p;
					status = point_status;
					*err = point_err;
				}
#pragma omp atomic write
				failed = 1;
			} else {
				done++;
				if (options->progress)
					options->progress(options->context, done, total);
			}
		}
	}
	if (status != MF_OK && !err->file[0]) {
		char message[sizeof(err->message)];
		snprintf(message, sizeof(message), "design point %zu: %s", failed_point,
			 err->message);
		memcpy(err->message, message, sizeof(message));
	}
	return status;
}

enum mf_status mf_sensitivity_run(struct mf_scenario_source *source,
				  const struct mf_targets *targets,
				  const struct mf_sensitivity_options *options,
				  struct mf_sensitivity_result *result,
				  struct mf_error *err)
{
	*result = (struct mf_sensitivity_result){0};
	if (!source || !targets || !options)
		return mf_error_set(err, MF_ERR_INTERNAL, "sensitivity: no source, targets or options");
	double started = omp_get_wtime();
	const struct mf_scenario *scenario = mf_scenario_source_scenario(source);
	enum mf_status status = check_options(scenario, options, err);
	if (status != MF_OK)
		return status;
	const size_t k = (size_t)scenario->n_free;
	if (k > MF_SOBOL_MAX_PARAMETERS)
		return mf_error_at(err, scenario->path, scenario->free[k - 1].line,
				   scenario->free[k - 1].column, "calibrate",
				   "%zu free parameters (at most %d for a sensitivity analysis)",
				   k, MF_SOBOL_MAX_PARAMETERS);
	if ((status = select_indicators(targets, options, result, err)) != MF_OK)
		return status;

	struct mf_sobol_parameter params[MF_SOBOL_MAX_PARAMETERS];
	for (size_t i = 0; i < k; i++) {
		params[i] = options->ranges ? options->ranges[i] : (struct mf_sobol_parameter){
			.low = scenario->free[i].min,
			.high = scenario->free[i].max,
			.log_scale = scenario->free[i].log_scale,
		};
		result->ranges[i] = params[i];
	}
	result->design = mf_sobol_design_create(params, k, options->base_samples, err);
	if (!result->design)
		return err->code;
	result->outputs = malloc(result->design->n_points * result->n_indicators * sizeof(double));
	if (!result->outputs)
		return mf_error_set(err, MF_ERR_NOMEM, "sensitivity: out of memory for the outputs");

	if ((status = evaluate_design(source, targets, options, result, err)) != MF_OK)
		return status;
	result->seed = options->seed;
	result->replicates = options->replicates;
	result->agent_scale = options->agent_scale > 0 ? options->agent_scale : scenario->agent_scale;
	result->resamples = options->resamples;
	result->level = options->level;
	result->simulations = (uint64_t)result->design->n_points * (uint64_t)options->replicates;

	struct mf_sobol_options analysis = {
		.resamples = options->resamples,
		.level = options->level,
		.seed = options->seed,
	};
	result->indices = mf_sobol_analyse(result->design, result->outputs, result->n_indicators,
					   &analysis, err);
	if (!result->indices)
		return err->code;
	result->wall_seconds = omp_get_wtime() - started;
	return MF_OK;
}
