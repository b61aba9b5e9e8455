/* Posterior files (migflow/posterior.h): the ABC-SMC generations, the
 * summary, the correlations and the predictive check, netCDF-style (every
 * dimension a scale) so that xarray opens them; read back for resuming
 * and for runs under the posterior. */
#define _XOPEN_SOURCE 700 /* realpath */
#include "output_private.h"

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "migflow/posterior.h"
#include "migflow/reader.h"
#include "migflow/version.h"

enum pdim { P_GENERATION, P_PARTICLE, P_PARAMETER, P_PARAMETER_B, P_TARGET, P_DRAW, P_COUNT };

static const char *const pdim_names[P_COUNT] = {
	"generation", "particle", "parameter", "parameter_b", "target", "draw",
};

struct writer {
	struct mf_output *out;
	hid_t scales[P_COUNT];
	hsize_t sizes[P_COUNT];
};

/* A dimension: string labels, or the index 0 .. n-1 when labels is NULL. */
static enum mf_status put_dim(struct writer *w, enum pdim d, const char *long_name,
			      const char *const *labels, struct mf_error *err)
{
	hsize_t n = w->sizes[d];
	const char *name = pdim_names[d];
	hid_t string = labels ? mf_h5_string_type() : -1;
	hid_t scale = mf_h5_create_dataset(w->out->file, name,
					   labels ? string : H5T_STD_I64LE, 1, &n, NULL, labels != NULL);
	enum mf_status status = MF_OK;
	int64_t *index = labels ? NULL : calloc((size_t)n + 1, sizeof(int64_t));
	for (hsize_t i = 0; index && i < n; i++)
		index[i] = (int64_t)i;
	if (scale < 0 || (!labels && !index) || H5DSset_scale(scale, name) < 0 ||
	    mf_h5_write_all(scale, labels ? string : H5T_NATIVE_INT64, (size_t)n,
			    labels ? (const void *)labels : (const void *)index) < 0 ||
	    mf_h5_put_names(scale, long_name, NULL) < 0)
		status = mf_output_fail(err, w->out, "write", name);
	free(index);
	if (string >= 0)
		H5Tclose(string);
	w->scales[d] = scale;
	return status;
}

/* A float64 (or int8 when bytes) variable along dims. */
static enum mf_status put_var(struct writer *w, const char *name, const char *long_name,
			      const char *units, int rank, const enum pdim *dims,
			      const void *values, bool bytes, struct mf_error *err)
{
	hsize_t shape[MAX_RANK];
	size_t n = 1;
	for (int a = 0; a < rank; a++)
		n *= (size_t)(shape[a] = w->sizes[dims[a]]);
	hid_t dataset = mf_h5_create_dataset(w->out->file, name,
					     bytes ? H5T_STD_I8LE : H5T_IEEE_F64LE, rank, shape,
					     NULL, false);
	enum mf_status status = MF_OK;
	if (dataset < 0 ||
	    mf_h5_write_all(dataset, bytes ? H5T_NATIVE_INT8 : H5T_NATIVE_DOUBLE, n, values) < 0 ||
	    mf_h5_put_names(dataset, long_name, units) < 0)
		status = mf_output_fail(err, w->out, "write", name);
	for (int a = 0; a < rank && status == MF_OK; a++)
		if (H5DSattach_scale(dataset, w->scales[dims[a]], (unsigned)a) < 0)
			status = mf_output_fail(err, w->out, "write", name);
	if (dataset >= 0)
		H5Dclose(dataset);
	return status;
}

#define VAR(name, long_name, units, values, ...)                                               \
	do {                                                                                   \
		const enum pdim dims_[] = {__VA_ARGS__};                                       \
		if (status == MF_OK)                                                           \
			status = put_var(w, name, long_name, units,                            \
					 (int)(sizeof(dims_) / sizeof(dims_[0])), dims_, values, \
					 false, err);                                          \
	} while (0)

