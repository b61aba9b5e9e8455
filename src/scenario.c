/* realpath(3) */
#define _DEFAULT_SOURCE
#include "migflow/scenario.h"

#include <errno.h>
#include <libgen.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "migflow/date.h"
#include "parameters.h"
#include "text.h"
#include "yamltree.h"

static const char *const event_kind_names[MF_EVENT_KIND_COUNT] = {
	"security", "closure", "reopen", "capacity", "speed", "fare", "hazard",
	"interception", "convoy", "source_rate", "parameter",
};

const char *mf_event_kind_name(enum mf_event_kind kind)
{
	return (unsigned)kind < MF_EVENT_KIND_COUNT ? event_kind_names[kind] : "?";
}

/* Everything the readers below need: the document, the scenario being
 * filled, and where errors go. */
struct reader {
	const struct yt_doc *doc;
	struct mf_scenario *s;
	struct mf_error *err;
};

#define FIELD(buffer, ...) snprintf(buffer, sizeof(buffer), __VA_ARGS__)

static int fail(struct reader *r, const struct yt_node *node, const char *field, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static int fail(struct reader *r, const struct yt_node *node, const char *field, const char *fmt, ...)
{
	char message[512];
	va_list args;
	va_start(args, fmt);
	vsnprintf(message, sizeof(message), fmt, args);
	va_end(args);
	return yt_fail(r->doc, node, field, r->err, "%s", message);
}

/* Fails on the first of keys that m lacks, naming where.key. */
static int require_keys(struct reader *r, const struct yt_node *m, const char *where,
			const char *const *keys, int n)
{
	for (int k = 0; k < n; k++)
		if (!yt_get(m, keys[k])) {
			char field[160];
			snprintf(field, sizeof(field), "%s.%s", where, keys[k]);
			return fail(r, m, field, "required key missing");
		}
	return 0;
}

/* A place by id, with a suggestion when it is misspelt. */
static int read_place(struct reader *r, const struct yt_node *node, const char *field, int *place)
{
	char id[MF_ID_MAX];
	if (yt_string(r->doc, node, field, id, sizeof(id), r->err) < 0)
		return -1;
	const struct mf_graph *g = r->s->graph;
	*place = mf_graph_place_index(g, id);
	if (*place >= 0)
		return 0;
	const char *names[1024];
	int n = g->n_places < 1024 ? g->n_places : 1024;
	for (int i = 0; i < n; i++)
		names[i] = g->places[i].id;
	const char *hint = mf_text_suggest(id, names, n);
	return fail(r, node, field, "unknown place '%s'%s%s%s", id, hint ? " (did you mean '" : "",
		    hint ? hint : "", hint ? "'?)" : "");
}

/* A link written as [from, to]. */
static int read_link(struct reader *r, const struct yt_node *node, const char *field, int *link)
{
	if (yt_expect(r->doc, node, YT_SEQUENCE, field, r->err) < 0)
		return -1;
	if (node->n != 2)
		return fail(r, node, field, "expected a link as [from, to]");
	int from, to;
	if (read_place(r, node->items[0], field, &from) < 0 ||
	    read_place(r, node->items[1], field, &to) < 0)
		return -1;
	*link = mf_graph_link_index(r->s->graph, from, to);
	if (*link < 0)
		return fail(r, node, field, "no link %s -> %s in %s", r->s->graph->places[from].id,
			    r->s->graph->places[to].id, r->s->graph->links_path);
	return 0;
}

/* A mapping place -> positive weight. */
static int read_goal_set(struct reader *r, const struct yt_node *node, const char *field,
			 struct mf_goal_set *set)
{
	if (yt_expect(r->doc, node, YT_MAPPING, field, r->err) < 0)
		return -1;
	if (node->n == 0 || node->n > MF_GOALS_MAX)
		return fail(r, node, field, "expected 1 to %d places with weights", MF_GOALS_MAX);
	set->n = node->n;
	for (int i = 0; i < node->n; i++) {
		char sub[96];
		if (node->items[2 * i]->kind != YT_SCALAR)
			return fail(r, node->items[2 * i], field, "expected a place id as key");
		FIELD(sub, "%s.%s", field, node->items[2 * i]->text);
		if (read_place(r, node->items[2 * i], field, &set->place[i]) < 0 ||
		    yt_number(r->doc, node->items[2 * i + 1], sub, 0, 1e12, &set->weight[i], r->err) < 0)
			return -1;
		if (set->weight[i] <= 0)
			return fail(r, node->items[2 * i + 1], sub, "expected a weight above 0");
		for (int j = 0; j < i; j++)
			if (set->place[j] == set->place[i])
				return fail(r, node->items[2 * i], field, "place given twice");
	}
	return 0;
}

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

/* stay_days: {<country>: days, ..., default: days} */
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
			return fail(r, key, where, "expected a country name as key");
		FIELD(field, "%s.%s", where, key->text);
		for (int j = 0; j < i; j++)
			if (strcmp(map->items[2 * j]->text, key->text) == 0)
				return fail(r, key, field, "key given twice (first on line %d)",
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
			return fail(r, key, field, "unknown country (countries come from %s), or 'default'",
				    r->s->graph->places_path);
		p->stay_days_by_country[country] = days;
	}
	return 0;
}

static int read_parameters(struct reader *r, const struct yt_node *map)
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

static int read_sources(struct reader *r, const struct yt_node *list)
{
	static const char *const keys[] = {"name", "place", "intent", "rate", "goals", "seasonality"};
	if (yt_expect(r->doc, list, YT_SEQUENCE, "sources", r->err) < 0)
		return -1;
	r->s->sources = calloc((size_t)list->n + 1, sizeof(*r->s->sources));
	if (!r->s->sources)
		return mf_error_set(r->err, MF_ERR_NOMEM, "out of memory"), -1;
	for (int i = 0; i < list->n; i++) {
		const struct yt_node *m = list->items[i];
		struct mf_source *src = &r->s->sources[i];
		char where[48], field[96];
		FIELD(where, "sources[%d]", i);
		if (yt_expect(r->doc, m, YT_MAPPING, where, r->err) < 0 ||
		    yt_check_keys(r->doc, m, keys, 6, where, r->err) < 0)
			return -1;
		static const char *const required[] = {"place", "intent", "rate"};
		if (require_keys(r, m, where, required, 3) < 0)
			return -1;
		int intent;
		FIELD(field, "%s.place", where);
		if (read_place(r, yt_get(m, "place"), field, &src->place) < 0)
			return -1;
		FIELD(field, "%s.intent", where);
		if (yt_choice(r->doc, yt_get(m, "intent"), field, mf_intent_names, MF_INTENT_COUNT, &intent, r->err) < 0)
			return -1;
		src->intent = (enum mf_intent)intent;
		FIELD(field, "%s.rate", where);
		if (yt_number(r->doc, yt_get(m, "rate"), field, 0, 1e8, &src->rate, r->err) < 0)
			return -1;
		const struct yt_node *name = yt_get(m, "name");
		FIELD(field, "%s.name", where);
		if (name) {
			if (yt_string(r->doc, name, field, src->name, sizeof(src->name), r->err) < 0)
				return -1;
		} else {
			snprintf(src->name, sizeof(src->name), "%s-%s", r->s->graph->places[src->place].id,
				 mf_intent_names[intent]);
		}
		for (int j = 0; j < i; j++)
			if (strcmp(r->s->sources[j].name, src->name) == 0)
				return fail(r, name ? name : m, field,
					    "two sources are named '%s' (line %d): give them distinct `name`s",
					    src->name, r->s->sources[j].line);
		src->line = m->line;
		src->column = m->column;
		const struct yt_node *goals = yt_get(m, "goals");
		FIELD(field, "%s.goals", where);
		if (goals) {
			if (read_goal_set(r, goals, field, &src->goals) < 0)
				return -1;
		} else if (src->intent == MF_INTENT_ONWARD) {
			src->goals.n = 1;
			src->goals.place[0] = r->s->destination;
			src->goals.weight[0] = 1;
		} else {
			return fail(r, m, field, "required key missing (where do %s migrants from %s head?)",
				    mf_intent_names[intent], r->s->graph->places[src->place].id);
		}
		for (int g = 0; g < src->goals.n; g++) {
			int goal = src->goals.place[g];
			if (goal == src->place || !mf_graph_reachable(r->s->graph, src->place, goal))
				return fail(r, goals ? goals->items[2 * g] : m, field,
					    "goal '%s' cannot be reached from '%s' along the network's links",
					    r->s->graph->places[goal].id, r->s->graph->places[src->place].id);
			if (src->intent == MF_INTENT_CIRCULAR &&
			    !mf_graph_reachable(r->s->graph, goal, src->place))
				return fail(r, goals->items[2 * g], field,
					    "circular migrants cannot get home from '%s' to '%s'",
					    r->s->graph->places[goal].id, r->s->graph->places[src->place].id);
		}
		for (int month = 0; month < 12; month++)
			src->season[month] = 1;
		const struct yt_node *season = yt_get(m, "seasonality");
		if (season) {
			FIELD(field, "%s.seasonality", where);
			if (yt_expect(r->doc, season, YT_SEQUENCE, field, r->err) < 0)
				return -1;
			if (season->n != 12)
				return fail(r, season, field, "expected 12 monthly multipliers, got %d", season->n);
			for (int month = 0; month < 12; month++)
				if (yt_number(r->doc, season->items[month], field, 0, 100, &src->season[month], r->err) < 0)
					return -1;
		}
		r->s->n_sources++;
	}
	return 0;
}

