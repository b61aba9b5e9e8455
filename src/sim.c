/* The simulation: creation, the day loop and the daily count. */
#include "migflow/sim.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <omp.h>

#include "migflow/rng.h"
#include "world.h"

int mf_sim_bytes_per_agent(void)
{
	return MF_AGENT_BYTES;
}

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
	int P = sim->n_places, L = sim->n_links;
	int64_t *present = calloc((size_t)P * MF_INTENT_COUNT + (size_t)L, sizeof(int64_t));
	if (!present)
		return mf_error_set(err, MF_ERR_NOMEM, "out of memory auditing the agents");
	int64_t *transit = present + (size_t)P * MF_INTENT_COUNT;
	const struct mf_agents *a = &sim->agents;
	enum mf_status status = MF_OK;
	for (int64_t i = 0; i < a->n && status == MF_OK; i++) {
		if (a->state[i] == AGENT_AT_PLACE) {
			present[a->loc[i] * MF_INTENT_COUNT + a->intent[i]]++;
			if (a->timer[i] < sim->day)
				status = mf_error_set(err, MF_ERR_INTERNAL,
						      "agent %lld at place %d has its next decision on day %d,"
						      " before day %d", (long long)i, a->loc[i], a->timer[i], sim->day);
		} else if (a->state[i] == AGENT_ON_LINK) {
			transit[a->loc[i]]++;
		} else if (a->state[i] == AGENT_REQUEST) {
			status = mf_error_set(err, MF_ERR_INTERNAL, "agent %lld still asks for link %d",
					      (long long)i, a->loc[i]);
		}
	}
	for (int k = 0; k < P * MF_INTENT_COUNT && status == MF_OK; k++)
		if (present[k] != sim->present_agents[k])
			status = mf_error_set(err, MF_ERR_INTERNAL,
					      "place %d intent %d: %lld agents counted by changes, %lld in the store",
					      k / MF_INTENT_COUNT, k % MF_INTENT_COUNT,
					      (long long)sim->present_agents[k], (long long)present[k]);
	for (int l = 0; l < L && status == MF_OK; l++)
		if (transit[l] != sim->transit_agents[l])
			status = mf_error_set(err, MF_ERR_INTERNAL,
					      "link %d: %lld agents counted by changes, %lld in the store", l,
					      (long long)sim->transit_agents[l], (long long)transit[l]);
	free(present);
	return status;
}

/* Drops agents that left the model once they are a quarter of the store. */
static void reclaim(struct mf_sim *sim)
{
	struct mf_agents *a = &sim->agents;
	int64_t alive = (sim->totals.present + sim->totals.on_links) / sim->scenario->agent_scale;
	if (a->n > 4096 && (a->n - alive) * 4 > a->n)
		mf_agents_compact(a);
}

