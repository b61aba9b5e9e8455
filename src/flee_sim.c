/* The FLEE rule set: a day of a FLEE instance (FLEE.md, "Daily loop").
 *
 *   1. conflicts.csv for the day (conflict zones appear and disappear)
 *   2. data-driven spawning at conflict zones
 *   3. closures that start or end on the day
 *   4. location scores, capacity multipliers and, per location, the weights
 *      of every candidate route (once a day, not per agent)
 *   5. every agent: decide to move, pick a route, travel along links up to
 *      the day's distance, possibly several hops (in parallel)
 *   6. per-thread counts summed into the day's counts
 *
 * Agents are a structure of arrays. A random draw is a pure function of
 * (seed, replicate, day, stream, agent, draw number), route weights and
 * capacity multipliers are computed from counts at the start of the day,
 * and counters are per-thread integers summed once a day: results are the
 * same for any number of threads. The per-agent loop allocates nothing,
 * takes no lock and does no I/O.
 *
 * Where an agent is, and in what state, is one integer, its code:
 *
 *   [0, P)                at location p, no route to follow
 *   P                     removed (camps_are_sinks): a location nobody leaves
 *   [P+1, P+1+L)          on link l
 *   [P+1+L, P+1+L+P)      at location p with the rest of a route to follow
 *
 * so that the first pass over all agents reads one array: a table indexed
 * by code says which agents surely stay where they are today. */
#include "migflow/flee.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <omp.h>

#include "migflow/date.h"
#include "migflow/rng.h"

/* STREAM_STAY: one draw per pair of agents (2j, 2j+1) and day, its low and
 * high 32 bits each agent's chance to leave; STREAM_MOVE: the agent's other
 * draws of the day (route choices, walking, sinks); STREAM_SPAWN: where a
 * new agent starts. */
enum { STREAM_MOVE = 0, STREAM_SPAWN = 1, STREAM_STAY = 2 };
enum { FLAG_TRAVELLED = 1 };

/* Hops one agent may make in a day. FLEE has no bound (a chain of links of
 * length 0 would recurse forever); with distances > 0 the budget rule ends
 * a day long before this. Keeps draw numbers below 256. */
#define HOPS_MAX 100
#define PATH_LINKS_MAX (1L << 26)
#define CERTAIN ((uint64_t)1 << 32)
#define GAMMA UINT64_C(0x9e3779b97f4a7c15) /* mf_rng_bits' counter multiplier */
#define CHUNK 4096                         /* agents per chunk of the first pass */
/* Occupancy has this many copies per thread, used in turn by consecutive
 * agents, so that agents at the same place do not wait on each other's
 * increments. */
#define LANES 4
/* Route choice thresholds of a location with at most this many paths are
 * kept in a fixed-size row, so that choosing needs no loop. */
#define PICK_STRIDE 8
/* Agents per thread when the number of threads is left to the simulation. */
#define AGENTS_PER_THREAD 250000

/* What only the full step reads, kept together: one cache line holds four
 * agents' worth, and an agent's is one access. */
struct agent_rest {
	int32_t route;       /* path being followed, -1 none */
	float progress;      /* km along the current link */
	float recent;        /* recent_travel_distance (avoid_short_stints) */
	uint8_t hop;         /* next link of the route */
	uint8_t flags;
};

struct agents {
	int64_t n, capacity;
	int32_t *where;      /* code, see above: all the first pass reads */
	struct agent_rest *rest;
};

/* Candidate routes, enumerated once from every location over the whole
 * network (awareness_level hops, markers not counted, no revisits); on a
 * day a path is a candidate when all its links are open. */
struct paths {
	int n;
	int *first;          /* [location + 1] paths of origin p: first[p] .. first[p+1] */
	int *link_offset;    /* [path + 1] into links */
	int *links;
	int *end;            /* [path] destination */
	double *km;          /* [path] length */
};

/* Per-thread counters, in agents, each block whole cache lines. */
struct counters {
	int64_t *base;
	size_t n_values;
	int64_t *occupancy;  /* [lane * codes + code] */
	int64_t *in_transit, *link_flow, *arrivals;
	int64_t removed;
	int32_t *slow;       /* agents left for the full step today */
};

/* What the full step reads, packed so that one location, one link or one
 * path is one load; filled once a day. */
struct loc_rt {
	uint64_t move;        /* threshold on 32 bits to leave (no route) */
	uint64_t sink;        /* threshold to be deactivated (camps_are_sinks) */
	int32_t first_path, n_paths;
	uint8_t force_ok;     /* a town: avoid_short_stints may force a move */
	uint8_t can_leave;    /* a route with a chance today */
	uint8_t narrow;       /* at most PICK_STRIDE paths: pick_row holds them */
};

struct link_rt {
	uint64_t walk;        /* threshold: the day on the link is walked */
	float km, speed;
	float plain;          /* speed when the day needs no draw, else 0 */
	int32_t from, to;
	uint8_t open;
};

struct path_rt {
	int32_t first_link, offset; /* offset into paths.links */
	uint8_t n_links;
	uint8_t blocked;      /* destination a camp at under half its chance today */
};

/* Computes the pair draws of the first pass (see settle). */
typedef void pair_draws_fn(uint64_t stay_base, int64_t first, int n, uint64_t *out);
static pair_draws_fn *best_pair_draws(void);

struct mf_flee_sim {
	const struct mf_flee_instance *inst;
	const struct mf_flee_settings *s;
	int P, L, codes;     /* locations, directed links, agent codes */
	int day, days_total, threads;
	uint64_t key;
	pair_draws_fn *pair_draws;
	/* Static network. */
	int *link_from, *link_to, *out_first, *out_links;
	double *link_km;
	struct paths paths;
	/* Dynamic state of locations (FLEE's flags) and links. */
	uint8_t *camp, *idpcamp, *town;
	double *conflict;    /* intensity, <= 0 none */
	int *conflict_since; /* day the conflict (re)started, FLEE's time_of_conflict */
	double *movechance, *capacity, *population;
	int *closed;         /* [link] closures in force */
	int *camp_closed;    /* [location] camp closures in force */
	uint8_t *closure_active;
	uint8_t *link_open, *full_camp, *can_leave;
	double *score, *capmult, *path_cum, *spawn_weight;
	/* Tables of the day, read by the agent step. */
	uint64_t *stay;       /* [code] the first pass keeps an agent with this
	                       * code where it is when its draw is at least this */
	struct loc_rt *loc_rt;
	struct link_rt *link_rt;
	struct path_rt *path_rt;
	uint64_t *path_pick;  /* [path] cumulative choice thresholds out of 2^32 */
	uint64_t *pick_row;   /* [location * PICK_STRIDE + j] the same, padded */
	/* Agents and counts. */
	struct agents a;
	int64_t *new_agents;  /* [day] spawn plan */
	int64_t initial_agents, created, alive;
	uint64_t agent_steps;
	int64_t *agents_at;   /* [location] end of the day just stepped */
	int64_t *occupancy_now; /* [location] start of the day (after spawning) */
	int64_t *spawned_today; /* [location] agents */
	struct counters *counters;
	struct mf_day_counts today;
};

