/* The file of a sensitivity analysis (migflow sensitivity): indices,
 * design and outputs along the dimensions indicator, parameter and point,
 * each an HDF5 dimension scale so that xarray opens the file with the
 * h5netcdf engine. Written as path.partial and renamed when complete. */
#include "output_private.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "migflow/sensitivity.h"
#include "migflow/targets.h"
#include "migflow/version.h"

enum sa_dim { SA_INDICATOR, SA_PARAMETER, SA_POINT, SA_DIM_COUNT };

struct sa_file {
	const struct mf_scenario *scenario;
	const struct mf_targets *targets;
	const struct mf_sensitivity_result *result;
	hid_t scales[SA_DIM_COUNT];
	hsize_t sizes[SA_DIM_COUNT];
};

static const char *const sa_dim_names[SA_DIM_COUNT] = {"indicator", "parameter", "point"};

/* A dimension whose coordinate is text (labels) or, with labels NULL,
 * the numbers 0 .. size-1. */
static enum mf_status create_scale(struct mf_output *out, struct sa_file *sa, enum sa_dim dim,
				   const char *long_name, const char *const *labels,
				   struct mf_error *err)
{
	const char *name = sa_dim_names[dim];
	hsize_t size = sa->sizes[dim];
	enum mf_status status = MF_OK;
	hid_t string = -1;
	int32_t *numbers = NULL;
	if (labels && (string = mf_h5_string_type()) < 0)
		return mf_output_fail(err, out, "make the string type for", name);
	if (!labels) {
		numbers = malloc((size_t)size * sizeof(*numbers));
		if (!numbers) {
			status = mf_error_set(err, MF_ERR_NOMEM, "output: no memory");
			goto cleanup;
		}
		for (hsize_t i = 0; i < size; i++)
			numbers[i] = (int32_t)i;
	}
	sa->scales[dim] = mf_h5_create_dataset(out->file, name, labels ? string : H5T_STD_I32LE,
					       1, &size, NULL, labels != NULL);
	if (sa->scales[dim] < 0) {
		status = mf_output_fail(err, out, "create", name);
		goto cleanup;
	}
	if (H5DSset_scale(sa->scales[dim], name) < 0 ||
	    mf_h5_write_all(sa->scales[dim], labels ? string : H5T_NATIVE_INT32, (size_t)size,
			    labels ? (const void *)labels : (const void *)numbers) < 0 ||
	    mf_h5_put_names(sa->scales[dim], long_name, labels ? NULL : "1") < 0)
		status = mf_output_fail(err, out, "write", name);
cleanup:
	free(numbers);
	if (string >= 0 && H5Tclose(string) < 0 && status == MF_OK)
		status = mf_output_fail(err, out, "close the string type for", name);
	return status;
}

/* A variable of float64 (or int32 when ints is not NULL) along dims. */
static enum mf_status put_variable(struct mf_output *out, const struct sa_file *sa,
				   const char *name, const char *long_name, const char *units,
				   int rank, const enum sa_dim *dims, const double *values,
				   const int32_t *ints, struct mf_error *err)
{
	hsize_t shape[2];
	size_t count = 1;
	for (int a = 0; a < rank; a++) {
		shape[a] = sa->sizes[dims[a]];
		count *= (size_t)shape[a];
	}
	enum mf_status status = MF_OK;
	hid_t dataset = mf_h5_create_dataset(out->file, name, ints ? H5T_STD_I32LE : H5T_IEEE_F64LE,
					     rank, shape, NULL, false);
	if (dataset < 0)
		return mf_output_fail(err, out, "create", name);
	if (mf_h5_write_all(dataset, ints ? H5T_NATIVE_INT32 : H5T_NATIVE_DOUBLE, count,
			    ints ? (const void *)ints : (const void *)values) < 0)
		status = mf_output_fail(err, out, "write", name);
	for (int a = 0; a < rank && status == MF_OK; a++)
		if (H5DSattach_scale(dataset, sa->scales[dims[a]], (unsigned)a) < 0)
			status = mf_output_fail(err, out, "attach dimensions to", name);
	if (status == MF_OK && mf_h5_put_names(dataset, long_name, units) < 0)
		status = mf_output_fail(err, out, "write attributes of", name);
	if (H5Dclose(dataset) < 0 && status == MF_OK)
		status = mf_output_fail(err, out, "close", name);
	return status;
}

