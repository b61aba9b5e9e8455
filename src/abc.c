/* ABC-SMC: population Monte Carlo ABC (Beaumont et al. 2009, Biometrika
 * 96:983) with adaptive tolerances; see include/migflow/abc.h. */
#include "migflow/abc.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <omp.h>
#include <gsl/gsl_cdf.h>
#include <gsl/gsl_sort.h>
#include <gsl/gsl_statistics_double.h>

#include "migflow/rng.h"

#define K_MAX MF_ABC_MAX_PARAMETERS
/* Draws per proposal: 0 picks the ancestor, 1 .. 2k the perturbation (or
 * the prior draw), DRAW_SEED the simulation's seed. */
#define DRAWS_PER_ATTEMPT 64
#define DRAW_SEED 63
/* Proposals per particle and generation, out-of-prior ones included. */
#define MAX_ATTEMPTS (UINT64_C(1) << 40)

/* The run's fixed inputs. Work is on the "working scale": theta, or log
 * theta for log-uniform priors, where every prior is uniform on
 * [low, high]. */
struct abc {
	size_t k, n;
	double low[K_MAX], high[K_MAX];
	bool log_scale[K_MAX];
	/* Normal priors on the working scale: mean, sd and the distribution
	 * function at the bounds; sd 0 for uniform ones. */
	double mean[K_MAX], sd[K_MAX], cdf_low[K_MAX], cdf_high[K_MAX];
	mf_abc_distance_fn distance;
	void *user;
};

/* The previous generation as the proposal sees it. */
struct proposal {
	const double *u;          /* n x k, working scale */
	const double *cumulative; /* running sums of the weights */
	double chol[K_MAX * K_MAX]; /* lower Cholesky factor of the kernel's covariance */
};

/* One particle's outcome in a generation. */
struct slot {
	double distance;
	uint64_t simulations; /* callback calls */
	uint64_t attempt;     /* proposals drawn, out-of-prior ones included */
	bool accepted, exhausted;
};

const char *mf_abc_stop_name(enum mf_abc_stop stop)
{
	switch (stop) {
	case MF_ABC_STOP_GENERATIONS: return "generations";
	case MF_ABC_STOP_BUDGET: return "budget";
	case MF_ABC_STOP_ACCEPTANCE: return "acceptance";
	case MF_ABC_STOP_TOLERANCE: return "tolerance";
	}
	return "unknown";
}

const char *mf_abc_prior_name(const struct mf_abc_prior *prior)
{
	if (prior->family == MF_ABC_NORMAL)
		return prior->log_scale ? "log-normal" : "normal";
	return prior->log_scale ? "log-uniform" : "uniform";
}

static double draw_uniform(uint64_t key, uint64_t attempt, unsigned draw)
{
	return mf_rng_uniform(mf_rng_bits(key, attempt * DRAWS_PER_ATTEMPT + draw));
}

/* Standard normal by Box-Muller from draws `draw` and `draw + 1`. */
static double draw_normal(uint64_t key, uint64_t attempt, unsigned draw)
{
	double u1 = 1.0 - draw_uniform(key, attempt, draw); /* in (0, 1] */
	double u2 = draw_uniform(key, attempt, draw + 1);
	return sqrt(-2.0 * log(u1)) * cos(6.283185307179586 * u2);
}

static void to_natural(const struct abc *abc, const double *u, double *theta)
{
	for (size_t j = 0; j < abc->k; j++)
		theta[j] = abc->log_scale[j] ? exp(u[j]) : u[j];
}

/* Index of the first cumulative weight above r * total (binary search). */
static size_t pick_ancestor(const double *cumulative, size_t n, double r)
{
	double target = r * cumulative[n - 1];
	size_t lo = 0, hi = n - 1;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (cumulative[mid] > target)
			hi = mid;
		else
			lo = mid + 1;
	}
	return lo;
}

/* The prior's quantile r in (0, 1) of parameter j on the working scale. */
static double prior_draw(const struct abc *abc, size_t j, double r)
{
	if (abc->sd[j] == 0.0)
		return abc->low[j] + (abc->high[j] - abc->low[j]) * r;
	double p = abc->cdf_low[j] + (abc->cdf_high[j] - abc->cdf_low[j]) * r;
	double u = abc->mean[j] + abc->sd[j] * gsl_cdf_ugaussian_Pinv(p);
	return fmin(fmax(u, abc->low[j]), abc->high[j]);
}

