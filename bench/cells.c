/* migflow-bench: the rows of section 1, one (size, threads) cell over its
 * repetitions: the median day pooled over all runs, the mean, the best day,
 * and the speed-up between two cells run side by side. */
#include "migflow_bench.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static int compare_doubles(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

static double median(double *values, int n)
{
	if (n == 0)
		return 0;
	qsort(values, (size_t)n, sizeof(double), compare_doubles);
	return n % 2 ? values[n / 2] : 0.5 * (values[n / 2 - 1] + values[n / 2]);
}

/* Wall ns per agent-step of the median day of one run. */
static double median_day_ns(const struct step_result *r)
{
	double sorted[MAX_DAYS];
	memcpy(sorted, r->day_ns, (size_t)r->days * sizeof(double));
	return median(sorted, r->days);
}

void bench_cell_add(struct step_cell *cell, int rep, const struct step_result *r)
{
	if (cell->reps == 0) {
		cell->first = *r;
		cell->best_ns = INFINITY;
		cell->cpu_share = INFINITY;
	}
	if (r->cpu_share < cell->cpu_share)
		cell->cpu_share = r->cpu_share;
	cell->reps++;
	double ns = median_day_ns(r);
	cell->rep_ok[rep] = ns > 0;
	cell->rep_rate[rep] = ns > 0 ? 1e9 / ns : 0;
	if (r->maxrss_kib > cell->maxrss_kib)
		cell->maxrss_kib = r->maxrss_kib;
	cell->llc_misses = r->llc_misses < 0 || cell->llc_misses < 0 ? -1 : cell->llc_misses + r->llc_misses;
	cell->steps += r->steps;
	cell->move_seconds += r->move_seconds;
	cell->cpu_seconds += r->cpu_seconds;
	for (int d = 0; d < r->days; d++)
		if (r->day_ns[d] < cell->best_ns)
			cell->best_ns = r->day_ns[d];
}

/* Pools the days of all repetitions: the median day is robust to other
 * tenants taking a core now and then, which on 2 cores stalls a whole
 * parallel day. */
void bench_cell_finish(struct step_cell *cell, const struct step_result *reps, int n_reps)
{
	static double pooled[MAX_REPEAT * MAX_DAYS];
	int n = 0;
	for (int k = 0; k < n_reps; k++)
		if (cell->rep_ok[k])
			for (int d = 0; d < reps[k].days; d++)
				pooled[n++] = reps[k].day_ns[d];
	cell->median_ns = median(pooled, n);
	cell->mean_ns = cell->steps ? 1e9 * cell->move_seconds / (double)cell->steps : 0;
}

/* Agent-steps per second (wall) of the median day. */
double bench_steps_per_second(const struct step_cell *cell)
{
	return cell->median_ns > 0 ? 1e9 / cell->median_ns : 0;
}

/* ns per agent-step per core (median day): wall ns times threads. */
double bench_ns_per_step_core(const struct step_cell *cell, int threads)
{
	return cell->median_ns * threads;
}

/* Speed-up of cell b over cell a: median over repetitions run side by side. */
double bench_speedup(const struct step_cell *a, const struct step_cell *b, int n_reps)
{
	double ratios[MAX_REPEAT];
	int n = 0;
	for (int k = 0; k < n_reps; k++)
		if (a->rep_ok[k] && b->rep_ok[k])
			ratios[n++] = b->rep_rate[k] / a->rep_rate[k];
	return median(ratios, n);
}
