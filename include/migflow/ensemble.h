/* The ensemble entry point: a scenario x replicates x parameter overrides,
 * simulated day by day, every day fed to sinks (the file writer, the
 * targets, a front end's own summary ...), with progress and cancellation
 * callbacks. Every front end runs simulations through it: migflow run,
 * flee, batch, calibrate, the Python bindings (migflow/embed.h) and the
 * benchmark.
 *
 * A sink is a table of functions and its data, as a rule set is (see
 * src/engine.h): begin once the days and threads are known, day after each
 * simulated day, end_replicate after each replicate, finish when all are
 * done, discard when the run failed or was cancelled. Any function may be
 * NULL. */
#ifndef MIGFLOW_ENSEMBLE_H
#define MIGFLOW_ENSEMBLE_H

#include <stdbool.h>
#include <stdint.h>
#include "migflow/checkpoint.h"
#include "migflow/error.h"
#include "migflow/output.h"
#include "migflow/scenario.h"
#include "migflow/sim.h"
#include "migflow/targets.h"

/* What the ensemble is, for the sinks. */
struct mf_ensemble_info {
	const struct mf_scenario *scenario;
	int days;                 /* simulated by every replicate */
	int threads;              /* per simulation */
	int replicates;           /* 0: one run (no replicate dimension); N: 0 .. N-1 */
	uint32_t first_replicate; /* the replicate number of a single run */
	uint64_t seed;
};

struct mf_ensemble_result {
	int runs;                 /* simulations completed */
	/* Checkpoints written, and the day of the last (also set when the run
	 * failed or was cancelled). */
	int checkpoints, checkpoint_day;
	double checkpoint_seconds; /* spent writing them */
	double restore_seconds;    /* reading the state resumed or branched from */
	uint64_t agent_steps;     /* summed over them */
	double wall_seconds;
	int threads, days;
};

struct mf_sink;

struct mf_sink_impl {
	enum mf_status (*begin)(struct mf_sink *sink, const struct mf_ensemble_info *info,
				struct mf_error *err);
	/* run is 0 .. runs-1 (the replicate number is info->first_replicate +
	 * run for a single run, run otherwise). */
	enum mf_status (*day)(struct mf_sink *sink, int run, const struct mf_sim *sim,
			      struct mf_error *err);
	enum mf_status (*end_replicate)(struct mf_sink *sink, int run, const struct mf_sim *sim,
					struct mf_error *err);
	enum mf_status (*finish)(struct mf_sink *sink, const struct mf_ensemble_result *result,
				 struct mf_error *err);
	void (*discard)(struct mf_sink *sink);
	/* day and end_replicate may be called for different runs at once. */
	bool concurrent;
};

struct mf_sink {
	const struct mf_sink_impl *impl;
	void *data;
};

struct mf_ensemble_options {
	uint64_t seed;
	int replicates;           /* 0: one run, replicate `replicate`; N >= 1: 0 .. N-1 */
	uint32_t replicate;
	int threads;              /* per simulation; 0: the rule set's default */
	int days;                 /* 0: the scenario's */
	const struct mf_override *overrides; /* parameter values set in every run */
	int n_overrides;
	/* NULL, or one scenario per run (run r simulates run_scenarios[r]
	 * instead of scenario): the same network, period and monitoring
	 * points with other parameter values, e.g. drawn from a posterior. The
	 * sinks see scenario. */
	const struct mf_scenario *const *run_scenarios;
	/* Replicates side by side, a thread each, when there are at least as
	 * many as threads and every sink is concurrent (results are the same). */
	bool side_by_side;
	/* After every simulated day (NULL: none); side by side, from several
	 * threads at once. */
	void (*progress)(void *user, int run, int day, const struct mf_sim *sim);
	/* Before every day; true stops the run with MF_ERR_CANCELLED. */
	bool (*cancelled)(void *user);
	void *user;
	/* Checkpoints to write, a run to resume or a state to branch from
	 * (migflow/checkpoint.h; NULL: none). Replicates then run one after
	 * the other. */
	const struct mf_checkpoint_options *checkpoint;
};

/* Runs the ensemble. On failure or cancellation every sink's discard is
 * called and err says why (MF_ERR_CANCELLED: "interrupted on day ..."). */
enum mf_status mf_ensemble_run(const struct mf_scenario *scenario,
			       const struct mf_ensemble_options *options,
			       struct mf_sink *const *sinks, int n_sinks,
			       struct mf_ensemble_result *result, struct mf_error *err);

/* ---- Sinks the library provides ---- */

/* The HDF5 writer (migflow/output.h): begin creates path (refused when it
 * exists unless force), finish writes the ensemble statistics and renames
 * it into place, discard removes the partial file. attributes: n pairs of
 * (name, text) added as global attributes (may be NULL). Caller frees
 * with mf_output_sink_destroy after the run. */
struct mf_sink *mf_output_sink_create(const char *path, bool force,
				      const char *const *attributes, int n_attributes);
void mf_output_sink_destroy(struct mf_sink *sink);

/* The open output of an output sink between begin and finish (NULL
 * otherwise), for tables added before the end (mf_output_add_table). */
struct mf_output *mf_output_sink_output(struct mf_sink *sink);

/* The calibration targets, summed day by day for each run: values[run *
 * targets->n + target] after the run (concurrent). Caller frees with
 * mf_targets_sink_destroy. */
struct mf_sink *mf_targets_sink_create(const struct mf_targets *targets, int runs);
const double *mf_targets_sink_values(const struct mf_sink *sink);
void mf_targets_sink_destroy(struct mf_sink *sink);

/* The targets against what the runs simulated (mean and sd over them), as
 * the `target` table of out (migflow run's file; add it before the output
 * sink finishes). Targets whose window ends on or after days are NaN. */
enum mf_status mf_targets_sink_store(const struct mf_sink *sink, struct mf_output *out, int days,
				     struct mf_error *err);

#endif