/* Log of the prior density (up to its constant) at u, working scale. */
static double log_prior(const struct abc *abc, const double *u)
{
	double s = 0.0;
	for (size_t j = 0; j < abc->k; j++)
		if (abc->sd[j] > 0.0) {
			double z = (u[j] - abc->mean[j]) / abc->sd[j];
			s -= 0.5 * z * z;
		}
	return s;
}

/* One more proposal for a particle: draws (skipping proposals outside the
 * prior, which cost no simulation) until one is inside, simulates it and
 * accepts it if within the tolerance. prop == NULL samples the prior. */
static void try_particle(const struct abc *abc, const struct proposal *prop,
			 uint64_t key, double tolerance, double *u, struct slot *slot)
{
	const size_t k = abc->k;
	double theta[K_MAX], z[K_MAX];
	for (; slot->attempt < MAX_ATTEMPTS; slot->attempt++) {
		const uint64_t attempt = slot->attempt;
		bool inside = true;
		if (!prop) {
			for (size_t j = 0; j < k; j++)
				u[j] = prior_draw(abc, j, draw_uniform(key, attempt, (unsigned)(1 + j)));
		} else {
			size_t a = pick_ancestor(prop->cumulative, abc->n,
						 draw_uniform(key, attempt, 0));
			for (size_t j = 0; j < k; j++)
				z[j] = draw_normal(key, attempt, (unsigned)(1 + 2 * j));
			for (size_t j = 0; j < k; j++) {
				double step = 0.0;
				for (size_t l = 0; l <= j; l++)
					step += prop->chol[j * k + l] * z[l];
				u[j] = prop->u[a * k + j] + step;
				inside = inside && u[j] >= abc->low[j] && u[j] <= abc->high[j];
			}
		}
		if (!inside)
			continue;
		to_natural(abc, u, theta);
		uint64_t seed = mf_rng_bits(key, attempt * DRAWS_PER_ATTEMPT + DRAW_SEED);
		double d = abc->distance(abc->user, theta, seed, tolerance);
		slot->simulations++;
		slot->attempt++;
		if (isfinite(d) && d <= tolerance) {
			slot->distance = d;
			slot->accepted = true;
		}
		return;
	}
	slot->exhausted = true;
}

/* The values a round shares per particle: its working-scale values, then
 * distance, simulations, attempt, accepted and exhausted. */
#define SHARED_EXTRA 5

/* Makes every process's results of a round every process's: each packs
 * its own pending particles (the others 0) and share() sums them. */
static enum mf_status share_round(const struct abc *abc, const struct mf_abc_options *options,
				  const bool *pending, double *u, struct slot *slots,
				  double *buffer, bool *cancelled, struct mf_error *err)
{
	const size_t n = abc->n, k = abc->k, width = k + SHARED_EXTRA;
	memset(buffer, 0, (n * width + 1) * sizeof(double));
	for (size_t i = 0; i < n; i++) {
		if (!pending[i] || i % (size_t)options->processes != (size_t)options->rank)
			continue;
		double *b = buffer + i * width;
		memcpy(b, u + i * k, k * sizeof(double));
		b[k] = slots[i].accepted ? slots[i].distance : 0.0;
		b[k + 1] = (double)slots[i].simulations;
		b[k + 2] = (double)slots[i].attempt;
		b[k + 3] = slots[i].accepted;
		b[k + 4] = slots[i].exhausted;
	}
	buffer[n * width] = *cancelled;
	enum mf_status status = options->share(options->user, buffer, n * width + 1, err);
	if (status != MF_OK)
		return status;
	for (size_t i = 0; i < n; i++) {
		if (!pending[i])
			continue;
		const double *b = buffer + i * width;
		memcpy(u + i * k, b, k * sizeof(double));
		slots[i].accepted = b[k + 3] != 0.0;
		slots[i].distance = slots[i].accepted ? b[k] : NAN;
		slots[i].simulations = (uint64_t)b[k + 1];
		slots[i].attempt = (uint64_t)b[k + 2];
		slots[i].exhausted = b[k + 4] != 0.0;
	}
	*cancelled = buffer[n * width] != 0.0;
	return MF_OK;
}

/* Fills a generation in rounds: in each round every particle not yet
 * accepted simulates one proposal (in parallel, over threads and
 * processes), so which proposals are simulated does not depend on the
 * number of threads or processes. A round that would take the run past
 * the budget is not started. Returns whether every particle was accepted;
 * adds the simulations to *used. */
