/* Sobol sensitivity indices: Saltelli design and estimators (see
 * include/migflow/sensitivity.h for the estimators and references). */
#include "migflow/sensitivity.h"

#include <math.h>
#include <stdlib.h>

#include <gsl/gsl_qrng.h>
#include <gsl/gsl_rng.h>
#include <gsl/gsl_sort.h>
#include <gsl/gsl_statistics_double.h>

/* Maps u in [0, 1) onto the parameter's range. */
static double scale(const struct mf_sobol_parameter *param, double u)
{
	if (param->log_scale)
		return exp(log(param->low) + u * (log(param->high) - log(param->low)));
	return param->low + u * (param->high - param->low);
}

struct mf_sobol_design *mf_sobol_design_create(
	const struct mf_sobol_parameter *params, size_t n_params, size_t n_base,
	struct mf_error *err)
{
	if (n_params < 1 || n_params > MF_SOBOL_MAX_PARAMETERS) {
		mf_error_set(err, MF_ERR_INPUT,
			     "sensitivity: %zu parameters (1 to %d allowed)",
			     n_params, MF_SOBOL_MAX_PARAMETERS);
		return NULL;
	}
	if (n_base < 2 || n_base > ((size_t)1 << 30)) {
		mf_error_set(err, MF_ERR_INPUT,
			     "sensitivity: %zu base points (2 to 2^30 allowed)", n_base);
		return NULL;
	}
	for (size_t i = 0; i < n_params; i++) {
		const struct mf_sobol_parameter *p = &params[i];
		if (!isfinite(p->low) || !isfinite(p->high) || !(p->low < p->high) ||
		    (p->log_scale && !(p->low > 0.0))) {
			mf_error_set(err, MF_ERR_INPUT,
				     "sensitivity: parameter %zu has bounds [%g, %g]%s",
				     i, p->low, p->high,
				     p->log_scale ? " (log scale needs 0 < low)" : "");
			return NULL;
		}
	}

	struct mf_sobol_design *design = calloc(1, sizeof(*design));
	double u[2 * MF_SOBOL_MAX_PARAMETERS];
	gsl_qrng *qrng = NULL;
	if (!design)
		goto nomem;
	design->n_base = n_base;
	design->n_params = n_params;
	design->n_points = n_base * (n_params + 2);
	design->points = malloc(design->n_points * n_params * sizeof(double));
	qrng = gsl_qrng_alloc(gsl_qrng_sobol, (unsigned)(2 * n_params));
	if (!design->points || !qrng)
		goto nomem;

	const size_t k = n_params;
	for (size_t row = 0; row < n_base; row++) {
		gsl_qrng_get(qrng, u);
		double *a = design->points + row * k;
		double *b = design->points + (n_base + row) * k;
		for (size_t j = 0; j < k; j++) {
			a[j] = scale(&params[j], u[j]);
			b[j] = scale(&params[j], u[k + j]);
		}
		for (size_t i = 0; i < k; i++) {
			double *ab = design->points + ((2 + i) * n_base + row) * k;
			for (size_t j = 0; j < k; j++)
				ab[j] = j == i ? b[j] : a[j];
		}
	}
	gsl_qrng_free(qrng);
	return design;

nomem:
	if (qrng)
		gsl_qrng_free(qrng);
	mf_sobol_design_destroy(design);
	mf_error_set(err, MF_ERR_NOMEM, "sensitivity: out of memory for the design");
	return NULL;
}

void mf_sobol_design_destroy(struct mf_sobol_design *design)
{
	if (!design)
		return;
	free(design->points);
	free(design);
}

void mf_sobol_indices_destroy(struct mf_sobol_indices *indices)
{
	if (!indices)
		return;
	free(indices->s1);
	free(indices->s1_low);
	free(indices->s1_high);
	free(indices->st);
	free(indices->st_low);
	free(indices->st_high);
	free(indices->variance);
	free(indices);
}

