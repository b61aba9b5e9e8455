/* FLEE's averaged relative difference of runs simulated in memory: a sink
 * of the ensemble entry point keeps the agents at every location on every
 * day of each run, then each run is scored against the instance's camp
 * data (mf_flee_ard_compute), as `migflow validate` scores a file. */
#include <stdlib.h>

#include "migflow/ensemble.h"
#include "migflow/flee.h"

struct ard_sink {
	struct mf_sink sink;
	int runs, days, places, scale;
	int64_t *agents; /* [(run * days + day) * places + place] */
};

static enum mf_status ard_begin(struct mf_sink *sink, const struct mf_ensemble_info *info,
				struct mf_error *err)
{
	struct ard_sink *a = sink->data;
	a->days = info->days;
	a->places = info->scenario->graph->n_places;
	a->scale = info->scenario->agent_scale;
	a->agents = calloc((size_t)a->runs * (size_t)a->days * (size_t)a->places, sizeof(int64_t));
	return a->agents ? MF_OK : mf_error_set(err, MF_ERR_NOMEM, "out of memory");
}

static enum mf_status ard_day(struct mf_sink *sink, int run, const struct mf_sim *sim,
			      struct mf_error *err)
{
	struct ard_sink *a = sink->data;
	const struct mf_day_counts *d = mf_sim_day_counts(sim);
	int64_t *row = a->agents + ((size_t)run * (size_t)a->days + (size_t)d->day) * (size_t)a->places;
	for (int p = 0; p < a->places; p++)
		row[p] = d->occupancy[p * MF_INTENT_COUNT + MF_INTENT_DISPLACED] / a->scale;
	return MF_OK;
}

static const struct mf_sink_impl ard_impl = {
	.begin = ard_begin,
	.day = ard_day,
	.concurrent = true, /* each run fills its own rows */
};

enum mf_status mf_flee_ard_simulate(const struct mf_scenario *scenario,
				    const struct mf_ensemble_options *options, double *mean,
				    double *mean_rescaled, struct mf_error *err)
{
	if (scenario->rules != MF_RULES_FLEE || !scenario->flee)
		return mf_error_set(err, MF_ERR_INPUT, "%s: the ARD scores runs of a FLEE instance "
				    "(rules flee)", scenario->path);
	struct ard_sink a = {.runs = options->replicates > 0 ? options->replicates : 1};
	a.sink = (struct mf_sink){.impl = &ard_impl, .data = &a};
	struct mf_sink *sinks[] = {&a.sink};
	enum mf_status status = mf_ensemble_run(scenario, options, sinks, 1, NULL, err);
	double sum = 0, sum_rescaled = 0;
	for (int r = 0; r < a.runs && status == MF_OK; r++) {
		struct mf_flee_ard ard;
		status = mf_flee_ard_compute(scenario->flee,
					     a.agents + (size_t)r * (size_t)a.days * (size_t)a.places,
					     a.days, &ard, err);
		if (status == MF_OK) {
			sum += ard.mean;
			sum_rescaled += ard.mean_rescaled;
			mf_flee_ard_free(&ard);
		}
	}
	free(a.agents);
	if (status == MF_OK) {
		*mean = sum / a.runs;
		*mean_rescaled = sum_rescaled / a.runs;
	}
	return status;
}
