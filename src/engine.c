/* The engine: creation, the day loop of MODEL.md 5, the agent store and
 * the daily count (engine.h). The rules of movement are the rule set's. */
#include "migflow/sim.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <omp.h>

#include "migflow/rng.h"
#include "engine.h"
#include "parameters.h"

/* ---- the agent store ---- */

int mf_store_column(struct mf_store *store, void **data, size_t width, bool state)
{
	if (store->n_columns >= STORE_COLUMNS_MAX ||
	    !(width == 1 || width == 2 || width == 4 || width == 8 || width == 16))
		return -1;
	store->column[store->n_columns++] = (struct store_column){.data = data, .width = width};
	store->bytes_per_agent += (int)width;
	if (state)
		store->state = (uint8_t **)data;
	return 0;
}

int mf_store_reserve(struct mf_store *store, int64_t capacity)
{
	if (capacity <= store->capacity)
		return 0;
	int64_t next = store->capacity ? store->capacity : 1 << 16;
	while (next < capacity)
		next += next / 2;
	for (int k = 0; k < store->n_columns; k++) {
		struct store_column *col = &store->column[k];
		void *bigger = realloc(*col->data, (size_t)next * col->width);
		if (!bigger)
			return -1;
		*col->data = bigger;
	}
	store->capacity = next;
	return 0;
}

/* Keeps the slots of data (width bytes each) whose state says in the model,
 * in order, from slot `first` on (the ones before stay where they are).
 * Every slot is copied and the write position advanced by the test, so
 * that no branch waits on an agent's state. Returns the slots kept. */
static int64_t compact_column(void *data, size_t width, const uint8_t *state, int64_t first,
			      int64_t n)
{
	int64_t kept = first;
#define COMPACT(type)                                             \
	do {                                                      \
		type *d = data;                                   \
		for (int64_t i = first; i < n; i++) {             \
			d[kept] = d[i];                           \
			kept += state[i] < AGENT_ARRIVED;         \
		}                                                 \
	} while (0)
	switch (width) {
	case 1: COMPACT(uint8_t); break;
	case 2: COMPACT(uint16_t); break;
	case 4: COMPACT(uint32_t); break;
	case 8: COMPACT(uint64_t); break;
	default:
		for (int64_t i = first; i < n; i++) {
			memmove((char *)data + (size_t)kept * width, (char *)data + (size_t)i * width,
				width);
			kept += state[i] < AGENT_ARRIVED;
		}
		break;
	}
#undef COMPACT
	return kept;
}

void mf_store_compact(struct mf_store *store)
{
	uint8_t *state = *store->state;
	int64_t first = 0;
	while (first < store->n && state[first] < AGENT_ARRIVED)
		first++;
	/* The state column last: the others are kept by it. */
	for (int k = 0; k < store->n_columns; k++)
		if (store->column[k].data != (void **)store->state)
			compact_column(*store->column[k].data, store->column[k].width, state, first,
				       store->n);
	store->n = compact_column(state, 1, state, first, store->n);
}

void mf_store_free(struct mf_store *store)
{
	for (int k = 0; k < store->n_columns; k++) {
		free(*store->column[k].data);
		*store->column[k].data = NULL;
	}
	store->n = store->capacity = 0;
}

/* ---- phase 5: the count ---- */

/* Sums the per-thread counters of the day into today's counts (persons),
 * updates the totals and checks conservation (MODEL.md 5, phase 5). */