static int read_initial(struct reader *r, const struct yt_node *list)
{
	static const char *const keys[] = {"place", "intent", "persons", "homes"};
	if (yt_expect(r->doc, list, YT_SEQUENCE, "initial", r->err) < 0)
		return -1;
	r->s->initial = calloc((size_t)list->n + 1, sizeof(*r->s->initial));
	if (!r->s->initial)
		return mf_error_set(r->err, MF_ERR_NOMEM, "out of memory"), -1;
	for (int i = 0; i < list->n; i++) {
		const struct yt_node *m = list->items[i];
		struct mf_initial *init = &r->s->initial[i];
		char where[48], field[96];
		FIELD(where, "initial[%d]", i);
		if (yt_expect(r->doc, m, YT_MAPPING, where, r->err) < 0 ||
		    yt_check_keys(r->doc, m, keys, 4, where, r->err) < 0)
			return -1;
		static const char *const required[] = {"place", "intent", "persons"};
		if (require_keys(r, m, where, required, 3) < 0)
			return -1;
		int intent;
		FIELD(field, "%s.place", where);
		if (read_place(r, yt_get(m, "place"), field, &init->place) < 0)
			return -1;
		FIELD(field, "%s.intent", where);
		if (yt_choice(r->doc, yt_get(m, "intent"), field, mf_intent_names, MF_INTENT_COUNT, &intent, r->err) < 0)
			return -1;
		init->intent = (enum mf_intent)intent;
		FIELD(field, "%s.persons", where);
		if (yt_number(r->doc, yt_get(m, "persons"), field, 0, 1e9, &init->persons, r->err) < 0)
			return -1;
		const struct yt_node *homes = yt_get(m, "homes");
		FIELD(field, "%s.homes", where);
		if (homes) {
			if (read_goal_set(r, homes, field, &init->homes) < 0)
				return -1;
		} else {
			init->homes.n = 1;
			init->homes.place[0] = init->place;
			init->homes.weight[0] = 1;
		}
		init->line = m->line;
		init->column = m->column;
		r->s->n_initial++;
	}
	return 0;
}

static int read_monitoring(struct reader *r, const struct yt_node *list)
{
	static const char *const keys[] = {"name", "place", "links", "directions", "country"};
	struct mf_scenario *s = r->s;
	if (yt_expect(r->doc, list, YT_SEQUENCE, "monitoring", r->err) < 0)
		return -1;
	s->monitors = calloc((size_t)list->n + 1, sizeof(*s->monitors));
	if (!s->monitors)
		return mf_error_set(r->err, MF_ERR_NOMEM, "out of memory"), -1;
	for (int i = 0; i < list->n; i++) {
		const struct yt_node *m = list->items[i];
		struct mf_monitor *mon = &s->monitors[i];
		char where[48], field[96];
		FIELD(where, "monitoring[%d]", i);
		if (yt_expect(r->doc, m, YT_MAPPING, where, r->err) < 0 ||
		    yt_check_keys(r->doc, m, keys, 5, where, r->err) < 0)
			return -1;
		FIELD(field, "%s.name", where);
		if (!yt_get(m, "name"))
			return fail(r, m, field, "required key missing");
		if (yt_string(r->doc, yt_get(m, "name"), field, mon->name, sizeof(mon->name), r->err) < 0)
			return -1;
		for (int j = 0; j < i; j++)
			if (strcmp(s->monitors[j].name, mon->name) == 0)
				return fail(r, yt_get(m, "name"), field, "monitoring point name used twice");
		const struct yt_node *place = yt_get(m, "place"), *links = yt_get(m, "links");
		if (!place == !links)
			return fail(r, m, where, "give exactly one of 'place' or 'links'");
		const struct mf_graph *g = s->graph;
		int at = -1;
		mon->place = -1;
		if (place) {
			FIELD(field, "%s.place", where);
			if (read_place(r, place, field, &at) < 0)
				return -1;
			mon->place = at;
			mon->links = malloc((size_t)g->n_links * sizeof(int));
			if (!mon->links)
				return mf_error_set(r->err, MF_ERR_NOMEM, "out of memory"), -1;
			for (int l = 0; l < g->n_links; l++)
				if (g->links[l].to == at)
					mon->links[mon->n_links++] = l;
		} else {
			FIELD(field, "%s.links", where);
			if (yt_expect(r->doc, links, YT_SEQUENCE, field, r->err) < 0)
				return -1;
			if (links->n == 0)
				return fail(r, links, field, "expected at least one link");
			mon->links = malloc((size_t)links->n * sizeof(int));
			if (!mon->links)
				return mf_error_set(r->err, MF_ERR_NOMEM, "out of memory"), -1;
			for (int k = 0; k < links->n; k++) {
				if (read_link(r, links->items[k], field, &mon->links[k]) < 0)
					return -1;
				mon->n_links++;
			}
			at = g->links[mon->links[0]].to;
		}
		mon->country = g->places[at].country_index;
		const struct yt_node *country = yt_get(m, "country");
		if (country) {
			char name[MF_NAME_MAX];
			FIELD(field, "%s.country", where);
			if (yt_string(r->doc, country, field, name, sizeof(name), r->err) < 0)
				return -1;
			mon->country = mf_graph_country_index(g, name);
			if (mon->country < 0)
				return fail(r, country, field, "unknown country '%s'", name);
		}
		const struct yt_node *directions = yt_get(m, "directions");
		for (int d = 0; d < MF_DIR_COUNT; d++)
			mon->count_direction[d] = directions == NULL;
		if (directions) {
			FIELD(field, "%s.directions", where);
			if (yt_expect(r->doc, directions, YT_SEQUENCE, field, r->err) < 0)
				return -1;
			for (int k = 0; k < directions->n; k++) {
				int d;
				if (yt_choice(r->doc, directions->items[k], field, mf_direction_names, MF_DIR_COUNT, &d, r->err) < 0)
					return -1;
				mon->count_direction[d] = true;
			}
		}
		s->n_monitors++;
	}
	/* A link belongs to at most one monitoring point. */
	for (int a = 0; a < s->n_monitors; a++)
		for (int b = a + 1; b < s->n_monitors; b++)
			for (int i = 0; i < s->monitors[a].n_links; i++)
				for (int j = 0; j < s->monitors[b].n_links; j++)
					if (s->monitors[a].links[i] == s->monitors[b].links[j])
						return fail(r, list->items[b], "monitoring",
							    "monitoring points '%s' and '%s' share a link",
							    s->monitors[a].name, s->monitors[b].name);
	return 0;
}

