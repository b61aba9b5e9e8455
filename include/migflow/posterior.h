/* The posterior of a scenario's free parameters (its `calibrate:` block)
 * given calibration targets, by ABC-SMC (migflow/abc.h), and the runs drawn
 * from it.
 *
 * Priors: each free parameter's `prior:` (uniform, log-uniform, normal or
 * log-normal, truncated to [min, max]), by default uniform on its search
 * scale. A particle is simulated once, one replicate with the seed ABC
 * gives it, up to the last day any target needs; its distance from the
 * targets is sqrt(sum_i weight_i (relative error_i / tolerance_i)^2), the
 * square root of calibrate's objective. A simulation stops as soon as the
 * targets already past (and flows already above their observation) put
 * its distance over the generation's tolerance: the result is the same as
 * with whole simulations, only faster.
 *
 * After the last generation, the posterior predictive check simulates
 * `predictive_draws` particles drawn by weight, each with its own seed, and
 * gives each target's 5 / 50 / 95 % predictive values.
 *
 * Files (POST.h5) are written and read by src/output/posterior_file.c. */
#ifndef MIGFLOW_POSTERIOR_H
#define MIGFLOW_POSTERIOR_H

#include <stdbool.h>
#include <stdint.h>
#include "migflow/abc.h"
#include "migflow/error.h"
#include "migflow/output.h"
#include "migflow/scenario.h"
#include "migflow/targets.h"

struct mf_posterior_options {
	int particles;            /* N, >= 2 */
	uint64_t budget;          /* simulations of the ABC generations; 0 = none */
	double quantile;          /* tolerance = this quantile of the last distances (0.5) */
	int max_generations;      /* >= 1 */
	double min_acceptance;    /* stop below this acceptance rate (0 = never) */
	int agent_scale;          /* 0: the scenario's */
	uint64_t seed;
	int threads;              /* particles simulated side by side; 0: OpenMP's default */
	int predictive_draws;     /* >= 0 */
	/* Generations of an interrupted run with the same settings. */
	const struct mf_abc_result *resume;
	uint64_t early_stops_before; /* counted by the resumed run */
	/* When not NULL, the run so far is written there after each
	 * generation (mf_posterior_write, complete = 0, replacing it). */
	const char *checkpoint;
	/* After each generation (and its checkpoint); non-OK stops the run. */
	enum mf_status (*generation_done)(void *user, const struct mf_abc_result *so_far,
					  struct mf_error *err);
	/* After each simulation, from several threads in turn (never at once):
	 * the generation (-1 for the predictive check) and the simulations
	 * done so far in the whole run. May be NULL. */
	void (*progress)(void *user, int generation, uint64_t simulations);
	/* Polled between rounds and each simulated day; true stops the run
	 * with MF_ERR_CANCELLED. May be NULL. */
	bool (*cancelled)(void *user);
	/* Over MPI ranks (see mf_abc_options): rank of processes; share sums
	 * a buffer over them. Every rank gets the whole result; only one
	 * should write files (checkpoint NULL on the others). */
	int processes, rank;
	enum mf_status (*share)(void *user, double *values, size_t n, struct mf_error *err);
	void *user;
};

struct mf_posterior {
	int n_params;
	struct mf_free_parameter *params;   /* [n_params], the scenario's */
	struct mf_abc_prior *priors;         /* [n_params], as ABC used them */
	struct mf_abc_result *abc;           /* generations, summary, correlation */
	/* The predictive check (n_draws 0 when not done). */
	int n_targets;
	char (*target_names)[MF_NAME_MAX];   /* [n_targets] */
	double *observed;                    /* [n_targets] */
	bool *at_least;                      /* [n_targets] */
	double *tolerance;                   /* [n_targets] */
	int n_draws;
	int *draw_particle;                  /* [n_draws] index into the last generation */
	double *predictive;                  /* [n_draws * n_targets] */
	double *q05, *q50, *q95;             /* [n_targets] */
	bool *inside;                        /* [n_targets]: observed within [q05, q95]
					      * (at or below q95 for a lower bound) */
	char scenario_path[4096];            /* of the scenario it was computed for */
	/* The settings, for the file and for resuming. */
	struct mf_posterior_options options;
	double wall_seconds;
	uint64_t early_stops;                /* simulations stopped before their end */
};

/* The priors of scenario's free parameters (priors[n_free]). MF_ERR_INPUT
 * naming the file and line of a parameter whose prior does not fit its
 * bounds. */
enum mf_status mf_posterior_priors(const struct mf_scenario *scenario,
				   struct mf_abc_prior *priors, struct mf_error *err);

