/* The model's names and its parameter table (model.h). */
#include "migflow/model.h"

#include <math.h>
#include <string.h>

const char *const mf_place_kind_names[MF_PLACE_KIND_COUNT] = {
	"origin", "town", "hub", "border", "desert", "coast", "destination", "camp", "detention",
};
const char *const mf_link_mode_names[MF_MODE_COUNT] = {"road", "desert", "sea"};
const char *const mf_intent_names[MF_INTENT_COUNT] = {"circular", "onward", "displaced", "return"};
const char *const mf_direction_names[MF_DIR_COUNT] = {"inbound", "outbound", "internal"};

const char *mf_place_kind_name(enum mf_place_kind kind)
{
	return (unsigned)kind < MF_PLACE_KIND_COUNT ? mf_place_kind_names[kind] : "?";
}

const char *mf_link_mode_name(enum mf_link_mode mode)
{
	return (unsigned)mode < MF_MODE_COUNT ? mf_link_mode_names[mode] : "?";
}

const char *mf_intent_name(enum mf_intent intent)
{
	return (unsigned)intent < MF_INTENT_COUNT ? mf_intent_names[intent] : "?";
}

const char *mf_direction_name(enum mf_direction direction)
{
	return (unsigned)direction < MF_DIR_COUNT ? mf_direction_names[direction] : "?";
}

#define FIELD(name) offsetof(struct mf_parameters, name)

/* One row per parameter, in the order of scenarios/README.md, which says
 * more about each (tests/test_model.c holds the two together). */
static const struct mf_param_info table[] = {
	{"speed_km_per_day", MF_PARAM_BY_MODE, FIELD(speed_km_per_day), 0,
	 {[MF_MODE_ROAD] = 500, [MF_MODE_DESERT] = 300, [MF_MODE_SEA] = 300}, 1, 5000, "km/day",
	 "travel days of links without travel_days: distance / speed, rounded up"},
	{"wait_days", MF_PARAM_BY_PLACE_KIND, FIELD(wait_days), 1, {0}, 0, 1e5, "days",
	 "mean wait at a place on the way; daily chance to leave 1 / (1 + wait)"},
	{"stay_days", MF_PARAM_BY_COUNTRY, FIELD(default_stay_days), 90, {0}, 1, 1e5, "days",
	 "mean stay of circular migrants at their goal before heading home"},
	{"cost_per_usd", MF_PARAM_SCALAR, FIELD(cost_per_usd), 0.005, {0}, 0, 1e3, "days per USD",
	 "weight of fares in the route cost"},
	{"cost_per_death_risk", MF_PARAM_SCALAR, FIELD(cost_per_death_risk), 100, {0}, 0, 1e6,
	 "days per unit probability", "weight of a link's death risk in the route cost"},
	{"insecurity_cost", MF_PARAM_SCALAR, FIELD(insecurity_cost), 5, {0}, 0, 1e6,
	 "days per travel day per unit of insecurity", "avoidance of insecure ground in route choice"},
	{"displaced_insecurity_factor", MF_PARAM_SCALAR, FIELD(displaced_insecurity_factor), 3, {0},
	 0, 1e3, "×", "how much more the displaced weigh insecurity"},
	{"route_temperature", MF_PARAM_SCALAR, FIELD(route_temperature), 0.5, {0}, 1e-3, 1e3, "days",
	 "spread of the logit over next links"},
	{"displacement_rate", MF_PARAM_SCALAR, FIELD(displacement_rate), 0, {0}, 0, 1, "per day",
	 "share of a place's population displaced per day per unit fall of its security"},
	{"safe_security", MF_PARAM_SCALAR, FIELD(safe_security), 0.6, {0}, 0, 1, "level",
	 "security at or above which a place is a refuge, and a home to return to"},
	{"insecurity_hazard", MF_PARAM_SCALAR, FIELD(insecurity_hazard), 0, {0}, 0, 1, "per day",
	 "extra daily death probability on links touching insecure places, times (1 - security)"},
	{"closure_security", MF_PARAM_SCALAR, FIELD(closure_security), 0, {0}, 0, 1, "level",
	 "links touching a place below this security close"},
	{"displaced_onward_per_day", MF_PARAM_SCALAR, FIELD(displaced_onward_per_day), 0, {0}, 0, 1,
	 "per day", "chance a displaced person at a refuge turns onward"},
	{"displaced_return_per_day", MF_PARAM_SCALAR, FIELD(displaced_return_per_day), 0, {0}, 0, 1,
	 "per day", "chance a displaced person goes home once home is safe"},
	{"retry_after_interception", MF_PARAM_SCALAR, FIELD(retry_after_interception), 0.5, {0}, 0, 1,
	 "share", "share of people intercepted at sea who try again; the others go home"},
	{"state_retreat", MF_PARAM_SCALAR, FIELD(state_retreat), 0, {0}, 0, 10,
	 "per unit fall of security",
	 "loss of the state's presence on a link per unit fall of security below its start level"},
	{"enforcement_fare_share", MF_PARAM_SCALAR, FIELD(enforcement_fare_share), 0, {0}, 0, 1,
	 "share", "share of a link's fare paid for getting past enforcement; scales with presence"},
	{"armed_group_tax_usd", MF_PARAM_SCALAR, FIELD(armed_group_tax_usd), 0, {0}, 0, 1e4, "USD per crossing",
	 "armed groups' toll per land crossing, times (1 - security) of its worse end"},
	{"kidnap_per_crossing", MF_PARAM_SCALAR, FIELD(kidnap_per_crossing), 0, {0}, 0, 1,
	 "per crossing", "chance a desert crossing ends in kidnapping, times (1 - security)"},
	{"onward_distress_rate", MF_PARAM_SCALAR, FIELD(onward_distress_rate), 0, {0}, 0, 1,
	 "per day", "extra daily chance a displaced person turns onward, reached after onward_distress_days"},
	{"onward_distress_days", MF_PARAM_SCALAR, FIELD(onward_distress_days), 365, {0}, 1, 1e4,
	 "days", "days in the model over which onward_distress_rate ramps up linearly"},
	{"onward_insecurity_rate", MF_PARAM_SCALAR, FIELD(onward_insecurity_rate), 0, {0}, 0, 1,
	 "per day", "extra daily onward chance per unit fall of the refuge's security"},
	{"onward_factor", MF_PARAM_BY_COUNTRY, FIELD(onward_factor_default), 1, {0}, 0, 100, "×",
	 "the extra onward chances times this, by the country of the person's home"},
	{"refuge_temperature", MF_PARAM_SCALAR, FIELD(refuge_temperature), 0, {0}, 0, 1e3, "days",
	 "spread of the logit over refuges by cost; 0 = the nearest"},
	{"refuge_security_days", MF_PARAM_SCALAR, FIELD(refuge_security_days), 0, {0}, 0, 1e3,
	 "days per unit of insecurity", "a refuge's insecurity in the cost of choosing it"},
	{"queue_cost", MF_PARAM_SCALAR, FIELD(queue_cost), 0, {0}, 0, 1e3, "days",
	 "route cost of a capped link per unit of its smoothed refused share; 0 = off"},
	{"queue_smoothing", MF_PARAM_SCALAR, FIELD(queue_smoothing), 0.1, {0}, 0, 1, "per day",
	 "weight of today's refused share in the smoothed queue signal"},
};