static int read_expulsions(struct reader *r, const struct yt_node *list)
{
	static const char *const keys[] = {"from", "to", "daily_probability", "retry_share"};
	if (yt_expect(r->doc, list, YT_SEQUENCE, "expulsions", r->err) < 0)
		return -1;
	r->s->expulsions = calloc((size_t)list->n + 1, sizeof(*r->s->expulsions));
	if (!r->s->expulsions)
		return mf_error_set(r->err, MF_ERR_NOMEM, "out of memory"), -1;
	for (int i = 0; i < list->n; i++) {
		const struct yt_node *m = list->items[i];
		struct mf_expulsion *e = &r->s->expulsions[i];
		char where[48], field[96];
		FIELD(where, "expulsions[%d]", i);
		if (yt_expect(r->doc, m, YT_MAPPING, where, r->err) < 0 ||
		    yt_check_keys(r->doc, m, keys, 4, where, r->err) < 0)
			return -1;
		if (require_keys(r, m, where, keys, 3) < 0)
			return -1;
		FIELD(field, "%s.from", where);
		if (read_place(r, yt_get(m, "from"), field, &e->from) < 0)
			return -1;
		FIELD(field, "%s.to", where);
		if (read_place(r, yt_get(m, "to"), field, &e->to) < 0)
			return -1;
		if (e->from == e->to)
			return fail(r, yt_get(m, "to"), field, "expelled people must go to another place");
		FIELD(field, "%s.daily_probability", where);
		if (yt_number(r->doc, yt_get(m, "daily_probability"), field, 0, 1, &e->daily_probability, r->err) < 0)
			return -1;
		FIELD(field, "%s.retry_share", where);
		e->retry_share = 0;
		if (yt_get(m, "retry_share") &&
		    yt_number(r->doc, yt_get(m, "retry_share"), field, 0, 1, &e->retry_share, r->err) < 0)
			return -1;
		for (int j = 0; j < i; j++)
			if (r->s->expulsions[j].from == e->from)
				return fail(r, yt_get(m, "from"), field, "place already has an expulsion rule");
		r->s->n_expulsions++;
	}
	return 0;
}

/* Places named by `where`: a place id, a region or a country. */
static int read_where(struct reader *r, const struct yt_node *node, const char *field,
		      struct mf_event *e)
{
	char name[MF_NAME_MAX];
	if (yt_string(r->doc, node, field, name, sizeof(name), r->err) < 0)
		return -1;
	const struct mf_graph *g = r->s->graph;
	e->places = malloc((size_t)g->n_places * sizeof(int));
	if (!e->places)
		return mf_error_set(r->err, MF_ERR_NOMEM, "out of memory"), -1;
	const char *what = "place";
	for (int p = 0; p < g->n_places; p++) {
		if (strcmp(g->places[p].id, name) == 0)
			e->places[e->n_places++] = p;
		else if (strcmp(g->places[p].country, name) == 0)
			e->places[e->n_places++] = p, what = "country";
		else if (strcmp(g->places[p].region, name) == 0)
			e->places[e->n_places++] = p, what = "region";
	}
	if (e->n_places == 0) {
		const char *names[2048];
		int n = 0;
		for (int p = 0; p < g->n_places && n < 2040; p++) {
			names[n++] = g->places[p].id;
			names[n++] = g->places[p].country;
		}
		const char *hint = mf_text_suggest(name, names, n);
		return fail(r, node, field, "'%s' is no place id, region or country of the network%s%s%s",
			    name, hint ? " (did you mean '" : "", hint ? hint : "", hint ? "'?)" : "");
	}
	snprintf(e->target, sizeof(e->target), "%s %s", what, name);
	return 0;
}

static int read_country(struct reader *r, const struct yt_node *node, const char *field, int *country)
{
	char name[MF_NAME_MAX];
	if (yt_string(r->doc, node, field, name, sizeof(name), r->err) < 0)
		return -1;
	*country = mf_graph_country_index(r->s->graph, name);
	if (*country >= 0)
		return 0;
	const char *names[256];
	int n = r->s->graph->n_countries < 256 ? r->s->graph->n_countries : 256;
	for (int c = 0; c < n; c++)
		names[c] = r->s->graph->countries[c];
	const char *hint = mf_text_suggest(name, names, n);
	return fail(r, node, field, "unknown country '%s'%s%s%s", name, hint ? " (did you mean '" : "",
		    hint ? hint : "", hint ? "'?)" : "");
}

/* Links an event acts on: exactly one of link, links, place, border or
 * country, optionally narrowed by mode. */
static int read_event_links(struct reader *r, const struct yt_node *m, const char *where,
			    struct mf_event *e)
{
	const struct mf_graph *g = r->s->graph;
	static const char *const selectors[] = {"link", "links", "place", "border", "country"};
	const struct yt_node *chosen = NULL;
	int which = -1;
	char field[96];
	for (int k = 0; k < 5; k++) {
		const struct yt_node *node = yt_get(m, selectors[k]);
		if (!node)
			continue;
		if (chosen) {
			FIELD(field, "%s.%s", where, selectors[k]);
			return fail(r, node, field, "give only one of link, links, place, border or country");
		}
		chosen = node;
		which = k;
	}
	if (!chosen)
		return fail(r, m, where, "say which links: one of link ([from, to]), links, place, border ([country, country]) or country");
	FIELD(field, "%s.%s", where, selectors[which]);
	e->links = malloc((size_t)g->n_links * sizeof(int));
	if (!e->links)
		return mf_error_set(r->err, MF_ERR_NOMEM, "out of memory"), -1;
	int mode = -1;
	const struct yt_node *mode_node = yt_get(m, "mode");
	if (mode_node) {
		const char *modes[MF_MODE_COUNT];
		for (int k = 0; k < MF_MODE_COUNT; k++)
			modes[k] = mf_link_mode_name((enum mf_link_mode)k);
		char mode_field[96];
		FIELD(mode_field, "%s.mode", where);
		if (yt_choice(r->doc, mode_node, mode_field, modes, MF_MODE_COUNT, &mode, r->err) < 0)
			return -1;
	}
	int a = -1, b = -1;
	switch (which) {
	case 0: /* link */
		if (read_link(r, chosen, field, &e->links[0]) < 0)
			return -1;
		e->n_links = 1;
		snprintf(e->target, sizeof(e->target), "link %s -> %s", g->places[g->links[e->links[0]].from].id,
			 g->places[g->links[e->links[0]].to].id);
		break;
	case 1: /* links */
		if (yt_expect(r->doc, chosen, YT_SEQUENCE, field, r->err) < 0)
			return -1;
		if (chosen->n == 0 || chosen->n > g->n_links)
			return fail(r, chosen, field, "expected a list of [from, to] links");
		for (int k = 0; k < chosen->n; k++)
			if (read_link(r, chosen->items[k], field, &e->links[e->n_links++]) < 0)
				return -1;
		snprintf(e->target, sizeof(e->target), "%d links", e->n_links);
		break;
	case 2: /* place */
		if (read_place(r, chosen, field, &a) < 0)
			return -1;
		for (int l = 0; l < g->n_links; l++)
			if (g->links[l].from == a || g->links[l].to == a)
				e->links[e->n_links++] = l;
		snprintf(e->target, sizeof(e->target), "links of %s", g->places[a].id);
		break;
	case 3: /* border */
		if (yt_expect(r->doc, chosen, YT_SEQUENCE, field, r->err) < 0)
			return -1;
		if (chosen->n != 2)
			return fail(r, chosen, field, "expected a border as [country, country]");
		if (read_country(r, chosen->items[0], field, &a) < 0 ||
		    read_country(r, chosen->items[1], field, &b) < 0)
			return -1;
		for (int l = 0; l < g->n_links; l++) {
			int from = g->places[g->links[l].from].country_index;
			int to = g->places[g->links[l].to].country_index;
			if ((from == a && to == b) || (from == b && to == a))
				e->links[e->n_links++] = l;
		}
		snprintf(e->target, sizeof(e->target), "border %s | %s", g->countries[a], g->countries[b]);
		break;
	case 4: /* country */
		if (read_country(r, chosen, field, &a) < 0)
			return -1;
		for (int l = 0; l < g->n_links; l++)
			if (g->places[g->links[l].from].country_index == a ||
			    g->places[g->links[l].to].country_index == a)
				e->links[e->n_links++] = l;
		snprintf(e->target, sizeof(e->target), "links in %s", g->countries[a]);
		break;
	}
	if (mode >= 0) {
		int kept = 0;
		for (int k = 0; k < e->n_links; k++)
			if ((int)g->links[e->links[k]].mode == mode)
				e->links[kept++] = e->links[k];
		e->n_links = kept;
		size_t used = strlen(e->target);
		snprintf(e->target + used, sizeof(e->target) - used, " (%s)", mf_link_mode_name((enum mf_link_mode)mode));
	}
	if (e->n_links == 0)
		return fail(r, chosen, field, "no link of the network matches");
	return 0;
}

