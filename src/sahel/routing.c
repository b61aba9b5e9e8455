/* Derived tables: what the per-agent step reads, rebuilt whenever the world
 * changes (MODEL.md 5, phase 1). Route choice is a logit over next links
 * that bring the agent strictly closer to its goal in generalised cost
 * (days, fare, death risk, insecurity), so routes never cycle. */
#include <math.h>

#include "migflow/rng.h"
#include "sahel.h"

static int travel_days(const struct mf_link *link, const struct mf_parameters *params, double speed)
{
	double days = link->travel_days > 0 ? link->travel_days
					    : link->distance_km / params->speed_km_per_day[link->mode];
	int whole = (int)ceil(days / speed - 1e-9);
	return whole < 1 ? 1 : whole > 365 ? 365 : whole;
}

static double clamp01(double p)
{
	return p < 0 ? 0 : p > 1 ? 1 : p;
}

/* Link state from the world: open or closed, hazards, days (MODEL.md 6,
 * channels 3 and 4), and each link's generalised cost without insecurity. */
static void update_links(struct mf_sim *sim, double *cost)
{
	struct sahel *r = sahel_of(sim);
	const struct mf_graph *g = sim->graph;
	const struct mf_parameters *params = &sim->params;
	const double *security = sim->world.security;
	const struct world *w = &sim->world;
	for (int l = 0; l < g->n_links; l++) {
		const struct mf_link *base = &g->links[l];
		struct link_rt *rt = &r->links[l];
		double worst = fmin(security[base->from], security[base->to]);
		rt->open = w->link_open_event[l] && worst >= params->closure_security;
		double death_day = clamp01(w->link_death_day[l] + params->insecurity_hazard * (1 - worst));
		double death_crossing = w->link_death_crossing[l];
		double interception = fmin(w->link_interception[l], 1 - death_crossing);
		int days = travel_days(base, params, w->link_speed[l]);
		rt->days = (uint16_t)days;
		rt->death_day = mf_rng_threshold(death_day);
		rt->death_crossing = mf_rng_threshold(death_crossing);
		rt->lost_crossing = mf_rng_threshold(death_crossing + interception);
		rt->limited = w->link_capacity[l] > 0;
		rt->departs_weekday = w->link_departs[l];
		double risk = 1 - pow(1 - death_day, days) + death_crossing;
		cost[l] = days + params->cost_per_usd * w->link_fare[l] + params->cost_per_death_risk * risk;
	}
}

/* Dijkstra towards goal over the reversed graph with a binary heap. */
static void distances_to(const struct mf_sim *sim, const double *cost, int goal,
			 double *dist, int *heap, int *position)
{
	struct sahel *r = sahel_of(sim);
	const struct mf_graph *g = sim->graph;
	int n = g->n_places, size = 0;
	for (int p = 0; p < n; p++) {
		dist[p] = INFINITY;
		position[p] = -1;
	}
	dist[goal] = 0;
	heap[size] = goal;
	position[goal] = size++;
	while (size) {
		int p = heap[0];
		position[p] = -2;
		heap[0] = heap[--size];
		if (size) {
			position[heap[0]] = 0;
			for (int i = 0;;) { /* sift down */
				int child = 2 * i + 1, best = i;
				if (child < size && dist[heap[child]] < dist[heap[best]])
					best = child;
				if (child + 1 < size && dist[heap[child + 1]] < dist[heap[best]])
					best = child + 1;
				if (best == i)
					break;
				int swap = heap[i];
				heap[i] = heap[best];
				heap[best] = swap;
				position[heap[i]] = i;
				position[heap[best]] = best;
				i = best;
			}
		}
		/* Relax the links that end at p. */
		for (int k = r->in_offset[p]; k < r->in_offset[p + 1]; k++) {
			int l = r->in_links[k];
			if (!r->links[l].open)
				continue;
			int q = g->links[l].from;
			if (position[q] == -2)
				continue;
			double d = dist[p] + cost[l];
			if (d >= dist[q])
				continue;
			dist[q] = d;
			int i = position[q];
			if (i < 0) {
				i = size++;
				heap[i] = q;
			}
			while (i > 0) { /* sift up */
				int parent = (i - 1) / 2;
				if (dist[heap[parent]] <= dist[q])
					break;
				heap[i] = heap[parent];
				position[heap[i]] = i;
				i = parent;
			}
			heap[i] = q;
			position[q] = i;
		}
	}
}

/* Cumulative thresholds over the out-links of every place towards goal. */
static void route_weights(struct mf_sim *sim, const double *cost, const double *dist,
			  double temperature, uint32_t *cum)
{
	struct sahel *r = sahel_of(sim);
	const struct mf_graph *g = sim->graph;
	double *weight = r->scratch_weight;
	for (int p = 0; p < g->n_places; p++) {
		int first = g->out_offset[p], last = g->out_offset[p + 1];
		double total = 0;
		for (int k = first; k < last; k++) {
			int l = g->out_links[k], q = g->links[l].to;
			double w = 0;
			if (r->links[l].open && isfinite(dist[q]) && dist[q] < dist[p])
				w = exp(-(cost[l] + dist[q] - dist[p]) / temperature);
			weight[k - first] = w;
			total += w;
		}
		double running = 0;
		int last_used = -1;
		for (int k = first; k < last; k++) {
			running += weight[k - first];
			cum[k] = total > 0 ? mf_rng_threshold(running / total) : 0;
			if (weight[k - first] > 0)
				last_used = k;
		}
		if (last_used >= 0)
			for (int k = last_used; k < last; k++)
				cum[k] = UINT32_MAX;
	}
}

