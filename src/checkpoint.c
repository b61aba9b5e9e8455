/* Checkpoints of a simulation (checkpoint.h): its state into a state file
 * and back, the history of its days, and the fingerprint of a scenario up
 * to a day. */
#include "checkpoint.h"

#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "text.h"

/* ---- the simulation's state ---- */

/* What must agree between a checkpoint and the simulation it goes into. */
enum { SHAPE_PLACES, SHAPE_LINKS, SHAPE_MONITORS, SHAPE_SOURCES, SHAPE_COUNTRIES,
       SHAPE_BYTES_PER_AGENT, SHAPE_COLUMNS, SHAPE_PARAMETERS, SHAPE_COUNT };

enum { CLOCK_DAY, CLOCK_NEXT_EVENT, CLOCK_INITIAL_AGENTS, CLOCK_AGENTS, CLOCK_KEY, CLOCK_COUNT };

/* The totals as numbers, in a fixed order. */
#define TOTALS_COUNT (11 + MF_DIR_COUNT)

static void totals_pack(const struct mf_totals *t, int64_t *v)
{
	int64_t fixed[] = {t->spawned, t->present, t->on_links, t->arrived, t->dead, t->left,
			   t->interceptions, t->expulsions, (int64_t)t->agent_steps};
	memcpy(v, fixed, sizeof(fixed));
	for (int d = 0; d < MF_DIR_COUNT; d++)
		v[9 + d] = t->monitor_passes[d];
	v[9 + MF_DIR_COUNT] = v[10 + MF_DIR_COUNT] = 0;
}

static void totals_unpack(const int64_t *v, struct mf_totals *t)
{
	*t = (struct mf_totals){
		.spawned = v[0], .present = v[1], .on_links = v[2], .arrived = v[3], .dead = v[4],
		.left = v[5], .interceptions = v[6], .expulsions = v[7], .agent_steps = (uint64_t)v[8],
	};
	for (int d = 0; d < MF_DIR_COUNT; d++)
		t->monitor_passes[d] = v[9 + d];
}

static void shape_of(const struct mf_sim *sim, int64_t *shape)
{
	shape[SHAPE_PLACES] = sim->n_places;
	shape[SHAPE_LINKS] = sim->n_links;
	shape[SHAPE_MONITORS] = sim->n_monitors;
	shape[SHAPE_SOURCES] = sim->scenario->n_sources;
	shape[SHAPE_COUNTRIES] = sim->graph->n_countries;
	shape[SHAPE_BYTES_PER_AGENT] = sim->store.bytes_per_agent;
	shape[SHAPE_COLUMNS] = sim->store.n_columns;
	shape[SHAPE_PARAMETERS] = (int64_t)sizeof(struct mf_parameters);
}

