/* Tests of ABC-SMC: the mean of a normal with known sd, whose posterior is
 * known in closed form; identical results on 1 and 2 threads and for a
 * repeated seed; the budget stop; bad options. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "migflow/abc.h"
#include "migflow/rng.h"

/* n = 20 observations of N(mu, 1), prior mu ~ U(-10, 10): the posterior is
 * N(mean(x), 1 / sqrt(20)) (the prior's truncation is negligible). The
 * test asserts the ABC posterior mean and sd within 5 % of it with
 * PARTICLES particles, a budget of BUDGET simulations and tolerances
 * halved (quantile 0.5) down to MIN_TOLERANCE. */
#define OBSERVATIONS 20
#define PARTICLES 2000
#define BUDGET 200000
#define MIN_TOLERANCE 0.04

static double normal_draw(uint64_t seed, uint64_t j)
{
	double u1 = 1.0 - mf_rng_uniform(mf_rng_bits(seed, 2 * j));
	double u2 = mf_rng_uniform(mf_rng_bits(seed, 2 * j + 1));
	return sqrt(-2.0 * log(u1)) * cos(6.283185307179586 * u2);
}

static double sample_mean(double mu, uint64_t seed)
{
	double sum = 0.0;
	for (uint64_t j = 0; j < OBSERVATIONS; j++)
		sum += mu + normal_draw(seed, j);
	return sum / OBSERVATIONS;
}

struct normal_model {
	double observed_mean;
};

static double normal_distance(void *user, const double *theta, uint64_t seed,
			      double tolerance)
{
	(void)tolerance;
	const struct normal_model *model = user;
	return fabs(sample_mean(theta[0], seed) - model->observed_mean);
}

static struct mf_abc_options normal_options(int threads)
{
	return (struct mf_abc_options){
		.n_particles = PARTICLES, .quantile = 0.5, .max_generations = 30,
		.max_simulations = BUDGET, .min_acceptance = 0.0,
		.min_tolerance = MIN_TOLERANCE, .seed = 2024, .threads = threads,
	};
}

static struct mf_abc_result *run_normal(struct normal_model *model, int threads)
{
	const struct mf_abc_prior prior = { .min = -10.0, .max = 10.0 };
	struct mf_abc_options options = normal_options(threads);
	struct mf_error err;
	mf_error_clear(&err);
	struct mf_abc_result *r = mf_abc_run(&prior, 1, normal_distance, model,
					     &options, &err);
	assert_non_null(r);
	return r;
}

static void test_normal_mean(void **state)
{
	(void)state;
	/* The data: 20 draws of N(2.5, 1). */
	struct normal_model model = { sample_mean(2.5, UINT64_C(0x5eed)) };
	struct mf_abc_result *r = run_normal(&model, 2);
	double exact_sd = 1.0 / sqrt(OBSERVATIONS);
	for (size_t g = 0; g < r->n_generations; g++) {
		const struct mf_abc_generation *gen = &r->generations[g];
		print_message("# generation %zu: tolerance %.4f ESS %.0f acceptance %.3f "
			      "simulations %llu\n", g, gen->tolerance, gen->ess,
			      gen->acceptance_rate, (unsigned long long)gen->simulations);
		double sum = 0.0;
		for (size_t i = 0; i < r->n_particles; i++) {
			sum += gen->weights[i];
			assert_true(gen->distances[i] <= gen->tolerance);
		}
		assert_true(fabs(sum - 1.0) < 1e-9);
		assert_true(gen->ess > 0.0 && gen->ess <= r->n_particles + 1e-6);
	}
	const struct mf_abc_summary *s = &r->summary[0];
	print_message("# posterior mean %.4f (exact %.4f), sd %.4f (exact %.4f), "
		      "5/50/95 %% %.3f %.3f %.3f; %llu simulations, stop: %s\n",
		      s->mean, model.observed_mean, s->sd, exact_sd, s->q05, s->q50,
		      s->q95, (unsigned long long)r->simulations, mf_abc_stop_name(r->stop));
	assert_int_equal(r->stop, MF_ABC_STOP_TOLERANCE);
	assert_true(r->simulations <= BUDGET);
	assert_true(fabs(s->mean - model.observed_mean) < 0.05 * model.observed_mean);
	assert_true(fabs(s->sd - exact_sd) < 0.05 * exact_sd);
	/* Normal quantiles: mean -/+ 1.645 sd. */
	assert_true(fabs(s->q05 - (model.observed_mean - 1.645 * exact_sd)) < 0.05);
	assert_true(fabs(s->q95 - (model.observed_mean + 1.645 * exact_sd)) < 0.05);
	assert_true(r->correlation[0] == 1.0);
	mf_abc_result_destroy(r);
}

