/* Model parameters by name, as `parameter` events and batch sweeps spell
 * them: a scalar of the parameter table (displacement_rate, ...), or one
 * element of a family: speed_km_per_day.<mode>, wait_days.<kind of
 * place>[.<intent>], stay_days.<country>. Names, ranges and layout come
 * from the table of migflow/model.h. */
#ifndef MF_PARAMETERS_H
#define MF_PARAMETERS_H

#include <stddef.h>

#include "migflow/graph.h"
#include "migflow/model.h"

/* A parameter resolved from its name. */
struct mf_param_ref {
	const struct mf_param_info *info; /* its row (also when MALFORMED), range included */
	int mode;           /* BY_MODE */
	int place_kind;     /* BY_PLACE_KIND */
	int intent;         /* BY_PLACE_KIND: -1 = every intent */
	int country;        /* BY_COUNTRY: country index in the graph */
};

enum mf_param_lookup {
	MF_PARAM_FOUND,
	MF_PARAM_UNKNOWN,   /* no parameter of that name: why says what is known */
	MF_PARAM_MALFORMED, /* a known family with a bad suffix: why says the form */
};

/* Resolves name against graph (for the countries of stay_days). On failure
 * why (of size why_size) holds the reason, with a suggestion when one is
 * close. */
enum mf_param_lookup mf_param_resolve(const char *name, const struct mf_graph *graph,
				      struct mf_param_ref *ref, char *why, size_t why_size);

/* Sets the parameter to value (already checked against its range). */
void mf_param_set(struct mf_parameters *params, const struct mf_param_ref *ref, double value);

/* The closest name of a scalar parameter or family to name's first part
 * (before any '.'), or NULL: for suggestions. */
const char *mf_param_suggest(const char *name);

#endif
