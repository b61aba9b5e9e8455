/* The posterior (migflow/posterior.h) on the small fit world: the same
 * result for 1 and 2 threads, a file that reads back exactly, a run
 * interrupted after a generation and resumed from its checkpoint equal to
 * the whole run, early stops that change nothing, draws by weight, bad
 * input. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "support.h"

struct fit {
	struct scratch scratch;
	struct mf_scenario_source *source;
	struct mf_targets *targets;
	char targets_path[512];
};

/* The fit world with targets made by the model at truth (replicate 0 of
 * seed). */
static void fit_open(struct fit *f, const double *truth, uint64_t seed)
{
	scratch_open(&f->scratch);
	write_fit_world(&f->scratch);
	char path[512], text[2048];
	scratch_path(&f->scratch, "scenario.yaml", path, sizeof(path));
	scratch_path(&f->scratch, "targets.yaml", f->targets_path, sizeof(f->targets_path));
	struct mf_error err = {0};
	f->source = mf_scenario_source_load(path, &err);
	assert_non_null(f->source);
	const struct mf_scenario *base = mf_scenario_source_scenario(f->source);
	snprintf(text, sizeof(text), TARGETS_TEMPLATE, 1.0, 1.0, 1.0);
	scratch_write(&f->scratch, "targets.yaml", text);
	struct mf_targets *targets = mf_targets_load(f->targets_path, base, &err);
	assert_non_null(targets);
	struct mf_scenario *world = mf_scenario_source_build(f->source, truth, &err);
	assert_non_null(world);
	double observed[3], sd[3];
	assert_int_equal(mf_targets_simulate(world, targets, 1, seed, 1, observed, sd, &err), MF_OK);
	mf_scenario_destroy(world);
	mf_targets_destroy(targets);
	snprintf(text, sizeof(text), TARGETS_TEMPLATE, observed[0], observed[1], observed[2]);
	scratch_write(&f->scratch, "targets.yaml", text);
	f->targets = mf_targets_load(f->targets_path, base, &err);
	assert_non_null(f->targets);
}

static void fit_close(struct fit *f)
{
	mf_targets_destroy(f->targets);
	mf_scenario_source_destroy(f->source);
	scratch_close(&f->scratch);
}

static struct mf_posterior_options small_options(int threads)
{
	return (struct mf_posterior_options){
		.particles = 60, .budget = 700, .quantile = 0.5, .max_generations = 20,
		.seed = 5, .threads = threads, .predictive_draws = 30,
	};
}

static void assert_same_posterior(const struct mf_posterior *a, const struct mf_posterior *b)
{
	const struct mf_abc_result *x = a->abc, *y = b->abc;
	assert_int_equal(x->n_generations, y->n_generations);
	assert_true(x->simulations == y->simulations);
	size_t n = x->n_particles, k = x->n_params;
	for (size_t g = 0; g < x->n_generations; g++) {
		const struct mf_abc_generation *p = &x->generations[g], *q = &y->generations[g];
		assert_memory_equal(p->particles, q->particles, n * k * sizeof(double));
		assert_memory_equal(p->working, q->working, n * k * sizeof(double));
		assert_memory_equal(p->weights, q->weights, n * sizeof(double));
		assert_memory_equal(p->distances, q->distances, n * sizeof(double));
		assert_true(p->tolerance == q->tolerance && p->ess == q->ess &&
			    p->simulations == q->simulations);
	}
	assert_memory_equal(x->summary, y->summary, k * sizeof(*x->summary));
	assert_int_equal(a->n_draws, b->n_draws);
	assert_memory_equal(a->predictive, b->predictive,
			    (size_t)a->n_draws * (size_t)a->n_targets * sizeof(double));
	assert_memory_equal(a->draw_particle, b->draw_particle, (size_t)a->n_draws * sizeof(int));
}

static const double TRUTH[3] = {420, 45, 0.012};

