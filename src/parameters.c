/* Model parameters by name (parameters.h). */
#include "parameters.h"

#include <stdio.h>
#include <string.h>

#include "text.h"

#define NAME_SIZE 64
#define PARAM_MAX 64

const char *mf_param_suggest(const char *name)
{
	/* Scalars first: the first of equally close names wins. */
	const char *candidates[PARAM_MAX];
	int n = 0;
	for (int pass = 0; pass < 2; pass++)
		for (int i = 0; i < mf_param_count() && n < PARAM_MAX; i++)
			if ((mf_param_table(i)->shape == MF_PARAM_SCALAR) == (pass == 0))
				candidates[n++] = mf_param_table(i)->name;
	char first[NAME_SIZE];
	mf_text_copy(first, sizeof(first), name);
	first[strcspn(first, ".")] = '\0';
	return mf_text_suggest(first, candidates, n);
}

static int index_of(const char *text, const char *const *names, int n)
{
	for (int i = 0; i < n; i++)
		if (strcmp(text, names[i]) == 0)
			return i;
	return -1;
}

/* How a family's elements are named after its name. */
static const char *family_suffix(enum mf_param_shape shape)
{
	switch (shape) {
	case MF_PARAM_BY_MODE: return ".<mode>";
	case MF_PARAM_BY_PLACE_KIND: return ".<kind>[.<intent>]";
	case MF_PARAM_BY_COUNTRY: return ".<country>";
	case MF_PARAM_SCALAR: break;
	}
	return "";
}

/* names[0], names[1] ... or names[n - 1], as a sentence lists them. */
static void list_names(char *out, size_t size, const char *const *names, int n)
{
	size_t used = 0;
	out[0] = '\0';
	for (int i = 0; i < n && used < size; i++)
		used += (size_t)snprintf(out + used, size - used, "%s%s",
					 i == 0 ? "" : i == n - 1 ? " or " : ", ", names[i]);
}

static enum mf_param_lookup malformed(const struct mf_param_info *info, const char *element,
				      char *why, size_t why_size)
{
	char modes[64];
	switch (info->shape) {
	case MF_PARAM_BY_MODE:
		list_names(modes, sizeof(modes), mf_link_mode_names, MF_MODE_COUNT);
		snprintf(why, why_size, "expected %s.<mode> with mode %s", info->name, modes);
		break;
	case MF_PARAM_BY_PLACE_KIND:
		snprintf(why, why_size, "expected %s.<kind of place>[.<intent>] (kinds as in "
			 "places.csv, intents circular, onward, displaced, return)", info->name);
		break;
	case MF_PARAM_BY_COUNTRY:
		if (element)
			snprintf(why, why_size, "no country '%s' in the network", element);
		else
			snprintf(why, why_size, "expected %s.<country>", info->name);
		break;
	case MF_PARAM_SCALAR:
		break;
	}
	return MF_PARAM_MALFORMED;
}

static enum mf_param_lookup unknown(const char *name, char *why, size_t why_size)
{
	char families[256] = "";
	size_t used = 0;
	for (int i = 0; i < mf_param_count() && used < sizeof(families); i++) {
		const struct mf_param_info *info = mf_param_table(i);
		if (info->shape != MF_PARAM_SCALAR)
			used += (size_t)snprintf(families + used, sizeof(families) - used, ", %s%s",
						 info->name, family_suffix(info->shape));
	}
	const char *hint = mf_param_suggest(name);
	snprintf(why, why_size,
		 "unknown parameter '%s'%s%s%s; known: the scalars of a scenario's `parameters:` "
		 "(e.g. displacement_rate, insecurity_cost, retry_after_interception)%s",
		 name, hint ? " (did you mean '" : "", hint ? hint : "", hint ? "'?)" : "", families);
	return MF_PARAM_UNKNOWN;
}

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
	const struct mf_param_info *info = n_parts > 0 ? mf_param_find(parts[0]) : NULL;
	if (!info || (info->shape == MF_PARAM_SCALAR && n_parts != 1))
		return unknown(name, why, why_size);
	ref->info = info;
	switch (info->shape) {
	case MF_PARAM_SCALAR:
		return MF_PARAM_FOUND;
	case MF_PARAM_BY_MODE:
		ref->mode = n_parts == 2 ? index_of(parts[1], mf_link_mode_names, MF_MODE_COUNT) : -1;
		if (ref->mode >= 0)
			return MF_PARAM_FOUND;
		return malformed(info, NULL, why, why_size);
	case MF_PARAM_BY_PLACE_KIND:
		ref->place_kind = n_parts >= 2 ? index_of(parts[1], mf_place_kind_names, MF_PLACE_KIND_COUNT) : -1;
		ref->intent = n_parts == 3 ? index_of(parts[2], mf_intent_names, MF_INTENT_COUNT) : -1;
		if (ref->place_kind >= 0 && (n_parts < 3 || ref->intent >= 0))
			return MF_PARAM_FOUND;
		return malformed(info, NULL, why, why_size);
	case MF_PARAM_BY_COUNTRY:
		ref->country = n_parts == 2 ? mf_graph_country_index(graph, parts[1]) : -1;
		if (ref->country >= 0 && ref->country < MF_COUNTRY_MAX)
			return MF_PARAM_FOUND;
		return malformed(info, n_parts == 2 ? parts[1] : NULL, why, why_size);
	}
	return unknown(name, why, why_size);
}

void mf_param_set(struct mf_parameters *params, const struct mf_param_ref *ref, double value)
{
	double *field = mf_param_field(params, ref->info);
	switch (ref->info->shape) {
	case MF_PARAM_SCALAR:
		*field = value;
		break;
	case MF_PARAM_BY_MODE:
		field[ref->mode] = value;
		break;
	case MF_PARAM_BY_PLACE_KIND: {
		double (*by_kind)[MF_INTENT_COUNT] = (double (*)[MF_INTENT_COUNT])field;
		for (int i = 0; i < MF_INTENT_COUNT; i++)
			if (ref->intent < 0 || ref->intent == i)
				by_kind[ref->place_kind][i] = value;
		break;
	}
	case MF_PARAM_BY_COUNTRY:
		mf_param_by_country(params, ref->info)[ref->country] = value;
		break;
	}
}