/* The value key of an event: exactly one of the names given. */
static const struct yt_node *one_of(struct reader *r, const struct yt_node *m, const char *where,
				    const char *first, const char *second, int *which)
{
	const struct yt_node *a = yt_get(m, first), *b = second ? yt_get(m, second) : NULL;
	char field[96];
	if (a && b) {
		FIELD(field, "%s.%s", where, second);
		fail(r, b, field, "give '%s' or '%s', not both", first, second);
		return NULL;
	}
	if (!a && !b) {
		FIELD(field, "%s.%s", where, first);
		if (second)
			fail(r, m, field, "required key missing (or give '%s')", second);
		else
			fail(r, m, field, "required key missing");
		return NULL;
	}
	*which = a ? 0 : 1;
	return a ? a : b;
}

/* The body of an event (everything but its date) into e. */
static int read_event_body(struct reader *r, const struct yt_node *m, const char *where,
			   struct mf_event *e)
{
	static const char *const keys[MF_EVENT_KIND_COUNT][12] = {
		[MF_EVENT_SECURITY] = {"date", "kind", "where", "level", "ramp_days"},
		[MF_EVENT_CLOSURE] = {"date", "kind", "link", "links", "place", "border", "country", "mode"},
		[MF_EVENT_REOPEN] = {"date", "kind", "link", "links", "place", "border", "country", "mode"},
		[MF_EVENT_CAPACITY] = {"date", "kind", "link", "links", "place", "border", "country", "mode", "per_day"},
		[MF_EVENT_SPEED] = {"date", "kind", "link", "links", "place", "border", "country", "mode", "factor"},
		[MF_EVENT_FARE] = {"date", "kind", "link", "links", "place", "border", "country", "mode", "multiplier", "usd"},
		[MF_EVENT_HAZARD] = {"date", "kind", "link", "links", "place", "border", "country", "mode", "multiplier", "death_per_day", "death_per_crossing"},
		[MF_EVENT_INTERCEPTION] = {"date", "kind", "link", "links", "place", "border", "country", "mode", "probability"},
		[MF_EVENT_CONVOY] = {"date", "kind", "link", "links", "place", "border", "country", "mode", "departs"},
		[MF_EVENT_SOURCE_RATE] = {"date", "kind", "source", "place", "intent", "multiplier"},
		[MF_EVENT_PARAMETER] = {"date", "kind", "name", "value"},
	};
	int n_keys = 0;
	while (n_keys < 12 && keys[e->kind][n_keys])
		n_keys++;
	if (yt_check_keys(r->doc, m, keys[e->kind], n_keys, where, r->err) < 0)
		return -1;
	char field[96];
	const struct yt_node *value;
	int which;
	e->source_place = e->source_intent = -1;
	e->weekday = -1;
	switch (e->kind) {
	case MF_EVENT_SECURITY: {
		static const char *const required[] = {"where", "level"};
		if (require_keys(r, m, where, required, 2) < 0)
			return -1;
		FIELD(field, "%s.where", where);
		if (read_where(r, yt_get(m, "where"), field, e) < 0)
			return -1;
		FIELD(field, "%s.level", where);
		if (yt_number(r->doc, yt_get(m, "level"), field, 0, 1, &e->value, r->err) < 0)
			return -1;
		long ramp = 0;
		FIELD(field, "%s.ramp_days", where);
		if ((value = yt_get(m, "ramp_days")) && yt_integer(r->doc, value, field, 0, 3650, &ramp, r->err) < 0)
			return -1;
		e->ramp_days = (int)ramp;
		return 0;
	}
	case MF_EVENT_PARAMETER: {
		static const char *const required[] = {"name", "value"};
		if (require_keys(r, m, where, required, 2) < 0)
			return -1;
		FIELD(field, "%s.name", where);
		if (yt_string(r->doc, yt_get(m, "name"), field, e->parameter, sizeof(e->parameter), r->err) < 0)
			return -1;
		struct mf_param_ref ref;
		char why[600];
		if (mf_param_resolve(e->parameter, r->s->graph, &ref, why, sizeof(why)) != MF_PARAM_FOUND)
			return fail(r, yt_get(m, "name"), field, "%s", why);
		FIELD(field, "%s.value", where);
		if (yt_number(r->doc, yt_get(m, "value"), field, ref.info->min, ref.info->max, &e->value, r->err) < 0)
			return -1;
		snprintf(e->target, sizeof(e->target), "%s", e->parameter);
		return 0;
	}
	case MF_EVENT_SOURCE_RATE:
		FIELD(field, "%s.source", where);
		if ((value = yt_get(m, "source"))) {
			if (yt_string(r->doc, value, field, e->source_name, sizeof(e->source_name), r->err) < 0)
				return -1;
			bool known = false;
			for (int k = 0; k < r->s->n_sources; k++)
				known |= strcmp(r->s->sources[k].name, e->source_name) == 0;
			if (!known) {
				const char *names[256];
				int n = r->s->n_sources < 256 ? r->s->n_sources : 256;
				for (int k = 0; k < n; k++)
					names[k] = r->s->sources[k].name;
				const char *hint = mf_text_suggest(e->source_name, names, n);
				return fail(r, value, field, "no source named '%s'%s%s%s", e->source_name,
					    hint ? " (did you mean '" : "", hint ? hint : "", hint ? "'?)" : "");
			}
		}
		FIELD(field, "%s.place", where);
		if ((value = yt_get(m, "place")) && read_place(r, value, field, &e->source_place) < 0)
			return -1;
		FIELD(field, "%s.intent", where);
		if ((value = yt_get(m, "intent")) &&
		    yt_choice(r->doc, value, field, mf_intent_names, MF_INTENT_COUNT, &e->source_intent, r->err) < 0)
			return -1;
		if (!(value = one_of(r, m, where, "multiplier", NULL, &which)))
			return -1;
		FIELD(field, "%s.multiplier", where);
		if (yt_number(r->doc, value, field, 0, 1e4, &e->value, r->err) < 0)
			return -1;
		snprintf(e->target, sizeof(e->target), "sources%s%s%s%s%s%s",
			 e->source_name[0] ? " named " : "", e->source_name,
			 e->source_place >= 0 ? " at " : "",
			 e->source_place >= 0 ? r->s->graph->places[e->source_place].id : "",
			 e->source_intent >= 0 ? " of intent " : "",
			 e->source_intent >= 0 ? mf_intent_names[e->source_intent] : "");
		return 0;
	default:
		break;
	}
	if (read_event_links(r, m, where, e) < 0)
		return -1;
	switch (e->kind) {
	case MF_EVENT_CAPACITY:
		if (!(value = one_of(r, m, where, "per_day", NULL, &which)))
			return -1;
		FIELD(field, "%s.per_day", where);
		if (value->kind == YT_SCALAR && strcmp(value->text, "unlimited") == 0)
			e->value = 0;
		else if (yt_number(r->doc, value, field, 1e-9, 1e9, &e->value, r->err) < 0)
			return fail(r, value, field, "expected persons per day above 0, or 'unlimited', got '%s'",
				    value->kind == YT_SCALAR ? value->text : "a list or mapping");
		break;
	case MF_EVENT_SPEED:
		if (!(value = one_of(r, m, where, "factor", NULL, &which)))
			return -1;
		FIELD(field, "%s.factor", where);
		if (yt_number(r->doc, value, field, 0.01, 100, &e->value, r->err) < 0)
			return -1;
		break;
	case MF_EVENT_FARE:
		if (!(value = one_of(r, m, where, "multiplier", "usd", &which)))
			return -1;
		FIELD(field, "%s.%s", where, which ? "usd" : "multiplier");
		if (yt_number(r->doc, value, field, 0, which ? 1e6 : 1e3, &e->value, r->err) < 0)
			return -1;
		e->value_is_absolute = which == 1;
		break;
	case MF_EVENT_HAZARD:
		if (yt_get(m, "death_per_crossing")) {
			/* Sea mortality per crossing, set. */
			value = yt_get(m, "death_per_crossing");
			FIELD(field, "%s.death_per_crossing", where);
			if (yt_get(m, "multiplier") || yt_get(m, "death_per_day"))
				return fail(r, value, field, "give one of multiplier, death_per_day or death_per_crossing");
			if (yt_number(r->doc, value, field, 0, 1, &e->value, r->err) < 0)
				return -1;
			for (int k = 0; k < e->n_links; k++) {
				const struct mf_link *link = &r->s->graph->links[e->links[k]];
				if (link->mode != MF_MODE_SEA)
					return fail(r, m, where, "death_per_crossing applies to sea links; %s -> %s is a %s link (add mode: sea)",
						    r->s->graph->places[link->from].id, r->s->graph->places[link->to].id,
						    mf_link_mode_name(link->mode));
			}
			e->per_crossing = true;
			e->value_is_absolute = true;
			break;
		}
		if (!(value = one_of(r, m, where, "multiplier", "death_per_day", &which)))
			return -1;
		FIELD(field, "%s.%s", where, which ? "death_per_day" : "multiplier");
		if (yt_number(r->doc, value, field, 0, which ? 1 : 1e3, &e->value, r->err) < 0)
			return -1;
		e->value_is_absolute = which == 1;
		break;
	case MF_EVENT_INTERCEPTION:
		if (!(value = one_of(r, m, where, "probability", NULL, &which)))
			return -1;
		FIELD(field, "%s.probability", where);
		if (yt_number(r->doc, value, field, 0, 1, &e->value, r->err) < 0)
			return -1;
		for (int k = 0; k < e->n_links; k++) {
			const struct mf_link *link = &r->s->graph->links[e->links[k]];
			if (link->mode != MF_MODE_SEA)
				return fail(r, m, where, "interception applies to sea links; %s -> %s is a %s link (add mode: sea)",
					    r->s->graph->places[link->from].id, r->s->graph->places[link->to].id,
					    mf_link_mode_name(link->mode));
			if (e->value + link->death_per_crossing > 1)
				return fail(r, value, field, "interception + death_per_crossing of %s -> %s exceed 1",
					    r->s->graph->places[link->from].id, r->s->graph->places[link->to].id);
		}
		break;
	case MF_EVENT_CONVOY: {
		if (!(value = one_of(r, m, where, "departs", NULL, &which)))
			return -1;
		FIELD(field, "%s.departs", where);
		const char *choices[8] = {"mon", "tue", "wed", "thu", "fri", "sat", "sun", "daily"};
		int day;
		if (yt_choice(r->doc, value, field, choices, 8, &day, r->err) < 0)
			return -1;
		e->weekday = day == 7 ? -1 : day;
		break;
	}
	default:
		break;
	}
	return 0;
}

