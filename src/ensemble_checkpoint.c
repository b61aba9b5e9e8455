/* The ensemble's checkpoints (checkpoint.h, migflow/checkpoint.h): when
 * they are due, what a checkpoint file holds beside the simulation's state
 * (which run, the days so far, the scenario's hashes, the front end's
 * record), and the checks before resuming or branching. */
#include "migflow/checkpoint.h"
#include "checkpoint.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <omp.h>

#include "migflow/date.h"

enum { HEAD_RUN, HEAD_RUNS, HEAD_DAYS, HEAD_REPLICATES, HEAD_SEED, HEAD_REPLICATE, HEAD_DAY,
       HEAD_START, HEAD_COUNT };
/* The scenario's text hash, then its fingerprints up to the day saved. */
enum { HASH_TEXT, HASH_PARTS, HASH_COUNT = HASH_PARTS + MF_FINGERPRINT_COUNT };

static void hashes_of(const struct mf_scenario *scenario, int day, uint64_t *hashes)
{
	hashes[HASH_TEXT] = mf_scenario_text_hash(scenario);
	mf_scenario_fingerprints(scenario, day, hashes + HASH_PARTS);
}

bool mf_checkpointing_due(const struct mf_checkpointing *c, const struct mf_sim *sim)
{
	const struct mf_checkpoint_options *o = c->options;
	int done = mf_sim_days_done(sim);
	if (!o || !o->path || done >= mf_sim_days_total(sim))
		return false;
	return (o->every_days > 0 && done % o->every_days == 0) || (o->at_day > 0 && done == o->at_day);
}

enum mf_status mf_checkpointing_write(struct mf_checkpointing *c, int run, const struct mf_sim *sim,
				      struct mf_error *err)
{
	const struct mf_checkpoint_options *o = c->options;
	int day = mf_sim_days_done(sim);
	double started = omp_get_wtime();
	int64_t head[HEAD_COUNT] = {
		[HEAD_RUN] = run, [HEAD_RUNS] = c->runs, [HEAD_DAYS] = c->days,
		[HEAD_REPLICATES] = c->replicates, [HEAD_SEED] = (int64_t)c->seed,
		[HEAD_REPLICATE] = c->replicates ? run : (int64_t)c->first_replicate,
		[HEAD_DAY] = day, [HEAD_START] = c->scenario->start,
	};
	uint64_t hashes[HASH_COUNT];
	hashes_of(c->scenario, day, hashes);
	/* The scenario's own parameters, to name those a branch changes. */
	struct mf_parameters params = c->scenario->params;
	params.stay_days_by_country = NULL;
	const double *stay = c->scenario->params.stay_days_by_country;
	struct mf_state_file *file = mf_state_file_create(o->path, err);
	if (!file)
		return err->code;
	if (mf_state_file_put(file, "ensemble.head", MF_STATE_I64, HEAD_COUNT, head, 0, err) != MF_OK ||
	    mf_state_file_put(file, "ensemble.hashes", MF_STATE_I64, HASH_COUNT, hashes, 0, err) != MF_OK ||
	    mf_state_file_put(file, "ensemble.parameters", MF_STATE_BYTES, sizeof(params), &params, 0,
			      err) != MF_OK ||
	    mf_state_file_put(file, "ensemble.stay_days_by_country", MF_STATE_F64,
			      stay ? (size_t)c->scenario->graph->n_countries : 0, stay, 0, err) != MF_OK ||
	    mf_state_file_put_text(file, "ensemble.scenario", c->scenario->path, err) != MF_OK ||
	    mf_state_file_put_text(file, "ensemble.name", c->scenario->name, err) != MF_OK ||
	    mf_state_file_put(file, "ensemble.record", MF_STATE_BYTES, o->record ? o->record_size : 0,
			      o->record, 0, err) != MF_OK ||
	    mf_history_save(c->history, run, file, err) != MF_OK ||
	    mf_sim_save(sim, file, err) != MF_OK) {
		mf_state_file_abandon(file);
		return err->code;
	}
	if (mf_state_file_commit(file, err) != MF_OK)
		return err->code;
	c->written++;
	c->written_day = day;
	c->write_seconds += omp_get_wtime() - started;
	return MF_OK;
}

static enum mf_status read_head(struct mf_state_file *file, int64_t *head, uint64_t *hashes,
				struct mf_error *err)
{
	if (mf_state_file_get(file, "ensemble.head", MF_STATE_I64, HEAD_COUNT, head, err) != MF_OK ||
	    mf_state_file_get(file, "ensemble.hashes", MF_STATE_I64, HASH_COUNT, hashes, err) != MF_OK)
		return err->code;
	if (head[HEAD_RUN] < 0 || head[HEAD_RUN] >= head[HEAD_RUNS] || head[HEAD_DAY] < 0 ||
	    head[HEAD_DAY] > head[HEAD_DAYS])
		return mf_error_set(err, MF_ERR_INPUT, "%s: a damaged checkpoint (run %lld of %lld, day %lld)",
				    mf_state_file_path(file), (long long)head[HEAD_RUN],
				    (long long)head[HEAD_RUNS], (long long)head[HEAD_DAY]);
	return MF_OK;
}

