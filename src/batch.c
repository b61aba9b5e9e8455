/* A batch's members (include/migflow/batch.h): a member's scenario with
 * the batch's parameters applied, its file in the work directory and its
 * checkpoint beside it, and running it (mf_batch_run_member). Reading the
 * batch file is batch_load.c's job, writing the batch's file
 * batch_assemble.c's. */
#include "batch_private.h"
#include "migflow/ensemble.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "migflow/flee.h"
#include "migflow/posterior.h"
#include "migflow/sim.h"
#include "parameters.h"

#define WORK_SUFFIX ".work"

/* --- members ----------------------------------------------------------------- */

static void apply_parameter(struct mf_scenario *s, const struct parameter *p, double value)
{
	switch (p->kind) {
	case PARAMETER_MODEL: {
		struct mf_param_ref ref;
		char why[600];
		if (mf_param_resolve(p->name, s->graph, &ref, why, sizeof(why)) == MF_PARAM_FOUND)
			mf_param_set(&s->params, &ref, value);
		break;
	}
	case PARAMETER_FLEE: {
		double min, max, *setting = s->flee_owned
			? mf_flee_setting(&s->flee_owned->settings, p->name + 5, &min, &max) : NULL;
		if (setting)
			*setting = value;
		break;
	}
	case PARAMETER_SOURCE_RATE: {
		int place = p->place[0] ? mf_graph_place_index(s->graph, p->place) : -1;
		for (int i = 0; i < s->n_sources; i++)
			if ((place < 0 || s->sources[i].place == place) &&
			    (p->intent < 0 || (int)s->sources[i].intent == p->intent))
				s->sources[i].rate *= value;
		break;
	}
	}
}

/* The batch's fixed parameters and the member's sweep point. */
static void apply_member_parameters(const struct mf_batch *batch, const struct member *m,
				    struct mf_scenario *s)
{
	for (int f = 0; f < batch->n_fixed; f++)
		apply_parameter(s, &batch->fixed[f], batch->fixed_values[f]);
	for (int j = 0; m->point >= 0 && j < batch->n_swept; j++)
		apply_parameter(s, &batch->swept[j],
				batch->points[(size_t)m->point * (size_t)batch->n_swept + (size_t)j]);
}

struct mf_scenario *mf_batch_member_scenario(const struct mf_batch *batch, int i,
					     struct mf_error *err)
{
	if (i < 0 || i >= batch->n_members) {
		mf_error_set(err, MF_ERR_INTERNAL, "batch: no member %d", i);
		return NULL;
	}
	const struct member *m = &batch->members[i];
	const struct batch_scenario *bs = &batch->scenarios[m->scenario];
	struct mf_scenario *s = mf_scenario_load(bs->path, err);
	if (!s)
		return NULL;
	if (mf_scenario_text_hash(s) != bs->text_hash) {
		mf_error_set(err, MF_ERR_INPUT, "%s: the scenario (or a file it reads) changed since "
			     "the batch was loaded", bs->path);
		mf_scenario_destroy(s);
		return NULL;
	}
	if (batch->agent_scale && s->rules == MF_RULES_FLEE && batch->agent_scale != s->agent_scale) {
		mf_error_set(err, MF_ERR_INPUT, "%s: agent_scale: a FLEE world is read at its agent scale "
			     "(hasten); set agent_scale in the scenario, not the batch", bs->path);
		mf_scenario_destroy(s);
		return NULL;
	}
	if (batch->agent_scale)
		s->agent_scale = batch->agent_scale;
	apply_member_parameters(batch, m, s);
	return s;
}

/* Keeps a member's posterior draws and writes them into its file before
 * the output sink finishes it. */
struct draws_sink {
	struct mf_posterior_draws *draws;
	struct mf_sink *output;
};

static enum mf_status draws_finish(struct mf_sink *sink, const struct mf_ensemble_result *result,
				   struct mf_error *err)
{
	(void)result;
	struct draws_sink *d = sink->data;
	return mf_posterior_draws_store(d->draws, mf_output_sink_output(d->output), err);
}

static const struct mf_sink_impl draws_impl = {
	.finish = draws_finish,
	.concurrent = true,
};

char *mf_batch_work_dir(const char *out_path)
{
	size_t n = strlen(out_path);
	char *dir = malloc(n + sizeof(WORK_SUFFIX));
	if (dir) {
		memcpy(dir, out_path, n);
		memcpy(dir + n, WORK_SUFFIX, sizeof(WORK_SUFFIX));
	}
	return dir;
}

char *mf_batch_member_path(const struct mf_batch *batch, int i, const char *work_dir)
{
	size_t n = strlen(work_dir) + strlen(batch->members[i].name) + 8;
	char *path = malloc(n);
	if (path)
		snprintf(path, n, "%s/%s.h5", work_dir, batch->members[i].name);
	return path;
}

