/* Calibration targets: observed quantities with their source, window,
 * tolerance and weight (scenarios/targets-2024.yaml), and how a run's daily
 * counts add up to the same quantities. */
#ifndef MIGFLOW_TARGETS_H
#define MIGFLOW_TARGETS_H

#include <stdbool.h>
#include "migflow/error.h"
#include "migflow/scenario.h"
#include "migflow/sim.h"

enum mf_quantity {
	MF_Q_MONITOR_PASSES, /* passes at monitoring points (direction filter) */
	MF_Q_SEA_ARRIVALS,   /* arrivals over sea links (from/to country filters) */
	MF_Q_SEA_DEATHS,     /* deaths on sea links (from country filter) */
	MF_Q_LAND_DEATHS,    /* deaths on road and desert links (country filter) */
	MF_Q_INTERCEPTIONS,  /* interceptions at sea (from country filter) */
	MF_Q_EXPULSIONS,
	MF_Q_PRESENT,        /* persons at places of a country on a date (intent filter) */
	MF_Q_COUNT
};

struct mf_target {
	char name[MF_NAME_MAX];
	enum mf_quantity quantity;
	int direction;     /* MONITOR_PASSES: enum mf_direction, -1 all */
	int country;       /* PRESENT, LAND_DEATHS: graph country, -1 any */
	int from_country;  /* sea quantities: country of the departure place, -1 any */
	int to_country;    /* SEA_ARRIVALS: country of the arrival place, -1 any */
	int intent;        /* PRESENT: enum mf_intent, -1 all */
	int first_day, last_day; /* window (day indices, inclusive); PRESENT: both the date */
	double observed;   /* persons */
	bool at_least;     /* observed is a lower bound */
	double tolerance;  /* relative, e.g. 0.02 */
	double weight;
	char source[256];
	char window[32];   /* "2024-01-01..2024-12-31" or "2024-12-31" */
	int line, column;
};

struct mf_targets {
	char path[4096];
	int n;
	struct mf_target *targets;
};

/* Reads a targets file for scenario (its countries and dates). NULL and err
 * (file:line:column, field) on bad input: unknown quantity, negative value,
 * a window outside the run, a missing source ... Caller frees with
 * mf_targets_destroy. */
struct mf_targets *mf_targets_load(const char *path, const struct mf_scenario *scenario,
				   struct mf_error *err);
void mf_targets_destroy(struct mf_targets *targets);

/* Last day index any target needs. */
int mf_targets_last_day(const struct mf_targets *targets);

/* Adds the day's counts to values[target] (start from zeros). */
void mf_targets_add_day(const struct mf_targets *targets, const struct mf_scenario *scenario,
			const struct mf_day_counts *day, double *values);

/* Relative error of a simulated value (0 inside an at_least bound). */
double mf_target_error(const struct mf_target *target, double simulated);

/* Sum of weight x (relative error / tolerance)^2. */
double mf_targets_objective(const struct mf_targets *targets, const double *simulated);

const char *mf_quantity_name(enum mf_quantity quantity);

#endif