/* ---- spawn plan ---- */

enum mf_status mf_flee_spawn_plan(const struct mf_flee_instance *inst, int days, int64_t *new_agents,
				  int64_t *initial, struct mf_error *err)
{
	const struct mf_flee_settings *s = &inst->settings;
	int64_t placed = 0;
	if (!s->empty_camps_on_day0)
		for (int c = 0; c < inst->n_camps; c++) {
			if (inst->camp_location[c] < 0)
				continue; /* a data row naming no camp: nowhere to place */
			if (s->insert_day0)
				placed += mf_flee_camp_data(inst, c, 0);
			placed += inst->locations[inst->camp_location[c]].initial_idps;
		}
	if (placed < 0)
		return mf_error_set(err, MF_ERR_INPUT, "negative day-0 camp population in the data");
	*initial = placed;
	/* The data total on a day, whose increase is spawned (FLEE's
	 * get_daily_difference); decreases are carried as a debt. */
	int64_t previous = 0, debt = 0;
	for (int t = 0; t < days; t++) {
		int64_t total = 0;
		if (s->sum_from_camps) {
			for (int c = 0; c < inst->n_camps; c++)
				total += mf_flee_camp_data(inst, c, t);
		} else {
			total = mf_flee_series_value(&inst->total, t);
			if (s->empty_camps_on_day0)
				total -= mf_flee_series_value(&inst->total, 0);
		}
		int64_t add = (t == 0 ? total : total - previous) - debt;
		previous = total;
		if (t == 0 && s->insert_day0)
			add = 0;
		if (add < 0) {
			debt = -add;
			add = 0;
		} else {
			debt = 0;
		}
		new_agents[t] = add;
	}
	return MF_OK;
}

/* ---- helpers ---- */

static uint64_t threshold(double p)
{
	if (!(p > 0))
		return 0;
	if (p >= 1)
		return CERTAIN;
	return (uint64_t)ldexp(p, 32);
}

static void *zeroed(size_t count, size_t size)
{
	return calloc(count ? count : 1, size);
}

#define ALLOC(ptr, count) ((ptr) = zeroed((size_t)(count), sizeof(*(ptr))))

static double conflict_decay(const struct mf_flee_settings *s, int since)
{
	if (s->n_conflict_spawn_decay == 0)
		return 1;
	int i = since < 0 ? 0 : since / s->conflict_spawn_decay_interval;
	if (i > s->n_conflict_spawn_decay - 1)
		i = s->n_conflict_spawn_decay - 1;
	return s->conflict_spawn_decay[i];
}

/* ---- paths ---- */

struct path_builder {
	struct mf_flee_sim *sim;
	int capacity, links_capacity, n_links;
	int stack[16], visited[18];
	int depth, n_visited;
	enum mf_status status;
};

static void add_path(struct path_builder *b, double km)
{
	struct paths *p = &b->sim->paths;
	if (b->status != MF_OK)
		return;
	if (p->n + 1 >= b->capacity) {
		int capacity = b->capacity ? 2 * b->capacity : 1024;
		int *offset = realloc(p->link_offset, (size_t)(capacity + 1) * sizeof(int));
		if (offset)
			p->link_offset = offset;
		int *end = realloc(p->end, (size_t)capacity * sizeof(int));
		if (end)
			p->end = end;
		double *lengths = realloc(p->km, (size_t)capacity * sizeof(double));
		if (lengths)
			p->km = lengths;
		if (!offset || !end || !lengths) {
			b->status = MF_ERR_NOMEM;
			return;
		}
		b->capacity = capacity;
	}
	if (b->n_links + b->depth > b->links_capacity) {
		if ((long)b->n_links + b->depth > PATH_LINKS_MAX) {
			b->status = MF_ERR_INPUT;
			return;
		}
		int capacity = b->links_capacity ? 2 * b->links_capacity : 4096;
		int *links = realloc(p->links, (size_t)capacity * sizeof(int));
		if (!links) {
			b->status = MF_ERR_NOMEM;
			return;
		}
		p->links = links;
		b->links_capacity = capacity;
	}
	p->link_offset[p->n] = b->n_links;
	for (int k = 0; k < b->depth; k++)
		p->links[b->n_links++] = b->stack[k];
	p->link_offset[p->n + 1] = b->n_links;
	p->end[p->n] = b->sim->link_to[b->stack[b->depth - 1]];
	p->km[p->n] = km;
	p->n++;
}

/* FLEE's recursive route enumeration: link l taken at hop `step` after
 * prior km; visited holds the origin and the locations passed. */
static void enumerate(struct path_builder *b, int l, double prior, int step)
{
	struct mf_flee_sim *sim = b->sim;
	if (b->status != MF_OK || b->depth >= (int)(sizeof(b->stack) / sizeof(int)))
		return;
	int end = sim->link_to[l];
	b->stack[b->depth++] = l;
	double km = prior + sim->link_km[l];
	if (sim->inst->locations[end].type != MF_FLEE_MARKER)
		add_path(b, km);
	else
		step--; /* markers are not a hop */
	if (sim->s->awareness_level > step && b->n_visited < (int)(sizeof(b->visited) / sizeof(int))) {
		b->visited[b->n_visited++] = end;
		for (int k = sim->out_first[end]; k < sim->out_first[end + 1]; k++) {
			int l2 = sim->out_links[k];
			bool seen = false;
			for (int v = 0; v < b->n_visited - 1; v++)
				seen |= b->visited[v] == sim->link_to[l2];
			if (!seen)
				enumerate(b, l2, km, step + 1);
		}
		b->n_visited--;
	}
	b->depth--;
}

