#include "migflow/targets.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "migflow/date.h"
#include "text.h"
#include "yamltree.h"

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

static int read_place(const struct yt_doc *doc, const struct yt_node *node, const char *field,
		      const struct mf_scenario *s, int *place, struct mf_error *err)
{
	char id[MF_ID_MAX];
	if (yt_string(doc, node, field, id, sizeof(id), err) < 0)
		return -1;
	*place = mf_graph_place_index(s->graph, id);
	if (*place >= 0)
		return 0;
	const char **ids = calloc((size_t)s->graph->n_places + 1, sizeof(*ids));
	for (int p = 0; ids && p < s->graph->n_places; p++)
		ids[p] = s->graph->places[p].id;
	const char *hint = ids ? mf_text_suggest(id, ids, s->graph->n_places) : NULL;
	yt_fail(doc, node, field, err, "unknown place '%s'%s%s%s", id,
		hint ? " (did you mean '" : "", hint ? hint : "", hint ? "'?)" : "");
	free(ids);
	return -1;
}

/* The value of one filter key of a target. */
static int read_filter(const struct yt_doc *doc, const struct yt_node *node, const char *field,
		       enum mf_indicator_filter_key key, const struct mf_scenario *s,
		       struct mf_indicator_filter *filter, struct mf_error *err)
{
	/* A direction, or all of them. */
	const char *directions[MF_DIR_COUNT + 1];
	for (int d = 0; d < MF_DIR_COUNT; d++)
		directions[d] = mf_direction_names[d];
	directions[MF_DIR_COUNT] = "all";
	switch (key) {
	case MF_FILTER_DIRECTION:
		if (yt_choice(doc, node, field, directions, MF_DIR_COUNT + 1, &filter->direction,
			      err) < 0)
			return -1;
		if (filter->direction == MF_DIR_COUNT)
			filter->direction = -1;
		return 0;
	case MF_FILTER_PLACE:
		return read_place(doc, node, field, s, &filter->place, err);
	case MF_FILTER_COUNTRY:
		return read_country(doc, node, field, s, &filter->country, err);
	case MF_FILTER_FROM_COUNTRY:
		return read_country(doc, node, field, s, &filter->from_country, err);
	case MF_FILTER_TO_COUNTRY:
		return read_country(doc, node, field, s, &filter->to_country, err);
	case MF_FILTER_INTENT:
		return yt_choice(doc, node, field, mf_intent_names, MF_INTENT_COUNT, &filter->intent,
				 err);
	case MF_FILTER_MODE:
		return yt_choice(doc, node, field, mf_link_mode_names, MF_MODE_COUNT, &filter->mode,
				 err);
	case MF_FILTER_COUNT:
		break;
	}
	return 0;
}

