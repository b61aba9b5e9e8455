/* FLEE instances: read, simulate and validate the instances of FLEE
 * (djgroen/flee, the agent-based refugee movement simulator; instances in
 * djgroen/FabFlee) with a FLEE-compatible rule set.
 *
 * An instance is a directory:
 *
 *   input_csv/   locations.csv routes.csv sim_period.csv and, optionally,
 *                conflicts.csv closures.csv registration_corrections.csv
 *   source_data/ data_layout.csv refugees.csv and one series per camp
 *   simsetting.yml (optional; every key has FLEE's default)
 *
 * The formats, the daily loop and the rules are those of
 * /work/shared/flee/FLEE.md; scenarios/FLEE.md says where migflow deviates
 * from FLEE and why. Location names are the join key everywhere. Every
 * input error names file:line:column and the column (or key). */
#ifndef MIGFLOW_FLEE_H
#define MIGFLOW_FLEE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "migflow/error.h"
#include "migflow/scenario.h"
#include "migflow/sim.h"

/* ---- The instance ---- */

/* Type of a location, from the location_type column (substring match). */
enum mf_flee_location_type {
	MF_FLEE_TOWN,       /* "town" or "default" */
	MF_FLEE_CONFLICT,   /* "conflict..." */
	MF_FLEE_CAMP,       /* "camp" */
	MF_FLEE_IDP_CAMP,   /* "camp" and "idp" */
	MF_FLEE_FORWARD,    /* "forward..." forwarding hub, movechance 1 */
	MF_FLEE_MARKER,     /* "marker": a waypoint, never a destination */
	MF_FLEE_FLOOD_ZONE, /* "flood_zone": a town for the rules implemented */
	MF_FLEE_TYPE_COUNT
};

struct mf_flee_location {
	char *name;               /* unique, the join key (owned by the instance) */
	char *region, *country;   /* "unknown" when empty */
	int country_index;        /* into mf_flee_instance.countries */
	bool foreign;             /* country differs from the first row's */
	double x, y;              /* columns 3 and 4 as given (lat, lon in the files) */
	enum mf_flee_location_type type; /* as read; conflict types stay conflict */
	bool camp;                /* a camp on day 0 (camp, IDP camp or auto-converted) */
	int conflict_date;        /* conflict types: column 6 (empty = 0), else -1 */
	double population;        /* non-camps: column 7 / hasten (floor), spawn weight */
	double capacity;          /* camps: column 7 / hasten (floor); others -1 (none) */
	double conflict_intensity; /* attribute conflict_intensity, default 1 */
	double capacity_per_day;  /* attribute capacity_per_day (persons/day / hasten) */
	long initial_idps;        /* attribute initial_idps (agents placed on day 0) */
	double deactivation_probability; /* attribute (camps_are_sinks), default 0 */
	int line;                 /* line in locations.csv */
};

/* One row of routes.csv: a pair of directed links, a->b is link 2*r and
 * b->a is link 2*r+1. */
struct mf_flee_route {
	int a, b;                 /* location indices */
	double distance_km;       /* > 0 */
	int forced_redirection;   /* 0, 1 or 2 as read; Flee 3 routing ignores it */
	double max_move_speed;    /* attribute, km/day; 0 = the setting's */
	double walk_probability;  /* attribute, chance a day on the link is walked */
	int line;
};

enum mf_flee_closure_type {
	MF_FLEE_CLOSE_COUNTRY,    /* a, b: country indices */
	MF_FLEE_CLOSE_LOCATION,   /* a: location */
	MF_FLEE_CLOSE_LINK,       /* a, b: locations */
	MF_FLEE_CLOSE_CAMP,       /* a: camp turned into a town */
	MF_FLEE_CLOSE_IDP_CAMP,   /* a: IDP camp turned into a town */
	MF_FLEE_REMOVE_FORCED_REDIRECTION, /* read and checked; no effect */
	MF_FLEE_CLOSURE_TYPE_COUNT
};

