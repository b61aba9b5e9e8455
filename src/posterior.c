/* The posterior of a scenario's free parameters by ABC-SMC, the predictive
 * check and the draws of runs under it (migflow/posterior.h). */
#include "migflow/posterior.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <omp.h>
#include <gsl/gsl_sort.h>

#include "migflow/ensemble.h"
#include "migflow/output.h"
#include "migflow/rng.h"

/* Replicate numbers of the random keys the posterior draws with, apart
 * from any simulation's replicate (they key the particle picks and seeds,
 * never a simulation). */
#define PREDICTIVE_KEY UINT32_C(0xFFFFFF01)
#define DRAW_KEY UINT32_C(0xFFFFFF02)

enum mf_status mf_posterior_priors(const struct mf_scenario *scenario,
				   struct mf_abc_prior *priors, struct mf_error *err)
{
	for (int i = 0; i < scenario->n_free; i++) {
		const struct mf_free_parameter *f = &scenario->free[i];
		struct mf_abc_prior *p = &priors[i];
		*p = (struct mf_abc_prior){ .min = f->min, .max = f->max };
		switch (f->prior) {
		case MF_PRIOR_DEFAULT:
			p->log_scale = f->log_scale;
			break;
		case MF_PRIOR_UNIFORM:
			break;
		case MF_PRIOR_LOG_UNIFORM:
			p->log_scale = true;
			break;
		case MF_PRIOR_NORMAL:
			p->family = MF_ABC_NORMAL;
			p->mean = f->prior_mean;
			p->sd = f->prior_sd;
			break;
		case MF_PRIOR_LOG_NORMAL:
			p->log_scale = true;
			p->family = MF_ABC_NORMAL;
			p->mean = log(f->prior_mean);
			p->sd = f->prior_sd;
			break;
		}
		if (p->log_scale && !(p->min > 0))
			return mf_error_at(err, f->file, f->line, f->column, "calibrate",
					   "'%s': a prior on the log scale needs min above 0", f->name);
	}
	return MF_OK;
}

/* What every simulation of the run shares. */
struct context {
	struct mf_scenario_source *source;
	const struct mf_targets *targets;
	const struct mf_posterior_options *options;
	struct mf_posterior *post;  /* filled as the run goes */
	int days;                 /* up to the last target day */
	int generation;           /* being filled; -1 in the predictive check */
	uint64_t simulations;     /* done, the resumed ones included */
	uint64_t early_stops;
	bool failed;              /* a simulation failed: stop the run */
	struct mf_error failure;
};

/* One simulation's targets, summed day by day, and whether its distance
 * must already exceed the tolerance. */
struct particle_run {
	struct context *ctx;
	double *values;           /* [targets->n] */
	double tolerance;         /* squared below: compared with the objective */
	bool over;
};

/* A lower bound of the objective (squared distance) once day is counted:
 * targets whose window has ended count whole; a flow still summing counts
 * its excess over the observation, which can only grow. */
static double objective_so_far(const struct mf_targets *targets, const double *values, int day)
{
	double total = 0.0;
	for (int i = 0; i < targets->n; i++) {
		const struct mf_target *t = &targets->targets[i];
		double error = 0.0;
		if (day >= t->query.last_day)
			error = mf_target_error(t, values[i]);
		else if (t->query.indicator->kind == MF_INDICATOR_FLOW && !t->at_least &&
			 values[i] > t->observed)
			error = mf_target_error(t, values[i]);
		double scaled = error / t->tolerance;
		total += t->weight * scaled * scaled;
	}
	return total;
}

static enum mf_status particle_day(struct mf_sink *sink, int run, const struct mf_sim *sim,
				   struct mf_error *err)
{
	(void)run;
	(void)err;
	struct particle_run *p = sink->data;
	const struct mf_day_counts *day = mf_sim_day_counts(sim);
	mf_targets_add_day(p->ctx->targets, day, p->values);
	if (isfinite(p->tolerance))
		p->over = objective_so_far(p->ctx->targets, p->values, day->day) >
			  p->tolerance * p->tolerance;
	return MF_OK;
}

