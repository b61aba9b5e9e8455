/* Calibration targets: observed quantities with their source, window,
 * tolerance and weight (scenarios/targets-2024.yaml), each the value of an
 * indicator (migflow/indicators.h) over its window. */
#ifndef MIGFLOW_TARGETS_H
#define MIGFLOW_TARGETS_H

#include <stdbool.h>
#include "migflow/error.h"
#include "migflow/indicators.h"
#include "migflow/scenario.h"
#include "migflow/sim.h"

struct mf_target {
	char name[MF_NAME_MAX];
	/* What is simulated: an indicator (the target's `quantity`), its filters
	 * and the window; a stock's window is its date (first_day = last_day). */
	struct mf_indicator_query query;
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
	struct mf_indicator_network *network; /* of the scenario they were read for */
};

/* Reads a targets file for scenario (its places, countries and dates). A
 * target's quantity is an indicator (migflow/indicators.h) by name, with the
 * filters it takes as keys. NULL and err (file:line:column, field) on bad
 * input: unknown quantity, a filter it does not take, negative value, a
 * window outside the run, a missing source ... Caller frees with
 * mf_targets_destroy. They apply to any scenario with the same network and
 * monitoring points (calibration builds one per evaluation). */
struct mf_targets *mf_targets_load(const char *path, const struct mf_scenario *scenario,
				   struct mf_error *err);
void mf_targets_destroy(struct mf_targets *targets);

/* Last day index any target needs. */
int mf_targets_last_day(const struct mf_targets *targets);

/* Adds the day's counts to values[target] (start from zeros). */
void mf_targets_add_day(const struct mf_targets *targets, const struct mf_day_counts *day,
			double *values);

/* Relative error of a simulated value (0 inside an at_least bound). */
double mf_target_error(const struct mf_target *target, double simulated);

/* Sum of weight x (relative error / tolerance)^2. */
double mf_targets_objective(const struct mf_targets *targets, const double *simulated);

#endif
