/* The sinks the library provides to the ensemble entry point
 * (migflow/ensemble.h): the HDF5 writer and the calibration targets. */
#include "migflow/ensemble.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* ---- the HDF5 writer ---- */

struct output_sink {
	struct mf_sink sink;
	char *path;
	bool force;
	const char *const *attributes;
	int n_attributes;
	struct mf_output *out;
};

static enum mf_status output_begin(struct mf_sink *sink, const struct mf_ensemble_info *info,
				   struct mf_error *err)
{
	struct output_sink *o = sink->data;
	struct mf_output_info output = {
		.scenario = info->scenario,
		.days = info->days,
		.seed = info->seed,
		.replicate = info->first_replicate,
		.threads = info->threads,
		.replicates = info->replicates,
	};
	if (!(o->out = mf_output_create(o->path, o->force, &output, err)))
		return err->code;
	for (int i = 0; i < o->n_attributes; i++)
		if (mf_output_add_text_attribute(o->out, o->attributes[2 * i], o->attributes[2 * i + 1],
						 err) != MF_OK)
			return err->code;
	return MF_OK;
}

static enum mf_status output_day(struct mf_sink *sink, int run, const struct mf_sim *sim,
				 struct mf_error *err)
{
	struct output_sink *o = sink->data;
	return mf_output_write_day(o->out, mf_sim_day_counts(sim), err);
}

static enum mf_status output_finish(struct mf_sink *sink, const struct mf_ensemble_result *result,
				    struct mf_error *err)
{
	struct output_sink *o = sink->data;
	if (!o->out)
		return MF_OK;
	struct mf_run_stats stats = {.agent_steps = result->agent_steps,
				     .wall_seconds = result->wall_seconds};
	struct mf_output *out = o->out;
	o->out = NULL;
	return mf_output_finish(out, &stats, err);
}

static void output_discard(struct mf_sink *sink)
{
	struct output_sink *o = sink->data;
	mf_output_discard(o->out);
	o->out = NULL;
}

static const struct mf_sink_impl output_impl = {
	.begin = output_begin,
	.day = output_day,
	.finish = output_finish,
	.discard = output_discard,
	.concurrent = false, /* days arrive in order, replicate after replicate */
};

struct mf_sink *mf_output_sink_create(const char *path, bool force,
				      const char *const *attributes, int n_attributes)
{
	struct output_sink *o = calloc(1, sizeof(*o));
	if (!o || !(o->path = strdup(path))) {
		free(o);
		return NULL;
	}
	o->force = force;
	o->attributes = attributes;
	o->n_attributes = n_attributes;
	o->sink = (struct mf_sink){.impl = &output_impl, .data = o};
	return &o->sink;
}

struct mf_output *mf_output_sink_output(struct mf_sink *sink)
{
	return ((struct output_sink *)sink->data)->out;
}

void mf_output_sink_destroy(struct mf_sink *sink)
{
	if (!sink)
		return;
	struct output_sink *o = sink->data;
	mf_output_discard(o->out);
	free(o->path);
	free(o);
}

/* ---- the calibration targets ---- */

struct targets_sink {
	struct mf_sink sink;
	const struct mf_targets *targets;
	int runs;
	double *values; /* [run * n + target] */
};

static enum mf_status targets_begin(struct mf_sink *sink, const struct mf_ensemble_info *info,
				    struct mf_error *err)
{
	struct targets_sink *t = sink->data;
	memset(t->values, 0, (size_t)t->runs * (size_t)t->targets->n * sizeof(double));
	return MF_OK;
}

static enum mf_status targets_day(struct mf_sink *sink, int run, const struct mf_sim *sim,
				  struct mf_error *err)
{
	struct targets_sink *t = sink->data;
	if (run >= t->runs)
		return mf_error_set(err, MF_ERR_INTERNAL, "targets sink: run %d of %d", run, t->runs);
	mf_targets_add_day(t->targets, mf_sim_day_counts(sim),
			   t->values + (size_t)run * (size_t)t->targets->n);
	return MF_OK;
}

static const struct mf_sink_impl targets_impl = {
	.begin = targets_begin,
	.day = targets_day,
	.concurrent = true, /* each run adds to its own row */
};

