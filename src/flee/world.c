/* The world of a FLEE day: the network, the locations' state (conflicts,
 * camps, closures) and the tables the agent step reads, computed once a
 * day per location, link and path. */
#include <math.h>
#include <string.h>

#include "flee.h"

void mf_flee_init_network(struct flee *f)
{
	const struct mf_flee_instance *inst = f->inst;
	const struct mf_flee_settings *s = f->s;
	for (int r = 0; r < inst->n_routes; r++) {
		const struct mf_flee_route *route = &inst->routes[r];
		for (int dir = 0; dir < 2; dir++) {
			int l = 2 * r + dir;
			f->link_from[l] = dir ? route->b : route->a;
			f->link_to[l] = dir ? route->a : route->b;
			f->link_km[l] = route->distance_km;
			struct link_rt *rt = &f->link_rt[l];
			rt->walk = mf_flee_threshold(route->walk_probability);
			rt->km = (float)route->distance_km;
			rt->speed = (float)(route->max_move_speed > 0 ? route->max_move_speed : s->max_move_speed);
			rt->plain = rt->walk || s->start_on_foot ? 0 : rt->speed;
			rt->from = f->link_from[l];
			rt->to = f->link_to[l];
			f->out_first[f->link_from[l] + 1]++;
		}
	}
	for (int p = 0; p < f->P; p++)
		f->out_first[p + 1] += f->out_first[p];
	int *fill = f->conflict_since; /* scratch until init_locations */
	for (int l = 0; l < f->L; l++)
		f->out_links[f->out_first[f->link_from[l]] + fill[f->link_from[l]]++] = l;
	memset(fill, 0, (size_t)f->P * sizeof(int));
}

/* Day-0 state of the locations, as FLEE's Location constructor leaves it. */
void mf_flee_init_locations(struct flee *f)
{
	const struct mf_flee_settings *s = f->s;
	for (int p = 0; p < f->P; p++) {
		const struct mf_flee_location *loc = &f->inst->locations[p];
		bool starts_conflict = loc->type == MF_FLEE_CONFLICT && loc->conflict_date <= 0;
		f->camp[p] = loc->camp;
		f->idpcamp[p] = loc->type == MF_FLEE_IDP_CAMP;
		f->town[p] = !loc->camp && (loc->type == MF_FLEE_TOWN ||
					       (loc->type == MF_FLEE_CONFLICT && !starts_conflict));
		f->conflict[p] = starts_conflict ? loc->conflict_intensity : -1;
		f->conflict_since[p] = -1;
		switch (loc->type) {
		case MF_FLEE_CAMP: f->movechance[p] = s->camp_movechance; break;
		case MF_FLEE_IDP_CAMP: f->movechance[p] = s->idpcamp_movechance; break;
		case MF_FLEE_CONFLICT:
			f->movechance[p] = starts_conflict ? s->conflict_movechance : s->default_movechance;
			break;
		case MF_FLEE_FORWARD:
		case MF_FLEE_MARKER: f->movechance[p] = 1; break;
		default: f->movechance[p] = s->default_movechance; break;
		}
		f->capacity[p] = loc->capacity;
		f->population[p] = loc->population;
	}
}

static void add_conflict(struct flee *f, int p, double intensity)
{
	f->movechance[p] = f->s->conflict_movechance;
	f->conflict[p] = intensity;
	f->town[p] = false;
	f->conflict_since[p] = f->day;
}

static void remove_conflict(struct flee *f, int p)
{
	f->movechance[p] = f->s->default_movechance;
	f->conflict[p] = -1;
	f->town[p] = true;
}

void mf_flee_conflicts(struct flee *f)
{
	const struct mf_flee_instance *inst = f->inst;
	int t = f->day;
	if (!inst->has_conflicts) {
		for (int p = 0; p < f->P; p++)
			if (inst->locations[p].type == MF_FLEE_CONFLICT && inst->locations[p].conflict_date == t)
				add_conflict(f, p, inst->locations[p].conflict_intensity);
		return;
	}
	int n = inst->n_conflict_columns;
	const double *today = inst->conflict_value + (size_t)t * (size_t)n;
	const double *yesterday = t > 0 ? today - n : NULL;
	for (int c = 0; c < n; c++) {
		int p = inst->conflict_location[c];
		bool on = today[c] > 1e-6, was_on = yesterday && yesterday[c] > 1e-6;
		if (on && !was_on)
			add_conflict(f, p, today[c]);
		else if (!on && was_on)
			remove_conflict(f, p);
	}
}