struct mf_flee_closure {
	enum mf_flee_closure_type type;
	int a, b;                 /* b = -1 when unused */
	int start, end;           /* in force on days start <= t < end; end < 0 or
	                           * not reached: never lifted */
	int line;
};

/* A validation series (one camp's file, or several summed): data points by
 * day offset from the start date, already divided by hasten and corrected
 * for level-1 registrations. */
struct mf_flee_series {
	int n;
	int *day;                 /* increasing */
	double *value;
};

/* simsetting.yml, with FLEE's defaults. Names follow its keys. */
struct mf_flee_settings {
	/* spawn_rules */
	bool take_from_population;        /* false */
	bool insert_day0;                 /* true */
	bool empty_camps_on_day0;         /* false */
	bool sum_from_camps;              /* true */
	bool camps_are_sinks;             /* false (FLEE reads it misspelt) */
	int n_conflict_spawn_decay;       /* 0: no decay */
	double conflict_spawn_decay[64];
	int conflict_spawn_decay_interval; /* 30 days */
	/* move_rules */
	double max_move_speed;            /* 360 km/day */
	double max_walk_speed;            /* 35 km/day */
	double max_crossing_speed;        /* 20 km/day (read; unused by FLEE's moves) */
	double foreign_weight;            /* 1 */
	double camp_weight;               /* 1 */
	double conflict_weight;           /* 1/sqrt(10) */
	double conflict_movechance;       /* 1 */
	double camp_movechance;           /* 0.001 */
	double idpcamp_movechance;        /* 0.1 */
	double default_movechance;        /* 0.3 */
	int awareness_level;              /* 1 */
	double capacity_buffer;           /* 0.9 */
	double capacity_scaling;          /* 1 */
	bool avoid_short_stints;          /* false */
	bool start_on_foot;               /* false */
	double softening;                 /* 10 km */
	double weight_softening;          /* 0 */
	double weight_power;              /* 1 */
	double distance_power;            /* 1 */
	double pruning_threshold;         /* 1 = off */
	double movechance_pop_base;       /* 10000 */
	double movechance_pop_scale_factor; /* 0 = off */
	/* optimisations */
	int hasten;                       /* 1: persons per agent */
};

/* Something an instance says that FLEE runs with and migflow reads
 * leniently (MF_FLEE_LENIENT: refused instead under strict loading), or
 * that migflow does not use (MF_FLEE_UNUSED: optional files, defaults). */
enum mf_flee_warning_kind {
	MF_FLEE_LENIENT,
	MF_FLEE_UNUSED,
};

struct mf_flee_warning {
	enum mf_flee_warning_kind kind;
	char *file;               /* the file it is about */
	int line, column;         /* 1-based; 0 when not about a place in it */
	char *field;              /* column or key; "" when none */
	char *message;            /* what was found and what was done */
};

/* Formats a warning as "file:line:column: 'field': message" (the parts
 * known). Returns what snprintf returns. */
int mf_flee_warning_format(const struct mf_flee_warning *warning, char *out,
			   size_t size);

struct mf_flee_instance {
	char *dir;                /* the instance directory as given */
	char *name;               /* its last path component */
	int start;                /* StartDate, days since 1970-01-01 */
	int length;               /* Length, days */
	int run_days;             /* days a run covers by default: length, or
	                           * fewer when conflicts.csv has fewer rows */
	int n_locations, n_routes, n_closures, n_countries;
	struct mf_flee_location *locations;
	struct mf_flee_route *routes;
	struct mf_flee_closure *closures;
	char **countries;
	/* conflicts.csv: intensity of column c on day t is
	 * conflict_value[t * n_conflict_columns + c]; no file: has_conflicts
	 * false and conflict types follow their conflict_date. */
	bool has_conflicts;
	int n_conflict_columns, conflict_days;
	int *conflict_location;   /* [column] */
	double *conflict_value;
	/* Validation data (source_data/). */
	struct mf_flee_series total;   /* refugees.csv */
	int n_camps;              /* data_layout rows after the first */
	char **camp_label;        /* [camp] the row's label */
	int *camp_location;       /* [camp] location index; -1 for a row naming
	                           * no camp of locations.csv: its series
	                           * drives spawning (sum_from_camps), as in
	                           * FLEE, but it is neither placed on day 0
	                           * nor scored */
	struct mf_flee_series *camp_series; /* [camp] */
	struct mf_flee_settings settings;
	bool strict;              /* loaded strictly: no MF_FLEE_LENIENT warnings */
	/* What was read leniently or not used, in the order found, for the
	 * caller to show and store (scenarios/FLEE.md lists each case). */
	int n_warnings;
	struct mf_flee_warning *warnings;
};

