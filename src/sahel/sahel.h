/* The Sahel rule set (MODEL.md): agents with an intent (circular, onward,
 * return, displaced) route towards a goal over the network by a logit on
 * generalised cost, wait at places, die on desert and sea links, are
 * intercepted at sea and expelled from Algeria. Its state: the tables the
 * per-agent step reads, rebuilt when the world changes (routing.c), and the
 * agents' columns. Shared by rules.c, routing.c, spawn.c and step.c. */
#ifndef MF_SAHEL_H
#define MF_SAHEL_H

#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <gsl/gsl_rng.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include "../engine.h"

enum agent_flag {
	AGENT_ABROAD = 1, /* has been outside its home country */
};

/* The agents: 14 bytes each. loc and timer mean, by state (engine.h):
 * AGENT_AT_PLACE loc = place, timer = its next decision day; AGENT_ON_LINK
 * loc = link, timer = day of arrival at its end; AGENT_REQUEST loc = the
 * capacity-limited link asked for today. */
struct mf_agents {
	uint16_t *loc;      /* place or link index, by state */
	uint16_t *goal;     /* place the agent heads for */
	uint16_t *home;     /* place it comes from */
	uint16_t *timer;    /* a day index, by state */
	uint16_t *born;     /* day it entered the model */
	uint8_t *state;     /* enum agent_state */
	uint8_t *intent;    /* enum mf_intent */
	uint8_t *attempts;  /* sea crossings tried */
	uint8_t *flags;     /* enum agent_flag */
};

_Static_assert(MF_DAYS_MAX < UINT16_MAX, "a decision day and `never` fit an agent's 16-bit timer");

#define MF_AGENT_BYTES (5 * 2 + 4 * 1)

/* Route thresholds compared at a time by mf_route_rank (below). */
#define ROUTE_READ_AHEAD 8

/* What the step needs to know about a link, packed for the hot path. */
struct link_rt {
	uint32_t death_day;      /* threshold per day on the link */
	uint32_t death_crossing; /* threshold at the end (sea) */
	uint32_t intercepted_crossing; /* death + interception threshold */
	uint32_t lost_crossing;  /* death + interception + kidnapping threshold */
	uint16_t from;           /* where the kidnapped are released */
	uint16_t to;
	uint16_t days;           /* travel days, >= 1 */
	uint16_t intercept_to;
	int16_t monitor;         /* monitoring point counting arrivals, -1 none */
	int8_t departs_weekday;  /* -1 daily */
	uint8_t limited;         /* capacity-limited today */
	uint8_t open;
	uint8_t pad;
};

/* What one agent-step reads, copied out of the state once a day. */
struct step_ctx {
	struct mf_agents agents;
	const struct link_rt *links;
	const uint32_t *leave, *leave_week, *stay_end, *route_cum, *expel, *flee, *expel_retry;
	const int *refuge;
	const int *refuge_n;              /* [place] refuges to choose among */
	const uint16_t *refuge_place;     /* [place * P + k] */
	const uint32_t *refuge_cum;       /* [place * P + k] cumulative thresholds */
	const uint32_t *onward, *onward_leave; /* [place] displaced at their refuge */
	const double *onward_extra;       /* [place] the refuge's insecurity term */
	const double *onward_factor;      /* [country of home] the group's factor */
	double onward_base, distress_rate, distress_days, return_prob;
	bool onward_uniform;              /* the thresholds by place hold for everyone */
	const uint32_t *hazard_goal, *hazard_away;
	const double *gap_goal, *gap_away;
	const uint16_t *expel_to;
	const int16_t *expel_monitor;
	const uint8_t *home_safe, *country, *is_destination, *monitor_country, *monitor_counts;
	const int *out_offset, *out_links;
	const uint8_t *changed;  /* slots to reschedule today, or NULL */
	int n_places, n_links, destination;
	uint32_t retry_interception;
	uint16_t today;
	int weekday;
	uint64_t key;
	uint64_t move_base;      /* the day's part of STREAM_MOVE draws (step.c) */
};

