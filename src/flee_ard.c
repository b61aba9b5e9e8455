/* FLEE's validation measure, the averaged relative difference (ARD), and
 * storing it in a run file.
 *
 * On day t, with sim_c the agents in camp c at the end of the day and data_c
 * the camp's UNHCR count (interpolated, corrected for level-1 registrations,
 * divided by hasten; FLEE.md 6 and 7):
 *
 *   ard(t)          = sum_c |sim_c - data_c| / max(1, sum_c data_c)
 *   ard_rescaled(t) = the same with sim_c * sum_c data_c / sum_c sim_c
 *                     (0 when the camps are empty in the simulation)
 *
 * and the reported figures are their means over the days of the run, as
 * FLEE's extract-validation-results.py computes them from out.csv. */
#include "migflow/flee.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <hdf5.h>
#include <hdf5_hl.h>

#define NAME_SIZE 64 /* MF_NAME_MAX, the output's place_name */

void mf_flee_ard_free(struct mf_flee_ard *ard)
{
	if (!ard)
		return;
	free(ard->ard);
	free(ard->ard_rescaled);
	ard->ard = ard->ard_rescaled = NULL;
	ard->days = 0;
}

enum mf_status mf_flee_ard_compute(const struct mf_flee_instance *inst, const int64_t *agents, int days,
				   struct mf_flee_ard *ard, struct mf_error *err)
{
	memset(ard, 0, sizeof(*ard));
	if (days < 1)
		return mf_error_set(err, MF_ERR_INTERNAL, "ARD of a run of %d days", days);
	int C = inst->n_camps, P = inst->n_locations;
	ard->ard = calloc((size_t)days, sizeof(double));
	ard->ard_rescaled = calloc((size_t)days, sizeof(double));
	double *data = calloc(C ? (size_t)C : 1, sizeof(double));
	if (!ard->ard || !ard->ard_rescaled || !data) {
		free(data);
		mf_flee_ard_free(ard);
		return mf_error_set(err, MF_ERR_NOMEM, "out of memory computing the ARD");
	}
	ard->days = days;
	double sum = 0, sum_rescaled = 0;
	for (int t = 0; t < days; t++) {
		const int64_t *at = agents + (size_t)t * (size_t)P;
		double untot = 0, simtot = 0;
		for (int c = 0; c < C; c++) {
			if (inst->camp_location[c] < 0)
				continue; /* not a camp of the simulation: not scored */
			data[c] = (double)mf_flee_camp_data(inst, c, t);
			untot += data[c];
			simtot += (double)at[inst->camp_location[c]];
		}
		double diff = 0, diff_rescaled = 0;
		for (int c = 0; c < C; c++) {
			if (inst->camp_location[c] < 0)
				continue;
			double sim = (double)at[inst->camp_location[c]];
			double rescaled = simtot > 0 ? sim * untot / simtot : 0;
			diff += fabs(sim - data[c]);
			diff_rescaled += fabs(rescaled - data[c]);
		}
		double denominator = untot > 1 ? untot : 1;
		ard->ard[t] = diff / denominator;
		ard->ard_rescaled[t] = diff_rescaled / denominator;
		sum += ard->ard[t];
		sum_rescaled += ard->ard_rescaled[t];
	}
	ard->mean = sum / days;
	ard->mean_rescaled = sum_rescaled / days;
	free(data);
	return MF_OK;
}

/* ---- the run file ---- */

/* HDF5 prints its error stack by default; the library must not print.
 * While a public function runs, automatic printing is off. */
struct quiet {
	H5E_auto2_t func;
	void *data;
};

static void quiet_begin(struct quiet *q)
{
	if (H5Eget_auto2(H5E_DEFAULT, &q->func, &q->data) < 0) {
		q->func = NULL;
		q->data = NULL;
	}
	(void)H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
}

static void quiet_end(const struct quiet *q)
{
	(void)H5Eset_auto2(H5E_DEFAULT, q->func, q->data);
}

static enum mf_status fail(struct mf_error *err, const char *path, const char *what)
{
	return mf_error_set(err, MF_ERR_IO, "%s: cannot %s", path, what);
}

static enum mf_status not_a_run(struct mf_error *err, const char *path, const char *what)
{
	return mf_error_at(err, path, 0, 0, "", "not a migflow flee run file: %s", what);
}

/* Opens a run file: a missing or unreadable file, or one that is not HDF5,
 * is bad input; failing to open an HDF5 file is an I/O error. */
