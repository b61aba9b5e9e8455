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
		.particles = 40, .budget = 400, .quantile = 0.5, .max_generations = 20,
		.seed = 5, .threads = threads, .predictive_draws = 20,
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
	assert_true(two->abc->simulations <= 400);
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
	assert_true(back->options.seed == 5 && back->options.particles == 40);

	/* Draws by weight: frequencies of 40,000 replicates against weights. */
	const struct mf_abc_generation *last = &back->abc->generations[back->abc->n_generations - 1];
	int counts[40] = {0};
	for (uint32_t r = 0; r < 40000; r++) {
		int i = mf_posterior_draw(back, 9, r);
		assert_true(i >= 0 && i < 40);
		counts[i]++;
	}
	double chi2 = 0;
	for (int i = 0; i < 40; i++) {
		double expected = 40000 * last->weights[i];
		if (expected > 0)
			chi2 += (counts[i] - expected) * (counts[i] - expected) / expected;
		else
			assert_int_equal(counts[i], 0);
	}
	print_message("# draws by weight: chi-square %.1f on 39 degrees of freedom\n", chi2);
	assert_true(chi2 < 73); /* p < 0.001 above 72.1 */
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

/* Runs under a posterior of a what-if extending a calibrated file: the
 * calibrated file carries the fitted multipliers in its values (both on
 * the onward source, which two scale parameters multiply), and the
 * posterior's multipliers must apply to the values they were inferred on. */