static void test_threads_and_file(void **state)
{
	(void)state;
	struct fit f;
	fit_open(&f, TRUTH, 11);
	struct mf_error err = {0};
	struct mf_posterior_options options = small_options(2);
	struct mf_posterior *two = mf_posterior_run(f.source, f.targets, &options, &err);
	assert_non_null(two);
	options.threads = 1;
	struct mf_posterior *one = mf_posterior_run(f.source, f.targets, &options, &err);
	assert_non_null(one);
	assert_same_posterior(one, two);
	print_message("# %zu generations, %llu simulations, %llu stopped early, stop %s\n",
		      two->abc->n_generations, (unsigned long long)two->abc->simulations,
		      (unsigned long long)two->early_stops, mf_abc_stop_name(two->abc->stop));
	assert_true(two->abc->n_generations >= 3);
	assert_true(two->abc->simulations <= 700);
	assert_true(two->early_stops > 0);
	/* Every accepted particle within its generation's tolerance; the
	 * predictive check covers each target with its 5-95 % range. */
	for (size_t g = 1; g < two->abc->n_generations; g++)
		for (size_t i = 0; i < two->abc->n_particles; i++)
			assert_true(two->abc->generations[g].distances[i] <=
				    two->abc->generations[g].tolerance);
	for (int t = 0; t < two->n_targets; t++)
		assert_true(two->q05[t] <= two->q50[t] && two->q50[t] <= two->q95[t]);

	char path[512];
	scratch_path(&f.scratch, "post.h5", path, sizeof(path));
	const struct mf_scenario *base = mf_scenario_source_scenario(f.source);
	assert_int_equal(mf_posterior_write(path, two, base, f.targets, true, false, &err), MF_OK);
	/* Not over an existing file unless forced. */
	assert_int_equal(mf_posterior_write(path, two, base, f.targets, true, false, &err), MF_ERR_EXISTS);
	char *text = NULL;
	struct mf_posterior *back = mf_posterior_read(path, false, &text, &err);
	assert_non_null(back);
	assert_string_equal(text, base->resolved_text);
	free(text);
	assert_same_posterior(two, back);
	assert_memory_equal(two->q05, back->q05, 3 * sizeof(double));
	assert_memory_equal(two->q95, back->q95, 3 * sizeof(double));
	assert_memory_equal(two->inside, back->inside, 3 * sizeof(bool));
	assert_string_equal(back->params[2].name, "expel");
	assert_true(back->priors[2].log_scale && back->priors[2].min == 0.001);
	assert_true(back->options.seed == 5 && back->options.particles == 60);

	/* Draws by weight: frequencies of 40,000 replicates against weights. */
	const struct mf_abc_generation *last = &back->abc->generations[back->abc->n_generations - 1];
	int counts[60] = {0};
	for (uint32_t r = 0; r < 40000; r++) {
		int i = mf_posterior_draw(back, 9, r);
		assert_true(i >= 0 && i < 60);
		counts[i]++;
	}
	double chi2 = 0;
	for (int i = 0; i < 60; i++) {
		double expected = 40000 * last->weights[i];
		if (expected > 0)
			chi2 += (counts[i] - expected) * (counts[i] - expected) / expected;
		else
			assert_int_equal(counts[i], 0);
	}
	print_message("# draws by weight: chi-square %.1f on 59 degrees of freedom\n", chi2);
	assert_true(chi2 < 100); /* p < 0.001 above 95 */
	assert_int_equal(mf_posterior_draw(back, 9, 17), mf_posterior_draw(two, 9, 17));
	mf_posterior_destroy(back);
	mf_posterior_destroy(one);
	mf_posterior_destroy(two);
	fit_close(&f);
}

/* Stops the run once `after` generations are done. */
struct stopper {
	size_t after, done;
};

static enum mf_status count_generation(void *user, const struct mf_abc_result *so_far,
				       struct mf_error *err)
{
	(void)err;
	((struct stopper *)user)->done = so_far->n_generations;
	return MF_OK;
}