static void update_refuges(struct mf_sim *sim)
{
	struct sahel *r = sahel_of(sim);
	const struct mf_graph *g = sim->graph;
	const struct mf_parameters *params = &sim->params;
	int n = g->n_places;
	const double *dist = r->route_dist + (size_t)MF_INTENT_DISPLACED * n * n;
	for (int p = 0; p < n; p++) {
		int best = -1;
		for (int q = 0; q < n; q++) {
			enum mf_place_kind kind = g->places[q].kind;
			bool shelter = kind == MF_PLACE_CAMP || kind == MF_PLACE_TOWN ||
				       kind == MF_PLACE_HUB || kind == MF_PLACE_ORIGIN;
			if (q == p || !shelter || sim->world.security[q] < params->safe_security)
				continue;
			double d = dist[(size_t)q * n + p];
			if (isfinite(d) && (best < 0 || d < dist[(size_t)best * n + p]))
				best = q;
		}
		r->refuge[p] = best;
	}
}

static void update_thresholds(struct mf_sim *sim)
{
	struct sahel *r = sahel_of(sim);
	const struct mf_graph *g = sim->graph;
	const struct mf_parameters *params = &sim->params;
	int n = g->n_places;
	for (int p = 0; p < n; p++) {
		for (int i = 0; i < MF_INTENT_COUNT; i++) {
			double leave = 1 / (1 + params->wait_days[g->places[p].kind][i]);
			r->leave[i * n + p] = mf_rng_threshold(leave);
			r->leave_week[i * n + p] = mf_rng_threshold(1 - pow(1 - leave, 7));
		}
		double stay = params->stay_days_by_country[g->places[p].country_index];
		r->stay_end[p] = mf_rng_threshold(1 / (1 + stay));
		r->home_safe[p] = sim->world.security[p] >= params->safe_security;
	}
	r->displaced_onward = mf_rng_threshold(params->displaced_onward_per_day);
	r->displaced_return = mf_rng_threshold(params->displaced_onward_per_day +
						 params->displaced_return_per_day);
	r->retry_interception = mf_rng_threshold(params->retry_after_interception);
	for (int p = 0; p < n; p++) {
		/* People living at a place whose security fell flee like its
		 * residents (security channel 1): displacement_rate times the fall
		 * below the starting level, each day, if a refuge is reachable. */
		double fall = g->places[p].security - sim->world.security[p];
		double flight = fall > 0 && r->refuge[p] >= 0 ? params->displacement_rate * fall : 0;
		uint32_t extra = flight > 0 ? mf_rng_threshold(flight) : 0;
		r->flee[p] = extra > UINT32_MAX - r->expel[p] ? UINT32_MAX : r->expel[p] + extra;
		bool convoy = false;
		for (int k = g->out_offset[p]; k < g->out_offset[p + 1]; k++)
			convoy = convoy || r->links[g->out_links[k]].departs_weekday >= 0;
		for (int k = 0; k < MF_INTENT_COUNT; k++) {
			int slot = p * MF_INTENT_COUNT + k;
			uint32_t goal, away;
			mf_sahel_decision_bounds(r, n, p, k, convoy, &goal, &away);
			if (goal != r->hazard_goal[slot] || away != r->hazard_away[slot]) {
				r->reschedule[slot] = 1;
				r->any_reschedule = true;
			}
			r->hazard_goal[slot] = goal;
			r->hazard_away[slot] = away;
			r->gap_goal[slot] = goal ? 1 / log1p(-(double)goal * 0x1.0p-32) : 0;
			r->gap_away[slot] = away ? 1 / log1p(-(double)away * 0x1.0p-32) : 0;
		}
	}
}

void mf_routing_update(struct mf_sim *sim)
{
	struct sahel *r = sahel_of(sim);
	const struct mf_graph *g = sim->graph;
	const struct mf_parameters *params = &sim->params;
	int n = g->n_places, n_links = g->n_links;
	double *cost = r->scratch_cost, *cost_intent = r->scratch_cost_intent;
	update_links(sim, cost);
	for (int i = 0; i < MF_INTENT_COUNT; i++) {
		double insecurity = params->insecurity_cost *
				    (i == MF_INTENT_DISPLACED ? params->displaced_insecurity_factor : 1);
		/* Insecurity is charged per day spent on insecure ground, so that a
		 * route does not cost more for being drawn with more places. */
		for (int l = 0; l < n_links; l++) {
			const struct mf_link *link = &g->links[l];
			double ground = 1 - 0.5 * (sim->world.security[link->from] +
						   sim->world.security[link->to]);
			cost_intent[l] = cost[l] + insecurity * r->links[l].days * ground;
		}
		for (int goal = 0; goal < n; goal++) {
			double *dist = r->route_dist + ((size_t)i * n + goal) * n;
			distances_to(sim, cost_intent, goal, dist, r->scratch_heap,
				     r->scratch_position);
			route_weights(sim, cost_intent, dist, params->route_temperature,
				      r->route_cum + ((size_t)i * n + goal) * n_links);
		}
	}
	update_refuges(sim);
	update_thresholds(sim);
}
