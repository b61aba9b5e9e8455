/* Derived tables: what the per-agent step reads, rebuilt whenever the world
 * changes (MODEL.md 5, phase 1). Route choice is a logit over next links
 * that bring the agent strictly closer to its goal in generalised cost
 * (days, fare, death risk, insecurity), so routes never cycle. */
#include <math.h>
#include <string.h>

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

/* The largest fall of security below its start-date level at either end
 * of link l, 0 when neither fell. */
static double security_fall(const struct mf_sim *sim, const struct mf_link *link)
{
	const struct mf_place *places = sim->graph->places;
	const double *security = sim->world.security;
	return fmax(0, fmax(places[link->from].security - security[link->from],
			    places[link->to].security - security[link->to]));
}

/* Link state from the world: open or closed, hazards, days (MODEL.md 6,
 * channels 3 and 4), and each link's generalised cost without insecurity.
 * The state's presence (state_retreat) scales interception, the
 * enforcement share of the fare and the capacity cap (step.c); armed
 * groups tax land links and kidnap on desert ones where security is low.
 * A capped link's queue signal adds queue_cost (all 0 by default). */
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
		double presence = fmax(0, 1 - params->state_retreat * security_fall(sim, base));
		r->presence[l] = presence;
		double interception = fmin(w->link_interception[l] * presence, 1 - death_crossing);
		double kidnap = base->mode == MF_MODE_DESERT ? params->kidnap_per_crossing * (1 - worst) : 0;
		kidnap = fmax(0, fmin(kidnap, 1 - death_crossing - interception));
		int days = travel_days(base, params, w->link_speed[l]);
		rt->days = (uint16_t)days;
		rt->death_day = mf_rng_threshold(death_day);
		rt->death_crossing = mf_rng_threshold(death_crossing);
		rt->intercepted_crossing = mf_rng_threshold(death_crossing + interception);
		rt->lost_crossing = mf_rng_threshold(death_crossing + interception + kidnap);
		rt->from = (uint16_t)base->from;
		rt->limited = w->link_capacity[l] > 0 && presence > 0;
		rt->departs_weekday = w->link_departs[l];
		double fare = w->link_fare[l] * (1 - params->enforcement_fare_share * (1 - presence));
		if (base->mode != MF_MODE_SEA)
			fare += params->armed_group_tax_usd * (1 - worst);
		double risk = 1 - pow(1 - death_day, days) + death_crossing + kidnap;
		cost[l] = days + params->cost_per_usd * fare + params->cost_per_death_risk * risk +
			  params->queue_cost * r->queue[l];
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

/* The cost for the displaced at p of choosing refuge q, INFINITY when q is
 * no refuge or out of reach. */
static double refuge_cost(const struct mf_sim *sim, const double *dist, int p, int q)
{
	const struct mf_graph *g = sim->graph;
	const struct mf_parameters *params = &sim->params;
	enum mf_place_kind kind = g->places[q].kind;
	bool shelter = kind == MF_PLACE_CAMP || kind == MF_PLACE_TOWN || kind == MF_PLACE_HUB ||
		       kind == MF_PLACE_ORIGIN;
	double security = sim->world.security[q];
	if (q == p || !shelter || security < params->safe_security)
		return INFINITY;
	double d = dist[(size_t)q * g->n_places + p];
	return isfinite(d) ? d + params->refuge_security_days * (1 - security) : INFINITY;
}

/* Where the displaced from each place head: the cheapest refuge, or at
 * refuge_temperature T > 0 a logit over every refuge, a refuge costing
 * Δ days more chosen exp(-Δ / T) times as often. */
static void update_refuges(struct mf_sim *sim)
{
	struct sahel *r = sahel_of(sim);
	const struct mf_graph *g = sim->graph;
	double temperature = sim->params.refuge_temperature;
	int n = g->n_places;
	const double *dist = r->route_dist + (size_t)MF_INTENT_DISPLACED * n * n;
	double *weight = r->scratch_weight; /* at least P (rules.c) */
	for (int p = 0; p < n; p++) {
		int best = -1;
		double best_cost = INFINITY;
		for (int q = 0; q < n; q++) {
			double c = refuge_cost(sim, dist, p, q);
			if (isfinite(c) && (best < 0 || c < best_cost)) {
				best = q;
				best_cost = c;
			}
		}
		r->refuge[p] = best;
		r->refuge_n[p] = best >= 0;
		if (best < 0 || !(temperature > 0))
			continue;
		size_t row = (size_t)p * n;
		double total = 0;
		int count = 0;
		for (int q = 0; q < n; q++) {
			double c = refuge_cost(sim, dist, p, q);
			if (!isfinite(c))
				continue;
			weight[count] = exp(-(c - best_cost) / temperature);
			total += weight[count];
			r->refuge_place[row + count++] = (uint16_t)q;
		}
		double running = 0;
		for (int k = 0; k < count; k++) {
			running += weight[k];
			r->refuge_cum[row + k] = k == count - 1 ? UINT32_MAX : mf_rng_threshold(running / total);
		}
		r->refuge_n[p] = count;
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
	/* Displaced people at a refuge whose security fell turn onward more
	 * (onward_insecurity_rate); with onward_distress_rate their chances rise
	 * with their days in the model; both times onward_factor of their home's
	 * country (step.c), up to onward_bound. */
	double most_factor = 0;
	bool uniform = params->onward_distress_rate == 0;
	for (int c = 0; c < g->n_countries && c < MF_COUNTRY_MAX; c++) {
		double f = mf_param_onward_factor(params, c);
		r->onward_factor[c] = f;
		most_factor = f > most_factor ? f : most_factor;
		uniform = uniform && f == 1;
	}
	r->onward_uniform = uniform;
	for (int p = 0; p < n; p++) {
		double fall = fmax(0, g->places[p].security - sim->world.security[p]);
		double extra = params->onward_insecurity_rate * fall;
		double onward = params->displaced_onward_per_day + extra;
		double most = params->displaced_onward_per_day +
			      most_factor * (extra + params->onward_distress_rate);
		if (uniform)
			most = onward;
		r->onward_extra[p] = extra;
		r->onward[p] = mf_rng_threshold(onward);
		r->onward_leave[p] = mf_rng_threshold(onward + params->displaced_return_per_day);
		uint32_t a = mf_rng_threshold(most), b = mf_rng_threshold(most + params->displaced_return_per_day);
		r->onward_bound[p] = a > b ? a : b;
	}
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
	double *cost = r->scratch_cost;
	update_links(sim, cost);
	for (int i = 0; i < MF_INTENT_COUNT; i++) {
		double *cost_intent = r->scratch_cost_intent + (size_t)i * n_links;
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
		/* Intents with the same link costs (all but the displaced, whose
		 * insecurity weighs more) have the same tables: copied, not
		 * computed again. */
		int same = -1;
		for (int j = 0; j < i && same < 0; j++)
			if (!memcmp(r->scratch_cost_intent + (size_t)j * n_links, cost_intent,
				    (size_t)n_links * sizeof(double)))
				same = j;
		if (same >= 0) {
			memcpy(r->route_dist + (size_t)i * n * n, r->route_dist + (size_t)same * n * n,
			       (size_t)n * n * sizeof(*r->route_dist));
			memcpy(r->route_cum + (size_t)i * n * n_links,
			       r->route_cum + (size_t)same * n * n_links,
			       (size_t)n * n_links * sizeof(*r->route_cum));
			continue;
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