static bool stop_after(void *user)
{
	struct stopper *s = user;
	return s->done >= s->after;
}

static void test_resume(void **state)
{
	(void)state;
	struct fit f;
	fit_open(&f, TRUTH, 11);
	struct mf_error err = {0};
	struct mf_posterior_options options = small_options(2);
	struct mf_posterior *whole = mf_posterior_run(f.source, f.targets, &options, &err);
	assert_non_null(whole);

	char checkpoint[512];
	scratch_path(&f.scratch, "post.h5.resume", checkpoint, sizeof(checkpoint));
	struct stopper stopper = {.after = 2};
	options.checkpoint = checkpoint;
	options.generation_done = count_generation;
	options.cancelled = stop_after;
	options.user = &stopper;
	mf_error_clear(&err);
	assert_null(mf_posterior_run(f.source, f.targets, &options, &err));
	assert_int_equal(err.code, MF_ERR_CANCELLED);
	/* The checkpoint is no posterior file, unless asked for. */
	assert_null(mf_posterior_read(checkpoint, false, NULL, &err));
	assert_int_equal(err.code, MF_ERR_INPUT);
	assert_non_null(strstr(err.message, "unfinished"));
	struct mf_posterior *saved = mf_posterior_read(checkpoint, true, NULL, &err);
	assert_non_null(saved);
	assert_int_equal(saved->abc->n_generations, 2);

	options = small_options(1);
	options.resume = saved->abc;
	options.early_stops_before = saved->early_stops;
	struct mf_posterior *resumed = mf_posterior_run(f.source, f.targets, &options, &err);
	assert_non_null(resumed);
	assert_same_posterior(whole, resumed);
	assert_true(resumed->early_stops == whole->early_stops);
	mf_posterior_destroy(resumed);
	mf_posterior_destroy(saved);
	mf_posterior_destroy(whole);
	fit_close(&f);
}

static void test_bad_input(void **state)
{
	(void)state;
	struct fit f;
	fit_open(&f, TRUTH, 11);
	struct mf_error err = {0};
	/* Not a posterior file. */
	char path[512];
	scratch_path(&f.scratch, "scenario.yaml", path, sizeof(path));
	assert_null(mf_posterior_read(path, false, NULL, &err));
	assert_true(err.code == MF_ERR_INPUT);
	/* A scenario without free parameters. */
	scratch_write(&f.scratch, "plain.yaml",
		      "extends: scenario.yaml\ncalibrate: []\n");
	scratch_path(&f.scratch, "plain.yaml", path, sizeof(path));
	struct mf_scenario_source *plain = mf_scenario_source_load(path, &err);
	if (plain) {
		struct mf_posterior_options options = small_options(1);
		mf_error_clear(&err);
		assert_null(mf_posterior_run(plain, f.targets, &options, &err));
		assert_int_equal(err.code, MF_ERR_INPUT);
		assert_non_null(strstr(err.message, "no free parameters"));
		mf_scenario_source_destroy(plain);
	}
	/* A prior that does not fit its bounds is refused where it is written. */
	scratch_write(&f.scratch, "prior.yaml",
		      "extends: scenario.yaml\n"
		      "calibrate:\n"
		      "  - {name: rate, set: 'sources[0].rate', min: 50, max: 1000, start: 150,\n"
		      "     prior: {family: log-normal, median: 200, sd: 1}}\n");
	scratch_path(&f.scratch, "prior.yaml", path, sizeof(path));
	mf_error_clear(&err);
	assert_null(mf_scenario_source_load(path, &err));
	assert_int_equal(err.code, MF_ERR_INPUT);
	assert_int_equal(err.line, 4);
	assert_non_null(strstr(err.message, "'median' and 'sdlog'"));
	fit_close(&f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_threads_and_file),
		cmocka_unit_test(test_resume),
		cmocka_unit_test(test_bad_input),
	};
	return cmocka_run_group_tests_name("posterior", tests, NULL, NULL);
}
