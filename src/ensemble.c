/* The ensemble entry point (migflow/ensemble.h): the one run loop. */
#include "migflow/ensemble.h"

#include <stdlib.h>
#include <omp.h>

#include "migflow/checkpoint.h"
#include "checkpoint.h"

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

/* The run is cancelled before day `day`: with a checkpoint first when one
 * is asked for. */
static enum mf_status cancel(struct mf_sim *sim, int r, int day, struct mf_checkpointing *cp,
			     struct mf_error *err)
{
	if (cp && cp->options->path && cp->options->on_cancel) {
		if (mf_checkpointing_write(cp, r, sim, err) != MF_OK)
			return err->code;
		return mf_error_set(err, MF_ERR_CANCELLED, "interrupted on day %d; checkpoint written to %s",
				    day, cp->options->path);
	}
	return mf_error_set(err, MF_ERR_CANCELLED, "interrupted on day %d", day);
}

/* Simulates run r from the day sim is at to its end, feeding the sinks
 * (and the checkpoints, cp not NULL). */
static enum mf_status simulate(struct mf_sim *sim, int r, const struct mf_ensemble_options *options,
			       struct mf_sink *const *sinks, int n_sinks, struct mf_checkpointing *cp,
			       struct mf_error *err)
{
	enum mf_status status = MF_OK;
	int days = mf_sim_days_total(sim);
	for (int day = mf_sim_days_done(sim); day < days && status == MF_OK; day++) {
		if (options->cancelled && options->cancelled(options->user))
			return cancel(sim, r, day, cp, err);
		if ((status = mf_sim_step(sim, err)) != MF_OK)
			return status;
		if (cp && !mf_history_record(cp->history, r, sim))
			return mf_error_set(err, MF_ERR_NOMEM, "out of memory keeping the days for checkpoints");
		EACH_SINK(day)(sinks[k], r, sim, err);
		if (status == MF_OK && options->progress)
			options->progress(options->user, r, day + 1, sim);
		if (status == MF_OK && cp && mf_checkpointing_due(cp, sim))
			status = mf_checkpointing_write(cp, r, sim, err);
	}
	EACH_SINK(end_replicate)(sinks[k], r, sim, err);
	return status;
}

/* Before run `first` (sim) is simulated: the history of the days, and when
 * resuming or branching sim put into the saved state and the saved days
 * given to the sinks again, with sim standing for each run (the runs
 * before whole; their agent-steps are added to *agent_steps). */
static enum mf_status start_checkpointing(struct mf_checkpointing *cp, struct mf_sim *sim, int first,
					  struct mf_sink *const *sinks, int n_sinks,
					  uint64_t *agent_steps, struct mf_error *err)
{
	if (!mf_sim_can_checkpoint(sim))
		return mf_error_set(err, MF_ERR_INPUT, "checkpoints and branches are not available for"
				    " the %s rules", mf_sim_rules_name(sim));
	if (!(cp->history = mf_history_create(cp->runs, cp->days, sim)))
		return mf_error_set(err, MF_ERR_NOMEM, "out of memory");
	if (!cp->from)
		return MF_OK;
	enum mf_status status = mf_checkpointing_restore(cp, sim, err);
	for (int r = 0; r <= first && status == MF_OK; r++) {
		int days = mf_history_days(cp->history, r);
		for (int day = 0; day < days && status == MF_OK; day++) {
			mf_history_unpack(cp->history, r, day, sim);
			EACH_SINK(day)(sinks[k], r, sim, err);
		}
		if (r < first) { /* a run done before the checkpoint */
			struct mf_totals totals;
			mf_sim_totals(sim, &totals);
			*agent_steps += totals.agent_steps;
			EACH_SINK(end_replicate)(sinks[k], r, sim, err);
		}
	}
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
			if (simulate(sim, r, options, sinks, n_sinks, NULL, &errors[r]) == MF_OK) {
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
	struct mf_checkpointing checkpointing = {
		.options = options->checkpoint,
		.scenario = scenario,
		.runs = runs,
		.days = options->days > 0 ? options->days : scenario->days,
		.replicates = info.replicates,
		.first_replicate = info.first_replicate,
		.seed = options->seed,
	};
	struct mf_checkpointing *cp = options->checkpoint ? &checkpointing : NULL;
	if (cp && mf_checkpointing_open(cp, err) != MF_OK) {
		mf_checkpointing_finish(cp);
		return err->code;
	}
	bool concurrent = !cp;
	for (int k = 0; k < n_sinks; k++)
		concurrent = concurrent && sinks[k]->impl->concurrent;
	int cores = options->threads > 0 ? options->threads : omp_get_max_threads();
	if (options->side_by_side && concurrent && cores > 1 && runs >= cores) {
		status = side_by_side(scenario, options, runs, cores, sinks, n_sinks, &info,
				      &agent_steps, err);
	} else {
		int first = cp ? cp->from_run : 0;
		for (int r = first; r < runs && status == MF_OK; r++) {
			struct mf_run_options run = run_options(options, r, options->threads);
			struct mf_sim *sim = mf_sim_create(scenario_of(scenario, options, r), &run, err);
			if (!sim) {
				status = err->code;
				break;
			}
			if (r == first) {
				info.days = mf_sim_days_total(sim);
				info.threads = mf_sim_threads(sim);
				EACH_SINK(begin)(sinks[k], &info, err);
				if (status == MF_OK && cp)
					status = start_checkpointing(cp, sim, first, sinks, n_sinks,
								     &agent_steps, err);
			}
			if (status == MF_OK)
				status = simulate(sim, r, options, sinks, n_sinks, cp, err);
			struct mf_totals totals;
			mf_sim_totals(sim, &totals);
			agent_steps += totals.agent_steps;
			mf_sim_destroy(sim);
		}
	}
	struct mf_ensemble_result done = {
		.runs = runs,
		.checkpoints = cp ? cp->written : 0,
		.checkpoint_day = cp ? cp->written_day : 0,
		.checkpoint_seconds = cp ? cp->write_seconds : 0,
		.restore_seconds = cp ? cp->restore_seconds : 0,
		.agent_steps = agent_steps,
		.wall_seconds = omp_get_wtime() - started,
		.threads = info.threads,
		.days = info.days,
	};
	EACH_SINK(finish)(sinks[k], &done, err);
	if (cp)
		mf_checkpointing_finish(cp);
	if (status != MF_OK) {
		discard_all(sinks, n_sinks);
		if (result) {
			result->checkpoints = done.checkpoints;
			result->checkpoint_day = done.checkpoint_day;
			result->checkpoint_seconds = done.checkpoint_seconds;
		}
		return status;
	}
	if (result)
		*result = done;
	return MF_OK;
}

#undef EACH_SINK
