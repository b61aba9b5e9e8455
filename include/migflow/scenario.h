/* Scenarios: a YAML file that says which network to load, who spawns where,
 * which monitoring points count passes, the model's parameters and the events
 * that change the world over time. Read with libyaml's document API so that
 * every error names file:line:column and the key. The language is documented
 * key by key in scenarios/README.md. */
#ifndef MIGFLOW_SCENARIO_H
#define MIGFLOW_SCENARIO_H

#include <stdbool.h>
#include <stdint.h>
#include "migflow/error.h"
#include "migflow/graph.h"
#include "migflow/model.h"

#define MF_GOALS_MAX 16

/* Where a group heads (or where its members live): places with weights. */
struct mf_goal_set {
	int n;
	int place[MF_GOALS_MAX];
	double weight[MF_GOALS_MAX]; /* > 0, normalised when drawn */
};

/* A daily flow of new agents from one place. */
struct mf_source {
	char name[MF_NAME_MAX]; /* "<place>-<intent>" unless named */
	int place;
	enum mf_intent intent;
	double rate;           /* persons per day before seasonality and events */
	double season[12];     /* monthly multipliers, 1 by default */
	struct mf_goal_set goals;
	int line, column;
};

/* People already on the map on the first day. */
struct mf_initial {
	int place;
	enum mf_intent intent;
	double persons;
	struct mf_goal_set homes; /* where they come from; default: the place */
	int line, column;
};

/* A flow monitoring point: passes are counted when an agent arrives over
 * one of its links, by direction relative to the point's country. */
struct mf_monitor {
	char name[MF_NAME_MAX];
	int place;             /* the place it stands at, -1 if given by links */
	int country;           /* graph country index the directions refer to */
	int n_links;
	int *links;            /* link indices */
	bool count_direction[3]; /* which directions are counted */
};

/* Expulsions: people at `from` are moved to `to` (Algeria -> Assamaka). */
struct mf_expulsion {
	int from, to;
	double daily_probability; /* per person per day at `from` */
	double retry_share;       /* share who keep their intent; others return */
};

enum mf_event_kind {
	MF_EVENT_SECURITY,    /* set security of places to level (ramped) */
	MF_EVENT_CLOSURE,     /* close links */
	MF_EVENT_REOPEN,      /* reopen links */
	MF_EVENT_CAPACITY,    /* set daily capacity of links (persons/day, 0 unlimited) */
	MF_EVENT_SPEED,       /* multiply the speed of links (travel days divide) */
	MF_EVENT_FARE,        /* set (value_is_absolute) or multiply the base fare */
	MF_EVENT_HAZARD,      /* set or multiply the daily death probability, or set it per sea crossing */
	MF_EVENT_INTERCEPTION,/* set the interception probability of sea links */
	MF_EVENT_CONVOY,      /* set the departure weekday of links (-1 daily) */
	MF_EVENT_SOURCE_RATE, /* multiply spawning of matching sources */
	MF_EVENT_PARAMETER,   /* set a model parameter (named as in `parameters:`) */
	MF_EVENT_KIND_COUNT
};

struct mf_event {
	int day;               /* day index from the start */
	enum mf_event_kind kind;
	int n_places;          /* SECURITY: places affected */
	int *places;
	int n_links;           /* link events: links affected */
	int *links;
	char source_name[MF_NAME_MAX]; /* SOURCE_RATE: "" = any */
	int source_place;      /* SOURCE_RATE: -1 = any */
	int source_intent;     /* SOURCE_RATE: -1 = any */
	char parameter[64];    /* PARAMETER: its name, e.g. wait_days.hub.onward */
	double value;          /* level, capacity, factor, fare, probability ... */
	bool value_is_absolute;/* FARE, HAZARD: value replaces instead of multiplying */
	bool per_crossing;     /* HAZARD: value is the death probability per sea crossing */
	int weekday;           /* CONVOY: 0 = Monday ... 6, -1 daily */
	int ramp_days;         /* SECURITY: 0 = step */
	char target[96];       /* what it acts on, for summaries ("country Mali") */
	char policy[MF_NAME_MAX]; /* the policy switch it comes from, "" if none */
	char file[4096];       /* where it was written */
	int line, column;
};

/* The prior of a free parameter in `migflow posterior` (`prior:` in the
 * calibrate block). By default uniform on the search scale: uniform, or
 * log-uniform with `search: log`. Every prior is truncated to [min, max]. */
enum mf_prior_family {
	MF_PRIOR_DEFAULT,
	MF_PRIOR_UNIFORM,
	MF_PRIOR_LOG_UNIFORM,
	MF_PRIOR_NORMAL,      /* prior_mean, prior_sd in the parameter's units */
	MF_PRIOR_LOG_NORMAL,  /* prior_mean is the median, prior_sd the sd of log */
};

/* A free parameter of the calibration (`calibrate:` block): a YAML path to
 * one value it sets, or to values it multiplies. */
struct mf_free_parameter {
	char name[MF_NAME_MAX];
	char path[160];
	bool multiplier;        /* `scale:` path (multiplies) rather than `set:` */
	double min, max, start;
	bool log_scale;         /* searched on a log scale */
	enum mf_prior_family prior;
	double prior_mean, prior_sd;
	char file[4096];
	int line, column;
};

