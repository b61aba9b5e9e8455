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
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "migflow/output.h"
#include "migflow/reader.h"

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

static enum mf_status fail(struct mf_error *err, const char *path, const char *what)
{
	return mf_error_set(err, MF_ERR_IO, "%s: cannot %s", path, what);
}

static enum mf_status not_a_run(struct mf_error *err, const char *path, const char *what)
{
	return mf_error_at(err, path, 0, 0, "", "not a migflow flee run file: %s", what);
}

/* Opens a run file for reading (the ARD is stored later through
 * mf_output_amend): a missing or unreadable file, or one that is not HDF5,
 * is bad input; failing to open an HDF5 file is an I/O error. */
static struct mf_reader *open_run(const char *path, bool write, struct mf_error *err)
{
	/* BATCH.h5#MEMBER, as compare names a batch member: read, not stored. */
	const char *hash = strrchr(path, '#');
	if (hash && access(path, F_OK) != 0) {
		char file[4096], group[4096];
		snprintf(file, sizeof(file), "%.*s", (int)(hash - path), path);
		snprintf(group, sizeof(group), "members/%s", hash + 1);
		if (write) {
			mf_error_at(err, path, 0, 0, "", "a batch member is read, not written: "
				    "validate it with --no-store");
			return NULL;
		}
		if (access(file, R_OK) != 0) {
			mf_error_at(err, file, 0, 0, "", "cannot read: %s", strerror(errno));
			return NULL;
		}
		return mf_reader_open_group(file, group, err);
	}
	if (access(path, write ? R_OK | W_OK : R_OK) != 0) {
		mf_error_at(err, path, 0, 0, "", "cannot %s: %s", write ? "read and write" : "read",
			    strerror(errno));
		return NULL;
	}
	struct mf_reader *run = mf_reader_open_group(path, NULL, err);
	/* The file is readable: the reader refuses it as input only when it is
	 * not HDF5. */
	if (!run && err->code == MF_ERR_INPUT)
		not_a_run(err, path, "not an HDF5 file");
	else if (!run)
		fail(err, path, "open it");
	return run;
}

static int read_int_attr(struct mf_reader *run, const char *name, int *value)
{
	int64_t number = 0;
	if (mf_reader_int_attribute(run, NULL, name, &number, NULL) != MF_OK || number < INT_MIN ||
	    number > INT_MAX)
		return -1;
	*value = (int)number;
	return 0;
}

enum mf_status mf_flee_run_agent_scale(const char *path, int *agent_scale, struct mf_error *err)
{
	enum mf_status status = MF_OK;
	struct mf_reader *run = open_run(path, false, err);
	if (!run)
		status = err->code;
	else if (read_int_attr(run, "agent_scale", agent_scale) < 0 || *agent_scale < 1)
		status = not_a_run(err, path, "no agent_scale attribute");
	mf_reader_close(run);
	return status;
}

/* Reads a one-dimensional string variable of n entries into names
 * (n * NAME_SIZE bytes). */
static int read_names(struct mf_reader *run, const char *name, int n, char *names)
{
	char **values = NULL;
	size_t count = 0;
	if (mf_reader_labels(run, name, &values, &count, NULL) != MF_OK)
		return -1;
	int status = count == (size_t)n ? 0 : -1;
	for (int i = 0; status == 0 && i < n; i++)
		snprintf(names + (size_t)i * NAME_SIZE, NAME_SIZE, "%s", values[i]);
	mf_reader_labels_free(values, count);
	return status;
}

/* agents[(r * days + t) * P + p] from occupancy([replicate,] time, place,
 * intent) / agent_scale; *replicates is 0 without a replicate dimension. */
static enum mf_status read_agents(struct mf_reader *run, const char *path,
				  const struct mf_flee_instance *inst, int scale, int64_t **agents,
				  int *replicates, int *days, struct mf_error *err)
{
	enum mf_status status = MF_OK;
	int P = inst->n_locations;
	struct mf_shape shape;
	int rank = mf_reader_shape(run, "occupancy", &shape, NULL) == MF_OK ? shape.rank : -1;
	uint64_t dims[4] = {1, 1, 1, 1}, *own = dims;
	int64_t *values = NULL;
	if (rank == 3)
		own = dims + 1; /* no replicate dimension: dims[0] stays 1 */
	for (int a = 0; (rank == 3 || rank == 4) && a < rank; a++)
		own[a] = shape.dims[a];
	if ((rank != 3 && rank != 4) || dims[2] != (uint64_t)P || dims[1] < 1 || dims[0] < 1) {
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
	static const uint64_t origin[4];
	if (mf_reader_read_int64_block(run, "occupancy", rank, origin, shape.dims, values, NULL) !=
	    MF_OK) {
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
static enum mf_status store_ard(const char *path, const struct mf_flee_instance *inst,
				const struct mf_flee_run_ard *result, struct mf_error *err)
{
	static const char *const dimensions[2] = {"replicate", "time"};
	bool ensemble = result->replicates > 0;
	int rank = ensemble ? 2 : 1, n = result->n, days = result->ard[0].days;
	const char *const *along = ensemble ? dimensions : dimensions + 1;
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
	const struct mf_output_variable variables[] = {
		{"ard", ARD_LONG_NAME, "1", rank, along, ard},
		{"ard_rescaled", ARD_RESCALED_LONG_NAME, "1", rank, along, rescaled},
		{"ard_replicate_mean", "mean over the days of ard, per replicate", "1", 1,
		 dimensions, means},
		{"ard_rescaled_replicate_mean", "mean over the days of ard_rescaled, per replicate",
		 "1", 1, dimensions, means + n},
	};
	const struct mf_output_attribute attributes[] = {
		{"ard_mean", NULL, result->mean},
		{"ard_rescaled_mean", NULL, result->mean_rescaled},
		{"ard_camps", camps, 0},
	};
	status = mf_output_amend(path, ensemble ? 4 : 2, variables, 3, attributes, err);
done:
	free(ard);
	free(rescaled);
	free(means);
	free(camps);
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
	enum mf_status status = MF_OK;
	int P = inst->n_locations, scale = 0, days = 0, replicates = 0;
	char *names = calloc((size_t)P, NAME_SIZE);
	int64_t *agents = NULL;
	struct mf_reader *run = NULL;
	if (!names) {
		status = mf_error_set(err, MF_ERR_NOMEM, "out of memory reading %s", path);
		goto done;
	}
	if (!(run = open_run(path, store, err))) {
		status = err->code;
		goto done;
	}
	if (read_int_attr(run, "agent_scale", &scale) < 0 || scale < 1) {
		status = not_a_run(err, path, "no agent_scale attribute");
		goto done;
	}
	if (scale != inst->settings.hasten) {
		status = mf_error_set(err, MF_ERR_INPUT,
				      "%s was run with hasten %d but the instance was read with hasten %d",
				      path, scale, inst->settings.hasten);
		goto done;
	}
	if (read_names(run, "place_name", P, names) < 0) {
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
	if ((status = read_agents(run, path, inst, scale, &agents, &replicates, &days, err)) != MF_OK)
		goto done;
	mf_reader_close(run); /* store_ard opens the file for writing */
	run = NULL;
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
		status = store_ard(path, inst, result, err);
done:
	mf_reader_close(run);
	if (status != MF_OK)
		mf_flee_run_ard_free(result);
	free(agents);
	free(names);
	return status;
}