static enum mf_status build_paths(struct mf_flee_sim *sim, struct mf_error *err)
{
	struct paths *p = &sim->paths;
	struct path_builder b = {.sim = sim, .status = MF_OK};
	if (!ALLOC(p->first, sim->P + 1))
		return mf_error_set(err, MF_ERR_NOMEM, "out of memory enumerating routes");
	for (int origin = 0; origin < sim->P; origin++) {
		p->first[origin] = p->n;
		for (int k = sim->out_first[origin]; k < sim->out_first[origin + 1]; k++) {
			b.visited[0] = origin;
			b.n_visited = 1;
			b.depth = 0;
			if (sim->s->awareness_level == 0) {
				/* Meant in FLEE as a uniform choice of link (its code
				 * returns an index and agents never move). */
				b.stack[0] = sim->out_links[k];
				b.depth = 1;
				add_path(&b, sim->link_km[sim->out_links[k]]);
				b.depth = 0;
			} else {
				enumerate(&b, sim->out_links[k], 0, 1);
			}
		}
	}
	p->first[sim->P] = p->n;
	if (b.status == MF_ERR_INPUT)
		return mf_error_set(err, MF_ERR_INPUT,
				    "awareness_level %d gives more than %ld route links on this network",
				    sim->s->awareness_level, PATH_LINKS_MAX);
	if (b.status != MF_OK || !ALLOC(sim->path_cum, p->n) || !ALLOC(sim->path_pick, p->n) ||
	    !ALLOC(sim->path_rt, p->n))
		return mf_error_set(err, MF_ERR_NOMEM, "out of memory enumerating routes");
	if (p->n == 0 && !p->link_offset && !(p->link_offset = zeroed(1, sizeof(int))))
		return mf_error_set(err, MF_ERR_NOMEM, "out of memory enumerating routes");
	for (int k = 0; k < p->n; k++) {
		sim->path_rt[k].offset = p->link_offset[k];
		sim->path_rt[k].first_link = p->links[p->link_offset[k]];
		sim->path_rt[k].n_links = (uint8_t)(p->link_offset[k + 1] - p->link_offset[k]);
	}
	return MF_OK;
}

/* ---- creation ---- */

static int counters_init(struct counters *c, int codes, int P, int L, int64_t agents)
{
	size_t total = (size_t)codes * LANES + (size_t)P + (size_t)L * 2;
	total = (total + 7) / 8 * 8;
	c->base = aligned_alloc(64, total * sizeof(int64_t));
	c->slow = zeroed((size_t)agents, sizeof(int32_t));
	if (!c->base || !c->slow)
		return -1;
	c->n_values = total;
	c->occupancy = c->base;
	c->arrivals = c->occupancy + (size_t)codes * LANES;
	c->in_transit = c->arrivals + P;
	c->link_flow = c->in_transit + L;
	return 0;
}

static int alloc_tables(struct mf_flee_sim *sim)
{
	int P = sim->P, L = sim->L;
	if (!ALLOC(sim->link_from, L) || !ALLOC(sim->link_to, L) || !ALLOC(sim->link_km, L) ||
	    !ALLOC(sim->out_first, P + 1) || !ALLOC(sim->out_links, L) || !ALLOC(sim->camp, P) ||
	    !ALLOC(sim->idpcamp, P) || !ALLOC(sim->town, P) || !ALLOC(sim->conflict, P) ||
	    !ALLOC(sim->conflict_since, P) || !ALLOC(sim->movechance, P) || !ALLOC(sim->capacity, P) ||
	    !ALLOC(sim->population, P) || !ALLOC(sim->closed, L) || !ALLOC(sim->camp_closed, P) ||
	    !ALLOC(sim->closure_active, sim->inst->n_closures) || !ALLOC(sim->link_open, L) ||
	    !ALLOC(sim->full_camp, P) || !ALLOC(sim->can_leave, P) || !ALLOC(sim->score, P) ||
	    !ALLOC(sim->capmult, P) || !ALLOC(sim->spawn_weight, P) || !ALLOC(sim->stay, sim->codes) ||
	    !ALLOC(sim->loc_rt, P) || !ALLOC(sim->link_rt, L) ||
	    !ALLOC(sim->pick_row, (size_t)P * PICK_STRIDE) || !ALLOC(sim->new_agents, sim->days_total) ||
	    !ALLOC(sim->agents_at, P) || !ALLOC(sim->occupancy_now, P) || !ALLOC(sim->spawned_today, P))
		return -1;
	struct mf_day_counts *d = &sim->today;
	if (!ALLOC(d->occupancy, (size_t)P * MF_INTENT_COUNT) || !ALLOC(d->in_transit, L) ||
	    !ALLOC(d->link_flow, L) || !ALLOC(d->spawned, P) || !ALLOC(d->arrivals, P) ||
	    !ALLOC(d->deaths, L) || !ALLOC(d->monitor_passes, 1))
		return -1;
	return 0;
}

static int alloc_agents(struct mf_flee_sim *sim, int64_t capacity)
{
	struct agents *a = &sim->a;
	a->capacity = capacity;
	if (!ALLOC(a->where, capacity) || !ALLOC(a->rest, capacity))
		return -1;
	for (int t = 0; t < sim->threads; t++)
		if (counters_init(&sim->counters[t], sim->codes, sim->P, sim->L, capacity) < 0)
			return -1;
	return 0;
}

static void init_network(struct mf_flee_sim *sim)
{
	const struct mf_flee_instance *inst = sim->inst;
	const struct mf_flee_settings *s = sim->s;
	for (int r = 0; r < inst->n_routes; r++) {
		const struct mf_flee_route *route = &inst->routes[r];
		for (int dir = 0; dir < 2; dir++) {
			int l = 2 * r + dir;
			sim->link_from[l] = dir ? route->b : route->a;
			sim->link_to[l] = dir ? route->a : route->b;
			sim->link_km[l] = route->distance_km;
			struct link_rt *rt = &sim->link_rt[l];
			rt->walk = threshold(route->walk_probability);
			rt->km = (float)route->distance_km;
			rt->speed = (float)(route->max_move_speed > 0 ? route->max_move_speed : s->max_move_speed);
			rt->plain = rt->walk || s->start_on_foot ? 0 : rt->speed;
			rt->from = sim->link_from[l];
			rt->to = sim->link_to[l];
			sim->out_first[sim->link_from[l] + 1]++;
		}
	}
	for (int p = 0; p < sim->P; p++)
		sim->out_first[p + 1] += sim->out_first[p];
	int *fill = sim->conflict_since; /* scratch until init_locations */
	for (int l = 0; l < sim->L; l++)
		sim->out_links[sim->out_first[sim->link_from[l]] + fill[sim->link_from[l]]++] = l;
	memset(fill, 0, (size_t)sim->P * sizeof(int));
}

