/* Reading a scenario: `events:`, one reader per kind of event
 * (scenario_private.h). The events are applied by src/events.c. */
#include "scenario_private.h"

#include <stdlib.h>
#include <string.h>

#include "migflow/date.h"
#include "parameters.h"
#include "text.h"

const char *const mf_event_kind_names[MF_EVENT_KIND_COUNT] = {
	"security", "closure", "reopen", "capacity", "speed", "fare", "hazard",
	"interception", "convoy", "source_rate", "parameter",
};

const char *mf_event_kind_name(enum mf_event_kind kind)
{
	return (unsigned)kind < MF_EVENT_KIND_COUNT ? mf_event_kind_names[kind] : "?";
}

/* Each reader below reads the fields of its kind of event at m into e
 * (the keys are checked, and the links chosen for the kinds that act on
 * links). */

static int read_security(struct reader *r, const struct yt_node *m, const char *where, struct mf_event *e)
{
	static const char *const required[] = {"where", "level"};
	char field[96];
	if (mf_read_require_keys(r, m, where, required, 2) < 0)
		return -1;
	FIELD(field, "%s.where", where);
	if (mf_read_where(r, yt_get(m, "where"), field, e) < 0)
		return -1;
	FIELD(field, "%s.level", where);
	if (yt_number(r->doc, yt_get(m, "level"), field, 0, 1, &e->value, r->err) < 0)
		return -1;
	long ramp = 0;
	const struct yt_node *value;
	FIELD(field, "%s.ramp_days", where);
	if ((value = yt_get(m, "ramp_days")) && yt_integer(r->doc, value, field, 0, 3650, &ramp, r->err) < 0)
		return -1;
	e->ramp_days = (int)ramp;
	return 0;
}

/* A model parameter by name, within its range in the parameter table. */
static int read_parameter(struct reader *r, const struct yt_node *m, const char *where, struct mf_event *e)
{
	static const char *const required[] = {"name", "value"};
	char field[96];
	if (mf_read_require_keys(r, m, where, required, 2) < 0)
		return -1;
	FIELD(field, "%s.name", where);
	if (yt_string(r->doc, yt_get(m, "name"), field, e->parameter, sizeof(e->parameter), r->err) < 0)
		return -1;
	struct mf_param_ref ref;
	char why[600];
	if (mf_param_resolve(e->parameter, r->s->graph, &ref, why, sizeof(why)) != MF_PARAM_FOUND)
		return mf_read_fail(r, yt_get(m, "name"), field, "%s", why);
	FIELD(field, "%s.value", where);
	if (yt_number(r->doc, yt_get(m, "value"), field, ref.info->min, ref.info->max, &e->value, r->err) < 0)
		return -1;
	snprintf(e->target, sizeof(e->target), "%s", e->parameter);
	return 0;
}

/* The sources it multiplies: by name, place and intent, each optional. */
static int read_source_rate(struct reader *r, const struct yt_node *m, const char *where, struct mf_event *e)
{
	const struct mf_scenario *s = r->s;
	const struct yt_node *value;
	char field[96];
	int which;
	FIELD(field, "%s.source", where);
	if ((value = yt_get(m, "source"))) {
		if (yt_string(r->doc, value, field, e->source_name, sizeof(e->source_name), r->err) < 0)
			return -1;
		bool known = false;
		for (int k = 0; k < s->n_sources; k++)
			known |= strcmp(s->sources[k].name, e->source_name) == 0;
		if (!known) {
			const char *names[256];
			int n = s->n_sources < 256 ? s->n_sources : 256;
			for (int k = 0; k < n; k++)
				names[k] = s->sources[k].name;
			const char *hint = mf_text_suggest(e->source_name, names, n);
			return mf_read_fail(r, value, field, "no source named '%s'%s%s%s", e->source_name,
					    hint ? " (did you mean '" : "", hint ? hint : "", hint ? "'?)" : "");
		}
	}
	FIELD(field, "%s.place", where);
	if ((value = yt_get(m, "place")) && mf_read_place(r, value, field, &e->source_place) < 0)
		return -1;
	FIELD(field, "%s.intent", where);
	if ((value = yt_get(m, "intent")) &&
	    yt_choice(r->doc, value, field, mf_intent_names, MF_INTENT_COUNT, &e->source_intent, r->err) < 0)
		return -1;
	if (!(value = mf_read_one_of(r, m, where, "multiplier", NULL, &which)))
		return -1;
	FIELD(field, "%s.multiplier", where);
	if (yt_number(r->doc, value, field, 0, 1e4, &e->value, r->err) < 0)
		return -1;
	snprintf(e->target, sizeof(e->target), "sources%s%s%s%s%s%s",
		 e->source_name[0] ? " named " : "", e->source_name,
		 e->source_place >= 0 ? " at " : "",
		 e->source_place >= 0 ? s->graph->places[e->source_place].id : "",
		 e->source_intent >= 0 ? " of intent " : "",
		 e->source_intent >= 0 ? mf_intent_names[e->source_intent] : "");
	return 0;
}

