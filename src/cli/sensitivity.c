/* migflow sensitivity: Sobol indices of a scenario's free parameters on
 * the targets of a targets file; prints the table, writes SA.h5. */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <omp.h>

#include "cli.h"

#define MAX_INDICATORS 256

static void sensitivity_usage(FILE *out)
{
	fprintf(out,
		"usage: migflow sensitivity SCENARIO -o SA.h5 [--targets FILE] [--indicators NAME,...]\n"
		"                           [--base-samples N] [--replicates R] [--agent-scale N] [--seed N]\n"
		"                           [--threads N] [--resamples N] [--posterior POST.h5]\n"
		"                           [--force] [--quiet]\n\n"
		"Variance-based (Sobol) sensitivity of targets to SCENARIO's free parameters (its\n"
		"`calibrate:` block, sampled uniformly within min..max, in the logarithm where\n"
		"`search: log`). A Saltelli design of N (k + 2) points for k parameters; at each\n"
		"point the targets are simulated for R replicates of one seed (common random\n"
		"numbers) and their mean is the output. Prints first-order (Saltelli 2010) and\n"
		"total (Jansen 1999) indices with 90 %% bootstrap intervals and writes them, the\n"
		"design and the outputs to SA.h5.\n\n"
		"  -o FILE           the output file (required); refused if it exists unless --force\n"
		"  --targets FILE    targets file (default: the scenario's `targets:`)\n"
		"  --indicators L    targets by name, comma-separated (default: the headline ones\n"
		"                    the file has - niger_fmp_movements, niger_fmp_outbound,\n"
		"                    italy_arrivals_from_libya, libya_stock_end_2024 - else all)\n"
		"  --base-samples N  base samples, a power of two >= 2 (default 256)\n"
		"  --replicates R    replicates per point (default 1)\n"
		"  --agent-scale N   persons per agent (default: the scenario's)\n"
		"  --seed N          random seed of every point (default: the scenario's)\n"
		"  --threads N       points evaluated at once (default: OpenMP's)\n"
		"  --resamples N     bootstrap resamples, 0 or >= 10 (default 1000)\n"
		"  --posterior F     sample each parameter the posterior F (migflow posterior) has\n"
		"                    over its posterior 5-95 %% interval instead of min..max (on\n"
		"                    the prior's scale); the others keep their calibrate range\n");
}

struct sensitivity_args {
	const char *scenario, *targets, *output, *indicators, *posterior;
	int base_samples, replicates, agent_scale, threads, resamples;
	bool has_seed, force, quiet;
	uint64_t seed;
};

static bool power_of_two(long long n)
{
	return (n & (n - 1)) == 0;
}

static bool resamples_valid(long long n)
{
	return n == 0 || n >= 10;
}

static int parse(int argc, char **argv, struct sensitivity_args *a)
{
	*a = (struct sensitivity_args){.base_samples = 256, .replicates = 1, .resamples = 1000};
	const struct mf_cli_option options[] = {
		MF_OPT_FLAG("--force", &a->force),
		MF_OPT_FLAG("--quiet", &a->quiet),
		MF_OPT_TEXT("--targets", &a->targets),
		MF_OPT_OUTPUT(&a->output),
		MF_OPT_TEXT("--indicators", &a->indicators),
		MF_OPT_TEXT("--posterior", &a->posterior),
		{.name = "--base-samples", .kind = MF_CLI_INT, .value = &a->base_samples, .min = 2,
		 .max = 1LL << 30, .valid = power_of_two,
		 .expects = "a power of two >= 2 (2, 4, 8, ... 2^30)"},
		MF_OPT_INT("--replicates", &a->replicates, 1, 100000),
		MF_OPT_INT("--agent-scale", &a->agent_scale, 1, 100000),
		MF_OPT_INT("--threads", &a->threads, 1, 100000),
		{.name = "--resamples", .kind = MF_CLI_INT, .value = &a->resamples, .min = 0,
		 .max = 1000000, .valid = resamples_valid,
		 .expects = "0 or a whole number in 10..1000000"},
		MF_OPT_SEED(&a->seed, &a->has_seed),
	};
	const struct mf_cli_command command = {
		.name = "sensitivity", .usage = sensitivity_usage,
		.options = options, .n_options = sizeof(options) / sizeof(*options),
		.positional = &a->scenario, .max_positional = 1,
	};
	int code = mf_cli_parse_options(&command, argc, argv);
	if (code >= 0)
		return code;
	if (!a->scenario)
		return mf_cli_usage_error(&command, "no scenario file given");
	if (!a->output)
		return mf_cli_usage_error(&command, "no output file given (-o SA.h5)");
	return -1;
}