/* Rule sets (src/engine.h): how agents are created, decide and move. */
enum mf_rules {
	MF_RULES_SAHEL,         /* MODEL.md: intents, goals, generalised cost */
	MF_RULES_FLEE,          /* FLEE's rules on a FLEE instance (scenarios/FLEE.md) */
	MF_RULES_COUNT
};

struct mf_flee_instance;

struct mf_scenario {
	char path[4096];
	char name[MF_NAME_MAX];
	char *description;
	int start;              /* days since 1970-01-01 */
	int days;               /* number of simulated days */
	int report_from;        /* day index where the reporting window starts */
	uint64_t seed;
	int agent_scale;        /* persons per agent, >= 1 */
	struct mf_graph *graph; /* owned */
	int n_sources, n_initial, n_monitors, n_expulsions, n_events;
	struct mf_source *sources;
	struct mf_initial *initial;
	struct mf_monitor *monitors;
	struct mf_expulsion *expulsions;
	struct mf_event *events; /* sorted by day, stable */
	struct mf_parameters params;
	int destination;        /* place index onward migrants head for */
	int n_free;             /* free parameters of the calibration */
	struct mf_free_parameter *free;
	char targets_path[4096]; /* `targets:` file, "" if none */
	char *resolved_text;    /* the scenario with `extends` merged, as YAML */
	char *source_text;      /* the text of every file read, with its name */
	enum mf_rules rules;    /* the rule set agents follow */
	/* rules flee: the FLEE instance that is the world (graph, spawning,
	 * conflicts, closures, validation data); flee_owned when the scenario
	 * loaded it and frees it. */
	const struct mf_flee_instance *flee;
	struct mf_flee_instance *flee_owned;
};

/* Name of an event kind ("security", "closure", ...). */
const char *mf_event_kind_name(enum mf_event_kind kind);

/* Reads, validates and resolves a scenario (and the network it names).
 * Returns NULL and fills err on bad input. Caller frees with
 * mf_scenario_destroy. */
struct mf_scenario *mf_scenario_load(const char *path, struct mf_error *err);

/* As mf_scenario_load, with the scenario's YAML text given: path (which
 * need not exist) names it in errors and places the files it refers to
 * (extends, network, targets) relative to its directory. */
struct mf_scenario *mf_scenario_load_text(const char *text, const char *path,
					  struct mf_error *err);

/* Frees a scenario. Accepts NULL. */
void mf_scenario_destroy(struct mf_scenario *scenario);

/* A hash of the scenario's text (the resolved scenario and every file
 * read): the same files, unchanged (batches, checkpoints). */
uint64_t mf_scenario_text_hash(const struct mf_scenario *scenario);

/* A scenario kept as its YAML tree, to be built again with the values of
 * its free parameters changed (calibration). */
struct mf_scenario_source;

/* Reads path as mf_scenario_load does and keeps its tree. The free
 * parameters' values must be written in path itself (not in a file it
 * extends), so that they can be written back. Caller frees with
 * mf_scenario_source_destroy. */
struct mf_scenario_source *mf_scenario_source_load(const char *path, struct mf_error *err);
/* As mf_scenario_source_load, with the free parameters of a calibrate
 * block written in a file it extends (a what-if of a calibrated scenario),
 * for runs under a posterior. */
struct mf_scenario_source *mf_scenario_source_load_inherited(const char *path,
							     struct mf_error *err);
void mf_scenario_source_destroy(struct mf_scenario_source *source);

/* The scenario as loaded (owned by source). */
const struct mf_scenario *mf_scenario_source_scenario(const struct mf_scenario_source *source);

/* Whether fitted values can be written into the source's file
 * (mf_scenario_source_text): not when a free parameter names values of a
 * file it extends (MF_ERR_INPUT at the parameter). */
enum mf_status mf_scenario_source_writable(const struct mf_scenario_source *source,
					   struct mf_error *err);

/* The values in the file(s) that free parameter i sets or multiplies:
 * *values points at them (owned by source); returns how many. */
int mf_scenario_source_values(const struct mf_scenario_source *source, int i,
			      const double **values);

/* How much source's values already carry its scale parameters compared
 * with reference (the scenario a posterior was computed on; parameters
 * matched by name): factor[i] for each free parameter i of source such
 * that every value the solved (solve[i]) scale parameters multiply, and no
 * set parameter sets, is the reference's value times the product of the
 * factors of the parameters multiplying it; 1 for the others. A
 * calibrated file (whose fitted multipliers were written into its values)
 * and what extends it get the fitted multipliers back. MF_ERR_INPUT when
 * no such factors exist. */
enum mf_status mf_scenario_source_rebase(const struct mf_scenario_source *source,
					 const struct mf_scenario_source *reference,
					 const bool *solve, double *factor, struct mf_error *err);

/* A new scenario with free parameter i set to values[i] (values may be
 * NULL: the file's values). Safe to call from several threads at once (the
 * builds take turns). Caller frees with mf_scenario_destroy. */
struct mf_scenario *mf_scenario_source_build(struct mf_scenario_source *source,
					     const double *values, struct mf_error *err);

/* The text of the scenario file with the free parameters' values written
 * in place (comments and layout kept). Caller frees. */
char *mf_scenario_source_text(const struct mf_scenario_source *source, const double *values);

#endif