static enum mf_status phase_count(struct mf_sim *sim, struct mf_error *err)
{
	struct mf_day_counts *d = &sim->today;
	struct mf_totals *t = &sim->totals;
	int64_t scale = sim->scenario->agent_scale;
	int P = sim->n_places, L = sim->n_links, M = sim->n_monitors;
	int64_t scalars[SC_COUNT] = {0};
	memset(d->link_flow, 0, (size_t)L * sizeof(int64_t));
	memset(d->arrivals, 0, (size_t)P * sizeof(int64_t));
	memset(d->deaths, 0, (size_t)L * sizeof(int64_t));
	memset(d->link_arrivals, 0, (size_t)L * sizeof(int64_t));
	memset(d->link_interceptions, 0, (size_t)L * sizeof(int64_t));
	memset(d->monitor_passes, 0, (size_t)M * MF_DIR_COUNT * sizeof(int64_t));
	for (int th = 0; th < sim->threads; th++) {
		const struct counters *c = &sim->thread_counts[th];
		for (int i = 0; i < P * MF_INTENT_COUNT; i++)
			sim->present_agents[i] += c->occupancy[i];
		for (int l = 0; l < L; l++) {
			sim->transit_agents[l] += c->in_transit[l];
			d->link_flow[l] += c->link_flow[l];
			d->deaths[l] += c->deaths[l];
			d->link_arrivals[l] += c->link_arrivals[l];
			d->link_interceptions[l] += c->link_interceptions[l];
		}
		for (int p = 0; p < P; p++)
			d->arrivals[p] += c->arrivals[p];
		for (int m = 0; m < M * MF_DIR_COUNT; m++)
			d->monitor_passes[m] += c->monitor[m];
		for (int s = 0; s < SC_COUNT; s++)
			scalars[s] += c->scalars[s];
	}
	int64_t present = 0, on_links = 0;
	for (int i = 0; i < P * MF_INTENT_COUNT; i++)
		present += d->occupancy[i] = sim->present_agents[i] * scale;
	for (int l = 0; l < L; l++) {
		on_links += d->in_transit[l] = sim->transit_agents[l] * scale;
		d->link_flow[l] *= scale;
		d->deaths[l] *= scale;
		d->link_arrivals[l] *= scale;
		d->link_interceptions[l] *= scale;
	}
	for (int p = 0; p < P; p++)
		d->arrivals[p] *= scale;
	for (int m = 0; m < M; m++)
		for (int dir = 0; dir < MF_DIR_COUNT; dir++)
			t->monitor_passes[dir] += d->monitor_passes[m * MF_DIR_COUNT + dir] *= scale;
	d->day = sim->day;
	d->interceptions = scalars[SC_INTERCEPTIONS] * scale;
	d->expulsions = scalars[SC_EXPULSIONS] * scale;
	d->returns = scalars[SC_RETURNS] * scale;
	d->destination_arrivals = scalars[SC_ARRIVED] * scale;
	t->present = present;
	t->on_links = on_links;
	t->arrived += d->destination_arrivals;
	t->dead += scalars[SC_DEAD] * scale;
	t->left += d->returns;
	t->interceptions += d->interceptions;
	t->expulsions += d->expulsions;
	t->agent_steps += (uint64_t)scalars[SC_STEPPED];
	int64_t accounted = t->present + t->on_links + t->arrived + t->dead + t->left;
	if (accounted != t->spawned)
		return mf_error_set(err, MF_ERR_INTERNAL,
				    "conservation broken on day %d: spawned %lld != present %lld + on links %lld"
				    " + arrived %lld + dead %lld + left %lld",
				    sim->day, (long long)t->spawned, (long long)t->present,
				    (long long)t->on_links, (long long)t->arrived, (long long)t->dead,
				    (long long)t->left);
	return MF_OK;
}

enum mf_status mf_sim_audit(const struct mf_sim *sim, struct mf_error *err)
{
	return sim->rules->audit(sim, err);
}

/* Drops agents that left the model once they are a quarter of the store. */
static void reclaim(struct mf_sim *sim)
{
	struct mf_store *store = &sim->store;
	int64_t alive = (sim->totals.present + sim->totals.on_links) / sim->scenario->agent_scale;
	if (store->n > 4096 && (store->n - alive) * 4 > store->n)
		mf_store_compact(store);
}

/* ---- phase 3: every agent, in blocks ---- */

static void phase_move(struct mf_sim *sim)
{
	for (int t = 0; t < sim->threads; t++) {
		memset(sim->thread_counts[t].base, 0, sim->thread_counts[t].n_values * sizeof(int64_t));
		sim->thread_counts[t].n_requested = 0;
	}
	/* Agent-steps: every agent at a place or on a link takes part today. */
	int64_t alive = 0;
	for (int k = 0; k < sim->n_places * MF_INTENT_COUNT; k++)
		alive += sim->present_agents[k];
	for (int l = 0; l < sim->n_links; l++)
		alive += sim->transit_agents[l];
	sim->thread_counts[0].scalars[SC_STEPPED] = alive;
	const struct mf_rules_impl *rules = sim->rules;
	rules->begin_move(sim);
	const int64_t n = sim->store.n, block = rules->block_agents;
	const int64_t blocks = (n + block - 1) / block;
	const struct mf_sim *view = sim;
	/* Blocks are handed out as threads ask, so that a thread the system does
	 * not schedule does not hold the others up: every draw is the agent's
	 * own, so which thread steps which block does not matter. */
#pragma omp parallel num_threads(sim->threads)
	{
		struct counters *c = &sim->thread_counts[omp_get_thread_num()];
#pragma omp for schedule(dynamic, 1) nowait
		for (int64_t b = 0; b < blocks; b++)
			rules->move_block(view, c, b * block, b * block + block < n ? b * block + block : n);
	}
	if (rules->end_move)
		rules->end_move(sim);
}

