/* Reading the tables of a FLEE instance's input_csv/: locations.csv,
 * routes.csv, closures.csv, conflicts.csv and sim_period.csv. */
#include "migflow/flee.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "migflow/date.h"
#include "flee_load.h"
#include "text.h"

#define LOCATIONS_MAX 60000
#define ROUTES_MAX 30000

/* ---- cells and names ---- */

static enum mf_status cell_long(const struct mf_csv *csv, int i, const char *field, long min,
				long max, bool allow_empty, long fallback, long *value,
				struct mf_error *err)
{
	char buf[NUMBER_SIZE];
	mf_csv_trimmed(csv, i, buf, sizeof(buf));
	if (!buf[0] && allow_empty) {
		*value = fallback;
		return MF_OK;
	}
	if (!mf_text_long(buf, min, max, value))
		return flee_cell_error(csv, i, field, err, "expected a whole number in [%ld, %ld], got '%s'",
				  min, max, mf_csv_field(csv, i));
	return MF_OK;
}

/* The location named by field i, which must exist. */
static enum mf_status cell_location(const struct mf_flee_instance *inst, const struct mf_csv *csv,
				    int i, const char *field, int *index, struct mf_error *err)
{
	const char *name = mf_csv_field(csv, i);
	*index = mf_flee_location_index(inst, name);
	if (*index < 0)
		return flee_cell_error(csv, i, field, err, "no location named '%s' in locations.csv", name);
	return MF_OK;
}

static int country_index(const struct mf_flee_instance *inst, const char *name)
{
	for (int i = 0; i < inst->n_countries; i++)
		if (strcmp(inst->countries[i], name) == 0)
			return i;
	return -1;
}

/* ---- locations.csv ---- */

static const char *const location_columns[8] = {
	"name", "region", "country", "lat", "lon", "location_type", "conflict_date", "population",
};

static bool contains(const char *haystack, const char *needle)
{
	size_t n = strlen(needle);
	for (const char *p = haystack; *p; p++)
		if (strncasecmp(p, needle, n) == 0)
			return true;
	return false;
}

static int parse_type(const char *text, enum mf_flee_location_type *type)
{
	if (contains(text, "camp"))
		*type = contains(text, "idp") ? MF_FLEE_IDP_CAMP : MF_FLEE_CAMP;
	else if (contains(text, "conflict"))
		*type = MF_FLEE_CONFLICT;
	else if (contains(text, "forward"))
		*type = MF_FLEE_FORWARD;
	else if (contains(text, "marker"))
		*type = MF_FLEE_MARKER;
	else if (contains(text, "flood_zone"))
		*type = MF_FLEE_FLOOD_ZONE;
	else if (contains(text, "town") || contains(text, "default"))
		*type = MF_FLEE_TOWN;
	else
		return -1;
	return 0;
}

/* The movechance a location starts with, FLEE's rule for auto camps. */
static double initial_movechance(const struct mf_flee_settings *s, enum mf_flee_location_type type,
				 bool starts_conflict)
{
	switch (type) {
	case MF_FLEE_CAMP: return s->camp_movechance;
	case MF_FLEE_IDP_CAMP: return s->idpcamp_movechance;
	case MF_FLEE_CONFLICT: return starts_conflict ? s->conflict_movechance : s->default_movechance;
	case MF_FLEE_FORWARD:
	case MF_FLEE_MARKER: return 1.0;
	default: return s->default_movechance;
	}
}

/* Column names of a '#' header row beyond the fixed ones. */
struct header {
	int n;
	char **names;
};

static void header_free(struct header *h)
{
	for (int i = 0; i < h->n; i++)
		free(h->names[i]);
	free(h->names);
	h->n = 0;
	h->names = NULL;
}

static enum mf_status header_read(struct header *h, const struct mf_csv *csv, int fixed,
				  struct mf_error *err)
{
	if (mf_csv_count(csv) <= fixed)
		return MF_OK;
	header_free(h);
	int n = mf_csv_count(csv) - fixed;
	h->names = calloc((size_t)n, sizeof(*h->names));
	if (!h->names)
		return flee_no_memory(err);
	h->n = n;
	for (int i = 0; i < n; i++)
		if (!(h->names[i] = flee_copy_text(mf_csv_field(csv, fixed + i))))
			return flee_no_memory(err);
	return MF_OK;
}