static const struct mf_sink_impl particle_impl = {
	.day = particle_day,
};

static bool particle_cancelled(void *user)
{
	const struct particle_run *p = user;
	if (p->over)
		return true;
	const struct mf_posterior_options *o = p->ctx->options;
	return p->ctx->failed || (o->cancelled && o->cancelled(o->user));
}

/* Simulates the scenario at theta with seed (one replicate, one thread)
 * into values; *stopped when cut short because over tolerance. */
static enum mf_status simulate(struct context *ctx, const double *theta, uint64_t seed,
			       double tolerance, double *values, bool *stopped,
			       struct mf_error *err)
{
	*stopped = false;
	struct mf_scenario *scenario = mf_scenario_source_build(ctx->source, theta, err);
	if (!scenario)
		return err->code;
	if (ctx->options->agent_scale > 0)
		scenario->agent_scale = ctx->options->agent_scale;
	memset(values, 0, (size_t)ctx->targets->n * sizeof(double));
	struct particle_run p = { .ctx = ctx, .values = values, .tolerance = tolerance };
	struct mf_sink sink = { .impl = &particle_impl, .data = &p };
	struct mf_sink *sinks[1] = { &sink };
	struct mf_ensemble_options run = {
		.seed = seed, .threads = 1, .days = ctx->days,
		.cancelled = particle_cancelled, .user = &p,
	};
	enum mf_status status = mf_ensemble_run(scenario, &run, sinks, 1, NULL, err);
	mf_scenario_destroy(scenario);
	if (status == MF_ERR_CANCELLED && p.over) {
		*stopped = true;
		return MF_OK;
	}
	return status;
}

/* After a simulation: counts, progress, and the first failure. */
static void simulated(struct context *ctx, enum mf_status status, bool stopped,
		      const struct mf_error *err)
{
#pragma omp critical(mf_posterior_simulated)
	{
		ctx->simulations++;
		ctx->early_stops += stopped;
		if (status != MF_OK && status != MF_ERR_CANCELLED && !ctx->failed) {
			ctx->failed = true;
			ctx->failure = *err;
		}
		if (ctx->options->progress)
			ctx->options->progress(ctx->options->user, ctx->generation,
					       ctx->simulations);
	}
}

static double distance(void *user, const double *theta, uint64_t seed, double tolerance)
{
	struct context *ctx = user;
	double *values = malloc((size_t)ctx->targets->n * sizeof(double));
	struct mf_error err;
	mf_error_clear(&err);
	bool stopped = false;
	enum mf_status status = values ? simulate(ctx, theta, seed, tolerance, values, &stopped, &err)
				       : mf_error_set(&err, MF_ERR_NOMEM, "out of memory");
	simulated(ctx, status, stopped, &err);
	double d = status != MF_OK ? NAN
		   : stopped      ? INFINITY
				  : sqrt(mf_targets_objective(ctx->targets, values));
	free(values);
	return d;
}

static enum mf_status generation_done(void *user, const struct mf_abc_result *so_far,
				      struct mf_error *err)
{
	struct context *ctx = user;
	ctx->generation = (int)so_far->n_generations;
	const struct mf_posterior_options *o = ctx->options;
	if (o->checkpoint) {
		/* The posterior so far, its generations lent by ABC. */
		ctx->post->abc = (struct mf_abc_result *)so_far;
		ctx->post->early_stops = ctx->early_stops;
		enum mf_status status = mf_posterior_write(o->checkpoint, ctx->post,
							   mf_scenario_source_scenario(ctx->source),
							   ctx->targets, false, true, err);
		ctx->post->abc = NULL;
		if (status != MF_OK)
			return status;
	}
	return o->generation_done ? o->generation_done(o->user, so_far, err) : MF_OK;
}

static enum mf_status share(void *user, double *values, size_t n, struct mf_error *err)
{
	const struct mf_posterior_options *o = ((struct context *)user)->options;
	return o->share(o->user, values, n, err);
}

