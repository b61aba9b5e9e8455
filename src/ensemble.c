/* The ensemble entry point (migflow/ensemble.h): the one run loop. */
#include "migflow/ensemble.h"

#include <stdlib.h>
#include <omp.h>

static void discard_all(struct mf_sink *const *sinks, int n)
{
	for (int k = 0; k < n; k++)
		if (sinks[k]->impl->discard)
			sinks[k]->impl->discard(sinks[k]);
}

#define EACH_SINK(call)                                                                  \
	for (int k = 0; k < n_sinks && status == MF_OK; k++)                             \
		if (sinks[k]->impl->call)                                                \
			status = sinks[k]->impl->call

/* Simulates run r from day 0 to its end, feeding the sinks. */
static enum mf_status simulate(struct mf_sim *sim, int r, const struct mf_ensemble_options *options,
			       struct mf_sink *const *sinks, int n_sinks, struct mf_error *err)
{
	enum mf_status status = MF_OK;
	int days = mf_sim_days_total(sim);
	for (int day = 0; day < days && status == MF_OK; day++) {
		if (options->cancelled && options->cancelled(options->user))
			return mf_error_set(err, MF_ERR_CANCELLED, "interrupted on day %d", day);
		if ((status = mf_sim_step(sim, err)) != MF_OK)
			return status;
		EACH_SINK(day)(sinks[k], r, sim, err);
		if (status == MF_OK && options->progress)
			options->progress(options->user, r, day + 1, sim);
	}
	EACH_SINK(end_replicate)(sinks[k], r, sim, err);
	return status;
}

static struct mf_run_options run_options(const struct mf_ensemble_options *options, int r,
					 int threads)
{
	return (struct mf_run_options){
		.seed = options->seed,
		.replicate = options->replicates ? (uint32_t)r : options->replicate,
		.threads = threads,
		.days = options->days,
		.overrides = options->overrides,
		.n_overrides = options->n_overrides,
	};
}

static const struct mf_scenario *scenario_of(const struct mf_scenario *scenario,
					     const struct mf_ensemble_options *options, int r)
{
	return options->run_scenarios ? options->run_scenarios[r] : scenario;
}

/* Replicates a thread each, side by side: the sinks are concurrent. */
static enum mf_status side_by_side(const struct mf_scenario *scenario,
				   const struct mf_ensemble_options *options, int runs, int lanes,
				   struct mf_sink *const *sinks, int n_sinks,
				   struct mf_ensemble_info *info, uint64_t *agent_steps,
				   struct mf_error *err)
{
	struct mf_error *errors = calloc((size_t)runs, sizeof(*errors));
	uint64_t *steps = calloc((size_t)runs, sizeof(*steps));
	if (!errors || !steps) {
		free(errors);
		free(steps);
		return mf_error_set(err, MF_ERR_NOMEM, "out of memory");
	}
	info->threads = 1;
	info->days = options->days > 0 ? options->days : scenario->days;
	enum mf_status status = MF_OK;
	EACH_SINK(begin)(sinks[k], info, err);
	if (status == MF_OK) {
#pragma omp parallel for num_threads(lanes) schedule(dynamic, 1)
		for (int r = 0; r < runs; r++) {
			struct mf_run_options run = run_options(options, r, 1);
			struct mf_sim *sim = mf_sim_create(scenario_of(scenario, options, r), &run,
							   &errors[r]);
			if (!sim)
				continue;
			if (simulate(sim, r, options, sinks, n_sinks, &errors[r]) == MF_OK) {
				struct mf_totals totals;
				mf_sim_totals(sim, &totals);
				steps[r] = totals.agent_steps;
			}
			mf_sim_destroy(sim);
		}
		for (int r = 0; r < runs && status == MF_OK; r++) {
			if (errors[r].code != MF_OK) {
				*err = errors[r];
				status = err->code;
			}
			*agent_steps += steps[r];
		}
	}
	free(errors);
	free(steps);
	return status;
}

enum mf_status mf_ensemble_run(const struct mf_scenario *scenario,
			       const struct mf_ensemble_options *options,
			       struct mf_sink *const *sinks, int n_sinks,
			       struct mf_ensemble_result *result, struct mf_error *err)
{
	int runs = options->replicates > 0 ? options->replicates : 1;
	double started = omp_get_wtime();
	struct mf_ensemble_info info = {
		.scenario = scenario,
		.replicates = options->replicates > 0 ? options->replicates : 0,
		.first_replicate = options->replicates > 0 ? 0 : options->replicate,
		.seed = options->seed,
	};
	uint64_t agent_steps = 0;
	enum mf_status status = MF_OK;
	bool concurrent = true;
	for (int k = 0; k < n_sinks; k++)
		concurrent = concurrent && sinks[k]->impl->concurrent;
	int cores = options->threads > 0 ? options->threads : omp_get_max_threads();
	if (options->side_by_side && concurrent && cores > 1 && runs >= cores) {
		status = side_by_side(scenario, options, runs, cores, sinks, n_sinks, &info,
				      &agent_steps, err);
	} else {
		for (int r = 0; r < runs && status == MF_OK; r++) {
			struct mf_run_options run = run_options(options, r, options->threads);
			struct mf_sim *sim = mf_sim_create(scenario_of(scenario, options, r), &run, err);
			if (!sim) {
				status = err->code;
				break;
			}
			if (r == 0) {
				info.days = mf_sim_days_total(sim);
				info.threads = mf_sim_threads(sim);
				EACH_SINK(begin)(sinks[k], &info, err);
			}
			if (status == MF_OK)
				status = simulate(sim, r, options, sinks, n_sinks, err);
			struct mf_totals totals;
			mf_sim_totals(sim, &totals);
			agent_steps += totals.agent_steps;
			mf_sim_destroy(sim);
		}
	}
	struct mf_ensemble_result done = {
		.runs = runs,
		.agent_steps = agent_steps,
		.wall_seconds = omp_get_wtime() - started,
		.threads = info.threads,
		.days = info.days,
	};
	EACH_SINK(finish)(sinks[k], &done, err);
	if (status != MF_OK) {
		discard_all(sinks, n_sinks);
		return status;
	}
	if (result)
		*result = done;
	return MF_OK;
}

#undef EACH_SINK