/* Day-0 state of the locations, as FLEE's Location constructor leaves it. */
static void init_locations(struct mf_flee_sim *sim)
{
	const struct mf_flee_settings *s = sim->s;
	for (int p = 0; p < sim->P; p++) {
		const struct mf_flee_location *loc = &sim->inst->locations[p];
		bool starts_conflict = loc->type == MF_FLEE_CONFLICT && loc->conflict_date <= 0;
		sim->camp[p] = loc->camp;
		sim->idpcamp[p] = loc->type == MF_FLEE_IDP_CAMP;
		sim->town[p] = !loc->camp && (loc->type == MF_FLEE_TOWN ||
					       (loc->type == MF_FLEE_CONFLICT && !starts_conflict));
		sim->conflict[p] = starts_conflict ? loc->conflict_intensity : -1;
		sim->conflict_since[p] = -1;
		switch (loc->type) {
		case MF_FLEE_CAMP: sim->movechance[p] = s->camp_movechance; break;
		case MF_FLEE_IDP_CAMP: sim->movechance[p] = s->idpcamp_movechance; break;
		case MF_FLEE_CONFLICT:
			sim->movechance[p] = starts_conflict ? s->conflict_movechance : s->default_movechance;
			break;
		case MF_FLEE_FORWARD:
		case MF_FLEE_MARKER: sim->movechance[p] = 1; break;
		default: sim->movechance[p] = s->default_movechance; break;
		}
		sim->capacity[p] = loc->capacity;
		sim->population[p] = loc->population;
	}
}

static void place(struct mf_flee_sim *sim, int p)
{
	int64_t i = sim->a.n++;
	sim->a.where[i] = p;
	sim->a.rest[i].route = -1;
	sim->occupancy_now[p]++;
	sim->spawned_today[p]++;
}

struct mf_flee_sim *mf_flee_sim_create(const struct mf_flee_instance *inst,
				       const struct mf_flee_run_options *options, struct mf_error *err)
{
	struct mf_flee_sim *sim = calloc(1, sizeof(*sim));
	if (!sim) {
		mf_error_set(err, MF_ERR_NOMEM, "out of memory creating the simulation");
		return NULL;
	}
	sim->inst = inst;
	sim->s = &inst->settings;
	sim->P = inst->n_locations;
	sim->L = 2 * inst->n_routes;
	sim->codes = 2 * sim->P + 1 + sim->L;
	sim->days_total = options->days > 0 ? options->days : inst->run_days;
	sim->threads = options->threads > 0 ? options->threads : 1;
	sim->key = mf_rng_key(options->seed, options->replicate);
	sim->pair_draws = best_pair_draws();
	if (sim->days_total > 60000) {
		mf_error_set(err, MF_ERR_INPUT, "at most 60000 days can be simulated, %d asked",
			     sim->days_total);
		goto fail;
	}
	if (inst->has_conflicts && sim->days_total > inst->conflict_days) {
		mf_error_set(err, MF_ERR_INPUT, "%d days asked but %s/input_csv/conflicts.csv has data "
			     "for %d days", sim->days_total, inst->dir, inst->conflict_days);
		goto fail;
	}
	if (alloc_tables(sim) < 0) {
		mf_error_set(err, MF_ERR_NOMEM, "out of memory creating the simulation");
		goto fail;
	}
	init_network(sim);
	init_locations(sim);
	if (build_paths(sim, err) != MF_OK ||
	    mf_flee_spawn_plan(inst, sim->days_total, sim->new_agents, &sim->initial_agents, err) != MF_OK)
		goto fail;
	int64_t capacity = sim->initial_agents;
	for (int t = 0; t < sim->days_total; t++)
		capacity += sim->new_agents[t];
	if (capacity > INT32_MAX) {
		mf_error_set(err, MF_ERR_INPUT, "%lld agents: more than 2^31; raise hasten",
			     (long long)capacity);
		goto fail;
	}
	if (options->threads <= 0) {
		/* A thread per AGENTS_PER_THREAD agents: below that, a day's
		 * work is too short for the threads to pay for their
		 * synchronisation. */
		int64_t wanted = 1 + capacity / AGENTS_PER_THREAD;
		sim->threads = wanted < omp_get_max_threads() ? (int)wanted : omp_get_max_threads();
	}
	if (!(sim->counters = calloc((size_t)sim->threads, sizeof(*sim->counters)))) {
		mf_error_set(err, MF_ERR_NOMEM, "out of memory creating the simulation");
		goto fail;
	}
	if (alloc_agents(sim, capacity) < 0) {
		mf_error_set(err, MF_ERR_NOMEM, "out of memory for %lld agents", (long long)capacity);
		goto fail;
	}
	/* Day-0 camp populations (and initial_idps), in data_layout order. */
	if (!sim->s->empty_camps_on_day0)
		for (int c = 0; c < inst->n_camps; c++) {
			int p = inst->camp_location[c];
			if (p < 0)
				continue;
			int64_t n = inst->locations[p].initial_idps;
			if (sim->s->insert_day0)
				n += mf_flee_camp_data(inst, c, 0);
			for (int64_t k = 0; k < n; k++)
				place(sim, p);
		}
	sim->created = sim->alive = sim->a.n;
	return sim;
fail:
	mf_flee_sim_destroy(sim);
	return NULL;
}

void mf_flee_sim_destroy(struct mf_flee_sim *sim)
{
	if (!sim)
		return;
	void *arrays[] = {
		sim->link_from, sim->link_to, sim->link_km, sim->out_first, sim->out_links,
		sim->paths.first, sim->paths.link_offset, sim->paths.links, sim->paths.end,
		sim->paths.km, sim->camp, sim->idpcamp, sim->town, sim->conflict, sim->conflict_since,
		sim->movechance, sim->capacity, sim->population, sim->closed, sim->camp_closed,
		sim->closure_active, sim->link_open, sim->full_camp, sim->can_leave, sim->score,
		sim->capmult, sim->path_cum, sim->spawn_weight, sim->stay, sim->loc_rt, sim->link_rt,
		sim->path_rt, sim->path_pick, sim->pick_row, sim->new_agents, sim->agents_at,
		sim->occupancy_now, sim->spawned_today, sim->a.where, sim->a.rest, sim->today.occupancy, sim->today.in_transit,
		sim->today.link_flow, sim->today.spawned, sim->today.arrivals, sim->today.deaths,
		sim->today.monitor_passes,
	};
	for (size_t i = 0; i < sizeof(arrays) / sizeof(*arrays); i++)
		free(arrays[i]);
	if (sim->counters)
		for (int t = 0; t < sim->threads; t++) {
			free(sim->counters[t].base);
			free(sim->counters[t].slow);
		}
	free(sim->counters);
	free(sim);
}

/* ---- phases 1 to 4: the world of the day ---- */

static void add_conflict(struct mf_flee_sim *sim, int p, double intensity)
{
	sim->movechance[p] = sim->s->conflict_movechance;
	sim->conflict[p] = intensity;
	sim->town[p] = false;
	sim->conflict_since[p] = sim->day;
}

static void remove_conflict(struct mf_flee_sim *sim, int p)
{
	sim->movechance[p] = sim->s->default_movechance;
	sim->conflict[p] = -1;
	sim->town[p] = true;
}

