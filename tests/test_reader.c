/* Tests of the reader (migflow/reader.h): a tiny run, an ensemble and a
 * batch file holding both are written with the output module, then read
 * back through the reader; every value must come back exactly. Errors
 * (missing file, group, variable, attribute; wrong types and shapes) must
 * name the file and the object, and nothing may be printed. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "migflow/date.h"
#include "migflow/output.h"
#include "migflow/reader.h"

#define N_PLACES 3
#define N_LINKS 2
#define N_COUNTRIES 2
#define DAYS 5
#define REPLICATES 3
#define N_MEMBERS 2
#define PATH_SIZE 512

struct fixture {
	char dir[256];
	char run[PATH_SIZE], ensemble[PATH_SIZE], batch[PATH_SIZE];
	struct mf_graph graph;
	struct mf_scenario scenario;
	struct mf_day_counts counts;
};

/* What every file holds: occupancy(time, place, intent) and
 * interceptions(time) carry value_of(series, replicate, day, index). */
enum { OCCUPANCY, INTERCEPTIONS };

static int64_t value_of(int series, int replicate, int day, size_t index)
{
	return (int64_t)(series + 1) * 1000000 + (int64_t)replicate * 100000000 +
	       (int64_t)day * 1000 + (int64_t)index;
}

static const char *const member_labels[N_MEMBERS] = {"single", "ensemble"};
static const double member_share[N_MEMBERS] = {0.125, -2.5e-7};

static void place(struct mf_place *p, const char *id, const char *name, const char *country,
		  double lat)
{
	snprintf(p->id, sizeof(p->id), "%s", id);
	snprintf(p->name, sizeof(p->name), "%s", name);
	snprintf(p->country, sizeof(p->country), "%s", country);
	snprintf(p->region, sizeof(p->region), "%s region", name);
	p->kind = MF_PLACE_HUB;
	p->lat = lat;
	p->lon = 8.0;
	p->population = 1000.0;
	p->security = 1.0;
}

static void fill_day(struct fixture *fx, int replicate, int day)
{
	struct mf_day_counts *c = &fx->counts;
	c->day = day;
	for (size_t i = 0; i < N_PLACES * MF_INTENT_COUNT; i++)
		c->occupancy[i] = value_of(OCCUPANCY, replicate, day, i);
	c->interceptions = value_of(INTERCEPTIONS, replicate, day, 0);
}

/* Writes a run (replicates 0) or an ensemble; finishes with agent_steps. */
static int write_file(struct fixture *fx, const char *path, int replicates,
		      uint64_t agent_steps, bool table)
{
	struct mf_error err;
	struct mf_output_info info = {.scenario = &fx->scenario, .days = DAYS, .seed = 42,
		.replicate = 3, .threads = 1, .replicates = replicates};
	struct mf_output *out = mf_output_create(path, true, &info, &err);
	if (!out)
		return -1;
	for (int r = 0; r < (replicates ? replicates : 1); r++)
		for (int day = 0; day < DAYS; day++) {
			fill_day(fx, r, day);
			if (mf_output_write_day(out, &fx->counts, &err) != MF_OK)
				return -1;
		}
	struct mf_table_column column = {.name = "member_share", .long_name = "share",
		.units = "1", .kind = MF_COLUMN_NUMBER, .numbers = member_share};
	struct mf_table members = {.dimension = "member", .long_name = "batch member",
		.n_rows = N_MEMBERS, .labels = member_labels, .n_columns = 1,
		.columns = &column};
	if (table && mf_output_add_table(out, &members, &err) != MF_OK)
		return -1;
	struct mf_run_stats stats = {.agent_steps = agent_steps, .wall_seconds = 0.25};
	return mf_output_finish(out, &stats, &err) == MF_OK ? 0 : -1;
}

