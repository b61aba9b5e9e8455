/* migflow posterior: ABC-SMC over a scenario's free parameters, resumable,
 * and the summary of a posterior file. */
#include <errno.h>
#include <math.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

/* Set by SIGINT/SIGTERM: the run stops between simulations (the
 * finished generations stay in the checkpoint). Signal handlers need a
 * global. */
static volatile sig_atomic_t interrupted;

static void on_signal(int signal_number)
{
	(void)signal_number;
	interrupted = 1;
}

static void posterior_usage(FILE *out)
{
	fprintf(out,
		"usage: migflow posterior SCENARIO [--targets FILE] [-o POST.h5] [--budget N]\n"
		"                         [--particles N] [--generations N] [--quantile Q]\n"
		"                         [--min-acceptance A] [--predictive N] [--agent-scale N]\n"
		"                         [--seed N] [--threads N] [--force] [--quiet]\n"
		"       migflow posterior --summary POST.h5\n\n"
		"The posterior of SCENARIO's free parameters (its `calibrate:` block, priors from\n"
		"their bounds or `prior:`) given the targets (default: the scenario's `targets:`\n"
		"file), by ABC-SMC (population Monte Carlo ABC, Beaumont et al. 2009) with\n"
		"adaptive tolerances. Each particle is one simulation up to the last target day,\n"
		"stopped early once its distance must exceed the tolerance. Then the posterior\n"
		"predictive check. After each generation the run so far is saved in\n"
		"POST.h5.resume; running the same command again goes on from there.\n\n"
		"  -o POST.h5          output (default: SCENARIO's name with -posterior.h5)\n"
		"  --budget N          simulations at most (default 20000)\n"
		"  --particles N       particles per generation (default 500)\n"
		"  --generations N     generations at most, generation 0 included (default 30)\n"
		"  --quantile Q        tolerance = this quantile of the last distances (default 0.5)\n"
		"  --min-acceptance A  stop when a generation's acceptance rate falls below (default 0.02)\n"
		"  --predictive N      draws of the predictive check (default 200; 0: none)\n"
		"  --agent-scale N     persons per agent (default: the scenario's)\n"
		"  --seed N            random seed (default: the scenario's)\n"
		"  --threads N         particles simulated side by side (default: all cores)\n"
		"  --force             overwrite POST.h5 and ignore a saved run\n"
		"  --summary POST.h5   print the summary of a posterior file\n");
}

struct posterior_args {
	const char *scenario, *targets, *output, *summary;
	struct mf_posterior_options options;
	bool has_seed, force, quiet;
};

static int parse(int argc, char **argv, struct posterior_args *a)
{
	*a = (struct posterior_args){
		.options = { .particles = 500, .budget = 20000, .quantile = 0.5,
			     .max_generations = 30, .min_acceptance = 0.02, .predictive_draws = 200 },
	};
	struct mf_posterior_options *o = &a->options;
	const struct mf_cli_option options[] = {
		MF_OPT_FLAG("--force", &a->force),
		MF_OPT_FLAG("--quiet", &a->quiet),
		MF_OPT_TEXT("--targets", &a->targets),
		MF_OPT_OUTPUT(&a->output),
		MF_OPT_TEXT("--summary", &a->summary),
		MF_OPT_NUMBER("--quantile", &o->quantile, 0.01, 0.99),
		MF_OPT_NUMBER("--min-acceptance", &o->min_acceptance, 0.0, 0.99),
		MF_OPT_U64("--budget", &o->budget, 1, 100000000),
		MF_OPT_INT("--particles", &o->particles, 2, 1000000),
		MF_OPT_INT("--generations", &o->max_generations, 1, 1000000),
		MF_OPT_INT("--predictive", &o->predictive_draws, 0, 1000000),
		MF_OPT_INT("--agent-scale", &o->agent_scale, 1, 1000000),
		MF_OPT_INT("--threads", &o->threads, 1, 1000000),
		MF_OPT_SEED(&o->seed, &a->has_seed),
	};
	const struct mf_cli_command command = {
		.name = "posterior", .usage = posterior_usage,
		.options = options, .n_options = sizeof(options) / sizeof(*options),
		.positional = &a->scenario, .max_positional = 1,
	};
	int code = mf_cli_parse_options(&command, argc, argv);
	if (code >= 0)
		return code;
	if (!a->scenario && !a->summary)
		return mf_cli_usage_error(&command, "no scenario file given");
	if (a->scenario && a->summary)
		return mf_cli_usage_error(&command, "give a scenario or --summary POST.h5, not both");
	if (o->budget && o->budget < (uint64_t)o->particles)
		return mf_cli_usage_error(&command, "a budget of %llu simulations is below the %d "
					  "particles of generation 0",
					  (unsigned long long)o->budget, o->particles);
	return -1;
}