static enum mf_status put_attrs(struct writer *w, const struct mf_posterior *p,
				const struct mf_scenario *scenario,
				const struct mf_targets *targets, bool complete,
				struct mf_error *err)
{
	hid_t f = w->out->file;
	const struct mf_posterior_options *o = &p->options;
	/* Runs under the posterior may read the scenario again from elsewhere. */
	char resolved[PATH_MAX];
	const char *absolute = realpath(scenario->path, resolved);
	char created[32];
	time_t now = time(NULL);
	strftime(created, sizeof(created), "%Y-%m-%dT%H:%M:%SZ", gmtime(&now));
	if (mf_h5_put_string_attr(f, "title", "migflow posterior of the free parameters") < 0 ||
	    mf_h5_put_string_attr(f, "method",
				  "ABC-SMC: population Monte Carlo ABC (Beaumont, Cornuet, Marin "
				  "& Robert 2009, Biometrika 96:983) with adaptive tolerances (the "
				  "quantile of the last generation's distances); distance = "
				  "sqrt(sum of weight x (relative error / tolerance)^2)") < 0 ||
	    mf_h5_put_string_attr(f, "Conventions", "CF-1.8") < 0 ||
	    mf_h5_put_provenance(f, "posterior (ABC-SMC)", scenario->path) < 0 ||
	    mf_h5_put_string_attr(f, "engine", "migflow") < 0 ||
	    mf_h5_put_string_attr(f, "engine_version", MF_VERSION) < 0 ||
	    mf_h5_put_string_attr(f, "scenario_path", absolute ? absolute : scenario->path) < 0 ||
	    mf_h5_put_string_attr(f, "scenario", scenario->resolved_text ? scenario->resolved_text : "") < 0 ||
	    mf_h5_put_string_attr(f, "targets_path", targets->path) < 0 ||
	    mf_h5_put_uint64_attr(f, "seed", o->seed) < 0 ||
	    mf_h5_put_int32_attr(f, "particles", o->particles) < 0 ||
	    mf_h5_put_double_attr(f, "quantile", o->quantile) < 0 ||
	    mf_h5_put_uint64_attr(f, "budget", o->budget) < 0 ||
	    mf_h5_put_int32_attr(f, "max_generations", o->max_generations) < 0 ||
	    mf_h5_put_double_attr(f, "min_acceptance", o->min_acceptance) < 0 ||
	    mf_h5_put_int32_attr(f, "agent_scale", o->agent_scale > 0 ? o->agent_scale : scenario->agent_scale) < 0 ||
	    mf_h5_put_int32_attr(f, "predictive_draws", o->predictive_draws) < 0 ||
	    mf_h5_put_uint64_attr(f, "simulations", p->abc->simulations) < 0 ||
	    mf_h5_put_uint64_attr(f, "early_stops", p->early_stops) < 0 ||
	    mf_h5_put_string_attr(f, "stop", complete ? mf_abc_stop_name(p->abc->stop) : "not yet") < 0 ||
	    mf_h5_put_double_attr(f, "wall_seconds", p->wall_seconds) < 0 ||
	    mf_h5_put_string_attr(f, "created", created) < 0 ||
	    mf_h5_put_int32_attr(f, "migflow_posterior", 1) < 0 ||
	    mf_h5_put_int32_attr(f, "complete", complete ? 1 : 0) < 0)
		return mf_output_fail(err, w->out, "write the attributes of", NULL);
	return MF_OK;
}