static bool fill_generation(const struct abc *abc, const struct proposal *prop,
			    uint64_t generation_key, double tolerance, uint64_t budget,
			    double *u, struct slot *slots, uint64_t *used, int threads,
			    const struct mf_abc_options *options, bool *cancelled,
			    bool *pending, double *buffer, enum mf_status *status,
			    struct mf_error *err)
{
	const size_t n = abc->n, k = abc->k;
	const bool spread = options->processes > 1 && options->share;
	const size_t processes = spread ? (size_t)options->processes : 1;
	const size_t rank = spread ? (size_t)options->rank : 0;
	for (size_t i = 0; i < n; i++)
		slots[i] = (struct slot){ .distance = NAN };
	size_t count = n;
	while (count > 0) {
		if (budget && *used + count > budget)
			return false;
		*cancelled = options->cancelled && options->cancelled(options->user);
		if (*cancelled && !spread)
			return false;
		for (size_t i = 0; i < n; i++)
			pending[i] = !slots[i].accepted;
		if (!*cancelled) {
#pragma omp parallel for schedule(dynamic, 16) num_threads(threads)
			for (size_t i = rank; i < n; i += processes)
				if (pending[i])
					try_particle(abc, prop, mf_rng_bits(generation_key, i),
						     tolerance, u + i * k, &slots[i]);
		}
		if (spread && (*status = share_round(abc, options, pending, u, slots, buffer,
						     cancelled, err)) != MF_OK)
			return false;
		if (*cancelled)
			return false;
		*used += count;
		count = 0;
		for (size_t i = 0; i < n; i++) {
			if (slots[i].exhausted)
				return false;
			count += !slots[i].accepted;
		}
	}
	return true;
}

/* Lower Cholesky factor of the k x k matrix a; false unless positive
 * definite. */
static bool cholesky(size_t k, const double *a, double *l)
{
	memset(l, 0, k * k * sizeof(double));
	for (size_t j = 0; j < k; j++) {
		double diag = a[j * k + j];
		for (size_t p = 0; p < j; p++)
			diag -= l[j * k + p] * l[j * k + p];
		if (!(diag > 0.0))
			return false;
		l[j * k + j] = sqrt(diag);
		for (size_t i = j + 1; i < k; i++) {
			double s = a[i * k + j];
			for (size_t p = 0; p < j; p++)
				s -= l[i * k + p] * l[j * k + p];
			l[i * k + j] = s / l[j * k + j];
		}
	}
	return true;
}

/* Weighted mean and covariance of n points of k values (weights sum 1). */
static void weighted_moments(size_t n, size_t k, const double *x, const double *w,
			     double *mean, double *cov)
{
	for (size_t j = 0; j < k; j++) {
		mean[j] = 0.0;
		for (size_t i = 0; i < n; i++)
			mean[j] += w[i] * x[i * k + j];
	}
	for (size_t a = 0; a < k; a++) {
		for (size_t b = 0; b <= a; b++) {
			double s = 0.0;
			for (size_t i = 0; i < n; i++)
				s += w[i] * (x[i * k + a] - mean[a]) * (x[i * k + b] - mean[b]);
			cov[a * k + b] = cov[b * k + a] = s;
		}
	}
}

/* The kernel: Gaussian with twice the weighted covariance of the previous
 * generation (Beaumont et al. 2009, section 3). A degenerate covariance
 * falls back to its diagonal, floored at a tiny fraction of the prior. */
static void build_kernel(const struct abc *abc, const double *u, const double *w,
			 struct proposal *prop)
{
	const size_t k = abc->k;
	double mean[K_MAX], cov[K_MAX * K_MAX];
	weighted_moments(abc->n, k, u, w, mean, cov);
	for (size_t j = 0; j < k * k; j++)
		cov[j] *= 2.0;
	if (cholesky(k, cov, prop->chol))
		return;
	memset(prop->chol, 0, sizeof(prop->chol));
	for (size_t j = 0; j < k; j++) {
		double floor = 1e-9 * (abc->high[j] - abc->low[j]);
		double var = cov[j * k + j];
		prop->chol[j * k + j] = var > floor * floor ? sqrt(var) : floor;
	}
}

