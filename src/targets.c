#include "migflow/targets.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "migflow/date.h"
#include "text.h"
#include "yamltree.h"

static const char *const quantity_names[MF_Q_COUNT] = {
	"monitor_passes", "sea_arrivals", "sea_deaths", "land_deaths", "interceptions",
	"expulsions", "present",
};

const char *mf_quantity_name(enum mf_quantity quantity)
{
	return (unsigned)quantity < MF_Q_COUNT ? quantity_names[quantity] : "?";
}

static int read_country(const struct yt_doc *doc, const struct yt_node *node, const char *field,
			const struct mf_scenario *s, int *country, struct mf_error *err)
{
	char name[MF_NAME_MAX];
	if (yt_string(doc, node, field, name, sizeof(name), err) < 0)
		return -1;
	*country = mf_graph_country_index(s->graph, name);
	if (*country >= 0)
		return 0;
	const char *names[256];
	int n = s->graph->n_countries < 256 ? s->graph->n_countries : 256;
	for (int c = 0; c < n; c++)
		names[c] = s->graph->countries[c];
	const char *hint = mf_text_suggest(name, names, n);
	return yt_fail(doc, node, field, err, "unknown country '%s'%s%s%s", name,
		       hint ? " (did you mean '" : "", hint ? hint : "", hint ? "'?)" : "");
}

/* A date within the scenario's run, as a day index. */
static int read_day(const struct yt_doc *doc, const struct yt_node *node, const char *field,
		    const struct mf_scenario *s, int *day, struct mf_error *err)
{
	int date;
	if (yt_date(doc, node, field, &date, err) < 0)
		return -1;
	if (date < s->start || date >= s->start + s->days) {
		char first[11], last[11];
		mf_date_format(s->start, first);
		mf_date_format(s->start + s->days - 1, last);
		return yt_fail(doc, node, field, err, "date outside the scenario's run (%s to %s)", first, last);
	}
	*day = date - s->start;
	return 0;
}