static hid_t open_run(const char *path, bool write, struct mf_error *err)
{
	if (access(path, write ? R_OK | W_OK : R_OK) != 0) {
		mf_error_at(err, path, 0, 0, "", "cannot %s: %s", write ? "read and write" : "read",
			    strerror(errno));
		return -1;
	}
	if (H5Fis_hdf5(path) <= 0) {
		not_a_run(err, path, "not an HDF5 file");
		return -1;
	}
	hid_t file = H5Fopen(path, write ? H5F_ACC_RDWR : H5F_ACC_RDONLY, H5P_DEFAULT);
	if (file < 0)
		fail(err, path, write ? "open it for writing" : "open it");
	return file;
}

static herr_t read_int_attr(hid_t object, const char *name, int *value)
{
	hid_t attr = H5Aopen(object, name, H5P_DEFAULT);
	if (attr < 0)
		return -1;
	herr_t status = H5Aread(attr, H5T_NATIVE_INT, value);
	H5Aclose(attr);
	return status;
}

enum mf_status mf_flee_run_agent_scale(const char *path, int *agent_scale, struct mf_error *err)
{
	struct quiet q;
	quiet_begin(&q);
	enum mf_status status = MF_OK;
	hid_t file = open_run(path, false, err);
	if (file < 0)
		status = err->code;
	else if (read_int_attr(file, "agent_scale", agent_scale) < 0 || *agent_scale < 1)
		status = not_a_run(err, path, "no agent_scale attribute");
	if (file >= 0)
		H5Fclose(file);
	quiet_end(&q);
	return status;
}

/* Reads a one-dimensional string dataset of n entries into names
 * (n * NAME_SIZE bytes). */
static herr_t read_names(hid_t file, const char *name, int n, char *names)
{
	herr_t status = -1;
	hid_t dataset = H5Dopen2(file, name, H5P_DEFAULT);
	if (dataset < 0)
		return -1;
	hid_t space = H5Dget_space(dataset);
	hid_t type = H5Tcopy(H5T_C_S1);
	char **values = calloc((size_t)n, sizeof(*values));
	hsize_t dims[1];
	if (space < 0 || type < 0 || !values || H5Sget_simple_extent_ndims(space) != 1 ||
	    H5Sget_simple_extent_dims(space, dims, NULL) < 0 || dims[0] != (hsize_t)n ||
	    H5Tset_size(type, H5T_VARIABLE) < 0 || H5Tset_cset(type, H5T_CSET_UTF8) < 0)
		goto done;
	if (H5Dread(dataset, type, H5S_ALL, H5S_ALL, H5P_DEFAULT, values) < 0)
		goto done;
	for (int i = 0; i < n; i++)
		snprintf(names + (size_t)i * NAME_SIZE, NAME_SIZE, "%s", values[i] ? values[i] : "");
	H5Dvlen_reclaim(type, space, H5P_DEFAULT, values);
	status = 0;
done:
	free(values);
	if (type >= 0)
		H5Tclose(type);
	if (space >= 0)
		H5Sclose(space);
	H5Dclose(dataset);
	return status;
}

/* agents[(r * days + t) * P + p] from occupancy([replicate,] time, place,
 * intent) / agent_scale; *replicates is 0 without a replicate dimension. */
