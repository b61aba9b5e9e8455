/* The Sahel rule set's entry points (engine.h, struct mf_rules_impl): its
 * state, its static tables and the audit of its agents. Phases live in
 * routing.c (derive), spawn.c and step.c (move, capacity). */
#include <stdlib.h>
#include <string.h>

#include "migflow/rng.h"
#include "sahel.h"

static void *zeroed(size_t count, size_t size)
{
	return calloc(count > 0 ? count : 1, size);
}

#define ALLOC(ptr, count) ((ptr) = zeroed((size_t)(count), sizeof(*(ptr))))

static int alloc_tables(struct mf_sim *sim, struct sahel *r)
{
	int P = sim->n_places, L = sim->n_links, M = sim->n_monitors;
	int max_degree = P > 1 ? P : 1; /* scratch_weight: also a weight per refuge */
	for (int p = 0; p < P; p++) {
		int degree = sim->graph->out_offset[p + 1] - sim->graph->out_offset[p];
		if (degree > max_degree)
			max_degree = degree;
	}
	if (!ALLOC(r->remaining_population, P) || !ALLOC(r->links, L) ||
	    !ALLOC(r->leave, MF_INTENT_COUNT * P) || !ALLOC(r->leave_week, MF_INTENT_COUNT * P) ||
	    !ALLOC(r->stay_end, P) || !ALLOC(r->hazard_goal, MF_INTENT_COUNT * P) ||
	    !ALLOC(r->hazard_away, MF_INTENT_COUNT * P) || !ALLOC(r->gap_goal, MF_INTENT_COUNT * P) ||
	    !ALLOC(r->gap_away, MF_INTENT_COUNT * P) || !ALLOC(r->reschedule, MF_INTENT_COUNT * P) ||
	    !ALLOC(r->home_safe, P) || !ALLOC(r->country, P) || !ALLOC(r->is_destination, P) ||
	    !ALLOC(r->expel, P) || !ALLOC(r->flee, P) || !ALLOC(r->expel_to, P) ||
	    !ALLOC(r->expel_retry, P) || !ALLOC(r->expel_monitor, P) ||
	    !ALLOC(r->monitor_country, M) || !ALLOC(r->monitor_counts, M * MF_DIR_COUNT) ||
	    !ALLOC(r->route_cum, (size_t)MF_INTENT_COUNT * P * L + ROUTE_READ_AHEAD) ||
	    !ALLOC(r->route_dist, (size_t)MF_INTENT_COUNT * P * P) || !ALLOC(r->refuge, P) ||
	    !ALLOC(r->accept, L) || !ALLOC(r->in_offset, P + 1) || !ALLOC(r->in_links, L) ||
	    !ALLOC(r->scratch_cost, L) || !ALLOC(r->scratch_cost_intent, (size_t)MF_INTENT_COUNT * L) ||
	    !ALLOC(r->scratch_weight, max_degree) || !ALLOC(r->scratch_heap, P) ||
	    !ALLOC(r->scratch_position, P) || !ALLOC(r->refuge_n, P) ||
	    !ALLOC(r->refuge_place, (size_t)P * P) || !ALLOC(r->refuge_cum, (size_t)P * P) ||
	    !ALLOC(r->presence, L) || !ALLOC(r->queue, L) || !ALLOC(r->onward_extra, P) ||
	    !ALLOC(r->onward_factor, MF_COUNTRY_MAX) ||
	    !ALLOC(r->onward, P) || !ALLOC(r->onward_leave, P) || !ALLOC(r->onward_bound, P))
		return -1;
	r->spawn_rng = mf_rng_gsl_create();
	return r->spawn_rng ? 0 : -1;
}

/* The agent columns, in the store's order. */
static int declare_columns(struct mf_store *store, struct mf_agents *a)
{
	int bad = 0;
	bad |= mf_store_column(store, (void **)&a->loc, sizeof(*a->loc), false);
	bad |= mf_store_column(store, (void **)&a->goal, sizeof(*a->goal), false);
	bad |= mf_store_column(store, (void **)&a->home, sizeof(*a->home), false);
	bad |= mf_store_column(store, (void **)&a->timer, sizeof(*a->timer), false);
	bad |= mf_store_column(store, (void **)&a->born, sizeof(*a->born), false);
	bad |= mf_store_column(store, (void **)&a->state, sizeof(*a->state), true);
	bad |= mf_store_column(store, (void **)&a->intent, sizeof(*a->intent), false);
	bad |= mf_store_column(store, (void **)&a->attempts, sizeof(*a->attempts), false);
	bad |= mf_store_column(store, (void **)&a->flags, sizeof(*a->flags), false);
	return bad;
}