/* Column of the named attribute, or -1. */
static int header_find(const struct header *h, int fixed, const char *name)
{
	for (int i = 0; i < h->n; i++)
		if (strcmp(h->names[i], name) == 0)
			return fixed + i;
	return -1;
}

static enum mf_status add_country(struct mf_flee_instance *inst, const char *name, int *index,
				  struct mf_error *err)
{
	*index = country_index(inst, name);
	if (*index >= 0)
		return MF_OK;
	char **bigger = realloc(inst->countries, (size_t)(inst->n_countries + 1) * sizeof(*bigger));
	if (!bigger)
		return flee_no_memory(err);
	inst->countries = bigger;
	if (!(inst->countries[inst->n_countries] = flee_copy_text(name)))
		return flee_no_memory(err);
	*index = inst->n_countries++;
	return MF_OK;
}

static enum mf_status read_location_row(struct mf_flee_instance *inst, const struct mf_csv *csv,
					const struct header *header, struct mf_error *err)
{
	const struct mf_flee_settings *s = &inst->settings;
	if (mf_csv_count(csv) < 8)
		return flee_cell_error(csv, mf_csv_count(csv), location_columns[mf_csv_count(csv)], err,
				  "expected at least 8 columns (name, region, country, lat, lon, "
				  "location_type, conflict_date, population), got %d",
				  mf_csv_count(csv));
	if (inst->n_locations >= LOCATIONS_MAX)
		return flee_cell_error(csv, 0, "name", err, "more than %d locations", LOCATIONS_MAX);
	if (flee_grow((void **)&inst->locations, inst->n_locations, sizeof(*inst->locations), err) != MF_OK)
		return err->code;
	const char *name = mf_csv_field(csv, 0);
	if (!name[0])
		return flee_cell_error(csv, 0, "name", err, "empty location name");
	int other = mf_flee_location_index(inst, name);
	if (other >= 0)
		return flee_cell_error(csv, 0, "name", err, "location '%s' given twice (first on line %d)", name,
				  inst->locations[other].line);
	struct mf_flee_location *loc = &inst->locations[inst->n_locations];
	memset(loc, 0, sizeof(*loc));
	loc->line = mf_csv_line(csv);
	const char *region = mf_csv_field(csv, 1), *country = mf_csv_field(csv, 2);
	if (!(loc->name = flee_copy_text(name)) || !(loc->region = flee_copy_text(region[0] ? region : "unknown")) ||
	    !(loc->country = flee_copy_text(country[0] ? country : "unknown"))) {
		inst->n_locations++; /* so that destroy frees what was copied */
		return flee_no_memory(err);
	}
	inst->n_locations++;
	if (add_country(inst, loc->country, &loc->country_index, err) != MF_OK)
		return err->code;
	loc->foreign = loc->country_index != inst->locations[0].country_index;
	if (flee_cell_number(csv, 3, "lat", -1e9, 1e9, true, 0, &loc->x, err) != MF_OK ||
	    flee_cell_number(csv, 4, "lon", -1e9, 1e9, true, 0, &loc->y, err) != MF_OK)
		return err->code;
	if (parse_type(mf_csv_field(csv, 5), &loc->type) < 0)
		return flee_cell_error(csv, 5, "location_type", err,
				  "unknown location type '%s'; expected one containing camp, idpcamp, "
				  "conflict, forward, marker, flood_zone, town or default",
				  mf_csv_field(csv, 5));
	long number;
	loc->conflict_date = -1;
	if (loc->type == MF_FLEE_CONFLICT) {
		if (cell_long(csv, 6, "conflict_date", -1000000, 1000000, true, 0, &number, err) != MF_OK)
			return err->code;
		loc->conflict_date = (int)number;
	}
	if (cell_long(csv, 7, "population", 0, 4000000000L, true, 0, &number, err) != MF_OK)
		return err->code;
	double scaled = (double)(number / s->hasten);
	loc->conflict_intensity = 1;
	int c;
	if ((c = header_find(header, 8, "conflict_intensity")) >= 0 && c < mf_csv_count(csv) &&
	    flee_cell_number(csv, c, "conflict_intensity", 0, 1e9, true, 1, &loc->conflict_intensity, err) != MF_OK)
		return err->code;
	double per_day = 0;
	if ((c = header_find(header, 8, "capacity_per_day")) >= 0 && c < mf_csv_count(csv)) {
		if (flee_cell_number(csv, c, "capacity_per_day", 0, 1e10, true, 0, &per_day, err) != MF_OK)
			return err->code;
		loc->capacity_per_day = per_day / s->hasten;
	}
	if ((c = header_find(header, 8, "initial_idps")) >= 0 && c < mf_csv_count(csv) &&
	    cell_long(csv, c, "initial_idps", 0, 1000000000L, true, 0, &loc->initial_idps, err) != MF_OK)
		return err->code;
	if ((c = header_find(header, 8, "deactivation_probability")) >= 0 && c < mf_csv_count(csv) &&
	    flee_cell_number(csv, c, "deactivation_probability", 0, 1, true, 0, &loc->deactivation_probability,
			err) != MF_OK)
		return err->code;
	loc->camp = loc->type == MF_FLEE_CAMP || loc->type == MF_FLEE_IDP_CAMP;
	if (loc->camp) {
		loc->capacity = scaled;
	} else {
		loc->population = scaled;
		loc->capacity = -1;
		/* FLEE turns a non-camp a person leaves with less than 0.5% a
		 * day into a camp (it keeps no capacity). */
		bool starts_conflict = loc->type == MF_FLEE_CONFLICT && loc->conflict_date <= 0;
		if (initial_movechance(s, loc->type, starts_conflict) < 0.005 &&
		    loc->type != MF_FLEE_FLOOD_ZONE)
			loc->camp = true;
	}
	return MF_OK;
}

