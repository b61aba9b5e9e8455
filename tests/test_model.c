/* Tests of the model module: the name tables, the parameter table (it
 * covers every field of struct mf_parameters, its defaults lie in its
 * ranges), names resolved against it, and scenarios/README.md, whose
 * parameter table must say the same names, units, defaults and ranges. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "migflow/graph.h"
#include "migflow/model.h"
#include "parameters.h"

static void test_names(void **state)
{
	(void)state;
	assert_string_equal(mf_place_kind_name(MF_PLACE_DETENTION), "detention");
	assert_string_equal(mf_link_mode_name(MF_MODE_DESERT), "desert");
	assert_string_equal(mf_intent_name(MF_INTENT_RETURN), "return");
	assert_string_equal(mf_direction_name(MF_DIR_INTERNAL), "internal");
	assert_string_equal(mf_place_kind_name(MF_PLACE_KIND_COUNT), "?");
	assert_string_equal(mf_link_mode_name(MF_MODE_COUNT), "?");
	assert_string_equal(mf_intent_name(MF_INTENT_COUNT), "?");
	assert_string_equal(mf_direction_name(MF_DIR_COUNT), "?");
	assert_ptr_equal(mf_intent_names[MF_INTENT_ONWARD], mf_intent_name(MF_INTENT_ONWARD));
}

static int elements(const struct mf_param_info *info)
{
	switch (info->shape) {
	case MF_PARAM_BY_MODE: return MF_MODE_COUNT;
	case MF_PARAM_BY_PLACE_KIND: return MF_PLACE_KIND_COUNT * MF_INTENT_COUNT;
	case MF_PARAM_SCALAR:
	case MF_PARAM_BY_COUNTRY: break;
	}
	return 1;
}

/* Every double of struct mf_parameters belongs to exactly one row: a field
 * added without its row fails here. */
static void test_table_covers_the_struct(void **state)
{
	(void)state;
	enum { DOUBLES = sizeof(struct mf_parameters) / sizeof(double) };
	int owner[DOUBLES];
	for (int k = 0; k < DOUBLES; k++)
		owner[k] = -1;
	/* stay_days_by_country (filled per graph) and onward_factor_by_country,
	 * the by-country values of their rows. */
	size_t covered = sizeof(double *) + MF_COUNTRY_MAX * sizeof(double);
	for (int i = 0; i < mf_param_count(); i++) {
		const struct mf_param_info *info = mf_param_table(i);
		assert_int_equal(info->offset % sizeof(double), 0);
		for (int e = 0; e < elements(info); e++) {
			size_t k = info->offset / sizeof(double) + (size_t)e;
			assert_true(k < DOUBLES);
			if (owner[k] >= 0)
				fail_msg("%s overlaps %s", info->name, mf_param_table(owner[k])->name);
			owner[k] = i;
		}
		covered += (size_t)elements(info) * sizeof(double);
	}
	assert_int_equal(covered, sizeof(struct mf_parameters));
	assert_null(mf_param_table(-1));
	assert_null(mf_param_table(mf_param_count()));
}

static void test_rows(void **state)
{
	(void)state;
	for (int i = 0; i < mf_param_count(); i++) {
		const struct mf_param_info *info = mf_param_table(i);
		assert_ptr_equal(mf_param_find(info->name), info);
		assert_true(info->unit[0] && info->doc[0]);
		assert_null(strchr(info->doc, '\n'));
		assert_true(info->min <= info->max);
		if (info->shape == MF_PARAM_BY_MODE) {
			for (int m = 0; m < MF_MODE_COUNT; m++)
				assert_true(info->mode_default[m] >= info->min && info->mode_default[m] <= info->max);
		} else {
			assert_true(info->default_value >= info->min && info->default_value <= info->max);
		}
	}
	assert_null(mf_param_find("speed_km_per_day.road"));
	assert_null(mf_param_find("nonsense"));
}