enum mf_status mf_sim_step(struct mf_sim *sim, struct mf_error *err)
{
	if (sim->day >= sim->days_total)
		return mf_error_set(err, MF_ERR_INTERNAL, "the run has already simulated its %d days",
				    sim->days_total);
	double *seconds = sim->phase_seconds, clock = omp_get_wtime(), now;
#define LAP(phase) (now = omp_get_wtime(), seconds[phase] += now - clock, clock = now)
	mf_phase_events(sim);
	LAP(MF_PHASE_EVENTS);
	if (mf_phase_spawn(sim, err) != MF_OK)
		return err->code;
	LAP(MF_PHASE_SPAWN);
	mf_phase_move(sim);
	LAP(MF_PHASE_MOVE);
	mf_phase_capacity(sim);
	LAP(MF_PHASE_CAPACITY);
	if (phase_count(sim, err) != MF_OK)
		return err->code;
	reclaim(sim);
	LAP(MF_PHASE_COUNT_UP);
#undef LAP
	sim->day++;
	return MF_OK;
}

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
	int max_degree = 1;
	for (int p = 0; p < P; p++) {
		int degree = sim->graph->out_offset[p + 1] - sim->graph->out_offset[p];
		if (degree > max_degree)
			max_degree = degree;
	}
	if (!ALLOC(w->security, P) || !ALLOC(w->ramp_from, P) || !ALLOC(w->ramp_to, P) ||
	    !ALLOC(w->ramp_start, P) || !ALLOC(w->ramp_end, P) || !ALLOC(w->link_open_event, L) ||
	    !ALLOC(w->link_capacity, L) || !ALLOC(w->source_multiplier, S) ||
	    !ALLOC(w->link_speed, L) || !ALLOC(w->link_fare, L) || !ALLOC(w->link_death_day, L) ||
	    !ALLOC(w->link_interception, L) || !ALLOC(w->link_departs, L) ||
	    !ALLOC(w->link_death_crossing, L) ||
	    !ALLOC(sim->remaining_population, P) || !ALLOC(sim->links, L) ||
	    !ALLOC(sim->leave, MF_INTENT_COUNT * P) || !ALLOC(sim->leave_week, MF_INTENT_COUNT * P) ||
	    !ALLOC(sim->stay_end, P) ||
	    !ALLOC(sim->params.stay_days_by_country, sim->graph->n_countries > 0 ? sim->graph->n_countries : 1) || !ALLOC(sim->hazard_goal, MF_INTENT_COUNT * P) ||
	    !ALLOC(sim->hazard_away, MF_INTENT_COUNT * P) || !ALLOC(sim->gap_goal, MF_INTENT_COUNT * P) ||
	    !ALLOC(sim->gap_away, MF_INTENT_COUNT * P) || !ALLOC(sim->reschedule, MF_INTENT_COUNT * P) ||
	    !ALLOC(sim->present_agents, MF_INTENT_COUNT * P) || !ALLOC(sim->transit_agents, L) ||
	    !ALLOC(sim->home_safe, P) || !ALLOC(sim->country, P) ||
	    !ALLOC(sim->is_destination, P) || !ALLOC(sim->expel, P) || !ALLOC(sim->flee, P) || !ALLOC(sim->expel_to, P) ||
	    !ALLOC(sim->expel_retry, P) || !ALLOC(sim->expel_monitor, P) || !ALLOC(sim->monitor_country, M) ||
	    !ALLOC(sim->monitor_counts, M * MF_DIR_COUNT) ||
	    !ALLOC(sim->route_cum, (size_t)MF_INTENT_COUNT * P * L) ||
	    !ALLOC(sim->route_dist, (size_t)MF_INTENT_COUNT * P * P) || !ALLOC(sim->refuge, P) ||
	    !ALLOC(sim->accept, L) || !ALLOC(sim->in_offset, P + 1) || !ALLOC(sim->in_links, L) ||
	    !ALLOC(sim->scratch_cost, L) || !ALLOC(sim->scratch_cost_intent, L) ||
	    !ALLOC(sim->scratch_weight, max_degree) || !ALLOC(sim->scratch_heap, P) ||
	    !ALLOC(sim->scratch_position, P))
		return -1;
	struct mf_day_counts *d = &sim->today;
	if (!ALLOC(d->occupancy, P * MF_INTENT_COUNT) || !ALLOC(d->in_transit, L) ||
	    !ALLOC(d->link_flow, L) || !ALLOC(d->spawned, P) || !ALLOC(d->arrivals, P) ||
	    !ALLOC(d->deaths, L) || !ALLOC(d->monitor_passes, M * MF_DIR_COUNT) ||
	    !ALLOC(d->link_arrivals, L) || !ALLOC(d->link_interceptions, L))
		return -1;
	sim->thread_counts = calloc((size_t)sim->threads, sizeof(*sim->thread_counts));
	if (!sim->thread_counts)
		return -1;
	for (int t = 0; t < sim->threads; t++)
		if (counters_init(&sim->thread_counts[t], P, L, M) < 0)
			return -1;
	sim->spawn_rng = mf_rng_gsl_create();
	return sim->spawn_rng ? 0 : -1;
}