static enum mf_status read_agents(hid_t file, const char *path, const struct mf_flee_instance *inst,
				  int scale, int64_t **agents, int *replicates, int *days,
				  struct mf_error *err)
{
	enum mf_status status = MF_OK;
	int P = inst->n_locations;
	hid_t dataset = H5Dopen2(file, "occupancy", H5P_DEFAULT);
	hid_t space = dataset >= 0 ? H5Dget_space(dataset) : -1;
	int rank = space >= 0 ? H5Sget_simple_extent_ndims(space) : -1;
	hsize_t dims[4] = {1, 1, 1, 1}, *own = dims;
	int64_t *values = NULL;
	if (rank == 3)
		own = dims + 1; /* no replicate dimension: dims[0] stays 1 */
	if ((rank != 3 && rank != 4) || H5Sget_simple_extent_dims(space, own, NULL) < 0 ||
	    dims[2] != (hsize_t)P || dims[1] < 1 || dims[0] < 1) {
		status = not_a_run(err, path,
				   "no occupancy([replicate,] time, place, intent) for the instance's locations");
		goto done;
	}
	size_t rows = (size_t)(dims[0] * dims[1]);
	values = malloc(rows * (size_t)P * dims[3] * sizeof(int64_t));
	*agents = calloc(rows * (size_t)P, sizeof(int64_t));
	if (!values || !*agents) {
		status = mf_error_set(err, MF_ERR_NOMEM, "out of memory reading %s", path);
		goto done;
	}
	if (H5Dread(dataset, H5T_NATIVE_INT64, H5S_ALL, H5S_ALL, H5P_DEFAULT, values) < 0) {
		status = fail(err, path, "read occupancy");
		goto done;
	}
	for (size_t row = 0; row < rows; row++)
		for (int p = 0; p < P; p++) {
			int64_t persons = 0;
			for (size_t k = 0; k < dims[3]; k++)
				persons += values[(row * (size_t)P + (size_t)p) * dims[3] + k];
			(*agents)[row * (size_t)P + (size_t)p] = persons / scale;
		}
	*replicates = rank == 4 ? (int)dims[0] : 0;
	*days = (int)dims[1];
done:
	free(values);
	if (space >= 0)
		H5Sclose(space);
	if (dataset >= 0)
		H5Dclose(dataset);
	return status;
}

static herr_t put_string_attr(hid_t object, const char *name, const char *value)
{
	hid_t type = H5Tcopy(H5T_C_S1);
	hid_t space = H5Screate(H5S_SCALAR);
	herr_t status = -1;
	if (type >= 0 && space >= 0 && H5Tset_size(type, H5T_VARIABLE) >= 0 &&
	    H5Tset_cset(type, H5T_CSET_UTF8) >= 0) {
		if (H5Aexists(object, name) > 0)
			H5Adelete(object, name);
		hid_t attr = H5Acreate2(object, name, type, space, H5P_DEFAULT, H5P_DEFAULT);
		if (attr >= 0) {
			status = H5Awrite(attr, type, &value);
			if (H5Aclose(attr) < 0)
				status = -1;
		}
	}
	if (space >= 0)
		H5Sclose(space);
	if (type >= 0)
		H5Tclose(type);
	return status;
}

static herr_t put_double_attr(hid_t object, const char *name, double value)
{
	hid_t space = H5Screate(H5S_SCALAR);
	if (space < 0)
		return -1;
	if (H5Aexists(object, name) > 0)
		H5Adelete(object, name);
	herr_t status = -1;
	hid_t attr = H5Acreate2(object, name, H5T_IEEE_F64LE, space, H5P_DEFAULT, H5P_DEFAULT);
	if (attr >= 0) {
		status = H5Awrite(attr, H5T_NATIVE_DOUBLE, &value);
		if (H5Aclose(attr) < 0)
			status = -1;
	}
	H5Sclose(space);
	return status;
}

/* Writes values as the variable name(scales...) of rank 1 or 2 (the sizes
 * of the dimension scales given): created with attribute creation order
 * tracked (netCDF-4 needs it) and the scales attached, or overwritten when
 * a previous validation wrote it. */
static herr_t write_variable(hid_t file, int rank, const hid_t *scales, const char *name,
			     const char *long_name, const double *values)
{
	hsize_t dims[2];
	for (int d = 0; d < rank; d++) {
		hid_t space = H5Dget_space(scales[d]);
		hssize_t n = space >= 0 ? H5Sget_simple_extent_npoints(space) : -1;
		if (space >= 0)
			H5Sclose(space);
		if (n < 0)
			return -1;
		dims[d] = (hsize_t)n;
	}
	herr_t status = -1;
	hid_t dataset;
	if (H5Lexists(file, name, H5P_DEFAULT) > 0) {
		dataset = H5Dopen2(file, name, H5P_DEFAULT);
	} else {
		hid_t space = H5Screate_simple(rank, dims, NULL);
		hid_t dcpl = H5Pcreate(H5P_DATASET_CREATE);
		dataset = -1;
		if (space >= 0 && dcpl >= 0 &&
		    H5Pset_attr_creation_order(dcpl, H5P_CRT_ORDER_TRACKED | H5P_CRT_ORDER_INDEXED) >= 0 &&
		    H5Pset_obj_track_times(dcpl, false) >= 0)
			dataset = H5Dcreate2(file, name, H5T_IEEE_F64LE, space, H5P_DEFAULT, dcpl, H5P_DEFAULT);
		if (dcpl >= 0)
			H5Pclose(dcpl);
		if (space >= 0)
			H5Sclose(space);
		for (int d = 0; d < rank && dataset >= 0; d++)
			if (H5DSattach_scale(dataset, scales[d], (unsigned)d) < 0) {
				H5Dclose(dataset);
				return -1;
			}
	}
	if (dataset < 0)
		return -1;
	hid_t space = H5Dget_space(dataset);
	hsize_t have[2];
	bool fits = space >= 0 && H5Sget_simple_extent_ndims(space) == rank &&
		    H5Sget_simple_extent_dims(space, have, NULL) >= 0;
	for (int d = 0; d < rank && fits; d++)
		fits = have[d] == dims[d];
	if (fits && H5Dwrite(dataset, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, values) >= 0 &&
	    put_string_attr(dataset, "units", "1") >= 0 && put_string_attr(dataset, "long_name", long_name) >= 0)
		status = 0;
	if (space >= 0)
		H5Sclose(space);
	if (H5Dclose(dataset) < 0)
		status = -1;
	return status;
}