static int read_target(const struct yt_doc *doc, const struct yt_node *m, const char *where,
		       const struct mf_scenario *s, struct mf_target *t, struct mf_error *err)
{
	static const char *const keys[] = {
		"name", "quantity", "direction", "country", "from_country", "to_country", "intent",
		"from", "to", "at", "observed", "at_least", "source", "tolerance", "weight",
	};
	char field[96];
	if (yt_expect(doc, m, YT_MAPPING, where, err) < 0 ||
	    yt_check_keys(doc, m, keys, sizeof(keys) / sizeof(*keys), where, err) < 0)
		return -1;
	static const char *const required[] = {"name", "quantity", "observed", "source"};
	for (int k = 0; k < 4; k++)
		if (!yt_get(m, required[k])) {
			snprintf(field, sizeof(field), "%s.%s", where, required[k]);
			return yt_fail(doc, m, field, err, "required key missing%s",
				       k == 3 ? ": every target names its source" : "");
		}
	t->line = m->line;
	t->column = m->column;
	t->direction = t->country = t->from_country = t->to_country = t->intent = -1;
	snprintf(field, sizeof(field), "%s.name", where);
	if (yt_string(doc, yt_get(m, "name"), field, t->name, sizeof(t->name), err) < 0)
		return -1;
	int quantity;
	snprintf(field, sizeof(field), "%s.quantity", where);
	if (yt_choice(doc, yt_get(m, "quantity"), field, quantity_names, MF_Q_COUNT, &quantity, err) < 0)
		return -1;
	t->quantity = (enum mf_quantity)quantity;
	/* Filters: each only where it means something. */
	struct { const char *key; bool allowed; } filters[] = {
		{"direction", t->quantity == MF_Q_MONITOR_PASSES},
		{"country", t->quantity == MF_Q_PRESENT || t->quantity == MF_Q_LAND_DEATHS},
		{"from_country", t->quantity == MF_Q_SEA_ARRIVALS || t->quantity == MF_Q_SEA_DEATHS ||
					 t->quantity == MF_Q_INTERCEPTIONS},
		{"to_country", t->quantity == MF_Q_SEA_ARRIVALS},
		{"intent", t->quantity == MF_Q_PRESENT},
		{"at", t->quantity == MF_Q_PRESENT},
		{"from", t->quantity != MF_Q_PRESENT},
		{"to", t->quantity != MF_Q_PRESENT},
	};
	for (size_t k = 0; k < sizeof(filters) / sizeof(*filters); k++) {
		const struct yt_node *node = yt_get(m, filters[k].key);
		if (node && !filters[k].allowed) {
			snprintf(field, sizeof(field), "%s.%s", where, filters[k].key);
			return yt_fail(doc, node, field, err, "'%s' does not apply to quantity '%s'",
				       filters[k].key, quantity_names[quantity]);
		}
	}
	const struct yt_node *node;
	if ((node = yt_get(m, "direction"))) {
		static const char *const directions[] = {"inbound", "outbound", "internal", "all"};
		snprintf(field, sizeof(field), "%s.direction", where);
		if (yt_choice(doc, node, field, directions, 4, &t->direction, err) < 0)
			return -1;
		if (t->direction == 3)
			t->direction = -1;
	}
	struct { const char *key; int *out; } countries[] = {
		{"country", &t->country}, {"from_country", &t->from_country}, {"to_country", &t->to_country},
	};
	for (int k = 0; k < 3; k++)
		if ((node = yt_get(m, countries[k].key))) {
			snprintf(field, sizeof(field), "%s.%s", where, countries[k].key);
			if (read_country(doc, node, field, s, countries[k].out, err) < 0)
				return -1;
		}
	if ((node = yt_get(m, "intent"))) {
		static const char *const intents[] = {"circular", "onward", "displaced", "return"};
		snprintf(field, sizeof(field), "%s.intent", where);
		if (yt_choice(doc, node, field, intents, 4, &t->intent, err) < 0)
			return -1;
	}
	if (t->quantity == MF_Q_PRESENT) {
		snprintf(field, sizeof(field), "%s.at", where);
		if (!(node = yt_get(m, "at")))
			return yt_fail(doc, m, field, err, "required key missing: the date the stock is observed");
		if (read_day(doc, node, field, s, &t->first_day, err) < 0)
			return -1;
		t->last_day = t->first_day;
		mf_date_format(s->start + t->first_day, t->window);
	} else {
		for (int k = 0; k < 2; k++) {
			const char *key = k ? "to" : "from";
			snprintf(field, sizeof(field), "%s.%s", where, key);
			if (!(node = yt_get(m, key)))
				return yt_fail(doc, m, field, err, "required key missing: the window is from .. to");
			if (read_day(doc, node, field, s, k ? &t->last_day : &t->first_day, err) < 0)
				return -1;
		}
		if (t->last_day < t->first_day)
			return yt_fail(doc, yt_get(m, "to"), field, err, "the window ends before it starts");
		char a[11], b[11];
		mf_date_format(s->start + t->first_day, a);
		mf_date_format(s->start + t->last_day, b);
		snprintf(t->window, sizeof(t->window), "%s..%s", a, b);
	}
	snprintf(field, sizeof(field), "%s.observed", where);
	if (yt_number(doc, yt_get(m, "observed"), field, 0, 1e12, &t->observed, err) < 0)
		return -1;
	if (t->observed <= 0)
		return yt_fail(doc, yt_get(m, "observed"), field, err, "expected an observed value above 0");
	snprintf(field, sizeof(field), "%s.source", where);
	if (yt_string(doc, yt_get(m, "source"), field, t->source, sizeof(t->source), err) < 0)
		return -1;
	if (strlen(t->source) < 3)
		return yt_fail(doc, yt_get(m, "source"), field, err, "expected the source of the observed value");
	t->tolerance = 0.1;
	if ((node = yt_get(m, "tolerance"))) {
		snprintf(field, sizeof(field), "%s.tolerance", where);
		if (yt_number(doc, node, field, 1e-4, 10, &t->tolerance, err) < 0)
			return -1;
	}
	t->weight = 1;
	if ((node = yt_get(m, "weight"))) {
		snprintf(field, sizeof(field), "%s.weight", where);
		if (yt_number(doc, node, field, 0, 1e6, &t->weight, err) < 0)
			return -1;
	}
	if ((node = yt_get(m, "at_least"))) {
		static const char *const yes_no[] = {"false", "true"};
		int flag;
		snprintf(field, sizeof(field), "%s.at_least", where);
		if (yt_choice(doc, node, field, yes_no, 2, &flag, err) < 0)
			return -1;
		t->at_least = flag;
	}
	return 0;
}

