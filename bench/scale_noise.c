/* migflow-scale-noise: how far a particle's ABC distance moves from one run
 * to the next, and from one agent scale to another, at the particles of a
 * posterior's generation (README, "How long it takes").
 *
 *   migflow-scale-noise SCENARIO TARGETS POST.h5 GENERATION N SCALE
 *
 * For the first N particles of GENERATION, the distance from the targets
 * (the posterior's: sqrt of calibrate's objective) of two runs at agent
 * scale 10 and one at SCALE, each with its own seed, to the last target
 * day. Prints one row per particle and the standard deviation of the
 * differences: scale 10 against scale 10 (the runs' own noise), and SCALE
 * against scale 10. Particles run side by side on OpenMP's threads. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <omp.h>

#include "migflow/migflow.h"

#define REFERENCE_SCALE 10
#define MAX_TARGETS 256

/* The distance of one run at theta (mf_targets_simulate's replicate 0 of
 * seed); NAN and err on failure. */
static double distance(struct mf_scenario_source *source, const struct mf_targets *targets,
		       const double *theta, int scale, uint64_t seed, struct mf_error *err)
{
	struct mf_scenario *scenario = mf_scenario_source_build(source, theta, err);
	if (!scenario)
		return NAN;
	scenario->agent_scale = scale;
	double values[MAX_TARGETS], sd[MAX_TARGETS];
	enum mf_status status = mf_targets_simulate(scenario, targets, 1, seed, 1, values, sd, err);
	mf_scenario_destroy(scenario);
	return status == MF_OK ? sqrt(mf_targets_objective(targets, values)) : NAN;
}

static double sd(const double *x, int n)
{
	double mean = 0, sum = 0;
	for (int i = 0; i < n; i++)
		mean += x[i] / n;
	for (int i = 0; i < n; i++)
		sum += (x[i] - mean) * (x[i] - mean);
	return n > 1 ? sqrt(sum / (n - 1)) : NAN;
}

static int fail(const struct mf_error *err)
{
	char buf[8192];
	fprintf(stderr, "migflow-scale-noise: %s\n", mf_error_format(err, buf, sizeof(buf)));
	return 1;
}

int main(int argc, char **argv)
{
	if (argc != 7) {
		fprintf(stderr, "usage: migflow-scale-noise SCENARIO TARGETS POST.h5 GENERATION N SCALE\n");
		return 2;
	}
	char *end;
	long generation = strtol(argv[4], &end, 10), n = 0, scale = 0;
	if (*end == '\0')
		n = strtol(argv[5], &end, 10);
	if (*end == '\0')
		scale = strtol(argv[6], &end, 10);
	if (*end != '\0' || generation < 0 || n < 2 || scale < 1) {
		fprintf(stderr, "migflow-scale-noise: GENERATION >= 0, N >= 2 and SCALE >= 1 expected\n");
		return 2;
	}
	struct mf_error err;
	mf_error_clear(&err);
	struct mf_scenario_source *source = mf_scenario_source_load(argv[1], &err);
	if (!source)
		return fail(&err);
	struct mf_targets *targets = mf_targets_load(argv[2], mf_scenario_source_scenario(source), &err);
	struct mf_posterior *post = targets ? mf_posterior_read(argv[3], false, NULL, &err) : NULL;
	int status = 0;
	if (!post) {
		status = fail(&err);
		goto done;
	}
	if (targets->n > MAX_TARGETS || generation >= (long)post->abc->n_generations ||
	    n > (long)post->abc->n_particles) {
		fprintf(stderr, "migflow-scale-noise: %s has %zu generations of %zu particles "
			"(and at most %d targets are summed)\n", argv[3], post->abc->n_generations,
			post->abc->n_particles, MAX_TARGETS);
		status = 2;
		goto done;
	}
	const struct mf_abc_generation *g = &post->abc->generations[generation];
	double *d = malloc(3 * (size_t)n * sizeof(double));
	double *diff = malloc(2 * (size_t)n * sizeof(double));
	if (!d || !diff) {
		fprintf(stderr, "migflow-scale-noise: out of memory\n");
		status = 1;
		goto free_all;
	}
	bool failed = false;
	struct mf_error first;
	mf_error_clear(&first);
#pragma omp parallel for schedule(dynamic)
	for (long i = 0; i < n; i++) {
		const double *theta = g->particles + (size_t)i * (size_t)post->n_params;
		struct mf_error e;
		mf_error_clear(&e);
		const int scales[3] = { REFERENCE_SCALE, REFERENCE_SCALE, (int)scale };
		for (int k = 0; k < 3; k++) {
			double x = distance(source, targets, theta, scales[k], 1000 * (uint64_t)(k + 1) + (uint64_t)i, &e);
			d[3 * i + k] = x;
			if (isnan(x) && e.code != MF_OK) {
#pragma omp critical(scale_noise_failure)
				if (!failed) {
					failed = true;
					first = e;
				}
			}
		}
	}
	if (failed) {
		status = fail(&first);
		goto free_all;
	}
	printf("particle,d%d,d%d_again,d%ld\n", REFERENCE_SCALE, REFERENCE_SCALE, scale);
	for (long i = 0; i < n; i++) {
		printf("%ld,%.3f,%.3f,%.3f\n", i, d[3 * i], d[3 * i + 1], d[3 * i + 2]);
		diff[i] = d[3 * i + 1] - d[3 * i];
		diff[n + i] = d[3 * i + 2] - d[3 * i];
	}
	printf("# generation %ld (tolerance %g), %ld particles: sd of the difference scale %d - scale %d "
	       "%.3f, scale %ld - scale %d %.3f\n", generation, g->tolerance, n, REFERENCE_SCALE,
	       REFERENCE_SCALE, sd(diff, (int)n), scale, REFERENCE_SCALE, sd(diff + n, (int)n));
free_all:
	free(d);
	free(diff);
done:
	mf_posterior_destroy(post);
	mf_targets_destroy(targets);
	mf_scenario_source_destroy(source);
	return status;
}