typedef enum mf_status (*row_reader)(struct mf_flee_instance *inst, const struct mf_csv *csv,
				     const struct header *header, struct mf_error *err);

/* A table of input_csv/: comment rows name its columns (n_known of them
 * known), each data row goes to read_row. */
static enum mf_status read_table(struct mf_flee_instance *inst, const char *file, int n_known,
				 row_reader read_row, struct mf_error *err)
{
	char path[PATH_SIZE];
	flee_join(path, inst->dir, "input_csv", file);
	struct mf_csv *csv = mf_csv_open(path, &mf_csv_flee, err);
	if (!csv)
		return err->code;
	enum mf_status status = MF_OK;
	struct header header = {0};
	int row;
	while ((row = mf_csv_next(csv, err)) == 1) {
		if (mf_csv_is_comment(csv))
			status = header_read(&header, csv, n_known, err);
		else
			status = read_row(inst, csv, &header, err);
		if (status != MF_OK)
			break;
	}
	if (status == MF_OK && row < 0)
		status = err->code;
	header_free(&header);
	mf_csv_close(csv);
	return status;
}

enum mf_status flee_read_locations(struct mf_flee_instance *inst, struct mf_error *err)
{
	enum mf_status status = read_table(inst, "locations.csv", 8, read_location_row, err);
	if (status == MF_OK && inst->n_locations == 0) {
		char path[PATH_SIZE];
		flee_join(path, inst->dir, "input_csv", "locations.csv");
		status = mf_error_at(err, path, 0, 0, "", "no locations");
	}
	return status;
}

/* ---- routes.csv ---- */

static const char *const route_columns[4] = {"name1", "name2", "distance", "forced_redirection"};

static enum mf_status read_route_row(struct mf_flee_instance *inst, const struct mf_csv *csv,
				     const struct header *header, struct mf_error *err)
{
	if (mf_csv_count(csv) < 3)
		return flee_cell_error(csv, mf_csv_count(csv), route_columns[mf_csv_count(csv)], err,
				  "expected at least 3 columns (name1, name2, distance), got %d",
				  mf_csv_count(csv));
	if (inst->n_routes >= ROUTES_MAX)
		return flee_cell_error(csv, 0, "name1", err, "more than %d routes", ROUTES_MAX);
	if (flee_grow((void **)&inst->routes, inst->n_routes, sizeof(*inst->routes), err) != MF_OK)
		return err->code;
	struct mf_flee_route *r = &inst->routes[inst->n_routes];
	memset(r, 0, sizeof(*r));
	r->line = mf_csv_line(csv);
	long forced = 0;
	if (cell_location(inst, csv, 0, "name1", &r->a, err) != MF_OK ||
	    cell_location(inst, csv, 1, "name2", &r->b, err) != MF_OK ||
	    flee_cell_number(csv, 2, "distance", 1e-9, 1e9, false, 0, &r->distance_km, err) != MF_OK ||
	    cell_long(csv, 3, "forced_redirection", 0, 2, true, 0, &forced, err) != MF_OK)
		return err->code;
	if (r->a == r->b)
		return flee_cell_error(csv, 1, "name2", err, "a route from '%s' to itself",
				  inst->locations[r->a].name);
	r->forced_redirection = (int)forced;
	int c;
	if ((c = header_find(header, 4, "max_move_speed")) >= 0 && c < mf_csv_count(csv) &&
	    flee_cell_number(csv, c, "max_move_speed", 1e-6, 1e6, true, 0, &r->max_move_speed, err) != MF_OK)
		return err->code;
	if ((c = header_find(header, 4, "walk_probability")) >= 0 && c < mf_csv_count(csv) &&
	    flee_cell_number(csv, c, "walk_probability", 0, 1, true, 0, &r->walk_probability, err) != MF_OK)
		return err->code;
	inst->n_routes++;
	return MF_OK;
}

