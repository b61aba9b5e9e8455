/* Approximate Bayesian computation by sequential Monte Carlo (ABC-SMC).
 *
 * The algorithm is the population Monte Carlo ABC of Beaumont, Cornuet,
 * Marin & Robert (2009), Adaptive approximate Bayesian computation,
 * Biometrika 96:983-990, with tolerances chosen adaptively: generation 0
 * samples the prior (tolerance infinite); generation t > 0 sets its
 * tolerance to the `quantile` of generation t-1's distances, proposes by
 * picking a particle of t-1 by weight and perturbing it with a Gaussian
 * of twice their weighted covariance, keeps proposals within the
 * tolerance, and weights particle i by prior(theta_i) / sum_j w_j
 * K(theta_i | theta_j).
 *
 * Parameters with a log_scale prior are handled on the log scale (the
 * kernel perturbs log theta, where a log-uniform prior is uniform and a
 * log-normal one normal); particles, summaries and correlations are
 * reported on the natural scale. A normal prior is truncated to
 * [min, max]: generation 0 draws it by inversion of its distribution
 * function, and the importance weights carry its density.
 *
 * The distance callback is told the generation's tolerance, so that a
 * simulation may stop as soon as its distance must exceed it (and return
 * INFINITY): the result is the same as with the whole simulation.
 *
 * Resuming: a result saved after generation t (each generation's
 * `working` values included) given as options.resume continues with
 * generation t + 1, and the run ends as the uninterrupted run does.
 *
 * Determinism: proposal a of particle i in generation t draws from its own
 * counter-based stream (mf_rng_bits keyed by seed, t and i), and the
 * simulation seed handed to the callback comes from the same stream, so
 * the result is the same for any number of threads. Particles are
 * simulated in parallel with OpenMP: the callback must be thread-safe. */
#ifndef MIGFLOW_ABC_H
#define MIGFLOW_ABC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "migflow/error.h"

#define MF_ABC_MAX_PARAMETERS 16

/* Distance between data simulated at theta (n_params values, natural
 * scale) with the given seed and the observed data. NaN or infinity
 * rejects the proposal; the proposal is accepted when the distance is at
 * most tolerance (INFINITY in generation 0), so a simulation whose
 * distance must exceed it may stop early and return INFINITY. Called from
 * several threads at once. */
typedef double (*mf_abc_distance_fn)(void *user, const double *theta,
				     uint64_t seed, double tolerance);

enum mf_abc_family {
	MF_ABC_UNIFORM = 0, /* uniform on the working scale */
	MF_ABC_NORMAL = 1,  /* normal(mean, sd) on the working scale, truncated */
};

/* Prior of one parameter on [min, max] (natural scale). The working scale
 * is theta, or log theta with log_scale (then 0 < min): uniform there
 * (uniform, or log-uniform), or normal with mean and sd given on it
 * (normal, or log-normal with mean = log of the median), truncated to the
 * bounds. */
struct mf_abc_prior {
	double min, max;
	bool log_scale;
	enum mf_abc_family family;
	double mean, sd;          /* MF_ABC_NORMAL, on the working scale */
};

struct mf_abc_result;