static int add_event(struct reader *r, int *capacity, struct mf_event **out)
{
	struct mf_scenario *s = r->s;
	if (s->n_events + 1 >= *capacity) {
		int next = *capacity ? 2 * *capacity : 16;
		struct mf_event *bigger = realloc(s->events, (size_t)next * sizeof(*bigger));
		if (!bigger)
			return mf_error_set(r->err, MF_ERR_NOMEM, "out of memory"), -1;
		memset(bigger + *capacity, 0, (size_t)(next - *capacity) * sizeof(*bigger));
		s->events = bigger;
		*capacity = next;
	}
	*out = &s->events[s->n_events];
	return 0;
}

/* One effect of a policy state: an event body without a date, applied on
 * `day` and attributed to the switching event `at`. */
static int read_effect(struct reader *r, const struct yt_node *effect, const char *where, int day,
		       const struct yt_node *at, struct mf_event *e)
{
	char field[96];
	if (yt_expect(r->doc, effect, YT_MAPPING, where, r->err) < 0)
		return -1;
	if (yt_get(effect, "date"))
		return fail(r, yt_get(effect, "date"), where,
			    "a policy's effects take the date of the switch: remove 'date'");
	int kind;
	FIELD(field, "%s.kind", where);
	if (!yt_get(effect, "kind"))
		return fail(r, effect, field, "required key missing");
	if (yt_choice(r->doc, yt_get(effect, "kind"), field, event_kind_names, MF_EVENT_KIND_COUNT, &kind, r->err) < 0)
		return -1;
	e->kind = (enum mf_event_kind)kind;
	e->day = day;
	mf_text_copy(e->file, sizeof(e->file), at->file);
	e->line = at->line;
	e->column = at->column;
	return read_event_body(r, effect, where, e);
}

/* Every policy's every state is read once, switched on or not, so that a
 * mistake in a state no event uses is still reported. */
static int check_policies(struct reader *r, const struct yt_node *policies)
{
	if (yt_expect(r->doc, policies, YT_MAPPING, "policies", r->err) < 0)
		return -1;
	for (int i = 0; i < policies->n; i++) {
		const struct yt_node *key = policies->items[2 * i], *states = policies->items[2 * i + 1];
		if (key->kind != YT_SCALAR)
			return fail(r, key, "policies", "expected a policy name as key");
		char field[96];
		FIELD(field, "policies.%s", key->text);
		if (yt_expect(r->doc, states, YT_MAPPING, field, r->err) < 0)
			return -1;
		for (int k = 0; k < states->n; k++) {
			const struct yt_node *state = states->items[2 * k], *effects = states->items[2 * k + 1];
			if (state->kind != YT_SCALAR)
				return fail(r, state, field, "expected a state name (enforced, repealed ...) as key");
			char sub[128];
			FIELD(sub, "%s.%s", field, state->text);
			if (yt_expect(r->doc, effects, YT_SEQUENCE, sub, r->err) < 0)
				return -1;
			for (int j = 0; j < effects->n; j++) {
				char where[160];
				FIELD(where, "%s[%d]", sub, j);
				struct mf_event scratch = {0};
				int status = read_effect(r, effects->items[j], where, 0, effects->items[j], &scratch);
				free(scratch.places);
				free(scratch.links);
				if (status < 0)
					return -1;
			}
		}
	}
	return 0;
}

/* A policy switch: the effects listed for that state under `policies`,
 * each an event body applied on the switch's date. */
static int read_policy(struct reader *r, const struct yt_node *m, const char *where, int day,
		       const struct yt_node *policies, int *capacity)
{
	static const char *const keys[] = {"date", "kind", "name", "state"};
	char field[96], name[MF_NAME_MAX], state[MF_NAME_MAX];
	if (yt_check_keys(r->doc, m, keys, 4, where, r->err) < 0)
		return -1;
	if (require_keys(r, m, where, keys + 2, 2) < 0)
		return -1;
	FIELD(field, "%s.name", where);
	const struct yt_node *name_node = yt_get(m, "name");
	if (yt_string(r->doc, name_node, field, name, sizeof(name), r->err) < 0)
		return -1;
	const struct yt_node *policy = yt_get(policies, name);
	if (!policy) {
		const char *names[64];
		int n = 0;
		for (int i = 0; policies && i < policies->n && n < 64; i++)
			names[n++] = policies->items[2 * i]->text;
		const char *hint = mf_text_suggest(name, names, n);
		return fail(r, name_node, field, "no policy '%s' under 'policies'%s%s%s", name,
			    hint ? " (did you mean '" : "", hint ? hint : "", hint ? "'?)" : "");
	}
	FIELD(field, "%s.state", where);
	const struct yt_node *state_node = yt_get(m, "state");
	if (yt_string(r->doc, state_node, field, state, sizeof(state), r->err) < 0)
		return -1;
	const struct yt_node *effects = yt_get(policy, state);
	if (!effects) {
		const char *names[16];
		int n = 0;
		for (int i = 0; i < policy->n && n < 16; i++)
			names[n++] = policy->items[2 * i]->text;
		const char *hint = mf_text_suggest(state, names, n);
		return fail(r, state_node, field, "policy '%s' has no state '%s'%s%s%s", name, state,
			    hint ? " (did you mean '" : "", hint ? hint : "", hint ? "'?)" : "");
	}
	for (int k = 0; k < effects->n; k++) {
		char effect_where[96];
		FIELD(effect_where, "policies.%s.%s[%d]", name, state, k);
		struct mf_event *e;
		if (add_event(r, capacity, &e) < 0 ||
		    read_effect(r, effects->items[k], effect_where, day, m, e) < 0)
			return -1;
		snprintf(e->policy, sizeof(e->policy), "%s: %s", name, state);
		r->s->n_events++;
	}
	return 0;
}