/* ---- the summary ---- */

static void print_summary(FILE *out, const struct mf_posterior *p)
{
	const struct mf_abc_result *abc = p->abc;
	int k = p->n_params;
	fprintf(out, "ABC-SMC: %zu particles, %zu generations, %llu simulations (%llu stopped early), "
		"stop: %s, %.0f s\n", abc->n_particles, abc->n_generations,
		(unsigned long long)abc->simulations, (unsigned long long)p->early_stops,
		mf_abc_stop_name(abc->stop), p->wall_seconds);
	fprintf(out, "\n%-4s %12s %8s %8s %12s\n", "gen", "tolerance", "accept", "ESS", "simulations");
	for (size_t g = 0; g < abc->n_generations; g++) {
		const struct mf_abc_generation *gen = &abc->generations[g];
		fprintf(out, "%-4zu %12.4g %8.3f %8.1f %12llu\n", g, gen->tolerance,
			gen->acceptance_rate, gen->ess, (unsigned long long)gen->simulations);
	}
	fprintf(out, "\n%-22s %-12s %12s %12s %12s %12s %12s %12s %12s\n", "parameter", "prior", "min",
		"max", "mean", "sd", "5 %", "50 %", "95 %");
	for (int j = 0; j < k; j++) {
		const struct mf_abc_prior *pr = &p->priors[j];
		const struct mf_abc_summary *s = &abc->summary[j];
		fprintf(out, "%-22s %-12s %12.4g %12.4g %12.4g %12.4g %12.4g %12.4g %12.4g\n",
			p->params[j].name, mf_abc_prior_name(pr), pr->min, pr->max, s->mean, s->sd, s->q05, s->q50, s->q95);
	}
	fprintf(out, "\ncorrelation\n%-22s", "");
	for (int j = 0; j < k; j++)
		fprintf(out, " %6.6s", p->params[j].name);
	fprintf(out, "\n");
	for (int i = 0; i < k; i++) {
		fprintf(out, "%-22s", p->params[i].name);
		for (int j = 0; j < k; j++)
			fprintf(out, " %6.2f", abc->correlation[i * k + j]);
		fprintf(out, "\n");
	}
	if (p->n_draws > 0) {
		int inside = 0;
		fprintf(out, "\nposterior predictive check (%d draws)\n%-30s %12s %12s %12s %12s %7s\n",
			p->n_draws, "target", "observed", "5 %", "50 %", "95 %", "inside");
		for (int t = 0; t < p->n_targets; t++) {
			inside += p->inside[t];
			fprintf(out, "%-30s %s%11.0f %12.0f %12.0f %12.0f %7s\n", p->target_names[t],
				p->at_least[t] ? ">" : " ", p->observed[t], p->q05[t], p->q50[t],
				p->q95[t], p->inside[t] ? "yes" : "NO");
		}
		fprintf(out, "%d of %d observations inside their predictive 90 %% interval\n", inside,
			p->n_targets);
	}
}

static int summary_command(const char *path)
{
	struct mf_error err;
	mf_error_clear(&err);
	struct mf_posterior *p = mf_posterior_read(path, false, NULL, &err);
	if (!p) {
		mf_cli_print_error(&err);
		return mf_cli_exit_code(err.code);
	}
	print_summary(stdout, p);
	mf_posterior_destroy(p);
	return EXIT_OK;
}

/* ---- the run ---- */

struct front {
	bool terminal, quiet;
	double started, last_drawn;
	uint64_t budget;
	const struct ranks *ranks;
};

