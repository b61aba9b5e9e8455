/* The flat entry point for bindings (migflow/embed.h): what `migflow run`
 * does without the terminal (progress line, summary, signals). */
#include "migflow/embed.h"

#include <stdio.h>
#include <stdlib.h>

#include "migflow/ensemble.h"
#include "migflow/targets.h"

struct mf_scenario *mf_embed_load(const struct mf_embed_options *options, struct mf_error *err)
{
	if (!options->scenario)
		return mf_error_set(err, MF_ERR_INPUT, "no scenario given"), NULL;
	struct mf_scenario *scenario;
	if (options->text) {
		char path[4096];
		const char *dir = options->base_dir && *options->base_dir ? options->base_dir : ".";
		snprintf(path, sizeof(path), "%s/<text>", dir);
		scenario = mf_scenario_load_text(options->scenario, path, err);
	} else {
		scenario = mf_scenario_load(options->scenario, err);
	}
	if (!scenario)
		return NULL;
	if (options->agent_scale < 0 ||
	    (options->agent_scale && scenario->rules == MF_RULES_FLEE &&
	     options->agent_scale != scenario->agent_scale)) {
		mf_error_set(err, MF_ERR_INPUT, "agent_scale: %s", options->agent_scale < 0
			     ? "expected a whole number >= 1"
			     : "a FLEE world is read at its agent scale (hasten); set agent_scale "
			       "in the scenario");
		mf_scenario_destroy(scenario);
		return NULL;
	}
	if (options->agent_scale)
		scenario->agent_scale = options->agent_scale;
	return scenario;
}

enum mf_status mf_embed_check(const struct mf_embed_options *options, struct mf_error *err)
{
	struct mf_scenario *scenario = mf_embed_load(options, err);
	if (!scenario)
		return err->code;
	mf_scenario_destroy(scenario);
	return MF_OK;
}

struct embed_run {
	const struct mf_embed_options *options;
	struct mf_sink *targets, *output;
	struct mf_sink sink;
};

/* Before the output sink's finish: the targets table goes into the file. */
static enum mf_status embed_finish(struct mf_sink *sink, const struct mf_ensemble_result *result,
				   struct mf_error *err)
{
	struct embed_run *e = sink->data;
	if (!e->targets)
		return MF_OK;
	return mf_targets_sink_store(e->targets, mf_output_sink_output(e->output), result->days, err);
}

static const struct mf_sink_impl embed_impl = {
	.finish = embed_finish,
};

static void embed_progress(void *user, int run, int day, const struct mf_sim *sim)
{
	const struct mf_embed_options *o = ((struct embed_run *)user)->options;
	o->progress(o->user, run, day, mf_sim_days_total(sim), mf_sim_agents_alive(sim));
}

static bool embed_cancelled(void *user)
{
	const struct mf_embed_options *o = ((struct embed_run *)user)->options;
	return o->cancelled(o->user) != 0;
}

enum mf_status mf_embed_run(const struct mf_embed_options *options, const char *output,
			    struct mf_error *err)
{
	enum mf_status status = MF_OK;
	struct mf_override *overrides = NULL;
	struct mf_targets *targets = NULL;
	struct embed_run run = {.options = options};
	struct mf_scenario *scenario = mf_embed_load(options, err);
	if (!scenario)
		return err->code;
	if (options->replicates < 0 || options->days < 0 || options->threads < 0 ||
	    options->n_parameters < 0) {
		status = mf_error_set(err, MF_ERR_INPUT, "replicates, days, threads: expected "
				      "whole numbers >= 0");
		goto done;
	}
	int runs = options->replicates ? options->replicates : 1;
	if (options->n_parameters &&
	    !(overrides = calloc((size_t)options->n_parameters, sizeof(*overrides)))) {
		status = mf_error_set(err, MF_ERR_NOMEM, "out of memory");
		goto done;
	}
	for (int i = 0; i < options->n_parameters; i++)
		overrides[i] = (struct mf_override){options->parameter_names[i],
						    options->parameter_values[i]};
	if (scenario->targets_path[0]) {
		if (!(targets = mf_targets_load(scenario->targets_path, scenario, err))) {
			status = err->code;
			goto done;
		}
		if (!(run.targets = mf_targets_sink_create(targets, runs))) {
			status = mf_error_set(err, MF_ERR_NOMEM, "out of memory");
			goto done;
		}
	}
	if (!(run.output = mf_output_sink_create(output, true, NULL, 0))) {
		status = mf_error_set(err, MF_ERR_NOMEM, "out of memory");
		goto done;
	}
	run.sink = (struct mf_sink){.impl = &embed_impl, .data = &run};
	struct mf_ensemble_options ensemble = {
		.seed = options->has_seed ? options->seed : scenario->seed,
		.replicates = options->replicates,
		.replicate = options->replicate,
		.threads = options->threads,
		.days = options->days,
		.overrides = overrides,
		.n_overrides = options->n_parameters,
		.progress = options->progress ? embed_progress : NULL,
		.cancelled = options->cancelled ? embed_cancelled : NULL,
		.user = &run,
	};
	/* As migflow run orders them: the output last, after the table. */
	struct mf_sink *sinks[3];
	int n_sinks = 0;
	if (run.targets)
		sinks[n_sinks++] = run.targets;
	sinks[n_sinks++] = &run.sink;
	sinks[n_sinks++] = run.output;
	struct mf_ensemble_result result;
	status = mf_ensemble_run(scenario, &ensemble, sinks, n_sinks, &result, err);
done:
	mf_output_sink_destroy(run.output);
	mf_targets_sink_destroy(run.targets);
	mf_targets_destroy(targets);
	free(overrides);
	mf_scenario_destroy(scenario);
	return status;
}

size_t mf_embed_error_size(void)
{
	return sizeof(struct mf_error);
}

size_t mf_embed_options_size(void)
{
	return sizeof(struct mf_embed_options);
}