static enum mf_status write_global_attrs(struct mf_output *out, const struct sa_file *sa,
					 struct mf_error *err)
{
	const struct mf_sensitivity_result *r = sa->result;
	const struct mf_scenario *s = sa->scenario;
	char level[64];
	snprintf(level, sizeof(level), "%g", r->level);
	if (mf_h5_put_string_attr(out->file, "title", "migflow sensitivity analysis") < 0 ||
	    mf_h5_put_string_attr(out->file, "Conventions", "CF-1.8") < 0 ||
	    mf_h5_put_provenance(out->file, "sensitivity analysis", s->path) < 0 ||
	    mf_h5_put_string_attr(out->file, "engine", "migflow") < 0 ||
	    mf_h5_put_string_attr(out->file, "engine_version", MF_VERSION) < 0 ||
	    mf_h5_put_string_attr(out->file, "scenario_path", s->path) < 0 ||
	    mf_h5_put_string_attr(out->file, "scenario",
				  s->resolved_text ? s->resolved_text : "") < 0 ||
	    mf_h5_put_string_attr(out->file, "targets_path", sa->targets->path) < 0 ||
	    mf_h5_put_uint64_attr(out->file, "seed", r->seed) < 0 ||
	    mf_h5_put_uint64_attr(out->file, "base_samples", r->design->n_base) < 0 ||
	    mf_h5_put_int32_attr(out->file, "replicates", r->replicates) < 0 ||
	    mf_h5_put_int32_attr(out->file, "agent_scale", r->agent_scale) < 0 ||
	    mf_h5_put_uint64_attr(out->file, "resamples", r->resamples) < 0 ||
	    mf_h5_put_double_attr(out->file, "interval_level", r->level) < 0 ||
	    mf_h5_put_string_attr(out->file, "estimators",
				  "first order: Saltelli et al. 2010; total: Jansen 1999; "
				  "bootstrap percentile intervals") < 0 ||
	    mf_h5_put_string_attr(out->file, "design_layout",
				  "Saltelli design from the Sobol sequence: points 0..N-1 are A, "
				  "N..2N-1 are B, (2+i)N..(3+i)N-1 are AB_i (A with parameter i "
				  "from B); the output at a point is the mean over the replicates "
				  "of the same seed (common random numbers)") < 0 ||
	    mf_h5_put_double_attr(out->file, "wall_seconds", r->wall_seconds) < 0 ||
	    mf_h5_put_uint64_attr(out->file, "simulations", r->simulations) < 0)
		return mf_output_fail(err, out, "write the global attributes", NULL);
	return MF_OK;
}

static enum mf_status write_contents(struct mf_output *out, const void *arg,
				     struct mf_error *err)
{
	struct sa_file *sa = (struct sa_file *)arg;
	const struct mf_sensitivity_result *r = sa->result;
	const struct mf_sobol_indices *ind = r->indices;
	const size_t n_ind = r->n_indicators, k = r->design->n_params;
	enum mf_status status = MF_OK;
	const char **indicator_names = calloc(n_ind, sizeof(*indicator_names));
	const char **parameter_names = calloc(k, sizeof(*parameter_names));
	double *sum = calloc(n_ind, sizeof(double));
	double *low = calloc(k, sizeof(double)), *high = calloc(k, sizeof(double));
	int32_t *log_scale = calloc(k, sizeof(int32_t));
	if (!indicator_names || !parameter_names || !sum || !low || !high || !log_scale) {
		status = mf_error_set(err, MF_ERR_NOMEM, "output: no memory");
		goto cleanup;
	}
	for (size_t m = 0; m < n_ind; m++) {
		indicator_names[m] = sa->targets->targets[r->indicators[m]].name;
		for (size_t i = 0; i < k; i++)
			sum[m] += ind->s1[m * k + i];
	}
	for (size_t i = 0; i < k; i++) {
		const struct mf_free_parameter *f = &sa->scenario->free[i];
		parameter_names[i] = f->name;
		low[i] = r->ranges[i].low;
		high[i] = r->ranges[i].high;
		log_scale[i] = r->ranges[i].log_scale;
	}

	if ((status = write_global_attrs(out, sa, err)) != MF_OK ||
	    (status = create_scale(out, sa, SA_INDICATOR, "indicator (a target of the targets file)",
				   indicator_names, err)) != MF_OK ||
	    (status = create_scale(out, sa, SA_PARAMETER, "uncertain parameter (a free parameter "
				   "of the scenario's calibrate block)", parameter_names, err)) != MF_OK ||
	    (status = create_scale(out, sa, SA_POINT, "design point", NULL, err)) != MF_OK)
		goto cleanup;

