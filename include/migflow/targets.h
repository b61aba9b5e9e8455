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

/* An observation the model cannot represent (`not_represented:` in a
 * targets file): listed beside the targets, never scored. */
struct mf_unrepresented {
	char name[MF_NAME_MAX];
	double observed;
	char period[32];   /* as written: "2025", "2025-01-01..2025-12-15" */
	char source[256];
	char reason[256];  /* why the model cannot represent it */
};

struct mf_targets {
	char path[4096];
	int n;
	struct mf_target *targets;
	struct mf_indicator_network *network; /* of the scenario they were read for */
	/* `validation_only: true`: observations kept out of any fit (calibrate
	 * and posterior refuse the file); where the key is. */
	bool validation_only;
	int validation_line, validation_column;
	int n_unrepresented;
	struct mf_unrepresented *unrepresented;
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

/* Skill of an error against a reference's (a hindcast's against
 * persistence's): 1 - |error| / |reference|; NAN when the reference error is
 * 0 (the skill is undefined: nothing to improve on). */
double mf_target_skill(double error, double reference);

/* Fails (err at the file's `validation_only` key, field "validation_only")
 * when targets are for validation only; what names the refusing use
 * ("calibrate"). 0 otherwise. */
int mf_targets_refuse_validation(const struct mf_targets *targets, const char *what,
				 struct mf_error *err);

/* Sum of weight x (relative error / tolerance)^2. */
double mf_targets_objective(const struct mf_targets *targets, const double *simulated);

#endif