/* Log of the kernel density (up to its constant) of x given centre c. */
static double log_kernel(size_t k, const double *chol, const double *x,
			 const double *c)
{
	double y[K_MAX], q = 0.0;
	for (size_t j = 0; j < k; j++) { /* solve L y = x - c */
		double s = x[j] - c[j];
		for (size_t l = 0; l < j; l++)
			s -= chol[j * k + l] * y[l];
		y[j] = s / chol[j * k + j];
		q += y[j] * y[j];
	}
	return -0.5 * q;
}

/* Importance weights of the new particles u given the previous ones:
 * prior over the mixture of kernels,
 * normalised to sum 1. Each weight is a sum in index order: the same for
 * any number of threads. */
static void importance_weights(const struct abc *abc, const struct proposal *prop,
			       const double *prev_w, const double *u, double *w,
			       int threads)
{
	const size_t n = abc->n, k = abc->k;
#pragma omp parallel for schedule(static) num_threads(threads)
	for (size_t i = 0; i < n; i++) {
		double top = -INFINITY;
		for (size_t j = 0; j < n; j++) {
			double lk = log_kernel(k, prop->chol, u + i * k, prop->u + j * k);
			if (prev_w[j] > 0.0 && lk > top)
				top = lk;
		}
		double s = 0.0;
		for (size_t j = 0; j < n; j++)
			if (prev_w[j] > 0.0)
				s += prev_w[j] * exp(log_kernel(k, prop->chol, u + i * k,
								prop->u + j * k) - top);
		w[i] = log_prior(abc, u + i * k) - (top + log(s)); /* log weight */
	}
	double top = -INFINITY, total = 0.0;
	for (size_t i = 0; i < n; i++)
		top = w[i] > top ? w[i] : top;
	for (size_t i = 0; i < n; i++) {
		w[i] = exp(w[i] - top);
		total += w[i];
	}
	for (size_t i = 0; i < n; i++)
		w[i] /= total;
}

struct weighted_value {
	double value, weight;
};

static int compare_value(const void *a, const void *b)
{
	double x = ((const struct weighted_value *)a)->value;
	double y = ((const struct weighted_value *)b)->value;
	return x < y ? -1 : x > y;
}

/* Weighted quantile: the smallest value whose cumulative weight reaches q
 * (pairs sorted by value, weights summing to 1). */
static double weighted_quantile(const struct weighted_value *sorted, size_t n,
				double q)
{
	double cumulative = 0.0;
	for (size_t i = 0; i < n; i++) {
		cumulative += sorted[i].weight;
		if (cumulative >= q - 1e-12)
			return sorted[i].value;
	}
	return sorted[n - 1].value;
}

/* Summaries and correlations of the last generation (natural scale). */
bool mf_abc_summarise(struct mf_abc_result *result)
{
	const size_t n = result->n_particles, k = result->n_params;
	const struct mf_abc_generation *last =
		&result->generations[result->n_generations - 1];
	struct weighted_value *pairs = malloc(n * sizeof(*pairs));
	if (!pairs)
		return false;
	double mean[K_MAX], cov[K_MAX * K_MAX];
	weighted_moments(n, k, last->particles, last->weights, mean, cov);
	for (size_t j = 0; j < k; j++) {
		struct mf_abc_summary *s = &result->summary[j];
		s->mean = mean[j];
		s->sd = sqrt(cov[j * k + j]);
		for (size_t i = 0; i < n; i++) {
			pairs[i].value = last->particles[i * k + j];
			pairs[i].weight = last->weights[i];
		}
		qsort(pairs, n, sizeof(*pairs), compare_value);
		s->q05 = weighted_quantile(pairs, n, 0.05);
		s->q50 = weighted_quantile(pairs, n, 0.50);
		s->q95 = weighted_quantile(pairs, n, 0.95);
	}
	for (size_t a = 0; a < k; a++)
		for (size_t b = 0; b < k; b++) {
			double scale = sqrt(cov[a * k + a] * cov[b * k + b]);
			result->correlation[a * k + b] =
				a == b ? 1.0 : scale > 0.0 ? cov[a * k + b] / scale : NAN;
		}
	free(pairs);
	return true;
}

void mf_abc_result_destroy(struct mf_abc_result *result)
{
	if (!result)
		return;
	for (size_t g = 0; g < result->n_generations; g++) {
		free(result->generations[g].particles);
		free(result->generations[g].working);
		free(result->generations[g].weights);
		free(result->generations[g].distances);
	}
	free(result->generations);
	free(result->summary);
	free(result->correlation);
	free(result);
}