enum mf_status mf_sim_step(struct mf_sim *sim, struct mf_error *err)
{
	if (sim->day >= sim->days_total)
		return mf_error_set(err, MF_ERR_INTERNAL, "the run has already simulated its %d days",
				    sim->days_total);
	const struct mf_rules_impl *rules = sim->rules;
	double *seconds = sim->phase_seconds, clock = omp_get_wtime(), now;
#define LAP(phase) (now = omp_get_wtime(), seconds[phase] += now - clock, clock = now)
	mf_phase_events(sim);
	if (rules->derive(sim, err) != MF_OK)
		return err->code;
	sim->world.changed = false;
	LAP(MF_PHASE_EVENTS);
	memset(sim->today.spawned, 0, (size_t)sim->n_places * sizeof(int64_t));
	if (rules->spawn(sim, err) != MF_OK)
		return err->code;
	for (int p = 0; p < sim->n_places; p++)
		sim->totals.spawned += sim->today.spawned[p];
	LAP(MF_PHASE_SPAWN);
	phase_move(sim);
	LAP(MF_PHASE_MOVE);
	if (rules->capacity)
		rules->capacity(sim);
	LAP(MF_PHASE_CAPACITY);
	if (phase_count(sim, err) != MF_OK)
		return err->code;
	reclaim(sim);
	LAP(MF_PHASE_COUNT_UP);
#undef LAP
	sim->day++;
	return MF_OK;
}

/* ---- creation ---- */

static int counters_init(struct counters *c, int P, int L, int M)
{
	size_t sizes[] = {(size_t)P * MF_INTENT_COUNT, (size_t)L, (size_t)L, (size_t)P,
			  (size_t)L, (size_t)L, (size_t)M * MF_DIR_COUNT, SC_COUNT, (size_t)L, (size_t)L};
	size_t total = 0;
	for (size_t i = 0; i < sizeof(sizes) / sizeof(*sizes); i++)
		total += sizes[i];
	/* Whole cache lines, so that threads never share one. */
	total = (total + 7) / 8 * 8;
	c->base = aligned_alloc(64, total * sizeof(int64_t));
	c->requested = malloc(REQUEST_SLOTS * sizeof(int64_t));
	if (!c->base || !c->requested)
		return -1;
	memset(c->base, 0, total * sizeof(int64_t));
	c->n_values = total;
	int64_t *next = c->base;
	int64_t **fields[] = {&c->occupancy, &c->in_transit, &c->link_flow, &c->arrivals,
			      &c->deaths, &c->requests, &c->monitor, &c->scalars,
			      &c->link_arrivals, &c->link_interceptions};
	for (size_t i = 0; i < sizeof(sizes) / sizeof(*sizes); i++) {
		*fields[i] = next;
		next += sizes[i];
	}
	return 0;
}

static void *zeroed(size_t count, size_t size)
{
	return calloc(count > 0 ? count : 1, size);
}

#define ALLOC(ptr, count) ((ptr) = zeroed((size_t)(count), sizeof(*(ptr))))