	static const enum sa_dim ip[] = {SA_INDICATOR, SA_PARAMETER};
	static const enum sa_dim i1[] = {SA_INDICATOR};
	static const enum sa_dim pp[] = {SA_POINT, SA_PARAMETER};
	static const enum sa_dim pi[] = {SA_POINT, SA_INDICATOR};
	static const enum sa_dim p1[] = {SA_PARAMETER};
	const struct {
		const char *name, *long_name, *units;
		int rank;
		const enum sa_dim *dims;
		const double *values;
		const int32_t *ints;
	} vars[] = {
		{"first_order", "first-order Sobol index S1 (Saltelli et al. 2010)", "1", 2, ip, ind->s1, NULL},
		{"first_order_low", "first-order index: lower bound of the bootstrap percentile interval",
		 "1", 2, ip, ind->s1_low, NULL},
		{"first_order_high", "first-order index: upper bound of the bootstrap percentile interval",
		 "1", 2, ip, ind->s1_high, NULL},
		{"total", "total-order Sobol index ST (Jansen 1999)", "1", 2, ip, ind->st, NULL},
		{"total_low", "total-order index: lower bound of the bootstrap percentile interval",
		 "1", 2, ip, ind->st_low, NULL},
		{"total_high", "total-order index: upper bound of the bootstrap percentile interval",
		 "1", 2, ip, ind->st_high, NULL},
		{"sum_first_order", "sum of the first-order indices over the parameters", "1", 1, i1,
		 sum, NULL},
		{"variance", "variance of the indicator over design matrices A and B (persons squared)", "1", 1,
		 i1, ind->variance, NULL},
		{"design", "parameter values at the design points (natural scale, in each "
		 "parameter's own unit)", NULL, 2, pp, r->design->points, NULL},
		{"outputs", "indicator at the design points (mean over the replicates; persons)", "1", 2,
		 pi, r->outputs, NULL},
		{"parameter_min", "lower bound of the parameter's range (in its own unit)", NULL, 1, p1,
		 low, NULL},
		{"parameter_max", "upper bound of the parameter's range (in its own unit)", NULL, 1, p1,
		 high, NULL},
		{"parameter_log_scale", "1: sampled uniformly in the logarithm, 0: in the value", "1", 1,
		 p1, NULL, log_scale},
	};
	for (size_t v = 0; v < sizeof(vars) / sizeof(vars[0]) && status == MF_OK; v++)
		status = put_variable(out, sa, vars[v].name, vars[v].long_name, vars[v].units,
				      vars[v].rank, vars[v].dims, vars[v].values, vars[v].ints, err);
	if (status == MF_OK && mf_h5_put_int32_attr(out->file, "complete", 1) < 0)
		status = mf_output_fail(err, out, "write attribute", "complete");
cleanup:
	for (int d = 0; d < SA_DIM_COUNT; d++) {
		if (sa->scales[d] >= 0 && H5Dclose(sa->scales[d]) < 0 && status == MF_OK)
			status = mf_output_fail(err, out, "close", sa_dim_names[d]);
		sa->scales[d] = -1;
	}
	free(indicator_names);
	free(parameter_names);
	free(sum);
	free(low);
	free(high);
	free(log_scale);
	return status;
}

enum mf_status mf_output_write_sensitivity(const char *path, bool force,
					   const struct mf_scenario *scenario,
					   const struct mf_targets *targets,
					   const struct mf_sensitivity_result *result,
					   struct mf_error *err)
{
	if (!scenario || !targets || !result || !result->design || !result->indices ||
	    !result->outputs || !result->indicators ||
	    result->design->n_params != (size_t)scenario->n_free)
		return mf_error_set(err, MF_ERR_INTERNAL, "output: no sensitivity analysis to write");
	enum mf_status status = mf_output_check_path(path, force, err);
	if (status != MF_OK)
		return status;
	struct mf_output *out = mf_output_new(path, OUTPUT_BATCH, err);
	if (!out)
		return err->code;
	struct sa_file sa = {
		.scenario = scenario,
		.targets = targets,
		.result = result,
		.scales = {-1, -1, -1},
		.sizes = {result->n_indicators, result->design->n_params, result->design->n_points},
	};
	struct mf_h5_quiet quiet;
	mf_h5_quiet_begin(&quiet, out->hdf5_detail);
	out->file = mf_h5_create_file(out->partial);
	if (out->file < 0)
		status = mf_output_fail(err, out, "create the file", NULL);
	mf_h5_quiet_end(&quiet);
	if (status == MF_OK)
		status = mf_output_guarded(out, err, write_contents, &sa);
	if (status == MF_OK) {
		mf_h5_quiet_begin(&quiet, out->hdf5_detail);
		if (H5Fclose(out->file) < 0)
			status = mf_output_fail(err, out, "close the file", NULL);
		else
			out->file = -1;
		mf_h5_quiet_end(&quiet);
	}
	if (status == MF_OK && rename(out->partial, out->path) < 0)
		status = mf_error_set(err, MF_ERR_IO, "cannot write %s: %s", out->path,
				      strerror(errno));
	mf_h5_quiet_begin(&quiet, out->hdf5_detail);
	mf_output_drop(out); /* after a rename only frees: the partial file is gone */
	mf_h5_quiet_end(&quiet);
	return status;
}