static void test_scale_rebase(void **state)
{
	(void)state;
	struct fit f;
	fit_open(&f, TRUTH, 11);
	scratch_write(&f.scratch, "start.yaml",
		      "extends: scenario.yaml\n"
		      "sources:\n"
		      "  - {place: home, intent: circular, rate: 300, goals: {work: 2, mine: 1}}\n"
		      "  - {place: home, intent: onward, rate: 100}\n"
		      "  - {name: home-mine, place: home, intent: circular, rate: 50, goals: {mine: 1}}\n"
		      "events:\n"
		      "  - {date: 2024-02-05, kind: interception, link: [coast, island], probability: 0.3}\n"
		      "calibrate:\n"
		      "  - {name: all, scale: 'sources[*].rate', min: 0.2, max: 5, start: 1, search: log}\n"
		      "  - {name: onward, scale: 'sources[intent=onward].rate', min: 0.2, max: 5, start: 1}\n"
		      "  - {name: intercept, set: 'events[kind=interception].probability', min: 0.1, max: 0.7,\n"
		      "     start: 0.3}\n");
	char path[512];
	scratch_path(&f.scratch, "start.yaml", path, sizeof(path));
	struct mf_error err = {0};
	struct mf_scenario_source *start = mf_scenario_source_load(path, &err);
	assert_non_null(start);
	const double fitted[3] = {0.5, 2.0, 0.35};
	char *text = mf_scenario_source_text(start, fitted);
	assert_non_null(text);
	scratch_write(&f.scratch, "calibrated.yaml", text);
	free(text);
	/* The what-if adds an interception event: not the calibration's. */
	scratch_write(&f.scratch, "whatif.yaml",
		      "extends: calibrated.yaml\n"
		      "events:\n"
		      "  - {date: 2024-02-10, kind: closure, link: [work, coast]}\n"
		      "  - {date: 2024-03-01, kind: interception, link: [coast, island], probability: 0.6}\n");
	scratch_path(&f.scratch, "whatif.yaml", path, sizeof(path));
	/* A what-if inherits no free parameters unless read for posterior runs. */
	struct mf_scenario_source *plain = mf_scenario_source_load(path, &err);
	assert_non_null(plain);
	assert_int_equal(mf_scenario_source_scenario(plain)->n_free, 0);
	mf_scenario_source_destroy(plain);
	struct mf_scenario_source *whatif = mf_scenario_source_load_inherited(path, &err);
	assert_non_null(whatif);
	assert_int_equal(mf_scenario_source_scenario(whatif)->n_free, 3);
	assert_int_equal(mf_scenario_source_writable(whatif, &err), MF_ERR_INPUT);

	struct mf_posterior *post = mf_posterior_create(3, 0);
	assert_non_null(post);
	snprintf(post->params[0].name, MF_NAME_MAX, "all");
	snprintf(post->params[1].name, MF_NAME_MAX, "onward");
	snprintf(post->params[2].name, MF_NAME_MAX, "intercept");
	post->abc = mf_abc_result_create(3, 2, 1);
	assert_non_null(post->abc);
	const double particles[6] = {0.8, 1.5, 0.45, 0.8, 1.5, 0.45};
	memcpy(post->abc->generations[0].particles, particles, sizeof(particles));
	post->abc->generations[0].weights[0] = post->abc->generations[0].weights[1] = 0.5;
	double values[6];
	int picked[2];
	struct mf_scenario **runs = mf_posterior_scenarios(post, whatif, start, 3, 2, values,
							   picked, &err);
	if (!runs)
		fail_msg("%s", err.message);
	for (int k = 0; k < 2; k++) {
		const struct mf_scenario *run = runs[k];
		print_message("# replicate %d: circular %.6f, onward %.6f\n", k,
			      run->sources[0].rate, run->sources[1].rate);
		assert_true(fabs(run->sources[0].rate - 300 * 0.8) < 1e-3);
		assert_true(fabs(run->sources[1].rate - 100 * 0.8 * 1.5) < 1e-3);
		assert_true(fabs(run->sources[2].rate - 50 * 0.8) < 1e-3);
		assert_true(values[3 * k] == 0.8 && values[3 * k + 1] == 1.5 && values[3 * k + 2] == 0.45);
		assert_int_equal(run->n_events, mf_scenario_source_scenario(whatif)->n_events);
		int seen = 0;
		for (int e = 0; e < run->n_events; e++)
			if (run->events[e].kind == MF_EVENT_INTERCEPTION)
				assert_true(run->events[e].value == (seen++ == 0 ? 0.45 : 0.6));
		assert_int_equal(seen, 2);
	}
	mf_posterior_scenarios_destroy(runs, 2);
	/* Values that no factors of the two parameters make from the
	 * reference's (circular 300 -> 111 but 50 -> 50) are refused. */
	scratch_write(&f.scratch, "other.yaml",
		      "extends: calibrated.yaml\n"
		      "sources:\n"
		      "  - {place: home, intent: circular, rate: 111, goals: {work: 2, mine: 1}}\n"
		      "  - {place: home, intent: onward, rate: 100}\n"
		      "  - {name: home-mine, place: home, intent: circular, rate: 50, goals: {mine: 1}}\n"
		      "calibrate:\n"
		      "  - {name: all, scale: 'sources[*].rate', min: 0.2, max: 5, start: 1, search: log}\n"
		      "  - {name: onward, scale: 'sources[intent=onward].rate', min: 0.2, max: 5, start: 1}\n"
		      "  - {name: intercept, set: 'events[kind=interception].probability', min: 0.1, max: 0.7,\n"
		      "     start: 0.3}\n");
	scratch_path(&f.scratch, "other.yaml", path, sizeof(path));
	struct mf_scenario_source *other = mf_scenario_source_load_inherited(path, &err);
	assert_non_null(other);
	mf_error_clear(&err);
	assert_null(mf_posterior_scenarios(post, other, start, 3, 2, NULL, NULL, &err));
	assert_int_equal(err.code, MF_ERR_INPUT);
	assert_non_null(strstr(err.message, "times the scale parameters' factors"));
	mf_scenario_source_destroy(other);
	mf_posterior_destroy(post);
	mf_scenario_source_destroy(whatif);
	mf_scenario_source_destroy(start);
	fit_close(&f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_threads_and_file),
		cmocka_unit_test(test_resume),
		cmocka_unit_test(test_bad_input),
		cmocka_unit_test(test_scale_rebase),
	};
	return cmocka_run_group_tests_name("posterior", tests, NULL, NULL);
}