static bool abc_cancelled(void *user)
{
	struct context *ctx = user;
	const struct mf_posterior_options *o = ctx->options;
	return ctx->failed || (o->cancelled && o->cancelled(o->user));
}

/* The index whose cumulative weight first exceeds r (in [0, 1)) of the
 * total: a draw by weight. */
static int pick(const double *weights, int n, double r)
{
	double total = 0.0;
	for (int i = 0; i < n; i++)
		total += weights[i];
	double target = r * total, cumulative = 0.0;
	for (int i = 0; i < n; i++) {
		cumulative += weights[i];
		if (cumulative > target)
			return i;
	}
	return n - 1;
}

static const struct mf_abc_generation *last_generation(const struct mf_posterior *p)
{
	return &p->abc->generations[p->abc->n_generations - 1];
}

int mf_posterior_draw(const struct mf_posterior *posterior, uint64_t seed, uint32_t replicate)
{
	uint64_t key = mf_rng_key(seed, DRAW_KEY);
	return pick(last_generation(posterior)->weights, (int)posterior->abc->n_particles,
		    mf_rng_uniform(mf_rng_bits(key, replicate)));
}

const double *mf_posterior_particle(const struct mf_posterior *posterior, int i)
{
	return last_generation(posterior)->particles + (size_t)i * posterior->abc->n_params;
}

struct mf_posterior *mf_posterior_create(int n_params, int n_targets)
{
	struct mf_posterior *p = calloc(1, sizeof(*p));
	if (!p)
		return NULL;
	p->n_params = n_params;
	p->n_targets = n_targets;
	size_t k = (size_t)n_params + 1, t = (size_t)n_targets + 1;
	p->params = calloc(k, sizeof(*p->params));
	p->priors = calloc(k, sizeof(*p->priors));
	p->target_names = calloc(t, sizeof(*p->target_names));
	p->observed = calloc(t, sizeof(double));
	p->at_least = calloc(t, sizeof(bool));
	p->tolerance = calloc(t, sizeof(double));
	p->q05 = calloc(t, sizeof(double));
	p->q50 = calloc(t, sizeof(double));
	p->q95 = calloc(t, sizeof(double));
	p->inside = calloc(t, sizeof(bool));
	if (!p->params || !p->priors || !p->target_names || !p->observed || !p->at_least ||
	    !p->tolerance || !p->q05 || !p->q50 || !p->q95 || !p->inside) {
		mf_posterior_destroy(p);
		return NULL;
	}
	return p;
}

void mf_posterior_destroy(struct mf_posterior *p)
{
	if (!p)
		return;
	mf_abc_result_destroy(p->abc);
	free(p->params);
	free(p->priors);
	free(p->target_names);
	free(p->observed);
	free(p->at_least);
	free(p->tolerance);
	free(p->draw_particle);
	free(p->predictive);
	free(p->q05);
	free(p->q50);
	free(p->q95);
	free(p->inside);
	free(p);
}

/* The predictive check: draws by weight, each simulated whole with its own
 * seed, and each target's 5 / 50 / 95 % across them. */