bool mf_batch_member_done(const struct mf_batch *batch, int i, const char *work_dir)
{
	char *path = mf_batch_member_path(batch, i, work_dir);
	if (!path)
		return false;
	char *key = NULL;
	struct mf_error err = {0};
	bool done = access(path, F_OK) == 0 &&
		    mf_output_probe(path, "batch_key", &key, NULL, &err) == MF_OK && key &&
		    strcmp(key, batch->members[i].key) == 0;
	free(key);
	free(path);
	return done;
}

/* The checkpoint of a member whose file is path. Caller frees. */
static char *member_state_path(const char *path)
{
	size_t n = strlen(path) + sizeof(".state");
	char *state = malloc(n);
	if (state)
		snprintf(state, n, "%s.state", path);
	return state;
}

/* Whether state is a checkpoint of the member whose key is key; one of
 * another (the batch file changed) is removed. */
static bool member_state_valid(const char *state, const char *key)
{
	if (access(state, F_OK) != 0)
		return false;
	struct mf_error err = {0};
	struct mf_checkpoint_info info;
	bool valid = mf_checkpoint_info_read(state, &info, &err) == MF_OK && info.record_size > 0 &&
		     strcmp(info.record, key) == 0;
	mf_checkpoint_info_finish(&info);
	if (!valid)
		unlink(state);
	return valid;
}

enum mf_status mf_batch_run_member(const struct mf_batch *batch, int i,
				   const char *work_dir,
				   const struct mf_batch_run_options *options,
				   struct mf_run_stats *stats, struct mf_error *err)
{
	struct mf_scenario *scenario = mf_batch_member_scenario(batch, i, err);
	if (!scenario)
		return err ? err->code : MF_ERR_INPUT;
	const struct member *m = &batch->members[i];
	enum mf_status status = MF_OK;
	struct mf_sink *sink = NULL;
	struct draws_sink keep = {0};
	char *state = NULL;
	char *path = mf_batch_member_path(batch, i, work_dir);
	const char *attributes[] = {"member", m->name, "parameters", m->parameters,
				    "batch_key", m->key};
	if (!path || !(sink = mf_output_sink_create(path, true, attributes, 3))) {
		status = mf_error_set(err, MF_ERR_NOMEM, "out of memory");
		goto done;
	}
	/* The member's checkpoint beside its file: resumed when it is this
	 * member's (its key), written on interruption and every
	 * checkpoint_every days, removed once the member is done. */
	state = member_state_path(path);
	if (!state) {
		status = mf_error_set(err, MF_ERR_NOMEM, "out of memory");
		goto done;
	}
	bool resume = member_state_valid(state, m->key);
	struct mf_checkpoint_options checkpoint = {
		.path = state,
		.every_days = batch->checkpoint_every,
		.on_cancel = true,
		.resume = resume ? state : NULL,
		.branch = !resume && batch->from_state[0] ? batch->from_state : NULL,
		.record = m->key,
		.record_size = strlen(m->key) + 1,
	};
	struct mf_ensemble_options run = {
		.seed = batch->scenarios[m->scenario].seed,
		.replicates = batch->replicates,
		.threads = options ? options->threads : 0,
		.days = batch->days,
		.cancelled = options ? options->cancelled : NULL,
		.user = options ? options->user : NULL,
		.checkpoint = &checkpoint,
	};
	/* Under a posterior: replicate k draws its parameters, then the
	 * member's own parameters apply on top. */
	keep.output = sink;
	struct mf_sink keep_sink = {.impl = &draws_impl, .data = &keep};
	struct mf_sink *sinks[2] = {&keep_sink, sink};
	if (batch->posterior[0]) {
		keep.draws = mf_posterior_draws_create(batch->posterior,
						       batch->scenarios[m->scenario].path, run.seed,
						       batch->replicates, batch->agent_scale, err);
		if (!keep.draws) {
			status = err->code;
			goto done;
		}
		for (int k = 0; k < batch->replicates; k++)
			apply_member_parameters(batch, m, keep.draws->scenarios[k]);
		run.run_scenarios = (const struct mf_scenario *const *)keep.draws->scenarios;
	}
	struct mf_ensemble_result result;
	status = mf_ensemble_run(scenario, &run, batch->posterior[0] ? sinks : sinks + 1,
				 batch->posterior[0] ? 2 : 1, &result, err);
	if (status == MF_ERR_CANCELLED) {
		char why[sizeof(err->message)];
		snprintf(why, sizeof(why), "%s", err->message);
		mf_error_set(err, MF_ERR_CANCELLED, "member %s %s", m->name, why);
	}
	if (status == MF_OK && stats)
		*stats = (struct mf_run_stats){.agent_steps = result.agent_steps,
					       .wall_seconds = result.wall_seconds};
	if (status == MF_OK)
		unlink(state);
done:
	free(state);
	mf_posterior_draws_destroy(keep.draws);
	mf_output_sink_destroy(sink);
	mf_scenario_destroy(scenario);
	free(path);
	return status;
}
