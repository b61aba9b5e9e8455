/* The model's vocabulary and its parameters: kinds of place, modes of links,
 * why people move (intents), the directions monitoring points count, and
 * the table of model parameters. The bottom of the library: graphs,
 * scenarios, events, batches and calibrations take names, defaults and
 * ranges from here, and scenarios/README.md documents the same table
 * (tests/test_model.c checks that the two agree). */
#ifndef MIGFLOW_MODEL_H
#define MIGFLOW_MODEL_H

#include <stddef.h>

enum mf_place_kind {
	MF_PLACE_ORIGIN,      /* spawns people */
	MF_PLACE_TOWN,
	MF_PLACE_HUB,         /* Agadez, Sabha: waiting, working, finding a smuggler */
	MF_PLACE_BORDER,      /* border post */
	MF_PLACE_DESERT,      /* desert waypoint */
	MF_PLACE_COAST,       /* coastal departure point */
	MF_PLACE_DESTINATION, /* Lampedusa / Italy: reaching it leaves the model */
	MF_PLACE_CAMP,        /* refugee or IDP camp */
	MF_PLACE_DETENTION,
	MF_PLACE_KIND_COUNT
};

enum mf_link_mode { MF_MODE_ROAD, MF_MODE_DESERT, MF_MODE_SEA, MF_MODE_COUNT };

enum mf_intent {
	MF_INTENT_CIRCULAR,  /* seasonal and labour mobility, comes back home */
	MF_INTENT_ONWARD,    /* heading for Europe */
	MF_INTENT_DISPLACED, /* fleeing insecurity */
	MF_INTENT_RETURN,    /* going home */
	MF_INTENT_COUNT
};

/* Of a pass at a monitoring point, relative to the point's country. */
enum mf_direction { MF_DIR_INBOUND, MF_DIR_OUTBOUND, MF_DIR_INTERNAL, MF_DIR_COUNT };

/* Names as network and scenario files spell them, indexed by the enums. */
extern const char *const mf_place_kind_names[MF_PLACE_KIND_COUNT];
extern const char *const mf_link_mode_names[MF_MODE_COUNT];
extern const char *const mf_intent_names[MF_INTENT_COUNT];
extern const char *const mf_direction_names[MF_DIR_COUNT];

/* The name of one value ("?" when out of range). */
const char *mf_place_kind_name(enum mf_place_kind kind);
const char *mf_link_mode_name(enum mf_link_mode mode);
const char *mf_intent_name(enum mf_intent intent);
const char *mf_direction_name(enum mf_direction direction);

/* Countries a scenario's parameters can name by country (the Sahel rule
 * set keeps a country in a byte). */
#define MF_COUNTRY_MAX 256

/* Named model parameters; mf_param_table gives each one's name, default,
 * range, unit and meaning. */