static enum mf_status check_options(const struct mf_abc_prior *priors, size_t k,
				    mf_abc_distance_fn distance,
				    const struct mf_abc_options *o,
				    struct mf_error *err)
{
	if (!priors || !distance || !o)
		return mf_error_set(err, MF_ERR_INPUT, "abc: no priors, distance or options");
	if (k < 1 || k > K_MAX)
		return mf_error_set(err, MF_ERR_INPUT,
				    "abc: %zu parameters (1 to %d allowed)", k, K_MAX);
	if (o->n_particles < 2 || o->n_particles > ((size_t)1 << 28))
		return mf_error_set(err, MF_ERR_INPUT,
				    "abc: %zu particles (2 to 2^28 allowed)", o->n_particles);
	if (!(o->quantile > 0.0 && o->quantile < 1.0))
		return mf_error_set(err, MF_ERR_INPUT,
				    "abc: quantile %g is not in (0, 1)", o->quantile);
	if (o->max_generations < 1)
		return mf_error_set(err, MF_ERR_INPUT, "abc: max_generations is 0");
	if (!(o->min_acceptance >= 0.0 && o->min_acceptance < 1.0) ||
	    !(o->min_tolerance >= 0.0) || o->threads < 0)
		return mf_error_set(err, MF_ERR_INPUT,
				    "abc: min_acceptance %g, min_tolerance %g or threads %d "
				    "out of range", o->min_acceptance, o->min_tolerance,
				    o->threads);
	if (o->max_simulations != 0 && o->max_simulations < o->n_particles)
		return mf_error_set(err, MF_ERR_INPUT,
				    "abc: a budget of %llu simulations is below the %zu "
				    "particles of generation 0",
				    (unsigned long long)o->max_simulations, o->n_particles);
	for (size_t j = 0; j < k; j++) {
		const struct mf_abc_prior *p = &priors[j];
		if (!isfinite(p->min) || !isfinite(p->max) || !(p->min < p->max) ||
		    (p->log_scale && !(p->min > 0.0)))
			return mf_error_set(err, MF_ERR_INPUT,
					    "abc: prior %zu on [%g, %g]%s", j, p->min, p->max,
					    p->log_scale ? " (log-uniform needs 0 < min)" : "");
		if (p->family == MF_ABC_NORMAL && !(isfinite(p->mean) && p->sd > 0.0 && isfinite(p->sd)))
			return mf_error_set(err, MF_ERR_INPUT,
					    "abc: prior %zu is normal with mean %g and sd %g "
					    "(a finite mean and a positive sd needed)", j, p->mean, p->sd);
		if (p->family != MF_ABC_UNIFORM && p->family != MF_ABC_NORMAL)
			return mf_error_set(err, MF_ERR_INPUT, "abc: prior %zu has no family", j);
	}
	if (o->processes > 1 && (o->rank < 0 || o->rank >= o->processes))
		return mf_error_set(err, MF_ERR_INPUT, "abc: rank %d of %d processes", o->rank,
				    o->processes);
	const struct mf_abc_result *r = o->resume;
	if (r) {
		if (r->n_params != k || r->n_particles != o->n_particles || r->n_generations < 1)
			return mf_error_set(err, MF_ERR_INPUT,
					    "abc: the run to resume has %zu parameters, %zu particles "
					    "and %zu generations (expected %zu, %zu and at least 1)",
					    r->n_params, r->n_particles, r->n_generations, k,
					    o->n_particles);
		for (size_t g = 0; g < r->n_generations; g++)
			if (!r->generations[g].working || !r->generations[g].weights ||
			    !r->generations[g].distances || !r->generations[g].particles)
				return mf_error_set(err, MF_ERR_INPUT,
						    "abc: generation %zu of the run to resume is "
						    "incomplete", g);
	}
	return MF_OK;
}

/* Appends an empty generation; NULL when out of memory. */
static struct mf_abc_generation *add_generation(struct mf_abc_result *r)
{
	struct mf_abc_generation *grown =
		realloc(r->generations, (r->n_generations + 1) * sizeof(*grown));
	if (!grown)
		return NULL;
	r->generations = grown;
	struct mf_abc_generation *g = &grown[r->n_generations];
	memset(g, 0, sizeof(*g));
	g->particles = calloc(r->n_particles * r->n_params, sizeof(double));
	g->working = calloc(r->n_particles * r->n_params, sizeof(double));
	g->weights = calloc(r->n_particles, sizeof(double));
	g->distances = calloc(r->n_particles, sizeof(double));
	r->n_generations++;
	if (!g->particles || !g->working || !g->weights || !g->distances)
		return NULL;
	return g;
}