/* Static tables: countries, destinations, expulsions, monitors, in-links. */
static void init_static(struct mf_sim *sim)
{
	const struct mf_scenario *s = sim->scenario;
	const struct mf_graph *g = sim->graph;
	int P = sim->n_places, L = sim->n_links;
	double *stay = sim->params.stay_days_by_country;
	sim->params = s->params;
	sim->params.stay_days_by_country = stay;
	memcpy(stay, s->params.stay_days_by_country, (size_t)g->n_countries * sizeof(double));
	for (int p = 0; p < P; p++) {
		sim->country[p] = (uint8_t)g->places[p].country_index;
		sim->is_destination[p] = g->places[p].kind == MF_PLACE_DESTINATION;
		sim->world.security[p] = g->places[p].security;
		sim->world.ramp_end[p] = -1;
		sim->remaining_population[p] = g->places[p].population;
	}
	for (int l = 0; l < L; l++) {
		const struct mf_link *link = &g->links[l];
		sim->world.link_open_event[l] = true;
		sim->world.link_capacity[l] = link->capacity_per_day;
		sim->world.link_speed[l] = 1;
		sim->world.link_fare[l] = link->fare_usd;
		sim->world.link_death_day[l] = link->death_per_day;
		sim->world.link_interception[l] = link->interception;
		sim->world.link_death_crossing[l] = link->death_per_crossing;
		sim->world.link_departs[l] = (int8_t)link->departs_weekday;
		sim->links[l].to = (uint16_t)link->to;
		sim->links[l].intercept_to = (uint16_t)(link->intercept_to >= 0 ? link->intercept_to : link->from);
		sim->links[l].monitor = -1;
		sim->in_offset[link->to + 1]++;
	}
	for (int p = 0; p < P; p++)
		sim->in_offset[p + 1] += sim->in_offset[p];
	int *fill = sim->scratch_heap; /* free for now: P ints */
	memset(fill, 0, (size_t)P * sizeof(int));
	for (int l = 0; l < L; l++)
		sim->in_links[sim->in_offset[g->links[l].to] + fill[g->links[l].to]++] = l;
	for (int i = 0; i < s->n_sources; i++)
		sim->world.source_multiplier[i] = 1;
	for (int e = 0; e < s->n_expulsions; e++) {
		const struct mf_expulsion *x = &s->expulsions[e];
		sim->expel[x->from] = mf_rng_threshold(x->daily_probability);
		sim->expel_to[x->from] = (uint16_t)x->to;
		sim->expel_retry[x->from] = mf_rng_threshold(x->retry_share);
	}
	for (int p = 0; p < P; p++)
		sim->expel_monitor[p] = -1;
	for (int m = 0; m < s->n_monitors; m++) {
		const struct mf_monitor *mon = &s->monitors[m];
		/* Expelled people reaching a monitored place pass its point too. */
		for (int e = 0; e < s->n_expulsions; e++)
			if (mon->place >= 0 && s->expulsions[e].to == mon->place)
				sim->expel_monitor[s->expulsions[e].from] = (int16_t)m;
		sim->monitor_country[m] = (uint8_t)mon->country;
		for (int d = 0; d < MF_DIR_COUNT; d++)
			sim->monitor_counts[m * MF_DIR_COUNT + d] = mon->count_direction[d];
		for (int k = 0; k < mon->n_links; k++)
			sim->links[mon->links[k]].monitor = (int16_t)m;
	}
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
	sim->n_places = scenario->graph->n_places;
	sim->n_links = scenario->graph->n_links;
	sim->n_monitors = scenario->n_monitors;
	sim->days_total = options->days > 0 ? options->days : scenario->days;
	if (sim->days_total > 60000) {
		mf_error_set(err, MF_ERR_INPUT, "at most 60000 days can be simulated, %d asked",
			     sim->days_total);
		goto fail;
	}
	if (sim->graph->n_countries > 255 || sim->n_monitors > 32000) {
		mf_error_set(err, MF_ERR_INPUT, "too many countries or monitoring points");
		goto fail;
	}
	sim->threads = options->threads > 0 ? options->threads : omp_get_max_threads();
	sim->key = mf_rng_key(options->seed, options->replicate);
	if (alloc_tables(sim) < 0) {
		mf_error_set(err, MF_ERR_NOMEM, "out of memory creating the simulation");
		goto fail;
	}
	init_static(sim);
	mf_routing_update(sim);
	/* Nobody to reschedule yet: the initial agents are scheduled as placed. */
	memset(sim->reschedule, 0, (size_t)sim->n_places * MF_INTENT_COUNT);
	sim->any_reschedule = false;
	if (mf_spawn_initial(sim, err) != MF_OK)
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
	struct world *w = &sim->world;
	void *arrays[] = {
		w->security, w->ramp_from, w->ramp_to, w->ramp_start, w->ramp_end,
		w->link_open_event, w->link_capacity, w->source_multiplier, w->link_speed,
		w->link_fare, w->link_death_day, w->link_interception, w->link_departs,
		w->link_death_crossing,
		sim->remaining_population, sim->links, sim->leave, sim->leave_week, sim->stay_end,
		sim->hazard_goal, sim->hazard_away, sim->gap_goal, sim->gap_away, sim->reschedule,
		sim->params.stay_days_by_country,
		sim->present_agents, sim->transit_agents,
		sim->home_safe, sim->country, sim->is_destination, sim->expel, sim->flee, sim->expel_to,
		sim->expel_retry, sim->expel_monitor, sim->monitor_country, sim->monitor_counts, sim->route_cum,
		sim->route_dist, sim->refuge, sim->accept, sim->in_offset, sim->in_links,
		sim->scratch_cost, sim->scratch_cost_intent, sim->scratch_weight, sim->scratch_heap,
		sim->scratch_position, sim->today.occupancy, sim->today.in_transit,
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
	if (sim->spawn_rng)
		gsl_rng_free(sim->spawn_rng);
	mf_agents_free(&sim->agents);
	free(sim);
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

void mf_sim_phase_seconds(const struct mf_sim *sim, double *seconds)
{
	memcpy(seconds, sim->phase_seconds, sizeof(sim->phase_seconds));
}
int mf_sim_days_total(const struct mf_sim *sim) { return sim->days_total; }
int mf_sim_threads(const struct mf_sim *sim) { return sim->threads; }

int64_t mf_sim_agents_alive(const struct mf_sim *sim)
{
	return (sim->totals.present + sim->totals.on_links) / sim->scenario->agent_scale;
}