static int read_events(struct reader *r, const struct yt_node *list, const struct yt_node *policies)
{
	struct mf_scenario *s = r->s;
	int capacity = 0;
	if (yt_expect(r->doc, list, YT_SEQUENCE, "events", r->err) < 0)
		return -1;
	if (policies && check_policies(r, policies) < 0)
		return -1;
	static const char *const kinds_with_policy[MF_EVENT_KIND_COUNT + 1] = {
		"security", "closure", "reopen", "capacity", "speed", "fare", "hazard",
		"interception", "convoy", "source_rate", "parameter", "policy",
	};
	for (int i = 0; i < list->n; i++) {
		const struct yt_node *m = list->items[i];
		char where[48], field[96];
		FIELD(where, "events[%d]", i);
		if (yt_expect(r->doc, m, YT_MAPPING, where, r->err) < 0)
			return -1;
		for (int k = 0; k < 2; k++) {
			const char *key = k ? "kind" : "date";
			if (!yt_get(m, key)) {
				static const char *const top_keys[] = {"date", "kind"};
				/* A misspelt date or kind gets a suggestion first. */
				for (int j = 0; j < m->n; j++) {
					const struct yt_node *other = m->items[2 * j];
					if (other->kind == YT_SCALAR && strcmp(other->text, key) != 0 &&
					    mf_text_suggest(other->text, top_keys, 2) == top_keys[k]) {
						FIELD(field, "%s.%s", where, other->text);
						return fail(r, other, field, "unknown key (did you mean '%s'?)", key);
					}
				}
				FIELD(field, "%s.%s", where, key);
				return fail(r, m, field, "required key missing");
			}
		}
		int kind, date;
		FIELD(field, "%s.kind", where);
		if (yt_choice(r->doc, yt_get(m, "kind"), field, kinds_with_policy, MF_EVENT_KIND_COUNT + 1, &kind, r->err) < 0)
			return -1;
		FIELD(field, "%s.date", where);
		if (yt_date(r->doc, yt_get(m, "date"), field, &date, r->err) < 0)
			return -1;
		if (date < s->start || date >= s->start + s->days) {
			char first[11], last[11];
			mf_date_format(s->start, first);
			mf_date_format(s->start + s->days - 1, last);
			return fail(r, yt_get(m, "date"), field, "date outside the run (%s to %s)", first, last);
		}
		if (kind == MF_EVENT_KIND_COUNT) {
			if (read_policy(r, m, where, date - s->start, policies, &capacity) < 0)
				return -1;
			continue;
		}
		struct mf_event *e;
		if (add_event(r, &capacity, &e) < 0)
			return -1;
		e->kind = (enum mf_event_kind)kind;
		e->day = date - s->start;
		mf_text_copy(e->file, sizeof(e->file), m->file);
		e->line = m->line;
		e->column = m->column;
		if (read_event_body(r, m, where, e) < 0)
			return -1;
		s->n_events++;
	}
	/* Stable sort by day (insertion sort: event lists are short). */
	for (int i = 1; i < s->n_events; i++) {
		struct mf_event e = s->events[i];
		int j = i - 1;
		while (j >= 0 && s->events[j].day > e.day) {
			s->events[j + 1] = s->events[j];
			j--;
		}
		s->events[j + 1] = e;
	}
	return 0;
}

/* The `calibrate:` block: free parameters, each a YAML path into this
 * scenario to one value it sets (`set`) or to values it multiplies
 * (`scale`), with bounds, a start value and a search scale. */
static int read_calibrate(struct reader *r, const struct yt_node *list)
{
	static const char *const keys[] = {"name", "set", "scale", "min", "max", "start", "search"};
	struct mf_scenario *s = r->s;
	if (yt_expect(r->doc, list, YT_SEQUENCE, "calibrate", r->err) < 0)
		return -1;
	s->free = calloc((size_t)list->n + 1, sizeof(*s->free));
	if (!s->free)
		return mf_error_set(r->err, MF_ERR_NOMEM, "out of memory"), -1;
	for (int i = 0; i < list->n; i++) {
		const struct yt_node *m = list->items[i];
		struct mf_free_parameter *f = &s->free[i];
		char where[48], field[96];
		FIELD(where, "calibrate[%d]", i);
		if (yt_expect(r->doc, m, YT_MAPPING, where, r->err) < 0 ||
		    yt_check_keys(r->doc, m, keys, 7, where, r->err) < 0)
			return -1;
		static const char *const required[] = {"name", "min", "max", "start"};
		if (require_keys(r, m, where, required, 4) < 0)
			return -1;
		FIELD(field, "%s.name", where);
		if (yt_string(r->doc, yt_get(m, "name"), field, f->name, sizeof(f->name), r->err) < 0)
			return -1;
		for (int j = 0; j < i; j++)
			if (strcmp(s->free[j].name, f->name) == 0)
				return fail(r, yt_get(m, "name"), field, "free parameter named twice");
		int which;
		const struct yt_node *path = one_of(r, m, where, "set", "scale", &which);
		if (!path)
			return -1;
		f->multiplier = which == 1;
		FIELD(field, "%s.%s", where, which ? "scale" : "set");
		if (yt_string(r->doc, path, field, f->path, sizeof(f->path), r->err) < 0)
			return -1;
		struct yt_node *found[256];
		int n = yt_select(r->doc->root, f->path, found, 256);
		if (n < 0)
			return fail(r, path, field, "malformed path '%s' (keys joined by '.', lists as key[2], key[*] or key[field=value])", f->path);
		if (n == 0)
			return fail(r, path, field, "'%s' names no value of this scenario", f->path);
		if (n > 256)
			return fail(r, path, field, "'%s' names more than 256 values", f->path);
		if (!f->multiplier && n != 1)
			return fail(r, path, field, "'set' names %d values; use 'scale' to multiply several", n);
		for (int k = 0; k < n; k++) {
			double value;
			if (found[k]->kind != YT_SCALAR || !mf_text_double(found[k]->text, &value))
				return fail(r, path, field, "'%s' names something that is not a number (line %d)",
					    f->path, found[k]->line);
		}
		FIELD(field, "%s.min", where);
		if (yt_number(r->doc, yt_get(m, "min"), field, -1e12, 1e12, &f->min, r->err) < 0)
			return -1;
		FIELD(field, "%s.max", where);
		if (yt_number(r->doc, yt_get(m, "max"), field, -1e12, 1e12, &f->max, r->err) < 0)
			return -1;
		if (!(f->max > f->min))
			return fail(r, yt_get(m, "max"), field, "expected max above min (%g)", f->min);
		FIELD(field, "%s.start", where);
		if (yt_number(r->doc, yt_get(m, "start"), field, f->min, f->max, &f->start, r->err) < 0)
			return -1;
		const struct yt_node *search = yt_get(m, "search");
		int scale = 0;
		static const char *const scales[] = {"linear", "log"};
		FIELD(field, "%s.search", where);
		if (search && yt_choice(r->doc, search, field, scales, 2, &scale, r->err) < 0)
			return -1;
		f->log_scale = scale == 1;
		if (f->log_scale && f->min <= 0)
			return fail(r, yt_get(m, "min"), where, "a log-scale parameter needs min above 0");
		mf_text_copy(f->file, sizeof(f->file), m->file);
		f->line = m->line;
		f->column = m->column;
		s->n_free++;
	}
	return 0;
}

/* Resolves a path relative to the directory of the file that names it. */
static void relative_path(const char *naming_file, const char *name, char *out, size_t size)
{
	if (name[0] == '/') {
		snprintf(out, size, "%s", name);
		return;
	}
	char copy[PATH_MAX];
	mf_text_copy(copy, sizeof(copy), naming_file);
	const char *dir = dirname(copy);
	if (strcmp(dir, ".") == 0)
		snprintf(out, size, "%s", name);
	else
		snprintf(out, size, "%s/%s", dir, name);
}