enum mf_status flee_read_routes(struct mf_flee_instance *inst, struct mf_error *err)
{
	return read_table(inst, "routes.csv", 4, read_route_row, err);
}

/* ---- closures.csv ---- */

static const char *const closure_names[MF_FLEE_CLOSURE_TYPE_COUNT] = {
	"country", "location", "link", "camp", "idpcamp", "remove_forced_redirection",
};

static bool route_between(const struct mf_flee_instance *inst, int a, int b)
{
	for (int r = 0; r < inst->n_routes; r++)
		if ((inst->routes[r].a == a && inst->routes[r].b == b) ||
		    (inst->routes[r].a == b && inst->routes[r].b == a))
			return true;
	return false;
}

static enum mf_status read_closure_row(struct mf_flee_instance *inst, const struct mf_csv *csv,
				       struct mf_error *err)
{
	static const char *const columns[5] = {"closure_type", "name1", "name2", "closure_start",
					       "closure_end"};
	if (mf_csv_count(csv) < 5)
		return flee_cell_error(csv, mf_csv_count(csv), columns[mf_csv_count(csv)], err,
				  "expected 5 columns (closure_type, name1, name2, closure_start, "
				  "closure_end), got %d", mf_csv_count(csv));
	struct mf_flee_closure *c = &inst->closures[inst->n_closures];
	memset(c, 0, sizeof(*c));
	c->line = mf_csv_line(csv);
	c->b = -1;
	int type = -1;
	for (int t = 0; t < MF_FLEE_CLOSURE_TYPE_COUNT; t++)
		if (strcmp(mf_csv_field(csv, 0), closure_names[t]) == 0)
			type = t;
	if (type < 0)
		return flee_cell_error(csv, 0, "closure_type", err,
				  "unknown closure type '%s'; expected country, location, link, camp, "
				  "idpcamp or remove_forced_redirection", mf_csv_field(csv, 0));
	c->type = (enum mf_flee_closure_type)type;
	long start, end;
	if (cell_long(csv, 3, "closure_start", 0, 1000000, false, 0, &start, err) != MF_OK ||
	    cell_long(csv, 4, "closure_end", -1000000, 1000000, false, 0, &end, err) != MF_OK)
		return err->code;
	c->start = (int)start;
	c->end = (int)end;
	switch (c->type) {
	case MF_FLEE_CLOSE_COUNTRY:
		for (int k = 1; k <= 2; k++) {
			int country = country_index(inst, mf_csv_field(csv, k));
			if (country < 0)
				return flee_cell_error(csv, k, columns[k], err,
						  "no location in country '%s' in locations.csv",
						  mf_csv_field(csv, k));
			if (k == 1)
				c->a = country;
			else
				c->b = country;
		}
		break;
	case MF_FLEE_CLOSE_LINK:
	case MF_FLEE_REMOVE_FORCED_REDIRECTION:
		if (cell_location(inst, csv, 1, "name1", &c->a, err) != MF_OK ||
		    cell_location(inst, csv, 2, "name2", &c->b, err) != MF_OK)
			return err->code;
		if (!route_between(inst, c->a, c->b))
			return flee_cell_error(csv, 2, "name2", err, "no route between '%s' and '%s' in routes.csv",
					  mf_csv_field(csv, 1), mf_csv_field(csv, 2));
		break;
	case MF_FLEE_CLOSE_CAMP:
	case MF_FLEE_CLOSE_IDP_CAMP:
		if (cell_location(inst, csv, 1, "name1", &c->a, err) != MF_OK)
			return err->code;
		if (!inst->locations[c->a].camp)
			return flee_cell_error(csv, 1, "name1", err, "'%s' is not a camp", mf_csv_field(csv, 1));
		break;
	case MF_FLEE_CLOSE_LOCATION:
	default:
		if (cell_location(inst, csv, 1, "name1", &c->a, err) != MF_OK)
			return err->code;
		break;
	}
	inst->n_closures++;
	return MF_OK;
}

