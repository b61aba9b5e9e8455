#include "migflow/calibrate.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <gsl/gsl_errno.h>
#include <gsl/gsl_multimin.h>
#include <omp.h>

#include "migflow/ensemble.h"
#include "migflow/flee.h"
#include "migflow/sim.h"

enum mf_status mf_targets_simulate(const struct mf_scenario *scenario,
				   const struct mf_targets *targets, int replicates,
				   uint64_t seed, int threads, double *mean, double *sd,
				   struct mf_error *err)
{
	int n = targets->n;
	struct mf_sink *sink = mf_targets_sink_create(targets, replicates);
	if (!sink)
		return mf_error_set(err, MF_ERR_NOMEM, "out of memory");
	/* Replicates side by side, one thread each, when there are enough of
	 * them: a day of a small run is too short to share among threads. The
	 * results do not depend on it (each replicate is its own random key). */
	struct mf_ensemble_options options = {
		.seed = seed,
		.replicates = replicates,
		.threads = threads,
		.days = mf_targets_last_day(targets) + 1,
		.side_by_side = true,
	};
	enum mf_status status = mf_ensemble_run(scenario, &options, &sink, 1, NULL, err);
	const double *values = mf_targets_sink_values(sink);
	for (int i = 0; i < n && status == MF_OK; i++) {
		double sum = 0, square = 0;
		for (int r = 0; r < replicates; r++)
			sum += values[(size_t)r * n + i];
		mean[i] = sum / replicates;
		for (int r = 0; r < replicates; r++) {
			double d = values[(size_t)r * n + i] - mean[i];
			square += d * d;
		}
		sd[i] = replicates > 1 ? sqrt(square / (replicates - 1)) : 0;
	}
	mf_targets_sink_destroy(sink);
	return status;
}

/* The search runs on the real line: u -> value within [min, max] by a
 * logistic curve, on log(value) for log-scale parameters. */
static double to_value(const struct mf_free_parameter *f, double u)
{
	double share = 1 / (1 + exp(-u));
	if (f->log_scale)
		return exp(log(f->min) + (log(f->max) - log(f->min)) * share);
	return f->min + (f->max - f->min) * share;
}

static double to_search(const struct mf_free_parameter *f, double value)
{
	double share = f->log_scale ? (log(value) - log(f->min)) / (log(f->max) - log(f->min))
				    : (value - f->min) / (f->max - f->min);
	share = fmin(fmax(share, 1e-6), 1 - 1e-6);
	return log(share / (1 - share));
}

/* Targets, or none for a FLEE world (scored by its ARD); at least 1 for
 * allocations. */
static int n_targets(const struct mf_targets *targets)
{
	return targets ? targets->n : 0;
}

struct search {
	struct mf_scenario_source *source;
	const struct mf_targets *targets;
	const struct mf_calibration_options *options;
	struct mf_calibration_result *result;
	double *values, *mean, *sd;
	int evaluations;
	enum mf_status status;
	struct mf_error *err;
};

static double objective(const gsl_vector *u, void *data)
{
	struct search *s = data;
	const struct mf_scenario *base = mf_scenario_source_scenario(s->source);
	if (s->status != MF_OK || s->evaluations >= s->options->max_evaluations)
		return GSL_POSINF;
	for (int i = 0; i < base->n_free; i++)
		s->values[i] = to_value(&base->free[i], gsl_vector_get(u, (size_t)i));
	struct mf_scenario *scenario = mf_scenario_source_build(s->source, s->values, s->err);
	if (!scenario) {
		s->status = s->err->code;
		return GSL_POSINF;
	}
	if (s->options->agent_scale > 0)
		scenario->agent_scale = s->options->agent_scale;
	double value = GSL_POSINF, rescaled;
	if (s->targets) {
		s->status = mf_targets_simulate(scenario, s->targets, s->options->replicates,
						s->options->seed, s->options->threads, s->mean, s->sd,
						s->err);
		if (s->status == MF_OK)
			value = mf_targets_objective(s->targets, s->mean);
	} else {
		/* A FLEE world: FLEE's averaged relative difference against the
		 * instance's UNHCR data, the mean over the replicates. */
		struct mf_ensemble_options run = {
			.seed = s->options->seed,
			.replicates = s->options->replicates,
			.threads = s->options->threads,
			.side_by_side = true,
		};
		s->status = mf_flee_ard_simulate(scenario, &run, &value, &rescaled, s->err);
	}
	mf_scenario_destroy(scenario);
	if (s->status != MF_OK)
		return GSL_POSINF;
	s->evaluations++;
	struct mf_calibration_result *best = s->result;
	if (s->evaluations == 1 || value < best->objective) {
		best->objective = value;
		memcpy(best->values, s->values, (size_t)base->n_free * sizeof(double));
		memcpy(best->mean, s->mean, (size_t)n_targets(s->targets) * sizeof(double));
		memcpy(best->sd, s->sd, (size_t)n_targets(s->targets) * sizeof(double));
	}
	best->evaluations = s->evaluations;
	if (s->options->progress) {
		struct mf_calibration_step step = {
			.evaluation = s->evaluations, .values = s->values,
			.objective = value, .best_objective = best->objective,
		};
		s->options->progress(s->options->context, &step);
	}
	return value;
}