static int read_capacity(struct reader *r, const struct yt_node *m, const char *where, struct mf_event *e)
{
	const struct yt_node *value;
	char field[96];
	int which;
	if (!(value = mf_read_one_of(r, m, where, "per_day", NULL, &which)))
		return -1;
	FIELD(field, "%s.per_day", where);
	if (value->kind == YT_SCALAR && strcmp(value->text, "unlimited") == 0)
		e->value = 0;
	else if (yt_number(r->doc, value, field, 1e-9, 1e9, &e->value, r->err) < 0)
		return mf_read_fail(r, value, field, "expected persons per day above 0, or 'unlimited', got '%s'",
				    value->kind == YT_SCALAR ? value->text : "a list or mapping");
	return 0;
}

static int read_speed(struct reader *r, const struct yt_node *m, const char *where, struct mf_event *e)
{
	const struct yt_node *value;
	char field[96];
	int which;
	if (!(value = mf_read_one_of(r, m, where, "factor", NULL, &which)))
		return -1;
	FIELD(field, "%s.factor", where);
	return yt_number(r->doc, value, field, 0.01, 100, &e->value, r->err);
}

static int read_fare(struct reader *r, const struct yt_node *m, const char *where, struct mf_event *e)
{
	const struct yt_node *value;
	char field[96];
	int which;
	if (!(value = mf_read_one_of(r, m, where, "multiplier", "usd", &which)))
		return -1;
	FIELD(field, "%s.%s", where, which ? "usd" : "multiplier");
	if (yt_number(r->doc, value, field, 0, which ? 1e6 : 1e3, &e->value, r->err) < 0)
		return -1;
	e->value_is_absolute = which == 1;
	return 0;
}

static int fail_not_sea(struct reader *r, const struct yt_node *m, const char *where, const char *what,
			const struct mf_link *link)
{
	const struct mf_graph *g = r->s->graph;
	return mf_read_fail(r, m, where, "%s applies to sea links; %s -> %s is a %s link (add mode: sea)",
			    what, g->places[link->from].id, g->places[link->to].id,
			    mf_link_mode_name(link->mode));
}

/* Sea mortality per crossing, set. */
static int read_crossing_hazard(struct reader *r, const struct yt_node *m, const char *where,
				struct mf_event *e)
{
	const struct yt_node *value = yt_get(m, "death_per_crossing");
	char field[96];
	FIELD(field, "%s.death_per_crossing", where);
	if (yt_get(m, "multiplier") || yt_get(m, "death_per_day"))
		return mf_read_fail(r, value, field, "give one of multiplier, death_per_day or death_per_crossing");
	if (yt_number(r->doc, value, field, 0, 1, &e->value, r->err) < 0)
		return -1;
	for (int k = 0; k < e->n_links; k++) {
		const struct mf_link *link = &r->s->graph->links[e->links[k]];
		if (link->mode != MF_MODE_SEA)
			return fail_not_sea(r, m, where, "death_per_crossing", link);
	}
	e->per_crossing = true;
	e->value_is_absolute = true;
	return 0;
}

static int read_hazard(struct reader *r, const struct yt_node *m, const char *where, struct mf_event *e)
{
	if (yt_get(m, "death_per_crossing"))
		return read_crossing_hazard(r, m, where, e);
	const struct yt_node *value;
	char field[96];
	int which;
	if (!(value = mf_read_one_of(r, m, where, "multiplier", "death_per_day", &which)))
		return -1;
	FIELD(field, "%s.%s", where, which ? "death_per_day" : "multiplier");
	if (yt_number(r->doc, value, field, 0, which ? 1 : 1e3, &e->value, r->err) < 0)
		return -1;
	e->value_is_absolute = which == 1;
	return 0;
}

