/* Model parameters by name, as a scenario's `parameters:` block spells them:
 * the scalars (displacement_rate, insecurity_cost, ...),
 * speed_km_per_day.<mode>, wait_days.<kind of place>[.<intent>] and
 * stay_days.<country>. Shared by `parameter` events and batch sweeps. */
#ifndef MF_PARAMETERS_H
#define MF_PARAMETERS_H

#include <stddef.h>

#include "migflow/graph.h"
#include "migflow/scenario.h"

enum mf_param_kind {
	MF_PARAM_SCALAR, /* a double of struct mf_parameters */
	MF_PARAM_SPEED,  /* speed_km_per_day.<mode> */
	MF_PARAM_WAIT,   /* wait_days.<kind>[.<intent>] */
	MF_PARAM_STAY,   /* stay_days.<country> */
};

/* A parameter resolved from its name. */
struct mf_param_ref {
	enum mf_param_kind kind;
	size_t offset;      /* SCALAR: offset in struct mf_parameters */
	int mode;           /* SPEED */
	int place_kind;     /* WAIT */
	int intent;         /* WAIT: -1 = every intent */
	int country;        /* STAY: country index in the graph */
	double min, max;    /* the range scenario files accept */
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

/* The scalar parameters: how many, and the name of the i-th. */
int mf_param_scalar_count(void);
const char *mf_param_scalar_name(int i);

/* The names of the scalar parameters and families, for suggestions. */
const char *mf_param_suggest(const char *name);

#endif
