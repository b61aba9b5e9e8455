/* Ensemble statistics: summary_<name>(statistic, time, ...) of an
 * ensemble, computed at mf_output_finish by reading the replicates back a
 * slab of days at a time (all replicates of a few days, about 4 MiB), so
 * memory stays bounded whatever the length of the run. */
#include "output_private.h"

#include <math.h>
#include <stdlib.h>

#define STAT_READ_BYTES ((size_t)4 << 20)

static const double statistic_quantiles[STAT_COUNT] = {0, 0.05, 0.50, 0.95};

double mf_output_percentile(const double *sorted, int n, double q)
{
	if (n < 1)
		return NAN;
	/* numpy's "linear" method: virtual index (n - 1) q, clipped to the
	 * ends, and its _lerp, which interpolates from the nearer end. */
	double index = (double)(n - 1) * q;
	if (!(index > 0))
		return sorted[0];
	if (index >= (double)(n - 1))
		return sorted[n - 1];
	double below = floor(index);
	int i = (int)below;
	double t = index - below;
	double a = sorted[i], b = sorted[i + 1], diff = b - a;
	return t >= 0.5 ? b - diff * (1 - t) : a + diff * t;
}

static int compare_doubles(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

/* Reads (write = false) or writes a slab [first, first + count) along the
 * first axis and [day, day + days) along the second of a dataset whose
 * further axes are dims[2..rank). */
static herr_t slab_io(hid_t dataset, bool write, hid_t memory_type, int rank,
		      const hsize_t *dims, hsize_t first, hsize_t count_first,
		      hsize_t day, hsize_t days, void *values)
{
	hsize_t start[MAX_RANK] = {0}, count[MAX_RANK];
	for (int a = 0; a < rank; a++)
		count[a] = dims[a];
	start[0] = first;
	count[0] = count_first;
	start[1] = day;
	count[1] = days;
	herr_t status = -1;
	hid_t memory = -1;
	hid_t space = H5Dget_space(dataset);
	if (space < 0)
		return -1;
	if (H5Sselect_hyperslab(space, H5S_SELECT_SET, start, NULL, count, NULL) < 0)
		goto close_space;
	memory = H5Screate_simple(rank, count, NULL);
	if (memory < 0)
		goto close_space;
	status = write ? H5Dwrite(dataset, memory_type, memory, space, H5P_DEFAULT, values)
		: H5Dread(dataset, memory_type, memory, space, H5P_DEFAULT, values);
	if (H5Sclose(memory) < 0)
		status = -1;
close_space:
	if (H5Sclose(space) < 0)
		status = -1;
	return status;
}

/* Fills summary_<name> of one series from the replicates in the file, a
 * slab of days at a time: all replicates of as many days as fit in
 * STAT_READ_BYTES (at least one). */
enum mf_status mf_output_summarise(struct mf_output *out, enum series which,
				   struct mf_error *err)
{
	struct series_data *series = &out->series[which];
	const char *name = mf_output_series_specs[which].name;
	if (series->summary < 0 || series->row == 0)
		return MF_OK;
	enum mf_status status = MF_OK;
	size_t replicates = (size_t)out->replicates;
	size_t row = series->row;
	size_t slab = STAT_READ_BYTES / (replicates * row * sizeof(int64_t));
	if (slab < 1)
		slab = 1;
	if (slab > (size_t)out->days)
		slab = (size_t)out->days;
	int64_t *values = malloc(replicates * slab * row * sizeof(*values));
	double *stats = malloc(STAT_COUNT * slab * row * sizeof(*stats));
	double *sorted = malloc(replicates * sizeof(*sorted));
	if (!values || !stats || !sorted) {
		status = mf_error_set(err, MF_ERR_NOMEM,
				      "output: no memory to summarise '%s'", name);
		goto done;
	}
	hsize_t summary_dims[MAX_RANK];
	summary_dims[0] = STAT_COUNT;
	for (int a = 1; a < series->rank; a++)
		summary_dims[a] = series->dims[a];
	for (size_t day = 0; day < (size_t)out->days; day += slab) {
		size_t days = slab;
		if (days > (size_t)out->days - day)
			days = (size_t)out->days - day;
		if (slab_io(series->dataset, false, H5T_NATIVE_INT64, series->rank,
			    series->dims, 0, replicates, day, days, values) < 0) {
			status = mf_output_fail(err, out, "read back", name);
			goto done;
		}
		size_t cells = days * row;
		for (size_t c = 0; c < cells; c++) {
			double sum = 0;
			for (size_t r = 0; r < replicates; r++) {
				sorted[r] = (double)values[r * cells + c];
				sum += sorted[r];
			}
			qsort(sorted, replicates, sizeof(*sorted), compare_doubles);
			stats[STAT_MEAN * cells + c] = sum / (double)replicates;
			for (int k = STAT_P05; k < STAT_COUNT; k++)
				stats[(size_t)k * cells + c] = mf_output_percentile(
					sorted, (int)replicates, statistic_quantiles[k]);
		}
		if (slab_io(series->summary, true, H5T_NATIVE_DOUBLE, series->rank,
			    summary_dims, 0, STAT_COUNT, day, days, stats) < 0) {
			status = mf_output_fail(err, out, "write the summary of", name);
			goto done;
		}
	}
done:
	free(sorted);
	free(stats);
	free(values);
	return status;
}
