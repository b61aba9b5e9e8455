/* Compare: the key indicators of two runs, their difference and a 90 %
 * interval of the difference over paired replicates
 * (include/migflow/compare.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "migflow/compare.h"
#include "migflow/date.h"
#include "migflow/indicators.h"
#include "migflow/output.h"

static const char *const indicator_keys[MF_COMPARE_COUNT] = {
	"monitor_passes_inbound", "monitor_passes_outbound", "monitor_passes_internal",
	"destination_arrivals", "deaths", "interceptions", "expulsions",
	"displaced_present", "present_in_country",
};

const char *mf_compare_key(enum mf_compare_indicator indicator)
{
	return (unsigned)indicator < MF_COMPARE_COUNT ? indicator_keys[indicator] : "?";
}

bool mf_compare_is_stock(enum mf_compare_indicator indicator)
{
	return indicator == MF_COMPARE_DISPLACED || indicator == MF_COMPARE_PRESENT_COUNTRY;
}

/* --- reading ---------------------------------------------------------------------- */

static enum mf_status fail_read(struct mf_error *err, const struct mf_compare_run *run, const char *what)
{
	return mf_error_set(err, MF_ERR_INPUT, "%s: %s", run->given, what);
}

static char *read_string_attribute(struct mf_reader *reader, const char *name)
{
	char *text = NULL;
	if (mf_reader_text_attribute(reader, NULL, name, &text, NULL) != MF_OK)
		return NULL;
	return text;
}

/* A one-dimensional text variable; free with free_strings. */
static char **read_strings(struct mf_reader *reader, const char *name, int *n)
{
	char **labels = NULL;
	size_t count = 0;
	*n = -1;
	if (mf_reader_labels(reader, name, &labels, &count, NULL) != MF_OK)
		return NULL;
	*n = (int)count;
	return labels;
}

static void free_strings(char **strings, int n)
{
	mf_reader_labels_free(strings, n > 0 ? (size_t)n : 0);
}

static int find_label(char **labels, int n, const char *label)
{
	for (int i = 0; i < n; i++)
		if (labels[i] && strcmp(labels[i], label) == 0)
			return i;
	return -1;
}

/* Dimensions of a dataset (rank <= 4); -1 on failure. */
static int dataset_dims(struct mf_reader *reader, const char *name, uint64_t dims[4])
{
	struct mf_shape shape;
	if (mf_reader_shape(reader, name, &shape, NULL) != MF_OK || shape.rank > 4)
		return -1;
	for (int a = 0; a < shape.rank; a++)
		dims[a] = shape.dims[a];
	return shape.rank;
}

/* Reads days [day, day + days) of replicate r of a series into values
 * (days x the product of its further axes, as int64); -1 on failure. */
static int read_days(const struct mf_compare_run *run, const char *name, int r, int day, int days,
		     int64_t **values, size_t *row)
{
	uint64_t dims[4], start[4] = {0}, count[4];
	int rank = dataset_dims(run->reader, name, dims);
	int time_axis = run->replicates > 0 ? 1 : 0;
	if (rank < time_axis + 1)
		return -1;
	*row = 1;
	for (int a = 0; a < rank; a++) {
		count[a] = dims[a];
		if (a > time_axis)
			*row *= (size_t)dims[a];
	}
	if (time_axis) {
		start[0] = (uint64_t)r;
		count[0] = 1;
	}
	start[time_axis] = (uint64_t)day;
	count[time_axis] = (uint64_t)days;
	*values = calloc((size_t)days * *row + 1, sizeof(int64_t));
	if (!*values)
		return -1;
	if ((size_t)days * *row == 0)
		return 0;
	return mf_reader_read_int64_block(run->reader, name, rank, start, count, *values, NULL) ==
	       MF_OK ? 0 : -1;
}

void mf_compare_run_close(struct mf_compare_run *run)
{
	if (!run)
		return;
	free_strings(run->place_country, run->n_places);
	run->place_country = NULL;
	free(run->values);
	free(run->drawn);
	run->values = NULL;
	run->drawn = NULL;
	mf_reader_close(run->reader);
	run->reader = NULL;
}