static int alloc_tables(struct mf_sim *sim)
{
	int P = sim->n_places, L = sim->n_links, M = sim->n_monitors;
	int S = sim->scenario->n_sources;
	struct world *w = &sim->world;
	if (!ALLOC(w->security, P) || !ALLOC(w->ramp_from, P) || !ALLOC(w->ramp_to, P) ||
	    !ALLOC(w->ramp_start, P) || !ALLOC(w->ramp_end, P) || !ALLOC(w->link_open_event, L) ||
	    !ALLOC(w->link_capacity, L) || !ALLOC(w->source_multiplier, S) ||
	    !ALLOC(w->link_speed, L) || !ALLOC(w->link_fare, L) || !ALLOC(w->link_death_day, L) ||
	    !ALLOC(w->link_interception, L) || !ALLOC(w->link_departs, L) ||
	    !ALLOC(w->link_death_crossing, L) ||
	    !ALLOC(sim->params.stay_days_by_country, sim->graph->n_countries > 0 ? sim->graph->n_countries : 1) ||
	    !ALLOC(sim->present_agents, MF_INTENT_COUNT * P) || !ALLOC(sim->transit_agents, L))
		return -1;
	struct mf_day_counts *d = &sim->today;
	if (!ALLOC(d->occupancy, P * MF_INTENT_COUNT) || !ALLOC(d->in_transit, L) ||
	    !ALLOC(d->link_flow, L) || !ALLOC(d->spawned, P) || !ALLOC(d->arrivals, P) ||
	    !ALLOC(d->deaths, L) || !ALLOC(d->monitor_passes, M * MF_DIR_COUNT + 1) ||
	    !ALLOC(d->link_arrivals, L) || !ALLOC(d->link_interceptions, L))
		return -1;
	sim->thread_counts = calloc((size_t)sim->threads, sizeof(*sim->thread_counts));
	if (!sim->thread_counts)
		return -1;
	for (int t = 0; t < sim->threads; t++)
		if (counters_init(&sim->thread_counts[t], P, L, M) < 0)
			return -1;
	return 0;
}

/* The world on day 0, as the network and the scenario give it. */
static void init_world(struct mf_sim *sim)
{
	const struct mf_scenario *s = sim->scenario;
	const struct mf_graph *g = sim->graph;
	double *stay = sim->params.stay_days_by_country;
	sim->params = s->params;
	sim->params.stay_days_by_country = stay;
	if (g->n_countries > 0 && s->params.stay_days_by_country)
		memcpy(stay, s->params.stay_days_by_country, (size_t)g->n_countries * sizeof(double));
	for (int p = 0; p < sim->n_places; p++) {
		sim->world.security[p] = g->places[p].security;
		sim->world.ramp_end[p] = -1;
	}
	for (int l = 0; l < sim->n_links; l++) {
		const struct mf_link *link = &g->links[l];
		sim->world.link_open_event[l] = true;
		sim->world.link_capacity[l] = link->capacity_per_day;
		sim->world.link_speed[l] = 1;
		sim->world.link_fare[l] = link->fare_usd;
		sim->world.link_death_day[l] = link->death_per_day;
		sim->world.link_interception[l] = link->interception;
		sim->world.link_death_crossing[l] = link->death_per_crossing;
		sim->world.link_departs[l] = (int8_t)link->departs_weekday;
	}
	for (int i = 0; i < s->n_sources; i++)
		sim->world.source_multiplier[i] = 1;
}

/* Model parameters of the overrides set in sim->params (the rule set's
 * own are its create's); an unknown name or a value out of range is an
 * error. */
static enum mf_status apply_overrides(struct mf_sim *sim, const struct mf_run_options *options,
				      struct mf_error *err)
{
	for (int i = 0; i < options->n_overrides; i++) {
		const struct mf_override *o = &options->overrides[i];
		double min, max;
		if (sim->rules->has_parameter && sim->rules->has_parameter(o->name, &min, &max)) {
			if (!(o->value >= min && o->value <= max))
				return mf_error_set(err, MF_ERR_INPUT, "parameter '%s': %g is outside %g..%g",
						    o->name, o->value, min, max);
			continue;
		}
		struct mf_param_ref ref;
		char why[600];
		if (mf_param_resolve(o->name, sim->graph, &ref, why, sizeof(why)) != MF_PARAM_FOUND)
			return mf_error_set(err, MF_ERR_INPUT, "parameter '%s': %s", o->name, why);
		mf_param_set(&sim->params, &ref, o->value);
	}
	return MF_OK;
}

static const struct mf_rules_impl *rules_of(const struct mf_scenario *scenario)
{
	return scenario->rules == MF_RULES_FLEE ? &mf_rules_flee : &mf_rules_sahel;
}