static int group_setup(void **state)
{
	struct fixture *fx = calloc(1, sizeof(*fx));
	if (!fx)
		return -1;
	const char *tmp = getenv("TMPDIR");
	snprintf(fx->dir, sizeof(fx->dir), "%s/test_reader.XXXXXX", tmp && tmp[0] ? tmp : "/tmp");
	if (!mkdtemp(fx->dir))
		return -1;
	snprintf(fx->run, sizeof(fx->run), "%s/run.h5", fx->dir);
	snprintf(fx->ensemble, sizeof(fx->ensemble), "%s/ensemble.h5", fx->dir);
	snprintf(fx->batch, sizeof(fx->batch), "%s/batch.h5", fx->dir);

	struct mf_graph *graph = &fx->graph;
	graph->n_places = N_PLACES;
	graph->n_links = N_LINKS;
	graph->n_countries = N_COUNTRIES;
	graph->places = calloc(N_PLACES, sizeof(*graph->places));
	graph->links = calloc(N_LINKS, sizeof(*graph->links));
	graph->countries = calloc(N_COUNTRIES, sizeof(*graph->countries));
	if (!graph->places || !graph->links || !graph->countries)
		return -1;
	snprintf(graph->countries[0], MF_NAME_MAX, "Niger");
	snprintf(graph->countries[1], MF_NAME_MAX, "Libya");
	place(&graph->places[0], "zinder", "Zinder", "Niger", 13.8);
	place(&graph->places[1], "agadez", "Agadez", "Niger", 16.97);
	place(&graph->places[2], "sabha", "Sabha", "Libya", 27.04);
	graph->links[0] = (struct mf_link){.from = 0, .to = 1, .mode = MF_MODE_ROAD,
		.distance_km = 450.0, .travel_days = 2, .intercept_to = -1, .departs_weekday = -1};
	graph->links[1] = (struct mf_link){.from = 1, .to = 2, .mode = MF_MODE_DESERT,
		.distance_km = 950.0, .intercept_to = -1, .departs_weekday = -1};

	struct mf_scenario *scenario = &fx->scenario;
	snprintf(scenario->path, sizeof(scenario->path), "scenarios/tiny.yaml");
	snprintf(scenario->name, sizeof(scenario->name), "tiny");
	if (!mf_date_parse("2024-01-01", &scenario->start))
		return -1;
	scenario->days = DAYS;
	scenario->seed = 42;
	scenario->agent_scale = 10;
	scenario->graph = graph;
	scenario->n_monitors = 1;
	scenario->monitors = calloc(1, sizeof(*scenario->monitors));
	if (!scenario->monitors)
		return -1;
	snprintf(scenario->monitors[0].name, MF_NAME_MAX, "agadez_fmp");

	struct mf_day_counts *c = &fx->counts;
	c->occupancy = calloc(N_PLACES * MF_INTENT_COUNT, sizeof(int64_t));
	c->in_transit = calloc(N_LINKS, sizeof(int64_t));
	c->link_flow = calloc(N_LINKS, sizeof(int64_t));
	c->spawned = calloc(N_PLACES, sizeof(int64_t));
	c->arrivals = calloc(N_PLACES, sizeof(int64_t));
	c->deaths = calloc(N_LINKS, sizeof(int64_t));
	c->monitor_passes = calloc(MF_DIR_COUNT, sizeof(int64_t));
	if (!c->occupancy || !c->in_transit || !c->link_flow || !c->spawned || !c->arrivals ||
	    !c->deaths || !c->monitor_passes)
		return -1;

	struct mf_error err;
	struct mf_output *batch = NULL;
	if (write_file(fx, fx->run, 0, 11, true) < 0 ||
	    write_file(fx, fx->ensemble, REPLICATES, 33, false) < 0 ||
	    !(batch = mf_output_create_batch(fx->batch, true, &err)) ||
	    mf_output_add_run(batch, "members/single", fx->run, &err) != MF_OK ||
	    mf_output_add_run(batch, "members/ensemble", fx->ensemble, &err) != MF_OK)
		return -1;
	struct mf_run_stats stats = {.agent_steps = 44, .wall_seconds = 1};
	if (mf_output_finish(batch, &stats, &err) != MF_OK)
		return -1;
	*state = fx;
	return 0;
}

