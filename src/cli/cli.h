/* The migflow command-line front end (not part of the library). */
#ifndef MF_CLI_H
#define MF_CLI_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "migflow/migflow.h"
#include "options.h"

/* Exit codes of the migflow program. */
enum {
	EXIT_OK = 0,
	EXIT_INPUT = 1,       /* bad scenario, network or output refused */
	EXIT_USAGE = 2,       /* bad command line */
	EXIT_FAILURE_RUN = 3, /* I/O or internal error during the run */
	EXIT_CHECKPOINTED = 75, /* interrupted after writing a checkpoint: resume it */
	EXIT_INTERRUPTED = 130,
};

int mf_cli_run(int argc, char **argv);
int mf_cli_check(int argc, char **argv);
int mf_cli_batch(int argc, char **argv);
int mf_cli_compare(int argc, char **argv);
int mf_cli_report(int argc, char **argv);
int mf_cli_indicators(int argc, char **argv);

/* The ranks of an MPI run (src/cli/ranks.c), or one rank (rank 0 of 1)
 * in a build without MPI or outside mpirun. */
struct ranks {
	int rank, size;
	bool mpi;
};

void ranks_start(struct ranks *r);
void ranks_end(struct ranks *r);
/* Rank 0's values, on every rank. */
void ranks_broadcast(const struct ranks *r, int *values, int n);
/* The largest value over the ranks. */
int ranks_max(const struct ranks *r, int value);
/* values becomes their element-wise sum over the ranks; false when MPI
 * fails. */
bool ranks_sum(const struct ranks *r, double *values, size_t n);

/* migflow run's checkpoints (run_state.c): the record a checkpoint keeps
 * of the command line (caller frees; NULL when out of memory), and the
 * command line of the run a checkpoint was written by, with the options of
 * argv but --resume FILE added, after entering the directory the run was
 * started in (-1 and err on failure; free with mf_cli_run_resume_free). */
struct run_resume {
	char checkpoint[4096];   /* its absolute path */
	struct mf_checkpoint_info info;
	int argc;
	char **argv;
};

void *mf_cli_run_record(int argc, char **argv, size_t *size);
int mf_cli_run_resume_argv(const char *checkpoint, int argc, char **argv, struct run_resume *out,
			   struct mf_error *err);
void mf_cli_run_resume_free(struct run_resume *resume);

/* Exit code for a library status (shared by run, batch and compare). */
int mf_cli_exit_code(enum mf_status status);
int mf_cli_calibrate(int argc, char **argv);
int mf_cli_posterior(int argc, char **argv);
int mf_cli_hindcast(int argc, char **argv);
int mf_cli_sensitivity(int argc, char **argv);

/* A count of persons as people read it: rounded to a whole number, with
 * thousands separators ("4,443,590", "-1,552"; with sign, "+1,552").
 * Returns out. */
const char *mf_cli_persons(double value, bool sign, char *out, size_t size);

/* Parses a date YYYY-MM-DD given to option into days since 1970-01-01
 * (MF_ERR_INPUT naming the option otherwise). */
enum mf_status mf_cli_parse_date(const char *option, const char *text, int *day,
				  struct mf_error *err);

/* The targets of scenario s: the file given (--targets), else the one its
 * `targets:` key names; NULL and err (at the scenario's file) when neither. */
struct mf_targets *mf_cli_load_targets(const char *given, const struct mf_scenario *s,
				       struct mf_error *err);

/* The default output of an input file: "scenarios/baseline.yaml" -> "baseline.h5". */
void mf_cli_default_output(const char *input, char *out, size_t size);

/* Prints an error from the library as "migflow: error: file:line:col: ...". */
void mf_cli_print_error(const struct mf_error *err);

/* Writes text as a JSON string, quoted and escaped. */
void mf_cli_json_string(FILE *out, const char *text);

/* The lines of the end-of-run summary (indices of run_summary.lines), each
 * an indicator of migflow/indicators.h narrowed by a filter. */
enum {
	LINE_SPAWNED,       /* from the sources */
	LINE_ARRIVED,       /* at the scenario's destination */
	LINE_DEATHS,        /* one line per link mode */
	LINE_INTERCEPTIONS = LINE_DEATHS + MF_MODE_COUNT,
	LINE_EXPULSIONS,
	LINE_RETURNS,
	LINE_PASSES,        /* one line per direction */
	LINE_ON_LINKS = LINE_PASSES + MF_DIR_COUNT,
	LINE_PRESENT,       /* one line per country */
};

struct summary_line {
	const struct mf_indicator *indicator;
	struct mf_indicator_filter filter;
	int64_t whole;      /* a flow over the run, a stock on its last day */
	int64_t window;     /* a flow from the first day of the reporting window */
};

/* Sums over the days of a run, kept by the CLI for its summary. */
struct run_summary {
	int report_from;            /* first day of the reporting window */
	int days;
	struct mf_indicator_network *network;
	int n_lines;                /* LINE_PRESENT + the countries */
	struct summary_line *lines; /* [LINE_*, then one per country] */
	struct mf_totals totals;    /* set by summary_finish at the end of the run */
};

int summary_init(struct run_summary *s, const struct mf_scenario *scenario);
void summary_add_day(struct run_summary *s, const struct mf_day_counts *day);
/* Records the totals and the stocks at the end of the run (last_day). */
void summary_finish(struct run_summary *s, const struct mf_day_counts *last_day,
		    const struct mf_totals *totals);
void summary_print(FILE *out, const struct run_summary *s, const struct mf_scenario *scenario,
		   double wall_seconds, int threads);
int summary_write_json(const char *path, const struct run_summary *s,
		       const struct mf_totals *totals, int days, uint64_t seed, int threads,
		       double wall_seconds);
void summary_free(struct run_summary *s);
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