static int read_interception(struct reader *r, const struct yt_node *m, const char *where, struct mf_event *e)
{
	const struct mf_graph *g = r->s->graph;
	const struct yt_node *value;
	char field[96];
	int which;
	if (!(value = mf_read_one_of(r, m, where, "probability", NULL, &which)))
		return -1;
	FIELD(field, "%s.probability", where);
	if (yt_number(r->doc, value, field, 0, 1, &e->value, r->err) < 0)
		return -1;
	for (int k = 0; k < e->n_links; k++) {
		const struct mf_link *link = &g->links[e->links[k]];
		if (link->mode != MF_MODE_SEA)
			return fail_not_sea(r, m, where, "interception", link);
		if (e->value + link->death_per_crossing > 1)
			return mf_read_fail(r, value, field, "interception + death_per_crossing of %s -> %s exceed 1",
					    g->places[link->from].id, g->places[link->to].id);
	}
	return 0;
}

static int read_convoy(struct reader *r, const struct yt_node *m, const char *where, struct mf_event *e)
{
	static const char *const choices[8] = {"mon", "tue", "wed", "thu", "fri", "sat", "sun", "daily"};
	const struct yt_node *value;
	char field[96];
	int which, day;
	if (!(value = mf_read_one_of(r, m, where, "departs", NULL, &which)))
		return -1;
	FIELD(field, "%s.departs", where);
	if (yt_choice(r->doc, value, field, choices, 8, &day, r->err) < 0)
		return -1;
	e->weekday = day == 7 ? -1 : day;
	return 0;
}

#define KEYS_MAX 12
#define LINK_KEYS "date", "kind", "link", "links", "place", "border", "country", "mode"

/* Per kind of event: its keys (in the order errors list them), whether it
 * acts on links (chosen before its value is read) and its reader (NULL:
 * the links are all there is). */
static const struct {
	const char *keys[KEYS_MAX];
	bool on_links;
	int (*read)(struct reader *r, const struct yt_node *m, const char *where, struct mf_event *e);
} kinds[MF_EVENT_KIND_COUNT] = {
	[MF_EVENT_SECURITY] = {{"date", "kind", "where", "level", "ramp_days"}, false, read_security},
	[MF_EVENT_CLOSURE] = {{LINK_KEYS}, true, NULL},
	[MF_EVENT_REOPEN] = {{LINK_KEYS}, true, NULL},
	[MF_EVENT_CAPACITY] = {{LINK_KEYS, "per_day"}, true, read_capacity},
	[MF_EVENT_SPEED] = {{LINK_KEYS, "factor"}, true, read_speed},
	[MF_EVENT_FARE] = {{LINK_KEYS, "multiplier", "usd"}, true, read_fare},
	[MF_EVENT_HAZARD] = {{LINK_KEYS, "multiplier", "death_per_day", "death_per_crossing"}, true, read_hazard},
	[MF_EVENT_INTERCEPTION] = {{LINK_KEYS, "probability"}, true, read_interception},
	[MF_EVENT_CONVOY] = {{LINK_KEYS, "departs"}, true, read_convoy},
	[MF_EVENT_SOURCE_RATE] = {{"date", "kind", "source", "place", "intent", "multiplier"}, false, read_source_rate},
	[MF_EVENT_PARAMETER] = {{"date", "kind", "name", "value"}, false, read_parameter},
};

int mf_read_event_body(struct reader *r, const struct yt_node *m, const char *where, struct mf_event *e)
{
	const char *const *keys = kinds[e->kind].keys;
	int n_keys = 0;
	while (n_keys < KEYS_MAX && keys[n_keys])
		n_keys++;
	if (yt_check_keys(r->doc, m, keys, n_keys, where, r->err) < 0)
		return -1;
	e->source_place = e->source_intent = -1;
	e->weekday = -1;
	if (kinds[e->kind].on_links && mf_read_event_links(r, m, where, e) < 0)
		return -1;
	return kinds[e->kind].read ? kinds[e->kind].read(r, m, where, e) : 0;
}

