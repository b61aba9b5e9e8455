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
			data[c] = (double)mf_flee_camp_data(inst, c, t);
			untot += data[c];
			simtot += (double)at[inst->camp_location[c]];
		}
		double diff = 0, diff_rescaled = 0;
		for (int c = 0; c < C; c++) {
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

/* agents[t * P + p] from occupancy(time, place, intent) / agent_scale. */
static enum mf_status read_agents(hid_t file, const char *path, const struct mf_flee_instance *inst,
				  int scale, int64_t **agents, int *days, struct mf_error *err)
{
	enum mf_status status = MF_OK;
	int P = inst->n_locations;
	hid_t dataset = H5Dopen2(file, "occupancy", H5P_DEFAULT);
	hid_t space = dataset >= 0 ? H5Dget_space(dataset) : -1;
	hsize_t dims[3];
	int64_t *values = NULL;
	if (space < 0 || H5Sget_simple_extent_ndims(space) != 3 ||
	    H5Sget_simple_extent_dims(space, dims, NULL) < 0 || dims[1] != (hsize_t)P || dims[0] < 1) {
		status = not_a_run(err, path, "no occupancy(time, place, intent) for the instance's locations");
		goto done;
	}
	size_t n = (size_t)(dims[0] * dims[1] * dims[2]);
	values = malloc(n * sizeof(int64_t));
	*agents = calloc((size_t)dims[0] * (size_t)P, sizeof(int64_t));
	if (!values || !*agents) {
		status = mf_error_set(err, MF_ERR_NOMEM, "out of memory reading %s", path);
		goto done;
	}
	if (H5Dread(dataset, H5T_NATIVE_INT64, H5S_ALL, H5S_ALL, H5P_DEFAULT, values) < 0) {
		status = fail(err, path, "read occupancy");
		goto done;
	}
	for (size_t t = 0; t < dims[0]; t++)
		for (int p = 0; p < P; p++) {
			int64_t persons = 0;
			for (size_t k = 0; k < dims[2]; k++)
				persons += values[(t * (size_t)P + (size_t)p) * dims[2] + k];
			(*agents)[t * (size_t)P + (size_t)p] = persons / scale;
		}
	*days = (int)dims[0];
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

/* Writes values[days] as the variable name(time): created with attribute
 * creation order tracked (netCDF-4 needs it) and the time dimension scale
 * attached, or overwritten when a previous validation wrote it. */
static herr_t write_series(hid_t file, hid_t time, const char *name, const char *long_name,
			   const double *values, int days)
{
	herr_t status = -1;
	hid_t dataset;
	if (H5Lexists(file, name, H5P_DEFAULT) > 0) {
		dataset = H5Dopen2(file, name, H5P_DEFAULT);
	} else {
		hsize_t dims[1] = {(hsize_t)days};
		hid_t space = H5Screate_simple(1, dims, NULL);
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
		if (dataset >= 0 && H5DSattach_scale(dataset, time, 0) < 0) {
			H5Dclose(dataset);
			return -1;
		}
	}
	if (dataset < 0)
		return -1;
	hid_t space = H5Dget_space(dataset);
	hsize_t dims[1];
	if (space >= 0 && H5Sget_simple_extent_ndims(space) == 1 &&
	    H5Sget_simple_extent_dims(space, dims, NULL) >= 0 && dims[0] == (hsize_t)days &&
	    H5Dwrite(dataset, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, values) >= 0 &&
	    put_string_attr(dataset, "units", "1") >= 0 && put_string_attr(dataset, "long_name", long_name) >= 0)
		status = 0;
	if (space >= 0)
		H5Sclose(space);
	if (H5Dclose(dataset) < 0)
		status = -1;
	return status;
}

static enum mf_status store_ard(hid_t file, const char *path, const struct mf_flee_ard *ard,
				struct mf_error *err)
{
	hid_t time = H5Dopen2(file, "time", H5P_DEFAULT);
	if (time < 0)
		return not_a_run(err, path, "no time dimension");
	enum mf_status status = MF_OK;
	if (write_series(file, time, "ard",
			 "FLEE averaged relative difference of camp populations: "
			 "sum over camps of |sim - data| / max(1, sum of data)",
			 ard->ard, ard->days) < 0 ||
	    write_series(file, time, "ard_rescaled",
			 "FLEE averaged relative difference with the simulated camp total "
			 "rescaled to the data's",
			 ard->ard_rescaled, ard->days) < 0 ||
	    put_double_attr(file, "ard_mean", ard->mean) < 0 ||
	    put_double_attr(file, "ard_rescaled_mean", ard->mean_rescaled) < 0)
		status = fail(err, path, "write the ARD variables");
	if (H5Dclose(time) < 0 && status == MF_OK)
		status = fail(err, path, "write the ARD variables");
	return status;
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
				  struct mf_flee_ard *ard, struct mf_error *err)
{
	memset(ard, 0, sizeof(*ard));
	struct quiet q;
	quiet_begin(&q);
	enum mf_status status = MF_OK;
	int P = inst->n_locations, scale = 0, days = 0;
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
	if ((status = read_agents(file, path, inst, scale, &agents, &days, err)) != MF_OK ||
	    (status = mf_flee_ard_compute(inst, agents, days, ard, err)) != MF_OK)
		goto done;
	if (store)
		status = store_ard(file, path, ard, err);
done:
	if (file >= 0 && H5Fclose(file) < 0 && status == MF_OK)
		status = fail(err, path, "close it");
	if (status != MF_OK)
		mf_flee_ard_free(ard);
	free(agents);
	free(names);
	quiet_end(&q);
	return status;
}