static void test_defaults(void **state)
{
	(void)state;
	struct mf_parameters p;
	memset(&p, 0xff, sizeof(p));
	p.stay_days_by_country = NULL;
	mf_parameters_set_defaults(&p);
	assert_null(p.stay_days_by_country);
	assert_true(p.speed_km_per_day[MF_MODE_ROAD] == 500);
	assert_true(p.speed_km_per_day[MF_MODE_DESERT] == 300);
	assert_true(p.speed_km_per_day[MF_MODE_SEA] == 300);
	for (int k = 0; k < MF_PLACE_KIND_COUNT; k++)
		for (int i = 0; i < MF_INTENT_COUNT; i++)
			assert_true(p.wait_days[k][i] == 1);
	assert_true(p.default_stay_days == 90);
	assert_true(p.cost_per_usd == 0.005);
	assert_true(p.cost_per_death_risk == 100);
	assert_true(p.insecurity_cost == 5);
	assert_true(p.displaced_insecurity_factor == 3);
	assert_true(p.route_temperature == 0.5);
	assert_true(p.displacement_rate == 0);
	assert_true(p.safe_security == 0.6);
	assert_true(p.insecurity_hazard == 0);
	assert_true(p.closure_security == 0);
	assert_true(p.displaced_onward_per_day == 0);
	assert_true(p.displaced_return_per_day == 0);
	assert_true(p.retry_after_interception == 0.5);
	const struct mf_param_info *retry = mf_param_find("retry_after_interception");
	assert_ptr_equal(mf_param_field(&p, retry), &p.retry_after_interception);
}

static struct mf_graph *small_graph(void)
{
	const char *data = getenv("MIGFLOW_TEST_DATA");
	assert_non_null(data);
	char places[1024], links[1024];
	snprintf(places, sizeof(places), "%s/small/places.csv", data);
	snprintf(links, sizeof(links), "%s/small/links.csv", data);
	struct mf_error err = {0};
	struct mf_graph *g = mf_graph_load(places, links, &err);
	if (!g)
		fail_msg("%s", err.message);
	return g;
}

/* Names resolve to rows of the table, and set what they name. */
static void test_resolve(void **state)
{
	(void)state;
	struct mf_graph *g = small_graph();
	struct mf_parameters p = {0};
	p.stay_days_by_country = calloc((size_t)g->n_countries, sizeof(double));
	struct mf_param_ref ref;
	char why[600];
	assert_int_equal(mf_param_resolve("wait_days.hub.onward", g, &ref, why, sizeof(why)), MF_PARAM_FOUND);
	assert_ptr_equal(ref.info, mf_param_find("wait_days"));
	mf_param_set(&p, &ref, 7);
	assert_true(p.wait_days[MF_PLACE_HUB][MF_INTENT_ONWARD] == 7);
	assert_true(p.wait_days[MF_PLACE_HUB][MF_INTENT_CIRCULAR] == 0);
	assert_int_equal(mf_param_resolve("wait_days.coast", g, &ref, why, sizeof(why)), MF_PARAM_FOUND);
	mf_param_set(&p, &ref, 3);
	for (int i = 0; i < MF_INTENT_COUNT; i++)
		assert_true(p.wait_days[MF_PLACE_COAST][i] == 3);
	assert_int_equal(mf_param_resolve("speed_km_per_day.sea", g, &ref, why, sizeof(why)), MF_PARAM_FOUND);
	assert_true(ref.info->min == 1 && ref.info->max == 5000);
	mf_param_set(&p, &ref, 40);
	assert_true(p.speed_km_per_day[MF_MODE_SEA] == 40);
	assert_int_equal(mf_param_resolve("stay_days.Beta", g, &ref, why, sizeof(why)), MF_PARAM_FOUND);
	mf_param_set(&p, &ref, 60);
	assert_true(p.stay_days_by_country[mf_graph_country_index(g, "Beta")] == 60);
	assert_int_equal(mf_param_resolve("route_temperature", g, &ref, why, sizeof(why)), MF_PARAM_FOUND);
	assert_true(ref.info->min == 1e-3 && ref.info->max == 1e3);
	mf_param_set(&p, &ref, 2);
	assert_true(p.route_temperature == 2);

	assert_int_equal(mf_param_resolve("route_temperature.x", g, &ref, why, sizeof(why)), MF_PARAM_UNKNOWN);
	assert_non_null(strstr(why, "did you mean 'route_temperature'?"));
	assert_int_equal(mf_param_resolve("displacment_rate", g, &ref, why, sizeof(why)), MF_PARAM_UNKNOWN);
	assert_non_null(strstr(why, "speed_km_per_day.<mode>, wait_days.<kind>[.<intent>], stay_days.<country>"));
	assert_int_equal(mf_param_resolve("speed_km_per_day.air", g, &ref, why, sizeof(why)), MF_PARAM_MALFORMED);
	assert_string_equal(why, "expected speed_km_per_day.<mode> with mode road, desert or sea");
	assert_int_equal(mf_param_resolve("stay_days.default", g, &ref, why, sizeof(why)), MF_PARAM_MALFORMED);
	assert_string_equal(why, "no country 'default' in the network");
	assert_int_equal(mf_param_resolve("wait_days.hub.onwards", g, &ref, why, sizeof(why)), MF_PARAM_MALFORMED);
	free(p.stay_days_by_country);
	mf_graph_destroy(g);
}