static int group_teardown(void **state)
{
	struct fixture *fx = *state;
	if (!fx)
		return 0;
	DIR *dir = opendir(fx->dir);
	if (dir) {
		struct dirent *entry;
		while ((entry = readdir(dir))) {
			if (!strcmp(entry->d_name, ".") || !strcmp(entry->d_name, ".."))
				continue;
			char path[PATH_SIZE];
			snprintf(path, sizeof(path), "%s/%s", fx->dir, entry->d_name);
			unlink(path);
		}
		closedir(dir);
	}
	rmdir(fx->dir);
	free(fx->graph.places);
	free(fx->graph.links);
	free(fx->graph.countries);
	free(fx->scenario.monitors);
	struct mf_day_counts *c = &fx->counts;
	free(c->occupancy);
	free(c->in_transit);
	free(c->link_flow);
	free(c->spawned);
	free(c->arrivals);
	free(c->deaths);
	free(c->monitor_passes);
	free(fx);
	return 0;
}

static struct mf_reader *open_or_fail(const char *path)
{
	struct mf_error err;
	mf_error_clear(&err);
	struct mf_reader *reader = mf_reader_open(path, &err);
	if (!reader)
		fail_msg("%s: %s", path, err.message);
	return reader;
}

static void assert_labels(struct mf_reader *reader, const char *name, size_t n,
			  const char *const *expected)
{
	struct mf_error err;
	char **labels = NULL;
	size_t got = 0;
	assert_int_equal(mf_reader_labels(reader, name, &labels, &got, &err), MF_OK);
	assert_int_equal(got, n);
	for (size_t i = 0; i < n; i++)
		assert_string_equal(labels[i], expected[i]);
	assert_null(labels[n]);
	mf_reader_labels_free(labels, got);
}

/* The dimensions of a run (with the member table) or of an ensemble (with
 * replicate and statistic) and their labels. */
static void check_dimensions(struct mf_reader *reader, bool ensemble)
{
	static const char *const names[] = {"time", "place", "link", "monitoring_point",
		"direction", "intent", "replicate", "statistic"};
	const uint64_t sizes[] = {DAYS, N_PLACES, N_LINKS, 1, MF_DIR_COUNT, MF_INTENT_COUNT,
		REPLICATES, 4};
	int n = 0;
	const struct mf_dimension *dimensions = mf_reader_dimensions(reader, &n);
	assert_int_equal(n, ensemble ? 8 : 7);
	for (int d = 0; d < n; d++) {
		bool member = !ensemble && d == 6;
		assert_string_equal(dimensions[d].name, member ? "member" : names[d]);
		assert_int_equal(dimensions[d].size, member ? N_MEMBERS : sizes[d]);
		assert_int_equal(dimensions[d].labelled, d != 0 && (member || d != 6));
	}
	uint64_t size = 0;
	struct mf_error err;
	assert_int_equal(mf_reader_dimension_size(reader, "intent", &size, &err), MF_OK);
	assert_int_equal(size, MF_INTENT_COUNT);

	assert_labels(reader, "place", N_PLACES,
		      (const char *const[]){"zinder", "agadez", "sabha"});
	assert_labels(reader, "link", N_LINKS,
		      (const char *const[]){"zinder->agadez", "agadez->sabha"});
	assert_labels(reader, "monitoring_point", 1, (const char *const[]){"agadez_fmp"});
	const char *directions[MF_DIR_COUNT], *intents[MF_INTENT_COUNT];
	for (int i = 0; i < MF_DIR_COUNT; i++)
		directions[i] = mf_direction_name((enum mf_direction)i);
	for (int i = 0; i < MF_INTENT_COUNT; i++)
		intents[i] = mf_intent_name((enum mf_intent)i);
	assert_labels(reader, "direction", MF_DIR_COUNT, directions);
	assert_labels(reader, "intent", MF_INTENT_COUNT, intents);
	assert_labels(reader, "place_country", N_PLACES,
		      (const char *const[]){"Niger", "Niger", "Libya"});

	int64_t *time = NULL;
	struct mf_shape shape;
	assert_int_equal(mf_reader_read_int64(reader, "time", &shape, &time, &err), MF_OK);
	assert_int_equal(shape.rank, 1);
	assert_int_equal(shape.dims[0], DAYS);
	for (int day = 0; day < DAYS; day++)
		assert_int_equal(time[day], day);
	free(time);
	char *units = NULL;
	assert_int_equal(mf_reader_text_attribute(reader, "time", "units", &units, &err), MF_OK);
	assert_string_equal(units, "days since 2024-01-01");
	free(units);
	if (ensemble) {
		assert_labels(reader, "statistic", 4,
			      (const char *const[]){"mean", "p05", "p50", "p95"});
		int64_t *replicate = NULL;
		assert_int_equal(mf_reader_read_int64(reader, "replicate", NULL, &replicate, &err),
				 MF_OK);
		for (int r = 0; r < REPLICATES; r++)
			assert_int_equal(replicate[r], r);
		free(replicate);
	}
}

