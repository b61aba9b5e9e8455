/* migflow compare: the key indicators of two runs side by side, their
 * difference and, when both runs have replicates, a 90 % interval of the
 * difference (replicate k of one paired with replicate k of the other; the
 * 5th and 95th percentiles of the paired differences, interpolated as
 * numpy does by default). Reads run files, or members of a batch file given
 * as BATCH.h5#MEMBER. */
#include <errno.h>
#include <math.h>
#include <spawn.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli.h"

#ifndef MF_SCRIPTS_DIR
#define MF_SCRIPTS_DIR "scripts"
#endif
#define PYTHON "/usr/bin/python3"

extern char **environ;

enum indicator {
	IND_PASSES_INBOUND,
	IND_PASSES_OUTBOUND,
	IND_PASSES_INTERNAL,
	IND_ARRIVALS,
	IND_DEATHS,
	IND_INTERCEPTIONS,
	IND_EXPULSIONS,
	IND_DISPLACED,
	IND_PRESENT_COUNTRY,
	IND_COUNT
};

static const char *const indicator_keys[IND_COUNT] = {
	"monitor_passes_inbound", "monitor_passes_outbound", "monitor_passes_internal",
	"destination_arrivals", "deaths", "interceptions", "expulsions",
	"displaced_present", "present_in_country",
};

struct compare_args {
	const char *base, *alt, *png, *json, *from, *to, *country;
	bool country_given;
};

/* One side of the comparison, open for reading. */
struct run {
	const char *given;    /* as on the command line */
	char path[1024];
	char group[300];      /* "/" or "members/<member>" */
	struct mf_reader *reader; /* the run's group */
	int start;            /* days since 1970-01-01 */
	int days;
	int replicates;       /* 0: a single run */
	int n_places;
	char **place_country; /* [n_places] */
	char destination[256];  /* names of the places of kind destination */
	int n_destinations;
	int displaced;        /* index of intent "displaced" */
	int direction[3];     /* indices of inbound, outbound, internal */
	char scenario_name[128];
	double *values;       /* [replicate * IND_COUNT + indicator] */
	double *drawn;        /* replicate_parameters (run --posterior), or NULL */
	uint64_t n_drawn;     /* values in drawn */
};

static void compare_usage(FILE *out)
{
	fprintf(out,
		"usage: migflow compare BASE.h5 ALT.h5 [--from DATE] [--to DATE] [--country NAME]\n"
		"                       [--json FILE] [--png FILE]\n\n"
		"Compares the key indicators of two runs: monitoring passes by direction, arrivals\n"
		"at the destination, deaths, interceptions and expulsions (summed over the window),\n"
		"displaced persons present and persons present in a country (default Libya) at the\n"
		"end of the window. Gives both values (means over replicates), ALT - BASE and, when\n"
		"both runs have replicates, the 5th-95th percentile interval of ALT - BASE with\n"
		"replicate k paired with replicate k. A batch member is given as BATCH.h5#MEMBER.\n\n"
		"options:\n"
		"  --from DATE, --to DATE  the window, YYYY-MM-DD, inclusive (default: the days\n"
		"                          both runs cover)\n"
		"  --country NAME          country whose persons present are counted (default Libya)\n"
		"  --json FILE             also write the table as JSON\n"
		"  --png FILE              also plot the runs with scripts/plot_compare.py\n"
		"  -h, --help              this help\n");
}

static int parse_args(int argc, char **argv, struct compare_args *args, int *exit_code)
{
	memset(args, 0, sizeof(*args));
	args->country = "Libya";
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		const char *value = i + 1 < argc ? argv[i + 1] : NULL;
		const char **target = NULL;
		if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
			compare_usage(stdout);
			*exit_code = EXIT_OK;
			return -1;
		} else if (strcmp(a, "--from") == 0) {
			target = &args->from;
		} else if (strcmp(a, "--to") == 0) {
			target = &args->to;
		} else if (strcmp(a, "--png") == 0) {
			target = &args->png;
		} else if (strcmp(a, "--json") == 0) {
			target = &args->json;
		} else if (strcmp(a, "--country") == 0) {
			target = &args->country;
		} else if (a[0] == '-') {
			fprintf(stderr, "migflow compare: error: unknown option '%s'\n", a);
			goto usage;
		} else if (!args->base) {
			args->base = a;
		} else if (!args->alt) {
			args->alt = a;
		} else {
			fprintf(stderr, "migflow compare: error: unexpected argument '%s' (two runs)\n", a);
			goto usage;
		}
		if (target) {
			if (!value || !*value) {
				fprintf(stderr, "migflow compare: error: option '%s' needs a value\n", a);
				goto usage;
			}
			*target = value;
			args->country_given = args->country_given || target == &args->country;
			i++;
		}
	}
	if (!args->alt) {
		fprintf(stderr, "migflow compare: error: give two runs, BASE.h5 and ALT.h5\n");
		goto usage;
	}
	return 0;