#define ARD_LONG_NAME                                                                              \
	"FLEE averaged relative difference of camp populations: sum over camps of |sim - data| / " \
	"max(1, sum of data)"
#define ARD_RESCALED_LONG_NAME                                                                     \
	"FLEE averaged relative difference with the simulated camp total rescaled to the data's"

/* The camps scored, by name, comma separated (caller frees). */
static char *scored_camps(const struct mf_flee_instance *inst)
{
	size_t size = 1;
	for (int c = 0; c < inst->n_camps; c++)
		size += strlen(inst->camp_label[c]) + 2;
	char *text = malloc(size);
	if (!text)
		return NULL;
	text[0] = '\0';
	for (int c = 0; c < inst->n_camps; c++) {
		if (inst->camp_location[c] < 0)
			continue;
		if (text[0])
			strcat(text, ", ");
		strcat(text, inst->camp_label[c]);
	}
	return text;
}

/* ard([replicate,] time), ard_rescaled(...), with an ensemble also the
 * per-replicate means ard_replicate_mean(replicate) and
 * ard_rescaled_replicate_mean(replicate); the attributes ard_mean and
 * ard_rescaled_mean (over the replicates) and ard_camps. */
static enum mf_status store_ard(hid_t file, const char *path, const struct mf_flee_instance *inst,
				const struct mf_flee_run_ard *result, struct mf_error *err)
{
	hid_t scales[2] = {-1, -1};
	bool ensemble = result->replicates > 0;
	int rank = ensemble ? 2 : 1, n = result->n, days = result->ard[0].days;
	if (ensemble && (scales[0] = H5Dopen2(file, "replicate", H5P_DEFAULT)) < 0)
		return not_a_run(err, path, "no replicate dimension");
	if ((scales[rank - 1] = H5Dopen2(file, "time", H5P_DEFAULT)) < 0) {
		if (scales[0] >= 0)
			H5Dclose(scales[0]);
		return not_a_run(err, path, "no time dimension");
	}
	enum mf_status status = MF_OK;
	double *ard = malloc((size_t)n * (size_t)days * sizeof(double));
	double *rescaled = malloc((size_t)n * (size_t)days * sizeof(double));
	double *means = malloc(2 * (size_t)n * sizeof(double));
	char *camps = scored_camps(inst);
	if (!ard || !rescaled || !means || !camps) {
		status = mf_error_set(err, MF_ERR_NOMEM, "out of memory storing the ARD in %s", path);
		goto done;
	}
	for (int r = 0; r < n; r++) {
		memcpy(ard + (size_t)r * (size_t)days, result->ard[r].ard, (size_t)days * sizeof(double));
		memcpy(rescaled + (size_t)r * (size_t)days, result->ard[r].ard_rescaled,
		       (size_t)days * sizeof(double));
		means[r] = result->ard[r].mean;
		means[n + r] = result->ard[r].mean_rescaled;
	}
	if (write_variable(file, rank, scales, "ard", ARD_LONG_NAME, ard) < 0 ||
	    write_variable(file, rank, scales, "ard_rescaled", ARD_RESCALED_LONG_NAME, rescaled) < 0 ||
	    (ensemble && (write_variable(file, 1, scales, "ard_replicate_mean",
					 "mean over the days of ard, per replicate", means) < 0 ||
			  write_variable(file, 1, scales, "ard_rescaled_replicate_mean",
					 "mean over the days of ard_rescaled, per replicate",
					 means + n) < 0)) ||
	    put_double_attr(file, "ard_mean", result->mean) < 0 ||
	    put_double_attr(file, "ard_rescaled_mean", result->mean_rescaled) < 0 ||
	    put_string_attr(file, "ard_camps", camps) < 0)
		status = fail(err, path, "write the ARD variables");
done:
	free(ard);
	free(rescaled);
	free(means);
	free(camps);
	for (int d = 0; d < rank; d++)
		if (scales[d] >= 0 && H5Dclose(scales[d]) < 0 && status == MF_OK)
			status = fail(err, path, "write the ARD variables");
	return status;
}