static void phase_conflicts(struct mf_flee_sim *sim)
{
	const struct mf_flee_instance *inst = sim->inst;
	int t = sim->day;
	if (!inst->has_conflicts) {
		for (int p = 0; p < sim->P; p++)
			if (inst->locations[p].type == MF_FLEE_CONFLICT && inst->locations[p].conflict_date == t)
				add_conflict(sim, p, inst->locations[p].conflict_intensity);
		return;
	}
	int n = inst->n_conflict_columns;
	const double *today = inst->conflict_value + (size_t)t * (size_t)n;
	const double *yesterday = t > 0 ? today - n : NULL;
	for (int c = 0; c < n; c++) {
		int p = inst->conflict_location[c];
		bool on = today[c] > 1e-6, was_on = yesterday && yesterday[c] > 1e-6;
		if (on && !was_on)
			add_conflict(sim, p, today[c]);
		else if (!on && was_on)
			remove_conflict(sim, p);
	}
}

static enum mf_status phase_spawn(struct mf_flee_sim *sim, struct mf_error *err)
{
	int64_t n = sim->new_agents[sim->day];
	double total = 0;
	for (int p = 0; p < sim->P; p++) {
		double w = 0;
		if (sim->conflict[p] > 0)
			w = sim->population[p] * sim->conflict[p] *
			    conflict_decay(sim->s, sim->day - sim->conflict_since[p]);
		total += w;
		sim->spawn_weight[p] = total; /* cumulative */
	}
	if (n == 0)
		return MF_OK;
	if (!(total > 0)) {
		char date[11];
		mf_date_format(sim->inst->start + sim->day, date);
		return mf_error_set(err, MF_ERR_INPUT,
				    "day %d (%s): %lld new refugees in the data but no conflict zone "
				    "with a population to spawn them from", sim->day, date, (long long)n);
	}
	for (int64_t k = 0; k < n; k++) {
		uint64_t bits = mf_rng_bits(sim->key, mf_rng_counter((uint32_t)sim->day, STREAM_SPAWN,
								     (uint64_t)sim->a.n, 0));
		double r = mf_rng_uniform(bits) * total;
		int lo = 0, hi = sim->P - 1;
		while (lo < hi) {
			int mid = (lo + hi) / 2;
			if (sim->spawn_weight[mid] > r)
				hi = mid;
			else
				lo = mid + 1;
		}
		place(sim, lo);
	}
	if (sim->s->take_from_population)
		for (int p = 0; p < sim->P; p++)
			if (sim->conflict[p] > 0)
				sim->population[p] = fmax(0, sim->population[p] - (double)sim->spawned_today[p]);
	sim->created += n;
	sim->alive += n;
	return MF_OK;
}

static void close_camp(struct mf_flee_sim *sim, int p, int change)
{
	sim->camp_closed[p] += change;
	if (change > 0 && sim->camp_closed[p] == 1) {
		sim->movechance[p] = sim->s->default_movechance;
		sim->camp[p] = sim->idpcamp[p] = false;
		sim->conflict[p] = -1;
		sim->town[p] = true;
	} else if (change < 0 && sim->camp_closed[p] == 0) {
		bool idp = sim->inst->locations[p].type == MF_FLEE_IDP_CAMP;
		sim->movechance[p] = idp ? sim->s->idpcamp_movechance : sim->s->camp_movechance;
		sim->camp[p] = true;
		sim->idpcamp[p] = idp;
		sim->conflict[p] = -1;
		sim->town[p] = false;
	}
}

static void apply_closure(struct mf_flee_sim *sim, const struct mf_flee_closure *c, int change)
{
	const struct mf_flee_instance *inst = sim->inst;
	for (int l = 0; l < sim->L; l++) {
		int from = sim->link_from[l], to = sim->link_to[l];
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
			sim->closed[l] += change;
	}
	if (c->type == MF_FLEE_CLOSE_CAMP || c->type == MF_FLEE_CLOSE_IDP_CAMP)
		close_camp(sim, c->a, change);
}

static void phase_closures(struct mf_flee_sim *sim)
{
	for (int i = 0; i < sim->inst->n_closures; i++) {
		const struct mf_flee_closure *c = &sim->inst->closures[i];
		if (c->start == sim->day && !sim->closure_active[i]) {
			sim->closure_active[i] = 1;
			apply_closure(sim, c, +1);
		}
		if (c->end == sim->day && sim->closure_active[i]) {
			sim->closure_active[i] = 0;
			apply_closure(sim, c, -1);
		}
	}
	for (int l = 0; l < sim->L; l++)
		sim->link_rt[l].open = sim->link_open[l] = sim->closed[l] == 0;
}

static double capacity_multiplier(const struct mf_flee_sim *sim, int p)
{
	double cap = sim->capacity[p] * sim->s->capacity_scaling;
	double occupied = (double)sim->occupancy_now[p], buffer = sim->s->capacity_buffer;
	if (cap < 1 || occupied <= buffer * cap)
		return 1;
	if (occupied >= cap)
		return 0;
	return 1 - (occupied - buffer * cap) / (cap * (1 - buffer));
}

/* Score, capacity multiplier and move chance of each location. */
static void location_tables(struct mf_flee_sim *sim)
{
	const struct mf_flee_settings *s = sim->s;
	const struct mf_flee_instance *inst = sim->inst;
	for (int p = 0; p < sim->P; p++) {
		sim->capacity[p] += inst->locations[p].capacity_per_day;
		double score = 1;
		if (inst->locations[p].foreign)
			score *= s->foreign_weight;
		if (sim->camp[p] || sim->idpcamp[p])
			score *= s->camp_weight;
		if (sim->conflict[p] > 0)
			score *= pow(s->conflict_weight,
				     conflict_decay(s, sim->day - sim->conflict_since[p]) * sim->conflict[p]);
		sim->score[p] = score;
		sim->capmult[p] = capacity_multiplier(sim, p);
		sim->full_camp[p] = sim->camp[p] && sim->capmult[p] < 0.5;
		double chance = sim->movechance[p];
		if (s->movechance_pop_scale_factor != 0) {
			double size = fmax(sim->population[p], sim->capacity[p]);
			chance *= pow(size / s->movechance_pop_base, s->movechance_pop_scale_factor);
		}
		double sink = s->camps_are_sinks && sim->camp[p] ? inst->locations[p].deactivation_probability
								 : 0;
		sim->loc_rt[p].move = threshold(chance);
		sim->loc_rt[p].sink = threshold(sink);
		sim->loc_rt[p].force_ok = sim->town[p];
	}
}