/* The world's arrays, named; the same list saves and restores them. */
static int world_arrays(const struct mf_sim *sim, struct mf_state_array *a)
{
	const struct world *w = &sim->world;
	size_t P = (size_t)sim->n_places, L = (size_t)sim->n_links;
	size_t S = (size_t)sim->scenario->n_sources;
	int n = 0;
#define F64(field, count) a[n++] = (struct mf_state_array){"world." #field, MF_STATE_F64, count, w->field}
#define RAW(field, count) \
	a[n++] = (struct mf_state_array){"world." #field, MF_STATE_BYTES, (count) * sizeof(*w->field), w->field}
	F64(security, P);
	F64(ramp_from, P);
	F64(ramp_to, P);
	RAW(ramp_start, P);
	RAW(ramp_end, P);
	RAW(link_open_event, L);
	F64(link_capacity, L);
	F64(link_speed, L);
	F64(link_fare, L);
	F64(link_death_day, L);
	F64(link_interception, L);
	F64(link_death_crossing, L);
	RAW(link_departs, L);
	F64(source_multiplier, S);
#undef F64
#undef RAW
	a[n++] = (struct mf_state_array){"sim.present_agents", MF_STATE_I64, P * MF_INTENT_COUNT,
					 sim->present_agents};
	a[n++] = (struct mf_state_array){"sim.transit_agents", MF_STATE_I64, L, sim->transit_agents};
	a[n++] = (struct mf_state_array){"sim.stay_days_by_country", MF_STATE_F64,
					 (size_t)sim->graph->n_countries, sim->params.stay_days_by_country};
	return n;
}

#define ARRAYS_MAX 48

static bool within(const double *values, size_t n, double min, double max)
{
	for (size_t i = 0; i < n; i++)
		if (!(values[i] >= min && values[i] <= max)) /* NaN fails too */
			return false;
	return true;
}

/* Whether the restored world is one the day can go on from: levels and
 * probabilities in range, ramps that end after they start, weekdays, and
 * counts that are not negative. A damaged file is refused here rather than
 * met by the step. */
static bool world_valid(const struct mf_sim *sim)
{
	const struct world *w = &sim->world;
	size_t P = (size_t)sim->n_places, L = (size_t)sim->n_links;
	if (!within(w->security, P, 0, 1) || !within(w->ramp_from, P, 0, 1) ||
	    !within(w->ramp_to, P, 0, 1) || !within(w->link_capacity, L, 0, INFINITY) ||
	    !within(w->link_speed, L, 1e-9, INFINITY) || !within(w->link_fare, L, 0, INFINITY) ||
	    !within(w->link_death_day, L, 0, 1) || !within(w->link_interception, L, 0, 1) ||
	    !within(w->link_death_crossing, L, 0, 1) ||
	    !within(w->source_multiplier, (size_t)sim->scenario->n_sources, 0, INFINITY) ||
	    !within(sim->params.stay_days_by_country, (size_t)sim->graph->n_countries, 0, INFINITY))
		return false;
	for (size_t p = 0; p < P; p++)
		if (w->ramp_end[p] >= 0 && w->ramp_end[p] <= w->ramp_start[p])
			return false;
	for (size_t l = 0; l < L; l++)
		if (w->link_departs[l] < -1 || w->link_departs[l] > 6 || sim->transit_agents[l] < 0)
			return false;
	for (size_t k = 0; k < P * MF_INTENT_COUNT; k++)
		if (sim->present_agents[k] < 0)
			return false;
	return true;
}

/* The rule set's arrays, named "rules.<name>" in the file. */
static int rule_arrays(const struct mf_sim *sim, struct mf_state_array *a, char names[][80], int max)
{
	int n = sim->rules->state_arrays((struct mf_sim *)sim, a, max);
	for (int i = 0; i < n; i++) {
		snprintf(names[i], 80, "rules.%s", a[i].name);
		a[i].name = names[i];
	}
	return n;
}

bool mf_sim_can_checkpoint(const struct mf_sim *sim)
{
	return sim->rules->state_arrays && sim->rules->restored;
}

const char *mf_sim_rules_name(const struct mf_sim *sim)
{
	return sim->rules->name;
}

enum mf_status mf_sim_save(const struct mf_sim *sim, struct mf_state_file *file, struct mf_error *err)
{
	if (!sim->rules->state_arrays)
		return mf_error_set(err, MF_ERR_INPUT, "checkpoints are not available for the %s rules",
				    sim->rules->name);
	int64_t shape[SHAPE_COUNT], clock[CLOCK_COUNT], totals[TOTALS_COUNT];
	shape_of(sim, shape);
	clock[CLOCK_DAY] = sim->day;
	clock[CLOCK_NEXT_EVENT] = sim->next_event;
	clock[CLOCK_INITIAL_AGENTS] = sim->initial_agents;
	clock[CLOCK_AGENTS] = sim->store.n;
	clock[CLOCK_KEY] = (int64_t)sim->key;
	totals_pack(&sim->totals, totals);
	struct mf_parameters params = sim->params;
	params.stay_days_by_country = NULL;
	struct mf_state_array a[ARRAYS_MAX];
	char names[ARRAYS_MAX][80];
	int n = world_arrays(sim, a);
	a[n++] = (struct mf_state_array){"sim.shape", MF_STATE_I64, SHAPE_COUNT, shape};
	a[n++] = (struct mf_state_array){"sim.clock", MF_STATE_I64, CLOCK_COUNT, clock};
	a[n++] = (struct mf_state_array){"sim.totals", MF_STATE_I64, TOTALS_COUNT, totals};
	a[n++] = (struct mf_state_array){"sim.parameters", MF_STATE_BYTES, sizeof(params), &params};
	n += rule_arrays(sim, a + n, names, ARRAYS_MAX - n);
	for (int i = 0; i < n; i++)
		if (mf_state_file_put(file, a[i].name, a[i].kind, a[i].count, a[i].data, 1, err) != MF_OK)
			return err->code;
	/* The agents, column by column, as they are in memory. */
	for (int k = 0; k < sim->store.n_columns; k++) {
		const struct store_column *col = &sim->store.column[k];
		char name[32];
		snprintf(name, sizeof(name), "agents.%d", k);
		if (mf_state_file_put(file, name, MF_STATE_BYTES, (size_t)sim->store.n * col->width,
				      *col->data, 0, err) != MF_OK)
			return err->code;
	}
	return MF_OK;
}

enum mf_status mf_sim_restore(struct mf_sim *sim, struct mf_state_file *file, bool branch,
			      struct mf_error *err)
{
	if (!sim->rules->state_arrays)
		return mf_error_set(err, MF_ERR_INPUT, "checkpoints are not available for the %s rules",
				    sim->rules->name);
	int64_t shape[SHAPE_COUNT], saved[SHAPE_COUNT], clock[CLOCK_COUNT], totals[TOTALS_COUNT];
	shape_of(sim, shape);
	if (mf_state_file_get(file, "sim.shape", MF_STATE_I64, SHAPE_COUNT, saved, err) != MF_OK ||
	    mf_state_file_get(file, "sim.clock", MF_STATE_I64, CLOCK_COUNT, clock, err) != MF_OK ||
	    mf_state_file_get(file, "sim.totals", MF_STATE_I64, TOTALS_COUNT, totals, err) != MF_OK)
		return err->code;
	if (memcmp(shape, saved, sizeof(shape)) != 0)
		return mf_error_set(err, MF_ERR_INPUT,
				    "%s: a checkpoint of another world (%lld places, %lld links, %lld"
				    " monitoring points; this one has %lld, %lld, %lld) or another version",
				    mf_state_file_path(file), (long long)saved[SHAPE_PLACES],
				    (long long)saved[SHAPE_LINKS], (long long)saved[SHAPE_MONITORS],
				    (long long)shape[SHAPE_PLACES], (long long)shape[SHAPE_LINKS],
				    (long long)shape[SHAPE_MONITORS]);
	int day = (int)clock[CLOCK_DAY];
	if (day < 0 || day > sim->days_total || clock[CLOCK_AGENTS] < 0)
		return mf_error_set(err, MF_ERR_INPUT, "%s: saved on day %d, outside the run's %d days",
				    mf_state_file_path(file), day, sim->days_total);
	if ((uint64_t)clock[CLOCK_KEY] != sim->key)
		return mf_error_set(err, MF_ERR_INTERNAL, "%s: saved with another seed or replicate",
				    mf_state_file_path(file));
	struct mf_state_array a[ARRAYS_MAX];
	char names[ARRAYS_MAX][80];
	int n = world_arrays(sim, a);
	n += rule_arrays(sim, a + n, names, ARRAYS_MAX - n);
	for (int i = 0; i < n; i++)
		if (mf_state_file_get(file, a[i].name, a[i].kind, a[i].count, a[i].data, err) != MF_OK)
			return err->code;
	double *stay = sim->params.stay_days_by_country;
	if (mf_state_file_get(file, "sim.parameters", MF_STATE_BYTES, sizeof(sim->params), &sim->params,
			      err) != MF_OK)
		return err->code;
	sim->params.stay_days_by_country = stay;
	if (!world_valid(sim))
		return mf_error_set(err, MF_ERR_INPUT, "%s: a damaged checkpoint (a level, probability,"
				    " ramp, weekday or count out of range)", mf_state_file_path(file));
	int64_t agents = clock[CLOCK_AGENTS];
	if (mf_store_reserve(&sim->store, agents) < 0)
		return mf_error_set(err, MF_ERR_NOMEM, "out of memory restoring %lld agents",
				    (long long)agents);
	for (int k = 0; k < sim->store.n_columns; k++) {
		const struct store_column *col = &sim->store.column[k];
		char name[32];
		snprintf(name, sizeof(name), "agents.%d", k);
		if (mf_state_file_get(file, name, MF_STATE_BYTES, (size_t)agents * col->width, *col->data,
				      err) != MF_OK)
			return err->code;
	}
	sim->store.n = agents;
	sim->day = day;
	sim->initial_agents = clock[CLOCK_INITIAL_AGENTS];
	totals_unpack(totals, &sim->totals);
	if (branch) {
		/* The events before the day are the same as the state's. */
		sim->next_event = 0;
		while (sim->next_event < sim->scenario->n_events &&
		       sim->scenario->events[sim->next_event].day < day)
			sim->next_event++;
	} else {
		sim->next_event = (int)clock[CLOCK_NEXT_EVENT];
		if (sim->next_event < 0 || sim->next_event > sim->scenario->n_events)
			return mf_error_set(err, MF_ERR_INPUT, "%s: a checkpoint of another scenario",
					    mf_state_file_path(file));
	}
	sim->world.changed = false;
	if (sim->rules->restored(sim, err) != MF_OK) {
		char why[sizeof(err->message)];
		snprintf(why, sizeof(why), "%s", err->message);
		return mf_error_set(err, MF_ERR_INPUT, "%s: a damaged checkpoint (%s)",
				    mf_state_file_path(file), why);
	}
	return MF_OK;
}

/* ---- fingerprints ---- */

#define MIX(h, value) ((h) = mf_text_hash_bytes((h), &(value), sizeof(value)))

static uint64_t mix_goals(uint64_t h, const struct mf_goal_set *g)
{
	MIX(h, g->n);
	for (int i = 0; i < g->n; i++) {
		MIX(h, g->place[i]);
		MIX(h, g->weight[i]);
	}
	return h;
}

static uint64_t mix_graph(uint64_t h, const struct mf_graph *g)
{
	MIX(h, g->n_places);
	MIX(h, g->n_links);
	for (int p = 0; p < g->n_places; p++) {
		const struct mf_place *pl = &g->places[p];
		h = mf_text_hash(mf_text_hash(h, pl->id), pl->country);
		MIX(h, pl->kind);
		MIX(h, pl->population);
		MIX(h, pl->capacity);
		MIX(h, pl->security);
		MIX(h, pl->country_index);
	}
	for (int l = 0; l < g->n_links; l++) {
		const struct mf_link *k = &g->links[l];
		int ints[] = {k->from, k->to, (int)k->mode, k->travel_days, k->intercept_to,
			      k->departs_weekday};
		double values[] = {k->distance_km, k->fare_usd, k->death_per_day, k->death_per_crossing,
				   k->interception, k->capacity_per_day};
		h = mf_text_hash_bytes(h, ints, sizeof(ints));
		h = mf_text_hash_bytes(h, values, sizeof(values));
	}
	return h;
}

static uint64_t mix_event(uint64_t h, const struct mf_event *e)
{
	int ints[] = {e->day, (int)e->kind, e->n_places, e->n_links, e->source_place,
		      e->source_intent, e->value_is_absolute, e->per_crossing, e->weekday, e->ramp_days};
	h = mf_text_hash_bytes(h, ints, sizeof(ints));
	h = mf_text_hash_bytes(h, e->places, (size_t)e->n_places * sizeof(int));
	h = mf_text_hash_bytes(h, e->links, (size_t)e->n_links * sizeof(int));
	h = mf_text_hash(mf_text_hash(h, e->source_name), e->parameter);
	MIX(h, e->value);
	return h;
}

void mf_scenario_fingerprints(const struct mf_scenario *s, int before_day,
			      uint64_t fingerprint[MF_FINGERPRINT_COUNT])
{
	uint64_t *f = fingerprint;
	for (int i = 0; i < MF_FINGERPRINT_COUNT; i++)
		f[i] = MF_TEXT_HASH_START;
	int settings[] = {s->start, s->agent_scale, (int)s->rules, s->destination};
	f[MF_FINGERPRINT_SETTINGS] = mf_text_hash_bytes(f[MF_FINGERPRINT_SETTINGS], settings,
							sizeof(settings));
	f[MF_FINGERPRINT_NETWORK] = mix_graph(f[MF_FINGERPRINT_NETWORK], s->graph);
	uint64_t h = f[MF_FINGERPRINT_SOURCES];
	MIX(h, s->n_sources);
	for (int i = 0; i < s->n_sources; i++) {
		const struct mf_source *src = &s->sources[i];
		h = mf_text_hash(h, src->name);
		MIX(h, src->place);
		MIX(h, src->intent);
		MIX(h, src->rate);
		h = mf_text_hash_bytes(h, src->season, sizeof(src->season));
		h = mix_goals(h, &src->goals);
	}
	f[MF_FINGERPRINT_SOURCES] = h;
	h = f[MF_FINGERPRINT_INITIAL];
	MIX(h, s->n_initial);
	for (int i = 0; i < s->n_initial; i++) {
		const struct mf_initial *in = &s->initial[i];
		MIX(h, in->place);
		MIX(h, in->intent);
		MIX(h, in->persons);
		h = mix_goals(h, &in->homes);
	}
	f[MF_FINGERPRINT_INITIAL] = h;
	h = f[MF_FINGERPRINT_MONITORS];
	MIX(h, s->n_monitors);
	for (int i = 0; i < s->n_monitors; i++) {
		const struct mf_monitor *m = &s->monitors[i];
		MIX(h, m->place);
		MIX(h, m->country);
		h = mf_text_hash_bytes(h, m->links, (size_t)m->n_links * sizeof(int));
		h = mf_text_hash_bytes(h, m->count_direction, sizeof(m->count_direction));
	}
	MIX(h, s->n_expulsions);
	for (int i = 0; i < s->n_expulsions; i++) {
		const struct mf_expulsion *x = &s->expulsions[i];
		int ends[] = {x->from, x->to};
		double values[] = {x->daily_probability, x->retry_share};
		h = mf_text_hash_bytes(h, ends, sizeof(ends));
		h = mf_text_hash_bytes(h, values, sizeof(values));
	}
	f[MF_FINGERPRINT_MONITORS] = h;
	struct mf_parameters params = s->params;
	params.stay_days_by_country = NULL;
	h = mf_text_hash_bytes(f[MF_FINGERPRINT_PARAMETERS], &params, sizeof(params));
	if (s->params.stay_days_by_country)
		h = mf_text_hash_bytes(h, s->params.stay_days_by_country,
				       (size_t)s->graph->n_countries * sizeof(double));
	f[MF_FINGERPRINT_PARAMETERS] = h;
	h = f[MF_FINGERPRINT_EVENTS];
	for (int i = 0; i < s->n_events && s->events[i].day < before_day; i++)
		h = mix_event(h, &s->events[i]);
	f[MF_FINGERPRINT_EVENTS] = h;
}

const char *mf_fingerprint_name(int i)
{
	static const char *const names[MF_FINGERPRINT_COUNT] = {
		[MF_FINGERPRINT_SETTINGS] = "start date, agent scale or rules",
		[MF_FINGERPRINT_NETWORK] = "network",
		[MF_FINGERPRINT_SOURCES] = "sources",
		[MF_FINGERPRINT_INITIAL] = "initial population",
		[MF_FINGERPRINT_MONITORS] = "monitoring points or expulsions",
		[MF_FINGERPRINT_PARAMETERS] = "parameters",
		[MF_FINGERPRINT_EVENTS] = "events",
	};
	return i >= 0 && i < MF_FINGERPRINT_COUNT ? names[i] : "";
}

/* The number of doubles a parameter's field holds. */
static size_t field_values(const struct mf_param_info *info)
{
	switch (info->shape) {
	case MF_PARAM_BY_MODE: return MF_MODE_COUNT;
	case MF_PARAM_BY_PLACE_KIND: return (size_t)MF_PLACE_KIND_COUNT * MF_INTENT_COUNT;
	default: return 1;
	}
}

static bool same_values(const double *a, const double *b, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!(a[i] == b[i] || (a[i] != a[i] && b[i] != b[i]))) /* NaN equals NaN */
			return false;
	return true;
}