/* Splits a comma-separated list in place into names (empty items are
 * refused); returns their count or -1. */
static int split_names(char *list, char **names, int max)
{
	int n = 0;
	for (char *item = list;; item++) {
		char *comma = strchr(item, ',');
		if (comma)
			*comma = '\0';
		if (!*item || n == max)
			return -1;
		names[n++] = item;
		if (!comma)
			return n;
		item = comma;
	}
}

/* Whether the output may be written, checked before the simulations. */
static enum mf_status check_output(const char *path, bool force, struct mf_error *err)
{
	struct stat st;
	if (stat(path, &st) == 0) {
		if (S_ISDIR(st.st_mode))
			return mf_error_set(err, MF_ERR_IO, "cannot write %s: %s", path, strerror(EISDIR));
		if (!force)
			return mf_error_set(err, MF_ERR_EXISTS, "%s: file exists; use --force to overwrite it",
					    path);
	}
	char dir[4096];
	snprintf(dir, sizeof(dir), "%s", path);
	char *slash = strrchr(dir, '/');
	if (slash)
		slash[slash == dir] = '\0';
	if (access(slash ? dir : ".", W_OK) < 0)
		return mf_error_set(err, MF_ERR_IO, "cannot write %s: %s", path, strerror(errno));
	return MF_OK;
}

struct progress_context {
	bool enabled;
	double started, last_drawn;
};

static void on_point(void *data, size_t done, size_t total)
{
	struct progress_context *p = data;
	if (!p->enabled)
		return;
	double now = progress_now();
	if (now - p->last_drawn < 0.2 && done < total)
		return;
	p->last_drawn = now;
	double elapsed = now - p->started;
	double eta = done > 0 ? elapsed * (double)(total - done) / (double)done : 0;
	fprintf(stderr, "\r\033[Kpoint %zu/%zu  elapsed %d:%02d  ETA %d:%02d", done, total,
		(int)elapsed / 60, (int)elapsed % 60, (int)eta / 60, (int)eta % 60);
	fflush(stderr);
}

static void print_table(FILE *out, const struct mf_scenario *s, const struct mf_targets *targets,
			const struct mf_sensitivity_result *r)
{
	const struct mf_sobol_indices *ind = r->indices;
	const size_t k = r->design->n_params;
	double tail = 100 * (1 - r->level) / 2;
	char bounds[64];
	snprintf(bounds, sizeof(bounds), "[%g %%, %g %%]", tail, 100 - tail);
	for (size_t m = 0; m < r->n_indicators; m++) {
		double sum = 0;
		for (size_t i = 0; i < k; i++)
			sum += ind->s1[m * k + i];
		fprintf(out, "\n%s  (sd %.4g, sum of S1 %.3f)\n", targets->targets[r->indicators[m]].name,
			sqrt(ind->variance[m]), sum);
		fprintf(out, "  %-24s %7s %-16s   %7s %s\n", "parameter", "S1", bounds, "ST", bounds);
		for (size_t i = 0; i < k; i++) {
			size_t j = m * k + i;
			fprintf(out, "  %-24s %7.3f [%6.3f, %6.3f]   %7.3f [%6.3f, %6.3f]\n", s->free[i].name,
				ind->s1[j], ind->s1_low[j], ind->s1_high[j], ind->st[j], ind->st_low[j],
				ind->st_high[j]);
		}
	}
}