struct sahel {
	struct mf_agents agents;
	double *remaining_population; /* [place] not yet displaced */
	/* Tables read by the step, rebuilt by mf_routing_update. */
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
	/* Displaced at their refuge p: onward if u < onward[p], home if
	 * onward[p] <= u < onward_leave[p]; with onward_distress_rate the two
	 * rise with the agent's days in the model, and onward_factor scales
	 * the rise by its group, up to onward_bound[p] (step.c). */
	double *onward_extra;     /* [place] onward_insecurity_rate x the fall of security */
	double *onward_factor;    /* [country] onward_factor by the home's country */
	bool onward_uniform;      /* no distress, every factor 1: onward[p] holds for all */
	uint32_t *onward, *onward_leave, *onward_bound; /* [place] */
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
	 * route_cum[(intent * P + goal) * L + slot], slot in the graph's CSR,
	 * allocated ROUTE_READ_AHEAD further so that a place's thresholds are
	 * read that many at a time (step.c). */
	uint32_t *route_cum;
	double *route_dist;       /* [(intent * P + goal) * P + place] cost to goal */
	int *refuge;              /* [place] the cheapest refuge from it, -1 none */
	int *refuge_n;            /* [place] refuges chosen among (1 at refuge_temperature 0) */
	uint16_t *refuge_place;   /* [place * P + k] */
	uint32_t *refuge_cum;     /* [place * P + k] */
	double *presence;         /* [link] the state's presence, 1 = as on the start date */
	double *queue;            /* [link] smoothed refused share of a capped link (state) */
	bool queue_dirty;         /* queue changed: rebuild the route tables */
	uint32_t *accept;         /* [link] capacity acceptance threshold today */
	/* Links ending at place p: in_links[in_offset[p] .. in_offset[p+1]). */
	int *in_offset, *in_links;
	/* Scratch space of mf_routing_update, allocated once. */
	double *scratch_cost, *scratch_weight;
	double *scratch_cost_intent; /* [intent * L + link] */
	int *scratch_heap, *scratch_position;
	gsl_rng *spawn_rng;
	struct step_ctx ctx;      /* today's, filled by begin_move */
};

static inline struct sahel *sahel_of(const struct mf_sim *sim)
{
	return sim->rules_state;
}

/* The day after `day` on which an agent whose daily chance of a decision is
 * p = H / 2^32 makes one: day + G, G geometric on 1, 2, ... with gap =
 * 1 / log(1 - p); UINT16_MAX (never) when gap = 0 or on day MF_DAYS_MAX or later.
 * G = 1 + floor(log(u) * gap) is the smallest k >= 1 with u > (1 - p)^k, so
 * where p >= 1/4 the first four terms are tested by multiplication, and the
 * logarithm is taken only for the rest (the same G for the same u, up to
 * rounding at the boundaries: a chance of about 2^-50 a draw). */
static inline uint16_t mf_decision_day(uint64_t bits, uint32_t hazard, double gap, int day)
{
	if (gap == 0)
		return UINT16_MAX;
	double u = (double)((bits >> 11) + 1) * 0x1.0p-53; /* (0, 1] */
	if (hazard >= UINT32_C(1) << 30) {
		/* t_k = (1 - p)^k by repeated products; they fall with k, so the
		 * first k with u > t_k is 1 + the number of t_1..t_3 at or above u
		 * (counted without a branch) once u > t_4. */
		double q = 1 - (double)hazard * 0x1.0p-32;
		double t1 = q, t2 = t1 * q, t3 = t2 * q, t4 = t3 * q;
		if (u > t4) {
			int k = 1 + (u <= t1) + (u <= t2) + (u <= t3);
			return day + k < MF_DAYS_MAX ? (uint16_t)(day + k) : UINT16_MAX;
		}
	}
	double g = log(u) * gap;               /* >= 0 */
	return g < MF_DAYS_MAX - 1.0 - day ? (uint16_t)(day + 1 + (int)g) : UINT16_MAX;
}