/* Output m at row `row` of block `block` (0 = A, 1 = B, 2 + i = AB_i). */
static double output_at(const struct mf_sobol_design *design, const double *outputs,
			size_t n_outputs, size_t m, size_t block, size_t row)
{
	return outputs[(block * design->n_base + row) * n_outputs + m];
}

/* The estimators of indicator m over the N base rows listed in rows (the
 * design's own rows when rows is NULL): s1[i], st[i] for each parameter
 * and the total variance. */
static void estimate(const struct mf_sobol_design *design, const double *outputs,
		     size_t n_outputs, size_t m, const size_t *rows,
		     double *s1, double *st, double *variance)
{
	const size_t n = design->n_base, k = design->n_params;

	/* Variance of f over A and B together (two-pass for accuracy). */
	double sum = 0.0;
	for (size_t r = 0; r < n; r++) {
		size_t row = rows ? rows[r] : r;
		sum += output_at(design, outputs, n_outputs, m, 0, row) +
		       output_at(design, outputs, n_outputs, m, 1, row);
	}
	double mean = sum / (double)(2 * n), squares = 0.0;
	for (size_t r = 0; r < n; r++) {
		size_t row = rows ? rows[r] : r;
		double fa = output_at(design, outputs, n_outputs, m, 0, row) - mean;
		double fb = output_at(design, outputs, n_outputs, m, 1, row) - mean;
		squares += fa * fa + fb * fb;
	}
	double var = squares / (double)(2 * n);
	*variance = var;

	for (size_t i = 0; i < k; i++) {
		double first = 0.0, total = 0.0;
		for (size_t r = 0; r < n; r++) {
			size_t row = rows ? rows[r] : r;
			double fa = output_at(design, outputs, n_outputs, m, 0, row);
			double fb = output_at(design, outputs, n_outputs, m, 1, row);
			double fab = output_at(design, outputs, n_outputs, m, 2 + i, row);
			/* Saltelli et al. (2010), Comput. Phys. Commun. 181:259,
			 * table 2 (b): V_i = mean(f(B) (f(AB_i) - f(A))), with f
			 * centred on its mean over A and B (as SALib does): the
			 * expectation is unchanged, the index no longer depends on
			 * an additive constant and its variance is smaller. */
			first += (fb - mean) * (fab - fa);
			/* Jansen (1999), Comput. Phys. Commun. 117:35:
			 * E_i = mean((f(A) - f(AB_i))^2) / 2. */
			total += (fa - fab) * (fa - fab);
		}
		if (var > 0.0) {
			s1[i] = first / (double)n / var;
			st[i] = total / (double)(2 * n) / var;
		} else {
			s1[i] = NAN;
			st[i] = NAN;
		}
	}
}

/* Percentile bounds of `count` bootstrap values (sorted in place). */
static void interval(double *values, size_t count, double level,
		     double *low, double *high)
{
	gsl_sort(values, 1, count);
	double tail = (1.0 - level) / 2.0;
	*low = gsl_stats_quantile_from_sorted_data(values, 1, count, tail);
	*high = gsl_stats_quantile_from_sorted_data(values, 1, count, 1.0 - tail);
}

static struct mf_sobol_indices *indices_create(size_t k, size_t n_outputs)
{
	struct mf_sobol_indices *ind = calloc(1, sizeof(*ind));
	if (!ind)
		return NULL;
	size_t count = k * n_outputs;
	ind->n_params = k;
	ind->n_outputs = n_outputs;
	ind->s1 = malloc(count * sizeof(double));
	ind->s1_low = malloc(count * sizeof(double));
	ind->s1_high = malloc(count * sizeof(double));
	ind->st = malloc(count * sizeof(double));
	ind->st_low = malloc(count * sizeof(double));
	ind->st_high = malloc(count * sizeof(double));
	ind->variance = malloc(n_outputs * sizeof(double));
	if (!ind->s1 || !ind->s1_low || !ind->s1_high || !ind->st || !ind->st_low ||
	    !ind->st_high || !ind->variance) {
		mf_sobol_indices_destroy(ind);
		return NULL;
	}
	for (size_t j = 0; j < count; j++) {
		ind->s1_low[j] = ind->s1_high[j] = NAN;
		ind->st_low[j] = ind->st_high[j] = NAN;
	}
	return ind;
}

