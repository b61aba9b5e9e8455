/* The simulation: agents moving day by day through the network of a scenario.
 * mf_sim_step runs one day as the phases of MODEL.md 5: events, spawn, move,
 * capacity, count. */
#ifndef MIGFLOW_SIM_H
#define MIGFLOW_SIM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "migflow/error.h"
#include "migflow/scenario.h"

struct mf_sim;

/* The most days a run can simulate: an agent's next decision day is kept
 * in 16 bits, UINT16_MAX meaning never. */
#define MF_DAYS_MAX 60000

/* A parameter set for a run: a model parameter of the scenario's
 * `parameters:` block (scenarios/README.md), or a parameter of the rule
 * set (flee.<setting> for rules flee, scenarios/FLEE.md). */
struct mf_override {
	const char *name;
	double value;
};

struct mf_run_options {
	uint64_t seed;        /* random seed (the scenario's unless overridden) */
	uint32_t replicate;   /* replicate number, part of the random key */
	int threads;          /* OpenMP threads; 0 = the rule set's default
			       * (OpenMP's for the Sahel rules) */
	int days;             /* days to simulate; 0 = the scenario's */
	const struct mf_override *overrides; /* applied before day 0 */
	int n_overrides;
};

/* What happened on one day, in persons (agent counts times agent_scale).
 * Arrays are owned by the simulation and overwritten by the next step. */
struct mf_day_counts {
	int day;                 /* day index from the start */
	int64_t *occupancy;      /* [place * MF_INTENT_COUNT + intent], end of day */
	int64_t *in_transit;     /* [link], on the link at the end of the day */
	int64_t *link_flow;      /* [link], departures onto the link */
	int64_t *spawned;        /* [place], new agents by place of origin */
	int64_t *arrivals;       /* [place], arrivals over a link */
	int64_t *deaths;         /* [link], deaths on the link (desert or sea) */
	int64_t *monitor_passes; /* [monitor * MF_DIR_COUNT + direction] */
	int64_t *link_arrivals;  /* [link], reached the end of the link */
	int64_t *link_interceptions; /* [link], intercepted on the (sea) link */
	int64_t interceptions;   /* at sea, returned to the coast */
	int64_t expulsions;      /* moved by expulsion (Algeria -> Assamaka) */
	int64_t returns;         /* reached home and left the model */
	int64_t destination_arrivals; /* reached the destination (Lampedusa) */
};

/* Running totals since the start, in persons. Conservation holds at the end
 * of every day: spawned = present + on_links + arrived + dead + left. */
struct mf_totals {
	int64_t spawned;   /* created, including the initial population */
	int64_t present;   /* at a place */
	int64_t on_links;  /* travelling */
	int64_t arrived;   /* reached the destination and left the model */
	int64_t dead;
	int64_t left;      /* went home and left the model */
	int64_t interceptions, expulsions;
	int64_t monitor_passes[MF_DIR_COUNT];
	uint64_t agent_steps; /* agents stepped, summed over days */
};

/* Phases of a day, for timing (MODEL.md 5). */
enum mf_phase {
	MF_PHASE_EVENTS,   /* events and derived tables */
	MF_PHASE_SPAWN,
	MF_PHASE_MOVE,     /* the per-agent step */
	MF_PHASE_CAPACITY,
	MF_PHASE_COUNT_UP, /* reduction, conservation check, reclaiming slots */
	MF_PHASE_COUNT
};

/* Creates a simulation at day 0 with the initial population placed.
 * The scenario must outlive it. Returns NULL and fills err on failure.
 * Caller frees with mf_sim_destroy. */
struct mf_sim *mf_sim_create(const struct mf_scenario *scenario,
			     const struct mf_run_options *options,
			     struct mf_error *err);

/* Frees a simulation. Accepts NULL. */
void mf_sim_destroy(struct mf_sim *sim);

/* Runs one day. Returns MF_OK, or an error (MF_ERR_NOMEM when the agent
 * store cannot grow, MF_ERR_INTERNAL when conservation breaks). */
enum mf_status mf_sim_step(struct mf_sim *sim, struct mf_error *err);

/* Counts of the day just stepped. */
const struct mf_day_counts *mf_sim_day_counts(const struct mf_sim *sim);

/* Totals since the start. */
void mf_sim_totals(const struct mf_sim *sim, struct mf_totals *totals);

/* Days stepped so far, and days the run will take. */
int mf_sim_days_done(const struct mf_sim *sim);
int mf_sim_days_total(const struct mf_sim *sim);

/* Agents in the store that are still in the model (at places or on links). */
int64_t mf_sim_agents_alive(const struct mf_sim *sim);

/* Threads actually used. */
int mf_sim_threads(const struct mf_sim *sim);

/* Wall seconds spent in each phase since the start (seconds[MF_PHASE_COUNT]). */
void mf_sim_phase_seconds(const struct mf_sim *sim, double *seconds);

/* Bytes of agent state per agent (the structure-of-arrays layout). */
int mf_sim_bytes_per_agent(void);

#endif