static void on_progress(void *user, int generation, uint64_t simulations)
{
	struct front *f = user;
	if (!f->terminal)
		return;
	double now = progress_now();
	if (now - f->last_drawn < 0.25)
		return;
	f->last_drawn = now;
	double elapsed = now - f->started;
	if (generation >= 0)
		fprintf(stderr, "\r\033[Kgeneration %d  simulations %llu of at most %llu  %.0f s  %.1f/s",
			generation, (unsigned long long)simulations, (unsigned long long)f->budget,
			elapsed, simulations / (elapsed > 0 ? elapsed : 1));
	else
		fprintf(stderr, "\r\033[Kpredictive check  simulations %llu  %.0f s",
			(unsigned long long)simulations, elapsed);
}

static enum mf_status on_generation(void *user, const struct mf_abc_result *so_far,
				    struct mf_error *err)
{
	(void)err;
	struct front *f = user;
	if (f->quiet)
		return MF_OK;
	const struct mf_abc_generation *g = &so_far->generations[so_far->n_generations - 1];
	fprintf(stderr, "%sgeneration %zu: tolerance %.4g, acceptance %.3f, ESS %.0f, %llu simulations "
		"(%llu in all), %.0f s\n", f->terminal ? "\r\033[K" : "", so_far->n_generations - 1,
		g->tolerance, g->acceptance_rate, g->ess, (unsigned long long)g->simulations,
		(unsigned long long)so_far->simulations, progress_now() - f->started);
	return MF_OK;
}

static bool on_cancel(void *user)
{
	(void)user;
	return interrupted != 0;
}

static enum mf_status on_share(void *user, double *values, size_t n, struct mf_error *err)
{
	const struct front *f = user;
	if (!ranks_sum(f->ranks, values, n))
		return mf_error_set(err, MF_ERR_IO, "MPI: the ranks could not share a round's results");
	return MF_OK;
}

static bool same_number(double a, double b)
{
	return a == b || fabs(a - b) <= 1e-12 * fabs(a);
}

/* A saved run goes on only under the settings that made its generations. */
static bool same_settings(const struct mf_posterior *saved, const char *saved_text,
			  const struct mf_scenario *s, const struct mf_posterior_options *o,
			  char *why, size_t size)
{
	const struct mf_posterior_options *p = &saved->options;
	int scale = o->agent_scale > 0 ? o->agent_scale : s->agent_scale;
	if (!saved_text || !s->resolved_text || strcmp(saved_text, s->resolved_text) != 0)
		snprintf(why, size, "the scenario has changed");
	else if (p->seed != o->seed)
		snprintf(why, size, "seed %llu, not %llu", (unsigned long long)p->seed,
			 (unsigned long long)o->seed);
	else if (p->particles != o->particles)
		snprintf(why, size, "%d particles, not %d", p->particles, o->particles);
	else if (!same_number(p->quantile, o->quantile))
		snprintf(why, size, "quantile %g, not %g", p->quantile, o->quantile);
	else if (p->agent_scale != scale)
		snprintf(why, size, "agent scale %d, not %d", p->agent_scale, scale);
	else
		return true;
	return false;
}