static enum mf_status write_all(struct writer *w, const struct mf_posterior *p,
				const struct mf_scenario *scenario,
				const struct mf_targets *targets, bool complete,
				struct mf_error *err)
{
	const struct mf_abc_result *abc = p->abc;
	size_t G = abc->n_generations, N = abc->n_particles, K = abc->n_params;
	size_t T = (size_t)p->n_targets, M = (size_t)p->n_draws;
	w->sizes[P_GENERATION] = G;
	w->sizes[P_PARTICLE] = N;
	w->sizes[P_PARAMETER] = w->sizes[P_PARAMETER_B] = K;
	w->sizes[P_TARGET] = T;
	w->sizes[P_DRAW] = M;
	const char **names = calloc(K + T + 1, sizeof(char *));
	const char **families = calloc(K + 1, sizeof(char *));
	size_t big = G * N * K + 1;
	double *a = malloc(big * sizeof(double)), *b = malloc(big * sizeof(double));
	double *c = malloc((G * N + 1) * sizeof(double)), *d = malloc((G * N + 1) * sizeof(double));
	double *g1 = malloc((G + 1) * 4 * sizeof(double));
	double *k8 = malloc((K + 1) * 8 * sizeof(double));
	double *t5 = malloc((T + 1) * 6 * sizeof(double) + (M * T + M + 1) * sizeof(double));
	int8_t *inside = calloc(T + 1, 1);
	enum mf_status status = MF_OK;
	if (!names || !families || !a || !b || !c || !d || !g1 || !k8 || !t5 || !inside) {
		status = mf_error_set(err, MF_ERR_NOMEM, "out of memory");
		goto done;
	}
	for (size_t j = 0; j < K; j++) {
		names[j] = p->params[j].name;
		families[j] = mf_abc_prior_name(&p->priors[j]);
	}
	for (size_t t = 0; t < T; t++)
		names[K + t] = p->target_names[t];
	status = put_attrs(w, p, scenario, targets, complete, err);
	if (status == MF_OK)
		status = put_dim(w, P_GENERATION, "ABC-SMC generation", NULL, err);
	if (status == MF_OK)
		status = put_dim(w, P_PARTICLE, "particle", NULL, err);
	if (status == MF_OK)
		status = put_dim(w, P_PARAMETER, "free parameter (calibrate: block)", names, err);
	if (status == MF_OK)
		status = put_dim(w, P_PARAMETER_B, "free parameter (second axis of correlation)", names, err);
	if (status == MF_OK)
		status = put_dim(w, P_TARGET, "calibration target", names + K, err);
	if (status == MF_OK)
		status = put_dim(w, P_DRAW, "predictive draw", NULL, err);

	for (size_t g = 0; g < G; g++) {
		const struct mf_abc_generation *gen = &abc->generations[g];
		memcpy(a + g * N * K, gen->particles, N * K * sizeof(double));
		memcpy(b + g * N * K, gen->working, N * K * sizeof(double));
		memcpy(c + g * N, gen->weights, N * sizeof(double));
		memcpy(d + g * N, gen->distances, N * sizeof(double));
		g1[g] = gen->tolerance;
		g1[G + g] = gen->ess;
		g1[2 * G + g] = gen->acceptance_rate;
		g1[3 * G + g] = (double)gen->simulations;
	}
	VAR("particles", "parameter values of the particles", NULL, a, P_GENERATION, P_PARTICLE, P_PARAMETER);
	VAR("particles_working", "particles on the sampling scale (log of the value for log-scale priors)",
	    NULL, b, P_GENERATION, P_PARTICLE, P_PARAMETER);
	VAR("weights", "normalised importance weights", "1", c, P_GENERATION, P_PARTICLE);
	VAR("distances", "distance from the targets", "1", d, P_GENERATION, P_PARTICLE);
	VAR("tolerance", "tolerance of the generation (infinite in generation 0)", "1", g1, P_GENERATION);
	VAR("ess", "effective sample size 1 / sum of squared weights", "1", g1 + G, P_GENERATION);
	VAR("acceptance_rate", "accepted particles / simulations", "1", g1 + 2 * G, P_GENERATION);
	VAR("simulations", "simulations run for the generation", "1", g1 + 3 * G, P_GENERATION);

