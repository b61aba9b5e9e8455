/* Model parameters by name (parameters.h). */
#include "parameters.h"

#include <stdio.h>
#include <string.h>

#include "text.h"

#define NAME_SIZE 64

/* The scalar parameters with the ranges scenario files accept for them:
 * the one table scenario.c's read_parameters, events and batches use. */
static const struct {
	const char *name;
	size_t offset;
	double min, max;
} scalars[] = {
	{"cost_per_usd", offsetof(struct mf_parameters, cost_per_usd), 0, 1e3},
	{"cost_per_death_risk", offsetof(struct mf_parameters, cost_per_death_risk), 0, 1e6},
	{"insecurity_cost", offsetof(struct mf_parameters, insecurity_cost), 0, 1e6},
	{"displaced_insecurity_factor", offsetof(struct mf_parameters, displaced_insecurity_factor), 0, 1e3},
	{"route_temperature", offsetof(struct mf_parameters, route_temperature), 1e-3, 1e3},
	{"displacement_rate", offsetof(struct mf_parameters, displacement_rate), 0, 1},
	{"safe_security", offsetof(struct mf_parameters, safe_security), 0, 1},
	{"insecurity_hazard", offsetof(struct mf_parameters, insecurity_hazard), 0, 1},
	{"closure_security", offsetof(struct mf_parameters, closure_security), 0, 1},
	{"displaced_onward_per_day", offsetof(struct mf_parameters, displaced_onward_per_day), 0, 1},
	{"displaced_return_per_day", offsetof(struct mf_parameters, displaced_return_per_day), 0, 1},
	{"retry_after_interception", offsetof(struct mf_parameters, retry_after_interception), 0, 1},
};

#define SCALAR_COUNT (sizeof(scalars) / sizeof(*scalars))

int mf_param_scalar_count(void)
{
	return (int)SCALAR_COUNT;
}

const char *mf_param_scalar_name(int i)
{
	return i >= 0 && i < (int)SCALAR_COUNT ? scalars[i].name : NULL;
}

const char *mf_param_suggest(const char *name)
{
	static const char *candidates[SCALAR_COUNT + 3];
	size_t n = 0;
	for (size_t i = 0; i < SCALAR_COUNT; i++)
		candidates[n++] = scalars[i].name;
	candidates[n++] = "speed_km_per_day";
	candidates[n++] = "wait_days";
	candidates[n++] = "stay_days";
	char first[NAME_SIZE];
	mf_text_copy(first, sizeof(first), name);
	first[strcspn(first, ".")] = '\0';
	return mf_text_suggest(first, candidates, (int)n);
}

static int index_of(const char *text, const char *(*name_of)(int), int n)
{
	for (int i = 0; i < n; i++)
		if (strcmp(text, name_of(i)) == 0)
			return i;
	return -1;
}

static const char *mode_name(int i) { return mf_link_mode_name((enum mf_link_mode)i); }
static const char *kind_name(int i) { return mf_place_kind_name((enum mf_place_kind)i); }
static const char *intent_name(int i) { return mf_intent_name((enum mf_intent)i); }

enum mf_param_lookup mf_param_resolve(const char *name, const struct mf_graph *graph,
				      struct mf_param_ref *ref, char *why, size_t why_size)
{
	memset(ref, 0, sizeof(*ref));
	char parts[3][NAME_SIZE] = {"", "", ""};
	int n_parts = 0;
	for (const char *c = name;;) {
		size_t length = strcspn(c, ".");
		if (n_parts == 3 || length >= NAME_SIZE) {
			n_parts = 0;
			break;
		}
		memcpy(parts[n_parts], c, length);
		parts[n_parts++][length] = '\0';
		if (!c[length])
			break;
		c += length + 1;
	}
	for (size_t i = 0; n_parts == 1 && i < SCALAR_COUNT; i++)
		if (strcmp(parts[0], scalars[i].name) == 0) {
			ref->kind = MF_PARAM_SCALAR;
			ref->offset = scalars[i].offset;
			ref->min = scalars[i].min;
			ref->max = scalars[i].max;
			return MF_PARAM_FOUND;
		}
	if (n_parts > 0 && strcmp(parts[0], "speed_km_per_day") == 0) {
		ref->kind = MF_PARAM_SPEED;
		ref->mode = n_parts == 2 ? index_of(parts[1], mode_name, MF_MODE_COUNT) : -1;
		ref->min = 1;
		ref->max = 5000;
		if (ref->mode >= 0)
			return MF_PARAM_FOUND;
		snprintf(why, why_size, "expected speed_km_per_day.<mode> with mode road, desert or sea");
		return MF_PARAM_MALFORMED;
	}
	if (n_parts > 0 && strcmp(parts[0], "wait_days") == 0) {
		ref->kind = MF_PARAM_WAIT;
		ref->place_kind = n_parts >= 2 ? index_of(parts[1], kind_name, MF_PLACE_KIND_COUNT) : -1;
		ref->intent = n_parts == 3 ? index_of(parts[2], intent_name, MF_INTENT_COUNT) : -1;
		ref->min = 0;
		ref->max = 1e5;
		if (ref->place_kind >= 0 && (n_parts < 3 || ref->intent >= 0))
			return MF_PARAM_FOUND;
		snprintf(why, why_size, "expected wait_days.<kind of place>[.<intent>] (kinds as in "
			 "places.csv, intents circular, onward, displaced, return)");
		return MF_PARAM_MALFORMED;
	}
	if (n_parts > 0 && strcmp(parts[0], "stay_days") == 0) {
		ref->kind = MF_PARAM_STAY;
		ref->country = n_parts == 2 ? mf_graph_country_index(graph, parts[1]) : -1;
		ref->min = 1;
		ref->max = 1e5;
		if (ref->country >= 0)
			return MF_PARAM_FOUND;
		if (n_parts == 2)
			snprintf(why, why_size, "no country '%s' in the network", parts[1]);
		else
			snprintf(why, why_size, "expected stay_days.<country>");
		return MF_PARAM_MALFORMED;
	}
	const char *hint = mf_param_suggest(name);
	snprintf(why, why_size,
		 "unknown parameter '%s'%s%s%s; known: the scalars of a scenario's `parameters:` "
		 "(e.g. displacement_rate, insecurity_cost, retry_after_interception), "
		 "speed_km_per_day.<mode>, wait_days.<kind>[.<intent>], stay_days.<country>",
		 name, hint ? " (did you mean '" : "", hint ? hint : "", hint ? "'?)" : "");
	return MF_PARAM_UNKNOWN;
}

void mf_param_set(struct mf_parameters *params, const struct mf_param_ref *ref, double value)
{
	switch (ref->kind) {
	case MF_PARAM_SCALAR:
		*(double *)((char *)params + ref->offset) = value;
		break;
	case MF_PARAM_SPEED:
		params->speed_km_per_day[ref->mode] = value;
		break;
	case MF_PARAM_WAIT:
		for (int i = 0; i < MF_INTENT_COUNT; i++)
			if (ref->intent < 0 || ref->intent == i)
				params->wait_days[ref->place_kind][i] = value;
		break;
	case MF_PARAM_STAY:
		params->stay_days_by_country[ref->country] = value;
		break;
	}
}