/* The checks of a resume: the same ensemble of the same scenario files. */
static enum mf_status check_resume(const struct mf_checkpointing *c, const int64_t *head,
				   const uint64_t *hashes, struct mf_error *err)
{
	const char *path = mf_state_file_path(c->from);
	if (head[HEAD_RUNS] != c->runs || head[HEAD_DAYS] != c->days ||
	    head[HEAD_REPLICATES] != c->replicates || (uint64_t)head[HEAD_SEED] != c->seed)
		return mf_error_set(err, MF_ERR_INPUT,
				    "%s: saved by another run (%lld runs of %lld days, seed %llu; this one:"
				    " %d of %d, seed %llu)", path, (long long)head[HEAD_RUNS],
				    (long long)head[HEAD_DAYS], (unsigned long long)head[HEAD_SEED], c->runs,
				    c->days, (unsigned long long)c->seed);
	uint64_t now[HASH_COUNT];
	hashes_of(c->scenario, (int)head[HEAD_DAY], now);
	if (memcmp(hashes, now, sizeof(now)) != 0)
		return mf_error_set(err, MF_ERR_INPUT,
				    "%s: %s or a file it reads changed since the checkpoint; resuming needs"
				    " the same files", path, c->scenario->path);
	return MF_OK;
}

/* The names of the parameters in which c's scenario differs from the
 * saved scenario's own (none when they cannot be read). */
static void parameter_differences(const struct mf_checkpointing *c, char *names, size_t size)
{
	struct mf_parameters saved;
	int countries = c->scenario->graph->n_countries;
	double *stay = calloc((size_t)(countries > 0 ? countries : 1), sizeof(double));
	struct mf_error ignored = {0};
	if (stay &&
	    mf_state_file_get(c->from, "ensemble.parameters", MF_STATE_BYTES, sizeof(saved), &saved,
			      &ignored) == MF_OK &&
	    mf_state_file_get(c->from, "ensemble.stay_days_by_country", MF_STATE_F64,
			      c->scenario->params.stay_days_by_country ? (size_t)countries : 0, stay,
			      &ignored) == MF_OK) {
		saved.stay_days_by_country = c->scenario->params.stay_days_by_country ? stay : NULL;
		mf_parameters_differences(&saved, &c->scenario->params, countries, names, size);
	}
	free(stay);
}

/* The checks of a branch: one run, the same world before the state's day. */
static enum mf_status check_branch(const struct mf_checkpointing *c, const int64_t *head,
				   const uint64_t *hashes, const char *parent, struct mf_error *err)
{
	const char *path = mf_state_file_path(c->from);
	int day = (int)head[HEAD_DAY];
	char date[16];
	mf_date_format(c->scenario->start + day, date);
	if (c->runs != 1)
		return mf_error_set(err, MF_ERR_INPUT, "%s: a state is one run's: branch a single run, not"
				    " replicates", path);
	if (head[HEAD_START] != c->scenario->start)
		return mf_error_set(err, MF_ERR_INPUT, "%s: %s starts on another day than %s, whose state"
				    " this is", path, c->scenario->path, parent);
	if (day > c->days)
		return mf_error_set(err, MF_ERR_INPUT, "%s: saved on day %d (%s), after the %d days of %s",
				    path, day, date, c->days, c->scenario->path);
	uint64_t now[HASH_COUNT];
	hashes_of(c->scenario, day, now);
	int part = 0;
	while (part < MF_FINGERPRINT_COUNT && now[HASH_PARTS + part] == hashes[HASH_PARTS + part])
		part++;
	if (part == MF_FINGERPRINT_EVENTS)
		return mf_error_set(err, MF_ERR_INPUT,
				    "%s: %s has other events than %s before day %d (%s), the state's day; a"
				    " branch may differ from its parent only from that day on", path,
				    c->scenario->path, parent, day, date);
	if (part == MF_FINGERPRINT_PARAMETERS) {
		char names[256] = "";
		parameter_differences(c, names, sizeof(names));
		return mf_error_set(err, MF_ERR_INPUT,
				    "%s: %s sets other parameters than %s from day 0 (%s); a branch shares its"
				    " parent's world until the state's day: set them with `kind: parameter`"
				    " events dated on or after %s", path, c->scenario->path, parent,
				    names[0] ? names : "values", date);
	}
	if (part < MF_FINGERPRINT_COUNT)
		return mf_error_set(err, MF_ERR_INPUT,
				    "%s: %s is not the world of %s, whose state this is (the %s differ); a"
				    " branch shares its parent's world", path, c->scenario->path, parent,
				    mf_fingerprint_name(part));
	return MF_OK;
}