/* --- scenarios/README.md ------------------------------------------------ */

#define CELLS 8

/* Splits a table line "| a | b | ... |" into trimmed cells; returns how many. */
static int split_row(char *line, char *cells[CELLS])
{
	int n = 0;
	char *c = strchr(line, '|');
	while (c && n < CELLS) {
		char *next = strchr(c + 1, '|');
		if (!next)
			break;
		*next = '\0';
		char *cell = c + 1;
		while (*cell == ' ')
			cell++;
		char *end = cell + strlen(cell);
		while (end > cell && end[-1] == ' ')
			*--end = '\0';
		cells[n++] = cell;
		c = next;
	}
	return n;
}

/* The numbers written in text, in order ("500, 300, 300", "default 90"). */
static int numbers(const char *text, double *out, int max)
{
	int n = 0;
	for (const char *c = text; *c && n < max;) {
		if ((*c >= '0' && *c <= '9') || (*c == '-' && c[1] >= '0' && c[1] <= '9')) {
			char *end;
			out[n++] = strtod(c, &end);
			c = end;
		} else {
			c++;
		}
	}
	return n;
}

/* "min–max" with an en dash. */
static void range(const char *text, double *min, double *max)
{
	char *end;
	*min = strtod(text, &end);
	if (strncmp(end, "\xe2\x80\x93", 3) != 0)
		fail_msg("range '%s': expected min–max", text);
	*max = strtod(end + 3, &end);
	if (*end)
		fail_msg("range '%s': junk after max", text);
}

static void test_readme_agrees(void **state)
{
	(void)state;
	const char *scenarios = getenv("MIGFLOW_SCENARIOS");
	assert_non_null(scenarios);
	char path[1024];
	snprintf(path, sizeof(path), "%s/README.md", scenarios);
	FILE *f = fopen(path, "r");
	if (!f)
		fail_msg("cannot open %s", path);
	char line[4096];
	bool inside = false;
	int row = 0;
	while (fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\n")] = '\0';
		if (strncmp(line, "## ", 3) == 0) {
			if (inside)
				break;
			inside = strcmp(line, "## `parameters`") == 0;
			continue;
		}
		if (!inside || strncmp(line, "| `", 3) != 0)
			continue;
		char *cells[CELLS];
		int n = split_row(line, cells);
		assert_int_equal(n, 5); /* key, unit, default, range, meaning */
		char name[128];
		snprintf(name, sizeof(name), "%.*s", (int)strlen(cells[0]) - 2, cells[0] + 1);
		const struct mf_param_info *info = mf_param_table(row);
		if (!info)
			fail_msg("README row '%s' has no row in the parameter table", name);
		if (strcmp(name, info->name) != 0)
			fail_msg("README row %d is '%s', the table's is '%s'", row, name, info->name);
		/* A family's unit goes on to say how it is divided. */
		size_t unit_length = strlen(info->unit);
		if (strncmp(cells[1], info->unit, unit_length) != 0 ||
		    (info->shape == MF_PARAM_SCALAR ? cells[1][unit_length] != '\0'
						    : cells[1][unit_length] != ' ' && cells[1][unit_length] != ','))
			fail_msg("%s: README unit '%s', table unit '%s'", name, cells[1], info->unit);
		double values[MF_MODE_COUNT + 1];
		int n_values = numbers(cells[2], values, MF_MODE_COUNT + 1);
		if (info->shape == MF_PARAM_BY_MODE) {
			assert_int_equal(n_values, MF_MODE_COUNT);
			for (int m = 0; m < MF_MODE_COUNT; m++)
				if (values[m] != info->mode_default[m])
					fail_msg("%s.%s: README default %g, table %g", name, mf_link_mode_names[m],
						 values[m], info->mode_default[m]);
		} else {
			assert_int_equal(n_values, 1);
			if (values[0] != info->default_value)
				fail_msg("%s: README default %g, table %g", name, values[0], info->default_value);
		}
		double min, max;
		range(cells[3], &min, &max);
		if (min != info->min || max != info->max)
			fail_msg("%s: README range %g–%g, table %g–%g", name, min, max, info->min, info->max);
		row++;
	}
	fclose(f);
	if (row != mf_param_count())
		fail_msg("README lists %d parameters, the table %d", row, mf_param_count());
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_table_covers_the_struct),
		cmocka_unit_test(test_rows),
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_resolve),
		cmocka_unit_test(test_readme_agrees),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