	for (size_t j = 0; j < K; j++) {
		const struct mf_abc_summary *s = &abc->summary[j];
		const struct mf_abc_prior *pr = &p->priors[j];
		k8[j] = s->mean;
		k8[K + j] = s->sd;
		k8[2 * K + j] = s->q05;
		k8[3 * K + j] = s->q50;
		k8[4 * K + j] = s->q95;
		k8[5 * K + j] = pr->min;
		k8[6 * K + j] = pr->max;
		k8[7 * K + j] = pr->family == MF_ABC_NORMAL ? pr->mean : NAN;
	}
	if (complete) {
		VAR("posterior_mean", "weighted posterior mean", NULL, k8, P_PARAMETER);
		VAR("posterior_sd", "weighted posterior standard deviation", NULL, k8 + K, P_PARAMETER);
		VAR("posterior_q05", "posterior 5th percentile", NULL, k8 + 2 * K, P_PARAMETER);
		VAR("posterior_q50", "posterior median", NULL, k8 + 3 * K, P_PARAMETER);
		VAR("posterior_q95", "posterior 95th percentile", NULL, k8 + 4 * K, P_PARAMETER);
		VAR("correlation", "weighted posterior correlation", "1", abc->correlation,
		    P_PARAMETER, P_PARAMETER_B);
	}
	VAR("prior_min", "lower bound of the prior", NULL, k8 + 5 * K, P_PARAMETER);
	VAR("prior_max", "upper bound of the prior", NULL, k8 + 6 * K, P_PARAMETER);
	VAR("prior_mean", "mean of a normal prior on the sampling scale (NaN: uniform)", NULL,
	    k8 + 7 * K, P_PARAMETER);
	for (size_t j = 0; j < K; j++)
		k8[j] = p->priors[j].family == MF_ABC_NORMAL ? p->priors[j].sd : NAN;
	VAR("prior_sd", "sd of a normal prior on the sampling scale (NaN: uniform)", NULL, k8, P_PARAMETER);
	if (status == MF_OK) {
		hid_t string = mf_h5_string_type();
		hsize_t n = K;
		hid_t ds = mf_h5_create_dataset(w->out->file, "prior_family", string, 1, &n, NULL, true);
		if (ds < 0 || mf_h5_write_all(ds, string, K, families) < 0 ||
		    H5DSattach_scale(ds, w->scales[P_PARAMETER], 0) < 0 ||
		    mf_h5_put_names(ds, "prior family (uniform, log-uniform, normal, log-normal)", NULL) < 0)
			status = mf_output_fail(err, w->out, "write", "prior_family");
		if (ds >= 0)
			H5Dclose(ds);
		if (string >= 0)
			H5Tclose(string);
	}

	for (size_t t = 0; t < T; t++) {
		t5[t] = p->observed[t];
		t5[T + t] = p->tolerance[t];
		t5[2 * T + t] = p->at_least[t];
		t5[3 * T + t] = p->q05[t];
		t5[4 * T + t] = p->q50[t];
		t5[5 * T + t] = p->q95[t];
		inside[t] = p->inside[t];
	}
	VAR("target_observed", "observed value", NULL, t5, P_TARGET);
	VAR("target_tolerance", "relative tolerance", "1", t5 + T, P_TARGET);
	VAR("target_at_least", "1 when the observation is a lower bound", "1", t5 + 2 * T, P_TARGET);
	if (complete && M > 0) {
		double *draws = t5 + 6 * T;
		for (size_t m = 0; m < M; m++)
			draws[m] = p->draw_particle[m];
		VAR("draw_particle", "particle of the last generation drawn", "1", draws, P_DRAW);
		VAR("predictive", "posterior predictive value of the target", NULL, p->predictive,
		    P_DRAW, P_TARGET);
		VAR("predictive_q05", "posterior predictive 5th percentile", NULL, t5 + 3 * T, P_TARGET);
		VAR("predictive_q50", "posterior predictive median", NULL, t5 + 4 * T, P_TARGET);
		VAR("predictive_q95", "posterior predictive 95th percentile", NULL, t5 + 5 * T, P_TARGET);
		if (status == MF_OK)
			status = put_var(w, "predictive_inside",
					 "1 when the observation is inside the predictive 90 % interval",
					 "1", 1, (const enum pdim[]){P_TARGET}, inside, true, err);
	}
done:
	free(names);
	free(families);
	free(a);
	free(b);
	free(c);
	free(d);
	free(g1);
	free(k8);
	free(t5);
	free(inside);
	return status;
}

enum mf_status mf_posterior_write(const char *path, const struct mf_posterior *posterior,
				  const struct mf_scenario *scenario,
				  const struct mf_targets *targets, bool complete, bool force,
				  struct mf_error *err)
{
	if (!posterior || !posterior->abc || posterior->abc->n_generations == 0)
		return mf_error_set(err, MF_ERR_INTERNAL, "posterior: nothing to write");
	enum mf_status status = mf_output_check_path(path, force, err);
	if (status != MF_OK)
		return status;
	struct writer w = { .out = mf_output_new(path, OUTPUT_BATCH, err) };
	if (!w.out)
		return err->code;
	for (int d = 0; d < P_COUNT; d++)
		w.scales[d] = -1;
	struct mf_h5_quiet quiet;
	mf_h5_quiet_begin(&quiet, w.out->hdf5_detail);
	w.out->file = mf_h5_create_file(w.out->partial);
	if (w.out->file < 0)
		status = mf_output_fail(err, w.out, "create the file", NULL);
	else
		status = write_all(&w, posterior, scenario, targets, complete, err);
	for (int d = 0; d < P_COUNT; d++)
		if (w.scales[d] >= 0)
			H5Dclose(w.scales[d]);
	if (status == MF_OK) {
		if (H5Fclose(w.out->file) < 0) {
			w.out->file = -1;
			status = mf_output_fail(err, w.out, "close the file", NULL);
		} else {
			w.out->file = -1;
			if (rename(w.out->partial, w.out->path) < 0)
				status = mf_error_set(err, MF_ERR_IO, "cannot write %s: %s", path,
						      strerror(errno));
		}
	}
	/* After the rename only the names are left to free (the partial file
	 * is gone); after a failure the partial file goes too. */
	mf_output_drop(w.out);
	mf_h5_quiet_end(&quiet);
	return status;
}