static enum mf_status predictive_check(struct context *ctx, struct mf_posterior *post,
				       int threads, struct mf_error *err)
{
	int m = ctx->options->predictive_draws, n = ctx->targets->n;
	if (m <= 0)
		return MF_OK;
	post->draw_particle = calloc((size_t)m, sizeof(int));
	post->predictive = calloc((size_t)m * (size_t)n, sizeof(double));
	double *sorted = calloc((size_t)m, sizeof(double));
	if (!post->draw_particle || !post->predictive || !sorted) {
		free(sorted);
		return mf_error_set(err, MF_ERR_NOMEM, "out of memory");
	}
	ctx->generation = -1;
	uint64_t key = mf_rng_key(ctx->options->seed, PREDICTIVE_KEY);
	const struct mf_abc_generation *last = last_generation(post);
	int particles = (int)post->abc->n_particles;
	const struct mf_posterior_options *o = ctx->options;
	const bool spread = o->processes > 1 && o->share;
	const int processes = spread ? o->processes : 1, rank = spread ? o->rank : 0;
#pragma omp parallel for schedule(dynamic, 1) num_threads(threads)
	for (int d = rank; d < m; d += processes) {
		if (ctx->failed)
			continue;
		int i = pick(last->weights, particles,
			     mf_rng_uniform(mf_rng_bits(key, 2 * (uint64_t)d)));
		post->draw_particle[d] = i;
		struct mf_error e;
		mf_error_clear(&e);
		bool stopped;
		enum mf_status status = simulate(ctx, mf_posterior_particle(post, i),
						 mf_rng_bits(key, 2 * (uint64_t)d + 1), INFINITY,
						 post->predictive + (size_t)d * (size_t)n, &stopped, &e);
		simulated(ctx, status, false, &e);
	}
	if (spread) {
		/* Every rank's draws on every rank (the others' entries are 0). */
		size_t values = (size_t)m * (size_t)n, total = values + (size_t)m + 1;
		double *buffer = calloc(total, sizeof(double));
		if (!buffer) {
			free(sorted);
			return mf_error_set(err, MF_ERR_NOMEM, "out of memory");
		}
		for (int d = rank; d < m; d += processes) {
			memcpy(buffer + (size_t)d * (size_t)n, post->predictive + (size_t)d * (size_t)n,
			       (size_t)n * sizeof(double));
			buffer[values + (size_t)d] = post->draw_particle[d];
		}
		bool stop = ctx->failed || (o->cancelled && o->cancelled(o->user));
		buffer[total - 1] = stop;
		enum mf_status status = o->share(o->user, buffer, total, err);
		if (status == MF_OK) {
			memcpy(post->predictive, buffer, values * sizeof(double));
			for (int d = 0; d < m; d++)
				post->draw_particle[d] = (int)buffer[values + (size_t)d];
			if (buffer[total - 1] != 0 && !stop)
				status = mf_error_set(err, MF_ERR_CANCELLED,
						      "another rank stopped in the predictive check");
		}
		free(buffer);
		if (status != MF_OK) {
			free(sorted);
			return status;
		}
	}
	if (ctx->failed) {
		free(sorted);
		*err = ctx->failure;
		return err->code;
	}
	if (ctx->options->cancelled && ctx->options->cancelled(ctx->options->user)) {
		free(sorted);
		return mf_error_set(err, MF_ERR_CANCELLED, "interrupted in the predictive check");
	}
	post->n_draws = m;
	for (int t = 0; t < n; t++) {
		for (int d = 0; d < m; d++)
			sorted[d] = post->predictive[(size_t)d * (size_t)n + t];
		gsl_sort(sorted, 1, (size_t)m);
		post->q05[t] = mf_output_percentile(sorted, m, 0.05);
		post->q50[t] = mf_output_percentile(sorted, m, 0.50);
		post->q95[t] = mf_output_percentile(sorted, m, 0.95);
		post->inside[t] = post->observed[t] <= post->q95[t] &&
				  (post->at_least[t] || post->observed[t] >= post->q05[t]);
	}
	free(sorted);
	return MF_OK;
}