/* Schedules the next decision of agent i, at a place since `day` (the day
 * before its first possible decision), from draw `draw` of STREAM_SCHEDULE. */
void mf_schedule_agent(struct mf_sim *sim, int64_t i, int day, uint32_t draw); /* step.c */

#ifdef __SSE2__
/* 16 bytes from p, aligned or not. */
static inline __m128i mf_load16(const void *p)
{
	return _mm_loadu_si128((const __m128i *)p);
}
#endif

/* The number of the degree thresholds cum[0..degree-1] at or below v, the
 * rank of the out-link that draw v picks. Up to ROUTE_READ_AHEAD of them
 * are compared at once, past degree too (route_cum is allocated that far
 * past its end): a loop over the degree, which differs from place to
 * place, mispredicts its exit. */
static inline int mf_route_rank(const uint32_t *cum, int degree, uint32_t v)
{
#ifdef __SSE2__
	if (degree <= ROUTE_READ_AHEAD) {
		/* Unsigned v < cum[k] as a signed comparison of both biased by 2^31. */
		const __m128i bias = _mm_set1_epi32(INT32_MIN);
		__m128i x = _mm_xor_si128(_mm_set1_epi32((int)v), bias);
		__m128i lo = _mm_cmplt_epi32(x, _mm_xor_si128(mf_load16(cum), bias));
		__m128i hi = _mm_cmplt_epi32(x, _mm_xor_si128(mf_load16(cum + 4), bias));
		unsigned above = (unsigned)_mm_movemask_ps(_mm_castsi128_ps(lo)) |
				 (unsigned)_mm_movemask_ps(_mm_castsi128_ps(hi)) << 4;
		/* The thresholds never fall (routing.c), so the ones above v are
		 * those from the rank on: the rank is the first of them, or degree. */
		return __builtin_ctz(above | 1u << degree);
	}
#endif
	int rank = 0;
	for (int k = 0; k < degree; k++)
		rank += v >= cum[k];
	return rank;
}

/* The refuge the displaced from place p head for, by uniform draw v. */
static inline int mf_refuge_pick(const int *refuge, const int *refuge_n, const uint16_t *place,
				 const uint32_t *cum, int n_places, int p, uint32_t v)
{
	int n = refuge_n[p];
	if (n <= 1)
		return refuge[p];
	size_t row = (size_t)p * n_places;
	for (int k = 0; k < n - 1; k++)
		if (v < cum[row + k])
			return place[row + k];
	return place[row + n - 1];
}

/* Rebuilds link_rt, thresholds and route tables from the world state. */
void mf_routing_update(struct mf_sim *sim);           /* routing.c */

/* Places the initial population; phase 2, new agents. */
enum mf_status mf_spawn_initial(struct mf_sim *sim, struct mf_error *err); /* spawn.c */
enum mf_status mf_phase_spawn(struct mf_sim *sim, struct mf_error *err);  /* spawn.c */

/* The bounds H at the goal and on the way of place p, intent k (step.c,
 * next to the decisions they bound); convoy: p has a convoy link. */
void mf_sahel_decision_bounds(const struct sahel *r, int n_places, int p, int k, bool convoy,
			      uint32_t *at_goal, uint32_t *away);

/* Phases 3 and 4 (step.c). */
void mf_sahel_begin_move(struct mf_sim *sim);
void mf_sahel_move_block(const struct mf_sim *sim, struct counters *c, int64_t first, int64_t end);
void mf_sahel_end_move(struct mf_sim *sim);
void mf_phase_capacity(struct mf_sim *sim);

/* Agents per block of the move phase: 256 blocks of 64 slots, so that
 * threads never share a cache line of an agent array. */
#define SAHEL_BLOCK_AGENTS (256 * 64)

#endif