enum mf_status mf_compare_run_open(struct mf_compare_run *run, const char *given,
				   struct mf_error *err)
{
	memset(run, 0, sizeof(*run));
	run->given = given;
	const char *hash = strrchr(given, '#');
	size_t length = hash ? (size_t)(hash - given) : strlen(given);
	if (length >= sizeof(run->path))
		return fail_read(err, run, "path too long");
	memcpy(run->path, given, length);
	run->path[length] = '\0';
	if (hash && (!hash[1] || strchr(hash + 1, '/')))
		return fail_read(err, run, "expected BATCH.h5#MEMBER");
	snprintf(run->group, sizeof(run->group), hash ? "members/%s" : "/", hash ? hash + 1 : "");
	/* The file for the batch checks, then the member's group. A readable
	 * file the reader refuses as input is not HDF5. */
	run->reader = mf_reader_open_group(run->path, NULL, err);
	if (!run->reader)
		return err->code == MF_ERR_INPUT ? fail_read(err, run, "not an HDF5 file") : err->code;
	int64_t is_batch = 0;
	if (!hash && mf_reader_has_attribute(run->reader, NULL, "migflow_batch")) {
		mf_reader_int_attribute(run->reader, NULL, "migflow_batch", &is_batch, NULL);
		if (is_batch)
			return fail_read(err, run, "a batch file: name a member as FILE.h5#MEMBER");
	}
	if (hash && mf_reader_has(run->reader, "members") && !mf_reader_has(run->reader, run->group))
		return mf_error_set(err, MF_ERR_INPUT, "%s: no member '%s' in the batch", run->path,
				    hash + 1);
	if (hash) {
		mf_reader_close(run->reader);
		run->reader = mf_reader_open_group(run->path, run->group, err);
		if (!run->reader)
			return fail_read(err, run, "no such group (a member is named as BATCH.h5#MEMBER)");
	}
	char *start = read_string_attribute(run->reader, "start_date");
	bool dated = start && mf_date_parse(start, &run->start);
	free(start);
	if (!dated)
		return fail_read(err, run, "no start_date: not a migflow run file");
	char *name = read_string_attribute(run->reader, "scenario_name");
	snprintf(run->scenario_name, sizeof(run->scenario_name), "%s", name ? name : "?");
	free(name);
	uint64_t dims[4];
	if (dataset_dims(run->reader, "time", dims) != 1)
		return fail_read(err, run, "no time dimension: not a migflow run file");
	run->days = (int)dims[0];
	if (mf_reader_has(run->reader, "replicate")) {
		if (dataset_dims(run->reader, "replicate", dims) != 1 || dims[0] < 1)
			return fail_read(err, run, "bad replicate dimension");
		run->replicates = (int)dims[0];
	}
	if (mf_reader_has(run->reader, "replicate_parameters")) {
		struct mf_shape shape;
		if (mf_reader_read_doubles(run->reader, "replicate_parameters", &shape, &run->drawn,
					   err) != MF_OK)
			return err->code;
		run->n_drawn = shape.dims[0] * (shape.rank > 1 ? shape.dims[1] : 1);
	}
	run->place_country = read_strings(run->reader, "place_country", &run->n_places);
	int n_kinds = 0, n_names = 0, n_intents = 0, n_directions = 0;
	char **kinds = read_strings(run->reader, "place_kind", &n_kinds);
	char **names = read_strings(run->reader, "place_name", &n_names);
	char **intents = read_strings(run->reader, "intent", &n_intents);
	char **directions = read_strings(run->reader, "direction", &n_directions);
	enum mf_status status = MF_OK;
	if (!run->place_country || !kinds || !names || !intents || !directions ||
	    n_kinds != run->n_places || n_names != run->n_places)
		status = fail_read(err, run, "cannot read the place, intent and direction tables");
	run->displaced = intents ? find_label(intents, n_intents, "displaced") : -1;
	static const char *const direction_names[3] = {"inbound", "outbound", "internal"};
	for (int d = 0; d < 3; d++)
		run->direction[d] = directions ? find_label(directions, n_directions,
							    direction_names[d]) : -1;
	if (status == MF_OK && (run->displaced < 0 || run->direction[0] < 0 ||
				run->direction[1] < 0 || run->direction[2] < 0))
		status = fail_read(err, run, "intent or direction labels are not migflow's");
	for (int p = 0; status == MF_OK && p < run->n_places; p++) {
		if (strcmp(kinds[p], "destination") != 0)
			continue;
		size_t used = strlen(run->destination);
		snprintf(run->destination + used, sizeof(run->destination) - used, "%s%s",
			 run->n_destinations ? ", " : "", names[p]);
		run->n_destinations++;
	}
	free_strings(kinds, n_kinds);
	free_strings(names, n_names);
	free_strings(intents, n_intents);
	free_strings(directions, n_directions);
	return status;
}