/* Loads the instance in dir with simsetting.yml's hasten. Returns NULL and
 * fills err (file:line:column and column or key) on bad input. Caller frees
 * with mf_flee_destroy. */
struct mf_flee_instance *mf_flee_load(const char *dir, struct mf_error *err);

/* Same, with optimisations.hasten replaced by hasten (>= 1; 0 keeps the
 * file's). */
struct mf_flee_instance *mf_flee_load_scaled(const char *dir, int hasten,
					     struct mf_error *err);

struct mf_flee_load_options {
	int hasten;               /* replaces optimisations.hasten; 0 keeps it */
	bool strict;              /* MF_FLEE_LENIENT warnings are errors */
};

/* Loads with options (NULL: the defaults). */
struct mf_flee_instance *mf_flee_load_with(const char *dir,
					   const struct mf_flee_load_options *options,
					   struct mf_error *err);

/* A number of simsetting.yml's move_rules (camp_movechance, ...): its
 * offset in struct mf_flee_settings and the range FLEE's reader accepts.
 * The FLEE rule set's parameters are these, named flee.<key>. */
bool mf_flee_setting_number(const char *name, size_t *offset, double *min, double *max);

/* The same number in settings (its range in min, max), or NULL. */
double *mf_flee_setting(struct mf_flee_settings *settings, const char *name, double *min,
			double *max);

/* Frees an instance. Accepts NULL. */
void mf_flee_destroy(struct mf_flee_instance *instance);

/* Index of the location with this name, or -1. */
int mf_flee_location_index(const struct mf_flee_instance *instance,
			   const char *name);

/* A validation series on a day, as FLEE reads it: linear interpolation
 * between data points truncated to a whole number, the first value before
 * the first point and the last value after the last. 0 for an empty
 * series. In agents (persons / hasten). */
long mf_flee_series_value(const struct mf_flee_series *series, int day);

/* Camp c's validation value on a day (with empty_camps_on_day0 applied). */
long mf_flee_camp_data(const struct mf_flee_instance *instance, int camp,
		       int day);

/* Agents the data-driven spawning creates on each day 0 .. days-1
 * (new_agents[day]) and the agents placed in camps before day 0 (*initial).
 * Pure function of the data: the same for every seed. */
enum mf_status mf_flee_spawn_plan(const struct mf_flee_instance *instance,
				  int days, int64_t *new_agents,
				  int64_t *initial, struct mf_error *err);

/* ---- Simulation ---- */

/* A FLEE instance runs on the engine (migflow/sim.h) with the FLEE rule
 * set: mf_flee_scenario_create describes it as a scenario with rules flee,
 * and mf_sim_create runs it. Day counts are laid out for its network:
 * occupancy with intent displaced, link_flow, in_transit, arrivals,
 * spawned (day 0 includes the camp populations placed before it) and
 * returns (agents removed by camps_are_sinks), in persons (agents x
 * hasten). Options: threads 0 = one per 250,000 agents, at most OpenMP's
 * maximum (smaller runs are cheaper on one thread); days 0 = the
 * instance's run_days. */

/* Whether directed link l (2*route or 2*route+1) was open on the day just
 * stepped of a simulation with rules flee (false otherwise). */
bool mf_flee_link_open(const struct mf_sim *sim, int link);

/* ---- Output ---- */