#define TABLE_SIZE ((int)(sizeof(table) / sizeof(*table)))

int mf_param_count(void)
{
	return TABLE_SIZE;
}

const struct mf_param_info *mf_param_table(int i)
{
	return i >= 0 && i < TABLE_SIZE ? &table[i] : NULL;
}

const struct mf_param_info *mf_param_find(const char *name)
{
	for (int i = 0; i < TABLE_SIZE; i++)
		if (strcmp(name, table[i].name) == 0)
			return &table[i];
	return NULL;
}

double *mf_param_field(struct mf_parameters *params, const struct mf_param_info *info)
{
	return (double *)(void *)((char *)params + info->offset); /* offsetof a double field */
}

double *mf_param_by_country(struct mf_parameters *params, const struct mf_param_info *info)
{
	if (info->shape != MF_PARAM_BY_COUNTRY)
		return NULL;
	if (info->offset == FIELD(onward_factor_default))
		return params->onward_factor_by_country;
	return params->stay_days_by_country;
}

double mf_param_onward_factor(const struct mf_parameters *params, int country)
{
	double f = country >= 0 && country < MF_COUNTRY_MAX ? params->onward_factor_by_country[country] : NAN;
	return isnan(f) ? params->onward_factor_default : f;
}

void mf_parameters_set_defaults(struct mf_parameters *params)
{
	for (int i = 0; i < TABLE_SIZE; i++) {
		double *field = mf_param_field(params, &table[i]);
		switch (table[i].shape) {
		case MF_PARAM_SCALAR:
		case MF_PARAM_BY_COUNTRY:
			*field = table[i].default_value;
			break;
		case MF_PARAM_BY_MODE:
			for (int m = 0; m < MF_MODE_COUNT; m++)
				field[m] = table[i].mode_default[m];
			break;
		case MF_PARAM_BY_PLACE_KIND: {
			double (*by_kind)[MF_INTENT_COUNT] = (double (*)[MF_INTENT_COUNT])field;
			for (int k = 0; k < MF_PLACE_KIND_COUNT; k++)
				for (int intent = 0; intent < MF_INTENT_COUNT; intent++)
					by_kind[k][intent] = table[i].default_value;
			break;
		}
		}
	}
	for (int c = 0; c < MF_COUNTRY_MAX; c++)
		params->onward_factor_by_country[c] = NAN; /* not given: the default */
}