enum mf_status flee_read_closures(struct mf_flee_instance *inst, struct mf_error *err)
{
	char path[PATH_SIZE];
	flee_join(path, inst->dir, "input_csv", "closures.csv");
	if (!flee_exists(path))
		return MF_OK;
	struct mf_csv *csv = mf_csv_open(path, &mf_csv_flee, err);
	if (!csv)
		return err->code;
	enum mf_status status = MF_OK;
	int capacity = 0, row;
	while ((row = mf_csv_next(csv, err)) == 1) {
		if (mf_csv_is_comment(csv))
			continue;
		if (inst->n_closures == capacity) {
			capacity = capacity ? 2 * capacity : 16;
			struct mf_flee_closure *bigger =
				realloc(inst->closures, (size_t)capacity * sizeof(*bigger));
			if (!bigger) {
				status = flee_no_memory(err);
				goto done;
			}
			inst->closures = bigger;
		}
		if ((status = read_closure_row(inst, csv, err)) != MF_OK)
			goto done;
	}
	if (row < 0)
		status = err->code;
done:
	mf_csv_close(csv);
	return status;
}

/* ---- conflicts.csv ---- */

/* The header: #Day, then location names (trimmed). FLEE keys its columns
 * by these names and looks up only the locations it has, so a name that is
 * no location is read and has no effect, and an empty cell (a trailing
 * comma) is skipped: both are warnings here and the column is not read.
 * column_of[k] is the CSV field of stored column k. */
static enum mf_status read_conflict_header(struct mf_flee_instance *inst, const struct mf_csv *csv,
					   int **column_of, struct mf_error *err)
{
	int n = mf_csv_count(csv) - 1;
	inst->conflict_location = calloc((size_t)(n > 0 ? n : 1), sizeof(int));
	*column_of = calloc((size_t)(n > 0 ? n : 1), sizeof(int));
	if (!inst->conflict_location || !*column_of)
		return flee_no_memory(err);
	int used = 0;
	for (int c = 0; c < n; c++) {
		char name[1024];
		mf_csv_trimmed(csv, c + 1, name, sizeof(name));
		char field[96];
		snprintf(field, sizeof(field), "column %d", c + 2);
		int loc = mf_flee_location_index(inst, name);
		enum mf_status status = MF_OK;
		if (!name[0])
			status = warn_cell(inst, err, csv, c + 1, field,
					   "empty location name in the header: column ignored, as FLEE "
					   "skips it");
		else if (loc < 0)
			status = warn_cell(inst, err, csv, c + 1, field,
					   "column '%s' ignored: no such location in locations.csv (FLEE "
					   "reads it and never matches it)", name);
		if (status != MF_OK)
			return status;
		if (!name[0] || loc < 0)
			continue;
		for (int k = 0; k < used; k++)
			if (inst->conflict_location[k] == loc)
				return flee_cell_error(csv, c + 1, field, err, "location '%s' given twice", name);
		inst->conflict_location[used] = loc;
		(*column_of)[used++] = c + 1;
	}
	inst->n_conflict_columns = used;
	return MF_OK;
}

/* One row of values: those of the columns read must be numbers; a row may
 * end before the header's ignored columns at its end, never go beyond the
 * header. */
static enum mf_status read_conflict_row(struct mf_flee_instance *inst, const struct mf_csv *csv,
					const int *column_of, int header_count, int *capacity,
					struct mf_error *err)
{
	int n = inst->n_conflict_columns;
	int needed = n > 0 ? column_of[n - 1] + 1 : 1;
	int count = mf_csv_count(csv);
	if (count < needed || count > header_count)
		return flee_cell_error(csv, count < needed ? count : header_count, "", err,
				  "expected %d values after the day (one per header column), got %d",
				  header_count - 1, count - 1);
	if (inst->conflict_days == *capacity) {
		*capacity = *capacity ? 2 * *capacity : 512;
		double *bigger = realloc(inst->conflict_value,
					 (size_t)*capacity * (size_t)(n > 0 ? n : 1) * sizeof(double));
		if (!bigger)
			return flee_no_memory(err);
		inst->conflict_value = bigger;
	}
	double *values = inst->conflict_value + (size_t)inst->conflict_days * (size_t)n;
	for (int c = 0; c < n; c++) {
		const char *name = inst->locations[inst->conflict_location[c]].name;
		if (flee_cell_number(csv, column_of[c], name, 0, 1e9, false, 0, &values[c], err) != MF_OK)
			return err->code;
	}
	inst->conflict_days++;
	return MF_OK;
}