static void assert_same(const struct mf_abc_result *a, const struct mf_abc_result *b)
{
	assert_int_equal(a->n_generations, b->n_generations);
	assert_true(a->simulations == b->simulations);
	size_t n = a->n_particles, k = a->n_params;
	for (size_t g = 0; g < a->n_generations; g++) {
		const struct mf_abc_generation *x = &a->generations[g], *y = &b->generations[g];
		assert_true(x->tolerance == y->tolerance && x->ess == y->ess);
		assert_true(x->simulations == y->simulations);
		assert_memory_equal(x->particles, y->particles, n * k * sizeof(double));
		assert_memory_equal(x->weights, y->weights, n * sizeof(double));
		assert_memory_equal(x->distances, y->distances, n * sizeof(double));
		assert_memory_equal(x->working, y->working, n * k * sizeof(double));
	}
	assert_memory_equal(a->summary, b->summary, k * sizeof(*a->summary));
}

static void test_threads(void **state)
{
	(void)state;
	struct normal_model model = { 1.3 };
	struct mf_abc_result *one = run_normal(&model, 1);
	struct mf_abc_result *two = run_normal(&model, 2);
	struct mf_abc_result *again = run_normal(&model, 2);
	assert_same(one, two);
	assert_same(two, again);
	mf_abc_result_destroy(one);
	mf_abc_result_destroy(two);
	mf_abc_result_destroy(again);
}

/* Two parameters, the sd log-uniform: theta = (mu, sd), summaries the
 * mean and sd of 20 normal draws; run until the budget stops it. */
struct two_model {
	double mean, sd;
};

static double two_distance(void *user, const double *theta, uint64_t seed, double tolerance)
{
	(void)tolerance;
	const struct two_model *model = user;
	double sum = 0.0, squares = 0.0;
	for (uint64_t j = 0; j < OBSERVATIONS; j++) {
		double x = theta[0] + theta[1] * normal_draw(seed, j);
		sum += x;
		squares += x * x;
	}
	double mean = sum / OBSERVATIONS;
	double sd = sqrt((squares - OBSERVATIONS * mean * mean) / (OBSERVATIONS - 1));
	return hypot(mean - model->mean, sd - model->sd);
}

static void test_budget_and_log_prior(void **state)
{
	(void)state;
	const struct mf_abc_prior priors[2] = { { .min = -5.0, .max = 5.0 },
						{ .min = 0.1, .max = 10.0, .log_scale = true } };
	struct two_model model = { 1.0, 2.0 };
	struct mf_abc_options options = {
		.n_particles = 200, .quantile = 0.5, .max_generations = 100,
		.max_simulations = 5000, .seed = 9, .threads = 2,
	};
	struct mf_error err;
	mf_error_clear(&err);
	struct mf_abc_result *r = mf_abc_run(priors, 2, two_distance, &model,
					     &options, &err);
	assert_non_null(r);
	assert_int_equal(r->stop, MF_ABC_STOP_BUDGET);
	assert_true(r->simulations <= 5000);
	assert_true(r->n_generations >= 2);
	const struct mf_abc_generation *last = &r->generations[r->n_generations - 1];
	for (size_t i = 0; i < r->n_particles; i++)
		assert_true(last->particles[2 * i + 1] >= 0.1 &&
			    last->particles[2 * i + 1] <= 10.0);
	assert_true(fabs(r->summary[0].mean - 1.0) < 1.0);
	assert_true(fabs(r->summary[1].mean - 2.0) < 1.0);
	assert_true(r->summary[1].q05 <= r->summary[1].q50 &&
		    r->summary[1].q50 <= r->summary[1].q95);
	assert_true(r->correlation[1] == r->correlation[2]);
	assert_true(fabs(r->correlation[1]) <= 1.0);
	mf_abc_result_destroy(r);
}

static void test_bad_options(void **state)
{
	(void)state;
	const struct mf_abc_prior bad = { .min = 0.0, .max = 1.0, .log_scale = true };
	struct normal_model model = { 0.0 };
	struct mf_abc_options options = normal_options(1);
	struct mf_error err;
	mf_error_clear(&err);
	assert_null(mf_abc_run(&bad, 1, normal_distance, &model, &options, &err));
	assert_int_equal(err.code, MF_ERR_INPUT);
	const struct mf_abc_prior prior = { .min = 0.0, .max = 1.0 };
	options.quantile = 1.0;
	mf_error_clear(&err);
	assert_null(mf_abc_run(&prior, 1, normal_distance, &model, &options, &err));
	assert_int_equal(err.code, MF_ERR_INPUT);
	options = normal_options(1);
	options.max_simulations = 10;
	mf_error_clear(&err);
	assert_null(mf_abc_run(&prior, 1, normal_distance, &model, &options, &err));
	assert_int_equal(err.code, MF_ERR_INPUT);
	options = normal_options(1);
	const struct mf_abc_prior no_sd = { .min = 0.0, .max = 1.0, .family = MF_ABC_NORMAL };
	mf_error_clear(&err);
	assert_null(mf_abc_run(&no_sd, 1, normal_distance, &model, &options, &err));
	assert_int_equal(err.code, MF_ERR_INPUT);
	mf_abc_result_destroy(NULL);
}

