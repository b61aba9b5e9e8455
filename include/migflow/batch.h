/* Batches: many runs described by one YAML file, written into one HDF5
 * file (MODEL.md 9).
 *
 * A batch lists scenarios (paths relative to the batch file), an optional
 * parameter sweep (a grid, or a Sobol design from GSL's gsl_qrng_sobol) and
 * a number of replicates. Every (scenario, sweep point) pair is a member:
 * an ensemble run written as its own run file into a work directory
 * (OUT.h5.work/<member>.h5, via .partial and rename, so a file there is
 * complete), then, when every member is done, copied into OUT.h5 as the
 * group /members/<member>. Re-running an interrupted batch keeps the member
 * files whose recorded key (scenario text, parameters, seed, replicates,
 * days, agent scale, engine version) still matches and runs the rest.
 *
 * Parameters are named as in a scenario's `parameters:` block: the scalars
 * (displacement_rate, insecurity_cost, retry_after_interception, ...),
 * speed_km_per_day.<mode>, wait_days.<kind>[.<intent>],
 * stay_days.<country>; and source_rate[.<place>[.<intent>]], a multiplier
 * of the rates of the matching sources. The language is documented in
 * scenarios/batch-example.yaml. */
#ifndef MIGFLOW_BATCH_H
#define MIGFLOW_BATCH_H

#include <stdbool.h>
#include <stdint.h>
#include "migflow/error.h"
#include "migflow/output.h"
#include "migflow/scenario.h"

struct mf_batch;

/* Reads and validates a batch file and every scenario it names; unknown
 * keys, unknown parameters and values out of range are errors naming
 * file:line:column. Caller frees with mf_batch_destroy. */
struct mf_batch *mf_batch_load(const char *path, struct mf_error *err);

/* Frees a batch. Accepts NULL. */
void mf_batch_destroy(struct mf_batch *batch);

/* The batch's name (its `name:`, or the file name without extension). */
const char *mf_batch_name(const struct mf_batch *batch);

/* Members in order: scenario by scenario, sweep point by sweep point. */
int mf_batch_member_count(const struct mf_batch *batch);

/* Member i's name ("<scenario>" or "<scenario>_p<point>"), its scenario's
 * name, and its parameters as a JSON object ("{}" when none). */
const char *mf_batch_member_name(const struct mf_batch *batch, int i);
const char *mf_batch_member_scenario_name(const struct mf_batch *batch, int i);
const char *mf_batch_member_parameters(const struct mf_batch *batch, int i);

/* Replicates of every member. */
int mf_batch_replicates(const struct mf_batch *batch);

/* Member i's scenario: loaded afresh, with the batch's overrides (days are
 * applied by the run, agent_scale here) and the member's parameters
 * applied. Caller frees with mf_scenario_destroy. */
struct mf_scenario *mf_batch_member_scenario(const struct mf_batch *batch, int i,
					     struct mf_error *err);

/* The work directory of a batch written to out_path: out_path + ".work".
 * Caller frees. NULL when out of memory. */
char *mf_batch_work_dir(const char *out_path);

/* Path of member i's run file in work_dir. Caller frees. */
char *mf_batch_member_path(const struct mf_batch *batch, int i, const char *work_dir);

/* Whether member i's run file in work_dir is complete and was computed
 * for this member as it is now described (same key). */
bool mf_batch_member_done(const struct mf_batch *batch, int i, const char *work_dir);

struct mf_batch_run_options {
	int threads;  /* OpenMP threads; 0 = OpenMP's default */
	/* Asked before every simulated day; true stops the member, which is
	 * then not written (MF_ERR_CANCELLED). May be NULL. */
	bool (*cancelled)(void *user);
	void *user;
};

/* Runs member i (all its replicates) into its run file in work_dir
 * (which must exist), replacing a stale one. On success fills stats when
 * not NULL. On failure or cancellation nothing is left behind. */
enum mf_status mf_batch_run_member(const struct mf_batch *batch, int i,
				   const char *work_dir,
				   const struct mf_batch_run_options *options,
				   struct mf_run_stats *stats, struct mf_error *err);

/* Writes the batch file out_path from the member files in work_dir (all
 * must be done): root attributes migflow_batch = 1, batch_name, batch (the
 * batch file's text), agent_steps and wall_seconds summed over members; the
 * table `member` (columns scenario, scenario_path, parameters, status,
 * seed, replicates and one float64 column parameter_<name> per swept
 * parameter); and one group members/<name> per member. Refuses an existing
 * out_path unless force. Leaves work_dir as it is. */
enum mf_status mf_batch_assemble(const struct mf_batch *batch, const char *work_dir,
				 const char *out_path, bool force, struct mf_error *err);

/* Removes the member files (*.h5, *.h5.partial) of work_dir and the
 * directory itself. Returns 0, or -1 with errno when something is left. */
int mf_batch_remove_work_dir(const char *work_dir);

#endif
