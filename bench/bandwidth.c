/* migflow-bench, 2. memory bandwidth: a[i] = b[i] + s * c[i], a STREAM-like
 * triad on the step's thread counts, best of its repetitions. */
#include "migflow_bench.h"

#include <math.h>
#include <stdlib.h>

void bench_triad_child(const void *argp, void *resultp)
{
	const struct triad_arg *arg = argp;
	struct triad_result *r = resultp;
	size_t n = arg->n;
	double *a = malloc(n * sizeof(double)), *b = malloc(n * sizeof(double)),
	       *c = malloc(n * sizeof(double));
	if (!a || !b || !c)
		return;
	const long count = (long)n;
	/* First touch by the threads that will use the pages. */
#pragma omp parallel for num_threads(arg->threads) schedule(static)
	for (long i = 0; i < count; i++) {
		a[i] = 0;
		b[i] = 1;
		c[i] = 2;
	}
	const double s = 3;
	r->best_seconds = INFINITY;
	for (int rep = 0; rep < arg->reps; rep++) {
		double start = bench_now();
#pragma omp parallel for num_threads(arg->threads) schedule(static)
		for (long i = 0; i < count; i++)
			a[i] = b[i] + s * c[i];
		double seconds = bench_now() - start;
		if (seconds < r->best_seconds)
			r->best_seconds = seconds;
	}
	/* STREAM's convention: 3 arrays x 8 bytes per element (the write
	 * allocate of a[] is not counted). */
	r->bytes_per_second = 3.0 * sizeof(double) * (double)n / r->best_seconds;
	r->check = a[n / 2];
	r->ok = r->check == 7.0;
	free(a);
	free(b);
	free(c);
}