int mf_cli_sensitivity(int argc, char **argv)
{
	struct sensitivity_args a;
	int code = parse(argc, argv, &a);
	if (code >= 0)
		return code;
	struct mf_error err = {0};
	struct mf_scenario_source *source = NULL;
	struct mf_targets *targets = NULL;
	struct mf_posterior *post = NULL;
	struct mf_sensitivity_result result = {0};
	char *list = NULL;
	char *names[MAX_INDICATORS];
	int n_names = 0;
	enum mf_status status = check_output(a.output, a.force, &err);
	if (status != MF_OK) {
		mf_cli_print_error(&err);
		return mf_cli_exit_code(status);
	}
	if (a.indicators) {
		list = strdup(a.indicators);
		if (!list) {
			status = mf_error_set(&err, MF_ERR_NOMEM, "out of memory");
			goto done;
		}
		n_names = split_names(list, names, MAX_INDICATORS);
		if (n_names < 0) {
			fprintf(stderr, "migflow sensitivity: error: --indicators expects names separated by "
				"commas, got '%s'\n", a.indicators);
			free(list);
			return EXIT_USAGE;
		}
	}
	source = mf_scenario_source_load(a.scenario, &err);
	if (!source) {
		status = err.code;
		goto done;
	}
	const struct mf_scenario *s = mf_scenario_source_scenario(source);
	if (s->n_free == 0) {
		status = mf_error_at(&err, s->path, 1, 1, "calibrate",
				     "no free parameters to vary: add a `calibrate:` block");
		goto done;
	}
	targets = mf_cli_load_targets(a.targets, s, &err);
	if (!targets) {
		status = err.code;
		goto done;
	}
	/* Over a posterior: its 5-95 % intervals. */
	struct mf_sobol_parameter ranges[MF_SOBOL_MAX_PARAMETERS];
	if (a.posterior) {
		post = mf_posterior_read(a.posterior, false, NULL, &err);
		if (!post) {
			status = err.code;
			goto done;
		}
		for (int i = 0; i < s->n_free && i < MF_SOBOL_MAX_PARAMETERS; i++) {
			const struct mf_free_parameter *f = &s->free[i];
			ranges[i] = (struct mf_sobol_parameter){f->min, f->max, f->log_scale};
			for (int j = 0; j < post->n_params; j++)
				if (strcmp(post->params[j].name, f->name) == 0) {
					const struct mf_abc_summary *m = &post->abc->summary[j];
					ranges[i] = (struct mf_sobol_parameter){
						m->q05, m->q95, post->priors[j].log_scale};
				}
			if (!(ranges[i].high > ranges[i].low)) {
				status = mf_error_set(&err, MF_ERR_INPUT, "%s: the posterior interval of '%s' "
						      "is a point (%g)", a.posterior, f->name, ranges[i].low);
				goto done;
			}
		}
	}
	struct progress_context progress = {
		.enabled = !a.quiet && isatty(STDERR_FILENO),
		.started = progress_now(),
	};
	struct mf_sensitivity_options options = {
		.base_samples = (size_t)a.base_samples,
		.replicates = a.replicates,
		.seed = a.has_seed ? a.seed : s->seed,
		.threads = a.threads,
		.agent_scale = a.agent_scale,
		.indicators = (const char *const *)names,
		.n_indicators = (size_t)n_names,
		.resamples = (size_t)a.resamples,
		.level = 0.90,
		.ranges = a.posterior ? ranges : NULL,
		.progress = on_point,
		.context = &progress,
	};
	status = mf_sensitivity_run(source, targets, &options, &result, &err);
	if (progress.enabled)
		fprintf(stderr, "\r\033[K");
	if (status != MF_OK)
		goto done;
	status = mf_output_write_sensitivity(a.output, a.force, s, targets, &result, &err);
	if (status != MF_OK)
		goto done;
	if (!a.quiet) {
		printf("migflow sensitivity: %s, %zu parameters, %zu base samples: %zu points x %d "
		       "replicates = %llu simulations in %.1f s (%.3g s per simulation on %d threads)\n",
		       a.scenario, result.design->n_params, result.design->n_base,
		       result.design->n_points, result.replicates,
		       (unsigned long long)result.simulations, result.wall_seconds,
		       result.wall_seconds / (double)result.simulations,
		       a.threads ? a.threads : omp_get_max_threads());
		printf("agent scale %d, seed %llu, targets %s, %zu bootstrap resamples\n",
		       result.agent_scale, (unsigned long long)result.seed, targets->path, result.resamples);
		print_table(stdout, s, targets, &result);
		printf("\nwrote %s\n", a.output);
	}
done:
	if (status != MF_OK)
		mf_cli_print_error(&err);
	mf_sensitivity_result_free(&result);
	mf_targets_destroy(targets);
	mf_posterior_destroy(post);
	mf_scenario_source_destroy(source);
	free(list);
	return mf_cli_exit_code(status);
}
