/* The FLEE rule set: a day of a FLEE instance (FLEE.md, "Daily loop"), as
 * a rule set of the engine (engine.h):
 *
 *   derive      conflicts.csv for the day (conflict zones appear and disappear)
 *   spawn       data-driven spawning at conflict zones (day 0: the camps'
 *               populations first)
 *   begin_move  closures that start or end on the day (and the scenario's
 *               closure events), location scores, capacity multipliers and,
 *               per location, the weights of every candidate route (once a
 *               day, not per agent), from the counts after spawning
 *   move_block  every agent: decide to move, pick a route, travel along
 *               links up to the day's distance, possibly several hops
 *
 * A random draw is a pure function of (seed, replicate, day, stream, agent,
 * draw number), route weights and capacity multipliers are computed from
 * counts at the start of the day, and counters are the engine's per-thread
 * changes: results are the same for any number of threads.
 *
 * Where an agent is, and in what state, is one integer, its code:
 *
 *   [0, P)                at location p, no route to follow
 *   P                     removed (camps_are_sinks): a location nobody leaves
 *   [P+1, P+1+L)          on link l
 *   [P+1+L, P+1+L+P)      at location p with the rest of a route to follow
 *
 * so that the first pass over a block reads one array: a table indexed by
 * code says which agents surely stay where they are today. Agents are
 * counted at their location with intent `displaced`. */
#ifndef MF_FLEE_RULES_H
#define MF_FLEE_RULES_H

#include <stdbool.h>
#include <stdint.h>

#include "migflow/flee.h"
#include "../engine.h"

enum { FLAG_TRAVELLED = 1 };

/* Hops one agent may make in a day. FLEE has no bound (a chain of links of
 * length 0 would recurse forever); with distances > 0 the budget rule ends
 * a day long before this. Keeps draw numbers below 256. */
#define HOPS_MAX 100
#define PATH_LINKS_MAX (1L << 26)
#define CERTAIN ((uint64_t)1 << 32)
#define GAMMA UINT64_C(0x9e3779b97f4a7c15) /* mf_rng_bits' counter multiplier */
#define CHUNK 4096                         /* agents per block of the move phase */
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

/* The agents' columns. */
struct flee_agents {
	int32_t *where;      /* code, see above: all the first pass reads */
	struct agent_rest *rest;
	uint8_t *state;      /* AGENT_AT_PLACE, or AGENT_LEFT once removed */
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

struct flee {
	const struct mf_flee_instance *inst;
	const struct mf_flee_settings *s; /* &settings */
	struct mf_flee_settings settings; /* the instance's, with the run's overrides */
	int P, L, codes;     /* locations, directed links, agent codes */
	int day;             /* the engine's day, set each day by derive */
	uint64_t key;
	pair_draws_fn *pair_draws;
	const int64_t *present; /* the engine's present_agents */
	const bool *link_open_event; /* the engine's world: closed by a scenario event */
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
	struct flee_agents a;
	int64_t *new_agents;  /* [day] spawn plan */
	int64_t *spawned_today; /* [location] agents */
	struct step_ctx_flee {
		struct flee_agents a;
		const struct loc_rt *loc;
		const struct link_rt *link;
		const struct path_rt *path;
		const uint64_t *path_pick, *pick_row, *stay;
		const int *path_links;
		int P, L, codes;
		float max_speed, walk_speed;
		bool start_on_foot, avoid_short_stints, sinks;
		uint32_t day;
		uint64_t key, stay_base;
		pair_draws_fn *pair_draws;
	} ctx;                /* today's, filled by begin_move */
};

static inline struct flee *flee_of(const struct mf_sim *sim)
{
	return sim->rules_state;
}

/* Agents at location p: the engine's count of intent displaced. */
static inline int64_t flee_agents_at(const struct flee *f, int p)
{
	return f->present[(size_t)p * MF_INTENT_COUNT + MF_INTENT_DISPLACED];
}

uint64_t mf_flee_threshold(double p);                                   /* rules.c */
double mf_flee_conflict_decay(const struct mf_flee_settings *s, int since); /* rules.c */
enum mf_status mf_flee_build_paths(struct flee *f, struct mf_error *err); /* paths.c */
void mf_flee_init_network(struct flee *f);                              /* world.c */
void mf_flee_init_locations(struct flee *f);
void mf_flee_conflicts(struct flee *f);
void mf_flee_closures(struct flee *f);
void mf_flee_location_tables(struct flee *f);
void mf_flee_route_tables(struct flee *f);
void mf_flee_stay_table(struct flee *f);
pair_draws_fn *mf_flee_best_pair_draws(void);                           /* step.c */
void mf_flee_begin_move(struct mf_sim *sim);
void mf_flee_move_block(const struct mf_sim *sim, struct counters *c, int64_t first, int64_t end);

#endif