enum mf_status flee_read_conflicts(struct mf_flee_instance *inst, struct mf_error *err)
{
	char path[PATH_SIZE];
	flee_join(path, inst->dir, "input_csv", "conflicts.csv");
	if (!flee_exists(path))
		return flee_warn(inst, err, MF_FLEE_UNUSED, path, 0, 0, "",
			    "no such file; conflict zones start on the conflict_date of locations.csv");
	struct mf_csv *csv = mf_csv_open(path, &mf_csv_flee, err);
	if (!csv)
		return err->code;
	enum mf_status status = MF_OK;
	int *column_of = NULL;
	int header_count = 0, capacity = 0, row, last_line = 0;
	while ((row = mf_csv_next(csv, err)) == 1) {
		if (!column_of) {
			header_count = mf_csv_count(csv);
			if ((status = read_conflict_header(inst, csv, &column_of, err)) != MF_OK)
				goto done;
			continue;
		}
		if (mf_csv_is_comment(csv))
			continue;
		last_line = mf_csv_line(csv);
		if ((status = read_conflict_row(inst, csv, column_of, header_count, &capacity, err)) != MF_OK)
			goto done;
	}
	if (row < 0) {
		status = err->code;
		goto done;
	}
	inst->has_conflicts = true;
	if (!column_of)
		status = mf_error_at(err, path, 0, 0, "", "no header row (#Day followed by location names)");
	else if (inst->conflict_days == 0)
		status = mf_error_at(err, path, 0, 0, "", "no day rows after the header");
	else if (inst->conflict_days < inst->length) {
		/* FLEE runs until the table runs out, then stops with an
		 * IndexError; a run here covers the days the table has. */
		status = flee_warn(inst, err, MF_FLEE_LENIENT, path, last_line, 1, "",
			      "%d days of data, fewer than the %d days of sim_period.csv (row k after "
			      "the header is day k-1): runs cover days 0..%d only",
			      inst->conflict_days, inst->length, inst->conflict_days - 1);
		inst->run_days = inst->conflict_days;
	}
done:
	free(column_of);
	mf_csv_close(csv);
	return status;
}

/* ---- sim_period.csv ---- */

enum mf_status flee_read_period(struct mf_flee_instance *inst, struct mf_error *err)
{
	char path[PATH_SIZE];
	flee_join(path, inst->dir, "input_csv", "sim_period.csv");
	struct mf_csv *csv = mf_csv_open(path, &mf_csv_flee, err);
	if (!csv)
		return err->code;
	enum mf_status status = MF_OK;
	bool has_start = false, has_length = false;
	int row;
	while ((row = mf_csv_next(csv, err)) == 1) {
		if (mf_csv_is_comment(csv))
			continue;
		const char *key = mf_csv_field(csv, 0);
		char value[NUMBER_SIZE];
		mf_csv_trimmed(csv, 1, value, sizeof(value));
		if (strcasecmp(key, "startdate") == 0) {
			if (!mf_date_parse(value, &inst->start)) {
				status = flee_cell_error(csv, 1, "StartDate", err,
						    "expected a date YYYY-MM-DD, got '%s'", mf_csv_field(csv, 1));
				goto done;
			}
			has_start = true;
		} else if (strcasecmp(key, "length") == 0) {
			long length;
			if ((status = cell_long(csv, 1, "Length", 1, 60000, false, 0, &length, err)) != MF_OK)
				goto done;
			inst->length = inst->run_days = (int)length;
			has_length = true;
		} else {
			status = flee_cell_error(csv, 0, "key", err, "unknown key '%s'; expected StartDate or Length",
					    key);
			goto done;
		}
	}
	if (row < 0)
		status = err->code;
	else if (!has_start || !has_length)
		status = mf_error_at(err, path, 0, 0, has_start ? "Length" : "StartDate", "missing");
done:
	mf_csv_close(csv);
	return status;
}