struct mf_parameters {
	double speed_km_per_day[MF_MODE_COUNT];
	/* Mean days an agent waits at a place that is not its goal, by kind of
	 * place and intent; leaving probability per day is 1 / mean. */
	double wait_days[MF_PLACE_KIND_COUNT][MF_INTENT_COUNT];
	/* Mean stay of circular migrants at their goal, by the goal's country
	 * (graph country index); default_stay_days elsewhere. */
	double *stay_days_by_country;
	double default_stay_days;
	/* Route choice: generalised cost of a link, in days. */
	double cost_per_usd;          /* days per USD of fare */
	double cost_per_death_risk;   /* days per unit of death probability */
	double insecurity_cost;       /* days per travel day per unit of (1 - security) */
	double displaced_insecurity_factor; /* displaced weigh insecurity this much more */
	double route_temperature;     /* days; softmax spread over next links */
	/* Displacement by insecurity (channel 1 of MODEL.md 6). */
	double displacement_rate;     /* share of population per day at security 0 */
	double safe_security;         /* a place at or above is a refuge */
	/* Channel 3: extra death probability per day on links touching insecure
	 * places, times (1 - security). */
	double insecurity_hazard;
	/* Channel 4: links touching places below this security close. */
	double closure_security;
	/* Displaced at a refuge: per-day probability to turn onward / return. */
	double displaced_onward_per_day;
	double displaced_return_per_day;
	/* Share of intercepted people who try again (others return home). */
	double retry_after_interception;
	/* Mechanisms of a state's collapse (issue 14), all off at 0. The
	 * state's presence on a link is 1 - state_retreat * (fall of security
	 * below its start level at either end); interception, the enforcement
	 * share of fares and capacity caps scale with it. */
	double state_retreat;
	double enforcement_fare_share;
	double armed_group_tax_usd;   /* USD per crossing per unit of insecurity */
	double kidnap_per_crossing;   /* per desert crossing per unit of insecurity */
	/* Onward movement out of displacement: rises with days in the model
	 * (to onward_distress_rate after onward_distress_days) and with the
	 * fall of the refuge's security. */
	double onward_distress_rate;
	double onward_distress_days;
	double onward_insecurity_rate;
	/* The extra onward chances (distress, insecurity) times a factor by the
	 * country of the person's home: the group. NaN = not given (default). */
	double onward_factor_by_country[MF_COUNTRY_MAX];
	double onward_factor_default;
	/* Choice among refuges: a logit on cost (0 = the nearest). */
	double refuge_temperature;
	double refuge_security_days;
	/* Capacity in route choice: a smoothed refused share per capped link. */
	double queue_cost;
	double queue_smoothing;
};

/* How a parameter's values are laid out, and how scenarios name them. */
enum mf_param_shape {
	MF_PARAM_SCALAR,        /* one double: `name` */
	MF_PARAM_BY_MODE,       /* double[MF_MODE_COUNT]: `name.<mode>` */
	MF_PARAM_BY_PLACE_KIND, /* double[MF_PLACE_KIND_COUNT][MF_INTENT_COUNT]:
				 * `name.<kind>` (every intent) or `name.<kind>.<intent>` */
	MF_PARAM_BY_COUNTRY,    /* `name.<country>` into mf_param_by_country's array
				 * (stay_days, onward_factor); the field holds
				 * `name.default`, the value of the countries not named */
};

/* One row of the parameter table. */
struct mf_param_info {
	const char *name;      /* as a scenario's `parameters:` spells it */
	enum mf_param_shape shape;
	size_t offset;         /* of its field in struct mf_parameters */
	double default_value;  /* of every element (BY_MODE: mode_default) */
	double mode_default[MF_MODE_COUNT]; /* BY_MODE: by enum mf_link_mode */
	double min, max;       /* the range scenario files accept, inclusive */
	const char *unit;
	const char *doc;       /* one line */
};

/* The parameter table, in the order scenarios/README.md lists it: the
 * families (speed_km_per_day, wait_days, stay_days), then the scalars.
 * mf_param_table(i) is NULL outside [0, mf_param_count()). */
int mf_param_count(void);
const struct mf_param_info *mf_param_table(int i);

/* The row named name (a family's name without its suffix), or NULL. */
const struct mf_param_info *mf_param_find(const char *name);

/* Every parameter at its default. stay_days_by_country is left alone: it
 * belongs to the caller, who fills it (by country of a graph) with
 * default_stay_days where a scenario names no value. */
void mf_parameters_set_defaults(struct mf_parameters *params);

/* The parameter's field in params: its one double, or the first of its
 * array (BY_MODE by mode; BY_PLACE_KIND row by row, a row per kind of
 * place, a column per intent), or for BY_COUNTRY the default. */
double *mf_param_field(struct mf_parameters *params, const struct mf_param_info *info);

/* A BY_COUNTRY parameter's values by graph country index (stay_days:
 * stay_days_by_country; onward_factor: onward_factor_by_country, NaN where
 * not given), or NULL for another shape. */
double *mf_param_by_country(struct mf_parameters *params, const struct mf_param_info *info);

/* The onward factor of country c (onward_factor.<country>, else .default). */
double mf_param_onward_factor(const struct mf_parameters *params, int country);

#endif