/* For every location, the cumulative weights of its candidate routes, as
 * thresholds on 32 random bits. */
static void route_tables(struct mf_flee_sim *sim)
{
	const struct mf_flee_settings *s = sim->s;
	const struct paths *paths = &sim->paths;
	for (int p = 0; p < sim->P; p++) {
		double best = 0;
		int candidates = 0;
		for (int k = paths->first[p]; k < paths->first[p + 1]; k++) {
			bool open = true;
			for (int j = paths->link_offset[k]; j < paths->link_offset[k + 1]; j++)
				open &= sim->link_open[paths->links[j]] != 0;
			double w = -1; /* not a candidate */
			if (open) {
				int end = paths->end[k];
				if (s->awareness_level == 0) {
					w = 1;
				} else {
					double spread = s->softening + paths->km[k];
					w = (s->weight_softening + sim->score[end]) /
					    (s->distance_power == 1 ? spread : pow(spread, s->distance_power)) *
					    sim->capmult[end];
					if (s->weight_power != 1)
						w = pow(w, s->weight_power);
				}
				candidates++;
				if (w > best)
					best = w;
			}
			sim->path_cum[k] = w;
		}
		/* Pruning, then cumulative weights; all candidates weightless:
		 * an equal chance each (FLEE's normalizeWeights). */
		double cut = s->pruning_threshold > 1 ? best / s->pruning_threshold : 0;
		double total = 0;
		for (int k = paths->first[p]; k < paths->first[p + 1]; k++) {
			double w = sim->path_cum[k];
			if (w >= 0 && w < cut)
				w = 0;
			if (best <= 0 && w >= 0)
				w = 1;
			total += w > 0 ? w : 0;
			sim->path_cum[k] = total;
		}
		/* Path k is taken when pick[k-1] <= u < pick[k]; the last one
		 * with a chance ends at 2^32 so that some path is always taken. */
		sim->can_leave[p] = candidates > 0 && total > 0;
		int last = -1;
		for (int k = paths->first[p]; k < paths->first[p + 1]; k++) {
			double before = k > paths->first[p] ? sim->path_cum[k - 1] : 0;
			if (sim->path_cum[k] > before)
				last = k;
		}
		int n_paths = paths->first[p + 1] - paths->first[p];
		for (int k = paths->first[p]; k < paths->first[p + 1]; k++) {
			sim->path_pick[k] = !sim->can_leave[p] || k >= last
						    ? CERTAIN
						    : (uint64_t)ldexp(sim->path_cum[k] / total, 32);
			sim->path_rt[k].blocked = sim->full_camp[paths->end[k]];
		}
		for (int j = 0; j < PICK_STRIDE; j++)
			sim->pick_row[(size_t)p * PICK_STRIDE + j] =
				j < n_paths - 1 ? sim->path_pick[paths->first[p] + j] : CERTAIN;
		struct loc_rt *rt = &sim->loc_rt[p];
		rt->first_path = paths->first[p];
		rt->n_paths = n_paths;
		rt->can_leave = sim->can_leave[p];
		rt->narrow = n_paths <= PICK_STRIDE;
	}
}

/* Which codes the first pass may settle: an agent at a location without a
 * route stays when its draw is at or above the move threshold (unless the
 * location is a sink: those need a second draw); removed agents always
 * stay; agents on links or with a route always go to the full step. */
static void stay_table(struct mf_flee_sim *sim)
{
	int P = sim->P;
	for (int p = 0; p < P; p++) {
		const struct loc_rt *rt = &sim->loc_rt[p];
		sim->stay[p] = rt->sink ? CERTAIN : rt->move;
		sim->stay[P + 1 + sim->L + p] = CERTAIN;
	}
	sim->stay[P] = 0;
	for (int l = 0; l < sim->L; l++)
		sim->stay[P + 1 + l] = CERTAIN;
}

/* ---- phase 5: the agents ---- */

struct step_ctx {
	struct agents a;
	const struct loc_rt *loc;
	const struct link_rt *link;
	const struct path_rt *path;
	const uint64_t *path_pick, *pick_row;
	const int *path_links;
	int P, L;
	float max_speed, walk_speed;
	bool start_on_foot, avoid_short_stints, sinks;
	uint32_t day;
	uint64_t key;
};

enum walker_state { AT_LOCATION, ON_LINK, GONE };

/* An agent's state while it is stepped, decoded from and encoded back into
 * its code and arrays once. */
struct walker {
	enum walker_state state;
	int where;            /* location or link */
	int route, hop;
	float progress;
	uint8_t flags;
};

static inline uint64_t draw(const struct step_ctx *x, int64_t i, int n)
{
	return mf_rng_bits(x->key, mf_rng_counter(x->day, STREAM_MOVE, (uint64_t)i, (uint32_t)n));
}

/* FLEE's evolve at location p: true when the agent stepped onto a link. */
static inline bool evolve(const struct step_ctx *x, struct counters *c, struct walker *w, int p,
			  bool force, uint64_t bits)
{
	const struct loc_rt *loc = &x->loc[p];
	int k = w->route, l;
	uint64_t chance = k >= 0 || (force && loc->force_ok) ? CERTAIN : loc->move;
	if ((uint32_t)bits >= chance)
		return false;
	if (k < 0) {
		/* A new route: path k is taken when pick[k-1] <= u < pick[k]. */
		if (!loc->can_leave)
			return false;
		uint32_t u = (uint32_t)(bits >> 32);
		k = loc->first_path;
		if (loc->narrow) {
			const uint64_t *row = x->pick_row + (size_t)p * PICK_STRIDE;
			for (int j = 0; j < PICK_STRIDE - 1; j++)
				k += row[j] <= u;
		} else {
			for (int j = loc->first_path; j < loc->first_path + loc->n_paths - 1; j++)
				k += x->path_pick[j] <= u;
		}
		const struct path_rt *path = &x->path[k];
		/* Heading for a nearly full camp: FLEE drops the route and the
		 * agent stays today. */
		if (path->blocked)
			return false;
		l = path->first_link;
		w->hop = 1;
		w->route = path->n_links > 1 ? k : -1;
	} else {
		/* The rest of a route: dropped if the next link vanished
		 * (closed) or the destination camp is nearly full. */
		const struct path_rt *path = &x->path[k];
		l = x->path_links[path->offset + w->hop];
		if (!x->link[l].open || x->link[l].from != p || path->blocked) {
			w->route = -1;
			return false;
		}
		w->hop++;
		if (w->hop >= path->n_links)
			w->route = -1;
	}
	w->state = ON_LINK;
	w->where = l;
	w->progress = 0;
	c->link_flow[l]++;
	return true;
}

