/* Reading a scenario: who is on the map, who joins it and who is moved:
 * `sources:`, `initial:` and `expulsions:` (scenario_private.h). */
#include "scenario_private.h"

#include <stdlib.h>
#include <string.h>

/* Where a source's agents head: its `goals`, or the destination for
 * onward migrants; each reachable, and for circular migrants home too. */
static int read_goals(struct reader *r, const struct yt_node *m, const char *where, struct mf_source *src)
{
	const struct mf_graph *g = r->s->graph;
	const struct yt_node *goals = yt_get(m, "goals");
	char field[96];
	FIELD(field, "%s.goals", where);
	if (goals) {
		if (mf_read_goal_set(r, goals, field, &src->goals) < 0)
			return -1;
	} else if (src->intent == MF_INTENT_ONWARD) {
		src->goals.n = 1;
		src->goals.place[0] = r->s->destination;
		src->goals.weight[0] = 1;
	} else {
		return mf_read_fail(r, m, field, "required key missing (where do %s migrants from %s head?)",
				    mf_intent_names[src->intent], g->places[src->place].id);
	}
	for (int i = 0; i < src->goals.n; i++) {
		int goal = src->goals.place[i];
		if (goal == src->place || !mf_graph_reachable(g, src->place, goal))
			return mf_read_fail(r, goals ? goals->items[2 * i] : m, field,
					    "goal '%s' cannot be reached from '%s' along the network's links",
					    g->places[goal].id, g->places[src->place].id);
		if (src->intent == MF_INTENT_CIRCULAR && !mf_graph_reachable(g, goal, src->place))
			return mf_read_fail(r, goals->items[2 * i], field,
					    "circular migrants cannot get home from '%s' to '%s'",
					    g->places[goal].id, g->places[src->place].id);
	}
	return 0;
}

static int read_seasonality(struct reader *r, const struct yt_node *m, const char *where,
			    struct mf_source *src)
{
	for (int month = 0; month < 12; month++)
		src->season[month] = 1;
	const struct yt_node *season = yt_get(m, "seasonality");
	if (!season)
		return 0;
	char field[96];
	FIELD(field, "%s.seasonality", where);
	if (yt_expect(r->doc, season, YT_SEQUENCE, field, r->err) < 0)
		return -1;
	if (season->n != 12)
		return mf_read_fail(r, season, field, "expected 12 monthly multipliers, got %d", season->n);
	for (int month = 0; month < 12; month++)
		if (yt_number(r->doc, season->items[month], field, 0, 100, &src->season[month], r->err) < 0)
			return -1;
	return 0;
}

static int read_source(struct reader *r, const struct yt_node *m, int i)
{
	static const char *const keys[] = {"name", "place", "intent", "rate", "goals", "seasonality"};
	struct mf_source *src = &r->s->sources[i];
	char where[48], field[96];
	FIELD(where, "sources[%d]", i);
	if (yt_expect(r->doc, m, YT_MAPPING, where, r->err) < 0 ||
	    yt_check_keys(r->doc, m, keys, 6, where, r->err) < 0)
		return -1;
	static const char *const required[] = {"place", "intent", "rate"};
	if (mf_read_require_keys(r, m, where, required, 3) < 0)
		return -1;
	int intent;
	FIELD(field, "%s.place", where);
	if (mf_read_place(r, yt_get(m, "place"), field, &src->place) < 0)
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
			return mf_read_fail(r, name ? name : m, field,
					    "two sources are named '%s' (line %d): give them distinct `name`s",
					    src->name, r->s->sources[j].line);
	src->line = m->line;
	src->column = m->column;
	if (read_goals(r, m, where, src) < 0 || read_seasonality(r, m, where, src) < 0)
		return -1;
	return 0;
}

int mf_read_sources(struct reader *r, const struct yt_node *list)
{
	if (yt_expect(r->doc, list, YT_SEQUENCE, "sources", r->err) < 0)
		return -1;
	r->s->sources = calloc((size_t)list->n + 1, sizeof(*r->s->sources));
	if (!r->s->sources)
		return mf_error_set(r->err, MF_ERR_NOMEM, "out of memory"), -1;
	for (int i = 0; i < list->n; i++) {
		if (read_source(r, list->items[i], i) < 0)
			return -1;
		r->s->n_sources++;
	}
	return 0;
}

int mf_read_initial(struct reader *r, const struct yt_node *list)
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
		if (mf_read_require_keys(r, m, where, required, 3) < 0)
			return -1;
		int intent;
		FIELD(field, "%s.place", where);
		if (mf_read_place(r, yt_get(m, "place"), field, &init->place) < 0)
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
			if (mf_read_goal_set(r, homes, field, &init->homes) < 0)
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

int mf_read_expulsions(struct reader *r, const struct yt_node *list)
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
		if (mf_read_require_keys(r, m, where, keys, 3) < 0)
			return -1;
		FIELD(field, "%s.from", where);
		if (mf_read_place(r, yt_get(m, "from"), field, &e->from) < 0)
			return -1;
		FIELD(field, "%s.to", where);
		if (mf_read_place(r, yt_get(m, "to"), field, &e->to) < 0)
			return -1;
		if (e->from == e->to)
			return mf_read_fail(r, yt_get(m, "to"), field, "expelled people must go to another place");
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
				return mf_read_fail(r, yt_get(m, "from"), field, "place already has an expulsion rule");
		r->s->n_expulsions++;
	}
	return 0;
}