int mf_read_add_event(struct reader *r, int *capacity, struct mf_event **out)
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

/* Both `date` and `kind` are there; a misspelt one gets a suggestion
 * before it is reported missing. */
static int require_date_and_kind(struct reader *r, const struct yt_node *m, const char *where)
{
	static const char *const top_keys[] = {"date", "kind"};
	char field[96];
	for (int k = 0; k < 2; k++) {
		if (yt_get(m, top_keys[k]))
			continue;
		for (int j = 0; j < m->n; j++) {
			const struct yt_node *other = m->items[2 * j];
			if (other->kind == YT_SCALAR && strcmp(other->text, top_keys[k]) != 0 &&
			    mf_text_suggest(other->text, top_keys, 2) == top_keys[k]) {
				FIELD(field, "%s.%s", where, other->text);
				return mf_read_fail(r, other, field, "unknown key (did you mean '%s'?)", top_keys[k]);
			}
		}
		FIELD(field, "%s.%s", where, top_keys[k]);
		return mf_read_fail(r, m, field, "required key missing");
	}
	return 0;
}

/* The day of an event, within the run. */
static int read_day(struct reader *r, const struct yt_node *m, const char *where, int *day)
{
	const struct mf_scenario *s = r->s;
	char field[96];
	int date;
	FIELD(field, "%s.date", where);
	if (yt_date(r->doc, yt_get(m, "date"), field, &date, r->err) < 0)
		return -1;
	if (date < s->start || date >= s->start + s->days) {
		char first[11], last[11];
		mf_date_format(s->start, first);
		mf_date_format(s->start + s->days - 1, last);
		return mf_read_fail(r, yt_get(m, "date"), field, "date outside the run (%s to %s)", first, last);
	}
	*day = date - s->start;
	return 0;
}

/* Stable sort by day (insertion sort: event lists are short). */
static void sort_by_day(struct mf_scenario *s)
{
	for (int i = 1; i < s->n_events; i++) {
		struct mf_event e = s->events[i];
		int j = i - 1;
		while (j >= 0 && s->events[j].day > e.day) {
			s->events[j + 1] = s->events[j];
			j--;
		}
		s->events[j + 1] = e;
	}
}

int mf_read_events(struct reader *r, const struct yt_node *list, const struct yt_node *policies)
{
	struct mf_scenario *s = r->s;
	int capacity = 0;
	if (yt_expect(r->doc, list, YT_SEQUENCE, "events", r->err) < 0)
		return -1;
	if (policies && mf_read_check_policies(r, policies) < 0)
		return -1;
	/* The kinds of event, and `policy` after them. */
	const char *kind_names[MF_EVENT_KIND_COUNT + 1];
	for (int k = 0; k < MF_EVENT_KIND_COUNT; k++)
		kind_names[k] = mf_event_kind_names[k];
	kind_names[MF_EVENT_KIND_COUNT] = "policy";
	for (int i = 0; i < list->n; i++) {
		const struct yt_node *m = list->items[i];
		char where[48], field[96];
		FIELD(where, "events[%d]", i);
		if (yt_expect(r->doc, m, YT_MAPPING, where, r->err) < 0 ||
		    require_date_and_kind(r, m, where) < 0)
			return -1;
		int kind, day = 0;
		FIELD(field, "%s.kind", where);
		if (yt_choice(r->doc, yt_get(m, "kind"), field, kind_names, MF_EVENT_KIND_COUNT + 1, &kind, r->err) < 0 ||
		    read_day(r, m, where, &day) < 0)
			return -1;
		if (kind == MF_EVENT_KIND_COUNT) {
			if (mf_read_policy(r, m, where, day, policies, &capacity) < 0)
				return -1;
			continue;
		}
		struct mf_event *e;
		if (mf_read_add_event(r, &capacity, &e) < 0)
			return -1;
		e->kind = (enum mf_event_kind)kind;
		e->day = day;
		mf_text_copy(e->file, sizeof(e->file), m->file);
		e->line = m->line;
		e->column = m->column;
		if (mf_read_event_body(r, m, where, e) < 0)
			return -1;
		s->n_events++;
	}
	sort_by_day(s);
	return 0;
}