int mf_cli_posterior(int argc, char **argv)
{
	struct posterior_args a;
	int rc = parse(argc, argv, &a);
	if (rc >= 0)
		return rc;
	if (a.summary)
		return summary_command(a.summary);
	/* Under mpirun (a -Dmpi=enabled build) the particles of each round are
	 * spread over the ranks; rank 0 writes the checkpoint and the file. */
	struct ranks ranks;
	ranks_start(&ranks);
	bool lead = ranks.rank == 0;
	/* The ranks meet once before the run: a rank that fails before it
	 * (bad input, an output that exists) stops them all. */
	bool agreed = false;
	if (!lead)
		a.quiet = true;

	char default_output[4096], checkpoint[4200];
	if (!a.output) {
		mf_cli_default_output(a.scenario, default_output, sizeof(default_output));
		size_t n = strlen(default_output);
		snprintf(default_output + n - 3, sizeof(default_output) - n + 3, "-posterior.h5");
		a.output = default_output;
	}
	snprintf(checkpoint, sizeof(checkpoint), "%s.resume", a.output);
	struct mf_error err;
	mf_error_clear(&err);
	int exit_code = EXIT_OK;
	struct mf_targets *targets = NULL;
	struct mf_posterior *saved = NULL, *post = NULL;
	char *saved_text = NULL;
	struct mf_scenario_source *source = mf_scenario_source_load(a.scenario, &err);
	if (!source)
		goto error;
	const struct mf_scenario *s = mf_scenario_source_scenario(source);
	if (!a.has_seed)
		a.options.seed = s->seed;
	if (!(targets = mf_cli_load_targets(a.targets, s, &err)) ||
	    mf_targets_refuse_validation(targets, "posterior", &err) < 0)
		goto error;
	if (access(a.output, F_OK) == 0 && !a.force && lead) {
		mf_error_set(&err, MF_ERR_EXISTS, "%s: file exists; use --force to overwrite it", a.output);
		goto error;
	}
	if (access(checkpoint, F_OK) == 0) {
		if (a.force) {
			if (lead)
				unlink(checkpoint);
		} else {
			saved = mf_posterior_read(checkpoint, true, &saved_text, &err);
			if (!saved)
				goto error;
			char why[256];
			if (!same_settings(saved, saved_text, s, &a.options, why, sizeof(why))) {
				mf_error_set(&err, MF_ERR_INPUT, "%s holds a run with other settings (%s): "
					     "remove it, or use --force to start afresh", checkpoint, why);
				goto error;
			}
			a.options.resume = saved->abc;
			a.options.early_stops_before = saved->early_stops;
			if (!a.quiet)
				fprintf(stderr, "resuming from %s: %zu generations, %llu simulations done\n",
					checkpoint, saved->abc->n_generations,
					(unsigned long long)saved->abc->simulations);
		}
	}
	struct front front = {
		.terminal = !a.quiet && isatty(STDERR_FILENO),
		.quiet = a.quiet,
		.started = progress_now(),
		.budget = a.options.budget,
		.ranks = &ranks,
	};
	a.options.checkpoint = lead ? checkpoint : NULL;
	if (ranks.size > 1) {
		a.options.processes = ranks.size;
		a.options.rank = ranks.rank;
		a.options.share = on_share;
	}
	a.options.progress = on_progress;
	a.options.generation_done = on_generation;
	a.options.cancelled = on_cancel;
	a.options.user = &front;
	struct sigaction action = {.sa_handler = on_signal};
	sigemptyset(&action.sa_mask);
	sigaction(SIGINT, &action, NULL);
	sigaction(SIGTERM, &action, NULL);
	if (!a.quiet)
		fprintf(stderr, "posterior of %d parameters of %s against %d targets of %s: %d particles, "
			"budget %llu simulations, seed %llu%s\n", s->n_free, s->path, targets->n,
			targets->path, a.options.particles, (unsigned long long)a.options.budget,
			(unsigned long long)a.options.seed, ranks.size > 1 ? ", over MPI ranks" : "");
	agreed = true;
	if (ranks_max(&ranks, 0) != 0) {
		exit_code = EXIT_INPUT;
		goto done;
	}
	post = mf_posterior_run(source, targets, &a.options, &err);
	if (front.terminal)
		fprintf(stderr, "\r\033[K");
	if (!post) {
		if (err.code == MF_ERR_CANCELLED && access(checkpoint, F_OK) == 0) {
			fprintf(stderr, "migflow: interrupted (%s); the finished generations are in %s: run the "
				"same command again to go on\n", err.message, checkpoint);
			exit_code = EXIT_CHECKPOINTED;
			goto done;
		}
		if (err.code == MF_ERR_CANCELLED) {
			fprintf(stderr, "migflow: interrupted (%s) before the first generation was done\n",
				err.message);
			exit_code = EXIT_INTERRUPTED;
			goto done;
		}
		goto error;
	}
	if (!lead)
		goto done;
	if (mf_posterior_write(a.output, post, s, targets, true, a.force, &err) != MF_OK)
		goto error;
	unlink(checkpoint);
	if (!a.quiet) {
		print_summary(stdout, post);
		printf("\nwrote %s\n", a.output);
	}
	goto done;
error:
	mf_cli_print_error(&err);
	exit_code = mf_cli_exit_code(err.code);
	if (!agreed)
		(void)ranks_max(&ranks, 1);
done:
	mf_posterior_destroy(post);
	mf_posterior_destroy(saved);
	free(saved_text);
	mf_targets_destroy(targets);
	mf_scenario_source_destroy(source);
	ranks_end(&ranks);
	return exit_code;
}