usage:
	compare_usage(stderr);
	*exit_code = EXIT_USAGE;
	return -1;
}

/* --- reading ---------------------------------------------------------------------- */

static enum mf_status fail_read(struct mf_error *err, const struct run *run, const char *what)
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
static int read_days(const struct run *run, const char *name, int r, int day, int days,
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

static void close_run(struct run *run)
{
	free_strings(run->place_country, run->n_places);
	run->place_country = NULL;
	free(run->values);
	free(run->drawn);
	run->values = NULL;
	mf_reader_close(run->reader);
	run->reader = NULL;
}

static enum mf_status open_run(struct run *run, const char *given, struct mf_error *err)
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
static void row_queries(int first, int last, struct mf_indicator_query queries[IND_COUNT])
{
	for (int k = 0; k < IND_COUNT; k++)
		queries[k] = (struct mf_indicator_query){
			.filter = MF_FILTER_ALL, .first_day = first, .last_day = last,
		};
	for (int d = 0; d < MF_DIR_COUNT; d++) {
		queries[IND_PASSES_INBOUND + d].indicator = mf_indicator_get(MF_IND_MONITOR_PASSES);
		queries[IND_PASSES_INBOUND + d].filter.direction = d;
	}
	queries[IND_ARRIVALS].indicator = mf_indicator_get(MF_IND_DESTINATION_ARRIVALS);
	queries[IND_DEATHS].indicator = mf_indicator_get(MF_IND_DEATHS);
	queries[IND_INTERCEPTIONS].indicator = mf_indicator_get(MF_IND_INTERCEPTIONS);
	queries[IND_EXPULSIONS].indicator = mf_indicator_get(MF_IND_EXPULSIONS);
	queries[IND_DISPLACED].indicator = mf_indicator_get(MF_IND_PRESENT);
	queries[IND_DISPLACED].filter.intent = MF_INTENT_DISPLACED;
	queries[IND_PRESENT_COUNTRY].indicator = mf_indicator_get(MF_IND_PRESENT);
	queries[IND_PRESENT_COUNTRY].filter.country = 0;
}

/* The indicators of replicate r over days [first, last] of the run: the
 * series the rows read (flows over the window, occupancy on its last day)
 * given to the rows' queries day by day, as the simulation's counts. */
static enum mf_status indicators(const struct run *run, int r, int first, int last,
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
		struct mf_indicator_query queries[IND_COUNT];
		row_queries(first, last, queries);
		for (int k = 0; k < IND_COUNT; k++)
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
			for (int k = 0; k < IND_COUNT; k++)
				mf_indicator_query_add_day(&queries[k], &network, &day, &out[k]);
		}
	}
	for (int i = 0; i < N_SERIES; i++)
		free(values[i]);
	free(place_country);
	return status;
}

static enum mf_status read_indicators(struct run *run, int from, int to, const char *country,
				      struct mf_error *err)
{
	int n = run->replicates ? run->replicates : 1;
	run->values = calloc((size_t)n * IND_COUNT, sizeof(double));
	if (!run->values)
		return mf_error_set(err, MF_ERR_NOMEM, "out of memory");
	for (int r = 0; r < n; r++) {
		enum mf_status status = indicators(run, r, from - run->start, to - run->start, country,
						   run->values + (size_t)r * IND_COUNT, err);
		if (status != MF_OK)
			return status;
	}
	return MF_OK;
}

/* --- the table --------------------------------------------------------------------- */