static int read_top(struct reader *r, const struct yt_node *root)
{
	static const char *const keys[] = {
		"name", "description", "extends", "start", "days", "end", "report_from", "seed",
		"agent_scale", "network", "destination", "parameters", "sources", "initial",
		"monitoring", "expulsions", "policies", "events", "calibrate", "targets",
	};
	struct mf_scenario *s = r->s;
	const struct yt_doc *doc = r->doc;
	if (yt_check_keys(doc, root, keys, sizeof(keys) / sizeof(*keys), "", r->err) < 0)
		return -1;
	static const char *const required[] = {"name", "start", "network", "destination"};
	for (int k = 0; k < 4; k++)
		if (!yt_get(root, required[k]))
			return fail(r, root, required[k], "required key missing");
	if (yt_string(doc, yt_get(root, "name"), "name", s->name, sizeof(s->name), r->err) < 0 ||
	    yt_date(doc, yt_get(root, "start"), "start", &s->start, r->err) < 0)
		return -1;
	const struct yt_node *node;
	if ((node = yt_get(root, "description"))) {
		if (yt_expect(doc, node, YT_SCALAR, "description", r->err) < 0)
			return -1;
		s->description = strdup(node->text);
	}
	const struct yt_node *days = yt_get(root, "days"), *end = yt_get(root, "end");
	if (days && end)
		return fail(r, end, "end", "give 'days' or 'end', not both");
	if (!days && !end)
		return fail(r, root, "days", "required key missing (or give 'end')");
	if (days) {
		long n;
		if (yt_integer(doc, days, "days", 1, 36500, &n, r->err) < 0)
			return -1;
		s->days = (int)n;
	} else {
		int last;
		if (yt_date(doc, end, "end", &last, r->err) < 0)
			return -1;
		if (last < s->start || last - s->start >= 36500)
			return fail(r, end, "end", "expected a date on or after 'start' and within 100 years");
		s->days = last - s->start + 1;
	}
	s->report_from = 0;
	if ((node = yt_get(root, "report_from"))) {
		int date;
		if (yt_date(doc, node, "report_from", &date, r->err) < 0)
			return -1;
		if (date < s->start || date >= s->start + s->days)
			return fail(r, node, "report_from", "date outside the run");
		s->report_from = date - s->start;
	}
	s->seed = 1;
	if ((node = yt_get(root, "seed"))) {
		long seed;
		if (yt_integer(doc, node, "seed", 0, LONG_MAX, &seed, r->err) < 0)
			return -1;
		s->seed = (uint64_t)seed;
	}
	s->agent_scale = 1;
	if ((node = yt_get(root, "agent_scale"))) {
		long scale;
		if (yt_integer(doc, node, "agent_scale", 1, 100000, &scale, r->err) < 0)
			return -1;
		s->agent_scale = (int)scale;
	}
	/* The network comes first: everything else refers to its places. */
	const struct yt_node *network = yt_get(root, "network");
	static const char *const network_keys[] = {"places", "links"};
	if (yt_expect(doc, network, YT_MAPPING, "network", r->err) < 0 ||
	    yt_check_keys(doc, network, network_keys, 2, "network", r->err) < 0)
		return -1;
	char names[2][PATH_MAX], paths[2][PATH_MAX];
	for (int k = 0; k < 2; k++) {
		char field[32];
		FIELD(field, "network.%s", network_keys[k]);
		if (!yt_get(network, network_keys[k]))
			return fail(r, network, field, "required key missing");
		if (yt_string(doc, yt_get(network, network_keys[k]), field, names[k], sizeof(names[k]), r->err) < 0)
			return -1;
		relative_path(yt_get(network, network_keys[k])->file, names[k], paths[k], sizeof(paths[k]));
		struct yt_node *path_node = yt_get(network, network_keys[k]);
		char real[PATH_MAX];
		if (!realpath(paths[k], real))
			return fail(r, path_node, field, "cannot open '%s': %s", paths[k], strerror(errno));
		/* The resolved scenario names the files it used, wherever it is read. */
		char *absolute = strdup(real);
		if (!absolute)
			return mf_error_set(r->err, MF_ERR_NOMEM, "out of memory"), -1;
		free(path_node->text);
		path_node->text = absolute;
		path_node->plain = false;
	}
	s->graph = mf_graph_load(paths[0], paths[1], r->err);
	if (!s->graph)
		return -1;
	s->params.stay_days_by_country = calloc((size_t)s->graph->n_countries, sizeof(double));
	if (!s->params.stay_days_by_country)
		return mf_error_set(r->err, MF_ERR_NOMEM, "out of memory"), -1;
	if (read_place(r, yt_get(root, "destination"), "destination", &s->destination) < 0)
		return -1;
	if (s->graph->places[s->destination].kind != MF_PLACE_DESTINATION)
		return fail(r, yt_get(root, "destination"), "destination",
			    "place '%s' is of kind '%s', expected kind 'destination'",
			    s->graph->places[s->destination].id,
			    mf_place_kind_name(s->graph->places[s->destination].kind));
	if ((node = yt_get(root, "parameters")) && read_parameters(r, node) < 0)
		return -1;
	for (int c = 0; c < s->graph->n_countries; c++)
		if (s->params.stay_days_by_country[c] == 0)
			s->params.stay_days_by_country[c] = s->params.default_stay_days;
	if ((node = yt_get(root, "sources")) && read_sources(r, node) < 0)
		return -1;
	if ((node = yt_get(root, "initial")) && read_initial(r, node) < 0)
		return -1;
	if ((node = yt_get(root, "monitoring")) && read_monitoring(r, node) < 0)
		return -1;
	if ((node = yt_get(root, "expulsions")) && read_expulsions(r, node) < 0)
		return -1;
	/* A calibration belongs to the file that declares it: a scenario that
	 * extends a calibrated one does not inherit its free parameters. */
	if ((node = yt_get(root, "calibrate")) && strcmp(node->file, doc->path) == 0 &&
	    read_calibrate(r, node) < 0)
		return -1;
	if ((node = yt_get(root, "targets"))) {
		char name[PATH_MAX];
		if (yt_string(doc, node, "targets", name, sizeof(name), r->err) < 0)
			return -1;
		relative_path(node->file, name, s->targets_path, sizeof(s->targets_path));
		if (access(s->targets_path, R_OK) != 0)
			return fail(r, node, "targets", "cannot open '%s': %s", s->targets_path, strerror(errno));
	}
	const struct yt_node *policies = yt_get(root, "policies");
	if ((node = yt_get(root, "events")) && read_events(r, node, policies) < 0)
		return -1;
	if (!yt_get(root, "events") && policies)
		return fail(r, policies, "policies", "policies are switched by events of kind 'policy'; there are no events");
	return 0;
}

/* The text of every file of the extends chain, each after a line naming it. */
static char *source_texts(const struct yt_doc *doc)
{
	size_t total = 1;
	for (const struct yt_doc *d = doc; d; d = d->parent)
		total += strlen(d->source) + strlen(d->path) + 32;
	char *text = malloc(total);
	if (!text)
		return NULL;
	size_t used = 0;
	for (const struct yt_doc *d = doc; d; d = d->parent)
		used += (size_t)snprintf(text + used, total - used, "# ---- file: %s\n%s%s", d->path,
					 d->source, *d->source && d->source[strlen(d->source) - 1] != '\n' ? "\n" : "");
	return text;
}

/* A scenario read from the tree of doc (which stays the caller's). */
static struct mf_scenario *scenario_from_doc(const char *path, struct yt_doc *doc, struct mf_error *err)
{
	struct mf_scenario *s = calloc(1, sizeof(*s));
	if (!s) {
		mf_error_set(err, MF_ERR_NOMEM, "out of memory");
		return NULL;
	}
	mf_text_copy(s->path, sizeof(s->path), path);
	mf_parameters_set_defaults(&s->params);
	if (!doc->root || (doc->root->kind == YT_SCALAR && doc->root->text[0] == '\0')) {
		mf_error_at(err, path, 1, 1, "", "empty scenario: expected a mapping with name, start, days, network ...");
		goto fail;
	}
	struct reader r = {doc, s, err};
	if (yt_expect(doc, doc->root, YT_MAPPING, "", err) < 0 || read_top(&r, doc->root) < 0)
		goto fail;
	s->resolved_text = yt_emit(doc);
	s->source_text = source_texts(doc);
	if (!s->resolved_text || !s->source_text) {
		mf_error_set(err, MF_ERR_NOMEM, "out of memory");
		goto fail;
	}
	return s;
fail:
	mf_scenario_destroy(s);
	return NULL;
}

static const char *const append_keys[] = {"events"};

struct mf_scenario *mf_scenario_load(const char *path, struct mf_error *err)
{
	struct yt_doc *doc = yt_load_extended(path, append_keys, 1, err);
	if (!doc)
		return NULL;
	struct mf_scenario *s = scenario_from_doc(path, doc, err);
	yt_free(doc);
	return s;
}

struct mf_scenario_source {
	struct yt_doc *doc;
	struct mf_scenario *scenario;
	/* Per free parameter: the nodes it writes and their values in the file. */
	int *n_nodes;
	struct yt_node ***nodes;
	double **base;
};