struct mf_abc_result *mf_abc_result_create(size_t n_params, size_t n_particles,
					   size_t n_generations)
{
	struct mf_abc_result *r = calloc(1, sizeof(*r));
	if (!r)
		return NULL;
	r->n_params = n_params;
	r->n_particles = n_particles;
	r->summary = calloc(n_params ? n_params : 1, sizeof(*r->summary));
	r->correlation = calloc(n_params * n_params + 1, sizeof(double));
	bool ok = r->summary && r->correlation;
	for (size_t g = 0; g < n_generations && ok; g++)
		ok = add_generation(r) != NULL;
	if (!ok) {
		mf_abc_result_destroy(r);
		return NULL;
	}
	return r;
}

/* Copies generation src into dst (both allocated for the same sizes). */
static void copy_generation(const struct mf_abc_result *r, struct mf_abc_generation *dst,
			    const struct mf_abc_generation *src)
{
	size_t n = r->n_particles, k = r->n_params;
	memcpy(dst->particles, src->particles, n * k * sizeof(double));
	memcpy(dst->working, src->working, n * k * sizeof(double));
	memcpy(dst->weights, src->weights, n * sizeof(double));
	memcpy(dst->distances, src->distances, n * sizeof(double));
	dst->tolerance = src->tolerance;
	dst->ess = src->ess;
	dst->acceptance_rate = src->acceptance_rate;
	dst->simulations = src->simulations;
}

/* Tolerance of the next generation: the quantile of the distances. */
static double next_tolerance(const double *distances, size_t n, double quantile,
			     double *scratch)
{
	memcpy(scratch, distances, n * sizeof(double));
	gsl_sort(scratch, 1, n);
	return gsl_stats_quantile_from_sorted_data(scratch, 1, n, quantile);
}

/* Why the run stops after generation g, or -1 to go on. */
static int stop_after(const struct mf_abc_result *result, const struct mf_abc_generation *g,
		      const struct mf_abc_options *options)
{
	if (result->n_generations >= options->max_generations)
		return MF_ABC_STOP_GENERATIONS;
	if (options->min_tolerance > 0.0 && g->tolerance <= options->min_tolerance)
		return MF_ABC_STOP_TOLERANCE;
	if (g->acceptance_rate < options->min_acceptance)
		return MF_ABC_STOP_ACCEPTANCE;
	if (options->max_simulations &&
	    result->simulations + result->n_particles > options->max_simulations)
		return MF_ABC_STOP_BUDGET;
	return -1;
}

static void setup(struct abc *abc, const struct mf_abc_prior *priors)
{
	for (size_t j = 0; j < abc->k; j++) {
		const struct mf_abc_prior *p = &priors[j];
		abc->log_scale[j] = p->log_scale;
		abc->low[j] = p->log_scale ? log(p->min) : p->min;
		abc->high[j] = p->log_scale ? log(p->max) : p->max;
		abc->sd[j] = 0.0;
		if (p->family == MF_ABC_NORMAL) {
			abc->mean[j] = p->mean;
			abc->sd[j] = p->sd;
			abc->cdf_low[j] = gsl_cdf_ugaussian_P((abc->low[j] - p->mean) / p->sd);
			abc->cdf_high[j] = gsl_cdf_ugaussian_P((abc->high[j] - p->mean) / p->sd);
		}
	}
}

struct mf_abc_result *mf_abc_run(const struct mf_abc_prior *priors,
				 size_t n_params, mf_abc_distance_fn distance,
				 void *user, const struct mf_abc_options *options,
				 struct mf_error *err)
{
	if (check_options(priors, n_params, distance, options, err) != MF_OK)
		return NULL;
	const size_t n = options->n_particles, k = n_params;
	const uint64_t budget = options->max_simulations;
	const int threads = options->threads > 0 ? options->threads : omp_get_max_threads();
	struct abc abc = { .k = k, .n = n, .distance = distance, .user = user };
	setup(&abc, priors);

