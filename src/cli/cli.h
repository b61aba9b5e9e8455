/* The migflow command-line front end (not part of the library). */
#ifndef MF_CLI_H
#define MF_CLI_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "migflow/migflow.h"

/* Exit codes of the migflow program. */
enum {
	EXIT_OK = 0,
	EXIT_INPUT = 1,       /* bad scenario, network or output refused */
	EXIT_USAGE = 2,       /* bad command line */
	EXIT_FAILURE_RUN = 3, /* I/O or internal error during the run */
	EXIT_INTERRUPTED = 130,
};

int mf_cli_run(int argc, char **argv);
int mf_cli_check(int argc, char **argv);
int mf_cli_batch(int argc, char **argv);
int mf_cli_compare(int argc, char **argv);

/* Exit code for a library status (shared by run, batch and compare). */
int mf_cli_exit_code(enum mf_status status);
int mf_cli_calibrate(int argc, char **argv);

/* Parses a whole non-negative decimal number up to max (no sign, no junk). */
bool mf_cli_parse_count(const char *text, long long max, long long *value);

/* The default output of an input file: "scenarios/baseline.yaml" -> "baseline.h5". */
void mf_cli_default_output(const char *input, char *out, size_t size);

/* Prints an error from the library as "migflow: error: file:line:col: ...". */
void mf_cli_print_error(const struct mf_error *err);

/* Sums over the days of a run, kept by the CLI for its summary. */
struct run_summary {
	int report_from;            /* first day of the reporting window */
	int days;
	int64_t *passes;            /* [monitor * MF_DIR_COUNT + dir], whole run */
	int64_t *passes_window;     /* same, reporting window */
	int64_t deaths_by_mode[MF_MODE_COUNT], deaths_by_mode_window[MF_MODE_COUNT];
	int64_t arrived, arrived_window;
	int64_t interceptions, interceptions_window;
	int64_t expulsions, expulsions_window;
	int64_t spawned_window;
	/* Set by summary_finish at the end of the run: */
	struct mf_totals totals;
	int64_t *present_by_country; /* [country] at the end of the last day */
};

int summary_init(struct run_summary *s, const struct mf_scenario *scenario);
void summary_add_day(struct run_summary *s, const struct mf_scenario *scenario,
		     const struct mf_day_counts *day);
void summary_print(FILE *out, const struct run_summary *s, const struct mf_scenario *scenario,
		   const struct mf_totals *totals, double wall_seconds, int threads);
int summary_write_json(const char *path, const struct run_summary *s,
		       const struct mf_totals *totals, int days, uint64_t seed, int threads,
		       double wall_seconds);
void summary_free(struct run_summary *s);
/* Records the totals and the stocks at the end of the run (last_day). */
void summary_finish(struct run_summary *s, const struct mf_scenario *scenario,
		    const struct mf_day_counts *last_day, const struct mf_totals *totals);
/* An ensemble of n replicates (each finished): mean and 5th-95th
 * percentiles across replicates. */
void summary_print_ensemble(FILE *out, const struct run_summary *s, int n,
			    const struct mf_scenario *scenario, double wall_seconds,
			    int threads);
int summary_write_json_ensemble(const char *path, const struct run_summary *s, int n,
				int days, uint64_t seed, int threads, double wall_seconds);

/* A progress line on stderr, redrawn a few times a second. */
struct progress {
	bool enabled;
	double started, last_drawn;
};

void progress_start(struct progress *p, bool enabled);
void progress_update(struct progress *p, const struct mf_scenario *scenario, int day_done,
		     int days_total, int64_t agents, uint64_t agent_steps);
void progress_finish(struct progress *p);
double progress_now(void);

#endif