static void close_camp(struct flee *f, int p, int change)
{
	f->camp_closed[p] += change;
	if (change > 0 && f->camp_closed[p] == 1) {
		f->movechance[p] = f->s->default_movechance;
		f->camp[p] = f->idpcamp[p] = false;
		f->conflict[p] = -1;
		f->town[p] = true;
	} else if (change < 0 && f->camp_closed[p] == 0) {
		bool idp = f->inst->locations[p].type == MF_FLEE_IDP_CAMP;
		f->movechance[p] = idp ? f->s->idpcamp_movechance : f->s->camp_movechance;
		f->camp[p] = true;
		f->idpcamp[p] = idp;
		f->conflict[p] = -1;
		f->town[p] = false;
	}
}

static void apply_closure(struct flee *f, const struct mf_flee_closure *c, int change)
{
	const struct mf_flee_instance *inst = f->inst;
	for (int l = 0; l < f->L; l++) {
		int from = f->link_from[l], to = f->link_to[l];
		bool hit = false;
		switch (c->type) {
		case MF_FLEE_CLOSE_COUNTRY: {
			int cf = inst->locations[from].country_index, ct = inst->locations[to].country_index;
			hit = (cf == c->a && ct == c->b) || (cf == c->b && ct == c->a);
			break;
		}
		case MF_FLEE_CLOSE_LOCATION: hit = from == c->a || to == c->a; break;
		case MF_FLEE_CLOSE_LINK:
			hit = (from == c->a && to == c->b) || (from == c->b && to == c->a);
			break;
		default: break;
		}
		if (hit)
			f->closed[l] += change;
	}
	if (c->type == MF_FLEE_CLOSE_CAMP || c->type == MF_FLEE_CLOSE_IDP_CAMP)
		close_camp(f, c->a, change);
}

void mf_flee_closures(struct flee *f)
{
	for (int i = 0; i < f->inst->n_closures; i++) {
		const struct mf_flee_closure *c = &f->inst->closures[i];
		if (c->start == f->day && !f->closure_active[i]) {
			f->closure_active[i] = 1;
			apply_closure(f, c, +1);
		}
		if (c->end == f->day && f->closure_active[i]) {
			f->closure_active[i] = 0;
			apply_closure(f, c, -1);
		}
	}
	for (int l = 0; l < f->L; l++)
		f->link_rt[l].open = f->link_open[l] = f->closed[l] == 0 && f->link_open_event[l];
}

static double capacity_multiplier(const struct flee *f, int p)
{
	double cap = f->capacity[p] * f->s->capacity_scaling;
	double occupied = (double)flee_agents_at(f, p), buffer = f->s->capacity_buffer;
	if (cap < 1 || occupied <= buffer * cap)
		return 1;
	if (occupied >= cap)
		return 0;
	return 1 - (occupied - buffer * cap) / (cap * (1 - buffer));
}

/* Score, capacity multiplier and move chance of each location. */
void mf_flee_location_tables(struct flee *f)
{
	const struct mf_flee_settings *s = f->s;
	const struct mf_flee_instance *inst = f->inst;
	for (int p = 0; p < f->P; p++) {
		f->capacity[p] += inst->locations[p].capacity_per_day;
		double score = 1;
		if (inst->locations[p].foreign)
			score *= s->foreign_weight;
		if (f->camp[p] || f->idpcamp[p])
			score *= s->camp_weight;
		if (f->conflict[p] > 0)
			score *= pow(s->conflict_weight,
				     mf_flee_conflict_decay(s, f->day - f->conflict_since[p]) * f->conflict[p]);
		f->score[p] = score;
		f->capmult[p] = capacity_multiplier(f, p);
		f->full_camp[p] = f->camp[p] && f->capmult[p] < 0.5;
		double chance = f->movechance[p];
		if (s->movechance_pop_scale_factor != 0) {
			double size = fmax(f->population[p], f->capacity[p]);
			chance *= pow(size / s->movechance_pop_base, s->movechance_pop_scale_factor);
		}
		double sink = s->camps_are_sinks && f->camp[p] ? inst->locations[p].deactivation_probability
								 : 0;
		f->loc_rt[p].move = mf_flee_threshold(chance);
		f->loc_rt[p].sink = mf_flee_threshold(sink);
		f->loc_rt[p].force_ok = f->town[p];
	}
}