/* Static tables: countries, destinations, expulsions, monitors, in-links. */
static void init_static(struct mf_sim *sim, struct sahel *r)
{
	const struct mf_scenario *s = sim->scenario;
	const struct mf_graph *g = sim->graph;
	int P = sim->n_places, L = sim->n_links;
	for (int p = 0; p < P; p++) {
		r->country[p] = (uint8_t)g->places[p].country_index;
		r->is_destination[p] = g->places[p].kind == MF_PLACE_DESTINATION;
		r->remaining_population[p] = g->places[p].population;
	}
	for (int l = 0; l < L; l++) {
		const struct mf_link *link = &g->links[l];
		r->links[l].to = (uint16_t)link->to;
		r->links[l].intercept_to = (uint16_t)(link->intercept_to >= 0 ? link->intercept_to : link->from);
		r->links[l].monitor = -1;
		r->in_offset[link->to + 1]++;
	}
	for (int p = 0; p < P; p++)
		r->in_offset[p + 1] += r->in_offset[p];
	int *fill = r->scratch_heap; /* free for now: P ints */
	memset(fill, 0, (size_t)P * sizeof(int));
	for (int l = 0; l < L; l++)
		r->in_links[r->in_offset[g->links[l].to] + fill[g->links[l].to]++] = l;
	for (int e = 0; e < s->n_expulsions; e++) {
		const struct mf_expulsion *x = &s->expulsions[e];
		r->expel[x->from] = mf_rng_threshold(x->daily_probability);
		r->expel_to[x->from] = (uint16_t)x->to;
		r->expel_retry[x->from] = mf_rng_threshold(x->retry_share);
	}
	for (int p = 0; p < P; p++)
		r->expel_monitor[p] = -1;
	for (int m = 0; m < s->n_monitors; m++) {
		const struct mf_monitor *mon = &s->monitors[m];
		/* Expelled people reaching a monitored place pass its point too. */
		for (int e = 0; e < s->n_expulsions; e++)
			if (mon->place >= 0 && s->expulsions[e].to == mon->place)
				r->expel_monitor[s->expulsions[e].from] = (int16_t)m;
		r->monitor_country[m] = (uint8_t)mon->country;
		for (int d = 0; d < MF_DIR_COUNT; d++)
			r->monitor_counts[m * MF_DIR_COUNT + d] = mon->count_direction[d];
		for (int k = 0; k < mon->n_links; k++)
			r->links[mon->links[k]].monitor = (int16_t)m;
	}
}

static enum mf_status create(struct mf_sim *sim, struct mf_error *err)
{
	struct sahel *r = calloc(1, sizeof(*r));
	if (!r)
		return mf_error_set(err, MF_ERR_NOMEM, "out of memory creating the simulation");
	sim->rules_state = r;
	if (alloc_tables(sim, r) < 0 || declare_columns(&sim->store, &r->agents) != 0)
		return mf_error_set(err, MF_ERR_NOMEM, "out of memory creating the simulation");
	init_static(sim, r);
	mf_routing_update(sim);
	/* Nobody to reschedule yet: the initial agents are scheduled as placed. */
	memset(r->reschedule, 0, (size_t)sim->n_places * MF_INTENT_COUNT);
	r->any_reschedule = false;
	return mf_spawn_initial(sim, err);
}

static void destroy(struct mf_sim *sim)
{
	struct sahel *r = sahel_of(sim);
	void *arrays[] = {
		r->remaining_population, r->links, r->leave, r->leave_week, r->stay_end,
		r->hazard_goal, r->hazard_away, r->gap_goal, r->gap_away, r->reschedule,
		r->home_safe, r->country, r->is_destination, r->expel, r->flee, r->expel_to,
		r->expel_retry, r->expel_monitor, r->monitor_country, r->monitor_counts, r->route_cum,
		r->route_dist, r->refuge, r->accept, r->in_offset, r->in_links,
		r->scratch_cost, r->scratch_cost_intent, r->scratch_weight, r->scratch_heap,
		r->scratch_position, r->refuge_n, r->refuge_place, r->refuge_cum, r->presence,
		r->queue, r->onward_extra, r->onward_factor, r->onward, r->onward_leave, r->onward_bound,
	};
	for (size_t i = 0; i < sizeof(arrays) / sizeof(*arrays); i++)
		free(arrays[i]);
	if (r->spawn_rng)
		gsl_rng_free(r->spawn_rng);
	free(r);
	sim->rules_state = NULL;
}