void mf_calibration_result_free(struct mf_calibration_result *result)
{
	free(result->values);
	free(result->mean);
	free(result->sd);
	memset(result, 0, sizeof(*result));
}

enum mf_status mf_calibrate(struct mf_scenario_source *source, const struct mf_targets *targets,
			    const struct mf_calibration_options *options,
			    struct mf_calibration_result *result, struct mf_error *err)
{
	const struct mf_scenario *base = mf_scenario_source_scenario(source);
	int n = base->n_free;
	memset(result, 0, sizeof(*result));
	if (n == 0)
		return mf_error_at(err, base->path, 1, 1, "calibrate",
				   "no free parameters: add a `calibrate:` block to the scenario");
	if (mf_scenario_source_writable(source, err) != MF_OK)
		return err->code;
	if (!targets && base->rules != MF_RULES_FLEE)
		return mf_error_set(err, MF_ERR_INPUT, "%s: no targets to calibrate against", base->path);
	if (options->replicates < 1 || options->max_evaluations < 1)
		return mf_error_set(err, MF_ERR_INPUT, "calibration needs at least one replicate and one evaluation");
	struct search s = {
		.source = source, .targets = targets, .options = options, .result = result,
		.values = calloc((size_t)n, sizeof(double)),
		.mean = calloc((size_t)n_targets(targets) + 1, sizeof(double)),
		.sd = calloc((size_t)n_targets(targets) + 1, sizeof(double)), .err = err,
	};
	result->values = calloc((size_t)n, sizeof(double));
	result->mean = calloc((size_t)n_targets(targets) + 1, sizeof(double));
	result->sd = calloc((size_t)n_targets(targets) + 1, sizeof(double));
	gsl_vector *start = gsl_vector_alloc((size_t)n), *step = gsl_vector_alloc((size_t)n);
	gsl_multimin_fminimizer *minimizer =
		gsl_multimin_fminimizer_alloc(gsl_multimin_fminimizer_nmsimplex2, (size_t)n);
	enum mf_status status = MF_OK;
	if (!s.values || !s.mean || !s.sd || !result->values || !result->mean || !result->sd ||
	    !start || !step || !minimizer) {
		status = mf_error_set(err, MF_ERR_NOMEM, "out of memory");
		goto done;
	}
	for (int i = 0; i < n; i++)
		gsl_vector_set(start, (size_t)i, to_search(&base->free[i], base->free[i].start));
	gsl_multimin_function function = {.f = objective, .n = (size_t)n, .params = &s};
	gsl_error_handler_t *previous = gsl_set_error_handler_off();
	double tolerance = options->tolerance > 0 ? options->tolerance : 1e-3;
	/* Nelder-Mead may shrink onto a point that is not a minimum: restart
	 * from the best point with a fresh simplex until a restart no longer
	 * improves it (or the evaluations run out). */
	double step_size = 0.5, best_before_round = GSL_POSINF;
	for (int round = 0; round < 4 && s.status == MF_OK && s.evaluations < options->max_evaluations; round++) {
		if (round > 0) {
			/* The first restart always; later ones while they improve. */
			if (round > 1 && !(result->objective < best_before_round * (1 - 1e-3)))
				break;
			best_before_round = result->objective;
			for (int i = 0; i < n; i++)
				gsl_vector_set(start, (size_t)i, to_search(&base->free[i], result->values[i]));
			step_size /= 2;
		}
		gsl_vector_set_all(step, step_size);
		gsl_multimin_fminimizer_set(minimizer, &function, start, step);
		while (s.status == MF_OK && s.evaluations < options->max_evaluations) {
			if (gsl_multimin_fminimizer_iterate(minimizer) != GSL_SUCCESS)
				break;
			if (gsl_multimin_test_size(gsl_multimin_fminimizer_size(minimizer), tolerance) == GSL_SUCCESS)
				break;
		}
	}
	gsl_set_error_handler(previous);
	status = s.status;
done:
	gsl_multimin_fminimizer_free(minimizer);
	gsl_vector_free(start);
	gsl_vector_free(step);
	free(s.values);
	free(s.mean);
	free(s.sd);
	if (status != MF_OK)
		mf_calibration_result_free(result);
	return status;
}