/* For every location, the cumulative weights of its candidate routes, as
 * thresholds on 32 random bits. */
void mf_flee_route_tables(struct flee *f)
{
	const struct mf_flee_settings *s = f->s;
	const struct paths *paths = &f->paths;
	for (int p = 0; p < f->P; p++) {
		double best = 0;
		int candidates = 0;
		for (int k = paths->first[p]; k < paths->first[p + 1]; k++) {
			bool open = true;
			for (int j = paths->link_offset[k]; j < paths->link_offset[k + 1]; j++)
				open &= f->link_open[paths->links[j]] != 0;
			double w = -1; /* not a candidate */
			if (open) {
				int end = paths->end[k];
				if (s->awareness_level == 0) {
					w = 1;
				} else {
					double spread = s->softening + paths->km[k];
					w = (s->weight_softening + f->score[end]) /
					    (s->distance_power == 1 ? spread : pow(spread, s->distance_power)) *
					    f->capmult[end];
					if (s->weight_power != 1)
						w = pow(w, s->weight_power);
				}
				candidates++;
				if (w > best)
					best = w;
			}
			f->path_cum[k] = w;
		}
		/* Pruning, then cumulative weights; all candidates weightless:
		 * an equal chance each (FLEE's normalizeWeights). */
		double cut = s->pruning_threshold > 1 ? best / s->pruning_threshold : 0;
		double total = 0;
		for (int k = paths->first[p]; k < paths->first[p + 1]; k++) {
			double w = f->path_cum[k];
			if (w >= 0 && w < cut)
				w = 0;
			if (best <= 0 && w >= 0)
				w = 1;
			total += w > 0 ? w : 0;
			f->path_cum[k] = total;
		}
		/* Path k is taken when pick[k-1] <= u < pick[k]; the last one
		 * with a chance ends at 2^32 so that some path is always taken. */
		f->can_leave[p] = candidates > 0 && total > 0;
		int last = -1;
		for (int k = paths->first[p]; k < paths->first[p + 1]; k++) {
			double before = k > paths->first[p] ? f->path_cum[k - 1] : 0;
			if (f->path_cum[k] > before)
				last = k;
		}
		int n_paths = paths->first[p + 1] - paths->first[p];
		for (int k = paths->first[p]; k < paths->first[p + 1]; k++) {
			f->path_pick[k] = !f->can_leave[p] || k >= last
						    ? CERTAIN
						    : (uint64_t)ldexp(f->path_cum[k] / total, 32);
			f->path_rt[k].blocked = f->full_camp[paths->end[k]];
		}
		for (int j = 0; j < PICK_STRIDE; j++)
			f->pick_row[(size_t)p * PICK_STRIDE + j] =
				j < n_paths - 1 ? f->path_pick[paths->first[p] + j] : CERTAIN;
		struct loc_rt *rt = &f->loc_rt[p];
		rt->first_path = paths->first[p];
		rt->n_paths = n_paths;
		rt->can_leave = f->can_leave[p];
		rt->narrow = n_paths <= PICK_STRIDE;
	}
}

/* Which codes the first pass may settle: an agent at a location without a
 * route stays when its draw is at or above the move threshold (unless the
 * location is a sink: those need a second draw); removed agents always
 * stay; agents on links or with a route always go to the full step. */
void mf_flee_stay_table(struct flee *f)
{
	int P = f->P;
	for (int p = 0; p < P; p++) {
		const struct loc_rt *rt = &f->loc_rt[p];
		f->stay[p] = rt->sink ? CERTAIN : rt->move;
		f->stay[P + 1 + f->L + p] = CERTAIN;
	}
	f->stay[P] = 0;
	for (int l = 0; l < f->L; l++)
		f->stay[P + 1 + l] = CERTAIN;
}
