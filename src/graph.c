#include "migflow/graph.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "csv.h"
#include "text.h"

static const char *const weekday_names[7] = {"mon", "tue", "wed", "thu", "fri", "sat", "sun"};

/* Columns of a CSV table, found by header name. */
struct column {
	const char *name;
	bool required;
	int index; /* in the record, -1 if absent */
};

struct table {
	struct mf_csv *csv;
	struct column *columns;
	int n_columns;
	int width; /* fields in the header */
};

static int read_header(struct table *t, struct mf_error *err)
{
	int status = mf_csv_next(t->csv, err);
	if (status == 0)
		return mf_error_at(err, mf_csv_path(t->csv), mf_csv_line(t->csv) + 1, 1, "",
				   "empty file: expected a header line"), -1;
	if (status < 0)
		return -1;
	const char *names[MF_CSV_FIELDS_MAX];
	for (int c = 0; c < t->n_columns; c++) {
		t->columns[c].index = -1;
		names[c] = t->columns[c].name;
	}
	for (int i = 0; i < mf_csv_count(t->csv); i++) {
		const char *name = mf_csv_field(t->csv, i);
		int found = -1;
		for (int c = 0; c < t->n_columns; c++)
			if (strcmp(name, t->columns[c].name) == 0)
				found = c;
		if (found < 0) {
			const char *hint = mf_text_suggest(name, names, t->n_columns);
			return mf_error_at(err, mf_csv_path(t->csv), mf_csv_line(t->csv),
					   mf_csv_column(t->csv, i), name,
					   "unknown column%s%s%s", hint ? " (did you mean '" : "",
					   hint ? hint : "", hint ? "'?)" : ""), -1;
		}
		if (t->columns[found].index >= 0)
			return mf_error_at(err, mf_csv_path(t->csv), mf_csv_line(t->csv),
					   mf_csv_column(t->csv, i), name, "column given twice"), -1;
		t->columns[found].index = i;
	}
	t->width = mf_csv_count(t->csv);
	for (int c = 0; c < t->n_columns; c++)
		if (t->columns[c].required && t->columns[c].index < 0)
			return mf_error_at(err, mf_csv_path(t->csv), mf_csv_line(t->csv), 1,
					   t->columns[c].name, "required column missing from the header"), -1;
	return 0;
}

/* A record has as many fields as the header (an unquoted comma in a text
 * would otherwise shift every later column). */
static int check_width(const struct table *t, struct mf_error *err)
{
	int n = mf_csv_count(t->csv);
	if (n == t->width)
		return 0;
	int column = n > t->width ? mf_csv_column(t->csv, t->width) : mf_csv_column(t->csv, n - 1);
	mf_error_at(err, mf_csv_path(t->csv), mf_csv_line(t->csv), column, "",
		    "expected %d fields as in the header, got %d%s", t->width, n,
		    n > t->width ? " (quote a text that contains a comma)" : "");
	return -1;
}

/* Text of column c in the current record ("" when absent or short). */
static const char *cell(const struct table *t, int c)
{
	int i = t->columns[c].index;
	return i >= 0 && i < mf_csv_count(t->csv) ? mf_csv_field(t->csv, i) : "";
}

static int cell_column(const struct table *t, int c)
{
	int i = t->columns[c].index;
	return i >= 0 && i < mf_csv_count(t->csv) ? mf_csv_column(t->csv, i) : 1;
}

static int cell_error(const struct table *t, int c, struct mf_error *err, const char *what)
{
	mf_error_at(err, mf_csv_path(t->csv), mf_csv_line(t->csv), cell_column(t, c),
		    t->columns[c].name, "%s, got '%s'", what, cell(t, c));
	return -1;
}

/* A number in [min, max]; an empty cell gives fallback (or is an error when
 * the column is required). */
static int cell_number(const struct table *t, int c, double min, double max,
		       double fallback, double *value, struct mf_error *err)
{
	const char *text = cell(t, c);
	if (!*text) {
		if (t->columns[c].required)
			return cell_error(t, c, err, "expected a number");
		*value = fallback;
		return 0;
	}
	if (!mf_text_double(text, value))
		return cell_error(t, c, err, "expected a finite number");
	if (*value < min || *value > max) {
		char what[96];
		snprintf(what, sizeof(what), "expected a number in [%g, %g]", min, max);
		return cell_error(t, c, err, what);
	}
	return 0;
}

