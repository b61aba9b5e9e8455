/* migflow-bench: private to its files, one job per file:
 *
 *   migflow_bench.c  the command line, the report (the table, the targets with
 *                    PASS or MISS) and main, which runs every measurement below
 *   child.c          running a measurement in a child process, and the clocks
 *                    the measurements read (wall, CPU, peak RSS)
 *   step.c           1. the day step on a synthetic population: the synthetic
 *                    scenario and the sink that times the move phase day by day
 *   bandwidth.c      2. memory bandwidth: the triad probe
 *   end_to_end.c     3. the baseline end to end, HDF5 output timed apart
 *   cells.c          one row of section 1 (size, threads) over its repetitions:
 *                    median day, mean, best, speed-up
 *   traffic.c        the step's memory traffic model and
 *   perf_counter.c   the cache-miss counter, both declared in bench.h */
#ifndef MF_MIGFLOW_BENCH_H
#define MF_MIGFLOW_BENCH_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "migflow/migflow.h"
#include "bench.h"

#define MAX_SIZES 8
#define MAX_THREADS 8
#define MAX_PERF_THREADS 256
#define MAX_DAYS 1000
#define MAX_REPEAT 9

/* The synthetic population (section 1): shares of N. The stock is the
 * baseline's initial population (people at their goals in Libya, Chad's
 * camps, Kano, Tamanrasset; onward migrants waiting on the coast), scaled;
 * movers are onward migrants starting at the baseline's onward sources
 * (weighted by rate) and return migrants leaving the baseline's circular
 * stocks for their homes. No sources and no events, so N only drifts down
 * as movers arrive, die or reach home. */
#define SHARE_STOCK 0.80
#define SHARE_ONWARD 0.10
#define SHARE_RETURN 0.10
#define PIECES 16

/* ---- child.c: running a measurement in a child process ---- */

/* Wall-clock seconds (CLOCK_MONOTONIC). */
double bench_now(void);

/* CPU seconds (user + system) of the whole process so far. */
double bench_cpu_seconds(void);

/* Peak resident set size of the process so far, KiB. */
long bench_peak_rss_kib(void);

typedef void (*bench_child_fn)(const void *arg, void *result);

/* Runs fn(arg, result) in a child and copies its result back. */
bool bench_in_child(bench_child_fn fn, const void *arg, void *result, size_t size);

/* "what: the error" into a child's result message. */
void bench_fail_message(char *message, size_t size, const char *what, const struct mf_error *err);

/* ---- bandwidth.c: 2. memory bandwidth ---- */

struct triad_arg {
	int threads;
	size_t n;
	int reps;
};

struct triad_result {
	int ok;
	double best_seconds, bytes_per_second, check;
};

/* A bench_child_fn: arg a struct triad_arg, result a struct triad_result. */
void bench_triad_child(const void *argp, void *resultp);

/* ---- step.c: 1. the day step on a synthetic population ---- */

/* The whole file at path, NUL-terminated; NULL when it cannot be read. */
char *bench_read_text(const char *path);

/* Writes the baseline with its sources, events and initial population
 * replaced by a synthetic population of about n agents, network paths made
 * absolute, run length `days`. Returns 0, or -1 on failure. */
int bench_write_synthetic(const struct mf_scenario *base, const char *base_text, const char *path,
			  int64_t n, int days);

struct step_arg {
	char path[PATH_MAX];
	int threads, warmup, days;
	bool traffic;
};

struct step_result {
	int ok;
	char message[640];
	int64_t alive_start, alive_end, on_links_start, on_links_end;
	uint64_t steps;
	double move_seconds, capacity_seconds, create_seconds;
	double cpu_share; /* CPU seconds / (wall seconds x threads) over the timed days */
	double cpu_seconds; /* CPU seconds of the process over the timed days (all phases) */
	int days;
	double day_ns[MAX_DAYS]; /* move-phase wall ns per agent-step, day by day */
	int64_t llc_misses; /* -1: not available */
	long maxrss_kib;    /* before the traffic snapshot */
	struct bench_traffic traffic;
};

/* A bench_child_fn: arg a struct step_arg, result a struct step_result. */
void bench_step_child(const void *argp, void *resultp);

/* ---- end_to_end.c: 3. the baseline end to end ---- */

struct e2e_arg {
	char path[PATH_MAX];
	char output[PATH_MAX];
	int threads;
};

struct e2e_result {
	int ok;
	char message[640];
	int threads, days;
	uint64_t steps;
	double load_seconds, create_seconds, output_seconds, wall_seconds;
	double phase[MF_PHASE_COUNT];
	int64_t alive_end, alive_peak, on_links_end;
	long maxrss_kib;
	long long output_bytes;
	double cpu_share; /* CPU seconds / (wall seconds x threads) */
};

/* A bench_child_fn: arg a struct e2e_arg, result a struct e2e_result. */
void bench_e2e_child(const void *argp, void *resultp);

/* ---- cells.c: the rows of section 1 over their repetitions ---- */

/* One (size, threads) configuration over its repetitions. */
struct step_cell {
	int reps;                  /* repetitions that succeeded */
	struct step_result first;  /* the first one: population, traffic */
	double median_ns, mean_ns, best_ns; /* wall ns per agent-step over all timed days */
	double cpu_share;          /* lowest over the repetitions */
	double rep_rate[MAX_REPEAT]; /* agent-steps/s of each repetition's median day */
	bool rep_ok[MAX_REPEAT];
	long maxrss_kib;           /* largest over the repetitions */
	int64_t llc_misses;        /* summed, -1 not available */
	uint64_t steps;
	double move_seconds, cpu_seconds;
};

/* Adds repetition rep's result to the cell. */
void bench_cell_add(struct step_cell *cell, int rep, const struct step_result *r);

/* Pools the days of all repetitions into the median day, and the mean. */
void bench_cell_finish(struct step_cell *cell, const struct step_result *reps, int n_reps);

/* Agent-steps per second (wall) of the median day. */
double bench_steps_per_second(const struct step_cell *cell);

/* ns per agent-step per core (median day): wall ns times threads. */
double bench_ns_per_step_core(const struct step_cell *cell, int threads);

/* Speed-up of cell b over cell a: median over repetitions run side by side. */
double bench_speedup(const struct step_cell *a, const struct step_cell *b, int n_reps);

#endif