/* A normal prior N(0, 0.5^2) on the mean (truncated to [-10, 10], which
 * is negligible): the posterior is normal with precision 1/0.25 + 20 = 24,
 * mean 20 xbar / 24 and sd 1 / sqrt(24). */
static void test_normal_prior(void **state)
{
	(void)state;
	struct normal_model model = { sample_mean(1.0, UINT64_C(0xfeed)) };
	const struct mf_abc_prior prior = { .min = -10.0, .max = 10.0,
					    .family = MF_ABC_NORMAL, .mean = 0.0, .sd = 0.5 };
	struct mf_abc_options options = normal_options(2);
	struct mf_error err;
	mf_error_clear(&err);
	struct mf_abc_result *r = mf_abc_run(&prior, 1, normal_distance, &model,
					     &options, &err);
	assert_non_null(r);
	double exact_mean = OBSERVATIONS * model.observed_mean / 24.0;
	double exact_sd = 1.0 / sqrt(24.0);
	print_message("# normal prior: posterior mean %.4f (exact %.4f), sd %.4f (exact %.4f)\n",
		      r->summary[0].mean, exact_mean, r->summary[0].sd, exact_sd);
	assert_true(fabs(r->summary[0].mean - exact_mean) < 0.05 * fabs(exact_mean));
	assert_true(fabs(r->summary[0].sd - exact_sd) < 0.05 * exact_sd);
	mf_abc_result_destroy(r);
}

/* A run saved after generation 2 and resumed ends as the whole run. */
struct saved {
	size_t after;
	struct mf_abc_result *copy;
	int calls;
};

static enum mf_status save_generation(void *user, const struct mf_abc_result *so_far,
				      struct mf_error *err)
{
	(void)err;
	struct saved *saved = user;
	saved->calls++;
	if (so_far->n_generations != saved->after)
		return MF_OK;
	size_t n = so_far->n_particles, k = so_far->n_params;
	saved->copy = mf_abc_result_create(k, n, so_far->n_generations);
	assert_non_null(saved->copy);
	for (size_t g = 0; g < so_far->n_generations; g++) {
		struct mf_abc_generation *d = &saved->copy->generations[g];
		const struct mf_abc_generation *s = &so_far->generations[g];
		memcpy(d->particles, s->particles, n * k * sizeof(double));
		memcpy(d->working, s->working, n * k * sizeof(double));
		memcpy(d->weights, s->weights, n * sizeof(double));
		memcpy(d->distances, s->distances, n * sizeof(double));
		d->tolerance = s->tolerance;
		d->ess = s->ess;
		d->acceptance_rate = s->acceptance_rate;
		d->simulations = s->simulations;
	}
	return MF_OK;
}

static bool cancel_at_once(void *user)
{
	(void)user;
	return true;
}

static void test_resume(void **state)
{
	(void)state;
	const struct mf_abc_prior priors[2] = { { .min = -5.0, .max = 5.0 },
						{ .min = 0.1, .max = 10.0, .log_scale = true } };
	struct two_model model = { 1.0, 2.0 };
	struct saved saved = { .after = 2 };
	struct mf_abc_options options = {
		.n_particles = 100, .quantile = 0.5, .max_generations = 5,
		.seed = 77, .threads = 2, .generation_done = save_generation, .user = &saved,
	};
	struct mf_error err;
	mf_error_clear(&err);
	struct mf_abc_result *whole = mf_abc_run(priors, 2, two_distance, &model, &options, &err);
	assert_non_null(whole);
	assert_int_equal(saved.calls, 5);
	assert_non_null(saved.copy);
	options.generation_done = NULL;
	options.resume = saved.copy;
	options.threads = 1;
	struct mf_abc_result *resumed = mf_abc_run(priors, 2, two_distance, &model, &options, &err);
	assert_non_null(resumed);
	assert_same(whole, resumed);
	/* Cancelled before its first round: no result, MF_ERR_CANCELLED. */
	options.cancelled = cancel_at_once;
	mf_error_clear(&err);
	assert_null(mf_abc_run(priors, 2, two_distance, &model, &options, &err));
	assert_int_equal(err.code, MF_ERR_CANCELLED);
	/* A saved run of other sizes is refused. */
	options.cancelled = NULL;
	options.n_particles = 50;
	mf_error_clear(&err);
	assert_null(mf_abc_run(priors, 2, two_distance, &model, &options, &err));
	assert_int_equal(err.code, MF_ERR_INPUT);
	mf_abc_result_destroy(whole);
	mf_abc_result_destroy(resumed);
	mf_abc_result_destroy(saved.copy);
}

