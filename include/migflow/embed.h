/* A flat entry point for bindings (the Python package's ctypes module,
 * python/migflow/bindings.py): load a scenario from a path or from YAML
 * text, with parameter overrides, and run it through the ensemble entry
 * point into a file exactly as `migflow run` writes it. Plain C types only,
 * so that a foreign-function interface can call it without a compiler. */
#ifndef MIGFLOW_EMBED_H
#define MIGFLOW_EMBED_H

#include <stdint.h>
#include "migflow/error.h"
#include "migflow/scenario.h"

struct mf_embed_options {
	/* A path, or (text != 0) the scenario's YAML text, whose extends,
	 * network and targets files are relative to base_dir (NULL: the
	 * current directory); errors name it base_dir/<text>. */
	const char *scenario;
	int text;
	const char *base_dir;
	int has_seed;             /* 0: the scenario's seed */
	uint64_t seed;
	int days;                 /* 0: the scenario's */
	int replicates;           /* 0: one run (replicate `replicate`); N: 0 .. N-1 */
	uint32_t replicate;
	int threads;              /* 0: the rule set's default */
	int agent_scale;          /* 0: the scenario's */
	/* Model parameters set in every run (mf_override's names), n of them. */
	const char *const *parameter_names;
	const double *parameter_values;
	int n_parameters;
	/* After every simulated day (may be NULL): run 0 .. runs-1, day 1 ..
	 * days, agents alive now. */
	void (*progress)(void *user, int run, int day, int days, int64_t alive);
	/* Before every day (may be NULL): nonzero stops the run with
	 * MF_ERR_CANCELLED. */
	int (*cancelled)(void *user);
	void *user;
};

/* Loads options->scenario (path or text) as `migflow check` does, with
 * agent_scale applied. NULL and err on failure. Caller frees with
 * mf_scenario_destroy. */
struct mf_scenario *mf_embed_load(const struct mf_embed_options *options, struct mf_error *err);

/* Validates the scenario; MF_OK or the error (file, line, column, field). */
enum mf_status mf_embed_check(const struct mf_embed_options *options, struct mf_error *err);

/* Runs the scenario into the HDF5 file output (overwritten if present),
 * the file `migflow run SCENARIO -o output` writes for the same seed,
 * days, replicates, threads and agent scale, with the calibration targets
 * table when the scenario names targets. On failure nothing is left. */
enum mf_status mf_embed_run(const struct mf_embed_options *options, const char *output,
			    struct mf_error *err);

/* sizeof(struct mf_error) and sizeof(struct mf_embed_options), for a
 * binding to check its copy of the layouts. */
size_t mf_embed_error_size(void);
size_t mf_embed_options_size(void);

#endif