void mf_parameters_differences(const struct mf_parameters *a, const struct mf_parameters *b,
			       int n_countries, char *out, size_t size)
{
	struct mf_parameters x = *a, y = *b;
	size_t used = 0;
	out[0] = '\0';
	for (int i = 0; i < mf_param_count(); i++) {
		const struct mf_param_info *info = mf_param_table(i);
		bool same = same_values(mf_param_field(&x, info), mf_param_field(&y, info),
					field_values(info));
		double *ca = mf_param_by_country(&x, info), *cb = mf_param_by_country(&y, info);
		size_t countries = info->offset == offsetof(struct mf_parameters, onward_factor_default)
			? MF_COUNTRY_MAX : (size_t)n_countries;
		if (same && ca && cb)
			same = same_values(ca, cb, countries);
		if (!same && used < size)
			used += (size_t)snprintf(out + used, size - used, "%s%s", used ? ", " : "", info->name);
	}
}


/* ---- the history of the days ---- */

struct mf_history {
	int runs, days, P, L, M;
	size_t row;       /* values per day */
	int *recorded;    /* [run] days */
	int64_t **rows;   /* [run] days * row, allocated on the first day */
};

struct mf_history *mf_history_create(int runs, int days, const struct mf_sim *sim)
{
	struct mf_history *h = calloc(1, sizeof(*h));
	if (!h)
		return NULL;
	h->runs = runs;
	h->days = days;
	h->P = sim->n_places;
	h->L = sim->n_links;
	h->M = sim->n_monitors;
	h->row = (size_t)h->P * (MF_INTENT_COUNT + 2) + (size_t)h->L * 6 +
		 (size_t)h->M * MF_DIR_COUNT + 4 + TOTALS_COUNT;
	h->recorded = calloc((size_t)runs, sizeof(int));
	h->rows = calloc((size_t)runs, sizeof(int64_t *));
	if (!h->recorded || !h->rows) {
		mf_history_destroy(h);
		return NULL;
	}
	return h;
}

