/* Variance-based (Sobol) sensitivity indices from a Saltelli design.
 *
 * The design holds N base points from GSL's Sobol quasi-random sequence in
 * dimension 2k: the first k coordinates form matrix A, the last k matrix B.
 * For each parameter i, AB_i is A with column i taken from B. The model is
 * evaluated at the N * (k + 2) points; mf_sobol_analyse then estimates, per
 * indicator and parameter,
 *
 *   S1_i = mean(f(B) * (f(AB_i) - f(A))) / V     (Saltelli et al. 2010)
 *   ST_i = mean((f(A) - f(AB_i))^2) / 2 / V      (Jansen 1999)
 *
 * where V is the variance of f over A and B together (f(B) is centred on
 * the mean over A and B in S1, which makes the indices independent of an
 * additive constant), with bootstrap
 * percentile intervals (the N rows resampled with replacement).
 *
 * Accuracy: on the Ishigami function (k = 3) N = 8192 gives every index
 * within 0.03 of its analytic value (tests/test_sensitivity.c).
 *
 * References: A. Saltelli, P. Annoni, I. Azzini, F. Campolongo, M. Ratto,
 * S. Tarantola (2010), Variance based sensitivity analysis of model output,
 * Comput. Phys. Commun. 181:259-270; M. J. W. Jansen (1999), Analysis of
 * variance designs for model output, Comput. Phys. Commun. 117:35-43. */
#ifndef MIGFLOW_SENSITIVITY_H
#define MIGFLOW_SENSITIVITY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "migflow/error.h"

/* GSL's Sobol generator goes up to dimension 40, the design needs 2k. */
#define MF_SOBOL_MAX_PARAMETERS 20

/* One uncertain parameter: sampled on [low, high], uniformly in the value
 * or, with log_scale, in its logarithm (then 0 < low). */
struct mf_sobol_parameter {
	double low, high;
	bool log_scale;
};

/* The points to evaluate: n_points = n_base * (n_params + 2) rows of
 * n_params values, row-major. Rows 0 .. N-1 are A, N .. 2N-1 are B, and
 * rows (2 + i) N .. (3 + i) N - 1 are AB_i. */
struct mf_sobol_design {
	size_t n_base;   /* N */
	size_t n_params; /* k */
	size_t n_points; /* N (k + 2) */
	double *points;
};

/* Builds the design for k = n_params parameters (1 .. MF_SOBOL_MAX_PARAMETERS)
 * and N = n_base base points (>= 2; a power of two keeps the Sobol
 * sequence balanced). The sequence starts at its first point. Returns NULL
 * and fills err on bad input or when out of memory. Caller frees with
 * mf_sobol_design_destroy. */
struct mf_sobol_design *mf_sobol_design_create(
	const struct mf_sobol_parameter *params, size_t n_params, size_t n_base,
	struct mf_error *err);

/* Frees a design. Accepts NULL. */
void mf_sobol_design_destroy(struct mf_sobol_design *design);

struct mf_sobol_options {
	size_t resamples; /* bootstrap resamples R (>= 10; 0 for no intervals) */
	double level;     /* interval coverage in (0, 1), e.g. 0.90: 5/95 % */
	uint64_t seed;    /* of the bootstrap generator */
};

/* Indices per indicator m and parameter i at [m * n_params + i]. With no
 * resamples the interval bounds are NaN. */
struct mf_sobol_indices {
	size_t n_params, n_outputs;
	double *s1, *s1_low, *s1_high;
	double *st, *st_low, *st_high;
	double *variance; /* per indicator: V over A and B */
};

/* Estimates the indices from outputs, the n_outputs indicators at each
 * design point: outputs[p * n_outputs + m] is indicator m at point p.
 * An indicator with zero variance gets NaN indices. Deterministic for a
 * seed. Returns NULL and fills err on bad input (non-finite outputs
 * included) or when out of memory. Caller frees with
 * mf_sobol_indices_destroy. */
struct mf_sobol_indices *mf_sobol_analyse(const struct mf_sobol_design *design,
					  const double *outputs, size_t n_outputs,
					  const struct mf_sobol_options *options,
					  struct mf_error *err);

/* Frees indices. Accepts NULL. */
void mf_sobol_indices_destroy(struct mf_sobol_indices *indices);

/* --- Sensitivity of a scenario ------------------------------------------
 *
 * The uncertain parameters are a scenario's free parameters (its
 * `calibrate:` block), sampled on [min, max], on a log scale where
 * `search: log`; the indicators are targets of a targets file
 * (migflow/targets.h). At each point of the design the scenario is built
 * with the point's values (mf_scenario_source_build) and the targets are
 * simulated (mf_targets_simulate, one thread) for replicates 0 .. R-1 of
 * one seed at every point (common random numbers); the replicate mean is
 * the output. Points are evaluated in parallel, one simulation per thread;
 * the results do not depend on the number of threads. */

struct mf_scenario_source;
struct mf_targets;

/* The headline indicators taken by default, those a targets file has. */
extern const char *const mf_sensitivity_headline[4];

struct mf_sensitivity_options {
	size_t base_samples;     /* N: >= 2, a power of two */
	int replicates;          /* R >= 1 per point */
	uint64_t seed;           /* of every point's replicates and of the bootstrap */
	int threads;             /* 0: OpenMP's default */
	int agent_scale;         /* 0: the scenario's */
	/* Targets by name; NULL (n_indicators 0): the headline ones the file
	 * has, or all its targets when it has none of them. */
	const char *const *indicators;
	size_t n_indicators;
	size_t resamples;        /* bootstrap resamples (0 or >= 10) */
	double level;            /* interval coverage, e.g. 0.90 */
	/* The range of each free parameter; NULL: the calibrate block's bounds
	 * and search scale (e.g. a posterior's 5-95 % intervals instead). */
	const struct mf_sobol_parameter *ranges;
	/* Called after each point (may be NULL), from the worker threads but
	 * one call at a time; done counts the points finished. */
	void (*progress)(void *context, size_t done, size_t total);
	void *context;
};

struct mf_sensitivity_result {
	struct mf_sobol_design *design;    /* natural-scale parameter values */
	size_t n_indicators;
	int *indicators;                   /* their indices in the targets */
	double *outputs;                   /* [point * n_indicators + m] */
	struct mf_sobol_indices *indices;
	uint64_t seed;                     /* as run */
	int replicates;
	int agent_scale;                   /* persons per agent as run */
	size_t resamples;                  /* of the bootstrap */
	double level;                      /* interval coverage */
	uint64_t simulations;              /* points x replicates */
	double wall_seconds;               /* design, simulations and analysis */
	struct mf_sobol_parameter ranges[MF_SOBOL_MAX_PARAMETERS]; /* as sampled */
};

/* Runs the analysis of source's free parameters on targets (loaded for
 * source's scenario). MF_ERR_INPUT when the scenario has no free
 * parameters (naming its file), an indicator name is not a target of the
 * file (the message lists those available), or an option is out of
 * range; a simulation's own error otherwise. Fills result (caller frees
 * with mf_sensitivity_result_free, also after a failure). */
enum mf_status mf_sensitivity_run(struct mf_scenario_source *source,
				  const struct mf_targets *targets,
				  const struct mf_sensitivity_options *options,
				  struct mf_sensitivity_result *result,
				  struct mf_error *err);

/* Frees what a result holds and zeroes it. Accepts NULL. */
void mf_sensitivity_result_free(struct mf_sensitivity_result *result);

#endif
