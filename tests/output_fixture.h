/* The fixture of the output tests (test_output.c, test_statistics.c,
 * test_tables.c): a tiny run (three places, two links, one monitoring point)
 * written by hand into a scratch directory, and helpers that read files
 * back with the HDF5 C API, failing the test on error. */
#ifndef MF_TEST_OUTPUT_FIXTURE_H
#define MF_TEST_OUTPUT_FIXTURE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <hdf5.h>

#include "migflow/output.h"

#define N_PLACES 3
#define N_LINKS 2
#define N_COUNTRIES 2
#define N_MONITORS 1
#define DAYS 5
#define PATH_SIZE 512

struct fixture {
	char dir[256];
	struct mf_graph graph;
	struct mf_scenario scenario;
	struct mf_output_info info;
	struct mf_day_counts counts;
};

/* The variables along time, in the order of day_row. */
enum series {
	OCCUPANCY, IN_TRANSIT, LINK_FLOW, SPAWNED, ARRIVALS, DEATHS,
	MONITOR_PASSES, INTERCEPTIONS, EXPULSIONS, RETURNS, DESTINATION_ARRIVALS,
	SERIES_COUNT
};

extern const char *const series_names[SERIES_COUNT];

/* Dimension names of each series, NULL-terminated. */
extern const char *const series_dims[SERIES_COUNT][4];

/* The place, link and monitoring point tables of a run file. */
extern const char *const table_names[14];

#define COUNT_OF(a) (sizeof(a) / sizeof((a)[0]))

/* Replicates of the ensembles the tests write. */
#define REPLICATES 3

/* The group's setup and teardown: the scratch directory, the network, the
 * scenario and the day's counts; the teardown removes the directory. */
int group_setup(void **state);
int group_teardown(void **state);

/* The value every test writes: distinct for each series, day and index. */
int64_t value_of(int series, int day, size_t index);
/* The value of an ensemble test: value_of plus a replicate offset. */
int64_t replicate_value(int replicate, int series, int day, size_t index);
/* Values along a series' non-time dimensions in one day. */
size_t row_length(int series, int n_monitors);
/* The day's counts of one series. */
int64_t *day_row(struct mf_day_counts *counts, int series);
/* Fills fx->counts with the day's values (value_of, replicate_value). */
void fill_day(struct fixture *fx, const struct mf_output_info *info, int day);
void fill_replicate_day(struct fixture *fx, int replicate, int day);

/* name in the fixture's scratch directory. */
void path_in(const struct fixture *fx, const char *name, char *path, size_t size);
bool exists(const char *path);
/* Whether path.partial, the file being written, exists. */
bool partial_exists(const char *path);

/* Creates path, writes `written` days and finishes with stats. */
enum mf_status write_run(struct fixture *fx, const char *path,
			 const struct mf_output_info *info, int written,
			 const struct mf_run_stats *stats, struct mf_error *err);
/* Writes an ensemble of info->replicates with info->days days each and
 * returns its writer, not yet finished. */
struct mf_output *write_ensemble(struct fixture *fx, const char *path,
				 const struct mf_output_info *info,
				 struct mf_error *err);

/* A string attribute of obj (variable or fixed length); caller frees. */
char *read_string_attr(hid_t obj, const char *name);
void assert_string_attr(hid_t obj, const char *name, const char *expected);
void read_attr(hid_t obj, const char *name, hid_t memory_type, void *value);
/* Reads a whole int64 dataset, checking its shape; caller frees. */
int64_t *read_int64(hid_t file, const char *name, int rank, const hsize_t *dims);
/* Reads a whole float64 dataset of n values; caller frees. */
double *read_doubles(hid_t file, const char *name, size_t n);
/* Reads a one-dimensional string dataset and checks it equals expected. */
void assert_labels(hid_t file, const char *name, size_t n,
		   const char *const *expected);
/* Checks that variable has the scales dims (NULL-terminated) attached,
 * one per axis. */
void assert_attached(hid_t file, const char *variable, const char *const *dims);
void assert_has_attr(hid_t file, const char *object, const char *attr,
		     bool expected);

#endif