static enum mf_status derive(struct mf_sim *sim, struct mf_error *err)
{
	struct sahel *r = sahel_of(sim);
	if (sim->world.changed || r->queue_dirty)
		mf_routing_update(sim);
	r->queue_dirty = false;
	return MF_OK;
}

/* What the days change beyond the agents and the world: the population
 * not yet displaced and the queue signal of capped links (queue_cost).
 * Everything else is derived from the world. */
static int state_arrays(struct mf_sim *sim, struct mf_state_array *arrays, int max)
{
	if (max < 2)
		return 0;
	arrays[0] = (struct mf_state_array){"remaining_population", MF_STATE_F64,
					    (size_t)sim->n_places, sahel_of(sim)->remaining_population};
	arrays[1] = (struct mf_state_array){"queue", MF_STATE_F64, (size_t)sim->n_links,
					    sahel_of(sim)->queue};
	return 2;
}

static enum mf_status audit(const struct mf_sim *sim, struct mf_error *err);

/* Whether every restored agent is one the step can take: places, links,
 * states and intents in range. */
static enum mf_status agents_in_range(const struct mf_sim *sim, struct mf_error *err)
{
	const struct mf_agents *a = &sahel_of(sim)->agents;
	int P = sim->n_places, L = sim->n_links;
	for (int64_t i = 0; i < sim->store.n; i++) {
		if (a->state[i] >= AGENT_ARRIVED && a->state[i] <= AGENT_LEFT)
			continue; /* out of the model, not yet reclaimed */
		int where = a->state[i] == AGENT_AT_PLACE ? P : a->state[i] == AGENT_ON_LINK ? L : -1;
		if (where < 0 || a->loc[i] >= where || a->goal[i] >= P || a->home[i] >= P ||
		    a->intent[i] >= MF_INTENT_COUNT)
			return mf_error_set(err, MF_ERR_INPUT, "agent %lld is nowhere this world has",
					    (long long)i);
	}
	return MF_OK;
}

/* The tables of the restored world; nobody to reschedule: at the end of a
 * day every agent's next decision is already drawn. */
static enum mf_status restored(struct mf_sim *sim, struct mf_error *err)
{
	struct sahel *r = sahel_of(sim);
	if (agents_in_range(sim, err) != MF_OK || audit(sim, err) != MF_OK)
		return err->code;
	mf_routing_update(sim);
	memset(r->reschedule, 0, (size_t)sim->n_places * MF_INTENT_COUNT);
	r->any_reschedule = false;
	return MF_OK;
}

static enum mf_status audit(const struct mf_sim *sim, struct mf_error *err)
{
	int P = sim->n_places, L = sim->n_links;
	int64_t *present = calloc((size_t)P * MF_INTENT_COUNT + (size_t)L, sizeof(int64_t));
	if (!present)
		return mf_error_set(err, MF_ERR_NOMEM, "out of memory auditing the agents");
	int64_t *transit = present + (size_t)P * MF_INTENT_COUNT;
	const struct mf_agents *a = &sahel_of(sim)->agents;
	enum mf_status status = MF_OK;
	for (int64_t i = 0; i < sim->store.n && status == MF_OK; i++) {
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


const struct mf_rules_impl mf_rules_sahel = {
	.name = "sahel",
	.create = create,
	.destroy = destroy,
	.derive = derive,
	.spawn = mf_phase_spawn,
	.begin_move = mf_sahel_begin_move,
	.move_block = mf_sahel_move_block,
	.end_move = mf_sahel_end_move,
	.block_agents = SAHEL_BLOCK_AGENTS,
	.capacity = mf_phase_capacity,
	.audit = audit,
	.state_arrays = state_arrays,
	.restored = restored,
};