struct mf_sim *mf_sim_create(const struct mf_scenario *scenario,
			     const struct mf_run_options *options, struct mf_error *err)
{
	struct mf_sim *sim = calloc(1, sizeof(*sim));
	if (!sim) {
		mf_error_set(err, MF_ERR_NOMEM, "out of memory creating the simulation");
		return NULL;
	}
	sim->scenario = scenario;
	sim->graph = scenario->graph;
	sim->rules = rules_of(scenario);
	sim->n_places = scenario->graph->n_places;
	sim->n_links = scenario->graph->n_links;
	sim->n_monitors = scenario->n_monitors;
	sim->days_total = options->days > 0 ? options->days : scenario->days;
	if (sim->days_total > MF_DAYS_MAX) {
		mf_error_set(err, MF_ERR_INPUT, "at most %d days can be simulated, %d asked",
			     MF_DAYS_MAX, sim->days_total);
		goto fail;
	}
	if (sim->graph->n_countries > 255 || sim->n_monitors > 32000) {
		mf_error_set(err, MF_ERR_INPUT, "too many countries or monitoring points");
		goto fail;
	}
	sim->threads = options->threads > 0           ? options->threads
		       : sim->rules->default_threads ? sim->rules->default_threads(scenario, sim->days_total)
						     : omp_get_max_threads();
	sim->key = mf_rng_key(options->seed, options->replicate);
	if (alloc_tables(sim) < 0) {
		mf_error_set(err, MF_ERR_NOMEM, "out of memory creating the simulation");
		goto fail;
	}
	init_world(sim);
	if (apply_overrides(sim, options, err) != MF_OK)
		goto fail;
	sim->overrides = options->overrides;
	sim->n_overrides = options->n_overrides;
	enum mf_status created = sim->rules->create(sim, err);
	sim->overrides = NULL;
	sim->n_overrides = 0;
	if (created != MF_OK)
		goto fail;
	return sim;
fail:
	mf_sim_destroy(sim);
	return NULL;
}

void mf_sim_destroy(struct mf_sim *sim)
{
	if (!sim)
		return;
	/* The columns live in the rule set's state: freed before it. */
	if (sim->rules_state)
		mf_store_free(&sim->store);
	if (sim->rules_state)
		sim->rules->destroy(sim);
	struct world *w = &sim->world;
	void *arrays[] = {
		w->security, w->ramp_from, w->ramp_to, w->ramp_start, w->ramp_end,
		w->link_open_event, w->link_capacity, w->source_multiplier, w->link_speed,
		w->link_fare, w->link_death_day, w->link_interception, w->link_departs,
		w->link_death_crossing, sim->params.stay_days_by_country,
		sim->present_agents, sim->transit_agents,
		sim->today.occupancy, sim->today.in_transit,
		sim->today.link_flow, sim->today.spawned, sim->today.arrivals, sim->today.deaths,
		sim->today.monitor_passes, sim->today.link_arrivals, sim->today.link_interceptions,
	};
	for (size_t i = 0; i < sizeof(arrays) / sizeof(*arrays); i++)
		free(arrays[i]);
	if (sim->thread_counts)
		for (int t = 0; t < sim->threads; t++) {
			free(sim->thread_counts[t].base);
			free(sim->thread_counts[t].requested);
		}
	free(sim->thread_counts);
	free(sim);
}

/* ---- what a run shows ---- */

int mf_sim_bytes_per_agent(void)
{
	return 14; /* the Sahel rule set's columns (src/sahel/sahel.h) */
}

const struct mf_day_counts *mf_sim_day_counts(const struct mf_sim *sim)
{
	return &sim->today;
}

void mf_sim_totals(const struct mf_sim *sim, struct mf_totals *totals)
{
	*totals = sim->totals;
}

int mf_sim_days_done(const struct mf_sim *sim) { return sim->day; }
int mf_sim_days_total(const struct mf_sim *sim) { return sim->days_total; }
int mf_sim_threads(const struct mf_sim *sim) { return sim->threads; }

void mf_sim_phase_seconds(const struct mf_sim *sim, double *seconds)
{
	memcpy(seconds, sim->phase_seconds, sizeof(sim->phase_seconds));
}

int64_t mf_sim_agents_alive(const struct mf_sim *sim)
{
	return (sim->totals.present + sim->totals.on_links) / sim->scenario->agent_scale;
}