/* What each row of the table shows: an indicator of migflow/indicators.h,
 * narrowed, over days first..last. Country 0 is the one asked for. */
static void row_queries(int first, int last, struct mf_indicator_query queries[MF_COMPARE_COUNT])
{
	for (int k = 0; k < MF_COMPARE_COUNT; k++)
		queries[k] = (struct mf_indicator_query){
			.filter = MF_FILTER_ALL, .first_day = first, .last_day = last,
		};
	for (int d = 0; d < MF_DIR_COUNT; d++) {
		queries[MF_COMPARE_PASSES_INBOUND + d].indicator = mf_indicator_get(MF_IND_MONITOR_PASSES);
		queries[MF_COMPARE_PASSES_INBOUND + d].filter.direction = d;
	}
	queries[MF_COMPARE_ARRIVALS].indicator = mf_indicator_get(MF_IND_DESTINATION_ARRIVALS);
	queries[MF_COMPARE_DEATHS].indicator = mf_indicator_get(MF_IND_DEATHS);
	queries[MF_COMPARE_INTERCEPTIONS].indicator = mf_indicator_get(MF_IND_INTERCEPTIONS);
	queries[MF_COMPARE_EXPULSIONS].indicator = mf_indicator_get(MF_IND_EXPULSIONS);
	queries[MF_COMPARE_DISPLACED].indicator = mf_indicator_get(MF_IND_PRESENT);
	queries[MF_COMPARE_DISPLACED].filter.intent = MF_INTENT_DISPLACED;
	queries[MF_COMPARE_PRESENT_COUNTRY].indicator = mf_indicator_get(MF_IND_PRESENT);
	queries[MF_COMPARE_PRESENT_COUNTRY].filter.country = 0;
}

/* The indicators of replicate r over days [first, last] of the run: the
 * series the rows read (flows over the window, occupancy on its last day)
 * given to the rows' queries day by day, as the simulation's counts. */
static enum mf_status indicators(const struct mf_compare_run *run, int r, int first, int last,
				 const char *country, double *out, struct mf_error *err)
{
	/* The file's series are laid out as the day counts that were written. */
	if (run->displaced != MF_INTENT_DISPLACED || run->direction[0] != MF_DIR_INBOUND ||
	    run->direction[1] != MF_DIR_OUTBOUND || run->direction[2] != MF_DIR_INTERNAL)
		return fail_read(err, run, "intent or direction labels are not in migflow's order");
	enum { PASSES, DEATHS, ARRIVED, INTERCEPTED, EXPELLED, OCCUPANCY, N_SERIES };
	static const char *const names[N_SERIES] = {
		"monitor_passes", "deaths", "destination_arrivals", "interceptions", "expulsions",
		"occupancy",
	};
	int days = last - first + 1;
	int64_t *values[N_SERIES] = {NULL};
	size_t row[N_SERIES];
	int *place_country = calloc((size_t)run->n_places + 1, sizeof(int));
	enum mf_status status = place_country ? MF_OK : mf_error_set(err, MF_ERR_NOMEM, "out of memory");
	for (int i = 0; i < N_SERIES && status == MF_OK; i++) {
		bool stock = i == OCCUPANCY;
		if (read_days(run, names[i], r, stock ? last : first, stock ? 1 : days, &values[i],
			      &row[i]) < 0 ||
		    (stock && row[i] != (size_t)run->n_places * MF_INTENT_COUNT)) {
			char what[64];
			snprintf(what, sizeof(what), "cannot read %s", names[i]);
			status = fail_read(err, run, what);
		}
	}
	if (status == MF_OK) {
		for (int p = 0; p < run->n_places; p++)
			place_country[p] = strcmp(run->place_country[p], country) == 0 ? 0 : 1;
		const struct mf_indicator_network network = {
			.n_places = run->n_places, .n_links = (int)row[DEATHS],
			.n_monitors = (int)(row[PASSES] / MF_DIR_COUNT), .place_country = place_country,
		};
		struct mf_indicator_query queries[MF_COMPARE_COUNT];
		row_queries(first, last, queries);
		for (int k = 0; k < MF_COMPARE_COUNT; k++)
			out[k] = 0;
		for (int d = 0; d < days; d++) {
			const struct mf_day_counts day = {
				.day = first + d,
				.monitor_passes = values[PASSES] + (size_t)d * row[PASSES],
				.deaths = values[DEATHS] + (size_t)d * row[DEATHS],
				.destination_arrivals = values[ARRIVED][d],
				.interceptions = values[INTERCEPTED][d],
				.expulsions = values[EXPELLED][d],
				.occupancy = d == days - 1 ? values[OCCUPANCY] : NULL,
			};
			for (int k = 0; k < MF_COMPARE_COUNT; k++)
				mf_indicator_query_add_day(&queries[k], &network, &day, &out[k]);
		}
	}
	for (int i = 0; i < N_SERIES; i++)
		free(values[i]);
	free(place_country);
	return status;
}