struct mf_posterior *mf_posterior_run(struct mf_scenario_source *source,
				      const struct mf_targets *targets,
				      const struct mf_posterior_options *options,
				      struct mf_error *err)
{
	const struct mf_scenario *base = mf_scenario_source_scenario(source);
	if (base->n_free == 0) {
		mf_error_at(err, base->path, 1, 1, "calibrate",
			    "no free parameters: add a `calibrate:` block to the scenario");
		return NULL;
	}
	if (base->rules != MF_RULES_SAHEL || !targets || targets->n == 0) {
		mf_error_set(err, MF_ERR_INPUT, "%s: the posterior needs a Sahel scenario and "
			     "calibration targets", base->path);
		return NULL;
	}
	if (options->predictive_draws < 0 || options->max_generations < 1 || options->particles < 2) {
		mf_error_set(err, MF_ERR_INPUT, "posterior: %d particles, %d generations and %d "
			     "predictive draws (at least 2, 1 and 0 needed)", options->particles,
			     options->max_generations, options->predictive_draws);
		return NULL;
	}
	double started = omp_get_wtime();
	struct mf_posterior *post = mf_posterior_create(base->n_free, targets->n);
	if (!post) {
		mf_error_set(err, MF_ERR_NOMEM, "out of memory");
		return NULL;
	}
	snprintf(post->scenario_path, sizeof(post->scenario_path), "%s", base->path);
	post->options = *options;
	post->options.resume = NULL;
	post->options.checkpoint = NULL;
	memcpy(post->params, base->free, (size_t)base->n_free * sizeof(*post->params));
	for (int t = 0; t < targets->n; t++) {
		const struct mf_target *target = &targets->targets[t];
		memcpy(post->target_names[t], target->name, MF_NAME_MAX);
		post->observed[t] = target->observed;
		post->at_least[t] = target->at_least;
		post->tolerance[t] = target->tolerance;
	}
	if (mf_posterior_priors(base, post->priors, err) != MF_OK)
		goto fail;

	int threads = options->threads > 0 ? options->threads : omp_get_max_threads();
	struct context ctx = {
		.source = source, .targets = targets, .options = options, .post = post,
		.days = mf_targets_last_day(targets) + 1,
		.generation = options->resume ? (int)options->resume->n_generations : 0,
	};
	mf_error_clear(&ctx.failure);
	if (options->resume) {
		for (size_t g = 0; g < options->resume->n_generations; g++)
			ctx.simulations += options->resume->generations[g].simulations;
		ctx.early_stops = options->early_stops_before;
	}
	struct mf_abc_options abc = {
		.n_particles = (size_t)options->particles,
		.quantile = options->quantile,
		.max_generations = (size_t)options->max_generations,
		.max_simulations = options->budget,
		.min_acceptance = options->min_acceptance,
		.seed = options->seed,
		.threads = threads,
		.resume = options->resume,
		.generation_done = generation_done,
		.cancelled = abc_cancelled,
		.processes = options->processes,
		.rank = options->rank,
		.share = options->share ? share : NULL,
		.user = &ctx,
	};
	post->abc = mf_abc_run(post->priors, (size_t)base->n_free, distance, &ctx, &abc, err);
	if (!post->abc) {
		if (ctx.failed)
			*err = ctx.failure;
		goto fail;
	}
	if (predictive_check(&ctx, post, threads, err) != MF_OK)
		goto fail;
	post->early_stops = ctx.early_stops;
	if (options->processes > 1 && options->share) {
		/* Each rank counted its own early stops (the resumed run's once). */
		double mine = (double)(ctx.early_stops - options->early_stops_before);
		if (options->share(options->user, &mine, 1, err) != MF_OK)
			goto fail;
		post->early_stops = options->early_stops_before + (uint64_t)mine;
	}
	post->wall_seconds = omp_get_wtime() - started;
	return post;
fail:
	mf_posterior_destroy(post);
	return NULL;
}

/* Free parameter of scenario named name, or -1. */
static int free_index(const struct mf_scenario *scenario, const char *name)
{
	for (int i = 0; i < scenario->n_free; i++)
		if (strcmp(scenario->free[i].name, name) == 0)
			return i;
	return -1;
}

bool mf_posterior_needs_reference(const struct mf_posterior *posterior,
				  const struct mf_scenario_source *source)
{
	const struct mf_scenario *s = mf_scenario_source_scenario(source);
	for (int j = 0; j < posterior->n_params; j++) {
		int i = free_index(s, posterior->params[j].name);
		if (i >= 0 && s->free[i].multiplier)
			return true;
	}
	return false;
}

void mf_posterior_scenarios_destroy(struct mf_scenario **scenarios, int draws)
{
	if (!scenarios)
		return;
	for (int k = 0; k < draws; k++)
		mf_scenario_destroy(scenarios[k]);
	free(scenarios);
}