/* A migflow scenario (network of places and links, start date, agent
 * scale, rules flee) describing the instance: the world mf_sim_create runs
 * and src/output.c writes. The instance must outlive it. Places are the
 * locations in file order, their id and name FLEE's location name (an id
 * longer than MF_ID_MAX - 1 bytes is shortened and made unique; name keeps
 * up to MF_NAME_MAX - 1 bytes). Links are 2*route (a->b) and 2*route+1.
 * resolved_text holds the effective settings. Caller frees with
 * mf_flee_scenario_destroy. */
struct mf_scenario *mf_flee_scenario_create(const struct mf_flee_instance *instance,
					    uint64_t seed, struct mf_error *err);
void mf_flee_scenario_destroy(struct mf_scenario *scenario);

/* Makes scenario a FLEE world: the instance's network (as above), start,
 * days (run_days), agent scale (hasten) and rules flee; the instance must
 * outlive it. For the scenario reader's `flee:` key. */
enum mf_status mf_flee_world_fill(struct mf_scenario *scenario,
				  const struct mf_flee_instance *instance, struct mf_error *err);

/* ---- Validation: FLEE's averaged relative difference ---- */

struct mf_flee_ard {
	int days;
	double *ard;              /* [day] sum_c |sim_c - data_c| / max(1, sum_c data_c) */
	double *ard_rescaled;     /* same with sim_c scaled so that sum_c sim_c = sum_c data_c */
	double mean, mean_rescaled; /* over the days */
};

/* ARD of a run given the agents at every location at the end of each day
 * (agents[day * n_locations + location], days >= 1), against the camps of
 * data_layout.csv. Fills ard (free with mf_flee_ard_free). */
enum mf_status mf_flee_ard_compute(const struct mf_flee_instance *instance,
				   const int64_t *agents, int days,
				   struct mf_flee_ard *ard, struct mf_error *err);

/* Frees the arrays of an ARD result. Accepts NULL. */
void mf_flee_ard_free(struct mf_flee_ard *ard);

/* The agent scale (hasten) recorded in a run file, so that the instance can
 * be loaded at the scale of the run. */
enum mf_status mf_flee_run_agent_scale(const char *run_path, int *agent_scale,
				       struct mf_error *err);

/* ARD of a run file: one result per replicate. */
struct mf_flee_run_ard {
	int replicates;           /* 0: a single run (no replicate dimension) */
	int n;                    /* results: replicates, or 1 for a single run */
	struct mf_flee_ard *ard;  /* [n] */
	double mean, mean_rescaled; /* of the n results' means */
};

/* Reads the occupancy of a run file written for this instance (places
 * matched by name; a single run or an ensemble with a replicate
 * dimension), computes each replicate's ARD over the camps that
 * data_layout.csv names and the simulation has, and when store is true
 * writes into the file ard([replicate,] time) and ard_rescaled(...), for
 * an ensemble ard_replicate_mean(replicate) and
 * ard_rescaled_replicate_mean(replicate), and the global attributes
 * ard_mean, ard_rescaled_mean (over the replicates) and ard_camps (the
 * camps scored, comma separated). Free result with mf_flee_run_ard_free. */
enum mf_status mf_flee_ard_of_run(const char *run_path,
				  const struct mf_flee_instance *instance,
				  bool store, struct mf_flee_run_ard *result,
				  struct mf_error *err);

/* Frees the results of mf_flee_ard_of_run. Accepts NULL. */
void mf_flee_run_ard_free(struct mf_flee_run_ard *result);

struct mf_ensemble_options;

/* Simulates the ensemble of options (replicates, seed, threads, days,
 * overrides) of a scenario with rules flee in memory, no file, and gives
 * the mean over its runs of each run's mean ARD, normal and rescaled
 * (as `migflow validate` scores a file). */
enum mf_status mf_flee_ard_simulate(const struct mf_scenario *scenario,
				    const struct mf_ensemble_options *options, double *mean,
				    double *mean_rescaled, struct mf_error *err);

#endif