static enum mf_status read_indicators(struct mf_compare_run *run, int from, int to, const char *country,
				      struct mf_error *err)
{
	int n = run->replicates ? run->replicates : 1;
	run->values = calloc((size_t)n * MF_COMPARE_COUNT, sizeof(double));
	if (!run->values)
		return mf_error_set(err, MF_ERR_NOMEM, "out of memory");
	for (int r = 0; r < n; r++) {
		enum mf_status status = indicators(run, r, from - run->start, to - run->start, country,
						   run->values + (size_t)r * MF_COMPARE_COUNT, err);
		if (status != MF_OK)
			return status;
	}
	return MF_OK;
}

/* --- the rows ---------------------------------------------------------------------- */

static int compare_doubles(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}


static double mean_of(const struct mf_compare_run *run, int indicator)
{
	int n = run->replicates ? run->replicates : 1;
	double sum = 0;
	for (int r = 0; r < n; r++)
		sum += run->values[(size_t)r * MF_COMPARE_COUNT + (size_t)indicator];
	return sum / n;
}

static void make_rows(const struct mf_compare_run *base, const struct mf_compare_run *alt, const char *country,
		      int paired, double *scratch, struct mf_compare_row rows[MF_COMPARE_COUNT])
{
	for (int k = 0; k < MF_COMPARE_COUNT; k++) {
		struct mf_compare_row *row = &rows[k];
		switch ((enum mf_compare_indicator)k) {
		case MF_COMPARE_PASSES_INBOUND: snprintf(row->label, sizeof(row->label), "monitoring passes, inbound"); break;
		case MF_COMPARE_PASSES_OUTBOUND: snprintf(row->label, sizeof(row->label), "monitoring passes, outbound"); break;
		case MF_COMPARE_PASSES_INTERNAL: snprintf(row->label, sizeof(row->label), "monitoring passes, internal"); break;
		case MF_COMPARE_ARRIVALS:
			if (base->n_destinations == 1)
				snprintf(row->label, sizeof(row->label), "arrivals in %s", base->destination);
			else
				snprintf(row->label, sizeof(row->label), "arrivals at destinations");
			break;
		case MF_COMPARE_DEATHS: snprintf(row->label, sizeof(row->label), "deaths"); break;
		case MF_COMPARE_INTERCEPTIONS: snprintf(row->label, sizeof(row->label), "interceptions at sea"); break;
		case MF_COMPARE_EXPULSIONS: snprintf(row->label, sizeof(row->label), "expulsions"); break;
		case MF_COMPARE_DISPLACED: snprintf(row->label, sizeof(row->label), "displaced present (end)"); break;
		case MF_COMPARE_PRESENT_COUNTRY: snprintf(row->label, sizeof(row->label), "present in %s (end)", country); break;
		case MF_COMPARE_COUNT: break;
		}
		row->base = mean_of(base, k);
		row->alt = mean_of(alt, k);
		row->difference = row->alt - row->base;
		row->has_interval = paired > 0;
		if (paired > 0) {
			for (int r = 0; r < paired; r++)
				scratch[r] = alt->values[(size_t)r * MF_COMPARE_COUNT + (size_t)k] -
					     base->values[(size_t)r * MF_COMPARE_COUNT + (size_t)k];
			qsort(scratch, (size_t)paired, sizeof(*scratch), compare_doubles);
			row->p05 = mf_output_percentile(scratch, paired, 0.05);
			row->p95 = mf_output_percentile(scratch, paired, 0.95);
		}
	}
}