static int read_target(const struct yt_doc *doc, const struct yt_node *m, const char *where,
		       const struct mf_scenario *s, struct mf_target *t, struct mf_error *err)
{
	static const char *const keys[] = {
		"name", "quantity", "direction", "place", "country", "from_country", "to_country",
		"intent", "mode", "from", "to", "at", "observed", "at_least", "source", "tolerance",
		"weight",
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
	t->query.filter = MF_FILTER_ALL;
	snprintf(field, sizeof(field), "%s.name", where);
	if (yt_string(doc, yt_get(m, "name"), field, t->name, sizeof(t->name), err) < 0)
		return -1;
	const char *names[MF_IND_COUNT];
	for (enum mf_indicator_id i = 0; i < MF_IND_COUNT; i++)
		names[i] = mf_indicator_get(i)->name;
	int id;
	snprintf(field, sizeof(field), "%s.quantity", where);
	if (yt_choice(doc, yt_get(m, "quantity"), field, names, MF_IND_COUNT, &id, err) < 0)
		return -1;
	const struct mf_indicator *indicator = mf_indicator_get((enum mf_indicator_id)id);
	t->query.indicator = indicator;
	bool stock = indicator->kind == MF_INDICATOR_STOCK;
	/* Filters only where the indicator takes them; a date for a stock, a
	 * window for a flow. */
	struct key_use { const char *key; bool allowed; } uses[MF_FILTER_COUNT + 3];
	for (enum mf_indicator_filter_key k = 0; k < MF_FILTER_COUNT; k++)
		uses[k] = (struct key_use){mf_indicator_filter_name(k), mf_indicator_takes(indicator, k)};
	uses[MF_FILTER_COUNT] = (struct key_use){"at", stock};
	uses[MF_FILTER_COUNT + 1] = (struct key_use){"from", !stock};
	uses[MF_FILTER_COUNT + 2] = (struct key_use){"to", !stock};
	for (int k = 0; k < MF_FILTER_COUNT + 3; k++) {
		const struct yt_node *node = yt_get(m, uses[k].key);
		if (node && !uses[k].allowed) {
			snprintf(field, sizeof(field), "%s.%s", where, uses[k].key);
			return yt_fail(doc, node, field, err, "'%s' does not apply to quantity '%s'",
				       uses[k].key, indicator->name);
		}
	}
	const struct yt_node *node;
	for (enum mf_indicator_filter_key k = 0; k < MF_FILTER_COUNT; k++)
		if ((node = yt_get(m, uses[k].key))) {
			snprintf(field, sizeof(field), "%s.%s", where, uses[k].key);
			if (read_filter(doc, node, field, k, s, &t->query.filter, err) < 0)
				return -1;
		}
	int *first_day = &t->query.first_day, *last_day = &t->query.last_day;
	if (stock) {
		snprintf(field, sizeof(field), "%s.at", where);
		if (!(node = yt_get(m, "at")))
			return yt_fail(doc, m, field, err, "required key missing: the date the stock is observed");
		if (read_day(doc, node, field, s, first_day, err) < 0)
			return -1;
		*last_day = *first_day;
		mf_date_format(s->start + *first_day, t->window);
	} else {
		for (int k = 0; k < 2; k++) {
			const char *key = k ? "to" : "from";
			snprintf(field, sizeof(field), "%s.%s", where, key);
			if (!(node = yt_get(m, key)))
				return yt_fail(doc, m, field, err, "required key missing: the window is from .. to");
			if (read_day(doc, node, field, s, k ? last_day : first_day, err) < 0)
				return -1;
		}
		if (*last_day < *first_day)
			return yt_fail(doc, yt_get(m, "to"), field, err, "the window ends before it starts");
		char a[11], b[11];
		mf_date_format(s->start + *first_day, a);
		mf_date_format(s->start + *last_day, b);
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

/* One `not_represented:` entry. */
static int read_unrepresented(const struct yt_doc *doc, const struct yt_node *m, const char *where,
			      struct mf_unrepresented *u, struct mf_error *err)
{
	static const char *const keys[] = {"name", "observed", "period", "source", "reason"};
	char field[96];
	if (yt_expect(doc, m, YT_MAPPING, where, err) < 0 ||
	    yt_check_keys(doc, m, keys, 5, where, err) < 0)
		return -1;
	struct { const char *key; char *out; int size; } texts[] = {
		{"name", u->name, sizeof(u->name)},
		{"period", u->period, sizeof(u->period)},
		{"source", u->source, sizeof(u->source)},
		{"reason", u->reason, sizeof(u->reason)},
	};
	for (int k = 0; k < 4; k++) {
		snprintf(field, sizeof(field), "%s.%s", where, texts[k].key);
		if (!yt_get(m, texts[k].key))
			return yt_fail(doc, m, field, err, "required key missing%s",
				       k == 3 ? ": say why the model cannot represent it" : "");
		if (yt_string(doc, yt_get(m, texts[k].key), field, texts[k].out, texts[k].size, err) < 0)
			return -1;
	}
	snprintf(field, sizeof(field), "%s.observed", where);
	if (!yt_get(m, "observed"))
		return yt_fail(doc, m, field, err, "required key missing");
	return yt_number(doc, yt_get(m, "observed"), field, 0, 1e12, &u->observed, err);
}

/* The top-level `validation_only` flag and `not_represented` list. */
static int read_validation(const struct yt_doc *doc, struct mf_targets *t, struct mf_error *err)
{
	const struct yt_node *node = yt_get(doc->root, "validation_only");
	if (node) {
		static const char *const yes_no[] = {"false", "true"};
		int flag;
		if (yt_choice(doc, node, "validation_only", yes_no, 2, &flag, err) < 0)
			return -1;
		t->validation_only = flag;
		t->validation_line = node->line;
		t->validation_column = node->column;
	}
	const struct yt_node *list = yt_get(doc->root, "not_represented");
	if (!list)
		return 0;
	if (yt_expect(doc, list, YT_SEQUENCE, "not_represented", err) < 0)
		return -1;
	if (list->n == 0)
		return 0;
	t->unrepresented = calloc((size_t)list->n, sizeof(*t->unrepresented));
	if (!t->unrepresented) {
		mf_error_set(err, MF_ERR_NOMEM, "out of memory");
		return -1;
	}
	for (int i = 0; i < list->n; i++) {
		char where[48];
		snprintf(where, sizeof(where), "not_represented[%d]", i);
		if (read_unrepresented(doc, list->items[i], where, &t->unrepresented[i], err) < 0)
			return -1;
		t->n_unrepresented++;
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
	t->network = mf_indicator_network_create(s, err);
	if (!t->network)
		goto fail;
	doc = yt_load(path, err);
	if (!doc)
		goto fail;
	static const char *const keys[] = {"targets", "validation_only", "not_represented"};
	if (!doc->root || doc->root->kind != YT_MAPPING) {
		mf_error_at(err, path, 1, 1, "", "expected a mapping with a 'targets' list");
		goto fail;
	}
	if (yt_check_keys(doc, doc->root, keys, 3, "", err) < 0 ||
	    read_validation(doc, t, err) < 0)
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
	free(targets->unrepresented);
	mf_indicator_network_destroy(targets->network);
	free(targets);
}

int mf_targets_last_day(const struct mf_targets *targets)
{
	int last = 0;
	for (int i = 0; i < targets->n; i++)
		if (targets->targets[i].query.last_day > last)
			last = targets->targets[i].query.last_day;
	return last;
}

void mf_targets_add_day(const struct mf_targets *targets, const struct mf_day_counts *day,
			double *values)
{
	for (int i = 0; i < targets->n; i++)
		mf_indicator_query_add_day(&targets->targets[i].query, targets->network, day, &values[i]);
}

double mf_target_error(const struct mf_target *target, double simulated)
{
	double error = (simulated - target->observed) / target->observed;
	return target->at_least && error > 0 ? 0 : error;
}

double mf_target_skill(double error, double reference)
{
	if (reference == 0)
		return NAN;
	return 1 - fabs(error) / fabs(reference);
}

int mf_targets_refuse_validation(const struct mf_targets *targets, const char *what,
				 struct mf_error *err)
{
	if (!targets->validation_only)
		return 0;
	mf_error_at(err, targets->path, targets->validation_line, targets->validation_column,
		    "validation_only", "observations for validation only: %s must not fit them "
		    "(score runs against them with `migflow hindcast`)", what);
	return -1;
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