static int cell_text(const struct table *t, int c, char *out, size_t size, struct mf_error *err)
{
	const char *text = cell(t, c);
	if (!*text && t->columns[c].required)
		return cell_error(t, c, err, "expected a value");
	if (!mf_text_copy(out, size, text)) {
		char what[64];
		snprintf(what, sizeof(what), "expected at most %zu bytes", size - 1);
		return cell_error(t, c, err, what);
	}
	return 0;
}

static int cell_choice(const struct table *t, int c, const char *const *names, int n,
		       int *value, struct mf_error *err)
{
	const char *text = cell(t, c);
	for (int i = 0; i < n; i++)
		if (strcmp(text, names[i]) == 0) {
			*value = i;
			return 0;
		}
	char what[256];
	int used = snprintf(what, sizeof(what), "expected one of");
	for (int i = 0; i < n && used < (int)sizeof(what); i++)
		used += snprintf(what + used, sizeof(what) - (size_t)used, "%s %s",
				 i ? "," : "", names[i]);
	const char *hint = mf_text_suggest(text, names, n);
	if (hint && used < (int)sizeof(what))
		snprintf(what + used, sizeof(what) - (size_t)used, " (did you mean '%s'?)", hint);
	return cell_error(t, c, err, what);
}

static bool valid_id(const char *id)
{
	if (!*id)
		return false;
	for (const char *p = id; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '_'))
			return false;
	return true;
}

int mf_graph_place_index(const struct mf_graph *graph, const char *id)
{
	for (int i = 0; i < graph->n_places; i++)
		if (strcmp(graph->places[i].id, id) == 0)
			return i;
	return -1;
}

int mf_graph_link_index(const struct mf_graph *graph, int from, int to)
{
	if (from < 0 || from >= graph->n_places)
		return -1;
	for (int k = graph->out_offset[from]; k < graph->out_offset[from + 1]; k++)
		if (graph->links[graph->out_links[k]].to == to)
			return graph->out_links[k];
	return -1;
}

int mf_graph_country_index(const struct mf_graph *graph, const char *name)
{
	for (int i = 0; i < graph->n_countries; i++)
		if (strcmp(graph->countries[i], name) == 0)
			return i;
	return -1;
}

static int grow(void **array, int *capacity, int needed, size_t size)
{
	if (needed <= *capacity)
		return 0;
	int next = *capacity ? *capacity * 2 : 64;
	while (next < needed)
		next *= 2;
	void *bigger = realloc(*array, (size_t)next * size);
	if (!bigger)
		return -1;
	*array = bigger;
	*capacity = next;
	return 0;
}

enum { P_ID, P_NAME, P_COUNTRY, P_REGION, P_LAT, P_LON, P_KIND, P_POPULATION,
       P_CAPACITY, P_SECURITY, P_SOURCE, P_COUNT };