struct mf_abc_options {
	size_t n_particles;       /* N (>= 2) */
	double quantile;          /* of the previous distances, in (0, 1), e.g. 0.5 */
	size_t max_generations;   /* including generation 0 (>= 1) */
	uint64_t max_simulations; /* budget; 0 = none */
	double min_acceptance;    /* stop below this acceptance rate; 0 = never */
	double min_tolerance;     /* stop once the tolerance is at or below; 0 = never */
	uint64_t seed;
	int threads;              /* OpenMP threads; 0 = OpenMP's default */
	/* Generations already done (same priors, particles and seed), to go
	 * on from; NULL starts afresh. */
	const struct mf_abc_result *resume;
	/* After each generation (the run so far, summary not yet filled);
	 * a status other than MF_OK stops the run with that error. May be
	 * NULL. */
	enum mf_status (*generation_done)(void *user, const struct mf_abc_result *so_far,
					  struct mf_error *err);
	/* Before each round of proposals; true stops the run with
	 * MF_ERR_CANCELLED. May be NULL. */
	bool (*cancelled)(void *user);
	/* Spreading simulations over processes (MPI ranks): process `rank` of
	 * `processes` simulates the particles i with i % processes == rank,
	 * and after each round share() must replace the n values of its
	 * buffer by their element-wise sum over the processes (an
	 * MPI_Allreduce with MPI_SUM): each process fills its own particles'
	 * entries and leaves the others 0, so every process ends the round
	 * with every result, and the run is the same as in one process.
	 * processes <= 1 or share NULL: one process. */
	int processes, rank;
	enum mf_status (*share)(void *user, double *values, size_t n, struct mf_error *err);
	void *user;               /* of generation_done, cancelled and share */
};

enum mf_abc_stop {
	MF_ABC_STOP_GENERATIONS = 0, /* max_generations reached */
	MF_ABC_STOP_BUDGET = 1,      /* max_simulations used up */
	MF_ABC_STOP_ACCEPTANCE = 2,  /* acceptance rate fell below min_acceptance */
	MF_ABC_STOP_TOLERANCE = 3,   /* tolerance reached min_tolerance */
};

/* One generation: n_particles particles of n_params values (row-major,
 * natural scale), their normalised weights and distances. */
struct mf_abc_generation {
	double *particles;
	double *working;         /* the particles on the working scale (log
				  * theta for log_scale priors): what a resumed
				  * run perturbs */
	double *weights;
	double *distances;
	double tolerance;        /* INFINITY in generation 0 */
	double ess;              /* effective sample size 1 / sum w^2 */
	double acceptance_rate;  /* accepted / simulations in this generation */
	uint64_t simulations;    /* callback calls in this generation */
};

/* Posterior summary of one parameter from the last generation. */
struct mf_abc_summary {
	double mean, sd;         /* weighted */
	double q05, q50, q95;    /* weighted quantiles */
};

struct mf_abc_result {
	size_t n_params, n_particles, n_generations;
	struct mf_abc_generation *generations;
	uint64_t simulations;    /* all callback calls, a generation cut short
				  * by the budget included */
	enum mf_abc_stop stop;
	struct mf_abc_summary *summary; /* n_params */
	double *correlation;     /* n_params x n_params, weighted */
};

/* Runs ABC-SMC. A generation is filled in rounds (each particle not yet
 * accepted simulates one proposal per round); when the next round would
 * exceed max_simulations the unfinished generation is dropped and the run
 * stops with MF_ABC_STOP_BUDGET. Generation 0 must finish.
 * Returns NULL and fills err on bad options, when generation 0 does not
 * fit the budget, or when out of memory. Caller frees with
 * mf_abc_result_destroy. */
struct mf_abc_result *mf_abc_run(const struct mf_abc_prior *priors,
				 size_t n_params, mf_abc_distance_fn distance,
				 void *user, const struct mf_abc_options *options,
				 struct mf_error *err);

/* An empty result of n_params x n_particles with n_generations
 * generations allocated (zeroed), for reading a saved run back. NULL when
 * out of memory. */
struct mf_abc_result *mf_abc_result_create(size_t n_params, size_t n_particles,
					   size_t n_generations);

/* Fills result->summary and result->correlation from its last
 * generation; false when out of memory. */
bool mf_abc_summarise(struct mf_abc_result *result);

/* Frees a result. Accepts NULL. */
void mf_abc_result_destroy(struct mf_abc_result *result);

/* Name of a prior's family on the natural scale: "uniform", "log-uniform",
 * "normal" or "log-normal". */
const char *mf_abc_prior_name(const struct mf_abc_prior *prior);

/* Name of a stop reason ("generations", "budget", ...). */
const char *mf_abc_stop_name(enum mf_abc_stop stop);

#endif
