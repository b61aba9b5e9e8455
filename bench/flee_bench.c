/* migflow-bench-flee: the FLEE rule set on an instance, in agent-days per
 * CPU-second, on 1 and 2 threads, as bench/flee.sh runs it on a generated
 * instance (bench/flee_instance.py: 64 locations, 400,000 agents).
 *
 *   migflow-bench-flee DIR [--repeat N]
 *
 * Each repetition runs the whole instance through the ensemble entry point
 * with no sink (simulation only: no output file), alternating 1 and 2
 * threads so that both see the same load on a shared machine; the row
 * reports the median over repetitions of agent-days / (wall x threads) and
 * of agent-days / process CPU time, and the 1 -> 2 thread ratio. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <omp.h>

#include "migflow/migflow.h"

#define REPEAT_MAX 64
#define TARGET 3e8 /* agent-days per CPU-second (issue 12) */

static double cpu_now(void)
{
	struct rusage u;
	getrusage(RUSAGE_SELF, &u);
	return (double)u.ru_utime.tv_sec + 1e-6 * (double)u.ru_utime.tv_usec +
	       (double)u.ru_stime.tv_sec + 1e-6 * (double)u.ru_stime.tv_usec;
}

static int compare(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

static double median(double *v, int n)
{
	qsort(v, (size_t)n, sizeof(*v), compare);
	return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

int main(int argc, char **argv)
{
	if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
		fprintf(argc < 2 ? stderr : stdout, "usage: migflow-bench-flee DIR [--repeat N]\n");
		return argc < 2 ? 2 : 0;
	}
	int repeat = 5;
	if (argc == 4 && strcmp(argv[2], "--repeat") == 0)
		repeat = atoi(argv[3]);
	if (repeat < 1 || repeat > REPEAT_MAX) {
		fprintf(stderr, "migflow-bench-flee: --repeat takes 1..%d\n", REPEAT_MAX);
		return 2;
	}
	struct mf_error err = {0};
	struct mf_flee_instance *inst = mf_flee_load(argv[1], &err);
	struct mf_scenario *scenario = inst ? mf_flee_scenario_create(inst, 1, &err) : NULL;
	if (!scenario) {
		char text[1024];
		fprintf(stderr, "migflow-bench-flee: %s\n", mf_error_format(&err, text, sizeof(text)));
		mf_flee_destroy(inst);
		return 1;
	}
	const int threads[2] = {1, 2};
	double wall_rate[2][REPEAT_MAX], cpu_rate[2][REPEAT_MAX];
	int64_t agents = 0;
	uint64_t steps = 0;
	for (int r = 0; r < repeat; r++)
		for (int t = 0; t < 2; t++) {
			struct mf_ensemble_options options = {.seed = 1, .threads = threads[t]};
			struct mf_ensemble_result result;
			double cpu = cpu_now();
			if (mf_ensemble_run(scenario, &options, NULL, 0, &result, &err) != MF_OK) {
				char text[1024];
				fprintf(stderr, "migflow-bench-flee: %s\n",
					mf_error_format(&err, text, sizeof(text)));
				return 1;
			}
			cpu = cpu_now() - cpu;
			steps = result.agent_steps;
			wall_rate[t][r] = (double)steps / (result.wall_seconds * threads[t]);
			cpu_rate[t][r] = (double)steps / cpu;
		}
	int64_t initial = 0, *plan = calloc((size_t)inst->run_days, sizeof(int64_t));
	if (plan && mf_flee_spawn_plan(inst, inst->run_days, plan, &initial, &err) == MF_OK) {
		agents = initial;
		for (int d = 0; d < inst->run_days; d++)
			agents += plan[d];
	}
	free(plan);
	double w1 = median(wall_rate[0], repeat), w2 = median(wall_rate[1], repeat);
	double c1 = median(cpu_rate[0], repeat), c2 = median(cpu_rate[1], repeat);
	printf("FLEE rules on %s: %d locations, %d routes, %lld agents, %d days, %.3g agent-days\n",
	       inst->name, inst->n_locations, inst->n_routes, (long long)agents, inst->run_days,
	       (double)steps);
	printf("median of %d repetitions, agent-days per CPU-second (wall x threads | process CPU time):\n",
	       repeat);
	printf("  1 thread : %.3g | %.3g\n", w1, c1);
	printf("  2 threads: %.3g | %.3g  (2-thread rate / 1-thread rate %.2f)\n", w2, c2, w2 / w1);
	printf("target >= %.0e agent-days per CPU-second (1 thread): %s\n", TARGET,
	       w1 >= TARGET ? "met" : "NOT met");
	mf_flee_scenario_destroy(scenario);
	mf_flee_destroy(inst);
	return 0;
}