void mf_history_destroy(struct mf_history *h)
{
	if (!h)
		return;
	for (int r = 0; h->rows && r < h->runs; r++)
		free(h->rows[r]);
	free(h->rows);
	free(h->recorded);
	free(h);
}

static bool ensure_rows(struct mf_history *h, int run)
{
	if (!h->rows[run])
		h->rows[run] = calloc((size_t)h->days * h->row, sizeof(int64_t));
	return h->rows[run] != NULL;
}

/* The day's counts and the totals, in the row's order (pack) or back. */
static void copy_row(int64_t *row, struct mf_day_counts *d, struct mf_totals *t, int P, int L, int M,
		     bool pack)
{
	struct {
		int64_t *values;
		size_t n;
	} parts[] = {
		{d->occupancy, (size_t)P * MF_INTENT_COUNT}, {d->spawned, (size_t)P}, {d->arrivals, (size_t)P},
		{d->in_transit, (size_t)L}, {d->link_flow, (size_t)L}, {d->deaths, (size_t)L},
		{d->link_arrivals, (size_t)L}, {d->link_interceptions, (size_t)L},
		{d->monitor_passes, (size_t)M * MF_DIR_COUNT},
		{&d->interceptions, 1}, {&d->expulsions, 1}, {&d->returns, 1}, {&d->destination_arrivals, 1},
	};
	for (size_t i = 0; i < sizeof(parts) / sizeof(*parts); i++) {
		if (pack)
			memcpy(row, parts[i].values, parts[i].n * sizeof(int64_t));
		else
			memcpy(parts[i].values, row, parts[i].n * sizeof(int64_t));
		row += parts[i].n;
	}
	if (pack)
		totals_pack(t, row);
	else
		totals_unpack(row, t);
}