	const struct mf_abc_result *resume = options->resume;
	struct mf_abc_result *result = mf_abc_result_create(k, n, resume ? resume->n_generations : 0);
	double *prev_u = malloc(n * k * sizeof(double));
	double *cur_u = malloc(n * k * sizeof(double));
	double *cumulative = malloc(n * sizeof(double));
	double *scratch = malloc(n * sizeof(double));
	struct slot *slots = malloc(n * sizeof(*slots));
	struct proposal *prop = malloc(sizeof(*prop));
	bool *pending = malloc(n * sizeof(bool));
	double *buffer = options->processes > 1 && options->share
		? malloc((n * (k + SHARED_EXTRA) + 1) * sizeof(double)) : NULL;
	if (!result || !prev_u || !cur_u || !cumulative || !scratch || !slots || !prop ||
	    !pending || (options->processes > 1 && options->share && !buffer))
		goto nomem;

	/* A resumed run: its generations, and where it would have gone on. */
	int stop = -1;
	if (resume) {
		for (size_t g = 0; g < resume->n_generations; g++) {
			copy_generation(result, &result->generations[g], &resume->generations[g]);
			result->simulations += resume->generations[g].simulations;
		}
		const struct mf_abc_generation *last =
			&result->generations[result->n_generations - 1];
		memcpy(prev_u, last->working, n * k * sizeof(double));
		stop = stop_after(result, last, options);
	}

	for (uint32_t t = (uint32_t)result->n_generations; stop < 0; t++) {
		double tolerance = INFINITY;
		const struct proposal *from = NULL;
		if (t > 0) {
			const struct mf_abc_generation *prev =
				&result->generations[result->n_generations - 1];
			tolerance = next_tolerance(prev->distances, n, options->quantile,
						   scratch);
			double sum = 0.0;
			for (size_t i = 0; i < n; i++)
				cumulative[i] = sum += prev->weights[i];
			prop->u = prev_u;
			prop->cumulative = cumulative;
			build_kernel(&abc, prev_u, prev->weights, prop);
			from = prop;
		}

		uint64_t used_before = result->simulations;
		bool cancelled = false;
		enum mf_status shared = MF_OK;
		bool complete = fill_generation(&abc, from, mf_rng_key(options->seed, t),
						tolerance, budget, cur_u, slots,
						&result->simulations, threads, options, &cancelled,
						pending, buffer, &shared, err);
		uint64_t simulations = result->simulations - used_before;
		if (shared != MF_OK)
			goto fail;
		if (cancelled) {
			mf_error_set(err, MF_ERR_CANCELLED,
				     "interrupted in generation %u", (unsigned)t);
			goto fail;
		}
		if (!complete) {
			if (t == 0) {
				mf_error_set(err, MF_ERR_INPUT,
					     "abc: generation 0 could not be filled: the "
					     "distance was not finite for every prior draw "
					     "within the budget");
				goto fail;
			}
			stop = MF_ABC_STOP_BUDGET;
			break;
		}

		struct mf_abc_generation *g = add_generation(result);
		if (!g)
			goto nomem;
		g->tolerance = tolerance;
		g->simulations = simulations;
		g->acceptance_rate = (double)n / (double)simulations;
		memcpy(g->working, cur_u, n * k * sizeof(double));
		for (size_t i = 0; i < n; i++) {
			g->distances[i] = slots[i].distance;
			to_natural(&abc, cur_u + i * k, g->particles + i * k);
		}
		if (t == 0) {
			for (size_t i = 0; i < n; i++)
				g->weights[i] = 1.0 / (double)n;
		} else {
			importance_weights(&abc, prop,
					   result->generations[result->n_generations - 2].weights,
					   cur_u, g->weights, threads);
		}
		double squares = 0.0;
		for (size_t i = 0; i < n; i++)
			squares += g->weights[i] * g->weights[i];
		g->ess = 1.0 / squares;
		double *swap = prev_u;
		prev_u = cur_u;
		cur_u = swap;
		if (options->generation_done &&
		    options->generation_done(options->user, result, err) != MF_OK)
			goto fail;
		stop = stop_after(result, g, options);
	}
	result->stop = (enum mf_abc_stop)stop;
	if (!mf_abc_summarise(result))
		goto nomem;
	goto done;

nomem:
	mf_error_set(err, MF_ERR_NOMEM, "abc: out of memory");
fail:
	mf_abc_result_destroy(result);
	result = NULL;
done:
	free(prev_u);
	free(cur_u);
	free(cumulative);
	free(scratch);
	free(slots);
	free(prop);
	free(pending);
	free(buffer);
	return result;
}
