/* The simulation's private state: the world as events have left it, the
 * tables the per-agent step reads, the agents and the per-thread counters.
 * Shared by the phase modules (events, routing, spawn, step) and sim.c. */
#ifndef MF_WORLD_H
#define MF_WORLD_H

#include <stdbool.h>
#include <stdint.h>
#include <gsl/gsl_rng.h>

#include "migflow/scenario.h"
#include "migflow/sim.h"
#include "agents.h"

/* What the step needs to know about a link, packed for the hot path. */
struct link_rt {
	uint32_t death_day;      /* threshold per day on the link */
	uint32_t death_crossing; /* threshold at the end (sea) */
	uint32_t lost_crossing;  /* death + interception threshold (sea) */
	uint16_t to;
	uint16_t days;           /* travel days, >= 1 */
	uint16_t intercept_to;
	int16_t monitor;         /* monitoring point counting arrivals, -1 none */
	int8_t departs_weekday;  /* -1 daily */
	uint8_t limited;         /* capacity-limited today */
	uint8_t open;
	uint8_t pad;
};

/* Dynamic state of the world, changed by events. */
struct world {
	double *security;        /* [place] current level */
	double *ramp_from, *ramp_to;
	int *ramp_start, *ramp_end; /* ramp_end < 0: no ramp */
	bool *link_open_event;   /* [link] not closed by an event */
	double *link_capacity;   /* [link] persons per day, 0 unlimited */
	double *link_speed;      /* [link] speed factor, 1 normal */
	double *link_fare;       /* [link] USD */
	double *link_death_day;  /* [link] base daily death probability */
	double *link_interception; /* [link] per crossing */
	double *link_death_crossing; /* [link] per crossing */
	int8_t *link_departs;    /* [link] weekday, -1 daily */
	double *source_multiplier; /* [source] */
	bool changed;            /* derived tables need recomputing */
};

/* Per-thread counters, in agents, each block aligned to a cache line. */
struct counters {
	int64_t *occupancy;      /* [place * MF_INTENT_COUNT + intent] */
	int64_t *in_transit;     /* [link] */
	int64_t *link_flow;      /* [link] */
	int64_t *arrivals;       /* [place] */
	int64_t *deaths;         /* [link] */
	int64_t *requests;       /* [link] capacity requests */
	int64_t *link_arrivals;  /* [link] */
	int64_t *link_interceptions; /* [link] */
	int64_t *monitor;        /* [monitor * MF_DIR_COUNT + direction] */
	int64_t *scalars;        /* SC_* below */
	int64_t *base;           /* the allocation */
	size_t n_values;
	/* Slots of today's capacity requests, so that the capacity phase visits
	 * them alone; n_requested > REQUEST_SLOTS means the list overflowed. */
	int64_t *requested;
	int64_t n_requested;
};

#define REQUEST_SLOTS 65536

enum { SC_INTERCEPTIONS, SC_EXPULSIONS, SC_RETURNS, SC_ARRIVED, SC_DEAD, SC_STEPPED, SC_COUNT };

struct mf_sim {
	const struct mf_scenario *scenario;
	const struct mf_graph *graph;
	int n_places, n_links, n_monitors;
	int days_total, day;
	int next_event;           /* first scenario event not yet applied */
	double *remaining_population; /* [place] not yet displaced */
	int threads;
	uint64_t key;             /* random key of (seed, replicate) */
	struct world world;
	struct mf_agents agents;

	/* Tables read by the step, rebuilt by routing_update. */
	struct link_rt *links;    /* [link] */
	uint32_t *leave;          /* [intent * P + place] threshold to leave a place on the way */
	uint32_t *leave_week;     /* same for a week, used on convoy days */
	uint32_t *stay_end;       /* [place] threshold: a circular migrant heads home */
	uint32_t *goal_stay;      /* [place * MF_INTENT_COUNT + intent] an agent at its goal
				   * does nothing today when its draw u >= this */
	uint32_t displaced_onward, displaced_return; /* thresholds */
	uint8_t *home_safe;       /* [place] security at or above safe_security */
	uint8_t *country;         /* [place] country index */
	uint8_t *is_destination;  /* [place] */
	uint32_t *expel;          /* [place] threshold, 0 none */
	uint16_t *expel_to;       /* [place] */
	uint32_t *expel_retry;    /* [place] threshold to keep the intent */
	int16_t *expel_monitor;   /* [place] monitor at the place expelled people reach, -1 */
	uint32_t retry_interception;
	uint8_t *monitor_country; /* [monitor] */
	uint8_t *monitor_counts;  /* [monitor * MF_DIR_COUNT + direction] */
	/* Route choice: cumulative thresholds over the out-links of each place,
	 * route_cum[(intent * P + goal) * L + slot], slot in the graph's CSR. */
	uint32_t *route_cum;
	double *route_dist;       /* [(intent * P + goal) * P + place] cost to goal */
	int *refuge;              /* [place] where the displaced from it head, -1 none */
	uint32_t *accept;         /* [link] capacity acceptance threshold today */
	/* Links ending at place p: in_links[in_offset[p] .. in_offset[p+1]). */
	int *in_offset, *in_links;
	/* Scratch space of mf_routing_update, allocated once. */
	double *scratch_cost, *scratch_cost_intent, *scratch_weight;
	int *scratch_heap, *scratch_position;

	gsl_rng *spawn_rng;
	struct counters *thread_counts; /* [threads] */
	struct mf_day_counts today;     /* in persons */
	struct mf_totals totals;
	int64_t initial_agents;
	double phase_seconds[MF_PHASE_COUNT];
};

/* Phases of one day (MODEL.md 5), each in its own module. */
void mf_phase_events(struct mf_sim *sim);             /* events.c */
enum mf_status mf_phase_spawn(struct mf_sim *sim, struct mf_error *err); /* spawn.c */
void mf_phase_move(struct mf_sim *sim);               /* step.c */
void mf_phase_capacity(struct mf_sim *sim);           /* step.c */

/* Rebuilds link_rt, thresholds and route tables from the world state. */
void mf_routing_update(struct mf_sim *sim);           /* routing.c */

/* Places the initial population; spawns new agents of a group. */
enum mf_status mf_spawn_initial(struct mf_sim *sim, struct mf_error *err); /* spawn.c */

#endif