/* ---- reading ---- */

static enum mf_status read_size(struct mf_reader *r, const char *name, size_t *n,
				struct mf_error *err)
{
	uint64_t size = 0;
	enum mf_status status = mf_reader_dimension_size(r, name, &size, err);
	*n = (size_t)size;
	return status;
}

/* Exactly count values of variable name into into. */
static enum mf_status read_exact(struct mf_reader *r, const char *name, double *into,
				 size_t count, struct mf_error *err)
{
	struct mf_shape shape;
	double *values = NULL;
	enum mf_status status = mf_reader_read_doubles(r, name, &shape, &values, err);
	if (status != MF_OK)
		return status;
	size_t n = 1;
	for (int a = 0; a < shape.rank; a++)
		n *= (size_t)shape.dims[a];
	if (n != count)
		status = mf_error_set(err, MF_ERR_INPUT, "%s: '%s' holds %zu values, %zu expected",
				      mf_reader_name(r), name, n, count);
	else
		memcpy(into, values, count * sizeof(double));
	free(values);
	return status;
}

static enum mf_status int_attribute(struct mf_reader *r, const char *name, int *value,
				    struct mf_error *err)
{
	int64_t v = 0;
	enum mf_status status = mf_reader_int_attribute(r, NULL, name, &v, err);
	if (status == MF_OK && (v < INT32_MIN || v > INT32_MAX))
		status = mf_error_set(err, MF_ERR_INPUT, "%s: attribute '%s' out of range",
				      mf_reader_name(r), name);
	*value = (int)v;
	return status;
}

