/* Calibration: fit a scenario's free parameters (its `calibrate:` block) so
 * that the replicate means of simulated quantities match observed targets.
 * Nelder-Mead (GSL's nmsimplex2, restarted from the best point while that
 * helps) on parameters transformed to the real line (logistic within
 * bounds, on a log scale where asked), with common
 * random numbers: every evaluation runs the same replicates 0..R-1 of the
 * same seed, so the objective changes only with the parameters. */
#ifndef MIGFLOW_CALIBRATE_H
#define MIGFLOW_CALIBRATE_H

#include <stdint.h>
#include "migflow/error.h"
#include "migflow/scenario.h"
#include "migflow/targets.h"

/* Runs scenario for replicates 0..replicates-1 of seed up to the last day
 * any target needs, and gives the mean and standard deviation of each
 * target's simulated value (mean[n], sd[n] for n targets). */
enum mf_status mf_targets_simulate(const struct mf_scenario *scenario,
				   const struct mf_targets *targets, int replicates,
				   uint64_t seed, int threads, double *mean, double *sd,
				   struct mf_error *err);

struct mf_calibration_step {
	int evaluation;          /* 1, 2, ... */
	const double *values;    /* the free parameters tried */
	double objective;
	double best_objective;
};

struct mf_calibration_options {
	int replicates;          /* per evaluation, >= 1 */
	int max_evaluations;
	uint64_t seed;
	int threads;             /* 0: OpenMP's default */
	int agent_scale;         /* 0: the scenario's */
	double tolerance;        /* stop when the simplex is this small (0: 1e-3) */
	/* Called after each evaluation (may be NULL). */
	void (*progress)(void *context, const struct mf_calibration_step *step);
	void *context;
};

struct mf_calibration_result {
	double *values;          /* best free parameter values [n_free] */
	double objective;
	int evaluations;
	double *mean, *sd;       /* per target, at the best values [n_targets] */
};

/* Fits the free parameters of source to targets, or, for a scenario with
 * rules flee and targets NULL, minimises FLEE's averaged relative
 * difference against the instance's UNHCR data (mean over the replicates;
 * result->mean and sd are then empty). Fills result (caller frees with
 * mf_calibration_result_free). */
enum mf_status mf_calibrate(struct mf_scenario_source *source, const struct mf_targets *targets,
			    const struct mf_calibration_options *options,
			    struct mf_calibration_result *result, struct mf_error *err);

void mf_calibration_result_free(struct mf_calibration_result *result);

#endif