void mf_flee_run_ard_free(struct mf_flee_run_ard *result)
{
	if (!result)
		return;
	for (int r = 0; r < result->n; r++)
		mf_flee_ard_free(&result->ard[r]);
	free(result->ard);
	result->ard = NULL;
	result->n = 0;
}

/* The place_name each location of the instance has in a run file. */
static void expected_name(const char *name, char out[NAME_SIZE])
{
	size_t n = strlen(name);
	if (n >= NAME_SIZE) {
		n = NAME_SIZE - 1;
		while (n > 0 && ((unsigned char)name[n] & 0xc0) == 0x80)
			n--;
	}
	memcpy(out, name, n);
	out[n] = '\0';
}

enum mf_status mf_flee_ard_of_run(const char *path, const struct mf_flee_instance *inst, bool store,
				  struct mf_flee_run_ard *result, struct mf_error *err)
{
	memset(result, 0, sizeof(*result));
	struct quiet q;
	quiet_begin(&q);
	enum mf_status status = MF_OK;
	int P = inst->n_locations, scale = 0, days = 0, replicates = 0;
	char *names = calloc((size_t)P, NAME_SIZE);
	int64_t *agents = NULL;
	hid_t file = -1;
	if (!names) {
		status = mf_error_set(err, MF_ERR_NOMEM, "out of memory reading %s", path);
		goto done;
	}
	if ((file = open_run(path, store, err)) < 0) {
		status = err->code;
		goto done;
	}
	if (read_int_attr(file, "agent_scale", &scale) < 0 || scale < 1) {
		status = not_a_run(err, path, "no agent_scale attribute");
		goto done;
	}
	if (scale != inst->settings.hasten) {
		status = mf_error_set(err, MF_ERR_INPUT,
				      "%s was run with hasten %d but the instance was read with hasten %d",
				      path, scale, inst->settings.hasten);
		goto done;
	}
	if (read_names(file, "place_name", P, names) < 0) {
		status = mf_error_set(err, MF_ERR_INPUT,
				      "%s: its places are not the %d locations of %s", path, P, inst->dir);
		goto done;
	}
	for (int p = 0; p < P; p++) {
		char name[NAME_SIZE];
		expected_name(inst->locations[p].name, name);
		if (strcmp(name, names + (size_t)p * NAME_SIZE) != 0) {
			status = mf_error_set(err, MF_ERR_INPUT,
					      "%s: place %d is '%s' where %s has location '%s'", path, p,
					      names + (size_t)p * NAME_SIZE, inst->dir, name);
			goto done;
		}
	}
	if ((status = read_agents(file, path, inst, scale, &agents, &replicates, &days, err)) != MF_OK)
		goto done;
	int n = replicates > 0 ? replicates : 1;
	if (!(result->ard = calloc((size_t)n, sizeof(*result->ard)))) {
		status = mf_error_set(err, MF_ERR_NOMEM, "out of memory reading %s", path);
		goto done;
	}
	result->replicates = replicates;
	for (int r = 0; r < n; r++) {
		const int64_t *at = agents + (size_t)r * (size_t)days * (size_t)P;
		if ((status = mf_flee_ard_compute(inst, at, days, &result->ard[r], err)) != MF_OK)
			goto done;
		result->n = r + 1;
		result->mean += result->ard[r].mean / n;
		result->mean_rescaled += result->ard[r].mean_rescaled / n;
	}
	if (store)
		status = store_ard(file, path, inst, result, err);
done:
	if (file >= 0 && H5Fclose(file) < 0 && status == MF_OK)
		status = fail(err, path, "close it");
	if (status != MF_OK)
		mf_flee_run_ard_free(result);
	free(agents);
	free(names);
	quiet_end(&q);
	return status;
}