struct mf_posterior *mf_posterior_read(const char *path, bool allow_checkpoint,
				       char **scenario_text, struct mf_error *err)
{
	struct mf_reader *r = mf_reader_open(path, err);
	if (!r)
		return NULL;
	struct mf_posterior *p = NULL;
	char **labels = NULL, **targets = NULL, **families = NULL;
	double *buffer = NULL;
	size_t G = 0, N = 0, K = 0, T = 0, M = 0;
	int marker = 0, complete = 0;
	if (!mf_reader_has_attribute(r, NULL, "migflow_posterior") ||
	    int_attribute(r, "migflow_posterior", &marker, err) != MF_OK ||
	    marker != 1) {
		mf_error_set(err, MF_ERR_INPUT, "%s: not a migflow posterior file (made by migflow posterior)", path);
		goto fail;
	}
	if (int_attribute(r, "complete", &complete, err) != MF_OK)
		goto fail;
	if (!complete && !allow_checkpoint) {
		mf_error_set(err, MF_ERR_INPUT, "%s: an unfinished posterior (a checkpoint): "
			     "run migflow posterior again to finish it", path);
		goto fail;
	}
	if (read_size(r, "generation", &G, err) != MF_OK || read_size(r, "particle", &N, err) != MF_OK ||
	    read_size(r, "parameter", &K, err) != MF_OK || read_size(r, "target", &T, err) != MF_OK ||
	    read_size(r, "draw", &M, err) != MF_OK)
		goto fail;
	if (G < 1 || N < 2 || K < 1 || K > MF_ABC_MAX_PARAMETERS) {
		mf_error_set(err, MF_ERR_INPUT, "%s: %zu generations, %zu particles, %zu parameters",
			     path, G, N, K);
		goto fail;
	}
	p = mf_posterior_create((int)K, (int)T);
	if (!p || !(p->abc = mf_abc_result_create(K, N, G)) ||
	    !(buffer = malloc((G * N * K + G * 4 + K * 8 + 1) * sizeof(double)))) {
		mf_error_set(err, MF_ERR_NOMEM, "out of memory");
		goto fail;
	}
	size_t n_labels = 0, n_targets = 0, n_families = 0;
	if (mf_reader_labels(r, "parameter", &labels, &n_labels, err) != MF_OK ||
	    mf_reader_labels(r, "target", &targets, &n_targets, err) != MF_OK ||
	    mf_reader_labels(r, "prior_family", &families, &n_families, err) != MF_OK)
		goto fail;
	for (size_t j = 0; j < K; j++) {
		snprintf(p->params[j].name, sizeof(p->params[j].name), "%s", labels[j]);
		p->priors[j].log_scale = strncmp(families[j], "log-", 4) == 0;
		p->priors[j].family = strstr(families[j], "normal") ? MF_ABC_NORMAL : MF_ABC_UNIFORM;
	}
	for (size_t t = 0; t < T; t++)
		snprintf(p->target_names[t], MF_NAME_MAX, "%s", targets[t]);

#define READ(name, into, count)                                                         \
	do {                                                                            \
		if (read_exact(r, name, into, count, err) != MF_OK)         \
			goto fail;                                                      \
	} while (0)
	READ("particles", buffer, G * N * K);
	for (size_t g = 0; g < G; g++)
		memcpy(p->abc->generations[g].particles, buffer + g * N * K, N * K * sizeof(double));
	READ("particles_working", buffer, G * N * K);
	for (size_t g = 0; g < G; g++)
		memcpy(p->abc->generations[g].working, buffer + g * N * K, N * K * sizeof(double));
	READ("weights", buffer, G * N);
	for (size_t g = 0; g < G; g++)
		memcpy(p->abc->generations[g].weights, buffer + g * N, N * sizeof(double));
	READ("distances", buffer, G * N);
	for (size_t g = 0; g < G; g++)
		memcpy(p->abc->generations[g].distances, buffer + g * N, N * sizeof(double));
	READ("tolerance", buffer, G);
	READ("ess", buffer + G, G);
	READ("acceptance_rate", buffer + 2 * G, G);
	READ("simulations", buffer + 3 * G, G);
	for (size_t g = 0; g < G; g++) {
		struct mf_abc_generation *gen = &p->abc->generations[g];
		gen->tolerance = buffer[g];
		gen->ess = buffer[G + g];
		gen->acceptance_rate = buffer[2 * G + g];
		gen->simulations = (uint64_t)buffer[3 * G + g];
		p->abc->simulations += gen->simulations;
	}
	READ("prior_min", buffer, K);
	READ("prior_max", buffer + K, K);
	READ("prior_mean", buffer + 2 * K, K);
	READ("prior_sd", buffer + 3 * K, K);
	for (size_t j = 0; j < K; j++) {
		p->priors[j].min = buffer[j];
		p->priors[j].max = buffer[K + j];
		p->priors[j].mean = buffer[2 * K + j];
		p->priors[j].sd = buffer[3 * K + j];
		p->params[j].min = buffer[j];
		p->params[j].max = buffer[K + j];
	}
	if (T > 0) {
		double *t3 = malloc(T * 3 * sizeof(double));
		if (!t3) {
			mf_error_set(err, MF_ERR_NOMEM, "out of memory");
			goto fail;
		}
		enum mf_status s = read_exact(r, "target_observed", t3, T, err);
		if (s == MF_OK)
			s = read_exact(r, "target_tolerance", t3 + T, T, err);
		if (s == MF_OK)
			s = read_exact(r, "target_at_least", t3 + 2 * T, T, err);
		for (size_t t = 0; s == MF_OK && t < T; t++) {
			p->observed[t] = t3[t];
			p->tolerance[t] = t3[T + t];
			p->at_least[t] = t3[2 * T + t] != 0;
		}
		free(t3);
		if (s != MF_OK)
			goto fail;
	}
	if (complete && M > 0 && mf_reader_has(r, "predictive")) {
		p->n_draws = (int)M;
		p->predictive = malloc((M * T + 1) * sizeof(double));
		p->draw_particle = calloc(M, sizeof(int));
		double *draws = malloc(M * sizeof(double));
		double *q = malloc((4 * T + 1) * sizeof(double));
		enum mf_status s = p->predictive && p->draw_particle && draws && q ? MF_OK
				   : mf_error_set(err, MF_ERR_NOMEM, "out of memory");
		if (s == MF_OK)
			s = read_exact(r, "predictive", p->predictive, M * T, err);
		if (s == MF_OK)
			s = read_exact(r, "draw_particle", draws, M, err);
		if (s == MF_OK)
			s = read_exact(r, "predictive_q05", q, T, err);
		if (s == MF_OK)
			s = read_exact(r, "predictive_q50", q + T, T, err);
		if (s == MF_OK)
			s = read_exact(r, "predictive_q95", q + 2 * T, T, err);
		if (s == MF_OK)
			s = read_exact(r, "predictive_inside", q + 3 * T, T, err);
		for (size_t m = 0; s == MF_OK && m < M; m++)
			p->draw_particle[m] = (int)draws[m];
		for (size_t t = 0; s == MF_OK && t < T; t++) {
			p->q05[t] = q[t];
			p->q50[t] = q[T + t];
			p->q95[t] = q[2 * T + t];
			p->inside[t] = q[3 * T + t] != 0;
		}
		free(draws);
		free(q);
		if (s != MF_OK)
			goto fail;
	}
#undef READ
	/* The settings. */
	int64_t number;
	if (mf_reader_int_attribute(r, NULL, "seed", &number, err) != MF_OK)
		goto fail;
	p->options.seed = (uint64_t)number;
	if (int_attribute(r, "particles", &p->options.particles, err) != MF_OK ||
	    mf_reader_double_attribute(r, NULL, "quantile", &p->options.quantile, err) != MF_OK ||
	    int_attribute(r, "agent_scale", &p->options.agent_scale, err) != MF_OK ||
	    int_attribute(r, "max_generations", &p->options.max_generations, err) != MF_OK ||
	    mf_reader_double_attribute(r, NULL, "min_acceptance", &p->options.min_acceptance, err) != MF_OK ||
	    int_attribute(r, "predictive_draws", &p->options.predictive_draws, err) != MF_OK ||
	    mf_reader_double_attribute(r, NULL, "wall_seconds", &p->wall_seconds, err) != MF_OK)
		goto fail;
	if (mf_reader_int_attribute(r, NULL, "budget", &number, err) != MF_OK)
		goto fail;
	p->options.budget = (uint64_t)number;
	if (mf_reader_int_attribute(r, NULL, "early_stops", &number, err) != MF_OK)
		goto fail;
	p->early_stops = (uint64_t)number;
	if (complete) {
		/* With the simulations of a generation the budget cut short. */
		if (mf_reader_int_attribute(r, NULL, "simulations", &number, err) != MF_OK)
			goto fail;
		p->abc->simulations = (uint64_t)number;
		char *stop = NULL;
		if (mf_reader_text_attribute(r, NULL, "stop", &stop, err) != MF_OK)
			goto fail;
		for (int s = 0; s < 4; s++)
			if (strcmp(stop, mf_abc_stop_name((enum mf_abc_stop)s)) == 0)
				p->abc->stop = (enum mf_abc_stop)s;
		free(stop);
		if (!mf_abc_summarise(p->abc)) {
			mf_error_set(err, MF_ERR_NOMEM, "out of memory");
			goto fail;
		}
	}
	char *scenario_path = NULL;
	if (mf_reader_text_attribute(r, NULL, "scenario_path", &scenario_path, err) != MF_OK)
		goto fail;
	snprintf(p->scenario_path, sizeof(p->scenario_path), "%s", scenario_path);
	free(scenario_path);
	if (scenario_text && mf_reader_text_attribute(r, NULL, "scenario", scenario_text, err) != MF_OK)
		goto fail;
	if ((size_t)p->options.particles != N) {
		mf_error_set(err, MF_ERR_INPUT, "%s: %d particles said, %zu stored", path,
			     p->options.particles, N);
		goto fail;
	}
	goto done;
fail:
	mf_posterior_destroy(p);
	p = NULL;
done:
	mf_reader_labels_free(labels, K);
	mf_reader_labels_free(targets, T);
	mf_reader_labels_free(families, K);
	free(buffer);
	mf_reader_close(r);
	return p;
}