enum mf_status mf_checkpointing_open(struct mf_checkpointing *c, struct mf_error *err)
{
	const struct mf_checkpoint_options *o = c->options;
	const char *path = o ? (o->resume ? o->resume : o->branch) : NULL;
	if (!path)
		return MF_OK;
	if (o->resume && o->branch)
		return mf_error_set(err, MF_ERR_INPUT, "resume a run or branch one, not both");
	if (!(c->from = mf_state_file_open(path, err)))
		return err->code;
	int64_t head[HEAD_COUNT];
	uint64_t hashes[HASH_COUNT];
	if (read_head(c->from, head, hashes, err) != MF_OK)
		return err->code;
	char *parent = mf_state_file_get_text(c->from, "ensemble.scenario", err);
	if (!parent)
		return err->code;
	enum mf_status status = o->resume ? check_resume(c, head, hashes, err)
					  : check_branch(c, head, hashes, parent, err);
	free(parent);
	if (status != MF_OK)
		return status;
	if (o->branch && (uint64_t)head[HEAD_SEED] != c->seed)
		return mf_error_set(err, MF_ERR_INPUT, "%s: saved with seed %llu; a branch runs with the"
				    " state's seed", path, (unsigned long long)head[HEAD_SEED]);
	if (o->branch && (uint32_t)head[HEAD_REPLICATE] != c->first_replicate)
		return mf_error_set(err, MF_ERR_INPUT, "%s: the state of replicate %lld; a branch runs"
				    " with the state's replicate", path, (long long)head[HEAD_REPLICATE]);
	c->from_run = o->resume ? (int)head[HEAD_RUN] : 0;
	c->from_day = (int)head[HEAD_DAY];
	c->from_saved_run = (int)head[HEAD_RUN];
	return MF_OK;
}

enum mf_status mf_checkpointing_restore(struct mf_checkpointing *c, struct mf_sim *sim,
					struct mf_error *err)
{
	bool branch = c->options->branch != NULL;
	double started = omp_get_wtime();
	if (mf_sim_restore(sim, c->from, branch, err) != MF_OK ||
	    (branch ? mf_history_load_run(c->history, 0, c->from_saved_run, c->from_day, c->from, err)
		    : mf_history_load(c->history, c->from_run, c->from_day, c->from, err)) != MF_OK)
		return err->code;
	c->restore_seconds = omp_get_wtime() - started;
	return MF_OK;
}

void mf_checkpointing_finish(struct mf_checkpointing *c)
{
	mf_state_file_close(c->from);
	c->from = NULL;
	mf_history_destroy(c->history);
	c->history = NULL;
}

enum mf_status mf_checkpoint_info_read(const char *path, struct mf_checkpoint_info *info,
				       struct mf_error *err)
{
	memset(info, 0, sizeof(*info));
	struct mf_state_file *file = mf_state_file_open(path, err);
	if (!file)
		return err->code;
	int64_t head[HEAD_COUNT];
	uint64_t hashes[HASH_COUNT];
	char *scenario = NULL, *name = NULL;
	size_t size = 0;
	enum mf_status status = read_head(file, head, hashes, err);
	if (status == MF_OK && (!(scenario = mf_state_file_get_text(file, "ensemble.scenario", err)) ||
				!(name = mf_state_file_get_text(file, "ensemble.name", err))))
		status = err->code;
	if (status == MF_OK)
		status = mf_state_file_count(file, "ensemble.record", &size, err);
	if (status == MF_OK && !(info->record = malloc(size + 1)))
		status = mf_error_set(err, MF_ERR_NOMEM, "out of memory reading %s", path);
	if (status == MF_OK)
		status = mf_state_file_get(file, "ensemble.record", MF_STATE_BYTES, size, info->record, err);
	if (status == MF_OK) {
		((char *)info->record)[size] = '\0';
		info->record_size = size;
		info->day = (int)head[HEAD_DAY];
		info->run = (int)head[HEAD_RUN];
		info->runs = (int)head[HEAD_RUNS];
		info->days = (int)head[HEAD_DAYS];
		info->seed = (uint64_t)head[HEAD_SEED];
		info->replicate = (uint32_t)head[HEAD_REPLICATE];
		info->replicates = (int)head[HEAD_REPLICATES];
		mf_date_format((int)(head[HEAD_START] + head[HEAD_DAY]), info->date);
		snprintf(info->scenario, sizeof(info->scenario), "%s", scenario);
		snprintf(info->name, sizeof(info->name), "%s", name);
	}
	free(scenario);
	free(name);
	mf_state_file_close(file);
	if (status != MF_OK)
		mf_checkpoint_info_finish(info);
	return status;
}

void mf_checkpoint_info_finish(struct mf_checkpoint_info *info)
{
	free(info->record);
	info->record = NULL;
	info->record_size = 0;
}