static int load_places(struct mf_graph *g, const char *path, struct mf_error *err)
{
	struct column columns[P_COUNT] = {
		{"id", true, -1}, {"name", true, -1}, {"country", true, -1},
		{"region", false, -1}, {"lat", true, -1}, {"lon", true, -1},
		{"kind", true, -1}, {"population", false, -1}, {"capacity", false, -1},
		{"security", false, -1}, {"source", false, -1},
	};
	struct table t = {mf_csv_open(path, &mf_csv_network, err), columns, P_COUNT, 0};
	int capacity = 0, country_capacity = 0, status = -1;
	if (!t.csv)
		return -1;
	if (read_header(&t, err) < 0)
		goto done;
	int record;
	while ((record = mf_csv_next(t.csv, err)) == 1) {
		if (check_width(&t, err) < 0)
			goto done;
		if (g->n_places >= UINT16_MAX - 1) {
			mf_error_at(err, path, mf_csv_line(t.csv), 1, "", "too many places");
			goto done;
		}
		if (grow((void **)&g->places, &capacity, g->n_places + 1, sizeof(*g->places)) < 0) {
			mf_error_set(err, MF_ERR_NOMEM, "out of memory reading %s", path);
			goto done;
		}
		struct mf_place *p = &g->places[g->n_places];
		memset(p, 0, sizeof(*p));
		p->line = mf_csv_line(t.csv);
		int kind = 0;
		if (cell_text(&t, P_ID, p->id, sizeof(p->id), err) < 0 ||
		    cell_text(&t, P_NAME, p->name, sizeof(p->name), err) < 0 ||
		    cell_text(&t, P_COUNTRY, p->country, sizeof(p->country), err) < 0 ||
		    cell_text(&t, P_REGION, p->region, sizeof(p->region), err) < 0 ||
		    cell_number(&t, P_LAT, -90, 90, 0, &p->lat, err) < 0 ||
		    cell_number(&t, P_LON, -180, 180, 0, &p->lon, err) < 0 ||
		    cell_choice(&t, P_KIND, mf_place_kind_names, MF_PLACE_KIND_COUNT, &kind, err) < 0 ||
		    cell_number(&t, P_POPULATION, 0, 1e10, 0, &p->population, err) < 0 ||
		    cell_number(&t, P_CAPACITY, 0, 1e10, 0, &p->capacity, err) < 0 ||
		    cell_number(&t, P_SECURITY, 0, 1, 1, &p->security, err) < 0)
			goto done;
		p->kind = (enum mf_place_kind)kind;
		if (!valid_id(p->id)) {
			cell_error(&t, P_ID, err, "expected an id of lowercase letters, digits and '_'");
			goto done;
		}
		int other = mf_graph_place_index(g, p->id);
		if (other >= 0) {
			char what[96];
			snprintf(what, sizeof(what), "duplicate place id (first defined on line %d)",
				 g->places[other].line);
			cell_error(&t, P_ID, err, what);
			goto done;
		}
		p->country_index = mf_graph_country_index(g, p->country);
		if (p->country_index < 0) {
			if (grow((void **)&g->countries, &country_capacity, g->n_countries + 1,
				 sizeof(*g->countries)) < 0) {
				mf_error_set(err, MF_ERR_NOMEM, "out of memory reading %s", path);
				goto done;
			}
			mf_text_copy(g->countries[g->n_countries], MF_NAME_MAX, p->country);
			p->country_index = g->n_countries++;
		}
		g->n_places++;
	}
	if (record < 0)
		goto done;
	if (g->n_places == 0) {
		mf_error_at(err, path, mf_csv_line(t.csv), 1, "", "no places defined");
		goto done;
	}
	status = 0;
done:
	mf_csv_close(t.csv);
	return status;
}

enum { L_FROM, L_TO, L_MODE, L_DISTANCE, L_DAYS, L_FARE, L_DEATH_DAY, L_DEATH_CROSSING,
       L_INTERCEPTION, L_INTERCEPT_TO, L_CAPACITY, L_DEPARTS, L_BOTH, L_SOURCE, L_COUNT };

static int place_cell(const struct table *t, int c, const struct mf_graph *g, bool optional,
		      int *index, struct mf_error *err)
{
	const char *id = cell(t, c);
	if (!*id && optional) {
		*index = -1;
		return 0;
	}
	*index = mf_graph_place_index(g, id);
	if (*index >= 0)
		return 0;
	const char *names[1024];
	int n = g->n_places < 1024 ? g->n_places : 1024;
	for (int i = 0; i < n; i++)
		names[i] = g->places[i].id;
	const char *hint = mf_text_suggest(id, names, n);
	mf_error_at(err, mf_csv_path(t->csv), mf_csv_line(t->csv), cell_column(t, c),
		    t->columns[c].name, "unknown place '%s' (not in %s)%s%s%s", id, g->places_path,
		    hint ? "; did you mean '" : "", hint ? hint : "", hint ? "'?" : "");
	return -1;
}