/* occupancy and interceptions of a run (replicates 0) or an ensemble, in
 * full, as doubles and as blocks. */
static void check_values(struct mf_reader *reader, int replicates)
{
	struct mf_error err;
	struct mf_shape shape;
	int64_t *values = NULL;
	int n = replicates ? replicates : 1, lead = replicates ? 1 : 0;
	assert_int_equal(mf_reader_read_int64(reader, "occupancy", &shape, &values, &err), MF_OK);
	assert_int_equal(shape.rank, 3 + lead);
	if (replicates)
		assert_int_equal(shape.dims[0], replicates);
	assert_int_equal(shape.dims[lead], DAYS);
	assert_int_equal(shape.dims[lead + 1], N_PLACES);
	assert_int_equal(shape.dims[lead + 2], MF_INTENT_COUNT);
	size_t row = N_PLACES * MF_INTENT_COUNT;
	for (int r = 0; r < n; r++)
		for (int day = 0; day < DAYS; day++)
			for (size_t i = 0; i < row; i++)
				assert_int_equal(values[((size_t)r * DAYS + (size_t)day) * row + i],
						 value_of(OCCUPANCY, r, day, i));
	free(values);

	double *numbers = NULL;
	assert_int_equal(mf_reader_read_doubles(reader, "interceptions", &shape, &numbers, &err),
			 MF_OK);
	assert_int_equal(shape.rank, 1 + lead);
	for (int r = 0; r < n; r++)
		for (int day = 0; day < DAYS; day++)
			assert_true(numbers[r * DAYS + day] ==
				    (double)value_of(INTERCEPTIONS, r, day, 0));
	free(numbers);

	/* Days 2 and 3 of place 1 (all intents) of the last replicate. */
	int last = n - 1;
	uint64_t start[4] = {(uint64_t)last, 2, 1, 0}, count[4] = {1, 2, 1, MF_INTENT_COUNT};
	int64_t block[2 * MF_INTENT_COUNT];
	assert_int_equal(mf_reader_read_int64_block(reader, "occupancy", 3 + lead,
						    start + 1 - lead, count + 1 - lead, block,
						    &err), MF_OK);
	for (int day = 0; day < 2; day++)
		for (int k = 0; k < MF_INTENT_COUNT; k++)
			assert_int_equal(block[day * MF_INTENT_COUNT + k],
					 value_of(OCCUPANCY, last, 2 + day,
						  (size_t)MF_INTENT_COUNT + (size_t)k));
	double lat[2];
	assert_int_equal(mf_reader_read_doubles_block(reader, "place_lat", 1,
						      (const uint64_t[]){1},
						      (const uint64_t[]){2}, lat, &err), MF_OK);
	assert_true(lat[0] == 16.97);
	assert_true(lat[1] == 27.04);
}