struct mf_sink *mf_targets_sink_create(const struct mf_targets *targets, int runs)
{
	struct targets_sink *t = calloc(1, sizeof(*t));
	if (!t)
		return NULL;
	t->targets = targets;
	t->runs = runs > 0 ? runs : 1;
	t->values = calloc((size_t)t->runs * (size_t)(targets->n > 0 ? targets->n : 1), sizeof(double));
	if (!t->values) {
		free(t);
		return NULL;
	}
	t->sink = (struct mf_sink){.impl = &targets_impl, .data = t};
	return &t->sink;
}

const double *mf_targets_sink_values(const struct mf_sink *sink)
{
	return ((const struct targets_sink *)sink->data)->values;
}

void mf_targets_sink_destroy(struct mf_sink *sink)
{
	if (!sink)
		return;
	struct targets_sink *t = sink->data;
	free(t->values);
	free(t);
}

enum mf_status mf_targets_sink_store(const struct mf_sink *sink, struct mf_output *out, int days,
				     struct mf_error *err)
{
	const struct targets_sink *ts = sink->data;
	const struct mf_targets *targets = ts->targets;
	const double *values = ts->values;
	int runs = ts->runs;
	int n = targets->n;
	double *numbers = calloc((size_t)n * 6, sizeof(double));
	const char **texts = calloc((size_t)n * 4, sizeof(char *));
	if (!numbers || !texts) {
		free(numbers);
		free(texts);
		return mf_error_set(err, MF_ERR_NOMEM, "out of memory");
	}
	double *observed = numbers, *mean = numbers + n, *sd = numbers + 2 * n;
	double *error = numbers + 3 * n, *tolerance = numbers + 4 * n, *within = numbers + 5 * n;
	const char **names = texts, **quantity = texts + n, **window = texts + 2 * n, **source = texts + 3 * n;
	for (int i = 0; i < n; i++) {
		const struct mf_target *t = &targets->targets[i];
		names[i] = t->name;
		quantity[i] = t->query.indicator->name;
		window[i] = t->window;
		source[i] = t->source;
		observed[i] = t->observed;
		tolerance[i] = t->tolerance;
		if (t->query.last_day >= days) {
			mean[i] = sd[i] = error[i] = within[i] = NAN;
			continue;
		}
		double sum = 0, square = 0;
		for (int r = 0; r < runs; r++)
			sum += values[r * n + i];
		mean[i] = sum / runs;
		for (int r = 0; r < runs; r++)
			square += (values[r * n + i] - mean[i]) * (values[r * n + i] - mean[i]);
		sd[i] = runs > 1 ? sqrt(square / (runs - 1)) : 0;
		error[i] = mf_target_error(t, mean[i]);
		within[i] = fabs(error[i]) <= t->tolerance;
	}
	const struct mf_table_column columns[] = {
		{"target_observed", "observed value (persons, or persons per day for a daily target)", "1", MF_COLUMN_NUMBER, observed, NULL},
		{"target_simulated", "simulated value, mean over replicates", "1", MF_COLUMN_NUMBER, mean, NULL},
		{"target_simulated_sd", "simulated value, standard deviation over replicates", "1", MF_COLUMN_NUMBER, sd, NULL},
		{"target_error", "relative error of the simulated mean (0 above an at-least bound)", "1", MF_COLUMN_NUMBER, error, NULL},
		{"target_tolerance", "relative tolerance", "1", MF_COLUMN_NUMBER, tolerance, NULL},
		{"target_within", "1 when the error is within the tolerance", "1", MF_COLUMN_NUMBER, within, NULL},
		{"target_quantity", "simulated quantity compared", NULL, MF_COLUMN_TEXT, NULL, quantity},
		{"target_window", "window or date of the observation", NULL, MF_COLUMN_TEXT, NULL, window},
		{"target_source", "source of the observed value", NULL, MF_COLUMN_TEXT, NULL, source},
	};
	const struct mf_table table = {
		.dimension = "target",
		.long_name = "calibration target",
		.n_rows = n,
		.labels = names,
		.n_columns = (int)(sizeof(columns) / sizeof(*columns)),
		.columns = columns,
	};
	enum mf_status status = mf_output_add_table(out, &table, err);
	free(numbers);
	free(texts);
	return status;
}