static int load_links(struct mf_graph *g, const char *path, struct mf_error *err)
{
	struct column columns[L_COUNT] = {
		{"from", true, -1}, {"to", true, -1}, {"mode", true, -1},
		{"distance_km", true, -1}, {"travel_days", false, -1}, {"fare_usd", false, -1},
		{"death_per_day", false, -1}, {"death_per_crossing", false, -1},
		{"interception", false, -1}, {"intercept_to", false, -1},
		{"capacity_per_day", false, -1}, {"departs", false, -1},
		{"both_ways", false, -1}, {"source", false, -1},
	};
	struct table t = {mf_csv_open(path, &mf_csv_network, err), columns, L_COUNT, 0};
	int capacity = 0, status = -1;
	if (!t.csv)
		return -1;
	if (read_header(&t, err) < 0)
		goto done;
	int record;
	while ((record = mf_csv_next(t.csv, err)) == 1) {
		if (check_width(&t, err) < 0)
			goto done;
		if (grow((void **)&g->links, &capacity, g->n_links + 2, sizeof(*g->links)) < 0) {
			mf_error_set(err, MF_ERR_NOMEM, "out of memory reading %s", path);
			goto done;
		}
		struct mf_link *l = &g->links[g->n_links];
		memset(l, 0, sizeof(*l));
		l->line = mf_csv_line(t.csv);
		int mode = 0, both = 0;
		double days;
		static const char *const yes_no[2] = {"no", "yes"};
		if (place_cell(&t, L_FROM, g, false, &l->from, err) < 0 ||
		    place_cell(&t, L_TO, g, false, &l->to, err) < 0 ||
		    cell_choice(&t, L_MODE, mf_link_mode_names, MF_MODE_COUNT, &mode, err) < 0 ||
		    cell_number(&t, L_DISTANCE, 0, 20000, 0, &l->distance_km, err) < 0 ||
		    cell_number(&t, L_DAYS, 1, 365, 0, &days, err) < 0 ||
		    cell_number(&t, L_FARE, 0, 1e6, 0, &l->fare_usd, err) < 0 ||
		    cell_number(&t, L_DEATH_DAY, 0, 1, 0, &l->death_per_day, err) < 0 ||
		    cell_number(&t, L_DEATH_CROSSING, 0, 1, 0, &l->death_per_crossing, err) < 0 ||
		    cell_number(&t, L_INTERCEPTION, 0, 1, 0, &l->interception, err) < 0 ||
		    place_cell(&t, L_INTERCEPT_TO, g, true, &l->intercept_to, err) < 0 ||
		    cell_number(&t, L_CAPACITY, 0, 1e9, 0, &l->capacity_per_day, err) < 0)
			goto done;
		l->mode = (enum mf_link_mode)mode;
		l->travel_days = (int)days;
		if (days != (double)l->travel_days) {
			cell_error(&t, L_DAYS, err, "expected a whole number of days");
			goto done;
		}
		l->departs_weekday = -1;
		if (*cell(&t, L_DEPARTS) &&
		    cell_choice(&t, L_DEPARTS, weekday_names, 7, &l->departs_weekday, err) < 0)
			goto done;
		if (*cell(&t, L_BOTH) && cell_choice(&t, L_BOTH, yes_no, 2, &both, err) < 0)
			goto done;
		if (l->from == l->to) {
			cell_error(&t, L_TO, err, "a link must join two different places");
			goto done;
		}
		if (l->death_per_crossing + l->interception > 1) {
			cell_error(&t, L_INTERCEPTION, err,
				   "death_per_crossing + interception must not exceed 1");
			goto done;
		}
		if ((l->death_per_crossing > 0 || l->interception > 0) && l->mode != MF_MODE_SEA) {
			cell_error(&t, L_MODE, err,
				   "only sea links have death_per_crossing or interception");
			goto done;
		}
		int n_new = both ? 2 : 1;
		if (both) {
			g->links[g->n_links + 1] = *l;
			g->links[g->n_links + 1].from = l->to;
			g->links[g->n_links + 1].to = l->from;
		}
		for (int k = 0; k < n_new; k++) {
			const struct mf_link *add = &g->links[g->n_links + k];
			for (int j = 0; j < g->n_links + k; j++)
				if (g->links[j].from == add->from && g->links[j].to == add->to) {
					char what[160];
					snprintf(what, sizeof(what),
						 "duplicate link %s -> %s (first defined on line %d)",
						 g->places[add->from].id, g->places[add->to].id,
						 g->links[j].line);
					cell_error(&t, k ? L_BOTH : L_TO, err, what);
					goto done;
				}
		}
		g->n_links += n_new;
	}
	if (record < 0)
		goto done;
	if (g->n_links == 0) {
		mf_error_at(err, path, mf_csv_line(t.csv), 1, "", "no links defined");
		goto done;
	}
	status = 0;
done:
	mf_csv_close(t.csv);
	return status;
}