void mf_scenario_source_destroy(struct mf_scenario_source *source)
{
	if (!source)
		return;
	int n = source->scenario ? source->scenario->n_free : 0;
	for (int i = 0; i < n; i++) {
		free(source->nodes[i]);
		free(source->base[i]);
	}
	free(source->n_nodes);
	free(source->nodes);
	free(source->base);
	mf_scenario_destroy(source->scenario);
	yt_free(source->doc);
	free(source);
}

struct mf_scenario_source *mf_scenario_source_load(const char *path, struct mf_error *err)
{
	struct mf_scenario_source *source = calloc(1, sizeof(*source));
	if (!source)
		goto nomem;
	source->doc = yt_load_extended(path, append_keys, 1, err);
	if (!source->doc)
		goto fail;
	source->scenario = scenario_from_doc(path, source->doc, err);
	if (!source->scenario)
		goto fail;
	int n = source->scenario->n_free;
	source->n_nodes = calloc((size_t)n + 1, sizeof(int));
	source->nodes = calloc((size_t)n + 1, sizeof(*source->nodes));
	source->base = calloc((size_t)n + 1, sizeof(*source->base));
	if (!source->n_nodes || !source->nodes || !source->base)
		goto nomem;
	for (int i = 0; i < n; i++) {
		const struct mf_free_parameter *f = &source->scenario->free[i];
		source->nodes[i] = calloc(256, sizeof(struct yt_node *));
		source->base[i] = calloc(256, sizeof(double));
		if (!source->nodes[i] || !source->base[i])
			goto nomem;
		source->n_nodes[i] = yt_select(source->doc->root, f->path, source->nodes[i], 256);
		for (int k = 0; k < source->n_nodes[i]; k++) {
			const struct yt_node *node = source->nodes[i][k];
			mf_text_double(node->text, &source->base[i][k]);
			/* Fitted values are written back into this file. */
			if (strcmp(node->file, source->doc->path) != 0) {
				mf_error_at(err, f->file, f->line, f->column, f->name,
					    "'%s' is written in %s (line %d), which this file extends: "
					    "calibrate values written in this file", f->path, node->file, node->line);
				goto fail;
			}
		}
	}
	return source;
nomem:
	mf_error_set(err, MF_ERR_NOMEM, "out of memory");
fail:
	mf_scenario_source_destroy(source);
	return NULL;
}

const struct mf_scenario *mf_scenario_source_scenario(const struct mf_scenario_source *source)
{
	return source->scenario;
}

/* A number as people write it: no exponent for ordinary magnitudes. */
static void format_number(double value, char *out, size_t size)
{
	double magnitude = fabs(value);
	if (value == 0 || (magnitude >= 1e-4 && magnitude < 1e12)) {
		snprintf(out, size, "%.*f", magnitude >= 1000 ? 2 : 6, value);
		char *dot = strchr(out, '.');
		if (dot) {
			char *end = out + strlen(out) - 1;
			while (end > dot && *end == '0')
				*end-- = '\0';
			if (end == dot)
				*end = '\0';
		}
	} else {
		snprintf(out, size, "%.6g", value);
	}
}

/* The values the free parameters give: every node any of them names, once,
 * with its value in the file set by the `set` parameters and then
 * multiplied by every `scale` parameter naming it. Returns the count. */
static int compose(const struct mf_scenario_source *source, const double *values,
		   struct yt_node **nodes, double *result, int max)
{
	const struct mf_scenario *s = source->scenario;
	int n = 0;
	for (int pass = 0; pass < 2; pass++)
		for (int i = 0; i < s->n_free; i++) {
			if (s->free[i].multiplier != (pass == 1))
				continue;
			for (int k = 0; k < source->n_nodes[i]; k++) {
				int j = 0;
				while (j < n && nodes[j] != source->nodes[i][k])
					j++;
				if (j == n) {
					if (n == max)
						continue;
					nodes[n] = source->nodes[i][k];
					result[n++] = source->base[i][k];
				}
				result[j] = pass ? result[j] * values[i] : values[i];
			}
		}
	return n;
}

#define MAX_EDITS 2048

struct mf_scenario *mf_scenario_source_build(struct mf_scenario_source *source,
					     const double *values, struct mf_error *err)
{
	const struct mf_scenario *original = source->scenario;
	struct yt_node **nodes = calloc(MAX_EDITS, sizeof(*nodes));
	double *result = calloc(MAX_EDITS, sizeof(double));
	char **saved = calloc(MAX_EDITS, sizeof(char *));
	if (!nodes || !result || !saved) {
		free(nodes);
		free(result);
		free(saved);
		mf_error_set(err, MF_ERR_NOMEM, "out of memory");
		return NULL;
	}
	/* Write the values into the tree, read it, and put the file's back. */
	int n = values ? compose(source, values, nodes, result, MAX_EDITS) : 0;
	for (int j = 0; j < n; j++) {
		char text[64];
		format_number(result[j], text, sizeof(text));
		char *copy = strdup(text);
		if (copy) {
			saved[j] = nodes[j]->text;
			nodes[j]->text = copy;
		}
	}
	struct mf_scenario *s = scenario_from_doc(original->path, source->doc, err);
	for (int j = 0; j < n; j++)
		if (saved[j]) {
			free(nodes[j]->text);
			nodes[j]->text = saved[j];
		}
	free(nodes);
	free(result);
	free(saved);
	return s;
}

/* libyaml counts positions in characters: the byte offset of character
 * `index` of UTF-8 text. */
static size_t byte_offset(const char *text, size_t index)
{
	size_t bytes = 0;
	for (size_t characters = 0; text[bytes] && characters < index; characters++) {
		bytes++;
		while (((unsigned char)text[bytes] & 0xc0) == 0x80)
			bytes++;
	}
	return bytes;
}

char *mf_scenario_source_text(const struct mf_scenario_source *source, const double *values)
{
	const char *text = source->doc->source;
	size_t length = strlen(text);
	/* Edits sorted by position, applied front to back into a new text. */
	struct edit {
		size_t start, end;
		char text[64];
	} *edits = calloc(MAX_EDITS, sizeof(*edits));
	struct yt_node **nodes = calloc(MAX_EDITS, sizeof(*nodes));
	double *result = calloc(MAX_EDITS, sizeof(double));
	if (!edits || !nodes || !result) {
		free(edits);
		free(nodes);
		free(result);
		return NULL;
	}
	int n = compose(source, values, nodes, result, MAX_EDITS);
	for (int j = 0; j < n; j++) {
		edits[j].start = byte_offset(text, nodes[j]->start);
		edits[j].end = byte_offset(text, nodes[j]->end);
		format_number(result[j], edits[j].text, sizeof(edits[j].text));
	}
	free(nodes);
	free(result);
	for (int a = 1; a < n; a++) {
		struct edit e = edits[a];
		int b = a - 1;
		while (b >= 0 && edits[b].start > e.start) {
			edits[b + 1] = edits[b];
			b--;
		}
		edits[b + 1] = e;
	}
	char *out = malloc(length + (size_t)n * 64 + 1);
	if (!out) {
		free(edits);
		return NULL;
	}
	size_t used = 0, at = 0;
	for (int e = 0; e < n; e++) {
		if (edits[e].start < at || edits[e].end > length)
			continue;
		memcpy(out + used, text + at, edits[e].start - at);
		used += edits[e].start - at;
		size_t add = strlen(edits[e].text);
		memcpy(out + used, edits[e].text, add);
		used += add;
		at = edits[e].end;
	}
	memcpy(out + used, text + at, length - at);
	used += length - at;
	out[used] = '\0';
	free(edits);
	return out;
}

void mf_scenario_destroy(struct mf_scenario *s)
{
	if (!s)
		return;
	for (int i = 0; i < s->n_monitors; i++)
		free(s->monitors[i].links);
	for (int i = 0; i < s->n_events; i++) {
		free(s->events[i].places);
		free(s->events[i].links);
	}
	/* Events and monitors being read when an error struck are not counted
	 * in n_*; their arrays are freed through the +1 slot convention. */
	if (s->monitors)
		free(s->monitors[s->n_monitors].links);
	if (s->events) {
		free(s->events[s->n_events].places);
		free(s->events[s->n_events].links);
	}
	free(s->monitors);
	free(s->events);
	free(s->sources);
	free(s->initial);
	free(s->expulsions);
	free(s->params.stay_days_by_country);
	free(s->description);
	free(s->resolved_text);
	free(s->source_text);
	free(s->free);
	mf_graph_destroy(s->graph);
	free(s);
}