/* The agent ends its day at location p (camps may deactivate it). */
static inline void stay(const struct step_ctx *x, struct counters *c, struct walker *w, int64_t i,
			int p, int n)
{
	uint64_t sink = x->loc[p].sink;
	if (x->sinks && sink && (uint32_t)draw(x, i, n) < sink) {
		w->state = GONE;
		c->removed++;
		return;
	}
	c->occupancy[p]++;
}

/* One agent's day; the low 32 bits of `bits` decide whether it leaves its
 * location, the high ones which route it takes. Its further draws are
 * numbered from 1. */
static inline void step_agent(const struct step_ctx *x, struct counters *c, int64_t i,
			      uint64_t bits)
{
	const struct agents *a = &x->a;
	struct agent_rest *rest = &a->rest[i];
	const int P = x->P, L = x->L;
	int code = a->where[i];
	struct walker w = {
		.state = code < P ? AT_LOCATION : code < P + 1 + L ? ON_LINK : AT_LOCATION,
		.where = code < P ? code : code < P + 1 + L ? code - P - 1 : code - P - 1 - L,
		.route = rest->route,
		.hop = rest->hop,
		.progress = rest->progress,
		.flags = rest->flags,
	};
	int n = 1;
	float moved = 0;
	if (w.state == AT_LOCATION && !evolve(x, c, &w, w.where, false, bits)) {
		stay(x, c, &w, i, w.where, n);
		goto done;
	}
	for (int hops = 0;; hops++) {
		const struct link_rt *link = &x->link[w.where];
		float speed = link->speed;
		if (x->start_on_foot && !(w.flags & FLAG_TRAVELLED))
			speed = x->walk_speed;
		if (link->walk && (uint32_t)draw(x, i, n++) < link->walk)
			speed = x->walk_speed;
		float progress = w.progress + speed;
		moved += speed;
		if (!(progress > link->km)) {
			w.progress = progress;
			c->in_transit[w.where]++;
			break;
		}
		w.flags |= FLAG_TRAVELLED;
		moved += link->km - progress;
		w.state = AT_LOCATION;
		w.progress = 0;
		if (!link->open) {
			/* Closed while on it: back to where the link starts. */
			w.where = link->from;
			w.route = -1;
			stay(x, c, &w, i, w.where, n);
			break;
		}
		int q = link->to;
		w.where = q;
		c->arrivals[q]++;
		if (moved < speed && hops < HOPS_MAX) {
			bool force = x->avoid_short_stints &&
				     (rest->recent + moved / x->max_speed) / 2 < 0.5f;
			if (evolve(x, c, &w, q, force, draw(x, i, n++)))
				continue;
		}
		stay(x, c, &w, i, q, n);
		break;
	}
done:
	switch (w.state) {
	case AT_LOCATION: a->where[i] = w.route >= 0 ? P + 1 + L + w.where : w.where; break;
	case ON_LINK: a->where[i] = P + 1 + w.where; break;
	case GONE: a->where[i] = P; break;
	}
	rest->route = w.route;
	rest->hop = (uint8_t)w.hop;
	rest->progress = w.progress;
	rest->flags = w.flags;
	if (x->avoid_short_stints)
		rest->recent = (rest->recent + moved / x->max_speed) / 2;
}

/* Agent i's 32 random bits deciding whether it leaves today: half of the
 * draw mf_rng_bits(key, mf_rng_counter(day, STREAM_STAY, i / 2, 0)), which
 * is mix(stay_base + (i / 2) * GAMMA) with stay_base = key +
 * mf_rng_counter(day, STREAM_STAY, 0, 0) * GAMMA. */
static inline uint32_t stay_bits(uint64_t stay_base, int64_t i)
{
	return (uint32_t)(mf_rng_mix(stay_base + (uint64_t)(i >> 1) * GAMMA) >> (32 * (i & 1)));
}

/* The pair draws of agents 2 first .. 2 (first + n) - 1:
 * out[j] = mix(stay_base + (first + j) * GAMMA). */

static void pair_draws(uint64_t stay_base, int64_t first, int n, uint64_t *out)
{
	uint64_t z = stay_base + (uint64_t)first * GAMMA;
	for (int j = 0; j < n; j++, z += GAMMA)
		out[j] = mf_rng_mix(z);
}

#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__)
/* The same, vectorised where the processor multiplies 64-bit lanes
 * (AVX-512DQ): the multiplications are most of the first pass. The
 * arithmetic is the same, so are the results. */
__attribute__((target("avx512f,avx512dq"))) static void pair_draws_avx512(uint64_t stay_base,
									  int64_t first, int n,
									  uint64_t *out)
{
	for (int j = 0; j < n; j++)
		out[j] = mf_rng_mix(stay_base + (uint64_t)(first + j) * GAMMA);
}

static pair_draws_fn *best_pair_draws(void)
{
	__builtin_cpu_init();
	return __builtin_cpu_supports("avx512dq") ? pair_draws_avx512 : pair_draws;
}
#else
static pair_draws_fn *best_pair_draws(void)
{
	return pair_draws;
}
#endif

/* The first pass over agents begin .. end (begin even, at most CHUNK):
 * an agent whose leaving draw keeps it where it is is counted there; every
 * other is appended to slow[count ..]. Returns the new count. Branch-free. */
static int64_t settle(pair_draws_fn *draws, const int32_t *restrict where,
		      const uint64_t *restrict stay_code, int64_t *restrict occupancy, size_t codes,
		      int32_t *restrict slow, int64_t count, uint64_t stay_base, int64_t begin,
		      int64_t end)
{
	uint64_t pairs[CHUNK / 2];
	draws(stay_base, begin >> 1, (int)((end - begin + 1) >> 1), pairs);
	int64_t *restrict lane[LANES];
	for (int k = 0; k < LANES; k++)
		lane[k] = occupancy + (size_t)k * codes;
	int64_t i = begin;
	for (; i + LANES <= end; i += LANES)
		for (int k = 0; k < LANES; k++) {
			int32_t code = where[i + k];
			uint32_t u = (uint32_t)(pairs[(i + k - begin) >> 1] >> (32 * (k & 1)));
			bool stays = u >= stay_code[code];
			lane[k][code] += stays;
			slow[count] = (int32_t)(i + k);
			count += !stays;
		}
	for (; i < end; i++) {
		int32_t code = where[i];
		uint32_t u = (uint32_t)(pairs[(i - begin) >> 1] >> (32 * (i & 1)));
		bool stays = u >= stay_code[code];
		lane[0][code] += stays;
		slow[count] = (int32_t)i;
		count += !stays;
	}
	return count;
}

