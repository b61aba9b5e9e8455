/* Compare: the key indicators of two finished runs side by side, their
 * difference and, when both runs have replicates, a 90 % interval of the
 * difference (replicate k of one paired with replicate k of the other; the
 * 5th and 95th percentiles of the paired differences, interpolated as
 * numpy does by default). What `migflow compare` and `migflow report`
 * show. A run is a run file, or a member of a batch file given as
 * BATCH.h5#MEMBER. Nothing is printed; errors fill err. */
#ifndef MIGFLOW_COMPARE_H
#define MIGFLOW_COMPARE_H
#include <stdbool.h>
#include <stdint.h>
#include "migflow/error.h"
#include "migflow/reader.h"

/* The rows, in the order they are shown. */
enum mf_compare_indicator {
	MF_COMPARE_PASSES_INBOUND,
	MF_COMPARE_PASSES_OUTBOUND,
	MF_COMPARE_PASSES_INTERNAL,
	MF_COMPARE_ARRIVALS,      /* at the places of kind destination */
	MF_COMPARE_DEATHS,
	MF_COMPARE_INTERCEPTIONS,
	MF_COMPARE_EXPULSIONS,
	MF_COMPARE_DISPLACED,     /* present on the window's last day */
	MF_COMPARE_PRESENT_COUNTRY, /* present in the chosen country, last day */
	MF_COMPARE_COUNT
};

/* The row's key in JSON ("monitor_passes_inbound", ...). */
const char *mf_compare_key(enum mf_compare_indicator indicator);
/* Whether the row is a stock (taken on the window's last day) rather than
 * a flow (summed over the window). */
bool mf_compare_is_stock(enum mf_compare_indicator indicator);

/* One run, open for reading (mf_compare_run_open; mf_compare_run_close). */
struct mf_compare_run {
	const char *given;    /* as given (not copied) */
	char path[1024];
	char group[300];      /* "/" or "members/<member>" */
	struct mf_reader *reader; /* the run's group */
	int start;            /* days since 1970-01-01 */
	int days;
	int replicates;       /* 0: a single run */
	int n_places;
	char **place_country; /* [n_places] */
	char destination[256];  /* names of the places of kind destination */
	int n_destinations;
	int displaced;        /* index of intent "displaced" */
	int direction[3];     /* indices of inbound, outbound, internal */
	char scenario_name[128];
	double *values;       /* [replicate * MF_COMPARE_COUNT + indicator] (mf_compare_runs) */
	double *drawn;        /* replicate_parameters (run --posterior), or NULL */
	uint64_t n_drawn;     /* values in drawn */
};

/* Opens the run given as FILE or BATCH.h5#MEMBER and reads its tables.
 * On failure the run may hold some of them: close it all the same. */
enum mf_status mf_compare_run_open(struct mf_compare_run *run, const char *given,
				   struct mf_error *err);
/* Frees what the run holds and closes its file. Accepts NULL and a zeroed run. */
void mf_compare_run_close(struct mf_compare_run *run);
/* Whether any place of the run is in country. */
bool mf_compare_run_has_country(const struct mf_compare_run *run, const char *country);
/* MF_ERR_INPUT unless the run covers days [from, to] (days since 1970). */
enum mf_status mf_compare_run_covers(const struct mf_compare_run *run, int from, int to,
				     struct mf_error *err);
/* The MF_COMPARE_COUNT indicators of replicate r (0 for a single run) over
 * days [from, to] (days since 1970, within the run) into out. */
enum mf_status mf_compare_run_indicators(const struct mf_compare_run *run, int r, int from,
					 int to, const char *country, double *out,
					 struct mf_error *err);

struct mf_compare_row {
	char label[160];
	double base, alt, difference; /* means over replicates; alt - base */
	bool has_interval;
	double p05, p95;              /* of the paired differences */
};

struct mf_compare {
	int from, to;        /* the window, days since 1970, inclusive */
	int paired;          /* replicates paired (0: no intervals) */
	bool under_posterior; /* paired replicates share posterior parameters and seeds */
	struct mf_compare_row rows[MF_COMPARE_COUNT];
};

/* The comparison of two open runs over days [from, to] (within both),
 * persons present counted in country; fills both runs' values. */
enum mf_status mf_compare_runs(struct mf_compare_run *base, struct mf_compare_run *alt,
			       int from, int to, const char *country, struct mf_compare *result,
			       struct mf_error *err);
#endif