static void check_attributes(struct mf_reader *reader, int64_t agent_steps)
{
	struct mf_error err;
	char *text = NULL;
	assert_int_equal(mf_reader_text_attribute(reader, NULL, "scenario_name", &text, &err),
			 MF_OK);
	assert_string_equal(text, "tiny");
	free(text);
	assert_int_equal(mf_reader_text_attribute(reader, NULL, "start_date", &text, &err), MF_OK);
	assert_string_equal(text, "2024-01-01");
	free(text);
	int64_t number = 0;
	assert_int_equal(mf_reader_int_attribute(reader, NULL, "seed", &number, &err), MF_OK);
	assert_int_equal(number, 42);
	assert_int_equal(mf_reader_int_attribute(reader, NULL, "agent_steps", &number, &err),
			 MF_OK);
	assert_int_equal(number, agent_steps);
	double seconds = 0, days = 0;
	assert_int_equal(mf_reader_double_attribute(reader, NULL, "wall_seconds", &seconds, &err),
			 MF_OK);
	assert_true(seconds == 0.25);
	assert_int_equal(mf_reader_double_attribute(reader, NULL, "days", &days, &err), MF_OK);
	assert_true(days == DAYS);
	assert_int_equal(mf_reader_text_attribute(reader, "occupancy", "units", &text, &err),
			 MF_OK);
	assert_string_equal(text, "1");
	free(text);
	assert_true(mf_reader_has_attribute(reader, NULL, "complete"));
	assert_true(mf_reader_has_attribute(reader, "occupancy", "long_name"));
	assert_false(mf_reader_has_attribute(reader, NULL, "nothing"));
	assert_false(mf_reader_has_attribute(reader, "nothing", "units"));
	assert_true(mf_reader_has(reader, "occupancy"));
	assert_false(mf_reader_has(reader, "nothing"));
}

static void test_run(void **state)
{
	struct fixture *fx = *state;
	struct mf_reader *reader = open_or_fail(fx->run);
	assert_string_equal(mf_reader_name(reader), fx->run);
	check_dimensions(reader, false);
	check_values(reader, 0);
	check_attributes(reader, 11);
	assert_false(mf_reader_has(reader, "replicate"));
	mf_reader_close(reader);
}

static void test_table(void **state)
{
	struct fixture *fx = *state;
	struct mf_reader *reader = open_or_fail(fx->run);
	assert_labels(reader, "member", N_MEMBERS, member_labels);
	struct mf_error err;
	uint64_t size = 0;
	assert_int_equal(mf_reader_dimension_size(reader, "member", &size, &err), MF_OK);
	assert_int_equal(size, N_MEMBERS);
	double *share = NULL;
	struct mf_shape shape;
	assert_int_equal(mf_reader_read_doubles(reader, "member_share", &shape, &share, &err),
			 MF_OK);
	assert_int_equal(shape.rank, 1);
	assert_int_equal(shape.dims[0], N_MEMBERS);
	for (int m = 0; m < N_MEMBERS; m++)
		assert_true(share[m] == member_share[m]);
	free(share);
	mf_reader_close(reader);
}

static void test_ensemble(void **state)
{
	struct fixture *fx = *state;
	struct mf_reader *reader = open_or_fail(fx->ensemble);
	check_dimensions(reader, true);
	check_values(reader, REPLICATES);
	check_attributes(reader, 33);
	/* summary_interceptions(statistic, time): mean and percentiles. */
	struct mf_error err;
	struct mf_shape shape;
	double *summary = NULL;
	assert_int_equal(mf_reader_read_doubles(reader, "summary_interceptions", &shape, &summary,
						&err), MF_OK);
	assert_int_equal(shape.rank, 2);
	assert_int_equal(shape.dims[0], 4);
	assert_int_equal(shape.dims[1], DAYS);
	static const double quantiles[] = {0.05, 0.50, 0.95};
	for (int day = 0; day < DAYS; day++) {
		double sorted[REPLICATES], sum = 0;
		for (int r = 0; r < REPLICATES; r++) {
			sorted[r] = (double)value_of(INTERCEPTIONS, r, day, 0);
			sum += sorted[r];
		}
		assert_true(summary[day] == sum / REPLICATES);
		for (int k = 0; k < 3; k++)
			assert_true(summary[(k + 1) * DAYS + day] ==
				    mf_output_percentile(sorted, REPLICATES, quantiles[k]));
	}
	free(summary);
	mf_reader_close(reader);
}