/* Two processes as MPI would run them, here two threads whose share() sums
 * their buffers: each must end with the result of one process. */
struct world {
	pthread_barrier_t barrier;
	pthread_mutex_t lock;
	double *sum;
};

struct rank_run {
	struct world *world;
	int rank;
	struct two_model *model;
	struct mf_abc_result *result;
	int shares;
};

static enum mf_status sum_over_ranks(void *user, double *values, size_t n, struct mf_error *err)
{
	(void)err;
	struct rank_run *r = user;
	struct world *w = r->world;
	r->shares++;
	if (r->rank == 0)
		memset(w->sum, 0, n * sizeof(double));
	pthread_barrier_wait(&w->barrier);
	pthread_mutex_lock(&w->lock);
	for (size_t j = 0; j < n; j++)
		w->sum[j] += values[j];
	pthread_mutex_unlock(&w->lock);
	pthread_barrier_wait(&w->barrier);
	memcpy(values, w->sum, n * sizeof(double));
	pthread_barrier_wait(&w->barrier);
	return MF_OK;
}

static const struct mf_abc_prior two_priors[2] = {
	{ .min = -5.0, .max = 5.0 }, { .min = 0.1, .max = 10.0, .log_scale = true } };

static struct mf_abc_options spread_options(void)
{
	return (struct mf_abc_options){
		.n_particles = 101, .quantile = 0.5, .max_generations = 6,
		.max_simulations = 3000, .seed = 31, .threads = 1,
	};
}

static void *run_rank(void *data)
{
	struct rank_run *r = data;
	struct mf_abc_options options = spread_options();
	options.processes = 2;
	options.rank = r->rank;
	options.share = sum_over_ranks;
	options.user = r;
	struct mf_error err;
	mf_error_clear(&err);
	r->result = mf_abc_run(two_priors, 2, two_distance, r->model, &options, &err);
	return NULL;
}

static void test_processes(void **state)
{
	(void)state;
	struct two_model model = { 1.0, 2.0 };
	struct mf_abc_options options = spread_options();
	struct mf_error err;
	mf_error_clear(&err);
	struct mf_abc_result *one = mf_abc_run(two_priors, 2, two_distance, &model, &options, &err);
	assert_non_null(one);
	struct world w;
	w.sum = calloc(101 * (2 + 5) + 1, sizeof(double));
	assert_non_null(w.sum);
	pthread_barrier_init(&w.barrier, NULL, 2);
	pthread_mutex_init(&w.lock, NULL);
	struct rank_run ranks[2] = { { &w, 0, &model, NULL, 0 }, { &w, 1, &model, NULL, 0 } };
	pthread_t threads[2];
	for (int r = 0; r < 2; r++)
		assert_int_equal(pthread_create(&threads[r], NULL, run_rank, &ranks[r]), 0);
	for (int r = 0; r < 2; r++)
		pthread_join(threads[r], NULL);
	print_message("# 2 processes: %d rounds shared, %zu generations, %llu simulations\n",
		      ranks[0].shares, one->n_generations, (unsigned long long)one->simulations);
	for (int r = 0; r < 2; r++) {
		assert_non_null(ranks[r].result);
		assert_same(one, ranks[r].result);
		mf_abc_result_destroy(ranks[r].result);
	}
	assert_true(ranks[0].shares > (int)one->n_generations);
	pthread_barrier_destroy(&w.barrier);
	pthread_mutex_destroy(&w.lock);
	free(w.sum);
	mf_abc_result_destroy(one);
	/* A rank outside the processes is refused. */
	options.processes = 2;
	options.rank = 2;
	options.share = sum_over_ranks;
	mf_error_clear(&err);
	assert_null(mf_abc_run(two_priors, 2, two_distance, &model, &options, &err));
	assert_int_equal(err.code, MF_ERR_INPUT);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_normal_mean),
		cmocka_unit_test(test_threads),
		cmocka_unit_test(test_budget_and_log_prior),
		cmocka_unit_test(test_bad_options),
		cmocka_unit_test(test_normal_prior),
		cmocka_unit_test(test_resume),
		cmocka_unit_test(test_processes),
	};
	return cmocka_run_group_tests_name("abc", tests, NULL, NULL);
}