struct mf_scenario **mf_posterior_scenarios(const struct mf_posterior *posterior,
					    struct mf_scenario_source *source,
					    const struct mf_scenario_source *reference,
					    uint64_t seed, int draws, double *values,
					    int *particles, struct mf_error *err)
{
	const struct mf_scenario *s = mf_scenario_source_scenario(source);
	int k_post = posterior->n_params, k_free = s->n_free;
	int *index = calloc((size_t)k_post + 1, sizeof(int));
	double *ratio = calloc((size_t)k_post + 1, sizeof(double));
	double *base = calloc((size_t)k_free + 1, sizeof(double));
	double *theta = calloc((size_t)k_free + 1, sizeof(double));
	struct mf_scenario **scenarios = calloc((size_t)draws + 1, sizeof(*scenarios));
	if (!index || !ratio || !base || !theta || !scenarios) {
		mf_error_set(err, MF_ERR_NOMEM, "out of memory");
		goto fail;
	}
	/* The file's values: 1 for a multiplier, the value for a set. */
	for (int i = 0; i < k_free; i++) {
		const double *v;
		base[i] = s->free[i].multiplier ? 1.0
			  : mf_scenario_source_values(source, i, &v) > 0 ? v[0] : s->free[i].start;
	}
	bool *solve = calloc((size_t)k_free + 1, sizeof(bool));
	double *factor = calloc((size_t)k_free + 1, sizeof(double));
	bool any_scale = false;
	if (!solve || !factor) {
		free(solve);
		free(factor);
		mf_error_set(err, MF_ERR_NOMEM, "out of memory");
		goto fail;
	}
	for (int j = 0; j < k_post; j++) {
		const char *name = posterior->params[j].name;
		index[j] = free_index(s, name);
		if (index[j] < 0) {
			mf_error_set(err, MF_ERR_INPUT, "%s: the posterior's parameter '%s' is not in "
				     "the scenario's calibrate: block", s->path, name);
			free(solve);
			free(factor);
			goto fail;
		}
		solve[index[j]] = s->free[index[j]].multiplier;
		any_scale = any_scale || solve[index[j]];
	}
	if (any_scale && !reference) {
		mf_error_set(err, MF_ERR_INTERNAL, "posterior: scale parameters without a reference");
		free(solve);
		free(factor);
		goto fail;
	}
	enum mf_status rebased = any_scale ? mf_scenario_source_rebase(source, reference, solve,
								      factor, err)
					   : MF_OK;
	for (int j = 0; j < k_post; j++)
		ratio[j] = any_scale ? factor[index[j]] : 1.0;
	free(solve);
	free(factor);
	if (rebased != MF_OK)
		goto fail;
	for (int k = 0; k < draws; k++) {
		int i = mf_posterior_draw(posterior, seed, (uint32_t)k);
		const double *particle = mf_posterior_particle(posterior, i);
		memcpy(theta, base, (size_t)k_free * sizeof(double));
		for (int j = 0; j < k_post; j++)
			theta[index[j]] = particle[j] / ratio[j];
		if (values)
			memcpy(values + (size_t)k * (size_t)k_post, particle, (size_t)k_post * sizeof(double));
		if (particles)
			particles[k] = i;
		scenarios[k] = mf_scenario_source_build(source, theta, err);
		if (!scenarios[k])
			goto fail;
	}
	free(index);
	free(ratio);
	free(base);
	free(theta);
	return scenarios;
fail:
	free(index);
	free(ratio);
	free(base);
	free(theta);
	mf_posterior_scenarios_destroy(scenarios, draws);
	return NULL;
}

void mf_posterior_draws_destroy(struct mf_posterior_draws *d)
{
	if (!d)
		return;
	mf_posterior_scenarios_destroy(d->scenarios, d->draws);
	mf_posterior_destroy(d->posterior);
	free(d->values);
	free(d->particles);
	free(d);
}