static void test_batch_member(void **state)
{
	struct fixture *fx = *state;
	char path[PATH_SIZE + 32];
	snprintf(path, sizeof(path), "%s#members/ensemble", fx->batch);
	struct mf_reader *reader = open_or_fail(path);
	assert_string_equal(mf_reader_name(reader), path);
	check_dimensions(reader, true);
	check_values(reader, REPLICATES);
	check_attributes(reader, 33);
	mf_reader_close(reader);

	struct mf_error err;
	reader = mf_reader_open_group(fx->batch, "members/single", &err);
	assert_non_null(reader);
	snprintf(path, sizeof(path), "%s#members/single", fx->batch);
	assert_string_equal(mf_reader_name(reader), path);
	check_dimensions(reader, false);
	check_values(reader, 0);
	mf_reader_close(reader);

	/* The batch file itself: no dimensions of its own, its members. */
	reader = open_or_fail(fx->batch);
	int n = -1;
	mf_reader_dimensions(reader, &n);
	assert_int_equal(n, 0);
	assert_true(mf_reader_has(reader, "members/single"));
	assert_true(mf_reader_has(reader, "members/ensemble/occupancy"));
	assert_false(mf_reader_has(reader, "members/nobody"));
	assert_false(mf_reader_has(reader, "nothing/at/all"));
	int64_t flag = 0;
	assert_int_equal(mf_reader_int_attribute(reader, NULL, "migflow_batch", &flag, &err),
			 MF_OK);
	assert_int_equal(flag, 1);
	mf_reader_close(reader);
}

/* Runs every failure below with stderr sent to a file, which must stay
 * empty: the library does not print. */
static void expect_error(enum mf_status got, enum mf_status code, const struct mf_error *err,
			 const char *first, const char *second)
{
	assert_int_equal(got, code);
	assert_int_equal(err->code, code);
	assert_non_null(strstr(err->message, first));
	if (second && !strstr(err->message, second))
		fail_msg("'%s' does not name '%s'", err->message, second);
}

