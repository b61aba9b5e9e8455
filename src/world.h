/* The simulation's private state: the world as events have left it, the
 * tables the per-agent step reads, the agents and the per-thread counters.
 * Shared by the phase modules (events, routing, spawn, step) and sim.c. */
#ifndef MF_WORLD_H
#define MF_WORLD_H

#include <math.h>
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

/* Per-thread counters, in agents, each block aligned to a cache line.
 * occupancy and in_transit count the day's changes (+1 in, -1 out). */
struct counters {
	int64_t *occupancy;      /* [place * MF_INTENT_COUNT + intent] change */
	int64_t *in_transit;     /* [link] change */
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
	/* The model parameters as `parameter` events have left them (a copy of
	 * the scenario's; stay_days_by_country is the sim's own array). */
	struct mf_parameters params;
	struct mf_agents agents;

	/* Tables read by the step, rebuilt by routing_update. */
	struct link_rt *links;    /* [link] */
	uint32_t *leave;          /* [intent * P + place] threshold to leave a place on the way */
	uint32_t *leave_week;     /* same for a week, used on convoy days */
	uint32_t *stay_end;       /* [place] threshold: a circular migrant heads home */
	/* Scheduled decisions. An agent at a place decides (moves on, ends its
	 * stay, is expelled, ...) on a day only if its draw u < H, H the bound
	 * of its (place, intent, at goal or not) below; every other day it does
	 * nothing. So its next decision day is drawn once, from the geometric
	 * distribution of H, and kept in `timer`; on that day u is drawn
	 * uniformly below H (thinning: exact for any thresholds <= H). */
	uint32_t *hazard_goal;    /* [place * MF_INTENT_COUNT + intent] H at the goal */
	uint32_t *hazard_away;    /* same, on the way */
	double *gap_goal, *gap_away; /* 1 / log(1 - H / 2^32), 0 when H = 0 (never) */
	uint8_t *reschedule;      /* [place * MF_INTENT_COUNT + intent] H changed today */
	bool any_reschedule;
	uint32_t displaced_onward, displaced_return; /* thresholds */
	uint8_t *home_safe;       /* [place] security at or above safe_security */
	uint8_t *country;         /* [place] country index */
	uint8_t *is_destination;  /* [place] */
	uint32_t *expel;          /* [place] threshold, 0 none */
	uint32_t *flee;           /* [place] expel + chance that someone living there (at its
				   * goal: circular, displaced) flees today; expel <= u < flee */
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
	/* Agents (not persons) at each place by intent, and on each link, after
	 * the last phase; the step's counters hold the day's changes. */
	int64_t *present_agents;  /* [place * MF_INTENT_COUNT + intent] */
	int64_t *transit_agents;  /* [link] */
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

/* The day after `day` on which an agent whose daily chance of a decision is
 * H / 2^32 makes one: day + G, G geometric on 1, 2, ... with gap =
 * 1 / log(1 - H / 2^32); UINT16_MAX (never) when gap = 0 or past 60000. */
static inline uint16_t mf_decision_day(uint64_t bits, double gap, int day)
{
	if (gap == 0)
		return UINT16_MAX;
	double u = (double)((bits >> 11) + 1) * 0x1.0p-53; /* (0, 1] */
	double g = log(u) * gap;               /* >= 0 */
	return g < 60000.0 - day ? (uint16_t)(day + 1 + (int)g) : UINT16_MAX;
}

/* Schedules the next decision of agent i, at a place since `day` (the day
 * before its first possible decision), from draw `draw` of STREAM_SCHEDULE. */
void mf_schedule_agent(struct mf_sim *sim, int64_t i, int day, uint32_t draw); /* step.c */

/* Recounts agents by place, intent and link from the store and checks the
 * counts kept by changes and every scheduled day; for tests. */
enum mf_status mf_sim_audit(const struct mf_sim *sim, struct mf_error *err); /* sim.c */

/* Rebuilds link_rt, thresholds and route tables from the world state. */
void mf_routing_update(struct mf_sim *sim);           /* routing.c */

/* Places the initial population; spawns new agents of a group. */
enum mf_status mf_spawn_initial(struct mf_sim *sim, struct mf_error *err); /* spawn.c */

#endif