struct mf_posterior_draws *mf_posterior_draws_create(const char *posterior_path,
						     const char *scenario_path, uint64_t seed,
						     int draws, int agent_scale,
						     struct mf_error *err)
{
	struct mf_scenario_source *source = NULL, *reference = NULL;
	char *text = NULL;
	struct mf_posterior_draws *d = calloc(1, sizeof(*d));
	if (!d) {
		mf_error_set(err, MF_ERR_NOMEM, "out of memory");
		return NULL;
	}
	snprintf(d->posterior_path, sizeof(d->posterior_path), "%s", posterior_path);
	d->posterior = mf_posterior_read(posterior_path, false, &text, err);
	if (!d->posterior)
		goto fail;
	source = mf_scenario_source_load_inherited(scenario_path, err);
	if (!source)
		goto fail;
	if (mf_posterior_needs_reference(d->posterior, source)) {
		reference = mf_scenario_source_load(d->posterior->scenario_path, err);
		if (!reference) {
			char why[sizeof(err->message)];
			snprintf(why, sizeof(why), "%s", err->message);
			mf_error_set(err, MF_ERR_INPUT, "%s: the scenario it was computed on is needed "
				     "for its scale: parameters and cannot be read: %s", posterior_path, why);
			goto fail;
		}
		const char *now = mf_scenario_source_scenario(reference)->resolved_text;
		if (!now || !text || strcmp(now, text) != 0) {
			mf_error_set(err, MF_ERR_INPUT, "%s: %s has changed since the posterior was "
				     "computed (its scale: parameters multiply its values)",
				     posterior_path, d->posterior->scenario_path);
			goto fail;
		}
	}
	d->draws = draws;
	d->values = calloc((size_t)draws * (size_t)d->posterior->n_params + 1, sizeof(double));
	d->particles = calloc((size_t)draws + 1, sizeof(int));
	if (!d->values || !d->particles) {
		mf_error_set(err, MF_ERR_NOMEM, "out of memory");
		goto fail;
	}
	d->scenarios = mf_posterior_scenarios(d->posterior, source, reference, seed, draws,
					      d->values, d->particles, err);
	if (!d->scenarios)
		goto fail;
	for (int k = 0; k < draws && agent_scale > 0; k++)
		d->scenarios[k]->agent_scale = agent_scale;
	goto done;
fail:
	mf_posterior_draws_destroy(d);
	d = NULL;
done:
	free(text);
	mf_scenario_source_destroy(reference);
	mf_scenario_source_destroy(source);
	return d;
}

enum mf_status mf_posterior_draws_store(const struct mf_posterior_draws *d,
					struct mf_output *out, struct mf_error *err)
{
	int k = d->posterior->n_params;
	const char **names = calloc((size_t)k + 1, sizeof(char *));
	double *particles = calloc((size_t)d->draws + 1, sizeof(double));
	if (!names || !particles) {
		free(names);
		free(particles);
		return mf_error_set(err, MF_ERR_NOMEM, "out of memory");
	}
	for (int j = 0; j < k; j++)
		names[j] = d->posterior->params[j].name;
	for (int r = 0; r < d->draws; r++)
		particles[r] = d->particles[r];
	const struct mf_table table = {
		.dimension = "parameter", .long_name = "free parameter drawn from the posterior",
		.n_rows = k, .labels = names,
	};
	const char *both[] = {"replicate", "parameter"}, *one[] = {"replicate"};
	const struct mf_output_variable values = {
		.name = "replicate_parameters", .long_name = "parameter values of the replicate, "
		"drawn from the posterior by weight", .rank = 2, .dimensions = both, .values = d->values,
	};
	const struct mf_output_variable particle = {
		.name = "replicate_particle", .long_name = "particle of the posterior's last "
		"generation the replicate drew", .units = "1", .rank = 1, .dimensions = one,
		.values = particles,
	};
	enum mf_status status = mf_output_add_table(out, &table, err);
	if (status == MF_OK)
		status = mf_output_add_variable(out, &values, err);
	if (status == MF_OK)
		status = mf_output_add_variable(out, &particle, err);
	if (status == MF_OK)
		status = mf_output_add_text_attribute(out, "posterior", d->posterior_path, err);
	free(names);
	free(particles);
	return status;
}