/* Whether the first `paired` replicates of both runs drew the same
 * parameters from a posterior. */
static bool under_posterior(const struct mf_compare_run *base, const struct mf_compare_run *alt, int paired)
{
	if (!base->drawn || !alt->drawn || base->n_drawn == 0 || alt->n_drawn == 0 ||
	    !base->replicates || !alt->replicates)
		return false;
	uint64_t k = base->n_drawn / (uint64_t)base->replicates;
	if (k != alt->n_drawn / (uint64_t)alt->replicates)
		return false;
	return memcmp(base->drawn, alt->drawn, (size_t)paired * k * sizeof(double)) == 0;
}


bool mf_compare_run_has_country(const struct mf_compare_run *run, const char *country)
{
	for (int p = 0; p < run->n_places; p++)
		if (strcmp(run->place_country[p], country) == 0)
			return true;
	return false;
}

enum mf_status mf_compare_run_covers(const struct mf_compare_run *run, int from, int to,
				     struct mf_error *err)
{
	int last = run->start + run->days - 1;
	if (from < run->start || to > last) {
		char a[11], b[11];
		mf_date_format(run->start, a);
		mf_date_format(last, b);
		return mf_error_set(err, MF_ERR_INPUT, "%s covers %s to %s only: choose --from and "
				    "--to within both runs", run->given, a, b);
	}
	return MF_OK;
}

enum mf_status mf_compare_run_indicators(const struct mf_compare_run *run, int r, int from,
					 int to, const char *country, double *out,
					 struct mf_error *err)
{
	if (from > to)
		return mf_error_set(err, MF_ERR_INPUT, "%s: an empty window", run->given);
	enum mf_status status = mf_compare_run_covers(run, from, to, err);
	if (status != MF_OK)
		return status;
	if (r < 0 || r >= (run->replicates ? run->replicates : 1))
		return mf_error_set(err, MF_ERR_INPUT, "%s: no replicate %d", run->given, r);
	return indicators(run, r, from - run->start, to - run->start, country, out, err);
}

enum mf_status mf_compare_runs(struct mf_compare_run *base, struct mf_compare_run *alt,
			       int from, int to, const char *country, struct mf_compare *result,
			       struct mf_error *err)
{
	memset(result, 0, sizeof(*result));
	result->from = from;
	result->to = to;
	enum mf_status status;
	if ((status = mf_compare_run_covers(base, from, to, err)) != MF_OK ||
	    (status = mf_compare_run_covers(alt, from, to, err)) != MF_OK)
		return status;
	free(base->values);
	free(alt->values);
	base->values = alt->values = NULL;
	if ((status = read_indicators(base, from, to, country, err)) != MF_OK ||
	    (status = read_indicators(alt, from, to, country, err)) != MF_OK)
		return status;
	int paired = base->replicates && alt->replicates
		? (base->replicates < alt->replicates ? base->replicates : alt->replicates) : 0;
	double *scratch = calloc((size_t)paired + 1, sizeof(double));
	if (!scratch)
		return mf_error_set(err, MF_ERR_NOMEM, "out of memory");
	make_rows(base, alt, country, paired, scratch, result->rows);
	free(scratch);
	result->paired = paired;
	result->under_posterior = paired > 0 && under_posterior(base, alt, paired);
	return MF_OK;
}