static int compare_doubles(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

struct row {
	char label[160];
	double base, alt, difference;
	bool has_interval;
	double p05, p95;
};

static double mean_of(const struct run *run, int indicator)
{
	int n = run->replicates ? run->replicates : 1;
	double sum = 0;
	for (int r = 0; r < n; r++)
		sum += run->values[(size_t)r * IND_COUNT + (size_t)indicator];
	return sum / n;
}

static void make_rows(const struct run *base, const struct run *alt, const char *country,
		      int paired, double *scratch, struct row rows[IND_COUNT])
{
	for (int k = 0; k < IND_COUNT; k++) {
		struct row *row = &rows[k];
		switch ((enum indicator)k) {
		case IND_PASSES_INBOUND: snprintf(row->label, sizeof(row->label), "monitoring passes, inbound"); break;
		case IND_PASSES_OUTBOUND: snprintf(row->label, sizeof(row->label), "monitoring passes, outbound"); break;
		case IND_PASSES_INTERNAL: snprintf(row->label, sizeof(row->label), "monitoring passes, internal"); break;
		case IND_ARRIVALS:
			if (base->n_destinations == 1)
				snprintf(row->label, sizeof(row->label), "arrivals in %s", base->destination);
			else
				snprintf(row->label, sizeof(row->label), "arrivals at destinations");
			break;
		case IND_DEATHS: snprintf(row->label, sizeof(row->label), "deaths"); break;
		case IND_INTERCEPTIONS: snprintf(row->label, sizeof(row->label), "interceptions at sea"); break;
		case IND_EXPULSIONS: snprintf(row->label, sizeof(row->label), "expulsions"); break;
		case IND_DISPLACED: snprintf(row->label, sizeof(row->label), "displaced present (end)"); break;
		case IND_PRESENT_COUNTRY: snprintf(row->label, sizeof(row->label), "present in %s (end)", country); break;
		case IND_COUNT: break;
		}
		row->base = mean_of(base, k);
		row->alt = mean_of(alt, k);
		row->difference = row->alt - row->base;
		row->has_interval = paired > 0;
		if (paired > 0) {
			for (int r = 0; r < paired; r++)
				scratch[r] = alt->values[(size_t)r * IND_COUNT + (size_t)k] -
					     base->values[(size_t)r * IND_COUNT + (size_t)k];
			qsort(scratch, (size_t)paired, sizeof(*scratch), compare_doubles);
			row->p05 = mf_output_percentile(scratch, paired, 0.05);
			row->p95 = mf_output_percentile(scratch, paired, 0.95);
		}
	}
}

/* Whether the first `paired` replicates of both runs drew the same
 * parameters from a posterior. */
static bool under_posterior(const struct run *base, const struct run *alt, int paired)
{
	if (!base->drawn || !alt->drawn || base->n_drawn == 0 || alt->n_drawn == 0 ||
	    !base->replicates || !alt->replicates)
		return false;
	uint64_t k = base->n_drawn / (uint64_t)base->replicates;
	if (k != alt->n_drawn / (uint64_t)alt->replicates)
		return false;
	return memcmp(base->drawn, alt->drawn, (size_t)paired * k * sizeof(double)) == 0;
}

static void describe(FILE *out, const char *role, const struct run *run)
{
	fprintf(out, "  %-5s %s: scenario '%s', ", role, run->given, run->scenario_name);
	if (run->replicates)
		fprintf(out, "%d replicate%s\n", run->replicates, run->replicates == 1 ? "" : "s");
	else
		fprintf(out, "one run (no replicates)\n");
}

static void print_table(FILE *out, const struct run *base, const struct run *alt,
			const struct row rows[IND_COUNT], int from, int to, int paired)
{
	char first[11], last[11];
	mf_date_format(from, first);
	mf_date_format(to, last);
	fprintf(out, "migflow compare\n");
	describe(out, "base", base);
	describe(out, "alt", alt);
	fprintf(out, "  window %s to %s (%d days): flows summed over it, stocks on its last day%s\n\n",
		first, last, to - from + 1, base->replicates || alt->replicates
		? "; values are means over replicates" : "");
	fprintf(out, "  %-34s %14s %14s %14s   %s\n", "indicator", "base", "alt", "alt - base",
		"90 % interval of alt - base");
	for (int k = 0; k < IND_COUNT; k++) {
		const struct row *row = &rows[k];
		char a[32], b[32], d[32], lo[32], hi[32];
		fprintf(out, "  %-34s %14s %14s %14s   ", row->label,
			mf_cli_persons(row->base, false, a, sizeof(a)),
			mf_cli_persons(row->alt, false, b, sizeof(b)),
			mf_cli_persons(row->difference, true, d, sizeof(d)));
		if (row->has_interval)
			fprintf(out, "[%s, %s]\n", mf_cli_persons(row->p05, true, lo, sizeof(lo)),
				mf_cli_persons(row->p95, true, hi, sizeof(hi)));
		else
			fprintf(out, "n/a\n");
	}
	if (base->n_destinations > 1)
		fprintf(out, "\n  destinations (places of kind destination): %s\n", base->destination);
	if (paired > 0 && under_posterior(base, alt, paired))
		fprintf(out, "\n  replicate k of both runs has the same parameters, drawn from a posterior, and the\n"
			"  same seed: the intervals hold parameter and stochastic uncertainty together\n");
	else if (paired > 0 && (base->drawn || alt->drawn))
		fprintf(out, "\n  note: the runs' replicates do not share their parameters (only one ran under a\n"
			"  posterior, or under another posterior or seed): the pairs are not like for like\n");
	if (paired > 0 && (base->replicates != paired || alt->replicates != paired))
		fprintf(out, "\n  intervals pair the first %d replicates of each run\n", paired);
	else if (paired == 0)
		fprintf(out, "\n  intervals need replicates in both runs (migflow run --replicates N)\n");
}

static void json_string(FILE *out, const char *text)
{
	fputc('"', out);
	for (const unsigned char *c = (const unsigned char *)text; *c; c++) {
		if (*c == '"' || *c == '\\')
			fprintf(out, "\\%c", *c);
		else if (*c < 0x20)
			fprintf(out, "\\u%04x", *c);
		else
			fputc(*c, out);
	}
	fputc('"', out);
}

static int write_json(const char *path, const struct run *base, const struct run *alt,
		      const struct row rows[IND_COUNT], int from, int to, int paired,
		      const char *country)
{
	FILE *out = fopen(path, "w");
	if (!out)
		return -1;
	char first[11], last[11];
	mf_date_format(from, first);
	mf_date_format(to, last);
	fprintf(out, "{\n  \"base\": ");
	json_string(out, base->given);
	fprintf(out, ",\n  \"alt\": ");
	json_string(out, alt->given);
	fprintf(out, ",\n  \"from\": \"%s\",\n  \"to\": \"%s\",\n  \"days\": %d,\n  \"country\": ",
		first, last, to - from + 1);
	json_string(out, country);
	fprintf(out, ",\n  \"base_replicates\": %d,\n  \"alt_replicates\": %d,\n"
		"  \"paired_replicates\": %d,\n  \"under_posterior\": %s,\n  \"indicators\": [\n",
		base->replicates, alt->replicates, paired,
		paired > 0 && under_posterior(base, alt, paired) ? "true" : "false");
	for (int k = 0; k < IND_COUNT; k++) {
		const struct row *row = &rows[k];
		fprintf(out, "    {\"name\": \"%s\", \"label\": ", indicator_keys[k]);
		json_string(out, row->label);
		fprintf(out, ", \"base\": %.17g, \"alt\": %.17g, \"difference\": %.17g, ", row->base,
			row->alt, row->difference);
		if (row->has_interval)
			fprintf(out, "\"p05\": %.17g, \"p95\": %.17g}", row->p05, row->p95);
		else
			fprintf(out, "\"p05\": null, \"p95\": null}");
		fprintf(out, "%s\n", k + 1 < IND_COUNT ? "," : "");
	}
	fprintf(out, "  ]\n}\n");
	return fclose(out) == 0 ? 0 : -1;
}

/* --- the plot ---------------------------------------------------------------------- */

static enum mf_status plot(const struct compare_args *args, struct mf_error *err)
{
	char script[1200];
	const char *override = getenv("MIGFLOW_PLOT_COMPARE");
	if (override && *override)
		snprintf(script, sizeof(script), "%s", override);
	else
		snprintf(script, sizeof(script), "%s/plot_compare.py", MF_SCRIPTS_DIR);
	if (access(script, R_OK) < 0)
		return mf_error_set(err, MF_ERR_IO,
				    "--png needs the plot script %s, which is not there (%s); set "
				    "MIGFLOW_PLOT_COMPARE to its path", script, strerror(errno));
	if (access(PYTHON, X_OK) < 0)
		return mf_error_set(err, MF_ERR_IO, "--png needs %s (Debian's python3 with "
				    "python3-matplotlib and python3-xarray): %s", PYTHON, strerror(errno));
	char *argv[12];
	int n = 0;
	argv[n++] = (char *)PYTHON;
	argv[n++] = script;
	argv[n++] = (char *)args->base;
	argv[n++] = (char *)args->alt;
	argv[n++] = (char *)"-o";
	argv[n++] = (char *)args->png;
	if (args->from) {
		argv[n++] = (char *)"--from";
		argv[n++] = (char *)args->from;
	}
	if (args->to) {
		argv[n++] = (char *)"--to";
		argv[n++] = (char *)args->to;
	}
	argv[n] = NULL;
	/* The script imports the migflow package: this checkout's python/
	 * first (an installed package is on python3's path anyway). */
	const char *inherited = getenv("PYTHONPATH");
	char python_path[4200];
	snprintf(python_path, sizeof(python_path), "%s%s%s", MF_PYTHON_DIR,
		 inherited && *inherited ? ":" : "", inherited ? inherited : "");
	if (setenv("PYTHONPATH", python_path, 1) < 0)
		return mf_error_set(err, MF_ERR_IO, "cannot set PYTHONPATH: %s", strerror(errno));
	fflush(stdout);
	pid_t child;
	int spawned = posix_spawn(&child, PYTHON, NULL, NULL, argv, environ);
	if (spawned != 0)
		return mf_error_set(err, MF_ERR_IO, "cannot run %s: %s", PYTHON, strerror(spawned));
	int wait_status;
	while (waitpid(child, &wait_status, 0) < 0)
		if (errno != EINTR)
			return mf_error_set(err, MF_ERR_IO, "waiting for %s: %s", script, strerror(errno));
	if (!WIFEXITED(wait_status) || WEXITSTATUS(wait_status) != 0)
		return mf_error_set(err, MF_ERR_IO, "%s failed (%s %d); %s was not written", script,
				    WIFEXITED(wait_status) ? "exit status" : "signal",
				    WIFEXITED(wait_status) ? WEXITSTATUS(wait_status)
							   : WTERMSIG(wait_status), args->png);
	return MF_OK;
}

/* --- the command ------------------------------------------------------------------- */

static enum mf_status parse_date(const char *option, const char *text, int *day,
				 struct mf_error *err)
{
	if (!mf_date_parse(text, day))
		return mf_error_set(err, MF_ERR_INPUT, "%s: expected a date YYYY-MM-DD, got '%s'",
				    option, text);
	return MF_OK;
}

static enum mf_status check_window(const struct run *run, int from, int to, struct mf_error *err)
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

int mf_cli_compare(int argc, char **argv)
{
	struct compare_args args;
	int code;
	if (parse_args(argc, argv, &args, &code) < 0)
		return code;
	struct mf_error err = {0};
	struct run base = {0}, alt = {0};
	enum mf_status status = open_run(&base, args.base, &err);
	if (status == MF_OK)
		status = open_run(&alt, args.alt, &err);
	if (status != MF_OK)
		goto done;
	int from = base.start > alt.start ? base.start : alt.start;
	int base_last = base.start + base.days - 1, alt_last = alt.start + alt.days - 1;
	int to = base_last < alt_last ? base_last : alt_last;
	if ((args.from && (status = parse_date("--from", args.from, &from, &err)) != MF_OK) ||
	    (args.to && (status = parse_date("--to", args.to, &to, &err)) != MF_OK))
		goto done;
	if (from > to) {
		status = mf_error_set(&err, MF_ERR_INPUT, "the window is empty (from after to; or "
				      "the runs share no day)");
		goto done;
	}
	bool known = false;
	for (int p = 0; p < base.n_places; p++)
		known = known || strcmp(base.place_country[p], args.country) == 0;
	for (int p = 0; p < alt.n_places; p++)
		known = known || strcmp(alt.place_country[p], args.country) == 0;
	if (!known && args.country_given) {
		status = mf_error_set(&err, MF_ERR_INPUT, "--country: no place of either run is in "
				      "'%s'", args.country);
		goto done;
	}
	if ((status = check_window(&base, from, to, &err)) != MF_OK ||
	    (status = check_window(&alt, from, to, &err)) != MF_OK ||
	    (status = read_indicators(&base, from, to, args.country, &err)) != MF_OK ||
	    (status = read_indicators(&alt, from, to, args.country, &err)) != MF_OK)
		goto done;
	int paired = base.replicates && alt.replicates
		? (base.replicates < alt.replicates ? base.replicates : alt.replicates) : 0;
	double *scratch = calloc((size_t)paired + 1, sizeof(double));
	if (!scratch) {
		status = mf_error_set(&err, MF_ERR_NOMEM, "out of memory");
		goto done;
	}
	struct row rows[IND_COUNT];
	make_rows(&base, &alt, args.country, paired, scratch, rows);
	free(scratch);
	print_table(stdout, &base, &alt, rows, from, to, paired);
	if (args.json && write_json(args.json, &base, &alt, rows, from, to, paired, args.country) < 0) {
		status = mf_error_set(&err, MF_ERR_IO, "cannot write %s: %s", args.json, strerror(errno));
		goto done;
	}
	if (args.png)
		status = plot(&args, &err);
done:
	close_run(&base);
	close_run(&alt);
	if (status != MF_OK)
		mf_cli_print_error(&err);
	return mf_cli_exit_code(status);
}