struct mf_sobol_indices *mf_sobol_analyse(const struct mf_sobol_design *design,
					  const double *outputs, size_t n_outputs,
					  const struct mf_sobol_options *options,
					  struct mf_error *err)
{
	if (!design || !outputs || n_outputs < 1 || !options) {
		mf_error_set(err, MF_ERR_INPUT, "sensitivity: no design, outputs or options");
		return NULL;
	}
	const size_t n = design->n_base, k = design->n_params;
	const size_t resamples = options->resamples;
	if (resamples != 0 && (resamples < 10 || !(options->level > 0.0 &&
						   options->level < 1.0))) {
		mf_error_set(err, MF_ERR_INPUT,
			     "sensitivity: %zu resamples at level %g (at least 10, "
			     "level in (0, 1))", resamples, options->level);
		return NULL;
	}
	for (size_t j = 0; j < design->n_points * n_outputs; j++) {
		if (!isfinite(outputs[j])) {
			mf_error_set(err, MF_ERR_INPUT,
				     "sensitivity: output %zu at point %zu is not finite",
				     j % n_outputs, j / n_outputs);
			return NULL;
		}
	}

	struct mf_sobol_indices *ind = indices_create(k, n_outputs);
	size_t *rows = malloc(n * sizeof(*rows));
	double *boot_s1 = malloc(resamples * k * n_outputs * sizeof(double));
	double *boot_st = malloc(resamples * k * n_outputs * sizeof(double));
	double *s1 = malloc(k * sizeof(double)), *st = malloc(k * sizeof(double));
	gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
	if (!ind || !rows || !s1 || !st || !rng ||
	    (resamples && (!boot_s1 || !boot_st))) {
		mf_sobol_indices_destroy(ind);
		ind = NULL;
		mf_error_set(err, MF_ERR_NOMEM, "sensitivity: out of memory");
		goto done;
	}

	for (size_t m = 0; m < n_outputs; m++)
		estimate(design, outputs, n_outputs, m, NULL, ind->s1 + m * k,
			 ind->st + m * k, &ind->variance[m]);

	if (resamples == 0)
		goto done;
	/* Bootstrap: the same resampled rows serve every indicator, so the
	 * intervals of different indicators come from one set of resamples.
	 * boot_*[(m * k + i) * R + r] for indicator m, parameter i, resample r. */
	gsl_rng_set(rng, (unsigned long)(options->seed ^ (options->seed >> 32)));
	for (size_t r = 0; r < resamples; r++) {
		for (size_t j = 0; j < n; j++)
			rows[j] = (size_t)gsl_rng_uniform_int(rng, (unsigned long)n);
		for (size_t m = 0; m < n_outputs; m++) {
			double variance;
			estimate(design, outputs, n_outputs, m, rows, s1, st, &variance);
			for (size_t i = 0; i < k; i++) {
				boot_s1[(m * k + i) * resamples + r] = s1[i];
				boot_st[(m * k + i) * resamples + r] = st[i];
			}
		}
	}
	for (size_t j = 0; j < k * n_outputs; j++) {
		if (isnan(ind->s1[j]))
			continue;
		interval(boot_s1 + j * resamples, resamples, options->level,
			 &ind->s1_low[j], &ind->s1_high[j]);
		interval(boot_st + j * resamples, resamples, options->level,
			 &ind->st_low[j], &ind->st_high[j]);
	}

done:
	gsl_rng_free(rng);
	free(rows);
	free(boot_s1);
	free(boot_st);
	free(s1);
	free(st);
	return ind;
}