/* Runs ABC-SMC on source's free parameters against targets, then the
 * predictive check. NULL and err on bad input, failure or cancellation.
 * Caller frees with mf_posterior_destroy. */
struct mf_posterior *mf_posterior_run(struct mf_scenario_source *source,
				      const struct mf_targets *targets,
				      const struct mf_posterior_options *options,
				      struct mf_error *err);

/* An empty posterior for n_params parameters and n_targets targets, for
 * readers. NULL when out of memory. */
struct mf_posterior *mf_posterior_create(int n_params, int n_targets);

/* Frees a posterior. Accepts NULL. */
void mf_posterior_destroy(struct mf_posterior *posterior);

/* The particle (index into the last generation) that replicate k of a run
 * with seed draws, by weight: the same for every scenario run with that
 * seed, so that two what-ifs pair replicate k with the same parameters. */
int mf_posterior_draw(const struct mf_posterior *posterior, uint64_t seed, uint32_t replicate);

/* The values of particle i of the last generation (natural scale). */
const double *mf_posterior_particle(const struct mf_posterior *posterior, int i);

/* The scenarios of a run of `draws` replicates under the posterior: for
 * replicate k, the particle mf_posterior_draw(posterior, seed, k) gives
 * values to the free parameters of source with the same names (the
 * others keep the file's values). A `scale:` parameter multiplies the
 * values of the scenario the posterior was computed on (reference, needed
 * only then): for a scenario whose values are already scaled (a calibrated
 * file and what extends it) the multiplier is divided by the ratio of its
 * values to the reference's. values (draws x n_params, may be NULL) gets
 * each replicate's posterior values, particles (may be NULL) their
 * particle. NULL and err when a parameter is missing or the ratio is not
 * one number. Caller frees with mf_posterior_scenarios_destroy. */
struct mf_scenario **mf_posterior_scenarios(const struct mf_posterior *posterior,
					    struct mf_scenario_source *source,
					    const struct mf_scenario_source *reference,
					    uint64_t seed, int draws, double *values,
					    int *particles, struct mf_error *err);
void mf_posterior_scenarios_destroy(struct mf_scenario **scenarios, int draws);

/* A run of `draws` replicates under a posterior file: the scenarios of
 * the replicates (mf_posterior_scenarios), their parameter values and
 * particles, for mf_ensemble_options.run_scenarios. */
struct mf_posterior_draws {
	struct mf_posterior *posterior;
	char posterior_path[4096];
	int draws;
	struct mf_scenario **scenarios; /* [draws] */
	double *values;                 /* [draws * posterior->n_params] */
	int *particles;                 /* [draws] */
};

/* Reads the posterior file and builds the scenarios of scenario_path for
 * draws replicates of seed (agent_scale > 0 sets theirs). The scenario the
 * posterior was computed on is read again when a `scale:` parameter needs
 * it, and must not have changed. NULL and err on failure. Caller frees
 * with mf_posterior_draws_destroy. */
struct mf_posterior_draws *mf_posterior_draws_create(const char *posterior_path,
						     const char *scenario_path, uint64_t seed,
						     int draws, int agent_scale,
						     struct mf_error *err);
void mf_posterior_draws_destroy(struct mf_posterior_draws *draws);

/* Writes into an open run file (before mf_output_finish) the dimension
 * `parameter`, replicate_parameters(replicate, parameter),
 * replicate_particle(replicate) and the attribute `posterior`. */
enum mf_status mf_posterior_draws_store(const struct mf_posterior_draws *draws,
					struct mf_output *out, struct mf_error *err);

/* Whether any of the posterior's parameters is a `scale:` parameter of
 * source (then mf_posterior_scenarios needs the reference). */
bool mf_posterior_needs_reference(const struct mf_posterior *posterior,
				  const struct mf_scenario_source *source);

/* Writes posterior to path (path.partial, renamed when complete; refused
 * if path exists unless force). complete = false marks a checkpoint of an
 * unfinished run (attribute complete = 0), which mf_posterior_read reads
 * for resuming. MF_ERR_EXISTS, MF_ERR_IO. */
enum mf_status mf_posterior_write(const char *path, const struct mf_posterior *posterior,
				  const struct mf_scenario *scenario,
				  const struct mf_targets *targets, bool complete, bool force,
				  struct mf_error *err);

/* Reads a posterior file (complete, or a checkpoint when allow_checkpoint).
 * The scenario text it was computed for goes to *scenario_text when not
 * NULL (caller frees). NULL and err (naming the file) when it is not a
 * posterior file. */
struct mf_posterior *mf_posterior_read(const char *path, bool allow_checkpoint,
				       char **scenario_text, struct mf_error *err);

#endif