static int build_adjacency(struct mf_graph *g)
{
	g->out_offset = calloc((size_t)g->n_places + 1, sizeof(int));
	g->out_links = malloc((size_t)g->n_links * sizeof(int));
	if (!g->out_offset || !g->out_links)
		return -1;
	for (int l = 0; l < g->n_links; l++)
		g->out_offset[g->links[l].from + 1]++;
	for (int p = 0; p < g->n_places; p++)
		g->out_offset[p + 1] += g->out_offset[p];
	int *fill = calloc((size_t)g->n_places, sizeof(int));
	if (!fill)
		return -1;
	for (int l = 0; l < g->n_links; l++) {
		int from = g->links[l].from;
		g->out_links[g->out_offset[from] + fill[from]++] = l;
	}
	free(fill);
	return 0;
}

/* Marks in seen[] every place reachable from start. */
static void mark_reachable(const struct mf_graph *g, int start, char *seen, int *stack)
{
	int top = 0;
	memset(seen, 0, (size_t)g->n_places);
	seen[start] = 1;
	stack[top++] = start;
	while (top) {
		int p = stack[--top];
		for (int k = g->out_offset[p]; k < g->out_offset[p + 1]; k++) {
			int q = g->links[g->out_links[k]].to;
			if (!seen[q]) {
				seen[q] = 1;
				stack[top++] = q;
			}
		}
	}
}

bool mf_graph_reachable(const struct mf_graph *graph, int from, int to)
{
	char *seen = malloc((size_t)graph->n_places);
	int *stack = malloc((size_t)graph->n_places * sizeof(int));
	bool reachable = false;
	if (seen && stack) {
		mark_reachable(graph, from, seen, stack);
		reachable = seen[to];
	}
	free(seen);
	free(stack);
	return reachable;
}

/* Every destination must be reachable from at least one origin. */
static int check_destinations(const struct mf_graph *g, struct mf_error *err)
{
	char *seen = calloc((size_t)g->n_places, 1);
	char *any = calloc((size_t)g->n_places, 1);
	int *stack = malloc((size_t)g->n_places * sizeof(int));
	int status = -1;
	if (!seen || !any || !stack) {
		mf_error_set(err, MF_ERR_NOMEM, "out of memory checking the network");
		goto done;
	}
	bool has_origin = false;
	for (int p = 0; p < g->n_places; p++) {
		if (g->places[p].kind != MF_PLACE_ORIGIN)
			continue;
		has_origin = true;
		mark_reachable(g, p, seen, stack);
		for (int q = 0; q < g->n_places; q++)
			any[q] |= seen[q];
	}
	for (int p = 0; p < g->n_places && has_origin; p++)
		if (g->places[p].kind == MF_PLACE_DESTINATION && !any[p]) {
			mf_error_at(err, g->places_path, g->places[p].line, 1, "id",
				    "destination '%s' cannot be reached from any origin along the links of %s",
				    g->places[p].id, g->links_path);
			goto done;
		}
	status = 0;
done:
	free(seen);
	free(any);
	free(stack);
	return status;
}

struct mf_graph *mf_graph_load(const char *places_path, const char *links_path,
			       struct mf_error *err)
{
	struct mf_graph *g = calloc(1, sizeof(*g));
	if (!g) {
		mf_error_set(err, MF_ERR_NOMEM, "out of memory loading the network");
		return NULL;
	}
	mf_text_copy(g->places_path, sizeof(g->places_path), places_path);
	mf_text_copy(g->links_path, sizeof(g->links_path), links_path);
	if (load_places(g, places_path, err) < 0 || load_links(g, links_path, err) < 0)
		goto fail;
	if (build_adjacency(g) < 0) {
		mf_error_set(err, MF_ERR_NOMEM, "out of memory loading the network");
		goto fail;
	}
	if (check_destinations(g, err) < 0)
		goto fail;
	return g;
fail:
	mf_graph_destroy(g);
	return NULL;
}

void mf_graph_destroy(struct mf_graph *graph)
{
	if (!graph)
		return;
	free(graph->places);
	free(graph->links);
	free(graph->countries);
	free(graph->out_offset);
	free(graph->out_links);
	free(graph);
}