static void test_errors(void **state)
{
	struct fixture *fx = *state;
	char missing[PATH_SIZE], junk[PATH_SIZE], quiet[PATH_SIZE], member[PATH_SIZE + 32];
	snprintf(missing, sizeof(missing), "%s/missing.h5", fx->dir);
	snprintf(junk, sizeof(junk), "%s/junk.h5", fx->dir);
	snprintf(quiet, sizeof(quiet), "%s/stderr.txt", fx->dir);
	FILE *file = fopen(junk, "w");
	assert_non_null(file);
	fputs("not an HDF5 file\n", file);
	fclose(file);
	fflush(stderr);
	int saved = dup(STDERR_FILENO);
	int sink = open(quiet, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	assert_true(saved >= 0 && sink >= 0);
	dup2(sink, STDERR_FILENO);

	struct mf_error err;
	mf_error_clear(&err);
	assert_null(mf_reader_open(missing, &err));
	expect_error(err.code, MF_ERR_IO, &err, missing, "cannot read");
	assert_null(mf_reader_open(junk, &err));
	expect_error(err.code, MF_ERR_INPUT, &err, junk, "not an HDF5 file");
	snprintf(member, sizeof(member), "%s#members/nobody", fx->batch);
	assert_null(mf_reader_open(member, &err));
	expect_error(err.code, MF_ERR_INPUT, &err, fx->batch, "no group 'members/nobody'");
	snprintf(member, sizeof(member), "%s#members/single/occupancy", fx->batch);
	assert_null(mf_reader_open(member, &err));
	expect_error(err.code, MF_ERR_INPUT, &err, fx->batch, "is not a group");

	struct mf_reader *reader = open_or_fail(fx->run);
	struct mf_shape shape;
	double *numbers = (double *)&shape; /* must come back NULL */
	int64_t *values = NULL, number = 0;
	char **labels = NULL, *text = NULL;
	size_t n = 0;
	uint64_t size = 0;
	expect_error(mf_reader_read_doubles(reader, "nothing", &shape, &numbers, &err),
		     MF_ERR_INPUT, &err, fx->run, "no variable 'nothing'");
	assert_null(numbers);
	expect_error(mf_reader_shape(reader, "nothing", &shape, &err), MF_ERR_INPUT, &err,
		     fx->run, "no variable 'nothing'");
	expect_error(mf_reader_read_int64(reader, "place_lat", &shape, &values, &err),
		     MF_ERR_INPUT, &err, "'place_lat'", "read it as doubles");
	assert_null(values);
	expect_error(mf_reader_read_doubles(reader, "place_name", &shape, &numbers, &err),
		     MF_ERR_INPUT, &err, "'place_name'", "does not hold numbers");
	expect_error(mf_reader_labels(reader, "occupancy", &labels, &n, &err), MF_ERR_INPUT,
		     &err, "'occupancy'", "not a one-dimensional text variable");
	assert_null(labels);
	expect_error(mf_reader_labels(reader, "nothing", &labels, &n, &err), MF_ERR_INPUT,
		     &err, fx->run, "no variable 'nothing'");
	expect_error(mf_reader_dimension_size(reader, "place_name", &size, &err), MF_ERR_INPUT,
		     &err, fx->run, "no dimension 'place_name'");
	int64_t block[4];
	expect_error(mf_reader_read_int64_block(reader, "interceptions", 1,
						(const uint64_t[]){DAYS - 1},
						(const uint64_t[]){2}, block, &err),
		     MF_ERR_INPUT, &err, "'interceptions'", "not within its shape");
	expect_error(mf_reader_read_int64_block(reader, "interceptions", 2,
						(const uint64_t[]){0, 0},
						(const uint64_t[]){1, 1}, block, &err),
		     MF_ERR_INPUT, &err, "'interceptions'", "not within its shape");
	expect_error(mf_reader_text_attribute(reader, NULL, "nothing", &text, &err),
		     MF_ERR_INPUT, &err, fx->run, "no attribute 'nothing'");
	assert_null(text);
	expect_error(mf_reader_text_attribute(reader, "occupancy", "nothing", &text, &err),
		     MF_ERR_INPUT, &err, "'occupancy'", "no attribute 'nothing'");
	expect_error(mf_reader_text_attribute(reader, "nothing", "units", &text, &err),
		     MF_ERR_INPUT, &err, fx->run, "no variable 'nothing'");
	expect_error(mf_reader_text_attribute(reader, NULL, "seed", &text, &err), MF_ERR_INPUT,
		     &err, "'seed'", "not text");
	expect_error(mf_reader_int_attribute(reader, NULL, "wall_seconds", &number, &err),
		     MF_ERR_INPUT, &err, "'wall_seconds'", "not an integer");
	double seconds = 0;
	expect_error(mf_reader_double_attribute(reader, NULL, "title", &seconds, &err),
		     MF_ERR_INPUT, &err, "'title'", "not a number");
	mf_reader_close(reader);
	mf_reader_close(NULL);
	mf_reader_labels_free(NULL, 0);

	fflush(stderr);
	dup2(saved, STDERR_FILENO);
	close(saved);
	close(sink);
	struct stat st;
	assert_int_equal(stat(quiet, &st), 0);
	assert_int_equal(st.st_size, 0);
}

/* mf_output_probe, which reads through the reader. */
static void test_probe(void **state)
{
	struct fixture *fx = *state;
	struct mf_error err;
	struct mf_run_stats stats = {0};
	char *key = NULL;
	assert_int_equal(mf_output_probe(fx->ensemble, "scenario_name", &key, &stats, &err),
			 MF_OK);
	assert_string_equal(key, "tiny");
	free(key);
	assert_int_equal(stats.agent_steps, 33);
	assert_true(stats.wall_seconds == 0.25);
	assert_int_equal(mf_output_probe(fx->run, "nothing", &key, NULL, &err), MF_OK);
	assert_null(key);
	char missing[PATH_SIZE];
	snprintf(missing, sizeof(missing), "%s/missing.h5", fx->dir);
	expect_error(mf_output_probe(missing, NULL, NULL, NULL, &err), MF_ERR_IO, &err, missing,
		     "cannot read");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_run),
		cmocka_unit_test(test_table),
		cmocka_unit_test(test_ensemble),
		cmocka_unit_test(test_batch_member),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_probe),
	};
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
