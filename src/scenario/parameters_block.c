/* Reading a scenario: the `parameters:` block (scenario_private.h). Names,
 * layout and ranges come from the parameter table of migflow/model.h; the
 * defaults are in place before this block is read. */
#include "scenario_private.h"

#include <string.h>

#define PARAM_MAX 64

static int read_scalar(struct reader *r, const struct yt_node *node, const struct mf_param_info *info)
{
	char field[96];
	FIELD(field, "parameters.%s", info->name);
	return yt_number(r->doc, node, field, info->min, info->max,
			 mf_param_field(&r->s->params, info), r->err);
}

/* speed_km_per_day: {road: ..., desert: ..., sea: ...} */
static int read_by_mode(struct reader *r, const struct yt_node *map, const struct mf_param_info *info)
{
	char where[96];
	FIELD(where, "parameters.%s", info->name);
	if (yt_expect(r->doc, map, YT_MAPPING, where, r->err) < 0 ||
	    yt_check_keys(r->doc, map, mf_link_mode_names, MF_MODE_COUNT, where, r->err) < 0)
		return -1;
	double *by_mode = mf_param_field(&r->s->params, info);
	for (int m = 0; m < MF_MODE_COUNT; m++) {
		const struct yt_node *node = yt_get(map, mf_link_mode_names[m]);
		char field[128];
		FIELD(field, "%s.%s", where, mf_link_mode_names[m]);
		if (node && yt_number(r->doc, node, field, info->min, info->max, &by_mode[m], r->err) < 0)
			return -1;
	}
	return 0;
}

/* wait_days: {<kind>: days, or <kind>: {<intent>: days, ...}, ...} */
static int read_by_place_kind(struct reader *r, const struct yt_node *map, const struct mf_param_info *info)
{
	char where[96];
	FIELD(where, "parameters.%s", info->name);
	if (yt_expect(r->doc, map, YT_MAPPING, where, r->err) < 0 ||
	    yt_check_keys(r->doc, map, mf_place_kind_names, MF_PLACE_KIND_COUNT, where, r->err) < 0)
		return -1;
	double (*by_kind)[MF_INTENT_COUNT] = (double (*)[MF_INTENT_COUNT])mf_param_field(&r->s->params, info);
	for (int k = 0; k < MF_PLACE_KIND_COUNT; k++) {
		const struct yt_node *node = yt_get(map, mf_place_kind_names[k]);
		char field[128];
		FIELD(field, "%s.%s", where, mf_place_kind_names[k]);
		if (!node)
			continue;
		if (node->kind == YT_SCALAR) {
			double days;
			if (yt_number(r->doc, node, field, info->min, info->max, &days, r->err) < 0)
				return -1;
			for (int i = 0; i < MF_INTENT_COUNT; i++)
				by_kind[k][i] = days;
			continue;
		}
		if (yt_expect(r->doc, node, YT_MAPPING, field, r->err) < 0 ||
		    yt_check_keys(r->doc, node, mf_intent_names, MF_INTENT_COUNT, field, r->err) < 0)
			return -1;
		for (int i = 0; i < MF_INTENT_COUNT; i++) {
			const struct yt_node *value = yt_get(node, mf_intent_names[i]);
			char sub[160];
			FIELD(sub, "%s.%s", field, mf_intent_names[i]);
			if (value && yt_number(r->doc, value, sub, info->min, info->max, &by_kind[k][i], r->err) < 0)
				return -1;
		}
	}
	return 0;
}

/* stay_days, onward_factor: {<country>: value, ..., default: value} */
static int read_by_country(struct reader *r, const struct yt_node *map, const struct mf_param_info *info)
{
	char where[96];
	FIELD(where, "parameters.%s", info->name);
	if (yt_expect(r->doc, map, YT_MAPPING, where, r->err) < 0)
		return -1;
	struct mf_parameters *p = &r->s->params;
	for (int i = 0; i < map->n; i++) {
		const struct yt_node *key = map->items[2 * i];
		char field[128];
		if (key->kind != YT_SCALAR)
			return mf_read_fail(r, key, where, "expected a country name as key");
		FIELD(field, "%s.%s", where, key->text);
		for (int j = 0; j < i; j++)
			if (strcmp(map->items[2 * j]->text, key->text) == 0)
				return mf_read_fail(r, key, field, "key given twice (first on line %d)",
						    map->items[2 * j]->line);
		double days;
		if (yt_number(r->doc, map->items[2 * i + 1], field, info->min, info->max, &days, r->err) < 0)
			return -1;
		if (strcmp(key->text, "default") == 0) {
			*mf_param_field(p, info) = days;
			continue;
		}
		int country = mf_graph_country_index(r->s->graph, key->text);
		if (country < 0)
			return mf_read_fail(r, key, field, "unknown country (countries come from %s), or 'default'",
					    r->s->graph->places_path);
		if (country >= MF_COUNTRY_MAX)
			return mf_read_fail(r, key, field, "more than %d countries in the network", MF_COUNTRY_MAX);
		mf_param_by_country(p, info)[country] = days;
	}
	return 0;
}

int mf_read_parameters(struct reader *r, const struct yt_node *map)
{
	const char *keys[PARAM_MAX];
	int n_keys = 0;
	for (int i = 0; i < mf_param_count() && n_keys < PARAM_MAX; i++)
		keys[n_keys++] = mf_param_table(i)->name;
	if (yt_expect(r->doc, map, YT_MAPPING, "parameters", r->err) < 0 ||
	    yt_check_keys(r->doc, map, keys, n_keys, "parameters", r->err) < 0)
		return -1;
	/* The scalars first, then the families, each in the table's order. */
	for (int pass = 0; pass < 2; pass++)
		for (int i = 0; i < mf_param_count(); i++) {
			const struct mf_param_info *info = mf_param_table(i);
			const struct yt_node *node = yt_get(map, info->name);
			if (!node || (info->shape == MF_PARAM_SCALAR) != (pass == 0))
				continue;
			int status = 0;
			switch (info->shape) {
			case MF_PARAM_SCALAR: status = read_scalar(r, node, info); break;
			case MF_PARAM_BY_MODE: status = read_by_mode(r, node, info); break;
			case MF_PARAM_BY_PLACE_KIND: status = read_by_place_kind(r, node, info); break;
			case MF_PARAM_BY_COUNTRY: status = read_by_country(r, node, info); break;
			}
			if (status < 0)
				return -1;
		}
	return 0;
}