struct mf_targets *mf_targets_load(const char *path, const struct mf_scenario *s,
				   struct mf_error *err)
{
	struct mf_targets *t = calloc(1, sizeof(*t));
	struct yt_doc *doc = NULL;
	if (!t) {
		mf_error_set(err, MF_ERR_NOMEM, "out of memory");
		return NULL;
	}
	mf_text_copy(t->path, sizeof(t->path), path);
	doc = yt_load(path, err);
	if (!doc)
		goto fail;
	static const char *const keys[] = {"targets"};
	if (!doc->root || doc->root->kind != YT_MAPPING) {
		mf_error_at(err, path, 1, 1, "", "expected a mapping with a 'targets' list");
		goto fail;
	}
	if (yt_check_keys(doc, doc->root, keys, 1, "", err) < 0)
		goto fail;
	const struct yt_node *list = yt_get(doc->root, "targets");
	if (!list) {
		yt_fail(doc, doc->root, "targets", err, "required key missing");
		goto fail;
	}
	if (yt_expect(doc, list, YT_SEQUENCE, "targets", err) < 0)
		goto fail;
	if (list->n == 0) {
		yt_fail(doc, list, "targets", err, "expected at least one target");
		goto fail;
	}
	t->targets = calloc((size_t)list->n, sizeof(*t->targets));
	if (!t->targets) {
		mf_error_set(err, MF_ERR_NOMEM, "out of memory");
		goto fail;
	}
	for (int i = 0; i < list->n; i++) {
		char where[48];
		snprintf(where, sizeof(where), "targets[%d]", i);
		if (read_target(doc, list->items[i], where, s, &t->targets[i], err) < 0)
			goto fail;
		for (int j = 0; j < i; j++)
			if (strcmp(t->targets[j].name, t->targets[i].name) == 0) {
				yt_fail(doc, yt_get(list->items[i], "name"), "name", err,
					"target named twice (first on line %d)", t->targets[j].line);
				goto fail;
			}
		t->n++;
	}
	yt_free(doc);
	return t;
fail:
	yt_free(doc);
	mf_targets_destroy(t);
	return NULL;
}

void mf_targets_destroy(struct mf_targets *targets)
{
	if (!targets)
		return;
	free(targets->targets);
	free(targets);
}

int mf_targets_last_day(const struct mf_targets *targets)
{
	int last = 0;
	for (int i = 0; i < targets->n; i++)
		if (targets->targets[i].last_day > last)
			last = targets->targets[i].last_day;
	return last;
}

static bool sea_link_matches(const struct mf_graph *g, int l, int from_country, int to_country)
{
	const struct mf_link *link = &g->links[l];
	return link->mode == MF_MODE_SEA &&
	       (from_country < 0 || g->places[link->from].country_index == from_country) &&
	       (to_country < 0 || g->places[link->to].country_index == to_country);
}

void mf_targets_add_day(const struct mf_targets *targets, const struct mf_scenario *s,
			const struct mf_day_counts *day, double *values)
{
	const struct mf_graph *g = s->graph;
	for (int i = 0; i < targets->n; i++) {
		const struct mf_target *t = &targets->targets[i];
		if (day->day < t->first_day || day->day > t->last_day)
			continue;
		double sum = 0;
		switch (t->quantity) {
		case MF_Q_MONITOR_PASSES:
			for (int m = 0; m < s->n_monitors; m++)
				for (int d = 0; d < MF_DIR_COUNT; d++)
					if (t->direction < 0 || t->direction == d)
						sum += (double)day->monitor_passes[m * MF_DIR_COUNT + d];
			break;
		case MF_Q_SEA_ARRIVALS:
			for (int l = 0; l < g->n_links; l++)
				if (sea_link_matches(g, l, t->from_country, t->to_country))
					sum += (double)day->link_arrivals[l];
			break;
		case MF_Q_SEA_DEATHS:
			for (int l = 0; l < g->n_links; l++)
				if (sea_link_matches(g, l, t->from_country, -1))
					sum += (double)day->deaths[l];
			break;
		case MF_Q_INTERCEPTIONS:
			for (int l = 0; l < g->n_links; l++)
				if (sea_link_matches(g, l, t->from_country, -1))
					sum += (double)day->link_interceptions[l];
			break;
		case MF_Q_LAND_DEATHS:
			for (int l = 0; l < g->n_links; l++) {
				const struct mf_link *link = &g->links[l];
				if (link->mode != MF_MODE_SEA &&
				    (t->country < 0 || g->places[link->from].country_index == t->country ||
				     g->places[link->to].country_index == t->country))
					sum += (double)day->deaths[l];
			}
			break;
		case MF_Q_EXPULSIONS:
			sum = (double)day->expulsions;
			break;
		case MF_Q_PRESENT:
			for (int p = 0; p < g->n_places; p++)
				if (t->country < 0 || g->places[p].country_index == t->country)
					for (int k = 0; k < MF_INTENT_COUNT; k++)
						if (t->intent < 0 || t->intent == k)
							sum += (double)day->occupancy[p * MF_INTENT_COUNT + k];
			break;
		case MF_Q_COUNT:
			break;
		}
		values[i] += sum;
	}
}

double mf_target_error(const struct mf_target *target, double simulated)
{
	double error = (simulated - target->observed) / target->observed;
	return target->at_least && error > 0 ? 0 : error;
}

double mf_targets_objective(const struct mf_targets *targets, const double *simulated)
{
	double total = 0;
	for (int i = 0; i < targets->n; i++) {
		const struct mf_target *t = &targets->targets[i];
		double scaled = mf_target_error(t, simulated[i]) / t->tolerance;
		total += t->weight * scaled * scaled;
	}
	return total;
}