bool mf_history_record(struct mf_history *h, int run, const struct mf_sim *sim)
{
	int day = h->recorded[run];
	if (day >= h->days || !ensure_rows(h, run))
		return false;
	struct mf_sim *view = (struct mf_sim *)sim; /* packing only reads */
	copy_row(h->rows[run] + (size_t)day * h->row, &view->today, &view->totals, h->P, h->L, h->M, true);
	h->recorded[run]++;
	return true;
}

int mf_history_days(const struct mf_history *h, int run)
{
	return h->recorded[run];
}

void mf_history_unpack(const struct mf_history *h, int run, int day, struct mf_sim *sim)
{
	copy_row(h->rows[run] + (size_t)day * h->row, &sim->today, &sim->totals, h->P, h->L, h->M, false);
	sim->today.day = day;
}

enum mf_status mf_history_save(const struct mf_history *h, int last, struct mf_state_file *file,
			       struct mf_error *err)
{
	for (int r = 0; r <= last; r++) {
		char name[32];
		snprintf(name, sizeof(name), "history.%d", r);
		size_t n = (size_t)h->recorded[r] * h->row;
		if (mf_state_file_put(file, name, MF_STATE_I64, n, h->rows[r], 1, err) != MF_OK)
			return err->code;
	}
	return MF_OK;
}

enum mf_status mf_history_load_run(struct mf_history *h, int run, int saved_run, int days,
				   struct mf_state_file *file, struct mf_error *err)
{
	char name[32];
	snprintf(name, sizeof(name), "history.%d", saved_run);
	if (days > h->days)
		return mf_error_set(err, MF_ERR_INPUT, "%s: %d days saved, more than the run's %d",
				    mf_state_file_path(file), days, h->days);
	if (!ensure_rows(h, run))
		return mf_error_set(err, MF_ERR_NOMEM, "out of memory reading %s", mf_state_file_path(file));
	if (mf_state_file_get(file, name, MF_STATE_I64, (size_t)days * h->row, h->rows[run], err) != MF_OK)
		return err->code;
	h->recorded[run] = days;
	return MF_OK;
}

enum mf_status mf_history_load(struct mf_history *h, int last, int days_of_last,
			       struct mf_state_file *file, struct mf_error *err)
{
	for (int r = 0; r <= last; r++)
		if (mf_history_load_run(h, r, r, r < last ? h->days : days_of_last, file, err) != MF_OK)
			return err->code;
	return MF_OK;
}
