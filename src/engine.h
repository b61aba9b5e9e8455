/* The engine's private state: what every rule set shares.
 *
 * The engine owns the world as the scenario's events leave it, the agent
 * store, the per-thread counters and their daily reduction with the
 * conservation check, the random key and the day loop of MODEL.md 5:
 *
 *   1. events   the scenario's events due today (events.c), then the rule
 *               set derives its tables (rules->derive)
 *   2. spawn    new agents (rules->spawn)
 *   3. move     every agent, in parallel: the engine hands each thread
 *               blocks of the store (rules->move_block)
 *   4. capacity requests for capacity-limited links (rules->capacity)
 *   5. count    per-thread counters summed, totals, conservation (engine.c)
 *
 * A rule set (src/sahel/, src/flee/) implements struct mf_rules_impl, as a
 * wlroots backend implements wlr_output_impl. It keeps its own tables in
 * sim->rules_state and declares the agent columns it needs; the engine
 * grows and compacts them. Dispatch is per block of agents, never per
 * agent: the hot loop is the rule set's own. */
#ifndef MF_ENGINE_H
#define MF_ENGINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "migflow/scenario.h"
#include "migflow/sim.h"
#include "state_file.h"

/* Where an agent is, by its state column (every rule set keeps one). The
 * values from AGENT_ARRIVED on mean out of the model: the engine reclaims
 * those slots. A rule set may use the values below as it likes. */
enum agent_state {
	AGENT_AT_PLACE,  /* at a place */
	AGENT_ON_LINK,   /* travelling */
	AGENT_REQUEST,   /* asks for a capacity-limited link today */
	AGENT_ARRIVED,   /* reached the destination: out of the model */
	AGENT_DEAD,
	AGENT_LEFT,      /* went home, or left otherwise: out of the model */
};

/* Agent storage: structure of arrays, one column per variable, declared by
 * the rule set. An agent is addressed by its slot; slots of agents that
 * left the model are reclaimed by mf_store_compact, which keeps the order
 * of the others. */
#define STORE_COLUMNS_MAX 16

struct mf_store {
	int64_t n, capacity;
	int n_columns;
	struct store_column {
		void **data;     /* the rule set's pointer to the array */
		size_t width;    /* bytes per agent: 1, 2, 4, 8 or 16 */
	} column[STORE_COLUMNS_MAX];
	uint8_t **state;     /* the column of enum agent_state */
	int bytes_per_agent;
};

/* Declares a column (before the first reserve); state marks the state
 * column. Returns -1 when there are too many or the width is not one of
 * 1, 2, 4, 8, 16. */
int mf_store_column(struct mf_store *store, void **data, size_t width, bool state);

/* Makes room for at least `capacity` agents; -1 when out of memory. */
int mf_store_reserve(struct mf_store *store, int64_t capacity);

/* Removes agents out of the model (state >= AGENT_ARRIVED), keeping order. */
void mf_store_compact(struct mf_store *store);

/* Frees the columns. */
void mf_store_free(struct mf_store *store);

/* Dynamic state of the world, changed by the scenario's events. */
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
 * occupancy and in_transit count the day's changes (+1 in, -1 out), so an
 * agent that does nothing writes nothing. */
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

/* A rule set: how agents are created, decide and move. Every function but
 * move_block runs on the calling thread. */
struct mf_rules_impl {
	const char *name;
	/* Allocates the rule set's state (sim->rules_state), declares its agent
	 * columns, derives the day-0 tables and places the initial population
	 * (counted in sim->initial_agents and sim->totals.spawned). */
	enum mf_status (*create)(struct mf_sim *sim, struct mf_error *err);
	void (*destroy)(struct mf_sim *sim);
	/* Phase 1, after the day's events: rebuild what the step reads
	 * (sim->world.changed says whether the events changed anything). */
	enum mf_status (*derive)(struct mf_sim *sim, struct mf_error *err);
	/* Phase 2: new agents; adds them to sim->today.spawned[place] (persons)
	 * and to present_agents. */
	enum mf_status (*spawn)(struct mf_sim *sim, struct mf_error *err);
	/* Phase 3: begin_move once, then move_block on blocks of agent slots
	 * [first, end) from every thread with its own counters, then end_move
	 * once (NULL: nothing to do). Blocks start at multiples of block_agents. */
	void (*begin_move)(struct mf_sim *sim);
	void (*move_block)(const struct mf_sim *sim, struct counters *c, int64_t first, int64_t end);
	void (*end_move)(struct mf_sim *sim);
	int block_agents;
	/* Phase 4 (NULL: none). */
	void (*capacity)(struct mf_sim *sim);
	/* Recounts the store against present_agents and transit_agents (tests). */
	enum mf_status (*audit)(const struct mf_sim *sim, struct mf_error *err);
	/* Threads when the run leaves it to the simulation (NULL: OpenMP's
	 * default). */
	int (*default_threads)(const struct mf_scenario *scenario, int days);
	/* The rule set's own parameters (NULL: none): whether name is one and
	 * its range; create applies sim->overrides that are. */
	bool (*has_parameter)(const char *name, double *min, double *max);
	/* Checkpoints (NULL: the rule set cannot be checkpointed). The arrays
	 * of its own that the days change, beyond the agent columns (at most
	 * max; returns how many), and, once they and the world are restored,
	 * the check that the agents are ones this world can step (a damaged
	 * file must not crash the step: MF_ERR_INPUT) and the rebuilding of
	 * what derive keeps as if no day had changed it. */
	int (*state_arrays)(struct mf_sim *sim, struct mf_state_array *arrays, int max);
	enum mf_status (*restored)(struct mf_sim *sim, struct mf_error *err);
};

extern const struct mf_rules_impl mf_rules_sahel; /* src/sahel/rules.c */
extern const struct mf_rules_impl mf_rules_flee;  /* src/flee/rules.c */

struct mf_sim {
	const struct mf_scenario *scenario;
	const struct mf_graph *graph;
	const struct mf_rules_impl *rules;
	void *rules_state;
	int n_places, n_links, n_monitors;
	int days_total, day;
	int next_event;           /* first scenario event not yet applied */
	int threads;
	uint64_t key;             /* random key of (seed, replicate) */
	struct world world;
	/* The model parameters as `parameter` events have left them (a copy of
	 * the scenario's; stay_days_by_country is the sim's own array). */
	struct mf_parameters params;
	struct mf_store store;
	/* The run's parameter overrides, while the rule set is created. */
	const struct mf_override *overrides;
	int n_overrides;
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

/* Phase 1: the scenario's events due today and security ramps (events.c). */
void mf_phase_events(struct mf_sim *sim);

/* Recounts agents against the counts kept by changes (tests). */
enum mf_status mf_sim_audit(const struct mf_sim *sim, struct mf_error *err);

#endif