static void phase_move(struct mf_flee_sim *sim)
{
	const struct mf_flee_settings *s = sim->s;
	struct step_ctx x = {
		.a = sim->a,
		.loc = sim->loc_rt,
		.link = sim->link_rt,
		.path = sim->path_rt,
		.path_pick = sim->path_pick,
		.pick_row = sim->pick_row,
		.path_links = sim->paths.links,
		.P = sim->P,
		.L = sim->L,
		.max_speed = (float)s->max_move_speed,
		.walk_speed = (float)s->max_walk_speed,
		.start_on_foot = s->start_on_foot,
		.avoid_short_stints = s->avoid_short_stints,
		.sinks = s->camps_are_sinks,
		.day = (uint32_t)sim->day,
		.key = sim->key,
	};
	for (int t = 0; t < sim->threads; t++) {
		memset(sim->counters[t].base, 0, sim->counters[t].n_values * sizeof(int64_t));
		sim->counters[t].removed = 0;
	}
	const int64_t n = sim->a.n, chunks = (n + CHUNK - 1) / CHUNK;
	const int32_t *where = sim->a.where;
	struct agent_rest *rest = sim->a.rest;
	const struct link_rt *links = sim->link_rt;
	const uint64_t *stay_code = sim->stay;
	const uint64_t stay_base = sim->key + mf_rng_counter(x.day, STREAM_STAY, 0, 0) * GAMMA;
	const int first_link = sim->P + 1, end_link = sim->P + 1 + sim->L;
	/* Two passes. The first, over all agents and without branches, settles
	 * the common case (an agent at a location that stays there) and lists
	 * the others; the second steps those. Chunks of the first are handed
	 * out dynamically, so that a thread the system does not schedule does
	 * not hold the others up; results do not depend on which thread steps
	 * which agent. */
#pragma omp parallel num_threads(sim->threads)
	{
		struct counters *c = &sim->counters[omp_get_thread_num()];
		int64_t count = 0;
#pragma omp for schedule(dynamic, 1) nowait
		for (int64_t k = 0; k < chunks; k++)
			count = settle(sim->pair_draws, where, stay_code, c->occupancy, (size_t)sim->codes, c->slow,
				       count, stay_base,
				       k * CHUNK, k * CHUNK + CHUNK < n ? k * CHUNK + CHUNK : n);
		for (int64_t j = 0; j < count; j++) {
			int64_t i = c->slow[j];
			int code = where[i];
			if (code >= first_link && code < end_link) {
				/* Travelling on, not arriving today. */
				const struct link_rt *link = &links[code - first_link];
				float next = rest[i].progress + link->plain;
				if (link->plain > 0 && !(next > link->km)) {
					rest[i].progress = next;
					c->in_transit[code - first_link]++;
					continue;
				}
			}
			/* Its first word: the leaving bits of the first pass, and
			 * 32 bits of its own first draw for the choice of route. */
			uint64_t first = (draw(&x, i, 0) & ~(uint64_t)UINT32_MAX) | stay_bits(stay_base, i);
			step_agent(&x, c, i, first);
		}
	}
}

/* ---- phase 6: counts ---- */

static void phase_count(struct mf_flee_sim *sim)
{
	struct mf_day_counts *d = &sim->today;
	int P = sim->P, L = sim->L, codes = sim->codes;
	int64_t h = sim->s->hasten;
	memset(sim->agents_at, 0, (size_t)P * sizeof(int64_t));
	memset(d->occupancy, 0, (size_t)P * MF_INTENT_COUNT * sizeof(int64_t));
	memset(d->in_transit, 0, (size_t)L * sizeof(int64_t));
	memset(d->link_flow, 0, (size_t)L * sizeof(int64_t));
	memset(d->arrivals, 0, (size_t)P * sizeof(int64_t));
	int64_t removed = 0;
	for (int t = 0; t < sim->threads; t++) {
		const struct counters *c = &sim->counters[t];
		for (int k = 0; k < LANES; k++)
			for (int p = 0; p < P; p++)
				sim->agents_at[p] += c->occupancy[(size_t)k * (size_t)codes + (size_t)p];
		for (int p = 0; p < P; p++)
			d->arrivals[p] += c->arrivals[p];
		for (int l = 0; l < L; l++) {
			d->in_transit[l] += c->in_transit[l];
			d->link_flow[l] += c->link_flow[l];
		}
		removed += c->removed;
	}
	for (int p = 0; p < P; p++) {
		d->occupancy[p * MF_INTENT_COUNT + MF_INTENT_DISPLACED] = sim->agents_at[p] * h;
		d->arrivals[p] *= h;
		d->spawned[p] = sim->spawned_today[p] * h;
	}
	for (int l = 0; l < L; l++) {
		d->in_transit[l] *= h;
		d->link_flow[l] *= h;
	}
	d->day = sim->day;
	d->returns = removed * h;
	d->interceptions = d->expulsions = d->destination_arrivals = 0;
	sim->alive -= removed;
	/* The next day starts from these counts. */
	memcpy(sim->occupancy_now, sim->agents_at, (size_t)P * sizeof(int64_t));
	memset(sim->spawned_today, 0, (size_t)P * sizeof(int64_t));
}

enum mf_status mf_flee_sim_step(struct mf_flee_sim *sim, struct mf_error *err)
{
	if (sim->day >= sim->days_total)
		return mf_error_set(err, MF_ERR_INTERNAL, "the run has already simulated its %d days",
				    sim->days_total);
	phase_conflicts(sim);
	if (phase_spawn(sim, err) != MF_OK)
		return err->code;
	phase_closures(sim);
	location_tables(sim);
	route_tables(sim);
	stay_table(sim);
	sim->agent_steps += (uint64_t)sim->alive;
	phase_move(sim);
	phase_count(sim);
	sim->day++;
	return MF_OK;
}

const struct mf_day_counts *mf_flee_sim_day_counts(const struct mf_flee_sim *sim)
{
	return &sim->today;
}

const int64_t *mf_flee_sim_location_agents(const struct mf_flee_sim *sim) { return sim->agents_at; }

bool mf_flee_sim_link_open(const struct mf_flee_sim *sim, int link)
{
	return link >= 0 && link < sim->L && sim->link_open[link];
}

int mf_flee_sim_days_done(const struct mf_flee_sim *sim) { return sim->day; }
int mf_flee_sim_days_total(const struct mf_flee_sim *sim) { return sim->days_total; }
int mf_flee_sim_threads(const struct mf_flee_sim *sim) { return sim->threads; }
int64_t mf_flee_sim_agents_created(const struct mf_flee_sim *sim) { return sim->created; }
int64_t mf_flee_sim_agents_alive(const struct mf_flee_sim *sim) { return sim->alive; }
uint64_t mf_flee_sim_agent_steps(const struct mf_flee_sim *sim) { return sim->agent_steps; }
